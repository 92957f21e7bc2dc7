/*
 * suggest.c - nearest defined names for "did you mean ...?" (see suggest.h).
 */
#include "suggest.h"

#include <stdio.h>
#include <string.h>

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

/* Optimal string alignment distance, three rows of the usual table. */
size_t suggest_distance(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen > SUGGEST_NAME_MAX || blen > SUGGEST_NAME_MAX)
        return SUGGEST_NAME_MAX + 1;
    size_t rows[3][SUGGEST_NAME_MAX + 1];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= blen; j++)
        prev[j] = j;
    for (size_t i = 1; i <= alen; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= blen; j++) {
            size_t cost = lower(a[i - 1]) != lower(b[j - 1]);
            cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
                lower(a[i - 2]) == lower(b[j - 1]) && prev2[j - 2] + 1 < cur[j])
                cur[j] = prev2[j - 2] + 1;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[blen];
}

void suggest_init(suggest *s, const char *want, size_t len)
{
    memset(s, 0, sizeof *s);
    s->want = want;
    s->want_len = len;
    s->best = (len > 3 ? len : 3) / 3; /* the farthest a suggestion may be, */
    if (s->best >= len)                /* and never all of a short name:     */
        s->best = len ? len - 1 : 0;   /* 'c' does not suggest 'a'           */
}

static int kept(const suggest *s, const char *name, size_t len)
{
    for (size_t i = 0; i < s->count; i++)
        if (s->lens[i] == len && memcmp(s->names[i], name, len) == 0)
            return 1;
    return 0;
}

void suggest_offer(suggest *s, const char *name, size_t len)
{
    if ((len == s->want_len && memcmp(name, s->want, len) == 0) || kept(s, name, len))
        return;
    size_t d = suggest_distance(s->want, s->want_len, name, len);
    if (d > s->best)
        return;
    if (d < s->best || s->count == 0) {
        s->best = d;
        s->count = 0;
    }
    if (s->count < SUGGEST_MAX) {
        s->names[s->count] = name;
        s->lens[s->count++] = len;
    }
}

void suggest_offer_all(suggest *s, const char *const *names)
{
    for (; names && *names; names++)
        suggest_offer(s, *names, strlen(*names));
}

char *suggest_format(const suggest *s, char *buf, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; i < s->count && n < cap; i++) {
        const char *sep = i == 0 ? "; did you mean " : i + 1 == s->count ? " or " : ", ";
        int w = snprintf(buf + n, cap - n, "%s'%.*s'", sep, (int)s->lens[i], s->names[i]);
        n += w > 0 ? (size_t)w : 0;
    }
    if (s->count && n < cap)
        snprintf(buf + n, cap - n, "?");
    return buf;
}
