/*
 * cluster_orders.c: the counting ends of the cluster tests (tests/cluster).
 * Two modes, each printing one summary line and recording every order it
 * sees by id, so that a test can prove delivery claims by counting:
 *
 *   cluster_orders produce --brokers LIST --topic NAME --count N --rate R
 *                  --acked FILE [--poison-every K] [--acks all|1]
 *     Sends orders ord-0000001..N through the generated, typed
 *     orders_OrderEvent_send (acks=all, enable.idempotence=true, set here
 *     explicitly: the claim under test), R per second (paced, so that a
 *     fault lands mid-stream).  --acks 1 (without idempotence) is the test
 *     of the test: a leader's acknowledgement alone, which a leader kill
 *     can lose.  Each acknowledged order appends
 *     "ORDER_ID PARTITION OFFSET valid|poison" to FILE at once (line
 *     buffered: a test may count the file while it grows); each failed one
 *     "ORDER_ID -1 -1 failed: WHY" to stderr.  With K, every K-th order is
 *     poison: its total is one cent off its lines (orders_store and
 *     order_totals dead-letter such orders).  Prints
 *     "produce: N sent, A acknowledged, F failed"; exit 0 when A + F = N
 *     (every send got its report), 1 otherwise, 2 on bad usage.
 *
 *   cluster_orders read --brokers LIST --topic NAME --out FILE [--committed]
 *     Reads the whole topic, every partition from its first offset to its
 *     end (isolation.level read_committed with --committed, else
 *     read_uncommitted), and writes "KEY PARTITION OFFSET" per record to
 *     FILE (the key is the order id for both orders and orders.totals).
 *     Prints "read: R records from P partitions"; exit 0 once every
 *     partition reached its end, 1 if that took over 90 s or on an error.
 *
 * Invariants: every loop is bounded (pacing by the count, the final flush
 * by 120 s, the read by 90 s); the program addresses only what --brokers
 * names.  Test support, not part of topicgen.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "clock.h"
#include "orders_kafka.h"
#include "tg_config.h"

#define FLUSH_MS 120000
#define READ_MS 90000
#define MAX_PARTITIONS 256

typedef struct options {
    const char *mode, *brokers, *topic, *acked, *out, *acks;
    long count, rate, poison_every;
    bool committed;
} options;

static int usage(const char *why)
{
    fprintf(stderr,
            "cluster_orders: %s\n"
            "usage: cluster_orders produce --brokers LIST --topic NAME --count N --rate R\n"
            "                      --acked FILE [--poison-every K] [--acks all|1]\n"
            "       cluster_orders read --brokers LIST --topic NAME --out FILE [--committed]\n",
            why);
    return 2;
}

static bool number(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || errno || end == s || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* 0, or the exit status of a usage error (printed). */
static int parse_args(int argc, char **argv, options *o)
{
    *o = (options){ .mode = argc > 1 ? argv[1] : "" };
    for (int i = 2; i < argc; i++) {
        const char *f = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true;
        if (strcmp(f, "--committed") == 0) {
            o->committed = true;
            continue;
        }
        if (strcmp(f, "--brokers") == 0) o->brokers = v;
        else if (strcmp(f, "--topic") == 0) o->topic = v;
        else if (strcmp(f, "--acked") == 0) o->acked = v;
        else if (strcmp(f, "--out") == 0) o->out = v;
        else if (strcmp(f, "--acks") == 0) o->acks = v;
        else if (strcmp(f, "--count") == 0) ok = number(v, 1, 9999999, &o->count);
        else if (strcmp(f, "--rate") == 0) ok = number(v, 1, 1000000, &o->rate);
        else if (strcmp(f, "--poison-every") == 0) ok = number(v, 1, 9999999, &o->poison_every);
        else return usage("unknown flag");
        if (!v || !ok)
            return usage("a flag lacks its value, or the value is out of range");
        i++;
    }
    if (!o->brokers || !o->topic)
        return usage("--brokers and --topic are required");
    if (strcmp(o->mode, "produce") == 0 && (!o->acked || !o->count || !o->rate))
        return usage("produce needs --acked, --count and --rate");
    if (o->acks && strcmp(o->acks, "all") != 0 && strcmp(o->acks, "1") != 0)
        return usage("--acks is all or 1");
    if (strcmp(o->mode, "read") == 0 && !o->out)
        return usage("read needs --out");
    if (strcmp(o->mode, "produce") != 0 && strcmp(o->mode, "read") != 0)
        return usage("the mode is produce or read");
    return 0;
}

/* ---- produce ------------------------------------------------------------- */

/* The storage behind one order's tg_str views: one line item, paid. */
typedef struct built_order {
    char id[24], line_id[32], price[24], total[24];
    orders_LineItem item;
    orders_OrderEvent ev;
} built_order;

typedef struct tally {
    FILE *acked;
    long poison_every;
    size_t acknowledged, failed;
} tally;

static bool is_poison(long i, long every)
{
    return every > 0 && i % every == 0;
}

/* Order i: quantity q of one product at a price; the total is q x price,
 * one cent more when poison. */
static void build_order(long i, bool poison, built_order *b)
{
    int64_t price = 100 + (i * 37) % 9900, qty = 1 + i % 4, total = price * qty + (poison ? 1 : 0);
    (void)snprintf(b->id, sizeof b->id, "ord-%07ld", i);
    (void)snprintf(b->line_id, sizeof b->line_id, "ord-%07ld-1", i);
    (void)snprintf(b->price, sizeof b->price, "%" PRId64 ".%02" PRId64, price / 100, price % 100);
    (void)snprintf(b->total, sizeof b->total, "%" PRId64 ".%02" PRId64, total / 100, total % 100);
    orders_LineItem_init(&b->item);
    b->item.line_item_id = (tg_str){ b->line_id, strlen(b->line_id) };
    b->item.product_id = TG_STR_LIT("sku-0001");
    b->item.product_title = TG_STR_LIT("Tea");
    b->item.quantity = (int32_t)qty;
    b->item.price = (tg_str){ b->price, strlen(b->price) };
    orders_OrderEvent_init(&b->ev);
    b->ev.order_id = (tg_str){ b->id, strlen(b->id) };
    b->ev.created_at = TG_STR_LIT("2026-12-05T20:00:00Z");
    b->ev.customer_name = TG_STR_LIT("Ada");
    b->ev.line_items.items = &b->item;
    b->ev.line_items.count = 1;
    b->ev.total_price = (tg_str){ b->total, strlen(b->total) };
    b->ev.currency = TG_STR_LIT("EUR");
    b->ev.status = orders_OrderStatus_PAID;
}

static long order_number(const tg_delivery *d)
{
    char id[24] = { 0 };
    memcpy(id, d->key, d->key_len < sizeof id - 1 ? d->key_len : sizeof id - 1);
    return strtol(id + 4, NULL, 10);
}

static void on_delivery(void *user, const tg_delivery *d)
{
    tally *t = user;
    if (d->err == 0) {
        t->acknowledged++;
        fprintf(t->acked, "%.*s %" PRId32 " %" PRId64 " %s\n", (int)d->key_len,
                (const char *)d->key, d->partition, d->offset,
                is_poison(order_number(d), t->poison_every) ? "poison" : "valid");
        return;
    }
    t->failed++;
    fprintf(stderr, "%.*s -1 -1 failed: %s%s\n", (int)d->key_len, (const char *)d->key, d->error,
            d->retriable ? " (retriable)" : "");
}

static tg_producer *make_producer(const options *o, tally *t, tg_error *err)
{
    bool all = !o->acks || strcmp(o->acks, "all") == 0;
    const char *const kv[] = {
        "acks", all ? "all" : "1", "enable.idempotence", all ? "true" : "false",
        "client.id", "cluster-orders",
        /* Longer than a failover (about 6-10 s here) and its retries. */
        "message.timeout.ms", "60000",
    };
    tg_config *conf = tg_config_new(TG_CONFIG_PRODUCER, err);
    bool ok = conf && tg_config_set(conf, "bootstrap.servers", o->brokers, err) == 0
              && tg_config_set_pairs(conf, kv, sizeof kv / sizeof kv[0] / 2, err) == 0;
    tg_producer_opts po = { on_delivery, t, NULL, NULL };
    tg_producer *p = ok ? tg_producer_new(conf, &po, err) : NULL;
    tg_config_free(conf);
    return p;
}

/* Send order i, waiting out a full local queue (bounded: 60 s). */
static int send_order(tg_producer *p, long i, const options *o, tg_error *err)
{
    built_order b;
    build_order(i, is_poison(i, o->poison_every), &b);
    tg_send_opts so = tg_send_opts_default();
    so.topic = o->topic;
    int rc = TG_ERR_QUEUE_FULL;
    for (int tries = 0; rc == TG_ERR_QUEUE_FULL && tries < 600; tries++) {
        rc = orders_OrderEvent_send(p, &b.ev, &so, err);
        if (rc == TG_ERR_QUEUE_FULL)
            (void)tg_producer_poll(p, 100);
    }
    return rc;
}

/* Sleep in the producer's poll until order i is due (R per second). */
static void pace(tg_producer *p, int64_t t0, long i, long rate)
{
    int64_t due = t0 + (int64_t)i * 1000 / rate;
    for (int64_t now = test_now_ms(); now < due; now = test_now_ms())
        (void)tg_producer_poll(p, (int)(due - now));
}

static int produce(const options *o)
{
    tally t = { .poison_every = o->poison_every };
    t.acked = fopen(o->acked, "a");
    if (!t.acked) {
        fprintf(stderr, "cluster_orders: %s: %s\n", o->acked, strerror(errno));
        return 1;
    }
    setvbuf(t.acked, NULL, _IOLBF, 0);
    tg_error err;
    tg_producer *p = make_producer(o, &t, &err);
    if (!p) {
        fprintf(stderr, "cluster_orders: producer: %s\n", err.message);
        fclose(t.acked);
        return 1;
    }
    size_t refused = 0;
    int64_t t0 = test_now_ms();
    for (long i = 1; i <= o->count; i++) {
        pace(p, t0, i, o->rate);
        if (send_order(p, i, o, &err) != 0 && refused++ < 5)
            fprintf(stderr, "ord-%07ld not sent: %s\n", i, err.message);
    }
    size_t undelivered = 0;
    (void)tg_producer_close(p, FLUSH_MS, &undelivered);
    fclose(t.acked);
    printf("produce: %ld sent, %zu acknowledged, %zu failed, %zu refused, %zu without a report"
           " (%.1f s)\n", o->count, t.acknowledged, t.failed, refused, undelivered,
           (double)(test_now_ms() - t0) / 1000.0);
    return t.acknowledged + t.failed + refused == (size_t)o->count && undelivered == 0 ? 0 : 1;
}

/* ---- read ---------------------------------------------------------------- */

static rd_kafka_t *make_reader(const options *o)
{
    char why[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *kv[] = {
        "bootstrap.servers", o->brokers, "group.id", "cluster-orders-reader",
        "enable.auto.commit", "false", "enable.partition.eof", "true",
        "isolation.level", o->committed ? "read_committed" : "read_uncommitted",
    };
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i += 2) {
        if (rd_kafka_conf_set(conf, kv[i], kv[i + 1], why, sizeof why) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "cluster_orders: %s: %s\n", kv[i], why);
            rd_kafka_conf_destroy(conf);
            return NULL;
        }
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof why);
    if (!rk) {
        fprintf(stderr, "cluster_orders: consumer: %s\n", why);
        rd_kafka_conf_destroy(conf);
    }
    return rk;
}

/* The topic's partition count, 0 on error (printed). */
static int partition_count(rd_kafka_t *rk, const char *topic)
{
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, t, &md, 30000);
    int n = 0;
    if (e)
        fprintf(stderr, "cluster_orders: metadata of %s: %s\n", topic, rd_kafka_err2str(e));
    else if (md->topic_cnt != 1 || md->topics[0].err)
        fprintf(stderr, "cluster_orders: topic %s: %s\n", topic,
                md->topic_cnt ? rd_kafka_err2str(md->topics[0].err) : "not found");
    else
        n = md->topics[0].partition_cnt;
    if (md)
        rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(t);
    return n > MAX_PARTITIONS ? 0 : n;
}

static int assign_all(rd_kafka_t *rk, const char *topic, int n)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
    for (int i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(l, topic, i)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t e = rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e)
        fprintf(stderr, "cluster_orders: assign: %s\n", rd_kafka_err2str(e));
    return e ? -1 : 0;
}

/* Consume until every partition has reported its end; records go to out. */
static int read_to_end(rd_kafka_t *rk, int n, FILE *out, size_t *records)
{
    bool at_end[MAX_PARTITIONS] = { false };
    int ended = 0;
    int64_t deadline = test_now_ms() + READ_MS;
    while (ended < n && test_now_ms() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 500);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (m->partition >= 0 && m->partition < n && !at_end[m->partition]) {
                at_end[m->partition] = true;
                ended++;
            }
        } else if (m->err) {
            fprintf(stderr, "cluster_orders: read: %s\n", rd_kafka_message_errstr(m));
        } else {
            if (m->partition >= 0 && m->partition < n && at_end[m->partition]) {
                at_end[m->partition] = false; /* more arrived after its end */
                ended--;
            }
            fprintf(out, "%.*s %" PRId32 " %" PRId64 "\n", (int)m->key_len,
                    m->key ? (const char *)m->key : "", m->partition, m->offset);
            ++*records;
        }
        rd_kafka_message_destroy(m);
    }
    if (ended < n)
        fprintf(stderr, "cluster_orders: read: %d of %d partitions reached their end in %d s\n",
                ended, n, READ_MS / 1000);
    return ended == n ? 0 : -1;
}

static int read_topic(const options *o)
{
    FILE *out = fopen(o->out, "w");
    if (!out) {
        fprintf(stderr, "cluster_orders: %s: %s\n", o->out, strerror(errno));
        return 1;
    }
    rd_kafka_t *rk = make_reader(o);
    int n = rk ? partition_count(rk, o->topic) : 0;
    size_t records = 0;
    int rc = n > 0 && assign_all(rk, o->topic, n) == 0 && read_to_end(rk, n, out, &records) == 0
                 ? 0 : 1;
    if (rk) {
        (void)rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
    if (fclose(out) != 0)
        rc = 1;
    printf("read: %zu records from %d partitions of %s (%s)\n", records, n, o->topic,
           o->committed ? "read_committed" : "read_uncommitted");
    return rc;
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc;
    return strcmp(o.mode, "produce") == 0 ? produce(&o) : read_topic(&o);
}
