/*
 * js_decode.c - the C side of the jsonschema differential test: decodes
 * documents with the generated decoders of schemas/ and every.yaml and
 * prints each verdict.
 *
 * Input (argv[1], a file the Python driver writes): records
 *   "<schema>.<Type> <length>\n" followed by <length> bytes of JSON and "\n".
 * Output (stdout), one line per record, in order:
 *   "ok"                        the decoder accepted the document
 *   "<code> <path>\t<reason>"   the first error: tg_json_code_name, JSON path
 * A type this program does not know is "unknown-type"; the driver fails on
 * it, so a type added to a schema cannot go untested.  The arena is 64 MiB:
 * an arena error would be a limit of the harness, and the driver reports it.
 * `--types` lists the types it knows, one a line.
 */
#include "common.h"
#include "crm.h"
#include "every.h"
#include "orders.h"
#include "workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef tg_json_code (*decode_fn)(void *out, const char *json, size_t len, tg_arena *arena,
                                  tg_json_errors *errors);

typedef struct codec {
    const char *name;
    size_t size;
    decode_fn decode;
} codec;

#define CODEC(S, T)                                                                           \
    static tg_json_code decode_##S##_##T(void *out, const char *json, size_t len,            \
                                         tg_arena *arena, tg_json_errors *errors)             \
    {                                                                                         \
        return S##_##T##_decode(out, json, len, arena, errors);                               \
    }
#define TYPES(X)                                                                              \
    X(common, CustomerIdentity)                                                               \
    X(orders, LineItem) X(orders, OrderEvent) X(orders, OrderTotal)                           \
    X(workflow, EventMetadata) X(workflow, EventPayload) X(workflow, WorkflowEvent)           \
    X(crm, Attachment) X(crm, EmailReceived) X(crm, WhatsappReceived) X(crm, FormSubmitted)   \
    X(crm, InboundMessage)                                                                    \
    X(every, Point) X(every, Scalars) X(every, Holder) X(every, Circle) X(every, Square)      \
    X(every, Shape) X(every, Envelope)

TYPES(CODEC)
#define ENTRY(S, T) {#S "." #T, sizeof(S##_##T), decode_##S##_##T},
static const codec codecs[] = {TYPES(ENTRY)};
#define N_CODECS (sizeof codecs / sizeof codecs[0])

static const codec *find(const char *name)
{
    for (size_t i = 0; i < N_CODECS; i++)
        if (strcmp(codecs[i].name, name) == 0)
            return &codecs[i];
    return NULL;
}

enum { ARENA_BYTES = 64 << 20, STRUCT_BYTES = 1 << 16 };

static void verdict(const codec *c, const char *json, size_t len, unsigned char *arena_buf,
                    void *msg)
{
    tg_arena arena;
    tg_arena_init(&arena, arena_buf, ARENA_BYTES);
    tg_json_error first;
    tg_json_errors errors = {&first, 1, 0, 0};
    memset(msg, 0, c->size);
    tg_json_code code = c->decode(msg, json, len, &arena, &errors);
    if (code == TG_JSON_OK) {
        puts("ok");
        return;
    }
    /* the reason on one line: the driver splits on the tab */
    for (char *p = first.reason; *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
    printf("%s %s\t%s\n", tg_json_code_name(code), errors.count ? first.path : "$",
           errors.count ? first.reason : "");
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--types") == 0) {
        for (size_t i = 0; i < N_CODECS; i++)
            puts(codecs[i].name);
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: js_decode RECORDS | js_decode --types\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    if (!in) {
        perror(argv[1]);
        return 2;
    }
    unsigned char *arena_buf = malloc(ARENA_BYTES);
    void *msg = malloc(STRUCT_BYTES);
    char name[256];
    size_t len;
    int status = 0;
    while (fscanf(in, "%255s %zu", name, &len) == 2 && fgetc(in) == '\n') {
        char *json = malloc(len ? len : 1);
        if (!arena_buf || !msg || !json || fread(json, 1, len, in) != len || fgetc(in) != '\n') {
            fprintf(stderr, "js_decode: bad record for %s\n", name);
            status = 2;
            free(json);
            break;
        }
        const codec *c = find(name);
        if (!c)
            puts("unknown-type");
        else if (c->size > STRUCT_BYTES)
            puts("struct-too-big");
        else
            verdict(c, json, len, arena_buf, msg);
        free(json);
    }
    free(arena_buf);
    free(msg);
    fclose(in);
    return status;
}
