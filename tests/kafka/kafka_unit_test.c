/* kafka_unit: the broker-free parts of the Kafka runtime: tg_config
 * (defaults, unknown/invalid properties named in the error, environment,
 * properties files, consumer safety rules), tg_log formatting, tg_metrics
 * (stats JSON lag, Prometheus text) and traceparent validation. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tg_config.h"
#include "tg_log.h"
#include "tg_metrics.h"
#include "tg_producer.h"
#include "tg_trace.h"

static void get(const tg_config *c, const char *key, char *buf, size_t cap)
{
    if (tg_config_get(c, key, buf, cap, NULL))
        snprintf(buf, cap, "<unset>");
}

static void test_config_defaults(void)
{
    char v[128];
    tg_error err;
    tg_config *p = tg_config_new(TG_CONFIG_PRODUCER, &err);
    get(p, "acks", v, sizeof v);
    CHECKF(strcmp(v, "-1") == 0 || strcmp(v, "all") == 0, "acks=%s", v);
    get(p, "enable.idempotence", v, sizeof v);
    CHECKF(strcmp(v, "true") == 0, "enable.idempotence=%s", v);
    get(p, "compression.type", v, sizeof v);
    CHECKF(strcmp(v, "lz4") == 0, "compression.type=%s", v);
    get(p, "linger.ms", v, sizeof v);
    CHECKF(strcmp(v, "5") == 0, "linger.ms=%s", v);
    tg_config_free(p);
    tg_config *c = tg_config_new(TG_CONFIG_CONSUMER, &err);
    get(c, "enable.auto.commit", v, sizeof v);
    CHECKF(strcmp(v, "false") == 0, "enable.auto.commit=%s", v);
    get(c, "enable.auto.offset.store", v, sizeof v);
    CHECKF(strcmp(v, "false") == 0, "enable.auto.offset.store=%s", v);
    get(c, "topicgen.retry.max.attempts", v, sizeof v);
    CHECKF(strcmp(v, "5") == 0, "retry.max.attempts=%s", v);
    tg_config_free(c);
}

static void test_config_errors(void)
{
    tg_error err;
    tg_config *c = tg_config_new(TG_CONFIG_CONSUMER, &err);
    CHECKF(tg_config_set(c, "no.such.property", "1", &err) == TG_ERR_CONFIG, "unknown accepted");
    CHECKF(strstr(err.message, "no.such.property") != NULL, "message: %s", err.message);
    CHECKF(tg_config_set(c, "session.timeout.ms", "banana", &err) == TG_ERR_CONFIG, "invalid");
    CHECKF(strstr(err.message, "session.timeout.ms") != NULL, "message: %s", err.message);
    CHECKF(tg_config_set(c, "topicgen.retry.max.attempts", "0", &err) == TG_ERR_CONFIG, "range");
    CHECKF(strstr(err.message, "topicgen.retry.max.attempts") != NULL, "message: %s", err.message);
    CHECKF(tg_config_set(c, "topicgen.nope", "1", &err) == TG_ERR_CONFIG, "unknown knob");
    CHECKF(strstr(err.message, "topicgen.nope") != NULL, "message: %s", err.message);
    CHECKF(tg_config_set(c, "enable.auto.commit", "true", &err) == TG_ERR_CONFIG,
           "auto commit accepted for a consumer");
    CHECKF(strstr(err.message, "enable.auto.commit") != NULL, "message: %s", err.message);
    CHECKF(tg_config_set(c, "enable.auto.offset.store", "true", &err) == TG_ERR_CONFIG,
           "auto offset store accepted");
    printf("config error example: %s\n", err.message);
    tg_config_free(c);
}

static void test_config_env(void)
{
    char v[128];
    tg_error err;
    const char *env[] = { "PATH=/bin", "TOPICGEN_KAFKA_CLIENT_ID=from-env",
                          "TOPICGEN_KAFKA_TOPICGEN_COMMIT_INTERVAL_MS=1234", NULL };
    const char *bad[] = { "TOPICGEN_KAFKA_NO_SUCH_THING=1", NULL };
    tg_config *c = tg_config_new(TG_CONFIG_CONSUMER, &err);
    CHECKF(tg_config_load_env(c, env, &err) == 0, "%s", err.message);
    get(c, "client.id", v, sizeof v);
    CHECKF(strcmp(v, "from-env") == 0, "client.id=%s", v);
    CHECKF(tg_config_settings(c)->commit_interval_ms == 1234, "commit interval");
    CHECKF(tg_config_load_env(c, bad, &err) == TG_ERR_CONFIG, "bad env accepted");
    CHECKF(strstr(err.message, "TOPICGEN_KAFKA_NO_SUCH_THING") && strstr(err.message, "no.such.thing"),
           "message: %s", err.message);
    tg_config_free(c);
}

static void test_config_file(void)
{
    char v[128];
    tg_error err;
    tg_config *c = tg_config_new(TG_CONFIG_PRODUCER, &err);
    CHECKF(tg_config_load_file(c, "data/good.properties", &err) == 0, "%s", err.message);
    get(c, "bootstrap.servers", v, sizeof v);
    CHECKF(strcmp(v, "127.0.0.1:9092") == 0, "bootstrap.servers=%s", v);
    get(c, "client.id", v, sizeof v);
    CHECKF(strcmp(v, "props-test") == 0, "client.id=%s", v);
    CHECKF(tg_config_settings(c)->retry_max_attempts == 7, "retry attempts");
    CHECKF(tg_config_load_file(c, "data/bad.properties", &err) == TG_ERR_CONFIG, "bad file");
    CHECKF(strstr(err.message, "bad.properties:3:") && strstr(err.message, "no.such.property"),
           "message: %s", err.message);
    CHECKF(tg_config_load_file(c, "data/missing.properties", &err) == TG_ERR_IO, "missing file");
    tg_config *d = tg_config_derive_producer(c, &err);
    CHECKF(d != NULL, "derive: %s", err.message);
    if (d) {
        get(d, "bootstrap.servers", v, sizeof v);
        CHECKF(strcmp(v, "127.0.0.1:9092") == 0, "derived bootstrap.servers=%s", v);
        tg_config_free(d);
    }
    tg_config_free(c);
}

static void test_log(void)
{
    char line[256];
    tg_log_kv kv[2] = { { "topic", "orders" }, { "note", "has space" } };
    size_t n = tg_log_format(line, sizeof line, 1700000000123LL, TG_LOG_WARN, "consumer",
                             "say \"hi\"", kv, 2);
    CHECKF(n == strlen(line), "length");
    CHECKF(strcmp(line, "ts=2023-11-14T22:13:20.123Z level=warn component=consumer "
                        "msg=\"say \\\"hi\\\"\" topic=orders note=\"has space\"\n") == 0,
           "line: %s", line);
    char small[24];
    n = tg_log_format(small, sizeof small, 0, TG_LOG_INFO, "c", "a long message here", NULL, 0);
    CHECKF(strlen(small) < sizeof small && strstr(small, "...") != NULL, "truncated: %s", small);
}

static const char stats[] =
    "{\"name\":\"c#consumer-1\",\"ts\":1,\"brokers\":{\"b\":{\"x\":[1,2,{\"y\":\"}\"}]}},"
    "\"topics\":{\"orders\":{\"topic\":\"orders\",\"partitions\":{"
    "\"0\":{\"partition\":0,\"consumer_lag\":42,\"hi_offset\":100},"
    "\"1\":{\"partition\":1,\"consumer_lag\":-1},"
    "\"-1\":{\"partition\":-1,\"consumer_lag\":-1}}}},\"cgrp\":{\"state\":\"up\"}}";

static void test_metrics(void)
{
    tg_metrics *m = tg_metrics_new();
    char buf[8192];
    tg_metrics_add(m, TG_M_CONSUMED, 3);
    tg_metrics_add(m, TG_M_DEAD_LETTERED, 1);
    tg_metrics_observe_latency(m, 0.004);
    tg_metrics_observe_latency(m, 20.0);
    CHECKF(tg_metrics_update_lag_from_stats(m, stats, strlen(stats)) == 2, "stats parse");
    CHECKF(tg_metrics_lag(m, "orders", 0) == 42, "lag p0 %lld", (long long)tg_metrics_lag(m, "orders", 0));
    CHECKF(tg_metrics_lag(m, "orders", 1) == -1, "lag p1");
    CHECKF(tg_metrics_update_lag_from_stats(m, "{\"topics\":{", 11) == -1, "malformed");
    CHECKF(tg_metrics_lag(m, "orders", 0) == 42, "table kept after malformed stats");
    size_t n = tg_metrics_write_prometheus(m, buf, sizeof buf);
    CHECKF(n < sizeof buf && n == strlen(buf), "length %zu", n);
    CHECKF(strstr(buf, "topicgen_messages_consumed_total 3\n") != NULL, "consumed");
    CHECKF(strstr(buf, "topicgen_messages_dead_lettered_total 1\n") != NULL, "dlq");
    CHECKF(strstr(buf, "topicgen_processing_seconds_bucket{le=\"0.005\"} 1\n") != NULL, "bucket");
    CHECKF(strstr(buf, "topicgen_processing_seconds_bucket{le=\"+Inf\"} 2\n") != NULL, "inf");
    CHECKF(strstr(buf, "topicgen_processing_seconds_count 2\n") != NULL, "count");
    CHECKF(strstr(buf, "topicgen_consumer_lag_messages{topic=\"orders\",partition=\"0\"} 42\n") != NULL,
           "lag line");
    char tiny[16];
    size_t need = tg_metrics_write_prometheus(m, tiny, sizeof tiny);
    CHECKF(need == n && strlen(tiny) == sizeof tiny - 1, "truncation reports full size");
    tg_metrics_free(m);
}

static void test_traceparent(void)
{
    tg_trace_context t;
    const char *ok = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    CHECKF(tg_traceparent_parse(ok, strlen(ok), &t) && t.valid && t.flags == 1, "valid");
    CHECKF(strcmp(t.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736") == 0, "trace id");
    CHECKF(strcmp(t.parent_id, "00f067aa0ba902b7") == 0, "parent id");
    const char *bad[] = {
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", /* upper case  */
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01", /* zero trace  */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", /* zero parent */
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", /* version ff  */
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", /* v00 extra */
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",  /* short       */
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECKF(!tg_traceparent_parse(bad[i], strlen(bad[i]), NULL), "accepted %s", bad[i]);
    const char *future = "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra";
    CHECKF(tg_traceparent_parse(future, strlen(future), NULL), "future version with extra field");
}

/* New span and trace ids (tg_trace_new_span, written 8 digits at a time):
 * the right length, lower-case hex that tg_traceparent_parse accepts,
 * every one of the 16 digits used in every position over 2000 spans (a
 * wrong digit mapping or a stuck position shows), no repeats in a row,
 * and the incoming trace id and flags kept. */
static void test_trace_new_span(void)
{
    unsigned seen_trace[32] = {0}, seen_span[16] = {0};
    char prev[17] = "";
    for (int i = 0; i < 2000; i++) {
        tg_trace_context s, back;
        char tp[TG_TRACEPARENT_SIZE];
        tg_trace_new_span(NULL, &s);
        CHECKF(s.valid && strlen(s.trace_id) == 32 && strlen(s.parent_id) == 16, "lengths");
        for (int k = 0; k < 32; k++) {
            char ch = s.trace_id[k];
            int d = ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch >= '0' && ch <= '9' ? ch - '0' : -1;
            CHECKF(d >= 0, "trace id digit '%c'", ch);
            if (d >= 0)
                seen_trace[k] |= 1u << d;
            if (k < 16) {
                ch = s.parent_id[k];
                d = ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch >= '0' && ch <= '9' ? ch - '0' : -1;
                CHECKF(d >= 0, "span id digit '%c'", ch);
                if (d >= 0)
                    seen_span[k] |= 1u << d;
            }
        }
        CHECKF(strcmp(prev, s.parent_id) != 0, "span id repeated");
        memcpy(prev, s.parent_id, 17);
        CHECKF(tg_traceparent_format(&s, tp) == 55 && tg_traceparent_parse(tp, 55, &back)
                   && strcmp(back.trace_id, s.trace_id) == 0
                   && strcmp(back.parent_id, s.parent_id) == 0,
               "round trip %s", tp);
    }
    for (int k = 0; k < 32; k++)
        CHECKF(seen_trace[k] == 0xffff && (k >= 16 || seen_span[k] == 0xffff),
               "position %d: digits seen %04x / %04x", k, seen_trace[k], k < 16 ? seen_span[k] : 0xffff);
    tg_trace_context in, out;
    const char *ok = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    CHECKF(tg_traceparent_parse(ok, strlen(ok), &in), "parse");
    tg_trace_new_span(&in, &out);
    CHECKF(strcmp(out.trace_id, in.trace_id) == 0 && out.flags == 1
               && strcmp(out.parent_id, in.parent_id) != 0,
           "continued trace");
}

int main(void)
{
    test_config_defaults();
    test_config_errors();
    test_config_env();
    test_config_file();
    test_log();
    test_metrics();
    test_traceparent();
    test_trace_new_span();
    return check_done();
}
