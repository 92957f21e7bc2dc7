/* tg_consumer: the coordinator, the top layer of the consumer (the layers
 * and the core invariant: tg_consumer_int.h).
 *
 * Owns: registration (tg_consumer_add, _add_variant, _add_batch), the poll
 * loop (accepting a fetched message into the ledger and handing it to its
 * mode: inline, worker or batch; serving due retries, re-produces and
 * batches; how long a poll may wait), rebalances (eager and cooperative),
 * the life cycle (new, subscribe, run, stop, bounded close, free) and
 * commits.  It decides nothing about one message: the modes and handling
 * do; it stores no offset: the ledger does.
 *
 * Calling contract (tg_consumer.h): one thread polls, runs, commits and
 * closes; tg_consumer_stop may be called from any thread or a signal
 * handler.  librdkafka's callbacks (rebalance, commit, log, error, stats)
 * run on the polling thread, inside rd_kafka_consumer_poll.  Calls every
 * layer below; none of them calls back into this file. */
#define _POSIX_C_SOURCE 200809L
#include "tg_consumer_int.h"

#include <stdio.h>

#include "tg_log_int.h"

#if ATOMIC_INT_LOCK_FREE != 2
#error "tg_consumer_stop needs a lock-free atomic int to be async-signal-safe"
#endif

#define SLOT_ALIGN TG_HANDLE_SLOT_ALIGN

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
    r->topic = tg_dup_str(topic);
    r->dlq_topic = tg_dup_str(own_topic && desc->dlq_topic ? desc->dlq_topic : dlq);
    r->desc = desc;
    r->tombstones = c->s.tombstones;
    if (!r->topic || !r->dlq_topic) {
        free(r->topic);
        free(r->dlq_topic);
        tg_error_set(err, TG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    c->n_regs++;
    return r;
}

int tg_consumer_add(tg_consumer *c, const tg_message_desc *desc, const char *topic,
                    tg_handler_fn fn, void *user, tg_error *err)
{
    if (!c || !fn)
        return tg_error_set(err, TG_ERR_ARG, "tg_consumer_add: NULL consumer or handler");
    const char *name = topic ? topic : (desc && desc->topic ? desc->topic : "");
    if (find_reg(c, name) || tg_batch_mode_on(c))
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
        if (tg_batch_mode_on(c) || !(r = new_reg(c, desc, topic, err)))
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

int tg_consumer_add_tombstone(tg_consumer *c, const char *topic, tg_tombstone_fn fn, void *user,
                              tg_error *err)
{
    if (!c || !topic || !fn)
        return tg_error_set(err, TG_ERR_ARG, "tg_consumer_add_tombstone: NULL consumer, topic "
                                             "or handler");
    reg *r = find_reg(c, topic);
    if (!r || r->batch_fn || c->subscribed)
        return tg_error_set(err, TG_ERR_STATE, "tg_consumer_add_tombstone: topic '%.200s' %s",
                            topic, !r ? "is not registered: register its handler first"
                                   : r->batch_fn ? "is in batch mode: its tombstones can only be "
                                                   "skipped or dead-lettered"
                                                 : "registered after the first poll");
    r->tombstone_fn = fn;
    r->tombstone_user = user;
    return 0;
}

/* ---- the poll loop ------------------------------------------------------ */

/* Is m to be dropped (it comes back later)?  Its partition is revoked,
 * unregistered or blocked, a batch retry holds everything, or m is older
 * than what was accepted already (fetched before a seek). */
static bool must_drop(tg_consumer *c, part *p, const rd_kafka_message_t *m)
{
    if (p && p->reg && !p->blocked && !c->batch.waiting
        && (p->next_offset < 0 || m->offset >= p->next_offset))
        return false;
    if (p && p->next_offset < 0)
        p->next_offset = m->offset;  /* seek back here on resume */
    if (p && c->batch.waiting)
        tg_ledger_block(c, p);
    return true;
}

/* Hand a held message to its mode. */
static void start_handling(tg_consumer *c, part *p, held *h)
{
    if (tg_batch_mode_on(c))
        tg_batch_mode_add(c, p, h);
    else if (c->work.pool)
        tg_worker_mode_dispatch(c, p, h);
    else
        tg_handling_run_inline(c, p, h);
}

static void accept_message(tg_consumer *c, rd_kafka_message_t *m)
{
    part *p = tg_ledger_find(c, rd_kafka_topic_name(m->rkt), m->partition);
    if (must_drop(c, p, m)) {
        rd_kafka_message_destroy(m);
        return;
    }
    tg_metrics_add(c->metrics, TG_M_CONSUMED, 1);
    held *h = tg_ledger_hold(c, p, m);
    if (!h)
        return;                        /* out of memory: fetched again */
    start_handling(c, p, h);
    if (tg_ledger_window_full(c))
        tg_ledger_block_all(c);        /* back-pressure: nothing more is fetched */
}

/* Resume p if it may; run its head's due inline retry or DLQ re-produce. */
static void service_partition(tg_consumer *c, part *p, int64_t now)
{
    if (p->blocked && tg_ledger_may_resume(c, p))
        tg_ledger_unblock(c, p); /* e.g. its batch vanished in a revoke, breaker closed */
    if (p->qn == 0 || p->due_ms > now)
        return;
    if (p->q[0].state == H_RETRY && !c->work.pool)
        tg_handling_run_inline(c, p, &p->q[0]);
    else if (p->q[0].state == H_DLQ_WAIT)
        tg_dlq_reproduce(c, p);
}

/* now: the poll's clock reading (one before the wait and one after it,
 * shared by everything due at that point, instead of one read per step). */
static void service_due(tg_consumer *c, int64_t now)
{
    tg_worker_mode_collect(c);
    if (c->work.pool)
        tg_worker_mode_service(c, now);
    for (size_t i = 0; i < c->n_parts; i++)
        service_partition(c, &c->parts[i], now);
    if (tg_batch_mode_due(c, now))
        tg_batch_mode_run(c);
}

/* The earliest due time among p's held messages, or until. */
static int64_t partition_due(const tg_consumer *c, const part *p, int64_t until)
{
    if (p->qn && (p->q[0].state == H_RETRY || p->q[0].state == H_DLQ_WAIT)
        && p->due_ms < until)
        until = p->due_ms;
    for (size_t k = 0; c->work.pool && k < p->qn; k++)
        if (p->q[k].state == H_RETRY && p->q[k].due_ms < until)
            until = p->q[k].due_ms;
    return until;
}

/* How long the next consumer poll may wait without missing a due time. */
static int wait_budget(tg_consumer *c, int timeout_ms, int64_t now)
{
    int64_t until = now + timeout_ms;
    for (size_t i = 0; i < c->n_parts; i++)
        until = partition_due(c, &c->parts[i], until);
    if (c->batch.waiting && c->batch.due_ms < until)
        until = c->batch.due_ms;
    if (!c->batch.waiting && c->batch.n && c->batch.deadline_ms < until)
        until = c->batch.deadline_ms;
    if (until > now + 50 && tg_dlq_in_flight(c))
        until = now + 50;  /* keep serving DLQ delivery reports */
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
    int64_t deadline = tg_now_ms() + timeout_ms;
    while (!e && !w.done && tg_now_ms() < deadline) {
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

/* The commit period after a takeover (issue 14): a member that got
 * partitions commits after TAKEOVER_COMMIT_MS, then after twice that, and
 * so on up to topicgen.commit.interval.ms.  A member killed soon after every
 * start (a crash loop: each start waits for the dead member's session first)
 * thus still commits what it handled, losing at most the work since its last
 * commit (about half its time as owner), while a steady member commits once
 * per interval.  Async commits of stored offsets only: the ledger's
 * invariant is untouched. */
#define TAKEOVER_COMMIT_MS 200

static void commit_soon_after_takeover(tg_consumer *c)
{
    int step = c->s.commit_interval_ms < TAKEOVER_COMMIT_MS ? c->s.commit_interval_ms
                                                            : TAKEOVER_COMMIT_MS;
    int64_t due = tg_now_ms() + step;
    c->commit_step_ms = step;
    if (due < c->next_commit_ms)
        c->next_commit_ms = due;
}

static void maybe_commit(tg_consumer *c, int64_t now)
{
    if (now < c->next_commit_ms)
        return;
    c->next_commit_ms = now + c->commit_step_ms;
    c->commit_step_ms = c->commit_step_ms > c->s.commit_interval_ms / 2
                            ? c->s.commit_interval_ms
                            : c->commit_step_ms * 2;
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

int tg_consumer_poll(tg_consumer *c, int timeout_ms, tg_error *err)
{
    if (!c || c->closed)
        return tg_error_set(err, TG_ERR_STATE, "consumer closed");
    if (!c->subscribed && tg_consumer_subscribe(c, err))
        return err ? err->code : TG_ERR_KAFKA;
    tg_dlq_poll(c, false);
    service_due(c, tg_now_ms());
    /* The wait is measured from after the service (a DLQ re-send or a
     * worker collect may take a while): never past a partition's due time. */
    rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, wait_budget(c, timeout_ms, tg_now_ms()));
    int rc = 0;
    if (m && m->err)
        rc = handle_poll_error(c, m, err);
    else if (m)
        accept_message(c, m);
    tg_dlq_poll(c, m == NULL);
    int64_t now = tg_now_ms();
    service_due(c, now);
    maybe_commit(c, now);
    tg_ops_tick(c, now);
    if (tg_dlq_refused(c))
        return tg_error_set(err, TG_ERR_KAFKA, "%s", tg_dlq_refused(c));
    return c->fatal ? tg_error_set(err, TG_ERR_KAFKA, "consumer in fatal state") : rc;
}

/* ---- rebalancing -------------------------------------------------------- */

/* Let go of p: the modes give up its messages, then the ledger drops it. */
static void drop_partition(tg_consumer *c, part *p)
{
    tg_worker_mode_release(c, p);
    tg_batch_mode_release(c, p);
    tg_ledger_drop(c, p);
}

static void log_partitions(tg_consumer *c, const char *msg, int count)
{
    char n[16];
    (void)snprintf(n, sizeof n, "%d", count);
    tg_log_kv kv[1] = { { "partitions", n } };
    tg_log(&c->logger, TG_LOG_INFO, "consumer", msg, kv, 1);
}

static void assign(tg_consumer *c, rd_kafka_topic_partition_list_t *l, bool cooperative)
{
    tg_sticky_assigned(&c->sticky);
    c->in_group = true;                /* an empty assignment too: nothing for us */
    if (l->cnt > 0)
        commit_soon_after_takeover(c);
    for (int i = 0; i < l->cnt; i++)
        if (!tg_ledger_add(c, l->elems[i].topic, l->elems[i].partition,
                           find_reg(c, l->elems[i].topic)))
            tg_log(&c->logger, TG_LOG_ERROR, "consumer", "out of memory on assign", NULL, 0);
    rd_kafka_error_t *e = NULL;
    if (cooperative)
        e = rd_kafka_incremental_assign(c->rk, l);
    else
        (void)rd_kafka_assign(c->rk, l);
    if (e)
        rd_kafka_error_destroy(e);
    log_partitions(c, "partitions assigned", l->cnt);
}

/* Worker mode: let the revoked partitions' running handlers finish (their
 * outcomes are stored) within the shutdown timeout. */
static void quiesce_revoked(tg_consumer *c, const rd_kafka_topic_partition_list_t *l)
{
    int64_t deadline = tg_now_ms() + c->s.shutdown_timeout_ms;
    for (int i = 0; c->work.pool && i < l->cnt; i++) {
        part *p = tg_ledger_find(c, l->elems[i].topic, l->elems[i].partition);
        if (p && !tg_worker_mode_quiesce(c, p, deadline))
            tg_ledger_log(c, TG_LOG_WARN, "revoked partition still has handlers running", p, -1,
                          NULL, NULL);
    }
}

static void revoke(tg_consumer *c, rd_kafka_topic_partition_list_t *l, bool cooperative)
{
    quiesce_revoked(c, l);
    /* Always commit (not only when dirty): an earlier async commit may have
     * failed without its callback being served yet. */
    if (!rd_kafka_assignment_lost(c->rk))
        (void)commit_now(c, c->s.shutdown_timeout_ms);
    for (int i = 0; i < l->cnt; i++) {
        part *p = tg_ledger_find(c, l->elems[i].topic, l->elems[i].partition);
        if (p)
            drop_partition(c, p);
    }
    if (c->batch.n == 0)
        c->batch.waiting = false;
    if (cooperative) {
        rd_kafka_error_t *e = rd_kafka_incremental_unassign(c->rk, l);
        if (e)
            rd_kafka_error_destroy(e);
    } else {
        (void)rd_kafka_assign(c->rk, NULL);
        c->in_group = false;           /* eager: everything went; the next assign says */
    }
    log_partitions(c, "partitions revoked", l->cnt);
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
    c->logger = tg_logger_choose(opts ? opts->logger : NULL, &c->s);
    c->metrics = opts ? opts->metrics : NULL;
    c->translate = opts ? opts->translate : NULL;
    c->translate_user = opts ? opts->translate_user : NULL;
    c->rng = (uint64_t)tg_now_ms() ^ (uint64_t)(uintptr_t)c ^ 0x9e3779b97f4a7c15u;
    atomic_init(&c->stop, 0);
    tg_handling_breaker_init(c);
    if (make_rdkafka(c, conf, err) || tg_ops_start(c, conf, opts, err)
        || tg_dlq_start(c, conf, opts, err)) {
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
    c->n_slots = tg_batch_mode_on(c) ? (size_t)c->s.batch_size : 1;
    c->slots = aligned_alloc(SLOT_ALIGN, c->slot_size * c->n_slots);
    int dc_rc = tg_hctx_init(&c->dc, &c->s, 0);
    int batch_rc = tg_batch_mode_on(c) ? tg_batch_mode_alloc(c) : 0;
    if (!c->slots || dc_rc || batch_rc)
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
    if (c->s.workers > 0 && !tg_batch_mode_on(c) && tg_worker_mode_start(c, err))
        return err ? err->code : TG_ERR_NOMEM;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)c->n_regs);
    for (size_t i = 0; i < c->n_regs; i++)
        rd_kafka_topic_partition_list_add(l, c->regs[i].topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(c->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e)
        return tg_error_set(err, TG_ERR_KAFKA, "subscribe: %s", rd_kafka_err2str(e));
    c->subscribed = true;
    c->next_commit_ms = tg_now_ms() + c->s.commit_interval_ms;
    c->commit_step_ms = c->s.commit_interval_ms;
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

/* Run a collected batch, then let confirmed DLQ deliveries store their
 * offsets, before the final commit. */
static void finish_pending(tg_consumer *c, int64_t deadline)
{
    if (c->batch.n && !c->batch.waiting)
        tg_batch_mode_run(c);
    tg_dlq_wait(c, deadline);
}

static bool close_group(tg_consumer *c, int64_t deadline)
{
    rd_kafka_queue_t *q = rd_kafka_queue_new(c->rk);
    rd_kafka_error_t *e = rd_kafka_consumer_close_queue(c->rk, q);
    if (e)
        rd_kafka_error_destroy(e);
    while (!rd_kafka_consumer_closed(c->rk) && tg_now_ms() < deadline) {
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

/* librdkafka 2.0.2's sticky state: see tg_sticky_int.h.  close waits
 * (within its bound) for the first assignment before leaving the group;
 * tg_consumer_free keeps the consumer alive rather than destroy a handle
 * that would abort. */

int tg_consumer_close(tg_consumer *c, tg_error *err)
{
    if (!c || c->closed)
        return 0;
    c->closed = true;
    tg_ops_stop_serving(c);               /* /readyz and /metrics end with the consumer */
    int64_t deadline = tg_now_ms() + c->s.shutdown_timeout_ms;
    if (c->subscribed && !tg_worker_mode_quiesce(c, NULL, deadline))
        tg_log(&c->logger, TG_LOG_WARN, "consumer", "handlers still running at close", NULL, 0);
    if (c->subscribed)
        finish_pending(c, deadline);
    if (c->subscribed && !c->fatal) {
        int64_t left = deadline - tg_now_ms();
        (void)commit_now(c, left > 0 ? (int)left : 0);
    }
    tg_sticky_await_first_assignment(&c->sticky, c->rk, deadline);
    bool closed = close_group(c, deadline);
    (void)tg_worker_mode_quiesce(c, NULL, deadline);
    while (c->n_parts)
        drop_partition(c, &c->parts[c->n_parts - 1]); /* the last: nothing moves */
    tg_worker_mode_stop(c);               /* joins; an orphan still running is waited for */
    int64_t left = deadline - tg_now_ms();
    tg_dlq_close(c, left > 0 ? (int)left : 0);
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
        if (tg_sticky_state_missing(&c->sticky, c->rk)) {
            tg_sticky_keep(c, &c->logger, "consumer");
            return;
        }
        rd_kafka_destroy_flags(c->rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    }
    tg_dlq_close(c, 0);
    tg_ops_free(c);                       /* after the DLQ producer: it counts into them */
    for (size_t i = 0; i < c->n_regs; i++) {
        free(c->regs[i].topic);
        free(c->regs[i].dlq_topic);
        free(c->regs[i].variant_fns);
        free(c->regs[i].variant_users);
    }
    free(c->regs);
    free(c->parts);
    free(c->slots);
    tg_hctx_free(&c->dc);
    tg_worker_mode_free(c);
    tg_batch_mode_free(c);
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
    part *p = c && topic ? tg_ledger_find(c, topic, partition) : NULL;
    if (!p)
        return tg_error_set(err, TG_ERR_STATE, "%s [%d] is not assigned", topic ? topic : "?",
                            (int)partition);
    if (p->qn)
        return tg_error_set(err, TG_ERR_STATE, "%s [%d] holds a message in retry/DLQ", topic,
                            (int)partition);
    p->next_offset = offset >= 0 ? offset : -1;
    tg_ledger_seek(c, p, offset);
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
