/* Dead letters that cannot be delivered as they are (issue 14, failure mode
 * 1): the envelope's shapes and cap (tg_dlq_int.h), a dead letter refused
 * for its size (by the DLQ producer's message.max.bytes, by a broker's
 * Produce error, by a real broker's topic limit with a 5 MB record), and
 * one refused by its topic for good (the spool, else a consumer error).
 * In each, the valid record behind the poison one must be handled and the
 * committed offset must never pass an unsaved dead letter.
 * One case per run (argv[1]); every loop is bounded in count and time. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kt.h"
#include "tg_dlq_int.h"
#include "tg_metrics.h"
#include "tg_spool.h"

/* ---- helpers -------------------------------------------------------------- */

typedef struct handled {
    int n;
    int64_t ids[16];
} handled;

static tg_result on_msg(void *user, const void *msg, const tg_msg_meta *meta)
{
    handled *h = user;
    (void)meta;
    if (h->n < 16)
        h->ids[h->n] = ((const kt_msg *)msg)->id;
    h->n++;
    return TG_OK;
}

static void unique_group(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "kt-%s-%ld-%lld", name, (long)getpid(), (long long)test_now_ms());
}

/* len bytes that lz4 cannot shrink and no JSON decoder accepts. */
static char *garbage(size_t len)
{
    char *b = malloc(len);
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; b && i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b[i] = (char)(x >> 56);
    }
    if (b)
        b[0] = '#'; /* never a JSON value */
    return b;
}

/* Produce one raw record with a producer allowing big messages. */
static int produce_big(kt_cluster *k, const char *topic, const void *v, size_t len)
{
    const char *extra[] = { "message.max.bytes", "10000000" };
    tg_config *pc = kt_producer_config(k, extra, 1);
    tg_error err;
    tg_producer *p = tg_producer_new(pc, NULL, &err);
    tg_config_free(pc);
    if (!p)
        return -1;
    tg_raw_record r = { topic, 0, "k", 1, v, len, NULL, NULL, 0, 0, NULL };
    int rc = tg_producer_send_raw(p, &r, &err);
    size_t left = 1;
    if (rc == 0)
        rc = tg_producer_flush(p, 30000, &left, &err);
    if (rc)
        fprintf(stderr, "produce_big: %s\n", err.message);
    (void)tg_producer_close(p, 5000, NULL);
    return rc;
}

/* The dead letters read back: headers of the first and the value length. */
typedef struct letters {
    int n;
    char reason[200], truncated[32], original[32], offset[24];
    size_t value_len;
} letters;

static void collect(void *user, const rd_kafka_message_t *m)
{
    letters *l = user;
    if (l->n++ == 0) {
        kt_header(m, "tg-dlq-reason", l->reason, sizeof l->reason);
        kt_header(m, "tg-dlq-truncated", l->truncated, sizeof l->truncated);
        kt_header(m, "tg-dlq-original-size", l->original, sizeof l->original);
        kt_header(m, "tg-dlq-offset", l->offset, sizeof l->offset);
        l->value_len = m->len;
    }
}

typedef struct run_result {
    int rc;                /* the last poll's return                    */
    char error[256];
    handled h;
    int64_t committed;     /* partition 0, after the consumer is freed */
    tg_metrics_snapshot snap;
} run_result;

/* Consume topic (partition 0) until `expect` were handled, a poll fails or
 * timeout_ms passes; then free the consumer (its close commits). */
static void consume(kt_cluster *k, const char *topic, const char *const *extra, size_t n_extra,
                    const tg_config *dlq_conf, int expect, int timeout_ms, run_result *out)
{
    char group[96];
    tg_error err = {0};
    memset(out, 0, sizeof *out);
    unique_group(group, sizeof group, "dlq");
    tg_config *conf = kt_consumer_config(k, group, extra, n_extra);
    tg_metrics *met = tg_metrics_new();
    tg_logger quiet = { tg_log_stderr_sink, NULL, TG_LOG_WARN };
    tg_consumer_opts o = { dlq_conf, &quiet, met, NULL, NULL };
    tg_consumer *c = conf ? tg_consumer_new(conf, &o, &err) : NULL;
    tg_config_free(conf);
    CHECKF(c != NULL, "consumer: %s", err.message);
    if (!c)
        return;
    CHECK(tg_consumer_add(c, &kt_msg_desc, topic, on_msg, &out->h, &err) == 0);
    int64_t deadline = test_now_ms() + timeout_ms;
    while (out->rc == 0 && out->h.n < expect && test_now_ms() < deadline)
        out->rc = tg_consumer_poll(c, 100, &err);
    if (out->rc)
        snprintf(out->error, sizeof out->error, "%s", err.message);
    tg_metrics_snapshot_get(met, &out->snap);
    tg_consumer_free(c);
    tg_metrics_free(met);
    out->committed = kt_committed(k, group, topic, 0);
}

/* ---- envelope: shapes, the cap and the fates, on a capture producer -------- */

static void test_envelope(kt_cluster *k)
{
    (void)k;
    tg_error err;
    tg_producer *p = tg_producer_new_capture(NULL, &err);
    char value[2000];
    memset(value, 'v', sizeof value);
    tg_dlq_letter l = { "t.dlq", "t", 3, 42, 1000, "key", 3, value, sizeof value, NULL,
                        "bad input", "$.a", 2 };
    CHECK(tg_dlq_send(p, &l, TG_DLQ_WHOLE, 5000, NULL, &err) == 0);   /* under the cap */
    CHECK(tg_dlq_send(p, &l, TG_DLQ_WHOLE, 1000, NULL, &err) == 0);   /* over it       */
    CHECK(tg_dlq_send(p, &l, TG_DLQ_NO_VALUE, 1000, NULL, &err) == 0);
    CHECK(tg_dlq_send(p, &l, TG_DLQ_BARE, 1000, NULL, &err) == 0);
    CHECK(tg_producer_captured_count(p) == 4);
    const tg_captured *whole = tg_producer_captured(p, 0), *cut = tg_producer_captured(p, 1);
    const tg_captured *dropped = tg_producer_captured(p, 2), *bare = tg_producer_captured(p, 3);
    CHECK(whole && whole->value_len == 2000 && !tg_captured_header(whole, "tg-dlq-truncated"));
    CHECK(strcmp(tg_captured_header(whole, "tg-dlq-offset")->value, "42") == 0);
    CHECK(strcmp(tg_captured_header(whole, "tg-dlq-reason")->value, "bad input") == 0);
    CHECK(strcmp(whole->topic, "t.dlq") == 0 && whole->key_len == 3);
    CHECK(cut && cut->value_len == 1000);
    CHECK(strcmp(tg_captured_header(cut, "tg-dlq-truncated")->value, "value") == 0);
    CHECK(strcmp(tg_captured_header(cut, "tg-dlq-original-size")->value, "2000") == 0);
    CHECK(dropped && dropped->value_len == 0 && dropped->key_len == 3);
    CHECK(strcmp(tg_captured_header(dropped, "tg-dlq-truncated")->value, "dropped") == 0);
    CHECK(bare && bare->value_len == 0 && bare->key == NULL);
    CHECK(strcmp(tg_captured_header(bare, "tg-dlq-truncated")->value, "bare") == 0);
    CHECK(strcmp(tg_captured_header(bare, "tg-dlq-topic")->value, "t") == 0);
    (void)tg_producer_close(p, 0, NULL);
    CHECK(tg_dlq_fate_of(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) == TG_DLQ_SHRINK);
    CHECK(tg_dlq_fate_of(RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE) == TG_DLQ_SHRINK);
    CHECK(tg_dlq_fate_of(RD_KAFKA_RESP_ERR_INVALID_RECORD) == TG_DLQ_SHRINK);
    CHECK(tg_dlq_fate_of(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED) == TG_DLQ_REFUSED);
    CHECK(tg_dlq_fate_of(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) == TG_DLQ_REFUSED);
    CHECK(tg_dlq_fate_of(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT) == TG_DLQ_RETRY);
    CHECK(tg_dlq_fate_of(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION) == TG_DLQ_RETRY);
    CHECK(tg_dlq_fate_of(RD_KAFKA_RESP_ERR__TRANSPORT) == TG_DLQ_RETRY);
}

/* poison (len bytes of garbage) at offset 0, then a valid record (id 7). */
static void poison_then_valid(kt_cluster *k, const char *topic, size_t len)
{
    char *bad = garbage(len);
    CHECK(bad && produce_big(k, topic, bad, len) == 0);
    free(bad);
    CHECK(kt_produce(k, topic, 0, 7, "k", "ok") == 0);
}

static void check_moved_on(const run_result *r, const char *what)
{
    printf("%s: rc=%d handled=%d committed=%lld dead_lettered=%llu%s%s\n", what, r->rc, r->h.n,
           (long long)r->committed, (unsigned long long)r->snap.counters[TG_M_DEAD_LETTERED],
           r->rc ? " error: " : "", r->error);
    CHECKF(r->rc == 0, "%s: %s", what, r->error);
    CHECKF(r->h.n == 1 && r->h.ids[0] == 7, "%s: the valid record behind was handled", what);
    CHECKF(r->committed == 2, "%s: committed %lld, want 2", what, (long long)r->committed);
    CHECKF(r->snap.counters[TG_M_DEAD_LETTERED] == 1, "%s: one dead letter", what);
}

static void check_letter(kt_cluster *k, const char *dlq, const char *truncated, size_t value_len,
                         size_t original)
{
    letters l;
    char want[32];
    memset(&l, 0, sizeof l);
    snprintf(want, sizeof want, "%zu", original);
    int n = kt_read_all(k, dlq, 1, 15000, collect, &l);
    printf("letter in %s: n=%d truncated=%s original=%s value=%zu reason=%s\n", dlq, n,
           l.truncated, l.original, l.value_len, l.reason);
    CHECKF(n == 1, "%d dead letters in %s", n, dlq);
    CHECKF(strcmp(l.truncated, truncated) == 0, "tg-dlq-truncated '%s', want '%s'", l.truncated,
           truncated);
    CHECKF(strcmp(l.original, want) == 0, "tg-dlq-original-size '%s', want %s", l.original, want);
    CHECKF(l.value_len == value_len, "value %zu bytes, want %zu", l.value_len, value_len);
    CHECKF(strcmp(l.offset, "0") == 0 && l.reason[0], "offset '%s' reason '%s'", l.offset,
           l.reason);
}

/* ---- local_limit: the DLQ producer's message.max.bytes refuses the letter -- */

static void test_local_limit(kt_cluster *k)
{
    char topic[64], dlq[80];
    kt_names(k, "dlq.local", topic, sizeof topic, dlq, sizeof dlq);
    kt_topic(k, topic, 1);
    kt_topic(k, dlq, 1);
    poison_then_valid(k, topic, 50000);
    const char *small[] = { "message.max.bytes", "20000" };
    tg_config *dlq_conf = kt_producer_config(k, small, 1);
    run_result r;
    consume(k, topic, NULL, 0, dlq_conf, 1, 30000, &r);
    tg_config_free(dlq_conf);
    check_moved_on(&r, "local_limit");
    check_letter(k, dlq, "dropped", 0, 50000);
}

/* ---- broker_limit: the broker answers MESSAGE_TOO_LARGE to the letter ------ */

static void test_broker_limit(kt_cluster *k)
{
    char topic[64], dlq[80];
    kt_names(k, "dlq.broker", topic, sizeof topic, dlq, sizeof dlq);
    kt_topic(k, topic, 1);
    kt_topic(k, dlq, 1);
    poison_then_valid(k, topic, 3000);
    /* the next Produce requests (the DLQ producer's) fail as too large:
     * the whole letter's, and its retries if librdkafka made any */
    rd_kafka_mock_push_request_errors(k->mc, 0 /* ApiKey Produce */, 1,
                                      RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
    run_result r;
    consume(k, topic, NULL, 0, NULL, 1, 30000, &r);
    check_moved_on(&r, "broker_limit");
    check_letter(k, dlq, "dropped", 0, 3000);
}

/* ---- refused: the DLQ topic refuses everything ------------------------------ */

static int count_spooled(void *user, const tg_spool_record *rec)
{
    int *n = user;
    for (size_t i = 0; i < rec->n_headers; i++)
        if (rec->headers[i].name_len == 13 && memcmp(rec->headers[i].name, "tg-dlq-reason", 13) == 0)
            (*n)++;
    return 0;
}

static void test_refused(kt_cluster *k)
{
    char topic[64], dlq[80], spool[128], spool_kv[160];
    kt_names(k, "dlq.refused", topic, sizeof topic, dlq, sizeof dlq);
    kt_topic(k, topic, 1);
    kt_topic(k, dlq, 1);
    poison_then_valid(k, topic, 2000);
    /* every Produce (only the DLQ producer's from here on) is refused */
    for (int i = 0; i < 50; i++)
        rd_kafka_mock_push_request_errors(k->mc, 0 /* ApiKey Produce */, 1,
                                          RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
    /* no spool: the consumer stops with an error naming the DLQ topic, and
     * commits nothing past the poison record */
    run_result r;
    int64_t t0 = test_now_ms();
    consume(k, topic, NULL, 0, NULL, 1, 30000, &r);
    printf("refused: rc=%d after %lld ms handled=%d committed=%lld error: %s\n", r.rc,
           (long long)(test_now_ms() - t0), r.h.n, (long long)r.committed, r.error);
    CHECKF(r.rc != 0 && strstr(r.error, dlq) && strstr(r.error, "offset 0"),
           "poll error names the refused letter: %s", r.error);
    CHECKF(r.h.n == 0, "the valid record behind was handled without saving the poison one");
    CHECKF(r.committed < 1, "committed %lld past an unsaved dead letter", (long long)r.committed);
    /* with a spool: the letter goes there whole and the partition moves on */
    snprintf(spool, sizeof spool, "/tmp/kt-dlq-spool-%ld", (long)getpid());
    (void)unlink(spool);
    snprintf(spool_kv, sizeof spool_kv, "%s", spool);
    const char *extra[] = { "topicgen.producer.spool.path", spool_kv };
    run_result s;
    consume(k, topic, extra, 1, NULL, 1, 30000, &s);
    printf("refused+spool: rc=%d handled=%d committed=%lld spooled=%llu\n", s.rc, s.h.n,
           (long long)s.committed, (unsigned long long)s.snap.counters[TG_M_SPOOLED]);
    CHECKF(s.rc == 0, "%s", s.error);
    CHECKF(s.h.n == 1 && s.h.ids[0] == 7, "the valid record behind was handled");
    CHECKF(s.committed == 2, "committed %lld, want 2", (long long)s.committed);
    CHECKF(s.snap.counters[TG_M_SPOOLED] == 1, "spooled counter");
    int letters_in_spool = 0;
    uint64_t count = 0;
    tg_error err;
    CHECK(tg_spool_replay(spool, count_spooled, &letters_in_spool, &count, NULL, &err) == 0);
    CHECKF(count == 1 && letters_in_spool == 1, "spool holds %llu records, %d letters",
           (unsigned long long)count, letters_in_spool);
    (void)unlink(spool);
}

/* ---- real_5mb: the case on a real broker ---------------------------- */

/* CreateTopics with max.message.bytes (admin API: real broker only). */
static int create_topic(kt_cluster *k, const char *topic, const char *max_message_bytes)
{
    char errstr[256];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, 1, 1, errstr, sizeof errstr);
    if (!nt)
        return -1;
    if (max_message_bytes)
        (void)rd_kafka_NewTopic_set_config(nt, "max.message.bytes", max_message_bytes);
    rd_kafka_queue_t *q = rd_kafka_queue_new(k->rk);
    rd_kafka_CreateTopics(k->rk, &nt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 15000);
    int rc = -1;
    const rd_kafka_CreateTopics_result_t *res = ev ? rd_kafka_event_CreateTopics_result(ev) : NULL;
    if (res) {
        size_t n;
        const rd_kafka_topic_result_t **tr = rd_kafka_CreateTopics_result_topics(res, &n);
        rc = n == 1 && rd_kafka_topic_result_error(tr[0]) == 0 ? 0 : -1;
        if (rc)
            fprintf(stderr, "create %s: %s\n", topic, rd_kafka_topic_result_error_string(tr[0]));
    }
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    return rc;
}

static void test_real_5mb(kt_cluster *k)
{
    CHECKF(k->mc == NULL, "real_5mb needs a real broker (the mock enforces no topic limit)");
    if (k->mc)
        return;
    const size_t five_mb = 5u << 20;
    /* (a) the DLQ topic auto-created with the broker's default 1 MB limit:
     *     the letter is cut to topicgen.dlq.max.value.bytes at once */
    char topic[64], dlq[80];
    kt_names(k, "dlq-5mb", topic, sizeof topic, dlq, sizeof dlq);
    CHECK(create_topic(k, topic, "10485760") == 0);
    poison_then_valid(k, topic, five_mb);
    run_result r;
    consume(k, topic, NULL, 0, NULL, 1, 40000, &r);
    check_moved_on(&r, "real_5mb default DLQ");
    check_letter(k, dlq, "value", 900000, five_mb);
    /* (b) a DLQ topic of 100 kB: the cut letter is refused too, and the one
     *     without value passes */
    char topic2[64], dlq2[80];
    kt_names(k, "dlq-5mb-small", topic2, sizeof topic2, dlq2, sizeof dlq2);
    CHECK(create_topic(k, topic2, "10485760") == 0);
    CHECK(create_topic(k, dlq2, "100000") == 0);
    poison_then_valid(k, topic2, five_mb);
    consume(k, topic2, NULL, 0, NULL, 1, 40000, &r);
    check_moved_on(&r, "real_5mb 100 kB DLQ");
    check_letter(k, dlq2, "dropped", 0, five_mb);
}

static const kt_case cases[] = {
    KT_CASE("envelope", test_envelope, 0),
    KT_CASE_MOCK("local_limit", test_local_limit, 1),
    KT_CASE_MOCK("broker_limit", test_broker_limit, 1),
    KT_CASE_MOCK("refused", test_refused, 1),
    KT_CASE("real_5mb", test_real_5mb, 1),
};

int main(int argc, char **argv)
{
    return KT_MAIN(argc, argv, cases);
}
