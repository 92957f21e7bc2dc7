/*
 * compat_example.c - JSON messages of a schema's types, as that schema's
 * own decoder accepts them (compat_int.h: compat_build; compat.h:
 * compat_random_message).
 *
 * `topicgen compat --explain` shows a break with the least message of the
 * writer's type that carries it (a witness: a path and what is put at its
 * end); the proof harness (tests/compat) decodes those and random messages
 * with the generated code of both versions.  Values come from the field's
 * domain (compat.c's domain_of), so the two never disagree on what a
 * constraint allows.
 *
 * Invariant: every value written is inside its field's constraints and of
 * its type's grammar, except the one the witness puts at its path's end.
 */
#include "compat_int.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OFF_PATH SIZE_MAX
#define MAX_DEPTH 24

typedef struct builder {
    const witness *w;       /* NULL: none */
    uint64_t *rng;          /* NULL: least values */
    strbuf text;
    bool ok;
    int depth;
} builder;

static void put(builder *b, const char *s) { strbuf_puts(&b->text, s); }

static uint64_t next_random(builder *b)
{
    uint64_t x = *b->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *b->rng = x;
}

/* With a generator: true `percent` times in 100; without: false. */
static bool coin(builder *b, unsigned percent)
{
    return b->rng && next_random(b) % 100 < percent;
}

static uint64_t pick(builder *b, uint64_t n) { return b->rng && n ? next_random(b) % n : 0; }

/* A JSON string of s (quotes, escapes). */
static void put_quoted(builder *b, const char *s)
{
    put(b, "\"");
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        char esc[8];
        if (ch == '"' || ch == '\\')
            snprintf(esc, sizeof esc, "\\%c", ch);
        else if (ch < 0x20)
            snprintf(esc, sizeof esc, "\\u%04x", ch);
        else
            esc[0] = (char)ch, esc[1] = '\0';
        put(b, esc);
    }
    put(b, "\"");
}

/* ---- scalars ----------------------------------------------------------------------- */

static wide wide_step(wide a, bool up)
{
    if (!a.neg)
        return up ? (wide){false, a.mag + 1} : a.mag ? (wide){false, a.mag - 1} : (wide){true, 1};
    return up ? (a.mag == 1 ? (wide){false, 0} : (wide){true, a.mag - 1})
              : (wide){true, a.mag + 1};
}

static bool wide_in(wide v, const domain *d)
{
    return wide_cmp(d->lo, v) <= 0 && wide_cmp(v, d->hi) <= 0;
}

static void put_int(builder *b, const domain *d)
{
    wide zero = {false, 0};
    wide v = wide_in(zero, d) ? zero : wide_cmp(zero, d->lo) < 0 ? d->lo : d->hi;
    if (b->rng) {
        int64_t small = (int64_t)(next_random(b) % 2001) - 1000;
        wide cands[] = {d->lo, d->hi, wide_step(d->lo, true), wide_step(d->hi, false), v,
                        small < 0 ? (wide){true, (uint64_t)-small} : (wide){false,
                                                                             (uint64_t)small}};
        wide c = cands[pick(b, sizeof cands / sizeof cands[0])];
        if (wide_in(c, d) && !(c.neg && c.mag == 0))
            v = c;
    }
    char text[32];
    wide_format(v, text, sizeof text);
    put(b, text);
}

static void put_double(builder *b, const domain *d)
{
    double v = 0 >= d->dlo && 0 <= d->dhi ? 0 : isfinite(d->dlo) ? d->dlo : d->dhi;
    if (b->rng) {
        double cands[] = {d->dlo, d->dhi, 0.5, -1.25, 1e10, 123.456,
                          (double)(int64_t)(next_random(b) % 2000001) / 1000.0 - 1000.0};
        double c = cands[pick(b, sizeof cands / sizeof cands[0])];
        if (isfinite(c) && c >= d->dlo && c <= d->dhi)
            v = c;
    }
    char text[40];
    snprintf(text, sizeof text, "%.17g", v);
    put(b, text);
}

/* A length in [lo, hi]: the least, or at the bounds and between. */
static uint64_t pick_length(builder *b, uint64_t lo, uint64_t hi)
{
    uint64_t top = hi < lo + 24 ? hi : lo + 24;
    if (!b->rng)
        return lo;
    uint64_t cands[] = {lo, top, lo + pick(b, top - lo + 1)};
    return cands[pick(b, 3)];
}

static void put_string(builder *b, const domain *d)
{
    static const char *const pool[] = {"a", "~", "\xc3\xa9", "\xe2\x82\xac", "\\\"", "\\\\",
                                       "\\n", "Z", "\\u00e9", " "};
    uint64_t n = pick_length(b, d->len_lo, d->len_hi);
    put(b, "\"");
    for (uint64_t i = 0; i < n; i++) /* each a code point */
        put(b, b->rng ? pool[pick(b, sizeof pool / sizeof pool[0])] : "~");
    put(b, "\"");
}

static void put_decimal(builder *b, const domain *d)
{
    uint64_t n = pick_length(b, d->len_lo, d->len_hi);
    char *t = xmalloc(n + 1);
    size_t start = n >= 2 && coin(b, 30) ? 1 : 0;
    memset(t, '1', n);
    t[n] = '\0';
    t[0] = '-';
    t[start] = (char)('1' + pick(b, 9));
    for (size_t i = start + 1; i < n; i++)
        t[i] = (char)('0' + pick(b, 10));
    if (n - start >= 3 && coin(b, 50))
        t[start + 1 + pick(b, n - start - 2)] = '.';
    put(b, "\"");
    put(b, t);
    put(b, "\"");
    free(t);
}

static void put_from(builder *b, const char *const *pool, size_t n)
{
    put(b, pool[pick(b, n)]);
}

static void gen_message(builder *b, const message_def *m, size_t at);
static void gen_union(builder *b, const union_def *u, size_t at);
static void gen_type(builder *b, const type_ref *t, const field_def *f, size_t at, uint64_t count);

static void put_scalar(builder *b, const type_ref *t, const field_def *f)
{
    static const char *const stamps[] = {"\"2024-05-01T12:00:00Z\"",
                                         "\"2024-12-31T23:59:60.123456789+05:30\"",
                                         "\"2000-02-29t00:00:00z\""};
    static const char *const bytes[] = {"\"\"", "\"AA==\"", "\"AAE=\"", "\"AAEC\"", "\"/+8=\""};
    static const char *const jsons[] = {"{}", "[1,2]", "\"s\"", "3", "true", "{\"k\":[null,1.5]}"};
    static const char *const bools[] = {"false", "true"};
    domain d = domain_of(t, f);
    if (is_int_kind(t->kind))
        put_int(b, &d);
    else if (t->kind == T_FLOAT64)
        put_double(b, &d);
    else if (t->kind == T_STRING)
        put_string(b, &d);
    else if (t->kind == T_DECIMAL)
        put_decimal(b, &d);
    else if (t->kind == T_TIMESTAMP)
        put_from(b, stamps, 3);
    else if (t->kind == T_BYTES)
        put_from(b, bytes, 5);
    else if (t->kind == T_JSON)
        put_from(b, jsons, 6);
    else if (t->kind == T_BOOL)
        put_from(b, bools, 2);
    else if (t->kind == T_ENUM)
        put_quoted(b, t->enum_def->values[pick(b, t->enum_def->n_values)].wire);
    else if (t->kind == T_UUID) {
        char u[40];
        snprintf(u, sizeof u, "\"%08llx-0000-4000-8000-%012llx\"",
                 (unsigned long long)(pick(b, 1ull << 32)),
                 (unsigned long long)(pick(b, 1ull << 48)));
        put(b, u);
    }
}

/* ---- structures ----------------------------------------------------------------- */

static bool on_step(const builder *b, size_t at, step_kind kind)
{
    return at != OFF_PATH && at < b->w->n_steps && b->w->steps[at].kind == kind;
}

static bool at_end(const builder *b, size_t at)
{
    return at != OFF_PATH && at == b->w->n_steps;
}

/* An array or map: `count` items (UINT64_MAX: from min_items/max_items),
 * the first one on the path when it goes on. */
static void gen_container(builder *b, const type_ref *t, const field_def *f, size_t at,
                          uint64_t count)
{
    uint64_t lo = f && f->has_min_items ? f->min_items : 0;
    uint64_t hi = f && f->has_max_items ? f->max_items : UINT64_MAX;
    bool item_on_path = on_step(b, at, STEP_ITEM);
    if (count == UINT64_MAX)
        count = b->depth > 8 ? lo : pick_length(b, lo, hi < lo + 3 ? hi : lo + 3);
    if (item_on_path && count == 0)
        count = 1;
    if (count > 100000)
        b->ok = false;
    bool map = t->kind == T_MAP;
    put(b, map ? "{" : "[");
    for (uint64_t i = 0; i < count && b->ok; i++) {
        if (i)
            put(b, ",");
        if (map) {
            char key[32];
            snprintf(key, sizeof key, "\"k%llu\":", (unsigned long long)i);
            put(b, key);
        }
        size_t item_at = i == 0 && item_on_path ? at + 1 : OFF_PATH;
        if (at_end(b, item_at) && b->w->poke == POKE_VALUE)
            put(b, b->w->text);
        else
            gen_type(b, t->elem, NULL, at_end(b, item_at) ? OFF_PATH : item_at, UINT64_MAX);
    }
    put(b, map ? "}" : "]");
}

static void gen_type(builder *b, const type_ref *t, const field_def *f, size_t at, uint64_t count)
{
    if (++b->depth > MAX_DEPTH)
        b->ok = false;
    else if (t->kind == T_MESSAGE)
        gen_message(b, t->message, at);
    else if (t->kind == T_UNION)
        gen_union(b, t->union_def, at);
    else if (t->kind == T_ARRAY || t->kind == T_MAP)
        gen_container(b, t, f, at, count);
    else
        put_scalar(b, t, f);
    b->depth--;
}

/* The member of field f, the witness's poke when f ends the path. */
static void gen_member(builder *b, const field_def *f, size_t fat, bool *first)
{
    bool end = at_end(b, fat);
    poke_kind pk = end ? b->w->poke : POKE_NONE;
    if (pk == POKE_ABSENT)
        return;
    if (fat == OFF_PATH && f->optional && !coin(b, 60))
        return;
    put(b, *first ? "" : ",");
    *first = false;
    put_quoted(b, f->wire_name);
    put(b, ":");
    if (pk == POKE_NULL || (fat == OFF_PATH && f->nullable && coin(b, 20)))
        put(b, "null");
    else if (pk == POKE_VALUE)
        put(b, b->w->text);
    else
        gen_type(b, &f->type, f, end ? OFF_PATH : fat, pk == POKE_COUNT ? b->w->count : UINT64_MAX);
}

static void gen_members(builder *b, const message_def *m, size_t at, bool first)
{
    bool field_on_path = on_step(b, at, STEP_FIELD), found = false;
    for (size_t i = 0; i < m->n_fields && b->ok; i++) {
        const field_def *f = &m->fields[i];
        bool here = field_on_path && strcmp(b->w->steps[at].name, f->wire_name) == 0;
        found = found || here;
        gen_member(b, f, here ? at + 1 : OFF_PATH, &first);
    }
    if (field_on_path && !found)
        b->ok = false;
}

static void gen_message(builder *b, const message_def *m, size_t at)
{
    put(b, "{");
    gen_members(b, m, at, true);
    put(b, "}");
}

static void gen_union(builder *b, const union_def *u, size_t at)
{
    const union_variant *v = &u->variants[pick(b, u->n_variants)];
    size_t next = OFF_PATH;
    if (on_step(b, at, STEP_VARIANT)) {
        v = NULL;
        for (size_t i = 0; i < u->n_variants && !v; i++)
            if (strcmp(u->variants[i].tag, b->w->steps[at].name) == 0)
                v = &u->variants[i];
        if (!v) {
            b->ok = false;
            return;
        }
        next = at + 1;
    } else if (at != OFF_PATH && at < b->w->n_steps) {
        b->ok = false;
        return;
    }
    put(b, "{");
    put_quoted(b, u->discriminator);
    put(b, ":");
    put_quoted(b, v->tag);
    gen_members(b, v->message, next, false);
    put(b, "}");
}

char *compat_build(const message_def *m, const union_def *u, const witness *w, uint64_t *rng)
{
    builder b = {.w = w, .rng = rng, .ok = true};
    size_t at = w ? 0 : OFF_PATH;
    if (m)
        gen_message(&b, m, at);
    else if (u)
        gen_union(&b, u, at);
    else
        b.ok = false;
    if (!b.ok) {
        free(b.text.data);
        return NULL;
    }
    return strbuf_take(&b.text);
}

char *compat_random_message(const schema *s, const char *type, uint64_t *rng)
{
    for (size_t i = 0; i < s->n_messages; i++)
        if (strcmp(s->messages[i]->name, type) == 0)
            return compat_build(s->messages[i], NULL, NULL, rng);
    for (size_t i = 0; i < s->n_unions; i++)
        if (strcmp(s->unions[i]->name, type) == 0)
            return compat_build(NULL, s->unions[i], NULL, rng);
    return NULL;
}
