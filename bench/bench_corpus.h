/*
 * bench_corpus.h: deterministic benchmark corpora.
 *
 * Every corpus is a list of JSON messages made from a seed by filling the
 * generated C structs with pseudo-random content (splitmix64) and encoding
 * them with the generated encoders, so every message is valid for its schema
 * and the same seed gives byte-identical corpora on every machine.  Each
 * message is stored with BENCH_PADDING zero bytes after it (simdjson needs
 * them; the other decoders ignore them).
 */
#ifndef BENCH_CORPUS_H
#define BENCH_CORPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BENCH_PADDING 64

typedef struct bench_corpus {
    const char *name;   /* "orders5", ...                                */
    const char *schema; /* "orders", "workflow", "crm"                   */
    const char *what;   /* one line for the tables                        */
    size_t count;
    char **msgs;        /* msgs[i][0..lens[i]) + BENCH_PADDING zero bytes */
    size_t *lens;
    size_t total_bytes; /* sum of lens                                    */
    size_t max_len;
    bool canonical;     /* the bytes are topicgen's encoding of the structs
                           they were made from (all but orders_spaced)    */
} bench_corpus;

/* Names of all corpora, NULL-terminated. */
extern const char *const bench_corpus_names[];

/* Build corpus `name` with `count` messages from `seed`.  0 on success,
 * -1 for an unknown name. */
int bench_corpus_make(const char *name, uint64_t seed, size_t count, bench_corpus *out);
void bench_corpus_free(bench_corpus *c);

#ifdef __cplusplus
}
#endif

#endif
