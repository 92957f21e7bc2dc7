/*
 * mock_broker.c: the embedded default broker of the example pipeline.
 *
 * Starts librdkafka's in-process mock cluster (1-3 brokers on 127.0.0.1),
 * pre-creates the topics given with --topic NAME:PARTITIONS, writes the
 * bootstrap address to --bootstrap-file (atomically, via a temp file and
 * rename) and to stdout, then serves clients of other processes (produce,
 * fetch, consumer groups, offset commits) until SIGTERM/SIGINT or until
 * --max-seconds have passed.  Used by scripts/run-example.sh when no real
 * Kafka is configured, and by the example_pipeline_mock test.
 *
 *   mock_broker [--brokers 1..3] [--topic NAME:PARTITIONS]... \
 *               [--bootstrap-file PATH] [--max-seconds N]
 *
 * Exit status: 0 after a signal or the time bound, 1 on a startup error,
 * 2 on bad usage.  The mock cluster keeps everything in memory: stopping it
 * loses all topics.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_TOPICS 16
#define TOPIC_NAME_MAX 200

/* The one piece of global mutable state: set by the signal handler, read by
 * the wait loop.  A signal handler cannot reach anything else. */
static volatile sig_atomic_t stop_requested = 0;

typedef struct topic_spec {
    char name[TOPIC_NAME_MAX + 1];
    int partitions;
} topic_spec;

typedef struct options {
    int brokers;
    long max_seconds;
    const char *bootstrap_file;
    topic_spec topics[MAX_TOPICS];
    size_t n_topics;
} options;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *out)
{
    fputs("usage: mock_broker [--brokers 1..3] [--topic NAME:PARTITIONS]...\n"
          "                   [--bootstrap-file PATH] [--max-seconds N]\n",
          out);
}

/* Parse a whole decimal number in [min, max]; false otherwise. */
static bool parse_long(const char *s, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* "NAME:PARTITIONS" into spec; false when malformed. */
static bool parse_topic(const char *arg, topic_spec *spec)
{
    const char *colon = strrchr(arg, ':');
    long parts = 0;
    size_t len = colon ? (size_t)(colon - arg) : 0;
    if (!colon || len == 0 || len > TOPIC_NAME_MAX || !parse_long(colon + 1, 1, 1000, &parts))
        return false;
    memcpy(spec->name, arg, len);
    spec->name[len] = '\0';
    spec->partitions = (int)parts;
    return true;
}

/* One "--flag value" pair; false when unknown or invalid. */
static bool parse_pair(const char *a, const char *val, options *o)
{
    long v = 0;
    if (strcmp(a, "--brokers") == 0) {
        if (!parse_long(val, 1, 3, &v))
            return false;
        o->brokers = (int)v;
        return true;
    }
    if (strcmp(a, "--max-seconds") == 0)
        return parse_long(val, 1, 86400, &o->max_seconds);
    if (strcmp(a, "--bootstrap-file") == 0) {
        o->bootstrap_file = val;
        return true;
    }
    if (strcmp(a, "--topic") == 0)
        return o->n_topics < MAX_TOPICS && parse_topic(val, &o->topics[o->n_topics++]);
    return false;
}

/* Returns 0, or 2 after printing why the command line is wrong. */
static int parse_args(int argc, char **argv, options *o)
{
    *o = (options){ .brokers = 1, .max_seconds = 600 };
    for (int i = 1; i < argc; i += 2) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            exit(0);
        }
        if (i + 1 >= argc || !parse_pair(argv[i], argv[i + 1], o)) {
            fprintf(stderr, "mock_broker: bad argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    return 0;
}

/* The handle that owns the cluster: a producer that never produces. */
static rd_kafka_t *make_owner(void)
{
    char errstr[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr) != RD_KAFKA_CONF_OK
        || rd_kafka_conf_set(conf, "client.id", "topicgen-mock-broker", errstr, sizeof errstr)
               != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "mock_broker: config: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) {
        fprintf(stderr, "mock_broker: rd_kafka_new: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
    }
    return rk;
}

static int create_topics(rd_kafka_mock_cluster_t *mc, const options *o)
{
    for (size_t i = 0; i < o->n_topics; i++) {
        rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, o->topics[i].name,
                                                           o->topics[i].partitions, 1);
        if (e) {
            fprintf(stderr, "mock_broker: creating topic %s: %s\n", o->topics[i].name,
                    rd_kafka_err2str(e));
            return 1;
        }
    }
    return 0;
}

/* Write "address\n" to path through path.tmp + rename, so a reader never
 * sees a partial line. */
static int write_bootstrap_file(const char *path, const char *address)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        fprintf(stderr, "mock_broker: bootstrap file path too long\n");
        return 1;
    }
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%s\n", address) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "mock_broker: writing %s: %s\n", path, strerror(errno));
        return 1;
    }
    return 0;
}

static int install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0) {
        fprintf(stderr, "mock_broker: sigaction: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}

/* Sleep in 100 ms steps until a signal or the time bound; says which. */
static const char *wait_for_stop(long max_seconds)
{
    struct timespec step = { 0, 100 * 1000 * 1000 };
    for (long ticks = 0; ticks < max_seconds * 10; ticks++) {
        if (stop_requested)
            return "signal";
        (void)nanosleep(&step, NULL);
    }
    return stop_requested ? "signal" : "max-seconds";
}

static int serve(rd_kafka_mock_cluster_t *mc, const options *o)
{
    const char *address = rd_kafka_mock_cluster_bootstraps(mc);
    if (create_topics(mc, o))
        return 1;
    if (o->bootstrap_file && write_bootstrap_file(o->bootstrap_file, address))
        return 1;
    printf("%s\n", address);
    fflush(stdout);
    fprintf(stderr, "mock_broker: %d broker(s) at %s, %zu topic(s), up to %ld s\n", o->brokers,
            address, o->n_topics, o->max_seconds);
    const char *why = wait_for_stop(o->max_seconds);
    fprintf(stderr, "mock_broker: stopping (%s)\n", why);
    if (o->bootstrap_file)
        (void)remove(o->bootstrap_file);
    return 0;
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse_args(argc, argv, &o);
    if (rc || install_signals())
        return rc ? rc : 1;
    rd_kafka_t *rk = make_owner();
    if (!rk)
        return 1;
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, o.brokers);
    if (!mc) {
        fprintf(stderr, "mock_broker: rd_kafka_mock_cluster_new failed\n");
        rd_kafka_destroy(rk);
        return 1;
    }
    rc = serve(mc, &o);
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return rc;
}
