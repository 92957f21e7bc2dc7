/*
 * tg_types.h: the value types generated topicgen structs are made of, and the
 * bump arena their variable-size parts (unescaped strings, decoded bytes,
 * array items) are placed in.
 *
 * Nothing here allocates: an arena is a caller-provided buffer.  A decoded
 * message points into the JSON input (strings without escapes) and into the
 * arena, so both must outlive it.
 */
#ifndef TG_TYPES_H
#define TG_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A UTF-8 string view; not NUL-terminated.  ptr may be NULL when len is 0. */
typedef struct tg_str {
    const char *ptr;
    size_t len;
} tg_str;

/* private: a[0..n) == b[0..n), inline: member names and keys are short,
 * and a call to memcmp costs more than comparing them (overlapping 8- or
 * 4-byte words). */
static inline bool tg_mem_eq_(const char *a, const char *b, size_t n)
{
    uint64_t x, y;
    uint32_t u, v;
    if (n >= 8) {
        for (; n > 16; a += 8, b += 8, n -= 8) {
            memcpy(&x, a, 8);
            memcpy(&y, b, 8);
            if (x != y)
                return false;
        }
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y)
            return false;
        memcpy(&x, a + n - 8, 8);
        memcpy(&y, b + n - 8, 8);
        return x == y;
    }
    if (n >= 4) {
        memcpy(&u, a, 4);
        memcpy(&v, b, 4);
        if (u != v)
            return false;
        memcpy(&u, a + n - 4, 4);
        memcpy(&v, b + n - 4, 4);
        return u == v;
    }
    for (; n; n--)
        if (*a++ != *b++)
            return false;
    return true;
}

/* A tg_str for a string literal (TG_STR_LIT("EUR")): a compound literal in
 * C, a braced temporary in C++ (which has no compound literals).  The view
 * points at the literal's static storage. */
#ifdef __cplusplus
#define TG_STR_LIT(s) (tg_str{(s), sizeof(s) - 1})
#else
#define TG_STR_LIT(s) ((tg_str){(s), sizeof(s) - 1})
#endif

/* Byte-wise equality of two strings.  Thread-safe. */
static inline bool tg_str_eq(tg_str a, tg_str b)
{
    return a.len == b.len && tg_mem_eq_(a.ptr, b.ptr, a.len);
}

/* A byte string view (decoded base64). */
typedef struct tg_bytes {
    const unsigned char *ptr;
    size_t len;
} tg_bytes;

/* A UUID in wire order (the 16 bytes the canonical text spells, in order). */
typedef struct tg_uuid {
    unsigned char bytes[16];
} tg_uuid;

/* A bump allocator over a caller buffer. */
typedef struct tg_arena {
    unsigned char *base; /* the caller's buffer (may be NULL when cap is 0)     */
    size_t cap;          /* its size in bytes                                   */
    size_t used;         /* bytes handed out, alignment padding included        */
    size_t needed;       /* used with an unlimited buffer: the size to retry with */
} tg_arena;

/* Make `a` hand out memory from buf[0..cap).  buf may be NULL with cap 0:
 * every request is then refused and only counted (a pure measuring arena).
 * The arena does not own buf.  Not thread-safe (one arena per thread). */
void tg_arena_init(tg_arena *a, void *buf, size_t cap);

/* Forget every allocation (used = needed = 0); the buffer is reused. */
void tg_arena_reset(tg_arena *a);

/* Return `size` bytes aligned to `align` (a power of two), or NULL when they
 * do not fit.  Every request, granted or refused, advances a->needed as if
 * the buffer were unlimited (padding included), so after a failed decode
 * a->needed is the exact capacity a retry needs (with this buffer, or one of
 * the same alignment, as malloc'd buffers are).  A zero-size request always
 * returns a non-NULL pointer that must not be written.  Never calls malloc. */
void *tg_arena_alloc(tg_arena *a, size_t size, size_t align);

#ifdef __cplusplus
}
#endif

#endif /* TG_TYPES_H */
