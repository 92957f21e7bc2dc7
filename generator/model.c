/*
 * model.c - turn a checked schema into the template data tree (model.h).
 *
 * The functions here mirror the schema: one builder per kind of thing
 * (enum, field, value, message, union), each returning a map of plain
 * strings and booleans.  C spellings (types, literals, limits) are decided
 * here and nowhere else; templates pick them up by name.
 *
 * Every map of a kind has every key of that kind (docs/templates.md), with
 * false, "" or an empty list where it does not apply: templates render
 * strictly (MU_STRICT), so a key that is absent is an error, and a key
 * present in some maps only would make a template work for one schema and
 * fail for the next.
 */
#include "model.h"
#include "escape.h"
#include "model_int.h"
#include "model_vars.h"
#include "util.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small tree helpers: model_int.h ------------------------------------ */

/* Description text as a list of comment lines ({{#doc}} * {{line}}), each
 * escaped as C comment text (set_text). */
static void set_doc(mu_node *m, const char *text)
{
    mu_node *lines = mu_list();
    set_bool(m, "has_doc", text && *text);
    while (text && *text) {
        const char *nl = strchr(text, '\n');
        size_t n = nl ? (size_t)(nl - text) : strlen(text);
        mu_node *line = mu_map();
        char *s = xstrndup(text, n);
        set_text(line, "line", s);
        free(s);
        text = nl ? nl + 1 : text + n;
        push_with_last(lines, line, !*text);
    }
    mu_map_set(m, "doc", lines);
}

/* ---- literals ------------------------------------------------------------- */

/* The bytes of `s` as the inside of a C string literal (escape.c); model
 * keys of that context get it from set_text. */
static char *c_escape(const char *s)
{
    return escape_c_string(s);
}

/* `s` as a JSON string (with quotes), UTF-8 kept. */
static char *json_quote(const char *s)
{
    char *out = xmalloc(strlen(s) * 6 + 3), *o = out;
    *o++ = '"';
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        } else if (c < 0x20) {
            o += sprintf(o, "\\u%04x", c);
        } else {
            *o++ = (char)c;
        }
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

/* A double literal that C reads back exactly and that looks like a double. */
static char *double_literal(double d)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.17g", d);
    if (!strpbrk(buf, ".eEn"))
        strcat(buf, ".0");
    return xstrdup(buf);
}

/* An int64_t value as a C constant expression (INT64_C(-9223372036854775808)
 * would be out of range before the minus applies). */
static char *int64_literal(int64_t v)
{
    return v == INT64_MIN ? xstrdup("INT64_MIN") : xasprintf("INT64_C(%" PRId64 ")", v);
}

/* ---- names ---------------------------------------------------------------- */

static char *type_c_name(const schema *s, const char *name)
{
    return xasprintf("%s_%s", s->name, name);
}

/* A type's C name takes the prefix of the schema that defines it, which
 * for an imported type is not the schema being generated: one C type per
 * definition, whichever schema uses it. */
static char *enum_c_name(const enum_def *e)
{
    return type_c_name(e->owner, e->name);
}

static char *message_c_name(const message_def *m)
{
    return type_c_name(m->owner, m->name);
}

static char *union_c_name(const union_def *u)
{
    return type_c_name(u->owner, u->name);
}

void output_names_init(output_names *o, const schema *s)
{
    o->header = xasprintf("%s.h", s->name);
    o->source = xasprintf("%s.c", s->name);
    o->translator_header = xasprintf("%s_translator.h", s->name);
    o->translator_source = xasprintf("%s_translator.c", s->name);
    o->domain_header = xasprintf("%s_domain.h", s->name);
    o->kafka_header = xasprintf("%s_kafka.h", s->name);
    o->kafka_source = xasprintf("%s_kafka.c", s->name);
    o->fuzz_source = xasprintf("%s_fuzz.c", s->name);
}

void output_names_free(output_names *o)
{
    free(o->header);
    free(o->source);
    free(o->translator_header);
    free(o->translator_source);
    free(o->domain_header);
    free(o->kafka_header);
    free(o->kafka_source);
    free(o->fuzz_source);
}

static char *guard_name(const char *file)
{
    char *g = upper_case(file);
    for (char *p = g; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            *p = '_';
    char *full = xasprintf("TOPICGEN_%s_INCLUDED", g);
    free(g);
    return full;
}

/* A list of wire strings for error texts, cut after LIST_TEXT_MAX bytes
 * (at a character boundary, ending in "..."): C compilers need not accept
 * string literals beyond 4095 bytes (-Woverlength-strings). */
#define LIST_TEXT_MAX 1000

static void cut_list(char *list)
{
    size_t n = strlen(list);
    if (n <= LIST_TEXT_MAX)
        return;
    n = LIST_TEXT_MAX;
    while (n > 0 && ((unsigned char)list[n] & 0xc0) == 0x80)
        n--;
    memcpy(list + n, "...", 4);
}

/* "a, b, c": the wire strings of an enum (raw: set_text escapes). */
static char *enum_wire_list(const enum_def *e)
{
    size_t len = 1;
    for (size_t i = 0; i < e->n_values; i++)
        len += strlen(e->values[i].wire) + 2;
    char *list = xcalloc(1, len);
    for (size_t i = 0; i < e->n_values; i++) {
        strcat(list, i ? ", " : "");
        strcat(list, e->values[i].wire);
    }
    return list;
}

/* ---- values ----------------------------------------------------------------- */

/* The C type that holds one value of `t` (not arrays or maps). */
static char *value_c_type(const type_ref *t)
{
    switch (t->kind) {
    case T_BOOL: return xstrdup("bool");
    case T_INT32: return xstrdup("int32_t");
    case T_INT64: return xstrdup("int64_t");
    case T_UINT32: return xstrdup("uint32_t");
    case T_UINT64: return xstrdup("uint64_t");
    case T_FLOAT64: return xstrdup("double");
    case T_STRING:
    case T_TIMESTAMP:
    case T_DECIMAL:
    case T_JSON: return xstrdup("tg_str");
    case T_UUID: return xstrdup("tg_uuid");
    case T_BYTES: return xstrdup("tg_bytes");
    case T_ENUM: return enum_c_name(t->enum_def);
    case T_MESSAGE: return message_c_name(t->message);
    case T_UNION: return union_c_name(t->union_def);
    case T_ARRAY:
    case T_MAP: break;
    }
    return xstrdup("void");
}

/* Integer limits as C expressions, folded with the field's min/max. */
static void set_int_limits(mu_node *v, const type_ref *t, const field_def *f)
{
    bool has_min = f && f->min.set, has_max = f && f->max.set;
    if (t->kind == T_INT32 || t->kind == T_INT64) {
        bool wide = t->kind == T_INT64;
        has_min ? set_own(v, "int_lo", int64_literal(f->min.i))
                : set_str(v, "int_lo", wide ? "INT64_MIN" : "INT32_MIN");
        has_max ? set_own(v, "int_hi", int64_literal(f->max.i))
                : set_str(v, "int_hi", wide ? "INT64_MAX" : "INT32_MAX");
    } else if (t->kind == T_UINT32 || t->kind == T_UINT64) {
        bool wide = t->kind == T_UINT64;
        set_fmt(v, "uint_lo", "UINT64_C(%" PRIu64 ")", has_min ? f->min.u : 0);
        has_max ? set_fmt(v, "uint_hi", "UINT64_C(%" PRIu64 ")", f->max.u)
                : set_str(v, "uint_hi", wide ? "UINT64_MAX" : "UINT32_MAX");
        set_bool(v, "has_uint_lo", has_min && f->min.u > 0);
    }
}

static const char *const value_kind_flags[] = {
    [T_BOOL] = "is_bool", [T_INT32] = "is_int", [T_INT64] = "is_int",
    [T_UINT32] = "is_uint", [T_UINT64] = "is_uint", [T_FLOAT64] = "is_double",
    [T_STRING] = "is_string", [T_TIMESTAMP] = "is_timestamp", [T_UUID] = "is_uuid",
    [T_DECIMAL] = "is_decimal", [T_BYTES] = "is_bytes", [T_JSON] = "is_json",
    [T_ENUM] = "is_enum", [T_MESSAGE] = "is_message", [T_UNION] = "is_union",
    [T_ARRAY] = "is_array", [T_MAP] = "is_map",
};

/* The keys of a Value that apply to some kinds only, with what they hold
 * where they do not: every Value is a map over this one (mu_map_over) that
 * sets what applies to its kind, some 8 keys of its 44 (a Value map of its
 * own was 2 kB; a model of 100,000 fields holds 100,000 of them). */
static mu_node *value_defaults(void)
{
    mu_node *v = mu_map();
    for (type_kind k = T_BOOL; k <= T_UNION; k++) /* the kind flags: one is true */
        if (k != T_INT64 && k != T_UINT64) /* share is_int / is_uint */
            set_bool(v, value_kind_flags[k], false);
    static const char *const optional_keys[] = {
        "int_lo", "int_hi", "uint_lo", "uint_hi", "type_c", "type_name", "wire_list_c",
        "min_length", "max_length", "min", "max", "fallback_c",
    };
    for (size_t i = 0; i < sizeof optional_keys / sizeof optional_keys[0]; i++)
        set_str(v, optional_keys[i], "");
    static const char *const checks[] = {
        "has_uint_lo", "check_length", "check_range", "has_min", "has_max", "has_fallback",
    };
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
        set_bool(v, checks[i], false);
    return v;
}

/* How to read and write one value of type `t` stored at `dst` (an lvalue
 * expression).  `f` carries the constraints (NULL for map values);
 * `defaults` is value_defaults(). */
static mu_node *value_model(const type_ref *t, const field_def *f,
                           const char *dst, const char *src, mu_node *defaults)
{
    mu_node *v = mu_map_over(mu_ref(defaults));
    set_str(v, "dst", dst);
    set_str(v, "src", src);
    set_bool(v, "is_plain", t->kind != T_ENUM && t->kind != T_MESSAGE);
    set_own(v, "c_type", value_c_type(t));
    set_bool(v, value_kind_flags[t->kind], true);
    set_int_limits(v, t, f);
    if (t->kind == T_ENUM || t->kind == T_MESSAGE || t->kind == T_UNION)
        set_own(v, "type_c", value_c_type(t));
    if (t->kind == T_ENUM) {
        set_str(v, "type_name", t->enum_def->name);
        char *list = enum_wire_list(t->enum_def);
        cut_list(list);
        set_text(v, "wire_list_c", list);
        free(list);
        const enum_def *e = t->enum_def;
        if (e->has_fallback) { /* an unknown wire string reads as this value */
            set_bool(v, "has_fallback", true);
            set_fmt(v, "fallback_c", "%s_%s_%s", e->owner->name, e->name,
                    e->values[e->fallback].name);
        }
    }
    bool length_check = f && (f->has_min_length || f->has_max_length);
    if (length_check) {
        set_bool(v, "check_length", true);
        set_fmt(v, "min_length", "UINT64_C(%" PRIu64 ")", f->has_min_length ? f->min_length : 0);
        f->has_max_length ? set_fmt(v, "max_length", "UINT64_C(%" PRIu64 ")", f->max_length)
                          : set_str(v, "max_length", "UINT64_MAX");
    }
    bool range_check = f && t->kind == T_FLOAT64 && (f->min.set || f->max.set);
    if (range_check) {
        set_bool(v, "check_range", true);
        set_bool(v, "has_min", f->min.set);
        set_bool(v, "has_max", f->max.set);
        set_own(v, "min", double_literal(f->min.set ? f->min.d : 0));
        set_own(v, "max", double_literal(f->max.set ? f->max.d : 0));
    }
    return v;
}

/* ---- worst-case encoded sizes ----------------------------------------------- */

/* Sizes saturate here: beyond it a message is treated as unbounded. */
#define SIZE_CAP ((uint64_t)1 << 40)

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a + b > SIZE_CAP ? SIZE_CAP : a + b;
}

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
    return b && a > SIZE_CAP / b ? SIZE_CAP : a * b;
}

#define WHY_MAX 256
#define SIZE_DEPTHS 33 /* members_max_size gives up beyond depth 32 */

/* What the model computes per message, and would otherwise compute again
 * along every path that reaches the message: messages held by value and in
 * arrays form a DAG, and walking it from every message is exponential in
 * its depth (25 messages, each holding the one before twice: 2^25 walks). */
typedef struct model_ctx {
    mu_node *value_base;          /* value_defaults() */
    const message_def **msgs;     /* the schema's messages, by address */
    size_t n_msgs;
    uint64_t *members;            /* [i * SIZE_DEPTHS + depth]: members_max_size + 1, 0: not known */
    char **whys;                  /* the same places: its reason when unbounded */
    signed char *defaults;        /* message_has_defaults: 1, 0, or -1: not known */
} model_ctx;

static int compare_addresses(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (const message_def *const *)a;
    uintptr_t y = (uintptr_t) * (const message_def *const *)b;
    return x < y ? -1 : x > y;
}

static size_t msg_index(const model_ctx *c, const message_def *m)
{
    const message_def **at = bsearch(&m, c->msgs, c->n_msgs, sizeof *c->msgs, compare_addresses);
    if (!at) {
        fprintf(stderr, "topicgen: internal error: message '%s' is not in the schema\n", m->name);
        abort();
    }
    return (size_t)(at - c->msgs);
}

static uint64_t message_max_size(model_ctx *c, const schema *s, const message_def *m, char *why,
                                 int depth);
static uint64_t union_max_size(model_ctx *c, const schema *s, const union_def *u, char *why,
                               int depth);

/* Longest JSON text a value of type t can encode to, or 0 (with *why set)
 * when the schema does not bound it.  A code point encodes to at most 6
 * bytes (\u00XX); timestamps have at most 9 fraction digits. */
static uint64_t value_max_size(model_ctx *c, const schema *s, const type_ref *t,
                               const field_def *f, char *why, int depth)
{
    switch (t->kind) {
    case T_BOOL: return 5;
    case T_INT32: return 11;
    case T_INT64: return 20;
    case T_UINT32: return 10;
    case T_UINT64: return 20;
    case T_FLOAT64: return 24;
    case T_TIMESTAMP: return 37;
    case T_UUID: return 38;
    case T_STRING:
    case T_DECIMAL:
        if (f && f->has_max_length)
            return add_sat(2, mul_sat(6, f->max_length));
        snprintf(why, WHY_MAX, "a %s without max_length", type_kind_name(t->kind));
        return 0;
    case T_BYTES:
        snprintf(why, WHY_MAX, "bytes");
        return 0;
    case T_JSON:
        snprintf(why, WHY_MAX, "free-form json");
        return 0;
    case T_MAP:
        snprintf(why, WHY_MAX, "a map (its keys have no length bound)");
        return 0;
    case T_ENUM: {
        uint64_t longest = 0;
        for (size_t i = 0; i < t->enum_def->n_values; i++)
            if (strlen(t->enum_def->values[i].wire) > longest)
                longest = strlen(t->enum_def->values[i].wire);
        return longest + 2;
    }
    case T_MESSAGE: return message_max_size(c, s, t->message, why, depth + 1);
    case T_UNION: return union_max_size(c, s, t->union_def, why, depth + 1);
    case T_ARRAY: {
        if (!f || !f->has_max_items) {
            snprintf(why, WHY_MAX, "an array without max_items");
            return 0;
        }
        uint64_t item = value_max_size(c, s, t->elem, NULL, why, depth);
        return item ? add_sat(2, mul_sat(f->max_items, item + 1)) : 0;
    }
    }
    return 0;
}

static uint64_t members_max_size(model_ctx *c, const schema *s, const message_def *m, char *why,
                                 int depth);

/* members_max_size, computed once for each message and depth. */
static uint64_t members_max_size_at(model_ctx *c, const schema *s, const message_def *m,
                                    char *why, int depth)
{
    if (depth < 0 || depth >= SIZE_DEPTHS)
        return members_max_size(c, s, m, why, depth);
    size_t at = msg_index(c, m) * SIZE_DEPTHS + (size_t)depth;
    if (!c->members[at]) {
        uint64_t size = members_max_size(c, s, m, why, depth);
        c->members[at] = size + 1;
        if (!size)
            c->whys[at] = xstrdup(why);
    }
    if (c->members[at] == 1)
        snprintf(why, WHY_MAX, "%s", c->whys[at]);
    return c->members[at] - 1;
}

/* The members of m with every optional field present: {"k":v,...}. */
static uint64_t members_max_size(model_ctx *c, const schema *s, const message_def *m, char *why,
                                 int depth)
{
    uint64_t total = 0;
    if (depth > 32) {
        snprintf(why, WHY_MAX, "recursion through arrays");
        return 0;
    }
    for (size_t i = 0; i < m->n_fields; i++) {
        const field_def *f = &m->fields[i];
        uint64_t v = value_max_size(c, s, &f->type, f, why, depth);
        if (!v) {
            if (strncmp(why, "field ", 6) != 0) {
                char *inner = xstrdup(why);
                char *full = xasprintf("field %s.%s: %s", m->name, f->name, inner);
                snprintf(why, WHY_MAX, "%s", full);
                free(full);
                free(inner);
            }
            return 0;
        }
        char *quoted = json_quote(f->wire_name);
        total = add_sat(total, add_sat(strlen(quoted) + 2, v)); /* "key": v , */
        free(quoted);
    }
    return total;
}

static uint64_t message_max_size(model_ctx *c, const schema *s, const message_def *m, char *why,
                                 int depth)
{
    uint64_t members = members_max_size_at(c, s, m, why, depth);
    return members ? add_sat(members, 2) : 0;
}

static uint64_t union_max_size(model_ctx *c, const schema *s, const union_def *u, char *why,
                               int depth)
{
    uint64_t longest = 0;
    for (size_t i = 0; i < u->n_variants; i++) {
        uint64_t v = members_max_size_at(c, s, u->variants[i].message, why, depth);
        if (!v)
            return 0;
        char *disc = json_quote(u->discriminator), *tag = json_quote(u->variants[i].tag);
        v = add_sat(v, strlen(disc) + strlen(tag) + 4);
        free(disc);
        free(tag);
        if (v > longest)
            longest = v;
    }
    return longest;
}

/* max_json_size (a C constant) or the reason there is none. */
static void set_max_size(mu_node *m, uint64_t size, const char *why)
{
    bool bounded = size > 0 && size < SIZE_CAP;
    set_bool(m, "bounded", bounded);
    set_fmt(m, "max_json_size", "%" PRIu64, bounded ? size : 0);
    set_text(m, "unbounded_why", bounded ? "" : *why ? why : "sizes beyond 1 TiB");
}

/* ---- enums -------------------------------------------------------------------- */

static mu_node *enum_model(const schema *s, const enum_def *e)
{
    mu_node *m = mu_map();
    char *c_name = type_c_name(s, e->name);
    set_str(m, "name", e->name);
    set_str(m, "c_name", c_name);
    set_doc(m, e->description);
    set_fmt(m, "count", "%zu", e->n_values);
    mu_node *values = mu_list();
    for (size_t i = 0; i < e->n_values; i++) {
        const enum_value *ev = &e->values[i];
        mu_node *v = mu_map();
        set_fmt(v, "c_name", "%s_%s", c_name, ev->name);
        set_str(v, "name", ev->name);
        set_text(v, "wire_c", ev->wire);
        set_text(v, "wire_comment", ev->wire);
        set_fmt(v, "wire_len", "%zu", strlen(ev->wire));
        set_fmt(v, "index", "%zu", i);
        push_with_last(values, v, i + 1 == e->n_values);
    }
    mu_map_set(m, "values", values);
    free(c_name);
    return m;
}

/* ---- fields --------------------------------------------------------------------- */

/* The C expression for a field's default (the loader checked the text, and
 * read a number's value as the decoders read numbers: default_value). */
static char *default_expr(const field_def *f)
{
    const char *d = f->default_text;
    static const char *const int_macros[] = {
        [T_INT32] = "INT32_C", [T_UINT32] = "UINT32_C", [T_UINT64] = "UINT64_C",
    };
    type_kind k = f->type.kind;
    if (k == T_BOOL)
        return xstrdup(d);
    if (k == T_INT64)
        return int64_literal(f->default_value.i);
    if (k == T_INT32 || k == T_UINT32 || k == T_UINT64)
        return xasprintf("%s(%s)", int_macros[k], d);
    if (k == T_FLOAT64)
        return double_literal(f->default_value.d);
    if (k == T_ENUM) {
        const enum_def *e = f->type.enum_def;
        for (size_t i = 0; i < e->n_values; i++)
            if (strcmp(e->values[i].wire, d) == 0)
                return xasprintf("%s_%s_%s", e->owner->name, e->name, e->values[i].name);
    }
    char *lit = c_escape(d); /* string, decimal */
    char *e = xasprintf("TG_STR_LIT(\"%s\")", lit);
    free(lit);
    return e;
}

/* True when m's _init does more than zero it: a field of m, or of a
 * message m holds by value, has a default.  Messages nest acyclically
 * (the loader refuses recursion by value). */
static bool message_has_defaults(model_ctx *c, const message_def *m)
{
    signed char *known = &c->defaults[msg_index(c, m)];
    for (size_t i = 0; *known < 0 && i < m->n_fields; i++) {
        const field_def *f = &m->fields[i];
        if (f->default_text ||
            (f->type.kind == T_MESSAGE && message_has_defaults(c, f->type.message)))
            *known = 1;
    }
    if (*known < 0)
        *known = 0;
    return *known == 1;
}

/* The init call of a field that holds a message with defaults by value
 * ("" for any other field), so that <T>_init applies nested defaults too. */
static char *nested_init(model_ctx *c, const field_def *f)
{
    if (f->type.kind != T_MESSAGE || !message_has_defaults(c, f->type.message))
        return xstrdup("");
    char *type = message_c_name(f->type.message);
    char *call = xasprintf("%s_init", type);
    free(type);
    return call;
}

/* The type of a non-container field in the domain skeleton
 * (domain.h.mustache): enums and messages get their domain twins. */
static char *domain_c_type(const type_ref *t)
{
    char *wire = value_c_type(t);
    if (t->kind != T_ENUM && t->kind != T_MESSAGE)
        return wire;
    char *d = xasprintf("%s_domain", wire);
    free(wire);
    return d;
}

static mu_node *field_model(const schema *s, const message_def *m, const field_def *f, size_t index,
                           model_ctx *c)
{
    mu_node *fm = mu_map();
    set_str(fm, "name", f->name);
    set_doc(fm, f->description);
    set_fmt(fm, "index", "%zu", index);
    set_text(fm, "wire_c", f->wire_name);
    set_text(fm, "wire_comment", f->wire_name);
    set_fmt(fm, "wire_len", "%zu", strlen(f->wire_name));
    char *quoted = json_quote(f->wire_name);
    char *key = xasprintf("%s:", quoted);
    set_text(fm, "key_c", key);
    set_fmt(fm, "key_len", "%zu", strlen(key));
    free(quoted);
    free(key);
    set_bool(fm, "optional", f->optional);
    set_bool(fm, "nullable", f->nullable);
    set_bool(fm, "has_default", f->default_text != NULL);
    f->default_text ? set_own(fm, "default_expr", default_expr(f))
                    : set_str(fm, "default_expr", "");
    set_own(fm, "init_call", nested_init(c, f));
    set_bool(fm, "is_container", f->type.kind == T_ARRAY || f->type.kind == T_MAP);
    set_bool(fm, "is_array", f->type.kind == T_ARRAY);
    set_bool(fm, "is_map", f->type.kind == T_MAP);
    char *msg_c = type_c_name(s, m->name);
    set_str(fm, "msg_c", msg_c);
    static const char *const container_keys[] = {
        "item_c", "entry_c", "value_c", "min_items", "max_items",
    };
    for (size_t i = 0; i < sizeof container_keys / sizeof container_keys[0]; i++)
        set_str(fm, container_keys[i], ""); /* replaced below for arrays and maps */
    set_bool(fm, "check_items", false);
    set_bool(fm, "elem", false);
    set_bool(fm, "value", false);
    if (f->type.kind == T_ARRAY || f->type.kind == T_MAP) {
        bool array = f->type.kind == T_ARRAY;
        mu_node *elem = value_model(f->type.elem, NULL, array ? "*dst" : "dst->value",
                                    array ? "*src" : "src->value", c->value_base);
        char *elem_c = value_c_type(f->type.elem);
        if (f->type.kind == T_ARRAY) {
            set_fmt(fm, "c_type", "struct { %s *items; size_t count; }", elem_c);
            set_fmt(fm, "domain_type", "struct { %s *items; size_t count; }", elem_c);
            set_str(fm, "item_c", elem_c);
        } else {
            char *entry = xasprintf("%s_%s_entry", msg_c, f->name);
            set_fmt(fm, "c_type", "struct { %s *items; size_t count; }", entry);
            set_fmt(fm, "domain_type", "struct { %s *items; size_t count; }", entry);
            set_str(fm, "entry_c", entry);
            set_str(fm, "item_c", entry);
            set_str(fm, "value_c", elem_c);
            free(entry);
        }
        mu_map_set(fm, "elem", elem);
        free(elem_c);
        set_fmt(fm, "min_items", "UINT64_C(%" PRIu64 ")", f->has_min_items ? f->min_items : 0);
        f->has_max_items ? set_fmt(fm, "max_items", "UINT64_C(%" PRIu64 ")", f->max_items)
                         : set_str(fm, "max_items", "UINT64_MAX");
        set_bool(fm, "check_items", f->has_min_items || f->has_max_items);
    } else {
        char *dst = xasprintf("out->%s", f->name), *src = xasprintf("in->%s", f->name);
        mu_map_set(fm, "value", value_model(&f->type, f, dst, src, c->value_base));
        set_own(fm, "c_type", value_c_type(&f->type));
        set_own(fm, "domain_type", domain_c_type(&f->type));
        free(dst);
        free(src);
    }
    free(msg_c);
    return fm;
}

/* ---- Kafka binding (messages and unions) ------------------------------------------- */

static void set_kafka(mu_node *m, const kafka_binding *k, const field_def *key)
{
    set_text(m, "topic_c", k->topic);
    set_text(m, "topic_comment", k->topic);
    set_text(m, "dlq_topic_c", k->dlq_topic);
    set_text(m, "dlq_topic_comment", k->dlq_topic);
    set_fmt(m, "version", "%d", k->version);
    set_fmt(m, "accepts_min", "%d", k->accepts_min);
    set_fmt(m, "accepts_max", "%d", k->accepts_max);
    static const char *const tombstones_c[] = {
        [TOMBSTONES_SKIP] = "TG_TOMBSTONES_SKIP", [TOMBSTONES_HANDLE] = "TG_TOMBSTONES_HANDLE",
        [TOMBSTONES_DLQ] = "TG_TOMBSTONES_DLQ",
    };
    set_str(m, "tombstones_c", tombstones_c[k->tombstones]);
    set_bool(m, "has_key", key != NULL);
    set_str(m, "key_field", key ? key->name : "");
    static const char *const key_flags[] = {
        "key_is_str", "key_is_int", "key_is_uint", "key_is_uuid", "key_is_enum",
    };
    for (size_t i = 0; i < sizeof key_flags / sizeof key_flags[0]; i++)
        set_bool(m, key_flags[i], false);
    set_str(m, "key_enum_c", "");
    if (!key)
        return;
    static const char *const key_kinds[] = {
        [T_INT32] = "key_is_int", [T_INT64] = "key_is_int", [T_UINT32] = "key_is_uint",
        [T_UINT64] = "key_is_uint", [T_STRING] = "key_is_str", [T_TIMESTAMP] = "key_is_str",
        [T_DECIMAL] = "key_is_str", [T_UUID] = "key_is_uuid", [T_ENUM] = "key_is_enum",
    };
    set_bool(m, key_kinds[key->type.kind], true);
    if (key->type.kind == T_ENUM)
        set_own(m, "key_enum_c", enum_c_name(key->type.enum_def));
}

static const field_def *key_field_of(const message_def *m, const char *name)
{
    for (size_t i = 0; name && i < m->n_fields; i++)
        if (strcmp(m->fields[i].name, name) == 0)
            return &m->fields[i];
    return NULL;
}

/* ---- messages -------------------------------------------------------------------- */

/* True when messages of `m` reach a handler: it has a topic or is a
 * variant of a union. */
static bool is_routed(const schema *s, const message_def *m)
{
    if (m->kafka.topic)
        return true;
    for (size_t i = 0; i < s->n_unions; i++)
        for (size_t j = 0; j < s->unions[i]->n_variants; j++)
            if (s->unions[i]->variants[j].message == m)
                return true;
    return false;
}

static mu_node *message_model(const schema *s, const message_def *m, model_ctx *c)
{
    mu_node *mm = mu_map();
    char *c_name = type_c_name(s, m->name);
    set_str(mm, "name", m->name);
    set_str(mm, "c_name", c_name);
    set_bool(mm, "is_union", false);
    set_bool(mm, "routed", is_routed(s, m));
    set_doc(mm, m->description);
    set_fmt(mm, "n_fields", "%zu", m->n_fields);
    size_t words = (m->n_fields + 63) / 64;
    set_fmt(mm, "seen_words", "%zu", words);
    set_bool(mm, "reject_unknown", m->reject_unknown);
    mu_node *fields = mu_list(), *required = mu_list();
    uint64_t *mask = xcalloc(words, sizeof *mask);
    for (size_t i = 0; i < m->n_fields; i++) {
        const field_def *f = &m->fields[i];
        push_with_last(fields, field_model(s, m, f, i, c), i + 1 == m->n_fields);
        if (!f->optional && !f->default_text)
            mask[i / 64] |= (uint64_t)1 << (i % 64);
    }
    for (size_t w = 0; w < words; w++) {
        mu_node *word = mu_map();
        set_fmt(word, "mask", "UINT64_C(0x%" PRIx64 ")", mask[w]);
        push_with_last(required, word, w + 1 == words);
    }
    free(mask);
    mu_map_set(mm, "fields", fields);
    mu_map_set(mm, "required_words", required);
    set_kafka(mm, &m->kafka, key_field_of(m, m->kafka.key_field));
    char why[WHY_MAX] = "";
    uint64_t max_size = message_max_size(c, s, m, why, 0);
    set_max_size(mm, max_size, why);
    char *lower = snake_case(m->name), *macro = xasprintf("%s_%s", s->name, lower);
    set_own(mm, "macro", upper_case(macro));
    free(macro);
    free(lower);
    free(c_name);
    return mm;
}

static mu_node *union_model(const schema *s, const union_def *u, model_ctx *c)
{
    mu_node *um = mu_map();
    char *c_name = type_c_name(s, u->name);
    set_str(um, "name", u->name);
    set_str(um, "c_name", c_name);
    set_bool(um, "is_union", true);
    set_doc(um, u->description);
    set_text(um, "disc_c", u->discriminator);
    set_text(um, "disc_comment", u->discriminator);
    set_fmt(um, "disc_len", "%zu", strlen(u->discriminator));
    char *quoted = json_quote(u->discriminator);
    char *key = xasprintf("{%s:", quoted);
    set_text(um, "disc_key_c", key);
    set_fmt(um, "disc_key_len", "%zu", strlen(key));
    free(quoted);
    free(key);
    mu_node *variants = mu_list();
    size_t tags_len = 0;
    for (size_t i = 0; i < u->n_variants; i++)
        tags_len += strlen(u->variants[i].tag) + 4;
    char *tag_list = xcalloc(1, tags_len + 1);
    for (size_t i = 0; i < u->n_variants; i++) {
        const union_variant *v = &u->variants[i];
        mu_node *vm = mu_map();
        set_str(vm, "name", v->name);
        char *upper = upper_case(v->name);
        set_fmt(vm, "kind_c", "%s_%s", c_name, upper);
        free(upper);
        set_text(vm, "tag_c", v->tag);
        set_text(vm, "tag_comment", v->tag);
        set_fmt(vm, "tag_len", "%zu", strlen(v->tag));
        char *jq = json_quote(v->tag);
        set_text(vm, "tag_json_c", jq);
        set_fmt(vm, "tag_json_len", "%zu", strlen(jq));
        free(jq);
        set_own(vm, "msg_c", message_c_name(v->message));
        set_fmt(vm, "index", "%zu", i);
        set_fmt(vm, "number", "%zu", i + 1);
        push_with_last(variants, vm, i + 1 == u->n_variants);
        strcat(tag_list, i ? ", " : "");
        strcat(tag_list, v->tag);
    }
    cut_list(tag_list);
    set_text(um, "tag_list_c", tag_list);
    free(tag_list);
    mu_map_set(um, "variants", variants);
    set_fmt(um, "n_variants", "%zu", u->n_variants);
    char why[WHY_MAX] = "";
    uint64_t max_size = union_max_size(c, s, u, why, 0);
    set_max_size(um, max_size, why);
    char *macro_base = snake_case(u->name), *macro = xasprintf("%s_%s", s->name, macro_base);
    set_own(um, "macro", upper_case(macro));
    free(macro);
    free(macro_base);
    const message_def *first = u->n_variants ? u->variants[0].message : NULL;
    set_kafka(um, &u->kafka, first ? key_field_of(first, u->kafka.key_field) : NULL);
    free(c_name);
    return um;
}

/* ---- the whole schema ---------------------------------------------------------------- */

/* s and every schema it imports, directly or not, once each. */
static void add_scope(const schema *s, const schema ***scope, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        if ((*scope)[i] == s)
            return;
    *(const schema **)xappend(scope, n, sizeof s) = s;
    for (size_t i = 0; i < s->n_imports; i++)
        add_scope(s->imports[i].schema, scope, n);
}

/* The messages whose handler type the Kafka header declares: its own that
 * reach a handler (is_routed), then imported messages that are variants of
 * its unions (their schema declares the same type only if they reach a
 * handler there; C11 and C++ allow an identical typedef twice). */
static mu_node *handler_types_model(const schema *s)
{
    mu_node *list = mu_list();
    const message_def **seen = NULL;
    size_t n_seen = 0;
    for (size_t i = 0; i < s->n_order; i++)
        if (s->order[i].kind == DECL_MESSAGE && is_routed(s, s->order[i].message))
            *(const message_def **)xappend(&seen, &n_seen, sizeof *seen) = s->order[i].message;
    for (size_t i = 0; i < s->n_unions; i++)
        for (size_t j = 0; j < s->unions[i]->n_variants; j++) {
            const message_def *m = s->unions[i]->variants[j].message;
            bool dup = m->owner == s;
            for (size_t k = 0; k < n_seen && !dup; k++)
                dup = seen[k] == m;
            if (!dup)
                *(const message_def **)xappend(&seen, &n_seen, sizeof *seen) = m;
        }
    for (size_t i = 0; i < n_seen; i++) {
        mu_node *h = mu_map();
        set_str(h, "name", seen[i]->name);
        set_own(h, "c_name", message_c_name(seen[i]));
        push_with_last(list, h, i + 1 == n_seen);
    }
    free(seen);
    return list;
}

/* The direct imports: the files of theirs that this schema's files include. */
static mu_node *imports_model(const schema *s)
{
    mu_node *list = mu_list();
    for (size_t i = 0; i < s->n_imports; i++) {
        output_names names;
        output_names_init(&names, s->imports[i].schema);
        mu_node *im = mu_map();
        set_str(im, "schema", s->imports[i].schema->name);
        set_str(im, "header", names.header);
        set_str(im, "domain_header", names.domain_header);
        set_str(im, "translator_header", names.translator_header);
        push_with_last(list, im, i + 1 == s->n_imports);
        output_names_free(&names);
    }
    return list;
}

mu_node *model_run(const char *version)
{
    mu_node *root = mu_map();
    set_str(root, "version", version);
    return root;
}

mu_node *model_build(const schema *s, const output_names *out, const char *version)
{
    mu_node *root = mu_map();
    set_str(root, "version", version);
    set_text(root, "source", s->file_name);
    set_str(root, "schema", s->name);
    set_fmt(root, "schema_version", "%d", s->version); /* for user templates */
    set_doc(root, s->description);
    set_str(root, "header", out->header);
    set_str(root, "source_file", out->source);
    set_str(root, "translator_header", out->translator_header);
    set_str(root, "domain_header", out->domain_header);
    set_str(root, "kafka_header", out->kafka_header);
    set_str(root, "kafka_source", out->kafka_source);
    set_str(root, "fuzz_source", out->fuzz_source);
    set_own(root, "kafka_guard", guard_name(out->kafka_header));
    set_own(root, "guard", guard_name(out->header));
    set_own(root, "translator_guard", guard_name(out->translator_header));
    set_own(root, "domain_guard", guard_name(out->domain_header));

    mu_node *enums = mu_list();
    for (size_t i = 0; i < s->n_enums; i++)
        push_with_last(enums, enum_model(s, s->enums[i]), i + 1 == s->n_enums);
    mu_map_set(root, "enums", enums);

    mu_map_set(root, "imports", imports_model(s));
    mu_map_set(root, "handler_types", handler_types_model(s));

    /* Sizes and defaults are asked of imported messages too. */
    const schema **scope = NULL;
    size_t n_scope = 0, n_msgs = 0;
    add_scope(s, &scope, &n_scope);
    for (size_t i = 0; i < n_scope; i++)
        n_msgs += scope[i]->n_messages;
    model_ctx c = {value_defaults(), xcalloc(n_msgs + 1, sizeof *c.msgs), 0,
                   xcalloc(n_msgs * SIZE_DEPTHS + 1, sizeof *c.members),
                   xcalloc(n_msgs * SIZE_DEPTHS + 1, sizeof *c.whys), xmalloc(n_msgs + 1)};
    for (size_t k = 0; k < n_scope; k++)
        for (size_t i = 0; i < scope[k]->n_messages; i++)
            c.msgs[c.n_msgs++] = scope[k]->messages[i];
    free(scope);
    qsort(c.msgs, c.n_msgs, sizeof *c.msgs, compare_addresses);
    memset(c.defaults, -1, n_msgs + 1);
    mu_node *decls = mu_list(), *messages = mu_list(), *kafka = mu_list(), *fuzz = mu_list();
    mu_node *last_message = NULL, *last_kafka = NULL; /* get `last` once the lists are full */
    for (size_t i = 0; i < s->n_order; i++) {
        const decl *d = &s->order[i];
        mu_node *dm = mu_map();
        bool has_topic;
        /* The fuzz harness drives every public decoder: all messages and unions. */
        const char *name = d->kind == DECL_MESSAGE ? d->message->name : d->union_def->name;
        mu_node *fm = mu_map();
        set_str(fm, "name", name);
        set_own(fm, "c_name", type_c_name(s, name));
        push_with_last(fuzz, fm, i + 1 == s->n_order);
        /* One model per message or union, shared by the lists that show it
         * (mu_ref); each list item is a map over it with its own `last`. */
        if (d->kind == DECL_MESSAGE) {
            mu_node *mm = message_model(s, d->message, &c);
            mu_map_set(dm, "message", mm);
            mu_map_set(dm, "union", mu_bool(false));
            last_message = mu_map_over(mu_ref(mm));
            push_with_last(messages, last_message, false);
            has_topic = d->message->kafka.topic != NULL;
            if (has_topic)
                push_with_last(kafka, last_kafka = mu_map_over(mu_ref(mm)), false);
        } else {
            mu_node *um = union_model(s, d->union_def, &c);
            mu_map_set(dm, "message", mu_bool(false));
            mu_map_set(dm, "union", um);
            has_topic = d->union_def->kafka.topic != NULL;
            if (has_topic)
                push_with_last(kafka, last_kafka = mu_map_over(mu_ref(um)), false);
        }
        push_with_last(decls, dm, i + 1 == s->n_order);
    }
    if (last_message)
        set_bool(last_message, "last", true);
    if (last_kafka)
        set_bool(last_kafka, "last", true);
    mu_map_set(root, "decls", decls);
    mu_map_set(root, "messages", messages);
    mu_map_set(root, "kafka_types", kafka);
    mu_map_set(root, "fuzz_types", fuzz);
    set_fmt(root, "n_fuzz_types", "%zu", s->n_order);
    mu_free(c.value_base); /* each Value holds it */
    for (size_t i = 0; i < c.n_msgs * SIZE_DEPTHS; i++)
        free(c.whys[i]);
    free(c.whys);
    free(c.members);
    free(c.defaults);
    free(c.msgs);
    return root;
}
