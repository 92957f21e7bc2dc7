/*
 * json_simd_fuzz.c: fuzz target json_simd (docs/security.md).  The input is
 * read at every SIMD level this CPU has (scalar, sse2, avx2:
 * runtime/json/tg_simd.c): each string kernel must stop at the same byte of
 * it, and the reader (skip, then object of strings) must give the same
 * verdict, first error and strings at every level (the skipper's structural
 * index included: sse2 and avx2 list the same positions, tg_json_skip.c).
 * The input is also read as a string body ('"' input '"'): at every level
 * the reader's value (its escapes decoded in the validating pass) must
 * match a plain reference (tests/json/unescape_diff.h), with an ample arena
 * and one of exactly the decoded length and one byte less (the document and
 * each arena in heap buffers of exactly their size, so that a read past the
 * input is seen too; an error's reason and path as the scalar level's
 * checked path words them).  The writer
 * writes the input as a string, decimal, timestamp and base64 bytes at
 * every level, with room for its fast paths and with exactly the bytes
 * needed (its bounded path; one byte less for base64, whose fast path
 * needs no more): all must agree.  Any difference aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../json/simd_diff.h"
#include "../json/unescape_diff.h"
#include "tg_json_skip_int.h"
#include "tg_simd_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the writer makes of data as value kind k into a fresh heap buffer
 * (caller frees): with cap 6 * size + 10 (room for the fast paths) when
 * exact_cap is 0, else with cap exact_cap. */
static char *write_kind(int k, const uint8_t *data, size_t size, size_t exact_cap, size_t *len,
                        tg_json_code *error)
{
    size_t cap = exact_cap ? exact_cap : 6 * size + 10;
    char *buf = malloc(cap);
    tg_str s = {(const char *)data, size};
    tg_json_writer w;
    if (!buf)
        abort();
    tg_json_writer_init(&w, buf, cap);
    if (k == 0)
        tg_json_write_string(&w, s);
    else if (k == 1)
        tg_json_write_decimal(&w, s);
    else if (k == 2)
        tg_json_write_timestamp(&w, s);
    else
        tg_json_write_bytes(&w, (tg_bytes){data, size});
    *len = w.len;
    *error = w.error;
    return buf;
}

/* The writer at the current level against want[0..want_len) (scalar). */
static void writer_same(const uint8_t *data, size_t size, int k, const char *want,
                        size_t want_len, tg_json_code want_error, const char *level)
{
    /* Exactly the bytes needed is the bounded path for text (its fast path
     * wants room for the worst case); base64 needs one byte less for it. */
    size_t cap = k == 3 && want_len > 1 ? want_len - 1 : want_len ? want_len : 1;
    size_t len[2], seen[2] = {want_len, cap < want_len ? cap : want_len};
    tg_json_code error[2];
    char *got[2];
    got[0] = write_kind(k, data, size, 0, &len[0], &error[0]);
    got[1] = write_kind(k, data, size, cap, &len[1], &error[1]);
    for (int i = 0; i < 2; i++)
        if (len[i] != want_len || (seen[i] == want_len && error[i] != want_error) ||
            memcmp(got[i], want, seen[i]) != 0) {
            fprintf(stderr, "json_simd: the writer (kind %d, %s, %s path) differs\n", k, level,
                    i ? "bounded" : "fast");
            abort();
        }
    free(got[0]);
    free(got[1]);
}

/* The skipper's index of doc[0..size) by one kernel: the positions into
 * out (the count is returned; at most 64 per input byte), *failed. */
static size_t skip_index(int level, const char *doc, size_t size, uint32_t *out, size_t cap,
                         bool *failed)
{
    static tg_skip_scan_ sc;
    size_t n = 0, k;
    tg_skip_init_(&sc, doc, doc + size);
    while ((k = level == TG_SIMD_AVX2 ? tg_skip_fill_avx2_(&sc) : tg_skip_fill_sse2_(&sc)) > 0) {
        if (n + k > cap)
            abort(); /* more positions than bytes */
        memcpy(out + n, sc.pos, k * sizeof *out);
        n += k;
    }
    *failed = sc.failed;
    return n;
}

/* sse2 and avx2 index the input alike (when the CPU has avx2). */
static void skip_index_same(const char *doc, size_t size)
{
    static uint32_t a[1 << 16], b[1 << 16];
    bool fa, fb;
    size_t na, nb;
    if (!tg_simd_has(TG_SIMD_AVX2) || size > (1 << 16))
        return;
    na = skip_index(TG_SIMD_SSE2, doc, size, a, 1 << 16, &fa);
    nb = skip_index(TG_SIMD_AVX2, doc, size, b, 1 << 16, &fb);
    if (fa != fb || (!fa && (na != nb || memcmp(a, b, na * sizeof *a) != 0))) {
        fprintf(stderr, "json_simd: the skipper's index differs: sse2 %zu%s, avx2 %zu%s\n", na,
                fa ? " (anomaly)" : "", nb, fb ? " (anomaly)" : "");
        abort();
    }
}

/* data as a string body, read at the level in use (see the top). */
static void check_as_string(const uint8_t *data, size_t size, const char *level)
{
    static char doc[UNESCAPE_MAX + 2]; /* read through exact copies (unescape_read) */
    static unescape_outcome ref;
    size_t n = size < UNESCAPE_MAX ? size : UNESCAPE_MAX;
    size_t caps[5], nc = 0;
    doc[0] = '"';
    memcpy(doc + 1, data, n);
    doc[n + 1] = '"';
    unescape_ref(doc, n + 2, &ref);
    unescape_wording(doc, n + 2, &ref);
    caps[nc++] = 2 * n + 64;
    caps[nc++] = n + 1; /* the least room for the unchecked decoding (tg_json_read.c) */
    caps[nc++] = n;     /* and one byte less: the checked one */
    if (ref.ok && ref.escaped) {
        caps[nc++] = ref.len;
        caps[nc++] = ref.len - 1; /* an escape decodes to one byte at least */
    }
    for (size_t i = 0; i < nc; i++) {
        const char *why = unescape_same(doc, n + 2, caps[i], 0, &ref);
        if (why) {
            fprintf(stderr, "json_simd: string read at %s, arena %zu: %s\n", level, caps[i], why);
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[3] = {"scalar", "sse2", "avx2"};
    static const tg_simd_string_fn kernels[3] = {
        tg_simd_string_run_scalar, tg_simd_string_run_sse2, tg_simd_string_run_avx2};
    const char *doc = (const char *)data, *end = doc + size;
    simd_diff_outcome o[3];
    int levels = 0;

    for (int l = 0; l < 3; l++)
        if (tg_simd_has(l))
            levels = l + 1;
    /* The kernels from every start (a string body may begin anywhere). */
    for (size_t at = 0; at <= size && at < 64; at++) {
        const char *want = kernels[0](doc + at, end);
        for (int l = 1; l < levels; l++)
            if (kernels[l](doc + at, end) != want) {
                fprintf(stderr, "json_simd: %s kernel stops elsewhere than scalar (from %zu)\n",
                        names[l], at);
                abort();
            }
    }
    skip_index_same(doc, size);
    for (int l = 0; l < levels; l++) {
        if (!tg_json_simd_set(names[l]))
            abort();
        simd_diff_read(doc, size, &o[l]);
        check_as_string(data, size, names[l]);
    }
    for (int k = 0; k < 4; k++) {
        size_t want_len;
        tg_json_code want_error;
        char *want;
        if (!tg_json_simd_set("scalar"))
            abort();
        want = write_kind(k, data, size, 0, &want_len, &want_error);
        for (int l = 0; l < levels; l++) {
            if (!tg_json_simd_set(names[l]))
                abort();
            writer_same(data, size, k, want, want_len, want_error, names[l]);
        }
        free(want);
    }
    tg_json_simd_set(NULL);
    for (int l = 1; l < levels; l++)
        if (!simd_diff_same(&o[0], &o[l])) {
            fprintf(stderr, "json_simd: the reader at %s differs from scalar: %s / %s\n", names[l],
                    o[l].count ? o[l].first.reason : "ok", o[0].count ? o[0].first.reason : "ok");
            abort();
        }
    return 0;
}
