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

#include "tg_buf_int.h"
#include "tg_dlq_int.h"
#include "tg_headers_int.h"

#define QUEUE_FULL_WAITS 600       /* x 100 ms: a full local queue, then fail */

/* ---- the emitter ---------------------------------------------------------- */

enum { EMIT_BUF_INITIAL = 1024 };

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
    if (tg_buf_reserve(&e->buf, &e->cap, e->len + n + 1, EMIT_BUF_INITIAL))
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
        if (tg_buf_reserve(&e->buf, &e->cap, e->len + need + 1, EMIT_BUF_INITIAL))
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
        if (tg_buf_reserve(&e->buf, &e->cap, e->len + need + 1, EMIT_BUF_INITIAL))
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

/* The msg_opaque of the processor's records: which kind a report is for. */
static char output_tag, letter_tag;

/* Refused for what it is or for its topic (tg_dlq_fate_of's permanent
 * errors), as opposed to a transient failure (the transaction is retried)
 * or a producer that is unusable (the processor stops). */
static bool refused_for_good(rd_kafka_resp_err_t e)
{
    return tg_dlq_fate_of(e) != TG_DLQ_RETRY && e != RD_KAFKA_RESP_ERR__FATAL
           && e != RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED
           && e != RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED;
}

void tg_proc_on_delivery(void *user, const tg_delivery *d)
{
    tg_processor *p = user;
    if (!d->err || d->fatal || p->refusal.set
        || !refused_for_good((rd_kafka_resp_err_t)d->err))
        return;                    /* the first refusal is the one to blame */
    p->refusal.set = true;
    p->refusal.letter = d->msg_opaque == &letter_tag;
    p->refusal.err = (rd_kafka_resp_err_t)d->err;
    (void)snprintf(p->refusal.reason, sizeof p->refusal.reason, "%s to '%.200s' refused: %s",
                   p->refusal.letter ? "dead letter" : "output", d->topic, d->error);
}

/* tg_producer_send_raw, waiting (bounded) while the local queue is full;
 * on failure *code is librdkafka's (err->cause: 0 when the enqueue failed
 * before librdkafka). */
static int send_raw(tg_processor *p, const tg_raw_record *r, rd_kafka_resp_err_t *code,
                    tg_error *err)
{
    tg_error local;
    if (!err)
        err = &local;
    for (int i = 0;; i++) {
        int rc = tg_producer_send_raw(p->producer, r, err);
        *code = rc ? (rd_kafka_resp_err_t)err->cause : RD_KAFKA_RESP_ERR_NO_ERROR;
        if (rc != TG_ERR_QUEUE_FULL || i >= QUEUE_FULL_WAITS)
            return rc;
        (void)tg_producer_poll(p->producer, 100);
    }
}

/* An enqueue failed with code: is the transaction to be aborted (librdkafka
 * knows it cannot commit: a delivery of it failed) rather than stopped? */
static bool txn_must_abort(tg_processor *p, rd_kafka_resp_err_t code)
{
    if (code != RD_KAFKA_RESP_ERR__STATE)
        return false;
    p->txn_broken = true;
    return true;
}

typedef enum outputs_res {
    OUTPUTS_DONE,          /* all produced into the transaction              */
    OUTPUTS_REFUSED,       /* the first one refused for good, none produced:
                              dead-letter the input with reason               */
    OUTPUTS_SUNK           /* the transaction cannot commit (txn_broken) or
                              the processor failed                           */
} outputs_res;

/* The outputs of a call that returned TG_OK, with the typed producer's
 * headers and, when the input has a valid traceparent, the trace continued
 * from the handler's span (in->span: same trace id, parent = that span), as
 * a consumer's handler does with tg_send_opts.trace.  A later output
 * refused for good sinks the transaction (the earlier ones are in it) and
 * dooms input m. */
static outputs_res produce_outputs(tg_processor *p, const rd_kafka_message_t *m,
                                   const char *in_topic, const tg_msg_meta *in, char *reason,
                                   size_t rcap)
{
    char tp[TG_TRACEPARENT_SIZE];
    size_t tpl = in->trace.valid ? tg_traceparent_format(&in->span, tp) : 0;
    bool trace = tpl != 0;
    for (size_t i = 0; i < p->out.n; i++) {
        const tg_proc_out *o = &p->out.outs[i];
        const char *buf = p->out.buf;
        char schema[300], version[16];
        tg_error err;
        rd_kafka_resp_err_t code;
        int sl = snprintf(schema, sizeof schema, "%s.%s", o->desc->schema, o->desc->name);
        int vl = snprintf(version, sizeof version, "%d", o->desc->version);
        tg_header hs[4] = { { "content-type", "application/json", 16 },
                            { TG_HDR_SCHEMA, schema, (size_t)sl },
                            { TG_HDR_SCHEMA_VERSION, version, (size_t)vl },
                            { TG_HDR_TRACEPARENT, tp, tpl } };
        tg_raw_record r = { buf + o->topic_off, TG_PARTITION_ANY,
                            o->key_len ? buf + o->key_off : NULL, o->key_len,
                            buf + o->value_off, o->value_len, NULL, hs, trace ? 4 : 3, 0,
                            &output_tag };
        if (send_raw(p, &r, &code, &err) == 0) {
            p->stats.emitted++;
            continue;
        }
        if (txn_must_abort(p, code))
            return OUTPUTS_SUNK;
        if (!refused_for_good(code)) {
            tg_proc_fatal(p, err.code, "producing an output to %s failed (%s): the open "
                          "transaction is aborted and the processor stops", r.topic,
                          err.message);
            return OUTPUTS_SUNK;
        }
        (void)snprintf(reason, rcap, "output to '%.200s' refused: %s", r.topic,
                       rd_kafka_err2str(code));
        if (i == 0)
            return OUTPUTS_REFUSED;
        tg_proc_doom(p, in_topic, m->partition, m->offset, reason, TG_DLQ_WHOLE);
        p->txn_broken = true;
        return OUTPUTS_SUNK;
    }
    return OUTPUTS_DONE;
}

/* Enqueue m's dead letter in shape, waiting (bounded) while the local
 * queue is full; librdkafka's code (0: queued). */
static rd_kafka_resp_err_t send_letter(tg_processor *p, const tg_dlq_letter *l, int shape,
                                       tg_error *err)
{
    tg_error local;
    if (!err)
        err = &local;
    for (int i = 0;; i++) {
        int rc = tg_dlq_send(p->producer, l, (tg_dlq_shape)shape,
                             (size_t)p->s.dlq_max_value_bytes, &letter_tag, err);
        if (rc == 0)
            return RD_KAFKA_RESP_ERR_NO_ERROR;
        if (rc != TG_ERR_QUEUE_FULL || i >= QUEUE_FULL_WAITS)
            return (rd_kafka_resp_err_t)err->cause;
        (void)tg_producer_poll(p->producer, 100);
    }
}

/* The dead letter of m, in the largest envelope from `shape` on that the
 * producer takes (its delivery report may still refuse it: see
 * tg_proc_on_delivery). */
static void produce_dead_letter(tg_processor *p, const tg_proc_reg *r,
                                const rd_kafka_message_t *m, const char *reason,
                                const char *path, int attempts, int shape)
{
    tg_dlq_letter l = tg_dlq_letter_of(m, r->dlq_topic, reason, path, attempts);
    tg_error err = {0};
    rd_kafka_resp_err_t code = RD_KAFKA_RESP_ERR__INVALID_ARG;
    for (; shape < TG_DLQ_N_SHAPES; shape++) {
        code = send_letter(p, &l, shape, &err);
        if (code == RD_KAFKA_RESP_ERR_NO_ERROR || tg_dlq_fate_of(code) != TG_DLQ_SHRINK)
            break;
    }
    if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (!txn_must_abort(p, code))
            tg_proc_fatal(p, err.code ? err.code : TG_ERR_KAFKA, "dead-lettering %s [%d] @%lld "
                          "to %s failed (%s): the open transaction is aborted and the "
                          "processor stops", r->topic, (int)m->partition, (long long)m->offset,
                          r->dlq_topic, err.message);
        return;
    }
    (void)snprintf(p->letter_reason, sizeof p->letter_reason, "%s", reason);
    p->letter_shape = shape;
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

/* Handler calls with retries, then the call's outputs or the input's dead
 * letter. */
static void run_handler(tg_processor *p, const tg_proc_reg *r, const rd_kafka_message_t *m,
                        const tg_route *rt, const tg_record *rec)
{
    char reason[TG_PROC_REASON_MAX], path[256];
    for (int attempt = 1;; attempt++) {
        tg_msg_meta meta;
        tg_handler_fn fn = NULL;
        void *user = NULL;
        emitter_reset(&p->out);
        if (tg_handle_prepare(&p->dc, rt, rec, attempt, p->s.schema_check, p->dc.slot, &meta,
                              &fn, &user, reason, sizeof reason, path, sizeof path)
            != TG_PREPARED_READY) {
            produce_dead_letter(p, r, m, reason, path, attempt - 1, TG_DLQ_WHOLE);
            return;
        }
        tg_result res = tg_handle_call(p->translate, p->translate_user, fn, user, p->dc.slot,
                                       &meta, p->metrics, NULL);
        switch (tg_handle_verdict(res, attempt, p->s.retry_max_attempts, reason,
                                  sizeof reason)) {
        case TG_VERDICT_DONE:
            switch (produce_outputs(p, m, r->topic, &meta, reason, sizeof reason)) {
            case OUTPUTS_DONE:
                p->stats.processed++;
                tg_metrics_add(p->metrics, TG_M_PROCESSED, 1);
                break;
            case OUTPUTS_REFUSED:  /* as if the handler had rejected it */
                produce_dead_letter(p, r, m, reason, "", attempt, TG_DLQ_WHOLE);
                break;
            case OUTPUTS_SUNK:
                break;
            }
            return;
        case TG_VERDICT_RETRY:
            p->stats.retried++;
            tg_metrics_add(p->metrics, TG_M_RETRIED, 1);
            backoff(p, attempt);
            break;
        case TG_VERDICT_DEAD:
            emitter_reset(&p->out);
            produce_dead_letter(p, r, m, reason, "", attempt, TG_DLQ_WHOLE);
            return;
        }
    }
}

void tg_proc_handle(tg_processor *p, const rd_kafka_message_t *m)
{
    tg_proc_reg *r = tg_proc_find(p, rd_kafka_topic_name(m->rkt));
    if (!r)
        return;                    /* not ours (cannot happen) */
    /* An input of a solo range gets a transaction of its own: what is open
     * commits first (if that aborts, m is fetched again after the rewind). */
    bool solo = tg_proc_in_solo(p, r->topic, m->partition, m->offset);
    if ((solo && p->txn_open && tg_proc_commit(p, true) != 0) || tg_proc_begin(p) != 0)
        return;
    p->txn_solo = solo;
    tg_proc_note_first(p, r->topic, m->partition, m->offset);
    p->txn_inputs++;
    tg_metrics_add(p->metrics, TG_M_CONSUMED, 1);
    tg_record rec;
    tg_record_of(&rec, m, r->topic);
    tg_route rt = { r->desc, call_reg, r, NULL, NULL, NULL, NULL, p->s.tombstones };
    if (tg_proc_is_doomed(p, r->topic, m->partition, m->offset)) {
        produce_dead_letter(p, r, m, p->doomed.reason, "", 1, p->doomed.shape);
        p->doomed.used = !p->txn_broken && !p->failed;
    } else if (!tg_handle_skip(&rt, &rec, p->metrics)) { /* a skip commits its offset */
        run_handler(p, r, m, &rt, &rec);
    }
    if (solo)
        (void)tg_proc_commit(p, true);
}
