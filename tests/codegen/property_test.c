/*
 * codegen_property: seeded random valid messages of every generated type.
 * For each case: encode must succeed; an encode into a too-small buffer
 * must report exactly the real size (and store a prefix of the real text);
 * decode(encode(x)) must succeed and equal x.  The generator respects every
 * constraint of the schemas: lengths in code points (random UTF-8 with
 * controls, quotes, backslashes, NUL and 4-byte characters), numeric ranges
 * with their edges, item counts, enums, optional/nullable flags, union
 * variants, valid timestamps/uuids/decimals/bytes, random JSON values for
 * `json` fields, and doubles down to subnormals.  Doubles of every exponent
 * also go through the runtime's writer/reader directly (score is [0, 1]).
 * Each encoded text is also re-spelled (random whitespace between tokens,
 * random characters of every string and key as \u00XX escapes) and must
 * decode to the same message; union texts also with the tag moved last.
 *
 *   codegen_property_test [SEED [CASES]]    (default seed below, 2000 cases)
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codec_util.h"

/* ---- random numbers: xorshift64* ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * UINT64_C(2685821657736338717);
}

/* Uniform in [0, n) (n > 0; the modulo bias does not matter here). */
static uint64_t below(uint64_t n) { return n ? rnd() % n : 0; }
static bool pct(unsigned p) { return below(100) < p; }

/* In [lo, hi], with the edges and small magnitudes favoured. */
static uint64_t pick_u64(uint64_t lo, uint64_t hi)
{
    uint64_t span = hi - lo, r;
    switch (below(6)) {
    case 0:
        return lo;
    case 1:
        return hi;
    case 2:
        r = rnd() >> below(64);
        break;
    case 3:
        r = below(100);
        break;
    default:
        r = rnd();
        break;
    }
    return span == UINT64_MAX ? r : lo + r % (span + 1);
}

static int64_t pick_i64(int64_t lo, int64_t hi)
{
    uint64_t v = pick_u64(0, (uint64_t)hi - (uint64_t)lo);
    return (int64_t)((uint64_t)lo + v);
}

/* ---- storage for generated strings: reset per case ---- */

enum { POOL = 1 << 22 };
static _Alignas(16) char pool[POOL];
static size_t pool_used;

/* n bytes, 16-aligned (generated structs are placed here too). */
static char *pool_alloc(size_t n)
{
    pool_used = (pool_used + 15) & ~(size_t)15;
    if (pool_used + n > POOL) {
        fprintf(stderr, "generator pool exhausted\n");
        exit(2);
    }
    char *p = pool + pool_used;
    pool_used += n;
    return p;
}

/* ---- text ---- */

static size_t put_utf8(char *b, uint32_t cp)
{
    if (cp < 0x80) {
        b[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    b[0] = (char)(0xF0 | (cp >> 18));
    b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A random Unicode scalar value ('#' never: json keys use it, see below). */
static uint32_t random_cp(void)
{
    static const uint32_t specials[] = {'"', '\\', '/', 0, '\b', '\f', '\n', '\r', '\t', 0x1F, 0x7F};
    uint32_t cp;
    switch (below(12)) {
    case 0:
        return specials[below(sizeof specials / sizeof specials[0])];
    case 1:
        return (uint32_t)below(0x20);
    case 2:
        return (uint32_t)(0x80 + below(0x800 - 0x80));
    case 3:
        cp = (uint32_t)(0x800 + below(0x10000 - 0x800));
        return cp >= 0xD800 && cp <= 0xDFFF ? 0xFFFD : cp;
    case 4:
        return (uint32_t)(0x10000 + below(0x110000 - 0x10000));
    case 5:
        return below(2) ? 0xFFFF : 0x10FFFF;
    default:
        cp = (uint32_t)(0x20 + below(0x7F - 0x20));
        return cp == '#' ? 'x' : cp;
    }
}

/* A string of min..max code points (max UINT64_MAX: unbounded). */
static tg_str random_string(uint64_t min, uint64_t max)
{
    uint64_t hi = max > min + 40 ? min + 40 : max, n;
    if (pct(10) && max <= 1000)
        n = max;
    else if (pct(15))
        n = min;
    else
        n = min + below(hi - min + 1);
    char *b = pool_alloc(n * 4 + 1);
    size_t len = 0;
    for (uint64_t i = 0; i < n; i++)
        len += put_utf8(b + len, random_cp());
    return (tg_str){b, len};
}

static tg_str random_timestamp(void)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    char *b = pool_alloc(40);
    int year = (int)pick_u64(0, 9999), month = (int)(1 + below(12));
    bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    int days = mdays[month - 1] + (month == 2 && leap);
    int day = pct(20) ? days : (int)(1 + below((uint64_t)days));
    int n = snprintf(b, 40, "%04d-%02d-%02d%c%02d:%02d:%02d", year, month, day, pct(10) ? 't' : 'T',
                     (int)pick_u64(0, 23), (int)pick_u64(0, 59), (int)pick_u64(0, 60));
    if (pct(40)) {
        int digits = (int)(1 + below(9));
        b[n++] = '.';
        for (int i = 0; i < digits; i++)
            b[n++] = (char)('0' + below(10));
    }
    if (pct(50)) {
        b[n++] = pct(10) ? 'z' : 'Z';
    } else {
        n += snprintf(b + n, 8, "%c%02d:%02d", pct(50) ? '+' : '-', (int)pick_u64(0, 23),
                      (int)pick_u64(0, 59));
    }
    return (tg_str){b, (size_t)n};
}

static size_t put_digits(char *b, size_t n, bool lead_nonzero)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (char)('0' + (i == 0 && lead_nonzero ? 1 + below(9) : below(10)));
    return n;
}

/* JSON number text: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static size_t put_number(char *b, bool big_exponents)
{
    size_t n = 0;
    if (pct(30))
        b[n++] = '-';
    if (pct(20))
        b[n++] = '0';
    else
        n += put_digits(b + n, 1 + below(pct(10) ? 30 : 6), true);
    if (pct(40)) {
        b[n++] = '.';
        n += put_digits(b + n, 1 + below(12), false);
    }
    if (pct(30)) {
        b[n++] = pct(50) ? 'e' : 'E';
        if (pct(60))
            b[n++] = pct(50) ? '+' : '-';
        n += put_digits(b + n, 1 + below(big_exponents ? 4 : 2), false);
    }
    return n;
}

/* A decimal of at most max characters (schema max_length). */
static tg_str random_decimal(size_t max)
{
    char *b = pool_alloc(80);
    size_t n;
    while ((n = put_number(b, true)) > max)
        ;
    return (tg_str){b, n};
}

static tg_uuid random_uuid(void)
{
    tg_uuid u;
    for (int i = 0; i < 16; i++)
        u.bytes[i] = (unsigned char)rnd();
    return u;
}

static tg_bytes random_bytes(void)
{
    size_t n = pct(10) ? 0 : (size_t)below(pct(5) ? 3000 : 40);
    unsigned char *b = (unsigned char *)pool_alloc(n + 1);
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)rnd();
    return (tg_bytes){b, n};
}

/* ---- random JSON text for `json` fields ---- */

typedef struct jbuf {
    char *b;
    size_t len, cap;
} jbuf;

static void jput(jbuf *j, const char *s, size_t n)
{
    if (j->len + n > j->cap) {
        fprintf(stderr, "json buffer exhausted\n");
        exit(2);
    }
    memcpy(j->b + j->len, s, n);
    j->len += n;
}

static void jws(jbuf *j)
{
    static const char ws[] = " \n\t\r";
    if (pct(15))
        jput(j, &ws[below(4)], 1);
}

/* A JSON string literal of random content in random (valid) spellings. */
static void json_string(jbuf *j, const char *prefix)
{
    jput(j, "\"", 1);
    if (prefix)
        jput(j, prefix, strlen(prefix));
    uint64_t n = below(10);
    for (uint64_t i = 0; i < n; i++) {
        uint32_t cp = random_cp();
        char tmp[16];
        int k;
        if (cp == '"' || cp == '\\') {
            tmp[0] = '\\';
            tmp[1] = (char)cp;
            k = 2;
        } else if (cp < 0x20 || pct(15)) {
            if (cp >= 0x10000) {
                uint32_t v = cp - 0x10000;
                k = snprintf(tmp, sizeof tmp, "\\u%04X\\u%04x", 0xD800 + (v >> 10),
                             0xDC00 + (v & 0x3FF));
            } else if (cp == '\n' && pct(50)) {
                k = snprintf(tmp, sizeof tmp, "\\n");
            } else {
                k = snprintf(tmp, sizeof tmp, "\\u%04x", cp);
            }
        } else if (cp == '/' && pct(50)) {
            k = snprintf(tmp, sizeof tmp, "\\/");
        } else {
            k = (int)put_utf8(tmp, cp);
        }
        jput(j, tmp, (size_t)k);
    }
    jput(j, "\"", 1);
}

static void json_value(jbuf *j, int depth)
{
    char tmp[128];
    uint64_t kind = depth >= 6 ? below(5) : below(7);
    switch (kind) {
    case 0:
        jput(j, "null", 4);
        break;
    case 1:
        if (pct(50))
            jput(j, "true", 4);
        else
            jput(j, "false", 5);
        break;
    case 2:
    case 3:
        jput(j, tmp, put_number(tmp, true));
        break;
    case 4:
        json_string(j, NULL);
        break;
    case 5: {
        uint64_t n = below(5);
        jput(j, "[", 1);
        for (uint64_t i = 0; i < n; i++) {
            if (i)
                jput(j, ",", 1);
            jws(j);
            json_value(j, depth + 1);
            jws(j);
        }
        jput(j, "]", 1);
        break;
    }
    default: {
        uint64_t n = below(5);
        jput(j, "{", 1);
        for (uint64_t i = 0; i < n; i++) {
            char key[24];
            if (i)
                jput(j, ",", 1);
            jws(j);
            snprintf(key, sizeof key, "#%" PRIu64 "#", i); /* unique keys */
            json_string(j, key);
            jws(j);
            jput(j, ":", 1);
            jws(j);
            json_value(j, depth + 1);
            jws(j);
        }
        jput(j, "}", 1);
        break;
    }
    }
}

static tg_str random_json(void)
{
    jbuf j = {pool_alloc(1 << 16), 0, 1 << 16};
    json_value(&j, 0);
    return (tg_str){j.b, j.len};
}

/* In [0, 1]: the edges, -0.0, subnormals, tiny and ordinary values. */
static double random_unit_double(void)
{
    uint64_t bits;
    double d;
    switch (below(8)) {
    case 0:
        return 0.0;
    case 1:
        return -0.0;
    case 2:
        return 1.0;
    case 3:
        bits = 1 + below((UINT64_C(1) << 52) - 1); /* subnormal */
        break;
    case 4:
        return (double)(rnd() >> 11) * 0x1p-53;
    case 5:
        return (double)below(1001) / 1000.0;
    default:
        bits = (below(1023) << 52) | (rnd() & ((UINT64_C(1) << 52) - 1));
        break;
    }
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* ---- generators, one per type ---- */

static void gen_orders_LineItem(orders_LineItem *m)
{
    orders_LineItem_init(m);
    m->line_item_id = random_string(1, 64);
    m->product_id = random_string(1, 64);
    m->product_title = random_string(0, 256);
    m->quantity = (int32_t)pick_i64(1, 10000);
    m->price = random_decimal(20);
}

static void gen_orders_OrderEvent(orders_OrderEvent *m)
{
    orders_OrderEvent_init(m);
    m->order_id = random_string(1, 64);
    m->created_at = random_timestamp();
    m->customer_name = random_string(1, 200);
    size_t n = pct(1) ? 500 : (size_t)(1 + below(5));
    orders_LineItem *items = (orders_LineItem *)(void *)pool_alloc(n * sizeof *items + 16);
    for (size_t i = 0; i < n; i++)
        gen_orders_LineItem(&items[i]);
    m->line_items.items = items;
    m->line_items.count = n;
    m->total_price = random_decimal(24);
    if (pct(70))
        m->currency = random_string(3, 3);
    m->status = (orders_OrderStatus)below(5);
    m->has_note = pct(50);
    if (m->has_note)
        m->note = random_string(0, 1000);
}

/* Keys needing escapes are kept in the reader's scratch while their object
 * is open (TG_JSON_KEY_SCRATCH bytes, a documented TG_JSON_E_LIMIT): large
 * maps get plain keys so that they stay within it. */
static tg_str plain_key(void)
{
    uint64_t n = below(13);
    char *b = pool_alloc(n + 1);
    for (uint64_t i = 0; i < n; i++)
        b[i] = (char)('a' + below(26));
    return (tg_str){b, (size_t)n};
}

static size_t gen_map_keys(tg_str *keys, size_t want)
{
    size_t n = 0;
    for (size_t tries = 0; n < want && tries < want * 4; tries++) {
        tg_str k = want > 16 ? plain_key() : random_string(0, 12);
        bool dup = false;
        for (size_t i = 0; i < n && !dup; i++)
            dup = eq_str(keys[i], k);
        if (!dup)
            keys[n++] = k;
    }
    return n;
}

static void gen_workflow_EventMetadata(workflow_EventMetadata *m)
{
    workflow_EventMetadata_init(m);
    m->has_correlation_id = pct(50);
    if (m->has_correlation_id)
        m->correlation_id = random_string(0, 128);
    if (pct(70))
        m->attempt = (uint32_t)pick_u64(1, UINT32_MAX);
    m->has_tags = pct(60);
    if (m->has_tags) {
        tg_str keys[64];
        size_t n = gen_map_keys(keys, pct(3) ? 64 : (size_t)below(6));
        workflow_EventMetadata_tags_entry *e =
            (workflow_EventMetadata_tags_entry *)(void *)pool_alloc(n * sizeof *e + 16);
        for (size_t i = 0; i < n; i++) {
            e[i].key = keys[i];
            e[i].value = random_string(0, 30);
        }
        m->tags.items = e;
        m->tags.count = n;
    }
}

static void gen_workflow_EventPayload(workflow_EventPayload *m)
{
    workflow_EventPayload_init(m);
    m->data = random_json();
    m->has_metadata = pct(60);
    if (m->has_metadata)
        gen_workflow_EventMetadata(&m->metadata);
}

static void gen_workflow_WorkflowEvent(workflow_WorkflowEvent *m)
{
    workflow_WorkflowEvent_init(m);
    m->event_id = random_uuid();
    m->event_type = (workflow_EventType)below(6);
    m->source = (workflow_EventSource)below(4);
    m->workflow_id = random_string(1, 128);
    m->workflow_run_id = random_string(1, 128);
    m->has_step_name = pct(60);
    if (m->has_step_name) {
        m->step_name_is_null = pct(30);
        if (!m->step_name_is_null)
            m->step_name = random_string(0, 128);
    }
    m->timestamp = random_timestamp();
    m->has_duration_ms = pct(50);
    if (m->has_duration_ms)
        m->duration_ms = pick_i64(0, INT64_MAX);
    gen_workflow_EventPayload(&m->payload);
}

static void gen_common_CustomerIdentity(common_CustomerIdentity *m)
{
    common_CustomerIdentity_init(m);
    if ((m->has_email = pct(50)))
        m->email = random_string(0, 320);
    if ((m->has_phone = pct(50)))
        m->phone = random_string(0, 32);
    if ((m->has_name = pct(50))) {
        m->name_is_null = pct(30);
        if (!m->name_is_null)
            m->name = random_string(0, 200);
    }
    if ((m->has_external_id = pct(50)))
        m->external_id = random_string(0, 128);
}

static void gen_crm_Attachment(crm_Attachment *m)
{
    crm_Attachment_init(m);
    m->file_name = random_string(0, 255);
    m->content_type = random_string(0, 127);
    m->size_bytes = pick_u64(0, 26214400);
    if ((m->has_content = pct(60)))
        m->content = random_bytes();
}

#define GEN_INBOUND_COMMON(m)                                                  \
    do {                                                                       \
        (m)->message_id = random_string(1, 256);                               \
        (m)->customer_id = random_string(1, 128);                              \
        (m)->received_at = random_timestamp();                                 \
        gen_common_CustomerIdentity(&(m)->customer);                              \
    } while (0)

static void gen_crm_EmailReceived(crm_EmailReceived *m)
{
    crm_EmailReceived_init(m);
    GEN_INBOUND_COMMON(m);
    m->subject = random_string(0, 998);
    m->body_text = random_string(0, UINT64_MAX);
    if ((m->has_attachments = pct(60))) {
        size_t n = pct(5) ? 20 : (size_t)below(4);
        crm_Attachment *a = (crm_Attachment *)(void *)pool_alloc(n * sizeof *a + 16);
        for (size_t i = 0; i < n; i++)
            gen_crm_Attachment(&a[i]);
        m->attachments.items = a;
        m->attachments.count = n;
    }
}

static void gen_crm_WhatsappReceived(crm_WhatsappReceived *m)
{
    crm_WhatsappReceived_init(m);
    GEN_INBOUND_COMMON(m);
    m->wa_id = random_string(0, 32);
    m->text = random_string(0, UINT64_MAX);
    m->is_reply = pct(50);
}

static void gen_crm_FormSubmitted(crm_FormSubmitted *m)
{
    crm_FormSubmitted_init(m);
    GEN_INBOUND_COMMON(m);
    m->form_id = random_string(0, 128);
    tg_str keys[200];
    size_t n = gen_map_keys(keys, pct(3) ? 200 : (size_t)below(6));
    crm_FormSubmitted_fields_entry *e =
        (crm_FormSubmitted_fields_entry *)(void *)pool_alloc(n * sizeof *e + 16);
    for (size_t i = 0; i < n; i++) {
        e[i].key = keys[i];
        e[i].value = random_string(0, 40);
    }
    m->fields.items = e;
    m->fields.count = n;
    if ((m->has_score = pct(70)))
        m->score = random_unit_double();
}

static void gen_crm_InboundMessage(crm_InboundMessage *m)
{
    crm_InboundMessage_init(m);
    m->kind = (crm_InboundMessage_kind)(1 + below(3));
    switch (m->kind) {
    case crm_InboundMessage_EMAIL_RECEIVED:
        gen_crm_EmailReceived(&m->as.email_received);
        break;
    case crm_InboundMessage_WHATSAPP_RECEIVED:
        gen_crm_WhatsappReceived(&m->as.whatsapp_received);
        break;
    case crm_InboundMessage_FORM_SUBMITTED:
        gen_crm_FormSubmitted(&m->as.form_submitted);
        break;
    case crm_InboundMessage_NONE:
        break;
    }
}

/* ---- re-spelling: the same JSON with other whitespace and escapes ---- */

/* Copy text[0..len) to out with random whitespace between tokens and random
 * plain characters of strings (keys, tags, enum, uuid, timestamp, base64 and
 * decimal strings included) written as \u00XX escapes.  The meaning is
 * unchanged, so it must decode to the same message (json fields aside). */
static size_t respell(const char *in, size_t len, char *out, size_t cap)
{
    static const char ws[] = " \n\t\r";
    static const char hex[] = "0123456789abcdef0123456789ABCDEF";
    size_t n = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = in[i];
        if (n + 16 > cap)
            return 0;
        if (in_str) {
            if (c == '\\') {
                size_t k = in[i + 1] == 'u' ? 6 : 2;
                memcpy(out + n, in + i, k);
                n += k;
                i += k - 1;
                continue;
            }
            if (c == '"') {
                in_str = false;
            } else if ((unsigned char)c < 0x80 && pct(10)) {
                const char *h = hex + (pct(50) ? 16 : 0);
                out[n++] = '\\';
                out[n++] = 'u';
                out[n++] = '0';
                out[n++] = '0';
                out[n++] = h[(unsigned char)c >> 4];
                out[n++] = h[c & 15];
                continue;
            }
            out[n++] = c;
            continue;
        }
        bool punct = strchr("{}[],:", c) != NULL;
        if (c == '"')
            in_str = true;
        if (punct && pct(10))
            out[n++] = ws[below(4)];
        out[n++] = c;
        if (punct && pct(10))
            out[n++] = ws[below(4)];
    }
    return n;
}

/* An encoded union starts {"message_type":"tag",...}: move that member to
 * the end, where decoders meet it last.  0 when the text is not like that. */
static size_t tag_last(const char *in, size_t len, char *out)
{
    static const char key[] = "{\"message_type\":\"";
    size_t k = sizeof key - 1, e;
    if (len < k + 2 || memcmp(in, key, k) != 0)
        return 0;
    for (e = k; e < len && in[e] != '"'; e++)
        ;
    if (e + 1 >= len || in[e + 1] != ',')
        return 0; /* a variant without members */
    out[0] = '{';
    memcpy(out + 1, in + e + 2, len - e - 3);     /* the other members */
    size_t n = 1 + len - e - 3;
    out[n++] = ',';
    memcpy(out + n, in + 1, e + 1 - 1);           /* "message_type":"tag" */
    n += e;
    out[n++] = '}';
    return n;
}

/* ---- the property ---- */

enum { TEXT = 1 << 23 };
static char text[TEXT], small[TEXT], respelled[6 * TEXT];
static unsigned char arena_mem[TEXT];
static uint64_t seed = UINT64_C(0x5eed7091c0dec5);
static long cases = 2000;
static long tag_moves; /* union texts also decoded with the tag last */

#define PROPERTY(T)                                                              \
    static void property_##T(void)                                               \
    {                                                                            \
        long bad = 0;                                                            \
        static T in, back;                                                       \
        for (long i = 0; i < cases; i++) {                                       \
            size_t len = 0, need = 0;                                            \
            tg_json_error items[4];                                              \
            tg_json_errors errors = {items, 4, 0, 0};                            \
            tg_arena arena;                                                      \
            const char *why = NULL;                                              \
            pool_used = 0;                                                       \
            gen_##T(&in);                                                        \
            tg_json_code c = T##_encode(&in, text, TEXT, &len);                  \
            if (c != TG_JSON_OK) {                                               \
                why = "encode failed";                                           \
            } else {                                                             \
                size_t cap = (size_t)below(len);                                 \
                memset(small, 0, cap + 1);                                       \
                if (T##_encode(&in, small, cap, &need) != TG_JSON_E_BUFFER || need != len) \
                    why = "too-small buffer: wrong code or needed size";         \
                else if (memcmp(small, text, cap) != 0 || small[cap] != 0)       \
                    why = "too-small buffer: not a prefix / wrote past cap";     \
                else if (T##_encode(&in, NULL, 0, &need) != TG_JSON_E_BUFFER || need != len) \
                    why = "measuring encode: wrong size";                        \
            }                                                                    \
            if (!why) {                                                          \
                tg_arena_init(&arena, arena_mem, TEXT);                          \
                c = T##_decode(&back, text, len, &arena, &errors);               \
                if (c != TG_JSON_OK)                                             \
                    why = "decode(encode(x)) failed";                            \
                else if (!eq_##T(&in, &back))                                    \
                    why = "decode(encode(x)) != x";                              \
            }                                                                    \
            if (!why) {                                                          \
                size_t n2 = respell(text, len, respelled, sizeof respelled);     \
                tg_arena_init(&arena, arena_mem, TEXT);                          \
                c = T##_decode(&back, respelled, n2, &arena, &errors);           \
                eq_ignore_json = true;                                           \
                if (c != TG_JSON_OK)                                             \
                    why = "decode of the re-spelled text failed";                \
                else if (!eq_##T(&in, &back))                                    \
                    why = "decode of the re-spelled text != x";                  \
                eq_ignore_json = false;                                          \
                if (!why && (n2 = tag_last(text, len, respelled)) > 0) {         \
                    tg_arena_init(&arena, arena_mem, TEXT);                      \
                    c = T##_decode(&back, respelled, n2, &arena, &errors);       \
                    if (c != TG_JSON_OK)                                         \
                        why = "decode with the union tag last failed";           \
                    else if (!eq_##T(&in, &back))                                \
                        why = "decode with the union tag last != x";             \
                    else                                                         \
                        tag_moves++;                                             \
                }                                                                \
                if (why) {                                                       \
                    memcpy(text, respelled, n2 < TEXT ? n2 : TEXT);              \
                    len = n2 < TEXT ? n2 : TEXT;                                 \
                }                                                                \
            }                                                                    \
            if (why) {                                                           \
                check_fail(__FILE__, __LINE__, "%s case %ld (seed %" PRIu64 "): %s", #T, i, seed, why); \
                util_print_errors(&errors);                                      \
                fprintf(stderr, "    text (%zu bytes): %.*s\n", len,             \
                        (int)(len > 2000 ? 2000 : len), text);                   \
                if (++bad >= 3)                                                  \
                    return;                                                      \
            } else {                                                             \
                check_passed++;                                                  \
            }                                                                    \
        }                                                                        \
    }

PROPERTY(orders_LineItem)
PROPERTY(orders_OrderEvent)
PROPERTY(workflow_EventMetadata)
PROPERTY(workflow_EventPayload)
PROPERTY(workflow_WorkflowEvent)
PROPERTY(common_CustomerIdentity)
PROPERTY(crm_Attachment)
PROPERTY(crm_EmailReceived)
PROPERTY(crm_WhatsappReceived)
PROPERTY(crm_FormSubmitted)
PROPERTY(crm_InboundMessage)

/* Doubles of every exponent through the runtime writer and reader. */
static void property_doubles(void)
{
    long bad = 0;
    for (long i = 0; i < 10 * cases; i++) {
        uint64_t bits = rnd();
        double d, back = 0;
        if (i < 8) {
            static const double edges[] = {0.0, -0.0, DBL_MIN, DBL_MAX, -DBL_MAX, 5e-324,
                                           -5e-324, 2.2250738585072009e-308};
            d = edges[i];
        } else {
            if (pct(20))
                bits &= ~(UINT64_C(0x7FF) << 52); /* subnormal */
            memcpy(&d, &bits, sizeof d);
            if (isnan(d) || isinf(d))
                continue;
        }
        char buf[64];
        tg_json_writer w;
        tg_json_writer_init(&w, buf, sizeof buf);
        tg_json_write_double(&w, d);
        tg_json_reader r;
        tg_json_errors errors = {NULL, 0, 0, 0};
        bool ok = tg_json_writer_ok(&w);
        if (ok) {
            tg_json_reader_init(&r, buf, w.len, NULL, &errors);
            ok = tg_json_read_double(&r, &back) && tg_json_finish(&r) &&
                 memcmp(&d, &back, sizeof d) == 0;
        }
        if (!ok) {
            check_fail(__FILE__, __LINE__, "double %a (seed %" PRIu64 "): written %.*s, read %a", d, seed,
                       (int)(w.len < sizeof buf ? w.len : sizeof buf), buf, back);
            if (++bad >= 5)
                return;
        } else {
            check_passed++;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc > 1)
        seed = strtoull(argv[1], NULL, 0);
    if (argc > 2)
        cases = strtol(argv[2], NULL, 10);
    rng_state = seed ? seed : 1;
    printf("seed %" PRIu64 ", %ld cases per type\n", seed, cases);
    property_orders_LineItem();
    property_orders_OrderEvent();
    property_workflow_EventMetadata();
    property_workflow_EventPayload();
    property_workflow_WorkflowEvent();
    property_common_CustomerIdentity();
    property_crm_Attachment();
    property_crm_EmailReceived();
    property_crm_WhatsappReceived();
    property_crm_FormSubmitted();
    property_crm_InboundMessage();
    property_doubles();
    CHECKF(tag_moves > cases / 2, "union texts decoded with the tag last: %ld", tag_moves);
    return check_done();
}
