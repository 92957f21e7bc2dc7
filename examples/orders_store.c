/*
 * orders_store.c: the example pipeline's loader.  A consumer group member
 * that consumes OrderEvents through the generated orders_OrderEvent_consume,
 * translates each into the store's domain model with
 * orders_OrderEvent_to_domain (the anti-corruption layer: integer cents,
 * Unix milliseconds, totals checked against the lines) and keeps the orders
 * in an in-memory hash table keyed by order id.
 *
 *   orders_store [--brokers LIST | --bootstrap-file PATH] [--group ID]
 *                [--topic NAME] [--expect N] [--idle-ms MS] [--max-seconds S]
 *                [--delay-ms MS] [--commit-interval-ms MS] [--ids-out FILE]
 *                [--trace-out FILE] [--config FILE] [--metrics]
 *   orders_store --read-dlq [--brokers ... | --bootstrap-file ...] [--topic NAME]
 *
 * The cluster: --brokers LIST, else the first line of --bootstrap-file (as
 * topicgen-broker writes it), else the runtime's environment
 * (TOPICGEN_BROKERS, TOPICGEN_KAFKA_BOOTSTRAP_SERVERS; tg_config_load_env);
 * with none of them the runtime refuses to create the consumer and says how
 * to name one.  Properties: defaults, then --config FILE, then
 * TOPICGEN_BROKERS / TOPICGEN_KAFKA_*, then the flags.
 *
 * The handler translates each order into a domain value of its own call
 * (not through the consumer's translate hook, whose translate_user every
 * message shares), so it is correct with topicgen.workers > 0 as well: the
 * handlers of different keys then run at the same time, and the store they
 * share is behind a mutex.  When the translation fails the handler returns
 * TG_REJECT with the reason "translate: <why>": the runtime dead-letters
 * the message to "<topic>.dlq" with it in the tg-dlq-reason header and
 * stores its offset only once the DLQ delivery is confirmed; otherwise the
 * handler stores the order and returns TG_OK.  Offsets are committed by the
 * runtime every topicgen.commit.interval.ms and on shutdown.
 *
 * Stops on SIGINT/SIGTERM (the handler only calls tg_consumer_stop; before
 * the consumer exists the default action ends the process, as nothing can be
 * lost yet, and during teardown a signal is ignored), after
 * --expect N messages were stored or dead-lettered (as the runtime counts
 * them: offsets stored), after --idle-ms without
 * progress (default 10000; counted from the start too) or after
 * --max-seconds (default 300).  Then prints
 *   stored: X orders, Y cents revenue, dead-lettered: Z, committed offsets: T[0]=a T[1]=b ...
 *   handled: H, traced: T, duplicates: D, stop: <why>
 * and, with --metrics, the Prometheus text of the run's tg_metrics.
 * --ids-out appends "order_id partition offset" per stored message with one
 * write(2) each, so the record survives SIGKILL (tests count loss and
 * duplicates with it).  --trace-out appends
 *   "member partition offset t_start_ns t_end_ns"
 * per stored message, also with one write(2) each: member is the process
 * id, the times are CLOCK_MONOTONIC (system-wide on Linux, so traces of
 * several processes compare) from the handler's start (translation
 * included) to the end of the store call; tests check with it that no two
 * group members process one partition at the same time.  --delay-ms makes
 * each store call slow (tests).
 *
 * --read-dlq reads a dead-letter topic (default orders.dlq) from the start
 * up to its high watermarks, without a group, and prints
 *   dlq: N messages, R with tg-dlq-reason
 * plus one "dlq-message:" line per message.
 *
 * Exit status: 0, 1 on a Kafka error or when --expect was not reached,
 * 2 on bad usage.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "example_options.h"
#include "example_run.h"
#include "orders_kafka.h"
#include "orders_translator.h"
#include "tg_config.h"
#include "tg_embedded.h"
#include "tg_metrics.h"

#define MAX_LINES 500             /* schema: line_items max_items */
#define MAX_PARTITIONS 256
#define METADATA_TIMEOUT_MS 10000
#define DLQ_READ_TIMEOUT_MS 30000

typedef struct options {
    ex_common common;            /* --brokers, --bootstrap-file, --config, --topic */
    const char *group, *ids_out, *trace_out;
    long expect, idle_ms, max_seconds, delay_ms, commit_interval_ms;
    bool metrics, read_dlq;
} options;

/* ---- the store: open addressing keyed by order id ---------------------- */

typedef struct order_rec {
    char id[ORDER_ID_MAX + 1];    /* "" = empty slot */
    int64_t total_cents;
    uint32_t n_lines;
    uint32_t seen;                /* > 1: delivered again (at-least-once) */
} order_rec;

typedef struct store {
    order_rec *slots;
    size_t cap, count, duplicates;
    int64_t revenue_cents;
} store;

static uint64_t hash_id(const char *s)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return h;
}

/* The slot holding id, or the empty slot where it belongs (cap > count). */
static order_rec *store_slot(order_rec *slots, size_t cap, const char *id)
{
    size_t i = (size_t)hash_id(id) & (cap - 1);
    while (slots[i].id[0] && strcmp(slots[i].id, id) != 0)
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static int store_grow(store *s)
{
    size_t cap = s->cap ? s->cap * 2 : 1024;
    order_rec *n = calloc(cap, sizeof *n);
    if (!n)
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i].id[0])
            *store_slot(n, cap, s->slots[i].id) = s->slots[i];
    free(s->slots);
    s->slots = n;
    s->cap = cap;
    return 0;
}

/* Insert or replace; a replaced order's old total leaves the revenue. */
static int store_put(store *s, const orders_OrderEvent_domain *o)
{
    if ((s->count + 1) * 10 > s->cap * 7 && store_grow(s))
        return -1;
    order_rec *r = store_slot(s->slots, s->cap, o->id);
    if (r->id[0]) {
        s->duplicates++;
        s->revenue_cents -= r->total_cents;
    } else {
        memcpy(r->id, o->id, sizeof r->id);
        s->count++;
    }
    r->total_cents = o->total_cents;
    r->n_lines = (uint32_t)o->n_lines;
    r->seen++;
    s->revenue_cents += o->total_cents;
    return 0;
}

/* ---- the application ---------------------------------------------------- */

/* Shared by the handler calls, which run on the polling thread, or at the
 * same time on worker threads with topicgen.workers > 0: the store behind
 * a mutex, the counters atomic, the rest set before the consumer starts.
 * A message's translation is local to its handler call. */
typedef struct app {
    pthread_mutex_t lock;                    /* guards st                  */
    store st;
    atomic_size_t handled;                   /* handler calls that stored  */
    atomic_size_t traced;                    /* ... with a valid traceparent */
    int ids_fd;                              /* -1: no --ids-out           */
    int trace_fd;                            /* -1: no --trace-out         */
    long pid;                                /* the member in trace lines  */
    long delay_ms;
    tg_metrics *metrics;                     /* updated by the consumer    */
    tg_metrics_snapshot snap;                /* the polling thread's scratch */
} app;

static void record_id(const app *a, const char *id, const tg_msg_meta *meta)
{
    char line[128];
    int n = snprintf(line, sizeof line, "%s %d %lld\n", id, (int)meta->partition,
                     (long long)meta->offset);
    if (a->ids_fd >= 0 && n > 0 && write(a->ids_fd, line, (size_t)n) != n)
        fprintf(stderr, "orders_store: writing --ids-out: %s\n", strerror(errno));
}

/* One --trace-out line for the message just stored, handled since t_start_ns. */
static void record_trace(const app *a, int64_t t_start_ns, const tg_msg_meta *meta)
{
    char line[128];
    if (a->trace_fd < 0)
        return;
    int n = snprintf(line, sizeof line, "%ld %d %lld %lld %lld\n", a->pid, (int)meta->partition,
                     (long long)meta->offset, (long long)t_start_ns, (long long)ex_mono_ns());
    if (n > 0 && write(a->trace_fd, line, (size_t)n) != n)
        fprintf(stderr, "orders_store: writing --trace-out: %s\n", strerror(errno));
}

/* The typed handler: translate the order into a domain value of this
 * call's own (a refusal dead-letters it, with the translator's reason),
 * then store it. */
static tg_result store_order(void *user, const orders_OrderEvent *msg, const tg_msg_meta *meta)
{
    app *a = user;
    int64_t t_start_ns = ex_mono_ns();
    orders_LineItem_domain lines[MAX_LINES];
    orders_OrderEvent_domain order = { .lines = lines, .lines_cap = MAX_LINES };
    tg_error why;
    tg_error_clear(&why);
    if (!orders_OrderEvent_to_domain(msg, &order, &why)) {
        tg_reject_reason(meta, "translate: %s", why.message);
        return TG_REJECT;
    }
    if (a->delay_ms > 0)
        ex_sleep_ms(a->delay_ms);
    pthread_mutex_lock(&a->lock);
    int rc = store_put(&a->st, &order);
    pthread_mutex_unlock(&a->lock);
    if (rc != 0)
        return TG_RETRY; /* out of memory: maybe later */
    atomic_fetch_add(&a->handled, 1);
    if (meta->trace.valid)
        atomic_fetch_add(&a->traced, 1);
    record_id(a, order.id, meta);
    record_trace(a, t_start_ns, meta);
    return TG_OK;
}

/* ---- command line ------------------------------------------------------- */

static const char usage_text[] =
    "usage: orders_store [--brokers LIST | --bootstrap-file PATH] [--group ID]\n"
    "         [--topic NAME] [--expect N] [--idle-ms MS] [--max-seconds S]\n"
    "         [--delay-ms MS] [--commit-interval-ms MS] [--ids-out FILE]\n"
    "         [--trace-out FILE] [--config FILE] [--metrics]\n"
    "       orders_store --read-dlq [--brokers LIST | --bootstrap-file PATH] [--topic NAME]\n";

static int parse_args(int argc, char **argv, options *o)
{
    const ex_opt opts[] = {
        EX_STR("--group", &o->group),
        EX_STR("--ids-out", &o->ids_out),
        EX_STR("--trace-out", &o->trace_out),
        EX_NUM("--expect", &o->expect, 0, 100000000),
        EX_NUM("--idle-ms", &o->idle_ms, 100, 3600000),
        EX_NUM("--max-seconds", &o->max_seconds, 1, 86400),
        EX_NUM("--delay-ms", &o->delay_ms, 0, 60000),
        EX_NUM("--commit-interval-ms", &o->commit_interval_ms, 10, 3600000),
        EX_SWITCH("--metrics", &o->metrics),
        EX_SWITCH("--read-dlq", &o->read_dlq),
    };
    *o = (options){ .group = "orders-store", .idle_ms = 10000, .max_seconds = 300 };
    return ex_parse_args(argc, argv, "orders_store", usage_text, &o->common, opts,
                         sizeof opts / sizeof opts[0]);
}

/* ---- configuration ------------------------------------------------------ */

/* Defaults, then --config, then TOPICGEN_KAFKA_*, then explicit flags. */
static tg_config *consumer_config(const options *o, tg_error *err)
{
    char interval[24];
    const char *defaults[] = { "client.id", "orders-store", "session.timeout.ms", "6000",
                               "heartbeat.interval.ms", "500",
                               "statistics.interval.ms", o->metrics ? "1000" : "0" };
    const char *flags[] = { "group.id", o->group, "topicgen.commit.interval.ms", interval };
    (void)snprintf(interval, sizeof interval, "%ld", o->commit_interval_ms);
    tg_config *c = tg_config_new(TG_CONFIG_CONSUMER, err);
    bool ok = c && tg_config_set_pairs(c, defaults, 4, err) == 0
              && ex_config_load(c, &o->common, err) == 0
              && tg_config_set_pairs(c, flags, o->commit_interval_ms ? 2 : 1, err) == 0;
    if (!ok) {
        tg_config_free(c);
        return NULL;
    }
    return c;
}

/* ---- committed offsets ---------------------------------------------------- */

/* Partition count of topic via a metadata request; -1 on error. */
static int partition_count(rd_kafka_t *rk, const char *topic)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    int n = -1;
    if (rkt && rd_kafka_metadata(rk, 0, rkt, &md, METADATA_TIMEOUT_MS) == 0) {
        if (md->topic_cnt == 1 && md->topics[0].err == 0)
            n = md->topics[0].partition_cnt;
        rd_kafka_metadata_destroy(md);
    }
    if (rkt)
        rd_kafka_topic_destroy(rkt);
    return n;
}

/* " T[0]=a T[1]=b ..." into buf (-1001: nothing committed yet). */
static void format_committed(rd_kafka_t *rk, const char *topic, char *buf, size_t cap)
{
    int n = partition_count(rk, topic);
    size_t used = 0;
    buf[0] = '\0';
    if (n <= 0) {
        (void)snprintf(buf, cap, " unknown (no metadata for %s)", topic);
        return;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
    for (int i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(l, topic, i);
    rd_kafka_resp_err_t e = rd_kafka_committed(rk, l, METADATA_TIMEOUT_MS);
    for (int i = 0; i < l->cnt && used < cap; i++) {
        int w = snprintf(buf + used, cap - used, " %s[%d]=%lld", topic,
                         (int)l->elems[i].partition, (long long)l->elems[i].offset);
        used += w > 0 ? (size_t)w : 0;
    }
    if (e && used < cap)
        (void)snprintf(buf + used, cap - used, " (%s)", rd_kafka_err2str(e));
    rd_kafka_topic_partition_list_destroy(l);
}

/* ---- running the consumer -------------------------------------------------- */

static void stop_consumer(void *c)
{
    tg_consumer_stop(c);
}

/* Dead-letter deliveries the DLQ broker confirmed so far. */
static uint64_t dead_lettered(app *a)
{
    tg_metrics_snapshot_get(a->metrics, &a->snap);
    return a->snap.counters[TG_M_DEAD_LETTERED];
}

/* Messages the consumer has finished: handled (TG_OK) or dead-lettered.
 * Counted by the runtime as it settles each one and stores its offset, on
 * the polling thread; the handler's own count runs ahead of it with
 * topicgen.workers, where a handler returns on a worker thread before the
 * poll settles its message, so a commit made when that count is reached
 * could miss the last offsets. */
static uint64_t finished(app *a)
{
    tg_metrics_snapshot_get(a->metrics, &a->snap);
    return a->snap.counters[TG_M_PROCESSED] + a->snap.counters[TG_M_DEAD_LETTERED];
}

/* Poll until a stop condition; returns why it stopped ("error" sets err). */
static const char *poll_loop(tg_consumer *c, app *a, const options *o,
                             tg_error *err)
{
    int64_t start = ex_mono_ms(), last_change = start;
    uint64_t last = 0;
    while (!tg_consumer_stopping(c)) {
        if (tg_consumer_poll(c, 100, err) != 0)
            return "error";
        uint64_t progress = finished(a);
        int64_t now = ex_mono_ms();
        if (progress != last) {
            last = progress;
            last_change = now;
        }
        if (o->expect > 0 && progress >= (uint64_t)o->expect)
            return "expected count reached";
        if (now - last_change >= o->idle_ms)
            return "idle";
        if (now - start >= o->max_seconds * 1000)
            return "max-seconds";
    }
    return "signal";
}

static void print_metrics(tg_metrics *m)
{
    size_t cap = 1 << 16;
    char *buf = malloc(cap);
    size_t n = buf ? tg_metrics_write_prometheus(m, buf, cap) : 0;
    if (n > 0 && n < cap)
        fputs(buf, stdout);
    free(buf);
}

/* After close; the lock because a worker's handler may outlive its bound. */
static void print_summary(app *a, const char *why, const char *commits)
{
    pthread_mutex_lock(&a->lock);
    printf("stored: %zu orders, %lld cents revenue, dead-lettered: %llu, committed offsets:%s\n",
           a->st.count, (long long)a->st.revenue_cents, (unsigned long long)dead_lettered(a),
           commits);
    printf("handled: %zu, traced: %zu, duplicates: %zu, stop: %s\n", atomic_load(&a->handled),
           atomic_load(&a->traced), a->st.duplicates, why);
    pthread_mutex_unlock(&a->lock);
}

/* Commit synchronously, then read the group's committed offsets into buf. */
static void final_commits(tg_consumer *c, const char *topic, char *buf, size_t cap)
{
    tg_error err;
    if (tg_consumer_commit(c, false, &err) != 0)
        fprintf(stderr, "orders_store: final commit: %s\n", err.message);
    format_committed(tg_consumer_handle(c), topic, buf, cap);
}

static int run_consumer(tg_consumer *c, app *a, const options *o)
{
    tg_error err;
    char commits[4096] = "";
    const char *topic = o->common.topic ? o->common.topic : orders_OrderEvent_desc.topic;
    orders_OrderEvent_route route = { store_order, a };
    if (orders_OrderEvent_consume(c, o->common.topic, &route, &err) != 0) {
        fprintf(stderr, "orders_store: %s\n", err.message);
        return 1;
    }
    format_committed(tg_consumer_handle(c), topic, commits, sizeof commits);
    printf("committed at start:%s\n", commits);
    fflush(stdout);
    const char *why = poll_loop(c, a, o, &err);
    int rc = strcmp(why, "error") == 0;
    if (rc)
        fprintf(stderr, "orders_store: %s\n", err.message);
    final_commits(c, topic, commits, sizeof commits);
    if (tg_consumer_close(c, &err) != 0) {
        fprintf(stderr, "orders_store: close: %s\n", err.message);
        rc = 1;
    }
    print_summary(a, why, commits);
    if (o->expect > 0 && atomic_load(&a->handled) + dead_lettered(a) < (uint64_t)o->expect)
        rc = 1;
    return rc;
}

static int open_append(const char *path)
{
    int fd = path ? open(path, O_WRONLY | O_CREAT | O_APPEND, 0644) : -1;
    if (path && fd < 0)
        fprintf(stderr, "orders_store: %s: %s\n", path, strerror(errno));
    return fd;
}

static void app_free(app *a)
{
    if (a->ids_fd >= 0)
        close(a->ids_fd);
    if (a->trace_fd >= 0)
        close(a->trace_fd);
    tg_metrics_free(a->metrics);
    pthread_mutex_destroy(&a->lock);
    free(a->st.slots);
    free(a);
}

/* The app state with --ids-out and --trace-out opened; NULL after printing
 * why not. */
static app *app_new(const options *o)
{
    app *a = calloc(1, sizeof *a);
    if (!a || !(a->metrics = tg_metrics_new())) {
        fprintf(stderr, "orders_store: out of memory\n");
        free(a);
        return NULL;
    }
    pthread_mutex_init(&a->lock, NULL);
    atomic_init(&a->handled, 0);
    atomic_init(&a->traced, 0);
    a->delay_ms = o->delay_ms;
    a->pid = (long)getpid();
    a->ids_fd = open_append(o->ids_out);
    a->trace_fd = open_append(o->trace_out);
    if ((o->ids_out && a->ids_fd < 0) || (o->trace_out && a->trace_fd < 0)) {
        app_free(a);
        return NULL;
    }
    return a;
}

static tg_consumer *make_consumer(const options *o, app *a)
{
    tg_error err;
    tg_consumer_opts co = { NULL, NULL, a->metrics, NULL, NULL };
    tg_config *conf = consumer_config(o, &err);
    tg_consumer *c = conf ? tg_consumer_new(conf, &co, &err) : NULL;
    tg_config_free(conf);
    if (!c)
        fprintf(stderr, "orders_store: %s\n", err.message);
    return c;
}

static int store_main(const options *o)
{
    app *a = app_new(o);
    tg_consumer *c = a ? make_consumer(o, a) : NULL;
    int rc = 1;
    if (c && ex_stop_on_signals(stop_consumer, c) != 0)
        fprintf(stderr, "orders_store: sigaction: %s\n", strerror(errno));
    else if (c)
        rc = run_consumer(c, a, o);
    /* From here on a signal finds no consumer and does nothing: the
     * teardown below is bounded by topicgen.shutdown.timeout.ms. */
    (void)ex_stop_on_signals(NULL, NULL);
    tg_consumer_free(c);
    if (a && o->metrics)
        print_metrics(a->metrics);
    if (a)
        app_free(a);
    return rc;
}

/* ---- --read-dlq: count a dead-letter topic's messages and reasons ------------ */

/* A plain librdkafka consumer on the cluster the runtime's config names
 * (same sources as the store); *held: the embedded broker it holds, if any. */
static rd_kafka_t *plain_consumer(const options *o, tg_embedded **held)
{
    char errstr[256];
    tg_error err;
    const char *kv[] = { "group.id", "orders-dlq-reader", "enable.partition.eof", "true",
                         "log_level", "4" };
    tg_config *c = tg_config_new(TG_CONFIG_CONSUMER, &err);
    rd_kafka_conf_t *conf = NULL;
    bool ok = c && ex_config_load(c, &o->common, &err) == 0
              && tg_config_set_pairs(c, kv, 3, &err) == 0 && (conf = tg_config_rdkafka_dup(c))
              && tg_embedded_resolve(conf, held, &err) == 0;
    tg_config_free(c);
    rd_kafka_t *rk = ok ? rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr) : NULL;
    if (!rk) {
        fprintf(stderr, "orders_store: %s\n", ok ? errstr : err.message);
        if (conf)
            rd_kafka_conf_destroy(conf);
        tg_embedded_release(*held);
        *held = NULL;
    }
    return rk;
}

typedef struct dlq_count {
    size_t messages, with_reason;
    int64_t high[MAX_PARTITIONS];
    bool done[MAX_PARTITIONS];
    int partitions_done, n;
} dlq_count;

static void show_dlq_message(const rd_kafka_message_t *m, dlq_count *d)
{
    rd_kafka_headers_t *h = NULL;
    const void *v = NULL;
    size_t len = 0;
    bool has = rd_kafka_message_headers(m, &h) == 0
               && rd_kafka_header_get_last(h, "tg-dlq-reason", &v, &len) == 0 && v;
    d->messages++;
    d->with_reason += has;
    printf("dlq-message: partition=%d offset=%lld key=%.*s reason=\"%.*s\"\n", (int)m->partition,
           (long long)m->offset, (int)m->key_len, m->key ? (const char *)m->key : "",
           has ? (int)len : 0, has ? (const char *)v : "");
}

/* Assign every partition from the beginning; fills d->high.  0 or -1. */
static int assign_all(rd_kafka_t *rk, const char *topic, dlq_count *d)
{
    d->n = partition_count(rk, topic);
    if (d->n <= 0 || d->n > MAX_PARTITIONS) {
        fprintf(stderr, "orders_store: no metadata for topic %s\n", topic);
        return -1;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(d->n);
    for (int i = 0; i < d->n; i++) {
        int64_t low = 0;
        if (rd_kafka_query_watermark_offsets(rk, topic, i, &low, &d->high[i],
                                             METADATA_TIMEOUT_MS) != 0)
            d->high[i] = -1;
        if (d->high[i] <= low) {
            d->done[i] = true; /* empty: nothing to wait for */
            d->partitions_done++;
        }
        rd_kafka_topic_partition_list_add(l, topic, i)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_resp_err_t e = rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    return e ? -1 : 0;
}

/* A partition is read once its last message (or EOF at the high mark) came. */
static void mark_done(dlq_count *d, const rd_kafka_message_t *m)
{
    bool eof = m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
    int p = (int)m->partition;
    if ((m->err && !eof) || p < 0 || p >= d->n || d->done[p])
        return;
    if (m->offset + (eof ? 0 : 1) >= d->high[p]) {
        d->done[p] = true;
        d->partitions_done++;
    }
}

static int read_dlq(const options *o)
{
    const char *topic = o->common.topic ? o->common.topic : "orders.dlq";
    dlq_count d;
    memset(&d, 0, sizeof d);
    tg_embedded *held = NULL;
    rd_kafka_t *rk = plain_consumer(o, &held);
    if (!rk)
        return 1;
    int rc = assign_all(rk, topic, &d);
    int64_t deadline = ex_mono_ms() + DLQ_READ_TIMEOUT_MS;
    while (rc == 0 && d.partitions_done < d.n && ex_mono_ms() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
        if (!m)
            continue;
        if (!m->err)
            show_dlq_message(m, &d);
        mark_done(&d, m);
        rd_kafka_message_destroy(m);
    }
    printf("dlq: %zu messages, %zu with tg-dlq-reason\n", d.messages, d.with_reason);
    (void)rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    tg_embedded_release(held);
    return rc == 0 && d.partitions_done >= d.n ? 0 : 1;
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    return o.read_dlq ? read_dlq(&o) : store_main(&o);
}
