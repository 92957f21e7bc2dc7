/*
 * model_python.c - the keys of `--emit python` (templates/python/): one
 * msgspec module per schema whose structs encode to the bytes the C
 * encoder writes (docs/languages.md, "Python").
 *
 * Python spellings (type expressions, defaults, struct options) are
 * decided here and nowhere else, as TX_PY_CODE text: schema text inside
 * them went through escape_py_string first; names are validated C
 * identifiers (TX_C_NAME), renamed where Python would read them as
 * something else (py_name_of).  Every key is prefixed py_ (model_vars.c).
 *
 * Invariants the module relies on: fields in the schema's order (msgspec
 * writes them in definition order, as C does); a union's variant carries
 * its tag as msgspec's tag_field (written first, as C writes it); a field
 * whose Python name differs from its wire name says so with name=.
 */
#include "emitters.h"
#include "escape.h"
#include "model_int.h"
#include "model_python.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names ---------------------------------------------------------------------- */

/* What a schema name must not be in Python, per kind of name: a keyword or
 * soft keyword anywhere; at module level (types) also a builtin the module
 * uses or a user would, and the module's own public names; as a field also
 * a name the class body uses; as an enum member also what Enum defines. */
typedef enum py_kind { PY_TYPE, PY_FIELD, PY_MEMBER, PY_MODULE } py_kind;

static const char *const py_keywords[] = {
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "case",
    "class", "continue", "def", "del", "elif", "else", "except", "finally", "for", "from",
    "global", "if", "import", "in", "is", "lambda", "match", "nonlocal", "not", "or", "pass",
    "raise", "return", "try", "type", "while", "with", "yield", NULL,
};

static const char *const py_module_names[] = {
    /* the module's public names */
    "Decimal", "Timestamp", "KafkaBinding", "KAFKA_TYPES", "UNSET", "UnsetType", "encode",
    "decode", "kafka_key", "kafka_headers", "HEADER_SCHEMA", "HEADER_SCHEMA_VERSION",
    "HEADER_TRACEPARENT", "HEADER_CONTENT_TYPE", "CONTENT_TYPE", "SCHEMA", "SCHEMA_VERSION",
    "SOURCE", "TYPES",
    /* builtins */
    "abs", "all", "any", "ascii", "bin", "bool", "breakpoint", "bytearray", "bytes", "callable",
    "chr", "classmethod", "compile", "complex", "delattr", "dict", "dir", "divmod", "enumerate",
    "eval", "exec", "filter", "float", "format", "frozenset", "getattr", "globals", "hasattr",
    "hash", "help", "hex", "id", "input", "int", "isinstance", "issubclass", "iter", "len",
    "list", "locals", "map", "max", "memoryview", "min", "next", "object", "oct", "open", "ord",
    "pow", "print", "property", "range", "repr", "reversed", "round", "set", "setattr", "slice",
    "sorted", "staticmethod", "str", "sum", "super", "tuple", "vars", "zip", "Exception",
    "ValueError", "TypeError", "NotImplementedError", "AssertionError", "NotImplemented",
    "Ellipsis", NULL,
};

static const char *const py_field_names[] = {"Decimal", "Timestamp", NULL};
/* the modules a generated module or its support module (PY_SUPPORT_MODULE)
 * imports: a schema of that name would shadow them from its own folder */
static const char *const py_imported_modules[] = {
    "base64", "dataclasses", "datetime", "decimal", "enum", "json", "msgspec", "re",
    "typing", "uuid", NULL,
};
static const char *const py_member_names[] = {"name", "value", "mro", NULL};

static bool in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return true;
    return false;
}

/* The Python name of a schema identifier of kind k: a name Python reads
 * as something else (above) gets a trailing '_', a name starting with '_'
 * (private in Python, refused by msgspec as a field and by Enum as a
 * member) a leading 'f'.  The wire keeps the name as written. */
static char *py_name_of(const char *name, py_kind k)
{
    if (name[0] == '_')
        return xasprintf("f%s", name);
    if (in_list(py_keywords, name) || (k == PY_TYPE && in_list(py_module_names, name)) ||
        (k == PY_FIELD && in_list(py_field_names, name)) ||
        (k == PY_MEMBER && in_list(py_member_names, name)) ||
        (k == PY_MODULE && in_list(py_imported_modules, name)))
        return xasprintf("%s_", name);
    return xstrdup(name);
}

/* A Python "..." literal of schema text. */
static char *py_quote(const char *raw)
{
    char *e = escape_py_string(raw), *q = xasprintf("\"%s\"", e);
    free(e);
    return q;
}

/* Python names for the n schema names raw[] of one scope (kind k), each
 * different from the others and from taken[] (n_taken names already in
 * the scope): a name py_name_of leaves alone keeps it when free; the
 * others, and a name that is not free, take one '_' more until free (so
 * `str` and `str_` as types give `str__` and `str_`).  Caller frees each
 * name and the array. */
static char **py_scope(const char *const *raw, size_t n, py_kind k, char *const *taken,
                       size_t n_taken)
{
    char **out = xcalloc(n + 1, sizeof *out);
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++) {
            if (out[i])
                continue;
            char *py = py_name_of(raw[i], k);
            if (pass == 0 && strcmp(py, raw[i]) != 0) {
                free(py);
                continue;
            }
            for (;;) {
                bool used = false;
                for (size_t j = 0; j < n_taken && !used; j++)
                    used = strcmp(taken[j], py) == 0;
                for (size_t j = 0; j < n && !used; j++)
                    used = out[j] && strcmp(out[j], py) == 0;
                if (!used)
                    break;
                char *more = xasprintf("%s_", py);
                free(py);
                py = more;
            }
            out[i] = py;
        }
    return out;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The schema names of s's enums, messages and unions, in that order (the
 * classes a field's annotation may name).  Caller frees the array only. */
static const char **type_raw_names(const schema *s, size_t *n)
{
    const char **raw = xcalloc(s->n_enums + s->n_order + 1, sizeof *raw);
    *n = 0;
    for (size_t i = 0; i < s->n_enums; i++)
        raw[(*n)++] = s->enums[i]->name;
    for (size_t i = 0; i < s->n_order; i++)
        raw[(*n)++] = s->order[i].kind == DECL_MESSAGE ? s->order[i].message->name
                                                       : s->order[i].union_def->name;
    return raw;
}

/* The Python names of s's types, in type_raw_names' order. */
static char **type_py_names(const schema *s, size_t *n)
{
    const char **raw = type_raw_names(s, n);
    char **py = py_scope(raw, *n, PY_TYPE, NULL, 0);
    free(raw);
    return py;
}

/* The Python name of type `name` of schema s (caller frees). */
static char *py_type_name(const schema *s, const char *name)
{
    size_t n;
    const char **raw = type_raw_names(s, &n);
    char **py = py_scope(raw, n, PY_TYPE, NULL, 0), *out = NULL;
    for (size_t i = 0; i < n && !out; i++)
        if (strcmp(raw[i], name) == 0)
            out = xstrdup(py[i]);
    free(raw);
    free_names(py, n);
    return out ? out : py_name_of(name, PY_TYPE);
}

/* The classes of union u's variants, <Union>_<variant>, clear of every
 * type of the schema and of each other (caller frees: free_names). */
static char **variant_py_names(const schema *s, const union_def *u)
{
    size_t n_types, n_all = 0;
    char **types = type_py_names(s, &n_types);
    char **taken = xcalloc(n_types + 1, sizeof *taken), **mine = NULL;
    for (size_t i = 0; i < n_types; i++)
        taken[n_all++] = types[i];
    /* the other unions' variants claim theirs first, in the schema's order */
    for (size_t i = 0; i < s->n_unions; i++) {
        const union_def *v = s->unions[i];
        char **raw = xcalloc(v->n_variants + 1, sizeof *raw);
        for (size_t j = 0; j < v->n_variants; j++)
            raw[j] = xasprintf("%s_%s", v->name, v->variants[j].name);
        char **py = py_scope((const char *const *)raw, v->n_variants, PY_TYPE, taken, n_all);
        free_names(raw, v->n_variants);
        if (v == u) {
            mine = py;
            break;
        }
        taken = xrealloc(taken, (n_all + v->n_variants + 1) * sizeof *taken);
        for (size_t j = 0; j < v->n_variants; j++)
            taken[n_all++] = py[j];
        free(py); /* the names live on in taken */
    }
    for (size_t i = n_types; i < n_all; i++)
        free(taken[i]);
    free(taken);
    free_names(types, n_types);
    return mine;
}

/* The attributes of message m's fields, clear of the schema's types (a
 * field named like one would hide it from the annotations after it). */
static char **field_py_names(const message_def *m)
{
    size_t n_types;
    char **types = type_py_names(m->owner, &n_types);
    const char **raw = xcalloc(m->n_fields + 1, sizeof *raw);
    for (size_t i = 0; i < m->n_fields; i++)
        raw[i] = m->fields[i].name;
    char **py = py_scope(raw, m->n_fields, PY_FIELD, types, n_types);
    free(raw);
    free_names(types, n_types);
    return py;
}

/* The members of enum e. */
static char **member_py_names(const enum_def *e)
{
    const char **raw = xcalloc(e->n_values + 1, sizeof *raw);
    for (size_t i = 0; i < e->n_values; i++)
        raw[i] = e->values[i].name;
    char **py = py_scope(raw, e->n_values, PY_MEMBER, NULL, 0);
    free(raw);
    return py;
}

/* The module (and file) name of schema s. */
static char *py_module_name(const schema *s) { return py_name_of(s->name, PY_MODULE); }

/* The Python expression naming type `name` of schema `owner`, seen from
 * the module of schema `cur`. */
static char *py_type_ref(const schema *owner, const char *name, const schema *cur)
{
    char *py = py_type_name(owner, name), *out;
    char *mod = py_module_name(owner);
    out = owner == cur ? xstrdup(py) : xasprintf("_tg_i_%s.%s", mod, py);
    free(mod);
    free(py);
    return out;
}

/* ---- types ---------------------------------------------------------------------- */

/* The checked type a value of `t` decodes with where msgspec alone would
 * read it otherwise (f: its field, NULL for items): a uint64 bound beyond
 * int64 (Meta cannot hold it) and a decimal's lengths (Meta has none for
 * a custom type).  Its name (caller frees) and, through the out
 * parameters, what mypy sees and what msgspec decodes with; NULL when
 * the plain type reads it as C does. */
static char *wire_alias(const type_ref *t, const field_def *f, const char **stat, char **runtime)
{
    if (t->kind == T_UINT64) {
        uint64_t lo = f && f->min.set ? f->min.u : 0, hi = f && f->max.set ? f->max.u : UINT64_MAX;
        if (lo <= (uint64_t)INT64_MAX && hi <= (uint64_t)INT64_MAX)
            return NULL;
        *stat = "_tg_int";
        *runtime = xasprintf("_tg.int_type(%" PRIu64 ", %" PRIu64 ")", lo, hi);
        return xasprintf("_tg_int_%" PRIu64 "_%" PRIu64, lo, hi);
    }
    if (t->kind == T_DECIMAL && f && (f->has_min_length || f->has_max_length)) {
        uint64_t lo = f->has_min_length ? f->min_length : 0;
        uint64_t hi = f->has_max_length ? f->max_length : UINT64_MAX;
        *stat = "Decimal";
        *runtime = xasprintf("_tg.decimal_type(%" PRIu64 ", %" PRIu64 ")", lo, hi);
        return xasprintf("_tg_decimal_%" PRIu64 "_%" PRIu64, lo, hi);
    }
    return NULL;
}

/* "ge=..., le=..." of an integer field, folded with its type's range. */
static char *int_bounds(const type_ref *t, const field_def *f)
{
    bool has_min = f && f->min.set, has_max = f && f->max.set;
    if (t->kind == T_INT32 || t->kind == T_INT64) {
        int64_t lo = t->kind == T_INT32 ? INT32_MIN : INT64_MIN;
        int64_t hi = t->kind == T_INT32 ? INT32_MAX : INT64_MAX;
        return xasprintf("ge=%" PRId64 ", le=%" PRId64, has_min ? f->min.i : lo,
                         has_max ? f->max.i : hi);
    }
    uint64_t hi = t->kind == T_UINT32 ? UINT32_MAX : UINT64_MAX;
    return xasprintf("ge=%" PRIu64 ", le=%" PRIu64, has_min ? f->min.u : 0,
                     has_max ? f->max.u : hi);
}

/* `base` with msgspec length constraints, or base itself. */
static char *with_lengths(char *base, bool has_min, uint64_t min, bool has_max, uint64_t max)
{
    if (!has_min && !has_max)
        return base;
    char lo[40] = "", hi[40] = "";
    if (has_min)
        snprintf(lo, sizeof lo, "min_length=%" PRIu64, min);
    if (has_max)
        snprintf(hi, sizeof hi, "%smax_length=%" PRIu64, has_min ? ", " : "", max);
    char *out = xasprintf("_tg_Annotated[%s, _tg_Meta(%s%s)]", base, lo, hi);
    free(base);
    return out;
}

/* The Python type of one value of `t` (f: the field's constraints, NULL
 * for array items and map values, which C does not check either). */
static char *py_type(const type_ref *t, const field_def *f, const schema *cur)
{
    switch (t->kind) {
    case T_BOOL: return xstrdup("_tg_bool");
    case T_INT32:
    case T_INT64:
    case T_UINT32:
    case T_UINT64: {
        const char *stat;
        char *runtime = NULL, *alias = wire_alias(t, f, &stat, &runtime);
        free(runtime);
        if (alias)
            return alias;
        char *b = int_bounds(t, f), *out = xasprintf("_tg_Annotated[_tg_int, _tg_Meta(%s)]", b);
        free(b);
        return out;
    }
    case T_FLOAT64:
        if (f && (f->min.set || f->max.set)) {
            char lo[48] = "", hi[48] = "";
            if (f->min.set)
                snprintf(lo, sizeof lo, "ge=%.17g", f->min.d);
            if (f->max.set)
                snprintf(hi, sizeof hi, "%sle=%.17g", f->min.set ? ", " : "", f->max.d);
            return xasprintf("_tg_Annotated[_tg_float, _tg_Meta(%s%s)]", lo, hi);
        }
        return xstrdup("_tg_float");
    case T_STRING:
        return with_lengths(xstrdup("_tg_str"), f && f->has_min_length,
                            f ? f->min_length : 0, f && f->has_max_length,
                            f ? f->max_length : 0);
    case T_TIMESTAMP: return xstrdup("Timestamp");
    case T_DECIMAL: {
        const char *stat;
        char *runtime = NULL, *alias = wire_alias(t, f, &stat, &runtime);
        free(runtime);
        return alias ? alias : xstrdup("Decimal");
    }
    case T_UUID: return xstrdup("_tg.uuid_t");
    case T_BYTES: return xstrdup("_tg.bytes_t");
    case T_JSON: return xstrdup("_tg_msgspec.Raw");
    case T_ENUM: return py_type_ref(t->enum_def->owner, t->enum_def->name, cur);
    case T_MESSAGE: return py_type_ref(t->message->owner, t->message->name, cur);
    case T_UNION: return py_type_ref(t->union_def->owner, t->union_def->name, cur);
    case T_ARRAY:
    case T_MAP: {
        char *elem = py_type(t->elem, NULL, cur);
        char *base = t->kind == T_ARRAY ? xasprintf("_tg_list[%s]", elem)
                                        : xasprintf("_tg_dict[_tg_str, %s]", elem);
        free(elem);
        return with_lengths(base, f && f->has_min_items, f ? f->min_items : 0,
                            f && f->has_max_items, f ? f->max_items : 0);
    }
    }
    return xstrdup("_tg_object");
}

/* The default of a field as a Python expression (the loader checked it
 * is a value of the field's type). */
static char *py_default(const field_def *f, const schema *cur)
{
    const char *text = f->default_text;
    switch (f->type.kind) {
    case T_BOOL: return xstrdup(strcmp(text, "true") == 0 ? "True" : "False");
    case T_INT32:
    case T_INT64: return xasprintf("%" PRId64, f->default_value.i);
    case T_UINT32:
    case T_UINT64: return xasprintf("%" PRIu64, f->default_value.u);
    case T_FLOAT64: {
        char buf[48];
        snprintf(buf, sizeof buf, "%.17g", f->default_value.d);
        if (!strpbrk(buf, ".eEn"))
            strcat(buf, ".0");
        return xstrdup(buf);
    }
    case T_STRING: return py_quote(text);
    case T_DECIMAL: {
        char *q = py_quote(text), *out = xasprintf("Decimal(%s)", q);
        free(q);
        return out;
    }
    case T_ENUM: {
        const enum_def *e = f->type.enum_def;
        for (size_t i = 0; i < e->n_values; i++)
            if (strcmp(e->values[i].wire, text) == 0) {
                char *type = py_type_ref(e->owner, e->name, cur), **members = member_py_names(e);
                char *out = xasprintf("%s.%s", type, members[i]);
                free(type);
                free_names(members, e->n_values);
                return out;
            }
        break;
    }
    case T_TIMESTAMP:
    case T_UUID:
    case T_BYTES:
    case T_JSON:
    case T_MESSAGE:
    case T_UNION:
    case T_ARRAY:
    case T_MAP: break;
    }
    fprintf(stderr, "topicgen: internal error: no Python default for field '%s'\n", f->name);
    abort();
}

/* ": <type> [= <default>]" of a field whose attribute is py, as its line
 * in the struct. */
static char *py_field_decl(const field_def *f, const char *py, const schema *cur)
{
    char *type = py_type(&f->type, f, cur);
    /* a nullable json reads every value as Raw, null too: __post_init__
     * makes that None (msgspec reads Raw | None as null only) */
    char *full = f->type.kind == T_JSON && f->nullable ? xstrdup("_tg.json_or_null")
                 : f->nullable                         ? xasprintf("%s | None", type)
                                                       : xstrdup(type);
    free(type);
    char *def = NULL;
    if (f->optional) {
        char *t = xasprintf("%s | _tg_UnsetType", full);
        free(full);
        full = t;
        def = xstrdup("_tg_UNSET");
    } else if (f->default_text) {
        def = py_default(f, cur);
    }
    bool renamed = strcmp(py, f->wire_name) != 0;
    char *out;
    if (renamed) {
        char *wire = py_quote(f->wire_name);
        out = def ? xasprintf(": %s = _tg_msgspec.field(default=%s, name=%s)", full, def, wire)
                  : xasprintf(": %s = _tg_msgspec.field(name=%s)", full, wire);
        free(wire);
    } else {
        out = def ? xasprintf(": %s = %s", full, def) : xasprintf(": %s", full);
    }
    free(def);
    free(full);
    return out;
}

/* ---- docs ----------------------------------------------------------------------- */

static void set_py_doc(mu_node *m, const char *text)
{
    set_bool(m, "py_has_doc", text && *text);
    set_text(m, "py_doc", text ? text : "");
}

/* ---- enums ---------------------------------------------------------------------- */

static mu_node *enum_py(const enum_def *e)
{
    mu_node *em = mu_map(), *values = mu_list();
    char **members = member_py_names(e);
    set_own(em, "py_name", py_type_name(e->owner, e->name));
    set_py_doc(em, e->description);
    for (size_t i = 0; i < e->n_values; i++) {
        mu_node *v = mu_map();
        set_str(v, "py_member", members[i]);
        set_text(v, "py_wire", e->values[i].wire);
        push_with_last(values, v, i + 1 == e->n_values);
    }
    mu_map_set(em, "py_values", values);
    set_bool(em, "py_has_fallback", e->has_fallback);
    set_str(em, "py_fallback", e->has_fallback ? members[e->fallback] : "x");
    free_names(members, e->n_values);
    return em;
}

/* ---- unions --------------------------------------------------------------------- */

/* A variant is a subclass of its message that carries the tag
 * (<Union>_<variant>): the message's own class stays the C message, which
 * has no tag, wherever else it is used. */
static char *tag_options(const union_def *u, const union_variant *v)
{
    char *d = py_quote(u->discriminator), *t = py_quote(v->tag);
    char *out = xasprintf(", tag_field=%s, tag=%s", d, t);
    free(d);
    free(t);
    return out;
}

/* ---- messages ------------------------------------------------------------------- */

static mu_node *message_py(const schema *s, const message_def *m)
{
    mu_node *mm = mu_map(), *fields = mu_list(), *checks = mu_list();
    set_bool(mm, "py_is_union", false);
    set_bool(mm, "py_is_message", true);
    set_own(mm, "py_name", py_type_name(s, m->name));
    set_text(mm, "py_type_name", m->name);
    set_py_doc(mm, m->description);
    set_str(mm, "py_struct_opts", m->reject_unknown ? ", forbid_unknown_fields=True" : "");
    char **attrs = field_py_names(m);
    for (size_t i = 0; i < m->n_fields; i++) {
        const field_def *f = &m->fields[i];
        const char *attr = attrs[i];
        mu_node *fm = mu_map();
        set_str(fm, "py_attr", attr);
        set_own(fm, "py_decl", py_field_decl(f, attr, s));
        set_py_doc(fm, f->description);
        push_with_last(fields, fm, i + 1 == m->n_fields);
        if (f->type.kind == T_DECIMAL && (f->has_min_length || f->has_max_length)) {
            mu_node *c = mu_map();
            char *wire = py_quote(f->wire_name);
            set_own(c, "py_check",
                    xasprintf("_tg.check_length(self.%s, %" PRIu64 ", %" PRIu64 ", %s)", attr,
                              f->has_min_length ? f->min_length : 0,
                              f->has_max_length ? f->max_length : UINT64_MAX, wire));
            free(wire);
            push_with_last(checks, c, false);
        }
        if (f->type.kind == T_JSON && f->nullable) {
            mu_node *c = mu_map();
            set_own(c, "py_check", xasprintf("self.%s = _tg.null_raw(self.%s)", attr, attr));
            push_with_last(checks, c, false);
        }
    }
    free_names(attrs, m->n_fields);
    set_bool(mm, "py_has_checks", mu_list_len(checks) > 0);
    mu_map_set(mm, "py_checks", checks);
    mu_map_set(mm, "py_fields", fields);
    set_bool(mm, "py_has_fields", m->n_fields > 0);
    return mm;
}

/* A union: a tagged subclass per variant, then the type alias. */
static mu_node *union_py(const schema *s, const union_def *u)
{
    mu_node *um = mu_map(), *subs = mu_list();
    set_bool(um, "py_is_union", true);
    set_bool(um, "py_is_message", false);
    set_own(um, "py_name", py_type_name(s, u->name));
    set_text(um, "py_type_name", u->name);
    set_py_doc(um, u->description);
    size_t len = 1;
    char **members = variant_py_names(s, u);
    for (size_t i = 0; i < u->n_variants; i++) {
        const union_variant *v = &u->variants[i];
        mu_node *sm = mu_map();
        set_str(sm, "py_name", members[i]);
        set_own(sm, "py_base", py_type_ref(v->message->owner, v->message->name, s));
        set_own(sm, "py_struct_opts", tag_options(u, v));
        push_with_last(subs, sm, i + 1 == u->n_variants);
        len += strlen(members[i]) + 2;
    }
    char *list = xcalloc(1, len);
    for (size_t i = 0; i < u->n_variants; i++) {
        strcat(list, i ? ", " : "");
        strcat(list, members[i]);
        free(members[i]);
    }
    free(members);
    set_own(um, "py_members", list);
    mu_map_set(um, "py_variant_classes", subs);
    return um;
}

/* ---- Kafka ---------------------------------------------------------------------- */

/* The attribute of field `name` of m (a union's key: of its first
 * variant; each variant's message has the key field), or NULL. */
static char *key_attr(const message_def *m, const char *name)
{
    if (!name)
        return NULL;
    char **attrs = field_py_names(m), *out = NULL;
    for (size_t i = 0; i < m->n_fields && !out; i++)
        if (strcmp(m->fields[i].name, name) == 0)
            out = xstrdup(attrs[i]);
    free_names(attrs, m->n_fields);
    return out ? out : py_name_of(name, PY_FIELD);
}

static mu_node *kafka_py(const schema *s, const char *name, const message_def *m,
                         const kafka_binding *k)
{
    mu_node *km = mu_map();
    set_own(km, "py_name", py_type_name(s, name));
    set_text(km, "py_type_name", name);
    set_text(km, "py_topic", k->topic);
    set_text(km, "py_dlq_topic", k->dlq_topic);
    char *key = key_attr(m, k->key_field);
    set_str(km, "py_key_attr", key ? key : "");
    set_bool(km, "py_has_key", key != NULL);
    free(key);
    set_text(km, "py_key_field", k->key_field ? k->key_field : "");
    char *full = xasprintf("%s.%s", s->name, name);
    set_text(km, "py_schema_name", full);
    free(full);
    set_fmt(km, "py_version", "%d", k->version);
    return km;
}

/* ---- imports -------------------------------------------------------------------- */

static void note_owner(const schema *s, const schema *owner, const schema ***list, size_t *n)
{
    if (owner == s)
        return;
    for (size_t i = 0; i < *n; i++)
        if ((*list)[i] == owner)
            return;
    *(const schema **)xappend(list, n, sizeof owner) = owner;
}

static const schema *owner_of(const type_ref *t)
{
    if (t->kind == T_ARRAY || t->kind == T_MAP)
        t = t->elem;
    if (t->kind == T_ENUM)
        return t->enum_def->owner;
    if (t->kind == T_MESSAGE)
        return t->message->owner;
    return t->kind == T_UNION ? t->union_def->owner : NULL;
}

/* Every other schema whose types this module names (an import of an
 * import included when a type of it is used). */
static mu_node *imports_py(const schema *s)
{
    const schema **list = NULL;
    size_t n = 0;
    for (size_t i = 0; i < s->n_imports; i++)
        note_owner(s, s->imports[i].schema, &list, &n);
    for (size_t i = 0; i < s->n_messages; i++)
        for (size_t j = 0; j < s->messages[i]->n_fields; j++) {
            const schema *o = owner_of(&s->messages[i]->fields[j].type);
            if (o)
                note_owner(s, o, &list, &n);
        }
    for (size_t i = 0; i < s->n_unions; i++)
        for (size_t j = 0; j < s->unions[i]->n_variants; j++)
            note_owner(s, s->unions[i]->variants[j].message->owner, &list, &n);
    mu_node *out = mu_list();
    for (size_t i = 0; i < n; i++) {
        mu_node *im = mu_map();
        set_own(im, "py_module", py_module_name(list[i]));
        push_with_last(out, im, i + 1 == n);
    }
    free(list);
    return out;
}

/* ---- the module ----------------------------------------------------------------- */

/* Each distinct checked type (wire_alias) of the module's fields, once. */
static void note_wire_type(const type_ref *t, const field_def *f, mu_node *list)
{
    if (t->kind == T_ARRAY || t->kind == T_MAP) {
        note_wire_type(t->elem, NULL, list);
        return;
    }
    const char *stat;
    char *runtime = NULL, *alias = wire_alias(t, f, &stat, &runtime);
    if (!alias)
        return;
    for (size_t i = 0; i < mu_list_len(list); i++)
        if (strcmp(mu_string_text(mu_map_get(mu_list_at(list, i), "py_alias")), alias) == 0) {
            free(alias);
            free(runtime);
            return;
        }
    mu_node *w = mu_map();
    set_own(w, "py_alias", alias);
    set_str(w, "py_static", stat);
    set_own(w, "py_runtime", runtime);
    push_with_last(list, w, false);
}

static mu_node *wire_types_py(const schema *s)
{
    mu_node *list = mu_list();
    for (size_t i = 0; i < s->n_messages; i++)
        for (size_t j = 0; j < s->messages[i]->n_fields; j++)
            note_wire_type(&s->messages[i]->fields[j].type, &s->messages[i]->fields[j], list);
    return list;
}

void model_python_extend(mu_node *model, const schema *s)
{
    /* the module's file: its name, off keywords and the modules it imports */
    mu_node *files = mu_list(), *file = mu_map();
    char *mod = py_module_name(s);
    set_own(file, "file", xasprintf("%s.py", mod));
    free(mod);
    push_with_last(files, file, true);
    mu_map_set(model, "py_files", files);
    mu_node *wire_types = wire_types_py(s);
    set_bool(model, "py_has_wire_types", mu_list_len(wire_types) > 0);
    mu_map_set(model, "py_wire_types", wire_types);
    set_str(model, "py_support", PY_SUPPORT_MODULE);
    set_py_doc(model, s->description);
    set_text(model, "py_source", s->file_name);
    set_fmt(model, "py_schema_version", "%d", s->version);
    set_text(model, "py_schema", s->name);
    mu_map_set(model, "py_imports", imports_py(s));
    mu_node *enums = mu_list();
    for (size_t i = 0; i < s->n_enums; i++)
        push_with_last(enums, enum_py(s->enums[i]), i + 1 == s->n_enums);
    mu_map_set(model, "py_enums", enums);
    mu_node *decls = mu_list(), *kafka = mu_list();
    for (size_t i = 0; i < s->n_order; i++) {
        const decl *d = &s->order[i];
        bool msg = d->kind == DECL_MESSAGE;
        push_with_last(decls, msg ? message_py(s, d->message) : union_py(s, d->union_def),
                       i + 1 == s->n_order);
        const kafka_binding *k = msg ? &d->message->kafka : &d->union_def->kafka;
        if (k->topic)
            push_with_last(kafka, kafka_py(s, msg ? d->message->name : d->union_def->name,
                                           msg ? d->message : d->union_def->variants[0].message, k),
                           false);
    }
    mu_map_set(model, "py_decls", decls);
    set_bool(model, "py_has_kafka", mu_list_len(kafka) > 0);
    mu_map_set(model, "py_kafka", kafka);
}
