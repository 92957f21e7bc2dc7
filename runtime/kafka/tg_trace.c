/* tg_trace: parsing and validating a W3C traceparent value (see tg_trace.h):
 * "<version>-<trace-id>-<parent-id>-<flags>", lower-case hex only. */
#include "tg_trace.h"

#include <string.h>

static int hex_field(const char *s, size_t n)
{
    int nonzero = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            return -1;
        nonzero |= ch != '0';
    }
    return nonzero;
}

static unsigned char hex_byte(const char *s)
{
    unsigned v = 0;
    for (int i = 0; i < 2; i++)
        v = v * 16 + (unsigned)(s[i] <= '9' ? s[i] - '0' : s[i] - 'a' + 10);
    return (unsigned char)v;
}

bool tg_traceparent_parse(const char *v, size_t len, tg_trace_context *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!v || len < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-')
        return false;
    if (hex_field(v, 2) < 0 || (v[0] == 'f' && v[1] == 'f'))
        return false;
    if (hex_field(v + 3, 32) <= 0 || hex_field(v + 36, 16) <= 0 || hex_field(v + 53, 2) < 0)
        return false;
    unsigned char version = hex_byte(v);
    if ((version == 0 && len != 55) || (version != 0 && len > 55 && v[55] != '-'))
        return false;
    if (out) {
        out->valid = true;
        out->version = version;
        memcpy(out->trace_id, v + 3, 32);
        memcpy(out->parent_id, v + 36, 16);
        out->flags = hex_byte(v + 53);
    }
    return true;
}
