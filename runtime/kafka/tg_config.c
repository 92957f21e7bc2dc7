/* tg_config: safe defaults, overrides from pairs/environment/properties
 * files, and the topicgen.* knob table.  Validation is eager: every set goes
 * through rd_kafka_conf_set (or the knob table) at once, so errors point at
 * the property that caused them. */
#define _POSIX_C_SOURCE 200809L
#include "tg_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

struct tg_config {
    tg_config_role role;
    rd_kafka_conf_t *rk;
    tg_settings settings;
    unsigned explicit_rows;       /* profile_rows[i] set by the caller: bit i */
};

/* The topicgen.* knobs: name, where the value lives, allowed range. */
typedef struct knob {
    const char *name;
    size_t offset;
    int is_long;
    long min, max, def;
} knob;

#define KNOB_INT(n, f, lo, hi, d) { n, offsetof(tg_settings, f), 0, lo, hi, d }
#define KNOB_LONG(n, f, lo, hi, d) { n, offsetof(tg_settings, f), 1, lo, hi, d }
static const knob knobs[] = {
    KNOB_INT("topicgen.retry.max.attempts", retry_max_attempts, 1, 1000, 5),
    KNOB_INT("topicgen.retry.backoff.ms", retry_backoff_ms, 0, 3600000, 200),
    KNOB_INT("topicgen.retry.backoff.max.ms", retry_backoff_max_ms, 0, 3600000, 10000),
    KNOB_INT("topicgen.commit.interval.ms", commit_interval_ms, 1, 3600000, 5000),
    KNOB_INT("topicgen.shutdown.timeout.ms", shutdown_timeout_ms, 0, 3600000, 10000),
    KNOB_INT("topicgen.poll.timeout.ms", poll_timeout_ms, 1, 60000, 100),
    KNOB_LONG("topicgen.arena.bytes", arena_bytes, 0, 1L << 30, 65536),
    KNOB_LONG("topicgen.arena.max.bytes", arena_max_bytes, 0, 1L << 30, 4194304),
    KNOB_INT("topicgen.batch.size", batch_size, 1, 100000, 100),
    KNOB_INT("topicgen.batch.timeout.ms", batch_timeout_ms, 0, 3600000, 200),
    KNOB_INT("topicgen.dlq.retry.backoff.ms", dlq_retry_backoff_ms, 0, 3600000, 1000),
    KNOB_LONG("topicgen.dlq.max.value.bytes", dlq_max_value_bytes, 0, 1L << 30, 900000),
    KNOB_INT("topicgen.producer.unavailable.ms", producer_unavailable_ms, 0, 3600000, 5000),
    KNOB_INT("topicgen.breaker.enable", breaker_enable, 0, 1, 0),
    KNOB_INT("topicgen.breaker.consecutive.failures", breaker_consecutive, 0, 1000000, 5),
    KNOB_INT("topicgen.breaker.failure.rate.percent", breaker_rate_percent, 0, 100, 50),
    KNOB_INT("topicgen.breaker.min.calls", breaker_min_calls, 1, 1000000, 20),
    KNOB_INT("topicgen.breaker.window.ms", breaker_window_ms, 10, 3600000, 10000),
    KNOB_INT("topicgen.breaker.cooldown.ms", breaker_cooldown_ms, 0, 3600000, 5000),
    KNOB_INT("topicgen.workers", workers, 0, 256, 0),
    KNOB_INT("topicgen.max.in.flight", max_in_flight, 1, 1000000, 1000),
    KNOB_INT("topicgen.transaction.interval.ms", transaction_interval_ms, 1, 3600000, 100),
    KNOB_INT("topicgen.transaction.max.messages", transaction_max_messages, 1, 1000000, 1000),
    KNOB_INT("topicgen.progress.interval.ms", progress_interval_ms, 0, 86400000, 10000),
    KNOB_INT("topicgen.ready.stuck.ms", ready_stuck_ms, 1, 86400000, 60000),
};
#define N_KNOBS (sizeof knobs / sizeof knobs[0])

/* String knobs: free text (char[TG_SETTINGS_TEXT_MAX]) or, with choices, an
 * int index into choices (the first choice is the default). */
typedef struct text_knob {
    const char *name;
    size_t offset;
    const char *const *choices;
} text_knob;

static const char *const fallback_choices[] = { "none", "dlq", "spool", NULL };
static const char *const profile_choices[] = { "none", "throughput", "latency", "durable", NULL };
static const char *const ordering_choices[] = { "key", "partition", NULL };
static const char *const schema_check_choices[] = { "match", "require", "off", NULL };
static const char *const tombstones_choices[] = { "schema", "skip", "handle", "dlq", NULL };
static const char *const log_format_choices[] = { "logfmt", "json", NULL };
#define KNOB_TEXT(n, f, ch) { n, offsetof(tg_settings, f), ch }
static const text_knob text_knobs[] = {
    KNOB_TEXT("topicgen.producer.fallback", producer_fallback, fallback_choices),
    KNOB_TEXT("topicgen.producer.spool.path", producer_spool_path, NULL),
    KNOB_TEXT("topicgen.producer.fallback.topic", producer_fallback_topic, NULL),
    KNOB_TEXT("topicgen.profile", profile, profile_choices),
    KNOB_TEXT("topicgen.ordering", ordering, ordering_choices),
    KNOB_TEXT("topicgen.schema.check", schema_check, schema_check_choices),
    KNOB_TEXT("topicgen.tombstones", tombstones, tombstones_choices),
    KNOB_TEXT("topicgen.metrics.listen", metrics_listen, NULL),
    KNOB_TEXT("topicgen.log.format", log_format, log_format_choices),
};
#define N_TEXT_KNOBS (sizeof text_knobs / sizeof text_knobs[0])

/* topicgen.profile: values per profile (throughput, latency, durable) of the
 * librdkafka properties it manages for one role.  No profile weakens acks or
 * idempotence. */
typedef struct profile_row {
    const char *key;
    tg_config_role role;
    const char *value[3];
} profile_row;

static const profile_row profile_rows[] = {
    { "linger.ms", TG_CONFIG_PRODUCER, { "50", "0", "5" } },
    { "batch.size", TG_CONFIG_PRODUCER, { "1000000", "65536", "1000000" } },
    { "batch.num.messages", TG_CONFIG_PRODUCER, { "10000", "1000", "10000" } },
    { "compression.type", TG_CONFIG_PRODUCER, { "lz4", "none", "lz4" } },
    { "acks", TG_CONFIG_PRODUCER, { "all", "all", "all" } },
    { "enable.idempotence", TG_CONFIG_PRODUCER, { "true", "true", "true" } },
    { "fetch.min.bytes", TG_CONFIG_CONSUMER, { "65536", "1", "1" } },
    { "fetch.wait.max.ms", TG_CONFIG_CONSUMER, { "500", "10", "500" } },
    { "queued.max.messages.kbytes", TG_CONFIG_CONSUMER, { "262144", "16384", "16384" } },
    { "check.crcs", TG_CONFIG_CONSUMER, { "false", "false", "true" } },
};
#define N_PROFILE_ROWS (sizeof profile_rows / sizeof profile_rows[0])

static const char *const producer_defaults[] = {
    "acks", "all",
    "enable.idempotence", "true",
    "compression.type", "lz4",
    "linger.ms", "5",
    "queue.buffering.max.messages", "100000",  /* bounded local queue: a full one is */
    "queue.buffering.max.kbytes", "65536",     /* TG_ERR_QUEUE_FULL, never growth    */
};
static const char *const consumer_defaults[] = {
    "enable.auto.commit", "false",
    "enable.auto.offset.store", "false",
    "auto.offset.reset", "earliest",
    "enable.partition.eof", "false",
};

static const knob *find_knob(const char *key)
{
    for (size_t i = 0; i < N_KNOBS; i++)
        if (strcmp(knobs[i].name, key) == 0)
            return &knobs[i];
    return NULL;
}

static void knob_store(tg_settings *s, const knob *k, long v)
{
    char *base = (char *)s + k->offset;
    if (k->is_long)
        memcpy(base, &v, sizeof v);
    else {
        int iv = (int)v;
        memcpy(base, &iv, sizeof iv);
    }
}

static long knob_load(const tg_settings *s, const knob *k)
{
    const char *base = (const char *)s + k->offset;
    if (k->is_long) {
        long v;
        memcpy(&v, base, sizeof v);
        return v;
    }
    int iv;
    memcpy(&iv, base, sizeof iv);
    return iv;
}

static int set_knob(tg_config *c, const knob *k, const char *value, tg_error *err)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || v < k->min || v > k->max)
        return tg_error_set(err, TG_ERR_CONFIG,
                            "invalid value for property '%s': \"%s\" (expected integer %ld..%ld)",
                            k->name, value, k->min, k->max);
    knob_store(&c->settings, k, v);
    return 0;
}

/* Consumers store offsets themselves; auto commit/store would lose data. */
static int check_consumer_safety(const tg_config *c, const char *key, const char *value,
                                 tg_error *err)
{
    if (c->role != TG_CONFIG_CONSUMER)
        return 0;
    if ((strcmp(key, "enable.auto.commit") == 0 || strcmp(key, "enable.auto.offset.store") == 0)
        && strcmp(value, "false") != 0)
        return tg_error_set(err, TG_ERR_CONFIG,
                            "invalid value for property '%s': must stay false (the consumer "
                            "stores and commits offsets only after handling)", key);
    return 0;
}

static const text_knob *find_text_knob(const char *key)
{
    for (size_t i = 0; i < N_TEXT_KNOBS; i++)
        if (strcmp(text_knobs[i].name, key) == 0)
            return &text_knobs[i];
    return NULL;
}

static int set_rdkafka(tg_config *c, const char *key, const char *value, tg_error *err);

/* Apply the current profile to every row of c's role the caller did not set. */
static int apply_profile(tg_config *c, tg_error *err)
{
    int prof = c->settings.profile;
    for (size_t i = 0; prof != TG_PROFILE_NONE && i < N_PROFILE_ROWS; i++) {
        const profile_row *r = &profile_rows[i];
        if (r->role == c->role && !(c->explicit_rows & (1u << i))
            && set_rdkafka(c, r->key, r->value[prof - 1], err))
            return TG_ERR_CONFIG;
    }
    return 0;
}

static int set_text_knob(tg_config *c, const text_knob *k, const char *value, tg_error *err)
{
    char *field = (char *)&c->settings + k->offset;
    if (!k->choices) {
        if (strlen(value) >= TG_SETTINGS_TEXT_MAX)
            return tg_error_set(err, TG_ERR_CONFIG, "invalid value for property '%s': longer "
                                "than %d bytes", k->name, TG_SETTINGS_TEXT_MAX - 1);
        memcpy(field, value, strlen(value) + 1);
        return 0;
    }
    for (int i = 0; k->choices[i]; i++)
        if (strcmp(k->choices[i], value) == 0) {
            memcpy(field, &i, sizeof i);
            return strcmp(k->name, "topicgen.profile") == 0 ? apply_profile(c, err) : 0;
        }
    char expected[64] = "";
    for (int i = 0; k->choices[i]; i++) /* "none|dlq|spool" */
        (void)snprintf(expected + strlen(expected), sizeof expected - strlen(expected), "%s%s",
                       i ? "|" : "", k->choices[i]);
    return tg_error_set(err, TG_ERR_CONFIG, "invalid value for property '%s': \"%s\" "
                        "(expected %s)", k->name, value, expected);
}

static int set_topicgen(tg_config *c, const char *key, const char *value, tg_error *err)
{
    const knob *k = find_knob(key);
    const text_knob *t = k ? NULL : find_text_knob(key);
    if (k)
        return set_knob(c, k, value, err);
    if (t)
        return set_text_knob(c, t, value, err);
    return tg_error_set(err, TG_ERR_CONFIG, "unknown property '%s'", key);
}

/* Remember that the caller chose key, so no profile overrides it. */
static void mark_explicit(tg_config *c, const char *key)
{
    for (size_t i = 0; i < N_PROFILE_ROWS; i++)
        if (strcmp(profile_rows[i].key, key) == 0)
            c->explicit_rows |= 1u << i;
}

int tg_config_set(tg_config *c, const char *key, const char *value, tg_error *err)
{
    if (!c || !key || !value)
        return tg_error_set(err, TG_ERR_ARG, "tg_config_set: NULL argument");
    if (strncmp(key, "topicgen.", 9) == 0)
        return set_topicgen(c, key, value, err);
    if (check_consumer_safety(c, key, value, err))
        return TG_ERR_CONFIG;
    int rc = set_rdkafka(c, key, value, err);
    if (rc == 0)
        mark_explicit(c, key);
    return rc;
}

static int set_rdkafka(tg_config *c, const char *key, const char *value, tg_error *err)
{
    char errstr[512];
    errstr[0] = '\0';
    switch (rd_kafka_conf_set(c->rk, key, value, errstr, sizeof errstr)) {
    case RD_KAFKA_CONF_OK:
        return 0;
    case RD_KAFKA_CONF_UNKNOWN:
        return tg_error_set(err, TG_ERR_CONFIG, "unknown property '%s'", key);
    case RD_KAFKA_CONF_INVALID:
        break;
    }
    return tg_error_set(err, TG_ERR_CONFIG, "invalid value for property '%s': %s", key, errstr);
}

int tg_config_set_pairs(tg_config *c, const char *const *kv, size_t n_pairs, tg_error *err)
{
    if (n_pairs && !kv)
        return tg_error_set(err, TG_ERR_ARG, "tg_config_set_pairs: NULL pairs");
    for (size_t i = 0; i < n_pairs; i++) {
        int rc = tg_config_set(c, kv[2 * i], kv[2 * i + 1], err);
        if (rc)
            return rc;
    }
    return 0;
}

tg_config *tg_config_new(tg_config_role role, tg_error *err)
{
    tg_config *c = calloc(1, sizeof *c);
    if (!c || !(c->rk = rd_kafka_conf_new())) {
        free(c);
        tg_error_set(err, TG_ERR_NOMEM, "tg_config_new: out of memory");
        return NULL;
    }
    c->role = role;
    for (size_t i = 0; i < N_KNOBS; i++)
        knob_store(&c->settings, &knobs[i], knobs[i].def);
    const char *const *d = role == TG_CONFIG_PRODUCER ? producer_defaults : consumer_defaults;
    size_t n = (role == TG_CONFIG_PRODUCER ? sizeof producer_defaults : sizeof consumer_defaults)
               / sizeof d[0] / 2;
    for (size_t i = 0; i < n; i++) /* defaults: not explicit, a profile may replace them */
        if (set_rdkafka(c, d[2 * i], d[2 * i + 1], err)) {
            tg_config_free(c);
            return NULL;
        }
    return c;
}

tg_config *tg_config_copy(const tg_config *c, tg_error *err)
{
    tg_config *n = c ? calloc(1, sizeof *n) : NULL;
    if (n)
        *n = *c;
    if (!n || !(n->rk = rd_kafka_conf_dup(c->rk))) {
        free(n);
        tg_error_set(err, c ? TG_ERR_NOMEM : TG_ERR_ARG, "tg_config_copy: %s",
                     c ? "out of memory" : "NULL config");
        return NULL;
    }
    return n;
}

void tg_config_free(tg_config *c)
{
    if (!c)
        return;
    rd_kafka_conf_destroy(c->rk);
    free(c);
}

/* "BOOTSTRAP_SERVERS" -> "bootstrap.servers" into out[cap]; 0 if too long. */
static int env_name_to_key(const char *name, size_t len, char *out, size_t cap)
{
    if (len == 0 || len >= cap)
        return 0;
    for (size_t i = 0; i < len; i++)
        out[i] = name[i] == '_' ? '.' : (char)tolower((unsigned char)name[i]);
    out[len] = '\0';
    return 1;
}

/* ---- TOPICGEN_BROKERS: the one variable that names the cluster ---------- */

/* The value of variable name in envp ("NAME=value" strings), or NULL. */
static const char *env_value(const char *const *envp, const char *name)
{
    size_t n = strlen(name);
    for (; envp && *envp; envp++)
        if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
            return *envp + n + 1;
    return NULL;
}

/* One "host:port" of len bytes: host a name or IPv4 address of
 * [A-Za-z0-9._-] or a bracketed IPv6 literal, port 1..65535. */
static int valid_host_port(const char *s, size_t len)
{
    const char *colon = NULL;
    for (size_t i = len; i > 0 && !colon; i--)
        colon = s[i - 1] == ':' ? s + i - 1 : NULL;
    if (!colon || colon == s || (size_t)(colon - s) + 1 >= len || len - (size_t)(colon - s) > 6)
        return 0;
    long port = 0;
    for (const char *d = colon + 1; d < s + len; d++) {
        if (*d < '0' || *d > '9')
            return 0;
        port = port * 10 + (*d - '0');
    }
    if (port < 1 || port > 65535)
        return 0;
    if (s[0] == '[') /* [IPv6]:port */
        return colon[-1] == ']' && colon - s > 2
               && strspn(s + 1, "0123456789abcdefABCDEF:.") == (size_t)(colon - s) - 2;
    for (const char *h = s; h < colon; h++)
        if (!isalnum((unsigned char)*h) && *h != '.' && *h != '-' && *h != '_')
            return 0;
    return 1;
}

/* "embedded" or host:port[,host:port...]; the error names the variable. */
static int check_brokers(const char *v, tg_error *err)
{
    if (strcmp(v, "embedded") == 0)
        return 0;
    for (const char *p = v;;) {
        size_t n = strcspn(p, ",");
        if (!valid_host_port(p, n))
            return tg_error_set(err, TG_ERR_CONFIG, "environment variable TOPICGEN_BROKERS=\""
                                "%.60s\": \"%.*s\" is not host:port (expected host:port"
                                "[,host:port...] with port 1..65535, or embedded)",
                                v, (int)(n > 60 ? 60 : n), p);
        if (p[n] == '\0')
            return 0;
        p += n + 1;
    }
}

/* TOPICGEN_BROKERS and a TOPICGEN_KAFKA_* bootstrap variable may both be
 * set only to the same value. */
static int check_agree(const char *const *envp, const char *brokers, tg_error *err)
{
    static const char *const others[] = { "TOPICGEN_KAFKA_BOOTSTRAP_SERVERS",
                                           "TOPICGEN_KAFKA_METADATA_BROKER_LIST" };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        const char *v = env_value(envp, others[i]);
        if (v && strcmp(v, brokers) != 0)
            return tg_error_set(err, TG_ERR_CONFIG, "environment variables TOPICGEN_BROKERS="
                                "\"%.60s\" and %s=\"%.60s\" disagree: set only "
                                "TOPICGEN_BROKERS", brokers, others[i], v);
    }
    return 0;
}

/* Validate TOPICGEN_BROKERS (unset or empty: nothing) into *out. */
static int env_brokers(const char *const *envp, const char **out, tg_error *err)
{
    const char *v = env_value(envp, "TOPICGEN_BROKERS");
    *out = NULL;
    if (!v || !*v)
        return 0;
    if (check_brokers(v, err) || check_agree(envp, v, err))
        return TG_ERR_CONFIG;
    *out = v;
    return 0;
}

int tg_config_load_env(tg_config *c, const char *const *envp, tg_error *err)
{
    static const char prefix[] = "TOPICGEN_KAFKA_";
    const size_t plen = sizeof prefix - 1;
    const char *brokers = NULL;
    if (!c)
        return tg_error_set(err, TG_ERR_ARG, "tg_config_load_env: NULL config");
    if (!envp)
        envp = (const char *const *)environ;
    if (env_brokers(envp, &brokers, err))
        return TG_ERR_CONFIG;
    if (brokers && set_rdkafka(c, "bootstrap.servers", brokers, err))
        return TG_ERR_CONFIG;
    for (; envp && *envp; envp++) {
        const char *var = *envp;
        const char *eq = strchr(var, '=');
        char key[256];
        if (strncmp(var, prefix, plen) != 0 || !eq)
            continue;
        if (!env_name_to_key(var + plen, (size_t)(eq - var) - plen, key, sizeof key))
            return tg_error_set(err, TG_ERR_CONFIG, "environment variable %.*s: bad name",
                                (int)(eq - var), var);
        tg_error e;
        if (tg_config_set(c, key, eq + 1, &e))
            return tg_error_set(err, e.code, "environment variable %.*s: %s",
                                (int)(eq - var), var, e.message);
    }
    return 0;
}

/* Strip the trailing newline and report whether the line continues ('\'). */
static int chomp_continues(char *line)
{
    size_t n = strlen(line), bs = 0;
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    while (bs < n && line[n - 1 - bs] == '\\')
        bs++;
    if (bs % 2 == 1) {
        line[n - 1] = '\0';
        return 1;
    }
    return 0;
}

/* Unescape in place: "\x" -> "x" ("\t", "\n" keep their meaning). */
static void unescape(char *s)
{
    char *w = s;
    for (; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            *w++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s;
        } else {
            *w++ = *s;
        }
    }
    *w = '\0';
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Split one logical line into key and value and apply it. */
static int apply_property_line(tg_config *c, char *line, const char *path, int lineno,
                               tg_error *err)
{
    char *p = trim(line);
    if (*p == '\0' || *p == '#' || *p == '!')
        return 0;
    char *sep = p;
    while (*sep && *sep != '=' && *sep != ':' && !isspace((unsigned char)*sep))
        sep += (*sep == '\\' && sep[1]) ? 2 : 1;
    char *value = sep;
    if (*value) {
        int had_sep = (*value == '=' || *value == ':');
        *value++ = '\0';
        while (isspace((unsigned char)*value))
            value++;
        if (!had_sep && (*value == '=' || *value == ':'))
            value++;
    }
    value = trim(value);
    unescape(p);
    unescape(value);
    tg_error e;
    if (tg_config_set(c, p, value, &e))
        return tg_error_set(err, e.code, "%s:%d: %s", path, lineno, e.message);
    return 0;
}

/* Read one logical line (joining '\' continuations) into buf. */
static int read_logical_line(FILE *f, char *buf, size_t cap, int *lineno)
{
    size_t used = 0;
    char part[4096];
    int got = 0;
    while (fgets(part, sizeof part, f)) {
        got = 1;
        (*lineno)++;
        if (!strchr(part, '\n') && !feof(f))
            return -1;
        int more = chomp_continues(part);
        const char *piece = used ? trim(part) : part;
        size_t n = strlen(piece);
        if (used + n + 1 > cap)
            return -1;
        memcpy(buf + used, piece, n + 1);
        used += n;
        if (!more)
            break;
    }
    return got;
}

int tg_config_load_file(tg_config *c, const char *path, tg_error *err)
{
    if (!c || !path)
        return tg_error_set(err, TG_ERR_ARG, "tg_config_load_file: NULL argument");
    FILE *f = fopen(path, "r");
    if (!f)
        return tg_error_set(err, TG_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    char line[4096];
    int lineno = 0, rc = 0, got;
    while (rc == 0 && (got = read_logical_line(f, line, sizeof line, &lineno)) != 0) {
        if (got < 0)
            rc = tg_error_set(err, TG_ERR_CONFIG, "%s:%d: line too long", path, lineno);
        else
            rc = apply_property_line(c, line, path, lineno, err);
    }
    (void)fclose(f); /* read only: nothing to lose */
    return rc;
}

int tg_config_get(const tg_config *c, const char *key, char *buf, size_t cap, tg_error *err)
{
    if (!c || !key || !buf || cap == 0)
        return tg_error_set(err, TG_ERR_ARG, "tg_config_get: bad argument");
    const knob *k = find_knob(key);
    const text_knob *t = find_text_knob(key);
    if (k || t) {
        const char *field = t ? (const char *)&c->settings + t->offset : NULL;
        int idx = 0, n;
        if (t && t->choices)
            memcpy(&idx, field, sizeof idx);
        n = k ? snprintf(buf, cap, "%ld", knob_load(&c->settings, k))
              : snprintf(buf, cap, "%s", t->choices ? t->choices[idx] : field);
        return n < 0 || (size_t)n >= cap ? tg_error_set(err, TG_ERR_ARG, "buffer too small") : 0;
    }
    size_t size = cap;
    switch (rd_kafka_conf_get(c->rk, key, buf, &size)) {
    case RD_KAFKA_CONF_OK:
        return size > cap ? tg_error_set(err, TG_ERR_ARG, "buffer too small for '%s'", key) : 0;
    case RD_KAFKA_CONF_INVALID:
    case RD_KAFKA_CONF_UNKNOWN:
        break;
    }
    return tg_error_set(err, TG_ERR_CONFIG, "unknown property '%s'", key);
}

tg_config_role tg_config_role_of(const tg_config *c)
{
    return c->role;
}

const tg_settings *tg_config_settings(const tg_config *c)
{
    return &c->settings;
}

rd_kafka_conf_t *tg_config_rdkafka_dup(const tg_config *c)
{
    return rd_kafka_conf_dup(c->rk);
}

static int is_connection_property(const char *key)
{
    static const char *const exact[] = { "bootstrap.servers", "metadata.broker.list",
                                         "client.id", "security.protocol",
                                         "broker.address.family", "test.mock.num.brokers" };
    static const char *const prefixes[] = { "sasl.", "ssl.", "socket." };
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (strcmp(key, exact[i]) == 0)
            return 1;
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(key, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return 0;
}

/* The default value of key in a fresh librdkafka config dump, or NULL. */
static const char *default_of(const char **defs, size_t n, const char *key)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        if (strcmp(defs[i], key) == 0)
            return defs[i + 1];
    return NULL;
}

tg_config *tg_config_derive_producer(const tg_config *from, tg_error *err)
{
    tg_config *p = tg_config_new(TG_CONFIG_PRODUCER, err);
    if (!p)
        return NULL;
    p->settings = from->settings;
    /* the consumer re-produces failed DLQ copies itself and never commits
     * past them: a producer fallback would only duplicate them */
    p->settings.producer_fallback = TG_FALLBACK_NONE;
    /* the consumer's endpoint serves the dead-letter producer's metrics */
    p->settings.metrics_listen[0] = '\0';
    rd_kafka_conf_t *fresh = rd_kafka_conf_new();
    size_t cnt = 0, ndef = 0;
    const char **dump = rd_kafka_conf_dump(from->rk, &cnt);
    const char **defs = rd_kafka_conf_dump(fresh, &ndef);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i + 1 < cnt; i += 2) {
        const char *def = default_of(defs, ndef, dump[i]);
        /* copy only what the caller changed: some defaults are not settable */
        if (is_connection_property(dump[i]) && (!def || strcmp(def, dump[i + 1]) != 0))
            rc = tg_config_set(p, dump[i], dump[i + 1], err);
    }
    rd_kafka_conf_dump_free(dump, cnt);
    rd_kafka_conf_dump_free(defs, ndef);
    rd_kafka_conf_destroy(fresh);
    if (rc == 0)
        rc = apply_profile(p, err); /* the inherited profile, for the producer role */
    if (rc) {
        tg_config_free(p);
        return NULL;
    }
    return p;
}
