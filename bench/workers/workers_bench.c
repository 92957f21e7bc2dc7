/* workers_bench: throughput of the typed consumer in inline mode and with
 * 1, 2, 4, 8 and 16 worker threads (topicgen.workers) for an I/O-bound
 * handler (a fixed sleep, default 2 ms) on librdkafka's in-process mock
 * cluster (127.0.0.1).
 *
 *   workers_bench [--sleep-ms MS] [--seconds S] [--partitions P] [--keys K]
 *                 [--max-in-flight M]
 *
 * Each run uses a fresh group on a pre-produced topic of orders5 corpus
 * messages keyed by K distinct keys, with ordering=key and
 * max.in.flight=M (default 256); it counts messages handled per second between the
 * first and the last handler call (group join excluded).  The message count
 * per run is sized so that a run lasts about S seconds at the ideal rate
 * (workers / sleep), capped by the backlog.  Prints a Markdown table. */
#define _POSIX_C_SOURCE 200809L
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_corpus.h"
#include "orders.h"
#include "tg_config.h"
#include "tg_consumer.h"
#include "tg_producer.h"

#define MAX_MSGS 200000

typedef struct run {
    tg_consumer *c;
    int sleep_ms;
    _Atomic long handled;
    long target;
    _Atomic long long first_ns, last_ns;
} run;

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what, const char *why)
{
    fprintf(stderr, "workers_bench: %s: %s\n", what, why);
    exit(1);
}

/* The I/O-bound handler: sleep, count, stop at the target. */
static tg_result handler(void *user, const void *msg, const tg_msg_meta *meta)
{
    run *r = user;
    struct timespec ts = { r->sleep_ms / 1000, (long)(r->sleep_ms % 1000) * 1000000L };
    long long zero = 0;
    (void)msg;
    (void)meta;
    atomic_compare_exchange_strong(&r->first_ns, &zero, now_ns());
    nanosleep(&ts, NULL);
    atomic_store(&r->last_ns, now_ns());
    if (atomic_fetch_add(&r->handled, 1) + 1 == r->target)
        tg_consumer_stop(r->c);
    return TG_OK;
}

static void produce(const char *bootstrap, const char *topic, long n, int keys)
{
    tg_error err;
    bench_corpus corpus;
    if (bench_corpus_make("orders5", 42, 1000, &corpus))
        die("corpus", "orders5");
    tg_config *pc = tg_config_new(TG_CONFIG_PRODUCER, &err);
    const char *kv[] = { "bootstrap.servers", bootstrap, "linger.ms", "20" };
    if (!pc || tg_config_set_pairs(pc, kv, 2, &err))
        die("producer config", err.message);
    tg_producer *p = tg_producer_new(pc, NULL, &err);
    tg_config_free(pc);
    if (!p)
        die("producer", err.message);
    for (long i = 0; i < n; i++) {
        char key[24];
        snprintf(key, sizeof key, "key-%ld", i % keys);
        size_t j = (size_t)i % corpus.count;
        tg_raw_record r = { topic, TG_PARTITION_ANY, key, strlen(key), corpus.msgs[j],
                            corpus.lens[j], NULL, NULL, 0, 0, NULL };
        while (tg_producer_send_raw(p, &r, &err) != 0)
            (void)tg_producer_poll(p, 10); /* queue full: let deliveries drain */
        if (i % 1000 == 0)
            (void)tg_producer_poll(p, 0);
    }
    size_t left = 0;
    if (tg_producer_close(p, 30000, &left) || left)
        die("produce", "undelivered messages");
    bench_corpus_free(&corpus);
}

static double one_run(const char *bootstrap, const char *topic, int workers, int sleep_ms,
                      const char *window, long n, long *done)
{
    tg_error err;
    char group[64], w[16];
    static int round;
    snprintf(group, sizeof group, "wb-%d-%d", workers, round++);
    snprintf(w, sizeof w, "%d", workers);
    tg_config *conf = tg_config_new(TG_CONFIG_CONSUMER, &err);
    const char *kv[] = { "bootstrap.servers", bootstrap, "group.id", group,
                         "fetch.wait.max.ms", "10", "max.partition.fetch.bytes", "16777216",
                         "topicgen.workers", w, "topicgen.ordering", "key",
                         "topicgen.max.in.flight", window, "log_level", "3" };
    if (!conf || tg_config_set_pairs(conf, kv, 8, &err))
        die("consumer config", err.message);
    tg_logger quiet = { tg_log_stderr_sink, NULL, TG_LOG_ERROR };
    tg_consumer_opts o = { NULL, &quiet, NULL, NULL, NULL };
    static run r;
    memset(&r, 0, sizeof r);
    r.sleep_ms = sleep_ms;
    r.target = n;
    r.c = tg_consumer_new(conf, &o, &err);
    tg_config_free(conf);
    if (!r.c || tg_consumer_add(r.c, &orders_OrderEvent_desc, topic, handler, &r, &err))
        die("consumer", err.message);
    long long deadline = now_ns() + 120LL * 1000000000LL;
    while (!tg_consumer_stopping(r.c) && now_ns() < deadline)
        if (tg_consumer_poll(r.c, 100, &err))
            die("poll", err.message);
    tg_consumer_free(r.c);
    *done = atomic_load(&r.handled);
    double secs = (double)(atomic_load(&r.last_ns) - atomic_load(&r.first_ns)) / 1e9;
    return secs > 0 ? (double)*done / secs : 0;
}

int main(int argc, char **argv)
{
    int sleep_ms = 2, partitions = 8, keys = 1000;
    const char *window = "256";
    double seconds = 2.0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--sleep-ms") == 0)
            sleep_ms = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--seconds") == 0)
            seconds = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--partitions") == 0)
            partitions = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--keys") == 0)
            keys = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--max-in-flight") == 0)
            window = argv[i + 1];
        else
            die("usage", "workers_bench [--sleep-ms MS] [--seconds S] [--partitions P] [--keys K] "
                         "[--max-in-flight M]");
    }
    if (sleep_ms < 1 || seconds <= 0 || partitions < 1 || keys < 1)
        die("usage", "values must be positive");
    char errstr[256];
    rd_kafka_conf_t *hc = rd_kafka_conf_new();
    (void)rd_kafka_conf_set(hc, "log_level", "3", errstr, sizeof errstr);
    rd_kafka_t *host = rd_kafka_new(RD_KAFKA_PRODUCER, hc, errstr, sizeof errstr);
    rd_kafka_mock_cluster_t *mc = host ? rd_kafka_mock_cluster_new(host, 1) : NULL;
    if (!mc)
        die("mock cluster", errstr);
    char bootstrap[256];
    snprintf(bootstrap, sizeof bootstrap, "%s", rd_kafka_mock_cluster_bootstraps(mc));
    const char *topic = "workers-bench";
    rd_kafka_mock_topic_create(mc, topic, partitions, 1);
    static const int counts[] = { 0, 1, 2, 4, 8, 16 };
    long backlog = (long)(seconds * 16 * 1000 / sleep_ms);
    if (backlog > MAX_MSGS)
        backlog = MAX_MSGS;
    produce(bootstrap, topic, backlog, keys);
    printf("| workers | messages | msg/s | ideal msg/s | speed-up vs 1 |\n"
           "|---:|---:|---:|---:|---:|\n");
    double base = 0;
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        int w = counts[i], eff = w ? w : 1;
        long n = (long)(seconds * eff * 1000 / sleep_ms), done = 0;
        if (n > backlog)
            n = backlog;
        double rate = one_run(bootstrap, topic, w, sleep_ms, window, n, &done);
        if (w == 1)
            base = rate;
        char label[16], speedup[16];
        snprintf(label, sizeof label, w ? "%d" : "0 (inline)", w);
        snprintf(speedup, sizeof speedup, base > 0 ? "%.2f" : "-", base > 0 ? rate / base : 0.0);
        printf("| %s | %ld | %.0f | %.0f | %s |\n", label, done, rate, eff * 1000.0 / sleep_ms,
               speedup);
        fflush(stdout);
    }
    printf("\nhandler: %d ms sleep; %d partitions, %d keys, ordering=key, "
           "max.in.flight=%s, fetch.wait.max.ms=10; mock cluster, 1 broker\n",
           sleep_ms, partitions, keys, window);
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(host);
    return 0;
}
