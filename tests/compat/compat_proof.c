/*
 * compat_proof.c - the verdicts of `topicgen compat`, proven by the
 * generated code of both versions (issue 16; cases.txt, CMakeLists.txt).
 *
 * For every case and each direction (backward: the old version writes, the
 * new one reads; forward: the reverse):
 *   1. the checker's verdict (compat_compare in that direction alone) must
 *      be the case's expected one;
 *   2. MESSAGES random messages of the writer's `M` (compat_random_message:
 *      values at every bound of every constraint and between, optional
 *      members there or not, nulls) are decoded by the writer's generated
 *      decoder (each must be accepted: the generator makes only valid
 *      ones), encoded by its encoder, and decoded by the reader's decoder;
 *   3. a "compatible" verdict fails on the first message the reader
 *      rejects; an "incompatible" one needs every example the checker gives
 *      (what --explain prints) to be accepted by the writer and rejected by
 *      the reader, and at least one example.
 * Any disagreement fails the test and prints the message and the decoder's
 * error.
 */
#include "check.h"
#include "compat.h"
#include "proof_case.h"
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MESSAGES 2000
#define BUF_SIZE (1u << 20)

typedef enum trip { TRIP_READ, TRIP_WRITER_REFUSED, TRIP_READER_REFUSED } trip;

typedef struct bench {
    void *msg;              /* a decoded struct (the largest M of all cases) */
    unsigned char *arena_buf;
    char *wire;             /* the writer's encoding (not NUL-terminated) */
    size_t wire_len;
    char *reader_out;       /* the reader's encoding of what it decoded */
    char error[512];
} bench;

static tg_json_code decode(bench *b, const tg_message_desc *d, const char *json, size_t len)
{
    tg_arena arena;
    tg_arena_init(&arena, b->arena_buf, BUF_SIZE);
    tg_json_error e[1];
    tg_json_errors errors = {e, 1, 0, 0};
    memset(b->msg, 0, d->struct_size);
    tg_json_code code = d->decode(b->msg, json, len, &arena, &errors);
    if (code != TG_JSON_OK && errors.count)
        tg_json_error_format(&e[0], b->error, sizeof b->error);
    else if (code != TG_JSON_OK)
        snprintf(b->error, sizeof b->error, "%s", tg_json_code_name(code));
    return code;
}

/* json through the writer's decoder and encoder, then the reader's decoder. */
static trip round_trip(bench *b, const tg_message_desc *w, const tg_message_desc *r,
                       const char *json)
{
    if (decode(b, w, json, strlen(json)) != TG_JSON_OK)
        return TRIP_WRITER_REFUSED;
    size_t len = 0;
    if (w->encode(b->msg, b->wire, BUF_SIZE, &len) != TG_JSON_OK || len > BUF_SIZE) {
        snprintf(b->error, sizeof b->error, "the writer's encoder failed");
        return TRIP_WRITER_REFUSED;
    }
    b->wire_len = len;
    return decode(b, r, b->wire, len) == TG_JSON_OK ? TRIP_READ : TRIP_READER_REFUSED;
}

typedef struct totals {
    size_t messages, rejected, examples, breaks, defaults;
} totals;

/* `"wire":` as a member of the JSON object text[0..len) (a plain search:
 * the cases use distinct wire names). */
static bool has_member(const char *text, size_t len, const char *wire, const char *value)
{
    char needle[256];
    snprintf(needle, sizeof needle, "\"%s\":%s", wire, value ? value : "");
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(text + i, needle, n) == 0)
            return true;
    return false;
}

/* Backward: a member of the reader's M with a default that the old writer
 * did not send reads as the default (the reader's encoder writes it). */
static void check_defaults(bench *b, const proof_case *pc, const schema *rs,
                           const tg_message_desc *r, totals *t)
{
    const message_def *m = NULL;
    for (size_t i = 0; i < rs->n_messages; i++)
        if (strcmp(rs->messages[i]->name, "M") == 0)
            m = rs->messages[i];
    char *out = b->reader_out;
    size_t len = 0;
    for (size_t i = 0; m && i < m->n_fields; i++) {
        const field_def *f = &m->fields[i];
        if (!f->default_text || has_member(b->wire, b->wire_len, f->wire_name, NULL))
            continue;
        if (len == 0 && (r->encode(b->msg, out, BUF_SIZE, &len) != TG_JSON_OK || !len))
            len = 0;
        char want[200];
        bool quoted = f->type.kind == T_STRING || f->type.kind == T_DECIMAL || f->type.kind == T_ENUM;
        snprintf(want, sizeof want, quoted ? "\"%s\"" : "%s", f->default_text);
        CHECKF(has_member(out, len, f->wire_name, want),
               "%s backward: '%s' absent from %.*s does not read as its default %s (%.*s)",
               pc->name, f->wire_name, (int)b->wire_len, b->wire, want, (int)len, out);
        t->defaults++;
    }
}

/* Step 2: random messages of the writer; returns how many the reader rejects. */
static size_t random_messages(bench *b, const proof_case *pc, const char *dir, const schema *ws,
                              const schema *rs, const tg_message_desc *w,
                              const tg_message_desc *r, bool compatible, totals *t)
{
    uint64_t rng = 0xcbf29ce484222325ull; /* FNV-1a of the name: the same run every time */
    for (const char *p = pc->name; *p; p++)
        rng = (rng ^ (unsigned char)*p) * 0x100000001b3ull;
    size_t rejected = 0;
    for (int i = 0; i < MESSAGES; i++) {
        char *json = compat_random_message(ws, "M", &rng);
        CHECKF(json != NULL, "%s: no type M", pc->name);
        if (!json)
            return rejected;
        trip res = round_trip(b, w, r, json);
        t->messages++;
        if (res == TRIP_WRITER_REFUSED)
            check_fail(__FILE__, __LINE__, "%s %s: the writer refuses its own random message %s: %s",
                       pc->name, dir, json, b->error);
        if (res == TRIP_READ && ws != rs && strcmp(dir, "backward") == 0)
            check_defaults(b, pc, rs, r, t);
        if (res == TRIP_READER_REFUSED && rejected++ == 0 && compatible)
            check_fail(__FILE__, __LINE__,
                       "%s %s: the checker says compatible, but the reader rejects %s (written "
                       "as %.*s): %s", pc->name, dir, json, (int)b->wire_len, b->wire, b->error);
        free(json);
    }
    t->rejected += rejected;
    return rejected;
}

/* Step 3: every example of an incompatible verdict shows the break. */
static void check_examples(bench *b, const proof_case *pc, const char *dir,
                           const compat_breaks *br, const tg_message_desc *w,
                           const tg_message_desc *r, totals *t)
{
    size_t shown = 0;
    for (size_t i = 0; i < br->count; i++) {
        const compat_break *k = &br->items[i];
        if (!k->example)
            continue;
        trip res = round_trip(b, w, r, k->example);
        CHECKF(res == TRIP_READER_REFUSED, "%s %s: [%s] example %s is %s", pc->name, dir,
               k->rule, k->example,
               res == TRIP_READ ? "read by the reader" : "refused by the writer itself");
        shown += res == TRIP_READER_REFUSED;
    }
    CHECKF(shown > 0, "%s %s: an incompatible verdict without an example the reader rejects",
           pc->name, dir);
    t->examples += shown;
    t->breaks += br->count;
}

static void prove(bench *b, const proof_case *pc, const schema *o, const schema *n, bool backward,
                  totals *t)
{
    const char *dir = backward ? "backward" : "forward";
    compat_mode mode = {backward, !backward, false, false};
    compat_breaks br = {0};
    diag_list out = {0};
    size_t breaks = compat_compare(o, n, mode, &out, &br);
    bool expected = backward ? pc->backward_breaks : pc->forward_breaks;
    CHECKF((breaks > 0) == expected, "%s %s: the checker says %s, the case expects %s", pc->name,
           dir, breaks ? "incompatible" : "compatible", expected ? "incompatible" : "compatible");
    if ((breaks > 0) != expected)
        diag_print(&out, stderr);
    const tg_message_desc *w = backward ? pc->old_m : pc->new_m;
    const tg_message_desc *r = backward ? pc->new_m : pc->old_m;
    size_t rejected = random_messages(b, pc, dir, backward ? o : n, backward ? n : o, w, r,
                                      breaks == 0, t);
    if (breaks)
        check_examples(b, pc, dir, &br, w, r, t);
    printf("%-36s %-8s %-12s %4zu of %d random messages rejected\n", pc->name, dir,
           breaks ? "incompatible" : "compatible", rejected, MESSAGES);
    compat_breaks_free(&br);
    diag_clear(&out);
}

int main(void)
{
    bench b = {malloc(BUF_SIZE), malloc(BUF_SIZE), malloc(BUF_SIZE), 0, malloc(BUF_SIZE), ""};
    totals t = {0};
    for (size_t i = 0; i < proof_n_cases; i++) {
        const proof_case *pc = &proof_cases[i];
        CHECK(pc->old_m->struct_size <= BUF_SIZE && pc->new_m->struct_size <= BUF_SIZE);
        diag_list d = {0};
        schema *o = schema_load(pc->old_yaml, &d);
        schema *n = schema_load(pc->new_yaml, &d);
        CHECKF(o && n, "%s: the case does not load", pc->name);
        diag_print(&d, stderr);
        if (o && n) {
            prove(&b, pc, o, n, true, &t);
            prove(&b, pc, o, n, false, &t);
        }
        schema_free(o);
        schema_free(n);
        diag_clear(&d);
    }
    printf("%zu cases: %zu messages encoded and decoded, %zu rejected by a reader; %zu breaks, "
           "%zu shown by their example; %zu absent members read as their default\n",
           proof_n_cases, t.messages, t.rejected, t.breaks, t.examples, t.defaults);
    CHECK(t.defaults > 0);
    CHECK(proof_n_cases >= 60);
    free(b.msg);
    free(b.arena_buf);
    free(b.wire);
    free(b.reader_out);
    return check_done();
}
