/* doc_quotes_test DOC SOURCE: every fenced code block of DOC that follows
 * the line "<!-- quoted from SOURCE-NAME -->" (SOURCE-NAME: SOURCE's path
 * from the repository root, as written in the doc) must appear verbatim in
 * SOURCE, so the code a doc shows is the code ctest compiles and runs.
 * Fails when a quoted block drifted, or when fewer than MIN_BLOCKS blocks
 * are marked (a doc that lost its markers checks nothing).  Prints
 * "N passed, N failed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define MIN_BLOCKS 3

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0
        && (buf = malloc((size_t)n + 1)) != NULL) {
        if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        } else {
            buf[n] = '\0';
        }
    }
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    int blocks = 0;
    if (argc != 4) {
        fprintf(stderr, "usage: %s DOC SOURCE SOURCE-NAME\n", argv[0]);
        return 2;
    }
    char *doc = slurp(argv[1]), *src = slurp(argv[2]);
    char marker[512];
    if (!doc || !src) {
        fprintf(stderr, "cannot read %s or %s\n", argv[1], argv[2]);
        return 2;
    }
    (void)snprintf(marker, sizeof marker, "<!-- quoted from %s -->\n```c\n", argv[3]);
    for (char *at = strstr(doc, marker); at; at = strstr(at, marker)) {
        char *body = at + strlen(marker), *end = strstr(body, "\n```");
        if (!end)
            break;
        end[1] = '\0';             /* the block, with its last newline */
        blocks++;
        CHECKF(strstr(src, body) != NULL, "%s: block %d is not in %s:\n%s", argv[1], blocks,
               argv[2], body);
        at = end + 2;
    }
    CHECKF(blocks >= MIN_BLOCKS, "%s: %d blocks marked as quoted from %s, expected at least %d",
           argv[1], blocks, argv[3], MIN_BLOCKS);
    free(doc);
    free(src);
    return check_done();
}
