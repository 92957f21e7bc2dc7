/*
 * js_tree.c - the ordered JSON tree of js_tree.h.  Strings are stored
 * already escaped (escape_json_string), numbers as their JSON text.
 */
#include "js_tree.h"
#include "escape.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { JS_OBJECT, JS_ARRAY, JS_SCALAR } js_kind;

struct js_node {
    js_kind kind;
    char *text;     /* JS_SCALAR: the JSON text (a string with its quotes) */
    char **keys;    /* JS_OBJECT: escaped keys, without quotes */
    js_node **items;
    size_t n;
};

static js_node *node(js_kind k, char *text)
{
    js_node *v = xcalloc(1, sizeof *v);
    v->kind = k;
    v->text = text;
    return v;
}

js_node *js_object(void) { return node(JS_OBJECT, NULL); }
js_node *js_array(void) { return node(JS_ARRAY, NULL); }
js_node *js_number_text(const char *text) { return node(JS_SCALAR, xstrdup(text)); }
js_node *js_int(int64_t v) { return node(JS_SCALAR, xasprintf("%" PRId64, v)); }
js_node *js_uint(uint64_t v) { return node(JS_SCALAR, xasprintf("%" PRIu64, v)); }
js_node *js_bool(bool v) { return node(JS_SCALAR, xstrdup(v ? "true" : "false")); }
js_node *js_null(void) { return node(JS_SCALAR, xstrdup("null")); }

js_node *js_string(const char *raw)
{
    char *e = escape_json_string(raw ? raw : "");
    js_node *v = node(JS_SCALAR, xasprintf("\"%s\"", e));
    free(e);
    return v;
}

static void grow(js_node *v)
{
    v->items = xrealloc(v->items, (v->n + 1) * sizeof *v->items);
    if (v->kind == JS_OBJECT)
        v->keys = xrealloc(v->keys, (v->n + 1) * sizeof *v->keys);
}

void js_set(js_node *obj, const char *key, js_node *v)
{
    char *e = escape_json_string(key);
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], e) == 0) {
            js_free(obj->items[i]);
            obj->items[i] = v;
            free(e);
            return;
        }
    grow(obj);
    obj->keys[obj->n] = e;
    obj->items[obj->n++] = v;
}

void js_push(js_node *arr, js_node *v)
{
    grow(arr);
    arr->items[arr->n++] = v;
}

js_node *js_get(const js_node *obj, const char *key)
{
    char *e = escape_json_string(key);
    js_node *found = NULL;
    for (size_t i = 0; obj->kind == JS_OBJECT && i < obj->n && !found; i++)
        if (strcmp(obj->keys[i], e) == 0)
            found = obj->items[i];
    free(e);
    return found;
}

size_t js_count(const js_node *v) { return v->n; }

static void newline(strbuf *b, int level)
{
    strbuf_puts(b, "\n");
    for (int i = 0; i < level; i++)
        strbuf_puts(b, "  ");
}

/* An array of scalars goes on one line when short: enum lists, required. */
static bool one_line(const js_node *v)
{
    size_t width = 0;
    for (size_t i = 0; i < v->n; i++) {
        if (v->items[i]->kind != JS_SCALAR)
            return false;
        width += strlen(v->items[i]->text) + 2;
    }
    return width <= 72;
}

static void print(strbuf *b, const js_node *v, int level)
{
    if (v->kind == JS_SCALAR) {
        strbuf_puts(b, v->text);
        return;
    }
    const char *open = v->kind == JS_OBJECT ? "{" : "[", *close = v->kind == JS_OBJECT ? "}" : "]";
    strbuf_puts(b, open);
    bool flat = v->n == 0 || (v->kind == JS_ARRAY && one_line(v));
    for (size_t i = 0; i < v->n; i++) {
        if (i)
            strbuf_puts(b, flat ? ", " : ",");
        if (!flat)
            newline(b, level + 1);
        if (v->kind == JS_OBJECT) {
            strbuf_puts(b, "\"");
            strbuf_puts(b, v->keys[i]);
            strbuf_puts(b, "\": ");
        }
        print(b, v->items[i], level + 1);
    }
    if (!flat)
        newline(b, level);
    strbuf_puts(b, close);
}

char *js_print(const js_node *v, int indent)
{
    strbuf b = {0};
    print(&b, v, indent / 2);
    return strbuf_take(&b);
}

void js_free(js_node *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++) {
        js_free(v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->text);
    free(v);
}
