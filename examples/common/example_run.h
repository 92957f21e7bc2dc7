/*
 * example_run.h: what the long-running example programs (orders_store,
 * order_totals) do around their main loop, written once: stop on SIGINT or
 * SIGTERM, read a monotonic clock, sleep.
 *
 * Part of the examples, not of topicgen.
 */
#ifndef EXAMPLE_RUN_H
#define EXAMPLE_RUN_H

#include <stdint.h>

/* A stop request: tg_consumer_stop or tg_processor_stop behind a void *.
 * Called from a signal handler: it must be async-signal-safe (both are). */
typedef void (*ex_stop_fn)(void *target);

/* From now on the first SIGINT or SIGTERM calls stop(target); the handler
 * stays installed for later signals.  ex_stop_on_signals(NULL, NULL) before
 * freeing the target makes later signals do nothing (the swap runs with the
 * two signals blocked, so a handler never sees a half-set pair).  target is
 * not owned.  0, or -1 with errno set by sigaction. */
int ex_stop_on_signals(ex_stop_fn stop, void *target);

/* CLOCK_MONOTONIC in nanoseconds / milliseconds. */
int64_t ex_mono_ns(void);
int64_t ex_mono_ms(void);

/* Sleep ms milliseconds, resuming after signals. */
void ex_sleep_ms(long ms);

#endif /* EXAMPLE_RUN_H */
