/* examples/testing/handler_test.c: unit tests of a consumer's handler and
 * translator, and of code that sends, with no broker at all.  This is the
 * file docs/testing.md quotes (tests/runtime checks that the quoted blocks
 * match it); ctest builds and runs it as testing_example.
 *
 * The application code under test is at the top: a translator that turns
 * the wire OrderEvent into the store's domain type, a handler that saves it,
 * and a function that publishes an event.  The tests below drive them with
 * orders_OrderEvent_test_deliver (the consumer's own decode, tg-schema
 * check, translate and dispatch steps) and a capture producer. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "orders_kafka.h"
#include "orders_translator.h"

/* ---- the application code under test -------------------------------------- */

typedef struct store {
    bool db_down;                              /* the test's fake outage     */
    int saved;
    char last_id[ORDER_ID_MAX + 1];
    orders_LineItem_domain lines[8];
    orders_OrderEvent_domain dom;              /* this message's translation */
} store;

/* The consumer's translate hook: wire -> domain; a refusal dead-letters. */
static tg_result translate_order(void *user, void *msg, const tg_msg_meta *meta, tg_error *why)
{
    store *s = user;
    (void)meta;
    s->dom.lines = s->lines;
    s->dom.lines_cap = sizeof s->lines / sizeof s->lines[0];
    return orders_OrderEvent_to_domain(msg, &s->dom, why) ? TG_OK : TG_REJECT;
}

/* The handler: store the translated order. */
static tg_result save_order(void *user, const orders_OrderEvent *ev, const tg_msg_meta *meta)
{
    store *s = user;
    (void)ev;
    if (s->db_down)
        return TG_RETRY;                       /* transient: try again later */
    if (s->dom.status == ORDER_CANCELLED && s->dom.n_lines > 0) {
        tg_reject_reason(meta, "order %s: cancelled with %zu open lines", s->dom.id,
                         s->dom.n_lines);
        return TG_REJECT;                      /* permanent: dead-letter it  */
    }
    s->saved++;
    memcpy(s->last_id, s->dom.id, sizeof s->last_id);
    return TG_OK;
}

/* Code that sends: publish an order event, keyed by its id. */
static int publish_order(tg_producer *p, const orders_OrderEvent *ev, const char *traceparent,
                         tg_error *err)
{
    tg_send_opts so = tg_send_opts_default();
    so.traceparent = traceparent;
    return orders_OrderEvent_send(p, ev, &so, err);
}

/* ---- the tests ---------------------------------------------------------------- */

static int passed, failed;
#define EXPECT(cond)                                                               \
    do {                                                                           \
        if (cond) {                                                                \
            passed++;                                                              \
        } else {                                                                   \
            failed++;                                                              \
            fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);    \
        }                                                                          \
    } while (0)

#define ORDER(status, total)                                                       \
    "{\"order_id\":\"o-1\",\"created_at\":\"2026-11-23T15:39:17Z\","              \
    "\"customer_name\":\"Ada\",\"line_items\":[{\"line_item_id\":\"l1\","          \
    "\"product_id\":\"tea\",\"product_title\":\"Tea\",\"quantity\":2,"             \
    "\"price\":\"3.50\"}],\"total_price\":\"" total "\",\"status\":\"" status "\"}"

/* A test of handler and translator: a valid order is translated and saved. */
static void test_order_is_saved(void)
{
    store s = { 0 };
    orders_OrderEvent_route route = { save_order, &s };
    tg_test_opts opts = { 0 };
    opts.translate = translate_order;          /* as in tg_consumer_opts */
    opts.translate_user = &s;
    opts.producer_headers = true;              /* as sent by orders_OrderEvent_send */
    tg_test_outcome out;
    const char json[] = ORDER("paid", "7.00");

    EXPECT(orders_OrderEvent_test_deliver(&route, json, strlen(json), &opts, &out, NULL) == 0);
    EXPECT(out.fate == TG_TEST_DONE && out.handler_called && out.result == TG_OK);
    EXPECT(s.saved == 1 && strcmp(s.last_id, "o-1") == 0 && s.dom.total_cents == 700);
}

/* The handler's failures: a retry, then the last attempt dead-letters. */
static void test_outage_retries_then_dead_letters(void)
{
    store s = { .db_down = true };
    orders_OrderEvent_route route = { save_order, &s };
    tg_test_opts opts = { .translate = translate_order, .translate_user = &s };
    tg_test_outcome out;
    const char json[] = ORDER("paid", "7.00");

    orders_OrderEvent_test_deliver(&route, json, strlen(json), &opts, &out, NULL);
    EXPECT(out.fate == TG_TEST_RETRY && out.attempt == 1);
    opts.attempt = 5;                          /* topicgen.retry.max.attempts */
    orders_OrderEvent_test_deliver(&route, json, strlen(json), &opts, &out, NULL);
    EXPECT(out.fate == TG_TEST_DEAD_LETTER && strcmp(out.reason, "retries exhausted") == 0);
    EXPECT(s.saved == 0);
}

/* Messages the consumer dead-letters: each with the reason it would give. */
static void test_dead_letter_reasons(void)
{
    store s = { 0 };
    orders_OrderEvent_route route = { save_order, &s };
    tg_test_opts opts = { .translate = translate_order, .translate_user = &s };
    tg_test_outcome out;
    const char cancelled[] = ORDER("cancelled", "7.00");
    const char wrong_total[] = ORDER("paid", "9.99");
    const char bad_json[] = "{\"order_id\": 42}";

    orders_OrderEvent_test_deliver(&route, cancelled, strlen(cancelled), &opts, &out, NULL);
    EXPECT(out.fate == TG_TEST_DEAD_LETTER && out.result == TG_REJECT);
    EXPECT(strcmp(out.reason, "order o-1: cancelled with 1 open lines") == 0);

    orders_OrderEvent_test_deliver(&route, wrong_total, strlen(wrong_total), &opts, &out, NULL);
    EXPECT(out.fate == TG_TEST_DEAD_LETTER && !out.handler_called);
    EXPECT(strncmp(out.reason, "translate: total_price 9.99 does not match", 42) == 0);

    orders_OrderEvent_test_deliver(&route, bad_json, strlen(bad_json), &opts, &out, NULL);
    EXPECT(out.fate == TG_TEST_DEAD_LETTER && out.attempt == 0);
    EXPECT(strcmp(out.path, "$.order_id") == 0 && strncmp(out.reason, "decode: ", 8) == 0);

    tg_header foreign = { "tg-schema", "billing.Invoice", 15 };
    opts.headers = &foreign;
    opts.n_headers = 1;
    const char json[] = ORDER("paid", "7.00");
    orders_OrderEvent_test_deliver(&route, json, strlen(json), &opts, &out, NULL);
    EXPECT(out.fate == TG_TEST_DEAD_LETTER && !out.handler_called);
    EXPECT(strcmp(out.reason, "schema mismatch: record has tg-schema 'billing.Invoice', "
                              "this consumer expects 'orders.OrderEvent'") == 0);
    EXPECT(s.saved == 0);
}

/* Code that sends, against a capture producer: what went out, in order. */
static void test_publish_is_captured(void)
{
    tg_error err;
    tg_producer *p = tg_producer_new_capture(NULL, &err);
    orders_OrderEvent ev;
    orders_OrderEvent_init(&ev);
    ev.order_id = TG_STR_LIT("o-7");
    ev.created_at = TG_STR_LIT("2026-11-23T15:39:17Z");
    ev.customer_name = TG_STR_LIT("Ada");
    ev.total_price = TG_STR_LIT("0.00");
    const char *tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    EXPECT(publish_order(p, &ev, tp, &err) == 0);
    EXPECT(tg_producer_captured_count(p) == 1);
    const tg_captured *c = tg_producer_captured(p, 0);
    EXPECT(strcmp(c->topic, "orders") == 0 && c->key_len == 3 && memcmp(c->key, "o-7", 3) == 0);
    EXPECT(strstr(c->value, "\"order_id\":\"o-7\"") != NULL);
    EXPECT(strcmp(tg_captured_header(c, "tg-schema")->value, "orders.OrderEvent") == 0);
    EXPECT(strcmp(tg_captured_header(c, "traceparent")->value, tp) == 0);
    tg_producer_close(p, 0, NULL);
}

int main(void)
{
    test_order_is_saved();
    test_outage_retries_then_dead_letters();
    test_dead_letter_reasons();
    test_publish_is_captured();
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
