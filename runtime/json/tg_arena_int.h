/*
 * tg_arena_int.h: private to the runtime.  The one rule for the arena's
 * virtual cursor (a->needed), shared by tg_arena_alloc and the reader's
 * inline hand-out of the arena's free end (tg_json_read.c), so that both
 * count exactly alike.
 */
#ifndef TG_ARENA_INT_H
#define TG_ARENA_INT_H

#include "tg_types.h"

#include <stdint.h>

/* Count a request of size bytes after vpad bytes of padding (at the virtual
 * cursor) into a->needed, the cursor of an unlimited arena over the same
 * buffer: it never trails a->used and saturates at SIZE_MAX. */
static inline void tg_arena_count_(tg_arena *a, size_t vpad, size_t size)
{
    size_t v = a->needed < a->used ? a->used : a->needed;
    a->needed = (vpad + size < size || v + vpad + size < v) ? SIZE_MAX : v + vpad + size;
}

#endif /* TG_ARENA_INT_H */
