/* tg_dlq_int.h (private to runtime/kafka, not installed): the dead-letter
 * envelope, one rule for every part of the runtime that dead-letters (the
 * consumer's dead-lettering layer, the exactly-once processor).
 *
 * A dead letter is the source record (key, value, headers) copied to the
 * dead-letter topic with these headers after the original ones:
 *   tg-dlq-reason, tg-dlq-path          why it died, and where in the message
 *   tg-dlq-topic, tg-dlq-partition,
 *   tg-dlq-offset, tg-dlq-timestamp     where it came from
 *   tg-dlq-attempts                     handler calls made
 * and, only when the envelope is cut (see tg_dlq_shape):
 *   tg-dlq-truncated                    "value" (value cut to the cap),
 *                                       "dropped" (value left out) or
 *                                       "bare" (key, value and original headers
 *                                       left out)
 *   tg-dlq-original-size                the source value's length in bytes
 *
 * Invariants: the envelope borrows everything from the letter (nothing is
 * allocated except what librdkafka copies); a value longer than the cap
 * ([topicgen.dlq.max.value.bytes]) is never sent whole; a cut envelope
 * always says so.  The shapes get smaller in order, so a caller whose
 * delivery failed for a size reason tries the next one (tg_dlq_fate_of).
 *
 * Thread-safety: pure functions over their arguments; the produce calls are
 * as thread-safe as the producer they are given. */
#ifndef TG_DLQ_INT_H
#define TG_DLQ_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>

#include "tg_error.h"
#include "tg_producer.h"

/* A record to dead-letter and why.  Every pointer is borrowed and must stay
 * valid during the build/send call only (librdkafka copies what it sends). */
typedef struct tg_dlq_letter {
    const char *dlq_topic;          /* where the letter goes                     */
    const char *topic;              /* the source record's topic, partition, ... */
    int32_t partition;
    int64_t offset;
    int64_t timestamp_ms;           /* the source record's timestamp (-1: none)   */
    const void *key;                /* NULL: no key                              */
    size_t key_len;
    const void *value;              /* NULL: a null value (tombstone)            */
    size_t value_len;
    const rd_kafka_headers_t *headers; /* the source record's headers, or NULL    */
    const char *reason;             /* NULL = ""                                 */
    const char *path;               /* NULL = ""                                 */
    int attempts;
} tg_dlq_letter;

/* The letter of consumed record m (its topic, partition, offset, timestamp,
 * key, value and headers; pointers into m, valid while m is). */
tg_dlq_letter tg_dlq_letter_of(const rd_kafka_message_t *m, const char *dlq_topic,
                               const char *reason, const char *path, int attempts);

/* Envelope shapes, largest first: try the next after a size failure. */
typedef enum tg_dlq_shape {
    TG_DLQ_WHOLE = 0,   /* key, value (cut to the cap if longer), original headers */
    TG_DLQ_NO_VALUE,    /* key and original headers; the value left out (null)     */
    TG_DLQ_BARE,        /* the tg-dlq-* headers only                               */
    TG_DLQ_N_SHAPES
} tg_dlq_shape;

#define TG_DLQ_MAX_HEADERS 9

/* One built envelope: what to send.  Points into the letter and into its
 * own text buffers: keep it alive (do not copy it) until it is sent. */
typedef struct tg_dlq_envelope {
    const char *topic;
    const void *key;
    size_t key_len;
    const void *value;
    size_t value_len;
    const rd_kafka_headers_t *base_headers; /* the original headers, or NULL   */
    tg_header headers[TG_DLQ_MAX_HEADERS];  /* the tg-dlq-* headers            */
    size_t n_headers;
    bool cut;                               /* smaller than the source record  */
    char text[5][24];                       /* numbers, as header values       */
} tg_dlq_envelope;

/* Build l's envelope in shape, with values over max_value bytes cut to
 * max_value (0: no value kept at all). */
void tg_dlq_envelope_build(tg_dlq_envelope *e, const tg_dlq_letter *l, tg_dlq_shape shape,
                           size_t max_value);

/* Build and enqueue l's envelope on p (tg_producer_send_raw: its returns;
 * the delivery report carries msg_opaque).  Safe inside a delivery
 * callback. */
int tg_dlq_send(tg_producer *p, const tg_dlq_letter *l, tg_dlq_shape shape, size_t max_value,
                void *msg_opaque, tg_error *err);

/* The same on a bare librdkafka producer (e.g. a transactional one, inside
 * its open transaction).  Returns librdkafka's error code from the enqueue
 * (0: queued, its delivery report goes to rk's callback with msg_opaque),
 * with err set on failure. */
rd_kafka_resp_err_t tg_dlq_produce(rd_kafka_t *rk, const tg_dlq_letter *l, tg_dlq_shape shape,
                                   size_t max_value, void *msg_opaque, tg_error *err);

/* What a failed dead letter should do next. */
typedef enum tg_dlq_fate {
    TG_DLQ_RETRY,       /* transient (broker down, timeout, queue full): the same
                           envelope again after a backoff                       */
    TG_DLQ_SHRINK,      /* the envelope itself was refused (too large, invalid
                           record): the next smaller shape                     */
    TG_DLQ_REFUSED      /* the topic refuses every envelope (authorization,
                           unknown topic, policy, a fatal producer): give up on
                           the topic, take the last resort                     */
} tg_dlq_fate;

/* The fate of a dead letter whose enqueue or delivery failed with e. */
tg_dlq_fate tg_dlq_fate_of(rd_kafka_resp_err_t e);

#endif /* TG_DLQ_INT_H */
