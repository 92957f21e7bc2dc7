/*
 * check.h: the tiny harness the codegen tests share.  CHECK counts a pass or
 * prints the failure with its line; finish() prints "N passed, N failed" and
 * gives the exit status.
 */
#ifndef CODEGEN_CHECK_H
#define CODEGEN_CHECK_H

#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(cond, ...)                                                     \
    do {                                                                     \
        if (cond) {                                                          \
            check_passed++;                                                  \
        } else {                                                             \
            check_failed++;                                                  \
            fprintf(stderr, "%s:%d: FAIL (%s): ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
        }                                                                    \
    } while (0)

static inline int check_finish(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif /* CODEGEN_CHECK_H */
