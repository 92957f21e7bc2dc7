/* topicgen-cat-consume.c: `topicgen-cat consume TOPIC` (docs/tools.md).
 *
 * Contract.  Reads TOPIC (every partition, assigned, never subscribed) from
 * --from (default: the group's committed offsets with --group, else the
 * beginning) until every partition reached its end (or forever with
 * --follow, or N records with --count), and prints one JSON line per
 * record: partition, offset, timestamp, key, headers and the value decoded
 * and re-encoded by the generated code, or an "error" object (path, byte
 * offset, reason) saying exactly what the service's consumer would say.
 * The type: the record's tg-schema header when this build knows it, else
 * --type, else the topic's only type; --raw prints values as text instead;
 * a tombstone (null value) is printed with "value":null, not decoded.
 * Without --group nothing is committed; with it, a record's offset is
 * stored only after its line is written and flushed, and committed every
 * second and at the end.  A bad record (undecodable, wrong schema, a header
 * or key that is not UTF-8) is reported and counted; the tool goes on.
 * Exit: 0 every record decoded, 1 some did not, 2 usage, 3 Kafka error. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cat_int.h"

static const char usage[] =
    "usage: topicgen-cat consume TOPIC [options]\n"
    "  --type NAME          decode as <schema>.<Msg> (or <Msg>) when a record has no known\n"
    "                       tg-schema header (default: the topic's only type)\n"
    "  --raw                print values as text, do not decode\n"
    "  --from WHERE         beginning | end | OFFSET | @TIMESTAMP_MS (default: beginning,\n"
    "                       or the group's committed offsets with --group)\n"
    "  --count N            stop after N records\n"
    "  --follow             wait for new records (default: stop at the end of every partition)\n"
    "  --group G            commit the offsets of printed records to group G (default: no\n"
    "                       group, nothing committed)\n"
    "  --timeout-ms N       wait this long for the topic's metadata (default 10000)\n"
    "Output: one JSON line per record, {\"partition\",\"offset\",\"timestamp\",\"key\",\"headers\",\n"
    "\"value\"} or {\"partition\",\"offset\",\"error\":{\"path\",\"offset\",\"reason\"}}.\n"
    "Exit status 1: some record did not decode (or had a header or key that is not UTF-8).\n";

static atomic_bool stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&stop_flag, true);
}

typedef struct consume_opts {
    const char *topic, *type, *from, *group;
    long long count, timeout_ms;
    bool raw, follow;
} consume_opts;

typedef struct consume_run {
    const cat_ctx *ctx;
    consume_opts o;
    const tg_message_desc *type;   /* --type, or NULL */
    rd_kafka_t *rk;
    cat_decoder dec;
    int32_t *parts;
    size_t n_parts, n_eof;
    bool *eof;
    unsigned long long printed, bad;
    cat_progress progress;
} consume_run;

/* --from as a librdkafka offset (or a timestamp: *ts set). */
static bool start_offset(const char *from, int64_t *offset, bool *is_ts)
{
    char *end = NULL;
    *is_ts = false;
    if (!from || strcmp(from, "beginning") == 0)
        *offset = RD_KAFKA_OFFSET_BEGINNING;
    else if (strcmp(from, "end") == 0)
        *offset = RD_KAFKA_OFFSET_END;
    else {
        *is_ts = from[0] == '@';
        const char *n = from + (*is_ts ? 1 : 0);
        long long v = strtoll(n, &end, 10);
        if (end == n || *end || v < 0)
            return false;
        *offset = v;
    }
    return true;
}

static int assign_all(consume_run *r)
{
    int64_t offset;
    bool is_ts;
    (void)start_offset(r->o.from, &offset, &is_ts); /* checked by cat_consume */
    if (!r->o.from && r->o.group)
        offset = RD_KAFKA_OFFSET_STORED;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)r->n_parts);
    for (size_t i = 0; i < r->n_parts; i++)
        rd_kafka_topic_partition_list_add(l, r->o.topic, r->parts[i])->offset = offset;
    rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (is_ts)
        e = rd_kafka_offsets_for_times(r->rk, l, (int)r->o.timeout_ms);
    if (!e)
        e = rd_kafka_assign(r->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e) {
        cat_say(r->ctx, "cannot start reading '%s': %s", r->o.topic, rd_kafka_err2str(e));
        return CAT_KAFKA;
    }
    return CAT_OK;
}

/* The type of record m: its known tg-schema, else --type, else the topic's. */
static const tg_message_desc *type_of(consume_run *r, const rd_kafka_headers_t *h)
{
    const void *v;
    size_t n, count;
    const tg_message_desc *d = NULL;
    if (cat_header(h, "tg-schema", &v, &n) && v)
        d = cat_type_named(r->ctx, v, n);
    if (!d)
        d = r->type;
    return d ? d : cat_type_of_topic(r->ctx, r->o.topic, &count);
}

static void print_error(const consume_run *r, const rd_kafka_message_t *m, const char *path,
                        size_t offset, const char *reason)
{
    (void)printf("{\"partition\":%d,\"offset\":%lld,\"error\":{\"path\":", (int)m->partition,
                 (long long)m->offset);
    (void)cat_json_string(stdout, path, strlen(path), NULL);
    (void)printf(",\"offset\":%zu,\"reason\":", offset);
    (void)cat_json_string(stdout, reason, strlen(reason), NULL);
    (void)fputs("}}\n", stdout);
    (void)r;
}

/* Key, as a JSON string (null without one); false when it is not UTF-8. */
static bool print_key(const consume_run *r, const rd_kafka_message_t *m)
{
    size_t at = 0;
    if (!m->key) {
        (void)fputs("null", stdout);
        return true;
    }
    if (cat_json_string(stdout, m->key, m->key_len, &at))
        return true;
    cat_say(r->ctx, "partition %d offset %lld: the key is not UTF-8 (byte %zu); shown with "
            "U+FFFD", (int)m->partition, (long long)m->offset, at);
    return false;
}

/* One record's line; false when it is bad. */
static bool print_record(consume_run *r, const rd_kafka_message_t *m)
{
    rd_kafka_headers_t *h = NULL;
    (void)rd_kafka_message_headers(m, &h);
    tg_record rec;
    tg_record_of(&rec, m, r->o.topic);
    cat_verdict v;
    /* A tombstone (null value) is no message to decode: printed as null. */
    const tg_message_desc *d = r->o.raw || !m->payload ? NULL : type_of(r, h);
    if (!r->o.raw && m->payload && !d) {
        print_error(r, m, "$", 0, "no type for this record: it has no tg-schema header this "
                    "build knows, and the topic has no single type (give --type, or --raw)");
        return false;
    }
    if (d) {
        cat_decode(&r->dec, d, &rec, &v);
        if (!v.ok) {
            print_error(r, m, v.path, v.offset, v.reason);
            return false;
        }
    }
    (void)printf("{\"partition\":%d,\"offset\":%lld,\"timestamp\":%lld,\"key\":",
                 (int)m->partition, (long long)m->offset, (long long)rec.timestamp_ms);
    bool ok = print_key(r, m);
    (void)fputs(",\"headers\":", stdout);
    ok = cat_json_headers(r->ctx, stdout, h, m->partition, m->offset) == 0 && ok;
    (void)fputs(",\"value\":", stdout);
    size_t at = 0;
    if (d)
        (void)fwrite(v.json, 1, v.json_len, stdout);
    else if (!m->payload)
        (void)fputs("null", stdout);
    else if (!cat_json_string(stdout, m->payload, m->len, &at)) {
        cat_say(r->ctx, "partition %d offset %lld: the value is not UTF-8 (byte %zu)",
                (int)m->partition, (long long)m->offset, at);
        ok = false;
    }
    (void)fputs("}\n", stdout);
    return ok;
}

static void commit_now(consume_run *r, bool sync)
{
    if (r->o.group)
        (void)rd_kafka_commit(r->rk, NULL, sync ? 0 : 1);
}

static void note_eof(consume_run *r, int32_t partition)
{
    for (size_t i = 0; i < r->n_parts; i++)
        if (r->parts[i] == partition && !r->eof[i]) {
            r->eof[i] = true;
            r->n_eof++;
        }
}

/* One polled event; CAT_KAFKA on a fatal error, else CAT_OK. */
static int on_event(consume_run *r, rd_kafka_message_t *m)
{
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        note_eof(r, m->partition);
        return CAT_OK;
    }
    if (m->err) {
        cat_say(r->ctx, "%s", rd_kafka_message_errstr(m));
        bool fatal = m->err == RD_KAFKA_RESP_ERR__FATAL ||
                     m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
                     m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                     m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED;
        return fatal ? CAT_KAFKA : CAT_OK;
    }
    if (!print_record(r, m))
        r->bad++;
    r->printed++;
    (void)fflush(stdout);
    if (r->o.group) {
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(l, r->o.topic, m->partition)->offset = m->offset + 1;
        (void)rd_kafka_offsets_store(r->rk, l);
        rd_kafka_topic_partition_list_destroy(l);
    }
    return CAT_OK;
}

static bool finished(const consume_run *r)
{
    if (atomic_load(&stop_flag))
        return true;
    if (r->o.count > 0 && r->printed >= (unsigned long long)r->o.count)
        return true;
    return !r->o.follow && r->n_eof == r->n_parts;
}

static int loop(consume_run *r)
{
    int64_t last_commit = cat_now_ms();
    int rc = CAT_OK;
    while (rc == CAT_OK && !finished(r)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(r->rk, 100);
        if (m) {
            rc = on_event(r, m);
            rd_kafka_message_destroy(m);
        }
        if (r->o.count > 0)
            cat_progress_show(&r->progress, false, "consume %s: %llu of %lld records, %llu bad",
                              r->o.topic, r->printed, r->o.count, r->bad);
        if (cat_now_ms() - last_commit >= 1000) {
            commit_now(r, false);
            last_commit = cat_now_ms();
        }
    }
    if (r->o.count > 0)
        cat_progress_show(&r->progress, true, "consume %s: %llu of %lld records, %llu bad",
                          r->o.topic, r->printed, r->o.count, r->bad);
    cat_progress_done(&r->progress);
    commit_now(r, true);
    return rc;
}

static tg_config *consume_config(consume_run *r, const cat_common *c)
{
    tg_config *conf = cat_config(r->ctx, c, TG_CONFIG_CONSUMER);
    tg_error err;
    if (conf && (tg_config_set(conf, "enable.partition.eof", "true", &err) != 0 ||
                 (r->o.group && tg_config_set(conf, "group.id", r->o.group, &err) != 0))) {
        cat_say(r->ctx, "%s", err.message);
        tg_config_free(conf);
        return NULL;
    }
    return conf;
}

static int run(consume_run *r, const cat_common *c)
{
    tg_config *conf = consume_config(r, c);
    if (!conf)
        return CAT_USAGE;
    int rc = CAT_KAFKA;
    if (cat_decoder_init(&r->dec, r->ctx, tg_config_settings(conf)) != 0)
        cat_say(r->ctx, "out of memory");
    else if ((r->rk = cat_consumer(r->ctx, conf)) &&
             cat_partitions(r->ctx, r->rk, r->o.topic, (int)r->o.timeout_ms, &r->parts,
                            &r->n_parts) == 0 &&
             (r->eof = calloc(r->n_parts, sizeof *r->eof)) &&
             (rc = assign_all(r)) == CAT_OK)
        rc = loop(r);
    tg_config_free(conf);
    if (r->rk) {
        (void)rd_kafka_consumer_close(r->rk);
        rd_kafka_destroy(r->rk);
    }
    cat_decoder_free(&r->dec);
    free(r->parts);
    free(r->eof);
    return rc != CAT_OK ? rc : r->bad ? CAT_SOME_BAD : CAT_OK;
}

int cat_consume(const cat_ctx *ctx, int argc, char **argv)
{
    consume_run r;
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.o.timeout_ms = 10000;
    const cat_opt opts[] = {
        CAT_STR("--type", &r.o.type),      CAT_STR("--from", &r.o.from),
        CAT_STR("--group", &r.o.group),    CAT_NUM("--count", &r.o.count, 1, INT64_MAX),
        CAT_SWITCH("--raw", &r.o.raw),     CAT_SWITCH("--follow", &r.o.follow),
        CAT_NUM("--timeout-ms", &r.o.timeout_ms, 1, 3600000),
    };
    cat_common c;
    size_t n_pos;
    int rc = cat_parse(ctx, argc, argv, 2, usage, &c, opts, sizeof opts / sizeof opts[0],
                       &r.o.topic, &n_pos, 1, 1);
    if (rc != CAT_OK)
        return rc;
    if (r.o.type && !(r.type = cat_type_named(ctx, r.o.type, strlen(r.o.type)))) {
        cat_say(ctx, "--type %s: no such type in this build (topicgen-cat types lists them)",
                r.o.type);
        return CAT_USAGE;
    }
    int64_t offset;
    bool is_ts;
    if (!start_offset(r.o.from, &offset, &is_ts)) {
        cat_say(ctx, "--from %s: expected beginning, end, OFFSET or @TIMESTAMP_MS", r.o.from);
        return CAT_USAGE;
    }
    cat_progress_init(&r.progress);
    atomic_store(&stop_flag, false);
    (void)signal(SIGINT, on_signal);
    (void)signal(SIGTERM, on_signal);
    return run(&r, &c);
}
