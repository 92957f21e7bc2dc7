/*
 * replay_main.c: a main() for the hand-written fuzz targets when they are not
 * linked with libFuzzer (gcc builds, the ASan build): it runs
 * LLVMFuzzerTestOneInput once on each file named on the command line, so the
 * checked-in regressions and corpus replay in every build.  A crash or an
 * abort() in the target is the failure; otherwise the exit status is 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 2;
        }
        size_t cap = 4096, n = 0, got;
        uint8_t *buf = malloc(cap);
        if (!buf)
            abort();
        while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
            if ((n += got) < cap)
                continue;
            uint8_t *bigger = realloc(buf, cap *= 2);
            if (!bigger)
                abort();
            buf = bigger;
        }
        fclose(f);
        /* Exactly n bytes, so ASan sees any read past the input. */
        uint8_t *exact = malloc(n ? n : 1);
        if (!exact)
            abort();
        for (size_t k = 0; k < n; k++)
            exact[k] = buf[k];
        free(buf);
        LLVMFuzzerTestOneInput(exact, n);
        free(exact);
    }
    printf("%d input%s replayed\n", argc - 1, argc == 2 ? "" : "s");
    return 0;
}
