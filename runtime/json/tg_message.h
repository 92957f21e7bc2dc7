/* tg_message: the descriptor through which the Kafka runtime handles any
 * generated message type generically.
 *
 * The generator emits one `const tg_message_desc <schema>_<Msg>_desc` per
 * message; tg_producer encodes and keys with it, tg_consumer decodes,
 * dispatches union variants and dead-letters with it.  This header only
 * declares the shape: it has no functions and no state. */
#ifndef TG_MESSAGE_H
#define TG_MESSAGE_H

#include <stddef.h>

#include "tg_json.h" /* tg_arena, tg_json_errors, tg_json_code (TG_JSON_OK == 0) */

#ifdef __cplusplus
extern "C" {
#endif

/* Decode `len` bytes of JSON at `json` into the struct at `out` (which has
 * desc->struct_size bytes).  Strings/arrays that need storage go into
 * `arena`; errors are recorded in `errors`.  Returns TG_JSON_OK or the code
 * of the first error.  Must not allocate. */
typedef tg_json_code (*tg_decode_fn)(void *out, const char *json, size_t len,
                                     tg_arena *arena, tg_json_errors *errors);

/* Encode the struct at `in` as JSON into buf[0..cap).  *out_len is set to the
 * number of bytes needed even when cap is too small (then nothing usable is
 * in buf and the call returns non-OK or OK with *out_len > cap; callers check
 * *out_len > cap and retry with a bigger buffer).  Not NUL-terminated. */
typedef tg_json_code (*tg_encode_fn)(const void *in, char *buf, size_t cap,
                                     size_t *out_len);

/* Write the Kafka key (bytes of the schema's key field) into buf[0..cap) and
 * return the length needed; 0 means "no key" (null key on the wire).  When
 * the return value exceeds cap the caller retries with a bigger buffer. */
typedef size_t (*tg_key_fn)(const void *msg, char *buf, size_t cap);

/* Where a consumed record with a NULL value (a tombstone: the delete marker
 * of a compacted topic) goes, per message (schema attribute `tombstones`,
 * overridden by the consumer's topicgen.tombstones).  An empty, non-null
 * value is no tombstone: it is decoded, and fails as JSON. */
typedef enum tg_tombstones {
    TG_TOMBSTONES_SKIP = 0,    /* store its offset, call no handler (the default) */
    TG_TOMBSTONES_HANDLE,      /* the topic's tombstone handler gets key and meta */
    TG_TOMBSTONES_DLQ          /* dead-letter it with the reason "tombstone"      */
} tg_tombstones;

typedef struct tg_message_desc {
    const char *schema;        /* schema (file) name, e.g. "orders"                       */
    const char *name;          /* message name, e.g. "OrderEvent"                         */
    int version;               /* schema version, sent as header tg-schema-version        */
    const char *topic;         /* default topic to produce to / subscribe to              */
    const char *dlq_topic;     /* dead-letter topic; NULL means "<topic>.dlq"             */
    size_t struct_size;        /* sizeof the generated struct (decode buffer size)        */
    size_t max_json_size;      /* worst-case encoded size in bytes, 0 if unbounded        */
    tg_decode_fn decode;       /* JSON -> struct; required for consuming                  */
    tg_encode_fn encode;       /* struct -> JSON; required for producing                  */
    tg_key_fn key;             /* key extractor; NULL = messages have no key              */
    int (*variant)(const void *msg); /* tagged unions: index of the decoded variant
                                  (0..n_variants-1, <0 unknown); NULL for plain messages  */
    const char *const *variant_names; /* n_variants names, for logs and DLQ reasons      */
    size_t n_variants;         /* number of union variants, 0 for plain messages          */
    int tombstones;            /* a tg_tombstones: the route of a NULL value               */
    int accepts_min, accepts_max; /* the writer versions (tg-schema-version) a consumer
                                  decodes, schema attribute accepts_versions; 0: any.
                                  A record without the header counts as version 1  */
} tg_message_desc;

#ifdef __cplusplus
}
#endif

#endif /* TG_MESSAGE_H */
