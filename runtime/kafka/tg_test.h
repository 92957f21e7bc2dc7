/* tg_test: unit-test handlers and translators without a broker.
 *
 * tg_test_deliver hands one record (JSON bytes, optional key and headers) to
 * a registration exactly as tg_consumer would: the tg-schema check
 * (topicgen.schema.check), the decoder, the translator, union variant
 * dispatch, the handler, and the verdict on its result (done, retry, or
 * dead-letter with the tg-dlq-reason the consumer would write).  It runs the
 * consumer's own code for each step (tg_handle), not a copy of its rules.
 * Generated code wraps it per message: <schema>_<Msg>_test_deliver(&route,
 * ...) and, for unions, <schema>_<Union>_test_deliver(&routes, ...).
 *
 * Not modelled: the circuit breaker, backoff timing, offsets, rebalances
 * and batch mode.  To see what the consumer does on a later attempt, set
 * tg_test_opts.attempt (the handler sees meta->attempt == attempt; at
 * topicgen.retry.max.attempts a TG_RETRY becomes a dead letter).
 *
 * To test code that sends, use a capture producer (tg_producer_new_capture
 * in tg_producer.h): it records every send instead of talking to a broker.
 *
 * Memory: each call allocates the decode buffers and frees them before it
 * returns; the handler's msg and meta are valid only during the handler
 * call, as in the consumer.  Thread-safety: calls share no state. */
#ifndef TG_TEST_H
#define TG_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tg_config.h"
#include "tg_consumer.h"
#include "tg_error.h"
#include "tg_message.h"
#include "tg_producer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The handlers a record is delivered to: what tg_consumer_add (fn, user) or
 * tg_consumer_add_variant (variant_fns[i], variant_users[i]) registers.
 * Borrowed for the call.  Generated _test_deliver wrappers fill it in. */
typedef struct tg_test_route {
    const tg_message_desc *desc;
    tg_handler_fn fn;                   /* plain message: its handler          */
    void *user;
    tg_handler_fn const *variant_fns;   /* union: desc->n_variants entries, NULL
                                           entries unhandled; NULL = plain     */
    void *const *variant_users;         /* desc->n_variants entries, or NULL   */
} tg_test_route;

/* The record and the consumer around it.  A zeroed struct (or NULL) is a
 * record on desc->topic, partition 0, offset 0, no key, no timestamp, no
 * headers (as from a producer that is not topicgen's), first attempt, the
 * default consumer settings, no translator. */
typedef struct tg_test_opts {
    const char *topic;                  /* NULL = desc->topic                    */
    int32_t partition;
    int64_t offset;
    int64_t timestamp_ms;               /* 0 = none (meta->timestamp_ms == -1)   */
    const void *key;                    /* NULL = no key                         */
    size_t key_len;
    bool producer_headers;              /* start with the headers tg_producer_send
                                           would set for desc: content-type,
                                           tg-schema, tg-schema-version          */
    const tg_header *headers;           /* then these (e.g. a foreign tg-schema,
                                           a traceparent); read them in the
                                           handler with tg_meta_header           */
    size_t n_headers;
    int attempt;                        /* handler call number; 0 = 1 (first)    */
    const tg_config *config;            /* consumer settings used: retry.max.attempts,
                                           schema.check, arena sizes; NULL = the
                                           defaults. Borrowed for the call.     */
    tg_translate_fn translate;          /* as tg_consumer_opts; may be NULL      */
    void *translate_user;
    tg_tombstone_fn tombstone_fn;       /* what tg_consumer_add_tombstone would
                                           register for the topic; may be NULL  */
    void *tombstone_user;
} tg_test_opts;

/* What the consumer would do with the record after this delivery. */
typedef enum tg_test_fate {
    TG_TEST_DONE = 0,         /* handler returned TG_OK: offset stored           */
    TG_TEST_RETRY,            /* TG_RETRY before the last attempt: called again  */
    TG_TEST_DEAD_LETTER       /* produced to the DLQ with reason and path        */
} tg_test_fate;

typedef struct tg_test_outcome {
    tg_test_fate fate;
    bool handler_called;      /* false: stopped by the schema check, the decoder,
                                 the variant dispatch or the translator          */
    tg_result result;         /* the handler's result; when it was not called,
                                 the translator's if it stopped the record, else
                                 TG_REJECT                                       */
    int attempt;              /* handler (translator) call number, 0 when the
                                 record never got that far: the tg-dlq-attempts
                                 value of a dead letter                          */
    int variant;              /* union variant handled, -1 for plain messages    */
    char reason[200];         /* dead letter: the tg-dlq-reason text ("schema
                                 mismatch: ...", "decode: $.id: ... (byte N)",
                                 "unhandled variant 'x'", "rejected by handler"
                                 or tg_reject_reason's text, "retries exhausted",
                                 "translate: ..."); retry: the text the handler
                                 set, if any; done: ""                           */
    char path[128];           /* dead letter: tg-dlq-path ("$.id", "$" or "")    */
    bool tombstone;           /* the record had a NULL value and took its route
                                 (skip: done, handler_called false; handle: the
                                 tombstone handler's result; dlq: dead letter
                                 "tombstone")                                  */
} tg_test_outcome;

/* Deliver json[0..len) to route as the consumer would and fill *out.
 * json NULL is a tombstone (a record with a NULL value), routed by the
 * descriptor's tombstones and the config's topicgen.tombstones; json "" with
 * len 0 is an empty value, which fails to decode.
 * Returns 0 (whatever the outcome), or TG_ERR_ARG (NULL route, desc without
 * decode, out NULL, no handler at all), TG_ERR_NOMEM, with err (may be NULL)
 * set; then *out says nothing. */
int tg_test_deliver(const tg_test_route *route, const void *json, size_t len,
                    const tg_test_opts *opts, tg_test_outcome *out, tg_error *err);

/* Short names for a fate and a result ("dead-letter", "TG_RETRY"), for test
 * messages.  Static strings. */
const char *tg_test_fate_name(tg_test_fate fate);
const char *tg_result_name(tg_result r);

#ifdef __cplusplus
}
#endif

#endif /* TG_TEST_H */
