/*
 * crm_translator.c: wire <-> domain mappings for schema "crm".
 *
 * Written once by topicgen 0.1.0 from crm.yaml as a field-by-field
 * skeleton; this file is yours: topicgen never overwrites it (unless
 * --force).  Replace the plain copies with real translations (units,
 * money, identifiers) and reject what your domain cannot hold.
 */
#include "crm_translator.h"

crm_Channel_domain crm_Channel_to_domain(crm_Channel value)
{
    switch (value) {
    case crm_Channel_EMAIL:
        return crm_Channel_EMAIL_domain;
    case crm_Channel_WHATSAPP:
        return crm_Channel_WHATSAPP_domain;
    case crm_Channel_WEB:
        return crm_Channel_WEB_domain;
    }
    return (crm_Channel_domain)0; /* not reached for decoded messages */
}

crm_Channel crm_Channel_from_domain(crm_Channel_domain value)
{
    switch (value) {
    case crm_Channel_EMAIL_domain:
        return crm_Channel_EMAIL;
    case crm_Channel_WHATSAPP_domain:
        return crm_Channel_WHATSAPP;
    case crm_Channel_WEB_domain:
        return crm_Channel_WEB;
    }
    return (crm_Channel)0; /* not reached for valid domain values */
}

bool crm_Attachment_to_domain(const crm_Attachment *wire, crm_Attachment_domain *out, tg_error *err)
{
    (void)err;
    out->file_name = wire->file_name;
    out->content_type = wire->content_type;
    out->size_bytes = wire->size_bytes;
    out->has_content = wire->has_content;
    out->content = wire->content;
    return true;
}

bool crm_Attachment_from_domain(const crm_Attachment_domain *in, crm_Attachment *wire, tg_arena *arena,
        tg_error *err)
{
    (void)arena;
    (void)err;
    crm_Attachment_init(wire);
    wire->file_name = in->file_name;
    wire->content_type = in->content_type;
    wire->size_bytes = in->size_bytes;
    wire->has_content = in->has_content;
    wire->content = in->content;
    return true;
}

bool crm_EmailReceived_to_domain(const crm_EmailReceived *wire, crm_EmailReceived_domain *out, tg_error *err)
{
    (void)err;
    out->message_id = wire->message_id;
    out->customer_id = wire->customer_id;
    out->received_at = wire->received_at;
    if (!common_CustomerIdentity_to_domain(&wire->customer, &out->customer, err))
        return false;
    out->subject = wire->subject;
    out->body_text = wire->body_text;
    out->has_attachments = wire->has_attachments;
    out->attachments.items = wire->attachments.items;
    out->attachments.count = wire->attachments.count;
    return true;
}

bool crm_EmailReceived_from_domain(const crm_EmailReceived_domain *in, crm_EmailReceived *wire, tg_arena *arena,
        tg_error *err)
{
    (void)arena;
    (void)err;
    crm_EmailReceived_init(wire);
    wire->message_id = in->message_id;
    wire->customer_id = in->customer_id;
    wire->received_at = in->received_at;
    if (!common_CustomerIdentity_from_domain(&in->customer, &wire->customer, arena, err))
        return false;
    wire->subject = in->subject;
    wire->body_text = in->body_text;
    wire->has_attachments = in->has_attachments;
    wire->attachments.items = in->attachments.items;
    wire->attachments.count = in->attachments.count;
    return true;
}

bool crm_WhatsappReceived_to_domain(const crm_WhatsappReceived *wire, crm_WhatsappReceived_domain *out, tg_error *err)
{
    (void)err;
    out->message_id = wire->message_id;
    out->customer_id = wire->customer_id;
    out->received_at = wire->received_at;
    if (!common_CustomerIdentity_to_domain(&wire->customer, &out->customer, err))
        return false;
    out->wa_id = wire->wa_id;
    out->text = wire->text;
    out->is_reply = wire->is_reply;
    return true;
}

bool crm_WhatsappReceived_from_domain(const crm_WhatsappReceived_domain *in, crm_WhatsappReceived *wire, tg_arena *arena,
        tg_error *err)
{
    (void)arena;
    (void)err;
    crm_WhatsappReceived_init(wire);
    wire->message_id = in->message_id;
    wire->customer_id = in->customer_id;
    wire->received_at = in->received_at;
    if (!common_CustomerIdentity_from_domain(&in->customer, &wire->customer, arena, err))
        return false;
    wire->wa_id = in->wa_id;
    wire->text = in->text;
    wire->is_reply = in->is_reply;
    return true;
}

bool crm_FormSubmitted_to_domain(const crm_FormSubmitted *wire, crm_FormSubmitted_domain *out, tg_error *err)
{
    (void)err;
    out->message_id = wire->message_id;
    out->customer_id = wire->customer_id;
    out->received_at = wire->received_at;
    if (!common_CustomerIdentity_to_domain(&wire->customer, &out->customer, err))
        return false;
    out->form_id = wire->form_id;
    out->fields.items = wire->fields.items;
    out->fields.count = wire->fields.count;
    out->has_score = wire->has_score;
    out->score = wire->score;
    return true;
}

bool crm_FormSubmitted_from_domain(const crm_FormSubmitted_domain *in, crm_FormSubmitted *wire, tg_arena *arena,
        tg_error *err)
{
    (void)arena;
    (void)err;
    crm_FormSubmitted_init(wire);
    wire->message_id = in->message_id;
    wire->customer_id = in->customer_id;
    wire->received_at = in->received_at;
    if (!common_CustomerIdentity_from_domain(&in->customer, &wire->customer, arena, err))
        return false;
    wire->form_id = in->form_id;
    wire->fields.items = in->fields.items;
    wire->fields.count = in->fields.count;
    wire->has_score = in->has_score;
    wire->score = in->score;
    return true;
}
