/* tg_consumer_workers: worker mode (topicgen.workers > 0), a mode above
 * handling (see tg_consumer_int.h).
 *
 * Owns: the work items (struct tg_job, one per allowed held message,
 * topicgen.max.in.flight of them), the worker pool (tg_workers) and one
 * decode context per worker.  Each accepted message is handed to a lane as
 * a job (same key, or same partition with topicgen.ordering=partition, ->
 * same lane); when the job comes back its outcome is settled on the
 * polling thread and the partition advanced.  The FIFOs and the pump are
 * the ledger's, unchanged, so the stored offset still never passes an
 * unfinished message, in whatever order the workers finish.  A TG_RETRY
 * stalls its lane until the retry is due and re-submitted at its front.
 *
 * Calling contract: everything runs on the polling thread except run_job
 * and wake_poll, which run on worker threads and touch only their job, the
 * worker's decode context, read-only consumer fields and atomic metrics
 * (the pool's lock orders a job's fields between the two threads).  A job
 * whose partition is dropped while it runs is an orphan: it owns its
 * message and frees it when it comes back.  Calls handling, dead-lettering,
 * the ledger and tg_workers; nothing of batch mode or the coordinator. */
#define _POSIX_C_SOURCE 200809L
#include "tg_consumer_int.h"

typedef enum jkind { J_HANDLED, J_BAD, J_UNKNOWN_VARIANT } jkind;

/* One held message on its way through a worker.  Filled by the polling
 * thread before submit, outcome fields by the worker. */
typedef struct tg_job {
    tg_work w;                     /* first member                        */
    rd_kafka_message_t *m;         /* held's; owned only when orphan      */
    const reg *reg;
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

/* ---- lanes and items ------------------------------------------------------ */

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

static void release_job(tg_consumer *c, job *j)
{
    if (j->stalls)
        tg_workers_unstall(c->work.pool, j->lane);
    j->stalls = false;
    c->work.free_jobs[c->work.n_free++] = j;
}

/* Give h's work item back to the pool (unstalling a lane it stalled). */
static void release_held_job(tg_consumer *c, held *h)
{
    release_job(c, h->job);
    h->job = NULL;
}

/* All items are busy (running for dropped partitions): try h soon. */
static void retry_soon(tg_consumer *c, part *p, held *h)
{
    h->state = H_RETRY;
    p->due_ms = h->due_ms = tg_now_ms() + 20;
    tg_ledger_block(c, p);
}

void tg_worker_mode_dispatch(tg_consumer *c, part *p, held *h)
{
    if (tg_handling_skipped(c, p, h)) { /* nothing to run: done here, in order */
        tg_dlq_advance(c, p);
        return;
    }
    if (!tg_handling_breaker_allow(c)) {
        tg_handling_hold_for_breaker(c, p, h);
        return;
    }
    job *j = h->job;
    bool front = j && j->stalls;   /* the item that stalled its lane */
    if (!j && c->work.n_free == 0) {
        retry_soon(c, p, h);
        return;
    }
    if (!j) {
        j = h->job = c->work.free_jobs[--c->work.n_free];
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
    tg_workers_submit(c->work.pool, &j->w, j->lane, front);
}

/* ---- on a worker thread --------------------------------------------------- */

/* The handling unit, as tg_handling_run_inline, into the job's fields. */
static bool run_job(void *ctx, unsigned worker, tg_work *w)
{
    const tg_consumer *c = ctx;
    job *j = (job *)w;
    tg_hctx *d = &c->work.ctx[worker];
    tg_msg_meta meta;
    tg_record rec;
    tg_handler_fn fn = NULL;
    void *user = NULL;
    tg_route rt = tg_route_of(j->reg);
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
    rd_kafka_queue_yield(c->work.cq);
}

/* ---- outcomes, on the polling thread ---------------------------------------- */

/* j's partition was dropped while it ran: free what it held. */
static void finish_orphan(tg_consumer *c, job *j)
{
    if (j->orphan)
        c->work.orphans--;
    rd_kafka_message_destroy(j->m);
    release_job(c, j);
}

/* Apply a finished item's outcome to its held message. */
static void finish_job(tg_consumer *c, job *j)
{
    j->running = false;
    j->stalls = j->kind == J_HANDLED && j->res == TG_RETRY;
    part *p = tg_ledger_find(c, rd_kafka_topic_name(j->m->rkt), j->m->partition);
    held *h = p && !j->orphan ? tg_ledger_find_held(p, j->m) : NULL;
    if (!h) {
        finish_orphan(c, j);
        return;
    }
    memcpy(h->reason, j->reason, sizeof h->reason);
    memcpy(h->path, j->path, sizeof h->path);
    if (j->kind == J_HANDLED) {
        h->attempts = j->attempt;
        tg_handling_settle(c, p, h, j->res);
    } else {
        tg_handling_breaker_record(c, TG_REJECT); /* no verdict on the dependency */
        h->state = H_DLQ;          /* reason and path came with the job */
    }
    if (h->state != H_RETRY)
        release_held_job(c, h);
    tg_dlq_advance(c, p);
}

void tg_worker_mode_collect(tg_consumer *c)
{
    if (!c->work.pool)
        return;
    tg_work *w = tg_workers_take_done(c->work.pool);
    while (w) {
        tg_work *next = w->next;
        finish_job(c, (job *)w);
        w = next;
    }
}

void tg_worker_mode_service(tg_consumer *c, int64_t now)
{
    for (size_t i = 0; i < c->n_parts; i++) {
        part *p = &c->parts[i];
        for (size_t k = 0; k < p->qn; k++)
            if (p->q[k].state == H_RETRY && p->q[k].due_ms <= now)
                tg_worker_mode_dispatch(c, p, &p->q[k]);
    }
}

/* ---- quiescing and dropping a partition --------------------------------------- */

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

/* Take back the queued items of p (NULL: of every partition): their
 * messages stay H_PENDING, not stored; they come back. */
static void cancel_queued(tg_consumer *c, part *p)
{
    tg_work *w = tg_workers_cancel(c->work.pool, job_of_part, p);
    while (w) {
        job *j = (job *)w;
        w = w->next;
        j->running = false;
        part *jp = tg_ledger_find(c, rd_kafka_topic_name(j->m->rkt), j->m->partition);
        held *h = jp ? tg_ledger_find_held(jp, j->m) : NULL;
        if (h)
            release_held_job(c, h);
    }
}

bool tg_worker_mode_quiesce(tg_consumer *c, part *p, int64_t deadline)
{
    if (!c->work.pool)
        return true;
    cancel_queued(c, p);
    tg_worker_mode_collect(c);
    while (any_running(c, p) && tg_now_ms() < deadline) {
        tg_workers_wait_done(c->work.pool, 50);
        tg_worker_mode_collect(c);
    }
    return !any_running(c, p);
}

void tg_worker_mode_release(tg_consumer *c, part *p)
{
    for (size_t i = 0; i < p->qn; i++) {
        held *h = &p->q[i];
        if (!h->job)
            continue;
        if (h->job->running) {
            h->job->orphan = true;   /* still on a worker: it frees m */
            c->work.orphans++;
            h->m = NULL;
            continue;
        }
        release_held_job(c, h);
    }
}

/* ---- life cycle ------------------------------------------------------------ */

int tg_worker_mode_start(tg_consumer *c, tg_error *err)
{
    size_t n = (size_t)c->s.workers, m = (size_t)c->s.max_in_flight;
    c->work.jobs = calloc(m, sizeof *c->work.jobs);
    c->work.free_jobs = calloc(m, sizeof(job *));
    c->work.ctx = calloc(n, sizeof *c->work.ctx);
    if (!c->work.jobs || !c->work.free_jobs || !c->work.ctx)
        return tg_error_set(err, TG_ERR_NOMEM, "out of memory for worker mode");
    for (size_t i = 0; i < m; i++)
        c->work.free_jobs[i] = &c->work.jobs[i];
    c->work.n_free = m;
    for (size_t i = 0; i < n; i++)
        if (tg_hctx_init(&c->work.ctx[i], &c->s, c->slot_size))
            return tg_error_set(err, TG_ERR_NOMEM, "out of memory for worker buffers");
    c->work.cq = rd_kafka_queue_get_consumer(c->rk);
    c->work.pool = tg_workers_new((unsigned)n, run_job, wake_poll, c, err);
    return c->work.pool ? 0 : (err ? err->code : TG_ERR_NOMEM);
}

/* Wait for orphaned items (a handler running for a dropped partition: the
 * thread uses the message), then join the threads. */
void tg_worker_mode_stop(tg_consumer *c)
{
    while (c->work.pool && c->work.orphans) {
        tg_workers_wait_done(c->work.pool, 50);
        tg_worker_mode_collect(c);
    }
    tg_workers_free(c->work.pool);
    c->work.pool = NULL;
    if (c->work.cq)
        rd_kafka_queue_destroy(c->work.cq);
    c->work.cq = NULL;
}

void tg_worker_mode_free(tg_consumer *c)
{
    tg_worker_mode_stop(c);
    for (size_t i = 0; c->work.ctx && i < (size_t)c->s.workers; i++)
        tg_hctx_free(&c->work.ctx[i]);
    free(c->work.ctx);
    free(c->work.jobs);
    free(c->work.free_jobs);
}
