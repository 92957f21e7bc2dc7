/*
 * escape.h - one escaping rule per output context.
 *
 * Schema text is input: it comes from other teams' repositories and pull
 * requests.  Every schema-derived string reaches a template through exactly
 * one of the functions below, chosen by the context its model variable is
 * declared for (model_vars.c), never by the template author.  Each function
 * is total (any bytes in, including invalid UTF-8) and its output cannot
 * leave its context, whatever the input:
 *
 *   TX_C_COMMENT    text inside a C comment (block or line): never holds
 *                   '/' '*' or '*' '/', a meaningful trigraph ('??' then one
 *                   of =/'()!<>-), a backslash that ends the text (a line
 *                   continuation when the comment line ends there), a line
 *                   break, a control character, U+2028/U+2029, a
 *                   bidirectional control (Trojan Source, CVE-2021-42574) or
 *                   a byte that is not UTF-8.  Those are written visibly:
 *                   "* /", "/ *", "?\?=", "<U+202E>", "<U+005C>", "<0xFF>".
 *                   Other UTF-8 text (accents, CJK) is kept readable.
 *   TX_C_STRING     the inside of a C string literal "...": '"' '\\' and
 *                   '?' are backslash-escaped (no trigraph can form), every
 *                   control character and every byte >= 0x80 is a 3-digit
 *                   octal escape (so the literal holds the same bytes, never
 *                   raw bidi controls or line separators, whatever the
 *                   source and execution character sets).
 *   TX_PY_STRING    the inside of a Python 3 "..." or '...' str literal:
 *                   ASCII only, \\ \" \' \n \r \t, \xNN, \uNNNN, \UNNNNNNNN;
 *                   a byte that is not UTF-8 becomes \ufffd.
 *   TX_PY_DOC       the inside of a Python """docstring""": readable text,
 *                   lines kept; backslashes and every '"' escaped (so """
 *                   cannot close it and a final quote cannot merge with the
 *                   closing ones), controls, U+2028/U+2029, bidi controls and
 *                   non-UTF-8 bytes as \xNN / \uNNNN / \ufffd.
 *   TX_JSON_STRING  the inside of a JSON "..." string (RFC 8259): \" \\,
 *                   controls as \n \r \t \b \f or \u00NN, U+2028/U+2029 and
 *                   bidi controls as \uNNNN (safe in JavaScript too), DEL as
 *                   \u007f; non-UTF-8 bytes as \ufffd; other UTF-8 kept.
 *   TX_YAML_STRING  the inside of a YAML double-quoted scalar "...": \" \\,
 *                   \n \r \t \0 \xNN, NEL \N, U+2028 \L, U+2029 \P, bidi
 *                   controls and U+FEFF as \uNNNN, non-UTF-8 as \uFFFD.
 *
 * The other contexts carry no schema text that needs escaping:
 *   TX_C_NAME  a validated C identifier, or a name made only of validated
 *              identifiers and fixed text ([A-Za-z0-9_.]); the model checks
 *              the characters and aborts on anything else (a loader bug).
 *              Safe in code, comments and string literals alike.
 *   TX_C_CODE  C the model wrote (types, expressions, constants); schema
 *              text inside it went through TX_C_STRING or TX_C_NAME first.
 *              Only outside comments and literals.
 *   TX_PY_CODE, TX_JSON_CODE  the same for Python (type expressions,
 *              literals) and JSON (values, whole fragments) the model
 *              wrote: schema text inside went through TX_PY_STRING or
 *              TX_JSON_STRING first.  Only outside strings and comments.
 *   TX_FIXED   numbers, flags and topicgen's own text: no schema text.
 *   TX_STRUCT  lists and maps: sections only, never inserted as text.
 */
#ifndef TOPICGEN_ESCAPE_H
#define TOPICGEN_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

typedef enum text_context {
    TX_FIXED,
    TX_STRUCT,
    TX_C_NAME,
    TX_C_CODE,
    TX_PY_CODE,
    TX_JSON_CODE,
    TX_C_COMMENT,
    TX_C_STRING,
    TX_PY_STRING,
    TX_PY_DOC,
    TX_JSON_STRING,
    TX_YAML_STRING,
} text_context;

/* "C comment text", "C string literal", ... for messages. */
const char *text_context_name(text_context c);

/* Each returns a new string (caller frees). */
char *escape_c_comment(const char *s);
char *escape_c_string(const char *s);
char *escape_py_string(const char *s);
char *escape_py_doc(const char *s);
char *escape_json_string(const char *s);
char *escape_yaml_string(const char *s);

/* s escaped for context c (the escaping contexts above); NULL for the
 * contexts that do not escape (TX_FIXED, TX_STRUCT, TX_C_NAME, TX_*_CODE). */
char *escape_for(text_context c, const char *s);

/* True when s holds only [A-Za-z0-9_.] (TX_C_NAME text). */
bool is_c_name_text(const char *s);

/* Decode one UTF-8 character at s (at most n bytes): its code point, and
 * its length in *len; -1 with *len = 1 when the byte at s starts no valid,
 * shortest-form UTF-8 character (surrogates and > U+10FFFF refused). */
long utf8_decode(const unsigned char *s, size_t n, size_t *len);

/* U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069: the characters
 * that reorder displayed text (Trojan Source). */
bool is_bidi_control(long cp);

#endif /* TOPICGEN_ESCAPE_H */
