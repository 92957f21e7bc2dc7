/* tg_log: structured logging for the Kafka runtime.
 *
 * The runtime never prints by itself: every line goes through a tg_logger,
 * a caller-supplied callback plus a minimum level.  The default sink writes
 * one logfmt line per event to stderr:
 *     ts=2026-11-23T15:40:00.123Z level=warn component=consumer msg="retrying" topic=orders partition=3
 * With topicgen.log.format=json the default logger writes one JSON object
 * per line instead (tg_log_json_sink), with the keys structlog's
 * JSONRenderer writes:
 *     {"event":"retrying","level":"warning","timestamp":"2026-11-23T15:40:00.123456Z",
 *      "logger":"topicgen.consumer","topic":"orders","partition":"3"}
 * librdkafka's own log lines are routed through the same logger
 * (component=rdkafka, fac=<facility>) by tg_producer/tg_consumer, which
 * install rd_kafka_conf_set_log_cb.  No global state: a logger is a value
 * the owner copies into each object. */
#ifndef TG_LOG_H
#define TG_LOG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tg_log_level {
    TG_LOG_DEBUG = 0,
    TG_LOG_INFO = 1,
    TG_LOG_WARN = 2,
    TG_LOG_ERROR = 3
} tg_log_level;

/* One key=value field of a log event; both strings NUL-terminated. */
typedef struct tg_log_kv {
    const char *key;
    const char *value;
} tg_log_kv;

/* A log sink.  Called for every event at or above the logger's min_level,
 * possibly from librdkafka's internal threads: it must be thread-safe.  The
 * strings are only valid during the call. */
typedef void (*tg_log_fn)(void *opaque, tg_log_level level, const char *component,
                          const char *msg, const tg_log_kv *kv, size_t n_kv);

typedef struct tg_logger {
    tg_log_fn fn;           /* NULL = discard everything                          */
    void *opaque;           /* passed to fn (default sink: a FILE *, NULL = stderr) */
    tg_log_level min_level; /* events below this level are dropped before fn      */
} tg_logger;

/* The default logger: tg_log_stderr_sink on stderr, min level INFO. */
tg_logger tg_logger_default(void);

/* Emit one event through l (NULL l or NULL l->fn: nothing happens).
 * Thread-safe as far as l->fn is. */
void tg_log(const tg_logger *l, tg_log_level level, const char *component,
            const char *msg, const tg_log_kv *kv, size_t n_kv);

/* Format one event as a logfmt line (with '\n') into buf[0..cap), always
 * NUL-terminated when cap > 0; values with spaces, quotes or '=' are quoted
 * and escaped.  Returns the length written (truncated lines end in "...\n").
 * `ts_ms` is the wall-clock time in milliseconds since the epoch. */
size_t tg_log_format(char *buf, size_t cap, long long ts_ms, tg_log_level level,
                     const char *component, const char *msg,
                     const tg_log_kv *kv, size_t n_kv);

/* Default sink: formats with tg_log_format and writes the line with a single
 * fputs to `opaque` (a FILE *; NULL = stderr).  Thread-safe (stdio locks). */
void tg_log_stderr_sink(void *opaque, tg_log_level level, const char *component,
                        const char *msg, const tg_log_kv *kv, size_t n_kv);

/* Format one event as one JSON object and '\n' into buf[0..cap): "event"
 * (msg), "level" (debug, info, warning, error: Python's names), "timestamp"
 * (RFC 3339 in UTC with microseconds, from ts_us, microseconds since the
 * epoch), "logger" ("topicgen.<component>"), then each kv as a string
 * member (a key that is one of those four gets "_field" appended).  Text is
 * escaped by the JSON writer of runtime/json (tg_json_write_string); bytes
 * that are not valid UTF-8 become U+FFFD each, so every line is valid JSON
 * and valid UTF-8.  Returns the length the whole line needs (without the
 * NUL); when that is >= cap the line was cut and is not valid JSON (the
 * sink measures first and never cuts).  Allocates a scratch copy of a
 * string that holds invalid UTF-8 (if that fails, the string is cut at its
 * first invalid byte). */
size_t tg_log_format_json(char *buf, size_t cap, long long ts_us, tg_log_level level,
                          const char *component, const char *msg,
                          const tg_log_kv *kv, size_t n_kv);

/* JSON sink: formats with tg_log_format_json (a line of any length: heap
 * buffer when it exceeds 4 KiB) and writes it with one fputs to `opaque`
 * (a FILE *; NULL = stderr).  Thread-safe (stdio locks). */
void tg_log_json_sink(void *opaque, tg_log_level level, const char *component,
                      const char *msg, const tg_log_kv *kv, size_t n_kv);

/* The JSON logger: tg_log_json_sink on stderr, min level INFO (what the
 * clients use when topicgen.log.format=json and opts->logger is NULL). */
tg_logger tg_logger_json(void);

/* Route one librdkafka log line (as passed to a rd_kafka_conf_set_log_cb
 * callback: syslog level 0..7, facility, text, client name) through l. */
void tg_log_rdkafka(const tg_logger *l, int syslog_level, const char *fac,
                    const char *text, const char *client);

/* Lower-case level name: "debug", "info", "warn", "error". */
const char *tg_log_level_name(tg_log_level level);

#ifdef __cplusplus
}
#endif

#endif /* TG_LOG_H */
