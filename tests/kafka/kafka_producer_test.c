/* Producer tests against librdkafka's mock cluster: headers and delivery
 * reports, no loss and no reordering within a key while a broker goes down
 * and RTT is added, and a bounded close that reports undelivered messages.
 * One case per run (argv[1]); prints "N passed, N failed". */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kt.h"
#include "tg_metrics.h"

typedef struct reports {
    int ok, failed, retriable, fatal, bad_offset;
    int opaque_mismatch;
} reports;

static void on_delivery(void *user, const tg_delivery *d)
{
    reports *r = user;
    if (d->err == 0) {
        r->ok++;
        if (d->partition < 0 || d->offset < 0)
            r->bad_offset++;
    } else {
        r->failed++;
        r->retriable += d->retriable;
        r->fatal += d->fatal;
    }
    if (d->msg_opaque != NULL && d->msg_opaque != (void *)r)
        r->opaque_mismatch++;
}

static tg_producer *make_producer(kt_cluster *k, reports *r, tg_metrics *m,
                                  const char *const *extra, size_t n)
{
    tg_error err;
    tg_config *pc = kt_producer_config(k, extra, n);
    tg_logger quiet = { tg_log_stderr_sink, NULL, getenv("KT_DEBUG") ? TG_LOG_DEBUG : TG_LOG_ERROR };
    tg_producer_opts o = { on_delivery, r, &quiet, m };
    tg_producer *p = pc ? tg_producer_new(pc, &o, &err) : NULL;
    if (!p)
        fprintf(stderr, "producer: %s\n", pc ? err.message : "config");
    tg_config_free(pc);
    return p;
}

/* ---- kafka_producer_basic ------------------------------------------------------ */

typedef struct readback {
    int n;
    char schema[64], version[8], ctype[32], trace[64], extra[16], key[16];
    size_t big_len;
    int64_t big_id;
} readback;

static void read_one(void *user, const rd_kafka_message_t *m)
{
    readback *r = user;
    if (r->n++ == 0) {
        kt_header(m, "tg-schema", r->schema, sizeof r->schema);
        kt_header(m, "tg-schema-version", r->version, sizeof r->version);
        kt_header(m, "content-type", r->ctype, sizeof r->ctype);
        kt_header(m, "traceparent", r->trace, sizeof r->trace);
        kt_header(m, "x-extra", r->extra, sizeof r->extra);
        size_t kl = m->key_len < sizeof r->key - 1 ? m->key_len : sizeof r->key - 1;
        memcpy(r->key, m->key, kl);
        r->key[kl] = '\0';
    } else {
        r->big_len = m->len;
        r->big_id = kt_parse_id(m->payload, m->len);
    }
}

static void test_basic(kt_cluster *k)
{
    reports r;
    tg_error err;
    char topic[64], dlq_topic[80];
    kt_names(k, "pbasic", topic, sizeof topic, dlq_topic, sizeof dlq_topic);
    memset(&r, 0, sizeof r);
    kt_topic(k, topic, 1);
    tg_metrics *met = tg_metrics_new();
    tg_producer *p = make_producer(k, &r, met, NULL, 0);
    const char *tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    tg_header extra = { "x-extra", "yes", 3 };
    kt_msg m = { 7, { "key-7", 5 }, { "hello", 5 } };
    tg_send_opts so = tg_send_opts_default();
    so.topic = topic;
    so.traceparent = tp;
    so.headers = &extra;
    so.n_headers = 1;
    so.msg_opaque = &r;
    KT_CHECK(tg_producer_send(p, &kt_msg_desc, &m, &so, &err) == 0, "send: %s", err.message);
    /* a body larger than the initial 4 KiB encode buffer: the buffer grows */
    static char big[20000];
    memset(big, 'x', sizeof big - 1);
    kt_msg mb = { 8, { "key-8", 5 }, { big, sizeof big - 1 } };
    so.traceparent = NULL;
    so.headers = NULL;
    so.n_headers = 0;
    KT_CHECK(tg_producer_send(p, &kt_msg_desc, &mb, &so, &err) == 0, "big send: %s", err.message);
    so.traceparent = "00-xyz";
    KT_CHECK(tg_producer_send(p, &kt_msg_desc, &m, &so, &err) == TG_ERR_ARG,
             "invalid traceparent accepted");
    printf("basic: invalid traceparent -> %s\n", err.message);
    size_t left = 9;
    KT_CHECK(tg_producer_flush(p, 10000, &left, &err) == 0 && left == 0, "flush left %zu", left);
    KT_CHECK(r.ok == 2 && r.failed == 0 && r.bad_offset == 0, "reports ok=%d failed=%d", r.ok,
             r.failed);
    KT_CHECK(r.opaque_mismatch == 0, "msg_opaque not returned");
    KT_CHECK(tg_producer_close(p, 5000, &left) == 0 && left == 0, "close");
    tg_metrics_snapshot snap;
    tg_metrics_snapshot_get(met, &snap);
    KT_CHECK(snap.counters[TG_M_DELIVERED] == 2, "delivered metric");
    readback rb;
    memset(&rb, 0, sizeof rb);
    KT_CHECK(kt_read_all(k, topic, 2, 10000, read_one, &rb) == 2, "read back %d", rb.n);
    printf("basic: headers tg-schema=%s tg-schema-version=%s content-type=%s traceparent=%s\n",
           rb.schema, rb.version, rb.ctype, rb.trace);
    KT_CHECK(strcmp(rb.schema, "kt.Msg") == 0, "tg-schema %s", rb.schema);
    KT_CHECK(strcmp(rb.version, "3") == 0, "tg-schema-version %s", rb.version);
    KT_CHECK(strcmp(rb.ctype, "application/json") == 0, "content-type %s", rb.ctype);
    KT_CHECK(strcmp(rb.trace, tp) == 0, "traceparent %s", rb.trace);
    KT_CHECK(strcmp(rb.extra, "yes") == 0, "extra header");
    KT_CHECK(strcmp(rb.key, "key-7") == 0, "key %s", rb.key);
    KT_CHECK(rb.big_id == 8 && rb.big_len > sizeof big, "big message intact (%zu bytes)",
             rb.big_len);
    tg_metrics_free(met);
}

/* ---- kafka_producer_faults: broker down + RTT, no loss, order per key ----------- */

#define KEYS 12
#define PER_KEY 50

typedef struct order_check {
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
    if (seq < o->next[key])
        o->dups++;
    else if (seq > o->next[key])
        o->out_of_order++;
    o->next[key] = seq + 1;
}

static void test_faults(kt_cluster *k)
{
    reports r;
    tg_error err;
    memset(&r, 0, sizeof r);
    rd_kafka_mock_topic_create(k->mc, "pfaults", 6, 3);
    const char *extra[] = { "message.timeout.ms", "30000", "retry.backoff.ms", "50" };
    tg_producer *p = make_producer(k, &r, NULL, extra, 2);
    int send_errors = 0;
    int64_t t0 = kt_now_ms();
    for (int seq = 0; seq < PER_KEY; seq++) {
        if (seq == PER_KEY / 3) {
            rd_kafka_mock_broker_set_down(k->mc, 1);
            rd_kafka_mock_broker_set_rtt(k->mc, 2, 100);
        }
        if (seq == 2 * PER_KEY / 3)
            rd_kafka_mock_broker_set_up(k->mc, 1);
        for (int key = 0; key < KEYS; key++) {
            char ks[8];
            snprintf(ks, sizeof ks, "key%d", key);
            kt_msg m = { key * 1000 + seq, { ks, strlen(ks) }, { "ok", 2 } };
            tg_send_opts so = tg_send_opts_default();
            so.topic = "pfaults";
            send_errors += tg_producer_send(p, &kt_msg_desc, &m, &so, &err) != 0;
        }
        kt_sleep_ms(60); /* broker 1 is down for about 1 s of sending */
    }
    size_t left = 1;
    int frc = tg_producer_flush(p, 30000, &left, &err);
    int64_t took = kt_now_ms() - t0;
    rd_kafka_mock_broker_set_rtt(k->mc, 2, 0);
    tg_producer_close(p, 5000, NULL);
    printf("faults: sent=%d delivered=%d failed=%d undelivered=%zu send_errors=%d in %lld ms\n",
           KEYS * PER_KEY, r.ok, r.failed, left, send_errors, (long long)took);
    KT_CHECK(send_errors == 0, "send errors %d", send_errors);
    KT_CHECK(frc == 0 && left == 0, "flush: %zu undelivered", left);
    KT_CHECK(r.ok == KEYS * PER_KEY && r.failed == 0, "ok=%d failed=%d", r.ok, r.failed);
    order_check o;
    memset(&o, 0, sizeof o);
    kt_read_all(k, "pfaults", KEYS * PER_KEY, 15000, check_order, &o);
    printf("faults: read back %d, out_of_order=%d dups=%d\n", o.total, o.out_of_order, o.dups);
    KT_CHECK(o.total == KEYS * PER_KEY, "read %d", o.total);
    KT_CHECK(o.out_of_order == 0 && o.dups == 0, "order per key: gaps %d dups %d",
             o.out_of_order, o.dups);
    for (int key = 0; key < KEYS; key++)
        KT_CHECK(o.next[key] == PER_KEY, "key %d ends at %lld", key, (long long)o.next[key]);
}

/* ---- kafka_producer_close: bounded close reports what was not delivered ------- */

static void test_close(kt_cluster *k)
{
    reports r;
    tg_error err;
    memset(&r, 0, sizeof r);
    kt_topic(k, "pclose", 1);
    tg_producer *p = make_producer(k, &r, NULL, NULL, 0);
    /* make sure metadata is known, then take the only broker down */
    kt_msg m = { 1, { "k", 1 }, { "ok", 2 } };
    tg_send_opts so = tg_send_opts_default();
    so.topic = "pclose";
    tg_producer_send(p, &kt_msg_desc, &m, &so, &err);
    tg_producer_flush(p, 10000, NULL, &err);
    rd_kafka_mock_broker_set_down(k->mc, 1);
    for (int i = 0; i < 5; i++)
        KT_CHECK(tg_producer_send(p, &kt_msg_desc, &m, &so, &err) == 0, "send: %s", err.message);
    size_t left = 0;
    KT_CHECK(tg_producer_flush(p, 300, &left, &err) == TG_ERR_TIMEOUT && left == 5,
             "flush left %zu", left);
    int64_t t0 = kt_now_ms();
    int rc = tg_producer_close(p, 500, &left);
    int64_t took = kt_now_ms() - t0;
    printf("close: rc=%d undelivered=%zu error reports=%d (retriable %d) in %lld ms\n", rc, left,
           r.failed, r.retriable, (long long)took);
    KT_CHECK(rc == TG_ERR_TIMEOUT && left == 5, "close rc %d left %zu", rc, left);
    KT_CHECK(r.ok == 1 && r.failed == 5 && r.retriable == 5, "reports ok=%d failed=%d", r.ok,
             r.failed);
    KT_CHECK(took < 3000, "close took %lld ms", (long long)took);
    rd_kafka_mock_broker_set_up(k->mc, 1);
}

typedef struct tcase { const char *name; void (*fn)(kt_cluster *k); int brokers; } tcase;

static const tcase cases[] = {
    { "basic", test_basic, 1 },
    { "faults", test_faults, 3 },
    { "close", test_close, 1 },
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
