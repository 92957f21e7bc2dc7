/*
 * compat.c - the compatibility rules of `topicgen compat` (compat.h).
 *
 * One table row per rule (id, the directions it breaks, the readers it
 * breaks, the fix); one function per family of rules (types, fields,
 * values of a field, enums, unions, Kafka bindings).  A family looks at a
 * pair old/new and names the rules the change triggers; report() keeps
 * those that break a direction of the mode.  Nothing here decides a
 * verdict without a row of the table.
 *
 * What a writer can send is what its own decoder accepts (values within
 * its constraints, members its encoder writes: a field with a default is
 * always written, an optional one may be absent); a reader breaks when one
 * such message is refused by its decoder.  So "default" and "required" are
 * the same on the wire from a writer, and only `optional` lets a writer
 * leave a member out.
 *
 * Invariant: each pair of (old, new) messages, unions and enums is compared
 * once per compat_compare call (the visited list), so recursion through
 * arrays ends and a nested type used by many fields is reported once.
 */
#include "compat_int.h"
#include "util.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the rules -------------------------------------------------------------- */

typedef enum rule_id {
    R_TYPE_REMOVED,
    R_TYPE_KIND_CHANGED,
    R_TOPIC_CHANGED,
    R_KEY_CHANGED,
    R_FIELD_ADDED_REQUIRED,
    R_FIELD_ADDED_CLOSED,
    R_FIELD_REMOVED_REQUIRED,
    R_FIELD_REMOVED_CLOSED,
    R_FIELD_NOW_REQUIRED,
    R_FIELD_NOW_OPTIONAL,
    R_FIELD_NULLABLE_REMOVED,
    R_FIELD_NULLABLE_ADDED,
    R_FIELD_TYPE_CHANGED,
    R_FIELD_TYPE_WIDENED,
    R_FIELD_TYPE_NARROWED,
    R_FIELD_BOUNDS_TIGHTENED,
    R_FIELD_BOUNDS_LOOSENED,
    R_FIELD_LENGTH_TIGHTENED,
    R_FIELD_LENGTH_LOOSENED,
    R_FIELD_ITEMS_TIGHTENED,
    R_FIELD_ITEMS_LOOSENED,
    R_ENUM_VALUE_ADDED,
    R_ENUM_VALUE_REMOVED,
    R_UNION_VARIANT_ADDED,
    R_UNION_VARIANT_REMOVED,
    R_UNION_DISCRIMINATOR_CHANGED
} rule_id;

typedef struct rule {
    const char *id;
    bool backward;      /* breaks new readers of old records */
    bool forward;       /* breaks old readers of new records */
    const char *fix;    /* how to make the change safe */
} rule;

/* The same rows, with examples, are docs/evolution.md's table. */
static const rule rules[] = {
    [R_TYPE_REMOVED] = {"TYPE_REMOVED", true, true,
                        "keep the type until no producer or consumer of its topic uses it"},
    [R_TYPE_KIND_CHANGED] = {"TYPE_KIND_CHANGED", true, true,
                             "add a new type (and topic) instead of changing this one"},
    [R_TOPIC_CHANGED] = {"TOPIC_CHANGED", true, true,
                         "keep the topic; publish to a new topic from a new type"},
    [R_KEY_CHANGED] = {"KEY_CHANGED", true, true,
                       "keep the key: records of one key move to other partitions and lose "
                       "their order"},
    [R_FIELD_ADDED_REQUIRED] = {"FIELD_ADDED_REQUIRED", true, false,
                                "give the field a default or make it 'optional: true'"},
    [R_FIELD_ADDED_CLOSED] = {"FIELD_ADDED_CLOSED", false, true,
                              "first release the message with 'unknown_fields: skip' to every "
                              "consumer, then add the field"},
    [R_FIELD_REMOVED_REQUIRED] = {"FIELD_REMOVED_REQUIRED", false, true,
                                  "first make it 'optional: true' or give it a default in a "
                                  "release every consumer has, then remove it"},
    [R_FIELD_REMOVED_CLOSED] = {"FIELD_REMOVED_CLOSED", true, false,
                                "keep 'unknown_fields: skip' on the new message, or keep the "
                                "field"},
    [R_FIELD_NOW_REQUIRED] = {"FIELD_NOW_REQUIRED", true, false,
                              "give it a default instead: absent then reads as the default"},
    [R_FIELD_NOW_OPTIONAL] = {"FIELD_NOW_OPTIONAL", false, true,
                              "give it a default instead of 'optional: true': a default is "
                              "always written"},
    [R_FIELD_NULLABLE_REMOVED] = {"FIELD_NULLABLE_REMOVED", true, false,
                                  "keep 'nullable: true'"},
    [R_FIELD_NULLABLE_ADDED] = {"FIELD_NULLABLE_ADDED", false, true,
                                "add a new optional field for the missing value instead"},
    [R_FIELD_TYPE_CHANGED] = {"FIELD_TYPE_CHANGED", true, true,
                              "add a field with a new wire name and the new type"},
    [R_FIELD_TYPE_WIDENED] = {"FIELD_TYPE_WIDENED", false, true,
                              "widen the type only after every consumer reads the wider one "
                              "(mode backward)"},
    [R_FIELD_TYPE_NARROWED] = {"FIELD_TYPE_NARROWED", true, false,
                               "keep the wider type; narrow only when no old record is read "
                               "again"},
    [R_FIELD_BOUNDS_TIGHTENED] = {"FIELD_BOUNDS_TIGHTENED", true, false,
                                  "keep the old min/max; check the tighter range in the "
                                  "producer instead"},
    [R_FIELD_BOUNDS_LOOSENED] = {"FIELD_BOUNDS_LOOSENED", false, true,
                                 "loosen min/max only after every consumer has the looser "
                                 "range (mode backward)"},
    [R_FIELD_LENGTH_TIGHTENED] = {"FIELD_LENGTH_TIGHTENED", true, false,
                                  "keep the old min_length/max_length; check the tighter "
                                  "length in the producer instead"},
    [R_FIELD_LENGTH_LOOSENED] = {"FIELD_LENGTH_LOOSENED", false, true,
                                 "loosen the length only after every consumer has the looser "
                                 "one (mode backward)"},
    [R_FIELD_ITEMS_TIGHTENED] = {"FIELD_ITEMS_TIGHTENED", true, false,
                                 "keep the old min_items/max_items; check the tighter count in "
                                 "the producer instead"},
    [R_FIELD_ITEMS_LOOSENED] = {"FIELD_ITEMS_LOOSENED", false, true,
                                "loosen the item count only after every consumer has the "
                                "looser one (mode backward)"},
    [R_ENUM_VALUE_ADDED] = {"ENUM_VALUE_ADDED", false, true,
                            "release the value to every consumer before any producer sends it "
                            "(mode backward), or give the old enum a 'fallback:' first"},
    [R_ENUM_VALUE_REMOVED] = {"ENUM_VALUE_REMOVED", true, false,
                              "keep the value (producers may stop sending it), or give the "
                              "enum a 'fallback:'"},
    [R_UNION_VARIANT_ADDED] = {"UNION_VARIANT_ADDED", false, true,
                               "release the variant to every consumer before any producer "
                               "sends it (mode backward)"},
    [R_UNION_VARIANT_REMOVED] = {"UNION_VARIANT_REMOVED", true, false,
                                 "keep the variant (producers may stop sending it)"},
    [R_UNION_DISCRIMINATOR_CHANGED] = {"UNION_DISCRIMINATOR_CHANGED", true, true,
                                       "keep the discriminator"},
};

/* ---- modes ------------------------------------------------------------------ */

bool compat_mode_parse(const char *text, compat_mode *out)
{
    static const struct {
        const char *name;
        compat_mode mode;
    } modes[] = {
        {"backward", {true, false, false, false}},
        {"forward", {false, true, false, false}},
        {"full", {true, true, false, false}},
        {"backward_transitive", {true, false, true, false}},
        {"forward_transitive", {false, true, true, false}},
        {"full_transitive", {true, true, true, false}},
        {"none", {false, false, false, false}},
    };
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (strcasecmp(text, modes[i].name) == 0) {
            *out = modes[i].mode;
            return true;
        }
    return false;
}

/* ---- one comparison ------------------------------------------------------------ */

typedef struct pair {
    const void *old_p, *new_p;
} pair;

/* How the writer shows a break: a poke at the current path (compat_int.h). */
typedef struct poke {
    poke_kind kind;
    char text[WITNESS_TEXT_MAX];
    uint64_t count;
} poke;

static const poke POKE_AT_PATH = {POKE_NONE, "", 0};      /* the path's own value */
static const poke POKE_LEFT_OUT = {POKE_ABSENT, "", 0};   /* the member left out */
static const poke POKE_AS_NULL = {POKE_NULL, "", 0};      /* the member null */
static const poke POKE_THERE = {POKE_PRESENT, "", 0};     /* the member written */

typedef struct cmp {
    const schema *old_s, *new_s;
    compat_mode mode;
    diag_list *out;
    compat_breaks *list;        /* NULL: not asked for */
    size_t breaks;
    pair *visited;
    size_t n_visited;
    /* Inside a type of an imported schema: breaks are reported at the
     * field of new_s that uses it (use_site), naming the type (use_type). */
    bool imported;
    diag_pos use_site;
    char *use_type;
    /* The top-level types being compared, and the path from them. */
    const message_def *top_om, *top_nm;
    const union_def *top_ou, *top_nu;
    witness path;
} cmp;

/* Where a break about the new thing at `pos` is reported. */
static diag_pos site(const cmp *c, diag_pos pos)
{
    return c->imported ? c->use_site : pos;
}

/* True once: the first time the pair is compared. */
static bool first_visit(cmp *c, const void *o, const void *n)
{
    for (size_t i = 0; i < c->n_visited; i++)
        if (c->visited[i].old_p == o && c->visited[i].new_p == n)
            return false;
    *(pair *)xappend(&c->visited, &c->n_visited, sizeof(pair)) = (pair){o, n};
    return true;
}

static void push(cmp *c, step_kind kind, const char *name)
{
    if (c->path.n_steps < WITNESS_MAX_STEPS)
        c->path.steps[c->path.n_steps] = (step){kind, name};
    c->path.n_steps++; /* past the end: no example (too deep) */
}

static void pop(cmp *c) { c->path.n_steps--; }

static const char *readers_broken(const rule *r)
{
    if (r->backward && r->forward)
        return "consumers on either version reject records of the other";
    if (r->backward)
        return "consumers on the new schema reject records old producers wrote";
    return "consumers still on the old schema reject records new producers write";
}

/* The example of a break: the writer's top-level type with the poke at
 * the current path; NULL when there is none. */
static char *example_of(const cmp *c, bool writer_old, const poke *pk)
{
    if (!pk || c->path.n_steps > WITNESS_MAX_STEPS)
        return NULL;
    witness w = c->path;
    w.poke = pk->kind;
    w.count = pk->count;
    memcpy(w.text, pk->text, sizeof w.text);
    return writer_old ? compat_build(c->top_om, c->top_ou, &w, NULL)
                      : compat_build(c->top_nm, c->top_nu, &w, NULL);
}

/* Report rule `id` at new position `at` (a note at `old_at` of old_file)
 * if it breaks a direction of the mode.  bw and fw show the break in each
 * direction (the old writer's and the new writer's poke; NULL: the break
 * is not about decoding). */
__attribute__((format(printf, 8, 9))) static void report(cmp *c, rule_id id, diag_pos at,
                                                         const char *old_file, diag_pos old_at,
                                                         const poke *bw, const poke *fw,
                                                         const char *fmt, ...)
{
    const rule *r = &rules[id];
    bool backward = r->backward && c->mode.backward;
    if (!backward && !(r->forward && c->mode.forward))
        return;
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    diag_error(c->out, c->new_s->path, site(c, at), "[%s] %s%s%s%s: %s; %s", r->id,
               c->imported ? "in imported type " : "", c->imported ? c->use_type : "",
               c->imported ? ": " : "", what, readers_broken(r), r->fix);
    diag_note(c->out, old_file, old_at, "the old definition (version %d)", c->old_s->version);
    c->breaks++;
    char *example = example_of(c, backward, backward ? bw : fw);
    const char *top = c->top_nm ? c->top_nm->name : c->top_nu ? c->top_nu->name : "";
    if (c->mode.explain && example)
        diag_note(c->out, c->new_s->path, site(c, at),
                  "for example, %s %s writes this %s and %s rejects it: %s",
                  backward ? "the old schema" : "the new schema",
                  backward ? "(an old producer)" : "(a new producer)", top,
                  backward ? "the new schema" : "the old schema", example);
    if (c->list) {
        compat_break *b = xappend(&c->list->items, &c->list->count, sizeof *b);
        *b = (compat_break){r->id, backward, xstrdup(top), example};
    } else {
        free(example);
    }
}

/* "Money" for a type of the compared schema, "common.Money" for an import. */
static char *type_name(const schema *root, const schema *owner, const char *name)
{
    return owner == root || !owner ? xstrdup(name) : xasprintf("%s.%s", owner->name, name);
}

/* ---- value domains ------------------------------------------------------------ */

static wide wide_i(int64_t v)
{
    return v < 0 ? (wide){true, (uint64_t)(-(v + 1)) + 1} : (wide){false, (uint64_t)v};
}

static wide wide_u(uint64_t v) { return (wide){false, v}; }

int wide_cmp(wide a, wide b)
{
    if (a.neg != b.neg)
        return a.neg ? -1 : 1;
    if (a.mag == b.mag)
        return 0;
    return (a.mag < b.mag) != a.neg ? -1 : 1;
}

void wide_format(wide a, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s%llu", a.neg ? "-" : "", (unsigned long long)a.mag);
}

static double wide_double(wide a) { return a.neg ? -(double)a.mag : (double)a.mag; }

/* Characters of the decimal text of a (for integers written into a decimal). */
static uint64_t wide_text_len(wide a)
{
    uint64_t n = 1;
    for (uint64_t m = a.mag; m >= 10; m /= 10)
        n++;
    return n + (a.neg ? 1 : 0);
}

bool is_int_kind(type_kind k)
{
    return k == T_INT32 || k == T_INT64 || k == T_UINT32 || k == T_UINT64;
}

static wide bound_wide(type_kind k, const bound *b)
{
    return k == T_UINT32 || k == T_UINT64 ? wide_u(b->u) : wide_i(b->i);
}

/* Unicode code points of UTF-8 text. */
static uint64_t code_points(const char *s)
{
    uint64_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* An enum's wire strings as text: their shortest and longest. */
static void enum_lengths(const enum_def *e, domain *d)
{
    d->len_lo = UINT64_MAX, d->len_hi = 0;
    for (size_t i = 0; i < e->n_values; i++) {
        uint64_t n = code_points(e->values[i].wire);
        d->len_lo = n < d->len_lo ? n : d->len_lo;
        d->len_hi = n > d->len_hi ? n : d->len_hi;
    }
}

/* The domain of type t with the constraints of f (NULL: none, as for the
 * items of an array). */
domain domain_of(const type_ref *t, const field_def *f)
{
    domain d = {.kind = t->kind, .dlo = -INFINITY, .dhi = INFINITY, .len_hi = UINT64_MAX};
    if (t->kind == T_INT32)
        d.lo = wide_i(INT32_MIN), d.hi = wide_i(INT32_MAX);
    else if (t->kind == T_INT64)
        d.lo = wide_i(INT64_MIN), d.hi = wide_i(INT64_MAX);
    else if (t->kind == T_UINT32)
        d.lo = wide_u(0), d.hi = wide_u(UINT32_MAX);
    else if (t->kind == T_UINT64)
        d.lo = wide_u(0), d.hi = wide_u(UINT64_MAX);
    else if (t->kind == T_DECIMAL)
        d.len_lo = 1;
    else if (t->kind == T_TIMESTAMP) /* RFC 3339: seconds and Z, up to ns and +HH:MM */
        d.len_lo = 20, d.len_hi = 35;
    else if (t->kind == T_UUID)
        d.len_lo = d.len_hi = 36;
    else if (t->kind == T_ENUM) {
        enum_lengths(t->enum_def, &d);
        d.any_text = t->enum_def->has_fallback;
    }
    if (!f)
        return d;
    if (is_int_kind(t->kind)) {
        if (f->min.set)
            d.lo = bound_wide(t->kind, &f->min);
        if (f->max.set)
            d.hi = bound_wide(t->kind, &f->max);
    } else if (t->kind == T_FLOAT64) {
        if (f->min.set)
            d.dlo = f->min.d;
        if (f->max.set)
            d.dhi = f->max.d;
    }
    if (f->has_min_length && f->min_length > d.len_lo)
        d.len_lo = f->min_length;
    if (f->has_max_length)
        d.len_hi = f->max_length;
    return d;
}

static bool len_within(const domain *r, uint64_t lo, uint64_t hi)
{
    return r->len_lo <= lo && hi <= r->len_hi;
}

/* Longest shortest-form text of a float64 ("-2.2250738585072014e-308"). */
#define FLOAT64_TEXT_MAX 24

/* Does a reader of domain r accept every value a writer of domain w sends?
 * Only for scalar kinds (enums, messages, unions, arrays and maps are
 * compared structurally). */
static bool accepts(const domain *r, const domain *w)
{
    if (r->kind == T_JSON)
        return true; /* any valid JSON */
    if (r->kind == T_ENUM && r->any_text)
        return w->kind == T_STRING || w->kind == T_DECIMAL || w->kind == T_TIMESTAMP ||
               w->kind == T_UUID || w->kind == T_BYTES || w->kind == T_ENUM;
    if (is_int_kind(r->kind) && is_int_kind(w->kind))
        return wide_cmp(r->lo, w->lo) <= 0 && wide_cmp(w->hi, r->hi) <= 0;
    if (r->kind == T_FLOAT64 && is_int_kind(w->kind))
        return r->dlo <= wide_double(w->lo) && wide_double(w->hi) <= r->dhi;
    if (r->kind == T_FLOAT64 && w->kind == T_FLOAT64)
        return r->dlo <= w->dlo && w->dhi <= r->dhi;
    if (r->kind == T_DECIMAL && is_int_kind(w->kind)) {
        uint64_t lo = wide_cmp(w->lo, wide_u(0)) > 0   ? wide_text_len(w->lo)
                      : wide_cmp(w->hi, wide_u(0)) < 0 ? wide_text_len(w->hi)
                                                       : 1;
        uint64_t a = wide_text_len(w->lo), b = wide_text_len(w->hi);
        return len_within(r, lo, a > b ? a : b);
    }
    if (r->kind == T_DECIMAL && w->kind == T_FLOAT64)
        return len_within(r, 1, FLOAT64_TEXT_MAX);
    if (r->kind == T_DECIMAL && w->kind == T_DECIMAL)
        return len_within(r, w->len_lo, w->len_hi);
    if (r->kind == T_STRING &&
        (w->kind == T_STRING || w->kind == T_DECIMAL || w->kind == T_TIMESTAMP ||
         w->kind == T_UUID || w->kind == T_BYTES || w->kind == T_ENUM))
        return len_within(r, w->len_lo, w->len_hi);
    return r->kind == w->kind && (r->kind == T_BOOL || r->kind == T_TIMESTAMP ||
                                  r->kind == T_UUID || r->kind == T_BYTES);
}

/* ---- examples of a break --------------------------------------------------------- */

/* A value of `len` times `ch` as a JSON string into pk; false when too long. */
static bool text_of(poke *pk, char ch, uint64_t len)
{
    if (len + 3 > sizeof pk->text)
        return false;
    pk->text[0] = '"';
    memset(pk->text + 1, ch, (size_t)len);
    pk->text[len + 1] = '"';
    pk->text[len + 2] = '\0';
    return true;
}

/* The JSON string of an enum's wire value into pk (no escapes needed for
 * the usual values; others have no example). */
static bool quoted_of(poke *pk, const char *s)
{
    if (strpbrk(s, "\"\\") || strlen(s) + 3 > sizeof pk->text)
        return false;
    snprintf(pk->text, sizeof pk->text, "\"%s\"", s);
    return true;
}

/* An integer writer's value that reader r refuses. */
static wide int_outside(const domain *r, const domain *w)
{
    wide zero = {false, 0};
    if (is_int_kind(r->kind))
        return wide_cmp(w->lo, r->lo) < 0 ? w->lo : w->hi;
    if (r->kind == T_FLOAT64)
        return wide_double(w->lo) < r->dlo ? w->lo : w->hi;
    if (r->kind == T_DECIMAL) {
        uint64_t a = wide_text_len(w->lo), b = wide_text_len(w->hi);
        if ((a > b ? a : b) > r->len_hi)
            return a >= b ? w->lo : w->hi;
        if (wide_cmp(w->lo, zero) <= 0 && wide_cmp(zero, w->hi) <= 0)
            return zero;
        return w->lo.neg ? w->hi : w->lo;
    }
    return wide_cmp(w->lo, zero) <= 0 && wide_cmp(zero, w->hi) <= 0 ? zero : w->lo;
}

/* A float64 writer's value that reader r refuses. */
static double double_outside(const domain *r, const domain *w)
{
    if (is_int_kind(r->kind)) {
        double v = 0.5;
        if (v < w->dlo)
            v = w->dlo + 0.5;
        if (v > w->dhi)
            v = w->dhi - 0.5;
        return v;
    }
    if (r->kind == T_FLOAT64 && w->dlo < r->dlo)
        return isfinite(w->dlo) ? w->dlo : r->dlo - 1 - fabs(r->dlo);
    if (r->kind == T_FLOAT64)
        return isfinite(w->dhi) ? w->dhi : r->dhi + 1 + fabs(r->dhi);
    double v = r->len_hi < FLOAT64_TEXT_MAX ? -2.2250738585072014e-308 : 0;
    return v >= w->dlo && v <= w->dhi ? v : isfinite(w->dlo) ? w->dlo : w->dhi;
}

/* A text writer's value (string, decimal, timestamp, uuid, bytes, enum)
 * whose length reader r refuses. */
static bool text_outside(const domain *r, const domain *w, const type_ref *wt, poke *pk)
{
    uint64_t len = w->len_lo < r->len_lo ? w->len_lo : r->len_hi + 1;
    if (w->kind == T_STRING || w->kind == T_DECIMAL)
        return text_of(pk, w->kind == T_DECIMAL ? '1' : '~', len);
    if (w->kind == T_TIMESTAMP) {
        bool short_one = 20 < r->len_lo || 20 > r->len_hi;
        snprintf(pk->text, sizeof pk->text, "%s",
                 short_one ? "\"2024-05-01T12:00:00Z\"" : "\"2024-12-31T23:59:60.123456789+05:30\"");
        return true;
    }
    if (w->kind == T_UUID) {
        snprintf(pk->text, sizeof pk->text, "\"00000000-0000-0000-0000-000000000000\"");
        return true;
    }
    if (w->kind == T_BYTES)
        return r->len_lo > 0 ? text_of(pk, 'A', 0) : text_of(pk, 'A', (r->len_hi + 4) / 4 * 4);
    for (size_t i = 0; wt->kind == T_ENUM && i < wt->enum_def->n_values; i++) {
        uint64_t n = code_points(wt->enum_def->values[i].wire);
        if (n < r->len_lo || n > r->len_hi)
            return quoted_of(pk, wt->enum_def->values[i].wire);
    }
    return false;
}

/* How a writer of type wt (domain w) shows that a reader of type rt
 * (domain r) refuses some of its values: a value at the path, or, for
 * types of different shapes, the writer's usual value.  NULL when there
 * is no example. */
static const poke *value_outside(const type_ref *rt, const domain *r, const type_ref *wt,
                                 const domain *w, poke *pk)
{
    memset(pk, 0, sizeof *pk);
    pk->kind = POKE_VALUE;
    bool length_reader = r->kind == T_STRING || r->kind == T_DECIMAL;
    if (is_int_kind(w->kind))
        wide_format(int_outside(r, w), pk->text, sizeof pk->text);
    else if (w->kind == T_FLOAT64)
        snprintf(pk->text, sizeof pk->text, "%.17g", double_outside(r, w));
    else if (length_reader && (w->kind == T_STRING || w->kind == T_DECIMAL ||
                               w->kind == T_TIMESTAMP || w->kind == T_UUID ||
                               w->kind == T_BYTES || w->kind == T_ENUM) &&
             (rt->kind == T_STRING || wt->kind == rt->kind))
        return text_outside(r, w, wt, pk) ? pk : NULL;
    else if (w->kind == T_STRING)
        text_of(pk, '~', w->len_lo ? w->len_lo : 1 <= w->len_hi ? 1 : 0);
    else if (w->kind == T_JSON)
        snprintf(pk->text, sizeof pk->text, "%s", rt->kind == T_ARRAY ? "{}" : "[]");
    else
        pk->kind = POKE_NONE;
    return pk;
}

/* ---- families ------------------------------------------------------------------ */

static void compare_message(cmp *c, const message_def *o, const message_def *n);
static void compare_union(cmp *c, const union_def *o, const union_def *n);

/* A field as the messages say it: "OrderEvent.note". */
typedef struct field_ctx {
    const char *msg;            /* the new message's name, as shown */
    const char *old_file;       /* file of the old field */
    const field_def *of, *nf;   /* NULL for array items and map values */
    const char *what;           /* "field 'M.f'" or "items of field 'M.f'" */
    bool elem;                  /* an array's items or a map's values: the
                                   field's constraints are not theirs */
    const type_ref *ot, *nt;    /* the types compared (set by compare_type) */
} field_ctx;

/* The constraint family of a same-kind scalar whose domain changed. */
static void compare_constraints(cmp *c, const field_ctx *fc, const domain *od,
                                const domain *nd)
{
    bool numeric = is_int_kind(nd->kind) || nd->kind == T_FLOAT64;
    rule_id tight = numeric ? R_FIELD_BOUNDS_TIGHTENED : R_FIELD_LENGTH_TIGHTENED;
    rule_id loose = numeric ? R_FIELD_BOUNDS_LOOSENED : R_FIELD_LENGTH_LOOSENED;
    const char *what = numeric ? "min/max" : "min_length/max_length";
    poke pk;
    if (!accepts(nd, od))
        report(c, tight, fc->nf->pos, fc->old_file, fc->of->pos,
               value_outside(fc->nt, nd, fc->ot, od, &pk), NULL,
               "%s: %s tightened, values the old schema allowed are refused", fc->what, what);
    if (!accepts(od, nd))
        report(c, loose, fc->nf->pos, fc->old_file, fc->of->pos, NULL,
               value_outside(fc->ot, od, fc->nt, nd, &pk),
               "%s: %s loosened, values the old schema refused are allowed", fc->what, what);
}

static void compare_enum(cmp *c, const field_ctx *fc, diag_pos at, const enum_def *o,
                         const enum_def *n)
{
    if (!first_visit(c, o, n))
        return;
    char *name = type_name(c->new_s, n->owner, n->name);
    for (size_t i = 0; i < n->n_values; i++) {
        bool found = false;
        for (size_t j = 0; j < o->n_values && !found; j++)
            found = strcmp(n->values[i].wire, o->values[j].wire) == 0;
        poke pk = {POKE_VALUE, "", 0};
        if (!found && !o->has_fallback) /* else old readers read it as the fallback */
            report(c, R_ENUM_VALUE_ADDED, c->imported ? at : n->values[i].pos, fc->old_file,
                   o->pos, NULL, quoted_of(&pk, n->values[i].wire) ? &pk : NULL,
                   "enum '%s' gained value \"%s\" (used by %s)", name, n->values[i].wire,
                   fc->what);
    }
    for (size_t j = 0; j < o->n_values; j++) {
        bool found = false;
        for (size_t i = 0; i < n->n_values && !found; i++)
            found = strcmp(n->values[i].wire, o->values[j].wire) == 0;
        poke pk = {POKE_VALUE, "", 0};
        if (!found && !n->has_fallback) /* else new readers read it as the fallback */
            report(c, R_ENUM_VALUE_REMOVED, c->imported ? at : n->pos, fc->old_file,
                   o->values[j].pos, quoted_of(&pk, o->values[j].wire) ? &pk : NULL, NULL,
                   "enum '%s' lost value \"%s\" (used by %s)", name, o->values[j].wire,
                   fc->what);
    }
    free(name);
}

/* Enter a message, union or enum of an imported schema: breaks inside are
 * reported at `at` (the using field); returns whether it entered. */
static bool enter_import(cmp *c, const schema *owner, const char *name, diag_pos at)
{
    if (c->imported || owner == c->new_s)
        return false;
    c->imported = true;
    c->use_site = at;
    c->use_type = xasprintf("'%s.%s'", owner->name, name);
    return true;
}

static void leave_import(cmp *c, bool entered)
{
    if (!entered)
        return;
    c->imported = false;
    free(c->use_type);
    c->use_type = NULL;
}

/* The name and schema of an enum, message or union type (else NULL). */
static const char *named_owner_name(const type_ref *t, const schema **owner)
{
    *owner = NULL;
    if (t->kind == T_ENUM)
        return *owner = t->enum_def->owner, t->enum_def->name;
    if (t->kind == T_MESSAGE)
        return *owner = t->message->owner, t->message->name;
    if (t->kind == T_UNION)
        return *owner = t->union_def->owner, t->union_def->name;
    return NULL;
}

/* "int32", or the name of an enum, message or union. */
static const char *kind_text(const type_ref *t)
{
    const schema *owner;
    const char *name = named_owner_name(t, &owner);
    return name ? name : type_kind_name(t->kind);
}

static void compare_type(cmp *c, const field_ctx *fc, const type_ref *ot, const type_ref *nt);

/* Array items and map values: their count, then the element type. */
static void compare_container(cmp *c, const field_ctx *fc, const type_ref *ot,
                              const type_ref *nt)
{
    const field_def *of = fc->of, *nf = fc->nf;
    uint64_t olo = of->has_min_items ? of->min_items : 0;
    uint64_t ohi = of->has_max_items ? of->max_items : UINT64_MAX;
    uint64_t nlo = nf->has_min_items ? nf->min_items : 0;
    uint64_t nhi = nf->has_max_items ? nf->max_items : UINT64_MAX;
    poke bw = {POKE_COUNT, "", olo < nlo ? olo : nhi + 1};
    poke fw = {POKE_COUNT, "", nlo < olo ? nlo : ohi + 1};
    if (nlo > olo || nhi < ohi)
        report(c, R_FIELD_ITEMS_TIGHTENED, nf->pos, fc->old_file, of->pos, &bw, NULL,
               "%s: min_items/max_items tightened, counts the old schema allowed are refused",
               fc->what);
    if (nlo < olo || nhi > ohi)
        report(c, R_FIELD_ITEMS_LOOSENED, nf->pos, fc->old_file, of->pos, NULL, &fw,
               "%s: min_items/max_items loosened, counts the old schema refused are allowed",
               fc->what);
    char *what = xasprintf("%s of %s", nt->kind == T_ARRAY ? "items" : "values", fc->what);
    field_ctx elem = {fc->msg, fc->old_file, of, nf, what, true, NULL, NULL};
    push(c, STEP_ITEM, NULL);
    compare_type(c, &elem, ot->elem, nt->elem);
    pop(c);
    free(what);
}

/* Two types at one wire name: same family (recurse) or a type change. */
/* Two types of different kinds: a widening, a narrowing or a change,
 * judged by their values. */
static void compare_kinds(cmp *c, const field_ctx *fc, const type_ref *ot, const type_ref *nt)
{
    const field_def *oc = fc->elem ? NULL : fc->of, *nc = fc->elem ? NULL : fc->nf;
    bool simple = ot->kind <= T_ENUM && nt->kind <= T_ENUM; /* scalars */
    domain od = domain_of(ot, oc), nd = domain_of(nt, nc);
    bool bw = nt->kind == T_JSON || (simple && accepts(&nd, &od));
    bool fw = ot->kind == T_JSON || (simple && accepts(&od, &nd));
    poke bp, fp;
    const poke *bpk = value_outside(nt, &nd, ot, &od, &bp);
    const poke *fpk = value_outside(ot, &od, nt, &nd, &fp);
    if (!bw && !fw)
        report(c, R_FIELD_TYPE_CHANGED, fc->nf->pos, fc->old_file, fc->of->pos, bpk, fpk,
               "%s changed type from %s to %s", fc->what, kind_text(ot), kind_text(nt));
    else if (!fw)
        report(c, R_FIELD_TYPE_WIDENED, fc->nf->pos, fc->old_file, fc->of->pos, NULL, fpk,
               "%s widened from %s to %s", fc->what, kind_text(ot), kind_text(nt));
    else if (!bw)
        report(c, R_FIELD_TYPE_NARROWED, fc->nf->pos, fc->old_file, fc->of->pos, bpk, NULL,
               "%s narrowed from %s to %s", fc->what, kind_text(ot), kind_text(nt));
}

static void compare_type(cmp *c, const field_ctx *fc, const type_ref *ot, const type_ref *nt)
{
    const field_def *oc = fc->elem ? NULL : fc->of, *nc = fc->elem ? NULL : fc->nf;
    const schema *owner = NULL;
    const char *name = named_owner_name(nt, &owner);
    if (ot->kind == nt->kind && (nt->kind == T_ARRAY || nt->kind == T_MAP)) {
        compare_container(c, fc, ot, nt);
    } else if (ot->kind == nt->kind &&
               (nt->kind == T_MESSAGE || nt->kind == T_UNION || nt->kind == T_ENUM)) {
        bool entered = enter_import(c, owner, name, fc->nf->pos);
        if (nt->kind == T_MESSAGE)
            compare_message(c, ot->message, nt->message);
        else if (nt->kind == T_UNION)
            compare_union(c, ot->union_def, nt->union_def);
        else
            compare_enum(c, fc, fc->nf->pos, ot->enum_def, nt->enum_def);
        leave_import(c, entered);
    } else if (ot->kind == nt->kind && nt->kind != T_JSON) {
        domain od = domain_of(ot, oc), nd = domain_of(nt, nc);
        field_ctx typed = *fc;
        typed.ot = ot, typed.nt = nt;
        compare_constraints(c, &typed, &od, &nd);
    } else if (ot->kind != nt->kind) {
        compare_kinds(c, fc, ot, nt);
    }
}

/* Presence and null of one field in both versions, then its type. */
static void compare_field(cmp *c, const char *msg, const char *old_file, const field_def *of,
                          const field_def *nf)
{
    char *what = xasprintf("field '%s.%s'", msg, nf->wire_name);
    field_ctx fc = {msg, old_file, of, nf, what, false, NULL, NULL};
    bool o_absent_ok = of->optional || of->default_text;
    bool n_absent_ok = nf->optional || nf->default_text;
    push(c, STEP_FIELD, nf->wire_name);
    if (of->optional && !n_absent_ok)
        report(c, R_FIELD_NOW_REQUIRED, nf->pos, old_file, of->pos, &POKE_LEFT_OUT, NULL,
               "%s was optional and is now required", what);
    if (nf->optional && !o_absent_ok)
        report(c, R_FIELD_NOW_OPTIONAL, nf->pos, old_file, of->pos, NULL, &POKE_LEFT_OUT,
               "%s was required and is now optional", what);
    if (of->nullable && !nf->nullable)
        report(c, R_FIELD_NULLABLE_REMOVED, nf->pos, old_file, of->pos, &POKE_AS_NULL, NULL,
               "%s is no longer nullable", what);
    if (nf->nullable && !of->nullable)
        report(c, R_FIELD_NULLABLE_ADDED, nf->pos, old_file, of->pos, NULL, &POKE_AS_NULL,
               "%s became nullable", what);
    if (!of->type_unknown && !nf->type_unknown)
        compare_type(c, &fc, &of->type, &nf->type);
    pop(c);
    free(what);
}

static const field_def *field_by_wire(const message_def *m, const char *wire)
{
    for (size_t i = 0; i < m->n_fields; i++)
        if (strcmp(m->fields[i].wire_name, wire) == 0)
            return &m->fields[i];
    return NULL;
}

/* Fields matched by wire name: added, removed, changed. */
static void compare_message(cmp *c, const message_def *o, const message_def *n)
{
    if (!first_visit(c, o, n))
        return;
    char *msg = type_name(c->new_s, n->owner, n->name);
    const char *old_file = o->owner->path;
    for (size_t i = 0; i < n->n_fields; i++) {
        const field_def *nf = &n->fields[i];
        const field_def *of = field_by_wire(o, nf->wire_name);
        if (of) {
            compare_field(c, msg, old_file, of, nf);
            continue;
        }
        if (!nf->optional && !nf->default_text)
            report(c, R_FIELD_ADDED_REQUIRED, nf->pos, old_file, o->pos, &POKE_AT_PATH, NULL,
                   "field '%s.%s' was added as required without a default", msg,
                   nf->wire_name);
        push(c, STEP_FIELD, nf->wire_name);
        if (o->reject_unknown)
            report(c, R_FIELD_ADDED_CLOSED, nf->pos, old_file, o->pos, NULL, &POKE_THERE,
                   "field '%s.%s' was added to a message the old schema closes "
                   "('unknown_fields: reject')", msg, nf->wire_name);
        pop(c);
    }
    for (size_t j = 0; j < o->n_fields; j++) {
        const field_def *of = &o->fields[j];
        if (field_by_wire(n, of->wire_name))
            continue;
        if (!of->optional && !of->default_text)
            report(c, R_FIELD_REMOVED_REQUIRED, n->pos, old_file, of->pos, NULL, &POKE_AT_PATH,
                   "required field '%s.%s' was removed (a rename without 'wire_name' is a "
                   "remove and an add)", msg, of->wire_name);
        push(c, STEP_FIELD, of->wire_name);
        if (n->reject_unknown)
            report(c, R_FIELD_REMOVED_CLOSED, n->pos, old_file, of->pos, &POKE_THERE, NULL,
                   "field '%s.%s' was removed from a message the new schema closes "
                   "('unknown_fields: reject')", msg, of->wire_name);
        pop(c);
    }
    free(msg);
}

static const union_variant *variant_by_tag(const union_def *u, const char *tag)
{
    for (size_t i = 0; i < u->n_variants; i++)
        if (strcmp(u->variants[i].tag, tag) == 0)
            return &u->variants[i];
    return NULL;
}

/* Discriminator, then variants matched by tag. */
static void compare_union(cmp *c, const union_def *o, const union_def *n)
{
    if (!first_visit(c, o, n))
        return;
    char *name = type_name(c->new_s, n->owner, n->name);
    const char *old_file = o->owner->path;
    if (strcmp(o->discriminator, n->discriminator) != 0)
        report(c, R_UNION_DISCRIMINATOR_CHANGED, n->pos, old_file, o->pos, &POKE_AT_PATH,
               &POKE_AT_PATH, "union '%s' changed its discriminator from \"%s\" to \"%s\"", name,
               o->discriminator, n->discriminator);
    for (size_t i = 0; i < n->n_variants; i++) {
        const union_variant *nv = &n->variants[i];
        const union_variant *ov = variant_by_tag(o, nv->tag);
        push(c, STEP_VARIANT, nv->tag);
        if (!ov) {
            report(c, R_UNION_VARIANT_ADDED, nv->pos, old_file, o->pos, NULL, &POKE_AT_PATH,
                   "union '%s' gained variant \"%s\"", name, nv->tag);
        } else {
            bool entered = enter_import(c, nv->message->owner, nv->message->name, nv->pos);
            compare_message(c, ov->message, nv->message);
            leave_import(c, entered);
        }
        pop(c);
    }
    for (size_t j = 0; j < o->n_variants; j++) {
        if (variant_by_tag(n, o->variants[j].tag))
            continue;
        push(c, STEP_VARIANT, o->variants[j].tag);
        report(c, R_UNION_VARIANT_REMOVED, n->pos, old_file, o->variants[j].pos, &POKE_AT_PATH,
               NULL, "union '%s' lost variant \"%s\"", name, o->variants[j].tag);
        pop(c);
    }
    free(name);
}

/* The wire name of a message's key field (or of a union's: the field of
 * that C name in its first variant), NULL when there is no key. */
static const char *key_wire(const kafka_binding *k, const message_def *m, const union_def *u)
{
    if (!k->key_field)
        return NULL;
    if (!m && u && u->n_variants)
        m = u->variants[0].message;
    for (size_t i = 0; m && i < m->n_fields; i++)
        if (strcmp(m->fields[i].name, k->key_field) == 0)
            return m->fields[i].wire_name;
    return k->key_field;
}

/* Topic and key of a top-level type. */
static void compare_binding(cmp *c, const char *name, const char *old_file,
                            const kafka_binding *ok, const char *okey, const kafka_binding *nk,
                            const char *nkey, diag_pos npos, diag_pos opos)
{
    if (ok->topic && (!nk->topic || strcmp(ok->topic, nk->topic) != 0))
        report(c, R_TOPIC_CHANGED, nk->topic ? nk->topic_pos : npos, old_file,
               ok->topic_pos, NULL, NULL, "'%s' moved from topic \"%s\" to %s%s%s", name, ok->topic,
               nk->topic ? "\"" : "no topic", nk->topic ? nk->topic : "",
               nk->topic ? "\"" : "");
    bool key_differs = (okey == NULL) != (nkey == NULL) || (okey && nkey && strcmp(okey, nkey) != 0);
    if (ok->topic && nk->topic && key_differs)
        report(c, R_KEY_CHANGED, nkey ? nk->key_pos : npos, old_file,
               okey ? ok->key_pos : opos, NULL, NULL, "'%s' changed its key from %s%s%s to %s%s%s", name,
               okey ? "'" : "", okey ? okey : "none", okey ? "'" : "", nkey ? "'" : "",
               nkey ? nkey : "none", nkey ? "'" : "");
}

static const message_def *old_message(const schema *s, const char *name)
{
    for (size_t i = 0; i < s->n_messages; i++)
        if (strcmp(s->messages[i]->name, name) == 0)
            return s->messages[i];
    return NULL;
}

static const union_def *old_union(const schema *s, const char *name)
{
    for (size_t i = 0; i < s->n_unions; i++)
        if (strcmp(s->unions[i]->name, name) == 0)
            return s->unions[i];
    return NULL;
}

/* One message or union of the new schema against the old one of its
 * name; the examples of its breaks are messages of it. */
static void compare_declared(cmp *c, const message_def *nm, const union_def *nu)
{
    const schema *o = c->old_s;
    const char *name = nm ? nm->name : nu->name;
    const message_def *om = old_message(o, name);
    const union_def *ou = old_union(o, name);
    diag_pos npos = nm ? nm->pos : nu->pos;
    c->top_om = om, c->top_ou = ou, c->top_nm = nm, c->top_nu = nu;
    c->path.n_steps = 0;
    if ((nm && ou) || (nu && om)) {
        report(c, R_TYPE_KIND_CHANGED, npos, o->path, om ? om->pos : ou->pos, NULL, NULL,
               "'%s' was a %s and is now a %s", name, om ? "message" : "union",
               nm ? "message" : "union");
    } else if (nm && om) {
        compare_binding(c, name, o->path, &om->kafka, key_wire(&om->kafka, om, NULL),
                        &nm->kafka, key_wire(&nm->kafka, nm, NULL), npos, om->pos);
        compare_message(c, om, nm);
    } else if (nu && ou) {
        compare_binding(c, name, o->path, &ou->kafka, key_wire(&ou->kafka, NULL, ou),
                        &nu->kafka, key_wire(&nu->kafka, NULL, nu), npos, ou->pos);
        compare_union(c, ou, nu);
    }
}

/* Every message and union of the new schema against the old one of its
 * name, those with a topic first (so a nested type's break shows in a
 * message of a topic); then the old ones with a topic that are gone. */
static void compare_top_level(cmp *c)
{
    const schema *o = c->old_s, *n = c->new_s;
    for (int with_topic = 1; with_topic >= 0; with_topic--)
        for (size_t i = 0; i < n->n_order; i++) {
            const decl *d = &n->order[i];
            const message_def *nm = d->kind == DECL_MESSAGE ? d->message : NULL;
            const union_def *nu = d->kind == DECL_UNION ? d->union_def : NULL;
            if (((nm ? nm->kafka.topic : nu->kafka.topic) != NULL) == (with_topic == 1))
                compare_declared(c, nm, nu);
        }
    for (size_t i = 0; i < o->n_order; i++) {
        const decl *d = &o->order[i];
        const char *name = d->kind == DECL_MESSAGE ? d->message->name : d->union_def->name;
        const kafka_binding *k = d->kind == DECL_MESSAGE ? &d->message->kafka
                                                         : &d->union_def->kafka;
        if (k->topic && !old_message(n, name) && !old_union(n, name))
            report(c, R_TYPE_REMOVED, n->name_pos, o->path,
                   d->kind == DECL_MESSAGE ? d->message->pos : d->union_def->pos, NULL, NULL,
                   "'%s' (topic \"%s\") was removed", name, k->topic);
    }
}

void compat_breaks_free(compat_breaks *b)
{
    for (size_t i = 0; i < b->count; i++) {
        free(b->items[i].type);
        free(b->items[i].example);
    }
    free(b->items);
    b->items = NULL;
    b->count = 0;
}

size_t compat_compare(const schema *old_s, const schema *new_s, compat_mode mode,
                      diag_list *out, compat_breaks *breaks)
{
    cmp c = {.old_s = old_s, .new_s = new_s, .mode = mode, .out = out, .list = breaks};
    if (mode.backward || mode.forward)
        compare_top_level(&c);
    free(c.visited);
    return c.breaks;
}
