/*
 * output.c - writing one run's files all or nothing (output.h).
 *
 * Order of a commit: (1) skip files whose content is unchanged; (2) refuse
 * if a target is a directory (a rename onto it would fail half way);
 * (3) write every changed file to "<path>.tmp.<pid>" and flush it; (4) only
 * then rename each into place.  Any failure in (2) or (3) removes the
 * temporary files and renames nothing.  A rename within one folder does
 * not fail for want of space, so (4) completes once (3) has.
 */
#include "output.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void output_set_add(output_set *set, char *path, mu_buffer text)
{
    output_file *f = xappend(&set->files, &set->count, sizeof *f);
    f->path = path;
    f->text = text;
}

bool output_same_content(const char *path, const mu_buffer *text)
{
    size_t len = 0;
    char *old = read_file(path, &len);
    bool same = old && len == text->len && memcmp(old, text->data, len) == 0;
    free(old);
    return same;
}

static bool fail(const char *path, const char *why)
{
    fprintf(stderr, "topicgen: cannot write %s: %s\n", path, why);
    return false;
}

/* Step (3) for one file: its temporary copy, written and closed. */
static bool write_temporary(output_file *f)
{
    f->tmp = xasprintf("%s.tmp.%ld", f->path, (long)getpid());
    FILE *out = fopen(f->tmp, "wb");
    bool ok = out && fwrite(f->text.data, 1, f->text.len, out) == f->text.len;
    ok = (out && fclose(out) == 0) && ok;
    return ok || fail(f->path, strerror(errno));
}

static void remove_temporaries(output_set *set)
{
    for (size_t i = 0; i < set->count; i++)
        if (set->files[i].tmp) {
            remove(set->files[i].tmp);
            free(set->files[i].tmp);
            set->files[i].tmp = NULL;
        }
}

bool output_set_commit(output_set *set, FILE *log)
{
    struct stat st;
    bool ok = true;
    for (size_t i = 0; ok && i < set->count; i++) {
        output_file *f = &set->files[i];
        if (output_same_content(f->path, &f->text)) {
            if (log)
                fprintf(log, "unchanged %s\n", f->path);
            continue;
        }
        if (stat(f->path, &st) == 0 && S_ISDIR(st.st_mode))
            ok = fail(f->path, "a directory is in the way");
        else
            ok = write_temporary(f);
    }
    for (size_t i = 0; ok && i < set->count; i++) {
        output_file *f = &set->files[i];
        if (!f->tmp)
            continue;
        if (rename(f->tmp, f->path) != 0) {
            ok = fail(f->path, strerror(errno));
            break;
        }
        free(f->tmp);
        f->tmp = NULL;
        if (log)
            fprintf(log, "wrote %s (%zu bytes)\n", f->path, f->text.len);
    }
    remove_temporaries(set);
    return ok;
}

void output_set_free(output_set *set)
{
    remove_temporaries(set);
    for (size_t i = 0; i < set->count; i++) {
        free(set->files[i].path);
        mu_buffer_free(&set->files[i].text);
    }
    free(set->files);
    set->files = NULL;
    set->count = 0;
}
