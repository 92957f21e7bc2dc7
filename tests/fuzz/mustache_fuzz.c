/*
 * mustache_fuzz.c: fuzz target for the generator's mustache engine.  The
 * input is a template; a NUL byte in it ends the template, and the bytes
 * after it are the text of every partial the template includes (except
 * {{>self}}, which is the template itself, to reach the partial depth
 * limit).  It renders against a small fixed data tree, once HTML-escaped and
 * once with MU_NO_ESCAPE.  The result must be 0 with output or -1 with an
 * error that has a message and a position, and out->len must be unchanged
 * after an error (mustache.h).  Leaks count (LeakSanitizer).
 */
#include "mustache.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static mu_node *data_tree(void)
{
    mu_node *root = mu_map(), *list = mu_list(), *deep = mu_map(), *inner = mu_map();
    mu_map_set(root, "name", mu_string("Joe & <b>\"Jo\"</b>"));
    mu_map_set(root, "t", mu_bool(true));
    mu_map_set(root, "f", mu_bool(false));
    mu_map_set(root, "n", mu_null());
    mu_map_set(root, "num", mu_number(1.5));
    mu_map_set(root, "zero", mu_number(0));
    mu_map_set(root, "empty", mu_string(""));
    mu_map_set(root, "nul", mu_string_n("a\0b", 3));
    for (int i = 0; i < 3; i++) {
        mu_node *item = mu_map();
        char name[2] = {(char)('a' + i), '\0'};
        mu_map_set(item, "name", mu_string(name));
        mu_map_set(item, "last", mu_bool(i == 2));
        mu_list_push(list, item);
    }
    mu_list_push(list, mu_string("plain"));
    mu_map_set(root, "list", list);
    mu_map_set(root, "empty_list", mu_list());
    mu_map_set(inner, "c", mu_string("deep"));
    mu_map_set(deep, "b", inner);
    mu_map_set(root, "a", deep);
    return root;
}

typedef struct parts {
    const char *self, *other;
    size_t self_len, other_len;
    int has_other;
} parts;

static const char *find_partial(void *ctx, const char *name, size_t len, size_t *out_len)
{
    const parts *p = ctx;
    if (len == 4 && memcmp(name, "self", 4) == 0) {
        *out_len = p->self_len;
        return p->self;
    }
    if (!p->has_other)
        return NULL;
    *out_len = p->other_len;
    return p->other;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mu_node *tree;
    if (!tree)
        tree = data_tree();
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    parts p = {text, NULL, nul ? (size_t)(nul - text) : size, 0, nul != NULL};
    if (nul) {
        p.other = nul + 1;
        p.other_len = size - p.self_len - 1;
    }
    mu_template_src src = {"fuzz", p.self, p.self_len};
    mu_partials partials = {find_partial, &p};
    for (unsigned flags = 0; flags <= MU_NO_ESCAPE; flags++) {
        mu_buffer out = {0};
        mu_error err;
        memset(&err, 0, sizeof err);
        mu_buffer_free(&out);
        if (mu_render_flags(&src, tree, &partials, flags, &out, &err) == 0) {
            if (out.len > 0 && (!out.data || out.data[out.len] != '\0'))
                abort(); /* data must stay NUL-terminated */
        } else {
            if (out.len != 0 || err.message[0] == '\0' || err.line == 0 || err.column == 0)
                abort();
            char msg[512];
            mu_error_format(&err, msg, sizeof msg);
        }
        mu_buffer_free(&out);
    }
    return 0;
}
