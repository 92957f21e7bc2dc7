/*
 * workflow_translator.c: wire <-> domain mappings for schema "workflow".
 *
 * Written once by topicgen 0.1.0 from workflow.yaml as a field-by-field
 * skeleton; this file is yours: topicgen never overwrites it (unless
 * --force).  Replace the plain copies with real translations (units,
 * money, identifiers) and reject what your domain cannot hold.
 */
#include "workflow_translator.h"

workflow_EventType_domain workflow_EventType_to_domain(workflow_EventType value)
{
    switch (value) {
    case workflow_EventType_WORKFLOW_STARTED:
        return workflow_EventType_WORKFLOW_STARTED_domain;
    case workflow_EventType_WORKFLOW_COMPLETED:
        return workflow_EventType_WORKFLOW_COMPLETED_domain;
    case workflow_EventType_WORKFLOW_FAILED:
        return workflow_EventType_WORKFLOW_FAILED_domain;
    case workflow_EventType_STEP_STARTED:
        return workflow_EventType_STEP_STARTED_domain;
    case workflow_EventType_STEP_COMPLETED:
        return workflow_EventType_STEP_COMPLETED_domain;
    case workflow_EventType_STEP_FAILED:
        return workflow_EventType_STEP_FAILED_domain;
    }
    return (workflow_EventType_domain)0; /* not reached for decoded messages */
}

workflow_EventType workflow_EventType_from_domain(workflow_EventType_domain value)
{
    switch (value) {
    case workflow_EventType_WORKFLOW_STARTED_domain:
        return workflow_EventType_WORKFLOW_STARTED;
    case workflow_EventType_WORKFLOW_COMPLETED_domain:
        return workflow_EventType_WORKFLOW_COMPLETED;
    case workflow_EventType_WORKFLOW_FAILED_domain:
        return workflow_EventType_WORKFLOW_FAILED;
    case workflow_EventType_STEP_STARTED_domain:
        return workflow_EventType_STEP_STARTED;
    case workflow_EventType_STEP_COMPLETED_domain:
        return workflow_EventType_STEP_COMPLETED;
    case workflow_EventType_STEP_FAILED_domain:
        return workflow_EventType_STEP_FAILED;
    }
    return (workflow_EventType)0; /* not reached for valid domain values */
}

workflow_EventSource_domain workflow_EventSource_to_domain(workflow_EventSource value)
{
    switch (value) {
    case workflow_EventSource_SCHEDULER:
        return workflow_EventSource_SCHEDULER_domain;
    case workflow_EventSource_WORKER:
        return workflow_EventSource_WORKER_domain;
    case workflow_EventSource_API:
        return workflow_EventSource_API_domain;
    case workflow_EventSource_MANUAL:
        return workflow_EventSource_MANUAL_domain;
    }
    return (workflow_EventSource_domain)0; /* not reached for decoded messages */
}

workflow_EventSource workflow_EventSource_from_domain(workflow_EventSource_domain value)
{
    switch (value) {
    case workflow_EventSource_SCHEDULER_domain:
        return workflow_EventSource_SCHEDULER;
    case workflow_EventSource_WORKER_domain:
        return workflow_EventSource_WORKER;
    case workflow_EventSource_API_domain:
        return workflow_EventSource_API;
    case workflow_EventSource_MANUAL_domain:
        return workflow_EventSource_MANUAL;
    }
    return (workflow_EventSource)0; /* not reached for valid domain values */
}

bool workflow_EventMetadata_to_domain(const workflow_EventMetadata *wire, workflow_EventMetadata_domain *out, tg_error *err)
{
    (void)err;
    out->has_correlation_id = wire->has_correlation_id;
    out->correlation_id = wire->correlation_id;
    out->attempt = wire->attempt;
    out->has_tags = wire->has_tags;
    out->tags.items = wire->tags.items;
    out->tags.count = wire->tags.count;
    return true;
}

bool workflow_EventMetadata_from_domain(const workflow_EventMetadata_domain *in, workflow_EventMetadata *wire, tg_arena *arena,
        tg_error *err)
{
    (void)arena;
    (void)err;
    workflow_EventMetadata_init(wire);
    wire->has_correlation_id = in->has_correlation_id;
    wire->correlation_id = in->correlation_id;
    wire->attempt = in->attempt;
    wire->has_tags = in->has_tags;
    wire->tags.items = in->tags.items;
    wire->tags.count = in->tags.count;
    return true;
}

bool workflow_EventPayload_to_domain(const workflow_EventPayload *wire, workflow_EventPayload_domain *out, tg_error *err)
{
    (void)err;
    out->data = wire->data;
    out->has_metadata = wire->has_metadata;
    if (!workflow_EventMetadata_to_domain(&wire->metadata, &out->metadata, err))
        return false;
    return true;
}

bool workflow_EventPayload_from_domain(const workflow_EventPayload_domain *in, workflow_EventPayload *wire, tg_arena *arena,
        tg_error *err)
{
    (void)arena;
    (void)err;
    workflow_EventPayload_init(wire);
    wire->data = in->data;
    wire->has_metadata = in->has_metadata;
    if (!workflow_EventMetadata_from_domain(&in->metadata, &wire->metadata, arena, err))
        return false;
    return true;
}

bool workflow_WorkflowEvent_to_domain(const workflow_WorkflowEvent *wire, workflow_WorkflowEvent_domain *out, tg_error *err)
{
    (void)err;
    out->event_id = wire->event_id;
    out->event_type = workflow_EventType_to_domain(wire->event_type);
    out->source = workflow_EventSource_to_domain(wire->source);
    out->workflow_id = wire->workflow_id;
    out->workflow_run_id = wire->workflow_run_id;
    out->has_step_name = wire->has_step_name;
    out->step_name_is_null = wire->step_name_is_null;
    out->step_name = wire->step_name;
    out->timestamp = wire->timestamp;
    out->has_duration_ms = wire->has_duration_ms;
    out->duration_ms = wire->duration_ms;
    if (!workflow_EventPayload_to_domain(&wire->payload, &out->payload, err))
        return false;
    return true;
}

bool workflow_WorkflowEvent_from_domain(const workflow_WorkflowEvent_domain *in, workflow_WorkflowEvent *wire, tg_arena *arena,
        tg_error *err)
{
    (void)arena;
    (void)err;
    workflow_WorkflowEvent_init(wire);
    wire->event_id = in->event_id;
    wire->event_type = workflow_EventType_from_domain(in->event_type);
    wire->source = workflow_EventSource_from_domain(in->source);
    wire->workflow_id = in->workflow_id;
    wire->workflow_run_id = in->workflow_run_id;
    wire->has_step_name = in->has_step_name;
    wire->step_name_is_null = in->step_name_is_null;
    wire->step_name = in->step_name;
    wire->timestamp = in->timestamp;
    wire->has_duration_ms = in->has_duration_ms;
    wire->duration_ms = in->duration_ms;
    if (!workflow_EventPayload_from_domain(&in->payload, &wire->payload, arena, err))
        return false;
    return true;
}
