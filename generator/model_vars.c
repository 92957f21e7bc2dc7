/*
 * model_vars.c - the one table of template variables and their output
 * contexts (model_vars.h, escape.h).  Keep it sorted by name (strcmp order;
 * the escape test checks).  A new key of the model goes here first: the
 * model aborts on a key it does not find, and template_check.c refuses a
 * template that uses one.
 *
 * Contexts: TX_C_COMMENT and TX_C_STRING carry schema text, escaped by the
 * model; TX_C_NAME carries validated identifiers (and names made of them);
 * TX_C_CODE is C the model wrote; TX_FIXED numbers, flags and topicgen's
 * own text; TX_STRUCT lists and maps (sections only).
 */
#include "model_vars.h"

#include <string.h>

const model_var model_vars[] = {
    {"aa_action", TX_FIXED}, /* asyncapi: send or receive */
    {"aa_channel_messages", TX_STRUCT},
    {"aa_channels", TX_STRUCT}, /* asyncapi: one per topic, then per dead-letter topic */
    {"aa_description", TX_JSON_STRING}, /* asyncapi: the schema's description */
    {"aa_dlq", TX_FIXED},
    {"aa_has_messages", TX_FIXED},
    {"aa_message", TX_C_NAME}, /* asyncapi: a message id, <schema>.<Type> or topicgen.DeadLetter */
    {"aa_message_body", TX_JSON_CODE}, /* asyncapi: a message object, JSON the model wrote */
    {"aa_messages", TX_STRUCT},
    {"aa_operation", TX_JSON_STRING}, /* asyncapi: an operation id */
    {"aa_operations", TX_STRUCT},
    {"aa_schemas", TX_STRUCT}, /* asyncapi: components.schemas (js_def, js_def_body) */
    {"aa_source", TX_JSON_STRING}, /* asyncapi: the schema's file name (x-topicgen-source) */
    {"aa_title", TX_JSON_STRING}, /* asyncapi: the schema name */
    {"aa_topic", TX_JSON_STRING}, /* asyncapi: a topic (channel id and address) */
    {"aa_version", TX_FIXED}, /* asyncapi: the schema version */
    {"accepts_max", TX_FIXED}, /* accepts_versions of a Kafka type (0: any) */
    {"accepts_min", TX_FIXED},
    {"bounded", TX_FIXED}, /* messages and unions: the schema bounds the JSON size */
    {"c_name", TX_C_NAME}, /* <schema>_<Name>, and enum values' <schema>_<Enum>_<VALUE> */
    {"c_type", TX_C_CODE}, /* the C type of a field or value */
    {"check_items", TX_FIXED},
    {"check_length", TX_FIXED},
    {"check_range", TX_FIXED},
    {"count", TX_FIXED},
    {"decls", TX_STRUCT},
    {"default_expr", TX_C_CODE}, /* a default as a C expression (string defaults through TX_C_STRING) */
    {"disc_c", TX_C_STRING}, /* union discriminator */
    {"disc_comment", TX_C_COMMENT}, /* union discriminator */
    {"disc_key_c", TX_C_STRING}, /* {"discriminator": */
    {"disc_key_len", TX_FIXED},
    {"disc_len", TX_FIXED},
    {"dlq_topic_c", TX_C_STRING}, /* dead-letter topic */
    {"dlq_topic_comment", TX_C_COMMENT}, /* dead-letter topic */
    {"doc", TX_STRUCT}, /* description lines */
    {"document", TX_STRUCT}, /* the item of a per-item output (emitters.h) */
    {"domain_guard", TX_C_NAME},
    {"domain_header", TX_C_NAME},
    {"domain_type", TX_C_CODE},
    {"dst", TX_C_CODE},
    {"elem", TX_STRUCT},
    {"entry_c", TX_C_NAME},
    {"enums", TX_STRUCT},
    {"fallback_c", TX_C_NAME}, /* an enum's fallback value: <schema>_<Enum>_<VALUE> */
    {"fields", TX_STRUCT},
    {"file", TX_C_NAME}, /* a per-item output's file name (emitters.h) */
    {"fuzz_source", TX_C_NAME},
    {"fuzz_types", TX_STRUCT},
    {"guard", TX_C_NAME},
    {"handler_types", TX_STRUCT}, /* messages whose handler type the Kafka header declares */
    {"has_default", TX_FIXED},
    {"has_doc", TX_FIXED},
    {"has_fallback", TX_FIXED}, /* an enum value: an unknown string reads as fallback_c */
    {"has_key", TX_FIXED},
    {"has_max", TX_FIXED},
    {"has_min", TX_FIXED},
    {"has_uint_lo", TX_FIXED},
    {"header", TX_C_NAME},
    {"imports", TX_STRUCT}, /* the schemas this one imports: header, domain_header, ... */
    {"index", TX_FIXED},
    {"init_call", TX_C_NAME},
    {"int_hi", TX_C_CODE},
    {"int_lo", TX_C_CODE},
    {"is_array", TX_FIXED},
    {"is_bool", TX_FIXED},
    {"is_bytes", TX_FIXED},
    {"is_container", TX_FIXED},
    {"is_decimal", TX_FIXED},
    {"is_double", TX_FIXED},
    {"is_enum", TX_FIXED},
    {"is_int", TX_FIXED},
    {"is_json", TX_FIXED},
    {"is_map", TX_FIXED},
    {"is_message", TX_FIXED},
    {"is_plain", TX_FIXED},
    {"is_string", TX_FIXED},
    {"is_timestamp", TX_FIXED},
    {"is_uint", TX_FIXED},
    {"is_union", TX_FIXED},
    {"is_uuid", TX_FIXED},
    {"item_c", TX_C_NAME},
    {"js_def", TX_C_NAME}, /* jsonschema: a definition's name, <schema>.<Type> */
    {"js_def_body", TX_JSON_CODE}, /* jsonschema: a definition's schema, JSON the model wrote */
    {"js_defs", TX_STRUCT}, /* jsonschema: the definitions a document reaches */
    {"js_documents", TX_STRUCT}, /* jsonschema: one document per message and union */
    {"js_schema", TX_C_NAME},
    {"js_type", TX_C_NAME},
    {"js_version", TX_FIXED}, /* jsonschema: the type's version, in $id */
    {"kafka_guard", TX_C_NAME},
    {"kafka_header", TX_C_NAME},
    {"kafka_source", TX_C_NAME},
    {"kafka_types", TX_STRUCT},
    {"key_c", TX_C_STRING}, /* "wire": */
    {"key_enum_c", TX_C_NAME},
    {"key_field", TX_C_NAME},
    {"key_is_enum", TX_FIXED},
    {"key_is_int", TX_FIXED},
    {"key_is_str", TX_FIXED},
    {"key_is_uint", TX_FIXED},
    {"key_is_uuid", TX_FIXED},
    {"key_len", TX_FIXED},
    {"kind_c", TX_C_NAME},
    {"last", TX_FIXED},
    {"line", TX_C_COMMENT}, /* one line of a description */
    {"macro", TX_C_NAME},
    {"mask", TX_C_CODE},
    {"max", TX_C_CODE},
    {"max_items", TX_C_CODE},
    {"max_json_size", TX_FIXED},
    {"max_length", TX_C_CODE},
    {"message", TX_STRUCT},
    {"messages", TX_STRUCT},
    {"min", TX_C_CODE},
    {"min_items", TX_C_CODE},
    {"min_length", TX_C_CODE},
    {"msg_c", TX_C_NAME},
    {"n_fields", TX_FIXED},
    {"n_fuzz_types", TX_FIXED},
    {"n_variants", TX_FIXED},
    {"name", TX_C_NAME},
    {"nullable", TX_FIXED},
    {"number", TX_FIXED},
    {"optional", TX_FIXED},
    {"py_alias", TX_C_NAME},
    {"py_attr", TX_C_NAME},
    {"py_base", TX_PY_CODE},
    {"py_check", TX_PY_CODE},
    {"py_checks", TX_STRUCT},
    {"py_decl", TX_PY_CODE}, /* python: ': <type> = <default>' of a field */
    {"py_decls", TX_STRUCT},
    {"py_dlq_topic", TX_PY_STRING},
    {"py_doc", TX_PY_DOC},
    {"py_enums", TX_STRUCT},
    {"py_fallback", TX_C_NAME},
    {"py_fields", TX_STRUCT},
    {"py_files", TX_STRUCT}, /* python: the module file, one item (emitters.c) */
    {"py_has_checks", TX_FIXED},
    {"py_has_doc", TX_FIXED},
    {"py_has_fallback", TX_FIXED},
    {"py_has_fields", TX_FIXED},
    {"py_has_kafka", TX_FIXED},
    {"py_has_key", TX_FIXED},
    {"py_has_wire_types", TX_FIXED},
    {"py_imports", TX_STRUCT},
    {"py_is_message", TX_FIXED},
    {"py_is_union", TX_FIXED},
    {"py_kafka", TX_STRUCT},
    {"py_key_attr", TX_C_NAME},
    {"py_key_field", TX_PY_STRING},
    {"py_member", TX_C_NAME},
    {"py_members", TX_PY_CODE},
    {"py_module", TX_C_NAME},
    {"py_name", TX_C_NAME}, /* python: a type's or enum's name, renamed off keywords (model_python.c) */
    {"py_runtime", TX_PY_CODE},
    {"py_schema", TX_PY_STRING},
    {"py_schema_name", TX_PY_STRING},
    {"py_schema_version", TX_FIXED},
    {"py_source", TX_PY_STRING},
    {"py_static", TX_PY_CODE},
    {"py_struct_opts", TX_PY_CODE},
    {"py_support", TX_C_NAME}, /* python: the support module every module imports */
    {"py_topic", TX_PY_STRING},
    {"py_type_name", TX_PY_STRING}, /* python: a type's name in the schema (the wire's, C's) */
    {"py_values", TX_STRUCT},
    {"py_variant_classes", TX_STRUCT},
    {"py_version", TX_FIXED},
    {"py_wire", TX_PY_STRING},
    {"py_wire_types", TX_STRUCT},
    {"reject_unknown", TX_FIXED},
    {"required_words", TX_STRUCT},
    {"routed", TX_FIXED},
    {"schema", TX_C_NAME},
    {"schema_version", TX_FIXED},
    {"seen_words", TX_FIXED},
    {"source", TX_C_COMMENT}, /* the schema's file name */
    {"source_file", TX_C_NAME},
    {"src", TX_C_CODE},
    {"tag_c", TX_C_STRING}, /* variant tag */
    {"tag_comment", TX_C_COMMENT}, /* variant tag */
    {"tag_json_c", TX_C_STRING}, /* "tag" as JSON */
    {"tag_json_len", TX_FIXED},
    {"tag_len", TX_FIXED},
    {"tag_list_c", TX_C_STRING},
    {"tombstones_c", TX_C_CODE}, /* TG_TOMBSTONES_SKIP, _HANDLE or _DLQ */
    {"topic_c", TX_C_STRING},
    {"topic_comment", TX_C_COMMENT},
    {"translator_guard", TX_C_NAME},
    {"translator_header", TX_C_NAME},
    {"type_c", TX_C_NAME},
    {"type_name", TX_C_NAME},
    {"uint_hi", TX_C_CODE},
    {"uint_lo", TX_C_CODE},
    {"unbounded_why", TX_C_COMMENT},
    {"union", TX_STRUCT},
    {"value", TX_STRUCT},
    {"value_c", TX_C_NAME},
    {"values", TX_STRUCT},
    {"variants", TX_STRUCT},
    {"vec_canonical", TX_JSON_STRING}, /* vectors: the C encoder's bytes for a valid document */
    {"vec_cases", TX_STRUCT}, /* vectors: the documents of one type */
    {"vec_code", TX_FIXED}, /* vectors: the first error's code ("range", "missing", ...) */
    {"vec_document", TX_JSON_STRING}, /* vectors: the document text, exactly */
    {"vec_files", TX_STRUCT}, /* vectors: one item per message and union */
    {"vec_invalid_count", TX_FIXED},
    {"vec_name", TX_JSON_STRING}, /* vectors: what the document tests */
    {"vec_path", TX_JSON_STRING}, /* vectors: the first error's JSON path ($.a[0]["b c"]) */
    {"vec_valid", TX_FIXED},
    {"vec_valid_count", TX_FIXED},
    {"version", TX_FIXED},
    {"wire_c", TX_C_STRING},
    {"wire_comment", TX_C_COMMENT},
    {"wire_len", TX_FIXED},
    {"wire_list_c", TX_C_STRING},
};

const size_t model_var_count = sizeof model_vars / sizeof model_vars[0];

const model_var *model_var_find(const char *name, size_t len)
{
    for (size_t i = len; i > 0; i--) /* a dotted name: its last segment */
        if (name[i - 1] == '.') {
            name += i;
            len -= i;
            break;
        }
    size_t lo = 0, hi = model_var_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strncmp(model_vars[mid].name, name, len);
        if (c == 0 && model_vars[mid].name[len] != '\0')
            c = 1; /* the table's name is longer: it sorts after */
        if (c == 0)
            return &model_vars[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}
