/* tg_clock_int.h (private to runtime/kafka, not installed): the one
 * monotonic clock of the Kafka layer, for timeouts, backoff, the breaker's
 * window and handler latency.  CLOCK_MONOTONIC: never jumps with the wall
 * clock.  Thread-safe; no allocation. */
#ifndef TG_CLOCK_INT_H
#define TG_CLOCK_INT_H

#include <stdint.h>
#include <time.h>

/* Milliseconds since an arbitrary fixed point. */
static inline int64_t tg_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Seconds, with nanosecond resolution, since the same point. */
static inline double tg_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif /* TG_CLOCK_INT_H */
