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
    int64_t ok_ms[MAX_IDS];      /* when the first TG_OK happened            */
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
        if (m->id == 0 && meta->attempt < 8)
            s->attempts_seen[meta->attempt]++;
    } else if (body_retries(m)) {
        s->retry_pending = false;
        if (m->id == 0 && meta->attempt < 8)
            s->attempts_seen[meta->attempt]++;
    }
    if (r == TG_OK) {
        if (m->id >= 0 && m->id < MAX_IDS && s->ok[m->id]++ == 0)
            s->ok_ms[m->id] = test_now_ms();
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
    int64_t deadline = test_now_ms() + (int)(intptr_t)a[1];
    while (!tg_consumer_stopping(a[0]) && test_now_ms() < deadline)
        test_sleep_ms(20);
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
    tg_logger quiet = { tg_log_stderr_sink, NULL, getenv("KT_DEBUG") ? TG_LOG_DEBUG : TG_LOG_WARN };
    tg_consumer_opts o = { NULL, &quiet, m, NULL, NULL };
    tg_consumer *c = conf ? tg_consumer_new(conf, &o, &err) : NULL;
    if (!c)
        fprintf(stderr, "consumer: %s\n", conf ? err.message : "config");
    tg_config_free(conf);
    return c;
}

static void unique_group(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "kt-%s-%ld-%lld", name, (long)getpid(), (long long)test_now_ms());
}

/* ---- kafka_consumer_basic: N messages, 4 partitions, all processed once ---- */

static void test_basic(kt_cluster *k)
{
    enum { N = 400 };
    char group[96];
    seen s;
    tg_error err;
    char topic[64], dlq_topic[80];
    kt_names(k, "basic", topic, sizeof topic, dlq_topic, sizeof dlq_topic);
    unique_group(group, sizeof group, "basic");
    kt_topic(k, topic, 4);
    tg_producer *p = kt_producer(k, &err);
    for (int i = 0; i < N; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i % 10);
        kt_msg m = { i, { key, strlen(key) }, { "ok", 2 } };
        tg_send_opts so = tg_send_opts_default();
        so.topic = topic;
        CHECKF(tg_producer_send(p, &kt_msg_desc, &m, &so, &err) == 0, "send: %s", err.message);
    }
    size_t left = 1;
    CHECKF(tg_producer_close(p, 10000, &left) == 0 && left == 0, "undelivered %zu", left);

    tg_metrics *met = tg_metrics_new();
    seen_init(&s, N);
    tg_consumer *c = make_consumer(k, group, met, NULL, 0);
    s.consumer = c;
    CHECKF(tg_consumer_add(c, &kt_msg_desc, topic, handler, &s, &err) == 0, "%s", err.message);
    int64_t t0 = test_now_ms();
    CHECKF(run_bounded(c, 30000, &err) == 0, "run: %s", err.message);
    int64_t elapsed = test_now_ms() - t0;
    int lost, dups;
    count_results(&s, N, &lost, &dups);
    tg_metrics_snapshot snap;
    tg_metrics_snapshot_get(met, &snap);
    printf("basic: processed=%d lost=%d dups=%d order_violations=%d in %lld ms; commits=%llu\n",
           s.processed, lost, dups, s.order_violations, (long long)elapsed,
           (unsigned long long)snap.counters[TG_M_COMMITS]);
    CHECKF(lost == 0, "lost %d", lost);
    CHECKF(dups == 0, "duplicates %d (bound 0: no rebalance, no restart)", dups);
    CHECKF(s.order_violations == 0, "per-partition order broken %d times", s.order_violations);
    CHECKF(snap.counters[TG_M_CONSUMED] == N, "consumed %llu",
           (unsigned long long)snap.counters[TG_M_CONSUMED]);
    CHECKF(snap.counters[TG_M_PROCESSED] == N, "processed metric");
    CHECKF(snap.latency_count == N, "latency observations %llu",
           (unsigned long long)snap.latency_count);
    CHECKF(snap.counters[TG_M_COMMITS] >= 1, "no commit counted");
    tg_consumer_free(c);
    int64_t total = 0;
    for (int part = 0; part < 4; part++) {
        int64_t off = kt_committed(k, group, topic, part);
        CHECKF(off >= 0, "partition %d: no committed offset", part);
        total += off;
    }
    printf("basic: committed offsets sum=%lld (expect %d)\n", (long long)total, N);
    CHECKF(total == N, "committed sum %lld != %d", (long long)total, N);
    tg_metrics_free(met);
}

/* ---- DLQ inspection ------------------------------------------------------------ */

typedef struct dlq_rec {
    int64_t id;
    char reason[200], path[128], topic[64], part[16], offset[24], ts[24], attempts[8];
    char content_type[32], key[32];
} dlq_rec;

typedef struct dlq_set { dlq_rec recs[64]; int n; } dlq_set;

static void collect_dlq(void *user, const rd_kafka_message_t *m)
{
    dlq_set *d = user;
    if (d->n >= 64)
        return;
    dlq_rec *r = &d->recs[d->n++];
    r->id = kt_parse_id(m->payload, m->len);
    kt_header(m, "tg-dlq-reason", r->reason, sizeof r->reason);
    kt_header(m, "tg-dlq-path", r->path, sizeof r->path);
    kt_header(m, "tg-dlq-topic", r->topic, sizeof r->topic);
    kt_header(m, "tg-dlq-partition", r->part, sizeof r->part);
    kt_header(m, "tg-dlq-offset", r->offset, sizeof r->offset);
    kt_header(m, "tg-dlq-timestamp", r->ts, sizeof r->ts);
    kt_header(m, "tg-dlq-attempts", r->attempts, sizeof r->attempts);
    kt_header(m, "content-type", r->content_type, sizeof r->content_type);
    kt_message_key(m, r->key, sizeof r->key);
}

static const dlq_rec *dlq_find_offset(const dlq_set *d, const char *offset)
{
    for (int i = 0; i < d->n; i++)
        if (strcmp(d->recs[i].offset, offset) == 0)
            return &d->recs[i];
    return NULL;
}

/* ---- kafka_consumer_poison: bad JSON, missing field, REJECT go to the DLQ ---- */

static void test_poison(kt_cluster *k)
{
    enum { N = 20 };
    char group[96];
    seen s;
    tg_error err;
    char topic[64], dlq_topic[80];
    kt_names(k, "poison", topic, sizeof topic, dlq_topic, sizeof dlq_topic);
    unique_group(group, sizeof group, "poison");
    kt_topic(k, topic, 1);
    kt_topic(k, dlq_topic, 1);
    for (int i = 0; i < N; i++) {
        if (i == 5)
            kt_produce_raw(k, topic, 0, "kbad", "{\"id\": 5, \"key\": \"kbad\", \"body\": ");
        else if (i == 10)
            kt_produce(k, topic, 0, i, "krej", "reject");
        else if (i == 15)
            kt_produce_raw(k, topic, 0, "kmiss", "{\"key\":\"kmiss\",\"body\":\"ok\"}");
        else
            kt_produce(k, topic, 0, i, "k", "ok");
    }
    tg_metrics *met = tg_metrics_new();
    seen_init(&s, N - 3);
    tg_consumer *c = make_consumer(k, group, met, NULL, 0);
    s.consumer = c;
    tg_consumer_add(c, &kt_msg_desc, topic, handler, &s, &err);
    CHECKF(run_bounded(c, 30000, &err) == 0, "run: %s", err.message);
    tg_metrics_snapshot snap;
    tg_metrics_snapshot_get(met, &snap);
    tg_consumer_free(c);
    int64_t committed = kt_committed(k, group, topic, 0);
    printf("poison: processed=%d dead_lettered=%llu committed=%lld\n", s.processed,
           (unsigned long long)snap.counters[TG_M_DEAD_LETTERED], (long long)committed);
    CHECKF(s.processed == N - 3, "processed %d", s.processed);
    CHECKF(snap.counters[TG_M_DEAD_LETTERED] == 3, "dead-lettered %llu",
           (unsigned long long)snap.counters[TG_M_DEAD_LETTERED]);
    CHECKF(s.ok[19] == 1 && s.ok[16] == 1 && s.ok[11] == 1, "partition stopped after poison");
    CHECKF(s.calls[10] == 1, "rejected message handled %d times", s.calls[10]);
    CHECKF(committed == N, "committed %lld, expected %d", (long long)committed, N);

    dlq_set d;
    memset(&d, 0, sizeof d);
    int got = kt_read_all(k, dlq_topic, 3, 10000, collect_dlq, &d);
    CHECKF(got == 3, "DLQ holds %d messages", got);
    const dlq_rec *bad = dlq_find_offset(&d, "5"), *rej = dlq_find_offset(&d, "10"),
                  *miss = dlq_find_offset(&d, "15");
    CHECKF(bad && strncmp(bad->reason, "decode: ", 8) == 0, "bad JSON reason %s",
           bad ? bad->reason : "-");
    CHECKF(bad && strcmp(bad->key, "kbad") == 0, "key kept");
    CHECKF(bad && strcmp(bad->attempts, "0") == 0, "attempts %s", bad ? bad->attempts : "-");
    CHECKF(rej && strcmp(rej->reason, "rejected by handler") == 0, "reject reason %s",
           rej ? rej->reason : "-");
    CHECKF(rej && strcmp(rej->attempts, "1") == 0, "attempts %s", rej ? rej->attempts : "-");
    CHECKF(rej && rej->id == 10, "value kept");
    CHECKF(miss && strcmp(miss->path, "$.id") == 0, "missing-field path '%s'",
           miss ? miss->path : "-");
    for (int i = 0; i < d.n; i++) {
        CHECKF(strcmp(d.recs[i].topic, topic) == 0, "tg-dlq-topic %s", d.recs[i].topic);
        CHECKF(strcmp(d.recs[i].part, "0") == 0, "tg-dlq-partition %s", d.recs[i].part);
        CHECKF(atoll(d.recs[i].ts) > 0, "tg-dlq-timestamp %s", d.recs[i].ts);
    }
    if (miss)
        printf("poison: DLQ example reason=\"%s\" path=\"%s\"\n", miss->reason, miss->path);
    tg_metrics_free(met);
}

/* ---- kafka_consumer_retry: RETRY-then-OK pauses one partition only ------------ */

static void test_retry(kt_cluster *k)
{
    char group[96];
    seen s;
    tg_error err;
    char topic[64], dlq_topic[80];
    kt_names(k, "retry", topic, sizeof topic, dlq_topic, sizeof dlq_topic);
    unique_group(group, sizeof group, "retry");
    kt_topic(k, topic, 2);
    kt_topic(k, dlq_topic, 1);
    /* partition 0: id 0 retries twice, id 1 retries forever, ids 2..5 ok */
    kt_produce(k, topic, 0, 0, "a", "retry2");
    kt_produce(k, topic, 0, 1, "a", "retryforever");
    for (int i = 2; i < 6; i++)
        kt_produce(k, topic, 0, i, "a", "ok");
    for (int i = 100; i < 110; i++)
        kt_produce(k, topic, 1, i, "b", "ok");
    tg_metrics *met = tg_metrics_new();
    seen_init(&s, 5 + 40);
    const char *extra[] = { "topicgen.retry.max.attempts", "3", "topicgen.retry.backoff.ms", "400",
                            "fetch.wait.max.ms", "50" };
    tg_consumer *c = make_consumer(k, group, met, extra, 3);
    s.consumer = c;
    tg_consumer_add(c, &kt_msg_desc, topic, handler, &s, &err);
    int64_t t0 = test_now_ms();
    int64_t deadline = t0 + 20000;
    while (!s.retry_pending && test_now_ms() < deadline)
        tg_consumer_poll(c, 50, &err);
    /* partition 0 is now paused for its retry: partition 1 must keep flowing */
    tg_producer *p = kt_producer(k, &err);
    for (int i = 110; i < 140; i++) {
        char v[64];
        snprintf(v, sizeof v, "{\"id\":%d,\"key\":\"b\",\"body\":\"ok\"}", i);
        tg_raw_record r = { topic, 1, "b", 1, v, strlen(v), NULL, NULL, 0, 0, NULL };
        tg_producer_send_raw(p, &r, &err);
    }
    tg_producer_poll(p, 0);
    CHECKF(run_bounded(c, 30000, &err) == 0, "run: %s", err.message);
    tg_producer_close(p, 5000, NULL);
    tg_metrics_snapshot snap;
    tg_metrics_snapshot_get(met, &snap);
    tg_consumer_free(c);
    printf("retry: processed=%d calls(id0)=%d calls(id1)=%d retried=%llu dlq=%llu "
           "p1_during_retry=%d in %lld ms\n", s.processed, s.calls[0], s.calls[1],
           (unsigned long long)snap.counters[TG_M_RETRIED],
           (unsigned long long)snap.counters[TG_M_DEAD_LETTERED], s.p1_during_retry,
           (long long)(test_now_ms() - t0));
    CHECKF(s.calls[0] == 3 && s.ok[0] == 1, "id0: %d calls, %d ok", s.calls[0], s.ok[0]);
    CHECKF(s.attempts_seen[1] == 1 && s.attempts_seen[2] == 1 && s.attempts_seen[3] == 1,
           "attempt numbers 1,2,3");
    CHECKF(s.calls[1] == 3 && s.ok[1] == 0, "id1: %d calls", s.calls[1]);
    CHECKF(snap.counters[TG_M_RETRIED] == 4, "retried %llu",
           (unsigned long long)snap.counters[TG_M_RETRIED]);
    CHECKF(snap.counters[TG_M_DEAD_LETTERED] == 1, "dlq");
    CHECKF(s.order_violations == 0, "order within partition 0");
    for (int i = 2; i < 6; i++)
        CHECKF(s.ok[i] == 1, "id %d ok %d times", i, s.ok[i]);
    CHECKF(s.p1_during_retry > 0, "partition 1 did not flow while partition 0 retried");
    CHECKF(kt_committed(k, group, topic, 0) == 6, "p0 committed");
    CHECKF(kt_committed(k, group, topic, 1) == 40, "p1 committed");
    dlq_set d;
    memset(&d, 0, sizeof d);
    CHECKF(kt_read_all(k, dlq_topic, 1, 10000, collect_dlq, &d) == 1, "dlq count");
    CHECKF(d.n == 1 && strcmp(d.recs[0].reason, "retries exhausted") == 0
               && strcmp(d.recs[0].attempts, "3") == 0,
           "dlq headers reason=%s attempts=%s", d.recs[0].reason, d.recs[0].attempts);
    tg_metrics_free(met);
}

/* ---- kafka_consumer_dlq_failure: offset not committed until DLQ delivery ---- */

static void test_dlq_failure(kt_cluster *k)
{
    char group[96];
    seen s;
    tg_error err;
    char topic[64], dlq_topic[80];
    kt_names(k, "dlqfail", topic, sizeof topic, dlq_topic, sizeof dlq_topic);
    unique_group(group, sizeof group, "dlqfail");
    kt_topic(k, topic, 1);
    kt_topic(k, dlq_topic, 1);
    for (int i = 0; i < 6; i++)
        kt_produce(k, topic, 0, i, "k", i == 2 ? "reject" : "ok");
    rd_kafka_mock_topic_set_error(k->mc, dlq_topic, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
    tg_metrics *met = tg_metrics_new();
    seen_init(&s, 1000);
    /* the DLQ producer gives up after 500 ms, so failed deliveries are reported */
    const char *dlq_extra[] = { "message.timeout.ms", "500" };
    tg_config *conf = kt_consumer_config(k, group, NULL, 0);
    tg_config *dlq_conf = kt_producer_config(k, dlq_extra, 1);
    tg_logger quiet = { tg_log_stderr_sink, NULL, TG_LOG_ERROR + 1 };
    tg_consumer_opts o = { dlq_conf, &quiet, met, NULL, NULL };
    tg_consumer *c = tg_consumer_new(conf, &o, &err);
    tg_config_free(conf);
    tg_config_free(dlq_conf);
    s.consumer = c;
    tg_consumer_add(c, &kt_msg_desc, topic, handler, &s, &err);
    int64_t deadline = test_now_ms() + 20000;
    while (s.processed < 2 && test_now_ms() < deadline)
        tg_consumer_poll(c, 100, &err);
    int64_t until = test_now_ms() + 2500;   /* DLQ broken for 2.5 s */
    while (test_now_ms() < until)
        tg_consumer_poll(c, 100, &err);
    tg_consumer_commit(c, false, &err);
    tg_metrics_snapshot snap;
    tg_metrics_snapshot_get(met, &snap);
    int64_t committed_during = kt_committed(k, group, topic, 0);
    int processed_during = s.processed;
    printf("dlq_failure: while DLQ broken: processed=%d committed=%lld failed_deliveries=%llu\n",
           processed_during, (long long)committed_during,
           (unsigned long long)snap.counters[TG_M_FAILED_DELIVERIES]);
    CHECKF(processed_during == 2, "messages after the poison handled: %d", processed_during);
    CHECKF(committed_during == 2, "committed %lld while DLQ failing (must be 2)",
           (long long)committed_during);
    CHECKF(snap.counters[TG_M_FAILED_DELIVERIES] >= 2, "DLQ produce retried %llu times",
           (unsigned long long)snap.counters[TG_M_FAILED_DELIVERIES]);
    CHECKF(snap.counters[TG_M_DEAD_LETTERED] == 0, "counted as dead-lettered");
    rd_kafka_mock_topic_set_error(k->mc, dlq_topic, RD_KAFKA_RESP_ERR_NO_ERROR);
    deadline = test_now_ms() + 20000;
    while (s.processed < 5 && test_now_ms() < deadline)
        tg_consumer_poll(c, 100, &err);
    tg_metrics_snapshot_get(met, &snap);
    tg_consumer_free(c);
    int64_t committed_after = kt_committed(k, group, topic, 0);
    printf("dlq_failure: after recovery: processed=%d dead_lettered=%llu committed=%lld\n",
           s.processed, (unsigned long long)snap.counters[TG_M_DEAD_LETTERED],
           (long long)committed_after);
    CHECKF(s.processed == 5, "processed %d", s.processed);
    CHECKF(snap.counters[TG_M_DEAD_LETTERED] == 1, "dead-lettered after recovery");
    CHECKF(committed_after == 6, "committed %lld", (long long)committed_after);
    CHECKF(s.calls[2] == 1, "poison handed to the handler %d times", s.calls[2]);
    tg_metrics_free(met);
}

/* ---- kafka_consumer_union: one handler per variant, unknown -> DLQ ------------ */

static tg_result variant_a(void *user, const void *msg, const tg_msg_meta *meta)
{
    seen *s = user;
    if (meta->variant == 0)
        s->variant_calls[0]++;
    return record(s, msg, meta);
}

static tg_result variant_b(void *user, const void *msg, const tg_msg_meta *meta)
{
    seen *s = user;
    if (meta->variant == 1)
        s->variant_calls[1]++;
    return record(s, msg, meta);
}

static void test_union(kt_cluster *k)
{
    char group[96];
    seen s;
    tg_error err;
    char topic[64], dlq_topic[80];
    kt_names(k, "kt.union", topic, sizeof topic, dlq_topic, sizeof dlq_topic);
    unique_group(group, sizeof group, "union");
    kt_topic(k, topic, 1);
    kt_topic(k, dlq_topic, 1);
    const char *bodies[] = { "a1", "b1", "zz", "a2", "b2", "a3" };
    for (int i = 0; i < 6; i++)
        kt_produce(k, topic, 0, i, "u", bodies[i]);
    tg_metrics *met = tg_metrics_new();
    seen_init(&s, 5);
    tg_consumer *c = make_consumer(k, group, met, NULL, 0);
    s.consumer = c;
    CHECKF(tg_consumer_add_variant(c, &kt_union_desc, topic, 0, variant_a, &s, &err) == 0, "%s",
           err.message);
    CHECKF(tg_consumer_add_variant(c, &kt_union_desc, topic, 1, variant_b, &s, &err) == 0, "%s",
           err.message);
    CHECKF(run_bounded(c, 30000, &err) == 0, "run: %s", err.message);
    tg_metrics_snapshot snap;
    tg_metrics_snapshot_get(met, &snap);
    tg_consumer_free(c);
    printf("union: A=%d B=%d dead_lettered=%llu\n", s.variant_calls[0], s.variant_calls[1],
           (unsigned long long)snap.counters[TG_M_DEAD_LETTERED]);
    CHECKF(s.variant_calls[0] == 3 && s.variant_calls[1] == 2, "variant routing");
    CHECKF(snap.counters[TG_M_DEAD_LETTERED] == 1, "unknown variant dead-lettered");
    CHECKF(kt_committed(k, group, topic, 0) == 6, "committed");
    dlq_set d;
    memset(&d, 0, sizeof d);
    CHECKF(kt_read_all(k, dlq_topic, 1, 10000, collect_dlq, &d) == 1, "dlq count");
    CHECKF(d.n == 1 && strcmp(d.recs[0].reason, "unknown variant") == 0
               && strcmp(d.recs[0].offset, "2") == 0, "dlq reason %s", d.recs[0].reason);
    tg_metrics_free(met);
}

/* ---- kafka_consumer_batch: batches, one retry, a bad message ----------------- */

static tg_result batch_handler(void *user, const tg_batch *b)
{
    seen *s = user;
    s->batches++;
    if (b->count > (size_t)s->max_batch)
        s->max_batch = (int)b->count;
    if (s->batch_retry_left > 0) {
        s->batch_retry_left--;
        return TG_RETRY;
    }
    for (size_t i = 0; i < b->count; i++)
        (void)record(s, b->items[i].msg, &b->items[i].meta);
    return TG_OK;
}

static void test_batch(kt_cluster *k)
{
    enum { N = 60 };
    char group[96];
    seen s;
    tg_error err;
    char topic[64], dlq_topic[80];
    kt_names(k, "batch", topic, sizeof topic, dlq_topic, sizeof dlq_topic);
    unique_group(group, sizeof group, "batch");
    kt_topic(k, topic, 2);
    kt_topic(k, dlq_topic, 1);
    for (int i = 0; i < N; i++) {
        if (i == 30)
            kt_produce_raw(k, topic, i % 2, "k", "[1,2,3]");
        else
            kt_produce(k, topic, i % 2, i, "k", "ok");
    }
    tg_metrics *met = tg_metrics_new();
    seen_init(&s, N - 1);
    s.batch_retry_left = 1;
    const char *extra[] = { "topicgen.batch.size", "16", "topicgen.batch.timeout.ms", "100",
                            "topicgen.retry.backoff.ms", "100" };
    tg_consumer *c = make_consumer(k, group, met, extra, 3);
    s.consumer = c;
    CHECKF(tg_consumer_add_batch(c, &kt_msg_desc, topic, batch_handler, &s, &err) == 0, "%s",
           err.message);
    CHECKF(run_bounded(c, 30000, &err) == 0, "run: %s", err.message);
    tg_metrics_snapshot snap;
    tg_metrics_snapshot_get(met, &snap);
    tg_consumer_free(c);
    int lost, dups;
    count_results(&s, N, &lost, &dups);
    int64_t c0 = kt_committed(k, group, topic, 0), c1 = kt_committed(k, group, topic, 1);
    printf("batch: batches=%d max=%d processed=%d lost=%d dups=%d dlq=%llu committed=%lld+%lld\n",
           s.batches, s.max_batch, s.processed, lost, dups,
           (unsigned long long)snap.counters[TG_M_DEAD_LETTERED], (long long)c0, (long long)c1);
    CHECKF(s.max_batch <= 16, "batch of %d", s.max_batch);
    CHECKF(s.processed == N - 1 && lost == 1 && s.ok[30] == 0, "processed %d", s.processed);
    CHECKF(dups == 0, "dups %d", dups);
    CHECKF(snap.counters[TG_M_DEAD_LETTERED] == 1, "dlq");
    CHECKF(c0 == N / 2 && c1 == N / 2, "committed %lld + %lld", (long long)c0, (long long)c1);
    tg_metrics_free(met);
}

/* ---- kafka_consumer_shutdown: stop from a signal handler, resume later --------- */

static tg_consumer *volatile signal_target;

static void on_sigusr1(int sig)
{
    (void)sig;
    tg_consumer_stop(signal_target);
}

static void test_shutdown(kt_cluster *k)
{
    enum { N = 100, STOP_AT = 40 };
    char group[96];
    seen s;
    tg_error err;
    char topic[64], dlq_topic[80];
    kt_names(k, "shutdown", topic, sizeof topic, dlq_topic, sizeof dlq_topic);
    unique_group(group, sizeof group, "shutdown");
    kt_topic(k, topic, 1);
    for (int i = 0; i < N; i++)
        kt_produce(k, topic, 0, i, "k", "ok");
    seen_init(&s, N);
    s.stop_after = STOP_AT;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigusr1;
    sigaction(SIGUSR1, &sa, NULL);
    tg_consumer *c = make_consumer(k, group, NULL, NULL, 0);
    s.consumer = c;
    signal_target = c;
    tg_consumer_add(c, &kt_msg_desc, topic, handler, &s, &err);
    int64_t t0 = test_now_ms();
    CHECKF(run_bounded(c, 30000, &err) == 0, "run: %s", err.message);
    int64_t stop_ms = test_now_ms() - t0;
    signal_target = NULL;
    tg_consumer_free(c);
    int first = s.processed;
    int64_t committed = kt_committed(k, group, topic, 0);
    printf("shutdown: stopped after %d messages (signal at %d), committed=%lld, run took %lld ms\n",
           first, STOP_AT, (long long)committed, (long long)stop_ms);
    CHECKF(first == STOP_AT, "handled %d after the signal", first - STOP_AT);
    CHECKF(committed == first, "committed %lld != processed %d", (long long)committed, first);
    /* a new member of the same group resumes from the committed offset */
    s.stop_after = 0;
    c = make_consumer(k, group, NULL, NULL, 0);
    s.consumer = c;
    tg_consumer_add(c, &kt_msg_desc, topic, handler, &s, &err);
    CHECKF(run_bounded(c, 30000, &err) == 0, "run: %s", err.message);
    tg_consumer_free(c);
    int lost, dups;
    count_results(&s, N, &lost, &dups);
    printf("shutdown: after restart processed=%d lost=%d dups=%d\n", s.processed, lost, dups);
    CHECKF(lost == 0 && dups == 0, "lost %d dups %d", lost, dups);
}

/* ---- kafka_consumer_rebalance_*: a second member joins mid-stream ---------------- */

typedef struct member {
    tg_consumer *c;
    seen *s;
    int id;              /* 1 or 2 */
    tg_error err;
    int rc;
} member;

static unsigned char handled_by[MAX_IDS]; /* bit 0: member 1, bit 1: member 2 */
static int same_member_twice;

static tg_result member_handler(void *user, const void *msg, const tg_msg_meta *meta)
{
    member *m = user;
    const kt_msg *km = msg;
    test_sleep_ms(4); /* slow enough that the rebalance happens mid-stream */
    pthread_mutex_lock(&m->s->lock);
    if (km->id >= 0 && km->id < MAX_IDS) {
        unsigned char bit = (unsigned char)(1u << (m->id - 1));
        if (handled_by[km->id] & bit)
            same_member_twice++;
        handled_by[km->id] |= bit;
    }
    pthread_mutex_unlock(&m->s->lock);
    return record(m->s, msg, meta);
}

static void *run_member(void *arg)
{
    member *m = arg;
    m->rc = tg_consumer_run(m->c, &m->err);
    return NULL;
}

static int distinct_ok(seen *s, int n)
{
    int distinct = 0;
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < n; i++)
        distinct += s->ok[i] > 0;
    pthread_mutex_unlock(&s->lock);
    return distinct;
}

static int assigned_count(tg_consumer *c)
{
    rd_kafka_topic_partition_list_t *l = NULL;
    int cnt = 0;
    if (rd_kafka_assignment(tg_consumer_handle(c), &l) == 0) {
        cnt = l->cnt;
        rd_kafka_topic_partition_list_destroy(l);
    }
    return cnt;
}

/* strict = false (cooperative-sticky): with librdkafka 2.0.2's mock the
 * incremental rebalance takes 10+ s, commits are rejected meanwhile and the
 * old member's generation expires, so it re-reads from old commits: only the
 * safety properties (no loss, run/close clean, B assigned) are asserted and
 * the duplicate count and committed sum are printed. */
static void rebalance_case(kt_cluster *k, const char *strategy, const char *base, bool strict)
{
    enum { N = 1200 };
    char group[96], topic[64];
    snprintf(topic, sizeof topic, "%s-%ld", base, (long)getpid()); /* fresh on a real broker */
    seen s;
    tg_error err;
    unique_group(group, sizeof group, strategy);
    kt_topic(k, topic, 4);
    tg_producer *p = kt_producer(k, &err);
    for (int i = 0; i < N; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i % 16);
        kt_msg m = { i, { key, strlen(key) }, { "ok", 2 } };
        tg_send_opts so = tg_send_opts_default();
        so.topic = topic;
        tg_producer_send(p, &kt_msg_desc, &m, &so, &err);
    }
    tg_producer_close(p, 10000, NULL);
    seen_init(&s, N + 1); /* never stop from the handler: stopped below */
    memset(handled_by, 0, sizeof handled_by);
    same_member_twice = 0;
    tg_metrics *ma = tg_metrics_new();
    const char *extra[] = { "partition.assignment.strategy", strategy, "fetch.wait.max.ms", "50",
                            "queued.max.messages.kbytes", "16",
                            "topic.metadata.refresh.interval.ms", "500", "debug",
                            getenv("KT_RDDEBUG") ? getenv("KT_RDDEBUG") : "" };
    size_t n_extra = getenv("KT_RDDEBUG") ? 5 : 4;
    member a = { make_consumer(k, group, ma, extra, n_extra), &s, 1, { 0, "" }, 0 };
    member b = { make_consumer(k, group, NULL, extra, n_extra), &s, 2, { 0, "" }, 0 };
    if (!a.c || !b.c) {
        check_fail(__FILE__, __LINE__, "consumers not created");
        return;
    }
    tg_consumer_add(a.c, &kt_msg_desc, topic, member_handler, &a, &err);
    tg_consumer_add(b.c, &kt_msg_desc, topic, member_handler, &b, &err);
    pthread_t ta, tb;
    pthread_create(&ta, NULL, run_member, &a);
    int64_t deadline = test_now_ms() + 20000;
    while (distinct_ok(&s, N) < N / 8 && test_now_ms() < deadline)
        test_sleep_ms(5);
    int at_join = distinct_ok(&s, N);
    pthread_create(&tb, NULL, run_member, &b);
    int64_t b_start = test_now_ms();
    int b_assigned = 0;
    int64_t b_assigned_ms = -1;
    deadline = test_now_ms() + 40000;
    while ((distinct_ok(&s, N) < N || b_assigned == 0) && test_now_ms() < deadline) {
        int cnt = assigned_count(b.c);
        if (cnt > b_assigned) {
            b_assigned = cnt;
            b_assigned_ms = test_now_ms() - b_start;
        }
        test_sleep_ms(20);
    }
    /* Orderly scale-down: B commits and leaves, A takes everything back and
     * then stops.  (Stopping both at once makes the mock reject the second
     * member's final commit with REBALANCE_IN_PROGRESS.) */
    tg_consumer_stop(b.c);
    pthread_join(tb, NULL);
    deadline = test_now_ms() + 15000;
    while (test_now_ms() < deadline && assigned_count(a.c) != 4)
        test_sleep_ms(50);
    test_sleep_ms(500); /* one commit interval with the whole assignment */
    tg_consumer_stop(a.c);
    pthread_join(ta, NULL);
    int lost, dups, by_b = 0;
    count_results(&s, N, &lost, &dups);
    for (int i = 0; i < N; i++)
        by_b += (handled_by[i] & 2) != 0;
    int window = 0;
    for (int i = 0; i < N; i++)
        window += s.ok[i] && s.ok_ms[i] >= b_start - 400
                  && s.ok_ms[i] <= b_start + (b_assigned_ms < 0 ? 40000 : b_assigned_ms);
    tg_metrics_snapshot snap;
    tg_metrics_snapshot_get(ma, &snap);
    printf("rebalance %s: duplicate bound (handled in the rebalance window) = %d\n", strategy,
           window);
    printf("rebalance %s: B joined at %d, got %d partitions after %lld ms, handled %d; "
           "processed=%d lost=%d dups=%d same_member_twice=%d A.commits=%llu\n", strategy,
           at_join, b_assigned, (long long)b_assigned_ms, by_b,
           s.processed, lost, dups, same_member_twice,
           (unsigned long long)snap.counters[TG_M_COMMITS]);
    CHECKF(a.rc == 0 && b.rc == 0, "run: %s / %s", a.err.message, b.err.message);
    CHECKF(b_assigned > 0, "second member never got a partition");
    CHECKF(at_join < N, "A had handled everything before B joined: no rebalance mid-stream");
    /* With the eager protocol B takes over partitions with messages left;
     * the mock's cooperative rebalance can take until A is nearly done. */
    if (strict)
        CHECKF(by_b > 0, "B handled nothing: the rebalance did not happen mid-stream");
    CHECKF(lost == 0, "lost %d", lost);
    /* Derived bound: a message is handled twice only if it was handled but
     * not committed when its partition was revoked.  Commits succeed every
     * 200 ms until B's join starts the rebalance (the mock then rejects
     * commits with REBALANCE_IN_PROGRESS, also the one made on revoke), and
     * revocation happens before B is assigned: so duplicates are among the
     * messages first handled in [B start - 2 commit intervals, B assigned]. */
    if (strict)
        CHECKF(dups <= window, "dups %d > bound %d", dups, window);
    int64_t total = 0;
    for (int part = 0; part < 4; part++)
        total += kt_committed(k, group, topic, part);
    printf("rebalance %s: committed sum %lld of %d\n", strategy, (long long)total, N);
    if (strict)
        CHECKF(total == N, "committed sum %lld", (long long)total);
    tg_consumer_free(a.c);
    tg_consumer_free(b.c);
    tg_metrics_free(ma);
}

static void test_rebalance_eager(kt_cluster *k)
{
    rebalance_case(k, "range", "reb-eager", true);
}

static void test_rebalance_cooperative(kt_cluster *k)
{
    rebalance_case(k, "cooperative-sticky", "reb-coop", false);
}

/* ---- kafka_consumer_extras: translator, seek/position, lag from statistics ----- */

static tg_result translator(void *user, void *msg, const tg_msg_meta *meta, tg_error *why)
{
    kt_msg *m = msg;
    (void)user;
    (void)meta;
    if (m->id == 3) {
        tg_error_set(why, TG_ERR_ARG, "id 3 is not translatable");
        return TG_REJECT;
    }
    return TG_OK;
}

static void test_extras(kt_cluster *k)
{
    enum { N = 20 };
    char group[96];
    seen s;
    tg_error err;
    char topic[64], dlq_topic[80];
    kt_names(k, "extras", topic, sizeof topic, dlq_topic, sizeof dlq_topic);
    unique_group(group, sizeof group, "extras");
    kt_topic(k, topic, 1);
    kt_topic(k, dlq_topic, 1);
    for (int i = 0; i < N; i++)
        kt_produce(k, topic, 0, i, "k", "ok");
    tg_metrics *met = tg_metrics_new();
    seen_init(&s, 1000);
    tg_config *conf = kt_consumer_config(k, group, NULL, 0);
    tg_config_set(conf, "statistics.interval.ms", "100", NULL);
    tg_logger quiet = { tg_log_stderr_sink, NULL, TG_LOG_ERROR };
    tg_consumer_opts o = { NULL, &quiet, met, translator, NULL };
    tg_consumer *c = tg_consumer_new(conf, &o, &err);
    tg_config_free(conf);
    s.consumer = c;
    tg_consumer_add(c, &kt_msg_desc, topic, handler, &s, &err);
    int64_t deadline = test_now_ms() + 20000;
    while (s.processed < N - 1 && test_now_ms() < deadline)
        tg_consumer_poll(c, 100, &err);
    CHECKF(s.processed == N - 1 && s.calls[3] == 0, "translator: processed %d, id3 calls %d",
           s.processed, s.calls[3]);
    int64_t pos = -1;
    CHECKF(tg_consumer_position(c, topic, 0, &pos, &err) == 0 && pos == N, "position %lld",
           (long long)pos);
    tg_consumer_commit(c, false, &err);
    deadline = test_now_ms() + 3000;   /* statistics arrive every 100 ms */
    while (tg_metrics_lag(met, topic, 0) != 0 && test_now_ms() < deadline)
        tg_consumer_poll(c, 50, &err);
    int64_t lag = tg_metrics_lag(met, topic, 0);
    CHECKF(lag == 0, "lag after commit %lld", (long long)lag);
    CHECKF(tg_consumer_seek(c, topic, 0, 10, &err) == 0, "seek: %s", err.message);
    memset(s.last_id, 0xff, sizeof s.last_id);
    deadline = test_now_ms() + 10000;
    while (s.processed < N - 1 + 10 && test_now_ms() < deadline)
        tg_consumer_poll(c, 100, &err);
    CHECKF(s.processed == N - 1 + 10 && s.ok[10] == 2 && s.ok[19] == 2 && s.ok[9] == 1,
           "after seek: processed %d", s.processed);
    CHECKF(s.order_violations == 0, "order after seek");
    char text[4096];
    tg_metrics_write_prometheus(met, text, sizeof text);
    char want[128];
    snprintf(want, sizeof want, "topicgen_consumer_lag_messages{topic=\"%s\"", topic);
    const char *lag_line = strstr(text, want);
    printf("extras: position=%lld lag=%lld; %.*s", (long long)pos, (long long)lag,
           lag_line ? (int)(strchr(lag_line, '\n') - lag_line + 1) : 0, lag_line ? lag_line : "");
    CHECKF(lag_line != NULL, "lag exported");
    tg_consumer_free(c);
    dlq_set d;
    memset(&d, 0, sizeof d);
    CHECKF(kt_read_all(k, dlq_topic, 1, 10000, collect_dlq, &d) == 1, "dlq");
    CHECKF(strcmp(d.recs[0].reason, "translate: id 3 is not translatable") == 0, "reason %s",
           d.recs[0].reason);
    tg_metrics_free(met);
}

/* ---- kafka_consumer_arena: the decode arena grows up to its bound ------------- */

static void test_arena(kt_cluster *k)
{
    char group[96];
    seen s;
    tg_error err;
    char topic[64], dlq_topic[80];
    kt_names(k, "arena", topic, sizeof topic, dlq_topic, sizeof dlq_topic);
    unique_group(group, sizeof group, "arena");
    kt_topic(k, topic, 1);
    kt_topic(k, dlq_topic, 1);
    /* escaped strings are unescaped into the arena: 200 bytes fit after
     * growing (arena starts at 0), 5000 bytes exceed arena.max.bytes */
    char small[400], big[10100];
    int n = snprintf(small, sizeof small, "{\"id\":0,\"key\":\"k\",\"body\":\"");
    for (int i = 0; i < 100; i++)
        n += snprintf(small + n, sizeof small - (size_t)n, "\\n");
    snprintf(small + n, sizeof small - (size_t)n, "\"}");
    n = snprintf(big, sizeof big, "{\"id\":1,\"key\":\"k\",\"body\":\"");
    for (int i = 0; i < 2500; i++)
        n += snprintf(big + n, sizeof big - (size_t)n, "\\t");
    snprintf(big + n, sizeof big - (size_t)n, "\"}");
    kt_produce_raw(k, topic, 0, "k", small);
    kt_produce_raw(k, topic, 0, "k", big);
    kt_produce(k, topic, 0, 2, "k", "ok");
    tg_metrics *met = tg_metrics_new();
    seen_init(&s, 2);
    const char *extra[] = { "topicgen.arena.bytes", "0", "topicgen.arena.max.bytes", "1024" };
    tg_consumer *c = make_consumer(k, group, met, extra, 2);
    s.consumer = c;
    tg_consumer_add(c, &kt_msg_desc, topic, handler, &s, &err);
    CHECKF(run_bounded(c, 30000, &err) == 0, "run: %s", err.message);
    tg_metrics_snapshot snap;
    tg_metrics_snapshot_get(met, &snap);
    tg_consumer_free(c);
    CHECKF(s.ok[0] == 1 && s.ok[2] == 1 && s.ok[1] == 0, "ok %d %d %d", s.ok[0], s.ok[1],
           s.ok[2]);
    CHECKF(snap.counters[TG_M_DEAD_LETTERED] == 1, "dead-lettered");
    dlq_set d;
    memset(&d, 0, sizeof d);
    CHECKF(kt_read_all(k, dlq_topic, 1, 10000, collect_dlq, &d) == 1, "dlq count");
    printf("arena: 200-byte string decoded after growing; 2500-byte one dead-lettered: %s\n",
           d.recs[0].reason);
    CHECKF(strstr(d.recs[0].reason, "arena") != NULL, "reason %s", d.recs[0].reason);
    tg_metrics_free(met);
}

/* ---- case table --------------------------------------------------------------- */

static const kt_case cases[] = {
    KT_CASE("basic", test_basic, 1),
    KT_CASE("poison", test_poison, 1),
    KT_CASE("retry", test_retry, 1),
    KT_CASE("dlq_failure", test_dlq_failure, 1),
    KT_CASE("union", test_union, 1),
    KT_CASE("batch", test_batch, 1),
    KT_CASE("shutdown", test_shutdown, 1),
    KT_CASE("extras", test_extras, 1),
    KT_CASE("arena", test_arena, 1),
    KT_CASE("rebalance_eager", test_rebalance_eager, 1),
    KT_CASE("rebalance_cooperative", test_rebalance_cooperative, 1),
};

int main(int argc, char **argv)
{
    return KT_MAIN(argc, argv, cases);
}
