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
#include "compat.h"
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
                            "(mode backward), or do not add it"},
    [R_ENUM_VALUE_REMOVED] = {"ENUM_VALUE_REMOVED", true, false,
                              "keep the value (producers may stop sending it)"},
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
        {"backward", {true, false, false}},
        {"forward", {false, true, false}},
        {"full", {true, true, false}},
        {"backward_transitive", {true, false, true}},
        {"forward_transitive", {false, true, true}},
        {"full_transitive", {true, true, true}},
        {"none", {false, false, false}},
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

typedef struct cmp {
    const schema *old_s, *new_s;
    compat_mode mode;
    diag_list *out;
    size_t breaks;
    pair *visited;
    size_t n_visited;
    /* Inside a type of an imported schema: breaks are reported at the
     * field of new_s that uses it (use_site), naming the type (use_type). */
    bool imported;
    diag_pos use_site;
    char *use_type;
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

static const char *readers_broken(const rule *r)
{
    if (r->backward && r->forward)
        return "consumers on either version reject records of the other";
    if (r->backward)
        return "consumers on the new schema reject records old producers wrote";
    return "consumers still on the old schema reject records new producers write";
}

/* Report rule `id` at new position `at` (a note at `old_at` of old_file)
 * if it breaks a direction of the mode. */
__attribute__((format(printf, 6, 7))) static void report(cmp *c, rule_id id, diag_pos at,
                                                         const char *old_file, diag_pos old_at,
                                                         const char *fmt, ...)
{
    const rule *r = &rules[id];
    if (!((r->backward && c->mode.backward) || (r->forward && c->mode.forward)))
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
}

/* "Money" for a type of the compared schema, "common.Money" for an import. */
static char *type_name(const schema *root, const schema *owner, const char *name)
{
    return owner == root || !owner ? xstrdup(name) : xasprintf("%s.%s", owner->name, name);
}

/* ---- value domains ------------------------------------------------------------ */

/* An integer of any of the four kinds, exactly. */
typedef struct wide {
    bool neg;
    uint64_t mag;
} wide;

static wide wide_i(int64_t v)
{
    return v < 0 ? (wide){true, (uint64_t)(-(v + 1)) + 1} : (wide){false, (uint64_t)v};
}

static wide wide_u(uint64_t v) { return (wide){false, v}; }

static int wide_cmp(wide a, wide b)
{
    if (a.neg != b.neg)
        return a.neg ? -1 : 1;
    if (a.mag == b.mag)
        return 0;
    return (a.mag < b.mag) != a.neg ? -1 : 1;
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

/* What a field of one version can hold: the values its decoder accepts. */
typedef struct domain {
    type_kind kind;
    wide lo, hi;            /* integer kinds */
    double dlo, dhi;        /* float64 */
    uint64_t len_lo, len_hi; /* text: code points (UINT64_MAX: no bound) */
} domain;

static bool is_int_kind(type_kind k)
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
static domain domain_of(const type_ref *t, const field_def *f)
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
    else if (t->kind == T_ENUM)
        enum_lengths(t->enum_def, &d);
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
} field_ctx;

/* The constraint family of a same-kind scalar whose domain changed. */
static void compare_constraints(cmp *c, const field_ctx *fc, const domain *od,
                                const domain *nd)
{
    bool numeric = is_int_kind(nd->kind) || nd->kind == T_FLOAT64;
    rule_id tight = numeric ? R_FIELD_BOUNDS_TIGHTENED : R_FIELD_LENGTH_TIGHTENED;
    rule_id loose = numeric ? R_FIELD_BOUNDS_LOOSENED : R_FIELD_LENGTH_LOOSENED;
    const char *what = numeric ? "min/max" : "min_length/max_length";
    if (!accepts(nd, od))
        report(c, tight, fc->nf->pos, fc->old_file, fc->of->pos,
               "%s: %s tightened, values the old schema allowed are refused", fc->what, what);
    if (!accepts(od, nd))
        report(c, loose, fc->nf->pos, fc->old_file, fc->of->pos,
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
        if (!found)
            report(c, R_ENUM_VALUE_ADDED, c->imported ? at : n->values[i].pos, fc->old_file,
                   o->pos, "enum '%s' gained value \"%s\" (used by %s)", name,
                   n->values[i].wire, fc->what);
    }
    for (size_t j = 0; j < o->n_values; j++) {
        bool found = false;
        for (size_t i = 0; i < n->n_values && !found; i++)
            found = strcmp(n->values[i].wire, o->values[j].wire) == 0;
        if (!found)
            report(c, R_ENUM_VALUE_REMOVED, c->imported ? at : n->pos, fc->old_file,
                   o->values[j].pos, "enum '%s' lost value \"%s\" (used by %s)", name,
                   o->values[j].wire, fc->what);
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
    if (nlo > olo || nhi < ohi)
        report(c, R_FIELD_ITEMS_TIGHTENED, nf->pos, fc->old_file, of->pos,
               "%s: min_items/max_items tightened, counts the old schema allowed are refused",
               fc->what);
    if (nlo < olo || nhi > ohi)
        report(c, R_FIELD_ITEMS_LOOSENED, nf->pos, fc->old_file, of->pos,
               "%s: min_items/max_items loosened, counts the old schema refused are allowed",
               fc->what);
    char *what = xasprintf("%s of %s", nt->kind == T_ARRAY ? "items" : "values", fc->what);
    field_ctx elem = {fc->msg, fc->old_file, of, nf, what, true};
    compare_type(c, &elem, ot->elem, nt->elem);
    free(what);
}

/* Two types at one wire name: same family (recurse) or a type change. */
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
        compare_constraints(c, fc, &od, &nd);
    } else if (ot->kind != nt->kind) {
        bool simple = ot->kind <= T_ENUM && nt->kind <= T_ENUM; /* scalars */
        domain od = domain_of(ot, oc), nd = domain_of(nt, nc);
        bool bw = nt->kind == T_JSON || (simple && accepts(&nd, &od));
        bool fw = ot->kind == T_JSON || (simple && accepts(&od, &nd));
        if (!bw && !fw)
            report(c, R_FIELD_TYPE_CHANGED, fc->nf->pos, fc->old_file, fc->of->pos,
                   "%s changed type from %s to %s", fc->what, kind_text(ot), kind_text(nt));
        else if (!fw)
            report(c, R_FIELD_TYPE_WIDENED, fc->nf->pos, fc->old_file, fc->of->pos,
                   "%s widened from %s to %s", fc->what, kind_text(ot), kind_text(nt));
        else if (!bw)
            report(c, R_FIELD_TYPE_NARROWED, fc->nf->pos, fc->old_file, fc->of->pos,
                   "%s narrowed from %s to %s", fc->what, kind_text(ot), kind_text(nt));
    }
}

/* Presence and null of one field in both versions, then its type. */
static void compare_field(cmp *c, const char *msg, const char *old_file, const field_def *of,
                          const field_def *nf)
{
    char *what = xasprintf("field '%s.%s'", msg, nf->wire_name);
    field_ctx fc = {msg, old_file, of, nf, what, false};
    bool o_absent_ok = of->optional || of->default_text;
    bool n_absent_ok = nf->optional || nf->default_text;
    if (of->optional && !n_absent_ok)
        report(c, R_FIELD_NOW_REQUIRED, nf->pos, old_file, of->pos,
               "%s was optional and is now required", what);
    if (nf->optional && !o_absent_ok)
        report(c, R_FIELD_NOW_OPTIONAL, nf->pos, old_file, of->pos,
               "%s was required and is now optional", what);
    if (of->nullable && !nf->nullable)
        report(c, R_FIELD_NULLABLE_REMOVED, nf->pos, old_file, of->pos,
               "%s is no longer nullable", what);
    if (nf->nullable && !of->nullable)
        report(c, R_FIELD_NULLABLE_ADDED, nf->pos, old_file, of->pos, "%s became nullable",
               what);
    if (!of->type_unknown && !nf->type_unknown)
        compare_type(c, &fc, &of->type, &nf->type);
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
            report(c, R_FIELD_ADDED_REQUIRED, nf->pos, old_file, o->pos,
                   "field '%s.%s' was added as required without a default", msg,
                   nf->wire_name);
        if (o->reject_unknown)
            report(c, R_FIELD_ADDED_CLOSED, nf->pos, old_file, o->pos,
                   "field '%s.%s' was added to a message the old schema closes "
                   "('unknown_fields: reject')", msg, nf->wire_name);
    }
    for (size_t j = 0; j < o->n_fields; j++) {
        const field_def *of = &o->fields[j];
        if (field_by_wire(n, of->wire_name))
            continue;
        if (!of->optional && !of->default_text)
            report(c, R_FIELD_REMOVED_REQUIRED, n->pos, old_file, of->pos,
                   "required field '%s.%s' was removed (a rename without 'wire_name' is a "
                   "remove and an add)", msg, of->wire_name);
        if (n->reject_unknown)
            report(c, R_FIELD_REMOVED_CLOSED, n->pos, old_file, of->pos,
                   "field '%s.%s' was removed from a message the new schema closes "
                   "('unknown_fields: reject')", msg, of->wire_name);
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
        report(c, R_UNION_DISCRIMINATOR_CHANGED, n->pos, old_file, o->pos,
               "union '%s' changed its discriminator from \"%s\" to \"%s\"", name,
               o->discriminator, n->discriminator);
    for (size_t i = 0; i < n->n_variants; i++) {
        const union_variant *nv = &n->variants[i];
        const union_variant *ov = variant_by_tag(o, nv->tag);
        if (!ov) {
            report(c, R_UNION_VARIANT_ADDED, nv->pos, old_file, o->pos,
                   "union '%s' gained variant \"%s\"", name, nv->tag);
            continue;
        }
        bool entered = enter_import(c, nv->message->owner, nv->message->name, nv->pos);
        compare_message(c, ov->message, nv->message);
        leave_import(c, entered);
    }
    for (size_t j = 0; j < o->n_variants; j++)
        if (!variant_by_tag(n, o->variants[j].tag))
            report(c, R_UNION_VARIANT_REMOVED, n->pos, old_file, o->variants[j].pos,
                   "union '%s' lost variant \"%s\"", name, o->variants[j].tag);
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
               ok->topic_pos, "'%s' moved from topic \"%s\" to %s%s%s", name, ok->topic,
               nk->topic ? "\"" : "no topic", nk->topic ? nk->topic : "",
               nk->topic ? "\"" : "");
    bool key_differs = (okey == NULL) != (nkey == NULL) || (okey && nkey && strcmp(okey, nkey) != 0);
    if (ok->topic && nk->topic && key_differs)
        report(c, R_KEY_CHANGED, nkey ? nk->key_pos : npos, old_file,
               okey ? ok->key_pos : opos, "'%s' changed its key from %s%s%s to %s%s%s", name,
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

/* Every message and union of the new schema against the old one of its
 * name; then the old ones with a topic that are gone. */
static void compare_top_level(cmp *c)
{
    const schema *o = c->old_s, *n = c->new_s;
    for (size_t i = 0; i < n->n_order; i++) {
        const decl *d = &n->order[i];
        const message_def *nm = d->kind == DECL_MESSAGE ? d->message : NULL;
        const union_def *nu = d->kind == DECL_UNION ? d->union_def : NULL;
        const char *name = nm ? nm->name : nu->name;
        const message_def *om = old_message(o, name);
        const union_def *ou = old_union(o, name);
        diag_pos npos = nm ? nm->pos : nu->pos;
        if ((nm && ou) || (nu && om)) {
            report(c, R_TYPE_KIND_CHANGED, npos, o->path, om ? om->pos : ou->pos,
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
    for (size_t i = 0; i < o->n_order; i++) {
        const decl *d = &o->order[i];
        const char *name = d->kind == DECL_MESSAGE ? d->message->name : d->union_def->name;
        const kafka_binding *k = d->kind == DECL_MESSAGE ? &d->message->kafka
                                                         : &d->union_def->kafka;
        if (k->topic && !old_message(n, name) && !old_union(n, name))
            report(c, R_TYPE_REMOVED, n->name_pos, o->path,
                   d->kind == DECL_MESSAGE ? d->message->pos : d->union_def->pos,
                   "'%s' (topic \"%s\") was removed", name, k->topic);
    }
}

size_t compat_compare(const schema *old_s, const schema *new_s, compat_mode mode,
                      diag_list *out)
{
    cmp c = {.old_s = old_s, .new_s = new_s, .mode = mode, .out = out};
    if (mode.backward || mode.forward)
        compare_top_level(&c);
    free(c.visited);
    return c.breaks;
}
