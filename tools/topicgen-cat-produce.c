/* topicgen-cat-produce.c: `topicgen-cat produce TOPIC` (docs/tools.md).
 *
 * Contract.  Reads JSON lines from stdin; each line is decoded with the
 * generated decoder of the type (--type, else TOPIC's only type): a line
 * that does not decode is refused (reported on stderr with its line number,
 * JSON path, byte offset and reason) and NOT sent; a valid one is sent to
 * TOPIC with the typed producer (tg_producer_send: re-encoded, keyed by the
 * schema's key field, with the topicgen headers; idempotent, acks=all).
 * Blank lines are ignored.  At the end it waits (--timeout-ms) for every
 * delivery report and prints "sent N, refused M, failed K" on stdout.
 * Exit: 0 all sent, 1 some line refused or failed, 2 usage, 3 Kafka error
 * (no producer, or reports still missing at the timeout). */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "cat_int.h"
#include "tg_producer.h"

static const char usage[] =
    "usage: topicgen-cat produce TOPIC [options] < lines.jsonl\n"
    "  --type NAME          the message type, <schema>.<Msg> or <Msg> (default: TOPIC's only\n"
    "                       type)\n"
    "  --timeout-ms N       wait this long for the delivery reports at the end (default 30000)\n"
    "Each line is validated by the generated decoder; invalid lines are reported with line,\n"
    "path, byte offset and reason and NOT sent.  Prints \"sent N, refused M, failed K\".\n"
    "Exit status 1: some line was refused or not delivered.\n";

typedef struct produce_counts {
    const cat_ctx *ctx;
    unsigned long long sent, refused, failed;
} produce_counts;

static void on_delivery(void *user, const tg_delivery *d)
{
    produce_counts *c = user;
    if (d->err == 0) {
        c->sent++;
        return;
    }
    c->failed++;
    cat_say(c->ctx, "line %llu: not delivered: %s",
            (unsigned long long)(uintptr_t)d->msg_opaque, d->error);
}

/* Send the decoded line (in dec->slot), retrying while the queue is full. */
static void send_line(tg_producer *p, const tg_message_desc *desc, const char *topic,
                      const cat_decoder *dec, unsigned long long line, produce_counts *c)
{
    tg_send_opts so = tg_send_opts_default();
    so.topic = topic;
    so.msg_opaque = (void *)(uintptr_t)line;
    tg_error err;
    int rc;
    while ((rc = tg_producer_send(p, desc, dec->slot, &so, &err)) == TG_ERR_QUEUE_FULL)
        (void)tg_producer_poll(p, 100);
    if (rc != 0) {
        c->failed++;
        cat_say(c->ctx, "line %llu: not sent: %s", line, err.message);
    }
}

static void produce_lines(const cat_ctx *ctx, tg_producer *p, const tg_message_desc *desc,
                          const char *topic, cat_decoder *dec, produce_counts *c)
{
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long long line = 0;
    cat_verdict v;
    while ((n = getline(&buf, &cap, stdin)) >= 0) {
        line++;
        size_t len = (size_t)n;
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            len--;
        if (strspn(buf, " \t") == len)
            continue;
        cat_decode_text(dec, desc, buf, len, &v);
        if (!v.ok) {
            c->refused++;
            cat_say(ctx, "line %llu: refused: %s (byte %zu): %s", line, v.path, v.offset,
                    v.reason);
            continue;
        }
        send_line(p, desc, topic, dec, line, c);
    }
    free(buf);
}

static int run(const cat_ctx *ctx, const cat_common *cm, const tg_message_desc *desc,
               const char *topic, long long timeout_ms)
{
    tg_config *conf = cat_config(ctx, cm, TG_CONFIG_PRODUCER);
    if (!conf)
        return CAT_USAGE;
    produce_counts c = {ctx, 0, 0, 0};
    cat_decoder dec;
    tg_error err;
    tg_producer_opts po = {on_delivery, &c, NULL, NULL};
    tg_producer *p = NULL;
    int rc = CAT_KAFKA;
    if (cat_decoder_init(&dec, ctx, tg_config_settings(conf)) != 0)
        cat_say(ctx, "out of memory");
    else if (!(p = tg_producer_new(conf, &po, &err)))
        cat_say(ctx, "%s", err.message);
    else {
        produce_lines(ctx, p, desc, topic, &dec, &c);
        size_t missing = 0;
        rc = tg_producer_close(p, (int)timeout_ms, &missing) == 0 ? CAT_OK : CAT_KAFKA;
        if (missing)
            cat_say(ctx, "%zu records had no delivery report after %lld ms", missing,
                    timeout_ms);
    }
    tg_config_free(conf);
    cat_decoder_free(&dec);
    (void)printf("sent %llu, refused %llu, failed %llu\n", c.sent, c.refused, c.failed);
    if (rc != CAT_OK)
        return rc;
    return c.refused || c.failed ? CAT_SOME_BAD : CAT_OK;
}

int cat_produce(const cat_ctx *ctx, int argc, char **argv)
{
    const char *topic = NULL, *type = NULL;
    long long timeout_ms = 30000;
    const cat_opt opts[] = {CAT_STR("--type", &type),
                            CAT_NUM("--timeout-ms", &timeout_ms, 1, 3600000)};
    cat_common c;
    size_t n_pos, count = 0;
    int rc = cat_parse(ctx, argc, argv, 2, usage, &c, opts, sizeof opts / sizeof opts[0],
                       &topic, &n_pos, 1, 1);
    if (rc != CAT_OK)
        return rc;
    const tg_message_desc *desc = type ? cat_type_named(ctx, type, strlen(type))
                                       : cat_type_of_topic(ctx, topic, &count);
    if (!desc) {
        if (type)
            cat_say(ctx, "--type %s: no such type in this build (topicgen-cat types lists "
                    "them)", type);
        else
            cat_say(ctx, "topic '%s' has %s type in this build: give --type", topic,
                    count ? "more than one" : "no");
        return CAT_USAGE;
    }
    return run(ctx, &c, desc, topic, timeout_ms);
}
