/*
 * bench_orders_check.h: the schema checks of orders.yaml, shared by every
 * competitor decoder so that all of them do the same work as the generated
 * orders_OrderEvent_decode: required fields, JSON types, integer ranges,
 * string lengths in code points (decimals too: price 20, total_price 24),
 * item counts, enum values, RFC 3339
 * timestamps and decimal text (the last two with topicgen's own text rules,
 * so the checks are byte-for-byte the same).  Duplicate *known* members are
 * rejected through the `seen` bits; duplicate unknown members are only
 * caught by decoders whose parser checks duplicates (see each impl).
 */
#ifndef BENCH_ORDERS_CHECK_H
#define BENCH_ORDERS_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif
#include "orders.h"
#include "tg_text_int.h"
#ifdef __cplusplus
}
#endif

#define BO_MAX_ITEMS 500

/* Member index in orders_OrderEvent (schema order), -1 unknown. */
static inline int bo_order_field(const char *k, size_t n)
{
    switch (n) {
    case 8:
        if (memcmp(k, "order_id", 8) == 0) return 0;
        if (memcmp(k, "currency", 8) == 0) return 5;
        return -1;
    case 10:
        if (memcmp(k, "created_at", 10) == 0) return 1;
        if (memcmp(k, "line_items", 10) == 0) return 3;
        return -1;
    case 13: return memcmp(k, "customer_name", 13) == 0 ? 2 : -1;
    case 11: return memcmp(k, "total_price", 11) == 0 ? 4 : -1;
    case 6: return memcmp(k, "status", 6) == 0 ? 6 : -1;
    case 4: return memcmp(k, "note", 4) == 0 ? 7 : -1;
    default: return -1;
    }
}
#define BO_ORDER_REQUIRED 0x1fu

/* Member index in orders_LineItem, -1 unknown. */
static inline int bo_item_field(const char *k, size_t n)
{
    switch (n) {
    case 12: return memcmp(k, "line_item_id", 12) == 0 ? 0 : -1;
    case 10: return memcmp(k, "product_id", 10) == 0 ? 1 : -1;
    case 13: return memcmp(k, "product_title", 13) == 0 ? 2 : -1;
    case 8: return memcmp(k, "quantity", 8) == 0 ? 3 : -1;
    case 5: return memcmp(k, "price", 5) == 0 ? 4 : -1;
    default: return -1;
    }
}
#define BO_ITEM_REQUIRED 0x1fu

/* Code points within [min, max] (the string is valid UTF-8 already, or the
 * parser did not check: see validates_less). */
static inline bool bo_len(const char *p, size_t n, size_t min, size_t max)
{
    tg_str s;
    size_t cp;
    /* The same shortcut as tg_codec_check_length: a code point is 1 to 4
     * bytes, so the byte length often decides without counting. */
    if (n <= max && n / 4 >= min)
        return true;
    s.ptr = p;
    s.len = n;
    cp = tg_str_utf8_length(s);
    return cp >= min && cp <= max;
}

static inline bool bo_timestamp(const char *p, size_t n) { return tg_text_timestamp(p, n) == NULL; }
/* Decimal text (ASCII, so bytes are code points) of at most max characters
 * (schema max_length: price 20, total_price 24). */
#define BO_PRICE_MAX 20
#define BO_TOTAL_MAX 24
static inline bool bo_decimal(const char *p, size_t n, size_t max)
{
    return n <= max && tg_text_is_decimal(p, n);
}

static inline bool bo_status(const char *p, size_t n, orders_OrderStatus *out)
{
    tg_str s;
    s.ptr = p;
    s.len = n;
    return orders_OrderStatus_from_wire(s, out);
}

static inline bool bo_quantity(int64_t v) { return v >= 1 && v <= 10000; }

/* A decimal that arrived as a JSON number the parser only gives as a
 * double: keep the shortest round-trip text (exact text is lost). */
static inline size_t bo_double_text(double v, char *buf /* 32 bytes */)
{
    return tg_text_format_double(v, buf);
}

#endif
