/*
 * tg_codec.h: schema-level helpers for topicgen-generated codecs.
 *
 * tg_json.h knows JSON; this file knows what a schema adds on top of it:
 * matching member names against a field table, required fields, numeric
 * ranges, string lengths, item counts, enum and union tags, arena
 * allocation for arrays, and turning a reader or writer into the result code
 * a generated decode/encode function returns.  Only generated code is meant
 * to call these; applications use the generated <T>_decode/<T>_encode.
 *
 * Nothing here allocates.  Every function is thread-safe for distinct
 * readers/writers.
 */
#ifndef TG_CODEC_H
#define TG_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tg_json.h"

#ifdef __cplusplus
extern "C" {
#endif

/* private: the search behind tg_codec_match when the hint misses. */
int tg_codec_match_scan_(tg_str key, const tg_str *names, int n);

/* Index of `key` in names[0..n), or -1.  names[hint] is tried first (members
 * usually arrive in schema order); hint may be n.  Inline: the hint hits for
 * almost every member of a message written in schema order. */
static inline int tg_codec_match(tg_str key, const tg_str *names, int n, int hint)
{
    if (hint < n && tg_str_eq(key, names[hint]))
        return hint;
    return tg_codec_match_scan_(key, names, n);
}

/* ---- reading -------------------------------------------------------------- */

/* An array or map being read, whose length is not known until its end.
 * Items go into the reader's arena one at a time: in place, right after
 * the previous one, while nothing else has been allocated since (the usual
 * case: strings without escapes point into the input); else into a block
 * twice as big, the items so far copied over (the old block is not given
 * back: a bump arena cannot).  So no pass over the input counts items first,
 * and an array of n items uses n item sizes of arena when its items allocate
 * nothing, at most about 4n when they do.  Every decision follows the
 * arena's virtual cursor (a->needed), never whether a request was granted,
 * so a retry with a->needed bytes takes the same steps and fits exactly.
 * Initialise with {0}; no cleanup. */
typedef struct tg_codec_vec {
    void *items;  /* the block; NULL when empty or an allocation was refused */
    size_t count; /* items pushed                                           */
    size_t cap;   /* items the block holds                                  */
    size_t end;   /* virtual arena offset just past the block               */
    bool lost;    /* an allocation was refused: items stays NULL (measuring) */
} tg_codec_vec;

/* private: make room for one more item (see tg_codec_vec). */
void tg_codec_vec_grow_(tg_json_reader *r, tg_codec_vec *v, size_t size, size_t align);

/* Room for the next item (`size` bytes, a multiple of `align`), or NULL
 * when the arena is short: the reader is then in measuring mode, the item
 * is decoded into a scratch element by the caller and tg_json_finish
 * reports the bytes needed.  The memory is not zeroed. */
static inline void *tg_codec_vec_push(tg_json_reader *r, tg_codec_vec *v, size_t size,
                                      size_t align)
{
    if (v->count == v->cap)
        tg_codec_vec_grow_(r, v, size, align);
    v->count++;
    return v->items ? (unsigned char *)v->items + (v->count - 1) * size : NULL;
}

/* A key returned by tg_json_object_next that must outlive its object (map
 * keys): a view into the input when possible, else copied into the arena. */
tg_str tg_codec_keep_key(tg_json_reader *r, tg_str key);

/* private: the error reports behind tg_codec_check_required. */
void tg_codec_check_required_report_(tg_json_reader *r, const uint64_t *seen,
                                     const uint64_t *required, size_t words, const tg_str *names);

/* Call right after the object's closing '}' was read.  Record
 * TG_JSON_E_MISSING ("missing required field") for each required field
 * (bit i of required[]) not set in seen[]; names[i] gives the path, the
 * offset is the closing '}' (where the field was found missing: a reader
 * of the error looks at the end of the object, as msgspec reports it). */
static inline void tg_codec_check_required(tg_json_reader *r, const uint64_t *seen,
                                           const uint64_t *required, size_t words,
                                           const tg_str *names)
{
    /* Inline: almost every message has all its required fields. */
    for (size_t w = 0; w < words; w++)
        if (required[w] & ~seen[w]) {
            tg_codec_check_required_report_(r, seen, required, words, names);
            return;
        }
}

/* private: the code-point count behind tg_codec_check_length. */
void tg_codec_check_length_count_(tg_json_reader *r, size_t offset, tg_str s, uint64_t min,
                                  uint64_t max);

/* TG_JSON_E_LENGTH unless min <= code points of s <= max.  A code point is 1
 * to 4 bytes, so len / 4 <= code points <= len: when the byte length already
 * decides both bounds (the usual case), nothing is counted. */
static inline void tg_codec_check_length(tg_json_reader *r, size_t offset, tg_str s, uint64_t min,
                                         uint64_t max)
{
    if (s.len <= max && s.len / 4 >= min)
        return;
    tg_codec_check_length_count_(r, offset, s, min, max);
}

/* TG_JSON_E_LENGTH unless min <= count <= max (arrays and maps). */
void tg_codec_check_items(tg_json_reader *r, size_t offset, size_t count, uint64_t min, uint64_t max);

/* TG_JSON_E_RANGE unless v >= min (unsigned fields with a lower bound). */
void tg_codec_check_uint_min(tg_json_reader *r, size_t offset, uint64_t v, uint64_t min);

/* TG_JSON_E_RANGE unless v is within the bounds that are set. */
void tg_codec_check_double(tg_json_reader *r, size_t offset, double v, bool has_min, double min,
                           bool has_max, double max);

/* TG_JSON_E_ENUM: `got` is not one of `allowed` (a ", "-separated list). */
void tg_codec_error_enum(tg_json_reader *r, size_t offset, tg_str got, const char *type,
                         const char *allowed);

/* Tagged unions: find the string value of member `discriminator` in the
 * object that comes next, without consuming anything.  Returns true with
 * *tag set (a view into the input).  Otherwise records the error (not an
 * object, missing discriminator, discriminator not a string), skips the
 * value and returns false. */
bool tg_codec_find_tag(tg_json_reader *r, tg_str discriminator, tg_str *tag);

/* Index of the variant tag[] that the tag found by tg_codec_find_tag spells
 * (it is still JSON-escaped text: "a\u0062" matches "ab"), or -1. */
int tg_codec_match_tag(tg_str tag, const tg_str *tags, int n);

/* TG_JSON_E_UNION: `tag` (as tg_codec_find_tag found it, in the input)
 * names no variant; `allowed` lists the tags.  The offset is the
 * discriminator value's opening quote. */
void tg_codec_error_variant(tg_json_reader *r, tg_str discriminator, tg_str tag,
                            const char *allowed);

/* Finish a decode: trailing text check, arena report, result code (the code
 * of the first error recorded, or TG_JSON_OK). */
tg_json_code tg_codec_decode_end(tg_json_reader *r);

/* ---- writing -------------------------------------------------------------- */

/* Write the separator in *sep ('{' before the first member, ',' after) and
 * the pre-escaped `"key":` text. */
static inline void tg_codec_member(tg_json_writer *w, char *sep, const char *key, size_t n)
{
    if (w->len < w->cap && w->cap - w->len > n) { /* fits: one check, n a constant */
        char *o = w->buf + w->len;
        o[0] = *sep;
        memcpy(o + 1, key, n);
        w->len += n + 1;
    } else {
        tg_json_write_char(w, *sep);
        tg_json_write_raw(w, key, n);
    }
    *sep = ',';
}

/* Close an object opened by tg_codec_member (or write {} if none was). */
static inline void tg_codec_object_end(tg_json_writer *w, char sep)
{
    if (sep == '{')
        tg_json_write_char(w, '{');
    tg_json_write_char(w, '}');
}

/* Write an enum's wire string; NULL (a value outside the enum) is
 * TG_JSON_E_VALUE. */
void tg_codec_write_enum(tg_json_writer *w, const char *wire);

/* Mark the output invalid (TG_JSON_E_VALUE), e.g. a union with no variant. */
void tg_codec_write_invalid(tg_json_writer *w);

/* Result of an encode: *len = bytes needed; TG_JSON_E_BUFFER when they did
 * not fit, the writer's error if any, else TG_JSON_OK. */
tg_json_code tg_codec_encode_end(const tg_json_writer *w, size_t *len);

/* ---- Kafka keys ----------------------------------------------------------- */
/* Each writes the key bytes into buf[0..cap) and returns the length needed
 * (nothing is written when it exceeds cap). */
size_t tg_codec_key_str(tg_str s, char *buf, size_t cap);
size_t tg_codec_key_cstr(const char *s, char *buf, size_t cap);
size_t tg_codec_key_int(int64_t v, char *buf, size_t cap);
size_t tg_codec_key_uint(uint64_t v, char *buf, size_t cap);
size_t tg_codec_key_uuid(const tg_uuid *u, char *buf, size_t cap);

/* ---- Kafka topic names ---------------------------------------------------- */
/* Kafka's rule for a topic name, the one the generator checks schemas with
 * and the embedded broker checks its topics with: 1 to TG_TOPIC_NAME_MAX
 * bytes of ASCII letters, digits, '.', '_' and '-', and not "." or "..". */
#define TG_TOPIC_NAME_MAX 249

typedef enum tg_topic_name_check {
    TG_TOPIC_NAME_OK = 0,
    TG_TOPIC_NAME_EMPTY,
    TG_TOPIC_NAME_BAD_CHAR,   /* *bad_at: the offset of the first one */
    TG_TOPIC_NAME_RESERVED,   /* "." or ".." */
    TG_TOPIC_NAME_TOO_LONG    /* over TG_TOPIC_NAME_MAX bytes */
} tg_topic_name_check;

/* Check name[0..len) against the rule; bad_at (may be NULL) receives the
 * offset of the first character not allowed.  Thread-safe. */
tg_topic_name_check tg_codec_topic_name_check(const char *name, size_t len, size_t *bad_at);

#ifdef __cplusplus
}
#endif

#endif /* TG_CODEC_H */
