/* tg_processor: the exactly-once processor (see tg_processor.h): creation,
 * registration, the poll loop, the transaction life cycle (begin, commit
 * with the consumer's offsets, abort and rewind, fatal stop) and
 * rebalances.  One input at a time goes through tg_processor_handle.c.
 *
 * Invariants:
 *  - an input's outputs and dead letter are produced only inside an open
 *    transaction, after its handler returned (emitter buffer in between);
 *  - the offsets sent into a transaction are the consumer's positions, and
 *    every record the consumer returned before them was handled or
 *    dead-lettered in this or an earlier committed transaction (a record is
 *    never left half-done: retries run to their end before the next poll);
 *  - after an abort, no assigned partition's position is past its last
 *    committed offset before the next record is handled (rewind);
 *  - after a fatal error nothing more is produced or committed.
 *
 * Calling contract: the thread that calls tg_processor_run owns everything
 * here except `stop`; librdkafka's rebalance callback runs on it too (from
 * rd_kafka_consumer_poll and rd_kafka_consumer_close). */
#define _POSIX_C_SOURCE 200809L
#include "tg_processor_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tg_dlq_int.h"
#include "tg_embedded.h"
#include "tg_http_int.h"
#include "tg_log_int.h"

#define TXN_CALL_TIMEOUT_MS 30000  /* init/commit/abort/send_offsets: a bound per call */
#define TXN_CALL_RETRIES 10        /* retriable errors of one call, 100 ms apart       */
#define COMMITTED_TIMEOUT_MS 10000 /* rd_kafka_committed during a rewind               */
#define BROKEN_REPORT_WAITS 10     /* x 50 ms: a sunk transaction's delivery reports  */

/* ---- logging and the fatal stop ------------------------------------------ */

void tg_proc_log(tg_processor *p, tg_log_level lv, const char *msg, const char *k,
                 const char *v)
{
    tg_log_kv kv[2] = { { "transactional.id", p->txn_id }, { k, v } };
    tg_log(&p->logger, lv, "processor", msg, kv, k ? 2 : 1);
}

void tg_proc_fatal(tg_processor *p, int code, const char *fmt, ...)
{
    char m[sizeof p->fatal.message];
    va_list ap;
    if (p->failed)
        return;                    /* the first cause is the one to report */
    va_start(ap, fmt);
    (void)vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    p->failed = true;
    tg_error_set(&p->fatal, code, "%s", m);
    tg_proc_log(p, TG_LOG_ERROR, "processor stopped", "error", p->fatal.message);
}

static bool is_fenced(rd_kafka_resp_err_t c)
{
    return c == RD_KAFKA_RESP_ERR__FENCED || c == RD_KAFKA_RESP_ERR_PRODUCER_FENCED
           || c == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH;
}

/* Stop for good on a fatal transactional error, saying why and what to do. */
static void fatal_txn(tg_processor *p, const rd_kafka_error_t *e, const char *call)
{
    char m[900];
    rd_kafka_resp_err_t c = rd_kafka_error_code(e);
    int64_t open_ms = p->txn_open ? tg_now_ms() - p->txn_started_ms : 0;
    if (p->txn_open && open_ms >= p->txn_timeout_ms)
        (void)snprintf(m, sizeof m, "transaction open %lld ms, over transaction.timeout.ms="
                       "%d (%s: %s): raise transaction.timeout.ms or make the handler faster",
                       (long long)open_ms, p->txn_timeout_ms, call, rd_kafka_error_string(e));
    else if (is_fenced(c))
        (void)snprintf(m, sizeof m, "fenced by another instance with transactional.id '%s' "
                       "(in %s): this one stops without committing; give each live instance "
                       "its own transactional.id", p->txn_id, call);
    else if (c == RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
        (void)snprintf(m, sizeof m, "transactional.id '%s' is not authorized (%s): grant "
                       "this principal WRITE and DESCRIBE on it", p->txn_id, call);
    else if (c == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE
             || c == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION
             || c == RD_KAFKA_RESP_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT)
        (void)snprintf(m, sizeof m, "the broker does not support transactions (%s: %s): "
                       "exactly-once needs Kafka 2.5 or later; or use tg_consumer "
                       "(at-least-once)", call, rd_kafka_error_string(e));
    else
        (void)snprintf(m, sizeof m, "%s: %s%s", call, rd_kafka_error_is_fatal(e) ? "fatal: " : "",
                       rd_kafka_error_string(e));
    tg_proc_fatal(p, is_fenced(c) ? TG_ERR_STATE : TG_ERR_KAFKA, "%s", m);
}

/* ---- creation ------------------------------------------------------------ */

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    tg_processor *p = rd_kafka_opaque(rk);
    if (p)
        tg_log_rdkafka(&p->logger, level, fac, buf, rd_kafka_name(rk));
}

/* "<group>-<host>-<pid>-<random>": unique per process (tg_processor.h). */
static void unique_txn_id(char *out, size_t cap, const char *group)
{
    char host[64] = "host";
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    (void)gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    unsigned long r = (unsigned long)ts.tv_nsec ^ ((unsigned long)ts.tv_sec << 20)
                      ^ (unsigned long)getpid() << 8;
    (void)snprintf(out, cap, "%.100s-%.63s-%ld-%08lx", group, host, (long)getpid(), r & 0xffffffffUL);
}

/* The transactional.id: opts, else conf's property, else a unique one. */
static void pick_txn_id(tg_processor *p, const tg_config *conf, const tg_processor_opts *o)
{
    char v[256] = "";
    if (o && o->transactional_id && o->transactional_id[0])
        (void)snprintf(p->txn_id, sizeof p->txn_id, "%s", o->transactional_id);
    else if (tg_config_get(conf, "transactional.id", v, sizeof v, NULL) == 0 && v[0])
        (void)snprintf(p->txn_id, sizeof p->txn_id, "%s", v);
    else
        unique_txn_id(p->txn_id, sizeof p->txn_id, p->group);
    p->txn_id_stable = o && o->transactional_id ? true : v[0] != '\0';
}

/* opts->producer_config (copied) or one derived from conf, with the
 * transactional settings. */
static tg_config *producer_config(tg_processor *p, const tg_config *conf,
                                  const tg_processor_opts *o, tg_error *err)
{
    char timeout[24] = "60000";
    (void)tg_config_get(conf, "transaction.timeout.ms", timeout, sizeof timeout, NULL);
    /* no fallback: a failed record of a transaction is the transaction's
     * to retry or blame, never to be copied elsewhere */
    const char *kv[] = { "transactional.id", p->txn_id, "enable.idempotence", "true",
                         "acks", "all", "transaction.timeout.ms", timeout,
                         "topicgen.producer.fallback", "none" };
    tg_config *pc = o && o->producer_config ? tg_config_copy(o->producer_config, err)
                                            : tg_config_derive_producer(conf, err);
    if (pc && tg_config_set_pairs(pc, kv, 5, err) != 0) {
        tg_config_free(pc);
        return NULL;
    }
    p->txn_timeout_ms = (int)strtol(timeout, NULL, 10); /* librdkafka validated it */
    return pc;
}

static int start_producer(tg_processor *p, const tg_config *conf, const tg_processor_opts *o,
                          tg_error *err)
{
    tg_config *pc = producer_config(p, conf, o, err);
    if (!pc)
        return err ? err->code : TG_ERR_CONFIG;
    tg_producer_opts po = { tg_proc_on_delivery, p, &p->logger, p->metrics };
    p->producer = tg_producer_new(pc, &po, err);
    tg_config_free(pc);
    if (!p->producer)
        return err ? err->code : TG_ERR_KAFKA;
    p->rk_prod = tg_producer_handle(p->producer);
    return 0;
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t e,
                         rd_kafka_topic_partition_list_t *parts, void *opaque);

static int start_consumer(tg_processor *p, const tg_config *conf, tg_error *err)
{
    char errstr[512];
    rd_kafka_conf_t *rc = tg_config_rdkafka_dup(conf);
    if (!rc)
        return tg_error_set(err, TG_ERR_NOMEM, "tg_processor_new: out of memory");
    if (rd_kafka_conf_set(rc, "isolation.level", "read_committed", errstr, sizeof errstr)
        || tg_embedded_resolve(rc, &p->embedded, err)) {
        rd_kafka_conf_destroy(rc);
        return err && err->code ? err->code : tg_error_set(err, TG_ERR_CONFIG, "%s", errstr);
    }
    rd_kafka_conf_set_opaque(rc, p);
    rd_kafka_conf_set_rebalance_cb(rc, on_rebalance);
    rd_kafka_conf_set_log_cb(rc, on_log);
    p->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, rc, errstr, sizeof errstr);
    if (!p->consumer) {
        rd_kafka_conf_destroy(rc);
        return tg_error_set(err, TG_ERR_KAFKA, "rd_kafka_new (processor consumer): %s", errstr);
    }
    (void)rd_kafka_poll_set_consumer(p->consumer);
    return 0;
}

/* ---- the endpoint (topicgen.metrics.listen) -------------------------------
 * alive: the loop stepped within max.poll.interval.ms (or has not started);
 * ready: running, not stopping, not failed, and the group gave it an
 * assignment (an empty one counts) not revoked whole since.  The probes
 * run on the HTTP thread and read atomics only. */

static int processor_alive(void *user, char *why, size_t cap)
{
    tg_processor *p = user;
    return atomic_load(&p->done) ||
           !tg_http_loop_stalled(atomic_load(&p->loop_ms), p->max_poll_ms, why, cap);
}

static int processor_ready(void *user, char *why, size_t cap)
{
    tg_processor *p = user;
    if (!processor_alive(user, why, cap))
        return 0;
    const char *no = atomic_load(&p->done)       ? "stopped"
                     : atomic_load(&p->stop)     ? "stopping"
                     : !atomic_load(&p->loop_ms) ? "not running yet"
                     : !atomic_load(&p->in_group) ? "waiting for the group's assignment"
                                                  : NULL;
    if (no)
        (void)snprintf(why, cap, "%s", no);
    return no == NULL;
}

static int start_endpoint(tg_processor *p, const tg_config *conf, tg_error *err)
{
    p->max_poll_ms = tg_http_alive_bound_ms(conf);
    if (p->s.metrics_listen[0] == '\0')
        return 0;
    if (!p->metrics && !(p->metrics = p->own_metrics = tg_metrics_new()))
        return tg_error_set(err, TG_ERR_NOMEM, "out of memory");
    tg_http_source src = { p->metrics, processor_alive, processor_ready, p };
    p->http = tg_http_start(p->s.metrics_listen, &src, &p->logger, err);
    return p->http ? 0 : (err ? err->code : TG_ERR_CONFIG);
}

const char *tg_processor_metrics_address(const tg_processor *p)
{
    return p ? tg_http_address(p->http) : NULL;
}

tg_processor *tg_processor_new(const tg_config *conf, const tg_processor_opts *opts,
                               tg_error *err)
{
    if (!conf || tg_config_role_of(conf) != TG_CONFIG_CONSUMER) {
        tg_error_set(err, TG_ERR_ARG, "tg_processor_new: need a TG_CONFIG_CONSUMER config");
        return NULL;
    }
    tg_processor *p = calloc(1, sizeof *p);
    if (!p) {
        tg_error_set(err, TG_ERR_NOMEM, "tg_processor_new: out of memory");
        return NULL;
    }
    if (tg_config_get(conf, "group.id", p->group, sizeof p->group, NULL) != 0 || !p->group[0]) {
        free(p);
        tg_error_set(err, TG_ERR_CONFIG, "tg_processor_new: group.id is required");
        return NULL;
    }
    p->s = *tg_config_settings(conf);
    p->logger = tg_logger_choose(opts ? opts->logger : NULL, &p->s);
    p->metrics = opts ? opts->metrics : NULL;
    p->translate = opts ? opts->translate : NULL;
    p->translate_user = opts ? opts->translate_user : NULL;
    p->rng = (uint64_t)tg_now_ms() * 2654435761u + 1;
    pick_txn_id(p, conf, opts);
    if (start_endpoint(p, conf, err) || start_producer(p, conf, opts, err)
        || start_consumer(p, conf, err)) {
        tg_processor_free(p);
        return NULL;
    }
    return p;
}

/* ---- registration -------------------------------------------------------- */

static int add_reg(tg_processor *p, const tg_message_desc *in, const char *topic,
                   const tg_proc_reg *proto, tg_error *err)
{
    if (!p || !in || !in->decode)
        return tg_error_set(err, TG_ERR_ARG, "tg_processor_add: need a processor and a "
                                             "descriptor that decodes");
    const char *t = topic ? topic : in->topic;
    if (!t || !t[0])
        return tg_error_set(err, TG_ERR_ARG, "tg_processor_add: %s.%s has no topic: pass one",
                            in->schema, in->name);
    for (size_t i = 0; i < p->n_regs; i++)
        if (strcmp(p->regs[i].topic, t) == 0)
            return tg_error_set(err, TG_ERR_STATE, "tg_processor_add: topic '%s' already "
                                                   "registered", t);
    if (p->running)
        return tg_error_set(err, TG_ERR_STATE, "tg_processor_add: register before run");
    tg_proc_reg *n = realloc(p->regs, (p->n_regs + 1) * sizeof *n);
    if (!n)
        return tg_error_set(err, TG_ERR_NOMEM, "tg_processor_add: out of memory");
    p->regs = n;
    tg_proc_reg *r = &p->regs[p->n_regs];
    *r = *proto;
    r->desc = in;
    r->p = p;
    (void)snprintf(r->topic, sizeof r->topic, "%s", t);
    if (in->dlq_topic && in->topic && strcmp(t, in->topic) == 0)
        (void)snprintf(r->dlq_topic, sizeof r->dlq_topic, "%s", in->dlq_topic);
    else
        (void)snprintf(r->dlq_topic, sizeof r->dlq_topic, "%s.dlq", t);
    p->n_regs++;
    return 0;
}

int tg_processor_add(tg_processor *p, const tg_message_desc *in, const char *topic,
                     tg_process_fn fn, void *user, tg_error *err)
{
    if (!fn)
        return tg_error_set(err, TG_ERR_ARG, "tg_processor_add: NULL handler");
    tg_proc_reg proto = { .fn = fn, .user = user };
    return add_reg(p, in, topic, &proto, err);
}

int tg_processor_add_typed(tg_processor *p, const tg_message_desc *in, const char *topic,
                           tg_process_thunk thunk, tg_fn_ptr typed_fn, void *user,
                           tg_error *err)
{
    if (!thunk || !typed_fn)
        return tg_error_set(err, TG_ERR_ARG, "tg_processor_add: NULL handler");
    tg_proc_reg proto = { .thunk = thunk, .typed = typed_fn, .user = user };
    return add_reg(p, in, topic, &proto, err);
}

tg_proc_reg *tg_proc_find(tg_processor *p, const char *topic)
{
    for (size_t i = 0; i < p->n_regs; i++)
        if (strcmp(p->regs[i].topic, topic) == 0)
            return &p->regs[i];
    return NULL;
}

/* ---- transactions -------------------------------------------------------- */

int tg_proc_begin(tg_processor *p)
{
    if (p->txn_open)
        return 0;
    rd_kafka_error_t *e = rd_kafka_begin_transaction(p->rk_prod);
    if (e) {
        fatal_txn(p, e, "begin_transaction");
        rd_kafka_error_destroy(e);
        return -1;
    }
    p->txn_open = true;
    p->txn_started_ms = tg_now_ms();
    p->txn_inputs = 0;
    p->n_first = 0;
    p->refusal.set = false;
    p->txn_broken = false;
    p->txn_solo = false;
    p->letter_shape = TG_DLQ_WHOLE;
    return 0;
}

/* The entry of partition (topic, part) in list[0..n), or NULL. */
static tg_proc_first *find_part(tg_proc_first *list, size_t n, const char *topic, int32_t part)
{
    for (size_t i = 0; i < n; i++)
        if (list[i].partition == part && strcmp(list[i].topic, topic) == 0)
            return &list[i];
    return NULL;
}

/* The entry of partition (topic, part) in *list, added (offset -1) if
 * missing; NULL when out of memory. */
static tg_proc_first *part_entry(tg_proc_first **list, size_t *n, size_t *cap,
                                 const char *topic, int32_t part)
{
    tg_proc_first *f = find_part(*list, *n, topic, part);
    if (f)
        return f;
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        tg_proc_first *nl = realloc(*list, c * sizeof *nl);
        if (!nl)
            return NULL;
        *list = nl;
        *cap = c;
    }
    f = &(*list)[(*n)++];
    (void)snprintf(f->topic, sizeof f->topic, "%s", topic);
    f->partition = part;
    f->offset = -1;
    return f;
}

/* Remember where partition (topic, part) started in the open transaction
 * (out of memory: the rewind then uses committed offsets only). */
void tg_proc_note_first(tg_processor *p, const char *topic, int32_t part, int64_t offset)
{
    tg_proc_first *f = part_entry(&p->first, &p->n_first, &p->cap_first, topic, part);
    if (f && f->offset < 0)
        f->offset = offset;
}

static int64_t first_in_txn(tg_processor *p, const char *topic, int32_t part)
{
    const tg_proc_first *f = find_part(p->first, p->n_first, topic, part);
    return f ? f->offset : RD_KAFKA_OFFSET_INVALID;
}

/* ---- outputs that can never be delivered ---------------------------------
 * (tg_processor.h.)  A transaction that a permanent refusal sank is blamed
 * on one input when it held only one (a solo transaction); otherwise its
 * inputs run again one per transaction up to where it ended, so that the
 * one to blame is found and the others commit as usual. */

bool tg_proc_in_solo(const tg_processor *p, const char *topic, int32_t part, int64_t offset)
{
    const tg_proc_first *f = find_part(p->solo, p->n_solo, topic, part);
    return f && offset < f->offset;
}

bool tg_proc_is_doomed(const tg_processor *p, const char *topic, int32_t part, int64_t offset)
{
    const tg_proc_doomed *d = &p->doomed;
    return d->set && d->at.partition == part && d->at.offset == offset
           && strcmp(d->at.topic, topic) == 0;
}

void tg_proc_doom(tg_processor *p, const char *topic, int32_t part, int64_t offset,
                  const char *reason, int shape)
{
    tg_proc_doomed *d = &p->doomed;
    char at[32];
    d->set = true;
    d->used = false;
    (void)snprintf(d->at.topic, sizeof d->at.topic, "%s", topic);
    d->at.partition = part;
    d->at.offset = offset;
    (void)snprintf(d->reason, sizeof d->reason, "%s", reason);
    d->shape = shape;
    (void)snprintf(at, sizeof at, "%d@%lld", (int)part, (long long)offset);
    tg_proc_log(p, TG_LOG_WARN, "input to be dead-lettered: its transaction cannot commit",
                "input", at);
}

/* Run every input of the open transaction again one per transaction, up to
 * each partition's position now (before the rewind). */
static void note_solo_ranges(tg_processor *p)
{
    rd_kafka_topic_partition_list_t *a = NULL;
    if (rd_kafka_assignment(p->consumer, &a) || !a)
        return;
    (void)rd_kafka_position(p->consumer, a);
    for (size_t i = 0; i < p->n_first; i++) {
        const tg_proc_first *f = &p->first[i];
        rd_kafka_topic_partition_t *t =
            rd_kafka_topic_partition_list_find(a, f->topic, f->partition);
        tg_proc_first *s = t && t->offset >= 0
                               ? part_entry(&p->solo, &p->n_solo, &p->cap_solo, f->topic,
                                            f->partition)
                               : NULL;
        if (s && s->offset < t->offset)
            s->offset = t->offset;
    }
    rd_kafka_topic_partition_list_destroy(a);
}

/* The open transaction cannot commit because p->refusal: blame its input
 * (a solo transaction) or run its inputs solo. */
static void blame_refusal(tg_processor *p)
{
    if (!p->txn_solo || p->n_first != 1) {
        note_solo_ranges(p);
        return;
    }
    const tg_proc_first *in = &p->first[0];
    if (!p->refusal.letter) {      /* its output: dead-letter it instead */
        tg_proc_doom(p, in->topic, in->partition, in->offset, p->refusal.reason, TG_DLQ_WHOLE);
        return;
    }
    int next = p->letter_shape + 1; /* its dead letter: a smaller one, if any helps */
    if (tg_dlq_fate_of(p->refusal.err) == TG_DLQ_SHRINK && next < TG_DLQ_N_SHAPES)
        tg_proc_doom(p, in->topic, in->partition, in->offset, p->letter_reason, next);
    else
        tg_proc_fatal(p, TG_ERR_KAFKA, "dead-lettering %s [%d] @%lld failed: %s (every "
                      "smaller envelope too, or the topic refuses any): the processor stops; "
                      "check the dead-letter topic (max.message.bytes, ACLs)", in->topic,
                      (int)in->partition, (long long)in->offset, p->refusal.reason);
}

/* Seek every assigned partition back to its last committed offset (or,
 * never committed, to where the aborted transaction started it). */
static void rewind_inputs(tg_processor *p)
{
    rd_kafka_topic_partition_list_t *a = NULL;
    if (rd_kafka_assignment(p->consumer, &a) || !a)
        return;
    rd_kafka_resp_err_t ce = rd_kafka_committed(p->consumer, a, COMMITTED_TIMEOUT_MS);
    rd_kafka_topic_partition_list_t *to = rd_kafka_topic_partition_list_new(a->cnt);
    for (int i = 0; i < a->cnt; i++) {
        rd_kafka_topic_partition_t *t = &a->elems[i];
        int64_t off = ce == 0 && t->err == 0 && t->offset >= 0
                          ? t->offset : first_in_txn(p, t->topic, t->partition);
        if (off >= 0)
            rd_kafka_topic_partition_list_add(to, t->topic, t->partition)->offset = off;
    }
    if (to->cnt > 0) {
        rd_kafka_error_t *e = rd_kafka_seek_partitions(p->consumer, to, COMMITTED_TIMEOUT_MS);
        if (e) {
            tg_proc_fatal(p, TG_ERR_KAFKA, "rewinding the inputs after an abort failed: %s; "
                          "stopping so that no input is skipped", rd_kafka_error_string(e));
            rd_kafka_error_destroy(e);
        }
    }
    rd_kafka_topic_partition_list_destroy(to);
    rd_kafka_topic_partition_list_destroy(a);
}

/* Abort the open transaction; rewind unless the partitions are going away. */
static void abort_txn(tg_processor *p, bool rewind, const char *why)
{
    rd_kafka_error_t *e = NULL;
    tg_proc_log(p, TG_LOG_WARN, rewind ? "transaction aborted, inputs rewound"
                                       : "transaction aborted", "reason", why);
    for (int i = 0; i < TXN_CALL_RETRIES; i++) {
        e = rd_kafka_abort_transaction(p->rk_prod, TXN_CALL_TIMEOUT_MS);
        if (!e || !rd_kafka_error_is_retriable(e))
            break;
        rd_kafka_error_destroy(e);
        e = NULL;
    }
    if (e) {
        fatal_txn(p, e, "abort_transaction");
        rd_kafka_error_destroy(e);
    }
    p->txn_open = false;
    p->stats.aborts++;
    p->doomed.used = false;        /* its dead letter went with the transaction */
    while (tg_producer_poll(p->producer, 0) > 0) /* the aborted records' reports, */
        ;                                       /* before the next transaction */
    if (rewind && !p->failed)
        rewind_inputs(p);
}

/* The consumer's positions of its assigned partitions that have one. */
static rd_kafka_topic_partition_list_t *positions(tg_processor *p)
{
    rd_kafka_topic_partition_list_t *a = NULL, *out;
    if (rd_kafka_assignment(p->consumer, &a) || !a)
        return rd_kafka_topic_partition_list_new(0);
    (void)rd_kafka_position(p->consumer, a);
    out = rd_kafka_topic_partition_list_new(a->cnt);
    for (int i = 0; i < a->cnt; i++)
        if (a->elems[i].offset >= 0)
            rd_kafka_topic_partition_list_add(out, a->elems[i].topic, a->elems[i].partition)
                ->offset = a->elems[i].offset;
    rd_kafka_topic_partition_list_destroy(a);
    return out;
}

static rd_kafka_error_t *send_offsets(tg_processor *p)
{
    rd_kafka_topic_partition_list_t *pos = positions(p);
    rd_kafka_error_t *e = NULL;
    if (pos->cnt > 0) {
        rd_kafka_consumer_group_metadata_t *g = rd_kafka_consumer_group_metadata(p->consumer);
        e = rd_kafka_send_offsets_to_transaction(p->rk_prod, pos, g, TXN_CALL_TIMEOUT_MS);
        rd_kafka_consumer_group_metadata_destroy(g);
    }
    rd_kafka_topic_partition_list_destroy(pos);
    return e;
}

/* One transactional call, retried while librdkafka says it may be. */
static rd_kafka_error_t *with_retries(tg_processor *p, bool offsets)
{
    rd_kafka_error_t *e = NULL;
    for (int i = 0; i < TXN_CALL_RETRIES; i++) {
        e = offsets ? send_offsets(p)
                    : rd_kafka_commit_transaction(p->rk_prod, TXN_CALL_TIMEOUT_MS);
        if (!e || !rd_kafka_error_is_retriable(e) || rd_kafka_error_txn_requires_abort(e))
            return e;
        rd_kafka_error_destroy(e);
        struct timespec ts = { 0, 100 * 1000000L };
        (void)nanosleep(&ts, NULL);
    }
    return rd_kafka_error_new(RD_KAFKA_RESP_ERR__TIMED_OUT, "%s kept failing with retriable "
                              "errors", offsets ? "send_offsets_to_transaction"
                                                : "commit_transaction");
}

/* Fenced is final even when librdkafka offers an abort: another instance
 * owns the id now. */
static bool abortable(const tg_processor *p, const rd_kafka_error_t *e)
{
    return rd_kafka_error_txn_requires_abort(e) && !rd_kafka_error_is_fatal(e)
           && !is_fenced(rd_kafka_error_code(e))
           && tg_now_ms() - p->txn_started_ms < p->txn_timeout_ms;
}

/* Send the offsets and commit; NULL when committed. */
static rd_kafka_error_t *commit_with_offsets(tg_processor *p, const char **call)
{
    *call = "send_offsets_to_transaction";
    rd_kafka_error_t *e = with_retries(p, true);
    if (e)
        return e;
    *call = "commit_transaction";
    return with_retries(p, false);
}

int tg_proc_commit(tg_processor *p, bool rewind_on_abort)
{
    if (!p->txn_open || p->failed)
        return p->failed ? -1 : 0;
    const char *call = "";
    /* A transaction known to be sunk is not even tried (a partial one must
     * never commit); a refusal may also be reported while it commits. */
    rd_kafka_error_t *e = p->refusal.set || p->txn_broken ? NULL : commit_with_offsets(p, &call);
    if (!e && !p->refusal.set && !p->txn_broken) {
        p->txn_open = false;
        p->stats.commits++;
        tg_metrics_add(p->metrics, TG_M_COMMITS, 1);
        if (p->doomed.used)
            p->doomed.set = p->doomed.used = false;
        return 0;
    }
    if (e && !abortable(p, e)) {
        fatal_txn(p, e, call);
        rd_kafka_error_destroy(e);
        return -1;
    }
    /* An enqueue said "abort" (not one that doomed its input): the failed
     * delivery behind it, if reported soon, names the record to blame. */
    for (int i = 0; p->txn_broken && !p->refusal.set && !p->doomed.set
                    && i < BROKEN_REPORT_WAITS; i++)
        (void)tg_producer_poll(p->producer, 50);
    char why[TG_PROC_REASON_MAX + 40];
    if (p->refusal.set)
        (void)snprintf(why, sizeof why, "%s", p->refusal.reason);
    else if (p->txn_broken)
        (void)snprintf(why, sizeof why, "an output of it could not be enqueued");
    else
        (void)snprintf(why, sizeof why, "%s: %s", call, rd_kafka_error_string(e));
    if (e)
        rd_kafka_error_destroy(e);
    if (p->refusal.set)
        blame_refusal(p);
    if (!p->failed)
        abort_txn(p, rewind_on_abort, why);
    return p->failed ? -1 : 1;
}

static int init_transactions(tg_processor *p)
{
    rd_kafka_error_t *e = NULL;
    for (int i = 0; i < TXN_CALL_RETRIES; i++) {
        e = rd_kafka_init_transactions(p->rk_prod, TXN_CALL_TIMEOUT_MS);
        if (!e || !rd_kafka_error_is_retriable(e))
            break;
        rd_kafka_error_destroy(e);
        e = NULL;
    }
    if (!e)
        return 0;
    fatal_txn(p, e, "init_transactions");
    rd_kafka_error_destroy(e);
    return -1;
}

/* ---- rebalances ---------------------------------------------------------- */

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t e,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    tg_processor *p = opaque;
    bool coop = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    rd_kafka_error_t *ae = NULL;
    if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        char n[16];
        (void)snprintf(n, sizeof n, "%d", parts->cnt);
        tg_proc_log(p, TG_LOG_INFO, "partitions assigned", "count", n);
        tg_sticky_assigned(&p->sticky);
        atomic_store(&p->in_group, true);
        if (coop)
            ae = rd_kafka_incremental_assign(rk, parts);
        else
            (void)rd_kafka_assign(rk, parts);
    } else {
        /* Before the partitions go: their work so far commits (or, when they
         * were lost to another member already, aborts: the new owner redoes
         * it).  A cooperative revocation keeps the other partitions, which
         * an aborted commit must rewind like any abort. */
        if (p->txn_open && rd_kafka_assignment_lost(rk))
            abort_txn(p, false, "partitions lost");
        else if (p->txn_open)
            (void)tg_proc_commit(p, coop);
        if (coop)
            ae = rd_kafka_incremental_unassign(rk, parts);
        else
            (void)rd_kafka_assign(rk, NULL);
        if (!coop)
            atomic_store(&p->in_group, false);
    }
    if (ae)
        rd_kafka_error_destroy(ae);
}

/* ---- the loop ------------------------------------------------------------ */

static int subscribe(tg_processor *p, tg_error *err)
{
    if (p->n_regs == 0)
        return tg_error_set(err, TG_ERR_STATE, "tg_processor_run: no topic registered");
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)p->n_regs);
    size_t slot = 0;
    for (size_t i = 0; i < p->n_regs; i++) {
        rd_kafka_topic_partition_list_add(l, p->regs[i].topic, RD_KAFKA_PARTITION_UA);
        if (p->regs[i].desc->struct_size > slot)
            slot = p->regs[i].desc->struct_size;
    }
    rd_kafka_resp_err_t e = rd_kafka_subscribe(p->consumer, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e)
        return tg_error_set(err, TG_ERR_KAFKA, "subscribe: %s", rd_kafka_err2str(e));
    if (tg_hctx_init(&p->dc, &p->s, slot) != 0)
        return tg_error_set(err, TG_ERR_NOMEM, "tg_processor_run: out of memory");
    return 0;
}

static bool txn_due(const tg_processor *p)
{
    return p->txn_open && (p->txn_inputs >= (size_t)p->s.transaction_max_messages
                           || tg_now_ms() - p->txn_started_ms >= p->s.transaction_interval_ms
                           || p->refusal.set || p->txn_broken);
}

static void consumer_error(tg_processor *p, const rd_kafka_message_t *m)
{
    char buf[512];
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
        return;
    if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
        rd_kafka_resp_err_t c = rd_kafka_fatal_error(p->consumer, buf, sizeof buf);
        (void)c;
        tg_proc_fatal(p, TG_ERR_KAFKA, "fatal consumer error: %s", buf);
        return;
    }
    tg_proc_log(p, TG_LOG_WARN, "consumer error", "error", rd_kafka_message_errstr(m));
}

/* One iteration: a record (or an idle wait), then a commit if one is due. */
static void step(tg_processor *p)
{
    rd_kafka_message_t *m = rd_kafka_consumer_poll(p->consumer, p->s.poll_timeout_ms);
    (void)tg_producer_poll(p->producer, 0);
    if (m) {
        if (m->err)
            consumer_error(p, m);
        else
            tg_proc_handle(p, m);
        rd_kafka_message_destroy(m);
    }
    if (!p->failed && txn_due(p))
        (void)tg_proc_commit(p, true);
}

/* The end: commit what is open (abort after a failure), leave (after the
 * first assignment, if one is due: tg_sticky_int.h), close. */
static void finish(tg_processor *p)
{
    if (p->txn_open && !p->failed)
        (void)tg_proc_commit(p, false);
    if (p->txn_open)
        abort_txn(p, false, p->fatal.message);
    if (p->consumer && !p->closed) {
        p->closed = true;
        tg_sticky_await_first_assignment(&p->sticky, p->consumer,
                                         tg_now_ms() + p->s.shutdown_timeout_ms);
        (void)rd_kafka_consumer_close(p->consumer);
    }
}

int tg_processor_run(tg_processor *p, tg_error *err)
{
    if (!p)
        return tg_error_set(err, TG_ERR_ARG, "tg_processor_run: NULL processor");
    if (p->running || p->closed)
        return tg_error_set(err, TG_ERR_STATE, "tg_processor_run: runs once");
    p->running = true;
    int rc = subscribe(p, err);
    if (rc)
        return rc;
    if (init_transactions(p) == 0)
        tg_proc_log(p, TG_LOG_INFO, "transactions ready", "policy",
                    p->txn_id_stable ? "stable id" : "unique per process");
    atomic_store(&p->loop_ms, tg_now_ms());
    while (!p->failed && !atomic_load(&p->stop)) {
        step(p);
        atomic_store(&p->loop_ms, tg_now_ms());
    }
    atomic_store(&p->done, true);
    finish(p);
    if (!p->failed)
        return 0;
    if (err)
        *err = p->fatal;
    return p->fatal.code;
}

void tg_processor_stop(tg_processor *p)
{
    if (p)
        atomic_store(&p->stop, true);
}

bool tg_processor_stopping(const tg_processor *p)
{
    return p && atomic_load(&p->stop);
}

void tg_processor_get_stats(const tg_processor *p, tg_processor_stats *out)
{
    if (out)
        *out = p ? p->stats : (tg_processor_stats){ 0 };
}

const char *tg_processor_transactional_id(const tg_processor *p)
{
    return p ? p->txn_id : NULL;
}

rd_kafka_t *tg_processor_consumer_handle(tg_processor *p)
{
    return p ? p->consumer : NULL;
}

rd_kafka_t *tg_processor_producer_handle(tg_processor *p)
{
    return p ? p->rk_prod : NULL;
}

void tg_processor_free(tg_processor *p)
{
    if (!p)
        return;
    tg_http_stop(p->http);        /* the endpoint ends first: it reads p */
    p->http = NULL;
    if (p->running)
        finish(p);
    if (p->producer)
        (void)tg_producer_close(p->producer, p->s.shutdown_timeout_ms, NULL);
    p->producer = NULL;
    if (p->consumer && tg_sticky_state_missing(&p->sticky, p->consumer)) {
        tg_sticky_keep(p, &p->logger, "processor"); /* with its consumer, never freed */
        return;
    }
    if (p->consumer)
        rd_kafka_destroy(p->consumer);
    tg_embedded_release(p->embedded);
    tg_hctx_free(&p->dc);
    tg_proc_emitter_free(&p->out);
    tg_metrics_free(p->own_metrics);
    free(p->first);
    free(p->solo);
    free(p->regs);
    free(p);
}
