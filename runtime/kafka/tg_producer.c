/* tg_producer: encode + key + topicgen headers + rd_kafka_producev, with
 * per-message delivery reports classified for the caller, fail-fast while
 * every broker is down (ended by any broker answer or by statistics showing
 * a broker up), the spool for sends refused meanwhile (reported like any
 * other send, refused = true), the fallback (fallback topic or spool file)
 * for failed deliveries, and bounded flush and close.  Invariant: every send
 * that returned 0 gets exactly one report.  (The W3C traceparent parser it
 * validates tg_send_opts.traceparent with is tg_trace.c's.) */
#define _POSIX_C_SOURCE 200809L
#include "tg_producer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tg_buf_int.h"
#include "tg_clock_int.h"
#include "tg_embedded.h"
#include "tg_headers_int.h"
#include "tg_http_int.h"
#include "tg_log_int.h"
#include "tg_metrics_int.h"
#include "tg_spool.h"

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
    char hdr_schema[256];         /* tg-schema of the last send (guarded by */
    size_t hdr_schema_len;        /* send_lock; 0 = none yet), and its      */
    int hdr_version;              /* tg-schema-version: formatted once, not */
    char hdr_version_text[16];    /* per message                            */
    size_t hdr_version_len;
    _Atomic size_t in_flight;     /* queued, delivery report not yet served */
    int unavailable_ms;           /* topicgen.producer.unavailable.ms       */
    int fallback;                 /* a tg_fallback                          */
    char fallback_topic[TG_SETTINGS_TEXT_MAX]; /* "" = <topic>.dlq          */
    tg_spool *spool;              /* NULL unless a spool path is used       */
    _Atomic int64_t down_since_ms; /* ALL_BROKERS_DOWN seen (monotonic ms) and
                                     no successful delivery since; 0 = none  */
    _Atomic int closing;          /* close purges: failures skip the DLQ    */
    pthread_mutex_t fb_lock;      /* guards fb_head and refused_head        */
    struct fb_copy *fb_head;      /* fallback copies awaiting their report  */
    _Atomic size_t fb_count;
    struct refused_send *refused_head; /* refused sends spooled, report not yet  */
    struct refused_send **refused_tail; /* served (oldest first)                 */
    _Atomic size_t refused_queued; /* entries in refused_head (written under
                                     fb_lock): serve_refused takes the lock
                                     only when it is not 0                  */
    int64_t last_refusal_log_ms;  /* a refusal without a spool is logged at
                                     most once a second (guarded by fb_lock) */
    struct capture *capture;      /* capture mode (rk NULL), else NULL      */
    tg_embedded *embedded;        /* the shared embedded cluster held, or NULL */
    tg_metrics *own_metrics;      /* with topicgen.metrics.listen and no
                                     opts->metrics: what /metrics serves    */
    tg_http *http;                /* topicgen.metrics.listen's endpoint      */
};

/* A send refused before librdkafka's queue and appended to the spool: its
 * report (refused, fallback spool) is served at the next serving point, as
 * any other report.  Key and topic are copied after the struct. */
typedef struct refused_send {
    struct refused_send *next;
    void *opaque;
    int err;                      /* __ALL_BROKERS_DOWN or __QUEUE_FULL      */
    int32_t partition;
    size_t key_len;
    char *key;                    /* NULL when the message had no key       */
    char *topic;
    char why[300];
} refused_send;

/* A copy of a failed message on its way to the fallback topic: the original's
 * report is made when the copy's own report arrives. */
typedef struct fb_copy {
    struct fb_copy *next;
    void *opaque;                 /* the original msg_opaque                */
    int err;                      /* the original error                     */
    int32_t partition;
    char topic[TG_SETTINGS_TEXT_MAX];
    char error[200];
} fb_copy;

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

/* Fill the parts of a report every path shares. */
static void report(tg_producer *p, const tg_delivery *base, int err, int fallback)
{
    char fatal_text[256] = "";
    tg_delivery d = *base;
    d.err = err;
    d.fallback = err ? fallback : TG_FALLBACK_NONE;
    if (err && rd_kafka_fatal_error(p->rk, fatal_text, sizeof fatal_text)) {
        d.fatal = true;             /* the producer is unusable (idempotence broken) */
        d.error = fatal_text;
    } else if (err) {
        d.retriable = is_retriable((rd_kafka_resp_err_t)err);
    }
    if (p->on_delivery)
        p->on_delivery(p->user, &d);
}

static void log_loss(tg_producer *p, const char *topic, const char *why)
{
    tg_log_kv kv[2] = { { "topic", topic }, { "why", why } };
    tg_log(&p->logger, TG_LOG_ERROR, "producer", "delivery failed and no fallback saved it", kv,
           2);
}

/* The create timestamp of a failed message.  librdkafka 2.0.2's
 * rd_kafka_message_timestamp answers -1 whenever m->err is set, although the
 * message still carries its timestamp; during the delivery callback the
 * message belongs to this thread alone, so clear err for the call. */
static int64_t failed_timestamp(const rd_kafka_message_t *m)
{
    rd_kafka_message_t *w = (rd_kafka_message_t *)(uintptr_t)m;
    rd_kafka_resp_err_t e = w->err;
    rd_kafka_timestamp_type_t tt;
    w->err = RD_KAFKA_RESP_ERR_NO_ERROR;
    int64_t ts = rd_kafka_message_timestamp(w, &tt);
    w->err = e;
    return ts < 0 ? 0 : ts;
}

/* Append one record (headers h, may be NULL) to the spool.  0 on success;
 * on failure the loss is logged. */
static int spool_append(tg_producer *p, const tg_spool_record *base, const rd_kafka_headers_t *h)
{
    tg_error e;
    size_t n = h ? rd_kafka_header_cnt(h) : 0;
    tg_spool_header *sh = n ? calloc(n, sizeof *sh) : NULL;
    if (!p->spool || (n && !sh)) {
        free(sh);
        log_loss(p, base->topic, p->spool ? "out of memory" : "no spool");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = NULL;
        (void)rd_kafka_header_get_all(h, i, &name, &sh[i].value, &sh[i].value_len);
        sh[i].name = name;
        sh[i].name_len = strlen(name);
    }
    tg_spool_record r = *base;
    r.headers = sh;
    r.n_headers = n;
    int rc = tg_spool_append(p->spool, &r, &e);
    free(sh);
    if (rc) {
        log_loss(p, base->topic, e.message);
        return -1;
    }
    tg_metrics_add(p->metrics, TG_M_SPOOLED, 1);
    tg_metrics_add(p->metrics, TG_M_FALLBACK, 1);
    return 0;
}

/* Append failed message m (as sent to `topic`) to the spool.  0 on success. */
static int spool_message(tg_producer *p, const rd_kafka_message_t *m, const char *topic)
{
    rd_kafka_headers_t *h = NULL;
    tg_spool_record r = { topic, strlen(topic), m->partition, failed_timestamp(m), m->key,
                          m->key_len, m->payload, m->len, NULL, 0 };
    return spool_append(p, &r, rd_kafka_message_headers(m, &h) == 0 ? h : NULL);
}

static int produce(tg_producer *p, const tg_raw_record *r, rd_kafka_headers_t *h, tg_error *err);
static int capture_record(tg_producer *p, const tg_raw_record *r, rd_kafka_headers_t *h,
                          tg_error *err);
static int capture_serve(tg_producer *p);
static void capture_free(struct capture *cap);

static int add_text_header(rd_kafka_headers_t *h, const char *name, const char *v)
{
    return rd_kafka_header_add(h, name, -1, v, (ssize_t)strlen(v)) ? -1 : 0;
}

/* If opaque is one of p's fallback copies, unlink and return it. */
static fb_copy *fb_take(tg_producer *p, void *opaque)
{
    fb_copy *found = NULL;
    if (!opaque || atomic_load(&p->fb_count) == 0)
        return NULL;
    pthread_mutex_lock(&p->fb_lock);
    for (fb_copy **pp = &p->fb_head; *pp; pp = &(*pp)->next)
        if (*pp == opaque) {
            found = *pp;
            *pp = found->next;
            atomic_fetch_sub(&p->fb_count, 1);
            break;
        }
    pthread_mutex_unlock(&p->fb_lock);
    return found;
}

/* Send a copy of failed message m to the fallback topic; the original is
 * reported when the copy's report arrives.  0 when the copy was queued. */
static int start_dlq_copy(tg_producer *p, const rd_kafka_message_t *m, const char *topic,
                          int err, const char *why)
{
    rd_kafka_headers_t *orig = NULL, *h;
    char dlq[TG_SETTINGS_TEXT_MAX + 8], part[16], ts[24];
    fb_copy *fb = calloc(1, sizeof *fb);
    (void)snprintf(dlq, sizeof dlq, "%s%s", p->fallback_topic[0] ? p->fallback_topic : topic,
                   p->fallback_topic[0] ? "" : ".dlq");
    if (!fb || strcmp(dlq, topic) == 0 || strlen(topic) >= sizeof fb->topic) {
        free(fb);                   /* never dead-letter a failed copy into itself */
        return -1;
    }
    h = rd_kafka_message_headers(m, &orig) == 0 ? rd_kafka_headers_copy(orig)
                                               : rd_kafka_headers_new(4);
    (void)snprintf(part, sizeof part, "%d", (int)m->partition);
    (void)snprintf(ts, sizeof ts, "%lld", (long long)failed_timestamp(m));
    (void)snprintf(fb->error, sizeof fb->error, "%s", why);
    (void)snprintf(fb->topic, sizeof fb->topic, "%s", topic);
    fb->opaque = m->_private;
    fb->err = err;
    fb->partition = m->partition;
    char reason[240];
    (void)snprintf(reason, sizeof reason, "delivery failed: %s", fb->error);
    if (add_text_header(h, "tg-dlq-reason", reason) || add_text_header(h, "tg-dlq-topic", topic)
        || add_text_header(h, "tg-dlq-partition", part)
        || add_text_header(h, "tg-dlq-timestamp", ts)) {
        rd_kafka_headers_destroy(h);
        free(fb);
        return -1;
    }
    tg_raw_record r = { dlq, TG_PARTITION_ANY, m->key, m->key_len, m->payload, m->len,
                        NULL, NULL, 0, 0, fb };
    pthread_mutex_lock(&p->fb_lock);
    fb->next = p->fb_head;
    p->fb_head = fb;
    atomic_fetch_add(&p->fb_count, 1);
    pthread_mutex_unlock(&p->fb_lock);
    if (produce(p, &r, h, NULL) == 0)   /* produce frees h on failure */
        return 0;
    free(fb_take(p, fb));               /* not queued: unlink it again */
    return -1;
}

/* The outcome of a delivery report.  A success without an offset is not
 * proof that the record is in the log: librdkafka 2.0.2 reports pipelined
 * messages that way after a retried Produce request, and against its mock
 * cluster some of them never arrive (tests/kafka/kafka_inject_test.c).  Such
 * a report counts as a retriable failure, so the caller or the fallback
 * keeps the message: a possible duplicate is better than a silent loss. */
static int delivery_error(const rd_kafka_message_t *m, const char **why)
{
    if (m->err) {
        *why = rd_kafka_err2str(m->err);
        return (int)m->err;
    }
    if (m->offset < 0) {
        *why = "delivery not confirmed: the acknowledgement carried no offset";
        return RD_KAFKA_RESP_ERR__MSG_TIMED_OUT; /* retriable: sending again is safe */
    }
    *why = "";
    return 0;
}

/* The report of a fallback copy: report the original it stands for. */
static void fallback_copy_done(tg_producer *p, const rd_kafka_message_t *m, fb_copy *fb)
{
    tg_delivery d;
    int where = TG_FALLBACK_DLQ;
    memset(&d, 0, sizeof d);
    d.topic = fb->topic;
    d.partition = fb->partition;
    d.offset = -1;
    d.key = m->key;
    d.key_len = m->key_len;
    d.msg_opaque = fb->opaque;
    d.error = fb->error;
    const char *why;
    if (delivery_error(m, &why))    /* the copy failed too: the spool is the last line */
        where = spool_message(p, m, fb->topic) == 0 ? TG_FALLBACK_SPOOL : TG_FALLBACK_NONE;
    else
        tg_metrics_add(p->metrics, TG_M_FALLBACK, 1);
    report(p, &d, fb->err, where);
    free(fb);
}

static void on_dr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    tg_producer *p = opaque;
    fb_copy *fb = fb_take(p, m->_private);
    tg_delivery d;
    const char *why;
    int err = delivery_error(m, &why);
    (void)rk;
    atomic_fetch_sub(&p->in_flight, 1);
    if ((int)m->err >= 0)           /* success or a broker's error: one answered */
        atomic_store(&p->down_since_ms, 0);
    if (fb) {
        fallback_copy_done(p, m, fb);
        return;
    }
    tg_metrics_add(p->metrics, err ? TG_M_FAILED_DELIVERIES : TG_M_DELIVERED, 1);
    memset(&d, 0, sizeof d);
    d.topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "";
    d.partition = m->partition;
    d.offset = err ? -1 : m->offset;
    d.key = m->key;
    d.key_len = m->key_len;
    d.msg_opaque = m->_private;
    d.error = why;
    int where = TG_FALLBACK_NONE;
    if (err && p->fallback == TG_FALLBACK_DLQ && !atomic_load(&p->closing)
        && start_dlq_copy(p, m, d.topic, err, why) == 0)
        return;                     /* reported when the copy is confirmed */
    if (err && p->fallback != TG_FALLBACK_NONE)
        where = spool_message(p, m, d.topic) == 0 ? TG_FALLBACK_SPOOL : TG_FALLBACK_NONE;
    report(p, &d, err, where);
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
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
        int64_t zero = 0;           /* keep the earliest time of this outage */
        (void)atomic_compare_exchange_strong(&p->down_since_ms, &zero, tg_now_ms());
    }
    tg_log(&p->logger, err == RD_KAFKA_RESP_ERR__FATAL ? TG_LOG_ERROR : TG_LOG_WARN,
           "producer", reason, kv, 1);
}

/* Does json[0..len) contain needle? */
static bool contains(const char *json, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (json[i] == needle[0] && memcmp(json + i, needle, n) == 0)
            return true;
    return false;
}

/* Does a librdkafka statistics snapshot taken after since_ms (monotonic ms;
 * its "ts" is librdkafka's monotonic clock in microseconds, the first key
 * of the object) show a broker in state UP? */
static bool broker_up_after(const char *json, size_t len, int64_t since_ms)
{
    const char *ts = NULL;
    for (size_t i = 0; i + 5 < len && !ts; i++)
        if (memcmp(json + i, "\"ts\":", 5) == 0)
            ts = json + i + 5;
    if (!ts)
        return false;
    long long us = strtoll(ts, NULL, 10);
    return us / 1000 > since_ms && contains(json, len, "\"state\":\"UP\"");
}

/* librdkafka's statistics, on the polling thread: a broker up again ends
 * the outage even while the pending messages' reports are still out (a
 * slow answer, retries), so fail-fast never reports a stale outage. */
static int on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
    tg_producer *p = opaque;
    int64_t since = atomic_load(&p->down_since_ms);
    (void)rk;
    if (since && broker_up_after(json, len, since))
        (void)atomic_compare_exchange_strong(&p->down_since_ms, &since, 0);
    return 0;                       /* librdkafka frees json */
}

/* With fail-fast on, ask for statistics often enough (a quarter of the
 * bound, 100 ms to 1 s) to see a broker come back, unless the config
 * already asks for them. */
static void watch_brokers(tg_producer *p, rd_kafka_conf_t *rc)
{
    char v[32];
    size_t vl = sizeof v;
    rd_kafka_conf_set_stats_cb(rc, on_stats);
    if (p->unavailable_ms <= 0 || rd_kafka_conf_get(rc, "statistics.interval.ms", v, &vl)
        || strcmp(v, "0") != 0)
        return;
    int ms = p->unavailable_ms / 4;
    (void)snprintf(v, sizeof v, "%d", ms < 100 ? 100 : ms > 1000 ? 1000 : ms);
    (void)rd_kafka_conf_set(rc, "statistics.interval.ms", v, NULL, 0);
}

/* Read the fallback knobs and open the spool if one is used. */
static int setup_fallback(tg_producer *p, const tg_settings *s, tg_error *err)
{
    p->unavailable_ms = s->producer_unavailable_ms;
    p->fallback = s->producer_fallback;
    memcpy(p->fallback_topic, s->producer_fallback_topic, sizeof p->fallback_topic);
    if (p->fallback == TG_FALLBACK_SPOOL && !s->producer_spool_path[0])
        return tg_error_set(err, TG_ERR_CONFIG, "topicgen.producer.fallback=spool needs "
                                                "topicgen.producer.spool.path");
    if (p->fallback != TG_FALLBACK_NONE && s->producer_spool_path[0]) {
        p->spool = tg_spool_open(s->producer_spool_path, err);
        if (!p->spool)
            return err ? err->code : TG_ERR_IO;
    }
    return 0;
}

static void free_producer(tg_producer *p)
{
    while (p->refused_head) {       /* only when a close could not serve them */
        refused_send *next = p->refused_head->next;
        free(p->refused_head);
        p->refused_head = next;
    }
    while (p->fb_head) {            /* copies rd_kafka_destroy never reported */
        fb_copy *next = p->fb_head->next;
        free(p->fb_head);
        p->fb_head = next;
    }
    tg_http_stop(p->http);          /* before the metrics it serves */
    tg_metrics_free(p->own_metrics);
    tg_spool_close(p->spool);
    capture_free(p->capture);
    tg_embedded_release(p->embedded); /* after rd_kafka_destroy, if there was one */
    pthread_mutex_destroy(&p->fb_lock);
    pthread_mutex_destroy(&p->send_lock);
    free(p->buf);
    free(p->key);
    free(p);
}

/* /readyz of a producer: not closing, and sends are not refused (no
 * broker unreachable for topicgen.producer.unavailable.ms).  A producer
 * has no loop of its own: it is alive while it exists. */
static int producer_ready(void *user, char *why, size_t cap)
{
    tg_producer *p = user;
    int64_t since = atomic_load(&p->down_since_ms);
    if (atomic_load(&p->closing)) {
        (void)snprintf(why, cap, "closing");
        return 0;
    }
    if (since && p->unavailable_ms > 0 && tg_now_ms() - since >= p->unavailable_ms) {
        (void)snprintf(why, cap, "no broker reachable for %lld ms",
                       (long long)(tg_now_ms() - since));
        return 0;
    }
    (void)snprintf(why, cap, "%s", since ? "brokers down, not yet refusing sends" : "");
    return 1;
}

/* The endpoint of topicgen.metrics.listen, if set: opts->metrics, else an
 * object of the producer's own. */
static int start_endpoint(tg_producer *p, const tg_settings *s, tg_error *err)
{
    if (s->metrics_listen[0] == '\0')
        return 0;
    if (!p->metrics && !(p->metrics = p->own_metrics = tg_metrics_new()))
        return tg_error_set(err, TG_ERR_NOMEM, "out of memory");
    tg_http_source src = { p->metrics, NULL, producer_ready, p };
    p->http = tg_http_start(s->metrics_listen, &src, &p->logger, err);
    return p->http ? 0 : (err ? err->code : TG_ERR_CONFIG);
}

const char *tg_producer_metrics_address(const tg_producer *p)
{
    return p ? tg_http_address(p->http) : NULL;
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
    (void)pthread_mutex_init(&p->fb_lock, NULL); /* default attributes: cannot fail on Linux */
    p->refused_tail = &p->refused_head;
    if (setup_fallback(p, tg_config_settings(conf), err)
        || tg_embedded_resolve(rc, &p->embedded, err)) { /* no bootstrap: fail now */
        rd_kafka_conf_destroy(rc);
        free_producer(p);
        return NULL;
    }
    p->logger = tg_logger_choose(opts ? opts->logger : NULL, tg_config_settings(conf));
    p->metrics = opts ? opts->metrics : NULL;
    p->on_delivery = opts ? opts->on_delivery : NULL;
    p->user = opts ? opts->user : NULL;
    if (start_endpoint(p, tg_config_settings(conf), err)) {
        rd_kafka_conf_destroy(rc);
        free_producer(p);
        return NULL;
    }
    rd_kafka_conf_set_opaque(rc, p);
    rd_kafka_conf_set_dr_msg_cb(rc, on_dr);
    rd_kafka_conf_set_log_cb(rc, on_log);
    rd_kafka_conf_set_error_cb(rc, on_error);
    watch_brokers(p, rc);
    p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, rc, errstr, sizeof errstr);
    if (!p->rk) {
        rd_kafka_conf_destroy(rc);
        free_producer(p);
        tg_error_set(err, TG_ERR_KAFKA, "rd_kafka_new (producer): %s", errstr);
        return NULL;
    }
    return p;
}

/* Encode into p->buf; *len receives the JSON length.  Called locked. */
static int encode_locked(tg_producer *p, const tg_message_desc *desc, const void *msg,
                         size_t *len, tg_error *err)
{
    size_t need = 0;
    size_t first = desc->max_json_size ? desc->max_json_size : 1;
    if (tg_buf_reserve(&p->buf, &p->cap, first, INITIAL_BUF))
        return tg_error_set(err, TG_ERR_NOMEM, "encode buffer: out of memory");
    tg_json_code code = desc->encode(msg, p->buf, p->cap, &need);
    if (need > p->cap) {
        if (tg_buf_reserve(&p->buf, &p->cap, need, INITIAL_BUF))
            return tg_error_set(err, TG_ERR_NOMEM, "encode buffer: out of memory");
        code = desc->encode(msg, p->buf, p->cap, &need);
    }
    if (code != TG_JSON_OK || need > p->cap)
        return tg_error_set(err, TG_ERR_ENCODE,
                            "encoding %s.%s failed: %s (a field holds what JSON or the schema "
                            "cannot carry: empty or invalid timestamp, uuid or decimal text, "
                            "invalid UTF-8, NaN, or a union without a variant)",
                            desc->schema, desc->name, tg_json_code_name(code));
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
    if (tg_buf_reserve(&p->key, &p->key_cap, INITIAL_KEY, INITIAL_KEY))
        return tg_error_set(err, TG_ERR_NOMEM, "key buffer: out of memory");
    size_t need = desc->key(msg, p->key, p->key_cap);
    if (need > p->key_cap) {
        if (tg_buf_reserve(&p->key, &p->key_cap, need, INITIAL_KEY))
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

/* Does the cached tg-schema text equal "<schema>.<name>"?  (Compared by
 * content, not by descriptor address: a descriptor may be rebuilt.) */
static bool schema_cached(const tg_producer *p, const char *schema, const char *name)
{
    size_t sl = strlen(schema), nl = strlen(name);
    return p->hdr_schema_len == sl + 1 + nl && memcmp(p->hdr_schema, schema, sl) == 0
           && p->hdr_schema[sl] == '.' && memcmp(p->hdr_schema + sl + 1, name, nl) == 0;
}

/* The topicgen headers for desc (+ traceparent + extras).  Called locked:
 * the tg-schema and tg-schema-version texts are formatted only when they
 * differ from the previous send's (two snprintf calls were ~5% of a send). */
static int build_headers(tg_producer *p, rd_kafka_headers_t *h, const tg_message_desc *desc,
                         const tg_send_opts *o, tg_error *err)
{
    if (!desc->schema || !desc->name || !schema_cached(p, desc->schema, desc->name)) {
        char schema[sizeof p->hdr_schema];
        int n = snprintf(schema, sizeof schema, "%s.%s", desc->schema, desc->name);
        if (n < 0 || (size_t)n >= sizeof schema)
            return tg_error_set(err, TG_ERR_ARG, "schema name too long");
        memcpy(p->hdr_schema, schema, (size_t)n + 1);
        p->hdr_schema_len = (size_t)n;
    }
    if (p->hdr_version_len == 0 || p->hdr_version != desc->version) {
        (void)snprintf(p->hdr_version_text, sizeof p->hdr_version_text, "%d", desc->version);
        p->hdr_version = desc->version;
        p->hdr_version_len = strlen(p->hdr_version_text);
    }
    if (add_header(h, "content-type", "application/json", 16, err)
        || add_header(h, TG_HDR_SCHEMA, p->hdr_schema, p->hdr_schema_len, err)
        || add_header(h, TG_HDR_SCHEMA_VERSION, p->hdr_version_text, p->hdr_version_len, err))
        return TG_ERR_KAFKA;
    if (o->traceparent && add_header(h, TG_HDR_TRACEPARENT, o->traceparent, strlen(o->traceparent), err))
        return TG_ERR_KAFKA;
    return add_extra_headers(h, o->headers, o->n_headers, err);
}


/* produceva with owned headers (no GNU-extension macros).  On failure h
 * is still the caller's, to spool or destroy. */
static int produce_keep(tg_producer *p, const tg_raw_record *r, rd_kafka_headers_t *h,
                        tg_error *err)
{
    rd_kafka_vu_t vu[8];
    if (p->capture)
        return capture_record(p, r, h, err);
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
    rd_kafka_resp_err_t cause = rd_kafka_error_code(e);
    int code = cause == RD_KAFKA_RESP_ERR__QUEUE_FULL ? TG_ERR_QUEUE_FULL : TG_ERR_KAFKA;
    tg_error_set(err, code, "produce to %s: %s", r->topic, rd_kafka_error_string(e));
    if (err)
        err->cause = (int)cause;
    rd_kafka_error_destroy(e);
    return code;
}

/* produce_keep, destroying h on failure. */
static int produce(tg_producer *p, const tg_raw_record *r, rd_kafka_headers_t *h, tg_error *err)
{
    int rc = produce_keep(p, r, h, err);
    if (rc)
        rd_kafka_headers_destroy(h);
    return rc;
}

/* ---- refused sends: spooled with a report, or impossible to miss ---------- */

/* librdkafka said every broker is down, and no broker has answered since. */
static bool brokers_down(tg_producer *p)
{
    return atomic_load(&p->down_since_ms) != 0;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Append a refused record to the spool and queue its report (refused,
 * fallback spool).  0 when spooled; else code, with err saying that the
 * message was neither sent nor saved. */
static int spool_refused(tg_producer *p, const tg_raw_record *r, const rd_kafka_headers_t *h,
                         int code, tg_error *err)
{
    size_t tl = strlen(r->topic);
    refused_send *rf = calloc(1, sizeof *rf + r->key_len + tl + 2);
    tg_spool_record sr = { r->topic, tl, r->partition,
                           r->timestamp_ms ? r->timestamp_ms : wall_ms(),
                           r->key_len ? r->key : NULL, r->key_len, r->value, r->value_len,
                           NULL, 0 };
    if (!rf || spool_append(p, &sr, h)) {
        char why[sizeof err->message];
        free(rf);
        tg_metrics_add(p->metrics, TG_M_REFUSED, 1);
        memcpy(why, err->message, sizeof why);
        return tg_error_set(err, code, "%.300s; the spool append failed too: NOT sent and NOT "
                            "spooled, the message is still yours", why);
    }
    rf->opaque = r->msg_opaque;
    rf->err = code == TG_ERR_QUEUE_FULL ? RD_KAFKA_RESP_ERR__QUEUE_FULL
                                        : RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN;
    rf->partition = r->partition;
    rf->key_len = r->key_len;
    rf->key = r->key_len ? memcpy((char *)(rf + 1), r->key, r->key_len) : NULL;
    rf->topic = memcpy((char *)(rf + 1) + r->key_len + 1, r->topic, tl + 1);
    (void)snprintf(rf->why, sizeof rf->why, "refused and spooled: %s", err->message);
    atomic_fetch_add(&p->in_flight, 1);  /* until its report is served */
    pthread_mutex_lock(&p->fb_lock);
    *p->refused_tail = rf;
    p->refused_tail = &rf->next;
    atomic_fetch_add_explicit(&p->refused_queued, 1, memory_order_release);
    pthread_mutex_unlock(&p->fb_lock);
    tg_metrics_add(p->metrics, TG_M_REFUSED, 1);
    return 0;
}

/* A refused send without a spool: counted, logged (at most once a second)
 * and returned with a text that says the message was not saved. */
static int refused_unsaved(tg_producer *p, int code, tg_error *err)
{
    int64_t now = tg_now_ms();
    bool log_it = false;
    tg_metrics_add(p->metrics, TG_M_REFUSED, 1);
    pthread_mutex_lock(&p->fb_lock);
    if (now - p->last_refusal_log_ms >= 1000) {
        p->last_refusal_log_ms = now;
        log_it = true;
    }
    pthread_mutex_unlock(&p->fb_lock);
    char why[sizeof err->message];
    memcpy(why, err->message, sizeof why);
    tg_error_set(err, code, "%.300s: NOT sent and NOT spooled (no topicgen.producer.spool.path), "
                 "the message is still yours", why);
    if (log_it) {
        tg_log_kv kv[1] = { { "error", err->message } };
        tg_log(&p->logger, TG_LOG_WARN, "producer", "send refused", kv, 1);
    }
    return code;
}

/* Queue r (headers h, owned) unless it is refused: no broker reachable
 * for longer than the bound (unavailable; err holds why), or librdkafka's
 * queue full while no broker is reachable (it cannot drain).  A refused
 * send goes to the spool when there is one.  A full queue while a broker is
 * reachable stays TG_ERR_QUEUE_FULL: it drains, poll and send again. */
static int submit(tg_producer *p, const tg_raw_record *r, rd_kafka_headers_t *h,
                  bool unavailable, tg_error *err)
{
    int rc = unavailable ? TG_ERR_UNAVAILABLE : produce_keep(p, r, h, err);
    if (rc == 0)
        return 0;
    bool refused = rc == TG_ERR_UNAVAILABLE || (rc == TG_ERR_QUEUE_FULL && brokers_down(p));
    if (refused)
        rc = p->spool ? spool_refused(p, r, h, rc, err) : refused_unsaved(p, rc, err);
    rd_kafka_headers_destroy(h);
    return rc;
}

/* Serve the reports of refused, spooled sends queued so far (not those a
 * callback queues meanwhile: bounded).  Returns how many were served.
 * Called after every send and poll: without a queued report it costs one
 * atomic load, not a lock (one queued meanwhile is served by the next call). */
static int serve_refused(tg_producer *p)
{
    if (atomic_load_explicit(&p->refused_queued, memory_order_acquire) == 0)
        return 0;
    pthread_mutex_lock(&p->fb_lock);
    refused_send *rf = p->refused_head;
    p->refused_head = NULL;
    p->refused_tail = &p->refused_head;
    atomic_store_explicit(&p->refused_queued, 0, memory_order_relaxed);
    pthread_mutex_unlock(&p->fb_lock);
    int served = 0;
    while (rf) {
        refused_send *next = rf->next;
        tg_delivery d;
        memset(&d, 0, sizeof d);
        d.topic = rf->topic;
        d.partition = rf->partition;
        d.offset = -1;
        d.key = rf->key;
        d.key_len = rf->key_len;
        d.msg_opaque = rf->opaque;
        d.error = rf->why;
        d.refused = true;
        atomic_fetch_sub(&p->in_flight, 1);
        report(p, &d, rf->err, TG_FALLBACK_SPOOL);
        free(rf);
        rf = next;
        served++;
    }
    return served;
}

static int send_locked(tg_producer *p, const tg_message_desc *desc, const void *msg,
                       const tg_send_opts *o, bool unavailable, tg_error *err)
{
    size_t len = 0, key_len = 0;
    if (encode_locked(p, desc, msg, &len, err) || key_locked(p, desc, msg, &key_len, err))
        return err->code;
    rd_kafka_headers_t *h = rd_kafka_headers_new(4 + o->n_headers);
    if (build_headers(p, h, desc, o, err)) {
        rd_kafka_headers_destroy(h);
        return err->code;
    }
    tg_raw_record r = { o->topic ? o->topic : desc->topic, o->partition, p->key, key_len,
                        p->buf, len, NULL, NULL, 0, o->timestamp_ms, o->msg_opaque };
    return submit(p, &r, h, unavailable, err);
}

/* TG_ERR_UNAVAILABLE while every broker has been down for longer than the
 * bound; one probe passes whenever nothing is in flight, so a recovery is
 * seen (its report, or librdkafka's statistics showing a broker up, clears
 * the state). */
static int check_available(tg_producer *p, bool may_poll, tg_error *err)
{
    int64_t since = atomic_load(&p->down_since_ms);
    if (p->unavailable_ms <= 0 || since == 0 || tg_now_ms() - since < p->unavailable_ms)
        return 0;
    if (may_poll && p->rk)
        rd_kafka_poll(p->rk, 0);    /* serve pending reports and errors first */
    since = atomic_load(&p->down_since_ms);
    size_t pending = atomic_load(&p->in_flight);
    if (since == 0 || pending == 0)
        return 0;
    return tg_error_set(err, TG_ERR_UNAVAILABLE,
                        "no broker reachable for %lld ms (topicgen.producer.unavailable.ms=%d), "
                        "%zu message(s) pending", (long long)(tg_now_ms() - since),
                        p->unavailable_ms, pending);
}

int tg_producer_send(tg_producer *p, const tg_message_desc *desc, const void *msg,
                     const tg_send_opts *opts, tg_error *err)
{
    tg_error local;
    tg_send_opts o = opts ? *opts : tg_send_opts_default();
    if (!err)
        err = &local;
    if (!p || !desc || !msg || !desc->encode || !(o.topic || desc->topic))
        return tg_error_set(err, TG_ERR_ARG, "tg_producer_send: missing producer, message, "
                                             "encoder or topic");
    char continued[TG_TRACEPARENT_SIZE];
    if (o.trace && (o.traceparent || !tg_traceparent_format(o.trace, continued)))
        return tg_error_set(err, TG_ERR_ARG, "tg_send_opts.trace: %s", o.traceparent
                                ? "give trace or traceparent, not both" : "not a valid trace context");
    if (o.trace)
        o.traceparent = continued;
    if (o.traceparent && !tg_traceparent_parse(o.traceparent, strlen(o.traceparent), NULL))
        return tg_error_set(err, TG_ERR_ARG, "invalid traceparent \"%.64s\"", o.traceparent);
    bool unavailable = check_available(p, true, err) != 0;
    if (unavailable && !p->spool)   /* fail fast: nothing to encode for */
        return refused_unsaved(p, TG_ERR_UNAVAILABLE, err);
    pthread_mutex_lock(&p->send_lock);
    int rc = send_locked(p, desc, msg, &o, unavailable, err);
    pthread_mutex_unlock(&p->send_lock);
    if (p->capture)
        (void)capture_serve(p);
    else
        rd_kafka_poll(p->rk, 0);
    (void)serve_refused(p);
    return rc;
}

int tg_producer_send_raw(tg_producer *p, const tg_raw_record *rec, tg_error *err)
{
    tg_error local;
    if (!err)
        err = &local;
    if (!p || !rec || !rec->topic)
        return tg_error_set(err, TG_ERR_ARG, "tg_producer_send_raw: missing producer or topic");
    /* no poll: callable from a delivery callback */
    bool unavailable = check_available(p, false, err) != 0;
    if (unavailable && !p->spool)
        return refused_unsaved(p, TG_ERR_UNAVAILABLE, err);
    rd_kafka_headers_t *h = rec->base_headers
                                ? rd_kafka_headers_copy(rec->base_headers)
                                : rd_kafka_headers_new(rec->n_headers);
    if (add_extra_headers(h, rec->headers, rec->n_headers, err)) {
        rd_kafka_headers_destroy(h);
        return TG_ERR_KAFKA;
    }
    return submit(p, rec, h, unavailable, err);
}

int tg_producer_poll(tg_producer *p, int timeout_ms)
{
    if (!p)
        return 0;
    int served = serve_refused(p);
    if (p->capture)
        return served + capture_serve(p);
    served += rd_kafka_poll(p->rk, served ? 0 : timeout_ms);
    return served + serve_refused(p);
}

size_t tg_producer_in_flight(const tg_producer *p)
{
    return p ? atomic_load(&((tg_producer *)(uintptr_t)p)->in_flight) : 0;
}

int tg_producer_flush(tg_producer *p, int timeout_ms, size_t *undelivered, tg_error *err)
{
    if (!p)
        return tg_error_set(err, TG_ERR_ARG, "tg_producer_flush: NULL producer");
    (void)serve_refused(p);
    if (p->capture) {              /* reports may send more: bounded rounds */
        for (int i = 0; i < 1000 && tg_producer_in_flight(p) > 0; i++)
            (void)capture_serve(p);
    } else {
        (void)rd_kafka_flush(p->rk, timeout_ms);
    }
    (void)serve_refused(p);         /* refused by the callbacks flush served */
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
    tg_http_stop(p->http);          /* the endpoint ends with the producer */
    p->http = NULL;
    (void)tg_producer_flush(p, timeout_ms, &left, NULL);
    if (left && p->rk) {
        /* Purge what is left so every message still gets its (error) report;
         * those go to the spool (if any), not to a fallback topic. */
        atomic_store(&p->closing, 1);
        (void)rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        for (int i = 0; i < 50 && tg_producer_in_flight(p) > 0; i++) {
            rd_kafka_poll(p->rk, 10);
            (void)serve_refused(p);
        }
        char n[32];
        (void)snprintf(n, sizeof n, "%zu", left);
        tg_log_kv kv[1] = { { "undelivered", n } };
        tg_log(&p->logger, TG_LOG_WARN, "producer", "closed with undelivered messages", kv, 1);
    }
    (void)serve_refused(p);         /* every send gets its report, even now */
    if (p->rk)
        rd_kafka_destroy(p->rk);
    free_producer(p);
    if (undelivered)
        *undelivered = left;
    return left ? TG_ERR_TIMEOUT : 0;
}

rd_kafka_t *tg_producer_handle(tg_producer *p)
{
    return p ? p->rk : NULL;
}

/* ---- capture mode ----------------------------------------------------------- */

/* One recorded send and its storage (headers, then the bytes, follow it in
 * the same allocation). */
typedef struct cap_rec {
    tg_captured pub;
    void *opaque;                 /* msg_opaque for the delivery report     */
    int32_t report_partition;
} cap_rec;

typedef struct cap_offset {
    char *topic;
    int32_t partition;
    int64_t next;
} cap_offset;

typedef struct capture {
    pthread_mutex_t lock;         /* guards everything below                */
    cap_rec **recs;
    size_t n, cap;
    size_t served;                /* recs[0..served) have had their report  */
    cap_offset *offs;             /* next offset per topic and partition    */
    size_t n_offs;
} capture;

static void capture_forget(capture *cap)
{
    for (size_t i = 0; i < cap->n; i++)
        free(cap->recs[i]);
    for (size_t i = 0; i < cap->n_offs; i++)
        free(cap->offs[i].topic);
    free(cap->recs);
    free(cap->offs);
    cap->recs = NULL;
    cap->offs = NULL;
    cap->n = cap->cap = cap->served = cap->n_offs = 0;
}

static void capture_free(capture *cap)
{
    if (!cap)
        return;
    capture_forget(cap);
    pthread_mutex_destroy(&cap->lock);
    free(cap);
}

tg_producer *tg_producer_new_capture(const tg_producer_opts *opts, tg_error *err)
{
    tg_producer *p = calloc(1, sizeof *p);
    capture *cap = calloc(1, sizeof *cap);
    if (!p || !cap || pthread_mutex_init(&p->send_lock, NULL) != 0) {
        free(p);
        free(cap);
        tg_error_set(err, TG_ERR_NOMEM, "tg_producer_new_capture: out of memory");
        return NULL;
    }
    (void)pthread_mutex_init(&p->fb_lock, NULL); /* default attributes: cannot fail on Linux */
    (void)pthread_mutex_init(&cap->lock, NULL);
    p->refused_tail = &p->refused_head;
    p->capture = cap;
    p->logger = opts && opts->logger ? *opts->logger : tg_logger_default();
    p->metrics = opts ? opts->metrics : NULL;
    p->on_delivery = opts ? opts->on_delivery : NULL;
    p->user = opts ? opts->user : NULL;
    return p;                     /* fallback none, unavailable_ms 0: never fails fast */
}

/* The next offset of (topic, partition); -1 when out of memory.  Locked. */
static int64_t capture_offset(capture *cap, const char *topic, int32_t partition)
{
    for (size_t i = 0; i < cap->n_offs; i++)
        if (cap->offs[i].partition == partition && strcmp(cap->offs[i].topic, topic) == 0)
            return cap->offs[i].next++;
    cap_offset *n = realloc(cap->offs, (cap->n_offs + 1) * sizeof *n);
    char *t = n ? strdup(topic) : NULL;
    if (n)
        cap->offs = n;
    if (!t)
        return -1;
    cap->offs[cap->n_offs++] = (cap_offset){ t, partition, 1 };
    return 0;
}

/* Copy n bytes to *at (NUL-terminated), advance *at; returns the copy. */
static char *put_bytes(char **at, const void *src, size_t n)
{
    char *d = *at;
    if (n)
        memcpy(d, src, n);
    d[n] = '\0';
    *at += n + 1;
    return d;
}

/* One allocation holding r (and h's headers) as a tg_captured. */
static cap_rec *capture_copy(const tg_raw_record *r, const rd_kafka_headers_t *h)
{
    size_t nh = h ? rd_kafka_header_cnt(h) : 0, bytes = strlen(r->topic) + 1 + r->key_len + 1
                                                          + r->value_len + 1;
    const char *name;
    const void *v;
    size_t vl;
    for (size_t i = 0; i < nh; i++)
        if (rd_kafka_header_get_all(h, i, &name, &v, &vl) == 0)
            bytes += strlen(name) + 1 + vl + 1;
    cap_rec *c = calloc(1, sizeof *c + nh * sizeof(tg_header) + bytes);
    if (!c)
        return NULL;
    tg_header *hs = (tg_header *)(c + 1);
    char *at = (char *)(hs + nh);
    c->pub.topic = put_bytes(&at, r->topic, strlen(r->topic));
    c->pub.partition = r->partition;
    c->pub.key = r->key_len ? put_bytes(&at, r->key, r->key_len) : NULL;
    c->pub.key_len = r->key_len;
    c->pub.value = put_bytes(&at, r->value, r->value_len);
    c->pub.value_len = r->value_len;
    c->pub.timestamp_ms = r->timestamp_ms;
    for (size_t i = 0; i < nh; i++) {
        if (rd_kafka_header_get_all(h, i, &name, &v, &vl) != 0)
            continue;
        hs[c->pub.n_headers].name = put_bytes(&at, name, strlen(name));
        hs[c->pub.n_headers].value = v ? put_bytes(&at, v, vl) : NULL;
        hs[c->pub.n_headers++].len = vl;
    }
    c->pub.headers = hs;
    c->opaque = r->msg_opaque;
    c->report_partition = r->partition >= 0 ? r->partition : 0;
    return c;
}

/* produce_keep() in capture mode: record r with headers h (destroyed here
 * on success; on failure still the caller's, as produce_keep says). */
static int capture_record(tg_producer *p, const tg_raw_record *r, rd_kafka_headers_t *h,
                          tg_error *err)
{
    capture *cap = p->capture;
    cap_rec *c = capture_copy(r, h);
    if (!c)
        return tg_error_set(err, TG_ERR_NOMEM, "capture: out of memory");
    pthread_mutex_lock(&cap->lock);
    if (cap->n == cap->cap) {
        size_t ncap = cap->cap ? cap->cap * 2 : 16;
        cap_rec **nr = realloc(cap->recs, ncap * sizeof(cap_rec *));
        if (nr) {
            cap->recs = nr;
            cap->cap = ncap;
        }
    }
    int64_t off = cap->n < cap->cap ? capture_offset(cap, r->topic, c->report_partition) : -1;
    if (off >= 0) {
        c->pub.offset = off;
        cap->recs[cap->n++] = c;
        atomic_fetch_add(&p->in_flight, 1);
    }
    pthread_mutex_unlock(&cap->lock);
    if (off >= 0) {
        rd_kafka_headers_destroy(h);
        return 0;
    }
    free(c);
    return tg_error_set(err, TG_ERR_NOMEM, "capture: out of memory");
}

/* Serve the successful reports of the sends recorded so far (not of those a
 * callback records meanwhile: bounded).  Returns how many were served. */
static int capture_serve(tg_producer *p)
{
    capture *cap = p->capture;
    int served = 0;
    pthread_mutex_lock(&cap->lock);
    size_t end = cap->n;
    while (cap->served < end) {
        const cap_rec *c = cap->recs[cap->served++];
        tg_delivery d;
        memset(&d, 0, sizeof d);
        d.topic = c->pub.topic;
        d.partition = c->report_partition;
        d.offset = c->pub.offset;
        d.key = c->pub.key;
        d.key_len = c->pub.key_len;
        d.msg_opaque = c->opaque;
        d.error = "";
        pthread_mutex_unlock(&cap->lock); /* the callback may send (and lock) */
        atomic_fetch_sub(&p->in_flight, 1);
        tg_metrics_add(p->metrics, TG_M_DELIVERED, 1);
        report(p, &d, 0, TG_FALLBACK_NONE);
        served++;
        pthread_mutex_lock(&cap->lock);
    }
    pthread_mutex_unlock(&cap->lock);
    return served;
}

static capture *capture_of(const tg_producer *p)
{
    return p ? p->capture : NULL;
}

size_t tg_producer_captured_count(const tg_producer *p)
{
    capture *cap = capture_of(p);
    if (!cap)
        return 0;
    pthread_mutex_lock(&cap->lock);
    size_t n = cap->n;
    pthread_mutex_unlock(&cap->lock);
    return n;
}

const tg_captured *tg_producer_captured(const tg_producer *p, size_t i)
{
    capture *cap = capture_of(p);
    const tg_captured *c = NULL;
    if (!cap)
        return NULL;
    pthread_mutex_lock(&cap->lock);
    if (i < cap->n)
        c = &cap->recs[i]->pub;
    pthread_mutex_unlock(&cap->lock);
    return c;
}

const tg_header *tg_captured_header(const tg_captured *c, const char *name)
{
    const tg_header *found = NULL;
    for (size_t i = 0; c && name && i < c->n_headers; i++)
        if (strcmp(c->headers[i].name, name) == 0)
            found = &c->headers[i];
    return found;
}

void tg_producer_capture_clear(tg_producer *p)
{
    capture *cap = capture_of(p);
    if (!cap)
        return;
    (void)capture_serve(p);
    pthread_mutex_lock(&cap->lock);
    atomic_fetch_sub(&p->in_flight, cap->n - cap->served); /* sent by callbacks just now */
    capture_forget(cap);
    pthread_mutex_unlock(&cap->lock);
}
