/*
 * compat.h - schema evolution: is a new version of a schema compatible
 * with an old one (`topicgen compat`, docs/evolution.md)?
 *
 * Compatibility is judged the way the generated decoders read: a *writer*
 * schema's encoder produces JSON, a *reader* schema's decoder accepts it or
 * not.  BACKWARD means the new schema reads what the old one wrote (new
 * consumers, old records); FORWARD means the old schema reads what the new
 * one writes (old consumers, new producers); FULL is both.
 *
 * Every rule has an id, the directions it breaks and the fix (the table in
 * compat.c, one row per rule; docs/evolution.md has the same rows).  Each
 * break is one diagnostic, `new.yaml:L:C: error: [RULE-ID] ...`, followed by
 * a note at the old definition.  Messages and unions are matched by name,
 * fields by wire name, enum values by wire string, union variants by tag;
 * nested messages are compared where a field uses them, and a break inside
 * an imported type is reported at the field of the new schema that uses it.
 */
#ifndef TOPICGEN_COMPAT_H
#define TOPICGEN_COMPAT_H

#include "diag.h"
#include "schema.h"

#include <stdbool.h>
#include <stddef.h>

/* Which readers must keep working (a mode of `--mode`). */
typedef struct compat_mode {
    bool backward;      /* the new schema reads what older ones wrote */
    bool forward;       /* older schemas read what the new one writes */
    bool transitive;    /* against every older version given, not only the last */
    bool explain;       /* add a note with a message the writer sends and the
                           reader rejects (--explain) */
} compat_mode;

/* One break, for programs (the proof harness): what compat_compare
 * reported, with a message that shows it. */
typedef struct compat_break {
    const char *rule;           /* the rule id, e.g. "FIELD_NOW_REQUIRED" (static) */
    bool writer_is_old;         /* the example is written by the old version and
                                   read by the new one (a backward break) */
    char *type;                 /* the top-level message or union of the example */
    char *example;              /* JSON the writer's decoder accepts and the
                                   reader's rejects; NULL for breaks that are not
                                   about decoding (topic, key, a removed type) */
} compat_break;

typedef struct compat_breaks {
    compat_break *items;        /* owned; compat_breaks_free */
    size_t count;
} compat_breaks;

void compat_breaks_free(compat_breaks *b);

/* Parse "backward", "forward", "full", "backward_transitive",
 * "forward_transitive", "full_transitive" or "none" (case-insensitive).
 * False for anything else. */
bool compat_mode_parse(const char *text, compat_mode *out);

/* Compare the root schema `new_s` with `old_s` (both loaded and checked)
 * in the directions of `mode`, adding one error (and its note) per break
 * to `out`, and each break to `breaks` when it is not NULL.  Returns the
 * number of breaks.  Reads both schemas only.  When a rule breaks both
 * directions and the mode checks both, the example is the backward one. */
size_t compat_compare(const schema *old_s, const schema *new_s, compat_mode mode,
                      diag_list *out, compat_breaks *breaks);

/* A random message of the top-level message or union `type` of s, as s's
 * decoder accepts it: optional members there or not, nulls, every value
 * drawn from the bounds of its constraints and between them.  `rng` is the
 * state of a xorshift64 generator (not 0).  NULL when s has no such type.
 * Caller frees. */
char *compat_random_message(const schema *s, const char *type, uint64_t *rng);

/* The `topicgen compat` command: argv[0] is "compat".  Exit status: 0
 * compatible, 4 not, 1 a schema has errors or the files are not versions
 * of one schema, 2 usage or I/O error (a git ref that does not exist).
 * Writes nothing but its report (stdout: the verdict; stderr: breaks). */
int compat_main(int argc, char **argv);

#endif /* TOPICGEN_COMPAT_H */
