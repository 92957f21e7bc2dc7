/*
 * orders_translator.c: wire OrderEvents <-> the order store's model.
 *
 * Started from topicgen's skeleton and filled in by hand.  This is where
 * the anti-corruption layer earns its keep: prices become integer cents
 * (exactly, no double), timestamps become Unix milliseconds, and an order
 * whose total disagrees with its lines is refused instead of stored.
 */
#define _POSIX_C_SOURCE 200809L /* gmtime_r */

#include "orders_translator.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tg_convert.h"

orders_OrderStatus_domain orders_OrderStatus_to_domain(orders_OrderStatus value)
{
    switch (value) {
    case orders_OrderStatus_PENDING:
        return ORDER_PENDING;
    case orders_OrderStatus_PAID:
        return ORDER_PAID;
    case orders_OrderStatus_SHIPPED:
        return ORDER_SHIPPED;
    case orders_OrderStatus_DELIVERED:
        return ORDER_DELIVERED;
    case orders_OrderStatus_CANCELLED:
        return ORDER_CANCELLED;
    }
    return ORDER_PENDING; /* not reached for decoded messages */
}

orders_OrderStatus orders_OrderStatus_from_domain(orders_OrderStatus_domain value)
{
    switch (value) {
    case ORDER_PENDING:
        return orders_OrderStatus_PENDING;
    case ORDER_PAID:
        return orders_OrderStatus_PAID;
    case ORDER_SHIPPED:
        return orders_OrderStatus_SHIPPED;
    case ORDER_DELIVERED:
        return orders_OrderStatus_DELIVERED;
    case ORDER_CANCELLED:
        return orders_OrderStatus_CANCELLED;
    }
    return orders_OrderStatus_PENDING; /* not reached for valid values */
}

/* Cents as decimal text ("12.50") in the arena. */
static bool cents_text(int64_t cents, tg_arena *arena, tg_str *out)
{
    char buf[32];
    uint64_t mag = cents < 0 ? 0 - (uint64_t)cents : (uint64_t)cents;
    int n = snprintf(buf, sizeof buf, "%s%" PRIu64 ".%02" PRIu64, cents < 0 ? "-" : "", mag / 100,
                     mag % 100);
    char *p = tg_arena_alloc(arena, (size_t)n, 1);
    if (!p)
        return false;
    memcpy(p, buf, (size_t)n);
    *out = (tg_str){p, (size_t)n};
    return true;
}

bool orders_LineItem_to_domain(const orders_LineItem *wire, orders_LineItem_domain *out, tg_error *err)
{
    if (!tg_str_copy(wire->product_id, out->sku, sizeof out->sku)) {
        tg_error_set(err, TG_ERR_ARG, "product_id does not fit the store's SKU");
        return false;
    }
    if (!tg_decimal_to_scaled(wire->price, 2, &out->unit_price_cents)) {
        tg_error_set(err, TG_ERR_ARG, "price %.*s is not a whole number of cents",
                     (int)wire->price.len, wire->price.ptr);
        return false;
    }
    out->title = wire->product_title;
    out->quantity = wire->quantity;
    return true;
}

bool orders_LineItem_from_domain(const orders_LineItem_domain *in, orders_LineItem *wire,
        tg_arena *arena, tg_error *err)
{
    orders_LineItem_init(wire);
    wire->product_id = (tg_str){in->sku, strlen(in->sku)};
    wire->line_item_id = wire->product_id;
    wire->product_title = in->title;
    wire->quantity = in->quantity;
    if (!cents_text(in->unit_price_cents, arena, &wire->price)) {
        tg_error_set(err, TG_ERR_NOMEM, "arena too small for the price text");
        return false;
    }
    return true;
}

bool orders_OrderEvent_to_domain(const orders_OrderEvent *wire, orders_OrderEvent_domain *out,
        tg_error *err)
{
    if (!tg_str_copy(wire->order_id, out->id, sizeof out->id) ||
        !tg_str_copy(wire->currency, out->currency, sizeof out->currency) ||
        !tg_timestamp_to_unix_ms(wire->created_at, &out->created_at_ms) ||
        !tg_decimal_to_scaled(wire->total_price, 2, &out->total_cents)) {
        tg_error_set(err, TG_ERR_ARG, "order %.*s: id, currency, created_at or total_price "
                     "cannot be represented", (int)wire->order_id.len, wire->order_id.ptr);
        return false;
    }
    if (wire->line_items.count > out->lines_cap) {
        tg_error_set(err, TG_ERR_ARG, "order has %zu lines, the store takes %zu",
                     wire->line_items.count, out->lines_cap);
        return false;
    }
    int64_t sum = 0;
    for (size_t i = 0; i < wire->line_items.count; i++) {
        if (!orders_LineItem_to_domain(&wire->line_items.items[i], &out->lines[i], err))
            return false;
        sum += out->lines[i].unit_price_cents * out->lines[i].quantity;
    }
    if (sum != out->total_cents) {
        tg_error_set(err, TG_ERR_ARG, "total_price %.*s does not match the lines (%" PRId64 " cents)",
                     (int)wire->total_price.len, wire->total_price.ptr, sum);
        return false;
    }
    out->n_lines = wire->line_items.count;
    out->customer = wire->customer_name;
    out->status = orders_OrderStatus_to_domain(wire->status);
    out->note = wire->has_note ? wire->note : (tg_str){"", 0};
    return true;
}

bool orders_OrderEvent_from_domain(const orders_OrderEvent_domain *in, orders_OrderEvent *wire,
        tg_arena *arena, tg_error *err)
{
    orders_OrderEvent_init(wire);
    orders_LineItem *items = tg_arena_alloc(arena, in->n_lines * sizeof *items, _Alignof(orders_LineItem));
    if (in->n_lines && !items) {
        tg_error_set(err, TG_ERR_NOMEM, "arena too small for %zu lines", in->n_lines);
        return false;
    }
    for (size_t i = 0; i < in->n_lines; i++)
        if (!orders_LineItem_from_domain(&in->lines[i], &items[i], arena, err))
            return false;
    wire->line_items.items = items;
    wire->line_items.count = in->n_lines;
    wire->order_id = (tg_str){in->id, strlen(in->id)};
    wire->customer_name = in->customer;
    wire->currency = (tg_str){in->currency, strlen(in->currency)};
    wire->status = orders_OrderStatus_from_domain(in->status);
    wire->has_note = in->note.len > 0;
    wire->note = in->note;
    if (!cents_text(in->total_cents, arena, &wire->total_price)) {
        tg_error_set(err, TG_ERR_NOMEM, "arena too small for the total text");
        return false;
    }
    /* created_at: the store keeps milliseconds; the wire wants RFC 3339. */
    time_t secs = (time_t)(in->created_at_ms / 1000);
    unsigned ms = (unsigned)(in->created_at_ms % 1000 + 1000) % 1000;
    struct tm tm;
    char *text = tg_arena_alloc(arena, 25, 1);
    if (!text || in->created_at_ms < 0 || !gmtime_r(&secs, &tm)) {
        tg_error_set(err, TG_ERR_NOMEM, "cannot render created_at");
        return false;
    }
    strftime(text, 25, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(text + 19, 6, ".%03uZ", ms % 1000u);
    wire->created_at = (tg_str){text, 24};
    return true;
}

bool orders_OrderTotal_to_domain(const orders_OrderTotal *wire, orders_OrderTotal_domain *out,
        tg_error *err)
{
    if (!tg_str_copy(wire->order_id, out->id, sizeof out->id) ||
        !tg_str_copy(wire->currency, out->currency, sizeof out->currency)) {
        tg_error_set(err, TG_ERR_ARG, "order total %.*s: id or currency cannot be represented",
                     (int)wire->order_id.len, wire->order_id.ptr);
        return false;
    }
    out->item_count = wire->item_count;
    out->total_cents = wire->total_cents;
    return true;
}

bool orders_OrderTotal_from_domain(const orders_OrderTotal_domain *in, orders_OrderTotal *wire,
        tg_arena *arena, tg_error *err)
{
    (void)arena;
    (void)err;
    orders_OrderTotal_init(wire);
    wire->order_id = (tg_str){in->id, strlen(in->id)};
    wire->item_count = in->item_count;
    wire->total_cents = in->total_cents;
    wire->currency = (tg_str){in->currency, strlen(in->currency)};
    return true;
}
