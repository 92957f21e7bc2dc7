/* kafka_profile: broker-free checks of topicgen.profile (the values each
 * profile sets per role, the precedence "explicit property beats profile,
 * before or after it", librdkafka accepting every profile) and of the
 * producer's failure knobs (topicgen.producer.fallback, .spool.path,
 * .unavailable.ms, the bounded queue defaults). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tg_config.h"
#include "tg_producer.h"

/* Whether property key of c currently has value want. */
static int has(const tg_config *c, const char *key, const char *want)
{
    char v[256];
    if (tg_config_get(c, key, v, sizeof v, NULL))
        return 0;
    if (strcmp(v, want) != 0)
        fprintf(stderr, "  %s = %s (want %s)\n", key, v, want);
    return strcmp(v, want) == 0;
}

static tg_config *with(tg_config_role role, const char *const *kv, size_t n)
{
    tg_error err;
    tg_config *c = tg_config_new(role, &err);
    if (c && tg_config_set_pairs(c, kv, n, &err)) {
        fprintf(stderr, "config: %s\n", err.message);
        tg_config_free(c);
        return NULL;
    }
    return c;
}

/* rd_kafka_new accepts the config (librdkafka's cross-property checks). */
static int creates(const tg_config *c, rd_kafka_type_t type)
{
    char errstr[512];
    rd_kafka_conf_t *rc = tg_config_rdkafka_dup(c);
    (void)rd_kafka_conf_set(rc, "log_level", "0", errstr, sizeof errstr);
    rd_kafka_t *rk = rd_kafka_new(type, rc, errstr, sizeof errstr);
    if (!rk) {
        fprintf(stderr, "  rd_kafka_new: %s\n", errstr);
        rd_kafka_conf_destroy(rc);
        return 0;
    }
    rd_kafka_destroy(rk);
    return 1;
}

static void test_profile_values(void)
{
    static const char *const names[] = { "throughput", "latency", "durable" };
    static const char *const linger[] = { "50", "0", "5" };
    static const char *const codec[] = { "lz4", "none", "lz4" };
    static const char *const wait[] = { "500", "10", "500" };
    static const char *const crcs[] = { "false", "false", "true" };
    for (int i = 0; i < 3; i++) {
        const char *kv[] = { "topicgen.profile", names[i] };
        tg_config *p = with(TG_CONFIG_PRODUCER, kv, 1);
        tg_config *c = with(TG_CONFIG_CONSUMER, kv, 1);
        CHECKF(p && c, "profile %s rejected", names[i]);
        if (!p || !c)
            continue;
        CHECKF(has(p, "topicgen.profile", names[i]), "get topicgen.profile");
        CHECKF(has(p, "linger.ms", linger[i]) && has(p, "compression.type", codec[i]),
               "producer %s", names[i]);
        CHECKF(has(p, "acks", "-1") && has(p, "enable.idempotence", "true"),
               "%s weakens acks/idempotence", names[i]);
        CHECKF(has(c, "fetch.wait.max.ms", wait[i]) && has(c, "check.crcs", crcs[i]),
               "consumer %s", names[i]);
        CHECKF(has(c, "enable.auto.commit", "false"), "consumer safety kept");
        CHECKF(creates(p, RD_KAFKA_PRODUCER) && creates(c, RD_KAFKA_CONSUMER),
               "librdkafka refuses profile %s", names[i]);
        tg_config_free(p);
        tg_config_free(c);
    }
    const char *bad[] = { "topicgen.profile", "fast" };
    tg_error err;
    tg_config *p = tg_config_new(TG_CONFIG_PRODUCER, &err);
    CHECKF(tg_config_set_pairs(p, bad, 1, &err) == TG_ERR_CONFIG, "profile=fast accepted");
    printf("profile: invalid -> %s\n", err.message);
    tg_config_free(p);
}

static void test_profile_precedence(void)
{
    /* explicit before the profile */
    const char *before[] = { "linger.ms", "7", "topicgen.profile", "latency" };
    tg_config *p = with(TG_CONFIG_PRODUCER, before, 2);
    CHECKF(p && has(p, "linger.ms", "7") && has(p, "compression.type", "none"),
           "explicit linger.ms before the profile lost");
    tg_config_free(p);
    /* explicit after the profile */
    const char *after[] = { "topicgen.profile", "throughput", "linger.ms", "3" };
    p = with(TG_CONFIG_PRODUCER, after, 2);
    CHECKF(p && has(p, "linger.ms", "3") && has(p, "batch.num.messages", "10000"),
           "explicit linger.ms after the profile lost");
    tg_config_free(p);
    /* a later profile replaces an earlier one, not explicit values */
    const char *two[] = { "topicgen.profile", "throughput", "compression.type", "zstd",
                          "topicgen.profile", "latency" };
    p = with(TG_CONFIG_PRODUCER, two, 3);
    CHECKF(p && has(p, "linger.ms", "0") && has(p, "compression.type", "zstd"),
           "second profile");
    tg_config_free(p);
    /* the environment counts as explicit */
    const char *env[] = { "TOPICGEN_KAFKA_FETCH_WAIT_MAX_MS=77", NULL };
    tg_error err;
    tg_config *c = tg_config_new(TG_CONFIG_CONSUMER, &err);
    CHECKF(tg_config_load_env(c, env, &err) == 0, "env: %s", err.message);
    CHECKF(tg_config_set(c, "topicgen.profile", "latency", &err) == 0, "%s", err.message);
    CHECKF(has(c, "fetch.wait.max.ms", "77") && has(c, "fetch.min.bytes", "1"),
           "environment value lost to the profile");
    /* the consumer's DLQ producer inherits the profile */
    tg_config *d = tg_config_derive_producer(c, &err);
    CHECKF(d && has(d, "linger.ms", "0"), "derived producer without the profile");
    tg_config_free(d);
    tg_config_free(c);
    /* "none" keeps what is there */
    const char *none[] = { "topicgen.profile", "throughput", "topicgen.profile", "none" };
    p = with(TG_CONFIG_PRODUCER, none, 2);
    CHECKF(p && has(p, "linger.ms", "50") && has(p, "topicgen.profile", "none"), "none");
    tg_config_free(p);
}

static void test_failure_knobs(void)
{
    tg_error err;
    tg_config *p = tg_config_new(TG_CONFIG_PRODUCER, &err);
    CHECKF(has(p, "topicgen.producer.fallback", "none"), "fallback default");
    CHECKF(has(p, "topicgen.producer.unavailable.ms", "5000"), "unavailable default");
    CHECKF(has(p, "queue.buffering.max.messages", "100000")
               && has(p, "queue.buffering.max.kbytes", "65536"), "bounded queue defaults");
    CHECKF(tg_config_set(p, "topicgen.producer.fallback", "disk", &err) == TG_ERR_CONFIG,
           "fallback=disk accepted");
    CHECKF(tg_config_set(p, "topicgen.producer.fallback", "spool", &err) == 0, "%s",
           err.message);
    tg_producer *prod = tg_producer_new(p, NULL, &err);
    CHECKF(!prod && err.code == TG_ERR_CONFIG, "fallback=spool without a path");
    printf("knobs: %s\n", err.message);
    CHECKF(tg_config_set(p, "topicgen.producer.spool.path", "/nonexistent-dir/x.spool", &err)
               == 0, "%s", err.message);
    CHECKF(has(p, "topicgen.producer.spool.path", "/nonexistent-dir/x.spool"), "path get");
    prod = tg_producer_new(p, NULL, &err);
    CHECKF(!prod && err.code == TG_ERR_IO, "unopenable spool accepted");
    printf("knobs: %s\n", err.message);
    CHECKF(strcmp(tg_error_code_name(TG_ERR_UNAVAILABLE), "TG_ERR_UNAVAILABLE") == 0, "name");
    tg_config_free(p);
}

int main(void)
{
    test_profile_values();
    test_profile_precedence();
    test_failure_knobs();
    return check_done();
}
