/*
 * proof_case.h - one schema change of cases.txt as the proof harness sees
 * it (compat_proof.c); cases_table.c (written by split_cases.sh) lists
 * them with the descriptors of both generated versions of `M`.
 */
#ifndef TOPICGEN_PROOF_CASE_H
#define TOPICGEN_PROOF_CASE_H

#include "tg_message.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct proof_case {
    const char *name;
    bool backward_breaks;           /* expected: the new schema cannot read the old */
    bool forward_breaks;            /* expected: the old schema cannot read the new */
    const char *old_yaml, *new_yaml;
    const tg_message_desc *old_m, *new_m;   /* the generated code of each M */
} proof_case;

extern const proof_case proof_cases[];
extern const size_t proof_n_cases;

#endif /* TOPICGEN_PROOF_CASE_H */
