/*
 * schema_load_fuzz.c: fuzz target for the generator front end.  The input is
 * the text of a schema file.  schema_load_string() must either return a
 * schema and report no error, or return NULL and report at least one; a
 * schema that loads is turned into the template model and rendered through
 * every template in templates/ (read once from TOPICGEN_TEMPLATES_DIR), which
 * must succeed: a loaded schema is promised to be consistent (schema.h).
 * Leaks count (LeakSanitizer), as do crashes and hangs.
 */
#include "model.h"
#include "mustache.h"
#include "schema.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef TOPICGEN_TEMPLATES_DIR
#error "define TOPICGEN_TEMPLATES_DIR"
#endif

#define MAX_TEMPLATES 32

typedef struct tpl {
    char name[128];
    char *text;
    size_t len;
} tpl;

static tpl templates[MAX_TEMPLATES];
static size_t n_templates;

static void load_templates(void)
{
    DIR *d = opendir(TOPICGEN_TEMPLATES_DIR);
    struct dirent *e;
    if (!d) {
        perror(TOPICGEN_TEMPLATES_DIR);
        abort();
    }
    while ((e = readdir(d)) != NULL && n_templates < MAX_TEMPLATES) {
        size_t n = strlen(e->d_name);
        if (n < 9 || n >= sizeof templates[0].name || strcmp(e->d_name + n - 9, ".mustache") != 0)
            continue;
        tpl *t = &templates[n_templates];
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", TOPICGEN_TEMPLATES_DIR, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            abort();
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        fseek(f, 0, SEEK_SET);
        t->text = malloc((size_t)size + 1);
        if (!t->text || fread(t->text, 1, (size_t)size, f) != (size_t)size)
            abort();
        fclose(f);
        t->len = (size_t)size;
        memcpy(t->name, e->d_name, n + 1);
        n_templates++;
    }
    closedir(d);
    if (n_templates == 0)
        abort();
}

/* Partials are named without ".mustache" ({{>read_value}}). */
static const char *find_partial(void *ctx, const char *name, size_t len, size_t *out_len)
{
    (void)ctx;
    for (size_t i = 0; i < n_templates; i++)
        if (strlen(templates[i].name) == len + 9 && memcmp(templates[i].name, name, len) == 0) {
            *out_len = templates[i].len;
            return templates[i].text;
        }
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (n_templates == 0)
        load_templates();
    diag_list diags = {0};
    schema *s = schema_load_string("fuzz.yaml", (const char *)data, size, &diags);
    if ((s == NULL) != (diags.errors > 0)) {
        fprintf(stderr, "schema_load_string returned %s with %zu errors\n", s ? "a schema" : "NULL",
                diags.errors);
        abort();
    }
    diag_clear(&diags);
    if (!s)
        return 0;
    output_names names;
    output_names_init(&names, s);
    mu_node *model = model_build(s, &names, "0.0.0-fuzz");
    mu_partials partials = {find_partial, NULL};
    for (size_t i = 0; i < n_templates; i++) {
        mu_template_src src = {templates[i].name, templates[i].text, templates[i].len};
        mu_buffer out = {0};
        mu_error err;
        if (mu_render_flags(&src, model, &partials, MU_NO_ESCAPE, &out, &err) != 0) {
            char msg[512];
            mu_error_format(&err, msg, sizeof msg);
            fprintf(stderr, "a loaded schema does not render: %s\n", msg);
            abort();
        }
        mu_buffer_free(&out);
    }
    mu_free(model);
    output_names_free(&names);
    schema_free(s);
    return 0;
}
