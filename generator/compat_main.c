/*
 * compat_main.c - the `topicgen compat` command (compat.h): its command
 * line, reading old versions from git, loading every version, and the
 * verdict.
 *
 *   topicgen compat [--mode MODE] [-I DIR] OLD.yaml [OLDER.yaml...] NEW.yaml
 *
 * Each version is loaded as a set of its own (schema_set_load, imports
 * followed), since all versions share one `schema:` name.  An old version
 * written `git:REF:PATH` is read with `git show` (no shell): the schema
 * files of REF are copied into a private temporary folder so that its
 * imports resolve as they did at REF, loaded from there, shown in messages
 * as `git:REF:PATH`, and the folder is removed.  Nothing else is written.
 *
 * Exit: 0 compatible, 4 a break, 1 a schema has errors or the files are
 * not versions of one schema, 2 usage or I/O error.
 */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw */

#include "compat.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

enum { EXIT_OK = 0, EXIT_SCHEMA = 1, EXIT_USAGE = 2, EXIT_BREAKS = 4 };

/* Most schema files of a git ref copied for one old version. */
#define GIT_MAX_FILES 1000

static const char compat_usage[] =
    "usage: topicgen compat [--mode MODE] [--explain] [-I DIR] OLD.yaml [OLDER.yaml...] NEW.yaml\n"
    "\n"
    "Check that NEW.yaml is a compatible new version of OLD.yaml (see\n"
    "docs/evolution.md).  OLD may be git:REF:PATH (PATH from the repository's\n"
    "top folder, read with 'git show').\n"
    "\n"
    "  --mode MODE  backward (default: new consumers read old records), forward\n"
    "               (old consumers read new records), full (both),\n"
    "               backward_transitive, forward_transitive, full_transitive\n"
    "               (against every older version given, not only OLD), none\n"
    "  --explain    after each break, a message the writer sends and the reader\n"
    "               rejects\n"
    "  -I DIR       look for imported schemas in DIR too\n"
    "\n"
    "exit status: 0 compatible, 4 incompatible, 1 schema errors, 2 usage or I/O error\n";

typedef struct compat_opts {
    compat_mode mode;
    const char *mode_text;
    const char **files;         /* the versions, as named: olds then the new one */
    size_t n_files;
    const char **dirs;
    size_t n_dirs;
} compat_opts;

static int compat_usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "topicgen compat: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\ntry 'topicgen compat --help'\n");
    return EXIT_USAGE;
}

/* Returns -1 to go on, else an exit status. */
static int parse_compat_args(int argc, char **argv, compat_opts *o)
{
    o->mode = (compat_mode){true, false, false, false};
    o->mode_text = "backward";
    o->files = xcalloc((size_t)argc, sizeof *o->files);
    o->dirs = xcalloc((size_t)argc, sizeof *o->dirs);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(compat_usage, stdout);
            return EXIT_OK;
        } else if (strcmp(a, "--mode") == 0 || strncmp(a, "--mode=", 7) == 0) {
            const char *m = a[6] == '=' ? a + 7 : i + 1 < argc ? argv[++i] : NULL;
            if (!m || !*m)
                return compat_usage_error("%s", "option '--mode' needs a mode");
            bool explain = o->mode.explain;
            if (!compat_mode_parse(m, &o->mode))
                return compat_usage_error("unknown mode '%s' (expected backward, forward, full, "
                                          "backward_transitive, forward_transitive, "
                                          "full_transitive or none)", m);
            o->mode.explain = explain;
            o->mode_text = m;
        } else if (strcmp(a, "--explain") == 0) {
            o->mode.explain = true;
        } else if (strcmp(a, "-I") == 0) {
            if (i + 1 >= argc || !*argv[i + 1])
                return compat_usage_error("option '%s' needs a directory", a);
            o->dirs[o->n_dirs++] = argv[++i];
        } else if (strncmp(a, "-I", 2) == 0) {
            o->dirs[o->n_dirs++] = a + 2;
        } else if (a[0] == '-' && a[1]) {
            return compat_usage_error("unknown option '%s'", a);
        } else {
            o->files[o->n_files++] = a;
        }
    }
    if (o->n_files < 2)
        return compat_usage_error("%s", "needs an old and a new schema (OLD.yaml NEW.yaml)");
    return -1;
}

/* ---- git ------------------------------------------------------------------------ */

/* Run git with args (no shell); its stdout in a new buffer (caller frees),
 * NULL when it could not run or exited non-zero (its stderr is dropped:
 * the caller says what failed). */
static char *run_git(char *const *args, size_t *len)
{
    int fd[2];
    if (pipe(fd) != 0)
        return NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
    posix_spawn_file_actions_addclose(&fa, fd[0]);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, "git", &fa, NULL, args, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fd[1]);
    if (rc != 0) {
        close(fd[0]);
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    ssize_t got;
    while ((got = read(fd[0], buf + n, cap - n - 1)) > 0 || (got < 0 && errno == EINTR)) {
        if (got < 0)
            continue;
        n += (size_t)got;
        if (cap - n < 2)
            buf = xrealloc(buf, cap *= 2);
    }
    close(fd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static bool is_schema_name(const char *path)
{
    size_t n = strlen(path);
    return (n > 5 && strcmp(path + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(path + n - 4, ".yml") == 0);
}

static bool write_whole(const char *path, const char *data, size_t len)
{
    for (char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        bool ok = mkdir(path, 0700) == 0 || errno == EEXIST;
        *s = '/';
        if (!ok)
            return false;
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return false;
    bool ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

/* Copy REF's schema files into tmp/; false (reported) when the ref or the
 * path does not exist at it. */
static bool git_export(const char *ref, const char *path, const char *tmp)
{
    char *spec = xasprintf("%s:%s", ref, path);
    size_t len = 0;
    char *commit = xasprintf("%s^{commit}", ref);
    char git[] = "git", rev_parse[] = "rev-parse", verify[] = "--verify", quiet[] = "--quiet";
    char cat_file[] = "cat-file", dash_e[] = "-e", ls_tree[] = "ls-tree", dash_r[] = "-r";
    char dash_z[] = "-z", full_tree[] = "--full-tree", name_only[] = "--name-only";
    char show[] = "show";
    char *rev_args[] = {git, rev_parse, verify, quiet, commit, NULL};
    char *out = run_git(rev_args, &len);
    free(commit);
    bool ok = out != NULL;
    free(out);
    if (!ok) {
        fprintf(stderr, "topicgen compat: git:%s:%s: '%s' is not a commit, branch or tag of "
                        "this git repository\n", ref, path, ref);
        free(spec);
        return false;
    }
    char *show_args[] = {git, cat_file, dash_e, spec, NULL};
    out = run_git(show_args, &len);
    ok = out != NULL;
    free(out);
    if (!ok) {
        fprintf(stderr, "topicgen compat: git:%s:%s: no file '%s' at %s (PATH is from the "
                        "repository's top folder)\n", ref, path, path, ref);
        free(spec);
        return false;
    }
    free(spec);
    char *ref_copy = xstrdup(ref);
    char *ls_args[] = {git, ls_tree, dash_r, dash_z, full_tree, name_only, ref_copy, NULL};
    char *list = run_git(ls_args, &len);
    size_t copied = 0;
    for (size_t at = 0; list && at < len && ok; at += strlen(list + at) + 1) {
        const char *name = list + at;
        if (!is_schema_name(name) || strstr(name, "../"))
            continue;
        if (++copied > GIT_MAX_FILES)
            break;
        char *file_spec = xasprintf("%s:%s", ref, name);
        char *args[] = {git, show, file_spec, NULL};
        size_t n = 0;
        char *text = run_git(args, &n);
        char *dest = xasprintf("%s/%s", tmp, name);
        ok = text && write_whole(dest, text, n);
        if (!ok)
            fprintf(stderr, "topicgen compat: cannot read %s from git\n", file_spec);
        free(text);
        free(dest);
        free(file_spec);
    }
    free(list);
    free(ref_copy);
    return ok;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* ---- versions --------------------------------------------------------------------- */

/* One version: its set, the root schema, and where it was copied from git. */
typedef struct version {
    const char *named;          /* as given */
    schema_set *set;
    char *tmp;                  /* private folder of a git version, or NULL */
} version;

/* "<tmp>/x" -> "git:REF:x" in s (a new string, caller frees); NULL when s
 * does not start with the folder. */
static char *shown_path(const char *s, const char *tmp, const char *ref)
{
    size_t n = strlen(tmp);
    if (strncmp(s, tmp, n) != 0 || s[n] != '/')
        return NULL;
    return xasprintf("git:%s:%s", ref, s + n + 1);
}

/* Messages and schema paths of a git version name git:REF:PATH, not the
 * private folder. */
static void show_git_paths(version *v, const char *ref, diag_list *d, size_t from)
{
    for (size_t i = from; i < d->count; i++) {
        char *p = shown_path(d->lines[i], v->tmp, ref);
        if (p) {
            free(d->lines[i]);
            d->lines[i] = p;
        }
    }
    for (size_t i = 0; v->set && i < v->set->count; i++) {
        char *p = shown_path(v->set->items[i]->path, v->tmp, ref);
        if (p) {
            free(v->set->items[i]->path);
            v->set->items[i]->path = p;
        }
    }
}

/* Load one version; false when it cannot be (reported), *status set. */
static bool load_version(const compat_opts *o, version *v, diag_list *d, int *status)
{
    const char *path = v->named;
    char *ref = NULL, *joined = NULL;
    if (strncmp(v->named, "git:", 4) == 0) {
        const char *colon = strchr(v->named + 4, ':');
        if (!colon || colon == v->named + 4 || !colon[1]) {
            fprintf(stderr, "topicgen compat: '%s' is not git:REF:PATH\n", v->named);
            *status = EXIT_USAGE;
            return false;
        }
        ref = xstrndup(v->named + 4, (size_t)(colon - v->named - 4));
        v->tmp = xstrdup("/tmp/topicgen-compat-XXXXXX");
        if (!mkdtemp(v->tmp) || !git_export(ref, colon + 1, v->tmp)) {
            free(ref);
            *status = EXIT_USAGE;
            return false;
        }
        path = joined = xasprintf("%s/%s", v->tmp, colon + 1);
    } else if (access(path, R_OK) != 0) {
        fprintf(stderr, "topicgen compat: cannot open %s: %s\n", path, strerror(errno));
        *status = EXIT_USAGE;
        return false;
    }
    size_t from = d->count;
    v->set = schema_set_load(&path, 1, o->dirs, o->n_dirs, d);
    if (ref)
        show_git_paths(v, ref, d, from);
    free(ref);
    free(joined);
    if (!v->set)
        *status = EXIT_SCHEMA;
    return v->set != NULL;
}

static void free_version(version *v)
{
    schema_set_free(v->set);
    if (v->tmp) {
        nftw(v->tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(v->tmp);
    }
}

/* All versions must carry one `schema:` name. */
static bool same_schema(const version *vs, size_t n, diag_list *d)
{
    const schema *s = vs[n - 1].set->roots[0];
    for (size_t i = 0; i + 1 < n; i++) {
        const schema *o = vs[i].set->roots[0];
        if (strcmp(o->name, s->name) != 0) {
            diag_error(d, s->path, s->name_pos,
                       "schema '%s' is not a version of schema '%s': compat compares versions "
                       "of one schema (the same 'schema:' name)", s->name, o->name);
            diag_note(d, o->path, o->name_pos, "'%s' named here", o->name);
            return false;
        }
    }
    return true;
}

int compat_main(int argc, char **argv)
{
    compat_opts o = {0};
    int status = parse_compat_args(argc, argv, &o);
    if (status >= 0) {
        free(o.files);
        free(o.dirs);
        return status;
    }
    version *vs = xcalloc(o.n_files, sizeof *vs);
    diag_list d = {0};
    bool loaded = true;
    for (size_t i = 0; i < o.n_files; i++) {
        vs[i].named = o.files[i];
        if (!load_version(&o, &vs[i], &d, &status))
            loaded = false;
    }
    size_t breaks = 0;
    if (loaded && same_schema(vs, o.n_files, &d)) {
        const schema *new_s = vs[o.n_files - 1].set->roots[0];
        size_t olds = o.mode.transitive ? o.n_files - 1 : 1;
        for (size_t i = 0; i < olds; i++)
            breaks += compat_compare(vs[i].set->roots[0], new_s, o.mode, &d, NULL);
        status = breaks ? EXIT_BREAKS : EXIT_OK;
    } else if (loaded) {
        status = EXIT_SCHEMA;
    }
    diag_print(&d, stderr);
    if (status == EXIT_BREAKS)
        fprintf(stderr, "%s: %zu break%s (mode %s)\n", o.files[o.n_files - 1], breaks,
                breaks == 1 ? "" : "s", o.mode_text);
    else if (status == EXIT_OK)
        printf("%s: compatible with %s (mode %s)\n", o.files[o.n_files - 1], o.files[0],
               o.mode_text);
    diag_clear(&d);
    for (size_t i = 0; i < o.n_files; i++)
        free_version(&vs[i]);
    free(vs);
    free(o.files);
    free(o.dirs);
    return status;
}
