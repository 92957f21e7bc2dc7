/*
 * orders_publisher.c: the example pipeline's extractor.  Produces N
 * deterministic OrderEvents to Kafka through the generated, typed
 * orders_OrderEvent_send, each with a W3C traceparent, then waits (bounded)
 * for every delivery report.
 *
 *   orders_publisher [--brokers HOST:PORT[,...] | --bootstrap-file PATH]
 *                    [--count N] [--poison K] [--topic NAME]
 *                    [--config FILE] [--flush-ms MS] [--spool FILE]
 *
 * Order i (1..N) always has the same content: 1-5 line items with prices
 * as exact decimal text and a total that is the exact sum of the lines.
 * K of them (evenly spread, exactly K) are "poison": their total is one
 * cent off, so the store's translator refuses them and the consumer
 * dead-letters them.  The brokers come from --brokers, else the first line
 * of --bootstrap-file (as topicgen-broker writes it), else the runtime's
 * environment loading (TOPICGEN_BROKERS or TOPICGEN_KAFKA_BOOTSTRAP_SERVERS;
 * see tg_config.h); with none of them the runtime refuses to create the
 * producer and says how to name a cluster.  --config, then TOPICGEN_KAFKA_*
 * tune the producer.
 *
 * --spool FILE keeps every order through an outage: the producer's spool
 * (topicgen.producer.fallback=spool) takes the orders it cannot deliver
 * (delivery failed for good) and those it refuses at once because no
 * broker is reachable; `topicgen-spool replay FILE --brokers ...` sends
 * them later.  Without it a refused send is waited out (polling, bounded:
 * a minute per order) like a full local queue, then counted as failed.
 *
 * Prints "published: D delivered, F failed, S spooled" (D + F + S = N) and
 * exits 0 when every order was delivered, 3 when the others are all in the
 * spool (replay it), 1 otherwise, 2 on bad usage.  Nothing is retried
 * behind the caller's back beyond librdkafka's idempotent retries: a failed
 * order is counted and reported, never dropped silently.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example_options.h"
#include "orders_kafka.h"
#include "tg_config.h"

#define MAX_LINES 5
#define WAIT_RETRIES 600         /* x 100 ms poll: at most a minute per order */
#define ERRORS_SHOWN 5

typedef struct options {
    ex_common common;            /* --brokers, --bootstrap-file, --config, --topic */
    long count;
    long poison;
    long flush_ms;
    const char *spool;           /* --spool FILE, NULL = none */
} options;

/* What the delivery callback tallies. */
typedef struct tally {
    size_t delivered;
    size_t spooled;              /* in the spool file: refused, or failed for good */
    size_t failed;
} tally;

/* Storage behind the tg_str views of one generated order. */
typedef struct line_text {
    char id[40], sku[16], title[32], price[24];
} line_text;

typedef struct built_order {
    char id[24], created[32], customer[32], total[24], traceparent[64];
    line_text text[MAX_LINES];
    orders_LineItem items[MAX_LINES];
    orders_OrderEvent ev;
} built_order;

/* ---- command line ------------------------------------------------------ */

static const char usage_text[] =
    "usage: orders_publisher [--brokers LIST | --bootstrap-file PATH] [--count N]\n"
    "                        [--poison K] [--topic NAME] [--config FILE] [--flush-ms MS]\n"
    "                        [--spool FILE]\n";

static int parse_args(int argc, char **argv, options *o)
{
    const ex_opt opts[] = {
        EX_NUM("--count", &o->count, 1, 10000000),
        EX_NUM("--poison", &o->poison, 0, 10000000),
        EX_NUM("--flush-ms", &o->flush_ms, 1, 3600000),
        EX_STR("--spool", &o->spool),
    };
    *o = (options){ .count = 1000, .poison = 0, .flush_ms = 30000 };
    int rc = ex_parse_args(argc, argv, "orders_publisher", usage_text, &o->common, opts,
                           sizeof opts / sizeof opts[0]);
    if (rc == 0 && o->poison > o->count) {
        fprintf(stderr, "orders_publisher: --poison must not exceed --count\n");
        rc = 2;
    }
    return rc;
}

/* ---- the deterministic orders ----------------------------------------- */

/* Exactly `poison` of 1..count are poison: those where floor(i*K/N) steps. */
static bool is_poison(long i, const options *o)
{
    return (i * o->poison) / o->count != ((i - 1) * o->poison) / o->count;
}

static tg_str view(const char *s)
{
    return (tg_str){ s, strlen(s) };
}

static void cents_text(int64_t cents, char *buf, size_t cap)
{
    (void)snprintf(buf, cap, "%" PRId64 ".%02" PRId64, cents / 100, cents % 100);
}

/* Line j of order i; returns its amount (quantity x unit price) in cents. */
static int64_t build_line(long i, long j, line_text *t, orders_LineItem *li)
{
    int64_t price = 99 + (i * 37 + j * 101) % 9900;
    orders_LineItem_init(li);
    (void)snprintf(t->id, sizeof t->id, "ord-%07ld-%ld", i, j + 1);
    (void)snprintf(t->sku, sizeof t->sku, "sku-%04ld", (i * 7 + j * 13) % 1000);
    (void)snprintf(t->title, sizeof t->title, "Product %04ld", (i * 7 + j * 13) % 1000);
    cents_text(price, t->price, sizeof t->price);
    li->line_item_id = view(t->id);
    li->product_id = view(t->sku);
    li->product_title = view(t->title);
    li->quantity = (int32_t)(1 + (i + j) % 4);
    li->price = view(t->price);
    return price * li->quantity;
}

static void build_order(long i, bool poison, built_order *b)
{
    static const orders_OrderStatus statuses[] = {
        orders_OrderStatus_PENDING, orders_OrderStatus_PAID, orders_OrderStatus_SHIPPED,
        orders_OrderStatus_DELIVERED, orders_OrderStatus_CANCELLED
    };
    long n_lines = 1 + i % MAX_LINES;
    int64_t total = 0;
    orders_OrderEvent_init(&b->ev);
    for (long j = 0; j < n_lines; j++)
        total += build_line(i, j, &b->text[j], &b->items[j]);
    (void)snprintf(b->id, sizeof b->id, "ord-%07ld", i);
    (void)snprintf(b->created, sizeof b->created, "2026-11-%02ldT%02ld:%02ld:%02ld.000Z",
                   1 + (i / 86400) % 28, (i / 3600) % 24, (i / 60) % 60, i % 60);
    (void)snprintf(b->customer, sizeof b->customer, "Customer %03ld", 1 + i % 97);
    cents_text(poison ? total + 1 : total, b->total, sizeof b->total);
    (void)snprintf(b->traceparent, sizeof b->traceparent,
                   "00-746f70696367656e%016" PRIx64 "-%016" PRIx64 "-01", (uint64_t)i,
                   (uint64_t)i * UINT64_C(0x9e3779b97f4a7c15) | 1u);
    b->ev.order_id = view(b->id);
    b->ev.created_at = view(b->created);
    b->ev.customer_name = view(b->customer);
    b->ev.line_items.items = b->items;
    b->ev.line_items.count = (size_t)n_lines;
    b->ev.total_price = view(b->total);
    b->ev.currency = view("EUR");
    b->ev.status = statuses[i % 5];
    b->ev.has_note = i % 10 == 0;
    b->ev.note = b->ev.has_note ? view("gift wrap, please") : view("");
}

/* ---- Kafka ------------------------------------------------------------- */

static void on_delivery(void *user, const tg_delivery *d)
{
    tally *t = user;
    if (d->err == 0) {
        t->delivered++;
        return;
    }
    if (d->fallback == TG_FALLBACK_SPOOL) {
        t->spooled++;
        return;
    }
    if (t->failed++ < ERRORS_SHOWN)
        fprintf(stderr, "orders_publisher: order %.*s not delivered: %s%s\n", (int)d->key_len,
                (const char *)d->key, d->error, d->retriable ? " (retriable)" : "");
}

static tg_producer *make_producer(const options *o, tally *t, tg_error *err)
{
    tg_config *conf = tg_config_new(TG_CONFIG_PRODUCER, err);
    bool ok = conf && ex_config_load(conf, &o->common, err) == 0
              && tg_config_set(conf, "client.id", "orders-publisher", err) == 0;
    if (ok && o->spool)
        ok = tg_config_set(conf, "topicgen.producer.fallback", "spool", err) == 0
             && tg_config_set(conf, "topicgen.producer.spool.path", o->spool, err) == 0;
    tg_producer_opts po = { on_delivery, t, NULL, NULL };
    tg_producer *p = ok ? tg_producer_new(conf, &po, err) : NULL;
    tg_config_free(conf);
    return p;
}

/* A send that may work after a pause: a full local queue, or (without a
 * spool, which would have taken the order) no broker reachable. */
static bool worth_waiting(int rc)
{
    return rc == TG_ERR_QUEUE_FULL || rc == TG_ERR_UNAVAILABLE;
}

/* Send one order, waiting out a full queue or an outage (bounded). */
static int send_order(tg_producer *p, const built_order *b, const options *o, tg_error *err)
{
    tg_send_opts so = tg_send_opts_default();
    so.topic = o->common.topic;
    so.traceparent = b->traceparent;
    int rc = TG_ERR_QUEUE_FULL;
    for (int tries = 0; worth_waiting(rc) && tries < WAIT_RETRIES; tries++) {
        rc = orders_OrderEvent_send(p, &b->ev, &so, err);
        if (worth_waiting(rc))
            (void)tg_producer_poll(p, 100);
    }
    return rc;
}

/* Send all orders; returns how many could not even be queued. */
static size_t send_all(tg_producer *p, const options *o)
{
    built_order b;
    size_t not_queued = 0;
    for (long i = 1; i <= o->count; i++) {
        tg_error err;
        build_order(i, is_poison(i, o), &b);
        if (send_order(p, &b, o, &err) != 0 && not_queued++ < ERRORS_SHOWN)
            fprintf(stderr, "orders_publisher: order %s not sent: %s\n", b.id, err.message);
    }
    return not_queued;
}

int main(int argc, char **argv)
{
    options o;
    tally t = { 0, 0, 0 };
    tg_error err;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc;
    tg_producer *p = make_producer(&o, &t, &err);
    if (!p) {
        fprintf(stderr, "orders_publisher: %s\n", err.message);
        return 1;
    }
    size_t not_queued = send_all(p, &o);
    size_t undelivered = 0;
    /* Close flushes within the bound, then purges: every queued order ends
     * in exactly one delivery report (counted by on_delivery) or, if even
     * the purge report did not arrive, in `undelivered`. */
    (void)tg_producer_close(p, (int)o.flush_ms, &undelivered);
    size_t reported = t.delivered + t.spooled + t.failed;
    size_t unreported = (size_t)o.count - not_queued - reported;
    size_t failed = t.failed + not_queued + unreported;
    printf("published: %zu delivered, %zu failed, %zu spooled (%ld orders, %ld poison)\n",
           t.delivered, failed, t.spooled, o.count, o.poison);
    if (t.spooled)
        printf("spooled orders are in %s: send them with topicgen-spool replay %s --brokers ...\n",
               o.spool, o.spool);
    if (failed == 0 && t.delivered == (size_t)o.count)
        return 0;
    return failed == 0 ? 3 : 1;
}
