/* cat_fill: writes the records the topicgen-cat tests read (cat_test.py).
 *
 *   cat_fill BROKERS dlq DLQ ORIGINAL N TRUNC_EVERY
 *       N dead letters in DLQ, built by the runtime's own envelope
 *       (tg_dlq_produce, tg_dlq_int.h): letter i comes from ORIGINAL
 *       partition 0 offset i, key "k<i>", value {"id":i}, original headers
 *       tg-schema: test.Letter and x-seq: <i>; reason "reason-A" for even i,
 *       "reason-B" for odd i; every TRUNC_EVERY-th letter (i % TRUNC_EVERY ==
 *       TRUNC_EVERY - 1, 0 = none) is cut: alternately its value cut to 4
 *       bytes (tg-dlq-truncated: value) and dropped (: dropped).
 *   cat_fill BROKERS bad TOPIC
 *       six records in partition 0 of TOPIC, in this order: a valid
 *       OrderEvent; a value that is not JSON; a valid OrderEvent with
 *       tg-schema billing.Invoice; a valid OrderEvent with a header that is
 *       not UTF-8; a valid OrderEvent of 400 line items (about 40 kB of
 *       arena); a valid OrderEvent.
 * Prints "produced N" and exits 0 once every record is acknowledged, 1
 * otherwise. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "tg_dlq_int.h"

static int failures;

static void on_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    (void)opaque;
    if (m->err) {
        failures++;
        (void)fprintf(stderr, "cat_fill: delivery failed: %s\n", rd_kafka_err2str(m->err));
    }
}

static rd_kafka_t *producer(const char *brokers)
{
    char errstr[512];
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    if (rd_kafka_conf_set(c, "bootstrap.servers", brokers, errstr, sizeof errstr) ||
        rd_kafka_conf_set(c, "enable.idempotence", "true", errstr, sizeof errstr) ||
        rd_kafka_conf_set(c, "linger.ms", "5", errstr, sizeof errstr)) {
        (void)fprintf(stderr, "cat_fill: %s\n", errstr);
        exit(1);
    }
    rd_kafka_conf_set_dr_msg_cb(c, on_dr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, c, errstr, sizeof errstr);
    if (!rk) {
        (void)fprintf(stderr, "cat_fill: %s\n", errstr);
        exit(1);
    }
    return rk;
}

static int fill_dlq(rd_kafka_t *rk, const char *dlq, const char *orig, long n, long every)
{
    for (long i = 0; i < n; i++) {
        char key[32], value[64], seq[32];
        int klen = snprintf(key, sizeof key, "k%ld", i);
        int vlen = snprintf(value, sizeof value, "{\"id\":%ld}", i);
        int slen = snprintf(seq, sizeof seq, "%ld", i);
        rd_kafka_headers_t *h = rd_kafka_headers_new(2);
        (void)rd_kafka_header_add(h, "tg-schema", -1, "test.Letter", -1);
        (void)rd_kafka_header_add(h, "x-seq", -1, seq, slen);
        tg_dlq_letter l = {dlq, orig, 0, i, 1000 + i, key, (size_t)klen, value,
                           (size_t)vlen, h, i % 2 ? "reason-B" : "reason-A", "$.id", 1};
        bool cut = every > 0 && i % every == every - 1;
        tg_dlq_shape shape = cut && (i / every) % 2 ? TG_DLQ_NO_VALUE : TG_DLQ_WHOLE;
        tg_error err;
        rd_kafka_resp_err_t e;
        while ((e = tg_dlq_produce(rk, &l, shape, cut ? 4 : 900000, NULL, &err)) ==
               RD_KAFKA_RESP_ERR__QUEUE_FULL)
            (void)rd_kafka_poll(rk, 100);
        rd_kafka_headers_destroy(h);
        if (e) {
            (void)fprintf(stderr, "cat_fill: %s\n", err.message);
            return 1;
        }
        (void)rd_kafka_poll(rk, 0);
    }
    return 0;
}

static const char order_head[] =
    "{\"order_id\":\"%s\",\"created_at\":\"2024-01-01T00:00:00Z\",\"customer_name\":\"Ann\","
    "\"line_items\":[";
static const char order_item[] =
    "{\"line_item_id\":\"l%d\",\"product_id\":\"p\",\"product_title\":\"t\",\"quantity\":1,"
    "\"price\":\"1.00\"}";
static const char order_tail[] = "],\"total_price\":\"1.00\"}";

static char *order(const char *id, int items)
{
    size_t cap = 256 + (size_t)items * 128;
    char *s = malloc(cap);
    size_t n = (size_t)snprintf(s, cap, order_head, id);
    for (int i = 0; i < items; i++) {
        if (i)
            s[n++] = ',';
        n += (size_t)snprintf(s + n, cap - n, order_item, i);
    }
    (void)snprintf(s + n, cap - n, "%s", order_tail);
    return s;
}

static void send_bad(rd_kafka_t *rk, const char *topic, const char *value, const char *schema,
                     const char *hname, const void *hval, size_t hlen)
{
    rd_kafka_headers_t *h = rd_kafka_headers_new(2);
    (void)rd_kafka_header_add(h, "tg-schema", -1, schema, -1);
    if (hname)
        (void)rd_kafka_header_add(h, hname, -1, hval, (ssize_t)hlen);
    rd_kafka_vu_t vu[5];
    memset(vu, 0, sizeof vu);
    vu[0].vtype = RD_KAFKA_VTYPE_TOPIC;
    vu[0].u.cstr = topic;
    vu[1].vtype = RD_KAFKA_VTYPE_PARTITION;
    vu[1].u.i32 = 0;
    vu[2].vtype = RD_KAFKA_VTYPE_VALUE;
    vu[2].u.mem.ptr = (void *)(uintptr_t)value;
    vu[2].u.mem.size = strlen(value);
    vu[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    vu[3].u.i = RD_KAFKA_MSG_F_COPY;
    vu[4].vtype = RD_KAFKA_VTYPE_HEADERS;
    vu[4].u.headers = h;
    rd_kafka_error_t *x = rd_kafka_produceva(rk, vu, 5); /* owns h on success */
    rd_kafka_resp_err_t e = x ? rd_kafka_error_code(x) : RD_KAFKA_RESP_ERR_NO_ERROR;
    if (x)
        rd_kafka_error_destroy(x);
    if (e) {
        rd_kafka_headers_destroy(h);
        failures++;
        (void)fprintf(stderr, "cat_fill: %s\n", rd_kafka_err2str(e));
    }
}

static void fill_bad(rd_kafka_t *rk, const char *topic)
{
    static const unsigned char latin1[] = {'c', 0xE9, 'l', 'i', 'n', 'e'};
    char *ok1 = order("ok-1", 1), *big = order("big", 400), *ok2 = order("ok-2", 1);
    send_bad(rk, topic, ok1, "orders.OrderEvent", NULL, NULL, 0);
    send_bad(rk, topic, "this is not JSON", "orders.OrderEvent", NULL, NULL, 0);
    send_bad(rk, topic, ok1, "billing.Invoice", NULL, NULL, 0);
    send_bad(rk, topic, ok1, "orders.OrderEvent", "x-name", latin1, sizeof latin1);
    send_bad(rk, topic, big, "orders.OrderEvent", NULL, NULL, 0);
    send_bad(rk, topic, ok2, "orders.OrderEvent", NULL, NULL, 0);
    free(ok1);
    free(big);
    free(ok2);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        (void)fprintf(stderr, "usage: cat_fill BROKERS dlq DLQ ORIGINAL N TRUNC_EVERY\n"
                              "       cat_fill BROKERS bad TOPIC\n");
        return 2;
    }
    rd_kafka_t *rk = producer(argv[1]);
    long n = 6;
    int rc = 0;
    if (strcmp(argv[2], "dlq") == 0 && argc == 7) {
        n = atol(argv[5]);
        rc = fill_dlq(rk, argv[3], argv[4], n, atol(argv[6]));
    } else if (strcmp(argv[2], "bad") == 0)
        fill_bad(rk, argv[3]);
    else
        rc = 2;
    if (rd_kafka_flush(rk, 30000) != RD_KAFKA_RESP_ERR_NO_ERROR)
        failures++;
    rd_kafka_destroy(rk);
    if (rc == 0 && failures == 0)
        (void)printf("produced %ld\n", n);
    return rc ? rc : failures ? 1 : 0;
}
