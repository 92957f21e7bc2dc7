/*
 * bench_dump.c - the benchmark corpora (bench/bench_corpus.c: messages of
 * orders, workflow and crm made by the generated encoders, some with
 * escapes, unicode or spacing) for the jsonschema differential test.
 * Prints, for every corpus, COUNT messages as records
 *   "<schema> <length>\n<json>\n"
 * which differential.py runs through every type of that schema.
 *
 * usage: js_bench_dump [COUNT]   (default 40, seed 17)
 */
#include "bench_corpus.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    size_t count = argc > 1 ? strtoull(argv[1], NULL, 10) : 40;
    for (const char *const *name = bench_corpus_names; *name; name++) {
        bench_corpus c;
        if (bench_corpus_make(*name, 17, count, &c) != 0) {
            fprintf(stderr, "js_bench_dump: corpus %s cannot be made\n", *name);
            return 1;
        }
        for (size_t i = 0; i < c.count; i++) {
            printf("%s %zu\n", c.schema, c.lens[i]);
            fwrite(c.msgs[i], 1, c.lens[i], stdout);
            putchar('\n');
        }
        bench_corpus_free(&c);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
