/*
 * model_vectors.h - the model keys of `--emit vectors` (model_vectors.c):
 * conformance vectors computed from the schema alone.
 */
#ifndef TOPICGEN_MODEL_VECTORS_H
#define TOPICGEN_MODEL_VECTORS_H

#include "mustache.h"
#include "schema.h"

/* Add vec_files to model: one item per message and union of s (schema
 * order), each with its `file` (<schema>.<Type>.vectors.json), type_name,
 * vec_valid_count, vec_invalid_count and vec_cases (vec_name,
 * vec_document, vec_valid, then vec_canonical or vec_path and vec_code). */
void model_vectors_extend(mu_node *model, const schema *s);

#endif /* TOPICGEN_MODEL_VECTORS_H */
