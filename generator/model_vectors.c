/*
 * model_vectors.c - the conformance vectors of `--emit vectors` (issue 17):
 * for every message and union of a schema, documents a decoder must accept
 * (with the exact bytes the C encoder writes back) or refuse (with the
 * error code and the JSON path of the first error, as the C decoder
 * reports it, docs/languages.md "Test vectors").
 *
 * Everything is computed here from the schema alone: the decoders are
 * never run (the vectors judge them; running them would make the tests
 * circular).  The rules encoded are those of docs/schema.md: presence
 * (required, optional, default, nullable), constraints and their bounds,
 * the wire form of each scalar type, canonical output (schema order,
 * defaults written, shortest doubles, decimals as strings, lowercase
 * UUIDs, strings with only the escapes JSON needs), and the path syntax
 * of tg_json_error.c ($.key, $["odd key"], [index]).
 *
 * Invariants: every invalid document breaks exactly one rule once, so its
 * first error is unambiguous; every valid document's canonical text is
 * itself a valid document that re-encodes to itself.  Documents are valid
 * UTF-8 (the file is JSON; bytes that are not UTF-8 cannot be stored in a
 * JSON string).  The template (templates/vectors/) only lays the list out;
 * text reaches it through set_text (TX_JSON_STRING).
 */
#include "model_vectors.h"
#include "model_int.h"
#include "util.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nested values get their own variants down to this depth; deeper ones
 * only their typical value (keeps files small, recursion finite). */
#define VARIANT_DEPTH 3
/* A typical value nested deeper than this is the minimal one. */
#define TYPICAL_DEPTH 12
/* Longest string, array or map a boundary vector spells out. */
#define SPELL_MAX 5000

static char *cat3(const char *a, const char *b, const char *c)
{
    return xasprintf("%s%s%s", a, b, c);
}

/* ---- variants of one value ---------------------------------------------- */

/* One spelling of a value.  canon NULL: the value is invalid; path is then
 * where the error is, below the value ("" the value itself). */
typedef struct variant {
    char *name;
    char *written;
    char *canon;
    char *path;
    const char *code;
} variant;

typedef struct vset {
    variant *v;
    size_t n;
} vset;

static void add_valid(vset *vs, const char *name, const char *written, const char *canon)
{
    variant *v = xappend(&vs->v, &vs->n, sizeof *v);
    v->name = xstrdup(name);
    v->written = xstrdup(written);
    v->canon = xstrdup(canon);
}

static void add_invalid(vset *vs, const char *name, const char *written, const char *path,
                        const char *code)
{
    variant *v = xappend(&vs->v, &vs->n, sizeof *v);
    v->name = xstrdup(name);
    v->written = xstrdup(written);
    v->path = xstrdup(path);
    v->code = code;
}

static void vset_free(vset *vs)
{
    for (size_t i = 0; i < vs->n; i++) {
        free(vs->v[i].name);
        free(vs->v[i].written);
        free(vs->v[i].canon);
        free(vs->v[i].path);
    }
    free(vs->v);
    vs->v = NULL;
    vs->n = 0;
}

/* ---- JSON text as the C encoder writes it ------------------------------- */

/* s as tg_json_write_string writes it: '"' '\\' \b \f \n \r \t escaped,
 * other bytes < 0x20 as \u00xx, everything else (valid UTF-8) as is. */
static void put_json_string(strbuf *b, const char *s)
{
    strbuf_puts(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        const char *e = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b"
                      : c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
                      : c == '\t' ? "\\t" : NULL;
        if (e)
            strbuf_puts(b, e);
        else if (c < 0x20)
            strbuf_printf(b, "\\u%04x", c);
        else
            strbuf_putn(b, (const char *)&c, 1);
    }
    strbuf_puts(b, "\"");
}

static char *json_string(const char *s)
{
    strbuf b = {0};
    put_json_string(&b, s);
    return strbuf_take(&b);
}

/* A member key as the generated writer spells it (model.c's json_quote:
 * controls as \u00xx). */
static char *json_key(const char *s)
{
    strbuf b = {0};
    strbuf_puts(&b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            strbuf_printf(&b, "\\%c", c);
        else if (c < 0x20)
            strbuf_printf(&b, "\\u%04x", c);
        else
            strbuf_putn(&b, (const char *)&c, 1);
    }
    strbuf_puts(&b, "\"");
    return strbuf_take(&b);
}

/* Python repr of a finite double, which is what tg_json_write_double
 * writes: the shortest digits that read back, positional for decimal
 * exponents -4..15 (with ".0" when integral), else d.ddde+XX. */
static char *double_repr(double v)
{
    if (v == 0)
        return xstrdup(signbit(v) ? "-0.0" : "0.0");
    char tmp[64], dig[32];
    int nd = 0, e = 0;
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, fabs(v));
        if (strtod(tmp, NULL) == fabs(v) || prec == 17)
            break;
    }
    char *p = tmp;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            dig[nd++] = *p;
    e = atoi(p + 1);
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;
    strbuf b = {0};
    if (v < 0)
        strbuf_puts(&b, "-");
    if (e >= -4 && e < 16) {
        if (e >= 0) {
            for (int i = 0; i <= e; i++)
                strbuf_putn(&b, i < nd ? &dig[i] : "0", 1);
            strbuf_puts(&b, ".");
            if (nd > e + 1)
                strbuf_putn(&b, dig + e + 1, (size_t)(nd - e - 1));
            else
                strbuf_puts(&b, "0");
        } else {
            strbuf_puts(&b, "0.");
            for (int i = -1; i > e; i--)
                strbuf_puts(&b, "0");
            strbuf_putn(&b, dig, (size_t)nd);
        }
    } else {
        strbuf_putn(&b, dig, 1);
        if (nd > 1) {
            strbuf_puts(&b, ".");
            strbuf_putn(&b, dig + 1, (size_t)(nd - 1));
        }
        strbuf_printf(&b, "e%c%02d", e < 0 ? '-' : '+', abs(e));
    }
    return strbuf_take(&b);
}

/* ---- paths as tg_json_error.c writes them -------------------------------- */

static bool is_path_ident(const char *k)
{
    if (!*k || (*k >= '0' && *k <= '9'))
        return false;
    for (; *k; k++)
        if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || *k == '_' ||
              (*k >= '0' && *k <= '9')))
            return false;
    return true;
}

/* One key segment: ".key", or ["key"] with '"', '\\', controls, DEL, line
 * separators and bidi controls escaped as error excerpts are. */
static char *path_key(const char *k)
{
    if (is_path_ident(k))
        return xasprintf(".%s", k);
    strbuf b = {0};
    strbuf_puts(&b, "[\"");
    const unsigned char *p = (const unsigned char *)k;
    while (*p) {
        size_t n = 1;
        long cp = utf8_decode(p, strlen((const char *)p), &n);
        static const char short_esc[] = "\\b\\t\\n\\v\\f\\r";
        if (n >= 2 && (cp == 0x2028 || cp == 0x2029 || is_bidi_control(cp)))
            strbuf_printf(&b, "\\u%04lx", cp);
        else if (*p == '"' || *p == '\\')
            strbuf_printf(&b, "\\%c", *p);
        else if (*p >= 0x08 && *p <= 0x0D)
            strbuf_putn(&b, short_esc + 2 * (*p - 0x08), 2);
        else if (*p < 0x20 || *p == 0x7F)
            strbuf_printf(&b, "\\u%04x", *p);
        else
            strbuf_putn(&b, (const char *)p, n);
        p += n;
    }
    strbuf_puts(&b, "\"]");
    return strbuf_take(&b);
}

/* ---- the generator's state ----------------------------------------------- */

typedef struct gen {
    const message_def *stack[TYPICAL_DEPTH + 4]; /* messages being built */
    int depth;
} gen;

static void value_variants(gen *g, const type_ref *t, const field_def *f, vset *out);
static void typical_value(gen *g, const type_ref *t, const field_def *f, char **written,
                          char **canon);

/* ---- scalars ------------------------------------------------------------- */

static void bool_variants(vset *vs)
{
    add_valid(vs, "true", "true", "true");
    add_valid(vs, "false", "false", "false");
    add_invalid(vs, "a string", "\"true\"", "", "type");
    add_invalid(vs, "a number", "1", "", "type");
}

/* The vectors of an integer field, its numbers spelled: the typical value,
 * the lowest and highest allowed, the first values out of range below and
 * above; minus_zero when 0 is allowed (-0 reads as 0). */
static void int_variants(vset *vs, const char *typ, const char *lo, const char *hi,
                         const char *below, const char *above, bool minus_zero)
{
    char name[80];
    add_valid(vs, "typical", typ, typ);
    snprintf(name, sizeof name, "lowest %s", lo);
    add_valid(vs, name, lo, lo);
    snprintf(name, sizeof name, "highest %s", hi);
    add_valid(vs, name, hi, hi);
    if (minus_zero)
        add_valid(vs, "minus zero", "-0", "0");
    snprintf(name, sizeof name, "below the lowest: %s", below);
    add_invalid(vs, name, below, "", "range");
    snprintf(name, sizeof name, "above the highest: %s", above);
    add_invalid(vs, name, above, "", "range");
    add_invalid(vs, "a fraction", "1.5", "", "type");
    add_invalid(vs, "an exponent", "1e2", "", "type");
    add_invalid(vs, "a string", "\"1\"", "", "type");
}

static void signed_variants(vset *vs, const field_def *f, int64_t tmin, int64_t tmax)
{
    int64_t lo = f && f->min.set ? f->min.i : tmin, hi = f && f->max.set ? f->max.i : tmax;
    int64_t typ = lo > 1 ? lo : hi < 1 ? hi : 1;
    char t[24], l[24], h[24], below[24], above[24];
    snprintf(t, sizeof t, "%" PRId64, typ);
    snprintf(l, sizeof l, "%" PRId64, lo);
    snprintf(h, sizeof h, "%" PRId64, hi);
    if (lo > INT64_MIN)
        snprintf(below, sizeof below, "%" PRId64, lo - 1);
    else
        snprintf(below, sizeof below, "-9223372036854775809");
    if (hi < INT64_MAX)
        snprintf(above, sizeof above, "%" PRId64, hi + 1);
    else
        snprintf(above, sizeof above, "9223372036854775808");
    int_variants(vs, t, l, h, below, above, lo <= 0 && hi >= 0);
}

static void unsigned_variants(vset *vs, const field_def *f, uint64_t tmax)
{
    uint64_t lo = f && f->min.set ? f->min.u : 0, hi = f && f->max.set ? f->max.u : tmax;
    uint64_t typ = lo > 1 ? lo : hi < 1 ? hi : 1;
    char t[24], l[24], h[24], below[24], above[24];
    snprintf(t, sizeof t, "%" PRIu64, typ);
    snprintf(l, sizeof l, "%" PRIu64, lo);
    snprintf(h, sizeof h, "%" PRIu64, hi);
    if (lo > 0)
        snprintf(below, sizeof below, "%" PRIu64, lo - 1);
    else
        snprintf(below, sizeof below, "-1");
    if (hi < UINT64_MAX)
        snprintf(above, sizeof above, "%" PRIu64, hi + 1);
    else
        snprintf(above, sizeof above, "18446744073709551616");
    int_variants(vs, t, l, h, below, above, lo == 0);
}

static void double_variants(vset *vs, const field_def *f)
{
    /* Spellings whose canonical form is known (Python's repr). */
    static const char *const spellings[][2] = {
        {"0.5", "0.5"},
        {"0", "0.0"},
        {"-0", "-0.0"},
        {"1", "1.0"},
        {"0.1", "0.1"},
        {"0.30000000000000004", "0.30000000000000004"},
        {"1e2", "100.0"},
        {"-2.5E+3", "-2500.0"},
        {"1e-7", "1e-07"},
        {"0.0001", "0.0001"},
        {"1e16", "1e+16"},
        {"123456789012345.6", "123456789012345.6"},
        {"9007199254740993", "9007199254740992.0"},
        {"1.7976931348623157e308", "1.7976931348623157e+308"},
        {"-1.7976931348623157e308", "-1.7976931348623157e+308"},
        {"2.2250738585072014e-308", "2.2250738585072014e-308"},
        {"5e-324", "5e-324"},
        {"1e-400", "0.0"},
    };
    bool has_lo = f && f->min.set, has_hi = f && f->max.set;
    double lo = has_lo ? f->min.d : -DBL_MAX, hi = has_hi ? f->max.d : DBL_MAX;
    bool typical_done = false;
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++) {
        double v = strtod(spellings[i][0], NULL);
        if (v < lo || v > hi)
            continue;
        add_valid(vs, typical_done ? spellings[i][0] : "typical", spellings[i][0],
                  spellings[i][1]);
        typical_done = true;
    }
    for (int side = 0; side < 2; side++) {
        if (!(side ? has_hi : has_lo))
            continue;
        const bound *b = side ? &f->max : &f->min;
        char *canon = double_repr(b->d), *name = xasprintf("%s %s", side ? "highest" : "lowest",
                                                           b->text);
        if (!typical_done)
            add_valid(vs, "typical", b->text, canon);
        typical_done = true;
        add_valid(vs, name, b->text, canon);
        free(canon);
        free(name);
        double out = side ? b->d + (fabs(b->d) < 1 ? 0.5 : fabs(b->d)) :
                            b->d - (fabs(b->d) < 1 ? 0.5 : fabs(b->d));
        if (isfinite(out)) {
            char w[64];
            snprintf(w, sizeof w, "%.17g", out);
            name = xasprintf("%s: %s", side ? "above the highest" : "below the lowest", w);
            add_invalid(vs, name, w, "", "range");
            free(name);
        }
    }
    add_invalid(vs, "beyond any double", "1e400", "", "range");
    add_invalid(vs, "a string", "\"1.0\"", "", "type");
    add_invalid(vs, "a boolean", "true", "", "type");
}

/* One piece of a string: how a document may spell one code point and how
 * the C encoder writes it back. */
typedef struct piece {
    const char *written, *canon;
} piece;

static const piece escape_pieces[] = {
    {"\\\"", "\\\""}, {"\\\\", "\\\\"}, {"\\/", "/"}, {"\\b", "\\b"}, {"\\f", "\\f"},
    {"\\n", "\\n"}, {"\\r", "\\r"}, {"\\t", "\\t"}, {"\\u0001", "\\u0001"},
    {"\\u001F", "\\u001f"}, {"\\u00e9", "\xc3\xa9"}, {"\\u20AC", "\xe2\x82\xac"},
    {"\\ud83d\\ude00", "\xf0\x9f\x98\x80"}, {"\\u2028", "\xe2\x80\xa8"}, {"\x7f", "\x7f"},
    {"\\u0041", "A"},
};

static const piece wide_pieces[] = {
    {"\xc3\xa9", "\xc3\xa9"}, {"\xe6\x97\xa5", "\xe6\x97\xa5"}, {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},
};

/* A string of exactly n code points from pieces (cycled), quoted. */
static void spell_string(const piece *ps, size_t nps, size_t n, char **written, char **canon)
{
    strbuf w = {0}, c = {0};
    strbuf_puts(&w, "\"");
    strbuf_puts(&c, "\"");
    for (size_t i = 0; i < n; i++) {
        strbuf_puts(&w, ps[i % nps].written);
        strbuf_puts(&c, ps[i % nps].canon);
    }
    strbuf_puts(&w, "\"");
    strbuf_puts(&c, "\"");
    *written = strbuf_take(&w);
    *canon = strbuf_take(&c);
}

static const piece ascii_pieces[] = {
    {"a", "a"}, {"b", "b"}, {"c", "c"}, {"d", "d"}, {"e", "e"}, {"f", "f"}, {"g", "g"},
};

static void add_string_of(vset *vs, const char *name, const piece *ps, size_t nps, size_t n,
                          bool valid)
{
    char *w, *c;
    spell_string(ps, nps, n, &w, &c);
    if (valid)
        add_valid(vs, name, w, c);
    else
        add_invalid(vs, name, w, "", "length");
    free(w);
    free(c);
}

static void string_variants(vset *vs, const field_def *f)
{
    uint64_t lo = f && f->has_min_length ? f->min_length : 0;
    bool has_hi = f && f->has_max_length;
    uint64_t hi = has_hi ? f->max_length : UINT64_MAX;
    uint64_t typ = lo > 5 ? lo : hi < 5 ? hi : 5;
    char name[96];
    add_string_of(vs, "typical", ascii_pieces, 7, typ, true);
    snprintf(name, sizeof name, "shortest: %" PRIu64 " code points", lo);
    if (lo <= SPELL_MAX)
        add_string_of(vs, name, ascii_pieces, 7, lo, true);
    if (has_hi && hi <= SPELL_MAX) {
        snprintf(name, sizeof name, "longest: %" PRIu64 " ASCII code points", hi);
        add_string_of(vs, name, ascii_pieces, 7, hi, true);
        snprintf(name, sizeof name, "longest: %" PRIu64 " code points of 2, 3 and 4 bytes", hi);
        if (hi >= 1)
            add_string_of(vs, name, wide_pieces, 3, hi, true);
        snprintf(name, sizeof name, "too long: %" PRIu64 " code points", hi + 1);
        add_string_of(vs, name, wide_pieces, 3, hi + 1, false);
    }
    if (lo > 0 && lo - 1 <= SPELL_MAX) {
        snprintf(name, sizeof name, "too short: %" PRIu64 " code points", lo - 1);
        add_string_of(vs, name, wide_pieces, 3, lo - 1, false);
    }
    size_t n_esc = sizeof escape_pieces / sizeof escape_pieces[0];
    if (lo <= n_esc) {
        size_t n = hi < n_esc ? (size_t)hi : n_esc;
        if (n > 0)
            add_string_of(vs, "every JSON escape and raw DEL", escape_pieces, n_esc, n, true);
    }
    add_invalid(vs, "a number", "5", "", "type");
    add_invalid(vs, "an array", "[\"a\"]", "", "type");
}

static void timestamp_variants(vset *vs)
{
    static const char *const good[][2] = {
        {"typical", "\"2024-05-01T12:00:00Z\""},
        {"lowercase t and z", "\"2024-05-01t12:00:00z\""},
        {"nanoseconds", "\"2024-05-01T12:00:00.123456789Z\""},
        {"one fraction digit", "\"2024-05-01T12:00:00.5Z\""},
        {"positive offset", "\"2024-05-01T14:00:00.250+02:00\""},
        {"unknown local offset", "\"2024-05-01T12:00:00-00:00\""},
        {"largest offset", "\"2024-05-01T12:00:00+23:59\""},
        {"leap day", "\"2024-02-29T00:00:00Z\""},
        {"leap second", "\"2016-12-31T23:59:60Z\""},
        {"year 0000", "\"0000-01-01T00:00:00Z\""},
        {"year 9999", "\"9999-12-31T23:59:59.999999999Z\""},
    };
    static const char *const bad[][2] = {
        {"not a leap year", "\"2023-02-29T00:00:00Z\""},
        {"space separator", "\"2024-05-01 12:00:00Z\""},
        {"no offset", "\"2024-05-01T12:00:00\""},
        {"month 13", "\"2024-13-01T00:00:00Z\""},
        {"hour 24", "\"2024-05-01T24:00:00Z\""},
        {"ten fraction digits", "\"2024-05-01T12:00:00.1234567890Z\""},
        {"offset without colon", "\"2024-05-01T12:00:00+0200\""},
        {"date only", "\"2024-05-01\""},
        {"empty", "\"\""},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        add_valid(vs, good[i][0], good[i][1], good[i][1]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        add_invalid(vs, bad[i][0], bad[i][1], "", "format");
    add_invalid(vs, "a number", "1714564800", "", "type");
}

static void uuid_variants(vset *vs)
{
    add_valid(vs, "typical", "\"123e4567-e89b-12d3-a456-426614174000\"",
              "\"123e4567-e89b-12d3-a456-426614174000\"");
    add_valid(vs, "uppercase", "\"123E4567-E89B-12D3-A456-42661417400F\"",
              "\"123e4567-e89b-12d3-a456-42661417400f\"");
    add_valid(vs, "nil", "\"00000000-0000-0000-0000-000000000000\"",
              "\"00000000-0000-0000-0000-000000000000\"");
    add_invalid(vs, "no dashes", "\"123e4567e89b12d3a456426614174000\"", "", "format");
    add_invalid(vs, "not hex", "\"123e4567-e89b-12d3-a456-42661417400g\"", "", "format");
    add_invalid(vs, "braces", "\"{123e4567-e89b-12d3-a456-426614174000}\"", "", "format");
    add_invalid(vs, "a number", "1", "", "type");
}

static void decimal_variants(vset *vs, const field_def *f)
{
    static const char *const good[][3] = {
        {"a number", "12.50", "\"12.50\""},
        {"a string", "\"12.50\"", "\"12.50\""},
        {"minus zero", "-0", "\"-0\""},
        {"an exponent", "1e3", "\"1e3\""},
        {"a string with an exponent", "\"-1.5E-10\"", "\"-1.5E-10\""},
        {"more digits than a double", "\"12345678901234567890.123456789\"",
         "\"12345678901234567890.123456789\""},
    };
    static const char *const bad[][2] = {
        {"leading zero", "\"01\""}, {"trailing point", "\"1.\""}, {"leading point", "\".5\""},
        {"plus sign", "\"+1\""},    {"not a number", "\"abc\""}, {"NaN", "\"NaN\""},
        {"empty", "\"\""},
    };
    uint64_t lo = f && f->has_min_length ? f->min_length : 0;
    uint64_t hi = f && f->has_max_length ? f->max_length : UINT64_MAX;
    bool typical_done = false;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        size_t len = strlen(good[i][2]) - 2;
        if (len < lo || len > hi)
            continue;
        add_valid(vs, typical_done ? good[i][0] : "typical", good[i][1], good[i][2]);
        typical_done = true;
    }
    char name[96];
    for (int side = 0; side < 2; side++) {
        uint64_t n = side ? hi : lo;
        if (n == 0 || n > SPELL_MAX)
            continue;
        strbuf w = {0};
        for (uint64_t i = 0; i < n; i++)
            strbuf_puts(&w, i == 0 ? "1" : "0");
        char *q = json_string(w.data);
        snprintf(name, sizeof name, "%s: %" PRIu64 " characters", side ? "longest" : "shortest",
                 n);
        add_valid(vs, typical_done ? name : "typical", w.data, q);
        typical_done = true;
        free(q);
        uint64_t m = side ? n + 1 : n - 1;
        if (m > 0) {
            w.len = 0;
            for (uint64_t i = 0; i < m; i++)
                strbuf_puts(&w, i == 0 ? "1" : "0");
            snprintf(name, sizeof name, "%s: %" PRIu64 " characters",
                     side ? "too long" : "too short", m);
            add_invalid(vs, name, w.data, "", "length");
        }
        free(w.data);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (strlen(bad[i][1]) - 2 >= lo && strlen(bad[i][1]) - 2 <= hi)
            add_invalid(vs, bad[i][0], bad[i][1], "", "format");
    add_invalid(vs, "a boolean", "true", "", "type");
}

static void bytes_variants(vset *vs)
{
    add_valid(vs, "typical", "\"aGVsbG8=\"", "\"aGVsbG8=\"");
    add_valid(vs, "empty", "\"\"", "\"\"");
    add_valid(vs, "every padding and + /", "\"+/8=\"", "\"+/8=\"");
    add_valid(vs, "two padding characters", "\"AA==\"", "\"AA==\"");
    add_invalid(vs, "no padding", "\"aGVsbG8\"", "", "format");
    add_invalid(vs, "one character", "\"a\"", "", "format");
    add_invalid(vs, "URL-safe alphabet", "\"-_8=\"", "", "format");
    add_invalid(vs, "a space inside", "\"aGVs bG8=\"", "", "format");
    add_invalid(vs, "a number", "1", "", "type");
}

static void json_variants(vset *vs)
{
    static const char *const good[][2] = {
        {"typical", "{\"a\":[1,2.50,\"x\"],\"b\":null}"},
        {"whitespace inside, kept", "{ \"a\" : [ 1 , true ] }"},
        {"null", "null"},
        {"a string with escapes, kept", "\"\\u00e9\\n\""},
        {"a number as written", "-0.0e+00"},
        {"beyond any double, kept", "1e400"},
        {"an empty array", "[]"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        add_valid(vs, good[i][0], good[i][1], good[i][1]);
}

static void enum_variants(vset *vs, const enum_def *e)
{
    for (size_t i = 0; i < e->n_values; i++) {
        char *q = json_string(e->values[i].wire), *name = xasprintf(
            i == 0 ? "typical (%s)" : "value %s", e->values[i].name);
        add_valid(vs, name, q, q);
        free(q);
        free(name);
    }
    const char *unknown = "zz-not-a-value";
    char *q = json_string(unknown);
    if (e->has_fallback) {
        char *fb = json_string(e->values[e->fallback].wire);
        add_valid(vs, "an unknown value reads as the fallback", q, fb);
        free(fb);
    } else {
        add_invalid(vs, "an unknown value", q, "", "enum");
    }
    free(q);
    add_invalid(vs, "a number", "0", "", "type");
}

/* ---- messages ------------------------------------------------------------ */

/* One member's key and value as a document spells them. */
typedef struct member {
    char *key; /* quoted */
    char *written, *canon;
} member;

/* "{" prefix, members "}" with commas. */
static char *object_text(const char *prefix, char *const *parts, size_t n)
{
    strbuf b = {0};
    strbuf_puts(&b, "{");
    bool first = true;
    if (prefix && *prefix) {
        strbuf_puts(&b, prefix);
        first = false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!parts[i])
            continue;
        if (!first)
            strbuf_puts(&b, ",");
        strbuf_puts(&b, parts[i]);
        first = false;
    }
    strbuf_puts(&b, "}");
    return strbuf_take(&b);
}

static bool on_stack(const gen *g, const message_def *m)
{
    for (int i = 0; i < g->depth; i++)
        if (g->stack[i] == m)
            return true;
    return false;
}

/* The canonical member of a field absent from the document: its default,
 * or NULL (optional: not written). */
static char *default_member(const field_def *f)
{
    if (!f->default_text)
        return NULL;
    char *key = json_key(f->wire_name), *value;
    type_kind k = f->type.kind;
    if (k == T_STRING || k == T_DECIMAL || k == T_ENUM)
        value = json_string(f->default_text);
    else if (k == T_FLOAT64)
        value = double_repr(f->default_value.d);
    else if (k == T_INT32 || k == T_INT64)
        value = xasprintf("%" PRId64, f->default_value.i);
    else if (k == T_UINT32 || k == T_UINT64)
        value = xasprintf("%" PRIu64, f->default_value.u);
    else
        value = xstrdup(f->default_text); /* bool: true or false */
    char *m = xasprintf("%s:%s", key, value);
    free(key);
    free(value);
    return m;
}

/* Whether a field is in the typical document: all fields, except that a
 * message already being built (recursion through arrays) or nested deep
 * stops at the required ones. */
static bool in_typical(const gen *g, const field_def *f)
{
    return g->depth < VARIANT_DEPTH || (!f->optional && !f->default_text);
}

/* The document and canonical text of message m with `prefix` (a union's
 * discriminator member) first; field `which` (-1 none) spelled `w`/`c`, or
 * left out when w is NULL; `all` false: only required fields. */
static void message_text(gen *g, const message_def *m, const char *prefix, bool all,
                         long which, const char *w, const char *c, char **written, char **canon)
{
    char **wp = xcalloc(m->n_fields + 1, sizeof *wp), **cp = xcalloc(m->n_fields + 1, sizeof *cp);
    g->stack[g->depth++] = m;
    for (size_t i = 0; i < m->n_fields; i++) {
        const field_def *f = &m->fields[i];
        char *key = json_key(f->wire_name);
        if ((long)i == which) {
            if (w) {
                wp[i] = xasprintf("%s:%s", key, w);
                cp[i] = c ? xasprintf("%s:%s", key, c) : NULL;
            } else {
                cp[i] = default_member(f);
            }
        } else if ((all && in_typical(g, f)) || (!f->optional && !f->default_text)) {
            char *tw, *tc;
            typical_value(g, &f->type, f, &tw, &tc);
            wp[i] = xasprintf("%s:%s", key, tw);
            cp[i] = xasprintf("%s:%s", key, tc);
            free(tw);
            free(tc);
        } else {
            cp[i] = default_member(f);
        }
        free(key);
    }
    g->depth--;
    *written = object_text(prefix, wp, m->n_fields);
    *canon = object_text(prefix, cp, m->n_fields);
    for (size_t i = 0; i < m->n_fields; i++) {
        free(wp[i]);
        free(cp[i]);
    }
    free(wp);
    free(cp);
}

/* A member name no field of m has. */
static const char *unknown_member(const message_def *m, const char *disc)
{
    static const char *const names[] = {"zz_unknown", "zz_unknown_1", "zz_unknown_2"};
    for (size_t n = 0; n < 3; n++) {
        bool used = disc && strcmp(disc, names[n]) == 0;
        for (size_t i = 0; i < m->n_fields && !used; i++)
            used = strcmp(m->fields[i].wire_name, names[n]) == 0;
        if (!used)
            return names[n];
    }
    return "zz_unknown_3";
}

/* The members of the typical document in reverse order (valid: the same
 * canonical text), and its first member written twice (refused: a JSON
 * text with a repeated key is refused whatever its values). */
static void reordered_variants(gen *g, const message_def *m, const char *prefix, vset *out)
{
    char **wp = xcalloc(m->n_fields + 1, sizeof *wp);
    size_t n = 0;
    g->stack[g->depth++] = m;
    for (size_t i = m->n_fields; i-- > 0;) {
        const field_def *f = &m->fields[i];
        if (!in_typical(g, f) && (f->optional || f->default_text))
            continue;
        char *key = json_key(f->wire_name), *tw, *tc;
        typical_value(g, &f->type, f, &tw, &tc);
        wp[n++] = xasprintf("%s:%s", key, tw);
        free(key);
        free(tw);
        free(tc);
    }
    g->depth--;
    char *w, *c;
    message_text(g, m, prefix, true, -1, NULL, NULL, &w, &c);
    char *rev = object_text(prefix, wp, n);
    add_valid(out, "members in reverse order", rev, c);
    free(rev);
    if (n > 0) {
        /* wp[n - 1] is the first member in schema order. */
        wp[n] = xstrdup(wp[n - 1]);
        char *twice = object_text(prefix, wp, n + 1);
        const field_def *first = NULL;
        for (size_t i = 0; i < m->n_fields && !first; i++)
            if (in_typical(g, &m->fields[i]) || (!m->fields[i].optional && !m->fields[i].default_text))
                first = &m->fields[i];
        char *seg = path_key(first->wire_name), *name = xasprintf("%s: written twice", seg + (*seg == '.'));
        add_invalid(out, name, twice, seg, "duplicate");
        free(seg);
        free(name);
        free(twice);
    }
    for (size_t i = 0; i <= n; i++)
        free(wp[i]);
    free(wp);
    free(w);
    free(c);
}

/* The variants of the members of m: each field's value variants in the
 * full document, each optional field absent, each required field missing,
 * an unknown member, members in reverse order, a member twice. */
static void members_variants(gen *g, const message_def *m, const char *prefix, const char *disc,
                             vset *out)
{
    char *w, *c;
    message_text(g, m, prefix, true, -1, NULL, NULL, &w, &c);
    add_valid(out, "every field present", w, c);
    free(w);
    free(c);
    message_text(g, m, prefix, false, -1, NULL, NULL, &w, &c);
    add_valid(out, "only the required fields", w, c);
    free(w);
    free(c);
    if (g->depth >= VARIANT_DEPTH)
        return;
    g->stack[g->depth++] = m;
    for (size_t i = 0; i < m->n_fields; i++) {
        const field_def *f = &m->fields[i];
        vset vs = {0};
        value_variants(g, &f->type, f, &vs);
        if (f->nullable)
            add_valid(&vs, "null", "null", "null");
        else if (f->type.kind != T_JSON)
            add_invalid(&vs, "null", "null", "", "type");
        char *seg = path_key(f->wire_name);
        g->depth--;
        for (size_t k = 0; k < vs.n; k++) {
            const variant *v = &vs.v[k];
            char *name = xasprintf("%s: %s", seg + (*seg == '.'), v->name);
            message_text(g, m, prefix, true, (long)i, v->written, v->canon, &w, &c);
            if (v->canon) {
                add_valid(out, name, w, c);
            } else {
                char *path = cat3(seg, v->path, "");
                add_invalid(out, name, w, path, v->code);
                free(path);
            }
            free(name);
            free(w);
            free(c);
        }
        char *name = xasprintf("%s: absent", seg + (*seg == '.'));
        message_text(g, m, prefix, true, (long)i, NULL, NULL, &w, &c);
        if (f->optional || f->default_text)
            add_valid(out, name, w, c);
        else
            add_invalid(out, name, w, seg, "missing");
        free(name);
        free(w);
        free(c);
        g->depth++;
        free(seg);
        vset_free(&vs);
    }
    g->depth--;

    if (m->n_fields > 0)
        reordered_variants(g, m, prefix, out);
    /* An unknown member, first (before a union's discriminator too). */
    const char *unknown = unknown_member(m, disc);
    message_text(g, m, prefix, true, -1, NULL, NULL, &w, &c);
    char *key = json_key(unknown);
    char *with = xasprintf("{%s:{\"x\":[1,{\"y\":null}]}%s%s", key, w[1] == '}' ? "" : ",",
                           w + 1);
    if (m->reject_unknown) {
        char *seg = path_key(unknown);
        add_invalid(out, "an unknown member (unknown_fields: reject)", with, seg, "unknown_field");
        free(seg);
    } else {
        add_valid(out, "an unknown member is skipped", with, c);
    }
    free(with);
    free(key);
    free(w);
    free(c);
}

/* The variants of a message value (depth counts the messages around it). */
static void message_variants(gen *g, const message_def *m, vset *out)
{
    members_variants(g, m, NULL, NULL, out);
    add_invalid(out, "an array instead of an object", "[]", "", "type");
    add_invalid(out, "a string instead of an object", "\"{}\"", "", "type");
}

static void union_variants(gen *g, const union_def *u, vset *out)
{
    char *dkey = json_key(u->discriminator), *dseg = path_key(u->discriminator);
    for (size_t i = 0; i < u->n_variants; i++) {
        const union_variant *uv = &u->variants[i];
        char *tag = json_string(uv->tag), *prefix = xasprintf("%s:%s", dkey, tag);
        vset vs = {0};
        members_variants(g, uv->message, prefix, u->discriminator, &vs);
        for (size_t k = 0; k < vs.n; k++) {
            char *name = xasprintf("%s: %s", uv->tag, vs.v[k].name);
            if (vs.v[k].canon)
                add_valid(out, name, vs.v[k].written, vs.v[k].canon);
            else
                add_invalid(out, name, vs.v[k].written, vs.v[k].path, vs.v[k].code);
            free(name);
        }
        vset_free(&vs);
        /* The discriminator last: the reader finds it ahead of the members. */
        char *w, *c;
        message_text(g, uv->message, NULL, true, -1, NULL, NULL, &w, &c);
        char *cw, *cc;
        message_text(g, uv->message, prefix, true, -1, NULL, NULL, &cw, &cc);
        bool empty = strcmp(w, "{}") == 0;
        char *last = xasprintf("%.*s%s%s}", (int)strlen(w) - 1, w, empty ? "" : ",", prefix);
        char *name = xasprintf("%s: the discriminator last", uv->tag);
        add_valid(out, name, last, cc);
        free(name);
        free(last);
        if (i == 0) {
            add_invalid(out, "no discriminator", w, dseg, "union");
            char *num = xasprintf("{%s:1%s%s", dkey, empty ? "" : ",", w + 1);
            add_invalid(out, "the discriminator is a number", num, dseg, "union");
            free(num);
            char *unk = xasprintf("{%s:\"zz-no-such-variant\"%s%s", dkey, empty ? "" : ",", w + 1);
            add_invalid(out, "an unknown variant", unk, dseg, "union");
            free(unk);
            char *upper = xstrdup(uv->tag);
            for (char *p = upper; *p; p++)
                if (*p >= 'a' && *p <= 'z')
                    *p = (char)(*p - 'a' + 'A');
            if (strcmp(upper, uv->tag) != 0) {
                char *uq = json_string(upper);
                char *doc = xasprintf("{%s:%s%s%s", dkey, uq, empty ? "" : ",", w + 1);
                add_invalid(out, "the variant tag in another case", doc, dseg, "union");
                free(doc);
                free(uq);
            }
            free(upper);
        }
        free(w);
        free(c);
        free(cw);
        free(cc);
        free(tag);
        free(prefix);
    }
    add_invalid(out, "an array instead of an object", "[]", "", "type");
    free(dkey);
    free(dseg);
}

/* ---- arrays and maps ------------------------------------------------------ */

typedef struct container_shape {
    bool is_map;
    uint64_t lo, hi; /* hi UINT64_MAX: unbounded */
} container_shape;

/* n copies of value v (map keys k0, k1, ...), the one at `at` (if any)
 * spelled `alt` with key `alt_key` (NULL: "k<at>"). */
static char *container_text(const container_shape *s, uint64_t n, const char *v, uint64_t at,
                            const char *alt, const char *alt_key)
{
    strbuf b = {0};
    strbuf_puts(&b, s->is_map ? "{" : "[");
    for (uint64_t i = 0; i < n; i++) {
        if (i)
            strbuf_puts(&b, ",");
        if (s->is_map) {
            if (i == at && alt_key)
                strbuf_printf(&b, "%s:", alt_key);
            else
                strbuf_printf(&b, "\"k%" PRIu64 "\":", i);
        }
        strbuf_puts(&b, i == at && alt ? alt : v);
    }
    strbuf_puts(&b, s->is_map ? "}" : "]");
    return strbuf_take(&b);
}

static void container_variants(gen *g, const type_ref *t, const field_def *f, vset *out)
{
    container_shape s = {t->kind == T_MAP, f && f->has_min_items ? f->min_items : 0,
                         f && f->has_max_items ? f->max_items : UINT64_MAX};
    uint64_t typ = s.lo > 1 ? s.lo : s.hi < 1 ? s.hi : 1;
    char *tw, *tc;
    typical_value(g, t->elem, NULL, &tw, &tc);
    char *w = container_text(&s, typ, tw, UINT64_MAX, NULL, NULL);
    char *c = container_text(&s, typ, tc, UINT64_MAX, NULL, NULL);
    add_valid(out, "typical", w, c);
    free(w);
    free(c);
    char name[96];
    for (int side = 0; side < 2; side++) {
        uint64_t n = side ? s.hi : s.lo;
        if (n > SPELL_MAX || (side && n == UINT64_MAX))
            continue;
        w = container_text(&s, n, tw, UINT64_MAX, NULL, NULL);
        c = container_text(&s, n, tc, UINT64_MAX, NULL, NULL);
        snprintf(name, sizeof name, "%s: %" PRIu64 " %s", side ? "most" : "fewest", n,
                 s.is_map ? "entries" : "items");
        add_valid(out, name, w, c);
        free(w);
        free(c);
        if (side ? n < UINT64_MAX : n > 0) {
            uint64_t m = side ? n + 1 : n - 1;
            w = container_text(&s, m, tw, UINT64_MAX, NULL, NULL);
            snprintf(name, sizeof name, "%s: %" PRIu64 " %s", side ? "too many" : "too few", m,
                     s.is_map ? "entries" : "items");
            add_invalid(out, name, w, "", "length");
            free(w);
        }
    }
    if (typ > 0 && g->depth < VARIANT_DEPTH) {
        vset es = {0};
        value_variants(g, t->elem, NULL, &es);
        for (size_t k = 0; k < es.n; k++) {
            const variant *v = &es.v[k];
            uint64_t at = k % 2 && typ > 1 ? typ - 1 : 0;
            char seg[48];
            if (s.is_map)
                snprintf(seg, sizeof seg, ".k%" PRIu64, at);
            else
                snprintf(seg, sizeof seg, "[%" PRIu64 "]", at);
            char *nm = xasprintf("%s: %s", seg + (seg[0] == '.'), v->name);
            w = container_text(&s, typ, tw, at, v->written, NULL);
            if (v->canon) {
                c = container_text(&s, typ, tc, at, v->canon, NULL);
                add_valid(out, nm, w, c);
                free(c);
            } else {
                char *path = cat3(seg, v->path, "");
                add_invalid(out, nm, w, path, v->code);
                free(path);
            }
            free(nm);
            free(w);
        }
        /* Map keys: escapes are decoded (and written back raw); a key that
         * is no identifier is quoted in paths. */
        if (s.is_map) {
            w = container_text(&s, typ, tw, 0, NULL, "\"\\u00e9t\\u00e9 \\\"x\\\"\"");
            c = container_text(&s, typ, tc, 0, NULL, "\"\xc3\xa9t\xc3\xa9 \\\"x\\\"\"");
            add_valid(out, "a key with escapes", w, c);
            free(w);
            free(c);
            for (size_t k = 0; k < es.n; k++) {
                if (es.v[k].canon)
                    continue;
                w = container_text(&s, typ, tw, 0, es.v[k].written, "\"a b\\n\"");
                char *path = cat3("[\"a b\\n\"]", es.v[k].path, "");
                add_invalid(out, "an invalid value under a key that is no identifier", w, path,
                            es.v[k].code);
                free(path);
                free(w);
                break;
            }
        }
        vset_free(&es);
    }
    if (!s.is_map)
        add_invalid(out, "an object instead of an array", "{}", "", "type");
    else
        add_invalid(out, "an array instead of an object", "[]", "", "type");
    free(tw);
    free(tc);
}

/* ---- any value ------------------------------------------------------------ */

static void value_variants(gen *g, const type_ref *t, const field_def *f, vset *out)
{
    switch (t->kind) {
    case T_BOOL: bool_variants(out); break;
    case T_INT32: signed_variants(out, f, INT32_MIN, INT32_MAX); break;
    case T_INT64: signed_variants(out, f, INT64_MIN, INT64_MAX); break;
    case T_UINT32: unsigned_variants(out, f, UINT32_MAX); break;
    case T_UINT64: unsigned_variants(out, f, UINT64_MAX); break;
    case T_FLOAT64: double_variants(out, f); break;
    case T_STRING: string_variants(out, f); break;
    case T_TIMESTAMP: timestamp_variants(out); break;
    case T_UUID: uuid_variants(out); break;
    case T_DECIMAL: decimal_variants(out, f); break;
    case T_BYTES: bytes_variants(out); break;
    case T_JSON: json_variants(out); break;
    case T_ENUM: enum_variants(out, t->enum_def); break;
    case T_MESSAGE: message_variants(g, t->message, out); break;
    case T_UNION: union_variants(g, t->union_def, out); break;
    case T_ARRAY:
    case T_MAP: container_variants(g, t, f, out); break;
    }
}

/* The first valid spelling of a value: its typical one. */
static void typical_value(gen *g, const type_ref *t, const field_def *f, char **written,
                          char **canon)
{
    if (t->kind == T_MESSAGE || t->kind == T_UNION) {
        const message_def *m = t->kind == T_MESSAGE ? t->message : t->union_def->variants[0].message;
        char *prefix = NULL;
        if (t->kind == T_UNION) {
            char *k = json_key(t->union_def->discriminator);
            char *v = json_string(t->union_def->variants[0].tag);
            prefix = xasprintf("%s:%s", k, v);
            free(k);
            free(v);
        }
        bool all = g->depth < TYPICAL_DEPTH && !on_stack(g, m);
        message_text(g, m, prefix, all, -1, NULL, NULL, written, canon);
        free(prefix);
        return;
    }
    if ((t->kind == T_ARRAY || t->kind == T_MAP) && g->depth >= TYPICAL_DEPTH) {
        *written = xstrdup(t->kind == T_MAP ? "{}" : "[]");
        *canon = xstrdup(*written);
        return;
    }
    int saved = g->depth;
    g->depth = VARIANT_DEPTH; /* containers: no element variants */
    vset vs = {0};
    value_variants(g, t, f, &vs);
    g->depth = saved;
    for (size_t i = 0; i < vs.n; i++)
        if (vs.v[i].canon) {
            *written = xstrdup(vs.v[i].written);
            *canon = xstrdup(vs.v[i].canon);
            vset_free(&vs);
            return;
        }
    vset_free(&vs);
    *written = xstrdup("null"); /* no valid value: the loader prevents it */
    *canon = xstrdup("null");
}

/* ---- the model ------------------------------------------------------------- */

/* The whole-document variants of a top-level type: its value variants with
 * paths from $, whitespace around, trailing content, an empty text. */
static void document_cases(vset *vs, mu_node *cases)
{
    for (size_t i = 0; i < vs->n; i++) {
        const variant *v = &vs->v[i];
        mu_node *c = mu_map();
        set_text(c, "vec_name", v->name);
        set_text(c, "vec_document", v->written);
        set_bool(c, "vec_valid", v->canon != NULL);
        if (v->canon) {
            set_text(c, "vec_canonical", v->canon);
        } else {
            char *path = cat3("$", v->path, "");
            set_text(c, "vec_path", path);
            set_str(c, "vec_code", v->code);
            free(path);
        }
        push_with_last(cases, c, i + 1 == vs->n);
    }
}

static void add_document_level(vset *vs)
{
    /* vs->v[0] is "every field present" (valid); copied, as adding moves it. */
    char *doc = xstrdup(vs->v[0].written), *canon = xstrdup(vs->v[0].canon);
    char *w = xasprintf(" \n\t%s\r\n ", doc);
    add_valid(vs, "whitespace around the document", w, canon);
    free(w);
    w = xasprintf("%s x", doc);
    free(doc);
    free(canon);
    add_invalid(vs, "content after the document", w, "", "syntax");
    free(w);
    add_invalid(vs, "an empty text", "", "", "syntax");
    add_invalid(vs, "null", "null", "", "type");
}

static mu_node *type_file(const schema *s, const char *type_name, vset *vs)
{
    add_document_level(vs);
    mu_node *item = mu_map();
    set_fmt(item, "file", "%s.%s.vectors.json", s->name, type_name);
    set_str(item, "type_name", type_name);
    size_t valid = 0;
    for (size_t i = 0; i < vs->n; i++)
        valid += vs->v[i].canon != NULL;
    set_fmt(item, "vec_valid_count", "%zu", valid);
    set_fmt(item, "vec_invalid_count", "%zu", vs->n - valid);
    mu_node *cases = mu_list();
    document_cases(vs, cases);
    mu_map_set(item, "vec_cases", cases);
    return item;
}

void model_vectors_extend(mu_node *model, const schema *s)
{
    mu_node *files = mu_list();
    size_t total = s->n_order;
    for (size_t i = 0; i < s->n_order; i++) {
        gen g = {0};
        vset vs = {0};
        const decl *d = &s->order[i];
        const char *name;
        if (d->kind == DECL_MESSAGE) {
            message_variants(&g, d->message, &vs);
            name = d->message->name;
        } else {
            union_variants(&g, d->union_def, &vs);
            name = d->union_def->name;
        }
        push_with_last(files, type_file(s, name, &vs), i + 1 == total);
        vset_free(&vs);
    }
    mu_map_set(model, "vec_files", files);
}
