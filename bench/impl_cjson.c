/*
 * impl_cjson.c: cJSON decoder filling orders_OrderEvent with the checks of
 * bench_orders_check.h, and cJSON building a tree and printing it into the
 * caller's buffer.
 *
 * Less than topicgen: no UTF-8 validation, no duplicate-key check (only
 * duplicate known members, via the seen bits), numbers are doubles only (an
 * integer field accepts 1.0; a decimal sent as a number loses its exact
 * text), strings are NUL-terminated (an escaped \u0000 truncates them).
 * cJSON allocates one node per value and a copy of every string and key.
 * The encoder uses cJSON's cheapest calls: string and key references (no
 * copies beyond the NUL-terminated staging cJSON needs) and
 * cJSON_PrintPreallocated (no output allocation).
 */
#include <cjson/cJSON.h>
#include <math.h>

#include "bench_impl.h"
#include "bench_orders_check.h"

static orders_LineItem g_items[BO_MAX_ITEMS];
static char g_numtext[BO_MAX_ITEMS + 1][32];
static cJSON *g_tree; /* kept until the next decode: the views point into it */

static bool c_string(const cJSON *v, tg_str *out, size_t min, size_t max)
{
    if (!cJSON_IsString(v))
        return false;
    out->ptr = v->valuestring;
    out->len = strlen(v->valuestring);
    return bo_len(out->ptr, out->len, min, max);
}

static bool c_decimal(const cJSON *v, tg_str *out, char *numbuf, size_t max)
{
    if (cJSON_IsString(v)) {
        out->ptr = v->valuestring;
        out->len = strlen(v->valuestring);
        return bo_decimal(out->ptr, out->len, max);
    }
    if (!cJSON_IsNumber(v))
        return false;
    out->ptr = numbuf;
    out->len = bo_double_text(v->valuedouble, numbuf);
    return out->len <= max;
}

static bool c_item(const cJSON *obj, orders_LineItem *li, char *numbuf)
{
    unsigned seen = 0;
    const cJSON *v;
    if (!cJSON_IsObject(obj))
        return false;
    orders_LineItem_init(li);
    for (v = obj->child; v; v = v->next) {
        int f = bo_item_field(v->string, strlen(v->string));
        if (f < 0)
            continue;
        if (seen & (1u << f))
            return false;
        seen |= 1u << f;
        switch (f) {
        case 0: if (!c_string(v, &li->line_item_id, 1, 64)) return false; break;
        case 1: if (!c_string(v, &li->product_id, 1, 64)) return false; break;
        case 2: if (!c_string(v, &li->product_title, 0, 256)) return false; break;
        case 3:
            if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
                !bo_quantity((int64_t)v->valuedouble))
                return false;
            li->quantity = (int32_t)v->valuedouble;
            break;
        default: if (!c_decimal(v, &li->price, numbuf, BO_PRICE_MAX)) return false; break;
        }
    }
    return (seen & BO_ITEM_REQUIRED) == BO_ITEM_REQUIRED;
}

static int c_decode(int schema, const char *json, size_t len, void *outp)
{
    orders_OrderEvent *m = outp;
    unsigned seen = 0;
    const cJSON *v;
    if (schema != BENCH_ORDERS)
        return 2;
    if (g_tree)
        cJSON_Delete(g_tree);
    {
        /* Only whitespace may follow (cJSON_ParseWithLengthOpts stops at
         * the end of the value and says where). */
        const char *end = NULL;
        g_tree = cJSON_ParseWithLengthOpts(json, len, &end, 0);
        if (!g_tree || !cJSON_IsObject(g_tree))
            return 1;
        while (end < json + len && (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t'))
            end++;
        if (end != json + len)
            return 1;
    }
    orders_OrderEvent_init(m);
    for (v = g_tree->child; v; v = v->next) {
        int f = bo_order_field(v->string, strlen(v->string));
        if (f < 0)
            continue;
        if (seen & (1u << f))
            return 1;
        seen |= 1u << f;
        switch (f) {
        case 0: if (!c_string(v, &m->order_id, 1, 64)) return 1; break;
        case 1:
            if (!cJSON_IsString(v) || !bo_timestamp(v->valuestring, strlen(v->valuestring)))
                return 1;
            m->created_at.ptr = v->valuestring;
            m->created_at.len = strlen(v->valuestring);
            break;
        case 2: if (!c_string(v, &m->customer_name, 1, 200)) return 1; break;
        case 3: {
            size_t n = 0;
            const cJSON *el;
            if (!cJSON_IsArray(v))
                return 1;
            for (el = v->child; el; el = el->next, n++)
                if (n >= BO_MAX_ITEMS || !c_item(el, &g_items[n], g_numtext[n]))
                    return 1;
            if (n < 1)
                return 1;
            m->line_items.items = g_items;
            m->line_items.count = n;
            break;
        }
        case 4: if (!c_decimal(v, &m->total_price, g_numtext[BO_MAX_ITEMS], BO_TOTAL_MAX)) return 1; break;
        case 5: if (!c_string(v, &m->currency, 3, 3)) return 1; break;
        case 6:
            if (!cJSON_IsString(v) ||
                !bo_status(v->valuestring, strlen(v->valuestring), &m->status))
                return 1;
            break;
        default:
            m->has_note = true;
            if (!c_string(v, &m->note, 0, 1000))
                return 1;
            break;
        }
    }
    return (seen & BO_ORDER_REQUIRED) == BO_ORDER_REQUIRED ? 0 : 1;
}

/* NUL-terminated staging for cJSON's C-string API. */
static char g_stage[1 << 20];
static size_t g_stage_top;

static cJSON *c_str(tg_str s)
{
    char *p = g_stage + g_stage_top;
    if (g_stage_top + s.len + 1 > sizeof g_stage)
        return NULL;
    memcpy(p, s.ptr, s.len);
    p[s.len] = 0;
    g_stage_top += s.len + 1;
    return cJSON_CreateStringReference(p);
}

static int c_encode(int schema, const void *inp, char *buf, size_t cap, size_t *len)
{
    const orders_OrderEvent *m = inp;
    cJSON *root, *arr;
    const char *st;
    int ok;
    if (schema != BENCH_ORDERS)
        return 2;
    g_stage_top = 0;
    root = cJSON_CreateObject();
    cJSON_AddItemToObjectCS(root, "order_id", c_str(m->order_id));
    cJSON_AddItemToObjectCS(root, "created_at", c_str(m->created_at));
    cJSON_AddItemToObjectCS(root, "customer_name", c_str(m->customer_name));
    arr = cJSON_CreateArray();
    for (size_t i = 0; i < m->line_items.count; i++) {
        const orders_LineItem *li = &m->line_items.items[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObjectCS(o, "line_item_id", c_str(li->line_item_id));
        cJSON_AddItemToObjectCS(o, "product_id", c_str(li->product_id));
        cJSON_AddItemToObjectCS(o, "product_title", c_str(li->product_title));
        cJSON_AddItemToObjectCS(o, "quantity", cJSON_CreateNumber(li->quantity));
        cJSON_AddItemToObjectCS(o, "price", c_str(li->price));
        cJSON_AddItemToArray(arr, o);
    }
    cJSON_AddItemToObjectCS(root, "line_items", arr);
    cJSON_AddItemToObjectCS(root, "total_price", c_str(m->total_price));
    cJSON_AddItemToObjectCS(root, "currency", c_str(m->currency));
    st = orders_OrderStatus_to_wire(m->status);
    cJSON_AddItemToObjectCS(root, "status", cJSON_CreateStringReference(st ? st : ""));
    if (m->has_note)
        cJSON_AddItemToObjectCS(root, "note", c_str(m->note));
    ok = cJSON_PrintPreallocated(root, buf, (int)(cap > 0x7fffffff ? 0x7fffffff : cap), 0);
    cJSON_Delete(root);
    if (!ok)
        return 1;
    *len = strlen(buf);
    return 0;
}

const bench_impl bench_impl_cjson = {
    "cjson",
    "no UTF-8 validation; no duplicate-key check (only known members, via seen bits); "
    "numbers are doubles (an integer field accepts 1.0)",
    1u << BENCH_ORDERS,
    c_decode,
    c_encode,
};
