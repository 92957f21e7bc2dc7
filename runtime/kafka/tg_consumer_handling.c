/* tg_consumer_handling: handling one message from the consumer's side,
 * above dead-lettering and the ledger (see tg_consumer_int.h).
 *
 * Owns: running one held message through the handling unit (tg_handle:
 * meta, schema check, decode, variant, translator, handler) in inline mode;
 * settling a handler's result into the message's state (done, retry after
 * a jittered exponential backoff, or dead), which worker mode uses too; and
 * the circuit breaker's view of handler outcomes: while it holds, every
 * partition is blocked and refused messages wait as H_RETRY without using
 * up attempts.
 *
 * Calling contract: polling thread only.  Settling changes a held
 * message's state; the caller then calls tg_dlq_advance (inline mode's
 * tg_handling_run_inline does it itself).  Calls the ledger, dead-lettering
 * and tg_handle; nothing of the modes or the coordinator. */
#define _POSIX_C_SOURCE 200809L
#include "tg_consumer_int.h"

/* ---- the circuit breaker -------------------------------------------------- */

void tg_handling_breaker_init(tg_consumer *c)
{
    tg_breaker_config bc = {
        .consecutive_failures = (unsigned)c->s.breaker_consecutive,
        .failure_rate = c->s.breaker_rate_percent / 100.0,
        .min_calls = (unsigned)c->s.breaker_min_calls,
        .window_ms = (unsigned)c->s.breaker_window_ms,
        .cooldown_ms = (unsigned)c->s.breaker_cooldown_ms,
    };
    tg_breaker_init(&c->breaker, &bc);
}

/* Log, export and act on a state change (opening pauses every partition). */
static void breaker_changed(tg_consumer *c, tg_breaker_state before, uint64_t opens_before)
{
    tg_breaker_state now = c->breaker.state;
    if (c->breaker.opened_count != opens_before)
        tg_metrics_breaker_opened(c->metrics);
    if (now == before && c->breaker.opened_count == opens_before)
        return;
    tg_metrics_set_breaker_state(c->metrics, (int)now);
    tg_log_kv kv[2] = { { "from", tg_breaker_state_name(before) },
                        { "to", tg_breaker_state_name(now) } };
    tg_log(&c->logger, now == TG_BREAKER_OPEN ? TG_LOG_WARN : TG_LOG_INFO, "consumer",
           now == TG_BREAKER_OPEN ? "circuit breaker open: partitions paused"
                                  : "circuit breaker state change", kv, 2);
    if (now == TG_BREAKER_OPEN)
        tg_ledger_block_all(c);
}

bool tg_handling_breaker_allow(tg_consumer *c)
{
    if (!c->s.breaker_enable)
        return true;
    tg_breaker_state before = c->breaker.state;
    uint64_t opens = c->breaker.opened_count;
    bool ok = tg_breaker_allow(&c->breaker, tg_now_ms());
    breaker_changed(c, before, opens);
    return ok;
}

void tg_handling_breaker_record(tg_consumer *c, tg_result r)
{
    if (!c->s.breaker_enable)
        return;
    tg_breaker_state before = c->breaker.state;
    uint64_t opens = c->breaker.opened_count;
    if (r == TG_REJECT)
        tg_breaker_release(&c->breaker);
    else
        (void)tg_breaker_record(&c->breaker, r == TG_OK, tg_now_ms());
    breaker_changed(c, before, opens);
}

/* True while the breaker is not closed: failures are the outage's. */
static bool breaker_tripped(const tg_consumer *c)
{
    return c->s.breaker_enable && c->breaker.state != TG_BREAKER_CLOSED;
}

/* When a message refused by (or failed during) an outage is tried again. */
static int64_t breaker_due(const tg_consumer *c)
{
    const tg_breaker *b = &c->breaker;
    int64_t t = tg_now_ms();
    if (b->state == TG_BREAKER_OPEN && b->opened_at_ms + (int64_t)b->config.cooldown_ms > t)
        return b->opened_at_ms + (int64_t)b->config.cooldown_ms;
    return t + 20;
}

void tg_handling_hold_for_breaker(tg_consumer *c, part *p, held *h)
{
    h->state = H_RETRY;
    p->due_ms = h->due_ms = breaker_due(c);
    tg_ledger_block(c, p);
}

/* ---- settling a result ---------------------------------------------------- */

static uint64_t next_random(tg_consumer *c)
{
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    return c->rng;
}

/* Exponential backoff with jitter: uniform in [d/2, d], d = base * 2^(n-1) capped. */
int64_t tg_handling_retry_delay(tg_consumer *c, int attempts)
{
    int64_t delay = c->s.retry_backoff_ms;
    for (int i = 1; i < attempts && delay < c->s.retry_backoff_max_ms; i++)
        delay *= 2;
    if (delay > c->s.retry_backoff_max_ms)
        delay = c->s.retry_backoff_max_ms;
    int64_t half = delay / 2;
    return half + (int64_t)(next_random(c) % (uint64_t)(delay - half + 1));
}

static void schedule_retry(tg_consumer *c, part *p, held *h)
{
    h->state = H_RETRY;
    p->due_ms = h->due_ms = tg_now_ms() + tg_handling_retry_delay(c, h->attempts);
    tg_ledger_block(c, p);
}

void tg_handling_settle(tg_consumer *c, part *p, held *h, tg_result r)
{
    tg_handling_breaker_record(c, r);
    if (r == TG_RETRY && breaker_tripped(c)) {
        /* The outage's failure, not the message's: keep it, with at least
         * one attempt left for after the breaker closes. */
        if (h->attempts >= c->s.retry_max_attempts)
            h->attempts = c->s.retry_max_attempts - 1;
        tg_handling_hold_for_breaker(c, p, h);
        return;
    }
    switch (tg_handle_verdict(r, h->attempts, c->s.retry_max_attempts, h->reason,
                              sizeof h->reason)) {
    case TG_VERDICT_DONE:
        h->state = H_DONE;
        tg_metrics_add(c->metrics, TG_M_PROCESSED, 1);
        break;
    case TG_VERDICT_RETRY:
        tg_ledger_log(c, TG_LOG_INFO, "handler asked for retry", p, h->m->offset, NULL, NULL);
        schedule_retry(c, p, h);
        break;
    case TG_VERDICT_DEAD:
        h->state = H_DLQ;          /* the verdict wrote the reason */
        h->path[0] = '\0';
        break;
    }
}

bool tg_handling_skipped(tg_consumer *c, part *p, held *h)
{
    if (h->m->payload)
        return false;              /* only a null value is ever skipped */
    tg_route rt = tg_route_of(p->reg);
    tg_record rec;
    tg_record_of(&rec, h->m, p->topic);
    if (!tg_handle_skip(&rt, &rec, c->metrics))
        return false;
    h->state = H_DONE;
    return true;
}

/* ---- inline mode ---------------------------------------------------------- */

void tg_handling_run_inline(tg_consumer *c, part *p, held *h)
{
    tg_msg_meta meta;
    tg_record rec;
    tg_handler_fn fn = NULL;
    void *user = NULL;
    if (tg_handling_skipped(c, p, h)) {
        tg_dlq_advance(c, p);
        return;
    }
    tg_route rt = tg_route_of(p->reg);
    tg_record_of(&rec, h->m, p->topic);
    if (tg_handle_prepare(&c->dc, &rt, &rec, h->attempts + 1, c->s.schema_check, c->slots,
                          &meta, &fn, &user, h->reason, sizeof h->reason, h->path,
                          sizeof h->path) != TG_PREPARED_READY) {
        h->state = H_DLQ;          /* reason and path written */
        tg_dlq_advance(c, p);
        return;
    }
    if (!tg_handling_breaker_allow(c)) {
        tg_handling_hold_for_breaker(c, p, h);
        return;
    }
    if (h->attempts > 0)
        tg_metrics_add(c->metrics, TG_M_RETRIED, 1);
    h->attempts++;
    tg_result r = tg_handle_call(c->translate, c->translate_user, fn, user, c->slots, &meta,
                                 c->metrics, NULL);
    tg_handling_settle(c, p, h, r);
    tg_dlq_advance(c, p);
}
