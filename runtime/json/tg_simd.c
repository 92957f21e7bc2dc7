/*
 * tg_simd.c: the string kernels of tg_simd_int.h and the run-time choice
 * between them.  Every kernel answers the same question with the same byte
 * (see the header); the avx2 one is built with a target attribute only, so
 * the rest of the runtime keeps the build's baseline and the binary runs on
 * CPUs without AVX2.
 */
#include "tg_simd_int.h"
#include "tg_json.h"
#include "tg_json_skip_int.h"
#include "tg_text_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__)) && \
    defined(__SSE2__)
#define TG_SIMD_X86 1
#include <immintrin.h>
#else
#define TG_SIMD_X86 0
#endif

/* The first call of the string kernel makes the choice. */
static const char *choose_then_run(const char *p, const char *end)
{
    tg_simd_choose_();
    return tg_simd_string_run(p, end);
}

_Atomic int tg_simd_level_ = TG_SIMD_UNSET;
_Atomic(tg_simd_string_fn) tg_simd_string_run_ = choose_then_run;

/* ---- scalar ------------------------------------------------------------- */

/* Past bytes that are plain ASCII (not '"', '\\', < 0x20, >= 0x80). */
static const char *plain_ascii_scalar(const char *p, const char *end)
{
#if TG_TEXT_SWAR
    while (end - p >= 8) {
        uint64_t v, m;
        memcpy(&v, p, 8);
        m = tg_text_special_bytes(v);
        if (m)
            return p + (__builtin_ctzll(m) >> 3);
        p += 8;
    }
#endif
    while (p < end && (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x80 && *p != '"' &&
           *p != '\\')
        p++;
    return p;
}

/* From a byte that is not plain ASCII: past valid non-ASCII characters. */
static const char *utf8_run(const char *p, const char *end)
{
    while (p < end && (unsigned char)*p >= 0x80) {
        size_t k = tg_utf8_seq((const unsigned char *)p, (const unsigned char *)end);
        if (k == 0)
            return p;
        p += k;
    }
    return p;
}

const char *tg_simd_string_run_scalar(const char *p, const char *end)
{
    for (;;) {
        const char *s = plain_ascii_scalar(p, end);
        if (s == end || (unsigned char)*s < 0x80)
            return s;
        p = utf8_run(s, end);
        if (p == s) /* invalid */
            return p;
    }
}

/* ---- sse2 --------------------------------------------------------------- */

const char *tg_simd_string_run_sse2(const char *p, const char *end)
{
#if TG_SIMD_X86
    for (;;) {
        const char *s;
        while (end - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            unsigned m = tg_text_special_mask16(v);
            if (m) {
                p += __builtin_ctz(m);
                break;
            }
            p += 16;
        }
        s = plain_ascii_scalar(p, end);
        if (s == end || (unsigned char)*s < 0x80)
            return s;
        p = utf8_run(s, end);
        if (p == s)
            return p;
    }
#else
    return tg_simd_string_run_scalar(p, end);
#endif
}

/* ---- avx2 --------------------------------------------------------------- */

#if TG_SIMD_X86
#define TG_AVX2 __attribute__((target("avx2")))

/* Error bits of the look-up algorithm (byte 1 = the previous byte). */
#define TOO_SHORT (1u << 0)  /* 11______ 0_______ or 11______ 11______ */
#define TOO_LONG (1u << 1)   /* 0_______ 10______                      */
#define OVERLONG_3 (1u << 2) /* 11100000 100_____                      */
#define TOO_LARGE (1u << 3)  /* 11110100 1001____ and above            */
#define SURROGATE (1u << 4)  /* 11101101 101_____                      */
#define OVERLONG_2 (1u << 5) /* 1100000_ 10______                      */
#define TOO_LARGE_1000 (1u << 6) /* 11110101 1000____ and above        */
#define OVERLONG_4 (1u << 6)     /* 11110000 1000____                  */
#define TWO_CONTS (1u << 7)      /* 10______ 10______                  */
#define CARRY (TOO_SHORT | TOO_LONG | TWO_CONTS)

static TG_AVX2 inline __m256i table16(__m256i idx, const unsigned char t[16])
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)t);
    return _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(x), idx);
}

static TG_AVX2 inline __m256i high_nibbles(__m256i v)
{
    return _mm256_and_si256(_mm256_srli_epi16(v, 4), _mm256_set1_epi8(0x0F));
}

/* The bytes of `v` shifted by n places, the first n from the end of prev. */
#define PREV(v, prev, n) \
    _mm256_alignr_epi8((v), _mm256_permute2x128_si256((prev), (v), 0x21), 16 - (n))

/* Nonzero bytes where v (after prev) is not valid UTF-8. */
static TG_AVX2 inline __m256i utf8_errors(__m256i v, __m256i prev)
{
    static const unsigned char b1_high[16] = {
        TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
        TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS,
        TOO_SHORT | OVERLONG_2,
        TOO_SHORT,
        TOO_SHORT | OVERLONG_3 | SURROGATE,
        TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4};
    static const unsigned char b1_low[16] = {
        CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4,
        CARRY | OVERLONG_2,
        CARRY,
        CARRY,
        CARRY | TOO_LARGE,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE,
        CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000};
    static const unsigned char b2_high[16] = {
        TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
        TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4,
        TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE,
        TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
        TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
        TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT};
    __m256i prev1 = PREV(v, prev, 1);
    __m256i sc = _mm256_and_si256(
        _mm256_and_si256(table16(high_nibbles(prev1), b1_high),
                         table16(_mm256_and_si256(prev1, _mm256_set1_epi8(0x0F)), b1_low)),
        table16(high_nibbles(v), b2_high));
    /* A byte 2 or 3 places after a 3- or 4-byte lead must continue it. */
    __m256i third = _mm256_subs_epu8(PREV(v, prev, 2), _mm256_set1_epi8((char)(0xE0 - 0x80)));
    __m256i fourth = _mm256_subs_epu8(PREV(v, prev, 3), _mm256_set1_epi8((char)(0xF0 - 0x80)));
    __m256i must23 = _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8((char)0x80));
    return _mm256_xor_si256(must23, sc);
}

/* Nonzero when the last bytes of v start a sequence that v does not end. */
static TG_AVX2 inline __m256i incomplete_end(__m256i v)
{
    static const unsigned char max[32] = {
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        0xF0 - 1, 0xE0 - 1, 0xC0 - 1};
    return _mm256_subs_epu8(v, _mm256_loadu_si256((const __m256i *)(const void *)max));
}

/* Bit i set when byte i of v is '"', '\\' or < 0x20. */
static TG_AVX2 inline unsigned stop_mask32(__m256i v)
{
    __m256i ctrl = _mm256_cmpeq_epi8(_mm256_max_epu8(v, _mm256_set1_epi8(0x1F)),
                                     _mm256_set1_epi8(0x1F));
    __m256i s = _mm256_or_si256(
        _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('"')),
                        _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\'))),
        ctrl);
    return (unsigned)_mm256_movemask_epi8(s);
}

TG_AVX2 const char *tg_simd_string_run_avx2(const char *p, const char *end)
{
    /* 32 bytes of 0xFF then 32 of 0: loading at 32 - k keeps k bytes. */
    static const unsigned char keep[64] = {
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255};
    const char *start = p;
    __m256i prev = _mm256_setzero_si256(), err = _mm256_setzero_si256(),
            pending = _mm256_setzero_si256();

    for (;;) {
        __m256i v;
        unsigned stops;
        size_t left = (size_t)(end - p);
        if (left >= 32) {
            v = _mm256_loadu_si256((const __m256i *)(const void *)p);
        } else {
            /* The tail, padded with '"' (it stops the scan at `end`). */
            unsigned char tail[32];
            memset(tail, '"', sizeof tail);
            memcpy(tail, p, left);
            v = _mm256_loadu_si256((const __m256i *)(const void *)tail);
        }
        stops = stop_mask32(v);
        if (stops) {
            /* Validate only the bytes before the stop: the rest become
             * NUL (ASCII), so a sequence the stop cuts is too short. */
            unsigned k = (unsigned)__builtin_ctz(stops);
            v = _mm256_and_si256(v, _mm256_loadu_si256((const __m256i *)(const void *)(keep + 32 - k)));
            err = _mm256_or_si256(err, _mm256_movemask_epi8(v) ? utf8_errors(v, prev) : pending);
            if (!_mm256_testz_si256(err, err))
                return tg_simd_string_run_scalar(start, end); /* it says where */
            return p + k < end ? p + k : end;
        }
        if (_mm256_movemask_epi8(v)) {
            err = _mm256_or_si256(err, utf8_errors(v, prev));
            pending = incomplete_end(v);
        } else {
            err = _mm256_or_si256(err, pending);
            pending = _mm256_setzero_si256();
        }
        prev = v;
        p += 32;
    }
}

/* The writer's base64, 24 input bytes -> 32 characters per step (Mula and
 * Lemire, "Faster Base64 Encoding and Decoding Using AVX2 Instructions",
 * 2018): each 32-bit lane gets bytes 1,0,2,1 of its three, two multiplies
 * move the four 6-bit fields into bytes, and one table look-up by range
 * (A-Z, a-z, 0-9, '+', '/') turns them into characters.  Loads 16 bytes at
 * p and at p + 12, so it stops while 28 remain. */
TG_AVX2 size_t tg_simd_base64_avx2(char *out, const unsigned char *p, size_t n)
{
    const __m256i shuf = _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10, 1, 0,
                                          2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
    const __m256i shift = _mm256_setr_epi8(
        'a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
        '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0, 'a' - 26, '0' - 52, '0' - 52, '0' - 52,
        '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '+' - 62, '/' - 63,
        'A', 0, 0);
    size_t done = 0;

    while (n - done >= 28) {
        __m256i in = _mm256_inserti128_si256(
            _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)(p + done))),
            _mm_loadu_si128((const __m128i *)(const void *)(p + done + 12)), 1);
        __m256i t0, t1, t2, t3, idx, r;
        in = _mm256_shuffle_epi8(in, shuf);
        t0 = _mm256_and_si256(in, _mm256_set1_epi32(0x0fc0fc00));
        t1 = _mm256_mulhi_epu16(t0, _mm256_set1_epi32(0x04000040));
        t2 = _mm256_and_si256(in, _mm256_set1_epi32(0x003f03f0));
        t3 = _mm256_mullo_epi16(t2, _mm256_set1_epi32(0x01000010));
        idx = _mm256_or_si256(t1, t3);
        r = _mm256_subs_epu8(idx, _mm256_set1_epi8(51));
        r = _mm256_or_si256(r, _mm256_and_si256(_mm256_cmpgt_epi8(_mm256_set1_epi8(26), idx),
                                                _mm256_set1_epi8(13)));
        r = _mm256_add_epi8(_mm256_shuffle_epi8(shift, r), idx);
        _mm256_storeu_si256((__m256i *)(void *)(out + done / 3 * 4), r);
        done += 24;
    }
    return done;
}

/* The skipper's first pass (tg_json_skip.c): whether the 64 bytes at b,
 * after the 32 bytes at prev (zeros before the value), are valid UTF-8 so
 * far; *pending says whether they end inside a sequence (an error if the
 * next block is ASCII). */
TG_AVX2 bool tg_simd_utf8_block64_avx2_(const char *b, const unsigned char *prev, bool *pending)
{
    __m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)b);
    __m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)(b + 32));
    __m256i pv = _mm256_loadu_si256((const __m256i *)(const void *)prev);
    __m256i err = _mm256_or_si256(utf8_errors(v0, pv), utf8_errors(v1, v0));
    __m256i inc = incomplete_end(v1);
    *pending = !_mm256_testz_si256(inc, inc);
    return _mm256_testz_si256(err, err);
}
#else
const char *tg_simd_string_run_avx2(const char *p, const char *end)
{
    return tg_simd_string_run_scalar(p, end);
}

size_t tg_simd_base64_avx2(char *out, const unsigned char *p, size_t n)
{
    (void)out;
    (void)p;
    (void)n;
    return 0;
}

bool tg_simd_utf8_block64_avx2_(const char *b, const unsigned char *prev, bool *pending)
{
    (void)b, (void)prev, (void)pending;
    return false;
}
#endif

/* ---- the choice --------------------------------------------------------- */

int tg_simd_has(int level)
{
#if TG_SIMD_X86
    if (level == TG_SIMD_AVX2)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
                       __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("pclmul")
                   ? 1
                   : 0; /* everything the avx2 kernels' target attributes name */
    return level == TG_SIMD_SCALAR || level == TG_SIMD_SSE2;
#else
    return level == TG_SIMD_SCALAR;
#endif
}

static const char *const level_names[] = {"scalar", "sse2", "avx2"};

static void use_level(int level)
{
    static const tg_simd_string_fn kernels[] = {tg_simd_string_run_scalar,
                                                tg_simd_string_run_sse2,
                                                tg_simd_string_run_avx2};
    atomic_store_explicit(&tg_simd_string_run_, kernels[level], memory_order_relaxed);
    atomic_store_explicit(&tg_simd_level_, level, memory_order_relaxed);
}

static int best_level(void)
{
    return tg_simd_has(TG_SIMD_AVX2) ? TG_SIMD_AVX2 : tg_simd_has(TG_SIMD_SSE2) ? TG_SIMD_SSE2
                                                                               : TG_SIMD_SCALAR;
}

static int level_named(const char *name)
{
    int l;
    for (l = TG_SIMD_SCALAR; l <= TG_SIMD_AVX2; l++)
        if (strcmp(name, level_names[l]) == 0)
            return l;
    return -1;
}

int tg_simd_choose_(void)
{
    const char *env = getenv("TOPICGEN_SIMD");
    int l = env && *env ? level_named(env) : -1;
    if (l < 0 || !tg_simd_has(l))
        l = best_level(); /* an unknown or unavailable name: the best */
    use_level(l);
    return l;
}

const char *tg_json_simd(void) { return level_names[tg_simd_level()]; }

bool tg_json_simd_set(const char *level)
{
    int l = level && *level ? level_named(level) : best_level();
    if (l < 0 || !tg_simd_has(l))
        return false;
    use_level(l);
    return true;
}
