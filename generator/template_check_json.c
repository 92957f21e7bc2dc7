/*
 * template_check_json.c - the JSON language of templates (template_check.h;
 * JSON Schema, AsyncAPI and test-vector outputs): a lexer of two states,
 * code (outside strings) and string, and where each context may stand.
 *
 *   TX_JSON_STRING  inside a "..." string, not right after an unpaired
 *                   '\' (it would escape the variable's first character);
 *   TX_JSON_CODE    outside strings (a value or fragment the model wrote);
 *   TX_C_NAME, TX_FIXED  anywhere ([A-Za-z0-9_.] text and numbers);
 *   any other context: never (it is another language's).
 */
#include "template_check.h"
#include "template_check_int.h"

#include <stdbool.h>

typedef enum json_state { J_CODE, J_STR } json_state;

static const char *json_state_name(int s)
{
    return s == J_STR ? "a JSON string" : "JSON outside strings";
}

static size_t json_lex(tc_checker *c, const char *p, size_t left)
{
    (void)left;
    char ch = *p;
    if (c->state == J_CODE) {
        if (ch == '"')
            c->state = J_STR;
    } else if (c->escaped) {
        c->escaped = false;
    } else if (ch == '\\') {
        c->escaped = true;
    } else if (ch == '"') {
        c->state = J_CODE;
    }
    c->prev = ch;
    c->prev_is_tag = false;
    return 1;
}

static void json_variable(tc_checker *c, const char *name, size_t n, diag_pos pos,
                          text_context ctx)
{
    const char *want = NULL;
    if (ctx == TX_JSON_STRING && c->state != J_STR)
        want = "a JSON string (\"...\")";
    else if (ctx == TX_JSON_CODE && c->state != J_CODE)
        want = "JSON outside strings";
    else if (ctx != TX_FIXED && ctx != TX_C_NAME && ctx != TX_JSON_STRING &&
             ctx != TX_JSON_CODE)
        want = "a template of its own language";
    if (want) {
        tc_misplaced(c, name, n, pos, ctx, want);
        return;
    }
    if (ctx == TX_JSON_STRING && c->escaped)
        tc_fail(c, pos, "variable '%.*s' (JSON string content) must not follow an unpaired '\\': "
                        "it would escape the variable's first character",
                (int)n, name);
    c->escaped = false;
    c->prev_is_tag = true;
    c->prev_ctx = ctx;
}

static const tc_lang json_lang = {J_CODE, json_state_name, json_lex, json_variable, NULL};

size_t template_check_json(const char *name, const char *text, size_t len, diag_list *d)
{
    return tc_check(&json_lang, name, text, len, d);
}
