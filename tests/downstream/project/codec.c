/*
 * codec.c: the payments schema's codecs alone, linked against topicgen::json
 * (topicgen_generate(... JSON_ONLY)): no Kafka, no librdkafka, the way a
 * service that only reads or writes the JSON (an HTTP gateway, a batch job)
 * uses topicgen.  Decodes one event, checks it, encodes it back to the same
 * bytes; exit 0 when all holds.
 */
#include <stdio.h>
#include <string.h>

#include "pay.h"

static const char sample[] =
    "{\"type\":\"authorized\",\"payment_id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\","
    "\"account\":\"acct-1\",\"seq\":3,\"at\":\"2026-12-05T10:15:00.250+01:00\","
    "\"amount\":{\"amount\":\"1234567.05\",\"currency\":\"EUR\"},\"method\":\"sepa_debit\","
    "\"tags\":[\"vip\"],\"metadata\":{\"risk\":[0.1,null]}}";

int main(void)
{
    unsigned char mem[512];
    tg_arena arena;
    tg_arena_init(&arena, mem, sizeof mem);
    pay_PaymentEvent ev;
    if (pay_PaymentEvent_decode(&ev, sample, sizeof sample - 1, &arena, NULL) != TG_JSON_OK)
        return 1;
    const pay_Authorized *a = &ev.as.authorized;
    if (ev.kind != pay_PaymentEvent_AUTHORIZED || a->seq != 3 || a->method != pay_Method_SEPA_DEBIT ||
        !a->has_tags || a->tags.count != 1 || a->payment_id.bytes[0] != 0x0f)
        return 1;
    char out[512];
    size_t len = 0;
    if (pay_PaymentEvent_encode(&ev, out, sizeof out, &len) != TG_JSON_OK)
        return 1;
    printf("%.*s\n", (int)len, out);
    return len == sizeof sample - 1 && memcmp(out, sample, len) == 0 ? 0 : 1;
}
