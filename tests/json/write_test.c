/*
 * write_test.c (ctest json_write): the tg_json writer.
 *
 *   - a table of values and the exact text written (string escaping,
 *     integers at their limits, doubles in Python-repr style, uuid, base64,
 *     raw json, decimals, timestamps), with the error each must set;
 *   - counting past cap: a cap-0 pass gives the exact size, a short buffer
 *     keeps a prefix and never overflows;
 *   - strings of random pieces (UTF-8, invalid bytes, escapes) written with
 *     room for the worst case and with just enough room: the same text;
 *   - shortest doubles over 100,000 seeded random bit patterns (a quarter
 *     of them short decimals like 1234.5, the writer's fast path): the text
 *     reads back (strtod and the reader) to the same bits, and no shorter
 *     %.{k}g rounding does;
 *   - doubles written under a German LC_NUMERIC (decimal comma) unchanged.
 */
#include "check.h"
#include "tg_json.h"

#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum wkind { W_STR, W_INT, W_UINT, W_DBL, W_BOOL, W_NULL, W_UUID, W_BYTES, W_JSON, W_DEC, W_TS };

typedef struct wrow {
    int line;
    enum wkind kind;
    const char *s; /* input text/bytes for string-like kinds */
    size_t n;
    int64_t i;
    uint64_t u;
    double d;
    const char *want;
    tg_json_code code;
} wrow;

#define WS(kind, in, want, code) {__LINE__, kind, in, sizeof(in) - 1, 0, 0, 0, want, TG_JSON_##code}
#define WI(v, want) {__LINE__, W_INT, NULL, 0, v, 0, 0, want, TG_JSON_OK}
#define WU(v, want) {__LINE__, W_UINT, NULL, 0, 0, v, 0, want, TG_JSON_OK}
#define WD(v, want) {__LINE__, W_DBL, NULL, 0, 0, 0, v, want, TG_JSON_OK}
#define WDE(v, want) {__LINE__, W_DBL, NULL, 0, 0, 0, v, want, TG_JSON_E_VALUE}

static const wrow rows[] = {
    /* strings */
    WS(W_STR, "", "\"\"", OK),
    WS(W_STR, "plain text", "\"plain text\"", OK),
    WS(W_STR, "q\"b\\s/", "\"q\\\"b\\\\s/\"", OK),
    WS(W_STR, "\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"", OK),
    WS(W_STR, "\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"", OK),
    WS(W_STR, "\0x", "\"\\u0000x\"", OK),
    WS(W_STR, "long run of plain ascii text here \"quoted\" and more", "\"long run of plain ascii text here \\\"quoted\\\" and more\"", OK),
    WS(W_STR, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"", OK),
    WS(W_STR, "ok\xC0\x80", "\"ok\xC0\x80\"", E_VALUE),
    WS(W_STR, "\xED\xA0\x80", "\"\xED\xA0\x80\"", E_VALUE),
    WS(W_STR, "abcdefgh\xE2\x82", "\"abcdefgh\xE2\x82\"", E_VALUE),
    WS(W_STR, "\xF4\x90\x80\x80", "\"\xF4\x90\x80\x80\"", E_VALUE),
    /* integers */
    WI(0, "0"), WI(-1, "-1"), WI(INT64_MIN, "-9223372036854775808"),
    WI(INT64_MAX, "9223372036854775807"), WI(1000000, "1000000"),
    WU(0, "0"), WU(UINT64_MAX, "18446744073709551615"), WU(10, "10"),
    /* doubles, Python repr style */
    WD(0.1, "0.1"), WD(1.0, "1.0"), WD(1e16, "1e+16"), WD(1e-05, "1e-05"),
    WD(123.456, "123.456"), WD(0.1 + 0.2, "0.30000000000000004"), WD(0.0, "0.0"),
    WD(-0.0, "-0.0"), WD(-1.5, "-1.5"), WD(100.0, "100.0"), WD(1e15, "1000000000000000.0"),
    WD(9007199254740993.0, "9007199254740992.0"), WD(1234567890123456.0, "1234567890123456.0"),
    WD(0.0001, "0.0001"), WD(0.00012345, "0.00012345"), WD(1.5e-7, "1.5e-07"),
    WD(1e22, "1e+22"), WD(1.5e300, "1.5e+300"), WD(DBL_MAX, "1.7976931348623157e+308"),
    WD(DBL_MIN, "2.2250738585072014e-308"), WD(4.9406564584124654e-324, "5e-324"),
    WD(2.2250738585072009e-308, "2.225073858507201e-308"), WD(1.0 / 3, "0.3333333333333333"),
    WD(2.0 / 3, "0.6666666666666666"), WD(5e-310, "5e-310"), WD(123456789012345680.0, "1.2345678901234568e+17"),
    WD(3.141592653589793, "3.141592653589793"), WD(-2.5e-5, "-2.5e-05"),
    WDE(NAN, "null"), WDE(INFINITY, "null"), WDE(-INFINITY, "null"),
    /* literals */
    {__LINE__, W_BOOL, NULL, 0, 1, 0, 0, "true", TG_JSON_OK},
    {__LINE__, W_BOOL, NULL, 0, 0, 0, 0, "false", TG_JSON_OK},
    {__LINE__, W_NULL, NULL, 0, 0, 0, 0, "null", TG_JSON_OK},
    /* uuid (16 bytes in), lowercase canonical out */
    WS(W_UUID, "\x12\x3e\x45\x67\xe8\x9b\x12\xd3\xa4\x56\x42\x66\x14\x17\x40\x00",
       "\"123e4567-e89b-12d3-a456-426614174000\"", OK),
    WS(W_UUID, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
       "\"ffffffff-ffff-ffff-ffff-ffffffffffff\"", OK),
    /* base64 */
    WS(W_BYTES, "", "\"\"", OK), WS(W_BYTES, "f", "\"Zg==\"", OK), WS(W_BYTES, "fo", "\"Zm8=\"", OK),
    WS(W_BYTES, "foo", "\"Zm9v\"", OK), WS(W_BYTES, "foob", "\"Zm9vYg==\"", OK),
    WS(W_BYTES, "fooba", "\"Zm9vYmE=\"", OK), WS(W_BYTES, "foobar", "\"Zm9vYmFy\"", OK),
    WS(W_BYTES, "\xfb\xff\xbf\x00", "\"+/+/AA==\"", OK),
    WS(W_BYTES, "0123456789012345678901234567890123456789012345678901234567890123456789",
       "\"MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OQ==\"", OK),
    /* raw json, decimal, timestamp */
    WS(W_JSON, "{\"a\": [1, 2]}", "{\"a\": [1, 2]}", OK),
    WS(W_JSON, "", "", E_VALUE), /* a json field never set is no value */
    WS(W_DEC, "12.50", "\"12.50\"", OK), WS(W_DEC, "-1e-7", "\"-1e-7\"", OK),
    WS(W_DEC, "12,5", "\"12,5\"", E_VALUE), WS(W_DEC, "", "\"\"", E_VALUE),
    WS(W_TS, "2024-02-29T12:00:00Z", "\"2024-02-29T12:00:00Z\"", OK),
    WS(W_TS, "2023-02-29T12:00:00Z", "\"2023-02-29T12:00:00Z\"", E_VALUE),
};

static void write_row(tg_json_writer *w, const wrow *r)
{
    tg_str s = {r->s, r->n};
    switch (r->kind) {
    case W_STR: tg_json_write_string(w, s); break;
    case W_INT: tg_json_write_int(w, r->i); break;
    case W_UINT: tg_json_write_uint(w, r->u); break;
    case W_DBL: tg_json_write_double(w, r->d); break;
    case W_BOOL: tg_json_write_bool(w, r->i != 0); break;
    case W_NULL: tg_json_write_null(w); break;
    case W_UUID: {
        tg_uuid u;
        memcpy(u.bytes, r->s, 16);
        tg_json_write_uuid(w, &u);
        break;
    }
    case W_BYTES: tg_json_write_bytes(w, (tg_bytes){(const unsigned char *)r->s, r->n}); break;
    case W_JSON: tg_json_write_json(w, s); break;
    case W_DEC: tg_json_write_decimal(w, s); break;
    case W_TS: tg_json_write_timestamp(w, s); break;
    }
}

static void test_rows(void)
{
    size_t i;
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const wrow *r = &rows[i];
        char buf[256], small[8];
        tg_json_writer w;
        size_t want = strlen(r->want), k;

        tg_json_writer_init(&w, buf, sizeof buf);
        write_row(&w, r);
        CHECK_AT(w.len == want && memcmp(buf, r->want, want) == 0, r->line, "wrote '%.*s', expected '%s'",
                 (int)w.len, buf, r->want);
        CHECK_AT(w.error == r->code, r->line, "error %s, expected %s", tg_json_code_name(w.error),
                 tg_json_code_name(r->code));
        CHECK_AT(tg_json_writer_ok(&w) == (r->code == TG_JSON_OK), r->line, "writer_ok");
        /* Measuring: cap 0 gives the same length. */
        tg_json_writer_init(&w, NULL, 0);
        write_row(&w, r);
        CHECK_AT(w.len == want, r->line, "measured %zu, expected %zu", w.len, want);
        /* A short buffer keeps the prefix and nothing past it. */
        memset(small, '#', sizeof small);
        tg_json_writer_init(&w, small, 5);
        write_row(&w, r);
        k = want < 5 ? want : 5;
        CHECK_AT(w.len == want && memcmp(small, r->want, k) == 0 && small[5] == '#' &&
                     (want > 5 || !tg_json_writer_ok(&w) == (r->code != TG_JSON_OK)),
                 r->line, "short buffer");
    }
}

/* A whole document written piecewise, then read back by the reader. */
static void test_document(void)
{
    static const char want[] = "{\"name\":\"caf\xC3\xA9 \\\"x\\\"\\n\",\"n\":-42,\"x\":0.1}";
    char buf[512];
    tg_json_writer w;
    tg_json_reader r;
    tg_json_error e[2];
    tg_json_errors es = {e, 2, 0, 0};
    tg_str k, s;
    double d;
    int64_t i;

    tg_json_writer_init(&w, buf, sizeof buf);
    tg_json_write_raw(&w, "{\"name\":", 8);
    tg_json_write_string(&w, (tg_str){"caf\xC3\xA9 \"x\"\n", 10});
    tg_json_write_raw(&w, ",\"n\":", 5);
    tg_json_write_int(&w, -42);
    tg_json_write_raw(&w, ",\"x\":", 5);
    tg_json_write_double(&w, 0.1);
    tg_json_write_char(&w, '}');
    CHECKF(tg_json_writer_ok(&w), "doc ok");
    CHECKF(w.len == sizeof want - 1 && memcmp(buf, want, sizeof want - 1) == 0,
           "doc: %.*s", (int)w.len, buf);

    {
        static tg_json_reader rr;
        unsigned char ab[64];
        tg_arena a;
        (void)r;
        tg_arena_init(&a, ab, sizeof ab);
        tg_json_reader_init(&rr, buf, w.len, &a, &es);
        tg_json_object_begin(&rr);
        tg_json_object_next(&rr, &k);
        tg_json_read_string(&rr, &s);
        CHECKF(s.len == 10 && memcmp(s.ptr, "caf\xC3\xA9 \"x\"\n", 10) == 0, "read back");
        tg_json_object_next(&rr, &k);
        tg_json_read_int(&rr, INT64_MIN, INT64_MAX, &i);
        tg_json_object_next(&rr, &k);
        tg_json_read_double(&rr, &d);
        CHECKF(i == -42 && d == 0.1 && tg_json_object_next(&rr, &k) == 0 && tg_json_finish(&rr),
               "read back values");
    }
}

/* Significant digits of a formatted double ("0.00012" -> 2, "100.0" -> 1). */
static int sig_digits(const char *s, size_t n)
{
    char d[32];
    int nd = 0, a = 0;
    size_t i;
    for (i = 0; i < n && s[i] != 'e'; i++)
        if (s[i] >= '0' && s[i] <= '9')
            d[nd++] = s[i];
    while (a < nd && d[a] == '0')
        a++;
    while (nd > a && d[nd - 1] == '0')
        nd--;
    return nd - a;
}

static void test_shortest_random(void)
{
    static tg_json_reader r;
    unsigned long long x = 0x9E3779B97F4A7C15ULL;
    int i, bad = 0, tested = 0;

    for (i = 0; i < 100000; i++) {
        char out[40], tmp[400];
        tg_json_writer w;
        double v, back, viar;
        uint64_t bits;
        int nd, k;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bits = x;
        if (i % 4 == 1) /* also plenty of "human" magnitudes */
            bits = (bits & 0x800FFFFFFFFFFFFFULL) | ((uint64_t)(1023 - 30 + (int)(x >> 58)) << 52);
        memcpy(&v, &bits, sizeof v);
        if (i % 4 == 2) { /* a short decimal (the writer's fast path) */
            char t[48];
            snprintf(t, sizeof t, "%llue-%d", (unsigned long long)(x >> 8) % 10000000000ULL,
                     (int)(x % 16));
            v = strtod(t, NULL);
        }
        if (!isfinite(v))
            continue;
        tested++;
        tg_json_writer_init(&w, out, sizeof out - 1);
        tg_json_write_double(&w, v);
        out[w.len] = '\0';
        back = strtod(out, NULL);
        tg_json_reader_init(&r, out, w.len, NULL, NULL);
        if (!tg_json_read_double(&r, &viar) || !tg_json_finish(&r))
            viar = NAN;
        nd = sig_digits(out, w.len);
        if (memcmp(&back, &v, sizeof v) != 0 || memcmp(&viar, &v, sizeof v) != 0 || nd > 17 ||
            !tg_json_writer_ok(&w)) {
            if (bad++ < 10)
                check_fail(__FILE__, __LINE__, "%.17g -> %s does not round-trip", v, out);
            continue;
        }
        for (k = 1; k < nd; k++) {
            snprintf(tmp, sizeof tmp, "%.*g", k, v);
            if (strtod(tmp, NULL) == v) {
                if (bad++ < 10)
                    check_fail(__FILE__, __LINE__, "%.17g -> %s, but %s (%d digits) round-trips", v, out, tmp, k);
                break;
            }
        }
    }
    CHECKF(bad == 0 && tested > 99000, "%d of %d random doubles wrong", bad, tested);
    check_pass(tested - bad);
}

/* Empty views may have a NULL pointer. */
static void test_null_views(void)
{
    static tg_json_reader r;
    char buf[64];
    tg_json_writer w;
    tg_json_writer_init(&w, buf, sizeof buf);
    tg_json_write_string(&w, (tg_str){NULL, 0});
    tg_json_write_json(&w, (tg_str){NULL, 0});
    tg_json_write_bytes(&w, (tg_bytes){NULL, 0});
    tg_json_write_decimal(&w, (tg_str){NULL, 0});
    CHECKF(w.len == 6 && memcmp(buf, "\"\"\"\"\"\"", 6) == 0 && w.error == TG_JSON_E_VALUE,
           "null views: %.*s", (int)w.len, buf);
    tg_json_reader_init(&r, NULL, 0, NULL, NULL);
    CHECKF(!tg_json_skip_value(&r) && !tg_json_finish(&r) && r.error_count == 1,
           "NULL input");
    CHECKF(tg_str_utf8_length((tg_str){NULL, 0}) == 0, "utf8 length of NULL");
}

static void test_locale(void)
{
    static const double v[] = {0.1, 123.456, 1e-05, 1e+16, -2.5, 0.30000000000000004};
    static const char *const want[] = {"0.1", "123.456", "1e-05", "1e+16", "-2.5",
                                       "0.30000000000000004"};
    size_t i;
    if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") && !setlocale(LC_NUMERIC, "de_DE.utf8")) {
        /* Under ctest LOCPATH names the locale the build compiled: then
         * it must load.  Run by hand without it, the check is skipped. */
        CHECKF(!getenv("LOCPATH"), "de_DE.UTF-8 not loadable from LOCPATH=%s",
               getenv("LOCPATH") ? getenv("LOCPATH") : "");
        printf("note: de_DE.UTF-8 not available, locale test skipped\n");
        return;
    }
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        char buf[40];
        tg_json_writer w;
        tg_json_writer_init(&w, buf, sizeof buf);
        tg_json_write_double(&w, v[i]);
        CHECKF(w.len == strlen(want[i]) && memcmp(buf, want[i], w.len) == 0,
               "de: wrote %.*s, expected %s", (int)w.len, buf, want[i]);
    }
    printf("locale test ran under %s\n", setlocale(LC_NUMERIC, NULL));
    setlocale(LC_NUMERIC, "C");
}

/* Strings of random bytes (plain text, UTF-8 of every length, invalid
 * bytes, quotes, backslashes, control characters): the writer's two ways,
 * into a buffer with room for the worst case and into one just big enough
 * (every byte checked), must give the same text, length and error; a
 * buffer one byte short must keep the same prefix. */
static void test_string_paths(void)
{
    static const char *const pieces[] = {"a", "plain text ", "0123456789abcdef", "\"", "\\",
                                         "\n", "\x01", "\x1f", "\xc3\xa9", "\xe2\x82\xac",
                                         "\xf0\x9f\x98\x80", "\xc3", "\xff", "\xed\xa0\x80", "/"};
    unsigned long long x = 0x2545F4914F6CDD1DULL;
    int i;

    for (i = 0; i < 20000; i++) {
        char in[256], roomy[6 * 256 + 2], exact[6 * 256 + 2];
        size_t n = 0, parts;
        tg_json_writer a, b;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        for (parts = x % 24; parts > 0 && n < 200; parts--) {
            const char *p = pieces[(x >> (parts % 48)) % (sizeof pieces / sizeof pieces[0])];
            size_t k = strlen(p);
            memcpy(in + n, p, k);
            n += k;
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        }
        tg_json_writer_init(&a, roomy, 6 * n + 10); /* the fast path: worst case and 8 bytes of slack */
        tg_json_write_string(&a, (tg_str){in, n});
        tg_json_writer_init(&b, exact, a.len);
        tg_json_write_string(&b, (tg_str){in, n});
        CHECKF(a.len == b.len && a.error == b.error && memcmp(roomy, exact, a.len) == 0,
               "string %d (%zu bytes): roomy %zu bytes (error %d), exact %zu (error %d)", i, n,
               a.len, (int)a.error, b.len, (int)b.error);
        if (a.len > 0) {
            tg_json_writer_init(&b, exact, a.len - 1);
            tg_json_write_string(&b, (tg_str){in, n});
            CHECKF(b.len == a.len && memcmp(roomy, exact, a.len - 1) == 0,
                   "string %d: one byte short", i);
        }
    }
}

int main(void)
{
    test_rows();
    test_string_paths();
    test_null_views();
    test_locale();
    test_document();
    test_shortest_random();
    return check_done();
}
