/*
 * suggest.h - "did you mean ...?" for names that are not defined.
 *
 * One helper for every error of the generator that names something unknown:
 * template variables, sections and partials (mustache.c, MU_STRICT),
 * override template files (templates.c), and schema types, fields,
 * attributes and enum values (schema_check.c).  Candidates are offered one
 * at a time; the closest ones by edit distance (optimal string alignment:
 * insertions, deletions, substitutions and swaps of neighbours, ASCII case
 * ignored) are kept, but only when they are close: at most max(len, 3) / 3
 * edits for a name of len bytes, and fewer than len, so 'int33' suggests
 * 'int32', 'c' does not suggest 'a' and 'minimum' suggests nothing.  No
 * allocation, no global state.
 */
#ifndef TOPICGEN_SUGGEST_H
#define TOPICGEN_SUGGEST_H

#include <stddef.h>

#define SUGGEST_MAX 3        /* names kept (the equally closest ones) */
#define SUGGEST_NAME_MAX 64  /* longer names are never suggested */

typedef struct suggest {
    const char *want;        /* the unknown name (not copied) */
    size_t want_len;
    size_t best;             /* distance of the names kept */
    size_t count;            /* names kept */
    const char *names[SUGGEST_MAX];
    size_t lens[SUGGEST_MAX];
} suggest;

/* Start looking for names close to want[0..len). */
void suggest_init(suggest *s, const char *want, size_t len);

/* Offer one defined name (name[0..len), not copied: it must outlive the
 * suggest).  The name itself and names seen before are ignored. */
void suggest_offer(suggest *s, const char *name, size_t len);

/* Offer each name of a NULL-terminated list. */
void suggest_offer_all(suggest *s, const char *const *names);

/* "; did you mean 'a'?" or "; did you mean 'a', 'b' or 'c'?" (names in the
 * order offered), or "" when nothing was close, into buf (cap bytes,
 * NUL-terminated, truncated if needed).  Returns buf. */
char *suggest_format(const suggest *s, char *buf, size_t cap);

/* The edit distance between a[0..alen) and b[0..blen) as described above;
 * names longer than SUGGEST_NAME_MAX are SUGGEST_NAME_MAX + 1 apart. */
size_t suggest_distance(const char *a, size_t alen, const char *b, size_t blen);

#endif /* TOPICGEN_SUGGEST_H */
