/*
 * util.c - allocation, string building and identifier helpers for the
 * generator (see util.h).
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(void)
{
    fputs("topicgen: out of memory\n", stderr);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory();
    return q;
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        out_of_memory();
    char *p = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void *xappend(void *array_ptr, size_t *count, size_t elem_size)
{
    void **arr = array_ptr;
    *arr = xrealloc(*arr, (*count + 1) * elem_size);
    char *slot = (char *)*arr + *count * elem_size;
    memset(slot, 0, elem_size);
    (*count)++;
    return slot;
}

char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0, got;
    do {
        if (n + 4096 > cap)
            buf = xrealloc(buf, cap = cap * 2 + 8192);
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
    } while (got > 0);
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

bool is_c_identifier(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    for (s++; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return false;
    return true;
}

static bool in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

c_name_problem c_name_check(const char *s)
{
    static const char *const c_keywords[] = {
        "auto", "break", "case", "char", "const", "continue", "default", "do",
        "double", "else", "enum", "extern", "float", "for", "goto", "if",
        "inline", "int", "long", "register", "restrict", "return", "short",
        "signed", "sizeof", "static", "struct", "switch", "typedef", "union",
        "unsigned", "void", "volatile", "while", "_Alignas", "_Alignof",
        "_Atomic", "_Bool", "_Complex", "_Generic", "_Imaginary", "_Noreturn",
        "_Static_assert", "_Thread_local", "bool", "true", "false", "NULL",
        "typeof", "typeof_unqual", NULL,
    };
    static const char *const cxx_keywords[] = {
        "alignas", "alignof", "and", "and_eq", "asm", "bitand", "bitor", "catch",
        "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "consteval",
        "constexpr", "constinit", "const_cast", "co_await", "co_return", "co_yield",
        "decltype", "delete", "dynamic_cast", "explicit", "export", "friend",
        "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr",
        "operator", "or", "or_eq", "private", "protected", "public",
        "reinterpret_cast", "requires", "static_assert", "static_cast", "template",
        "this", "thread_local", "throw", "try", "typeid", "typename", "using",
        "virtual", "wchar_t", "xor", "xor_eq", NULL,
    };
    if (in_list(s, c_keywords))
        return C_NAME_C_KEYWORD;
    if (in_list(s, cxx_keywords))
        return C_NAME_CXX_KEYWORD;
    if (s[0] == '_' || strstr(s, "__"))
        return C_NAME_RESERVED;
    return C_NAME_OK;
}

char *c_name_alternative(const char *s)
{
    if (c_name_check(s) != C_NAME_RESERVED && s[0] != '_') /* a keyword */
        return xasprintf("%s_", s);
    char *alt = xmalloc(strlen(s) + 2), *o = alt;
    for (const char *p = s; *p; p++)
        if (*p != '_' || (o > alt && o[-1] != '_'))
            *o++ = *p;
    *o = '\0';
    if (*alt == '\0' || !is_c_identifier(alt)) {
        free(alt);
        return NULL;
    }
    if (c_name_check(alt) != C_NAME_OK)
        strcat(alt, "_");
    return alt;
}

char *snake_case(const char *s)
{
    size_t n = strlen(s);
    char *out = xmalloc(2 * n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isupper(c)) {
            bool prev_lower = i > 0 && (islower((unsigned char)s[i - 1]) || isdigit((unsigned char)s[i - 1]));
            bool next_lower = i + 1 < n && islower((unsigned char)s[i + 1]);
            bool prev_upper = i > 0 && isupper((unsigned char)s[i - 1]);
            if (o > 0 && out[o - 1] != '_' && (prev_lower || (prev_upper && next_lower)))
                out[o++] = '_';
            out[o++] = (char)tolower(c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    return out;
}

char *upper_case(const char *s)
{
    char *out = xstrdup(s);
    for (char *p = out; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return out;
}

/* Room for n more bytes and the NUL. */
static void strbuf_reserve(strbuf *b, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->data = xrealloc(b->data, b->cap);
    }
}

void strbuf_putn(strbuf *b, const char *s, size_t n)
{
    strbuf_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void strbuf_puts(strbuf *b, const char *s)
{
    strbuf_putn(b, s, strlen(s));
}

void strbuf_putc(strbuf *b, char c)
{
    strbuf_putn(b, &c, 1);
}

void strbuf_printf(strbuf *b, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0) {
        strbuf_reserve(b, (size_t)n);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
}

char *strbuf_take(strbuf *b)
{
    char *text = b->data ? b->data : xstrdup("");
    *b = (strbuf){0};
    return text;
}
