/*
 * model.h - the data the templates render: a checked schema turned into a
 * tree of plain values (names, C types, literals, flags).
 *
 * Every decision about the generated code is taken here, in C, so that the
 * templates stay data: they only substitute values and iterate lists.  The
 * tree's shape is documented in docs/templates.md.
 */
#ifndef TOPICGEN_MODEL_H
#define TOPICGEN_MODEL_H

#include "mustache.h"
#include "schema.h"

/* Names of the files generated for one schema (all owned by the struct). */
typedef struct output_names {
    char *header;            /* orders.h */
    char *source;            /* orders.c */
    char *translator_header; /* orders_translator.h */
    char *translator_source; /* orders_translator.c (user-owned once written) */
    char *domain_header;     /* orders_domain.h (user-owned once written) */
    char *kafka_header;      /* orders_kafka.h (typed producer/consumer) */
    char *kafka_source;      /* orders_kafka.c */
    char *fuzz_source;       /* orders_fuzz.c (libFuzzer harness, --fuzz only) */
} output_names;

void output_names_init(output_names *o, const schema *s);
void output_names_free(output_names *o);

/* Build the template data for `s`.  `version` is topicgen's version string.
 * The caller owns the result (mu_free). */
mu_node *model_build(const schema *s, const output_names *out, const char *version);

/* The template data of a once-per-run output (emitters.h): what depends on
 * no schema, which is only `version`.  The caller owns the result. */
mu_node *model_run(const char *version);

#endif /* TOPICGEN_MODEL_H */
