/*
 * emitters.h - what `topicgen --emit NAME` writes: one emitter per output
 * language, each a folder of templates rendered from the same model by the
 * same engine.
 *
 * An emitter names its templates (paths under templates/, the same paths
 * under a --templates override folder), the files each renders, and what
 * it adds to the model (model.h builds what every emitter shares; an
 * emitter's extend_model adds its own keys, only when it is asked for, so
 * a C-only run pays nothing for the others).  Every key it adds is in the
 * one table of variables (model_vars.c) with its output context, and its
 * templates are checked against those contexts by the lexer of their
 * language (template_check.h) before anything renders.
 *
 * An output is one file per schema (file_pattern, "%s" the schema's
 * name), one file per item of a list of the model (each: the template
 * renders with that item as `document` on top of the model, into the file
 * named by the item's `file` key), or one file per run (once: file_pattern
 * is a fixed name, rendered over model_run's model, which holds nothing of
 * any schema: code every schema's output shares, such as Python's support
 * module).  --check and -v treat the three alike.
 */
#ifndef TOPICGEN_EMITTERS_H
#define TOPICGEN_EMITTERS_H

#include "diag.h"
#include "mustache.h"
#include "schema.h"

#include <stdbool.h>
#include <stddef.h>

/* Check one template text of the emitter's language; errors go to d as
 * "name:line:col: error: ...".  Returns the number of errors. */
typedef size_t (*template_checker)(const char *name, const char *text, size_t len,
                                   diag_list *d);

typedef struct emitter_output {
    const char *template_name; /* "python/module.py.mustache" */
    const char *file_pattern;  /* "%s.h"; a fixed name when `once`; NULL when `each` is set */
    const char *each;          /* NULL, or the model list rendered per item */
    bool user_owned;           /* written once, then the user's (C skeletons) */
    bool translator;           /* part of the translator layer (--no-translators) */
    bool fuzz;                 /* only with --fuzz */
    bool once;                 /* file_pattern is a fixed name, written once per run */
} emitter_output;

typedef struct emitter {
    const char *name;    /* "c", "python", ... as given to --emit */
    const char *folder;  /* its templates: templates/<folder>/ ("" for C) */
    const char *summary; /* one line for --help */
    template_checker check;
    void (*extend_model)(mu_node *model, const schema *s); /* NULL: none */
    const emitter_output *outputs;
    size_t n_outputs;
} emitter;

extern const emitter emitters[];
extern const size_t emitter_count;

/* The emitter called `name`, or NULL. */
const emitter *emitter_find(const char *name);

/* The emitter whose templates are in templates/<folder>/, or NULL. */
const emitter *emitter_find_folder(const char *folder);

/* The emitter whose folder holds template `name` ("python/x.mustache" ->
 * python, "header.h.mustache" -> c). */
const emitter *emitter_of_template(const char *name);

#endif /* TOPICGEN_EMITTERS_H */
