/*
 * bench_impl.h: what one codec under test provides to codec_bench.c.
 *
 * Every decoder fills the same generated C struct (orders_OrderEvent, ...)
 * and applies the same schema checks (bench_orders_check.h); every encoder
 * writes the same struct as compact JSON.  Competitors only implement the
 * orders schema; topicgen implements all three.
 */
#ifndef BENCH_IMPL_H
#define BENCH_IMPL_H

#include <stddef.h>

#include "crm.h"
#include "orders.h"
#include "workflow.h"

#ifdef __cplusplus
extern "C" {
#endif

enum bench_schema { BENCH_ORDERS = 0, BENCH_WORKFLOW = 1, BENCH_CRM = 2 };

typedef struct bench_impl {
    const char *name;
    /* What this decoder checks less than topicgen (shown in the docs). */
    const char *validates_less;
    /* Bitmask of supported schemas (1 << bench_schema). */
    unsigned schemas;
    /* Decode json[0..len) (followed by 64 zero bytes) into *out (an
     * orders_OrderEvent, workflow_WorkflowEvent or crm_InboundMessage).
     * Views in *out stay valid until the next call.  0: valid message;
     * anything else: rejected. */
    int (*decode)(int schema, const char *json, size_t len, void *out);
    /* Encode *in as compact JSON into buf[0..cap); *len = bytes written.
     * NULL when the implementation has no encoder here.  0 on success. */
    int (*encode)(int schema, const void *in, char *buf, size_t cap, size_t *len);
} bench_impl;

extern const bench_impl bench_impl_topicgen;
extern const bench_impl bench_impl_simdjson_ondemand;
extern const bench_impl bench_impl_simdjson_dom;
extern const bench_impl bench_impl_rapidjson;
extern const bench_impl bench_impl_rapidjson_sax;
extern const bench_impl bench_impl_cjson;
extern const bench_impl bench_impl_jansson;

#ifdef __cplusplus
}
#endif

#endif
