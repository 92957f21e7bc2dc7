/*
 * errors_test.c - exact diagnostics and code-generation whitespace of
 * generator/mustache.
 *
 * Checks (1) that template errors read "name:line:col: error: message" with
 * the right position, including errors inside (indented) partials, and that
 * a failed render leaves the output buffer as it was; (2) the whitespace the
 * generator's templates rely on: standalone section lines vanish, standalone
 * partials are indented per line, a `last` flag drops the final comma;
 * (3) number formatting and truthiness choices documented in mustache.h;
 * (4) MU_STRICT: unknown variables, sections and partials are errors at
 * their tag with the closest defined names, defined-but-empty values are
 * not, and without the flag unknown names still render as nothing;
 * (5) the render budget: a template that multiplies is refused at the
 * section that multiplied, data past the floors renders; (6) shared nodes
 * (mu_ref, mu_map_over) render as copies would.
 */
#include "check.h"
#include "mustache.h"

#include <stdio.h>
#include <string.h>

#define EXPECT_STR(got, want) expect_str(__LINE__, (got), (want))

static void expect_str(int line, const char *got, const char *want)
{
    CHECK_AT(strcmp(got, want) == 0, line, "expected\n  [%s]\ngot\n  [%s]", want, got);
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

/* Same as render(), strict, with the partial names to suggest. */
static const char *render_strict(const char *name, const char *text, const mu_node *data,
                                 const char *const *partial_list, const char *const *names)
{
    static char result[2048];
    mu_partials partials = {find_partial, (void *)(size_t)partial_list};
    mu_options opts = {MU_STRICT | MU_NO_ESCAPE, names};
    mu_template_src tpl = {name, text, strlen(text)};
    mu_buffer out = {NULL, 0, 0};
    mu_error err;
    if (mu_render_opts(&tpl, data, &partials, &opts, &out, &err) != 0)
        mu_error_format(&err, result, sizeof result);
    else
        snprintf(result, sizeof result, "%s", out.data ? out.data : "");
    mu_buffer_free(&out);
    return result;
}

static mu_node *field(const char *name)
{
    mu_node *f = mu_map();
    mu_map_set(f, "name", mu_string(name));
    mu_map_set(f, "optional", mu_bool(false));
    return f;
}

static void test_strict(void)
{
    mu_node *data = mu_map(), *fields = mu_list(), *inner = mu_map();
    mu_list_push(fields, field("id"));
    mu_list_push(fields, field("note"));
    mu_map_set(data, "c_name", mu_string("shop_Order"));
    mu_map_set(data, "fields", fields);
    mu_map_set(data, "no", mu_bool(false));
    mu_map_set(data, "nothing", mu_null());
    mu_map_set(data, "empty", mu_string(""));
    mu_map_set(data, "none", mu_list());
    mu_map_set(inner, "b", mu_string("B"));
    mu_map_set(data, "a", inner);
    mu_map_set(data, "ab", mu_bool(true));
    mu_map_set(data, "ac", mu_bool(true));
    const char *const parts[] = {"read_value", "{{name}}", "bad", "x\n  {{nmae}}", NULL};
    const char *const names[] = {"read_value", "write_value", "bad", NULL};

    /* defined names render, whatever their value */
    EXPECT_STR(render_strict("t", "{{c_name}}{{#fields}} {{name}}{{^optional}}!{{/optional}}{{/fields}}"
                                  "{{no}}{{nothing}}{{empty}}{{#none}}x{{/none}}{{^no}} {{a.b}}{{/no}}",
                             data, parts, names),
               "shop_Order id! note!false B");
    /* variables, sections and inverted sections: position and suggestion */
    EXPECT_STR(render_strict("header.h.mustache", "x\n  {{c_nmae}}\n", data, NULL, NULL),
               "header.h.mustache:2:3: error: unknown variable 'c_nmae'; did you mean 'c_name'?");
    EXPECT_STR(render_strict("t", "{{{c_nmae}}}{{&c_name}}", data, NULL, NULL),
               "t:1:1: error: unknown variable 'c_nmae'; did you mean 'c_name'?");
    EXPECT_STR(render_strict("t", "{{#feilds}}{{/feilds}}", data, NULL, NULL),
               "t:1:1: error: unknown section 'feilds'; did you mean 'fields'?");
    EXPECT_STR(render_strict("t", "\n\n{{#fields}}\n  {{^optinal}}{{/optinal}}\n{{/fields}}\n",
                             data, NULL, NULL),
               "t:4:3: error: unknown section 'optinal'; did you mean 'optional'?");
    /* names of every frame are candidates, the item's own and the root's */
    EXPECT_STR(render_strict("t", "{{#fields}}{{c_name}}{{nam}}{{/fields}}", data, NULL, NULL),
               "t:1:22: error: unknown variable 'nam'; did you mean 'name'?");
    EXPECT_STR(render_strict("t", "{{#fields}}{{c_nmae}}{{/fields}}", data, NULL, NULL),
               "t:1:12: error: unknown variable 'c_nmae'; did you mean 'c_name'?");
    /* nothing close: no suggestion; equally close names: all of them */
    EXPECT_STR(render_strict("t", "{{zzzzzz}}", data, NULL, NULL),
               "t:1:1: error: unknown variable 'zzzzzz'");
    EXPECT_STR(render_strict("t", "{{ad}}", data, NULL, NULL),
               "t:1:1: error: unknown variable 'ad'; did you mean 'a', 'ab' or 'ac'?");
    /* dotted names: the missing segment and where it was looked for */
    EXPECT_STR(render_strict("t", "{{a.bb}}", data, NULL, NULL),
               "t:1:1: error: unknown variable 'a.bb' (no 'bb' in 'a'); did you mean 'b'?");
    /* partials: suggestions from the names given; errors inside a partial
     * name the partial */
    EXPECT_STR(render_strict("t", "{{#fields}}\n  {{>read_vaule}}\n{{/fields}}", data, parts, names),
               "t:2:3: error: unknown partial 'read_vaule'; did you mean 'read_value'?");
    EXPECT_STR(render_strict("t", "{{>nope}}", data, parts, NULL), "t:1:1: error: unknown partial 'nope'");
    EXPECT_STR(render_strict("t", "{{#fields}}\n  {{>bad}}\n{{/fields}}\n", data, parts, names),
               "bad:2:3: error: unknown variable 'nmae'; did you mean 'name'?");
    /* the check is made while rendering: a section that renders nothing is
     * not looked into */
    EXPECT_STR(render_strict("t", "{{#no}}{{c_nmae}}{{/no}}ok", data, NULL, NULL), "ok");
    /* without MU_STRICT (the spec's semantics) unknown names are empty */
    EXPECT_STR(render("t", "[{{c_nmae}}{{#feilds}}x{{/feilds}}{{>read_vaule}}]", data, parts), "[]");
    mu_free(data);
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

/* Render with the render budget's outcome: the output, or the formatted
 * error; *too_large says whether the budget ran out. */
static const char *render_budget(const char *text, const mu_node *data,
                                 const char *const *partial_list, bool *too_large)
{
    static char result[2048];
    mu_partials partials = {find_partial, (void *)(size_t)partial_list};
    mu_template_src tpl = {"t", text, strlen(text)};
    mu_buffer out = {NULL, 0, 0};
    mu_error err;
    *too_large = false;
    if (mu_render(&tpl, data, &partials, &out, &err) != 0) {
        mu_error_format(&err, result, sizeof result);
        *too_large = err.too_large;
    } else {
        snprintf(result, sizeof result, "%zu bytes", out.len);
    }
    mu_buffer_free(&out);
    return result;
}

/* The render budget (mustache.h): sections nested over lists that
 * multiply are an error at the section that multiplied, in the template or
 * in a partial, found within the floor; data large enough to pass the
 * floors renders as long as the template does not multiply (the bounds
 * grow with the data). */
static void test_budget(void)
{
    mu_node *data = mu_map(), *list = mu_list();
    for (int i = 0; i < 4; i++)
        mu_list_push(list, field("x"));
    mu_map_set(data, "list", list);
    size_t values = 1 + 1 + 4 * 3; /* root, list, 4 items of 2 values each */
    char deep[512] = "", want[512];
    for (int i = 0; i < 20; i++) /* 4^20 renders, refused after the floor */
        strcat(deep, "{{#list}}");
    strcat(deep, "x");
    for (int i = 0; i < 20; i++)
        strcat(deep, "{{/list}}");
    bool too_large;
    snprintf(want, sizeof want,
             "t:1:10: error: section 'list' multiplies the output: it repeats a list of an "
             "enclosing context for every item; a tag in it would render more than %zu times, "
             "for data of %zu values",
             (size_t)MU_MAX_TAG_RENDERS + MU_TAG_RENDERS_PER_VALUE * values, values);
    EXPECT_STR(render_budget(deep, data, NULL, &too_large), want);
    CHECK(too_large);
    /* the section that multiplies is in a partial: named there */
    const char *const parts[] = {"rows", "\n\n  {{#list}}{{#list}}{{#list}}{{#list}}{{#list}}"
                                         "{{#list}}{{#list}}{{#list}}{{#list}}{{#list}}{{#list}}"
                                         "y{{/list}}{{/list}}{{/list}}{{/list}}{{/list}}{{/list}}"
                                         "{{/list}}{{/list}}{{/list}}{{/list}}{{/list}}",
                                 NULL};
    snprintf(want, sizeof want,
             "rows:3:3: error: section 'list' multiplies the output: it repeats a list of an "
             "enclosing context for every item; a tag in it would render more than %zu times, "
             "for data of %zu values",
             (size_t)MU_MAX_TAG_RENDERS + MU_TAG_RENDERS_PER_VALUE * values, values);
    EXPECT_STR(render_budget("{{#list}}{{>rows}}{{/list}}", data, parts, &too_large), want);
    CHECK(too_large);
    /* other errors are not budget errors */
    render_budget("{{#list}}", data, NULL, &too_large);
    CHECK(!too_large);
    mu_free(data);

    /* a list longer than the floor renders once; over itself it is refused */
    size_t n = (size_t)MU_MAX_TAG_RENDERS + 10;
    data = mu_map();
    list = mu_list();
    for (size_t i = 0; i < n; i++)
        mu_list_push(list, mu_bool(true));
    mu_map_set(data, "items", list);
    snprintf(want, sizeof want, "%zu bytes", n);
    EXPECT_STR(render_budget("{{#items}}x{{/items}}", data, NULL, &too_large), want);
    snprintf(want, sizeof want,
             "t:1:11: error: section 'items' multiplies the output: it repeats a list of an "
             "enclosing context for every item; a tag in it would render more than %zu times, "
             "for data of %zu values",
             (size_t)MU_MAX_TAG_RENDERS + MU_TAG_RENDERS_PER_VALUE * (n + 2), n + 2);
    EXPECT_STR(render_budget("{{#items}}{{#items}}x{{/items}}{{/items}}", data, NULL, &too_large),
               want);
    mu_free(data);
}

/* Shared nodes: a node held in two places (mu_ref) and maps over a shared
 * base (mu_map_over) render as if copied; a key set over the base shadows
 * it; strict lookups and their suggestions see the base's keys. */
static void test_shared(void)
{
    mu_node *base = mu_map(), *data = mu_map(), *list = mu_list();
    mu_map_set(base, "a", mu_string("A"));
    mu_map_set(base, "b", mu_string("B"));
    mu_node *over = mu_map_over(mu_ref(base));
    mu_map_set(over, "b", mu_string("b1"));
    mu_map_set(over, "c", mu_string("C"));
    mu_list_push(list, over);
    mu_list_push(list, mu_map_over(mu_ref(base)));
    mu_map_set(data, "l", list);
    mu_map_set(data, "base", base);
    mu_map_set(data, "c", mu_string("root"));
    EXPECT_STR(render("t", "{{#l}}{{a}}{{b}}{{c}}|{{/l}}{{base.b}}", data, NULL), "Ab1C|ABroot|B");
    EXPECT_STR(render_strict("t", "{{#l}}{{bb}}{{/l}}", data, NULL, NULL),
               "t:1:7: error: unknown variable 'bb'; did you mean 'b'?");
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
    CHECKF(mu_render(&tpl, data, NULL, &out, &err) == 0 && strcmp(out.data, "A") == 0,
           "embedded NUL in a tag name matched a key");
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
    CHECKF(rc1 == 0 && rc2 == -1 && out.len == 4 && strcmp(out.data, "keep") == 0,
           "buffer not restored after error");
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
    test_strict();
    test_limits();
    test_budget();
    test_shared();
    test_nul_in_name();
    test_buffer_kept_on_error();
    test_codegen_whitespace();
    test_values();
    return check_done();
}
