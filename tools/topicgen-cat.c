/* topicgen-cat.c: topicgen_cat_main (contract: topicgen_cat.h), the verb
 * dispatch and the top-level help.  Each verb lives in its own file
 * (topicgen-cat-<verb>.c) and parses its own flags (cat_parse); this file
 * only picks it.  docs/tools.md documents every verb. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cat_int.h"
#include "topicgen_cat.h"

static const char top_usage[] =
    "usage: topicgen-cat VERB [options]    (topicgen-cat VERB --help for each)\n"
    "  consume TOPIC          print records as JSON lines, values decoded by the schema\n"
    "  produce TOPIC          send JSON lines from stdin, validated by the schema\n"
    "  dlq list DLQ           dead letters grouped by reason\n"
    "  dlq show DLQ           one dead letter: its tg-dlq-* envelope and value\n"
    "  dlq redrive DLQ        send dead letters back to their topics, exactly once\n"
    "  types                  the message types this build knows\n";

static int list_types(const cat_ctx *ctx, int argc, char **argv)
{
    if (argc > 2) {
        bool help = strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0;
        (void)fprintf(help ? stdout : stderr, "%susage: topicgen-cat types\n"
                      "Lists the message types this build knows: <schema>.<Msg>, topic, "
                      "version.\n", help ? "" : "topicgen-cat types: takes no arguments\n");
        return help ? CAT_OK : CAT_USAGE;
    }
    for (size_t t = 0; ctx->tables && ctx->tables[t]; t++)
        for (size_t i = 0; ctx->tables[t][i]; i++) {
            const tg_message_desc *d = ctx->tables[t][i];
            (void)printf("%s.%s\ttopic %s\tversion %d\n", d->schema, d->name, d->topic,
                         d->version);
        }
    return CAT_OK;
}

static int dlq_verb(cat_ctx *ctx, int argc, char **argv)
{
    const char *sub = argc > 2 ? argv[2] : "";
    static const struct {
        const char *name, *verb;
        int (*fn)(const cat_ctx *, int, char **);
    } subs[] = {{"list", "dlq list", cat_dlq_list},
                {"show", "dlq show", cat_dlq_show},
                {"redrive", "dlq redrive", cat_dlq_redrive}};
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(sub, subs[i].name) == 0) {
            ctx->verb = subs[i].verb;
            return subs[i].fn(ctx, argc, argv);
        }
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        (void)printf("usage: topicgen-cat dlq list|show|redrive DLQ [options]\n");
        return CAT_OK;
    }
    (void)fprintf(stderr, "topicgen-cat dlq: expected list, show or redrive, got '%s'\n%s",
                  sub, top_usage);
    return CAT_USAGE;
}

int topicgen_cat_main(int argc, char **argv, const tg_message_desc *const *const *tables)
{
    cat_ctx ctx = {tables, argc > 1 ? argv[1] : ""};
    const char *verb = ctx.verb;
    int rc;
    if (strcmp(verb, "consume") == 0)
        rc = cat_consume(&ctx, argc, argv);
    else if (strcmp(verb, "produce") == 0)
        rc = cat_produce(&ctx, argc, argv);
    else if (strcmp(verb, "dlq") == 0)
        rc = dlq_verb(&ctx, argc, argv);
    else if (strcmp(verb, "types") == 0)
        rc = list_types(&ctx, argc, argv);
    else if (strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0) {
        (void)printf("%s%s", top_usage, cat_common_usage);
        rc = CAT_OK;
    } else {
        (void)fprintf(stderr, "topicgen-cat: unknown verb '%s'\n%s", verb, top_usage);
        rc = CAT_USAGE;
    }
    return rc == CAT_HELP ? CAT_OK : rc;
}
