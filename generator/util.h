/*
 * util.h - small helpers the generator uses everywhere: allocation that
 * aborts on failure, formatted string building, identifier checks.
 *
 * The generator is a short-lived build tool: running out of memory ends it
 * with a message, which keeps every caller free of NULL checks.
 */
#ifndef TOPICGEN_UTIL_H
#define TOPICGEN_UTIL_H

#include <stdbool.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string (caller frees). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Append one zeroed element to the malloc'd array *array_ptr of *count
 * elements; returns the new element.  Schemas are small: no capacity kept. */
void *xappend(void *array_ptr, size_t *count, size_t elem_size);

/* The whole file at `path` in a new NUL-terminated buffer (caller frees),
 * its length in *len; NULL with errno set when it cannot be opened or read. */
char *read_file(const char *path, size_t *len);

/* True when s is [A-Za-z_][A-Za-z0-9_]*. */
bool is_c_identifier(const char *s);

/* Why an identifier from a schema cannot be used in generated C and C++. */
typedef enum c_name_problem {
    C_NAME_OK,
    C_NAME_C_KEYWORD,   /* C11 (and C23/GNU typeof), bool/true/false/NULL */
    C_NAME_CXX_KEYWORD, /* C++ through C++20, alternative tokens (and, not, xor...) */
    C_NAME_RESERVED     /* starts with '_' or contains '__': generated names
                           join it after a prefix ('has_', '<schema>_'), and C
                           and C++ reserve such identifiers */
} c_name_problem;

/* The problem of identifier s, or C_NAME_OK. */
c_name_problem c_name_check(const char *s);

/* A name like s that has no c_name_problem: "class" -> "class_",
 * "_Reserved" -> "Reserved", "a__b" -> "a_b"; NULL when there is no
 * obvious one.  Caller frees. */
char *c_name_alternative(const char *s);

/* A growable text, always NUL-terminated once written to.  Zero-initialise
 * it; data is owned by the struct until strbuf_take.  Allocation failure
 * aborts (xrealloc). */
typedef struct strbuf {
    char *data;
    size_t len, cap;
} strbuf;

void strbuf_putn(strbuf *b, const char *s, size_t n);
void strbuf_puts(strbuf *b, const char *s);
void strbuf_putc(strbuf *b, char c);
void strbuf_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text ("" when nothing was written), which the caller frees; b is
 * empty again. */
char *strbuf_take(strbuf *b);

/* "OrderEvent" -> "order_event", "HTTPServer" -> "http_server". Caller frees. */
char *snake_case(const char *s);
/* "order_event" -> "ORDER_EVENT" (ASCII only). Caller frees. */
char *upper_case(const char *s);

#endif /* TOPICGEN_UTIL_H */
