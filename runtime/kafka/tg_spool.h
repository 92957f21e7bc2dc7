/*
 * tg_spool.h: an append-only local file of Kafka records that could not be
 * delivered, so that a producer never drops a message silently.
 *
 * When a delivery fails permanently (retries exhausted, message too large,
 * authorization), the producer appends the record here instead of losing
 * it; `topicgen-spool replay FILE` sends the file's records once the
 * cluster is back.  Each record is written in one write() and made durable
 * with fdatasync() before tg_spool_append returns, and carries a CRC-32C,
 * so a crash leaves at most a torn last record, which replay recognises.
 *
 * Record layout (integers little-endian):
 *   u32 magic "TGS1" | u32 body length | u32 CRC-32C of body | body
 *   body: u16 topic len, topic | i32 partition | i64 timestamp ms |
 *         u8 has key, u32 key len, key | u32 value len, value |
 *         u16 header count, then per header: u16 name len, name,
 *         u8 has value, u32 value len, value
 *
 * Thread-safety: one tg_spool may be shared; appends are serialised by the
 * kernel's O_APPEND and each is one write() call.
 */
#ifndef TG_SPOOL_H
#define TG_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tg_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tg_spool_header {
    const char *name;
    size_t name_len;
    const void *value;          /* NULL: a header without value */
    size_t value_len;
} tg_spool_header;

/* One record.  All pointers are borrowed (by append) or valid only during
 * the replay callback. */
typedef struct tg_spool_record {
    const char *topic;
    size_t topic_len;
    int32_t partition;          /* -1: let the key choose */
    int64_t timestamp_ms;
    const void *key;            /* NULL: no key */
    size_t key_len;
    const void *value;
    size_t value_len;
    const tg_spool_header *headers;
    size_t n_headers;
} tg_spool_record;

typedef struct tg_spool tg_spool;

/* Open (creating it, mode 0600) the spool file at `path` for appending.
 * Returns NULL with err set on failure.  Free with tg_spool_close. */
tg_spool *tg_spool_open(const char *path, tg_error *err);

/* Append one record durably.  Returns 0, or a TG_ERR_* code with err set
 * (the record is then not in the file, or only as a torn tail that replay
 * skips). */
int tg_spool_append(tg_spool *s, const tg_spool_record *rec, tg_error *err);

/* Records appended through this handle. */
uint64_t tg_spool_count(const tg_spool *s);

/* Close the file and free s (NULL is fine). */
void tg_spool_close(tg_spool *s);

/* Called once per record by tg_spool_replay; return 0 to go on, anything
 * else to stop (replay then returns that value). */
typedef int (*tg_spool_fn)(void *user, const tg_spool_record *rec);

/* Read the spool file at `path` and call fn for each intact record in
 * order.  *count (may be NULL) receives the number of records handed to
 * fn.  A torn last record (a crash during append) is ignored and reported
 * in *torn_bytes (may be NULL).  A corrupt record before the end stops the
 * replay with TG_ERR_IO naming its byte offset: nothing after it is
 * guessed.  Returns 0, fn's non-zero value, or a TG_ERR_* code with err
 * set. */
int tg_spool_replay(const char *path, tg_spool_fn fn, void *user, uint64_t *count,
                    uint64_t *torn_bytes, tg_error *err);

/* CRC-32C (Castagnoli) of data, as the records carry it. */
uint32_t tg_crc32c(const void *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* TG_SPOOL_H */
