/*
 * service.cpp: the payments service in C++, through the same generated C
 * API (every header topicgen installs or generates is C++-safe).
 *
 *   pay_cpp decode                   decode and re-encode one event
 *   pay_cpp produce COUNT            as produce.c, from C++
 *   pay_cpp consume EXPECT GROUP     as consume.c, from C++ (ledger.h)
 *
 * Exit 0 when the step's checks hold, 1 when not, 2 on bad usage.
 */
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "ledger.h"
#include "tg_config.h"

namespace {

const char sample[] =
    R"({"type":"refunded","payment_id":"0f8fad5b-d9cb-469f-a165-70867728950e",)"
    R"("account":"acct-1","seq":2,"at":"2026-12-05T09:16:00Z",)"
    R"("amount":{"amount":"19.90","currency":"EUR"},"reason":"late \"delivery\"","partial":true})";

int decode_check()
{
    unsigned char mem[1024];
    tg_arena arena;
    tg_arena_init(&arena, mem, sizeof mem);
    pay_PaymentEvent ev;
    if (pay_PaymentEvent_decode(&ev, sample, sizeof sample - 1, &arena, nullptr) != TG_JSON_OK ||
        ev.kind != pay_PaymentEvent_REFUNDED || !ev.as.refunded.partial ||
        !tg_str_eq(ev.as.refunded.reason, TG_STR_LIT("late \"delivery\"")))
        return 1;
    char out[1024];
    size_t len = 0;
    if (pay_PaymentEvent_encode(&ev, out, sizeof out, &len) != TG_JSON_OK)
        return 1;
    std::printf("%.*s\n", static_cast<int>(len), out);
    return std::string(out, len) == sample ? 0 : 1;
}

tg_config *config(tg_config_role role, const char *const *kv, size_t pairs, tg_error *err)
{
    tg_config *conf = tg_config_new(role, err);
    if (conf && (tg_config_load_env(conf, nullptr, err) != 0 ||
                 tg_config_set_pairs(conf, kv, pairs, err) != 0)) {
        tg_config_free(conf);
        return nullptr;
    }
    return conf;
}

int produce(long count)
{
    tg_error err;
    long delivered = 0;
    tg_producer_opts po{};
    po.on_delivery = [](void *user, const tg_delivery *d) {
        if (d->err == 0)
            ++*static_cast<long *>(user);
    };
    po.user = &delivered;
    tg_config *conf = config(TG_CONFIG_PRODUCER, nullptr, 0, &err);
    tg_producer *p = conf ? tg_producer_new(conf, &po, &err) : nullptr;
    tg_config_free(conf);
    if (!p) {
        std::fprintf(stderr, "pay_cpp: %s\n", err.message);
        return 1;
    }
    long not_sent = 0;
    for (long seq = 0; seq < count; seq++) {
        std::string account = "acct-" + std::to_string(seq % 17);
        pay_PaymentEvent ev{};
        ev.kind = pay_PaymentEvent_CAPTURED;
        pay_Captured &c = ev.as.captured;
        pay_Captured_init(&c); // applies the nested Money's defaults too (currency EUR)
        c.account = tg_str{account.data(), account.size()};
        c.seq = seq;
        c.at = TG_STR_LIT("2026-12-05T09:15:01Z");
        c.amount.amount = TG_STR_LIT("0.01");
        int rc = pay_PaymentEvent_send(p, &ev, nullptr, &err);
        for (int tries = 0; rc == TG_ERR_QUEUE_FULL && tries < 100; tries++) {
            tg_producer_poll(p, 100);
            rc = pay_PaymentEvent_send(p, &ev, nullptr, &err);
        }
        not_sent += rc != 0;
    }
    size_t undelivered = 0;
    tg_producer_close(p, 30000, &undelivered);
    std::printf("published: %ld\n", delivered);
    return delivered == count && not_sent == 0 ? 0 : 1;
}

ledger *of(void *user) { return static_cast<ledger *>(user); }

int consume(long expect, const char *group)
{
    ledger l;
    if (ledger_init(&l, expect) != 0)
        return 1;
    pay_PaymentEvent_routes routes{};
    routes.on_authorized = [](void *u, const pay_Authorized *m, const tg_msg_meta *meta) {
        return ledger_settle(of(u), m->seq, meta);
    };
    routes.on_captured = [](void *u, const pay_Captured *m, const tg_msg_meta *meta) {
        return ledger_settle(of(u), m->seq, meta);
    };
    routes.on_refunded = [](void *u, const pay_Refunded *m, const tg_msg_meta *meta) {
        return ledger_settle(of(u), m->seq, meta);
    };
    routes.user = &l;
    pay_PaymentEvent_routes dead{};
    dead.on_authorized = [](void *u, const pay_Authorized *m, const tg_msg_meta *meta) {
        return ledger_dead(of(u), m->seq, meta);
    };
    dead.on_captured = [](void *u, const pay_Captured *m, const tg_msg_meta *meta) {
        return ledger_dead(of(u), m->seq, meta);
    };
    dead.on_refunded = [](void *u, const pay_Refunded *m, const tg_msg_meta *meta) {
        return ledger_dead(of(u), m->seq, meta);
    };
    dead.user = &l;
    const char *kv[] = {"group.id", group, "session.timeout.ms", "6000",
                        "topicgen.retry.backoff.ms", "50"};
    tg_error err;
    tg_config *conf = config(TG_CONFIG_CONSUMER, kv, 3, &err);
    l.consumer = conf ? tg_consumer_new(conf, nullptr, &err) : nullptr;
    tg_config_free(conf);
    int rc = l.consumer ? 0 : -1;
    if (rc == 0)
        rc = pay_PaymentEvent_consume(l.consumer, nullptr, &routes, &err);
    if (rc == 0)
        rc = pay_PaymentEvent_consume(l.consumer, "pay.events.dlq", &dead, &err);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (rc == 0 && !tg_consumer_stopping(l.consumer) &&
           std::chrono::steady_clock::now() < deadline)
        rc = tg_consumer_poll(l.consumer, 100, &err);
    if (rc == 0)
        rc = tg_consumer_close(l.consumer, &err);
    if (rc != 0)
        std::fprintf(stderr, "pay_cpp: %s\n", err.message);
    tg_consumer_free(l.consumer);
    int status = ledger_report(&l, "pay_cpp");
    ledger_free(&l);
    return rc == 0 ? status : 1;
}

} // namespace

int main(int argc, char **argv)
{
    std::string step = argc >= 2 ? argv[1] : "";
    if (step == "decode" && argc == 2)
        return decode_check();
    if (step == "produce" && argc == 3)
        return produce(std::strtol(argv[2], nullptr, 10));
    if (step == "consume" && argc == 4)
        return consume(std::strtol(argv[2], nullptr, 10), argv[3]);
    std::fprintf(stderr, "usage: pay_cpp decode | produce COUNT | consume EXPECT GROUP\n");
    return 2;
}
