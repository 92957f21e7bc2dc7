/* tg_handle: handling one consumed record (see tg_handle_int.h): meta, a
 * tombstone's route, the tg-schema check, decoding with arena growth, union variant dispatch, the
 * translator and handler call and the verdict on its result.  Also the
 * tg_msg_meta accessors of tg_consumer.h (tg_reject_reason, tg_meta_header),
 * which belong to the same unit. */
#define _POSIX_C_SOURCE 200809L
#include "tg_handle_int.h"
#include "tg_headers_int.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tg_clock_int.h"
#include "tg_metrics.h"
#include "tg_producer.h"

void tg_reject_reason(const tg_msg_meta *meta, const char *fmt, ...)
{
    va_list ap;
    if (!meta || !meta->reason || meta->reason_cap == 0 || !fmt)
        return;
    va_start(ap, fmt);
    (void)vsnprintf(meta->reason, meta->reason_cap, fmt, ap);
    va_end(ap);
}

bool tg_meta_header(const tg_msg_meta *meta, const char *name, const void **value, size_t *len)
{
    if (!meta || !meta->headers)
        return false;
    return rd_kafka_header_get_last(meta->headers, name, value, len) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* ---- decode context ------------------------------------------------------ */

int tg_hctx_init(tg_hctx *d, const tg_settings *s, size_t slot_size)
{
    size_t cap = (size_t)s->arena_bytes;
    memset(d, 0, sizeof *d);
    d->mem = malloc(cap ? cap : 1);
    tg_arena_init(&d->arena, d->mem, d->mem ? cap : 0);
    d->errors.items = d->errs;
    d->errors.cap = TG_HANDLE_MAX_ERRS;
    d->max_bytes = (size_t)s->arena_max_bytes;
    if (slot_size) {
        size_t n = (slot_size + TG_HANDLE_SLOT_ALIGN - 1) / TG_HANDLE_SLOT_ALIGN
                   * TG_HANDLE_SLOT_ALIGN;
        d->slot = aligned_alloc(TG_HANDLE_SLOT_ALIGN, n);
    }
    return d->mem && (!slot_size || d->slot) ? 0 : -1;
}

void tg_hctx_free(tg_hctx *d)
{
    free(d->mem);
    free(d->slot);
    d->mem = NULL;
    d->slot = NULL;
}

/* Grow the arena (up to max_bytes) to at least `need`. */
static bool grow_arena(tg_hctx *d, size_t need)
{
    if (need <= d->arena.cap || need > d->max_bytes)
        return false;
    unsigned char *n = realloc(d->mem, need);
    if (!n)
        return false;
    d->mem = n;
    d->arena.base = n;
    d->arena.cap = need;
    return true;
}

/* ---- step 1: meta ---------------------------------------------------------- */

void tg_record_of(tg_record *r, const rd_kafka_message_t *m, const char *topic)
{
    rd_kafka_headers_t *hdrs = NULL;
    r->topic = topic;
    r->partition = m->partition;
    r->offset = m->offset;
    r->timestamp_ms = rd_kafka_message_timestamp(m, NULL);
    r->key = m->key;
    r->key_len = m->key_len;
    r->value = m->payload;
    r->len = m->len;
    r->headers = rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR ? hdrs : NULL;
    r->raw = m;
}

/* The record's tg-schema-version (docs/evolution.md) from its value v
 * (n bytes; v NULL: no such header): 1 without the header, 0 when it is
 * not a decimal version from 1 to INT32_MAX. */
static int record_version(const void *v, size_t n, bool found)
{
    if (!found)
        return 1;
    const char *s = v;
    long long version = 0;
    for (size_t i = 0; i < n; i++) {
        if (!s || s[i] < '0' || s[i] > '9' || (i == 0 && s[i] == '0') || version > INT32_MAX)
            return 0;
        version = version * 10 + (s[i] - '0');
    }
    return n && version <= INT32_MAX ? (int)version : 0;
}

/* The last traceparent, tg-schema-version and tg-schema headers of h, in one
 * pass by index (rd_kafka_header_get_last would scan the whole list per
 * name). */
static void meta_headers(const rd_kafka_headers_t *h, tg_found_header *tp, tg_found_header *ver,
                         tg_found_header *schema)
{
    const char *name;
    const void *v;
    size_t n;
    for (size_t i = 0; h && rd_kafka_header_get_all(h, i, &name, &v, &n) == RD_KAFKA_RESP_ERR_NO_ERROR;
         i++) {
        tg_found_header *f = NULL;
        if (name[0] != 't')
            continue; /* content-type and most others: one compare (all three start so) */
        if (strcmp(name, TG_HDR_TRACEPARENT) == 0)
            f = tp;
        else if (strcmp(name, TG_HDR_SCHEMA) == 0)
            f = schema;
        else if (strcmp(name, TG_HDR_SCHEMA_VERSION) == 0)
            f = ver;
        if (f)
            *f = (tg_found_header){ v, n, true };
    }
}

void tg_handle_meta(const tg_record *rec, const tg_message_desc *desc, int attempt,
                    tg_msg_meta *meta, tg_found_header *schema)
{
    tg_found_header tp = { NULL, 0, false }, ver = { NULL, 0, false };
    *schema = (tg_found_header){ NULL, 0, false };
    memset(meta, 0, sizeof *meta);
    meta->topic = rec->topic;
    meta->partition = rec->partition;
    meta->offset = rec->offset;
    meta->timestamp_ms = rec->timestamp_ms;
    meta->key = rec->key;
    meta->key_len = rec->key_len;
    meta->headers = rec->headers;
    meta_headers(rec->headers, &tp, &ver, schema);
    if (tp.found && tp.v)
        (void)tg_traceparent_parse(tp.v, tp.n, &meta->trace);
    tg_trace_new_span(&meta->trace, &meta->span);
    meta->attempt = attempt;
    meta->variant = -1;
    meta->desc = desc;
    meta->raw = rec->raw;
    meta->schema_version = record_version(ver.v, ver.n, ver.found);
}

/* ---- tombstones: records with a NULL value ------------------------------ */

/* The steps tg_handle_tombstone picks: a skip (nothing to call) and the
 * call of the route's tombstone handler (user: the route).  tg_handle_call
 * recognises both: a tombstone has no message for a translator. */
static tg_result tombstone_skip(void *user, const void *msg, const tg_msg_meta *meta)
{
    (void)user;
    (void)msg;
    (void)meta;
    return TG_OK;
}

static tg_result tombstone_handle(void *user, const void *msg, const tg_msg_meta *meta)
{
    const tg_route *route = user;
    (void)msg;
    return route->tombstone_fn(route->tombstone_user, meta);
}

/* The route of route's NULL values: topicgen.tombstones, else the schema's. */
static int tombstone_route(const tg_route *route)
{
    switch (route->tombstones) {
    case TG_TOMBSTONES_ALL_SKIP:
        return TG_TOMBSTONES_SKIP;
    case TG_TOMBSTONES_ALL_HANDLE:
        return TG_TOMBSTONES_HANDLE;
    case TG_TOMBSTONES_ALL_DLQ:
        return TG_TOMBSTONES_DLQ;
    default:
        return route->desc->tombstones;
    }
}

bool tg_handle_tombstone(const tg_route *route, const tg_record *rec, tg_prepared *pr,
                         tg_handler_fn *fn, void **user, char *reason, size_t rcap)
{
    if (rec->value)
        return false;
    *fn = NULL;
    *user = NULL;
    *pr = TG_PREPARED_READY;
    switch (tombstone_route(route)) {
    case TG_TOMBSTONES_DLQ:
        (void)snprintf(reason, rcap, "tombstone");
        *pr = TG_PREPARED_BAD;
        break;
    case TG_TOMBSTONES_HANDLE:
        if (!route->tombstone_fn) {
            (void)snprintf(reason, rcap, "tombstone: no tombstone handler registered for topic "
                           "'%.120s'", rec->topic ? rec->topic : "");
            *pr = TG_PREPARED_NO_HANDLER;
            break;
        }
        *fn = tombstone_handle;
        *user = (void *)(uintptr_t)route;
        break;
    default:
        *fn = tombstone_skip;
        break;
    }
    return true;
}

bool tg_handle_skip(const tg_route *route, const tg_record *rec, tg_metrics *metrics)
{
    if (rec->value || tombstone_route(route) != TG_TOMBSTONES_SKIP)
        return false;
    tg_metrics_add(metrics, TG_M_TOMBSTONES_SKIPPED, 1);
    return true;
}

/* ---- step 2: the tg-schema check -------------------------------------------- */

/* Is v[0..n) exactly "<schema>.<name>"? */
static bool names_desc(const void *v, size_t n, const tg_message_desc *d)
{
    size_t sl = strlen(d->schema), nl = strlen(d->name);
    const char *s = v;
    return n == sl + 1 + nl && memcmp(s, d->schema, sl) == 0 && s[sl] == '.'
           && memcmp(s + sl + 1, d->name, nl) == 0;
}

/* At most 64 bytes of a header value, non-printable bytes as '?'. */
static void printable(char *out, size_t cap, const void *v, size_t n)
{
    const unsigned char *s = v;
    size_t k = 0;
    for (size_t i = 0; s && i < n && k + 4 < cap && i < 64; i++)
        out[k++] = s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\'' ? (char)s[i] : '?';
    if (n > 64 && k + 4 < cap) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
}

/* Is the record's version one the consumer's type accepts (accepts_versions)? */
static bool version_accepted(const tg_msg_meta *meta, char *reason, size_t rcap)
{
    const tg_message_desc *d = meta->desc;
    if (!d || d->accepts_min <= 0)
        return true;
    if (meta->schema_version >= d->accepts_min && meta->schema_version <= d->accepts_max)
        return true;
    char accepted[32];
    if (d->accepts_max == INT32_MAX)
        (void)snprintf(accepted, sizeof accepted, "%d..", d->accepts_min);
    else
        (void)snprintf(accepted, sizeof accepted, "%d..%d", d->accepts_min, d->accepts_max);
    if (meta->schema_version == 0) {
        const void *v = NULL;
        size_t n = 0;
        char got[72];
        (void)tg_meta_header(meta, TG_HDR_SCHEMA_VERSION, &v, &n);
        printable(got, sizeof got, v, n);
        (void)snprintf(reason, rcap, "schema version: record has tg-schema-version '%s', not a "
                       "version; this consumer (%s.%s version %d) accepts %s", got,
                       d->schema ? d->schema : "?", d->name ? d->name : "?", d->version,
                       accepted);
    } else {
        (void)snprintf(reason, rcap, "schema version: record is version %d, this consumer "
                       "(%s.%s version %d) accepts %s", meta->schema_version,
                       d->schema ? d->schema : "?", d->name ? d->name : "?", d->version,
                       accepted);
    }
    return false;
}

bool tg_handle_schema(const tg_msg_meta *meta, const tg_found_header *schema, int policy,
                      char *reason, size_t rcap)
{
    const tg_message_desc *d = meta->desc;
    const void *v = schema->v;
    size_t n = schema->n;
    char got[72];
    if (!version_accepted(meta, reason, rcap))
        return false;
    if (policy == TG_SCHEMA_OFF || !d || !d->schema || !d->name)
        return true;
    if (!schema->found) {
        if (policy != TG_SCHEMA_REQUIRE)
            return true;           /* another producer's record: decode it */
        (void)snprintf(reason, rcap, "schema mismatch: record has no tg-schema header, this "
                       "consumer expects '%s.%s' (topicgen.schema.check=require)", d->schema,
                       d->name);
        return false;
    }
    if (v && names_desc(v, n, d))
        return true;
    printable(got, sizeof got, v, n);
    (void)snprintf(reason, rcap, "schema mismatch: record has tg-schema '%s', this consumer "
                   "expects '%s.%s'", got, d->schema, d->name);
    return false;
}

/* ---- steps 3 and 4: decoding and the variant's handler --------------------- */

tg_decode_res tg_handle_decode(tg_hctx *d, const tg_message_desc *desc, const void *value,
                               size_t len, void *slot, char *reason, size_t rcap, char *path,
                               size_t pcap)
{
    memset(slot, 0, desc->struct_size);
    d->errors.count = 0;
    d->errors.dropped = 0;
    size_t used_before = d->arena.used;
    tg_json_code code = desc->decode(slot, value ? (const char *)value : "", value ? len : 0,
                                     &d->arena, &d->errors);
    if (code == TG_JSON_OK && d->errors.count == 0)
        return TG_DECODE_OK;
    if (d->arena.needed > d->arena.cap) {
        size_t need = d->arena.needed;
        d->arena.used = used_before;
        d->arena.needed = used_before;
        if (used_before > 0 || grow_arena(d, need))
            return TG_DECODE_ARENA_FULL;
    }
    const tg_json_error *e = d->errors.count ? &d->errors.items[0] : NULL;
    size_t n = (size_t)snprintf(reason, rcap, "decode: ");
    if (n >= rcap)
        n = rcap ? rcap - 1 : 0;
    if (e)
        (void)tg_json_error_format(e, reason + n, rcap - n);
    else
        (void)snprintf(reason + n, rcap - n, "%s", tg_json_code_name(code));
    (void)snprintf(path, pcap, "%s", e ? e->path : "$");
    return TG_DECODE_BAD;
}

tg_handler_fn tg_handle_pick(const tg_route *route, const void *msg, tg_msg_meta *meta,
                             void **user, char *reason, size_t rcap, char *path, size_t pcap)
{
    const tg_message_desc *d = route->desc;
    *user = route->user;
    meta->variant = -1;
    if (!route->variant_fns)
        return route->fn;
    int v = d->variant ? d->variant(msg) : -1;
    if (v < 0 || (size_t)v >= d->n_variants) {
        (void)snprintf(reason, rcap, "unknown variant");
        (void)snprintf(path, pcap, "$");
        return NULL;
    }
    if (!route->variant_fns[v]) {
        (void)snprintf(reason, rcap, "unhandled variant '%s'",
                       d->variant_names && d->variant_names[v] ? d->variant_names[v] : "?");
        (void)snprintf(path, pcap, "$");
        return NULL;
    }
    meta->variant = v;
    *user = route->variant_users ? route->variant_users[v] : NULL;
    return route->variant_fns[v];
}

tg_prepared tg_handle_prepare(tg_hctx *d, const tg_route *route, const tg_record *rec,
                              int attempt, int schema_check, void *slot, tg_msg_meta *meta,
                              tg_handler_fn *fn, void **user, char *reason, size_t rcap,
                              char *path, size_t pcap)
{
    tg_decode_res r;
    reason[0] = '\0';
    path[0] = '\0';
    tg_found_header schema;
    tg_handle_meta(rec, route->desc, attempt, meta, &schema);
    meta->reason = reason;
    meta->reason_cap = rcap;
    tg_prepared tombstone;
    if (tg_handle_tombstone(route, rec, &tombstone, fn, user, reason, rcap))
        return tombstone;
    if (!tg_handle_schema(meta, &schema, schema_check, reason, rcap))
        return TG_PREPARED_BAD;
    do {                           /* bounded: each ARENA_FULL grew the arena */
        tg_arena_reset(&d->arena);
        r = tg_handle_decode(d, route->desc, rec->value, rec->len, slot, reason, rcap, path,
                             pcap);
    } while (r == TG_DECODE_ARENA_FULL);
    if (r != TG_DECODE_OK)
        return TG_PREPARED_BAD;
    *fn = tg_handle_pick(route, slot, meta, user, reason, rcap, path, pcap);
    return *fn ? TG_PREPARED_READY : TG_PREPARED_NO_HANDLER;
}

/* ---- steps 5 and 6: the call and its verdict -------------------------------- */

tg_result tg_handle_call(tg_translate_fn translate, void *translate_user, tg_handler_fn fn,
                         void *user, void *msg, const tg_msg_meta *meta, tg_metrics *metrics,
                         bool *handler_called)
{
    bool tombstone = fn == tombstone_skip || fn == tombstone_handle;
    if (handler_called)
        *handler_called = false;
    if (fn == tombstone_skip) {
        tg_metrics_add(metrics, TG_M_TOMBSTONES_SKIPPED, 1);
        return TG_OK;
    }
    if (translate && !tombstone) {
        tg_error why;
        tg_error_clear(&why);
        tg_result r = translate(translate_user, msg, meta, &why);
        if (r == TG_REJECT && meta->reason && meta->reason_cap)
            (void)snprintf(meta->reason, meta->reason_cap, "translate: %.180s", why.message);
        if (r != TG_OK)
            return r;
    }
    if (handler_called)
        *handler_called = true;
    if (!metrics)
        return fn(user, msg, meta);
    double t0 = tg_now_s();
    tg_result r = fn(user, msg, meta);
    tg_metrics_observe_latency(metrics, tg_now_s() - t0);
    return r;
}

tg_verdict tg_handle_verdict(tg_result r, int attempt, int max_attempts, char *reason,
                             size_t rcap)
{
    char why[200];
    switch (r) {
    case TG_OK:
        return TG_VERDICT_DONE;
    case TG_RETRY:
        if (attempt < max_attempts)
            return TG_VERDICT_RETRY;
        if (reason[0] == '\0') {
            (void)snprintf(reason, rcap, "retries exhausted");
        } else {
            (void)snprintf(why, sizeof why, "%s", reason);
            (void)snprintf(reason, rcap, "retries exhausted: %.170s", why);
        }
        return TG_VERDICT_DEAD;
    case TG_REJECT:
    default:
        if (reason[0] == '\0')
            (void)snprintf(reason, rcap, "rejected by handler");
        return TG_VERDICT_DEAD;
    }
}
