/*
 * workflow_domain.h: domain types for schema "workflow".
 *
 * Written once by topicgen 0.1.0 from workflow.yaml as a starting point;
 * this file is yours: topicgen never overwrites it (unless --force).  Shape
 * the types the way your application wants them; workflow_translator.c maps
 * wire messages onto them.
 */
#ifndef TOPICGEN_WORKFLOW_DOMAIN_H_INCLUDED
#define TOPICGEN_WORKFLOW_DOMAIN_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "workflow.h"

typedef enum workflow_EventType_domain {
    workflow_EventType_WORKFLOW_STARTED_domain,
    workflow_EventType_WORKFLOW_COMPLETED_domain,
    workflow_EventType_WORKFLOW_FAILED_domain,
    workflow_EventType_STEP_STARTED_domain,
    workflow_EventType_STEP_COMPLETED_domain,
    workflow_EventType_STEP_FAILED_domain
} workflow_EventType_domain;

typedef enum workflow_EventSource_domain {
    workflow_EventSource_SCHEDULER_domain,
    workflow_EventSource_WORKER_domain,
    workflow_EventSource_API_domain,
    workflow_EventSource_MANUAL_domain
} workflow_EventSource_domain;

typedef struct workflow_EventMetadata_domain {
    bool has_correlation_id;
    tg_str correlation_id;
    uint32_t attempt;
    bool has_tags;
    struct { workflow_EventMetadata_tags_entry *items; size_t count; } tags;
} workflow_EventMetadata_domain;

typedef struct workflow_EventPayload_domain {
    tg_str data;
    bool has_metadata;
    workflow_EventMetadata_domain metadata;
} workflow_EventPayload_domain;

typedef struct workflow_WorkflowEvent_domain {
    tg_uuid event_id;
    workflow_EventType_domain event_type;
    workflow_EventSource_domain source;
    tg_str workflow_id;
    tg_str workflow_run_id;
    bool has_step_name;
    bool step_name_is_null;
    tg_str step_name;
    tg_str timestamp;
    bool has_duration_ms;
    int64_t duration_ms;
    workflow_EventPayload_domain payload;
} workflow_WorkflowEvent_domain;

#endif /* TOPICGEN_WORKFLOW_DOMAIN_H_INCLUDED */
