/*
 * schema_errors_test.c - the schema loader's error catalogue.
 *
 * Each case is a small schema text and the exact diagnostic lines the loader
 * must produce for it (file:line:col: error: message, plus note lines), in
 * order.  A case with no expected lines must load cleanly.  Several cases
 * hold more than one mistake: the loader reports every error of a file, not
 * only the first.  Finally the example schemas (directory in argv[1]) must
 * load with no diagnostics at all.
 *
 * Usage: schema_errors_test [SCHEMAS_DIR]
 */
#include "check.h"
#include "schema.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINES 16

typedef struct test_case {
    int line;                               /* __LINE__ of the case */
    const char *yaml;
    const char *expected[MAX_LINES];        /* NULL-terminated; empty: loads */
} test_case;

/* Every case is loaded as "t.yaml". */
#define F "t.yaml:"

static const test_case cases[] = {
    /* ---- YAML and top level ---- */
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A: {fields: {a: \"int32}}\n",
     {F "3:20: error: double-quoted scalar without closing quote"}},
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      a: int32\n"
     "     b: int32\n",
     {F "6:6: error: invalid indentation in mapping"}},
    {__LINE__, "", {"t.yaml: error: empty schema file"}},
    {__LINE__, "# only a comment\n", {"t.yaml: error: empty schema file"}},
    {__LINE__, "- a\n- b\n", {F "1:3: error: a schema file must be a mapping"}},
    {__LINE__,
     "schema: t\n"
     "mesages: {}\n",
     {F "2:1: error: unknown top-level key 'mesages' (expected schema, version, description, "
        "imports, enums, messages or unions); did you mean 'messages'?"}},
    {__LINE__,
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      a: int32\n",
     {F "1:1: error: missing 'schema: <name>' (the C prefix)"}},
    {__LINE__,
     "schema: 9t\n"
     "messages:\n"
     "  A: {fields: {a: int32}}\n",
     {F "1:9: error: schema name '9t' is not a valid C identifier"}},
    {__LINE__,
     "schema: t\n"
     "messages: [A, B]\n",
     {F "2:12: error: messages must be a mapping"}},

    /* ---- types ---- */
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      a: int33\n"
     "      b: {type: Strin, optional: true}\n"
     "      c: {type: array, items: Nope}\n"
     "      d: {type: map, values: Nope}\n",
     {F "5:10: error: unknown type 'int33'; did you mean 'int32'?",
      F "6:17: error: unknown type 'Strin'; did you mean 'string'?",
      F "7:31: error: unknown type 'Nope'",
      F "8:30: error: unknown type 'Nope'"}},
    /* a key field whose type is misspelt gets that one error, not a second
     * one saying the (unknown) type cannot be a key */
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    topic: a\n"
     "    key: id\n"
     "    fields:\n"
     "      id: strin\n",
     {F "7:11: error: unknown type 'strin'; did you mean 'string'?"}},
    /* suggestions come from every type in scope: built-in, declared (also
     * further down), and array/map where they may stand; the closest win */
    {__LINE__,
     "schema: t\n"
     "enums:\n"
     "  Colour: {values: {RED: red}}\n"
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      a: Ordr\n"
     "      b: {type: aray, items: string}\n"
     "      c: {type: array, items: colour}\n"
     "      d: {type: map, values: mapp}\n"
     "      e: Orderx\n"
     "  Order: {fields: {x: int32}}\n"
     "  Orders: {fields: {x: int32}}\n",
     {F "7:10: error: unknown type 'Ordr'; did you mean 'Order'?",
      F "8:17: error: unknown type 'aray'; did you mean 'array'?",
      F "9:31: error: unknown type 'colour'; did you mean 'Colour'?",
      F "10:30: error: unknown type 'mapp'",
      F "11:10: error: unknown type 'Orderx'; did you mean 'Order' or 'Orders'?"}},
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      g: {type: array}\n"
     "      h: {type: map, max_items: 3}\n"
     "      k: {optional: true}\n",
     {F "5:7: error: array field 'g' needs 'items'",
      F "6:7: error: map field 'h' needs 'values'",
      F "7:7: error: field 'k' has no type"}},
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      a: {type: array, items: array}\n"
     "      b: {type: map, values: map}\n"
     "      c: {type: array, items: {type: string}}\n",
     {F "5:31: error: 'array' cannot be nested directly; wrap the inner array in a message",
      F "6:30: error: 'map' cannot be nested directly; wrap the inner map in a message",
      F "7:32: error: items must be a scalar"}},

    /* ---- unknown attributes (all four kinds in one file) ---- */
    {__LINE__,
     "schema: t\n"
     "enums:\n"
     "  E:\n"
     "    valuez: {X: x}\n"
     "    values: {X: x}\n"
     "messages:\n"
     "  A:\n"
     "    topic: a\n"
     "    colour: red\n"
     "    fields:\n"
     "      a: {type: int32, minimum: 1}\n"
     "unions:\n"
     "  U:\n"
     "    discriminator: k\n"
     "    variantz: {}\n"
     "    variants: {a: A}\n",
     {F "4:5: error: unknown attribute 'valuez' for enum 'E' (expected values, fallback or "
        "description); did you mean 'values'?",
      F "9:5: error: unknown attribute 'colour' for message 'A' (expected fields, topic, key, "
        "version, accepts_versions, dlq_topic, tombstones, unknown_fields or description)",
      F "11:24: error: unknown attribute 'minimum' for field 'a' (expected type, items, values, "
        "optional, nullable, default, min, max, min_length, max_length, min_items, max_items, "
        "wire_name or description)",
      F "15:5: error: unknown attribute 'variantz' for union 'U' (expected discriminator, "
        "variants, topic, key, version, accepts_versions, dlq_topic, tombstones or description); "
        "did you mean "
        "'variants'?"}},
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    topik: a\n"
     "    fields:\n"
     "      a: {type: int32, optinal: true, max_lenght: 3, wirename: b}\n",
     {F "4:5: error: unknown attribute 'topik' for message 'A' (expected fields, topic, key, "
        "version, accepts_versions, dlq_topic, tombstones, unknown_fields or description); did you mean 'topic'?",
      F "6:24: error: unknown attribute 'optinal' for field 'a' (expected type, items, values, "
        "optional, nullable, default, min, max, min_length, max_length, min_items, max_items, "
        "wire_name or description); did you mean 'optional'?",
      F "6:39: error: unknown attribute 'max_lenght' for field 'a' (expected type, items, values, "
        "optional, nullable, default, min, max, min_length, max_length, min_items, max_items, "
        "wire_name or description); did you mean 'max_length'?",
      F "6:54: error: unknown attribute 'wirename' for field 'a' (expected type, items, values, "
        "optional, nullable, default, min, max, min_length, max_length, min_items, max_items, "
        "wire_name or description); did you mean 'wire_name'?"}},

    /* ---- duplicates and names ---- */
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      a: int32\n"
     "      a: string\n",
     {F "6:7: error: duplicate key 'a'",
      F "5:7: note: 'a' first defined here"}},
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      a: int32\n"
     "  A:\n"
     "    fields:\n"
     "      b: int32\n",
     {F "6:3: error: duplicate key 'A'",
      F "3:3: note: 'A' first defined here"}},
    {__LINE__,
     "schema: t\n"
     "enums:\n"
     "  Status:\n"
     "    values: {A: a}\n"
     "messages:\n"
     "  Status:\n"
     "    fields:\n"
     "      a: int32\n"
     "unions:\n"
     "  Status:\n"
     "    discriminator: k\n"
     "    variants: {x: Status}\n",
     {F "6:3: error: type 'Status' is defined more than once",
      F "3:3: note: 'Status' first defined here",
      F "10:3: error: type 'Status' is defined more than once",
      F "3:3: note: 'Status' first defined here"}},
    {__LINE__,
     "schema: t\n"
     "enums:\n"
     "  Order-Status:\n"
     "    values:\n"
     "      OK: ok\n"
     "      not-ok: nok\n"
     "messages:\n"
     "  Order Event:\n"
     "    fields:\n"
     "      2b: int32\n"
     "      a.b: int32\n"
     "unions:\n"
     "  U:\n"
     "    discriminator: k\n"
     "    variants:\n"
     "      x-y: {message: Order Event}\n",
     {F "3:3: error: type name 'Order-Status' is not a valid C identifier",
      F "8:3: error: type name 'Order Event' is not a valid C identifier",
      F "6:7: error: enum value name 'not-ok' is not a valid C identifier",
      F "10:7: error: field name '2b' is not a valid C identifier",
      F "11:7: error: field name 'a.b' is not a valid C identifier",
      F "16:7: error: variant name 'x-y' is not a valid C identifier"}},
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      int: int32\n"
     "      default: string\n"
     "      _Reserved: bool\n"
     "      ok: bool\n"
     "unions:\n"
     "  U:\n"
     "    discriminator: k\n"
     "    variants:\n"
     "      a: {message: A, name: switch}\n",
     {F "5:7: error: field name 'int' is a C keyword; rename the field (e.g. 'int_') and keep "
        "the JSON key with 'wire_name: int'",
      F "6:7: error: field name 'default' is a C keyword; rename the field (e.g. 'default_') and "
        "keep the JSON key with 'wire_name: default'",
      F "7:7: error: field name '_Reserved' is reserved: names must not start with '_' or "
        "contain '__' (generated names join them with '_', and C and C++ reserve such "
        "identifiers); rename the field (e.g. 'Reserved') and keep the JSON key with "
        "'wire_name: _Reserved'",
      F "13:29: error: variant name 'switch' is a C keyword; give the variant a C name of its "
        "own (e.g. 'a: {message: A, name: switch_}'); its tag stays the discriminator value"}},
    /* C++ keywords (alternative tokens too) and '__' break C++ includers of
     * the generated header: fields, variants and types are refused, each
     * with the fix that keeps the wire format */
    {__LINE__,
     "schema: t\n"
     "enums:\n"
     "  template: {values: {A: a}}\n"
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      class: string\n"
     "      new: {type: int32, optional: true}\n"
     "      private: {type: string, wire_name: priv}\n"
     "      not: bool\n"
     "      xor: bool\n"
     "      a__b: bool\n"
     "      _x: bool\n"
     "      delete_: bool\n"
     "  class:\n"
     "    fields: {x: int32}\n"
     "unions:\n"
     "  U:\n"
     "    discriminator: kind\n"
     "    variants:\n"
     "      this: A\n"
     "      b: {message: A, name: operator}\n",
     {F "3:3: error: type name 'template' is a C++ keyword and would break every C++ file that "
        "includes the generated header; rename the enum (e.g. 'template_')",
      F "15:3: error: type name 'class' is a C++ keyword and would break every C++ file that "
        "includes the generated header; rename the message (e.g. 'class_')",
      F "7:7: error: field name 'class' is a C++ keyword and would break every C++ file that "
        "includes the generated header; rename the field (e.g. 'class_') and keep the JSON key "
        "with 'wire_name: class'",
      F "8:7: error: field name 'new' is a C++ keyword and would break every C++ file that "
        "includes the generated header; rename the field (e.g. 'new_') and keep the JSON key "
        "with 'wire_name: new'",
      F "9:7: error: field name 'private' is a C++ keyword and would break every C++ file that "
        "includes the generated header; rename the field (e.g. 'private_'); its wire_name "
        "'priv' stays the JSON key",
      F "10:7: error: field name 'not' is a C++ keyword and would break every C++ file that "
        "includes the generated header; rename the field (e.g. 'not_') and keep the JSON key "
        "with 'wire_name: not'",
      F "11:7: error: field name 'xor' is a C++ keyword and would break every C++ file that "
        "includes the generated header; rename the field (e.g. 'xor_') and keep the JSON key "
        "with 'wire_name: xor'",
      F "12:7: error: field name 'a__b' is reserved: names must not start with '_' or contain "
        "'__' (generated names join them with '_', and C and C++ reserve such identifiers); "
        "rename the field (e.g. 'a_b') and keep the JSON key with 'wire_name: a__b'",
      F "13:7: error: field name '_x' is reserved: names must not start with '_' or contain "
        "'__' (generated names join them with '_', and C and C++ reserve such identifiers); "
        "rename the field (e.g. 'x') and keep the JSON key with 'wire_name: _x'",
      F "21:7: error: variant name 'this' is a C++ keyword and would break every C++ file that "
        "includes the generated header; give the variant a C name of its own (e.g. 'this: "
        "{message: A, name: this_}'); its tag stays the discriminator value",
      F "22:29: error: variant name 'operator' is a C++ keyword and would break every C++ file "
        "that includes the generated header; give the variant a C name of its own (e.g. 'b: "
        "{message: A, name: operator_}'); its tag stays the discriminator value"}},
    /* enum value names are always prefixed (t_E_new): keywords are fine,
     * '__' is not; a schema name is a prefix: C++ keywords are refused too */
    {__LINE__,
     "schema: t\n"
     "enums:\n"
     "  E: {values: {new: new, delete: delete, _X: x, A__B: ab}}\n"
     "messages:\n"
     "  M: {fields: {e: E}}\n",
     {F "3:42: error: enum value name '_X' would make the C name 't_E__X', which C and C++ "
        "reserve (names must not start with '_' or contain '__'); rename the value (e.g. 'X'); "
        "its wire string stays",
      F "3:49: error: enum value name 'A__B' would make the C name 't_E_A__B', which C and C++ "
        "reserve (names must not start with '_' or contain '__'); rename the value (e.g. "
        "'A_B'); its wire string stays"}},
    {__LINE__,
     "schema: private\n"
     "messages:\n"
     "  A: {fields: {a: int32}}\n",
     {F "1:9: error: schema name 'private' is a C++ keyword and would break every C++ file "
        "that includes the generated header; rename the schema (e.g. 'private_')"}},
    {__LINE__,
     "schema: struct\n"
     "messages:\n"
     "  A: {fields: {a: int32}}\n",
     {F "1:9: error: schema name 'struct' is a C keyword; rename the schema (e.g. 'struct_')"}},

    /* ---- defaults ---- */
    {__LINE__,
     "schema: t\n"
     "enums:\n"
     "  S: {values: {A: a, B: b}}\n"
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      a: {type: int32, min: 1, max: 10, default: 11}\n"
     "      b: {type: int64, min: 1, default: 0}\n"
     "      c: {type: float64, max: 0.5, default: 0.75}\n"
     "      d: {type: string, max_length: 3, default: abcd}\n"
     "      e: {type: string, min_length: 2, default: \"\xc3\xa9\"}\n"
     "      f: {type: S, default: c}\n"
     "      g: {type: S, default: A}\n"
     "      h: {type: uuid, default: \"00000000-0000-0000-0000-000000000000\"}\n"
     "      i: {type: timestamp, default: \"2024-01-01T00:00:00Z\"}\n"
     "      j: {type: A2, default: x}\n"
     "      k: {type: array, items: string, default: x}\n"
     "  A2: {fields: {x: int32}}\n",
     {F "7:50: error: default 11 of field 'a' violates its own constraint (min 1, max 10)",
      F "8:41: error: default 0 of field 'b' violates its own constraint (min 1)",
      F "9:45: error: default 0.75 of field 'c' violates its own constraint (max 0.5)",
      F "10:49: error: default \"abcd\" of field 'd' violates its own length constraint",
      F "11:49: error: default \"\xc3\xa9\" of field 'e' violates its own length constraint",
      F "12:29: error: default 'c' of field 'f' is not a value of enum S: expected 'a' or 'b'",
      F "13:29: error: default 'A' of field 'g' is not a value of enum S: expected 'a' or 'b'; "
        "did you mean 'a'?",
      F "14:32: error: field 'h' of type uuid cannot have a default",
      F "15:37: error: field 'i' of type timestamp cannot have a default",
      F "16:30: error: field 'j' of type message cannot have a default",
      F "17:48: error: field 'k' of type array cannot have a default"}},
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      a: {type: int32, default: 2147483648}\n"
     "      b: {type: uint32, default: -1}\n"
     "      c: {type: float64, default: nan}\n"
     "      d: {type: bool, default: yes}\n"
     "      e: {type: decimal, default: 1.}\n"
     "      f: {type: decimal, default: \"01\"}\n"
     "      g: {type: int32, default: 1, optional: true}\n"
     "      h: {type: int32, default: 1, optional: true, nullable: true}\n",
     {F "5:33: error: default '2147483648' is not a valid int32",
      F "6:34: error: default '-1' is not a valid uint32",
      F "7:35: error: default 'nan' is not a valid float64",
      F "8:32: error: default of bool field 'd' must be true or false",
      F "9:35: error: default '1.' of field 'e' is not a decimal number",
      F "10:35: error: default '01' of field 'f' is not a decimal number",
      F "11:33: error: field 'g' cannot be optional with a default (absent means the default)",
      F "12:33: error: field 'h' cannot be optional with a default (absent means the default)"}},
    /* defaults are checked by the decoders' own rules (runtime/json): the
     * code points tg_codec_check_length counts, for decimals too, and the
     * JSON number grammar (bounds included) */
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      a: {type: decimal, max_length: 3, default: \"12.50\"}\n"
     "      b: {type: decimal, min_length: 4, default: 1.5}\n"
     "      c: {type: decimal, min_length: 4, max_length: 4, default: \"1.50\"}\n"
     "      d: {type: string, max_length: 3, default: \"\xc3\xa9\xc3\xa9\xc3\xa9\"}\n"
     "      e: {type: string, max_length: 3, default: \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}\n"
     "      f: {type: int32, default: 010}\n"
     "      g: {type: uint32, default: -0}\n"
     "      h: {type: float64, max: .5}\n"
     "      i: {type: int64, min: +1}\n"
     "      j: {type: float64, default: 1e309}\n"
     "      k: {type: int32, default: 1.0}\n",
     {F "5:50: error: default '12.50' of field 'a' has 5 characters but max_length is 3: "
        "messages that omit the field would be encoded with a value decoders reject; shorten "
        "the default or raise max_length",
      F "6:50: error: default '1.5' of field 'b' has 3 characters but min_length is 4: "
        "messages that omit the field would be encoded with a value decoders reject; write the "
        "default with more digits or lower min_length",
      F "9:49: error: default \"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\" of field 'e' violates its own "
        "length constraint",
      F "10:33: error: default '010' is not a valid int32",
      F "12:31: error: max '.5' is not a valid float64",
      F "13:29: error: min '+1' is not a valid int64",
      F "14:35: error: default '1e309' is not a valid float64",
      F "15:33: error: default '1.0' is not a valid int32"}},

    /* ---- constraints ---- */
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      a: {type: int32, min: 5, max: 1}\n"
     "      b: {type: float64, min: 1.5, max: -1e3}\n"
     "      c: {type: string, min_length: 3, max_length: 2}\n"
     "      d: {type: array, items: string, min_items: 3, max_items: 2}\n",
     {F "5:37: error: max 1 of field 'a' is below its min 5",
      F "6:41: error: max -1e3 of field 'b' is below its min 1.5",
      F "7:52: error: max_length of field 'c' is below its min_length",
      F "8:64: error: max_items of field 'd' is below its min_items"}},
    {__LINE__,
     "schema: t\n"
     "enums:\n"
     "  S: {values: {A: a}}\n"
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      a: {type: int32, min_length: 1}\n"
     "      b: {type: string, min: 1, max_items: 4}\n"
     "      c: {type: S, max_length: 3}\n"
     "      d: {type: bool, items: string}\n"
     "      e: {type: array, items: string, max: 9}\n",
     {F "7:36: error: 'min_length' does not apply to field 'a' of type int32",
      F "8:30: error: 'min' does not apply to field 'b' of type string",
      F "8:44: error: 'max_items' does not apply to field 'b' of type string",
      F "9:32: error: 'max_length' does not apply to field 'c' of type enum",
      F "10:30: error: 'items' does not apply to field 'd' of type bool",
      F "11:44: error: 'max' does not apply to field 'e' of type array"}},
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      a: {type: int32, optional: yes}\n"
     "      b: {type: int32, min: abc}\n"
     "      c: {type: uint32, min: -1}\n"
     "      d: {type: int32, max: 3000000000}\n"
     "      e: {type: string, min_length: -2}\n"
     "      f: {type: string, wire_name: \"\"}\n"
     "      g: {type: int32, nullable: 1}\n"
     "      h: {type: string, wire_name: \"a\\\"b\"}\n",
     {F "5:34: error: optional must be true or false",
      F "6:29: error: min 'abc' is not a valid int32",
      F "7:30: error: min '-1' is not a valid uint32",
      F "8:29: error: max '3000000000' is not a valid int32",
      F "9:37: error: min_length must be a non-negative integer, got '-2'",
      F "10:36: error: wire_name must not be empty",
      F "11:34: error: nullable must be true or false",
      F "12:36: error: wire_name \"a\"b\" must not contain quotes, backslashes or control characters"}},
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  Empty:\n"
     "    fields: {}\n"
     "  NoFields:\n"
     "    topic: x\n",
     {F "3:3: error: message 'Empty' has no fields",
      F "5:3: error: message 'NoFields' has no fields"}},

    /* ---- recursion by value ---- */
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  Node:\n"
     "    fields:\n"
     "      value: int32\n"
     "      next: {type: Node, optional: true}\n",
     {F "6:7: error: field 'next' makes message 'Node' contain itself by value; use an array to "
        "break the recursion"}},
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      b: B\n"
     "  B:\n"
     "    fields:\n"
     "      c: C\n"
     "  C:\n"
     "    fields:\n"
     "      a: A\n"
     "  Self:\n"
     "    fields:\n"
     "      self: Self\n",
     {F "11:7: error: field 'a' makes message 'C' contain itself by value; use an array to "
        "break the recursion",
      F "14:7: error: field 'self' makes message 'Self' contain itself by value; use an array "
        "to break the recursion"}},
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      u: U\n"
     "unions:\n"
     "  U:\n"
     "    discriminator: kind\n"
     "    variants:\n"
     "      a: A\n",
     {F "10:7: error: variant 'a' makes union 'U' contain message 'A' by value; use an array to "
        "break the recursion"}},
    /* a map entry holds its value by value: no recursion through maps */
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  Tree:\n"
     "    fields:\n"
     "      by_name: {type: map, values: Tree, optional: true}\n"
     "  A:\n"
     "    fields:\n"
     "      m: {type: map, values: U}\n"
     "  B:\n"
     "    fields:\n"
     "      a: {type: map, values: A}\n"
     "unions:\n"
     "  U:\n"
     "    discriminator: kind\n"
     "    variants: {b: B}\n",
     {F "5:7: error: field 'by_name' makes message 'Tree' contain itself by value; use an array "
        "to break the recursion",
      F "11:7: error: field 'a' makes message 'B' contain itself by value; use an array to "
        "break the recursion"}},
    /* recursion through arrays is fine (they hold pointers); map values and
     * union variants defined later are ordered before their users */
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  Tree:\n"
     "    fields:\n"
     "      children: {type: array, items: Tree}\n"
     "      parent: {type: array, items: Up, max_items: 1}\n"
     "      by_name: {type: map, values: Leaf, optional: true}\n"
     "      either: {type: map, values: U}\n"
     "  Up:\n"
     "    fields:\n"
     "      tree: Tree\n"
     "      any: {type: array, items: U}\n"
     "  Leaf:\n"
     "    fields:\n"
     "      v: int32\n"
     "  Leaf2:\n"
     "    fields:\n"
     "      trees: {type: array, items: Tree}\n"
     "unions:\n"
     "  U:\n"
     "    discriminator: kind\n"
     "    variants: {leaf: Leaf, leaf2: Leaf2}\n",
     {NULL}},

    /* ---- Kafka keys ---- */
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    topic: a\n"
     "    key: id\n"
     "    fields:\n"
     "      x: string\n"
     "  B:\n"
     "    topic: b\n"
     "    key: id\n"
     "    fields:\n"
     "      id: {type: string, optional: true}\n"
     "  C:\n"
     "    topic: c\n"
     "    key: id\n"
     "    fields:\n"
     "      id: {type: string, nullable: true}\n"
     "  D:\n"
     "    topic: d\n"
     "    key: flag\n"
     "    fields:\n"
     "      flag: bool\n"
     "  E:\n"
     "    topic: e\n"
     "    key: id\n"
     "    fields:\n"
     "      id: {type: int64, default: 1}\n",
     {F "5:10: error: unknown key field 'id' in message 'A'",
      F "10:10: error: key field 'id' must be a required, non-null string, uuid, integer, "
        "decimal, timestamp or enum",
      F "15:10: error: key field 'id' must be a required, non-null string, uuid, integer, "
        "decimal, timestamp or enum",
      F "20:10: error: key field 'flag' must be a required, non-null string, uuid, integer, "
        "decimal, timestamp or enum"}},

    /* ---- unions ---- */
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      id: string\n"
     "unions:\n"
     "  U:\n"
     "    discriminator: kind\n"
     "    variants:\n"
     "      a: A\n"
     "      c: Cee\n"
     "      d: {message: Dee, name: dd}\n"
     "      e: {name: e}\n"
     "      f: {message: A, name: a}\n"
     "  V:\n"
     "    variants: {}\n"
     "  W:\n"
     "    discriminator: kind\n"
     "    variants:\n"
     "      x: Int32\n",
     {F "11:10: error: variant 'c': unknown message 'Cee'",
      F "12:20: error: variant 'd': unknown message 'Dee'",
      F "13:7: error: variant 'e' needs 'message'",
      F "15:3: error: union 'V' needs a 'discriminator'",
      F "15:3: error: union 'V' has no variants",
      F "20:10: error: variant 'x': unknown message 'Int32'",
      F "14:7: error: variant name 'a' is used twice in union 'U'"}},
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      id: string\n"
     "  B:\n"
     "    fields:\n"
     "      other: string\n"
     "  C:\n"
     "    fields:\n"
     "      id: {type: string, optional: true}\n"
     "  D:\n"
     "    fields:\n"
     "      id: int64\n"
     "unions:\n"
     "  U:\n"
     "    topic: u\n"
     "    key: id\n"
     "    discriminator: kind\n"
     "    variants:\n"
     "      a: A\n"
     "      b: B\n"
     "      c: C\n"
     "      d: D\n",
     {F "18:10: error: unknown key field 'id': variant 'b' (message B) has no such field",
      F "18:10: error: key field 'id' of union 'U' must be a required string in every variant",
      F "18:10: error: key field 'id' of union 'U' must be a required string in every variant"}},
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      id: string\n"
     "      kind: string\n"
     "  B:\n"
     "    fields:\n"
     "      the_kind: {type: string, wire_name: kind}\n"
     "unions:\n"
     "  U:\n"
     "    discriminator: kind\n"
     "    variants:\n"
     "      a: A\n"
     "      b: B\n"
     "      c: {message: A, name: again}\n",
     {F "6:7: error: field 'kind' of variant message 'A' has the wire name of union U's "
        "discriminator",
      F "9:7: error: field 'the_kind' of variant message 'B' has the wire name of union U's "
        "discriminator"}},

    /* ---- names in scope are suggested: key fields, variant messages and
     *      enum defaults (which list every wire string) ---- */
    {__LINE__,
     "schema: t\n"
     "enums:\n"
     "  Status: {values: {NEW: new, IN_PROGRESS: in.progress, DONE: done}}\n"
     "messages:\n"
     "  Order:\n"
     "    topic: o\n"
     "    key: order_di\n"
     "    fields:\n"
     "      order_id: string\n"
     "      status: {type: Status, default: in-progress}\n"
     "      other: {type: Status, default: finished}\n"
     "  Refund:\n"
     "    fields:\n"
     "      order_id: string\n"
     "unions:\n"
     "  U:\n"
     "    topic: u\n"
     "    key: orderid\n"
     "    discriminator: kind\n"
     "    variants:\n"
     "      a: Ordr\n"
     "      b: Refund\n",
     {F "10:39: error: default 'in-progress' of field 'status' is not a value of enum Status: "
        "expected 'new', 'in.progress' or 'done'; did you mean 'in.progress'?",
      F "11:38: error: default 'finished' of field 'other' is not a value of enum Status: "
        "expected 'new', 'in.progress' or 'done'",
      F "21:10: error: variant 'a': unknown message 'Ordr'; did you mean 'Order'?",
      F "7:10: error: unknown key field 'order_di' in message 'Order'; did you mean 'order_id'?",
      F "18:10: error: unknown key field 'orderid': variant 'b' (message Refund) has no such "
        "field; did you mean 'order_id'?"}},

    /* ---- enums ---- */
    {__LINE__,
     "schema: t\n"
     "enums:\n"
     "  E:\n"
     "    values:\n"
     "      A: a\n"
     "      B: b\n"
     "      C: a\n"
     "  F: {}\n"
     "  G:\n"
     "    values: {}\n"
     "  H:\n"
     "    values: [a, b]\n",
     {F "7:10: error: wire string \"a\" is already used by E.A",
      F "5:7: note: 'A' defined here",
      F "8:3: error: enum 'F' has no values",
      F "9:3: error: enum 'G' has no values",
      F "12:14: error: enum values must be a mapping",
      F "11:3: error: enum 'H' has no values"}},

    /* ---- field name collisions ---- */
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      has_x: bool\n"
     "      x: {type: int32, optional: true}\n"
     "      y: {type: int32, nullable: true}\n"
     "      y_is_null: bool\n"
     "      has_z: bool\n"
     "      z: {type: int32, nullable: true}\n",
     {F "5:7: error: field name 'has_x' collides with the presence flag of field 'x'",
      F "8:7: error: field name 'y_is_null' collides with the presence flag of field 'y'"}},
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    fields:\n"
     "      a: string\n"
     "      b: {type: string, wire_name: a}\n"
     "      c: {type: string, wire_name: B}\n"
     "      d: {type: string, wire_name: B}\n",
     {F "6:7: error: wire name 'a' of field 'b' is already used by field 'a'",
      F "5:7: note: 'a' defined here",
      F "8:7: error: wire name 'B' of field 'd' is already used by field 'c'",
      F "7:7: note: 'c' defined here"}},

    /* ---- versions and message options ---- */
    {__LINE__,
     "schema: t\n"
     "version: 0\n"
     "messages:\n"
     "  A:\n"
     "    version: abc\n"
     "    topic: a\n"
     "    unknown_fields: maybe\n"
     "    fields:\n"
     "      a: string\n"
     "  B:\n"
     "    version: -1\n"
     "    unknown_fields: [skip]\n"
     "    fields:\n"
     "      b: string\n"
     "  C:\n"
     "    version: 2147483648\n"
     "    fields:\n"
     "      c: string\n",
     {F "2:10: error: version must be between 1 and 2147483647",
      F "5:14: error: version must be a non-negative integer, got 'abc'",
      F "7:21: error: unknown_fields must be 'skip' or 'reject'",
      F "11:14: error: version must be a non-negative integer, got '-1'",
      /* a sequence or mapping is located by its first entry */
      F "12:22: error: unknown_fields must be 'skip' or 'reject'",
      F "16:14: error: version must be between 1 and 2147483647"}},

    /* ---- tombstones: the route of a NULL value (skip, handle or dlq) ---- */
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    topic: a\n"
     "    tombstones: delete\n"
     "    fields:\n"
     "      a: string\n"
     "  B:\n"
     "    topic: b\n"
     "    tombstones: [dlq]\n"
     "    fields:\n"
     "      b: string\n"
     "  C:\n"
     "    topic: c\n"
     "    tombstonez: dlq\n"
     "    fields:\n"
     "      c: string\n"
     "unions:\n"
     "  U:\n"
     "    discriminator: k\n"
     "    tombstones: Skip\n"
     "    variants: {a: A}\n",
     {F "5:17: error: tombstones must be 'skip', 'handle' or 'dlq', got 'delete'",
      /* a sequence is located by its first entry */
      F "10:18: error: tombstones must be a scalar",
      F "15:5: error: unknown attribute 'tombstonez' for message 'C' (expected fields, topic, "
        "key, version, accepts_versions, dlq_topic, tombstones, unknown_fields or description); "
        "did you mean "
        "'tombstones'?",
      F "21:17: error: tombstones must be 'skip', 'handle' or 'dlq', got 'Skip'"}},
    /* an enum's fallback is one of its wire strings (not a C name) */
    {__LINE__,
     "schema: t\n"
     "enums:\n"
     "  E: {values: {A: a, OTHER: other}, fallback: OTHER}\n"
     "  F: {values: {A: a}, fallback: a}\n"
     "messages:\n"
     "  M: {fields: {e: E, f: F}}\n",
     {F "3:47: error: fallback 'OTHER' of enum 'E' is not one of its wire strings (an unknown "
        "value decodes as the fallback, so it must be a value)"}},
    /* accepts_versions (docs/evolution.md): N..M, N.. or N, and the type's
     * own version inside it */
    {__LINE__,
     "schema: t\n"
     "version: 3\n"
     "messages:\n"
     "  A: {topic: a, accepts_versions: 2..1, fields: {x: int32}}\n"
     "  B: {topic: b, accepts_versions: 1-3, fields: {x: int32}}\n"
     "  C: {topic: c, accepts_versions: 1..2, fields: {x: int32}}\n"
     "  D: {topic: d, accepts_versions: 0.., fields: {x: int32}}\n"
     "  E: {topic: e, accepts_versions: 2.., version: 4, fields: {x: int32}}\n"
     "unions:\n"
     "  U: {topic: u, accepts_versions: 4, discriminator: k, variants: {a: A}}\n",
     {F "4:35: error: accepts_versions '2..1' is empty: 2 is above 1",
      F "5:35: error: accepts_versions must be 'N..M' (e.g. 1..3), 'N..' or 'N' with versions "
        "from 1 to 2147483647, got '1-3'",
      F "7:35: error: accepts_versions must be 'N..M' (e.g. 1..3), 'N..' or 'N' with versions "
        "from 1 to 2147483647, got '0..'",
      F "6:35: error: message 'C' is version 3, outside its own accepts_versions: its consumers "
        "would dead-letter what its producers write",
      F "10:35: error: union 'U' is version 3, outside its own accepts_versions: its consumers "
        "would dead-letter what its producers write"}},
    {__LINE__,
     "schema: t\n"
     "messages:\n"
     "  A:\n"
     "    topic: a\n"
     "    tombstones: handle\n"
     "    fields:\n"
     "      a: string\n"
     "  B:\n"
     "    topic: b\n"
     "    tombstones: dlq\n"
     "    fields:\n"
     "      b: string\n"
     "  C:\n"
     "    topic: c\n"
     "    tombstones: skip\n"
     "    fields:\n"
     "      c: string\n",
     {NULL}},

    /* ---- empty values and sections: located at their key ---- */
    {__LINE__,
     "schema: t\n"
     "enums: []\n"
     "messages:\n"
     "  M:\n"
     "    topic:\n"
     "    dlq_topic: \"\"\n"
     "    key:\n"
     "    fields:\n"
     "      a:\n"
     "      b: int32\n"
     "  N:\n"
     "unions:\n"
     "  U:\n"
     "    discriminator:\n"
     "    variants:\n"
     "      x: {message: M, nmae: q}\n"
     "      y:\n",
     {F "2:1: error: enums must be a mapping",
      F "5:5: error: topic must not be empty",
      F "6:16: error: dlq_topic must not be empty",
      F "7:5: error: key must not be empty",
      F "9:7: error: unknown type ''",
      F "11:3: error: a message must be a mapping",
      F "14:5: error: discriminator must not be empty",
      F "16:23: error: unknown attribute 'nmae' for variant 'x' (expected message or name); "
        "did you mean 'name'?",
      F "17:7: error: variant 'y': unknown message ''"}},

    /* ---- good schemas ---- */
    {__LINE__,
     "schema: good\n"
     "version: 3\n"
     "description: Every feature once.\n"
     "enums:\n"
     "  Color:\n"
     "    description: A color.\n"
     "    values: {RED: red, DARK_BLUE: dark.blue}\n"
     "messages:\n"
     "  Inner:\n"
     "    fields:\n"
     "      n: {type: uint64, min: 1, max: 18446744073709551615, default: 7}\n"
     "  Msg:\n"
     "    description: A message.\n"
     "    topic: good.msgs\n"
     "    dlq_topic: good.dead\n"
     "    key: id\n"
     "    version: 2\n"
     "    unknown_fields: reject\n"
     "    fields:\n"
     "      id: uuid\n"
     "      b: bool\n"
     "      i: {type: int32, min: -5, max: 5, default: -5}\n"
     "      l: {type: int64, nullable: true}\n"
     "      u: {type: uint32, optional: true}\n"
     "      f: {type: float64, min: -1.5, max: 1e3, default: 0.25}\n"
     "      s: {type: string, min_length: 2, max_length: 2, default: \"\xc3\xa9\xc3\xa9\"}\n"
     "      t: timestamp\n"
     "      d: {type: decimal, default: \"-12.50e+3\"}\n"
     "      by: {type: bytes, optional: true, nullable: true}\n"
     "      j: json\n"
     "      c: {type: Color, default: dark.blue}\n"
     "      inner: Inner\n"
     "      list: {type: array, items: Inner, min_items: 0, max_items: 3}\n"
     "      tags: {type: map, values: string, optional: true}\n"
     "      ev: Event\n"
     "      has_b: {type: bool, wire_name: hasB}\n"
     "      the_type: {type: string, wire_name: type, description: \"Not the discriminator.\"}\n"
     "  Ping:\n"
     "    fields:\n"
     "      key: string\n"
     "      kind_of: Color\n"
     "unions:\n"
     "  Event:\n"
     "    topic: good.events\n"
     "    key: key\n"
     "    discriminator: kind\n"
     "    variants:\n"
     "      ping: Ping\n"
     "      ping.v2: {message: Ping, name: ping_v2}\n",
     {NULL}},
};

/* ---- runner ---------------------------------------------------------------- */

static size_t count_expected(const char *const *expected)
{
    size_t n = 0;
    while (n < MAX_LINES && expected[n])
        n++;
    return n;
}

static bool same_lines(const diag_list *d, const char *const *expected, size_t n)
{
    if (d->count != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(d->lines[i], expected[i]) != 0)
            return false;
    return true;
}

static void report(const char *what, int line, const char *const *expected, size_t n,
                   const diag_list *d, const char *why)
{
    check_fail(__FILE__, line, "%s: %s", what, why);
    fprintf(stderr, "  expected:\n");
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "    %s\n", expected[i]);
    if (n == 0)
        fprintf(stderr, "    (nothing)\n");
    fprintf(stderr, "  got:\n");
    for (size_t i = 0; i < d->count; i++)
        fprintf(stderr, "    %s\n", d->lines[i]);
    if (d->count == 0)
        fprintf(stderr, "    (nothing)\n");
}

/* Position of a message or union in the declaration order, or -1. */
static long order_index(const schema *s, const message_def *m, const union_def *u)
{
    for (size_t i = 0; i < s->n_order; i++)
        if ((m && s->order[i].message == m) || (u && s->order[i].union_def == u))
            return (long)i;
    return -1;
}

/* Every message and union is declared exactly once, after everything of
 * its own schema it embeds by value (message and union fields, map values,
 * union variants). */
static bool order_ok(const schema *s)
{
    if (s->n_order != s->n_messages + s->n_unions)
        return false;
    for (size_t i = 0; i < s->n_order; i++) {
        const decl *d = &s->order[i];
        if (d->kind == DECL_UNION) {
            for (size_t v = 0; v < d->union_def->n_variants; v++)
                if (d->union_def->variants[v].message->owner == s &&
                    (size_t)order_index(s, d->union_def->variants[v].message, NULL) >= i)
                    return false;
            continue;
        }
        for (size_t f = 0; f < d->message->n_fields; f++) {
            const type_ref *t = &d->message->fields[f].type;
            if (t->kind == T_MAP)
                t = t->elem;
            bool local = t->kind == T_MESSAGE ? t->message->owner == s
                         : t->kind == T_UNION ? t->union_def->owner == s
                                              : false; /* imported: declared in its header */
            if (local && (size_t)order_index(s, t->message, t->union_def) >= i)
                return false;
        }
    }
    return true;
}

/* Load text (or the file at `path` when text is NULL) and compare. */
static bool run_one(const char *what, int line, const char *path, const char *text,
                    const char *const *expected)
{
    static const char *const none[1] = {NULL};
    if (!expected)
        expected = none;
    size_t n = count_expected(expected);
    diag_list d = {0};
    schema *s = text ? schema_load_string(path, text, strlen(text), &d) : schema_load(path, &d);
    const char *why = NULL;
    if (!same_lines(&d, expected, n))
        why = "diagnostics differ";
    else if (n == 0 && !s)
        why = "no diagnostics but no schema either";
    else if (n > 0 && s)
        why = "errors reported but a schema was returned";
    else if (s && !order_ok(s))
        why = "declaration order is incomplete or wrong";
    if (why)
        report(what, line, expected, n, &d, why);
    schema_free(s);
    diag_clear(&d);
    return why == NULL;
}

int main(int argc, char **argv)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const test_case *c = &cases[i];
        if (run_one("case", c->line, "t.yaml", c->yaml, c->expected))
            check_pass(1);
    }
    static const char *const missing[] = {
        "no/such/dir/x.yaml: error: cannot open schema: No such file or directory", NULL};
    if (run_one("missing file", __LINE__, "no/such/dir/x.yaml", NULL, missing))
        check_pass(1);
    if (argc > 1) {
        /* crm.yaml imports common.yaml: the examples load as one set. */
        static const char *const examples[] = {"orders.yaml", "workflow.yaml", "crm.yaml",
                                               "common.yaml"};
        enum { N_EXAMPLES = sizeof examples / sizeof examples[0] };
        char paths[N_EXAMPLES][4096];
        const char *names[N_EXAMPLES];
        for (size_t i = 0; i < N_EXAMPLES; i++) {
            snprintf(paths[i], sizeof paths[i], "%s/%s", argv[1], examples[i]);
            names[i] = paths[i];
        }
        diag_list d = {0};
        schema_set *set = schema_set_load(names, N_EXAMPLES, NULL, 0, &d);
        diag_print(&d, stderr);
        CHECKF(set && d.count == 0, "the example schemas do not load cleanly");
        CHECK(set && set->count == N_EXAMPLES && set->n_roots == N_EXAMPLES);
        for (size_t i = 0; set && i < set->count; i++)
            CHECKF(order_ok(set->items[i]), "%s: declaration order", set->items[i]->path);
        schema_set_free(set);
        diag_clear(&d);
    }
    return check_done();
}
