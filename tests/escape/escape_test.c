/*
 * escape_test.c - one escaping rule per output context (generator/escape.c),
 * the table of model variables (generator/model_vars.c) and the check of
 * templates against it (generator/template_check.c).
 *
 *   escape_test TEMPLATES_DIR
 *
 * 1. Each context's escaping of a catalogue of hostile strings, exactly.
 * 2. 20,000 seeded random strings built from hostile pieces (comment and
 *    string terminators, quotes, backslashes, line breaks, trigraphs,
 *    U+2028/U+2029, bidi controls, bytes that are not UTF-8): each
 *    context's output keeps its promise (no comment delimiter, trigraph,
 *    final backslash or hidden character in comment text; only printable
 *    ASCII in C and Python literals; no unescaped quote anywhere), and the
 *    C and JSON literals decode back to the input.
 * 3. The variable table is sorted, has no duplicates, finds dotted names.
 * 4. Every template in TEMPLATES_DIR passes template_check_c, and a
 *    catalogue of bad templates fails with its exact file:line:col error.
 */
#include "check.h"
#include "diag.h"
#include "escape.h"
#include "model_vars.h"
#include "schema.h"
#include "emitters.h"
#include "template_check.h"
#include "tg_json.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- 1. the catalogue ------------------------------------------------------- */

typedef char *(*escape_fn)(const char *);

static void expect(escape_fn fn, const char *fn_name, const char *in, const char *want, int line)
{
    char *got = fn(in);
    CHECK_AT(strcmp(got, want) == 0, line, "%s(\"%s\") = \"%s\", expected \"%s\"", fn_name, in,
             got, want);
    free(got);
}

#define EXPECT(fn, in, want) expect(fn, #fn, in, want, __LINE__)

static void catalogue(void)
{
    /* C comment text */
    EXPECT(escape_c_comment, "plain text, é and 日本", "plain text, é and 日本");
    EXPECT(escape_c_comment, "x */ int pwned; /* y", "x * / int pwned; / * y");
    EXPECT(escape_c_comment, "*/*/", "* / * /");
    EXPECT(escape_c_comment, "a/**/b", "a/ ** /b");
    EXPECT(escape_c_comment, "what?\?/", "what?\\?/");
    EXPECT(escape_c_comment, "?\?\?=", "?\\?\\?=");
    EXPECT(escape_c_comment, "a?b?", "a?b?");
    EXPECT(escape_c_comment, "ends in \\", "ends in <U+005C>");
    EXPECT(escape_c_comment, "ends in \\  ", "ends in <U+005C>  ");
    EXPECT(escape_c_comment, "mid \\ slash", "mid \\ slash");
    EXPECT(escape_c_comment, "a\nb\r\tc", "a<U+000A>b<U+000D><U+0009>c");
    EXPECT(escape_c_comment, "\x7f\xc2\x85", "<U+007F><U+0085>");
    EXPECT(escape_c_comment, "ok\xe2\x80\xae" "evil\xe2\x81\xa6", "ok<U+202E>evil<U+2066>");
    EXPECT(escape_c_comment, "\xe2\x80\xa8\xe2\x80\xa9", "<U+2028><U+2029>");
    EXPECT(escape_c_comment, "\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f", "<U+061C><U+200E><U+200F>");
    EXPECT(escape_c_comment, "bad \xff\xc0\x80 \xed\xa0\x80", "bad <0xFF><0xC0><0x80> <0xED><0xA0><0x80>");
    EXPECT(escape_c_comment, "", "");
    /* C string literal */
    EXPECT(escape_c_string, "plain", "plain");
    EXPECT(escape_c_string, "a\"b\\c", "a\\\"b\\\\c");
    EXPECT(escape_c_string, "?\?=?", "\\?\\?=\\?");
    EXPECT(escape_c_string, "\n\r\t\x01\x7f", "\\012\\015\\011\\001\\177");
    EXPECT(escape_c_string, "é", "\\303\\251");
    EXPECT(escape_c_string, "\xe2\x80\xae", "\\342\\200\\256");
    EXPECT(escape_c_string, "\xff" "1", "\\3771");
    EXPECT(escape_c_string, "x */ int y; /*", "x */ int y; /*");
    /* Python str literal */
    EXPECT(escape_py_string, "it's \"q\" \\", "it\\'s \\\"q\\\" \\\\");
    EXPECT(escape_py_string, "a\nb\r\t\x01", "a\\nb\\r\\t\\x01");
    EXPECT(escape_py_string, "é\xe2\x80\xae\xf0\x9f\x98\x80", "\\xe9\\u202e\\U0001f600");
    EXPECT(escape_py_string, "\xff", "\\ufffd");
    EXPECT(escape_py_string, "{x}", "{x}");
    /* Python docstring */
    EXPECT(escape_py_doc, "say \"\"\"hi\"\"\"", "say \\\"\\\"\\\"hi\\\"\\\"\\\"");
    EXPECT(escape_py_doc, "ends in \"", "ends in \\\"");
    EXPECT(escape_py_doc, "two\nlines é", "two\nlines é");
    EXPECT(escape_py_doc, "\\N{x} \r", "\\\\N{x} \\r");
    EXPECT(escape_py_doc, "\xe2\x80\xae\xe2\x80\xa8\x01\xff", "\\u202e\\u2028\\x01\\ufffd");
    /* JSON string */
    EXPECT(escape_json_string, "a\"b\\c/", "a\\\"b\\\\c/");
    EXPECT(escape_json_string, "\n\r\t\b\f\x01\x7f", "\\n\\r\\t\\b\\f\\u0001\\u007f");
    EXPECT(escape_json_string, "é\xe2\x80\xa8\xe2\x80\xae", "é\\u2028\\u202e");
    EXPECT(escape_json_string, "\xc0", "\\ufffd");
    /* YAML double-quoted scalar */
    EXPECT(escape_yaml_string, "a\"b\\c: #d", "a\\\"b\\\\c: #d");
    EXPECT(escape_yaml_string, "\n\r\t", "\\n\\r\\t");
    EXPECT(escape_yaml_string, "\x01\x7f\xc2\x85\xc2\x9f", "\\x01\\x7F\\N\\x9F");
    EXPECT(escape_yaml_string, "\xe2\x80\xa8\xe2\x80\xa9\xe2\x80\xae\xef\xbb\xbf",
           "\\L\\P\\u202E\\uFEFF");
    EXPECT(escape_yaml_string, "é\xff", "é\\uFFFD");
}

/* ---- 2. random hostile strings --------------------------------------------- */

static uint64_t rng = 0x5eed13;

static uint64_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const char *const pieces[] = {
    "*/", "/*", "*", "/", "//", "\"", "'", "\\", "\n", "\r", "\n#include <x>\n", "?\?/", "?\?=",
    "?\?", "?", "?\?'", "\xe2\x80\xa8", "\xe2\x80\xa9", "\xe2\x80\xae", "\xe2\x81\xa6", "\xd8\x9c",
    "\xff", "\xc0\x80", "\xed\xa0\x80", "\xe2\x80", "é", "日", "\xf0\x9f\x98\x80", "a", "x y",
    " ", "\t", "\x01", "\x7f", "\xc2\x85", "\"\"\"", "{", "}", "%s", "$", "#", "-", "=", "\\u0041",
};

static size_t random_hostile(char *buf, size_t cap)
{
    size_t n = 0, count = (size_t)(next_random() % 12);
    buf[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        const char *p = pieces[next_random() % (sizeof pieces / sizeof pieces[0])];
        size_t len = strlen(p);
        if (n + len + 1 > cap)
            break;
        memcpy(buf + n, p, len + 1);
        n += len;
    }
    return n;
}

static bool valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    while (p < end) {
        size_t n;
        if (utf8_decode(p, (size_t)(end - p), &n) < 0)
            return false;
        p += n;
    }
    return true;
}

/* The comment promise (escape.h), checked on the output alone. */
static const char *comment_problem(const char *s)
{
    if (strstr(s, "*/"))
        return "holds */";
    if (strstr(s, "/*"))
        return "holds /*";
    if (strstr(s, "?\?"))
        return "holds ?\?";
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        n--;
    if (n > 0 && s[n - 1] == '\\')
        return "ends in a backslash";
    if (!valid_utf8(s))
        return "is not UTF-8";
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    while (p < end) {
        size_t len;
        long cp = utf8_decode(p, (size_t)(end - p), &len);
        if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
            is_bidi_control(cp))
            return "holds a hidden character";
        p += len;
    }
    return NULL;
}

static bool printable_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

/* Decode the inside of a C string literal the way a C compiler does
 * (escapes as escape_c_string writes them; anything else fails). */
static char *c_unescape(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;
    for (; *s; s++) {
        if (*s == '"' || (s[0] == '?' && s[1] == '?')) {
            free(out);
            return NULL;
        }
        if (*s != '\\') {
            *o++ = *s;
            continue;
        }
        s++;
        if (*s >= '0' && *s <= '7') {
            int v = 0;
            for (int i = 0; i < 3 && *s >= '0' && *s <= '7'; i++, s++)
                v = v * 8 + (*s - '0');
            s--;
            *o++ = (char)v;
        } else if (*s == '"' || *s == '\\' || *s == '?') {
            *o++ = *s;
        } else {
            free(out);
            return NULL;
        }
    }
    *o = '\0';
    return out;
}

/* Python string: ASCII, and every quote escaped. */
static bool py_quotes_escaped(const char *s, const char *quotes)
{
    for (; *s; s++) {
        if (*s == '\\') {
            if (!*++s)
                return false;
        } else if (strchr(quotes, *s)) {
            return false;
        }
    }
    return true;
}

static void random_strings(void)
{
    char in[256];
    int bad = 0;
    for (int i = 0; i < 20000 && bad < 10; i++) {
        random_hostile(in, sizeof in);
        char *cm = escape_c_comment(in), *cs = escape_c_string(in);
        char *ps = escape_py_string(in), *pd = escape_py_doc(in);
        char *js = escape_json_string(in), *ys = escape_yaml_string(in);
        const char *why = comment_problem(cm);
        char *back = c_unescape(cs);
        bool ok = !why && printable_ascii(cs) && back && strcmp(back, in) == 0 &&
                  printable_ascii(ps) && py_quotes_escaped(ps, "\"'") &&
                  py_quotes_escaped(pd, "\"") && !strstr(pd, "\r") && valid_utf8(pd) &&
                  py_quotes_escaped(js, "\"") && valid_utf8(js) && !strpbrk(js, "\n\r\t") &&
                  py_quotes_escaped(ys, "\"") && valid_utf8(ys) && !strpbrk(ys, "\n\r\t");
        if (ok && valid_utf8(in)) { /* JSON decodes back to the input */
            char *doc = malloc(strlen(js) + 3);
            sprintf(doc, "\"%s\"", js);
            unsigned char arena_buf[1024];
            tg_arena arena;
            tg_arena_init(&arena, arena_buf, sizeof arena_buf);
            tg_json_reader r;
            tg_json_reader_init(&r, doc, strlen(doc), &arena, NULL);
            tg_str got;
            ok = tg_json_read_string(&r, &got) && tg_json_finish(&r) &&
                 got.len == strlen(in) && memcmp(got.ptr, in, got.len) == 0;
            free(doc);
        }
        if (!ok) {
            bad++;
            check_fail(__FILE__, __LINE__, "random string %d: comment '%s' (%s), C '%s', py '%s', doc '%s', json '%s', yaml '%s'",
                       i, cm, why ? why : "ok", cs, ps, pd, js, ys);
        }
        free(back);
        free(cm);
        free(cs);
        free(ps);
        free(pd);
        free(js);
        free(ys);
    }
    if (!bad)
        check_pass(1);
}

/* ---- 3. the table ---------------------------------------------------------------- */

static void table(void)
{
    for (size_t i = 1; i < model_var_count; i++)
        CHECKF(strcmp(model_vars[i - 1].name, model_vars[i].name) < 0, "'%s' before '%s'",
               model_vars[i - 1].name, model_vars[i].name);
    for (size_t i = 0; i < model_var_count; i++) {
        const char *n = model_vars[i].name;
        CHECKF(model_var_find(n, strlen(n)) == &model_vars[i], "%s", n);
    }
    CHECK(model_var_find("line", 4)->context == TX_C_COMMENT);
    CHECK(model_var_find("wire_c", 6)->context == TX_C_STRING);
    CHECK(model_var_find("message.c_name", 14)->context == TX_C_NAME);
    CHECK(model_var_find("wire", 4) == NULL);
    CHECK(model_var_find("wire_cx", 7) == NULL);
    CHECK(model_var_find(".", 1) == NULL);
    CHECK(model_var_find("c_namex", 6) != NULL); /* length-bounded: "c_name" */
}

/* ---- 4. templates --------------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/* Every template of templates/<sub>/ passes its emitter's check; returns
 * how many there were. */
static int templates_of(const char *root, const char *sub)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s%s%s", root, *sub ? "/" : "", sub);
    DIR *d = opendir(dir);
    if (!d)
        return 0; /* an emitter without templates of its own yet */
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 9 || strcmp(e->d_name + l - 9, ".mustache") != 0)
            continue;
        char path[2048], name[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        snprintf(name, sizeof name, "%s%s%s", sub, *sub ? "/" : "", e->d_name);
        const emitter *em = emitter_of_template(name);
        CHECKF(em != NULL && em->check != NULL, "%s belongs to no emitter", name);
        if (!em || !em->check)
            continue;
        size_t len = 0;
        char *text = slurp(path, &len);
        diag_list dl = {0};
        size_t errors = em->check(name, text, len, &dl);
        CHECKF(errors == 0, "%s: %zu errors, first: %s", name, errors,
               dl.count ? dl.lines[0] : "");
        diag_clear(&dl);
        free(text);
        n++;
    }
    closedir(d);
    return n;
}

static void builtin_templates(const char *dir)
{
    int n = 0;
    for (size_t i = 0; i < emitter_count; i++)
        n += templates_of(dir, emitters[i].folder);
    CHECKF(n >= 11, "only %d templates in %s", n, dir);
}

static const struct bad_template {
    int line;
    const char *text;
    const char *error; /* the first error, exactly; NULL: none */
} bad_templates[] = {
    {__LINE__, "/* {{line}} */\n", NULL},
    {__LINE__, "// {{line}}\n", NULL},
    {__LINE__, "const char *s = \"{{wire_c}}\";\n", NULL},
    {__LINE__, "{{c_type}} {{name}}; /* {{name}} \"{{name}}\" {{index}} */\n", NULL},
    {__LINE__, "{{#doc}}/* {{line}} */\n{{/doc}}", NULL},
    {__LINE__, "{{=<% %>=}}/* <%line%> */ \"<%wire_c%>\"\n", NULL},
    {__LINE__, "\"{{disc_key_c}}{{tag_json_c}}\"", NULL},
    {__LINE__, "x = 1; {{line}}\n",
     "t:1:8: error: variable 'line' holds C comment text and belongs in a C comment, not in code"},
    {__LINE__, "/* \"{{wire_c}}\" */",
     "t:1:5: error: variable 'wire_c' holds C string literal content and belongs in a C string literal (\"...\"), not in a comment"},
    {__LINE__, "x = {{topic_c}};",
     "t:1:5: error: variable 'topic_c' holds C string literal content and belongs in a C string literal (\"...\"), not in code"},
    {__LINE__, "c = '{{wire_c}}';",
     "t:1:6: error: variable 'wire_c' holds C string literal content and belongs in a C string literal (\"...\"), not in a character literal"},
    {__LINE__, "/* {{default_expr}} */",
     "t:1:4: error: variable 'default_expr' holds C code and belongs in C code, outside comments and literals, not in a comment"},
    {__LINE__, "{{fields}}",
     "t:1:1: error: variable 'fields' holds a list or map and belongs in a section ({{#...}}), not a variable, not in code"},
    {__LINE__, "/* {{descrption}} */",
     "t:1:4: error: unknown variable 'descrption' (no output context is declared for it in generator/model_vars.c)"},
    {__LINE__, "{{#enums}}{{c_nmae}}{{/enums}}",
     "t:1:11: error: unknown variable 'c_nmae'; did you mean 'c_name'?"},
    {__LINE__, "/* {{.}} */",
     "t:1:4: error: unknown variable '.' (no output context is declared for it in generator/model_vars.c)"},
    {__LINE__, "/**{{line}} */",
     "t:1:4: error: variable 'line' (C comment text) must not follow '*' directly: with the text it carries it could form a comment delimiter"},
    {__LINE__, "/* {{line}}*/",
     "t:1:4: error: a variable of C comment text must not be followed by '*' (with the text it carries it could form a comment delimiter)"},
    {__LINE__, "/* ?\?{{line}} */",
     "t:1:6: error: variable 'line' (C comment text) must not follow '?' directly: with the text it carries it could form a trigraph"},
    {__LINE__, "/* {{line}}{{source}} */",
     "t:1:12: error: variable 'source' (C comment text) must not follow another comment-text variable directly: the two could form '*/' or a trigraph"},
    {__LINE__, "\"\\{{wire_c}}\"",
     "t:1:3: error: variable 'wire_c' (C string literal content) must not follow an unpaired '\\': it would escape the variable's first character"},
    {__LINE__, "\"?{{wire_c}}\"",
     "t:1:3: error: variable 'wire_c' (C string literal content) must not follow '?' directly: it could form a trigraph"},
    {__LINE__, "\"{{wire_c}}?\?=\"",
     "t:1:2: error: a variable of C string literal content must not be followed by '?' (with the text it carries it could form a trigraph)"},
    {__LINE__, "x = a/{{dst}};",
     "t:1:7: error: variable 'dst' (C code) must not follow '/' directly: code such as '*dst' would open a comment"},
    {__LINE__, "/* a {{#x}}*/{{/x}} */",
     "t:1:14: error: section 'x' begins in a comment and ends in code: a section that renders zero or many times would change the quoting around it"},
    {__LINE__, "/* {{>read_value}} */",
     "t:1:4: error: partial 'read_value' is included in a comment: partials are checked as code, so include them only in code"},
    {__LINE__, "x = \"abc",
     "t:1:9: error: the template ends inside a string literal"},
    {__LINE__, "/* {{line}}\n",
     "t:2:1: error: the template ends inside a comment"},
};

/* Python (template_check_py.c) */
static const struct bad_template bad_py_templates[] = {
    {__LINE__, "class {{c_name}}:\n    n = {{index}}  # {{c_name}} {{index}}\n", NULL},
    {__LINE__, "x = \"{{c_name}}\" + f'{{index}}' + r\"\"\"{{c_name}}\"\"\"\n", NULL},
    {__LINE__, "x = {{wire_c}}\n",
     "t:1:5: error: variable 'wire_c' holds C string literal content and belongs in a template of its own language, not in Python code"},
    {__LINE__, "# {{line}}\n",
     "t:1:3: error: variable 'line' holds C comment text and belongs in a template of its own language, not in a Python comment"},
    {__LINE__, "x = {{c_name}}'a'\n",
     "t:1:5: error: a Python string must not open right after a variable: the variable's text could end in a letter that makes it a prefix (f, r, b)"},
    {__LINE__, "{{#fields}}x = '{{/fields}}'\n",
     "t:1:17: error: section 'fields' begins in Python code and ends in a Python string: a section that renders zero or many times would change the quoting around it"},
    {__LINE__, "x = \"\"\"abc\n",
     "t:2:1: error: the template ends inside a triple-quoted Python string"},
    {__LINE__, "x = '''{{>field}}'''\n",
     "t:1:8: error: partial 'field' is included in a triple-quoted Python string: partials are checked as code, so include them only in code"},
    {__LINE__, "x = 1  # no newline at the end", NULL},
};

/* JSON (template_check_json.c) */
static const struct bad_template bad_json_templates[] = {
    {__LINE__, "{\"{{c_name}}\": {{index}}, \"a\\\"{{c_name}}\": [{{index}}]}", NULL},
    {__LINE__, "{\"x\": \"{{wire_c}}\"}",
     "t:1:8: error: variable 'wire_c' holds C string literal content and belongs in a template of its own language, not in a JSON string"},
    {__LINE__, "{\"x\": {{c_type}}}",
     "t:1:7: error: variable 'c_type' holds C code and belongs in a template of its own language, not in JSON outside strings"},
    {__LINE__, "{\"x\": \"{{#fields}}\"{{/fields}}}",
     "t:1:20: error: section 'fields' begins in a JSON string and ends in JSON outside strings: a section that renders zero or many times would change the quoting around it"},
    {__LINE__, "{\"x\": \"abc}",
     "t:1:12: error: the template ends inside a JSON string"},
};

static void run_catalogue(const struct bad_template *table, size_t n, template_checker check)
{
    for (size_t i = 0; i < n; i++) {
        const struct bad_template *b = &table[i];
        diag_list dl = {0};
        size_t errors = check("t", b->text, strlen(b->text), &dl);
        if (!b->error)
            CHECK_AT(errors == 0, b->line, "unexpected: %s", dl.count ? dl.lines[0] : "");
        else
            CHECK_AT(errors > 0 && strcmp(dl.lines[0], b->error) == 0, b->line,
                     "got '%s'", dl.count ? dl.lines[0] : "(no error)");
        diag_clear(&dl);
    }
}

#define CATALOGUE(t) t, sizeof t / sizeof t[0]

static void bad_template_catalogue(void)
{
    run_catalogue(CATALOGUE(bad_templates), template_check_c);
    run_catalogue(CATALOGUE(bad_py_templates), template_check_python);
    run_catalogue(CATALOGUE(bad_json_templates), template_check_json);
}

/* ---- 5. Kafka names and wire string lengths (generator/schema_kafka.c) ---- */

static const struct kafka_case {
    int line;
    const char *topic, *dlq; /* dlq NULL: the default */
    const char *first;       /* the first diagnostic, exactly; NULL: none */
} kafka_cases[] = {
    {__LINE__, "shop.orders-v1_x", NULL, NULL},
    {__LINE__, "shop orders", NULL,
     "k.yaml:4:12: error: topic \"shop orders\" is not a legal Kafka topic name: a space is not allowed (Kafka allows only ASCII letters, digits, '.', '_' and '-')"},
    {__LINE__, "x */ int pwned; /* y", NULL,
     "k.yaml:4:12: error: topic \"x */ int pwned; /* y\" is not a legal Kafka topic name: a space is not allowed (Kafka allows only ASCII letters, digits, '.', '_' and '-')"},
    {__LINE__, "caf\u00e9", NULL,
     "k.yaml:4:12: error: topic \"caf\\303\\251\" is not a legal Kafka topic name: U+00E9 is not allowed (Kafka allows only ASCII letters, digits, '.', '_' and '-')"},
    {__LINE__, "a#b", NULL,
     "k.yaml:4:12: error: topic \"a#b\" is not a legal Kafka topic name: '#' is not allowed (Kafka allows only ASCII letters, digits, '.', '_' and '-')"},
    {__LINE__, ".", "ok",
     "k.yaml:4:12: error: topic \".\" is not a legal Kafka topic name: '.' and '..' are reserved"},
    {__LINE__, "ok", "..",
     "k.yaml:5:16: error: dlq_topic \"..\" is not a legal Kafka topic name: '.' and '..' are reserved"},
    {__LINE__, "ok", "bad/dlq",
     "k.yaml:5:16: error: dlq_topic \"bad/dlq\" is not a legal Kafka topic name: '/' is not allowed (Kafka allows only ASCII letters, digits, '.', '_' and '-')"},
    {__LINE__, "ok", "x_y",
     "k.yaml:8:12: warning: topic \"x.y\" differs from \"x_y\" only by '.' versus '_': Kafka warns that such topics collide in its metric names"},
    {__LINE__, "x_y", NULL,
     "k.yaml:7:12: warning: topic \"x.y\" differs from \"x_y\" only by '.' versus '_': Kafka warns that such topics collide in its metric names"},
    {__LINE__, "x.y.dlq", "ok",
     "k.yaml:9:16: warning: topic \"x_y.dlq\" differs from \"x.y.dlq\" only by '.' versus '_': Kafka warns that such topics collide in its metric names"},
};

static void kafka_names(void)
{
    char long_topic[260], yaml[2048];
    for (size_t i = 0; i < sizeof kafka_cases / sizeof kafka_cases[0]; i++) {
        const struct kafka_case *k = &kafka_cases[i];
        snprintf(yaml, sizeof yaml,
                 "schema: k\nmessages:\n  A:\n    topic: \"%s\"\n%s%s%s    fields: { id: string }\n"
                 "  B:\n    topic: x.y\n    dlq_topic: x_y.dlq\n    fields: { id: string }\n",
                 k->topic, k->dlq ? "    dlq_topic: \"" : "", k->dlq ? k->dlq : "",
                 k->dlq ? "\"\n" : "");
        diag_list d = {0};
        schema *s = schema_load_string("k.yaml", yaml, strlen(yaml), &d);
        if (!k->first)
            CHECK_AT(s && d.count == 0, k->line, "%s", d.count ? d.lines[0] : "not loaded");
        else
            CHECK_AT(d.count > 0 && strcmp(d.lines[0], k->first) == 0, k->line, "got '%s'",
                     d.count ? d.lines[0] : "(nothing)");
        schema_free(s);
        diag_clear(&d);
    }
    /* 249 characters are legal, 250 are not; "<topic>.dlq" counts too */
    for (int n = 244; n <= 250; n++) {
        memset(long_topic, 't', (size_t)n);
        long_topic[n] = '\0';
        snprintf(yaml, sizeof yaml,
                 "schema: k\nmessages:\n  A:\n    topic: %s\n    dlq_topic: d\n    fields: { id: string }\n"
                 "  B:\n    topic: %.*s\n    fields: { id: string }\n",
                 long_topic, n > 245 ? 245 : n, long_topic);
        diag_list d = {0};
        schema *s = schema_load_string("k.yaml", yaml, strlen(yaml), &d);
        CHECKF((s != NULL) == (n <= 249), "topic of %d characters: %s", n,
               d.count ? d.lines[0] : "accepted");
        schema_free(s);
        diag_clear(&d);
        snprintf(yaml, sizeof yaml,
                 "schema: k\nmessages:\n  A:\n    topic: %.*s\n    fields: { id: string }\n", n - 4,
                 long_topic);
        s = schema_load_string("k.yaml", yaml, strlen(yaml), &d);
        CHECKF((s != NULL) == (n <= 249), "topic of %d characters and its .dlq: %s", n - 4,
               d.count ? d.lines[0] : "accepted");
        schema_free(s);
        diag_clear(&d);
    }
    /* names: 128 bytes, not 129 */
    for (int n = 128; n <= 129; n++) {
        char name[200];
        memset(name, 'N', (size_t)n);
        name[n] = '\0';
        snprintf(yaml, sizeof yaml,
                 "schema: k\nmessages:\n  %s:\n    fields: { id: string }\n", name);
        diag_list d = {0};
        schema *s = schema_load_string("k.yaml", yaml, strlen(yaml), &d);
        CHECKF((s != NULL) == (n <= 128), "message name of %d bytes: %s", n,
               d.count ? d.lines[0] : "accepted");
        CHECKF(n <= 128 || (d.count && strstr(d.lines[0], "k.yaml:3:3: error: message name 'NNN") &&
                            strstr(d.lines[0], "is 129 bytes long; names may have at most 128")),
               "%s", d.count ? d.lines[0] : "");
        schema_free(s);
        diag_clear(&d);
    }
    /* wire strings that become C literals: 1024 bytes, not 1025 */
    for (int n = 1024; n <= 1025; n++) {
        char *big = malloc((size_t)n + 1), *text = malloc((size_t)n + 512);
        memset(big, 'w', (size_t)n);
        big[n] = '\0';
        const char *const shapes[] = {
            "schema: k\nmessages:\n  A:\n    fields: { id: { type: string, wire_name: %s } }\n",
            "schema: k\nmessages:\n  A:\n    fields: { id: { type: string, default: %s } }\n",
            "schema: k\nenums:\n  E:\n    values: { A: %s }\n",
            "schema: k\nmessages:\n  A:\n    fields: { id: string }\nunions:\n  U:\n    discriminator: %s\n    variants: { a: A }\n",
            "schema: k\nmessages:\n  A:\n    fields: { id: string }\nunions:\n  U:\n    discriminator: t\n    variants: { %s: { message: A, name: a } }\n",
        };
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
            snprintf(text, (size_t)n + 512, shapes[i], big);
            diag_list d = {0};
            schema *s = schema_load_string("k.yaml", text, strlen(text), &d);
            CHECKF((s != NULL) == (n <= 1024), "shape %zu, %d bytes: %s", i, n,
                   d.count ? d.lines[0] : "accepted");
            CHECKF(n <= 1024 || (d.count && strstr(d.lines[0], "bytes long; at most 1024")),
                   "shape %zu: %s", i, d.count ? d.lines[0] : "");
            schema_free(s);
            diag_clear(&d);
        }
        free(big);
        free(text);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: escape_test TEMPLATES_DIR\n");
        return 2;
    }
    catalogue();
    random_strings();
    table();
    builtin_templates(argv[1]);
    bad_template_catalogue();
    kafka_names();
    return check_done();
}
