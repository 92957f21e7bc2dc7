/*
 * tg_text.c: the text rules both JSON directions need, kept in one place so
 * that what the writer emits is exactly what the reader accepts: UTF-8
 * validation, the JSON number grammar and its locale-independent conversion
 * to double, shortest round-trip double formatting, RFC 3339 date-times,
 * UUIDs and base64.  Nothing here allocates or keeps state.
 */
#include "tg_text_int.h"
#include "tg_json.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- UTF-8 -------------------------------------------------------------- */

const unsigned char tg_text_hex_[256] = {
    ['0'] = 0x10, ['1'] = 0x11, ['2'] = 0x12, ['3'] = 0x13, ['4'] = 0x14,
    ['5'] = 0x15, ['6'] = 0x16, ['7'] = 0x17, ['8'] = 0x18, ['9'] = 0x19,
    ['a'] = 0x1A, ['b'] = 0x1B, ['c'] = 0x1C, ['d'] = 0x1D, ['e'] = 0x1E, ['f'] = 0x1F,
    ['A'] = 0x1A, ['B'] = 0x1B, ['C'] = 0x1C, ['D'] = 0x1D, ['E'] = 0x1E, ['F'] = 0x1F};

const char tg_text_short_escape_[256] = {
    ['"'] = '"',   ['\\'] = '\\', ['/'] = '/',   ['b'] = '\b',
    ['f'] = '\f', ['n'] = '\n',   ['r'] = '\r', ['t'] = '\t'};


size_t tg_utf8_check(const char *s, size_t n)
{
    const unsigned char *p, *end;

    if (n == 0)
        return 0;
    p = (const unsigned char *)s;
    end = p + n;

    while (p < end) {
        /* ASCII fast path: 8 bytes at a time. */
        while (end - p >= 8) {
            uint64_t v;
            memcpy(&v, p, 8);
            if (v & 0x8080808080808080u)
                break;
            p += 8;
        }
        if (p == end)
            break;
        if (*p < 0x80) {
            p++;
        } else {
            size_t k = tg_utf8_seq(p, end);
            if (k == 0)
                return (size_t)(p - (const unsigned char *)s);
            p += k;
        }
    }
    return n;
}

size_t tg_str_utf8_length(tg_str s)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    size_t i, n = 0;

    /* Count the bytes that start a code point (not 10xxxxxx). */
    for (i = 0; i < s.len; i++)
        n += (p[i] & 0xC0) != 0x80;
    return n;
}

/* ---- numbers ------------------------------------------------------------ */

/* Significant digits kept before the rest collapses into one sticky digit:
 * a decimal halfway between two doubles has at most 767 significant digits,
 * so 768 + sticky rounds exactly like the full text. */
#define TG_DIGITS_MAX 768

static const double tg_pow10[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* x87 extended precision (64-bit significand, little-endian layout) allows
 * a second exact path; elsewhere strtod covers it. */
#if LDBL_MANT_DIG == 64 && (defined(__x86_64__) || defined(__i386__)) && FLT_EVAL_METHOD == 0
#define TG_LDBL_PATH 1
static const long double tg_pow10l[28] = {
    1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
    1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
    1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
#else
#define TG_LDBL_PATH 0
#endif

bool tg_text_to_double(const char *s, size_t n, double *out)
{
    const char *p = s, *end = s + n;
    bool neg = false, sticky = false;
    uint64_t mant = 0;
    int nsig = 0;         /* significant digits seen (saturating at cap)   */
    long scale = 0;       /* value = digits * 10^(scale + exp)              */
    long exp = 0;
    char buf[TG_DIGITS_MAX + 32];
    int nbuf = 0;
    double v;

    if (p < end && *p == '-') {
        neg = true;
        p++;
    }
    for (; p < end && tg_text_is_digit_(*p); p++) {
        if (nsig == 0 && *p == '0')
            continue;
        if (nsig < TG_DIGITS_MAX) {
            if (nsig < 19)
                mant = mant * 10 + (uint64_t)(*p - '0');
            buf[nbuf++] = *p;
            nsig++;
        } else {
            sticky |= *p != '0';
            scale++;
        }
    }
    if (p < end && *p == '.') {
        for (p++; p < end && tg_text_is_digit_(*p); p++) {
            if (nsig == 0 && *p == '0') {
                scale--;
                continue;
            }
            if (nsig < TG_DIGITS_MAX) {
                if (nsig < 19)
                    mant = mant * 10 + (uint64_t)(*p - '0');
                buf[nbuf++] = *p;
                nsig++;
                scale--;
            } else {
                sticky |= *p != '0';
            }
        }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        bool eneg = false;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            eneg = *p++ == '-';
        for (; p < end && tg_text_is_digit_(*p); p++)
            if (exp < 100000000)
                exp = exp * 10 + (*p - '0');
        if (eneg)
            exp = -exp;
    }
    if (nsig == 0) {
        *out = neg ? -0.0 : 0.0;
        return true;
    }
    exp += scale;
#if FLT_EVAL_METHOD == 0
    /* Clinger's fast path: both operands exact, one correctly rounded op. */
    if (nsig <= 19 && mant <= ((uint64_t)1 << 53) && exp >= -22 && exp <= 22) {
        v = (double)mant;
        v = exp < 0 ? v / tg_pow10[-exp] : v * tg_pow10[exp];
        *out = neg ? -v : v;
        return true;
    }
#endif
#if TG_LDBL_PATH
    /* Up to 19 digits and |exp| <= 27 (10^27 is exact in 64 bits): one
     * x87 extended operation, then one rounding to double.  That double
     * rounding is correct unless the 11 bits dropped sit within one unit of
     * the halfway point; then the exact value could be on either side of it,
     * and strtod decides. */
    if (nsig <= 19 && exp >= -27 && exp <= 27) {
        long double x = (long double)mant;
        uint64_t m64;
        x = exp < 0 ? x / tg_pow10l[-exp] : x * tg_pow10l[exp];
        memcpy(&m64, &x, sizeof m64); /* the 64-bit significand */
        if ((m64 & 0x7FF) - 0x3FF > 2) {
            v = (double)x;
            *out = neg ? -v : v;
            return true;
        }
    }
#endif
    /* Beyond any double: decide without strtod. */
    if (exp + nsig > 400) {
        return false;
    }
    if (exp + nsig < -400) {
        *out = neg ? -0.0 : 0.0;
        return true;
    }
    if (sticky) {
        buf[nbuf++] = '1';
        exp--;
    }
    /* Integer digits and an exponent, no decimal point: strtod reads this
     * the same in every locale. */
    snprintf(buf + nbuf, sizeof buf - (size_t)nbuf, "e%ld", exp);
    v = strtod(buf, NULL);
    if (v > DBL_MAX)
        return false;
    *out = neg ? -v : v;
    return true;
}

/* Digits and decimal exponent of v (finite, nonzero) rounded to `prec`
 * significant digits, trailing zeros dropped.  Returns the digit count. */
static int round_digits(double v, int prec, char *dig, int *dexp)
{
    char tmp[48];
    int i, nd = 0, e = 0, esign = 1;

    snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
    /* "[-]d<point>ddde[+-]xx"; the point is the locale's, so skip non-digits. */
    for (i = 0; tmp[i] && tmp[i] != 'e'; i++)
        if (tg_text_is_digit_(tmp[i]))
            dig[nd++] = tmp[i];
    if (tmp[i] == 'e') {
        i++;
        if (tmp[i] == '-' || tmp[i] == '+')
            esign = tmp[i++] == '-' ? -1 : 1;
        for (; tg_text_is_digit_(tmp[i]); i++)
            e = e * 10 + (tmp[i] - '0');
    }
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;
    *dexp = esign * e;
    return nd;
}

/* Fast path for the common "short decimal" doubles (5.0, 0.1, 123.45):
 * find the fewest fraction digits k for which an integer m < 2^53 has
 * m / 10^k == v.  That division is exactly what reading "m e-k" computes
 * (Clinger's exact case), so the test is a true round trip, and the fewest
 * fraction digits give the fewest significant digits.  Only m rounded from
 * v * 10^k and its neighbours can qualify; when two do, the closest one is
 * wanted, so that rare case is left to the general path.  Returns false when
 * no such m exists (then the digits need 16 or 17 places or v is out of
 * range). */
static bool short_digits(double v, char *dig, int *nd, int *dexp)
{
    int k;
#if FLT_EVAL_METHOD != 0
    return false; /* the division must round once, to double */
#endif
    if (!(v >= 1e-7 && v < 1e15))
        return false;
    for (k = 0; k <= 22; k++) {
        double x = v * tg_pow10[k];
        uint64_t m, hit = 0, d;
        int hits = 0, i, nm;
        char tmp[20];
        if (x >= 9007199254740991.0)
            return false;
        m = (uint64_t)(x + 0.5);
        for (d = m ? m - 1 : m; d <= m + 1; d++)
            if (d != 0 && (double)d / tg_pow10[k] == v) {
                hit = d;
                hits++;
            }
        if (hits > 1)
            return false;
        if (hits == 0)
            continue;
        for (nm = 0; hit; hit /= 10)
            tmp[nm++] = (char)('0' + hit % 10);
        for (i = 0; i < nm; i++)
            dig[i] = tmp[nm - 1 - i];
        *dexp = nm - 1 - k; /* v = m * 10^-k, m has nm digits */
        while (nm > 1 && dig[nm - 1] == '0') /* only when k == 0 */
            nm--;
        *nd = nm;
        return true;
    }
    return false;
}

size_t tg_text_format_double(double v, char *buf)
{
    char dig[24] = "", tmp[48];
    int nd = 0, e = 0, prec, i;
    size_t n = 0;

    if (v == 0) {
        /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): length-counted text */
        memcpy(buf, signbit(v) ? "-0.0" : "0.0", 4);
        return signbit(v) ? 4 : 3;
    }
    if (v < 0) {
        buf[n++] = '-';
        v = -v;
    }
    if (short_digits(v, dig, &nd, &e))
        goto format;
    /* By DBL_DIG a shortest form of <= 15 digits is the 15-digit rounding
     * with zeros stripped; otherwise 16 or 17 digits.  Subnormals have fewer
     * bits, so there every length from 1 up is tried. */
    for (prec = v < DBL_MIN ? 1 : DBL_DIG; prec <= 17; prec++) {
        double back;
        int k;
        nd = round_digits(v, prec, dig, &e);
        memcpy(tmp, dig, (size_t)nd);
        k = nd + snprintf(tmp + nd, sizeof tmp - (size_t)nd, "e%d", e - (nd - 1));
        if (prec == 17 || (tg_text_to_double(tmp, (size_t)k, &back) && back == v))
            break;
    }
format:
    if (e >= -4 && e < 16) {
        if (e >= 0) {
            for (i = 0; i <= e; i++)
                buf[n++] = i < nd ? dig[i] : '0';
            buf[n++] = '.';
            if (nd > e + 1) {
                for (i = e + 1; i < nd; i++)
                    buf[n++] = dig[i];
            } else {
                buf[n++] = '0';
            }
        } else {
            buf[n++] = '0';
            buf[n++] = '.';
            for (i = -1; i > e; i--)
                buf[n++] = '0';
            for (i = 0; i < nd; i++)
                buf[n++] = dig[i];
        }
    } else {
        buf[n++] = dig[0];
        if (nd > 1) {
            buf[n++] = '.';
            for (i = 1; i < nd; i++)
                buf[n++] = dig[i];
        }
        buf[n++] = 'e';
        buf[n++] = e < 0 ? '-' : '+';
        if (e < 0)
            e = -e;
        if (e >= 100)
            buf[n++] = (char)('0' + e / 100);
        buf[n++] = (char)('0' + e / 10 % 10);
        buf[n++] = (char)('0' + e % 10);
    }
    return n;
}

/* ---- RFC 3339 date-time ------------------------------------------------- */

static int num2(const char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

static bool digits(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!tg_text_is_digit_(s[i]))
            return false;
    return true;
}

/* date-time = full-date ("T"/"t") full-time, full-time = HH:MM:SS[.frac]
 * ("Z"/"z" / ("+"/"-") HH:MM).  Lowercase t/z are accepted per the note in
 * RFC 3339 section 5.6; a space separator is not.  Second 60 (leap second) is
 * accepted at any minute, as the grammar does (no leap second table). */
const char *tg_text_timestamp(const char *s, size_t n)
{
    static const unsigned char mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int year, month, day, hour, min, sec;
    size_t i;

    if (n < 20 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
        !digits(s + 8, 2))
        return "expected RFC 3339 date-time YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM)";
    if (s[10] != 'T' && s[10] != 't')
        return "expected 'T' between date and time";
    if (!digits(s + 11, 2) || s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' ||
        !digits(s + 17, 2))
        return "expected time HH:MM:SS";
    year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + num2(s + 2);
    month = num2(s + 5);
    day = num2(s + 8);
    hour = num2(s + 11);
    min = num2(s + 14);
    sec = num2(s + 17);
    if (month < 1 || month > 12)
        return "month out of range";
    if (day < 1 || day > mdays[month - 1] ||
        (month == 2 && day == 29 && !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))))
        return "day out of range for month";
    if (hour > 23)
        return "hour out of range";
    if (min > 59)
        return "minute out of range";
    if (sec > 60)
        return "second out of range";
    i = 19;
    if (s[i] == '.') {
        size_t f = ++i;
        while (i < n && tg_text_is_digit_(s[i]))
            i++;
        if (i == f)
            return "expected digits after '.' in seconds";
        if (i - f > 9)
            return "more than 9 fraction digits (nanoseconds) in seconds";
    }
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        if (n - i < 6 || !digits(s + i + 1, 2) || s[i + 3] != ':' || !digits(s + i + 4, 2))
            return "expected offset +HH:MM";
        if (num2(s + i + 1) > 23 || num2(s + i + 4) > 59)
            return "offset out of range";
        i += 6;
    } else {
        return "expected time offset 'Z' or +HH:MM";
    }
    if (i != n)
        return "unexpected characters after date-time";
    return NULL;
}

/* ---- UUID --------------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool tg_text_uuid(const char *s, size_t n, tg_uuid *out)
{
    size_t i, k = 0;

    if (n != 36)
        return false;
    for (i = 0; i < 36;) {
        int hi, lo;
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
            i++;
            continue;
        }
        hi = hexval(s[i]);
        lo = hexval(s[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out->bytes[k++] = (unsigned char)(hi << 4 | lo);
        i += 2;
    }
    return true;
}

/* ---- base64 ------------------------------------------------------------- */

/* The value of each base64 alphabet byte; 64 for every other byte. */
static const unsigned char b64_values[256] = {
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 62, 64, 64, 64, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 64, 64, 64, 64, 64, 64,
    64,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 64, 64, 64, 64, 64,
    64, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
};

static int b64val(unsigned char c) { return b64_values[c] < 64 ? b64_values[c] : -1; }

/* RFC 4648 section 4 alphabet, '=' padding required, no whitespace, and the
 * unused bits before padding must be zero (canonical encoding only). */
const char *tg_text_base64(const char *s, size_t n, unsigned char *out, size_t *outlen)
{
    size_t i, o = 0;

    *outlen = 0;
    if (n % 4 != 0)
        return "base64 length is not a multiple of 4";
    /* Every quad but the last has no padding: one table look-up per byte,
     * and any invalid byte sends the rest to the careful loop below. */
    for (i = 0; i + 4 < n; i += 4) {
        const unsigned char *q = (const unsigned char *)s + i;
        unsigned a = b64_values[q[0]], b = b64_values[q[1]], c = b64_values[q[2]],
                 d = b64_values[q[3]];
        if ((a | b | c | d) & 64)
            break;
        if (out) {
            uint32_t w = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
            out[o] = (unsigned char)(w >> 16);
            out[o + 1] = (unsigned char)(w >> 8);
            out[o + 2] = (unsigned char)w;
        }
        o += 3;
    }
    for (; i < n; i += 4) {
        int v[4], pad = 0, j;
        for (j = 0; j < 4; j++) {
            unsigned char c = (unsigned char)s[i + (size_t)j];
            if (c == '=' && i + 4 == n && j >= 2) {
                v[j] = 0;
                pad++;
            } else if (pad) {
                return "misplaced base64 padding";
            } else if ((v[j] = b64val(c)) < 0) {
                return c == '=' ? "misplaced base64 padding" : "invalid base64 character";
            }
        }
        if ((pad == 2 && (v[1] & 15)) || (pad == 1 && (v[2] & 3)))
            return "non-canonical base64 (nonzero bits before padding)";
        if (out) {
            uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
                         (uint32_t)v[3];
            out[o] = (unsigned char)(w >> 16);
            if (pad < 2)
                out[o + 1] = (unsigned char)(w >> 8);
            if (pad < 1)
                out[o + 2] = (unsigned char)w;
        }
        o += (size_t)(3 - pad);
    }
    *outlen = o;
    return NULL;
}
