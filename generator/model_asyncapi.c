/*
 * model_asyncapi.c - the aa_* keys of the AsyncAPI emitter
 * (model_asyncapi.h).  The template (templates/asyncapi/asyncapi.json.
 * mustache) holds the document's fixed shape and the dead-letter envelope;
 * this file lists the channels (one per distinct topic and dead-letter
 * topic, in schema order), the operations, the type schemas (shared with
 * the jsonschema emitter, referenced as #/components/schemas/<schema>.<T>)
 * and each Kafka type's message object.
 */
#include "model_asyncapi.h"
#include "js_tree.h"
#include "model_int.h"
#include "model_jsonschema.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* One Kafka type of the schema: a message or a union with a topic. */
typedef struct kafka_type {
    const char *name;
    const char *description;
    const kafka_binding *k;
    const field_def *key; /* the key field (of the first variant), or NULL */
    js_def_kind kind;
    const void *type;
} kafka_type;

static const field_def *field_named(const message_def *m, const char *name)
{
    for (size_t i = 0; name && i < m->n_fields; i++)
        if (strcmp(m->fields[i].name, name) == 0)
            return &m->fields[i];
    return NULL;
}

static size_t kafka_types(const schema *s, kafka_type *out)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_messages; i++) {
        const message_def *m = s->messages[i];
        if (m->kafka.topic)
            out[n++] = (kafka_type){m->name, m->description, &m->kafka,
                                    field_named(m, m->kafka.key_field), JS_DEF_MESSAGE, m};
    }
    for (size_t i = 0; i < s->n_unions; i++) {
        const union_def *u = s->unions[i];
        if (u->kafka.topic)
            out[n++] = (kafka_type){u->name, u->description, &u->kafka,
                                    field_named(u->variants[0].message, u->kafka.key_field),
                                    JS_DEF_UNION, u};
    }
    return n;
}

static const char *tombstones_name(tombstone_route t)
{
    return t == TOMBSTONES_HANDLE ? "handle" : t == TOMBSTONES_DLQ ? "dlq" : "skip";
}

static js_node *const_string(const char *v)
{
    js_node *o = js_object();
    js_set(o, "type", js_string("string"));
    js_set(o, "const", js_string(v));
    return o;
}

/* The headers a typed producer sends (tg_producer.c): content-type,
 * tg-schema, tg-schema-version, and traceparent when the caller gives one. */
static js_node *headers_schema(const char *qualified, int version)
{
    js_node *o = js_object(), *props = js_object(), *req = js_array();
    js_set(o, "type", js_string("object"));
    js_set(props, "content-type", const_string("application/json"));
    js_set(props, "tg-schema", const_string(qualified));
    char *v = xasprintf("%d", version);
    js_set(props, "tg-schema-version", const_string(v));
    free(v);
    js_node *tp = js_object();
    js_set(tp, "type", js_string("string"));
    js_set(tp, "description", js_string("W3C trace context, when the producer was given one."));
    js_set(tp, "pattern", js_string("^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"));
    js_set(props, "traceparent", tp);
    js_set(o, "properties", props);
    js_push(req, js_string("content-type"));
    js_push(req, js_string("tg-schema"));
    js_push(req, js_string("tg-schema-version"));
    js_set(o, "required", req);
    return o;
}

static js_node *message_object(const schema *s, const kafka_type *t, js_defs *d)
{
    char *qualified = js_type_key(s->name, t->name);
    js_node *o = js_object();
    js_set(o, "name", js_string(qualified));
    js_set(o, "title", js_string(qualified));
    if (t->description)
        js_set(o, "description", js_string(t->description));
    js_set(o, "contentType", js_string("application/json"));
    js_set(o, "headers", headers_schema(qualified, t->k->version ? t->k->version : s->version));
    js_set(o, "payload", js_ref(d, t->kind, t->type));
    js_node *kafka = js_object(), *bindings = js_object();
    if (t->key)
        js_set(kafka, "key", js_key_schema(t->key));
    js_set(kafka, "bindingVersion", js_string("0.5.0"));
    js_set(bindings, "kafka", kafka);
    js_set(o, "bindings", bindings);
    js_set(o, "x-topicgen-dlq-topic", js_string(t->k->dlq_topic));
    js_set(o, "x-topicgen-tombstones", js_string(tombstones_name(t->k->tombstones)));
    if (t->k->accepts_min || t->k->accepts_max) {
        js_node *range = js_array();
        js_push(range, js_int(t->k->accepts_min));
        js_push(range, js_int(t->k->accepts_max));
        js_set(o, "x-topicgen-accepts-versions", range);
    }
    free(qualified);
    return o;
}

/* Topics in first-seen order, each with the types it carries. */
typedef struct topic_use {
    const char *topic;
    const kafka_type **types;
    size_t n;
} topic_use;

static size_t topic_uses(const kafka_type *t, size_t n, bool dlq, topic_use *out)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        const char *topic = dlq ? t[i].k->dlq_topic : t[i].k->topic;
        size_t j = 0;
        while (j < count && strcmp(out[j].topic, topic) != 0)
            j++;
        if (j == count)
            out[count++] = (topic_use){topic, xcalloc(n, sizeof(kafka_type *)), 0};
        out[j].types[out[j].n++] = &t[i];
    }
    return count;
}

static mu_node *channel(const schema *s, const topic_use *u, bool dlq)
{
    mu_node *c = mu_map(), *msgs = mu_list();
    set_text(c, "aa_topic", u->topic);
    for (size_t i = 0; i < (dlq ? 1 : u->n); i++) {
        mu_node *m = mu_map();
        if (dlq)
            set_str(m, "aa_message", "topicgen.DeadLetter");
        else
            set_own(m, "aa_message", js_type_key(s->name, u->types[i]->name));
        push_with_last(msgs, m, i + 1 == (dlq ? 1 : u->n));
    }
    mu_map_set(c, "aa_channel_messages", msgs);
    set_bool(c, "aa_dlq", dlq);
    return c;
}

static void add_operation(mu_node *ops, char *id, const char *action, const char *topic,
                          const char *message)
{
    mu_node *o = mu_map();
    set_text(o, "aa_operation", id);
    free(id);
    set_str(o, "aa_action", action);
    set_text(o, "aa_topic", topic);
    set_str(o, "aa_message", message);
    mu_list_push(ops, o);
}

static void set_lasts(mu_node *list)
{
    size_t n = mu_list_len(list);
    for (size_t i = 0; i < n; i++)
        set_bool(mu_list_at(list, i), "last", i + 1 == n);
}

/* components.schemas: every type of the schema (enums, messages, unions,
 * in schema order), then the imported types they reach. */
static void add_schema_types(const schema *s, js_defs *d)
{
    for (size_t i = 0; i < s->n_enums; i++)
        js_defs_add(d, JS_DEF_ENUM, s->enums[i]);
    for (size_t i = 0; i < s->n_messages; i++)
        js_defs_add(d, JS_DEF_MESSAGE, s->messages[i]);
    for (size_t i = 0; i < s->n_unions; i++)
        js_defs_add(d, JS_DEF_UNION, s->unions[i]);
}

static mu_node *component_schemas(js_defs *d)
{
    js_node **bodies = NULL;
    size_t nb = 0;
    for (size_t i = 0; i < d->count; i++) { /* d grows while bodies are built */
        js_node **slot = xappend(&bodies, &nb, sizeof *bodies);
        *slot = js_defs_body(d, i);
    }
    mu_node *schemas = mu_list();
    for (size_t i = 0; i < d->count; i++) {
        mu_node *item = mu_map();
        set_str(item, "js_def", d->items[i].key);
        set_own(item, "js_def_body", js_print(bodies[i], 6));
        push_with_last(schemas, item, i + 1 == d->count);
        js_free(bodies[i]);
    }
    free(bodies);
    return schemas;
}

void asyncapi_extend_model(mu_node *model, const schema *s)
{
    size_t cap = s->n_messages + s->n_unions + 1;
    kafka_type *types = xcalloc(cap, sizeof *types);
    topic_use *topics = xcalloc(cap, sizeof *topics), *dlqs = xcalloc(cap, sizeof *dlqs);
    size_t n = kafka_types(s, types);
    size_t n_topics = topic_uses(types, n, false, topics), n_dlqs = topic_uses(types, n, true, dlqs);
    js_defs d = {"#/components/schemas/", NULL, 0};
    add_schema_types(s, &d);
    mu_node *channels = mu_list(), *ops = mu_list(), *messages = mu_list();
    for (size_t i = 0; i < n_topics; i++)
        mu_list_push(channels, channel(s, &topics[i], false));
    for (size_t i = 0; i < n_dlqs; i++)
        mu_list_push(channels, channel(s, &dlqs[i], true));
    for (size_t i = 0; i < n; i++) {
        char *q = js_type_key(s->name, types[i].name);
        add_operation(ops, xasprintf("%s.send", q), "send", types[i].k->topic, q);
        add_operation(ops, xasprintf("%s.receive", q), "receive", types[i].k->topic, q);
        mu_node *m = mu_map();
        js_node *body = message_object(s, &types[i], &d);
        set_str(m, "aa_message", q);
        set_own(m, "aa_message_body", js_print(body, 6));
        js_free(body);
        push_with_last(messages, m, i + 1 == n);
        free(q);
    }
    for (size_t i = 0; i < n_dlqs; i++) {
        add_operation(ops, xasprintf("dead-letter.%s.send", dlqs[i].topic), "send", dlqs[i].topic,
                      "topicgen.DeadLetter");
        add_operation(ops, xasprintf("dead-letter.%s.receive", dlqs[i].topic), "receive",
                      dlqs[i].topic, "topicgen.DeadLetter");
    }
    set_lasts(channels);
    set_lasts(ops);
    mu_map_set(model, "aa_schemas", component_schemas(&d));
    js_defs_free(&d);
    set_text(model, "aa_title", s->name);
    set_text(model, "aa_source", s->file_name);
    set_text(model, "aa_description", s->description ? s->description : "");
    set_fmt(model, "aa_version", "%d", s->version);
    mu_map_set(model, "aa_channels", channels);
    mu_map_set(model, "aa_operations", ops);
    mu_map_set(model, "aa_messages", messages);
    set_bool(model, "aa_has_messages", n > 0);
    for (size_t i = 0; i < n_topics; i++)
        free(topics[i].types);
    for (size_t i = 0; i < n_dlqs; i++)
        free(dlqs[i].types);
    free(topics), free(dlqs), free(types);
}
