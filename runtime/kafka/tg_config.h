/* tg_config: one property set for a topicgen producer or consumer.
 *
 * A tg_config holds librdkafka properties (validated at once with
 * rd_kafka_conf_set, so an unknown or invalid property is an error that
 * names it) and topicgen's own knobs, which live under the "topicgen."
 * prefix (retries, commit interval, arena size, ...; see tg_settings and
 * docs/runtime.md).  tg_config_new starts from safe defaults; overrides come,
 * in the order the caller applies them (later wins), from a Java-style
 * properties file, from TOPICGEN_BROKERS and TOPICGEN_KAFKA_* environment
 * variables and from key/value pairs.  Recommended order: file, environment,
 * code.  A producer or consumer needs bootstrap.servers (a host:port list,
 * or "embedded" for the in-process broker of tg_embedded.h): without one its
 * creation fails with TG_ERR_CONFIG.
 *
 * Safety rules enforced here: a consumer config refuses
 * enable.auto.commit=true and enable.auto.offset.store=true, because the
 * consumer stores offsets itself only after a message was handled or
 * dead-lettered.
 *
 * Thread-safety: a tg_config is not synchronised; build it on one thread.
 * tg_producer_new / tg_consumer_new take copies, so the config may be freed
 * (or reused) right after them. */
#ifndef TG_CONFIG_H
#define TG_CONFIG_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>

#include "tg_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tg_config_role {
    TG_CONFIG_PRODUCER,
    TG_CONFIG_CONSUMER
} tg_config_role;

/* topicgen's own knobs (property name in brackets, default after '='). */
/* Where the producer saves a message whose delivery failed for good
 * ([topicgen.producer.fallback] = none|dlq|spool). */
typedef enum tg_fallback {
    TG_FALLBACK_NONE = 0,      /* the caller's delivery report is the only record   */
    TG_FALLBACK_DLQ,           /* a copy to the fallback topic                       */
    TG_FALLBACK_SPOOL          /* appended to the local spool file (tg_spool)        */
} tg_fallback;

/* [topicgen.profile]: coherent librdkafka defaults, see tg_config_set. */
typedef enum tg_profile {
    TG_PROFILE_NONE = 0,
    TG_PROFILE_THROUGHPUT,
    TG_PROFILE_LATENCY,
    TG_PROFILE_DURABLE
} tg_profile;

#define TG_SETTINGS_TEXT_MAX 256

typedef struct tg_settings {
    int retry_max_attempts;    /* [topicgen.retry.max.attempts] = 5: handler calls per message
                                  before TG_RETRY turns into dead-lettering                    */
    int retry_backoff_ms;      /* [topicgen.retry.backoff.ms] = 200: first retry delay          */
    int retry_backoff_max_ms;  /* [topicgen.retry.backoff.max.ms] = 10000: delay cap            */
    int commit_interval_ms;    /* [topicgen.commit.interval.ms] = 5000: async commit period     */
    int shutdown_timeout_ms;   /* [topicgen.shutdown.timeout.ms] = 10000: bound for stop/close  */
    int poll_timeout_ms;       /* [topicgen.poll.timeout.ms] = 100: one consumer poll wait      */
    long arena_bytes;          /* [topicgen.arena.bytes] = 65536: decode arena per consumer     */
    long arena_max_bytes;      /* [topicgen.arena.max.bytes] = 4194304: arena may grow to this   */
    int batch_size;            /* [topicgen.batch.size] = 100: max messages per batch           */
    int batch_timeout_ms;      /* [topicgen.batch.timeout.ms] = 200: max wait to fill a batch   */
    int dlq_retry_backoff_ms;  /* [topicgen.dlq.retry.backoff.ms] = 1000: re-produce delay after
                                  a failed DLQ delivery                                         */
    long dlq_max_value_bytes;  /* [topicgen.dlq.max.value.bytes] = 900000: a dead letter's value is
                                  cut to this many bytes (headers say so), which keeps it, with
                                  key and headers, under Kafka's default 1 MB message limit     */
    int producer_unavailable_ms; /* [topicgen.producer.unavailable.ms] = 5000: after this long
                                  with every broker down (and no successful delivery since),
                                  sends fail fast with TG_ERR_UNAVAILABLE; 0 = never          */
    int producer_fallback;     /* [topicgen.producer.fallback] = none: a tg_fallback           */
    char producer_spool_path[TG_SETTINGS_TEXT_MAX];    /* [topicgen.producer.spool.path] = "":
                                  the spool file (required for fallback=spool)                */
    char producer_fallback_topic[TG_SETTINGS_TEXT_MAX]; /* [topicgen.producer.fallback.topic] =
                                  "": the DLQ topic; "" = "<topic>.dlq"                        */
    int profile;               /* [topicgen.profile] = none: a tg_profile                      */
    /* Consumer circuit breaker (tg_breaker; inline and worker mode, not batch mode). */
    int breaker_enable;        /* [topicgen.breaker.enable] = 0: 1 turns the breaker on        */
    int breaker_consecutive;   /* [topicgen.breaker.consecutive.failures] = 5: open after this
                                  many TG_RETRY outcomes in a row; 0 = off                     */
    int breaker_rate_percent;  /* [topicgen.breaker.failure.rate.percent] = 50: open when this
                                  share of outcomes failed ...; 0 = off                        */
    int breaker_min_calls;     /* [topicgen.breaker.min.calls] = 20: ... over at least this
                                  many outcomes ...                                            */
    int breaker_window_ms;     /* [topicgen.breaker.window.ms] = 10000: ... within this window */
    int breaker_cooldown_ms;   /* [topicgen.breaker.cooldown.ms] = 5000: open time before the
                                  half-open probe                                              */
    /* Consumer worker mode (tg_workers). */
    int workers;               /* [topicgen.workers] = 0: handler threads; 0 = inline (handlers
                                  on the polling thread)                                       */
    int ordering;              /* [topicgen.ordering] = key: a tg_ordering                     */
    int max_in_flight;         /* [topicgen.max.in.flight] = 1000: accepted, not yet finished
                                  messages per consumer (worker mode); when reached, all
                                  partitions pause                                             */
    int schema_check;          /* [topicgen.schema.check] = match: a tg_schema_check           */
    int tombstones;            /* [topicgen.tombstones] = schema: a tg_tombstones_setting: where
                                  records with a NULL value go (docs/runtime.md, "Tombstones") */
    /* Exactly-once processor (tg_processor): a transaction is committed when either
     * bound is reached (and on revocation and stop). */
    int transaction_interval_ms;   /* [topicgen.transaction.interval.ms] = 100              */
    int transaction_max_messages;  /* [topicgen.transaction.max.messages] = 1000: inputs     */
    /* Operations (docs/runtime.md, "Operating a service"); appended (ABI). */
    char metrics_listen[TG_SETTINGS_TEXT_MAX]; /* [topicgen.metrics.listen] = "": HOST:PORT of
                                  the client's /metrics, /healthz, /readyz; "" = none      */
    int log_format;            /* [topicgen.log.format] = logfmt: a tg_log_format, for the
                                  default logger (opts->logger NULL)                          */
    int progress_interval_ms;  /* [topicgen.progress.interval.ms] = 10000: consumer progress
                                  line period; 0 = off                                        */
    int ready_stuck_ms;        /* [topicgen.ready.stuck.ms] = 60000: /readyz says not ready
                                  when a partition's oldest unfinished message is older     */
} tg_settings;

/* [topicgen.log.format]: what the default logger writes. */
typedef enum tg_log_format_setting {
    TG_LOG_FORMAT_LOGFMT = 0,  /* ts=... level=... component=... msg="..."                  */
    TG_LOG_FORMAT_JSON         /* {"event":...,"level":...,"timestamp":...,"logger":...}      */
} tg_log_format_setting;

/* [topicgen.schema.check]: what the consumer does with a record's tg-schema
 * header (docs/runtime.md, "The tg-schema check"). */
typedef enum tg_schema_check {
    TG_SCHEMA_MATCH = 0,       /* a tg-schema naming another "<schema>.<Name>" is dead-lettered;
                                  a record without the header is decoded                       */
    TG_SCHEMA_REQUIRE,         /* as match, and a record without the header is dead-lettered   */
    TG_SCHEMA_OFF              /* the header is not looked at                                  */
} tg_schema_check;

/* [topicgen.tombstones]: the schema's route for NULL values (desc->tombstones),
 * or one route for every registration of the consumer. */
typedef enum tg_tombstones_setting {
    TG_TOMBSTONES_FROM_SCHEMA = 0, /* "schema": each message's own (default skip)           */
    TG_TOMBSTONES_ALL_SKIP,        /* "skip"                                                 */
    TG_TOMBSTONES_ALL_HANDLE,      /* "handle"                                               */
    TG_TOMBSTONES_ALL_DLQ          /* "dlq"                                                  */
} tg_tombstones_setting;

/* [topicgen.ordering]: what worker mode keeps in order. */
typedef enum tg_ordering {
    TG_ORDER_KEY = 0,          /* same key (keyless: same partition) -> in order               */
    TG_ORDER_PARTITION         /* same partition -> in order                                   */
} tg_ordering;

typedef struct tg_config tg_config;

/* New config with safe defaults for `role`:
 *  producer: acks=all, enable.idempotence=true, compression.type=lz4,
 *            linger.ms=5;
 *  consumer: enable.auto.commit=false, enable.auto.offset.store=false,
 *            auto.offset.reset=earliest, enable.partition.eof=false.
 * Returns NULL on allocation failure (err set).  Free with tg_config_free. */
tg_config *tg_config_new(tg_config_role role, tg_error *err);

/* Free c and everything it owns.  NULL is fine. */
void tg_config_free(tg_config *c);

/* Set one property.  "topicgen.*" keys are range-checked integers, or
 * strings (topicgen.producer.spool.path, topicgen.producer.fallback.topic)
 * and choices (topicgen.producer.fallback, topicgen.profile,
 * topicgen.ordering, topicgen.schema.check, topicgen.tombstones); all others go to
 * rd_kafka_conf_set.  Returns 0, or TG_ERR_CONFIG with a message such as
 * "unknown property 'foo.bar'" or "invalid value for property 'acks': ..."
 * (librdkafka's reason).  c is unchanged on error.
 *
 * topicgen.profile=throughput|latency|durable|none sets the profile's
 * librdkafka properties for c's role (docs/runtime.md has the table).
 * Precedence: a property set explicitly through tg_config_set (and so by
 * files and the environment), before or after the profile, always wins;
 * the profile replaces only tg_config_new's defaults and an earlier
 * profile's values.  "none" keeps the values in place. */
int tg_config_set(tg_config *c, const char *key, const char *value, tg_error *err);

/* Set n_pairs properties from kv = { key0, value0, key1, value1, ... };
 * stops at the first error (earlier pairs stay applied). */
int tg_config_set_pairs(tg_config *c, const char *const *kv, size_t n_pairs, tg_error *err);

/* Apply every TOPICGEN_KAFKA_<NAME>=value variable of envp (NULL-terminated
 * "NAME=value" strings; NULL means the process environment): <NAME> is
 * lower-cased and '_' becomes '.', so TOPICGEN_KAFKA_BOOTSTRAP_SERVERS sets
 * bootstrap.servers and TOPICGEN_KAFKA_TOPICGEN_RETRY_MAX_ATTEMPTS sets
 * topicgen.retry.max.attempts.  Errors name the variable.
 *
 * TOPICGEN_BROKERS names the cluster: host:port[,host:port...] (host a
 * name, an IPv4 address or a [IPv6] literal; port 1..65535) or "embedded"
 * (the in-process broker, tg_embedded.h); it sets bootstrap.servers.  Unset
 * or empty: not used.  Any other value is TG_ERR_CONFIG naming the
 * variable.  When TOPICGEN_KAFKA_BOOTSTRAP_SERVERS (or
 * TOPICGEN_KAFKA_METADATA_BROKER_LIST) is set too, it must hold the very
 * same string, else TG_ERR_CONFIG ("... disagree: set only
 * TOPICGEN_BROKERS") and nothing is applied. */
int tg_config_load_env(tg_config *c, const char *const *envp, tg_error *err);

/* Apply a Java-style properties file: "key=value", "key: value" or
 * "key value" per line, '#' and '!' comments, blank lines, trailing '\'
 * continues a line, '\' escapes the next character.  Errors say
 * "<path>:<line>: ...".  Lines longer than 4095 bytes are an error. */
int tg_config_load_file(tg_config *c, const char *path, tg_error *err);

/* Copy the current value of a property (librdkafka's or topicgen's) into
 * buf as a NUL-terminated string.  Returns 0, or TG_ERR_CONFIG when the
 * property is unknown or unset, TG_ERR_ARG when buf is too small. */
int tg_config_get(const tg_config *c, const char *key, char *buf, size_t cap, tg_error *err);

/* The role and the parsed topicgen.* knobs (pointer valid while c lives). */
tg_config_role tg_config_role_of(const tg_config *c);
const tg_settings *tg_config_settings(const tg_config *c);

/* A fresh copy of the librdkafka part, for rd_kafka_new (which takes
 * ownership).  NULL on allocation failure. */
rd_kafka_conf_t *tg_config_rdkafka_dup(const tg_config *c);

/* An independent copy of c (same role, properties and knobs); the caller
 * frees it.  NULL on error. */
tg_config *tg_config_copy(const tg_config *c, tg_error *err);

/* A producer config (safe producer defaults) that inherits the connection
 * properties of `from` (bootstrap.servers, client.id, security.protocol,
 * sasl.*, ssl.*, socket.*, broker.address.family) and its topicgen.* knobs
 * (and applies its profile), except topicgen.producer.fallback, which is
 * none: used by the consumer for its dead-letter producer, whose failed
 * copies the consumer re-produces itself.  NULL on error. */
tg_config *tg_config_derive_producer(const tg_config *from, tg_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TG_CONFIG_H */
