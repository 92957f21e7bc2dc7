/* tg_consumer_ops: what an operator sees of a consumer, beside its handlers
 * (a leaf over the coordinator's state; see tg_consumer_int.h).
 *
 * Owns: the consumer's own tg_metrics (every count of this consumer,
 * chained to opts->metrics) and its dead-letter producer's (the dlq label);
 * the /metrics, /healthz, /readyz endpoint (tg_http) when
 * topicgen.metrics.listen is set; the liveness stamp and readiness verdict
 * the endpoint reads; the progress line every topicgen.progress.interval.ms.
 *
 * Definitions (docs/runtime.md, "Health and readiness"):
 *   alive  the poll loop ran within max.poll.interval.ms (librdkafka's own
 *          bound for leaving the group), or has not started yet;
 *   ready  alive, subscribed, not stopping, not failed, the group gave this
 *          member an assignment (an empty one counts: the group has no
 *          partition for it) that was not revoked whole since, and no
 *          assigned partition's oldest unfinished message has been waiting
 *          (a retry, a dead letter not confirmed) longer than
 *          topicgen.ready.stuck.ms.
 *
 * Threading: tg_ops_tick runs on the polling thread and is the only writer;
 * the probes run on the HTTP thread and read an atomic stamp and the
 * verdict under its mutex. */
#define _POSIX_C_SOURCE 200809L
#include "tg_consumer_int.h"

#include <pthread.h>
#include <stdio.h>

#include "tg_http_int.h"
#include "tg_metrics_int.h"

typedef struct tg_consumer_ops {
    const tg_consumer *c;              /* for tg_consumer_stopping (atomic)   */
    tg_http *http;
    _Atomic int64_t last_tick_ms;      /* 0: the loop has not polled yet     */
    _Atomic int stopping;
    int64_t max_poll_ms;               /* max.poll.interval.ms                */
    pthread_mutex_t lock;              /* guards ready and why                */
    bool ready;
    char why[256];
    int64_t next_progress_ms, last_progress_ms;
    uint64_t last_handled, last_dead, last_retried;
} tg_consumer_ops;

/* ---- probes (HTTP thread) -------------------------------------------------- */

static int probe_alive(void *user, char *why, size_t cap)
{
    tg_consumer_ops *o = user;
    int64_t last = atomic_load(&o->last_tick_ms);
    if (last == 0)
        (void)snprintf(why, cap, "not polling yet");
    return !tg_http_loop_stalled(last, o->max_poll_ms, why, cap);
}

static int probe_ready(void *user, char *why, size_t cap)
{
    tg_consumer_ops *o = user;
    if (!probe_alive(user, why, cap))
        return 0;
    if (atomic_load(&o->stopping) || tg_consumer_stopping(o->c)) {
        (void)snprintf(why, cap, "stopping");
        return 0;
    }
    pthread_mutex_lock(&o->lock);
    int ok = o->ready;
    (void)snprintf(why, cap, "%s", o->why);
    pthread_mutex_unlock(&o->lock);
    return ok;
}

/* ---- the verdict (polling thread) ---------------------------------------- */

/* p's oldest unfinished message: how long has it been the head? */
static int64_t head_waiting_ms(part *p, int64_t now)
{
    int64_t head = p->qn && p->q[0].m ? p->q[0].m->offset : -1;
    if (head < 0) {
        p->head_since_ms = 0;
        return 0;
    }
    if (p->head_since_ms == 0 || p->head_seen != head) {
        p->head_seen = head;
        p->head_since_ms = now;
    }
    return now - p->head_since_ms;
}

static bool judge(tg_consumer *c, int64_t now, char *why, size_t cap)
{
    if (c->fatal || tg_dlq_refused(c)) {
        (void)snprintf(why, cap, "failed: %.200s", tg_dlq_refused(c) ? tg_dlq_refused(c)
                                                                     : "fatal consumer error");
        return false;
    }
    if (!c->subscribed || !c->in_group) {
        (void)snprintf(why, cap, "%s", c->subscribed ? "waiting for the group's assignment"
                                                     : "not subscribed yet");
        return false;
    }
    bool stuck = false;
    for (size_t i = 0; i < c->n_parts; i++) {
        part *p = &c->parts[i];
        int64_t waited = head_waiting_ms(p, now);
        if (!stuck && waited > c->s.ready_stuck_ms) {
            stuck = true;
            (void)snprintf(why, cap, "%.120s [%d] stuck at offset %lld for %lld ms "
                           "(topicgen.ready.stuck.ms %d)", p->topic, (int)p->partition,
                           (long long)p->head_seen, (long long)waited, c->s.ready_stuck_ms);
        }
    }
    if (!stuck)
        (void)snprintf(why, cap, "%zu partition(s) assigned", c->n_parts);
    return !stuck;
}

/* ---- the progress line --------------------------------------------------- */

/* Messages not yet handled on the assigned partitions: librdkafka's cached
 * high watermark (no request) minus the first unfinished offset; -1 when no
 * partition's is known yet. */
static long long total_lag(tg_consumer *c)
{
    long long total = -1;
    for (size_t i = 0; i < c->n_parts; i++) {
        const part *p = &c->parts[i];
        int64_t lo = -1, hi = -1;
        int64_t first = p->qn && p->q[0].m ? p->q[0].m->offset : p->next_offset;
        if (first < 0 || rd_kafka_get_watermark_offsets(c->rk, p->topic, p->partition, &lo, &hi)
            || hi < 0)
            continue;
        total = (total < 0 ? 0 : total) + (hi > first ? hi - first : 0);
    }
    return total;
}

static void log_progress(tg_consumer *c, tg_consumer_ops *o, int64_t now)
{
    uint64_t handled = tg_metrics_count(c->own_metrics, TG_M_PROCESSED);
    uint64_t dead = tg_metrics_count(c->own_metrics, TG_M_DEAD_LETTERED);
    uint64_t retried = tg_metrics_count(c->own_metrics, TG_M_RETRIED);
    double secs = (double)(now - o->last_progress_ms) / 1000.0;
    char f_handled[24], f_dead[24], f_retried[24], f_rate[32], f_lag[24], f_parts[24];
    long long lag = total_lag(c);
    (void)snprintf(f_handled, sizeof f_handled, "%llu", (unsigned long long)(handled - o->last_handled));
    (void)snprintf(f_dead, sizeof f_dead, "%llu", (unsigned long long)(dead - o->last_dead));
    (void)snprintf(f_retried, sizeof f_retried, "%llu",
                   (unsigned long long)(retried - o->last_retried));
    (void)snprintf(f_rate, sizeof f_rate, "%.1f",
                   secs > 0 ? (double)(handled - o->last_handled) / secs : 0.0);
    (void)snprintf(f_lag, sizeof f_lag, lag < 0 ? "unknown" : "%lld", lag);
    (void)snprintf(f_parts, sizeof f_parts, "%zu", c->n_parts);
    tg_log_kv kv[6] = { { "handled", f_handled }, { "dead_lettered", f_dead },
                        { "retried", f_retried }, { "rate_per_s", f_rate },
                        { "lag", f_lag }, { "partitions", f_parts } };
    tg_log(&c->logger, TG_LOG_INFO, "consumer", "progress", kv, 6);
    o->last_handled = handled;
    o->last_dead = dead;
    o->last_retried = retried;
    o->last_progress_ms = now;
}

void tg_ops_tick(tg_consumer *c, int64_t now)
{
    tg_consumer_ops *o = c->ops;
    bool serving = o && o->http, progress = o && c->s.progress_interval_ms > 0;
    if (!serving && !progress)
        return; /* nothing reads a verdict: the poll loop pays nothing */
    if (serving) {
        char why[256];
        atomic_store(&o->last_tick_ms, now);
        bool ready = judge(c, now, why, sizeof why);
        pthread_mutex_lock(&o->lock);
        o->ready = ready;
        memcpy(o->why, why, sizeof why);
        pthread_mutex_unlock(&o->lock);
    }
    if (progress && now >= o->next_progress_ms) {
        if (o->last_progress_ms)
            log_progress(c, o, now);
        else
            o->last_progress_ms = now;   /* the first line covers a whole interval */
        o->next_progress_ms = now + c->s.progress_interval_ms;
    }
}

/* ---- life cycle ------------------------------------------------------------ */

int tg_ops_start(tg_consumer *c, const tg_config *conf, const tg_consumer_opts *opts,
                 tg_error *err)
{
    tg_metrics *parent = opts ? opts->metrics : NULL;
    c->own_metrics = tg_metrics_new_child(parent, TG_METRICS_CLIENT);
    c->dlq_metrics = tg_metrics_new_child(c->own_metrics, TG_METRICS_DLQ_PRODUCER);
    c->ops = calloc(1, sizeof *c->ops);
    if (!c->own_metrics || !c->dlq_metrics || !c->ops)
        return tg_error_set(err, TG_ERR_NOMEM, "out of memory");
    c->metrics = c->own_metrics;
    tg_consumer_ops *o = c->ops;
    o->c = c;
    (void)pthread_mutex_init(&o->lock, NULL); /* default attributes: cannot fail on Linux */
    (void)snprintf(o->why, sizeof o->why, "not subscribed yet");
    o->max_poll_ms = tg_http_alive_bound_ms(conf);
    if (c->s.metrics_listen[0] == '\0')
        return 0;
    tg_http_source src = { tg_metrics_served(c->own_metrics), probe_alive, probe_ready, o };
    o->http = tg_http_start(c->s.metrics_listen, &src, &c->logger, err);
    return o->http ? 0 : (err ? err->code : TG_ERR_CONFIG);
}

void tg_ops_stop_serving(tg_consumer *c)
{
    if (!c->ops)
        return;
    atomic_store(&c->ops->stopping, 1);
    tg_http_stop(c->ops->http);
    c->ops->http = NULL;
}

void tg_ops_free(tg_consumer *c)
{
    if (c->ops) {
        tg_ops_stop_serving(c);
        pthread_mutex_destroy(&c->ops->lock);
        free(c->ops);
        c->ops = NULL;
    }
    tg_metrics_free(c->dlq_metrics);
    tg_metrics_free(c->own_metrics);
    c->dlq_metrics = c->own_metrics = NULL;
    c->metrics = NULL;
}

const char *tg_consumer_metrics_address(const tg_consumer *c)
{
    return c && c->ops ? tg_http_address(c->ops->http) : NULL;
}
