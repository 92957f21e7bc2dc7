/*
 * tg_json.h: the JSON primitives topicgen-generated decoders and encoders
 * call.  A reader is a cursor over one complete JSON text (RFC 8259, strict)
 * that records errors with a byte offset and a JSON path; a writer appends to
 * a caller buffer and counts what did not fit.  Nothing here calls malloc.
 *
 * This is not a general JSON library: there is no DOM and no streaming over
 * partial input.  Generated code drives the reader member by member; see
 * docs/internals.md for the contract.
 *
 * Conventions for every function below:
 *   - Ownership: nothing is owned.  The input text, the arena, the error
 *     array and the output buffer belong to the caller and must outlive the
 *     reader/writer and every view (tg_str, tg_bytes) handed out.
 *   - Thread-safety: no global state.  A reader or writer is used by one
 *     thread at a time; different readers/writers run in parallel freely.
 *     Number conversion calls strtod/snprintf, which only read the locale,
 *     and the text they see or produce has no locale-dependent characters.
 *   - No function allocates heap memory (tests/json/alloc_test.c).
 */
#ifndef TG_JSON_H
#define TG_JSON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tg_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------
 * Compile-time knobs.  Define before including (the same way for the runtime
 * and all code using it: they change struct sizes).  A reader holds about
 * 40 bytes * TG_JSON_MAX_DEPTH + 28 bytes * TG_JSON_MAX_KEYS
 * + TG_JSON_KEY_SCRATCH bytes (33.4 kB with the defaults on 64-bit).
 * ------------------------------------------------------------------------- */

/* Deepest nesting of objects/arrays accepted ("nesting deeper than 64").
 * The reader never recurses, so this only bounds the path stack. */
#ifndef TG_JSON_MAX_DEPTH
#define TG_JSON_MAX_DEPTH 64
#endif

/* Keys remembered at once, over all open objects, for duplicate-key checks.
 * An object with more members (or all open objects together) is refused with
 * TG_JSON_E_LIMIT.  Must be a power of two <= 32768. */
#ifndef TG_JSON_MAX_KEYS
#define TG_JSON_MAX_KEYS 1024
#endif

/* Bytes for the decoded copy of the key just read, when it has escapes and
 * tg_json_object_next_known returns it (only matched against a schema's
 * names), or tg_json_object_next's arena refused it (measuring).  Not a
 * limit: a longer key is handed back as written (no schema names one), and
 * duplicate checks and error paths decode keys as written, whatever their
 * spelling. */
#ifndef TG_JSON_KEY_SCRATCH
#define TG_JSON_KEY_SCRATCH 2048
#endif

/* Sizes of the text fields of an error record (NUL included). */
#ifndef TG_JSON_PATH_MAX
#define TG_JSON_PATH_MAX 128
#endif
#ifndef TG_JSON_REASON_MAX
#define TG_JSON_REASON_MAX 256
#endif

/* ---------------------------------------------------------------------------
 * Error codes.  One list; it gives the enum and tg_json_code_name().
 * "fatal" codes are recorded by the reader itself and stop decoding; the
 * others are validation errors and decoding goes on.
 * ------------------------------------------------------------------------- */
#define TG_JSON_CODE_LIST(X)                                                  \
    X(TG_JSON_OK, "ok")                                                       \
    X(TG_JSON_E_SYNTAX, "syntax")               /* fatal: not RFC 8259 JSON */ \
    X(TG_JSON_E_UTF8, "utf8")                   /* fatal: bad UTF-8/escape  */ \
    X(TG_JSON_E_DEPTH, "depth")                 /* fatal: > max_depth       */ \
    X(TG_JSON_E_DUPLICATE, "duplicate")         /* fatal: repeated key      */ \
    X(TG_JSON_E_LIMIT, "limit")                 /* fatal: a TG_JSON_* bound */ \
    X(TG_JSON_E_TYPE, "type")                   /* wrong JSON type          */ \
    X(TG_JSON_E_RANGE, "range")                 /* number out of range      */ \
    X(TG_JSON_E_LENGTH, "length")               /* string/array length      */ \
    X(TG_JSON_E_ENUM, "enum")                   /* not an enum value        */ \
    X(TG_JSON_E_FORMAT, "format")               /* timestamp/uuid/base64... */ \
    X(TG_JSON_E_MISSING, "missing")             /* required field absent    */ \
    X(TG_JSON_E_UNKNOWN_FIELD, "unknown_field") /* rejected unknown member  */ \
    X(TG_JSON_E_UNION, "union")                 /* no/ambiguous union arm   */ \
    X(TG_JSON_E_ARENA, "arena")                 /* arena too small (total)  */ \
    X(TG_JSON_E_VALUE, "value")                 /* writer: unwritable value */ \
    X(TG_JSON_E_BUFFER, "buffer")               /* encode: buffer too small */

typedef enum tg_json_code {
#define TG_JSON_CODE_ENUM_(name, text) name,
    TG_JSON_CODE_LIST(TG_JSON_CODE_ENUM_)
#undef TG_JSON_CODE_ENUM_
    TG_JSON_CODE_COUNT_
} tg_json_code;

/* The short lowercase name of a code ("syntax", "range", ...); "?" when out
 * of range.  Static storage, thread-safe. */
const char *tg_json_code_name(tg_json_code code);

/* One recorded error. */
typedef struct tg_json_error {
    tg_json_code code;
    size_t offset;                   /* byte offset in the input              */
    char path[TG_JSON_PATH_MAX];     /* "$.line_items[2].quantity", "...": cut */
    char reason[TG_JSON_REASON_MAX]; /* "expected integer >= 1, got -3"       */
} tg_json_error;

/* Caller-owned error sink: items[0..cap).  Errors past cap are counted in
 * `dropped`.  cap 1 keeps only the first error; larger caps collect all
 * validation errors of a message. */
typedef struct tg_json_errors {
    tg_json_error *items;
    size_t cap;
    size_t count;
    size_t dropped;
} tg_json_errors;

/* Format `e` as "<path>: <reason> (byte <offset>)" into buf[0..cap), always
 * NUL-terminated when cap > 0.  Returns the length the full text needs (like
 * snprintf).  Thread-safe. */
size_t tg_json_error_format(const tg_json_error *e, char *buf, size_t cap);

/* ---------------------------------------------------------------------------
 * Reader
 * ------------------------------------------------------------------------- */

/* One level of the path: an object key or an array index. */
typedef struct tg_json_path_seg {
    tg_str key;            /* kind 1: the key as written in the input (escaped
                              when flags has TG_JSON_SEG_KEY_ESCAPED_)     */
    uint32_t index;        /* kind 2: the array index (saturates)          */
    uint16_t kind;         /* 0: nothing read yet, 1: key, 2: index        */
    uint16_t flags;        /* private: object/array, first member read     */
    uint32_t key_mark;     /* private: first dup-table entry of this level */
    uint64_t key_bloom;    /* private: signature bits of its keys (small) */
} tg_json_path_seg;

/* private: path_seg.flags bit: the key has escapes (error paths decode it) */
#define TG_JSON_SEG_KEY_ESCAPED_ 8u

/* private: one remembered key of an open object */
typedef struct tg_json_key_entry_ {
    const char *ptr;  /* the key as written in the input (raw_len bytes)  */
    uint32_t len;     /* decoded length (== raw_len: no escapes)          */
    uint32_t raw_len;
    uint32_t hash;
    uint32_t slot;
} tg_json_key_entry_;

/* A cursor over one JSON text.  Initialise with tg_json_reader_init; the
 * fields marked private are the reader's.  One reader per thread; readers
 * share nothing. */
typedef struct tg_json_reader {
    const char *begin, *cur, *end;
    tg_arena *arena;         /* never NULL after init (see reader_init)     */
    tg_json_errors *errors;  /* where errors go (may be NULL: only counted) */
    unsigned depth, max_depth; /* max_depth <= TG_JSON_MAX_DEPTH            */
    tg_json_path_seg path[TG_JSON_MAX_DEPTH]; /* key or index per level     */
    bool fatal;              /* a syntax error: every call now fails at once */
    /* private (arena_short and arena_offset are also set by the runtime's
     * tg_codec.c when one of its allocations is refused) */
    bool arena_short;        /* an allocation was refused: measuring mode   */
    bool slots_ready;        /* slots[] has been zeroed                     */
    size_t error_count;      /* errors recorded (kept + dropped)            */
    size_t arena_offset;     /* where the first refused allocation was      */
    unsigned nkeys;          /* entries in use in keys[]                    */
    const char *key_quote;   /* opening quote of the last key read          */
    size_t key_len;          /* its decoded length, when it has escapes     */
    const char *key_in_arena; /* its decoded copy in the arena, or NULL      */
    tg_arena no_arena;       /* stands in (cap 0, measuring) for arena NULL */
    tg_json_key_entry_ keys[TG_JSON_MAX_KEYS];
    uint16_t slots[2 * TG_JSON_MAX_KEYS]; /* hash table: entry index + 1    */
    char scratch[TG_JSON_KEY_SCRATCH];
} tg_json_reader;

/* The reader's string kernel (runtime/json/tg_simd.c): "avx2", "sse2" or
 * "scalar" (static text).  By default the best the CPU has; the environment
 * variable TOPICGEN_SIMD (scalar, sse2, avx2), read at the first use, or
 * tg_json_simd_set choose another.  Every level accepts and rejects exactly
 * the same input with the same errors; only the speed differs. */
const char *tg_json_simd(void);

/* Use `level` ("scalar", "sse2", "avx2"; NULL or "" for the best the CPU
 * has) in every reader of the process from now on.  False, nothing changed,
 * for an unknown name or a level the CPU lacks (avx2 needs AVX2, BMI1,
 * POPCNT and PCLMULQDQ).  Meant for tests and
 * benchmarks; readers running meanwhile finish with either kernel. */
bool tg_json_simd_set(const char *level);

/* Start reading json[0..len).  The input must stay alive and unchanged while
 * decoded values are used (strings without escapes point into it).  arena
 * may be NULL: r->arena then points to a private empty arena, so every
 * allocation is refused and measured (the decode ends in TG_JSON_E_ARENA).
 * errors->count and ->dropped are reset.  max_depth is TG_JSON_MAX_DEPTH;
 * lower it afterwards if wanted. */
void tg_json_reader_init(tg_json_reader *r, const char *json, size_t len,
                         tg_arena *arena, tg_json_errors *errors);

/* End of the top-level value: only whitespace may follow ("trailing
 * characters after JSON value").  Also records the one TG_JSON_E_ARENA error
 * ("arena too small: N bytes needed, M available") when an allocation was
 * refused.  Returns true when the whole decode recorded no error at all. */
bool tg_json_finish(tg_json_reader *r);

/* Number of errors recorded so far (kept and dropped). */
static inline size_t tg_json_error_count(const tg_json_reader *r) { return r->error_count; }

/* Expect '{' and enter the object.  False on error (fatal when the value is
 * not JSON; a well-formed non-object value is skipped and recorded as
 * TG_JSON_E_TYPE, "expected object, got array"). */
bool tg_json_object_begin(tg_json_reader *r);

/* Next member of the current object.  1: a key was read (unescaped; a view
 * into the input or, when it had escapes, a copy in the arena, valid as long
 * as the arena's values; when the arena refused the copy, in the reader's
 * scratch until the next key is read, or as written when longer than
 * TG_JSON_KEY_SCRATCH: the decode then ends in TG_JSON_E_ARENA anyway) and
 * ':' consumed: the caller must now consume the value (read_* or skip_*).  0: '}' consumed, the object is left.  -1: error.
 * Rejects trailing commas and duplicate keys (fatal). */
int tg_json_object_next(tg_json_reader *r, tg_str *key);

/* Same as tg_json_object_next, but the key is not remembered for the
 * duplicate-key check: the caller does it.  Generated readers use it for
 * objects with a fixed set of members: a member of the schema seen twice is
 * reported with tg_json_key_duplicate (a bit per member finds it), any other
 * key must be passed to tg_json_key_remember before its value is read.
 * `expect` (may be NULL) is the member the caller expects next, a name with
 * no '"', '\\' or byte < 0x20: when the key's bytes are exactly that name,
 * 2 is returned (the key is not scanned a second time).  Keys the schema
 * knows are not counted against TG_JSON_MAX_KEYS: the seen bits bound them.
 * A key with escapes is decoded into the reader's scratch (valid until the
 * next key is read; no arena is used), or returned as written when it is
 * longer than TG_JSON_KEY_SCRATCH. */
int tg_json_object_next_known(tg_json_reader *r, tg_str *key, const tg_str *expect);

/* Remember `key` (just returned by tg_json_object_next_known) for the
 * duplicate-key check of the current object: false (fatal
 * TG_JSON_E_DUPLICATE or TG_JSON_E_LIMIT) when it was already there. */
bool tg_json_key_remember(tg_json_reader *r, tg_str key);

/* Record the fatal TG_JSON_E_DUPLICATE error for `key` (just returned by
 * tg_json_object_next_known), exactly as tg_json_object_next would have.
 * Returns false. */
bool tg_json_key_duplicate(tg_json_reader *r, tg_str key);

/* Expect '[' and enter the array (same failure rules as object_begin). */
bool tg_json_array_begin(tg_json_reader *r);

/* Next element: 1 an element follows (its index is in the path), 0 ']'
 * consumed and the array left, -1 error. */
int tg_json_array_next(tg_json_reader *r);

/* The current member (key just returned by object_next) is not in the
 * schema.  reject false: skip its value (validated, duplicate keys checked),
 * return true.  reject true: record TG_JSON_E_UNKNOWN_FIELD ("unknown field
 * \"key\"") at the key's path, skip the value, return false. */
bool tg_json_skip_unknown(tg_json_reader *r, tg_str key, bool reject);

/* If the next value is `null`, consume it and return true; otherwise consume
 * nothing and return false (also on a fatal error). */
bool tg_json_is_null(tg_json_reader *r);

/* Read true/false.  On a wrong type the value is skipped, TG_JSON_E_TYPE
 * recorded and false returned; so for every read_* below. */
bool tg_json_read_bool(tg_json_reader *r, bool *out);

/* Read an integer (JSON number without fraction or exponent; "-0" reads as
 * 0) within [min, max].  Out of range (also beyond int64) is TG_JSON_E_RANGE
 * naming the range ("expected integer >= 1, got -3"); never wraps. */
bool tg_json_read_int(tg_json_reader *r, int64_t min, int64_t max, int64_t *out);

/* Read a non-negative integer <= max (same rules; "-0" reads as 0). */
bool tg_json_read_uint(tg_json_reader *r, uint64_t max, uint64_t *out);

/* Read any JSON number as the correctly rounded double, independent of the C
 * locale.  Values too large for a double (1e309) are TG_JSON_E_RANGE; values
 * too small round to a subnormal or (signed) zero, as strtod does. */
bool tg_json_read_double(tg_json_reader *r, double *out);

/* Read a string.  The result points into the input when the string has no
 * escapes, else into the arena (unescaped).  UTF-8 is validated and lone or
 * reversed surrogate escapes are rejected (fatal).  When the arena is too
 * small the reader goes on measuring and *out is the raw (escaped) text. */
bool tg_json_read_string(tg_json_reader *r, tg_str *out);

/* Read a decimal: a JSON number, or a string holding text of JSON number
 * shape.  *out is the exact text (without quotes).  Bad text in a string is
 * TG_JSON_E_FORMAT. */
bool tg_json_read_decimal(tg_json_reader *r, tg_str *out);

/* Read an RFC 3339 date-time string (see tg_text.c for the exact rules);
 * *out is the text as is.  Invalid text is TG_JSON_E_FORMAT. */
bool tg_json_read_timestamp(tg_json_reader *r, tg_str *out);

/* Read a UUID string, 8-4-4-4-12 hex digits in any case. */
bool tg_json_read_uuid(tg_json_reader *r, tg_uuid *out);

/* Read a standard base64 string (with '=' padding) and decode it into the
 * arena.  Bad text is TG_JSON_E_FORMAT. */
bool tg_json_read_bytes(tg_json_reader *r, tg_bytes *out);

/* Read any JSON value (validated, duplicate keys checked) and return its raw
 * text as a view into the input. */
bool tg_json_read_raw(tg_json_reader *r, tg_str *out);

/* Skip any JSON value, validating it.  Iterative: depth costs no C stack. */
bool tg_json_skip_value(tg_json_reader *r);

/* Byte offset of the next token (whitespace skipped), for error positions. */
size_t tg_json_offset_ws_(tg_json_reader *r); /* private: the whitespace case */
static inline size_t tg_json_offset(tg_json_reader *r)
{
    /* Inline: generated code takes the offset of every checked value. */
    if (r->cur < r->end && (unsigned char)*r->cur > ' ')
        return (size_t)(r->cur - r->begin);
    /* One space, as after Python's default ": " separator: skipped. */
    if (r->end - r->cur >= 2 && *r->cur == ' ' && (unsigned char)r->cur[1] > ' ')
        return (size_t)(++r->cur - r->begin);
    return tg_json_offset_ws_(r); /* whitespace: skipped, so reads need not */
}

#if defined(__GNUC__) || defined(__clang__)
#define TG_JSON_PRINTF_(f, a) __attribute__((format(printf, f, a)))
#else
#define TG_JSON_PRINTF_(f, a)
#endif

/* Record a validation error (not fatal) at byte `offset` with the current
 * path and a printf-formatted reason.  Returns false, for `return
 * tg_json_error_at(...)`.  Does nothing after a fatal error. */
bool tg_json_error_at(tg_json_reader *r, size_t offset, tg_json_code code,
                      const char *fmt, ...) TG_JSON_PRINTF_(4, 5);

/* Same, with the path extended by `.field` (a missing required field). */
bool tg_json_error_field(tg_json_reader *r, size_t offset, tg_json_code code,
                         const char *field, const char *fmt, ...) TG_JSON_PRINTF_(5, 6);

/* va_list form of tg_json_error_field (field may be NULL). */
bool tg_json_error_v(tg_json_reader *r, size_t offset, tg_json_code code,
                     const char *field, const char *fmt, va_list ap);

/* Input text quoted in an error reason: at most TG_JSON_EXCERPT_BYTES bytes
 * of it, cut at a character boundary ("..." follows when cut). */
#define TG_JSON_EXCERPT_BYTES 40
#define TG_JSON_EXCERPT_CAP (TG_JSON_EXCERPT_BYTES * 6 + 8)

/* Write s into buf as a quoted excerpt ("abc", "abcd..."), with '"', '\\',
 * control characters, DEL, bytes that are not valid UTF-8 (\xff), and the
 * Unicode line separators and bidirectional controls (\u2028, \u202e)
 * escaped: text from the input never carries a line break into a log line
 * or a dead-letter header, nor reorders what a reader sees.  buf holds
 * TG_JSON_EXCERPT_CAP bytes; returns buf.  Thread-safe. */
const char *tg_json_excerpt(char *buf, tg_str s);

/* Number of Unicode code points in a valid UTF-8 string (for min_length /
 * max_length).  Thread-safe. */
size_t tg_str_utf8_length(tg_str s);

/* ---------------------------------------------------------------------------
 * Writer
 * ------------------------------------------------------------------------- */

/* Appends to buf[0..cap).  Bytes past cap are counted in len but not stored,
 * so writing with cap 0 measures the output.  The first error (a NaN, invalid
 * UTF-8, ...) is kept in `error`; writing goes on.  Only buf[0..len) is the
 * output: the fast paths store whole words, so a few bytes of buf[len..cap)
 * may be written too (never past cap). */
typedef struct tg_json_writer {
    char *buf;
    size_t cap;
    size_t len;
    tg_json_code error;
} tg_json_writer;

/* Start writing into buf[0..cap) (buf may be NULL with cap 0). */
void tg_json_writer_init(tg_json_writer *w, char *buf, size_t cap);

/* True when no error was recorded and everything fitted (len <= cap). */
static inline bool tg_json_writer_ok(const tg_json_writer *w)
{
    return w->error == TG_JSON_OK && w->len <= w->cap;
}

/* Append n literal bytes (punctuation, pre-escaped keys). */
static inline void tg_json_write_raw(tg_json_writer *w, const char *s, size_t n)
{
    if (w->len <= w->cap && n <= w->cap - w->len) { /* fits: n is often a constant */
        if (n)
            memcpy(w->buf + w->len, s, n);
    } else if (w->len < w->cap) {
        memcpy(w->buf + w->len, s, w->cap - w->len);
    }
    w->len += n;
}

/* Append one literal byte. */
static inline void tg_json_write_char(tg_json_writer *w, char c)
{
    if (w->len < w->cap)
        w->buf[w->len] = c;
    w->len++;
}

/* Write s as a JSON string: '"' '\\' and \b \f \n \r \t escaped, other bytes
 * < 0x20 as \u00XX, valid UTF-8 kept as is.  Invalid UTF-8 sets
 * TG_JSON_E_VALUE (the text is still written, for measuring). */
void tg_json_write_string(tg_json_writer *w, tg_str s);

/* Decimal integers, without snprintf. */
void tg_json_write_int(tg_json_writer *w, int64_t v);
void tg_json_write_uint(tg_json_writer *w, uint64_t v);

/* The shortest decimal that reads back as v, Python-repr style: 0.1, 1.0,
 * 123.456, 1e+16, 1e-05, -0.0.  NaN and infinities set TG_JSON_E_VALUE and
 * write null. */
void tg_json_write_double(tg_json_writer *w, double v);

void tg_json_write_bool(tg_json_writer *w, bool v);
void tg_json_write_null(tg_json_writer *w);

/* Canonical lowercase 8-4-4-4-12 UUID, quoted. */
void tg_json_write_uuid(tg_json_writer *w, const tg_uuid *u);

/* Standard base64 with padding, quoted. */
void tg_json_write_bytes(tg_json_writer *w, tg_bytes b);

/* A raw JSON value (a `json` field), written as is: the caller vouches for
 * it (it came from tg_json_read_raw or is built by the application).  An
 * empty one (a field never set) sets TG_JSON_E_VALUE. */
void tg_json_write_json(tg_json_writer *w, tg_str json);

/* A decimal, written as a JSON string holding its exact text; text that is
 * not JSON-number-shaped sets TG_JSON_E_VALUE. */
void tg_json_write_decimal(tg_json_writer *w, tg_str s);

/* An RFC 3339 date-time, written as a string; invalid text sets
 * TG_JSON_E_VALUE. */
void tg_json_write_timestamp(tg_json_writer *w, tg_str s);

#ifdef __cplusplus
}
#endif

#endif /* TG_JSON_H */
