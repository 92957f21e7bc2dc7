/*
 * template_check.h - refuse a template that puts a model variable where its
 * output context has no rule (docs/templates.md, "Contexts").  Each output
 * language has its lexer; the C one is described here, Python's and JSON's
 * at the top of template_check_py.c and template_check_json.c.
 *
 * A small lexer of the output language (C: code, block comment, line
 * comment, string literal, character literal) runs over the template's
 * literal text; at every variable tag the variable's context
 * (model_vars.c) must fit the lexical state there:
 *
 *   TX_C_COMMENT  inside a comment, not right after '/', '*', '?' or '\',
 *                 not right before '/', '*' or '?', and not side by side
 *                 with another tag that carries text (the two could form
 *                 a comment end or a trigraph);
 *   TX_C_STRING   inside a "..." string literal, not right after an
 *                 unpaired '\' or a '?', not right before a '?';
 *   TX_C_CODE     in code (outside comments and literals), not right
 *                 after '/';
 *   TX_C_NAME, TX_FIXED   anywhere;
 *   TX_STRUCT     never as a variable (a list or map is a section);
 *   a name the table does not declare: never.
 *
 * Also: a partial is included only in code (partials are checked on
 * their own, starting in code); a section ends in the lexical state it
 * began in (what it renders zero or many times cannot change the quoting
 * around it); a template ends in code.  Set-delimiter tags are followed.
 * Syntax errors are left to the renderer.
 */
#ifndef TOPICGEN_TEMPLATE_CHECK_H
#define TOPICGEN_TEMPLATE_CHECK_H

#include "diag.h"

#include <stddef.h>

/* Check one template (or partial) text of C, Python or JSON (the other
 * languages' rules: template_check_py.c, template_check_json.c); errors
 * go to d as "name:line:col: error: ...".  Returns the number of errors. */
size_t template_check_c(const char *name, const char *text, size_t len, diag_list *d);
size_t template_check_python(const char *name, const char *text, size_t len, diag_list *d);
size_t template_check_json(const char *name, const char *text, size_t len, diag_list *d);

#endif /* TOPICGEN_TEMPLATE_CHECK_H */
