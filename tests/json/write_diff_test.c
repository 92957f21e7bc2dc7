/*
 * write_diff_test.c (ctest json_write_diff): the writer's fast paths (a
 * buffer with room for the worst case: word stores, escape table, SIMD
 * kernels, AVX2 base64) against its bounded path (a buffer of exactly the
 * size needed: every byte checked) and against a plain reference written
 * here, at every kernel level the CPU has (scalar, sse2, avx2).
 *
 *   strings    every one-byte edit (all 256 values) of representative
 *              strings (ASCII, unicode-heavy, escape-heavy), every prefix
 *              of them (block edges), 30,000 random strings of valid and
 *              invalid UTF-8, quotes, backslashes and control bytes
 *   decimals, timestamps  every one-byte edit of sample values
 *   bytes      base64 of random bytes at every length up to 300
 *   uuids      every byte value at every position, and random ones
 * Inputs and fast-path buffers are heap copies of exactly their size, so a
 * read or write past either end is caught under ASan.  Bounded: seconds.
 */
#include "check.h"
#include "splitmix.h"
#include "tg_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t g_rng = 0x9E3779B97F4A7C15u;
static uint64_t rnd(void) { return tg_test_splitmix(&g_rng); }

/* Length of the well-formed UTF-8 sequence at s (Unicode table 3-7), or 0. */
static size_t ref_utf8(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t k, i;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        k = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        k = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
        k = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
        return 0;
    if (n < k || s[1] < lo || s[1] > hi)
        return 0;
    for (i = 2; i < k; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return k;
}

/* The reference: the JSON string of s[0..n) into out; *bad when invalid
 * UTF-8 (its bytes are copied, as the writer does).  Returns the length. */
static size_t ref_string(const unsigned char *s, size_t n, char *out, bool *bad)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0, o = 0, k;
    *bad = false;
    out[o++] = '"';
    while (i < n) {
        unsigned char c = s[i];
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
            i++;
        } else if (c < 0x20) {
            const char *named = c == '\b' ? "b" : c == '\f' ? "f" : c == '\n' ? "n" : c == '\r' ? "r"
                                : c == '\t' ? "t" : NULL;
            out[o++] = '\\';
            if (named) {
                out[o++] = named[0];
            } else {
                memcpy(out + o, "u00", 3);
                o += 3;
                out[o++] = hex[c >> 4];
                out[o++] = hex[c & 15];
            }
            i++;
        } else if (c < 0x80) {
            out[o++] = (char)s[i++];
        } else if ((k = ref_utf8(s + i, n - i)) != 0) {
            memcpy(out + o, s + i, k);
            o += k;
            i += k;
        } else {
            *bad = true;
            out[o++] = (char)s[i++];
        }
    }
    out[o++] = '"';
    return o;
}

enum kind { K_STRING, K_DECIMAL, K_TIMESTAMP };

static void write_kind(tg_json_writer *w, enum kind k, tg_str s)
{
    if (k == K_STRING)
        tg_json_write_string(w, s);
    else if (k == K_DECIMAL)
        tg_json_write_decimal(w, s);
    else
        tg_json_write_timestamp(w, s);
}

static unsigned long g_checked;

/* Write s as kind k three ways: into a heap buffer of exactly the fast
 * path's size (6n + 10), into exactly the bytes needed (bounded path) and
 * measuring (cap 0).  All must agree; strings must equal the reference. */
static void check_value(enum kind k, const char *s, size_t n, const char *level)
{
    char *in = malloc(n ? n : 1), *roomy = malloc(6 * n + 10), *exact, *want = malloc(6 * n + 2);
    tg_json_writer a, b, c;
    bool bad;
    size_t want_len = ref_string((const unsigned char *)s, n, want, &bad);

    if (!in || !roomy || !want)
        abort();
    memcpy(in, s, n);
    tg_json_writer_init(&a, roomy, 6 * n + 10);
    write_kind(&a, k, (tg_str){in, n});
    exact = malloc(a.len ? a.len : 1);
    if (!exact)
        abort();
    tg_json_writer_init(&b, exact, a.len);
    write_kind(&b, k, (tg_str){in, n});
    tg_json_writer_init(&c, NULL, 0);
    write_kind(&c, k, (tg_str){in, n});
    CHECKF(a.len == b.len && a.len == c.len && a.error == b.error && a.error == c.error &&
               memcmp(roomy, exact, a.len) == 0,
           "%s kind %d '%.*s' (%zu bytes): fast path %zu bytes (%s), bounded %zu (%s), measured %zu",
           level, (int)k, (int)n, s, n, a.len, tg_json_code_name(a.error), b.len,
           tg_json_code_name(b.error), c.len);
    if (k == K_STRING)
        CHECKF(a.len == want_len && memcmp(roomy, want, want_len) == 0 &&
                   (a.error != TG_JSON_OK) == bad,
               "%s string '%.*s' (%zu bytes): differs from the reference", level, (int)n, s, n);
    g_checked++;
    free(in);
    free(roomy);
    free(exact);
    free(want);
}

/* Every one-byte edit (all 256 values) and every prefix of s. */
static void check_edits(enum kind k, const char *s, const char *level)
{
    char buf[256];
    size_t n = strlen(s), i;
    int v;
    for (i = 0; i <= n; i++)
        check_value(k, s, i, level);
    for (i = 0; i < n; i++) {
        memcpy(buf, s, n);
        for (v = 0; v < 256; v++) {
            buf[i] = (char)v;
            check_value(k, buf, n, level);
        }
    }
}

static void check_random_strings(const char *level)
{
    static const char *const pieces[] = {"a", "plain ascii text", "\"", "\\", "\n", "\x01", "\x1f",
                                         "\x7f", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                         "\xd0\xbf\xd1\x80", "\xe6\x97\xa5", "\xc3", "\xff",
                                         "\xed\xa0\x80", "\xe0\x80\xaf", "\xf4\x90\x80\x80"};
    char buf[160];
    int i;
    for (i = 0; i < 10000; i++) {
        size_t n = 0, want = rnd() % 120;
        uint64_t mode = rnd() % 3;
        while (n < want) {
            if (mode == 0) { /* random bytes */
                buf[n++] = (char)rnd();
            } else {
                const char *p = pieces[rnd() % (sizeof pieces / sizeof pieces[0])];
                size_t k = strlen(p);
                if (mode == 2 && rnd() % 4) /* mostly plain */
                    p = "abcdefghijklmnop", k = 1 + rnd() % 16;
                if (n + k > sizeof buf)
                    break;
                memcpy(buf + n, p, k);
                n += k;
            }
        }
        check_value(K_STRING, buf, n, level);
    }
}

static void ref_base64(const unsigned char *p, size_t n, char *out, size_t *len)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, o = 0;
    out[o++] = '"';
    for (i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        out[o++] = abc[v >> 18];
        out[o++] = abc[v >> 12 & 63];
        out[o++] = i + 1 < n ? abc[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? abc[v & 63] : '=';
    }
    out[o++] = '"';
    *len = o;
}

static void check_base64(const char *level)
{
    unsigned char src[300];
    char want[410];
    size_t n, i, want_len;
    int round;
    for (round = 0; round < 4; round++)
        for (n = 0; n <= sizeof src; n++) {
            unsigned char *in = malloc(n ? n : 1);
            char *out, *small;
            tg_json_writer w;
            if (!in)
                abort();
            for (i = 0; i < n; i++)
                src[i] = round == 0 ? (unsigned char)i : round == 1 ? 0xFF : (unsigned char)rnd();
            memcpy(in, src, n);
            ref_base64(src, n, want, &want_len);
            out = malloc(want_len);
            small = malloc(want_len);
            if (!out || !small)
                abort();
            tg_json_writer_init(&w, out, want_len); /* exactly enough: the fast path */
            tg_json_write_bytes(&w, (tg_bytes){in, n});
            CHECKF(w.len == want_len && memcmp(out, want, want_len) == 0 && w.error == TG_JSON_OK,
                   "%s base64 of %zu bytes (round %d)", level, n, round);
            tg_json_writer_init(&w, small, want_len - 1); /* one short: the bounded path */
            tg_json_write_bytes(&w, (tg_bytes){in, n});
            CHECKF(w.len == want_len && memcmp(small, want, want_len - 1) == 0,
                   "%s base64 of %zu bytes, one byte short (round %d)", level, n, round);
            g_checked += 2;
            free(in);
            free(out);
            free(small);
        }
}

/* uuids (SSE2 digits on x86-64): every byte value at every position and
 * random ones, against a plain formatter. */
static void check_uuids(void)
{
    static const char digits[] = "0123456789abcdef";
    int round, i;
    for (round = 0; round < 16 * 256 + 5000; round++) {
        tg_uuid u;
        char want[38], got[38];
        size_t o = 0;
        tg_json_writer w;
        for (i = 0; i < 16; i++)
            u.bytes[i] = (unsigned char)(round < 16 * 256 ? (i == round / 256 ? round % 256 : 0x5a)
                                                          : (int)(rnd() & 255));
        want[o++] = '"';
        for (i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10)
                want[o++] = '-';
            want[o++] = digits[u.bytes[i] >> 4];
            want[o++] = digits[u.bytes[i] & 15];
        }
        want[o++] = '"';
        tg_json_writer_init(&w, got, sizeof got);
        tg_json_write_uuid(&w, &u);
        CHECKF(w.len == sizeof want && memcmp(got, want, sizeof want) == 0,
               "uuid round %d: '%.*s', expected '%.38s'", round, (int)w.len, got, want);
        g_checked++;
    }
}

int main(void)
{
    static const char *const levels[] = {"scalar", "sse2", "avx2"};
    static const char *const strings[] = {
        "Order 12345 for Ana Lima",
        "caf\xc3\xa9 na\xc3\xafve \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xd1\x82\xd0\xb5\xd0\xba\xd1\x81\xd1\x82 \xf0\x9f\x98\x80 end",
        "line1\nline2\t\"quoted\" back\\slash \x01\x1f ok",
        "0123456789abcdef0123456789ABCDEF0123456789abcdef\xc3\xa9",
    };
    static const char *const decimals[] = {"-12345.678e+10", "0.5", "19.99"};
    static const char *const timestamps[] = {"2024-02-29T23:59:60.123456789+05:30",
                                             "2026-12-06T03:00:00Z"};
    size_t i, l;

    for (l = 0; l < 3; l++) {
        if (!tg_json_simd_set(levels[l])) {
            printf("json_write_diff: level %s not available on this CPU, left out\n", levels[l]);
            continue;
        }
        for (i = 0; i < sizeof strings / sizeof strings[0]; i++)
            check_edits(K_STRING, strings[i], levels[l]);
        for (i = 0; i < sizeof decimals / sizeof decimals[0]; i++)
            check_edits(K_DECIMAL, decimals[i], levels[l]);
        for (i = 0; i < sizeof timestamps / sizeof timestamps[0]; i++)
            check_edits(K_TIMESTAMP, timestamps[i], levels[l]);
        check_random_strings(levels[l]);
        check_base64(levels[l]);
    }
    check_uuids();
    printf("json_write_diff: %lu values compared\n", g_checked);
    return check_done();
}
