/*
 * tg_buf_int.h - growing a heap buffer, private to the Kafka runtime (the
 * producer's encode and key buffers, a processor's buffered outputs).
 */
#ifndef TG_BUF_INT_H
#define TG_BUF_INT_H

#include <stdlib.h>

/* Make *buf (owned by the caller, realloc'd here) hold at least need bytes:
 * *cap doubles from `initial` (or from itself) until it does; the buffer
 * never shrinks and keeps its content.  0, or -1 when realloc fails (the
 * buffer is then as it was). */
static inline int tg_buf_reserve(char **buf, size_t *cap, size_t need, size_t initial)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : initial;
    while (n < need)
        n *= 2;
    char *nb = realloc(*buf, n);
    if (!nb)
        return -1;
    *buf = nb;
    *cap = n;
    return 0;
}

#endif /* TG_BUF_INT_H */
