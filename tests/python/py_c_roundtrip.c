/*
 * py_c_roundtrip.c - the C side of the Python byte-identity test
 * (byte_identity.py): reads lines "<schema>.<Type>\t<json>" on stdin,
 * decodes each with the generated C decoder of that type, encodes it
 * again with the generated C encoder, and writes "OK\t<json>" or
 * "ERR\t<reason>" per line, in order.
 *
 * The types come from each schema's generated fuzz table (topicgen
 * --fuzz): every message and union of the schema, none listed by hand.
 * py_codecs.c (written by CMake) includes the <schema>_fuzz.c files.
 */
#define _POSIX_C_SOURCE 200809L /* getline */
#include "py_codecs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CAP (4u << 20)
#define OUT_CAP (4u << 20)

static const py_codec *find_codec(const char *name, size_t n)
{
    for (size_t s = 0; s < py_n_tables; s++) {
        size_t count;
        const py_codec *t = py_tables[s].get(&count);
        size_t sl = strlen(py_tables[s].schema);
        if (n <= sl || memcmp(name, py_tables[s].schema, sl) != 0 || name[sl] != '.')
            continue;
        for (size_t i = 0; i < count; i++)
            if (strlen(t[i].name) == n - sl - 1 && memcmp(t[i].name, name + sl + 1, n - sl - 1) == 0)
                return &t[i];
    }
    return NULL;
}

static void one_line(char *line, size_t len, void *arena_buf, char *out, void *msg)
{
    char *tab = memchr(line, '\t', len);
    if (!tab) {
        printf("ERR\tno tab\n");
        return;
    }
    const py_codec *c = find_codec(line, (size_t)(tab - line));
    if (!c) {
        printf("ERR\tunknown type %.*s\n", (int)(tab - line), line);
        return;
    }
    const char *json = tab + 1;
    size_t jlen = len - (size_t)(json - line);
    tg_arena arena;
    tg_json_error items[1];
    tg_json_errors errors = {items, 1, 0, 0};
    tg_arena_init(&arena, arena_buf, ARENA_CAP);
    memset(msg, 0, c->size);
    tg_json_code code = c->decode(msg, json, jlen, &arena, &errors);
    if (code != TG_JSON_OK) {
        char text[512];
        if (errors.count)
            tg_json_error_format(&items[0], text, sizeof text);
        else
            snprintf(text, sizeof text, "%s", tg_json_code_name(code));
        printf("ERR\t%s\n", text);
        return;
    }
    size_t n = 0;
    code = c->encode(msg, out, OUT_CAP, &n);
    if (code != TG_JSON_OK) {
        printf("ERR\tencode failed (%d)\n", (int)code);
        return;
    }
    printf("OK\t%.*s\n", (int)n, out);
}

int main(void)
{
    void *arena_buf = malloc(ARENA_CAP), *msg = malloc(1u << 16);
    char *out = malloc(OUT_CAP), *line = NULL;
    size_t cap = 0;
    ssize_t got;
    if (!arena_buf || !msg || !out)
        return 2;
    while ((got = getline(&line, &cap, stdin)) > 0) {
        size_t len = (size_t)got;
        if (line[len - 1] == '\n')
            len--;
        one_line(line, len, arena_buf, out, msg);
    }
    free(line);
    free(out);
    free(msg);
    free(arena_buf);
    return fflush(stdout) == 0 ? 0 : 2;
}
