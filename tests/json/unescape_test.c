/*
 * unescape_test.c: the reader decodes a string with escapes in the pass
 * that validates it, writing into the arena's free end (tg_json_read.c,
 * string_at_escaped).  Checked here against a plain reference
 * (unescape_diff.h) at every SIMD level this CPU has, with arenas of every
 * size around the decoded length and around the rest of the input (the
 * least room for the unchecked decoding), the input and the arena each in
 * a heap buffer of exactly its size (unescape_read: ASan sees a read past
 * the input, by a 16-byte load or a look at the byte after a backslash, and
 * a write past the arena), errors compared by code, offset, reason and
 * path (the unchecked decoding words its errors itself):
 *   - every one-byte edit (all 256 values) of an escape-heavy and a
 *     unicode-heavy document;
 *   - each escape and multi-byte character, valid or broken, at every
 *     offset 0..64 of a string (16- and 32-byte block edges);
 *   - every prefix of both documents with no closing quote (the input
 *     ends inside the string), with no arena, little and ample room;
 *   - 20,000 random strings of escapes, UTF-8 (valid and not), control
 *     bytes and ASCII (fixed seed).
 * Bounded: well under a minute.
 */
#include <stdint.h>

#include "tg_simd_int.h"
#include "check.h"
#include "unescape_diff.h"

static const char *const levels[3] = {"scalar", "sse2", "avx2"};
static unsigned long checks;

/* body as the document '"' body '"', read with the arena configurations
 * that matter for its decoded length: ample, exact, one short, and the
 * 16-byte neighbourhood the block copy writes in; each with 0 and 3 bytes
 * taken first. */
static void check_body(const char *body, size_t n)
{
    static char doc[UNESCAPE_MAX + 64]; /* read through exact copies (unescape_read) */
    static unescape_outcome ref;
    size_t dn = n + 2;
    if (n > UNESCAPE_MAX)
        return;
    doc[0] = '"';
    memcpy(doc + 1, body, n);
    doc[n + 1] = '"';
    unescape_ref(doc, dn, &ref);
    unescape_wording(doc, dn, &ref);
    for (size_t used = 0; used <= 3; used += 3) {
        size_t caps[10], nc = 0;
        caps[nc++] = used + 2 * dn + 64;
        /* the least room for the unchecked decoding (the rest of the
         * input after the opening quote, dn - 1 bytes), and one less */
        caps[nc++] = used + dn - 1;
        caps[nc++] = used + dn - 2;
        if (ref.ok && ref.escaped) {
            size_t d[] = {0, 1, 2, 15, 16, 17};
            for (size_t i = 0; i < sizeof d / sizeof d[0]; i++)
                caps[nc++] = used + ref.len + d[i];
            if (ref.len > 0)
                caps[nc++] = used + ref.len - 1;
        }
        for (size_t i = 0; i < nc; i++) {
            const char *why = unescape_same(doc, dn, caps[i], used, &ref);
            checks++;
            if (!why) {
                check_pass(1);
            } else if (check_failed < 10) {
                fprintf(stderr, "unescape (%s, arena %zu, %zu used): %s for \"", tg_json_simd(),
                        caps[i], used, why);
                for (size_t k = 0; k < n; k++)
                    fprintf(stderr, (unsigned char)body[k] >= 0x20 && (unsigned char)body[k] < 0x7F
                                        ? "%c" : "\\x%02X",
                            (unsigned)(unsigned char)body[k]);
                fprintf(stderr, "\" (reference: %s, code %d at %zu, %zu bytes)\n",
                        ref.ok ? "ok" : "error", (int)ref.code, ref.offset, ref.len);
                check_fail(__FILE__, __LINE__, "%s", why);
            } else {
                check_failed++;
            }
        }
    }
}

/* Every one-byte edit of body: each byte replaced by each of the 256. */
static void check_edits(const char *body)
{
    static char buf[1024];
    size_t n = strlen(body);
    check_body(body, n);
    for (size_t i = 0; i < n; i++) {
        memcpy(buf, body, n);
        for (int v = 0; v < 256; v++) {
            buf[i] = (char)v;
            check_body(buf, n);
        }
    }
}

/* Pieces a string is made of: escapes, characters, and the broken forms. */
static const char *const pieces[] = {
    "\\n", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\r", "\\t", "\\u0001", "\\u00e9", "\\u20AC",
    "\\uD83D\\uDE00", "\\ud83d", "\\uDE00", "\\uD83Dx", "\\u12G4", "\\x", "\\", "\\u",
    "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xE4\xB8\xAD", "\xC3", "\xE2\x82",
    "\xF0\x9F\x98", "\x80", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF", "\x01",
    "\x1F", "\"", "a", "plain words ", "0123456789abcdef", " "};
#define NPIECES (sizeof pieces / sizeof pieces[0])

/* Each piece at every offset 0..64 of an ASCII string, with ASCII after. */
static void check_block_edges(void)
{
    static char buf[256];
    for (size_t p = 0; p < NPIECES; p++) {
        size_t k = strlen(pieces[p]);
        for (size_t off = 0; off <= 64; off++) {
            size_t n = 0;
            for (size_t i = 0; i < off; i++)
                buf[n++] = (char)('a' + i % 26);
            memcpy(buf + n, pieces[p], k);
            n += k;
            check_body(buf, n); /* the piece last */
            for (size_t i = 0; i < 40; i++)
                buf[n++] = (char)('A' + i % 26);
            check_body(buf, n);
            /* and a second escape after it, across the next block */
            memcpy(buf + n, "\\n\xC3\xA9", 4);
            check_body(buf, n + 4);
        }
    }
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

static void check_random(unsigned count)
{
    static char buf[2048];
    for (unsigned t = 0; t < count; t++) {
        size_t n = 0, want = rnd(300);
        /* mostly valid: broken pieces rare, so long valid strings occur */
        while (n < want) {
            const char *s = pieces[rnd(8) ? (rnd(2) ? rnd(12) : 19 + rnd(5)) : rnd(NPIECES)];
            size_t k = strlen(s);
            if (rnd(3) == 0) {
                s = "the quick brown fox jumps over the lazy dog ";
                k = rnd(44) + 1;
            }
            memcpy(buf + n, s, k);
            n += k;
        }
        check_body(buf, n);
    }
}

/* '"' and each prefix of body with no closing quote (the input ends in the
 * string), with no arena, the least room for the unchecked decoding, and
 * ample room: unterminated at the opening quote, or the first error in the
 * prefix, and nothing written or passed (not even a NULL to memcpy) when
 * there is no buffer. */
static void check_unterminated(const char *body)
{
    static char doc[UNESCAPE_MAX + 2];
    static unescape_outcome ref;
    size_t n = strlen(body);
    doc[0] = '"';
    for (size_t k = 0; k <= n && k < UNESCAPE_MAX; k++) {
        size_t caps[3] = {0, k, 2 * k + 64};
        memcpy(doc + 1, body, k);
        unescape_ref(doc, k + 1, &ref);
        unescape_wording(doc, k + 1, &ref);
        for (size_t i = 0; i < 3; i++) {
            const char *why = unescape_same(doc, k + 1, caps[i], 0, &ref);
            checks++;
            if (why)
                check_fail(__FILE__, __LINE__, "unterminated prefix of %zu bytes, arena %zu: %s", k,
                           caps[i], why);
            else
                check_pass(1);
        }
    }
}

int main(void)
{
    static const char escape_heavy[] =
        "\\n/ papa\\b nova\\u0001\\n kilo\\b delta\\t india fox\\\"q\\\\ \\u00e9t\\u00E9 "
        "\\ud83d\\ude00 end\\r\\n0123456789abcdef0123456789\\/";
    static const char unicode_heavy[] =
        "caf\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87\xE6\x97\xA5\xE6\x9C\xAC \xD0\xBA\xD0\xBE\xD1\x82 "
        "\xF0\x9F\x98\x80\xF0\x9F\x9A\x80 \xE2\x82\xAC\xC3\xB8\xC3\xA7 \xED\x95\x9C\xEA\xB5\xAD "
        "\\u00e9x\xC3\xA4\xC3\xBC\xC3\x9F\xC3\xB1\xCE\xA9\\n";
    int nl = 0;
    for (int l = 0; l < 3; l++) {
        if (!tg_simd_has(l))
            continue;
        CHECK(tg_json_simd_set(levels[l]));
        check_edits(escape_heavy);
        check_edits(unicode_heavy);
        check_block_edges();
        check_unterminated(escape_heavy);
        check_unterminated(unicode_heavy);
        check_random(20000);
        nl++;
    }
    tg_json_simd_set(NULL);
    printf("unescape: %lu checks at %d SIMD levels\n", checks, nl);
    CHECK(nl >= 1 && checks > 100000);
    return check_done();
}
