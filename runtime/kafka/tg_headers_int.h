/* tg_headers_int.h: the names of the Kafka headers topicgen's producers
 * write and its consumers read (docs/runtime.md), spelled once for the
 * runtime: the producer and the processor add them, tg_handle.c finds them
 * in one pass over a record's headers.  Private to runtime/kafka. */
#ifndef TG_HEADERS_INT_H
#define TG_HEADERS_INT_H

#define TG_HDR_SCHEMA "tg-schema"                 /* <schema>.<Type>            */
#define TG_HDR_SCHEMA_VERSION "tg-schema-version" /* decimal, no leading zero   */
#define TG_HDR_TRACEPARENT "traceparent"          /* W3C Trace Context          */

#endif /* TG_HEADERS_INT_H */
