/*
 * mustache.h - topicgen's own mustache template engine.
 *
 * The generator builds a small data tree (mu_node) from the schema model and
 * renders templates/<file>.mustache against it.  The engine implements the
 * official mustache spec modules interpolation, sections, inverted sections,
 * comments, partials and set delimiters.  Lambdas, dynamic names and
 * template inheritance are not implemented ({{$x}} and {{<x}} are errors).
 * No global state: concurrent renders with separate buffers are fine.
 * Errors are values that carry template name, line and column; nothing is
 * printed.  This is generator code: allocation failure aborts the process.
 *
 * Truthiness: false, null, the empty list and the empty string are falsey;
 * everything else (including 0 and an empty map) is truthy.
 *
 * Escaping: {{x}} HTML-escapes & " < > as the spec demands; the generator
 * renders C with MU_NO_ESCAPE (mu_render_flags), where {{x}} inserts text
 * as is.
 *
 * Strictness: the spec renders a name that is not defined as nothing (a
 * section over it as false).  With MU_STRICT (the generator's choice) a
 * variable, section or partial whose name is defined nowhere in the context
 * stack (or by the partial lookup) is an error at its tag that names the
 * closest defined names: "unknown variable 'c_nmae'; did you mean
 * 'c_name'?".  A key whose value is null or false is defined.  The check is
 * made as the template renders, so it covers the sections that render.
 */
#ifndef TOPICGEN_MUSTACHE_H
#define TOPICGEN_MUSTACHE_H

#include <stdbool.h>
#include <stddef.h>

/* Limits.  Exceeding them is a render error, never a crash.
 *
 * The render budget.  Sections and partials nested over lists multiply
 * ({{#list}} twenty deep over four items renders 4^20 times), so a short
 * template could run for ever: a render that passes a bound below is an
 * error, which names the section (or partial) that multiplied.  Honest
 * templates render each tag about once per item of the lists around it, so
 * the bounds grow with the data: a floor, plus so much per value of the
 * data tree (each map, list, string, flag; a node shown in two places
 * counts twice) or per byte of its strings, measured when a floor is
 * passed.  The generator's templates render no tag more than 0.01 times per
 * value of the model, take 1-4 steps per value and write less than one
 * byte per byte of it, whatever the size of the schema. */
#ifndef MU_MAX_RENDER_STEPS            /* steps: tags rendered, frames      */
#define MU_MAX_RENDER_STEPS 20000000   /* searched, bytes of partials       */
#endif                                 /* compiled: the floor...            */
#define MU_RENDER_STEPS_PER_VALUE 64   /* ... plus this per value           */
#define MU_MAX_TAG_RENDERS (MU_MAX_RENDER_STEPS / 20) /* times one tag may  */
#define MU_TAG_RENDERS_PER_VALUE 1     /* render: floor, plus per value     */
#define MU_MAX_OUTPUT ((size_t)256 << 20) /* bytes one render may append... */
#define MU_OUTPUT_PER_DATA_BYTE 16     /* ... plus this per byte of data    */

#define MU_MAX_PARTIAL_DEPTH 64   /* partials included inside partials   */
#define MU_MAX_NESTING 64         /* sections nested inside one template */
#define MU_ERROR_NAME_MAX 128     /* template name kept in mu_error      */
#define MU_ERROR_MESSAGE_MAX 256  /* message kept in mu_error            */

/* ---------------------------------------------------------------- data */

/* One value of the data tree: map, list, string, bool, null or number. */
typedef struct mu_node mu_node;

/* Nodes are small (32 bytes, a string's bytes in the same allocation, map
 * keys of fewer than 20 bytes inside their entry) and true, false, null and
 * "" are shared immutable nodes: a model holds millions of them.  A node may
 * be held in several places (mu_ref), and a map may be a few keys over a
 * shared base (mu_map_over): a model need not copy what it shows twice. */

/* New empty map (keys keep insertion order).  Caller owns it (mu_free). */
mu_node *mu_map(void);
/* New map that holds no key of its own yet and finds every key it does not
 * set in base (which may be one too): a variant of a shared map.  Takes
 * over the caller's hold on base (pass mu_ref(base) to keep one).  Aborts
 * if base is not a map. */
mu_node *mu_map_over(mu_node *base);
/* One more hold on node, which may then be put in one more place; each
 * hold is released by one mu_free.  Returns node.  NULL is allowed. */
mu_node *mu_ref(mu_node *node);
/* New empty list.  Caller owns it (mu_free). */
mu_node *mu_list(void);
/* New string copied from the NUL-terminated s.  Caller owns it. */
mu_node *mu_string(const char *s);
/* New string copied from s[0..len) (may contain NULs).  Caller owns it. */
mu_node *mu_string_n(const char *s, size_t len);
/* New boolean.  Caller owns it. */
mu_node *mu_bool(bool b);
/* New null.  Caller owns it. */
mu_node *mu_null(void);
/* New number; rendered as the shortest text that reads back as the same
 * double ("1.21", "85", "1e+21").  Caller owns it. */
mu_node *mu_number(double d);

/* Set map[key] = child.  The key is copied; the map takes ownership of
 * child; an existing entry with that key is freed and replaced in place (a
 * key of a mu_map_over base is shadowed, not changed).  Aborts if map is
 * not a map or child is NULL.  Linear in the map size. */
void mu_map_set(mu_node *map, const char *key, mu_node *child);
/* Append child to list; the list takes ownership of child.
 * Aborts if list is not a list or child is NULL. */
void mu_list_push(mu_node *list, mu_node *child);
/* Release one hold on node; the last frees it and everything it owns.
 * NULL is allowed. */
void mu_free(mu_node *node);

/* Reading a tree back (the generator lists what it writes per item of a
 * model list).  Each returns NULL / 0 when the node is not of the kind
 * asked; results are owned by the tree and valid while it lives. */
const mu_node *mu_map_get(const mu_node *map, const char *key); /* bases too */
size_t mu_list_len(const mu_node *list);
mu_node *mu_list_at(const mu_node *list, size_t i); /* i < len; mu_ref it to keep it */
const char *mu_string_text(const mu_node *node);                 /* NUL-terminated */

/* ---------------------------------------------------------- rendering */

/* A template: name (used in error messages; NUL-terminated) and text. */
typedef struct mu_template_src {
    const char *name;
    const char *text;   /* need not be NUL-terminated */
    size_t len;
} mu_template_src;

/* Partial lookup.  find() gets the partial name as pointer+length (not
 * NUL-terminated) and returns its text, storing the length in *len, or NULL
 * when there is no such partial (it then renders as nothing, or is an error
 * with MU_STRICT).  The returned
 * text must stay valid until mu_render returns; the engine never frees it. */
typedef struct mu_partials {
    const char *(*find)(void *ctx, const char *name, size_t name_len, size_t *len);
    void *ctx;
} mu_partials;

/* Growable output buffer.  Zero-initialise it before first use.  The engine
 * appends to it and keeps data NUL-terminated; the caller owns data. */
typedef struct mu_buffer {
    char *data;
    size_t len, cap;
} mu_buffer;

/* Free the buffer's memory and reset it to empty.  NULL is allowed. */
void mu_buffer_free(mu_buffer *buf);

/* A render error: where (template or partial name, 1-based line and column
 * in bytes) and what.  too_large: the render budget ran out (mustache.h's
 * limits); name, line and column are then those of the section or partial
 * that multiplied the output (or, when none did, the tag being rendered),
 * which may be in a partial rather than in the template rendered. */
typedef struct mu_error {
    char name[MU_ERROR_NAME_MAX];
    size_t line, column;
    char message[MU_ERROR_MESSAGE_MAX];
    bool too_large;
} mu_error;

/* Render tpl against data (NULL means null) and append the output to out.
 * partials may be NULL (every partial is then empty).  The whole template is
 * parsed before anything is rendered, so syntax errors are found even in
 * sections that render nothing; a partial is parsed when it is included.
 * Returns 0 on success.  On error returns -1, fills *err (if err is not
 * NULL) and leaves out->len as it was before the call. */
int mu_render(const mu_template_src *tpl, const mu_node *data,
              const mu_partials *partials, mu_buffer *out, mu_error *err);

/* Flags for mu_render_flags. */
enum {
    MU_NO_ESCAPE = 1u << 0, /* {{x}} inserts text as is, like {{{x}}}: for
                               templates that produce source code, not HTML */
    MU_STRICT = 1u << 1     /* unknown variables, sections and partials are
                               errors (see the top of this file) */
};

/* mu_render with flags (a bitwise or of MU_* flags; 0 behaves as mu_render). */
int mu_render_flags(const mu_template_src *tpl, const mu_node *data,
                    const mu_partials *partials, unsigned flags, mu_buffer *out,
                    mu_error *err);

/* Options of mu_render_opts. */
typedef struct mu_options {
    unsigned flags;                   /* a bitwise or of MU_* flags */
    const char *const *partial_names; /* MU_STRICT: the partials there are, for
                                         the suggestions of an unknown-partial
                                         error (NULL-terminated; may be NULL) */
} mu_options;

/* mu_render with options (opts must not be NULL). */
int mu_render_opts(const mu_template_src *tpl, const mu_node *data,
                   const mu_partials *partials, const mu_options *opts, mu_buffer *out,
                   mu_error *err);

/* Format err as "name:line:col: error: message" into buf (cap bytes,
 * NUL-terminated, truncated if needed).  Returns what snprintf returns. */
int mu_error_format(const mu_error *err, char *buf, size_t cap);

#endif /* TOPICGEN_MUSTACHE_H */
