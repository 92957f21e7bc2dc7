/* Consumer resilience tests on librdkafka's mock cluster (127.0.0.1): DLQ
 * topic naming and handler-set DLQ reasons, the circuit breaker under a
 * handler-dependency outage, and worker mode (key order, no committed gap,
 * no loss after SIGKILL of a member).  One case per run (argv[1]); every
 * loop is bounded in count and time and alarm() bounds the process.  The
 * "child" case is the member the kill test fork/execs and SIGKILLs. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kt.h"
#include "tg_breaker.h"
#include "tg_metrics.h"

/* ---- shared helpers -------------------------------------------------------- */

static void unique_group(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "kr-%s-%ld-%lld", name, (long)getpid(), (long long)kt_now_ms());
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
    int64_t deadline = kt_now_ms() + a->timeout_ms;
    while (!tg_consumer_stopping(a->c) && kt_now_ms() < deadline)
        kt_sleep_ms(20);
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
    KT_CHECK(tg_consumer_add(c, &desc, NULL, naming_handler, &n, &err) == 0, "%s", err.message);
    KT_CHECK(tg_consumer_add(c, &desc, "kr-other", naming_handler, &n, &err) == 0, "%s",
             err.message);
    KT_CHECK(run_bounded(c, 30000, &err) == 0, "run: %s", err.message);
    tg_consumer_free(c);
    dlq_set own, other;
    memset(&own, 0, sizeof own);
    memset(&other, 0, sizeof other);
    int got_own = kt_read_all(k, "kr-schema.custom-dlq", 1, 10000, collect_dlq, &own);
    int got_other = kt_read_all(k, "kr-other.dlq", 2, 10000, collect_dlq, &other);
    printf("dlq_naming: schema topic -> custom DLQ (%d), other topic -> kr-other.dlq (%d)\n",
           got_own, got_other);
    KT_CHECK(got_own == 1 && own.recs[0].id == 1, "custom DLQ holds %d", got_own);
    KT_CHECK(got_other == 2, "kr-other.dlq holds %d", got_other);
    KT_CHECK(got_own == 1 && strcmp(own.recs[0].reason, "order 1: amount negative") == 0,
             "reason '%s'", own.recs[0].reason);
    for (int i = 0; i < other.n; i++) {
        const char *want = other.recs[i].id == 2 ? "order 2: amount negative"
                                                  : "retries exhausted: inventory service said 503";
        printf("dlq_naming: id %lld reason \"%s\"\n", (long long)other.recs[i].id,
               other.recs[i].reason);
        KT_CHECK(strcmp(other.recs[i].reason, want) == 0, "id %lld reason '%s'",
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
    int64_t now = kt_now_ms();
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
        kt_sleep_ms(1); /* some work */
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
    int64_t t0 = kt_now_ms();
    for (int i = l->from; i < l->to; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i % 200);
        kt_msg m = { i, { key, strlen(key) }, { "ok", 2 } };
        tg_send_opts so = tg_send_opts_default();
        so.topic = l->topic;
        if (tg_producer_send(p, &kt_msg_desc, &m, &so, &err) != 0)
            fprintf(stderr, "live send %d: %s\n", i, err.message);
        int64_t due = t0 + (int64_t)(i - l->from + 1) * 1000 / l->per_s;
        int64_t wait = due - kt_now_ms();
        if (wait > 0)
            kt_sleep_ms((int)wait);
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
    KT_CHECK(tg_consumer_add(c, &kt_msg_desc, topic, outage_handler, &o, &err) == 0, "%s",
             err.message);
    int64_t t0 = kt_now_ms();
    o.down_from = t0 + 2000;
    o.down_until = o.down_from + OUTAGE_MS;
    live lv = { k, topic, BACKLOG, BACKLOG + LIVE, RATE };
    pthread_t prod;
    pthread_create(&prod, NULL, live_producer, &lv);
    KT_CHECK(run_bounded(c, 90000, &err) == 0, "run: %s", err.message);
    pthread_join(prod, NULL);
    int64_t elapsed = kt_now_ms() - t0;
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
    KT_CHECK(lost == 0, "lost %d", lost);
    KT_CHECK(dups <= dup_bound, "duplicates %d > %d", dups, dup_bound);
    KT_CHECK(snap.counters[TG_M_DEAD_LETTERED] == 0 && in_dlq == 0, "dead-lettered %llu / %d",
             (unsigned long long)snap.counters[TG_M_DEAD_LETTERED], in_dlq);
    KT_CHECK(o.processed == o.total, "processed %d of %d", o.processed, o.total);
    KT_CHECK(snap.breaker_opens >= 1, "breaker never opened");
    KT_CHECK(snap.breaker_state == TG_BREAKER_CLOSED, "breaker state %d at the end",
             snap.breaker_state);
    KT_CHECK(o.failed_calls <= fail_bound, "failed calls %d > %d", o.failed_calls, fail_bound);
    KT_CHECK(o.first_ok_after_ms - o.down_until <= COOLDOWN_MS + 1000,
             "recovery took %lld ms", (long long)(o.first_ok_after_ms - o.down_until));
    tg_metrics_free(met);
}

static void test_breaker(kt_cluster *k)
{
    breaker_case(k, "0");
}

/* ---- case table ------------------------------------------------------------- */

typedef struct tcase { const char *name; void (*fn)(kt_cluster *k); } tcase;

static const tcase cases[] = {
    { "dlq_naming", test_dlq_naming },
    { "breaker", test_breaker },
};

int main(int argc, char **argv)
{
    kt_cluster k;
    alarm(120); /* hard bound: SIGALRM kills a hung test */
    if (argc < 2) {
        fprintf(stderr, "usage: %s <case>\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (strcmp(cases[i].name, argv[1]) != 0)
            continue;
        if (kt_cluster_start(&k, 1) != 0) {
            KT_CHECK(0, "mock cluster did not start");
            return kt_summary();
        }
        cases[i].fn(&k);
        kt_cluster_stop(&k);
        return kt_summary();
    }
    fprintf(stderr, "unknown case %s\n", argv[1]);
    return 2;
}
