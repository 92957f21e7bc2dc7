/* tg_handle_int.h: handling one consumed record, the unit that tg_consumer (inline,
 * worker and batch mode) and tg_test (handler unit tests without a broker)
 * both call, so the rules exist once.
 *
 * The steps, in the order the consumer runs them:
 *   1. tg_handle_meta      fill tg_msg_meta from a record view (tg_record);
 *      tg_handle_tombstone a NULL value takes its route (skip, handle, dlq)
 *                          instead of steps 2-4;
 *   2. tg_handle_schema    the tg-schema header check (topicgen.schema.check);
 *   3. tg_handle_decode    desc->decode into a slot, growing the arena up to
 *                          topicgen.arena.max.bytes; a failure becomes the
 *                          "decode: <path>: <why> (byte N)" reason;
 *   4. tg_handle_pick      union variant dispatch: the variant's handler, or
 *                          "unknown variant" / "unhandled variant '<name>'";
 *   5. tg_handle_call      the translator, then the handler;
 *   6. tg_handle_verdict   what the result means at attempt n of max:
 *                          done, retry, or dead-letter with which reason.
 * tg_handle_prepare runs 1-4 for one message (inline and worker mode);
 * batch mode composes 1-3 (with tg_handle_tombstone) and its own variant
 * check.
 *
 * Private to runtime/kafka (not installed).  Nothing here allocates per message except
 * tg_hctx_init and a (rare) arena growth; reasons and paths are written
 * into caller buffers.  Thread-safety: a tg_hctx belongs to one thread at a
 * time; the functions touch only their arguments. */
#ifndef TG_HANDLE_INT_H
#define TG_HANDLE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "tg_config.h"
#include "tg_consumer.h"
#include "tg_json.h"
#include "tg_message.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TG_HANDLE_MAX_ERRS 4
#define TG_HANDLE_SLOT_ALIGN 16

/* A decode context: optional struct slot, arena and error list.  One per
 * thread that decodes (the consumer thread, each worker, a test call). */
typedef struct tg_hctx {
    unsigned char *slot;           /* slot_size bytes, or NULL (caller's slots) */
    unsigned char *mem;            /* the arena's memory                        */
    tg_arena arena;
    tg_json_error errs[TG_HANDLE_MAX_ERRS];
    tg_json_errors errors;
    size_t max_bytes;              /* topicgen.arena.max.bytes                  */
} tg_hctx;

/* Allocate d's arena (topicgen.arena.bytes of s) and, unless slot_size is 0,
 * a slot of slot_size bytes (SLOT_ALIGN-aligned).  0, or -1 when out of
 * memory (tg_hctx_free is still safe).  d is owned by the caller. */
int tg_hctx_init(tg_hctx *d, const tg_settings *s, size_t slot_size);
void tg_hctx_free(tg_hctx *d);

/* The fields of one record the handling needs, borrowed from a librdkafka
 * message (tg_record_of) or built by a test.  Nothing is owned. */
typedef struct tg_record {
    const char *topic;
    int32_t partition;
    int64_t offset;
    int64_t timestamp_ms;              /* -1 if none                          */
    const void *key;                   /* NULL if no key                      */
    size_t key_len;
    const void *value;                 /* the JSON; NULL: a tombstone (null
                                          value), "" with len 0: an empty one  */
    size_t len;
    const rd_kafka_headers_t *headers; /* NULL if none                        */
    const rd_kafka_message_t *raw;     /* NULL outside a consumer             */
} tg_record;

/* View m (topic: its topic name, passed in because callers have it).  Parses
 * m's headers through librdkafka on first use, as tg_msg_meta needs them. */
void tg_record_of(tg_record *r, const rd_kafka_message_t *m, const char *topic);

/* Where one topic's messages go: a plain handler, or one per union variant
 * (variant_fns has desc->n_variants entries, NULL = unhandled).  Borrowed. */
typedef struct tg_route {
    const tg_message_desc *desc;
    tg_handler_fn fn;
    void *user;
    tg_handler_fn const *variant_fns;  /* NULL for a plain registration */
    void *const *variant_users;
    tg_tombstone_fn tombstone_fn;      /* NULL: none registered            */
    void *tombstone_user;
    int tombstones;                    /* a tg_tombstones_setting: 0 = the
                                          descriptor's route               */
} tg_route;

typedef enum tg_prepared {
    TG_PREPARED_READY,     /* meta, *fn, *user set: call it                 */
    TG_PREPARED_BAD,       /* schema mismatch, decode failure or a tombstone
                              routed to dlq: dead-letter                     */
    TG_PREPARED_NO_HANDLER /* unknown/unhandled variant, or a tombstone
                              without its handler: dead-letter               */
} tg_prepared;

/* A header found by tg_handle_meta: the last of its name (value v, n
 * bytes, v may be NULL for a null value); found false: none. */
typedef struct tg_found_header { const void *v; size_t n; bool found; } tg_found_header;

/* Step 1: meta for rec decoded with desc, at handler call `attempt` (1 =
 * first).  variant is -1; reason (the tg_reject_reason target) is NULL.
 * *schema gets the record's tg-schema header for step 2 (the headers are
 * read in one pass). */
void tg_handle_meta(const tg_record *rec, const tg_message_desc *desc, int attempt,
                    tg_msg_meta *meta, tg_found_header *schema);

/* After step 1: is rec a tombstone (a NULL value)?  false: go on with step
 * 2.  true: *pr is what tg_handle_prepare returns for it, by its route
 * (route->tombstones unless 0, else route->desc->tombstones):
 *   skip    TG_PREPARED_READY, *fn the skip step (tg_handle_call stores the
 *           offset's verdict TG_OK, counts topicgen_tombstones_skipped_total
 *           and calls nothing);
 *   handle  TG_PREPARED_READY, *fn the step that calls route->tombstone_fn
 *           (*user = route: it must outlive the call), or, with no handler,
 *           TG_PREPARED_NO_HANDLER and reason "tombstone: no tombstone
 *           handler registered for topic '<topic>'";
 *   dlq     TG_PREPARED_BAD, reason "tombstone".
 * An empty (non-null) value is no tombstone: it fails to decode. */
bool tg_handle_tombstone(const tg_route *route, const tg_record *rec, tg_prepared *pr,
                         tg_handler_fn *fn, void **user, char *reason, size_t rcap);

/* Before step 2, where the caller settles records itself: is rec a
 * tombstone that route skips?  true after counting it in
 * topicgen_tombstones_skipped_total: the caller settles it as done (offset
 * stored) with no handler call, and it is no handler outcome: not
 * processed (topicgen_messages_processed_total) and nothing for a circuit
 * breaker.  false: anything else, handle it as usual. */
bool tg_handle_skip(const tg_route *route, const tg_record *rec, tg_metrics *metrics);

/* Step 2: the tg-schema check of policy (a tg_schema_check) for meta's
 * record (its tg-schema header as step 1 found it in *schema) against
 * meta->desc ("<schema>.<name>", compared byte for byte, no
 * allocation).  true = go on; false = dead-letter, with reason written:
 *   "schema mismatch: record has tg-schema 'billing.Invoice', this consumer
 *    expects 'orders.OrderEvent'"
 *   "schema mismatch: record has no tg-schema header, this consumer expects
 *    'orders.OrderEvent' (topicgen.schema.check=require)" */
bool tg_handle_schema(const tg_msg_meta *meta, const tg_found_header *schema, int policy,
                      char *reason, size_t rcap);

typedef enum tg_decode_res {
    TG_DECODE_OK,
    TG_DECODE_ARENA_FULL,  /* grown (or already partly used): decode again */
    TG_DECODE_BAD          /* reason = "decode: ...", path = its JSON path  */
} tg_decode_res;

/* Step 3, one try: decode value[0..len) with desc into slot (zeroed first,
 * desc->struct_size bytes) using d's arena from its current fill. */
tg_decode_res tg_handle_decode(tg_hctx *d, const tg_message_desc *desc, const void *value,
                               size_t len, void *slot, char *reason, size_t rcap, char *path,
                               size_t pcap);

/* Step 4: the handler for the decoded msg (setting meta->variant and *user),
 * or NULL with reason/path written: "unknown variant" (desc->variant gave
 * an index out of range) or "unhandled variant '<name>'" (no handler for
 * it), path "$". */
tg_handler_fn tg_handle_pick(const tg_route *route, const void *msg, tg_msg_meta *meta,
                             void **user, char *reason, size_t rcap, char *path, size_t pcap);

/* One message through steps 1-4: meta (meta->reason = reason), a
 * tombstone's route (tg_handle_tombstone), schema check, decode into slot
 * with d's arena (reset first; grown and retried while the decoder asks for
 * more, within max_bytes), handler pick.  reason and path are cleared first
 * and written on failure. */
tg_prepared tg_handle_prepare(tg_hctx *d, const tg_route *route, const tg_record *rec,
                              int attempt, int schema_check, void *slot, tg_msg_meta *meta,
                              tg_handler_fn *fn, void **user, char *reason, size_t rcap,
                              char *path, size_t pcap);

/* Step 5: translate (may be NULL) and then, if it returned TG_OK, fn.  A
 * translator's TG_REJECT writes "translate: <why>" into meta->reason.  For
 * a tombstone's step (tg_handle_tombstone) there is no message: no
 * translator; skip returns TG_OK with *handler_called false.  The
 * handler's run time goes to metrics when metrics is not NULL (clock reads
 * only then). *handler_called (may be NULL) says whether fn ran. */
tg_result tg_handle_call(tg_translate_fn translate, void *translate_user, tg_handler_fn fn,
                         void *user, void *msg, const tg_msg_meta *meta, tg_metrics *metrics,
                         bool *handler_called);

typedef enum tg_verdict {
    TG_VERDICT_DONE,       /* store the offset                              */
    TG_VERDICT_RETRY,      /* call again after the backoff                  */
    TG_VERDICT_DEAD        /* dead-letter now, with reason                  */
} tg_verdict;

/* Step 6 (circuit breaker aside): result r of handler call `attempt` with
 * max_attempts allowed (topicgen.retry.max.attempts).  For DEAD, reason
 * (holding the call's tg_reject_reason text, or "") is rewritten into the
 * tg-dlq-reason: "rejected by handler" (or the text), "retries exhausted"
 * (or "retries exhausted: <text>"). */
tg_verdict tg_handle_verdict(tg_result r, int attempt, int max_attempts, char *reason,
                             size_t rcap);

#ifdef __cplusplus
}
#endif

#endif /* TG_HANDLE_INT_H */
