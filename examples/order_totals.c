/*
 * order_totals.c: an exactly-once processor.  Reads OrderEvents from
 * "orders" and writes one OrderTotal (order id, item count, total in
 * cents, currency) per valid order to "orders.totals", through the
 * generated orders_OrderEvent_process and orders_OrderTotal_emit.  An order
 * whose total disagrees with its lines (the rule of orders_OrderEvent_to_domain,
 * the same translator orders_store uses) is dead-lettered to "orders.dlq".
 * Outputs, dead letters and the input offsets are committed in one Kafka
 * transaction (tg_processor.h), so a read_committed reader of
 * orders.totals sees exactly one total per valid order however often this
 * program is killed and restarted.
 *
 *   order_totals [--brokers LIST | --bootstrap-file PATH] [--group ID]
 *                [--topic NAME] [--out-topic NAME] [--transactional-id ID]
 *                [--transaction-interval-ms MS] [--idle-ms MS]
 *                [--max-seconds S] [--delay-ms MS] [--config FILE]
 *   order_totals --read TOPIC [--read-uncommitted] [--brokers ... | ...]
 *
 * --transactional-id: give each instance its own, kept across restarts
 * (a restart then fences its killed predecessor at once); without it the
 * runtime makes one unique per process, and a killed instance's open
 * transaction holds back read_committed readers until
 * transaction.timeout.ms.  --topic and --out-topic replace "orders" and
 * "orders.totals" (dead letters then go to "<topic>.dlq").  --delay-ms makes
 * each handler call slow (tests).
 *
 * Stops on SIGINT/SIGTERM (the processor finishes the order in progress,
 * commits and leaves the group), after --idle-ms without an input (default
 * 10000) or after --max-seconds (default 300); then prints
 *   processed: P, dead-lettered: D, emitted: E, commits: C, aborts: A, busy: B ms, stop: <why>
 * (busy: from the first input to the last, for throughput figures)
 *
 * --read TOPIC reads TOPIC from the start to its end as a read_committed
 * reader, without a group, and prints one line per record:
 *   record: partition=P offset=O key=K [reason="<tg-dlq-reason>"]
 * then "read: N records".  Tests count outputs by key with it.
 * --read-uncommitted reads as read_uncommitted instead, which also shows
 * the outputs of aborted transactions (what exactly-once hides).
 *
 * Exit status: 0; 1 on a Kafka error (a fenced processor included); 2 on
 * bad usage.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example_options.h"
#include "example_run.h"
#include "orders_kafka.h"
#include "orders_translator.h"
#include "tg_config.h"
#include "tg_embedded.h"
#include "tg_processor.h"

#define MAX_LINES 500             /* schema: line_items max_items */
#define MAX_PARTITIONS 256
#define READ_TIMEOUT_MS 60000


typedef struct options {
    ex_common common;
    const char *group, *transactional_id, *read, *out_topic;
    long idle_ms, max_seconds, delay_ms, interval_ms;
    bool uncommitted;
} options;

/* Shared between the processor's thread (the handler) and the watchdog. */
typedef struct app {
    atomic_llong last_input_ms;   /* when the handler last ran  */
    long long first_input_ms;     /* when it first ran (0: not yet; the processor's thread) */
    long delay_ms;
    const char *out_topic;        /* NULL: the schema's orders.totals */
} app;

/* ---- the processor's handler -------------------------------------------- */

/* One order in, one total out; a refused translation dead-letters it. */
static tg_result total_order(void *user, const orders_OrderEvent *msg, const tg_msg_meta *meta,
                             tg_emitter *out)
{
    app *a = user;
    orders_LineItem_domain lines[MAX_LINES];
    orders_OrderEvent_domain order = { .lines = lines, .lines_cap = MAX_LINES };
    tg_error why;
    tg_error_clear(&why);
    atomic_store(&a->last_input_ms, ex_mono_ms());
    if (!a->first_input_ms)
        a->first_input_ms = ex_mono_ms();
    if (!orders_OrderEvent_to_domain(msg, &order, &why)) {
        tg_reject_reason(meta, "translate: %s", why.message);
        return TG_REJECT;
    }
    if (a->delay_ms > 0)
        ex_sleep_ms(a->delay_ms);
    orders_OrderTotal_domain t = { .total_cents = order.total_cents };
    memcpy(t.id, order.id, sizeof t.id);
    memcpy(t.currency, order.currency, sizeof t.currency);
    for (size_t i = 0; i < order.n_lines; i++)
        t.item_count += order.lines[i].quantity;
    orders_OrderTotal wire;
    if (!orders_OrderTotal_from_domain(&t, &wire, NULL, &why)
        || orders_OrderTotal_emit(out, &wire, a->out_topic, &why) != 0) {
        tg_reject_reason(meta, "emit: %s", why.message);
        return TG_REJECT;
    }
    return TG_OK;
}

/* ---- command line ------------------------------------------------------- */

static const char usage_text[] =
    "usage: order_totals [--brokers LIST | --bootstrap-file PATH] [--group ID]\n"
    "         [--topic NAME] [--out-topic NAME] [--transactional-id ID]\n"
    "         [--transaction-interval-ms MS]\n"
    "         [--idle-ms MS] [--max-seconds S] [--delay-ms MS] [--config FILE]\n"
    "       order_totals --read TOPIC [--read-uncommitted]\n"
    "         [--brokers LIST | --bootstrap-file PATH]\n";

static int parse_args(int argc, char **argv, options *o)
{
    const ex_opt opts[] = {
        EX_STR("--group", &o->group),
        EX_STR("--transactional-id", &o->transactional_id),
        EX_STR("--read", &o->read),
        EX_STR("--out-topic", &o->out_topic),
        EX_NUM("--transaction-interval-ms", &o->interval_ms, 1, 3600000),
        EX_NUM("--idle-ms", &o->idle_ms, 100, 3600000),
        EX_NUM("--max-seconds", &o->max_seconds, 1, 86400),
        EX_NUM("--delay-ms", &o->delay_ms, 0, 60000),
        EX_SWITCH("--read-uncommitted", &o->uncommitted),
    };
    *o = (options){ .group = "order-totals", .idle_ms = 10000, .max_seconds = 300 };
    return ex_parse_args(argc, argv, "order_totals", usage_text, &o->common, opts,
                         sizeof opts / sizeof opts[0]);
}

/* Defaults, then --config, then TOPICGEN_KAFKA_*, then explicit flags. */
static tg_config *processor_config(const options *o, tg_error *err)
{
    char interval[24];
    const char *defaults[] = { "client.id", "order-totals", "session.timeout.ms", "6000",
                               "heartbeat.interval.ms", "500" };
    const char *flags[] = { "group.id", o->group, "topicgen.transaction.interval.ms",
                            interval };
    (void)snprintf(interval, sizeof interval, "%ld", o->interval_ms);
    tg_config *c = tg_config_new(TG_CONFIG_CONSUMER, err);
    bool ok = c && tg_config_set_pairs(c, defaults, 3, err) == 0
              && ex_config_load(c, &o->common, err) == 0
              && tg_config_set_pairs(c, flags, o->interval_ms ? 2 : 1, err) == 0;
    if (!ok) {
        tg_config_free(c);
        return NULL;
    }
    return c;
}

/* ---- running the processor ---------------------------------------------- */

static void stop_processor(void *p)
{
    tg_processor_stop(p);
}

/* The watchdog: stops the processor after --idle-ms without input or
 * --max-seconds in all; why says which. */
typedef struct watch {
    tg_processor *p;
    app *a;
    const options *o;
    const char *why;
    atomic_bool done;
} watch;

static void *watchdog(void *arg)
{
    watch *w = arg;
    int64_t start = ex_mono_ms();
    while (!atomic_load(&w->done) && !tg_processor_stopping(w->p)) {
        int64_t now = ex_mono_ms();
        if (now - atomic_load(&w->a->last_input_ms) >= w->o->idle_ms)
            w->why = "idle";
        else if (now - start >= w->o->max_seconds * 1000)
            w->why = "max-seconds";
        if (w->why) {
            tg_processor_stop(w->p);
            break;
        }
        ex_sleep_ms(50);
    }
    return NULL;
}

static int run(tg_processor *p, app *a, const options *o)
{
    tg_error err;
    watch w = { p, a, o, NULL, false };
    pthread_t th;
    if (orders_OrderEvent_process(p, o->common.topic, total_order, a, &err) != 0) {
        fprintf(stderr, "order_totals: %s\n", err.message);
        return 1;
    }
    atomic_store(&a->last_input_ms, ex_mono_ms());
    if (pthread_create(&th, NULL, watchdog, &w) != 0) {
        fprintf(stderr, "order_totals: cannot start the watchdog\n");
        return 1;
    }
    int rc = tg_processor_run(p, &err);
    atomic_store(&w.done, true);
    (void)pthread_join(th, NULL);
    tg_processor_stats s;
    tg_processor_get_stats(p, &s);
    printf("processed: %llu, dead-lettered: %llu, emitted: %llu, commits: %llu, aborts: %llu, "
           "busy: %lld ms, stop: %s\n", (unsigned long long)s.processed,
           (unsigned long long)s.dead_lettered, (unsigned long long)s.emitted,
           (unsigned long long)s.commits, (unsigned long long)s.aborts,
           a->first_input_ms ? (long long)atomic_load(&a->last_input_ms) - a->first_input_ms : 0LL,
           rc ? "error" : w.why ? w.why : "signal");
    if (rc)
        fprintf(stderr, "order_totals: %s\n", err.message);
    return rc ? 1 : 0;
}

static int process_main(const options *o)
{
    tg_error err;
    app a = { .delay_ms = o->delay_ms, .out_topic = o->out_topic };
    tg_config *conf = processor_config(o, &err);
    tg_processor_opts po = { .transactional_id = o->transactional_id };
    tg_processor *p = conf ? tg_processor_new(conf, &po, &err) : NULL;
    tg_config_free(conf);
    int rc = 1;
    if (!p)
        fprintf(stderr, "order_totals: %s\n", err.message);
    else if (ex_stop_on_signals(stop_processor, p) != 0)
        fprintf(stderr, "order_totals: sigaction: %s\n", strerror(errno));
    else
        rc = run(p, &a, o);
    (void)ex_stop_on_signals(NULL, NULL);
    tg_processor_free(p);
    return rc;
}

/* ---- --read: a read_committed reader of one topic ------------------------ */

static rd_kafka_t *reader(const options *o, tg_embedded **held)
{
    char errstr[256];
    tg_error err;
    const char *kv[] = { "group.id", "order-totals-reader", "enable.partition.eof", "true",
                         "isolation.level", o->uncommitted ? "read_uncommitted" : "read_committed",
                         "log_level", "4" };
    tg_config *c = tg_config_new(TG_CONFIG_CONSUMER, &err);
    rd_kafka_conf_t *conf = NULL;
    bool ok = c && ex_config_load(c, &o->common, &err) == 0
              && tg_config_set_pairs(c, kv, 4, &err) == 0 && (conf = tg_config_rdkafka_dup(c))
              && tg_embedded_resolve(conf, held, &err) == 0;
    tg_config_free(c);
    if (!ok) {
        if (conf)
            rd_kafka_conf_destroy(conf);
        fprintf(stderr, "order_totals: %s\n", err.message);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        fprintf(stderr, "order_totals: %s\n", errstr);
    }
    return rk;
}

/* Every partition of topic from the beginning; its count, or -1. */
static int assign_all(rd_kafka_t *rk, const char *topic)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    int n = -1;
    if (rkt && rd_kafka_metadata(rk, 0, rkt, &md, 10000) == 0) {
        if (md->topic_cnt == 1 && md->topics[0].err == 0)
            n = md->topics[0].partition_cnt;
        rd_kafka_metadata_destroy(md);
    }
    if (rkt)
        rd_kafka_topic_destroy(rkt);
    if (n <= 0 || n > MAX_PARTITIONS)
        return -1;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
    for (int i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(l, topic, i)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t e = rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    return e ? -1 : n;
}

static void print_record(const rd_kafka_message_t *m)
{
    rd_kafka_headers_t *h = NULL;
    const void *v = NULL;
    size_t len = 0;
    bool has = rd_kafka_message_headers(m, &h) == 0
               && rd_kafka_header_get_last(h, "tg-dlq-reason", &v, &len) == 0 && v;
    printf("record: partition=%d offset=%lld key=%.*s", (int)m->partition,
           (long long)m->offset, (int)m->key_len, m->key ? (const char *)m->key : "");
    if (has)
        printf(" reason=\"%.*s\"", (int)len, (const char *)v);
    putchar('\n');
}

/* Read until every partition reported its end (the last stable offset). */
static int read_main(const options *o)
{
    tg_embedded *held = NULL;
    rd_kafka_t *rk = reader(o, &held);
    int n = rk ? assign_all(rk, o->read) : -1, ends = 0, rc = 0;
    bool at_end[MAX_PARTITIONS] = { false };
    long records = 0;
    int64_t deadline = ex_mono_ms() + READ_TIMEOUT_MS;
    if (rk && n < 0)
        fprintf(stderr, "order_totals: no metadata for topic %s\n", o->read);
    while (n > 0 && ends < n) {
        if (ex_mono_ms() > deadline) {
            fprintf(stderr, "order_totals: --read: %d of %d partitions not at their end "
                            "after %d ms\n", n - ends, n, READ_TIMEOUT_MS);
            rc = 1;
            break;
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (m->partition >= 0 && m->partition < n && !at_end[m->partition]) {
                at_end[m->partition] = true;
                ends++;
            }
        }
        else if (m->err)
            fprintf(stderr, "order_totals: --read: %s\n", rd_kafka_message_errstr(m));
        else {
            records++;
            print_record(m);
        }
        rd_kafka_message_destroy(m);
    }
    printf("read: %ld records\n", records);
    if (rk) {
        (void)rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
    tg_embedded_release(held);
    return rk && n > 0 ? rc : 1;
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc;
    return o.read ? read_main(&o) : process_main(&o);
}
