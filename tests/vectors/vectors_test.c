/*
 * vectors_test.c - runs the conformance vectors of `topicgen --emit vectors`
 * (docs/languages.md, "Test vectors") against the generated C codecs of
 * every schema in schemas/ and tests/vectors/kinds.yaml (every kind of field).
 *
 *   vectors_test DIR            every <schema>.<Type>.vectors.json in DIR:
 *                               a valid document must decode and re-encode
 *                               to exactly its "canonical" bytes; an invalid
 *                               one must fail with the expected code and
 *                               JSON path as its first error (and the canonical
 *                               text must re-encode to itself).  Every type of
 *                               TYPES must have a file and every file a type.
 *   vectors_test --self-test DIR
 *                               the check must be able to fail: for one file,
 *                               three copies of its expectations are
 *                               corrupted (a verdict flipped, a path changed,
 *                               a canonical byte changed) and each must make
 *                               exactly that vector fail.
 *
 * The vectors are computed by the generator from the schema alone, never by
 * running these codecs, so agreement here is evidence, not a tautology.
 * Exit 0 when everything holds; counts go to stdout, mismatches to stderr.
 */
#include "common.h"
#include "crm.h"
#include "orders.h"
#include "vk.h"
#include "workflow.h"

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every message and union of schemas/ and kinds.yaml (schema, Type). */
#define TYPES(X)                                                                             \
    X(common, CustomerIdentity)                                                              \
    X(orders, LineItem)                                                                      \
    X(orders, OrderEvent)                                                                    \
    X(orders, OrderTotal)                                                                    \
    X(workflow, EventMetadata)                                                               \
    X(workflow, EventPayload)                                                                \
    X(workflow, WorkflowEvent)                                                               \
    X(crm, Attachment)                                                                       \
    X(crm, EmailReceived)                                                                    \
    X(crm, WhatsappReceived)                                                                 \
    X(crm, FormSubmitted)                                                                    \
    X(crm, InboundMessage)                                                                   \
    X(vk, Leaf)                                                                              \
    X(vk, Tree)                                                                              \
    X(vk, Scalars)                                                                           \
    X(vk, Big)                                                                               \
    X(vk, NullJson)                                                                          \
    X(vk, Circle)                                                                            \
    X(vk, Square)                                                                            \
    X(vk, Empty)                                                                             \
    X(vk, Shape)                                                                             \
    X(vk, Holder)

typedef tg_json_code (*decode_fn)(void *out, const char *json, size_t len, tg_arena *arena,
                                  tg_json_errors *errors);
typedef tg_json_code (*encode_fn)(const void *msg, char *buf, size_t cap, size_t *len);

#define WRAP(s, T)                                                                           \
    static tg_json_code s##_##T##_dec(void *out, const char *json, size_t len, tg_arena *a,  \
                                      tg_json_errors *e)                                     \
    {                                                                                        \
        return s##_##T##_decode((s##_##T *)out, json, len, a, e);                            \
    }                                                                                        \
    static tg_json_code s##_##T##_enc(const void *msg, char *buf, size_t cap, size_t *len)   \
    {                                                                                        \
        return s##_##T##_encode((const s##_##T *)msg, buf, cap, len);                        \
    }
TYPES(WRAP)

typedef struct codec {
    const char *schema, *type;
    size_t size;
    decode_fn decode;
    encode_fn encode;
    bool seen; /* a file of vectors named it */
} codec;

#define ROW(s, T) {#s, #T, sizeof(s##_##T), s##_##T##_dec, s##_##T##_enc, false},
static codec codecs[] = {TYPES(ROW)};
#define N_CODECS (sizeof codecs / sizeof codecs[0])

/* ---- one vector ----------------------------------------------------------- */

typedef struct vector {
    tg_str name, document, canonical, code, path;
    bool valid;
} vector;

#define MSG_CAP (1u << 16)
#define ARENA_CAP (1u << 22)
#define OUT_CAP (1u << 22)

static union {
    max_align_t align;
    unsigned char bytes[MSG_CAP];
} msg;
static unsigned char arena_buf[ARENA_CAP];
static char out_buf[OUT_CAP];

/* The canonical text of a valid vector decodes and re-encodes to itself. */
static bool canonical_is_fixed_point(const codec *c, const vector *v)
{
    static char again[OUT_CAP];
    tg_arena arena;
    size_t len = 0;
    tg_arena_init(&arena, arena_buf, sizeof arena_buf);
    memset(&msg, 0, sizeof msg);
    return c->decode(&msg, v->canonical.ptr, v->canonical.len, &arena, NULL) == TG_JSON_OK &&
           c->encode(&msg, again, sizeof again, &len) == TG_JSON_OK &&
           len == v->canonical.len && memcmp(again, v->canonical.ptr, len) == 0;
}

/* Run v through c; false (the reason printed) when the codec disagrees. */
static bool run_vector(const codec *c, const char *file, size_t index, const vector *v,
                       bool quiet)
{
    tg_arena arena;
    tg_json_error first;
    tg_json_errors errors = {&first, 1, 0, 0};
    tg_arena_init(&arena, arena_buf, sizeof arena_buf);
    memset(&msg, 0, sizeof msg);
    tg_json_code got = c->decode(&msg, v->document.ptr, v->document.len, &arena, &errors);
    const char *why = NULL;
    char detail[512] = "";
    if (v->valid && got != TG_JSON_OK) {
        why = "refused a valid document";
        if (errors.count)
            snprintf(detail, sizeof detail, "%s at %s: %s", tg_json_code_name(first.code),
                     first.path, first.reason);
    } else if (v->valid) {
        size_t len = 0;
        tg_json_code e = c->encode(&msg, out_buf, sizeof out_buf, &len);
        if (e != TG_JSON_OK) {
            why = "could not re-encode";
        } else if (len != v->canonical.len || memcmp(out_buf, v->canonical.ptr, len) != 0) {
            why = "re-encoded other bytes";
            snprintf(detail, sizeof detail, "got %.*s", (int)(len > 300 ? 300 : len), out_buf);
        } else if (!canonical_is_fixed_point(c, v)) {
            why = "the canonical text does not re-encode to itself";
        }
    } else if (got == TG_JSON_OK) {
        why = "accepted an invalid document";
    } else if (errors.count == 0) {
        why = "failed without an error record";
    } else if (strlen(tg_json_code_name(first.code)) != v->code.len ||
               memcmp(tg_json_code_name(first.code), v->code.ptr, v->code.len) != 0 ||
               strlen(first.path) != v->path.len ||
               memcmp(first.path, v->path.ptr, v->path.len) != 0) {
        why = "first error differs";
        snprintf(detail, sizeof detail, "expected %.*s at %.*s, got %s at %s (%s)",
                 (int)v->code.len, v->code.ptr, (int)v->path.len, v->path.ptr,
                 tg_json_code_name(first.code), first.path, first.reason);
    }
    if (why && !quiet)
        fprintf(stderr, "%s: vector %zu \"%.*s\": %s%s%s\n", file, index, (int)v->name.len,
                v->name.ptr, why, *detail ? ": " : "", detail);
    return why == NULL;
}

/* ---- reading a file of vectors (with the runtime's reader) ---------------- */

typedef struct vfile {
    char *text;
    size_t len;
    tg_str schema, type;
    vector *items;
    size_t count;
    unsigned char *arena_mem;
} vfile;

static bool key_is(tg_str k, const char *name)
{
    return k.len == strlen(name) && memcmp(k.ptr, name, k.len) == 0;
}

static bool read_vector(tg_json_reader *r, vector *v)
{
    tg_str key;
    int more;
    memset(v, 0, sizeof *v);
    if (!tg_json_object_begin(r))
        return false;
    while ((more = tg_json_object_next(r, &key)) > 0) {
        bool ok = true;
        if (key_is(key, "name"))
            ok = tg_json_read_string(r, &v->name);
        else if (key_is(key, "valid"))
            ok = tg_json_read_bool(r, &v->valid);
        else if (key_is(key, "document"))
            ok = tg_json_read_string(r, &v->document);
        else if (key_is(key, "canonical"))
            ok = tg_json_read_string(r, &v->canonical);
        else if (key_is(key, "error")) {
            int m;
            if (!tg_json_object_begin(r))
                return false;
            while ((m = tg_json_object_next(r, &key)) > 0) {
                if (key_is(key, "code"))
                    ok = ok && tg_json_read_string(r, &v->code);
                else if (key_is(key, "path"))
                    ok = ok && tg_json_read_string(r, &v->path);
                else
                    ok = ok && tg_json_skip_value(r);
            }
            ok = ok && m == 0;
        } else
            ok = tg_json_skip_value(r);
        if (!ok)
            return false;
    }
    return more == 0;
}

static bool load_file(const char *path, vfile *f)
{
    memset(f, 0, sizeof *f);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return false;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    f->text = malloc((size_t)n + 1);
    f->len = fread(f->text, 1, (size_t)n, fp);
    fclose(fp);
    f->arena_mem = malloc(f->len * 2 + 4096);
    tg_arena arena;
    tg_arena_init(&arena, f->arena_mem, f->len * 2 + 4096);
    static tg_json_reader r;
    tg_json_error err;
    tg_json_errors errs = {&err, 1, 0, 0};
    tg_json_reader_init(&r, f->text, f->len, &arena, &errs);
    tg_str key;
    int more;
    size_t cap = 0;
    if (!tg_json_object_begin(&r))
        return false;
    while ((more = tg_json_object_next(&r, &key)) > 0) {
        bool ok = true;
        if (key_is(key, "schema"))
            ok = tg_json_read_string(&r, &f->schema);
        else if (key_is(key, "type"))
            ok = tg_json_read_string(&r, &f->type);
        else if (key_is(key, "vectors")) {
            int m;
            ok = tg_json_array_begin(&r);
            while (ok && (m = tg_json_array_next(&r)) > 0) {
                if (f->count == cap) {
                    cap = cap ? cap * 2 : 64;
                    f->items = realloc(f->items, cap * sizeof *f->items);
                }
                ok = read_vector(&r, &f->items[f->count++]);
            }
        } else
            ok = tg_json_skip_value(&r);
        if (!ok)
            break;
    }
    if (!tg_json_finish(&r)) {
        fprintf(stderr, "%s: not a file of vectors: %s: %s\n", path,
                errs.count ? err.path : "?", errs.count ? err.reason : "?");
        return false;
    }
    return true;
}

static void free_file(vfile *f)
{
    free(f->text);
    free(f->items);
    free(f->arena_mem);
}

static codec *codec_of(const vfile *f)
{
    for (size_t i = 0; i < N_CODECS; i++)
        if (key_is(f->schema, codecs[i].schema) && key_is(f->type, codecs[i].type))
            return &codecs[i];
    return NULL;
}

/* ---- the runs ----------------------------------------------------------------- */

static bool is_vectors_file(const char *name)
{
    size_t n = strlen(name), s = strlen(".vectors.json");
    return n > s && strcmp(name + n - s, ".vectors.json") == 0;
}

static int run_all(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "vectors_test: cannot open %s\n", dir);
        return 1;
    }
    size_t files = 0, valid = 0, invalid = 0, failed = 0;
    struct dirent *e;
    int status = 0;
    while ((e = readdir(d)) != NULL) {
        if (!is_vectors_file(e->d_name))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        vfile f;
        if (!load_file(path, &f)) {
            status = 1;
            free_file(&f);
            continue;
        }
        codec *c = codec_of(&f);
        if (!c) {
            fprintf(stderr, "%s: no codec for %.*s.%.*s: add it to TYPES\n", path,
                    (int)f.schema.len, f.schema.ptr, (int)f.type.len, f.type.ptr);
            status = 1;
        } else if (c->size > MSG_CAP) {
            fprintf(stderr, "%s: the message is larger than MSG_CAP\n", path);
            status = 1;
        } else {
            size_t bad = 0;
            c->seen = true;
            for (size_t i = 0; i < f.count; i++) {
                bad += !run_vector(c, e->d_name, i, &f.items[i], false);
                *(f.items[i].valid ? &valid : &invalid) += 1;
            }
            if (f.count == 0) {
                fprintf(stderr, "%s: no vectors\n", path);
                status = 1;
            }
            printf("%-40s %4zu vectors, %zu disagree\n", e->d_name, f.count, bad);
            failed += bad;
        }
        files++;
        free_file(&f);
    }
    closedir(d);
    for (size_t i = 0; i < N_CODECS; i++)
        if (!codecs[i].seen) {
            fprintf(stderr, "%s: no vectors for %s.%s\n", dir, codecs[i].schema, codecs[i].type);
            status = 1;
        }
    printf("%zu files, %zu valid and %zu invalid vectors, %zu disagree\n", files, valid, invalid,
           failed);
    return status || failed ? 1 : 0;
}

/* Corrupt one expectation of file `path` three ways; each must make exactly
 * the corrupted vector fail, and the file must pass uncorrupted. */
static int self_test(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/orders.OrderEvent.vectors.json", dir);
    vfile f;
    if (!load_file(path, &f) || !codec_of(&f)) {
        fprintf(stderr, "self-test: cannot load %s\n", path);
        return 1;
    }
    const codec *c = codec_of(&f);
    size_t first_valid = f.count, first_invalid = f.count, failures = 0;
    for (size_t i = 0; i < f.count; i++) {
        failures += !run_vector(c, path, i, &f.items[i], true);
        if (f.items[i].valid && first_valid == f.count)
            first_valid = i;
        if (!f.items[i].valid && first_invalid == f.count)
            first_invalid = i;
    }
    int status = 0;
    if (failures || first_valid == f.count || first_invalid == f.count) {
        fprintf(stderr, "self-test: the file must pass and hold both verdicts first\n");
        status = 1;
    }
    static const char *const what[] = {"verdict flipped", "path changed", "canonical changed"};
    for (int k = 0; k < 3 && !status; k++) {
        size_t at = k == 2 || (k == 0) ? first_valid : first_invalid;
        vector saved = f.items[at];
        char *copy = NULL;
        if (k == 0) {
            f.items[at].valid = false; /* a valid document now expected to fail */
            f.items[at].code = (tg_str){"type", 4};
            f.items[at].path = (tg_str){"$", 1};
        } else if (k == 1) {
            f.items[at].path = (tg_str){"$.nowhere", 9};
        } else {
            copy = malloc(saved.canonical.len);
            memcpy(copy, saved.canonical.ptr, saved.canonical.len);
            copy[saved.canonical.len - 1] = ' '; /* the closing brace */
            f.items[at].canonical = (tg_str){copy, saved.canonical.len};
        }
        size_t bad = 0, bad_at = f.count;
        for (size_t i = 0; i < f.count; i++)
            if (!run_vector(c, path, i, &f.items[i], true)) {
                bad++;
                bad_at = i;
            }
        printf("self-test: %s at vector %zu: %zu vector(s) fail\n", what[k], at, bad);
        if (bad != 1 || bad_at != at) {
            fprintf(stderr, "self-test: %s was not caught exactly once\n", what[k]);
            status = 1;
        }
        f.items[at] = saved;
        free(copy);
    }
    free_file(&f);
    return status;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--self-test") == 0)
        return self_test(argv[2]);
    if (argc == 2)
        return run_all(argv[1]);
    fprintf(stderr, "usage: vectors_test [--self-test] DIR\n");
    return 2;
}
