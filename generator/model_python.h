/*
 * model_python.h - the model keys of `--emit python` (model_python.c).
 */
#ifndef TOPICGEN_MODEL_PYTHON_H
#define TOPICGEN_MODEL_PYTHON_H

#include "mustache.h"
#include "schema.h"

/* The module every generated module imports (templates/python/support.py
 * .mustache, written once per run beside them): the name cannot be a
 * schema's module, which never starts with '_' (schema names must not,
 * and py_name_of would turn one into 'f_'). */
#define PY_SUPPORT_MODULE "_topicgen_support"

/* Add the py_* keys (model_vars.c) of schema s to its model. */
void model_python_extend(mu_node *model, const schema *s);

#endif /* TOPICGEN_MODEL_PYTHON_H */
