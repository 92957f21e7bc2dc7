/* tg_test: one record through the consumer's handling unit (tg_handle)
 * without a broker: a record view built from the test's bytes and headers,
 * the same prepare / call / verdict steps tg_consumer runs, and the outcome
 * copied out.  See tg_test.h. */
#define _POSIX_C_SOURCE 200809L
#include "tg_test.h"

#include <stdio.h>
#include <string.h>

#include "tg_handle_int.h"

const char *tg_test_fate_name(tg_test_fate fate)
{
    switch (fate) {
    case TG_TEST_DONE:
        return "done";
    case TG_TEST_RETRY:
        return "retry";
    case TG_TEST_DEAD_LETTER:
        return "dead-letter";
    }
    return "?";
}

const char *tg_result_name(tg_result r)
{
    switch (r) {
    case TG_OK:
        return "TG_OK";
    case TG_RETRY:
        return "TG_RETRY";
    case TG_REJECT:
        return "TG_REJECT";
    }
    return "?";
}

/* The record's headers: the producer's for desc first (when asked), then
 * the test's.  NULL when there are none; *rc set on failure. */
static rd_kafka_headers_t *test_headers(const tg_message_desc *d, const tg_test_opts *o,
                                        int *rc, tg_error *err)
{
    char schema[256], version[16];
    size_t n = o->n_headers + (o->producer_headers ? 3 : 0);
    *rc = 0;
    if (n == 0)
        return NULL;
    rd_kafka_headers_t *h = rd_kafka_headers_new(n);
    rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (o->producer_headers) {
        (void)snprintf(schema, sizeof schema, "%s.%s", d->schema ? d->schema : "",
                       d->name ? d->name : "");
        (void)snprintf(version, sizeof version, "%d", d->version);
        e = rd_kafka_header_add(h, "content-type", -1, "application/json", 16);
        if (!e)
            e = rd_kafka_header_add(h, "tg-schema", -1, schema, -1);
        if (!e)
            e = rd_kafka_header_add(h, "tg-schema-version", -1, version, -1);
    }
    for (size_t i = 0; !e && i < o->n_headers; i++)
        e = o->headers[i].name ? rd_kafka_header_add(h, o->headers[i].name, -1,
                                                     o->headers[i].value,
                                                     (ssize_t)o->headers[i].len)
                               : RD_KAFKA_RESP_ERR__INVALID_ARG;
    if (!e)
        return h;
    rd_kafka_headers_destroy(h);
    *rc = tg_error_set(err, TG_ERR_ARG, "tg_test_deliver: header: %s", rd_kafka_err2str(e));
    return NULL;
}

static int check_args(const tg_test_route *route, const tg_test_outcome *out, tg_error *err)
{
    const tg_message_desc *d = route ? route->desc : NULL;
    if (!d || !d->decode || !out)
        return tg_error_set(err, TG_ERR_ARG, "tg_test_deliver: need a route with a "
                                             "descriptor that decodes, and an outcome");
    if (!route->fn && !route->variant_fns)
        return tg_error_set(err, TG_ERR_ARG, "tg_test_deliver: the route has no handler");
    if (route->variant_fns && !d->variant)
        return tg_error_set(err, TG_ERR_ARG, "tg_test_deliver: variant handlers for %s.%s, "
                                             "which is not a union", d->schema, d->name);
    return 0;
}

/* The consumer settings: the test's config, else tg_config_new's defaults. */
static int test_settings(const tg_test_opts *o, tg_settings *s, tg_error *err)
{
    if (o->config) {
        *s = *tg_config_settings(o->config);
        return 0;
    }
    tg_config *c = tg_config_new(TG_CONFIG_CONSUMER, err);
    if (!c)
        return err ? err->code : TG_ERR_NOMEM;
    *s = *tg_config_settings(c);
    tg_config_free(c);
    return 0;
}

/* Steps 1-6 of tg_handle with the decoding context d. */
static void deliver(tg_hctx *d, const tg_route *rt, const tg_record *rec, const tg_settings *s,
                    const tg_test_opts *o, tg_test_outcome *out)
{
    tg_msg_meta meta;
    tg_handler_fn fn = NULL;
    void *user = NULL;
    int attempt = o->attempt > 0 ? o->attempt : 1;
    out->result = TG_REJECT;
    out->variant = -1;
    out->tombstone = rec->value == NULL;
    if (tg_handle_prepare(d, rt, rec, attempt, s->schema_check, d->slot, &meta, &fn, &user,
                          out->reason, sizeof out->reason, out->path, sizeof out->path)
        != TG_PREPARED_READY) {
        out->fate = TG_TEST_DEAD_LETTER;  /* attempt 0: never reached a handler */
        return;
    }
    out->attempt = attempt;
    out->variant = meta.variant;
    out->result = tg_handle_call(o->translate, o->translate_user, fn, user, d->slot, &meta,
                                 NULL, &out->handler_called);
    switch (tg_handle_verdict(out->result, attempt, s->retry_max_attempts, out->reason,
                              sizeof out->reason)) {
    case TG_VERDICT_DONE:
        out->fate = TG_TEST_DONE;
        break;
    case TG_VERDICT_RETRY:
        out->fate = TG_TEST_RETRY;
        break;
    case TG_VERDICT_DEAD:
        out->fate = TG_TEST_DEAD_LETTER;
        out->path[0] = '\0';
        break;
    }
}

int tg_test_deliver(const tg_test_route *route, const void *json, size_t len,
                    const tg_test_opts *opts, tg_test_outcome *out, tg_error *err)
{
    static const tg_test_opts none;
    const tg_test_opts *o = opts ? opts : &none;
    tg_settings s;
    tg_hctx d;
    int rc;
    if ((rc = check_args(route, out, err)) || (rc = test_settings(o, &s, err)))
        return rc;
    memset(out, 0, sizeof *out);
    rd_kafka_headers_t *h = test_headers(route->desc, o, &rc, err);
    if (rc)
        return rc;
    if (tg_hctx_init(&d, &s, route->desc->struct_size ? route->desc->struct_size : 1)) {
        tg_hctx_free(&d);
        if (h)
            rd_kafka_headers_destroy(h);
        return tg_error_set(err, TG_ERR_NOMEM, "tg_test_deliver: out of memory");
    }
    tg_route rt = { route->desc, route->fn, route->user, route->variant_fns,
                    route->variant_users, o->tombstone_fn, o->tombstone_user, s.tombstones };
    tg_record rec = { o->topic ? o->topic : route->desc->topic, o->partition, o->offset,
                      o->timestamp_ms ? o->timestamp_ms : -1, o->key, o->key ? o->key_len : 0,
                      json, json ? len : 0, h, NULL };
    deliver(&d, &rt, &rec, &s, o, out);
    tg_hctx_free(&d);
    if (h)
        rd_kafka_headers_destroy(h);
    return 0;
}
