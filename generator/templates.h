/*
 * templates.h - where the generator's templates come from.
 *
 * The templates in templates/ are compiled into the binary (embedded by
 * CMake), so an installed topicgen needs no data files.  A user directory
 * given with --templates overrides them file by file: a file there with the
 * same name as a built-in template (or partial) is used instead.  A
 * *.mustache file there that matches no built-in name is an error
 * (template_check_overrides), never silently ignored.
 */
#ifndef TOPICGEN_TEMPLATES_H
#define TOPICGEN_TEMPLATES_H

#include "diag.h"

#include <stddef.h>

typedef struct template_set {
    const char *override_dir; /* may be NULL */
    char **loaded_names;      /* override files read so far (owned) */
    char **loaded_texts;
    size_t *loaded_lens;
    size_t n_loaded;
    char **partial_names;     /* template_partial_names() (owned) */
} template_set;

/* Text of template `name` (e.g. "header.h.mustache"), or NULL when there is
 * no such template.  The text stays valid until template_set_free.  An
 * override file that exists but cannot be read is reported on stderr and
 * treated as missing. */
const char *template_find(template_set *t, const char *name, size_t name_len, size_t *len);

/* The override file template or partial `name` ("header.h.mustache",
 * "read_value") was read from ("tpl/read_value.mustache", allocated), or
 * NULL when it is a built-in one or has not been looked up. */
char *template_override_path(const template_set *t, const char *name);

/* The name of every built-in template as a partial would include it
 * ("read_value", "header.h"), NULL-terminated: what strict rendering
 * suggests for an unknown partial.  Valid until template_set_free. */
const char *const *template_partial_names(template_set *t);

/* Every *.mustache file of the override directory whose name is not a
 * built-in template's is an error in d, with the nearest built-in names.
 * Returns the number of such files; an unreadable directory is reported
 * as an error too. */
size_t template_check_overrides(const template_set *t, diag_list *d);

/* Check every template the run may use (an override where there is one,
 * else the built-in one) with template_check_c: a model variable in an
 * output context that has no rule for it is an error in d, at the
 * template's file:line:col.  Returns the number of errors. */
size_t template_check_contexts(template_set *t, diag_list *d);

void template_set_free(template_set *t);

#endif /* TOPICGEN_TEMPLATES_H */
