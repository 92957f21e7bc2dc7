/*
 * skip_test.c (ctest json_skip): the skipper's structural first pass
 * (runtime/json/tg_json_skip.c) against a byte-by-byte model, and
 * tg_json_skip_value at every SIMD level against the scalar level (today's
 * token-by-token skipper): same verdict, stop, error code, offset, path
 * and reason.
 *
 *   index      every kernel (sse2, avx2) lists the same positions as a
 *              plain byte-by-byte model of the rules (tg_json_skip_int.h),
 *              and fails exactly when the model finds a control byte in a
 *              string or invalid UTF-8: random documents, random bytes
 *   edges      backslash runs of every length 0..70 before a quote, and
 *              2- to 4-byte characters, at every offset across the 64-byte
 *              block edges (and the short last block)
 *   edits      every one-byte edit (all 256 values) and every one-byte cut
 *              of nested sample documents (strings, escapes, unicode,
 *              numbers, literals, big and duplicate-key objects)
 *   numbers    numbers good and bad of every length, before every kind of
 *              byte, with 16 bytes after them (the walk's number_window)
 *              and near the end of the input
 *   keys       small objects from a small key alphabet (duplicates and
 *              signature collisions), and objects past the linear key
 *              scan (hashed): good ones, and one duplicate far apart; every
 *              verdict checked at every level too, not only compared
 *   random     random nested documents, valid and then mutated
 * Each document is read twice per level: skipped whole, and as an object
 * whose members are skipped one by one (depth 1: paths and key tables of
 * an enclosing level).  Inputs sit in heap copies of exactly their length,
 * so any read past the end is caught under ASan.  Levels the CPU lacks
 * are reported and left out.  Bounded: seconds.
 */
#include "check.h"
#include "splitmix.h"
#include "tg_json.h"
#include "tg_json_skip_int.h"
#include "tg_simd_int.h"
#include "tg_text_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[3] = {"scalar", "sse2", "avx2"};
static int nlevels;
static unsigned long compared, fast_ok;

static uint64_t g_rng = 0x9E3779B97F4A7C15u;
static uint64_t rnd(void) { return tg_test_splitmix(&g_rng); }

/* ---- index against the model ---------------------------------------------- */

static bool is_op(unsigned char c)
{
    return c == '{' || c == '}' || c == '[' || c == ']' || c == ',' || c == ':';
}
static bool is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* The index of s[0..n) by the rules, byte by byte; false on an anomaly. */
static bool model_index(const unsigned char *s, size_t n, uint32_t *out, size_t *count)
{
    bool in = false, esc_next = false, prev_scalar = false, ok = true;
    size_t k = 0, i;
    for (i = 0; i < n;) { /* UTF-8 of the whole input */
        size_t l = s[i] < 0x80 ? 1 : tg_utf8_seq(s + i, s + n);
        if (!l) {
            ok = false;
            break;
        }
        i += l;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = s[i];
        bool escaped = esc_next;
        esc_next = c == '\\' && !escaped;
        if (in) {
            if (c == '\\')
                out[k++] = (uint32_t)i;
            if (c == '"' && !escaped)
                in = false;
            else if (c < 0x20)
                ok = false;
            prev_scalar = false;
        } else if (c == '"' && !escaped) {
            out[k++] = (uint32_t)i;
            in = true;
            prev_scalar = false;
        } else if (is_op(c)) {
            out[k++] = (uint32_t)i;
            prev_scalar = false;
        } else if (is_ws(c)) {
            prev_scalar = false;
        } else if (c == '\\') { /* outside strings: an anomaly */
            ok = false;
        } else {
            if (!prev_scalar)
                out[k++] = (uint32_t)i;
            prev_scalar = true;
        }
    }
    *count = k;
    return ok;
}

static uint32_t g_want[1 << 16], g_got[1 << 16];

/* Both kernels against the model on a heap copy of s[0..n). */
static void index_same(const char *s, size_t n, int line)
{
    char *copy = malloc(n ? n : 1);
    size_t want_n, l;
    bool want_ok;
    if (!copy)
        abort();
    memcpy(copy, s, n);
    want_ok = model_index((const unsigned char *)copy, n, g_want, &want_n);
    for (l = 1; l < (size_t)nlevels; l++) {
        tg_skip_scan_ sc;
        size_t got_n = 0, k;
        tg_skip_init_(&sc, copy, copy + n);
        for (;;) {
            k = l == 1 ? tg_skip_fill_sse2_(&sc) : tg_skip_fill_avx2_(&sc);
            if (!k)
                break;
            memcpy(g_got + got_n, sc.pos, k * sizeof *g_got);
            got_n += k;
        }
        compared++;
        if (sc.failed != !want_ok) {
            check_fail(__FILE__, line, "%s kernel: failed=%d, model anomaly=%d (length %zu)",
                       names[l], sc.failed, !want_ok, n);
            continue;
        }
        if (want_ok && (got_n != want_n || memcmp(g_got, g_want, got_n * sizeof *g_got) != 0)) {
            size_t i = 0;
            while (i < got_n && i < want_n && g_got[i] == g_want[i])
                i++;
            check_fail(__FILE__, line, "%s kernel: %zu positions, model %zu; first difference "
                       "at entry %zu (length %zu)", names[l], got_n, want_n, i, n);
            continue;
        }
        check_pass(1);
    }
    free(copy);
}

/* ---- the reader at every level ------------------------------------------- */

typedef struct outcome {
    bool skip_ok, ok;
    size_t stop, count;
    unsigned depth;
    tg_json_error first;
    char path[TG_JSON_PATH_MAX], reason[TG_JSON_REASON_MAX];
    bool member_ok;
    size_t member_count;
    tg_json_error mfirst;
    char mpath[TG_JSON_PATH_MAX], mreason[TG_JSON_REASON_MAX];
} outcome;

static tg_json_reader g_reader;
static tg_json_error g_items[4];

static void copy_first(const tg_json_errors *es, tg_json_error *e, char *path, char *reason)
{
    memset(e, 0, sizeof *e);
    path[0] = reason[0] = 0;
    if (es->count) {
        *e = g_items[0];
        snprintf(path, TG_JSON_PATH_MAX, "%s", g_items[0].path);
        snprintf(reason, TG_JSON_REASON_MAX, "%s", g_items[0].reason);
    }
}

static void read_at(int level, const char *doc, size_t n, outcome *o)
{
    tg_json_reader *r = &g_reader;
    tg_json_errors es = {g_items, 4, 0, 0};
    tg_str k;
    memset(o, 0, sizeof *o);
    if (!tg_json_simd_set(names[level]))
        abort();
    tg_json_reader_init(r, doc, n, NULL, &es);
    o->skip_ok = tg_json_skip_value(r);
    o->stop = (size_t)(r->cur - doc);
    o->depth = r->depth;
    o->ok = tg_json_finish(r);
    o->count = es.count;
    copy_first(&es, &o->first, o->path, o->reason);

    tg_json_reader_init(r, doc, n, NULL, &es);
    if (tg_json_object_begin(r))
        while (tg_json_object_next(r, &k) == 1)
            if (!tg_json_skip_value(r))
                break;
    o->member_ok = tg_json_finish(r);
    o->member_count = es.count;
    copy_first(&es, &o->mfirst, o->mpath, o->mreason);
}

static bool same_outcome(const outcome *a, const outcome *b)
{
    return a->skip_ok == b->skip_ok && a->ok == b->ok && a->stop == b->stop &&
           a->depth == b->depth && a->count == b->count && a->first.code == b->first.code &&
           a->first.offset == b->first.offset && strcmp(a->path, b->path) == 0 &&
           strcmp(a->reason, b->reason) == 0 && a->member_ok == b->member_ok &&
           a->member_count == b->member_count && a->mfirst.code == b->mfirst.code &&
           a->mfirst.offset == b->mfirst.offset && strcmp(a->mpath, b->mpath) == 0 &&
           strcmp(a->mreason, b->mreason) == 0;
}

/* Every level reads s[0..n) (a heap copy) as the scalar level does. */
static bool reads_same(const char *s, size_t n, int line)
{
    char *copy = malloc(n ? n : 1);
    outcome want, got;
    bool all = true;
    if (!copy)
        abort();
    memcpy(copy, s, n);
    read_at(TG_SIMD_SCALAR, copy, n, &want);
    for (int l = 1; l < nlevels; l++) {
        read_at(l, copy, n, &got);
        compared++;
        if (!same_outcome(&want, &got)) {
            check_fail(__FILE__, line,
                       "%s: skip %d stop %zu \"%s\" at %zu %s / member \"%s\"; scalar: skip %d "
                       "stop %zu \"%s\" at %zu %s / member \"%s\" (length %zu)",
                       names[l], got.skip_ok, got.stop, got.reason, got.first.offset, got.path,
                       got.mreason, want.skip_ok, want.stop, want.reason, want.first.offset,
                       want.path, want.mreason, n);
            all = false;
        } else {
            check_pass(1);
        }
    }
    if (want.skip_ok)
        fast_ok++;
    free(copy);
    return all;
}

/* ---- documents -------------------------------------------------------------- */

static const char doc_nested[] =
    "{\"kind\":\"delta\",\"amount\":-3980.30e-2,\"ok\":false,\"none\":null,\"t\":true,"
    "\"items\":[{\"id\":244338733,\"name\":\"nova g\\u00f6lf\",\"tags\":[\"juliet\",\"fox\"],"
    "\"nested\":{\"a\":null,\"b\":[1,2,3,[],{}],\"c\":\"x\\ny\\\"z\\\\\"}},"
    "{\"id\":0,\"name\":\"\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\",\"score\":1E+9}],"
    "\"esc\":\"\\ud83d\\ude00 \\/ \\b\\f\\r\\t\",\"sp\" : [ 1 , \"a\" ] }";

static const char doc_keys[] =
    "{\"k00\":0,\"k01\":1,\"k02\":2,\"k03\":3,\"k04\":4,\"k05\":5,\"k06\":6,\"k07\":7,"
    "\"k08\":8,\"k09\":9,\"k10\":10,\"k11\":11,\"k12\":12,\"k13\":13,\"k14\":14,\"k15\":15,"
    "\"k16\":16,\"k17\":17,\"k18\":18,\"k\\u0030\":[{\"a\":1,\"\\u0061\":2}],\"k20\":{}}";

static const char doc_pretty[] =
    "{\n  \"event\": \"workflow.failed\",\n  \"payload\": {\n    \"data\": [\n"
    "      {\"id\": 1, \"v\": \"\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\"},\n"
    "      {\"id\": 2, \"v\": \"\\u4e2d\\u6587 \xe4\xb8\xad\xe6\x96\x87\"}\n    ],\n"
    "    \"flag\": true\n  }\n}";

static void test_edits(const char *doc, size_t n)
{
    char *buf = malloc(n + 1);
    size_t i;
    int v;
    if (!buf)
        abort();
    reads_same(doc, n, __LINE__);
    index_same(doc, n, __LINE__);
    for (i = 0; i < n; i++) {
        memcpy(buf, doc, n);
        for (v = 0; v < 256; v++) {
            buf[i] = (char)v;
            if (!reads_same(buf, n, __LINE__)) {
                fprintf(stderr, "  edit: byte %zu = 0x%02X\n", i, (unsigned)v);
                free(buf);
                return;
            }
        }
        memcpy(buf, doc, i);
        memcpy(buf + i, doc + i + 1, n - i - 1);
        reads_same(buf, n - 1, __LINE__); /* byte i cut */
    }
    free(buf);
}

/* Backslash runs and multi-byte characters at every offset across the
 * block edges, in a string of a member of a nested object. */
static void test_edges(void)
{
    static const char *const chars[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
                                        "\xc3",     "\xe2\x82",     "\xed\xa0\x80"};
    char doc[512];
    for (int pad = 0; pad < 140; pad++) {
        for (int run = 0; run <= 70; run++) {
            int k = snprintf(doc, sizeof doc, "{\"a\":[{\"b\":\"%.*s", pad,
                             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                             "xxxxxxxxxxxxxx");
            memset(doc + k, '\\', (size_t)run);
            k += run;
            k += snprintf(doc + k, sizeof doc - (size_t)k, "\"},1],\"c\":\"d\"}");
            reads_same(doc, (size_t)k, __LINE__);
            index_same(doc, (size_t)k, __LINE__);
            reads_same(doc, (size_t)k - 3, __LINE__); /* cut: the tail block */
        }
        for (size_t c = 0; c < sizeof chars / sizeof *chars; c++) {
            int k = snprintf(doc, sizeof doc, "{\"a\":[\"%.*s%s\",2]}", pad,
                             "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
                             "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
                             "yyyyyyyyyyyyyy",
                             chars[c]);
            reads_same(doc, (size_t)k, __LINE__);
            index_same(doc, (size_t)k, __LINE__);
            reads_same(doc, (size_t)(k - 4), __LINE__);
        }
    }
}

/* Input that ends inside a character right at a block edge: both kernels
 * see the anomaly, as the model does (the avx2 kernel once missed it). */
static void test_cut_at_block_edge(void)
{
    static const char *const cuts[] = {"\xc3", "\xe2\x82", "\xf0\x9f\x98"};
    char doc[192];
    for (size_t len = 64; len <= sizeof doc; len += 64)
        for (size_t c = 0; c < sizeof cuts / sizeof *cuts; c++) {
            size_t k = strlen(cuts[c]);
            memset(doc, 'z', len);
            doc[0] = '"';
            memcpy(doc + len - k, cuts[c], k);
            index_same(doc, len, __LINE__);
        }
}

/* The walk takes good documents whole at every SIMD level: a walk that
 * always doubted would pass every comparison above (the scalar skipper
 * reads the value again), so this asks it alone. */
static void test_walk_taken(void)
{
    static const struct {
        const char *doc;
        size_t n;
    } docs[] = {{doc_nested, sizeof doc_nested - 1}, /* (doc_keys has a duplicate key) */
                {doc_pretty, sizeof doc_pretty - 1}};
    for (int l = 1; l < nlevels; l++)
        for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
            tg_json_reader *r = &g_reader;
            tg_json_errors es = {g_items, 4, 0, 0};
            if (!tg_json_simd_set(names[l]))
                abort();
            tg_json_reader_init(r, docs[i].doc, docs[i].n, NULL, &es);
            CHECKF(tg_json_skip_indexed_(r, r->cur) && r->cur == docs[i].doc + docs[i].n,
                   "%s: the indexed walk did not take good document %zu whole", names[l], i);
        }
}

/* Whether the walk takes the value doc[0..stop) of the input doc[0..n)
 * whole at every SIMD level. */
static bool walk_takes(const char *doc, size_t n, size_t stop)
{
    for (int l = 1; l < nlevels; l++) {
        tg_json_reader *r = &g_reader;
        tg_json_errors es = {g_items, 4, 0, 0};
        if (!tg_json_simd_set(names[l]))
            abort();
        tg_json_reader_init(r, doc, n, NULL, &es);
        if (!tg_json_skip_indexed_(r, r->cur) || r->cur != doc + stop)
            return false;
    }
    return true;
}

/* Numbers of 1 to ~40 characters, good and bad, against the walk's
 * 16-byte window (number_window): head, digits, fraction and tail spelled
 * every way, before every kind of byte; the walk must read them as the
 * scalar skipper does and take the good ones that fit whole.  The window
 * needs 16 bytes from the number's start and at most 8 spaces follow
 * here, so a number reaches it only when it and its tail are 8 bytes or
 * more: shorter ones are test_short_numbers'. */
static void test_numbers(void)
{
    static const char *const heads[] = {"", "-", "0", "-0", "00", "-00", "01", "1", "9", "-9",
                                        "--", "+", ".", "-."};
    static const char *const mids[] = {"", ".", ".5", "5.", "..", ".e", "e", "E5", "e+", "e-1",
                                       "x", "-", "0"};
    static const char *const tails[] = {"]", ",1]", " ]", "\n]", "}", ":1]", "\"\"]", "a]",
                                        ".]", "e]", "-]", "+]", "\x01]", "\xc3\xa9]"};
    static const char digits[] = "12345678901234567890";
    char doc[128];
    for (size_t h = 0; h < sizeof heads / sizeof *heads; h++)
        for (int d = 0; d <= 18; d++)
            for (size_t m = 0; m < sizeof mids / sizeof *mids; m++)
                for (int f = 0; f <= 17; f += (f < 3 || f > 12) ? 1 : 4)
                    for (size_t t = 0; t < sizeof tails / sizeof *tails; t++)
                        for (int pad = 0; pad <= 1; pad++) {
                            int k = snprintf(doc, sizeof doc, "[%s%s%.*s%s%.*s%s%s",
                                             pad ? "1, " : "", heads[h], d, digits, mids[m],
                                             f, digits, tails[t], pad ? "" : "        ");
                            size_t n = (size_t)k - (pad ? 0 : 8); /* pad 0: input ends soon */
                            bool good = m == 1 ? f > 0 : (m == 0 && f == 0) || m == 2;
                            if (!reads_same(doc, n, __LINE__) || !reads_same(doc, (size_t)k, __LINE__)) {
                                fprintf(stderr, "  number document: %.*s\n", k, doc);
                                return;
                            }
                            /* the plain good ones (no exponent, fits the window, one
                             * valid terminator) the walk must take itself: an integer
                             * part of "" or "-" then digits (which start with '1'),
                             * "1", "9" or "-9" then digits, or "0" or "-0" alone */
                            good = good && t < 4 && (h == 0 || h == 1 ? d > 0
                                                                      : h == 7 || h == 8 || h == 9 ||
                                                                        ((h == 2 || h == 3) && d == 0));
                            if (good)
                                CHECKF(walk_takes(doc, (size_t)k, n), "the walk doubted %.*s", k, doc);
                        }
}

/* Whether every level reads doc[0..n) (a heap copy) as expected: good
 * (skipped whole, no error) when code is TG_JSON_OK, else that first
 * error at offset: an absolute check, for what every level would get
 * wrong alike (put_key and the token-by-token skipper are shared). */
static void expect_read(const char *doc, size_t n, tg_json_code code, size_t offset, int line)
{
    char *copy = malloc(n ? n : 1);
    outcome o;
    if (!copy)
        abort();
    memcpy(copy, doc, n);
    for (int l = 0; l < nlevels; l++) {
        read_at(l, copy, n, &o);
        compared++;
        if (code == TG_JSON_OK ? !o.skip_ok || !o.ok || o.count != 0
                               : o.skip_ok || o.count == 0 || o.first.code != code ||
                                     o.first.offset != offset)
            check_fail(__FILE__, line, "%s: skip %d, %zu errors, code %d at %zu \"%s\"; "
                       "expected code %d at %zu (length %zu)", names[l], o.skip_ok, o.count,
                       (int)o.first.code, o.first.offset, o.reason, (int)code, offset, n);
        else
            check_pass(1);
    }
    free(copy);
}

/* Numbers of 1 to 8 characters, good and bad, with 16 bytes or more after
 * them (in the middle of long arrays and objects: the walk reads them by
 * number_window) and near the end of the input (fewer than 16: by
 * number_end), at offsets 0..17 in their document, before good and bad
 * bytes: read as the scalar skipper reads them, and the good ones in good
 * documents taken whole by the walk. */
static void test_short_numbers(void)
{
    static const struct {
        const char *s;
        bool good;
    } nums[] = {{"0", true},      {"-0", true},    {"1", true},     {"-1", true},
                {"9", true},      {"10", true},    {"-10", true},   {"0.5", true},
                {"-0.5", true},   {"1.5", true},   {"12.25", true}, {"123456", true},
                {"-12345", true}, {"1e5", true},   {"1E+2", true},  {"-0e-0", true},
                {"0.0", true},    {"1.5e3", true}, {"-", false},    {"01", false},
                {"-01", false},   {"1.", false},   {"1e", false},   {"1e+", false},
                {"1.5e+", false}, {".5", false},   {"-.5", false},  {"00", false},
                {"-00", false},   {"+1", false},   {"--1", false},  {"1.e5", false},
                {"0x1", false},   {"1..2", false}, {"-a", false},   {"0-", false},
                {"-.", false},    {"1.5.", false}};
    /* '@' the padding (spaces), '#' the number; good: a good document
     * when the number is */
    static const struct {
        const char *t;
        bool good;
    } docs[] = {
        {"[@#,\"0123456789abcdef\",12345678]", true},
        {"[@# ,\"0123456789abcdef\",12345678]", true},
        {"[@#\n,\"0123456789abcdef\",12345678]", true},
        {"[@[#],\"0123456789abcdef\",12345678]", true},
        {"[@[#,2],\"0123456789abcdef\"]", true},
        {"{\"k\":@#,\"0123456789abcdef\":12345678}", true},
        {"{\"k\":@#}                    ", true},
        {"[1.5,-2,@#\t,{\"a\":[0,-1]},\"0123456789abcdef\"]", true},
        {"[@#x,\"0123456789abcdef\",12345678]", false},
        {"[@#.,\"0123456789abcdef\",12345678]", false},
        {"[@#e,\"0123456789abcdef\",12345678]", false},
        {"[@#-1,\"0123456789abcdef\",12345678]", false},
        {"[@#0,\"0123456789abcdef\",12345678]", false},
        {"[@#\"0123456789abcdef\",12345678]", false},
        {"[@#:1,\"0123456789abcdef\",12345678]", false},
        {"[@#\x01,\"0123456789abcdef\",12345678]", false},
        {"[@#\xc3\xa9,\"0123456789abcdef\",12345678]", false},
        {"{\"k\":@#:\"0123456789abcdef\"}", false},
        /* near the end: the number then 0..17 spaces of input */
        {"[1, @#]", true},
        {"{\"a\":1,\"b\":@#}", true},
        {"[1, @#", false},
        {"[1, @#,", false}};
    char doc[160];
    for (size_t i = 0; i < sizeof nums / sizeof *nums; i++)
        for (size_t t = 0; t < sizeof docs / sizeof *docs; t++)
            for (int pad = 0; pad <= 17; pad++)
                for (int trail = 0; trail <= 17; trail += (t >= 18 ? 1 : 17)) {
                    size_t n = 0, stop;
                    for (const char *c = docs[t].t; *c; c++) {
                        if (*c == '@') {
                            memset(doc + n, ' ', (size_t)pad);
                            n += (size_t)pad;
                        } else if (*c == '#') {
                            memcpy(doc + n, nums[i].s, strlen(nums[i].s));
                            n += strlen(nums[i].s);
                        } else {
                            doc[n++] = *c;
                        }
                    }
                    stop = n;
                    memset(doc + n, ' ', (size_t)trail);
                    n += (size_t)trail;
                    if (!reads_same(doc, n, __LINE__) || !reads_same(doc, stop, __LINE__)) {
                        fprintf(stderr, "  number document: %.*s\n", (int)n, doc);
                        return;
                    }
                    if (nums[i].good && docs[t].good) {
                        while (stop > 0 && doc[stop - 1] == ' ')
                            stop--; /* the value ends before trailing spaces */
                        CHECKF(walk_takes(doc, n, stop), "the walk doubted %.*s", (int)n, doc);
                        expect_read(doc, n, TG_JSON_OK, 0, __LINE__);
                    }
                }
}

/* Duplicate keys in small objects (the walk's signature path) and across
 * levels: a key set from a small alphabet (so duplicates and signature
 * collisions are common), with a nested object between the keys, at every
 * size up to past TG_JSON_LINEAR_KEYS (the alphabet has 16 names, so every
 * object past it has a duplicate: good hashed objects are test_big_keys'). */
static void test_keys(void)
{
    static const char *const alphabet[] = {"a", "b", "ab", "ba", "", "aa", "id", "di", "x1",
                                           "1x", "k", "kk", "name", "nema", "\\u0061", "a\\n"};
    static char doc[4096];
    for (int round = 0; round < 4000; round++) {
        size_t n = 0;
        int keys = 1 + (int)(rnd() % 20), dup = 0;
        bool used[16] = {false};
        n += (size_t)snprintf(doc + n, sizeof doc - n, "[{");
        for (int i = 0; i < keys; i++) {
            size_t a = (size_t)(rnd() % 16);
            if (used[a])
                dup = 1;
            used[a] = true;
            n += (size_t)snprintf(doc + n, sizeof doc - n, "%s\"%s\":", i ? "," : "", alphabet[a]);
            if (rnd() % 4 == 0) /* a nested object: its keys are its own */
                n += (size_t)snprintf(doc + n, sizeof doc - n, "{\"%s\":[{\"%s\":0}],\"a\":1}",
                                      alphabet[1 + rnd() % 13], alphabet[a]); /* not "a" */
            else
                n += (size_t)snprintf(doc + n, sizeof doc - n, "%d", i);
        }
        n += (size_t)snprintf(doc + n, sizeof doc - n, "},1]");
        reads_same(doc, n, __LINE__);
        /* "\u0061" is "a" decoded, "a\n" is not "a" */
        if (used[14] && used[0])
            dup = 1;
        if (!dup && !used[14] && !used[15])
            CHECKF(walk_takes(doc, n, n), "the walk doubted %.*s", (int)n, doc);
    }
}

/* The size past which an object's keys are hashed (tg_json_read.c;
 * internal, so restated here). */
#define LINEAR_KEYS 16

/* One key spelling of 40: "k<i>" written several ways (plain, short and
 * long, an escape-free unicode one, and ones whose length and first and
 * last bytes are alike, so that their signature bits collide). */
static int key_name(char *out, size_t cap, int i)
{
    switch (i % 5) {
    case 0: return snprintf(out, cap, "k%d", i);
    case 1: return snprintf(out, cap, "a%03dz", i); /* one signature bit for all */
    case 2: return snprintf(out, cap, "long_member_name_%d_of_the_object", i);
    case 3: return snprintf(out, cap, "\xc3\xa9t\xc3\xa9_%d", i);
    default: return snprintf(out, cap, "%d", i);
    }
}

/* {"<key 0>":v,...} of the keys[0..nk) (indices into key_name) into doc at
 * *n; the value of member j a number, or an object of the same key names
 * when j == nested (its own level: no duplicates with the outer one) of
 * the first 24 keys.  *dup_at, when SIZE_MAX, gets the offset of the
 * opening quote of the first key, in document order, equal to an earlier
 * one of its object. */
static void put_object(char *doc, size_t cap, size_t *n, const int *keys, int nk, int nested,
                       size_t *dup_at)
{
    char name[64];
    *n += (size_t)snprintf(doc + *n, cap - *n, "{");
    for (int j = 0; j < nk; j++) {
        key_name(name, sizeof name, keys[j]);
        if (*dup_at == SIZE_MAX)
            for (int i = 0; i < j; i++)
                if (keys[i] == keys[j])
                    *dup_at = *n + (j ? 1u : 0u);
        *n += (size_t)snprintf(doc + *n, cap - *n, "%s\"%s\":", j ? "," : "", name);
        if (j == nested) {
            /* (its duplicate, if any, comes first in the document) */
            put_object(doc, cap, n, keys, nk < 24 ? nk : 24, -1, dup_at);
        } else {
            *n += (size_t)snprintf(doc + *n, cap - *n, "%d", j);
        }
    }
    *n += (size_t)snprintf(doc + *n, cap - *n, "}");
}

/* Objects of more keys than LINEAR_KEYS (hashed: put_plain_key leaves their
 * keys to put_key_cold, hash_level indexes the first ones): good, at every
 * size from LINEAR_KEYS - 1 to 3 * LINEAR_KEYS, one after another of the
 * same keys (each level's table gone when it closes), nested in one
 * another, and with one duplicate, of an early key far after it, of two
 * late keys, or spelled with an escape.  Each read at every level as the
 * scalar level reads it, good ones taken whole by the walk, and every
 * verdict checked (a duplicate found where it is, and nowhere else). */
static void test_big_keys(void)
{
    static char doc[16384];
    int keys[64];
    for (int nk = LINEAR_KEYS - 1; nk <= 3 * LINEAR_KEYS; nk++)
        for (int shape = 0; shape < 4; shape++) {
            size_t n = 0, dup = SIZE_MAX;
            for (int j = 0; j < nk; j++)
                keys[j] = (j * 7 + shape) % 53; /* distinct: 7 is prime to 53 */
            n += (size_t)snprintf(doc + n, sizeof doc - n, "[");
            put_object(doc, sizeof doc, &n, keys, nk, shape == 1 ? nk / 2 : -1, &dup);
            if (shape >= 2) { /* a second object of the same keys */
                n += (size_t)snprintf(doc + n, sizeof doc - n, ",");
                put_object(doc, sizeof doc, &n, keys, nk, shape == 3 ? 0 : -1, &dup);
            }
            n += (size_t)snprintf(doc + n, sizeof doc - n, ",1]");
            reads_same(doc, n, __LINE__);
            CHECKF(dup == SIZE_MAX, "the generator made a duplicate (%d keys)", nk);
            CHECKF(walk_takes(doc, n, n), "the walk doubted %d keys, shape %d: %.*s", nk,
                   shape, (int)n, doc);
            expect_read(doc, n, TG_JSON_OK, 0, __LINE__);
        }
    /* one duplicate: key a again at position b (a < b) */
    static const int pairs[][2] = {{0, 17},  {0, 40},  {1, 16},  {3, 20},  {15, 16},
                                   {16, 17}, {17, 30}, {0, 16},  {10, 45}, {2, 33}};
    for (size_t p = 0; p < sizeof pairs / sizeof *pairs; p++)
        for (int extra = 0; extra <= 4; extra += 4) {
            int nk = pairs[p][1] + 1 + extra;
            size_t n = 0, dup = SIZE_MAX;
            for (int j = 0; j < nk; j++)
                keys[j] = j;
            keys[pairs[p][1]] = pairs[p][0];
            n += (size_t)snprintf(doc + n, sizeof doc - n, "[2,{\"x\":{");
            for (int j = 0; j < 20; j++) /* a big object closed before */
                n += (size_t)snprintf(doc + n, sizeof doc - n, "%s\"k%d\":1", j ? "," : "", j);
            n += (size_t)snprintf(doc + n, sizeof doc - n, "},\"y\":");
            put_object(doc, sizeof doc, &n, keys, nk, extra ? 2 : -1, &dup);
            n += (size_t)snprintf(doc + n, sizeof doc - n, "}]");
            reads_same(doc, n, __LINE__);
            CHECKF(dup != SIZE_MAX, "the generator made no duplicate");
            expect_read(doc, n, TG_JSON_E_DUPLICATE, dup, __LINE__);
        }
    /* the duplicate spelled with an escape: "k\u0030" is "k0" (key 0) */
    for (int at = LINEAR_KEYS - 2; at <= 2 * LINEAR_KEYS; at++) {
        size_t n = 0, dup = 0;
        n += (size_t)snprintf(doc + n, sizeof doc - n, "[{");
        for (int j = 0; j < at; j++)
            n += (size_t)snprintf(doc + n, sizeof doc - n, "\"k%d\":%d,", j, j);
        dup = n;
        n += (size_t)snprintf(doc + n, sizeof doc - n, "\"k\\u0030\":0}]");
        reads_same(doc, n, __LINE__);
        expect_read(doc, n, TG_JSON_E_DUPLICATE, dup, __LINE__);
        doc[dup + 7] = '1'; /* "k\u0031": k1, a duplicate too */
        reads_same(doc, n, __LINE__);
        expect_read(doc, n, TG_JSON_E_DUPLICATE, dup, __LINE__);
        doc[dup + 7] = '9'; /* "k\u0039": k9, a duplicate while at > 9 */
        reads_same(doc, n, __LINE__);
    }
    /* random: 17 to 60 distinct keys (of 200 spellings), nested objects,
     * and half of them with one duplicate */
    for (int round = 0; round < 400; round++) {
        size_t n = 0, dup = SIZE_MAX;
        int nk = LINEAR_KEYS + 1 + (int)(rnd() % 44), want_dup = round & 1;
        for (int j = 0; j < nk; j++) {
            bool again;
            do {
                keys[j] = (int)(rnd() % 200);
                again = false;
                for (int i = 0; i < j; i++)
                    again = again || keys[i] == keys[j];
            } while (again);
        }
        if (want_dup) {
            int b = 1 + (int)(rnd() % (uint64_t)(nk - 1));
            keys[b] = keys[rnd() % (uint64_t)b];
        }
        n += (size_t)snprintf(doc + n, sizeof doc - n, "{\"r\":");
        put_object(doc, sizeof doc, &n, keys, nk, (int)(rnd() % (uint64_t)(nk + 4)), &dup);
        n += (size_t)snprintf(doc + n, sizeof doc - n, "}");
        reads_same(doc, n, __LINE__);
        if (want_dup) {
            expect_read(doc, n, TG_JSON_E_DUPLICATE, dup, __LINE__);
        } else {
            CHECKF(walk_takes(doc, n, n), "the walk doubted %.*s", (int)n, doc);
            expect_read(doc, n, TG_JSON_OK, 0, __LINE__);
        }
    }
}

/* ---- random documents --------------------------------------------------------- */

static char *g_out;
static size_t g_len, g_cap;

static void put(const char *s, size_t n)
{
    if (g_len + n <= g_cap) {
        memcpy(g_out + g_len, s, n);
        g_len += n;
    }
}
static void puts_(const char *s) { put(s, strlen(s)); }

static void random_ws(void)
{
    static const char *const ws[] = {"", "", "", " ", "\n  ", "\t", "\r\n"};
    puts_(ws[rnd() % 7]);
}

static void random_string(void)
{
    static const char *const parts[] = {
        "a", "hello", " ", "\\\"", "\\\\", "\\n", "\\u00e9", "\\ud83d\\ude00", "\\/",
        "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "{}[],:", "0123456789abcdef0123456789"};
    int k = (int)(rnd() % 6);
    puts_("\"");
    while (k--)
        puts_(parts[rnd() % (sizeof parts / sizeof *parts)]);
    puts_("\"");
}

static void random_value(int depth)
{
    static const char *const atoms[] = {"0", "-1", "12.5", "1e10", "-0.25E-3", "true", "false",
                                        "null", "123456789012345678901234567890"};
    int kind = (int)(rnd() % (depth > 6 ? 3 : 5));
    random_ws();
    if (kind == 0) {
        puts_(atoms[rnd() % (sizeof atoms / sizeof *atoms)]);
    } else if (kind <= 2) {
        random_string();
    } else {
        bool object = kind == 3;
        int n = (int)(rnd() % 6);
        puts_(object ? "{" : "[");
        for (int i = 0; i < n; i++) {
            if (i)
                puts_(",");
            if (object) {
                char key[16];
                random_ws();
                snprintf(key, sizeof key, "\"k%d\"", (int)(rnd() % (uint64_t)(n + 3)) + i * 10);
                puts_(key);
                random_ws();
                puts_(":");
            }
            random_value(depth + 1);
        }
        random_ws();
        puts_(object ? "}" : "]");
    }
    random_ws();
}

static void test_random(void)
{
    static char buf[8192];
    g_out = buf;
    g_cap = sizeof buf;
    for (int i = 0; i < 3000; i++) {
        g_len = 0;
        puts_("{\"r\":");
        random_value(0);
        puts_("}");
        reads_same(buf, g_len, __LINE__);
        index_same(buf, g_len, __LINE__);
        for (int m = 0; m < 8; m++) { /* mutated copies */
            char save;
            size_t at = (size_t)(rnd() % g_len);
            save = buf[at];
            buf[at] = (char)(rnd() & 0xFF);
            reads_same(buf, g_len, __LINE__);
            index_same(buf, g_len, __LINE__);
            buf[at] = save;
        }
    }
    for (int i = 0; i < 20000; i++) { /* random bytes, mostly structure */
        static const char alphabet[] = "{}[],:\"\\ \n0-9.eEtrufalsn\x01\x80\xc3\xa9\xe2\xf0\xff";
        size_t n = 1 + (size_t)(rnd() % 150);
        for (size_t j = 0; j < n; j++)
            buf[j] = alphabet[rnd() % (sizeof alphabet - 1)];
        buf[0] = (char)(rnd() & 1 ? '{' : '[');
        reads_same(buf, n, __LINE__);
        index_same(buf, n, __LINE__);
    }
}

/* Deep nesting and many keys: the limits come from the slow path too. */
static void test_limits(void)
{
    static char buf[2 * TG_JSON_MAX_DEPTH + 64];
    static char keys[(TG_JSON_MAX_KEYS + 8) * 12];
    size_t n = 0;
    for (int d = TG_JSON_MAX_DEPTH - 2; d <= TG_JSON_MAX_DEPTH + 2; d++) {
        memset(buf, '[', (size_t)d);
        memset(buf + d, ']', (size_t)d);
        reads_same(buf, 2 * (size_t)d, __LINE__);
    }
    for (int total = TG_JSON_MAX_KEYS - 2; total <= TG_JSON_MAX_KEYS + 1; total++) {
        n = 0;
        keys[n++] = '{';
        for (int i = 0; i < total; i++)
            n += (size_t)snprintf(keys + n, sizeof keys - n, "%s\"%d\":1", i ? "," : "", i);
        keys[n++] = '}';
        reads_same(keys, n, __LINE__);
    }
    /* A small object opened when the table is nearly full (the walk's
     * plain-key path must leave its keys to put_key: the limit, then a
     * duplicate, found where the scalar skipper finds them). */
    for (int outer = TG_JSON_MAX_KEYS - 24; outer <= TG_JSON_MAX_KEYS - 1; outer++)
        for (int dup = 0; dup <= 1; dup++) {
            n = 0;
            keys[n++] = '{';
            for (int i = 0; i < outer; i++)
                n += (size_t)snprintf(keys + n, sizeof keys - n, "\"%d\":1,", i);
            n += (size_t)snprintf(keys + n, sizeof keys - n, "\"in\":{");
            for (int i = 0; i < 6; i++)
                n += (size_t)snprintf(keys + n, sizeof keys - n, "%s\"a%d\":1", i ? "," : "",
                                      dup && i == 5 ? 2 : i);
            n += (size_t)snprintf(keys + n, sizeof keys - n, "}}");
            reads_same(keys, n, __LINE__);
        }
    /* A duplicate in a big (hashed) object, and one spelled with an escape. */
    n = 0;
    keys[n++] = '{';
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(keys + n, sizeof keys - n, "%s\"k%d\":1", i ? "," : "", i);
    n += (size_t)snprintf(keys + n, sizeof keys - n, ",\"k\\u00317\":2}");
    reads_same(keys, n, __LINE__);
}

int main(void)
{
    nlevels = tg_simd_has(TG_SIMD_AVX2) ? 3 : tg_simd_has(TG_SIMD_SSE2) ? 2 : 1;
    printf("levels compared: %d\n", nlevels);
    if (nlevels < 3)
        printf("note: this CPU has no AVX2: the avx2 skipper is not compared here\n");
    if (nlevels < 2) {
        printf("note: no SIMD level on this CPU: the skipper has only its scalar path\n");
        return check_done();
    }
    test_edges();
    test_cut_at_block_edge();
    test_walk_taken();
    test_numbers();
    test_short_numbers();
    test_keys();
    test_big_keys();
    test_edits(doc_nested, sizeof doc_nested - 1);
    test_edits(doc_keys, sizeof doc_keys - 1);
    test_edits(doc_pretty, sizeof doc_pretty - 1);
    test_random();
    test_limits();
    printf("%lu comparisons, %lu documents skipped whole without an error\n", compared,
           fast_ok);
    CHECKF(fast_ok > 1000, "only %lu good documents: the generators are broken", fast_ok);
    return check_done();
}
