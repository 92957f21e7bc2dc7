/*
 * tg_json_error.c: turning a reader position into an error record: the code
 * names, the JSON path text ("$.line_items[2].quantity", odd keys as
 * $["a b"]) and the one-line format "<path>: <reason> (byte <offset>)".
 * Errors go into the caller's fixed array; what does not fit is counted.
 * Input text in a path or a reason is escaped one way (excerpt_escape), so
 * error texts carry no line break, bidi control or stray byte from the input.
 */
#include "tg_json.h"
#include "tg_text_int.h"

#include <stdio.h>
#include <string.h>

static const char *const code_names[] = {
#define TG_JSON_CODE_NAME_(name, text) text,
    TG_JSON_CODE_LIST(TG_JSON_CODE_NAME_)
#undef TG_JSON_CODE_NAME_
};

const char *tg_json_code_name(tg_json_code code)
{
    if ((unsigned)code >= (unsigned)TG_JSON_CODE_COUNT_)
        return "?";
    return code_names[code];
}

/* A bounded appender: keeps what fits, remembers that something did not. */
typedef struct pathbuf {
    char *buf;
    size_t len, cap; /* cap excludes the NUL */
    bool cut;
} pathbuf;

static void put(pathbuf *b, const char *s, size_t n)
{
    if (b->len + n > b->cap) {
        n = b->cap - b->len;
        b->cut = true;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
}

static bool is_ident_byte(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (!first && c >= '0' && c <= '9');
}

static bool is_ident(tg_str k)
{
    size_t i;
    if (k.len == 0)
        return false;
    for (i = 0; i < k.len; i++)
        if (!is_ident_byte(k.ptr[i], i == 0))
            return false;
    return true;
}

/* U+2028/U+2029 and the bidirectional controls: invisible, yet they break
 * or reorder lines. */
static bool is_invisible_control(uint32_t cp)
{
    return cp == 0x2028 || cp == 0x2029 || tg_text_is_bidi_control(cp);
}

/* The escape for the character of n bytes at p (n 0: an invalid byte) into
 * esc; 0 when it goes out as it is. */
static int excerpt_escape(const unsigned char *p, size_t n, char *esc, size_t cap)
{
    unsigned c = p[0];
    static const char short_esc[] = "\\b\\t\\n\\v\\f\\r"; /* 0x08..0x0D */
    if (n == 0)
        return snprintf(esc, cap, "\\x%02x", c);
    if (n >= 2 && is_invisible_control(tg_utf8_code_point(p, n)))
        return snprintf(esc, cap, "\\u%04x", (unsigned)tg_utf8_code_point(p, n));
    if (c == '"' || c == '\\')
        return snprintf(esc, cap, "\\%c", (char)c);
    if (c >= 0x08 && c <= 0x0D)
        return snprintf(esc, cap, "%.2s", short_esc + 2 * (size_t)(c - 0x08));
    if (c < 0x20 || c == 0x7F)
        return snprintf(esc, cap, "\\u%04x", c);
    return 0;
}

/* ".key" for identifiers (ident: is_ident of the whole key), else ["key"]
 * escaped as excerpts are. */
static void put_key_as(pathbuf *b, tg_str k, bool ident)
{
    const unsigned char *p = (const unsigned char *)k.ptr, *end = p + k.len;
    if (ident) {
        put(b, ".", 1);
        put(b, k.ptr, k.len);
        return;
    }
    put(b, "[\"", 2);
    while (p < end) {
        size_t n = *p < 0x80 ? 1 : tg_utf8_seq(p, end);
        char esc[8];
        int e = excerpt_escape(p, n, esc, sizeof esc);
        put(b, e ? esc : (const char *)p, e ? (size_t)e : n);
        p += n ? n : 1;
    }
    put(b, "\"]", 2);
}

static void put_key(pathbuf *b, tg_str k) { put_key_as(b, k, is_ident(k)); }

/* A key as written with escapes: decoded, as much as the path can show
 * (every byte takes at least one place), judged as a whole. */
static void put_escaped_key(pathbuf *b, tg_str written)
{
    char dec[TG_JSON_PATH_MAX + 4];
    tg_text_unescaper u;
    size_t n = 0;
    bool ident_rest = true;
    int c;
    tg_text_unescaper_init(&u, written.ptr, written.len);
    while ((c = tg_text_unescaper_next(&u)) >= 0) {
        if (n < sizeof dec)
            dec[n++] = (char)c;
        else
            ident_rest = ident_rest && is_ident_byte((char)c, false);
    }
    put_key_as(b, (tg_str){dec, n}, ident_rest && is_ident((tg_str){dec, n}));
}

static void format_path(const tg_json_reader *r, const char *field, char *out)
{
    pathbuf b = {out, 0, TG_JSON_PATH_MAX - 1, false};
    unsigned i;

    put(&b, "$", 1);
    for (i = 0; i < r->depth && !b.cut; i++) {
        const tg_json_path_seg *s = &r->path[i];
        if (s->kind == 1 && (s->flags & TG_JSON_SEG_KEY_ESCAPED_)) {
            put_escaped_key(&b, s->key);
        } else if (s->kind == 1) {
            put_key(&b, s->key);
        } else if (s->kind == 2) {
            char idx[16];
            int n = snprintf(idx, sizeof idx, "[%lu]", (unsigned long)s->index);
            put(&b, idx, (size_t)n);
        }
    }
    if (field && !b.cut) {
        tg_str f = {field, strlen(field)};
        put_key(&b, f);
    }
    if (b.cut && b.cap >= 3)
        memcpy(out + b.cap - 3, "...", 3);
    out[b.len] = '\0';
}

const char *tg_json_excerpt(char *buf, tg_str s)
{
    const unsigned char *p = (const unsigned char *)s.ptr, *end = p + s.len;
    const unsigned char *stop = p + (s.len > TG_JSON_EXCERPT_BYTES ? TG_JSON_EXCERPT_BYTES : s.len);
    size_t len = 0;
    buf[len++] = '"';
    while (p < stop) {
        size_t n = *p < 0x80 ? 1 : tg_utf8_seq(p, end), step = n ? n : 1;
        char esc[8];
        int e;
        if (p + step > stop)
            break; /* a character the cut would split */
        e = excerpt_escape(p, n, esc, sizeof esc);
        memcpy(buf + len, e ? esc : (const char *)p, e ? (size_t)e : n);
        len += e ? (size_t)e : n;
        p += step;
    }
    if (p < end) {
        memcpy(buf + len, "...", 3);
        len += 3;
    }
    buf[len++] = '"';
    buf[len] = '\0';
    return buf;
}

bool tg_json_error_v(tg_json_reader *r, size_t offset, tg_json_code code, const char *field,
                     const char *fmt, va_list ap)
{
    tg_json_errors *es = r->errors;
    tg_json_error *e;

    if (r->fatal)
        return false;
    r->error_count++;
    if (!es)
        return false;
    if (es->count >= es->cap || !es->items) {
        es->dropped++;
        return false;
    }
    e = &es->items[es->count++];
    e->code = code;
    e->offset = offset;
    format_path(r, field, e->path);
    vsnprintf(e->reason, sizeof e->reason, fmt, ap);
    return false;
}

bool tg_json_error_at(tg_json_reader *r, size_t offset, tg_json_code code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tg_json_error_v(r, offset, code, NULL, fmt, ap);
    va_end(ap);
    return false;
}

bool tg_json_error_field(tg_json_reader *r, size_t offset, tg_json_code code, const char *field,
                         const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tg_json_error_v(r, offset, code, field, fmt, ap);
    va_end(ap);
    return false;
}

size_t tg_json_error_format(const tg_json_error *e, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s: %s (byte %zu)", e->path, e->reason, e->offset);
    return n < 0 ? 0 : (size_t)n;
}
