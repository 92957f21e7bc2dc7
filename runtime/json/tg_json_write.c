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

/* The escape of ASCII byte c (one of '"', '\\', < 0x20) into out[6];
 * returns its length. */
static size_t escape_ascii(unsigned char c, char *out)
{
    static const char hex[] = "0123456789abcdef";
    out[0] = '\\';
    switch (c) {
    case '"': out[1] = '"'; return 2;
    case '\\': out[1] = '\\'; return 2;
    case '\b': out[1] = 'b'; return 2;
    case '\f': out[1] = 'f'; return 2;
    case '\n': out[1] = 'n'; return 2;
    case '\r': out[1] = 'r'; return 2;
    case '\t': out[1] = 't'; return 2;
    default:
        out[1] = 'u';
        out[2] = '0';
        out[3] = '0';
        out[4] = hex[c >> 4];
        out[5] = hex[c & 15];
        return 6;
    }
}

/* tg_json_write_string when the buffer has room for the worst case (6
 * output bytes per input byte, and the quotes), the common case: no bound
 * checks, and plain text is stored 16 bytes at a time before it is looked
 * at (what follows a special byte is overwritten). */
static void write_string_roomy(tg_json_writer *w, const unsigned char *p, const unsigned char *end)
{
    char *o = w->buf + w->len;

    *o++ = '"';
    while (p < end) {
#if defined(__SSE2__)
        while (end - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            unsigned m = tg_text_special_mask16(v), k;
            _mm_storeu_si128((__m128i *)(void *)o, v);
            if (m) {
                k = (unsigned)__builtin_ctz(m);
                p += k;
                o += k;
                break;
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
                break;
            }
            p += 8;
            o += 8;
        }
#endif
        while (p < end && plain(*p))
            *o++ = (char)*p++;
        if (p == end)
            break;
        if (*p < 0x80) {
            o += escape_ascii(*p++, o);
        } else {
            /* A run of text in most scripts: valid UTF-8 (and ASCII) up to
             * the next byte to escape, found by the reader's kernel
             * (tg_simd.c: AVX2 where the CPU has it). */
            const unsigned char *q = (const unsigned char *)tg_simd_string_run(
                (const char *)p, (const char *)end);
            memcpy(o, p, (size_t)(q - p));
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

void tg_json_write_string(tg_json_writer *w, tg_str s)
{
    const unsigned char *p, *end, *run;

    if (s.len == 0) { /* also s.ptr == NULL: no arithmetic on it */
        tg_json_write_raw(w, "\"\"", 2);
        return;
    }
    p = (const unsigned char *)s.ptr;
    end = p + s.len;
    if (w->len <= w->cap && w->cap - w->len >= 2 && (w->cap - w->len - 2) / 6 >= s.len) {
        write_string_roomy(w, p, end);
        return;
    }
    /* Near or past the end of the buffer: every byte checked, the excess
     * counted. */
    tg_json_write_char(w, '"');
    while (p < end) {
        /* A run of bytes copied as they are: plain ASCII (8 bytes at a
         * time) and valid UTF-8 sequences. */
        char u[6];
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
        tg_json_write_raw(w, u, escape_ascii(*p, u));
        p++;
    }
    tg_json_write_char(w, '"');
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

void tg_json_write_uuid(tg_json_writer *w, const tg_uuid *u)
{
    static const char hex[] = "0123456789abcdef";
    char buf[38];
    size_t i, n = 0;

    buf[n++] = '"';
    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            buf[n++] = '-';
        buf[n++] = hex[u->bytes[i] >> 4];
        buf[n++] = hex[u->bytes[i] & 15];
    }
    buf[n++] = '"';
    tg_json_write_raw(w, buf, n);
}

void tg_json_write_bytes(tg_json_writer *w, tg_bytes b)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char buf[64];
    size_t i = 0, n = 0;

    tg_json_write_char(w, '"');
    for (; i + 3 <= b.len; i += 3) {
        uint32_t v = (uint32_t)b.ptr[i] << 16 | (uint32_t)b.ptr[i + 1] << 8 | b.ptr[i + 2];
        buf[n++] = abc[v >> 18];
        buf[n++] = abc[v >> 12 & 63];
        buf[n++] = abc[v >> 6 & 63];
        buf[n++] = abc[v & 63];
        if (n == sizeof buf) {
            tg_json_write_raw(w, buf, n);
            n = 0;
        }
    }
    if (b.len - i == 1) {
        uint32_t v = (uint32_t)b.ptr[i] << 16;
        buf[n++] = abc[v >> 18];
        buf[n++] = abc[v >> 12 & 63];
        buf[n++] = '=';
        buf[n++] = '=';
    } else if (b.len - i == 2) {
        uint32_t v = (uint32_t)b.ptr[i] << 16 | (uint32_t)b.ptr[i + 1] << 8;
        buf[n++] = abc[v >> 18];
        buf[n++] = abc[v >> 12 & 63];
        buf[n++] = abc[v >> 6 & 63];
        buf[n++] = '=';
    }
    tg_json_write_raw(w, buf, n);
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

void tg_json_write_decimal(tg_json_writer *w, tg_str s)
{
    if (!tg_text_is_decimal(s.ptr, s.len)) {
        set_error(w, TG_JSON_E_VALUE);
        tg_json_write_string(w, s);
        return;
    }
    tg_json_write_char(w, '"');
    tg_json_write_raw(w, s.ptr, s.len);
    tg_json_write_char(w, '"');
}

void tg_json_write_timestamp(tg_json_writer *w, tg_str s)
{
    if (tg_text_timestamp(s.ptr, s.len) != NULL)
        set_error(w, TG_JSON_E_VALUE);
    tg_json_write_string(w, s);
}
