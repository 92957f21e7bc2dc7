/* tg_log: logfmt and JSON formatting, their stderr sinks and the librdkafka
 * bridge.  logfmt works in a caller buffer (no heap; the sink uses a 2 KiB
 * stack buffer per line).  JSON lines are written by runtime/json's writer
 * (tg_json_write_string: the one JSON escaper) after invalid UTF-8 is
 * replaced by U+FFFD (tg_utf8_check: the one UTF-8 rule), and never cut. */
#define _POSIX_C_SOURCE 200809L
#include "tg_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tg_json.h"
#include "tg_text_int.h"

const char *tg_log_level_name(tg_log_level level)
{
    switch (level) {
    case TG_LOG_DEBUG: return "debug";
    case TG_LOG_INFO: return "info";
    case TG_LOG_WARN: return "warn";
    case TG_LOG_ERROR: return "error";
    }
    return "info";
}

tg_logger tg_logger_default(void)
{
    tg_logger l = { tg_log_stderr_sink, NULL, TG_LOG_INFO };
    return l;
}

void tg_log(const tg_logger *l, tg_log_level level, const char *component,
            const char *msg, const tg_log_kv *kv, size_t n_kv)
{
    if (!l || !l->fn || level < l->min_level)
        return;
    l->fn(l->opaque, level, component ? component : "runtime", msg ? msg : "", kv, n_kv);
}

/* A growing-but-bounded output cursor over the caller's buffer. */
typedef struct out_buf { char *buf; size_t cap; size_t len; int full; } out_buf;

static void put_char(out_buf *o, char ch)
{
    if (o->len + 1 < o->cap)
        o->buf[o->len++] = ch;
    else
        o->full = 1;
}

static void put_str(out_buf *o, const char *s)
{
    while (*s)
        put_char(o, *s++);
}

static int needs_quotes(const char *s)
{
    if (*s == '\0')
        return 1;
    for (; *s; s++)
        if (*s == ' ' || *s == '"' || *s == '=' || *s == '\\' || (unsigned char)*s < 0x20)
            return 1;
    return 0;
}

static void put_value(out_buf *o, const char *s, int force_quotes)
{
    if (!force_quotes && !needs_quotes(s)) {
        put_str(o, s);
        return;
    }
    put_char(o, '"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            put_char(o, '\\');
            put_char(o, (char)ch);
        } else if (ch == '\n') {
            put_str(o, "\\n");
        } else if (ch < 0x20) {
            put_char(o, ' ');
        } else {
            put_char(o, (char)ch);
        }
    }
    put_char(o, '"');
}

static void put_timestamp(out_buf *o, long long ts_ms)
{
    char tmp[96];
    time_t secs = (time_t)(ts_ms / 1000);
    struct tm tm;
    if (!gmtime_r(&secs, &tm)) {
        put_str(o, "?");
        return;
    }
    (void)snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                   tm.tm_min, tm.tm_sec, (int)(ts_ms % 1000));
    put_str(o, tmp);
}

size_t tg_log_format(char *buf, size_t cap, long long ts_ms, tg_log_level level,
                     const char *component, const char *msg,
                     const tg_log_kv *kv, size_t n_kv)
{
    out_buf o = { buf, cap, 0, 0 };
    if (cap == 0)
        return 0;
    put_str(&o, "ts=");
    put_timestamp(&o, ts_ms);
    put_str(&o, " level=");
    put_str(&o, tg_log_level_name(level));
    put_str(&o, " component=");
    put_value(&o, component ? component : "runtime", 0);
    put_str(&o, " msg=");
    put_value(&o, msg ? msg : "", 1);
    for (size_t i = 0; i < n_kv; i++) {
        if (!kv[i].key)
            continue;
        put_char(&o, ' ');
        put_str(&o, kv[i].key);
        put_char(&o, '=');
        put_value(&o, kv[i].value ? kv[i].value : "", 0);
    }
    if (o.full && cap >= 5) {
        o.len = cap - 5; /* room for "...\n" and the NUL */
        memcpy(buf + o.len, "...", 3);
        o.len += 3;
    }
    if (o.len + 1 < cap)
        buf[o.len++] = '\n';
    buf[o.len] = '\0';
    return o.len;
}

void tg_log_stderr_sink(void *opaque, tg_log_level level, const char *component,
                        const char *msg, const tg_log_kv *kv, size_t n_kv)
{
    char line[2048];
    struct timespec ts;
    FILE *f = opaque ? (FILE *)opaque : stderr;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    (void)tg_log_format(line, sizeof line, (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
                        level, component, msg, kv, n_kv);
    (void)fputs(line, f);
}

void tg_log_rdkafka(const tg_logger *l, int syslog_level, const char *fac,
                    const char *text, const char *client)
{
    tg_log_level level = syslog_level <= 3 ? TG_LOG_ERROR
                       : syslog_level == 4 ? TG_LOG_WARN
                       : syslog_level <= 6 ? TG_LOG_INFO : TG_LOG_DEBUG;
    tg_log_kv kv[2] = { { "fac", fac ? fac : "" }, { "client", client ? client : "" } };
    tg_log(l, level, "rdkafka", text, kv, 2);
}

/* ---- JSON lines ----------------------------------------------------------- */

static const char replacement[3] = { '\xEF', '\xBF', '\xBD' }; /* U+FFFD */

/* s with every byte that is not part of valid UTF-8 replaced by U+FFFD, in
 * *scratch (malloc'd, caller frees) when needed; s itself when valid.  When
 * the copy cannot be made, the valid prefix only. */
static tg_str valid_utf8(const char *s, char **scratch)
{
    size_t n = strlen(s), bad = tg_utf8_check(s, n);
    *scratch = NULL;
    if (bad == n)
        return (tg_str){ s, n };
    char *out = malloc(n * 3 + 1);
    if (!out)
        return (tg_str){ s, bad };
    size_t len = 0;
    while (n) {
        size_t ok = tg_utf8_check(s, n);
        memcpy(out + len, s, ok);
        len += ok;
        if (ok == n)
            break;
        memcpy(out + len, replacement, 3);
        len += 3;
        s += ok + 1;
        n -= ok + 1;
    }
    *scratch = out;
    return (tg_str){ out, len };
}

static void json_text(tg_json_writer *w, const char *s)
{
    char *scratch;
    tg_json_write_string(w, valid_utf8(s ? s : "", &scratch));
    free(scratch);
}

static bool reserved_key(const char *k)
{
    return strcmp(k, "event") == 0 || strcmp(k, "level") == 0 || strcmp(k, "timestamp") == 0
           || strcmp(k, "logger") == 0;
}

static void json_member(tg_json_writer *w, const char *key, const char *value)
{
    tg_json_write_char(w, ',');
    if (reserved_key(key)) {
        char renamed[64];
        (void)snprintf(renamed, sizeof renamed, "%s_field", key);
        json_text(w, renamed);
    } else {
        json_text(w, key);
    }
    tg_json_write_char(w, ':');
    json_text(w, value);
}

static void json_timestamp(tg_json_writer *w, long long ts_us)
{
    char tmp[96];
    time_t secs = (time_t)(ts_us / 1000000);
    struct tm tm;
    if (!gmtime_r(&secs, &tm))
        memset(&tm, 0, sizeof tm);
    (void)snprintf(tmp, sizeof tmp, "\"%04d-%02d-%02dT%02d:%02d:%02d.%06dZ\"",
                   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                   tm.tm_sec, (int)(ts_us % 1000000));
    tg_json_write_raw(w, tmp, strlen(tmp));
}

static const char *python_level_name(tg_log_level level)
{
    return level == TG_LOG_WARN ? "warning" : tg_log_level_name(level);
}

size_t tg_log_format_json(char *buf, size_t cap, long long ts_us, tg_log_level level,
                          const char *component, const char *msg,
                          const tg_log_kv *kv, size_t n_kv)
{
    tg_json_writer w;
    char logger[160];
    tg_json_writer_init(&w, buf, cap);
    (void)snprintf(logger, sizeof logger, "topicgen.%s", component ? component : "runtime");
    tg_json_write_raw(&w, "{\"event\":", 9);
    json_text(&w, msg ? msg : "");
    tg_json_write_raw(&w, ",\"level\":", 9);
    json_text(&w, python_level_name(level));
    tg_json_write_raw(&w, ",\"timestamp\":", 13);
    json_timestamp(&w, ts_us);
    tg_json_write_raw(&w, ",\"logger\":", 10);
    json_text(&w, logger);
    for (size_t i = 0; i < n_kv; i++)
        if (kv[i].key)
            json_member(&w, kv[i].key, kv[i].value);
    tg_json_write_raw(&w, "}\n", 2);
    if (cap)
        buf[w.len < cap ? w.len : cap - 1] = '\0';
    return w.len;
}

void tg_log_json_sink(void *opaque, tg_log_level level, const char *component,
                      const char *msg, const tg_log_kv *kv, size_t n_kv)
{
    char line[4096], *heap = NULL, *out = line;
    struct timespec ts;
    FILE *f = opaque ? (FILE *)opaque : stderr;
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    long long us = (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    size_t need = tg_log_format_json(line, sizeof line, us, level, component, msg, kv, n_kv);
    if (need >= sizeof line) {
        if (!(heap = malloc(need + 1)))
            return;
        (void)tg_log_format_json(heap, need + 1, us, level, component, msg, kv, n_kv);
        out = heap;
    }
    (void)fputs(out, f);
    free(heap);
}

tg_logger tg_logger_json(void)
{
    tg_logger l = { tg_log_json_sink, NULL, TG_LOG_INFO };
    return l;
}
