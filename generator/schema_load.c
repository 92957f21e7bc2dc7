/*
 * schema_load.c - YAML schema file -> checked `schema` (see schema.h).
 *
 * Loading runs in passes so that every error of a file is reported, not
 * only the first:
 *   1. parse the YAML with libfyaml (syntax errors come from its collected
 *      diagnostics) and reject duplicate mapping keys anywhere;
 *   2. declare every enum, message and union name (one namespace), so types
 *      may be used before they are defined;
 *   3. read the bodies, resolving type names and checking each attribute;
 *   4. whole-schema checks: Kafka key fields, recursion by value, and the
 *      dependency order in which structs must be emitted.
 * Positions come from the scalar tokens libfyaml keeps for every node.
 */
#include "schema.h"
#include "suggest.h"
#include "util.h"

#include <libfyaml.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct loader {
    const char *path;
    diag_list *diags;
    schema *s;
    struct fy_node *key;        /* mapping key being read (for_each_pair) */
} loader;

/* ---- positions and errors ------------------------------------------------ */

static diag_pos node_pos(struct fy_node *n)
{
    diag_pos p = {0, 0};
    if (!n)
        return p;
    if (fy_node_is_scalar(n)) {
        struct fy_token *t = fy_node_get_scalar_token(n);
        const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
        if (m) {
            p.line = m->line + 1;
            p.col = m->column + 1;
            /* a quoted scalar's token starts after its opening quote */
            enum fy_node_style st = fy_node_get_style(n);
            if ((st == FYNS_SINGLE_QUOTED || st == FYNS_DOUBLE_QUOTED) && p.col > 1)
                p.col--;
        }
        return p;
    }
    void *it = NULL;
    if (fy_node_is_mapping(n)) {
        struct fy_node_pair *pair = fy_node_mapping_iterate(n, &it);
        return pair ? node_pos(fy_node_pair_key(pair)) : p;
    }
    if (fy_node_is_sequence(n))
        return node_pos(fy_node_sequence_iterate(n, &it));
    return p;
}

/* Where an error about `n` points.  An empty value (`topic:`) or an empty
 * collection has no token of its own: use the key it belongs to. */
static diag_pos err_pos(const loader *L, struct fy_node *n)
{
    diag_pos p = node_pos(n);
    return p.line > 0 ? p : node_pos(L->key);
}

#define ERR(L, node, ...) diag_error((L)->diags, (L)->path, err_pos(L, node), __VA_ARGS__)

/* ---- "did you mean ...?" -------------------------------------------------- */

/* Room for a hint: "; did you mean 'a', 'b' or 'c'?" with long names. */
#define HINT_MAX 256

/* The names an attribute may have, where each is read. */
static const char *const top_key_names[] = {
    "schema", "version", "description", "enums", "messages", "unions", NULL};
static const char *const enum_attr_names[] = {"values", "description", NULL};
static const char *const message_attr_names[] = {
    "fields", "topic", "key", "version", "dlq_topic", "unknown_fields", "description", NULL};
static const char *const field_attr_names[] = {
    "type", "items", "values", "optional", "nullable", "default", "min", "max", "min_length",
    "max_length", "min_items", "max_items", "wire_name", "description", NULL};
static const char *const union_attr_names[] = {
    "discriminator", "variants", "topic", "key", "version", "dlq_topic", "description", NULL};
static const char *const variant_attr_names[] = {"message", "name", NULL};

/* "; did you mean 'x'?" for `name` among the NULL-terminated `names`, or "",
 * into buf (HINT_MAX bytes). */
static const char *hint_among(char *buf, const char *name, const char *const *names)
{
    suggest s;
    suggest_init(&s, name, strlen(name));
    suggest_offer_all(&s, names);
    return suggest_format(&s, buf, HINT_MAX);
}

/* ---- scalar access ------------------------------------------------------ */

/* The scalar's text as a new string, or NULL (with an error) when `n` is not
 * a scalar. */
static char *scalar_dup(loader *L, struct fy_node *n, const char *what)
{
    if (!n || !fy_node_is_scalar(n)) {
        ERR(L, n, "%s must be a scalar", what);
        return NULL;
    }
    size_t len = 0;
    const char *text = fy_node_get_scalar(n, &len);
    return xstrndup(text ? text : "", len);
}

/* Same, for values that must not be empty (`topic:` with nothing after). */
static char *nonempty_dup(loader *L, struct fy_node *n, const char *what)
{
    char *text = scalar_dup(L, n, what);
    if (text && !*text) {
        ERR(L, n, "%s must not be empty", what);
        free(text);
        return NULL;
    }
    return text;
}

static bool scalar_is(struct fy_node *n, const char *s)
{
    size_t len = 0;
    const char *text = n && fy_node_is_scalar(n) ? fy_node_get_scalar(n, &len) : NULL;
    return text && len == strlen(s) && memcmp(text, s, len) == 0;
}

static bool parse_bool_node(loader *L, struct fy_node *n, const char *what, bool *out)
{
    if (scalar_is(n, "true")) {
        *out = true;
        return true;
    }
    if (scalar_is(n, "false")) {
        *out = false;
        return true;
    }
    ERR(L, n, "%s must be true or false", what);
    return false;
}

static bool parse_i64(const char *text, int64_t *out)
{
    if (!*text)
        return false;
    errno = 0;
    char *end;
    long long v = strtoll(text, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static bool parse_u64(const char *text, uint64_t *out)
{
    if (!*text || *text == '-' || *text == '+')
        return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static bool parse_f64(const char *text, double *out)
{
    if (!*text)
        return false;
    errno = 0;
    char *end;
    double v = strtod(text, &end);
    if (errno || *end || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* A non-negative count attribute (min_length, max_items, ...). */
static bool parse_count_node(loader *L, struct fy_node *n, const char *what, uint64_t *out)
{
    char *text = scalar_dup(L, n, what);
    if (!text)
        return false;
    bool ok = parse_u64(text, out);
    if (!ok)
        ERR(L, n, "%s must be a non-negative integer, got '%s'", what, text);
    free(text);
    return ok;
}

static bool parse_version_node(loader *L, struct fy_node *n, int *out)
{
    uint64_t v;
    if (!parse_count_node(L, n, "version", &v))
        return false;
    if (v < 1 || v > INT32_MAX) {
        ERR(L, n, "version must be between 1 and %d", INT32_MAX);
        return false;
    }
    *out = (int)v;
    return true;
}

/* ---- YAML-level checks ---------------------------------------------------- */

/* Duplicate keys are an error in every mapping of a schema (libfyaml is told
 * to accept them so that we can say where the first one was). */
static void check_duplicate_keys(loader *L, struct fy_node *n)
{
    void *it = NULL;
    if (fy_node_is_sequence(n)) {
        struct fy_node *child;
        while ((child = fy_node_sequence_iterate(n, &it)) != NULL)
            check_duplicate_keys(L, child);
        return;
    }
    if (!fy_node_is_mapping(n))
        return;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(n, &it)) != NULL) {
        struct fy_node *key = fy_node_pair_key(pair);
        size_t len = 0;
        const char *text = fy_node_is_scalar(key) ? fy_node_get_scalar(key, &len) : NULL;
        void *it2 = NULL;
        struct fy_node_pair *prev;
        while (text && (prev = fy_node_mapping_iterate(n, &it2)) != pair) {
            struct fy_node *pk = fy_node_pair_key(prev);
            size_t plen = 0;
            const char *ptext = fy_node_is_scalar(pk) ? fy_node_get_scalar(pk, &plen) : NULL;
            if (ptext && plen == len && memcmp(ptext, text, len) == 0) {
                ERR(L, key, "duplicate key '%.*s'", (int)len, text);
                diag_note(L->diags, L->path, node_pos(pk), "'%.*s' first defined here", (int)len, text);
                break;
            }
        }
        check_duplicate_keys(L, fy_node_pair_value(pair));
    }
}

/* Call `fn` for each key/value of a mapping; complain when `n` is not one. */
typedef void (*pair_fn)(loader *L, struct fy_node *key, struct fy_node *value, void *ctx);

static bool for_each_pair(loader *L, struct fy_node *n, const char *what, pair_fn fn, void *ctx)
{
    if (!n || !fy_node_is_mapping(n)) {
        ERR(L, n, "%s must be a mapping", what);
        return false;
    }
    void *it = NULL;
    struct fy_node_pair *pair;
    struct fy_node *outer = L->key;
    while ((pair = fy_node_mapping_iterate(n, &it)) != NULL) {
        L->key = fy_node_pair_key(pair);
        fn(L, L->key, fy_node_pair_value(pair), ctx);
    }
    L->key = outer;
    return true;
}

/* A name the generated C code will use in identifiers (schema, type,
 * field, variant, enum value).  Reports why it cannot be one, and `fix`,
 * how to rename it (NULL: none).  A field or variant name is a struct
 * member as it is; every name ends up after a prefix somewhere ('has_',
 * '<schema>_'), so keywords and '__' would reach C++ includers of the
 * generated headers. */
static bool check_c_name_fix(loader *L, struct fy_node *n, const char *name, const char *what,
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
        ERR(L, n, "%s '%s' is not a valid C identifier", what, name);
        return false;
    }
    c_name_problem p = c_name_check(name);
    if (p != C_NAME_OK)
        ERR(L, n, "%s '%s' %s%s%s", what, name, why[p], fix ? "; " : "", fix ? fix : "");
    return p == C_NAME_OK;
}

/* The same, with "rename the <thing> (e.g. 'x')" as the fix. */
static bool check_c_name(loader *L, struct fy_node *n, const char *name, const char *what,
                         const char *thing)
{
    char *alt = is_c_identifier(name) ? c_name_alternative(name) : NULL;
    char *fix = alt ? xasprintf("rename the %s (e.g. '%s')", thing, alt)
                    : xasprintf("rename the %s", thing);
    bool ok = check_c_name_fix(L, n, name, what, fix);
    free(fix);
    free(alt);
    return ok;
}

/* ---- type names ----------------------------------------------------------- */

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

static enum_def *find_enum(const schema *s, const char *name)
{
    for (size_t i = 0; i < s->n_enums; i++)
        if (strcmp(s->enums[i]->name, name) == 0)
            return s->enums[i];
    return NULL;
}

static message_def *find_message(const schema *s, const char *name)
{
    for (size_t i = 0; i < s->n_messages; i++)
        if (strcmp(s->messages[i]->name, name) == 0)
            return s->messages[i];
    return NULL;
}

static union_def *find_union(const schema *s, const char *name)
{
    for (size_t i = 0; i < s->n_unions; i++)
        if (strcmp(s->unions[i]->name, name) == 0)
            return s->unions[i];
    return NULL;
}

/* "; did you mean ...?" for an unknown type, into buf (HINT_MAX bytes):
 * every built-in and declared type name is a candidate. */
static const char *type_hint(char *buf, const schema *s, const char *name, bool allow_containers)
{
    suggest sg;
    suggest_init(&sg, name, strlen(name));
    for (int k = T_BOOL; k <= T_JSON; k++)
        suggest_offer(&sg, kind_names[k], strlen(kind_names[k]));
    for (size_t i = 0; i < s->n_enums; i++)
        suggest_offer(&sg, s->enums[i]->name, strlen(s->enums[i]->name));
    for (size_t i = 0; i < s->n_messages; i++)
        suggest_offer(&sg, s->messages[i]->name, strlen(s->messages[i]->name));
    for (size_t i = 0; i < s->n_unions; i++)
        suggest_offer(&sg, s->unions[i]->name, strlen(s->unions[i]->name));
    if (allow_containers) {
        suggest_offer(&sg, "array", 5);
        suggest_offer(&sg, "map", 3);
    }
    return suggest_format(&sg, buf, HINT_MAX);
}

/* Resolve a type name (built-in or declared) into `t`.  Arrays and maps are
 * spelled with `type: array` / `type: map`, never by name here unless
 * `allow_containers`. */
static bool resolve_type_name(loader *L, struct fy_node *n, const char *name, type_ref *t,
                              bool allow_containers)
{
    memset(t, 0, sizeof *t);
    for (int k = T_BOOL; k <= T_JSON; k++)
        if (strcmp(name, kind_names[k]) == 0) {
            t->kind = (type_kind)k;
            return true;
        }
    if ((t->enum_def = find_enum(L->s, name)) != NULL) {
        t->kind = T_ENUM;
        return true;
    }
    if ((t->message = find_message(L->s, name)) != NULL) {
        t->kind = T_MESSAGE;
        return true;
    }
    if ((t->union_def = find_union(L->s, name)) != NULL) {
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
    if (strcmp(name, "array") == 0 || strcmp(name, "map") == 0)
        ERR(L, n, "'%s' cannot be nested directly; wrap the inner %s in a message", name, name);
    else
        ERR(L, n, "unknown type '%s'%s", name, type_hint(hint, L->s, name, allow_containers));
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

/* ---- fields --------------------------------------------------------------- */

/* Attributes of a field, read before they are checked against its type. */
typedef struct field_attrs {
    struct fy_node *type, *items, *values, *min, *max, *min_length, *max_length;
    struct fy_node *min_items, *max_items, *def;
} field_attrs;

static bool parse_bound(loader *L, struct fy_node *n, type_kind k, const char *what, bound *b)
{
    char *text = scalar_dup(L, n, what);
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
        ERR(L, n, "%s '%s' is not a valid %s", what, text, kind_names[k]);
        free(text);
        return false;
    }
    b->set = true;
    b->text = text;
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

static void check_attr_applies(loader *L, struct fy_node *n, const char *attr, bool ok,
                               const field_def *f)
{
    if (n && !ok)
        ERR(L, n, "'%s' does not apply to field '%s' of type %s", attr, f->name,
            kind_names[f->type.kind]);
}

/* UTF-8 code points in s (the schema is UTF-8 text). */
static uint64_t utf8_length(const char *s)
{
    uint64_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static bool decimal_text_ok(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        while (*s >= '0' && *s <= '9')
            s++;
    else
        return false;
    if (*s == '.') {
        s++;
        if (!(*s >= '0' && *s <= '9'))
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

static bool enum_has_wire(const enum_def *e, const char *wire)
{
    for (size_t i = 0; i < e->n_values; i++)
        if (strcmp(e->values[i].wire, wire) == 0)
            return true;
    return false;
}

/* An enum default that is none of the enum's wire strings: say which they
 * are, and the closest. */
static void report_bad_enum_default(loader *L, struct fy_node *n, const field_def *f,
                                    const char *text)
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
    ERR(L, n, "default '%s' of field '%s' is not a value of enum %s: expected %s%s", text,
        f->name, e->name, wires, suggest_format(&sg, hint, sizeof hint));
}

/* A default must be a valid value of the field's type and satisfy the
 * field's own constraints. */
static void check_default(loader *L, struct fy_node *n, field_def *f)
{
    const char *text = f->default_text;
    type_kind k = f->type.kind;
    if (is_number_kind(k)) {
        bound v = {0};
        if (!parse_bound(L, n, k, "default", &v))
            return;
        if ((f->min.set && compare_bounds(k, &v, &f->min) < 0) ||
            (f->max.set && compare_bounds(k, &v, &f->max) > 0))
            ERR(L, n, "default %s of field '%s' violates its own constraint (%s%s%s%s%s)", text,
                f->name, f->min.set ? "min " : "", f->min.set ? f->min.text : "",
                f->min.set && f->max.set ? ", " : "", f->max.set ? "max " : "",
                f->max.set ? f->max.text : "");
        free(v.text);
    } else if (k == T_BOOL) {
        if (strcmp(text, "true") != 0 && strcmp(text, "false") != 0)
            ERR(L, n, "default of bool field '%s' must be true or false", f->name);
    } else if (k == T_STRING) {
        uint64_t len = utf8_length(text);
        if ((f->has_min_length && len < f->min_length) || (f->has_max_length && len > f->max_length))
            ERR(L, n, "default \"%s\" of field '%s' violates its own length constraint", text,
                f->name);
    } else if (k == T_DECIMAL) {
        if (!decimal_text_ok(text))
            ERR(L, n, "default '%s' of field '%s' is not a decimal number", text, f->name);
    } else if (k == T_ENUM) {
        if (!enum_has_wire(f->type.enum_def, text))
            report_bad_enum_default(L, n, f, text);
    } else {
        ERR(L, n, "field '%s' of type %s cannot have a default", f->name, kind_names[k]);
    }
}

static void read_field_attr(loader *L, struct fy_node *key, struct fy_node *value, void *ctx);

typedef struct field_ctx {
    field_def *f;
    field_attrs a;
} field_ctx;

static void read_field_attr(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    field_ctx *c = ctx;
    field_def *f = c->f;
    struct fy_node **slot = NULL;
    if (scalar_is(key, "type")) slot = &c->a.type;
    else if (scalar_is(key, "items")) slot = &c->a.items;
    else if (scalar_is(key, "values")) slot = &c->a.values;
    else if (scalar_is(key, "min")) slot = &c->a.min;
    else if (scalar_is(key, "max")) slot = &c->a.max;
    else if (scalar_is(key, "min_length")) slot = &c->a.min_length;
    else if (scalar_is(key, "max_length")) slot = &c->a.max_length;
    else if (scalar_is(key, "min_items")) slot = &c->a.min_items;
    else if (scalar_is(key, "max_items")) slot = &c->a.max_items;
    else if (scalar_is(key, "default")) slot = &c->a.def;
    if (slot) {
        *slot = value;
    } else if (scalar_is(key, "optional")) {
        parse_bool_node(L, value, "optional", &f->optional);
    } else if (scalar_is(key, "nullable")) {
        parse_bool_node(L, value, "nullable", &f->nullable);
    } else if (scalar_is(key, "wire_name")) {
        char *w = scalar_dup(L, value, "wire_name");
        if (w && !*w) {
            ERR(L, value, "wire_name must not be empty");
            free(w);
            w = NULL;
        }
        for (const char *p = w; p && *p; p++)
            if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20) {
                ERR(L, value, "wire_name \"%s\" must not contain quotes, backslashes or "
                              "control characters", w);
                free(w);
                w = NULL;
                break;
            }
        if (w) {
            free(f->wire_name);
            f->wire_name = w;
        }
    } else if (scalar_is(key, "description")) {
        free(f->description);
        f->description = scalar_dup(L, value, "description");
    } else {
        char *name = scalar_dup(L, key, "attribute name"), hint[HINT_MAX];
        if (name)
            ERR(L, key, "unknown attribute '%s' for field '%s' (expected type, items, values, "
                        "optional, nullable, default, min, max, min_length, max_length, "
                        "min_items, max_items, wire_name or description)%s",
                name, f->name, hint_among(hint, name, field_attr_names));
        free(name);
    }
}

/* Resolve the field's type from its attributes and check which attributes
 * apply to it. */
static void finish_field(loader *L, struct fy_node *where, field_ctx *c)
{
    field_def *f = c->f;
    field_attrs *a = &c->a;
    char *tname = a->type ? scalar_dup(L, a->type, "type") : NULL;
    if (!a->type)
        ERR(L, where, "field '%s' has no type", f->name);
    if (!tname || !resolve_type_name(L, a->type, tname, &f->type, true)) {
        free(tname);
        f->type.kind = T_JSON; /* keep going with a harmless type */
        return;
    }
    free(tname);
    if (f->type.kind == T_ARRAY || f->type.kind == T_MAP) {
        struct fy_node *en = f->type.kind == T_ARRAY ? a->items : a->values;
        const char *attr = f->type.kind == T_ARRAY ? "items" : "values";
        f->type.elem = xcalloc(1, sizeof *f->type.elem);
        char *ename = en ? scalar_dup(L, en, attr) : NULL;
        if (!en)
            ERR(L, where, "%s field '%s' needs '%s'", kind_names[f->type.kind], f->name, attr);
        if (!ename || !resolve_type_name(L, en, ename, f->type.elem, false))
            f->type.elem->kind = T_JSON;
        free(ename);
    }
    type_kind k = f->type.kind;
    check_attr_applies(L, a->items, "items", k == T_ARRAY, f);
    check_attr_applies(L, a->values, "values", k == T_MAP, f);
    check_attr_applies(L, a->min, "min", is_number_kind(k), f);
    check_attr_applies(L, a->max, "max", is_number_kind(k), f);
    check_attr_applies(L, a->min_length, "min_length", is_text_kind(k), f);
    check_attr_applies(L, a->max_length, "max_length", is_text_kind(k), f);
    check_attr_applies(L, a->min_items, "min_items", k == T_ARRAY || k == T_MAP, f);
    check_attr_applies(L, a->max_items, "max_items", k == T_ARRAY || k == T_MAP, f);
    if (is_number_kind(k)) {
        if (a->min)
            parse_bound(L, a->min, k, "min", &f->min);
        if (a->max)
            parse_bound(L, a->max, k, "max", &f->max);
        if (f->min.set && f->max.set && compare_bounds(k, &f->min, &f->max) > 0)
            ERR(L, a->max, "max %s of field '%s' is below its min %s", f->max.text, f->name,
                f->min.text);
    }
    if (is_text_kind(k)) {
        f->has_min_length = a->min_length && parse_count_node(L, a->min_length, "min_length", &f->min_length);
        f->has_max_length = a->max_length && parse_count_node(L, a->max_length, "max_length", &f->max_length);
        if (f->has_min_length && f->has_max_length && f->min_length > f->max_length)
            ERR(L, a->max_length, "max_length of field '%s' is below its min_length", f->name);
    }
    if (k == T_ARRAY || k == T_MAP) {
        f->has_min_items = a->min_items && parse_count_node(L, a->min_items, "min_items", &f->min_items);
        f->has_max_items = a->max_items && parse_count_node(L, a->max_items, "max_items", &f->max_items);
        if (f->has_min_items && f->has_max_items && f->min_items > f->max_items)
            ERR(L, a->max_items, "max_items of field '%s' is below its min_items", f->name);
    }
    if (a->def) {
        f->default_text = scalar_dup(L, a->def, "default");
        f->default_pos = node_pos(a->def);
        if (f->default_text)
            check_default(L, a->def, f);
        if (f->default_text && f->optional)
            ERR(L, a->def, "field '%s' cannot be optional with a default (absent means the default)",
                f->name);
    }
}

typedef struct message_ctx {
    message_def *m;
} message_ctx;

/* A field name is a struct member as it is; the fix keeps its JSON key. */
static void check_field_name(loader *L, struct fy_node *key, const field_def *f)
{
    char *alt = is_c_identifier(f->name) ? c_name_alternative(f->name) : NULL;
    char *example = alt ? xasprintf(" (e.g. '%s')", alt) : xstrdup("");
    char *fix = strcmp(f->wire_name, f->name) == 0
              ? xasprintf("rename the field%s and keep the JSON key with 'wire_name: %s'",
                          example, f->name)
              : xasprintf("rename the field%s; its wire_name '%s' stays the JSON key", example,
                          f->wire_name);
    check_c_name_fix(L, key, f->name, "field name", fix);
    free(fix);
    free(example);
    free(alt);
}

static void read_field(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    message_def *m = ((message_ctx *)ctx)->m;
    char *name = scalar_dup(L, key, "field name");
    if (!name)
        return;
    field_def *f = xappend(&m->fields, &m->n_fields, sizeof *f);
    f->name = name;
    f->wire_name = xstrdup(name);
    f->pos = node_pos(key);
    field_ctx c = {.f = f};
    if (fy_node_is_scalar(value)) {
        c.a.type = value; /* shorthand: `name: type` */
        finish_field(L, key, &c);
    } else if (for_each_pair(L, value, "a field", read_field_attr, &c)) {
        finish_field(L, key, &c);
    } else {
        f->type.kind = T_JSON;
    }
    check_field_name(L, key, f);
}

/* Flags and wire names must not collide within a message. */
static void check_field_names(loader *L, message_def *m)
{
    for (size_t i = 0; i < m->n_fields; i++) {
        field_def *f = &m->fields[i];
        for (size_t j = 0; j < i; j++) {
            field_def *g = &m->fields[j];
            /* Same name twice is already a duplicate key error. */
            if (strcmp(f->wire_name, g->wire_name) == 0 && strcmp(f->name, g->name) != 0) {
                diag_error(L->diags, L->path, f->pos, "wire name '%s' of field '%s' is already used by field '%s'",
                           f->wire_name, f->name, g->name);
                diag_note(L->diags, L->path, g->pos, "'%s' defined here", g->name);
            }
        }
        for (size_t j = 0; j < m->n_fields; j++) {
            field_def *g = &m->fields[j];
            char *has = xasprintf("has_%s", g->name), *isnull = xasprintf("%s_is_null", g->name);
            if ((g->optional && strcmp(f->name, has) == 0) || (g->nullable && strcmp(f->name, isnull) == 0))
                diag_error(L->diags, L->path, f->pos,
                           "field name '%s' collides with the presence flag of field '%s'", f->name,
                           g->name);
            free(has);
            free(isnull);
        }
    }
}

/* ---- messages, enums, unions ------------------------------------------- */

typedef struct kafka_ctx {
    loader *L;
    kafka_binding *k;
} kafka_ctx;

/* Kafka attributes shared by messages and unions; returns true if `key` was one. */
static bool read_kafka_attr(loader *L, struct fy_node *key, struct fy_node *value, kafka_binding *k)
{
    if (scalar_is(key, "topic")) {
        free(k->topic);
        k->topic = nonempty_dup(L, value, "topic");
    } else if (scalar_is(key, "dlq_topic")) {
        free(k->dlq_topic);
        k->dlq_topic = nonempty_dup(L, value, "dlq_topic");
    } else if (scalar_is(key, "key")) {
        free(k->key_field);
        k->key_field = nonempty_dup(L, value, "key");
        k->key_pos = err_pos(L, value);
    } else if (scalar_is(key, "version")) {
        parse_version_node(L, value, &k->version);
    } else {
        return false;
    }
    return true;
}

static void read_message_attr(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    message_def *m = ((message_ctx *)ctx)->m;
    if (read_kafka_attr(L, key, value, &m->kafka))
        return;
    if (scalar_is(key, "fields")) {
        for_each_pair(L, value, "fields", read_field, ctx);
    } else if (scalar_is(key, "description")) {
        free(m->description);
        m->description = scalar_dup(L, value, "description");
    } else if (scalar_is(key, "unknown_fields")) {
        if (scalar_is(value, "reject"))
            m->reject_unknown = true;
        else if (!scalar_is(value, "skip"))
            ERR(L, value, "unknown_fields must be 'skip' or 'reject'");
    } else {
        char *name = scalar_dup(L, key, "attribute name"), hint[HINT_MAX];
        if (name)
            ERR(L, key, "unknown attribute '%s' for message '%s' (expected fields, topic, key, "
                        "version, dlq_topic, unknown_fields or description)%s",
                name, m->name, hint_among(hint, name, message_attr_names));
        free(name);
    }
}

typedef struct enum_ctx {
    enum_def *e;
} enum_ctx;

static void read_enum_value(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    enum_def *e = ((enum_ctx *)ctx)->e;
    char *name = scalar_dup(L, key, "enum value name");
    char *wire = scalar_dup(L, value, "enum wire string");
    if (!name || !wire) {
        free(name);
        free(wire);
        return;
    }
    char *alt = is_c_identifier(name) ? c_name_alternative(name) : NULL;
    if (!is_c_identifier(name))
        ERR(L, key, "enum value name '%s' is not a valid C identifier", name);
    else if (c_name_check(name) == C_NAME_RESERVED) /* keywords are fine: always prefixed */
        ERR(L, key, "enum value name '%s' would make the C name '%s_%s_%s', which C and C++ "
                    "reserve (names must not start with '_' or contain '__'); rename the value%s%s%s; "
                    "its wire string stays",
            name, L->s->name ? L->s->name : "schema", e->name, name, alt ? " (e.g. '" : "",
            alt ? alt : "", alt ? "')" : "");
    free(alt);
    for (const char *p = wire; *p; p++)
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20) {
            ERR(L, value, "enum wire string \"%s\" must not contain quotes, backslashes or "
                          "control characters", wire);
            break;
        }
    for (size_t i = 0; i < e->n_values; i++)
        if (strcmp(e->values[i].wire, wire) == 0) {
            ERR(L, value, "wire string \"%s\" is already used by %s.%s", wire, e->name,
                e->values[i].name);
            diag_note(L->diags, L->path, e->values[i].pos, "'%s' defined here", e->values[i].name);
        }
    enum_value *v = xappend(&e->values, &e->n_values, sizeof *v);
    v->name = name;
    v->wire = wire;
    v->pos = node_pos(key);
}

static void read_enum_attr(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    enum_def *e = ((enum_ctx *)ctx)->e;
    if (scalar_is(key, "values")) {
        for_each_pair(L, value, "enum values", read_enum_value, ctx);
    } else if (scalar_is(key, "description")) {
        free(e->description);
        e->description = scalar_dup(L, value, "description");
    } else {
        char *name = scalar_dup(L, key, "attribute name"), hint[HINT_MAX];
        if (name)
            ERR(L, key, "unknown attribute '%s' for enum '%s' (expected values or description)%s",
                name, e->name, hint_among(hint, name, enum_attr_names));
        free(name);
    }
}

typedef struct union_ctx {
    union_def *u;
    bool has_discriminator;     /* the attribute is there (maybe invalid) */
} union_ctx;

/* A variant's C name: the tag, or its `name:`.  The fix keeps the tag. */
static void check_variant_name(loader *L, struct fy_node *n, const char *name, const char *tag,
                               const char *message)
{
    char *alt = is_c_identifier(name) ? c_name_alternative(name) : NULL;
    char *fix = xasprintf("give the variant a C name of its own (e.g. '%s: {message: %s, "
                          "name: %s}'); its tag stays the discriminator value",
                          tag, message ? message : "M", alt ? alt : "v");
    check_c_name_fix(L, n, name, "variant name", fix);
    free(fix);
    free(alt);
}

/* "; did you mean ...?" for an unknown message name, into buf (HINT_MAX). */
static const char *message_hint(char *buf, const schema *s, const char *name)
{
    suggest sg;
    suggest_init(&sg, name, strlen(name));
    for (size_t i = 0; i < s->n_messages; i++)
        suggest_offer(&sg, s->messages[i]->name, strlen(s->messages[i]->name));
    return suggest_format(&sg, buf, HINT_MAX);
}

static void read_variant(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    union_def *u = ((union_ctx *)ctx)->u;
    char *tag = scalar_dup(L, key, "variant tag");
    if (!tag)
        return;
    struct fy_node *msg_node = value, *name_node = key;
    if (fy_node_is_mapping(value)) {
        msg_node = fy_node_mapping_lookup_by_string(value, "message", FY_NT);
        name_node = fy_node_mapping_lookup_by_string(value, "name", FY_NT);
        if (!msg_node)
            ERR(L, key, "variant '%s' needs 'message'", tag);
        void *it = NULL;
        struct fy_node_pair *pair;
        while ((pair = fy_node_mapping_iterate(value, &it)) != NULL) {
            struct fy_node *k = fy_node_pair_key(pair);
            if (!scalar_is(k, "message") && !scalar_is(k, "name")) {
                char *name = scalar_dup(L, k, "attribute name"), hint[HINT_MAX];
                if (name)
                    ERR(L, k, "unknown attribute '%s' for variant '%s' (expected message or name)%s",
                        name, tag, hint_among(hint, name, variant_attr_names));
                free(name);
            }
        }
        if (!name_node)
            name_node = key;
    }
    char *mname = msg_node ? scalar_dup(L, msg_node, "variant message") : NULL;
    char *cname = scalar_dup(L, name_node, "variant name"), hint[HINT_MAX];
    union_variant *v = xappend(&u->variants, &u->n_variants, sizeof *v);
    v->tag = tag;
    v->name = cname ? cname : xstrdup("invalid");
    v->pos = node_pos(key);
    if (cname)
        check_variant_name(L, name_node, cname, tag, mname);
    if (mname && !(v->message = find_message(L->s, mname)))
        ERR(L, msg_node, "variant '%s': unknown message '%s'%s", tag, mname,
            message_hint(hint, L->s, mname));
    free(mname);
}

static void read_union_attr(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    union_def *u = ((union_ctx *)ctx)->u;
    if (read_kafka_attr(L, key, value, &u->kafka))
        return;
    if (scalar_is(key, "variants")) {
        for_each_pair(L, value, "variants", read_variant, ctx);
    } else if (scalar_is(key, "discriminator")) {
        free(u->discriminator);
        u->discriminator = nonempty_dup(L, value, "discriminator");
        ((union_ctx *)ctx)->has_discriminator = true;
    } else if (scalar_is(key, "description")) {
        free(u->description);
        u->description = scalar_dup(L, value, "description");
    } else {
        char *name = scalar_dup(L, key, "attribute name"), hint[HINT_MAX];
        if (name)
            ERR(L, key, "unknown attribute '%s' for union '%s' (expected discriminator, variants, "
                        "topic, key, version, dlq_topic or description)%s",
                name, u->name, hint_among(hint, name, union_attr_names));
        free(name);
    }
}

/* ---- pass 2: declarations -------------------------------------------------- */

typedef struct section {
    struct fy_node *schema, *enums, *messages, *unions;
} section;

/* Every named type shares one namespace.  A name that is not a valid C
 * identifier is reported but still declared, so that its body is checked
 * too.  The same name twice in one section is already a duplicate key. */
static bool declare_name(loader *L, struct fy_node *key, const char *name, const char *kind)
{
    check_c_name(L, key, name, "type name", kind);
    enum_def *e = find_enum(L->s, name);
    message_def *m = find_message(L->s, name);
    union_def *u = find_union(L->s, name);
    if (!e && !m && !u)
        return true;
    const char *prev_kind = e ? "enum" : m ? "message" : "union";
    if (strcmp(prev_kind, kind) != 0) {
        ERR(L, key, "type '%s' is defined more than once", name);
        diag_note(L->diags, L->path, e ? e->pos : m ? m->pos : u->pos,
                  "'%s' first defined here", name);
    }
    return false;
}

static void declare_enum(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    (void)value, (void)ctx;
    char *name = scalar_dup(L, key, "enum name");
    if (!name || !declare_name(L, key, name, "enum")) {
        free(name);
        return;
    }
    enum_def *e = xcalloc(1, sizeof *e);
    e->name = name;
    e->pos = node_pos(key);
    *(enum_def **)xappend(&L->s->enums, &L->s->n_enums, sizeof e) = e;
}

static void declare_message(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    (void)value, (void)ctx;
    char *name = scalar_dup(L, key, "message name");
    if (!name || !declare_name(L, key, name, "message")) {
        free(name);
        return;
    }
    message_def *m = xcalloc(1, sizeof *m);
    m->name = name;
    m->pos = node_pos(key);
    m->kafka.version = L->s->version;
    *(message_def **)xappend(&L->s->messages, &L->s->n_messages, sizeof m) = m;
}

static void declare_union(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    (void)value, (void)ctx;
    char *name = scalar_dup(L, key, "union name");
    if (!name || !declare_name(L, key, name, "union")) {
        free(name);
        return;
    }
    union_def *u = xcalloc(1, sizeof *u);
    u->name = name;
    u->pos = node_pos(key);
    u->kafka.version = L->s->version;
    *(union_def **)xappend(&L->s->unions, &L->s->n_unions, sizeof u) = u;
}

/* ---- pass 3: bodies -------------------------------------------------------- */

static void define_enum(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    (void)ctx;
    diag_pos p = node_pos(key);
    for (size_t i = 0; i < L->s->n_enums; i++) {
        enum_def *e = L->s->enums[i];
        if (e->pos.line == p.line && e->pos.col == p.col) {
            enum_ctx c = {e};
            if (for_each_pair(L, value, "an enum", read_enum_attr, &c) && !e->values)
                ERR(L, key, "enum '%s' has no values", e->name);
            return;
        }
    }
}

static void define_message(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    (void)ctx;
    diag_pos p = node_pos(key);
    for (size_t i = 0; i < L->s->n_messages; i++) {
        message_def *m = L->s->messages[i];
        if (m->pos.line == p.line && m->pos.col == p.col) {
            message_ctx c = {m};
            if (for_each_pair(L, value, "a message", read_message_attr, &c) && m->n_fields == 0)
                ERR(L, key, "message '%s' has no fields", m->name);
            check_field_names(L, m);
            return;
        }
    }
}

static void define_union(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    (void)ctx;
    diag_pos p = node_pos(key);
    for (size_t i = 0; i < L->s->n_unions; i++) {
        union_def *u = L->s->unions[i];
        if (u->pos.line == p.line && u->pos.col == p.col) {
            union_ctx c = {u, false};
            for_each_pair(L, value, "a union", read_union_attr, &c);
            if (!u->discriminator) {
                if (!c.has_discriminator)
                    ERR(L, key, "union '%s' needs a 'discriminator'", u->name);
                u->discriminator = xstrdup("type");
            }
            if (u->n_variants == 0)
                ERR(L, key, "union '%s' has no variants", u->name);
            return;
        }
    }
}

/* ---- pass 4: whole-schema checks -------------------------------------------- */

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

static void check_key_field(loader *L, message_def *m)
{
    kafka_binding *k = &m->kafka;
    if (!k->key_field)
        return;
    field_def *f = find_field(m, k->key_field);
    char hint[HINT_MAX];
    if (!f)
        diag_error(L->diags, L->path, k->key_pos, "unknown key field '%s' in message '%s'%s",
                   k->key_field, m->name, field_hint(hint, m, k->key_field));
    else if (f->optional || f->nullable || !key_type_ok(f->type.kind))
        diag_error(L->diags, L->path, k->key_pos,
                   "key field '%s' must be a required, non-null string, uuid, integer, decimal, "
                   "timestamp or enum", k->key_field);
}

static void check_union_key(loader *L, union_def *u)
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
            diag_error(L->diags, L->path, df->pos,
                       "field '%s' of variant message '%s' has the wire name of union %s's discriminator",
                       df->name, m->name, u->name);
        if (!k->key_field)
            continue;
        field_def *f = find_field(m, k->key_field);
        char hint[HINT_MAX];
        if (!f) {
            diag_error(L->diags, L->path, k->key_pos,
                       "unknown key field '%s': variant '%s' (message %s) has no such field%s",
                       k->key_field, u->variants[i].tag, m->name, field_hint(hint, m, k->key_field));
        } else if (f->optional || f->nullable || f->type.kind != T_STRING) {
            diag_error(L->diags, L->path, k->key_pos,
                       "key field '%s' of union '%s' must be a required string in every variant",
                       k->key_field, u->name);
        }
    }
    for (size_t i = 0; i < u->n_variants; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(u->variants[i].name, u->variants[j].name) == 0)
                diag_error(L->diags, L->path, u->variants[i].pos,
                           "variant name '%s' is used twice in union '%s'", u->variants[i].name,
                           u->name);
}

enum { UNVISITED = 0, VISITING = 1, DONE = 2 };

static bool order_message(loader *L, message_def *m);

static bool order_union(loader *L, union_def *u)
{
    if (u->visit == DONE)
        return true;
    if (u->visit == VISITING) {
        diag_error(L->diags, L->path, u->pos,
                   "union '%s' contains itself by value; use an array to break the recursion", u->name);
        return false;
    }
    u->visit = VISITING;
    bool ok = true;
    for (size_t i = 0; i < u->n_variants && ok; i++) {
        message_def *m = u->variants[i].message;
        if (m && m->visit == VISITING) {
            diag_error(L->diags, L->path, u->variants[i].pos,
                       "variant '%s' makes union '%s' contain message '%s' by value; use an array "
                       "to break the recursion", u->variants[i].tag, u->name, m->name);
            ok = false;
        } else if (m) {
            ok = order_message(L, m);
        }
    }
    u->visit = DONE;
    if (ok)
        L->s->order[L->s->n_order++] = (decl){.kind = DECL_UNION, .union_def = u};
    return ok;
}

/* Depth-first: emit what a message embeds by value before the message. */
static bool order_message(loader *L, message_def *m)
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
            ok = t->message->visit != VISITING && order_message(L, t->message);
            if (t->message->visit == VISITING) /* report where the cycle closes, once */
                diag_error(L->diags, L->path, f->pos,
                           "field '%s' makes message '%s' contain itself by value; use an array "
                           "to break the recursion", f->name, m->name);
        } else if (t->kind == T_UNION) {
            ok = order_union(L, t->union_def);
        }
    }
    m->visit = DONE;
    if (ok)
        L->s->order[L->s->n_order++] = (decl){.kind = DECL_MESSAGE, .message = m};
    return ok;
}

static void check_schema(loader *L)
{
    schema *s = L->s;
    for (size_t i = 0; i < s->n_messages; i++)
        check_key_field(L, s->messages[i]);
    for (size_t i = 0; i < s->n_unions; i++)
        check_union_key(L, s->unions[i]);
    s->order = xcalloc(s->n_messages + s->n_unions + 1, sizeof *s->order);
    for (size_t i = 0; i < s->n_messages; i++)
        order_message(L, s->messages[i]);
    for (size_t i = 0; i < s->n_unions; i++)
        order_union(L, s->unions[i]);
}

static void default_dlq(kafka_binding *k)
{
    if (k->topic && !k->dlq_topic)
        k->dlq_topic = xasprintf("%s.dlq", k->topic);
}

/* ---- top level ------------------------------------------------------------ */

/* A section (enums, messages, unions) is read in several passes; one that
 * is not a mapping is reported once, here, where its key is known. */
static struct fy_node *section_value(loader *L, struct fy_node *value, const char *what)
{
    if (value && fy_node_is_mapping(value))
        return value;
    ERR(L, value, "%s must be a mapping", what);
    return NULL;
}

static void read_top(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    section *sec = ctx;
    schema *s = L->s;
    if (scalar_is(key, "schema")) {
        sec->schema = value;
        free(s->name);
        s->name = scalar_dup(L, value, "schema");
        if (s->name && !check_c_name(L, value, s->name, "schema name", "schema")) {
            free(s->name);
            s->name = NULL;
        }
    } else if (scalar_is(key, "version")) {
        parse_version_node(L, value, &s->version);
    } else if (scalar_is(key, "description")) {
        free(s->description);
        s->description = scalar_dup(L, value, "description");
    } else if (scalar_is(key, "enums")) {
        sec->enums = section_value(L, value, "enums");
    } else if (scalar_is(key, "messages")) {
        sec->messages = section_value(L, value, "messages");
    } else if (scalar_is(key, "unions")) {
        sec->unions = section_value(L, value, "unions");
    } else {
        char *name = scalar_dup(L, key, "key"), hint[HINT_MAX];
        if (name)
            ERR(L, key, "unknown top-level key '%s' (expected schema, version, description, enums, "
                        "messages or unions)%s", name, hint_among(hint, name, top_key_names));
        free(name);
    }
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static void load_document(loader *L, struct fy_node *root)
{
    schema *s = L->s;
    check_duplicate_keys(L, root);
    section sec = {0};
    if (!for_each_pair(L, root, "a schema file", read_top, &sec))
        return;
    if (!sec.schema)
        diag_error(L->diags, L->path, node_pos(root), "missing 'schema: <name>' (the C prefix)");
    if (sec.enums)
        for_each_pair(L, sec.enums, "enums", declare_enum, NULL);
    if (sec.messages)
        for_each_pair(L, sec.messages, "messages", declare_message, NULL);
    if (sec.unions)
        for_each_pair(L, sec.unions, "unions", declare_union, NULL);
    if (sec.enums)
        for_each_pair(L, sec.enums, "enums", define_enum, NULL);
    if (sec.messages)
        for_each_pair(L, sec.messages, "messages", define_message, NULL);
    if (sec.unions)
        for_each_pair(L, sec.unions, "unions", define_union, NULL);
    for (size_t i = 0; i < s->n_messages; i++)
        default_dlq(&s->messages[i]->kafka);
    for (size_t i = 0; i < s->n_unions; i++)
        default_dlq(&s->unions[i]->kafka);
    check_schema(L);
}

/* Offset of the first character of text[0..len) that a schema may not
 * hold, or len.  *cp gets its code point, or -1 for ill-formed UTF-8
 * (overlong forms, surrogates, past U+10FFFF).  YAML 1.2 (5.1) allows only
 * TAB, LF, CR, U+0020-007E, U+0085, U+00A0-D7FF, U+E000-FFFD and U+10000
 * up; schemas do not allow TAB either.  Such text must never reach
 * libfyaml 0.7.12: it loops forever on an invalid byte in a directive
 * ("%\xff") and crashes on tabs in some places ("? ::\t:"). */
static size_t not_yaml_text_at(const char *text, size_t len, long *cp)
{
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < len;) {
        unsigned c = s[i];
        size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
                 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        *cp = -1;
        if (n == 0 || len - i < n)
            return i;
        unsigned lo = 0x80, hi = 0xBF; /* range of the second byte */
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
        if (n > 1 && (s[i + 1] < lo || s[i + 1] > hi))
            return i;
        long v = n == 1 ? (long)c : (long)(c & (0x7Fu >> n));
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            v = v << 6 | (s[i + k] & 0x3F);
        }
        *cp = v;
        if (!(v == 0x0A || v == 0x0D || (v >= 0x20 && v <= 0x7E) || v == 0x85 ||
              (v >= 0xA0 && v <= 0xD7FF) || (v >= 0xE000 && v <= 0xFFFD) || v >= 0x10000))
            return i;
        i += n;
    }
    return len;
}

/* 1-based line and byte column of text[at]. */
static diag_pos text_pos(const char *text, size_t at)
{
    diag_pos p = {1, 1};
    for (size_t i = 0; i < at; i++, p.col++)
        if (text[i] == '\n') {
            p.line++;
            p.col = 0;
        }
    return p;
}

/* YAML syntax errors, as collected by libfyaml's diagnostic object. */
static void report_yaml_errors(loader *L, struct fy_diag *diag)
{
    void *it = NULL;
    struct fy_diag_error *e;
    size_t before = L->diags->errors;
    while ((e = fy_diag_errors_iterate(diag, &it)) != NULL)
        diag_error(L->diags, L->path, (diag_pos){e->line, e->column}, "%s", e->msg); /* 1-based */
    if (L->diags->errors == before) /* no document at all: nothing but comments */
        diag_error(L->diags, L->path, (diag_pos){0, 0}, "empty schema file");
}

schema *schema_load_string(const char *path, const char *text, size_t len, diag_list *diags)
{
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.level = FYET_ERROR;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    if (diag)
        fy_diag_set_collect_errors(diag, true);
    struct fy_parse_cfg cfg = {
        .flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG | FYPCF_ALLOW_DUPLICATE_KEYS |
                 FYPCF_DEFAULT_VERSION_1_2,
        .diag = diag,
    };
    loader L = {.path = path, .diags = diags, .s = xcalloc(1, sizeof(schema))};
    L.s->path = xstrdup(path);
    L.s->file_name = xstrdup(base_name(path));
    L.s->version = 1;
    size_t errors_before = diags->errors;
    long cp;
    size_t bad = not_yaml_text_at(text, len, &cp);
    struct fy_document *doc = bad < len ? NULL : fy_document_build_from_string(&cfg, text, len);
    if (bad < len && cp < 0)
        diag_error(diags, path, text_pos(text, bad), "invalid UTF-8 (byte 0x%02x): a schema is UTF-8 text",
                   (unsigned char)text[bad]);
    else if (bad < len && cp == '\t')
        diag_error(diags, path, text_pos(text, bad),
                   "tab character: indent and separate with spaces (\\t inside double quotes)");
    else if (bad < len)
        diag_error(diags, path, text_pos(text, bad), "character U+%04lX is not allowed in YAML", cp);
    else if (!doc || !fy_document_root(doc))
        doc ? diag_error(diags, path, (diag_pos){0, 0}, "empty schema file")
            : report_yaml_errors(&L, diag);
    else
        load_document(&L, fy_document_root(doc));
    fy_document_destroy(doc);
    fy_diag_destroy(diag);
    if (diags->errors != errors_before) {
        schema_free(L.s);
        return NULL;
    }
    return L.s;
}

schema *schema_load(const char *path, diag_list *diags)
{
    size_t len = 0;
    char *buf = read_file(path, &len);
    if (!buf) {
        diag_error(diags, path, (diag_pos){0, 0}, "cannot open schema: %s", strerror(errno));
        return NULL;
    }
    schema *s = schema_load_string(path, buf, len, diags);
    free(buf);
    return s;
}

/* ---- freeing --------------------------------------------------------------- */

static void free_type(type_ref *t)
{
    if (t->elem)
        free_type(t->elem);
    free(t->elem);
}

static void free_kafka(kafka_binding *k)
{
    free(k->topic);
    free(k->dlq_topic);
    free(k->key_field);
}

static void free_message(message_def *m)
{
    for (size_t i = 0; i < m->n_fields; i++) {
        field_def *f = &m->fields[i];
        free(f->name);
        free(f->wire_name);
        free(f->description);
        free(f->default_text);
        free(f->min.text);
        free(f->max.text);
        free_type(&f->type);
    }
    free(m->fields);
    free(m->name);
    free(m->description);
    free_kafka(&m->kafka);
    free(m);
}

void schema_free(schema *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_enums; i++) {
        enum_def *e = s->enums[i];
        for (size_t j = 0; j < e->n_values; j++) {
            free(e->values[j].name);
            free(e->values[j].wire);
        }
        free(e->values);
        free(e->name);
        free(e->description);
        free(e);
    }
    for (size_t i = 0; i < s->n_messages; i++)
        free_message(s->messages[i]);
    for (size_t i = 0; i < s->n_unions; i++) {
        union_def *u = s->unions[i];
        for (size_t j = 0; j < u->n_variants; j++) {
            free(u->variants[j].tag);
            free(u->variants[j].name);
        }
        free(u->variants);
        free(u->name);
        free(u->description);
        free(u->discriminator);
        free_kafka(&u->kafka);
        free(u);
    }
    free(s->enums);
    free(s->messages);
    free(s->unions);
    free(s->order);
    free(s->path);
    free(s->file_name);
    free(s->name);
    free(s->description);
    free(s);
}
