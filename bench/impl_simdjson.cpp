// impl_simdjson.cpp: simdjson On-Demand and DOM decoders filling
// orders_OrderEvent with the checks of bench_orders_check.h.
//
// simdjson validates UTF-8 of the whole input and the JSON grammar of what
// it visits.  Less than topicgen: duplicate keys are not detected (only
// duplicate known members, through the seen bits); On-Demand does not fully
// validate values it skips (unknown members) and, in 3.0, does not see
// trailing content after the root object; DOM only gives a double for a
// decimal sent as a JSON number (exact text lost).  No encoder: simdjson
// 3.0 has no JSON writer for application structs.
#include <simdjson.h>

#include <string_view>

#include "bench_impl.h"
#include "bench_orders_check.h"

using namespace simdjson;

namespace {

orders_LineItem g_items[BO_MAX_ITEMS];
char g_numtext[BO_MAX_ITEMS + 1][32];

inline tg_str view(std::string_view s) { return tg_str{s.data(), s.size()}; }

// ---- On-Demand -------------------------------------------------------------

ondemand::parser g_od;

template <class V> bool od_string(V &v, tg_str *out, size_t min, size_t max)
{
    std::string_view s;
    if (v.get_string().get(s))
        return false;
    *out = view(s);
    return bo_len(s.data(), s.size(), min, max);
}

template <class V> bool od_decimal(V &v, tg_str *out, char *numbuf, size_t max)
{
    ondemand::json_type t;
    if (v.type().get(t))
        return false;
    if (t == ondemand::json_type::string) {
        std::string_view s;
        if (v.get_string().get(s) || !bo_decimal(s.data(), s.size(), max))
            return false;
        *out = view(s);
        return true;
    }
    if (t != ondemand::json_type::number)
        return false;
    std::string_view raw = v.raw_json_token();
    size_t n = raw.size();
    while (n && (raw[n - 1] == ' ' || raw[n - 1] == '\n' || raw[n - 1] == '\r' || raw[n - 1] == '\t'))
        n--;
    if (!bo_decimal(raw.data(), n, max))
        return false;
    (void)numbuf;
    *out = tg_str{raw.data(), n};
    return true;
}

bool od_item(ondemand::object obj, orders_LineItem *li, char *numbuf)
{
    unsigned seen = 0;
    orders_LineItem_init(li);
    for (auto field : obj) {
        std::string_view key;
        if (field.unescaped_key().get(key))
            return false;
        int f = bo_item_field(key.data(), key.size());
        if (f < 0)
            continue; // unknown: On-Demand skips it
        if (seen & (1u << f))
            return false;
        seen |= 1u << f;
        ondemand::value v;
        if (field.value().get(v))
            return false;
        switch (f) {
        case 0: if (!od_string(v, &li->line_item_id, 1, 64)) return false; break;
        case 1: if (!od_string(v, &li->product_id, 1, 64)) return false; break;
        case 2: if (!od_string(v, &li->product_title, 0, 256)) return false; break;
        case 3: {
            int64_t q;
            if (v.get_int64().get(q) || !bo_quantity(q))
                return false;
            li->quantity = (int32_t)q;
            break;
        }
        default: if (!od_decimal(v, &li->price, numbuf, BO_PRICE_MAX)) return false; break;
        }
    }
    return (seen & BO_ITEM_REQUIRED) == BO_ITEM_REQUIRED;
}

int od_decode(int schema, const char *json, size_t len, void *outp)
{
    if (schema != BENCH_ORDERS)
        return 2;
    orders_OrderEvent *m = static_cast<orders_OrderEvent *>(outp);
    ondemand::document doc;
    if (g_od.iterate(json, len, len + SIMDJSON_PADDING).get(doc))
        return 1;
    ondemand::object obj;
    if (doc.get_object().get(obj))
        return 1;
    unsigned seen = 0;
    orders_OrderEvent_init(m);
    for (auto field : obj) {
        std::string_view key;
        if (field.unescaped_key().get(key))
            return 1;
        int f = bo_order_field(key.data(), key.size());
        if (f < 0)
            continue;
        if (seen & (1u << f))
            return 1;
        seen |= 1u << f;
        ondemand::value v;
        if (field.value().get(v))
            return 1;
        switch (f) {
        case 0: if (!od_string(v, &m->order_id, 1, 64)) return 1; break;
        case 1: {
            std::string_view s;
            if (v.get_string().get(s) || !bo_timestamp(s.data(), s.size()))
                return 1;
            m->created_at = view(s);
            break;
        }
        case 2: if (!od_string(v, &m->customer_name, 1, 200)) return 1; break;
        case 3: {
            ondemand::array arr;
            if (v.get_array().get(arr))
                return 1;
            size_t n = 0;
            for (auto el : arr) {
                ondemand::object io;
                if (n >= BO_MAX_ITEMS || el.get_object().get(io) || !od_item(io, &g_items[n], g_numtext[n]))
                    return 1;
                n++;
            }
            if (n < 1)
                return 1;
            m->line_items.items = g_items;
            m->line_items.count = n;
            break;
        }
        case 4: if (!od_decimal(v, &m->total_price, g_numtext[BO_MAX_ITEMS], BO_TOTAL_MAX)) return 1; break;
        case 5: if (!od_string(v, &m->currency, 3, 3)) return 1; break;
        case 6: {
            std::string_view s;
            if (v.get_string().get(s) || !bo_status(s.data(), s.size(), &m->status))
                return 1;
            break;
        }
        default:
            m->has_note = true;
            if (!od_string(v, &m->note, 0, 1000))
                return 1;
            break;
        }
    }
    if ((seen & BO_ORDER_REQUIRED) != BO_ORDER_REQUIRED)
        return 1;
    // simdjson 3.0 has no document::at_end(): trailing content after the
    // root object is not detected here.
    return 0;
}

// ---- DOM -----------------------------------------------------------------------

dom::parser g_dom;

bool dom_string(dom::element v, tg_str *out, size_t min, size_t max)
{
    std::string_view s;
    if (v.get_string().get(s))
        return false;
    *out = view(s);
    return bo_len(s.data(), s.size(), min, max);
}

bool dom_decimal(dom::element v, tg_str *out, char *numbuf, size_t max)
{
    std::string_view s;
    if (v.is_string()) {
        if (v.get_string().get(s) || !bo_decimal(s.data(), s.size(), max))
            return false;
        *out = view(s);
        return true;
    }
    double d;
    if (v.get_double().get(d)) // int64/uint64/double all convert
        return false;
    *out = tg_str{numbuf, bo_double_text(d, numbuf)};
    return out->len <= max;
}

bool dom_item(dom::object obj, orders_LineItem *li, char *numbuf)
{
    unsigned seen = 0;
    orders_LineItem_init(li);
    for (dom::key_value_pair kv : obj) {
        int f = bo_item_field(kv.key.data(), kv.key.size());
        if (f < 0)
            continue;
        if (seen & (1u << f))
            return false;
        seen |= 1u << f;
        switch (f) {
        case 0: if (!dom_string(kv.value, &li->line_item_id, 1, 64)) return false; break;
        case 1: if (!dom_string(kv.value, &li->product_id, 1, 64)) return false; break;
        case 2: if (!dom_string(kv.value, &li->product_title, 0, 256)) return false; break;
        case 3: {
            int64_t q;
            if (kv.value.get_int64().get(q) || !bo_quantity(q))
                return false;
            li->quantity = (int32_t)q;
            break;
        }
        default: if (!dom_decimal(kv.value, &li->price, numbuf, BO_PRICE_MAX)) return false; break;
        }
    }
    return (seen & BO_ITEM_REQUIRED) == BO_ITEM_REQUIRED;
}

int dom_decode(int schema, const char *json, size_t len, void *outp)
{
    if (schema != BENCH_ORDERS)
        return 2;
    orders_OrderEvent *m = static_cast<orders_OrderEvent *>(outp);
    dom::element root;
    if (g_dom.parse(reinterpret_cast<const uint8_t *>(json), len, false).get(root))
        return 1;
    dom::object obj;
    if (root.get_object().get(obj))
        return 1;
    unsigned seen = 0;
    orders_OrderEvent_init(m);
    for (dom::key_value_pair kv : obj) {
        int f = bo_order_field(kv.key.data(), kv.key.size());
        if (f < 0)
            continue;
        if (seen & (1u << f))
            return 1;
        seen |= 1u << f;
        dom::element v = kv.value;
        switch (f) {
        case 0: if (!dom_string(v, &m->order_id, 1, 64)) return 1; break;
        case 1: {
            std::string_view s;
            if (v.get_string().get(s) || !bo_timestamp(s.data(), s.size()))
                return 1;
            m->created_at = view(s);
            break;
        }
        case 2: if (!dom_string(v, &m->customer_name, 1, 200)) return 1; break;
        case 3: {
            dom::array arr;
            if (v.get_array().get(arr))
                return 1;
            size_t n = 0;
            for (dom::element el : arr) {
                dom::object io;
                if (n >= BO_MAX_ITEMS || el.get_object().get(io) || !dom_item(io, &g_items[n], g_numtext[n]))
                    return 1;
                n++;
            }
            if (n < 1)
                return 1;
            m->line_items.items = g_items;
            m->line_items.count = n;
            break;
        }
        case 4: if (!dom_decimal(v, &m->total_price, g_numtext[BO_MAX_ITEMS], BO_TOTAL_MAX)) return 1; break;
        case 5: if (!dom_string(v, &m->currency, 3, 3)) return 1; break;
        case 6: {
            std::string_view s;
            if (v.get_string().get(s) || !bo_status(s.data(), s.size(), &m->status))
                return 1;
            break;
        }
        default:
            m->has_note = true;
            if (!dom_string(v, &m->note, 0, 1000))
                return 1;
            break;
        }
    }
    return (seen & BO_ORDER_REQUIRED) == BO_ORDER_REQUIRED ? 0 : 1;
}

} // namespace

extern "C" {
const bench_impl bench_impl_simdjson_ondemand = {
    "simdjson-ondemand",
    "no duplicate-key check (only known members, via seen bits); skipped (unknown) values are "
    "not fully validated; trailing content not detected (3.0 API)",
    1u << BENCH_ORDERS,
    od_decode,
    nullptr,
};
const bench_impl bench_impl_simdjson_dom = {
    "simdjson-dom",
    "no duplicate-key check (only known members, via seen bits); a decimal sent as a JSON "
    "number is only available as a double",
    1u << BENCH_ORDERS,
    dom_decode,
    nullptr,
};
}
