/*
 * tg_breaker.h: a circuit breaker for consumer handlers.
 *
 * Per-message retries and a dead-letter topic are right for bad messages
 * and wrong for an outage: when the database behind a handler is down,
 * every message would exhaust its retries and be dead-lettered.  The
 * breaker watches handler outcomes and opens when failures cross a
 * threshold (N consecutive failures, or a failure rate over a sliding
 * window); while open the consumer pauses its partitions and neither
 * retries to exhaustion nor dead-letters.  After a cool-down it lets one
 * probe through (half-open): success closes it, failure opens it again.
 *
 * A pure state machine: time is passed in (milliseconds from any monotonic
 * clock), nothing allocates, no locks.  One breaker belongs to one consumer
 * thread.
 */
#ifndef TG_BREAKER_H
#define TG_BREAKER_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tg_breaker_state {
    TG_BREAKER_CLOSED = 0,  /* normal operation                         */
    TG_BREAKER_OPEN = 1,    /* outage assumed: process nothing          */
    TG_BREAKER_HALF_OPEN = 2 /* cool-down over: one probe may run       */
} tg_breaker_state;

/* Buckets of the sliding failure-rate window. */
#define TG_BREAKER_BUCKETS 10

typedef struct tg_breaker_config {
    unsigned consecutive_failures; /* open after this many failures in a row; 0 = off  */
    double failure_rate;           /* open when failures/calls >= this ... ; 0 = off   */
    unsigned min_calls;            /* ... over at least this many calls ...            */
    unsigned window_ms;            /* ... within the last window_ms                    */
    unsigned cooldown_ms;          /* time open before the half-open probe             */
} tg_breaker_config;

/* Defaults: 5 consecutive failures, or 50% of at least 20 calls in 10 s;
 * 5 s cool-down. */
tg_breaker_config tg_breaker_config_default(void);

typedef struct tg_breaker {
    tg_breaker_config config;
    tg_breaker_state state;
    unsigned consecutive;          /* failures in a row                         */
    int64_t opened_at_ms;          /* when it last opened                       */
    bool probe_running;            /* half-open: the probe was let through      */
    uint64_t opened_count;         /* times it opened (for metrics)             */
    int64_t bucket_start_ms[TG_BREAKER_BUCKETS];
    unsigned bucket_calls[TG_BREAKER_BUCKETS];
    unsigned bucket_failures[TG_BREAKER_BUCKETS];
} tg_breaker;

/* Start closed with `config` (copied). */
void tg_breaker_init(tg_breaker *b, const tg_breaker_config *config);

/* May a handler run now?  Closed: yes.  Open: no, until cooldown_ms have
 * passed; then the breaker turns half-open and lets exactly one call (the
 * probe) through; further calls are refused until that probe's outcome is
 * recorded. */
bool tg_breaker_allow(tg_breaker *b, int64_t now_ms);

/* Record the outcome of a call that tg_breaker_allow let through.  Returns
 * the state afterwards. */
tg_breaker_state tg_breaker_record(tg_breaker *b, bool success, int64_t now_ms);

/* The call tg_breaker_allow let through ended without a verdict on the
 * dependency (e.g. the handler rejected the message itself): nothing is
 * recorded, and a half-open breaker lets the next probe through. */
void tg_breaker_release(tg_breaker *b);

/* "closed", "open" or "half_open".  Static storage. */
const char *tg_breaker_state_name(tg_breaker_state s);

#ifdef __cplusplus
}
#endif

#endif /* TG_BREAKER_H */
