/*
 * errors_test.c - exact diagnostics and code-generation whitespace of
 * generator/mustache.
 *
 * Checks (1) that template errors read "name:line:col: error: message" with
 * the right position, including errors inside (indented) partials, and that
 * a failed render leaves the output buffer as it was; (2) the whitespace the
 * generator's templates rely on: standalone section lines vanish, standalone
 * partials are indented per line, a `last` flag drops the final comma;
 * (3) number formatting and truthiness choices documented in mustache.h.
 */
#include "mustache.h"

#include <stdio.h>
#include <string.h>

static int failures;

#define EXPECT_STR(got, want) expect_str(__LINE__, (got), (want))

static void expect_str(int line, const char *got, const char *want)
{
    if (strcmp(got, want) != 0) {
        printf("errors_test.c:%d: expected\n  [%s]\ngot\n  [%s]\n", line, want, got);
        failures++;
    }
}

/* Partials for the tests: a NULL-terminated list of name, text pairs. */
static const char *find_partial(void *ctx, const char *name, size_t name_len, size_t *len)
{
    for (const char *const *p = ctx; p && p[0]; p += 2) {
        if (strlen(p[0]) == name_len && memcmp(p[0], name, name_len) == 0) {
            *len = strlen(p[1]);
            return p[1];
        }
    }
    return NULL;
}

/* Render text (named name) with data and partials; return the output or
 * the formatted error in a static buffer. */
static const char *render(const char *name, const char *text, const mu_node *data,
                          const char *const *partial_list)
{
    static char result[2048];
    mu_partials partials = {find_partial, (void *)(size_t)partial_list};
    mu_template_src tpl = {name, text, strlen(text)};
    mu_buffer out = {NULL, 0, 0};
    mu_error err;
    if (mu_render(&tpl, data, &partials, &out, &err) != 0)
        mu_error_format(&err, result, sizeof result);
    else
        snprintf(result, sizeof result, "%s", out.data ? out.data : "");
    mu_buffer_free(&out);
    return result;
}

static void test_errors(void)
{
    EXPECT_STR(render("message.h.mustache", "a\n{{#fields}}\n  {{name}}\n", NULL, NULL),
               "message.h.mustache:4:1: error: unclosed section 'fields' (opened at 2:1)");
    EXPECT_STR(render("t", "{{#a}}\n  {{#b}}x{{/a}}\n", NULL, NULL),
               "t:2:10: error: mismatched close tag 'a', expected 'b'");
    EXPECT_STR(render("t", "ok\nok {{name\n", NULL, NULL),
               "t:2:4: error: unclosed tag, expected '}}'");
    EXPECT_STR(render("t", "{{{name}}", NULL, NULL), "t:1:1: error: unclosed tag, expected '}}}'");
    EXPECT_STR(render("t", "x {{ }}", NULL, NULL), "t:1:3: error: empty tag name");
    EXPECT_STR(render("t", "{{#}}{{/}}", NULL, NULL), "t:1:1: error: empty tag name");
    EXPECT_STR(render("t", "{{a b}}", NULL, NULL), "t:1:1: error: bad tag name 'a b'");
    EXPECT_STR(render("t", "\n {{/x}}", NULL, NULL), "t:2:2: error: unexpected close tag 'x'");
    EXPECT_STR(render("t", "{{=<% =}}", NULL, NULL), "t:1:1: error: bad set-delimiter tag '<%'");
    EXPECT_STR(render("t", "{{=<% %>}}", NULL, NULL),
               "t:1:1: error: bad set-delimiter tag, expected '=}}'");
    EXPECT_STR(render("t", "{{=<% %>=}}\n<%x}}", NULL, NULL),
               "t:2:1: error: unclosed tag, expected '%>'");
    EXPECT_STR(render("t", "x\n {{<base}}{{/base}}", NULL, NULL),
               "t:2:2: error: template inheritance ('<' tags) is not supported");
    /* errors in partials name the partial; indentation does not shift columns */
    const char *const inc[] = {"inc", "x\n  {{/b}}", NULL};
    EXPECT_STR(render("t", "  {{>inc}}\n", NULL, inc), "inc:2:3: error: unexpected close tag 'b'");
    EXPECT_STR(render("t", "{{>inc}}", NULL, inc), "inc:2:3: error: unexpected close tag 'b'");
    const char *const loop[] = {"p", "x{{>p}}", NULL};
    EXPECT_STR(render("t", "{{>p}}", NULL, loop),
               "p:1:2: error: partial recursion too deep (64 levels) at 'p'");
    /* errors are found in sections that render nothing */
    EXPECT_STR(render("t", "{{#no}}{{x}{{/no}}", NULL, NULL),
               "t:1:8: error: unclosed tag, expected '}}'");
}

/* Limits are errors, not crashes: section nesting, and partial recursion
 * with the deepest allowed sections at every level (C stack use). */
static void test_limits(void)
{
    char deep[1024] = "", deeper[1100] = "";
    for (int i = 0; i < MU_MAX_NESTING; i++)
        strcat(deep, "{{#t}}");
    strcat(deep, "{{>p}}");
    for (int i = 0; i < MU_MAX_NESTING; i++)
        strcat(deep, "{{/t}}");
    snprintf(deeper, sizeof deeper, "{{#t}}%s{{/t}}", deep);
    mu_node *data = mu_map();
    mu_map_set(data, "t", mu_bool(true));
    const char *const rec[] = {"p", deep, NULL};
    EXPECT_STR(render("t", "{{>p}}", data, rec),
               "p:1:385: error: partial recursion too deep (64 levels) at 'p'");
    EXPECT_STR(render("t", deeper, data, NULL), "t:1:385: error: sections nested deeper than 64");
    mu_free(data);
}

/* Names are compared as byte strings: an embedded NUL does not end them. */
static void test_nul_in_name(void)
{
    mu_node *data = mu_map();
    mu_map_set(data, "a", mu_string("A"));
    mu_template_src tpl = {"nul", "{{a\0b}}{{a}}", 13};
    mu_buffer out = {NULL, 0, 0};
    mu_error err;
    if (mu_render(&tpl, data, NULL, &out, &err) != 0 || strcmp(out.data, "A") != 0) {
        printf("errors_test.c:%d: embedded NUL in a tag name matched a key\n", __LINE__);
        failures++;
    }
    mu_buffer_free(&out);
    mu_free(data);
}

static void test_buffer_kept_on_error(void)
{
    mu_buffer out = {NULL, 0, 0};
    mu_template_src ok = {"ok", "keep", 4}, bad = {"bad", "more {{#x}}", 11};
    mu_error err;
    int rc1 = mu_render(&ok, NULL, NULL, &out, &err);
    int rc2 = mu_render(&bad, NULL, NULL, &out, &err);
    if (rc1 != 0 || rc2 != -1 || out.len != 4 || strcmp(out.data, "keep") != 0) {
        printf("errors_test.c:%d: buffer not restored after error\n", __LINE__);
        failures++;
    }
    mu_buffer_free(&out);
}

static mu_node *enum_value(const char *name, bool last)
{
    mu_node *v = mu_map();
    mu_map_set(v, "name", mu_string(name));
    mu_map_set(v, "last", mu_bool(last));
    return v;
}

static void test_codegen_whitespace(void)
{
    mu_node *data = mu_map();
    mu_node *values = mu_list();
    mu_list_push(values, enum_value("RED", false));
    mu_list_push(values, enum_value("GREEN", false));
    mu_list_push(values, enum_value("BLUE", true));
    mu_map_set(data, "name", mu_string("color"));
    mu_map_set(data, "prefix", mu_string("COLOR"));
    mu_map_set(data, "values", values);
    mu_map_set(data, "empty", mu_list());

    /* comma-separated lines via a `last` flag; outer names visible inside */
    EXPECT_STR(render("enum", "typedef enum {{name}} {\n"
                              "{{#values}}\n"
                              "    {{prefix}}_{{name}}{{^last}},{{/last}}\n"
                              "{{/values}}\n"
                              "} {{name}};\n", data, NULL),
               "typedef enum color {\n    COLOR_RED,\n    COLOR_GREEN,\n    COLOR_BLUE\n} color;\n");
    /* standalone partial inside a section: every partial line indented */
    const char *const field[] = {"field", "/* {{name}} */\n{{prefix}}_{{name}} = {{#last}}1{{/last}}{{^last}}0{{/last}};\n", NULL};
    EXPECT_STR(render("s", "{\n{{#values}}\n    {{> field }}\n{{/values}}\n}\n", data, field),
               "{\n    /* RED */\n    COLOR_RED = 0;\n    /* GREEN */\n    COLOR_GREEN = 0;\n"
               "    /* BLUE */\n    COLOR_BLUE = 1;\n}\n");
    /* empty list: section lines vanish, inverted section shows */
    EXPECT_STR(render("e", "a\n  {{#empty}}\n  x\n  {{/empty}}\n  {{^empty}}\n  none\n  {{/empty}}\nb\n",
                      data, NULL),
               "a\n  none\nb\n");
    /* standalone comments and CRLF line endings */
    EXPECT_STR(render("c", "a\r\n  {{! note }}\r\nb {{! inline }}\r\n", data, NULL), "a\r\nb \r\n");
    /* sections on one line keep their surrounding text */
    EXPECT_STR(render("l", "({{#values}}{{name}}{{^last}}, {{/last}}{{/values}})\n", data, NULL),
               "(RED, GREEN, BLUE)\n");
    mu_free(data);
}

static void test_values(void)
{
    mu_node *data = mu_map();
    mu_map_set(data, "a", mu_number(1.0));
    mu_map_set(data, "b", mu_number(1.210));
    mu_map_set(data, "c", mu_number(0.1));
    mu_map_set(data, "d", mu_number(-2.5e-7));
    mu_map_set(data, "e", mu_number(1e21));
    mu_map_set(data, "f", mu_number(9007199254740993.0));
    mu_map_set(data, "zero", mu_number(0));
    mu_map_set(data, "empty", mu_string(""));
    mu_map_set(data, "desc", mu_string("a \"b\" <c> & d"));
    mu_map_set(data, "a", mu_number(-3)); /* replaces, keeps the key */
    EXPECT_STR(render("n", "{{a}} {{b}} {{c}} {{d}} {{e}} {{f}}", data, NULL),
               "-3 1.21 0.1 -2.5e-07 1e+21 9007199254740992");
    EXPECT_STR(render("t", "[{{#zero}}0 is truthy{{/zero}}|{{^empty}}'' is falsey{{/empty}}]",
                      data, NULL),
               "[0 is truthy|'' is falsey]");
    EXPECT_STR(render("x", "{{desc}} / {{{desc}}} / {{&desc}}", data, NULL),
               "a &quot;b&quot; &lt;c&gt; &amp; d / a \"b\" <c> & d / a \"b\" <c> & d");
    mu_free(data);
}

int main(void)
{
    test_errors();
    test_limits();
    test_nul_in_name();
    test_buffer_kept_on_error();
    test_codegen_whitespace();
    test_values();
    printf("%s\n", failures ? "FAILED" : "all passed");
    return failures ? 1 : 0;
}
