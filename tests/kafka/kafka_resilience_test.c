/* Consumer resilience tests on librdkafka's mock cluster (127.0.0.1): DLQ
 * topic naming and handler-set DLQ reasons, the circuit breaker under a
 * handler-dependency outage, and worker mode (key order, no committed gap,
 * no loss after SIGKILL of a member).  One case per run (argv[1]); every
 * loop is bounded in count and time and alarm() bounds the process.  The
 * "child" case is the member the kill test fork/execs and SIGKILLs. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kt.h"
#include "tg_metrics.h"

/* ---- shared helpers -------------------------------------------------------- */

static void unique_group(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "kr-%s-%ld-%lld", name, (long)getpid(), (long long)kt_now_ms());
}

static tg_consumer *make_consumer(kt_cluster *k, const char *group, tg_metrics *m,
                                  const char *const *extra, size_t n_extra)
{
    tg_error err;
    tg_config *conf = kt_consumer_config(k, group, extra, n_extra);
    tg_logger quiet = { tg_log_stderr_sink, NULL,
                        getenv("KT_DEBUG") ? TG_LOG_DEBUG : TG_LOG_ERROR };
    tg_consumer_opts o = { NULL, &quiet, m, NULL, NULL };
    tg_consumer *c = conf ? tg_consumer_new(conf, &o, &err) : NULL;
    if (!c)
        fprintf(stderr, "consumer: %s\n", conf ? err.message : "config");
    tg_config_free(conf);
    return c;
}

typedef struct run_arg { tg_consumer *c; int timeout_ms; } run_arg;

static void *stopper(void *arg)
{
    run_arg *a = arg;
    int64_t deadline = kt_now_ms() + a->timeout_ms;
    while (!tg_consumer_stopping(a->c) && kt_now_ms() < deadline)
        kt_sleep_ms(20);
    tg_consumer_stop(a->c);
    return NULL;
}

/* tg_consumer_run until something calls tg_consumer_stop or timeout_ms. */
static int run_bounded(tg_consumer *c, int timeout_ms, tg_error *err)
{
    pthread_t t;
    run_arg a = { c, timeout_ms };
    pthread_create(&t, NULL, stopper, &a);
    int rc = tg_consumer_run(c, err);
    pthread_join(t, NULL);
    return rc;
}

typedef struct dlq_rec { int64_t id; char reason[200]; } dlq_rec;
typedef struct dlq_set { dlq_rec recs[64]; int n; } dlq_set;

static void collect_dlq(void *user, const rd_kafka_message_t *m)
{
    dlq_set *d = user;
    if (d->n >= 64)
        return;
    d->recs[d->n].id = kt_parse_id(m->payload, m->len);
    kt_header(m, "tg-dlq-reason", d->recs[d->n].reason, sizeof d->recs[0].reason);
    d->n++;
}

/* ---- kafka_resilience_dlq_naming: bug fixes (a) DLQ topic, (b) reason ------- */

typedef struct naming { int seen; tg_consumer *c; int target; } naming;

static tg_result naming_handler(void *user, const void *msg, const tg_msg_meta *meta)
{
    naming *n = user;
    const kt_msg *m = msg;
    if (++n->seen >= n->target)
        tg_consumer_stop(n->c);
    if (m->body.len == 6 && memcmp(m->body.ptr, "reject", 6) == 0) {
        tg_reject_reason(meta, "order %lld: amount %s", (long long)m->id, "negative");
        return TG_REJECT;
    }
    if (m->body.len == 5 && memcmp(m->body.ptr, "retry", 5) == 0) {
        tg_reject_reason(meta, "inventory service said %d", 503);
        return TG_RETRY;
    }
    return TG_OK;
}

static void test_dlq_naming(kt_cluster *k)
{
    /* A schema whose descriptor names its own topic and an explicit DLQ. */
    tg_message_desc desc = kt_msg_desc;
    desc.topic = "kr-schema";
    desc.dlq_topic = "kr-schema.custom-dlq";
    char group[96];
    tg_error err;
    unique_group(group, sizeof group, "naming");
    kt_topic(k, "kr-schema", 1);
    kt_topic(k, "kr-schema.custom-dlq", 1);
    kt_topic(k, "kr-other", 1);
    kt_topic(k, "kr-other.dlq", 1);
    kt_produce(k, "kr-schema", 0, 1, "a", "reject");
    kt_produce(k, "kr-other", 0, 2, "b", "reject");
    kt_produce(k, "kr-other", 0, 3, "c", "retry");
    const char *extra[] = { "topicgen.retry.max.attempts", "2", "topicgen.retry.backoff.ms", "10" };
    naming n = { 0, NULL, 4 };
    tg_consumer *c = make_consumer(k, group, NULL, extra, 2);
    n.c = c;
    KT_CHECK(tg_consumer_add(c, &desc, NULL, naming_handler, &n, &err) == 0, "%s", err.message);
    KT_CHECK(tg_consumer_add(c, &desc, "kr-other", naming_handler, &n, &err) == 0, "%s",
             err.message);
    KT_CHECK(run_bounded(c, 30000, &err) == 0, "run: %s", err.message);
    tg_consumer_free(c);
    dlq_set own, other;
    memset(&own, 0, sizeof own);
    memset(&other, 0, sizeof other);
    int got_own = kt_read_all(k, "kr-schema.custom-dlq", 1, 10000, collect_dlq, &own);
    int got_other = kt_read_all(k, "kr-other.dlq", 2, 10000, collect_dlq, &other);
    printf("dlq_naming: schema topic -> custom DLQ (%d), other topic -> kr-other.dlq (%d)\n",
           got_own, got_other);
    KT_CHECK(got_own == 1 && own.recs[0].id == 1, "custom DLQ holds %d", got_own);
    KT_CHECK(got_other == 2, "kr-other.dlq holds %d", got_other);
    KT_CHECK(got_own == 1 && strcmp(own.recs[0].reason, "order 1: amount negative") == 0,
             "reason '%s'", own.recs[0].reason);
    for (int i = 0; i < other.n; i++) {
        const char *want = other.recs[i].id == 2 ? "order 2: amount negative"
                                                  : "retries exhausted: inventory service said 503";
        printf("dlq_naming: id %lld reason \"%s\"\n", (long long)other.recs[i].id,
               other.recs[i].reason);
        KT_CHECK(strcmp(other.recs[i].reason, want) == 0, "id %lld reason '%s'",
                 (long long)other.recs[i].id, other.recs[i].reason);
    }
}

/* ---- case table ------------------------------------------------------------- */

typedef struct tcase { const char *name; void (*fn)(kt_cluster *k); } tcase;

static const tcase cases[] = {
    { "dlq_naming", test_dlq_naming },
};

int main(int argc, char **argv)
{
    kt_cluster k;
    alarm(120); /* hard bound: SIGALRM kills a hung test */
    if (argc < 2) {
        fprintf(stderr, "usage: %s <case>\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (strcmp(cases[i].name, argv[1]) != 0)
            continue;
        if (kt_cluster_start(&k, 1) != 0) {
            KT_CHECK(0, "mock cluster did not start");
            return kt_summary();
        }
        cases[i].fn(&k);
        kt_cluster_stop(&k);
        return kt_summary();
    }
    fprintf(stderr, "unknown case %s\n", argv[1]);
    return 2;
}
