/* kafka_ops_test: what an operator sees of a topicgen service (issue 18):
 * the dead-letter producer's deliveries under their own label, the
 * /metrics, /healthz and /readyz endpoint (topicgen.metrics.listen) of a
 * consumer, a producer and a processor, `promtool check metrics` on the
 * live exposition, a real Prometheus scraping a consumer, the consumer's
 * progress line, JSON log lines, and a trace continued across a consume ->
 * produce hop.  Mock cluster (127.0.0.1), except `log_json_child`, a
 * sub-command tests/kafka/ops_json_log.py runs and parses.
 *
 * Every count is checked against what the test produced and what the
 * handlers saw, never only for being non-empty. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kt.h"
#include "tg_log.h"
#include "tg_metrics.h"
#include "tg_processor.h"
#include "tg_trace.h"

/* ---- helpers: a tiny HTTP/1.0 client (test side only) -------------------- */

typedef struct http_reply {
    int status;
    char headers[2048];
    char *body;                     /* malloc'd, NUL-terminated */
    size_t body_len;
} http_reply;

/* GET http://addr/path ("127.0.0.1:port"); 0 on success. */
static int http_get(const char *addr, const char *path, http_reply *r)
{
    char host[64];
    memset(r, 0, sizeof *r);
    const char *colon = strrchr(addr, ':');
    if (!colon || (size_t)(colon - addr) >= sizeof host)
        return -1;
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = '\0';
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)atoi(colon + 1));
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
        return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct timeval tv = { 5, 0 };
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    char req[1024];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, addr);
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    ssize_t got;
    while (buf && (got = read(fd, buf + len, cap - len - 1)) > 0) {
        len += (size_t)got;
        if (cap - len < 1024) {
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
    }
    close(fd);
    if (!buf)
        return -1;
    buf[len] = '\0';
    char *sep = strstr(buf, "\r\n\r\n");
    if (!sep || sscanf(buf, "HTTP/1.%*d %d", &r->status) != 1) {
        free(buf);
        return -1;
    }
    size_t hl = (size_t)(sep - buf);
    if (hl >= sizeof r->headers)
        hl = sizeof r->headers - 1;
    memcpy(r->headers, buf, hl);
    r->headers[hl] = '\0';
    r->body_len = len - (size_t)(sep + 4 - buf);
    memmove(buf, sep + 4, r->body_len + 1);
    r->body = buf;
    return 0;
}

/* The value of `name` with exactly `labels` ("" for none) in an exposition,
 * or -1 when the series is missing. */
static long long series(const char *text, const char *name, const char *labels)
{
    char want[256];
    snprintf(want, sizeof want, "\n%s%s ", name, labels);
    const char *p = strstr(text, want);
    return p ? atoll(p + strlen(want)) : -1;
}

/* `promtool check metrics` on text: its exit status (0 = clean), and what it
 * printed in out. */
static int promtool_check(const char *text, char *out, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/kt-ops-%ld.prom", (long)getpid());
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(text, f);
    fclose(f);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "promtool check metrics < %s 2>&1", path);
    FILE *pp = popen(cmd, "r");
    size_t n = pp ? fread(out, 1, cap - 1, pp) : 0;
    out[n] = '\0';
    int st = pp ? pclose(pp) : -1;
    unlink(path);
    return st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void unique_group(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "kt-ops-%s-%ld-%lld", name, (long)getpid(), (long long)test_now_ms());
}

/* n messages with ids base.. and this body, through one producer. */
static void produce_n(kt_cluster *k, const char *topic, int n, const char *body)
{
    static int64_t next_id;
    tg_error err;
    tg_producer *p = kt_producer(k, &err);
    CHECKF(p != NULL, "producer: %s", err.message);
    for (int i = 0; p && i < n; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i % 7);
        kt_msg m = { next_id++, { key, strlen(key) }, { body, strlen(body) } };
        tg_send_opts so = tg_send_opts_default();
        so.topic = topic;
        CHECKF(tg_producer_send(p, &kt_msg_desc, &m, &so, &err) == 0, "send: %s", err.message);
    }
    size_t left = 1;
    CHECKF(p && tg_producer_close(p, 10000, &left) == 0 && left == 0, "undelivered %zu", left);
}

/* A handler that rejects bodies starting with "bad", retries bodies
 * starting with "retry" once, and counts. */
typedef struct counts {
    atomic_int ok, rejected, calls, retry_calls;
} counts;

static tg_result count_handler(void *user, const void *msg, const tg_msg_meta *meta)
{
    counts *c = user;
    const kt_msg *m = msg;
    atomic_fetch_add(&c->calls, 1);
    if (m->body.len >= 3 && memcmp(m->body.ptr, "bad", 3) == 0) {
        atomic_fetch_add(&c->rejected, 1);
        return TG_REJECT;
    }
    if (m->body.len >= 5 && memcmp(m->body.ptr, "retry", 5) == 0 && meta->attempt == 1) {
        atomic_fetch_add(&c->retry_calls, 1);
        return TG_RETRY;
    }
    atomic_fetch_add(&c->ok, 1);
    return TG_OK;
}

static tg_logger quiet_logger(void)
{
    tg_logger l = { tg_log_stderr_sink, NULL, getenv("KT_DEBUG") ? TG_LOG_DEBUG : TG_LOG_WARN };
    return l;
}

static tg_consumer *consumer_with(kt_cluster *k, const char *group, tg_metrics *m,
                                  const tg_logger *logger, const char *const *extra, size_t n)
{
    tg_error err;
    tg_config *conf = kt_consumer_config(k, group, extra, n);
    tg_logger quiet = quiet_logger();
    tg_consumer_opts o = { NULL, logger ? logger : &quiet, m, NULL, NULL };
    tg_consumer *c = conf ? tg_consumer_new(conf, &o, &err) : NULL;
    CHECKF(c != NULL, "consumer: %s", conf ? err.message : "config");
    tg_config_free(conf);
    return c;
}

/* Poll c until done(user) or timeout_ms. */
static bool poll_until(tg_consumer *c, bool (*done)(void *), void *user, int timeout_ms)
{
    tg_error err;
    int64_t deadline = test_now_ms() + timeout_ms;
    while (test_now_ms() < deadline) {
        if (tg_consumer_poll(c, 50, &err) != 0) {
            fprintf(stderr, "poll: %s\n", err.message);
            return false;
        }
        if (done(user))
            return true;
    }
    return done(user);
}

typedef struct target { counts *c; int ok, rejected; } target;

static bool reached(void *user)
{
    target *t = user;
    return atomic_load(&t->c->ok) >= t->ok && atomic_load(&t->c->rejected) >= t->rejected;
}

/* ---- dlq_label: the dead-letter producer's deliveries are not the app's ---- */

static void test_dlq_label(kt_cluster *k)
{
    enum { GOOD = 20, BAD = 6, SENT = 9 };
    char topic[64], dlq[80], group[96];
    tg_error err;
    kt_names(k, "ops-dlq", topic, sizeof topic, dlq, sizeof dlq);
    kt_topic(k, topic, 2);
    kt_topic(k, dlq, 1);
    produce_n(k, topic, GOOD, "fine");
    produce_n(k, topic, BAD, "bad one");
    unique_group(group, sizeof group, "dlq");
    tg_metrics *shared = tg_metrics_new();
    counts cn = { 0 };
    tg_consumer *c = consumer_with(k, group, shared, NULL, NULL, 0);
    CHECK(tg_consumer_add(c, &kt_msg_desc, topic, count_handler, &cn, &err) == 0);
    target t = { &cn, GOOD, BAD };
    CHECK(poll_until(c, reached, &t, 30000));
    /* the dead letters' confirmations come after the handler's verdict */
    tg_metrics_snapshot *s = malloc(sizeof *s);
    for (int i = 0; i < 100; i++) {
        tg_metrics_snapshot_get(shared, s);
        if (s->counters[TG_M_DEAD_LETTERED] == BAD)
            break;
        (void)tg_consumer_poll(c, 50, &err);
    }
    /* an application producer on the same metrics object */
    tg_config *pc = kt_producer_config(k, NULL, 0);
    tg_producer_opts po = { NULL, NULL, NULL, shared };
    tg_producer *p = tg_producer_new(pc, &po, &err);
    tg_config_free(pc);
    for (int i = 0; i < SENT; i++) {
        kt_msg m = { i, { "x", 1 }, { "app", 3 } };
        tg_send_opts so = tg_send_opts_default();
        so.topic = topic;
        CHECK(tg_producer_send(p, &kt_msg_desc, &m, &so, &err) == 0);
    }
    size_t left = 1;
    CHECK(tg_producer_close(p, 10000, &left) == 0 && left == 0);
    tg_metrics_snapshot_get(shared, s);
    printf("dlq_label: dead-lettered %llu, app delivered %llu, dlq delivered %llu\n",
           (unsigned long long)s->counters[TG_M_DEAD_LETTERED],
           (unsigned long long)s->counters[TG_M_DELIVERED],
           (unsigned long long)s->dlq.delivered);
    CHECKF(s->counters[TG_M_DEAD_LETTERED] == BAD, "dead-lettered %llu",
           (unsigned long long)s->counters[TG_M_DEAD_LETTERED]);
    CHECKF(s->counters[TG_M_DELIVERED] == SENT, "app delivered %llu, want %d (the DLQ's %d "
           "must not count here)", (unsigned long long)s->counters[TG_M_DELIVERED], SENT, BAD);
    CHECKF(s->dlq.delivered == BAD, "dlq delivered %llu", (unsigned long long)s->dlq.delivered);
    char *text = malloc(1 << 16);
    tg_metrics_write_prometheus(shared, text, 1 << 16);
    CHECKF(series(text, "topicgen_messages_delivered_total", "{producer=\"app\"}") == SENT,
           "exposition app: %lld",
           series(text, "topicgen_messages_delivered_total", "{producer=\"app\"}"));
    CHECKF(series(text, "topicgen_messages_delivered_total", "{producer=\"dlq\"}") == BAD,
           "exposition dlq");
    CHECK(series(text, "topicgen_messages_delivered_total", "") == -1); /* no unlabeled one */
    tg_consumer_free(c);
    tg_metrics_free(shared);
    free(text);
    free(s);
}

/* ---- http: the consumer's endpoint, promtool, readiness ------------------- */

static void check_probe(const char *addr, const char *path, int status, const char *text)
{
    http_reply r;
    CHECKF(http_get(addr, path, &r) == 0, "GET %s", path);
    CHECKF(r.status == status, "GET %s: %d %s (want %d)", path, r.status, r.body ? r.body : "",
           status);
    CHECKF(r.body && strstr(r.body, text) != NULL, "GET %s: '%s' lacks '%s'", path,
           r.body ? r.body : "", text);
    free(r.body);
}

static void test_http(kt_cluster *k)
{
    enum { GOOD = 30, BAD = 4, RETRIED = 5 };
    char topic[64], dlq[80], group[96];
    tg_error err;
    kt_names(k, "ops-http", topic, sizeof topic, dlq, sizeof dlq);
    kt_topic(k, topic, 3);
    kt_topic(k, dlq, 1);
    produce_n(k, topic, GOOD, "fine");
    produce_n(k, topic, BAD, "bad");
    produce_n(k, topic, RETRIED, "retry me");
    unique_group(group, sizeof group, "http");
    const char *extra[] = { "topicgen.metrics.listen", "127.0.0.1:0",
                            "topicgen.retry.backoff.ms", "10" };
    counts cn = { 0 };
    tg_consumer *c = consumer_with(k, group, NULL, NULL, extra, 2);
    const char *addr = tg_consumer_metrics_address(c);
    CHECKF(addr && strncmp(addr, "127.0.0.1:", 10) == 0 && atoi(addr + 10) > 0, "address %s",
           addr ? addr : "(null)");
    printf("http: consumer endpoint %s\n", addr);
    check_probe(addr, "/healthz", 200, "alive");
    check_probe(addr, "/readyz", 503, "not subscribed yet");
    check_probe(addr, "/nope", 404, "not found");
    CHECK(tg_consumer_add(c, &kt_msg_desc, topic, count_handler, &cn, &err) == 0);
    target t = { &cn, GOOD + RETRIED, BAD };
    CHECK(poll_until(c, reached, &t, 30000));
    for (int i = 0; i < 40; i++)
        (void)tg_consumer_poll(c, 50, &err);   /* dead letters confirmed, commits */
    check_probe(addr, "/readyz", 200, "3 partition(s) assigned");

    http_reply r;
    CHECK(http_get(addr, "/metrics", &r) == 0);
    CHECKF(r.status == 200, "status %d", r.status);
    CHECKF(strstr(r.headers, "Content-Type: text/plain; version=0.0.4; charset=utf-8") != NULL,
           "headers: %s", r.headers);
    long long processed = series(r.body, "topicgen_messages_processed_total", "");
    long long dead = series(r.body, "topicgen_messages_dead_lettered_total", "");
    long long retried = series(r.body, "topicgen_messages_retried_total", "");
    long long consumed = series(r.body, "topicgen_messages_consumed_total", "");
    printf("http: /metrics processed=%lld dead_lettered=%lld retried=%lld consumed=%lld "
           "(handlers: ok=%d rejected=%d)\n", processed, dead, retried, consumed,
           atomic_load(&cn.ok), atomic_load(&cn.rejected));
    CHECK(processed == GOOD + RETRIED && processed == atomic_load(&cn.ok));
    CHECK(dead == BAD);
    CHECK(retried == RETRIED);
    CHECK(consumed == GOOD + BAD + RETRIED);
    CHECK(series(r.body, "topicgen_messages_delivered_total", "{producer=\"dlq\"}") == BAD);
    CHECK(strstr(r.body, "# TYPE topicgen_processing_seconds histogram\n") != NULL);
    char out[4096];
    int rc = promtool_check(r.body, out, sizeof out);
    printf("http: promtool check metrics: exit %d%s%s\n", rc, out[0] ? ": " : "", out);
    CHECKF(rc == 0, "promtool check metrics failed (%d): %s", rc, out);
    free(r.body);

    /* a consumer that fails to bind: the same port, taken */
    char taken[128];
    snprintf(taken, sizeof taken, "%s", addr);
    const char *extra2[] = { "topicgen.metrics.listen", taken };
    tg_config *conf = kt_consumer_config(k, group, extra2, 1);
    tg_consumer *c2 = tg_consumer_new(conf, NULL, &err);
    CHECKF(c2 == NULL && err.code == TG_ERR_CONFIG && strstr(err.message, taken),
           "port in use: %s", c2 ? "created" : err.message);
    tg_config_free(conf);
    const char *bad[] = { "nohost", "127.0.0.1:", "127.0.0.1:99999", "[::1:80", "127.0.0.1:x" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *e[] = { "topicgen.metrics.listen", bad[i] };
        conf = kt_consumer_config(k, group, e, 1);
        c2 = tg_consumer_new(conf, NULL, &err);
        CHECKF(c2 == NULL && err.code == TG_ERR_CONFIG
                   && strstr(err.message, "topicgen.metrics.listen"),
               "listen '%s': %s", bad[i], c2 ? "accepted" : err.message);
        tg_config_free(conf);
    }

    tg_consumer_stop(c);
    check_probe(addr, "/readyz", 503, "stopping");
    tg_consumer_free(c);
    CHECK(http_get(taken, "/healthz", &r) != 0); /* closed with the consumer */
}

/* ---- stuck: /readyz says which partition is stuck ------------------------- */

static tg_result always_retry(void *user, const void *msg, const tg_msg_meta *meta)
{
    (void)msg;
    (void)meta;
    atomic_fetch_add((atomic_int *)user, 1);
    return TG_RETRY;
}

/* c (topicgen.ready.stuck.ms 600, one message on topic's partition 0)
 * is ready once its handler first ran (*calls), and 900 ms later not
 * ready, naming offset 0, while still alive. */
static void check_becomes_stuck(tg_consumer *c, const char *topic, atomic_int *calls)
{
    tg_error err;
    const char *addr = tg_consumer_metrics_address(c);
    int64_t deadline = test_now_ms() + 20000;
    while (atomic_load(calls) == 0 && test_now_ms() < deadline)
        (void)tg_consumer_poll(c, 50, &err);
    CHECK(atomic_load(calls) == 1);
    (void)tg_consumer_poll(c, 50, &err);
    check_probe(addr, "/readyz", 200, "1 partition(s) assigned");
    int64_t until = test_now_ms() + 900;
    while (test_now_ms() < until)
        (void)tg_consumer_poll(c, 50, &err);
    char want[128];
    snprintf(want, sizeof want, "%s [0] stuck at offset 0", topic);
    check_probe(addr, "/readyz", 503, want);
    check_probe(addr, "/healthz", 200, "alive");
}

static void test_stuck(kt_cluster *k)
{
    char topic[64], dlq[80], group[96];
    tg_error err;
    kt_names(k, "ops-stuck", topic, sizeof topic, dlq, sizeof dlq);
    kt_topic(k, topic, 1);
    produce_n(k, topic, 1, "stuck");
    unique_group(group, sizeof group, "stuck");
    const char *extra[] = { "topicgen.metrics.listen", "127.0.0.1:0",
                            "topicgen.ready.stuck.ms", "600",
                            "topicgen.retry.backoff.ms", "5000",
                            "topicgen.retry.backoff.max.ms", "5000" };
    atomic_int calls = 0;
    tg_consumer *c = consumer_with(k, group, NULL, NULL, extra, 4);
    CHECK(tg_consumer_add(c, &kt_msg_desc, topic, always_retry, &calls, &err) == 0);
    check_becomes_stuck(c, topic, &calls);
    tg_consumer_free(c);
}

/* ---- stuck_worker: a handler hung on a worker thread ----------------------
 * In worker mode the poll loop keeps running while a worker is stuck, so
 * /healthz stays alive: /readyz must still name the partition whose message
 * the worker holds, and turn ready again once the handler returns. */

typedef struct hang {
    atomic_int entered, released, done;
} hang;

static tg_result hang_until_released(void *user, const void *msg, const tg_msg_meta *meta)
{
    (void)msg;
    (void)meta;
    hang *h = user;
    atomic_fetch_add(&h->entered, 1);
    int64_t bound = test_now_ms() + 15000; /* stops by itself if the test fails */
    while (!atomic_load(&h->released) && test_now_ms() < bound)
        test_sleep_ms(10);
    atomic_fetch_add(&h->done, 1);
    return TG_OK;
}

static bool hang_done(void *user)
{
    return atomic_load(&((hang *)user)->done) == 1;
}

static void test_stuck_worker(kt_cluster *k)
{
    char topic[64], dlq[80], group[96];
    tg_error err;
    kt_names(k, "ops-stuckw", topic, sizeof topic, dlq, sizeof dlq);
    kt_topic(k, topic, 1);
    produce_n(k, topic, 1, "stuckw");
    unique_group(group, sizeof group, "stuckw");
    const char *extra[] = { "topicgen.metrics.listen", "127.0.0.1:0",
                            "topicgen.ready.stuck.ms", "600",
                            "topicgen.workers", "2" };
    hang h = { 0 };
    tg_consumer *c = consumer_with(k, group, NULL, NULL, extra, 3);
    CHECK(tg_consumer_add(c, &kt_msg_desc, topic, hang_until_released, &h, &err) == 0);
    check_becomes_stuck(c, topic, &h.entered);
    atomic_store(&h.released, 1);
    CHECK(poll_until(c, hang_done, &h, 10000));
    /* The job comes back to the polling thread, which settles it and
     * judges again: ready within a bounded number of polls. */
    const char *addr = tg_consumer_metrics_address(c);
    int status = 0;
    for (int64_t deadline = test_now_ms() + 10000; status != 200 && test_now_ms() < deadline;) {
        http_reply r;
        (void)tg_consumer_poll(c, 50, &err);
        if (http_get(addr, "/readyz", &r) == 0)
            status = r.status;
        free(r.body);
    }
    check_probe(addr, "/readyz", 200, "1 partition(s) assigned");
    CHECK(atomic_load(&h.entered) == 1 && atomic_load(&h.done) == 1);
    tg_consumer_free(c);
}

/* ---- ready_empty: a member the group gives nothing is ready -------------- */

static void test_ready_empty(kt_cluster *k)
{
    char topic[64], dlq[80], group[96];
    tg_error err;
    kt_names(k, "ops-empty", topic, sizeof topic, dlq, sizeof dlq);
    kt_topic(k, topic, 1);
    unique_group(group, sizeof group, "empty");
    const char *extra[] = { "topicgen.metrics.listen", "127.0.0.1:0",
                            "partition.assignment.strategy", "range" };
    counts ca = { 0 }, cb = { 0 };
    tg_consumer *a = consumer_with(k, group, NULL, NULL, extra, 2);
    tg_consumer *b = consumer_with(k, group, NULL, NULL, extra, 2);
    CHECK(tg_consumer_add(a, &kt_msg_desc, topic, count_handler, &ca, &err) == 0);
    CHECK(tg_consumer_add(b, &kt_msg_desc, topic, count_handler, &cb, &err) == 0);
    const char *aa = tg_consumer_metrics_address(a), *ba = tg_consumer_metrics_address(b);
    check_probe(ba, "/readyz", 503, "not subscribed yet");
    int64_t deadline = test_now_ms() + 30000;
    http_reply ra, rb;
    bool both = false;
    while (!both && test_now_ms() < deadline) {
        (void)tg_consumer_poll(a, 20, &err);
        (void)tg_consumer_poll(b, 20, &err);
        int ga = http_get(aa, "/readyz", &ra), gb = http_get(ba, "/readyz", &rb);
        both = ga == 0 && gb == 0 && ra.status == 200 && rb.status == 200
               && (strstr(ra.body, "0 partition(s)") || strstr(rb.body, "0 partition(s)"))
               && (strstr(ra.body, "1 partition(s)") || strstr(rb.body, "1 partition(s)"));
        if (!both && test_now_ms() + 50 >= deadline)
            printf("ready_empty: a: %d %s b: %d %s", ra.status, ra.body ? ra.body : "",
                   rb.status, rb.body ? rb.body : "");
        free(ra.body);
        free(rb.body);
    }
    printf("ready_empty: both members ready, one with 0 partitions: %s\n", both ? "yes" : "no");
    CHECK(both);
    tg_consumer_free(b);
    tg_consumer_free(a);
}

/* ---- producer and processor endpoints ------------------------------------ */

/* The processor's handler span of input id 0 (a traced one). */
static char proc_span0[17];

static tg_result copy_out(void *user, const void *msg, const tg_msg_meta *meta, tg_emitter *out)
{
    tg_error err;
    if (((const kt_msg *)msg)->id == 0)
        memcpy(proc_span0, meta->span.parent_id, sizeof proc_span0);
    return tg_emit(out, &kt_msg_desc, msg, (const char *)user, &err) == 0 ? TG_OK : TG_RETRY;
}

typedef struct out_tp { char tp0[128], tp1[128]; } out_tp;

static void read_out_tp(void *user, const rd_kafka_message_t *m)
{
    out_tp *o = user;
    int64_t id = kt_parse_id(m->payload, m->len);
    if (id == 0)
        kt_header(m, "traceparent", o->tp0, sizeof o->tp0);
    if (id == 1)
        kt_header(m, "traceparent", o->tp1, sizeof o->tp1);
}

typedef struct proc_run { tg_processor *p; int rc; } proc_run;

static void *run_processor(void *arg)
{
    proc_run *pr = arg;
    tg_error err;
    pr->rc = tg_processor_run(pr->p, &err);
    return NULL;
}

static void test_clients(kt_cluster *k)
{
    enum { N = 12 };
    char topic[64], dlq[80], out_topic[80], group[96];
    tg_error err;
    kt_names(k, "ops-cli", topic, sizeof topic, dlq, sizeof dlq);
    snprintf(out_topic, sizeof out_topic, "%s-out", topic);
    kt_topic(k, topic, 1);
    kt_topic(k, out_topic, 1);
    kt_topic(k, dlq, 1);
    const char *extra[] = { "topicgen.metrics.listen", "127.0.0.1:0" };
    tg_config *pc = kt_producer_config(k, extra, 1);
    tg_producer *p = tg_producer_new(pc, NULL, &err);
    tg_config_free(pc);
    CHECKF(p != NULL, "producer: %s", err.message);
    const char *paddr = tg_producer_metrics_address(p);
    CHECK(paddr != NULL);
    for (int i = 0; i < N; i++) {
        kt_msg m = { i, { "k", 1 }, { "body", 4 } };
        tg_send_opts so = tg_send_opts_default();
        so.topic = topic;
        so.traceparent = i == 0 ? "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" : NULL;
        CHECK(tg_producer_send(p, &kt_msg_desc, &m, &so, &err) == 0);
    }
    CHECK(tg_producer_flush(p, 10000, NULL, &err) == 0);
    check_probe(paddr, "/readyz", 200, "ready");
    http_reply r;
    CHECK(http_get(paddr, "/metrics", &r) == 0);
    CHECKF(series(r.body, "topicgen_messages_delivered_total", "{producer=\"app\"}") == N,
           "producer delivered %lld",
           series(r.body, "topicgen_messages_delivered_total", "{producer=\"app\"}"));
    char out[4096];
    CHECKF(promtool_check(r.body, out, sizeof out) == 0, "promtool: %s", out);
    free(r.body);
    tg_producer_close(p, 5000, NULL);

    unique_group(group, sizeof group, "proc");
    tg_config *cc = kt_consumer_config(k, group, extra, 1);
    tg_logger quiet = quiet_logger();
    tg_processor_opts po;
    memset(&po, 0, sizeof po);
    po.logger = &quiet;
    tg_processor *proc = tg_processor_new(cc, &po, &err);
    tg_config_free(cc);
    CHECKF(proc != NULL, "processor: %s", err.message);
    if (!proc)
        return;
    const char *xaddr = tg_processor_metrics_address(proc);
    CHECK(xaddr != NULL);
    check_probe(xaddr, "/readyz", 503, "not running yet");
    CHECK(tg_processor_add(proc, &kt_msg_desc, topic, copy_out, out_topic, &err) == 0);
    proc_run pr = { proc, -1 };
    pthread_t th;
    pthread_create(&th, NULL, run_processor, &pr);
    int64_t deadline = test_now_ms() + 30000;
    long long processed = -1;
    while (test_now_ms() < deadline) {
        if (http_get(xaddr, "/metrics", &r) == 0) {
            processed = series(r.body, "topicgen_messages_processed_total", "");
            free(r.body);
        }
        if (processed == N)
            break;
        test_sleep_ms(100);
    }
    printf("clients: processor %s processed %lld of %d\n", xaddr, processed, N);
    CHECK(processed == N);
    check_probe(xaddr, "/readyz", 200, "ready");
    tg_processor_stop(proc);
    pthread_join(th, NULL);
    CHECK(pr.rc == 0);
    check_probe(xaddr, "/readyz", 503, "stopped");
    tg_processor_free(proc);
    /* the processor continues a trace from its handler's span; an untraced
     * input's output has no traceparent */
    out_tp o;
    memset(&o, 0, sizeof o);
    kt_read_all(k, out_topic, N, 15000, read_out_tp, &o);
    char want[96];
    snprintf(want, sizeof want, "00-4bf92f3577b34da6a3ce929d0e0e4736-%s-01", proc_span0);
    printf("clients: processor output traceparent %s\n", o.tp0);
    CHECKF(strcmp(o.tp0, want) == 0 && strlen(proc_span0) == 16, "output %s want %s", o.tp0,
           want);
    CHECK(o.tp1[0] == '\0');
}

/* ---- progress: the consumer's progress line, counted --------------------- */

typedef struct progress_log {
    pthread_mutex_t lock;
    int lines;
    long long handled, dead, retried;
    bool lag_seen, rate_ok;
} progress_log;

static const char *kv_value(const tg_log_kv *kv, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(kv[i].key, key) == 0)
            return kv[i].value;
    return NULL;
}

static void progress_sink(void *opaque, tg_log_level level, const char *component,
                          const char *msg, const tg_log_kv *kv, size_t n_kv)
{
    progress_log *pl = opaque;
    (void)level;
    if (strcmp(component, "consumer") != 0 || strcmp(msg, "progress") != 0)
        return;
    pthread_mutex_lock(&pl->lock);
    pl->lines++;
    pl->handled += atoll(kv_value(kv, n_kv, "handled"));
    pl->dead += atoll(kv_value(kv, n_kv, "dead_lettered"));
    pl->retried += atoll(kv_value(kv, n_kv, "retried"));
    const char *lag = kv_value(kv, n_kv, "lag"), *rate = kv_value(kv, n_kv, "rate_per_s");
    pl->lag_seen |= lag && (strcmp(lag, "unknown") == 0 || atoll(lag) >= 0);
    pl->rate_ok |= rate && atof(rate) > 0;
    if (getenv("KT_DEBUG"))
        tg_log_stderr_sink(NULL, level, component, msg, kv, n_kv);
    pthread_mutex_unlock(&pl->lock);
}

static void test_progress(kt_cluster *k)
{
    enum { GOOD = 40, BAD = 3, RETRIED = 4 };
    char topic[64], dlq[80], group[96];
    tg_error err;
    kt_names(k, "ops-progress", topic, sizeof topic, dlq, sizeof dlq);
    kt_topic(k, topic, 2);
    kt_topic(k, dlq, 1);
    produce_n(k, topic, GOOD, "fine");
    produce_n(k, topic, BAD, "bad");
    produce_n(k, topic, RETRIED, "retry");
    unique_group(group, sizeof group, "progress");
    progress_log pl;
    memset(&pl, 0, sizeof pl);
    pthread_mutex_init(&pl.lock, NULL);
    tg_logger lg = { progress_sink, &pl, TG_LOG_INFO };
    const char *extra[] = { "topicgen.progress.interval.ms", "200",
                            "topicgen.retry.backoff.ms", "10" };
    counts cn = { 0 };
    tg_consumer *c = consumer_with(k, group, NULL, &lg, extra, 2);
    CHECK(tg_consumer_add(c, &kt_msg_desc, topic, count_handler, &cn, &err) == 0);
    target t = { &cn, GOOD + RETRIED, BAD };
    CHECK(poll_until(c, reached, &t, 30000));
    int64_t until = test_now_ms() + 700; /* dead letters confirmed, then two more lines */
    while (test_now_ms() < until)
        (void)tg_consumer_poll(c, 50, &err);
    pthread_mutex_lock(&pl.lock);
    printf("progress: %d lines; handled %lld, dead-lettered %lld, retried %lld "
           "(handlers: ok %d, rejected %d, retries %d)\n", pl.lines, pl.handled, pl.dead,
           pl.retried, atomic_load(&cn.ok), atomic_load(&cn.rejected),
           atomic_load(&cn.retry_calls));
    CHECK(pl.lines >= 3);
    CHECK(pl.handled == GOOD + RETRIED);
    CHECK(pl.dead == BAD);
    CHECK(pl.retried == RETRIED);
    CHECK(pl.lag_seen);
    CHECK(pl.rate_ok);
    pthread_mutex_unlock(&pl.lock);
    tg_consumer_free(c);

    /* 0 = off: not one line */
    memset(&pl, 0, sizeof pl);
    pthread_mutex_init(&pl.lock, NULL);
    unique_group(group, sizeof group, "progress-off");
    const char *off[] = { "topicgen.progress.interval.ms", "0" };
    counts cn2 = { 0 };
    c = consumer_with(k, group, NULL, &lg, off, 1);
    CHECK(tg_consumer_add(c, &kt_msg_desc, topic, count_handler, &cn2, &err) == 0);
    target t2 = { &cn2, GOOD + RETRIED, BAD };
    CHECK(poll_until(c, reached, &t2, 30000));
    CHECK(pl.lines == 0);
    tg_consumer_free(c);
}

/* ---- trace: consume -> produce keeps one trace ----------------------------- */

typedef struct hop {
    tg_producer *out;
    const char *out_topic;
    int seen;
    char in_trace[2][33], in_parent[2][17], span[2][17], span_trace[2][33];
    bool in_valid[2];
    unsigned char span_flags[2];
    int send_rc[2];
} hop;

static tg_result republish(void *user, const void *msg, const tg_msg_meta *meta)
{
    hop *h = user;
    const kt_msg *m = msg;
    int i = (int)m->id;
    if (i < 0 || i > 1)
        return TG_REJECT;
    h->in_valid[i] = meta->trace.valid;
    memcpy(h->in_trace[i], meta->trace.trace_id, 33);
    memcpy(h->in_parent[i], meta->trace.parent_id, 17);
    memcpy(h->span[i], meta->span.parent_id, 17);
    memcpy(h->span_trace[i], meta->span.trace_id, 33);
    h->span_flags[i] = meta->span.flags;
    tg_send_opts so = tg_send_opts_default();
    so.topic = h->out_topic;
    so.trace = &meta->span;
    tg_error err;
    h->send_rc[i] = tg_producer_send(h->out, &kt_msg_desc, m, &so, &err);
    h->seen++;
    return TG_OK;
}

typedef struct hop_out { char tp[2][128]; int n; } hop_out;

static void read_tp(void *user, const rd_kafka_message_t *m)
{
    hop_out *o = user;
    int64_t id = kt_parse_id(m->payload, m->len);
    if (id >= 0 && id <= 1)
        kt_header(m, "traceparent", o->tp[id], sizeof o->tp[id]);
    o->n++;
}

static bool hop_done(void *user)
{
    return ((hop *)user)->seen >= 2;
}

static void test_trace(kt_cluster *k)
{
    static const char incoming[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    char topic[64], dlq[80], out_topic[80], group[96];
    tg_error err;
    kt_names(k, "ops-trace", topic, sizeof topic, dlq, sizeof dlq);
    snprintf(out_topic, sizeof out_topic, "%s-out", topic);
    kt_topic(k, topic, 1);
    kt_topic(k, out_topic, 1);
    tg_producer *p = kt_producer(k, &err);
    kt_msg m0 = { 0, { "a", 1 }, { "traced", 6 } }, m1 = { 1, { "b", 1 }, { "plain", 5 } };
    tg_send_opts so = tg_send_opts_default();
    so.topic = topic;
    so.traceparent = incoming;
    CHECK(tg_producer_send(p, &kt_msg_desc, &m0, &so, &err) == 0);
    so.traceparent = NULL;
    CHECK(tg_producer_send(p, &kt_msg_desc, &m1, &so, &err) == 0);
    /* bad input: both, or an invalid context */
    tg_trace_context bogus;
    memset(&bogus, 0, sizeof bogus);
    so.trace = &bogus;
    CHECK(tg_producer_send(p, &kt_msg_desc, &m1, &so, &err) == TG_ERR_ARG);
    tg_trace_context ok;
    tg_trace_new_span(NULL, &ok);
    so.trace = &ok;
    so.traceparent = incoming;
    CHECK(tg_producer_send(p, &kt_msg_desc, &m1, &so, &err) == TG_ERR_ARG
          && strstr(err.message, "not both"));
    CHECK(tg_producer_flush(p, 10000, NULL, &err) == 0);

    hop h;
    memset(&h, 0, sizeof h);
    h.out = p;
    h.out_topic = out_topic;
    unique_group(group, sizeof group, "trace");
    tg_consumer *c = consumer_with(k, group, NULL, NULL, NULL, 0);
    CHECK(tg_consumer_add(c, &kt_msg_desc, topic, republish, &h, &err) == 0);
    CHECK(poll_until(c, hop_done, &h, 30000));
    tg_consumer_free(c);
    size_t left = 1;
    CHECK(tg_producer_close(p, 10000, &left) == 0 && left == 0);
    CHECK(h.send_rc[0] == 0 && h.send_rc[1] == 0);

    hop_out o;
    memset(&o, 0, sizeof o);
    kt_read_all(k, out_topic, 2, 15000, read_tp, &o);
    char want0[TG_TRACEPARENT_SIZE + 8], want1[TG_TRACEPARENT_SIZE + 8];
    snprintf(want0, sizeof want0, "00-4bf92f3577b34da6a3ce929d0e0e4736-%s-01", h.span[0]);
    snprintf(want1, sizeof want1, "00-%s-%s-00", h.span_trace[1], h.span[1]);
    printf("trace: in  %s\ntrace: out %s\ntrace: untraced in -> out %s\n", incoming, o.tp[0],
           o.tp[1]);
    CHECK(h.in_valid[0] && strcmp(h.in_trace[0], "4bf92f3577b34da6a3ce929d0e0e4736") == 0
          && strcmp(h.in_parent[0], "00f067aa0ba902b7") == 0);
    CHECK(strcmp(h.span_trace[0], h.in_trace[0]) == 0 && h.span_flags[0] == 1);
    CHECK(strlen(h.span[0]) == 16 && strcmp(h.span[0], h.in_parent[0]) != 0
          && strcmp(h.span[0], "0000000000000000") != 0);
    CHECKF(strcmp(o.tp[0], want0) == 0, "out header '%s' want '%s'", o.tp[0], want0);
    CHECK(!h.in_valid[1] && strlen(h.span_trace[1]) == 32 && h.span_flags[1] == 0);
    CHECKF(strcmp(o.tp[1], want1) == 0, "out header '%s' want '%s'", o.tp[1], want1);
    CHECK(tg_traceparent_parse(o.tp[1], strlen(o.tp[1]), NULL));
    CHECK(strcmp(h.span[0], h.span[1]) != 0);
}

/* ---- prometheus: a real Prometheus scrapes a consumer ---------------------- */

static int free_port(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0
        || getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return ntohs(sa.sin_port);
}

/* Start prometheus on 127.0.0.1:port scraping target every second, in dir;
 * it dies with this process (PR_SET_PDEATHSIG). */
static pid_t start_prometheus(const char *dir, int port, const char *scraped)
{
    char conf[200], data[256], logf[256], listen[64], cfg[256];
    snprintf(conf, sizeof conf, "%s/prometheus.yml", dir);
    snprintf(data, sizeof data, "--storage.tsdb.path=%s/data", dir);
    snprintf(logf, sizeof logf, "%s/prometheus.log", dir);
    snprintf(listen, sizeof listen, "--web.listen-address=127.0.0.1:%d", port);
    snprintf(cfg, sizeof cfg, "--config.file=%s", conf);
    FILE *f = fopen(conf, "w");
    if (!f)
        return -1;
    fprintf(f, "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
               "scrape_configs:\n  - job_name: topicgen\n    static_configs:\n"
               "      - targets: ['%s']\n", scraped);
    fclose(f);
    pid_t pid = fork();
    if (pid == 0) {
        (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
        FILE *lf = freopen(logf, "w", stderr);
        (void)lf;
        execlp("prometheus", "prometheus", cfg, data, listen, "--log.level=warn", (char *)NULL);
        fprintf(stderr, "exec prometheus: not found (scripts/install-deps.sh installs it)\n");
        _exit(127);
    }
    return pid;
}

/* The value of the first series an instant query returns, -1 if none. */
static long long prom_query(int port, const char *query)
{
    char addr[32], path[512];
    http_reply r;
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    snprintf(path, sizeof path, "/api/v1/query?query=%s", query);
    if (http_get(addr, path, &r) != 0)
        return -1;
    long long v = -1;
    const char *p = r.status == 200 ? strstr(r.body, "\"value\":[") : NULL;
    if (p && (p = strstr(p, ",\"")))
        v = atoll(p + 2);
    free(r.body);
    return v;
}

static void stop_prometheus(pid_t pid, const char *dir)
{
    int st;
    if (pid > 0) {
        kill(pid, SIGTERM);
        for (int i = 0; i < 50 && waitpid(pid, &st, WNOHANG) == 0; i++)
            test_sleep_ms(100);
        if (waitpid(pid, &st, WNOHANG) == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
        }
    }
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static void test_prometheus(kt_cluster *k)
{
    enum { GOOD = 25, BAD = 3 };
    char topic[64], dlq[80], group[96];
    tg_error err;
    kt_names(k, "ops-prom", topic, sizeof topic, dlq, sizeof dlq);
    kt_topic(k, topic, 2);
    kt_topic(k, dlq, 1);
    produce_n(k, topic, GOOD, "fine");
    produce_n(k, topic, BAD, "bad");
    unique_group(group, sizeof group, "prom");
    const char *extra[] = { "topicgen.metrics.listen", "127.0.0.1:0" };
    counts cn = { 0 };
    tg_consumer *c = consumer_with(k, group, NULL, NULL, extra, 1);
    CHECK(tg_consumer_add(c, &kt_msg_desc, topic, count_handler, &cn, &err) == 0);
    target t = { &cn, GOOD, BAD };
    CHECK(poll_until(c, reached, &t, 30000));
    const char *addr = tg_consumer_metrics_address(c);

    char dir[] = "/tmp/kt-prom-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    int port = free_port();
    pid_t pid = start_prometheus(dir, port, addr);
    CHECK(pid > 0);
    long long processed = -1, dead = -1, dlq_delivered = -1, up = -1;
    int64_t t0 = test_now_ms(), deadline = t0 + 45000;
    int st;
    bool exited = false;
    while (test_now_ms() < deadline) {
        (void)tg_consumer_poll(c, 100, &err);   /* the consumer keeps running */
        if (waitpid(pid, &st, WNOHANG) == pid) {
            exited = true;
            break;
        }
        processed = prom_query(port, "topicgen_messages_processed_total");
        dead = prom_query(port, "topicgen_messages_dead_lettered_total");
        dlq_delivered =
            prom_query(port, "topicgen_messages_delivered_total%7Bproducer%3D%22dlq%22%7D");
        up = prom_query(port, "up%7Bjob%3D%22topicgen%22%7D");
        if (processed == GOOD && dead == BAD && dlq_delivered == BAD && up == 1)
            break;
        test_sleep_ms(400);
    }
    printf("prometheus: after %lld ms on 127.0.0.1:%d scraping %s: up=%lld processed=%lld "
           "dead_lettered=%lld delivered{producer=\"dlq\"}=%lld (handlers: ok=%d rejected=%d)\n",
           (long long)(test_now_ms() - t0), port, addr, up, processed, dead, dlq_delivered,
           atomic_load(&cn.ok), atomic_load(&cn.rejected));
    CHECKF(!exited, "prometheus exited (status %d): see its log", WEXITSTATUS(st));
    CHECK(up == 1);
    CHECK(processed == GOOD && processed == atomic_load(&cn.ok));
    CHECK(dead == BAD && dead == atomic_load(&cn.rejected));
    CHECK(dlq_delivered == BAD);
    if (exited || up != 1) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "tail -20 '%s/prometheus.log' >&2", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "no prometheus log\n");
    }
    stop_prometheus(exited ? -1 : pid, dir);
    tg_consumer_free(c);
}

/* ---- log_json_child: JSON lines with hostile text (ops_json_log.py) ------- */

static tg_result hostile_reject(void *user, const void *msg, const tg_msg_meta *meta)
{
    (void)msg;
    atomic_fetch_add((atomic_int *)user, 1);
    tg_reject_reason(meta, "key=%.*s", (int)meta->key_len, (const char *)meta->key);
    return TG_REJECT;
}

static bool one_call(void *user)
{
    return atomic_load((atomic_int *)user) >= 1;
}

/* The key: a quote, a backslash, control characters, a line break, DEL,
 * invalid UTF-8 (a lone continuation byte, a truncated sequence, 0xff) and
 * valid non-ASCII. */
static const char hostile_key[] = "q\"b\\c\x01\x1f\n\t\x7f|\x80|\xe2\x82|\xff|\xc3\xa9";

static int log_json_child(kt_cluster *k)
{
    char topic[64], dlq[80], group[96];
    tg_error err;
    kt_names(k, "ops-json", topic, sizeof topic, dlq, sizeof dlq);
    kt_topic(k, topic, 1);
    kt_topic(k, dlq, 1);
    if (kt_produce_raw(k, topic, 0, hostile_key, "{\"id\":1,\"key\":\"k\",\"body\":\"x\"}"))
        return 1;
    unique_group(group, sizeof group, "json");
    const char *extra[] = { "topicgen.log.format", "json" };
    tg_config *conf = kt_consumer_config(k, group, extra, 1);
    tg_consumer *c = conf ? tg_consumer_new(conf, NULL, &err) : NULL; /* the default logger */
    tg_config_free(conf);
    if (!c)
        return 1;
    atomic_int calls = 0;
    tg_consumer_add(c, &kt_msg_desc, topic, hostile_reject, &calls, &err);
    bool ok = poll_until(c, one_call, &calls, 30000);
    for (int i = 0; i < 40; i++)
        (void)tg_consumer_poll(c, 50, &err);  /* the dead letter's confirmation is logged */
    tg_consumer_free(c);
    return ok ? 0 : 1;
}

static kt_cluster child_cluster;

static int log_json_child_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (kt_cluster_start(&child_cluster, 1))
        return 1;
    int rc = log_json_child(&child_cluster);
    kt_cluster_stop(&child_cluster);
    return rc;
}

/* ---- log_json_format: the formatter's bytes ----------------------------- */

static void test_log_json_format(kt_cluster *k)
{
    (void)k;
    char buf[1024];
    tg_log_kv kv[3] = { { "reason", "a\"b\\c\n\x01\xff" }, { "event", "clash" },
                        { "n", "3" } };
    /* 2026-12-05T23:40:00.123456Z */
    size_t n = tg_log_format_json(buf, sizeof buf, 1796514000123456LL, TG_LOG_WARN, "consumer",
                                  "dead-lettered", kv, 3);
    const char *want = "{\"event\":\"dead-lettered\",\"level\":\"warning\","
                       "\"timestamp\":\"2026-12-05T23:40:00.123456Z\","
                       "\"logger\":\"topicgen.consumer\","
                       "\"reason\":\"a\\\"b\\\\c\\n\\u0001\xef\xbf\xbd\","
                       "\"event_field\":\"clash\",\"n\":\"3\"}\n";
    CHECKF(strcmp(buf, want) == 0, "got  %s\nwant %s", buf, want);
    CHECK(n == strlen(want));
    /* a line that does not fit: the needed length comes back */
    char small[16];
    CHECK(tg_log_format_json(small, sizeof small, 0, TG_LOG_INFO, "x", "y", NULL, 0) >= 16);
    CHECK(strlen(small) == 15);
}

static const kt_case cases[] = {
    KT_CASE("dlq_label", test_dlq_label, 1),
    KT_CASE("http", test_http, 1),
    KT_CASE("stuck", test_stuck, 1),
    KT_CASE("stuck_worker", test_stuck_worker, 1),
    KT_CASE("ready_empty", test_ready_empty, 1),
    KT_CASE("clients", test_clients, 1),
    KT_CASE("progress", test_progress, 1),
    KT_CASE("trace", test_trace, 1),
    KT_CASE("prometheus", test_prometheus, 1),
    KT_CASE("log_json_format", test_log_json_format, 0),
    KT_SUBCOMMAND("log_json_child", log_json_child_main),
};

int main(int argc, char **argv)
{
    return KT_MAIN(argc, argv, cases);
}
