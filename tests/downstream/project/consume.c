/*
 * consume.c: the payments service's consumer, as a topicgen user writes it.
 *
 *   pay_consume EXPECT GROUP [MAX_SECONDS]
 *
 * One handler per PaymentEvent variant through the generated routes
 * (designated initializers: a variant added to the schema cannot shift
 * them), the authorized ones translated to the domain type through the
 * translator skeleton topicgen_generate() wrote into the project.  Dead
 * letters are read back from pay.events.dlq with a second set of routes.
 * Stops when all EXPECT events are accounted for (ledger.h) or after
 * MAX_SECONDS (default 120); exit 0 only when the counts are right.
 */
#include <time.h>

#include "ledger.h"
#include "pay_translator.h"
#include "tg_config.h"

static tg_result on_authorized(void *user, const pay_Authorized *msg, const tg_msg_meta *meta)
{
    pay_Authorized_domain domain;
    tg_error err;
    if (!pay_Authorized_to_domain(msg, &domain, &err)) {
        tg_reject_reason(meta, "translate: %s", err.message);
        return TG_REJECT;
    }
    return ledger_settle(user, domain.seq, meta);
}

static tg_result on_captured(void *user, const pay_Captured *msg, const tg_msg_meta *meta)
{
    return ledger_settle(user, msg->seq, meta);
}

static tg_result on_refunded(void *user, const pay_Refunded *msg, const tg_msg_meta *meta)
{
    return ledger_settle(user, msg->seq, meta);
}

static tg_result dead_authorized(void *user, const pay_Authorized *msg, const tg_msg_meta *meta)
{
    return ledger_dead(user, msg->seq, meta);
}

static tg_result dead_captured(void *user, const pay_Captured *msg, const tg_msg_meta *meta)
{
    return ledger_dead(user, msg->seq, meta);
}

static tg_result dead_refunded(void *user, const pay_Refunded *msg, const tg_msg_meta *meta)
{
    return ledger_dead(user, msg->seq, meta);
}

static tg_consumer *make_consumer(const char *group, tg_error *err)
{
    const char *kv[] = {"group.id", group, "session.timeout.ms", "6000",
                        "topicgen.retry.backoff.ms", "50", "topicgen.commit.interval.ms", "1000"};
    tg_config *conf = tg_config_new(TG_CONFIG_CONSUMER, err);
    tg_consumer *c = NULL;
    if (conf && tg_config_load_env(conf, NULL, err) == 0 &&
        tg_config_set_pairs(conf, kv, sizeof kv / sizeof kv[0] / 2, err) == 0)
        c = tg_consumer_new(conf, NULL, err);
    tg_config_free(conf);
    return c;
}

int main(int argc, char **argv)
{
    long expect = argc >= 3 ? strtol(argv[1], NULL, 10) : 0;
    long max_seconds = argc >= 4 ? strtol(argv[3], NULL, 10) : 120;
    ledger l;
    if (expect < 1 || max_seconds < 1 || ledger_init(&l, expect) != 0) {
        fprintf(stderr, "usage: pay_consume EXPECT GROUP [MAX_SECONDS]\n");
        return 2;
    }
    tg_error err;
    pay_PaymentEvent_routes routes = {
        .on_authorized = on_authorized, .on_captured = on_captured,
        .on_refunded = on_refunded, .user = &l};
    pay_PaymentEvent_routes dead = {
        .on_authorized = dead_authorized, .on_captured = dead_captured,
        .on_refunded = dead_refunded, .user = &l};
    l.consumer = make_consumer(argv[2], &err);
    int rc = l.consumer ? 0 : -1;
    if (rc == 0)
        rc = pay_PaymentEvent_consume(l.consumer, NULL, &routes, &err);
    if (rc == 0)
        rc = pay_PaymentEvent_consume(l.consumer, "pay.events.dlq", &dead, &err);
    time_t deadline = time(NULL) + max_seconds;
    while (rc == 0 && !tg_consumer_stopping(l.consumer) && time(NULL) < deadline)
        rc = tg_consumer_poll(l.consumer, 100, &err);
    if (rc == 0)
        rc = tg_consumer_close(l.consumer, &err);
    if (rc != 0)
        fprintf(stderr, "pay_consume: %s\n", err.message);
    tg_consumer_free(l.consumer);
    int status = ledger_report(&l, "pay_consume");
    ledger_free(&l);
    return rc == 0 ? status : 1;
}
