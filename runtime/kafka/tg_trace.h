/* tg_trace: the W3C trace context (https://www.w3.org/TR/trace-context/)
 * of the traceparent header.  The producer validates
 * tg_send_opts.traceparent with it before sending; the consumer parses a
 * record's traceparent into tg_msg_meta.trace.  Pure functions over their
 * arguments: no allocation, any thread.  tg_producer.h includes this
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

#ifdef __cplusplus
}
#endif

#endif /* TG_TRACE_H */
