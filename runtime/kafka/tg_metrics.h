/* tg_metrics: counters, a processing-latency histogram and per-partition
 * consumer lag for the Kafka runtime, with a Prometheus text writer.
 *
 * One tg_metrics is owned by the caller and handed (by pointer) to any
 * number of producers and consumers, which update it.  Thread-safety:
 * counters and histogram buckets are C11 atomics (relaxed; each value is
 * exact, a snapshot is not one atomic cut across values); the lag table is
 * guarded by a mutex.  Every function may be called from any thread.
 * Lag comes from librdkafka's statistics JSON (set statistics.interval.ms):
 * consumers feed it to tg_metrics_update_lag_from_stats. */
#ifndef TG_METRICS_H
#define TG_METRICS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Upper bounds (seconds) of the latency buckets; a final +Inf bucket follows. */
#define TG_METRICS_BUCKETS 12
#define TG_METRICS_BUCKET_BOUNDS \
    { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0 }
/* At most this many partitions are tracked for lag; later ones are ignored. */
#define TG_METRICS_MAX_PARTITIONS 256
#define TG_METRICS_TOPIC_MAX 128

typedef enum tg_counter {
    TG_M_CONSUMED = 0,      /* topicgen_messages_consumed_total: messages polled              */
    TG_M_PROCESSED,         /* topicgen_messages_processed_total: handler returned TG_OK      */
    TG_M_RETRIED,           /* topicgen_messages_retried_total: handler re-invocations        */
    TG_M_DEAD_LETTERED,     /* topicgen_messages_dead_lettered_total: DLQ delivery confirmed  */
    TG_M_FAILED_DELIVERIES, /* topicgen_delivery_failures_total{producer="app"}: failed
                               delivery reports                                              */
    TG_M_COMMITS,           /* topicgen_commits_total: successful offset commits              */
    TG_M_DELIVERED,         /* topicgen_messages_delivered_total{producer="app"}: successful
                               delivery reports (a consumer's dead-letter producer counts
                               under producer="dlq", see tg_metrics_snapshot.dlq)           */
    TG_M_FALLBACK,          /* topicgen_messages_fallback_total: failed deliveries saved by the
                               producer fallback (DLQ copy confirmed or spooled)              */
    TG_M_SPOOLED,           /* topicgen_messages_spooled_total: of those, appended to the spool */
    TG_M_REFUSED,           /* topicgen_sends_refused_total{producer="app"}: sends refused
                               before librdkafka's
                               queue (no broker reachable); spooled ones count in both   */
    TG_M_TOMBSTONES_SKIPPED, /* topicgen_tombstones_skipped_total: null-value records whose
                               route is skip: offset stored, no handler called            */
    TG_M_COUNTER_COUNT
} tg_counter;

typedef struct tg_partition_lag {
    char topic[TG_METRICS_TOPIC_MAX];
    int32_t partition;
    int64_t lag;            /* messages behind the high watermark (committed); -1 unknown */
} tg_partition_lag;

/* A plain copy of all values, for tests and custom exporters. */
typedef struct tg_metrics_snapshot {
    uint64_t counters[TG_M_COUNTER_COUNT];
    uint64_t buckets[TG_METRICS_BUCKETS + 1]; /* non-cumulative; last one is +Inf */
    uint64_t latency_count;
    double latency_sum_seconds;
    size_t n_lag;
    tg_partition_lag lag[TG_METRICS_MAX_PARTITIONS];
    int breaker_state;      /* topicgen_breaker_state: a tg_breaker_state (0 closed,
                               1 open, 2 half-open)                                   */
    uint64_t breaker_opens; /* topicgen_breaker_opens_total: transitions into open   */
    /* A consumer's dead-letter producer, apart from the application's
     * producers: counters[] never include these.  Appended (ABI). */
    struct {
        uint64_t delivered;          /* topicgen_messages_delivered_total{producer="dlq"} */
        uint64_t delivery_failures;  /* topicgen_delivery_failures_total{producer="dlq"}  */
        uint64_t sends_refused;      /* topicgen_sends_refused_total{producer="dlq"}      */
    } dlq;
} tg_metrics_snapshot;

typedef struct tg_metrics tg_metrics;

/* Allocate a zeroed metrics object; NULL on allocation failure. */
tg_metrics *tg_metrics_new(void);

/* Free m (NULL is fine).  No producer/consumer may still use it. */
void tg_metrics_free(tg_metrics *m);

/* Add n to counter c.  m may be NULL (no-op).  Lock-free. */
void tg_metrics_add(tg_metrics *m, tg_counter c, uint64_t n);

/* Record one handler run of `seconds`.  m may be NULL.  Lock-free. */
void tg_metrics_observe_latency(tg_metrics *m, double seconds);

/* Set the circuit-breaker state gauge (a tg_breaker_state value).  With
 * several consumers on one m the last change wins.  m may be NULL.
 * Lock-free. */
void tg_metrics_set_breaker_state(tg_metrics *m, int state);

/* Count one transition of a consumer's circuit breaker into the open state.
 * m may be NULL.  Lock-free. */
void tg_metrics_breaker_opened(tg_metrics *m);

/* Parse a librdkafka statistics JSON document (as given to stats_cb) and
 * replace the lag of every partition it lists (topics.*.partitions.*.
 * consumer_lag; partition -1 skipped).  Returns the number of partitions
 * read, -1 if the JSON is malformed (table unchanged). */
int tg_metrics_update_lag_from_stats(tg_metrics *m, const char *json, size_t len);

/* Lag of one partition, -1 if unknown. */
int64_t tg_metrics_lag(tg_metrics *m, const char *topic, int32_t partition);

/* Copy all values into *out. */
void tg_metrics_snapshot_get(tg_metrics *m, tg_metrics_snapshot *out);

/* Write the Prometheus text exposition format (version 0.0.4: # HELP and
 * # TYPE for every family, names by Prometheus conventions; docs/runtime.md,
 * "Metrics", has the table) into
 * buf[0..cap), NUL-terminated.  Returns the length the full text needs
 * (excluding the NUL); when that is >= cap the output is truncated.
 * Allocates one temporary snapshot (about 40 KB); returns 0 if that fails. */
size_t tg_metrics_write_prometheus(tg_metrics *m, char *buf, size_t cap);

/* Prometheus name of a counter ("topicgen_messages_consumed_total"); the
 * family name, without labels. */
const char *tg_counter_name(tg_counter c);

#ifdef __cplusplus
}
#endif

#endif /* TG_METRICS_H */
