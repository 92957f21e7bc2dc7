/*
 * orders_domain.h: the order store's own model of an order.
 *
 * Started from the skeleton topicgen wrote, then shaped by hand (topicgen
 * never overwrites this file).  Where the wire speaks text, the domain
 * speaks the units the store computes with: money in integer cents, time
 * in Unix milliseconds, identifiers as fixed-size C strings.
 */
#ifndef ORDERS_DOMAIN_H
#define ORDERS_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "orders.h"

#define ORDER_ID_MAX 64        /* schema: order_id max_length */
#define ORDER_SKU_MAX 64       /* schema: product_id max_length */

typedef enum orders_OrderStatus_domain {
    ORDER_PENDING,
    ORDER_PAID,
    ORDER_SHIPPED,
    ORDER_DELIVERED,
    ORDER_CANCELLED
} orders_OrderStatus_domain;

typedef struct orders_LineItem_domain {
    char sku[ORDER_SKU_MAX + 1];
    tg_str title;               /* view into the consumed message */
    int32_t quantity;
    int64_t unit_price_cents;
} orders_LineItem_domain;

typedef struct orders_OrderEvent_domain {
    char id[ORDER_ID_MAX + 1];
    int64_t created_at_ms;
    tg_str customer;            /* view into the consumed message */
    orders_LineItem_domain *lines; /* caller-provided storage ...      */
    size_t lines_cap;           /* ... of this many entries           */
    size_t n_lines;
    int64_t total_cents;
    char currency[4];
    orders_OrderStatus_domain status;
    tg_str note;                /* empty when the order has none */
} orders_OrderEvent_domain;

/* What the order_totals processor writes per valid order. */
typedef struct orders_OrderTotal_domain {
    char id[ORDER_ID_MAX + 1];
    int32_t item_count;         /* units over all lines */
    int64_t total_cents;
    char currency[4];
} orders_OrderTotal_domain;

#endif /* ORDERS_DOMAIN_H */
