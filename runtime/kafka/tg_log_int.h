/* tg_log_int.h (private to runtime/kafka, not installed): which logger a
 * client uses, written once for the consumer, producer and processor. */
#ifndef TG_LOG_INT_H
#define TG_LOG_INT_H

#include "tg_config.h"
#include "tg_log.h"

/* The caller's logger when given (copied), else the default one in the
 * format topicgen.log.format asks for. */
static inline tg_logger tg_logger_choose(const tg_logger *given, const tg_settings *s)
{
    if (given)
        return *given;
    return s->log_format == TG_LOG_FORMAT_JSON ? tg_logger_json() : tg_logger_default();
}

#endif /* TG_LOG_INT_H */
