/*
 * unescape_diff.h: one JSON string document ('"' body '"', anything may
 * follow) read two ways, for the differential checks of the reader's
 * one-pass string decoding (tests/json/unescape_test.c,
 * tests/fuzz/json_simd_fuzz.c):
 *   - unescape_ref: a plain reference written from RFC 8259 and Unicode 15
 *     table 3-7 (one byte at a time, no shared code with the reader): the
 *     verdict, the decoded bytes, or the first error's code and offset as
 *     the reader reports them;
 *   - unescape_read: tg_json_read_string then tg_json_finish of a heap
 *     copy of exactly the document's n bytes, over an arena of exactly
 *     `cap` heap bytes of which `used` are taken first, so that a read past
 *     the input or a write past the arena is a heap overflow the sanitizers
 *     see (the caller's buffer may be bigger: its slack is never read).
 * unescape_same compares them: equal verdicts, equal bytes when valid,
 * equal (code, offset) when not, and TG_JSON_E_ARENA with the exact need
 * when the decoded copy does not fit.  The error's wording (reason and
 * path) is compared too, with the scalar level's checked path (no arena:
 * scan_string), which unescape_wording records in the reference: the
 * unchecked decoding (decode_roomy) words its errors a second time, and
 * each SIMD level and arena size must say what that one says.  Static
 * state: one thread.
 */
#ifndef TG_TEST_UNESCAPE_DIFF_H
#define TG_TEST_UNESCAPE_DIFF_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tg_json.h"

#define UNESCAPE_MAX 4096 /* decoded bytes compared */

typedef struct unescape_outcome {
    bool ok;
    bool escaped;      /* the reference saw an escape (a copy is needed)   */
    tg_json_code code; /* first error when !ok                             */
    size_t offset;
    size_t len; /* decoded length when ok                                  */
    char text[UNESCAPE_MAX]; /* its first UNESCAPE_MAX bytes */
    /* the first error's wording when !ok (in the reference: set by
     * unescape_wording, empty until then: not compared) */
    char reason[TG_JSON_REASON_MAX], path[TG_JSON_PATH_MAX];
} unescape_outcome;

/* Value of one hex digit, or -1. */
static inline int unescape_ref_hex(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Value of 4 hex digits at s[i..i+4) (all inside n), or -1. */
static inline long unescape_ref_hex4(const unsigned char *s, size_t n, size_t i)
{
    long v = 0;
    if (i + 4 > n)
        return -1;
    for (size_t k = 0; k < 4; k++) {
        int h = unescape_ref_hex(s[i + k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Bytes of the well-formed UTF-8 sequence at s[i] (>= 0x80), or 0. */
static inline size_t unescape_ref_utf8(const unsigned char *s, size_t n, size_t i)
{
    unsigned c = s[i];
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4;
    else
        return 0;
    if (c == 0xE0)
        lo = 0xA0;
    if (c == 0xED)
        hi = 0x9F;
    if (c == 0xF0)
        lo = 0x90;
    if (c == 0xF4)
        hi = 0x8F;
    if (i + len > n || s[i + 1] < lo || s[i + 1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if (s[i + k] < 0x80 || s[i + k] > 0xBF)
            return 0;
    return len;
}

static inline void unescape_ref_put(unescape_outcome *o, unsigned long cp)
{
    unsigned char b[4];
    size_t k;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        k = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | cp >> 6);
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        k = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | cp >> 12);
        b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        k = 3;
    } else {
        b[0] = (unsigned char)(0xF0 | cp >> 18);
        b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        b[3] = (unsigned char)(0x80 | (cp & 0x3F));
        k = 4;
    }
    for (size_t i = 0; i < k; i++, o->len++)
        if (o->len < UNESCAPE_MAX)
            o->text[o->len] = (char)b[i];
}

static inline bool unescape_ref_fail(unescape_outcome *o, tg_json_code code, size_t offset)
{
    o->ok = false;
    o->code = code;
    o->offset = offset;
    return false;
}

/* The reference reading of doc[0..n) (doc[0] == '"'). */
static inline bool unescape_ref(const char *doc, size_t n, unescape_outcome *o)
{
    const unsigned char *s = (const unsigned char *)doc;
    size_t i = 1;
    memset(o, 0, sizeof *o);
    for (;;) {
        unsigned c;
        if (i >= n)
            return unescape_ref_fail(o, TG_JSON_E_SYNTAX, 0); /* unterminated */
        c = s[i];
        if (c == '"') {
            i++;
            break;
        }
        if (c < 0x20)
            return unescape_ref_fail(o, TG_JSON_E_SYNTAX, i);
        if (c >= 0x80) {
            size_t k = unescape_ref_utf8(s, n, i);
            if (k == 0)
                return unescape_ref_fail(o, TG_JSON_E_UTF8, i);
            for (size_t j = 0; j < k; j++, o->len++)
                if (o->len < UNESCAPE_MAX)
                    o->text[o->len] = (char)s[i + j];
            i += k;
            continue;
        }
        if (c != '\\') {
            unescape_ref_put(o, c);
            i++;
            continue;
        }
        o->escaped = true;
        if (i + 1 >= n)
            return unescape_ref_fail(o, TG_JSON_E_SYNTAX, i);
        switch (s[i + 1]) {
        case '"': unescape_ref_put(o, '"'); i += 2; continue;
        case '\\': unescape_ref_put(o, '\\'); i += 2; continue;
        case '/': unescape_ref_put(o, '/'); i += 2; continue;
        case 'b': unescape_ref_put(o, 8); i += 2; continue;
        case 'f': unescape_ref_put(o, 12); i += 2; continue;
        case 'n': unescape_ref_put(o, 10); i += 2; continue;
        case 'r': unescape_ref_put(o, 13); i += 2; continue;
        case 't': unescape_ref_put(o, 9); i += 2; continue;
        case 'u': break;
        default: return unescape_ref_fail(o, TG_JSON_E_SYNTAX, i);
        }
        {
            long u = unescape_ref_hex4(s, n, i + 2), lo;
            if (u < 0)
                return unescape_ref_fail(o, TG_JSON_E_SYNTAX, i);
            if (u >= 0xDC00 && u <= 0xDFFF)
                return unescape_ref_fail(o, TG_JSON_E_UTF8, i);
            if (u >= 0xD800 && u <= 0xDBFF) {
                if (i + 12 > n || s[i + 6] != '\\' || s[i + 7] != 'u' ||
                    (lo = unescape_ref_hex4(s, n, i + 8)) < 0xDC00 || lo > 0xDFFF)
                    return unescape_ref_fail(o, TG_JSON_E_UTF8, i);
                unescape_ref_put(o, 0x10000 + (((unsigned long)u - 0xD800) << 10) +
                                        ((unsigned long)lo - 0xDC00));
                i += 12;
            } else {
                unescape_ref_put(o, (unsigned long)u);
                i += 6;
            }
        }
    }
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    if (i < n)
        return unescape_ref_fail(o, TG_JSON_E_SYNTAX, i); /* trailing */
    o->ok = true;
    return true;
}

/* The reader's reading of doc[0..n) with an arena of cap heap bytes, used
 * of them taken before; *needed gets the arena's need afterwards. */
static inline void unescape_read(const char *doc, size_t n, size_t cap, size_t used,
                                 unescape_outcome *o, size_t *needed)
{
    static tg_json_reader r;
    tg_json_error items[4];
    tg_json_errors es = {items, 4, 0, 0};
    unsigned char *buf = malloc(cap ? cap : 1);
    char *in = malloc(n ? n : 1); /* exactly the input: a read past it is seen */
    tg_arena a;
    tg_str v = {"", 0};
    if (!buf || !in)
        abort();
    memcpy(in, doc, n);
    memset(o, 0, sizeof *o);
    tg_arena_init(&a, cap ? buf : NULL, cap);
    if (used && !tg_arena_alloc(&a, used, 1))
        abort();
    tg_json_reader_init(&r, in, n, &a, &es);
    tg_json_read_string(&r, &v);
    o->ok = tg_json_finish(&r);
    if (o->ok) {
        o->len = v.len;
        memcpy(o->text, v.ptr, v.len < UNESCAPE_MAX ? v.len : UNESCAPE_MAX);
    } else {
        o->code = items[0].code;
        o->offset = items[0].offset;
        snprintf(o->reason, sizeof o->reason, "%s", items[0].reason);
        snprintf(o->path, sizeof o->path, "%s", items[0].path);
    }
    *needed = a.needed;
    free(in);
    free(buf);
}

/* The wording of the reference's error (ref->ok false): what the reader
 * says at the scalar level with no arena (the checked path, scan_string),
 * the level in use restored after.  unescape_same then asks every level
 * and arena size for the same reason and path. */
static inline void unescape_wording(const char *doc, size_t n, unescape_outcome *ref)
{
    static unescape_outcome base;
    const char *level = tg_json_simd();
    size_t needed;
    ref->reason[0] = ref->path[0] = 0;
    if (ref->ok)
        return;
    if (!tg_json_simd_set("scalar"))
        abort();
    unescape_read(doc, n, 0, 0, &base, &needed);
    if (!tg_json_simd_set(level))
        abort();
    if (base.ok)
        return; /* unescape_same reports the verdict */
    memcpy(ref->reason, base.reason, sizeof ref->reason);
    memcpy(ref->path, base.path, sizeof ref->path);
}

/* What unescape_same returns for a differently worded error. */
static inline const char *unescape_worded(const unescape_outcome *got,
                                          const unescape_outcome *ref, const char *what)
{
    static char why[2 * (TG_JSON_REASON_MAX + TG_JSON_PATH_MAX) + 128];
    snprintf(why, sizeof why, "a different error %s: \"%s\" at \"%s\", scalar checked path: "
             "\"%s\" at \"%s\"", what, got->reason, got->path, ref->reason, ref->path);
    return why;
}

/* NULL when the reader over (cap, used) agrees with the reference, else
 * what differs. */
static inline const char *unescape_same(const char *doc, size_t n, size_t cap, size_t used,
                                        const unescape_outcome *ref)
{
    static unescape_outcome got;
    size_t needed;
    unescape_read(doc, n, cap, used, &got, &needed);
    if (!ref->ok) {
        if (got.ok)
            return "the reader accepts what the reference rejects";
        if (got.code != ref->code || got.offset != ref->offset)
            return "a different first error (code or offset)";
        if (ref->reason[0] && strcmp(got.reason, ref->reason) != 0)
            return unescape_worded(&got, ref, "reason");
        if (ref->reason[0] && strcmp(got.path, ref->path) != 0)
            return unescape_worded(&got, ref, "path");
        return NULL;
    }
    if (ref->escaped && ref->len > cap - used) {
        if (got.ok || got.code != TG_JSON_E_ARENA)
            return "no arena error for a copy that does not fit";
        if (needed != used + ref->len)
            return "the arena's need is not the decoded length";
        return NULL;
    }
    if (!got.ok)
        return "the reader rejects what the reference accepts";
    if (got.len != ref->len || memcmp(got.text, ref->text, ref->len < UNESCAPE_MAX ? ref->len
                                                                                 : UNESCAPE_MAX))
        return "different decoded bytes";
    return NULL;
}

#endif
