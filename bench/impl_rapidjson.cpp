// impl_rapidjson.cpp: RapidJSON decoders (DOM and SAX) filling
// orders_OrderEvent with the checks of bench_orders_check.h, and RapidJSON's
// Writer encoding it.
//
// Parsing validates UTF-8 (kParseValidateEncodingFlag) and the full grammar.
// Less than topicgen: duplicate keys are not detected (only duplicate known
// members, through the seen bits); a decimal sent as a JSON number is only
// available as a double (DOM).  The Writer does not validate UTF-8 or the
// timestamp/decimal text it is given (topicgen's writer does).
//
// Used as a performance-aware user would: the DOM lives in a memory pool
// over a fixed buffer that is cleared per message, the SAX reader and the
// writer's buffer are reused, so steady state allocates nothing.
#include <rapidjson/document.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "bench_impl.h"
#include "bench_orders_check.h"

using namespace rapidjson;

namespace {

orders_LineItem g_items[BO_MAX_ITEMS];
char g_numtext[BO_MAX_ITEMS + 1][32];
const unsigned kFlags = kParseValidateEncodingFlag;

// ---- DOM -------------------------------------------------------------------------

char g_pool_buf[1 << 20];
MemoryPoolAllocator<> g_pool(g_pool_buf, sizeof g_pool_buf);
CrtAllocator g_stack_alloc;
GenericDocument<UTF8<>, MemoryPoolAllocator<>, CrtAllocator> g_doc(&g_pool, 4096, &g_stack_alloc);
typedef GenericValue<UTF8<>, MemoryPoolAllocator<>> Val;

bool dom_string(const Val &v, tg_str *out, size_t min, size_t max)
{
    if (!v.IsString())
        return false;
    *out = tg_str{v.GetString(), v.GetStringLength()};
    return bo_len(out->ptr, out->len, min, max);
}

bool dom_decimal(const Val &v, tg_str *out, char *numbuf, size_t max)
{
    if (v.IsString()) {
        *out = tg_str{v.GetString(), v.GetStringLength()};
        return bo_decimal(out->ptr, out->len, max);
    }
    if (!v.IsNumber())
        return false;
    *out = tg_str{numbuf, bo_double_text(v.GetDouble(), numbuf)};
    return out->len <= max;
}

bool dom_item(const Val &obj, orders_LineItem *li, char *numbuf)
{
    unsigned seen = 0;
    if (!obj.IsObject())
        return false;
    orders_LineItem_init(li);
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
        int f = bo_item_field(it->name.GetString(), it->name.GetStringLength());
        if (f < 0)
            continue;
        if (seen & (1u << f))
            return false;
        seen |= 1u << f;
        const Val &v = it->value;
        switch (f) {
        case 0: if (!dom_string(v, &li->line_item_id, 1, 64)) return false; break;
        case 1: if (!dom_string(v, &li->product_id, 1, 64)) return false; break;
        case 2: if (!dom_string(v, &li->product_title, 0, 256)) return false; break;
        case 3:
            if (!v.IsInt64() || !bo_quantity(v.GetInt64()))
                return false;
            li->quantity = (int32_t)v.GetInt64();
            break;
        default: if (!dom_decimal(v, &li->price, numbuf, BO_PRICE_MAX)) return false; break;
        }
    }
    return (seen & BO_ITEM_REQUIRED) == BO_ITEM_REQUIRED;
}

int dom_decode(int schema, const char *json, size_t len, void *outp)
{
    if (schema != BENCH_ORDERS)
        return 2;
    orders_OrderEvent *m = static_cast<orders_OrderEvent *>(outp);
    g_pool.Clear();
    g_doc.Parse<kFlags>(json, len);
    if (g_doc.HasParseError() || !g_doc.IsObject())
        return 1;
    unsigned seen = 0;
    orders_OrderEvent_init(m);
    for (auto it = g_doc.MemberBegin(); it != g_doc.MemberEnd(); ++it) {
        int f = bo_order_field(it->name.GetString(), it->name.GetStringLength());
        if (f < 0)
            continue;
        if (seen & (1u << f))
            return 1;
        seen |= 1u << f;
        const Val &v = it->value;
        switch (f) {
        case 0: if (!dom_string(v, &m->order_id, 1, 64)) return 1; break;
        case 1:
            if (!v.IsString() || !bo_timestamp(v.GetString(), v.GetStringLength()))
                return 1;
            m->created_at = tg_str{v.GetString(), v.GetStringLength()};
            break;
        case 2: if (!dom_string(v, &m->customer_name, 1, 200)) return 1; break;
        case 3: {
            if (!v.IsArray() || v.Size() < 1 || v.Size() > BO_MAX_ITEMS)
                return 1;
            size_t n = 0;
            for (auto el = v.Begin(); el != v.End(); ++el, ++n)
                if (!dom_item(*el, &g_items[n], g_numtext[n]))
                    return 1;
            m->line_items.items = g_items;
            m->line_items.count = n;
            break;
        }
        case 4: if (!dom_decimal(v, &m->total_price, g_numtext[BO_MAX_ITEMS], BO_TOTAL_MAX)) return 1; break;
        case 5: if (!dom_string(v, &m->currency, 3, 3)) return 1; break;
        case 6:
            if (!v.IsString() || !bo_status(v.GetString(), v.GetStringLength(), &m->status))
                return 1;
            break;
        default:
            m->has_note = true;
            if (!dom_string(v, &m->note, 0, 1000))
                return 1;
            break;
        }
    }
    return (seen & BO_ORDER_REQUIRED) == BO_ORDER_REQUIRED ? 0 : 1;
}

// ---- SAX -------------------------------------------------------------------------
// A state machine over depth: 1 the order, 2 line_items array, 3 an item.
// Insitu parsing would modify the input, so strings are copied (kept in a
// reused buffer), as RapidJSON's non-insitu SAX hands out transient views.

char g_strbuf[1 << 20];
size_t g_strtop;

struct Handler : BaseReaderHandler<UTF8<>, Handler> {
    orders_OrderEvent *m;
    int depth = 0;       // container depth
    int field = -1;      // member awaiting a value at depth 1 or 3
    int skip = 0;        // depth of an unknown value being skipped (0: none)
    unsigned seen = 0, iseen = 0;
    size_t n = 0;
    bool ok = true;

    bool keep(const char *s, SizeType len, tg_str *out)
    {
        if (g_strtop + len > sizeof g_strbuf)
            return false;
        memcpy(g_strbuf + g_strtop, s, len);
        *out = tg_str{g_strbuf + g_strtop, len};
        g_strtop += len;
        return true;
    }
    bool Null() { return skip || field < 0 ? done() : false; }
    bool Bool(bool) { return skip || field < 0 ? done() : false; }
    bool Int(int i) { return Int64(i); }
    bool Uint(unsigned u) { return Int64(u); }
    bool Uint64(uint64_t u) { return u > INT64_MAX ? (skip || field < 0 ? done() : false) : Int64((int64_t)u); }
    bool Double(double d)
    {
        if (skip || field < 0)
            return done();
        if (depth == 3 && field == 4) {
            li().price = tg_str{g_numtext[n], bo_double_text(d, g_numtext[n])};
            return done();
        }
        if (depth == 1 && field == 4) {
            m->total_price = tg_str{g_numtext[BO_MAX_ITEMS], bo_double_text(d, g_numtext[BO_MAX_ITEMS])};
            return done();
        }
        return false;
    }
    bool Int64(int64_t v)
    {
        if (skip || field < 0)
            return done();
        if (depth == 3 && field == 3) {
            if (!bo_quantity(v))
                return false;
            li().quantity = (int32_t)v;
            return done();
        }
        return Double((double)v);
    }
    orders_LineItem &li() { return g_items[n]; }
    bool done()
    {
        if (!skip)
            field = -1;
        return true;
    }
    bool String(const char *s, SizeType len, bool)
    {
        if (skip || field < 0)
            return done();
        tg_str v;
        if (!keep(s, len, &v))
            return false;
        if (depth == 1) {
            switch (field) {
            case 0: m->order_id = v; if (!bo_len(s, len, 1, 64)) return false; break;
            case 1: m->created_at = v; if (!bo_timestamp(s, len)) return false; break;
            case 2: m->customer_name = v; if (!bo_len(s, len, 1, 200)) return false; break;
            case 4: m->total_price = v; if (!bo_decimal(s, len, BO_TOTAL_MAX)) return false; break;
            case 5: m->currency = v; if (!bo_len(s, len, 3, 3)) return false; break;
            case 6: if (!bo_status(s, len, &m->status)) return false; break;
            case 7: m->has_note = true; m->note = v; if (!bo_len(s, len, 0, 1000)) return false; break;
            default: return false;
            }
        } else if (depth == 3) {
            switch (field) {
            case 0: li().line_item_id = v; if (!bo_len(s, len, 1, 64)) return false; break;
            case 1: li().product_id = v; if (!bo_len(s, len, 1, 64)) return false; break;
            case 2: li().product_title = v; if (!bo_len(s, len, 0, 256)) return false; break;
            case 4: li().price = v; if (!bo_decimal(s, len, BO_PRICE_MAX)) return false; break;
            default: return false;
            }
        } else {
            return false;
        }
        return done();
    }
    bool StartObject()
    {
        depth++;
        if (skip)
            return true;
        if (depth == 1) {
            orders_OrderEvent_init(m);
            return true;
        }
        if (depth == 3) {
            if (n >= BO_MAX_ITEMS)
                return false;
            orders_LineItem_init(&li());
            iseen = 0;
            return true;
        }
        if (field < 0) { // an unknown member's value
            skip = depth;
            return true;
        }
        return false;
    }
    bool Key(const char *s, SizeType len, bool)
    {
        if (skip)
            return true;
        field = depth == 1 ? bo_order_field(s, len) : bo_item_field(s, len);
        if (field < 0)
            return true;
        unsigned &bits = depth == 1 ? seen : iseen;
        if (bits & (1u << field))
            return false;
        bits |= 1u << field;
        if (depth == 1 && field == 7)
            m->has_note = true;
        return true;
    }
    bool EndObject(SizeType)
    {
        if (skip) {
            if (depth-- == skip)
                skip = 0, field = -1;
            return true;
        }
        if (depth == 3) {
            if ((iseen & BO_ITEM_REQUIRED) != BO_ITEM_REQUIRED)
                return false;
            n++;
        } else if (depth == 1) {
            if ((seen & BO_ORDER_REQUIRED) != BO_ORDER_REQUIRED)
                return false;
        }
        depth--;
        field = depth == 2 ? 3 : -1;
        return true;
    }
    bool StartArray()
    {
        depth++;
        if (skip)
            return true;
        if (depth == 2 && field == 3) {
            n = 0;
            return true;
        }
        if (field < 0) {
            skip = depth;
            return true;
        }
        return false;
    }
    bool EndArray(SizeType)
    {
        if (skip) {
            if (depth-- == skip)
                skip = 0, field = -1;
            return true;
        }
        if (depth != 2 || n < 1)
            return false;
        m->line_items.items = g_items;
        m->line_items.count = n;
        depth--;
        field = -1;
        return true;
    }
};

Reader g_reader;

int sax_decode(int schema, const char *json, size_t len, void *outp)
{
    if (schema != BENCH_ORDERS)
        return 2;
    Handler h;
    h.m = static_cast<orders_OrderEvent *>(outp);
    g_strtop = 0;
    MemoryStream ms(json, len);
    ParseResult r = g_reader.Parse<kFlags>(ms, h);
    return r.IsError() || h.depth != 0 ? 1 : 0;
}

// ---- Writer ----------------------------------------------------------------------

StringBuffer g_sb;
Writer<StringBuffer> g_writer;

int encode(int schema, const void *inp, char *buf, size_t cap, size_t *len)
{
    if (schema != BENCH_ORDERS)
        return 2;
    const orders_OrderEvent *m = static_cast<const orders_OrderEvent *>(inp);
    Writer<StringBuffer> &w = g_writer;
    g_sb.Clear();
    w.Reset(g_sb);
#define S(x) w.String((x).ptr, (SizeType)(x).len)
    w.StartObject();
    w.Key("order_id", 8); S(m->order_id);
    w.Key("created_at", 10); S(m->created_at);
    w.Key("customer_name", 13); S(m->customer_name);
    w.Key("line_items", 10);
    w.StartArray();
    for (size_t i = 0; i < m->line_items.count; i++) {
        const orders_LineItem *li = &m->line_items.items[i];
        w.StartObject();
        w.Key("line_item_id", 12); S(li->line_item_id);
        w.Key("product_id", 10); S(li->product_id);
        w.Key("product_title", 13); S(li->product_title);
        w.Key("quantity", 8); w.Int(li->quantity);
        w.Key("price", 5); S(li->price);
        w.EndObject();
    }
    w.EndArray();
    w.Key("total_price", 11); S(m->total_price);
    w.Key("currency", 8); S(m->currency);
    const char *st = orders_OrderStatus_to_wire(m->status);
    if (!st)
        return 1;
    w.Key("status", 6); w.String(st);
    if (m->has_note) {
        w.Key("note", 4); S(m->note);
    }
    w.EndObject();
#undef S
    size_t n = g_sb.GetSize();
    *len = n;
    if (n > cap)
        return 1;
    memcpy(buf, g_sb.GetString(), n);
    return 0;
}

} // namespace

extern "C" {
const bench_impl bench_impl_rapidjson = {
    "rapidjson-dom",
    "no duplicate-key check (only known members, via seen bits); a decimal sent as a JSON "
    "number is only available as a double; Writer does not validate UTF-8",
    1u << BENCH_ORDERS,
    dom_decode,
    encode,
};
const bench_impl bench_impl_rapidjson_sax = {
    "rapidjson-sax",
    "no duplicate-key check (only known members, via seen bits); a decimal sent as a JSON "
    "number is only available as a double",
    1u << BENCH_ORDERS,
    sax_decode,
    nullptr,
};
}
