/*
 * model_int.h - helpers shared by the model builders (model.c and the
 * emitters' model_*.c), private to the generator.
 *
 * A builder sets a key of a map only through these: the key's output
 * context comes from the one table of variables (model_vars.c), schema
 * text is escaped for it, and anything else aborts (model_util.c).
 */
#ifndef TOPICGEN_MODEL_INT_H
#define TOPICGEN_MODEL_INT_H

#include "escape.h"
#include "mustache.h"

#include <stdbool.h>

/* The context of `key` (model_vars.c); a key missing there aborts. */
text_context key_context(const char *key);

/* m[key] = value, text that needs no escaping: names (checked to be
 * [A-Za-z0-9_.] for TX_C_NAME), code the model wrote (TX_*_CODE), fixed
 * text, and "" for any key.  NULL is "".  Schema text goes through
 * set_text. */
void set_str(mu_node *m, const char *key, const char *value);

/* m[key] = raw schema text, escaped for the context of `key`. */
void set_text(mu_node *m, const char *key, const char *raw);

/* set_str with printf formatting (never cut). */
void set_fmt(mu_node *m, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* set_str, then free(value). */
void set_own(mu_node *m, const char *key, char *value);

/* m[key] = a flag (keys of TX_FIXED or TX_STRUCT only). */
void set_bool(mu_node *m, const char *key, bool value);

/* Append item to list with item["last"] = last, for separators. */
void push_with_last(mu_node *list, mu_node *item, bool last);

#endif /* TOPICGEN_MODEL_INT_H */
