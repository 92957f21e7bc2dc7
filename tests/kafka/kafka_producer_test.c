/* Producer tests against librdkafka's mock cluster: headers and delivery
 * reports, no loss and no reordering within a key while a broker goes down
 * and RTT is added, a bounded close that reports undelivered messages, and
 * sustained failure: a full outage (delivered + spooled = sent), fail-fast
 * with TG_ERR_UNAVAILABLE, a broker-rejected message to the spool and to a
 * fallback topic, a full local queue, and the topicgen-spool replay tool.
 * One case per run (argv[1]); prints "N passed, N failed". */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "kt.h"
#include "tg_metrics.h"
#include "tg_spool.h"

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
        kt_message_key(m, r->key, sizeof r->key);
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
    CHECKF(tg_producer_send(p, &kt_msg_desc, &m, &so, &err) == 0, "send: %s", err.message);
    /* a body larger than the initial 4 KiB encode buffer: the buffer grows */
    static char big[20000];
    memset(big, 'x', sizeof big - 1);
    kt_msg mb = { 8, { "key-8", 5 }, { big, sizeof big - 1 } };
    so.traceparent = NULL;
    so.headers = NULL;
    so.n_headers = 0;
    CHECKF(tg_producer_send(p, &kt_msg_desc, &mb, &so, &err) == 0, "big send: %s", err.message);
    so.traceparent = "00-xyz";
    CHECKF(tg_producer_send(p, &kt_msg_desc, &m, &so, &err) == TG_ERR_ARG,
           "invalid traceparent accepted");
    printf("basic: invalid traceparent -> %s\n", err.message);
    size_t left = 9;
    CHECKF(tg_producer_flush(p, 10000, &left, &err) == 0 && left == 0, "flush left %zu", left);
    CHECKF(r.ok == 2 && r.failed == 0 && r.bad_offset == 0, "reports ok=%d failed=%d", r.ok,
           r.failed);
    CHECKF(r.opaque_mismatch == 0, "msg_opaque not returned");
    CHECKF(tg_producer_close(p, 5000, &left) == 0 && left == 0, "close");
    tg_metrics_snapshot snap;
    tg_metrics_snapshot_get(met, &snap);
    CHECKF(snap.counters[TG_M_DELIVERED] == 2, "delivered metric");
    readback rb;
    memset(&rb, 0, sizeof rb);
    CHECKF(kt_read_all(k, topic, 2, 10000, read_one, &rb) == 2, "read back %d", rb.n);
    printf("basic: headers tg-schema=%s tg-schema-version=%s content-type=%s traceparent=%s\n",
           rb.schema, rb.version, rb.ctype, rb.trace);
    CHECKF(strcmp(rb.schema, "kt.Msg") == 0, "tg-schema %s", rb.schema);
    CHECKF(strcmp(rb.version, "3") == 0, "tg-schema-version %s", rb.version);
    CHECKF(strcmp(rb.ctype, "application/json") == 0, "content-type %s", rb.ctype);
    CHECKF(strcmp(rb.trace, tp) == 0, "traceparent %s", rb.trace);
    CHECKF(strcmp(rb.extra, "yes") == 0, "extra header");
    CHECKF(strcmp(rb.key, "key-7") == 0, "key %s", rb.key);
    CHECKF(rb.big_id == 8 && rb.big_len > sizeof big, "big message intact (%zu bytes)",
           rb.big_len);
    tg_metrics_free(met);
}

/* ---- kafka_producer_headers: tg-schema/-version right for every send ------------ */

/* The producer formats the tg-schema and tg-schema-version texts only when
 * they change between sends: interleave descriptors, and change one in
 * place (same address, other name and version), and check every record. */
#define HDR_N 6

typedef struct hdr_seen {
    int n, unknown;
    char schema[HDR_N][32], version[HDR_N][8];
} hdr_seen;

static void read_hdrs(void *user, const rd_kafka_message_t *m)
{
    hdr_seen *s = user;
    int64_t id = kt_parse_id(m->payload, m->len);
    s->n++;
    if (id < 0 || id >= HDR_N) {
        s->unknown++;
        return;
    }
    kt_header(m, "tg-schema", s->schema[id], sizeof s->schema[id]);
    kt_header(m, "tg-schema-version", s->version[id], sizeof s->version[id]);
}

static void test_headers(kt_cluster *k)
{
    reports r;
    tg_error err;
    char topic[64], dlq_topic[80];
    kt_names(k, "pheaders", topic, sizeof topic, dlq_topic, sizeof dlq_topic);
    memset(&r, 0, sizeof r);
    kt_topic(k, topic, 1);
    tg_producer *p = make_producer(k, &r, NULL, NULL, 0);
    CHECKF(p != NULL, "producer");
    if (!p)
        return;
    char schema[8] = "kt", name[8] = "Msg";
    tg_message_desc d = kt_msg_desc; /* mutable: changed between sends */
    d.schema = schema;
    d.name = name;
    d.version = 9;
    static const struct { const char *schema, *version; } want[HDR_N] = {
        { "kt.Msg", "3" }, { "kt.Union", "1" }, { "kt.Msg", "9" },
        { "kt.Msh", "9" }, { "kt.Msg", "3" },   { "kt2.Msh", "10" },
    };
    tg_send_opts so = tg_send_opts_default();
    so.topic = topic;
    for (int64_t id = 0; id < HDR_N; id++) {
        const tg_message_desc *use = &d;
        if (id == 0 || id == 4)
            use = &kt_msg_desc;
        else if (id == 1)
            use = &kt_union_desc;
        else if (id == 3)
            name[2] = 'h';            /* same pointers, other text */
        else if (id == 5) {
            memcpy(schema, "kt2", 4);
            d.version = 10;
        }
        kt_msg m = { id, { "k", 1 }, { "h", 1 } };
        CHECKF(tg_producer_send(p, use, &m, &so, &err) == 0, "send %d: %s", (int)id,
               err.message);
    }
    size_t left = 9;
    CHECKF(tg_producer_flush(p, 10000, &left, &err) == 0 && left == 0, "flush left %zu", left);
    CHECKF(tg_producer_close(p, 5000, &left) == 0 && left == 0, "close");
    hdr_seen s;
    memset(&s, 0, sizeof s);
    CHECKF(kt_read_all(k, topic, HDR_N, 10000, read_hdrs, &s) == HDR_N && s.unknown == 0,
           "read back %d (unknown %d)", s.n, s.unknown);
    for (int i = 0; i < HDR_N; i++) {
        printf("headers: record %d tg-schema=%s tg-schema-version=%s\n", i, s.schema[i],
               s.version[i]);
        CHECKF(strcmp(s.schema[i], want[i].schema) == 0, "record %d tg-schema %s, want %s", i,
               s.schema[i], want[i].schema);
        CHECKF(strcmp(s.version[i], want[i].version) == 0,
               "record %d tg-schema-version %s, want %s", i, s.version[i], want[i].version);
    }
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
    int64_t t0 = test_now_ms();
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
        test_sleep_ms(60); /* broker 1 is down for about 1 s of sending */
    }
    size_t left = 1;
    int frc = tg_producer_flush(p, 30000, &left, &err);
    int64_t took = test_now_ms() - t0;
    rd_kafka_mock_broker_set_rtt(k->mc, 2, 0);
    tg_producer_close(p, 5000, NULL);
    printf("faults: sent=%d delivered=%d failed=%d undelivered=%zu send_errors=%d in %lld ms\n",
           KEYS * PER_KEY, r.ok, r.failed, left, send_errors, (long long)took);
    CHECKF(send_errors == 0, "send errors %d", send_errors);
    CHECKF(frc == 0 && left == 0, "flush: %zu undelivered", left);
    CHECKF(r.ok == KEYS * PER_KEY && r.failed == 0, "ok=%d failed=%d", r.ok, r.failed);
    order_check o;
    memset(&o, 0, sizeof o);
    kt_read_all(k, "pfaults", KEYS * PER_KEY, 15000, check_order, &o);
    printf("faults: read back %d, out_of_order=%d dups=%d\n", o.total, o.out_of_order, o.dups);
    CHECKF(o.total == KEYS * PER_KEY, "read %d", o.total);
    CHECKF(o.out_of_order == 0 && o.dups == 0, "order per key: gaps %d dups %d",
           o.out_of_order, o.dups);
    for (int key = 0; key < KEYS; key++)
        CHECKF(o.next[key] == PER_KEY, "key %d ends at %lld", key, (long long)o.next[key]);
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
        CHECKF(tg_producer_send(p, &kt_msg_desc, &m, &so, &err) == 0, "send: %s", err.message);
    size_t left = 0;
    CHECKF(tg_producer_flush(p, 300, &left, &err) == TG_ERR_TIMEOUT && left == 5,
           "flush left %zu", left);
    int64_t t0 = test_now_ms();
    int rc = tg_producer_close(p, 500, &left);
    int64_t took = test_now_ms() - t0;
    printf("close: rc=%d undelivered=%zu error reports=%d (retriable %d) in %lld ms\n", rc, left,
           r.failed, r.retriable, (long long)took);
    CHECKF(rc == TG_ERR_TIMEOUT && left == 5, "close rc %d left %zu", rc, left);
    CHECKF(r.ok == 1 && r.failed == 5 && r.retriable == 5, "reports ok=%d failed=%d", r.ok,
           r.failed);
    CHECKF(took < 3000, "close took %lld ms", (long long)took);
    rd_kafka_mock_broker_set_up(k->mc, 1);
}

/* ---- sustained failure: outage, fail-fast, fallback, replay ------------------- */

#define MAX_IDS 4096

/* Delivery reports of the failure cases, by message id (msg_opaque). */
typedef struct outcome {
    int ok, spooled, dlq, lost, refused;
    unsigned char state[MAX_IDS];   /* 0 none, 1 delivered, 2 spooled, 3 dlq, 4 lost */
    char last_error[200];
} outcome;

static void on_outcome(void *user, const tg_delivery *d)
{
    outcome *o = user;
    intptr_t id = (intptr_t)d->msg_opaque;
    unsigned char st = 4;
    if (d->err == 0) {
        o->ok++;
        st = 1;
    } else if (d->fallback == TG_FALLBACK_SPOOL) {
        o->spooled++;
        st = 2;
    } else if (d->fallback == TG_FALLBACK_DLQ) {
        o->dlq++;
        st = 3;
    } else {
        o->lost++;
    }
    o->refused += d->refused;
    if (d->err)
        snprintf(o->last_error, sizeof o->last_error, "%s", d->error);
    if (id >= 0 && id < MAX_IDS)
        o->state[id] = st;
}

static tg_producer *outcome_producer(kt_cluster *k, outcome *o, tg_metrics *m,
                                     const char *const *extra, size_t n)
{
    tg_error err;
    tg_config *pc = kt_producer_config(k, extra, n);
    tg_logger quiet = { tg_log_stderr_sink, NULL,
                        getenv("KT_DEBUG") ? TG_LOG_DEBUG : TG_LOG_ERROR };
    tg_producer_opts opts = { on_outcome, o, &quiet, m };
    tg_producer *p = pc ? tg_producer_new(pc, &opts, &err) : NULL;
    if (!p)
        fprintf(stderr, "producer: %s\n", pc ? err.message : "config");
    tg_config_free(pc);
    return p;
}

static void spool_path_for(const char *name, char *buf, size_t cap)
{
    snprintf(buf, cap, "/tmp/tg-spool-test-%ld-%s.spool", (long)getpid(), name);
    (void)unlink(buf);
}

static int send_id(tg_producer *p, const char *topic, intptr_t id, tg_error *err)
{
    char ks[16];
    snprintf(ks, sizeof ks, "k%d", (int)(id % 7));
    kt_msg m = { (int64_t)id, { ks, strlen(ks) }, { "during-outage", 13 } };
    tg_send_opts so = tg_send_opts_default();
    so.topic = topic;
    so.msg_opaque = (void *)id;
    return tg_producer_send(p, &kt_msg_desc, &m, &so, err);
}

static void set_all_brokers(kt_cluster *k, int n, bool up)
{
    for (int b = 1; b <= n; b++) {
        if (up)
            rd_kafka_mock_broker_set_up(k->mc, b);
        else
            rd_kafka_mock_broker_set_down(k->mc, b);
    }
}

/* Ids seen in a topic or a spool file. */
typedef struct idset {
    unsigned char seen[MAX_IDS];
    int n, dups, foreign, with_schema;
} idset;

static void idset_add(idset *s, int64_t id)
{
    if (id < 0 || id >= MAX_IDS) {
        s->foreign++;
        return;
    }
    s->dups += s->seen[id] != 0;
    s->seen[id] = 1;
    s->n++;
}

static void read_ids(void *user, const rd_kafka_message_t *m)
{
    idset *s = user;
    char schema[32];
    kt_header(m, "tg-schema", schema, sizeof schema);
    s->with_schema += strcmp(schema, "kt.Msg") == 0;
    idset_add(s, kt_parse_id(m->payload, m->len));
}

static int spool_ids(void *user, const tg_spool_record *r)
{
    idset_add(user, kt_parse_id(r->value, r->value_len));
    return 0;
}

#ifdef TOPICGEN_SPOOL_EXE
/* Run `topicgen-spool <args>`, echo its output, return its exit status and
 * whether `expect` appeared in the output. */
static int run_tool(const char *args, const char *expect, bool *seen)
{
    char cmd[1024], line[512];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", TOPICGEN_SPOOL_EXE, args);
    *seen = expect == NULL;
    FILE *f = popen(cmd, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        printf("  | %s", line);
        if (expect && strstr(line, expect))
            *seen = true;
    }
    int st = pclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#endif

#define OUTAGE_N 70
#define OUTAGE_BROKERS 3

/* kafka_producer_outage: every broker down for longer than message.timeout.ms
 * while OUTAGE_N messages are sent: each is either delivered after recovery
 * or spooled, none lost (topic read back + spool read). */
static void test_outage(kt_cluster *k)
{
    outcome *o = calloc(1, sizeof *o);
    tg_error err;
    char spool[128];
    spool_path_for("outage", spool, sizeof spool);
    rd_kafka_mock_topic_create(k->mc, "poutage", 3, 1);
    tg_metrics *met = tg_metrics_new();
    const char *extra[] = { "message.timeout.ms", "2000", "reconnect.backoff.max.ms", "500",
                            "topicgen.producer.fallback", "spool",
                            "topicgen.producer.spool.path", spool,
                            "topicgen.producer.unavailable.ms", "60000" };
    tg_producer *p = outcome_producer(k, o, met, extra, 5);
    CHECKF(send_id(p, "poutage", 1, &err) == 0, "warm-up: %s", err.message);
    CHECKF(tg_producer_flush(p, 10000, NULL, &err) == 0, "warm-up flush: %s", err.message);
    int send_errors = 0;
    int64_t t0 = test_now_ms();
    set_all_brokers(k, OUTAGE_BROKERS, false);
    for (int i = 0; i < OUTAGE_N; i++) {   /* 3.5 s of sending, outage 3.5 s */
        send_errors += send_id(p, "poutage", 1000 + i, &err) != 0;
        tg_producer_poll(p, 0);
        test_sleep_ms(50);
    }
    set_all_brokers(k, OUTAGE_BROKERS, true);
    int64_t outage = test_now_ms() - t0;
    size_t left = 1;
    CHECKF(tg_producer_flush(p, 15000, &left, &err) == 0, "flush: %zu left", left);
    tg_producer_close(p, 5000, NULL);
    int delivered = 0, spooled = 0, lost = 0;
    for (int i = 0; i < OUTAGE_N; i++) {
        delivered += o->state[1000 + i] == 1;
        spooled += o->state[1000 + i] == 2;
        lost += o->state[1000 + i] == 0 || o->state[1000 + i] >= 3;
    }
    idset *topic = calloc(1, sizeof *topic), *file = calloc(1, sizeof *file);
    kt_read_all(k, "poutage", 1 + delivered, 10000, read_ids, topic);
    uint64_t count = 0;
    CHECKF(tg_spool_replay(spool, spool_ids, file, &count, NULL, &err) == 0, "spool: %s",
           err.message);
    int missing = 0, both = 0;
    for (int i = 0; i < OUTAGE_N; i++) {
        missing += !topic->seen[1000 + i] && !file->seen[1000 + i];
        both += topic->seen[1000 + i] && file->seen[1000 + i];
    }
    tg_metrics_snapshot snap;
    tg_metrics_snapshot_get(met, &snap);
    printf("outage: outage %lld ms, sent %d: delivered %d + spooled %d, lost %d "
           "(topic has %d of them, spool file %llu records, missing %d, in both %d); "
           "send errors %d; metrics spooled=%llu fallback=%llu; last error \"%s\"\n",
           (long long)outage, OUTAGE_N, delivered, spooled, lost, topic->n - 1,
           (unsigned long long)count, missing, both, send_errors,
           (unsigned long long)snap.counters[TG_M_SPOOLED],
           (unsigned long long)snap.counters[TG_M_FALLBACK], o->last_error);
    CHECKF(send_errors == 0, "send errors %d", send_errors);
    CHECKF(delivered + spooled == OUTAGE_N && lost == 0, "delivered %d spooled %d lost %d",
           delivered, spooled, lost);
    CHECKF(spooled > 0, "the outage outlasted message.timeout.ms: something must be spooled");
    CHECKF(topic->n == 1 + delivered && topic->dups == 0, "topic %d dups %d", topic->n,
           topic->dups);
    CHECKF((int)count == spooled && file->dups == 0, "spool %llu", (unsigned long long)count);
    CHECKF(missing == 0 && both == 0, "missing %d in both %d", missing, both);
    CHECKF(snap.counters[TG_M_SPOOLED] == (uint64_t)spooled
               && snap.counters[TG_M_FALLBACK] == (uint64_t)spooled, "metrics");
#ifdef TOPICGEN_SPOOL_EXE
    /* replay the spool: now the topic holds every message exactly once */
    char args[512];
    bool seen = false;
    snprintf(args, sizeof args, "replay %s --brokers %s --timeout-ms 20000", spool,
             k->bootstraps);
    CHECKF(run_tool(args, "renamed to", &seen) == 0 && seen, "replay");
    memset(topic, 0, sizeof *topic);
    kt_read_all(k, "poutage", 1 + OUTAGE_N, 10000, read_ids, topic);
    missing = 0;
    for (int i = 0; i < OUTAGE_N; i++)
        missing += !topic->seen[1000 + i];
    printf("outage: after the replay the topic has %d of %d, missing %d, dups %d\n",
           topic->n - 1, OUTAGE_N, missing, topic->dups);
    CHECKF(topic->n == 1 + OUTAGE_N && missing == 0 && topic->dups == 0, "after replay");
    snprintf(args, sizeof args, "rm -f %s.replayed-*", spool);
    CHECKF(system(args) == 0, "cleanup");
#endif
    tg_metrics_free(met);
    free(topic);
    free(file);
    free(o);
    (void)unlink(spool);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* kafka_producer_failfast: the only broker down for 4 s with a 1 s bound and
 * no spool: sends start failing with TG_ERR_UNAVAILABLE about 1 s in, each
 * in microseconds, with a text that says the message was not saved, and
 * counted in topicgen_sends_refused_total; after recovery sends work again;
 * every accepted send gets exactly one report.  (With a spool such sends are
 * spooled instead: kafka_producer_refused.) */
static void test_failfast(kt_cluster *k)
{
    outcome *o = calloc(1, sizeof *o);
    tg_error err;
    tg_metrics *met = tg_metrics_new();
    kt_topic(k, "pfailfast", 1);
    const char *extra[] = { "message.timeout.ms", "1500", "reconnect.backoff.max.ms", "300",
                            "topicgen.producer.unavailable.ms", "1000" };
    tg_producer *p = outcome_producer(k, o, met, extra, 3);
    bool says_unsaved = false;
    CHECKF(send_id(p, "pfailfast", 1, &err) == 0, "warm-up: %s", err.message);
    CHECKF(tg_producer_flush(p, 10000, NULL, &err) == 0, "warm-up flush: %s", err.message);
    static int64_t us[1000];
    int64_t t0 = test_now_ms(), first_unavail = -1, max_us = 0;
    int accepted = 0, unavailable = 0, other = 0;
    intptr_t id = 100;
    rd_kafka_mock_broker_set_down(k->mc, 1);
    while (test_now_ms() - t0 < 4000 && id < 1000) {
        int64_t c0 = test_now_us();
        int rc = send_id(p, "pfailfast", id++, &err);
        int64_t took = test_now_us() - c0;
        if (rc == TG_ERR_UNAVAILABLE) {
            if (first_unavail < 0) {
                first_unavail = test_now_ms() - t0;
                printf("failfast: first error: %s (%s)\n", tg_error_code_name(rc), err.message);
                says_unsaved = strstr(err.message, "NOT sent and NOT spooled") != NULL;
            }
            us[unavailable++] = took;
            max_us = took > max_us ? took : max_us;
        } else {
            accepted += rc == 0;
            other += rc != 0;
        }
        tg_producer_poll(p, 0);     /* reports (and their spool appends) are served here */
        test_sleep_ms(10);
    }
    rd_kafka_mock_broker_set_up(k->mc, 1);
    int64_t up = test_now_ms(), recovered = -1;
    int after = 0, refused_after = 0;
    while (test_now_ms() - up < 10000 && id < MAX_IDS) { /* until a send is accepted + delivered */
        int rc = send_id(p, "pfailfast", id++, &err);
        after += rc == 0;
        refused_after += rc == TG_ERR_UNAVAILABLE;
        tg_producer_poll(p, 20);
        if (rc == 0 && o->ok > 1) {
            recovered = test_now_ms() - up;
            break;
        }
    }
    size_t left = 1;
    CHECKF(tg_producer_flush(p, 10000, &left, &err) == 0, "flush: %zu left", left);
    tg_producer_close(p, 5000, NULL);
    qsort(us, (size_t)unavailable, sizeof us[0], cmp_i64);
    int64_t p50 = unavailable ? us[unavailable / 2] : -1;
    int64_t p99 = unavailable ? us[unavailable * 99 / 100] : -1;
    printf("failfast: bound 1000 ms; first TG_ERR_UNAVAILABLE %lld ms after the broker went "
           "down; %d sends failed fast (p50 %lld us, p99 %lld us, max %lld us: a call may also "
           "serve queued reports and their fsync'd spool appends), %d accepted during the "
           "outage; recovered %lld ms after the broker came back; reports ok=%d spooled=%d "
           "failed=%d\n", (long long)first_unavail, unavailable, (long long)p50, (long long)p99,
           (long long)max_us, accepted, (long long)recovered, o->ok, o->spooled, o->lost);
    CHECKF(first_unavail >= 1000 && first_unavail < 3000, "first unavailable at %lld ms",
           (long long)first_unavail);
    CHECKF(unavailable > 50 && other == 0, "unavailable %d other %d", unavailable, other);
    CHECKF(p50 >= 0 && p50 < 1000, "median fail-fast send %lld us", (long long)p50);
    CHECKF(max_us < 1000000, "a fail-fast send took %lld us", (long long)max_us);
    CHECKF(recovered >= 0, "sends did not recover within 10 s");
    CHECKF(says_unsaved, "the refusal does not say the message was not saved");
    tg_metrics_snapshot snap;
    tg_metrics_snapshot_get(met, &snap);
    CHECKF(snap.counters[TG_M_REFUSED] == (uint64_t)(unavailable + refused_after),
           "refused metric %llu, %d+%d refusals", (unsigned long long)snap.counters[TG_M_REFUSED],
           unavailable, refused_after);
    CHECKF(o->refused == 0 && o->spooled == 0 && o->ok + o->lost == accepted + after + 1,
           "ok %d failed %d refused %d, accepted %d+%d", o->ok, o->lost, o->refused, accepted,
           after);
    tg_metrics_free(met);
    free(o);
}

/* kafka_producer_toolarge: the broker rejects a message as too large (its
 * max.message.bytes below ours): with fallback=spool it is spooled, with
 * fallback=dlq its copy lands in the fallback topic with the original's
 * headers; a full local queue is TG_ERR_QUEUE_FULL. */
static void test_toolarge(kt_cluster *k)
{
    outcome *o = calloc(1, sizeof *o);
    tg_error err;
    char spool[128];
    spool_path_for("toolarge", spool, sizeof spool);
    kt_topic(k, "plarge", 1);
    kt_topic(k, "plarge.fallback", 1);
    const char *sp[] = { "topicgen.producer.fallback", "spool", "topicgen.producer.spool.path",
                         spool };
    tg_producer *p = outcome_producer(k, o, NULL, sp, 2);
    CHECKF(send_id(p, "plarge", 1, &err) == 0, "warm-up: %s", err.message);
    tg_producer_flush(p, 10000, NULL, &err);
    /* ApiKey 0 = Produce: the next produce request is answered MESSAGE_TOO_LARGE */
    rd_kafka_mock_push_request_errors(k->mc, 0, 1, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
    CHECKF(send_id(p, "plarge", 2, &err) == 0, "send: %s", err.message);
    tg_producer_flush(p, 10000, NULL, &err);
    tg_producer_close(p, 5000, NULL);
    printf("toolarge: spool: report %s (\"%s\")\n",
           o->state[2] == 2 ? "spooled" : "NOT spooled", o->last_error);
    CHECKF(o->state[2] == 2, "too-large message state %d", o->state[2]);
    idset *file = calloc(1, sizeof *file);
    CHECKF(tg_spool_replay(spool, spool_ids, file, NULL, NULL, &err) == 0 && file->n == 1
               && file->seen[2], "spool holds id 2 (%d records)", file->n);
    /* the same with a fallback topic */
    const char *dq[] = { "topicgen.producer.fallback", "dlq", "topicgen.producer.fallback.topic",
                         "plarge.fallback" };
    memset(o, 0, sizeof *o);
    p = outcome_producer(k, o, NULL, dq, 2);
    CHECKF(send_id(p, "plarge", 1, &err) == 0, "warm-up: %s", err.message);
    tg_producer_flush(p, 10000, NULL, &err);
    rd_kafka_mock_push_request_errors(k->mc, 0, 1, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
    CHECKF(send_id(p, "plarge", 3, &err) == 0, "send: %s", err.message);
    tg_producer_flush(p, 10000, NULL, &err);
    tg_producer_close(p, 5000, NULL);
    idset *dlq = calloc(1, sizeof *dlq);
    kt_read_all(k, "plarge.fallback", 1, 10000, read_ids, dlq);
    printf("toolarge: dlq: report %s, fallback topic has %d record(s), tg-schema kept %d\n",
           o->state[3] == 3 ? "fallback" : "NOT fallback", dlq->n, dlq->with_schema);
    CHECKF(o->state[3] == 3 && o->dlq == 1, "too-large message state %d", o->state[3]);
    CHECKF(dlq->n == 1 && dlq->seen[3] && dlq->with_schema == 1, "fallback topic");
    /* a full local queue: messages linger, the 4th does not fit */
    const char *q[] = { "queue.buffering.max.messages", "3", "linger.ms", "10000" };
    memset(o, 0, sizeof *o);
    p = outcome_producer(k, o, NULL, q, 2);
    int rc = 0;
    for (intptr_t i = 10; i < 14 && rc == 0; i++)
        rc = send_id(p, "plarge", i, &err);
    printf("toolarge: queue of 3: 4th send -> %s (%s)\n", tg_error_code_name(rc), err.message);
    CHECKF(rc == TG_ERR_QUEUE_FULL, "full queue rc %d", rc);
    tg_producer_close(p, 5000, NULL);
    free(file);
    free(dlq);
    free(o);
    (void)unlink(spool);
}

#ifdef TOPICGEN_SPOOL_EXE
typedef struct replayed {
    int n, extra_ok, schema_ok, ts_ok, dups;
    unsigned char seen[64];
    int64_t ts[64];
} replayed;

static void read_replayed(void *user, const rd_kafka_message_t *m)
{
    replayed *r = user;
    char v[32];
    rd_kafka_timestamp_type_t tt;
    int64_t id = kt_parse_id(m->payload, m->len);
    r->n++;
    if (id < 0 || id >= 64)
        return;
    r->dups += r->seen[id];
    r->seen[id] = 1;
    kt_header(m, "x-extra", v, sizeof v);
    r->extra_ok += strcmp(v, "kept") == 0;
    kt_header(m, "tg-schema", v, sizeof v);
    r->schema_ok += strcmp(v, "kt.Msg") == 0;
    r->ts_ok += rd_kafka_message_timestamp(m, &tt) == r->ts[id];
}

#define REPLAY_N 20

/* kafka_producer_replay: messages spooled during an outage are replayed by
 * topicgen-spool into the topic with headers and timestamps intact, the
 * file is renamed, a second replay refuses. */
static void test_replay(kt_cluster *k)
{
    outcome *o = calloc(1, sizeof *o);
    replayed *rb = calloc(1, sizeof *rb);
    tg_error err;
    char spool[128], args[512];
    bool seen = false;
    spool_path_for("replay", spool, sizeof spool);
    kt_topic(k, "preplay", 2);
    const char *extra[] = { "message.timeout.ms", "1000", "topicgen.producer.fallback", "spool",
                            "topicgen.producer.spool.path", spool };
    tg_producer *p = outcome_producer(k, o, NULL, extra, 3);
    rd_kafka_mock_broker_set_down(k->mc, 1);
    tg_header h = { "x-extra", "kept", 4 };
    for (intptr_t id = 0; id < REPLAY_N; id++) {
        kt_msg m = { (int64_t)id, { "rk", 2 }, { "replay-me", 9 } };
        tg_send_opts so = tg_send_opts_default();
        so.topic = "preplay";
        so.headers = &h;
        so.n_headers = 1;
        so.msg_opaque = (void *)id;
        so.timestamp_ms = 1700000000000LL + id;
        rb->ts[id] = so.timestamp_ms;
        CHECKF(tg_producer_send(p, &kt_msg_desc, &m, &so, &err) == 0, "send: %s",
               err.message);
    }
    tg_producer_flush(p, 8000, NULL, &err);
    tg_producer_close(p, 2000, NULL);
    rd_kafka_mock_broker_set_up(k->mc, 1);
    printf("replay: %d spooled during the outage\n", o->spooled);
    CHECKF(o->spooled == REPLAY_N, "spooled %d", o->spooled);
    snprintf(args, sizeof args, "list %s", spool);
    CHECKF(run_tool(args, "20 record(s)", &seen) == 0 && seen, "list");
    snprintf(args, sizeof args, "replay %s --brokers %s --timeout-ms 20000", spool,
             k->bootstraps);
    int64_t t0 = test_now_ms();
    CHECKF(run_tool(args, "renamed to", &seen) == 0 && seen, "replay");
    printf("replay: took %lld ms\n", (long long)(test_now_ms() - t0));
    CHECKF(access(spool, F_OK) != 0, "spool file still there after the replay");
    kt_read_all(k, "preplay", REPLAY_N, 10000, read_replayed, rb);
    printf("replay: topic has %d record(s), x-extra kept %d, tg-schema kept %d, timestamps "
           "kept %d, dups %d\n", rb->n, rb->extra_ok, rb->schema_ok, rb->ts_ok, rb->dups);
    CHECKF(rb->n == REPLAY_N && rb->dups == 0, "read back %d", rb->n);
    CHECKF(rb->extra_ok == REPLAY_N && rb->schema_ok == REPLAY_N, "headers");
    CHECKF(rb->ts_ok == REPLAY_N, "timestamps");
    CHECKF(run_tool(args, "already replayed", &seen) == 1 && seen, "second replay refused");
    char rm[300];   /* the renamed file */
    snprintf(rm, sizeof rm, "rm -f %s.replayed-*", spool);
    CHECKF(system(rm) == 0, "cleanup");
    free(rb);
    free(o);
}
#endif

#define REFUSED_MAX 3000
#define REFUSED_OUTAGE_MS 10000

/* kafka_producer_refused (issue 14, failure mode 5): the only broker down
 * for 10 s under load, with a spool and a 1 s fail-fast bound.  Sends
 * refused because no broker is reachable are spooled and reported so
 * (return 0, then a report with refused = true and fallback = spool):
 * sent = acknowledged + spooled, nothing lost, and after `topicgen-spool
 * replay` the topic holds every id exactly once. */
static void test_refused(kt_cluster *k)
{
    outcome *o = calloc(1, sizeof *o);
    tg_metrics *met = tg_metrics_new();
    tg_error err;
    char spool[128];
    spool_path_for("refused", spool, sizeof spool);
    kt_topic(k, "prefused", 2);
    const char *extra[] = { "message.timeout.ms", "30000", "reconnect.backoff.max.ms", "300",
                            "topicgen.producer.fallback", "spool",
                            "topicgen.producer.spool.path", spool,
                            "topicgen.producer.unavailable.ms", "1000" };
    tg_producer *p = outcome_producer(k, o, met, extra, 5);
    CHECKF(send_id(p, "prefused", 1, &err) == 0, "warm-up: %s", err.message);
    CHECKF(tg_producer_flush(p, 10000, NULL, &err) == 0, "warm-up flush: %s", err.message);
    int sent = 0, send_errors = 0, last_rc = 0;
    int64_t t0 = test_now_ms();
    rd_kafka_mock_broker_set_down(k->mc, 1);
    for (intptr_t id = 1000; id < 1000 + REFUSED_MAX; id++) { /* ~3 ms a send */
        if (test_now_ms() - t0 >= REFUSED_OUTAGE_MS)
            break;
        int rc = send_id(p, "prefused", id, &err);
        sent += rc == 0;
        if (rc) {
            send_errors++;
            last_rc = rc;
        }
        tg_producer_poll(p, 0);
        test_sleep_ms(3);
    }
    rd_kafka_mock_broker_set_up(k->mc, 1);
    int64_t outage = test_now_ms() - t0;
    size_t left = 1;
    CHECKF(tg_producer_flush(p, 30000, &left, &err) == 0, "flush: %zu left", left);
    tg_producer_close(p, 5000, NULL);
    int delivered = 0, spooled = 0, lost = 0, unreported = 0;
    for (int i = 1000; i < 1000 + REFUSED_MAX; i++) {
        delivered += o->state[i] == 1;
        spooled += o->state[i] == 2;
        lost += o->state[i] >= 3;
    }
    unreported = sent - delivered - spooled - lost;
    tg_metrics_snapshot snap;
    tg_metrics_snapshot_get(met, &snap);
    printf("refused: outage %lld ms, sent %d (send errors %d, last %s: %s): acknowledged %d + "
           "spooled %d (of which refused at send %d), lost %d, without a report %d; metrics "
           "spooled=%llu\n", (long long)outage, sent, send_errors, tg_error_code_name(last_rc),
           send_errors ? err.message : "", delivered, spooled, o->refused, lost, unreported,
           (unsigned long long)snap.counters[TG_M_SPOOLED]);
    CHECKF(send_errors == 0, "%d sends returned an error with a spool configured", send_errors);
    CHECKF(sent > 1000, "only %d sent in the outage", sent);
    CHECKF(delivered + spooled == sent && lost == 0, "acknowledged %d + spooled %d != sent %d "
           "(lost %d)", delivered, spooled, sent, lost);
    CHECKF(o->refused > 0, "no send was refused: the outage did not outlast the bound");
    CHECKF(snap.counters[TG_M_SPOOLED] == (uint64_t)spooled, "metrics spooled");
    idset *file = calloc(1, sizeof *file);
    uint64_t count = 0;
    CHECKF(tg_spool_replay(spool, spool_ids, file, &count, NULL, &err) == 0, "spool: %s",
           err.message);
    CHECKF((int)count == spooled && file->dups == 0, "spool file %llu records, spooled %d",
           (unsigned long long)count, spooled);
#ifdef TOPICGEN_SPOOL_EXE
    char args[512];
    bool seen = false;
    snprintf(args, sizeof args, "replay %s --brokers %s --timeout-ms 30000", spool,
             k->bootstraps);
    CHECKF(run_tool(args, "renamed to", &seen) == 0 && seen, "replay");
    idset *topic = calloc(1, sizeof *topic);
    kt_read_all(k, "prefused", 1 + sent, 20000, read_ids, topic);
    int missing = 0;
    for (int i = 1000; i < 1000 + sent; i++)
        missing += !topic->seen[i];
    printf("refused: after the replay the topic has %d of %d sent, missing %d, dups %d\n",
           topic->n - 1, sent, missing, topic->dups);
    CHECKF(topic->n == 1 + sent && missing == 0 && topic->dups == 0, "after replay");
    snprintf(args, sizeof args, "rm -f %s.replayed-*", spool);
    CHECKF(system(args) == 0, "cleanup");
    free(topic);
#endif
    free(file);
    tg_metrics_free(met);
    free(o);
    (void)unlink(spool);
}

/* kafka_producer_fresh (issue 14, failure mode 5): the producer's view of
 * the brokers is fresh once one answers again.  The broker goes down until
 * sends fail fast; it comes back, but answers the pending message's Produce
 * request only after 5 s.  Sends made while that answer is outstanding must
 * be accepted: a broker is reachable, whatever the delivery reports say. */
static void test_fresh(kt_cluster *k)
{
    outcome *o = calloc(1, sizeof *o);
    tg_error err;
    kt_topic(k, "pfresh", 1);
    const char *extra[] = { "message.timeout.ms", "30000", "reconnect.backoff.max.ms", "200",
                            "topicgen.producer.unavailable.ms", "500" };
    tg_producer *p = outcome_producer(k, o, NULL, extra, 3);
    CHECKF(send_id(p, "pfresh", 1, &err) == 0, "warm-up: %s", err.message);
    CHECKF(tg_producer_flush(p, 10000, NULL, &err) == 0, "warm-up flush: %s", err.message);
    rd_kafka_mock_broker_set_down(k->mc, 1);
    int64_t t0 = test_now_ms();
    int rc = 0;
    intptr_t id = 2;
    while (test_now_ms() - t0 < 5000 && rc != TG_ERR_UNAVAILABLE) {
        rc = send_id(p, "pfresh", id++, &err);
        tg_producer_poll(p, 50);
    }
    CHECKF(rc == TG_ERR_UNAVAILABLE, "no fail-fast within 5 s of the outage");
    /* ApiKey 0 = Produce: the next Produce request is answered after 5 s */
    rd_kafka_mock_broker_push_request_error_rtts(k->mc, 1, 0, 1, RD_KAFKA_RESP_ERR_NO_ERROR,
                                                 5000);
    rd_kafka_mock_broker_set_up(k->mc, 1);
    int64_t up = test_now_ms(), accepted_at = -1;
    char stale[256] = "";
    while (test_now_ms() - up < 4000) {
        rc = send_id(p, "pfresh", id++, &err);
        if (rc == 0) {
            accepted_at = test_now_ms() - up;
            break;
        }
        snprintf(stale, sizeof stale, "%s", err.message);
        tg_producer_poll(p, 50);
    }
    printf("fresh: broker back; first send accepted %lld ms later, before the pending answer "
           "(5000 ms); last refusal \"%s\"; reports ok %d so far\n", (long long)accepted_at,
           stale, o->ok);
    CHECKF(accepted_at >= 0 && accepted_at < 3000, "sends still refused %lld ms after the broker "
           "came back: \"%s\"", (long long)(test_now_ms() - up), stale);
    size_t left = 1;
    CHECKF(tg_producer_flush(p, 20000, &left, &err) == 0, "flush: %zu left", left);
    CHECKF(o->lost == 0, "lost %d", o->lost);
    tg_producer_close(p, 5000, NULL);
    free(o);
}

static const kt_case cases[] = {
    KT_CASE("basic", test_basic, 1),
    KT_CASE("headers", test_headers, 1),
    KT_CASE("faults", test_faults, 3),
    KT_CASE("close", test_close, 1),
    KT_CASE("outage", test_outage, OUTAGE_BROKERS),
    KT_CASE("failfast", test_failfast, 1),
    KT_CASE("toolarge", test_toolarge, 1),
    KT_CASE_MOCK("refused", test_refused, 1),
    KT_CASE_MOCK("fresh", test_fresh, 1),
#ifdef TOPICGEN_SPOOL_EXE
    KT_CASE("replay", test_replay, 1),
#endif
};

int main(int argc, char **argv)
{
    return KT_MAIN(argc, argv, cases);
}
