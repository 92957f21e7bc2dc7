/* tg_processor_handle: one input of an exactly-once processor (see
 * tg_processor_int.h): the handling unit's steps (tg_handle: meta, schema
 * check, decode, translator, handler, verdict) with retries after a
 * backoff, the emitter that buffers a handler call's outputs, and
 * producing either the outputs (TG_OK) or the dead letter (anything else)
 * into the open transaction.
 *
 * Invariant: nothing a handler call emitted is produced unless that call
 * returned TG_OK; a record leaves tg_proc_handle either produced (outputs
 * or dead letter) into the open transaction or with the processor failed
 * (so the transaction is never committed). */
#define _POSIX_C_SOURCE 200809L
#include "tg_processor_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tg_dlq_int.h"

#define QUEUE_FULL_WAITS 600       /* x 100 ms: a full local queue, then fail */

/* ---- the emitter ---------------------------------------------------------- */

static int grow(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 1024;
    while (n < need)
        n *= 2;
    char *nb = realloc(*buf, n);
    if (!nb)
        return -1;
    *buf = nb;
    *cap = n;
    return 0;
}

static void emitter_reset(tg_emitter *e)
{
    e->len = 0;
    e->n = 0;
}

void tg_proc_emitter_free(tg_emitter *e)
{
    free(e->buf);
    free(e->outs);
    memset(e, 0, sizeof *e);
}

size_t tg_emitter_count(const tg_emitter *out)
{
    return out ? out->n : 0;
}

/* Append bytes (NUL-terminated too) at the buffer's end; their offset. */
static int append(tg_emitter *e, const void *v, size_t n, size_t *off)
{
    if (grow(&e->buf, &e->cap, e->len + n + 1))
        return -1;
    *off = e->len;
    if (n)
        memcpy(e->buf + e->len, v, n);
    e->buf[e->len + n] = '\0';
    e->len += n + 1;
    return 0;
}

/* Encode msg at the buffer's end (growing it once if the encoder asks). */
static int encode_into(tg_emitter *e, const tg_message_desc *d, const void *msg, size_t *off,
                       size_t *len, tg_error *err)
{
    size_t need = d->max_json_size ? d->max_json_size : 256;
    tg_json_code code = TG_JSON_OK;
    for (int pass = 0; pass < 2; pass++) {
        if (grow(&e->buf, &e->cap, e->len + need + 1))
            return tg_error_set(err, TG_ERR_NOMEM, "tg_emit: out of memory");
        size_t cap = e->cap - e->len - 1;
        code = d->encode(msg, e->buf + e->len, cap, &need);
        if (code == TG_JSON_OK && need <= cap) {
            *off = e->len;
            *len = need;
            e->buf[e->len + need] = '\0';
            e->len += need + 1;
            return 0;
        }
    }
    return tg_error_set(err, TG_ERR_ENCODE, "tg_emit: encoding %s.%s failed: %s", d->schema,
                        d->name, tg_json_code_name(code));
}

/* The key, extracted at the buffer's end. */
static int key_into(tg_emitter *e, const tg_message_desc *d, const void *msg, size_t *off,
                    size_t *len, tg_error *err)
{
    size_t need = 64;
    *off = e->len;
    *len = 0;
    if (!d->key)
        return 0;
    for (int pass = 0; pass < 2; pass++) {
        if (grow(&e->buf, &e->cap, e->len + need + 1))
            return tg_error_set(err, TG_ERR_NOMEM, "tg_emit: out of memory");
        size_t cap = e->cap - e->len - 1;
        need = d->key(msg, e->buf + e->len, cap);
        if (need <= cap) {
            *len = need;
            e->buf[e->len + need] = '\0';
            e->len += need + 1;
            return 0;
        }
    }
    return tg_error_set(err, TG_ERR_ENCODE, "tg_emit: key of %s.%s", d->schema, d->name);
}

int tg_emit(tg_emitter *out, const tg_message_desc *desc, const void *msg, const char *topic,
            tg_error *err)
{
    if (!out || !desc || !msg || !desc->encode)
        return tg_error_set(err, TG_ERR_ARG, "tg_emit: need an emitter, a message and a "
                                             "descriptor that encodes");
    const char *t = topic ? topic : desc->topic;
    if (!t || !t[0])
        return tg_error_set(err, TG_ERR_ARG, "tg_emit: %s.%s has no topic: pass one",
                            desc->schema, desc->name);
    if (out->n == out->cap_outs) {
        size_t cap = out->cap_outs ? out->cap_outs * 2 : 8;
        tg_proc_out *n = realloc(out->outs, cap * sizeof *n);
        if (!n)
            return tg_error_set(err, TG_ERR_NOMEM, "tg_emit: out of memory");
        out->outs = n;
        out->cap_outs = cap;
    }
    size_t mark = out->len;
    tg_proc_out o = { .desc = desc };
    if (append(out, t, strlen(t), &o.topic_off) != 0) {
        out->len = mark;
        return tg_error_set(err, TG_ERR_NOMEM, "tg_emit: out of memory");
    }
    if (encode_into(out, desc, msg, &o.value_off, &o.value_len, err)
        || key_into(out, desc, msg, &o.key_off, &o.key_len, err)) {
        out->len = mark;           /* the failed output is not kept */
        return err ? err->code : TG_ERR_ENCODE;
    }
    out->outs[out->n++] = o;
    return 0;
}

/* ---- producing into the transaction ------------------------------------- */

/* tg_producer_send_raw, waiting (bounded) while the local queue is full. */
static int send_raw(tg_processor *p, const tg_raw_record *r, tg_error *err)
{
    for (int i = 0;; i++) {
        int rc = tg_producer_send_raw(p->producer, r, err);
        if (rc != TG_ERR_QUEUE_FULL || i >= QUEUE_FULL_WAITS)
            return rc;
        (void)tg_producer_poll(p->producer, 100);
    }
}

/* The outputs of a call that returned TG_OK, with the typed producer's
 * headers and the input's traceparent. */
static void produce_outputs(tg_processor *p, const tg_msg_meta *in)
{
    const void *tp = NULL;
    size_t tpl = 0;
    bool trace = in->trace.valid && tg_meta_header(in, "traceparent", &tp, &tpl);
    for (size_t i = 0; i < p->out.n && !p->failed; i++) {
        const tg_proc_out *o = &p->out.outs[i];
        const char *buf = p->out.buf;
        char schema[300], version[16];
        tg_error err;
        int sl = snprintf(schema, sizeof schema, "%s.%s", o->desc->schema, o->desc->name);
        int vl = snprintf(version, sizeof version, "%d", o->desc->version);
        tg_header hs[4] = { { "content-type", "application/json", 16 },
                            { "tg-schema", schema, (size_t)sl },
                            { "tg-schema-version", version, (size_t)vl },
                            { "traceparent", tp, tpl } };
        tg_raw_record r = { buf + o->topic_off, TG_PARTITION_ANY,
                            o->key_len ? buf + o->key_off : NULL, o->key_len,
                            buf + o->value_off, o->value_len, NULL, hs, trace ? 4 : 3, 0, NULL };
        if (send_raw(p, &r, &err) != 0)
            tg_proc_fatal(p, err.code, "producing an output to %s failed (%s): the open "
                          "transaction is aborted and the processor stops", r.topic,
                          err.message);
        else
            p->stats.emitted++;
    }
}

/* The dead letter of m, in the largest envelope the producer takes. */
static void produce_dead_letter(tg_processor *p, const tg_proc_reg *r,
                                const rd_kafka_message_t *m, const char *reason,
                                const char *path, int attempts)
{
    tg_dlq_letter l = tg_dlq_letter_of(m, r->dlq_topic, reason, path, attempts);
    tg_error err;
    int rc = TG_ERR_KAFKA;
    for (int shape = TG_DLQ_WHOLE; shape < TG_DLQ_N_SHAPES && rc != 0; shape++) {
        for (int i = 0; i <= QUEUE_FULL_WAITS; i++) {
            rc = tg_dlq_send(p->producer, &l, (tg_dlq_shape)shape,
                             (size_t)p->s.dlq_max_value_bytes, NULL, &err);
            if (rc != TG_ERR_QUEUE_FULL)
                break;
            (void)tg_producer_poll(p->producer, 100);
        }
    }
    if (rc != 0) {
        tg_proc_fatal(p, err.code, "dead-lettering %s [%d] @%lld to %s failed (%s): the open "
                      "transaction is aborted and the processor stops", r->topic,
                      (int)m->partition, (long long)m->offset, r->dlq_topic, err.message);
        return;
    }
    p->stats.dead_lettered++;
    tg_metrics_add(p->metrics, TG_M_DEAD_LETTERED, 1);
    tg_log_kv kv[4] = { { "topic", r->topic }, { "dlq", r->dlq_topic }, { "reason", reason },
                        { "transactional.id", p->txn_id } };
    tg_log(&p->logger, TG_LOG_WARN, "processor", "dead-lettered (in the transaction)", kv, 4);
}

/* ---- one input ------------------------------------------------------------ */

/* The tg_handler_fn the handling unit calls: the registration's handler
 * with the processor's emitter. */
static tg_result call_reg(void *user, const void *msg, const tg_msg_meta *meta)
{
    tg_proc_reg *r = user;
    tg_emitter *out = &r->p->out;
    return r->thunk ? r->thunk(r->typed, r->user, msg, meta, out)
                    : r->fn(r->user, msg, meta, out);
}

static uint64_t next_random(tg_processor *p)
{
    p->rng ^= p->rng << 13;
    p->rng ^= p->rng >> 7;
    p->rng ^= p->rng << 17;
    return p->rng;
}

/* The consumer's backoff (tg_consumer.h): uniform in [d/2, d], d = base *
 * 2^(n-1) capped; slept here, serving the producer, as the record must be
 * finished before the next poll. */
static void backoff(tg_processor *p, int attempts)
{
    int64_t d = p->s.retry_backoff_ms;
    for (int i = 1; i < attempts && d < p->s.retry_backoff_max_ms; i++)
        d *= 2;
    if (d > p->s.retry_backoff_max_ms)
        d = p->s.retry_backoff_max_ms;
    int64_t half = d / 2;
    int64_t until = tg_now_ms() + half + (int64_t)(next_random(p) % (uint64_t)(d - half + 1));
    while (tg_now_ms() < until) {
        int64_t left = until - tg_now_ms();
        (void)tg_producer_poll(p->producer, left > 50 ? 50 : (int)(left > 0 ? left : 0));
    }
}

void tg_proc_handle(tg_processor *p, const rd_kafka_message_t *m)
{
    tg_proc_reg *r = tg_proc_find(p, rd_kafka_topic_name(m->rkt));
    if (!r || tg_proc_begin(p) != 0)
        return;                    /* not ours (cannot happen) / fatal set */
    tg_proc_note_first(p, r->topic, m->partition, m->offset);
    p->txn_inputs++;
    tg_metrics_add(p->metrics, TG_M_CONSUMED, 1);
    tg_record rec;
    tg_record_of(&rec, m, r->topic);
    tg_route rt = { r->desc, call_reg, r, NULL, NULL, NULL, NULL, p->s.tombstones };
    if (tg_handle_skip(&rt, &rec, p->metrics))
        return;                    /* its offset commits with the transaction */
    char reason[256], path[256];
    for (int attempt = 1;; attempt++) {
        tg_msg_meta meta;
        tg_handler_fn fn = NULL;
        void *user = NULL;
        emitter_reset(&p->out);
        if (tg_handle_prepare(&p->dc, &rt, &rec, attempt, p->s.schema_check, p->dc.slot, &meta,
                              &fn, &user, reason, sizeof reason, path, sizeof path)
            != TG_PREPARED_READY) {
            produce_dead_letter(p, r, m, reason, path, attempt - 1);
            return;
        }
        tg_result res = tg_handle_call(p->translate, p->translate_user, fn, user, p->dc.slot,
                                       &meta, p->metrics, NULL);
        switch (tg_handle_verdict(res, attempt, p->s.retry_max_attempts, reason,
                                  sizeof reason)) {
        case TG_VERDICT_DONE:
            produce_outputs(p, &meta);
            p->stats.processed++;
            tg_metrics_add(p->metrics, TG_M_PROCESSED, 1);
            return;
        case TG_VERDICT_RETRY:
            p->stats.retried++;
            tg_metrics_add(p->metrics, TG_M_RETRIED, 1);
            backoff(p, attempt);
            break;
        case TG_VERDICT_DEAD:
            emitter_reset(&p->out);
            produce_dead_letter(p, r, m, reason, "", attempt);
            return;
        }
    }
}
