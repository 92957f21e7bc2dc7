/*
 * tg_simd_int.h: the string kernel of the reader and the writer, chosen at
 * run time (private to runtime/json, not installed).
 *
 * One question is asked of every JSON string body: where is the first byte
 * that ends the plain run, that is '"', '\\', a control byte (< 0x20) or the
 * start of an invalid UTF-8 sequence?  Three kernels answer it, byte for
 * byte the same (tests/json/simd_test.c checks them against each other over
 * every one-byte edit of sample documents and random valid and invalid
 * UTF-8):
 *   scalar  portable C (64-bit words for ASCII), every platform;
 *   sse2    16 ASCII bytes at a time, then the scalar UTF-8 rule; the x86-64
 *           baseline;
 *   avx2    32 bytes at a time, UTF-8 validated by vector table look-ups
 *           (Keiser and Lemire, "Validating UTF-8 in less than one
 *           instruction per byte", 2021); compiled with a target attribute
 *           and used only when the CPU has AVX2, so one binary runs on any
 *           x86-64.  When a block is invalid it asks the scalar kernel where.
 * The level is the best the CPU has, unless the environment variable
 * TOPICGEN_SIMD (scalar, sse2, avx2) or tg_json_simd_set (tg_json.h) says
 * otherwise; a level the CPU lacks is refused.  No allocation, no state but
 * the chosen level (an atomic, set before or at the first use).
 */
#ifndef TG_SIMD_INT_H
#define TG_SIMD_INT_H

#include <stdatomic.h>
#include <stddef.h>

enum { TG_SIMD_SCALAR = 0, TG_SIMD_SSE2 = 1, TG_SIMD_AVX2 = 2, TG_SIMD_UNSET = 3 };

/* The first byte of [p, end) that is '"', '\\', < 0x20 or starts an invalid
 * UTF-8 sequence (a byte >= 0x80 at the result means that), or end. */
typedef const char *(*tg_simd_string_fn)(const char *p, const char *end);

/* private: the chosen level and kernel; tg_simd_level() reads them. */
extern _Atomic int tg_simd_level_;
extern _Atomic(tg_simd_string_fn) tg_simd_string_run_;
int tg_simd_choose_(void);

/* The level in use (chosen at the first call). */
static inline int tg_simd_level(void)
{
    int l = atomic_load_explicit(&tg_simd_level_, memory_order_relaxed);
    return l != TG_SIMD_UNSET ? l : tg_simd_choose_();
}

/* The string kernel of the level in use (before the choice, a stand-in
 * that makes it and calls the chosen kernel). */
static inline const char *tg_simd_string_run(const char *p, const char *end)
{
    return atomic_load_explicit(&tg_simd_string_run_, memory_order_relaxed)(p, end);
}

/* The kernels themselves, for the differential tests (avx2 only when the
 * CPU has it: tg_simd_has(TG_SIMD_AVX2)). */
const char *tg_simd_string_run_scalar(const char *p, const char *end);
const char *tg_simd_string_run_sse2(const char *p, const char *end);
const char *tg_simd_string_run_avx2(const char *p, const char *end);
int tg_simd_has(int level);

/* The writer's base64 for AVX2 (call only at that level): the standard
 * alphabet of whole 24-byte blocks of p[0..n) while 28 bytes remain, into
 * out (room for n / 3 * 4 bytes); returns the input bytes done (a multiple
 * of 24; the caller encodes the rest). */
size_t tg_simd_base64_avx2(char *out, const unsigned char *p, size_t n);

#endif /* TG_SIMD_INT_H */
