/*
 * model_vars.h - the one table of template variables: every key the model
 * (model.c) puts into the data tree, and the output context its text is
 * made for (escape.h).
 *
 * The model sets a key only through helpers that look it up here: schema
 * text enters through the escaping function of the key's context
 * (model_set_text), names are checked to be [A-Za-z0-9_.] (TX_C_NAME), and
 * a key missing from the table aborts the generator (a programming error
 * the tests catch).  template_check.c reads the same table to refuse a
 * template that puts a variable where its context has no rule: C comment
 * text outside a comment, a C string literal's inside outside a string
 * literal, C code inside either, or a name the table does not know.
 */
#ifndef TOPICGEN_MODEL_VARS_H
#define TOPICGEN_MODEL_VARS_H

#include "escape.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct model_var {
    const char *name;
    text_context context;
} model_var;

/* The table, sorted by name (strcmp), and its length. */
extern const model_var model_vars[];
extern const size_t model_var_count;

/* The entry of `name` (the last segment of a dotted name counts), or NULL. */
const model_var *model_var_find(const char *name, size_t len);

#endif /* TOPICGEN_MODEL_VARS_H */
