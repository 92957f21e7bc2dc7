/* tg_consumer_dlq: dead-lettering, the layer just above the ledger (see
 * tg_consumer_int.h).
 *
 * Owns: the consumer's dead-letter producer, producing a dead message with
 * its tg-dlq-* headers, its delivery confirmation (only a confirmed copy
 * makes the message DONE, so its offset may be stored) and re-producing a
 * copy whose delivery failed, after topicgen.dlq.retry.backoff.ms.  Also
 * tg_dlq_advance, the pump every layer above calls: the ledger stores what
 * is done and hands back a dead head, which this file produces.
 *
 * A partition whose head is being dead-lettered stays blocked (paused)
 * until the copy is confirmed: messages behind it wait, in order.
 *
 * Calling contract: polling thread only (delivery reports are served by
 * tg_dlq_poll and tg_dlq_wait, on that thread).  Calls the ledger and
 * tg_producer; nothing of handling, the modes or the coordinator. */
#define _POSIX_C_SOURCE 200809L
#include "tg_consumer_int.h"
#include "tg_dlq_int.h"

#include <stdio.h>

void tg_dlq_mark(held *h, const char *reason, const char *path)
{
    h->state = H_DLQ;
    (void)snprintf(h->reason, sizeof h->reason, "%s", reason);
    (void)snprintf(h->path, sizeof h->path, "%s", path ? path : "");
}

/* A failed produce or delivery: produce again after the backoff. */
static void wait_to_reproduce(tg_consumer *c, part *p, held *h)
{
    h->state = H_DLQ_WAIT;
    p->due_ms = tg_now_ms() + c->s.dlq_retry_backoff_ms;
}

static void produce(tg_consumer *c, part *p, held *h)
{
    tg_error err;
    tg_dlq_letter l = tg_dlq_letter_of(h->m, p->reg->dlq_topic, h->reason, h->path, h->attempts);
    h->token = ++c->next_token;
    if (tg_dlq_send(c->dlq, &l, TG_DLQ_WHOLE, (size_t)c->s.dlq_max_value_bytes,
                    (void *)(uintptr_t)h->token, &err) == 0) {
        h->state = H_DLQ_SENT;
        return;
    }
    tg_ledger_log(c, TG_LOG_WARN, "dead-letter produce failed, will retry", p, h->m->offset,
                  "error", err.message);
    wait_to_reproduce(c, p, h);
}

void tg_dlq_advance(tg_consumer *c, part *p)
{
    held *dead = tg_ledger_pump(c, p);
    if (dead)
        produce(c, p, dead);
}

void tg_dlq_reproduce(tg_consumer *c, part *p)
{
    p->q[0].state = H_DLQ;
    tg_dlq_advance(c, p);
}

/* ---- confirmation -------------------------------------------------------- */

static part *part_awaiting(tg_consumer *c, uint64_t token)
{
    for (size_t i = 0; i < c->n_parts; i++)
        if (c->parts[i].qn && c->parts[i].q[0].state == H_DLQ_SENT
            && c->parts[i].q[0].token == token)
            return &c->parts[i];
    return NULL;
}

static void on_delivery(void *user, const tg_delivery *d)
{
    tg_consumer *c = user;
    part *p = part_awaiting(c, (uint64_t)(uintptr_t)d->msg_opaque);
    if (!p)
        return; /* partition revoked meanwhile: the new owner re-handles it */
    held *h = &p->q[0];
    if (d->err == 0) {
        tg_metrics_add(c->metrics, TG_M_DEAD_LETTERED, 1);
        tg_ledger_log(c, TG_LOG_WARN, "dead-lettered", p, h->m->offset, "reason", h->reason);
        h->state = H_DONE;
        tg_dlq_advance(c, p);
        return;
    }
    tg_ledger_log(c, TG_LOG_ERROR, "dead-letter delivery failed, offset not stored, will retry",
                  p, h->m->offset, "error", d->error);
    wait_to_reproduce(c, p, h);
}

bool tg_dlq_in_flight(const tg_consumer *c)
{
    for (size_t i = 0; i < c->n_parts; i++)
        if (c->parts[i].qn && c->parts[i].q[0].state == H_DLQ_SENT)
            return true;
    return false;
}

/* Serve the dead-letter producer's callbacks (delivery reports, errors):
 * on every call while it has messages in flight, else on idle polls and
 * every 64th call, so a busy consumer does not pay an empty rd_kafka_poll
 * (~350 instructions) for each message. */
void tg_dlq_poll(tg_consumer *c, bool idle)
{
    if (idle || tg_producer_in_flight(c->dlq) > 0 || ++c->dlq_polls % 64 == 0)
        (void)tg_producer_poll(c->dlq, 0);
}

/* Let confirmed DLQ deliveries store their offsets (before a commit). */
void tg_dlq_wait(tg_consumer *c, int64_t deadline_ms)
{
    while (tg_dlq_in_flight(c) && tg_now_ms() < deadline_ms)
        (void)tg_producer_poll(c->dlq, 50);
}

/* ---- the producer --------------------------------------------------------- */

int tg_dlq_start(tg_consumer *c, const tg_config *conf, const tg_consumer_opts *opts,
                 tg_error *err)
{
    tg_config *derived = NULL;
    const tg_config *pc = opts && opts->dlq_config ? opts->dlq_config : NULL;
    if (!pc && !(pc = derived = tg_config_derive_producer(conf, err)))
        return err ? err->code : TG_ERR_CONFIG;
    tg_producer_opts po = { on_delivery, c, &c->logger, c->metrics };
    c->dlq = tg_producer_new(pc, &po, err);
    tg_config_free(derived);
    return c->dlq ? 0 : (err ? err->code : TG_ERR_KAFKA);
}

void tg_dlq_close(tg_consumer *c, int timeout_ms)
{
    (void)tg_producer_close(c->dlq, timeout_ms, NULL); /* NULL is fine */
    c->dlq = NULL;
}
