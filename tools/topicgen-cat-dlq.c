/* topicgen-cat-dlq.c: `topicgen-cat dlq list DLQ` and `dlq show DLQ`
 * (docs/tools.md); redrive is topicgen-cat-redrive.c.
 *
 * Contract.  A dead letter is a record of a DLQ topic with the envelope of
 * runtime/kafka/tg_dlq_int.h: the source record's key, value and headers
 * plus tg-dlq-reason, -path, -topic, -partition, -offset, -timestamp,
 * -attempts and, when cut, tg-dlq-truncated and tg-dlq-original-size.
 * Both verbs only read (read_committed, no group, nothing committed).
 *  list   reads DLQ from the beginning to the end of every partition and
 *         prints one JSON line per tg-dlq-reason: count, truncated count,
 *         original topics with counts, and per DLQ partition the offset
 *         range [first, last] (for `dlq redrive --offsets`).
 *  show   prints the one record at --offset (in --partition, default 0):
 *         its envelope as an object "dlq", the other headers, key and value
 *         (as text), or says it is not there.
 * Exit: 0, 1 (show: not a dead letter / not found), 2 usage, 3 Kafka. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "cat_int.h"

static const char list_usage[] =
    "usage: topicgen-cat dlq list DLQ [options]\n"
    "  --timeout-ms N       wait this long for metadata (default 10000)\n"
    "Prints one JSON line per tg-dlq-reason: {\"reason\",\"count\",\"truncated\",\"topics\":{topic:\n"
    "count},\"dlq_offsets\":{partition:[first,last]}}.\n";

static const char show_usage[] =
    "usage: topicgen-cat dlq show DLQ --offset O [--partition P] [options]\n"
    "  --offset O           the dead letter's offset in DLQ (required)\n"
    "  --partition P        its partition (default 0)\n"
    "  --timeout-ms N       wait this long for the record (default 10000)\n"
    "Prints {\"partition\",\"offset\",\"timestamp\",\"key\",\"dlq\":{reason,path,topic,partition,offset,\n"
    "timestamp,attempts,truncated,original_size},\"headers\":{the others},\"value\":\"text\"}.\n"
    "Exit status 1: no record there, or it is not a dead letter.\n";

#define MAX_PARTS 256

typedef struct reason_group {
    char *reason;
    unsigned long long count, truncated;
    char **topics;
    unsigned long long *topic_counts;
    size_t n_topics;
    int64_t first[MAX_PARTS], last[MAX_PARTS]; /* -1: none in that DLQ partition */
} reason_group;

typedef struct dlq_list {
    reason_group *groups;
    size_t n;
    unsigned long long letters;
} dlq_list;

static reason_group *group_of(dlq_list *l, const char *reason)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->groups[i].reason, reason) == 0)
            return &l->groups[i];
    reason_group *g = realloc(l->groups, (l->n + 1) * sizeof *g);
    if (!g)
        return NULL;
    l->groups = g;
    g = &l->groups[l->n++];
    memset(g, 0, sizeof *g);
    g->reason = strdup(reason);
    for (size_t p = 0; p < MAX_PARTS; p++)
        g->first[p] = g->last[p] = -1;
    return g->reason ? g : NULL;
}

static void count_topic(reason_group *g, const char *topic)
{
    for (size_t i = 0; i < g->n_topics; i++)
        if (strcmp(g->topics[i], topic) == 0) {
            g->topic_counts[i]++;
            return;
        }
    char **t = realloc(g->topics, (g->n_topics + 1) * sizeof *t);
    if (t)
        g->topics = t;
    unsigned long long *c = realloc(g->topic_counts, (g->n_topics + 1) * sizeof *c);
    if (c)
        g->topic_counts = c;
    if (!t || !c || !(g->topics[g->n_topics] = strdup(topic)))
        return;
    g->topic_counts[g->n_topics++] = 1;
}

static void add_letter(dlq_list *l, const rd_kafka_message_t *m)
{
    rd_kafka_headers_t *h = NULL;
    (void)rd_kafka_message_headers(m, &h);
    char reason[1024] = "", topic[256] = "(none: not a dead letter)";
    (void)cat_header_text(h, "tg-dlq-reason", reason, sizeof reason);
    (void)cat_header_text(h, "tg-dlq-topic", topic, sizeof topic);
    reason_group *g = group_of(l, reason);
    if (!g)
        return;
    l->letters++;
    g->count++;
    g->truncated += cat_header(h, "tg-dlq-truncated", &(const void *){NULL}, &(size_t){0});
    count_topic(g, topic);
    if (m->partition >= 0 && m->partition < MAX_PARTS) {
        int32_t p = m->partition;
        if (g->first[p] < 0 || m->offset < g->first[p])
            g->first[p] = m->offset;
        if (m->offset > g->last[p])
            g->last[p] = m->offset;
    }
}

static void print_group(const reason_group *g)
{
    (void)fputs("{\"reason\":", stdout);
    (void)cat_json_string(stdout, g->reason, strlen(g->reason), NULL);
    (void)printf(",\"count\":%llu,\"truncated\":%llu,\"topics\":{", g->count, g->truncated);
    for (size_t i = 0; i < g->n_topics; i++) {
        (void)fputs(i ? "," : "", stdout);
        (void)cat_json_string(stdout, g->topics[i], strlen(g->topics[i]), NULL);
        (void)printf(":%llu", g->topic_counts[i]);
    }
    (void)fputs("},\"dlq_offsets\":{", stdout);
    const char *sep = "";
    for (int p = 0; p < MAX_PARTS; p++)
        if (g->first[p] >= 0) {
            (void)printf("%s\"%d\":[%lld,%lld]", sep, p, (long long)g->first[p],
                         (long long)g->last[p]);
            sep = ",";
        }
    (void)fputs("}}\n", stdout);
}

static void free_list(dlq_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        for (size_t t = 0; t < l->groups[i].n_topics; t++)
            free(l->groups[i].topics[t]);
        free(l->groups[i].topics);
        free(l->groups[i].topic_counts);
        free(l->groups[i].reason);
    }
    free(l->groups);
}

/* A read_committed consumer that reports the end of each partition, in
 * *rk (the caller destroys it).  CAT_OK, CAT_USAGE (a bad option) or
 * CAT_KAFKA. */
static int open_reader(const cat_ctx *ctx, const cat_common *c, rd_kafka_t **rk)
{
    tg_config *conf = cat_config(ctx, c, TG_CONFIG_CONSUMER);
    tg_error err;
    if (conf && (tg_config_set(conf, "enable.partition.eof", "true", &err) != 0 ||
                 tg_config_set(conf, "isolation.level", "read_committed", &err) != 0)) {
        cat_say(ctx, "%s", err.message);
        tg_config_free(conf);
        conf = NULL;
    }
    if (!conf)
        return CAT_USAGE;
    *rk = cat_consumer(ctx, conf);
    tg_config_free(conf);
    return *rk ? CAT_OK : CAT_KAFKA;
}

/* Read every partition of topic from the beginning to its end. */
static int scan(const cat_ctx *ctx, rd_kafka_t *rk, const char *topic, int timeout_ms,
                dlq_list *l)
{
    int32_t *parts = NULL;
    size_t n = 0, eofs = 0;
    if (cat_partitions(ctx, rk, topic, timeout_ms, &parts, &n) != 0)
        return CAT_KAFKA;
    rd_kafka_topic_partition_list_t *pl = rd_kafka_topic_partition_list_new((int)n);
    for (size_t i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(pl, topic, parts[i])->offset =
            RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t e = rd_kafka_assign(rk, pl);
    rd_kafka_topic_partition_list_destroy(pl);
    free(parts);
    int rc = e ? CAT_KAFKA : CAT_OK;
    while (rc == CAT_OK && eofs < n) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
        if (!m)
            continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
            eofs++;
        else if (m->err) {
            cat_say(ctx, "%s", rd_kafka_message_errstr(m));
            rc = m->err == RD_KAFKA_RESP_ERR__FATAL ? CAT_KAFKA : CAT_OK;
        } else
            add_letter(l, m);
        rd_kafka_message_destroy(m);
    }
    return rc;
}

int cat_dlq_list(const cat_ctx *ctx, int argc, char **argv)
{
    const char *dlq = NULL;
    long long timeout_ms = 10000;
    const cat_opt opts[] = {CAT_NUM("--timeout-ms", &timeout_ms, 1, 3600000)};
    cat_common c;
    size_t n_pos;
    int rc = cat_parse(ctx, argc, argv, 3, list_usage, &c, opts, 1, &dlq, &n_pos, 1, 1);
    if (rc != CAT_OK)
        return rc;
    rd_kafka_t *rk = NULL;
    if ((rc = open_reader(ctx, &c, &rk)) != CAT_OK)
        return rc;
    dlq_list l = {NULL, 0, 0};
    rc = scan(ctx, rk, dlq, (int)timeout_ms, &l);
    for (size_t i = 0; rc == CAT_OK && i < l.n; i++)
        print_group(&l.groups[i]);
    if (rc == CAT_OK)
        cat_say(ctx, "%llu dead letters, %zu reasons", l.letters, l.n);
    free_list(&l);
    (void)rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return rc;
}

/* ---- show ------------------------------------------------------------------- */

/* The envelope headers as an object, their names without the prefix. */
static void print_envelope(const rd_kafka_headers_t *h)
{
    const char *name, *sep = "";
    const void *v;
    size_t n;
    (void)fputc('{', stdout);
    for (size_t i = 0; h && rd_kafka_header_get_all(h, i, &name, &v, &n) == 0; i++) {
        if (!cat_is_envelope(name))
            continue;
        (void)fputs(sep, stdout);
        (void)cat_json_string(stdout, name + sizeof CAT_DLQ_PREFIX - 1,
                              strlen(name) - (sizeof CAT_DLQ_PREFIX - 1), NULL);
        (void)fputc(':', stdout);
        (void)cat_json_string(stdout, v, v ? n : 0, NULL);
        sep = ",";
    }
    (void)fputc('}', stdout);
}

static void print_letter(const cat_ctx *ctx, const rd_kafka_message_t *m)
{
    rd_kafka_headers_t *h = NULL;
    (void)rd_kafka_message_headers(m, &h);
    rd_kafka_headers_t *rest = cat_headers_without_envelope(h);
    (void)printf("{\"partition\":%d,\"offset\":%lld,\"timestamp\":%lld,\"key\":",
                 (int)m->partition, (long long)m->offset,
                 (long long)rd_kafka_message_timestamp(m, NULL));
    if (m->key)
        (void)cat_json_string(stdout, m->key, m->key_len, NULL);
    else
        (void)fputs("null", stdout);
    (void)fputs(",\"dlq\":", stdout);
    print_envelope(h);
    (void)fputs(",\"headers\":", stdout);
    (void)cat_json_headers(ctx, stdout, rest, m->partition, m->offset);
    (void)fputs(",\"value\":", stdout);
    if (m->payload)
        (void)cat_json_string(stdout, m->payload, m->len, NULL);
    else
        (void)fputs("null", stdout);
    (void)fputs("}\n", stdout);
    if (rest)
        rd_kafka_headers_destroy(rest);
}

/* The record at (dlq, partition, offset), or NULL after saying why. */
static rd_kafka_message_t *fetch_one(const cat_ctx *ctx, rd_kafka_t *rk, const char *dlq,
                                     int32_t partition, int64_t offset, long long timeout_ms)
{
    rd_kafka_topic_partition_list_t *pl = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(pl, dlq, partition)->offset = offset;
    rd_kafka_resp_err_t e = rd_kafka_assign(rk, pl);
    rd_kafka_topic_partition_list_destroy(pl);
    int64_t deadline = cat_now_ms() + timeout_ms;
    while (!e && cat_now_ms() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
        if (m && !m->err && m->offset == offset)
            return m;
        bool past = m && ((!m->err && m->offset > offset) ||
                          m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF ||
                          m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE ||
                          m->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION);
        if (m && m->err && !past)
            cat_say(ctx, "%s", rd_kafka_message_errstr(m));
        if (m)
            rd_kafka_message_destroy(m);
        if (past)
            break;
    }
    cat_say(ctx, "no record at %s partition %d offset %lld%s", dlq, (int)partition,
            (long long)offset, e ? rd_kafka_err2str(e) : "");
    return NULL;
}

int cat_dlq_show(const cat_ctx *ctx, int argc, char **argv)
{
    const char *dlq = NULL;
    long long offset = -1, partition = 0, timeout_ms = 10000;
    const cat_opt opts[] = {CAT_NUM("--offset", &offset, 0, INT64_MAX),
                            CAT_NUM("--partition", &partition, 0, INT32_MAX),
                            CAT_NUM("--timeout-ms", &timeout_ms, 1, 3600000)};
    cat_common c;
    size_t n_pos;
    int rc = cat_parse(ctx, argc, argv, 3, show_usage, &c, opts, 3, &dlq, &n_pos, 1, 1);
    if (rc != CAT_OK)
        return rc;
    if (offset < 0) {
        cat_say(ctx, "--offset O is required");
        (void)fprintf(stderr, "%s", show_usage);
        return CAT_USAGE;
    }
    rd_kafka_t *rk = NULL;
    if ((rc = open_reader(ctx, &c, &rk)) != CAT_OK)
        return rc;
    rd_kafka_message_t *m = fetch_one(ctx, rk, dlq, (int32_t)partition, offset, timeout_ms);
    rc = m ? CAT_OK : CAT_SOME_BAD;
    if (m) {
        rd_kafka_headers_t *h = NULL;
        (void)rd_kafka_message_headers(m, &h);
        print_letter(ctx, m);
        if (!cat_header(h, "tg-dlq-topic", &(const void *){NULL}, &(size_t){0})) {
            cat_say(ctx, "partition %d offset %lld is not a dead letter (no tg-dlq-topic)",
                    (int)partition, offset);
            rc = CAT_SOME_BAD;
        }
        rd_kafka_message_destroy(m);
    }
    (void)rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return rc;
}
