/* Consumer resilience tests on librdkafka's mock cluster (127.0.0.1): DLQ
 * topic naming and handler-set DLQ reasons, the circuit breaker under a
 * handler-dependency outage, and worker mode (key order, no committed gap,
 * no loss after SIGKILL of a member).  One case per run (argv[1]); every
 * loop is bounded in count and time and alarm() bounds the process.  The
 * "child" case is the member the kill test fork/execs and SIGKILLs. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kt.h"
#include "tg_breaker.h"
#include "tg_metrics.h"
#include "tg_workers_int.h"

/* ---- shared helpers -------------------------------------------------------- */

static void unique_group(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "kr-%s-%ld-%lld", name, (long)getpid(), (long long)test_now_ms());
}

static tg_consumer *make_consumer(kt_cluster *k, const char *group, tg_metrics *m,
                                  const char *const *extra, size_t n_extra)
{
    tg_error err;
    tg_config *conf = kt_consumer_config(k, group, extra, n_extra);
    tg_logger quiet = { tg_log_stderr_sink, NULL,
                        getenv("KT_DEBUG") ? TG_LOG_DEBUG : TG_LOG_ERROR };
    tg_consumer_opts o = { NULL, &quiet, m, NULL, NULL };
    tg_consumer *c = conf ? tg_consumer_new(conf, &o, &err) : NULL;
    if (!c)
        fprintf(stderr, "consumer: %s\n", conf ? err.message : "config");
    tg_config_free(conf);
    return c;
}

typedef struct run_arg { tg_consumer *c; int timeout_ms; } run_arg;

static void *stopper(void *arg)
{
    run_arg *a = arg;
    int64_t deadline = test_now_ms() + a->timeout_ms;
    while (!tg_consumer_stopping(a->c) && test_now_ms() < deadline)
        test_sleep_ms(20);
    tg_consumer_stop(a->c);
    return NULL;
}

/* tg_consumer_run until something calls tg_consumer_stop or timeout_ms. */
static int run_bounded(tg_consumer *c, int timeout_ms, tg_error *err)
{
    pthread_t t;
    run_arg a = { c, timeout_ms };
    pthread_create(&t, NULL, stopper, &a);
    int rc = tg_consumer_run(c, err);
    pthread_join(t, NULL);
    return rc;
}

typedef struct dlq_rec { int64_t id; char reason[200]; } dlq_rec;
typedef struct dlq_set { dlq_rec recs[64]; int n; } dlq_set;

static void collect_dlq(void *user, const rd_kafka_message_t *m)
{
    dlq_set *d = user;
    if (d->n >= 64)
        return;
    d->recs[d->n].id = kt_parse_id(m->payload, m->len);
    kt_header(m, "tg-dlq-reason", d->recs[d->n].reason, sizeof d->recs[0].reason);
    d->n++;
}

/* ---- kafka_resilience_dlq_naming: bug fixes (a) DLQ topic, (b) reason ------- */

typedef struct naming { int seen; tg_consumer *c; int target; } naming;

static tg_result naming_handler(void *user, const void *msg, const tg_msg_meta *meta)
{
    naming *n = user;
    const kt_msg *m = msg;
    if (++n->seen >= n->target)
        tg_consumer_stop(n->c);
    if (m->body.len == 6 && memcmp(m->body.ptr, "reject", 6) == 0) {
        tg_reject_reason(meta, "order %lld: amount %s", (long long)m->id, "negative");
        return TG_REJECT;
    }
    if (m->body.len == 5 && memcmp(m->body.ptr, "retry", 5) == 0) {
        tg_reject_reason(meta, "inventory service said %d", 503);
        return TG_RETRY;
    }
    return TG_OK;
}

static void test_dlq_naming(kt_cluster *k)
{
    /* A schema whose descriptor names its own topic and an explicit DLQ. */
    tg_message_desc desc = kt_msg_desc;
    desc.topic = "kr-schema";
    desc.dlq_topic = "kr-schema.custom-dlq";
    char group[96];
    tg_error err;
    unique_group(group, sizeof group, "naming");
    kt_topic(k, "kr-schema", 1);
    kt_topic(k, "kr-schema.custom-dlq", 1);
    kt_topic(k, "kr-other", 1);
    kt_topic(k, "kr-other.dlq", 1);
    kt_produce(k, "kr-schema", 0, 1, "a", "reject");
    kt_produce(k, "kr-other", 0, 2, "b", "reject");
    kt_produce(k, "kr-other", 0, 3, "c", "retry");
    const char *extra[] = { "topicgen.retry.max.attempts", "2", "topicgen.retry.backoff.ms", "10" };
    naming n = { 0, NULL, 4 };
    tg_consumer *c = make_consumer(k, group, NULL, extra, 2);
    n.c = c;
    CHECKF(tg_consumer_add(c, &desc, NULL, naming_handler, &n, &err) == 0, "%s", err.message);
    CHECKF(tg_consumer_add(c, &desc, "kr-other", naming_handler, &n, &err) == 0, "%s",
           err.message);
    CHECKF(run_bounded(c, 30000, &err) == 0, "run: %s", err.message);
    tg_consumer_free(c);
    dlq_set own, other;
    memset(&own, 0, sizeof own);
    memset(&other, 0, sizeof other);
    int got_own = kt_read_all(k, "kr-schema.custom-dlq", 1, 10000, collect_dlq, &own);
    int got_other = kt_read_all(k, "kr-other.dlq", 2, 10000, collect_dlq, &other);
    printf("dlq_naming: schema topic -> custom DLQ (%d), other topic -> kr-other.dlq (%d)\n",
           got_own, got_other);
    CHECKF(got_own == 1 && own.recs[0].id == 1, "custom DLQ holds %d", got_own);
    CHECKF(got_other == 2 && other.n == 2 &&
               ((other.recs[0].id == 2 && other.recs[1].id == 3) ||
                (other.recs[0].id == 3 && other.recs[1].id == 2)),
           "kr-other.dlq holds %d: want ids 2 and 3", got_other);
    CHECKF(got_own == 1 && strcmp(own.recs[0].reason, "order 1: amount negative") == 0,
           "reason '%s'", own.recs[0].reason);
    for (int i = 0; i < other.n; i++) {
        const char *want = other.recs[i].id == 2 ? "order 2: amount negative"
                                                  : "retries exhausted: inventory service said 503";
        printf("dlq_naming: id %lld reason \"%s\"\n", (long long)other.recs[i].id,
               other.recs[i].reason);
        CHECKF(strcmp(other.recs[i].reason, want) == 0, "id %lld reason '%s'",
               (long long)other.recs[i].id, other.recs[i].reason);
    }
}

/* ---- kafka_resilience_breaker: a 12 s outage of the handler's dependency ---- */

#define MAX_IDS 20000

typedef struct outage {
    pthread_mutex_t lock;
    int64_t down_from, down_until;  /* the dependency fails in [from, until)  */
    int ok[MAX_IDS];                /* TG_OK per id                             */
    int total, processed;
    int failed_calls, calls_while_down;
    int64_t last_fail_ms, first_ok_after_ms;
    tg_consumer *c;
} outage;

static tg_result outage_handler(void *user, const void *msg, const tg_msg_meta *meta)
{
    outage *o = user;
    const kt_msg *m = msg;
    (void)meta;
    int64_t now = test_now_ms();
    tg_result r = TG_OK;
    pthread_mutex_lock(&o->lock);
    if (now >= o->down_from && now < o->down_until) {
        o->failed_calls++;
        o->last_fail_ms = now;
        r = TG_RETRY;
    } else if (m->id >= 0 && m->id < MAX_IDS) {
        if (now >= o->down_until && o->first_ok_after_ms == 0)
            o->first_ok_after_ms = now;
        if (o->ok[m->id]++ == 0 && ++o->processed == o->total)
            tg_consumer_stop(o->c);
    }
    pthread_mutex_unlock(&o->lock);
    if (r == TG_OK)
        test_sleep_ms(1); /* some work */
    return r;
}

typedef struct live { kt_cluster *k; const char *topic; int from, to, per_s; } live;

/* Produce ids [from, to) at per_s messages per second, keys k0..k199. */
static void *live_producer(void *arg)
{
    live *l = arg;
    tg_error err;
    tg_config *pc = kt_producer_config(l->k, NULL, 0);
    tg_producer *p = pc ? tg_producer_new(pc, NULL, &err) : NULL;
    tg_config_free(pc);
    if (!p)
        return NULL;
    int64_t t0 = test_now_ms();
    for (int i = l->from; i < l->to; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i % 200);
        kt_msg m = { i, { key, strlen(key) }, { "ok", 2 } };
        tg_send_opts so = tg_send_opts_default();
        so.topic = l->topic;
        if (tg_producer_send(p, &kt_msg_desc, &m, &so, &err) != 0)
            fprintf(stderr, "live send %d: %s\n", i, err.message);
        int64_t due = t0 + (int64_t)(i - l->from + 1) * 1000 / l->per_s;
        int64_t wait = due - test_now_ms();
        if (wait > 0)
            test_sleep_ms((int)wait);
        (void)tg_producer_poll(p, 0);
    }
    size_t left = 0;
    (void)tg_producer_close(p, 10000, &left);
    return NULL;
}

static void breaker_case(kt_cluster *k, const char *workers)
{
    enum { BACKLOG = 1500, LIVE = 3000, RATE = 150, OUTAGE_MS = 12000, COOLDOWN_MS = 2000,
           CONSEC = 5 };
    char group[96], topic[64], dlq_topic[80];
    tg_error err;
    kt_names(k, workers[0] == '0' ? "breaker" : "breaker-w", topic, sizeof topic, dlq_topic,
             sizeof dlq_topic);
    unique_group(group, sizeof group, "breaker");
    kt_topic(k, topic, 4);
    kt_topic(k, dlq_topic, 1);
    live pre = { k, topic, 0, BACKLOG, 100000 };
    (void)live_producer(&pre);
    static outage o;
    memset(&o, 0, sizeof o);
    pthread_mutex_init(&o.lock, NULL);
    o.total = BACKLOG + LIVE;
    const char *extra[] = { "topicgen.breaker.enable", "1",
                            "topicgen.breaker.consecutive.failures", "5",
                            "topicgen.breaker.cooldown.ms", "2000",
                            "topicgen.retry.max.attempts", "3",
                            "topicgen.retry.backoff.ms", "50",
                            "topicgen.retry.backoff.max.ms", "200",
                            "topicgen.workers", workers };
    tg_metrics *met = tg_metrics_new();
    tg_consumer *c = make_consumer(k, group, met, extra, 7);
    o.c = c;
    CHECKF(tg_consumer_add(c, &kt_msg_desc, topic, outage_handler, &o, &err) == 0, "%s",
           err.message);
    int64_t t0 = test_now_ms();
    o.down_from = t0 + 2000;
    o.down_until = o.down_from + OUTAGE_MS;
    live lv = { k, topic, BACKLOG, BACKLOG + LIVE, RATE };
    pthread_t prod;
    pthread_create(&prod, NULL, live_producer, &lv);
    CHECKF(run_bounded(c, 90000, &err) == 0, "run: %s", err.message);
    pthread_join(prod, NULL);
    int64_t elapsed = test_now_ms() - t0;
    tg_metrics_snapshot snap;
    tg_metrics_snapshot_get(met, &snap);
    tg_consumer_free(c);
    int lost = 0, dups = 0;
    for (int i = 0; i < o.total; i++) {
        lost += o.ok[i] == 0;
        dups += o.ok[i] > 1 ? o.ok[i] - 1 : 0;
    }
    /* Bounds: no rebalance, restart or failed commit happens, so no message
     * may succeed twice (0 duplicates).  Failed handler calls: the ones
     * before the breaker opens (CONSEC, plus one in-flight call per worker
     * or partition) and one probe per cool-down of the outage. */
    int nw = atoi(workers);
    int dup_bound = 0;
    int fail_bound = CONSEC + (nw > 4 ? nw : 4) + OUTAGE_MS / COOLDOWN_MS + 2;
    dlq_set d;
    memset(&d, 0, sizeof d);
    int in_dlq = kt_read_all(k, dlq_topic, 1, 2000, collect_dlq, &d);
    printf("breaker(workers=%s): %d messages (%d backlog + %d live at %d/s), outage %d ms; "
           "processed=%d lost=%d dups=%d (bound %d) dead_lettered=%llu dlq_topic=%d; "
           "failed calls=%d (bound %d); breaker opens=%llu state=%d; first OK %lld ms after "
           "the outage ended; all done in %lld ms\n",
           workers, o.total, BACKLOG, LIVE, RATE, OUTAGE_MS, o.processed, lost, dups, dup_bound,
           (unsigned long long)snap.counters[TG_M_DEAD_LETTERED], in_dlq, o.failed_calls,
           fail_bound, (unsigned long long)snap.breaker_opens, snap.breaker_state,
           (long long)(o.first_ok_after_ms - o.down_until), (long long)elapsed);
    CHECKF(lost == 0, "lost %d", lost);
    CHECKF(dups <= dup_bound, "duplicates %d > %d", dups, dup_bound);
    CHECKF(snap.counters[TG_M_DEAD_LETTERED] == 0 && in_dlq == 0, "dead-lettered %llu / %d",
           (unsigned long long)snap.counters[TG_M_DEAD_LETTERED], in_dlq);
    CHECKF(o.processed == o.total, "processed %d of %d", o.processed, o.total);
    CHECKF(snap.breaker_opens >= 1, "breaker never opened");
    CHECKF(snap.breaker_state == TG_BREAKER_CLOSED, "breaker state %d at the end",
           snap.breaker_state);
    CHECKF(o.failed_calls <= fail_bound, "failed calls %d > %d", o.failed_calls, fail_bound);
    CHECKF(o.first_ok_after_ms - o.down_until <= COOLDOWN_MS + 1000,
           "recovery took %lld ms", (long long)(o.first_ok_after_ms - o.down_until));
    tg_metrics_free(met);
}

static void test_breaker(kt_cluster *k)
{
    breaker_case(k, "0");
}

static void test_breaker_workers(kt_cluster *k)
{
    breaker_case(k, "4");
}

/* ---- worker mode: shared pieces -------------------------------------------- */

#define NKEYS 200
#define MAX_OFF 8192

/* Bounded pseudo-random sleep of 0..max_us from the message id. */
static void work_sleep(int64_t id, long max_us)
{
    uint64_t x = (uint64_t)id * 0x9e3779b97f4a7c15u;
    test_sleep_us((long)((x >> 33) % (uint64_t)(max_us + 1)));
}

static int key_index(const kt_msg *m)
{
    return m->key.len > 1 ? atoi(m->key.ptr + 1) % NKEYS : 0;
}

/* What the worker-mode handlers saw, for order / gap / loss checks. */
typedef struct wseen {
    pthread_mutex_t lock;
    int64_t last_id[NKEYS];        /* per key, last id handled to the end */
    int busy[NKEYS];               /* handlers of this key running now    */
    int order_violations, overlap_violations;
    int running, max_running;      /* concurrent handlers                 */
    unsigned char done[4][MAX_OFF];/* per partition: offset handled       */
    int ok[MAX_IDS], total, finished;
    tg_consumer *c;
} wseen;

static void wseen_init(wseen *w, int total)
{
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->lock, NULL);
    w->total = total;
    for (int i = 0; i < NKEYS; i++)
        w->last_id[i] = -1;
}

/* First offset of partition p not yet handled (lock held). */
static int64_t done_prefix(const wseen *w, int p)
{
    int64_t o = 0;
    while (o < MAX_OFF && w->done[p][o])
        o++;
    return o;
}

/* OK, except: every 97th id asks for one retry, every 499th is rejected. */
static tg_result order_handler(void *user, const void *msg, const tg_msg_meta *meta)
{
    wseen *w = user;
    const kt_msg *m = msg;
    int key = key_index(m);
    pthread_mutex_lock(&w->lock);
    if (w->busy[key]++)
        w->overlap_violations++;
    if (++w->running > w->max_running)
        w->max_running = w->running;
    pthread_mutex_unlock(&w->lock);
    work_sleep(m->id, 2000);
    tg_result r = TG_OK;
    if (m->id % 499 == 0) {
        tg_reject_reason(meta, "id %lld divisible by 499", (long long)m->id);
        r = TG_REJECT;
    } else if (m->id % 97 == 0 && meta->attempt == 1) {
        r = TG_RETRY;
    }
    pthread_mutex_lock(&w->lock);
    w->busy[key]--;
    w->running--;
    if (r != TG_RETRY) {
        if (m->id <= w->last_id[key])
            w->order_violations++;
        w->last_id[key] = m->id;
        if (meta->partition < 4 && meta->offset < MAX_OFF)
            w->done[meta->partition][meta->offset] = 1;
        if (m->id >= 0 && m->id < MAX_IDS && w->ok[m->id]++ == 0 && ++w->finished == w->total)
            tg_consumer_stop(w->c);
    }
    pthread_mutex_unlock(&w->lock);
    return r;
}

static int committed4(rd_kafka_t *rk, const char *topic, int64_t out[4])
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(4);
    for (int p = 0; p < 4; p++)
        rd_kafka_topic_partition_list_add(l, topic, p);
    rd_kafka_resp_err_t e = rd_kafka_committed(rk, l, 2000);
    for (int p = 0; p < 4; p++)
        out[p] = e ? -1 : l->elems[p].offset;
    rd_kafka_topic_partition_list_destroy(l);
    return e ? -1 : 0;
}

typedef struct sampler {
    rd_kafka_t *rk;
    const char *topic;
    wseen *w;
    _Atomic int stop;
    int samples, gaps;
} sampler;

/* Every 100 ms: committed offsets must not pass the handled prefix. */
static void *sample_commits(void *arg)
{
    sampler *s = arg;
    int64_t deadline = test_now_ms() + 90000;
    while (!atomic_load(&s->stop) && test_now_ms() < deadline) {
        int64_t com[4];
        if (committed4(s->rk, s->topic, com) == 0) {
            pthread_mutex_lock(&s->w->lock);
            for (int p = 0; p < 4; p++)
                if (com[p] >= 0 && com[p] > done_prefix(s->w, p)) {
                    s->gaps++;
                    fprintf(stderr, "gap: partition %d committed %lld > handled prefix %lld\n",
                            p, (long long)com[p], (long long)done_prefix(s->w, p));
                }
            pthread_mutex_unlock(&s->w->lock);
            s->samples++;
        }
        test_sleep_ms(100);
    }
    return NULL;
}

static void produce_keyed(kt_cluster *k, const char *topic, int n)
{
    live pre = { k, topic, 0, n, 1000000 };
    (void)live_producer(&pre);
}

/* ---- kafka_resilience_workers_order: key order, no committed gap ------------- */

static void test_workers_order(kt_cluster *k)
{
    enum { N = 4000 };
    char group[96], topic[64], dlq_topic[80];
    tg_error err;
    kt_names(k, "worder", topic, sizeof topic, dlq_topic, sizeof dlq_topic);
    unique_group(group, sizeof group, "worder");
    kt_topic(k, topic, 4);
    kt_topic(k, dlq_topic, 1);
    produce_keyed(k, topic, N);
    static wseen w;
    wseen_init(&w, N);
    const char *extra[] = { "topicgen.workers", "8", "topicgen.ordering", "key",
                            "topicgen.max.in.flight", "64", "topicgen.retry.backoff.ms", "20",
                            "topicgen.commit.interval.ms", "100" };
    tg_metrics *met = tg_metrics_new();
    tg_consumer *c = make_consumer(k, group, met, extra, 5);
    w.c = c;
    CHECKF(tg_consumer_add(c, &kt_msg_desc, topic, order_handler, &w, &err) == 0, "%s",
           err.message);
    sampler smp = { kt_plain_consumer(k, group), topic, &w, 0, 0, 0 };
    pthread_t st;
    pthread_create(&st, NULL, sample_commits, &smp);
    int64_t t0 = test_now_ms();
    CHECKF(run_bounded(c, 60000, &err) == 0, "run: %s", err.message);
    int64_t elapsed = test_now_ms() - t0;
    tg_metrics_snapshot snap;
    tg_metrics_snapshot_get(met, &snap);
    tg_consumer_free(c);
    atomic_store(&smp.stop, 1);
    pthread_join(st, NULL);
    int64_t com[4], sum = 0;
    CHECKF(committed4(smp.rk, topic, com) == 0, "committed");
    int final_gaps = 0;
    for (int p = 0; p < 4; p++) {
        sum += com[p];
        final_gaps += com[p] > done_prefix(&w, p);
        CHECKF(com[p] == done_prefix(&w, p), "partition %d: committed %lld, handled prefix %lld",
               p, (long long)com[p], (long long)done_prefix(&w, p));
    }
    rd_kafka_destroy(smp.rk);
    int lost = 0, dups = 0;
    for (int i = 0; i < N; i++) {
        lost += w.ok[i] == 0;
        dups += w.ok[i] > 1 ? w.ok[i] - 1 : 0;
    }
    int rejected = N / 499 + 1;
    printf("workers_order: %d messages, %d keys, 8 workers, max.in.flight 64: %lld ms; "
           "lost=%d dups=%d (bound 0) order_violations=%d same-key overlaps=%d "
           "max concurrent handlers=%d; retried=%llu dead_lettered=%llu (expect %d); "
           "commit samples=%d gaps=%d; final committed sum=%lld (expect %d)\n",
           N, NKEYS, (long long)elapsed, lost, dups, w.order_violations, w.overlap_violations,
           w.max_running, (unsigned long long)snap.counters[TG_M_RETRIED],
           (unsigned long long)snap.counters[TG_M_DEAD_LETTERED], rejected, smp.samples,
           smp.gaps, (long long)sum, N);
    CHECKF(lost == 0, "lost %d", lost);
    CHECKF(dups == 0, "duplicates %d", dups);
    CHECKF(w.order_violations == 0, "per-key order broken %d times", w.order_violations);
    CHECKF(w.overlap_violations == 0, "same key ran concurrently %d times",
           w.overlap_violations);
    CHECKF(w.max_running > 1, "no parallelism (max %d)", w.max_running);
    CHECKF(smp.gaps == 0 && final_gaps == 0, "committed past a gap %d+%d times", smp.gaps,
           final_gaps);
    CHECKF(smp.samples >= 5, "only %d commit samples", smp.samples);
    CHECKF(sum == N, "committed sum %lld", (long long)sum);
    CHECKF(snap.counters[TG_M_DEAD_LETTERED] == (uint64_t)rejected, "dead-lettered %llu",
           (unsigned long long)snap.counters[TG_M_DEAD_LETTERED]);
    tg_metrics_free(met);
}

/* ---- kafka_resilience_workers_kill: SIGKILL a member, a fresh one finishes ---- */

typedef struct child_state { int fd; int64_t n; } child_state;

static tg_result child_handler(void *user, const void *msg, const tg_msg_meta *meta)
{
    child_state *cs = user;
    const kt_msg *m = msg;
    char line[64];
    work_sleep(m->id, 2000);
    int n = snprintf(line, sizeof line, "%lld %d %lld\n", (long long)m->id, (int)meta->partition,
                     (long long)meta->offset);
    if (write(cs->fd, line, (size_t)n) != n) /* O_APPEND: one line per write */
        return TG_RETRY;
    return TG_OK;
}

/* The member the kill test starts: argv = child bootstraps topic group file. */
static int run_child(int argc, char **argv)
{
    if (argc != 6)
        return 2;
    kt_cluster k;
    memset(&k, 0, sizeof k);
    snprintf(k.bootstraps, sizeof k.bootstraps, "%s", argv[2]);
    child_state cs = { open(argv[5], O_WRONLY | O_APPEND | O_CREAT, 0600), 0 };
    const char *extra[] = { "topicgen.workers", "8", "topicgen.max.in.flight", "64" };
    tg_consumer *c = make_consumer(&k, argv[4], NULL, extra, 2);
    tg_error err;
    if (cs.fd < 0 || !c || tg_consumer_add(c, &kt_msg_desc, argv[3], child_handler, &cs, &err))
        return 1;
    (void)run_bounded(c, 60000, &err); /* until SIGKILL */
    tg_consumer_free(c);
    return 0;
}

/* Lines of the child's file; with ok: ids counted, and *uncommitted the
 * lines at or past committed[partition] (NULL: not counted). */
static int count_lines(const char *path, int *ok, int n, const int64_t *committed,
                       int *uncommitted)
{
    FILE *f = fopen(path, "r");
    int lines = 0, part;
    long long id, off;
    while (f && fscanf(f, "%lld %d %lld", &id, &part, &off) == 3) {
        lines++;
        if (ok && id >= 0 && id < n)
            ok[id]++;
        if (committed && part >= 0 && part < 4 && off >= committed[part])
            (*uncommitted)++;
    }
    if (f)
        fclose(f);
    return lines;
}

static void test_workers_kill(kt_cluster *k)
{
    enum { N = 3000 };
    char group[96], topic[64], dlq_topic[80], path[128], self[512];
    tg_error err;
    kt_names(k, "wkill", topic, sizeof topic, dlq_topic, sizeof dlq_topic);
    unique_group(group, sizeof group, "wkill");
    snprintf(path, sizeof path, "/tmp/kr-wkill-%ld.txt", (long)getpid());
    unlink(path);
    kt_topic(k, topic, 4);
    kt_topic(k, dlq_topic, 1);
    produce_keyed(k, topic, N);
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    self[sl > 0 ? sl : 0] = '\0';
    int64_t t0 = test_now_ms();
    pid_t pid = fork();
    if (pid == 0) {
        execl(self, self, "child", k->bootstraps, topic, group, path, (char *)NULL);
        _exit(127);
    }
    int lines = 0;
    int64_t first_ms = 0;
    /* Kill once a third is handled and the child ran for 1 s (commits). */
    while (test_now_ms() - t0 < 40000
           && ((lines = count_lines(path, NULL, 0, NULL, NULL)) < N / 3 || first_ms == 0
               || test_now_ms() - first_ms < 1000)) {
        if (lines > 0 && first_ms == 0)
            first_ms = test_now_ms();
        test_sleep_ms(20);
    }
    int64_t child_ms = test_now_ms() - (first_ms ? first_ms : t0);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    /* What the dead member had committed: the fresh one restarts there. */
    rd_kafka_t *rk = kt_plain_consumer(k, group);
    int64_t com[4] = { 0, 0, 0, 0 };
    CHECKF(committed4(rk, topic, com) == 0, "committed after the kill");
    rd_kafka_destroy(rk);
    for (int p = 0; p < 4; p++)
        com[p] = com[p] < 0 ? 0 : com[p];
    static int ok_child[N];
    static wseen w;
    int uncommitted = 0;
    int child_lines = count_lines(path, ok_child, N, com, &uncommitted);
    wseen_init(&w, N);
    for (int i = 0; i < N; i++)
        if (ok_child[i]) {
            w.ok[i] = ok_child[i]; /* so only new ids count towards finished */
            w.finished++;
        }
    /* the fresh member stops once every id was handled by one of the two */
    const char *extra[] = { "topicgen.workers", "8", "topicgen.max.in.flight", "64" };
    tg_consumer *c = make_consumer(k, group, NULL, extra, 2);
    w.c = c;
    CHECKF(tg_consumer_add(c, &kt_msg_desc, topic, order_handler, &w, &err) == 0, "%s",
           err.message);
    int64_t t1 = test_now_ms();
    int before = w.finished;
    CHECKF(run_bounded(c, 60000, &err) == 0, "run: %s", err.message);
    tg_consumer_free(c);
    int64_t resume_ms = test_now_ms() - t1;
    int lost = 0, dups = 0;
    for (int i = 0; i < N; i++) {
        lost += w.ok[i] == 0;
        dups += ok_child[i] ? w.ok[i] - ok_child[i] : 0;
    }
    /* Re-handled after the kill: exactly the messages the child handled at
     * or past its last committed offsets (the fresh member starts there);
     * none below them may come back. */
    double rate = child_ms > 0 ? (double)child_lines * 1000.0 / (double)child_ms : 0;
    int dup_bound = uncommitted;
    printf("workers_kill: child handled %d of %d in %lld ms (%.0f msg/s), SIGKILLed (%s); "
           "committed at the kill %lld/%lld/%lld/%lld; fresh member finished in %lld ms "
           "(session timeout included); lost=%d re-handled=%d (bound: handled past the "
           "committed offsets = %d, i.e. %.0f ms of the child's work) ids the fresh member "
           "added=%d\n",
           child_lines, N, (long long)child_ms, rate,
           WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? "killed" : "not killed",
           (long long)com[0], (long long)com[1], (long long)com[2], (long long)com[3],
           (long long)resume_ms, lost, dups, dup_bound, rate > 0 ? dup_bound * 1000.0 / rate : 0,
           w.finished - before);
    CHECKF(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child not SIGKILLed");
    CHECKF(lines >= N / 3 && child_lines < N, "child handled %d", child_lines);
    CHECKF(lost == 0, "lost %d", lost);
    CHECKF(dups <= dup_bound, "re-handled %d > %d", dups, dup_bound);
    unlink(path);
}

/* ---- kafka_resilience_workers_unit: tg_workers lanes, stall, cancel ---------- */

typedef struct uitem { tg_work w; int id; int lane; bool stall; } uitem;

typedef struct ustate {
    pthread_mutex_t lock;
    int order[2][16], n[2];        /* ids run per lane, in order */
    _Atomic int notified;
} ustate;

static bool unit_run(void *ctx, unsigned worker, tg_work *w)
{
    ustate *u = ctx;
    uitem *it = (uitem *)w;
    pthread_mutex_lock(&u->lock);
    if (worker < 2 && u->n[worker] < 16)
        u->order[worker][u->n[worker]++] = it->id;
    pthread_mutex_unlock(&u->lock);
    bool stall = it->stall;
    it->stall = false;             /* stalls once */
    return stall;
}

static void unit_notify(void *ctx)
{
    ustate *u = ctx;
    atomic_fetch_add(&u->notified, 1);
}

static int unit_take(tg_workers *ws, int want, int timeout_ms)
{
    int got = 0;
    int64_t deadline = test_now_ms() + timeout_ms;
    while (got < want && test_now_ms() < deadline) {
        tg_workers_wait_done(ws, 20);
        for (tg_work *w = tg_workers_take_done(ws); w; w = w->next)
            got++;
    }
    return got;
}

static bool unit_match(const tg_work *w, void *arg)
{
    return ((const uitem *)w)->id == *(int *)arg;
}

static void test_workers_unit(kt_cluster *k)
{
    static ustate u;
    static uitem items[6];
    tg_error err;
    (void)k;
    memset(&u, 0, sizeof u);
    pthread_mutex_init(&u.lock, NULL);
    tg_workers *ws = tg_workers_new(2, unit_run, unit_notify, &u, &err);
    CHECKF(ws && tg_workers_count(ws) == 2, "pool: %s", ws ? "" : err.message);
    if (!ws)
        return;
    for (int i = 0; i < 6; i++)
        items[i] = (uitem){ { NULL, 0 }, i, i < 4 ? 0 : 1, i == 1 };
    /* lane 0: 0, 1 (stalls), 2, 3; lane 1: 4, 5 */
    for (int i = 0; i < 6; i++)
        tg_workers_submit(ws, &items[i].w, (unsigned)items[i].lane, false);
    int got = unit_take(ws, 4, 2000);
    test_sleep_ms(50);
    got += unit_take(ws, 1, 50);
    CHECKF(got == 4, "before the re-submit %d items finished (0, 1, 4, 5 expected)", got);
    pthread_mutex_lock(&u.lock);
    CHECKF(u.n[0] == 2 && u.order[0][0] == 0 && u.order[0][1] == 1, "lane 0 ran %d", u.n[0]);
    CHECKF(u.n[1] == 2 && u.order[1][0] == 4 && u.order[1][1] == 5, "lane 1 ran %d", u.n[1]);
    pthread_mutex_unlock(&u.lock);
    int three = 3;
    tg_work *cancelled = tg_workers_cancel(ws, unit_match, &three);
    CHECKF(cancelled == &items[3].w && !cancelled->next, "cancel took item 3 only");
    tg_workers_submit(ws, &items[1].w, 0, true); /* the stalled item again, at the front */
    got = unit_take(ws, 2, 2000);
    CHECKF(got == 2, "after the re-submit %d finished", got);
    pthread_mutex_lock(&u.lock);
    CHECKF(u.n[0] == 4 && u.order[0][2] == 1 && u.order[0][3] == 2,
           "lane 0 order after the stall: %d items", u.n[0]);
    pthread_mutex_unlock(&u.lock);
    CHECKF(atomic_load(&u.notified) >= 2, "notified %d times", atomic_load(&u.notified));
    tg_workers_free(ws);
    printf("workers_unit: lane order kept across a stall, front re-submit and cancel\n");
}

/* ---- case table ------------------------------------------------------------- */

static const kt_case cases[] = {
    KT_CASE("dlq_naming", test_dlq_naming, 1),
    KT_CASE("breaker", test_breaker, 1),
    KT_CASE("breaker_workers", test_breaker_workers, 1),
    KT_CASE("workers_order", test_workers_order, 1),
    KT_CASE("workers_kill", test_workers_kill, 1),
    KT_CASE("workers_unit", test_workers_unit, 1),
    KT_SUBCOMMAND("child", run_child), /* the member test_workers_kill starts */
};

int main(int argc, char **argv)
{
    return KT_MAIN(argc, argv, cases);
}
