/* tg_producer: a typed Kafka producer on librdkafka.
 *
 * tg_producer_send encodes a generated struct with its descriptor, keys it
 * with desc->key and sends it with the topicgen headers
 *     content-type: application/json
 *     tg-schema: <schema>.<name>
 *     tg-schema-version: <version>
 *     traceparent: <W3C trace context>            (only when given)
 * Defaults (tg_config): acks=all and enable.idempotence=true, so a message
 * is acknowledged only once every in-sync replica has it and librdkafka's
 * internal retries cannot duplicate or reorder it within a partition;
 * compression.type=lz4, because lz4 is the cheapest codec in CPU for the
 * JSON payloads this runtime sends, every broker since Kafka 0.10 accepts it
 * (zstd needs 2.1+) and Debian's librdkafka 2.0.2 has both built in;
 * linger.ms=5 for small batches at low latency.
 *
 * Every send ends in exactly one delivery report to the caller's callback
 * (success with partition and offset, or an error classified retriable or
 * fatal).  Reports are served by tg_producer_poll, tg_producer_flush,
 * tg_producer_close and (non-blocking) at the end of every tg_producer_send,
 * on the calling thread.
 *
 * Sustained failure (docs/runtime.md, "Failure modes"): the local queue is
 * bounded (queue.buffering.max.messages / .kbytes; full = TG_ERR_QUEUE_FULL).
 * When librdkafka reports every broker down (RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
 * and no broker answered for topicgen.producer.unavailable.ms, sends are
 * refused (except one probe message whenever nothing is in flight).  A
 * broker's answer ends the state: any delivery report a broker gave
 * (success or a broker error), or librdkafka's statistics showing a broker
 * up (requested every unavailable.ms/4, 100 ms to 1 s, unless
 * statistics.interval.ms is set), so a refusal never quotes a stale outage.
 * A refused send (that, or a full queue while no broker is reachable) goes
 * to the spool when there is one: tg_producer_send returns 0 and the
 * message's one delivery report says refused = true, fallback =
 * TG_FALLBACK_SPOOL.  Without a spool it returns TG_ERR_UNAVAILABLE (or
 * TG_ERR_QUEUE_FULL) with a text that says "NOT sent and NOT spooled", is
 * counted (topicgen_sends_refused_total) and logged at most once a second.
 * A message whose delivery fails for good goes to the fallback
 * (topicgen.producer.fallback): a copy to the fallback topic, or a record in
 * the spool file (tg_spool; replay with `topicgen-spool replay FILE`); its
 * delivery report then says so in tg_delivery.fallback.
 *
 * Memory: the encode buffer is one per producer, grown only when a message
 * needs more (presized to desc->max_json_size); steady-state sends do not
 * malloc in this code (librdkafka copies the payload into its queue).
 * Thread-safety: all functions except tg_producer_close may be called from
 * several threads at once (sends are serialised on an internal mutex);
 * delivery callbacks run on whichever thread polls. */
#ifndef TG_PRODUCER_H
#define TG_PRODUCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "tg_config.h"
#include "tg_error.h"
#include "tg_log.h"
#include "tg_message.h"
#include "tg_metrics.h"
#include "tg_trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Use librdkafka's partitioner (by key). */
#define TG_PARTITION_ANY RD_KAFKA_PARTITION_UA

/* A header to attach: name NUL-terminated, value any bytes (NULL = null). */
typedef struct tg_header {
    const char *name;
    const void *value;
    size_t len;
} tg_header;

/* One delivery report.  Strings and key are valid only during the callback. */
typedef struct tg_delivery {
    const char *topic;
    int32_t partition;       /* -1 if never assigned                              */
    int64_t offset;          /* -1 on error                                       */
    const void *key;
    size_t key_len;
    void *msg_opaque;        /* tg_send_opts.msg_opaque / tg_raw_record.msg_opaque */
    int err;                 /* 0 delivered, else an rd_kafka_resp_err_t           */
    bool retriable;          /* error only: sending the same message again may work
                                (timeouts, broker down, purged at close)          */
    bool fatal;              /* error only: the producer itself is unusable        */
    const char *error;       /* error text, "" on success                          */
    int fallback;            /* error only: where the message was saved, a tg_fallback:
                                TG_FALLBACK_SPOOL appended (fsync'd) to the spool file,
                                TG_FALLBACK_DLQ its copy to the fallback topic was
                                confirmed, TG_FALLBACK_NONE not saved anywhere     */
    bool refused;            /* error only: the send was refused before it reached
                                librdkafka's queue (no broker reachable, or a full
                                queue while none is) and went straight to the spool:
                                err is RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN or
                                __QUEUE_FULL, fallback TG_FALLBACK_SPOOL           */
} tg_delivery;

typedef void (*tg_delivery_fn)(void *user, const tg_delivery *d);

/* Options for tg_producer_new (all may be zero/NULL). */
typedef struct tg_producer_opts {
    tg_delivery_fn on_delivery; /* per-message delivery report; NULL = none     */
    void *user;                 /* passed to on_delivery                        */
    const tg_logger *logger;    /* copied; NULL = tg_logger_default()           */
    tg_metrics *metrics;        /* updated (delivered, failed_deliveries, fallback,
                                   spooled); not owned                           */
} tg_producer_opts;

/* Per-send options (the struct pointer may be NULL: all defaults). */
typedef struct tg_send_opts {
    const char *topic;          /* NULL = desc->topic                            */
    int32_t partition;          /* TG_PARTITION_ANY (use key) unless set; NOTE a
                                   zeroed struct means partition 0, so start from
                                   tg_send_opts_default()                        */
    const char *traceparent;    /* W3C traceparent to forward, NULL = none;
                                   an invalid value is an error (TG_ERR_ARG)     */
    const tg_header *headers;   /* extra headers, after the topicgen ones        */
    size_t n_headers;
    int64_t timestamp_ms;       /* 0 = now                                       */
    void *msg_opaque;           /* handed back in the delivery report            */
    const tg_trace_context *trace; /* a trace to continue, sent as its traceparent
                                   (e.g. &meta->span in a handler: same trace id,
                                   parent id = the handler's span); NULL = none;
                                   not valid, or given with traceparent: TG_ERR_ARG.
                                   Appended (ABI).                               */
} tg_send_opts;

/* A pre-encoded record for tg_producer_send_raw (DLQ copies, replays). */
typedef struct tg_raw_record {
    const char *topic;
    int32_t partition;                  /* TG_PARTITION_ANY to use the key   */
    const void *key;
    size_t key_len;
    const void *value;
    size_t value_len;
    const rd_kafka_headers_t *base_headers; /* copied first, may be NULL     */
    const tg_header *headers;           /* then these                        */
    size_t n_headers;
    int64_t timestamp_ms;               /* 0 = now                           */
    void *msg_opaque;
} tg_raw_record;

typedef struct tg_producer tg_producer;

/* tg_send_opts with partition = TG_PARTITION_ANY and everything else unset. */
tg_send_opts tg_send_opts_default(void);

/* Create a producer from a TG_CONFIG_PRODUCER config (copied; the caller
 * keeps ownership of conf).  With a spool (fallback=spool, or fallback=dlq
 * and topicgen.producer.spool.path set, as the second line) the file is
 * opened here.  Returns NULL with err set on failure (TG_ERR_CONFIG when
 * fallback=spool has no spool path or when conf names no cluster: no
 * bootstrap.servers, see tg_embedded_resolve; TG_ERR_IO when the file
 * cannot be opened).  bootstrap.servers=embedded holds the process's shared
 * embedded broker (tg_embedded.h) until the producer is closed. */
tg_producer *tg_producer_new(const tg_config *conf, const tg_producer_opts *opts, tg_error *err);

/* Encode *msg with desc and enqueue it.  Returns 0 when the producer took
 * the message: queued, or (with a spool) refused and spooled; exactly one
 * delivery report follows and tells which (err 0: acknowledged; refused =
 * true, fallback = TG_FALLBACK_SPOOL: in the spool file, never sent).  A
 * refused-and-spooled send returns 0, not an error, so that a caller who
 * resends on error cannot duplicate a message the spool already holds, and
 * one place (the report) says where every message went.  Otherwise
 * TG_ERR_ENCODE (encoder error), TG_ERR_ARG (bad traceparent/arguments),
 * TG_ERR_QUEUE_FULL (a broker is reachable: poll and send again; or no
 * spool), TG_ERR_UNAVAILABLE (no broker reachable for longer than
 * topicgen.producer.unavailable.ms and no spool: back off, keep the
 * message) or TG_ERR_KAFKA (e.g. larger than message.max.bytes); on error
 * no delivery report follows and nothing is spooled: the caller still has
 * the message, and err's text says so for refusals. */
int tg_producer_send(tg_producer *p, const tg_message_desc *desc, const void *msg,
                     const tg_send_opts *opts, tg_error *err);

/* Enqueue pre-encoded bytes (copied).  Same returns as tg_producer_send
 * (including TG_ERR_UNAVAILABLE and the spooling of refused sends).
 * Unlike tg_producer_send it never serves delivery reports itself (a
 * refused send's report waits for the next serving point), so it is safe
 * to call from inside a delivery callback. */
int tg_producer_send_raw(tg_producer *p, const tg_raw_record *rec, tg_error *err);

/* librdkafka's code behind the last TG_ERR_KAFKA or TG_ERR_QUEUE_FULL that
 * an enqueue (tg_producer_send, tg_producer_send_raw) returned on the
 * calling thread, e.g. RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE for a record
 * over message.max.bytes, RD_KAFKA_RESP_ERR__STATE for a transactional
 * producer whose transaction must be aborted first; 0 when the last
 * enqueue failed before librdkafka (e.g. TG_ERR_UNAVAILABLE) or none
 * failed.  Like errno: read it right after the failed call. */
rd_kafka_resp_err_t tg_producer_last_enqueue_error(void);

/* Serve delivery reports, waiting up to timeout_ms for the first one.
 * Returns the number of reports served. */
int tg_producer_poll(tg_producer *p, int timeout_ms);

/* Wait up to timeout_ms until every queued message has its delivery report.
 * *undelivered (may be NULL) receives how many are still without a report.
 * Returns 0 when all were reported, TG_ERR_TIMEOUT otherwise. */
int tg_producer_flush(tg_producer *p, int timeout_ms, size_t *undelivered, tg_error *err);

/* Number of messages sent but not yet reported. */
size_t tg_producer_in_flight(const tg_producer *p);

/* Flush for up to timeout_ms, purge what is left (those get error delivery
 * reports with retriable=true, and go to the spool when there is one: at
 * close they bypass the fallback topic), destroy the producer.  *undelivered (may be
 * NULL) receives the number of messages that had no delivery report when
 * the timeout expired.  Returns 0 if that number is 0, else TG_ERR_TIMEOUT.
 * p is freed in every case.  Not thread-safe: no other call may run on p. */
int tg_producer_close(tg_producer *p, int timeout_ms, size_t *undelivered);

/* The address of the producer's /metrics, /healthz, /readyz endpoint
 * (topicgen.metrics.listen; "127.0.0.1:40123", the picked port for port 0),
 * or NULL when it has none.  Owned by p, valid until tg_producer_close. */
const char *tg_producer_metrics_address(const tg_producer *p);

/* The underlying librdkafka handle (owned by p), for tests and for calls
 * this wrapper does not cover.  NULL for a capture producer. */
rd_kafka_t *tg_producer_handle(tg_producer *p);

/* ---- capture mode: a producer for unit tests (docs/testing.md) ----------
 *
 * tg_producer_new_capture makes a producer that talks to no broker and needs
 * no configuration: tg_producer_send and tg_producer_send_raw encode, key
 * and build the headers exactly as a real producer does (same checks, same
 * errors), then record the result instead of queueing it.  Every recorded
 * send gets a successful delivery report (partition: the one asked for, 0
 * for TG_PARTITION_ANY; offset: 0, 1, 2, ... per topic and partition),
 * served at the same points as a real producer's (the end of
 * tg_producer_send, tg_producer_poll, tg_producer_flush, tg_producer_close),
 * so code that waits for its reports works unchanged.  Sends are recorded in
 * order; read them with tg_producer_captured. */

/* One recorded send.  Every pointer points into storage owned by the capture
 * producer, valid until tg_producer_capture_clear or tg_producer_close; key,
 * value and header values are also NUL-terminated (not counted in the
 * lengths) so tests can compare them as strings. */
typedef struct tg_captured {
    const char *topic;
    int32_t partition;          /* as sent: TG_PARTITION_ANY unless one was set    */
    int64_t offset;             /* the offset its delivery report carries           */
    const void *key;            /* NULL when the message has no key                 */
    size_t key_len;
    const char *value;          /* the encoded JSON                                 */
    size_t value_len;
    const tg_header *headers;   /* in order: content-type, tg-schema,
                                   tg-schema-version, traceparent, then extras      */
    size_t n_headers;
    int64_t timestamp_ms;       /* as sent (0 = "now" was asked for)                */
} tg_captured;

/* A capture producer.  opts as for tg_producer_new (on_delivery, logger,
 * metrics; may be NULL).  Free it with tg_producer_close.  NULL + err only
 * when out of memory. */
tg_producer *tg_producer_new_capture(const tg_producer_opts *opts, tg_error *err);

/* Number of sends recorded so far (0 for a producer that is not a capture
 * producer).  Thread-safe. */
size_t tg_producer_captured_count(const tg_producer *p);

/* The i-th recorded send (0 = first), or NULL if i is out of range or p is
 * not a capture producer.  Owned by p (see tg_captured).  Thread-safe. */
const tg_captured *tg_producer_captured(const tg_producer *p, size_t i);

/* The last header of c called name, or NULL.  Points into c. */
const tg_header *tg_captured_header(const tg_captured *c, const char *name);

/* Serve pending delivery reports, then forget every recorded send (earlier
 * tg_captured pointers become invalid); offsets start again at 0. */
void tg_producer_capture_clear(tg_producer *p);

#ifdef __cplusplus
}
#endif

#endif /* TG_PRODUCER_H */
