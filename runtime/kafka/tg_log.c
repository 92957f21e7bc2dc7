/* tg_log: logfmt formatting, the stderr sink and the librdkafka bridge.
 * Formatting works in a caller buffer (no heap); the sink uses a 2 KiB stack
 * buffer per line. */
#define _POSIX_C_SOURCE 200809L
#include "tg_log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

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
