/* tg_dlq: the dead-letter envelope (contract: tg_dlq_int.h).
 *
 * Builds the tg-dlq-* headers around a source record, cuts the value to the
 * cap, and enqueues the result on a tg_producer or a bare rd_kafka_t; and
 * says, from librdkafka's error code, whether a failed dead letter should be
 * retried as is, sent smaller, or given up on for its topic.  Holds no state:
 * the callers (tg_consumer_dlq.c, the processor) own retries and fallbacks. */
#define _POSIX_C_SOURCE 200809L
#include "tg_dlq_int.h"

#include <stdio.h>
#include <string.h>

tg_dlq_letter tg_dlq_letter_of(const rd_kafka_message_t *m, const char *dlq_topic,
                               const char *reason, const char *path, int attempts)
{
    rd_kafka_headers_t *orig = NULL;
    (void)rd_kafka_message_headers(m, &orig);
    tg_dlq_letter l = { dlq_topic, rd_kafka_topic_name(m->rkt), m->partition, m->offset,
                        rd_kafka_message_timestamp(m, NULL), m->key, m->key_len,
                        m->payload, m->len, orig, reason, path, attempts };
    return l;
}

static void add_text(tg_dlq_envelope *e, const char *name, const char *v)
{
    v = v ? v : "";
    e->headers[e->n_headers++] = (tg_header){ name, v, strlen(v) };
}

static void add_number(tg_dlq_envelope *e, size_t slot, const char *name, long long v)
{
    (void)snprintf(e->text[slot], sizeof e->text[slot], "%lld", v);
    add_text(e, name, e->text[slot]);
}

/* The body of shape: what is kept of the key, value and original headers. */
static void fill_body(tg_dlq_envelope *e, const tg_dlq_letter *l, tg_dlq_shape shape,
                      size_t max_value)
{
    e->key = shape == TG_DLQ_BARE ? NULL : l->key;
    e->key_len = shape == TG_DLQ_BARE ? 0 : l->key_len;
    e->base_headers = shape == TG_DLQ_BARE ? NULL : l->headers;
    e->value = shape == TG_DLQ_WHOLE ? l->value : NULL;
    e->value_len = shape == TG_DLQ_WHOLE ? l->value_len : 0;
    if (e->value && e->value_len > max_value)
        e->value_len = max_value;
    e->cut = shape != TG_DLQ_WHOLE || e->value_len < l->value_len;
}

static const char *cut_name(tg_dlq_shape shape)
{
    return shape == TG_DLQ_BARE ? "bare" : shape == TG_DLQ_NO_VALUE ? "dropped" : "value";
}

void tg_dlq_envelope_build(tg_dlq_envelope *e, const tg_dlq_letter *l, tg_dlq_shape shape,
                           size_t max_value)
{
    memset(e, 0, sizeof *e);
    e->topic = l->dlq_topic;
    fill_body(e, l, shape, max_value);
    add_text(e, "tg-dlq-reason", l->reason);
    add_text(e, "tg-dlq-path", l->path);
    add_text(e, "tg-dlq-topic", l->topic);
    add_number(e, 0, "tg-dlq-partition", l->partition);
    add_number(e, 1, "tg-dlq-offset", (long long)l->offset);
    add_number(e, 2, "tg-dlq-timestamp", (long long)l->timestamp_ms);
    add_number(e, 3, "tg-dlq-attempts", l->attempts);
    if (e->cut) {
        add_text(e, "tg-dlq-truncated", cut_name(shape));
        add_number(e, 4, "tg-dlq-original-size", (long long)l->value_len);
    }
}

int tg_dlq_send(tg_producer *p, const tg_dlq_letter *l, tg_dlq_shape shape, size_t max_value,
                void *msg_opaque, tg_error *err)
{
    tg_dlq_envelope e;
    tg_dlq_envelope_build(&e, l, shape, max_value);
    tg_raw_record r = { e.topic, TG_PARTITION_ANY, e.key, e.key_len, e.value, e.value_len,
                        e.base_headers, e.headers, e.n_headers, 0, msg_opaque };
    return tg_producer_send_raw(p, &r, err);
}

static rd_kafka_headers_t *envelope_headers(const tg_dlq_envelope *e)
{
    rd_kafka_headers_t *h = e->base_headers ? rd_kafka_headers_copy(e->base_headers)
                                            : rd_kafka_headers_new(e->n_headers);
    for (size_t i = 0; h && i < e->n_headers; i++)
        (void)rd_kafka_header_add(h, e->headers[i].name, -1, e->headers[i].value,
                                  (ssize_t)e->headers[i].len);
    return h;
}

rd_kafka_resp_err_t tg_dlq_produce(rd_kafka_t *rk, const tg_dlq_letter *l, tg_dlq_shape shape,
                                   size_t max_value, void *msg_opaque, tg_error *err)
{
    tg_dlq_envelope e;
    tg_dlq_envelope_build(&e, l, shape, max_value);
    rd_kafka_headers_t *h = envelope_headers(&e);
    rd_kafka_vu_t vu[7];
    memset(vu, 0, sizeof vu);
    vu[0].vtype = RD_KAFKA_VTYPE_TOPIC;
    vu[0].u.cstr = e.topic;
    vu[1].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    vu[1].u.i = RD_KAFKA_MSG_F_COPY;
    vu[2].vtype = RD_KAFKA_VTYPE_KEY;
    vu[2].u.mem.ptr = (void *)(uintptr_t)e.key;
    vu[2].u.mem.size = e.key_len;
    vu[3].vtype = RD_KAFKA_VTYPE_VALUE;
    vu[3].u.mem.ptr = (void *)(uintptr_t)e.value;
    vu[3].u.mem.size = e.value_len;
    vu[4].vtype = RD_KAFKA_VTYPE_HEADERS;
    vu[4].u.headers = h;
    vu[5].vtype = RD_KAFKA_VTYPE_OPAQUE;
    vu[5].u.ptr = msg_opaque;
    vu[6].vtype = RD_KAFKA_VTYPE_PARTITION;
    vu[6].u.i32 = RD_KAFKA_PARTITION_UA;
    rd_kafka_error_t *x = rd_kafka_produceva(rk, vu, 7); /* owns h on success */
    if (!x)
        return RD_KAFKA_RESP_ERR_NO_ERROR;
    rd_kafka_resp_err_t code = rd_kafka_error_code(x);
    tg_error_set(err, TG_ERR_KAFKA, "dead letter to %s: %s", e.topic, rd_kafka_error_string(x));
    rd_kafka_error_destroy(x);
    rd_kafka_headers_destroy(h);
    return code;
}

/* The permanent errors, from librdkafka 2.0.2's rdkafka.h: the record was
 * refused for what it is (a smaller one may pass) ... */
static const rd_kafka_resp_err_t shrink_errors[] = {
    RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE,     /* broker's or producer's size limit   */
    RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE,
    RD_KAFKA_RESP_ERR_INVALID_RECORD,         /* e.g. a header the broker refuses    */
    RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE,
    RD_KAFKA_RESP_ERR__INVALID_ARG,
};

/* ... or the topic refuses anything (retrying or shrinking cannot help). */
static const rd_kafka_resp_err_t refused_errors[] = {
    RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
    RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED,
    RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
    RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC,         /* absent after metadata propagation   */
    RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION,        /* an invalid topic name               */
    RD_KAFKA_RESP_ERR_POLICY_VIOLATION,
    RD_KAFKA_RESP_ERR__FATAL,                 /* the producer itself is unusable     */
    RD_KAFKA_RESP_ERR_INVALID_REQUIRED_ACKS,
};

static bool listed(rd_kafka_resp_err_t e, const rd_kafka_resp_err_t *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == e)
            return true;
    return false;
}

tg_dlq_fate tg_dlq_fate_of(rd_kafka_resp_err_t e)
{
    if (listed(e, shrink_errors, sizeof shrink_errors / sizeof shrink_errors[0]))
        return TG_DLQ_SHRINK;
    if (listed(e, refused_errors, sizeof refused_errors / sizeof refused_errors[0]))
        return TG_DLQ_REFUSED;
    return TG_DLQ_RETRY;
}
