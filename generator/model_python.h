/*
 * model_python.h - the model keys of `--emit python` (model_python.c).
 */
#ifndef TOPICGEN_MODEL_PYTHON_H
#define TOPICGEN_MODEL_PYTHON_H

#include "mustache.h"
#include "schema.h"

/* Add the py_* keys (model_vars.c) of schema s to its model. */
void model_python_extend(mu_node *model, const schema *s);

#endif /* TOPICGEN_MODEL_PYTHON_H */
