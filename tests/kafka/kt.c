/* kt: test helpers (see kt.h). */
#define _POSIX_C_SOURCE 200809L
#include "kt.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the runner ------------------------------------------------------------ */

static void usage(const char *prog, const kt_case *cases, size_t n)
{
    fprintf(stderr, "usage: %s <case>, one of:", prog);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, " %s", cases[i].name);
    fputc('\n', stderr);
}

static int run_case(const kt_case *c)
{
    kt_cluster k;
    if (c->brokers == 0) {
        c->fn(NULL);
        return check_done();
    }
    if (kt_cluster_start(&k, c->brokers) != 0) {
        check_fail(__FILE__, __LINE__, "mock cluster did not start");
        return check_done();
    }
    if (c->mock_only && !k.mc) {
        fprintf(stderr, "case %s needs the mock cluster (unset KT_BOOTSTRAP)\n", c->name);
        kt_cluster_stop(&k);
        return 2;
    }
    c->fn(&k);
    kt_cluster_stop(&k);
    return check_done();
}

int kt_main(int argc, char **argv, const kt_case *cases, size_t n)
{
    alarm(KT_ALARM_S); /* hard bound: SIGALRM kills a hung test */
    if (argc < 2 && n == 1 && !cases[0].main)
        return run_case(&cases[0]);
    if (argc < 2) {
        usage(argv[0], cases, n);
        return 2;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(cases[i].name, argv[1]) != 0)
            continue;
        if (cases[i].main)
            return cases[i].main(argc, argv);
        if (argc == 2)
            return run_case(&cases[i]);
        usage(argv[0], cases, n);
        return 2;
    }
    fprintf(stderr, "unknown case %s\n", argv[1]);
    usage(argv[0], cases, n);
    return 2;
}

/* ---- test message codec --------------------------------------------------- */

static bool key_eq(tg_str k, const char *s)
{
    return k.len == strlen(s) && memcmp(k.ptr, s, k.len) == 0;
}

static tg_json_code kt_decode(void *out, const char *json, size_t len, tg_arena *arena,
                              tg_json_errors *errors)
{
    kt_msg *m = out;
    static const tg_json_reader zero;
    tg_json_reader *r = malloc(sizeof *r); /* large; tests only */
    bool have_id = false;
    int st = 0;
    *r = zero;
    tg_json_reader_init(r, json, len, arena, errors);
    if (tg_json_object_begin(r)) {
        tg_str k;
        while ((st = tg_json_object_next(r, &k)) == 1) {
            if (key_eq(k, "id"))
                have_id = tg_json_read_int(r, 0, INT64_MAX, &m->id);
            else if (key_eq(k, "key"))
                (void)tg_json_read_string(r, &m->key);
            else if (key_eq(k, "body"))
                (void)tg_json_read_string(r, &m->body);
            else
                (void)tg_json_skip_unknown(r, k, true);
        }
        if (st == 0 && !have_id)
            (void)tg_json_error_field(r, tg_json_offset(r), TG_JSON_E_MISSING, "id",
                                      "required field missing");
    }
    bool ok = tg_json_finish(r);
    free(r);
    return ok ? TG_JSON_OK : (errors && errors->count ? errors->items[0].code : TG_JSON_E_SYNTAX);
}

static tg_json_code kt_encode(const void *in, char *buf, size_t cap, size_t *out_len)
{
    const kt_msg *m = in;
    tg_json_writer w;
    tg_json_writer_init(&w, buf, cap);
    tg_json_write_raw(&w, "{\"id\":", 6);
    tg_json_write_int(&w, m->id);
    tg_json_write_raw(&w, ",\"key\":", 7);
    tg_json_write_string(&w, m->key);
    tg_json_write_raw(&w, ",\"body\":", 8);
    tg_json_write_string(&w, m->body);
    tg_json_write_char(&w, '}');
    *out_len = w.len;
    return w.error;
}

static size_t kt_key(const void *msg, char *buf, size_t cap)
{
    const kt_msg *m = msg;
    if (m->key.len <= cap)
        memcpy(buf, m->key.ptr, m->key.len);
    return m->key.len;
}

static int kt_variant(const void *msg)
{
    const kt_msg *m = msg;
    if (m->body.len && m->body.ptr[0] == 'a')
        return 0;
    if (m->body.len && m->body.ptr[0] == 'b')
        return 1;
    return -1;
}

static const char *const kt_variant_names[] = { "A", "B" };

const tg_message_desc kt_msg_desc = {
    "kt", "Msg", 3, "kt.msg", NULL, sizeof(kt_msg), 0,
    kt_decode, kt_encode, kt_key, NULL, NULL, 0, TG_TOMBSTONES_SKIP, 0, 0,
};

const tg_message_desc kt_union_desc = {
    "kt", "Union", 1, "kt.union", NULL, sizeof(kt_msg), 0,
    kt_decode, kt_encode, kt_key, kt_variant, kt_variant_names, 2, TG_TOMBSTONES_SKIP, 0, 0,
};

int64_t kt_parse_id(const void *json, size_t len)
{
    kt_msg m;
    tg_json_error e[1];
    tg_json_errors errs = { e, 1, 0, 0 };
    unsigned char buf[256];
    tg_arena a;
    tg_arena_init(&a, buf, sizeof buf);
    memset(&m, 0, sizeof m);
    return kt_decode(&m, json, len, &a, &errs) == TG_JSON_OK ? m.id : -1;
}

/* ---- cluster -------------------------------------------------------------- */

int kt_cluster_start(kt_cluster *k, int brokers)
{
    char errstr[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *external = getenv("KT_BOOTSTRAP");
    char from_file[256] = "";
    const char *file = getenv("TOPICGEN_BROKER_BOOTSTRAP_FILE");
    if ((!external || !*external) && file && *file) { /* ctest's real-broker fixture */
        FILE *f = fopen(file, "r");
        if (!f || !fgets(from_file, sizeof from_file, f)) {
            if (f)
                fclose(f);
            return -1;
        }
        fclose(f);
        from_file[strcspn(from_file, "\r\n")] = '\0';
        external = from_file;
    }
    memset(k, 0, sizeof *k);
    (void)rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
    if (external && *external) { /* a real broker: no fault injection available */
        snprintf(k->bootstraps, sizeof k->bootstraps, "%s", external);
        (void)rd_kafka_conf_set(conf, "bootstrap.servers", external, errstr, sizeof errstr);
        k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
        return k->rk ? 0 : -1;
    }
    k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!k->rk)
        return -1;
    k->mc = rd_kafka_mock_cluster_new(k->rk, brokers);
    if (!k->mc)
        return -1;
    snprintf(k->bootstraps, sizeof k->bootstraps, "%s", rd_kafka_mock_cluster_bootstraps(k->mc));
    return strncmp(k->bootstraps, "127.0.0.1:", 10) == 0 ? 0 : -1;
}

void kt_cluster_stop(kt_cluster *k)
{
    if (k->mc)
        rd_kafka_mock_cluster_destroy(k->mc);
    if (k->rk)
        rd_kafka_destroy(k->rk);
    memset(k, 0, sizeof *k);
}

/* CreateTopics through the admin API (real broker); waits at most 10 s. */
static void create_topic_admin(kt_cluster *k, const char *topic, int partitions)
{
    char errstr[256];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions, 1, errstr, sizeof errstr);
    rd_kafka_queue_t *q = rd_kafka_queue_new(k->rk);
    rd_kafka_CreateTopics(k->rk, &nt, 1, NULL, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 10000);
    if (ev)
        rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
}

void kt_topic(kt_cluster *k, const char *topic, int partitions)
{
    if (k->mc)
        (void)rd_kafka_mock_topic_create(k->mc, topic, partitions, 1);
    else
        create_topic_admin(k, topic, partitions);
}

void kt_names(const kt_cluster *k, const char *base, char *topic, size_t tcap, char *dlq,
              size_t dcap)
{
    if (k->mc)
        snprintf(topic, tcap, "%s", base);
    else
        snprintf(topic, tcap, "%s-%ld-%lld", base, (long)getpid(),
                 (long long)(test_now_ms() % 1000000));
    snprintf(dlq, dcap, "%s.dlq", topic);
}

static tg_config *make_config(tg_config_role role, const kt_cluster *k, const char *const *extra,
                              size_t n_extra)
{
    tg_error err;
    tg_config *c = tg_config_new(role, &err);
    const char *base[] = { "bootstrap.servers", k->bootstraps, "log_level", "4",
                           "broker.address.family", "v4" };
    if (!c || tg_config_set_pairs(c, base, 3, &err) || tg_config_set_pairs(c, extra, n_extra, &err)) {
        fprintf(stderr, "config: %s\n", err.message);
        tg_config_free(c);
        return NULL;
    }
    return c;
}

tg_config *kt_consumer_config(const kt_cluster *k, const char *group, const char *const *extra,
                              size_t n_extra)
{
    tg_config *c = make_config(TG_CONFIG_CONSUMER, k, extra, n_extra);
    const char *base[] = { "group.id", group, "session.timeout.ms", "6000",
                           "heartbeat.interval.ms", "500", "topicgen.commit.interval.ms", "200",
                           "topicgen.shutdown.timeout.ms", "8000",
                           "topicgen.dlq.retry.backoff.ms", "200" };
    if (c && tg_config_set_pairs(c, base, 6, NULL)) {
        tg_config_free(c);
        return NULL;
    }
    /* extra pairs again so tests can override the base values above */
    if (c && tg_config_set_pairs(c, extra, n_extra, NULL)) {
        tg_config_free(c);
        return NULL;
    }
    return c;
}

tg_config *kt_producer_config(const kt_cluster *k, const char *const *extra, size_t n_extra)
{
    return make_config(TG_CONFIG_PRODUCER, k, extra, n_extra);
}

tg_producer *kt_producer(const kt_cluster *k, tg_error *err)
{
    tg_config *pc = kt_producer_config(k, NULL, 0);
    tg_producer *p = pc ? tg_producer_new(pc, NULL, err) : NULL;
    tg_config_free(pc);
    return p;
}

static int produce_value(kt_cluster *k, const char *topic, int32_t partition, const char *key,
                         const char *value)
{
    tg_error err;
    tg_producer *p = kt_producer(k, &err);
    if (!p)
        return -1;
    tg_raw_record r = { topic, partition, key, key ? strlen(key) : 0, value, strlen(value),
                        NULL, NULL, 0, 0, NULL };
    int rc = tg_producer_send_raw(p, &r, &err);
    size_t left = 0;
    rc |= tg_producer_close(p, 10000, &left);
    return rc;
}

int kt_produce(kt_cluster *k, const char *topic, int32_t partition, int64_t id,
               const char *key, const char *body)
{
    char json[512];
    snprintf(json, sizeof json, "{\"id\":%lld,\"key\":\"%s\",\"body\":\"%s\"}", (long long)id,
             key, body);
    return produce_value(k, topic, partition, key, json);
}

int kt_produce_raw(kt_cluster *k, const char *topic, int32_t partition, const char *key,
                   const char *value)
{
    return produce_value(k, topic, partition, key, value);
}

rd_kafka_t *kt_plain_consumer(const kt_cluster *k, const char *group)
{
    char errstr[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    (void)rd_kafka_conf_set(conf, "bootstrap.servers", k->bootstraps, errstr, sizeof errstr);
    (void)rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof errstr);
    (void)rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof errstr);
    (void)rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
    return rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
}

int64_t kt_committed(const kt_cluster *k, const char *group, const char *topic,
                     int32_t partition)
{
    rd_kafka_t *rk = kt_plain_consumer(k, group);
    if (!rk)
        return -2;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, topic, partition);
    rd_kafka_resp_err_t e = rd_kafka_committed(rk, l, 5000);
    int64_t off = e ? -2 : l->elems[0].offset;
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return off;
}

/* One poll of the reader: 1 when it gave a message (passed to fn, and
 * next[] moved past it), else 0. */
static int read_one(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *l, int64_t *next,
                    kt_read_fn fn, void *user)
{
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
    int got = 0;
    if (m && !m->err) {
        fn(user, m);
        got = 1;
        for (int i = 0; i < l->cnt; i++)
            if (l->elems[i].partition == m->partition && m->offset + 1 > next[i])
                next[i] = m->offset + 1;
    }
    if (m)
        rd_kafka_message_destroy(m);
    return got;
}

/* Read on until every partition of l has been read up to its high
 * watermark (queried now) or deadline passes; returns the messages read. */
static int read_to_watermarks(rd_kafka_t *rk, const rd_kafka_topic_partition_list_t *l,
                              int64_t *next, int64_t deadline, kt_read_fn fn, void *user)
{
    int64_t lo[64], high[64];
    int got = 0;
    for (int i = 0; i < l->cnt; i++)
        if (rd_kafka_query_watermark_offsets(rk, l->elems[i].topic, l->elems[i].partition,
                                             &lo[i], &high[i], 5000))
            lo[i] = high[i] = 0; /* unknown: take what was read */
    for (;;) {
        bool done = true;
        for (int i = 0; i < l->cnt; i++)
            done = done && (next[i] >= high[i] || lo[i] >= high[i]);
        if (done || test_now_ms() >= deadline)
            return got;
        got += read_one(rk, l, next, fn, user);
    }
}

int kt_read_all(const kt_cluster *k, const char *topic, int expect, int timeout_ms,
                kt_read_fn fn, void *user)
{
    rd_kafka_t *rk = kt_plain_consumer(k, "kt-reader");
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    int64_t next[64] = {0};
    int got = 0;
    if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) || md->topic_cnt != 1 ||
        md->topics[0].partition_cnt > 64) {
        if (md)
            rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(rkt);
        rd_kafka_destroy(rk);
        return -1;
    }
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
    for (int i = 0; i < md->topics[0].partition_cnt; i++)
        rd_kafka_topic_partition_list_add(l, topic, md->topics[0].partitions[i].id)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_assign(rk, l);
    int64_t deadline = test_now_ms() + timeout_ms;
    while (got < expect && test_now_ms() < deadline)
        got += read_one(rk, l, next, fn, user);
    if (got >= expect)
        got += read_to_watermarks(rk, l, next, test_now_ms() + 5000, fn, user);
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return got;
}

void kt_header(const rd_kafka_message_t *m, const char *name, char *buf, size_t cap)
{
    rd_kafka_headers_t *h = NULL;
    const void *v = NULL;
    size_t n = 0;
    buf[0] = '\0';
    if (rd_kafka_message_headers(m, &h) || rd_kafka_header_get_last(h, name, &v, &n) || !v)
        return;
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, v, n);
    buf[n] = '\0';
}

void kt_message_key(const rd_kafka_message_t *m, char *buf, size_t cap)
{
    size_t n = m->key_len < cap - 1 ? m->key_len : cap - 1;
    if (n)
        memcpy(buf, m->key, n);
    buf[n] = '\0';
}
