/* tg_consumer_batch: batch mode (tg_consumer_add_batch), a mode above
 * handling (see tg_consumer_int.h).
 *
 * Owns: the batch being collected (c->batch: items, their messages, the
 * collection deadline, attempts, the retry wait).  Accepted messages are
 * decoded into consecutive slots (a bad one is dead-lettered alone); the
 * batch handler runs when topicgen.batch.size messages are collected, the
 * arena is full, or topicgen.batch.timeout.ms passed.  Its one result
 * applies to every message: all DONE, a retry of the whole batch after the
 * backoff (batch.waiting holds every partition meanwhile: the ledger reads
 * it), or all dead-lettered.  The messages stay in the ledger's FIFOs
 * throughout; only their states change here.
 *
 * Calling contract: polling thread only.  Calls handling (the retry
 * backoff), dead-lettering, the ledger and tg_handle; nothing of worker
 * mode or the coordinator. */
#define _POSIX_C_SOURCE 200809L
#include "tg_consumer_int.h"

int tg_batch_mode_alloc(tg_consumer *c)
{
    c->batch.items = calloc(c->n_slots, sizeof *c->batch.items);
    c->batch.msgs = calloc(c->n_slots, sizeof(rd_kafka_message_t *));
    return c->batch.items && c->batch.msgs ? 0 : -1;
}

void tg_batch_mode_free(tg_consumer *c)
{
    free(c->batch.items);
    free(c->batch.msgs);
}

bool tg_batch_mode_due(const tg_consumer *c, int64_t now)
{
    const batch_mode *b = &c->batch;
    return b->waiting ? b->due_ms <= now : b->n && b->deadline_ms <= now;
}

/* Take item i out of the batch (its slot too). */
static void remove_item(tg_consumer *c, size_t i)
{
    batch_mode *b = &c->batch;
    size_t tail = b->n - i - 1;
    memmove(&b->msgs[i], &b->msgs[i + 1], tail * sizeof(rd_kafka_message_t *));
    memmove(&b->items[i], &b->items[i + 1], tail * sizeof b->items[0]);
    memmove(c->slots + i * c->slot_size, c->slots + (i + 1) * c->slot_size,
            tail * c->slot_size);
    b->n--;
    for (size_t j = i; j < b->n; j++)
        b->items[j].msg = c->slots + j * c->slot_size;
}

static void forget_message(tg_consumer *c, const rd_kafka_message_t *m)
{
    for (size_t i = 0; i < c->batch.n; i++) {
        if (c->batch.msgs[i] == m) {
            remove_item(c, i);
            return;
        }
    }
}

void tg_batch_mode_release(tg_consumer *c, const part *p)
{
    for (size_t i = 0; i < p->qn; i++)
        forget_message(c, p->q[i].m);
}

/* ---- running the batch ------------------------------------------------------ */

static void advance_all(tg_consumer *c)
{
    for (size_t i = 0; i < c->n_parts; i++)
        tg_dlq_advance(c, &c->parts[i]);
}

/* Mark every batch message with state (H_DONE or H_DLQ + reason). */
static void settle_all(tg_consumer *c, hstate state, const char *reason)
{
    batch_mode *b = &c->batch;
    for (size_t i = 0; i < b->n; i++) {
        part *p = tg_ledger_find(c, b->items[i].meta.topic, b->items[i].meta.partition);
        held *h = p ? tg_ledger_find_held(p, b->msgs[i]) : NULL;
        if (!h)
            continue;
        h->attempts = b->attempts;
        if (state == H_DLQ)
            tg_dlq_mark(h, reason, "");
        else
            h->state = H_DONE;
    }
    if (state == H_DONE)
        tg_metrics_add(c->metrics, TG_M_PROCESSED, b->n);
    b->n = 0;
    b->attempts = 0;
    b->waiting = false;
    tg_arena_reset(&c->dc.arena);
    advance_all(c);
}

void tg_batch_mode_run(tg_consumer *c)
{
    const reg *r = &c->regs[0];
    batch_mode *b = &c->batch;
    if (b->n == 0)
        return;
    if (b->attempts > 0)
        tg_metrics_add(c->metrics, TG_M_RETRIED, b->n);
    b->attempts++;
    for (size_t i = 0; i < b->n; i++)
        b->items[i].meta.attempt = b->attempts;
    tg_batch batch = { b->items, b->n };
    double t0 = tg_now_s();
    tg_result res = r->batch_fn(r->batch_user, &batch);
    tg_metrics_observe_latency(c->metrics, tg_now_s() - t0);
    if (res == TG_OK) {
        settle_all(c, H_DONE, NULL);
    } else if (res == TG_RETRY && b->attempts < c->s.retry_max_attempts) {
        b->due_ms = tg_now_ms() + tg_handling_retry_delay(c, b->attempts);
        b->waiting = true;
        tg_ledger_block_all(c);
    } else {
        settle_all(c, H_DLQ, res == TG_REJECT ? "batch rejected by handler"
                                              : "retries exhausted");
    }
}

/* ---- collecting ------------------------------------------------------------ */

/* h's meta and the schema check into item i.  False: h is dead. */
static bool add_meta(tg_consumer *c, part *p, held *h, tg_record *rec, tg_batch_item *it)
{
    tg_found_header schema;
    tg_record_of(rec, h->m, p->topic);
    tg_handle_meta(rec, p->reg->desc, 1, &it->meta, &schema);
    h->reason[0] = h->path[0] = '\0';
    if (tg_handle_schema(&it->meta, &schema, c->s.schema_check, h->reason, sizeof h->reason))
        return true;
    h->state = H_DLQ;
    return false;
}

/* A tombstone (NULL value) is not collected: its route settles it here,
 * skip (offset stored in order, counted) or dead letter ("tombstone", or
 * handle, which has no handler in batch mode).  False: h has a value. */
static bool settle_tombstone(tg_consumer *c, part *p, held *h)
{
    tg_record rec;
    tg_route rt = tg_route_of(p->reg);
    tg_prepared pr;
    tg_handler_fn fn;
    void *user;
    tg_record_of(&rec, h->m, p->topic);
    h->reason[0] = h->path[0] = '\0';
    if (!tg_handle_tombstone(&rt, &rec, &pr, &fn, &user, h->reason, sizeof h->reason))
        return false;
    if (pr == TG_PREPARED_READY) {  /* skip: batch mode registers no tombstone handler */
        h->state = H_DONE;
        tg_metrics_add(c->metrics, TG_M_TOMBSTONES_SKIPPED, 1);
    } else {
        h->state = H_DLQ;
    }
    return true;
}

/* A union's variant index into it->meta.  False: h is dead. */
static bool add_variant(const tg_message_desc *d, held *h, tg_batch_item *it)
{
    if (!d->variant)
        return true;
    int v = d->variant(it->msg);
    if (v < 0 || (size_t)v >= d->n_variants) {
        tg_dlq_mark(h, "unknown variant", "$");
        return false;
    }
    it->meta.variant = v;
    return true;
}

/* The arena is full: hand over what was collected first, then collect h
 * again, or (a batch retry now holds everything) give h back to the
 * ledger: it is fetched again after the retry.  h is the newest held
 * message of p. */
static void run_then_add(tg_consumer *c, part *p, held *h)
{
    const rd_kafka_message_t *m = h->m;
    tg_batch_mode_run(c);
    h = tg_ledger_find_held(p, m);     /* the pump may have moved it */
    if (!c->batch.waiting) {
        tg_batch_mode_add(c, p, h);
        return;
    }
    tg_ledger_unhold_newest(c, p);
    tg_ledger_block(c, p);
}

void tg_batch_mode_add(tg_consumer *c, part *p, held *h)
{
    const tg_message_desc *d = p->reg->desc;
    batch_mode *b = &c->batch;
    size_t i = b->n;
    if (i == 0) {
        b->deadline_ms = tg_now_ms() + c->s.batch_timeout_ms;
        tg_arena_reset(&c->dc.arena);
    }
    tg_batch_item *it = &b->items[i];
    tg_record rec;
    if (settle_tombstone(c, p, h) || !add_meta(c, p, h, &rec, it)) {
        tg_dlq_advance(c, p);
        return;
    }
    unsigned char *slot = c->slots + i * c->slot_size;
    tg_decode_res r = tg_handle_decode(&c->dc, d, rec.value, rec.len, slot, h->reason,
                                       sizeof h->reason, h->path, sizeof h->path);
    if (r == TG_DECODE_ARENA_FULL) {
        run_then_add(c, p, h);
        return;
    }
    if (r == TG_DECODE_BAD) {
        h->state = H_DLQ;          /* reason and path written */
        tg_dlq_advance(c, p);
        return;
    }
    it->msg = slot;
    if (!add_variant(d, h, it)) {
        tg_dlq_advance(c, p);
        return;
    }
    b->msgs[i] = h->m;
    b->n++;
    if (b->n >= c->n_slots)
        tg_batch_mode_run(c);
}
