/*
 * schema_kafka.c - names that leave topicgen: Kafka's rules for topic
 * names, and the length of wire strings that become C string literals
 * (issue 13; docs/schema.md, docs/security.md).
 *
 * Called once from check_schema, after the default dead-letter topics
 * exist.  Kafka itself refuses an illegal topic only at run time; a name it
 * would refuse is a schema error here, at the topic's line and column:
 *
 *   - characters: ASCII letters, digits, '.', '_' and '-' only;
 *   - length: at most 249 characters (the dead-letter topic too, so a
 *     topic with the default "<topic>.dlq" has at most 245);
 *   - not "." or "..".
 *
 * Two topics of the schema (dead-letter topics included) that differ only
 * by '.' versus '_' get a warning, as Kafka's own tools give one: they
 * collide in Kafka's metric names.
 *
 * Key field names are field names (C identifiers, checked with every
 * field), and the schema language has no header names: the runtime's
 * headers are fixed (tg-schema, tg-schema-version, tg-dlq-*).
 *
 * Names (schema, enum, enum value, message, field, union, variant) are C
 * identifiers, checked where they are read; beyond NAME_MAX bytes they are
 * refused here: they also become string literals and parts of longer
 * identifiers.
 *
 * Wire strings (wire_name, enum wire strings, variant tags, the
 * discriminator) and string defaults become C string literals; beyond
 * WIRE_TEXT_MAX bytes they are refused: C compilers need not support a
 * literal longer than 4095 bytes (-Woverlength-strings), and no JSON key
 * or tag is that long.
 */
#include "escape.h"
#include "schema_int.h"
#include "util.h"

#include "tg_codec.h" /* Kafka's topic name rule, the one the runtime applies */

#include <stdlib.h>
#include <string.h>

#define KAFKA_TOPIC_MAX TG_TOPIC_NAME_MAX
#define WIRE_TEXT_MAX 1024
#define NAME_MAX 128

#define ERR(C, pos, ...) diag_error((C)->diags, (C)->path, (pos), __VA_ARGS__)

/* The text as a C literal's inside (printable ASCII: safe on a terminal),
 * cut after 60 bytes. */
static char *shown(const char *s)
{
    size_t n = strlen(s);
    char *cut = xstrndup(s, n < 60 ? n : 60);
    char *e = escape_c_string(cut);
    char *out = n > 60 ? xasprintf("%s...", e) : xstrdup(e);
    free(e);
    free(cut);
    return out;
}

/* One topic; `what` is "topic" or "dlq_topic". */
static void check_topic(checker *C, const char *topic, diag_pos at, const char *what,
                        bool dlq_is_default)
{
    char *t = shown(topic);
    size_t n = strlen(topic), bad_at = 0;
    tg_topic_name_check verdict = tg_codec_topic_name_check(topic, n, &bad_at);
    const char *bad = topic + bad_at;
    if (verdict == TG_TOPIC_NAME_BAD_CHAR) {
        size_t len;
        long cp = utf8_decode((const unsigned char *)bad, strlen(bad), &len);
        char ch[16];
        if (cp == ' ')
            snprintf(ch, sizeof ch, "a space");
        else if (cp > 0x20 && cp < 0x7f)
            snprintf(ch, sizeof ch, "'%c'", (char)cp);
        else
            snprintf(ch, sizeof ch, cp < 0 ? "byte 0x%02lX" : "U+%04lX",
                     cp < 0 ? (long)(unsigned char)*bad : cp);
        ERR(C, at,
            "%s \"%s\" is not a legal Kafka topic name: %s is not allowed (Kafka allows only "
            "ASCII letters, digits, '.', '_' and '-')",
            what, t, ch);
    } else if (verdict == TG_TOPIC_NAME_RESERVED) {
        ERR(C, at, "%s \"%s\" is not a legal Kafka topic name: '.' and '..' are reserved", what,
            t);
    } else if (verdict == TG_TOPIC_NAME_TOO_LONG) {
        if (dlq_is_default) /* "<topic>.dlq" of a legal topic */
            ERR(C, at,
                "topic \"%s\" is too long for its dead-letter topic \"<topic>.dlq\" (%zu "
                "characters; Kafka allows at most %d): shorten it or set dlq_topic",
                t, n, KAFKA_TOPIC_MAX);
        else
            ERR(C, at, "%s \"%s\" is %zu characters long; Kafka allows at most %d", what, t, n,
                KAFKA_TOPIC_MAX);
    }
    free(t);
}

typedef struct topic_use {
    const char *topic;
    diag_pos at;
    bool default_dlq; /* "<topic>.dlq": collides exactly when its topic does */
} topic_use;

static void check_binding(checker *C, const kafka_binding *k, topic_use **uses, size_t *n)
{
    if (!k->topic)
        return;
    bool dlq_default = k->dlq_topic && !k->dlq_set;
    check_topic(C, k->topic, k->topic_pos, "topic", false);
    if (k->dlq_topic && !dlq_default)
        check_topic(C, k->dlq_topic, k->dlq_pos, "dlq_topic", false);
    else if (k->dlq_topic && strlen(k->topic) <= KAFKA_TOPIC_MAX &&
             strlen(k->dlq_topic) > KAFKA_TOPIC_MAX) /* the default "<topic>.dlq" */
        check_topic(C, k->dlq_topic, k->topic_pos, "dlq_topic", true);
    *(topic_use *)xappend(uses, n, sizeof **uses) = (topic_use){k->topic, k->topic_pos, false};
    if (k->dlq_topic)
        *(topic_use *)xappend(uses, n, sizeof **uses) =
            (topic_use){k->dlq_topic, dlq_default ? k->topic_pos : k->dlq_pos, dlq_default};
}

/* Equal once '.' and '_' are the same character, but not equal. */
static bool collide(const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return false;
    for (; *a && *b; a++, b++)
        if (*a != *b && !((*a == '.' || *a == '_') && (*b == '.' || *b == '_')))
            return false;
    return *a == *b;
}

static void check_wire_text(checker *C, const char *text, diag_pos at, const char *what)
{
    if (text && strlen(text) > WIRE_TEXT_MAX) {
        char *t = shown(text);
        ERR(C, at,
            "%s \"%s\" is %zu bytes long; at most %d: it becomes a C string literal, and C "
            "compilers need not accept one beyond 4095 bytes",
            what, t, strlen(text), WIRE_TEXT_MAX);
        free(t);
    }
}

static void check_name(checker *C, const char *name, diag_pos at, const char *what)
{
    if (name && strlen(name) > NAME_MAX) {
        char *t = shown(name);
        ERR(C, at, "%s '%s' is %zu bytes long; names may have at most %d", what, t, strlen(name),
            NAME_MAX);
        free(t);
    }
}

void check_kafka_names(checker *C)
{
    schema *s = C->s;
    topic_use *uses = NULL;
    size_t n = 0;
    for (size_t i = 0; i < s->n_messages; i++)
        check_binding(C, &s->messages[i]->kafka, &uses, &n);
    for (size_t i = 0; i < s->n_unions; i++)
        check_binding(C, &s->unions[i]->kafka, &uses, &n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (!(uses[i].default_dlq && uses[j].default_dlq) &&
                collide(uses[i].topic, uses[j].topic)) {
                char *a = shown(uses[i].topic), *b = shown(uses[j].topic);
                diag_warning(C->diags, C->path, uses[i].at,
                             "topic \"%s\" differs from \"%s\" only by '.' versus '_': Kafka "
                             "warns that such topics collide in its metric names",
                             a, b);
                diag_note(C->diags, C->path, uses[j].at, "\"%s\" is here", b);
                free(a);
                free(b);
                break;
            }
    free(uses);
    check_name(C, s->name, s->name_pos, "schema name");
    for (size_t i = 0; i < s->n_messages; i++) {
        const message_def *m = s->messages[i];
        check_name(C, m->name, m->pos, "message name");
        for (size_t j = 0; j < m->n_fields; j++) {
            const field_def *f = &m->fields[j];
            check_name(C, f->name, f->pos, "field name");
            check_wire_text(C, f->wire_name, f->pos, "wire_name");
            if (f->type.kind == T_STRING || f->type.kind == T_DECIMAL)
                check_wire_text(C, f->default_text, f->default_pos, "default");
        }
    }
    for (size_t i = 0; i < s->n_enums; i++) {
        check_name(C, s->enums[i]->name, s->enums[i]->pos, "enum name");
        for (size_t j = 0; j < s->enums[i]->n_values; j++) {
            check_name(C, s->enums[i]->values[j].name, s->enums[i]->values[j].pos,
                       "enum value name");
            check_wire_text(C, s->enums[i]->values[j].wire, s->enums[i]->values[j].pos,
                            "enum wire string");
        }
    }
    for (size_t i = 0; i < s->n_unions; i++) {
        const union_def *u = s->unions[i];
        check_name(C, u->name, u->pos, "union name");
        check_wire_text(C, u->discriminator, u->pos, "discriminator");
        for (size_t j = 0; j < u->n_variants; j++) {
            check_name(C, u->variants[j].name, u->variants[j].pos, "variant name");
            check_wire_text(C, u->variants[j].tag, u->variants[j].pos, "variant tag");
        }
    }
}
