/*
 * check.h: the one pass/fail harness of topicgen's C tests (after nanopb's
 * tests/common/unittests.h).  Every check counts a pass or prints where it
 * failed, on stderr:
 *
 *   CHECK(cond)                 file:line: FAIL: cond
 *   CHECKF(cond, fmt, ...)      file:line: FAIL: cond: <message>
 *   CHECK_AT(cond, line, fmt, ...)
 *                               the same with the line given, for checks
 *                               driven by a table whose rows carry __LINE__
 *
 * and a test's main ends with `return check_done();`, which prints the
 * closing line "N passed, N failed" on stdout (CI reads exactly that form)
 * and returns the exit status: 0 when nothing failed, else 1.
 *
 * Tests that count for themselves (a loop over 100,000 cases that reports
 * only its failures, say) add to the tally with check_pass(n) and report a
 * failure with check_fail(file, line, fmt, ...).
 *
 * Link tg_test_common (tests/common/CMakeLists.txt).
 */
#ifndef TG_TEST_CHECK_H
#define TG_TEST_CHECK_H

#include <stdio.h>

#if defined(__GNUC__)
#define CHECK_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CHECK_PRINTF(f, a)
#endif

/* The tally; check_done() reports it. */
extern int check_passed, check_failed;

/* Count n passed checks. */
void check_pass(int n);

/* Count one failure and print "file:line: FAIL: <expr>" (expr may be NULL)
 * or, with a message, "file:line: FAIL: <expr>: <message>". */
void check_fail_expr(const char *file, int line, const char *expr);
void check_failf_expr(const char *file, int line, const char *expr, const char *fmt, ...)
    CHECK_PRINTF(4, 5);
#define check_fail(file, line, ...) check_failf_expr((file), (line), NULL, __VA_ARGS__)

#define CHECK(cond)                                            \
    do {                                                       \
        if (cond)                                              \
            check_passed++;                                    \
        else                                                   \
            check_fail_expr(__FILE__, __LINE__, #cond);        \
    } while (0)

#define CHECKF(cond, ...)                                                 \
    do {                                                                  \
        if (cond)                                                         \
            check_passed++;                                               \
        else                                                              \
            check_failf_expr(__FILE__, __LINE__, #cond, __VA_ARGS__);     \
    } while (0)

#define CHECK_AT(cond, line, ...)                                         \
    do {                                                                  \
        if (cond)                                                         \
            check_passed++;                                               \
        else                                                              \
            check_failf_expr(__FILE__, (line), #cond, __VA_ARGS__);       \
    } while (0)

/* Print "N passed, N failed" and return the exit status (0: none failed). */
int check_done(void);

#endif /* TG_TEST_CHECK_H */
