/*
 * crm_domain.h: domain types for schema "crm".
 *
 * Written once by topicgen 0.1.0 from crm.yaml as a starting point;
 * this file is yours: topicgen never overwrites it (unless --force).  Shape
 * the types the way your application wants them; crm_translator.c maps
 * wire messages onto them.
 */
#ifndef TOPICGEN_CRM_DOMAIN_H_INCLUDED
#define TOPICGEN_CRM_DOMAIN_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crm.h"
#include "common_domain.h" /* imported schema common */

typedef enum crm_Channel_domain {
    crm_Channel_EMAIL_domain,
    crm_Channel_WHATSAPP_domain,
    crm_Channel_WEB_domain
} crm_Channel_domain;

typedef struct crm_Attachment_domain {
    tg_str file_name;
    tg_str content_type;
    uint64_t size_bytes;
    bool has_content;
    tg_bytes content;
} crm_Attachment_domain;

typedef struct crm_EmailReceived_domain {
    tg_str message_id;
    tg_str customer_id;
    tg_str received_at;
    common_CustomerIdentity_domain customer;
    tg_str subject;
    tg_str body_text;
    bool has_attachments;
    struct { crm_Attachment *items; size_t count; } attachments;
} crm_EmailReceived_domain;

typedef struct crm_WhatsappReceived_domain {
    tg_str message_id;
    tg_str customer_id;
    tg_str received_at;
    common_CustomerIdentity_domain customer;
    tg_str wa_id;
    tg_str text;
    bool is_reply;
} crm_WhatsappReceived_domain;

typedef struct crm_FormSubmitted_domain {
    tg_str message_id;
    tg_str customer_id;
    tg_str received_at;
    common_CustomerIdentity_domain customer;
    tg_str form_id;
    struct { crm_FormSubmitted_fields_entry *items; size_t count; } fields;
    bool has_score;
    double score;
} crm_FormSubmitted_domain;

#endif /* TOPICGEN_CRM_DOMAIN_H_INCLUDED */
