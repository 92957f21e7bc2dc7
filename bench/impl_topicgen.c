/*
 * impl_topicgen.c: the generated codecs, as an application calls them: one
 * arena reset per message, no error records kept (errors NULL: counted).
 */
#include "bench_impl.h"

static unsigned char g_arena_buf[1 << 20];
static tg_arena g_arena;

static int tg_decode(int schema, const char *json, size_t len, void *out)
{
    tg_arena_init(&g_arena, g_arena_buf, sizeof g_arena_buf);
    switch (schema) {
    case BENCH_ORDERS: return orders_OrderEvent_decode(out, json, len, &g_arena, NULL) != TG_JSON_OK;
    case BENCH_WORKFLOW:
        return workflow_WorkflowEvent_decode(out, json, len, &g_arena, NULL) != TG_JSON_OK;
    default: return crm_InboundMessage_decode(out, json, len, &g_arena, NULL) != TG_JSON_OK;
    }
}

static int tg_encode(int schema, const void *in, char *buf, size_t cap, size_t *len)
{
    switch (schema) {
    case BENCH_ORDERS: return orders_OrderEvent_encode(in, buf, cap, len) != TG_JSON_OK;
    case BENCH_WORKFLOW: return workflow_WorkflowEvent_encode(in, buf, cap, len) != TG_JSON_OK;
    default: return crm_InboundMessage_encode(in, buf, cap, len) != TG_JSON_OK;
    }
}

const bench_impl bench_impl_topicgen = {
    "topicgen",
    "(reference: strict RFC 8259, UTF-8, duplicate keys at every level, all schema checks)",
    (1u << BENCH_ORDERS) | (1u << BENCH_WORKFLOW) | (1u << BENCH_CRM),
    tg_decode,
    tg_encode,
};
