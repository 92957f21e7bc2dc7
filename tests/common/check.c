/* check.c: the tally and failure lines of check.h. */
#include "check.h"

#include <stdarg.h>

int check_passed, check_failed;

void check_pass(int n)
{
    check_passed += n;
}

void check_fail_expr(const char *file, int line, const char *expr)
{
    check_failed++;
    fprintf(stderr, "%s:%d: FAIL: %s\n", file, line, expr ? expr : "");
    fflush(stderr);
}

void check_failf_expr(const char *file, int line, const char *expr, const char *fmt, ...)
{
    va_list ap;
    check_failed++;
    if (expr)
        fprintf(stderr, "%s:%d: FAIL: %s: ", file, line, expr);
    else
        fprintf(stderr, "%s:%d: FAIL: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

int check_done(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    fflush(stdout);
    return check_failed ? 1 : 0;
}
