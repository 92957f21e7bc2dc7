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
