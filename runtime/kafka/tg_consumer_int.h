/* tg_consumer_int.h (private to runtime/kafka, not installed): the structs
 * the consumer's files share, and the calls each layer offers the layers
 * above it.
 *
 * The consumer is split by layer; a file calls only into the layers below
 * it (and into tg_handle, tg_workers, tg_breaker, tg_producer, librdkafka):
 *
 *   tg_consumer.c            coordinator: registration, poll loop,
 *        |                   rebalance, life cycle, commit
 *   tg_consumer_workers.c    worker mode       tg_consumer_batch.c  batch mode
 *        |                                           |
 *   tg_consumer_handling.c   one message from the consumer's side: decode
 *        |                   (tg_handle), translate, handler, settle/retry,
 *        |                   and the circuit breaker on handler outcomes
 *   tg_consumer_dlq.c        dead-lettering: produce, confirmation, re-produce
 *        |
 *   tg_consumer_ledger.c     the partition ledger: held-message FIFOs,
 *                            pause/seek, pump() and the offset store
 *
 * Core invariant (kept by the ledger alone): every accepted message sits in
 * its partition's FIFO until it is DONE (handler OK, or DLQ delivery
 * confirmed); offsets are stored only by tg_ledger_pump, which pops DONE
 * messages from the head in order, so the stored offset never passes an
 * unfinished message, whatever order the handlers (or workers) finish in.
 * The layers above decide a message's state; they never store an offset.
 *
 * Where the ledger needs a mode's decision it reads data, never calls up:
 * a drained partition stays paused while batch.waiting is set (batch mode),
 * while the breaker (tg_breaker, a leaf) holds, or while the worker mode's
 * window is full; tg_ledger_pump returns a head that must be dead-lettered
 * instead of producing it; before a partition is dropped the modes give up
 * their references to its messages (a message still on a worker has its
 * held.m set to NULL: the worker frees it).
 *
 * Everything here runs on the consumer's polling thread, except what
 * tg_consumer_workers.c says runs on worker threads. */
#ifndef TG_CONSUMER_INT_H
#define TG_CONSUMER_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "tg_breaker.h"
#include "tg_clock_int.h"
#include "tg_consumer.h"
#include "tg_embedded.h"
#include "tg_handle_int.h"
#include "tg_sticky_int.h"
#include "tg_workers_int.h"

/* ---- the shared structs --------------------------------------------------- */

/* Where a held message stands.  Only the ledger pops; the layers above set
 * the state. */
typedef enum hstate {
    H_PENDING,   /* accepted, not yet handled (or in a collecting batch) */
    H_RETRY,     /* handler asked for a retry; due at part->due_ms       */
    H_DONE,      /* handled OK or DLQ confirmed: offset may be stored    */
    H_DLQ,       /* must be dead-lettered; not yet produced              */
    H_DLQ_SENT,  /* DLQ produce in flight                                */
    H_DLQ_WAIT,  /* DLQ delivery failed; re-produce at part->due_ms      */
    H_DLQ_REFUSED /* the DLQ topic refused every envelope and no spool took
                    it: the consumer is stopping with c->refused         */
} hstate;

struct tg_job;                     /* worker mode's work item (its file's) */

typedef struct held {
    rd_kafka_message_t *m;         /* owned (NULL: handed to a worker)    */
    hstate state;
    int attempts;                  /* handler calls so far                */
    uint64_t token;                /* matches the DLQ delivery report     */
    int shape;                     /* the tg_dlq_shape to send (dlq)      */
    struct tg_job *job;            /* worker mode: its work item, or NULL */
    int64_t due_ms;                /* worker mode: when an H_RETRY is due */
    char reason[200];
    char path[128];
} held;

/* One registration: a topic and its handler(s). */
typedef struct reg {
    char *topic;
    char *dlq_topic;
    const tg_message_desc *desc;
    tg_handler_fn fn;
    void *user;
    tg_handler_fn *variant_fns;    /* desc->n_variants entries            */
    void **variant_users;
    tg_batch_fn batch_fn;
    void *batch_user;
    tg_tombstone_fn tombstone_fn;  /* tg_consumer_add_tombstone, or NULL   */
    void *tombstone_user;
    int tombstones;                /* the topicgen.tombstones setting      */
} reg;

/* One assigned partition: the ledger's unit. */
typedef struct part {
    char *topic;
    int32_t partition;
    reg *reg;
    held *q;                       /* FIFO, q[0] is the oldest            */
    size_t qn, qcap;
    int64_t due_ms;                /* for H_RETRY / H_DLQ_WAIT heads       */
    int64_t next_offset;           /* offset after the last accepted, -1  */
    bool blocked;                  /* paused by us                        */
    int64_t head_seen;             /* tg_consumer_ops.c: the head offset seen last,
                                      and since when (0: nothing held)     */
    int64_t head_since_ms;
} part;

/* Worker mode's state (topicgen.workers > 0; pool NULL otherwise). */
typedef struct worker_mode {
    tg_workers *pool;
    rd_kafka_queue_t *cq;          /* consumer queue, yielded by workers  */
    struct tg_job *jobs;           /* topicgen.max.in.flight work items   */
    struct tg_job **free_jobs;
    size_t n_free;
    tg_hctx *ctx;                  /* one decode context per worker       */
    size_t orphans;                /* jobs running for dropped partitions */
} worker_mode;

/* Batch mode's state (one registration with a batch handler). */
typedef struct batch_mode {
    tg_batch_item *items;          /* the batch being collected           */
    rd_kafka_message_t **msgs;     /* items[i]'s message (held elsewhere) */
    size_t n;
    int64_t deadline_ms;           /* run the batch by then               */
    int attempts;
    bool waiting;                  /* a retry is due: every partition held */
    int64_t due_ms;                /* when that retry is due              */
} batch_mode;

struct tg_consumer {
    rd_kafka_t *rk;
    tg_producer *dlq;
    tg_embedded *embedded;         /* the shared embedded cluster held, or NULL */
    tg_settings s;
    tg_logger logger;
    tg_metrics *metrics;
    tg_translate_fn translate;
    void *translate_user;
    reg *regs;
    size_t n_regs;
    part *parts;
    size_t n_parts, cap_parts;
    size_t in_flight;              /* held messages in all FIFOs          */
    unsigned char *slots;          /* decoded structs: 1 (or batch.size) slots */
    size_t slot_size, n_slots;
    tg_hctx dc;                    /* inline and batch mode decoding      */
    worker_mode work;
    batch_mode batch;
    tg_breaker breaker;            /* used when s.breaker_enable          */
    _Atomic int stop;
    bool subscribed, closed, dirty, fatal;
    tg_sticky sticky;              /* librdkafka 2.0.2's sticky state
                                      (tg_sticky_int.h)                    */
    int64_t next_commit_ms;
    int commit_step_ms;            /* the period after next_commit_ms: short
                                      after a takeover, doubling to the
                                      interval (tg_consumer.c)             */
    uint64_t next_token;
    uint64_t rng;
    unsigned dlq_polls;            /* tg_dlq_poll's call counter          */
    struct tg_spool *dlq_spool;    /* last resort for refused dead letters,
                                      opened on first use, or NULL         */
    char refused[600];             /* why a dead letter could not be saved:
                                      set once, every poll then fails      */
    tg_metrics *own_metrics;       /* this consumer's counts (c->metrics points
                                      here), chained to opts->metrics      */
    tg_metrics *dlq_metrics;       /* its DLQ producer's: producer="dlq"  */
    struct tg_consumer_ops *ops;   /* endpoint, probes, progress line     */
    bool in_group;                 /* an assignment (maybe empty) came and
                                      was not revoked whole since          */
};

/* ---- small helpers every layer uses --------------------------------------- */

static inline char *tg_dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* One registration serving a batch handler: batch mode. */
static inline bool tg_batch_mode_on(const tg_consumer *c)
{
    return c->n_regs == 1 && c->regs[0].batch_fn != NULL;
}

/* ---- tg_consumer_ledger.c: the partition ledger --------------------------- */

/* Log msg with p's topic/partition (p may be NULL), offset and one extra
 * key/value (extra_key NULL: none). */
void tg_ledger_log(tg_consumer *c, tg_log_level lvl, const char *msg, const part *p,
                   int64_t offset, const char *extra_key, const char *extra);

part *tg_ledger_find(tg_consumer *c, const char *topic, int32_t partition);
/* p for topic/partition, added if new (r: its registration, NULL if none);
 * NULL when out of memory. */
part *tg_ledger_add(tg_consumer *c, const char *topic, int32_t partition, reg *r);
/* Destroy p's held messages (those with m NULL belong to a worker now),
 * then forget p.  The modes must have let go of p's messages first. */
void tg_ledger_drop(tg_consumer *c, part *p);

/* Append m (accepted: its offset is next_offset) to p's FIFO as H_PENDING.
 * NULL when out of memory: m is destroyed and p blocked to fetch it again. */
held *tg_ledger_hold(tg_consumer *c, part *p, rd_kafka_message_t *m);
/* Give back p's newest held message (not stored; it is fetched again). */
void tg_ledger_unhold_newest(tg_consumer *c, part *p);
held *tg_ledger_find_held(part *p, const rd_kafka_message_t *m);

/* Store the offsets of the DONE messages at p's head, in order, and pop
 * them (the one place offsets are stored).  Returns the head if it must be
 * dead-lettered (p is blocked, the caller produces it), else NULL; a
 * drained partition is unblocked unless tg_ledger_may_resume says no. */
held *tg_ledger_pump(tg_consumer *c, part *p);

/* Pause p (held messages librdkafka still returns are dropped), or seek it
 * back to next_offset and resume it. */
void tg_ledger_block(tg_consumer *c, part *p);
void tg_ledger_unblock(tg_consumer *c, part *p);
void tg_ledger_block_all(tg_consumer *c);
void tg_ledger_seek(tg_consumer *c, part *p, int64_t offset);
/* The worker mode's window (topicgen.max.in.flight held messages) is full. */
bool tg_ledger_window_full(const tg_consumer *c);
/* p is drained and nothing holds every partition (a batch retry, the
 * breaker, a full window). */
bool tg_ledger_may_resume(const tg_consumer *c, const part *p);

/* ---- tg_consumer_dlq.c: dead-lettering ------------------------------------ */

/* Create the dead-letter producer (opts->dlq_config, or derived from conf). */
int tg_dlq_start(tg_consumer *c, const tg_config *conf, const tg_consumer_opts *opts,
                 tg_error *err);
/* Flush within timeout_ms and free the producer. */
void tg_dlq_close(tg_consumer *c, int timeout_ms);
/* h must be dead-lettered with reason and path (NULL = ""). */
void tg_dlq_mark(held *h, const char *reason, const char *path);
/* tg_ledger_pump, then produce the dead head it stopped at.  The pump every
 * layer above the ledger calls after changing a state in p. */
void tg_dlq_advance(tg_consumer *c, part *p);
/* p's head's failed DLQ delivery is due: produce it again. */
void tg_dlq_reproduce(tg_consumer *c, part *p);
/* Serve the producer's callbacks: always when idle or in flight, else
 * every 64th call. */
void tg_dlq_poll(tg_consumer *c, bool idle);
/* Wait, until deadline, for the DLQ deliveries in flight. */
void tg_dlq_wait(tg_consumer *c, int64_t deadline_ms);
/* Some partition's head waits for its DLQ delivery report. */
bool tg_dlq_in_flight(const tg_consumer *c);
/* Why the consumer must stop (a dead letter neither the DLQ topic nor a
 * spool took), or NULL. */
const char *tg_dlq_refused(const tg_consumer *c);

/* ---- tg_consumer_handling.c: one message, the consumer's side ------------- */

void tg_handling_breaker_init(tg_consumer *c);
/* May a handler run now?  (Always, with the breaker off.) */
bool tg_handling_breaker_allow(tg_consumer *c);
/* Record an outcome: TG_OK success, TG_RETRY failure, TG_REJECT no verdict. */
void tg_handling_breaker_record(tg_consumer *c, tg_result r);
/* The breaker refused (or tripped on) h: H_RETRY after the cool-down. */
void tg_handling_hold_for_breaker(tg_consumer *c, part *p, held *h);
/* Backoff before attempt attempts + 1 (exponential, jittered, capped). */
int64_t tg_handling_retry_delay(tg_consumer *c, int attempts);
/* Apply a handler/translator result to h (state only: no pump). */
void tg_handling_settle(tg_consumer *c, part *p, held *h, tg_result r);
/* Inline mode: h through tg_handle on the polling thread, then settled and
 * its partition advanced. */
void tg_handling_run_inline(tg_consumer *c, part *p, held *h);
/* A tombstone its route skips: settled H_DONE and true (no handler, not
 * processed, no breaker outcome: tg_handle_skip); else false. */
bool tg_handling_skipped(tg_consumer *c, part *p, held *h);

/* The handlers of r, as tg_handle takes them. */
static inline tg_route tg_route_of(const reg *r)
{
    tg_route rt = { r->desc, r->fn, r->user, r->variant_fns, r->variant_users,
                    r->tombstone_fn, r->tombstone_user, r->tombstones };
    return rt;
}

/* ---- tg_consumer_workers.c: worker mode ----------------------------------- */

int tg_worker_mode_start(tg_consumer *c, tg_error *err);
/* Wait for orphans, join the threads; tg_worker_mode_free also frees. */
void tg_worker_mode_stop(tg_consumer *c);
void tg_worker_mode_free(tg_consumer *c);
/* Hand h to its lane's worker (unless the breaker refuses). */
void tg_worker_mode_dispatch(tg_consumer *c, part *p, held *h);
/* Apply the outcomes of finished items. */
void tg_worker_mode_collect(tg_consumer *c);
/* Dispatch the due retries (any held message, not only heads). */
void tg_worker_mode_service(tg_consumer *c, int64_t now);
/* Take back p's (NULL: every partition's) queued items and wait until
 * deadline for the running ones.  True if none is left running. */
bool tg_worker_mode_quiesce(tg_consumer *c, part *p, int64_t deadline);
/* Before p is dropped: its running items become orphans owning their
 * messages (held.m set to NULL), the others go back to the pool. */
void tg_worker_mode_release(tg_consumer *c, part *p);

/* ---- tg_consumer_ops.c: what an operator sees ---------------------------- */

/* The consumer's own metrics (chained to opts->metrics) and, with
 * topicgen.metrics.listen, its endpoint.  Called by tg_consumer_new after
 * the librdkafka handle exists. */
int tg_ops_start(tg_consumer *c, const tg_config *conf, const tg_consumer_opts *opts,
                 tg_error *err);
/* Once per poll, on the polling thread: the liveness stamp and the
 * readiness verdict when an endpoint serves them, and the progress line
 * when it is due; nothing when neither is on.  now: the poll's clock
 * reading after its wait (tg_now_ms), shared with the poll's other steps. */
void tg_ops_tick(tg_consumer *c, int64_t now);
/* Stop serving (close: the endpoint answers until the group is left). */
void tg_ops_stop_serving(tg_consumer *c);
/* Free what tg_ops_start made (after the DLQ producer is gone). */
void tg_ops_free(tg_consumer *c);

/* ---- tg_consumer_batch.c: batch mode -------------------------------------- */

int tg_batch_mode_alloc(tg_consumer *c);
void tg_batch_mode_free(tg_consumer *c);
/* Decode an accepted message into the collecting batch (or DLQ it). */
void tg_batch_mode_add(tg_consumer *c, part *p, held *h);
/* Call the batch handler on what was collected and apply its result. */
void tg_batch_mode_run(tg_consumer *c);
/* The batch is due: its retry, or its collection deadline. */
bool tg_batch_mode_due(const tg_consumer *c, int64_t now);
/* Before p is dropped: take its messages out of the collecting batch. */
void tg_batch_mode_release(tg_consumer *c, const part *p);

#endif /* TG_CONSUMER_INT_H */
