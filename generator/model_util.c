/*
 * model_util.c - the only ways a model builder (model.c, model_*.c) puts a
 * value into the data tree: every key is looked up in the one table of
 * variables (model_vars.c) and its value checked or escaped for the key's
 * output context (escape.h).  A key missing from the table, or text that
 * does not fit its context, is a generator bug: it aborts.
 */
#include "model_int.h"
#include "escape.h"
#include "model_vars.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The context of `key` (model_vars.c); a key missing there is a bug. */
text_context key_context(const char *key)
{
    const model_var *v = model_var_find(key, strlen(key));
    if (!v) {
        fprintf(stderr, "topicgen: internal error: model key '%s' is not in model_vars.c\n", key);
        abort();
    }
    return v->context;
}

/* Text that needs no escaping: names (checked: [A-Za-z0-9_.] only), code
 * the model wrote, fixed text, and "" for any key.  Schema text goes
 * through set_text. */
void set_str(mu_node *m, const char *key, const char *value)
{
    text_context c = key_context(key);
    value = value ? value : "";
    if (*value && ((c != TX_C_NAME && c != TX_C_CODE && c != TX_PY_CODE &&
                    c != TX_JSON_CODE && c != TX_FIXED) ||
                   (c == TX_C_NAME && !is_c_name_text(value)))) { /* "" fits anywhere */
        fprintf(stderr, "topicgen: internal error: model key '%s' (%s) set to unescaped '%s'\n",
                key, text_context_name(c), value);
        abort();
    }
    mu_map_set(m, key, mu_string(value));
}

/* Schema text, escaped for the context `key` is declared for (escape.h). */
void set_text(mu_node *m, const char *key, const char *raw)
{
    char *escaped = escape_for(key_context(key), raw ? raw : "");
    if (!escaped) {
        fprintf(stderr, "topicgen: internal error: model key '%s' has no escaping context\n", key);
        abort();
    }
    mu_map_set(m, key, mu_string(escaped));
    free(escaped);
}

void set_fmt(mu_node *m, const char *key, const char *fmt, ...)
{
    /* Never cut: a long name cut to a fixed buffer could equal another. */
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *buf = xmalloc((size_t)(n < 0 ? 0 : n) + 1);
    vsnprintf(buf, (size_t)(n < 0 ? 0 : n) + 1, fmt, again);
    va_end(again);
    set_str(m, key, buf);
    free(buf);
}

void set_own(mu_node *m, const char *key, char *value)
{
    set_str(m, key, value);
    free(value);
}

void set_bool(mu_node *m, const char *key, bool value)
{
    text_context c = key_context(key);
    if (c != TX_FIXED && c != TX_STRUCT) {
        fprintf(stderr, "topicgen: internal error: model key '%s' (%s) set to a flag\n", key,
                text_context_name(c));
        abort();
    }
    mu_map_set(m, key, mu_bool(value));
}

/* Mark the last element of a list, for separators in templates. */
void push_with_last(mu_node *list, mu_node *item, bool last)
{
    set_bool(item, "last", last);
    mu_list_push(list, item);
}

