/*
 * imports_test.c - one C type per shared definition (issue 15): shop.yaml and
 * crm.yaml both import shared/common.yaml; this program decodes a shop order,
 * puts its common_Customer and common_Money values into CRM messages without
 * any conversion (the same C types), and checks the encoded bytes exactly.
 * Linking shop.c, crm.c and common.c into this one program is itself the check
 * that nothing is emitted twice.
 */
#include "check.h"
#include "common.h"
#include "crm.h"
#include "shop.h"

#include <string.h>

static const char order_json[] =
    "{\"id\":\"o-1\",\"customer\":{\"id\":\"c-7\",\"email\":\"ann@example.com\"},"
    "\"total\":{\"amount\":\"12.50\",\"currency\":\"EUR\"},"
    "\"lines\":[{\"sku\":\"tea\",\"price\":{\"amount\":\"12.50\",\"currency\":\"EUR\"}}]}";

/* Encode with `encode` into buf and compare with `want` byte for byte. */
#define CHECK_ENCODES(encode, msg, want)                                                   \
    do {                                                                               \
        char buf_[1024];                                                               \
        size_t len_ = 0;                                                               \
        tg_json_code rc_ = encode(msg, buf_, sizeof buf_, &len_);                      \
        CHECKF(rc_ == TG_JSON_OK, "%s: code %d", #encode, (int)rc_);                    \
        CHECKF(len_ == strlen(want) && memcmp(buf_, want, len_) == 0, "%s: got %.*s",    \
               #encode, (int)len_, buf_);                                              \
    } while (0)

int main(void)
{
    unsigned char mem[4096];
    tg_arena arena;
    tg_arena_init(&arena, mem, sizeof mem);
    shop_Order order;
    CHECK(shop_Order_decode(&order, order_json, strlen(order_json), &arena, NULL) == TG_JSON_OK);
    CHECK(order.total.currency == common_Currency_EUR);
    CHECK(order.lines.count == 1 && order.lines.items[0].price.currency == common_Currency_EUR);

    /* The order's values go into the CRM message as they are: same types. */
    crm_Purchase purchase;
    crm_Purchase_init(&purchase);
    purchase.customer = order.customer;
    purchase.spent = order.total;
    common_Currency currencies[1] = {order.total.currency};
    purchase.currencies.items = currencies;
    purchase.currencies.count = 1;
    CHECK_ENCODES(crm_Purchase_encode, &purchase,
                  "{\"customer\":{\"id\":\"c-7\",\"email\":\"ann@example.com\"},"
                  "\"spent\":{\"amount\":\"12.50\",\"currency\":\"EUR\"},\"currencies\":[\"EUR\"]}");

    /* An imported message as a union variant, and on its own. */
    crm_Event event;
    crm_Event_init(&event);
    event.kind = crm_Event_CUSTOMER;
    event.as.customer = order.customer;
    CHECK_ENCODES(crm_Event_encode, &event,
                  "{\"kind\":\"customer\",\"id\":\"c-7\",\"email\":\"ann@example.com\"}");
    CHECK_ENCODES(common_Customer_encode, &order.customer,
                  "{\"id\":\"c-7\",\"email\":\"ann@example.com\"}");

    /* The union decodes an imported variant, and the importing schema's
     * worst-case size counts the imported type's. */
    static const char event_json[] = "{\"kind\":\"customer\",\"id\":\"c-9\"}";
    crm_Event back;
    CHECK(crm_Event_decode(&back, event_json, strlen(event_json), &arena, NULL) == TG_JSON_OK);
    CHECK(back.kind == crm_Event_CUSTOMER && back.as.customer.id.len == 3 &&
          memcmp(back.as.customer.id.ptr, "c-9", 3) == 0 && !back.as.customer.has_email);
    CHECK(CRM_PURCHASE_MAX_JSON_SIZE > COMMON_CUSTOMER_MAX_JSON_SIZE + COMMON_MONEY_MAX_JSON_SIZE);
    CHECK(SHOP_ORDER_MAX_JSON_SIZE > 10 * COMMON_MONEY_MAX_JSON_SIZE);
    return check_done();
}
