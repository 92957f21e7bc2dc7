/*
 * check.h: the few lines of test harness the JSON runtime tests share:
 * pass/fail counters, CHECK(cond, line, fmt, ...) that prints the table row's
 * line on failure, and the closing "N passed, N failed" line.
 */
#ifndef TG_TEST_CHECK_H
#define TG_TEST_CHECK_H

#include <stdio.h>

static int g_passed, g_failed;

/* Count one check; on failure print where (the table row's __LINE__). */
#define CHECK(cond, line, ...)                                   \
    do {                                                         \
        if (cond) {                                              \
            g_passed++;                                          \
        } else {                                                 \
            g_failed++;                                          \
            fprintf(stderr, "%s:%d: FAIL: ", __FILE__, (line));  \
            fprintf(stderr, __VA_ARGS__);                        \
            fputc('\n', stderr);                                 \
        }                                                        \
    } while (0)

static inline int check_done(void)
{
    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed ? 1 : 0;
}

#endif /* TG_TEST_CHECK_H */
