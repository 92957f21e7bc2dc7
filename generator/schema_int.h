/*
 * schema_int.h - what the schema reader (schema_read.c) hands the schema
 * checker (schema_check.c); private to those two files.
 *
 * The reader owns YAML: libfyaml, nodes, positions, scalars, the shape of
 * the file (which keys a mapping may hold, what must be a mapping).  The
 * checker owns meaning: names, types, constraints, defaults, Kafka keys,
 * recursion and declaration order.  It never sees a YAML node: the reader
 * passes text and the diag_pos an error about it points at, and the checker
 * reports through the same diag_list, so every error of a file comes out in
 * the order the file is read.
 */
#ifndef TOPICGEN_SCHEMA_INT_H
#define TOPICGEN_SCHEMA_INT_H

#include "schema.h"

#include <stdbool.h>
#include <stdint.h>

/* Where the checker reports, and the schema it fills in. */
typedef struct checker {
    const char *path;
    diag_list *diags;
    schema *s;
} checker;

/* One scalar attribute as the reader found it. */
typedef struct attr {
    bool present;   /* the key has a value (an empty `min:` has none) */
    char *text;     /* the scalar text (owned); NULL when not a scalar */
    diag_pos pos;   /* where an error about the value points */
} attr;

/* The attributes of a field that depend on its type, read before they are
 * checked against it (the reader sets optional, nullable, wire_name and
 * description itself). */
typedef struct field_attrs {
    attr type, items, values, min, max, min_length, max_length, min_items, max_items, def;
} field_attrs;

/* Room for a hint: "; did you mean 'a', 'b' or 'c'?" with long names. */
#define HINT_MAX 256

/* ---- names ---------------------------------------------------------------- */

/* A schema, type (`kind`: "enum", "message" or "union") name and the fix
 * "rename the <thing> (e.g. 'x')".  False when it cannot be a C name. */
bool check_c_name(checker *C, diag_pos at, const char *name, const char *what, const char *thing);

/* A type name about to be declared: its C name, and that no enum, message
 * or union of another kind has it.  False when it must not be declared
 * again. */
bool check_declare(checker *C, diag_pos at, const char *name, const char *kind);

/* A field name (a C member name; the fix keeps its JSON key). */
void check_field_name(checker *C, diag_pos at, const field_def *f);

/* A wire_name value: not empty, nothing to escape.  False when refused. */
bool check_wire_name(checker *C, diag_pos at, const char *wire);

/* An enum value `name: wire` about to be added to e. */
void check_enum_value(checker *C, const enum_def *e, const char *name, diag_pos name_at,
                      const char *wire, diag_pos wire_at);

/* An enum's `fallback:`: one of its wire strings (sets e->fallback). */
void check_enum_fallback(checker *C, enum_def *e, const attr *a);

/* A variant's C name (the tag, or its `name:`). */
void check_variant_name(checker *C, diag_pos at, const char *name, const char *tag,
                        const char *message);

/* The message a variant names, or NULL (reported, with a hint). */
message_def *check_variant_message(checker *C, diag_pos at, const char *tag, const char *name);

/* ---- fields --------------------------------------------------------------- */

/* Resolve f's type from a->type (and items or values), check which
 * attributes apply to it, read its bounds and counts, and check its
 * default against them with the decoders' rules.  `where` is the field
 * name. */
void check_field(checker *C, field_def *f, diag_pos where, const field_attrs *a);

/* Flags and wire names must not collide within a message. */
void check_field_names(checker *C, message_def *m);

/* ---- numbers -------------------------------------------------------------- */

/* A `version` attribute: 1 to INT32_MAX. */
bool check_version(checker *C, const attr *a, int *out);

/* An `accepts_versions` attribute: "N..M", "N.." (up to the newest) or "N",
 * versions 1 to INT32_MAX, N <= M; *hi is INT32_MAX for "N..". */
bool check_accepts_versions(checker *C, const attr *a, int *lo, int *hi);

/* A `tombstones` attribute: skip, handle or dlq (the error names them). */
bool check_tombstones(checker *C, const attr *a, tombstone_route *out);

/* ---- whole schema --------------------------------------------------------- */

/* Lookups in the one namespace of enums, messages and unions; a qualified
 * name `<schema>.<Type>` is looked up in the direct import of that name. */
enum_def *find_enum(const schema *s, const char *name);
message_def *find_message(const schema *s, const char *name);
union_def *find_union(const schema *s, const char *name);

/* Kafka's rules for topic names (dead-letter topics too), the '.' versus
 * '_' collision warning, and the length of names and wire strings
 * (schema_kafka.c). */
void check_kafka_names(checker *C);

/* After every body is read: default DLQ topics, Kafka key fields, union
 * discriminators and variant names, recursion by value, and the
 * declaration order (s->order). */
void check_schema(checker *C);

/* ---- imports (schema_set.c) ---------------------------------------------- */

/* The set being loaded and the files being read (private to schema_set.c). */
typedef struct import_ctx import_ctx;

/* Read and check one file's text; each entry of its `imports:` is loaded
 * through ic before its own types are declared (ic NULL: `imports:` is
 * refused).  NULL when it has errors (schema_read.c). */
schema *schema_read_text(import_ctx *ic, const char *path, const char *text, size_t len,
                         diag_list *diags);

/* The schema an `imports:` entry of the file being read names, loaded into
 * the set (or found there); NULL when it cannot be, reported at `at`. */
schema *import_schema(import_ctx *ic, diag_pos at, const char *written);

/* After the file's own names are declared: no enum, message or union of
 * it has the C name of one of a schema it imports, directly or not
 * (schema_check.c). */
void check_import_clashes(checker *C);

#endif /* TOPICGEN_SCHEMA_INT_H */
