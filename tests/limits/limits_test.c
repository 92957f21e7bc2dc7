/*
 * limits_test.c (ctest limits): every limit of the decoder, at its edge.
 * Hostile input may push each of them; docs/security.md lists them and this
 * file is their proof.  Decoding goes through a generated decoder of
 * limits.yaml (all fields optional, only s4 and few bounded by the schema)
 * and, where the limit is the reader's own, through tg_json_skip_value.
 *
 *   nesting      TG_JSON_MAX_DEPTH (64) levels accepted, 65 rejected
 *                (TG_JSON_E_DEPTH), for arrays, objects, json fields and
 *                unknown members; a lowered max_depth; 10^6 open brackets
 *                fail fast without recursion
 *   size         no maximum in the runtime: a 16 MiB string and a document
 *                of 10^6 elements decode (the caller/broker bounds size)
 *   strings      max_length counts code points exactly (4 ok, 5 rejected,
 *                2- and 4-byte UTF-8 and surrogate escapes)
 *   arena        a decode that needs N bytes succeeds with exactly N and
 *                fails with N - 1, naming N; a NULL arena measures N too
 *   integers     INT64_MIN/MAX, UINT64_MAX, INT32/UINT32 bounds and one
 *                beyond each, -0, exponents; doubles 1e309, DBL_MAX,
 *                subnormals, -0.0
 *   keys         a 1 MiB key; escaped 1 MiB keys (no limit of their own);
 *                TG_JSON_MAX_KEYS keys over all open objects
 *   arrays       10^5 elements in typed arrays, json and unknown members,
 *                and past a schema max_items (a length error, decoding on)
 */
#include "limits.h"

#include "check.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers --------------------------------------------------------------- */

/* A growable text buffer for building big documents. */
typedef struct text {
    char *p;
    size_t len, cap;
} text;

static void add_n(text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->p = realloc(t->p, t->cap);
        if (!t->p)
            abort();
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

static void add(text *t, const char *s) { add_n(t, s, strlen(s)); }

static void rep(text *t, const char *s, size_t times)
{
    for (size_t i = 0; i < times; i++)
        add(t, s);
}

static void addf(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(text *t, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    add_n(t, buf, (size_t)n);
}

static void clear(text *t) { t->len = 0; if (t->p) t->p[0] = '\0'; }

enum { ARENA_CAP = 8 << 20 };
static unsigned char *g_arena_buf;
static tg_json_error g_items[8];
static tg_json_errors g_errs = {g_items, 8, 0, 0};
static limits_Probe g_msg;

/* Decode with a big arena; returns the result code. */
static tg_json_code dec(const text *t)
{
    tg_arena a;
    tg_arena_init(&a, g_arena_buf, ARENA_CAP);
    return limits_Probe_decode(&g_msg, t->p, t->len, &a, &g_errs);
}

static tg_json_code dec_str(const char *s)
{
    text t = {0};
    add(&t, s);
    tg_json_code c = dec(&t);
    free(t.p);
    return c;
}

static const char *first_reason(void) { return g_errs.count ? g_items[0].reason : ""; }

/* The reader on its own (generic skip), with an optional max_depth. */
static tg_json_reader g_r;
static tg_json_code skip(const text *t, unsigned max_depth)
{
    tg_json_reader_init(&g_r, t->p, t->len, NULL, &g_errs);
    if (max_depth)
        g_r.max_depth = max_depth;
    tg_json_skip_value(&g_r);
    tg_json_finish(&g_r);
    return g_errs.count ? g_items[0].code : TG_JSON_OK;
}

static void nest(text *t, const char *open, const char *close, size_t k)
{
    rep(t, open, k);
    rep(t, close, k);
}

/* ---- nesting ----------------------------------------------------------------- */

static void test_depth(void)
{
    text t = {0};
    const size_t max = TG_JSON_MAX_DEPTH;

    /* The reader alone: max levels of arrays / objects, then one more. */
    for (size_t k = max; k <= max + 1; k++) {
        tg_json_code want = k == max ? TG_JSON_OK : TG_JSON_E_DEPTH;
        clear(&t);
        nest(&t, "[", "]", k);
        CHECKF(skip(&t, 0) == want, "%zu nested arrays: %s (%s)", k,
               tg_json_code_name(skip(&t, 0)), first_reason());
        clear(&t);
        rep(&t, "{\"a\":", k - 1);
        add(&t, "{}");
        rep(&t, "}", k - 1);
        CHECKF(skip(&t, 0) == want, "%zu nested objects: %s", k, first_reason());
    }
    /* A caller may lower the bound. */
    clear(&t);
    nest(&t, "[", "]", 8);
    CHECKF(skip(&t, 8) == TG_JSON_OK, "8 levels with max_depth 8: %s", first_reason());
    clear(&t);
    nest(&t, "[", "]", 9);
    CHECKF(skip(&t, 8) == TG_JSON_E_DEPTH, "9 levels with max_depth 8");

    /* Through a decoder: the message object is level 1, so a json field or
     * an unknown member holds max - 1 more levels. */
    const char *members[] = {"j", "unknown_member"};
    for (size_t m = 0; m < 2; m++)
        for (size_t k = max - 1; k <= max; k++) {
            clear(&t);
            addf(&t, "{\"%s\":", members[m]);
            nest(&t, "[", "]", k);
            add(&t, "}");
            tg_json_code want = k == max - 1 ? TG_JSON_OK : TG_JSON_E_DEPTH;
            CHECKF(dec(&t) == want, "%s with %zu levels inside: %s (%s)", members[m], k,
                   tg_json_code_name(dec(&t)), first_reason());
        }
    CHECKF(dec(&t) == TG_JSON_E_DEPTH && strstr(first_reason(), "64") != NULL,
           "the depth error names the bound: %s", first_reason());

    /* A million open brackets: rejected at level 65, no recursion. */
    clear(&t);
    add(&t, "{\"j\":");
    rep(&t, "[", 1000000);
    CHECKF(dec(&t) == TG_JSON_E_DEPTH, "10^6 open brackets: %s", first_reason());
    clear(&t);
    add(&t, "{\"x\":");
    rep(&t, "{\"x\":", 1000000);
    CHECKF(dec(&t) == TG_JSON_E_DEPTH, "10^6 nested unknown objects: %s", first_reason());
    free(t.p);
}

/* ---- size -------------------------------------------------------------------- */

static void test_size(void)
{
    text t = {0};
    const size_t big = (size_t)16 << 20;
    add(&t, "{\"s\":\"");
    for (size_t i = 0; i < big / 64; i++)
        add(&t, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    add(&t, "\"}");
    CHECKF(dec(&t) == TG_JSON_OK && g_msg.has_s && g_msg.s.len == big,
           "a 16 MiB string decodes whole: %s, %zu bytes", first_reason(), g_msg.s.len);

    clear(&t);
    add(&t, "{\"j\":[0");
    rep(&t, ",1", 999999);
    add(&t, "]}");
    CHECKF(dec(&t) == TG_JSON_OK && g_msg.j.len == t.len - 6,
           "a json field of 10^6 elements: %s", first_reason());
    free(t.p);
}

/* ---- string length ------------------------------------------------------------ */

static void test_string_length(void)
{
    static const struct {
        int line;
        const char *json;
        tg_json_code code;
    } rows[] = {
        {__LINE__, "{\"s4\":\"abcd\"}", TG_JSON_OK},
        {__LINE__, "{\"s4\":\"abcde\"}", TG_JSON_E_LENGTH},
        {__LINE__, "{\"s4\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}", TG_JSON_OK},       /* 8 bytes */
        {__LINE__, "{\"s4\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}", TG_JSON_E_LENGTH},
        {__LINE__, "{\"s4\":\"\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\"}", TG_JSON_OK},
        {__LINE__, "{\"s4\":\"\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00x\"}",
         TG_JSON_E_LENGTH},
        {__LINE__, "{\"s4\":\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\"}",
         TG_JSON_OK},
        {__LINE__, "{\"s4\":\"a\\u0000cd\"}", TG_JSON_OK}, /* NUL is a code point */
        {__LINE__, "{\"s4\":\"\"}", TG_JSON_OK},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        tg_json_code c = dec_str(rows[i].json);
        CHECK_AT(c == rows[i].code, rows[i].line, "%s: got %s (%s)", rows[i].json, tg_json_code_name(c),
                 first_reason());
    }
}

/* ---- arena ---------------------------------------------------------------------- */

static void test_arena(void)
{
    static const char doc[] =
        "{\"s\":\"esc\\naped \\u00e9\",\"strs\":[\"a\\tb\",\"plain\",\"\\ud83d\\ude00\"],"
        "\"ints\":[1,2,3,4,5],\"b\":\"AAECAwQFBgc=\",\"m\":{\"k\\u0041\":1,\"k2\":2},"
        "\"j\":{\"x\":[1]}}";
    tg_arena a;
    /* Measure: a buffer of capacity 0 (malloc'd, so aligned like the retries). */
    unsigned char *zero = malloc(1);
    tg_arena_init(&a, zero, 0);
    tg_json_code c = limits_Probe_decode(&g_msg, doc, sizeof doc - 1, &a, &g_errs);
    size_t need = a.needed;
    CHECKF(c == TG_JSON_E_ARENA && need > 0, "capacity 0: %s, needed %zu",
           tg_json_code_name(c), need);
    free(zero);

    unsigned char *exact = malloc(need);
    tg_arena_init(&a, exact, need);
    c = limits_Probe_decode(&g_msg, doc, sizeof doc - 1, &a, &g_errs);
    CHECKF(c == TG_JSON_OK && a.used == need, "exactly %zu bytes: %s (%s), used %zu",
           need, tg_json_code_name(c), first_reason(), a.used);
    CHECKF(c == TG_JSON_OK && g_msg.strs.count == 3 && g_msg.m.count == 2 && g_msg.b.len == 8 &&
               g_msg.s.len == 11,
           "values decoded with the exact arena");
    free(exact);

    unsigned char *short1 = malloc(need - 1);
    tg_arena_init(&a, short1, need - 1);
    c = limits_Probe_decode(&g_msg, doc, sizeof doc - 1, &a, &g_errs);
    char want[64];
    snprintf(want, sizeof want, "%zu bytes needed", need);
    CHECKF(c == TG_JSON_E_ARENA && a.needed == need && strstr(first_reason(), want) != NULL,
           "%zu bytes (one short): %s, needed %zu: %s", need - 1, tg_json_code_name(c),
           a.needed, first_reason());
    free(short1);

    /* Arrays grow in the arena as they are read, moving when an escaped
     * string lands between their items: every capacity short of `need`
     * must still measure exactly `need`, and the moved items keep their
     * values. */
    size_t wrong = 0;
    for (size_t cap = 0; cap < need; cap++) {
        unsigned char *buf = malloc(cap ? cap : 1);
        tg_arena_init(&a, buf, cap);
        c = limits_Probe_decode(&g_msg, doc, sizeof doc - 1, &a, &g_errs);
        wrong += c != TG_JSON_E_ARENA || a.needed != need;
        free(buf);
    }
    CHECKF(wrong == 0, "%zu capacities below %zu measured wrongly", wrong, need);
    exact = malloc(need);
    tg_arena_init(&a, exact, need);
    c = limits_Probe_decode(&g_msg, doc, sizeof doc - 1, &a, &g_errs);
    CHECKF(c == TG_JSON_OK && g_msg.strs.count == 3 && g_msg.strs.items[0].len == 3 &&
               memcmp(g_msg.strs.items[0].ptr, "a\tb", 3) == 0 &&
               g_msg.strs.items[1].len == 5 && memcmp(g_msg.strs.items[1].ptr, "plain", 5) == 0 &&
               g_msg.strs.items[2].len == 4 && g_msg.ints.count == 5 && g_msg.ints.items[4] == 5,
           "items moved by the arena keep their values: %s", first_reason());
    free(exact);

    c = limits_Probe_decode(&g_msg, doc, sizeof doc - 1, NULL, &g_errs);
    CHECKF(c == TG_JSON_E_ARENA && strstr(first_reason(), want) != NULL,
           "NULL arena measures the same: %s", first_reason());
}

/* ---- integers and doubles ------------------------------------------------------- */

static void test_numbers(void)
{
    static const struct {
        int line;
        const char *json;
        tg_json_code code;
    } rows[] = {
        {__LINE__, "{\"i64\":-9223372036854775808}", TG_JSON_OK},
        {__LINE__, "{\"i64\":-9223372036854775809}", TG_JSON_E_RANGE},
        {__LINE__, "{\"i64\":9223372036854775807}", TG_JSON_OK},
        {__LINE__, "{\"i64\":9223372036854775808}", TG_JSON_E_RANGE},
        {__LINE__, "{\"i64\":-0}", TG_JSON_OK},
        {__LINE__, "{\"i64\":99999999999999999999999999999999999999}", TG_JSON_E_RANGE},
        {__LINE__, "{\"i64\":1e2}", TG_JSON_E_TYPE},
        {__LINE__, "{\"i64\":1.0}", TG_JSON_E_TYPE},
        {__LINE__, "{\"u64\":18446744073709551615}", TG_JSON_OK},
        {__LINE__, "{\"u64\":18446744073709551616}", TG_JSON_E_RANGE},
        {__LINE__, "{\"u64\":-1}", TG_JSON_E_RANGE},
        {__LINE__, "{\"u64\":-0}", TG_JSON_OK},
        {__LINE__, "{\"i32\":-2147483648}", TG_JSON_OK},
        {__LINE__, "{\"i32\":-2147483649}", TG_JSON_E_RANGE},
        {__LINE__, "{\"i32\":2147483647}", TG_JSON_OK},
        {__LINE__, "{\"i32\":2147483648}", TG_JSON_E_RANGE},
        {__LINE__, "{\"u32\":4294967295}", TG_JSON_OK},
        {__LINE__, "{\"u32\":4294967296}", TG_JSON_E_RANGE},
        {__LINE__, "{\"f64\":1e309}", TG_JSON_E_RANGE},
        {__LINE__, "{\"f64\":-1e309}", TG_JSON_E_RANGE},
        {__LINE__, "{\"f64\":1.7976931348623157e308}", TG_JSON_OK},
        {__LINE__, "{\"f64\":1.7976931348623159e308}", TG_JSON_E_RANGE},
        {__LINE__, "{\"f64\":4.9406564584124654e-324}", TG_JSON_OK},
        {__LINE__, "{\"f64\":1e-400}", TG_JSON_OK},
        {__LINE__, "{\"f64\":-0.0}", TG_JSON_OK},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        tg_json_code c = dec_str(rows[i].json);
        CHECK_AT(c == rows[i].code, rows[i].line, "%s: got %s (%s)", rows[i].json, tg_json_code_name(c),
                 first_reason());
    }
    dec_str("{\"i64\":-9223372036854775808,\"u64\":18446744073709551615,\"i32\":-2147483648,"
            "\"u32\":4294967295}");
    CHECKF(g_msg.i64 == INT64_MIN && g_msg.u64 == UINT64_MAX && g_msg.i32 == INT32_MIN &&
               g_msg.u32 == UINT32_MAX,
           "extreme values read exactly");
    dec_str("{\"i64\":-0,\"u64\":-0}");
    CHECKF(g_msg.i64 == 0 && g_msg.u64 == 0, "-0 reads as 0");
    dec_str("{\"f64\":-0.0}");
    CHECKF(g_msg.f64 == 0.0 && signbit(g_msg.f64), "-0.0 keeps its sign");
    dec_str("{\"f64\":1.7976931348623157e308}");
    CHECKF(g_msg.f64 == DBL_MAX, "DBL_MAX exact");
    dec_str("{\"f64\":4.9406564584124654e-324}");
    CHECKF(g_msg.f64 > 0 && g_msg.f64 < DBL_MIN, "smallest subnormal");
    dec_str("{\"f64\":1e-400}");
    CHECKF(g_msg.f64 == 0.0, "underflow to 0");
    CHECKF(dec_str("{\"i64\":-9223372036854775809}") == TG_JSON_E_RANGE &&
               strstr(first_reason(), "-9223372036854775808") != NULL,
           "the range error names the bound: %s", first_reason());
}

/* ---- keys ------------------------------------------------------------------------ */

static void test_keys(void)
{
    text t = {0};
    /* A 1 MiB unknown key (no escapes: a view, no copy) and a 1 MiB map key. */
    add(&t, "{\"");
    rep(&t, "k", (size_t)1 << 20);
    add(&t, "\":1,\"m\":{\"");
    rep(&t, "q", (size_t)1 << 20);
    add(&t, "\":2}}");
    CHECKF(dec(&t) == TG_JSON_OK && g_msg.m.count == 1 && g_msg.m.items[0].key.len == (size_t)1 << 20,
           "1 MiB keys: %s", first_reason());
    /* Two equal 1 MiB keys are duplicates. */
    clear(&t);
    add(&t, "{\"m\":{\"");
    rep(&t, "q", (size_t)1 << 20);
    add(&t, "\":1,\"");
    rep(&t, "q", (size_t)1 << 20);
    add(&t, "\":2}}");
    CHECKF(dec(&t) == TG_JSON_E_DUPLICATE, "equal 1 MiB keys: %s", first_reason());

    /* Escaped keys have no limit of their own (issue 17: keys as Python
     * writes them): a 1 MiB map key written with an escape decodes (into the
     * arena) like its raw spelling, and equals it as a duplicate. */
    clear(&t);
    add(&t, "{\"m\":{\"\\u0041");
    rep(&t, "a", (size_t)1 << 20);
    add(&t, "\":1}}");
    CHECKF(dec(&t) == TG_JSON_OK && g_msg.m.count == 1 &&
               g_msg.m.items[0].key.len == ((size_t)1 << 20) + 1 && g_msg.m.items[0].key.ptr[0] == 'A',
           "1 MiB escaped key: %s", first_reason());
    clear(&t);
    add(&t, "{\"m\":{\"\\u0041");
    rep(&t, "a", (size_t)1 << 20);
    add(&t, "\":1,\"A");
    rep(&t, "a", (size_t)1 << 20);
    add(&t, "\":2}}");
    CHECKF(dec(&t) == TG_JSON_E_DUPLICATE, "1 MiB keys equal across spellings: %s", first_reason());

    /* TG_JSON_MAX_KEYS keys over all open objects, counting the keys the
     * reader remembers: the map's.  The message's own member "m" is not
     * one of them (its seen bit finds a duplicate). */
    for (size_t n = TG_JSON_MAX_KEYS; n <= TG_JSON_MAX_KEYS + 1; n++) {
        clear(&t);
        add(&t, "{\"m\":{");
        for (size_t i = 0; i < n; i++)
            addf(&t, "%s\"k%zu\":%zu", i ? "," : "", i, i);
        add(&t, "}}");
        tg_json_code want = n <= TG_JSON_MAX_KEYS ? TG_JSON_OK : TG_JSON_E_LIMIT;
        CHECKF(dec(&t) == want, "map of %zu keys: %s (%s)", n,
               tg_json_code_name(dec(&t)), first_reason());
    }
    /* Keys of closed objects are forgotten: many small objects are fine. */
    clear(&t);
    add(&t, "{\"j\":[");
    for (size_t i = 0; i < 100000; i++)
        addf(&t, "%s{\"a\":1,\"b\":2}", i ? "," : "");
    add(&t, "]}");
    CHECKF(dec(&t) == TG_JSON_OK, "10^5 small objects: %s", first_reason());
    free(t.p);
}

/* ---- big arrays --------------------------------------------------------------------- */

static void test_arrays(void)
{
    text t = {0};
    const size_t n = 100000;
    add(&t, "{\"ints\":[");
    for (size_t i = 0; i < n; i++)
        addf(&t, "%s%zu", i ? "," : "", i * 1000003);
    add(&t, "],\"strs\":[");
    for (size_t i = 0; i < n; i++)
        addf(&t, "%s\"s%zu\"", i ? "," : "", i);
    add(&t, "],\"j\":[");
    for (size_t i = 0; i < n; i++)
        addf(&t, "%s[%zu]", i ? "," : "", i);
    add(&t, "],\"unknown\":[");
    for (size_t i = 0; i < n; i++)
        addf(&t, "%s{\"x\":%zu}", i ? "," : "", i);
    add(&t, "]}");
    tg_json_code c = dec(&t);
    CHECKF(c == TG_JSON_OK && g_msg.ints.count == n && g_msg.strs.count == n,
           "10^5-element arrays: %s (%s)", tg_json_code_name(c), first_reason());
    if (c == TG_JSON_OK && g_msg.ints.count == n)
        CHECKF(g_msg.ints.items[n - 1] == (int64_t)((n - 1) * 1000003) &&
                   g_msg.strs.items[n - 1].len == 6,
               "last elements");

    /* Past a schema bound: a length error, and the decode still finishes. */
    clear(&t);
    add(&t, "{\"few\":[");
    for (size_t i = 0; i < n; i++)
        addf(&t, "%s%zu", i ? "," : "", i);
    add(&t, "],\"i32\":7}");
    c = dec(&t);
    CHECKF(c == TG_JSON_E_LENGTH && g_errs.count == 1 && g_msg.i32 == 7,
           "10^5 items for max_items 3: %s (%s)", tg_json_code_name(c), first_reason());

    /* An arena too small for the items: measured, not overrun. */
    clear(&t);
    add(&t, "{\"ints\":[");
    for (size_t i = 0; i < n; i++)
        addf(&t, "%s%zu", i ? "," : "", i);
    add(&t, "]}");
    unsigned char small[64];
    tg_arena a;
    tg_arena_init(&a, small, sizeof small);
    c = limits_Probe_decode(&g_msg, t.p, t.len, &a, &g_errs);
    CHECKF(c == TG_JSON_E_ARENA && a.needed >= n * sizeof(int64_t),
           "10^5 ints in 64 bytes: %s, needed %zu", tg_json_code_name(c), a.needed);
    free(t.p);
}

int main(void)
{
    g_arena_buf = malloc(ARENA_CAP);
    if (!g_arena_buf)
        return 2;
    test_depth();
    test_size();
    test_string_length();
    test_arena();
    test_numbers();
    test_keys();
    test_arrays();
    free(g_arena_buf);
    return check_done();
}
