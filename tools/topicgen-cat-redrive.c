/* topicgen-cat-redrive.c: `topicgen-cat dlq redrive DLQ` (docs/tools.md).
 *
 * Contract.  Sends each selected dead letter of DLQ (--reason TEXT: its
 * tg-dlq-reason is TEXT; --offsets A-B: its DLQ offset is in [A, B], in
 * --partition P or every partition; --all) back to its original topic
 * (tg-dlq-topic) with its original key, value and headers minus the
 * tg-dlq-* envelope, plus tg-redriven-from: <DLQ>/<partition>/<offset>.
 * A truncated dead letter (tg-dlq-truncated: its value or more was cut) is
 * never redriven: it is reported and counted, as is a record that is not
 * a dead letter (no tg-dlq-topic).
 *
 * Exactly once, even when SIGKILLed midway: the redrive reads DLQ
 * read_committed from the committed offsets of its own group (--group,
 * default "topicgen-cat-redrive.<DLQ>") and produces through a
 * transactional producer whose transactional.id is derived from that group
 * ("topicgen-cat-redrive-<group>"), committing the DLQ positions INTO the
 * same transaction (send_offsets_to_transaction) every --batch records.
 * So a batch's redriven records and the DLQ offsets that say "done" become
 * visible together or not at all; a restart with the same group fences the
 * killed instance (init_transactions aborts its open transaction) and
 * resumes at the last committed offset.  Readers of the original topic must
 * read committed (librdkafka's default).  Records that are not selected
 * advance the offsets too: a later redrive of the same group does not see
 * them again (use another --group to look at them afresh).
 *
 * It stops at the end of every DLQ partition (as seen when it gets there).
 * A transaction that cannot commit is aborted (nothing of it is visible)
 * and the command exits 3: run it again to resume.
 * Exit: 0 every selected letter redriven, 1 some skipped (truncated or not
 * a dead letter), 2 usage, 3 Kafka error. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cat_int.h"
#include "tg_producer.h"

static const char usage[] =
    "usage: topicgen-cat dlq redrive DLQ (--reason TEXT | --offsets A-B | --all) [options]\n"
    "  --reason TEXT        the dead letters whose tg-dlq-reason is TEXT\n"
    "  --offsets A-B        the dead letters at DLQ offsets A to B (inclusive)\n"
    "  --partition P        with --offsets: only DLQ partition P\n"
    "  --all                every dead letter\n"
    "  --group G            the redrive's own consumer group: where it resumes (default\n"
    "                       topicgen-cat-redrive.<DLQ>); transactional.id topicgen-cat-redrive-G\n"
    "  --batch N            dead letters per transaction (default 500)\n"
    "  --rate N             at most N dead letters a second (default 0: no limit)\n"
    "  --timeout-ms N       metadata and transaction calls (default 30000)\n"
    "Each letter goes to its tg-dlq-topic with its key and headers (minus tg-dlq-*) plus\n"
    "tg-redriven-from: DLQ/PARTITION/OFFSET, in transactions with the DLQ offsets: a killed\n"
    "redrive run again never sends a letter twice.  Truncated letters are skipped (counted).\n"
    "Exit status 1: some letter was skipped (truncated, or not a dead letter).\n";

static atomic_bool stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&stop_flag, true);
}

typedef struct redrive_opts {
    const char *dlq, *reason, *offsets, *group;
    long long partition, batch, rate, timeout_ms;
    bool all;
    int64_t from, to;
} redrive_opts;

typedef struct tally {
    unsigned long long redriven, truncated, not_letters, unselected;
} tally;

typedef struct redrive_run {
    const cat_ctx *ctx;
    redrive_opts o;
    char group[512], txn_id[600];
    rd_kafka_t *rk;                /* the DLQ consumer                    */
    tg_producer *p;                /* transactional                       */
    rd_kafka_t *h;                 /* its handle                          */
    rd_kafka_consumer_group_metadata_t *cgmd;
    size_t n_parts, n_eof;
    int32_t *parts;
    bool *eof;
    bool txn_open;
    size_t in_txn;
    int64_t txn_began_ms, started_ms;
    tally done, pending;           /* committed, in the open transaction  */
    unsigned long long failed;     /* delivery reports with an error      */
    cat_progress progress;
} redrive_run;

static void on_delivery(void *user, const tg_delivery *d)
{
    redrive_run *r = user;
    if (d->err) {
        r->failed++;
        cat_say(r->ctx, "redriven record to '%s' not delivered: %s", d->topic, d->error);
    }
}

/* ---- transactions -------------------------------------------------------- */

static int txn_error(redrive_run *r, rd_kafka_error_t *e, const char *call)
{
    cat_say(r->ctx, "%s: %s%s", call, rd_kafka_error_string(e),
            rd_kafka_error_is_fatal(e) ? " (fatal)" : "");
    rd_kafka_error_destroy(e);
    return CAT_KAFKA;
}

static int begin(redrive_run *r)
{
    if (r->txn_open)
        return CAT_OK;
    rd_kafka_error_t *e = rd_kafka_begin_transaction(r->h);
    if (e)
        return txn_error(r, e, "begin transaction");
    r->txn_open = true;
    r->txn_began_ms = cat_now_ms();
    return CAT_OK;
}

/* The consumer's positions (next offsets) of the partitions it has read. */
static rd_kafka_topic_partition_list_t *positions(redrive_run *r)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)r->n_parts);
    for (size_t i = 0; i < r->n_parts; i++)
        rd_kafka_topic_partition_list_add(l, r->o.dlq, r->parts[i]);
    (void)rd_kafka_position(r->rk, l);
    rd_kafka_topic_partition_list_t *out = rd_kafka_topic_partition_list_new(l->cnt);
    for (int i = 0; i < l->cnt; i++)
        if (l->elems[i].offset >= 0)
            rd_kafka_topic_partition_list_add(out, r->o.dlq, l->elems[i].partition)->offset =
                l->elems[i].offset;
    rd_kafka_topic_partition_list_destroy(l);
    return out;
}

static void abort_open(redrive_run *r, const char *why)
{
    rd_kafka_error_t *e = rd_kafka_abort_transaction(r->h, (int)r->o.timeout_ms);
    cat_say(r->ctx, "%s: the open transaction (%zu records) was %s; nothing of it is visible. "
            "Run the same command again to resume", why, r->in_txn,
            e ? "left to time out" : "aborted");
    if (e)
        rd_kafka_error_destroy(e);
    r->txn_open = false;
}

static void settle_pending(redrive_run *r)
{
    r->done.redriven += r->pending.redriven;
    r->done.truncated += r->pending.truncated;
    r->done.not_letters += r->pending.not_letters;
    r->done.unselected += r->pending.unselected;
    memset(&r->pending, 0, sizeof r->pending);
    r->in_txn = 0;
    r->txn_open = false;
}

static int commit(redrive_run *r)
{
    if (!r->txn_open)
        return CAT_OK;
    rd_kafka_topic_partition_list_t *l = positions(r);
    rd_kafka_error_t *e =
        rd_kafka_send_offsets_to_transaction(r->h, l, r->cgmd, (int)r->o.timeout_ms);
    rd_kafka_topic_partition_list_destroy(l);
    if (!e)
        e = rd_kafka_commit_transaction(r->h, (int)r->o.timeout_ms);
    if (!e && r->failed)
        cat_say(r->ctx, "internal: a delivery failed in a committed transaction");
    if (e) {
        bool fatal = rd_kafka_error_is_fatal(e);
        (void)txn_error(r, e, "commit");
        if (!fatal)
            abort_open(r, "commit failed");
        return CAT_KAFKA;
    }
    settle_pending(r);
    return CAT_OK;
}

/* ---- one dead letter ------------------------------------------------------ */

static bool selected(const redrive_run *r, const rd_kafka_message_t *m,
                     const rd_kafka_headers_t *h)
{
    if (r->o.all)
        return true;
    if (r->o.offsets)
        return m->offset >= r->o.from && m->offset <= r->o.to &&
               (r->o.partition < 0 || m->partition == r->o.partition);
    const void *v;
    size_t n;
    return cat_header(h, "tg-dlq-reason", &v, &n) && v && n == strlen(r->o.reason) &&
           memcmp(v, r->o.reason, n) == 0;
}

static int send_letter(redrive_run *r, const rd_kafka_message_t *m, const rd_kafka_headers_t *h,
                       const char *topic)
{
    rd_kafka_headers_t *orig = cat_headers_without_envelope(h);
    char from[700];
    int n = snprintf(from, sizeof from, "%s/%d/%lld", r->o.dlq, (int)m->partition,
                     (long long)m->offset);
    tg_header extra = {"tg-redriven-from", from, (size_t)n};
    tg_raw_record rec = {topic, TG_PARTITION_ANY, m->key, m->key_len, m->payload, m->len,
                         orig, &extra, 1, 0, NULL};
    tg_error err;
    int rc;
    while ((rc = tg_producer_send_raw(r->p, &rec, &err)) == TG_ERR_QUEUE_FULL)
        (void)tg_producer_poll(r->p, 100);
    if (orig)
        rd_kafka_headers_destroy(orig);
    if (rc != 0) {
        cat_say(r->ctx, "partition %d offset %lld to '%s': %s", (int)m->partition,
                (long long)m->offset, topic, err.message);
        return CAT_KAFKA;
    }
    r->pending.redriven++;
    return CAT_OK;
}

static void throttle(redrive_run *r)
{
    if (r->o.rate <= 0)
        return;
    for (;;) {
        unsigned long long sent = r->done.redriven + r->pending.redriven;
        int64_t due_ms = (int64_t)(sent * 1000ULL / (unsigned long long)r->o.rate);
        int64_t wait = due_ms - (cat_now_ms() - r->started_ms);
        if (wait <= 0 || atomic_load(&stop_flag))
            return;
        (void)tg_producer_poll(r->p, wait > 50 ? 50 : (int)wait);
    }
}

static int on_record(redrive_run *r, const rd_kafka_message_t *m)
{
    rd_kafka_headers_t *h = NULL;
    (void)rd_kafka_message_headers(m, &h);
    int rc = begin(r);
    if (rc != CAT_OK)
        return rc;
    r->in_txn++;
    char topic[256];
    if (!selected(r, m, h)) {
        r->pending.unselected++;
    } else if (!cat_header_text(h, "tg-dlq-topic", topic, sizeof topic) || !topic[0]) {
        r->pending.not_letters++;
        cat_say(r->ctx, "partition %d offset %lld: not a dead letter (no tg-dlq-topic), skipped",
                (int)m->partition, (long long)m->offset);
    } else if (cat_header(h, "tg-dlq-truncated", &(const void *){NULL}, &(size_t){0})) {
        char how[32] = "";
        (void)cat_header_text(h, "tg-dlq-truncated", how, sizeof how);
        r->pending.truncated++;
        cat_say(r->ctx, "partition %d offset %lld: truncated dead letter (tg-dlq-truncated: %s), "
                "NOT redriven", (int)m->partition, (long long)m->offset, how);
    } else {
        throttle(r);
        rc = send_letter(r, m, h, topic);
    }
    if (rc == CAT_OK && (r->in_txn >= (size_t)r->o.batch ||
                         cat_now_ms() - r->txn_began_ms >= 1000))
        rc = commit(r);
    return rc;
}

/* ---- the loop --------------------------------------------------------------- */

static void note_eof(redrive_run *r, int32_t partition)
{
    for (size_t i = 0; i < r->n_parts; i++)
        if (r->parts[i] == partition && !r->eof[i]) {
            r->eof[i] = true;
            r->n_eof++;
        }
}

static void show_progress(redrive_run *r, bool force)
{
    cat_progress_show(&r->progress, force,
                      "redrive %s: %llu redriven, %llu truncated skipped, %llu not selected",
                      r->o.dlq, r->done.redriven + r->pending.redriven,
                      r->done.truncated + r->pending.truncated,
                      r->done.unselected + r->pending.unselected);
}

static int loop(redrive_run *r)
{
    int rc = CAT_OK;
    while (rc == CAT_OK && r->n_eof < r->n_parts && !atomic_load(&stop_flag)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(r->rk, 100);
        if (m && m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
            note_eof(r, m->partition);
        else if (m && m->err) {
            cat_say(r->ctx, "%s", rd_kafka_message_errstr(m));
            rc = m->err == RD_KAFKA_RESP_ERR__FATAL ? CAT_KAFKA : CAT_OK;
        } else if (m)
            rc = on_record(r, m);
        if (m)
            rd_kafka_message_destroy(m);
        (void)tg_producer_poll(r->p, 0);
        if (rc == CAT_OK && r->txn_open && cat_now_ms() - r->txn_began_ms >= 1000)
            rc = commit(r);
        show_progress(r, false);
    }
    if (rc == CAT_OK)
        rc = commit(r);
    show_progress(r, true);
    cat_progress_done(&r->progress);
    return rc;
}

/* ---- set-up ------------------------------------------------------------------ */

static int configure(redrive_run *r, const cat_common *c, tg_config **cconf, tg_config **pconf)
{
    tg_error err;
    *pconf = NULL;
    *cconf = cat_config(r->ctx, c, TG_CONFIG_CONSUMER);
    if (!*cconf)
        return CAT_USAGE;
    if (tg_config_set(*cconf, "group.id", r->group, &err) != 0 ||
        tg_config_set(*cconf, "isolation.level", "read_committed", &err) != 0 ||
        tg_config_set(*cconf, "enable.partition.eof", "true", &err) != 0 ||
        !(*pconf = tg_config_derive_producer(*cconf, &err)) ||
        tg_config_set(*pconf, "transactional.id", r->txn_id, &err) != 0) {
        cat_say(r->ctx, "%s", err.message);
        return CAT_USAGE;
    }
    return CAT_OK;
}

static int start(redrive_run *r, tg_config *cconf, tg_config *pconf)
{
    tg_error err;
    tg_producer_opts po = {on_delivery, r, NULL, NULL};
    if (!(r->p = tg_producer_new(pconf, &po, &err))) {
        cat_say(r->ctx, "%s", err.message);
        return CAT_KAFKA;
    }
    r->h = tg_producer_handle(r->p);
    /* Fences an earlier redrive of this group and aborts its open transaction
     * before any committed offset is read. */
    rd_kafka_error_t *e = rd_kafka_init_transactions(r->h, (int)r->o.timeout_ms);
    if (e)
        return txn_error(r, e, "init transactions (transactional.id topicgen-cat-redrive-G)");
    if (!(r->rk = cat_consumer(r->ctx, cconf)) ||
        cat_partitions(r->ctx, r->rk, r->o.dlq, (int)r->o.timeout_ms, &r->parts,
                       &r->n_parts) != 0 ||
        !(r->eof = calloc(r->n_parts, sizeof *r->eof)) ||
        !(r->cgmd = rd_kafka_consumer_group_metadata(r->rk)))
        return CAT_KAFKA;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)r->n_parts);
    for (size_t i = 0; i < r->n_parts; i++)
        rd_kafka_topic_partition_list_add(l, r->o.dlq, r->parts[i])->offset =
            RD_KAFKA_OFFSET_STORED;
    rd_kafka_resp_err_t ae = rd_kafka_assign(r->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (ae) {
        cat_say(r->ctx, "cannot read '%s': %s", r->o.dlq, rd_kafka_err2str(ae));
        return CAT_KAFKA;
    }
    return CAT_OK;
}

static void finish(redrive_run *r)
{
    if (r->txn_open)
        abort_open(r, "stopped");
    if (r->cgmd)
        rd_kafka_consumer_group_metadata_destroy(r->cgmd);
    if (r->rk) {
        (void)rd_kafka_consumer_close(r->rk);
        rd_kafka_destroy(r->rk);
    }
    if (r->p)
        (void)tg_producer_close(r->p, (int)r->o.timeout_ms, NULL);
    free(r->parts);
    free(r->eof);
}

static int run(redrive_run *r, const cat_common *c)
{
    tg_config *cconf, *pconf;
    int rc = configure(r, c, &cconf, &pconf);
    if (rc == CAT_OK)
        rc = start(r, cconf, pconf);
    tg_config_free(cconf);
    tg_config_free(pconf);
    r->started_ms = cat_now_ms();
    if (rc == CAT_OK)
        rc = loop(r);
    finish(r);
    (void)printf("redriven %llu, truncated skipped %llu, not dead letters %llu, "
                 "not selected %llu\n", r->done.redriven, r->done.truncated,
                 r->done.not_letters, r->done.unselected);
    if (rc != CAT_OK)
        return rc;
    return r->done.truncated || r->done.not_letters ? CAT_SOME_BAD : CAT_OK;
}

static int check_selection(redrive_run *r)
{
    int chosen = (r->o.reason != NULL) + (r->o.offsets != NULL) + r->o.all;
    if (chosen != 1) {
        cat_say(r->ctx, "give exactly one of --reason TEXT, --offsets A-B, --all");
        (void)fprintf(stderr, "%s", usage);
        return CAT_USAGE;
    }
    char *end = NULL;
    if (r->o.offsets) {
        long long a = strtoll(r->o.offsets, &end, 10), b = -1;
        if (end != r->o.offsets && *end == '-')
            b = strtoll(end + 1, &end, 10);
        if (*end || a < 0 || b < a) {
            cat_say(r->ctx, "--offsets %s: expected A-B with 0 <= A <= B", r->o.offsets);
            return CAT_USAGE;
        }
        r->o.from = a;
        r->o.to = b;
    }
    return CAT_OK;
}

int cat_dlq_redrive(const cat_ctx *ctx, int argc, char **argv)
{
    redrive_run r;
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.o.partition = -1;
    r.o.batch = 500;
    r.o.timeout_ms = 30000;
    const cat_opt opts[] = {
        CAT_STR("--reason", &r.o.reason),   CAT_STR("--offsets", &r.o.offsets),
        CAT_SWITCH("--all", &r.o.all),      CAT_STR("--group", &r.o.group),
        CAT_NUM("--partition", &r.o.partition, 0, INT32_MAX),
        CAT_NUM("--batch", &r.o.batch, 1, 100000),
        CAT_NUM("--rate", &r.o.rate, 0, 100000000),
        CAT_NUM("--timeout-ms", &r.o.timeout_ms, 1000, 3600000),
    };
    cat_common c;
    size_t n_pos;
    int rc = cat_parse(ctx, argc, argv, 3, usage, &c, opts, sizeof opts / sizeof opts[0],
                       &r.o.dlq, &n_pos, 1, 1);
    if (rc != CAT_OK || (rc = check_selection(&r)) != CAT_OK)
        return rc;
    (void)snprintf(r.group, sizeof r.group, "%s%s", r.o.group ? "" : "topicgen-cat-redrive.",
                   r.o.group ? r.o.group : r.o.dlq);
    (void)snprintf(r.txn_id, sizeof r.txn_id, "topicgen-cat-redrive-%s", r.group);
    cat_progress_init(&r.progress);
    atomic_store(&stop_flag, false);
    (void)signal(SIGINT, on_signal);
    (void)signal(SIGTERM, on_signal);
    return run(&r, &c);
}
