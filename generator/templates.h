/*
 * templates.h - where the generator's templates come from.
 *
 * The templates in templates/ are compiled into the binary (embedded by
 * CMake), so an installed topicgen needs no data files.  A user directory
 * given with --templates overrides them file by file: a file there with the
 * same name as a built-in template (or partial) is used instead.
 */
#ifndef TOPICGEN_TEMPLATES_H
#define TOPICGEN_TEMPLATES_H

#include <stddef.h>

typedef struct template_set {
    const char *override_dir; /* may be NULL */
    char **loaded_names;      /* override files read so far (owned) */
    char **loaded_texts;
    size_t *loaded_lens;
    size_t n_loaded;
} template_set;

/* Text of template `name` (e.g. "header.h.mustache"), or NULL when there is
 * no such template.  The text stays valid until template_set_free.  An
 * override file that exists but cannot be read is reported on stderr and
 * treated as missing. */
const char *template_find(template_set *t, const char *name, size_t name_len, size_t *len);

void template_set_free(template_set *t);

#endif /* TOPICGEN_TEMPLATES_H */
