/* kt: shared helpers for the Kafka runtime tests: the runner (kt_main: one
 * case per run, on librdkafka's in-process mock cluster, 127.0.0.1 only),
 * a tiny hand-written test message (descriptor, codec via the runtime's
 * JSON reader/writer) and record keeping for loss/duplicate checks. */
#ifndef KT_H
#define KT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "check.h" /* CHECK, CHECKF, check_done */
#include "clock.h" /* test_now_ms, test_sleep_ms */

#include "tg_config.h"
#include "tg_consumer.h"
#include "tg_json.h"
#include "tg_message.h"
#include "tg_producer.h"

/* ---- the runner --------------------------------------------------------
 * Each test file lists its cases and nothing else; its main is
 *
 *     int main(int argc, char **argv) { return KT_MAIN(argc, argv, cases); }
 *
 * `prog <case>` runs one case: with brokers > 0 on a fresh cluster of that
 * many mock brokers (or the external one, see below), with brokers 0 and no
 * cluster (k is NULL); then the closing "N passed, N failed" and the exit
 * status.  A table of one case may be run without the name.  A case with
 * `main` set is a sub-command (a child process a test starts): it gets
 * argc/argv and its return value is the exit status.  alarm(KT_ALARM_S)
 * bounds every run, below ctest's 120 s TIMEOUT. */
#define KT_ALARM_S 110

typedef struct kt_cluster kt_cluster;

typedef struct kt_case {
    const char *name;
    void (*fn)(kt_cluster *k);
    int brokers;                    /* mock brokers; 0: no cluster            */
    bool mock_only;                 /* needs fault injection: refuse an
                                     * external broker (KT_BOOTSTRAP)         */
    int (*main)(int argc, char **argv); /* a sub-command instead of a case   */
} kt_case;

/* Table rows: a case on `brokers` mock brokers (0: no cluster), one that
 * needs the mock's fault injection, and a sub-command. */
#define KT_CASE(name, fn, brokers) { (name), (fn), (brokers), false, NULL }
#define KT_CASE_MOCK(name, fn, brokers) { (name), (fn), (brokers), true, NULL }
#define KT_SUBCOMMAND(name, main) { (name), NULL, 0, false, (main) }

int kt_main(int argc, char **argv, const kt_case *cases, size_t n);
#define KT_MAIN(argc, argv, cases) \
    kt_main((argc), (argv), (cases), sizeof(cases) / sizeof((cases)[0]))

/* ---- the test message: {"id": <int>, "key": "<str>", "body": "<str>"} ---- */
typedef struct kt_msg {
    int64_t id;
    tg_str key;
    tg_str body;
} kt_msg;

extern const tg_message_desc kt_msg_desc;     /* plain message            */
extern const tg_message_desc kt_union_desc;   /* body "a..."=0, "b..."=1   */

/* ---- mock cluster (or, with KT_BOOTSTRAP=host:port, an external broker for
 * the cases that need no fault injection) ---------------------------------- */
struct kt_cluster {
    rd_kafka_t *rk;                 /* handle that owns the mock cluster */
    rd_kafka_mock_cluster_t *mc;
    char bootstraps[256];
};

int kt_cluster_start(kt_cluster *k, int brokers);
void kt_cluster_stop(kt_cluster *k);
void kt_topic(kt_cluster *k, const char *topic, int partitions);

/* Topic and DLQ topic names for a test: `base` and "<base>.dlq" on the
 * mock, made unique per run (base-<pid>-<ms>) on an external broker. */
void kt_names(const kt_cluster *k, const char *base, char *topic, size_t tcap, char *dlq,
              size_t dcap);

/* Configs pointing at the cluster, with test-friendly timeouts; extra is
 * { key, value, ... } of n_extra pairs. */
tg_config *kt_consumer_config(const kt_cluster *k, const char *group, const char *const *extra,
                              size_t n_extra);
tg_config *kt_producer_config(const kt_cluster *k, const char *const *extra, size_t n_extra);

/* A tg_producer on the cluster with kt_producer_config's settings (NULL on
 * failure, *err says why). */
tg_producer *kt_producer(const kt_cluster *k, tg_error *err);

/* Produce messages synchronously (flush) through a fresh tg_producer:
 * JSON built from (id, key, body) unless raw_value is given. */
int kt_produce(kt_cluster *k, const char *topic, int32_t partition, int64_t id,
               const char *key, const char *body);
int kt_produce_raw(kt_cluster *k, const char *topic, int32_t partition, const char *key,
                   const char *value);

/* A plain librdkafka consumer handle of group on the cluster, auto commit
 * off: for rd_kafka_committed samples (it joins no group by itself). */
rd_kafka_t *kt_plain_consumer(const kt_cluster *k, const char *group);

/* Committed offset of topic/partition for group (-1001 if none). */
int64_t kt_committed(const kt_cluster *k, const char *group, const char *topic,
                     int32_t partition);

/* Read every message of topic (all partitions, from the beginning) into a
 * callback, waiting until `expect` arrived or timeout_ms passed, and then
 * on to each partition's high watermark: the result counts every message
 * in the topic, so a check for exactly `expect` sees one too many. */
typedef void (*kt_read_fn)(void *user, const rd_kafka_message_t *m);
int kt_read_all(const kt_cluster *k, const char *topic, int expect, int timeout_ms,
                kt_read_fn fn, void *user);

/* A header value as a NUL-terminated copy ("" if missing). */
void kt_header(const rd_kafka_message_t *m, const char *name, char *buf, size_t cap);

/* The message key as a NUL-terminated copy, cut to cap - 1 bytes ("" if
 * none). */
void kt_message_key(const rd_kafka_message_t *m, char *buf, size_t cap);

/* Parse the id out of a kt_msg JSON text (-1 if not one). */
int64_t kt_parse_id(const void *json, size_t len);

#endif
