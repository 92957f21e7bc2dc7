/*
 * schema_set.c - the schemas of one run and the files they import
 * (schema_set_load, schema.h).
 *
 * This file owns files and their identity: where an `imports:` entry is
 * looked for (the importing file's folder, then each search folder in
 * order), what may be imported (a regular file that can be read; a folder,
 * a symlink loop or an unreadable file is an error at the import), that a
 * file is loaded once however many schemas import it (its real path is its
 * identity), that imports do not form a cycle (the chain of files is
 * reported) nor nest deeper than SCHEMA_IMPORT_MAX_DEPTH, and that no two
 * schemas of a set share a `schema:` name (their C prefix).  Reading and
 * checking one file is schema_read.c's; it calls import_schema() for each
 * entry of `imports:` before it declares the file's own types.
 *
 * Invariant: set->items holds every schema loaded so far, each after the
 * schemas it imports; the loading stack holds the files being read, the
 * importing one below the imported one.
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include "schema_int.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* One file being read: its identity and where its importer names it. */
typedef struct loading {
    char *real_path;
    const char *path;           /* as shown in messages */
    diag_pos imported_at;       /* in the file below it on the stack */
} loading;

struct import_ctx {
    schema_set *set;
    char **failed;              /* real paths of files that had errors (reported once) */
    size_t n_failed;
    const char *const *dirs;
    size_t n_dirs;
    diag_list *diags;
    loading stack[SCHEMA_IMPORT_MAX_DEPTH + 1];
    size_t depth;
};

/* ---- finding a file ------------------------------------------------------- */

/* The folder part of path with its slash ("a/b.yaml" -> "a/"), or "". */
static char *folder_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? xstrndup(path, (size_t)(slash - path) + 1) : xstrdup("");
}

/* The first place `written` names an existing entry, as a path for
 * messages; NULL when there is none (errno of the first place kept). */
static char *find_import(const import_ctx *ic, const char *importer, const char *written)
{
    if (written[0] == '/')
        return xstrdup(written);
    struct stat st;
    char *dir = folder_of(importer);
    char *first = xasprintf("%s%s", dir, written);
    free(dir);
    if (stat(first, &st) == 0 || errno != ENOENT)
        return first;
    for (size_t i = 0; i < ic->n_dirs; i++) {
        size_t n = strlen(ic->dirs[i]);
        char *p = xasprintf("%s%s%s", ic->dirs[i], n && ic->dirs[i][n - 1] == '/' ? "" : "/",
                            written);
        if (stat(p, &st) == 0 || errno != ENOENT) {
            free(first);
            return p;
        }
        free(p);
    }
    free(first);
    errno = ENOENT;
    return NULL;
}

/* "a.yaml, b/, c/" : where an import was looked for. */
static char *searched_list(const import_ctx *ic, const char *importer)
{
    char *dir = folder_of(importer);
    char *list = xstrdup(*dir ? dir : "./");
    free(dir);
    for (size_t i = 0; i < ic->n_dirs; i++) {
        char *more = xasprintf("%s, %s", list, ic->dirs[i]);
        free(list);
        list = more;
    }
    return list;
}

/* ---- errors at the import --------------------------------------------------- */

#define IMPORT_ERR(ic, at, ...) \
    diag_error((ic)->diags, (ic)->depth ? (ic)->stack[(ic)->depth - 1].path : "", at, __VA_ARGS__)

/* The chain "a.yaml -> b.yaml -> a.yaml" from stack[from] to the top and
 * back to `again`. */
static char *cycle_chain(const import_ctx *ic, size_t from, const char *again)
{
    char *chain = xstrdup(ic->stack[from].path);
    for (size_t i = from + 1; i < ic->depth; i++) {
        char *more = xasprintf("%s -> %s", chain, ic->stack[i].path);
        free(chain);
        chain = more;
    }
    char *full = xasprintf("%s -> %s", chain, again);
    free(chain);
    return full;
}

static bool report_cycle(import_ctx *ic, diag_pos at, const char *path, const char *real)
{
    for (size_t i = 0; i < ic->depth; i++)
        if (strcmp(ic->stack[i].real_path, real) == 0) {
            char *chain = cycle_chain(ic, i, path);
            IMPORT_ERR(ic, at, "import cycle: %s", chain);
            free(chain);
            if (i + 1 < ic->depth) /* where the cycle starts */
                diag_note(ic->diags, ic->stack[i].path, ic->stack[i + 1].imported_at,
                          "%s imports %s here", ic->stack[i].path, ic->stack[i + 1].path);
            return true;
        }
    return false;
}

/* Two schemas of one set must not share a name: it is their C prefix. */
static void check_unique_name(import_ctx *ic, const schema *s)
{
    for (size_t i = 0; s->name && i < ic->set->count; i++) {
        const schema *o = ic->set->items[i];
        if (o->name && strcmp(o->name, s->name) == 0) {
            diag_error(ic->diags, s->path, s->name_pos,
                       "schema name '%s' is already used by %s; each schema of a build needs "
                       "its own name (its C prefix)", s->name, o->path);
            diag_note(ic->diags, o->path, o->name_pos, "'%s' named here", o->name);
            return;
        }
    }
}

/* ---- loading ---------------------------------------------------------------- */

static schema *set_find(const schema_set *set, const char *real)
{
    for (size_t i = 0; i < set->count; i++)
        if (strcmp(set->items[i]->real_path, real) == 0)
            return set->items[i];
    return NULL;
}

/* Load the file at `path` (found already) into the set, or find it there.
 * `at` is where the file on top of the stack imports it (line 0 for a file
 * named by the caller).  NULL when it or a file it imports fails. */
static schema *load_file(import_ctx *ic, const char *path, diag_pos at)
{
    char *real = realpath(path, NULL);
    struct stat st;
    const char *why = NULL;
    if (!real)
        why = strerror(errno);
    else if (stat(real, &st) != 0)
        why = strerror(errno);
    else if (S_ISDIR(st.st_mode))
        why = "it is a folder, not a schema file";
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    if (why) {
        ic->depth ? IMPORT_ERR(ic, at, "cannot import %s: %s", path, why)
                  : diag_error(ic->diags, path, at, "cannot open schema: %s", why);
        free(real);
        return NULL;
    }
    schema *s = NULL;
    if (report_cycle(ic, at, path, real)) {
        free(real);
        return NULL;
    }
    bool failed_before = false;
    for (size_t i = 0; i < ic->n_failed && !failed_before; i++)
        failed_before = strcmp(ic->failed[i], real) == 0;
    if (failed_before || (s = set_find(ic->set, real)) != NULL) {
        free(real);
        return s;
    }
    if (ic->depth > 0 &&
        (ic->depth >= SCHEMA_IMPORT_MAX_DEPTH || ic->set->count >= SCHEMA_SET_MAX_FILES)) {
        IMPORT_ERR(ic, at, "cannot import %s: imports nest deeper than %d files or a build holds "
                           "more than %d", path, SCHEMA_IMPORT_MAX_DEPTH, SCHEMA_SET_MAX_FILES);
        free(real);
        return NULL;
    }
    size_t len = 0;
    char *text = read_file(real, &len);
    if (!text) {
        ic->depth ? IMPORT_ERR(ic, at, "cannot import %s: %s", path, strerror(errno))
                  : diag_error(ic->diags, path, at, "cannot open schema: %s", strerror(errno));
        free(real);
        return NULL;
    }
    ic->stack[ic->depth++] = (loading){real, path, at};
    s = schema_read_text(ic, path, text, len, ic->diags);
    ic->depth--;
    free(text);
    if (s) {
        s->real_path = real;
        check_unique_name(ic, s);
        *(schema **)xappend(&ic->set->items, &ic->set->count, sizeof s) = s;
    } else {
        *(char **)xappend(&ic->failed, &ic->n_failed, sizeof real) = real;
    }
    return s;
}

schema *import_schema(import_ctx *ic, diag_pos at, const char *written)
{
    const char *importer = ic->stack[ic->depth - 1].path;
    char *path = find_import(ic, importer, written);
    if (!path) {
        char *where = searched_list(ic, importer);
        IMPORT_ERR(ic, at, "cannot find import '%s' (looked in %s)", written, where);
        free(where);
        return NULL;
    }
    schema *s = load_file(ic, path, at);
    free(path);
    return s;
}

schema_set *schema_set_load(const char *const *paths, size_t n, const char *const *dirs,
                            size_t n_dirs, diag_list *diags)
{
    schema_set *set = xcalloc(1, sizeof *set);
    import_ctx ic = {.set = set, .dirs = dirs, .n_dirs = n_dirs, .diags = diags};
    size_t errors_before = diags->errors;
    for (size_t i = 0; i < n; i++) {
        schema *s = load_file(&ic, paths[i], (diag_pos){0, 0});
        if (s)
            *(schema **)xappend(&set->roots, &set->n_roots, sizeof s) = s;
    }
    for (size_t i = 0; i < ic.n_failed; i++)
        free(ic.failed[i]);
    free(ic.failed);
    if (diags->errors != errors_before) {
        schema_set_free(set);
        return NULL;
    }
    return set;
}

void schema_set_free(schema_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->count; i++)
        schema_free(set->items[i]);
    free(set->items);
    free(set->roots);
    free(set);
}
