/* tg_error: errors as values for every Kafka call of the topicgen runtime.
 *
 * A call that can fail takes a `tg_error *err` (may be NULL) and returns an
 * int: 0 (TG_ERR_NONE) on success, else one of tg_error_code, which is also
 * stored in err->code together with a one-line message naming what failed
 * (the property, the topic, librdkafka's own error string).  Nothing here
 * allocates; a tg_error is a plain value the caller owns (usually on the
 * stack).  Not used by the JSON codec, which has its own error records. */
#ifndef TG_ERROR_H
#define TG_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tg_error_code {
    TG_ERR_NONE = 0,      /* success                                              */
    TG_ERR_ARG,           /* a NULL or out-of-range argument                      */
    TG_ERR_CONFIG,        /* unknown or invalid configuration property            */
    TG_ERR_IO,            /* a file could not be read                             */
    TG_ERR_NOMEM,         /* malloc failed                                        */
    TG_ERR_ENCODE,        /* desc->encode failed                                  */
    TG_ERR_QUEUE_FULL,    /* librdkafka's local queue is full: poll, then resend  */
    TG_ERR_KAFKA,         /* any other librdkafka error (message has its text)    */
    TG_ERR_TIMEOUT,       /* a bounded wait ran out                               */
    TG_ERR_STATE,         /* call not valid in the object's current state         */
    TG_ERR_UNAVAILABLE    /* no broker reachable for longer than the configured
                             bound (topicgen.producer.unavailable.ms): fail fast  */
} tg_error_code;

typedef struct tg_error {
    int code;             /* a tg_error_code; 0 = no error                        */
    char message[256];    /* NUL-terminated, truncated to fit                     */
    int cause;            /* the underlying library's code when it has one, e.g.
                             librdkafka's rd_kafka_resp_err_t behind TG_ERR_KAFKA
                             or TG_ERR_QUEUE_FULL (RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE
                             for a record over message.max.bytes); 0 otherwise    */
} tg_error;

/* Reset err to "no error".  err may be NULL.  Thread-safe (touches only err). */
void tg_error_clear(tg_error *err);

/* Record code and a printf-style message in err (if err is not NULL;
 * cause becomes 0: set it after the call when there is one) and return code, so callers can write `return tg_error_set(err, ...)`.
 * The message is truncated to 255 bytes.  Thread-safe (touches only err). */
int tg_error_set(tg_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Static name of a tg_error_code ("TG_ERR_CONFIG"), "TG_ERR_?" if unknown. */
const char *tg_error_code_name(int code);

#ifdef __cplusplus
}
#endif

#endif /* TG_ERROR_H */
