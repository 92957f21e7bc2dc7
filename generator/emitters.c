/*
 * emitters.c - the table of emitters (emitters.h).  A new output language
 * is a row here, a folder of templates and, when it needs keys of its own,
 * a model_<name>.c that adds them.
 */
#include "emitters.h"
#include "model_asyncapi.h"
#include "model_jsonschema.h"
#include "model_python.h"
#include "model_vectors.h"
#include "template_check.h"

#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const emitter_output c_outputs[] = {
    {"header.h.mustache", "%s.h", NULL, false, false, false, false},
    {"source.c.mustache", "%s.c", NULL, false, false, false, false},
    {"translator.h.mustache", "%s_translator.h", NULL, false, true, false, false},
    {"kafka.h.mustache", "%s_kafka.h", NULL, false, false, false, false},
    {"kafka.c.mustache", "%s_kafka.c", NULL, false, false, false, false},
    {"domain.h.mustache", "%s_domain.h", NULL, true, true, false, false},
    {"translator.c.mustache", "%s_translator.c", NULL, true, true, false, false},
    {"fuzz.c.mustache", "%s_fuzz.c", NULL, false, false, true, false},
};

/* <module>.py per schema; beside them, once, the support module they import. */
static const emitter_output python_outputs[] = {
    {"python/module.py.mustache", NULL, "py_files", false, false, false, false},
    {"python/support.py.mustache", PY_SUPPORT_MODULE ".py", NULL, false, false, false, true},
};

static const emitter_output vectors_outputs[] = {
    {"vectors/vectors.json.mustache", NULL, "vec_files", false, false, false, false},
};

/* One document per message and union, named by the item's `file`. */
static const emitter_output jsonschema_outputs[] = {
    {"jsonschema/schema.json.mustache", NULL, "js_documents", false, false, false, false},
};

static const emitter_output asyncapi_outputs[] = {
    {"asyncapi/asyncapi.json.mustache", "%s.asyncapi.json", NULL, false, false, false, false},
};

const emitter emitters[] = {
    {"c", "", "C structs, JSON codecs, typed Kafka wrappers, translator stubs",
     template_check_c, NULL, c_outputs, COUNT(c_outputs)},
    {"python", "python", "msgspec models (a module per schema, one support module) that encode to the C bytes",
     template_check_python, model_python_extend, python_outputs, COUNT(python_outputs)},
    {"vectors", "vectors",
     "conformance vectors per message and union: verdicts, error paths, canonical bytes",
     template_check_json, model_vectors_extend, vectors_outputs, COUNT(vectors_outputs)},
    {"jsonschema", "jsonschema", "JSON Schema (draft 2020-12), one document per message and union",
     template_check_json, jsonschema_extend_model, jsonschema_outputs, COUNT(jsonschema_outputs)},
    {"asyncapi", "asyncapi", "AsyncAPI 3.0 document: topics, messages, headers, dead letters",
     template_check_json, asyncapi_extend_model, asyncapi_outputs, COUNT(asyncapi_outputs)},
};
const size_t emitter_count = COUNT(emitters);

const emitter *emitter_find(const char *name)
{
    for (size_t i = 0; i < emitter_count; i++)
        if (strcmp(emitters[i].name, name) == 0)
            return &emitters[i];
    return NULL;
}

const emitter *emitter_find_folder(const char *folder)
{
    for (size_t i = 0; i < emitter_count; i++)
        if (*folder && strcmp(emitters[i].folder, folder) == 0)
            return &emitters[i];
    return NULL;
}

const emitter *emitter_of_template(const char *name)
{
    const char *slash = strchr(name, '/');
    size_t n = slash ? (size_t)(slash - name) : 0;
    for (size_t i = 0; i < emitter_count; i++)
        if (strlen(emitters[i].folder) == n && strncmp(emitters[i].folder, name, n) == 0)
            return &emitters[i];
    return NULL;
}
