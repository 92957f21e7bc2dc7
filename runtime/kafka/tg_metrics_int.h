/* tg_metrics_int.h (private to runtime/kafka, not installed): a client's own
 * metrics object, chained to the caller's.
 *
 * Every consumer, producer and processor counts into an object of its own
 * (for its progress line and its /metrics endpoint) that also adds every
 * update to the caller's tg_metrics (opts->metrics, the parent), so the
 * caller's object keeps its meaning: the sum over the clients sharing it.
 * A child of kind TG_METRICS_DLQ_PRODUCER (a consumer's dead-letter
 * producer) counts delivered, failed and refused sends as the dlq producer's
 * (topicgen_messages_delivered_total{producer="dlq"}, ...) here and in every
 * parent, never as the application's.  Thread-safety as tg_metrics.h. */
#ifndef TG_METRICS_INT_H
#define TG_METRICS_INT_H

#include "tg_metrics.h"

typedef enum tg_metrics_kind {
    TG_METRICS_CLIENT = 0,      /* counters as they are                      */
    TG_METRICS_DLQ_PRODUCER     /* delivered/failed/refused: the dlq label's */
} tg_metrics_kind;

/* A zeroed object whose updates are also added to parent (NULL: none; the
 * parent must outlive it).  Free it with tg_metrics_free (the parent is not
 * touched).  NULL on allocation failure. */
tg_metrics *tg_metrics_new_child(tg_metrics *parent, tg_metrics_kind kind);

/* What a client's /metrics serves: the caller's object when it gave one
 * (its sum over the clients sharing it), else the client's own.  m may be
 * NULL. */
tg_metrics *tg_metrics_served(tg_metrics *m);

/* The value of one counter of m (0 for NULL m).  Lock-free. */
uint64_t tg_metrics_count(tg_metrics *m, tg_counter c);

#endif /* TG_METRICS_INT_H */
