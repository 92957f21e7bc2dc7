/* eq.c: deep equality of generated messages (see eq.h). */
#include "eq.h"

#include <stdio.h>
#include <string.h>

bool eq_ignore_json;

static bool differ(const char *what)
{
    fprintf(stderr, "  differs: %s\n", what);
    return false;
}

bool eq_str(tg_str a, tg_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool str_is(tg_str s, const char *t)
{
    return eq_str(s, (tg_str){t, strlen(t)});
}

static bool eq_bytes(tg_bytes a, tg_bytes b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static bool eq_double(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

#define EQ(cond, what)                                                        \
    do {                                                                      \
        if (!(cond))                                                          \
            return differ(what);                                              \
    } while (0)
#define EQ_STR(T, f) EQ(eq_str(a->f, b->f), #T "." #f)
#define EQ_VAL(T, f) EQ(a->f == b->f, #T "." #f)
#define EQ_OPT(T, f, cmp)                                                     \
    do {                                                                      \
        EQ(a->has_##f == b->has_##f, #T ".has_" #f);                          \
        if (a->has_##f)                                                       \
            EQ(cmp, #T "." #f);                                               \
    } while (0)

bool eq_orders_LineItem(const orders_LineItem *a, const orders_LineItem *b)
{
    EQ_STR(LineItem, line_item_id);
    EQ_STR(LineItem, product_id);
    EQ_STR(LineItem, product_title);
    EQ_VAL(LineItem, quantity);
    EQ_STR(LineItem, price);
    return true;
}

bool eq_orders_OrderEvent(const orders_OrderEvent *a, const orders_OrderEvent *b)
{
    EQ_STR(OrderEvent, order_id);
    EQ_STR(OrderEvent, created_at);
    EQ_STR(OrderEvent, customer_name);
    EQ_VAL(OrderEvent, line_items.count);
    for (size_t i = 0; i < a->line_items.count; i++)
        EQ(eq_orders_LineItem(&a->line_items.items[i], &b->line_items.items[i]),
           "OrderEvent.line_items[i]");
    EQ_STR(OrderEvent, total_price);
    EQ_STR(OrderEvent, currency);
    EQ_VAL(OrderEvent, status);
    EQ_OPT(OrderEvent, note, eq_str(a->note, b->note));
    return true;
}

bool eq_workflow_EventMetadata(const workflow_EventMetadata *a, const workflow_EventMetadata *b)
{
    EQ_OPT(EventMetadata, correlation_id, eq_str(a->correlation_id, b->correlation_id));
    EQ_VAL(EventMetadata, attempt);
    EQ(a->has_tags == b->has_tags, "EventMetadata.has_tags");
    if (a->has_tags) {
        EQ_VAL(EventMetadata, tags.count);
        for (size_t i = 0; i < a->tags.count; i++) {
            EQ(eq_str(a->tags.items[i].key, b->tags.items[i].key), "EventMetadata.tags[i].key");
            EQ(eq_str(a->tags.items[i].value, b->tags.items[i].value),
               "EventMetadata.tags[i].value");
        }
    }
    return true;
}

bool eq_workflow_EventPayload(const workflow_EventPayload *a, const workflow_EventPayload *b)
{
    if (!eq_ignore_json)
        EQ_STR(EventPayload, data);
    EQ_OPT(EventPayload, metadata, eq_workflow_EventMetadata(&a->metadata, &b->metadata));
    return true;
}

bool eq_workflow_WorkflowEvent(const workflow_WorkflowEvent *a, const workflow_WorkflowEvent *b)
{
    EQ(memcmp(a->event_id.bytes, b->event_id.bytes, 16) == 0, "WorkflowEvent.event_id");
    EQ_VAL(WorkflowEvent, event_type);
    EQ_VAL(WorkflowEvent, source);
    EQ_STR(WorkflowEvent, workflow_id);
    EQ_STR(WorkflowEvent, workflow_run_id);
    EQ(a->has_step_name == b->has_step_name, "WorkflowEvent.has_step_name");
    if (a->has_step_name) {
        EQ_VAL(WorkflowEvent, step_name_is_null);
        if (!a->step_name_is_null)
            EQ_STR(WorkflowEvent, step_name);
    }
    EQ_STR(WorkflowEvent, timestamp);
    EQ_OPT(WorkflowEvent, duration_ms, a->duration_ms == b->duration_ms);
    EQ(eq_workflow_EventPayload(&a->payload, &b->payload), "WorkflowEvent.payload");
    return true;
}

bool eq_common_CustomerIdentity(const common_CustomerIdentity *a, const common_CustomerIdentity *b)
{
    EQ_OPT(CustomerIdentity, email, eq_str(a->email, b->email));
    EQ_OPT(CustomerIdentity, phone, eq_str(a->phone, b->phone));
    EQ(a->has_name == b->has_name, "CustomerIdentity.has_name");
    if (a->has_name) {
        EQ_VAL(CustomerIdentity, name_is_null);
        if (!a->name_is_null)
            EQ_STR(CustomerIdentity, name);
    }
    EQ_OPT(CustomerIdentity, external_id, eq_str(a->external_id, b->external_id));
    return true;
}

bool eq_crm_Attachment(const crm_Attachment *a, const crm_Attachment *b)
{
    EQ_STR(Attachment, file_name);
    EQ_STR(Attachment, content_type);
    EQ_VAL(Attachment, size_bytes);
    EQ_OPT(Attachment, content, eq_bytes(a->content, b->content));
    return true;
}

#define EQ_INBOUND_COMMON(T)                                                  \
    do {                                                                      \
        EQ_STR(T, message_id);                                                \
        EQ_STR(T, customer_id);                                               \
        EQ_STR(T, received_at);                                               \
        EQ(eq_common_CustomerIdentity(&a->customer, &b->customer), #T ".customer"); \
    } while (0)

bool eq_crm_EmailReceived(const crm_EmailReceived *a, const crm_EmailReceived *b)
{
    EQ_INBOUND_COMMON(EmailReceived);
    EQ_STR(EmailReceived, subject);
    EQ_STR(EmailReceived, body_text);
    EQ(a->has_attachments == b->has_attachments, "EmailReceived.has_attachments");
    if (a->has_attachments) {
        EQ_VAL(EmailReceived, attachments.count);
        for (size_t i = 0; i < a->attachments.count; i++)
            EQ(eq_crm_Attachment(&a->attachments.items[i], &b->attachments.items[i]),
               "EmailReceived.attachments[i]");
    }
    return true;
}

bool eq_crm_WhatsappReceived(const crm_WhatsappReceived *a, const crm_WhatsappReceived *b)
{
    EQ_INBOUND_COMMON(WhatsappReceived);
    EQ_STR(WhatsappReceived, wa_id);
    EQ_STR(WhatsappReceived, text);
    EQ_VAL(WhatsappReceived, is_reply);
    return true;
}

bool eq_crm_FormSubmitted(const crm_FormSubmitted *a, const crm_FormSubmitted *b)
{
    EQ_INBOUND_COMMON(FormSubmitted);
    EQ_STR(FormSubmitted, form_id);
    EQ_VAL(FormSubmitted, fields.count);
    for (size_t i = 0; i < a->fields.count; i++) {
        EQ(eq_str(a->fields.items[i].key, b->fields.items[i].key), "FormSubmitted.fields[i].key");
        EQ(eq_str(a->fields.items[i].value, b->fields.items[i].value),
           "FormSubmitted.fields[i].value");
    }
    EQ_OPT(FormSubmitted, score, eq_double(a->score, b->score));
    return true;
}

bool eq_crm_InboundMessage(const crm_InboundMessage *a, const crm_InboundMessage *b)
{
    EQ_VAL(InboundMessage, kind);
    switch (a->kind) {
    case crm_InboundMessage_EMAIL_RECEIVED:
        return eq_crm_EmailReceived(&a->as.email_received, &b->as.email_received);
    case crm_InboundMessage_WHATSAPP_RECEIVED:
        return eq_crm_WhatsappReceived(&a->as.whatsapp_received, &b->as.whatsapp_received);
    case crm_InboundMessage_FORM_SUBMITTED:
        return eq_crm_FormSubmitted(&a->as.form_submitted, &b->as.form_submitted);
    case crm_InboundMessage_NONE:
        break;
    }
    return true;
}
