/* tg_consumer: the run loop, per-partition offset ordering, retries with
 * pause/seek, dead-lettering with confirmed delivery, rebalances (eager and
 * cooperative), batch mode and bounded shutdown.
 *
 * Core invariant: every accepted message sits in its partition's FIFO until
 * it is DONE (handler OK, or DLQ delivery confirmed); offsets are stored
 * only by pump(), which pops DONE messages from the head in order.  A
 * partition whose head needs a retry or a DLQ delivery is "blocked": it is
 * paused, messages librdkafka still returns for it are dropped, and when the
 * FIFO drains it is seeked back to next_offset and resumed (librdkafka
 * discards messages it fetched before a pause or seek: both bump the
 * partition's op version; next_offset also drops anything older).  Workload: a
 * handful of partitions per consumer, so lookups are linear scans.
 *
 * The circuit breaker (tg_breaker) sees handler outcomes; while it holds,
 * every partition is blocked the same way and refused messages wait as
 * H_RETRY without using up attempts.  Worker mode hands each held message
 * to a tg_workers lane as a job and applies the outcome when the job comes
 * back; the FIFO and pump() are unchanged, so the stored offset still never
 * passes an unfinished message, in whatever order the workers finish.  A
 * full window (topicgen.max.in.flight held messages) blocks every
 * partition. */
#define _POSIX_C_SOURCE 200809L
#include "tg_consumer.h"

#include "tg_breaker.h"
#include "tg_handle_int.h"
#include "tg_embedded.h"
#include "tg_workers_int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if ATOMIC_INT_LOCK_FREE != 2
#error "tg_consumer_stop needs a lock-free atomic int to be async-signal-safe"
#endif

#define SLOT_ALIGN TG_HANDLE_SLOT_ALIGN

typedef enum hstate {
    H_PENDING,   /* accepted, not yet handled (or in a collecting batch) */
    H_RETRY,     /* handler asked for a retry; due at part->due_ms       */
    H_DONE,      /* handled OK or DLQ confirmed: offset may be stored    */
    H_DLQ,       /* must be dead-lettered; not yet produced              */
    H_DLQ_SENT,  /* DLQ produce in flight                                */
    H_DLQ_WAIT   /* DLQ delivery failed; re-produce at part->due_ms      */
} hstate;

typedef struct held {
    rd_kafka_message_t *m;         /* owned                               */
    hstate state;
    int attempts;                  /* handler calls so far                */
    uint64_t token;                /* matches the DLQ delivery report     */
    struct job *job;               /* worker mode: its work item, or NULL */
    int64_t due_ms;                /* worker mode: when an H_RETRY is due */
    char reason[200];
    char path[128];
} held;

/* A decode context: struct slot, arena and error list (one per worker). */
typedef tg_hctx dctx;

typedef enum jkind { J_HANDLED, J_BAD, J_UNKNOWN_VARIANT } jkind;

/* Worker mode: one held message on its way through a worker.  Filled by
 * the consumer thread before submit, outcome fields by the worker; the
 * pool's lock orders the two. */
typedef struct job {
    tg_work w;                     /* first member                        */
    rd_kafka_message_t *m;         /* held's; owned only when orphan      */
    const struct reg *reg;
    int attempt;
    unsigned lane;
    bool running;                  /* submitted, not yet taken back       */
    bool stalls;                   /* its TG_RETRY stalls the lane        */
    bool orphan;                   /* partition dropped while it ran      */
    jkind kind;
    tg_result res;
    char reason[200];
    char path[128];
} job;

typedef struct reg {
    char *topic;
    char *dlq_topic;
    const tg_message_desc *desc;
    tg_handler_fn fn;
    void *user;
    tg_handler_fn *variant_fns;    /* desc->n_variants entries            */
    void **variant_users;
    tg_batch_fn batch_fn;
    void *batch_user;
} reg;

typedef struct part {
    char *topic;
    int32_t partition;
    reg *reg;
    held *q;                       /* FIFO, q[0] is the oldest            */
    size_t qn, qcap;
    int64_t due_ms;                /* for H_RETRY / H_DLQ_WAIT heads       */
    int64_t next_offset;           /* offset after the last accepted, -1  */
    bool blocked;                  /* paused by us                        */
} part;

struct tg_consumer {
    rd_kafka_t *rk;
    tg_producer *dlq;
    tg_embedded *embedded;         /* the shared embedded cluster held, or NULL */
    tg_settings s;
    tg_logger logger;
    tg_metrics *metrics;
    tg_translate_fn translate;
    void *translate_user;
    reg *regs;
    size_t n_regs;
    part *parts;
    size_t n_parts, cap_parts;
    unsigned char *slots;          /* decoded structs: 1 (or batch.size) slots */
    size_t slot_size, n_slots;
    dctx dc;                       /* inline and batch mode decoding      */
    tg_workers *workers;           /* worker mode (topicgen.workers > 0)  */
    rd_kafka_queue_t *cq;          /* consumer queue, yielded by workers  */
    job *jobs;                     /* topicgen.max.in.flight work items   */
    job **free_jobs;
    size_t n_free;
    dctx *wctx;                    /* one decode context per worker       */
    size_t in_flight;              /* held messages in all FIFOs          */
    size_t orphans;                /* jobs running for dropped partitions */
    tg_batch_item *batch;          /* batch mode: items being collected   */
    rd_kafka_message_t **batch_msgs;
    size_t batch_n;
    int64_t batch_deadline_ms;
    int batch_attempts;
    bool batch_waiting;
    int64_t batch_due_ms;
    tg_breaker breaker;            /* used when s.breaker_enable          */
    _Atomic int stop;
    bool subscribed, closed, dirty, fatal;
    int64_t next_commit_ms;
    uint64_t next_token;
    uint64_t rng;
    unsigned dlq_polls;            /* poll_dlq's call counter             */
};

/* ---- small helpers ------------------------------------------------------ */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static uint64_t next_random(tg_consumer *c)
{
    c->rng ^= c->rng << 13;
    c->rng ^= c->rng >> 7;
    c->rng ^= c->rng << 17;
    return c->rng;
}

static void logp(tg_consumer *c, tg_log_level lvl, const char *msg, const part *p,
                 int64_t offset, const char *extra_key, const char *extra)
{
    char ps[16], os[24];
    (void)snprintf(ps, sizeof ps, "%d", p ? (int)p->partition : -1);
    (void)snprintf(os, sizeof os, "%lld", (long long)offset);
    tg_log_kv kv[4] = { { "topic", p ? p->topic : "" }, { "partition", ps }, { "offset", os },
                        { extra_key, extra } };
    tg_log(&c->logger, lvl, "consumer", msg, kv, extra_key ? 4 : 3);
}

/* ---- registration ------------------------------------------------------- */

static reg *find_reg(tg_consumer *c, const char *topic)
{
    for (size_t i = 0; i < c->n_regs; i++)
        if (strcmp(c->regs[i].topic, topic) == 0)
            return &c->regs[i];
    return NULL;
}

static reg *new_reg(tg_consumer *c, const tg_message_desc *desc, const char *topic, tg_error *err)
{
    char dlq[512];
    if (c->subscribed) {
        tg_error_set(err, TG_ERR_STATE, "register handlers before the first poll");
        return NULL;
    }
    if (!desc || !desc->decode || !(topic || desc->topic)) {
        tg_error_set(err, TG_ERR_ARG, "descriptor needs decode and a topic");
        return NULL;
    }
    topic = topic ? topic : desc->topic;
    reg *r = realloc(c->regs, (c->n_regs + 1) * sizeof *r);
    if (!r) {
        tg_error_set(err, TG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    c->regs = r;
    r = &c->regs[c->n_regs];
    memset(r, 0, sizeof *r);
    /* The schema's dlq_topic belongs to the schema's topic: another topic
     * consumed with the same descriptor dead-letters to "<topic>.dlq". */
    bool own_topic = desc->topic && strcmp(topic, desc->topic) == 0;
    (void)snprintf(dlq, sizeof dlq, "%s.dlq", topic);
    r->topic = dup_str(topic);
    r->dlq_topic = dup_str(own_topic && desc->dlq_topic ? desc->dlq_topic : dlq);
    r->desc = desc;
    if (!r->topic || !r->dlq_topic) {
        free(r->topic);
        free(r->dlq_topic);
        tg_error_set(err, TG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    c->n_regs++;
    return r;
}

static bool batch_mode(const tg_consumer *c)
{
    return c->n_regs == 1 && c->regs[0].batch_fn != NULL;
}

int tg_consumer_add(tg_consumer *c, const tg_message_desc *desc, const char *topic,
                    tg_handler_fn fn, void *user, tg_error *err)
{
    if (!c || !fn)
        return tg_error_set(err, TG_ERR_ARG, "tg_consumer_add: NULL consumer or handler");
    if (find_reg(c, topic ? topic : (desc && desc->topic ? desc->topic : "")) || batch_mode(c))
        return tg_error_set(err, TG_ERR_STATE, "topic already registered (or batch mode)");
    reg *r = new_reg(c, desc, topic, err);
    if (!r)
        return err ? err->code : TG_ERR_ARG;
    r->fn = fn;
    r->user = user;
    return 0;
}

static int alloc_variants(reg *r, tg_error *err)
{
    size_t n = r->desc->n_variants;
    r->variant_fns = calloc(n, sizeof *r->variant_fns);
    r->variant_users = calloc(n, sizeof *r->variant_users);
    if (!r->variant_fns || !r->variant_users)
        return tg_error_set(err, TG_ERR_NOMEM, "out of memory");
    return 0;
}

int tg_consumer_add_variant(tg_consumer *c, const tg_message_desc *desc, const char *topic,
                            size_t index, tg_handler_fn fn, void *user, tg_error *err)
{
    if (!c || !desc || !desc->variant || index >= desc->n_variants)
        return tg_error_set(err, TG_ERR_ARG, "tg_consumer_add_variant: not a union variant");
    reg *r = find_reg(c, topic ? topic : (desc->topic ? desc->topic : ""));
    if (r && (r->desc != desc || !r->variant_fns))
        return tg_error_set(err, TG_ERR_STATE, "topic already registered for another handler");
    if (!r) {
        if (batch_mode(c) || !(r = new_reg(c, desc, topic, err)))
            return tg_error_set(err, TG_ERR_STATE, "cannot register variant");
        if (alloc_variants(r, err))
            return TG_ERR_NOMEM;
    }
    r->variant_fns[index] = fn;
    r->variant_users[index] = user;
    return 0;
}

int tg_consumer_add_batch(tg_consumer *c, const tg_message_desc *desc, const char *topic,
                          tg_batch_fn fn, void *user, tg_error *err)
{
    if (!c || !fn)
        return tg_error_set(err, TG_ERR_ARG, "tg_consumer_add_batch: NULL consumer or handler");
    if (c->n_regs)
        return tg_error_set(err, TG_ERR_STATE, "batch mode serves exactly one registration");
    reg *r = new_reg(c, desc, topic, err);
    if (!r)
        return err ? err->code : TG_ERR_ARG;
    r->batch_fn = fn;
    r->batch_user = user;
    return 0;
}

/* ---- partitions --------------------------------------------------------- */

static part *find_part(tg_consumer *c, const char *topic, int32_t partition)
{
    for (size_t i = 0; i < c->n_parts; i++)
        if (c->parts[i].partition == partition && strcmp(c->parts[i].topic, topic) == 0)
            return &c->parts[i];
    return NULL;
}

static part *add_part(tg_consumer *c, const char *topic, int32_t partition)
{
    part *p = find_part(c, topic, partition);
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
    if (!(p->topic = dup_str(topic)))
        return NULL;
    p->partition = partition;
    p->reg = find_reg(c, topic);
    p->next_offset = -1;
    c->n_parts++;
    return p;
}

static void batch_forget(tg_consumer *c, const rd_kafka_message_t *m);

static void release_job(tg_consumer *c, held *h);

static void drop_part(tg_consumer *c, part *p)
{
    c->in_flight -= p->qn;
    for (size_t i = 0; i < p->qn; i++) {
        held *h = &p->q[i];
        if (h->job && h->job->running) {
            h->job->orphan = true;       /* still on a worker: it frees m */
            c->orphans++;
            continue;
        }
        if (h->job)
            release_job(c, h);
        batch_forget(c, h->m);
        rd_kafka_message_destroy(h->m);
    }
    free(p->q);
    free(p->topic);
    part *last = &c->parts[--c->n_parts];
    if (p != last)
        *p = *last;
}

static int set_paused(tg_consumer *c, part *p, bool pause)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, p->topic, p->partition);
    rd_kafka_resp_err_t e = pause ? rd_kafka_pause_partitions(c->rk, l)
                                  : rd_kafka_resume_partitions(c->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    return (int)e;
}

static void seek_to(tg_consumer *c, part *p, int64_t offset)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, p->topic, p->partition)->offset = offset;
    rd_kafka_error_t *e = rd_kafka_seek_partitions(c->rk, l, 0);
    if (e) {
        logp(c, TG_LOG_WARN, "seek failed", p, offset, "error", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
    }
    rd_kafka_topic_partition_list_destroy(l);
}

static void block(tg_consumer *c, part *p)
{
    if (p->blocked)
        return;
    p->blocked = true;
    (void)set_paused(c, p, true);
}

static void unblock(tg_consumer *c, part *p)
{
    if (!p->blocked)
        return;
    p->blocked = false;
    if (p->next_offset >= 0)
        seek_to(c, p, p->next_offset);
    (void)set_paused(c, p, false);
}

static int push_held(part *p, rd_kafka_message_t *m)
{
    if (p->qn == p->qcap) {
        size_t n = p->qcap ? p->qcap * 2 : 4;
        held *nq = realloc(p->q, n * sizeof *nq);
        if (!nq)
            return -1;
        p->q = nq;
        p->qcap = n;
    }
    memset(&p->q[p->qn], 0, sizeof p->q[0]);
    p->q[p->qn].m = m;
    p->q[p->qn].state = H_PENDING;
    p->qn++;
    return 0;
}

static held *find_held(part *p, const rd_kafka_message_t *m)
{
    for (size_t i = 0; i < p->qn; i++)
        if (p->q[i].m == m)
            return &p->q[i];
    return NULL;
}

/* ---- circuit breaker ---------------------------------------------------- */

static void block_all(tg_consumer *c);

static void breaker_init(tg_consumer *c)
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
        block_all(c);
}

/* May a handler run now?  (Always, with the breaker off.) */
static bool breaker_allow(tg_consumer *c)
{
    if (!c->s.breaker_enable)
        return true;
    tg_breaker_state before = c->breaker.state;
    uint64_t opens = c->breaker.opened_count;
    bool ok = tg_breaker_allow(&c->breaker, now_ms());
    breaker_changed(c, before, opens);
    return ok;
}

/* Record an outcome: TG_OK success, TG_RETRY failure, TG_REJECT no verdict. */
static void breaker_record(tg_consumer *c, tg_result r)
{
    if (!c->s.breaker_enable)
        return;
    tg_breaker_state before = c->breaker.state;
    uint64_t opens = c->breaker.opened_count;
    if (r == TG_REJECT)
        tg_breaker_release(&c->breaker);
    else
        (void)tg_breaker_record(&c->breaker, r == TG_OK, now_ms());
    breaker_changed(c, before, opens);
}

/* True while the breaker is not closed: failures are the outage's. */
static bool breaker_tripped(const tg_consumer *c)
{
    return c->s.breaker_enable && c->breaker.state != TG_BREAKER_CLOSED;
}

/* True while nothing may be fetched: open within the cool-down, or a
 * half-open probe is running. */
static bool breaker_holds(const tg_consumer *c)
{
    const tg_breaker *b = &c->breaker;
    if (!c->s.breaker_enable)
        return false;
    if (b->state == TG_BREAKER_OPEN)
        return now_ms() - b->opened_at_ms < (int64_t)b->config.cooldown_ms;
    return b->state == TG_BREAKER_HALF_OPEN && b->probe_running;
}

/* When a message refused by (or failed during) an outage is tried again. */
static int64_t breaker_due(const tg_consumer *c)
{
    const tg_breaker *b = &c->breaker;
    int64_t t = now_ms();
    if (b->state == TG_BREAKER_OPEN && b->opened_at_ms + (int64_t)b->config.cooldown_ms > t)
        return b->opened_at_ms + (int64_t)b->config.cooldown_ms;
    return t + 20;
}

/* ---- dead-lettering ----------------------------------------------------- */

static void mark_dlq(held *h, const char *reason, const char *path)
{
    h->state = H_DLQ;
    (void)snprintf(h->reason, sizeof h->reason, "%s", reason);
    (void)snprintf(h->path, sizeof h->path, "%s", path ? path : "");
}

static void produce_dlq(tg_consumer *c, part *p, held *h)
{
    const rd_kafka_message_t *m = h->m;
    char part_s[16], off_s[24], ts_s[24], att_s[16];
    rd_kafka_headers_t *orig = NULL;
    tg_error err;
    (void)snprintf(part_s, sizeof part_s, "%d", (int)m->partition);
    (void)snprintf(off_s, sizeof off_s, "%lld", (long long)m->offset);
    (void)snprintf(ts_s, sizeof ts_s, "%lld", (long long)rd_kafka_message_timestamp(m, NULL));
    (void)snprintf(att_s, sizeof att_s, "%d", h->attempts);
    (void)rd_kafka_message_headers(m, &orig);
    tg_header hs[7] = {
        { "tg-dlq-reason", h->reason, strlen(h->reason) },
        { "tg-dlq-path", h->path, strlen(h->path) },
        { "tg-dlq-topic", p->topic, strlen(p->topic) },
        { "tg-dlq-partition", part_s, strlen(part_s) },
        { "tg-dlq-offset", off_s, strlen(off_s) },
        { "tg-dlq-timestamp", ts_s, strlen(ts_s) },
        { "tg-dlq-attempts", att_s, strlen(att_s) },
    };
    h->token = ++c->next_token;
    tg_raw_record r = { p->reg->dlq_topic, TG_PARTITION_ANY, m->key, m->key_len,
                        m->payload, m->len, orig, hs, 7, 0, (void *)(uintptr_t)h->token };
    if (tg_producer_send_raw(c->dlq, &r, &err) == 0) {
        h->state = H_DLQ_SENT;
        return;
    }
    logp(c, TG_LOG_WARN, "dead-letter produce failed, will retry", p, m->offset, "error",
         err.message);
    h->state = H_DLQ_WAIT;
    p->due_ms = now_ms() + c->s.dlq_retry_backoff_ms;
}

/* A blocked partition resumes once its FIFO drained, unless a batch retry,
 * the breaker or a full in-flight window holds every partition. */
static bool window_full(const tg_consumer *c)
{
    return c->workers && c->in_flight >= (size_t)c->s.max_in_flight;
}

static bool may_resume(const tg_consumer *c, const part *p)
{
    return p->qn == 0 && !c->batch_waiting && !breaker_holds(c) && !window_full(c);
}

/* Store offsets of DONE heads in order; start DLQ work; unblock when drained. */
static void pump(tg_consumer *c, part *p)
{
    while (p->qn > 0) {
        held *h = &p->q[0];
        if (h->state == H_DLQ) {
            block(c, p);
            produce_dlq(c, p, h);
            return;
        }
        if (h->state != H_DONE)
            return;
        rd_kafka_resp_err_t e = rd_kafka_offset_store(h->m->rkt, h->m->partition, h->m->offset);
        if (e)
            logp(c, TG_LOG_WARN, "offset store failed", p, h->m->offset, "error",
                 rd_kafka_err2str(e));
        c->dirty = true;
        rd_kafka_message_destroy(h->m);
        memmove(&p->q[0], &p->q[1], (p->qn - 1) * sizeof p->q[0]);
        p->qn--;
        c->in_flight--;
    }
    if (may_resume(c, p))
        unblock(c, p);
}

static part *find_part_by_token(tg_consumer *c, uint64_t token)
{
    for (size_t i = 0; i < c->n_parts; i++)
        if (c->parts[i].qn && c->parts[i].q[0].state == H_DLQ_SENT
            && c->parts[i].q[0].token == token)
            return &c->parts[i];
    return NULL;
}

static void on_dlq_delivery(void *user, const tg_delivery *d)
{
    tg_consumer *c = user;
    part *p = find_part_by_token(c, (uint64_t)(uintptr_t)d->msg_opaque);
    if (!p)
        return; /* partition revoked meanwhile: the new owner re-handles it */
    held *h = &p->q[0];
    if (d->err == 0) {
        tg_metrics_add(c->metrics, TG_M_DEAD_LETTERED, 1);
        logp(c, TG_LOG_WARN, "dead-lettered", p, h->m->offset, "reason", h->reason);
        h->state = H_DONE;
        pump(c, p);
        return;
    }
    logp(c, TG_LOG_ERROR, "dead-letter delivery failed, offset not stored, will retry", p,
         h->m->offset, "error", d->error);
    h->state = H_DLQ_WAIT;
    p->due_ms = now_ms() + c->s.dlq_retry_backoff_ms;
}

/* ---- decoding and handling ---------------------------------------------- */

static void arena_reset(tg_consumer *c)
{
    tg_arena_reset(&c->dc.arena);
}

/* Allocate d's arena (and a slot of slot_size bytes unless 0). */
static int dctx_init(dctx *d, const tg_settings *s, size_t slot_size)
{
    return tg_hctx_init(d, s, slot_size);
}

static void dctx_free(dctx *d)
{
    tg_hctx_free(d);
}

/* The handlers of r, as the handling unit (tg_handle) takes them. */
static tg_route route_of(const reg *r)
{
    tg_route rt = { r->desc, r->fn, r->user, r->variant_fns, r->variant_users };
    return rt;
}

/* Exponential backoff with jitter: uniform in [d/2, d], d = base * 2^(n-1) capped. */
static int64_t retry_delay(tg_consumer *c, int attempts)
{
    int64_t delay = c->s.retry_backoff_ms;
    for (int i = 1; i < attempts && delay < c->s.retry_backoff_max_ms; i++)
        delay *= 2;
    if (delay > c->s.retry_backoff_max_ms)
        delay = c->s.retry_backoff_max_ms;
    int64_t half = delay / 2;
    return half + (int64_t)(next_random(c) % (uint64_t)(delay - half + 1));
}

/* The breaker refused (or tripped on) h: try again after the cool-down. */
static void hold_for_breaker(tg_consumer *c, part *p, held *h)
{
    h->state = H_RETRY;
    p->due_ms = h->due_ms = breaker_due(c);
    block(c, p);
}

static void schedule_retry(tg_consumer *c, part *p, held *h)
{
    h->state = H_RETRY;
    p->due_ms = h->due_ms = now_ms() + retry_delay(c, h->attempts);
    block(c, p);
}

/* Apply a handler/translator result to h (without pumping). */
static void settle_state(tg_consumer *c, part *p, held *h, tg_result r)
{
    breaker_record(c, r);
    if (r == TG_RETRY && breaker_tripped(c)) {
        /* The outage's failure, not the message's: keep it, with at least
         * one attempt left for after the breaker closes. */
        if (h->attempts >= c->s.retry_max_attempts)
            h->attempts = c->s.retry_max_attempts - 1;
        hold_for_breaker(c, p, h);
        return;
    }
    switch (tg_handle_verdict(r, h->attempts, c->s.retry_max_attempts, h->reason,
                              sizeof h->reason)) {
    case TG_VERDICT_DONE:
        h->state = H_DONE;
        tg_metrics_add(c->metrics, TG_M_PROCESSED, 1);
        break;
    case TG_VERDICT_RETRY:
        logp(c, TG_LOG_INFO, "handler asked for retry", p, h->m->offset, NULL, NULL);
        schedule_retry(c, p, h);
        break;
    case TG_VERDICT_DEAD:
        h->state = H_DLQ;          /* the verdict wrote the reason */
        h->path[0] = '\0';
        break;
    }
}

static void settle(tg_consumer *c, part *p, held *h, tg_result r)
{
    settle_state(c, p, h, r);
    pump(c, p);
}

/* Hand one held message through the handling unit (tg_handle: schema check,
 * decode, variant, translator, handler) and apply the outcome. */
static void handle_one(tg_consumer *c, part *p, held *h)
{
    tg_msg_meta meta;
    tg_record rec;
    tg_handler_fn fn = NULL;
    void *user = NULL;
    tg_route rt = route_of(p->reg);
    tg_record_of(&rec, h->m, p->topic);
    if (tg_handle_prepare(&c->dc, &rt, &rec, h->attempts + 1, c->s.schema_check, c->slots,
                          &meta, &fn, &user, h->reason, sizeof h->reason, h->path,
                          sizeof h->path) != TG_PREPARED_READY) {
        h->state = H_DLQ;          /* reason and path written */
        pump(c, p);
        return;
    }
    if (!breaker_allow(c)) {
        hold_for_breaker(c, p, h);
        return;
    }
    if (h->attempts > 0)
        tg_metrics_add(c->metrics, TG_M_RETRIED, 1);
    h->attempts++;
    settle(c, p, h, tg_handle_call(c->translate, c->translate_user, fn, user, c->slots, &meta,
                                   c->metrics, NULL));
}

/* ---- worker mode -------------------------------------------------------- */

static uint32_t fnv1a(uint32_t h, const void *data, size_t n)
{
    const unsigned char *b = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

/* Same key (keyless: same partition) or same partition -> same lane. */
static unsigned lane_of(const tg_consumer *c, const part *p, const rd_kafka_message_t *m)
{
    uint32_t h = 2166136261u;
    if (c->s.ordering == TG_ORDER_KEY && m->key && m->key_len)
        return fnv1a(h, m->key, m->key_len);
    h = fnv1a(h, p->topic, strlen(p->topic));
    return fnv1a(h, &p->partition, sizeof p->partition);
}

/* Give h's work item back to the pool (unstalling a lane it stalled). */
static void release_job(tg_consumer *c, held *h)
{
    job *j = h->job;
    if (j->stalls)
        tg_workers_unstall(c->workers, j->lane);
    j->stalls = false;
    c->free_jobs[c->n_free++] = j;
    h->job = NULL;
}

/* Hand h to its lane's worker, unless the breaker refuses. */
static void dispatch(tg_consumer *c, part *p, held *h)
{
    if (!breaker_allow(c)) {
        hold_for_breaker(c, p, h);
        return;
    }
    job *j = h->job;
    bool front = j && j->stalls;   /* the item that stalled its lane */
    if (!j && c->n_free == 0) {    /* all items busy (orphans): try soon */
        h->state = H_RETRY;
        p->due_ms = h->due_ms = now_ms() + 20;
        block(c, p);
        return;
    }
    if (!j) {
        j = h->job = c->free_jobs[--c->n_free];
        j->lane = lane_of(c, p, h->m);
    }
    if (h->attempts > 0)
        tg_metrics_add(c->metrics, TG_M_RETRIED, 1);
    j->m = h->m;
    j->reg = p->reg;
    j->attempt = h->attempts + 1;
    j->running = true;
    j->stalls = false;
    j->orphan = false;
    h->state = H_PENDING;
    tg_workers_submit(c->workers, &j->w, j->lane, front);
}

/* Worker thread: the handling unit, as handle_one.  Touches only j, the
 * worker's decode context and read-only consumer fields (plus atomic
 * metrics). */
static bool run_job(void *ctx, unsigned worker, tg_work *w)
{
    const tg_consumer *c = ctx;
    job *j = (job *)w;
    dctx *d = &c->wctx[worker];
    tg_msg_meta meta;
    tg_record rec;
    tg_handler_fn fn = NULL;
    void *user = NULL;
    tg_route rt = route_of(j->reg);
    tg_record_of(&rec, j->m, rd_kafka_topic_name(j->m->rkt));
    tg_prepared pr = tg_handle_prepare(d, &rt, &rec, j->attempt, c->s.schema_check, d->slot,
                                       &meta, &fn, &user, j->reason, sizeof j->reason, j->path,
                                       sizeof j->path);
    if (pr != TG_PREPARED_READY) {
        j->kind = pr == TG_PREPARED_BAD ? J_BAD : J_UNKNOWN_VARIANT;
        return false;
    }
    j->kind = J_HANDLED;
    j->res = tg_handle_call(c->translate, c->translate_user, fn, user, d->slot, &meta,
                            c->metrics, NULL);
    return j->res == TG_RETRY;
}

static void wake_poll(void *ctx)
{
    const tg_consumer *c = ctx;
    rd_kafka_queue_yield(c->cq);
}

/* Consumer thread: apply a finished item's outcome to its held message. */
static void finish_job(tg_consumer *c, job *j)
{
    j->running = false;
    j->stalls = j->kind == J_HANDLED && j->res == TG_RETRY;
    part *p = find_part(c, rd_kafka_topic_name(j->m->rkt), j->m->partition);
    held *h = p && !j->orphan ? find_held(p, j->m) : NULL;
    if (!h) {                      /* its partition was dropped meanwhile */
        held tmp = { .job = j };
        if (j->orphan)
            c->orphans--;
        rd_kafka_message_destroy(j->m);
        release_job(c, &tmp);
        return;
    }
    memcpy(h->reason, j->reason, sizeof h->reason);
    memcpy(h->path, j->path, sizeof h->path);
    if (j->kind == J_HANDLED) {
        h->attempts = j->attempt;
        settle_state(c, p, h, j->res);
    } else {
        breaker_record(c, TG_REJECT); /* no verdict on the dependency */
        h->state = H_DLQ;          /* reason and path came with the job */
    }
    if (h->state != H_RETRY)
        release_job(c, h);
    pump(c, p);
}

static void collect_done(tg_consumer *c)
{
    if (!c->workers)
        return;
    tg_work *w = tg_workers_take_done(c->workers);
    while (w) {
        tg_work *next = w->next;
        finish_job(c, (job *)w);
        w = next;
    }
}

static bool job_of_part(const tg_work *w, void *arg)
{
    const job *j = (const job *)w;
    const part *p = arg;
    return !p || (j->m->partition == p->partition
                  && strcmp(rd_kafka_topic_name(j->m->rkt), p->topic) == 0);
}

static bool part_running(const part *p)
{
    for (size_t i = 0; i < p->qn; i++)
        if (p->q[i].job && p->q[i].job->running)
            return true;
    return false;
}

static bool any_running(const tg_consumer *c, const part *only)
{
    for (size_t i = 0; i < c->n_parts; i++)
        if ((!only || &c->parts[i] == only) && part_running(&c->parts[i]))
            return true;
    return false;
}

/* Take back the not-yet-started items of p (NULL: of every partition) and
 * wait, until deadline, for the running ones; their outcomes are applied
 * (offsets stored) as they come.  Returns true if none is left running. */
static bool quiesce(tg_consumer *c, part *p, int64_t deadline)
{
    if (!c->workers)
        return true;
    tg_work *w = tg_workers_cancel(c->workers, job_of_part, p);
    while (w) {
        job *j = (job *)w;
        w = w->next;
        j->running = false;
        part *jp = find_part(c, rd_kafka_topic_name(j->m->rkt), j->m->partition);
        held *h = jp ? find_held(jp, j->m) : NULL;
        if (h)
            release_job(c, h);     /* stays H_PENDING: not stored, comes back */
    }
    collect_done(c);
    while (any_running(c, p) && now_ms() < deadline) {
        tg_workers_wait_done(c->workers, 50);
        collect_done(c);
    }
    return !any_running(c, p);
}

/* Due retries and breaker re-tries: any held message, not only heads. */
static void service_workers(tg_consumer *c, int64_t now)
{
    for (size_t i = 0; i < c->n_parts; i++) {
        part *p = &c->parts[i];
        for (size_t k = 0; k < p->qn; k++)
            if (p->q[k].state == H_RETRY && p->q[k].due_ms <= now)
                dispatch(c, p, &p->q[k]);
    }
}

static int start_workers(tg_consumer *c, tg_error *err)
{
    size_t n = (size_t)c->s.workers, m = (size_t)c->s.max_in_flight;
    c->jobs = calloc(m, sizeof *c->jobs);
    c->free_jobs = calloc(m, sizeof(job *));
    c->wctx = calloc(n, sizeof *c->wctx);
    if (!c->jobs || !c->free_jobs || !c->wctx)
        return tg_error_set(err, TG_ERR_NOMEM, "out of memory for worker mode");
    for (size_t i = 0; i < m; i++)
        c->free_jobs[i] = &c->jobs[i];
    c->n_free = m;
    for (size_t i = 0; i < n; i++)
        if (dctx_init(&c->wctx[i], &c->s, c->slot_size))
            return tg_error_set(err, TG_ERR_NOMEM, "out of memory for worker buffers");
    c->cq = rd_kafka_queue_get_consumer(c->rk);
    c->workers = tg_workers_new((unsigned)n, run_job, wake_poll, c, err);
    return c->workers ? 0 : (err ? err->code : TG_ERR_NOMEM);
}

/* Wait for orphaned items (a handler running for a dropped partition: the
 * thread uses the message), then join the threads. */
static void stop_workers(tg_consumer *c)
{
    while (c->workers && c->orphans) {
        tg_workers_wait_done(c->workers, 50);
        collect_done(c);
    }
    tg_workers_free(c->workers);
    c->workers = NULL;
    if (c->cq)
        rd_kafka_queue_destroy(c->cq);
    c->cq = NULL;
}

static void free_workers(tg_consumer *c)
{
    stop_workers(c);
    for (size_t i = 0; c->wctx && i < (size_t)c->s.workers; i++)
        dctx_free(&c->wctx[i]);
    free(c->wctx);
    free(c->jobs);
    free(c->free_jobs);
}

/* ---- batch mode --------------------------------------------------------- */

static void batch_forget(tg_consumer *c, const rd_kafka_message_t *m)
{
    for (size_t i = 0; i < c->batch_n; i++) {
        if (c->batch_msgs[i] != m)
            continue;
        size_t tail = c->batch_n - i - 1;
        memmove(&c->batch_msgs[i], &c->batch_msgs[i + 1], tail * sizeof(rd_kafka_message_t *));
        memmove(&c->batch[i], &c->batch[i + 1], tail * sizeof c->batch[0]);
        memmove(c->slots + i * c->slot_size, c->slots + (i + 1) * c->slot_size,
                tail * c->slot_size);
        c->batch_n--;
        for (size_t j = i; j < c->batch_n; j++)
            c->batch[j].msg = c->slots + j * c->slot_size;
        return;
    }
}

static void block_all(tg_consumer *c)
{
    for (size_t i = 0; i < c->n_parts; i++)
        block(c, &c->parts[i]);
}

static void pump_all(tg_consumer *c)
{
    for (size_t i = 0; i < c->n_parts; i++)
        pump(c, &c->parts[i]);
}

/* Mark every batch message with state (H_DONE or H_DLQ + reason). */
static void batch_settle(tg_consumer *c, hstate state, const char *reason)
{
    for (size_t i = 0; i < c->batch_n; i++) {
        part *p = find_part(c, c->batch[i].meta.topic, c->batch[i].meta.partition);
        held *h = p ? find_held(p, c->batch_msgs[i]) : NULL;
        if (!h)
            continue;
        h->attempts = c->batch_attempts;
        if (state == H_DLQ)
            mark_dlq(h, reason, "");
        else
            h->state = H_DONE;
    }
    if (state == H_DONE)
        tg_metrics_add(c->metrics, TG_M_PROCESSED, c->batch_n);
    c->batch_n = 0;
    c->batch_attempts = 0;
    c->batch_waiting = false;
    arena_reset(c);
    pump_all(c);
}

static void run_batch(tg_consumer *c)
{
    const reg *r = &c->regs[0];
    if (c->batch_n == 0)
        return;
    if (c->batch_attempts > 0)
        tg_metrics_add(c->metrics, TG_M_RETRIED, c->batch_n);
    c->batch_attempts++;
    for (size_t i = 0; i < c->batch_n; i++)
        c->batch[i].meta.attempt = c->batch_attempts;
    tg_batch b = { c->batch, c->batch_n };
    double t0 = now_s();
    tg_result res = r->batch_fn(r->batch_user, &b);
    tg_metrics_observe_latency(c->metrics, now_s() - t0);
    if (res == TG_OK) {
        batch_settle(c, H_DONE, NULL);
    } else if (res == TG_RETRY && c->batch_attempts < c->s.retry_max_attempts) {
        c->batch_due_ms = now_ms() + retry_delay(c, c->batch_attempts);
        c->batch_waiting = true;
        block_all(c);
    } else {
        batch_settle(c, H_DLQ, res == TG_REJECT ? "batch rejected by handler"
                                                : "retries exhausted");
    }
}

/* Add an accepted message to the collecting batch (or DLQ it if bad). */
static void batch_add(tg_consumer *c, part *p, held *h)
{
    const tg_message_desc *d = p->reg->desc;
    size_t i = c->batch_n;
    if (i == 0) {
        c->batch_deadline_ms = now_ms() + c->s.batch_timeout_ms;
        arena_reset(c);
    }
    tg_batch_item *it = &c->batch[i];
    tg_record rec;
    tg_record_of(&rec, h->m, p->topic);
    tg_handle_meta(&rec, d, 1, &it->meta);
    h->reason[0] = h->path[0] = '\0';
    if (!tg_handle_schema(&it->meta, c->s.schema_check, h->reason, sizeof h->reason)) {
        h->state = H_DLQ;
        pump(c, p);
        return;
    }
    tg_decode_res r = tg_handle_decode(&c->dc, d, rec.value, rec.len, c->slots + i * c->slot_size,
                                       h->reason, sizeof h->reason, h->path, sizeof h->path);
    if (r == TG_DECODE_ARENA_FULL) {           /* arena full: hand over what we have first */
        run_batch(c);
        if (c->batch_waiting) {        /* un-accept it: fetched again after the retry */
            p->next_offset = h->m->offset;
            rd_kafka_message_destroy(h->m);
            p->qn--;
            c->in_flight--;
            block(c, p);
            return;
        }
        batch_add(c, p, h);
        return;
    }
    if (r == TG_DECODE_BAD) {
        h->state = H_DLQ;
        pump(c, p);
        return;
    }
    it->msg = c->slots + i * c->slot_size;
    if (d->variant) {
        int v = d->variant(it->msg);
        if (v < 0 || (size_t)v >= d->n_variants) {
            mark_dlq(h, "unknown variant", "$");
            pump(c, p);
            return;
        }
        it->meta.variant = v;
    }
    c->batch_msgs[i] = h->m;
    c->batch_n++;
    if (c->batch_n >= c->n_slots)
        run_batch(c);
}

/* ---- the poll loop ------------------------------------------------------ */

static void accept_message(tg_consumer *c, rd_kafka_message_t *m)
{
    part *p = find_part(c, rd_kafka_topic_name(m->rkt), m->partition);
    if (!p || !p->reg || p->blocked || c->batch_waiting
        || (p->next_offset >= 0 && m->offset < p->next_offset)) {
        if (p && p->next_offset < 0)
            p->next_offset = m->offset;  /* seek back here on resume */
        if (p && c->batch_waiting)
            block(c, p);
        rd_kafka_message_destroy(m);     /* revoked, blocked or stale: comes back */
        return;
    }
    tg_metrics_add(c->metrics, TG_M_CONSUMED, 1);
    if (push_held(p, m)) {
        logp(c, TG_LOG_ERROR, "out of memory holding message", p, m->offset, NULL, NULL);
        p->next_offset = m->offset;
        block(c, p);
        rd_kafka_message_destroy(m);
        return;
    }
    c->in_flight++;
    p->next_offset = m->offset + 1;
    if (batch_mode(c))
        batch_add(c, p, &p->q[p->qn - 1]);
    else if (c->workers)
        dispatch(c, p, &p->q[p->qn - 1]);
    else
        handle_one(c, p, &p->q[p->qn - 1]);
    if (window_full(c))
        block_all(c);              /* back-pressure: nothing more is fetched */
}

static void service_due(tg_consumer *c)
{
    int64_t now = now_ms();
    collect_done(c);
    if (c->workers)
        service_workers(c, now);
    for (size_t i = 0; i < c->n_parts; i++) {
        part *p = &c->parts[i];
        if (p->blocked && may_resume(c, p))
            unblock(c, p); /* e.g. its batch vanished in a revoke, breaker closed */
        if (p->qn == 0 || p->due_ms > now)
            continue;
        if (p->q[0].state == H_RETRY && !c->workers)
            handle_one(c, p, &p->q[0]);
        else if (p->q[0].state == H_DLQ_WAIT) {
            p->q[0].state = H_DLQ;
            pump(c, p);
        }
    }
    if (c->batch_waiting ? c->batch_due_ms <= now : c->batch_n && c->batch_deadline_ms <= now)
        run_batch(c);
}

/* How long the next consumer poll may wait without missing a due time. */
static int wait_budget(tg_consumer *c, int timeout_ms)
{
    int64_t now = now_ms(), until = now + timeout_ms;
    for (size_t i = 0; i < c->n_parts; i++) {
        const part *p = &c->parts[i];
        if (p->qn && (p->q[0].state == H_RETRY || p->q[0].state == H_DLQ_WAIT)
            && p->due_ms < until)
            until = p->due_ms;
        for (size_t k = 0; c->workers && k < p->qn; k++)
            if (p->q[k].state == H_RETRY && p->q[k].due_ms < until)
                until = p->q[k].due_ms;
    }
    if (c->batch_waiting && c->batch_due_ms < until)
        until = c->batch_due_ms;
    if (!c->batch_waiting && c->batch_n && c->batch_deadline_ms < until)
        until = c->batch_deadline_ms;
    if (c->parts && until > now + 50) {
        for (size_t i = 0; i < c->n_parts; i++)
            if (c->parts[i].qn && c->parts[i].q[0].state == H_DLQ_SENT)
                until = now + 50;  /* keep serving DLQ delivery reports */
    }
    return until > now ? (int)(until - now) : 0;
}

typedef struct commit_wait { bool done; rd_kafka_resp_err_t err; } commit_wait;

static void on_commit_done(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
    commit_wait *w = opaque;
    (void)rk;
    (void)offsets;
    w->done = true;
    w->err = err;
}

/* Commit the stored offsets and wait for the result at most timeout_ms. */
static rd_kafka_resp_err_t commit_now(tg_consumer *c, int timeout_ms)
{
    commit_wait w = { false, RD_KAFKA_RESP_ERR_NO_ERROR };
    rd_kafka_queue_t *q = rd_kafka_queue_new(c->rk);
    rd_kafka_resp_err_t e = rd_kafka_commit_queue(c->rk, NULL, q, on_commit_done, &w);
    int64_t deadline = now_ms() + timeout_ms;
    while (!e && !w.done && now_ms() < deadline) {
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 100);
        if (ev && rd_kafka_event_type(ev) == RD_KAFKA_EVENT_OFFSET_COMMIT) {
            w.done = true;
            w.err = rd_kafka_event_error(ev);
        }
        if (ev)
            rd_kafka_event_destroy(ev);
    }
    rd_kafka_queue_destroy(q);
    if (!e)
        e = w.done ? w.err : RD_KAFKA_RESP_ERR__TIMED_OUT;
    if (!e) {
        c->dirty = false;
        tg_metrics_add(c->metrics, TG_M_COMMITS, 1);
    } else if (e != RD_KAFKA_RESP_ERR__NO_OFFSET) {
        tg_log_kv kv[1] = { { "error", rd_kafka_err2str(e) } };
        tg_log(&c->logger, TG_LOG_WARN, "consumer", "offset commit failed", kv, 1);
    }
    return e == RD_KAFKA_RESP_ERR__NO_OFFSET ? RD_KAFKA_RESP_ERR_NO_ERROR : e;
}

static void maybe_commit(tg_consumer *c)
{
    int64_t now = now_ms();
    if (now < c->next_commit_ms)
        return;
    c->next_commit_ms = now + c->s.commit_interval_ms;
    if (c->dirty) {
        c->dirty = false;
        (void)rd_kafka_commit(c->rk, NULL, 1);
    }
}

static int handle_poll_error(tg_consumer *c, rd_kafka_message_t *m, tg_error *err)
{
    int rc = 0;
    tg_log_kv kv[1] = { { "error", rd_kafka_message_errstr(m) } };
    if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
        tg_log(&c->logger, TG_LOG_WARN, "consumer", "consumer error", kv, 1);
    if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
        char buf[256];
        (void)rd_kafka_fatal_error(c->rk, buf, sizeof buf);
        c->fatal = true;
        rc = tg_error_set(err, TG_ERR_KAFKA, "fatal consumer error: %s", buf);
    }
    rd_kafka_message_destroy(m);
    return rc;
}

/* Serve the dead-letter producer's callbacks (delivery reports, errors):
 * on every call while it has messages in flight, else on idle polls and
 * every 64th call, so a busy consumer does not pay an empty rd_kafka_poll
 * (~350 instructions) for each message. */
static void poll_dlq(tg_consumer *c, bool idle)
{
    if (idle || tg_producer_in_flight(c->dlq) > 0 || ++c->dlq_polls % 64 == 0)
        (void)tg_producer_poll(c->dlq, 0);
}

int tg_consumer_poll(tg_consumer *c, int timeout_ms, tg_error *err)
{
    if (!c || c->closed)
        return tg_error_set(err, TG_ERR_STATE, "consumer closed");
    if (!c->subscribed && tg_consumer_subscribe(c, err))
        return err ? err->code : TG_ERR_KAFKA;
    poll_dlq(c, false);
    service_due(c);
    rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, wait_budget(c, timeout_ms));
    int rc = 0;
    if (m && m->err)
        rc = handle_poll_error(c, m, err);
    else if (m)
        accept_message(c, m);
    poll_dlq(c, m == NULL);
    service_due(c);
    maybe_commit(c);
    return c->fatal ? tg_error_set(err, TG_ERR_KAFKA, "consumer in fatal state") : rc;
}

/* ---- rebalancing -------------------------------------------------------- */

static void assign(tg_consumer *c, rd_kafka_topic_partition_list_t *l, bool cooperative)
{
    for (int i = 0; i < l->cnt; i++)
        if (!add_part(c, l->elems[i].topic, l->elems[i].partition))
            tg_log(&c->logger, TG_LOG_ERROR, "consumer", "out of memory on assign", NULL, 0);
    rd_kafka_error_t *e = NULL;
    if (cooperative)
        e = rd_kafka_incremental_assign(c->rk, l);
    else
        (void)rd_kafka_assign(c->rk, l);
    if (e)
        rd_kafka_error_destroy(e);
    char n[16];
    (void)snprintf(n, sizeof n, "%d", l->cnt);
    tg_log_kv kv[1] = { { "partitions", n } };
    tg_log(&c->logger, TG_LOG_INFO, "consumer", "partitions assigned", kv, 1);
}

static void revoke(tg_consumer *c, rd_kafka_topic_partition_list_t *l, bool cooperative)
{
    /* Always commit (not only when dirty): an earlier async commit may have
     * failed without its callback being served yet. */
    int64_t deadline = now_ms() + c->s.shutdown_timeout_ms;
    for (int i = 0; c->workers && i < l->cnt; i++) {
        part *p = find_part(c, l->elems[i].topic, l->elems[i].partition);
        if (p && !quiesce(c, p, deadline))
            logp(c, TG_LOG_WARN, "revoked partition still has handlers running", p, -1, NULL,
                 NULL);
    }
    if (!rd_kafka_assignment_lost(c->rk))
        (void)commit_now(c, c->s.shutdown_timeout_ms);
    for (int i = 0; i < l->cnt; i++) {
        part *p = find_part(c, l->elems[i].topic, l->elems[i].partition);
        if (p)
            drop_part(c, p);
    }
    if (c->batch_n == 0)
        c->batch_waiting = false;
    if (cooperative) {
        rd_kafka_error_t *e = rd_kafka_incremental_unassign(c->rk, l);
        if (e)
            rd_kafka_error_destroy(e);
    } else {
        (void)rd_kafka_assign(c->rk, NULL);
    }
    char n[16];
    (void)snprintf(n, sizeof n, "%d", l->cnt);
    tg_log_kv kv[1] = { { "partitions", n } };
    tg_log(&c->logger, TG_LOG_INFO, "consumer", "partitions revoked", kv, 1);
}

static void rebalance(tg_consumer *c, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *l)
{
    bool coop = strcmp(rd_kafka_rebalance_protocol(c->rk), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
        assign(c, l, coop);
    else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
        revoke(c, l, coop);
    else {
        tg_log_kv kv[1] = { { "error", rd_kafka_err2str(err) } };
        tg_log(&c->logger, TG_LOG_ERROR, "consumer", "rebalance error", kv, 1);
        revoke(c, l, coop);
    }
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *l, void *opaque)
{
    (void)rk;
    rebalance(opaque, err, l);
}

static void on_commit(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t *offsets, void *opaque)
{
    tg_consumer *c = opaque;
    (void)rk;
    (void)offsets;
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
        tg_metrics_add(c->metrics, TG_M_COMMITS, 1);
    else if (err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
        tg_log_kv kv[1] = { { "error", rd_kafka_err2str(err) } };
        tg_log(&c->logger, TG_LOG_WARN, "consumer", "offset commit failed", kv, 1);
        c->dirty = true; /* try again at the next interval */
    }
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    tg_consumer *c = rd_kafka_opaque(rk);
    if (c)
        tg_log_rdkafka(&c->logger, level, fac, buf, rd_kafka_name(rk));
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    tg_consumer *c = opaque;
    tg_log_kv kv[1] = { { "error", rd_kafka_err2name((rd_kafka_resp_err_t)err) } };
    (void)rk;
    if (err == RD_KAFKA_RESP_ERR__FATAL)
        c->fatal = true;
    tg_log(&c->logger, c->fatal ? TG_LOG_ERROR : TG_LOG_WARN, "consumer", reason, kv, 1);
}

static int on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
    tg_consumer *c = opaque;
    (void)rk;
    (void)tg_metrics_update_lag_from_stats(c->metrics, json, len);
    return 0; /* librdkafka frees json */
}

/* ---- life cycle ----------------------------------------------------------- */

static int make_dlq_producer(tg_consumer *c, const tg_config *conf, const tg_consumer_opts *o,
                             tg_error *err)
{
    tg_config *derived = NULL;
    const tg_config *pc = o && o->dlq_config ? o->dlq_config : NULL;
    if (!pc && !(pc = derived = tg_config_derive_producer(conf, err)))
        return err ? err->code : TG_ERR_CONFIG;
    tg_producer_opts po = { on_dlq_delivery, c, &c->logger, c->metrics };
    c->dlq = tg_producer_new(pc, &po, err);
    tg_config_free(derived);
    return c->dlq ? 0 : (err ? err->code : TG_ERR_KAFKA);
}

static int make_rdkafka(tg_consumer *c, const tg_config *conf, tg_error *err)
{
    char errstr[512], group[256];
    if (tg_config_get(conf, "group.id", group, sizeof group, NULL) || group[0] == '\0')
        return tg_error_set(err, TG_ERR_CONFIG, "property 'group.id' is required for a consumer");
    rd_kafka_conf_t *rc = tg_config_rdkafka_dup(conf);
    if (!rc)
        return tg_error_set(err, TG_ERR_NOMEM, "out of memory");
    int rrc = tg_embedded_resolve(rc, &c->embedded, err); /* no bootstrap: fail now */
    if (rrc) {
        rd_kafka_conf_destroy(rc);
        return rrc;
    }
    rd_kafka_conf_set_opaque(rc, c);
    rd_kafka_conf_set_rebalance_cb(rc, on_rebalance);
    rd_kafka_conf_set_offset_commit_cb(rc, on_commit);
    rd_kafka_conf_set_log_cb(rc, on_log);
    rd_kafka_conf_set_error_cb(rc, on_error);
    rd_kafka_conf_set_stats_cb(rc, on_stats);
    c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, rc, errstr, sizeof errstr);
    if (!c->rk) {
        rd_kafka_conf_destroy(rc);
        return tg_error_set(err, TG_ERR_KAFKA, "rd_kafka_new (consumer): %s", errstr);
    }
    rd_kafka_poll_set_consumer(c->rk);
    return 0;
}

tg_consumer *tg_consumer_new(const tg_config *conf, const tg_consumer_opts *opts, tg_error *err)
{
    if (!conf || tg_config_role_of(conf) != TG_CONFIG_CONSUMER) {
        tg_error_set(err, TG_ERR_ARG, "tg_consumer_new: need a TG_CONFIG_CONSUMER config");
        return NULL;
    }
    tg_consumer *c = calloc(1, sizeof *c);
    if (!c) {
        tg_error_set(err, TG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    c->s = *tg_config_settings(conf);
    c->logger = opts && opts->logger ? *opts->logger : tg_logger_default();
    c->metrics = opts ? opts->metrics : NULL;
    c->translate = opts ? opts->translate : NULL;
    c->translate_user = opts ? opts->translate_user : NULL;
    c->rng = (uint64_t)now_ms() ^ (uint64_t)(uintptr_t)c ^ 0x9e3779b97f4a7c15u;
    atomic_init(&c->stop, 0);
    breaker_init(c);
    if (make_rdkafka(c, conf, err) || make_dlq_producer(c, conf, opts, err)) {
        tg_consumer_free(c);
        return NULL;
    }
    return c;
}

/* Buffers sized from the registrations and the config, allocated once. */
static int alloc_buffers(tg_consumer *c, tg_error *err)
{
    size_t max = 1;
    for (size_t i = 0; i < c->n_regs; i++)
        if (c->regs[i].desc->struct_size > max)
            max = c->regs[i].desc->struct_size;
    c->slot_size = (max + SLOT_ALIGN - 1) / SLOT_ALIGN * SLOT_ALIGN;
    c->n_slots = batch_mode(c) ? (size_t)c->s.batch_size : 1;
    c->slots = aligned_alloc(SLOT_ALIGN, c->slot_size * c->n_slots);
    size_t arena_cap = (size_t)c->s.arena_bytes;
    (void)arena_cap;
    int dc_rc = dctx_init(&c->dc, &c->s, 0);
    if (batch_mode(c)) {
        c->batch = calloc(c->n_slots, sizeof *c->batch);
        c->batch_msgs = calloc(c->n_slots, sizeof(rd_kafka_message_t *));
    }
    if (!c->slots || dc_rc || (batch_mode(c) && (!c->batch || !c->batch_msgs)))
        return tg_error_set(err, TG_ERR_NOMEM, "out of memory for decode buffers");
    return 0;
}

int tg_consumer_subscribe(tg_consumer *c, tg_error *err)
{
    if (!c || c->n_regs == 0)
        return tg_error_set(err, TG_ERR_STATE, "no handlers registered");
    if (c->subscribed)
        return 0;
    if (alloc_buffers(c, err))
        return TG_ERR_NOMEM;
    if (c->s.workers > 0 && !batch_mode(c) && start_workers(c, err))
        return err ? err->code : TG_ERR_NOMEM;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)c->n_regs);
    for (size_t i = 0; i < c->n_regs; i++)
        rd_kafka_topic_partition_list_add(l, c->regs[i].topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(c->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e)
        return tg_error_set(err, TG_ERR_KAFKA, "subscribe: %s", rd_kafka_err2str(e));
    c->subscribed = true;
    c->next_commit_ms = now_ms() + c->s.commit_interval_ms;
    return 0;
}

void tg_consumer_stop(tg_consumer *c)
{
    if (c)
        atomic_store(&c->stop, 1);
}

bool tg_consumer_stopping(const tg_consumer *c)
{
    return c && atomic_load(&((tg_consumer *)(uintptr_t)c)->stop) != 0;
}

int tg_consumer_run(tg_consumer *c, tg_error *err)
{
    int rc = 0;
    if (!c)
        return tg_error_set(err, TG_ERR_ARG, "NULL consumer");
    while (rc == 0 && !tg_consumer_stopping(c))
        rc = tg_consumer_poll(c, c->s.poll_timeout_ms, err);
    tg_error close_err;
    int crc = tg_consumer_close(c, &close_err);
    if (rc == 0 && crc != 0) {
        if (err)
            *err = close_err;
        rc = crc;
    }
    return rc;
}

static bool dlq_in_flight(const tg_consumer *c)
{
    for (size_t i = 0; i < c->n_parts; i++)
        if (c->parts[i].qn && c->parts[i].q[0].state == H_DLQ_SENT)
            return true;
    return false;
}

/* Let confirmed DLQ deliveries store their offsets before we commit. */
static void drain_dlq(tg_consumer *c, int64_t deadline)
{
    if (c->batch_n && !c->batch_waiting)
        run_batch(c);
    while (dlq_in_flight(c) && now_ms() < deadline)
        (void)tg_producer_poll(c->dlq, 50);
}

static bool close_group(tg_consumer *c, int64_t deadline)
{
    rd_kafka_queue_t *q = rd_kafka_queue_new(c->rk);
    rd_kafka_error_t *e = rd_kafka_consumer_close_queue(c->rk, q);
    if (e)
        rd_kafka_error_destroy(e);
    while (!rd_kafka_consumer_closed(c->rk) && now_ms() < deadline) {
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 100);
        if (ev && rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE)
            rebalance(c, rd_kafka_event_error(ev), rd_kafka_event_topic_partition_list(ev));
        if (ev)
            rd_kafka_event_destroy(ev);
    }
    bool closed = rd_kafka_consumer_closed(c->rk) != 0;
    rd_kafka_queue_destroy(q);
    return closed;
}

int tg_consumer_close(tg_consumer *c, tg_error *err)
{
    if (!c || c->closed)
        return 0;
    c->closed = true;
    int64_t deadline = now_ms() + c->s.shutdown_timeout_ms;
    if (c->subscribed && !quiesce(c, NULL, deadline))
        tg_log(&c->logger, TG_LOG_WARN, "consumer", "handlers still running at close", NULL, 0);
    if (c->subscribed)
        drain_dlq(c, deadline);
    if (c->subscribed && !c->fatal) {
        int64_t left = deadline - now_ms();
        (void)commit_now(c, left > 0 ? (int)left : 0);
    }
    bool closed = close_group(c, deadline);
    (void)quiesce(c, NULL, deadline);
    while (c->n_parts)
        drop_part(c, &c->parts[c->n_parts - 1]); /* the last: nothing moves */
    stop_workers(c);               /* joins; an orphan still running is waited for */
    int64_t left = deadline - now_ms();
    size_t undelivered = 0;
    (void)tg_producer_close(c->dlq, left > 0 ? (int)left : 0, &undelivered);
    c->dlq = NULL;
    tg_log(&c->logger, TG_LOG_INFO, "consumer", closed ? "closed" : "close timed out", NULL, 0);
    if (!closed)
        return tg_error_set(err, TG_ERR_TIMEOUT, "consumer close did not finish within %d ms",
                            c->s.shutdown_timeout_ms);
    return 0;
}

void tg_consumer_free(tg_consumer *c)
{
    if (!c)
        return;
    if (c->rk) {
        (void)tg_consumer_close(c, NULL); /* bounded; destroy must not close again */
        rd_kafka_destroy_flags(c->rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    }
    if (c->dlq)
        (void)tg_producer_close(c->dlq, 0, NULL);
    for (size_t i = 0; i < c->n_regs; i++) {
        free(c->regs[i].topic);
        free(c->regs[i].dlq_topic);
        free(c->regs[i].variant_fns);
        free(c->regs[i].variant_users);
    }
    free(c->regs);
    free(c->parts);
    free(c->slots);
    dctx_free(&c->dc);
    free_workers(c);
    free(c->batch);
    free(c->batch_msgs);
    tg_embedded_release(c->embedded); /* every client of it is destroyed by now */
    free(c);
}

/* ---- offsets ---------------------------------------------------------------- */

int tg_consumer_commit(tg_consumer *c, bool async, tg_error *err)
{
    if (!c || c->closed)
        return tg_error_set(err, TG_ERR_STATE, "consumer closed");
    rd_kafka_resp_err_t e = async ? rd_kafka_commit(c->rk, NULL, 1)
                                  : commit_now(c, c->s.shutdown_timeout_ms);
    if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET)
        return tg_error_set(err, TG_ERR_KAFKA, "commit: %s", rd_kafka_err2str(e));
    if (async)
        c->dirty = false;
    return 0;
}

int tg_consumer_seek(tg_consumer *c, const char *topic, int32_t partition, int64_t offset,
                     tg_error *err)
{
    part *p = c && topic ? find_part(c, topic, partition) : NULL;
    if (!p)
        return tg_error_set(err, TG_ERR_STATE, "%s [%d] is not assigned", topic ? topic : "?",
                            (int)partition);
    if (p->qn)
        return tg_error_set(err, TG_ERR_STATE, "%s [%d] holds a message in retry/DLQ", topic,
                            (int)partition);
    p->next_offset = offset >= 0 ? offset : -1;
    seek_to(c, p, offset);
    return 0;
}

int tg_consumer_position(tg_consumer *c, const char *topic, int32_t partition,
                         int64_t *offset, tg_error *err)
{
    if (!c || !topic || !offset)
        return tg_error_set(err, TG_ERR_ARG, "tg_consumer_position: NULL argument");
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, partition);
    rd_kafka_resp_err_t e = rd_kafka_position(c->rk, l);
    *offset = l->elems[0].offset;
    rd_kafka_topic_partition_list_destroy(l);
    return e ? tg_error_set(err, TG_ERR_KAFKA, "position: %s", rd_kafka_err2str(e)) : 0;
}

rd_kafka_t *tg_consumer_handle(tg_consumer *c)
{
    return c ? c->rk : NULL;
}

tg_producer *tg_consumer_dlq_producer(tg_consumer *c)
{
    return c ? c->dlq : NULL;
}
