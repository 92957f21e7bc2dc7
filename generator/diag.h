/*
 * diag.h - schema diagnostics in the form compilers use.
 *
 * Every problem the generator finds in a schema is reported as
 *     file:line:col: error: message
 * optionally followed by a note line pointing at a second place
 * ("previously defined here").  Diagnostics are collected, not printed at
 * once, so that the generator can report every error of a file and then
 * decide the exit status.  Lines and columns are 1-based.
 */
#ifndef TOPICGEN_DIAG_H
#define TOPICGEN_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* A place in a source file (1-based; line 0 means "no position"). */
typedef struct diag_pos {
    int line;
    int col;
} diag_pos;

/* A collection of diagnostics for one or more files. */
typedef struct diag_list {
    char **lines;   /* formatted lines, owned */
    size_t count;
    size_t errors;  /* number of "error:" entries (notes not counted) */
} diag_list;

/* Record `file:line:col: error: <fmt>`. */
void diag_error(diag_list *d, const char *file, diag_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Record `file:line:col: warning: <fmt>` (not counted in errors). */
void diag_warning(diag_list *d, const char *file, diag_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Record `file:line:col: note: <fmt>` (attached to the previous error). */
void diag_note(diag_list *d, const char *file, diag_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Write every collected line to `out`, one per line. */
void diag_print(const diag_list *d, FILE *out);

/* Free all lines; the list can be reused afterwards. */
void diag_clear(diag_list *d);

#endif /* TOPICGEN_DIAG_H */
