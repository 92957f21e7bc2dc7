/*
 * compat_int.h - what the compatibility rules (compat.c) share with the
 * example builder (compat_example.c); private to those two files.
 *
 * A *domain* is what a field of one version holds: the values its decoder
 * accepts.  A *witness* says where a break shows in a message (a path of
 * wire names, item steps and union tags from the top-level type) and what
 * the writer puts there (a value, absence, null, presence, a count); the
 * builder turns it into a whole JSON message of the writer's type.
 */
#ifndef TOPICGEN_COMPAT_INT_H
#define TOPICGEN_COMPAT_INT_H

#include "compat.h"

#include <stdbool.h>
#include <stdint.h>

/* An integer of any of the four kinds, exactly. */
typedef struct wide {
    bool neg;
    uint64_t mag;
} wide;

/* The values a field (or an array's item) of one version holds. */
typedef struct domain {
    type_kind kind;
    wide lo, hi;             /* integer kinds */
    double dlo, dhi;         /* float64 (infinite: no bound) */
    uint64_t len_lo, len_hi; /* text, in code points (UINT64_MAX: no bound) */
    bool any_text;           /* an enum with a fallback: reads every string */
} domain;

/* The domain of type t under the constraints of f (NULL: none). */
domain domain_of(const type_ref *t, const field_def *f);

bool is_int_kind(type_kind k);
int wide_cmp(wide a, wide b);

/* "-5", "18446744073709551615" into buf (at least 24 bytes). */
void wide_format(wide a, char *buf, size_t cap);

/* One step from a type to a part of it. */
typedef enum step_kind {
    STEP_FIELD,     /* a message's member: `name` is its wire name */
    STEP_ITEM,      /* the first item of an array, or value of a map */
    STEP_VARIANT    /* a union's variant: `name` is its tag */
} step_kind;

typedef struct step {
    step_kind kind;
    const char *name;
} step;

/* What the writer puts at the end of the path. */
typedef enum poke_kind {
    POKE_NONE,      /* the usual value (a message: its least members) */
    POKE_VALUE,     /* `text`, a JSON value */
    POKE_ABSENT,    /* the member is left out */
    POKE_NULL,      /* the member is null */
    POKE_PRESENT,   /* the member is there (even when optional) */
    POKE_COUNT      /* an array or map of `count` items */
} poke_kind;

#define WITNESS_MAX_STEPS 32
#define WITNESS_TEXT_MAX 160

typedef struct witness {
    step steps[WITNESS_MAX_STEPS];
    size_t n_steps;
    poke_kind poke;
    char text[WITNESS_TEXT_MAX];
    uint64_t count;
} witness;

/* A JSON message of the top-level type (m or u) as its own decoder accepts
 * it: the witness applied along its path (w NULL: none), every other
 * member at its least value (rng NULL) or a random one at and between the
 * bounds of its constraints (rng: state of a xorshift generator).  NULL
 * when the path does not lead anywhere in this type.  Caller frees. */
char *compat_build(const message_def *m, const union_def *u, const witness *w, uint64_t *rng);

#endif /* TOPICGEN_COMPAT_INT_H */
