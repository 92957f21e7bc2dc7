/*
 * tg_text_int.h: text rules shared by the JSON reader and writer (private to
 * runtime/json, not installed): UTF-8, JSON number grammar and its conversion to
 * double, shortest double formatting, RFC 3339 date-times, UUIDs and base64.
 * All functions are pure: no allocation, no global state, thread-safe.
 */
#ifndef TG_TEXT_INT_H
#define TG_TEXT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "tg_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Length of the valid UTF-8 sequence starting at p (p[0] >= 0x80), or 0 when
 * it is invalid (overlong, surrogate, > U+10FFFF, truncated, stray byte).
 * Inline: string scanners call it for every non-ASCII character. */
static inline size_t tg_utf8_seq(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t avail = (size_t)(end - p);

    /* Unicode 15, table 3-7: the well-formed byte sequences. */
    if (c >= 0xC2 && c <= 0xDF) {
        if (avail >= 2 && (p[1] & 0xC0) == 0x80)
            return 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        if (avail >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80)
            return 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
        unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        if (avail >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 &&
            (p[3] & 0xC0) == 0x80)
            return 4;
    }
    return 0;
}

/* The code point of the valid UTF-8 sequence of n bytes at p (n from
 * tg_utf8_seq, or 1 for ASCII). */
static inline uint32_t tg_utf8_code_point(const unsigned char *p, size_t n)
{
    static const unsigned char lead_mask[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    uint32_t cp = p[0] & lead_mask[n];
    for (size_t i = 1; i < n; i++)
        cp = cp << 6 | (p[i] & 0x3Fu);
    return cp;
}

/* The bidirectional controls (U+061C, U+200E/F, U+202A-E, U+2066-9): unseen,
 * they reorder what a reader sees ("Trojan Source", CVE-2021-42574), so
 * error texts and generated code show them escaped, never as themselves. */
static inline bool tg_text_is_bidi_control(uint32_t cp)
{
    return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* High bit set in each byte of v that is '"', '\\', < 0x20 or >= 0x80
 * (bytes a JSON string cannot hold as they are, or must check as UTF-8).
 * Borrows may flag bytes above a true hit, never below one: on a
 * little-endian machine (TG_TEXT_SWAR) the lowest flag, the first such
 * byte in memory, is exact, which is all the scanners use. */
static inline uint64_t tg_text_special_bytes(uint64_t v)
{
    const uint64_t ones = 0x0101010101010101u;
    uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');
    q = (q - ones) & ~q;
    b = (b - ones) & ~b;
    return (q | b | ((v - ones * 0x20) & ~v) | v) & 0x8080808080808080u;
}

#if (defined(__GNUC__) || defined(__clang__)) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define TG_TEXT_SWAR 1 /* __builtin_ctzll of tg_text_special_bytes finds the first */
#else
#define TG_TEXT_SWAR 0
#endif

#if defined(__SSE2__)
/* Bit i set when byte i of v is '"', '\\', < 0x20 or >= 0x80.  Two tests
 * instead of three, and no compare for the first: x = v ^ 0x02 maps '"'
 * (0x22) to 0x20 and keeps every byte < 0x20 below 0x20 and every byte
 * >= 0x80 negative, while no other byte lands below 0x21 (0x20 -> 0x22,
 * 0x21 -> 0x23, 0x23 -> 0x21); x - 0x21 with signed saturation is negative
 * (its sign bit, which movemask takes, set) exactly when x < 0x21 signed,
 * so that sign flags '"', controls and non-ASCII; one compare flags '\\'. */
static inline unsigned tg_text_special_mask16(__m128i v)
{
    __m128i s = _mm_or_si128(
        _mm_subs_epi8(_mm_xor_si128(v, _mm_set1_epi8(0x02)), _mm_set1_epi8(0x21)),
        _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
    return (unsigned)_mm_movemask_epi8(s);
}
#endif

/* private: 0x10 | the value of each hex digit byte (any case), 0 for every
 * other byte (tg_text.c). */
extern const unsigned char tg_text_hex_[256];

/* private: JSON's two-byte escapes, written once: the byte each stands for,
 * by the byte after the backslash; 0 for 'u' and every invalid one
 * (tg_text.c). */
extern const char tg_text_short_escape_[256];

/* The value of 4 hex digits at p (any case), or -1.  One table look-up
 * per digit and one test for all four (\u escapes are common in text
 * Python's json.dumps wrote). */
static inline int tg_text_hex4(const char *p)
{
    const unsigned char *hex = tg_text_hex_;
    unsigned a = hex[(unsigned char)p[0]], b = hex[(unsigned char)p[1]],
             c = hex[(unsigned char)p[2]], d = hex[(unsigned char)p[3]];
    if (!(a & b & c & d & 0x10))
        return -1;
    return (int)((a & 15) << 12 | (b & 15) << 8 | (c & 15) << 4 | (d & 15));
}

/* Write code point cp (< 0x110000, no surrogate) into out as UTF-8;
 * returns the bytes written (1 to 4). */
static inline size_t tg_text_utf8_put(unsigned cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Which rule a JSON escape breaks (tg_text_escape). */
typedef enum {
    TG_TEXT_ESC_SHORT,     /* the input ends after the backslash        */
    TG_TEXT_ESC_LETTER,    /* not one of " \\ / b f n r t u             */
    TG_TEXT_ESC_HEX,       /* \\u without 4 hex digits                   */
    TG_TEXT_ESC_SURROGATE  /* a lone or reversed surrogate              */
} tg_text_escape_fault;

/* JSON's escape rules, written once: the escape at p ('\\', before end)
 * spans 2, 6 or 12 bytes and means code point *cp; 0 when it breaks a
 * rule, *fault saying which.  The reader words the error; the skipper's
 * walk, unescaping and key comparisons only ask. */
static inline size_t tg_text_escape(const char *p, const char *end, unsigned *cp,
                                    tg_text_escape_fault *fault)
{
    int u, lo;

    if (end - p < 2)
        return *fault = TG_TEXT_ESC_SHORT, 0;
    if ((*cp = (unsigned char)tg_text_short_escape_[(unsigned char)p[1]]) != 0)
        return 2;
    if (p[1] != 'u')
        return *fault = TG_TEXT_ESC_LETTER, 0;
    if (end - p < 6 || (u = tg_text_hex4(p + 2)) < 0)
        return *fault = TG_TEXT_ESC_HEX, 0;
    if (u >= 0xDC00 && u <= 0xDFFF)
        return *fault = TG_TEXT_ESC_SURROGATE, 0;
    if (u >= 0xD800 && u <= 0xDBFF) {
        if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || (lo = tg_text_hex4(p + 8)) < 0 ||
            lo < 0xDC00 || lo > 0xDFFF)
            return *fault = TG_TEXT_ESC_SURROGATE, 0;
        *cp = 0x10000 + (((unsigned)u - 0xD800) << 10) + ((unsigned)lo - 0xDC00);
        return 12;
    }
    *cp = (unsigned)u;
    return 6;
}

/* Decode the escape at p, in a string body the reader has validated that
 * ends at end, into out as UTF-8.  Returns the bytes written (1 to 4);
 * *span gets the bytes the escape takes in the input (2, 6, 12). */
static inline size_t tg_text_unescape_one(const char *p, const char *end, char out[4],
                                          size_t *span)
{
    unsigned cp = 0;
    tg_text_escape_fault fault;
    *span = tg_text_escape(p, end, &cp, &fault);
    return tg_text_utf8_put(cp, out);
}

/* The decoded bytes of a validated JSON string body [p, end), one at a
 * time, without a copy: keys with escapes are compared, hashed and shown
 * this way. */
typedef struct tg_text_unescaper {
    const char *p, *end;
    char buf[4];
    unsigned char n, i; /* buf[i..n) is left of the current escape */
} tg_text_unescaper;

static inline void tg_text_unescaper_init(tg_text_unescaper *u, const char *p, size_t n)
{
    u->p = p;
    u->end = p + n;
    u->n = u->i = 0;
}

/* The next decoded byte, or -1 at the end. */
static inline int tg_text_unescaper_next(tg_text_unescaper *u)
{
    if (u->i == u->n) {
        size_t span;
        if (u->p == u->end)
            return -1;
        if (*u->p != '\\')
            return (unsigned char)*u->p++;
        u->n = (unsigned char)tg_text_unescape_one(u->p, u->end, u->buf, &span);
        u->i = 0;
        u->p += span;
    }
    return (unsigned char)u->buf[u->i++];
}

/* Offset of the first invalid byte of s[0..n), or n when all is valid. */
size_t tg_utf8_check(const char *s, size_t n);

/* private: an ASCII decimal digit. */
static inline bool tg_text_is_digit_(char c) { return c >= '0' && c <= '9'; }

/* Scan a JSON number at p.  Returns the end of the number, or NULL with *why
 * set to the reason ("leading zero in number", ...).  The number must be
 * followed by a non-number byte or end (the caller checks what follows).
 * Inline, like tg_text_is_decimal: decoders call them for every number and
 * decimal. */
static inline const char *tg_text_number(const char *p, const char *end, const char **why)
{
    if (p < end && *p == '-')
        p++;
    if (p == end || !tg_text_is_digit_(*p)) {
        *why = "expected digit after '-'";
        return NULL;
    }
    if (*p == '0') {
        p++;
        if (p < end && tg_text_is_digit_(*p)) {
            *why = "leading zero in number";
            return NULL;
        }
    } else {
        while (p < end && tg_text_is_digit_(*p))
            p++;
    }
    if (p < end && *p == '.') {
        p++;
        if (p == end || !tg_text_is_digit_(*p)) {
            *why = "expected digit after '.' in number";
            return NULL;
        }
        while (p < end && tg_text_is_digit_(*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p == end || !tg_text_is_digit_(*p)) {
            *why = "expected digit in exponent";
            return NULL;
        }
        while (p < end && tg_text_is_digit_(*p))
            p++;
    }
    return p;
}

/* True when s[0..n) is exactly one JSON number (the decimal type). */
static inline bool tg_text_is_decimal(const char *s, size_t n)
{
    const char *why, *e;
    if (n == 0)
        return false;
    e = tg_text_number(s, s + n, &why);
    return e != NULL && e == s + n;
}

/* Correctly rounded double of a valid JSON number s[0..n), independent of
 * the locale.  Returns false when the value overflows a double. */
bool tg_text_to_double(const char *s, size_t n, double *out);

/* Shortest round-trip text of a finite double, Python repr style.  buf must
 * hold 32 bytes; returns the length (no NUL written). */
size_t tg_text_format_double(double v, char *buf);

/* RFC 3339 date-time check; NULL when valid, else the reason. */
const char *tg_text_timestamp(const char *s, size_t n);

/* Parse 8-4-4-4-12 hex (any case). */
bool tg_text_uuid(const char *s, size_t n, tg_uuid *out);

/* Decode standard padded base64 s[0..n) into out (may be NULL: only
 * validate); *outlen gets the decoded size.  NULL when valid, else reason. */
const char *tg_text_base64(const char *s, size_t n, unsigned char *out, size_t *outlen);

/* Decoded size of valid base64 of n bytes, before padding is looked at. */
static inline size_t tg_text_base64_max(size_t n) { return n / 4 * 3; }

#ifdef __cplusplus
}
#endif

#endif /* TG_TEXT_INT_H */
