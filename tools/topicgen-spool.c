/* topicgen-spool: inspect and replay a producer spool file (tg_spool.h).
 *
 *   topicgen-spool list FILE
 *   topicgen-spool replay FILE [--brokers LIST] [--config FILE] [--timeout-ms N]
 *
 * list prints a summary: records, bytes, records per topic, the time range
 * of the original timestamps and any torn tail.
 *
 * replay sends every record (original topic, partition, key, value, headers
 * and timestamp) with the runtime's idempotent producer (tg_config's safe
 * defaults, then --config FILE, then TOPICGEN_BROKERS and TOPICGEN_KAFKA_*
 * variables, then --brokers; topicgen.producer.fallback is forced to none so a failure is
 * never appended back into a spool), waits up to --timeout-ms (default
 * 60000) for every delivery report and, only when all records were
 * delivered, renames FILE to FILE.replayed-<UTC time> so it cannot be
 * replayed twice.  Otherwise the file stays where it is and the command says
 * how many records failed; replaying it again re-sends every record, so the
 * ones already delivered are then duplicated (consumers dedupe by id).
 * Replay holds an exclusive flock on FILE and refuses to rename a file that
 * grew meanwhile (a producer still appending to it): stop the producers or
 * point topicgen.producer.spool.path elsewhere first.
 *
 * Exit status: 0 success, 1 failure (the message says which), 2 usage. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* flock */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tg_config.h"
#include "tg_producer.h"
#include "tg_spool.h"

#define MAX_TOPICS 64
#define TOPIC_MAX 512

static int usage(void)
{
    (void)fprintf(stderr, "usage: topicgen-spool list FILE\n"
                          "       topicgen-spool replay FILE [--brokers LIST] [--config FILE] "
                          "[--timeout-ms N]\n"
                          "The cluster: --brokers, else TOPICGEN_BROKERS=host:port[,...] (or "
                          "TOPICGEN_KAFKA_BOOTSTRAP_SERVERS).\n");
    return 2;
}

/* ---- list -------------------------------------------------------------------- */

typedef struct summary {
    uint64_t records, bytes, headers;
    int64_t ts_min, ts_max;
    size_t n_topics;
    char topic[MAX_TOPICS][TOPIC_MAX];
    uint64_t per_topic[MAX_TOPICS];
    uint64_t other_topics;      /* records of topics beyond MAX_TOPICS */
} summary;

static void count_topic(summary *s, const tg_spool_record *r)
{
    size_t n = r->topic_len < TOPIC_MAX - 1 ? r->topic_len : TOPIC_MAX - 1;
    for (size_t i = 0; i < s->n_topics; i++)
        if (strlen(s->topic[i]) == n && memcmp(s->topic[i], r->topic, n) == 0) {
            s->per_topic[i]++;
            return;
        }
    if (s->n_topics == MAX_TOPICS) {
        s->other_topics++;
        return;
    }
    memcpy(s->topic[s->n_topics], r->topic, n);
    s->topic[s->n_topics][n] = '\0';
    s->per_topic[s->n_topics++] = 1;
}

static int summarise(void *user, const tg_spool_record *r)
{
    summary *s = user;
    if (s->records == 0 || r->timestamp_ms < s->ts_min)
        s->ts_min = r->timestamp_ms;
    if (s->records == 0 || r->timestamp_ms > s->ts_max)
        s->ts_max = r->timestamp_ms;
    s->records++;
    s->bytes += r->key_len + r->value_len;
    s->headers += r->n_headers;
    count_topic(s, r);
    return 0;
}

/* ms since the epoch as "2026-11-23T16:31:08.123Z" into buf. */
static void iso_time(int64_t ms, char *buf, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char day[32];
    if (!gmtime_r(&t, &tm) || strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
        snprintf(buf, cap, "%lld", (long long)ms);
    else
        snprintf(buf, cap, "%s.%03dZ", day, (int)(ms % 1000));
}

static int cmd_list(const char *path)
{
    summary *s = calloc(1, sizeof *s);
    uint64_t torn = 0;
    tg_error err;
    if (!s) {
        (void)fprintf(stderr, "topicgen-spool: out of memory\n");
        return 1;
    }
    int rc = tg_spool_replay(path, summarise, s, NULL, &torn, &err);
    if (rc) {
        (void)fprintf(stderr, "topicgen-spool: %s\n", err.message);
        free(s);
        return 1;
    }
    char from[40] = "-", to[40] = "-";
    if (s->records) {
        iso_time(s->ts_min, from, sizeof from);
        iso_time(s->ts_max, to, sizeof to);
    }
    printf("%s: %llu record(s), %llu key+value bytes, %llu header(s), timestamps %s .. %s\n",
           path, (unsigned long long)s->records, (unsigned long long)s->bytes,
           (unsigned long long)s->headers, from, to);
    for (size_t i = 0; i < s->n_topics; i++)
        printf("  %-40s %llu\n", s->topic[i], (unsigned long long)s->per_topic[i]);
    if (s->other_topics)
        printf("  (%llu record(s) of further topics)\n", (unsigned long long)s->other_topics);
    if (torn)
        printf("  torn tail: %llu byte(s) of an interrupted append (ignored)\n",
               (unsigned long long)torn);
    free(s);
    return 0;
}

/* ---- replay ------------------------------------------------------------------ */

typedef struct replay {
    tg_producer *p;
    uint64_t sent, send_failed;
    int64_t deadline_ms;
    int delivered, failed;      /* delivery reports */
    char first_error[256];
} replay;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_delivery(void *user, const tg_delivery *d)
{
    replay *r = user;
    if (d->err == 0) {
        r->delivered++;
        return;
    }
    if (r->failed++ == 0)
        snprintf(r->first_error, sizeof r->first_error, "%s: %s", d->topic, d->error);
}

/* The record's headers as a librdkafka header list (freed by the caller). */
static rd_kafka_headers_t *headers_of(const tg_spool_record *rec)
{
    rd_kafka_headers_t *h = rd_kafka_headers_new(rec->n_headers ? rec->n_headers : 1);
    for (size_t i = 0; i < rec->n_headers; i++) {
        const tg_spool_header *sh = &rec->headers[i];
        if (rd_kafka_header_add(h, sh->name, (ssize_t)sh->name_len, sh->value,
                                sh->value ? (ssize_t)sh->value_len : 0)) {
            rd_kafka_headers_destroy(h);
            return NULL;
        }
    }
    return h;
}

/* Send one record; a full local queue is served and retried until the
 * deadline. */
static int send_record(void *user, const tg_spool_record *rec)
{
    replay *r = user;
    char topic[TOPIC_MAX];
    tg_error err;
    int rc = TG_ERR_ARG;
    rd_kafka_headers_t *h = rec->topic_len < sizeof topic ? headers_of(rec) : NULL;
    if (h) {
        memcpy(topic, rec->topic, rec->topic_len);
        topic[rec->topic_len] = '\0';
        tg_raw_record raw = { topic, rec->partition >= 0 ? rec->partition : TG_PARTITION_ANY,
                              rec->key, rec->key_len, rec->value, rec->value_len, h, NULL, 0,
                              rec->timestamp_ms, NULL };
        while ((rc = tg_producer_send_raw(r->p, &raw, &err)) == TG_ERR_QUEUE_FULL
               && mono_ms() < r->deadline_ms)
            tg_producer_poll(r->p, 100);
        rd_kafka_headers_destroy(h);
    } else {
        snprintf(err.message, sizeof err.message, "record with a bad topic or header");
    }
    if (rc != 0) {
        r->send_failed++;
        if (r->failed + (int)r->send_failed == 1)
            snprintf(r->first_error, sizeof r->first_error, "%s", err.message);
    } else {
        r->sent++;
    }
    tg_producer_poll(r->p, 0);
    return 0;
}

static tg_config *replay_config(const char *brokers, const char *config_file, tg_error *err)
{
    tg_config *c = tg_config_new(TG_CONFIG_PRODUCER, err);
    if (!c)
        return NULL;
    if ((config_file && tg_config_load_file(c, config_file, err))
        || tg_config_load_env(c, NULL, err)
        || (brokers && tg_config_set(c, "bootstrap.servers", brokers, err))
        || tg_config_set(c, "topicgen.producer.fallback", "none", err)) {
        tg_config_free(c);
        return NULL;
    }
    return c;
}

/* Rename path to path.replayed-<UTC time>, never over an existing file. */
static int mark_replayed(const char *path, char *to, size_t cap)
{
    time_t now = time(NULL);
    struct tm tm;
    char stamp[32];
    if (!gmtime_r(&now, &tm) || strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm) == 0)
        return -1;
    int n = snprintf(to, cap, "%s.replayed-%s", path, stamp);
    if (n < 0 || (size_t)n >= cap || link(path, to) != 0)
        return -1;
    return unlink(path);
}

static int finish_replay(const char *path, const replay *r, uint64_t records, off_t size_before)
{
    struct stat st;
    char to[4096];
    /* send errors + failed reports + records sent without a report in time */
    int failed = (int)r->send_failed + r->failed
                 + (int)(r->sent - (uint64_t)(r->delivered + r->failed));
    printf("%s: %llu record(s): %d delivered, %d failed\n", path, (unsigned long long)records,
           r->delivered, failed);
    if (failed) {
        (void)fprintf(stderr, "topicgen-spool: %d record(s) not delivered (first: %s); %s kept, "
                              "replaying it again re-sends all %llu record(s)\n", failed,
                      r->first_error[0] ? r->first_error : "no delivery report in time", path,
                      (unsigned long long)records);
        return 1;
    }
    if (stat(path, &st) != 0 || st.st_size != size_before) {
        (void)fprintf(stderr, "topicgen-spool: %s changed during the replay (a producer "
                              "still writes to it): not renamed\n", path);
        return 1;
    }
    if (mark_replayed(path, to, sizeof to) != 0) {
        (void)fprintf(stderr, "topicgen-spool: cannot rename %s: %s\n", path, strerror(errno));
        return 1;
    }
    printf("%s: renamed to %s\n", path, to);
    return 0;
}

static int run_replay(const char *path, replay *r, int timeout_ms)
{
    struct stat st;
    uint64_t records = 0, torn = 0;
    tg_error err;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0 || fstat(fd, &st) != 0) {
        (void)fprintf(stderr, "topicgen-spool: %s: %s\n", path,
                      errno == EWOULDBLOCK ? "another replay holds it" : strerror(errno));
        if (fd >= 0)
            close(fd);
        return 1;
    }
    r->deadline_ms = mono_ms() + timeout_ms;
    int rc = tg_spool_replay(path, send_record, r, &records, &torn, &err);
    size_t left = 0;
    int64_t remaining = r->deadline_ms - mono_ms();
    (void)tg_producer_flush(r->p, remaining > 0 ? (int)remaining : 0, &left, NULL);
    if (torn)
        (void)fprintf(stderr, "topicgen-spool: %s: ignored a torn tail of %llu byte(s)\n", path,
                      (unsigned long long)torn);
    if (rc) {
        (void)fprintf(stderr, "topicgen-spool: %s (%llu record(s) sent before it)\n", err.message,
                      (unsigned long long)records);
        rc = 1;
    } else {
        rc = finish_replay(path, r, records, st.st_size);
    }
    close(fd);                      /* releases the lock */
    return rc;
}

static int cmd_replay(const char *path, const char *brokers, const char *config_file,
                      int timeout_ms)
{
    tg_error err;
    replay r;
    memset(&r, 0, sizeof r);
    if (access(path, F_OK) != 0) {
        (void)fprintf(stderr, "topicgen-spool: %s: %s (already replayed?)\n", path,
                      strerror(errno));
        return 1;
    }
    tg_config *c = replay_config(brokers, config_file, &err);
    tg_logger log = tg_logger_default();
    log.min_level = TG_LOG_ERROR;
    tg_producer_opts o = { on_delivery, &r, &log, NULL };
    tg_producer *p = c ? tg_producer_new(c, &o, &err) : NULL;
    tg_config_free(c);
    if (!p) {
        (void)fprintf(stderr, "topicgen-spool: %s\n", err.message);
        return 1;
    }
    r.p = p;
    int rc = run_replay(path, &r, timeout_ms);
    size_t left = 0;
    (void)tg_producer_close(p, 5000, &left);
    return rc;
}

int main(int argc, char **argv)
{
    const char *brokers = NULL, *config_file = NULL;
    long timeout_ms = 60000;
    if (argc < 3)
        return usage();
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--brokers") == 0 && i + 1 < argc)
            brokers = argv[++i];
        else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config_file = argv[++i];
        else if (strcmp(argv[i], "--timeout-ms") == 0 && i + 1 < argc)
            timeout_ms = strtol(argv[++i], NULL, 10);
        else
            return usage();
    }
    if (timeout_ms <= 0 || timeout_ms > 3600000)
        return usage();
    if (strcmp(argv[1], "list") == 0 && argc == 3)
        return cmd_list(argv[2]);
    if (strcmp(argv[1], "replay") == 0)
        return cmd_replay(argv[2], brokers, config_file, (int)timeout_ms);
    return usage();
}
