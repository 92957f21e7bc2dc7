/* cat_int.h (private to topicgen-cat): what the verbs share.
 *
 *   cat_common.c    the command line (common flags, a verb's own table),
 *                   the client config, finding a type, decoding a record
 *                   the way the service does, JSON output, the progress
 *                   line, topic partitions;
 *   topicgen-cat.c  topicgen_cat_main: verb dispatch and the top help;
 *   topicgen-cat-consume.c, -produce.c, -dlq.c (list, show),
 *   -redrive.c      one verb each: cat_<verb>(ctx, argc, argv) -> exit status.
 *
 * Exit statuses (docs/tools.md): CAT_OK 0, CAT_SOME_BAD 1, CAT_USAGE 2,
 * CAT_KAFKA 3.  Diagnostics go to stderr prefixed "topicgen-cat <verb>: ";
 * records to stdout as JSON lines.  Nothing here is thread-safe. */
#ifndef CAT_INT_H
#define CAT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <librdkafka/rdkafka.h>

#include "tg_config.h"
#include "tg_handle_int.h"
#include "tg_message.h"

enum { CAT_OK = 0, CAT_SOME_BAD = 1, CAT_USAGE = 2, CAT_KAFKA = 3, CAT_HELP = -1 };

#define CAT_MAX_X 64

typedef struct cat_ctx {
    const tg_message_desc *const *const *tables; /* borrowed, NULL-terminated */
    const char *verb;                            /* "consume", "dlq redrive", ... */
} cat_ctx;

/* The flags every verb takes. */
typedef struct cat_common {
    const char *brokers;         /* --brokers LIST (or --bootstrap-file's line) */
    const char *bootstrap_file;  /* --bootstrap-file PATH                       */
    const char *config_file;     /* --config FILE                               */
    const char *x[CAT_MAX_X];    /* -X key=value, in order                      */
    size_t n_x;
    char line[1024];             /* the bootstrap file's first line             */
} cat_common;

/* One flag of a verb: exactly one of str, num, on set. */
typedef struct cat_opt {
    const char *flag;
    const char **str;
    long long *num;
    long long min, max;
    bool *on;
} cat_opt;

#define CAT_STR(f, p) { .flag = (f), .str = (p) }
#define CAT_NUM(f, p, lo, hi) { .flag = (f), .num = (p), .min = (lo), .max = (hi) }
#define CAT_SWITCH(f, p) { .flag = (f), .on = (p) }

/* Parse argv[first..argc): common flags into *c (cleared first), opts into
 * what they point to, the rest into pos[0..*n_pos) (at most max_pos, at
 * least min_pos).  --help/-h prints usage to stdout: CAT_HELP.  CAT_OK, or
 * CAT_USAGE after saying what is wrong and the usage on stderr. */
int cat_parse(const cat_ctx *ctx, int argc, char **argv, int first, const char *usage,
              cat_common *c, const cat_opt *opts, size_t n_opts, const char **pos,
              size_t *n_pos, size_t min_pos, size_t max_pos);

/* The text every verb's usage ends with (common flags, cluster). */
extern const char cat_common_usage[];

/* A client config for role: --config FILE, the environment (TOPICGEN_BROKERS,
 * TOPICGEN_KAFKA_*), -X pairs, --brokers; later wins.  NULL after saying why
 * (the caller exits CAT_USAGE: a bad flag or property). */
tg_config *cat_config(const cat_ctx *ctx, const cat_common *c, tg_config_role role);

/* A librdkafka consumer from conf (owned by the caller; no group unless
 * conf has group.id).  NULL after saying why. */
rd_kafka_t *cat_consumer(const cat_ctx *ctx, const tg_config *conf);

/* The partitions of topic (sorted ids into *parts, caller frees): 0, or -1
 * after saying why (unknown topic, no broker within timeout_ms). */
int cat_partitions(const cat_ctx *ctx, rd_kafka_t *rk, const char *topic, int timeout_ms,
                   int32_t **parts, size_t *n);

/* Say "topicgen-cat <verb>: <text>" on stderr. */
void cat_say(const cat_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- types ------------------------------------------------------------------ */

/* The type called name ("<schema>.<Name>" or "<Name>" when only one schema
 * has it), or NULL. */
const tg_message_desc *cat_type_named(const cat_ctx *ctx, const char *name, size_t len);

/* The only type whose topic is topic; NULL when none or several (*count). */
const tg_message_desc *cat_type_of_topic(const cat_ctx *ctx, const char *topic, size_t *count);

/* ---- decoding the way the service does ---------------------------------- */

typedef struct cat_decoder {
    tg_hctx hctx;               /* arena within topicgen.arena.max.bytes */
    void *slot;                 /* the largest struct of every table     */
    char *enc;                  /* re-encoding buffer                    */
    size_t enc_cap;
} cat_decoder;

/* 0, or -1 when out of memory.  s: the consumer's settings (arena limits). */
int cat_decoder_init(cat_decoder *d, const cat_ctx *ctx, const tg_settings *s);
void cat_decoder_free(cat_decoder *d);

typedef struct cat_verdict {
    bool ok;
    char path[256];              /* JSON path of the first error, "$" when none */
    size_t offset;               /* byte offset of it                           */
    char reason[512];
    const char *json;            /* ok: the re-encoded value (in d->enc)        */
    size_t json_len;
} cat_verdict;

/* Record rec through the service's steps with desc: tg-schema and version
 * check (policy match), decode (arena grown up to the limit), re-encode. */
void cat_decode(cat_decoder *d, const tg_message_desc *desc, const tg_record *rec,
                cat_verdict *v);

/* The same for a bare JSON text (produce): decode only, the struct in
 * d->slot. */
void cat_decode_text(cat_decoder *d, const tg_message_desc *desc, const char *json, size_t len,
                     cat_verdict *v);

/* ---- output -------------------------------------------------------------- */

/* Write s[0..n) as a JSON string to f; invalid UTF-8 bytes become U+FFFD.
 * Returns false when s was not valid UTF-8 (*bad_at: the first bad byte). */
bool cat_json_string(FILE *f, const void *s, size_t n, size_t *bad_at);

/* Is s[0..n) valid UTF-8? (*bad_at: the first bad byte) */
bool cat_utf8_valid(const void *s, size_t n, size_t *bad_at);

/* Write s[0..n) as a JSON string of standard base64. */
void cat_json_base64(FILE *f, const void *s, size_t n);

/* Write a record's headers as a JSON object (later duplicates win in
 * readers; all are written).  A value that is not UTF-8 is written as
 * {"base64":"..."} and reported through cat_say; returns the number of such
 * headers. */
size_t cat_json_headers(const cat_ctx *ctx, FILE *f, const rd_kafka_headers_t *h,
                        int32_t partition, int64_t offset);

/* The last header called name of h as text (valid while h is); false if
 * absent.  NUL-terminated copy into buf (cap) when buf is given. */
bool cat_header(const rd_kafka_headers_t *h, const char *name, const void **v, size_t *n);
bool cat_header_text(const rd_kafka_headers_t *h, const char *name, char *buf, size_t cap);

/* ---- dead letters ------------------------------------------------------- */

/* The prefix of every dead-letter envelope header (runtime/kafka/tg_dlq_int.h:
 * tg-dlq-reason, -path, -topic, ..., -truncated, -original-size). */
#define CAT_DLQ_PREFIX "tg-dlq-"

/* Is name an envelope header? */
bool cat_is_envelope(const char *name);

/* A copy of h without the envelope headers (caller destroys; NULL when h
 * is NULL or out of memory). */
rd_kafka_headers_t *cat_headers_without_envelope(const rd_kafka_headers_t *h);

/* ---- progress on a terminal -------------------------------------------- */

typedef struct cat_progress {
    bool on;                     /* stderr is a terminal */
    int64_t last_ms;
} cat_progress;

void cat_progress_init(cat_progress *p);
/* Rewrite the progress line with text (at most every 200 ms unless force). */
void cat_progress_show(cat_progress *p, bool force, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* End the line (when one was shown). */
void cat_progress_done(cat_progress *p);

int64_t cat_now_ms(void);

/* The verbs. */
int cat_consume(const cat_ctx *ctx, int argc, char **argv);
int cat_produce(const cat_ctx *ctx, int argc, char **argv);
int cat_dlq_list(const cat_ctx *ctx, int argc, char **argv);
int cat_dlq_show(const cat_ctx *ctx, int argc, char **argv);
int cat_dlq_redrive(const cat_ctx *ctx, int argc, char **argv);

#endif /* CAT_INT_H */
