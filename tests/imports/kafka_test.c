/*
 * kafka_test.c - Kafka wrappers across imports (issue 15): crm's union Event
 * has an imported message, common.Customer, as a variant; common gives
 * Customer a topic of its own.  This file includes every Kafka header of the
 * set (so crm_kafka.h's handler type for common_Customer and common_kafka.h's
 * identical one meet in one translation unit, as C11 and C++ allow) and
 * delivers an Event of that variant to its route the way the consumer would:
 * the handler receives a common_Customer.
 */
#include "check.h"
#include "common_kafka.h"
#include "crm_kafka.h"
#include "shop_kafka.h"

#include <string.h>

static tg_result on_customer(void *user, const common_Customer *msg, const tg_msg_meta *meta)
{
    (void)meta;
    common_Customer *seen = (common_Customer *)user;
    *seen = *msg;
    return TG_OK;
}

int main(void)
{
    common_Customer seen;
    memset(&seen, 0, sizeof seen);
    crm_Event_routes routes;
    memset(&routes, 0, sizeof routes);
    routes.on_customer = on_customer;
    routes.user = &seen;
    static const char json[] = "{\"kind\":\"customer\",\"id\":\"c-42\"}";
    tg_test_outcome out;
    CHECK(crm_Event_test_deliver(&routes, json, strlen(json), NULL, &out, NULL) == 0);
    CHECKF(out.handler_called && out.result == TG_OK, "fate %s: %s", tg_test_fate_name(out.fate),
           out.reason);
    CHECK(seen.id.len == 4 && memcmp(seen.id.ptr, "c-42", 4) == 0);
    /* common's own route for its own topic takes the same handler type. */
    common_Customer_route own;
    own.fn = on_customer;
    own.user = &seen;
    static const char own_json[] = "{\"id\":\"c-7\"}";
    CHECK(common_Customer_test_deliver(&own, own_json, strlen(own_json), NULL, &out, NULL) == 0);
    CHECKF(out.handler_called && seen.id.len == 3, "fate %s: %s", tg_test_fate_name(out.fate),
           out.reason);
    return check_done();
}
