/*
 * model_jsonschema.c - `--emit jsonschema`: one JSON Schema (draft 2020-12)
 * document per message and union of a schema, and the type schemas the
 * AsyncAPI emitter reuses (model_jsonschema.h).
 *
 * Every rule here mirrors what the generated decoder does (templates/
 * read_value.mustache, runtime/json): presence (required unless optional or
 * defaulted; null only when nullable), unknown members (refused only with
 * unknown_fields: reject), lengths in code points, integer ranges of the C
 * type, float64 within +-DBL_MAX, the exact text grammars of timestamps,
 * UUIDs, decimals and base64 as patterns, and unions as oneOf on a const
 * discriminator.  docs/languages.md says how each construct is written, so
 * the AsyncAPI reader (helper "in") can read it back; the differential test
 * (tests/jsonschema) proves the agreement.
 */
#include "model_jsonschema.h"
#include "model_int.h"
#include "util.h"

#include <float.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every pattern ends with "$(?!\n)": ECMA-262's $ is the end of the text,
 * but Python's re (which the jsonschema package uses) also matches $ before
 * a final newline; the look-ahead makes both mean the end. */
#define END "$(?!\\n)"
static const char TIMESTAMP_PATTERN[] =
    "^(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    "|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)"
    "[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\\.[0-9]{1,9})?"
    "(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])" END;
static const char UUID_PATTERN[] =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}" END;
static const char DECIMAL_PATTERN[] = "^-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?" END;
/* RFC 4648 with '=' padding, and zero bits before the padding (canonical):
 * the decoder refuses "QR==" (tg_text_base64). */
static const char BASE64_PATTERN[] =
    "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?" END;
static const char DBL_MAX_TEXT[] = "1.7976931348623157e308";

char *js_type_key(const char *schema_name, const char *type_name)
{
    return xasprintf("%s.%s", schema_name, type_name);
}

static char *def_key(js_def_kind kind, const void *type)
{
    switch (kind) {
    case JS_DEF_ENUM: {
        const enum_def *e = type;
        return js_type_key(e->owner->name, e->name);
    }
    case JS_DEF_MESSAGE: {
        const message_def *m = type;
        return js_type_key(m->owner->name, m->name);
    }
    case JS_DEF_UNION: {
        const union_def *u = type;
        return js_type_key(u->owner->name, u->name);
    }
    }
    abort();
}

size_t js_defs_add(js_defs *d, js_def_kind kind, const void *type)
{
    for (size_t i = 0; i < d->count; i++)
        if (d->items[i].type == type)
            return i;
    js_def *def = xappend(&d->items, &d->count, sizeof *d->items);
    def->kind = kind;
    def->type = type;
    def->key = def_key(kind, type);
    return d->count - 1;
}

void js_defs_free(js_defs *d)
{
    for (size_t i = 0; i < d->count; i++)
        free(d->items[i].key);
    free(d->items);
    d->items = NULL;
    d->count = 0;
}

js_node *js_ref(js_defs *d, js_def_kind kind, const void *type)
{
    size_t i = js_defs_add(d, kind, type);
    char *ref = xasprintf("%s%s", d->prefix, d->items[i].key);
    js_node *o = js_object();
    js_set(o, "$ref", js_string(ref));
    free(ref);
    return o;
}

/* ---- scalars -------------------------------------------------------------- */

static void set_pattern(js_node *o, const char *type, const char *format, const char *pattern)
{
    js_set(o, "type", js_string(type));
    if (format)
        js_set(o, "format", js_string(format));
    js_set(o, "pattern", js_string(pattern));
}

static void set_lengths(js_node *o, const field_def *f)
{
    if (f && f->has_min_length)
        js_set(o, "minLength", js_uint(f->min_length));
    if (f && f->has_max_length)
        js_set(o, "maxLength", js_uint(f->max_length));
}

/* minimum/maximum: the schema's bound, else the C type's own limit (the
 * decoder refuses what does not fit, so the limit is a real bound). */
/* A bound the schema wrote that equals the C type's own limit reads back
 * (AsyncAPI as input) as no bound unless marked: x-topicgen-min-set /
 * x-topicgen-max-set, written only then. */
static void mark_limit_bounds(js_node *o, bool min_at_limit, bool max_at_limit)
{
    if (min_at_limit)
        js_set(o, "x-topicgen-min-set", js_bool(true));
    if (max_at_limit)
        js_set(o, "x-topicgen-max-set", js_bool(true));
}

static void set_int_range(js_node *o, const char *format, const field_def *f, int64_t lo, int64_t hi)
{
    js_set(o, "type", js_string("integer"));
    js_set(o, "format", js_string(format));
    js_set(o, "minimum", js_int(f && f->min.set ? f->min.i : lo));
    js_set(o, "maximum", js_int(f && f->max.set ? f->max.i : hi));
    mark_limit_bounds(o, f && f->min.set && f->min.i == lo, f && f->max.set && f->max.i == hi);
}

static void set_uint_range(js_node *o, const char *format, const field_def *f, uint64_t hi)
{
    js_set(o, "type", js_string("integer"));
    js_set(o, "format", js_string(format));
    js_set(o, "minimum", js_uint(f && f->min.set ? f->min.u : 0));
    js_set(o, "maximum", js_uint(f && f->max.set ? f->max.u : hi));
    mark_limit_bounds(o, f && f->min.set && f->min.u == 0, f && f->max.set && f->max.u == hi);
}

static js_node *bound_number(const bound *b, const char *limit, bool negative)
{
    if (!b->set) {
        char *t = xasprintf("%s%s", negative ? "-" : "", limit);
        js_node *n = js_number_text(t);
        free(t);
        return n;
    }
    if (b->text)
        return js_number_text(b->text);
    char *t = xasprintf("%.17g", b->d);
    js_node *n = js_number_text(t);
    free(t);
    return n;
}

static js_node *scalar_schema(const type_ref *t, const field_def *f)
{
    js_node *o = js_object();
    switch (t->kind) {
    case T_BOOL:
        js_set(o, "type", js_string("boolean"));
        break;
    case T_INT32:
        set_int_range(o, "int32", f, INT32_MIN, INT32_MAX);
        break;
    case T_INT64:
        set_int_range(o, "int64", f, INT64_MIN, INT64_MAX);
        break;
    case T_UINT32:
        set_uint_range(o, "uint32", f, UINT32_MAX);
        break;
    case T_UINT64:
        set_uint_range(o, "uint64", f, UINT64_MAX);
        break;
    case T_FLOAT64:
        js_set(o, "type", js_string("number"));
        js_set(o, "format", js_string("double"));
        js_set(o, "minimum", bound_number(f ? &f->min : &(bound){0}, DBL_MAX_TEXT, true));
        js_set(o, "maximum", bound_number(f ? &f->max : &(bound){0}, DBL_MAX_TEXT, false));
        mark_limit_bounds(o, f && f->min.set && f->min.d == -DBL_MAX,
                          f && f->max.set && f->max.d == DBL_MAX);
        break;
    case T_STRING:
        js_set(o, "type", js_string("string"));
        set_lengths(o, f);
        break;
    case T_TIMESTAMP:
        set_pattern(o, "string", "date-time", TIMESTAMP_PATTERN);
        break;
    case T_UUID:
        set_pattern(o, "string", "uuid", UUID_PATTERN);
        break;
    case T_DECIMAL: {
        js_node *types = js_array();
        js_push(types, js_string("string"));
        js_push(types, js_string("number"));
        js_set(o, "type", types);
        js_set(o, "format", js_string("decimal"));
        js_set(o, "pattern", js_string(DECIMAL_PATTERN));
        set_lengths(o, f);
        break;
    }
    case T_BYTES:
        js_set(o, "type", js_string("string"));
        js_set(o, "contentEncoding", js_string("base64"));
        js_set(o, "pattern", js_string(BASE64_PATTERN));
        break;
    case T_JSON: /* any JSON value: {} */
        break;
    case T_ENUM:
    case T_MESSAGE:
    case T_UNION:
    case T_ARRAY:
    case T_MAP:
        abort(); /* value_schema's */
    }
    return o;
}

/* The schema of a value of type t; f (NULL for items and map values)
 * brings the field's constraints. */
static js_node *value_schema(js_defs *d, const type_ref *t, const field_def *f)
{
    if (t->kind == T_ENUM)
        return js_ref(d, JS_DEF_ENUM, t->enum_def);
    if (t->kind == T_MESSAGE)
        return js_ref(d, JS_DEF_MESSAGE, t->message);
    if (t->kind == T_UNION)
        return js_ref(d, JS_DEF_UNION, t->union_def);
    if (t->kind == T_ARRAY) {
        js_node *o = js_object();
        js_set(o, "type", js_string("array"));
        js_set(o, "items", value_schema(d, t->elem, NULL));
        if (f && f->has_min_items)
            js_set(o, "minItems", js_uint(f->min_items));
        if (f && f->has_max_items)
            js_set(o, "maxItems", js_uint(f->max_items));
        return o;
    }
    if (t->kind == T_MAP) {
        js_node *o = js_object();
        js_set(o, "type", js_string("object"));
        js_set(o, "additionalProperties", value_schema(d, t->elem, NULL));
        if (f && f->has_min_items)
            js_set(o, "minProperties", js_uint(f->min_items));
        if (f && f->has_max_items)
            js_set(o, "maxProperties", js_uint(f->max_items));
        return o;
    }
    return scalar_schema(t, f);
}

/* A default as the JSON value the decoder stores. */
static js_node *default_value(const field_def *f)
{
    type_kind k = f->type.kind;
    if (k == T_BOOL || k == T_INT32 || k == T_INT64 || k == T_UINT32 || k == T_UINT64
        || k == T_FLOAT64)
        return js_number_text(f->default_text);
    return js_string(f->default_text); /* string, decimal (written as a string), enum wire */
}

/* A member of "properties": the value's schema, wrapped in anyOf with null
 * when nullable, with the field's description, default and C name. */
static js_node *field_schema(js_defs *d, const field_def *f)
{
    js_node *v = value_schema(d, &f->type, f);
    if (f->nullable) {
        js_node *any = js_array(), *null = js_object();
        js_set(null, "type", js_string("null"));
        js_push(any, v);
        js_push(any, null);
        v = js_object();
        js_set(v, "anyOf", any);
    }
    if (f->description)
        js_set(v, "description", js_string(f->description));
    if (f->default_text)
        js_set(v, "default", default_value(f));
    if (strcmp(f->name, f->wire_name) != 0)
        js_set(v, "x-topicgen-name", js_string(f->name));
    return v;
}

static bool field_required(const field_def *f)
{
    return !f->optional && !f->default_text;
}

/* type/properties/required/additionalProperties of a message, after
 * `first` (a union's discriminator) when given. */
static void fill_object(js_defs *d, js_node *o, const message_def *m, const char *disc,
                        const char *tag)
{
    js_node *props = js_object(), *required = js_array();
    js_set(o, "type", js_string("object"));
    if (disc) {
        js_node *c = js_object();
        js_set(c, "const", js_string(tag));
        js_set(props, disc, c);
        js_push(required, js_string(disc));
    }
    for (size_t i = 0; i < m->n_fields; i++) {
        const field_def *f = &m->fields[i];
        js_set(props, f->wire_name, field_schema(d, f));
        if (field_required(f))
            js_push(required, js_string(f->wire_name));
    }
    js_set(o, "properties", props);
    if (js_count(required))
        js_set(o, "required", required);
    else
        js_free(required);
    if (m->reject_unknown)
        js_set(o, "additionalProperties", js_bool(false));
}

static void set_title(js_node *o, const char *schema_name, const char *name, const char *doc)
{
    char *key = js_type_key(schema_name, name);
    js_set(o, "title", js_string(key));
    free(key);
    if (doc)
        js_set(o, "description", js_string(doc));
}

static js_node *enum_body(const enum_def *e)
{
    js_node *o = js_object(), *wires = js_array(), *names = js_array();
    set_title(o, e->owner->name, e->name, e->description);
    for (size_t i = 0; i < e->n_values; i++) {
        js_push(wires, js_string(e->values[i].wire));
        js_push(names, js_string(e->values[i].name));
    }
    js_set(o, "type", js_string("string"));
    /* With a fallback every string decodes: the values are examples. */
    js_set(o, e->has_fallback ? "examples" : "enum", wires);
    js_set(o, "x-topicgen-names", names);
    if (e->has_fallback)
        js_set(o, "x-topicgen-fallback", js_string(e->values[e->fallback].wire));
    return o;
}

static js_node *message_body(js_defs *d, const message_def *m)
{
    js_node *o = js_object();
    set_title(o, m->owner->name, m->name, m->description);
    fill_object(d, o, m, NULL, NULL);
    return o;
}

/* oneOf the variants, each the variant's message inline with the
 * discriminator as a required const member: the decoder finds the tag
 * anywhere in the object, and tags are distinct, so at most one matches. */
static js_node *union_body(js_defs *d, const union_def *u)
{
    js_node *o = js_object(), *variants = js_array();
    set_title(o, u->owner->name, u->name, u->description);
    for (size_t i = 0; i < u->n_variants; i++) {
        const union_variant *v = &u->variants[i];
        js_node *vo = js_object();
        set_title(vo, v->message->owner->name, v->message->name, v->message->description);
        if (strcmp(v->name, v->tag) != 0)
            js_set(vo, "x-topicgen-variant", js_string(v->name));
        fill_object(d, vo, v->message, u->discriminator, v->tag);
        js_push(variants, vo);
    }
    js_set(o, "oneOf", variants);
    return o;
}

js_node *js_defs_body(js_defs *d, size_t i)
{
    js_def def = d->items[i]; /* a copy: building may grow d->items */
    switch (def.kind) {
    case JS_DEF_ENUM:
        return enum_body(def.type);
    case JS_DEF_MESSAGE:
        return message_body(d, def.type);
    case JS_DEF_UNION:
        return union_body(d, def.type);
    }
    abort();
}

js_node *js_key_schema(const field_def *f)
{
    js_node *o = js_object();
    js_set(o, "type", js_string("string"));
    type_kind k = f->type.kind;
    if (k == T_UUID)
        js_set(o, "format", js_string("uuid"));
    else if (k == T_TIMESTAMP)
        js_set(o, "format", js_string("date-time"));
    else if (k == T_INT32 || k == T_INT64 || k == T_UINT32 || k == T_UINT64)
        js_set(o, "pattern", js_string("^-?[0-9]+$"));
    js_set(o, "x-topicgen-key", js_string(f->name));
    return o;
}

/* ---- the documents -------------------------------------------------------- */

static int type_version(const kafka_binding *k, const schema *s)
{
    return k->version ? k->version : s->version;
}

/* One document: the type itself and everything it reaches, as $defs. */
static mu_node *document(const schema *s, js_def_kind kind, const void *type, const char *name,
                         int version)
{
    js_defs d = {"#/$defs/", NULL, 0};
    js_defs_add(&d, kind, type);
    mu_node *doc = mu_map(), *defs = mu_list();
    js_node **bodies = NULL;
    size_t n = 0;
    for (size_t i = 0; i < d.count; i++) { /* d grows while bodies are built */
        js_node **slot = xappend(&bodies, &n, sizeof *bodies);
        *slot = js_defs_body(&d, i);
    }
    for (size_t i = 0; i < d.count; i++) {
        mu_node *item = mu_map();
        set_str(item, "js_def", d.items[i].key);
        set_own(item, "js_def_body", js_print(bodies[i], 4));
        push_with_last(defs, item, i + 1 == d.count);
        js_free(bodies[i]);
    }
    free(bodies);
    set_own(doc, "file", xasprintf("%s.%s.schema.json", s->name, name));
    set_str(doc, "js_schema", s->name);
    set_str(doc, "js_type", name);
    set_fmt(doc, "js_version", "%d", version);
    mu_map_set(doc, "js_defs", defs);
    js_defs_free(&d);
    return doc;
}

void jsonschema_extend_model(mu_node *model, const schema *s)
{
    mu_node *docs = mu_list();
    for (size_t i = 0; i < s->n_messages; i++) {
        const message_def *m = s->messages[i];
        mu_list_push(docs, document(s, JS_DEF_MESSAGE, m, m->name, type_version(&m->kafka, s)));
    }
    for (size_t i = 0; i < s->n_unions; i++) {
        const union_def *u = s->unions[i];
        mu_list_push(docs, document(s, JS_DEF_UNION, u, u->name, type_version(&u->kafka, s)));
    }
    mu_map_set(model, "js_documents", docs);
}
