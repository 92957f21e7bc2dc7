/*
 * tg_codec.c: schema-level helpers for generated codecs (see tg_codec.h).
 *
 * Validation helpers record non-fatal errors, so a decode can report every
 * violated constraint of a message at once; only JSON syntax stops it.
 */
#include "tg_codec.h"
#include "tg_text_int.h"

#include <inttypes.h>
#include <stdio.h>

int tg_codec_match_scan_(tg_str key, const tg_str *names, int n)
{
    for (int i = 0; i < n; i++)
        if (names[i].len == key.len && tg_str_eq(key, names[i]))
            return i;
    return -1;
}

/* The end of the arena's last allocation as an unlimited arena would have
 * it (see tg_arena_alloc): what every vec decision is based on. */
static size_t arena_cursor(const tg_arena *a) { return a->needed > a->used ? a->needed : a->used; }

/* Take `size` bytes from the arena; on refusal switch the reader to
 * measuring mode (once) and return NULL. */
static void *take(tg_json_reader *r, size_t size, size_t align)
{
    void *p = tg_arena_alloc(r->arena, size, align);
    if (!p && !r->arena_short) {
        r->arena_short = true;
        r->arena_offset = tg_json_offset(r);
    }
    return p;
}

void tg_codec_vec_grow_(tg_json_reader *r, tg_codec_vec *v, size_t size, size_t align)
{
    unsigned char *p;

    if (v->cap > 0 && arena_cursor(r->arena) == v->end) {
        /* Nothing was allocated since the block: extend it by one item. */
        p = take(r, size, align);
        if (!v->lost && p != (unsigned char *)v->items + v->cap * size)
            v->lost = true;
        v->cap++;
    } else {
        size_t cap = v->cap ? 2 * v->cap : 1;
        if (cap > SIZE_MAX / 2 / size) {
            /* Unreachable with real input: the items came from the input. */
            tg_json_error_at(r, tg_json_offset(r), TG_JSON_E_LIMIT, "array too large");
            v->lost = true;
            return;
        }
        p = take(r, cap * size, align);
        if (p && !v->lost && v->count)
            memcpy(p, v->items, v->count * size);
        v->lost = v->lost || !p;
        v->items = p;
        v->cap = cap;
    }
    if (v->lost)
        v->items = NULL;
    v->end = arena_cursor(r->arena);
}

tg_str tg_codec_keep_key(tg_json_reader *r, tg_str key)
{
    if (key.len == 0 || (key.ptr >= r->begin && key.ptr + key.len <= r->end) ||
        key.ptr == r->key_in_arena) /* decoded into the arena by object_next */
        return key;
    char *copy = r->arena ? tg_arena_alloc(r->arena, key.len, 1) : NULL;
    if (!copy) {
        if (r->arena && !r->arena_short) {
            r->arena_short = true;
            r->arena_offset = tg_json_offset(r);
        }
        return (tg_str){"", 0};
    }
    memcpy(copy, key.ptr, key.len);
    return (tg_str){copy, key.len};
}

void tg_codec_check_required_report_(tg_json_reader *r, const uint64_t *seen,
                                     const uint64_t *required, size_t words, const tg_str *names)
{
    const char *close = r->cur; /* just past the '}', or past blanks after it */
    while (close > r->begin && close[-1] != '}')
        close--;
    size_t offset = close > r->begin ? (size_t)(close - 1 - r->begin) : 0;
    for (size_t w = 0; w < words; w++) {
        uint64_t missing = required[w] & ~seen[w];
        for (unsigned bit = 0; missing; bit++, missing >>= 1) {
            if (!(missing & 1))
                continue;
            tg_str name = names[w * 64 + bit];
            char field[TG_JSON_PATH_MAX];
            snprintf(field, sizeof field, "%.*s", (int)name.len, name.ptr);
            tg_json_error_field(r, offset, TG_JSON_E_MISSING, field, "missing required field");
        }
    }
}

/* True for a string the reader left escaped because the arena was too small
 * (measuring mode): it lies in the input and still has a backslash.  Its
 * length and value are unknown, so it is not validated: the decode ends in
 * TG_JSON_E_ARENA and the retry checks it. */
static bool undecoded(const tg_json_reader *r, tg_str s)
{
    return r->arena_short && s.len > 0 && s.ptr >= r->begin && s.ptr + s.len <= r->end &&
           memchr(s.ptr, '\\', s.len) != NULL;
}

void tg_codec_check_length_count_(tg_json_reader *r, size_t offset, tg_str s, uint64_t min,
                                  uint64_t max)
{
    if (undecoded(r, s))
        return;
    size_t n = tg_str_utf8_length(s);
    if (n < min)
        tg_json_error_at(r, offset, TG_JSON_E_LENGTH,
                         "expected string of at least %" PRIu64 " characters, got %zu", min, n);
    else if (n > max)
        tg_json_error_at(r, offset, TG_JSON_E_LENGTH,
                         "expected string of at most %" PRIu64 " characters, got %zu", max, n);
}

void tg_codec_check_items(tg_json_reader *r, size_t offset, size_t count, uint64_t min, uint64_t max)
{
    if (count < min)
        tg_json_error_at(r, offset, TG_JSON_E_LENGTH,
                         "expected at least %" PRIu64 " items, got %zu", min, count);
    else if (count > max)
        tg_json_error_at(r, offset, TG_JSON_E_LENGTH,
                         "expected at most %" PRIu64 " items, got %zu", max, count);
}

void tg_codec_check_uint_min(tg_json_reader *r, size_t offset, uint64_t v, uint64_t min)
{
    if (v < min)
        tg_json_error_at(r, offset, TG_JSON_E_RANGE,
                         "expected integer >= %" PRIu64 ", got %" PRIu64, min, v);
}

void tg_codec_check_double(tg_json_reader *r, size_t offset, double v, bool has_min, double min,
                           bool has_max, double max)
{
    if (has_min && v < min)
        tg_json_error_at(r, offset, TG_JSON_E_RANGE, "expected number >= %.17g, got %.17g", min, v);
    else if (has_max && v > max)
        tg_json_error_at(r, offset, TG_JSON_E_RANGE, "expected number <= %.17g, got %.17g", max, v);
}

void tg_codec_error_enum(tg_json_reader *r, size_t offset, tg_str got, const char *type,
                         const char *allowed)
{
    if (undecoded(r, got))
        return;
    char excerpt[TG_JSON_EXCERPT_CAP];
    tg_json_error_at(r, offset, TG_JSON_E_ENUM, "unknown %s %s (expected one of: %s)", type,
                     tg_json_excerpt(excerpt, got), allowed);
}

/* ---- union tags ------------------------------------------------------------ */

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* End of the string starting at the quote p (just past the closing quote),
 * or NULL.  Not validating: the real parse does that. */
static const char *skip_string(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\')
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return NULL;
}

/* End of the value at p, or NULL; brackets are only counted. */
static const char *skip_value(const char *p, const char *end)
{
    size_t depth = 0;
    while (p < end) {
        char c = *p;
        if (c == '"') {
            if (!(p = skip_string(p, end)))
                return NULL;
            if (depth == 0)
                return p;
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return p;
            if (--depth == 0)
                return p + 1;
        } else if (depth == 0 && (c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t')) {
            return p;
        }
        p++;
    }
    return depth == 0 ? p : NULL;
}

/* Does the JSON string body `raw` (escapes not yet decoded) spell `name`?
 * Bad escapes never match (the real parse reports them). */
static bool raw_eq(tg_str raw, tg_str name)
{
    const char *p = raw.ptr, *end = raw.ptr + raw.len;
    size_t k = 0;
    if (raw.len == 0 || !memchr(raw.ptr, '\\', raw.len))
        return tg_str_eq(raw, name);
    while (p < end) {
        char u[4];
        size_t n = 1, span;
        unsigned cp;
        tg_text_escape_fault fault;
        if (*p != '\\') {
            u[0] = *p++;
        } else {
            if (!(span = tg_text_escape(p, end, &cp, &fault)))
                return false;
            n = tg_text_utf8_put(cp, u);
            p += span;
        }
        if (k + n > name.len || memcmp(name.ptr + k, u, n) != 0)
            return false;
        k += n;
    }
    return k == name.len;
}

int tg_codec_match_tag(tg_str tag, const tg_str *tags, int n)
{
    for (int i = 0; i < n; i++)
        if (raw_eq(tag, tags[i]))
            return i;
    return -1;
}

/* Scan the object at p for member `name`; set *value to the start of its value. */
static bool scan_member(const char *p, const char *end, tg_str name, const char **value)
{
    p = skip_ws(p + 1, end);
    while (p < end && *p == '"') {
        const char *key_end = skip_string(p, end);
        if (!key_end)
            return false;
        tg_str key = {p + 1, (size_t)(key_end - p - 2)};
        p = skip_ws(key_end, end);
        if (p >= end || *p != ':')
            return false;
        p = skip_ws(p + 1, end);
        if (raw_eq(key, name)) {
            *value = p;
            return true;
        }
        if (!(p = skip_value(p, end)))
            return false;
        p = skip_ws(p, end);
        if (p >= end || *p != ',')
            return false;
        p = skip_ws(p + 1, end);
    }
    return false;
}

/* The union object at the cursor has no usable tag: skip it and record
 * `why`, unless skipping finds malformed JSON, which is then the error (the
 * pre-scan does not validate, so a broken text must not read as a union
 * error).  Returns false. */
static bool tag_error(tg_json_reader *r, size_t offset, tg_str discriminator, const char *why)
{
    char field[TG_JSON_PATH_MAX];
    if (!tg_json_skip_value(r))
        return false;
    snprintf(field, sizeof field, "%.*s", (int)discriminator.len, discriminator.ptr);
    tg_json_error_field(r, offset, TG_JSON_E_UNION, field, "%s", why);
    return false;
}

bool tg_codec_find_tag(tg_json_reader *r, tg_str discriminator, tg_str *tag)
{
    size_t at = tg_json_offset(r);
    const char *p = r->cur, *value = NULL;
    if (r->fatal)
        return false;
    if (p >= r->end || *p != '{')
        return tg_json_object_begin(r); /* records the type error, skips */
    if (!scan_member(p, r->end, discriminator, &value))
        return tag_error(r, at, discriminator, "missing discriminator");
    if (value >= r->end) { /* the text ends after the key: a syntax error */
        tg_json_skip_value(r);
        return false;
    }
    const char *value_end = *value == '"' ? skip_string(value, r->end) : NULL;
    if (!value_end)
        return tag_error(r, (size_t)(value - r->begin), discriminator,
                         "discriminator must be a string");
    *tag = (tg_str){value + 1, (size_t)(value_end - value - 2)};
    return true;
}

void tg_codec_error_variant(tg_json_reader *r, tg_str discriminator, tg_str tag,
                            const char *allowed)
{
    size_t offset = (size_t)(tag.ptr - r->begin) - 1; /* the value's opening quote */
    char field[TG_JSON_PATH_MAX], excerpt[TG_JSON_EXCERPT_CAP];
    snprintf(field, sizeof field, "%.*s", (int)discriminator.len, discriminator.ptr);
    tg_json_error_field(r, offset, TG_JSON_E_UNION, field,
                        "unknown variant %s (expected one of: %s)", tg_json_excerpt(excerpt, tag),
                        allowed);
}

tg_json_code tg_codec_decode_end(tg_json_reader *r)
{
    if (tg_json_finish(r))
        return TG_JSON_OK;
    if (r->errors && r->errors->count > 0)
        return r->errors->items[0].code;
    return r->fatal ? TG_JSON_E_SYNTAX : TG_JSON_E_VALUE;
}

/* ---- writing ---------------------------------------------------------------- */

void tg_codec_write_enum(tg_json_writer *w, const char *wire)
{
    if (!wire) {
        tg_codec_write_invalid(w);
        tg_json_write_null(w);
        return;
    }
    tg_json_write_char(w, '"');
    tg_json_write_raw(w, wire, strlen(wire));
    tg_json_write_char(w, '"');
}

void tg_codec_write_invalid(tg_json_writer *w)
{
    if (w->error == TG_JSON_OK)
        w->error = TG_JSON_E_VALUE;
}

tg_json_code tg_codec_encode_end(const tg_json_writer *w, size_t *len)
{
    if (len)
        *len = w->len;
    if (w->error != TG_JSON_OK)
        return w->error;
    return w->len > w->cap ? TG_JSON_E_BUFFER : TG_JSON_OK;
}

/* ---- Kafka keys ------------------------------------------------------------ */

size_t tg_codec_key_str(tg_str s, char *buf, size_t cap)
{
    if (s.len <= cap && s.len > 0)
        memcpy(buf, s.ptr, s.len);
    return s.len;
}

size_t tg_codec_key_cstr(const char *s, char *buf, size_t cap)
{
    return s ? tg_codec_key_str((tg_str){s, strlen(s)}, buf, cap) : 0;
}

size_t tg_codec_key_int(int64_t v, char *buf, size_t cap)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    return tg_codec_key_str((tg_str){tmp, (size_t)n}, buf, cap);
}

size_t tg_codec_key_uint(uint64_t v, char *buf, size_t cap)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v);
    return tg_codec_key_str((tg_str){tmp, (size_t)n}, buf, cap);
}

size_t tg_codec_key_uuid(const tg_uuid *u, char *buf, size_t cap)
{
    char tmp[37];
    tg_json_writer w;
    tg_json_writer_init(&w, tmp, sizeof tmp);
    tg_json_write_uuid(&w, u); /* "xxxxxxxx-...": strip the quotes */
    return tg_codec_key_str((tg_str){tmp + 1, 36}, buf, cap);
}

/* ---- Kafka topic names ------------------------------------------------------- */

tg_topic_name_check tg_codec_topic_name_check(const char *name, size_t len, size_t *bad_at)
{
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-')) {
            if (bad_at)
                *bad_at = i;
            return TG_TOPIC_NAME_BAD_CHAR;
        }
    }
    if (len == 0)
        return TG_TOPIC_NAME_EMPTY;
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
        return TG_TOPIC_NAME_RESERVED;
    return len > TG_TOPIC_NAME_MAX ? TG_TOPIC_NAME_TOO_LONG : TG_TOPIC_NAME_OK;
}
