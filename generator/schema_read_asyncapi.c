/*
 * schema_read_asyncapi.c - an AsyncAPI 3 document (JSON or YAML) -> `schema`
 * (schema.h): the second reader of schema_load(), beside schema_read.c.
 *
 * A document whose message payloads use the part of JSON Schema that maps
 * onto the schema language becomes the same structs a YAML schema would:
 * named schemas under components/schemas are the enums (a string `enum`),
 * messages (an object with `properties`) and unions (a `oneOf`, its
 * `discriminator` the member each variant holds as a `const`); a type
 * written `<schema>.<Type>` by topicgen's exporter is this schema's or an
 * imported one's (whose document is loaded as an import); a channel's address is the topic of the type its
 * messages carry.  `x-topicgen-*` extensions hold what JSON Schema cannot
 * say (C names, integer widths, decimals, the key field, the dead-letter
 * topic, versions); docs/schema.md, "AsyncAPI as input", lists them.
 *
 * Parsing is apart from checking: this file only finds the text and the
 * position of each attribute and hands them to schema_check.c (schema_int.h)
 * in the order the YAML reader does (imports, declarations, bodies, Kafka,
 * check_schema), so an AsyncAPI document gets exactly the checks and error
 * style of a YAML schema.  What it cannot map is an error of its own, at
 * the keyword's line:col, naming the JSON pointer of the schema that holds
 * it and what to write instead:
 *   orders.asyncapi.json:12:9: error: #/components/schemas/Order/properties/x:
 *   'patternProperties' is not supported in a map property; use
 *   'additionalProperties' with one schema for every value (a map)
 * Keywords that only annotate (title, examples, $comment, ...) and
 * extensions not named x-topicgen-* are ignored.
 *
 * Invariant: R->ptr is the JSON pointer of the node being read; every
 * function that pushes a segment pops it before it returns.
 */
#include "schema_read_asyncapi_int.h"
#include "escape.h"
#include "util.h"

#include <libfyaml.h>

#include <ctype.h>
#include <float.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct reader {
    checker ck;
    import_ctx *ic;
    bool *import_failed;
    struct fy_node *schemas;        /* components/schemas, or NULL */
    struct fy_node *messages;       /* components/messages, or NULL */
    char *ptr;                      /* JSON pointer of the node being read */
    size_t ptr_len, ptr_cap;
} reader;

/* ---- nodes ------------------------------------------------------------- */

static struct fy_node *get(struct fy_node *map, const char *key)
{
    return map && fy_node_is_mapping(map) ? fy_node_mapping_lookup_by_string(map, key, FY_NT)
                                          : NULL;
}

/* The scalar's text (NUL-terminated copy owned by the caller), or NULL. */
static char *text_of(struct fy_node *n)
{
    if (!n || !fy_node_is_scalar(n))
        return NULL;
    size_t len = 0;
    const char *t = fy_node_get_scalar(n, &len);
    return xstrndup(t ? t : "", len);
}

static bool is_text(struct fy_node *n, const char *s)
{
    size_t len = 0;
    const char *t = n && fy_node_is_scalar(n) ? fy_node_get_scalar(n, &len) : NULL;
    return t && len == strlen(s) && memcmp(t, s, len) == 0;
}

/* JSON null (or YAML's plain null): a plain scalar `null`, `~` or nothing. */
static bool is_null(struct fy_node *n)
{
    if (!n)
        return true;
    if (!fy_node_is_scalar(n) || fy_node_get_style(n) != FYNS_PLAIN)
        return false;
    return is_text(n, "null") || is_text(n, "~") || is_text(n, "");
}

static diag_pos pos_of(struct fy_node *n)
{
    return schema_node_pos(n);
}

/* ---- JSON pointer and errors ---------------------------------------------- */

static size_t ptr_push(reader *R, const char *seg)
{
    size_t mark = R->ptr_len;
    size_t need = R->ptr_len + 2 * strlen(seg) + 2;
    if (need > R->ptr_cap) {
        R->ptr_cap = need * 2;
        R->ptr = xrealloc(R->ptr, R->ptr_cap);
    }
    R->ptr[R->ptr_len++] = '/';
    for (const char *c = seg; *c; c++) {
        if (*c == '~' || *c == '/') {
            R->ptr[R->ptr_len++] = '~';
            R->ptr[R->ptr_len++] = *c == '~' ? '0' : '1';
        } else {
            R->ptr[R->ptr_len++] = *c;
        }
    }
    R->ptr[R->ptr_len] = '\0';
    return mark;
}

static size_t ptr_push_index(reader *R, size_t i)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%zu", i);
    return ptr_push(R, buf);
}

static void ptr_pop(reader *R, size_t mark)
{
    R->ptr_len = mark;
    R->ptr[mark] = '\0';
}

/* msg with control characters and bidi controls as C octal escapes (keys
 * and values of the document may hold them through JSON's \u escapes; a
 * message must not carry them to a terminal).  Caller frees. */
static char *visible(const char *msg)
{
    size_t n = strlen(msg), o = 0;
    char *out = xmalloc(4 * n + 1);
    for (size_t i = 0; i < n;) {
        const unsigned char *u = (const unsigned char *)msg + i;
        size_t len = 1;
        long cp = *u < 0x80 ? (long)*u : utf8_decode(u, n - i, &len);
        bool hide = cp < 0x20 || cp == 0x7f || (cp >= 0x80 && is_bidi_control(cp));
        for (size_t k = 0; k < (len ? len : 1); k++, i++)
            o += hide ? (size_t)sprintf(out + o, "\\%03o", (unsigned char)msg[i])
                      : (size_t)(out[o] = msg[i], 1);
    }
    out[o] = '\0';
    return out;
}

/* "#/json/pointer: <message>", both made visible (caller frees). */
__attribute__((format(printf, 2, 0))) static char *pointer_message(const reader *R,
                                                                  const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    char *shown_ptr = visible(R->ptr), *shown_msg = visible(msg);
    char *text = xasprintf("#%s: %s", shown_ptr, shown_msg);
    free(shown_ptr);
    free(shown_msg);
    return text;
}

/* `file:line:col: error: #/json/pointer: <message>` at node n. */
__attribute__((format(printf, 3, 4))) static void aa_error(reader *R, struct fy_node *n,
                                                           const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = pointer_message(R, fmt, ap);
    va_end(ap);
    diag_error(R->ck.diags, R->ck.path, pos_of(n), "%s", text);
    free(text);
}

/* The same as a warning. */
__attribute__((format(printf, 3, 4))) static void aa_warning(reader *R, struct fy_node *n,
                                                             const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = pointer_message(R, fmt, ap);
    va_end(ap);
    diag_warning(R->ck.diags, R->ck.path, pos_of(n), "%s", text);
    free(text);
}

/* The key node of `key` in map (where an error about that keyword points). */
static struct fy_node *key_node(struct fy_node *map, const char *key)
{
    void *it = NULL;
    struct fy_node_pair *p;
    while (map && fy_node_is_mapping(map) && (p = fy_node_mapping_iterate(map, &it)) != NULL)
        if (is_text(fy_node_pair_key(p), key))
            return fy_node_pair_key(p);
    return map;
}

/* ---- keywords ------------------------------------------------------------------ */

/* JSON Schema keywords topicgen cannot map, and what to write instead. */
static const struct {
    const char *keyword, *instead;
} unsupported[] = {
    {"pattern", "topicgen checks lengths, not patterns: drop it and check the text in the "
                "translator (from_domain / to_domain)"},
    {"patternProperties", "use 'additionalProperties' with one schema for every value (a map)"},
    {"propertyNames", "use 'additionalProperties' with one schema for every value (a map)"},
    {"exclusiveMinimum", "use 'minimum' (inclusive)"},
    {"exclusiveMaximum", "use 'maximum' (inclusive)"},
    {"multipleOf", "drop it and check the value in the translator"},
    {"uniqueItems", "drop it and check the items in the translator"},
    {"const", "use an enum of one value under components/schemas and '$ref' it (a const is "
              "read only as a union variant's discriminator value)"},
    {"enum", "define the enum under components/schemas and '$ref' it"},
    {"not", "describe what is allowed: a union is a 'oneOf' with a 'discriminator' under "
            "components/schemas"},
    {"if", "use a union: a 'oneOf' with a 'discriminator' under components/schemas"},
    {"then", "use a union: a 'oneOf' with a 'discriminator' under components/schemas"},
    {"else", "use a union: a 'oneOf' with a 'discriminator' under components/schemas"},
    {"contains", "use 'items' with one schema for every item"},
    {"minContains", "use 'items' with one schema for every item"},
    {"maxContains", "use 'items' with one schema for every item"},
    {"prefixItems", "use 'items' with one schema for every item (a tuple is a message)"},
    {"additionalItems", "use 'items' with one schema for every item (a tuple is a message)"},
    {"unevaluatedProperties", "use 'additionalProperties: false' (unknown_fields: reject)"},
    {"unevaluatedItems", "use 'items' with one schema for every item"},
    {"dependentRequired", "make the fields optional and check them in the translator"},
    {"dependentSchemas", "make the fields optional and check them in the translator"},
    {"dependencies", "make the fields optional and check them in the translator"},
    {"contentMediaType", "use 'x-topicgen-type: json' (any JSON) or 'bytes' (base64)"},
    {"contentSchema", "use 'x-topicgen-type: json' (any JSON) or 'bytes' (base64)"},
    {"discriminator", "a discriminator belongs to a named 'oneOf' under components/schemas (a "
                      "union); '$ref' it"},
    {"$defs", "define the schema under components/schemas and '$ref' it"},
    {"definitions", "define the schema under components/schemas and '$ref' it"},
    {"$dynamicRef", "use '$ref' to #/components/schemas/<Name>"},
    {"$anchor", "use '$ref' to #/components/schemas/<Name>"},
};

/* Annotations: read by no one here, allowed anywhere in a schema. */
static const char *const annotations[] = {
    "title", "examples", "example", "deprecated", "readOnly", "writeOnly", "$comment",
    "$schema", "$id", "externalDocs", "xml", NULL};

static bool among(const char *k, const char *const *names)
{
    for (size_t i = 0; names[i]; i++)
        if (strcmp(k, names[i]) == 0)
            return true;
    return false;
}

/* Each key of schema object n must be in `allowed`, an annotation, or an
 * extension not named x-topicgen-*; report the others, once each. */
static void check_keywords(reader *R, struct fy_node *n, const char *const *allowed,
                           const char *what)
{
    void *it = NULL;
    struct fy_node_pair *p;
    while (fy_node_is_mapping(n) && (p = fy_node_mapping_iterate(n, &it)) != NULL) {
        struct fy_node *kn = fy_node_pair_key(p);
        char *k = text_of(kn);
        if (!k || among(k, allowed) || among(k, annotations) ||
            (strncmp(k, "x-", 2) == 0 && strncmp(k, "x-topicgen-", 11) != 0)) {
            free(k);
            continue;
        }
        const char *instead = NULL;
        for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0] && !instead; i++)
            if (strcmp(k, unsupported[i].keyword) == 0)
                instead = unsupported[i].instead;
        if (instead)
            aa_error(R, kn, "'%s' is not supported in %s; %s", k, what, instead);
        else if (strncmp(k, "x-topicgen-", 11) == 0)
            aa_error(R, kn, "unknown extension '%s' in %s (docs/schema.md, \"AsyncAPI as "
                            "input\", lists the x-topicgen-* extensions)", k, what);
        else
            aa_error(R, kn, "'%s' is not supported in %s", k, what);
        free(k);
    }
}

/* ---- attributes for the checker ------------------------------------------- */

/* The scalar n as the checker takes it (text NULL when n is not a scalar);
 * errors about it point at n, or at `owner` when n is absent. */
static attr attr_at(struct fy_node *n, struct fy_node *owner)
{
    attr a = {.present = n != NULL, .text = text_of(n), .pos = pos_of(n ? n : owner)};
    return a;
}

static attr attr_text(char *text, struct fy_node *at)
{
    attr a = {.present = true, .text = text, .pos = pos_of(at)};
    return a;
}

/* ---- references ------------------------------------------------------------------ */

/* The imported schema whose name is the prefix of `key` before its dot. */
static const schema *import_named(const schema *s, const char *key)
{
    const char *dot = strchr(key, '.');
    for (size_t i = 0; dot && i < s->n_imports; i++) {
        const char *n = s->imports[i].schema->name;
        if (n && strlen(n) == (size_t)(dot - key) && memcmp(n, key, strlen(n)) == 0)
            return s->imports[i].schema;
    }
    return NULL;
}

/* The type name of a components/schemas key: "LineItem" for "LineItem"
 * or "<this schema>.LineItem"; an imported type keeps its qualified name
 * ("common.Money", the schema language's own spelling). */
static const char *type_name_of_key(const schema *s, const char *key)
{
    size_t n = s->name ? strlen(s->name) : 0;
    if (n && strncmp(key, s->name, n) == 0 && key[n] == '.')
        return key + n + 1;
    return key;
}

#define LOCAL_SCHEMAS "#/components/schemas/"

/* The type name a `$ref` names: "X" for #/components/schemas/X, "s.X" for
 * FILE#/components/schemas/X where FILE is an entry of x-topicgen-imports
 * that loaded schema s.  NULL (reported) otherwise. */
static char *ref_type_name(reader *R, struct fy_node *ref)
{
    char *t = text_of(ref);
    const char *hash = t ? strchr(t, '#') : NULL;
    char *name = NULL;
    if (hash && strncmp(hash, LOCAL_SCHEMAS, strlen(LOCAL_SCHEMAS)) == 0 &&
        hash[strlen(LOCAL_SCHEMAS)] && !strchr(hash + strlen(LOCAL_SCHEMAS), '/')) {
        const char *type = hash + strlen(LOCAL_SCHEMAS);
        if (hash == t) {
            name = xstrdup(type_name_of_key(R->ck.s, type));
        } else {
            size_t flen = (size_t)(hash - t);
            const schema *s = R->ck.s;
            for (size_t i = 0; i < s->n_imports && !name; i++)
                if (strlen(s->imports[i].written) == flen &&
                    memcmp(s->imports[i].written, t, flen) == 0)
                    name = xasprintf("%s.%s", s->imports[i].schema->name, type);
            if (!name)
                aa_error(R, ref, "'$ref' to '%.*s', which is not in x-topicgen-imports; add it "
                                 "there (a file topicgen reads: an AsyncAPI document or a "
                                 "schema)", (int)flen, t);
            free(t);
            return name;
        }
    }
    if (!name)
        aa_error(R, ref, "'$ref' must name '#/components/schemas/<Name>' (or "
                         "'<import>#/components/schemas/<Name>'), got '%s'", t ? t : "");
    free(t);
    return name;
}

/* ---- scalar types ------------------------------------------------------------------ */

/* topicgen's type for a schema of JSON type `type` with format `format`
 * (either may be NULL), or NULL. */
static const char *type_from_json(const char *type, const char *format, bool base64)
{
    static const struct {
        const char *type, *format, *topicgen;
    } table[] = {
        {"boolean", NULL, "bool"},         {"integer", "int32", "int32"},
        {"integer", "int64", "int64"},     {"integer", "uint32", "uint32"},
        {"integer", "uint64", "uint64"},   {"integer", NULL, "int64"},
        {"number", NULL, "float64"},       {"number", "double", "float64"},
        {"string", NULL, "string"},        {"string", "date-time", "timestamp"},
        {"string", "uuid", "uuid"},        {"string", "decimal", "decimal"},
        {"string", "byte", "bytes"},       {"array", NULL, "array"},
    };
    if (type && strcmp(type, "string") == 0 && base64 && !format)
        return "bytes";
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (type && strcmp(type, table[i].type) == 0 &&
            ((!format && !table[i].format) || (format && table[i].format &&
                                               strcmp(format, table[i].format) == 0)))
            return table[i].topicgen;
    return NULL;
}

/* The JSON `type` of schema n: its text, or the non-null one of a pair
 * [T, "null"] (*nullable set).  NULL when absent; reports other lists. */
static char *json_type(reader *R, struct fy_node *n, bool *nullable)
{
    struct fy_node *t = get(n, "type");
    if (!t || fy_node_is_scalar(t))
        return text_of(t);
    if (fy_node_is_sequence(t) && fy_node_sequence_item_count(t) == 2) {
        struct fy_node *a = fy_node_sequence_get_by_index(t, 0);
        struct fy_node *b = fy_node_sequence_get_by_index(t, 1);
        if (is_text(b, "null") && !is_text(a, "null")) {
            *nullable = true;
            return text_of(a);
        }
        if (is_text(a, "null") && !is_text(b, "null")) {
            *nullable = true;
            return text_of(b);
        }
    }
    aa_error(R, t, "a 'type' list is supported only as [T, \"null\"] (a nullable field); use "
                   "a union ('oneOf' with a 'discriminator') for alternatives");
    return NULL;
}

static bool in_list(struct fy_node *list, const char *name)
{
    void *it = NULL;
    struct fy_node *n;
    while (fy_node_is_sequence(list) && (n = fy_node_sequence_iterate(list, &it)) != NULL)
        if (is_text(n, name))
            return true;
    return false;
}

/* ---- a field's type -------------------------------------------------------------- */

/* What one property holds: its type and the nodes of its attributes. */
typedef struct prop {
    char *type;                 /* topicgen type name, or NULL */
    struct fy_node *type_at;    /* where an error about the type points */
    char *elem;                 /* items / values type name, or NULL */
    struct fy_node *elem_at;
    bool nullable;
    bool keep_min, keep_max;    /* x-topicgen-min-set / -max-set: a bound at the type's limit
                                   that the schema wrote */
    struct fy_node *min, *max, *min_length, *max_length, *min_items, *max_items, *def;
} prop;

static const char *const scalar_keywords[] = {
    "type", "format", "description", "default", "minimum", "maximum", "minLength", "maxLength",
    "contentEncoding", "x-topicgen-type", "x-topicgen-name", "x-topicgen-min-set",
    "x-topicgen-max-set", NULL};
static const char *const scalar_keywords_patterned[] = {
    "type", "format", "description", "default", "minimum", "maximum", "minLength", "maxLength",
    "contentEncoding", "x-topicgen-type", "x-topicgen-name", "x-topicgen-min-set",
    "x-topicgen-max-set", "pattern", NULL};

/* True when bound n is the C type's own limit (a JSON Schema of a topicgen
 * export writes it when the schema has no bound): no bound of the schema. */
static bool is_type_limit(const char *type, struct fy_node *n, bool is_max)
{
    static const struct {
        const char *type, *lo, *hi;
    } limits[] = {
        {"int32", "-2147483648", "2147483647"},
        {"int64", "-9223372036854775808", "9223372036854775807"},
        {"uint32", "0", "4294967295"},
        {"uint64", "0", "18446744073709551615"},
    };
    if (!type || !n)
        return false;
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
        if (strcmp(type, limits[i].type) == 0)
            return is_text(n, is_max ? limits[i].hi : limits[i].lo);
    char *t = text_of(n), *end = NULL;
    double d = t ? strtod(t, &end) : 0;
    bool limit = strcmp(type, "float64") == 0 && t && *t && !*end &&
                 d == (is_max ? DBL_MAX : -DBL_MAX);
    free(t);
    return limit;
}

/* The type name of a schema used as array items or map values (no
 * attributes of its own), or NULL (reported). */
static char *elem_type(reader *R, struct fy_node *n)
{
    if (!fy_node_is_mapping(n)) {
        aa_error(R, n, "items and map values must be a schema object");
        return NULL;
    }
    static const char *const allowed[] = {
        "type", "format", "$ref", "contentEncoding", "x-topicgen-type", "description",
        "minimum", "maximum", "pattern", NULL};
    check_keywords(R, n, allowed, "array items and map values (constraints on items are not "
                                  "supported: make the item a message)");
    struct fy_node *ref = get(n, "$ref"), *tt = get(n, "x-topicgen-type");
    if (ref)
        return ref_type_name(R, ref);
    if (tt)
        return text_of(tt);
    bool nullable = false;
    char *format = text_of(get(n, "format"));
    bool decimal = format && strcmp(format, "decimal") == 0; /* type [string, number] */
    char *type = decimal ? NULL : json_type(R, n, &nullable);
    const char *t = decimal ? "decimal"
                            : type_from_json(type, format, get(n, "contentEncoding") != NULL);
    if (nullable)
        aa_error(R, n, "items and map values cannot be null; make the item a message with a "
                       "nullable field");
    if (!t && type && strcmp(type, "object") == 0)
        t = get(n, "properties") ? NULL : "map";
    if (!t && !type && !format)
        t = "json";
    /* the C type's own range and the format's own pattern say nothing more */
    static const char *const bounds[] = {"minimum", "maximum"};
    for (size_t i = 0; i < 2; i++)
        if (get(n, bounds[i]) && !is_type_limit(t, get(n, bounds[i]), i == 1))
            aa_error(R, key_node(n, bounds[i]), "'%s' is not supported on array items and map "
                     "values; make the item a message with a bounded field", bounds[i]);
    if (get(n, "pattern") && !(format && (strcmp(format, "date-time") == 0 ||
                                          strcmp(format, "uuid") == 0 ||
                                          strcmp(format, "decimal") == 0)) &&
        !get(n, "contentEncoding"))
        aa_error(R, key_node(n, "pattern"), "'pattern' is not supported; topicgen checks "
                 "lengths, not patterns: drop it and check the text in the translator");
    if (!t)
        aa_error(R, n, "type '%s'%s%s%s cannot be an item; use a '$ref' to "
                       "#/components/schemas/<Name> or a scalar type", type ? type : "",
                 format ? " (format '" : "", format ? format : "", format ? "')" : "");
    char *out = t ? xstrdup(t) : NULL;
    free(type);
    free(format);
    return out;
}

/* The core schema of a property once its nullable wrapper (`oneOf`/`anyOf`
 * of T and {type: null}) and single-`allOf` wrapper are taken off. */
static struct fy_node *unwrap(reader *R, struct fy_node *n, bool *nullable)
{
    static const char *const combinators[] = {"oneOf", "anyOf"};
    for (size_t c = 0; c < 2; c++) {
        struct fy_node *list = get(n, combinators[c]);
        if (!list)
            continue;
        struct fy_node *a = fy_node_sequence_get_by_index(list, 0);
        struct fy_node *b = fy_node_sequence_get_by_index(list, 1);
        bool two = fy_node_is_sequence(list) && fy_node_sequence_item_count(list) == 2;
        if (two && is_text(get(b, "type"), "null") && fy_node_mapping_item_count(b) == 1) {
            *nullable = true;
            return unwrap(R, a, nullable);
        }
        if (two && is_text(get(a, "type"), "null") && fy_node_mapping_item_count(a) == 1) {
            *nullable = true;
            return unwrap(R, b, nullable);
        }
        aa_error(R, key_node(n, combinators[c]),
                 "'%s' in a property is supported only as a nullable type ([T, {\"type\": "
                 "\"null\"}]); for alternatives define a union (a 'oneOf' with a "
                 "'discriminator') under components/schemas and '$ref' it", combinators[c]);
        return NULL;
    }
    struct fy_node *all = get(n, "allOf");
    if (all) {
        if (fy_node_is_sequence(all) && fy_node_sequence_item_count(all) == 1)
            return unwrap(R, fy_node_sequence_get_by_index(all, 0), nullable);
        aa_error(R, key_node(n, "allOf"), "'allOf' is supported only around one '$ref'; merge "
                                          "the schemas into one message");
        return NULL;
    }
    return n;
}

/* Read property schema n into p.  The outer node holds description,
 * default and x-topicgen-name; its core (unwrap) holds the type. */
/* The type of a property's core schema without '$ref' into p->type (NULL
 * when reported); *own_pattern when its format or encoding makes a
 * 'pattern' redundant.  False when nothing more should be read. */
static bool read_core_type(reader *R, struct fy_node *core, prop *p, bool *own_pattern)
{
    struct fy_node *tt = get(core, "x-topicgen-type");
    char *format = text_of(get(core, "format"));
    bool decimal = format && strcmp(format, "decimal") == 0; /* type [string, number] */
    char *type = tt || decimal ? NULL : json_type(R, core, &p->nullable);
    if ((tt || decimal) && fy_node_is_sequence(get(core, "type")))
        p->nullable |= in_list(get(core, "type"), "null");
    const char *t = tt ? NULL : decimal ? "decimal"
                                        : type_from_json(type, format,
                                                         get(core, "contentEncoding") != NULL);
    /* The pattern of a format topicgen checks says no more than the format. */
    *own_pattern = get(core, "contentEncoding") ||
                   (format && (strcmp(format, "date-time") == 0 || strcmp(format, "uuid") == 0 ||
                               decimal));
    bool object = type && strcmp(type, "object") == 0, go_on = true;
    if (tt) {
        p->type = text_of(tt);
        p->type_at = tt;
    } else if (object && get(core, "properties")) {
        aa_error(R, key_node(core, "properties"), "an object with 'properties' inside a "
                 "property is not supported; define it as a message under components/schemas "
                 "and '$ref' it");
        go_on = false;
    } else if (object) {
        p->type = xstrdup("map");
    } else if (t) {
        p->type = xstrdup(t);
    } else if (!type && !format && !get(core, "items")) {
        p->type = xstrdup("json");  /* {}: any JSON value */
    } else {
        aa_error(R, format ? key_node(core, "format") : key_node(core, "type"),
                 "type '%s'%s%s%s has no topicgen type; formats topicgen checks: date-time, "
                 "uuid, int32, int64, uint32, uint64, double (or say it with x-topicgen-type: "
                 "string, decimal, bytes, json, ...)", type ? type : "", format ? " with format '" : "",
                 format ? format : "", format ? "'" : "");
    }
    free(type);
    free(format);
    return go_on;
}

/* An array's items or a map's values (`elem_key`) and its count bounds. */
static void read_container(reader *R, struct fy_node *core, prop *p, const char *elem_key,
                          const char *min_key, const char *max_key, const char *what)
{
    const char *const keywords[] = {"type", elem_key, min_key, max_key, "description",
                                    "x-topicgen-name", "x-topicgen-type", NULL};
    check_keywords(R, core, keywords, what);
    struct fy_node *elem = get(core, elem_key);
    if (elem) {
        size_t mark = ptr_push(R, elem_key);
        p->elem = elem_type(R, elem);
        p->elem_at = elem;
        ptr_pop(R, mark);
    } else {
        aa_error(R, core, "%s needs '%s' (the schema of every %s)",
                 strcmp(elem_key, "items") == 0 ? "an array" : "a map", elem_key,
                 strcmp(elem_key, "items") == 0 ? "item" : "value");
    }
    p->min_items = get(core, min_key);
    p->max_items = get(core, max_key);
}

/* Read property schema n into p.  The outer node holds description,
 * default and x-topicgen-name; its core (unwrap) holds the type. */
static void read_prop(reader *R, struct fy_node *n, prop *p)
{
    static const char *const wrapper_keywords[] = {
        "oneOf", "anyOf", "allOf", "description", "default", "x-topicgen-name", NULL};
    static const char *const ref_keywords[] = {
        "$ref", "description", "default", "x-topicgen-name", NULL};
    p->type_at = n;
    p->def = get(n, "default");
    struct fy_node *core = unwrap(R, n, &p->nullable);
    if (!core)
        return;
    if (core != n)
        check_keywords(R, n, wrapper_keywords, "a property");
    if (!p->def)
        p->def = get(core, "default");
    struct fy_node *ref = get(core, "$ref");
    if (ref) {
        check_keywords(R, core, ref_keywords, "a property next to '$ref'");
        p->type = ref_type_name(R, ref);
        p->type_at = ref;
        return;
    }
    bool own_pattern = false;
    if (!read_core_type(R, core, p, &own_pattern))
        return;
    const char *kind = p->type ? p->type : "";
    if (strcmp(kind, "array") == 0) {
        read_container(R, core, p, "items", "minItems", "maxItems", "an array property");
    } else if (strcmp(kind, "map") == 0) {
        read_container(R, core, p, "additionalProperties", "minProperties", "maxProperties",
                       "a map property");
    } else {
        check_keywords(R, core, own_pattern ? scalar_keywords_patterned : scalar_keywords,
                       "a property");
        p->min = get(core, "minimum");
        p->max = get(core, "maximum");
        p->keep_min = is_text(get(core, "x-topicgen-min-set"), "true");
        p->keep_max = is_text(get(core, "x-topicgen-max-set"), "true");
        p->min_length = get(core, "minLength");
        p->max_length = get(core, "maxLength");
    }
}

/* ---- messages -------------------------------------------------------------------- */

static void read_field(reader *R, message_def *m, struct fy_node *key, struct fy_node *value,
                       struct fy_node *required)
{
    char *wire = text_of(key);
    if (!wire)
        return;
    struct fy_node *cname = get(value, "x-topicgen-name");
    field_def *f = xappend(&m->fields, &m->n_fields, sizeof *f);
    f->wire_name = wire;
    f->name = cname ? text_of(cname) : NULL;
    if (!f->name)
        f->name = xstrdup(wire);
    f->pos = pos_of(key);
    if (!fy_node_is_mapping(value)) {
        aa_error(R, value, "a property must be a schema object");
        f->type.kind = T_JSON;
        return;
    }
    f->description = text_of(get(value, "description"));
    prop p = {0};
    read_prop(R, value, &p);
    f->nullable = p.nullable;
    if (!p.keep_min && is_type_limit(p.type, p.min, false))
        p.min = NULL;
    if (!p.keep_max && is_type_limit(p.type, p.max, true))
        p.max = NULL;
    f->optional = !in_list(required, wire) && !p.def; /* a default: absent means the default */
    if (cname && !check_wire_name(&R->ck, pos_of(key), wire)) { /* as YAML's wire_name */
        free(f->wire_name);
        f->wire_name = xstrdup(f->name);
    }
    field_attrs a = {
        .type = p.type ? attr_text(p.type, p.type_at) : (attr){0},
        .items = p.elem && strcmp(p.type, "array") == 0 ? attr_text(xstrdup(p.elem), p.elem_at)
                                                         : (attr){0},
        .values = p.elem && strcmp(p.type, "map") == 0 ? attr_text(xstrdup(p.elem), p.elem_at)
                                                        : (attr){0},
        .min = attr_at(p.min, key), .max = attr_at(p.max, key),
        .min_length = attr_at(p.min_length, key), .max_length = attr_at(p.max_length, key),
        .min_items = attr_at(p.min_items, key), .max_items = attr_at(p.max_items, key),
        .def = attr_at(p.def, key),
    };
    bool container = p.type && (strcmp(p.type, "array") == 0 || strcmp(p.type, "map") == 0);
    if (p.type && (!container || p.elem)) { /* else reported already */
        check_field(&R->ck, f, pos_of(key), &a);
    } else {
        f->type.kind = T_JSON;  /* already reported */
        f->type_unknown = true;
    }
    check_field_name(&R->ck, pos_of(cname ? cname : key), f);
    attr *all[] = {&a.type, &a.items, &a.values, &a.min, &a.max, &a.min_length, &a.max_length,
                   &a.min_items, &a.max_items, &a.def};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]->text);
    free(p.elem);
}

static void define_message(reader *R, message_def *m, struct fy_node *n)
{
    static const char *const allowed[] = {"type", "properties", "required", "additionalProperties",
                                          "description", NULL};
    check_keywords(R, n, allowed, "a message (an object with 'properties')");
    struct fy_node *type = get(n, "type");
    if (type && !is_text(type, "object"))
        aa_error(R, type, "a message must have 'type: object'");
    m->description = text_of(get(n, "description"));
    struct fy_node *extra = get(n, "additionalProperties");
    if (extra && is_text(extra, "false"))
        m->reject_unknown = true;
    else if (extra && !is_text(extra, "true"))
        aa_error(R, key_node(n, "additionalProperties"), "'additionalProperties' of a message "
                 "must be true or false (unknown_fields skip or reject); for a map of values "
                 "use a property of 'type: object' without 'properties'");
    struct fy_node *props = get(n, "properties"), *required = get(n, "required");
    void *it = NULL;
    struct fy_node_pair *pair;
    size_t mark = ptr_push(R, "properties");
    while (fy_node_is_mapping(props) && (pair = fy_node_mapping_iterate(props, &it)) != NULL) {
        char *k = text_of(fy_node_pair_key(pair));
        size_t m2 = ptr_push(R, k ? k : "");
        read_field(R, m, fy_node_pair_key(pair), fy_node_pair_value(pair), required);
        ptr_pop(R, m2);
        free(k);
    }
    ptr_pop(R, mark);
    if (props && !fy_node_is_mapping(props))
        aa_error(R, props, "'properties' must be a mapping");
    it = NULL;
    struct fy_node *r;
    while (fy_node_is_sequence(required) && (r = fy_node_sequence_iterate(required, &it)) != NULL) {
        char *name = text_of(r);
        if (name && !get(props, name))
            aa_error(R, r, "'required' names '%s', which is not a property", name);
        free(name);
    }
    if (m->n_fields == 0)
        diag_error(R->ck.diags, R->ck.path, m->pos, "message '%s' has no fields", m->name);
    check_field_names(&R->ck, m);
}

/* ---- enums -------------------------------------------------------------------- */

/* The C name derived from a wire string: upper case, '_' for the rest. */
static char *enum_c_name(const char *wire)
{
    char *out = xmalloc(strlen(wire) + 3), *o = out;
    if (isdigit((unsigned char)wire[0]))
        *o++ = 'V', *o++ = '_';
    for (const char *c = wire; *c; c++)
        *o++ = isalnum((unsigned char)*c) ? (char)toupper((unsigned char)*c) : '_';
    *o = '\0';
    return out;
}

static void define_enum(reader *R, enum_def *e, struct fy_node *n)
{
    static const char *const allowed[] = {"type", "enum", "description", "x-topicgen-names",
                                          "x-topicgen-fallback", NULL};
    /* With a fallback every string decodes: the values may be 'examples'. */
    const char *values = get(n, "enum") || !get(n, "x-topicgen-fallback") ? "enum" : "examples";
    check_keywords(R, n, allowed, "an enum");
    struct fy_node *type = get(n, "type");
    if (type && !is_text(type, "string"))
        aa_error(R, type, "an enum's values must be strings ('type: string')");
    e->description = text_of(get(n, "description"));
    struct fy_node *list = get(n, values), *names = get(n, "x-topicgen-names");
    if (names && (!fy_node_is_sequence(names) ||
                  fy_node_sequence_item_count(names) != fy_node_sequence_item_count(list)))
        aa_error(R, names, "'x-topicgen-names' must list one C name per value of '%s'", values);
    size_t mark = ptr_push(R, values);
    for (int i = 0; fy_node_is_sequence(list) && i < fy_node_sequence_item_count(list); i++) {
        struct fy_node *v = fy_node_sequence_get_by_index(list, i);
        struct fy_node *nn = fy_node_sequence_get_by_index(names, i);
        size_t m2 = ptr_push_index(R, (size_t)i);
        char *wire = is_null(v) ? NULL : text_of(v);
        if (!wire) {
            aa_error(R, v, "enum values must be strings");
            ptr_pop(R, m2);
            continue;
        }
        char *name = nn ? text_of(nn) : enum_c_name(wire);
        if (!name)
            name = enum_c_name(wire);
        check_enum_value(&R->ck, e, name, pos_of(nn ? nn : v), wire, pos_of(v));
        enum_value *ev = xappend(&e->values, &e->n_values, sizeof *ev);
        *ev = (enum_value){name, wire, pos_of(nn ? nn : v)};
        ptr_pop(R, m2);
    }
    ptr_pop(R, mark);
    if (!e->values)
        diag_error(R->ck.diags, R->ck.path, e->pos, "enum '%s' has no values", e->name);
    struct fy_node *fb = get(n, "x-topicgen-fallback");
    if (fb && e->values) {
        attr a = attr_at(fb, fb);
        check_enum_fallback(&R->ck, e, &a);
        free(a.text);
    }
}

/* ---- unions -------------------------------------------------------------------- */

/* The tag a variant gives the discriminator: properties/<disc>/const in
 * the variant or in one of its allOf items. */
static struct fy_node *variant_tag(struct fy_node *v, const char *disc)
{
    struct fy_node *c = get(get(get(v, "properties"), disc), "const");
    struct fy_node *all = get(v, "allOf");
    void *it = NULL;
    struct fy_node *item;
    while (!c && fy_node_is_sequence(all) && (item = fy_node_sequence_iterate(all, &it)) != NULL)
        c = get(get(get(item, "properties"), disc), "const");
    return c;
}

/* The `$ref` of a variant: its own or that of one of its allOf items. */
static struct fy_node *variant_ref(struct fy_node *v)
{
    struct fy_node *ref = get(v, "$ref"), *all = get(v, "allOf");
    void *it = NULL;
    struct fy_node *item;
    while (!ref && fy_node_is_sequence(all) && (item = fy_node_sequence_iterate(all, &it)) != NULL)
        ref = get(item, "$ref");
    return ref;
}

/* The message of a variant written inline (topicgen's own export): named
 * by x-topicgen-message, or by its title, a components/schemas key. */
static char *variant_inline_message(reader *R, struct fy_node *v, struct fy_node **at)
{
    struct fy_node *n = get(v, "x-topicgen-message");
    if (!n)
        n = get(v, "title");
    char *key = text_of(n);
    *at = n;
    if (!key || !get(R->schemas, key)) {
        free(key);
        return NULL;
    }
    char *name = xstrdup(type_name_of_key(R->ck.s, key));
    free(key);
    return name;
}

static void read_variant(reader *R, union_def *u, struct fy_node *v, struct fy_node *mapping)
{
    static const char *const allowed[] = {"$ref", "allOf", "properties", "required", "type",
                                          "additionalProperties", "description",
                                          "x-topicgen-variant", "x-topicgen-message", NULL};
    check_keywords(R, v, allowed, "a union variant");
    struct fy_node *ref = variant_ref(v), *tag = variant_tag(v, u->discriminator);
    char *mname = ref ? ref_type_name(R, ref) : NULL;
    bool inline_message = !ref;
    if (inline_message)
        mname = variant_inline_message(R, v, &ref);
    char *ref_text = inline_message ? NULL : text_of(ref);
    /* an OpenAPI-style discriminator mapping: tag -> $ref */
    void *it = NULL;
    struct fy_node_pair *p;
    while (!tag && ref_text && fy_node_is_mapping(mapping) &&
           (p = fy_node_mapping_iterate(mapping, &it)) != NULL)
        if (is_text(fy_node_pair_value(p), ref_text))
            tag = fy_node_pair_key(p);
    free(ref_text);
    if (inline_message && !mname)
        aa_error(R, v, "a union variant needs a '$ref' to its message (alone or in 'allOf'), or "
                       "'x-topicgen-message' naming it");
    if (!tag)
        aa_error(R, v, "a union variant needs its discriminator value: 'properties': {\"%s\": "
                       "{\"const\": \"<tag>\"}}", u->discriminator);
    char *tag_text = text_of(tag);
    if (!mname || !tag_text) {
        free(mname);
        free(tag_text);
        return;
    }
    struct fy_node *cn = get(v, "x-topicgen-variant");
    char *cname = cn ? text_of(cn) : xstrdup(tag_text);
    union_variant *uv = xappend(&u->variants, &u->n_variants, sizeof *uv);
    uv->tag = tag_text;
    uv->name = cname ? cname : xstrdup("invalid");
    uv->pos = pos_of(tag);
    if (cname)
        check_variant_name(&R->ck, pos_of(cn ? cn : tag), cname, tag_text, mname);
    uv->message = check_variant_message(&R->ck, pos_of(ref), tag_text, mname);
    free(mname);
}

/* The name of the first property of the first variant that is a 'const'
 * in every variant, or NULL. */
static char *const_member(struct fy_node *variants)
{
    struct fy_node *first = fy_node_sequence_get_by_index(variants, 0);
    struct fy_node *props = get(first, "properties");
    void *it = NULL;
    struct fy_node_pair *p;
    while (fy_node_is_mapping(props) && (p = fy_node_mapping_iterate(props, &it)) != NULL) {
        char *name = text_of(fy_node_pair_key(p));
        bool all = name != NULL;
        for (int i = 0; all && i < fy_node_sequence_item_count(variants); i++)
            all = variant_tag(fy_node_sequence_get_by_index(variants, i), name) != NULL;
        if (all)
            return name;
        free(name);
    }
    return NULL;
}

static void define_union(reader *R, union_def *u, struct fy_node *n)
{
    static const char *const allowed[] = {"oneOf", "discriminator", "description", NULL};
    check_keywords(R, n, allowed, "a union (a 'oneOf' with a 'discriminator')");
    u->description = text_of(get(n, "description"));
    struct fy_node *d = get(n, "discriminator"), *mapping = NULL;
    if (fy_node_is_mapping(d)) { /* OpenAPI's {propertyName, mapping} */
        mapping = get(d, "mapping");
        d = get(d, "propertyName");
    }
    u->discriminator = text_of(d);
    if (!d) /* plain JSON Schema: the member every variant holds as a 'const' */
        u->discriminator = const_member(get(n, "oneOf"));
    if (!u->discriminator || !*u->discriminator) {
        aa_error(R, key_node(n, "discriminator"), "a union needs a 'discriminator' (the member "
                 "whose 'const' value in each variant selects it)");
        free(u->discriminator);
        u->discriminator = xstrdup("type");
    }
    struct fy_node *list = get(n, "oneOf");
    size_t mark = ptr_push(R, "oneOf");
    for (int i = 0; fy_node_is_sequence(list) && i < fy_node_sequence_item_count(list); i++) {
        size_t m2 = ptr_push_index(R, (size_t)i);
        read_variant(R, u, fy_node_sequence_get_by_index(list, i), mapping);
        ptr_pop(R, m2);
    }
    ptr_pop(R, mark);
    if (u->n_variants == 0)
        diag_error(R->ck.diags, R->ck.path, u->pos, "union '%s' has no variants", u->name);
}

/* ---- declarations ------------------------------------------------------------------- */

typedef enum decl_as { AS_NONE, AS_ENUM, AS_MESSAGE, AS_UNION } decl_as;

/* What a named schema declares, by its shape. */
static decl_as shape_of(struct fy_node *n)
{
    if (get(n, "enum") || get(n, "x-topicgen-names"))
        return AS_ENUM;
    if (get(n, "oneOf"))
        return AS_UNION;
    if (get(n, "properties") || is_text(get(n, "type"), "object"))
        return AS_MESSAGE;
    return AS_NONE;
}

/* A named type: a schema under components/schemas, or an inline payload
 * under components/messages (named after the message). */
typedef struct named {
    struct fy_node *key, *schema;
    const char *section;        /* "schemas" or "messages" (with /payload) */
    decl_as as;
    void *def;                  /* enum_def, message_def or union_def */
} named;

static void declare(reader *R, named *t)
{
    schema *s = R->ck.s;
    char *key = text_of(t->key);
    char *name = key ? xstrdup(type_name_of_key(s, key)) : NULL;
    free(key);
    static const char *const kinds[] = {"", "enum", "message", "union"};
    if (!name || !check_declare(&R->ck, pos_of(t->key), name, kinds[t->as])) {
        free(name);
        t->as = AS_NONE;
        return;
    }
    if (t->as == AS_ENUM) {
        enum_def *e = xcalloc(1, sizeof *e);
        *e = (enum_def){.name = name, .owner = s, .pos = pos_of(t->key)};
        *(enum_def **)xappend(&s->enums, &s->n_enums, sizeof e) = e;
        t->def = e;
    } else if (t->as == AS_MESSAGE) {
        message_def *m = xcalloc(1, sizeof *m);
        *m = (message_def){.name = name, .owner = s, .pos = pos_of(t->key)};
        m->kafka.version = s->version;
        *(message_def **)xappend(&s->messages, &s->n_messages, sizeof m) = m;
        t->def = m;
    } else {
        union_def *u = xcalloc(1, sizeof *u);
        *u = (union_def){.name = name, .owner = s, .pos = pos_of(t->key)};
        u->kafka.version = s->version;
        *(union_def **)xappend(&s->unions, &s->n_unions, sizeof u) = u;
        t->def = u;
    }
}

/* Every named type of the document, in document order. */
static named *collect_types(reader *R, size_t *n)
{
    named *out = NULL;
    *n = 0;
    void *it = NULL;
    struct fy_node_pair *p;
    while (fy_node_is_mapping(R->schemas) && (p = fy_node_mapping_iterate(R->schemas, &it)) != NULL) {
        named t = {fy_node_pair_key(p), fy_node_pair_value(p), "schemas", AS_NONE, NULL};
        t.as = shape_of(t.schema);
        char *k = text_of(t.key);
        if (k && import_named(R->ck.s, k)) { /* a copy of an imported type: the import has it */
            free(k);
            continue;
        }
        if (k && strchr(type_name_of_key(R->ck.s, k), '.')) {
            size_t mark = ptr_push(R, "components");
            ptr_push(R, "schemas");
            ptr_push(R, k);
            aa_error(R, t.key, "'%.*s' is neither this schema's name nor that of an imported "
                     "one; list the document that defines it in x-topicgen-imports",
                     (int)(strchr(k, '.') - k), k);
            ptr_pop(R, mark);
            free(k);
            continue;
        }
        size_t mark = ptr_push(R, "components");
        ptr_push(R, "schemas");
        ptr_push(R, k ? k : "");
        if (t.as == AS_NONE)
            aa_error(R, t.schema, "a named schema must be a message (an object with "
                                  "'properties'), an enum (a string 'enum') or a union (a "
                                  "'oneOf' with a 'discriminator'); write scalar types in the "
                                  "property that uses them");
        ptr_pop(R, mark);
        free(k);
        *(named *)xappend(&out, n, sizeof t) = t;
    }
    it = NULL;
    while (fy_node_is_mapping(R->messages) && (p = fy_node_mapping_iterate(R->messages, &it)) != NULL) {
        struct fy_node *payload = get(fy_node_pair_value(p), "payload");
        if (get(payload, "schemaFormat"))
            payload = get(payload, "schema");
        if (!payload || get(payload, "$ref"))
            continue;
        named t = {fy_node_pair_key(p), payload, "messages", shape_of(payload), NULL};
        if (t.as == AS_NONE)
            continue; /* reported where the message is read */
        *(named *)xappend(&out, n, sizeof t) = t;
    }
    return out;
}

static void define(reader *R, named *t)
{
    char *k = text_of(t->key);
    size_t mark = ptr_push(R, "components");
    ptr_push(R, t->section);
    ptr_push(R, k ? k : "");
    if (strcmp(t->section, "messages") == 0)
        ptr_push(R, "payload");
    if (!fy_node_is_mapping(t->schema))
        aa_error(R, t->schema, "a named schema must be a schema object");
    else if (t->as == AS_ENUM)
        define_enum(R, t->def, t->schema);
    else if (t->as == AS_MESSAGE)
        define_message(R, t->def, t->schema);
    else if (t->as == AS_UNION)
        define_union(R, t->def, t->schema);
    ptr_pop(R, mark);
    free(k);
}

/* ---- channels and Kafka ------------------------------------------------------------ */

/* The Kafka binding of the type a message's payload names, or NULL. */
static kafka_binding *binding_of(reader *R, struct fy_node *msg, struct fy_node *msg_key,
                                 const char **type_name)
{
    struct fy_node *payload = get(msg, "payload");
    if (get(payload, "schemaFormat"))
        payload = get(payload, "schema");
    char *name = NULL;
    if (get(payload, "$ref"))
        name = ref_type_name(R, get(payload, "$ref"));
    else if (payload && msg_key)
        name = text_of(msg_key); /* an inline payload, declared by the message's name */
    if (!payload) {
        aa_error(R, msg, "a message needs a 'payload'");
        return NULL;
    }
    kafka_binding *k = NULL;
    message_def *m = name && !strchr(name, '.') ? find_message(R->ck.s, name) : NULL;
    union_def *u = name && !strchr(name, '.') && !m ? find_union(R->ck.s, name) : NULL;
    if (m)
        k = &m->kafka, *type_name = m->name;
    else if (u)
        k = &u->kafka, *type_name = u->name;
    else if (name)
        aa_error(R, get(payload, "$ref") ? get(payload, "$ref") : payload,
                 "the payload of a message on a channel must be a message or union of this "
                 "document (an object with 'properties' or a 'oneOf' with a 'discriminator'), "
                 "not '%s'", name);
    else if (!get(payload, "$ref"))
        aa_error(R, payload, "an inline payload must be under components/messages (its type is "
                             "named after the message); '$ref' it from the channel");
    free(name);
    return k;
}

/* x-topicgen-* attributes of a message on a channel into k. */
static void read_message_kafka(reader *R, struct fy_node *msg, kafka_binding *k)
{
    struct fy_node *key_schema = get(get(get(msg, "bindings"), "kafka"), "key");
    struct fy_node *key = get(msg, "x-topicgen-key"), *dlq = get(msg, "x-topicgen-dlq-topic");
    struct fy_node *ver = get(msg, "x-topicgen-version");
    if (!key)
        key = get(key_schema, "x-topicgen-key");
    if (!ver) /* the tg-schema-version header the producer sends */
        ver = get(get(get(get(msg, "headers"), "properties"), "tg-schema-version"), "const");
    struct fy_node *acc = get(msg, "x-topicgen-accepts-versions");
    struct fy_node *tomb = get(msg, "x-topicgen-tombstones");
    if (key) {
        free(k->key_field);
        k->key_field = text_of(key);
        k->key_pos = pos_of(key);
    } else if (key_schema) {
        aa_warning(R, key_node(get(get(msg, "bindings"), "kafka"), "key"),
                   "the Kafka key schema is ignored: topicgen keys a message by one of its "
                   "fields; name it with 'x-topicgen-key'");
    }
    if (dlq) {
        free(k->dlq_topic);
        k->dlq_topic = text_of(dlq);
        k->dlq_pos = pos_of(dlq);
        k->dlq_set = k->dlq_topic != NULL;
    }
    if (ver) {
        attr a = attr_at(ver, ver);
        check_version(&R->ck, &a, &k->version);
        free(a.text);
    }
    if (acc) {
        attr a = attr_at(acc, acc);
        if (fy_node_is_sequence(acc) && fy_node_sequence_item_count(acc) == 2) { /* [lo, hi] */
            char *lo = text_of(fy_node_sequence_get_by_index(acc, 0));
            char *hi = text_of(fy_node_sequence_get_by_index(acc, 1));
            a.text = xasprintf("%s..%s", lo ? lo : "", hi ? hi : "");
            free(lo);
            free(hi);
        }
        k->accepts_pos = a.pos;
        check_accepts_versions(&R->ck, &a, &k->accepts_min, &k->accepts_max);
        free(a.text);
    }
    if (tomb) {
        attr a = attr_at(tomb, tomb);
        check_tombstones(&R->ck, &a, &k->tombstones);
        free(a.text);
    }
}

static void read_channel_message(reader *R, struct fy_node *topic, struct fy_node *entry)
{
    struct fy_node *msg = entry, *msg_key = NULL, *ref = get(entry, "$ref");
    if (ref) {
        char *t = text_of(ref);
        const char *prefix = "#/components/messages/";
        msg = NULL;
        if (t && strncmp(t, prefix, strlen(prefix)) == 0) {
            msg = get(R->messages, t + strlen(prefix));
            msg_key = key_node(R->messages, t + strlen(prefix));
        }
        if (!msg)
            aa_error(R, ref, "'$ref' of a channel message must name an entry of "
                             "#/components/messages, got '%s'", t ? t : "");
        free(t);
        if (!msg)
            return;
    }
    const char *type_name = NULL;
    kafka_binding *k = binding_of(R, msg, msg_key, &type_name);
    if (!k)
        return;
    char *addr = text_of(topic);
    if (k->topic && addr && strcmp(k->topic, addr) != 0) {
        aa_error(R, topic, "%s '%s' is already on topic '%s'; topicgen binds a type to one "
                           "topic: give this channel its own message type", "type", type_name,
                 k->topic);
        free(addr);
        return;
    }
    free(k->topic);
    k->topic = addr;
    k->topic_pos = pos_of(topic);
    read_message_kafka(R, msg, k);
}

/* A dead-letter channel: marked, or at the x-topicgen-dlq-topic of a
 * message (its envelope is no type of the schema). */
static bool is_dead_letter_channel(reader *R, struct fy_node *ch, struct fy_node *topic)
{
    if (is_text(get(ch, "x-topicgen-dead-letters"), "true"))
        return true;
    char *addr = text_of(topic);
    bool dlq = false;
    void *it = NULL;
    struct fy_node_pair *p;
    while (addr && !dlq && fy_node_is_mapping(R->messages) &&
           (p = fy_node_mapping_iterate(R->messages, &it)) != NULL)
        dlq = is_text(get(fy_node_pair_value(p), "x-topicgen-dlq-topic"), addr);
    free(addr);
    return dlq;
}

static void read_channel(reader *R, struct fy_node *ch)
{
    struct fy_node *topic = get(get(get(ch, "bindings"), "kafka"), "topic");
    if (!topic)
        topic = get(ch, "address");
    if (is_dead_letter_channel(R, ch, topic))
        return;
    if (!topic || is_null(topic) || !fy_node_is_scalar(topic)) {
        aa_error(R, ch, "a channel needs an 'address' (its Kafka topic)");
        return;
    }
    char *addr = text_of(topic);
    if (addr && strchr(addr, '{'))
        aa_error(R, topic, "channel address '%s' has parameters; topicgen binds a type to one "
                           "fixed topic: write the topic itself", addr);
    free(addr);
    struct fy_node *msgs = get(ch, "messages");
    void *it = NULL;
    struct fy_node_pair *p;
    size_t mark = ptr_push(R, "messages");
    while (fy_node_is_mapping(msgs) && (p = fy_node_mapping_iterate(msgs, &it)) != NULL) {
        char *k = text_of(fy_node_pair_key(p));
        size_t m2 = ptr_push(R, k ? k : "");
        read_channel_message(R, topic, fy_node_pair_value(p));
        ptr_pop(R, m2);
        free(k);
    }
    ptr_pop(R, mark);
}

static void read_channels(reader *R, struct fy_node *channels)
{
    void *it = NULL;
    struct fy_node_pair *p;
    size_t mark = ptr_push(R, "channels");
    while (fy_node_is_mapping(channels) && (p = fy_node_mapping_iterate(channels, &it)) != NULL) {
        char *k = text_of(fy_node_pair_key(p));
        size_t m2 = ptr_push(R, k ? k : "");
        read_channel(R, fy_node_pair_value(p));
        ptr_pop(R, m2);
        free(k);
    }
    ptr_pop(R, mark);
}

/* ---- top level -------------------------------------------------------------------- */

/* A schema name from a title: lower case, '_' between words. */
static char *name_from_title(const char *title)
{
    char *out = xmalloc(strlen(title) + 1), *o = out;
    for (const char *c = title; *c; c++) {
        if (isalnum((unsigned char)*c))
            *o++ = (char)tolower((unsigned char)*c);
        else if (o > out && o[-1] != '_')
            *o++ = '_';
    }
    while (o > out && o[-1] == '_')
        o--;
    *o = '\0';
    return out;
}

static void read_info(reader *R, struct fy_node *root)
{
    schema *s = R->ck.s;
    struct fy_node *info = get(root, "info");
    size_t mark = ptr_push(R, "info");
    struct fy_node *name = get(info, "x-topicgen-schema"), *title = get(info, "title");
    char *t = name ? text_of(name) : NULL;
    if (!name && title) {
        char *tt = text_of(title);
        t = tt && !is_c_identifier(tt) ? name_from_title(tt) : tt;
        if (t != tt)
            free(tt);
    }
    if (!t || !*t) {
        aa_error(R, info ? info : root, "missing 'x-topicgen-schema' (the schema name, its C "
                                       "prefix) or a 'title' to derive it from");
        free(t);
        t = NULL;
    }
    s->name_pos = pos_of(name ? name : title);
    if (t && !check_c_name(&R->ck, s->name_pos, t, "schema name", "schema")) {
        free(t);
        t = NULL;
    }
    s->name = t;
    struct fy_node *ver = get(info, "version");
    char *v = text_of(ver);
    if (v && *v && strspn(v, "0123456789") == strlen(v)) {
        attr a = attr_at(ver, ver);
        check_version(&R->ck, &a, &s->version);
        free(a.text);
    }
    free(v);
    s->description = text_of(get(info, "description"));
    char *source = text_of(get(info, "x-topicgen-source"));
    if (source && *source && !strchr(source, '/')) {
        free(s->file_name);
        s->file_name = source;
    } else {
        free(source);
    }
    ptr_pop(R, mark);
}

/* Load the file `written` (owned, taken) as an import named at node n. */
static void import_file(reader *R, struct fy_node *n, char *written)
{
    schema *s = R->ck.s;
    schema *imported = written && *written ? import_schema(R->ic, pos_of(n), written) : NULL;
    if (!written || !*written)
        aa_error(R, n, "an import must be a non-empty file name");
    *R->import_failed |= imported == NULL;
    for (size_t j = 0; imported && j < s->n_imports; j++)
        if (s->imports[j].schema == imported) {
            aa_error(R, n, "'%s' is imported twice", written);
            imported = NULL;
        }
    if (!imported) {
        free(written);
        return;
    }
    schema_import *imp = xappend(&s->imports, &s->n_imports, sizeof *imp);
    *imp = (schema_import){imported, written, pos_of(n)};
}

static void read_imports(reader *R, struct fy_node *list)
{
    size_t mark = ptr_push(R, "x-topicgen-imports");
    if (!R->ic) {
        aa_error(R, list, "this document imports other schemas: load it with its imports "
                          "(topicgen's command line), not alone");
    } else if (!fy_node_is_sequence(list)) {
        aa_error(R, list, "x-topicgen-imports must be a list of files");
    } else {
        for (int i = 0; i < fy_node_sequence_item_count(list); i++) {
            struct fy_node *n = fy_node_sequence_get_by_index(list, i);
            import_file(R, n, text_of(n));
        }
    }
    ptr_pop(R, mark);
}

/* Without x-topicgen-imports: a component key `<other>.<Type>` (a type the
 * exporter copied from schema <other>) imports `<other>.asyncapi.json`, the
 * exporter's document of that schema, found like any import (beside this
 * document, then in the -I folders). */
static void implied_imports(reader *R)
{
    void *it = NULL;
    struct fy_node_pair *p;
    while (R->ic && fy_node_is_mapping(R->schemas) &&
           (p = fy_node_mapping_iterate(R->schemas, &it)) != NULL) {
        char *k = text_of(fy_node_pair_key(p));
        const char *name = k ? type_name_of_key(R->ck.s, k) : NULL;
        const char *dot = name ? strchr(name, '.') : NULL;
        if (dot && dot > name && !import_named(R->ck.s, name)) {
            size_t mark = ptr_push(R, "components");
            ptr_push(R, "schemas");
            ptr_push(R, k);
            import_file(R, fy_node_pair_key(p),
                        xasprintf("%.*s.asyncapi.json", (int)(dot - name), name));
            ptr_pop(R, mark);
        }
        free(k);
    }
}

bool asyncapi_is_document(struct fy_node *root)
{
    return get(root, "asyncapi") != NULL;
}

void asyncapi_read_document(checker *C, import_ctx *ic, struct fy_node *root, bool *import_failed)
{
    reader R = {.ck = *C, .ic = ic, .import_failed = import_failed};
    R.ptr = xstrdup("");
    R.ptr_cap = 1;
    struct fy_node *ver = get(root, "asyncapi");
    char *v = text_of(ver);
    if (!v || strncmp(v, "3.", 2) != 0) {
        aa_error(&R, ver, "AsyncAPI '%s': topicgen reads AsyncAPI 3.x documents (convert a 2.x "
                          "one with the AsyncAPI CLI's 'asyncapi convert')", v ? v : "");
        free(v);
        free(R.ptr);
        return;
    }
    free(v);
    read_info(&R, root);
    size_t errors = C->diags->errors;
    struct fy_node *imports = get(root, "x-topicgen-imports");
    R.schemas = get(get(root, "components"), "schemas");
    R.messages = get(get(root, "components"), "messages");
    if (imports)
        read_imports(&R, imports);
    else
        implied_imports(&R);
    if (C->diags->errors != errors || *import_failed) {
        free(R.ptr);
        return;
    }
    size_t n = 0;
    named *types = collect_types(&R, &n);
    for (size_t i = 0; i < n; i++)
        if (types[i].as != AS_NONE)
            declare(&R, &types[i]);
    check_import_clashes(&R.ck);
    for (decl_as as = AS_ENUM; as <= AS_UNION; as++) /* enums, messages, unions: as YAML reads */
        for (size_t i = 0; i < n; i++)
            if (types[i].as == as)
                define(&R, &types[i]);
    free(types);
    read_channels(&R, get(root, "channels"));
    check_schema(&R.ck);
    free(R.ptr);
}
