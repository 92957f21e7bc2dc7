/*
 * tg_json_write.c: the JSON writer generated encoders call.  Output goes into
 * a caller buffer; bytes past its end are counted, not stored, so an encode
 * with cap 0 (or too small) returns the exact size needed.  Strings are
 * escaped per RFC 8259 and checked for valid UTF-8; doubles are written in
 * the shortest text that reads back to the same value.  No allocation.
 */
#include "tg_json.h"
#include "tg_text.h"

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

void tg_json_write_string(tg_json_writer *w, tg_str s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p, *end, *run;

    if (s.len == 0) { /* also s.ptr == NULL: no arithmetic on it */
        tg_json_write_raw(w, "\"\"", 2);
        return;
    }
    p = (const unsigned char *)s.ptr;
    end = p + s.len;
    tg_json_write_char(w, '"');
    while (p < end) {
        /* A run of bytes copied as they are: plain ASCII (16, then 8
         * bytes at a time) and valid UTF-8 sequences. */
        run = p;
        p = (const unsigned char *)tg_text_plain_run((const char *)p, (const char *)end);
        for (;;) {
            size_t k;
            while (end - p >= 8) {
                uint64_t v, q, b, m;
                const uint64_t ones = 0x0101010101010101u;
                memcpy(&v, p, 8);
                q = v ^ (ones * '"');
                b = v ^ (ones * '\\');
                m = ((q - ones) & ~q) | ((b - ones) & ~b) | ((v - ones * 0x20) & ~v) | v;
                if (m & 0x8080808080808080u)
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
        switch (*p) {
        case '"': tg_json_write_raw(w, "\\\"", 2); break;
        case '\\': tg_json_write_raw(w, "\\\\", 2); break;
        case '\b': tg_json_write_raw(w, "\\b", 2); break;
        case '\f': tg_json_write_raw(w, "\\f", 2); break;
        case '\n': tg_json_write_raw(w, "\\n", 2); break;
        case '\r': tg_json_write_raw(w, "\\r", 2); break;
        case '\t': tg_json_write_raw(w, "\\t", 2); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15]};
            tg_json_write_raw(w, u, 6);
            break;
        }
        }
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
