/*
 * impl_jansson.c: jansson decoder filling orders_OrderEvent with the checks
 * of bench_orders_check.h (JSON_REJECT_DUPLICATES on, so duplicate keys are
 * rejected everywhere, like topicgen), and jansson building a tree and
 * dumping it into the caller's buffer (json_dumpb, no output allocation).
 *
 * jansson validates UTF-8 and the full grammar.  Less than topicgen: a
 * decimal sent as a JSON number is only available as an integer or a double
 * (exact text lost).  It allocates one node per value plus hash tables.
 */
#include <jansson.h>

#include "bench_impl.h"
#include "bench_orders_check.h"

static orders_LineItem g_items[BO_MAX_ITEMS];
static char g_numtext[BO_MAX_ITEMS + 1][32];
static json_t *g_tree; /* kept until the next decode: the views point into it */

static bool j_string(const json_t *v, tg_str *out, size_t min, size_t max)
{
    if (!json_is_string(v))
        return false;
    out->ptr = json_string_value(v);
    out->len = json_string_length(v);
    return bo_len(out->ptr, out->len, min, max);
}

static bool j_decimal(const json_t *v, tg_str *out, char *numbuf, size_t max)
{
    if (json_is_string(v)) {
        out->ptr = json_string_value(v);
        out->len = json_string_length(v);
        return bo_decimal(out->ptr, out->len, max);
    }
    if (!json_is_number(v))
        return false;
    out->ptr = numbuf;
    out->len = bo_double_text(json_number_value(v), numbuf);
    return out->len <= max;
}

static bool j_item(json_t *obj, orders_LineItem *li, char *numbuf)
{
    unsigned seen = 0;
    const char *key;
    json_t *v;
    if (!json_is_object(obj))
        return false;
    orders_LineItem_init(li);
    json_object_foreach(obj, key, v) {
        int f = bo_item_field(key, strlen(key));
        if (f < 0)
            continue;
        seen |= 1u << f;
        switch (f) {
        case 0: if (!j_string(v, &li->line_item_id, 1, 64)) return false; break;
        case 1: if (!j_string(v, &li->product_id, 1, 64)) return false; break;
        case 2: if (!j_string(v, &li->product_title, 0, 256)) return false; break;
        case 3:
            if (!json_is_integer(v) || !bo_quantity(json_integer_value(v)))
                return false;
            li->quantity = (int32_t)json_integer_value(v);
            break;
        default: if (!j_decimal(v, &li->price, numbuf, BO_PRICE_MAX)) return false; break;
        }
    }
    return (seen & BO_ITEM_REQUIRED) == BO_ITEM_REQUIRED;
}

static int j_decode(int schema, const char *json, size_t len, void *outp)
{
    orders_OrderEvent *m = outp;
    unsigned seen = 0;
    const char *key;
    json_t *v;
    json_error_t err;
    if (schema != BENCH_ORDERS)
        return 2;
    if (g_tree)
        json_decref(g_tree);
    g_tree = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
    if (!g_tree || !json_is_object(g_tree))
        return 1;
    orders_OrderEvent_init(m);
    json_object_foreach(g_tree, key, v) {
        int f = bo_order_field(key, strlen(key));
        if (f < 0)
            continue;
        seen |= 1u << f;
        switch (f) {
        case 0: if (!j_string(v, &m->order_id, 1, 64)) return 1; break;
        case 1:
            if (!json_is_string(v) || !bo_timestamp(json_string_value(v), json_string_length(v)))
                return 1;
            m->created_at.ptr = json_string_value(v);
            m->created_at.len = json_string_length(v);
            break;
        case 2: if (!j_string(v, &m->customer_name, 1, 200)) return 1; break;
        case 3: {
            size_t i, n;
            if (!json_is_array(v))
                return 1;
            n = json_array_size(v);
            if (n < 1 || n > BO_MAX_ITEMS)
                return 1;
            for (i = 0; i < n; i++)
                if (!j_item(json_array_get(v, i), &g_items[i], g_numtext[i]))
                    return 1;
            m->line_items.items = g_items;
            m->line_items.count = n;
            break;
        }
        case 4: if (!j_decimal(v, &m->total_price, g_numtext[BO_MAX_ITEMS], BO_TOTAL_MAX)) return 1; break;
        case 5: if (!j_string(v, &m->currency, 3, 3)) return 1; break;
        case 6:
            if (!json_is_string(v) ||
                !bo_status(json_string_value(v), json_string_length(v), &m->status))
                return 1;
            break;
        default:
            m->has_note = true;
            if (!j_string(v, &m->note, 0, 1000))
                return 1;
            break;
        }
    }
    return (seen & BO_ORDER_REQUIRED) == BO_ORDER_REQUIRED ? 0 : 1;
}

static json_t *j_str(tg_str s) { return json_stringn(s.ptr, s.len); }

static int j_encode(int schema, const void *inp, char *buf, size_t cap, size_t *len)
{
    const orders_OrderEvent *m = inp;
    json_t *root, *arr;
    const char *st;
    size_t n;
    if (schema != BENCH_ORDERS)
        return 2;
    root = json_object();
    json_object_set_new_nocheck(root, "order_id", j_str(m->order_id));
    json_object_set_new_nocheck(root, "created_at", j_str(m->created_at));
    json_object_set_new_nocheck(root, "customer_name", j_str(m->customer_name));
    arr = json_array();
    for (size_t i = 0; i < m->line_items.count; i++) {
        const orders_LineItem *li = &m->line_items.items[i];
        json_t *o = json_object();
        json_object_set_new_nocheck(o, "line_item_id", j_str(li->line_item_id));
        json_object_set_new_nocheck(o, "product_id", j_str(li->product_id));
        json_object_set_new_nocheck(o, "product_title", j_str(li->product_title));
        json_object_set_new_nocheck(o, "quantity", json_integer(li->quantity));
        json_object_set_new_nocheck(o, "price", j_str(li->price));
        json_array_append_new(arr, o);
    }
    json_object_set_new_nocheck(root, "line_items", arr);
    json_object_set_new_nocheck(root, "total_price", j_str(m->total_price));
    json_object_set_new_nocheck(root, "currency", j_str(m->currency));
    st = orders_OrderStatus_to_wire(m->status);
    json_object_set_new_nocheck(root, "status", json_string(st ? st : ""));
    if (m->has_note)
        json_object_set_new_nocheck(root, "note", j_str(m->note));
    n = json_dumpb(root, buf, cap, JSON_COMPACT);
    json_decref(root);
    *len = n;
    return n == 0 || n > cap;
}

const bench_impl bench_impl_jansson = {
    "jansson",
    "a decimal sent as a JSON number is only available as an integer or double (duplicate keys "
    "rejected with JSON_REJECT_DUPLICATES)",
    1u << BENCH_ORDERS,
    j_decode,
    j_encode,
};
