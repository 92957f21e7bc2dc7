/*
 * template_check_int.h - what a language's template lexer plugs into the
 * language-neutral walk over a template's tags (template_check.c).
 *
 * The walk reads tags (variables, sections, partials, comments, set
 * delimiters) and hands the literal text between them to the language's
 * lexer, which keeps the lexical state (code, comment, string...).  At a
 * variable tag the walk refuses a name the table of variables does not
 * know and a list or map used as text; the language then decides whether
 * the variable's context fits the state (`misplaced`) and applies its
 * rules about what may stand right before or after it.
 */
#ifndef TOPICGEN_TEMPLATE_CHECK_INT_H
#define TOPICGEN_TEMPLATE_CHECK_INT_H

#include "diag.h"
#include "escape.h"

#include <stdbool.h>
#include <stddef.h>

#define TC_MAX_SECTIONS 64

typedef struct tc_checker tc_checker;

typedef struct tc_lang {
    int code;                             /* the state a template starts and ends in */
    const char *(*state_name)(int state); /* "a string literal" */
    /* Literal text at p (left bytes): update the state; returns the
     * characters taken. */
    size_t (*lex)(tc_checker *c, const char *p, size_t left);
    /* A variable of context ctx at the current state: report errors
     * (tc_fail) and remember what the next characters must not be. */
    void (*variable)(tc_checker *c, const char *name, size_t n, diag_pos pos, text_context ctx);
    bool (*may_end)(int state); /* besides `code` */
} tc_lang;

struct tc_checker {
    const tc_lang *lang;
    const char *name, *text;
    size_t len;
    diag_list *d;
    size_t errors;
    int state;
    bool escaped;         /* in a literal, after an unpaired backslash */
    char prev;            /* last literal character ('\0': none yet) */
    bool prev_is_tag;     /* the last output came from a text-carrying tag */
    text_context prev_ctx;
    bool after_pending;   /* a tag's context restricts the next character */
    text_context after_ctx;
    diag_pos after_pos;
    char quote;           /* Python: the quote character of the open string */
    unsigned str_flags;   /* Python: TC_PY_* of the open string's prefix */
    char word[4];         /* Python: the letters right before, in code */
    struct {
        int state;
        diag_pos pos;
    } sections[TC_MAX_SECTIONS];
    size_t depth;
};

/* Report an error at pos and count it. */
void tc_fail(tc_checker *c, diag_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "variable 'x' holds <context> and belongs in <want>, not in <state>". */
void tc_misplaced(tc_checker *c, const char *name, size_t n, diag_pos pos, text_context ctx,
                  const char *want);

/* Run the walk over one template with language `lang`. */
size_t tc_check(const tc_lang *lang, const char *name, const char *text, size_t len,
                diag_list *d);

#endif /* TOPICGEN_TEMPLATE_CHECK_INT_H */
