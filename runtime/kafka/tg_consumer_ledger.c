/* tg_consumer_ledger: the partition ledger, the consumer's lowest layer
 * (see tg_consumer_int.h).
 *
 * Owns: the assigned partitions (part), each partition's FIFO of held
 * messages, pausing ("blocking") and seeking partitions, tg_ledger_pump and
 * the offset store.  This is the one place offsets are stored: pump pops
 * DONE messages from the head, in order, and stores each one's offset, so
 * the stored offset never passes an unfinished message.
 *
 * A blocked partition is paused; messages librdkafka still returns for it
 * are dropped by the poll loop, and when its FIFO drains it is seeked back
 * to next_offset and resumed (librdkafka discards messages it fetched
 * before a pause or seek: both bump the partition's op version; next_offset
 * also drops anything older).  Workload: a handful of partitions per
 * consumer, so lookups are linear scans.
 *
 * Calling contract: polling thread only.  Calls librdkafka and tg_log,
 * nothing of the layers above; what it needs of them is data in
 * struct tg_consumer (batch.waiting, the breaker, the window) and the
 * head pump returns for dead-lettering. */
#define _POSIX_C_SOURCE 200809L
#include "tg_consumer_int.h"

#include <stdio.h>

void tg_ledger_log(tg_consumer *c, tg_log_level lvl, const char *msg, const part *p,
                   int64_t offset, const char *extra_key, const char *extra)
{
    char ps[16], os[24];
    (void)snprintf(ps, sizeof ps, "%d", p ? (int)p->partition : -1);
    (void)snprintf(os, sizeof os, "%lld", (long long)offset);
    tg_log_kv kv[4] = { { "topic", p ? p->topic : "" }, { "partition", ps }, { "offset", os },
                        { extra_key, extra } };
    tg_log(&c->logger, lvl, "consumer", msg, kv, extra_key ? 4 : 3);
}

/* ---- partitions --------------------------------------------------------- */

part *tg_ledger_find(tg_consumer *c, const char *topic, int32_t partition)
{
    for (size_t i = 0; i < c->n_parts; i++)
        if (c->parts[i].partition == partition && strcmp(c->parts[i].topic, topic) == 0)
            return &c->parts[i];
    return NULL;
}

part *tg_ledger_add(tg_consumer *c, const char *topic, int32_t partition, reg *r)
{
    part *p = tg_ledger_find(c, topic, partition);
    if (p)
        return p;
    if (c->n_parts == c->cap_parts) {
        size_t n = c->cap_parts ? c->cap_parts * 2 : 16;
        part *np = realloc(c->parts, n * sizeof *np);
        if (!np)
            return NULL;
        c->parts = np;
        c->cap_parts = n;
    }
    p = &c->parts[c->n_parts];
    memset(p, 0, sizeof *p);
    if (!(p->topic = tg_dup_str(topic)))
        return NULL;
    p->partition = partition;
    p->reg = r;
    p->next_offset = -1;
    c->n_parts++;
    return p;
}

void tg_ledger_drop(tg_consumer *c, part *p)
{
    c->in_flight -= p->qn;
    for (size_t i = 0; i < p->qn; i++)
        if (p->q[i].m)               /* NULL: a worker still runs it and frees it */
            rd_kafka_message_destroy(p->q[i].m);
    free(p->q);
    free(p->topic);
    part *last = &c->parts[--c->n_parts];
    if (p != last)
        *p = *last;
}

/* ---- pause and seek ----------------------------------------------------- */

static int set_paused(tg_consumer *c, part *p, bool pause)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, p->topic, p->partition);
    rd_kafka_resp_err_t e = pause ? rd_kafka_pause_partitions(c->rk, l)
                                  : rd_kafka_resume_partitions(c->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    return (int)e;
}

void tg_ledger_seek(tg_consumer *c, part *p, int64_t offset)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, p->topic, p->partition)->offset = offset;
    rd_kafka_error_t *e = rd_kafka_seek_partitions(c->rk, l, 0);
    if (e) {
        tg_ledger_log(c, TG_LOG_WARN, "seek failed", p, offset, "error",
                      rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
    }
    rd_kafka_topic_partition_list_destroy(l);
}

void tg_ledger_block(tg_consumer *c, part *p)
{
    if (p->blocked)
        return;
    p->blocked = true;
    (void)set_paused(c, p, true);
}

void tg_ledger_unblock(tg_consumer *c, part *p)
{
    if (!p->blocked)
        return;
    p->blocked = false;
    if (p->next_offset >= 0)
        tg_ledger_seek(c, p, p->next_offset);
    (void)set_paused(c, p, false);
}

void tg_ledger_block_all(tg_consumer *c)
{
    for (size_t i = 0; i < c->n_parts; i++)
        tg_ledger_block(c, &c->parts[i]);
}

/* True while nothing may be fetched: open within the cool-down, or a
 * half-open probe is running. */
static bool breaker_holds(const tg_consumer *c)
{
    const tg_breaker *b = &c->breaker;
    if (!c->s.breaker_enable)
        return false;
    if (b->state == TG_BREAKER_OPEN)
        return tg_now_ms() - b->opened_at_ms < (int64_t)b->config.cooldown_ms;
    return b->state == TG_BREAKER_HALF_OPEN && b->probe_running;
}

bool tg_ledger_window_full(const tg_consumer *c)
{
    return c->work.pool && c->in_flight >= (size_t)c->s.max_in_flight;
}

bool tg_ledger_may_resume(const tg_consumer *c, const part *p)
{
    return p->qn == 0 && !c->batch.waiting && !breaker_holds(c) && !tg_ledger_window_full(c);
}

/* ---- the FIFO ------------------------------------------------------------ */

held *tg_ledger_hold(tg_consumer *c, part *p, rd_kafka_message_t *m)
{
    if (p->qn == p->qcap) {
        size_t n = p->qcap ? p->qcap * 2 : 4;
        held *nq = realloc(p->q, n * sizeof *nq);
        if (!nq) {
            tg_ledger_log(c, TG_LOG_ERROR, "out of memory holding message", p, m->offset, NULL,
                          NULL);
            p->next_offset = m->offset;
            tg_ledger_block(c, p);
            rd_kafka_message_destroy(m);
            return NULL;
        }
        p->q = nq;
        p->qcap = n;
    }
    held *h = &p->q[p->qn++];
    memset(h, 0, sizeof *h);
    h->m = m;
    h->state = H_PENDING;
    c->in_flight++;
    p->next_offset = m->offset + 1;
    return h;
}

void tg_ledger_unhold_newest(tg_consumer *c, part *p)
{
    held *h = &p->q[p->qn - 1];
    p->next_offset = h->m->offset;
    rd_kafka_message_destroy(h->m);
    p->qn--;
    c->in_flight--;
}

held *tg_ledger_find_held(part *p, const rd_kafka_message_t *m)
{
    for (size_t i = 0; i < p->qn; i++)
        if (p->q[i].m == m)
            return &p->q[i];
    return NULL;
}

/* ---- pump: the offset store ---------------------------------------------- */

static void store_offset(tg_consumer *c, part *p, const rd_kafka_message_t *m)
{
    rd_kafka_resp_err_t e = rd_kafka_offset_store(m->rkt, m->partition, m->offset);
    if (e)
        tg_ledger_log(c, TG_LOG_WARN, "offset store failed", p, m->offset, "error",
                      rd_kafka_err2str(e));
    c->dirty = true;
}

held *tg_ledger_pump(tg_consumer *c, part *p)
{
    while (p->qn > 0) {
        held *h = &p->q[0];
        if (h->state == H_DLQ) {
            tg_ledger_block(c, p);
            return h;
        }
        if (h->state != H_DONE)
            return NULL;
        store_offset(c, p, h->m);
        rd_kafka_message_destroy(h->m);
        memmove(&p->q[0], &p->q[1], (p->qn - 1) * sizeof p->q[0]);
        p->qn--;
        c->in_flight--;
    }
    if (tg_ledger_may_resume(c, p))
        tg_ledger_unblock(c, p);
    return NULL;
}
