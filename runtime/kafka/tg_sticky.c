/* tg_sticky: the workaround for librdkafka 2.0.2's cooperative-sticky
 * assertion (contract and cause: tg_sticky_int.h).
 *
 * Invariant: a kept owner stays reachable from `kept` for the rest of the
 * process (so librdkafka's threads may still use it, and leak checkers see
 * it as held, not lost). */
#define _POSIX_C_SOURCE 200809L
#include "tg_sticky_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tg_clock_int.h"

void tg_sticky_assigned(tg_sticky *s)
{
    s->assigned_once = true;
}

bool tg_sticky_state_missing(tg_sticky *s, rd_kafka_t *rk)
{
    if (s->assigned_once)
        return false;
    /* NULL once the group was told to leave: the last answer stands (the
     * owner asks right before rd_kafka_consumer_close, in
     * tg_sticky_await_first_assignment) */
    const char *proto = rd_kafka_rebalance_protocol(rk);
    if (proto)
        s->coop_chosen = strcmp(proto, "COOPERATIVE") == 0;
    return s->coop_chosen;
}

void tg_sticky_await_first_assignment(tg_sticky *s, rd_kafka_t *rk, int64_t deadline_ms)
{
    while (tg_sticky_state_missing(s, rk) && tg_now_ms() < deadline_ms) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 50);
        if (m)
            rd_kafka_message_destroy(m);
    }
}

typedef struct kept_owner {
    void *owner;
    struct kept_owner *next;
} kept_owner;

static kept_owner *kept;
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;

void tg_sticky_keep(void *owner, const tg_logger *lg, const char *component)
{
    tg_log(lg, TG_LOG_WARN, component, "stopped between joining and its first "
           "cooperative-sticky assignment: the librdkafka handle is kept, not destroyed "
           "(librdkafka 2.0.2 would abort; docs/runtime.md)", NULL, 0);
    kept_owner *k = malloc(sizeof *k);
    if (!k)
        return;                    /* still kept, only no longer reachable */
    k->owner = owner;
    pthread_mutex_lock(&kept_lock);
    k->next = kept;
    kept = k;
    pthread_mutex_unlock(&kept_lock);
}
