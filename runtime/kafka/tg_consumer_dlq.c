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
 * until the copy is confirmed: messages behind it wait, in order.  The
 * envelope is tg_dlq.c's; a letter refused for what it is (tg_dlq_fate_of:
 * SHRINK) is sent again at once in the next smaller shape, and one that no
 * shape gets in (REFUSED, or the bare shape refused) takes the last resort
 * (give_up): the spool file when topicgen.producer.spool.path is set (the
 * letter is then done), else c->refused is set, every poll fails with it
 * and the head stays unfinished, so no offset passes it.  Passing failures
 * (RETRY) are re-produced after topicgen.dlq.retry.backoff.ms.
 *
 * Calling contract: polling thread only (delivery reports are served by
 * tg_dlq_poll and tg_dlq_wait, on that thread).  Calls the ledger and
 * tg_producer; nothing of handling, the modes or the coordinator. */
#define _POSIX_C_SOURCE 200809L
#include "tg_consumer_int.h"
#include "tg_dlq_int.h"

#include <stdio.h>

#include "tg_spool.h"

void tg_dlq_mark(held *h, const char *reason, const char *path)
{
    h->state = H_DLQ;
    h->shape = TG_DLQ_WHOLE;
    (void)snprintf(h->reason, sizeof h->reason, "%s", reason);
    (void)snprintf(h->path, sizeof h->path, "%s", path ? path : "");
}

/* A failed produce or delivery: produce again after the backoff. */
static void wait_to_reproduce(tg_consumer *c, part *p, held *h)
{
    h->state = H_DLQ_WAIT;
    p->due_ms = tg_now_ms() + c->s.dlq_retry_backoff_ms;
}

static tg_dlq_letter letter_of(const part *p, const held *h)
{
    return tg_dlq_letter_of(h->m, p->reg->dlq_topic, h->reason, h->path, h->attempts);
}

/* ---- the last resort: the spool, else stop ------------------------------- */

/* Append l's whole envelope (value uncut) to the spool file. */
static int spool_letter(tg_consumer *c, const tg_dlq_letter *l, tg_error *err)
{
    if (!c->dlq_spool && !(c->dlq_spool = tg_spool_open(c->s.producer_spool_path, err)))
        return err->code;
    tg_dlq_envelope e;
    tg_dlq_envelope_build(&e, l, TG_DLQ_WHOLE, SIZE_MAX);
    size_t n_orig = e.base_headers ? rd_kafka_header_cnt(e.base_headers) : 0;
    tg_spool_header *hs = calloc(n_orig + e.n_headers, sizeof *hs);
    if (!hs)
        return tg_error_set(err, TG_ERR_NOMEM, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < n_orig; i++) {
        const char *name;
        if (rd_kafka_header_get_all(e.base_headers, i, &name, &hs[n].value, &hs[n].value_len)
            == RD_KAFKA_RESP_ERR_NO_ERROR) {
            hs[n].name = name;
            hs[n++].name_len = strlen(name);
        }
    }
    for (size_t i = 0; i < e.n_headers; i++, n++)
        hs[n] = (tg_spool_header){ e.headers[i].name, strlen(e.headers[i].name),
                                   e.headers[i].value, e.headers[i].len };
    tg_spool_record r = { e.topic, strlen(e.topic), -1, 0, e.key, e.key_len,
                          e.value, e.value_len, hs, n };
    int rc = tg_spool_append(c->dlq_spool, &r, err);
    free(hs);
    return rc;
}

/* The DLQ topic will not take h (why): save it in the spool file when one is
 * configured (then h is done), else stop the consumer with an error that
 * says what was refused and how to fix it.  Either way nothing is lost and
 * no offset passes h. */
static void give_up(tg_consumer *c, part *p, held *h, const char *why)
{
    tg_error err = { 0, "" };
    tg_dlq_letter l = letter_of(p, h);
    if (c->s.producer_spool_path[0] && spool_letter(c, &l, &err) == 0) {
        tg_metrics_add(c->metrics, TG_M_SPOOLED, 1);
        tg_ledger_log(c, TG_LOG_ERROR, "dead-letter topic refused the message, saved in the "
                      "spool file", p, h->m->offset, "error", why);
        h->state = H_DONE;
        tg_dlq_advance(c, p);
        return;
    }
    h->state = H_DLQ_REFUSED;
    (void)snprintf(c->refused, sizeof c->refused,
                   "dead-letter topic '%s' refused %s [%d] offset %lld (%zu bytes): %s%s%s",
                   l.dlq_topic, l.topic, (int)l.partition, (long long)l.offset, l.value_len, why,
                   err.message[0] ? "; spool: " : "", err.message);
    tg_ledger_log(c, TG_LOG_ERROR, "dead letter refused, the consumer stops without committing "
                  "past it; fix: create the dead-letter topic with max.message.bytes at least "
                  "that of the source topic and write access for this client, or set "
                  "topicgen.producer.spool.path", p, h->m->offset, "error", c->refused);
}

const char *tg_dlq_refused(const tg_consumer *c)
{
    return c->refused[0] ? c->refused : NULL;
}

/* ---- producing ------------------------------------------------------------ */

static void produce(tg_consumer *c, part *p, held *h);

/* h's envelope failed for good (fate SHRINK or REFUSED): the next smaller
 * shape, or the last resort. */
static void failed_for_good(tg_consumer *c, part *p, held *h, tg_dlq_fate fate, const char *why)
{
    if (fate == TG_DLQ_SHRINK && h->shape + 1 < TG_DLQ_N_SHAPES) {
        h->shape++;
        tg_ledger_log(c, TG_LOG_WARN, "dead letter refused as is, sending a smaller envelope", p,
                      h->m->offset, "error", why);
        produce(c, p, h);
        return;
    }
    give_up(c, p, h, why);
}

static void produce(tg_consumer *c, part *p, held *h)
{
    tg_error err;
    tg_dlq_letter l = letter_of(p, h);
    h->token = ++c->next_token;
    int rc = tg_dlq_send(c->dlq, &l, (tg_dlq_shape)h->shape, (size_t)c->s.dlq_max_value_bytes,
                         (void *)(uintptr_t)h->token, &err);
    if (rc == 0) {
        h->state = H_DLQ_SENT;
        return;
    }
    if (rc != TG_ERR_QUEUE_FULL && rc != TG_ERR_UNAVAILABLE) {
        /* refused before it left: too large for message.max.bytes, an
         * unknown topic, a bad argument; a smaller envelope may pass */
        failed_for_good(c, p, h, TG_DLQ_SHRINK, err.message);
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
    tg_dlq_fate fate = d->fatal ? TG_DLQ_REFUSED : tg_dlq_fate_of((rd_kafka_resp_err_t)d->err);
    if (fate != TG_DLQ_RETRY) {
        failed_for_good(c, p, h, fate, d->error);
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
    tg_producer_opts po = { on_delivery, c, &c->logger, c->dlq_metrics }; /* producer="dlq" */
    c->dlq = tg_producer_new(pc, &po, err);
    tg_config_free(derived);
    return c->dlq ? 0 : (err ? err->code : TG_ERR_KAFKA);
}

void tg_dlq_close(tg_consumer *c, int timeout_ms)
{
    (void)tg_producer_close(c->dlq, timeout_ms, NULL); /* NULL is fine */
    c->dlq = NULL;
    tg_spool_close(c->dlq_spool);
    c->dlq_spool = NULL;
}
