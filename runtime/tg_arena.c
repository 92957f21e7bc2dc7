/*
 * tg_arena.c: the bump arena decoders place unescaped strings, decoded bytes
 * and array items in.  It never allocates; when a request does not fit it
 * returns NULL and remembers how much was asked for, so a caller can decode
 * once with a small arena and, on TG_JSON_E_ARENA, retry with a->needed bytes.
 */
#include "tg_types.h"

void tg_arena_init(tg_arena *a, void *buf, size_t cap)
{
    a->base = (unsigned char *)buf;
    a->cap = buf ? cap : 0;
    a->used = 0;
    a->needed = 0;
}

void tg_arena_reset(tg_arena *a)
{
    a->used = 0;
    a->needed = 0;
}

void *tg_arena_alloc(tg_arena *a, size_t size, size_t align)
{
    size_t pad, room;

    if (align == 0 || (align & (align - 1)) != 0)
        align = 1;
    /* Padding from the real address, so the caller's buffer may be unaligned. */
    pad = a->base ? (size_t)(-(uintptr_t)(a->base + a->used) & (align - 1)) : 0;
    room = a->cap - a->used;
    if (a->base && pad <= room && size <= room - pad) {
        void *p = a->base + a->used + pad;
        /* After a refusal, a retry places this request further on, where
         * its padding differs: count it like a refused one. */
        if (a->needed > a->used) {
            size_t add = size + (align - 1);
            a->needed = a->needed + add < a->needed ? SIZE_MAX : a->needed + add;
        }
        a->used += pad + size;
        if (a->needed < a->used)
            a->needed = a->used;
        return p;
    }
    /* Refused: count it, saturating, with the worst-case padding so that a
     * retry with `needed` bytes is always enough. */
    {
        size_t add = size + (align - 1);
        if (a->needed < a->used)
            a->needed = a->used;
        a->needed = (add < size || a->needed + add < a->needed) ? SIZE_MAX : a->needed + add;
    }
    return NULL;
}
