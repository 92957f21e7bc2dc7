/* tg_trace: the W3C trace context (https://www.w3.org/TR/trace-context/)
 * of the traceparent header.  The producer validates
 * tg_send_opts.traceparent with it before sending, and writes
 * tg_send_opts.trace as one; the consumer parses a record's traceparent
 * into tg_msg_meta.trace and starts a span for each handling in
 * tg_msg_meta.span (tg_trace_new_span), so a handler that re-publishes with
 * opts.trace = &meta->span keeps one trace: same trace id, parent id = the
 * consumer's span.  No allocation, any thread (ids come from a per-thread
 * generator seeded from the system's random source).  tg_producer.h includes this
 * header, so code that includes tg_producer.h (or tg_consumer.h) has it. */
#ifndef TG_TRACE_H
#define TG_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* W3C trace context parsed from a traceparent header value. */
typedef struct tg_trace_context {
    bool valid;
    unsigned char version;
    char trace_id[33];      /* 32 lower-case hex digits + NUL */
    char parent_id[17];     /* 16 lower-case hex digits + NUL */
    unsigned char flags;    /* bit 0: sampled                 */
} tg_trace_context;

/* Parse and validate a traceparent value ("00-<32 hex>-<16 hex>-<2 hex>",
 * lower-case hex, ids not all zero, version not ff; for version 00 exactly
 * 55 bytes, later versions may append "-..." fields).  Returns true and
 * fills *out (may be NULL) when valid. */
bool tg_traceparent_parse(const char *value, size_t len, tg_trace_context *out);

/* Bytes of a version-00 traceparent value and its NUL. */
#define TG_TRACEPARENT_SIZE 56

/* Write t as a version-00 traceparent value ("00-<trace_id>-<parent_id>-
 * <flags>") into out[0..TG_TRACEPARENT_SIZE), NUL-terminated.  Returns 55,
 * or 0 (out "") when t is NULL or not valid. */
size_t tg_traceparent_format(const tg_trace_context *t, char out[TG_TRACEPARENT_SIZE]);

/* A new span under `incoming`: out->trace_id and flags are incoming's when
 * it is valid, else a new random trace id and flags 00 (a new trace, not
 * sampled: the sampling decision is a tracer's); out->parent_id is a new
 * random span id (never all zero); version 00, valid.  out is what a
 * traceparent sent from inside this span carries. */
void tg_trace_new_span(const tg_trace_context *incoming, tg_trace_context *out);

#ifdef __cplusplus
}
#endif

#endif /* TG_TRACE_H */
