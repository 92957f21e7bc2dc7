/*
 * output.h - the files one topicgen run writes, all or nothing.
 *
 * Rendered files are collected in memory; output_set_commit writes them
 * only when everything rendered.  It writes each changed file to a temporary
 * name in its own folder, and renames them into place only when every
 * temporary file was written: a failure at any step leaves the previous
 * files untouched (so a downstream repository never holds generated files
 * of two schema versions side by side), and a file whose content did not
 * change is not touched at all (build systems do not rebuild it).
 */
#ifndef TOPICGEN_OUTPUT_H
#define TOPICGEN_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "mustache.h"

typedef struct output_file {
    char *path;      /* owned */
    mu_buffer text;  /* owned */
    char *tmp;       /* owned; the temporary name while committing */
} output_file;

/* Zero-initialise before use. */
typedef struct output_set {
    output_file *files;
    size_t count;
} output_set;

/* Add a file: the set takes ownership of path (malloc'd) and text. */
void output_set_add(output_set *set, char *path, mu_buffer text);

/* Write every file of the set whose content differs from what is on disk,
 * all or nothing (see above).  Errors are printed ("topicgen: cannot write
 * PATH: reason").  With a log (NULL: none), says what happened to each
 * file: "wrote PATH (N bytes)" or "unchanged PATH".  Returns true when
 * every file is in place. */
bool output_set_commit(output_set *set, FILE *log);

/* Free the set's files (nothing is written). */
void output_set_free(output_set *set);

/* True when the file at path exists and holds exactly text. */
bool output_same_content(const char *path, const mu_buffer *text);

#endif /* TOPICGEN_OUTPUT_H */
