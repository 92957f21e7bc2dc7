/*
 * diag.c - collect schema diagnostics as formatted lines.
 *
 * See diag.h.  Allocation failure aborts: the generator is a build tool and
 * has nothing sensible to do without memory.
 */
#include "diag.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static void diag_add(diag_list *d, const char *file, diag_pos pos, const char *kind,
                     const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    char *line = pos.line > 0 ? xasprintf("%s:%d:%d: %s: %s", file, pos.line, pos.col, kind, msg)
                              : xasprintf("%s: %s: %s", file, kind, msg);
    *(char **)xappend(&d->lines, &d->count, sizeof line) = line;
}

void diag_error(diag_list *d, const char *file, diag_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_add(d, file, pos, "error", fmt, ap);
    va_end(ap);
    d->errors++;
}

void diag_warning(diag_list *d, const char *file, diag_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_add(d, file, pos, "warning", fmt, ap);
    va_end(ap);
}

void diag_note(diag_list *d, const char *file, diag_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_add(d, file, pos, "note", fmt, ap);
    va_end(ap);
}

void diag_print(const diag_list *d, FILE *out)
{
    for (size_t i = 0; i < d->count; i++)
        fprintf(out, "%s\n", d->lines[i]);
}

void diag_clear(diag_list *d)
{
    for (size_t i = 0; i < d->count; i++)
        free(d->lines[i]);
    free(d->lines);
    memset(d, 0, sizeof *d);
}
