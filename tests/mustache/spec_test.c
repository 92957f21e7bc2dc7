/*
 * spec_test.c - runs the official mustache spec files against generator/mustache.
 *
 * Usage: mustache_spec_test [--default DIR] [SPEC_DIR]
 * The spec is read from SPEC_DIR when given (CMake's TOPICGEN_MUSTACHE_SPEC),
 * else from $TOPICGEN_MUSTACHE_SPEC, else from the --default DIR (CMake
 * passes ../shared/mustache-spec beside the source tree); a checkout of the
 * spec repository (with specs/) works too.  When that directory holds no
 * spec the test is skipped: it prints why and exits 77 (ctest's
 * SKIP_RETURN_CODE), so a fresh clone's test run stays green.
 * Reads each module's YAML file from the spec dir with libfyaml, turns every
 * case's data into a mu_node tree (plain scalars: numbers, true/false, null/~;
 * quoted scalars stay strings), serves its partials through the callback,
 * renders the template and compares with the expected text.  Prints one line
 * per failure (the case's file:line), a count per module, and finally
 * "N passed, N failed".
 */
#include "check.h"
#include "mustache.h"

#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The spec modules the engine implements. */
static const char *const modules[] = {
    "comments", "delimiters", "interpolation", "inverted", "partials", "sections",
};

/* ------------------------------------------------------ YAML -> mu_node */

static bool is_word(const char *s, size_t n, const char *const *words)
{
    for (; *words; words++)
        if (strlen(*words) == n && memcmp(*words, s, n) == 0)
            return true;
    return false;
}

/* A plain scalar that reads as a decimal number (no hex, inf or nan). */
static bool as_number(const char *s, size_t n, double *out)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf || strspn(s, "+-0123456789.eE") < n)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    *out = strtod(buf, &end);
    return end == buf + n;
}

static mu_node *from_scalar(struct fy_node *fn)
{
    static const char *const nulls[] = {"null", "Null", "NULL", "~", "", NULL};
    static const char *const trues[] = {"true", "True", "TRUE", NULL};
    static const char *const falses[] = {"false", "False", "FALSE", NULL};
    size_t n;
    const char *s = fy_node_get_scalar(fn, &n);
    double d;
    if (fy_node_get_style(fn) != FYNS_PLAIN)
        return mu_string_n(s, n);
    if (is_word(s, n, nulls))
        return mu_null();
    if (is_word(s, n, trues) || is_word(s, n, falses))
        return mu_bool(is_word(s, n, trues));
    if (as_number(s, n, &d))
        return mu_number(d);
    return mu_string_n(s, n);
}

static mu_node *from_yaml(struct fy_node *fn);

static mu_node *from_mapping(struct fy_node *fn)
{
    mu_node *map = mu_map();
    void *it = NULL;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(fn, &it)) != NULL) {
        size_t n;
        const char *k = fy_node_get_scalar(fy_node_pair_key(pair), &n);
        if (!k)
            continue;
        char *key = malloc(n + 1);
        if (!key)
            abort();
        memcpy(key, k, n);
        key[n] = '\0';
        mu_map_set(map, key, from_yaml(fy_node_pair_value(pair)));
        free(key);
    }
    return map;
}

static mu_node *from_yaml(struct fy_node *fn)
{
    if (!fn)
        return mu_null();
    switch (fy_node_get_type(fn)) {
    case FYNT_MAPPING:
        return from_mapping(fn);
    case FYNT_SEQUENCE: {
        mu_node *list = mu_list();
        void *it = NULL;
        struct fy_node *item;
        while ((item = fy_node_sequence_iterate(fn, &it)) != NULL)
            mu_list_push(list, from_yaml(item));
        return list;
    }
    case FYNT_SCALAR:
        return from_scalar(fn);
    }
    return mu_null();
}

/* ----------------------------------------------------------- partials */

static const char *find_partial(void *ctx, const char *name, size_t name_len, size_t *len)
{
    struct fy_node *map = ctx;
    void *it = NULL;
    struct fy_node_pair *pair;
    while (map && (pair = fy_node_mapping_iterate(map, &it)) != NULL) {
        size_t n;
        const char *k = fy_node_get_scalar(fy_node_pair_key(pair), &n);
        if (k && n == name_len && memcmp(k, name, n) == 0)
            return fy_node_get_scalar(fy_node_pair_value(pair), len);
    }
    return NULL;
}

/* ------------------------------------------------------------- cases */

/* s[0..n) as a C string literal in buf (cut short with "..." if it does
 * not fit). */
static const char *escaped(const char *s, size_t n, char *buf, size_t cap)
{
    size_t k = 0;
    buf[k++] = '"';
    for (size_t i = 0; i < n && k + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n')
            k += (size_t)snprintf(buf + k, cap - k, "\\n");
        else if (c == '\r')
            k += (size_t)snprintf(buf + k, cap - k, "\\r");
        else if (c == '\t')
            k += (size_t)snprintf(buf + k, cap - k, "\\t");
        else if (c == '"' || c == '\\')
            k += (size_t)snprintf(buf + k, cap - k, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            k += (size_t)snprintf(buf + k, cap - k, "\\x%02x", c);
        else
            buf[k++] = (char)c;
        if (i + 1 < n && k + 8 >= cap)
            k += (size_t)snprintf(buf + k, cap - k, "...");
    }
    snprintf(buf + k, cap - k, "\"");
    return buf;
}

static const char *scalar(struct fy_node *tc, const char *key, size_t *len)
{
    *len = 0;
    struct fy_node *fn = fy_node_mapping_lookup_by_string(tc, key, FY_NT);
    const char *s = fn ? fy_node_get_scalar(fn, len) : NULL;
    return s ? s : "";
}

/* Run one test case of the spec file at path: one check; a failure names
 * the line of the case's name in the file. */
static void run_case(const char *path, struct fy_node *tc)
{
    size_t name_len, tpl_len, exp_len;
    const char *name = scalar(tc, "name", &name_len);
    const char *text = scalar(tc, "template", &tpl_len);
    const char *expected = scalar(tc, "expected", &exp_len);
    mu_node *data = from_yaml(fy_node_mapping_lookup_by_string(tc, "data", FY_NT));
    mu_partials partials = {find_partial, fy_node_mapping_lookup_by_string(tc, "partials", FY_NT)};
    mu_template_src tpl = {"template", text, tpl_len};
    mu_buffer out = {NULL, 0, 0};
    mu_error err;
    char msg[512] = "";
    int rc = mu_render(&tpl, data, &partials, &out, &err);
    if (rc != 0)
        mu_error_format(&err, msg, sizeof msg);
    bool ok = rc == 0 && out.len == exp_len && (exp_len == 0 || memcmp(out.data, expected, exp_len) == 0);
    if (ok) {
        check_pass(1);
    } else {
        char want[2048], got[2048];
        struct fy_node *name_node = fy_node_mapping_lookup_by_string(tc, "name", FY_NT);
        struct fy_token *name_token = name_node ? fy_node_get_scalar_token(name_node) : NULL;
        const struct fy_mark *at = name_token ? fy_token_start_mark(name_token) : NULL;
        if (rc == 0)
            escaped(out.data ? out.data : "", out.len, got, sizeof got);
        else
            snprintf(got, sizeof got, "error: %s", msg);
        check_fail(path, at ? at->line + 1 : 0, "%.*s: expected %s, got %s", (int)name_len, name,
                   escaped(expected, exp_len, want, sizeof want), got);
    }
    mu_buffer_free(&out);
    mu_free(data);
}

/* Run every case of one module and print its counts. */
static void run_module(const char *dir, const char *module)
{
    int passed = check_passed, failed = check_failed;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.yml", dir, module);
    const char *file = strrchr(path, '/') + 1;
    struct fy_document *doc = fy_document_build_from_file(NULL, path);
    struct fy_node *tests = doc ? fy_node_mapping_lookup_by_string(
                                      fy_document_root(doc), "tests", FY_NT) : NULL;
    CHECKF(tests && fy_node_is_sequence(tests), "%s: cannot read the spec cases", path);
    void *it = NULL;
    struct fy_node *tc;
    while (tests && (tc = fy_node_sequence_iterate(tests, &it)) != NULL)
        run_case(path, tc);
    fy_document_destroy(doc);
    printf("%s: %d passed, %d failed\n", file, check_passed - passed, check_failed - failed);
}

enum { EXIT_SKIP = 77 };

static bool has_spec(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/interpolation.yml", dir);
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

/* Where the spec is: the argument, the environment or the default, and
 * which of them it came from (for the message when it is missing). */
static const char *spec_dir(int argc, char **argv, const char **from)
{
    const char *dflt = NULL, *arg = NULL, *env = getenv("TOPICGEN_MUSTACHE_SPEC");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--default") == 0 && i + 1 < argc)
            dflt = argv[++i];
        else if (argv[i][0])
            arg = argv[i];
    }
    *from = arg ? "the CMake cache variable TOPICGEN_MUSTACHE_SPEC"
          : env && *env ? "the environment variable TOPICGEN_MUSTACHE_SPEC"
                        : "the default beside the source tree";
    return arg ? arg : env && *env ? env : dflt;
}

int main(int argc, char **argv)
{
    const char *from, *dir = spec_dir(argc, argv, &from);
    char specs[2048];
    if (!dir) {
        fprintf(stderr, "usage: %s [--default DIR] [SPEC_DIR]\n", argv[0]);
        return 2;
    }
    snprintf(specs, sizeof specs, "%s/specs", dir);
    if (!has_spec(dir) && has_spec(specs))
        dir = specs; /* a checkout of github.com/mustache/spec */
    if (!has_spec(dir)) {
        printf("mustache spec not found: %s (from %s) has no interpolation.yml; set "
               "TOPICGEN_MUSTACHE_SPEC=dir to a checkout of https://github.com/mustache/spec "
               "to run this test\n", dir, from);
        return EXIT_SKIP;
    }
    printf("mustache spec: %s\n", dir);
    for (size_t i = 0; i < sizeof modules / sizeof modules[0]; i++)
        run_module(dir, modules[i]);
    return check_done();
}
