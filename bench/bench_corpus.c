/*
 * bench_corpus.c: deterministic corpora for the codec and pipeline
 * benchmarks (see bench_corpus.h).  Content is made by filling the generated
 * structs and encoding them with the generated encoders.
 */
#include "bench_corpus.h"

#include "tg_codec.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"
#include "orders.h"
#include "workflow.h"

const char *const bench_corpus_names[] = {
    "orders1",        "orders5",        "orders50",       "orders_escape", "orders_unicode",
    "workflow_small", "workflow_large", "crm_mix",        "orders_spaced", "orders_unknown",
    NULL,
};

/* ---- randomness and string pool ----------------------------------------- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t next(rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static unsigned range(rng *r, unsigned lo, unsigned hi) /* [lo, hi] */
{
    return lo + (unsigned)(next(r) % (uint64_t)(hi - lo + 1));
}

static char g_pool[1 << 20];
static size_t g_pool_used;

static char *pool(size_t n)
{
    char *p;
    if (g_pool_used + n > sizeof g_pool) {
        fprintf(stderr, "bench_corpus: string pool exhausted\n");
        exit(2);
    }
    p = g_pool + g_pool_used;
    g_pool_used += n;
    return p;
}

static tg_str fmt_str(const char *fmt, unsigned long long a, unsigned long long b)
{
    char tmp[128];
    int n = snprintf(tmp, sizeof tmp, fmt, a, b);
    char *p = pool((size_t)n);
    memcpy(p, tmp, (size_t)n);
    return (tg_str){p, (size_t)n};
}

enum text_mode { PLAIN, ESCAPE, UNICODE };

static const char *const k_words[] = {"alpha", "bravo", "charlie", "delta", "echo", "fox",
                                      "golf",  "hotel", "india",   "juliet", "kilo", "lima",
                                      "mike",  "nova",  "oscar",   "papa",  "quartz", "river"};
static const char *const k_unicode[] = {"é", "ü", "ß", "ñ", "Ω", "中", "文", "日本", "кот",
                                        "😀", "🚀", "€", "ø", "ç", "한국", "ä"};
static const char *const k_escapes[] = {"\"", "\\", "\n", "\t", "/", "\r", "\x01", "\b"};

/* A text of about [lo, hi] code points (never more than hi). */
static tg_str text(rng *r, enum text_mode mode, unsigned lo, unsigned hi)
{
    unsigned want = range(r, lo, hi), cps = 0;
    char *p = pool(hi * 4 + 8);
    size_t n = 0;
    while (cps < want) {
        unsigned kind = range(r, 0, 9);
        if (mode == ESCAPE && kind < 3) {
            const char *e = k_escapes[range(r, 0, 7)];
            p[n++] = e[0];
            cps++;
        } else if (mode == UNICODE && kind < 6) {
            const char *u = k_unicode[range(r, 0, 15)];
            size_t k = strlen(u), c = 0, i;
            for (i = 0; i < k; i++)
                c += ((unsigned char)u[i] & 0xC0) != 0x80;
            if (cps + c > want)
                break;
            memcpy(p + n, u, k);
            n += k;
            cps += (unsigned)c;
        } else {
            const char *w = k_words[range(r, 0, 17)];
            size_t k = strlen(w);
            if (cps + k + 1 > want) {
                p[n++] = (char)('a' + range(r, 0, 25));
                cps++;
                continue;
            }
            if (n)
                p[n++] = ' ', cps++;
            memcpy(p + n, w, k);
            n += k;
            cps += (unsigned)k;
        }
    }
    if (n == 0)
        p[n++] = 'x';
    g_pool_used -= hi * 4 + 8 - n;
    return (tg_str){p, n};
}

static tg_str timestamp(rng *r)
{
    char tmp[64];
    int n;
    if (range(r, 0, 3) == 0)
        n = snprintf(tmp, sizeof tmp, "2026-%02u-%02uT%02u:%02u:%02u+02:00", range(r, 1, 12),
                     range(r, 1, 28), range(r, 0, 23), range(r, 0, 59), range(r, 0, 59));
    else
        n = snprintf(tmp, sizeof tmp, "2026-%02u-%02uT%02u:%02u:%02u.%03uZ", range(r, 1, 12),
                     range(r, 1, 28), range(r, 0, 23), range(r, 0, 59), range(r, 0, 59),
                     range(r, 0, 999));
    char *p = pool((size_t)n);
    memcpy(p, tmp, (size_t)n);
    return (tg_str){p, (size_t)n};
}

static tg_str price(rng *r, unsigned max_units)
{
    return fmt_str("%llu.%02llu", range(r, 0, max_units), range(r, 0, 99));
}

/* ---- per-schema message builders ---------------------------------------- */

static orders_LineItem g_items[64];

static size_t make_order(rng *r, unsigned nitems, enum text_mode mode, char *buf, size_t cap)
{
    static const char *const cur[] = {"EUR", "USD", "GBP", "CHF"};
    orders_OrderEvent m;
    size_t len = 0;
    unsigned i;

    orders_OrderEvent_init(&m);
    m.order_id = fmt_str("ord-%010llu-%06llx", next(r) % 10000000000u, next(r) & 0xFFFFFF);
    m.created_at = timestamp(r);
    m.customer_name = text(r, mode, 5, 40);
    for (i = 0; i < nitems; i++) {
        orders_LineItem *li = &g_items[i];
        orders_LineItem_init(li);
        li->line_item_id = fmt_str("li-%llu-%08llx", i, next(r) & 0xFFFFFFFF);
        li->product_id = fmt_str("sku-%06llu%.0llu", range(r, 0, 999999), 0);
        li->product_title = text(r, mode, 10, 60);
        li->quantity = (int32_t)range(r, 1, 20);
        li->price = price(r, 500);
    }
    m.line_items.items = g_items;
    m.line_items.count = nitems;
    m.total_price = price(r, 20000);
    m.currency = (tg_str){cur[range(r, 0, 3)], 3};
    m.status = (orders_OrderStatus)range(r, 0, 4);
    if (range(r, 0, 1)) {
        m.has_note = true;
        m.note = text(r, mode, 10, 120);
    }
    if (orders_OrderEvent_encode(&m, buf, cap, &len) != TG_JSON_OK) {
        fprintf(stderr, "bench_corpus: order encode failed\n");
        exit(2);
    }
    return len;
}

/* Free-form JSON for workflow payload.data: about `target` bytes. */
static tg_str free_json(rng *r, size_t target)
{
    char *p = pool(target + 512);
    size_t n = 0;
    unsigned i = 0;
    n += (size_t)sprintf(p + n, "{\"kind\":\"%s\",\"amount\":%u.%02u,\"ok\":%s,\"items\":[",
                         k_words[range(r, 0, 17)], range(r, 0, 9999), range(r, 0, 99),
                         range(r, 0, 1) ? "true" : "false");
    while (n < target) {
        n += (size_t)sprintf(p + n,
                             "%s{\"id\":%u,\"name\":\"%s %s\",\"score\":%u.%u,\"tags\":[\"%s\",\"%s\"],"
                             "\"nested\":{\"a\":null,\"b\":[1,2,3],\"c\":\"x\\ny\"}}",
                             i ? "," : "", range(r, 0, 1u << 30), k_words[range(r, 0, 17)],
                             k_words[range(r, 0, 17)], range(r, 0, 999), range(r, 0, 9),
                             k_words[range(r, 0, 17)], k_words[range(r, 0, 17)]);
        i++;
    }
    n += (size_t)sprintf(p + n, "]}");
    g_pool_used -= target + 512 - n;
    return (tg_str){p, n};
}

static workflow_EventMetadata_tags_entry g_tags[8];

static size_t make_workflow(rng *r, size_t payload, char *buf, size_t cap)
{
    workflow_WorkflowEvent m;
    size_t len = 0;
    unsigned i;

    workflow_WorkflowEvent_init(&m);
    for (i = 0; i < 16; i++)
        m.event_id.bytes[i] = (unsigned char)next(r);
    m.event_type = (workflow_EventType)range(r, 0, 5);
    m.source = (workflow_EventSource)range(r, 0, 3);
    m.workflow_id = fmt_str("wf-%08llx-%llu", next(r) & 0xFFFFFFFF, range(r, 0, 99));
    m.workflow_run_id = fmt_str("run-%016llx%.0llu", next(r), 0);
    switch (range(r, 0, 2)) {
    case 0: break;
    case 1: m.has_step_name = true; m.step_name_is_null = true; break;
    default: m.has_step_name = true; m.step_name = text(r, PLAIN, 4, 30); break;
    }
    m.timestamp = timestamp(r);
    if (range(r, 0, 1)) {
        m.has_duration_ms = true;
        m.duration_ms = (int64_t)range(r, 0, 3600000);
    }
    m.payload.data = free_json(r, payload);
    if (range(r, 0, 2)) {
        unsigned nt = range(r, 0, 5);
        m.payload.has_metadata = true;
        m.payload.metadata.has_correlation_id = true;
        m.payload.metadata.correlation_id = fmt_str("corr-%016llx%.0llu", next(r), 0);
        m.payload.metadata.attempt = range(r, 1, 5);
        if (nt) {
            m.payload.metadata.has_tags = true;
            for (i = 0; i < nt; i++) {
                g_tags[i].key = fmt_str("tag%llu%.0llu", i, 0);
                g_tags[i].value = text(r, PLAIN, 3, 20);
            }
            m.payload.metadata.tags.items = g_tags;
            m.payload.metadata.tags.count = nt;
        }
    }
    if (workflow_WorkflowEvent_encode(&m, buf, cap, &len) != TG_JSON_OK) {
        fprintf(stderr, "bench_corpus: workflow encode failed\n");
        exit(2);
    }
    return len;
}

static crm_Attachment g_att[4];
static crm_FormSubmitted_fields_entry g_fields[16];
static unsigned char g_bytes[4096];

static void customer(rng *r, common_CustomerIdentity *c)
{
    common_CustomerIdentity_init(c);
    if (range(r, 0, 1)) {
        c->has_email = true;
        c->email = fmt_str("user%llu@example%llu.com", range(r, 0, 99999), range(r, 0, 9));
    }
    if (range(r, 0, 1)) {
        c->has_phone = true;
        c->phone = fmt_str("+49%010llu%.0llu", next(r) % 10000000000u, 0);
    }
    switch (range(r, 0, 2)) {
    case 0: break;
    case 1: c->has_name = true; c->name_is_null = true; break;
    default: c->has_name = true; c->name = text(r, UNICODE, 3, 30); break;
    }
}

static size_t make_crm(rng *r, char *buf, size_t cap)
{
    crm_InboundMessage m;
    size_t len = 0;
    unsigned i, n, kind = range(r, 0, 2);
    tg_str mid = fmt_str("msg-%016llx%.0llu", next(r), 0);
    tg_str cid = fmt_str("cust-%llu%.0llu", range(r, 0, 999999), 0);
    tg_str at = timestamp(r);

    crm_InboundMessage_init(&m);
    if (kind == 0) {
        crm_EmailReceived *e = &m.as.email_received;
        m.kind = crm_InboundMessage_EMAIL_RECEIVED;
        crm_EmailReceived_init(e);
        e->message_id = mid, e->customer_id = cid, e->received_at = at;
        customer(r, &e->customer);
        e->subject = text(r, PLAIN, 5, 60);
        e->body_text = text(r, range(r, 0, 1) ? UNICODE : ESCAPE, 50, 600);
        n = range(r, 0, 2);
        if (n) {
            e->has_attachments = true;
            for (i = 0; i < n; i++) {
                crm_Attachment_init(&g_att[i]);
                g_att[i].file_name = fmt_str("file%llu.pdf%.0llu", i, 0);
                g_att[i].content_type = TG_STR_LIT("application/pdf");
                g_att[i].size_bytes = range(r, 100, 100000);
                if (range(r, 0, 1)) {
                    size_t k, nb = range(r, 16, 600);
                    for (k = 0; k < nb; k++)
                        g_bytes[k] = (unsigned char)next(r);
                    g_att[i].has_content = true;
                    g_att[i].content = (tg_bytes){g_bytes, nb};
                }
            }
            e->attachments.items = g_att;
            e->attachments.count = n;
        }
    } else if (kind == 1) {
        crm_WhatsappReceived *w = &m.as.whatsapp_received;
        m.kind = crm_InboundMessage_WHATSAPP_RECEIVED;
        crm_WhatsappReceived_init(w);
        w->message_id = mid, w->customer_id = cid, w->received_at = at;
        customer(r, &w->customer);
        w->wa_id = fmt_str("%012llu%.0llu", next(r) % 1000000000000u, 0);
        w->text = text(r, UNICODE, 5, 200);
        w->is_reply = range(r, 0, 1);
    } else {
        crm_FormSubmitted *f = &m.as.form_submitted;
        m.kind = crm_InboundMessage_FORM_SUBMITTED;
        crm_FormSubmitted_init(f);
        f->message_id = mid, f->customer_id = cid, f->received_at = at;
        customer(r, &f->customer);
        f->form_id = fmt_str("form-%llu%.0llu", range(r, 0, 999), 0);
        n = range(r, 1, 12);
        for (i = 0; i < n; i++) {
            g_fields[i].key = fmt_str("field_%llu%.0llu", i, 0);
            g_fields[i].value = text(r, PLAIN, 1, 40);
        }
        f->fields.items = g_fields;
        f->fields.count = n;
        if (range(r, 0, 1)) {
            f->has_score = true;
            f->score = (double)range(r, 0, 1000) / 1000.0;
        }
    }
    if (crm_InboundMessage_encode(&m, buf, cap, &len) != TG_JSON_OK) {
        fprintf(stderr, "bench_corpus: crm encode failed\n");
        exit(2);
    }
    return len;
}

/* Re-space compact JSON in buf[0..len) the way Python's json.dumps does by
 * default (", " and ": " between tokens), as messages from Python
 * producers look.  Returns the new length. */
static size_t python_spacing(char *buf, size_t len, size_t cap)
{
    static char tmp[1 << 20];
    size_t i, n = 0;
    bool in_string = false;
    for (i = 0; i < len && n + 2 < sizeof tmp; i++) {
        char c = buf[i];
        tmp[n++] = c;
        if (in_string) {
            if (c == '\\')
                tmp[n++] = buf[++i];
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == ',' || c == ':') {
            tmp[n++] = ' ';
        }
    }
    if (n > cap) {
        fprintf(stderr, "bench_corpus: spaced message too long\n");
        exit(2);
    }
    memcpy(buf, tmp, n);
    return n;
}

/* The order in buf[0..len) with a member no schema names, "x_debug", of
 * about 16 kB of free-form JSON (the kind of payload a producer adds and
 * this consumer skips): the skip path's throughput.  Returns the length. */
static size_t with_unknown(rng *r, char *buf, size_t len, size_t cap)
{
    tg_str extra = free_json(r, 16000);
    static const char key[] = ",\"x_debug\":";
    if (len + sizeof key + extra.len + 1 > cap) {
        fprintf(stderr, "bench_corpus: order with unknown member too large\n");
        exit(2);
    }
    len--; /* before the final '}' */
    memcpy(buf + len, key, sizeof key - 1);
    len += sizeof key - 1;
    memcpy(buf + len, extra.ptr, extra.len);
    len += extra.len;
    buf[len++] = '}';
    return len;
}

/* ---- public ------------------------------------------------------------- */

int bench_corpus_make(const char *name, uint64_t seed, size_t count, bench_corpus *out)
{
    static char buf[1 << 20];
    rng r;
    size_t i;
    int which = -1;

    for (i = 0; bench_corpus_names[i]; i++)
        if (strcmp(name, bench_corpus_names[i]) == 0)
            which = (int)i;
    if (which < 0)
        return -1;
    /* Each corpus has its own stream: mixing the name into the seed. */
    r.s = seed * 0x100000001B3u + (uint64_t)which;
    memset(out, 0, sizeof *out);
    out->name = bench_corpus_names[which];
    out->count = count;
    out->msgs = calloc(count, sizeof *out->msgs);
    out->lens = calloc(count, sizeof *out->lens);
    if (!out->msgs || !out->lens)
        return -1;
    for (i = 0; i < count; i++) {
        size_t len = 0;
        g_pool_used = 0;
        switch (which) {
        case 0: len = make_order(&r, 1, PLAIN, buf, sizeof buf); break;
        case 1: len = make_order(&r, 5, PLAIN, buf, sizeof buf); break;
        case 2: len = make_order(&r, 50, PLAIN, buf, sizeof buf); break;
        case 3: len = make_order(&r, 5, ESCAPE, buf, sizeof buf); break;
        case 4: len = make_order(&r, 5, UNICODE, buf, sizeof buf); break;
        case 5: len = make_workflow(&r, 100, buf, sizeof buf); break;
        case 6: len = make_workflow(&r, 4000, buf, sizeof buf); break;
        case 7: len = make_crm(&r, buf, sizeof buf); break;
        case 8:
            len = make_order(&r, 5, PLAIN, buf, sizeof buf);
            len = python_spacing(buf, len, sizeof buf);
            break;
        default:
            len = make_order(&r, 1, PLAIN, buf, sizeof buf);
            len = with_unknown(&r, buf, len, sizeof buf);
            break;
        }
        out->msgs[i] = calloc(1, len + BENCH_PADDING);
        if (!out->msgs[i])
            return -1;
        memcpy(out->msgs[i], buf, len);
        out->lens[i] = len;
        out->total_bytes += len;
        if (len > out->max_len)
            out->max_len = len;
    }
    switch (which) {
    case 0: out->schema = "orders"; out->what = "OrderEvent, 1 line item"; break;
    case 1: out->schema = "orders"; out->what = "OrderEvent, 5 line items"; break;
    case 2: out->schema = "orders"; out->what = "OrderEvent, 50 line items"; break;
    case 3: out->schema = "orders"; out->what = "OrderEvent, 5 items, escape-heavy text"; break;
    case 4: out->schema = "orders"; out->what = "OrderEvent, 5 items, unicode-heavy text"; break;
    case 5: out->schema = "workflow"; out->what = "WorkflowEvent, ~100 B json payload"; break;
    case 6: out->schema = "workflow"; out->what = "WorkflowEvent, ~4 kB json payload"; break;
    case 7: out->schema = "crm"; out->what = "InboundMessage union, 3 variants mixed"; break;
    case 8:
        out->schema = "orders";
        out->what = "OrderEvent, 5 items, spaced like Python's json.dumps";
        break;
    default:
        out->schema = "orders";
        out->what = "OrderEvent, 1 item, and a ~16 kB unknown member (skipped, validated)";
        break;
    }
    out->canonical = which < 8;
    return 0;
}

void bench_corpus_free(bench_corpus *c)
{
    size_t i;
    for (i = 0; i < c->count; i++)
        free(c->msgs[i]);
    free(c->msgs);
    free(c->lens);
    memset(c, 0, sizeof *c);
}
