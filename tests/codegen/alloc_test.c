/*
 * codegen_alloc: generated decoders and encoders never touch the heap.  Every
 * heap call of this executable (the test, the generated code, the runtime
 * and glibc) is counted (tests/common/alloc_count.h).  10,000 decodes +
 * encodes of each schema's documents (valid ones with escapes, arrays, maps,
 * bytes and json values, and invalid ones that record errors or run out of
 * arena) must count 0.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc_count.h"
#include "codec_util.h"

#define LEN(s) (sizeof(s) - 1)

static const char order_doc[] =
    "{\"order_id\":\"ord-1\",\"created_at\":\"2024-03-15T10:30:00.250Z\","
    "\"customer_name\":\"Zo\\u00eb \\\"Z\\\" M\\u00fcller \\ud83d\\ude00\","
    "\"line_items\":[{\"line_item_id\":\"li-1\",\"product_id\":\"sku\",\"product_title\":\"Mug\\t1\","
    "\"quantity\":2,\"price\":\"12.50\"},{\"line_item_id\":\"li-2\",\"product_id\":\"sku2\","
    "\"product_title\":\"Tee\",\"quantity\":1,\"price\":19.99}],\"total_price\":\"44.99\","
    "\"currency\":\"USD\",\"status\":\"shipped\",\"note\":\"door \\u2014 thanks\",\"x\":[1,{\"y\":2}]}";
static const char order_bad[] =
    "{\"order_id\":\"\",\"created_at\":\"2023-02-29T00:00:00Z\",\"customer_name\":\"A\","
    "\"line_items\":[{\"line_item_id\":\"a\",\"product_id\":\"b\",\"product_title\":\"\","
    "\"quantity\":-3,\"price\":\"x\"}],\"total_price\":\"1\",\"status\":\"lost\"}";
static const char workflow_doc[] =
    "{\"event_id\":\"3F2504E0-4F89-11D3-9A0C-0305E82C3301\",\"event_type\":\"step.completed\","
    "\"source\":\"worker\",\"workflow_id\":\"wf\",\"workflow_run_id\":\"run\",\"step_name\":null,"
    "\"timestamp\":\"2024-02-29T23:59:59.123+01:00\",\"duration_ms\":1500,"
    "\"payload\":{\"data\":{\"items\":[1,2.5,{\"deep\":[true,null]}],\"s\":\"x\\\"y\"},"
    "\"metadata\":{\"correlation_id\":\"c\\u0041\",\"attempt\":3,"
    "\"tags\":{\"env\":\"prod\",\"k\\u00e9y\":\"v\\n\"}}}}";
static const char workflow_bad[] =
    "{\"event_id\":\"nope\",\"event_type\":\"x\",\"source\":\"api\",\"workflow_id\":\"w\","
    "\"workflow_run_id\":\"r\",\"timestamp\":\"2024-01-01T00:00:00Z\","
    "\"payload\":{\"data\":{\"a\":1,\"a\":2}}}";
static const char crm_docs[][600] = {
    "{\"message_type\":\"email_received\",\"message_id\":\"m\",\"customer_id\":\"c\","
    "\"received_at\":\"2024-05-01T12:00:00Z\",\"customer\":{\"email\":\"a@b.c\",\"name\":null},"
    "\"subject\":\"R\\u00e9sum\\u00e9\",\"body_text\":\"Hi\\r\\n\",\"attachments\":[{\"file_name\":\"cv.pdf\","
    "\"content_type\":\"application/pdf\",\"size_bytes\":13,\"content\":\"SGVsbG8sIHdvcmxkIQ==\"}]}",
    "{\"message_id\":\"w\",\"customer_id\":\"c\",\"received_at\":\"2024-05-01T12:00:00Z\","
    "\"customer\":{\"phone\":\"+49\"},\"waId\":\"49\",\"text\":\"\\ud83d\\udc4d\","
    "\"message_type\":\"whatsapp_received\"}",
    "{\"message_id\":\"f\",\"customer_id\":\"c\",\"message_type\":\"form_submitted\","
    "\"received_at\":\"2024-05-01T12:00:00Z\",\"customer\":{},\"form_id\":\"x\","
    "\"fields\":{\"n\\u00e4me\":\"Bob\",\"msg\":\"hi\"},\"score\":0.75}",
    "{\"message_type\":\"sms\",\"customer\":{}}",
    "{\"message_type\":\"email_received\",\"message_id\":\"m\",\"cc\":1}",
};

static unsigned char arena_buf[1 << 14];
static char out_buf[1 << 14];
static tg_json_error err_items[16];

/* A form whose `fields` map has 150 non-ASCII keys (about 4 kB of them,
 * decoded), written the way Python's json.dumps writes them by default
 * (ensure_ascii: every non-ASCII character as \uXXXX, the emoji as a
 * surrogate pair) or as raw UTF-8.  Keys as Python writes them must be
 * accepted whenever the raw spelling is (issue 17): no scratch limit that
 * depends on the producer's escaping.  One known member ("form_id") is
 * spelled with an escape too. */
enum { FORM_KEYS = 150 };
static char form_raw[16384], form_esc[16384];

static size_t form_doc(char *buf, bool escaped)
{
    size_t n = (size_t)sprintf(buf, "{\"message_type\":\"form_submitted\",\"message_id\":\"f\","
                                    "\"customer_id\":\"c\",\"received_at\":\"2024-05-01T12:00:00Z\","
                                    "\"customer\":{},\"%s\":\"x\",\"fields\":{",
                               escaped ? "form_\\u0069d" : "form_id");
    for (int i = 0; i < FORM_KEYS; i++)
        n += (size_t)sprintf(buf + n,
                             escaped ? "%s\"Gr\\u00f6\\u00dfe-%03d-\\u65e5\\ud83d\\ude00\":\"v%d\""
                                     : "%s\"Gr\xC3\xB6\xC3\x9F" "e-%03d-\xE6\x97\xA5\xF0\x9F\x98\x80\":\"v%d\"",
                             i ? "," : "", i, i);
    n += (size_t)sprintf(buf + n, "}}");
    return n;
}

/* Both spellings decode, to the same message. */
static bool form_same(size_t raw_len, size_t esc_len)
{
    static unsigned char arena1[1 << 16], arena2[1 << 16];
    crm_InboundMessage a, b;
    tg_arena aa, ab;
    tg_json_errors ea = {err_items, 8, 0, 0}, eb = {err_items + 8, 8, 0, 0};
    tg_arena_init(&aa, arena1, sizeof arena1);
    tg_arena_init(&ab, arena2, sizeof arena2);
    if (crm_InboundMessage_decode(&a, form_raw, raw_len, &aa, &ea) != TG_JSON_OK ||
        crm_InboundMessage_decode(&b, form_esc, esc_len, &ab, &eb) != TG_JSON_OK) {
        util_print_errors(&ea);
        util_print_errors(&eb);
        return false;
    }
    const crm_FormSubmitted *fa = &a.as.form_submitted, *fb = &b.as.form_submitted;
    if (a.kind != crm_InboundMessage_FORM_SUBMITTED || b.kind != a.kind ||
        fa->fields.count != FORM_KEYS || fb->fields.count != FORM_KEYS ||
        !tg_str_eq(fa->form_id, fb->form_id))
        return false;
    for (size_t i = 0; i < FORM_KEYS; i++)
        if (!tg_str_eq(fa->fields.items[i].key, fb->fields.items[i].key) ||
            !tg_str_eq(fa->fields.items[i].value, fb->fields.items[i].value))
            return false;
    return true;
}

#define CYCLE(T, json, len, arena_cap)                                        \
    do {                                                                      \
        T m_;                                                                 \
        tg_arena a_;                                                          \
        tg_json_errors e_ = {err_items, 16, 0, 0};                            \
        size_t n_ = 0;                                                        \
        tg_arena_init(&a_, arena_buf, (arena_cap));                           \
        if (T##_decode(&m_, (json), (len), &a_, &e_) == TG_JSON_OK) {         \
            oks++;                                                            \
            (void)T##_encode(&m_, out_buf, sizeof out_buf, &n_);              \
            (void)T##_encode(&m_, out_buf, n_ / 2, &n_);                      \
        }                                                                     \
    } while (0)

int main(void)
{
    enum { N = 10000 };
    size_t oks = 0;
    unsigned long before;

    /* Self-check: the counter is in effect. */
    alloc_count_start();
    before = alloc_count();
    {
        void *volatile p = malloc(16);
        free(p);
    }
    CHECKF(alloc_count() == before + 2, "a deliberate malloc/free is counted (%lu)",
           alloc_count() - before);

    before = alloc_count();
    for (int i = 0; i < N; i++) {
        CYCLE(orders_OrderEvent, order_doc, LEN(order_doc), sizeof arena_buf);
        CYCLE(orders_OrderEvent, order_bad, LEN(order_bad), sizeof arena_buf);
        CYCLE(orders_OrderEvent, order_doc, LEN(order_doc), 32); /* arena too small */
    }
    CHECKF(alloc_count() == before, "orders: %lu heap calls", alloc_count() - before);
    CHECKF(oks == N, "orders: %zu of %d valid decodes ok", oks, N);

    before = alloc_count();
    oks = 0;
    for (int i = 0; i < N; i++) {
        CYCLE(workflow_WorkflowEvent, workflow_doc, LEN(workflow_doc), sizeof arena_buf);
        CYCLE(workflow_WorkflowEvent, workflow_bad, LEN(workflow_bad), sizeof arena_buf);
        CYCLE(workflow_WorkflowEvent, workflow_doc, LEN(workflow_doc), 0);
    }
    CHECKF(alloc_count() == before, "workflow: %lu heap calls", alloc_count() - before);
    CHECKF(oks == N, "workflow: %zu of %d valid decodes ok", oks, N);

    before = alloc_count();
    oks = 0;
    for (int i = 0; i < N; i++) {
        for (size_t d = 0; d < sizeof crm_docs / sizeof crm_docs[0]; d++)
            CYCLE(crm_InboundMessage, crm_docs[d], strlen(crm_docs[d]), sizeof arena_buf);
        CYCLE(crm_InboundMessage, crm_docs[0], strlen(crm_docs[0]), 8);
    }
    CHECKF(alloc_count() == before, "crm: %lu heap calls", alloc_count() - before);
    CHECKF(oks == 3 * (size_t)N, "crm: %zu of %d valid decodes ok", oks, 3 * N);

    /* Escaped map keys past 2 kB: accepted like raw UTF-8, same value. */
    {
        size_t raw_len = form_doc(form_raw, false), esc_len = form_doc(form_esc, true);
        CHECKF(esc_len > raw_len + 2048, "the escaped form is longer (%zu, %zu)", esc_len, raw_len);
        before = alloc_count();
        oks = 0;
        for (int i = 0; i < N / 10; i++)
            oks += form_same(raw_len, esc_len);
        CHECKF(alloc_count() == before, "escaped keys: %lu heap calls", alloc_count() - before);
        CHECKF(oks == N / 10, "escaped keys: %zu of %d decodes the same as raw UTF-8", oks, N / 10);
    }

    /* Error formatting is part of the error path users take. */
    before = alloc_count();
    {
        char line[256];
        tg_arena a;
        tg_json_errors e = {err_items, 16, 0, 0};
        orders_OrderEvent m;
        tg_arena_init(&a, arena_buf, sizeof arena_buf);
        (void)orders_OrderEvent_decode(&m, order_bad, LEN(order_bad), &a, &e);
        for (int i = 0; i < N; i++)
            for (size_t k = 0; k < e.count; k++)
                tg_json_error_format(&e.items[k], line, sizeof line);
        CHECKF(e.count >= 4, "bad order has errors (%zu)", e.count);
    }
    CHECKF(alloc_count() == before, "error formatting: %lu heap calls", alloc_count() - before);
    return check_done();
}
