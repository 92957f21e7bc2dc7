/*
 * runtime_units_test.c: unit tests for the runtime modules that have no
 * Kafka in them: tg_convert (exact wire -> domain conversions), tg_breaker
 * (circuit breaker state machine, with injected time), tg_spool (durable
 * record file: round trip, torn tail, corruption) and Kafka's topic name
 * rule (tg_codec_topic_name_check, shared by the generator and the
 * embedded broker).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tg_breaker.h"
#include "tg_codec.h"
#include "tg_convert.h"
#include "tg_spool.h"

static tg_str str(const char *s)
{
    return (tg_str){s, strlen(s)};
}

/* ---- tg_convert --------------------------------------------------------------- */

static void test_decimal(void)
{
    static const struct {
        int line;
        const char *text;
        unsigned scale;
        int ok;
        long long want;
    } cases[] = {
        {__LINE__, "12.5", 2, 1, 1250},
        {__LINE__, "-0.07", 2, 1, -7},
        {__LINE__, "0", 2, 1, 0},
        {__LINE__, "3e2", 2, 1, 30000},
        {__LINE__, "1.5e-1", 2, 1, 15},
        {__LINE__, "1.500", 2, 1, 150},
        {__LINE__, "1.005", 2, 0, 0},            /* would need rounding */
        {__LINE__, "92233720368547758.07", 2, 1, 9223372036854775807LL},
        {__LINE__, "92233720368547758.08", 2, 0, 0}, /* overflow */
        {__LINE__, "-92233720368547758.08", 2, 1, -9223372036854775807LL - 1},
        {__LINE__, "01", 2, 0, 0},               /* not JSON-number-shaped */
        {__LINE__, "1.", 2, 0, 0},
        {__LINE__, "abc", 2, 0, 0},
        {__LINE__, "7", 0, 1, 7},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t v = -1;
        int ok = tg_decimal_to_scaled(str(cases[i].text), cases[i].scale, &v);
        CHECKF(ok == cases[i].ok && (!ok || v == cases[i].want), "line %d: %s -> ok %d, %lld",
               cases[i].line, cases[i].text, ok, (long long)v);
    }
}

static void test_timestamp(void)
{
    static const struct {
        int line;
        const char *text;
        int ok;
        long long secs;
        int nanos;
    } cases[] = {
        {__LINE__, "1970-01-01T00:00:00Z", 1, 0, 0},
        {__LINE__, "2024-02-29T12:00:00.5+01:00", 1, 1709204400, 500000000},
        {__LINE__, "1969-12-31T23:59:59-00:30", 1, 1799, 0},
        {__LINE__, "2000-03-01T00:00:00.123456789Z", 1, 951868800, 123456789},
        {__LINE__, "2023-02-29T00:00:00Z", 0, 0, 0},
        {__LINE__, "2023-01-01 00:00:00Z", 0, 0, 0},
        {__LINE__, "2023-01-01T00:00:00.1234567891Z", 0, 0, 0}, /* > 9 digits */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t secs = -1;
        int32_t nanos = -1;
        int ok = tg_timestamp_parse(str(cases[i].text), &secs, &nanos);
        CHECKF(ok == cases[i].ok && (!ok || (secs == cases[i].secs && nanos == cases[i].nanos)),
               "line %d: %s -> ok %d, %lld s %d ns", cases[i].line, cases[i].text, ok,
               (long long)secs, nanos);
    }
    int64_t ms = 0;
    CHECKF(tg_timestamp_to_unix_ms(str("1970-01-01T00:00:01.2349Z"), &ms) && ms == 1234, "%lld",
           (long long)ms);
    char buf[4];
    CHECKF(tg_str_copy(str("abc"), buf, sizeof buf) && strcmp(buf, "abc") == 0, "copy fits");
    CHECKF(!tg_str_copy(str("abcd"), buf, sizeof buf), "copy too long is refused");
}

/* ---- tg_breaker --------------------------------------------------------------- */

static void test_breaker_consecutive(void)
{
    tg_breaker_config c = tg_breaker_config_default();
    c.consecutive_failures = 3;
    c.failure_rate = 0;
    c.cooldown_ms = 1000;
    tg_breaker b;
    tg_breaker_init(&b, &c);
    int64_t t = 5000;
    for (int i = 0; i < 2; i++) {
        CHECKF(tg_breaker_allow(&b, t), "closed allows");
        CHECKF(tg_breaker_record(&b, false, t) == TG_BREAKER_CLOSED, "2 failures keep it closed");
    }
    CHECKF(tg_breaker_record(&b, true, t) == TG_BREAKER_CLOSED, "a success resets the count");
    for (int i = 0; i < 3; i++)
        tg_breaker_record(&b, false, t);
    CHECKF(b.state == TG_BREAKER_OPEN && b.opened_count == 1, "3 in a row open it");
    CHECKF(!tg_breaker_allow(&b, t + 999), "open refuses during the cool-down");
    CHECKF(tg_breaker_allow(&b, t + 1000), "after the cool-down one probe runs");
    CHECKF(b.state == TG_BREAKER_HALF_OPEN, "half-open while probing");
    CHECKF(!tg_breaker_allow(&b, t + 1001), "only one probe at a time");
    CHECKF(tg_breaker_record(&b, false, t + 1100) == TG_BREAKER_OPEN, "a failed probe reopens");
    CHECKF(!tg_breaker_allow(&b, t + 2099), "the cool-down starts again");
    CHECKF(tg_breaker_allow(&b, t + 2100), "second probe");
    CHECKF(tg_breaker_record(&b, true, t + 2100) == TG_BREAKER_CLOSED, "a good probe closes it");
    CHECKF(tg_breaker_allow(&b, t + 2101) && b.consecutive == 0, "closed again, count reset");
    for (int i = 0; i < 3; i++)
        tg_breaker_record(&b, false, t + 3000);
    CHECKF(tg_breaker_allow(&b, t + 4000), "third probe");
    tg_breaker_release(&b);
    CHECKF(b.state == TG_BREAKER_HALF_OPEN, "a released probe keeps it half-open");
    CHECKF(tg_breaker_allow(&b, t + 4001), "release lets the next probe through");
}

static void test_breaker_rate(void)
{
    tg_breaker_config c = tg_breaker_config_default();
    c.consecutive_failures = 0;
    c.failure_rate = 0.5;
    c.min_calls = 10;
    c.window_ms = 1000;
    tg_breaker b;
    tg_breaker_init(&b, &c);
    int64_t t = 0;
    /* Alternating outcomes: 50% failures, but fewer than min_calls first. */
    for (int i = 0; i < 9; i++)
        tg_breaker_record(&b, i % 2 == 0, t += 10);
    CHECKF(b.state == TG_BREAKER_CLOSED, "below min_calls it stays closed");
    tg_breaker_record(&b, false, t += 10);
    CHECKF(b.state == TG_BREAKER_OPEN, "5 of 10 failed in the window: open");

    tg_breaker_init(&b, &c);
    t = 0;
    for (int i = 0; i < 30; i++) /* one failure per 3 calls: 33% */
        tg_breaker_record(&b, i % 3 != 0, t += 10);
    CHECKF(b.state == TG_BREAKER_CLOSED, "a 33%% failure rate stays closed");
    /* Old failures leave the window: 9 failures long ago, then successes. */
    tg_breaker_init(&b, &c);
    for (int i = 0; i < 9; i++)
        tg_breaker_record(&b, false, 100);
    for (int i = 0; i < 10; i++)
        tg_breaker_record(&b, true, 5000);
    tg_breaker_record(&b, false, 5001);
    CHECKF(b.state == TG_BREAKER_CLOSED, "failures older than the window do not count");
}

/* ---- tg_spool ---------------------------------------------------------------- */

typedef struct replay_check {
    int next;
    int mismatches;
} replay_check;

static void make_record(int i, tg_spool_record *r, tg_spool_header *h, char *key, char *value)
{
    snprintf(key, 32, "key-%d", i);
    snprintf(value, 64, "{\"n\":%d}", i);
    memset(r, 0, sizeof *r);
    r->topic = "orders";
    r->topic_len = 6;
    r->partition = i % 3 - 1;
    r->timestamp_ms = 1700000000000LL + i;
    r->key = i % 5 == 0 ? NULL : key;
    r->key_len = r->key ? strlen(key) : 0;
    r->value = value;
    r->value_len = strlen(value);
    h[0] = (tg_spool_header){"tg-schema", 9, "orders.OrderEvent", 17};
    h[1] = (tg_spool_header){"empty", 5, NULL, 0};
    r->headers = h;
    r->n_headers = (size_t)(i % 3);
}

static int check_record(void *user, const tg_spool_record *got)
{
    replay_check *c = user;
    tg_spool_record want;
    tg_spool_header h[2];
    char key[32], value[64];
    make_record(c->next++, &want, h, key, value);
    bool same = got->topic_len == want.topic_len && memcmp(got->topic, want.topic, 6) == 0 &&
                got->partition == want.partition && got->timestamp_ms == want.timestamp_ms &&
                (got->key == NULL) == (want.key == NULL) && got->key_len == want.key_len &&
                (!want.key || memcmp(got->key, want.key, want.key_len) == 0) &&
                got->value_len == want.value_len &&
                memcmp(got->value, want.value, want.value_len) == 0 &&
                got->n_headers == want.n_headers;
    for (size_t i = 0; same && i < want.n_headers; i++)
        same = got->headers[i].name_len == h[i].name_len &&
               memcmp(got->headers[i].name, h[i].name, h[i].name_len) == 0 &&
               (got->headers[i].value == NULL) == (h[i].value == NULL) &&
               got->headers[i].value_len == h[i].value_len &&
               (!h[i].value || memcmp(got->headers[i].value, h[i].value, h[i].value_len) == 0);
    c->mismatches += !same;
    return 0;
}

static void test_spool(void)
{
    char path[] = "/tmp/tg_spool_test_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    tg_error err = {0};
    tg_spool *s = tg_spool_open(path, &err);
    CHECKF(s != NULL, "open: %s", err.message);
    if (!s)
        return;
    for (int i = 0; i < 100; i++) {
        tg_spool_record r;
        tg_spool_header h[2];
        char key[32], value[64];
        make_record(i, &r, h, key, value);
        CHECKF(tg_spool_append(s, &r, &err) == 0, "append %d: %s", i, err.message);
    }
    CHECKF(tg_spool_count(s) == 100, "count");
    tg_spool_close(s);

    replay_check c = {0, 0};
    uint64_t n = 0, torn = 0;
    CHECKF(tg_spool_replay(path, check_record, &c, &n, &torn, &err) == 0, "replay: %s", err.message);
    CHECKF(n == 100 && torn == 0 && c.mismatches == 0, "100 records back, %d mismatches",
           c.mismatches);

    /* A crash during the last append leaves a torn tail: ignored, reported. */
    FILE *f = fopen(path, "rb+");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    CHECKF(truncate(path, size - 5) == 0, "truncate");
    c = (replay_check){0, 0};
    CHECKF(tg_spool_replay(path, check_record, &c, &n, &torn, &err) == 0, "torn replay");
    CHECKF(n == 99 && torn > 0 && c.mismatches == 0, "99 records, torn %llu bytes",
           (unsigned long long)torn);

    /* A flipped byte in the middle stops replay with the record's offset. */
    f = fopen(path, "rb+");
    fseek(f, 200, SEEK_SET);
    int byte = fgetc(f);
    fseek(f, 200, SEEK_SET);
    fputc(byte ^ 0x40, f);
    fclose(f);
    c = (replay_check){0, 0};
    int rc = tg_spool_replay(path, check_record, &c, &n, &torn, &err);
    CHECKF(rc != 0 && strstr(err.message, "corrupt record at byte") != NULL,
           "corruption detected: rc %d, %s", rc, err.message);
    CHECKF(c.mismatches == 0 && n < 99, "records before the damage replayed intact (%llu)",
           (unsigned long long)n);
    remove(path);

    CHECKF(tg_spool_replay("/nonexistent/spool", check_record, &c, &n, &torn, &err) != 0,
           "a missing file is an error");
    CHECKF(tg_crc32c("123456789", 9) == 0xE3069283u, "CRC-32C check value");
}

static void test_topic_names(void)
{
    static const struct {
        const char *name;
        tg_topic_name_check want;
        size_t bad_at;
    } rows[] = {
        {"orders", TG_TOPIC_NAME_OK, 0},
        {"orders.dlq-2_B", TG_TOPIC_NAME_OK, 0},
        {"", TG_TOPIC_NAME_EMPTY, 0},
        {".", TG_TOPIC_NAME_RESERVED, 0},
        {"..", TG_TOPIC_NAME_RESERVED, 0},
        {"...", TG_TOPIC_NAME_OK, 0},
        {"a b", TG_TOPIC_NAME_BAD_CHAR, 1},
        {"x*/", TG_TOPIC_NAME_BAD_CHAR, 1},
        {"caf\xc3\xa9", TG_TOPIC_NAME_BAD_CHAR, 3},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        size_t at = 99;
        tg_topic_name_check got = tg_codec_topic_name_check(rows[i].name, strlen(rows[i].name), &at);
        CHECKF(got == rows[i].want && (got != TG_TOPIC_NAME_BAD_CHAR || at == rows[i].bad_at),
               "topic \"%s\": got %d at %zu, want %d", rows[i].name, (int)got, at,
               (int)rows[i].want);
    }
    char longest[TG_TOPIC_NAME_MAX + 2];
    memset(longest, 'a', sizeof longest);
    CHECK(tg_codec_topic_name_check(longest, TG_TOPIC_NAME_MAX, NULL) == TG_TOPIC_NAME_OK);
    CHECK(tg_codec_topic_name_check(longest, TG_TOPIC_NAME_MAX + 1, NULL) ==
          TG_TOPIC_NAME_TOO_LONG);
}

int main(void)
{
    test_topic_names();
    test_decimal();
    test_timestamp();
    test_breaker_consecutive();
    test_breaker_rate();
    test_spool();
    return check_done();
}
