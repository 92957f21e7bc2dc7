/* imports_app: decodes a shop order and re-encodes its customer as a CRM
 * event, through types both schemas import from common.yaml; prints it. */
#include "crm.h"
#include "crm_translator.h"
#include "shop.h"

#include <stdio.h>
#include <string.h>

int main(void)
{
    static const char json[] =
        "{\"id\":\"o-1\",\"customer\":{\"id\":\"c-7\"},"
        "\"total\":{\"amount\":\"3.20\",\"currency\":\"USD\"},\"lines\":[]}";
    unsigned char mem[1024];
    tg_arena arena;
    tg_arena_init(&arena, mem, sizeof mem);
    shop_Order order;
    if (shop_Order_decode(&order, json, strlen(json), &arena, NULL) != TG_JSON_OK)
        return 1;
    crm_Event event;
    crm_Event_init(&event);
    event.kind = crm_Event_CUSTOMER;
    event.as.customer = order.customer;
    char out[256];
    size_t len = 0;
    if (crm_Event_encode(&event, out, sizeof out, &len) != TG_JSON_OK)
        return 1;
    printf("%.*s\n", (int)len, out);
    static const char want[] = "{\"kind\":\"customer\",\"id\":\"c-7\"}";
    return len == strlen(want) && memcmp(out, want, len) == 0 ? 0 : 1;
}
