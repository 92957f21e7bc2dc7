/*
 * simd_diff.h: one document read the way the SIMD differential checks
 * compare levels (tests/json/simd_test.c, tests/fuzz/json_simd_fuzz.c):
 * skipped whole, then read as an object of strings; the verdict, the first
 * error (code, offset, path, reason) and the first strings are kept.
 * Static state: one thread.
 */
#ifndef TG_TEST_SIMD_DIFF_H
#define TG_TEST_SIMD_DIFF_H

#include <stdbool.h>
#include <string.h>

#include "tg_json.h"

typedef struct simd_diff_outcome {
    bool ok;
    size_t count;
    tg_json_error first;
    tg_str strings[4];
} simd_diff_outcome;

static tg_json_reader simd_diff_reader;
static tg_json_error simd_diff_items[4];
static unsigned char simd_diff_arena[8192];

static inline void simd_diff_read(const char *doc, size_t n, simd_diff_outcome *o)
{
    tg_json_reader *r = &simd_diff_reader;
    tg_json_errors es = {simd_diff_items, 4, 0, 0};
    tg_arena a;
    tg_str k;
    memset(o, 0, sizeof *o);
    tg_arena_init(&a, simd_diff_arena, sizeof simd_diff_arena);
    tg_json_reader_init(r, doc, n, &a, &es);
    tg_json_skip_value(r);
    o->ok = tg_json_finish(r);
    tg_json_reader_init(r, doc, n, &a, &es);
    if (tg_json_object_begin(r))
        for (int i = 0; tg_json_object_next(r, &k) == 1; i++) {
            tg_str v = {"", 0};
            if (!tg_json_read_string(r, &v) && r->fatal)
                break;
            if (i < 4)
                o->strings[i] = v;
        }
    tg_json_finish(r);
    o->count = es.count;
    if (es.count)
        o->first = simd_diff_items[0];
}

static inline bool simd_diff_same(const simd_diff_outcome *a, const simd_diff_outcome *b)
{
    if (a->ok != b->ok || a->count != b->count)
        return false;
    if (a->count && (a->first.code != b->first.code || a->first.offset != b->first.offset ||
                     strcmp(a->first.path, b->first.path) != 0 ||
                     strcmp(a->first.reason, b->first.reason) != 0))
        return false;
    for (int i = 0; i < 4; i++)
        if (!tg_str_eq(a->strings[i], b->strings[i]))
            return false;
    return true;
}

#endif
