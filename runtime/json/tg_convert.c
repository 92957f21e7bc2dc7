/*
 * tg_convert.c: exact wire <-> domain conversions (see tg_convert.h).
 */
#include "tg_convert.h"

#include <string.h>

#include "tg_text_int.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil algorithm). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t digits(const char *p, int n)
{
    int64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (p[i] - '0');
    return v;
}

bool tg_timestamp_parse(tg_str text, int64_t *unix_seconds, int32_t *nanos)
{
    const char *s = text.ptr;
    if (text.len < 20 || tg_text_timestamp(s, text.len) != NULL)
        return false; /* tg_text_timestamp returns why it is invalid, or NULL */
    int64_t days = days_from_civil(digits(s, 4), digits(s + 5, 2), digits(s + 8, 2));
    int64_t secs = days * 86400 + digits(s + 11, 2) * 3600 + digits(s + 14, 2) * 60 + digits(s + 17, 2);
    size_t i = 19;
    int32_t ns = 0;
    if (s[i] == '.') {
        int n = 0;
        for (i++; i < text.len && s[i] >= '0' && s[i] <= '9'; i++, n++)
            if (n < 9)
                ns = ns * 10 + (s[i] - '0');
        for (; n < 9; n++)
            ns *= 10;
    }
    if (s[i] == '+' || s[i] == '-') {
        int64_t offset = digits(s + i + 1, 2) * 3600 + digits(s + i + 4, 2) * 60;
        secs -= s[i] == '+' ? offset : -offset;
    }
    *unix_seconds = secs;
    *nanos = ns;
    return true;
}

bool tg_timestamp_to_unix_ms(tg_str text, int64_t *unix_ms)
{
    int64_t secs;
    int32_t ns;
    if (!tg_timestamp_parse(text, &secs, &ns))
        return false;
    *unix_ms = secs * 1000 + ns / 1000000;
    return true;
}

bool tg_decimal_to_scaled(tg_str text, unsigned scale, int64_t *out)
{
    const char *p = text.ptr, *end = text.ptr + text.len;
    if (!tg_text_is_decimal(p, text.len))
        return false;
    bool negative = *p == '-';
    p += negative;
    /* Collect the digits and where the decimal point sits. */
    char mant[64];
    size_t n = 0;
    long point = -1, exp = 0;
    for (; p < end && *p != 'e' && *p != 'E'; p++) {
        if (*p == '.') {
            point = (long)n;
        } else {
            if (n == sizeof mant)
                return false;
            mant[n++] = *p;
        }
    }
    if (p < end) {
        bool eneg = *++p == '-';
        p += *p == '+' || *p == '-';
        for (; p < end; p++) {
            if (exp > 100000)
                return false;
            exp = exp * 10 + (*p - '0');
        }
        exp = eneg ? -exp : exp;
    }
    long frac = (point < 0 ? 0 : (long)n - point) - exp; /* digits after the point */
    long shift = (long)scale - frac;                      /* extra zeros to append */
    uint64_t v = 0;
    long keep = shift >= 0 ? (long)n : (long)n + shift;   /* digits that stay */
    for (long i = 0; i < (long)n; i++) {
        if (i >= keep) {
            if (mant[i] != '0')
                return false; /* more precision than scale: no rounding */
            continue;
        }
        if (v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(mant[i] - '0');
    }
    for (long i = 0; i < shift; i++) {
        if (v > UINT64_MAX / 10)
            return false;
        v *= 10;
    }
    if (v > (uint64_t)INT64_MAX + negative)
        return false;
    *out = negative ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

bool tg_str_copy(tg_str s, char *buf, size_t cap)
{
    if (s.len >= cap || (s.len && memchr(s.ptr, '\0', s.len)))
        return false;
    if (s.len)
        memcpy(buf, s.ptr, s.len);
    buf[s.len] = '\0';
    return true;
}
