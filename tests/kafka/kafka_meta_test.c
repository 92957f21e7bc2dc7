/* kafka_meta_test: the headers the consumer reads into tg_msg_meta
 * and checks (tg_handle_meta: traceparent, tg-schema-version and
 * tg-schema, found in one pass over the record's headers; the tg-schema
 * check) through the consumer's own steps (tg_test_deliver,
 * no broker).  The rule checked is tg_meta_header's: the LAST header of a
 * name counts, a header of another name (even one sharing a prefix) does
 * not, and a malformed value reads as "no trace" / version 0.  Prints
 * "N passed, N failed"; exit status 1 on any failure. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "orders_kafka.h"

static const char ORDER[] =
    "{\"order_id\":\"o-1\",\"created_at\":\"2026-11-23T15:39:17Z\",\"customer_name\":\"Ada\","
    "\"line_items\":[{\"line_item_id\":\"l1\",\"product_id\":\"tea\",\"product_title\":\"Tea\","
    "\"quantity\":2,\"price\":\"3.50\"}],\"total_price\":\"7.00\"}";

#define TP_A "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
#define TP_B "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"

typedef struct seen {
    int calls;
    tg_trace_context trace, span;
    int schema_version;
} seen;

static tg_result on_order(void *user, const orders_OrderEvent *ev, const tg_msg_meta *meta)
{
    seen *s = user;
    (void)ev;
    s->calls++;
    s->trace = meta->trace;
    s->span = meta->span;
    s->schema_version = meta->schema_version;
    return TG_OK;
}

/* Deliver ORDER with the producer's headers (when asked) then hs[0..n). */
static seen deliver(bool producer_headers, const tg_header *hs, size_t n)
{
    seen s = { 0 };
    orders_OrderEvent_route route = { on_order, &s };
    tg_test_opts o = { .producer_headers = producer_headers, .headers = hs, .n_headers = n };
    tg_test_outcome out;
    tg_error err;
    CHECKF(orders_OrderEvent_test_deliver(&route, ORDER, sizeof ORDER - 1, &o, &out, &err) == 0
               && out.fate == TG_TEST_DONE && s.calls == 1,
           "delivered: %s", out.reason);
    return s;
}

static tg_header h(const char *name, const char *value)
{
    tg_header x = { name, value, strlen(value) };
    return x;
}

/* Deliver ORDER with hs[0..n) only; the outcome. */
static tg_test_outcome outcome(const tg_header *hs, size_t n)
{
    seen s = { 0 };
    orders_OrderEvent_route route = { on_order, &s };
    tg_test_opts o = { .headers = hs, .n_headers = n };
    tg_test_outcome out;
    tg_error err;
    CHECKF(orders_OrderEvent_test_deliver(&route, ORDER, sizeof ORDER - 1, &o, &out, &err) == 0,
           "test_deliver: %s", err.message);
    return out;
}

static tg_header h(const char *name, const char *value);

/* The tg-schema check reads the last tg-schema header (default policy
 * match: a foreign schema is dead-lettered, none is accepted). */
static void test_schema_header(void)
{
    tg_header foreign_last[] = { h("tg-schema", "orders.OrderEvent"), h("tg-schema", "billing.Invoice") };
    tg_test_outcome out = outcome(foreign_last, 2);
    CHECKF(out.fate != TG_TEST_DONE && !out.handler_called
               && strstr(out.reason, "tg-schema 'billing.Invoice'") != NULL,
           "last tg-schema foreign: dead letter, got '%s'", out.reason);
    tg_header own_last[] = { h("tg-schema", "billing.Invoice"), h("x", "1"),
                             h("tg-schema", "orders.OrderEvent") };
    out = outcome(own_last, 3);
    CHECKF(out.fate == TG_TEST_DONE && out.handler_called, "last tg-schema ours: handled, '%s'",
           out.reason);
    tg_header lookalike[] = { h("tg-schemas", "billing.Invoice"), h("tg-schem", "billing.Invoice") };
    out = outcome(lookalike, 2);
    CHECKF(out.fate == TG_TEST_DONE, "lookalike names are no tg-schema: '%s'", out.reason);
    tg_header foreign_with_version[] = { h("tg-schema-version", "1"), h("tg-schema", "orders.Other") };
    out = outcome(foreign_with_version, 2);
    CHECKF(out.fate != TG_TEST_DONE && strstr(out.reason, "orders.Other") != NULL,
           "foreign tg-schema after a version header: '%s'", out.reason);
}

int main(void)
{
    test_schema_header();
    seen s = deliver(false, NULL, 0);
    CHECKF(!s.trace.valid && s.schema_version == 1 && s.span.valid, "no headers: version 1, new trace");

    s = deliver(true, NULL, 0);
    CHECKF(s.schema_version == 1 && !s.trace.valid, "producer headers: version 1");

    tg_header two_versions[] = { h("tg-schema-version", "7"), h("tg-schema-version", "3") };
    s = deliver(false, two_versions, 2);
    CHECKF(s.schema_version == 3, "last tg-schema-version counts: %d", s.schema_version);

    tg_header after_producer[] = { h("tg-schema-version", "2") };
    s = deliver(true, after_producer, 1);
    CHECKF(s.schema_version == 2, "a later version header wins over the producer's: %d",
           s.schema_version);

    tg_header bad_version[] = { h("tg-schema-version", "4"), h("tg-schema-version", "01") };
    s = deliver(false, bad_version, 2);
    CHECKF(s.schema_version == 0, "last version header malformed: 0, got %d", s.schema_version);

    tg_header lookalikes[] = { h("tg-schema-versions", "5"), h("tg-schema-versio", "6"),
                               h("traceparents", TP_A), h("Traceparent", TP_A) };
    s = deliver(false, lookalikes, 4);
    CHECKF(s.schema_version == 1 && !s.trace.valid, "other names do not count: %d %d",
           s.schema_version, (int)s.trace.valid);

    tg_header two_traces[] = { h("traceparent", TP_A), h("x-other", "1"), h("traceparent", TP_B) };
    s = deliver(true, two_traces, 3);
    CHECKF(s.trace.valid && strcmp(s.trace.trace_id, "0af7651916cd43dd8448eb211c80319c") == 0
               && strcmp(s.span.trace_id, s.trace.trace_id) == 0 && s.span.flags == 0,
           "last traceparent counts: %s", s.trace.trace_id);

    tg_header bad_trace[] = { h("traceparent", TP_A), h("traceparent", "00-zz") };
    s = deliver(false, bad_trace, 2);
    CHECKF(!s.trace.valid && s.span.valid && strlen(s.span.trace_id) == 32
               && strcmp(s.span.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736") != 0,
           "last traceparent malformed: a new trace");
    return check_done();
}
