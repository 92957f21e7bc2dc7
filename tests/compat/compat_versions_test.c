/*
 * compat_versions_test.c - runtime versions (issue 16, increment 3): a
 * consumer decodes only the writer versions its type accepts
 * (accepts_versions), reads the record's tg-schema-version in
 * tg_msg_meta, and dead-letters the others with a reason naming both
 * versions.  Two generated versions of one message live in this program
 * (fixtures/ver1.yaml, ver2.yaml: schema names ver1 and ver2, so the
 * tg-schema check is off here).
 *   deliver   ver1_Task_test_deliver: tg-schema-version 1 and no header
 *             are handled (meta->schema_version 1); 2 and "x" are
 *             dead-lettered with the exact reasons; ver2 handles 1 and 2
 *   cluster   on the embedded broker (librdkafka's mock cluster): N records
 *             from a version-1 producer and N from a version-2 one on one
 *             topic; a version-2 consumer and a version-1 consumer (own
 *             groups) each count published = handled + dead-lettered, by
 *             id; the version-1 consumer dead-letters exactly the version-2
 *             records, as the checker predicts (forward: ENUM_VALUE_ADDED)
 *             and the version-2 one none (backward: compatible)
 * Every wait is bounded (30 s per consumer).
 */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "clock.h"
#include "compat.h"
#include "schema.h"
#include "tg_embedded.h"
#include "tg_metrics.h"
#include "tg_test.h"
#include "ver1_kafka.h"
#include "ver2_kafka.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define N 30 /* per version: a dead letter takes ~0.3 s on the mock cluster (confirmed before the next) */

/* ---- deliver ----------------------------------------------------------------------- */

static tg_result seen_version(void *user, const void *msg, const tg_msg_meta *meta)
{
    (void)msg;
    *(int *)user = meta->schema_version;
    return TG_OK;
}

static tg_result v1_seen(void *user, const ver1_Task *msg, const tg_msg_meta *meta)
{
    return seen_version(user, msg, meta);
}

static tg_result v2_seen(void *user, const ver2_Task *msg, const tg_msg_meta *meta)
{
    return seen_version(user, msg, meta);
}

/* Deliver {"id":1,"status":"open"} with tg-schema-version `version` (NULL:
 * none) to the version-1 (v2 false) or version-2 consumer. */
static tg_test_outcome deliver(bool v2, const char *version, int *seen)
{
    static const char json[] = "{\"id\":1,\"status\":\"open\"}";
    tg_header h = {"tg-schema-version", version, version ? strlen(version) : 0};
    tg_test_opts opts = {0};
    opts.headers = version ? &h : NULL;
    opts.n_headers = version ? 1 : 0;
    tg_test_outcome out;
    tg_error err;
    *seen = -1;
    ver1_Task_route r1 = {v1_seen, seen};
    ver2_Task_route r2 = {v2_seen, seen};
    int rc = v2 ? ver2_Task_test_deliver(&r2, json, sizeof json - 1, &opts, &out, &err)
                : ver1_Task_test_deliver(&r1, json, sizeof json - 1, &opts, &out, &err);
    CHECKF(rc == 0, "test_deliver: %s", err.message);
    return out;
}

static void test_deliver(void)
{
    int seen;
    tg_test_outcome o = deliver(false, "1", &seen);
    CHECK(o.fate == TG_TEST_DONE && seen == 1);
    o = deliver(false, NULL, &seen);
    CHECKF(o.fate == TG_TEST_DONE && seen == 1, "no header: fate %d, version %d", o.fate, seen);
    o = deliver(false, "2", &seen);
    CHECK(o.fate == TG_TEST_DEAD_LETTER && !o.handler_called);
    CHECKF(strcmp(o.reason, "schema version: record is version 2, this consumer (ver1.Task "
                            "version 1) accepts 1..1") == 0, "reason: %s", o.reason);
    o = deliver(false, "x", &seen);
    CHECKF(o.fate == TG_TEST_DEAD_LETTER &&
               strcmp(o.reason, "schema version: record has tg-schema-version 'x', not a "
                                "version; this consumer (ver1.Task version 1) accepts 1..1") == 0,
           "reason: %s", o.reason);
    o = deliver(true, "2", &seen);
    CHECK(o.fate == TG_TEST_DONE && seen == 2);
    o = deliver(true, "1", &seen);
    CHECK(o.fate == TG_TEST_DONE && seen == 1);
    o = deliver(true, "3", &seen);
    CHECKF(o.fate == TG_TEST_DEAD_LETTER &&
               strcmp(o.reason, "schema version: record is version 3, this consumer (ver2.Task "
                                "version 2) accepts 1..2") == 0, "reason: %s", o.reason);
}

/* ---- cluster ----------------------------------------------------------------------- */

/* Ids: version-1 records 0..N-1, version-2 records N..2N-1. */
typedef struct tally {
    int count[2 * N];
    int handled, dups, wrong_version;
} tally;

static void count(tally *t, int id, int version)
{
    if (id < 0 || id >= 2 * N || t->count[id]++)
        t->dups++;
    else
        t->handled++;
    if (version != (id < N ? 1 : 2))
        t->wrong_version++;
}

static tg_result v1_count(void *user, const ver1_Task *msg, const tg_msg_meta *meta)
{
    count(user, msg->id, meta->schema_version);
    return TG_OK;
}

static tg_result v2_count(void *user, const ver2_Task *msg, const tg_msg_meta *meta)
{
    count(user, msg->id, meta->schema_version);
    return TG_OK;
}

static tg_config *config(tg_config_role role, const char *bootstrap, const char *group)
{
    tg_error err;
    tg_config *c = tg_config_new(role, &err);
    const char *kv[] = {"bootstrap.servers", bootstrap, "log_level", "3",
                        "broker.address.family", "v4", "topicgen.schema.check", "off",
                        "group.id", group, "auto.offset.reset", "earliest",
                        "topicgen.commit.interval.ms", "200"};
    size_t pairs = role == TG_CONFIG_CONSUMER ? 7 : 3;
    if (!c || tg_config_set_pairs(c, kv, pairs, &err)) {
        check_fail(__FILE__, __LINE__, "config: %s", err.message);
        tg_config_free(c);
        return NULL;
    }
    return c;
}

static int produce(const char *bootstrap)
{
    tg_error err;
    tg_config *pc = config(TG_CONFIG_PRODUCER, bootstrap, NULL);
    tg_producer *p = pc ? tg_producer_new(pc, NULL, &err) : NULL;
    tg_config_free(pc);
    if (!p)
        return -1;
    int rc = 0;
    for (int i = 0; i < N && rc == 0; i++) {
        ver1_Task a = {.id = i, .status = ver1_Status_DONE};
        ver2_Task b = {.id = N + i, .status = ver2_Status_LATE};
        tg_send_opts so = tg_send_opts_default();
        rc = ver1_Task_send(p, &a, &so, &err) || ver2_Task_send(p, &b, &so, &err);
    }
    size_t left = 0;
    if (rc == 0 && (tg_producer_flush(p, 15000, &left, &err) != 0 || left))
        rc = -1;
    CHECKF(rc == 0, "produce: %s", err.message);
    tg_producer_close(p, 5000, NULL);
    return rc;
}

/* Consume the topic with a fresh group of version v until every record is
 * handled or dead-lettered (confirmed), at most 30 s; returns the dead
 * letters counted. */
static uint64_t consume(const char *bootstrap, int v, tally *t)
{
    tg_error err;
    char group[64];
    snprintf(group, sizeof group, "compat-v%d-%ld", v, (long)getpid());
    tg_config *cc = config(TG_CONFIG_CONSUMER, bootstrap, group);
    tg_config *dc = config(TG_CONFIG_PRODUCER, bootstrap, NULL);
    const char *fast[] = {"linger.ms", "0"}; /* each dead letter is confirmed before the next */
    if (dc && tg_config_set_pairs(dc, fast, 1, &err))
        check_fail(__FILE__, __LINE__, "config: %s", err.message);
    tg_metrics *m = tg_metrics_new();
    tg_logger quiet = {tg_log_stderr_sink, NULL, TG_LOG_ERROR};
    tg_consumer_opts o = {dc, &quiet, m, NULL, NULL};
    tg_consumer *c = cc && dc && m ? tg_consumer_new(cc, &o, &err) : NULL;
    tg_config_free(cc);
    tg_config_free(dc);
    CHECKF(c != NULL, "consumer: %s", err.message);
    ver1_Task_route r1 = {v1_count, t};
    ver2_Task_route r2 = {v2_count, t};
    int rc = !c ? -1
             : v == 1 ? ver1_Task_consume(c, NULL, &r1, &err)
                      : ver2_Task_consume(c, NULL, &r2, &err);
    CHECKF(rc == 0, "consume: %s", err.message);
    tg_metrics_snapshot snap = {0};
    int64_t deadline = test_now_ms() + 30000;
    while (c && rc == 0 && test_now_ms() < deadline) {
        if (tg_consumer_poll(c, 10, &err) != 0) {
            check_fail(__FILE__, __LINE__, "poll: %s", err.message);
            break;
        }
        tg_metrics_snapshot_get(m, &snap);
        if ((uint64_t)t->handled + snap.counters[TG_M_DEAD_LETTERED] >= 2 * N)
            break;
    }
    if (c) {
        CHECKF(tg_consumer_close(c, &err) == 0, "close: %s", err.message);
        tg_consumer_free(c);
    }
    tg_metrics_snapshot_get(m, &snap);
    tg_metrics_free(m);
    return snap.counters[TG_M_DEAD_LETTERED];
}

/* What the checker says version `writer` does to readers of `reader`. */
static bool checker_breaks(const char *old_yaml, const char *new_yaml, bool backward)
{
    diag_list d = {0};
    schema *o = schema_load(old_yaml, &d), *n = schema_load(new_yaml, &d);
    CHECKF(o && n, "fixtures do not load");
    compat_mode mode = {backward, !backward, false, false};
    size_t breaks = o && n ? compat_compare(o, n, mode, &d, NULL) : 0;
    schema_free(o);
    schema_free(n);
    diag_clear(&d);
    return breaks > 0;
}

static void test_cluster(const char *fixtures)
{
    char v1[512], v2[512];
    snprintf(v1, sizeof v1, "%s/ver1.yaml", fixtures);
    snprintf(v2, sizeof v2, "%s/ver2.yaml", fixtures);
    bool forward_breaks = checker_breaks(v1, v2, false);
    bool backward_breaks = checker_breaks(v1, v2, true);
    CHECK(forward_breaks && !backward_breaks);
    tg_error err;
    tg_embedded *e = tg_embedded_start(1, &err);
    CHECKF(e != NULL, "embedded: %s", err.message);
    if (!e)
        return;
    const char *bs = tg_embedded_bootstrap(e);
    CHECK(tg_embedded_create_topic(e, "compat.tasks", 2, &err) == 0);
    CHECK(tg_embedded_create_topic(e, "compat.tasks.dlq", 1, &err) == 0);
    if (produce(bs) == 0) {
        static tally t1, t2;
        uint64_t dead1 = consume(bs, 1, &t1);
        uint64_t dead2 = consume(bs, 2, &t2);
        printf("version-1 consumer: %d handled + %llu dead-lettered of %d published "
               "(%d duplicates, %d wrong versions)\n", t1.handled, (unsigned long long)dead1,
               2 * N, t1.dups, t1.wrong_version);
        printf("version-2 consumer: %d handled + %llu dead-lettered of %d published "
               "(%d duplicates, %d wrong versions)\n", t2.handled, (unsigned long long)dead2,
               2 * N, t2.dups, t2.wrong_version);
        CHECK((uint64_t)t1.handled + dead1 == 2 * N && t1.dups == 0 && t1.wrong_version == 0);
        CHECK((uint64_t)t2.handled + dead2 == 2 * N && t2.dups == 0 && t2.wrong_version == 0);
        /* exactly the version-2 records, as the checker predicts */
        bool v1_all_old = true;
        for (int i = 0; i < 2 * N; i++)
            v1_all_old = v1_all_old && t1.count[i] == (i < N);
        CHECK(v1_all_old && dead1 == (forward_breaks ? N : 0));
        CHECK(dead2 == (backward_breaks ? N : 0) && t2.handled == 2 * N);
    }
    tg_embedded_stop(e);
}

int main(int argc, char **argv)
{
    CHECK(argc == 2);
    test_deliver();
    if (argc == 2)
        test_cluster(argv[1]);
    return check_done();
}
