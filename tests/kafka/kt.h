/* kt: shared helpers for the Kafka runtime tests: a check macro with a
 * pass/fail tally, librdkafka's in-process mock cluster (127.0.0.1 only),
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

#include "tg_config.h"
#include "tg_consumer.h"
#include "tg_json.h"
#include "tg_message.h"
#include "tg_producer.h"

extern int kt_passed, kt_failed;

#define KT_CHECK(cond, ...)                                                          \
    do {                                                                             \
        if (cond) {                                                                  \
            kt_passed++;                                                             \
        } else {                                                                     \
            kt_failed++;                                                             \
            fprintf(stderr, "%s:%d: FAILED: %s: ", __FILE__, __LINE__, #cond);       \
            fprintf(stderr, __VA_ARGS__);                                            \
            fputc('\n', stderr);                                                     \
        }                                                                            \
    } while (0)

/* Print "N passed, N failed" and return the exit status. */
int kt_summary(void);

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
typedef struct kt_cluster {
    rd_kafka_t *rk;                 /* handle that owns the mock cluster */
    rd_kafka_mock_cluster_t *mc;
    char bootstraps[256];
} kt_cluster;

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

/* Produce messages synchronously (flush) through a fresh tg_producer:
 * JSON built from (id, key, body) unless raw_value is given. */
int kt_produce(kt_cluster *k, const char *topic, int32_t partition, int64_t id,
               const char *key, const char *body);
int kt_produce_raw(kt_cluster *k, const char *topic, int32_t partition, const char *key,
                   const char *value);

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

/* Parse the id out of a kt_msg JSON text (-1 if not one). */
int64_t kt_parse_id(const void *json, size_t len);

/* Monotonic milliseconds. */
int64_t kt_now_ms(void);
void kt_sleep_ms(int ms);

#endif
