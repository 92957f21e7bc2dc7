/* Consumer tests against librdkafka's mock cluster.  One case per run
 * (argv[1]); each prints "N passed, N failed".  Every loop is bounded in
 * count and time, and alarm() bounds the whole process. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kt.h"
#include "tg_metrics.h"

#define MAX_IDS 2000

/* What handlers saw: calls per id, order per partition, attempts. */
typedef struct seen {
    pthread_mutex_t lock;
    int calls[MAX_IDS];          /* handler calls per id (incl. retries)   */
    int ok[MAX_IDS];             /* times the handler returned TG_OK        */
    int64_t last_id[64];         /* per partition, last OK id (ordering)    */
    int order_violations;
    int processed;               /* TG_OK returns                           */
    int target;                  /* stop the consumer at this many OKs      */
    int stop_after;              /* raise SIGUSR1 at this many OKs (0: off)  */
    int p1_during_retry;         /* partition-1 OKs while a retry was pending */
    bool retry_pending;
    int attempts_seen[8];
    int variant_calls[2];
    int batches, max_batch, batch_retry_left;
    tg_consumer *consumer;
} seen;

static void seen_init(seen *s, int target)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    s->target = target;
    for (int i = 0; i < 64; i++)
        s->last_id[i] = -1;
}

static int body_retries(const kt_msg *m)
{
    if (m->body.len >= 5 && memcmp(m->body.ptr, "retry", 5) == 0) {
        if (m->body.len == 12 && memcmp(m->body.ptr, "retryforever", 12) == 0)
            return 1000;
        return m->body.ptr[5] - '0';
    }
    return 0;
}

static bool body_is(const kt_msg *m, const char *s)
{
    return m->body.len == strlen(s) && memcmp(m->body.ptr, s, m->body.len) == 0;
}

static tg_result record(seen *s, const kt_msg *m, const tg_msg_meta *meta)
{
    tg_result r = TG_OK;
    pthread_mutex_lock(&s->lock);
    if (m->id >= 0 && m->id < MAX_IDS)
        s->calls[m->id]++;
    if (body_is(m, "reject"))
        r = TG_REJECT;
    else if (meta->attempt <= body_retries(m)) {
        r = TG_RETRY;
        s->retry_pending = true;
        if (meta->attempt < 8)
            s->attempts_seen[meta->attempt]++;
    } else if (body_retries(m)) {
        s->retry_pending = false;
        if (meta->attempt < 8)
            s->attempts_seen[meta->attempt]++;
    }
    if (r == TG_OK) {
        if (m->id >= 0 && m->id < MAX_IDS)
            s->ok[m->id]++;
        if (meta->partition < 64) {
            if (m->id <= s->last_id[meta->partition])
                s->order_violations++;
            s->last_id[meta->partition] = m->id;
        }
        if (meta->partition == 1 && s->retry_pending)
            s->p1_during_retry++;
        s->processed++;
        if (s->stop_after && s->processed == s->stop_after)
            raise(SIGUSR1);
        if (s->processed >= s->target)
            tg_consumer_stop(s->consumer);
    }
    pthread_mutex_unlock(&s->lock);
    return r;
}

static tg_result handler(void *user, const void *msg, const tg_msg_meta *meta)
{
    return record(user, msg, meta);
}

static void count_results(const seen *s, int n, int *lost, int *dups)
{
    *lost = 0;
    *dups = 0;
    for (int i = 0; i < n; i++) {
        if (s->ok[i] == 0)
            (*lost)++;
        if (s->ok[i] > 1)
            *dups += s->ok[i] - 1;
    }
}

/* Run c until it stops itself (target reached) or timeout_ms passes. */
static void *stopper(void *arg)
{
    void **a = arg;
    int64_t deadline = kt_now_ms() + (int)(intptr_t)a[1];
    while (!tg_consumer_stopping(a[0]) && kt_now_ms() < deadline)
        kt_sleep_ms(20);
    tg_consumer_stop(a[0]);
    return NULL;
}

static int run_bounded(tg_consumer *c, int timeout_ms, tg_error *err)
{
    pthread_t t;
    void *args[2] = { c, (void *)(intptr_t)timeout_ms };
    pthread_create(&t, NULL, stopper, args);
    int rc = tg_consumer_run(c, err);
    pthread_join(t, NULL);
    return rc;
}

static tg_consumer *make_consumer(kt_cluster *k, const char *group, tg_metrics *m,
                                  const char *const *extra, size_t n_extra)
{
    tg_error err;
    tg_config *conf = kt_consumer_config(k, group, extra, n_extra);
    tg_logger quiet = { tg_log_stderr_sink, NULL, TG_LOG_WARN };
    tg_consumer_opts o = { NULL, &quiet, m, NULL, NULL };
    tg_consumer *c = conf ? tg_consumer_new(conf, &o, &err) : NULL;
    if (!c)
        fprintf(stderr, "consumer: %s\n", conf ? err.message : "config");
    tg_config_free(conf);
    return c;
}

static void unique_group(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "kt-%s-%ld-%lld", name, (long)getpid(), (long long)kt_now_ms());
}

/* ---- kafka_consumer_basic: N messages, 4 partitions, all processed once ---- */

static void test_basic(kt_cluster *k)
{
    enum { N = 400 };
    char group[96];
    seen s;
    tg_error err;
    unique_group(group, sizeof group, "basic");
    kt_topic(k, "basic", 4);
    tg_config *pc = kt_producer_config(k, NULL, 0);
    tg_producer *p = tg_producer_new(pc, NULL, &err);
    tg_config_free(pc);
    for (int i = 0; i < N; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i % 10);
        kt_msg m = { i, { key, strlen(key) }, { "ok", 2 } };
        tg_send_opts so = tg_send_opts_default();
        so.topic = "basic";
        KT_CHECK(tg_producer_send(p, &kt_msg_desc, &m, &so, &err) == 0, "send: %s", err.message);
    }
    size_t left = 1;
    KT_CHECK(tg_producer_close(p, 10000, &left) == 0 && left == 0, "undelivered %zu", left);

    tg_metrics *met = tg_metrics_new();
    seen_init(&s, N);
    tg_consumer *c = make_consumer(k, group, met, NULL, 0);
    s.consumer = c;
    KT_CHECK(tg_consumer_add(c, &kt_msg_desc, "basic", handler, &s, &err) == 0, "%s", err.message);
    int64_t t0 = kt_now_ms();
    KT_CHECK(run_bounded(c, 30000, &err) == 0, "run: %s", err.message);
    int64_t elapsed = kt_now_ms() - t0;
    int lost, dups;
    count_results(&s, N, &lost, &dups);
    tg_metrics_snapshot snap;
    tg_metrics_snapshot_get(met, &snap);
    printf("basic: processed=%d lost=%d dups=%d order_violations=%d in %lld ms; commits=%llu\n",
           s.processed, lost, dups, s.order_violations, (long long)elapsed,
           (unsigned long long)snap.counters[TG_M_COMMITS]);
    KT_CHECK(lost == 0, "lost %d", lost);
    KT_CHECK(dups == 0, "duplicates %d (bound 0: no rebalance, no restart)", dups);
    KT_CHECK(s.order_violations == 0, "per-partition order broken %d times", s.order_violations);
    KT_CHECK(snap.counters[TG_M_CONSUMED] == N, "consumed %llu",
             (unsigned long long)snap.counters[TG_M_CONSUMED]);
    KT_CHECK(snap.counters[TG_M_PROCESSED] == N, "processed metric");
    KT_CHECK(snap.latency_count == N, "latency observations %llu",
             (unsigned long long)snap.latency_count);
    KT_CHECK(snap.counters[TG_M_COMMITS] >= 1, "no commit counted");
    tg_consumer_free(c);
    int64_t total = 0;
    for (int part = 0; part < 4; part++) {
        int64_t off = kt_committed(k, group, "basic", part);
        KT_CHECK(off >= 0, "partition %d: no committed offset", part);
        total += off;
    }
    printf("basic: committed offsets sum=%lld (expect %d)\n", (long long)total, N);
    KT_CHECK(total == N, "committed sum %lld != %d", (long long)total, N);
    tg_metrics_free(met);
}

/* ---- case table --------------------------------------------------------------- */

typedef struct tcase { const char *name; void (*fn)(kt_cluster *k); int brokers; } tcase;

static const tcase cases[] = {
    { "basic", test_basic, 1 },
};

int main(int argc, char **argv)
{
    kt_cluster k;
    alarm(120); /* hard bound: SIGALRM kills a hung test */
    if (argc != 2) {
        fprintf(stderr, "usage: %s <case>\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (strcmp(cases[i].name, argv[1]) != 0)
            continue;
        if (kt_cluster_start(&k, cases[i].brokers) != 0) {
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
