/*
 * alloc_test.c (ctest json_alloc): the JSON runtime never touches the heap.
 *
 * Every heap call of this executable is counted (tests/common/alloc_count.h:
 * the allocator replaced by counting versions, or ASan's hooks), glibc's
 * internal ones too.  A deliberate malloc first proves the counter works;
 * then a realistic order document is decoded and re-encoded 10,000 times and
 * the count must stay 0.
 */
#include "alloc_count.h"
#include "check.h"
#include "tg_json.h"

#include <stdlib.h>
#include <string.h>

static const char order[] =
    "{\n"
    "  \"order_id\": \"123e4567-e89b-12d3-a456-426614174000\",\n"
    "  \"created_at\": \"2024-02-29T12:34:56.789+05:30\",\n"
    "  \"customer\": {\"name\": \"Ren\\u00e9e \\\"R\\\" O'Neil\", \"email\": \"renee@example.com\",\n"
    "               \"tags\": [\"vip\", \"caf\xC3\xA9\", \"\\ud83d\\ude00\"]},\n"
    "  \"line_items\": [\n"
    "    {\"sku\": \"A-1\", \"quantity\": 2, \"unit_price\": \"19.99\", \"weight\": 0.1},\n"
    "    {\"sku\": \"B-22\", \"quantity\": 1, \"unit_price\": 5.00, \"weight\": 3.141592653589793238},\n"
    "    {\"sku\": \"C\\/333\", \"quantity\": 10, \"unit_price\": \"0.5\", \"weight\": 1e-310}\n"
    "  ],\n"
    "  \"total\": 9223372036854775807, \"count\": 18446744073709551615, \"paid\": true,\n"
    "  \"note\": null, \"thumb\": \"iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB\",\n"
    "  \"meta\": {\"source\": \"web\", \"ab\": [1, 2.5e10, {\"x\": false}], \"deep\": [[[[]]]]},\n"
    "  \"unknown\": {\"a\": [1, 2, 3], \"b\": \"text with \\n escapes\"}\n"
    "}\n";

static tg_json_reader g_r;
static unsigned char g_abuf[2048];
static tg_json_error g_items[4];

/* Read every value with the matching primitive, write it back. */
static bool round_trip(tg_json_writer *w)
{
    tg_json_errors es = {g_items, 4, 0, 0};
    tg_arena a;
    tg_str k, s;
    int n;

    tg_arena_init(&a, g_abuf, sizeof g_abuf);
    tg_json_reader_init(&g_r, order, sizeof order - 1, &a, &es);
    tg_json_writer_init(w, w->buf, w->cap);
    if (!tg_json_object_begin(&g_r))
        return false;
    tg_json_write_char(w, '{');
    for (n = 0; tg_json_object_next(&g_r, &k) == 1; n++) {
        if (n)
            tg_json_write_char(w, ',');
        tg_json_write_string(w, k);
        tg_json_write_char(w, ':');
        if (k.len == 8 && memcmp(k.ptr, "order_id", 8) == 0) {
            tg_uuid u;
            tg_json_read_uuid(&g_r, &u);
            tg_json_write_uuid(w, &u);
        } else if (k.len == 10 && memcmp(k.ptr, "created_at", 10) == 0) {
            tg_json_read_timestamp(&g_r, &s);
            tg_json_write_timestamp(w, s);
        } else if (k.len == 10 && memcmp(k.ptr, "line_items", 10) == 0) {
            size_t j = 0;
            tg_json_array_begin(&g_r);
            tg_json_write_char(w, '[');
            while (tg_json_array_next(&g_r) == 1) {
                int m = 0;
                if (j++)
                    tg_json_write_char(w, ',');
                tg_json_write_char(w, '{');
                tg_json_object_begin(&g_r);
                while (tg_json_object_next(&g_r, &k) == 1) {
                    double d;
                    int64_t q;
                    if (m++)
                        tg_json_write_char(w, ',');
                    tg_json_write_string(w, k);
                    tg_json_write_char(w, ':');
                    if (k.ptr[0] == 's') {
                        tg_json_read_string(&g_r, &s);
                        tg_json_write_string(w, s);
                    } else if (k.ptr[0] == 'q') {
                        tg_json_read_int(&g_r, 1, 1000, &q);
                        tg_json_write_int(w, q);
                    } else if (k.ptr[0] == 'u') {
                        tg_json_read_decimal(&g_r, &s);
                        tg_json_write_decimal(w, s);
                    } else {
                        tg_json_read_double(&g_r, &d);
                        tg_json_write_double(w, d);
                    }
                }
                tg_json_write_char(w, '}');
            }
            tg_json_write_char(w, ']');
            if (j == 0)
                return false;
        } else if (k.len == 5 && memcmp(k.ptr, "total", 5) == 0) {
            int64_t v;
            tg_json_read_int(&g_r, INT64_MIN, INT64_MAX, &v);
            tg_json_write_int(w, v);
        } else if (k.len == 5 && memcmp(k.ptr, "count", 5) == 0) {
            uint64_t v;
            tg_json_read_uint(&g_r, UINT64_MAX, &v);
            tg_json_write_uint(w, v);
        } else if (k.len == 4 && memcmp(k.ptr, "paid", 4) == 0) {
            bool b;
            tg_json_read_bool(&g_r, &b);
            tg_json_write_bool(w, b);
        } else if (k.len == 4 && memcmp(k.ptr, "note", 4) == 0) {
            if (tg_json_is_null(&g_r))
                tg_json_write_null(w);
        } else if (k.len == 5 && memcmp(k.ptr, "thumb", 5) == 0) {
            tg_bytes b;
            tg_json_read_bytes(&g_r, &b);
            tg_json_write_bytes(w, b);
        } else if (k.len == 7 && memcmp(k.ptr, "unknown", 7) == 0) {
            tg_json_skip_unknown(&g_r, k, false);
            tg_json_write_null(w);
        } else {
            tg_json_read_raw(&g_r, &s);
            tg_json_write_json(w, s);
        }
    }
    tg_json_write_char(w, '}');
    /* A validation error and its formatting are part of the path too. */
    tg_json_error_at(&g_r, 0, TG_JSON_E_ENUM, "expected one of %s, got %d", "a|b", 3);
    {
        char buf[200];
        tg_json_error_format(&g_items[0], buf, sizeof buf);
    }
    if (tg_json_finish(&g_r) || es.count != 1 || !tg_json_writer_ok(w))
        return false;
    /* What was written is valid JSON. */
    tg_json_reader_init(&g_r, w->buf, w->len, NULL, &es);
    tg_json_skip_value(&g_r);
    if (!tg_json_finish(&g_r))
        return false;
    /* Fatal errors format their reasons too. */
    {
        static const char *const bad[] = {"[1, \"\xC0\"]", "{\"a\":1,\"a\":2}", "[1e309, NaN]",
                                          "{\"k\": tru}", "[\"\\ud800\"]"};
        size_t j;
        for (j = 0; j < sizeof bad / sizeof bad[0]; j++) {
            double d;
            tg_json_reader_init(&g_r, bad[j], strlen(bad[j]), NULL, &es);
            if (bad[j][1] == '1' && bad[j][2] == 'e') {
                tg_json_array_begin(&g_r);
                tg_json_array_next(&g_r);
                tg_json_read_double(&g_r, &d);
            }
            tg_json_skip_value(&g_r);
            if (tg_json_finish(&g_r) || es.count == 0)
                return false;
        }
    }
    return true;
}

int main(void)
{
    static char out[4096];
    tg_json_writer w = {out, sizeof out, 0, TG_JSON_OK};
    void *(*volatile m)(size_t) = malloc;
    void (*volatile f)(void *) = free;
    unsigned long before;
    int i, failures = 0;
    void *p;

    alloc_count_start();
    before = alloc_count();
    p = m(64);
    f(p);
    CHECKF(alloc_count() - before == 2, "the counter does not see malloc (%lu)",
           alloc_count() - before);

    /* Warm-up once (lazy libc initialisation, e.g. locale data). */
    CHECKF(round_trip(&w), "round trip failed");
    {
        char msg[200];
        if (g_items[0].code != TG_JSON_E_ENUM) {
            tg_json_error_format(&g_items[0], msg, sizeof msg);
            fprintf(stderr, "first error: %s\n", msg);
        }
    }
    before = alloc_count();
    for (i = 0; i < 10000; i++)
        failures += !round_trip(&w);
    CHECKF(failures == 0, "%d round trips failed", failures);
    CHECKF(alloc_count() == before, "%lu heap calls in 10,000 read+write round trips",
           alloc_count() - before);
    printf("wrote %zu bytes per round trip: %.*s\n", w.len, (int)w.len, out);
    return check_done();
}
