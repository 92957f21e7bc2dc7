/* tg_producer: encode + key + topicgen headers + rd_kafka_producev, with
 * per-message delivery reports classified for the caller, bounded flush and
 * close, and the W3C traceparent validator shared with the consumer. */
#define _POSIX_C_SOURCE 200809L
#include "tg_producer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INITIAL_BUF 4096
#define INITIAL_KEY 256

struct tg_producer {
    rd_kafka_t *rk;
    tg_logger logger;
    tg_metrics *metrics;
    tg_delivery_fn on_delivery;
    void *user;
    pthread_mutex_t send_lock;    /* guards buf and key                    */
    char *buf;                    /* reusable encode buffer                */
    size_t cap;
    char *key;                    /* reusable key buffer                   */
    size_t key_cap;
    _Atomic size_t in_flight;     /* queued, delivery report not yet served */
};

tg_send_opts tg_send_opts_default(void)
{
    tg_send_opts o;
    memset(&o, 0, sizeof o);
    o.partition = TG_PARTITION_ANY;
    return o;
}

/* Errors after which sending the same message again can succeed. */
static bool is_retriable(rd_kafka_resp_err_t e)
{
    switch ((int)e) {
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
        return true;
    default:
        return false;
    }
}

static void on_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    tg_producer *p = opaque;
    char fatal_text[256] = "";
    tg_delivery d;
    (void)rk;
    atomic_fetch_sub(&p->in_flight, 1);
    tg_metrics_add(p->metrics, m->err ? TG_M_FAILED_DELIVERIES : TG_M_DELIVERED, 1);
    memset(&d, 0, sizeof d);
    d.topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "";
    d.partition = m->partition;
    d.offset = m->err ? -1 : m->offset;
    d.key = m->key;
    d.key_len = m->key_len;
    d.msg_opaque = m->_private;
    d.err = (int)m->err;
    d.error = m->err ? rd_kafka_message_errstr(m) : "";
    if (m->err && rd_kafka_fatal_error(p->rk, fatal_text, sizeof fatal_text)) {
        d.fatal = true;             /* the producer is unusable (idempotence broken) */
        d.error = fatal_text;
    } else if (m->err) {
        d.retriable = is_retriable(m->err);
    }
    if (p->on_delivery)
        p->on_delivery(p->user, &d);
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    tg_producer *p = rd_kafka_opaque(rk);
    if (p)
        tg_log_rdkafka(&p->logger, level, fac, buf, rd_kafka_name(rk));
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    tg_producer *p = opaque;
    tg_log_kv kv[1] = { { "error", rd_kafka_err2name((rd_kafka_resp_err_t)err) } };
    (void)rk;
    tg_log(&p->logger, err == RD_KAFKA_RESP_ERR__FATAL ? TG_LOG_ERROR : TG_LOG_WARN,
           "producer", reason, kv, 1);
}

tg_producer *tg_producer_new(const tg_config *conf, const tg_producer_opts *opts, tg_error *err)
{
    char errstr[512];
    if (!conf || tg_config_role_of(conf) != TG_CONFIG_PRODUCER) {
        tg_error_set(err, TG_ERR_ARG, "tg_producer_new: need a TG_CONFIG_PRODUCER config");
        return NULL;
    }
    tg_producer *p = calloc(1, sizeof *p);
    rd_kafka_conf_t *rc = tg_config_rdkafka_dup(conf);
    if (!p || !rc || pthread_mutex_init(&p->send_lock, NULL) != 0) {
        free(p);
        if (rc)
            rd_kafka_conf_destroy(rc);
        tg_error_set(err, TG_ERR_NOMEM, "tg_producer_new: out of memory");
        return NULL;
    }
    p->logger = opts && opts->logger ? *opts->logger : tg_logger_default();
    p->metrics = opts ? opts->metrics : NULL;
    p->on_delivery = opts ? opts->on_delivery : NULL;
    p->user = opts ? opts->user : NULL;
    rd_kafka_conf_set_opaque(rc, p);
    rd_kafka_conf_set_dr_msg_cb(rc, on_dr);
    rd_kafka_conf_set_log_cb(rc, on_log);
    rd_kafka_conf_set_error_cb(rc, on_error);
    p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, rc, errstr, sizeof errstr);
    if (!p->rk) {
        rd_kafka_conf_destroy(rc);
        pthread_mutex_destroy(&p->send_lock);
        free(p);
        tg_error_set(err, TG_ERR_KAFKA, "rd_kafka_new (producer): %s", errstr);
        return NULL;
    }
    return p;
}

/* Make *buf hold at least need bytes; only ever grows. */
static int ensure(char **buf, size_t *cap, size_t need, size_t initial)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : initial;
    while (n < need)
        n *= 2;
    char *nb = realloc(*buf, n);
    if (!nb)
        return -1;
    *buf = nb;
    *cap = n;
    return 0;
}

/* Encode into p->buf; *len receives the JSON length.  Called locked. */
static int encode_locked(tg_producer *p, const tg_message_desc *desc, const void *msg,
                         size_t *len, tg_error *err)
{
    size_t need = 0;
    if (ensure(&p->buf, &p->cap, desc->max_json_size ? desc->max_json_size : 1, INITIAL_BUF))
        return tg_error_set(err, TG_ERR_NOMEM, "encode buffer: out of memory");
    tg_json_code code = desc->encode(msg, p->buf, p->cap, &need);
    if (need > p->cap) {
        if (ensure(&p->buf, &p->cap, need, INITIAL_BUF))
            return tg_error_set(err, TG_ERR_NOMEM, "encode buffer: out of memory");
        code = desc->encode(msg, p->buf, p->cap, &need);
    }
    if (code != TG_JSON_OK || need > p->cap)
        return tg_error_set(err, TG_ERR_ENCODE, "encoding %s.%s failed (code %d)",
                            desc->schema, desc->name, (int)code);
    *len = need;
    return 0;
}

/* Extract the key into p->key; *len = 0 means no key.  Called locked. */
static int key_locked(tg_producer *p, const tg_message_desc *desc, const void *msg,
                      size_t *len, tg_error *err)
{
    *len = 0;
    if (!desc->key)
        return 0;
    if (ensure(&p->key, &p->key_cap, INITIAL_KEY, INITIAL_KEY))
        return tg_error_set(err, TG_ERR_NOMEM, "key buffer: out of memory");
    size_t need = desc->key(msg, p->key, p->key_cap);
    if (need > p->key_cap) {
        if (ensure(&p->key, &p->key_cap, need, INITIAL_KEY))
            return tg_error_set(err, TG_ERR_NOMEM, "key buffer: out of memory");
        need = desc->key(msg, p->key, p->key_cap);
    }
    *len = need;
    return 0;
}

static int add_header(rd_kafka_headers_t *h, const char *name, const void *v, size_t len,
                      tg_error *err)
{
    rd_kafka_resp_err_t e = rd_kafka_header_add(h, name, -1, v, (ssize_t)len);
    return e ? tg_error_set(err, TG_ERR_KAFKA, "header %s: %s", name, rd_kafka_err2str(e)) : 0;
}

static int add_extra_headers(rd_kafka_headers_t *h, const tg_header *extra, size_t n,
                             tg_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (add_header(h, extra[i].name, extra[i].value, extra[i].len, err))
            return TG_ERR_KAFKA;
    return 0;
}

/* The topicgen headers for desc (+ traceparent + extras). */
static int build_headers(rd_kafka_headers_t *h, const tg_message_desc *desc,
                         const tg_send_opts *o, tg_error *err)
{
    char schema[256], version[16];
    int n = snprintf(schema, sizeof schema, "%s.%s", desc->schema, desc->name);
    if (n < 0 || (size_t)n >= sizeof schema)
        return tg_error_set(err, TG_ERR_ARG, "schema name too long");
    (void)snprintf(version, sizeof version, "%d", desc->version);
    if (add_header(h, "content-type", "application/json", 16, err)
        || add_header(h, "tg-schema", schema, (size_t)n, err)
        || add_header(h, "tg-schema-version", version, strlen(version), err))
        return TG_ERR_KAFKA;
    if (o->traceparent && add_header(h, "traceparent", o->traceparent, strlen(o->traceparent), err))
        return TG_ERR_KAFKA;
    return add_extra_headers(h, o->headers, o->n_headers, err);
}

/* produceva with owned headers (no GNU-extension macros); frees them on failure. */
static int produce(tg_producer *p, const tg_raw_record *r, rd_kafka_headers_t *h, tg_error *err)
{
    rd_kafka_vu_t vu[8];
    memset(vu, 0, sizeof vu);
    vu[0].vtype = RD_KAFKA_VTYPE_TOPIC;
    vu[0].u.cstr = r->topic;
    vu[1].vtype = RD_KAFKA_VTYPE_PARTITION;
    vu[1].u.i32 = r->partition;
    vu[2].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    vu[2].u.i = RD_KAFKA_MSG_F_COPY;
    vu[3].vtype = RD_KAFKA_VTYPE_KEY;
    vu[3].u.mem.ptr = r->key_len ? (void *)(uintptr_t)r->key : NULL;
    vu[3].u.mem.size = r->key_len;
    vu[4].vtype = RD_KAFKA_VTYPE_VALUE;
    vu[4].u.mem.ptr = (void *)(uintptr_t)r->value;
    vu[4].u.mem.size = r->value_len;
    vu[5].vtype = RD_KAFKA_VTYPE_HEADERS;
    vu[5].u.headers = h;
    vu[6].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
    vu[6].u.i64 = r->timestamp_ms;
    vu[7].vtype = RD_KAFKA_VTYPE_OPAQUE;
    vu[7].u.ptr = r->msg_opaque;
    atomic_fetch_add(&p->in_flight, 1);
    rd_kafka_error_t *e = rd_kafka_produceva(p->rk, vu, 8);
    if (!e)
        return 0;
    atomic_fetch_sub(&p->in_flight, 1);
    rd_kafka_headers_destroy(h);
    int code = rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR__QUEUE_FULL ? TG_ERR_QUEUE_FULL
                                                                        : TG_ERR_KAFKA;
    tg_error_set(err, code, "produce to %s: %s", r->topic, rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
    return code;
}

static int send_locked(tg_producer *p, const tg_message_desc *desc, const void *msg,
                       const tg_send_opts *o, tg_error *err)
{
    size_t len = 0, key_len = 0;
    if (encode_locked(p, desc, msg, &len, err) || key_locked(p, desc, msg, &key_len, err))
        return err ? err->code : TG_ERR_ENCODE;
    rd_kafka_headers_t *h = rd_kafka_headers_new(4 + o->n_headers);
    if (build_headers(h, desc, o, err)) {
        rd_kafka_headers_destroy(h);
        return err ? err->code : TG_ERR_KAFKA;
    }
    tg_raw_record r = { o->topic ? o->topic : desc->topic, o->partition, p->key, key_len,
                        p->buf, len, NULL, NULL, 0, o->timestamp_ms, o->msg_opaque };
    return produce(p, &r, h, err);
}

int tg_producer_send(tg_producer *p, const tg_message_desc *desc, const void *msg,
                     const tg_send_opts *opts, tg_error *err)
{
    tg_send_opts o = opts ? *opts : tg_send_opts_default();
    if (!p || !desc || !msg || !desc->encode || !(o.topic || desc->topic))
        return tg_error_set(err, TG_ERR_ARG, "tg_producer_send: missing producer, message, "
                                             "encoder or topic");
    if (o.traceparent && !tg_traceparent_parse(o.traceparent, strlen(o.traceparent), NULL))
        return tg_error_set(err, TG_ERR_ARG, "invalid traceparent \"%.64s\"", o.traceparent);
    pthread_mutex_lock(&p->send_lock);
    int rc = send_locked(p, desc, msg, &o, err);
    pthread_mutex_unlock(&p->send_lock);
    rd_kafka_poll(p->rk, 0);
    return rc;
}

int tg_producer_send_raw(tg_producer *p, const tg_raw_record *rec, tg_error *err)
{
    if (!p || !rec || !rec->topic)
        return tg_error_set(err, TG_ERR_ARG, "tg_producer_send_raw: missing producer or topic");
    rd_kafka_headers_t *h = rec->base_headers
                                ? rd_kafka_headers_copy(rec->base_headers)
                                : rd_kafka_headers_new(rec->n_headers);
    if (add_extra_headers(h, rec->headers, rec->n_headers, err)) {
        rd_kafka_headers_destroy(h);
        return TG_ERR_KAFKA;
    }
    return produce(p, rec, h, err);
}

int tg_producer_poll(tg_producer *p, int timeout_ms)
{
    return p ? rd_kafka_poll(p->rk, timeout_ms) : 0;
}

size_t tg_producer_in_flight(const tg_producer *p)
{
    return p ? atomic_load(&((tg_producer *)(uintptr_t)p)->in_flight) : 0;
}

int tg_producer_flush(tg_producer *p, int timeout_ms, size_t *undelivered, tg_error *err)
{
    if (!p)
        return tg_error_set(err, TG_ERR_ARG, "tg_producer_flush: NULL producer");
    (void)rd_kafka_flush(p->rk, timeout_ms);
    size_t left = tg_producer_in_flight(p);
    if (undelivered)
        *undelivered = left;
    if (left)
        return tg_error_set(err, TG_ERR_TIMEOUT, "%zu message(s) not delivered within %d ms",
                            left, timeout_ms);
    return 0;
}

int tg_producer_close(tg_producer *p, int timeout_ms, size_t *undelivered)
{
    size_t left = 0;
    if (!p)
        return 0;
    (void)tg_producer_flush(p, timeout_ms, &left, NULL);
    if (left) {
        /* Purge what is left so every message still gets its (error) report. */
        (void)rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        for (int i = 0; i < 50 && tg_producer_in_flight(p) > 0; i++)
            rd_kafka_poll(p->rk, 10);
        char n[32];
        (void)snprintf(n, sizeof n, "%zu", left);
        tg_log_kv kv[1] = { { "undelivered", n } };
        tg_log(&p->logger, TG_LOG_WARN, "producer", "closed with undelivered messages", kv, 1);
    }
    rd_kafka_destroy(p->rk);
    pthread_mutex_destroy(&p->send_lock);
    free(p->buf);
    free(p->key);
    free(p);
    if (undelivered)
        *undelivered = left;
    return left ? TG_ERR_TIMEOUT : 0;
}

rd_kafka_t *tg_producer_handle(tg_producer *p)
{
    return p ? p->rk : NULL;
}

static int hex_field(const char *s, size_t n)
{
    int nonzero = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            return -1;
        nonzero |= ch != '0';
    }
    return nonzero;
}

static unsigned char hex_byte(const char *s)
{
    unsigned v = 0;
    for (int i = 0; i < 2; i++)
        v = v * 16 + (unsigned)(s[i] <= '9' ? s[i] - '0' : s[i] - 'a' + 10);
    return (unsigned char)v;
}

bool tg_traceparent_parse(const char *v, size_t len, tg_trace_context *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!v || len < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-')
        return false;
    if (hex_field(v, 2) < 0 || (v[0] == 'f' && v[1] == 'f'))
        return false;
    if (hex_field(v + 3, 32) <= 0 || hex_field(v + 36, 16) <= 0 || hex_field(v + 53, 2) < 0)
        return false;
    unsigned char version = hex_byte(v);
    if ((version == 0 && len != 55) || (version != 0 && len > 55 && v[55] != '-'))
        return false;
    if (out) {
        out->valid = true;
        out->version = version;
        memcpy(out->trace_id, v + 3, 32);
        memcpy(out->parent_id, v + 36, 16);
        out->flags = hex_byte(v + 53);
    }
    return true;
}
