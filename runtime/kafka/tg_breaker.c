/*
 * tg_breaker.c: circuit breaker state machine (see tg_breaker.h).
 *
 * The failure-rate window is a ring of TG_BREAKER_BUCKETS buckets, each
 * window_ms / TG_BREAKER_BUCKETS wide; a bucket older than the window is
 * reset when its slot comes round again.
 */
#include "tg_breaker.h"

#include <string.h>

tg_breaker_config tg_breaker_config_default(void)
{
    tg_breaker_config c = {
        .consecutive_failures = 5,
        .failure_rate = 0.5,
        .min_calls = 20,
        .window_ms = 10000,
        .cooldown_ms = 5000,
    };
    return c;
}

void tg_breaker_init(tg_breaker *b, const tg_breaker_config *config)
{
    memset(b, 0, sizeof *b);
    b->config = *config;
    if (b->config.window_ms < TG_BREAKER_BUCKETS)
        b->config.window_ms = TG_BREAKER_BUCKETS;
}

static int64_t bucket_width(const tg_breaker *b)
{
    return (int64_t)(b->config.window_ms / TG_BREAKER_BUCKETS);
}

/* The bucket for `now`, emptied first if it holds an older period. */
static unsigned current_bucket(tg_breaker *b, int64_t now_ms)
{
    int64_t width = bucket_width(b);
    int64_t start = now_ms - (now_ms % width + width) % width;
    unsigned i = (unsigned)((start / width) % TG_BREAKER_BUCKETS + TG_BREAKER_BUCKETS) % TG_BREAKER_BUCKETS;
    if (b->bucket_start_ms[i] != start) {
        b->bucket_start_ms[i] = start;
        b->bucket_calls[i] = 0;
        b->bucket_failures[i] = 0;
    }
    return i;
}

static bool rate_exceeded(const tg_breaker *b, int64_t now_ms)
{
    if (b->config.failure_rate <= 0)
        return false;
    unsigned calls = 0, failures = 0;
    for (unsigned i = 0; i < TG_BREAKER_BUCKETS; i++)
        if (now_ms - b->bucket_start_ms[i] < (int64_t)b->config.window_ms) {
            calls += b->bucket_calls[i];
            failures += b->bucket_failures[i];
        }
    return calls >= b->config.min_calls && calls > 0 &&
           (double)failures >= b->config.failure_rate * (double)calls;
}

static void open_breaker(tg_breaker *b, int64_t now_ms)
{
    b->state = TG_BREAKER_OPEN;
    b->opened_at_ms = now_ms;
    b->probe_running = false;
    b->opened_count++;
}

static void close_breaker(tg_breaker *b)
{
    b->state = TG_BREAKER_CLOSED;
    b->consecutive = 0;
    b->probe_running = false;
    memset(b->bucket_calls, 0, sizeof b->bucket_calls);
    memset(b->bucket_failures, 0, sizeof b->bucket_failures);
}

bool tg_breaker_allow(tg_breaker *b, int64_t now_ms)
{
    switch (b->state) {
    case TG_BREAKER_CLOSED:
        return true;
    case TG_BREAKER_OPEN:
        if (now_ms - b->opened_at_ms < (int64_t)b->config.cooldown_ms)
            return false;
        b->state = TG_BREAKER_HALF_OPEN;
        b->probe_running = true;
        return true;
    case TG_BREAKER_HALF_OPEN:
        if (b->probe_running)
            return false;
        b->probe_running = true;
        return true;
    }
    return false;
}

tg_breaker_state tg_breaker_record(tg_breaker *b, bool success, int64_t now_ms)
{
    if (b->state == TG_BREAKER_HALF_OPEN) {
        if (success)
            close_breaker(b);
        else
            open_breaker(b, now_ms);
        return b->state;
    }
    if (b->state == TG_BREAKER_OPEN)
        return b->state; /* a late outcome of a call let through before opening */
    unsigned i = current_bucket(b, now_ms);
    b->bucket_calls[i]++;
    if (success) {
        b->consecutive = 0;
        return b->state;
    }
    b->bucket_failures[i]++;
    b->consecutive++;
    if ((b->config.consecutive_failures && b->consecutive >= b->config.consecutive_failures) ||
        rate_exceeded(b, now_ms))
        open_breaker(b, now_ms);
    return b->state;
}

void tg_breaker_release(tg_breaker *b)
{
    if (b->state == TG_BREAKER_HALF_OPEN)
        b->probe_running = false;
}

const char *tg_breaker_state_name(tg_breaker_state s)
{
    switch (s) {
    case TG_BREAKER_CLOSED:
        return "closed";
    case TG_BREAKER_OPEN:
        return "open";
    case TG_BREAKER_HALF_OPEN:
        return "half_open";
    }
    return "?";
}
