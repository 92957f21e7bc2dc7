/*
 * template_check.c - the walk over a template's tags that every output
 * language shares (template_check_int.h): tags are read here, literal text
 * goes to the language's lexer, and a variable's context is checked
 * against the lexical state there.  The languages: template_check_c.c,
 * template_check_py.c, template_check_json.c.
 */
#include "template_check.h"
#include "template_check_int.h"
#include "model_vars.h"
#include "suggest.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static diag_pos pos_of(const tc_checker *c, size_t at)
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

void tc_fail(tc_checker *c, diag_pos pos, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_error(c->d, c->name, pos, "%s", msg);
    c->errors++;
}

void tc_misplaced(tc_checker *c, const char *name, size_t n, diag_pos pos, text_context ctx,
                  const char *want)
{
    tc_fail(c, pos, "variable '%.*s' holds %s and belongs in %s, not in %s", (int)n, name,
            text_context_name(ctx), want, c->lang->state_name(c->state));
}

/* A variable tag: a name the table knows, as text (not a list or map);
 * the rest is the language's. */
static void variable(tc_checker *c, const char *name, size_t n, diag_pos pos)
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
        tc_fail(c, pos, "unknown variable '%.*s'%s", (int)n, name,
                *hint ? hint : " (no output context is declared for it in generator/model_vars.c)");
        return;
    }
    if (v->context == TX_STRUCT)
        tc_misplaced(c, name, n, pos, v->context, "a section ({{#...}}), not a variable");
    else
        c->lang->variable(c, name, n, pos, v->context);
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

size_t tc_check(const tc_lang *lang, const char *name, const char *text, size_t len,
                diag_list *d)
{
    tc_checker c = {.lang = lang, .name = name, .text = text, .len = len, .d = d,
                    .state = lang->code};
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
                if (c.depth < TC_MAX_SECTIONS) {
                    c.sections[c.depth].state = c.state;
                    c.sections[c.depth].pos = pos;
                }
                c.depth++;
                break;
            case '/':
                if (c.depth == 0)
                    break; /* the renderer reports it */
                c.depth--;
                if (c.depth < TC_MAX_SECTIONS && c.sections[c.depth].state != c.state)
                    tc_fail(&c, pos,
                         "section '%.*s' begins in %s and ends in %s: a section that renders "
                         "zero or many times would change the quoting around it",
                         (int)tlen, tname, lang->state_name(c.sections[c.depth].state),
                         lang->state_name(c.state));
                break;
            case '>':
                if (c.state != lang->code)
                    tc_fail(&c, pos, "partial '%.*s' is included in %s: partials are checked "
                                  "as code, so include them only in code",
                         (int)tlen, tname, lang->state_name(c.state));
                c.prev = '\n';
                c.prev_is_tag = false;
                break;
            default:
                variable(&c, tname, tlen, pos);
                break;
            }
            continue;
        }
        i += lang->lex(&c, text + i, len - i);
    }
    if (c.state != lang->code && !(lang->may_end && lang->may_end(c.state)))
        tc_fail(&c, pos_of(&c, len), "the template ends inside %s", lang->state_name(c.state));
    return c.errors;
}
