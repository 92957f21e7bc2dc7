/*
 * simd_test.c (ctest json_simd): the reader's string kernels (scalar, sse2,
 * avx2: runtime/json/tg_simd.c) give the same answer, byte for byte, and
 * whole documents read the same at every level.
 *
 *   kernels    every byte pair at the edges of 16- and 32-byte blocks,
 *              every three-byte sequence after a lead byte across the
 *              32-byte edge;
 *              200,000 random strings of valid UTF-8 (1- to 4-byte
 *              characters, quotes, backslashes, control bytes) and of
 *              invalid UTF-8 (random bytes, cut, overlong, surrogate and
 *              too large sequences) at every length up to 200
 *   documents  every one-byte edit (all 256 values) of sample documents
 *              (unicode-heavy, escape-heavy, free-form) read at each level:
 *              same verdict, error code, offset, path and reason
 *   choice     tg_json_simd_set refuses unknown names and levels the CPU
 *              lacks; TOPICGEN_SIMD picks the level at the first use
 * Levels the CPU lacks (avx2) are reported and left out, not failed.
 * Bounded: a few seconds.
 */
#include "check.h"
#include "splitmix.h"
#include "tg_json.h"
#include "tg_simd_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef const char *(*kernel)(const char *, const char *);
static const kernel kernels[3] = {tg_simd_string_run_scalar, tg_simd_string_run_sse2,
                                  tg_simd_string_run_avx2};
static const char *const names[3] = {"scalar", "sse2", "avx2"};
static int nlevels; /* levels this CPU has: 2 or 3 */
static unsigned long compared;

static uint64_t g_rng = 0x243F6A8885A308D3u;
static uint64_t rnd(void) { return tg_test_splitmix(&g_rng); }

/* Every kernel on s[0..n) must stop at the same byte.  heap: in a heap
 * copy of exactly n bytes, so that reading past the end is caught (ASan). */
static bool same_in(const char *s, size_t n, int line, bool heap)
{
    char *heap_copy = heap ? malloc(n ? n : 1) : NULL;
    const char *copy = s, *want;
    bool ok = true;
    if (heap_copy) {
        memcpy(heap_copy, s, n);
        copy = heap_copy;
    }
    want = kernels[0](copy, copy + n);
    for (int l = 1; l < nlevels; l++) {
        const char *got = kernels[l](copy, copy + n);
        if (got != want) {
            check_fail(__FILE__, line, "%s stops at %td, scalar at %td (length %zu)", names[l],
                       got - copy, want - copy, n);
            ok = false;
        }
    }
    compared++;
    free(heap_copy);
    return ok;
}

static bool same(const char *s, size_t n, int line) { return same_in(s, n, line, true); }

static void test_exhaustive(void)
{
    static const size_t at[] = {0, 14, 15, 30, 31, 33};
    char buf[72];
    unsigned failures = 0;

    /* Every byte pair at block edges, in plain ASCII. */
    for (size_t k = 0; k < sizeof at / sizeof at[0]; k++)
        for (unsigned a = 0; a < 256; a++)
            for (unsigned b = 0; b < 256; b++) {
                memset(buf, 'a', sizeof buf);
                buf[at[k]] = (char)a;
                buf[at[k] + 1] = (char)b;
                failures += !same_in(buf, sizeof buf, __LINE__, false);
                failures += !same(buf, at[k] + 2, __LINE__); /* at the end */
                if (failures > 20)
                    return;
            }
    /* Every three-byte sequence after a lead byte (stray continuation
     * bytes are covered by the pairs), across the 32-byte edge, followed
     * by a fourth byte that continues or not. */
    for (unsigned a = 0xC0; a < 256; a++)
        for (unsigned b = 0; b < 256; b++)
            for (unsigned c = 0; c < 256; c++) {
                memset(buf, 'a', sizeof buf);
                buf[30] = (char)a;
                buf[31] = (char)b;
                buf[32] = (char)c;
                buf[33] = (char)(c & 1 ? 0x80 | (b & 0x3F) : 'z');
                failures += !same_in(buf, sizeof buf, __LINE__, false);
                if (failures > 20)
                    return;
            }
}

/* A random character: ASCII (now and then '"', '\\' or a control byte)
 * or a valid 2-, 3- or 4-byte sequence. */
static size_t random_char(char *o)
{
    unsigned kind = (unsigned)(rnd() % 16);
    uint32_t cp;
    if (kind == 0)
        return o[0] = "\"\\\x01\x1f\n"[rnd() % 5], 1;
    if (kind < 6)
        return o[0] = (char)(0x20 + rnd() % 0x5F), 1;
    if (kind < 9)
        cp = 0x80 + (uint32_t)(rnd() % (0x800 - 0x80));
    else if (kind < 13) {
        do
            cp = 0x800 + (uint32_t)(rnd() % (0x10000 - 0x800));
        while (cp >= 0xD800 && cp <= 0xDFFF);
    } else
        cp = 0x10000 + (uint32_t)(rnd() % (0x110000 - 0x10000));
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static void test_random(void)
{
    static const char *const bad[] = {"\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xED\xA0\x80",
                                      "\xED\xBF\xBF", "\xF0\x80\x80\xAF", "\xF4\x90\x80\x80",
                                      "\xF5\x80\x80\x80", "\xFF", "\x80", "\xE2\x82", "\xF0\x9F\x98"};
    char buf[260];
    unsigned failures = 0;
    for (int i = 0; i < 200000 && failures < 20; i++) {
        size_t n = 0, want = (size_t)(rnd() % 201);
        bool plain = i % 2 == 0; /* half without stops: long runs */
        while (n + 4 <= want) {
            size_t k = random_char(buf + n);
            if (plain && k == 1 && (buf[n] == '"' || buf[n] == '\\' || (unsigned char)buf[n] < 0x20))
                buf[n] = 'q';
            n += k;
        }
        if (i % 4 == 1 && n) /* one random byte somewhere */
            buf[rnd() % n] = (char)(rnd() & 0xFF);
        if (i % 4 == 3 && n + 4 < sizeof buf) { /* one invalid sequence */
            const char *b = bad[rnd() % (sizeof bad / sizeof bad[0])];
            size_t at = n ? (size_t)(rnd() % n) : 0, bl = strlen(b);
            memmove(buf + at + bl, buf + at, n - at);
            memcpy(buf + at, b, bl);
            n += bl;
        }
        if (i % 8 == 5 && n) /* cut at a random byte */
            n = (size_t)(rnd() % n);
        failures += !same(buf, n, __LINE__);
    }
}

/* ---- whole documents ------------------------------------------------------ */

#include "simd_diff.h"

static void test_documents(void)
{
    static const char *const docs[] = {
        "{\"name\":\"Ren\xC3\xA9" "e \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80 caf\xC3\xA9 "
        "\xD0\xBA\xD0\xBE\xD1\x82 \xED\x95\x9C\xEA\xB5\xAD\",\"city\":\"M\xC3\xBC" "nchen "
        "\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC long enough to cross a 32-byte block edge\","
        "\"k\xC3\xA9y\":\"\xCE\xA9\",\"x\":\"plain ascii text that runs for quite a few blocks "
        "of sixteen and thirty-two bytes\"}",
        "{\"note\":\"a \\\"quoted\\\" word\\nnew line\\ttab \\\\ back\\/slash \\u00e9\\u4e2d"
        "\\ud83d\\ude00 end\",\"b\":\"\\b\\f\\r\",\"k\\u00e9y\":\"x\\u0041y\",\"c\":\"\"}",
        "{\"data\":{\"items\":[{\"id\":1,\"name\":\"alpha bravo\",\"tags\":[\"x\",\"y\"],"
        "\"nested\":{\"a\":null,\"b\":[1,2.5e3,-0],\"c\":\"x\\ny \xC3\xA9\"}},true,false],"
        "\"s\":\"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE3\x83\x86\xE3\x82\xAD"
        "\xE3\x82\xB9\xE3\x83\x88\"}, \"t\" : \"   spaced   \" }",
    };
    static char doc[1024];
    unsigned failures = 0;
    for (size_t d = 0; d < sizeof docs / sizeof docs[0]; d++) {
        size_t n = strlen(docs[d]);
        for (size_t pos = 0; pos <= n && failures < 10; pos++)
            for (unsigned v = 0; v < 256 + 2 && failures < 10; v++) {
                simd_diff_outcome o[3];
                size_t len = n;
                memcpy(doc, docs[d], n);
                if (v < 256 && pos < n) {
                    doc[pos] = (char)v; /* replace */
                } else if (v == 256 && pos < n) {
                    memmove(doc + pos, doc + pos + 1, n - pos - 1); /* delete */
                    len = n - 1;
                } else if (v == 257) {
                    len = pos; /* cut */
                } else {
                    continue;
                }
                for (int l = 0; l < nlevels; l++) {
                    CHECKF(tg_json_simd_set(names[l]), "level %s", names[l]);
                    simd_diff_read(doc, len, &o[l]);
                }
                for (int l = 1; l < nlevels; l++)
                    if (!simd_diff_same(&o[0], &o[l])) {
                        failures++;
                        check_fail(__FILE__, __LINE__,
                                   "doc %zu, byte %zu = %u: %s differs from scalar (%s %s / %s %s)",
                                   d, pos, v, names[l], o[l].count ? o[l].first.path : "ok",
                                   o[l].first.reason, o[0].count ? o[0].first.path : "ok",
                                   o[0].first.reason);
                    }
                compared++;
            }
    }
    tg_json_simd_set(NULL);
}

static char g_first[16]; /* the level chosen at the first use */

static void test_choice(void)
{
    CHECKF(!tg_json_simd_set("neon"), "an unknown level is refused");
    CHECKF(tg_json_simd_set("scalar") && strcmp(tg_json_simd(), "scalar") == 0, "scalar");
    CHECKF(tg_json_simd_set("sse2") == (tg_simd_has(TG_SIMD_SSE2) != 0), "sse2 as the CPU has it");
    CHECKF(tg_json_simd_set("avx2") == (tg_simd_has(TG_SIMD_AVX2) != 0), "avx2 as the CPU has it");
    CHECKF(tg_json_simd_set(NULL), "the best level");
    /* TOPICGEN_SIMD, when the test runs with it (ctest json_simd_env). */
    {
        const char *env = getenv("TG_TEST_EXPECT_SIMD");
        if (env)
            CHECKF(strcmp(env, g_first) == 0, "TOPICGEN_SIMD chose %s, expected %s", g_first, env);
    }
}

int main(void)
{
    /* The level TOPICGEN_SIMD chose, before anything sets one. */
    snprintf(g_first, sizeof g_first, "%s", tg_json_simd());
    nlevels = tg_simd_has(TG_SIMD_AVX2) ? 3 : tg_simd_has(TG_SIMD_SSE2) ? 2 : 1;
    printf("levels compared: %d (first chosen: %s)\n", nlevels, g_first);
    if (nlevels < 3)
        printf("note: this CPU has no AVX2: the avx2 kernel is not compared here\n");
    test_choice();
    if (getenv("TG_TEST_EXPECT_SIMD")) /* the env run checks the choice only */
        return check_done();
    test_exhaustive();
    test_random();
    test_documents();
    printf("%lu comparisons\n", compared);
    return check_done();
}
