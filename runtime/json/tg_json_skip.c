/*
 * tg_json_skip.c: the skipper's first pass, the structural index of
 * tg_json_skip_int.h, in two kernels (sse2, avx2) chosen at run time.
 *
 * Both kernels classify a 64-byte block into the same masks and hand them
 * to tg_skip_block_ (the header), so their indexes are the same by
 * construction; they differ in how the masks are made and how UTF-8 is
 * checked: sse2 asks tg_utf8_seq about each non-ASCII character (the
 * scalar rule), avx2 checks the whole block by vector look-ups
 * (tg_simd_utf8_block64_avx2_ in tg_simd.c).  An ASCII block takes neither.
 * The avx2 kernel has a target attribute only (avx2, popcnt, bmi, pclmul:
 * tg_simd_has(TG_SIMD_AVX2) checks all four): the binary runs on CPUs
 * without them, and at the scalar level (and off x86) the skipper does not
 * use this file.  Invariants: no read outside [start, end) (the short last
 * block is copied into a local buffer padded with spaces), no allocation.
 */
#include "tg_json_skip_int.h"
#include "tg_json.h"
#include "tg_simd_int.h"
#include "tg_text_int.h"

#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__)) && \
    defined(__SSE2__)
#define TG_SKIP_X86 1
#include <immintrin.h>
#else
#define TG_SKIP_X86 0
#endif

void tg_skip_init_(tg_skip_scan_ *s, const char *start, const char *end)
{
    s->start = s->p = s->utf8_done = start;
    s->end = end;
    s->in_string = s->escaped = s->scalar = 0;
    memset(s->utf8_prev, 0, sizeof s->utf8_prev);
    s->utf8_pending = false;
    s->failed = false;
    s->blocks = 1;
}

#if TG_SKIP_X86

/* The next block's 64 bytes: the input itself, or the short tail copied
 * into `tail` after spaces (whitespace: it adds nothing to the index), or
 * NULL at the end of the input. */
static const char *next_block(const tg_skip_scan_ *s, char tail[64])
{
    size_t left = (size_t)(s->end - s->p);
    if (left >= 64)
        return s->p;
    if (left == 0)
        return NULL;
    memset(tail, ' ', 64);
    memcpy(tail, s->p, left);
    return tail;
}

/* After a block: step past it; the next fill takes twice as many blocks
 * (a small value costs one block, a big one large batches). */
static void block_done(tg_skip_scan_ *s, const char *blk, const char *tail)
{
    s->p = blk == tail ? s->end : s->p + 64;
}

static size_t fill_end(tg_skip_scan_ *s, size_t n)
{
    if (s->p == s->end && s->utf8_pending) /* avx2: the input ends inside a character */
        s->failed = true;
    if (s->blocks < TG_SKIP_BLOCKS)
        s->blocks *= 2;
    return n;
}


/* ---- sse2 --------------------------------------------------------------- */

static inline uint64_t eq16(__m128i v, char c)
{
    return (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
}

static void masks_sse2(const char *b, tg_skip_masks_ *m, uint64_t *nonascii)
{
    int i;
    memset(m, 0, sizeof *m);
    *nonascii = 0;
    for (i = 0; i < 4; i++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + 16 * (size_t)i));
        __m128i v20 = _mm_or_si128(v, _mm_set1_epi8(0x20));
        __m128i ctrl = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1F)), _mm_set1_epi8(0x1F));
        unsigned sh = 16u * (unsigned)i;
        m->quote |= eq16(v, '"') << sh;
        m->backslash |= eq16(v, '\\') << sh;
        m->ws |= (eq16(v, ' ') | eq16(v, '\t') | eq16(v, '\n') | eq16(v, '\r')) << sh;
        m->op |= (eq16(v20, '{') | eq16(v20, '}') | eq16(v, ',') | eq16(v, ':')) << sh;
        m->ctrl |= (uint64_t)(unsigned)_mm_movemask_epi8(ctrl) << sh;
        *nonascii |= (uint64_t)(unsigned)_mm_movemask_epi8(v) << sh;
    }
}

/* The non-ASCII bytes of the block at `real` (in the input), by the scalar
 * rule: each sequence from its first byte, once. */
static bool utf8_scalar(tg_skip_scan_ *s, const char *real, uint64_t nonascii)
{
    while (nonascii) {
        const char *c = real + __builtin_ctzll(nonascii);
        size_t k;
        nonascii &= nonascii - 1;
        if (c < s->utf8_done)
            continue;
        k = tg_utf8_seq((const unsigned char *)c, (const unsigned char *)s->end);
        if (k == 0)
            return false;
        s->utf8_done = c + k;
    }
    return true;
}

size_t tg_skip_fill_sse2_(tg_skip_scan_ *s)
{
    size_t n = 0;
    unsigned b;
    char tail[64];
    tg_skip_carry_ c = {s->in_string, s->escaped, s->scalar};

    for (b = 0; (b < s->blocks || n == 0) && !s->failed; b++) { /* never 0 before the end */
        const char *blk = next_block(s, tail);
        tg_skip_masks_ m;
        uint64_t nonascii;
        if (!blk)
            break;
        masks_sse2(blk, &m, &nonascii);
        if ((nonascii && !utf8_scalar(s, s->p, nonascii)) ||
            !tg_skip_block_(&c, &m, (uint32_t)(s->p - s->start), s->pos, &n, false, NULL)) {
            s->failed = true;
            break;
        }
        block_done(s, blk, tail);
    }
    s->in_string = c.in_string, s->escaped = c.escaped, s->scalar = c.scalar;
    return fill_end(s, n);
}

/* ---- avx2 --------------------------------------------------------------- */

#define TG_AVX2 __attribute__((target("avx2,popcnt,bmi,pclmul")))

/* Bit i = xor of bits 0..i, by one carry-less multiplication by all ones
 * (the AVX2 level's CPUs have it: tg_simd_has checks). */
static TG_AVX2 inline uint64_t prefix_xor_clmul(uint64_t x)
{
    __m128i r = _mm_clmulepi64_si128(_mm_set_epi64x(0, (long long)x), _mm_set1_epi8(-1), 0);
    uint64_t out;
    _mm_storel_epi64((__m128i *)(void *)&out, r); /* _mm_cvtsi128_si64 is x86-64 only */
    return out;
}

/* Whitespace and brackets by one table look-up each (simdjson's trick):
 * the table holds, per low nibble, the one byte of that nibble that is in
 * the class (or a byte of another nibble, which never matches); '[' and
 * ']' are found as '{' and '}' after setting bit 5 (no other byte becomes
 * one; ',' and ':' would have control bytes for twins, so they are
 * compared as they are). */
/* The constants of masks32, made once per fill (set1 inside the loop is
 * rebuilt by gcc at every block). */
typedef struct avx2_consts {
    __m256i ws_table, op_table, c20, c1f, quote, backslash, comma, colon;
} avx2_consts;

static TG_AVX2 inline void avx2_consts_init(avx2_consts *k)
{
    k->ws_table = _mm256_setr_epi8(
        ' ', 100, 100, 100, 17, 100, 113, 2, 100, '\t', '\n', 112, 100, '\r', 100, 100,
        ' ', 100, 100, 100, 17, 100, 113, 2, 100, '\t', '\n', 112, 100, '\r', 100, 100);
    k->op_table = _mm256_setr_epi8(
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '{', 0, '}', 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '{', 0, '}', 0, 0);
    k->c20 = _mm256_set1_epi8(0x20);
    k->c1f = _mm256_set1_epi8(0x1F);
    k->quote = _mm256_set1_epi8('"');
    k->backslash = _mm256_set1_epi8('\\');
    k->comma = _mm256_set1_epi8(',');
    k->colon = _mm256_set1_epi8(':');
    /* Opaque to the compiler from here: kept in registers (or one stack
     * load each), not rebuilt by two instructions per use. */
    __asm__("" : "+x"(k->c20), "+x"(k->c1f), "+x"(k->quote), "+x"(k->backslash));
    __asm__("" : "+x"(k->comma), "+x"(k->colon));
}

static TG_AVX2 inline uint64_t mask32(__m256i x)
{
    return (uint64_t)(unsigned)_mm256_movemask_epi8(x);
}

static TG_AVX2 inline void masks32(__m256i v, unsigned sh, const avx2_consts *k,
                                   tg_skip_masks_ *m, uint64_t *nonascii)
{
    __m256i v20 = _mm256_or_si256(v, k->c20);
    __m256i ctrl = _mm256_cmpeq_epi8(_mm256_max_epu8(v, k->c1f), k->c1f);
    __m256i ws = _mm256_cmpeq_epi8(v, _mm256_shuffle_epi8(k->ws_table, v));
    __m256i op = _mm256_or_si256(
        _mm256_cmpeq_epi8(v20, _mm256_shuffle_epi8(k->op_table, v)),
        _mm256_or_si256(_mm256_cmpeq_epi8(v, k->comma), _mm256_cmpeq_epi8(v, k->colon)));
    m->quote |= mask32(_mm256_cmpeq_epi8(v, k->quote)) << sh;
    m->backslash |= mask32(_mm256_cmpeq_epi8(v, k->backslash)) << sh;
    m->ws |= mask32(ws) << sh;
    m->op |= mask32(op) << sh;
    m->ctrl |= mask32(ctrl) << sh;
    *nonascii |= mask32(v) << sh;
}

/* The block's UTF-8 by vector look-ups; an ASCII block only ends what the
 * one before started (or does not: then it is an error). */
static TG_AVX2 bool utf8_avx2(tg_skip_scan_ *s, const char *blk, uint64_t nonascii)
{
    bool ok;
    if (!nonascii) {
        if (s->utf8_pending)
            return false;
        memset(s->utf8_prev, 0, sizeof s->utf8_prev);
        return true;
    }
    ok = tg_simd_utf8_block64_avx2_(blk, s->utf8_prev, &s->utf8_pending);
    memcpy(s->utf8_prev, blk + 32, 32);
    return ok;
}

TG_AVX2 size_t tg_skip_fill_avx2_(tg_skip_scan_ *s)
{
    size_t n = 0;
    unsigned b;
    char tail[64];
    tg_skip_carry_ c = {s->in_string, s->escaped, s->scalar};
    avx2_consts k;

    avx2_consts_init(&k);
    for (b = 0; (b < s->blocks || n == 0) && !s->failed; b++) { /* never 0 before the end */
        const char *blk = next_block(s, tail);
        tg_skip_masks_ m = {0, 0, 0, 0, 0};
        uint64_t nonascii = 0;
        if (!blk)
            break;
        masks32(_mm256_loadu_si256((const __m256i *)(const void *)blk), 0, &k, &m, &nonascii);
        masks32(_mm256_loadu_si256((const __m256i *)(const void *)(blk + 32)), 32, &k, &m,
                &nonascii);
        if (!utf8_avx2(s, blk, nonascii) ||
            !tg_skip_block_(&c, &m, (uint32_t)(s->p - s->start), s->pos, &n, true,
                            prefix_xor_clmul)) {
            s->failed = true;
            break;
        }
        block_done(s, blk, tail);
    }
    s->in_string = c.in_string, s->escaped = c.escaped, s->scalar = c.scalar;
    return fill_end(s, n);
}

size_t tg_skip_fill_(tg_skip_scan_ *s)
{
    return tg_simd_level() == TG_SIMD_AVX2 ? tg_skip_fill_avx2_(s) : tg_skip_fill_sse2_(s);
}

#else /* no x86 kernels: the skipper never starts a pass (tg_skip_fill_ ends it) */

size_t tg_skip_fill_sse2_(tg_skip_scan_ *s)
{
    s->failed = true;
    return 0;
}

size_t tg_skip_fill_avx2_(tg_skip_scan_ *s) { return tg_skip_fill_sse2_(s); }

size_t tg_skip_fill_(tg_skip_scan_ *s) { return tg_skip_fill_sse2_(s); }

#endif
