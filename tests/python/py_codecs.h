/*
 * py_codecs.h - the generated codecs of every schema, for py_c_roundtrip.c:
 * one table per schema, taken from that schema's generated fuzz harness
 * (its fuzz_codecs[]: every message and union), exported by py_codecs.c.
 */
#ifndef PY_CODECS_H
#define PY_CODECS_H

#include "tg_json.h"

#include <stddef.h>

/* The same layout as the fuzz harness's fuzz_codec. */
typedef struct py_codec {
    const char *name;
    size_t size;
    tg_json_code (*decode)(void *out, const char *json, size_t len, tg_arena *arena,
                           tg_json_errors *errors);
    tg_json_code (*encode)(const void *msg, char *buf, size_t cap, size_t *len);
} py_codec;

typedef struct py_table {
    const char *schema;
    const py_codec *(*get)(size_t *count);
} py_table;

extern const py_table py_tables[];
extern const size_t py_n_tables;

#endif
