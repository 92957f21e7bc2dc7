/*
 * asyncapi_errors_test.c - the AsyncAPI reader's error catalogue
 * (generator/schema_read_asyncapi.c).
 *
 * Each case is a small AsyncAPI 3 document (JSON, or YAML where said) and
 * the exact diagnostic lines loading it must produce, in order: every
 * construct topicgen cannot map is an error at the keyword's line:col that
 * names the JSON pointer of the schema holding it and what to write
 * instead; mistakes the YAML loader also catches come out in its words
 * (schema_check.c runs on both).  A case with no expected lines must load
 * cleanly.
 */
#include "check.h"
#include "schema.h"

#include <stdio.h>
#include <string.h>

#define MAX_LINES 8

typedef struct test_case {
    int line;
    const char *doc;
    const char *expected[MAX_LINES];
} test_case;

#define F "t.json:"
/* The document's opening, lines 1-3. */
#define HEAD "{\"asyncapi\": \"3.0.0\",\n \"info\": {\"title\": \"t\", \"version\": \"1\"},\n \"components\": {\"schemas\": {\n"
/* A message M with properties P (one line, line 4). */
#define MSG(P) "  \"M\": {\"type\": \"object\", \"properties\": {" P "}}\n}}}\n"

static const test_case cases[] = {
    /* ---- keywords JSON Schema has and topicgen does not ---- */
    {__LINE__, HEAD MSG("\"x\": {\"type\": \"object\", \"patternProperties\": {\"^a\": {\"type\": \"string\"}}}"),
     {F "4:66: error: #/components/schemas/M/properties/x: 'patternProperties' is not "
        "supported in a map property; use 'additionalProperties' with one schema for "
        "every value (a map)",
      F "4:48: error: #/components/schemas/M/properties/x: a map needs "
        "'additionalProperties' (the schema of every value)"}},
    {__LINE__, HEAD MSG("\"x\": {\"type\": \"string\", \"pattern\": \"^[A-Z]+$\"}"),
     {F "4:66: error: #/components/schemas/M/properties/x: 'pattern' is not supported "
        "in a property; topicgen checks lengths, not patterns: drop it and check the "
        "text in the translator (from_domain / to_domain)"}},
    {__LINE__, HEAD MSG("\"x\": {\"type\": \"integer\", \"format\": \"int32\", \"exclusiveMinimum\": 0}"),
     {F "4:86: error: #/components/schemas/M/properties/x: 'exclusiveMinimum' is not supported "
        "in a property; use 'minimum' (inclusive)"}},
    {__LINE__, HEAD MSG("\"x\": {\"type\": \"number\", \"multipleOf\": 0.5}"),
     {F "4:66: error: #/components/schemas/M/properties/x: 'multipleOf' is not supported in a "
        "property; drop it and check the value in the translator"}},
    {__LINE__, HEAD MSG("\"x\": {\"type\": \"string\", \"enum\": [\"a\", \"b\"]}"),
     {F "4:66: error: #/components/schemas/M/properties/x: 'enum' is not supported in "
        "a property; define the enum under components/schemas and '$ref' it"}},
    {__LINE__, HEAD MSG("\"x\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}, \"uniqueItems\": true}"),
     {F "4:94: error: #/components/schemas/M/properties/x: 'uniqueItems' is not "
        "supported in an array property; drop it and check the items in the translator"}},
    {__LINE__, HEAD MSG("\"x\": {\"const\": \"a\"}"),
     {F "4:48: error: #/components/schemas/M/properties/x: 'const' is not supported in "
        "a property; use an enum of one value under components/schemas and '$ref' it "
        "(a const is read only as a union variant's discriminator value)"}},
    {__LINE__, HEAD MSG("\"x\": {\"if\": {\"type\": \"string\"}, \"then\": {\"maxLength\": 3}}"),
     {F "4:48: error: #/components/schemas/M/properties/x: 'if' is not supported in a "
        "property; use a union: a 'oneOf' with a 'discriminator' under "
        "components/schemas",
      F "4:74: error: #/components/schemas/M/properties/x: 'then' is not supported in "
        "a property; use a union: a 'oneOf' with a 'discriminator' under "
        "components/schemas"}},
    {__LINE__, HEAD MSG("\"x\": {\"type\": \"string\", \"x-topicgen-tpye\": \"decimal\"}"),
     {F "4:66: error: #/components/schemas/M/properties/x: unknown extension "
        "'x-topicgen-tpye' in a property (docs/schema.md, \"AsyncAPI as input\", lists "
        "the x-topicgen-* extensions)"}},

    /* ---- shapes ---- */
    {__LINE__, HEAD MSG("\"x\": {\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"string\"}}}"),
     {F "4:66: error: #/components/schemas/M/properties/x: an object with 'properties' "
        "inside a property is not supported; define it as a message under "
        "components/schemas and '$ref' it"}},
    {__LINE__, HEAD MSG("\"x\": {\"oneOf\": [{\"type\": \"string\"}, {\"type\": \"integer\"}]}"),
     {F "4:48: error: #/components/schemas/M/properties/x: 'oneOf' in a property is "
        "supported only as a nullable type ([T, {\"type\": \"null\"}]); for "
        "alternatives define a union (a 'oneOf' with a 'discriminator') under "
        "components/schemas and '$ref' it"}},
    {__LINE__, HEAD MSG("\"x\": {\"allOf\": [{\"type\": \"string\"}, {\"maxLength\": 3}]}"),
     {F "4:48: error: #/components/schemas/M/properties/x: 'allOf' is supported only "
        "around one '$ref'; merge the schemas into one message"}},
    {__LINE__, HEAD MSG("\"x\": {\"type\": [\"string\", \"integer\"]}"),
     {F "4:57: error: #/components/schemas/M/properties/x: a 'type' list is supported only as "
        "[T, \"null\"] (a nullable field); use a union ('oneOf' with a 'discriminator') for "
        "alternatives"}},
    {__LINE__, HEAD MSG("\"x\": {\"type\": \"string\", \"format\": \"email\"}"),
     {F "4:66: error: #/components/schemas/M/properties/x: type 'string' with format "
        "'email' has no topicgen type; formats topicgen checks: date-time, uuid, "
        "int32, int64, uint32, uint64, double (or say it with x-topicgen-type: string, "
        "decimal, bytes, json, ...)"}},
    {__LINE__, HEAD MSG("\"x\": {\"type\": \"array\", \"items\": {\"type\": \"string\", \"maxLength\": 3}}"),
     {F "4:93: error: #/components/schemas/M/properties/x/items: 'maxLength' is not "
        "supported in array items and map values (constraints on items are not "
        "supported: make the item a message)"}},
    {__LINE__, HEAD "  \"Email\": {\"type\": \"string\", \"format\": \"email\"},\n" MSG("\"x\": {\"type\": \"string\"}"),
     {F "4:13: error: #/components/schemas/Email: a named schema must be a message (an object "
        "with 'properties'), an enum (a string 'enum') or a union (a 'oneOf' with a "
        "'discriminator'); write scalar types in the property that uses them"}},
    {__LINE__, HEAD "  \"M\": {\"type\": \"object\", \"properties\": {\"x\": {\"type\": \"string\"}}, "
               "\"required\": [\"y\"]}\n}}}\n",
     {F "4:81: error: #/components/schemas/M: 'required' names 'y', which is not a "
        "property"}},

    /* ---- references ---- */
    {__LINE__, HEAD MSG("\"x\": {\"$ref\": \"#/definitions/X\"}"),
     {F "4:56: error: #/components/schemas/M/properties/x: '$ref' must name "
        "'#/components/schemas/<Name>' (or '<import>#/components/schemas/<Name>'), got "
        "'#/definitions/X'"}},
    {__LINE__, HEAD MSG("\"x\": {\"$ref\": \"other.json#/components/schemas/X\"}"),
     {F "4:56: error: #/components/schemas/M/properties/x: '$ref' to 'other.json', "
        "which is not in x-topicgen-imports; add it there (a file topicgen reads: an "
        "AsyncAPI document or a schema)"}},
    /* the YAML loader's own check, in its own words */
    {__LINE__, HEAD "  \"Item\": {\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"string\"}}},\n"
               MSG("\"x\": {\"$ref\": \"#/components/schemas/Itme\"}"),
     {F "5:56: error: unknown type 'Itme'; did you mean 'Item'?"}},
    {__LINE__, HEAD MSG("\"x\": {\"type\": \"integer\", \"format\": \"int32\", \"minimum\": 1, \"default\": 0}"),
     {F "4:111: error: default 0 of field 'x' violates its own constraint (min 1)"}},

    /* ---- document level ---- */
    {__LINE__, "{\"asyncapi\": \"2.6.0\", \"info\": {\"title\": \"t\", \"version\": \"1\"}}\n",
     {F "1:14: error: #: AsyncAPI '2.6.0': topicgen reads AsyncAPI 3.x documents (convert a 2.x "
        "one with the AsyncAPI CLI's 'asyncapi convert')"}},
    {__LINE__, "{\"asyncapi\": \"3.0.0\", \"info\": {\"version\": \"1\"},\n"
               " \"components\": {\"schemas\": {\"M\": {\"properties\": {\"a\": {\"type\": \"string\"}}}}}}\n",
     {F "1:32: error: #/info: missing 'x-topicgen-schema' (the schema name, its C "
        "prefix) or a 'title' to derive it from"}},
    {__LINE__, "{\"asyncapi\": \"3.0.0\", \"info\": {\"title\": \"t\", \"version\": \"1\"},\n"
               " \"x-topicgen-imports\": [\"common.asyncapi.json\"]}\n",
     {F "2:25: error: #/x-topicgen-imports: this document imports other schemas: load "
        "it with its imports (topicgen's command line), not alone"}},

    /* ---- unions ---- */
    {__LINE__, HEAD "  \"A\": {\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"string\"}}},\n"
               "  \"U\": {\"discriminator\": \"kind\", \"oneOf\": [{\"$ref\": \"#/components/schemas/A\"}]}\n}}}\n",
     {F "5:45: error: #/components/schemas/U/oneOf/0: a union variant needs its "
        "discriminator value: 'properties': {\"kind\": {\"const\": \"<tag>\"}}",
      F "5:3: error: union 'U' has no variants"}},

    /* ---- channels ---- */
    {__LINE__, "{\"asyncapi\": \"3.0.0\", \"info\": {\"title\": \"t\", \"version\": \"1\"},\n"
               " \"channels\": {\"c\": {\"address\": \"users.{id}\", \"messages\": {\"m\": {\"$ref\": \"#/components/messages/M\"}}}},\n"
               " \"components\": {\"messages\": {\"M\": {\"payload\": {\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"string\"}}},\n"
               "   \"x-topicgen-key\": \"idx\"}}}}\n",
     {F "2:32: error: #/channels/c: channel address 'users.{id}' has parameters; "
        "topicgen binds a type to one fixed topic: write the topic itself",
      F "2:32: error: topic \"users.{id}\" is not a legal Kafka topic name: '{' is not "
        "allowed (Kafka allows only ASCII letters, digits, '.', '_' and '-')",
      F "4:22: error: unknown key field 'idx' in message 'M'; did you mean 'id'?"}},

    {__LINE__, HEAD "  \"other.X\": {\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"string\"}}},\n"
               MSG("\"x\": {\"type\": \"string\"}"),
     {F "4:3: error: #/components/schemas/other.X: 'other' is neither this schema's name nor "
        "that of an imported one; list the document that defines it in x-topicgen-imports"}},

    /* hostile text (through JSON's \\u escapes) is shown with C escapes */
    {__LINE__, HEAD MSG("\"x\": {\"type\": \"string\", \"x\\u001b[31m\\u202e\": 1}"),
     {F "4:66: error: #/components/schemas/M/properties/x: 'x\\033[31m\\342\\200\\256' is not "
        "supported in a property"}},

    /* ---- loads cleanly: YAML, an inline payload, a nullable $ref, a map, bytes ---- */
    {__LINE__,
     "asyncapi: 3.0.0\n"
     "info: {title: Shop Events, version: '2'}\n"
     "channels:\n"
     "  orders: {address: shop.orders, messages: {placed: {$ref: '#/components/messages/Placed'}}}\n"
     "components:\n"
     "  messages:\n"
     "    Placed:\n"
     "      x-topicgen-key: id\n"
     "      payload:\n"
     "        type: object\n"
     "        required: [id, at]\n"
     "        properties:\n"
     "          id: {type: string, format: uuid}\n"
     "          at: {type: string, format: date-time}\n"
     "          tags: {type: object, additionalProperties: {type: string}, maxProperties: 8}\n"
     "          blob: {type: string, contentEncoding: base64}\n"
     "          who: {anyOf: [{$ref: '#/components/schemas/Who'}, {type: 'null'}]}\n"
     "  schemas:\n"
     "    Who: {type: object, properties: {name: {type: string}}, required: [name]}\n",
     {NULL}},
};

static size_t count_expected(const char *const *e)
{
    size_t n = 0;
    while (n < MAX_LINES && e[n])
        n++;
    return n;
}

/* The forms topicgen's own exporter writes (--emit asyncapi): qualified
 * component keys, a variant written inline and named by its title, the key
 * inside the Kafka key schema, the version from the tg-schema-version
 * header, accepts-versions as [lo, hi], a dead-letter channel skipped. */
static void exporter_forms(void)
{
    static const char doc[] =
        "{\"asyncapi\": \"3.0.0\", \"info\": {\"title\": \"t\", \"version\": \"2\"},\n"
        " \"channels\": {\"t.a\": {\"address\": \"t.a\", \"messages\": {\"t.U\": {\"$ref\": \"#/components/messages/t.U\"}}},\n"
        "  \"t.a.dlq\": {\"address\": \"t.a.dlq\", \"messages\": {\"topicgen.DeadLetter\": {\"$ref\": \"#/components/messages/topicgen.DeadLetter\"}}}},\n"
        " \"components\": {\"schemas\": {\n"
        "  \"t.A\": {\"title\": \"t.A\", \"type\": \"object\", \"properties\": {\"id\": {\"type\": \"string\"},\n"
        "     \"n\": {\"type\": \"integer\", \"format\": \"uint32\", \"minimum\": 0, \"maximum\": 4294967295}}, \"required\": [\"id\", \"n\"]},\n"
        "  \"t.U\": {\"title\": \"t.U\", \"oneOf\": [{\"title\": \"t.A\", \"type\": \"object\", \"x-topicgen-variant\": \"first\",\n"
        "     \"properties\": {\"kind\": {\"const\": \"a\"}, \"id\": {\"type\": \"string\"}}, \"required\": [\"kind\", \"id\"]}]}},\n"
        "  \"messages\": {\"t.U\": {\"payload\": {\"$ref\": \"#/components/schemas/t.U\"},\n"
        "     \"headers\": {\"type\": \"object\", \"properties\": {\"tg-schema-version\": {\"type\": \"string\", \"const\": \"5\"}}},\n"
        "     \"bindings\": {\"kafka\": {\"key\": {\"type\": \"string\", \"x-topicgen-key\": \"id\"}}},\n"
        "     \"x-topicgen-dlq-topic\": \"t.a.dlq\", \"x-topicgen-tombstones\": \"dlq\", \"x-topicgen-accepts-versions\": [4, 5]},\n"
        "   \"topicgen.DeadLetter\": {\"payload\": {\"type\": \"string\"}}}}}\n";
    diag_list d = {0};
    schema *s = schema_load_string("t.json", doc, strlen(doc), &d);
    for (size_t k = 0; k < d.count; k++)
        fprintf(stderr, "  got: %s\n", d.lines[k]);
    CHECK(s && d.count == 0);
    if (s) {
        CHECK(strcmp(s->name, "t") == 0 && s->version == 2);
        CHECK(s->n_messages == 1 && strcmp(s->messages[0]->name, "A") == 0);
        CHECK(s->n_messages == 1 && !s->messages[0]->fields[1].min.set &&
              !s->messages[0]->fields[1].max.set); /* the uint32's own limits: no bound */
        CHECK(s->n_unions == 1);
        const union_def *u = s->unions[0];
        CHECK(strcmp(u->name, "U") == 0 && strcmp(u->discriminator, "kind") == 0);
        CHECK(u->n_variants == 1 && strcmp(u->variants[0].tag, "a") == 0 &&
              strcmp(u->variants[0].name, "first") == 0 && u->variants[0].message == s->messages[0]);
        CHECK(u->kafka.topic && strcmp(u->kafka.topic, "t.a") == 0);
        CHECK(u->kafka.key_field && strcmp(u->kafka.key_field, "id") == 0);
        CHECK(u->kafka.version == 5 && u->kafka.accepts_min == 4 && u->kafka.accepts_max == 5);
        CHECK(u->kafka.dlq_topic && strcmp(u->kafka.dlq_topic, "t.a.dlq") == 0);
        CHECK(u->kafka.tombstones == TOMBSTONES_DLQ);
    }
    schema_free(s);
    diag_clear(&d);
}

int main(void)
{
    exporter_forms();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const test_case *c = &cases[i];
        diag_list d = {0};
        schema *s = schema_load_string("t.json", c->doc, strlen(c->doc), &d);
        size_t n = count_expected(c->expected);
        bool same = d.count == n;
        for (size_t k = 0; same && k < n; k++)
            same = strcmp(d.lines[k], c->expected[k]) == 0;
        bool ok = same && (n == 0) == (s != NULL);
        if (ok) {
            check_pass(1);
        } else {
            check_fail(__FILE__, c->line, "diagnostics differ (%s)", s ? "schema returned" : "no schema");
            for (size_t k = 0; k < n; k++)
                fprintf(stderr, "  expected: %s\n", c->expected[k]);
            for (size_t k = 0; k < d.count; k++)
                fprintf(stderr, "  got:      %s\n", d.lines[k]);
        }
        schema_free(s);
        diag_clear(&d);
    }
    return check_done();
}
