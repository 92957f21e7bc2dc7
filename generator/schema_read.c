/*
 * schema_read.c - YAML schema file -> `schema` (schema.h): the reading half
 * of schema_load().
 *
 * This file owns everything YAML: the text a schema may hold (UTF-8 by
 * runtime/json's rule, tg_utf8_seq, no tabs or control characters),
 * libfyaml and its syntax errors, duplicate keys, nodes and the positions
 * errors point at, scalars, and the shape of the file (which attributes a
 * mapping may hold, what must be a mapping, what must not be empty).  What
 * the text means (names, types, constraints, defaults, keys, recursion) is
 * schema_check.c's: this file hands it text and positions (schema_int.h)
 * as it meets them, so every error of a file comes out in file order.
 *
 * Reading runs in passes so that every error of a file is reported, not
 * only the first:
 *   1. check the text, parse it with libfyaml (syntax errors come from its
 *      collected diagnostics) and reject duplicate mapping keys anywhere;
 *   2. load each file of `imports:` (schema_set.c: finding, identity,
 *      cycles), then declare every enum, message and union name (one
 *      namespace), so types may be used before they are defined, and check
 *      that none has the C name of an imported one;
 *   3. read the bodies; the checker resolves each field's type and checks
 *      its attributes;
 *   4. check_schema: Kafka key fields, recursion by value, and the
 *      dependency order in which structs must be emitted.
 * Positions come from the scalar tokens libfyaml keeps for every node.
 */
#include "schema_int.h"
#include "schema_read_asyncapi_int.h"
#include "suggest.h"
#include "util.h"

#include "tg_text_int.h" /* tg_utf8_seq: runtime/json's UTF-8 rule */

#include <libfyaml.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct loader {
    checker ck;                 /* path, diags and the schema being filled */
    import_ctx *ic;             /* the set imports load into; NULL: none allowed */
    bool import_failed;         /* an import failed (maybe reported at another import) */
    struct fy_node *key;        /* mapping key being read (for_each_pair) */
} loader;

/* ---- positions and errors ------------------------------------------------ */

static diag_pos node_pos(struct fy_node *n)
{
    diag_pos p = {0, 0};
    if (!n)
        return p;
    if (fy_node_is_scalar(n)) {
        struct fy_token *t = fy_node_get_scalar_token(n);
        const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
        if (m) {
            p.line = m->line + 1;
            p.col = m->column + 1;
            /* a quoted scalar's token starts after its opening quote */
            enum fy_node_style st = fy_node_get_style(n);
            if ((st == FYNS_SINGLE_QUOTED || st == FYNS_DOUBLE_QUOTED) && p.col > 1)
                p.col--;
        }
        return p;
    }
    void *it = NULL;
    if (fy_node_is_mapping(n)) {
        struct fy_node_pair *pair = fy_node_mapping_iterate(n, &it);
        return pair ? node_pos(fy_node_pair_key(pair)) : p;
    }
    if (fy_node_is_sequence(n))
        return node_pos(fy_node_sequence_iterate(n, &it));
    return p;
}

diag_pos schema_node_pos(struct fy_node *n)
{
    return node_pos(n);
}

/* Where an error about `n` points.  An empty value (`topic:`) or an empty
 * collection has no token of its own: use the key it belongs to. */
static diag_pos err_pos(const loader *L, struct fy_node *n)
{
    diag_pos p = node_pos(n);
    return p.line > 0 ? p : node_pos(L->key);
}

#define ERR(L, node, ...) diag_error((L)->ck.diags, (L)->ck.path, err_pos(L, node), __VA_ARGS__)

/* ---- "did you mean ...?" -------------------------------------------------- */

/* The names an attribute may have, where each is read. */
static const char *const top_key_names[] = {
    "schema", "version", "description", "imports", "enums", "messages", "unions", NULL};
static const char *const enum_attr_names[] = {"values", "fallback", "description", NULL};
static const char *const message_attr_names[] = {
    "fields",         "topic",       "key", "version", "accepts_versions", "dlq_topic",
    "tombstones",     "unknown_fields", "description", NULL};
static const char *const field_attr_names[] = {
    "type", "items", "values", "optional", "nullable", "default", "min", "max", "min_length",
    "max_length", "min_items", "max_items", "wire_name", "description", NULL};
static const char *const union_attr_names[] = {
    "discriminator", "variants",   "topic",       "key", "version", "accepts_versions",
    "dlq_topic",     "tombstones", "description", NULL};
static const char *const variant_attr_names[] = {"message", "name", NULL};

/* "; did you mean 'x'?" for `name` among the NULL-terminated `names`, or "",
 * into buf (HINT_MAX bytes). */
static const char *hint_among(char *buf, const char *name, const char *const *names)
{
    suggest s;
    suggest_init(&s, name, strlen(name));
    suggest_offer_all(&s, names);
    return suggest_format(&s, buf, HINT_MAX);
}

/* ---- scalar access ------------------------------------------------------ */

/* The scalar's text as a new string, or NULL (with an error) when `n` is not
 * a scalar. */
static char *scalar_dup(loader *L, struct fy_node *n, const char *what)
{
    if (!n || !fy_node_is_scalar(n)) {
        ERR(L, n, "%s must be a scalar", what);
        return NULL;
    }
    size_t len = 0;
    const char *text = fy_node_get_scalar(n, &len);
    return xstrndup(text ? text : "", len);
}

/* Same, for values that must not be empty (`topic:` with nothing after). */
static char *nonempty_dup(loader *L, struct fy_node *n, const char *what)
{
    char *text = scalar_dup(L, n, what);
    if (text && !*text) {
        ERR(L, n, "%s must not be empty", what);
        free(text);
        return NULL;
    }
    return text;
}

static bool scalar_is(struct fy_node *n, const char *s)
{
    size_t len = 0;
    const char *text = n && fy_node_is_scalar(n) ? fy_node_get_scalar(n, &len) : NULL;
    return text && len == strlen(s) && memcmp(text, s, len) == 0;
}

static bool parse_bool_node(loader *L, struct fy_node *n, const char *what, bool *out)
{
    if (scalar_is(n, "true")) {
        *out = true;
        return true;
    }
    if (scalar_is(n, "false")) {
        *out = false;
        return true;
    }
    ERR(L, n, "%s must be true or false", what);
    return false;
}

/* The scalar n as the checker takes it: text (NULL when n is not a
 * scalar) and where an error about it points.  Call it where L->key is the
 * key n belongs to, or the one errors about an empty n should name. */
static attr attr_of(loader *L, struct fy_node *n)
{
    attr a = {.present = n != NULL, .text = NULL, .pos = err_pos(L, n)};
    if (n && fy_node_is_scalar(n)) {
        size_t len = 0;
        const char *text = fy_node_get_scalar(n, &len);
        a.text = xstrndup(text ? text : "", len);
    }
    return a;
}

static bool read_version(loader *L, struct fy_node *n, int *out)
{
    attr a = attr_of(L, n);
    bool ok = check_version(&L->ck, &a, out);
    free(a.text);
    return ok;
}

/* ---- YAML-level checks ---------------------------------------------------- */

/* Duplicate keys are an error in every mapping of a schema (libfyaml is told
 * to accept them so that we can say where the first one was). */
static void check_duplicate_keys(loader *L, struct fy_node *n)
{
    void *it = NULL;
    if (fy_node_is_sequence(n)) {
        struct fy_node *child;
        while ((child = fy_node_sequence_iterate(n, &it)) != NULL)
            check_duplicate_keys(L, child);
        return;
    }
    if (!fy_node_is_mapping(n))
        return;
    struct fy_node_pair *pair;
    while ((pair = fy_node_mapping_iterate(n, &it)) != NULL) {
        struct fy_node *key = fy_node_pair_key(pair);
        size_t len = 0;
        const char *text = fy_node_is_scalar(key) ? fy_node_get_scalar(key, &len) : NULL;
        void *it2 = NULL;
        struct fy_node_pair *prev;
        while (text && (prev = fy_node_mapping_iterate(n, &it2)) != pair) {
            struct fy_node *pk = fy_node_pair_key(prev);
            size_t plen = 0;
            const char *ptext = fy_node_is_scalar(pk) ? fy_node_get_scalar(pk, &plen) : NULL;
            if (ptext && plen == len && memcmp(ptext, text, len) == 0) {
                ERR(L, key, "duplicate key '%.*s'", (int)len, text);
                diag_note(L->ck.diags, L->ck.path, node_pos(pk), "'%.*s' first defined here", (int)len, text);
                break;
            }
        }
        check_duplicate_keys(L, fy_node_pair_value(pair));
    }
}

/* Call `fn` for each key/value of a mapping; complain when `n` is not one. */
typedef void (*pair_fn)(loader *L, struct fy_node *key, struct fy_node *value, void *ctx);

static bool for_each_pair(loader *L, struct fy_node *n, const char *what, pair_fn fn, void *ctx)
{
    if (!n || !fy_node_is_mapping(n)) {
        ERR(L, n, "%s must be a mapping", what);
        return false;
    }
    void *it = NULL;
    struct fy_node_pair *pair;
    struct fy_node *outer = L->key;
    while ((pair = fy_node_mapping_iterate(n, &it)) != NULL) {
        L->key = fy_node_pair_key(pair);
        fn(L, L->key, fy_node_pair_value(pair), ctx);
    }
    L->key = outer;
    return true;
}

/* ---- fields --------------------------------------------------------------- */

/* The type-dependent attributes of a field, as nodes until the field's
 * mapping has been read (the checker then gets them in one go). */
typedef struct field_ctx {
    field_def *f;
    struct fy_node *type, *items, *values, *min, *max, *min_length, *max_length;
    struct fy_node *min_items, *max_items, *def;
} field_ctx;

static void read_field_attr(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    field_ctx *c = ctx;
    field_def *f = c->f;
    struct fy_node **slot = NULL;
    if (scalar_is(key, "type")) slot = &c->type;
    else if (scalar_is(key, "items")) slot = &c->items;
    else if (scalar_is(key, "values")) slot = &c->values;
    else if (scalar_is(key, "min")) slot = &c->min;
    else if (scalar_is(key, "max")) slot = &c->max;
    else if (scalar_is(key, "min_length")) slot = &c->min_length;
    else if (scalar_is(key, "max_length")) slot = &c->max_length;
    else if (scalar_is(key, "min_items")) slot = &c->min_items;
    else if (scalar_is(key, "max_items")) slot = &c->max_items;
    else if (scalar_is(key, "default")) slot = &c->def;
    if (slot) {
        *slot = value;
    } else if (scalar_is(key, "optional")) {
        parse_bool_node(L, value, "optional", &f->optional);
    } else if (scalar_is(key, "nullable")) {
        parse_bool_node(L, value, "nullable", &f->nullable);
    } else if (scalar_is(key, "wire_name")) {
        char *w = scalar_dup(L, value, "wire_name");
        if (w && !check_wire_name(&L->ck, err_pos(L, value), w)) {
            free(w);
            w = NULL;
        }
        if (w) {
            free(f->wire_name);
            f->wire_name = w;
        }
    } else if (scalar_is(key, "description")) {
        free(f->description);
        f->description = scalar_dup(L, value, "description");
    } else {
        char *name = scalar_dup(L, key, "attribute name"), hint[HINT_MAX];
        if (name)
            ERR(L, key, "unknown attribute '%s' for field '%s' (expected type, items, values, "
                        "optional, nullable, default, min, max, min_length, max_length, "
                        "min_items, max_items, wire_name or description)%s",
                name, f->name, hint_among(hint, name, field_attr_names));
        free(name);
    }
}

/* The field's type-dependent attributes to the checker (positions taken
 * while L->key is the field's name, where errors about empty values point). */
static void finish_field(loader *L, struct fy_node *where, field_ctx *c)
{
    field_attrs a = {
        .type = attr_of(L, c->type), .items = attr_of(L, c->items),
        .values = attr_of(L, c->values), .min = attr_of(L, c->min), .max = attr_of(L, c->max),
        .min_length = attr_of(L, c->min_length), .max_length = attr_of(L, c->max_length),
        .min_items = attr_of(L, c->min_items), .max_items = attr_of(L, c->max_items),
        .def = attr_of(L, c->def),
    };
    check_field(&L->ck, c->f, err_pos(L, where), &a);
    attr *all[] = {&a.type, &a.items, &a.values, &a.min, &a.max, &a.min_length, &a.max_length,
                   &a.min_items, &a.max_items, &a.def};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        free(all[i]->text);
}

typedef struct message_ctx {
    message_def *m;
} message_ctx;

static void read_field(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    message_def *m = ((message_ctx *)ctx)->m;
    char *name = scalar_dup(L, key, "field name");
    if (!name)
        return;
    field_def *f = xappend(&m->fields, &m->n_fields, sizeof *f);
    f->name = name;
    f->wire_name = xstrdup(name);
    f->pos = node_pos(key);
    field_ctx c = {.f = f};
    if (fy_node_is_scalar(value)) {
        c.type = value; /* shorthand: `name: type` */
        finish_field(L, key, &c);
    } else if (for_each_pair(L, value, "a field", read_field_attr, &c)) {
        finish_field(L, key, &c);
    } else {
        f->type.kind = T_JSON;
    }
    check_field_name(&L->ck, node_pos(key), f);
}

/* ---- messages, enums, unions ------------------------------------------- */

/* Kafka attributes shared by messages and unions; returns true if `key` was one. */
static bool read_kafka_attr(loader *L, struct fy_node *key, struct fy_node *value, kafka_binding *k)
{
    if (scalar_is(key, "topic")) {
        free(k->topic);
        k->topic = nonempty_dup(L, value, "topic");
        k->topic_pos = err_pos(L, value);
    } else if (scalar_is(key, "dlq_topic")) {
        free(k->dlq_topic);
        k->dlq_topic = nonempty_dup(L, value, "dlq_topic");
        k->dlq_pos = err_pos(L, value);
        k->dlq_set = k->dlq_topic != NULL;
    } else if (scalar_is(key, "key")) {
        free(k->key_field);
        k->key_field = nonempty_dup(L, value, "key");
        k->key_pos = err_pos(L, value);
    } else if (scalar_is(key, "version")) {
        read_version(L, value, &k->version);
    } else if (scalar_is(key, "tombstones")) {
        attr a = attr_of(L, value);
        (void)check_tombstones(&L->ck, &a, &k->tombstones);
        free(a.text);
    } else if (scalar_is(key, "accepts_versions")) {
        attr a = attr_of(L, value);
        k->accepts_pos = a.pos;
        (void)check_accepts_versions(&L->ck, &a, &k->accepts_min, &k->accepts_max);
        free(a.text);
    } else {
        return false;
    }
    return true;
}

static void read_message_attr(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    message_def *m = ((message_ctx *)ctx)->m;
    if (read_kafka_attr(L, key, value, &m->kafka))
        return;
    if (scalar_is(key, "fields")) {
        for_each_pair(L, value, "fields", read_field, ctx);
    } else if (scalar_is(key, "description")) {
        free(m->description);
        m->description = scalar_dup(L, value, "description");
    } else if (scalar_is(key, "unknown_fields")) {
        if (scalar_is(value, "reject"))
            m->reject_unknown = true;
        else if (!scalar_is(value, "skip"))
            ERR(L, value, "unknown_fields must be 'skip' or 'reject'");
    } else {
        char *name = scalar_dup(L, key, "attribute name"), hint[HINT_MAX];
        if (name)
            ERR(L, key, "unknown attribute '%s' for message '%s' (expected fields, topic, key, "
                        "version, accepts_versions, dlq_topic, tombstones, unknown_fields or "
                        "description)%s",
                name, m->name, hint_among(hint, name, message_attr_names));
        free(name);
    }
}

typedef struct enum_ctx {
    enum_def *e;
    attr fallback;              /* `fallback:`, checked once the values are read */
} enum_ctx;

static void read_enum_value(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    enum_def *e = ((enum_ctx *)ctx)->e;
    char *name = scalar_dup(L, key, "enum value name");
    char *wire = scalar_dup(L, value, "enum wire string");
    if (!name || !wire) {
        free(name);
        free(wire);
        return;
    }
    check_enum_value(&L->ck, e, name, err_pos(L, key), wire, err_pos(L, value));
    enum_value *v = xappend(&e->values, &e->n_values, sizeof *v);
    v->name = name;
    v->wire = wire;
    v->pos = node_pos(key);
}

static void read_enum_attr(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    enum_def *e = ((enum_ctx *)ctx)->e;
    if (scalar_is(key, "values")) {
        for_each_pair(L, value, "enum values", read_enum_value, ctx);
    } else if (scalar_is(key, "description")) {
        free(e->description);
        e->description = scalar_dup(L, value, "description");
    } else if (scalar_is(key, "fallback")) {
        free(((enum_ctx *)ctx)->fallback.text);
        ((enum_ctx *)ctx)->fallback = attr_of(L, value);
    } else {
        char *name = scalar_dup(L, key, "attribute name"), hint[HINT_MAX];
        if (name)
            ERR(L, key, "unknown attribute '%s' for enum '%s' (expected values, fallback or "
                        "description)%s",
                name, e->name, hint_among(hint, name, enum_attr_names));
        free(name);
    }
}

typedef struct union_ctx {
    union_def *u;
    bool has_discriminator;     /* the attribute is there (maybe invalid) */
} union_ctx;

static void read_variant(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    union_def *u = ((union_ctx *)ctx)->u;
    char *tag = scalar_dup(L, key, "variant tag");
    if (!tag)
        return;
    struct fy_node *msg_node = value, *name_node = key;
    if (fy_node_is_mapping(value)) {
        msg_node = fy_node_mapping_lookup_by_string(value, "message", FY_NT);
        name_node = fy_node_mapping_lookup_by_string(value, "name", FY_NT);
        if (!msg_node)
            ERR(L, key, "variant '%s' needs 'message'", tag);
        void *it = NULL;
        struct fy_node_pair *pair;
        while ((pair = fy_node_mapping_iterate(value, &it)) != NULL) {
            struct fy_node *k = fy_node_pair_key(pair);
            if (!scalar_is(k, "message") && !scalar_is(k, "name")) {
                char *name = scalar_dup(L, k, "attribute name"), hint[HINT_MAX];
                if (name)
                    ERR(L, k, "unknown attribute '%s' for variant '%s' (expected message or name)%s",
                        name, tag, hint_among(hint, name, variant_attr_names));
                free(name);
            }
        }
        if (!name_node)
            name_node = key;
    }
    char *mname = msg_node ? scalar_dup(L, msg_node, "variant message") : NULL;
    char *cname = scalar_dup(L, name_node, "variant name");
    union_variant *v = xappend(&u->variants, &u->n_variants, sizeof *v);
    v->tag = tag;
    v->name = cname ? cname : xstrdup("invalid");
    v->pos = node_pos(key);
    if (cname)
        check_variant_name(&L->ck, err_pos(L, name_node), cname, tag, mname);
    if (mname)
        v->message = check_variant_message(&L->ck, err_pos(L, msg_node), tag, mname);
    free(mname);
}

static void read_union_attr(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    union_def *u = ((union_ctx *)ctx)->u;
    if (read_kafka_attr(L, key, value, &u->kafka))
        return;
    if (scalar_is(key, "variants")) {
        for_each_pair(L, value, "variants", read_variant, ctx);
    } else if (scalar_is(key, "discriminator")) {
        free(u->discriminator);
        u->discriminator = nonempty_dup(L, value, "discriminator");
        ((union_ctx *)ctx)->has_discriminator = true;
    } else if (scalar_is(key, "description")) {
        free(u->description);
        u->description = scalar_dup(L, value, "description");
    } else {
        char *name = scalar_dup(L, key, "attribute name"), hint[HINT_MAX];
        if (name)
            ERR(L, key, "unknown attribute '%s' for union '%s' (expected discriminator, variants, "
                        "topic, key, version, accepts_versions, dlq_topic, tombstones or "
                        "description)%s",
                name, u->name, hint_among(hint, name, union_attr_names));
        free(name);
    }
}

/* ---- pass 2: declarations -------------------------------------------------- */

typedef struct section {
    struct fy_node *schema, *imports, *enums, *messages, *unions;
} section;

static void declare_enum(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    (void)value, (void)ctx;
    char *name = scalar_dup(L, key, "enum name");
    if (!name || !check_declare(&L->ck, node_pos(key), name, "enum")) {
        free(name);
        return;
    }
    enum_def *e = xcalloc(1, sizeof *e);
    e->name = name;
    e->owner = L->ck.s;
    e->pos = node_pos(key);
    *(enum_def **)xappend(&L->ck.s->enums, &L->ck.s->n_enums, sizeof e) = e;
}

static void declare_message(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    (void)value, (void)ctx;
    char *name = scalar_dup(L, key, "message name");
    if (!name || !check_declare(&L->ck, node_pos(key), name, "message")) {
        free(name);
        return;
    }
    message_def *m = xcalloc(1, sizeof *m);
    m->name = name;
    m->owner = L->ck.s;
    m->pos = node_pos(key);
    m->kafka.version = L->ck.s->version;
    *(message_def **)xappend(&L->ck.s->messages, &L->ck.s->n_messages, sizeof m) = m;
}

static void declare_union(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    (void)value, (void)ctx;
    char *name = scalar_dup(L, key, "union name");
    if (!name || !check_declare(&L->ck, node_pos(key), name, "union")) {
        free(name);
        return;
    }
    union_def *u = xcalloc(1, sizeof *u);
    u->name = name;
    u->owner = L->ck.s;
    u->pos = node_pos(key);
    u->kafka.version = L->ck.s->version;
    *(union_def **)xappend(&L->ck.s->unions, &L->ck.s->n_unions, sizeof u) = u;
}

/* ---- pass 3: bodies -------------------------------------------------------- */

static void define_enum(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    (void)ctx;
    diag_pos p = node_pos(key);
    for (size_t i = 0; i < L->ck.s->n_enums; i++) {
        enum_def *e = L->ck.s->enums[i];
        if (e->pos.line == p.line && e->pos.col == p.col) {
            enum_ctx c = {e, {0}};
            if (for_each_pair(L, value, "an enum", read_enum_attr, &c) && !e->values)
                ERR(L, key, "enum '%s' has no values", e->name);
            else if (c.fallback.present)
                check_enum_fallback(&L->ck, e, &c.fallback);
            free(c.fallback.text);
            return;
        }
    }
}

static void define_message(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    (void)ctx;
    diag_pos p = node_pos(key);
    for (size_t i = 0; i < L->ck.s->n_messages; i++) {
        message_def *m = L->ck.s->messages[i];
        if (m->pos.line == p.line && m->pos.col == p.col) {
            message_ctx c = {m};
            if (for_each_pair(L, value, "a message", read_message_attr, &c) && m->n_fields == 0)
                ERR(L, key, "message '%s' has no fields", m->name);
            check_field_names(&L->ck, m);
            return;
        }
    }
}

static void define_union(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    (void)ctx;
    diag_pos p = node_pos(key);
    for (size_t i = 0; i < L->ck.s->n_unions; i++) {
        union_def *u = L->ck.s->unions[i];
        if (u->pos.line == p.line && u->pos.col == p.col) {
            union_ctx c = {u, false};
            for_each_pair(L, value, "a union", read_union_attr, &c);
            if (!u->discriminator) {
                if (!c.has_discriminator)
                    ERR(L, key, "union '%s' needs a 'discriminator'", u->name);
                u->discriminator = xstrdup("type");
            }
            if (u->n_variants == 0)
                ERR(L, key, "union '%s' has no variants", u->name);
            return;
        }
    }
}

/* ---- top level ------------------------------------------------------------ */

/* A section (enums, messages, unions) is read in several passes; one that
 * is not a mapping is reported once, here, where its key is known. */
static struct fy_node *section_value(loader *L, struct fy_node *value, const char *what)
{
    if (value && fy_node_is_mapping(value))
        return value;
    ERR(L, value, "%s must be a mapping", what);
    return NULL;
}

static void read_top(loader *L, struct fy_node *key, struct fy_node *value, void *ctx)
{
    section *sec = ctx;
    schema *s = L->ck.s;
    if (scalar_is(key, "schema")) {
        sec->schema = value;
        free(s->name);
        s->name = scalar_dup(L, value, "schema");
        s->name_pos = err_pos(L, value);
        if (s->name && !check_c_name(&L->ck, err_pos(L, value), s->name, "schema name", "schema")) {
            free(s->name);
            s->name = NULL;
        }
    } else if (scalar_is(key, "version")) {
        read_version(L, value, &s->version);
    } else if (scalar_is(key, "description")) {
        free(s->description);
        s->description = scalar_dup(L, value, "description");
    } else if (scalar_is(key, "imports")) {
        sec->imports = value;
    } else if (scalar_is(key, "enums")) {
        sec->enums = section_value(L, value, "enums");
    } else if (scalar_is(key, "messages")) {
        sec->messages = section_value(L, value, "messages");
    } else if (scalar_is(key, "unions")) {
        sec->unions = section_value(L, value, "unions");
    } else {
        char *name = scalar_dup(L, key, "key"), hint[HINT_MAX];
        if (name)
            ERR(L, key, "unknown top-level key '%s' (expected schema, version, description, "
                        "imports, enums, messages or unions)%s",
                name, hint_among(hint, name, top_key_names));
        free(name);
    }
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* One entry of `imports:`: the schema it names joins s->imports.  A file
 * that failed for an earlier importer fails again here, silently (its
 * errors are out once). */
static void read_import(loader *L, struct fy_node *n)
{
    char *written = nonempty_dup(L, n, "an import");
    if (!written)
        return;
    schema *s = L->ck.s, *imported = import_schema(L->ic, err_pos(L, n), written);
    L->import_failed |= imported == NULL;
    for (size_t i = 0; imported && i < s->n_imports; i++)
        if (s->imports[i].schema == imported) {
            ERR(L, n, "'%s' is imported twice", written);
            diag_note(L->ck.diags, L->ck.path, s->imports[i].pos, "first imported here as '%s'",
                      s->imports[i].written);
            imported = NULL;
        }
    if (!imported) {
        free(written);
        return;
    }
    schema_import *imp = xappend(&s->imports, &s->n_imports, sizeof *imp);
    *imp = (schema_import){imported, written, err_pos(L, n)};
}

/* `imports:`, a list of schema files loaded before this file's types are
 * declared.  False when one failed (its errors are reported; the rest of
 * this file would only add errors about names it cannot see). */
static bool read_imports(loader *L, struct fy_node *list)
{
    size_t errors_before = L->ck.diags->errors;
    if (!L->ic) {
        ERR(L, list, "this file imports other schemas: load it with its imports (topicgen's "
                     "command line), not alone");
        return false;
    }
    if (!fy_node_is_sequence(list)) {
        ERR(L, list, "imports must be a list of schema files");
        return false;
    }
    void *it = NULL;
    struct fy_node *n;
    while ((n = fy_node_sequence_iterate(list, &it)) != NULL)
        read_import(L, n);
    return L->ck.diags->errors == errors_before && !L->import_failed;
}

static void load_document(loader *L, struct fy_node *root)
{
    check_duplicate_keys(L, root);
    if (asyncapi_is_document(root)) { /* AsyncAPI 3 input: schema_read_asyncapi.c */
        asyncapi_read_document(&L->ck, L->ic, root, &L->import_failed);
        return;
    }
    section sec = {0};
    if (!for_each_pair(L, root, "a schema file", read_top, &sec))
        return;
    if (!sec.schema)
        diag_error(L->ck.diags, L->ck.path, node_pos(root), "missing 'schema: <name>' (the C prefix)");
    if (sec.imports && !read_imports(L, sec.imports))
        return;
    if (sec.enums)
        for_each_pair(L, sec.enums, "enums", declare_enum, NULL);
    if (sec.messages)
        for_each_pair(L, sec.messages, "messages", declare_message, NULL);
    if (sec.unions)
        for_each_pair(L, sec.unions, "unions", declare_union, NULL);
    check_import_clashes(&L->ck);
    if (sec.enums)
        for_each_pair(L, sec.enums, "enums", define_enum, NULL);
    if (sec.messages)
        for_each_pair(L, sec.messages, "messages", define_message, NULL);
    if (sec.unions)
        for_each_pair(L, sec.unions, "unions", define_union, NULL);
    check_schema(&L->ck);
}

/* Offset of the first character of text[0..len) that a schema may not
 * hold, or len.  *cp gets its code point, or -1 for ill-formed UTF-8
 * (overlong forms, surrogates, past U+10FFFF).  YAML 1.2 (5.1) allows only
 * TAB, LF, CR, U+0020-007E, U+0085, U+00A0-D7FF, U+E000-FFFD and U+10000
 * up; schemas do not allow TAB either.  Such text must never reach
 * libfyaml 0.7.12: it loops forever on an invalid byte in a directive
 * ("%\xff") and crashes on tabs in some places ("? ::\t:"). */
static size_t not_yaml_text_at(const char *text, size_t len, long *cp)
{
    const unsigned char *s = (const unsigned char *)text, *end = s + len;
    for (size_t i = 0; i < len;) {
        /* well-formed UTF-8 is what every decoder accepts (tg_utf8_seq) */
        size_t n = s[i] < 0x80 ? 1 : tg_utf8_seq(s + i, end);
        *cp = -1;
        if (n == 0)
            return i;
        long v = n == 1 ? (long)s[i] : (long)(s[i] & (0x7Fu >> n));
        for (size_t k = 1; k < n; k++)
            v = v << 6 | (s[i + k] & 0x3F);
        *cp = v;
        if (!(v == 0x0A || v == 0x0D || (v >= 0x20 && v <= 0x7E) || v == 0x85 ||
              (v >= 0xA0 && v <= 0xD7FF) || (v >= 0xE000 && v <= 0xFFFD) || v >= 0x10000))
            return i;
        i += n;
    }
    return len;
}

/* 1-based line and byte column of text[at]. */
static diag_pos text_pos(const char *text, size_t at)
{
    diag_pos p = {1, 1};
    for (size_t i = 0; i < at; i++, p.col++)
        if (text[i] == '\n') {
            p.line++;
            p.col = 0;
        }
    return p;
}

/* YAML syntax errors, as collected by libfyaml's diagnostic object. */
static void report_yaml_errors(loader *L, struct fy_diag *diag)
{
    void *it = NULL;
    struct fy_diag_error *e;
    size_t before = L->ck.diags->errors;
    while ((e = fy_diag_errors_iterate(diag, &it)) != NULL)
        diag_error(L->ck.diags, L->ck.path, (diag_pos){e->line, e->column}, "%s", e->msg); /* 1-based */
    if (L->ck.diags->errors == before) /* no document at all: nothing but comments */
        diag_error(L->ck.diags, L->ck.path, (diag_pos){0, 0}, "empty schema file");
}

schema *schema_read_text(import_ctx *ic, const char *path, const char *text, size_t len,
                         diag_list *diags)
{
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.level = FYET_ERROR;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    if (diag)
        fy_diag_set_collect_errors(diag, true);
    struct fy_parse_cfg cfg = {
        .flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG | FYPCF_ALLOW_DUPLICATE_KEYS |
                 FYPCF_DEFAULT_VERSION_1_2,
        .diag = diag,
    };
    loader L = {.ck = {.path = path, .diags = diags, .s = xcalloc(1, sizeof(schema))}, .ic = ic};
    L.ck.s->path = xstrdup(path);
    L.ck.s->file_name = xstrdup(base_name(path));
    L.ck.s->version = 1;
    size_t errors_before = diags->errors;
    long cp;
    size_t bad = not_yaml_text_at(text, len, &cp);
    struct fy_document *doc = bad < len ? NULL : fy_document_build_from_string(&cfg, text, len);
    if (bad < len && cp < 0)
        diag_error(diags, path, text_pos(text, bad), "invalid UTF-8 (byte 0x%02x): a schema is UTF-8 text",
                   (unsigned char)text[bad]);
    else if (bad < len && cp == '\t')
        diag_error(diags, path, text_pos(text, bad),
                   "tab character: indent and separate with spaces (\\t inside double quotes)");
    else if (bad < len)
        diag_error(diags, path, text_pos(text, bad), "character U+%04lX is not allowed in YAML", cp);
    else if (!doc || !fy_document_root(doc))
        doc ? diag_error(diags, path, (diag_pos){0, 0}, "empty schema file")
            : report_yaml_errors(&L, diag);
    else
        load_document(&L, fy_document_root(doc));
    fy_document_destroy(doc);
    fy_diag_destroy(diag);
    if (diags->errors != errors_before || L.import_failed) {
        schema_free(L.ck.s);
        return NULL;
    }
    return L.ck.s;
}

schema *schema_load_string(const char *path, const char *text, size_t len, diag_list *diags)
{
    return schema_read_text(NULL, path, text, len, diags);
}

schema *schema_load(const char *path, diag_list *diags)
{
    size_t len = 0;
    char *buf = read_file(path, &len);
    if (!buf) {
        diag_error(diags, path, (diag_pos){0, 0}, "cannot open schema: %s", strerror(errno));
        return NULL;
    }
    schema *s = schema_load_string(path, buf, len, diags);
    free(buf);
    return s;
}

/* ---- freeing --------------------------------------------------------------- */

static void free_type(type_ref *t)
{
    if (t->elem)
        free_type(t->elem);
    free(t->elem);
}

static void free_kafka(kafka_binding *k)
{
    free(k->topic);
    free(k->dlq_topic);
    free(k->key_field);
}

static void free_message(message_def *m)
{
    for (size_t i = 0; i < m->n_fields; i++) {
        field_def *f = &m->fields[i];
        free(f->name);
        free(f->wire_name);
        free(f->description);
        free(f->default_text);
        free(f->default_value.text);
        free(f->min.text);
        free(f->max.text);
        free_type(&f->type);
    }
    free(m->fields);
    free(m->name);
    free(m->description);
    free_kafka(&m->kafka);
    free(m);
}

void schema_free(schema *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_enums; i++) {
        enum_def *e = s->enums[i];
        for (size_t j = 0; j < e->n_values; j++) {
            free(e->values[j].name);
            free(e->values[j].wire);
        }
        free(e->values);
        free(e->name);
        free(e->description);
        free(e);
    }
    for (size_t i = 0; i < s->n_messages; i++)
        free_message(s->messages[i]);
    for (size_t i = 0; i < s->n_unions; i++) {
        union_def *u = s->unions[i];
        for (size_t j = 0; j < u->n_variants; j++) {
            free(u->variants[j].tag);
            free(u->variants[j].name);
        }
        free(u->variants);
        free(u->name);
        free(u->description);
        free(u->discriminator);
        free_kafka(&u->kafka);
        free(u);
    }
    for (size_t i = 0; i < s->n_imports; i++)
        free(s->imports[i].written);
    free(s->imports);
    free(s->enums);
    free(s->messages);
    free(s->unions);
    free(s->order);
    free(s->real_path);
    free(s->path);
    free(s->file_name);
    free(s->name);
    free(s->description);
    free(s);
}
