/*
 * template_check_py.c - the Python language of templates (template_check.h):
 * a lexer of code, comments, one-line strings and triple-quoted strings
 * (with their prefix: r, b, f and u, any case), and where each context may
 * stand in it.
 *
 *   TX_PY_CODE    in code (outside comments and strings);
 *   TX_PY_STRING  inside a string that interprets escapes as text: not a
 *                 raw string (r: the escapes would stay backslashes), not
 *                 bytes (b: \u is no escape there), not an f-string (f:
 *                 braces in the text would be code); not right after an
 *                 unpaired '\';
 *   TX_PY_DOC     the same, and only inside """...""" (the context escapes
 *                 '"', not "'");
 *   TX_C_NAME, TX_FIXED  anywhere ([A-Za-z0-9_.] text and numbers);
 *   any other context: never (it is another language's).
 *
 * A string must not open right after a variable in code: the variable's
 * text could end in a letter that becomes the string's prefix.
 */
#include "template_check.h"
#include "template_check_int.h"

#include <stdbool.h>
#include <string.h>

typedef enum py_state { PY_CODE, PY_COMMENT, PY_STR, PY_LONG } py_state;

enum { PY_RAW = 1, PY_BYTES = 2, PY_FMT = 4 };

static const char *py_state_name(int s)
{
    switch ((py_state)s) {
    case PY_CODE: return "Python code";
    case PY_COMMENT: return "a Python comment";
    case PY_STR: return "a Python string";
    case PY_LONG: return "a triple-quoted Python string";
    }
    return "?";
}

static bool is_word_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
}

/* The prefix flags of the letters right before a quote (c->word), or 0
 * when they are no prefix (an identifier is no prefix: a syntax error
 * the test of the output finds, not an escape). */
static unsigned prefix_flags(const tc_checker *c)
{
    size_t n = strlen(c->word);
    if (n == 0 || n > 2)
        return 0;
    unsigned flags = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = c->word[i];
        if (ch == 'r' || ch == 'R')
            flags |= PY_RAW;
        else if (ch == 'b' || ch == 'B')
            flags |= PY_BYTES;
        else if (ch == 'f' || ch == 'F')
            flags |= PY_FMT;
        else if (ch != 'u' && ch != 'U')
            return 0;
    }
    return flags;
}

static void remember_word(tc_checker *c, char ch)
{
    size_t n = strlen(c->word);
    if (!is_word_char(ch)) {
        c->word[0] = '\0';
    } else if (n + 1 < sizeof c->word) {
        c->word[n] = ch;
        c->word[n + 1] = '\0';
    } else {
        memset(c->word, 'x', sizeof c->word - 1); /* longer than any prefix */
    }
}

static size_t open_string(tc_checker *c, const char *p, size_t left)
{
    char q = *p;
    if (c->prev_is_tag)
        tc_fail(c, c->after_pos, "a Python string must not open right after a variable: the "
                                 "variable's text could end in a letter that makes it a "
                                 "prefix (f, r, b)");
    c->str_flags = prefix_flags(c);
    c->quote = q;
    c->word[0] = '\0';
    if (left >= 3 && p[1] == q && p[2] == q) {
        c->state = PY_LONG;
        return 3;
    }
    c->state = PY_STR;
    return 1;
}

static size_t py_lex(tc_checker *c, const char *p, size_t left)
{
    char ch = *p;
    size_t taken = 1;
    switch ((py_state)c->state) {
    case PY_CODE:
        if (ch == '#')
            c->state = PY_COMMENT;
        else if (ch == '"' || ch == '\'')
            taken = open_string(c, p, left);
        else
            remember_word(c, ch);
        break;
    case PY_COMMENT:
        if (ch == '\n')
            c->state = PY_CODE;
        break;
    case PY_STR:
    case PY_LONG:
        if (c->escaped) {
            c->escaped = false;
        } else if (ch == '\\') {
            c->escaped = true;
        } else if (ch == c->quote && c->state == PY_STR) {
            c->state = PY_CODE;
        } else if (ch == c->quote && left >= 3 && p[1] == ch && p[2] == ch) {
            c->state = PY_CODE;
            taken = 3;
        } else if (ch == '\n' && c->state == PY_STR) {
            c->state = PY_CODE; /* unterminated: Python says so */
        }
        break;
    }
    c->prev = ch;
    c->prev_is_tag = false;
    return taken;
}

/* Where a variable of context ctx belongs, or NULL when it fits here. */
static const char *py_misplacement(const tc_checker *c, text_context ctx)
{
    bool in_string = c->state == PY_STR || c->state == PY_LONG;
    bool plain = (c->str_flags & (PY_RAW | PY_BYTES | PY_FMT)) == 0;
    switch (ctx) {
    case TX_PY_CODE:
        return c->state == PY_CODE ? NULL : "Python code, outside comments and strings";
    case TX_PY_STRING:
        return in_string && plain ? NULL
                                  : "a Python string that is not raw, bytes or an f-string";
    case TX_PY_DOC:
        return c->state == PY_LONG && c->quote == '"' && plain
                   ? NULL
                   : "a \"\"\"...\"\"\" string that is not raw, bytes or an f-string";
    case TX_FIXED:
    case TX_C_NAME:
        return NULL;
    case TX_STRUCT:
    case TX_C_CODE:
    case TX_JSON_CODE:
    case TX_C_COMMENT:
    case TX_C_STRING:
    case TX_JSON_STRING:
    case TX_YAML_STRING:
        break;
    }
    return "a template of its own language";
}

static void py_variable(tc_checker *c, const char *name, size_t n, diag_pos pos,
                        text_context ctx)
{
    const char *want = py_misplacement(c, ctx);
    if (want) {
        tc_misplaced(c, name, n, pos, ctx, want);
        return;
    }
    if ((ctx == TX_PY_STRING || ctx == TX_PY_DOC) && c->escaped)
        tc_fail(c, pos, "variable '%.*s' (%s) must not follow an unpaired '\\': it would escape "
                        "the variable's first character",
                (int)n, name, text_context_name(ctx));
    c->escaped = false;
    c->word[0] = '\0';
    c->prev_is_tag = c->state == PY_CODE;
    c->prev_ctx = ctx;
    c->after_pos = pos;
}

static bool py_may_end(int state)
{
    return state == PY_COMMENT;
}

static const tc_lang py_lang = {PY_CODE, py_state_name, py_lex, py_variable, py_may_end};

size_t template_check_python(const char *name, const char *text, size_t len, diag_list *d)
{
    return tc_check(&py_lang, name, text, len, d);
}
