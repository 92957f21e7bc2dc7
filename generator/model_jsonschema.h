/*
 * model_jsonschema.h - JSON Schema (draft 2020-12) of the types of a
 * schema, for `--emit jsonschema` (one document per message and union)
 * and for the AsyncAPI emitter's components (model_asyncapi.c).
 *
 * The schema of a type says exactly what the generated C decoder accepts,
 * as far as JSON Schema can say it (docs/emitters.md, "JSON Schema", lists
 * what it cannot: duplicate keys, the decoder's limits, integers spelled
 * with a fraction, ...).  Enums, messages and unions are definitions named
 * "<schema>.<Type>" and referenced as "<prefix><schema>.<Type>"; a
 * definition set collects every one a document reaches.
 */
#ifndef TOPICGEN_MODEL_JSONSCHEMA_H
#define TOPICGEN_MODEL_JSONSCHEMA_H

#include "js_tree.h"
#include "mustache.h"
#include "schema.h"

typedef enum js_def_kind { JS_DEF_ENUM, JS_DEF_MESSAGE, JS_DEF_UNION } js_def_kind;

typedef struct js_def {
    js_def_kind kind;
    const void *type; /* enum_def, message_def or union_def */
    char *key;        /* "<schema>.<Type>" */
} js_def;

/* The definitions a document references, in the order first referenced. */
typedef struct js_defs {
    const char *prefix; /* "#/$defs/" or "#/components/schemas/" */
    js_def *items;
    size_t count;
} js_defs;

/* Add a type (if new) and return its index. */
size_t js_defs_add(js_defs *d, js_def_kind kind, const void *type);
/* The schema of definition i (references in it add definitions). */
js_node *js_defs_body(js_defs *d, size_t i);
void js_defs_free(js_defs *d);

/* {"$ref": prefix + key} for a type, adding it. */
js_node *js_ref(js_defs *d, js_def_kind kind, const void *type);

/* The JSON Schema of a field of the wire format as a Kafka key's text (the
 * key field's value as the producer writes the key bytes). */
js_node *js_key_schema(const field_def *f);

/* "<schema>.<Type>" of a message or union (caller frees). */
char *js_type_key(const char *schema_name, const char *type_name);

/* extend_model of the jsonschema emitter: js_documents. */
void jsonschema_extend_model(mu_node *model, const schema *s);

#endif /* TOPICGEN_MODEL_JSONSCHEMA_H */
