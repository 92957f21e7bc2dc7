/*
 * produce.c: the payments service's publisher, as a topicgen user writes it.
 *
 *   pay_produce COUNT
 *
 * Sends COUNT PaymentEvents to pay.events through the generated
 * pay_PaymentEvent_send: event `seq` is authorized, captured or refunded by
 * seq % 3, keyed by its account.  The cluster comes from the environment
 * (TOPICGEN_BROKERS, TOPICGEN_KAFKA_*), as for any topicgen program.
 * Prints "published: N" (delivery reports that said delivered) and exits 0
 * only when all COUNT were delivered.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pay_kafka.h"
#include "tg_config.h"

#define MAX_COUNT 1000000

typedef struct tally {
    long delivered;
    long failed;
} tally;

static void on_delivery(void *user, const tg_delivery *d)
{
    tally *t = user;
    if (d->err == 0) {
        t->delivered++;
        return;
    }
    if (t->failed++ < 5)
        fprintf(stderr, "pay_produce: not delivered: %s\n", d->error);
}

static tg_str view(const char *s)
{
    tg_str v = {s, strlen(s)};
    return v;
}

/* Event `seq`: one of the three variants, every field the schema has. */
static void build_event(long seq, char *account, size_t cap, pay_PaymentEvent *ev)
{
    static tg_str tags[] = {{"vip", 3}, {"first-order", 11}};
    snprintf(account, cap, "acct-%ld", seq % 17);
    pay_Money money;
    pay_Money_init(&money);
    money.amount = view(seq % 2 ? "19.90" : "1234567.05");
    memset(ev, 0, sizeof *ev);
    pay_Authorized *a = &ev->as.authorized;
    pay_Captured *c = &ev->as.captured;
    pay_Refunded *r = &ev->as.refunded;
    switch (seq % 3) {
    case 0:
        ev->kind = pay_PaymentEvent_AUTHORIZED;
        pay_Authorized_init(a);
        a->account = view(account);
        a->seq = seq;
        a->at = view("2026-12-05T10:15:00.250+01:00");
        a->amount = money;
        a->method = seq % 2 ? pay_Method_CARD : pay_Method_WALLET;
        a->has_tags = seq % 4 == 0;
        a->tags.items = tags;
        a->tags.count = 2;
        a->has_metadata = true;
        a->metadata = view("{\"ip\":\"127.0.0.1\",\"risk\":[0.1,null]}");
        a->payment_id.bytes[15] = (unsigned char)seq;
        break;
    case 1:
        ev->kind = pay_PaymentEvent_CAPTURED;
        pay_Captured_init(c);
        c->account = view(account);
        c->seq = seq;
        c->at = view("2026-12-05T09:15:01Z");
        c->amount = money;
        c->has_reference = true;
        c->reference_is_null = seq % 2 == 0;
        c->reference = view("INV-2026-0042");
        break;
    default:
        ev->kind = pay_PaymentEvent_REFUNDED;
        pay_Refunded_init(r);
        r->account = view(account);
        r->seq = seq;
        r->at = view("2026-12-05T09:16:00Z");
        r->amount = money;
        r->reason = view("customer changed their mind \xe2\x80\x94 \"no\"");
        r->partial = seq % 2 == 0;
        break;
    }
}

int main(int argc, char **argv)
{
    long count = argc == 2 ? strtol(argv[1], NULL, 10) : 0;
    if (count < 1 || count > MAX_COUNT) {
        fprintf(stderr, "usage: pay_produce COUNT (1..%d)\n", MAX_COUNT);
        return 2;
    }
    tg_error err;
    tally t = {0, 0};
    tg_config *conf = tg_config_new(TG_CONFIG_PRODUCER, &err);
    tg_producer_opts po = {on_delivery, &t, NULL, NULL};
    tg_producer *p = NULL;
    if (conf && tg_config_load_env(conf, NULL, &err) == 0)
        p = tg_producer_new(conf, &po, &err);
    tg_config_free(conf);
    if (!p) {
        fprintf(stderr, "pay_produce: %s\n", err.message);
        return 1;
    }
    long not_sent = 0;
    for (long seq = 0; seq < count; seq++) {
        char account[32];
        pay_PaymentEvent ev;
        build_event(seq, account, sizeof account, &ev);
        int rc = pay_PaymentEvent_send(p, &ev, NULL, &err);
        for (int tries = 0; rc == TG_ERR_QUEUE_FULL && tries < 100; tries++) {
            tg_producer_poll(p, 100);
            rc = pay_PaymentEvent_send(p, &ev, NULL, &err);
        }
        if (rc != 0 && not_sent++ < 5)
            fprintf(stderr, "pay_produce: event %ld not sent: %s\n", seq, err.message);
    }
    size_t undelivered = 0;
    tg_producer_close(p, 30000, &undelivered);
    printf("published: %ld\n", t.delivered);
    return t.delivered == count && not_sent == 0 && undelivered == 0 ? 0 : 1;
}
