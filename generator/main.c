/*
 * main.c - the topicgen command line.
 *
 *   topicgen [options] SCHEMA.yaml...
 *
 * Load and check the schemas named and every schema they import, each
 * once (schema_set.c, schema_read.c, schema_check.c); for each schema of
 * that set build the template model (model.c) and render every output
 * template, then once the outputs of the run (emitters.h: Python's
 * support module); then write the files of all schemas, only if every schema
 * loaded and rendered (output.c: all or nothing), or with --check compare
 * them with what is on disk.  --depfile writes which schema files the
 * outputs depend on, for build systems.  Exit status: 0 success,
 * 1 errors in a schema or template, 2 usage or I/O error, 3 --check found
 * stale or missing files.  `topicgen compat ...` is the schema evolution
 * check (compat_main.c; exit 4 when a version breaks another).
 */
#include "compat.h"
#include "diag.h"
#include "emitters.h"
#include "model.h"
#include "mustache.h"
#include "output.h"
#include "schema.h"
#include "templates.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef TOPICGEN_VERSION
#define TOPICGEN_VERSION "0.0.0"
#endif

enum { EXIT_SCHEMA = 1, EXIT_USAGE = 2, EXIT_STALE = 3 };

typedef struct options {
    const char *out_dir;
    const char *skeletons_dir; /* user-owned files go here; NULL: out_dir */
    const char *templates_dir;
    bool check;
    bool force;
    bool translators;
    bool fuzz;
    const char *depfile;       /* NULL: none */
    const char *stamp;         /* --stamp: rewritten after each run that wrote */
    const char **schemas;
    size_t n_schemas;
    const char **import_dirs;
    size_t n_import_dirs;
    const emitter **emit;      /* --emit, in the order given; default: c */
    const char **emit_dirs;    /* each one's folder; NULL: out_dir */
    size_t n_emit;
    bool verbose;              /* -v: say what was written */
} options;

static const char usage_text[] =
    "usage: topicgen [options] SCHEMA.yaml...\n"
    "       topicgen compat [--mode MODE] OLD.yaml [OLDER.yaml...] NEW.yaml\n"
    "\n"
    "Generate C message types, zero-allocation JSON codecs and translator\n"
    "stubs from topicgen schemas.  A SCHEMA may also be an AsyncAPI 3 document\n"
    "(JSON or YAML; docs/schema.md, AsyncAPI as input).\n"
    "\n"
    "options:\n"
    "  -o, --output DIR     write generated files into DIR (default: .)\n"
    "      --emit NAME[=DIR] what to generate (repeatable; default: c), into DIR\n"
    "                       (default: the output DIR); NAME is one of:\n"
    "%s"
    "  -I DIR               look for imported schemas in DIR too (after the\n"
    "                       importing file's folder; in the order given)\n"
    "      --depfile FILE   write a Makefile-style depfile: DIR/<first schema>.h\n"
    "                       (or the --stamp file) depends on every schema file\n"
    "                       read (imports too)\n"
    "      --stamp FILE     rewrite FILE after every run that succeeds (for build\n"
    "                       systems, when the files written are not known ahead)\n"
    "      --skeletons DIR  write the user-owned translator skeleton and domain\n"
    "                       header into DIR instead (when missing; default: the\n"
    "                       output DIR)\n"
    "      --templates DIR  use templates in DIR instead of the built-in ones\n"
    "                       of the same name\n"
    "      --check          generate in memory and compare with DIR; list each\n"
    "                       stale or missing file and exit 3 if there is one\n"
    "      --force          also overwrite the translator skeleton and domain\n"
    "                       header (normally written only when missing)\n"
    "      --no-translators do not write the translator header and skeletons\n"
    "      --fuzz           also write <schema>_fuzz.c, a libFuzzer harness for\n"
    "                       every decoder (see docs/security.md)\n"
    "  -v, --verbose        say which files were written or left unchanged\n"
    "  -h, --help           show this help\n"
    "      --version        show the version\n"
    "\n"
    "exit status: 0 ok, 1 schema or template errors, 2 usage or I/O error,\n"
    "3 --check found stale files\n";

static void print_usage(void)
{
    char list[1024] = "";
    for (size_t i = 0; i < emitter_count; i++) {
        size_t n = strlen(list);
        snprintf(list + n, sizeof list - n, "                         %-11s %s\n",
                 emitters[i].name, emitters[i].summary);
    }
    printf(usage_text, list);
}

/* --emit NAME or NAME=DIR; returns false for a name no emitter has. */
static bool add_emit(options *o, const char *arg)
{
    const char *eq = strchr(arg, '=');
    char *name = eq ? xstrndup(arg, (size_t)(eq - arg)) : xstrdup(arg);
    const emitter *em = emitter_find(name);
    free(name);
    if (!em || (eq && eq[1] == '\0'))
        return false;
    o->emit[o->n_emit] = em;
    o->emit_dirs[o->n_emit++] = eq ? eq + 1 : NULL;
    return true;
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "topicgen: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\ntry 'topicgen --help'\n");
    return EXIT_USAGE;
}

/* Returns -1 to go on, else an exit status. */
static int parse_args(int argc, char **argv, options *o)
{
    o->out_dir = ".";
    o->translators = true;
    o->schemas = xcalloc((size_t)argc, sizeof *o->schemas);
    o->import_dirs = xcalloc((size_t)argc, sizeof *o->import_dirs);
    o->emit = xcalloc((size_t)argc + 1, sizeof *o->emit);
    o->emit_dirs = xcalloc((size_t)argc + 1, sizeof *o->emit_dirs);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            print_usage();
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("topicgen %s\n", TOPICGEN_VERSION);
            return 0;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0 ||
                   strcmp(a, "--templates") == 0 || strcmp(a, "--skeletons") == 0) {
            if (i + 1 >= argc || argv[i + 1][0] == '\0')
                return usage_error("option '%s' needs a directory", a);
            const char **dir = strcmp(a, "--templates") == 0   ? &o->templates_dir
                               : strcmp(a, "--skeletons") == 0 ? &o->skeletons_dir
                                                               : &o->out_dir;
            *dir = argv[++i];
        } else if (strcmp(a, "-I") == 0 || strcmp(a, "--depfile") == 0 ||
                   strcmp(a, "--stamp") == 0) {
            if (i + 1 >= argc || argv[i + 1][0] == '\0')
                return usage_error(a[1] == 'I' ? "option '%s' needs a directory"
                                               : "option '%s' needs a file name", a);
            if (a[1] == 'I')
                o->import_dirs[o->n_import_dirs++] = argv[++i];
            else if (a[2] == 'd')
                o->depfile = argv[++i];
            else
                o->stamp = argv[++i];
        } else if (strncmp(a, "-I", 2) == 0) {
            o->import_dirs[o->n_import_dirs++] = a + 2;
        } else if (strcmp(a, "--emit") == 0 || strncmp(a, "--emit=", 7) == 0) {
            const char *arg = a[6] == '=' ? a + 7 : i + 1 < argc ? argv[++i] : "";
            if (!add_emit(o, arg))
                return usage_error(*arg ? "--emit %s: no such emitter (see --help)"
                                        : "option '--emit' needs a name%s", arg);
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            o->verbose = true;
        } else if (strcmp(a, "--check") == 0) {
            o->check = true;
        } else if (strcmp(a, "--force") == 0) {
            o->force = true;
        } else if (strcmp(a, "--no-translators") == 0) {
            o->translators = false;
        } else if (strcmp(a, "--fuzz") == 0) {
            o->fuzz = true;
        } else if (a[0] == '-' && a[1] != '\0') {
            return usage_error("unknown option '%s'", a);
        } else {
            o->schemas[o->n_schemas++] = a;
        }
    }
    if (o->n_schemas == 0)
        return usage_error("%s", "no schema given");
    if (o->n_emit == 0)
        add_emit(o, "c");
    return -1;
}

/* ---- files ---------------------------------------------------------------- */

static bool make_dirs(const char *dir)
{
    char *p = xstrdup(dir);
    bool ok = true;
    for (char *s = p + 1; ok; s++) {
        bool end = *s == '\0';
        if (*s == '/' || end) {
            *s = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST)
                ok = false;
            if (end)
                break;
            *s = '/';
        }
    }
    free(p);
    return ok;
}

/* ---- rendering ------------------------------------------------------------- */

/* Partials resolve in the folder of the template being rendered: {{> field}}
 * in python/module.py.mustache is python/field.mustache. */
typedef struct partial_scope {
    template_set *ts;
    const char *folder; /* "" for C */
} partial_scope;

static const char *find_partial(void *ctx, const char *name, size_t len, size_t *out_len)
{
    const partial_scope *scope = ctx;
    if (!*scope->folder)
        return template_find(scope->ts, name, len, out_len);
    char *path = xasprintf("%s/%.*s", scope->folder, (int)len, name);
    const char *text = template_find(scope->ts, path, strlen(path), out_len);
    free(path);
    return text;
}

/* A render that ran out of budget (mustache.h): the section that multiplied
 * the output is in the template the user wrote or overrode, or in a partial
 * of it; name the override file it came from and the template rendered. */
static void report_too_large(const template_set *ts, const char *name, const mu_error *err)
{
    char *where = template_override_path(ts, err->name);
    char *top = template_override_path(ts, name);
    bool in_top = strcmp(err->name, name) == 0;
    fprintf(stderr, "%s:%zu:%zu: error: %s%s%s\n", where ? where : err->name, err->line,
            err->column, err->message, in_top ? "" : "; rendering ",
            in_top ? "" : top ? top : name);
    free(where);
    free(top);
}

/* Render template `name` of emitter `em` into *out; template errors are
 * printed. */
static bool render(template_set *ts, const emitter *em, const char *name, const mu_node *model,
                   mu_buffer *out)
{
    size_t len = 0;
    const char *text = template_find(ts, name, strlen(name), &len);
    if (!text) {
        fprintf(stderr, "topicgen: error: no template named %s\n", name);
        return false;
    }
    mu_template_src src = {name, text, len};
    partial_scope scope = {ts, em->folder};
    mu_partials partials = {find_partial, &scope};
    /* Strict: a name the model does not define is an error, not empty text. */
    mu_options opts = {MU_NO_ESCAPE | MU_STRICT, template_partial_names(ts)};
    mu_error err;
    if (mu_render_opts(&src, model, &partials, &opts, out, &err) != 0) {
        char msg[512];
        mu_error_format(&err, msg, sizeof msg);
        if (err.too_large)
            report_too_large(ts, name, &err);
        else
            fprintf(stderr, "%s\n", msg);
        return false;
    }
    return true;
}

typedef enum result { GEN_OK, GEN_SCHEMA_ERROR, GEN_IO_ERROR, GEN_STALE } result;

static result worse(result a, result b)
{
    return a == GEN_OK || (b != GEN_OK && b < a) ? b : a;
}

/* Render one file into `dir`/`file`: compared with the file on disk
 * (--check) or added to `out`, which main writes when the whole run
 * rendered.  A user-owned file (translator skeleton) is rendered only when
 * missing (or with --force), and never checked. */
static result emit_file(const options *o, template_set *ts, const emitter *em,
                        const emitter_output *spec, const char *dir, const char *file,
                        const mu_node *model, output_set *out)
{
    char *path = xasprintf("%s/%s", dir, file);
    if (spec->user_owned && (o->check || (!o->force && access(path, F_OK) == 0))) {
        free(path);
        return GEN_OK;
    }
    result res = GEN_OK;
    mu_buffer text = {0};
    if (!render(ts, em, spec->template_name, model, &text)) {
        res = GEN_SCHEMA_ERROR;
    } else if (o->check) {
        if (!output_same_content(path, &text)) {
            printf("%s: %s\n", access(path, F_OK) == 0 ? "stale" : "missing", path);
            res = GEN_STALE;
        }
    } else {
        /* Held until the whole run has rendered: without the buffer's
         * growth slack (up to half of it: 60 MB for 100,000 fields). */
        text.data = xrealloc(text.data, text.len + 1);
        text.cap = text.len + 1;
        output_set_add(out, path, text);
        return GEN_OK;
    }
    mu_buffer_free(&text);
    free(path);
    return res;
}

/* One output of an emitter for schema `s`: one file, or one per item of
 * the model list spec->each (the item as `document` over the model, into
 * the file its `file` key names). */
static result emit_output(const options *o, template_set *ts, const emitter *em,
                          const emitter_output *spec, const char *dir, const schema *s,
                          mu_node *model, output_set *out)
{
    if ((spec->translator && !o->translators) || (spec->fuzz && !o->fuzz))
        return GEN_OK;
    if (spec->user_owned && o->skeletons_dir)
        dir = o->skeletons_dir;
    if (!spec->each) {
        char *file = xasprintf(spec->file_pattern, s->name);
        result r = emit_file(o, ts, em, spec, dir, file, model, out);
        free(file);
        return r;
    }
    const mu_node *items = mu_map_get(model, spec->each);
    result worst = GEN_OK;
    for (size_t i = 0; i < mu_list_len(items); i++) {
        mu_node *item = mu_list_at(items, i);
        const char *file = mu_string_text(mu_map_get(item, "file"));
        if (!file || !*file || strchr(file, '/')) {
            fprintf(stderr, "topicgen: internal error: an item of '%s' has no plain file name\n",
                    spec->each);
            abort();
        }
        mu_node *scope = mu_map_over(mu_ref(model));
        mu_map_set(scope, "document", mu_ref(item));
        worst = worse(worst, emit_file(o, ts, em, spec, dir, file, scope, out));
        mu_free(scope);
    }
    return worst;
}

/* Load the schemas named and what they import; NULL (reported) when one
 * cannot be read or has errors. */
static schema_set *load_schemas(const options *o, result *res)
{
    for (size_t i = 0; i < o->n_schemas; i++)
        if (access(o->schemas[i], R_OK) != 0) {
            fprintf(stderr, "topicgen: cannot open %s: %s\n", o->schemas[i], strerror(errno));
            *res = GEN_IO_ERROR;
            return NULL;
        }
    diag_list diags = {0};
    schema_set *set = schema_set_load(o->schemas, o->n_schemas, o->import_dirs,
                                      o->n_import_dirs, &diags);
    diag_print(&diags, stderr);
    if (diags.errors)
        fprintf(stderr, "%s: %zu error%s\n", o->n_schemas == 1 ? o->schemas[0] : "topicgen",
                diags.errors, diags.errors == 1 ? "" : "s");
    diag_clear(&diags);
    *res = set ? GEN_OK : GEN_SCHEMA_ERROR;
    return set;
}

/* A path in a depfile, with Make's escapes: '\ ' for a space, '\#', '$$'. */
static void put_make_path(FILE *f, const char *path)
{
    for (const char *p = path; *p; p++)
        fprintf(f, "%s%c", *p == ' ' || *p == '#' ? "\\" : *p == '$' ? "$" : "", *p);
}

/* FILE: "<OUT>/<first schema named>.h: <every schema file read>" (the stamp
 * file instead of the header when there is one), for build systems (Ninja
 * and Make read it to rerun topicgen when an import changes). */
static bool write_depfile(const options *o, const schema_set *set)
{
    FILE *f = fopen(o->depfile, "w");
    if (!f) {
        fprintf(stderr, "topicgen: cannot write %s: %s\n", o->depfile, strerror(errno));
        return false;
    }
    char *target = o->stamp ? xstrdup(o->stamp)
                            : xasprintf("%s/%s.h", o->out_dir, set->roots[0]->name);
    put_make_path(f, target);
    free(target);
    fputc(':', f);
    for (size_t i = 0; i < set->count; i++) {
        fputc(' ', f);
        put_make_path(f, set->items[i]->real_path);
    }
    fputc('\n', f);
    return fclose(f) == 0;
}

/* The stamp file: rewritten, so that its time is the run's. */
static bool write_stamp(const char *path)
{
    FILE *f = fopen(path, "w");
    bool ok = f && fprintf(f, "topicgen %s\n", TOPICGEN_VERSION) > 0;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok)
        fprintf(stderr, "topicgen: cannot write %s: %s\n", path, strerror(errno));
    return ok;
}

/* Every output of every emitter asked for, for schema `s`: one model, which
 * each emitter extends with its own keys before its templates render. */
static result generate(const options *o, template_set *ts, const schema *s, output_set *out)
{
    output_names names;
    output_names_init(&names, s);
    mu_node *model = model_build(s, &names, TOPICGEN_VERSION);
    result worst = GEN_OK;
    for (size_t e = 0; e < o->n_emit; e++) {
        const emitter *em = o->emit[e];
        const char *dir = o->emit_dirs[e] ? o->emit_dirs[e] : o->out_dir;
        if (em->extend_model)
            em->extend_model(model, s);
        for (size_t i = 0; i < em->n_outputs; i++)
            if (!em->outputs[i].once)
                worst = worse(worst, emit_output(o, ts, em, &em->outputs[i], dir, s, model, out));
    }
    mu_free(model);
    output_names_free(&names);
    return worst;
}

/* The once-per-run outputs of every emitter asked for (emitters.h), each
 * into that emitter's folder, over the model of no schema. */
static result generate_once(const options *o, template_set *ts, output_set *out)
{
    mu_node *model = model_run(TOPICGEN_VERSION);
    result worst = GEN_OK;
    for (size_t e = 0; e < o->n_emit; e++) {
        const emitter *em = o->emit[e];
        const char *dir = o->emit_dirs[e] ? o->emit_dirs[e] : o->out_dir;
        for (size_t i = 0; i < em->n_outputs; i++)
            if (em->outputs[i].once)
                worst = worse(worst, emit_file(o, ts, em, &em->outputs[i], dir,
                                               em->outputs[i].file_pattern, model, out));
    }
    mu_free(model);
    return worst;
}

static void options_free(options *o)
{
    free(o->schemas);
    free(o->import_dirs);
    free(o->emit);
    free(o->emit_dirs);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "compat") == 0)
        return compat_main(argc - 1, argv + 1);
    options o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0) {
        options_free(&o);
        return rc;
    }
    struct stat st;
    const char *bad_templates = NULL;
    if (o.templates_dir && stat(o.templates_dir, &st) != 0)
        bad_templates = strerror(errno);
    else if (o.templates_dir && !S_ISDIR(st.st_mode))
        bad_templates = "not a directory";
    if (bad_templates) {
        fprintf(stderr, "topicgen: cannot use templates %s: %s\n", o.templates_dir, bad_templates);
        options_free(&o);
        return EXIT_USAGE;
    }
    for (size_t i = 0; !o.check && i < o.n_emit + 2; i++) {
        const char *dir = i == 0 ? o.out_dir : i == 1 ? o.skeletons_dir : o.emit_dirs[i - 2];
        if (dir && !make_dirs(dir)) {
            fprintf(stderr, "topicgen: cannot create %s: %s\n", dir, strerror(errno));
            options_free(&o);
            return EXIT_USAGE;
        }
    }
    template_set ts = {.override_dir = o.templates_dir};
    diag_list override_errors = {0};
    if (template_check_overrides(&ts, &override_errors) > 0 ||
        template_check_contexts(&ts, &override_errors) > 0) {
        diag_print(&override_errors, stderr);
        diag_clear(&override_errors);
        template_set_free(&ts);
        options_free(&o);
        return EXIT_SCHEMA;
    }
    bool schema_error = false, io_error = false, stale = false;
    output_set out = {0};
    result loaded;
    schema_set *set = load_schemas(&o, &loaded);
    schema_error = loaded == GEN_SCHEMA_ERROR;
    io_error = loaded == GEN_IO_ERROR;
    /* each schema's outputs, then (i == count) the run's once-outputs */
    for (size_t i = 0; set && i <= set->count; i++) {
        switch (i < set->count ? generate(&o, &ts, set->items[i], &out)
                               : generate_once(&o, &ts, &out)) {
        case GEN_OK: break;
        case GEN_SCHEMA_ERROR: schema_error = true; break;
        case GEN_IO_ERROR: io_error = true; break;
        case GEN_STALE: stale = true; break;
        }
    }
    /* All or nothing: files are written only when every schema rendered. */
    if (!schema_error && !io_error && !output_set_commit(&out, o.verbose ? stdout : NULL))
        io_error = true;
    if (set && !schema_error && !io_error && o.depfile && !write_depfile(&o, set))
        io_error = true;
    if (!schema_error && !io_error && !o.check && o.stamp && !write_stamp(o.stamp))
        io_error = true;
    schema_set_free(set);
    output_set_free(&out);
    template_set_free(&ts);
    options_free(&o);
    if (schema_error)
        return EXIT_SCHEMA;
    if (io_error)
        return EXIT_USAGE;
    return stale ? EXIT_STALE : 0;
}
