/*
 * template_check_c.c - the C language of templates (template_check.h): a
 * small lexer (code, block comment, line comment, string literal,
 * character literal) and where each output context may stand in it.
 */
#include "template_check.h"
#include "template_check_int.h"

#include <stdbool.h>
#include <string.h>

typedef enum c_state { C_CODE, C_BLOCK, C_LINE, C_STR, C_CHR } c_state;

static const char *c_state_name(int s)
{
    switch ((c_state)s) {
    case C_CODE: return "code";
    case C_BLOCK: return "a comment";
    case C_LINE: return "a line comment";
    case C_STR: return "a string literal";
    case C_CHR: return "a character literal";
    }
    return "?";
}

/* Literal text of the output language at p; returns the characters taken
 * (2 for a comment's opening or closing pair and for a line comment's). */
static size_t c_lex(tc_checker *c, const char *p, size_t left)
{
    char ch = *p, next = left > 1 ? p[1] : '\0';
    if (c->after_pending) {
        c->after_pending = false;
        bool bad = c->after_ctx == TX_C_COMMENT ? (ch == '/' || ch == '*' || ch == '?')
                                                : ch == '?';
        if (bad)
            tc_fail(c, c->after_pos,
                 "a variable of %s must not be followed by '%c' (with the text it carries it could "
                 "form %s)",
                 text_context_name(c->after_ctx), ch,
                 ch == '?' ? "a trigraph" : "a comment delimiter");
    }
    size_t taken = 1;
    switch (c->state) {
    case C_CODE:
        if (ch == '/' && (next == '*' || next == '/')) {
            c->state = next == '*' ? C_BLOCK : C_LINE;
            taken = 2;
            ch = next; /* what a tag right after "/" "*" would follow */
        } else if (ch == '"') {
            c->state = C_STR;
        } else if (ch == '\'') {
            c->state = C_CHR;
        }
        break;
    case C_BLOCK:
        if (ch == '*' && next == '/') {
            c->state = C_CODE;
            taken = 2;
            ch = '/';
        }
        break;
    case C_LINE:
        if (ch == '\n')
            c->state = C_CODE;
        break;
    case C_STR:
    case C_CHR:
        if (c->escaped)
            c->escaped = false;
        else if (ch == '\\')
            c->escaped = true;
        else if ((ch == '"' && c->state == C_STR) || (ch == '\'' && c->state == C_CHR) ||
                 ch == '\n')
            c->state = C_CODE;
        break;
    }
    c->prev = ch;
    c->prev_is_tag = false;
    return taken;
}

/* A variable tag: its context against the state. */
static void c_variable(tc_checker *c, const char *name, size_t n, diag_pos pos, text_context ctx)
{
    bool in_comment = c->state == C_BLOCK || c->state == C_LINE;
    const char *want = NULL;
    if (ctx == TX_C_COMMENT && !in_comment)
        want = "a C comment";
    else if (ctx == TX_C_STRING && c->state != C_STR)
        want = "a C string literal (\"...\")";
    else if (ctx == TX_C_CODE && c->state != C_CODE)
        want = "C code, outside comments and literals";
    else if (ctx != TX_FIXED && ctx != TX_C_NAME && ctx != TX_C_COMMENT &&
             ctx != TX_C_STRING && ctx != TX_C_CODE)
        want = "a template of its own language";
    if (want) {
        tc_misplaced(c, name, n, pos, ctx, want);
        return;
    }
    bool carries = ctx != TX_FIXED && ctx != TX_C_NAME;
    if (ctx == TX_C_COMMENT) {
        if (c->prev_is_tag && c->prev_ctx == TX_C_COMMENT)
            tc_fail(c, pos, "variable '%.*s' (C comment text) must not follow another comment-text "
                         "variable directly: the two could form '*/' or a trigraph",
                 (int)n, name);
        else if (!c->prev_is_tag && c->prev && strchr("/*?\\", c->prev))
            tc_fail(c, pos, "variable '%.*s' (C comment text) must not follow '%c' directly: with "
                         "the text it carries it could form %s",
                 (int)n, name, c->prev,
                 c->prev == '?' ? "a trigraph" : c->prev == '\\' ? "a line continuation"
                                                                 : "a comment delimiter");
    } else if (ctx == TX_C_STRING) {
        if (c->escaped)
            tc_fail(c, pos, "variable '%.*s' (C string literal content) must not follow an unpaired '\\': "
                         "it would escape the variable's first character",
                 (int)n, name);
        else if (!c->prev_is_tag && c->prev == '?')
            tc_fail(c, pos, "variable '%.*s' (C string literal content) must not follow '?' directly: it "
                         "could form a trigraph",
                 (int)n, name);
    } else if (ctx == TX_C_CODE && !c->prev_is_tag && c->prev == '/') {
        tc_fail(c, pos, "variable '%.*s' (C code) must not follow '/' directly: code such as "
                     "'*dst' would open a comment",
             (int)n, name);
    }
    if (ctx == TX_C_COMMENT || ctx == TX_C_STRING) {
        c->after_pending = true;
        c->after_ctx = ctx;
        c->after_pos = pos;
    }
    if (carries || ctx == TX_C_CODE) {
        c->prev_is_tag = true;
        c->prev_ctx = ctx;
    } else {
        c->prev = 'a'; /* a name or number: harmless on either side */
        c->prev_is_tag = false;
    }
}

static bool c_may_end(int state)
{
    return state == C_LINE;
}

static const tc_lang c_lang = {C_CODE, c_state_name, c_lex, c_variable, c_may_end};

size_t template_check_c(const char *name, const char *text, size_t len, diag_list *d)
{
    return tc_check(&c_lang, name, text, len, d);
}
