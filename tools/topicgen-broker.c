/*
 * topicgen-broker: a Kafka broker for development and tests, in one
 * command.  Starts librdkafka's mock cluster (tg_embedded, 1..3 brokers on
 * 127.0.0.1, ephemeral ports), creates the topics asked for, prints the
 * bootstrap address as the first line of standard output (flushed at once)
 * and serves clients of other processes (produce, fetch, consumer groups,
 * offset commits) until SIGTERM or SIGINT, or until --max-seconds passed.
 *
 *   topicgen-broker [--brokers 1..3] [--topic NAME[:PARTITIONS]]...
 *                   [--bootstrap-file PATH] [--max-seconds N]
 *
 * NAME alone makes 1 partition; topics not created here are auto-created
 * on first produce with 4 partitions.  --bootstrap-file also writes the
 * address to PATH (atomically: PATH.tmp, then rename) and removes it at
 * exit.  Exit status: 0 after a signal or the time bound, 1 on a startup
 * error, 2 on bad usage.  Everything is in memory: stopping loses it all.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tg_codec.h" /* TG_TOPIC_NAME_MAX */
#include "tg_embedded.h"

#define MAX_TOPICS 64
#define TOPIC_NAME_MAX TG_TOPIC_NAME_MAX

/* The one piece of global mutable state: set by the signal handler, read by
 * the wait loop. */
static volatile sig_atomic_t stop_signal = 0;

typedef struct topic_spec {
    char name[TOPIC_NAME_MAX + 1];
    int partitions;
} topic_spec;

typedef struct options {
    int brokers;
    long max_seconds;               /* 0 = until a signal */
    const char *bootstrap_file;
    topic_spec topics[MAX_TOPICS];
    size_t n_topics;
} options;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static void usage(FILE *out) /* --help */
{
    fputs("usage: topicgen-broker [--brokers 1..3] [--topic NAME[:PARTITIONS]]...\n"
          "                       [--bootstrap-file PATH] [--max-seconds N]\n"
          "Start an in-memory Kafka cluster (librdkafka's mock cluster) on 127.0.0.1 and\n"
          "print its bootstrap address as the first line of standard output; stop on\n"
          "SIGTERM/SIGINT (exit 0).\n"
          "  --brokers N           brokers in the cluster (default 1)\n"
          "  --topic NAME[:P]      create topic NAME with P partitions (default 1);\n"
          "                        repeatable; other topics are auto-created with 4\n"
          "  --bootstrap-file PATH also write the address to PATH (removed at exit)\n"
          "  --max-seconds N       stop after N seconds (default: only on a signal)\n"
          "Use it: TOPICGEN_BROKERS=$(first line) your-program\n"
          "Exit status: 0 stopped, 1 startup error, 2 bad usage.\n",
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

/* One "--flag value" pair; false (after saying why) when unknown or invalid. */
static bool parse_pair(const char *a, const char *val, options *o)
{
    long v = 0;
    tg_error err;
    if (strcmp(a, "--brokers") == 0 && parse_long(val, 1, TG_EMBEDDED_MAX_BROKERS, &v))
        o->brokers = (int)v;
    else if (strcmp(a, "--max-seconds") == 0 && parse_long(val, 1, 31L * 86400, &v))
        o->max_seconds = v;
    else if (strcmp(a, "--bootstrap-file") == 0 && val[0])
        o->bootstrap_file = val;
    else if (strcmp(a, "--topic") == 0 && o->n_topics < MAX_TOPICS) {
        topic_spec *t = &o->topics[o->n_topics];
        if (tg_embedded_parse_topic(val, t->name, sizeof t->name, &t->partitions, &err)) {
            fprintf(stderr, "topicgen-broker: --topic: %s\n", err.message);
            return false;
        }
        o->n_topics++;
    } else {
        fprintf(stderr, "topicgen-broker: bad argument %s '%s'\n", a, val);
        return false;
    }
    return true;
}

/* Returns 0, 1 after --help (printed), or 2 after saying what is wrong. */
static int parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->brokers = 1;
    for (int i = 1; i < argc; i += 2) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "topicgen-broker: %s needs a value (see --help)\n", argv[i]);
            return 2;
        }
        if (!parse_pair(argv[i], argv[i + 1], o)) {
            fputs("topicgen-broker: see --help\n", stderr);
            return 2;
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
        fprintf(stderr, "topicgen-broker: bootstrap file path too long\n");
        return 1;
    }
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%s\n", address) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "topicgen-broker: writing %s: %s\n", path, strerror(errno));
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
        fprintf(stderr, "topicgen-broker: sigaction: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}

/* Sleep in 100 ms steps until a signal or the time bound; says which. */
static const char *wait_for_stop(long max_seconds)
{
    struct timespec step = { 0, 100 * 1000 * 1000 };
    for (long ticks = 0; max_seconds == 0 || ticks < max_seconds * 10; ticks++) {
        if (stop_signal)
            return stop_signal == SIGINT ? "SIGINT" : "SIGTERM";
        (void)nanosleep(&step, NULL);
    }
    return "max-seconds";
}

static int create_topics(tg_embedded *e, const options *o)
{
    for (size_t i = 0; i < o->n_topics; i++) {
        tg_error err;
        if (tg_embedded_create_topic(e, o->topics[i].name, o->topics[i].partitions, &err)) {
            fprintf(stderr, "topicgen-broker: %s\n", err.message);
            return 1;
        }
    }
    return 0;
}

static int serve(tg_embedded *e, const options *o)
{
    const char *address = tg_embedded_bootstrap(e);
    if (create_topics(e, o))
        return 1;
    if (o->bootstrap_file && write_bootstrap_file(o->bootstrap_file, address))
        return 1;
    if (printf("%s\n", address) < 0 || fflush(stdout) != 0) {
        fprintf(stderr, "topicgen-broker: writing to standard output failed\n");
        return 1;
    }
    fprintf(stderr, "topicgen-broker: %d broker(s) at %s, %zu topic(s) created\n", o->brokers,
            address, o->n_topics);
    const char *why = wait_for_stop(o->max_seconds);
    fprintf(stderr, "topicgen-broker: stopping (%s)\n", why);
    if (o->bootstrap_file)
        (void)remove(o->bootstrap_file);
    return 0;
}

int main(int argc, char **argv)
{
    options o;
    tg_error err;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc == 1 ? 0 : rc;
    if (install_signals())
        return 1;
    tg_embedded *e = tg_embedded_start(o.brokers, &err);
    if (!e) {
        fprintf(stderr, "topicgen-broker: %s\n", err.message);
        return 1;
    }
    rc = serve(e, &o);
    tg_embedded_stop(e);
    return rc;
}
