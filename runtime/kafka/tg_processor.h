/* tg_processor: an exactly-once typed processor (consume -> transform ->
 * produce) on Kafka transactions.
 *
 * A processor owns a consumer (isolation.level=read_committed, no auto
 * commit, no auto offset store) and a transactional producer
 * (transactional.id, enable.idempotence, acks=all).  Register one handler
 * per input topic (tg_processor_add; generated code: <schema>_<Msg>_process),
 * then tg_processor_run.  Each input record goes through the same handling
 * unit as tg_consumer's (tg-schema check, decode, translator, handler, the
 * verdict on its result); the handler emits zero or more typed outputs with
 * tg_emit (generated: <schema>_<Msg>_emit) and returns:
 *   TG_OK      its outputs are produced into the open transaction;
 *   TG_RETRY   its outputs are discarded and it is called again after the
 *              backoff (topicgen.retry.backoff.ms, doubling, jittered), up to
 *              topicgen.retry.max.attempts calls, then it is dead-lettered;
 *   TG_REJECT  its outputs are discarded and the input is dead-lettered.
 * A record that fails the schema check or does not decode is dead-lettered
 * without a handler call.  Dead letters carry the consumer's envelope
 * (tg-dlq-* headers, tg_dlq_int.h) and are produced INTO THE SAME
 * transaction, to desc->dlq_topic from desc->topic, to "<topic>.dlq" from
 * any other topic.
 *
 * Outputs are JSON encoded with their descriptor, keyed with desc->key and
 * carry the typed producer's headers (content-type, tg-schema,
 * tg-schema-version) plus the input's traceparent when it has a valid one.
 *
 * The guarantee.  Every topicgen.transaction.interval.ms (default 100) or
 * topicgen.transaction.max.messages inputs (default 1000), whichever comes
 * first, and on revocation and stop, the processor sends the consumer's
 * positions into the transaction (rd_kafka_send_offsets_to_transaction with
 * rd_kafka_consumer_group_metadata, KIP-447) and commits it.  Outputs, dead
 * letters and input offsets therefore become visible together or not at
 * all: a read_committed reader of the outputs sees each input's outputs
 * exactly once, however often the processor crashes, is restarted or loses
 * partitions in a rebalance.  (A read_uncommitted reader also sees aborted
 * outputs.)  Side effects of the handler outside Kafka are NOT covered:
 * a handler may run again for an input whose transaction aborted.
 *
 * Failures.
 *  - Abortable transaction errors (a failed output delivery, a rebalance
 *    during a commit, a coordinator change): the transaction is aborted,
 *    every assigned partition is rewound to its last committed offset
 *    (rd_kafka_committed + seek) and the inputs are processed again.
 *  - Outputs that can never be delivered.  An output (or dead letter)
 *    refused for good (too large for the producer's message.max.bytes at
 *    enqueue; or, in its delivery report, the broker's MSG_SIZE_TOO_LARGE,
 *    RECORD_LIST_TOO_LARGE, INVALID_RECORD, topic authorization: the
 *    permanent errors of tg_dlq_fate_of) must not stick its input's
 *    partition.  Refused at enqueue: the input is dead-lettered in the same
 *    transaction with reason "output to '<topic>' refused: <why>" and its
 *    other outputs are discarded (when an earlier output of it is already
 *    in the transaction, that transaction is aborted and the input is
 *    dead-lettered when it comes again).  Refused in a delivery report: the
 *    transaction is aborted and its inputs run again ONE PER TRANSACTION up
 *    to where it ended, so the one whose output is refused is found (its
 *    own transaction aborts) and dead-lettered with that reason, while the
 *    others commit as usual.  A refused dead letter is sent again in the
 *    next smaller envelope (tg-dlq-truncated); when the dead-letter topic
 *    refuses every envelope the processor stops with an error that says so
 *    (nothing past that input is committed).  Each input is handled at
 *    most a few more times; nothing is committed twice.
 *  - Fatal errors stop the processor: tg_processor_run returns TG_ERR_KAFKA
 *    (TG_ERR_STATE when fenced) with a message that says why and what to do:
 *    fenced by another instance with the same transactional.id, transactional
 *    id not authorized, a broker without transaction support (Kafka < 0.11),
 *    a transaction that took longer than transaction.timeout.ms (a handler
 *    slower than that), a fatal consumer error.  Nothing that was not
 *    committed becomes visible; nothing is committed twice.
 *
 * The transactional.id policy.  Stable per instance (recommended): give each
 * instance its own id that survives restarts (opts->transactional_id, or the
 * property transactional.id in conf, e.g. "order-totals-0"); a restarted
 * instance then fences its zombie at once and aborts whatever that left
 * open.  Unset: the processor makes one unique per process
 * ("<group.id>-<host>-<pid>-<random>"); nothing is ever fenced by mistake,
 * but a crashed process's open transaction blocks read_committed readers
 * of the partitions it wrote until transaction.timeout.ms (default 60 s)
 * aborts it.  With KIP-447 the consumer group generation, not the id,
 * fences zombies across a rebalance, so both policies are exactly-once; they
 * differ in how long readers wait after a crash.  Two live processors
 * started with the same id: the older one is fenced and stops with
 * "fenced by another instance with transactional.id '<id>'".
 *
 * Rebalances: on revocation the open transaction is committed (or aborted)
 * before the partitions go; cooperative and eager protocols both work.
 * Stop: tg_processor_stop (async-signal-safe) makes tg_processor_run finish
 * the handler in progress, commit, close the consumer (leaving the group)
 * and the producer.
 *
 * Threading: one thread drives a processor (the one calling
 * tg_processor_run); handlers, the translator and tg_emit run on it.  Only
 * tg_processor_stop may be called from another thread or a signal handler. */
#ifndef TG_PROCESSOR_H
#define TG_PROCESSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tg_config.h"
#include "tg_consumer.h"
#include "tg_error.h"
#include "tg_log.h"
#include "tg_message.h"
#include "tg_metrics.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tg_processor tg_processor;

/* The outputs of one handler call.  Owned by the processor, valid only
 * during the call it is passed to. */
typedef struct tg_emitter tg_emitter;

/* A processor's handler: msg is the decoded input (desc->struct_size bytes),
 * msg, meta and out are valid only during the call.  Use tg_reject_reason
 * on meta for the dead-letter reason, as with tg_consumer. */
typedef tg_result (*tg_process_fn)(void *user, const void *msg, const tg_msg_meta *meta,
                                   tg_emitter *out);

/* For generated code: the typed handler, as a generic function pointer, and
 * the thunk that calls it with the right type (C allows casting a function
 * pointer to another function pointer type and back, not calling it as
 * another type). */
typedef void (*tg_fn_ptr)(void);
typedef tg_result (*tg_process_thunk)(tg_fn_ptr typed_fn, void *user, const void *msg,
                                      const tg_msg_meta *meta, tg_emitter *out);

typedef struct tg_processor_opts {
    const char *transactional_id;  /* NULL: the producer config's (or conf's)
                                      transactional.id; none: one unique per process */
    const tg_config *producer_config; /* NULL = tg_config_derive_producer(conf)   */
    const tg_logger *logger;       /* copied; NULL = tg_logger_default()        */
    tg_metrics *metrics;           /* not owned; may be NULL                    */
    tg_translate_fn translate;     /* may be NULL (as tg_consumer_opts)         */
    void *translate_user;
} tg_processor_opts;

/* Create a processor from a TG_CONFIG_CONSUMER config (copied; group.id is
 * required; isolation.level is forced to read_committed).  The transactional
 * producer's config is opts->producer_config or derived from conf; either
 * way acks=all, enable.idempotence=true and the transactional.id are set
 * here.  Nothing is contacted yet.  NULL + err on error. */
tg_processor *tg_processor_new(const tg_config *conf, const tg_processor_opts *opts,
                               tg_error *err);

/* Route records of `topic` (NULL = desc->topic) to fn.  Register before
 * tg_processor_run; one registration per topic.  A union descriptor is
 * handled as a whole: fn gets the union and switches on its tag. */
int tg_processor_add(tg_processor *p, const tg_message_desc *in, const char *topic,
                     tg_process_fn fn, void *user, tg_error *err);

/* The same with a typed handler called through thunk (generated code). */
int tg_processor_add_typed(tg_processor *p, const tg_message_desc *in, const char *topic,
                           tg_process_thunk thunk, tg_fn_ptr typed_fn, void *user,
                           tg_error *err);

/* Emit one output during a handler call: *msg is encoded now (its strings
 * may go away after the call) into the call's buffer and produced into the
 * transaction only if the handler returns TG_OK.  topic NULL = desc->topic.
 * 0, or TG_ERR_ENCODE / TG_ERR_NOMEM / TG_ERR_ARG with err set (the output
 * is not kept; the handler decides what to return). */
int tg_emit(tg_emitter *out, const tg_message_desc *desc, const void *msg, const char *topic,
            tg_error *err);

/* Outputs emitted so far in this call. */
size_t tg_emitter_count(const tg_emitter *out);

/* Subscribe, initialise transactions (fencing an earlier instance with the
 * same transactional.id) and process until tg_processor_stop; then commit,
 * close the consumer and the producer.  0 after a clean stop, else the
 * error that stopped it (see "Failures"). */
int tg_processor_run(tg_processor *p, tg_error *err);

/* Ask tg_processor_run to finish (see "Stop").  Async-signal-safe and
 * thread-safe: one lock-free atomic store. */
void tg_processor_stop(tg_processor *p);

/* True once tg_processor_stop was called. */
bool tg_processor_stopping(const tg_processor *p);

/* Counters since tg_processor_new (read on the processor's thread, or after
 * tg_processor_run returned). */
typedef struct tg_processor_stats {
    uint64_t processed;          /* inputs whose handler returned TG_OK         */
    uint64_t dead_lettered;      /* inputs dead-lettered (in a transaction)     */
    uint64_t emitted;            /* outputs produced (in a transaction)         */
    uint64_t retried;            /* handler calls after the first               */
    uint64_t commits;            /* transactions committed                      */
    uint64_t aborts;             /* transactions aborted (inputs rewound)       */
} tg_processor_stats;

void tg_processor_get_stats(const tg_processor *p, tg_processor_stats *out);

/* The transactional.id in use (owned by p). */
const char *tg_processor_transactional_id(const tg_processor *p);

/* The librdkafka consumer and producer handles (owned by p), for tests. */
rd_kafka_t *tg_processor_consumer_handle(tg_processor *p);
rd_kafka_t *tg_processor_producer_handle(tg_processor *p);

/* Stop (if running elsewhere it must have returned), close and free.
 * NULL is fine. */
void tg_processor_free(tg_processor *p);

/* The address of the processor's /metrics, /healthz, /readyz endpoint
 * (topicgen.metrics.listen; the picked port for port 0), or NULL when it
 * has none.  Owned by p, valid until tg_processor_free. */
const char *tg_processor_metrics_address(const tg_processor *p);

#ifdef __cplusplus
}
#endif

#endif /* TG_PROCESSOR_H */
