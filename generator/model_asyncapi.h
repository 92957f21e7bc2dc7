/*
 * model_asyncapi.h - `--emit asyncapi`: one AsyncAPI 3.0 document per
 * schema file (<schema>.asyncapi.json): a channel per topic and per
 * dead-letter topic with its Kafka binding, one message per Kafka type
 * (payload: the type's JSON Schema in components.schemas, headers the
 * typed producer sends, the key's schema), the dead-letter envelope, and
 * send and receive operations.  docs/emitters.md, "AsyncAPI", says how each
 * schema construct is written so that it reads back unambiguously.
 */
#ifndef TOPICGEN_MODEL_ASYNCAPI_H
#define TOPICGEN_MODEL_ASYNCAPI_H

#include "mustache.h"
#include "schema.h"

/* extend_model of the asyncapi emitter: the aa_* keys. */
void asyncapi_extend_model(mu_node *model, const schema *s);

#endif /* TOPICGEN_MODEL_ASYNCAPI_H */
