/*
 * tg_json_skip_int.h: the structural index of the skipper's first pass
 * (private to runtime/json, not installed).
 *
 * tg_json_skip_value (tg_json_read.c) checks a free-form object or array in
 * two steps, the way simdjson does: a first pass reads the value 64 bytes
 * at a time and lists the positions that matter (the index), a second walks
 * only those positions.  Per 64-byte block the first pass makes bit masks:
 * quotes, backslashes (a run of odd length escapes the byte after it),
 * "inside a string" by a prefix xor of the unescaped quotes (carried from
 * block to block), the structural characters {}[]:, outside strings,
 * whitespace, control bytes; it checks that no control byte is inside a
 * string and that the block is valid UTF-8 (an ASCII block takes the quick
 * way).  The index holds, in order: every structural character outside
 * strings, every opening quote, every backslash inside a string, and the
 * first byte of every run of other bytes outside strings (a number, a
 * literal, or garbage the walk refuses).  A closing quote is not in it:
 * only whitespace can stand between it and the next position (anything
 * else would be a position), so the walk finds it from there.
 *
 * Contract: the first pass never reads outside [start, end) (the last,
 * short block is copied into a padded local buffer) and never says a block
 * is good when it holds a control byte inside a string, a backslash
 * outside strings (so every backslash in the index is in a string, and the
 * walk checks escapes at them) or invalid UTF-8;
 * on such an anomaly it stops (tg_skip_fill_ returns 0 with `failed` set)
 * and the skipper starts again with the token-by-token reader, which finds
 * the error and reports it.  It may stop on an anomaly after the value's
 * end (then too the slow path runs: slower, never different).  Two kernels
 * (sse2, avx2) give the same index; the level comes from tg_simd_level().
 * No allocation; the state lives in the caller's frame.
 */
#ifndef TG_JSON_SKIP_INT_H
#define TG_JSON_SKIP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Blocks of 64 bytes per fill: the index holds at most 64 per block. */
#define TG_SKIP_BLOCKS 8
#define TG_SKIP_INDEX_CAP (TG_SKIP_BLOCKS * 64)

typedef struct tg_skip_scan_ {
    const char *start;     /* the value's first byte: positions count from it */
    const char *p;         /* the next block                                  */
    const char *end;       /* the input's end: nothing at or after it is read */
    uint64_t in_string;    /* all ones when the last block ended in a string  */
    uint64_t escaped;      /* bit 0: the next block's first byte is escaped   */
    uint64_t scalar;       /* bit 0: the last byte was a scalar byte          */
    const char *utf8_done; /* sse2: UTF-8 checked up to here                  */
    unsigned char utf8_prev[32]; /* avx2: the last 32 bytes checked           */
    bool utf8_pending;     /* avx2: they end inside a sequence                */
    bool failed;           /* an anomaly stopped the pass                     */
    unsigned blocks;       /* blocks the next fill takes (doubles to the cap) */
    uint32_t pos[TG_SKIP_INDEX_CAP + 8]; /* + 8: the last block's spare writes */
} tg_skip_scan_;

/* Start a pass over the value at start (< 4 GiB of input after it). */
void tg_skip_init_(tg_skip_scan_ *s, const char *start, const char *end);

/* Index the next blocks into s->pos (s->blocks of them, or more while
 * they hold no position); returns how many positions: 0 only when the
 * input is done or, with s->failed, at an anomaly. */
size_t tg_skip_fill_(tg_skip_scan_ *s);

/* The kernels, for the differential tests (avx2 only when the CPU has it). */
size_t tg_skip_fill_sse2_(tg_skip_scan_ *s);
size_t tg_skip_fill_avx2_(tg_skip_scan_ *s);

/* tg_json_read.c's walk over the index for the object or array at p (the
 * reader's cursor, at the current level's level of SIMD): true when it took
 * the value whole, false at its first doubt (the reader unchanged).  The
 * reader calls it from tg_json_skip_value; the tests call it alone, to see
 * that the fast path is taken at all. */
struct tg_json_reader;
bool tg_json_skip_indexed_(struct tg_json_reader *r, const char *p);

/* tg_simd.c's vector UTF-8 check (Keiser and Lemire) of the 64 bytes at b
 * after the 32 at prev; *pending: they end inside a sequence.  AVX2 only. */
bool tg_simd_utf8_block64_avx2_(const char *b, const unsigned char *prev, bool *pending);

/* ---- the part of a block both kernels share ------------------------------ */

/* The raw masks of one block: bit i for byte i. */
typedef struct tg_skip_masks_ {
    uint64_t quote, backslash, ws, op, ctrl;
} tg_skip_masks_;

/* Bytes escaped by a backslash (the byte after each odd-length run), with
 * the carry into the next block (simdjson's escape scanner). */
static inline uint64_t tg_skip_escaped_(uint64_t bs, uint64_t *carry)
{
    const uint64_t odd = 0xAAAAAAAAAAAAAAAAu;
    uint64_t potential, code, escaped;
    if (!bs) {
        escaped = *carry;
        *carry = 0;
        return escaped;
    }
    potential = bs & ~*carry;
    code = (((potential << 1) | odd) - potential) ^ odd;
    escaped = code ^ (bs | *carry);
    *carry = (code & bs) >> 63;
    return escaped;
}

/* Bit i = xor of bits 0..i. */
static inline uint64_t tg_skip_prefix_xor_(uint64_t x)
{
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

/* Set bits, without the popcnt instruction (SSE2 has none; the avx2
 * kernel's target has it and says so to tg_skip_block_). */
static inline int tg_skip_popcount_(uint64_t x)
{
    x -= (x >> 1) & 0x5555555555555555u;
    x = (x & 0x3333333333333333u) + ((x >> 2) & 0x3333333333333333u);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Fu;
    return (int)((x * 0x0101010101010101u) >> 56);
}

/* An empty asm that says x is in a general register: it keeps the
 * compiler from gathering the index's eight stores into vector inserts
 * (gcc's SLP vectorizer does, at 50% more instructions than plain
 * stores).  It emits nothing. */
#if defined(__GNUC__) || defined(__clang__)
#define TG_SKIP_IN_REGISTER_(x) __asm__("" : "+r"(x))
#else
#define TG_SKIP_IN_REGISTER_(x) ((void)0)
#endif

/* The trailing zeros of x; for 0 (a spare write) 64 with bmi (the
 * caller's target has tzcnt, which is defined at 0), else 63 (the top bit
 * is set first: bsf is not defined at 0). */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
__attribute__((always_inline)) static inline uint32_t tg_skip_tz_(uint64_t x, bool bmi)
{
    if (bmi) {
        uint64_t n;
        __asm__("tzcntq %1, %0" : "=r"(n) : "r"(x) : "cc");
        return (uint32_t)n;
    }
    return (uint32_t)__builtin_ctzll(x | (1ull << 63));
}
#else
static inline uint32_t tg_skip_tz_(uint64_t x, bool bmi)
{
    (void)bmi;
    return (uint32_t)__builtin_ctzll(x | (1ull << 63));
}
#endif

/* What one block hands the next (tg_skip_scan_'s fields of the same
 * names), apart so that a kernel keeps it in registers. */
typedef struct tg_skip_carry_ {
    uint64_t in_string, escaped, scalar;
} tg_skip_carry_;

/* Append the index of one block (its first byte at offset `at` from the
 * value's start) to out[*n]; false when a control byte is inside a string
 * or a backslash outside one.
 * bit_insns: the caller's target has popcnt and tzcnt (bmi); prefix_xor: the
 * prefix xor of the unescaped quotes (the caller's, by carry-less
 * multiplication) or NULL for tg_skip_prefix_xor_. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline))
#endif
static inline bool tg_skip_block_(tg_skip_carry_ *carry, const tg_skip_masks_ *m, uint32_t at,
                                  uint32_t *out, size_t *n, bool bit_insns,
                                  uint64_t (*prefix_xor)(uint64_t))
{
    uint64_t escaped = tg_skip_escaped_(m->backslash, &carry->escaped);
    uint64_t quote = m->quote & ~escaped;
    uint64_t in = (prefix_xor ? prefix_xor(quote) : tg_skip_prefix_xor_(quote)) ^ carry->in_string;
    uint64_t scalar = ~(m->op | m->ws | quote | in);
    uint64_t starts = scalar & ~((scalar << 1) | carry->scalar);
    uint64_t idx = (m->op & ~in) | (quote & in) | starts | (m->backslash & in);
    uint32_t *o = out + *n;
    int cnt;

    if ((m->ctrl & in) | (m->backslash & ~in)) /* a backslash outside strings: an error */
        return false;
    carry->in_string = 0 - (in >> 63); /* all ones when the block ends in a string */
    carry->scalar = scalar >> 63;
    /* Eight at a time, then eight more, then one at a time: fewer
     * branches than one loop turn per position (pos[] has room for the
     * up to seven spare writes, which hold 63 + at). */
    cnt = bit_insns ? __builtin_popcountll(idx) : tg_skip_popcount_(idx);
    *n += (size_t)cnt;
#define TG_SKIP_ONE_(j)                                              \
    do {                                                             \
        uint32_t v_ = at + tg_skip_tz_(idx, bit_insns);                 \
        TG_SKIP_IN_REGISTER_(v_);                                    \
        o[j] = v_;                                                   \
        idx &= idx - 1;                                              \
    } while (0)
    if (cnt > 0) {
        TG_SKIP_ONE_(0); TG_SKIP_ONE_(1); TG_SKIP_ONE_(2); TG_SKIP_ONE_(3);
        TG_SKIP_ONE_(4); TG_SKIP_ONE_(5); TG_SKIP_ONE_(6); TG_SKIP_ONE_(7);
        if (cnt > 8) {
            TG_SKIP_ONE_(8); TG_SKIP_ONE_(9); TG_SKIP_ONE_(10); TG_SKIP_ONE_(11);
            TG_SKIP_ONE_(12); TG_SKIP_ONE_(13); TG_SKIP_ONE_(14); TG_SKIP_ONE_(15);
            for (o += 16; idx; o++) /* the rest one at a time */
                TG_SKIP_ONE_(0);
        }
    }
#undef TG_SKIP_ONE_
    return true;
}

#endif /* TG_JSON_SKIP_INT_H */
