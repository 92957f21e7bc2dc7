/*
 * pipeline_bench.c: typed produce/consume versus raw librdkafka on
 * librdkafka's in-process mock cluster.
 *
 *   pipeline_bench [--messages N] [--rounds R] [--partitions P]
 *                  [--lat-messages N (0: no latency runs)] [--lat-rate MSGS_PER_S]
 *                  [--variant both|typed|raw] (one variant: for callgrind)
 *                  [--compression lz4] [--bootstrap HOST:PORT] (a real broker)
 *                  [--window N] [--stall-s S]
 *   pipeline_bench --serve-mock SECONDS    only run a mock cluster, print its
 *                                          address (for py/pipeline_bench.py)
 *
 * Both variants move the same bytes: the orders5 corpus (seed 42) encoded
 * by topicgen, the same keys and the same headers (content-type, tg-schema,
 * tg-schema-version, plus an 8-byte send timestamp for latency), through
 * producers with the same settings (the runtime's defaults: acks=all,
 * idempotence, lz4, linger.ms=5) into a fresh topic per run.
 *   typed: orders_OrderEvent_send (encode from the struct + key + headers)
 *          -> tg_consumer (manual offset store/commit, decode -> translate
 *          -> handler: orders_OrderEvent_consume).
 *   raw:   rd_kafka_produceva of the pre-encoded bytes -> rd_kafka consumer
 *          that stores each offset and commits every 5 s (no decode).
 * The producer runs on its own thread, the consumer on the main thread,
 * concurrently.  The clocks start after a warm-up message (the first corpus
 * message, sent the same way, not counted) has gone through the whole
 * pipeline: an assignment does not mean the consumer is fetching yet
 * (librdkafka's first fetch came up to ~1 s later), and neither that nor the
 * producer's connection and producer id are part of the measurement.  Each
 * round has a throughput run (unthrottled: msgs/s, MB/s
 * of values, CPU) and a latency run at a fixed rate (p50/p99 send ->
 * handler; a saturated pipeline would only measure its own backlog).
 * The rounds (default 7) run typed and raw back to back, in turn first, so
 * a change in the machine's speed during the run hits both alike; before
 * them, one uncounted throughput run per variant (up to 20000 messages,
 * topics bench.typed.warm and bench.raw.warm) warms up the process and the
 * broker.
 * CPU per message is the whole process's user + system time
 * (getrusage(RUSAGE_SELF): both clients, librdkafka's threads and the
 * in-process mock broker, which both variants share) from the warm-up to
 * the last message handled, divided by the messages.  Each round's
 * typed/raw CPU ratio is printed; the summary is their median and
 * [min, max], beside the median round's throughput per variant.
 *
 * The mock cluster keeps only the newest 5 MiB (or 100000 record batches)
 * of each partition's log (rdkafka_mock.c, max_size/max_cnt, not
 * configurable in 2.0.2) and deletes older batches as new ones arrive.  A
 * consumer more than 5 MiB behind is answered OFFSET_OUT_OF_RANGE and, with
 * auto.offset.reset=earliest, jumps to the new log start: the deleted
 * messages never arrive, and a run that waits for all N of them cannot
 * finish: this was the benchmark's "hang" (such a run polled for nothing
 * until its 300 s deadline, then failed with "not every message arrived").
 * A consumer whose first fetch came late lost the head of the log this way
 * (its first message had offset 187182 of 200000), a slower one the middle.
 * So on the mock the producer is never more than --window messages
 * (default: ~4 MiB of record batches, ~8000 orders5 messages with lz4,
 * ~4000 uncompressed) ahead of what the consumer has handled, for both
 * variants alike; a real broker runs without a window unless one is given.
 * (Windows of ~4400 and ~8900 gave the same throughputs within the
 * run-to-run noise.)
 *
 * Every wait is bounded: a watchdog thread fails the process (exit 2, with
 * the phase, the topic and the counts) when the consumer makes no progress
 * for --stall-s seconds (default 30), when a run exceeds 120 s + N/1000 s,
 * or when setup or teardown of a run takes more than 60-90 s.  An offset gap
 * (messages lost, as above) fails the run at once.
 *
 * Output: "pipeconf" lines (configuration); one "piperound" line per round:
 * round, typed us CPU per msg, raw us CPU per msg, typed/raw CPU ratio,
 * typed msgs/s, raw msgs/s; "pipeline" lines: variant, messages, msgs/s,
 * MB/s, p50 us, p99 us, cpu s per 1M msgs (the median round by
 * throughput; latencies of the median latency run); finally
 * "pipeline\tratio\t<text>\t<yes|no>\t<median>\t<min>\t<max>\t<tput %>": the
 * typed/raw CPU-per-message ratio over the rounds, yes when the median is
 * at most 1.10.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "bench_corpus.h"
#include "orders.h"
#include "orders_kafka.h"
#include "tg_config.h"
#include "tg_consumer.h"
#include "tg_producer.h"

#define CORPUS_N 1000
/* Both consumers: the mock broker answers a fetch only when its wait time
 * is over, so librdkafka's default 500 ms would be the latency measured. */
#define FETCH_WAIT_MS "10"
/* The mock broker never splits a record batch to fit a fetch, so a
 * consumer whose max.partition.fetch.bytes is below one batch would stall. */
#define FETCH_MAX "16777216"

static char g_bootstrap[512];
static int g_partitions = 1;
static size_t g_n = 100000;
static const char *g_compression = "lz4";
static double g_rate; /* messages per second for the latency runs, 0 = unthrottled */
static size_t g_window; /* max messages sent but not yet handled, 0 = unbounded */
static double g_stall_s = 30;
#define MAX_PARTS 64

/* The corpus: decoded structs (for typed sends) and their bytes (raw). */
static bench_corpus g_corpus;
static orders_OrderEvent g_msgs[CORPUS_N];
static unsigned char *g_arena_buf;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "pipeline_bench: %s: %s\n", what, why);
    fflush(NULL);
    _exit(1); /* from any thread, without running into librdkafka's teardown */
}

/* ---- shared run state ---------------------------------------------------- */

typedef struct run {
    const char *topic;
    uint64_t *lat_ns; /* per consumed message */
    _Atomic size_t consumed; /* written by the consumer (main) thread only */
    _Atomic size_t sent;     /* written by the producer thread only */
    _Atomic int warmed;      /* the warm-up message was consumed */
    size_t value_bytes;
    double t_last, c_last;
    tg_consumer *tc; /* typed */
    int64_t next_off[MAX_PARTS]; /* per partition: the offset expected next, -1 = unknown */
    bool lost;                   /* an offset gap was seen: the run cannot complete */
    int gap_part;
    int64_t gap_from, gap_to;
} run;

/* ---- watchdog: every wait of a run is bounded ------------------------------------ */

static struct {
    pthread_mutex_t lock;
    const char *phase; /* what is waited for; NULL = nothing */
    run *r;            /* progress (messages consumed) resets the stall clock */
    double since;      /* phase start or last progress */
    double limit_s;    /* seconds without progress */
    double deadline;   /* absolute, whatever the progress */
    double total_s;    /* deadline - phase start */
    size_t seen;
} g_wd = {PTHREAD_MUTEX_INITIALIZER, NULL, NULL, 0, 0, 0, 0, 0};

static void phase(const char *what, run *r, double limit_s, double total_s)
{
    double t = now_s();
    pthread_mutex_lock(&g_wd.lock);
    g_wd.phase = what;
    g_wd.r = r;
    g_wd.since = t;
    g_wd.limit_s = limit_s;
    g_wd.deadline = t + total_s;
    g_wd.total_s = total_s;
    g_wd.seen = r ? atomic_load(&r->consumed) : 0;
    pthread_mutex_unlock(&g_wd.lock);
}

static void *watchdog(void *arg)
{
    (void)arg;
    for (;;) {
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&g_wd.lock);
        double t = now_s();
        if (g_wd.phase && g_wd.r) {
            size_t c = atomic_load(&g_wd.r->consumed);
            if (c != g_wd.seen) {
                g_wd.seen = c;
                g_wd.since = t;
            }
        }
        if (g_wd.phase && (t - g_wd.since > g_wd.limit_s || t > g_wd.deadline)) {
            if (g_wd.r)
                fprintf(stderr,
                        "pipeline_bench: FAILED: %s: %s %g s (topic %s: %s%zu of %zu "
                        "messages consumed, %zu sent)\n",
                        g_wd.phase,
                        t > g_wd.deadline ? "run deadline passed after" : "no progress for",
                        t > g_wd.deadline ? g_wd.total_s : g_wd.limit_s,
                        g_wd.r->topic,
                        atomic_load(&g_wd.r->warmed) ? "" : "warm-up message not consumed, ",
                        atomic_load(&g_wd.r->consumed), g_n, atomic_load(&g_wd.r->sent));
            else
                fprintf(stderr, "pipeline_bench: FAILED: %s: not done within %g s\n", g_wd.phase,
                        g_wd.limit_s);
            fflush(NULL);
            _exit(2); /* librdkafka threads may be the ones stuck: no orderly exit */
        }
        pthread_mutex_unlock(&g_wd.lock);
    }
    return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Count a handled message; returns false once the run cannot complete
 * (an offset gap: messages the broker no longer has).  The first message is
 * the producer's warm-up (see wait_warm): checked for a gap, not counted. */
static bool record(run *r, const void *ts, size_t len, int32_t part, int64_t off)
{
    uint64_t t;
    size_t n = atomic_load_explicit(&r->consumed, memory_order_relaxed);
    bool warm_up = !atomic_load_explicit(&r->warmed, memory_order_relaxed);
    if (part >= 0 && part < MAX_PARTS) {
        if (r->next_off[part] >= 0 && off > r->next_off[part] && !r->lost) {
            r->lost = true;
            r->gap_part = part;
            r->gap_from = r->next_off[part];
            r->gap_to = off;
        }
        if (off >= r->next_off[part])
            r->next_off[part] = off + 1;
    }
    if (warm_up) {
        atomic_store_explicit(&r->warmed, 1, memory_order_release);
        return !r->lost;
    }
    if (len == 8 && n < g_n) {
        memcpy(&t, ts, 8);
        r->lat_ns[n] = now_ns() - t;
    }
    atomic_store_explicit(&r->consumed, ++n, memory_order_release);
    if (n == g_n) {
        r->t_last = now_s(); /* the clocks stop at the last message */
        r->c_last = cpu_s();
    }
    return !r->lost;
}

/* Before the clocks start, one message (the first corpus message, sent
 * like the others) goes through the whole pipeline: the consumer is then
 * fetching and the producer has its connection and producer id, so the
 * measurement covers neither start-up (librdkafka's first fetch after an
 * assignment sometimes comes ~1 s later).  Bounded by the watchdog. */
static void wait_warm(run *r, rd_kafka_t *rk)
{
    while (!atomic_load_explicit(&r->warmed, memory_order_acquire)) {
        struct timespec ts = {0, 200000};
        rd_kafka_poll(rk, 0);
        nanosleep(&ts, NULL);
    }
}

/* Flow control for the mock cluster (see the top of the file): wait while
 * message i would be more than g_window ahead of the consumer.  Bounded by
 * the watchdog: a consumer that stops making progress fails the run. */
static void window_wait(run *r, size_t i, rd_kafka_t *rk)
{
    if (g_window == 0)
        return;
    while (i >= atomic_load_explicit(&r->consumed, memory_order_acquire) + g_window) {
        struct timespec ts = {0, 200000};
        rd_kafka_poll(rk, 0); /* delivery reports keep flowing meanwhile */
        nanosleep(&ts, NULL);
    }
}

/* Latency runs send at a fixed rate (a saturated pipeline only measures its
 * own queue); throughput runs send as fast as the producer can. */
static void pace(double t_start, size_t i)
{
    if (g_rate > 0) {
        double due = t_start + (double)i / g_rate;
        while (now_s() < due) {
            struct timespec ts = {0, 50000};
            nanosleep(&ts, NULL);
        }
    }
}

/* ---- typed ------------------------------------------------------------------- */

static double g_t0, g_c0; /* set by the producer thread after the warm-up */

/* One typed send of corpus message k: encode + key + topicgen headers. */
static void typed_send(tg_producer *p, const char *topic, size_t k)
{
    tg_error err;
    uint64_t t = now_ns();
    tg_header h = {"bench-ts", &t, 8};
    tg_send_opts o = tg_send_opts_default();
    o.topic = topic;
    o.headers = &h;
    o.n_headers = 1;
    for (int tries = 0;; tries++) {
        int rc = orders_OrderEvent_send(p, &g_msgs[k], &o, &err);
        if (rc == 0)
            break;
        if (rc != TG_ERR_QUEUE_FULL || tries > 100000)
            die("typed send", err.message);
        tg_producer_poll(p, 1);
    }
}

static void *typed_producer(void *arg)
{
    run *r = arg;
    tg_error err;
    tg_config *conf = tg_config_new(TG_CONFIG_PRODUCER, &err);
    tg_producer *p;
    const char *kv[] = {"bootstrap.servers", g_bootstrap, "log_level", "3",
                        "compression.type", g_compression};
    if (!conf || tg_config_set_pairs(conf, kv, 3, &err))
        die("typed producer config", err.message);
    if (!(p = tg_producer_new(conf, NULL, &err)))
        die("typed producer", err.message);
    typed_send(p, r->topic, 0); /* the warm-up */
    if (tg_producer_flush(p, 10000, NULL, &err) != 0)
        die("typed warm-up flush", err.message);
    wait_warm(r, tg_producer_handle(p));
    g_t0 = now_s(); /* the clocks start here */
    g_c0 = cpu_s();
    for (size_t i = 0; i < g_n; i++) {
        pace(g_t0, i);
        window_wait(r, i, tg_producer_handle(p));
        typed_send(p, r->topic, i % CORPUS_N);
        atomic_store_explicit(&r->sent, i + 1, memory_order_relaxed);
    }
    if (tg_producer_flush(p, 60000, NULL, &err) != 0)
        die("typed flush", err.message);
    tg_producer_close(p, 10000, NULL);
    tg_config_free(conf);
    return NULL;
}

static tg_result typed_handler(void *user, const orders_OrderEvent *msg, const tg_msg_meta *meta)
{
    run *r = user;
    const void *ts = NULL;
    size_t len = 0;
    tg_meta_header(meta, "bench-ts", &ts, &len);
    (void)msg;
    if (atomic_load_explicit(&r->warmed, memory_order_relaxed))
        r->value_bytes += meta->raw ? meta->raw->len : 0;
    if (!record(r, ts, len, meta->partition, meta->offset) || atomic_load(&r->consumed) >= g_n)
        tg_consumer_stop(r->tc);
    return TG_OK;
}

static void *raw_producer(void *arg);
static pthread_t g_producer_thread;

/* Start the producer thread (after the consumer owns its partitions, so
 * the group join is not part of the measurement; the clocks start after
 * its warm-up message). */
static void start_producer(run *r, bool typed)
{
    if (pthread_create(&g_producer_thread, NULL, typed ? typed_producer : raw_producer, r))
        die("thread", strerror(errno));
}

static bool assigned(rd_kafka_t *rk)
{
    rd_kafka_topic_partition_list_t *l = NULL;
    bool yes = rd_kafka_assignment(rk, &l) == RD_KAFKA_RESP_ERR_NO_ERROR && l && l->cnt > 0;
    if (l)
        rd_kafka_topic_partition_list_destroy(l);
    return yes;
}

static void wait_assigned_typed(tg_consumer *c)
{
    tg_error err;
    for (int i = 0; i < 600 && !assigned(tg_consumer_handle(c)); i++)
        if (tg_consumer_poll(c, 100, &err) != 0)
            die("typed poll", err.message);
    if (!assigned(tg_consumer_handle(c)))
        die("typed consumer", "no partition assigned within 60 s");
}

/* The consume phase: bounded by progress (--stall-s) and in total. */
static void consume_phase(run *r, const char *what)
{
    phase(what, r, g_stall_s, 120.0 + (double)g_n / 1000.0);
}

static void typed_consume(run *r, const char *group)
{
    tg_error err;
    tg_config *conf = tg_config_new(TG_CONFIG_CONSUMER, &err);
    const char *kv[] = {"bootstrap.servers", g_bootstrap, "group.id", group, "log_level", "3",
                        "fetch.wait.max.ms", FETCH_WAIT_MS, "max.partition.fetch.bytes", FETCH_MAX};
    orders_OrderEvent_route route = {typed_handler, r};
    if (!conf || tg_config_set_pairs(conf, kv, 5, &err))
        die("typed consumer config", err.message);
    if (!(r->tc = tg_consumer_new(conf, NULL, &err)))
        die("typed consumer", err.message);
    if (orders_OrderEvent_consume(r->tc, r->topic, &route, &err) != 0)
        die("typed route", err.message);
    phase("typed consumer: waiting for the partition assignment", NULL, 70, 70);
    wait_assigned_typed(r->tc);
    start_producer(r, true);
    consume_phase(r, "typed consumer: consuming");
    /* tg_consumer_run returns when the handler stops it (all N handled,
     * or an offset gap), after the bounded close (final commit). */
    if (tg_consumer_run(r->tc, &err) != 0)
        die("typed run", err.message);
    phase("typed consumer: freeing", NULL, 60, 60);
    tg_consumer_free(r->tc);
    tg_config_free(conf);
}

/* ---- raw ----------------------------------------------------------------------- */

static rd_kafka_conf_t *raw_conf(void)
{
    char errstr[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    if (rd_kafka_conf_set(c, "bootstrap.servers", g_bootstrap, errstr, sizeof errstr) ||
        rd_kafka_conf_set(c, "log_level", "3", errstr, sizeof errstr))
        die("raw config", errstr);
    return c;
}

static void raw_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err)
        die("raw delivery", rd_kafka_err2str(m->err));
}

static void vu_header(rd_kafka_vu_t *v, const char *name, const void *val, size_t n)
{
    v->vtype = RD_KAFKA_VTYPE_HEADER;
    v->u.header.name = name;
    v->u.header.val = val;
    v->u.header.size = (ssize_t)n;
}

/* One raw send of corpus message k (the typed send's bytes, key and
 * headers), through rd_kafka_produceva: the RD_KAFKA_V_* macros of
 * rd_kafka_producev are GNU statement expressions, which clang's -Werror
 * build refuses. */
static void raw_send(rd_kafka_t *rk, const char *topic, size_t k)
{
    char key[128];
    uint64_t t = now_ns();
    const orders_OrderEvent *m = &g_msgs[k];
    size_t klen = m->order_id.len < sizeof key ? m->order_id.len : sizeof key;
    rd_kafka_vu_t vu[8];
    memcpy(key, m->order_id.ptr, klen);
    /* only the fields each vtype reads are set (no memset of the 72-byte
     * entries: raw pays nothing that librdkafka does not need) */
    vu[0].vtype = RD_KAFKA_VTYPE_TOPIC;
    vu[0].u.cstr = topic;
    vu[1].vtype = RD_KAFKA_VTYPE_KEY;
    vu[1].u.mem.ptr = key;
    vu[1].u.mem.size = klen;
    vu[2].vtype = RD_KAFKA_VTYPE_VALUE;
    vu[2].u.mem.ptr = g_corpus.msgs[k];
    vu[2].u.mem.size = g_corpus.lens[k];
    vu[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    vu[3].u.i = RD_KAFKA_MSG_F_COPY;
    vu_header(&vu[4], "content-type", "application/json", 16);
    vu_header(&vu[5], "tg-schema", "orders.OrderEvent", 17);
    vu_header(&vu[6], "tg-schema-version", "1", 1);
    vu_header(&vu[7], "bench-ts", &t, 8);
    for (int tries = 0;; tries++) {
        rd_kafka_error_t *e = rd_kafka_produceva(rk, vu, 8);
        rd_kafka_resp_err_t code = e ? rd_kafka_error_code(e) : RD_KAFKA_RESP_ERR_NO_ERROR;
        if (e)
            rd_kafka_error_destroy(e);
        if (code == RD_KAFKA_RESP_ERR_NO_ERROR)
            break;
        if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL || tries > 100000)
            die("raw produce", rd_kafka_err2str(code));
        rd_kafka_poll(rk, 1);
    }
    rd_kafka_poll(rk, 0);
}

static void *raw_producer(void *arg)
{
    run *r = arg;
    char errstr[512];
    rd_kafka_conf_t *c = raw_conf();
    rd_kafka_t *rk;
    /* The runtime's producer defaults (tg_config.h). */
    if (rd_kafka_conf_set(c, "acks", "all", errstr, sizeof errstr) ||
        rd_kafka_conf_set(c, "enable.idempotence", "true", errstr, sizeof errstr) ||
        rd_kafka_conf_set(c, "compression.type", g_compression, errstr, sizeof errstr) ||
        rd_kafka_conf_set(c, "linger.ms", "5", errstr, sizeof errstr))
        die("raw producer config", errstr);
    rd_kafka_conf_set_dr_msg_cb(c, raw_dr);
    if (!(rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof errstr)))
        die("raw producer", errstr);
    raw_send(rk, r->topic, 0); /* the warm-up */
    if (rd_kafka_flush(rk, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        die("raw warm-up flush", "timeout");
    wait_warm(r, rk);
    g_t0 = now_s(); /* the clocks start here */
    g_c0 = cpu_s();
    for (size_t i = 0; i < g_n; i++) {
        pace(g_t0, i);
        window_wait(r, i, rk);
        raw_send(rk, r->topic, i % CORPUS_N);
        atomic_store_explicit(&r->sent, i + 1, memory_order_relaxed);
    }
    if (rd_kafka_flush(rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        die("raw flush", "timeout");
    rd_kafka_destroy(rk);
    return NULL;
}

static void raw_consume(run *r, const char *group)
{
    char errstr[512];
    rd_kafka_conf_t *c = raw_conf();
    rd_kafka_t *rk;
    rd_kafka_topic_partition_list_t *subs;
    double last_commit = now_s();
    if (rd_kafka_conf_set(c, "group.id", group, errstr, sizeof errstr) ||
        rd_kafka_conf_set(c, "enable.auto.commit", "false", errstr, sizeof errstr) ||
        rd_kafka_conf_set(c, "enable.auto.offset.store", "false", errstr, sizeof errstr) ||
        rd_kafka_conf_set(c, "auto.offset.reset", "earliest", errstr, sizeof errstr) ||
        rd_kafka_conf_set(c, "fetch.wait.max.ms", FETCH_WAIT_MS, errstr, sizeof errstr) ||
        rd_kafka_conf_set(c, "max.partition.fetch.bytes", FETCH_MAX, errstr, sizeof errstr))
        die("raw consumer config", errstr);
    if (!(rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, errstr, sizeof errstr)))
        die("raw consumer", errstr);
    rd_kafka_poll_set_consumer(rk);
    subs = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(subs, r->topic, RD_KAFKA_PARTITION_UA);
    if (rd_kafka_subscribe(rk, subs))
        die("raw subscribe", "failed");
    rd_kafka_topic_partition_list_destroy(subs);
    phase("raw consumer: waiting for the partition assignment", NULL, 70, 70);
    for (int i = 0; i < 600 && !assigned(rk); i++) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (m)
            rd_kafka_message_destroy(m); /* nothing is produced yet */
    }
    if (!assigned(rk))
        die("raw consumer", "no partition assigned within 60 s");
    start_producer(r, false);
    consume_phase(r, "raw consumer: consuming");
    while (atomic_load(&r->consumed) < g_n && !r->lost) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m)
            continue;
        if (!m->err) {
            const void *ts = NULL;
            size_t len = 0;
            rd_kafka_headers_t *h = NULL;
            if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR)
                rd_kafka_header_get_last(h, "bench-ts", &ts, &len);
            if (atomic_load_explicit(&r->warmed, memory_order_relaxed))
                r->value_bytes += m->len;
            if (record(r, ts, len, m->partition, m->offset))
                rd_kafka_offset_store(m->rkt, m->partition, m->offset);
        }
        rd_kafka_message_destroy(m);
        if (now_s() - last_commit > 5.0) {
            rd_kafka_commit(rk, NULL, 1);
            last_commit = now_s();
        }
    }
    phase("raw consumer: final commit and close", NULL, 60, 60);
    rd_kafka_commit(rk, NULL, 0);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
}

/* ---- driver ---------------------------------------------------------------------- */

typedef struct outcome {
    double msgs_s, mb_s, p50_us, p99_us, cpu_per_m;
} outcome;

static int cmp_outcome(const void *a, const void *b)
{
    double x = ((const outcome *)a)->msgs_s, y = ((const outcome *)b)->msgs_s;
    return x < y ? -1 : x > y;
}

static outcome one_run(bool typed, int round, rd_kafka_mock_cluster_t *mc)
{
    char topic[64], group[64];
    run r;
    double t0, c0, t1, c1;
    outcome o;

    /* round < 0: the warm-up run (topic bench.<variant>.warm) */
    if (round < 0) {
        snprintf(topic, sizeof topic, "bench.%s.warm", typed ? "typed" : "raw");
        snprintf(group, sizeof group, "bench-%s-warm", typed ? "typed" : "raw");
    } else {
        snprintf(topic, sizeof topic, "bench.%s.%d", typed ? "typed" : "raw", round);
        snprintf(group, sizeof group, "bench-%s-%d", typed ? "typed" : "raw", round);
    }
    if (mc)
        rd_kafka_mock_topic_create(mc, topic, g_partitions, 1);
    memset(&r, 0, sizeof r);
    r.topic = topic;
    /* Topics on the mock are new for every run: the first offset is 0, and
     * a consumer that starts later than that has lost messages as well. */
    for (int i = 0; i < MAX_PARTS; i++)
        r.next_off[i] = mc ? 0 : -1;
    r.lat_ns = calloc(g_n, sizeof *r.lat_ns);
    if (!r.lat_ns)
        die("one_run", "out of memory");
    if (typed)
        typed_consume(&r, group);
    else
        raw_consume(&r, group);
    t1 = r.t_last;
    c1 = r.c_last;
    if (r.lost) {
        fprintf(stderr,
                "pipeline_bench: FAILED: %s [%d]: offsets %lld..%lld never arrived (the consumer "
                "jumped from %lld to %lld after %zu messages: the broker no longer had them; the "
                "mock cluster keeps only the newest 5 MiB per partition, see --window)\n",
                topic, r.gap_part, (long long)r.gap_from, (long long)r.gap_to - 1,
                (long long)r.gap_from, (long long)r.gap_to, atomic_load(&r.consumed));
        die("consume", "messages lost");
    }
    phase("joining the producer (flush <= 60 s, close <= 10 s)", NULL, 90, 90);
    pthread_join(g_producer_thread, NULL);
    phase(NULL, NULL, 0, 0);
    t0 = g_t0;
    c0 = g_c0;
    if (atomic_load(&r.consumed) < g_n) {
        fprintf(stderr, "pipeline_bench: %s: %zu of %zu messages arrived\n", topic,
                atomic_load(&r.consumed), g_n);
        die("consume", "not every message arrived");
    }
    qsort(r.lat_ns, g_n, sizeof *r.lat_ns, cmp_u64);
    o.msgs_s = (double)g_n / (t1 - t0);
    o.mb_s = (double)r.value_bytes / (t1 - t0) / 1e6;
    o.p50_us = (double)r.lat_ns[g_n / 2] / 1e3;
    o.p99_us = (double)r.lat_ns[g_n * 99 / 100] / 1e3;
    o.cpu_per_m = (c1 - c0) / (double)g_n * 1e6;
    fprintf(stderr,
            "pipeline_bench: %s round %d (%s run): %.0f msgs/s, %.2f us CPU per message, "
            "p50 %.0f us, p99 %.0f us\n",
            typed ? "typed" : "raw", round / 2,
            round < 0 ? "uncounted warm-up" : g_rate > 0 ? "latency" : "throughput", o.msgs_s,
            o.cpu_per_m, o.p50_us, o.p99_us);
    free(r.lat_ns);
    return o;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of n sorted values (the mean of the middle two for even n). */
static double median_sorted(const double *v, int n)
{
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int g_variants = 3; /* bit 1: typed, bit 2: raw */

/* One throughput run and one latency run of a variant, round k. */
static outcome one_round(bool typed, int k, size_t n_tput, size_t n_lat, double lat_rate,
                         rd_kafka_mock_cluster_t *mc)
{
    outcome o, l;
    g_n = n_tput;
    g_rate = 0;
    o = one_run(typed, 2 * k, mc);
    o.p50_us = o.p99_us = 0;
    if (n_lat) {
        g_n = n_lat;
        g_rate = lat_rate;
        l = one_run(typed, 2 * k + 1, mc);
        o.p50_us = l.p50_us, o.p99_us = l.p99_us;
    }
    g_n = n_tput;
    return o;
}

/* Typed and raw in turn, alternating which goes first; one "piperound"
 * line per round, then the median round per variant and the CPU ratio's
 * median and spread. */
static void run_rounds(int rounds, size_t n_tput, size_t n_lat, double lat_rate,
                       rd_kafka_mock_cluster_t *mc)
{
    outcome typed[16] = {{0}}, raw[16] = {{0}};
    double ratio[16];
    int nr = 0;
    /* One uncounted throughput run per variant first: the first run of a
     * process (and against a fresh broker JVM, its JIT) was the slowest and
     * the most CPU per message, whichever variant it was. */
    g_n = n_tput < 20000 ? n_tput : 20000;
    g_rate = 0;
    for (int v = 0; v < 2; v++)
        if (g_variants & (v == 0 ? 1 : 2))
            (void)one_run(v == 0, -1, mc);
    g_n = n_tput;
    for (int k = 0; k < rounds; k++) {
        bool typed_first = k % 2 == 0;
        for (int j = 0; j < 2; j++) {
            bool t = (j == 0) == typed_first;
            if (g_variants & (t ? 1 : 2))
                (t ? typed : raw)[k] = one_round(t, k, n_tput, n_lat, lat_rate, mc);
        }
        if (g_variants == 3) {
            ratio[nr++] = typed[k].cpu_per_m / raw[k].cpu_per_m;
            printf("piperound\t%d\t%.3f\t%.3f\t%.3f\t%.0f\t%.0f\n", k, typed[k].cpu_per_m,
                   raw[k].cpu_per_m, ratio[nr - 1], typed[k].msgs_s, raw[k].msgs_s);
            fflush(stdout);
        }
    }
    qsort(typed, (size_t)rounds, sizeof typed[0], cmp_outcome);
    qsort(raw, (size_t)rounds, sizeof raw[0], cmp_outcome);
    if (g_variants & 1) {
        const outcome *t = &typed[rounds / 2];
        printf("pipeline\ttopicgen typed (C)\t%zu\t%.0f\t%.1f\t%.0f\t%.0f\t%.2f\n", n_tput,
               t->msgs_s, t->mb_s, t->p50_us, t->p99_us, t->cpu_per_m);
    }
    if (g_variants & 2) {
        const outcome *w = &raw[rounds / 2];
        printf("pipeline\traw librdkafka, no codec (C)\t%zu\t%.0f\t%.1f\t%.0f\t%.0f\t%.2f\n",
               n_tput, w->msgs_s, w->mb_s, w->p50_us, w->p99_us, w->cpu_per_m);
    }
    if (nr) {
        double med, tput = 100.0 * typed[rounds / 2].msgs_s / raw[rounds / 2].msgs_s;
        qsort(ratio, (size_t)nr, sizeof ratio[0], cmp_double);
        med = median_sorted(ratio, nr);
        printf("pipeline\tratio\ttyped/raw CPU per message %.2fx [%.2f, %.2f] over %d rounds; "
               "throughput %.1f%% of raw\t%s\t%.3f\t%.3f\t%.3f\t%.1f\n",
               med, ratio[0], ratio[nr - 1], nr, tput, med <= 1.10 ? "yes" : "no", med, ratio[0],
               ratio[nr - 1], tput);
    }
}

int main(int argc, char **argv)
{
    int rounds = 7;
    const char *bootstrap = NULL;
    rd_kafka_t *host = NULL;
    rd_kafka_mock_cluster_t *mc = NULL;
    cpu_set_t cpus;
    char cpulist[256] = "";
    size_t used = 0, total = 0, n_tput, n_lat = 5000;
    double lat_rate = 2000, serve_s = 0;
    long long window = -1; /* -1: the default (~4 MiB of batches on the mock, none on a broker) */
    pthread_t wd;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--messages") == 0)
            g_n = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--rounds") == 0)
            rounds = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--partitions") == 0)
            g_partitions = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--serve-mock") == 0)
            serve_s = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--compression") == 0)
            g_compression = argv[i + 1];
        else if (strcmp(argv[i], "--lat-messages") == 0)
            n_lat = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--lat-rate") == 0)
            lat_rate = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--bootstrap") == 0)
            bootstrap = argv[i + 1];
        else if (strcmp(argv[i], "--window") == 0)
            window = strtoll(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--stall-s") == 0)
            g_stall_s = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--variant") == 0)
            g_variants = strcmp(argv[i + 1], "typed") == 0 ? 1
                         : strcmp(argv[i + 1], "raw") == 0 ? 2
                         : strcmp(argv[i + 1], "both") == 0 ? 3 : 0;
        else
            die("usage", "see the comment at the top of bench/pipeline_bench.c");
    }
    if (g_n == 0 || g_variants == 0 || lat_rate <= 0 || rounds < 1 || rounds > 16 || g_partitions < 1 ||
        g_partitions > MAX_PARTS || g_stall_s <= 0)
        die("usage", "bad numbers");
    n_tput = g_n;

    /* The same orders5 corpus as the codec benchmark. */
    if (bench_corpus_make("orders5", 42, CORPUS_N, &g_corpus) != 0)
        die("corpus", "orders5");
    g_arena_buf = malloc(g_corpus.total_bytes * 2 + CORPUS_N * 4096);
    for (size_t i = 0; i < CORPUS_N; i++) {
        tg_arena a;
        size_t cap = g_corpus.total_bytes * 2 + CORPUS_N * 4096 - used;
        tg_arena_init(&a, g_arena_buf + used, cap);
        if (orders_OrderEvent_decode(&g_msgs[i], g_corpus.msgs[i], g_corpus.lens[i], &a, NULL) != TG_JSON_OK)
            die("corpus", "decode");
        used += (a.used + 15) & ~(size_t)15;
        total += g_corpus.lens[i];
    }

    if (serve_s > 0) {
        /* Only serve a mock cluster (for bench/py/pipeline_bench.py): write
         * its address to stdout and wait, bounded by serve_s seconds. */
        char errstr[256];
        rd_kafka_conf_t *c = rd_kafka_conf_new();
        rd_kafka_conf_set(c, "log_level", "3", errstr, sizeof errstr);
        if (!(host = rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof errstr)))
            die("mock host", errstr);
        if (!(mc = rd_kafka_mock_cluster_new(host, 1)))
            die("mock cluster", "cannot start");
        printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
        fflush(stdout);
        for (double end = now_s() + serve_s; now_s() < end;) {
            struct timespec ts = {0, 200000000};
            char b;
            nanosleep(&ts, NULL);
            /* stdin closed (the parent exited): stop early. */
            if (getenv("BENCH_SERVE_STDIN") && read(0, &b, 1) == 0)
                break;
        }
        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(host);
        return 0;
    }
    if (bootstrap) {
        snprintf(g_bootstrap, sizeof g_bootstrap, "%s", bootstrap);
    } else {
        char errstr[256];
        rd_kafka_conf_t *c = rd_kafka_conf_new();
        rd_kafka_conf_set(c, "log_level", "3", errstr, sizeof errstr);
        if (!(host = rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof errstr)))
            die("mock host", errstr);
        if (!(mc = rd_kafka_mock_cluster_new(host, 1)))
            die("mock cluster", "cannot start");
        snprintf(g_bootstrap, sizeof g_bootstrap, "%s", rd_kafka_mock_cluster_bootstraps(mc));
        if (strncmp(g_bootstrap, "127.0.0.1:", 10) != 0)
            die("mock cluster", "not on 127.0.0.1");
    }
    if (window >= 0)
        g_window = (size_t)window;
    else if (mc) {
        /* 4 MiB of stored record batches: value + key + headers (~100 B)
         * per message, halved when compressed (lz4 stores orders5 at ~420 B
         * per message).  Too large a window is caught by the gap check. */
        double per_msg = (double)total / CORPUS_N + 100;
        if (strcmp(g_compression, "none") != 0)
            per_msg /= 2;
        g_window = (size_t)(4.0 * 1024 * 1024 / per_msg);
    }
    if (pthread_create(&wd, NULL, watchdog, NULL))
        die("thread", strerror(errno));
    pthread_detach(wd);
    if (sched_getaffinity(0, sizeof cpus, &cpus) == 0)
        for (size_t k = 0; k < CPU_SETSIZE && strlen(cpulist) < sizeof cpulist - 8; k++)
            if (CPU_ISSET(k, &cpus))
                snprintf(cpulist + strlen(cpulist), sizeof cpulist - strlen(cpulist), "%s%zu",
                         cpulist[0] ? "," : "", k);
    printf("pipeconf\tbroker\t%s\n", mc ? "librdkafka mock cluster, in-process, 1 broker" : g_bootstrap);
    printf("pipeconf\tlibrdkafka\t%s\n", rd_kafka_version_str());
    printf("pipeconf\tmessages\t%zu per throughput run (unthrottled), %zu per latency run at %.0f msgs/s; "
           "%d rounds after one uncounted warm-up run per variant, typed and raw in turn (alternating "
           "which goes first); per round: CPU per message "
           "= process user+sys time (getrusage RUSAGE_SELF) / messages; reported: the median round by "
           "throughput per variant and the typed/raw CPU ratio's median [min, max]; topic with %d "
           "partition(s)\n",
           g_n, n_lat, lat_rate, rounds, g_partitions);
    printf("pipeconf\tpayload\torders5 corpus, %zu distinct messages, avg %.0f bytes\n",
           (size_t)CORPUS_N, (double)total / CORPUS_N);
    printf("pipeconf\tproducer\tacks=all, enable.idempotence=true, compression.type=%s, linger.ms=5 (both variants)\n",
           g_compression);
    printf("pipeconf\tconsumer\tenable.auto.commit=false, offsets stored per message after the handler, "
           "commit every 5 s and at close, fetch.wait.max.ms=%s, max.partition.fetch.bytes=%s (both variants)\n",
           FETCH_WAIT_MS, FETCH_MAX);
    printf("pipeconf\tclocks\tstart after one warm-up message has gone through the pipeline "
           "(not counted; the consumer is then fetching)\n");
    if (g_window)
        printf("pipeconf\twindow\tthe producer stays at most %zu messages ahead of the consumer "
               "(the mock cluster keeps only the newest 5 MiB per partition; both variants)\n",
               g_window);
    printf("pipeconf\tcpus\t%s (process affinity)\n", cpulist);
    fflush(stdout);

    run_rounds(rounds, n_tput, n_lat, lat_rate, mc);
    if (mc)
        rd_kafka_mock_cluster_destroy(mc);
    if (host)
        rd_kafka_destroy(host);
    bench_corpus_free(&g_corpus);
    free(g_arena_buf);
    return 0;
}
