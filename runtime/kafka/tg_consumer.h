/* tg_consumer: a typed, at-least-once Kafka consumer on librdkafka.
 *
 * Register one handler per topic (tg_consumer_add; topic defaults to
 * desc->topic), one per union variant (tg_consumer_add_variant) or one batch
 * handler (tg_consumer_add_batch), then tg_consumer_run.  For each message
 * the consumer decodes it with desc->decode into a per-consumer struct
 * buffer and arena (reused; no malloc per message), runs the optional
 * translator, then calls the handler, which returns:
 *   TG_OK      done: the offset is stored and later committed;
 *   TG_RETRY   call again after exponential backoff with jitter, while the
 *              partition is paused (other partitions keep flowing); after
 *              topicgen.retry.max.attempts calls the message is dead-lettered;
 *   TG_REJECT  dead-letter at once (reason: tg_reject_reason, else
 *              "rejected by handler").
 * Decode/validation failures and unknown or unhandled union variants are
 * dead-lettered without calling a handler.
 *
 * The tg-schema check (topicgen.schema.check, before decoding, in every
 * mode): a record whose tg-schema header names another "<schema>.<name>"
 * than the registration's descriptor is dead-lettered without reaching the
 * translator or a handler ("schema mismatch: record has tg-schema
 * 'billing.Invoice', this consumer expects 'orders.OrderEvent'"); a record
 * without the header (another producer's) is decoded (policy match, the
 * default) or dead-lettered too (require); off skips the check.  One header
 * lookup and a byte compare per record, no allocation.
 *
 * Dead-lettering produces the original key,
 * value and headers plus tg-dlq-reason, tg-dlq-path, tg-dlq-topic,
 * tg-dlq-partition, tg-dlq-offset, tg-dlq-timestamp and tg-dlq-attempts to
 * the registration's DLQ topic: desc->dlq_topic when the topic consumed is
 * desc->topic, else "<topic>.dlq" (a descriptor reused for another topic
 * does not dead-letter into the schema's DLQ); the offset is stored only once
 * the DLQ broker confirmed the delivery.  If that delivery fails for a
 * passing reason the partition stays paused and the DLQ produce is retried:
 * nothing is lost.  Values longer than topicgen.dlq.max.value.bytes are cut
 * (tg-dlq-truncated, tg-dlq-original-size); a letter refused for its size is
 * sent again without value, then bare; a letter no envelope gets into the
 * DLQ topic goes to the spool file (topicgen.producer.spool.path), else
 * every tg_consumer_poll fails with an error naming the DLQ topic and the
 * record, and nothing is committed past it (docs/runtime.md, "Dead letters
 * the DLQ topic refuses").
 *
 * Offsets are stored (never auto-stored) in partition order, so a committed
 * offset never passes an unhandled message; commits happen every
 * topicgen.commit.interval.ms, on partition revocation and on shutdown, and
 * after a takeover 200 ms, 400 ms, ... apart until that interval (so a crash
 * loop still makes progress).
 * A message may be handled again (at-least-once) after a crash, a lost
 * partition or a failed commit: see docs/runtime.md.
 *
 * Circuit breaker (topicgen.breaker.enable=1, tg_breaker): TG_RETRY
 * outcomes count as failures, TG_OK as successes; TG_REJECT, decode
 * failures and unknown variants are about the message and do not count.
 * When failures cross topicgen.breaker.consecutive.failures in a row or
 * topicgen.breaker.failure.rate.percent of at least topicgen.breaker.min.calls
 * outcomes within topicgen.breaker.window.ms, the breaker opens: every
 * assigned partition is paused (the consumer keeps polling, so the group
 * session stays alive), no message is retried to exhaustion or
 * dead-lettered because of the outage (a failure while the breaker is not
 * closed does not use up the message's attempts), and after
 * topicgen.breaker.cooldown.ms one probe message runs (half-open): success
 * closes the breaker and consumption resumes at the first unfinished
 * offset, failure re-opens it.  Changes are logged and exported
 * (tg_metrics: topicgen_breaker_state, topicgen_breaker_opens_total).
 * A message that fails with TG_RETRY on its own while nothing else
 * succeeds is indistinguishable from an outage: return TG_REJECT for
 * permanent, message-specific failures.  Not used in batch mode.
 *
 * Worker mode (topicgen.workers=N > 0, not in batch mode): decoding, the
 * translator and handlers run on a pool of N threads (tg_workers).  Messages
 * with the same key (topicgen.ordering=key; keyless messages: same
 * partition) or of the same partition (ordering=partition) go to the same
 * thread and are handled one after another in offset order; others run in
 * parallel.  At most topicgen.max.in.flight messages are accepted and not
 * yet finished; when the window is full every partition is paused (no
 * message is dropped, nothing queues without bound) and resumes when it
 * has drained.  Offsets are still stored from each partition's head in
 * order, so the committed offset never passes an unfinished message.  A
 * TG_RETRY pauses the message's partition and stalls its thread's queue
 * until the retry (so later messages of that key stay behind it).  On
 * revocation and on close, queued messages of the partition are taken
 * back and the running ones are waited for (at most
 * topicgen.shutdown.timeout.ms) before the commit.  Dead-letter produces
 * stay on the polling thread.
 *
 * Threading: a consumer is driven by one thread (the one calling
 * tg_consumer_run / tg_consumer_poll); the rebalance logic and DLQ
 * deliveries run on it, and so do handlers and the translator in inline
 * mode.  In worker mode handlers and the translator run on worker threads,
 * concurrently with each other (never two of the same key/partition at
 * once): they must be thread-safe with respect to shared state in `user`,
 * and the msg, meta and strings they get are valid only during the call.
 * Only tg_consumer_stop may be called from another thread or a signal
 * handler (handlers may call it). */
#ifndef TG_CONSUMER_H
#define TG_CONSUMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "tg_config.h"
#include "tg_error.h"
#include "tg_log.h"
#include "tg_message.h"
#include "tg_metrics.h"
#include "tg_producer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a handler (or translator) decided about a message. */
typedef enum tg_result {
    TG_OK = 0,     /* processed: store the offset                  */
    TG_RETRY = 1,  /* transient failure: call again after a backoff */
    TG_REJECT = 2  /* permanent failure: dead-letter it now         */
} tg_result;

/* Everything about a message except its decoded body.  Valid only during
 * the handler call (points into the Kafka message). */
typedef struct tg_msg_meta {
    const char *topic;
    int32_t partition;
    int64_t offset;
    int64_t timestamp_ms;            /* -1 if the message has none           */
    const void *key;                 /* NULL if no key                       */
    size_t key_len;
    const rd_kafka_headers_t *headers; /* NULL if none; see tg_meta_header  */
    tg_trace_context trace;          /* from a valid traceparent header      */
    int attempt;                     /* 1 on the first call, 2 on the first retry */
    int variant;                     /* union variant index, -1 for plain messages */
    const tg_message_desc *desc;
    const rd_kafka_message_t *raw;   /* the underlying message (NULL under
                                        tg_test_deliver, tg_test.h)           */
    char *reason;                    /* consumer-owned DLQ reason buffer of this
                                        call (NULL in batch mode): write it with
                                        tg_reject_reason, not directly        */
    size_t reason_cap;
    int schema_version;              /* the record's tg-schema-version header: 1
                                        when it has none, 0 when it is not a
                                        version (1 to 2147483647)            */
    tg_trace_context span;           /* this handling's span (tg_trace_new_span):
                                        trace's trace id and flags (a new trace
                                        when the record has none), parent_id =
                                        a new span id.  Re-publish with
                                        tg_send_opts.trace = &meta->span to keep
                                        the trace.  Appended (ABI).         */
} tg_msg_meta;

/* Set the dead-letter reason (header tg-dlq-reason) for the message of this
 * handler call, printf-style, truncated to 199 bytes.  Used when the handler
 * then returns TG_REJECT (instead of "rejected by handler"), or TG_RETRY on
 * the last attempt ("retries exhausted: <reason>"); ignored after TG_OK.
 * Call it only during the handler (or translator) call, on the thread that
 * runs it; the storage belongs to that call.  No-op in batch mode. */
void tg_reject_reason(const tg_msg_meta *meta, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Find the last header called `name`; true (value and len set) if found. */
bool tg_meta_header(const tg_msg_meta *meta, const char *name, const void **value, size_t *len);

/* A handler: msg points to the decoded struct (desc->struct_size bytes,
 * valid only during the call, as are strings pointing into it). */
typedef tg_result (*tg_handler_fn)(void *user, const void *msg, const tg_msg_meta *meta);

/* Translator run after decoding and before the handler (e.g. to upgrade an
 * old schema version in place).  TG_REJECT dead-letters the message with
 * reason "translate: <why->message>", TG_RETRY counts as a handler retry. */
typedef tg_result (*tg_translate_fn)(void *user, void *msg, const tg_msg_meta *meta,
                                     tg_error *why);

/* Batch mode: up to topicgen.batch.size decoded messages, or whatever
 * arrived within topicgen.batch.timeout.ms of the first one. */
typedef struct tg_batch_item {
    const void *msg;
    tg_msg_meta meta;
} tg_batch_item;

typedef struct tg_batch {
    const tg_batch_item *items;
    size_t count;
} tg_batch;

/* TG_OK stores every offset of the batch; TG_RETRY retries the whole batch
 * (all assigned partitions are paused meanwhile); TG_REJECT, or TG_RETRY on
 * the last attempt, dead-letters every message of the batch. */
typedef tg_result (*tg_batch_fn)(void *user, const tg_batch *batch);

typedef struct tg_consumer_opts {
    const tg_config *dlq_config;   /* producer config for the DLQ producer; NULL =
                                      tg_config_derive_producer(conf)          */
    const tg_logger *logger;       /* copied; NULL = tg_logger_default()       */
    tg_metrics *metrics;           /* not owned; may be NULL                   */
    tg_translate_fn translate;     /* may be NULL                              */
    void *translate_user;
} tg_consumer_opts;

typedef struct tg_consumer tg_consumer;

/* Create a consumer from a TG_CONFIG_CONSUMER config (copied; group.id is
 * required).  Also creates the dead-letter producer.  NULL + err on error;
 * TG_ERR_CONFIG at once when conf names no cluster (no bootstrap.servers:
 * see tg_embedded_resolve).  bootstrap.servers=embedded holds the process's
 * shared embedded broker (tg_embedded.h) until tg_consumer_free. */
tg_consumer *tg_consumer_new(const tg_config *conf, const tg_consumer_opts *opts, tg_error *err);

/* Route messages of `topic` (NULL = desc->topic) to fn.  Register before
 * the first tg_consumer_poll/run.  One registration per topic. */
int tg_consumer_add(tg_consumer *c, const tg_message_desc *desc, const char *topic,
                    tg_handler_fn fn, void *user, tg_error *err);

/* For a tagged union (desc->variant != NULL): route variant `index` of
 * `topic` to fn.  fn may be NULL: the topic is registered (and subscribed)
 * all the same.  Variants without a handler are dead-lettered
 * ("unhandled variant '<name>'"; an index the descriptor's variant function
 * cannot name, "unknown variant").  Call once per variant. */
int tg_consumer_add_variant(tg_consumer *c, const tg_message_desc *desc, const char *topic,
                            size_t index, tg_handler_fn fn, void *user, tg_error *err);

/* Batch mode for `topic`: the consumer then serves this one registration. */
int tg_consumer_add_batch(tg_consumer *c, const tg_message_desc *desc, const char *topic,
                          tg_batch_fn fn, void *user, tg_error *err);

/* A tombstone handler: a record of the topic with a NULL value (the delete
 * marker of a compacted topic) whose route is handle (schema attribute
 * `tombstones: handle`, or topicgen.tombstones=handle).  There is no decoded
 * message: meta has the key, headers, offset and so on (valid only during
 * the call).  Its result counts as a handler's: TG_OK stores the offset,
 * TG_RETRY calls again after a backoff, TG_REJECT dead-letters. */
typedef tg_result (*tg_tombstone_fn)(void *user, const tg_msg_meta *meta);

/* Give the registered `topic` a tombstone handler (same threads as its
 * handler).  Without one, a tombstone routed to handle is dead-lettered
 * ("tombstone: no tombstone handler registered for topic '<topic>'").
 * TG_ERR_STATE when topic is not registered (register it first), is in
 * batch mode (its tombstones can only be skipped or dead-lettered), or
 * after the first poll; TG_ERR_ARG for NULL arguments. */
int tg_consumer_add_tombstone(tg_consumer *c, const char *topic, tg_tombstone_fn fn, void *user,
                              tg_error *err);

/* Subscribe to every registered topic (tg_consumer_poll/run do it on first
 * use).  Returns 0 or an error. */
int tg_consumer_subscribe(tg_consumer *c, tg_error *err);

/* One iteration: serve DLQ delivery reports and due retries, wait up to
 * timeout_ms for one message and handle it, commit if the interval passed.
 * Returns 0, or an error (fatal consumer error, subscribe failure, a dead
 * letter neither the DLQ topic nor a spool would take: TG_ERR_KAFKA, every
 * call from then on; stop and fix the DLQ topic). */
int tg_consumer_poll(tg_consumer *c, int timeout_ms, tg_error *err);

/* Poll until tg_consumer_stop, then tg_consumer_close.  Returns 0 after a
 * clean shutdown, else the first error. */
int tg_consumer_run(tg_consumer *c, tg_error *err);

/* Ask tg_consumer_run to finish: it completes the handler in progress,
 * commits and closes.  Async-signal-safe and thread-safe (one lock-free
 * atomic store); does nothing else. */
void tg_consumer_stop(tg_consumer *c);

/* True once tg_consumer_stop was called. */
bool tg_consumer_stopping(const tg_consumer *c);

/* Shut down within topicgen.shutdown.timeout.ms: hand a collected batch to
 * its handler, wait for in-flight DLQ deliveries, commit stored offsets,
 * wait for the first assignment if a cooperative-sticky JoinGroup was
 * answered without one yet (see tg_consumer_free), leave the group
 * (rd_kafka_consumer_close_queue), close the DLQ producer.
 * Messages still waiting for a retry are not stored (they come back).
 * Idempotent.  Returns 0, or TG_ERR_TIMEOUT if the bound was hit. */
int tg_consumer_close(tg_consumer *c, tg_error *err);

/* Close (if needed) and free.  NULL is fine.  With cooperative-sticky, a
 * consumer that joined but never got its first assignment (even after
 * close's bounded wait for it) is kept alive instead, with a warning:
 * librdkafka 2.0.2 would abort in its destroy (docs/runtime.md). */
void tg_consumer_free(tg_consumer *c);

/* Commit the stored offsets now (async = false waits for the broker). */
int tg_consumer_commit(tg_consumer *c, bool async, tg_error *err);

/* Move an assigned partition to `offset` (or RD_KAFKA_OFFSET_BEGINNING/END).
 * TG_ERR_STATE if the partition holds a message in retry or dead-lettering. */
int tg_consumer_seek(tg_consumer *c, const char *topic, int32_t partition, int64_t offset,
                     tg_error *err);

/* The next offset the application will read from a partition (librdkafka's
 * position), or -1001 (RD_KAFKA_OFFSET_INVALID) if none yet. */
int tg_consumer_position(tg_consumer *c, const char *topic, int32_t partition,
                         int64_t *offset, tg_error *err);

/* The address the consumer's /metrics, /healthz and /readyz endpoint is
 * bound to ("127.0.0.1:40123"; with port 0 in topicgen.metrics.listen, the
 * port the system picked), or NULL when it has none (the property unset, or
 * closed).  Owned by c, valid until tg_consumer_close. */
const char *tg_consumer_metrics_address(const tg_consumer *c);

/* The librdkafka consumer handle (owned by c) and the DLQ producer. */
rd_kafka_t *tg_consumer_handle(tg_consumer *c);
tg_producer *tg_consumer_dlq_producer(tg_consumer *c);

#ifdef __cplusplus
}
#endif

#endif /* TG_CONSUMER_H */
