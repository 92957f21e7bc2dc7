/*
 * tg_convert.h: conversions translators need between wire values and domain
 * values, done exactly: RFC 3339 timestamps to Unix time, decimal text to
 * scaled integers (money in cents, never through a double), and bounded
 * string copies.
 *
 * Pure functions: no allocation, no global state, thread-safe.
 */
#ifndef TG_CONVERT_H
#define TG_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tg_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Parse an RFC 3339 date-time ("2024-02-29T12:00:00.5+01:00") into seconds
 * since 1970-01-01T00:00:00Z and nanoseconds (fraction digits past 9 are
 * truncated).  Returns false when the text is not a valid date-time. */
bool tg_timestamp_parse(tg_str text, int64_t *unix_seconds, int32_t *nanos);

/* Milliseconds since the Unix epoch of an RFC 3339 date-time (fraction
 * truncated to milliseconds); false when invalid. */
bool tg_timestamp_to_unix_ms(tg_str text, int64_t *unix_ms);

/* Decimal text ("12.5", "-0.07", "3e2") times 10^scale as an exact integer:
 * "12.5" with scale 2 is 1250.  Returns false when the text is not a decimal
 * number, when it has more significant fraction digits than `scale` (no
 * silent rounding), or when the result does not fit in int64_t. */
bool tg_decimal_to_scaled(tg_str text, unsigned scale, int64_t *out);

/* Copy s into buf[0..cap) with a terminating NUL.  Returns false (and copies
 * nothing) when s does not fit or contains a NUL byte. */
bool tg_str_copy(tg_str s, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* TG_CONVERT_H */
