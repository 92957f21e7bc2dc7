/*
 * schema.h - the checked, in-memory form of one topicgen schema file.
 *
 * schema_load() turns YAML into these structs and reports every mistake with
 * file:line:col (schema_read.c reads the YAML, schema_check.c checks what it
 * means; schema_int.h is their contract).  A schema that loaded without
 * errors is consistent: every type reference is resolved, names are valid C
 * identifiers, constraints are coherent, defaults are values its decoders
 * accept, and messages are ordered so that each one only embeds (by value)
 * messages defined before it.  The template model (model.c) reads only this.
 *
 * Ownership: everything hangs off `schema` and is freed by schema_free().
 */
#ifndef TOPICGEN_SCHEMA_H
#define TOPICGEN_SCHEMA_H

#include "diag.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum type_kind {
    T_BOOL,
    T_INT32,
    T_INT64,
    T_UINT32,
    T_UINT64,
    T_FLOAT64,
    T_STRING,
    T_TIMESTAMP,
    T_UUID,
    T_DECIMAL,
    T_BYTES,
    T_JSON,
    T_ENUM,
    T_MESSAGE,
    T_UNION,
    T_ARRAY,
    T_MAP
} type_kind;

struct enum_def;
struct message_def;
struct union_def;
struct schema;

/* A resolved type.  For T_ARRAY and T_MAP, `elem` is the item/value type
 * (never itself an array or map). */
typedef struct type_ref {
    type_kind kind;
    struct enum_def *enum_def;       /* T_ENUM */
    struct message_def *message;     /* T_MESSAGE */
    struct union_def *union_def;     /* T_UNION */
    struct type_ref *elem;           /* T_ARRAY, T_MAP */
} type_ref;

/* A numeric bound kept in the type's own domain. */
typedef struct bound {
    bool set;
    int64_t i;      /* signed integer types */
    uint64_t u;     /* unsigned integer types */
    double d;       /* float64 */
    char *text;     /* as written, for messages and C literals */
} bound;

typedef struct field_def {
    char *name;                 /* C member name */
    char *wire_name;            /* JSON key (defaults to name) */
    char *description;          /* may be NULL */
    diag_pos pos;
    type_ref type;
    bool type_unknown;          /* its type did not resolve (reported once, so
                                   checks that need the type skip it)      */
    bool optional;              /* may be absent on the wire */
    bool nullable;              /* may be null on the wire */
    char *default_text;         /* scalar default as written, or NULL */
    diag_pos default_pos;
    bound default_value;        /* the default of a number field, as decoders read it */
    bound min, max;             /* numbers */
    bool has_min_length, has_max_length;
    uint64_t min_length, max_length;   /* strings: Unicode code points */
    bool has_min_items, has_max_items;
    uint64_t min_items, max_items;     /* arrays and maps */
} field_def;

typedef struct enum_value {
    char *name;                 /* C suffix, e.g. WORKFLOW_STARTED */
    char *wire;                 /* wire string, e.g. "workflow.started" */
    diag_pos pos;
} enum_value;

typedef struct enum_def {
    char *name;
    struct schema *owner;       /* the schema that defines it (its C prefix) */
    char *description;
    diag_pos pos;
    enum_value *values;
    size_t n_values;
    bool has_fallback;          /* `fallback:` an unknown wire string decodes as
                                   values[fallback] instead of failing */
    size_t fallback;
} enum_def;

/* `tombstones:` where a consumer sends a record with a NULL value (the
 * descriptor's tg_tombstones, in this order). */
typedef enum tombstone_route {
    TOMBSTONES_SKIP = 0,        /* the default */
    TOMBSTONES_HANDLE,
    TOMBSTONES_DLQ
} tombstone_route;

/* What a top-level message needs to travel on Kafka. */
typedef struct kafka_binding {
    char *topic;                /* NULL: not a Kafka message (only nested) */
    char *dlq_topic;            /* default "<topic>.dlq" */
    char *key_field;            /* NULL: no key */
    diag_pos key_pos;
    diag_pos topic_pos, dlq_pos; /* where topic and dlq_topic were written */
    bool dlq_set;               /* dlq_topic was written (else the default) */
    int version;
    tombstone_route tombstones; /* `tombstones:` (default skip) */
    int accepts_min, accepts_max; /* `accepts_versions: N..M`: the writer versions
                                   a consumer decodes (0: any); others are
                                   dead-lettered (docs/evolution.md) */
    diag_pos accepts_pos;
} kafka_binding;

typedef struct message_def {
    char *name;
    struct schema *owner;       /* the schema that defines it (its C prefix) */
    char *description;
    diag_pos pos;
    field_def *fields;
    size_t n_fields;
    bool reject_unknown;        /* unknown_fields: reject */
    kafka_binding kafka;
    int visit;                  /* loader scratch: cycle detection */
} message_def;

typedef struct union_variant {
    char *tag;                  /* discriminator value on the wire */
    char *name;                 /* C member name (tag made an identifier) */
    message_def *message;
    diag_pos pos;
} union_variant;

typedef struct union_def {
    char *name;
    struct schema *owner;       /* the schema that defines it (its C prefix) */
    char *description;
    diag_pos pos;
    char *discriminator;        /* wire key, e.g. "message_type" */
    union_variant *variants;
    size_t n_variants;
    kafka_binding kafka;
    int visit;
} union_def;

/* Declarations in dependency order (a message or union appears after
 * everything it embeds by value). */
typedef enum decl_kind { DECL_MESSAGE, DECL_UNION } decl_kind;
typedef struct decl {
    decl_kind kind;
    message_def *message;
    union_def *union_def;
} decl;

/* One entry of `imports:`: another schema whose enums, messages and
 * unions this one uses as `<name>.<Type>`. */
typedef struct schema_import {
    struct schema *schema;      /* owned by the schema_set, not by the importer */
    char *written;              /* the path as written in `imports:` */
    diag_pos pos;               /* where it is written */
} schema_import;

typedef struct schema {
    char *path;                 /* file as given on the command line, or as
                                   found for an import (its folder joined) */
    char *real_path;            /* the file's canonical path (realpath), its
                                   identity in a set; NULL for text in memory */
    char *file_name;            /* base name, for banners */
    char *name;                 /* C prefix, e.g. "orders" */
    diag_pos name_pos;
    char *description;
    int version;
    enum_def **enums;
    size_t n_enums;
    message_def **messages;
    size_t n_messages;
    union_def **unions;
    size_t n_unions;
    decl *order;                /* n_messages + n_unions entries */
    size_t n_order;
    schema_import *imports;     /* direct imports, in the order written */
    size_t n_imports;
} schema;

/* Every schema of one run: the files named on the command line and every
 * file they import, each loaded once (by real path), imports before the
 * schemas that import them.  Owns the schemas. */
typedef struct schema_set {
    schema **items;
    size_t count;
    schema **roots;             /* the schema of each path named, in order */
    size_t n_roots;
} schema_set;

/* Most files one set may hold, and how deep imports may nest. */
#define SCHEMA_SET_MAX_FILES 1000
#define SCHEMA_IMPORT_MAX_DEPTH 32

/* Load and check the files at paths[0..n) and everything they import.
 * An import is looked up relative to the importing file's folder, then in
 * dirs[0..n_dirs) in order.  Returns NULL when any file of the set could
 * not be read or has errors (every error added to `diags`); nothing of a
 * failed set is returned.  The caller owns the result (schema_set_free). */
schema_set *schema_set_load(const char *const *paths, size_t n, const char *const *dirs,
                            size_t n_dirs, diag_list *diags);

void schema_set_free(schema_set *set);

/* Load and check one schema file that imports nothing (a file with
 * `imports:` is refused: load it with schema_set_load).  Returns NULL when
 * the file could not be read or has errors; every error is added to
 * `diags`.  The result is owned by the caller (schema_free). */
schema *schema_load(const char *path, diag_list *diags);

/* Same, from text in memory (`path` is only used in messages). */
schema *schema_load_string(const char *path, const char *text, size_t len, diag_list *diags);

void schema_free(schema *s);

/* The schema's name of a type kind ("int32", "timestamp", ...). */
const char *type_kind_name(type_kind k);

#endif /* TOPICGEN_SCHEMA_H */
