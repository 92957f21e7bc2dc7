/*
 * codec_util.h: one helper set per generated type, shared by the tests:
 *   dec_<T>(out, json, arena)        decode with a fresh arena over a buffer
 *   roundtrip_<T>(in, expect, why)   encode, (compare text), decode, equal
 * The generic steps live in ROUNDTRIP_FN so each type gets a typed copy.
 */
#ifndef CODEGEN_CODEC_UTIL_H
#define CODEGEN_CODEC_UTIL_H

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "eq.h"

enum { UTIL_BUF = 1 << 17 };

/* Decode/encode scratch (tests are single-threaded). */
static unsigned char util_arena_buf[2][UTIL_BUF];
static char util_text[2][UTIL_BUF];
static tg_json_error util_error_items[16];
static tg_json_errors util_errors = {util_error_items, 16, 0, 0};

static inline void util_print_errors(const tg_json_errors *e)
{
    for (size_t i = 0; i < e->count; i++) {
        char line[512];
        tg_json_error_format(&e->items[i], line, sizeof line);
        fprintf(stderr, "    [%s] %s\n", tg_json_code_name(e->items[i].code), line);
    }
}

#define ROUNDTRIP_FN(T)                                                         \
    static inline tg_json_code dec_##T(T *out, const char *json, size_t len, int slot) \
    {                                                                           \
        tg_arena arena;                                                         \
        tg_arena_init(&arena, util_arena_buf[slot], UTIL_BUF);                  \
        tg_json_code c = T##_decode(out, json, len, &arena, &util_errors);      \
        if (c != TG_JSON_OK)                                                    \
            util_print_errors(&util_errors);                                    \
        return c;                                                               \
    }                                                                           \
    /* Encode `in`; when expect is not NULL the text must be exactly it; the    \
     * text must decode to a message equal to `in` that encodes the same. */    \
    static inline bool roundtrip_##T(const T *in, const char *expect, const char *why) \
    {                                                                           \
        size_t len = 0, len2 = 0, need = 0;                                     \
        T back;                                                                 \
        bool ok = true;                                                         \
        tg_json_code c = T##_encode(in, util_text[0], UTIL_BUF, &len);          \
        if (c != TG_JSON_OK) {                                                  \
            fprintf(stderr, "%s: encode: %s\n", why, tg_json_code_name(c));     \
            return false;                                                       \
        }                                                                       \
        if (expect && (strlen(expect) != len || memcmp(expect, util_text[0], len) != 0)) { \
            fprintf(stderr, "%s: encoded text\n  got:      %.*s\n  expected: %s\n", why, \
                    (int)len, util_text[0], expect);                            \
            ok = false;                                                         \
        }                                                                       \
        if (T##_encode(in, NULL, 0, &need) != TG_JSON_E_BUFFER || need != len) { \
            fprintf(stderr, "%s: measured size %zu, real %zu\n", why, need, len); \
            ok = false;                                                         \
        }                                                                       \
        if (dec_##T(&back, util_text[0], len, 1) != TG_JSON_OK) {               \
            fprintf(stderr, "%s: decode of encoded text failed: %.*s\n", why, (int)len, \
                    util_text[0]);                                              \
            return false;                                                       \
        }                                                                       \
        if (!eq_##T(in, &back)) {                                               \
            fprintf(stderr, "%s: decode(encode(x)) != x; text %.*s\n", why, (int)len, \
                    util_text[0]);                                              \
            ok = false;                                                         \
        }                                                                       \
        if (T##_encode(&back, util_text[1], UTIL_BUF, &len2) != TG_JSON_OK || len2 != len || \
            memcmp(util_text[0], util_text[1], len) != 0) {                     \
            fprintf(stderr, "%s: re-encoding differs\n", why);                  \
            ok = false;                                                         \
        }                                                                       \
        return ok;                                                              \
    }

ROUNDTRIP_FN(orders_LineItem)
ROUNDTRIP_FN(orders_OrderEvent)
ROUNDTRIP_FN(workflow_EventMetadata)
ROUNDTRIP_FN(workflow_EventPayload)
ROUNDTRIP_FN(workflow_WorkflowEvent)
ROUNDTRIP_FN(common_CustomerIdentity)
ROUNDTRIP_FN(crm_Attachment)
ROUNDTRIP_FN(crm_EmailReceived)
ROUNDTRIP_FN(crm_WhatsappReceived)
ROUNDTRIP_FN(crm_FormSubmitted)
ROUNDTRIP_FN(crm_InboundMessage)

#endif /* CODEGEN_CODEC_UTIL_H */
