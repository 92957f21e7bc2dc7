/*
 * tg_arena.c: the bump arena decoders place unescaped strings, decoded bytes
 * and array items in.  It never allocates; when a request does not fit it
 * returns NULL and remembers how much was asked for, so a caller can decode
 * once with a small arena and, on TG_JSON_E_ARENA, retry with a->needed bytes.
 */
#include "tg_arena_int.h"

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

/* a->needed is the cursor of an unlimited arena over the same buffer: every
 * request, granted or not, advances it by the padding it would need there
 * plus its size.  So a retry with needed bytes (same buffer, or one with the
 * same alignment) fits exactly, and needed - 1 does not. */
void *tg_arena_alloc(tg_arena *a, size_t size, size_t align)
{
    static unsigned char empty[1]; /* zero-size requests; never written */
    uintptr_t b = (uintptr_t)a->base;
    size_t pad, vpad, room;

    if (size == 0)
        return a->base ? a->base + a->used : empty;
    if (align == 0 || (align & (align - 1)) != 0)
        align = 1;
    if (a->needed < a->used)
        a->needed = a->used;
    vpad = (size_t)(-(b + a->needed) & (align - 1));
    tg_arena_count_(a, vpad, size);
    pad = (size_t)(-(b + a->used) & (align - 1));
    room = a->cap - a->used;
    if (a->base && pad <= room && size <= room - pad) {
        void *p = a->base + a->used + pad;
        a->used += pad + size;
        return p;
    }
    return NULL;
}
