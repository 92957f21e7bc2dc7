/* Decode and re-encode one order with the generated codec. */
#include <stdio.h>
#include <string.h>

#include "shop.h"

int main(void)
{
    const char json[] = "{\"id\":\"o-1\",\"amount\":\"12.50\",\"items\":[\"a\",\"b\\n\"]}";
    unsigned char mem[256];
    tg_arena arena;
    tg_arena_init(&arena, mem, sizeof mem);
    shop_Order order;
    if (shop_Order_decode(&order, json, strlen(json), &arena, NULL) != TG_JSON_OK)
        return 1;
    char out[256];
    size_t len = 0;
    if (shop_Order_encode(&order, out, sizeof out, &len) != TG_JSON_OK)
        return 1;
    printf("%.*s\n", (int)len, out);
    return len == strlen(json) && memcmp(out, json, len) == 0 ? 0 : 1;
}
