/* tg_sticky_int.h (private to runtime/kafka, not installed): the workaround
 * for librdkafka 2.0.2's cooperative-sticky assertion, one rule for every
 * consumer handle the runtime destroys (tg_consumer, tg_processor).
 *
 * librdkafka 2.0.2 creates the cooperative-sticky assignor's state when the
 * member's first SyncGroup brings its assignment, but points the group at
 * the assignor already when the JoinGroup response chooses it; a consumer
 * destroyed in between aborts the process (rd_kafka_sticky_assignor_state_
 * destroy: Assertion 'assignor_state' failed; fixed upstream in 2.3.0).  A
 * member is stopped in between when its JoinGroup waited for a SIGKILLed
 * member's session to expire and was answered while it was stopping.
 * rd_kafka_rebalance_protocol() says "COOPERATIVE" from that JoinGroup on
 * (and NULL once the group is leaving: the last answer is kept), and the
 * owner's rebalance callback sees the first assignment.  So:
 *   - the rebalance callback calls tg_sticky_assigned on every assignment;
 *   - before leaving the group (rd_kafka_consumer_close), the owner calls
 *     tg_sticky_await_first_assignment, bounded by its shutdown timeout;
 *   - instead of rd_kafka_destroy, when tg_sticky_state_missing still says
 *     so, the owner calls tg_sticky_keep: the handle and its owner stay
 *     alive (reachable) for the rest of the process, a bounded leak, logged.
 *
 * Thread-safety: a tg_sticky belongs to the thread that polls its handle;
 * tg_sticky_keep may be called from any thread. */
#ifndef TG_STICKY_INT_H
#define TG_STICKY_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "tg_log.h"

typedef struct tg_sticky {
    bool assigned_once;            /* a rebalance gave an assignment (maybe empty) */
    bool coop_chosen;              /* the last answer: a JoinGroup chose cooperative */
} tg_sticky;

/* The rebalance callback got an assignment. */
void tg_sticky_assigned(tg_sticky *s);

/* Would destroying rk now abort (cooperative chosen, no assignment yet)? */
bool tg_sticky_state_missing(tg_sticky *s, rd_kafka_t *rk);

/* Poll rk (a consumer whose rebalance callback calls tg_sticky_assigned)
 * until the first assignment arrived or deadline_ms (tg_now_ms).  Records
 * fetched meanwhile are dropped: not handled, not stored, fetched again by
 * whoever owns the partitions next. */
void tg_sticky_await_first_assignment(tg_sticky *s, rd_kafka_t *rk, int64_t deadline_ms);

/* Keep owner (which holds rk and whatever its callbacks use, e.g. its
 * logger) alive instead of destroying it, logging why with lg as
 * component.  owner is never freed. */
void tg_sticky_keep(void *owner, const tg_logger *lg, const char *component);

#endif /* TG_STICKY_INT_H */
