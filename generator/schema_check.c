/*
 * schema_check.c - what a schema means: names, types, constraints,
 * defaults, Kafka keys, recursion by value and declaration order.
 *
 * The reader (schema_read.c) calls in here with text and positions, never
 * YAML nodes (contract: schema_int.h); errors go to the same diag_list, in
 * the order the reader meets them.  Values a schema writes for the wire
 * (defaults, and the bounds they are checked against) are judged by the
 * rules the generated decoders run, from topicgen::json: the JSON number
 * grammar (tg_text_number, tg_text_is_decimal), its conversion to double
 * (tg_text_to_double), UTF-8 validity (tg_utf8_check) and the code-point
 * count of min_length/max_length (tg_str_utf8_length, what
 * tg_codec_check_length counts).  So a default the loader accepts is one
 * every decoder of the schema accepts, and the generator keeps no grammar
 * of its own.
 */
#include "schema_int.h"
#include "suggest.h"
#include "util.h"

#include "tg_json.h"     /* tg_str_utf8_length */
#include "tg_text_int.h" /* runtime/json's text rules (private to this project) */

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define ERR(C, pos, ...) diag_error((C)->diags, (C)->path, (pos), __VA_ARGS__)

/* The attribute's text, or NULL after "<what> must be a scalar". */
static const char *attr_text(checker *C, const attr *a, const char *what)
{
    if (!a->text)
        ERR(C, a->pos, "%s must be a scalar", what);
    return a->text;
}

/* ---- names ------------------------------------------------------------------ */

/* A name the generated C code will use in identifiers (schema, type,
 * field, variant, enum value).  Reports why it cannot be one, and `fix`,
 * how to rename it (NULL: none).  A field or variant name is a struct
 * member as it is; every name ends up after a prefix somewhere ('has_',
 * '<schema>_'), so keywords and '__' would reach C++ includers of the
 * generated headers. */
static bool check_c_name_fix(checker *C, diag_pos at, const char *name, const char *what,
                             const char *fix)
{
    static const char *const why[] = {
        [C_NAME_OK] = "",
        [C_NAME_C_KEYWORD] = "is a C keyword",
        [C_NAME_CXX_KEYWORD] = "is a C++ keyword and would break every C++ file that includes "
                               "the generated header",
        [C_NAME_RESERVED] = "is reserved: names must not start with '_' or contain '__' "
                            "(generated names join them with '_', and C and C++ reserve such "
                            "identifiers)",
    };
    if (!is_c_identifier(name)) {
        ERR(C, at, "%s '%s' is not a valid C identifier", what, name);
        return false;
    }
    c_name_problem p = c_name_check(name);
    if (p != C_NAME_OK)
        ERR(C, at, "%s '%s' %s%s%s", what, name, why[p], fix ? "; " : "", fix ? fix : "");
    return p == C_NAME_OK;
}

bool check_c_name(checker *C, diag_pos at, const char *name, const char *what, const char *thing)
{
    char *alt = is_c_identifier(name) ? c_name_alternative(name) : NULL;
    char *fix = alt ? xasprintf("rename the %s (e.g. '%s')", thing, alt)
                    : xasprintf("rename the %s", thing);
    bool ok = check_c_name_fix(C, at, name, what, fix);
    free(fix);
    free(alt);
    return ok;
}

/* The direct import a qualified name `<schema>.<Type>` names, with *name
 * moved past the dot; s itself for a plain name; NULL for an unknown
 * schema. */
static const schema *scope_of(const schema *s, const char **name)
{
    const char *dot = strchr(*name, '.');
    if (!dot)
        return s;
    size_t n = (size_t)(dot - *name);
    for (size_t i = 0; i < s->n_imports; i++) {
        const schema *imp = s->imports[i].schema;
        if (imp->name && strlen(imp->name) == n && memcmp(imp->name, *name, n) == 0) {
            *name = dot + 1;
            return imp;
        }
    }
    return NULL;
}

enum_def *find_enum(const schema *s, const char *name)
{
    if ((s = scope_of(s, &name)) == NULL || strchr(name, '.'))
        return NULL;
    for (size_t i = 0; i < s->n_enums; i++)
        if (strcmp(s->enums[i]->name, name) == 0)
            return s->enums[i];
    return NULL;
}

message_def *find_message(const schema *s, const char *name)
{
    if ((s = scope_of(s, &name)) == NULL || strchr(name, '.'))
        return NULL;
    for (size_t i = 0; i < s->n_messages; i++)
        if (strcmp(s->messages[i]->name, name) == 0)
            return s->messages[i];
    return NULL;
}

union_def *find_union(const schema *s, const char *name)
{
    if ((s = scope_of(s, &name)) == NULL || strchr(name, '.'))
        return NULL;
    for (size_t i = 0; i < s->n_unions; i++)
        if (strcmp(s->unions[i]->name, name) == 0)
            return s->unions[i];
    return NULL;
}

/* Every named type shares one namespace.  A name that is not a valid C
 * identifier is reported but still declared, so that its body is checked
 * too.  The same name twice in one section is already a duplicate key. */
bool check_declare(checker *C, diag_pos at, const char *name, const char *kind)
{
    check_c_name(C, at, name, "type name", kind);
    enum_def *e = find_enum(C->s, name);
    message_def *m = find_message(C->s, name);
    union_def *u = find_union(C->s, name);
    if (!e && !m && !u)
        return true;
    const char *prev_kind = e ? "enum" : m ? "message" : "union";
    if (strcmp(prev_kind, kind) != 0) {
        ERR(C, at, "type '%s' is defined more than once", name);
        diag_note(C->diags, C->path, e ? e->pos : m ? m->pos : u->pos,
                  "'%s' first defined here", name);
    }
    return false;
}

/* A field name is a struct member as it is; the fix keeps its JSON key. */
void check_field_name(checker *C, diag_pos at, const field_def *f)
{
    char *alt = is_c_identifier(f->name) ? c_name_alternative(f->name) : NULL;
    char *example = alt ? xasprintf(" (e.g. '%s')", alt) : xstrdup("");
    char *fix = strcmp(f->wire_name, f->name) == 0
              ? xasprintf("rename the field%s and keep the JSON key with 'wire_name: %s'",
                          example, f->name)
              : xasprintf("rename the field%s; its wire_name '%s' stays the JSON key", example,
                          f->wire_name);
    check_c_name_fix(C, at, f->name, "field name", fix);
    free(fix);
    free(example);
    free(alt);
}

/* Wire names and enum wire strings go into generated C string literals
 * and pre-escaped JSON keys as they are. */
static bool needs_escape(const char *s)
{
    for (; *s; s++)
        if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
            return true;
    return false;
}

bool check_wire_name(checker *C, diag_pos at, const char *wire)
{
    if (!*wire) {
        ERR(C, at, "wire_name must not be empty");
        return false;
    }
    if (needs_escape(wire)) {
        ERR(C, at, "wire_name \"%s\" must not contain quotes, backslashes or control characters",
            wire);
        return false;
    }
    return true;
}

void check_enum_value(checker *C, const enum_def *e, const char *name, diag_pos name_at,
                      const char *wire, diag_pos wire_at)
{
    char *alt = is_c_identifier(name) ? c_name_alternative(name) : NULL;
    if (!is_c_identifier(name))
        ERR(C, name_at, "enum value name '%s' is not a valid C identifier", name);
    else if (c_name_check(name) == C_NAME_RESERVED) /* keywords are fine: always prefixed */
        ERR(C, name_at, "enum value name '%s' would make the C name '%s_%s_%s', which C and C++ "
                        "reserve (names must not start with '_' or contain '__'); rename the "
                        "value%s%s%s; its wire string stays",
            name, C->s->name ? C->s->name : "schema", e->name, name, alt ? " (e.g. '" : "",
            alt ? alt : "", alt ? "')" : "");
    free(alt);
    if (needs_escape(wire))
        ERR(C, wire_at, "enum wire string \"%s\" must not contain quotes, backslashes or "
                        "control characters", wire);
    for (size_t i = 0; i < e->n_values; i++)
        if (strcmp(e->values[i].wire, wire) == 0) {
            ERR(C, wire_at, "wire string \"%s\" is already used by %s.%s", wire, e->name,
                e->values[i].name);
            diag_note(C->diags, C->path, e->values[i].pos, "'%s' defined here", e->values[i].name);
        }
}

/* A variant's C name: the tag, or its `name:`.  The fix keeps the tag. */
void check_variant_name(checker *C, diag_pos at, const char *name, const char *tag,
                        const char *message)
{
    char *alt = is_c_identifier(name) ? c_name_alternative(name) : NULL;
    char *fix = xasprintf("give the variant a C name of its own (e.g. '%s: {message: %s, "
                          "name: %s}'); its tag stays the discriminator value",
                          tag, message ? message : "M", alt ? alt : "v");
    check_c_name_fix(C, at, name, "variant name", fix);
    free(fix);
    free(alt);
}

/* ---- types ------------------------------------------------------------------ */

static const char *const kind_names[] = {
    [T_BOOL] = "bool",           [T_INT32] = "int32",   [T_INT64] = "int64",
    [T_UINT32] = "uint32",       [T_UINT64] = "uint64", [T_FLOAT64] = "float64",
    [T_STRING] = "string",       [T_TIMESTAMP] = "timestamp",
    [T_UUID] = "uuid",           [T_DECIMAL] = "decimal", [T_BYTES] = "bytes",
    [T_JSON] = "json",           [T_ENUM] = "enum",     [T_MESSAGE] = "message",
    [T_UNION] = "union",         [T_ARRAY] = "array",   [T_MAP] = "map",
};

const char *type_kind_name(type_kind k)
{
    return kind_names[k];
}

/* Names offered for "did you mean": plain ones point into the schema,
 * qualified ones (`common.Money`) are built and freed with the list. */
typedef struct name_list {
    char **owned;
    size_t n_owned;
} name_list;

/* Offer the type names of `from`, qualified by its name when it is an
 * import (messages only when `messages_only`). */
static void offer_types(suggest *sg, name_list *nl, const schema *from, bool qualify,
                        bool messages_only)
{
    size_t n = messages_only ? from->n_messages : from->n_enums + from->n_messages + from->n_unions;
    for (size_t i = 0; i < n; i++) {
        const char *name = messages_only            ? from->messages[i]->name
                           : i < from->n_enums      ? from->enums[i]->name
                           : i < from->n_enums + from->n_messages
                               ? from->messages[i - from->n_enums]->name
                               : from->unions[i - from->n_enums - from->n_messages]->name;
        if (qualify) {
            char *q = xasprintf("%s.%s", from->name, name);
            *(char **)xappend(&nl->owned, &nl->n_owned, sizeof q) = q;
            name = q;
        }
        suggest_offer(sg, name, strlen(name));
    }
}

/* "; did you mean ...?" for an unknown type, into buf (HINT_MAX bytes):
 * every built-in and declared type name is a candidate, and every type of
 * a direct import by its qualified name (for a plain name that an import
 * defines, that qualified name is the one suggested). */
static const char *type_hint(char *buf, const schema *s, const char *name, bool allow_containers,
                             bool messages_only)
{
    for (size_t i = 0; !strchr(name, '.') && i < s->n_imports; i++) {
        const schema *imp = s->imports[i].schema;
        if (messages_only ? find_message(imp, name) != NULL
                          : find_enum(imp, name) || find_message(imp, name) || find_union(imp, name)) {
            snprintf(buf, HINT_MAX, "; did you mean '%s.%s'?", imp->name, name);
            return buf;
        }
    }
    suggest sg;
    name_list nl = {0};
    suggest_init(&sg, name, strlen(name));
    for (int k = T_BOOL; !messages_only && k <= T_JSON; k++)
        suggest_offer(&sg, kind_names[k], strlen(kind_names[k]));
    offer_types(&sg, &nl, s, false, messages_only);
    for (size_t i = 0; i < s->n_imports; i++)
        offer_types(&sg, &nl, s->imports[i].schema, true, messages_only);
    if (allow_containers) {
        suggest_offer(&sg, "array", 5);
        suggest_offer(&sg, "map", 3);
    }
    suggest_format(&sg, buf, HINT_MAX);
    for (size_t i = 0; i < nl.n_owned; i++)
        free(nl.owned[i]);
    free(nl.owned);
    return buf;
}

/* A qualified name whose schema is not a direct import: reported (with
 * the imports as hints); true when it was. */
static bool unknown_scope(checker *C, diag_pos at, const char *name)
{
    const char *dot = strchr(name, '.'), *rest = name;
    if (!dot || scope_of(C->s, &rest))
        return false;
    char *prefix = xstrndup(name, (size_t)(dot - name)), hint[HINT_MAX] = "";
    suggest sg;
    suggest_init(&sg, prefix, strlen(prefix));
    for (size_t i = 0; i < C->s->n_imports; i++)
        suggest_offer(&sg, C->s->imports[i].schema->name, strlen(C->s->imports[i].schema->name));
    suggest_format(&sg, hint, HINT_MAX);
    if (C->s->n_imports == 0)
        ERR(C, at, "unknown type '%s': this file imports no schema named '%s' (it has no "
                   "imports)", name, prefix);
    else
        ERR(C, at, "unknown type '%s': this file imports no schema named '%s'%s", name, prefix,
            hint);
    free(prefix);
    return true;
}

/* After an unknown qualified name of a known import: where that schema is. */
static void note_imported_schema(checker *C, const char *name)
{
    const char *rest = name;
    const schema *imp = strchr(name, '.') ? scope_of(C->s, &rest) : NULL;
    if (imp)
        diag_note(C->diags, imp->path, imp->name_pos, "schema '%s' is defined here", imp->name);
}

message_def *check_variant_message(checker *C, diag_pos at, const char *tag, const char *name)
{
    message_def *m = find_message(C->s, name);
    if (m)
        return m;
    char hint[HINT_MAX];
    if (unknown_scope(C, at, name))
        return NULL;
    ERR(C, at, "variant '%s': unknown message '%s'%s", tag, name,
        type_hint(hint, C->s, name, false, true));
    note_imported_schema(C, name);
    return NULL;
}


/* Resolve a type name (built-in or declared) into `t`.  Arrays and maps are
 * spelled with `type: array` / `type: map`, never by name here unless
 * `allow_containers`. */
static bool resolve_type_name(checker *C, diag_pos at, const char *name, type_ref *t,
                              bool allow_containers)
{
    memset(t, 0, sizeof *t);
    for (int k = T_BOOL; k <= T_JSON; k++)
        if (strcmp(name, kind_names[k]) == 0) {
            t->kind = (type_kind)k;
            return true;
        }
    if ((t->enum_def = find_enum(C->s, name)) != NULL) {
        t->kind = T_ENUM;
        return true;
    }
    if ((t->message = find_message(C->s, name)) != NULL) {
        t->kind = T_MESSAGE;
        return true;
    }
    if ((t->union_def = find_union(C->s, name)) != NULL) {
        t->kind = T_UNION;
        return true;
    }
    if (allow_containers && strcmp(name, "array") == 0) {
        t->kind = T_ARRAY;
        return true;
    }
    if (allow_containers && strcmp(name, "map") == 0) {
        t->kind = T_MAP;
        return true;
    }
    char hint[HINT_MAX];
    if (strcmp(name, "array") == 0 || strcmp(name, "map") == 0) {
        ERR(C, at, "'%s' cannot be nested directly; wrap the inner %s in a message", name, name);
    } else if (!unknown_scope(C, at, name)) {
        ERR(C, at, "unknown type '%s'%s", name, type_hint(hint, C->s, name, allow_containers, false));
        note_imported_schema(C, name);
    }
    return false;
}

static bool is_integer_kind(type_kind k)
{
    return k == T_INT32 || k == T_INT64 || k == T_UINT32 || k == T_UINT64;
}

static bool is_unsigned_kind(type_kind k)
{
    return k == T_UINT32 || k == T_UINT64;
}

static bool is_number_kind(type_kind k)
{
    return is_integer_kind(k) || k == T_FLOAT64;
}

/* Kinds that take min_length/max_length (in characters). */
static bool is_text_kind(type_kind k)
{
    return k == T_STRING || k == T_DECIMAL;
}

/* ---- numbers: the decoders' rules ------------------------------------------- */

/* text is exactly one JSON number (tg_text_number, the grammar every
 * decoder reads numbers and decimals with). */
static bool json_number(const char *text)
{
    return tg_text_is_decimal(text, strlen(text));
}

/* The integer rule of tg_json_read_int/_uint: a JSON number without
 * fraction or exponent ("-0" is 0).  *neg and *mag get its sign and
 * magnitude; false also beyond 64 bits. */
static bool integer_text(const char *text, bool *neg, uint64_t *mag)
{
    if (!json_number(text) || strpbrk(text, ".eE"))
        return false;
    *neg = *text == '-';
    errno = 0;
    unsigned long long v = strtoull(text + *neg, NULL, 10); /* digits only, checked above */
    *mag = v;
    return errno == 0;
}

static bool parse_i64(const char *text, int64_t *out)
{
    bool neg;
    uint64_t mag;
    if (!integer_text(text, &neg, &mag) || mag > (neg ? (uint64_t)1 << 63 : (uint64_t)INT64_MAX))
        return false;
    *out = !neg ? (int64_t)mag : mag == (uint64_t)1 << 63 ? INT64_MIN : -(int64_t)mag;
    return true;
}

static bool parse_u64(const char *text, uint64_t *out)
{
    bool neg;
    uint64_t mag;
    if (!integer_text(text, &neg, &mag) || (neg && mag != 0))
        return false;
    *out = mag;
    return true;
}

/* The float64 rule of tg_json_read_double: a JSON number, correctly
 * rounded; beyond a double is not one. */
static bool parse_f64(const char *text, double *out)
{
    return json_number(text) && tg_text_to_double(text, strlen(text), out);
}

/* A non-negative count attribute (min_length, max_items, version, ...). */
static bool parse_count(checker *C, const attr *a, const char *what, uint64_t *out)
{
    const char *text = attr_text(C, a, what);
    if (!text)
        return false;
    bool ok = parse_u64(text, out);
    if (!ok)
        ERR(C, a->pos, "%s must be a non-negative integer, got '%s'", what, text);
    return ok;
}

bool check_version(checker *C, const attr *a, int *out)
{
    uint64_t v;
    if (!parse_count(C, a, "version", &v))
        return false;
    if (v < 1 || v > INT32_MAX) {
        ERR(C, a->pos, "version must be between 1 and %d", INT32_MAX);
        return false;
    }
    *out = (int)v;
    return true;
}

/* A version number at *p (digits only), advancing p; false when none or
 * out of range. */
static bool read_version_number(const char **p, int *out)
{
    uint64_t v = 0;
    const char *s = *p;
    while (*s >= '0' && *s <= '9' && v <= INT32_MAX)
        v = v * 10 + (uint64_t)(*s++ - '0');
    if (s == *p || v < 1 || v > INT32_MAX || (**p == '0'))
        return false;
    *p = s;
    *out = (int)v;
    return true;
}

bool check_accepts_versions(checker *C, const attr *a, int *lo, int *hi)
{
    const char *text = attr_text(C, a, "accepts_versions");
    if (!text)
        return false;
    const char *p = text;
    int first = 0, last = 0;
    bool ok = read_version_number(&p, &first);
    if (ok && *p == '\0')
        last = first;
    else if (ok && strncmp(p, "..", 2) == 0 && p[2] == '\0')
        last = INT32_MAX;
    else if (ok && strncmp(p, "..", 2) == 0) {
        p += 2;
        ok = read_version_number(&p, &last) && *p == '\0';
    } else
        ok = false;
    if (!ok) {
        ERR(C, a->pos, "accepts_versions must be 'N..M' (e.g. 1..3), 'N..' or 'N' with versions "
                       "from 1 to %d, got '%s'", INT32_MAX, text);
        return false;
    }
    if (first > last) {
        ERR(C, a->pos, "accepts_versions '%s' is empty: %d is above %d", text, first, last);
        return false;
    }
    *lo = first;
    *hi = last;
    return true;
}

void check_enum_fallback(checker *C, enum_def *e, const attr *a)
{
    const char *text = attr_text(C, a, "fallback");
    if (!text)
        return;
    for (size_t i = 0; i < e->n_values; i++)
        if (strcmp(e->values[i].wire, text) == 0) {
            e->has_fallback = true;
            e->fallback = i;
            return;
        }
    ERR(C, a->pos, "fallback '%s' of enum '%s' is not one of its wire strings (an unknown value "
                   "decodes as the fallback, so it must be a value)", text, e->name);
}

bool check_tombstones(checker *C, const attr *a, tombstone_route *out)
{
    static const char *const routes[] = {"skip", "handle", "dlq"}; /* tombstone_route order */
    const char *text = attr_text(C, a, "tombstones");
    if (!text)
        return false;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(text, routes[i]) == 0) {
            *out = (tombstone_route)i;
            return true;
        }
    ERR(C, a->pos, "tombstones must be 'skip', 'handle' or 'dlq', got '%s'", text);
    return false;
}

/* A number of kind k (a bound or a default) into b, in the type's range. */
static bool parse_bound(checker *C, const attr *a, type_kind k, const char *what, bound *b)
{
    const char *text = attr_text(C, a, what);
    if (!text)
        return false;
    bool ok;
    if (k == T_FLOAT64)
        ok = parse_f64(text, &b->d);
    else if (is_unsigned_kind(k))
        ok = parse_u64(text, &b->u);
    else
        ok = parse_i64(text, &b->i);
    int64_t lo = k == T_INT32 ? INT32_MIN : INT64_MIN, hi = k == T_INT32 ? INT32_MAX : INT64_MAX;
    if (ok && (k == T_INT32 || k == T_INT64) && (b->i < lo || b->i > hi))
        ok = false;
    if (ok && k == T_UINT32 && b->u > UINT32_MAX)
        ok = false;
    if (!ok) {
        ERR(C, a->pos, "%s '%s' is not a valid %s", what, text, kind_names[k]);
        return false;
    }
    b->set = true;
    b->text = xstrdup(text);
    return true;
}

static int compare_bounds(type_kind k, const bound *a, const bound *b)
{
    if (k == T_FLOAT64)
        return (a->d > b->d) - (a->d < b->d);
    if (is_unsigned_kind(k))
        return (a->u > b->u) - (a->u < b->u);
    return (a->i > b->i) - (a->i < b->i);
}

/* ---- defaults ----------------------------------------------------------------- */

static bool enum_has_wire(const enum_def *e, const char *wire)
{
    for (size_t i = 0; i < e->n_values; i++)
        if (strcmp(e->values[i].wire, wire) == 0)
            return true;
    return false;
}

/* An enum default that is none of the enum's wire strings: say which they
 * are, and the closest. */
static void report_bad_enum_default(checker *C, diag_pos at, const field_def *f, const char *text)
{
    const enum_def *e = f->type.enum_def;
    char wires[512] = "", hint[HINT_MAX];
    size_t used = 0;
    suggest sg;
    suggest_init(&sg, text, strlen(text));
    for (size_t i = 0; i < e->n_values && used < sizeof wires; i++) {
        const char *sep = i == 0 ? "" : i + 1 == e->n_values ? " or " : ", ";
        int w = snprintf(wires + used, sizeof wires - used, "%s'%s'", sep, e->values[i].wire);
        used += w > 0 ? (size_t)w : 0;
        suggest_offer(&sg, e->values[i].wire, strlen(e->values[i].wire));
    }
    ERR(C, at, "default '%s' of field '%s' is not a value of enum %s: expected %s%s", text,
        f->name, e->name, wires, suggest_format(&sg, hint, sizeof hint));
}

/* A string or decimal default within min_length/max_length, counted in
 * code points as tg_codec_check_length counts them in every decoder.  A
 * decimal is ASCII, so there characters are bytes. */
static void check_default_length(checker *C, diag_pos at, const field_def *f, const char *text)
{
    uint64_t len = tg_str_utf8_length((tg_str){text, strlen(text)});
    bool shorter = f->has_min_length && len < f->min_length;
    bool longer = f->has_max_length && len > f->max_length;
    if (!shorter && !longer)
        return;
    if (f->type.kind == T_STRING)
        ERR(C, at, "default \"%s\" of field '%s' violates its own length constraint", text,
            f->name);
    else
        ERR(C, at, "default '%s' of field '%s' has %" PRIu64 " characters but %s is %" PRIu64
                   ": messages that omit the field would be encoded with a value decoders "
                   "reject; %s",
            text, f->name, len, longer ? "max_length" : "min_length",
            longer ? f->max_length : f->min_length,
            longer ? "shorten the default or raise max_length"
                   : "write the default with more digits or lower min_length");
}

/* A default must be a value every decoder of the schema accepts: valid for
 * the field's type and within the field's own constraints.  Decoders fill
 * it in for an absent member and encoders always write it, so a default
 * they would reject breaks every message that omits the field. */
static void check_default(checker *C, diag_pos at, field_def *f)
{
    const char *text = f->default_text;
    type_kind k = f->type.kind;
    if (is_number_kind(k)) {
        const attr a = {.present = true, .text = f->default_text, .pos = at};
        if (!parse_bound(C, &a, k, "default", &f->default_value))
            return;
        bound *v = &f->default_value;
        if ((f->min.set && compare_bounds(k, v, &f->min) < 0) ||
            (f->max.set && compare_bounds(k, v, &f->max) > 0))
            ERR(C, at, "default %s of field '%s' violates its own constraint (%s%s%s%s%s)", text,
                f->name, f->min.set ? "min " : "", f->min.set ? f->min.text : "",
                f->min.set && f->max.set ? ", " : "", f->max.set ? "max " : "",
                f->max.set ? f->max.text : "");
    } else if (k == T_BOOL) {
        if (strcmp(text, "true") != 0 && strcmp(text, "false") != 0)
            ERR(C, at, "default of bool field '%s' must be true or false", f->name);
    } else if (k == T_STRING) {
        size_t n = strlen(text), bad = tg_utf8_check(text, n);
        if (bad < n)
            ERR(C, at, "default of field '%s' is not valid UTF-8 (byte 0x%02x at offset %zu); "
                       "write the text without invalid escapes", f->name,
                (unsigned char)text[bad], bad);
        else
            check_default_length(C, at, f, text);
    } else if (k == T_DECIMAL) {
        if (!json_number(text))
            ERR(C, at, "default '%s' of field '%s' is not a decimal number", text, f->name);
        else
            check_default_length(C, at, f, text);
    } else if (k == T_ENUM) {
        if (!enum_has_wire(f->type.enum_def, text))
            report_bad_enum_default(C, at, f, text);
    } else {
        ERR(C, at, "field '%s' of type %s cannot have a default", f->name, kind_names[k]);
    }
}

/* ---- fields ------------------------------------------------------------------ */

static void check_attr_applies(checker *C, const attr *a, const char *name, bool ok,
                               const field_def *f)
{
    if (a->present && !ok)
        ERR(C, a->pos, "'%s' does not apply to field '%s' of type %s", name, f->name,
            kind_names[f->type.kind]);
}

void check_field(checker *C, field_def *f, diag_pos where, const field_attrs *a)
{
    const char *tname = a->type.present ? attr_text(C, &a->type, "type") : NULL;
    if (!a->type.present)
        ERR(C, where, "field '%s' has no type", f->name);
    if (!tname || !resolve_type_name(C, a->type.pos, tname, &f->type, true)) {
        f->type.kind = T_JSON; /* keep going with a harmless type */
        f->type_unknown = true;
        return;
    }
    if (f->type.kind == T_ARRAY || f->type.kind == T_MAP) {
        const attr *en = f->type.kind == T_ARRAY ? &a->items : &a->values;
        const char *name = f->type.kind == T_ARRAY ? "items" : "values";
        f->type.elem = xcalloc(1, sizeof *f->type.elem);
        const char *ename = en->present ? attr_text(C, en, name) : NULL;
        if (!en->present)
            ERR(C, where, "%s field '%s' needs '%s'", kind_names[f->type.kind], f->name, name);
        if (!ename || !resolve_type_name(C, en->pos, ename, f->type.elem, false))
            f->type.elem->kind = T_JSON;
    }
    type_kind k = f->type.kind;
    check_attr_applies(C, &a->items, "items", k == T_ARRAY, f);
    check_attr_applies(C, &a->values, "values", k == T_MAP, f);
    check_attr_applies(C, &a->min, "min", is_number_kind(k), f);
    check_attr_applies(C, &a->max, "max", is_number_kind(k), f);
    check_attr_applies(C, &a->min_length, "min_length", is_text_kind(k), f);
    check_attr_applies(C, &a->max_length, "max_length", is_text_kind(k), f);
    check_attr_applies(C, &a->min_items, "min_items", k == T_ARRAY || k == T_MAP, f);
    check_attr_applies(C, &a->max_items, "max_items", k == T_ARRAY || k == T_MAP, f);
    if (is_number_kind(k)) {
        if (a->min.present)
            parse_bound(C, &a->min, k, "min", &f->min);
        if (a->max.present)
            parse_bound(C, &a->max, k, "max", &f->max);
        if (f->min.set && f->max.set && compare_bounds(k, &f->min, &f->max) > 0)
            ERR(C, a->max.pos, "max %s of field '%s' is below its min %s", f->max.text, f->name,
                f->min.text);
    }
    if (is_text_kind(k)) {
        f->has_min_length = a->min_length.present &&
                            parse_count(C, &a->min_length, "min_length", &f->min_length);
        f->has_max_length = a->max_length.present &&
                            parse_count(C, &a->max_length, "max_length", &f->max_length);
        if (f->has_min_length && f->has_max_length && f->min_length > f->max_length)
            ERR(C, a->max_length.pos, "max_length of field '%s' is below its min_length", f->name);
    }
    if (k == T_ARRAY || k == T_MAP) {
        f->has_min_items = a->min_items.present &&
                           parse_count(C, &a->min_items, "min_items", &f->min_items);
        f->has_max_items = a->max_items.present &&
                           parse_count(C, &a->max_items, "max_items", &f->max_items);
        if (f->has_min_items && f->has_max_items && f->min_items > f->max_items)
            ERR(C, a->max_items.pos, "max_items of field '%s' is below its min_items", f->name);
    }
    if (a->def.present) {
        const char *text = attr_text(C, &a->def, "default");
        f->default_text = text ? xstrdup(text) : NULL;
        f->default_pos = a->def.pos;
        if (f->default_text)
            check_default(C, a->def.pos, f);
        if (f->default_text && f->optional)
            ERR(C, a->def.pos,
                "field '%s' cannot be optional with a default (absent means the default)",
                f->name);
    }
}

void check_field_names(checker *C, message_def *m)
{
    for (size_t i = 0; i < m->n_fields; i++) {
        field_def *f = &m->fields[i];
        for (size_t j = 0; j < i; j++) {
            field_def *g = &m->fields[j];
            /* Same name twice is already a duplicate key error. */
            if (strcmp(f->wire_name, g->wire_name) == 0 && strcmp(f->name, g->name) != 0) {
                ERR(C, f->pos, "wire name '%s' of field '%s' is already used by field '%s'",
                    f->wire_name, f->name, g->name);
                diag_note(C->diags, C->path, g->pos, "'%s' defined here", g->name);
            }
        }
        for (size_t j = 0; j < m->n_fields; j++) {
            field_def *g = &m->fields[j];
            char *has = xasprintf("has_%s", g->name), *isnull = xasprintf("%s_is_null", g->name);
            if ((g->optional && strcmp(f->name, has) == 0) || (g->nullable && strcmp(f->name, isnull) == 0))
                ERR(C, f->pos, "field name '%s' collides with the presence flag of field '%s'",
                    f->name, g->name);
            free(has);
            free(isnull);
        }
    }
}

/* ---- whole schema: Kafka keys, unions, recursion, order ------------------------ */

static field_def *find_field(message_def *m, const char *name)
{
    for (size_t i = 0; m && i < m->n_fields; i++)
        if (strcmp(m->fields[i].name, name) == 0)
            return &m->fields[i];
    return NULL;
}

/* "; did you mean ...?" for an unknown field of m, into buf (HINT_MAX). */
static const char *field_hint(char *buf, const message_def *m, const char *name)
{
    suggest sg;
    suggest_init(&sg, name, strlen(name));
    for (size_t i = 0; i < m->n_fields; i++)
        suggest_offer(&sg, m->fields[i].name, strlen(m->fields[i].name));
    return suggest_format(&sg, buf, HINT_MAX);
}

static bool key_type_ok(type_kind k)
{
    return is_integer_kind(k) || k == T_STRING || k == T_UUID || k == T_DECIMAL ||
           k == T_TIMESTAMP || k == T_ENUM;
}

static void check_key_field(checker *C, message_def *m)
{
    kafka_binding *k = &m->kafka;
    if (!k->key_field)
        return;
    field_def *f = find_field(m, k->key_field);
    char hint[HINT_MAX];
    if (!f)
        ERR(C, k->key_pos, "unknown key field '%s' in message '%s'%s", k->key_field, m->name,
            field_hint(hint, m, k->key_field));
    else if (!f->type_unknown && (f->optional || f->nullable || !key_type_ok(f->type.kind)))
        ERR(C, k->key_pos,
            "key field '%s' must be a required, non-null string, uuid, integer, decimal, "
            "timestamp or enum", k->key_field);
}

static void check_union_key(checker *C, union_def *u)
{
    kafka_binding *k = &u->kafka;
    for (size_t i = 0; i < u->n_variants; i++) {
        message_def *m = u->variants[i].message;
        size_t seen = 0;
        while (seen < i && u->variants[seen].message != m)
            seen++;
        if (!m || seen < i)
            continue; /* checked with an earlier variant */
        field_def *df = NULL;
        for (size_t j = 0; j < m->n_fields; j++)
            if (strcmp(m->fields[j].wire_name, u->discriminator) == 0)
                df = &m->fields[j];
        if (df)
            ERR(C, df->pos,
                "field '%s' of variant message '%s' has the wire name of union %s's discriminator",
                df->name, m->name, u->name);
        if (!k->key_field)
            continue;
        field_def *f = find_field(m, k->key_field);
        char hint[HINT_MAX];
        if (!f) {
            ERR(C, k->key_pos, "unknown key field '%s': variant '%s' (message %s) has no such field%s",
                k->key_field, u->variants[i].tag, m->name, field_hint(hint, m, k->key_field));
        } else if (!f->type_unknown && (f->optional || f->nullable || f->type.kind != T_STRING)) {
            ERR(C, k->key_pos,
                "key field '%s' of union '%s' must be a required string in every variant",
                k->key_field, u->name);
        }
    }
    for (size_t i = 0; i < u->n_variants; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(u->variants[i].name, u->variants[j].name) == 0)
                ERR(C, u->variants[i].pos, "variant name '%s' is used twice in union '%s'",
                    u->variants[i].name, u->name);
}

enum { UNVISITED = 0, VISITING = 1, DONE = 2 };

static bool order_message(checker *C, message_def *m);

static bool order_union(checker *C, union_def *u)
{
    if (u->visit == DONE)
        return true;
    if (u->visit == VISITING) {
        ERR(C, u->pos, "union '%s' contains itself by value; use an array to break the recursion",
            u->name);
        return false;
    }
    u->visit = VISITING;
    bool ok = true;
    for (size_t i = 0; i < u->n_variants && ok; i++) {
        message_def *m = u->variants[i].message;
        if (m && m->visit == VISITING) {
            ERR(C, u->variants[i].pos,
                "variant '%s' makes union '%s' contain message '%s' by value; use an array "
                "to break the recursion", u->variants[i].tag, u->name, m->name);
            ok = false;
        } else if (m) {
            ok = order_message(C, m);
        }
    }
    u->visit = DONE;
    if (ok)
        C->s->order[C->s->n_order++] = (decl){.kind = DECL_UNION, .union_def = u};
    return ok;
}

/* Depth-first: emit what a message embeds by value before the message. */
static bool order_message(checker *C, message_def *m)
{
    if (m->visit == DONE)
        return true;
    if (m->visit == VISITING)
        return false;
    m->visit = VISITING;
    bool ok = true;
    for (size_t i = 0; i < m->n_fields && ok; i++) {
        field_def *f = &m->fields[i];
        /* a map entry holds its value by value; array items are pointed to */
        const type_ref *t = f->type.kind == T_MAP ? f->type.elem : &f->type;
        if (t->kind == T_MESSAGE) {
            ok = t->message->visit != VISITING && order_message(C, t->message);
            if (t->message->visit == VISITING) /* report where the cycle closes, once */
                ERR(C, f->pos,
                    "field '%s' makes message '%s' contain itself by value; use an array "
                    "to break the recursion", f->name, m->name);
        } else if (t->kind == T_UNION) {
            ok = order_union(C, t->union_def);
        }
    }
    m->visit = DONE;
    if (ok)
        C->s->order[C->s->n_order++] = (decl){.kind = DECL_MESSAGE, .message = m};
    return ok;
}

static void default_dlq(kafka_binding *k)
{
    if (k->topic && !k->dlq_topic)
        k->dlq_topic = xasprintf("%s.dlq", k->topic);
}

/* A type's own version must be one it accepts: else its consumers would
 * dead-letter what its producers write. */
static void check_accepts_own(checker *C, const char *kind, const char *name,
                              const kafka_binding *k)
{
    if (k->accepts_min && (k->version < k->accepts_min || k->version > k->accepts_max))
        ERR(C, k->accepts_pos, "%s '%s' is version %d, outside its own accepts_versions: its "
                               "consumers would dead-letter what its producers write",
            kind, name, k->version);
}

void check_schema(checker *C)
{
    schema *s = C->s;
    for (size_t i = 0; i < s->n_messages; i++) {
        default_dlq(&s->messages[i]->kafka);
        check_accepts_own(C, "message", s->messages[i]->name, &s->messages[i]->kafka);
    }
    for (size_t i = 0; i < s->n_unions; i++) {
        default_dlq(&s->unions[i]->kafka);
        check_accepts_own(C, "union", s->unions[i]->name, &s->unions[i]->kafka);
    }
    check_kafka_names(C);
    for (size_t i = 0; i < s->n_messages; i++)
        check_key_field(C, s->messages[i]);
    for (size_t i = 0; i < s->n_unions; i++)
        check_union_key(C, s->unions[i]);
    s->order = xcalloc(s->n_messages + s->n_unions + 1, sizeof *s->order);
    for (size_t i = 0; i < s->n_messages; i++)
        order_message(C, s->messages[i]);
    for (size_t i = 0; i < s->n_unions; i++)
        order_union(C, s->unions[i]);
}

/* ---- imports ------------------------------------------------------------------ */

/* Every schema s imports, directly or not, once each, into *out. */
static void reachable_imports(const schema *s, const schema ***out, size_t *n)
{
    for (size_t i = 0; i < s->n_imports; i++) {
        const schema *imp = s->imports[i].schema;
        bool seen = false;
        for (size_t k = 0; k < *n && !seen; k++)
            seen = (*out)[k] == imp;
        if (seen)
            continue;
        *(const schema **)xappend(out, n, sizeof imp) = imp;
        reachable_imports(imp, out, n);
    }
}

/* The C name of a local type, <s>_<name>, equals <imp>_<other>. */
static void check_clash_with(checker *C, const char *name, diag_pos at, const schema *imp)
{
    size_t sn = strlen(C->s->name), in = strlen(imp->name);
    if (sn == in && strcmp(C->s->name, imp->name) == 0)
        return; /* the same prefix twice: reported as a schema name used twice */
    /* <sn>_<name> == <in>_<other>: one prefix is the other's start */
    char *c_name = xasprintf("%s_%s", C->s->name, name);
    if (strncmp(c_name, imp->name, in) != 0 || c_name[in] != '_') {
        free(c_name);
        return;
    }
    const char *other = c_name + in + 1;
    const enum_def *e = find_enum(imp, other);
    const message_def *m = find_message(imp, other);
    const union_def *u = find_union(imp, other);
    if (e || m || u) {
        ERR(C, at, "type '%s' has the C name '%s', as '%s.%s' of imported schema '%s' has", name,
            c_name, imp->name, other, imp->name);
        diag_note(C->diags, imp->path, e ? e->pos : m ? m->pos : u->pos, "'%s' defined here",
                  other);
    }
    free(c_name);
}

void check_import_clashes(checker *C)
{
    const schema *s = C->s, **all = NULL;
    size_t n = 0;
    if (!s->name)
        return;
    reachable_imports(s, &all, &n);
    for (size_t k = 0; k < n; k++) {
        if (!all[k]->name)
            continue;
        for (size_t i = 0; i < s->n_enums; i++)
            check_clash_with(C, s->enums[i]->name, s->enums[i]->pos, all[k]);
        for (size_t i = 0; i < s->n_messages; i++)
            check_clash_with(C, s->messages[i]->name, s->messages[i]->pos, all[k]);
        for (size_t i = 0; i < s->n_unions; i++)
            check_clash_with(C, s->unions[i]->name, s->unions[i]->pos, all[k]);
    }
    free(all);
}
