/* tg_http_int.h (private to runtime/kafka, not installed): the small HTTP
 * endpoint a client serves when topicgen.metrics.listen=HOST:PORT is set.
 *
 * One endpoint per client (consumer, producer or processor), on
 * libmicrohttpd's own thread:
 *   GET /metrics  the Prometheus text format 0.0.4 of src->metrics
 *                 (Content-Type: text/plain; version=0.0.4; charset=utf-8)
 *   GET /healthz  200 "ok" while src->probe says alive, else 503 and why
 *   GET /readyz   200 "ready" when src->probe says ready, else 503 and why
 * anything else 404, other methods 405.  Built without libmicrohttpd
 * (TOPICGEN_WITH_HTTP off), tg_http_start fails with TG_ERR_CONFIG.
 *
 * Threading: the probe and tg_metrics_write_prometheus run on the HTTP
 * thread, concurrently with the client: the probe must read only atomics
 * (or take its own lock).  tg_http_stop joins that thread; after it returns
 * no callback runs. */
#ifndef TG_HTTP_INT_H
#define TG_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tg_clock_int.h"
#include "tg_config.h"
#include "tg_error.h"
#include "tg_log.h"
#include "tg_metrics.h"

/* A probe: write a short reason into why[0..cap) (NUL-terminated) and
 * return 1 for yes (alive / ready), 0 for no. */
typedef int (*tg_http_probe_fn)(void *user, char *why, size_t cap);

typedef struct tg_http_source {
    tg_metrics *metrics;        /* served at /metrics; not owned; NULL = empty  */
    tg_http_probe_fn alive;     /* /healthz; NULL = always alive                */
    tg_http_probe_fn ready;     /* /readyz; NULL = always ready                 */
    void *user;                 /* passed to the probes                         */
} tg_http_source;

typedef struct tg_http tg_http;

/* /healthz's bound for a client's loop: max.poll.interval.ms of conf
 * (librdkafka's own: past it a member is out of its group), 300000 when
 * unset.  One rule for the consumer and the processor. */
static inline int64_t tg_http_alive_bound_ms(const tg_config *conf)
{
    char v[32];
    long long n = 0;
    if (tg_config_get(conf, "max.poll.interval.ms", v, sizeof v, NULL) == 0)
        n = strtoll(v, NULL, 10);
    return n > 0 ? n : 300000;
}

/* A client's loop, which last stepped at last_ms (0: not yet), is stalled
 * when that was longer ago than bound_ms (tg_http_alive_bound_ms): then
 * says so in why and returns true. */
static inline bool tg_http_loop_stalled(int64_t last_ms, int64_t bound_ms, char *why, size_t cap)
{
    int64_t now = tg_now_ms();
    if (last_ms == 0 || now - last_ms <= bound_ms)
        return false;
    (void)snprintf(why, cap, "the poll loop has not run for %lld ms (max.poll.interval.ms %lld)",
                   (long long)(now - last_ms), (long long)bound_ms);
    return true;
}

/* Parse "HOST:PORT" ("[v6]:PORT" for IPv6; HOST a numeric address or a
 * name; PORT 0..65535, 0 = any free port) and serve src there.  The
 * source is copied; what it points to must outlive tg_http_stop.  Logs
 * "metrics endpoint listening" with the bound address.  NULL + err
 * (TG_ERR_CONFIG naming topicgen.metrics.listen) on a bad address or when
 * the port cannot be bound. */
tg_http *tg_http_start(const char *listen, const tg_http_source *src, const tg_logger *logger,
                       tg_error *err);

/* The bound address, "127.0.0.1:40123" ("[::1]:40123" for IPv6): with
 * port 0 the port the system picked.  Owned by h, valid until
 * tg_http_stop.  NULL h gives NULL. */
const char *tg_http_address(const tg_http *h);

/* Stop serving (joins the thread) and free h.  NULL is fine. */
void tg_http_stop(tg_http *h);

#endif /* TG_HTTP_INT_H */
