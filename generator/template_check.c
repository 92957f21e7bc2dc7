/*
 * template_check.c - variables against the C lexical state around their
 * tags (template_check.h).
 */
#include "template_check.h"
#include "model_vars.h"
#include "suggest.h"

#include <stdbool.h>
#include <string.h>

typedef enum c_state { C_CODE, C_BLOCK, C_LINE, C_STR, C_CHR } c_state;

static const char *state_name(c_state s)
{
    switch (s) {
    case C_CODE: return "code";
    case C_BLOCK: return "a comment";
    case C_LINE: return "a line comment";
    case C_STR: return "a string literal";
    case C_CHR: return "a character literal";
    }
    return "?";
}

#define MAX_SECTIONS 64

typedef struct checker {
    const char *name, *text;
    size_t len;
    diag_list *d;
    size_t errors;
    c_state state;
    bool escaped;         /* in a literal, after an unpaired backslash */
    char prev;            /* last literal character ('\0': none yet) */
    bool prev_is_tag;     /* the last output came from a text-carrying tag */
    text_context prev_ctx;
    bool after_pending;   /* a tag's context restricts the next character */
    text_context after_ctx;
    diag_pos after_pos;
    struct {
        c_state state;
        diag_pos pos;
    } sections[MAX_SECTIONS];
    size_t depth;
} checker;

static diag_pos pos_of(const checker *c, size_t at)
{
    diag_pos p = {1, 1};
    for (size_t i = 0; i < at && i < c->len; i++) {
        if (c->text[i] == '\n') {
            p.line++;
            p.col = 1;
        } else {
            p.col++;
        }
    }
    return p;
}

#define FAIL(c, pos, ...) (diag_error((c)->d, (c)->name, (pos), __VA_ARGS__), (c)->errors++)

/* Literal text of the output language at p; returns the characters taken
 * (2 for a comment's opening or closing pair and for a line comment's). */
static size_t lex(checker *c, const char *p, size_t left)
{
    char ch = *p, next = left > 1 ? p[1] : '\0';
    if (c->after_pending) {
        c->after_pending = false;
        bool bad = c->after_ctx == TX_C_COMMENT ? (ch == '/' || ch == '*' || ch == '?')
                                                : ch == '?';
        if (bad)
            FAIL(c, c->after_pos,
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
static void variable(checker *c, const char *name, size_t n, diag_pos pos)
{
    const model_var *v = model_var_find(name, n);
    if (!v) { /* the model sets no such key: strict rendering would say so too */
        suggest sg;
        char hint[256];
        suggest_init(&sg, name, n);
        for (size_t i = 0; i < model_var_count; i++)
            if (model_vars[i].context != TX_STRUCT)
                suggest_offer(&sg, model_vars[i].name, strlen(model_vars[i].name));
        suggest_format(&sg, hint, sizeof hint);
        FAIL(c, pos, "unknown variable '%.*s'%s", (int)n, name,
             *hint ? hint : " (no output context is declared for it in generator/model_vars.c)");
        return;
    }
    text_context ctx = v->context;
    bool in_comment = c->state == C_BLOCK || c->state == C_LINE;
    const char *want = NULL;
    if (ctx == TX_STRUCT)
        want = "a section ({{#...}}), not a variable";
    else if (ctx == TX_C_COMMENT && !in_comment)
        want = "a C comment";
    else if (ctx == TX_C_STRING && c->state != C_STR)
        want = "a C string literal (\"...\")";
    else if (ctx == TX_C_CODE && c->state != C_CODE)
        want = "C code, outside comments and literals";
    else if (ctx != TX_FIXED && ctx != TX_C_NAME && ctx != TX_C_COMMENT &&
             ctx != TX_C_STRING && ctx != TX_C_CODE)
        want = "a template of its own language";
    if (want) {
        FAIL(c, pos, "variable '%.*s' holds %s and belongs in %s, not in %s", (int)n, name,
             text_context_name(ctx), want, state_name(c->state));
        return;
    }
    bool carries = ctx != TX_FIXED && ctx != TX_C_NAME;
    if (ctx == TX_C_COMMENT) {
        if (c->prev_is_tag && c->prev_ctx == TX_C_COMMENT)
            FAIL(c, pos, "variable '%.*s' (C comment text) must not follow another comment-text "
                         "variable directly: the two could form '*/' or a trigraph",
                 (int)n, name);
        else if (!c->prev_is_tag && c->prev && strchr("/*?\\", c->prev))
            FAIL(c, pos, "variable '%.*s' (C comment text) must not follow '%c' directly: with "
                         "the text it carries it could form %s",
                 (int)n, name, c->prev,
                 c->prev == '?' ? "a trigraph" : c->prev == '\\' ? "a line continuation"
                                                                 : "a comment delimiter");
    } else if (ctx == TX_C_STRING) {
        if (c->escaped)
            FAIL(c, pos, "variable '%.*s' (C string literal content) must not follow an unpaired '\\': "
                         "it would escape the variable's first character",
                 (int)n, name);
        else if (!c->prev_is_tag && c->prev == '?')
            FAIL(c, pos, "variable '%.*s' (C string literal content) must not follow '?' directly: it "
                         "could form a trigraph",
                 (int)n, name);
    } else if (ctx == TX_C_CODE && !c->prev_is_tag && c->prev == '/') {
        FAIL(c, pos, "variable '%.*s' (C code) must not follow '/' directly: code such as "
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

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

size_t template_check_c(const char *name, const char *text, size_t len, diag_list *d)
{
    checker c = {.name = name, .text = text, .len = len, .d = d, .state = C_CODE};
    char otag[16] = "{{", ctag[16] = "}}";
    size_t olen = 2, clen = 2;
    size_t i = 0;
    while (i < len) {
        if (len - i >= olen && memcmp(text + i, otag, olen) == 0) {
            size_t start = i, p = i + olen;
            char sigil = p < len ? text[p] : '\0';
            const char *close = ctag;
            size_t close_len = clen;
            char triple[20];
            if (sigil == '{') { /* {{{x}}}: closes with "}" then the delimiter */
                triple[0] = '}';
                memcpy(triple + 1, ctag, clen);
                close = triple;
                close_len = clen + 1;
            }
            size_t end = p;
            while (end + close_len <= len && memcmp(text + end, close, close_len) != 0)
                end++;
            if (end + close_len > len)
                break; /* unclosed tag: the renderer reports it */
            diag_pos pos = pos_of(&c, start);
            size_t body = p + (strchr("#^/>&{!=", sigil) && sigil ? 1 : 0);
            size_t body_end = end;
            if (sigil == '=' && body_end > body && text[body_end - 1] == '=')
                body_end--;
            while (body < body_end && is_space(text[body]))
                body++;
            while (body_end > body && is_space(text[body_end - 1]))
                body_end--;
            const char *tname = text + body;
            size_t tlen = body_end - body;
            i = end + close_len;
            switch (sigil) {
            case '!':
                break;
            case '=': { /* {{=<% %>=}} */
                size_t a = 0;
                while (a < tlen && !is_space(tname[a]))
                    a++;
                size_t b = a;
                while (b < tlen && is_space(tname[b]))
                    b++;
                if (a == 0 || b == tlen || a >= sizeof otag || tlen - b >= sizeof ctag)
                    return c.errors; /* the renderer reports a bad delimiter tag */
                memcpy(otag, tname, a);
                otag[a] = '\0';
                olen = a;
                memcpy(ctag, tname + b, tlen - b);
                ctag[tlen - b] = '\0';
                clen = tlen - b;
                break;
            }
            case '#':
            case '^':
                if (c.depth < MAX_SECTIONS) {
                    c.sections[c.depth].state = c.state;
                    c.sections[c.depth].pos = pos;
                }
                c.depth++;
                break;
            case '/':
                if (c.depth == 0)
                    break; /* the renderer reports it */
                c.depth--;
                if (c.depth < MAX_SECTIONS && c.sections[c.depth].state != c.state)
                    FAIL(&c, pos,
                         "section '%.*s' begins in %s and ends in %s: a section that renders "
                         "zero or many times would change the quoting around it",
                         (int)tlen, tname, state_name(c.sections[c.depth].state),
                         state_name(c.state));
                break;
            case '>':
                if (c.state != C_CODE)
                    FAIL(&c, pos, "partial '%.*s' is included in %s: partials are checked "
                                  "as code, so include them only in code",
                         (int)tlen, tname, state_name(c.state));
                c.prev = '\n';
                c.prev_is_tag = false;
                break;
            default:
                variable(&c, tname, tlen, pos);
                break;
            }
            continue;
        }
        i += lex(&c, text + i, len - i);
    }
    if (c.state != C_CODE && c.state != C_LINE)
        FAIL(&c, pos_of(&c, len), "the template ends inside %s", state_name(c.state));
    return c.errors;
}
