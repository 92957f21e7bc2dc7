/*
 * schema_read_asyncapi_int.h - the AsyncAPI 3 reader (schema_read_asyncapi.c)
 * as schema_read.c calls it; private to those two files.
 *
 * schema_read.c owns the text and libfyaml (UTF-8 and tab checks, syntax
 * errors, duplicate keys); once a document is parsed and its root is an
 * AsyncAPI document, the AsyncAPI reader fills the same `schema` the YAML
 * reader would and calls the same checks (schema_int.h), so both inputs get
 * the same rules and the same error style.
 */
#ifndef TOPICGEN_SCHEMA_READ_ASYNCAPI_INT_H
#define TOPICGEN_SCHEMA_READ_ASYNCAPI_INT_H

#include "schema_int.h"

#include <stdbool.h>

struct fy_node;

/* True when root is a mapping with an `asyncapi` key (any version: the
 * reader refuses versions other than 3.x with an error). */
bool asyncapi_is_document(struct fy_node *root);

/* Read an AsyncAPI document into C->s (already allocated, version 1) and
 * check it: errors go to C->diags.  ic is where `x-topicgen-imports` load
 * (NULL: imports are refused); *import_failed is set when one failed. */
void asyncapi_read_document(checker *C, import_ctx *ic, struct fy_node *root,
                            bool *import_failed);

/* Where an error about node n points (1-based; {0,0} for NULL): the start of
 * a scalar (its opening quote), or of a collection's first key or item
 * (schema_read.c). */
diag_pos schema_node_pos(struct fy_node *n);

#endif /* TOPICGEN_SCHEMA_READ_ASYNCAPI_INT_H */
