/* Tombstones (issue 14, failure mode 6): a record with a NULL value (a delete
 * marker on a compacted topic) takes its own route, chosen per message in
 * the schema (desc->tombstones) or by topicgen.tombstones: skip (store the
 * offset, count it), handle (the topic's tombstone handler gets key and
 * meta) or dlq (dead-letter, reason "tombstone").  An EMPTY value stays a
 * decode error.
 *
 * unit: tg_test_deliver with a NULL value for every route and override, no
 * broker.  The other cases run a consumer on the mock cluster over a real
 * tombstone produced between valid records, in inline, worker and batch
 * mode, and count: handled ids, tombstone handler calls (with their keys),
 * dead letters with their reasons, the committed offset, the skip counter
 * and the processed counter (a skipped tombstone is not processed).
 * breaker: a skipped tombstone is no circuit-breaker outcome either (inline
 * and worker mode).
 * One case per run (argv[1]); prints "N passed, N failed". */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "kt.h"
#include "tg_metrics.h"
#include "tg_test.h"

/* ---- unit: tg_test_deliver ---------------------------------------------- */

typedef struct calls {
    int handler, tombstone, batch_items;
    char key[32];
    int64_t offset;
    tg_result answer;             /* what the tombstone handler returns */
} calls;

static tg_result on_msg(void *user, const void *msg, const tg_msg_meta *meta)
{
    calls *c = user;
    (void)msg;
    (void)meta;
    c->handler++;
    return TG_OK;
}

static tg_result on_tombstone(void *user, const tg_msg_meta *meta)
{
    calls *c = user;
    c->tombstone++;
    c->offset = meta->offset;
    (void)snprintf(c->key, sizeof c->key, "%.*s", (int)meta->key_len,
                   meta->key ? (const char *)meta->key : "");
    return c->answer;
}

/* Deliver value (NULL: a tombstone) with key "del-7" through desc, with
 * topicgen.tombstones = route (NULL: not set) and the tombstone handler when
 * with_handler. */
static tg_test_outcome deliver(const tg_message_desc *desc, const char *route, bool with_handler,
                               const char *value, calls *c)
{
    tg_error err;
    tg_test_outcome out;
    tg_config *conf = tg_config_new(TG_CONFIG_CONSUMER, &err);
    if (route && tg_config_set(conf, "topicgen.tombstones", route, &err) != 0)
        fprintf(stderr, "topicgen.tombstones=%s: %s\n", route, err.message);
    tg_test_route rt = { desc, on_msg, c, NULL, NULL };
    tg_test_opts o;
    memset(&o, 0, sizeof o);
    o.tombstone_fn = with_handler ? on_tombstone : NULL;
    o.tombstone_user = c;
    o.key = "del-7";
    o.key_len = 5;
    o.offset = 41;
    o.config = conf;
    memset(&out, 0, sizeof out);
    if (tg_test_deliver(&rt, value, value ? strlen(value) : 0, &o, &out, &err) != 0)
        fprintf(stderr, "tg_test_deliver: %s\n", err.message);
    tg_config_free(conf);
    return out;
}

static void test_unit(kt_cluster *k)
{
    calls c;
    tg_test_outcome o;
    tg_message_desc dlq_desc = kt_msg_desc, handle_desc = kt_msg_desc;
    tg_error err;
    (void)k;
    dlq_desc.tombstones = TG_TOMBSTONES_DLQ;
    handle_desc.tombstones = TG_TOMBSTONES_HANDLE;
    CHECKF(kt_msg_desc.tombstones == TG_TOMBSTONES_SKIP, "a zeroed descriptor skips");

    memset(&c, 0, sizeof c);          /* default: skip */
    o = deliver(&kt_msg_desc, NULL, true, NULL, &c);
    CHECKF(o.fate == TG_TEST_DONE && o.tombstone && !o.handler_called && c.handler == 0
               && c.tombstone == 0, "skip: fate %s tombstone %d handler %d/%d",
           tg_test_fate_name(o.fate), o.tombstone, c.handler, c.tombstone);

    memset(&c, 0, sizeof c);          /* schema says dlq */
    o = deliver(&dlq_desc, NULL, true, NULL, &c);
    CHECKF(o.fate == TG_TEST_DEAD_LETTER && strcmp(o.reason, "tombstone") == 0 && o.tombstone
               && c.tombstone == 0, "dlq: fate %s reason '%s'", tg_test_fate_name(o.fate),
           o.reason);

    memset(&c, 0, sizeof c);          /* schema says handle */
    o = deliver(&handle_desc, NULL, true, NULL, &c);
    CHECKF(o.fate == TG_TEST_DONE && o.handler_called && c.tombstone == 1 && c.handler == 0
               && strcmp(c.key, "del-7") == 0 && c.offset == 41,
           "handle: fate %s calls %d key '%s' offset %lld", tg_test_fate_name(o.fate),
           c.tombstone, c.key, (long long)c.offset);

    memset(&c, 0, sizeof c);          /* handle, handler asks for a retry, then rejects */
    c.answer = TG_RETRY;
    o = deliver(&handle_desc, NULL, true, NULL, &c);
    CHECKF(o.fate == TG_TEST_RETRY && o.result == TG_RETRY, "handle retry: %s",
           tg_test_fate_name(o.fate));
    c.answer = TG_REJECT;
    o = deliver(&handle_desc, NULL, true, NULL, &c);
    CHECKF(o.fate == TG_TEST_DEAD_LETTER && strcmp(o.reason, "rejected by handler") == 0,
           "handle reject: %s '%s'", tg_test_fate_name(o.fate), o.reason);

    memset(&c, 0, sizeof c);          /* handle without a handler: dead letter saying so */
    o = deliver(&handle_desc, NULL, false, NULL, &c);
    CHECKF(o.fate == TG_TEST_DEAD_LETTER && strstr(o.reason, "no tombstone handler"),
           "handle without handler: %s '%s'", tg_test_fate_name(o.fate), o.reason);

    memset(&c, 0, sizeof c);          /* config overrides the schema, both ways */
    o = deliver(&dlq_desc, "skip", true, NULL, &c);
    CHECKF(o.fate == TG_TEST_DONE && c.tombstone == 0, "config skip over schema dlq: %s",
           tg_test_fate_name(o.fate));
    o = deliver(&kt_msg_desc, "dlq", true, NULL, &c);
    CHECKF(o.fate == TG_TEST_DEAD_LETTER && strcmp(o.reason, "tombstone") == 0,
           "config dlq over schema skip: '%s'", o.reason);
    o = deliver(&kt_msg_desc, "handle", true, NULL, &c);
    CHECKF(o.fate == TG_TEST_DONE && c.tombstone == 1, "config handle: %d", c.tombstone);
    o = deliver(&handle_desc, "schema", true, NULL, &c);
    CHECKF(c.tombstone == 2, "config 'schema' keeps the schema's route");

    memset(&c, 0, sizeof c);          /* an EMPTY value is no tombstone: a decode error */
    o = deliver(&dlq_desc, "handle", true, "", &c);
    CHECKF(o.fate == TG_TEST_DEAD_LETTER && !o.tombstone && strncmp(o.reason, "decode: ", 8) == 0
               && c.tombstone == 0, "empty value: %s '%s'", tg_test_fate_name(o.fate), o.reason);
    o = deliver(&kt_msg_desc, NULL, true, "{\"id\":1,\"key\":\"k\",\"body\":\"b\"}", &c);
    CHECKF(o.fate == TG_TEST_DONE && c.handler == 1 && !o.tombstone, "a value still decodes");

    tg_config *conf = tg_config_new(TG_CONFIG_CONSUMER, &err);
    int rc = tg_config_set(conf, "topicgen.tombstones", "drop", &err);
    printf("unit: topicgen.tombstones=drop -> %s\n", err.message);
    CHECKF(rc == TG_ERR_CONFIG && strstr(err.message, "skip") && strstr(err.message, "dlq"),
           "a bad topicgen.tombstones names the allowed values");
    tg_config_free(conf);
}

/* ---- consumer cases on the mock cluster ---------------------------------- */

#define N_RECORDS 4  /* 0 valid, 1 tombstone (key del-1), 2 empty value, 3 valid */

typedef struct run {
    calls c;
    int handled[N_RECORDS];
    tg_consumer *consumer;
} run;

static tg_result run_msg(void *user, const void *msg, const tg_msg_meta *meta)
{
    run *r = user;
    const kt_msg *m = msg;
    (void)meta;
    if (m->id >= 0 && m->id < N_RECORDS)
        r->handled[m->id]++;
    r->c.handler++;
    return TG_OK;
}

static tg_result run_batch(void *user, const tg_batch *b)
{
    run *r = user;
    for (size_t i = 0; i < b->count; i++) {
        const kt_msg *m = b->items[i].msg;
        if (m->id >= 0 && m->id < N_RECORDS)
            r->handled[m->id]++;
        r->c.handler++;
        r->c.batch_items++;
    }
    return TG_OK;
}

/* One record through tg_producer_send_raw: value NULL is a tombstone
 * (librdkafka sends a null value), "" an empty (non-null) value. */
static int produce_value(kt_cluster *k, const char *topic, const char *key, const void *value,
                         size_t len)
{
    tg_error err;
    tg_producer *p = kt_producer(k, &err);
    if (!p)
        return -1;
    tg_raw_record rec = { topic, 0, key, strlen(key), value, len, NULL, NULL, 0, 0, NULL };
    int rc = tg_producer_send_raw(p, &rec, &err);
    if (rc == 0)
        rc = tg_producer_flush(p, 10000, NULL, &err);
    if (rc)
        fprintf(stderr, "produce: %s\n", err.message);
    tg_producer_close(p, 1000, NULL);
    return rc;
}

typedef struct dead {
    int n, tombstones, empty_decode;
    char reasons[N_RECORDS + 2][128];
} dead;

static void read_dead(void *user, const rd_kafka_message_t *m)
{
    dead *d = user;
    char reason[96], key[16];
    kt_header(m, "tg-dlq-reason", reason, sizeof reason);
    kt_message_key(m, key, sizeof key);
    if (d->n < N_RECORDS + 2)
        (void)snprintf(d->reasons[d->n], sizeof d->reasons[0], "%s: %s", key, reason);
    d->n++;
    d->tombstones += strcmp(reason, "tombstone") == 0 && strcmp(key, "del-1") == 0
                     && m->payload == NULL;
    d->empty_decode += strncmp(reason, "decode: ", 8) == 0 && strcmp(key, "empty-2") == 0;
}

typedef enum mode { INLINE, WORKERS, BATCH } mode;

/* The four records through a consumer with topicgen.tombstones = route;
 * checks the outcome the route promises. */
static void run_route(kt_cluster *k, const char *route, mode md)
{
    char topic[96], dlq[112], group[64];
    tg_error err;
    run *r = calloc(1, sizeof *r);
    (void)snprintf(group, sizeof group, "g-%s-%d", route, (int)md);
    kt_names(k, route, topic, sizeof topic, dlq, sizeof dlq);
    kt_topic(k, topic, 1);
    kt_topic(k, dlq, 1);
    CHECK(kt_produce(k, topic, 0, 0, "k0", "valid") == 0);
    CHECK(produce_value(k, topic, "del-1", NULL, 0) == 0);
    CHECK(produce_value(k, topic, "empty-2", "", 0) == 0);
    CHECK(kt_produce(k, topic, 0, 3, "k3", "valid") == 0);
    const char *extra[] = { "topicgen.tombstones", route, "topicgen.workers",
                            md == WORKERS ? "2" : "0", "topicgen.batch.size", "10",
                            "topicgen.batch.timeout.ms", "200" };
    tg_config *conf = kt_consumer_config(k, group, extra, 4);
    tg_metrics *met = tg_metrics_new();
    tg_logger quiet = { tg_log_stderr_sink, NULL, getenv("KT_DEBUG") ? TG_LOG_DEBUG : TG_LOG_ERROR };
    tg_consumer_opts o = { NULL, &quiet, met, NULL, NULL };
    tg_consumer *c = conf ? tg_consumer_new(conf, &o, &err) : NULL;
    tg_config_free(conf);
    CHECKF(c != NULL, "consumer: %s", err.message);
    if (!c) {
        free(r);
        return;
    }
    int rc = md == BATCH ? tg_consumer_add_batch(c, &kt_msg_desc, topic, run_batch, r, &err)
                         : tg_consumer_add(c, &kt_msg_desc, topic, run_msg, r, &err);
    CHECKF(rc == 0, "add: %s", err.message);
    rc = tg_consumer_add_tombstone(c, topic, on_tombstone, &r->c, &err);
    if (md == BATCH)
        CHECKF(rc == TG_ERR_STATE, "batch mode refuses a tombstone handler (rc %d)", rc);
    else
        CHECKF(rc == 0, "add_tombstone: %s", err.message);
    bool skip = strcmp(route, "skip") == 0, to_dlq = strcmp(route, "dlq") == 0;
    uint64_t want_dead = skip ? 1 : to_dlq || md == BATCH ? 2 : 1;
    int64_t deadline = test_now_ms() + 20000;
    while (test_now_ms() < deadline) {   /* until everything was settled, bounded */
        tg_consumer_poll(c, 50, &err);
        tg_metrics_snapshot now;
        tg_metrics_snapshot_get(met, &now);
        if (r->handled[3] && now.counters[TG_M_DEAD_LETTERED] >= want_dead)
            break;
    }
    tg_consumer_commit(c, false, &err);
    tg_metrics_snapshot snap;
    tg_metrics_snapshot_get(met, &snap);
    tg_consumer_free(c);
    int64_t committed = kt_committed(k, group, topic, 0);
    dead *d = calloc(1, sizeof *d);
    kt_read_all(k, dlq, 1, 5000, read_dead, d);
    printf("%s/%s: handled ids 0:%d 3:%d, tombstone handler calls %d (key '%s' offset %lld), "
           "dead letters %d (%s | %s), skipped %llu, committed %lld\n", route,
           md == INLINE ? "inline" : md == WORKERS ? "workers" : "batch", r->handled[0],
           r->handled[3], r->c.tombstone, r->c.key, (long long)r->c.offset, d->n, d->reasons[0],
           d->n > 1 ? d->reasons[1] : "-",
           (unsigned long long)snap.counters[TG_M_TOMBSTONES_SKIPPED], (long long)committed);
    CHECKF(r->handled[0] == 1 && r->handled[3] == 1 && r->c.handler == 2,
           "valid records handled once each: %d %d (%d calls)", r->handled[0], r->handled[3],
           r->c.handler);
    CHECKF(committed == N_RECORDS, "committed %lld, want %d: past the tombstone",
           (long long)committed, N_RECORDS);
    CHECKF(d->empty_decode == 1, "the empty value is a decode error, dead-lettered");
    /* processed = handler outcomes TG_OK: the two valid records, plus the
     * tombstone only when its handler ran (a skip is not processed) */
    uint64_t want_processed = strcmp(route, "handle") == 0 && md != BATCH ? 3 : 2;
    if (md != BATCH)
        CHECKF(snap.counters[TG_M_PROCESSED] == want_processed, "processed %llu, want %llu",
               (unsigned long long)snap.counters[TG_M_PROCESSED],
               (unsigned long long)want_processed);
    if (skip) {
        CHECKF(d->n == 1 && d->tombstones == 0 && r->c.tombstone == 0, "skip: no dead letter, "
               "no handler (dead %d)", d->n);
        CHECKF(snap.counters[TG_M_TOMBSTONES_SKIPPED] == 1, "skip counted %llu",
               (unsigned long long)snap.counters[TG_M_TOMBSTONES_SKIPPED]);
    } else if (to_dlq) {
        CHECKF(d->n == 2 && d->tombstones == 1 && r->c.tombstone == 0, "dlq: the tombstone "
               "dead-lettered with reason 'tombstone' and a null value (dead %d)", d->n);
    } else if (md == BATCH) {
        CHECKF(d->n == 2 && r->c.tombstone == 0, "handle in batch mode: no handler, dead letter");
    } else {
        CHECKF(d->n == 1 && r->c.tombstone == 1 && strcmp(r->c.key, "del-1") == 0
                   && r->c.offset == 1, "handle: handler called once with key del-1 at offset 1 "
               "(%d, '%s', %lld)", r->c.tombstone, r->c.key, (long long)r->c.offset);
    }
    tg_metrics_free(met);
    free(d);
    free(r);
}

/* ---- breaker: a skipped tombstone is no handler outcome ------------------ */

/* Every record fails on its first call (TG_RETRY) and succeeds after. */
static tg_result fail_first(void *user, const void *msg, const tg_msg_meta *meta)
{
    run *r = user;
    const kt_msg *m = msg;
    (void)meta;
    r->c.handler++;
    if (m->id < 0 || m->id >= N_RECORDS)
        return TG_REJECT;
    return ++r->handled[m->id] == 1 ? TG_RETRY : TG_OK;
}

/* Records 0 (fails), 1 (a tombstone, skipped), 2 (fails), in order on one
 * partition, with a breaker that opens after 2 consecutive failures and one
 * call per record before its dead letter: the skip between the failures is
 * no success, so the breaker opens at record 2 (before: the skip counted as
 * a success, reset the count, and record 2 was dead-lettered too); after
 * the cool-down record 2 is the half-open probe, succeeds, and closes it. */
static void run_breaker(kt_cluster *k, mode md)
{
    char topic[96], dlq[112], group[64];
    tg_error err;
    run *r = calloc(1, sizeof *r);
    (void)snprintf(group, sizeof group, "g-breaker-%d", (int)md);
    kt_names(k, md == INLINE ? "breaker" : "breaker-w", topic, sizeof topic, dlq, sizeof dlq);
    kt_topic(k, topic, 1);
    kt_topic(k, dlq, 1);
    CHECK(kt_produce(k, topic, 0, 0, "k0", "fails") == 0);
    CHECK(produce_value(k, topic, "del-1", NULL, 0) == 0);
    CHECK(kt_produce(k, topic, 0, 2, "k2", "fails") == 0);
    const char *extra[] = { "topicgen.tombstones", "skip", "topicgen.workers",
                            md == WORKERS ? "2" : "0", "topicgen.ordering", "partition",
                            "topicgen.breaker.enable", "1",
                            "topicgen.breaker.consecutive.failures", "2",
                            "topicgen.breaker.cooldown.ms", "300",
                            "topicgen.retry.max.attempts", "1" };
    tg_config *conf = kt_consumer_config(k, group, extra, 7);
    tg_metrics *met = tg_metrics_new();
    tg_logger quiet = { tg_log_stderr_sink, NULL, getenv("KT_DEBUG") ? TG_LOG_DEBUG : TG_LOG_ERROR };
    tg_consumer_opts o = { NULL, &quiet, met, NULL, NULL };
    tg_consumer *c = conf ? tg_consumer_new(conf, &o, &err) : NULL;
    tg_config_free(conf);
    CHECKF(c != NULL, "consumer: %s", err.message);
    if (c)
        CHECKF(tg_consumer_add(c, &kt_msg_desc, topic, fail_first, r, &err) == 0, "add: %s",
               err.message);
    tg_metrics_snapshot snap;
    memset(&snap, 0, sizeof snap);
    for (int64_t end = test_now_ms() + 20000; c && test_now_ms() < end;) {
        tg_consumer_poll(c, 50, &err);
        tg_metrics_snapshot_get(met, &snap);
        if (snap.counters[TG_M_PROCESSED] + snap.counters[TG_M_DEAD_LETTERED] >= 2)
            break;                 /* records 0 and 2 settled, one way or the other */
    }
    if (c) {
        tg_consumer_commit(c, false, &err);
        tg_metrics_snapshot_get(met, &snap);
        tg_consumer_free(c);
    }
    int64_t committed = kt_committed(k, group, topic, 0);
    printf("breaker/%s: calls 0:%d 2:%d, breaker opened %llu, state %d, processed %llu, dead "
           "letters %llu, skipped %llu, committed %lld\n", md == INLINE ? "inline" : "workers",
           r->handled[0], r->handled[2], (unsigned long long)snap.breaker_opens,
           snap.breaker_state, (unsigned long long)snap.counters[TG_M_PROCESSED],
           (unsigned long long)snap.counters[TG_M_DEAD_LETTERED],
           (unsigned long long)snap.counters[TG_M_TOMBSTONES_SKIPPED], (long long)committed);
    CHECKF(snap.breaker_opens == 1, "the breaker opened %llu times, want 1: the skipped "
           "tombstone between two failures counted as a success",
           (unsigned long long)snap.breaker_opens);
    CHECKF(snap.counters[TG_M_DEAD_LETTERED] == 1 && r->handled[2] == 2,
           "record 2 waited for the breaker and was its probe (dead letters %llu, calls %d)",
           (unsigned long long)snap.counters[TG_M_DEAD_LETTERED], r->handled[2]);
    CHECKF(snap.counters[TG_M_PROCESSED] == 1, "processed %llu, want 1 (the probe; not the "
           "tombstone)", (unsigned long long)snap.counters[TG_M_PROCESSED]);
    CHECK(snap.counters[TG_M_TOMBSTONES_SKIPPED] == 1);
    CHECK(snap.breaker_state == 0);
    CHECKF(committed == 3, "committed %lld, want 3", (long long)committed);
    tg_metrics_free(met);
    free(r);
}

static void test_breaker(kt_cluster *k)
{
    run_breaker(k, INLINE);
    run_breaker(k, WORKERS);
}

static void test_skip(kt_cluster *k) { run_route(k, "skip", INLINE); }
static void test_dlq(kt_cluster *k) { run_route(k, "dlq", INLINE); }
static void test_handle(kt_cluster *k) { run_route(k, "handle", INLINE); }
static void test_workers(kt_cluster *k)
{
    run_route(k, "handle", WORKERS);
    run_route(k, "skip", WORKERS);
}
static void test_batch(kt_cluster *k)
{
    run_route(k, "skip", BATCH);
    run_route(k, "dlq", BATCH);
    run_route(k, "handle", BATCH);
}

static const kt_case cases[] = {
    KT_CASE("unit", test_unit, 0),
    KT_CASE("skip", test_skip, 1),
    KT_CASE("dlq", test_dlq, 1),
    KT_CASE("handle", test_handle, 1),
    KT_CASE("workers", test_workers, 1),
    KT_CASE("batch", test_batch, 1),
    KT_CASE("breaker", test_breaker, 1),
};

int main(int argc, char **argv)
{
    return KT_MAIN(argc, argv, cases);
}
