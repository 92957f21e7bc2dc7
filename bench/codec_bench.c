/*
 * codec_bench.c: decode/encode benchmark of topicgen's generated codecs
 * against other JSON libraries filling the same generated C structs.
 *
 *   codec_bench --impl topicgen --corpus orders5 [--count 1000] [--seed 42]
 *               [--mode decode|encode|both] [--trials 7] [--min-ms 200]
 *               [--reps N] [--instr] [--verify-only]
 *   codec_bench --list                 implementations compiled in
 *   codec_bench --dump orders5         the corpus as JSON lines (for Python)
 *   codec_bench --reject --impl NAME   which invalid orders a decoder rejects
 *
 * One process measures one implementation on one corpus, so its peak RSS
 * and allocation counts are its own (bench/run.sh runs them all).  Results
 * are tab-separated lines starting with "result".  Before timing, every
 * decoder's output is compared with topicgen's and every encoder's output is
 * decoded back by topicgen and compared with the source struct.
 *
 * Allocations are counted by replacing malloc & co in this executable (they
 * forward to glibc's __libc_* functions; C++ operator new goes through
 * malloc too).  --instr brackets exactly one pass over the corpus with
 * callgrind's collection toggle, for `valgrind --tool=callgrind
 * --collect-atstart=no`: its "Collected" total divided by the message count
 * is instructions per message.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_corpus.h"
#include "bench_impl.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif
#ifndef HAVE_CALLGRIND
#define CALLGRIND_TOGGLE_COLLECT
#endif

/* ---- allocation counting ------------------------------------------------ */

static volatile unsigned long long g_allocs;

void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void *__libc_memalign(size_t, size_t);
void __libc_free(void *);
void *malloc(size_t n);
void *calloc(size_t a, size_t b);
void *realloc(void *p, size_t n);
void free(void *p);
void *memalign(size_t a, size_t n);
void *aligned_alloc(size_t a, size_t n);
int posix_memalign(void **p, size_t a, size_t n);

void *malloc(size_t n)
{
    g_allocs++;
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
    g_allocs++;
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
    g_allocs++;
    return __libc_realloc(p, n);
}
void free(void *p) { __libc_free(p); }
void *memalign(size_t a, size_t n)
{
    g_allocs++;
    return __libc_memalign(a, n);
}
void *aligned_alloc(size_t a, size_t n)
{
    g_allocs++;
    return __libc_memalign(a, n);
}
int posix_memalign(void **p, size_t a, size_t n)
{
    g_allocs++;
    *p = __libc_memalign(a, n);
    return *p ? 0 : 12;
}

/* ---- implementations ---------------------------------------------------- */

static const bench_impl *const g_impls[] = {
    &bench_impl_topicgen,
#ifdef BENCH_HAVE_SIMDJSON
    &bench_impl_simdjson_ondemand,
    &bench_impl_simdjson_dom,
#endif
#ifdef BENCH_HAVE_RAPIDJSON
    &bench_impl_rapidjson,
    &bench_impl_rapidjson_sax,
#endif
#ifdef BENCH_HAVE_CJSON
    &bench_impl_cjson,
#endif
#ifdef BENCH_HAVE_JANSSON
    &bench_impl_jansson,
#endif
    NULL,
};

static const bench_impl *find_impl(const char *name)
{
    for (size_t i = 0; g_impls[i]; i++)
        if (strcmp(g_impls[i]->name, name) == 0)
            return g_impls[i];
    return NULL;
}

static int schema_of(const bench_corpus *c)
{
    if (strcmp(c->schema, "orders") == 0)
        return BENCH_ORDERS;
    if (strcmp(c->schema, "workflow") == 0)
        return BENCH_WORKFLOW;
    return BENCH_CRM;
}

typedef union any_msg {
    orders_OrderEvent orders;
    workflow_WorkflowEvent workflow;
    crm_InboundMessage crm;
} any_msg;

/* ---- helpers ------------------------------------------------------------ */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static bool str_eq(tg_str a, tg_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Field-by-field equality of two decoded orders (what every decoder must
 * produce). */
static bool orders_eq(const orders_OrderEvent *a, const orders_OrderEvent *b, const char **why)
{
#define F(x)                                                                   \
    if (!str_eq(a->x, b->x))                                                   \
        return *why = #x, false;
    F(order_id) F(created_at) F(customer_name) F(total_price) F(currency)
    if (a->status != b->status)
        return *why = "status", false;
    if (a->has_note != b->has_note || (a->has_note && !str_eq(a->note, b->note)))
        return *why = "note", false;
    if (a->line_items.count != b->line_items.count)
        return *why = "line_items.count", false;
    for (size_t i = 0; i < a->line_items.count; i++) {
        const orders_LineItem *x = &a->line_items.items[i], *y = &b->line_items.items[i];
        if (!str_eq(x->line_item_id, y->line_item_id) || !str_eq(x->product_id, y->product_id) ||
            !str_eq(x->product_title, y->product_title) || x->quantity != y->quantity ||
            !str_eq(x->price, y->price))
            return *why = "line_items[i]", false;
    }
#undef F
    return true;
}

/* Compare by encoding both with topicgen (works for every schema). */
static bool same_by_encoding(int schema, const void *a, const void *b)
{
    static char x[1 << 20], y[1 << 20];
    size_t lx = 0, ly = 0;
    if (bench_impl_topicgen.encode(schema, a, x, sizeof x, &lx) ||
        bench_impl_topicgen.encode(schema, b, y, sizeof y, &ly))
        return false;
    return lx == ly && memcmp(x, y, lx) == 0;
}

/* ---- verification ------------------------------------------------------- */

static unsigned char *g_keep_arena;
static size_t g_keep_cap;

static tg_json_code topicgen_decode(int schema, any_msg *m, const char *json, size_t len,
                                    tg_arena *a)
{
    switch (schema) {
    case BENCH_ORDERS: return orders_OrderEvent_decode(&m->orders, json, len, a, NULL);
    case BENCH_WORKFLOW: return workflow_WorkflowEvent_decode(&m->workflow, json, len, a, NULL);
    default: return crm_InboundMessage_decode(&m->crm, json, len, a, NULL);
    }
}

/* Decode the whole corpus with topicgen into msgs[] (each with its own
 * arena part) for the encode benchmark and as the reference.  The
 * reference is itself checked: a canonical corpus was written by
 * topicgen's encoders from the structs it was made from, so encoding the
 * decoded message must give back the corpus bytes exactly. */
static any_msg *reference_decode(const bench_corpus *c, int schema)
{
    static char enc[1 << 20];
    any_msg *msgs = calloc(c->count, sizeof *msgs);
    size_t used = 0;
    g_keep_cap = c->total_bytes * 2 + c->count * 8192;
    g_keep_arena = malloc(g_keep_cap);
    if (!msgs || !g_keep_arena)
        exit(2);
    for (size_t i = 0; i < c->count; i++) {
        tg_arena a;
        tg_json_code rc;
        size_t len = 0;
        tg_arena_init(&a, g_keep_arena + used, g_keep_cap - used);
        rc = topicgen_decode(schema, &msgs[i], c->msgs[i], c->lens[i], &a);
        if (rc != TG_JSON_OK) {
            fprintf(stderr, "codec_bench: corpus %s message %zu does not decode (%s): %.*s\n",
                    c->name, i, tg_json_code_name(rc), (int)c->lens[i], c->msgs[i]);
            exit(2);
        }
        if (c->canonical &&
            (bench_impl_topicgen.encode(schema, &msgs[i], enc, sizeof enc, &len) ||
             len != c->lens[i] || memcmp(enc, c->msgs[i], len) != 0)) {
            fprintf(stderr, "codec_bench: corpus %s message %zu does not encode back to its "
                    "bytes: %.*s\n", c->name, i, (int)len, enc);
            exit(2);
        }
        used += (a.used + 15) & ~(size_t)15;
    }
    return msgs;
}

static int verify(const bench_impl *im, const bench_corpus *c, int schema, const any_msg *ref,
                  char *out, size_t cap)
{
    any_msg m;
    for (size_t i = 0; i < c->count; i++) {
        const char *why = "?";
        memset(&m, 0, sizeof m);
        if (im->decode(schema, c->msgs[i], c->lens[i], &m)) {
            fprintf(stderr, "codec_bench: %s rejects %s message %zu: %.*s\n", im->name, c->name,
                    i, (int)c->lens[i], c->msgs[i]);
            return -1;
        }
        if (schema == BENCH_ORDERS ? !orders_eq(&m.orders, &ref[i].orders, &why)
                                   : !same_by_encoding(schema, &m, &ref[i])) {
            fprintf(stderr, "codec_bench: %s decodes %s message %zu differently (%s)\n",
                    im->name, c->name, i, why);
            return -1;
        }
        if (im->encode) {
            size_t len = 0;
            any_msg back;
            tg_arena a;
            static unsigned char abuf[1 << 20];
            if (im->encode(schema, &ref[i], out, cap, &len)) {
                fprintf(stderr, "codec_bench: %s cannot encode %s message %zu\n", im->name,
                        c->name, i);
                return -1;
            }
            tg_arena_init(&a, abuf, sizeof abuf);
            if (topicgen_decode(schema, &back, out, len, &a) != TG_JSON_OK ||
                (schema == BENCH_ORDERS ? !orders_eq(&back.orders, &ref[i].orders, &why)
                                        : !same_by_encoding(schema, &back, &ref[i]))) {
                fprintf(stderr, "codec_bench: %s encodes %s message %zu wrongly: %.*s\n",
                        im->name, c->name, i, (int)len, out);
                return -1;
            }
        }
    }
    return 0;
}

/* ---- invalid orders: what each decoder rejects -------------------------- */

static const struct {
    const char *what;
    const char *json;
} k_invalid[] = {
#define LI "{\"line_item_id\":\"a\",\"product_id\":\"p\",\"product_title\":\"t\",\"quantity\":1,\"price\":\"1.00\"}"
#define HEAD "\"order_id\":\"o1\",\"created_at\":\"2026-01-02T03:04:05Z\",\"customer_name\":\"C\","
#define TAIL ",\"total_price\":\"1.00\""
    {"valid (control)", "{" HEAD "\"line_items\":[" LI "]" TAIL "}"},
    {"missing required field", "{\"order_id\":\"o1\",\"customer_name\":\"C\",\"line_items\":[" LI "]" TAIL "}"},
    {"quantity out of range", "{" HEAD "\"line_items\":[{\"line_item_id\":\"a\",\"product_id\":\"p\",\"product_title\":\"t\",\"quantity\":0,\"price\":\"1\"}]" TAIL "}"},
    {"quantity not integer", "{" HEAD "\"line_items\":[{\"line_item_id\":\"a\",\"product_id\":\"p\",\"product_title\":\"t\",\"quantity\":1.0,\"price\":\"1\"}]" TAIL "}"},
    {"string too long (code points)", "{" HEAD "\"line_items\":[" LI "]" TAIL ",\"currency\":\"EURO\"}"},
    {"bad enum", "{" HEAD "\"line_items\":[" LI "]" TAIL ",\"status\":\"lost\"}"},
    {"bad timestamp", "{\"order_id\":\"o1\",\"created_at\":\"2026-02-30T03:04:05Z\",\"customer_name\":\"C\",\"line_items\":[" LI "]" TAIL "}"},
    {"bad decimal", "{" HEAD "\"line_items\":[" LI "],\"total_price\":\"1.2.3\"}"},
    {"decimal longer than max_length", "{" HEAD "\"line_items\":[" LI "],\"total_price\":\"1234567890123456789012.45\"}"},
    {"empty line_items", "{" HEAD "\"line_items\":[]" TAIL "}"},
    {"wrong type", "{" HEAD "\"line_items\":[" LI "]" TAIL ",\"note\":5}"},
    {"duplicate known key", "{" HEAD "\"order_id\":\"o2\",\"line_items\":[" LI "]" TAIL "}"},
    {"duplicate unknown key", "{" HEAD "\"x\":1,\"x\":2,\"line_items\":[" LI "]" TAIL "}"},
    {"invalid UTF-8 in string", "{" HEAD "\"line_items\":[" LI "]" TAIL ",\"note\":\"\xC3\x28\"}"},
    {"lone surrogate escape", "{" HEAD "\"line_items\":[" LI "]" TAIL ",\"note\":\"\\ud800\"}"},
    {"invalid JSON in unknown member", "{" HEAD "\"x\":[1,,2],\"line_items\":[" LI "]" TAIL "}"},
    {"trailing comma", "{" HEAD "\"line_items\":[" LI "]" TAIL ",}"},
    {"trailing garbage", "{" HEAD "\"line_items\":[" LI "]" TAIL "} x"},
    {"leading zero number", "{" HEAD "\"line_items\":[" LI "]" TAIL ",\"x\":01}"},
#undef LI
#undef HEAD
#undef TAIL
};

static int run_reject(const bench_impl *im)
{
    size_t n = sizeof k_invalid / sizeof k_invalid[0], rejected = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(k_invalid[i].json);
        char *buf = calloc(1, len + BENCH_PADDING);
        any_msg m;
        int bad;
        memcpy(buf, k_invalid[i].json, len);
        bad = im->decode(BENCH_ORDERS, buf, len, &m) != 0;
        free(buf);
        printf("reject\t%s\t%s\t%s\n", im->name, k_invalid[i].what,
               i == 0 ? (bad ? "REJECTED(!)" : "accepted") : (bad ? "rejected" : "ACCEPTED"));
        rejected += i > 0 && bad;
    }
    printf("reject_total\t%s\t%zu\t%zu\n", im->name, rejected, n - 1);
    return 0;
}

/* ---- timing -------------------------------------------------------------- */

typedef struct result {
    double ns_median, ns_min;
    double allocs_per_msg;
    unsigned long long msgs;
    double bytes_per_pass;
} result;

static volatile size_t g_sink;

static double pass_decode(const bench_impl *im, const bench_corpus *c, int schema, any_msg *m,
                          size_t reps)
{
    double t0 = now_ns();
    for (size_t r = 0; r < reps; r++)
        for (size_t i = 0; i < c->count; i++)
            g_sink += (size_t)im->decode(schema, c->msgs[i], c->lens[i], m);
    return now_ns() - t0;
}

static double pass_encode(const bench_impl *im, const bench_corpus *c, int schema,
                          const any_msg *ref, char *out, size_t cap, size_t reps)
{
    double t0 = now_ns();
    for (size_t r = 0; r < reps; r++)
        for (size_t i = 0; i < c->count; i++) {
            size_t len = 0;
            g_sink += (size_t)im->encode(schema, &ref[i], out, cap, &len) + len;
        }
    return now_ns() - t0;
}

static result measure(bool encode, const bench_impl *im, const bench_corpus *c, int schema,
                      const any_msg *ref, char *out, size_t cap, int trials, double min_ms,
                      size_t fixed_reps)
{
    static any_msg m;
    double t[64];
    result res;
    size_t reps = 1;
    unsigned long long a0;
    double took;

    if (trials > 64)
        trials = 64;
    /* Warm up and calibrate: reps so that a trial lasts min_ms. */
    took = encode ? pass_encode(im, c, schema, ref, out, cap, 1) : pass_decode(im, c, schema, &m, 1);
    if (fixed_reps)
        reps = fixed_reps;
    else if (took < min_ms * 1e6)
        reps = (size_t)(min_ms * 1e6 / (took > 1 ? took : 1)) + 1;
    a0 = g_allocs;
    for (int k = 0; k < trials; k++) {
        took = encode ? pass_encode(im, c, schema, ref, out, cap, reps)
                      : pass_decode(im, c, schema, &m, reps);
        t[k] = took / (double)(reps * c->count);
    }
    res.allocs_per_msg = (double)(g_allocs - a0) / (double)(reps * c->count * (size_t)trials);
    qsort(t, (size_t)trials, sizeof t[0], cmp_double);
    res.ns_median = t[trials / 2];
    res.ns_min = t[0];
    res.msgs = (unsigned long long)(reps * c->count * (size_t)trials);
    res.bytes_per_pass = (double)c->total_bytes;
    return res;
}

static void print_result(const char *mode, const bench_impl *im, const bench_corpus *c,
                         const result *r, size_t out_bytes)
{
    double avg = (double)(out_bytes ? out_bytes : c->total_bytes) / (double)c->count;
    /* result impl corpus mode count avg_bytes ns_median ns_min MB/s(median)
     *        allocs/msg peak_rss_kb msgs_timed */
    printf("result\t%s\t%s\t%s\t%zu\t%.1f\t%.1f\t%.1f\t%.1f\t%.3f\t%ld\t%llu\n", im->name,
           c->name, mode, c->count, avg, r->ns_median, r->ns_min, avg / r->ns_median * 1e3,
           r->allocs_per_msg, peak_rss_kb(), r->msgs);
    fflush(stdout);
}

static void usage(void)
{
    fprintf(stderr,
            "usage: codec_bench --impl NAME --corpus NAME [--count N] [--seed S]\n"
            "                   [--mode decode|encode|both] [--trials T] [--min-ms MS]\n"
            "                   [--reps N] [--instr] [--verify-only]\n"
            "       codec_bench --list | --corpora | --dump CORPUS | --reject --impl NAME\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *impl = "topicgen", *corpus = NULL, *mode = "both", *dump = NULL;
    size_t count = 1000, reps = 0;
    uint64_t seed = 42;
    int trials = 7;
    double min_ms = 200;
    bool instr = false, verify_only = false, reject = false;
    const bench_impl *im;
    bench_corpus c;
    int schema;
    any_msg *ref;
    static char out[1 << 20];

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--list") == 0) {
            for (size_t k = 0; g_impls[k]; k++)
                printf("%s\t%s\t%s\n", g_impls[k]->name, g_impls[k]->encode ? "encode" : "-",
                       g_impls[k]->validates_less);
            return 0;
        } else if (strcmp(a, "--corpora") == 0) {
            for (size_t k = 0; bench_corpus_names[k]; k++)
                printf("%s\n", bench_corpus_names[k]);
            return 0;
        } else if (strcmp(a, "--instr") == 0) {
            instr = true;
        } else if (strcmp(a, "--verify-only") == 0) {
            verify_only = true;
        } else if (strcmp(a, "--reject") == 0) {
            reject = true;
        } else if (!v) {
            usage();
        } else if (strcmp(a, "--impl") == 0) {
            impl = v, i++;
        } else if (strcmp(a, "--corpus") == 0) {
            corpus = v, i++;
        } else if (strcmp(a, "--dump") == 0) {
            dump = v, i++;
        } else if (strcmp(a, "--mode") == 0) {
            mode = v, i++;
        } else if (strcmp(a, "--count") == 0) {
            count = strtoull(v, NULL, 10), i++;
        } else if (strcmp(a, "--seed") == 0) {
            seed = strtoull(v, NULL, 10), i++;
        } else if (strcmp(a, "--trials") == 0) {
            trials = atoi(v), i++;
        } else if (strcmp(a, "--min-ms") == 0) {
            min_ms = atof(v), i++;
        } else if (strcmp(a, "--reps") == 0) {
            reps = strtoull(v, NULL, 10), i++;
        } else {
            usage();
        }
    }
    if (count == 0 || trials < 1)
        usage();
    if (dump) {
        if (bench_corpus_make(dump, seed, count, &c) != 0)
            usage();
        for (size_t i = 0; i < c.count; i++) {
            fwrite(c.msgs[i], 1, c.lens[i], stdout);
            putchar('\n');
        }
        return 0;
    }
    if (!(im = find_impl(impl))) {
        fprintf(stderr, "codec_bench: implementation %s not built in (--list)\n", impl);
        return 2;
    }
    if (reject)
        return run_reject(im);
    if (!corpus || bench_corpus_make(corpus, seed, count, &c) != 0)
        usage();
    schema = schema_of(&c);
    if (!(im->schemas & (1u << schema))) {
        printf("skip\t%s\t%s\tschema %s not implemented\n", im->name, c.name, c.schema);
        return 0;
    }
    printf("corpus\t%s\t%s\t%zu\t%zu\t%zu\t%s\n", c.name, c.schema, c.count, c.total_bytes,
           c.max_len, c.what);
    ref = reference_decode(&c, schema);
    if (verify(im, &c, schema, ref, out, sizeof out) != 0)
        return 1;
    if (verify_only)
        return 0;
    if (instr) {
        /* One pass per selected mode, each bracketed for callgrind. */
        static any_msg m;
        if (strcmp(mode, "encode") != 0) {
            CALLGRIND_TOGGLE_COLLECT;
            pass_decode(im, &c, schema, &m, 1);
            CALLGRIND_TOGGLE_COLLECT;
        } else if (im->encode) {
            CALLGRIND_TOGGLE_COLLECT;
            pass_encode(im, &c, schema, ref, out, sizeof out, 1);
            CALLGRIND_TOGGLE_COLLECT;
        } else {
            return 0; /* no encoder: nothing measured */
        }
        printf("instr\t%s\t%s\t%s\t%zu\n", im->name, c.name, mode, c.count);
        return 0;
    }
    if (strcmp(mode, "encode") != 0) {
        result r = measure(false, im, &c, schema, ref, out, sizeof out, trials, min_ms, reps);
        print_result("decode", im, &c, &r, 0);
    }
    if (strcmp(mode, "decode") != 0 && im->encode) {
        size_t out_bytes = 0;
        for (size_t i = 0; i < c.count; i++) {
            size_t len = 0;
            im->encode(schema, &ref[i], out, sizeof out, &len);
            out_bytes += len;
        }
        result r = measure(true, im, &c, schema, ref, out, sizeof out, trials, min_ms, reps);
        print_result("encode", im, &c, &r, out_bytes);
    }
    return 0;
}
