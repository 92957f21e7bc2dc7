/* Tests of the broker-free test API (tg_test.h, the generated
 * <Msg>_test_deliver wrappers, the capture producer of tg_producer.h) on
 * the checked-in generated code (orders: a plain message, crm: a union).
 * Each outcome is compared with what the consumer does for the same record
 * (tests/kafka checks the consumer side on the mock cluster).  Prints
 * "N passed, N failed"; exit status 1 on any failure. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "crm_kafka.h"
#include "orders_kafka.h"
#include "check.h"

static const char ORDER[] =
    "{\"order_id\":\"o-1\",\"created_at\":\"2026-11-23T15:39:17Z\",\"customer_name\":\"Ada\","
    "\"line_items\":[{\"line_item_id\":\"l1\",\"product_id\":\"tea\",\"product_title\":\"Tea\","
    "\"quantity\":2,\"price\":\"3.50\"}],\"total_price\":\"7.00\"}";

/* What the handler saw, and what it is told to do. */
typedef struct probe {
    int calls;
    tg_result answer;
    const char *reason;            /* tg_reject_reason text, or NULL */
    tg_msg_meta meta;              /* copy of the last meta          */
    char order_id[16];
    char header[32];               /* value of header "x-test"       */
    int variant_calls[3];
} probe;

static tg_result on_order(void *user, const orders_OrderEvent *ev, const tg_msg_meta *meta)
{
    probe *p = user;
    const void *v;
    size_t n;
    p->calls++;
    p->meta = *meta;
    snprintf(p->order_id, sizeof p->order_id, "%.*s", (int)ev->order_id.len, ev->order_id.ptr);
    p->header[0] = '\0';
    if (tg_meta_header(meta, "x-test", &v, &n))
        snprintf(p->header, sizeof p->header, "%.*s", (int)n, (const char *)v);
    if (p->reason)
        tg_reject_reason(meta, "%s", p->reason);
    return p->answer;
}

static int deliver(probe *p, const char *json, const tg_test_opts *o, tg_test_outcome *out)
{
    orders_OrderEvent_route route = { on_order, p };
    tg_error err;
    int rc = orders_OrderEvent_test_deliver(&route, json, strlen(json), o, out, &err);
    CHECKF(rc == 0, "test_deliver: %s", err.message);
    return rc;
}

static void test_ok_and_meta(void)
{
    probe p = { .answer = TG_OK };
    tg_test_outcome out;
    deliver(&p, ORDER, NULL, &out);
    CHECKF(out.fate == TG_TEST_DONE && out.handler_called && out.result == TG_OK,
           "fate %s result %s", tg_test_fate_name(out.fate), tg_result_name(out.result));
    CHECKF(out.attempt == 1 && out.variant == -1 && out.reason[0] == '\0', "attempt %d",
           out.attempt);
    CHECKF(p.calls == 1 && strcmp(p.order_id, "o-1") == 0, "calls %d id %s", p.calls, p.order_id);
    CHECKF(strcmp(p.meta.topic, "orders") == 0 && p.meta.partition == 0 && p.meta.offset == 0,
           "defaults: %s/%d/%lld", p.meta.topic, (int)p.meta.partition,
           (long long)p.meta.offset);
    CHECKF(p.meta.timestamp_ms == -1 && p.meta.key == NULL && p.meta.raw == NULL
               && p.meta.desc == &orders_OrderEvent_desc && p.meta.attempt == 1,
           "meta defaults");

    tg_header hs[2] = { { "x-test", "hello", 5 },
                        { "traceparent",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", 55 } };
    tg_test_opts o = { .topic = "orders.replay", .partition = 3, .offset = 41,
                       .timestamp_ms = 1764000000000, .key = "o-1", .key_len = 3,
                       .headers = hs, .n_headers = 2, .attempt = 2 };
    deliver(&p, ORDER, &o, &out);
    CHECKF(strcmp(p.meta.topic, "orders.replay") == 0 && p.meta.partition == 3
               && p.meta.offset == 41 && p.meta.timestamp_ms == 1764000000000,
           "given topic/partition/offset/timestamp");
    CHECKF(p.meta.key_len == 3 && memcmp(p.meta.key, "o-1", 3) == 0, "key");
    CHECKF(strcmp(p.header, "hello") == 0, "tg_meta_header read '%s'", p.header);
    CHECKF(p.meta.trace.valid && strcmp(p.meta.trace.trace_id,
                                        "4bf92f3577b34da6a3ce929d0e0e4736") == 0,
           "traceparent parsed into meta.trace");
    CHECKF(p.meta.attempt == 2 && out.attempt == 2, "attempt %d", p.meta.attempt);
}

static void test_decode_error(void)
{
    probe p = { .answer = TG_OK };
    tg_test_outcome out;
    deliver(&p, "{\"order_id\":\"o-1\",\"created_at\":\"yesterday\"}", NULL, &out);
    CHECKF(out.fate == TG_TEST_DEAD_LETTER && !out.handler_called && out.attempt == 0,
           "fate %s", tg_test_fate_name(out.fate));
    CHECKF(strncmp(out.reason, "decode: $.created_at: ", 22) == 0 && strstr(out.reason, "(byte "),
           "reason '%s'", out.reason);
    CHECKF(strcmp(out.path, "$.created_at") == 0, "path '%s'", out.path);
    deliver(&p, "not json", NULL, &out);
    CHECKF(out.fate == TG_TEST_DEAD_LETTER && strcmp(out.path, "$") == 0, "syntax: %s / %s",
           out.reason, out.path);
    CHECKF(p.calls == 0, "handler called %d times", p.calls);
}

static void test_reject_and_retry(void)
{
    probe p = { .answer = TG_REJECT };
    tg_test_outcome out;
    deliver(&p, ORDER, NULL, &out);
    CHECKF(out.fate == TG_TEST_DEAD_LETTER && out.result == TG_REJECT && out.attempt == 1
               && strcmp(out.reason, "rejected by handler") == 0 && out.path[0] == '\0',
           "plain reject: '%s'", out.reason);
    p.reason = "order o-1: amount -3 < 0";
    deliver(&p, ORDER, NULL, &out);
    CHECKF(strcmp(out.reason, "order o-1: amount -3 < 0") == 0, "reject reason '%s'", out.reason);

    p.answer = TG_RETRY;
    p.reason = NULL;
    deliver(&p, ORDER, NULL, &out);
    CHECKF(out.fate == TG_TEST_RETRY && out.result == TG_RETRY && out.reason[0] == '\0',
           "first retry: %s", tg_test_fate_name(out.fate));
    tg_test_opts o = { .attempt = 5 };   /* the default topicgen.retry.max.attempts */
    deliver(&p, ORDER, &o, &out);
    CHECKF(out.fate == TG_TEST_DEAD_LETTER && strcmp(out.reason, "retries exhausted") == 0,
           "last attempt: %s '%s'", tg_test_fate_name(out.fate), out.reason);
    p.reason = "inventory said 503";
    deliver(&p, ORDER, &o, &out);
    CHECKF(strcmp(out.reason, "retries exhausted: inventory said 503") == 0, "'%s'", out.reason);

    tg_error err;
    tg_config *conf = tg_config_new(TG_CONFIG_CONSUMER, &err);
    CHECKF(conf && tg_config_set(conf, "topicgen.retry.max.attempts", "2", &err) == 0, "%s",
           err.message);
    tg_test_opts o2 = { .attempt = 2, .config = conf };
    deliver(&p, ORDER, &o2, &out);
    CHECKF(out.fate == TG_TEST_DEAD_LETTER, "config's max attempts: %s",
           tg_test_fate_name(out.fate));
    o2.attempt = 1;
    deliver(&p, ORDER, &o2, &out);
    CHECKF(out.fate == TG_TEST_RETRY, "attempt 1 of 2: %s", tg_test_fate_name(out.fate));
    tg_config_free(conf);
}

static tg_result refuse(void *user, void *msg, const tg_msg_meta *meta, tg_error *why)
{
    (void)user;
    (void)msg;
    (void)meta;
    tg_error_set(why, TG_ERR_ARG, "no such customer");
    return TG_REJECT;
}

static void test_translator(void)
{
    probe p = { .answer = TG_OK };
    tg_test_outcome out;
    tg_test_opts o = { .translate = refuse };
    deliver(&p, ORDER, &o, &out);
    CHECKF(out.fate == TG_TEST_DEAD_LETTER && !out.handler_called && out.result == TG_REJECT
               && out.attempt == 1 && strcmp(out.reason, "translate: no such customer") == 0,
           "translator reject: '%s'", out.reason);
    CHECKF(p.calls == 0, "handler ran after a translator reject");
}

static void test_schema_check(void)
{
    probe p = { .answer = TG_OK };
    tg_test_outcome out;
    tg_header foreign = { "tg-schema", "billing.Invoice", 15 };
    tg_test_opts o = { .headers = &foreign, .n_headers = 1 };
    deliver(&p, ORDER, &o, &out);
    CHECKF(out.fate == TG_TEST_DEAD_LETTER && !out.handler_called && out.attempt == 0,
           "foreign schema: %s", tg_test_fate_name(out.fate));
    CHECKF(strcmp(out.reason, "schema mismatch: record has tg-schema 'billing.Invoice', this "
                              "consumer expects 'orders.OrderEvent'") == 0,
           "reason '%s'", out.reason);
    tg_test_opts mine = { .producer_headers = true };
    deliver(&p, ORDER, &mine, &out);
    CHECKF(out.fate == TG_TEST_DONE, "own schema: %s '%s'", tg_test_fate_name(out.fate),
           out.reason);

    tg_error err;
    tg_config *conf = tg_config_new(TG_CONFIG_CONSUMER, &err);
    CHECKF(tg_config_set(conf, "topicgen.schema.check", "require", &err) == 0, "%s",
           err.message);
    tg_test_opts req = { .config = conf };
    deliver(&p, ORDER, &req, &out);
    CHECKF(out.fate == TG_TEST_DEAD_LETTER
               && strstr(out.reason, "record has no tg-schema header") != NULL,
           "require without header: '%s'", out.reason);
    CHECKF(tg_config_set(conf, "topicgen.schema.check", "off", &err) == 0, "%s", err.message);
    o.config = conf;
    deliver(&p, ORDER, &o, &out);
    CHECKF(out.fate == TG_TEST_DONE, "off: %s '%s'", tg_test_fate_name(out.fate), out.reason);
    CHECKF(tg_config_set(conf, "topicgen.schema.check", "strict", &err) == TG_ERR_CONFIG
               && strstr(err.message, "match|require|off") != NULL,
           "bad policy: %s", err.message);
    tg_config_free(conf);
}

/* ---- a union: per-variant routes ------------------------------------------------ */

static tg_result on_email(void *user, const crm_EmailReceived *m, const tg_msg_meta *meta)
{
    probe *p = user;
    (void)m;
    p->variant_calls[meta->variant]++;
    return TG_OK;
}

static void test_union(void)
{
    probe p = { .answer = TG_OK };
    crm_InboundMessage_routes routes = { .on_email_received = on_email, .user = &p };
    tg_test_outcome out;
    tg_error err;
    const char email[] = "{\"message_type\":\"email_received\",\"message_id\":\"m1\","
                         "\"customer_id\":\"c1\",\"received_at\":\"2026-11-23T15:39:17Z\","
                         "\"customer\":{},\"subject\":\"Hi\",\"body_text\":\"hello\"}";
    const char form[] = "{\"message_type\":\"form_submitted\",\"message_id\":\"m2\","
                        "\"customer_id\":\"c1\",\"received_at\":\"2026-11-23T15:39:17Z\","
                        "\"customer\":{},\"form_id\":\"f1\",\"fields\":{}}";
    const char sms[] = "{\"message_type\":\"sms_received\",\"message_id\":\"m3\"}";
    CHECKF(crm_InboundMessage_test_deliver(&routes, email, strlen(email), NULL, &out, &err) == 0,
           "%s", err.message);
    CHECKF(out.fate == TG_TEST_DONE && out.variant == 0 && p.variant_calls[0] == 1,
           "email: %s variant %d", tg_test_fate_name(out.fate), out.variant);
    crm_InboundMessage_test_deliver(&routes, form, strlen(form), NULL, &out, &err);
    CHECKF(out.fate == TG_TEST_DEAD_LETTER && !out.handler_called
               && strcmp(out.reason, "unhandled variant 'form_submitted'") == 0
               && strcmp(out.path, "$") == 0,
           "unhandled: '%s' '%s'", out.reason, out.path);
    crm_InboundMessage_test_deliver(&routes, sms, strlen(sms), NULL, &out, &err);
    CHECKF(out.fate == TG_TEST_DEAD_LETTER && strstr(out.reason, "unknown variant") != NULL,
           "unknown tag: '%s'", out.reason);
    CHECKF(p.variant_calls[0] == 1 && p.variant_calls[2] == 0, "calls");
}

static void test_bad_arguments(void)
{
    tg_test_outcome out;
    tg_error err;
    orders_OrderEvent_route none = { NULL, NULL };
    CHECKF(orders_OrderEvent_test_deliver(&none, ORDER, strlen(ORDER), NULL, &out, &err)
               == TG_ERR_ARG, "route without a handler");
    CHECKF(tg_test_deliver(NULL, ORDER, strlen(ORDER), NULL, &out, &err) == TG_ERR_ARG,
           "NULL route");
    CHECKF(crm_InboundMessage_test_deliver(NULL, ORDER, 1, NULL, &out, &err) == TG_ERR_ARG,
           "NULL routes");
}

/* ---- capture producer ------------------------------------------------------------ */

typedef struct reports {
    int n;
    int64_t offsets[8];
    void *opaques[8];
    int errors;
} reports;

static void on_report(void *user, const tg_delivery *d)
{
    reports *r = user;
    if (r->n < 8) {
        r->offsets[r->n] = d->offset;
        r->opaques[r->n] = d->msg_opaque;
    }
    r->n++;
    r->errors += d->err != 0;
}

static void test_capture(void)
{
    reports rep = { 0 };
    tg_producer_opts po = { on_report, &rep, NULL, NULL };
    tg_error err;
    tg_producer *p = tg_producer_new_capture(&po, &err);
    CHECKF(p != NULL && tg_producer_handle(p) == NULL, "capture producer");
    orders_OrderEvent ev;
    orders_OrderEvent_init(&ev);
    ev.order_id = TG_STR_LIT("o-1");
    ev.created_at = TG_STR_LIT("2026-11-23T15:39:17Z");
    ev.customer_name = TG_STR_LIT("Ada");
    ev.total_price = TG_STR_LIT("0.00");
    orders_LineItem li;
    orders_LineItem_init(&li);
    li.line_item_id = li.product_id = TG_STR_LIT("tea");
    li.quantity = 1;
    li.price = TG_STR_LIT("0.00");
    ev.line_items.items = &li;
    ev.line_items.count = 1;
    tg_header extra = { "x-tenant", "acme", 4 };
    tg_send_opts so = tg_send_opts_default();
    so.headers = &extra;
    so.n_headers = 1;
    so.msg_opaque = &rep;
    CHECKF(orders_OrderEvent_send(p, &ev, &so, &err) == 0, "send 1: %s", err.message);
    ev.order_id = TG_STR_LIT("o-2");
    so.topic = "orders.eu";
    so.partition = 2;
    CHECKF(orders_OrderEvent_send(p, &ev, &so, &err) == 0, "send 2: %s", err.message);
    ev.order_id = TG_STR_LIT("o-3");
    so.topic = NULL;
    so.partition = TG_PARTITION_ANY;
    so.n_headers = 0;
    CHECKF(orders_OrderEvent_send(p, &ev, &so, &err) == 0, "send 3: %s", err.message);
    tg_raw_record raw = { "audit", TG_PARTITION_ANY, NULL, 0, "{}", 2, NULL, &extra, 1, 0, NULL };
    CHECKF(tg_producer_send_raw(p, &raw, &err) == 0, "raw: %s", err.message);
    so.traceparent = "00-bad";
    CHECKF(orders_OrderEvent_send(p, &ev, &so, &err) == TG_ERR_ARG, "bad traceparent accepted");

    CHECKF(tg_producer_captured_count(p) == 4, "captured %zu", tg_producer_captured_count(p));
    const tg_captured *c0 = tg_producer_captured(p, 0), *c1 = tg_producer_captured(p, 1),
                      *c2 = tg_producer_captured(p, 2), *c3 = tg_producer_captured(p, 3);
    CHECKF(c0 && c1 && c2 && c3 && tg_producer_captured(p, 4) == NULL, "records");
    if (!(c0 && c1 && c2 && c3))
        return;
    CHECKF(strcmp(c0->topic, "orders") == 0 && strcmp(c1->topic, "orders.eu") == 0
               && strcmp(c2->topic, "orders") == 0 && strcmp(c3->topic, "audit") == 0,
           "topics in send order");
    CHECKF(c0->key_len == 3 && memcmp(c0->key, "o-1", 3) == 0 && strcmp(c2->key, "o-3") == 0
               && c3->key == NULL, "keys");
    CHECKF(c0->partition == TG_PARTITION_ANY && c1->partition == 2, "partitions");
    CHECKF(c0->offset == 0 && c2->offset == 1 && c1->offset == 0 && c3->offset == 0,
           "offsets per topic/partition: %lld %lld %lld", (long long)c0->offset,
           (long long)c1->offset, (long long)c2->offset);
    CHECKF(strstr(c2->value, "\"order_id\":\"o-3\"") && c2->value_len == strlen(c2->value),
           "value %s", c2->value);
    CHECKF(c0->n_headers == 4 && strcmp(c0->headers[0].name, "content-type") == 0
               && strcmp(c0->headers[1].name, "tg-schema") == 0
               && strcmp(c0->headers[3].name, "x-tenant") == 0, "header order");
    CHECKF(strcmp(tg_captured_header(c0, "tg-schema")->value, "orders.OrderEvent") == 0
               && strcmp(tg_captured_header(c0, "tg-schema-version")->value, "1") == 0
               && strcmp(tg_captured_header(c1, "x-tenant")->value, "acme") == 0
               && tg_captured_header(c2, "x-tenant") == NULL && c3->n_headers == 1,
           "header values");

    /* The decoded record goes back through the consumer's steps. */
    probe pr = { .answer = TG_OK };
    orders_OrderEvent_route route = { on_order, &pr };
    tg_test_outcome out;
    tg_test_opts o = { .headers = c0->headers, .n_headers = c0->n_headers };
    CHECKF(orders_OrderEvent_test_deliver(&route, c0->value, c0->value_len, &o, &out, &err) == 0
               && out.fate == TG_TEST_DONE && strcmp(pr.order_id, "o-1") == 0
               && strcmp(pr.header, "") == 0,
           "round trip: %s '%s'", tg_test_fate_name(out.fate), out.reason);

    size_t left = 1;
    CHECKF(tg_producer_flush(p, 0, &left, &err) == 0 && left == 0, "flush left %zu", left);
    CHECKF(rep.n == 4 && rep.errors == 0, "reports %d (errors %d)", rep.n, rep.errors);
    CHECKF(rep.offsets[0] == 0 && rep.offsets[2] == 1 && rep.opaques[0] == &rep, "report fields");
    tg_producer_capture_clear(p);
    CHECKF(tg_producer_captured_count(p) == 0, "cleared");
    CHECKF(orders_OrderEvent_send(p, &ev, NULL, &err) == 0
               && tg_producer_captured(p, 0)->offset == 0, "offsets restart after clear");
    CHECKF(tg_producer_close(p, 0, &left) == 0 && left == 0 && rep.n == 5, "close: reports %d",
           rep.n);
}

int main(void)
{
    test_ok_and_meta();
    test_decode_error();
    test_reject_and_retry();
    test_translator();
    test_schema_check();
    test_union();
    test_bad_arguments();
    test_capture();
    return check_done();
}
