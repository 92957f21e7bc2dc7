/* tg_error: the errors-as-values helper shared by the Kafka runtime. */
#include "tg_error.h"

#include <stdarg.h>
#include <stdio.h>

void tg_error_clear(tg_error *err)
{
    if (err) {
        err->code = TG_ERR_NONE;
        err->message[0] = '\0';
        err->cause = 0;
    }
}

int tg_error_set(tg_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        err->cause = 0;
        (void)vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

const char *tg_error_code_name(int code)
{
    static const char *const names[] = {
        "TG_ERR_NONE", "TG_ERR_ARG", "TG_ERR_CONFIG", "TG_ERR_IO", "TG_ERR_NOMEM",
        "TG_ERR_ENCODE", "TG_ERR_QUEUE_FULL", "TG_ERR_KAFKA", "TG_ERR_TIMEOUT",
        "TG_ERR_STATE", "TG_ERR_UNAVAILABLE",
    };
    if (code < 0 || (size_t)code >= sizeof names / sizeof names[0])
        return "TG_ERR_?";
    return names[code];
}
