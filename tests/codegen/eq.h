/*
 * eq.h: deep equality of generated messages, for round-trip checks.
 * Strings and bytes compare by content, doubles by bit pattern (so -0.0 and
 * subnormals must survive), optional/nullable members by their flags and,
 * when present, their value.  On a difference the first differing member is
 * printed to stderr (as "Type.member") and false returned.
 */
#ifndef CODEGEN_EQ_H
#define CODEGEN_EQ_H

#include <stdbool.h>

#include "crm.h"
#include "orders.h"
#include "workflow.h"

bool eq_orders_LineItem(const orders_LineItem *a, const orders_LineItem *b);
bool eq_orders_OrderEvent(const orders_OrderEvent *a, const orders_OrderEvent *b);
bool eq_workflow_EventMetadata(const workflow_EventMetadata *a, const workflow_EventMetadata *b);
bool eq_workflow_EventPayload(const workflow_EventPayload *a, const workflow_EventPayload *b);
bool eq_workflow_WorkflowEvent(const workflow_WorkflowEvent *a, const workflow_WorkflowEvent *b);
bool eq_common_CustomerIdentity(const common_CustomerIdentity *a, const common_CustomerIdentity *b);
bool eq_crm_Attachment(const crm_Attachment *a, const crm_Attachment *b);
bool eq_crm_EmailReceived(const crm_EmailReceived *a, const crm_EmailReceived *b);
bool eq_crm_WhatsappReceived(const crm_WhatsappReceived *a, const crm_WhatsappReceived *b);
bool eq_crm_FormSubmitted(const crm_FormSubmitted *a, const crm_FormSubmitted *b);
bool eq_crm_InboundMessage(const crm_InboundMessage *a, const crm_InboundMessage *b);

/* When true, `json` fields are not compared (their text legitimately
 * differs after the JSON around them was re-spelled).  Default false. */
extern bool eq_ignore_json;

/* Content equality of two string views (a NULL ptr with len 0 is ""). */
bool eq_str(tg_str a, tg_str b);
/* True when s has exactly the NUL-terminated text t. */
bool str_is(tg_str s, const char *t);

#endif /* CODEGEN_EQ_H */
