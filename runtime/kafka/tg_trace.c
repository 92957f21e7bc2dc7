/* tg_trace: parsing, validating and writing a W3C traceparent value (see
 * tg_trace.h): "<version>-<trace-id>-<parent-id>-<flags>", lower-case hex
 * only; new span and trace ids from a per-thread splitmix64 generator
 * seeded once per thread from getrandom (ids must be unique, not secret). */
#define _DEFAULT_SOURCE
#include "tg_trace.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

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

size_t tg_traceparent_format(const tg_trace_context *t, char out[TG_TRACEPARENT_SIZE])
{
    out[0] = '\0';
    if (!t || !t->valid)
        return 0;
    int n = snprintf(out, TG_TRACEPARENT_SIZE, "00-%.32s-%.16s-%02x", t->trace_id, t->parent_id,
                     (unsigned)t->flags);
    if (n != 55 || !tg_traceparent_parse(out, 55, NULL)) {
        out[0] = '\0';
        return 0;
    }
    return 55;
}

/* ---- ids ------------------------------------------------------------------ */

static _Thread_local uint64_t id_state;

static uint64_t next_id(void)
{
    if (id_state == 0) {
        struct timespec ts;
        (void)clock_gettime(CLOCK_REALTIME, &ts);
        id_state = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)(uintptr_t)&ts;
        (void)getrandom(&id_state, sizeof id_state, GRND_NONBLOCK); /* else the clock's */
        id_state |= 1;
    }
    uint64_t z = (id_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return z ? z : 1;   /* an id is never all zero */
}

/* 8 lower-case hex digits of v's 32 bits, without
 * a loop per digit (a handled message makes 48 of them): each nibble is
 * spread into its own byte, then '0' is added, and 'a' - '0' - 10 more
 * where the nibble is above 9. */
static void hex8(char *out, uint32_t v)
{
    uint64_t x = v;
    x = (x | x << 16) & 0x0000ffff0000ffffu;
    x = (x | x << 8) & 0x00ff00ff00ff00ffu;
    x = (x | x << 4) & 0x0f0f0f0f0f0f0f0fu;
    uint64_t over9 = ((x + 0x0606060606060606u) >> 4) & 0x0101010101010101u;
    x += 0x3030303030303030u + over9 * (uint64_t)('a' - '0' - 10);
    memcpy(out, &x, 8); /* one store; the digits' order is the machine's byte
                           order, which does not matter for random ids */
}

/* digits (16 or 32) hex digits from fresh ids, NUL-terminated. */
static void hex_id(char *out, size_t digits)
{
    for (size_t i = 0; i < digits; i += 16) {
        uint64_t v = next_id();
        hex8(out + i, (uint32_t)v);
        hex8(out + i + 8, (uint32_t)(v >> 32));
    }
    out[digits] = '\0';
}

void tg_trace_new_span(const tg_trace_context *incoming, tg_trace_context *out)
{
    tg_trace_context t;
    memset(&t, 0, sizeof t);
    if (incoming && incoming->valid) {
        memcpy(t.trace_id, incoming->trace_id, sizeof t.trace_id);
        t.flags = incoming->flags;
    } else {
        hex_id(t.trace_id, 32);
    }
    hex_id(t.parent_id, 16);
    t.valid = true;
    *out = t;
}
