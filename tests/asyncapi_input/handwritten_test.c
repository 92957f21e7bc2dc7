/*
 * handwritten_test.c - the C that topicgen generates from shop.asyncapi.yaml,
 * a hand-written AsyncAPI 3.0 document, works: its decoders read the
 * documents the AsyncAPI document describes (a union on its discriminator, a
 * nullable $ref, a map, an int64, decimals, defaults), refuse what it does
 * not allow (a bound, an unknown member of an additionalProperties: false
 * message, an unknown variant), re-encode to the exact expected text, and
 * its descriptors carry the channels' topics, the key field and the
 * document's version.
 */
#include "check.h"
#include "shop_events.h"

#include <string.h>

#define LEN(s) (sizeof(s) - 1)

static unsigned char arena_buf[8192];

static tg_json_code decode_event(shop_events_OrderEvent *ev, const char *doc, size_t len,
                                 tg_json_error *first)
{
    tg_arena arena;
    tg_arena_init(&arena, arena_buf, sizeof arena_buf);
    tg_json_errors errs = {first, 1, 0, 0};
    return shop_events_OrderEvent_decode(ev, doc, len, &arena, &errs);
}

static bool str_is(tg_str s, const char *want)
{
    return s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

static void placed_order(void)
{
    static const char doc[] =
        "{\"event\":\"order.placed\",\"order_id\":\"o-17\",\"placed_at\":\"2024-05-01T12:00:00Z\","
        "\"lines\":[{\"sku\":\"A-1\",\"quantity\":2,\"price\":{\"amount\":19.90,\"currency\":\"EUR\"}}],"
        "\"coupon\":null,\"attributes\":{\"gift\":\"yes\"},\"total_cents\":3980}";
    shop_events_OrderEvent ev;
    tg_json_error e = {0};
    CHECKF(decode_event(&ev, doc, LEN(doc), &e) == TG_JSON_OK, "%s: %s", e.path, e.reason);
    CHECK(ev.kind == shop_events_OrderEvent_PLACED);
    const shop_events_OrderPlaced *p = &ev.as.placed;
    CHECK(str_is(p->order_id, "o-17"));
    CHECK(p->lines.count == 1 && p->lines.items[0].quantity == 2);
    CHECK(p->lines.count == 1 && str_is(p->lines.items[0].price.amount, "19.90"));
    CHECK(p->has_coupon && p->coupon_is_null);
    CHECK(p->has_attributes && p->attributes.count == 1 &&
          str_is(p->attributes.items[0].key, "gift"));
    CHECK(p->has_total_cents && p->total_cents == 3980);
    char out[1024];
    size_t len = 0;
    CHECK(shop_events_OrderEvent_encode(&ev, out, sizeof out, &len) == TG_JSON_OK);
    static const char want[] =
        "{\"event\":\"order.placed\",\"order_id\":\"o-17\",\"placed_at\":\"2024-05-01T12:00:00Z\","
        "\"lines\":[{\"sku\":\"A-1\",\"quantity\":2,\"price\":{\"amount\":\"19.90\",\"currency\":\"EUR\"}}],"
        "\"coupon\":null,\"attributes\":{\"gift\":\"yes\"},\"total_cents\":3980}";
    CHECKF(len == LEN(want) && memcmp(out, want, len) == 0, "encoded %.*s", (int)len, out);
}

static void cancelled_and_refused(void)
{
    static const char cancelled[] =
        "{\"event\":\"order.cancelled\",\"order_id\":\"o-17\",\"reason\":\"changed my mind\","
        "\"refund\":{\"amount\":\"19.90\",\"currency\":\"EUR\"}}";
    shop_events_OrderEvent ev;
    tg_json_error e = {0};
    CHECKF(decode_event(&ev, cancelled, LEN(cancelled), &e) == TG_JSON_OK, "%s: %s", e.path,
           e.reason);
    CHECK(ev.kind == shop_events_OrderEvent_CANCELLED && ev.as.cancelled.has_refund &&
          !ev.as.cancelled.refund_is_null && str_is(ev.as.cancelled.refund.currency, "EUR"));
    static const char too_many[] =
        "{\"event\":\"order.placed\",\"order_id\":\"o-1\",\"placed_at\":\"2024-05-01T12:00:00Z\","
        "\"lines\":[{\"sku\":\"A\",\"quantity\":1001,\"price\":{\"amount\":\"1\",\"currency\":\"EUR\"}}]}";
    CHECK(decode_event(&ev, too_many, LEN(too_many), &e) == TG_JSON_E_RANGE);
    CHECKF(strcmp(e.path, "$.lines[0].quantity") == 0, "path %s", e.path);
    static const char unknown_variant[] = "{\"event\":\"order.lost\",\"order_id\":\"o-1\"}";
    CHECK(decode_event(&ev, unknown_variant, LEN(unknown_variant), &e) != TG_JSON_OK);
    static const char long_currency[] =
        "{\"event\":\"order.cancelled\",\"order_id\":\"o\",\"reason\":\"r\","
        "\"refund\":{\"amount\":\"1\",\"currency\":\"EURO\"}}";
    CHECK(decode_event(&ev, long_currency, LEN(long_currency), &e) == TG_JSON_E_LENGTH);
}

static void payment(void)
{
    static const char doc[] =
        "{\"payment_id\":\"0C6C3D5E-8A7E-4D1C-9D7B-3A1F2B4C5D6E\",\"order_id\":\"o-17\","
        "\"amount\":{\"amount\":\"39.80\",\"currency\":\"EUR\"},\"captured_at\":\"2024-05-01T12:01:00Z\"}";
    tg_arena arena;
    tg_arena_init(&arena, arena_buf, sizeof arena_buf);
    tg_json_error e = {0};
    tg_json_errors errs = {&e, 1, 0, 0};
    shop_events_PaymentCaptured pay;
    CHECKF(shop_events_PaymentCaptured_decode(&pay, doc, LEN(doc), &arena, &errs) == TG_JSON_OK,
           "%s: %s", e.path, e.reason);
    CHECK(pay.method == shop_events_PaymentMethod_CARD); /* default: card */
    CHECK(pay.attempts == 1);                             /* default: 1 */
    CHECK(strcmp(shop_events_PaymentMethod_to_wire(shop_events_PaymentMethod_BANK_TRANSFER),
                 "bank-transfer") == 0);
    char key[64];
    size_t n = shop_events_PaymentCaptured_desc.key(&pay, key, sizeof key);
    CHECKF(n == 36 && memcmp(key, "0c6c3d5e-8a7e-4d1c-9d7b-3a1f2b4c5d6e", 36) == 0, "key %.*s",
           (int)n, key);
    static const char extra[] =
        "{\"payment_id\":\"0c6c3d5e-8a7e-4d1c-9d7b-3a1f2b4c5d6e\",\"order_id\":\"o\",\"amount\":"
        "{\"amount\":\"1\",\"currency\":\"EUR\"},\"captured_at\":\"2024-05-01T12:01:00Z\",\"x\":1}";
    tg_arena_init(&arena, arena_buf, sizeof arena_buf);
    CHECK(shop_events_PaymentCaptured_decode(&pay, extra, LEN(extra), &arena, &errs) ==
          TG_JSON_E_UNKNOWN_FIELD);
}

static void descriptors(void)
{
    CHECK(strcmp(shop_events_OrderEvent_desc.topic, "shop.order-events") == 0);
    CHECK(strcmp(shop_events_OrderEvent_desc.dlq_topic, "shop.order-events.dlq") == 0);
    CHECK(strcmp(shop_events_PaymentCaptured_desc.topic, "shop.payments") == 0);
    CHECK(shop_events_OrderEvent_desc.version == 3 && shop_events_PaymentCaptured_desc.version == 3);
    CHECK(strcmp(shop_events_OrderEvent_desc.schema, "shop_events") == 0);
    CHECK(shop_events_OrderEvent_desc.n_variants == 2);
    shop_events_OrderEvent ev;
    shop_events_OrderEvent_init(&ev);
    ev.kind = shop_events_OrderEvent_CANCELLED;
    ev.as.cancelled.order_id = (tg_str){"o-9", 3};
    char key[16];
    size_t n = shop_events_OrderEvent_desc.key(&ev, key, sizeof key);
    CHECK(n == 3 && memcmp(key, "o-9", 3) == 0);
}

int main(void)
{
    placed_order();
    cancelled_and_refused();
    payment();
    descriptors();
    return check_done();
}
