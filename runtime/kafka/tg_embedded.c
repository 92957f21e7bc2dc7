/* tg_embedded: librdkafka's mock cluster as a broker of its own
 * (tg_embedded_start, used by topicgen-broker) or as the process-wide shared
 * cluster behind bootstrap.servers=embedded (refcounted), plus the bootstrap
 * check every tg_producer_new / tg_consumer_new goes through.  See
 * tg_embedded.h for the contract. */
#define _POSIX_C_SOURCE 200809L
#include "tg_embedded.h"
#include "tg_codec.h" /* the topic name rule */

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka_mock.h>

#define MAX_PARTITIONS 10000

struct tg_embedded {
    rd_kafka_t *owner;              /* the handle the mock cluster lives in */
    rd_kafka_mock_cluster_t *mc;
    char bootstrap[256];
};

/* The shared cluster and its reference count (guarded by shared_lock). */
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static tg_embedded *shared;
static unsigned long shared_refs;

/* A producer that never produces: it owns the cluster.  Quiet (log_level 3)
 * because it has no bootstrap.servers of its own. */
static rd_kafka_t *make_owner(tg_error *err)
{
    char errstr[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr) != RD_KAFKA_CONF_OK
        || rd_kafka_conf_set(conf, "client.id", "topicgen-embedded", errstr, sizeof errstr)
               != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        tg_error_set(err, TG_ERR_KAFKA, "embedded broker: %s", errstr);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        tg_error_set(err, TG_ERR_KAFKA, "embedded broker: rd_kafka_new: %s", errstr);
    }
    return rk;
}

tg_embedded *tg_embedded_start(int brokers, tg_error *err)
{
    if (brokers < 1 || brokers > TG_EMBEDDED_MAX_BROKERS) {
        tg_error_set(err, TG_ERR_ARG, "embedded broker: %d brokers (expected 1..%d)", brokers,
                     TG_EMBEDDED_MAX_BROKERS);
        return NULL;
    }
    tg_embedded *e = calloc(1, sizeof *e);
    if (!e) {
        tg_error_set(err, TG_ERR_NOMEM, "embedded broker: out of memory");
        return NULL;
    }
    if (!(e->owner = make_owner(err)))
        goto fail;
    if (!(e->mc = rd_kafka_mock_cluster_new(e->owner, brokers))) {
        tg_error_set(err, TG_ERR_KAFKA, "embedded broker: rd_kafka_mock_cluster_new failed");
        goto fail;
    }
    const char *bs = rd_kafka_mock_cluster_bootstraps(e->mc);
    if (!bs || strncmp(bs, "127.0.0.1:", 10) != 0 || strlen(bs) >= sizeof e->bootstrap) {
        tg_error_set(err, TG_ERR_KAFKA, "embedded broker: unexpected address \"%.100s\"",
                     bs ? bs : "");
        goto fail;
    }
    memcpy(e->bootstrap, bs, strlen(bs) + 1);
    return e;
fail:
    tg_embedded_stop(e);
    return NULL;
}

void tg_embedded_stop(tg_embedded *e)
{
    if (!e)
        return;
    if (e->mc)
        rd_kafka_mock_cluster_destroy(e->mc);
    if (e->owner)
        rd_kafka_destroy(e->owner);
    free(e);
}

const char *tg_embedded_bootstrap(const tg_embedded *e)
{
    return e ? e->bootstrap : "";
}

int tg_embedded_create_topic(tg_embedded *e, const char *name, int partitions, tg_error *err)
{
    if (!e || !name)
        return tg_error_set(err, TG_ERR_ARG, "tg_embedded_create_topic: NULL argument");
    if (tg_codec_topic_name_check(name, strlen(name), NULL) != TG_TOPIC_NAME_OK)
        return tg_error_set(err, TG_ERR_ARG, "bad topic name \"%.100s\" (1..249 of "
                            "A-Z a-z 0-9 . _ -)", name);
    if (partitions < 1 || partitions > MAX_PARTITIONS)
        return tg_error_set(err, TG_ERR_ARG, "topic %.100s: %d partitions (expected 1..%d)",
                            name, partitions, MAX_PARTITIONS);
    rd_kafka_resp_err_t rc = rd_kafka_mock_topic_create(e->mc, name, partitions, 1);
    if (rc)
        return tg_error_set(err, TG_ERR_KAFKA, "creating topic %.100s: %s", name,
                            rd_kafka_err2str(rc));
    return 0;
}

int tg_embedded_parse_topic(const char *spec, char *name, size_t cap, int *partitions,
                            tg_error *err)
{
    if (!spec || !name || !partitions)
        return tg_error_set(err, TG_ERR_ARG, "tg_embedded_parse_topic: NULL argument");
    const char *colon = strchr(spec, ':');
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
    long parts = 1;
    if (colon) {
        char *end = NULL;
        errno = 0;
        parts = strtol(colon + 1, &end, 10);
        if (errno || end == colon + 1 || *end != '\0' || parts < 1 || parts > MAX_PARTITIONS)
            return tg_error_set(err, TG_ERR_ARG, "bad topic \"%.100s\": partitions must be "
                                "1..%d (NAME[:PARTITIONS])", spec, MAX_PARTITIONS);
    }
    if (tg_codec_topic_name_check(spec, len, NULL) != TG_TOPIC_NAME_OK || len >= cap)
        return tg_error_set(err, TG_ERR_ARG, "bad topic \"%.100s\": the name must be 1..249 of "
                            "A-Z a-z 0-9 . _ - (NAME[:PARTITIONS])", spec);
    memcpy(name, spec, len);
    name[len] = '\0';
    *partitions = (int)parts;
    return 0;
}

tg_embedded *tg_embedded_acquire(tg_error *err)
{
    (void)pthread_mutex_lock(&shared_lock);
    if (!shared)
        shared = tg_embedded_start(1, err);
    tg_embedded *e = shared;
    if (e)
        shared_refs++;
    (void)pthread_mutex_unlock(&shared_lock);
    return e;
}

void tg_embedded_release(tg_embedded *e)
{
    if (!e)
        return;
    tg_embedded *stop = NULL;
    (void)pthread_mutex_lock(&shared_lock);
    if (e == shared && shared_refs > 0 && --shared_refs == 0) {
        stop = shared;
        shared = NULL;
    }
    (void)pthread_mutex_unlock(&shared_lock);
    tg_embedded_stop(stop); /* outside the lock: destroying takes a while */
}

/* rk_conf's value of key into buf ("" when unset). */
static void conf_value(rd_kafka_conf_t *rk_conf, const char *key, char *buf, size_t cap)
{
    size_t size = cap;
    if (rd_kafka_conf_get(rk_conf, key, buf, &size) != RD_KAFKA_CONF_OK || size > cap)
        buf[0] = '\0';
}

int tg_embedded_resolve(rd_kafka_conf_t *rk_conf, tg_embedded **held, tg_error *err)
{
    char bootstrap[1024], mock[32], errstr[256];
    if (!rk_conf || !held)
        return tg_error_set(err, TG_ERR_ARG, "tg_embedded_resolve: NULL argument");
    *held = NULL;
    conf_value(rk_conf, "bootstrap.servers", bootstrap, sizeof bootstrap);
    conf_value(rk_conf, "test.mock.num.brokers", mock, sizeof mock);
    if (strcmp(bootstrap, TG_EMBEDDED_BOOTSTRAP) != 0) {
        if (bootstrap[0] || strtol(mock, NULL, 10) > 0) /* librdkafka checked it is a number */
            return 0;
        return tg_error_set(err, TG_ERR_CONFIG,
                            "no Kafka cluster configured: set TOPICGEN_BROKERS=host:port[,...] "
                            "(or bootstrap.servers), or TOPICGEN_BROKERS=embedded for an "
                            "in-process broker, or start one with `topicgen-broker`");
    }
    tg_embedded *e = tg_embedded_acquire(err);
    if (!e)
        return err ? err->code : TG_ERR_KAFKA;
    if (rd_kafka_conf_set(rk_conf, "bootstrap.servers", e->bootstrap, errstr, sizeof errstr)
        != RD_KAFKA_CONF_OK) {
        tg_embedded_release(e);
        return tg_error_set(err, TG_ERR_KAFKA, "embedded broker: %s", errstr);
    }
    *held = e;
    return 0;
}
