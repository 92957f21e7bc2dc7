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
} compat_mode;

/* Parse "backward", "forward", "full", "backward_transitive",
 * "forward_transitive", "full_transitive" or "none" (case-insensitive).
 * False for anything else. */
bool compat_mode_parse(const char *text, compat_mode *out);

/* Compare the root schema `new_s` with `old_s` (both loaded and checked)
 * in the directions of `mode`, adding one error (and its note) per break
 * to `out`.  Returns the number of breaks.  Reads both schemas only. */
size_t compat_compare(const schema *old_s, const schema *new_s, compat_mode mode,
                      diag_list *out);

/* The `topicgen compat` command: argv[0] is "compat".  Exit status: 0
 * compatible, 4 not, 1 a schema has errors or the files are not versions
 * of one schema, 2 usage or I/O error (a git ref that does not exist).
 * Writes nothing but its report (stdout: the verdict; stderr: breaks). */
int compat_main(int argc, char **argv);

#endif /* TOPICGEN_COMPAT_H */
