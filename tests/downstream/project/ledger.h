/*
 * ledger.h: what the payments consumers (consume.c, consume.cpp) count, in
 * the subset of C that C++ also compiles, so that both languages run the
 * same checks.
 *
 * Every event carries its `seq` (0..expect-1).  A handler settles an event
 * through ledger_settle: event RETRY_SEQ fails transiently once (TG_RETRY,
 * handled on its second attempt), event REJECT_SEQ is refused for good
 * (TG_REJECT: the consumer dead-letters it to pay.events.dlq), every other
 * one is handled.  Dead letters are read back from pay.events.dlq and
 * counted by ledger_dead.  The run is right when every seq was handled or
 * dead-lettered exactly once: handled + dead-lettered = expect, exactly
 * one dead letter, one retry, no duplicates.
 */
#ifndef PAY_LEDGER_H
#define PAY_LEDGER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pay_kafka.h"

enum { RETRY_SEQ = 7, REJECT_SEQ = 14 };
#define REJECT_REASON "refund refused by the ledger"

typedef struct ledger {
    long expect;
    unsigned char *handled; /* expect counters, one per seq */
    unsigned char *dead;
    long n_handled, n_dead, duplicates, retried, bad;
    tg_consumer *consumer;  /* stopped once every seq is accounted for */
} ledger;

static inline int ledger_init(ledger *l, long expect)
{
    memset(l, 0, sizeof *l);
    l->expect = expect;
    l->handled = (unsigned char *)calloc((size_t)expect, 1);
    l->dead = (unsigned char *)calloc((size_t)expect, 1);
    return l->handled && l->dead ? 0 : -1;
}

static inline void ledger_free(ledger *l)
{
    free(l->handled);
    free(l->dead);
}

/* Count seq in seen[]; a second sighting is a duplicate (at-least-once
 * allows them; this run has no crash, so it expects none). */
static inline void ledger_count(ledger *l, unsigned char *seen, long *n, int64_t seq)
{
    if (seq < 0 || seq >= l->expect) {
        l->bad++;
        return;
    }
    if (seen[seq]++)
        l->duplicates++;
    else
        (*n)++;
    if (l->n_handled + l->n_dead == l->expect)
        tg_consumer_stop(l->consumer);
}

/* The decision for event seq on pay.events. */
static inline tg_result ledger_settle(ledger *l, int64_t seq, const tg_msg_meta *meta)
{
    if (seq == RETRY_SEQ && meta->attempt == 1) {
        l->retried++;
        return TG_RETRY;
    }
    if (seq == REJECT_SEQ) {
        tg_reject_reason(meta, "%s", REJECT_REASON);
        return TG_REJECT;
    }
    ledger_count(l, l->handled, &l->n_handled, seq);
    return TG_OK;
}

/* A dead letter read back from pay.events.dlq: it must carry the reason. */
static inline tg_result ledger_dead(ledger *l, int64_t seq, const tg_msg_meta *meta)
{
    const void *reason = NULL;
    size_t len = 0;
    if (!tg_meta_header(meta, "tg-dlq-reason", &reason, &len) ||
        len != strlen(REJECT_REASON) || memcmp(reason, REJECT_REASON, len) != 0) {
        fprintf(stderr, "dead letter %lld without the handler's reason\n", (long long)seq);
        l->bad++;
    }
    ledger_count(l, l->dead, &l->n_dead, seq);
    return TG_OK;
}

/* Print the tally; 0 when the run is right, 1 otherwise. */
static inline int ledger_report(const ledger *l, const char *who)
{
    printf("%s: handled: %ld, dead-lettered: %ld, duplicates: %ld, retried: %ld\n", who,
           l->n_handled, l->n_dead, l->duplicates, l->retried);
    int ok = l->n_handled + l->n_dead == l->expect && l->n_dead == 1 && l->retried == 1 &&
             l->duplicates == 0 && l->bad == 0;
    if (!ok)
        fprintf(stderr, "%s: published %ld != handled %ld + dead-lettered %ld (or a bad event)\n",
                who, l->expect, l->n_handled, l->n_dead);
    return ok ? 0 : 1;
}

#endif /* PAY_LEDGER_H */
