/* crm_peer: the C side of the C <-> Python tests on the real broker
 * (tests/crosslang/crosslang.py drives it; issue 17).  Built on the
 * generated crm codecs and typed Kafka wrappers (generated-example/).
 *
 *   crm_peer consume BOOTSTRAP TOPIC GROUP EXPECTED OUT
 *       crm_InboundMessage_consume on TOPIC (topicgen.schema.check=require)
 *       until EXPECTED records were handled or dead-lettered, or 90 s
 *       passed (exit 0 when exactly EXPECTED were).  For each handled
 *       record, one line in OUT:
 *           <id> TAB <trace id or -> TAB <key ok: 1/0> TAB <JSON>
 *       id from message_id "msg-<id>", JSON the union re-encoded by the
 *       generated encoder.  Then on stdout one line of counts:
 *           consumed=N processed=N dead_lettered=N retried=N encode_errors=N
 *   crm_peer produce BOOTSTRAP TOPIC IN SEED
 *       IN holds lines "<traceparent> TAB <JSON of an InboundMessage>";
 *       each is decoded by the generated decoder into the C struct and
 *       sent with crm_InboundMessage_send (idempotent producer, the
 *       traceparent forwarded).  A form_submitted with a score gets a new
 *       one from a C generator seeded with SEED, so the C encoder's number
 *       text is what Python reads.  Then on stdout:
 *           sent=N delivered=N failed=N decode_errors=N undelivered=N c_scores=N
 *       (c_scores: the scores the C generator wrote)
 *
 * Invariants: every loop is bounded (EXPECTED records or a deadline; the
 * input's lines); exit 0 only when the counts are complete (the driver
 * checks them again, by id). */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crm.h"
#include "crm_kafka.h"
#include "tg_config.h"
#include "tg_consumer.h"
#include "tg_metrics.h"
#include "tg_producer.h"

#define ENCODE_CAP (1u << 20)
#define ARENA_CAP (4u << 20)
#define CONSUME_DEADLINE_MS 90000

static int64_t now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fail(const char *what, const tg_error *err)
{
    fprintf(stderr, "crm_peer: %s: %s\n", what, err ? err->message : "");
    return 2;
}

/* ---- consume ----------------------------------------------------------- */

typedef struct sink {
    FILE *out;
    char *buf;               /* ENCODE_CAP bytes, the re-encoding */
    unsigned long encode_errors;
} sink;

/* "msg-<digits>" -> id, -1 when message_id has another form. */
static long id_of(tg_str message_id)
{
    if (message_id.len < 5 || message_id.len > 14 || memcmp(message_id.ptr, "msg-", 4) != 0)
        return -1;
    long id = 0;
    for (size_t i = 4; i < message_id.len; i++) {
        if (message_id.ptr[i] < '0' || message_id.ptr[i] > '9')
            return -1;
        id = id * 10 + (message_id.ptr[i] - '0');
    }
    return id;
}

/* One line for the handled union value u (its variant's ids passed apart). */
static tg_result record(sink *s, const crm_InboundMessage *u, tg_str message_id,
                        tg_str customer_id, const tg_msg_meta *meta)
{
    size_t len = 0;
    if (crm_InboundMessage_encode(u, s->buf, ENCODE_CAP, &len) != TG_JSON_OK) {
        s->encode_errors++;
        return TG_OK;    /* counted: the driver fails the test */
    }
    int key_ok = meta->key && meta->key_len == customer_id.len
                 && memcmp(meta->key, customer_id.ptr, customer_id.len) == 0;
    fprintf(s->out, "%ld\t%s\t%d\t", id_of(message_id),
            meta->trace.valid ? meta->trace.trace_id : "-", key_ok);
    fwrite(s->buf, 1, len, s->out);
    fputc('\n', s->out);
    return TG_OK;
}

static tg_result on_email(void *user, const crm_EmailReceived *msg, const tg_msg_meta *meta)
{
    crm_InboundMessage u = { .kind = crm_InboundMessage_EMAIL_RECEIVED };
    u.as.email_received = *msg;
    return record(user, &u, msg->message_id, msg->customer_id, meta);
}

static tg_result on_whatsapp(void *user, const crm_WhatsappReceived *msg, const tg_msg_meta *meta)
{
    crm_InboundMessage u = { .kind = crm_InboundMessage_WHATSAPP_RECEIVED };
    u.as.whatsapp_received = *msg;
    return record(user, &u, msg->message_id, msg->customer_id, meta);
}

static tg_result on_form(void *user, const crm_FormSubmitted *msg, const tg_msg_meta *meta)
{
    crm_InboundMessage u = { .kind = crm_InboundMessage_FORM_SUBMITTED };
    u.as.form_submitted = *msg;
    return record(user, &u, msg->message_id, msg->customer_id, meta);
}

static tg_consumer *make_consumer(const char *bootstrap, const char *group, tg_metrics *m,
                                  tg_error *err)
{
    const char *kv[] = { "bootstrap.servers", bootstrap, "group.id", group,
                         "client.id", "crm-peer", "session.timeout.ms", "6000",
                         "topicgen.schema.check", "require",
                         "topicgen.commit.interval.ms", "500" };
    tg_config *conf = tg_config_new(TG_CONFIG_CONSUMER, err);
    tg_consumer_opts co = { .metrics = m };
    tg_consumer *c = NULL;
    if (conf && tg_config_set_pairs(conf, kv, sizeof kv / sizeof kv[0] / 2, err) == 0)
        c = tg_consumer_new(conf, &co, err);
    tg_config_free(conf);
    return c;
}

static int consume_main(const char *bootstrap, const char *topic, const char *group,
                        unsigned long expected, const char *out_path)
{
    tg_error err = { 0 };
    sink s = { fopen(out_path, "w"), malloc(ENCODE_CAP), 0 };
    tg_metrics *m = tg_metrics_new();
    if (!s.out || !s.buf || !m)
        return fail("out of memory or cannot open the output", NULL);
    tg_consumer *c = make_consumer(bootstrap, group, m, &err);
    crm_InboundMessage_routes routes = { .on_email_received = on_email,
                                         .on_whatsapp_received = on_whatsapp,
                                         .on_form_submitted = on_form, .user = &s };
    if (!c || crm_InboundMessage_consume(c, topic, &routes, &err) != 0)
        return fail("consumer", &err);
    tg_metrics_snapshot snap;
    int rc = 0;
    for (int64_t deadline = now_ms() + CONSUME_DEADLINE_MS; now_ms() < deadline;) {
        if ((rc = tg_consumer_poll(c, 200, &err)) != 0)
            break;
        tg_metrics_snapshot_get(m, &snap);
        if (snap.counters[TG_M_PROCESSED] + snap.counters[TG_M_DEAD_LETTERED] >= expected)
            break;
    }
    if (rc)
        fprintf(stderr, "crm_peer: poll: %s\n", err.message);
    if (tg_consumer_close(c, &err) != 0)
        fprintf(stderr, "crm_peer: close: %s\n", err.message);
    tg_consumer_free(c);
    tg_metrics_snapshot_get(m, &snap);
    printf("consumed=%llu processed=%llu dead_lettered=%llu retried=%llu encode_errors=%lu\n",
           (unsigned long long)snap.counters[TG_M_CONSUMED],
           (unsigned long long)snap.counters[TG_M_PROCESSED],
           (unsigned long long)snap.counters[TG_M_DEAD_LETTERED],
           (unsigned long long)snap.counters[TG_M_RETRIED], s.encode_errors);
    bool complete = snap.counters[TG_M_PROCESSED] + snap.counters[TG_M_DEAD_LETTERED] == expected
                    && s.encode_errors == 0;
    fclose(s.out);
    free(s.buf);
    tg_metrics_free(m);
    return rc == 0 && complete ? 0 : 1;
}

/* ---- produce ----------------------------------------------------------- */

typedef struct tally {
    unsigned long delivered, failed;
} tally;

static void on_delivery(void *user, const tg_delivery *d)
{
    tally *t = user;
    if (d->err)
        t->failed++;
    else
        t->delivered++;
}

/* xorshift64*: the C side's own doubles in [0, 1). */
static double next_unit(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return (double)((*state * 0x2545F4914F6CDD1DULL) >> 11) * 0x1p-53;
}

static tg_producer *make_producer(const char *bootstrap, tally *t, tg_error *err)
{
    tg_config *conf = tg_config_new(TG_CONFIG_PRODUCER, err);
    tg_producer_opts po = { .on_delivery = on_delivery, .user = t };
    tg_producer *p = NULL;
    if (conf && tg_config_set(conf, "bootstrap.servers", bootstrap, err) == 0
        && tg_config_set(conf, "client.id", "crm-peer", err) == 0)
        p = tg_producer_new(conf, &po, err);
    tg_config_free(conf);
    return p;
}

/* Decode line (traceparent TAB json) and send it; false on a decode error.
 * counts[0]: records sent, counts[1]: scores replaced. */
static bool send_line(tg_producer *p, const char *topic, char *line, size_t len,
                      unsigned char *arena_buf, uint64_t *rng, unsigned long *counts,
                      tg_error *err)
{
    char *tab = memchr(line, '\t', len);
    if (!tab)
        return false;
    *tab = '\0';
    const char *json = tab + 1;
    size_t json_len = len - (size_t)(json - line);
    tg_arena arena;
    tg_arena_init(&arena, arena_buf, ARENA_CAP);
    crm_InboundMessage msg;
    tg_json_error e[1];
    tg_json_errors errors = { e, 1, 0, 0 };
    if (crm_InboundMessage_decode(&msg, json, json_len, &arena, &errors) != TG_JSON_OK) {
        char text[512];
        (void)tg_json_error_format(&e[0], text, sizeof text);
        fprintf(stderr, "crm_peer: decode: %s\n", text);
        return false;
    }
    if (msg.kind == crm_InboundMessage_FORM_SUBMITTED && msg.as.form_submitted.has_score) {
        msg.as.form_submitted.score = next_unit(rng);
        counts[1]++;
    }
    tg_send_opts o = tg_send_opts_default();
    o.topic = topic;
    o.traceparent = line;
    if (crm_InboundMessage_send(p, &msg, &o, err) != 0)
        return false;
    counts[0]++;
    return true;
}

static int produce_main(const char *bootstrap, const char *topic, const char *in_path,
                        uint64_t seed)
{
    tg_error err = { 0 };
    tally t = { 0, 0 };
    FILE *in = fopen(in_path, "r");
    unsigned char *arena_buf = malloc(ARENA_CAP);
    tg_producer *p = in && arena_buf ? make_producer(bootstrap, &t, &err) : NULL;
    if (!p)
        return fail("producer (or the input, or memory)", &err);
    uint64_t rng = seed | 1;
    unsigned long counts[2] = { 0, 0 }, decode_errors = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, in)) > 0) {
        size_t len = (size_t)n - (line[n - 1] == '\n');
        err.message[0] = '\0';
        if (!send_line(p, topic, line, len, arena_buf, &rng, counts, &err)) {
            decode_errors++;
            if (err.message[0])
                fprintf(stderr, "crm_peer: send: %s\n", err.message);
        }
    }
    size_t undelivered = 0;
    (void)tg_producer_close(p, 60000, &undelivered);
    printf("sent=%lu delivered=%lu failed=%lu decode_errors=%lu undelivered=%zu c_scores=%lu\n",
           counts[0], t.delivered, t.failed, decode_errors, undelivered, counts[1]);
    free(line);
    free(arena_buf);
    fclose(in);
    return decode_errors == 0 && t.failed == 0 && undelivered == 0 && t.delivered == counts[0]
           ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 7 && strcmp(argv[1], "consume") == 0)
        return consume_main(argv[2], argv[3], argv[4], strtoul(argv[5], NULL, 10), argv[6]);
    if (argc == 6 && strcmp(argv[1], "produce") == 0)
        return produce_main(argv[2], argv[3], argv[4], strtoull(argv[5], NULL, 10));
    fprintf(stderr, "usage: crm_peer consume BOOTSTRAP TOPIC GROUP EXPECTED OUT\n"
                    "       crm_peer produce BOOTSTRAP TOPIC IN SEED\n");
    return 2;
}
