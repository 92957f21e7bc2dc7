/* tg_metrics: atomic counters and histogram, the lag table fed from
 * librdkafka statistics JSON (a tiny purpose-built scanner: it reads only
 * topics.<t>.partitions.<p>.consumer_lag and skips everything else), the
 * chain from a client's own object to the caller's (tg_metrics_int.h: every
 * update goes up the chain; a dead-letter producer's deliveries land in the
 * dlq slots), and the Prometheus text writer. */
#include "tg_metrics_int.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Counter slots: the public tg_counter values, then the dead-letter
 * producer's three (tg_metrics_snapshot.dlq). */
enum { SLOT_DLQ_DELIVERED = TG_M_COUNTER_COUNT, SLOT_DLQ_FAILED, SLOT_DLQ_REFUSED, N_SLOTS };

struct tg_metrics {
    tg_metrics *parent;                               /* updates go up too   */
    tg_metrics_kind kind;
    _Atomic uint64_t counters[N_SLOTS];
    _Atomic uint64_t buckets[TG_METRICS_BUCKETS + 1];
    _Atomic uint64_t latency_count;
    _Atomic uint64_t latency_sum_ns;
    _Atomic int breaker_state;
    _Atomic uint64_t breaker_opens;
    pthread_mutex_t lock;                             /* guards the lag table  */
    size_t n_lag;
    tg_partition_lag lag[TG_METRICS_MAX_PARTITIONS];
    size_t n_scratch;                                 /* parse target (locked) */
    tg_partition_lag scratch[TG_METRICS_MAX_PARTITIONS];
};

static const double bucket_bounds[TG_METRICS_BUCKETS] = TG_METRICS_BUCKET_BOUNDS;

static const char *const counter_names[TG_M_COUNTER_COUNT] = {
    "topicgen_messages_consumed_total",   "topicgen_messages_processed_total",
    "topicgen_messages_retried_total",    "topicgen_messages_dead_lettered_total",
    "topicgen_delivery_failures_total",   "topicgen_commits_total",
    "topicgen_messages_delivered_total",  "topicgen_messages_fallback_total",
    "topicgen_messages_spooled_total",    "topicgen_sends_refused_total",
    "topicgen_tombstones_skipped_total",
};

static const char *const counter_help[TG_M_COUNTER_COUNT] = {
    "Messages returned by the consumer poll.",
    "Messages whose handler returned TG_OK.",
    "Handler re-invocations after TG_RETRY.",
    "Messages whose dead-letter copy was confirmed delivered.",
    "Delivery reports with an error, by producer: app (yours) or dlq (a consumer's "
    "dead-letter producer).",
    "Successful offset commits.",
    "Delivery reports with success, by producer: app (yours) or dlq (a consumer's "
    "dead-letter producer).",
    "Failed deliveries saved by the producer fallback (DLQ copy or spool).",
    "Failed deliveries appended to the producer spool file.",
    "Sends refused before the local queue because no broker was reachable, by producer: "
    "app or dlq.",
    "Tombstones (null values) skipped by their route: offset stored, no handler.",
};

const char *tg_counter_name(tg_counter c)
{
    return (unsigned)c < TG_M_COUNTER_COUNT ? counter_names[c] : "topicgen_unknown_total";
}

tg_metrics *tg_metrics_new(void)
{
    tg_metrics *m = calloc(1, sizeof *m);
    if (m && pthread_mutex_init(&m->lock, NULL) != 0) {
        free(m);
        return NULL;
    }
    return m;
}

void tg_metrics_free(tg_metrics *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->lock);
    free(m);
}

tg_metrics *tg_metrics_new_child(tg_metrics *parent, tg_metrics_kind kind)
{
    tg_metrics *m = tg_metrics_new();
    if (m) {
        m->parent = parent;
        m->kind = kind;
    }
    return m;
}

tg_metrics *tg_metrics_served(tg_metrics *m)
{
    return m && m->parent ? m->parent : m;
}

/* The slot a counter in `slot` lands in at m: a dead-letter producer's
 * object moves the three producer counters to its own slots, for itself and
 * every object above it. */
static size_t slot_at(const tg_metrics *m, size_t slot)
{
    if (m->kind != TG_METRICS_DLQ_PRODUCER)
        return slot;
    return slot == TG_M_DELIVERED           ? SLOT_DLQ_DELIVERED
           : slot == TG_M_FAILED_DELIVERIES ? SLOT_DLQ_FAILED
           : slot == TG_M_REFUSED           ? SLOT_DLQ_REFUSED
                                            : slot;
}

void tg_metrics_add(tg_metrics *m, tg_counter c, uint64_t n)
{
    if ((unsigned)c >= TG_M_COUNTER_COUNT)
        return;
    for (size_t slot = (size_t)c; m; m = m->parent) {
        slot = slot_at(m, slot);
        atomic_fetch_add_explicit(&m->counters[slot], n, memory_order_relaxed);
    }
}

uint64_t tg_metrics_count(tg_metrics *m, tg_counter c)
{
    if (!m || (unsigned)c >= TG_M_COUNTER_COUNT)
        return 0;
    return atomic_load_explicit(&m->counters[c], memory_order_relaxed);
}

void tg_metrics_observe_latency(tg_metrics *m, double seconds)
{
    size_t b = 0;
    while (b < TG_METRICS_BUCKETS && seconds > bucket_bounds[b])
        b++;
    double ns = seconds > 0 ? seconds * 1e9 : 0;
    for (; m; m = m->parent) {
        atomic_fetch_add_explicit(&m->buckets[b], 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&m->latency_count, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&m->latency_sum_ns, (uint64_t)ns, memory_order_relaxed);
    }
}

void tg_metrics_set_breaker_state(tg_metrics *m, int state)
{
    for (; m; m = m->parent)
        atomic_store_explicit(&m->breaker_state, state, memory_order_relaxed);
}

void tg_metrics_breaker_opened(tg_metrics *m)
{
    for (; m; m = m->parent)
        atomic_fetch_add_explicit(&m->breaker_opens, 1, memory_order_relaxed);
}

/* ---- statistics JSON scanner ------------------------------------------ */

typedef struct scan { const char *p, *end; int depth; } scan;

static void ws(scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
        s->p++;
}

static int eat(scan *s, char ch)
{
    ws(s);
    if (s->p < s->end && *s->p == ch) {
        s->p++;
        return 1;
    }
    return 0;
}

/* A string; out and len give the raw (still escaped) content. */
static int string(scan *s, const char **out, size_t *len)
{
    if (!eat(s, '"'))
        return 0;
    const char *start = s->p;
    while (s->p < s->end && *s->p != '"')
        s->p += (*s->p == '\\' && s->p + 1 < s->end) ? 2 : 1;
    if (s->p >= s->end)
        return 0;
    *out = start;
    *len = (size_t)(s->p - start);
    s->p++;
    return 1;
}

static int skip_value(scan *s);

static int skip_container(scan *s, char open, char close)
{
    if (!eat(s, open) || ++s->depth > 64)
        return 0;
    if (eat(s, close)) {
        s->depth--;
        return 1;
    }
    do {
        const char *k;
        size_t kl;
        if (open == '{' && (!string(s, &k, &kl) || !eat(s, ':')))
            return 0;
        if (!skip_value(s))
            return 0;
    } while (eat(s, ','));
    s->depth--;
    return eat(s, close);
}

static int skip_value(scan *s)
{
    ws(s);
    if (s->p >= s->end)
        return 0;
    if (*s->p == '{')
        return skip_container(s, '{', '}');
    if (*s->p == '[')
        return skip_container(s, '[', ']');
    if (*s->p == '"') {
        const char *v;
        size_t vl;
        return string(s, &v, &vl);
    }
    const char *start = s->p;
    while (s->p < s->end && *s->p != ',' && *s->p != '}' && *s->p != ']' && *s->p != ' '
           && *s->p != '\n')
        s->p++;
    return s->p > start;
}

static int key_is(const char *k, size_t kl, const char *want)
{
    return strlen(want) == kl && memcmp(k, want, kl) == 0;
}

static long long parse_ll(const char *p, size_t n)
{
    char tmp[32];
    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, p, n);
    tmp[n] = '\0';
    return strtoll(tmp, NULL, 10);
}

/* Iterate the members of an object: cb(s, key, keylen, ctx) must consume the value. */
typedef int (*member_fn)(scan *s, const char *k, size_t kl, void *ctx);

static int each_member(scan *s, member_fn fn, void *ctx)
{
    if (!eat(s, '{'))
        return 0;
    if (eat(s, '}'))
        return 1;
    do {
        const char *k;
        size_t kl;
        if (!string(s, &k, &kl) || !eat(s, ':') || !fn(s, k, kl, ctx))
            return 0;
    } while (eat(s, ','));
    return eat(s, '}');
}

typedef struct lag_ctx { tg_metrics *m; const char *topic; size_t topic_len; int64_t lag; } lag_ctx;

static int partition_member(scan *s, const char *k, size_t kl, void *ctx)
{
    lag_ctx *c = ctx;
    if (!key_is(k, kl, "consumer_lag"))
        return skip_value(s);
    ws(s);
    const char *start = s->p;
    if (!skip_value(s))
        return 0;
    c->lag = parse_ll(start, (size_t)(s->p - start));
    return 1;
}

static int partitions_member(scan *s, const char *k, size_t kl, void *ctx)
{
    lag_ctx *c = ctx;
    long long part = parse_ll(k, kl);
    c->lag = -1;
    if (!each_member(s, partition_member, c))
        return 0;
    tg_metrics *m = c->m;
    if (part < 0 || part > INT32_MAX || m->n_scratch >= TG_METRICS_MAX_PARTITIONS)
        return 1;
    tg_partition_lag *e = &m->scratch[m->n_scratch++];
    size_t tl = c->topic_len < TG_METRICS_TOPIC_MAX - 1 ? c->topic_len : TG_METRICS_TOPIC_MAX - 1;
    memcpy(e->topic, c->topic, tl);
    e->topic[tl] = '\0';
    e->partition = (int32_t)part;
    e->lag = c->lag;
    return 1;
}

static int topic_member(scan *s, const char *k, size_t kl, void *ctx)
{
    if (!key_is(k, kl, "partitions"))
        return skip_value(s);
    return each_member(s, partitions_member, ctx);
}

static int topics_member(scan *s, const char *k, size_t kl, void *ctx)
{
    lag_ctx *c = ctx;
    c->topic = k;
    c->topic_len = kl;
    return each_member(s, topic_member, c);
}

static int root_member(scan *s, const char *k, size_t kl, void *ctx)
{
    if (!key_is(k, kl, "topics"))
        return skip_value(s);
    return each_member(s, topics_member, ctx);
}

int tg_metrics_update_lag_from_stats(tg_metrics *m, const char *json, size_t len)
{
    if (!m || !json)
        return -1;
    scan s = { json, json + len, 0 };
    lag_ctx ctx = { m, NULL, 0, -1 };
    int n = -1;
    pthread_mutex_lock(&m->lock);
    m->n_scratch = 0;
    if (each_member(&s, root_member, &ctx)) {
        memcpy(m->lag, m->scratch, m->n_scratch * sizeof m->lag[0]);
        m->n_lag = m->n_scratch;
        n = (int)m->n_lag;
    }
    pthread_mutex_unlock(&m->lock);
    if (n >= 0 && m->parent)
        (void)tg_metrics_update_lag_from_stats(m->parent, json, len);
    return n;
}

int64_t tg_metrics_lag(tg_metrics *m, const char *topic, int32_t partition)
{
    int64_t lag = -1;
    if (!m || !topic)
        return -1;
    pthread_mutex_lock(&m->lock);
    for (size_t i = 0; i < m->n_lag; i++)
        if (m->lag[i].partition == partition && strcmp(m->lag[i].topic, topic) == 0)
            lag = m->lag[i].lag;
    pthread_mutex_unlock(&m->lock);
    return lag;
}

void tg_metrics_snapshot_get(tg_metrics *m, tg_metrics_snapshot *out)
{
    memset(out, 0, sizeof *out);
    if (!m)
        return;
    for (size_t i = 0; i < TG_M_COUNTER_COUNT; i++)
        out->counters[i] = atomic_load_explicit(&m->counters[i], memory_order_relaxed);
    for (size_t i = 0; i <= TG_METRICS_BUCKETS; i++)
        out->buckets[i] = atomic_load_explicit(&m->buckets[i], memory_order_relaxed);
    out->latency_count = atomic_load_explicit(&m->latency_count, memory_order_relaxed);
    out->latency_sum_seconds =
        (double)atomic_load_explicit(&m->latency_sum_ns, memory_order_relaxed) / 1e9;
    out->breaker_state = atomic_load_explicit(&m->breaker_state, memory_order_relaxed);
    out->breaker_opens = atomic_load_explicit(&m->breaker_opens, memory_order_relaxed);
    out->dlq.delivered = atomic_load_explicit(&m->counters[SLOT_DLQ_DELIVERED], memory_order_relaxed);
    out->dlq.delivery_failures =
        atomic_load_explicit(&m->counters[SLOT_DLQ_FAILED], memory_order_relaxed);
    out->dlq.sends_refused =
        atomic_load_explicit(&m->counters[SLOT_DLQ_REFUSED], memory_order_relaxed);
    pthread_mutex_lock(&m->lock);
    out->n_lag = m->n_lag;
    memcpy(out->lag, m->lag, m->n_lag * sizeof m->lag[0]);
    pthread_mutex_unlock(&m->lock);
}

/* ---- Prometheus text ---------------------------------------------------- */

typedef struct prom { char *buf; size_t cap; size_t len; } prom;

static void emit(prom *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void emit(prom *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = o->len < o->cap ? o->cap - o->len : 0;
    int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
}

/* Label values: escape '\\', '"' and newlines as the format requires. */
static void emit_label_value(prom *o, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            emit(o, "\\%c", *v);
        else if (*v == '\n')
            emit(o, "\\n");
        else
            emit(o, "%c", *v);
    }
}

static void emit_histogram(prom *o, const tg_metrics_snapshot *s)
{
    uint64_t cum = 0;
    emit(o, "# HELP topicgen_processing_seconds Handler run time per message or batch.\n"
            "# TYPE topicgen_processing_seconds histogram\n");
    for (size_t i = 0; i < TG_METRICS_BUCKETS; i++) {
        cum += s->buckets[i];
        emit(o, "topicgen_processing_seconds_bucket{le=\"%g\"} %llu\n", bucket_bounds[i],
             (unsigned long long)cum);
    }
    cum += s->buckets[TG_METRICS_BUCKETS];
    emit(o, "topicgen_processing_seconds_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)cum);
    emit(o, "topicgen_processing_seconds_sum %.9f\n", s->latency_sum_seconds);
    emit(o, "topicgen_processing_seconds_count %llu\n", (unsigned long long)s->latency_count);
}

/* The dead-letter producer's value of a counter with a producer label, or
 * -1 for a counter without one. */
static long long dlq_value(const tg_metrics_snapshot *s, tg_counter c)
{
    return c == TG_M_DELIVERED           ? (long long)s->dlq.delivered
           : c == TG_M_FAILED_DELIVERIES ? (long long)s->dlq.delivery_failures
           : c == TG_M_REFUSED           ? (long long)s->dlq.sends_refused
                                         : -1;
}

static void emit_counter(prom *o, const tg_metrics_snapshot *s, tg_counter c)
{
    const char *name = counter_names[c];
    long long dlq = dlq_value(s, c);
    emit(o, "# HELP %s %s\n# TYPE %s counter\n", name, counter_help[c], name);
    if (dlq < 0) {
        emit(o, "%s %llu\n", name, (unsigned long long)s->counters[c]);
        return;
    }
    emit(o, "%s{producer=\"app\"} %llu\n%s{producer=\"dlq\"} %lld\n", name,
         (unsigned long long)s->counters[c], name, dlq);
}

size_t tg_metrics_write_prometheus(tg_metrics *m, char *buf, size_t cap)
{
    tg_metrics_snapshot *s = malloc(sizeof *s);
    prom o = { buf, cap, 0 };
    if (!s)
        return 0;
    tg_metrics_snapshot_get(m, s);
    for (size_t i = 0; i < TG_M_COUNTER_COUNT; i++)
        emit_counter(&o, s, (tg_counter)i);
    emit_histogram(&o, s);
    emit(&o, "# HELP topicgen_breaker_state Consumer circuit breaker: 0 closed, 1 open, "
             "2 half-open.\n# TYPE topicgen_breaker_state gauge\ntopicgen_breaker_state %d\n",
         s->breaker_state);
    emit(&o, "# HELP topicgen_breaker_opens_total Times a consumer circuit breaker opened.\n"
             "# TYPE topicgen_breaker_opens_total counter\ntopicgen_breaker_opens_total %llu\n",
         (unsigned long long)s->breaker_opens);
    emit(&o, "# HELP topicgen_consumer_lag_messages Messages behind the high watermark per "
             "partition (committed offset; -1 unknown).\n"
             "# TYPE topicgen_consumer_lag_messages gauge\n");
    for (size_t i = 0; i < s->n_lag; i++) {
        emit(&o, "topicgen_consumer_lag_messages{topic=\"");
        emit_label_value(&o, s->lag[i].topic);
        emit(&o, "\",partition=\"%d\"} %lld\n", (int)s->lag[i].partition,
             (long long)s->lag[i].lag);
    }
    free(s);
    if (cap)
        buf[o.len < cap ? o.len : cap - 1] = '\0';
    return o.len;
}
