/*
 * tg_json_read.c: the strict RFC 8259 reader generated decoders drive.
 *
 * The reader is a cursor, not a parser with a tree: generated code asks for
 * "an object", "the next key", "an int64 in [min, max]" and the reader checks
 * the grammar as it goes.  Nesting is a fixed stack in the reader (no
 * recursion, TG_JSON_MAX_DEPTH levels), so hostile input cannot exhaust the C
 * stack.  Nothing here allocates: strings without escapes are views into the
 * input, the rest goes into the caller's arena.
 *
 * Duplicate keys are found with a fixed table in the reader: every key of
 * every open object (but the schema members generated readers track with
 * seen bits) is an entry (pointer, length, hash) in keys[].  Objects of up
 * to 16 keys are checked by comparing the key with their entries; bigger
 * ones hash their entries and index them in slots[], an open-addressing (linear
 * probing) hash table, at most half full.  A level's entries are pushed as
 * its keys are read and popped, in reverse order, when the object ends;
 * undoing linear-probing inserts in reverse order restores the table
 * exactly, so no tombstones are needed.  Expected cost is O(1) per key; the
 * worst case (all hashes equal) is O(TG_JSON_MAX_KEYS) per key, so the whole
 * input costs at most O(n * TG_JSON_MAX_KEYS).  More than TG_JSON_MAX_KEYS keys open at once is
 * TG_JSON_E_LIMIT.  Entries and path segments point at keys as written in
 * the input; a key with escapes is compared, hashed and shown by decoding it
 * as it is read (tg_text_unescaper), so its spelling changes no limit: keys
 * as Python's json.dumps writes them (\uXXXX for every non-ASCII character)
 * are accepted whenever the raw UTF-8 would be.  The decoded copy callers get
 * goes into the arena (tg_json_object_next) or the reader's one-key scratch
 * (tg_json_object_next_known: only matched against the schema's names).
 *
 * Workload: small to medium messages (hundreds of bytes to a few MB), mostly
 * ASCII, compact or pretty-printed.  Strings are scanned 16 bytes at a time
 * (SSE2; 8 with 64-bit words elsewhere).  The common case has short cuts
 * that change no result: a member the generated reader expects next is
 * compared byte for byte instead of scanned (tg_json_object_next_known),
 * a plain ASCII string is found by one pass, a string with escapes is
 * decoded in the pass that validates it (into the arena's free end, then
 * exactly that much allocated; without bound checks, decode_roomy, only
 * when the free end holds the whole rest of the input, which no decoded
 * string can outgrow), an integer of up to 18 digits
 * is checked and converted in one loop, and the skipper (free-form `json`
 * fields, unknown members) steps over plain keys, ',' and closing brackets
 * itself, leaving all else to the general calls.  At the sse2 and avx2
 * levels an object or array is skipped by a walk over its structural index
 * (tg_json_skip_indexed_, tg_json_skip_int.h) instead, where a key
 * without escapes whose signature bit its small object has not seen yet is
 * recorded without a compare (put_plain_key; no earlier key can equal it);
 * any doubt sends it back to the token-by-token skipper, which alone
 * reports errors.  docs/benchmarks.md
 * has the log.
 */
#include "tg_arena_int.h"
#include "tg_json.h"
#include "tg_json_skip_int.h"
#include "tg_simd_int.h"
#include "tg_text_int.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

_Static_assert(TG_JSON_MAX_DEPTH >= 1 && TG_JSON_MAX_DEPTH <= 65535, "TG_JSON_MAX_DEPTH");
_Static_assert(TG_JSON_MAX_KEYS >= 8 && TG_JSON_MAX_KEYS <= 32768 &&
                   (TG_JSON_MAX_KEYS & (TG_JSON_MAX_KEYS - 1)) == 0,
               "TG_JSON_MAX_KEYS must be a power of two in [8, 32768]");

#define LV_OBJECT 1u  /* path[].flags: the level is an object             */
#define LV_STARTED 2u /* path[].flags: a member/element has been read     */
#define LV_HASHED 4u  /* path[].flags: the level's keys are in slots[]     */

/* Out of the hot paths' way: no inlining, so that their callers keep few
 * registers to save (keys with escapes, errors, big objects are rare). */
#if defined(__GNUC__) || defined(__clang__)
#define TG_COLD __attribute__((noinline, cold))
#else
#define TG_COLD
#endif

/* Objects with up to this many keys are checked for duplicates by a scan. */
#define TG_JSON_LINEAR_KEYS 16

/* ---- small helpers ---------------------------------------------------- */

#define ONES ((uint64_t)0x0101010101010101u)

/* JSON's whitespace (RFC 8259 section 2). */
static inline bool is_ws(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

static const char *skip_ws_slow(const char *p, const char *end)
{
    for (;;) {
        /* Runs of indentation, 8 at a time. */
        while (end - p >= 8) {
            uint64_t v;
            memcpy(&v, p, 8);
            if (v != ONES * ' ')
                break;
            p += 8;
        }
        if (p == end)
            return p;
        if (!is_ws(*p))
            return p;
        p++;
    }
}

static inline const char *skip_ws(const char *p, const char *end)
{
    if (p < end && (unsigned char)*p > ' ')
        return p;
    /* One space, as after Python's default ", " and ": " separators. */
    if (end - p >= 2 && *p == ' ' && (unsigned char)p[1] > ' ')
        return p + 1;
    return skip_ws_slow(p, end);
}

static inline size_t off(const tg_json_reader *r, const char *p) { return (size_t)(p - r->begin); }

/* "'x'", "byte 0xC0" or "end of input", for messages. */
static const char *describe(const tg_json_reader *r, const char *p, char buf[16])
{
    if (p >= r->end)
        return "end of input";
    if ((unsigned char)*p >= 0x21 && (unsigned char)*p < 0x7F)
        snprintf(buf, 16, "'%c'", *p);
    else
        snprintf(buf, 16, "byte 0x%02X", (unsigned)(unsigned char)*p);
    return buf;
}

/* Record a fatal error at p: every later call fails at once. */
static bool fail(tg_json_reader *r, const char *p, tg_json_code code, const char *fmt, ...)
    TG_JSON_PRINTF_(4, 5);
static bool fail(tg_json_reader *r, const char *p, tg_json_code code, const char *fmt, ...)
{
    va_list ap;
    if (r->fatal)
        return false;
    va_start(ap, fmt);
    tg_json_error_v(r, off(r, p), code, NULL, fmt, ap);
    va_end(ap);
    r->fatal = true;
    return false;
}

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* p is where a value should start and does not: say why. */
static bool fail_value(tg_json_reader *r, const char *p)
{
    char b[16];
    if (p >= r->end)
        return fail(r, p, TG_JSON_E_SYNTAX, "unexpected end of input");
    if (*p == '/')
        return fail(r, p, TG_JSON_E_SYNTAX, "comments are not allowed in JSON");
    if (is_alnum(*p)) {
        int n = 0;
        while (p + n < r->end && n < 16 && is_alnum(p[n]))
            n++;
        return fail(r, p, TG_JSON_E_SYNTAX, "invalid literal '%.*s'", n, p);
    }
    return fail(r, p, TG_JSON_E_SYNTAX, "expected value, got %s", describe(r, p, b));
}

/* The JSON type a value starting at p has, or NULL when none does. */
static const char *value_type(const tg_json_reader *r, const char *p)
{
    if (p >= r->end)
        return NULL;
    switch (*p) {
    case '{': return "object";
    case '[': return "array";
    case '"': return "string";
    case 't': case 'f': return "boolean";
    case 'n': return "null";
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9': return "number";
    default: return NULL;
    }
}

static bool literal(tg_json_reader *r, const char *p, const char *lit, size_t n)
{
    if ((size_t)(r->end - p) >= n && memcmp(p, lit, n) == 0 &&
        (p + n == r->end || !is_alnum(p[n]))) {
        r->cur = p + n;
        return true;
    }
    return fail_value(r, p);
}

static size_t utf8_len(unsigned cp) { return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; }

/* ---- strings ------------------------------------------------------------ */

/* One escape at p ('\\'); returns the bytes it spans (2, 6 or 12) and the
 * code point, or 0 after recording the error. */
static size_t escape(tg_json_reader *r, const char *p, unsigned *cp)
{
    tg_text_escape_fault fault;
    size_t span = tg_text_escape(p, r->end, cp, &fault);

    if (span)
        return span;
    switch (fault) {
    case TG_TEXT_ESC_SHORT: return fail(r, p, TG_JSON_E_SYNTAX, "unterminated string"), 0;
    case TG_TEXT_ESC_LETTER:
        if ((unsigned char)p[1] >= 0x21 && (unsigned char)p[1] < 0x7F)
            return fail(r, p, TG_JSON_E_SYNTAX, "invalid escape '\\%c'", p[1]), 0;
        return fail(r, p, TG_JSON_E_SYNTAX, "invalid escape: '\\' before byte 0x%02X",
                    (unsigned)(unsigned char)p[1]), 0;
    case TG_TEXT_ESC_HEX:
        return fail(r, p, TG_JSON_E_SYNTAX, "invalid \\u escape (expected 4 hex digits)"), 0;
    case TG_TEXT_ESC_SURROGATE: break;
    }
    return fail(r, p, TG_JSON_E_UTF8, "lone surrogate \\u%.4s", p + 2), 0;
}

/* The first byte at or after p, inside a string body, that is '"', '\\',
 * < 0x20 or starts invalid UTF-8 (or end).  With SSE2 (the x86-64
 * baseline, at every level) plain ASCII is stepped over inline, 16 bytes at
 * a time, and so are the last bytes of the input; the level's kernel
 * (tg_simd.c) takes over at the first other byte, so that ASCII strings,
 * most of them short, take no call. */
static inline const char *string_run(const char *p, const char *end)
{
#if defined(__SSE2__)
    while (end - p >= 16) {
        unsigned m = tg_text_special_mask16(_mm_loadu_si128((const __m128i *)(const void *)p));
        if (m) {
            p += __builtin_ctz(m);
            if ((unsigned char)*p < 0x80)
                return p;
            return tg_simd_string_run(p, end);
        }
        p += 16;
    }
    while (p < end && (unsigned char)*p >= 0x20 && (unsigned char)*p < 0x80 && *p != '"' &&
           *p != '\\')
        p++;
    if (p == end || (unsigned char)*p < 0x80)
        return p;
#endif
    return tg_simd_string_run(p, end);
}

/* From p, inside a string body, to the next byte that is '"', '\\', < 0x20
 * or starts invalid UTF-8 (as string_run), copying the bytes stepped over
 * to out + *w while they fit in out[0..room); *w grows by their count
 * whether they fit or not.  Plain ASCII is copied 16 bytes per step with
 * the same SSE2 load that scans it (bytes past the stop may be written,
 * inside room only: they are overwritten or never handed out); other text
 * goes through the level's kernel, then one memcpy. */
static inline const char *copy_run(const char *p, const char *end, char *out, size_t room,
                                   size_t *w)
{
    const char *s;
    size_t n;
#if defined(__SSE2__)
    while (out && end - p >= 16 && *w + 16 <= room) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned m = tg_text_special_mask16(v);
        _mm_storeu_si128((__m128i *)(void *)(out + *w), v);
        if (m) {
            unsigned k = (unsigned)__builtin_ctz(m);
            p += k;
            *w += k;
            if ((unsigned char)*p < 0x80)
                return p;
            break;
        }
        p += 16;
        *w += 16;
    }
#endif
    s = string_run(p, end);
    n = (size_t)(s - p);
    if (out && n && *w <= room && n <= room - *w)
        memcpy(out + *w, p, n);
    *w += n;
    return s;
}

/* Copy the plain bytes [p, e) (scanned already, e <= end) to out when they
 * fit in out[0..room): 16 bytes per step while the input and room last
 * (bytes past e may be written, inside room), then a memcpy of the rest. */
static inline void copy_plain(const char *p, const char *e, const char *end, char *out,
                              size_t room)
{
    size_t n = (size_t)(e - p), i = 0;
    if (!out || n == 0 || n > room)
        return;
#if defined(__SSE2__)
    for (; i < n && end - (p + i) >= 16 && room - i >= 16; i += 16)
        _mm_storeu_si128((__m128i *)(void *)(out + i),
                         _mm_loadu_si128((const __m128i *)(const void *)(p + i)));
    if (i >= n)
        return;
#else
    (void)end;
#endif
    memcpy(out + i, p + i, n - i);
}

/* Finish validating the string whose opening quote is at q; p is where a
 * string run stopped (everything before it plain, no escapes).  Returns the
 * byte after the closing quote (NULL on error), the unescaped length and
 * whether there were escapes.  The decoded text is written to out[0..room)
 * in the same pass when it fits (*declen <= room; out may be NULL with
 * room 0: validate only). */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline))
#endif
static inline const char *scan_string(tg_json_reader *r, const char *q, const char *p, char *out,
                                      size_t room, size_t *declen, bool *escaped)
{
    const char *end = r->end;
    size_t w = (size_t)(p - q - 1);
    bool esc = false;

    copy_plain(q + 1, p, end, out, room);
    for (;;) {
        unsigned char c;
        if (p == end)
            return fail(r, q, TG_JSON_E_SYNTAX, "unterminated string"), (const char *)NULL;
        c = (unsigned char)*p;
        if (c == '"') {
            *declen = w;
            *escaped = esc;
            return p + 1;
        } else if (c == '\\' && end - p >= 2 && tg_text_short_escape_[(unsigned char)p[1]]) {
            if (out && w < room)
                out[w] = tg_text_short_escape_[(unsigned char)p[1]];
            w++;
            esc = true;
            p = copy_run(p + 2, end, out, room, &w);
        } else if (c == '\\') {
            unsigned cp;
            size_t n = escape(r, p, &cp), k;
            if (n == 0)
                return NULL;
            k = utf8_len(cp);
            if (out && w <= room && k <= room - w)
                tg_text_utf8_put(cp, out + w);
            w += k;
            esc = true;
            p = copy_run(p + n, end, out, room, &w);
        } else if (c < 0x20) {
            return fail(r, p, TG_JSON_E_SYNTAX, "unescaped control character 0x%02X in string",
                        (unsigned)c), (const char *)NULL;
        } else {
            return fail(r, p, TG_JSON_E_UTF8, "invalid UTF-8 byte 0x%02X", (unsigned)c),
                   (const char *)NULL;
        }
    }
}

/* scan_string without a copy, out of line (keys and skipped values). */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static const char *check_string(tg_json_reader *r, const char *q, const char *p, size_t *declen,
                                bool *escaped)
{
    return scan_string(r, q, p, NULL, 0, declen, escaped);
}

/* Validate the string whose opening quote is at q (see scan_string); the
 * common string, valid up to its closing quote without escapes, takes one
 * string run. */
static inline const char *string_end(tg_json_reader *r, const char *q, size_t *declen,
                                     bool *escaped)
{
    const char *e = string_run(q + 1, r->end);
    if (e < r->end && *e == '"') {
        *declen = (size_t)(e - q - 1);
        *escaped = false;
        return e + 1;
    }
    return check_string(r, q, e, declen, escaped);
}

/* The first '\\' in [p, e), or e.  Runs between escapes are short in
 * escape-heavy text: an inline 16-byte compare instead of a memchr call. */
static inline const char *next_backslash(const char *p, const char *e)
{
#if defined(__SSE2__)
    while (e - p >= 16) {
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
            _mm_loadu_si128((const __m128i *)(const void *)p), _mm_set1_epi8('\\')));
        if (m)
            return p + __builtin_ctz(m);
        p += 16;
    }
#endif
    while (p < e && *p != '\\')
        p++;
    return p;
}

/* Unescape the validated string body [p, e) into out. */
static void unescape(const char *p, const char *e, char *out)
{
    while (p < e) {
        const char *bs = next_backslash(p, e);
        size_t run = (size_t)(bs - p), span;
        memcpy(out, p, run);
        out += run;
        p = bs;
        if (p == e)
            break;
        out += tg_text_unescape_one(p, e, out, &span);
        p += span;
    }
}

/* ---- levels and duplicate keys ------------------------------------------ */

/* A new level (the caller checked the depth). */
static inline void open_level(tg_json_reader *r, bool object)
{
    tg_json_path_seg *s = &r->path[r->depth++];
    s->kind = 0;
    s->index = 0;
    s->flags = object ? LV_OBJECT : 0;
    s->key_mark = r->nkeys;
    s->key_bloom = 0;
}

static bool push(tg_json_reader *r, const char *p, bool object)
{
    if (r->depth >= r->max_depth)
        return fail(r, p, TG_JSON_E_DEPTH, "nesting deeper than %u", r->max_depth);
    open_level(r, object);
    r->cur = p + 1;
    return true;
}

static void pop(tg_json_reader *r)
{
    tg_json_path_seg *s = &r->path[--r->depth];
    unsigned k;
    /* Undo this level's inserts newest first: the table is as before. */
    if (s->flags & LV_HASHED)
        for (k = r->nkeys; k > s->key_mark; k--)
            r->slots[r->keys[k - 1].slot] = 0;
    r->nkeys = s->key_mark;
}

/* The key hash, in three steps so that a key with escapes, decoded byte
 * by byte, hashes exactly like the same bytes in one piece. */
#define HASH_WORD_MUL 0xFF51AFD7ED558CCDu
#define HASH_TAIL_MUL 0xC4CEB9FE1A85EC53u
static inline uint64_t hash_word(uint64_t h, uint64_t v)
{
    h = (h ^ v) * HASH_WORD_MUL;
    return h ^ h >> 32;
}
static inline uint32_t hash_end(uint64_t h) { return (uint32_t)(h ^ h >> 29); }

static uint32_t hash_key(const char *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15u ^ n;
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        h = hash_word(h, v);
        p += 8;
        n -= 8;
    }
    if (n) {
        /* Assembled in a register: a byte copy into a stack word followed
         * by a wide load would stall on store forwarding. */
        uint64_t v = 0;
        size_t i;
        for (i = 0; i < n; i++)
            v |= (uint64_t)(unsigned char)p[i] << (8 * i);
        h = (h ^ v) * HASH_TAIL_MUL;
    }
    return hash_end(h);
}

/* hash_key of the decoded bytes (n of them) of the key written as
 * raw[0..raw_len) with escapes. */
TG_COLD static uint32_t hash_escaped_key(const char *raw, size_t raw_len, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15u ^ n;
    tg_text_unescaper u;
    tg_text_unescaper_init(&u, raw, raw_len);
    for (; n >= 8; n -= 8) {
        unsigned char w[8];
        uint64_t v;
        size_t i;
        for (i = 0; i < 8; i++)
            w[i] = (unsigned char)tg_text_unescaper_next(&u);
        memcpy(&v, w, 8);
        h = hash_word(h, v);
    }
    if (n) {
        uint64_t v = 0;
        size_t i;
        for (i = 0; i < n; i++)
            v |= (uint64_t)(unsigned char)tg_text_unescaper_next(&u) << (8 * i);
        h = (h ^ v) * HASH_TAIL_MUL;
    }
    return hash_end(h);
}

/* The hash of a remembered key's decoded bytes. */
static uint32_t hash_entry(const tg_json_key_entry_ *x)
{
    return x->raw_len == x->len ? hash_key(x->ptr, x->len)
                                : hash_escaped_key(x->ptr, x->raw_len, x->len);
}

/* entry_is for keys of which one at least has escapes. */
TG_COLD static bool entry_is_escaped(const tg_json_key_entry_ *x, const char *raw, size_t raw_len)
{
    tg_text_unescaper a, b;
    int c;
    tg_text_unescaper_init(&a, x->ptr, x->raw_len);
    tg_text_unescaper_init(&b, raw, raw_len);
    do
        c = tg_text_unescaper_next(&a);
    while (c == tg_text_unescaper_next(&b) && c >= 0);
    return c < 0;
}

/* Whether entry x holds the key written raw[0..raw_len) (len bytes decoded):
 * the decoded bytes are compared, whatever either spelling escapes. */
static inline bool entry_is(const tg_json_key_entry_ *x, const char *raw, size_t raw_len,
                            size_t len)
{
    if (x->len != len)
        return false;
    if ((x->raw_len ^ len) | (raw_len ^ len))
        return entry_is_escaped(x, raw, raw_len);
    return tg_mem_eq_(x->ptr, raw, len);
}

/* One bit of 64 for the key written raw[0..raw_len) (len decoded), from
 * its length and first and last bytes: keys with different bits differ.
 * A key with escapes takes every bit (its decoded bytes are not at hand),
 * so every later key of its object is compared. */
static inline uint64_t key_signature(const char *raw, size_t raw_len, size_t len)
{
    unsigned b;
    if (raw_len != len)
        return ~(uint64_t)0;
    /* raw[-1] and raw[len] are the quotes: an empty key reads them */
    b = (unsigned char)raw[0] + 5u * (unsigned char)raw[(ptrdiff_t)len - 1] + 11u * (unsigned)len;
    return (uint64_t)1 << (b & 63);
}

/* Put entry e into the hash table (it is not there and not a duplicate). */
static void insert_slot(tg_json_reader *r, unsigned e)
{
    const unsigned mask = 2 * TG_JSON_MAX_KEYS - 1;
    unsigned i;
    for (i = r->keys[e].hash & mask; r->slots[i]; i = (i + 1) & mask)
        ;
    r->keys[e].slot = i;
    r->slots[i] = (uint16_t)(e + 1);
}

/* The level outgrew the linear scan: index its entries in slots[] (zeroed
 * on first use, so small messages never pay for clearing it). */
TG_COLD static void hash_level(tg_json_reader *r, tg_json_path_seg *lv)
{
    unsigned e;
    if (!r->slots_ready) {
        memset(r->slots, 0, sizeof r->slots);
        r->slots_ready = true;
    }
    for (e = lv->key_mark; e < r->nkeys; e++) {
        r->keys[e].hash = hash_entry(&r->keys[e]);
        insert_slot(r, e);
    }
    lv->flags |= LV_HASHED;
    lv->key_bloom = ~(uint64_t)0; /* put_plain_key: every key to put_key */
}

/* Record the fatal duplicate-key error for the key whose opening quote is
 * q (raw_len bytes as written). */
TG_COLD static bool fail_dup(tg_json_reader *r, const char *q, size_t raw_len, size_t len)
{
    char excerpt[TG_JSON_EXCERPT_CAP], dec[TG_JSON_EXCERPT_BYTES + 4];
    tg_str k = {q + 1, raw_len};
    if (raw_len != len) { /* shown decoded: enough bytes for the excerpt */
        tg_text_unescaper u;
        size_t n = 0;
        int c;
        tg_text_unescaper_init(&u, q + 1, raw_len);
        while (n < sizeof dec && (c = tg_text_unescaper_next(&u)) >= 0)
            dec[n++] = (char)c;
        k.ptr = dec; /* a longer key's excerpt is cut before its end anyway */
        k.len = n;
    }
    return fail(r, q, TG_JSON_E_DUPLICATE, "duplicate key %s", tg_json_excerpt(excerpt, k));
}

/* Remember the key whose opening quote is q, written as raw_len bytes that
 * decode to len, for the current object; false (fatal) when it is already
 * there or the table is full.  Objects of up to TG_JSON_LINEAR_KEYS keys are
 * checked by a scan of their entries; a bigger one moves its entries into
 * the hash table. */
/* What put_key found. */
typedef enum key_put { KEY_PUT, KEY_DUP, KEY_LONG, KEY_FULL } key_put;

/* add_key without the error: the skipper's first pass asks it and leaves
 * any refusal to the token-by-token reader, which then reports it. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((always_inline))
#endif
static inline key_put put_key(tg_json_reader *r, const char *q, size_t raw_len, size_t len)
{
    const unsigned mask = 2 * TG_JSON_MAX_KEYS - 1;
    tg_json_path_seg *lv = &r->path[r->depth - 1];
    const char *raw = q + 1;
    unsigned mark = lv->key_mark, e;
    uint32_t h = 0;

    if (raw_len > UINT32_MAX)
        return KEY_LONG;
    if (!(lv->flags & LV_HASHED)) {
        /* Small object: compare with its earlier keys, unless the level's
         * key signature shows none can be equal; hashes are made only if
         * it grows past TG_JSON_LINEAR_KEYS. */
        uint64_t bit = key_signature(raw, raw_len, len);
        if (lv->key_bloom & bit)
            for (e = mark; e < r->nkeys; e++)
                if (entry_is(&r->keys[e], raw, raw_len, len))
                    return KEY_DUP;
        lv->key_bloom |= bit;
    } else {
        unsigned i;
        h = raw_len == len ? hash_key(raw, len) : hash_escaped_key(raw, raw_len, len);
        for (i = h & mask; r->slots[i]; i = (i + 1) & mask) {
            const tg_json_key_entry_ *x = &r->keys[r->slots[i] - 1u];
            if (r->slots[i] - 1u >= mark && x->hash == h && entry_is(x, raw, raw_len, len))
                return KEY_DUP;
        }
    }
    if (r->nkeys >= TG_JSON_MAX_KEYS)
        return KEY_FULL;
    e = r->nkeys++;
    r->keys[e].ptr = raw;
    r->keys[e].len = (uint32_t)len;
    r->keys[e].raw_len = (uint32_t)raw_len;
    r->keys[e].hash = h;
    if (lv->flags & LV_HASHED) {
        insert_slot(r, e);
    } else if (r->nkeys - mark > TG_JSON_LINEAR_KEYS) {
        hash_level(r, lv);
    }
    return KEY_PUT;
}

/* put_key out of line, for put_plain_key's rare cases. */
TG_COLD static bool put_key_cold(tg_json_reader *r, const char *q, size_t raw_len, size_t len)
{
    return put_key(r, q, raw_len, len) == KEY_PUT;
}

/* put_key for the skipper's walk, a key without escapes (len bytes after
 * the opening quote q) in the innermost level lv: the common case (a small
 * object whose signature bits show no equal key, room in the table) in a
 * few instructions, anything else by put_key itself.  True: remembered. */
static inline bool put_plain_key(tg_json_reader *r, tg_json_path_seg *lv, const char *q,
                                 uint32_t len)
{
    const uint64_t bit = key_signature(q + 1, len, len), bloom = lv->key_bloom;
    const unsigned e = r->nkeys;

    /* A hashed level, and one opened too near TG_JSON_MAX_KEYS for its
     * first TG_JSON_LINEAR_KEYS keys, have every signature bit (walk_open,
     * hash_level): so this also asks put_key about them.  Below that count,
     * the level's keys are the last ones of the table (its inner levels are
     * closed), so e - key_mark is their number. */
    if ((bloom & bit) | (e - lv->key_mark >= TG_JSON_LINEAR_KEYS))
        return put_key_cold(r, q, len, len);
    lv->key_bloom = bloom | bit;
    r->keys[e].ptr = q + 1;
    r->keys[e].len = len;
    r->keys[e].raw_len = len;
    r->nkeys = e + 1;
    return true;
}

static bool add_key(tg_json_reader *r, const char *q, size_t raw_len, size_t len)
{
    switch (put_key(r, q, raw_len, len)) {
    case KEY_PUT: return true;
    case KEY_DUP: return fail_dup(r, q, raw_len, len);
    case KEY_LONG: return fail(r, q, TG_JSON_E_LIMIT, "key longer than 4 GiB");
    case KEY_FULL: break;
    }
    return fail(r, q, TG_JSON_E_LIMIT, "more than %u keys in open objects",
                (unsigned)TG_JSON_MAX_KEYS);
}

/* ---- public: setup ------------------------------------------------------ */

void tg_json_reader_init(tg_json_reader *r, const char *json, size_t len, tg_arena *arena,
                         tg_json_errors *errors)
{
    if (!json) /* no arithmetic on NULL */
        json = "", len = 0;
    if (atomic_load_explicit(&tg_simd_level_, memory_order_relaxed) == TG_SIMD_UNSET)
        tg_simd_choose_(); /* before string_run's inline look asks for it */
    r->begin = r->cur = json;
    r->end = json + len;
    tg_arena_init(&r->no_arena, NULL, 0);
    r->arena = arena ? arena : &r->no_arena;
    r->errors = errors;
    if (errors) {
        errors->count = 0;
        errors->dropped = 0;
    }
    r->depth = 0;
    r->max_depth = TG_JSON_MAX_DEPTH;
    r->fatal = false;
    r->arena_short = false;
    r->error_count = 0;
    r->arena_offset = 0;
    r->nkeys = 0;
    r->key_in_arena = NULL;
    r->slots_ready = false;
}

size_t tg_json_offset_ws_(tg_json_reader *r)
{
    r->cur = skip_ws(r->cur, r->end);
    return off(r, r->cur);
}

/* Content after the document is its first error, whatever was found in it
 * before (a reader of the error, like msgspec's, sees it first): recorded,
 * then moved to the front of the list (the last kept error makes room when
 * the list is full). */
static void fail_first(tg_json_reader *r, const char *p, const char *why)
{
    tg_json_errors *es = r->errors;
    if (es && es->items && es->cap > 0 && es->count == es->cap) {
        es->count--;
        es->dropped++;
    }
    fail(r, p, TG_JSON_E_SYNTAX, "%s", why);
    if (es && es->items && es->count > 1) {
        tg_json_error last = es->items[es->count - 1];
        memmove(es->items + 1, es->items, (es->count - 1) * sizeof *es->items);
        es->items[0] = last;
    }
}

bool tg_json_finish(tg_json_reader *r)
{
    if (!r->fatal) {
        const char *p = skip_ws(r->cur, r->end);
        if (p != r->end)
            fail_first(r, p, "trailing characters after JSON value");
    }
    if (!r->fatal && r->arena->needed > r->arena->used) {
        unsigned d = r->depth;
        r->depth = 0;
        tg_json_error_at(r, r->arena_offset, TG_JSON_E_ARENA,
                         "arena too small: %zu bytes needed, %zu available", r->arena->needed,
                         r->arena->cap);
        r->depth = d;
    }
    return r->error_count == 0;
}

/* An allocation for the value at p was refused: go on measuring. */
static void arena_short(tg_json_reader *r, const char *p)
{
    if (!r->arena_short) {
        r->arena_short = true;
        r->arena_offset = off(r, p);
    }
}

/* ---- public: structure -------------------------------------------------- */

/* The value at p is well-formed JSON of the wrong type: record it, skip it. */
static bool type_error(tg_json_reader *r, const char *p, const char *want)
{
    const char *got = value_type(r, p);
    if (!got) {
        fail_value(r, p); /* false, said plainly: the analyzer does not follow variadic fail() */
        return false;
    }
    r->cur = p;
    tg_json_error_at(r, off(r, p), TG_JSON_E_TYPE, "expected %s, got %s", want, got);
    tg_json_skip_value(r);
    return false;
}

bool tg_json_object_begin(tg_json_reader *r)
{
    const char *p;
    if (r->fatal)
        return false;
    p = skip_ws(r->cur, r->end);
    if (p < r->end && *p == '{')
        return push(r, p, true);
    return type_error(r, p, "object");
}

bool tg_json_array_begin(tg_json_reader *r)
{
    const char *p;
    if (r->fatal)
        return false;
    p = skip_ws(r->cur, r->end);
    if (p < r->end && *p == '[')
        return push(r, p, false);
    return type_error(r, p, "array");
}

/* What next_member does with the key it hands back. */
typedef enum key_copy {
    KEY_AS_WRITTEN, /* the skipper: no copy, it only remembers the key       */
    KEY_SCRATCH,    /* object_next_known: decoded into the one-key scratch   */
    KEY_ARENA       /* object_next: decoded into the arena, kept with values */
} key_copy;

/* The key just read (opening quote q, raw_len bytes as written, len
 * decoded) as the caller gets it: a view into the input when it has no
 * escapes; else decoded as `copy` says.  When the arena refuses (measuring:
 * the decode ends in TG_JSON_E_ARENA) or the scratch is too small, the next
 * place is tried and last the key as written. */
static tg_str key_for_caller(tg_json_reader *r, const char *q, size_t raw_len, size_t len,
                             key_copy copy)
{
    tg_str k = {q + 1, raw_len};
    char *buf = NULL;
    if (raw_len == len || copy == KEY_AS_WRITTEN)
        return k;
    if (copy == KEY_ARENA && !(buf = tg_arena_alloc(r->arena, len, 1)))
        arena_short(r, q);
    if (!buf && len <= TG_JSON_KEY_SCRATCH)
        buf = r->scratch;
    if (!buf)
        return k;
    unescape(q + 1, q + 1 + raw_len, buf);
    if (copy == KEY_ARENA) /* taken as kept: measuring counts the key once */
        r->key_in_arena = buf;
    k.ptr = buf;
    k.len = len;
    return k;
}

/* Name the key just read (quote q, raw_len bytes written, len decoded) in
 * the current level's path segment: as written, decoded when an error path
 * is formatted.  The level has a member from now on (LV_STARTED; only
 * fatal errors can come before its value). */
static inline void name_key(tg_json_reader *r, tg_json_path_seg *s, const char *q, size_t raw_len,
                     size_t len)
{
    s->kind = 1;
    s->key.ptr = q + 1;
    s->key.len = raw_len;
    s->flags = (uint16_t)((s->flags & ~TG_JSON_SEG_KEY_ESCAPED_) | LV_STARTED |
                          (raw_len != len ? TG_JSON_SEG_KEY_ESCAPED_ : 0));
    r->key_quote = q;
    if (raw_len != len)
        r->key_len = len; /* read only when the key is escaped */
}

/* The decoded length of the key just read (named by name_key at s). */
static inline size_t key_len(const tg_json_reader *r, const tg_json_path_seg *s)
{
    return s->flags & TG_JSON_SEG_KEY_ESCAPED_ ? r->key_len : s->key.len;
}

/* object_next, object_next_known and the skipper: `remember` false leaves
 * the duplicate check of the key to the caller (tg_json_key_remember /
 * _duplicate); `copy` says where a key with escapes is decoded. */
static int next_member(tg_json_reader *r, tg_str *key, bool remember, key_copy copy)
{
    const char *p, *q, *e, *end = r->end;
    tg_json_path_seg *s;
    size_t declen, raw_len;
    bool esc;

    if (r->fatal)
        return -1;
    if (r->depth == 0 || !(r->path[r->depth - 1].flags & LV_OBJECT))
        return fail(r, r->cur, TG_JSON_E_SYNTAX, "object_next outside an object"), -1;
    s = &r->path[r->depth - 1];
    p = skip_ws(r->cur, end);
    if (s->flags & LV_STARTED) {
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            if (p < end && *p == '}')
                return fail(r, p, TG_JSON_E_SYNTAX, "trailing comma before '}'"), -1;
        } else if (p < end && *p == '}') {
            pop(r);
            r->cur = p + 1;
            return 0;
        } else {
            if (p < end && *p == '/')
                return fail(r, p, TG_JSON_E_SYNTAX, "comments are not allowed in JSON"), -1;
            return fail(r, p, TG_JSON_E_SYNTAX, "expected ',' or '}' after object member%s",
                        p < end ? "" : ", got end of input"), -1;
        }
    } else if (p < end && *p == '}') {
        pop(r);
        r->cur = p + 1;
        return 0;
    }
    s->kind = 0; /* errors in the key itself belong to the object */
    if (p >= end || *p != '"') {
        char b[16];
        if (p < end && *p == '/')
            return fail(r, p, TG_JSON_E_SYNTAX, "comments are not allowed in JSON"), -1;
        return fail(r, p, TG_JSON_E_SYNTAX, "expected string key, got %s", describe(r, p, b)), -1;
    }
    q = p;
    e = string_end(r, q, &declen, &esc);
    if (!e)
        return -1;
    raw_len = (size_t)(e - q - 2);
    name_key(r, s, q, raw_len, declen); /* also in a duplicate-key error */
    if (remember && !add_key(r, q, raw_len, declen))
        return -1;
    p = skip_ws(e, end);
    if (p >= end || *p != ':')
        return fail(r, p, TG_JSON_E_SYNTAX, "expected ':' after object key%s",
                    p < end ? "" : ", got end of input"), -1;
    r->cur = p + 1;
    *key = key_for_caller(r, q, raw_len, declen, copy);
    return 1;
}

int tg_json_object_next(tg_json_reader *r, tg_str *key)
{
    return next_member(r, key, true, KEY_ARENA);
}

/* Is `"<expect>":` at p (schema member names hold no quote, backslash or
 * control byte, so a byte compare is the whole test)? */
static inline bool expected_key_at(const char *p, const char *end, const tg_str *expect)
{
    size_t n = expect->len;
    return (size_t)(end - p) >= n + 3 && p[0] == '"' && p[n + 1] == '"' && p[n + 2] == ':' &&
           tg_mem_eq_(p + 1, expect->ptr, n);
}

/* The member whose key (n bytes, no escapes) opens at q is the current
 * one; the cursor goes past its ':'. */
static inline int take_expected_key(tg_json_reader *r, tg_json_path_seg *s, const char *q,
                                    size_t n, tg_str *key)
{
    name_key(r, s, q, n, n);
    r->cur = q + n + 3;
    *key = s->key;
    return 2;
}

/* tg_json_object_next_known with any whitespace (and every case its fast
 * path leaves): whitespace skipped by skip_ws, which may call. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static int next_known_ws(tg_json_reader *r, tg_str *key, const tg_str *expect)
{
    tg_json_path_seg *s;
    const char *p, *end = r->end;

    /* The common case, the expected member next, takes no scan of the key
     * and no call (but for whitespace); anything else (and every error)
     * goes the general way. */
    if (!expect || r->fatal || r->depth == 0)
        return next_member(r, key, false, KEY_SCRATCH);
    s = &r->path[r->depth - 1];
    p = skip_ws(r->cur, end);
    if ((s->flags & (LV_OBJECT | LV_STARTED)) == (LV_OBJECT | LV_STARTED)) {
        if (p >= end || *p != ',')
            return next_member(r, key, false, KEY_SCRATCH);
        p = skip_ws(p + 1, end);
    } else if (!(s->flags & LV_OBJECT)) {
        return next_member(r, key, false, KEY_SCRATCH);
    }
    if (!expected_key_at(p, end, expect))
        return next_member(r, key, false, KEY_SCRATCH);
    return take_expected_key(r, s, p, expect->len, key);
}

int tg_json_object_next_known(tg_json_reader *r, tg_str *key, const tg_str *expect)
{
    tg_json_path_seg *s;
    const char *p, *end = r->end;

    /* The common case, the expected member next with no whitespace but one
     * space after ',', takes no scan of the key and no call; anything else
     * (and every error) is a tail call, so that no register is saved here. */
    if (!expect || r->fatal || r->depth == 0)
        return next_member(r, key, false, KEY_SCRATCH);
    s = &r->path[r->depth - 1];
    p = r->cur;
    if ((s->flags & (LV_OBJECT | LV_STARTED)) == (LV_OBJECT | LV_STARTED)) {
        if (p >= end || *p != ',')
            return next_known_ws(r, key, expect);
        p++;
        if (p < end && *p == ' ')
            p++;
    } else if (!(s->flags & LV_OBJECT)) {
        return next_member(r, key, false, KEY_SCRATCH);
    }
    if (p >= end || *p != '"')
        return next_known_ws(r, key, expect);
    if (!expected_key_at(p, end, expect))
        return next_member(r, key, false, KEY_SCRATCH); /* another key */
    return take_expected_key(r, s, p, expect->len, key);
}

bool tg_json_key_remember(tg_json_reader *r, tg_str key)
{
    const tg_json_path_seg *s;
    (void)key; /* the key just read: remembered as written */
    if (r->fatal || r->depth == 0 || !(r->path[r->depth - 1].flags & LV_OBJECT))
        return false;
    s = &r->path[r->depth - 1];
    return add_key(r, r->key_quote, s->key.len, key_len(r, s));
}

bool tg_json_key_duplicate(tg_json_reader *r, tg_str key)
{
    const tg_json_path_seg *s = &r->path[r->depth - 1];
    (void)key;
    return fail_dup(r, r->key_quote, s->key.len, key_len(r, s));
}

int tg_json_array_next(tg_json_reader *r)
{
    const char *p, *end = r->end;
    tg_json_path_seg *s;

    if (r->fatal)
        return -1;
    if (r->depth == 0 || (r->path[r->depth - 1].flags & LV_OBJECT))
        return fail(r, r->cur, TG_JSON_E_SYNTAX, "array_next outside an array"), -1;
    s = &r->path[r->depth - 1];
    p = skip_ws(r->cur, end);
    if (s->flags & LV_STARTED) {
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            if (p < end && *p == ']')
                return fail(r, p, TG_JSON_E_SYNTAX, "trailing comma before ']'"), -1;
            if (s->index < UINT32_MAX)
                s->index++;
        } else if (p < end && *p == ']') {
            pop(r);
            r->cur = p + 1;
            return 0;
        } else {
            if (p < end && *p == '/')
                return fail(r, p, TG_JSON_E_SYNTAX, "comments are not allowed in JSON"), -1;
            return fail(r, p, TG_JSON_E_SYNTAX, "expected ',' or ']' after array element%s",
                        p < end ? "" : ", got end of input"), -1;
        }
    } else {
        if (p < end && *p == ']') {
            pop(r);
            r->cur = p + 1;
            return 0;
        }
        s->flags |= LV_STARTED;
        s->kind = 2;
        s->index = 0;
    }
    r->cur = p;
    return 1;
}

/* Skip a non-container value at p. */
static bool skip_scalar(tg_json_reader *r, const char *p)
{
    const char *e, *why;
    size_t declen;
    bool esc;

    if (p >= r->end)
        return fail_value(r, p);
    switch (*p) {
    case '"':
        e = string_end(r, p, &declen, &esc);
        if (!e)
            return false;
        r->cur = e;
        return true;
    case 't': return literal(r, p, "true", 4);
    case 'f': return literal(r, p, "false", 5);
    case 'n': return literal(r, p, "null", 4);
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        e = tg_text_number(p, r->end, &why);
        if (!e)
            return fail(r, p, TG_JSON_E_SYNTAX, "%s", why);
        r->cur = e;
        return true;
    default:
        return fail_value(r, p);
    }
}

/* One step of the skipper inside the open container: p is just after its
 * '{' or '[' or after one of its values.  Returns where the next value
 * starts (*n = 1), or the byte after the container's end (*n = 0, the
 * level is popped); *n = -1 on error.  The common shapes are handled here:
 * a plain key (no escapes) and ':', ',' between elements, the end; the
 * rest, errors included, goes through next_member and tg_json_array_next
 * from p, so they read the same bytes with the same path and message as
 * anywhere else. */
static const char *skip_next(tg_json_reader *r, const char *p, int *n)
{
    tg_json_path_seg *s = &r->path[r->depth - 1];
    const char *end = r->end, *v = skip_ws(p, end), *e;
    const bool object = s->flags & LV_OBJECT;
    const char close = object ? '}' : ']';
    tg_str k;

    if (v < end && *v == close) {
        pop(r);
        *n = 0;
        return v + 1;
    }
    if (s->flags & LV_STARTED) {
        if (v >= end || *v != ',')
            goto general;
        v = skip_ws(v + 1, end);
    }
    if (v >= end || *v == close)
        goto general; /* a trailing comma, or the end of input */
    if (!object) {
        if (s->flags & LV_STARTED) {
            if (s->index < UINT32_MAX)
                s->index++;
        } else {
            s->flags |= LV_STARTED;
            s->kind = 2;
        }
        *n = 1;
        return v;
    }
    if (*v != '"' || (e = string_run(v + 1, end)) == end || *e != '"')
        goto general;
    k.len = (size_t)(e - v - 1);
    e = skip_ws(e + 1, end);
    if (e >= end || *e != ':')
        goto general;
    name_key(r, s, v, k.len, k.len);
    *n = add_key(r, v, k.len, k.len) ? 1 : -1;
    return e + 1;
general:
    r->cur = p;
    *n = object ? next_member(r, &k, true, KEY_AS_WRITTEN) : tg_json_array_next(r);
    return r->cur;
}

/* ---- the skipper's fast path: a walk over the structural index ---------- */

/* The decoded length of the string body [p, e), which has a backslash, or
 * SIZE_MAX when an escape breaks tg_text_escape (which one is left to the
 * slow path, which says it). */
static size_t escaped_body_len(const char *p, const char *e)
{
    const char *b = p;
    size_t saved = 0, span;
    unsigned cp;
    tg_text_escape_fault fault;

    while ((p = next_backslash(p, e)) < e) {
        if (!(span = tg_text_escape(p, e, &cp, &fault)))
            return SIZE_MAX;
        saved += span - utf8_len(cp);
        p += span;
    }
    return (size_t)(e - b) - saved;
}

/* Bytes that may follow a number or literal in the walk: whitespace and
 * the structural bytes (what is wrong after it is the slow path's to say). */
static const unsigned char atom_end[256] = {
    ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, [' '] = 1, [','] = 1, ['}'] = 1,
    [']'] = 1,   [':'] = 1,  ['"'] = 1,  ['{'] = 1, ['['] = 1};

#if defined(__SSE2__)
/* The number at p (16 bytes readable from p) by one vector compare: its
 * end when the 16 bytes hold all of it and it has no exponent, NULL when
 * it breaks the grammar (-?(0|[1-9][0-9]*)(.[0-9]+)?), p itself when
 * tg_text_number must say (an exponent, or longer than the window). */
static inline const char *number_window(const char *p)
{
    const __m128i v = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)p),
                                   _mm_set1_epi8('0'));
    /* ~digits: bit i clear when p[i] is a digit; bits 16..31 set (a stop) */
    const unsigned stop =
        ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(9)), v));
    unsigned j = *p == '-', n = (unsigned)__builtin_ctz(stop >> j);

    if (n == 0 || (p[j] == '0' && n > 1))
        return NULL;
    j += n;
    if (j < 16 && p[j] == '.') {
        if (j == 15)
            return p;
        n = (unsigned)__builtin_ctz(stop >> (j + 1));
        if (n == 0)
            return NULL;
        j += 1 + n;
    }
    if (j >= 16 || p[j] == 'e' || p[j] == 'E')
        return p;
    return p + j;
}
#endif

/* The number at p (it starts with '-' or a digit) without number_window:
 * its end, or NULL. */
static inline const char *number_end(const char *p, const char *end)
{
    const char *e, *why;
    if (*p >= '1' && *p <= '9') { /* a plain integer without a call */
        for (e = p + 1; e < end && *e >= '0' && *e <= '9'; e++)
            ;
        if (e == end || (*e != '.' && *e != 'e' && *e != 'E'))
            return e;
    }
    return tg_text_number(p, end, &why);
}

/* The number or literal at p, ended by one of atom_end's bytes. */
static inline bool atom_ok(const char *p, const char *end)
{
    const char *e = NULL;
    if ((*p >= '0' && *p <= '9') || *p == '-') {
#if defined(__SSE2__)
        if (end - p >= 16 && (e = number_window(p)) != p) /* e < p + 16 <= end */
            return e && atom_end[(unsigned char)*e];
#endif
        e = number_end(p, end);
    } else if (*p == 't' || *p == 'n') {
        e = end - p > 4 && memcmp(p, *p == 't' ? "true" : "null", 4) == 0 ? p + 4 : NULL;
    } else if (*p == 'f') {
        e = end - p > 5 && memcmp(p, "false", 5) == 0 ? p + 5 : NULL;
    }
    return e && e < end && atom_end[(unsigned char)*e];
}

/* The next position of the index into `at`, or to `doubt` at the end of
 * the input or at an anomaly of the first pass: it and lim (locals, so
 * that they stay in registers) run over scan.pos, refilled as needed. */
#define WALK_NEXT_OR_DOUBT()                                                            \
    do {                                                                                \
        if (it == lim) {                                                                \
            lim = scan.pos + tg_skip_fill_(&scan);                                      \
            it = scan.pos;                                                              \
            if (it == lim)                                                              \
                goto doubt;                                                             \
        }                                                                               \
        at = start + *it++;                                                             \
    } while (0)

/* The closing quote of the string before the position at (the index has
 * no closing quotes: only whitespace can stand between one and the next
 * position), or NULL when what stands there is no quote after q. */
static inline const char *quote_before(const char *q, const char *at)
{
    if (at[-1] == '"' && at - 1 > q) /* compact JSON */
        return at - 1;
    do
        at--;
    while (is_ws(*at));
    return at > q && *at == '"' ? at : NULL;
}

/* Past the string whose opening quote is at q: `at` becomes the position
 * after it, `backslash` whether it had one (its backslashes are in the
 * index, nothing else of it is). */
#define WALK_STRING_OR_DOUBT(backslash)                                                 \
    do {                                                                                \
        (backslash) = false;                                                            \
        WALK_NEXT_OR_DOUBT();                                                           \
        while (*at == '\\') {                                                           \
            (backslash) = true;                                                         \
            WALK_NEXT_OR_DOUBT();                                                       \
        }                                                                               \
    } while (0)

/* The walk's own level steps: a level it opens is only seen by itself
 * (and by put_key), and is closed before it returns, so only the fields
 * that put_key and pop read are set (no path kind or index: no error is
 * reported from inside the walk).  The caller checked the depth. */
static inline tg_json_path_seg *walk_open(tg_json_reader *r, unsigned flags)
{
    tg_json_path_seg *s = &r->path[r->depth++];
    s->flags = (uint16_t)flags;
    s->key_mark = r->nkeys;
    /* every bit when TG_JSON_MAX_KEYS could be reached before the level is
     * hashed: put_plain_key then leaves all its keys to put_key */
    s->key_bloom = r->nkeys + TG_JSON_LINEAR_KEYS > TG_JSON_MAX_KEYS ? ~(uint64_t)0 : 0;
    return s;
}

/* Close the innermost level lv; the new innermost one (or NULL at base). */
static inline tg_json_path_seg *walk_close(tg_json_reader *r, tg_json_path_seg *lv, unsigned base)
{
    if (lv->flags & LV_HASHED) {
        pop(r);
    } else {
        r->depth--;
        r->nkeys = lv->key_mark;
    }
    return r->depth > base ? lv - 1 : NULL;
}

/* tg_json_skip_value for the object or array at p, by its structural index
 * (tg_json_skip_int.h): the same checks (grammar, depth, numbers, literals,
 * escapes, control bytes, UTF-8, duplicate keys and TG_JSON_MAX_KEYS in
 * objects), no error of its own.  True when the value is good (r->cur just
 * after it); false at the first doubt, with the reader as it was, so that
 * the token-by-token skipper reads it again and reports the error.  A
 * state machine over the positions, one label per state. */
bool tg_json_skip_indexed_(tg_json_reader *r, const char *p)
{
    const unsigned base = r->depth;
    const char *const start = p, *at, *q, *e;
    const uint32_t *it, *lim;
    tg_skip_scan_ scan;
    tg_json_path_seg *lv = r->path + base; /* the innermost level the walk opened
                                              (from the first '{' or '[' on) */
    size_t len;
    bool backslash;

    tg_skip_init_(&scan, p, r->end);
    it = lim = scan.pos;
    WALK_NEXT_OR_DOUBT(); /* p itself */
    if (*at != '{' && *at != '[')
        goto doubt; /* (the caller's contract: lv is set before a value ends) */
value: /* at: a value's first byte */
    if (*at == '{') {
        if (r->depth >= r->max_depth)
            goto doubt;
        lv = walk_open(r, LV_OBJECT);
        WALK_NEXT_OR_DOUBT();
        if (*at == '}')
            goto close;
        goto key;
    }
    if (*at == '[') {
        if (r->depth >= r->max_depth)
            goto doubt;
        lv = walk_open(r, 0);
        WALK_NEXT_OR_DOUBT();
        if (*at == ']')
            goto close;
        goto value;
    }
    if (*at == '"') {
        /* A value's escapes are checked at their backslashes (the index has
         * every backslash of a string, so an escaped one is skipped); a
         * \u escape, or a backslash at the input's end, takes the whole
         * check (escaped_body_len) once the string is done. */
        q = at;
        backslash = false;
        WALK_NEXT_OR_DOUBT();
        while (*at == '\\') {
            const char *b = at;
            if (b + 1 >= r->end || !tg_text_short_escape_[(unsigned char)b[1]])
                backslash = true;
            WALK_NEXT_OR_DOUBT();
            if (at == b + 1) /* b escapes this backslash */
                WALK_NEXT_OR_DOUBT();
        }
        if (backslash &&
            (!(e = quote_before(q, at)) || escaped_body_len(q + 1, e) == SIZE_MAX))
            goto doubt;
        goto after_fetched;
    }
    if (!atom_ok(at, r->end))
        goto doubt;
after: /* a value of the level ended: ',' or its end */
    WALK_NEXT_OR_DOUBT();
after_fetched:
    if (lv->flags & LV_OBJECT) {
        if (*at == '}')
            goto close;
        if (*at != ',')
            goto doubt;
        WALK_NEXT_OR_DOUBT();
        goto key;
    }
    if (*at == ']')
        goto close;
    if (*at != ',')
        goto doubt;
    WALK_NEXT_OR_DOUBT();
    goto value;
key: /* at: where an object's key should start */
    if (*at != '"')
        goto doubt;
    q = at;
    WALK_STRING_OR_DOUBT(backslash);
    if (*at != ':' || !(e = quote_before(q, at)))
        goto doubt;
    if (!backslash) {
        if (!put_plain_key(r, lv, q, (uint32_t)(e - q - 1)))
            goto doubt;
    } else if ((len = escaped_body_len(q + 1, e)) == SIZE_MAX ||
               put_key(r, q, (size_t)(e - q - 1), len) != KEY_PUT) {
        goto doubt;
    }
    WALK_NEXT_OR_DOUBT();
    goto value;
close: /* at: the end of the innermost level */
    if ((lv = walk_close(r, lv, base)) != NULL)
        goto after;
    r->cur = at + 1;
    return true;
doubt:
    while (r->depth > base)
        pop(r);
    return false;
}

#undef WALK_STRING_OR_DOUBT
#undef WALK_NEXT_OR_DOUBT

/* Skip one value, of any depth, checking all of it (grammar, UTF-8,
 * numbers, duplicate keys): free-form `json` fields and unknown members.
 * At the sse2 and avx2 levels an object or array takes the structural
 * index first (tg_json_skip_indexed_); the token-by-token walk below is the scalar
 * level's, and everyone's when the index has a doubt. */
bool tg_json_skip_value(tg_json_reader *r)
{
    const unsigned base = r->depth;
    const char *p = r->cur, *end = r->end;

    if (r->fatal)
        return false;
    p = skip_ws(p, end);
    if (p < end && (*p == '{' || *p == '[') && tg_simd_level() != TG_SIMD_SCALAR &&
        (size_t)(end - p) < UINT32_MAX - 128 && tg_json_skip_indexed_(r, p))
        return true;
    for (;;) {
        int n;
        p = skip_ws(p, end);
        if (p < end && (*p == '{' || *p == '[')) {
            if (!push(r, p, *p == '{'))
                return false;
            p++;
        } else {
            if (!skip_scalar(r, p))
                return false;
            if (r->depth == base)
                return true;
            p = r->cur;
        }
        for (;;) {
            p = skip_next(r, p, &n);
            if (n < 0)
                return false;
            if (n > 0)
                break;
            if (r->depth == base) {
                r->cur = p;
                return true;
            }
        }
    }
}

bool tg_json_read_raw(tg_json_reader *r, tg_str *out)
{
    const char *p;
    if (r->fatal)
        return false;
    p = skip_ws(r->cur, r->end);
    r->cur = p;
    if (!tg_json_skip_value(r))
        return false;
    out->ptr = p;
    out->len = (size_t)(r->cur - p);
    return true;
}

bool tg_json_skip_unknown(tg_json_reader *r, tg_str key, bool reject)
{
    if (r->fatal)
        return false;
    if (reject) {
        size_t o = key.ptr > r->begin && key.ptr <= r->end ? off(r, key.ptr) - 1 : tg_json_offset(r);
        char excerpt[TG_JSON_EXCERPT_CAP];
        tg_json_error_at(r, o, TG_JSON_E_UNKNOWN_FIELD, "unknown field %s",
                         tg_json_excerpt(excerpt, key));
        tg_json_skip_value(r);
        return false;
    }
    return tg_json_skip_value(r);
}

/* ---- public: scalars ---------------------------------------------------- */

bool tg_json_is_null(tg_json_reader *r)
{
    const char *p;
    if (r->fatal)
        return false;
    p = skip_ws(r->cur, r->end);
    r->cur = p;
    if (p < r->end && *p == 'n')
        return literal(r, p, "null", 4);
    return false;
}

bool tg_json_read_bool(tg_json_reader *r, bool *out)
{
    const char *p;
    if (r->fatal)
        return false;
    p = skip_ws(r->cur, r->end);
    if (p < r->end && *p == 't') {
        *out = true;
        return literal(r, p, "true", 4);
    }
    if (p < r->end && *p == 'f') {
        *out = false;
        return literal(r, p, "false", 5);
    }
    return type_error(r, p, "boolean");
}

/* Scan an integer at p.  Returns the end (NULL after a fatal or type error,
 * value consumed), the magnitude, its sign and whether it overflowed. */
static const char *scan_int(tg_json_reader *r, const char *p, uint64_t *mag, bool *neg, bool *big)
{
    const char *e, *why, *d, *end = r->end;
    uint64_t m = 0;

    /* Fast path: 1 to 18 digits without a leading zero (no overflow, no
     * grammar to check) followed by a byte no number continues with. */
    d = p < end && *p == '-' ? p + 1 : p;
    if (d < end && *d >= '1' && *d <= '9') {
        for (e = d; e < end && e - d < 18 && *e >= '0' && *e <= '9'; e++)
            m = m * 10 + (unsigned)(*e - '0');
        if (e == end || !(*e == '.' || *e == 'e' || *e == 'E' || (*e >= '0' && *e <= '9'))) {
            r->cur = e;
            *neg = d != p;
            *big = false;
            *mag = m;
            return e;
        }
        m = 0;
    }
    if (p >= end || !(*p == '-' || (*p >= '0' && *p <= '9')))
        return type_error(r, p, "integer"), (const char *)NULL;
    e = tg_text_number(p, r->end, &why);
    if (!e)
        return fail(r, p, TG_JSON_E_SYNTAX, "%s", why), (const char *)NULL;
    r->cur = e;
    *neg = *p == '-';
    *big = false;
    for (d = p + *neg; d < e; d++) {
        unsigned v;
        if (*d < '0' || *d > '9') {
            int n = e - p > 40 ? 40 : (int)(e - p);
            tg_json_error_at(r, off(r, p), TG_JSON_E_TYPE, "expected integer, got %.*s%s", n, p,
                             e - p > 40 ? "..." : "");
            return NULL;
        }
        v = (unsigned)(*d - '0');
        if (m > (UINT64_MAX - v) / 10)
            *big = true;
        else
            m = m * 10 + v;
    }
    *mag = m;
    return e;
}

static bool range_error(tg_json_reader *r, const char *p, const char *e, const char *range)
{
    int n = e - p > 40 ? 40 : (int)(e - p);
    return tg_json_error_at(r, off(r, p), TG_JSON_E_RANGE, "expected integer %s, got %.*s%s",
                            range, n, p, e - p > 40 ? "..." : "");
}

bool tg_json_read_int(tg_json_reader *r, int64_t min, int64_t max, int64_t *out)
{
    const char *p, *e;
    uint64_t mag;
    bool neg, big, fits;
    int64_t v = 0;
    char range[64];

    if (r->fatal)
        return false;
    p = skip_ws(r->cur, r->end);
    if (!(e = scan_int(r, p, &mag, &neg, &big)))
        return false;
    fits = !big && (neg ? mag <= (uint64_t)1 << 63 : mag <= (uint64_t)INT64_MAX);
    if (fits) {
        v = !neg ? (int64_t)mag : mag == (uint64_t)1 << 63 ? INT64_MIN : -(int64_t)mag;
        if (v >= min && v <= max) {
            *out = v;
            return true;
        }
    }
    /* Name the bound that was crossed (beyond int64 crosses it too). */
    if (fits ? v < min : neg)
        snprintf(range, sizeof range, ">= %lld", (long long)min);
    else
        snprintf(range, sizeof range, "<= %lld", (long long)max);
    return range_error(r, p, e, range);
}

bool tg_json_read_uint(tg_json_reader *r, uint64_t max, uint64_t *out)
{
    const char *p, *e;
    uint64_t mag;
    bool neg, big;
    char range[64];

    if (r->fatal)
        return false;
    p = skip_ws(r->cur, r->end);
    if (!(e = scan_int(r, p, &mag, &neg, &big)))
        return false;
    if (!big && mag <= max && (!neg || mag == 0)) {
        *out = mag;
        return true;
    }
    if (neg)
        snprintf(range, sizeof range, ">= 0");
    else
        snprintf(range, sizeof range, "<= %llu", (unsigned long long)max);
    return range_error(r, p, e, range);
}

bool tg_json_read_double(tg_json_reader *r, double *out)
{
    const char *p, *e, *why;

    if (r->fatal)
        return false;
    p = skip_ws(r->cur, r->end);
    if (p >= r->end || !(*p == '-' || (*p >= '0' && *p <= '9')))
        return type_error(r, p, "number");
    e = tg_text_number(p, r->end, &why);
    if (!e)
        return fail(r, p, TG_JSON_E_SYNTAX, "%s", why);
    r->cur = e;
    if (!tg_text_to_double(p, (size_t)(e - p), out)) {
        int n = e - p > 40 ? 40 : (int)(e - p);
        return tg_json_error_at(r, off(r, p), TG_JSON_E_RANGE,
                                "number out of range for double, got %.*s%s", n, p,
                                e - p > 40 ? "..." : "");
    }
    return true;
}

/* The escape at p that is not a two-byte one (scan_string's rule): its
 * code point written to o as UTF-8; returns the bytes it spans in the input
 * (0 after recording the error) and *k the bytes written (k <= span). */
static inline size_t put_escape(tg_json_reader *r, const char *p, char *o, size_t *k)
{
    unsigned cp;
    tg_text_escape_fault fault;
    size_t n;
    int u;

    /* \uXXXX outside the surrogates inline (tg_text_escape's first case) */
    if (r->end - p >= 6 && p[1] == 'u' && (u = tg_text_hex4(p + 2)) >= 0 &&
        (u < 0xD800 || u > 0xDFFF)) {
        *k = tg_text_utf8_put((unsigned)u, o);
        return 6;
    }
    n = tg_text_escape(p, r->end, &cp, &fault);
    if (n == 0)
        return escape(r, p, &cp); /* the error, worded once */
    *k = tg_text_utf8_put(cp, o);
    return n;
}

/* copy_plain when out has room for every byte from p to end. */
static inline void copy_plain_roomy(const char *p, const char *e, const char *end, char *out)
{
#if defined(__SSE2__)
    for (; e - p > 0 && end - p >= 16; p += 16, out += 16)
        _mm_storeu_si128((__m128i *)(void *)out, _mm_loadu_si128((const __m128i *)(const void *)p));
    if (e - p <= 0)
        return;
#else
    (void)end;
#endif
    memcpy(out, p, (size_t)(e - p));
}

/* scan_string (same checks, same errors, same result) for a string whose
 * decoded text certainly fits: out has room for every byte from q + 1 to
 * the end of the input.  A decoded string is never longer than its body
 * (an escape spans at least as many bytes as it writes), and a 16-byte
 * store at out + w copies the bytes at p (w <= p - q - 1, p + 16 <= end),
 * so no write needs a bound check: every one lands in out[0, end - q - 1). */
static inline const char *decode_roomy(tg_json_reader *r, const char *q, const char *p, char *out,
                                       size_t *declen)
{
    const char *end = r->end, *s;
    /* p <= lim: at least 18 bytes left, so the byte after a backslash and
     * the 16 bytes after a two-byte escape are there without a test */
    const char *lim = end - r->begin >= 18 ? end - 18 : r->begin;
    char *o = out + (p - q - 1);

#if defined(__SSE2__)
    if (end - q > 16 && p - q <= 17) /* the plain start in one block (often) */
        _mm_storeu_si128((__m128i *)(void *)out,
                         _mm_loadu_si128((const __m128i *)(const void *)(q + 1)));
    else
#endif
        copy_plain_roomy(q + 1, p, end, out);
    for (;;) {
        unsigned char c;
        char x;
        if (p <= lim) {
            if (*p == '\\' && (x = tg_text_short_escape_[(unsigned char)p[1]]) != 0) {
                *o++ = x;
                p += 2;
                goto run; /* the common step, in escape-heavy text */
            }
            if (*p == '"')
                break;
        }
        if (p == end)
            return fail(r, q, TG_JSON_E_SYNTAX, "unterminated string"), (const char *)NULL;
        c = (unsigned char)*p;
        if (c == '\\') {
            x = end - p >= 2 ? tg_text_short_escape_[(unsigned char)p[1]] : 0;
            if (x) {
                *o++ = x;
                p += 2;
            } else {
                size_t k = 0, n = put_escape(r, p, o, &k);
                if (n == 0)
                    return NULL;
                o += k;
                p += n;
            }
        } else if (c == '"') {
            break;
        } else if (c >= 0x80 && (s = tg_simd_string_run(p, end)) != p) {
            memcpy(o, p, (size_t)(s - p));
            o += s - p;
            p = s;
            continue;
        } else if (c < 0x20) {
            return fail(r, p, TG_JSON_E_SYNTAX, "unescaped control character 0x%02X in string",
                        (unsigned)c), (const char *)NULL;
        } else {
            return fail(r, p, TG_JSON_E_UTF8, "invalid UTF-8 byte 0x%02X", (unsigned)c),
                   (const char *)NULL;
        }
        if (end - p < 16)
            goto tail;
    run:
        /* the run after an escape: plain ASCII 16 bytes per step (at least
         * 16 bytes left here) */
#if defined(__SSE2__)
        do {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            unsigned m = tg_text_special_mask16(v);
            _mm_storeu_si128((__m128i *)(void *)o, v);
            if (m) {
                unsigned k = (unsigned)__builtin_ctz(m);
                p += k;
                o += k;
                goto next;
            }
            p += 16;
            o += 16;
        } while (end - p >= 16);
#endif
    tail:
        s = string_run(p, end);
        memcpy(o, p, (size_t)(s - p));
        o += s - p;
        p = s;
#if defined(__SSE2__)
    next:;
#endif
    }
    *declen = (size_t)(o - out); /* at the closing quote */
    return p + 1;
}

/* The arena's free end, n bytes of it written already, handed out: what
 * tg_arena_alloc(a, n, 1) does when n fits (a->base not NULL, n <= cap -
 * used), inline. */
static inline char *arena_take(tg_arena *a, size_t n)
{
    char *p = (char *)a->base + a->used;
    tg_arena_count_(a, 0, n);
    a->used += n;
    return p;
}

/* string_at_escaped when the arena's free end may not hold the decoded
 * text: scan_string with its bound checks, then tg_arena_alloc (which
 * counts the need when it refuses: measuring mode). */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static bool string_at_checked(tg_json_reader *r, const char *p, const char *e, tg_str *out,
                              bool *esc)
{
    tg_arena *a = r->arena;
    char *dst = a->base ? (char *)a->base + a->used : NULL;
    size_t declen, room = a->base ? a->cap - a->used : 0;

    e = scan_string(r, p, e, dst, room, &declen, esc);
    if (!e)
        return false;
    r->cur = e;
    if (!(out->ptr = tg_arena_alloc(a, declen, 1))) {
        arena_short(r, p);
        out->ptr = p + 1;
        out->len = (size_t)(e - p - 2);
        return true;
    }
    out->len = declen;
    *esc = false; /* decoded */
    return true;
}

/* The string value at p whose first run stopped at e before its closing
 * quote: decoded while it is validated, into the arena's free end, then
 * exactly its decoded length is allocated there (the same bytes: the
 * request is byte-aligned and not empty, as only a string with an escape
 * gets that far valid).  When the free end holds the rest of the input the
 * decoding takes no bound checks (decode_roomy) and the allocation is a
 * bump.  *esc is false on return unless the arena refused the copy (the
 * string is then returned as written).  Out of line: plain strings, the
 * common case, keep a short string_at. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static bool string_at_escaped(tg_json_reader *r, const char *p, const char *e, tg_str *out,
                              bool *esc)
{
    tg_arena *a = r->arena;
    size_t declen;

    /* (no buffer: measuring, even when the input ends right after p) */
    if (a->cap - a->used < (size_t)(r->end - p - 1) || !a->base)
        return string_at_checked(r, p, e, out, esc);
    if (!(e = decode_roomy(r, p, e, (char *)a->base + a->used, &declen)))
        return false;
    r->cur = e;
    out->ptr = arena_take(a, declen);
    out->len = declen;
    *esc = false;
    return true;
}

/* The string value at p whose plain ASCII start ends at e, a non-ASCII
 * byte (utf8 true) or any byte that is not the closing quote, or end: its
 * valid UTF-8 stepped over by the level's kernel, then the closing quote
 * or the escaped path.  Out of line, so that string_at's plain path saves
 * no register for the calls here. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static bool string_at_rest(tg_json_reader *r, const char *p, const char *e, tg_str *out,
                           bool *esc, bool utf8)
{
#if defined(__SSE2__)
    if (utf8 || (e < r->end && (unsigned char)*e >= 0x80))
#else
    (void)utf8; /* string_from stepped over nothing: the kernel scans */
#endif
        e = tg_simd_string_run(e, r->end);
    if (e < r->end && *e == '"') {
        r->cur = e + 1;
        out->ptr = p + 1;
        out->len = (size_t)(e - p - 1);
        *esc = false;
        return true;
    }
    return string_at_escaped(r, p, e, out, esc);
}

/* The plain string whose quotes are at p and e, read. */
static inline bool plain_string(tg_json_reader *r, const char *p, const char *e, tg_str *out,
                                bool *esc)
{
    r->cur = e + 1;
    out->ptr = p + 1;
    out->len = (size_t)(e - p - 1);
    *esc = false;
    return true;
}

/* string_at from its opening quote at p: plain ASCII stepped over inline,
 * 16 bytes at a time with SSE2 (string_run's inline part), the rest by a
 * tail call. */
static inline bool string_from(tg_json_reader *r, const char *p, tg_str *out, const char **q,
                               bool *esc)
{
    const char *e = p + 1, *end = r->end;
    *q = p;
#if defined(__SSE2__)
    while (end - e >= 16) {
        unsigned m = tg_text_special_mask16(_mm_loadu_si128((const __m128i *)(const void *)e));
        if (m) {
            e += __builtin_ctz(m);
            if (*e == '"')
                return plain_string(r, p, e, out, esc);
            if ((unsigned char)*e >= 0x80)
                return string_at_rest(r, p, e, out, esc, true);
            return string_at_escaped(r, p, e, out, esc);
        }
        e += 16;
    }
    while (e < end && (unsigned char)*e >= 0x20 && (unsigned char)*e < 0x80 && *e != '"' &&
           *e != '\\')
        e++;
    if (e < end && *e == '"')
        return plain_string(r, p, e, out, esc);
#else
    (void)end;
#endif
    return string_at_rest(r, p, e, out, esc, false);
}

/* string_at when the cursor is not at the opening quote (nor one space
 * before it): whitespace, or not a string. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((noinline))
#endif
static bool string_at_ws(tg_json_reader *r, tg_str *out, const char **q, bool *esc)
{
    const char *p = skip_ws(r->cur, r->end);
    if (p >= r->end || *p != '"')
        return type_error(r, p, "string");
    return string_from(r, p, out, q, esc);
}

/* Read a string value at the cursor; *q gets its opening quote.  *esc
 * says on return whether it is still escaped (the arena refused the copy).
 * The plain ASCII string right at the cursor (or after one space) makes no
 * call; every other case is a tail call. */
static bool string_at(tg_json_reader *r, tg_str *out, const char **q, bool *esc)
{
    const char *p = r->cur;

    if (r->fatal)
        return false;
    if (r->end - p >= 2 && *p == ' ')
        p++;
    if (p >= r->end || *p != '"')
        return string_at_ws(r, out, q, esc);
    return string_from(r, p, out, q, esc);
}

bool tg_json_read_string(tg_json_reader *r, tg_str *out)
{
    const char *q;
    bool raw = false;
    return string_at(r, out, &q, &raw);
}

/* s (a string value read at q) failed a format check. */
static bool format_error(tg_json_reader *r, const char *q, tg_str s, const char *what,
                         const char *why)
{
    char excerpt[TG_JSON_EXCERPT_CAP];
    return tg_json_error_at(r, off(r, q), TG_JSON_E_FORMAT, "invalid %s %s%s%s", what,
                            tg_json_excerpt(excerpt, s), why ? ": " : "", why ? why : "");
}

bool tg_json_read_decimal(tg_json_reader *r, tg_str *out)
{
    const char *p, *e, *why, *q;
    tg_str s;
    bool raw = false;

    if (r->fatal)
        return false;
    p = skip_ws(r->cur, r->end);
    if (p < r->end && (*p == '-' || (*p >= '0' && *p <= '9'))) {
        e = tg_text_number(p, r->end, &why);
        if (!e)
            return fail(r, p, TG_JSON_E_SYNTAX, "%s", why);
        r->cur = e;
        out->ptr = p;
        out->len = (size_t)(e - p);
        return true;
    }
    if (p < r->end && *p != '"')
        return type_error(r, p, "decimal");
    if (!string_at(r, &s, &q, &raw))
        return false;
    if (raw)
        return true; /* measuring: not decoded */
    if (!tg_text_is_decimal(s.ptr, s.len))
        return format_error(r, q, s, "decimal", NULL);
    *out = s;
    return true;
}

bool tg_json_read_timestamp(tg_json_reader *r, tg_str *out)
{
    const char *q, *why;
    tg_str s;
    bool raw = false;

    if (!string_at(r, &s, &q, &raw))
        return false;
    if (raw)
        return true;
    if ((why = tg_text_timestamp(s.ptr, s.len)) != NULL)
        return format_error(r, q, s, "timestamp", why);
    *out = s;
    return true;
}

bool tg_json_read_uuid(tg_json_reader *r, tg_uuid *out)
{
    const char *q;
    tg_str s;
    bool raw = false;

    if (!string_at(r, &s, &q, &raw))
        return false;
    if (raw)
        return true;
    if (!tg_text_uuid(s.ptr, s.len, out))
        return format_error(r, q, s, "uuid", "expected 8-4-4-4-12 hex digits");
    return true;
}

bool tg_json_read_bytes(tg_json_reader *r, tg_bytes *out)
{
    const char *p, *e, *why;
    size_t declen, n;
    bool esc;
    unsigned char *buf;

    if (r->fatal)
        return false;
    p = skip_ws(r->cur, r->end);
    if (p >= r->end || *p != '"')
        return type_error(r, p, "base64 string");
    e = string_end(r, p, &declen, &esc);
    if (!e)
        return false;
    r->cur = e;
    if (!esc) {
        /* Decoded in one pass into room sized from the text (3 bytes per
         * 4 characters, less the padding); invalid text wastes that room. */
        tg_str s = {p + 1, declen};
        size_t pads = declen >= 4 ? (size_t)(s.ptr[declen - 1] == '=') +
                                        (size_t)(s.ptr[declen - 2] == '=') : 0;
        size_t room = declen / 4 * 3 - pads;
        buf = declen % 4 == 0 ? tg_arena_alloc(r->arena, room, 1) : NULL;
        if (!buf && declen % 4 == 0) {
            arena_short(r, p);
            if ((why = tg_text_base64(s.ptr, s.len, NULL, &n)) != NULL)
                return format_error(r, p, s, "base64", why);
            out->ptr = NULL;
            out->len = 0;
            return true;
        }
        if ((why = tg_text_base64(s.ptr, s.len, buf, &n)) != NULL)
            return format_error(r, p, s, "base64", why);
    } else {
        /* Escaped (e.g. "\/"): unescape into the arena, decode in place
         * (decoding writes behind where it reads). */
        buf = tg_arena_alloc(r->arena, declen, 1);
        if (!buf) {
            arena_short(r, p);
            out->ptr = NULL;
            out->len = 0;
            return true;
        }
        unescape(p + 1, e - 1, (char *)buf);
        if ((why = tg_text_base64((const char *)buf, declen, buf, &n)) != NULL) {
            tg_str s = {p + 1, (size_t)(e - p - 2)};
            return format_error(r, p, s, "base64", why);
        }
    }
    out->ptr = buf;
    out->len = n;
    return true;
}
