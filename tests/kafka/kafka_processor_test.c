/* kafka_processor_test: tg_processor (the exactly-once processor) on
 * librdkafka's mock cluster, one case per ctest entry (kt.c's runner):
 *   basic    outputs (typed headers, key, traceparent) and offsets commit in
 *            one transaction at stop: nothing committed before, all after;
 *   retry    TG_RETRY discards the call's outputs, the retry's are kept;
 *   reject   TG_REJECT and a decode failure: a dead letter with the reason,
 *            no output; the valid inputs' outputs all there;
 *   stop     tg_processor_stop from the handler: the call finishes, its
 *            transaction commits, the committed offset is right behind it;
 *   fenced   a second processor with the same transactional.id fences the
 *            first, which stops with TG_ERR_STATE and "fenced by another
 *            instance";
 *   txn_timeout  (real broker only) a handler slower than
 *            transaction.timeout.ms: the processor stops with an error that
 *            names transaction.timeout.ms, having committed nothing;
 *   refused  an output over the producer's message.max.bytes (refused at
 *            enqueue), the second or the first of its input's: the input
 *            is dead-lettered with the refusal as reason, the valid inputs
 *            around it get their outputs (exactly once on the real broker);
 *   refused_broker  (real broker only) the same refused by the broker (an
 *            output topic with max.message.bytes=2000): found by running
 *            the aborted transaction's inputs one per transaction;
 *   refused_dlq  (real broker only) a dead letter refused by its topic
 *            (max.message.bytes=2000): sent again without its value, the
 *            valid inputs around it committed exactly once;
 *   dlq_refused  (mock only) every Produce refused, dead letters too: the
 *            processor stops with an error that says so, nothing committed;
 *   coop_stop  (real broker only) a cooperative-sticky processor stopped
 *            between its JoinGroup and its first assignment exits cleanly
 *            (librdkafka 2.0.2's sticky assertion, tg_sticky_int.h),
 *            COOP_ROUNDS times; "member" is the child it runs.
 * The mock cluster does not hide aborted transactions from read_committed
 * readers and acknowledges TxnOffsetCommit without storing the offsets, so
 * the committed-offset checks run only against the real broker
 * (kafka_real_processor_*, the same cases) and no exactly-once claim is
 * made here (tests/example/eos.py proves that on the real broker). */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kt.h"
#include "tg_processor.h"

#define MAX_IDS 64

typedef struct ctx {
    const char *out_topic;
    int calls[MAX_IDS];          /* handler calls per input id           */
    atomic_int ok;               /* TG_OK returns (read by the fenced test) */
    int stop_at;                 /* tg_processor_stop at this many OKs   */
    int64_t committed_before_stop; /* group's committed offset seen at stop */
    kt_cluster *k;
    const char *group, *topic;
    tg_processor *p;
} ctx;

static void unique(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "kp-%s-%ld-%lld", name, (long)getpid(), (long long)test_now_ms());
}

/* Emit two outputs per input (ids 100*id and 100*id+1); body "reject"
 * rejects after emitting, "retry" asks for one retry after emitting. */
static tg_result handler(void *user, const void *msg, const tg_msg_meta *meta, tg_emitter *out)
{
    ctx *c = user;
    const kt_msg *m = msg;
    tg_error err;
    if (m->id >= 0 && m->id < MAX_IDS)
        c->calls[m->id]++;
    for (int i = 0; i < 2; i++) {
        kt_msg o = { m->id * 100 + i, m->key, TG_STR_LIT("out") };
        if (meta->attempt > 1)
            o.body = TG_STR_LIT("retried");
        CHECKF(tg_emit(out, &kt_msg_desc, &o, c->out_topic, &err) == 0, "tg_emit: %s",
               err.message);
    }
    if (m->body.len == 6 && memcmp(m->body.ptr, "reject", 6) == 0) {
        tg_reject_reason(meta, "bad order %lld", (long long)m->id);
        return TG_REJECT;
    }
    if (m->body.len == 5 && memcmp(m->body.ptr, "retry", 5) == 0 && meta->attempt == 1)
        return TG_RETRY;
    if (atomic_fetch_add(&c->ok, 1) + 1 == c->stop_at) {
        c->committed_before_stop = kt_committed(c->k, c->group, c->topic, 0);
        tg_processor_stop(c->p);
    }
    return TG_OK;
}

/* A processor of c->group reading c->topic into handler(c). */
static tg_processor *make(ctx *c, const char *txn_id, const char *const *extra, size_t n_extra)
{
    tg_error err;
    tg_config *conf = kt_consumer_config(c->k, c->group, extra, n_extra);
    tg_logger quiet = { tg_log_stderr_sink, NULL, getenv("KT_DEBUG") ? TG_LOG_DEBUG : TG_LOG_WARN };
    tg_processor_opts o = { .transactional_id = txn_id, .logger = &quiet };
    tg_processor *p = conf ? tg_processor_new(conf, &o, &err) : NULL;
    tg_config_free(conf);
    CHECKF(p != NULL, "tg_processor_new: %s", conf ? err.message : "config");
    if (p)
        CHECKF(tg_processor_add(p, &kt_msg_desc, c->topic, handler, c, &err) == 0, "add: %s",
               err.message);
    c->p = p;
    return p;
}

/* tg_processor_run with a watchdog that stops it after timeout_ms. */
typedef struct bounded {
    tg_processor *p;
    int timeout_ms;
    atomic_bool done;
} bounded;

static void *watchdog(void *arg)
{
    bounded *b = arg;
    int64_t end = test_now_ms() + b->timeout_ms;
    while (!atomic_load(&b->done) && test_now_ms() < end)
        test_sleep_ms(20);
    tg_processor_stop(b->p);
    return NULL;
}

static int run_bounded(tg_processor *p, int timeout_ms, tg_error *err)
{
    pthread_t t;
    bounded b = { p, timeout_ms, false };
    pthread_create(&t, NULL, watchdog, &b);
    int rc = tg_processor_run(p, err);
    atomic_store(&b.done, true);
    pthread_join(t, NULL);
    return rc;
}

/* tg_processor_run, stopped once the group's committed offset of topic
 * [0] reaches `want` (real broker: the mock stores none) or after
 * timeout_ms. */
typedef struct until {
    tg_processor *p;
    kt_cluster *k;
    const char *group, *topic;
    int64_t want;
    int timeout_ms;
    atomic_bool done;
} until;

static void *committed_watch(void *arg)
{
    until *u = arg;
    int64_t end = test_now_ms() + u->timeout_ms;
    while (!atomic_load(&u->done) && test_now_ms() < end
           && kt_committed(u->k, u->group, u->topic, 0) < u->want)
        test_sleep_ms(200);
    tg_processor_stop(u->p);
    return NULL;
}

static int run_until_committed(until *u, tg_error *err)
{
    pthread_t t;
    pthread_create(&t, NULL, committed_watch, u);
    int rc = tg_processor_run(u->p, err);
    atomic_store(&u->done, true);
    pthread_join(t, NULL);
    return rc;
}

/* ---- reading what was produced ------------------------------------------- */

typedef struct outs {
    int n;
    int by_id[MAX_IDS * 100 + 2];
    int retried_bodies;
    char schema[64], key0[32], reason[MAX_IDS][128];
    int dlq_ids[MAX_IDS];
} outs;

static void collect(void *user, const rd_kafka_message_t *m)
{
    outs *o = user;
    int64_t id = kt_parse_id(m->payload, m->len);
    o->n++;
    if (id >= 0 && id < (int64_t)(sizeof o->by_id / sizeof o->by_id[0]))
        o->by_id[id]++;
    char text[256];
    snprintf(text, sizeof text, "%.*s", (int)(m->len < 255 ? m->len : 255),
             (const char *)m->payload);
    if (strstr(text, "retried"))
        o->retried_bodies++;
    if (o->n == 1) {
        kt_header(m, "tg-schema", o->schema, sizeof o->schema);
        kt_message_key(m, o->key0, sizeof o->key0);
    }
}

static void collect_dlq(void *user, const rd_kafka_message_t *m)
{
    outs *o = user;
    int64_t id = kt_parse_id(m->payload, m->len);
    int slot = o->n++;
    if (slot < MAX_IDS) {
        o->dlq_ids[slot] = (int)id;
        kt_header(m, "tg-dlq-reason", o->reason[slot], sizeof o->reason[slot]);
    }
}

/* ---- cases ---------------------------------------------------------------- */

typedef struct names {
    char group[96], topic[128], dlq[140], out[140], txn[128];
} names;

static void setup(kt_cluster *k, const char *base, names *n, int inputs)
{
    unique(n->group, sizeof n->group, base);
    kt_names(k, base, n->topic, sizeof n->topic, n->dlq, sizeof n->dlq);
    snprintf(n->out, sizeof n->out, "%s.out", n->topic);
    snprintf(n->txn, sizeof n->txn, "%s-txn", n->group);
    kt_topic(k, n->topic, 1);
    kt_topic(k, n->out, 1);
    kt_topic(k, n->dlq, 1);
    for (int i = 0; i < inputs; i++)
        CHECK(kt_produce(k, n->topic, 0, i, "k", "ok") == 0);
}

static void test_basic(kt_cluster *k)
{
    enum { N = 10 };
    names n;
    setup(k, "basic", &n, N);
    /* One transaction for the whole run: it commits only at stop. */
    const char *extra[] = { "topicgen.transaction.interval.ms", "600000",
                            "topicgen.transaction.max.messages", "100000" };
    ctx c = { .out_topic = n.out, .stop_at = N, .k = k, .group = n.group, .topic = n.topic };
    make(&c, n.txn, extra, 2);
    tg_error err;
    int rc = run_bounded(c.p, 60000, &err);
    CHECKF(rc == 0, "run: %s", rc ? err.message : "");
    tg_processor_stats st;
    tg_processor_get_stats(c.p, &st);
    tg_processor_free(c.p);
    int64_t committed = kt_committed(k, n.group, n.topic, 0);
    outs o;
    memset(&o, 0, sizeof o);
    int got = kt_read_all(k, n.out, 2 * N, 10000, collect, &o);
    printf("basic: processed=%llu emitted=%llu commits=%llu committed before stop=%lld after=%lld "
           "outputs=%d schema=%s key=%s\n", (unsigned long long)st.processed,
           (unsigned long long)st.emitted, (unsigned long long)st.commits,
           (long long)c.committed_before_stop, (long long)committed, got, o.schema, o.key0);
    CHECK(st.processed == N && st.emitted == 2 * N && st.dead_lettered == 0);
    CHECKF(st.commits == 1, "one transaction expected, %llu", (unsigned long long)st.commits);
    if (!k->mc) { /* the mock acknowledges TxnOffsetCommit but stores nothing */
        CHECKF(c.committed_before_stop < 0, "offsets committed before the transaction: %lld",
               (long long)c.committed_before_stop);
        CHECKF(committed == N, "committed offset %lld, want %d", (long long)committed, N);
    }
    CHECKF(got == 2 * N, "outputs %d, want %d", got, 2 * N);
    for (int i = 0; i < N; i++)
        CHECKF(o.by_id[100 * i] == 1 && o.by_id[100 * i + 1] == 1, "outputs of input %d", i);
    CHECK(strcmp(o.schema, "kt.Msg") == 0);
    CHECK(strcmp(o.key0, "k") == 0);
}

static void test_retry(kt_cluster *k)
{
    enum { N = 6 };
    names n;
    setup(k, "retry", &n, 0);
    for (int i = 0; i < N; i++)
        CHECK(kt_produce(k, n.topic, 0, i, "k", i == 2 ? "retry" : "ok") == 0);
    const char *extra[] = { "topicgen.retry.backoff.ms", "50" };
    ctx c = { .out_topic = n.out, .stop_at = N, .k = k, .group = n.group, .topic = n.topic };
    make(&c, n.txn, extra, 1);
    tg_error err;
    int rc = run_bounded(c.p, 60000, &err);
    CHECKF(rc == 0, "run: %s", rc ? err.message : "");
    tg_processor_stats st;
    tg_processor_get_stats(c.p, &st);
    tg_processor_free(c.p);
    outs o;
    memset(&o, 0, sizeof o);
    int got = kt_read_all(k, n.out, 2 * N, 10000, collect, &o);
    printf("retry: calls[2]=%d retried=%llu outputs=%d (from the retried call: %d)\n",
           c.calls[2], (unsigned long long)st.retried, got, o.retried_bodies);
    CHECK(c.calls[2] == 2 && st.retried == 1);
    CHECKF(got == 2 * N, "outputs %d, want %d: the first call's were not discarded", got, 2 * N);
    CHECK(o.by_id[200] == 1 && o.by_id[201] == 1);
    CHECK(o.retried_bodies == 2);
}

static void test_reject(kt_cluster *k)
{
    names n;
    setup(k, "reject", &n, 0);
    CHECK(kt_produce(k, n.topic, 0, 0, "k", "ok") == 0);
    CHECK(kt_produce(k, n.topic, 0, 1, "k", "reject") == 0);
    CHECK(kt_produce_raw(k, n.topic, 0, "k", "{\"id\": 2, \"key\": ") == 0);
    CHECK(kt_produce(k, n.topic, 0, 3, "k", "ok") == 0);
    ctx c = { .out_topic = n.out, .stop_at = 2, .k = k, .group = n.group, .topic = n.topic };
    make(&c, n.txn, NULL, 0);
    tg_error err;
    int rc = run_bounded(c.p, 60000, &err);
    CHECKF(rc == 0, "run: %s", rc ? err.message : "");
    tg_processor_stats st;
    tg_processor_get_stats(c.p, &st);
    tg_processor_free(c.p);
    outs o, d;
    memset(&o, 0, sizeof o);
    memset(&d, 0, sizeof d);
    int got = kt_read_all(k, n.out, 4, 10000, collect, &o);
    int dead = kt_read_all(k, n.dlq, 2, 10000, collect_dlq, &d);
    printf("reject: outputs=%d dead letters=%d reasons=\"%s\" / \"%s\" committed=%lld\n", got,
           dead, d.reason[0], d.reason[1], (long long)kt_committed(k, n.group, n.topic, 0));
    CHECK(st.processed == 2 && st.dead_lettered == 2);
    CHECKF(got == 4, "outputs %d, want 4 (none of the rejected input)", got);
    CHECK(o.by_id[100] == 0 && o.by_id[101] == 0 && o.by_id[0] == 1 && o.by_id[301] == 1);
    CHECKF(dead == 2, "dead letters %d, want 2", dead);
    CHECK(d.dlq_ids[0] == 1 && strcmp(d.reason[0], "bad order 1") == 0);
    CHECK(strncmp(d.reason[1], "decode: ", 8) == 0);
    if (!k->mc)
        CHECK(kt_committed(k, n.group, n.topic, 0) == 4);
}

static void test_stop(kt_cluster *k)
{
    enum { N = 10, STOP = 4 };
    names n;
    setup(k, "stop", &n, N);
    const char *extra[] = { "topicgen.transaction.interval.ms", "600000" };
    ctx c = { .out_topic = n.out, .stop_at = STOP, .k = k, .group = n.group, .topic = n.topic };
    make(&c, n.txn, extra, 1);
    tg_error err;
    int rc = run_bounded(c.p, 60000, &err);
    tg_processor_stats st;
    tg_processor_get_stats(c.p, &st);
    tg_processor_free(c.p);
    int64_t committed = kt_committed(k, n.group, n.topic, 0);
    printf("stop: rc=%d processed=%llu commits=%llu committed=%lld\n", rc,
           (unsigned long long)st.processed, (unsigned long long)st.commits, (long long)committed);
    CHECK(rc == 0);
    CHECK(st.processed == STOP && st.commits == 1);
    if (!k->mc)
        CHECKF(committed == STOP, "committed %lld, want %d (right behind the last handled input)",
               (long long)committed, STOP);
}

/* ---- fencing: a second processor with the same transactional.id ---------- */

typedef struct runner {
    tg_processor *p;
    int rc;
    tg_error err;
    atomic_bool done;
} runner;

static void *run_thread(void *arg)
{
    runner *r = arg;
    r->rc = tg_processor_run(r->p, &r->err);
    atomic_store(&r->done, true);
    return NULL;
}

#define API_ADD_OFFSETS_TO_TXN 25

static void check_fenced(const runner *a, const char *txn)
{
    CHECK(a->rc == TG_ERR_STATE);
    CHECKF(strstr(a->err.message, "fenced by another instance") != NULL, "message: %s",
           a->err.message);
    CHECK(strstr(a->err.message, txn) != NULL);
}

/* The mock cluster gives a second InitProducerId a new producer id instead
 * of bumping the epoch, so it cannot fence: there the broker's answer to a
 * fenced producer (PRODUCER_FENCED) is injected into AddOffsetsToTxn. */
static void test_fenced_mock(kt_cluster *k, const names *n)
{
    ctx c = { .out_topic = n->out, .stop_at = -1, .k = k, .group = n->group, .topic = n->topic };
    runner a = { 0 };
    rd_kafka_mock_push_request_errors(k->mc, API_ADD_OFFSETS_TO_TXN, 1,
                                      RD_KAFKA_RESP_ERR_PRODUCER_FENCED);
    a.p = make(&c, n->txn, NULL, 0);
    a.rc = run_bounded(a.p, 60000, &a.err);
    tg_processor_stats st;
    tg_processor_get_stats(a.p, &st);
    printf("fenced (injected): rc=%d (%s): \"%s\", commits=%llu\n", a.rc,
           tg_error_code_name(a.rc), a.err.message, (unsigned long long)st.commits);
    check_fenced(&a, n->txn);
    CHECK(st.commits == 0);
    tg_processor_free(a.p);
}

static void test_fenced(kt_cluster *k)
{
    names n;
    setup(k, "fenced", &n, 5);
    if (k->mc) {
        test_fenced_mock(k, &n);
        return;
    }
    ctx c1 = { .out_topic = n.out, .stop_at = -1, .k = k, .group = n.group, .topic = n.topic };
    /* Another group, so the first keeps its partition and meets the fence
     * at its next transaction rather than losing the partition. */
    char group_b[128];
    snprintf(group_b, sizeof group_b, "%s-b", n.group);
    ctx c2 = { .out_topic = n.out, .stop_at = -1, .k = k, .group = group_b, .topic = n.topic };
    runner a = { 0 }, b = { 0 };
    pthread_t ta, tb;
    a.p = make(&c1, n.txn, NULL, 0);
    pthread_create(&ta, NULL, run_thread, &a);
    for (int64_t end = test_now_ms() + 30000; atomic_load(&c1.ok) < 5 && test_now_ms() < end;)
        test_sleep_ms(20);
    CHECKF(atomic_load(&c1.ok) == 5, "first processor handled %d of 5", atomic_load(&c1.ok));
    b.p = make(&c2, n.txn, NULL, 0);
    pthread_create(&tb, NULL, run_thread, &b);
    /* More input: the first processor's next transaction meets the fence. */
    for (int i = 5; i < 10; i++)
        CHECK(kt_produce(k, n.topic, 0, i, "k", "ok") == 0);
    for (int64_t end = test_now_ms() + 40000; !atomic_load(&a.done) && test_now_ms() < end;)
        test_sleep_ms(20);
    bool a_stopped = atomic_load(&a.done);
    tg_processor_stop(a.p);
    pthread_join(ta, NULL);
    tg_processor_stop(b.p);
    pthread_join(tb, NULL);
    printf("fenced: first rc=%d (%s): \"%s\"; second rc=%d\n", a.rc, tg_error_code_name(a.rc),
           a.err.message, b.rc);
    CHECKF(a_stopped, "the fenced processor did not stop by itself");
    check_fenced(&a, n.txn);
    CHECKF(b.rc == 0, "second: %s", b.err.message);
    tg_processor_free(a.p);
    tg_processor_free(b.p);
}

/* ---- a handler slower than transaction.timeout.ms (real broker only: the
 * mock never times a transaction out) ---------------------------------------- */

static tg_result slow_handler(void *user, const void *msg, const tg_msg_meta *meta,
                              tg_emitter *out)
{
    ctx *c = user;
    tg_error err;
    (void)meta;
    /* The first input's output opens the transaction on the broker; the
     * second, in the same transaction, outlasts its timeout (the broker
     * aborts timed-out transactions every 10 s). */
    CHECK(tg_emit(out, &kt_msg_desc, msg, c->out_topic, &err) == 0);
    if (atomic_fetch_add(&c->ok, 1) == 1)
        test_sleep_ms(14000);
    return TG_OK;
}

static void test_txn_timeout(kt_cluster *k)
{
    names n;
    setup(k, "txntimeout", &n, 2);
    CHECKF(!k->mc, "needs the real broker (TOPICGEN_BROKER_BOOTSTRAP_FILE)");
    const char *extra[] = { "transaction.timeout.ms", "2000" };
    ctx c = { .out_topic = n.out, .stop_at = -1, .k = k, .group = n.group, .topic = n.topic };
    tg_error err;
    tg_config *conf = kt_consumer_config(k, n.group, extra, 1);
    tg_processor_opts o = { .transactional_id = n.txn };
    tg_processor *p = conf ? tg_processor_new(conf, &o, &err) : NULL;
    tg_config_free(conf);
    CHECKF(p != NULL, "new: %s", err.message);
    if (!p)
        return;
    CHECK(tg_processor_add(p, &kt_msg_desc, n.topic, slow_handler, &c, &err) == 0);
    int rc = run_bounded(p, 60000, &err);
    tg_processor_stats st;
    tg_processor_get_stats(p, &st);
    printf("txn_timeout: rc=%d (%s) \"%s\" commits=%llu\n", rc, tg_error_code_name(rc),
           rc ? err.message : "", (unsigned long long)st.commits);
    CHECK(atomic_load(&c.ok) == 2);
    CHECKF(rc != 0, "a transaction open longer than its timeout was committed");
    CHECKF(strstr(err.message, "transaction.timeout.ms") != NULL, "message: %s", err.message);
    CHECK(st.commits == 0);
    tg_processor_free(p);
}

/* ---- outputs that can never be delivered --------------------------------- */

#define BIG_BODY 3000  /* bytes of random letters: lz4 cannot shrink them much */

typedef struct big_ctx {
    const char *out_topic;
    int stop_id;                 /* tg_processor_stop once this id is handled */
    int calls[MAX_IDS];
    char big[BIG_BODY + 1];
    tg_processor *p;
} big_ctx;

/* Two outputs per input (ids 100*id, 100*id+1); body "big1" makes the
 * second one BIG_BODY bytes, "big0" the first one. */
static tg_result big_handler(void *user, const void *msg, const tg_msg_meta *meta,
                             tg_emitter *out)
{
    big_ctx *c = user;
    const kt_msg *m = msg;
    tg_error err;
    (void)meta;
    if (m->id >= 0 && m->id < MAX_IDS)
        c->calls[m->id]++;
    for (int i = 0; i < 2; i++) {
        bool big = m->body.len == 4 && memcmp(m->body.ptr, "big", 3) == 0
                   && m->body.ptr[3] == (char)('0' + i);
        kt_msg o = { m->id * 100 + i, m->key, TG_STR_LIT("out") };
        if (big)
            o.body = (tg_str){ c->big, BIG_BODY };
        CHECKF(tg_emit(out, &kt_msg_desc, &o, c->out_topic, &err) == 0, "tg_emit: %s",
               err.message);
    }
    if (m->id == c->stop_id && c->stop_id >= 0)
        tg_processor_stop(c->p);
    return TG_OK;
}

/* CreateTopics with max.message.bytes (admin API: real broker only). */
static int create_topic(kt_cluster *k, const char *topic, const char *max_message_bytes)
{
    char errstr[256];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, 1, 1, errstr, sizeof errstr);
    if (!nt)
        return -1;
    (void)rd_kafka_NewTopic_set_config(nt, "max.message.bytes", max_message_bytes);
    rd_kafka_queue_t *q = rd_kafka_queue_new(k->rk);
    rd_kafka_CreateTopics(k->rk, &nt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 15000);
    const rd_kafka_CreateTopics_result_t *res = ev ? rd_kafka_event_CreateTopics_result(ev) : NULL;
    size_t n = 0;
    const rd_kafka_topic_result_t **tr = res ? rd_kafka_CreateTopics_result_topics(res, &n) : NULL;
    int rc = n == 1 && rd_kafka_topic_result_error(tr[0]) == 0 ? 0 : -1;
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    return rc;
}

/* Inputs 0..5: 1 ("big1") has a second output that cannot be delivered,
 * 3 ("big0") a first one; the others are valid.  The processor's producer
 * gets producer_extra.  It stops after input 5 (mock: stop_early) or once
 * its offsets are committed past input 5.  Checks: rc 0 within the bound, outputs of 0, 2, 4
 * and 5 (exactly once on the real broker, where read_committed hides the
 * aborted ones), none of 3, the second of 1 never, 1 and 3 dead-lettered
 * with the refusal as reason. */
static void run_refused(kt_cluster *k, const names *n, const char *const *producer_extra,
                        size_t n_producer_extra, bool stop_early, const char *want_reason)
{
    enum { N = 6 };
    const char *bodies[N] = { "ok", "big1", "ok", "big0", "ok", "ok" };
    for (int i = 0; i < N; i++)
        CHECK(kt_produce(k, n->topic, 0, i, "k", bodies[i]) == 0);
    big_ctx *c = calloc(1, sizeof *c);
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < BIG_BODY; i++, x ^= x << 13, x ^= x >> 7, x ^= x << 17)
        c->big[i] = (char)('a' + (int)(x % 26));
    c->out_topic = n->out;
    c->stop_id = stop_early ? N - 1 : -1;
    tg_error err;
    const char *extra[] = { "topicgen.transaction.interval.ms", "200" };
    tg_config *conf = kt_consumer_config(k, n->group, extra, 1);
    tg_config *pc = kt_producer_config(k, producer_extra, n_producer_extra);
    tg_logger quiet = { tg_log_stderr_sink, NULL, getenv("KT_DEBUG") ? TG_LOG_DEBUG : TG_LOG_ERROR };
    tg_processor_opts o = { .transactional_id = n->txn, .producer_config = pc, .logger = &quiet };
    c->p = conf && pc ? tg_processor_new(conf, &o, &err) : NULL;
    tg_config_free(conf);
    tg_config_free(pc);
    CHECKF(c->p != NULL, "tg_processor_new: %s", err.message);
    if (!c->p) {
        free(c);
        return;
    }
    CHECK(tg_processor_add(c->p, &kt_msg_desc, n->topic, big_handler, c, &err) == 0);
    int64_t t0 = test_now_ms();
    until u = { c->p, k, n->group, n->topic, N, 60000, false };
    int rc = stop_early ? run_bounded(c->p, 60000, &err) : run_until_committed(&u, &err);
    int64_t took = test_now_ms() - t0;
    tg_processor_stats st;
    tg_processor_get_stats(c->p, &st);
    tg_processor_free(c->p);
    outs *o1 = calloc(1, sizeof *o1), *d = calloc(1, sizeof *d);
    int got = kt_read_all(k, n->out, k->mc ? 100 : 8, k->mc ? 5000 : 15000, collect, o1);
    int dead = kt_read_all(k, n->dlq, 2, 15000, collect_dlq, d);
    printf("refused: rc=%d in %lld ms, calls %d %d %d %d %d %d, aborts=%llu commits=%llu, "
           "outputs=%d, dead letters=%d (%lld: \"%s\"; %lld: \"%s\")\n", rc, (long long)took,
           c->calls[0], c->calls[1], c->calls[2], c->calls[3], c->calls[4], c->calls[5],
           (unsigned long long)st.aborts, (unsigned long long)st.commits, got, dead,
           (long long)d->dlq_ids[0], d->reason[0], (long long)d->dlq_ids[1], d->reason[1]);
    CHECKF(rc == 0, "run: %s", rc ? err.message : "");
    CHECKF(took < 45000, "took %lld ms", (long long)took);
    for (int i = 0; i < N; i++) {
        bool valid = i != 1 && i != 3;
        int a = o1->by_id[100 * i], b = o1->by_id[100 * i + 1];
        if (valid && k->mc)
            CHECKF(a >= 1 && b >= 1, "outputs of valid input %d: %d %d", i, a, b);
        else if (valid)
            CHECKF(a == 1 && b == 1, "outputs of valid input %d: %d %d, want exactly 1", i, a, b);
    }
    CHECKF(o1->by_id[101] == 0 && o1->by_id[300] == 0 && o1->by_id[301] == 0,
           "no refused output anywhere, no output of input 3");
    if (!k->mc)
        CHECKF(o1->by_id[100] == 0, "input 1's first output committed (%d)", o1->by_id[100]);
    CHECKF(dead == 2 && d->dlq_ids[0] == 1 && d->dlq_ids[1] == 3, "dead letters %d: %lld %lld",
           dead, (long long)d->dlq_ids[0], (long long)d->dlq_ids[1]);
    char want[200];
    snprintf(want, sizeof want, "output to '%s' refused: ", n->out);
    for (int i = 0; i < 2 && i < dead; i++)
        CHECKF(strncmp(d->reason[i], want, strlen(want)) == 0
                   && strstr(d->reason[i], want_reason) != NULL,
               "reason \"%s\", want \"%s...%s\"", d->reason[i], want, want_reason);
    CHECK(st.dead_lettered >= 2 && st.processed >= N - 2);
    free(o1);
    free(d);
    free(c);
}

/* An output over the producer's message.max.bytes: refused at enqueue. */
static void test_refused(kt_cluster *k)
{
    names n;
    setup(k, "refused", &n, 0);
    const char *small[] = { "message.max.bytes", "2000" };
    run_refused(k, &n, small, 1, k->mc != NULL, "too large");
}

/* An output over its topic's max.message.bytes: refused by the broker in
 * the delivery report (real broker only: the mock has no topic limit). */
static void test_refused_broker(kt_cluster *k)
{
    CHECKF(!k->mc, "needs the real broker (a topic with max.message.bytes)");
    if (k->mc)
        return;
    names n;
    unique(n.group, sizeof n.group, "refusedb");
    kt_names(k, "refusedb", n.topic, sizeof n.topic, n.dlq, sizeof n.dlq);
    snprintf(n.out, sizeof n.out, "%s.out", n.topic);
    snprintf(n.txn, sizeof n.txn, "%s-txn", n.group);
    kt_topic(k, n.topic, 1);
    kt_topic(k, n.dlq, 1);
    CHECK(create_topic(k, n.out, "2000") == 0);
    run_refused(k, &n, NULL, 0, false, "too large");
}

/* The dead letters of refused_dlq: how many, and the first one's headers. */
typedef struct letters {
    int n;
    char reason[128], truncated[16], offset[24];
    size_t value_len;
} letters;

static void collect_letter(void *user, const rd_kafka_message_t *m)
{
    letters *l = user;
    if (l->n++ > 0)
        return;
    kt_header(m, "tg-dlq-reason", l->reason, sizeof l->reason);
    kt_header(m, "tg-dlq-truncated", l->truncated, sizeof l->truncated);
    kt_header(m, "tg-dlq-offset", l->offset, sizeof l->offset);
    l->value_len = m->len;
}

/* A dead letter its topic refuses for its size (a DLQ topic with
 * max.message.bytes=2000, an undecodable input of BIG_BODY bytes; real
 * broker only): found by the solo run, sent again without its value
 * (tg-dlq-truncated: dropped); the valid inputs around it are committed
 * exactly once. */
static void test_refused_dlq(kt_cluster *k)
{
    CHECKF(!k->mc, "needs the real broker (a topic with max.message.bytes)");
    if (k->mc)
        return;
    names n;
    unique(n.group, sizeof n.group, "refusedl");
    kt_names(k, "refusedl", n.topic, sizeof n.topic, n.dlq, sizeof n.dlq);
    snprintf(n.out, sizeof n.out, "%s.out", n.topic);
    snprintf(n.txn, sizeof n.txn, "%s-txn", n.group);
    kt_topic(k, n.topic, 1);
    kt_topic(k, n.out, 1);
    CHECK(create_topic(k, n.dlq, "2000") == 0);
    big_ctx *c = calloc(1, sizeof *c);
    uint64_t x = 0x2545f4914f6cdd1du;
    for (int i = 0; i < BIG_BODY; i++, x ^= x << 13, x ^= x >> 7, x ^= x << 17)
        c->big[i] = (char)('a' + (int)(x % 26));
    CHECK(kt_produce(k, n.topic, 0, 0, "k", "ok") == 0);
    CHECK(kt_produce_raw(k, n.topic, 0, "k", c->big) == 0); /* not JSON: decode fails */
    CHECK(kt_produce(k, n.topic, 0, 2, "k", "ok") == 0);
    c->out_topic = n.out;
    c->stop_id = -1;
    tg_error err;
    const char *extra[] = { "topicgen.transaction.interval.ms", "200" };
    tg_config *conf = kt_consumer_config(k, n.group, extra, 1);
    tg_logger quiet = { tg_log_stderr_sink, NULL, getenv("KT_DEBUG") ? TG_LOG_DEBUG : TG_LOG_ERROR };
    tg_processor_opts o = { .transactional_id = n.txn, .logger = &quiet };
    c->p = conf ? tg_processor_new(conf, &o, &err) : NULL;
    tg_config_free(conf);
    CHECKF(c->p != NULL, "tg_processor_new: %s", err.message);
    if (!c->p) {
        free(c);
        return;
    }
    CHECK(tg_processor_add(c->p, &kt_msg_desc, n.topic, big_handler, c, &err) == 0);
    until u = { c->p, k, n.group, n.topic, 3, 60000, false };
    int64_t t0 = test_now_ms();
    int rc = run_until_committed(&u, &err);
    int64_t took = test_now_ms() - t0;
    tg_processor_stats st;
    tg_processor_get_stats(c->p, &st);
    tg_processor_free(c->p);
    outs *o1 = calloc(1, sizeof *o1);
    letters l = { 0 };
    int got = kt_read_all(k, n.out, 4, 15000, collect, o1);
    int dead = kt_read_all(k, n.dlq, 1, 15000, collect_letter, &l);
    printf("refused_dlq: rc=%d in %lld ms, aborts=%llu commits=%llu, outputs=%d, dead letters=%d "
           "(offset %s, truncated '%s', value %zu bytes, reason \"%s\")\n", rc, (long long)took,
           (unsigned long long)st.aborts, (unsigned long long)st.commits, got, dead, l.offset,
           l.truncated, l.value_len, l.reason);
    CHECKF(rc == 0, "run: %s", rc ? err.message : "");
    CHECKF(kt_committed(k, n.group, n.topic, 0) == 3, "committed past the refused letter");
    CHECKF(got == 4 && o1->by_id[0] == 1 && o1->by_id[1] == 1 && o1->by_id[200] == 1
               && o1->by_id[201] == 1, "outputs of inputs 0 and 2 exactly once (%d)", got);
    CHECKF(dead == 1 && strcmp(l.offset, "1") == 0 && strcmp(l.truncated, "dropped") == 0
               && l.value_len == 0 && strncmp(l.reason, "decode", 6) == 0,
           "one dead letter of input 1, without its value");
    free(o1);
    free(c);
}

/* Every Produce refused (TOPIC_AUTHORIZATION_FAILED, injected), the DLQ's
 * too: the processor stops with an error naming the dead-lettering, within
 * the bound, having committed nothing. */
static void test_dlq_refused(kt_cluster *k)
{
    names n;
    setup(k, "dlqrefused", &n, 2);
    for (int i = 0; i < 200; i++)
        rd_kafka_mock_push_request_errors(k->mc, 0 /* Produce */, 1,
                                          RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
    ctx c = { .out_topic = n.out, .stop_at = -1, .k = k, .group = n.group, .topic = n.topic };
    make(&c, n.txn, NULL, 0);
    tg_error err;
    int64_t t0 = test_now_ms();
    int rc = run_bounded(c.p, 60000, &err);
    tg_processor_stats st;
    tg_processor_get_stats(c.p, &st);
    tg_processor_free(c.p);
    printf("dlq_refused: rc=%d (%s) in %lld ms: \"%s\" commits=%llu aborts=%llu\n", rc,
           tg_error_code_name(rc), (long long)(test_now_ms() - t0), rc ? err.message : "",
           (unsigned long long)st.commits, (unsigned long long)st.aborts);
    CHECKF(rc != 0, "the processor went on although nothing could be delivered");
    CHECKF(strstr(err.message, "dead-lettering") && strstr(err.message, "refused"),
           "message: %s", err.message);
    CHECK(st.commits == 0);
    CHECKF(test_now_ms() - t0 < 50000, "not stopped within the bound");
}

/* ---- stopping a cooperative-sticky processor early ------------------------ */

#define COOP_ROUNDS 5

static tg_result say_handled(void *user, const void *msg, const tg_msg_meta *meta,
                             tg_emitter *out)
{
    static const char line[] = "handled\n";
    (void)user;
    (void)msg;
    (void)meta;
    (void)out;
    (void)!write(STDOUT_FILENO, line, sizeof line - 1);
    return TG_OK;
}

static void *run_member_thread(void *arg)
{
    runner *r = arg;
    r->rc = tg_processor_run(r->p, &r->err);
    atomic_store(&r->done, true);
    return NULL;
}

static atomic_bool member_termed;
static bool member_holds;          /* member B: hold the thread (member_log) */
static tg_processor *member_p;
static const char *member_topic;

/* The member's log sink: warnings to stderr; and (member B) the
 * processor's thread, once its transactions are ready, stays away from
 * polling until SIGTERM, then reads its committed offsets as a program
 * busy in a synchronous call would (kafka_stop_test's member does the
 * same): the read waits while the group rebalances, so it returns when the
 * JoinGroup is answered (the SIGKILLed member's 6 s session expired), and
 * the stop follows before the first assignment was served: the window.
 * Bounded: 30 s + 5 s at most. */
static void member_log(void *opaque, tg_log_level level, const char *component,
                       const char *msg, const tg_log_kv *kv, size_t n_kv)
{
    if (level >= TG_LOG_WARN)
        tg_log_stderr_sink(opaque, level, component, msg, kv, n_kv);
    if (!member_holds || strcmp(msg, "transactions ready") != 0)
        return;
    for (int64_t end = test_now_ms() + 30000; !atomic_load(&member_termed)
                                              && test_now_ms() < end;)
        test_sleep_ms(20);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, member_topic, 0);
    (void)rd_kafka_committed(tg_processor_consumer_handle(member_p), l, 5000);
    rd_kafka_topic_partition_list_destroy(l);
}

/* member BOOTSTRAP TOPIC GROUP [hold]: a cooperative-sticky processor, run
 * until SIGTERM (with hold: see member_log), stopped, freed.  Exit 0 on a
 * clean stop. */
static int run_member(int argc, char **argv)
{
    if (argc != 5 && argc != 6)
        return 2;
    member_holds = argc == 6;
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &term, NULL); /* for every thread: sigwait takes it */
    kt_cluster k;
    memset(&k, 0, sizeof k);
    snprintf(k.bootstraps, sizeof k.bootstraps, "%s", argv[2]);
    const char *extra[] = { "partition.assignment.strategy", "cooperative-sticky",
                            "topicgen.shutdown.timeout.ms", "5000" };
    tg_config *conf = kt_consumer_config(&k, argv[4], extra, 2);
    tg_logger lg = { member_log, NULL, TG_LOG_INFO };
    tg_processor_opts o = { .logger = &lg };
    runner r = { 0 };
    r.p = conf ? tg_processor_new(conf, &o, &r.err) : NULL;
    tg_config_free(conf);
    if (!r.p || tg_processor_add(r.p, &kt_msg_desc, argv[3], say_handled, NULL, &r.err))
        return 1;
    member_p = r.p;
    member_topic = argv[3];
    pthread_t t;
    pthread_create(&t, NULL, run_member_thread, &r);
    int sig = 0;
    (void)sigwait(&term, &sig);
    atomic_store(&member_termed, true);
    tg_processor_stop(r.p);
    pthread_join(t, NULL);
    if (r.rc)
        fprintf(stderr, "member: %s\n", r.err.message);
    tg_processor_free(r.p);
    return r.rc ? 1 : 0;
}

typedef struct child {
    pid_t pid;
    int out;                       /* its stdout, read end */
} child;

static child start_member(const kt_cluster *k, const char *topic, const char *group,
                          const char *hold)
{
    char self[512];
    int fds[2];
    child c = { -1, -1 };
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    self[sl > 0 ? sl : 0] = '\0';
    if (pipe(fds))
        return c;
    c.pid = fork();
    if (c.pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execl(self, self, "member", k->bootstraps, topic, group, hold, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    c.out = fds[0];
    return c;
}

/* Wait up to timeout_ms for the child to print a line. */
static bool wait_line(const child *c, int timeout_ms)
{
    struct pollfd pf = { c->out, POLLIN, 0 };
    char buf[64];
    return poll(&pf, 1, timeout_ms) == 1 && read(c->out, buf, sizeof buf) > 0;
}

/* waitpid, bounded: SIGKILL after timeout_ms.  The wait status, -1: hung. */
static int reap(const child *c, int timeout_ms)
{
    int status = 0;
    int64_t deadline = test_now_ms() + timeout_ms;
    while (waitpid(c->pid, &status, WNOHANG) == 0) {
        if (test_now_ms() > deadline) {
            kill(c->pid, SIGKILL);
            (void)waitpid(c->pid, &status, 0);
            return -1;
        }
        test_sleep_ms(20);
    }
    return status;
}

/* The consumer's kafka_real_stop_coop for the processor (librdkafka
 * 2.0.2's rd_kafka_sticky_assignor_state_destroy assertion): each round in
 * a fresh group, member A joins, handles a record and is SIGKILLed; member
 * B starts, gets SIGTERM 3 s later, and must exit 0. */
static void test_coop_stop(kt_cluster *k)
{
    CHECKF(!k->mc, "needs the real broker");
    if (k->mc)
        return;
    char topic[64], dlq[80];
    int clean = 0, aborted = 0;
    kt_names(k, "proc.coop", topic, sizeof topic, dlq, sizeof dlq);
    kt_topic(k, topic, 3);
    CHECK(kt_produce(k, topic, 0, 1, "k", "ok") == 0);
    for (int round = 0; round < COOP_ROUNDS; round++) {
        char group[96];
        snprintf(group, sizeof group, "kp-coop-%ld-%lld-%d", (long)getpid(),
                 (long long)test_now_ms(), round);
        child a = start_member(k, topic, group, NULL);
        bool joined = a.pid > 0 && wait_line(&a, 30000);
        if (a.pid > 0) {
            kill(a.pid, SIGKILL);
            (void)reap(&a, 5000);
            close(a.out);
        }
        CHECKF(joined, "round %d: member A never handled its record", round);
        child b = start_member(k, topic, group, "hold");
        test_sleep_ms(3000);
        int64_t t0 = test_now_ms();
        kill(b.pid, SIGTERM);
        int status = reap(&b, 25000);
        close(b.out);
        bool ok = status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
        clean += ok;
        aborted += status >= 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
        printf("round %d: B %s after %lld ms\n", round,
               status < 0 ? "hung (killed)" : WIFSIGNALED(status) ? "died by a signal"
               : ok ? "exited 0" : "exited non-zero", (long long)(test_now_ms() - t0));
        fflush(stdout);
    }
    printf("coop_stop: %d clean, %d aborted of %d\n", clean, aborted, COOP_ROUNDS);
    CHECKF(clean == COOP_ROUNDS, "%d of %d stops were not clean (aborted %d)",
           COOP_ROUNDS - clean, COOP_ROUNDS, aborted);
}

static const kt_case cases[] = {
    KT_CASE("basic", test_basic, 1),
    KT_CASE("retry", test_retry, 1),
    KT_CASE("reject", test_reject, 1),
    KT_CASE("stop", test_stop, 1),
    KT_CASE("fenced", test_fenced, 1),
    KT_CASE("txn_timeout", test_txn_timeout, 1),
    KT_CASE("refused", test_refused, 1),
    KT_CASE("refused_broker", test_refused_broker, 1),
    KT_CASE("refused_dlq", test_refused_dlq, 1),
    KT_CASE_MOCK("dlq_refused", test_dlq_refused, 1),
    KT_CASE("coop_stop", test_coop_stop, 1),
    KT_SUBCOMMAND("member", run_member),
};

int main(int argc, char **argv)
{
    return KT_MAIN(argc, argv, cases);
}
