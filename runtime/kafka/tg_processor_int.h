/* tg_processor_int.h (private to runtime/kafka, not installed): the state
 * of a tg_processor shared by its two files:
 *   tg_processor.c         creation, registration, the loop, transactions,
 *                          rebalances (the coordinator);
 *   tg_processor_handle.c  one input through the handling unit (tg_handle)
 *                          with retries, its emitter buffer, producing its
 *                          outputs or its dead letter into the transaction.
 * The handling file calls the coordinator only through tg_proc_begin,
 * tg_proc_note_first, tg_proc_commit, tg_proc_in_solo, tg_proc_is_doomed,
 * tg_proc_doom, tg_proc_fatal and tg_proc_log.  Everything runs on the
 * thread that calls tg_processor_run. */
#ifndef TG_PROCESSOR_INT_H
#define TG_PROCESSOR_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "tg_clock_int.h"
#include "tg_handle_int.h"
#include "tg_processor.h"
#include "tg_producer.h"
#include "tg_sticky_int.h"

#define TG_PROC_TOPIC_MAX 256      /* Kafka's limit is 249 */

typedef struct tg_embedded tg_embedded;

/* One registration: input descriptor, topic, DLQ topic, handler. */
typedef struct tg_proc_reg {
    const tg_message_desc *desc;
    char topic[TG_PROC_TOPIC_MAX];
    char dlq_topic[TG_PROC_TOPIC_MAX + 4];
    tg_process_fn fn;              /* generic handler, or ...             */
    tg_process_thunk thunk;        /* ... a typed one called through this */
    tg_fn_ptr typed;
    void *user;
    tg_processor *p;               /* back pointer, for the trampoline    */
} tg_proc_reg;

/* One buffered output: offsets into the emitter's buffer (which may move). */
typedef struct tg_proc_out {
    const tg_message_desc *desc;
    size_t topic_off, key_off, key_len, value_off, value_len;
} tg_proc_out;

struct tg_emitter {
    char *buf;                     /* topics, keys and values of this call */
    size_t len, cap;
    tg_proc_out *outs;
    size_t n, cap_outs;
};

/* A partition and an offset in it: where a partition's first record of
 * the open transaction was (first), or where a solo range ends (solo). */
typedef struct tg_proc_first {
    char topic[TG_PROC_TOPIC_MAX];
    int32_t partition;
    int64_t offset;
} tg_proc_first;

#define TG_PROC_REASON_MAX 320

/* A record of the open transaction refused for good in its delivery report
 * (tg_proc_on_delivery): the transaction cannot commit. */
typedef struct tg_proc_refusal {
    bool set;
    bool letter;                   /* a dead letter, else an output          */
    rd_kafka_resp_err_t err;
    char reason[TG_PROC_REASON_MAX]; /* "output to 'T' refused: <error>"     */
} tg_proc_refusal;

/* The input known to sink any transaction it is handled in: it is
 * dead-lettered with `reason`, without a handler call, from envelope shape
 * `shape` on (tg_dlq_shape).  One at a time: a new one replaces it. */
typedef struct tg_proc_doomed {
    bool set, used;                /* used: its dead letter was produced     */
    tg_proc_first at;
    char reason[TG_PROC_REASON_MAX];
    int shape;
} tg_proc_doomed;

struct tg_processor {
    rd_kafka_t *consumer;          /* owned                                  */
    tg_producer *producer;         /* owned; transactional                   */
    rd_kafka_t *rk_prod;           /* its handle, for the transaction API    */
    tg_embedded *embedded;         /* the consumer's hold on it, or NULL     */
    tg_settings s;
    tg_logger logger;
    tg_metrics *metrics;
    tg_translate_fn translate;
    void *translate_user;
    tg_proc_reg *regs;
    size_t n_regs;
    tg_hctx dc;                    /* decode slot and arena                  */
    tg_emitter out;                /* the current handler call's outputs     */
    char group[256];
    char txn_id[256];
    bool txn_id_stable;
    int txn_timeout_ms;            /* transaction.timeout.ms                 */
    atomic_bool stop;
    bool running, closed, failed;
    tg_sticky sticky;              /* librdkafka 2.0.2's sticky state        */
    tg_error fatal;                /* why it stopped (failed)                */
    bool txn_open;
    int64_t txn_started_ms;
    size_t txn_inputs;
    tg_proc_first *first;
    size_t n_first, cap_first;
    /* Permanent refusals (tg_processor.h, "Outputs that can never be
     * delivered"): */
    tg_proc_refusal refusal;       /* of the open transaction                */
    bool txn_broken;               /* an enqueue says it must abort          */
    bool txn_solo;                 /* it holds one input of a solo range     */
    char letter_reason[TG_PROC_REASON_MAX]; /* its last dead letter's reason */
    int letter_shape;              /* ... and envelope shape                 */
    tg_proc_first *solo;           /* per partition: inputs before this
                                      offset run one per transaction        */
    size_t n_solo, cap_solo;
    tg_proc_doomed doomed;
    uint64_t rng;
    tg_processor_stats stats;
    /* topicgen.metrics.listen (tg_processor.c, "the endpoint"): */
    tg_metrics *own_metrics;       /* served when opts->metrics is NULL      */
    struct tg_http *http;
    _Atomic int64_t loop_ms;       /* the loop's last step (0: not running)  */
    atomic_bool in_group;          /* an assignment came, not revoked whole  */
    atomic_bool done;              /* the loop ended (stopped or failed)     */
    int64_t max_poll_ms;           /* max.poll.interval.ms: /healthz's bound */
};

/* Handle consumed record m completely (handler with retries, outputs or
 * dead letter) inside the open transaction, begun if needed.  On a failure
 * that leaves the transaction unusable it calls tg_proc_fatal. */
void tg_proc_handle(tg_processor *p, const rd_kafka_message_t *m);

void tg_proc_emitter_free(tg_emitter *e);

/* The transactional producer's delivery reports (user: the processor):
 * notes the first record refused for good in p->refusal. */
void tg_proc_on_delivery(void *user, const tg_delivery *d);

/* Is (topic, part, offset) in a solo range / the doomed input? */
bool tg_proc_in_solo(const tg_processor *p, const char *topic, int32_t part, int64_t offset);
bool tg_proc_is_doomed(const tg_processor *p, const char *topic, int32_t part, int64_t offset);
/* Doom input (topic, part, offset): see tg_proc_doomed. */
void tg_proc_doom(tg_processor *p, const char *topic, int32_t part, int64_t offset,
                  const char *reason, int shape);

/* Coordinator services (tg_processor.c). */
int tg_proc_begin(tg_processor *p);
void tg_proc_note_first(tg_processor *p, const char *topic, int32_t part, int64_t offset);
tg_proc_reg *tg_proc_find(tg_processor *p, const char *topic);
/* Commit the open transaction with the consumer's positions: 0 committed,
 * 1 aborted (and rewound when asked), -1 failed for good. */
int tg_proc_commit(tg_processor *p, bool rewind_on_abort);
void tg_proc_fatal(tg_processor *p, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void tg_proc_log(tg_processor *p, tg_log_level lv, const char *msg, const char *k,
                 const char *v);

#endif /* TG_PROCESSOR_INT_H */
