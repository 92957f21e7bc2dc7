/*
 * example_run.c: stopping on signals, the clock and sleeping for the
 * example programs (example_run.h).
 *
 * The one piece of global state is the stop request the signal handler
 * reads: a function and its target, each a lock-free atomic, swapped only
 * with SIGINT and SIGTERM blocked.
 */
#define _POSIX_C_SOURCE 200809L
#include "example_run.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#if ATOMIC_POINTER_LOCK_FREE != 2
#error "the signal handler needs lock-free atomic pointers"
#endif

static _Atomic(ex_stop_fn) stop_fn;   /* static: starts NULL */
static _Atomic(void *) stop_target;

static void on_signal(int sig)
{
    (void)sig;
    ex_stop_fn fn = atomic_load(&stop_fn);
    void *target = atomic_load(&stop_target);
    if (fn && target)
        fn(target);
}

int ex_stop_on_signals(ex_stop_fn stop, void *target)
{
    struct sigaction sa;
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    (void)sigprocmask(SIG_BLOCK, &block, &old);
    atomic_store(&stop_fn, stop);
    atomic_store(&stop_target, target);
    (void)sigprocmask(SIG_SETMASK, &old, NULL);
    if (!stop)
        return 0;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    return sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL) ? -1 : 0;
}

int64_t ex_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t ex_mono_ms(void)
{
    return ex_mono_ns() / 1000000;
}

void ex_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}
