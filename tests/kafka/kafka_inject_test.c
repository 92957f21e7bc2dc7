/* Error injection against librdkafka's mock cluster
 * (rd_kafka_mock_push_request_errors: the next requests of an ApiKey, from
 * any client of the cluster, get the pushed errors in order).
 *  1. The idempotent tg_producer sends KEYS x PER_KEY keyed messages while
 *     bursts of NOT_LEADER_FOR_PARTITION / REQUEST_TIMED_OUT hit Produce:
 *     nothing is duplicated and no key goes backwards.  With the default
 *     pipelining (max.in.flight 5 under idempotence) librdkafka 2.0.2 + its
 *     mock acknowledge some messages without an offset although they never
 *     reach the log; tg_producer reports those as retriable failures
 *     ("delivery not confirmed"), so the test asserts that no message is
 *     both reported delivered and missing from the log, and, with
 *     max.in.flight=1, the full guarantee: all of them delivered, in send
 *     order per key.
 *  2. A tg_consumer (unique group, session.timeout.ms=6000) consumes a
 *     pre-produced topic while JoinGroup (before it joins), Fetch and
 *     OffsetCommit requests fail: nothing is lost, the committed offsets
 *     reach the end offsets, duplicates stay within the derived bound.
 * Both parts run in one process (127.0.0.1 only), every loop bounded in
 * count and time, alarm() bounds the process; prints "N passed, N failed". */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kt.h"
#include "tg_metrics.h"

/* ApiKeys (Kafka protocol) */
enum { API_PRODUCE = 0, API_FETCH = 1, API_OFFSET_COMMIT = 8, API_JOIN_GROUP = 11 };

/* ---- part 1: idempotent producer, Produce errors ------------------------- */

#define KEYS 12
#define PER_KEY 50

typedef struct reports {
    int ok, failed, fatal, no_offset;
    bool delivered[KEYS * 1000]; /* a success report came for this id */
    int32_t part[KEYS * 1000];  /* reported partition/offset per id */
    int64_t off[KEYS * 1000];
} reports;

static void on_delivery(void *user, const tg_delivery *d)
{
    reports *r = user;
    intptr_t id = (intptr_t)d->msg_opaque - 1;
    if (id >= 0 && id < KEYS * 1000) {
        r->part[id] = d->partition;
        r->off[id] = d->offset;
    }
    if (d->err == 0) {
        r->ok++;
        if (id >= 0 && id < KEYS * 1000)
            r->delivered[id] = true;
        r->no_offset += d->offset < 0;
    } else {
        r->failed++;
        r->fatal += d->fatal;
        if (r->failed <= 5)
            fprintf(stderr, "delivery failed: %s (retriable=%d fatal=%d)\n", d->error,
                    d->retriable, d->fatal);
    }
}

typedef struct order_check {
    int64_t at[6][1000]; /* id at partition/offset, -1 none */
    bool read[KEYS * 1000];
    int64_t next[KEYS];
    int total, out_of_order, dups, unknown;
} order_check;

static void check_order(void *user, const rd_kafka_message_t *m)
{
    order_check *o = user;
    int64_t id = kt_parse_id(m->payload, m->len);
    int key = (int)(id / 1000), seq = (int)(id % 1000);
    if (id < 0 || key >= KEYS) {
        o->unknown++;
        return;
    }
    o->total++;
    o->read[id] = true;
    if (m->partition < 6 && m->offset < 1000)
        o->at[m->partition][m->offset] = id;
    if (seq < o->next[key]) {
        o->dups++;
    } else if (seq > o->next[key]) {
        o->out_of_order++;
        if (o->out_of_order <= 5)
            fprintf(stderr, "key%d: seq %d follows %lld (partition %d offset %lld)\n", key, seq,
                    (long long)o->next[key] - 1, (int)m->partition, (long long)m->offset);
    }
    o->next[key] = seq + 1;
}

static void push_produce_errors(kt_cluster *k)
{

    rd_kafka_mock_push_request_errors(k->mc, API_PRODUCE, 4,
                                      RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                      RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                      RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                      RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
}

/* one_in_flight: max.in.flight=1 (no pipelined Produce requests) */
static void test_produce(kt_cluster *k, const char *topic, bool one_in_flight)
{
    const char *tag = one_in_flight ? "produce(max.in.flight=1)" : "produce(default)";
    static reports r;
    tg_error err;
    memset(&r, 0, sizeof r);
    rd_kafka_mock_topic_create(k->mc, topic, 6, 3);
    const char *extra[] = { "message.timeout.ms", "30000", "retry.backoff.ms", "50",
                            "max.in.flight", "1" };
    tg_config *pc = kt_producer_config(k, extra, one_in_flight ? 3 : 2);
    tg_logger quiet = { tg_log_stderr_sink, NULL,
                        getenv("KT_DEBUG") ? TG_LOG_DEBUG : TG_LOG_ERROR };
    tg_producer_opts o = { on_delivery, &r, &quiet, NULL };
    tg_producer *p = pc ? tg_producer_new(pc, &o, &err) : NULL;
    tg_config_free(pc);
    CHECKF(p != NULL, "producer");
    if (!p)
        return;
    int send_errors = 0, bursts = 0;
    int64_t t0 = test_now_ms();
    for (int seq = 0; seq < PER_KEY; seq++) {
        if (seq % 10 == 0) { /* 5 bursts of 4 errors, the first before any Produce */
            push_produce_errors(k);
            bursts++;
        }
        for (int key = 0; key < KEYS; key++) {
            char ks[8];
            snprintf(ks, sizeof ks, "key%d", key);
            kt_msg m = { key * 1000 + seq, { ks, strlen(ks) }, { "ok", 2 } };
            tg_send_opts so = tg_send_opts_default();
            so.topic = topic;
            so.msg_opaque = (void *)(intptr_t)(m.id + 1);
            send_errors += tg_producer_send(p, &kt_msg_desc, &m, &so, &err) != 0;
        }
        test_sleep_ms(20);
    }
    size_t left = 1;
    int frc = tg_producer_flush(p, 30000, &left, &err);
    int64_t took = test_now_ms() - t0;
    tg_producer_close(p, 5000, NULL);
    printf("%s: sent=%d delivered=%d failed=%d undelivered=%zu send_errors=%d, "
           "%d Produce errors injected, in %lld ms\n",
           tag, KEYS * PER_KEY, r.ok, r.failed, left, send_errors, bursts * 4, (long long)took);
    CHECKF(send_errors == 0, "send errors %d", send_errors);
    CHECKF(frc == 0 && left == 0, "flush: %zu undelivered", left);
    CHECKF(r.ok + r.failed == KEYS * PER_KEY && r.fatal == 0,
           "delivered=%d failed=%d (fatal %d)", r.ok, r.failed, r.fatal);
    CHECKF(r.no_offset == 0, "%d success reports without an offset", r.no_offset);
    if (one_in_flight)
        CHECKF(r.failed == 0, "%d deliveries failed without pipelining", r.failed);
    static order_check oc;
    memset(&oc, 0, sizeof oc);
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 1000; j++)
            oc.at[i][j] = -1;
    /* read everything there is; when reports failed, some may be missing */
    kt_read_all(k, topic, KEYS * PER_KEY, r.failed ? 5000 : 15000, check_order, &oc);
    /* cross-check the delivery reports against the log */
    int lost = 0, lost_with_offset = 0, silently_lost = 0, misplaced = 0, shown = 0;
    for (int key = 0; key < KEYS; key++)
        for (int seq = 0; seq < PER_KEY; seq++) {
            int id = key * 1000 + seq;
            int32_t pp = r.part[id];
            int64_t po = r.off[id];
            bool valid = pp >= 0 && pp < 6 && po >= 0 && po < 1000;
            if (!oc.read[id]) {
                lost++;
                lost_with_offset += valid;
                silently_lost += r.delivered[id];
                if (shown++ < 4)
                    fprintf(stderr, "%s: id %d not in the log (reported %s, p%d offset %lld)\n",
                            tag, id, r.delivered[id] ? "delivered" : "failed", (int)pp,
                            (long long)po);
            } else if (valid && oc.at[pp][po] != id) {
                misplaced++;
            }
        }
    printf("%s: read back %d, not in the log %d (all reported failed: %d silently lost), "
           "gaps=%d dups=%d unknown=%d misplaced=%d\n",
           tag, oc.total, lost, silently_lost, oc.out_of_order, oc.dups, oc.unknown, misplaced);
    /* what holds in every mode: nothing duplicated, per key never backwards,
     * every report with an offset points at that very message, and a message
     * missing from the log was always reported failed to the caller */
    CHECKF(oc.dups == 0 && oc.unknown == 0, "%s: dups %d unknown %d", tag, oc.dups, oc.unknown);
    CHECKF(misplaced == 0, "%s: %d reports point at another message", tag, misplaced);
    CHECKF(lost_with_offset == 0, "%s: %d lost messages had a reported offset", tag,
           lost_with_offset);
    CHECKF(silently_lost == 0, "%s: %d messages reported delivered are not in the log", tag,
           silently_lost);
    CHECKF(oc.total + lost == KEYS * PER_KEY, "%s: read %d + lost %d", tag, oc.total, lost);
    if (one_in_flight) { /* no pipelining: the full guarantee holds */
        CHECKF(lost == 0 && oc.total == KEYS * PER_KEY, "%s: read %d", tag, oc.total);
        CHECKF(oc.out_of_order == 0, "%s: gaps %d", tag, oc.out_of_order);
        for (int key = 0; key < KEYS; key++)
            CHECKF(oc.next[key] == PER_KEY, "%s: key %d ends at %lld", tag, key,
                   (long long)oc.next[key]);
    }
}

/* ---- part 2: tg_consumer, JoinGroup/Fetch/OffsetCommit errors ------------ */

#define CN 300
#define CPARTS 4

typedef struct seen {
    int calls[CN];
    int processed, bad;
} seen;

static tg_result handler(void *user, const void *msg, const tg_msg_meta *meta)
{
    seen *s = user;
    const kt_msg *m = msg;
    (void)meta;
    if (m->id >= 0 && m->id < CN) {
        if (s->calls[m->id]++ == 0)
            s->processed++;
    } else {
        s->bad++;
    }
    test_sleep_ms(5); /* spread consumption over ~1.5 s so the faults land mid-stream */
    return TG_OK;
}

/* Committed offsets of c's group == end offsets, asked through c's handle. */
static bool committed_at_end(tg_consumer *c, const int64_t *end)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(CPARTS);
    for (int i = 0; i < CPARTS; i++)
        rd_kafka_topic_partition_list_add(l, "icons", i);
    bool ok = rd_kafka_committed(tg_consumer_handle(c), l, 2000) == 0;
    for (int i = 0; ok && i < CPARTS; i++)
        ok = l->elems[i].offset == end[i];
    rd_kafka_topic_partition_list_destroy(l);
    return ok;
}

static void test_consume(kt_cluster *k)
{
    tg_error err;
    char group[96];
    snprintf(group, sizeof group, "kt-inject-%ld-%lld", (long)getpid(), (long long)test_now_ms());
    kt_topic(k, "icons", CPARTS);
    /* pre-produce (before any error is pushed) */
    tg_producer *p = kt_producer(k, &err);
    CHECKF(p != NULL, "producer");
    if (!p)
        return;
    for (int i = 0; i < CN; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i % 10);
        kt_msg m = { i, { key, strlen(key) }, { "ok", 2 } };
        tg_send_opts so = tg_send_opts_default();
        so.topic = "icons";
        CHECKF(tg_producer_send(p, &kt_msg_desc, &m, &so, &err) == 0, "send: %s", err.message);
    }
    size_t left = 1;
    CHECKF(tg_producer_flush(p, 10000, &left, &err) == 0 && left == 0, "undelivered %zu", left);
    int64_t end[CPARTS], total_end = 0;
    for (int i = 0; i < CPARTS; i++) {
        int64_t lo = -1, hi = -1;
        CHECKF(rd_kafka_query_watermark_offsets(tg_producer_handle(p), "icons", i, &lo, &hi,
                                                5000) == 0, "watermarks %d", i);
        end[i] = hi;
        total_end += hi;
    }
    tg_producer_close(p, 5000, NULL);
    CHECKF(total_end == CN, "end offsets sum %lld", (long long)total_end);

    /* a JoinGroup burst before the consumer joins */
    rd_kafka_mock_push_request_errors(k->mc, API_JOIN_GROUP, 3,
                                      RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
                                      RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                      RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE);

    const char *extra[] = { "session.timeout.ms", "6000" };
    tg_config *conf = kt_consumer_config(k, group, extra, 1);
    tg_logger quiet = { tg_log_stderr_sink, NULL,
                        getenv("KT_DEBUG") ? TG_LOG_DEBUG : TG_LOG_ERROR };
    tg_metrics *met = tg_metrics_new();
    tg_consumer_opts o = { NULL, &quiet, met, NULL, NULL };
    tg_consumer *c = conf ? tg_consumer_new(conf, &o, &err) : NULL;
    tg_config_free(conf);
    CHECKF(c != NULL, "consumer");
    if (!c) {
        tg_metrics_free(met);
        return;
    }
    seen *s = calloc(1, sizeof *s);
    CHECKF(tg_consumer_add(c, &kt_msg_desc, "icons", handler, s, &err) == 0, "%s",
           err.message);

    int64_t t0 = test_now_ms(), deadline = t0 + 30000, first_ms = -1, done_ms = -1;
    int polls = 0, poll_errors = 0, fetch_pushed = 0, commit_pushed = 0;
    bool at_end = false;
    while (polls < 100000 && test_now_ms() < deadline) {
        polls++;
        if (tg_consumer_poll(c, 50, &err) != 0 && poll_errors++ < 3)
            fprintf(stderr, "poll: %s\n", err.message);
        if (s->processed > 0 && first_ms < 0)
            first_ms = test_now_ms() - t0;
        /* mid-stream: Fetch and OffsetCommit bursts, twice */
        if ((s->processed >= CN / 4 && fetch_pushed == 0) ||
            (s->processed >= CN / 2 && fetch_pushed == 1)) {
            rd_kafka_mock_push_request_errors(k->mc, API_FETCH, 3,
                                              RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                              RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                              RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
            rd_kafka_mock_push_request_errors(k->mc, API_OFFSET_COMMIT, 3,
                                              RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
                                              RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                              RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE);
            fetch_pushed++;
            commit_pushed++;
        }
        if (s->processed == CN && done_ms < 0)
            done_ms = test_now_ms() - t0;
        /* all handled: keep polling (periodic commits) until the group's
         * committed offsets reach the end offsets; checked every ~10 polls */
        if (done_ms >= 0 && polls % 10 == 0 && committed_at_end(c, end)) {
            at_end = true;
            break;
        }
    }
    int64_t settle_ms = test_now_ms() - t0;
    CHECKF(tg_consumer_close(c, &err) == 0, "close: %s", err.message);
    tg_metrics_snapshot snap;
    tg_metrics_snapshot_get(met, &snap);
    tg_consumer_free(c);
    tg_metrics_free(met);

    int lost = 0, dups = 0;
    for (int i = 0; i < CN; i++) {
        lost += s->calls[i] == 0;
        dups += s->calls[i] > 1 ? s->calls[i] - 1 : 0;
    }
    int64_t committed[CPARTS];
    bool committed_ok = true;
    for (int i = 0; i < CPARTS; i++) {
        committed[i] = kt_committed(k, group, "icons", i);
        committed_ok = committed_ok && committed[i] == end[i];
    }
    /* Duplicate bound.  Injected Fetch errors (NOT_LEADER) make librdkafka
     * re-query the leader and fetch again from its current position, which
     * never moves back; a failed OffsetCommit only leaves the committed
     * offset behind until the next periodic commit; the JoinGroup errors
     * happen before the first assignment.  A message is handled twice only
     * when a partition is (re)assigned and consumption restarts from the
     * committed offset, and none of the injected errors causes a
     * rebalance: bound 0. */
    const int dup_bound = 0;
    printf("consume: N=%d processed=%d lost=%d dups=%d (bound %d) bad=%d; first message at "
           "%lld ms, all handled at %lld ms, committed==end at %lld ms (%s); polls=%d "
           "poll_errors=%d; injected JoinGroup 3, Fetch %d, OffsetCommit %d; commits=%llu\n",
           CN, s->processed, lost, dups, dup_bound, s->bad, (long long)first_ms,
           (long long)done_ms, (long long)settle_ms, at_end ? "yes" : "no", polls, poll_errors,
           fetch_pushed * 3, commit_pushed * 3,
           (unsigned long long)snap.counters[TG_M_COMMITS]);
    printf("consume: committed");
    for (int i = 0; i < CPARTS; i++)
        printf(" p%d=%lld/%lld", i, (long long)committed[i], (long long)end[i]);
    printf("\n");
    CHECKF(fetch_pushed == 2 && commit_pushed == 2, "faults not injected mid-stream");
    CHECKF(lost == 0 && s->processed == CN, "lost %d processed %d", lost, s->processed);
    CHECKF(s->bad == 0, "unexpected ids %d", s->bad);
    CHECKF(dups <= dup_bound, "duplicates %d > bound %d", dups, dup_bound);
    CHECKF(at_end, "committed offsets did not reach the end offsets while running");
    CHECKF(committed_ok, "committed offsets after close != end offsets");
    CHECKF(snap.counters[TG_M_PROCESSED] >= CN, "processed metric %llu",
           (unsigned long long)snap.counters[TG_M_PROCESSED]);
    free(s);
}

/* One run, one cluster of 3 mock brokers, both parts in turn. */
static void test_all(kt_cluster *k)
{
    test_produce(k, "iprod", false);
    test_produce(k, "iprod1", true);
    test_consume(k);
}

static const kt_case cases[] = {
    KT_CASE_MOCK("all", test_all, 3),
};

int main(int argc, char **argv)
{
    return KT_MAIN(argc, argv, cases);
}
