/*
 * tg_json_write.c: the JSON writer generated encoders call.  Output goes into
 * a caller buffer; bytes past its end are counted, not stored, so an encode
 * with cap 0 (or too small) returns the exact size needed.  Strings are
 * escaped per RFC 8259 and checked for valid UTF-8; doubles are written in
 * the shortest text that reads back to the same value.  No allocation.
 */
#include "tg_json.h"
#include "tg_simd_int.h"
#include "tg_text_int.h"

#include <math.h>
#include <string.h>

void tg_json_writer_init(tg_json_writer *w, char *buf, size_t cap)
{
    w->buf = buf;
    w->cap = buf ? cap : 0;
    w->len = 0;
    w->error = TG_JSON_OK;
}

static void set_error(tg_json_writer *w, tg_json_code code)
{
    if (w->error == TG_JSON_OK)
        w->error = code;
}

/* Bytes that cannot be copied as is: '"', '\\', < 0x20, and >= 0x80 (which
 * must be checked as UTF-8). */
static inline bool plain(unsigned char c) { return c >= 0x20 && c != '"' && c != '\\' && c < 0x80; }

/* Room the fast paths want beyond the worst case of what they write: they
 * store whole 8-byte words (an escape, the last bytes of a string), so up
 * to 7 bytes past the text written so far may be stored (always inside cap;
 * later output overwrites them, or they stay as scratch past len). */
enum { SLACK = 8 };

#if defined(__GNUC__) || defined(__clang__)
#define TG_WRITE_COLD __attribute__((noinline, cold))
#else
#define TG_WRITE_COLD
#endif

/* The escape of each ASCII byte that needs one ('"', '\\', < 0x20) as an
 * 8-byte word: the text, then its length in byte 7 (0 for bytes that need
 * none). */
#define TG_U00(h, l) { '\\', 'u', '0', '0', h, l, 0, 6 }
#define TG_ESC2(c) { '\\', c, 0, 0, 0, 0, 0, 2 }
static const char escapes[0x80][8] = { /* any ASCII byte may index it */
    TG_U00('0', '0'), TG_U00('0', '1'), TG_U00('0', '2'), TG_U00('0', '3'),
    TG_U00('0', '4'), TG_U00('0', '5'), TG_U00('0', '6'), TG_U00('0', '7'),
    TG_ESC2('b'),     TG_ESC2('t'),     TG_ESC2('n'),     TG_U00('0', 'b'),
    TG_ESC2('f'),     TG_ESC2('r'),     TG_U00('0', 'e'), TG_U00('0', 'f'),
    TG_U00('1', '0'), TG_U00('1', '1'), TG_U00('1', '2'), TG_U00('1', '3'),
    TG_U00('1', '4'), TG_U00('1', '5'), TG_U00('1', '6'), TG_U00('1', '7'),
    TG_U00('1', '8'), TG_U00('1', '9'), TG_U00('1', 'a'), TG_U00('1', 'b'),
    TG_U00('1', 'c'), TG_U00('1', 'd'), TG_U00('1', 'e'), TG_U00('1', 'f'),
    [0x22] = TG_ESC2('"'),
    [0x5c] = TG_ESC2('\\'),
};
#undef TG_U00
#undef TG_ESC2

/* Copy n bytes with fixed-size moves (no call for the short runs strings
 * are made of); reads and writes exactly [p, p + n) and [o, o + n). */
static inline void copy_bytes(char *o, const unsigned char *p, size_t n)
{
    while (n >= 16) {
        memcpy(o, p, 16);
        o += 16;
        p += 16;
        n -= 16;
    }
    if (n >= 8) {
        memcpy(o, p, 8);
        memcpy(o + n - 8, p + n - 8, 8);
    } else if (n >= 4) {
        memcpy(o, p, 4);
        memcpy(o + n - 4, p + n - 4, 4);
    } else if (n) {
        o[0] = (char)p[0];
        o[n >> 1] = (char)p[n >> 1];
        o[n - 1] = (char)p[n - 1];
    }
}

#if TG_TEXT_SWAR
/* The n bytes at p (1 <= n <= 7) as a little-endian word, the bytes past n
 * spaces (plain text): reads only [p, p + n).  The two overlapping loads
 * agree on the bytes they share, so or-ing them is exact. */
static inline uint64_t tail_word(const unsigned char *p, size_t n)
{
    uint64_t v;
    if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + n - 4, 4);
        v = a | (uint64_t)b << (8 * (n - 4));
    } else {
        v = p[0] | (uint64_t)p[n >> 1] << (8 * (n >> 1)) | (uint64_t)p[n - 1] << (8 * (n - 1));
    }
    return v | (UINT64_C(0x2020202020202020) & ~UINT64_C(0) << (8 * n));
}
#endif

/* tg_json_write_string when the buffer has room for the worst case (6
 * output bytes per input byte, the quotes and SLACK), the common case: no
 * bound checks.  Plain text is stored 16 (SSE2) or 8 bytes at a time before
 * it is looked at (what follows a special byte is overwritten), the last 1-7
 * bytes as one padded word; escapes are one 8-byte store from a table. */
static void write_string_roomy(tg_json_writer *w, const unsigned char *p, const unsigned char *end)
{
    char *o = w->buf + w->len;

    *o++ = '"';
    for (;;) {
#if defined(__SSE2__)
        while (end - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            unsigned m = tg_text_special_mask16(v), k;
            _mm_storeu_si128((__m128i *)(void *)o, v);
            if (m) {
                k = (unsigned)__builtin_ctz(m);
                p += k;
                o += k;
                goto special;
            }
            p += 16;
            o += 16;
        }
#endif
#if TG_TEXT_SWAR
        while (end - p >= 8) {
            uint64_t v, m;
            memcpy(&v, p, 8);
            memcpy(o, &v, 8);
            m = tg_text_special_bytes(v);
            if (m) {
                unsigned k = (unsigned)__builtin_ctzll(m) >> 3;
                p += k;
                o += k;
                goto special;
            }
            p += 8;
            o += 8;
        }
        if (p < end) {
            size_t n = (size_t)(end - p);
            uint64_t v = tail_word(p, n), m = tg_text_special_bytes(v);
            memcpy(o, &v, 8);
            if (!m) {
                o += n;
                break;
            }
            n = (unsigned)__builtin_ctzll(m) >> 3;
            p += n;
            o += n;
        }
#else
        while (p < end && plain(*p))
            *o++ = (char)*p++;
#endif
        if (p == end)
            break;
#if defined(__SSE2__) || TG_TEXT_SWAR
    special:
#endif
        if (*p < 0x80) {
            memcpy(o, escapes[*p], 8);
            o += escapes[*p][7];
            p++;
        } else {
            /* A run of text in most scripts: valid UTF-8 (and ASCII) up to
             * the next byte to escape, found by the reader's kernel
             * (tg_simd.c: AVX2 where the CPU has it). */
            const unsigned char *q = (const unsigned char *)tg_simd_string_run(
                (const char *)p, (const char *)end);
            copy_bytes(o, p, (size_t)(q - p));
            o += q - p;
            p = q;
            if (p < end && *p >= 0x80) { /* invalid UTF-8: written (for measuring), flagged */
                set_error(w, TG_JSON_E_VALUE);
                *o++ = (char)*p++;
            }
        }
    }
    *o++ = '"';
    w->len = (size_t)(o - w->buf);
}

/* tg_json_write_string near or past the end of the buffer: every byte
 * checked, the excess counted.  Out of line, so that the common call keeps
 * a light frame. */
TG_WRITE_COLD static void write_string_bounded(tg_json_writer *w, const unsigned char *p,
                                               const unsigned char *end)
{
    const unsigned char *run;

    tg_json_write_char(w, '"');
    while (p < end) {
        /* A run of bytes copied as they are: plain ASCII (8 bytes at a
         * time) and valid UTF-8 sequences. */
        run = p;
        for (;;) {
            size_t k;
            while (end - p >= 8) {
                uint64_t v;
                memcpy(&v, p, 8);
                if (tg_text_special_bytes(v))
                    break;
                p += 8;
            }
            while (p < end && plain(*p))
                p++;
            if (p == end || *p < 0x80 || (k = tg_utf8_seq(p, end)) == 0)
                break;
            p += k;
        }
        tg_json_write_raw(w, (const char *)run, (size_t)(p - run));
        if (p == end)
            break;
        if (*p >= 0x80) { /* invalid UTF-8: written (for measuring), flagged */
            set_error(w, TG_JSON_E_VALUE);
            tg_json_write_raw(w, (const char *)p, 1);
            p++;
            continue;
        }
        tg_json_write_raw(w, escapes[*p], (size_t)escapes[*p][7]);
        p++;
    }
    tg_json_write_char(w, '"');
}

void tg_json_write_string(tg_json_writer *w, tg_str s)
{
    const unsigned char *p, *end;

    if (s.len == 0) { /* also s.ptr == NULL: no arithmetic on it */
        tg_json_write_raw(w, "\"\"", 2);
        return;
    }
    p = (const unsigned char *)s.ptr;
    end = p + s.len;
    /* Room for the worst case: 6 bytes per input byte, quotes and SLACK. */
    if (w->len <= w->cap && s.len <= (SIZE_MAX - 2 - SLACK) / 6 &&
        6 * s.len + 2 + SLACK <= w->cap - w->len)
        write_string_roomy(w, p, end);
    else
        write_string_bounded(w, p, end);
}

void tg_json_write_uint(tg_json_writer *w, uint64_t v)
{
    char buf[20];
    size_t i = sizeof buf;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    tg_json_write_raw(w, buf + i, sizeof buf - i);
}

void tg_json_write_int(tg_json_writer *w, int64_t v)
{
    if (v < 0) {
        tg_json_write_char(w, '-');
        tg_json_write_uint(w, (uint64_t)0 - (uint64_t)v);
    } else {
        tg_json_write_uint(w, (uint64_t)v);
    }
}

void tg_json_write_double(tg_json_writer *w, double v)
{
    char buf[32];
    if (!isfinite(v)) {
        set_error(w, TG_JSON_E_VALUE);
        tg_json_write_raw(w, "null", 4);
        return;
    }
    tg_json_write_raw(w, buf, tg_text_format_double(v, buf));
}

void tg_json_write_bool(tg_json_writer *w, bool v)
{
    if (v)
        tg_json_write_raw(w, "true", 4);
    else
        tg_json_write_raw(w, "false", 5);
}

void tg_json_write_null(tg_json_writer *w) { tg_json_write_raw(w, "null", 4); }

/* The 32 hex digits of u into hex[32]. */
static void uuid_hex(const tg_uuid *u, char *hex)
{
#if defined(__SSE2__)
    /* Nibbles spread to bytes (high first), then '0' + n, and 'a' - 10 + n
     * where n > 9: 32 digits in a dozen vector steps. */
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)u->bytes);
    __m128i lo = _mm_and_si128(b, _mm_set1_epi8(15));
    __m128i hi = _mm_and_si128(_mm_srli_epi16(b, 4), _mm_set1_epi8(15));
    __m128i d0 = _mm_unpacklo_epi8(hi, lo), d1 = _mm_unpackhi_epi8(hi, lo);
    __m128i nine = _mm_set1_epi8(9), zero = _mm_set1_epi8('0'), gap = _mm_set1_epi8('a' - '0' - 10);
    d0 = _mm_add_epi8(_mm_add_epi8(d0, zero), _mm_and_si128(_mm_cmpgt_epi8(d0, nine), gap));
    d1 = _mm_add_epi8(_mm_add_epi8(d1, zero), _mm_and_si128(_mm_cmpgt_epi8(d1, nine), gap));
    _mm_storeu_si128((__m128i *)(void *)hex, d0);
    _mm_storeu_si128((__m128i *)(void *)(hex + 16), d1);
#else
    static const char digits[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < 16; i++) {
        hex[2 * i] = digits[u->bytes[i] >> 4];
        hex[2 * i + 1] = digits[u->bytes[i] & 15];
    }
#endif
}

void tg_json_write_uuid(tg_json_writer *w, const tg_uuid *u)
{
    char hex[32], buf[38];

    uuid_hex(u, hex);
    buf[0] = '"';
    memcpy(buf + 1, hex, 8);
    buf[9] = '-';
    memcpy(buf + 10, hex + 8, 4);
    buf[14] = '-';
    memcpy(buf + 15, hex + 12, 4);
    buf[19] = '-';
    memcpy(buf + 20, hex + 16, 4);
    buf[24] = '-';
    memcpy(buf + 25, hex + 20, 12);
    buf[37] = '"';
    tg_json_write_raw(w, buf, sizeof buf);
}

static const char base64_abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of b (padded) into o, which has room for all of it; returns the
 * end.  24 input bytes at a time with AVX2 (tg_simd.c), then six while 8
 * can be loaded (two are unused), then three. */
static char *base64_roomy(char *o, const unsigned char *p, size_t n)
{
    const unsigned char *end = p + n;
    uint32_t v;

    if (n >= 28 && tg_simd_level() == TG_SIMD_AVX2) {
        size_t k = tg_simd_base64_avx2(o, p, n);
        o += k / 3 * 4;
        p += k;
    }
    while (end - p >= 8) {
        uint64_t x;
        int s;
#if TG_TEXT_SWAR
        memcpy(&x, p, 8);
        x = __builtin_bswap64(x);
#else
        x = (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
            (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16;
#endif
        for (s = 58; s >= 16; s -= 6)
            *o++ = base64_abc[x >> s & 63];
        p += 6;
    }
    for (; end - p >= 3; p += 3) {
        v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
        o[0] = base64_abc[v >> 18];
        o[1] = base64_abc[v >> 12 & 63];
        o[2] = base64_abc[v >> 6 & 63];
        o[3] = base64_abc[v & 63];
        o += 4;
    }
    if (end - p == 1) {
        v = (uint32_t)p[0] << 16;
        o[0] = base64_abc[v >> 18];
        o[1] = base64_abc[v >> 12 & 63];
        o[2] = '=';
        o[3] = '=';
        o += 4;
    } else if (end - p == 2) {
        v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8;
        o[0] = base64_abc[v >> 18];
        o[1] = base64_abc[v >> 12 & 63];
        o[2] = base64_abc[v >> 6 & 63];
        o[3] = '=';
        o += 4;
    }
    return o;
}

void tg_json_write_bytes(tg_json_writer *w, tg_bytes b)
{
    size_t need = b.len / 3 * 4 + (b.len % 3 ? 4 : 0) + 2;
    char buf[66];
    size_t i = 0, n;

    if (b.len < SIZE_MAX / 2 && w->len <= w->cap && w->cap - w->len >= need) {
        char *o = w->buf + w->len;
        *o++ = '"';
        if (b.len)
            o = base64_roomy(o, b.ptr, b.len);
        *o++ = '"';
        w->len = (size_t)(o - w->buf);
        return;
    }
    /* Near or past the end of the buffer: 48 input bytes at a time. */
    tg_json_write_char(w, '"');
    while (i < b.len) {
        n = b.len - i < 48 ? b.len - i : 48;
        tg_json_write_raw(w, buf, (size_t)(base64_roomy(buf, b.ptr + i, n) - buf));
        i += n;
    }
    tg_json_write_char(w, '"');
}

/* An empty slice is no JSON value (a `json` field never set): it would leave
 * `"key":}` behind, so it is an error. */
void tg_json_write_json(tg_json_writer *w, tg_str json)
{
    if (json.len == 0)
        set_error(w, TG_JSON_E_VALUE);
    tg_json_write_raw(w, json.ptr, json.len);
}

/* s (checked plain text: no byte to escape) in quotes, one bound check. */
static void write_plain_quoted(tg_json_writer *w, tg_str s)
{
    if (w->len <= w->cap && w->cap - w->len >= 2 && w->cap - w->len - 2 >= s.len) {
        char *o = w->buf + w->len;
        o[0] = '"';
        copy_bytes(o + 1, (const unsigned char *)s.ptr, s.len);
        o[s.len + 1] = '"';
        w->len += s.len + 2;
    } else {
        tg_json_write_char(w, '"');
        tg_json_write_raw(w, s.ptr, s.len);
        tg_json_write_char(w, '"');
    }
}

void tg_json_write_decimal(tg_json_writer *w, tg_str s)
{
    if (!tg_text_is_decimal(s.ptr, s.len)) {
        set_error(w, TG_JSON_E_VALUE);
        tg_json_write_string(w, s);
        return;
    }
    write_plain_quoted(w, s); /* digits, '-', '+', '.', 'e', 'E' */
}

void tg_json_write_timestamp(tg_json_writer *w, tg_str s)
{
    if (tg_text_timestamp(s.ptr, s.len) != NULL) {
        set_error(w, TG_JSON_E_VALUE);
        tg_json_write_string(w, s);
        return;
    }
    write_plain_quoted(w, s); /* digits, '-', ':', 'T', 't', '.', 'Z', 'z', '+' */
}
