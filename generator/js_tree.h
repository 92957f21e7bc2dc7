/*
 * js_tree.h - a small ordered JSON tree for the JSON-writing emitters
 * (model_jsonschema.c, model_asyncapi.c): build a document, then print it
 * pretty (two spaces a level) as JSON code for a TX_JSON_CODE key.
 *
 * Invariants: members keep the order they were added in (a schema's field
 * order is the document's); every string and key given as schema text is
 * escaped with escape_json_string when it is added, so printed text is
 * always valid JSON.  A node belongs to the one parent it was added to;
 * js_free of the root frees the whole tree.
 */
#ifndef TOPICGEN_JS_TREE_H
#define TOPICGEN_JS_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct js_node js_node;

js_node *js_object(void);
js_node *js_array(void);
js_node *js_string(const char *raw);        /* schema text; escaped here */
js_node *js_number_text(const char *text);  /* a JSON number as written */
js_node *js_int(int64_t v);
js_node *js_uint(uint64_t v);
js_node *js_bool(bool v);
js_node *js_null(void);

/* obj[key] = v (key: schema text, escaped here); v owned by obj.  Setting
 * a key twice replaces the value in place. */
void js_set(js_node *obj, const char *key, js_node *v);
/* arr.push(v); v owned by arr. */
void js_push(js_node *arr, js_node *v);
/* The value at key, or NULL. */
js_node *js_get(const js_node *obj, const char *key);
size_t js_count(const js_node *v); /* members or items */

/* The tree as pretty JSON; nested lines start with `indent` spaces more
 * than the first (for a value placed inside a template).  Caller frees. */
char *js_print(const js_node *v, int indent);

void js_free(js_node *v);

#endif /* TOPICGEN_JS_TREE_H */
