/* The consumer's tg-schema check (topicgen.schema.check) on librdkafka's
 * mock cluster, in inline, worker and batch mode.  One case per run
 * (argv[1]): match, require, off, workers, batch, union.
 *
 * Every case produces the same interleaved mix to one topic (2 partitions):
 *   ids    0..  : typed sends of kt.Msg               (tg-schema 'kt.Msg')
 *   ids 1000..  : typed sends of a foreign message     (tg-schema 'billing.Invoice')
 *   ids 2000..  : typed sends of another kt message    (tg-schema 'kt.Other')
 *   ids 3000..  : raw records without any header       (another producer)
 *   ids 4000..  : raw records with a hand-set 'kt.Msg' header
 * All bodies decode as kt.Msg, so only the check can keep the foreign ones
 * from the handler.  It checks: the ids the handler saw are exactly the
 * expected ones, each once; handled + dead-lettered = produced; every DLQ
 * record has the expected tg-dlq-reason text; the committed offsets cover
 * every record.
 *
 * Case "union" runs the generated crm union end to end instead:
 * crm_InboundMessage_send of each variant, crm_InboundMessage_consume with
 * routes for two of the three, plus records labelled with another schema:
 * the unrouted variant and the foreign records are dead-lettered with their
 * reasons.  Each case prints "N passed, N failed". */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm_kafka.h"
#include "kt.h"
#include "tg_metrics.h"

#define PER_KIND 12
#define KINDS 5
#define TOTAL (PER_KIND * KINDS)
#define MAX_ID 5000

static const tg_message_desc foreign_desc = {
    "billing", "Invoice", 1, "billing.invoices", NULL, sizeof(kt_msg), 0,
    NULL, NULL, NULL, NULL, NULL, 0, TG_TOMBSTONES_SKIP, 0, 0,
};
static const tg_message_desc other_desc = {
    "kt", "Other", 1, "kt.other", NULL, sizeof(kt_msg), 0, NULL, NULL, NULL, NULL, NULL, 0,
    TG_TOMBSTONES_SKIP, 0, 0,
};

typedef struct seen {
    pthread_mutex_t lock;
    int calls[MAX_ID];
    int handled;
} seen;

static void note(seen *s, const kt_msg *m)
{
    pthread_mutex_lock(&s->lock);
    if (m->id >= 0 && m->id < MAX_ID)
        s->calls[m->id]++;
    s->handled++;
    pthread_mutex_unlock(&s->lock);
}

static tg_result on_msg(void *user, const void *msg, const tg_msg_meta *meta)
{
    (void)meta;
    note(user, msg);
    return TG_OK;
}

static tg_result on_batch(void *user, const tg_batch *b)
{
    for (size_t i = 0; i < b->count; i++)
        note(user, b->items[i].msg);
    return TG_OK;
}

/* Send kind k's i-th record (see the file comment). */
static int produce_one(tg_producer *p, const char *topic, int kind, int i, tg_error *err)
{
    static const tg_message_desc *const descs[] = { &kt_msg_desc, &foreign_desc, &other_desc };
    int id = kind * 1000 + i;
    char key[16], json[96];
    snprintf(key, sizeof key, "k%d", i % 4);
    kt_msg m = { id, { key, strlen(key) }, { "ok", 2 } };
    tg_send_opts so = tg_send_opts_default();
    so.topic = topic;
    if (kind < 3) {
        tg_message_desc d = *descs[kind];
        d.encode = kt_msg_desc.encode;   /* same bytes, different tg-schema */
        d.key = kt_msg_desc.key;
        return tg_producer_send(p, &d, &m, &so, err);
    }
    snprintf(json, sizeof json, "{\"id\":%d,\"key\":\"%s\",\"body\":\"ok\"}", id, key);
    tg_header h = { "tg-schema", "kt.Msg", 6 };
    tg_raw_record r = { topic, TG_PARTITION_ANY, key, strlen(key), json, strlen(json), NULL,
                        kind == 4 ? &h : NULL, kind == 4 ? 1 : 0, 0, NULL };
    return tg_producer_send_raw(p, &r, err);
}

static void produce_mix(kt_cluster *k, const char *topic)
{
    tg_error err;
    tg_producer *p = kt_producer(k, &err);
    CHECKF(p != NULL, "producer: %s", err.message);
    if (!p)
        return;
    int failed = 0;
    for (int i = 0; i < PER_KIND; i++)
        for (int kind = 0; kind < KINDS; kind++)
            failed += produce_one(p, topic, kind, i, &err) != 0;
    size_t left = 1;
    CHECKF(failed == 0, "%d sends failed: %s", failed, err.message);
    CHECKF(tg_producer_close(p, 10000, &left) == 0 && left == 0, "undelivered %zu", left);
}

typedef struct dlq_seen {
    int n;
    int by_kind[KINDS];
    int bad_reason;
    char example[KINDS][200];
} dlq_seen;

static void on_dlq(void *user, const rd_kafka_message_t *m)
{
    dlq_seen *d = user;
    char reason[200], attempts[16];
    int64_t id = kt_parse_id(m->payload, m->len);
    int kind = id >= 0 ? (int)(id / 1000) : -1;
    kt_header(m, "tg-dlq-reason", reason, sizeof reason);
    kt_header(m, "tg-dlq-attempts", attempts, sizeof attempts);
    d->n++;
    if (kind < 0 || kind >= KINDS) {
        d->bad_reason++;
        return;
    }
    d->by_kind[kind]++;
    snprintf(d->example[kind], sizeof d->example[kind], "%s", reason);
    static const char *const want[KINDS] = {
        "", "schema mismatch: record has tg-schema 'billing.Invoice', this consumer expects "
            "'kt.Msg'",
        "schema mismatch: record has tg-schema 'kt.Other', this consumer expects 'kt.Msg'",
        "schema mismatch: record has no tg-schema header, this consumer expects 'kt.Msg' "
        "(topicgen.schema.check=require)",
        "",
    };
    if (strcmp(reason, want[kind]) != 0 || strcmp(attempts, "0") != 0) {
        d->bad_reason++;
        fprintf(stderr, "DLQ id %lld: reason '%s' attempts %s\n", (long long)id, reason,
                attempts);
    }
}

/* Run one case: policy (NULL = default), extra consumer properties, and
 * which kinds must reach the handler (the rest must be dead-lettered). */
static void run_case(kt_cluster *k, const char *name, const char *policy, const char *workers,
                     bool batch, const bool handled_kinds[KINDS])
{
    char topic[64], dlq_topic[80], group[96];
    char base[48];
    tg_error err;
    snprintf(base, sizeof base, "schema-%s", name);
    kt_names(k, base, topic, sizeof topic, dlq_topic, sizeof dlq_topic);
    snprintf(group, sizeof group, "kt-schema-%s-%ld", name, (long)getpid());
    kt_topic(k, topic, 2);
    kt_topic(k, dlq_topic, 1);
    produce_mix(k, topic);

    int expect_handled = 0;
    for (int kind = 0; kind < KINDS; kind++)
        expect_handled += handled_kinds[kind] ? PER_KIND : 0;
    int expect_dlq = TOTAL - expect_handled;

    const char *extra[8];
    size_t n = 0;
    extra[n++] = "fetch.wait.max.ms";
    extra[n++] = "50";
    if (policy) {
        extra[n++] = "topicgen.schema.check";
        extra[n++] = policy;
    }
    if (workers) {
        extra[n++] = "topicgen.workers";
        extra[n++] = workers;
    }
    tg_config *conf = kt_consumer_config(k, group, extra, n / 2);
    tg_metrics *met = tg_metrics_new();
    tg_logger quiet = { tg_log_stderr_sink, NULL, getenv("KT_DEBUG") ? TG_LOG_DEBUG : TG_LOG_ERROR };
    tg_consumer_opts o = { NULL, &quiet, met, NULL, NULL };
    tg_consumer *c = conf ? tg_consumer_new(conf, &o, &err) : NULL;
    tg_config_free(conf);
    CHECKF(c != NULL, "consumer: %s", err.message);
    if (!c) {
        tg_metrics_free(met);
        return;
    }
    seen s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    int rc = batch ? tg_consumer_add_batch(c, &kt_msg_desc, topic, on_batch, &s, &err)
                   : tg_consumer_add(c, &kt_msg_desc, topic, on_msg, &s, &err);
    CHECKF(rc == 0, "add: %s", err.message);

    tg_metrics_snapshot snap;
    int64_t deadline = test_now_ms() + 40000;
    int handled = 0;
    do {
        (void)tg_consumer_poll(c, 50, &err);
        tg_metrics_snapshot_get(met, &snap);
        pthread_mutex_lock(&s.lock);
        handled = s.handled;
        pthread_mutex_unlock(&s.lock);
    } while ((handled < expect_handled || (int)snap.counters[TG_M_DEAD_LETTERED] < expect_dlq)
             && test_now_ms() < deadline);
    CHECKF(tg_consumer_close(c, &err) == 0, "close: %s", err.message);
    tg_metrics_snapshot_get(met, &snap);
    tg_consumer_free(c);

    int dead = (int)snap.counters[TG_M_DEAD_LETTERED];
    int wrong = 0, missing = 0, dups = 0;
    for (int kind = 0; kind < KINDS; kind++)
        for (int i = 0; i < PER_KIND; i++) {
            int calls = s.calls[kind * 1000 + i];
            wrong += !handled_kinds[kind] && calls > 0;
            missing += handled_kinds[kind] && calls == 0;
            dups += calls > 1 ? calls - 1 : 0;
        }
    dlq_seen d;
    memset(&d, 0, sizeof d);
    int in_dlq = kt_read_all(k, dlq_topic, expect_dlq, 10000, on_dlq, &d);
    int64_t committed = 0;         /* a partition no key hashed to has none */
    for (int32_t part = 0; part < 2; part++) {
        int64_t off = kt_committed(k, group, topic, part);
        committed += off > 0 ? off : 0;
    }
    printf("%s: produced=%d handled=%d dead_lettered=%d (dlq topic %d) wrong_type=%d "
           "missing=%d dups=%d committed=%lld\n", name, TOTAL, s.handled, dead, in_dlq, wrong,
           missing, dups, (long long)committed);
    for (int kind = 0; kind < KINDS; kind++)
        if (d.example[kind][0])
            printf("%s: DLQ reason (kind %d): %s\n", name, kind, d.example[kind]);
    CHECKF(s.handled + dead == TOTAL, "handled %d + dead-lettered %d != produced %d",
           s.handled, dead, TOTAL);
    CHECKF(s.handled == expect_handled, "handled %d, expected %d", s.handled, expect_handled);
    CHECKF(wrong == 0, "%d records of another schema reached the handler", wrong);
    CHECKF(missing == 0 && dups == 0, "missing %d, duplicates %d", missing, dups);
    CHECKF(in_dlq == expect_dlq, "DLQ topic holds %d, expected %d", in_dlq, expect_dlq);
    CHECKF(d.bad_reason == 0, "%d DLQ records with an unexpected reason", d.bad_reason);
    for (int kind = 0; kind < KINDS; kind++)
        CHECKF(d.by_kind[kind] == (handled_kinds[kind] ? 0 : PER_KIND),
               "kind %d: %d in the DLQ", kind, d.by_kind[kind]);
    CHECKF(committed == TOTAL, "committed %lld of %d", (long long)committed, TOTAL);
    pthread_mutex_destroy(&s.lock);
    tg_metrics_free(met);
}

/* ---- the generated union ------------------------------------------------------ */

static const char *const CRM_JSON[3] = {
    "{\"message_type\":\"email_received\",\"message_id\":\"m%d\",\"customer_id\":\"c%d\","
    "\"received_at\":\"2026-11-23T15:39:17Z\",\"customer\":{},\"subject\":\"Hi\","
    "\"body_text\":\"hello\"}",
    "{\"message_type\":\"whatsapp_received\",\"message_id\":\"m%d\",\"customer_id\":\"c%d\","
    "\"received_at\":\"2026-11-23T15:39:17Z\",\"customer\":{},\"waId\":\"w1\",\"text\":\"hi\"}",
    "{\"message_type\":\"form_submitted\",\"message_id\":\"m%d\",\"customer_id\":\"c%d\","
    "\"received_at\":\"2026-11-23T15:39:17Z\",\"customer\":{},\"form_id\":\"f1\","
    "\"fields\":{}}",
};

static tg_result on_email(void *user, const crm_EmailReceived *m, const tg_msg_meta *meta)
{
    seen *s = user;
    (void)m;
    pthread_mutex_lock(&s->lock);
    s->calls[0] += meta->variant == 0;
    s->handled++;
    pthread_mutex_unlock(&s->lock);
    return TG_OK;
}

static tg_result on_whatsapp(void *user, const crm_WhatsappReceived *m, const tg_msg_meta *meta)
{
    seen *s = user;
    (void)m;
    pthread_mutex_lock(&s->lock);
    s->calls[1] += meta->variant == 1;
    s->handled++;
    pthread_mutex_unlock(&s->lock);
    return TG_OK;
}

/* Send n of each variant with crm_InboundMessage_send, and n records whose
 * tg-schema says orders.OrderEvent (an email body: it would decode). */
static void produce_union(kt_cluster *k, const char *topic, int n)
{
    static unsigned char mem[16384];
    tg_error err;
    tg_json_error e[4];
    tg_producer *p = kt_producer(k, &err);
    CHECKF(p != NULL, "producer: %s", err.message);
    if (!p)
        return;
    int failed = 0;
    for (int i = 0; i < n; i++)
        for (int v = 0; v < 4; v++) {
            char json[512];
            snprintf(json, sizeof json, CRM_JSON[v % 3], i * 4 + v, i);
            if (v == 3) {
                tg_header h = { "tg-schema", "orders.OrderEvent", 17 };
                tg_raw_record r = { topic, TG_PARTITION_ANY, "c", 1, json, strlen(json), NULL,
                                    &h, 1, 0, NULL };
                failed += tg_producer_send_raw(p, &r, &err) != 0;
                continue;
            }
            crm_InboundMessage msg;
            tg_arena a;
            tg_json_errors errs = { e, 4, 0, 0 };
            tg_arena_init(&a, mem, sizeof mem);
            tg_send_opts so = tg_send_opts_default();
            so.topic = topic;
            failed += crm_InboundMessage_decode(&msg, json, strlen(json), &a, &errs) != TG_JSON_OK
                      || crm_InboundMessage_send(p, &msg, &so, &err) != 0;
        }
    size_t left = 1;
    CHECKF(failed == 0, "%d sends failed: %s", failed, err.message);
    CHECKF(tg_producer_close(p, 10000, &left) == 0 && left == 0, "undelivered %zu", left);
}

static void on_union_dlq(void *user, const rd_kafka_message_t *m)
{
    int *counts = user;            /* [0] unhandled form, [1] schema mismatch, [2] other */
    char reason[200];
    kt_header(m, "tg-dlq-reason", reason, sizeof reason);
    if (strcmp(reason, "unhandled variant 'form_submitted'") == 0) {
        counts[0]++;
    } else if (strcmp(reason, "schema mismatch: record has tg-schema 'orders.OrderEvent', this "
                              "consumer expects 'crm.InboundMessage'") == 0) {
        counts[1]++;
    } else {
        counts[2]++;
        fprintf(stderr, "unexpected DLQ reason '%s'\n", reason);
    }
}

/* Routes with every handler NULL still register and subscribe the topic
 * (its records are then dead-lettered as unhandled variants): never a
 * topic silently left unconsumed. */
static void run_union_unrouted(kt_cluster *k, const char *topic, const tg_consumer_opts *o)
{
    char group[96];
    tg_error err = {0};
    snprintf(group, sizeof group, "kt-schema-unrouted-%ld", (long)getpid());
    tg_config *conf = kt_consumer_config(k, group, NULL, 0);
    tg_consumer *c = conf ? tg_consumer_new(conf, o, &err) : NULL;
    tg_config_free(conf);
    crm_InboundMessage_routes none = { .user = NULL };
    CHECKF(c && crm_InboundMessage_consume(c, topic, &none, &err) == 0 &&
               tg_consumer_subscribe(c, &err) == 0,
           "routes without handlers subscribe: %s", err.message);
    tg_consumer_free(c);
}

static void run_union(kt_cluster *k)
{
    enum { N = 10 };
    char topic[64], dlq_topic[80], group[96];
    tg_error err;
    kt_names(k, "schema-union", topic, sizeof topic, dlq_topic, sizeof dlq_topic);
    snprintf(group, sizeof group, "kt-schema-union-%ld", (long)getpid());
    kt_topic(k, topic, 2);
    kt_topic(k, dlq_topic, 1);
    produce_union(k, topic, N);
    const char *extra[] = { "fetch.wait.max.ms", "50" };
    tg_config *conf = kt_consumer_config(k, group, extra, 1);
    tg_metrics *met = tg_metrics_new();
    tg_logger quiet = { tg_log_stderr_sink, NULL, TG_LOG_ERROR };
    tg_consumer_opts o = { NULL, &quiet, met, NULL, NULL };
    tg_consumer *c = conf ? tg_consumer_new(conf, &o, &err) : NULL;
    tg_config_free(conf);
    CHECKF(c != NULL, "consumer: %s", err.message);
    if (!c) {
        tg_metrics_free(met);
        return;
    }
    seen s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    crm_InboundMessage_routes routes = { .on_email_received = on_email,
                                         .on_whatsapp_received = on_whatsapp, .user = &s };
    CHECKF(crm_InboundMessage_consume(c, topic, &routes, &err) == 0, "consume: %s",
           err.message);
    tg_metrics_snapshot snap;
    int64_t deadline = test_now_ms() + 40000;
    int handled = 0;
    do {
        (void)tg_consumer_poll(c, 50, &err);
        tg_metrics_snapshot_get(met, &snap);
        pthread_mutex_lock(&s.lock);
        handled = s.handled;
        pthread_mutex_unlock(&s.lock);
    } while ((handled < 2 * N || (int)snap.counters[TG_M_DEAD_LETTERED] < 2 * N)
             && test_now_ms() < deadline);
    CHECKF(tg_consumer_close(c, &err) == 0, "close: %s", err.message);
    tg_metrics_snapshot_get(met, &snap);
    tg_consumer_free(c);
    int counts[3] = { 0, 0, 0 };
    int in_dlq = kt_read_all(k, dlq_topic, 2 * N, 10000, on_union_dlq, counts);
    int dead = (int)snap.counters[TG_M_DEAD_LETTERED];
    printf("union: produced=%d handled=%d (email %d, whatsapp %d) dead_lettered=%d "
           "(unhandled form %d, schema mismatch %d, other %d)\n", 4 * N, s.handled, s.calls[0],
           s.calls[1], dead, counts[0], counts[1], counts[2]);
    CHECKF(s.handled + dead == 4 * N, "handled %d + dead-lettered %d != %d", s.handled, dead,
           4 * N);
    CHECKF(s.calls[0] == N && s.calls[1] == N, "email %d, whatsapp %d", s.calls[0],
           s.calls[1]);
    CHECKF(in_dlq == 2 * N && counts[0] == N && counts[1] == N && counts[2] == 0,
           "DLQ %d: unhandled %d, mismatch %d, other %d", in_dlq, counts[0], counts[1],
           counts[2]);
    run_union_unrouted(k, topic, &o);
    pthread_mutex_destroy(&s.lock);
    tg_metrics_free(met);
}

/*                                        kt.Msg billing  kt.Other none  hand-set */
static const bool MATCH[KINDS] = { true, false, false, true, true };
static const bool REQUIRE[KINDS] = { true, false, false, false, true };
static const bool OFF[KINDS] = { true, true, true, true, true };

static void case_match(kt_cluster *k) /* the default policy */
{
    run_case(k, "match", NULL, NULL, false, MATCH);
}

static void case_require(kt_cluster *k)
{
    run_case(k, "require", "require", NULL, false, REQUIRE);
}

static void case_off(kt_cluster *k)
{
    run_case(k, "off", "off", NULL, false, OFF);
}

static void case_workers(kt_cluster *k)
{
    run_case(k, "workers", "match", "3", false, MATCH);
}

static void case_batch(kt_cluster *k)
{
    run_case(k, "batch", "require", NULL, true, REQUIRE);
}

static const kt_case cases[] = {
    KT_CASE("match", case_match, 1),
    KT_CASE("require", case_require, 1),
    KT_CASE("off", case_off, 1),
    KT_CASE("workers", case_workers, 1),
    KT_CASE("batch", case_batch, 1),
    KT_CASE("union", run_union, 1),
};

int main(int argc, char **argv)
{
    return KT_MAIN(argc, argv, cases);
}
