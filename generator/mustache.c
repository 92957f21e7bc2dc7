/*
 * mustache.c - topicgen's mustache template engine (see mustache.h).
 *
 * A template is first parsed into a flat array of nodes (text, variable,
 * section, partial); a section node records the index just past its last
 * child, so rendering walks index ranges and needs no tree.  Parsing does the
 * spec's whitespace work once: standalone tags take their whole line with
 * them, and a standalone partial remembers its indentation.  Rendering keeps
 * the context stack as a chain of frames on the C stack.  A partial is
 * parsed when first included, once per render for each indentation it is
 * included with (standalone partials get an indented copy), and reused.
 *
 * Workload: templates of a few kB, data trees of a few hundred nodes up to
 * tens of millions (a schema of 100,000 fields).  Rendering is linear in
 * the size of the output; map lookups are linear in the map size (maps have
 * tens of keys).  The render budget (mustache.h) counts what a render does
 * and is scaled to the data only when a floor is passed.
 */
#include "mustache.h"
#include "suggest.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define MU_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MU_PRINTF(f, a)
#endif

#define NPOS ((size_t)-1)

/* ------------------------------------------------------------ memory */

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("topicgen: mustache: out of memory\n", stderr);
        abort();
    }
    return q;
}

/* Grow *items (of elem bytes each) so that it holds at least need items. */
static void *grow(void *items, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return items;
    size_t n = *cap ? *cap : 8;
    while (n < need)
        n *= 2;
    *cap = n;
    return xrealloc(items, n * elem);
}

/* -------------------------------------------------------------- data */

typedef enum mu_kind { MU_MAP, MU_LIST, MU_STRING, MU_BOOL, MU_NULL, MU_NUMBER } mu_kind;

/* A map entry.  A key shorter than KEY_INLINE bytes (every key of the
 * generator's model) is stored in the entry itself, NUL-terminated; a
 * longer one on the heap, its pointer kept in inl.  32 bytes an entry and
 * no allocation of its own: a model holds millions of entries. */
#define KEY_INLINE 20
typedef struct mu_entry {
    mu_node *value;
    uint32_t key_len;
    char inl[KEY_INLINE];
} mu_entry;

/* Node size matters as much: 32 bytes, a string's bytes in the same block.
 * refs counts the holders beyond the first (mu_ref); STATIC marks the
 * shared immutable nodes (true, false, null, ""), which mu_free leaves. */
#define STATIC UINT32_MAX
struct mu_node {
    mu_kind kind;
    uint32_t refs;
    union {
        bool b;
        double num;
        struct { const char *ptr; size_t len; } str;
        struct { mu_entry *items; uint32_t count, cap; mu_node *base; } map;
        struct { mu_node **items; size_t count, cap; } list;
    } u;
};

static mu_node node_true = {MU_BOOL, STATIC, {.b = true}};
static mu_node node_false = {MU_BOOL, STATIC, {.b = false}};
static mu_node node_null = {MU_NULL, STATIC, {.b = false}};
static mu_node node_empty = {MU_STRING, STATIC, {.str = {"", 0}}};

static mu_node *new_node(mu_kind kind, size_t extra)
{
    mu_node *n = xrealloc(NULL, sizeof *n + extra);
    memset(n, 0, sizeof *n);
    n->kind = kind;
    return n;
}

mu_node *mu_map(void) { return new_node(MU_MAP, 0); }
mu_node *mu_list(void) { return new_node(MU_LIST, 0); }
mu_node *mu_null(void) { return &node_null; }
mu_node *mu_bool(bool b) { return b ? &node_true : &node_false; }

mu_node *mu_number(double d)
{
    mu_node *n = new_node(MU_NUMBER, 0);
    n->u.num = d;
    return n;
}

mu_node *mu_string_n(const char *s, size_t len)
{
    if (len == 0)
        return &node_empty;
    mu_node *n = new_node(MU_STRING, len + 1);
    char *text = (char *)(n + 1);
    memcpy(text, s, len);
    text[len] = '\0';
    n->u.str.ptr = text;
    n->u.str.len = len;
    return n;
}

mu_node *mu_string(const char *s) { return mu_string_n(s, strlen(s)); }

static void check_kind(const mu_node *n, mu_kind kind, const mu_node *child, const char *fn)
{
    if (!n || n->kind != kind || !child) {
        fprintf(stderr, "topicgen: mustache: %s: wrong node kind or NULL child\n", fn);
        abort();
    }
}

mu_node *mu_ref(mu_node *node)
{
    if (node && node->refs != STATIC) {
        if (node->refs == STATIC - 1) {
            fputs("topicgen: mustache: mu_ref: too many references\n", stderr);
            abort();
        }
        node->refs++;
    }
    return node;
}

mu_node *mu_map_over(mu_node *base)
{
    check_kind(base, MU_MAP, base, "mu_map_over");
    mu_node *m = mu_map();
    m->u.map.base = base;
    return m;
}

static const char *entry_key(const mu_entry *e)
{
    const char *heap;
    if (e->key_len < KEY_INLINE)
        return e->inl;
    memcpy(&heap, e->inl, sizeof heap);
    return heap;
}

/* A map is usually complete when it is put into another node: give back
 * what its entries' growth left unused (a model has a million maps). */
static void trim(mu_node *child)
{
    if (child->kind == MU_MAP && child->u.map.cap > child->u.map.count) {
        child->u.map.cap = child->u.map.count;
        child->u.map.items = xrealloc(child->u.map.items, child->u.map.cap * sizeof(mu_entry));
    }
}

void mu_map_set(mu_node *map, const char *key, mu_node *child)
{
    check_kind(map, MU_MAP, child, "mu_map_set");
    trim(child);
    size_t klen = strlen(key);
    for (size_t i = 0; i < map->u.map.count; i++) {
        mu_entry *e = &map->u.map.items[i];
        if (e->key_len == klen && memcmp(entry_key(e), key, klen) == 0) {
            mu_free(e->value);
            e->value = child;
            return;
        }
    }
    if (map->u.map.count == map->u.map.cap) { /* 1.5x: maps stay small */
        if (map->u.map.cap >= UINT32_MAX / 2 || klen >= UINT32_MAX) {
            fputs("topicgen: mustache: mu_map_set: map too large\n", stderr);
            abort();
        }
        map->u.map.cap = map->u.map.cap < 8 ? 8 : map->u.map.cap + map->u.map.cap / 2;
        map->u.map.items = xrealloc(map->u.map.items, map->u.map.cap * sizeof(mu_entry));
    }
    mu_entry *e = &map->u.map.items[map->u.map.count++];
    e->value = child;
    e->key_len = (uint32_t)klen;
    if (klen < KEY_INLINE) {
        memcpy(e->inl, key, klen + 1);
    } else {
        char *heap = xrealloc(NULL, klen + 1);
        memcpy(heap, key, klen + 1);
        memcpy(e->inl, &heap, sizeof heap);
    }
}

void mu_list_push(mu_node *list, mu_node *child)
{
    check_kind(list, MU_LIST, child, "mu_list_push");
    trim(child);
    list->u.list.items = grow(list->u.list.items, &list->u.list.cap, list->u.list.count + 1,
                              sizeof(mu_node *));
    list->u.list.items[list->u.list.count++] = child;
}

void mu_free(mu_node *node)
{
    if (!node || node->refs == STATIC)
        return;
    if (node->refs > 0) {
        node->refs--;
        return;
    }
    switch (node->kind) {
    case MU_MAP:
        for (size_t i = 0; i < node->u.map.count; i++) {
            if (node->u.map.items[i].key_len >= KEY_INLINE) {
                char *heap;
                memcpy(&heap, node->u.map.items[i].inl, sizeof heap);
                free(heap);
            }
            mu_free(node->u.map.items[i].value);
        }
        free(node->u.map.items);
        mu_free(node->u.map.base);
        break;
    case MU_LIST:
        for (size_t i = 0; i < node->u.list.count; i++)
            mu_free(node->u.list.items[i]);
        free(node->u.list.items);
        break;
    case MU_STRING:
    case MU_BOOL:
    case MU_NULL:
    case MU_NUMBER:
        break;
    }
    free(node);
}

/* The value of map[key[0..len)], or NULL if m is not a map or has no key;
 * a map made by mu_map_over falls back to its base. */
static const mu_node *map_get(const mu_node *m, const char *key, size_t len)
{
    for (; m && m->kind == MU_MAP; m = m->u.map.base)
        for (size_t i = 0; i < m->u.map.count; i++) {
            const mu_entry *e = &m->u.map.items[i];
            const char *k = entry_key(e);
            if (e->key_len == len && (len == 0 || (k[0] == key[0] &&
                                                   memcmp(k + 1, key + 1, len - 1) == 0)))
                return e->value;
        }
    return NULL;
}

const mu_node *mu_map_get(const mu_node *map, const char *key)
{
    return map_get(map, key, strlen(key));
}

size_t mu_list_len(const mu_node *list)
{
    return list && list->kind == MU_LIST ? list->u.list.count : 0;
}

mu_node *mu_list_at(const mu_node *list, size_t i)
{
    return i < mu_list_len(list) ? list->u.list.items[i] : NULL;
}

const char *mu_string_text(const mu_node *node)
{
    return node && node->kind == MU_STRING ? node->u.str.ptr : NULL;
}

static bool truthy(const mu_node *v)
{
    if (!v)
        return false;
    switch (v->kind) {
    case MU_NULL:
        return false;
    case MU_BOOL:
        return v->u.b;
    case MU_LIST:
        return v->u.list.count > 0;
    case MU_STRING:
        return v->u.str.len > 0;
    case MU_MAP:
    case MU_NUMBER:
        return true;
    }
    return false;
}

/* ------------------------------------------------------------ buffer */

void mu_buffer_free(mu_buffer *buf)
{
    if (!buf)
        return;
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
}

static void buf_put(mu_buffer *b, const char *s, size_t n)
{
    b->data = grow(b->data, &b->cap, b->len + n + 1, 1);
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void buf_put_escaped(mu_buffer *b, const char *s, size_t n)
{
    size_t run = 0; /* start of the pending run of plain bytes */
    for (size_t i = 0; i < n; i++) {
        const char *rep = s[i] == '&' ? "&amp;" : s[i] == '"' ? "&quot;"
                        : s[i] == '<' ? "&lt;" : s[i] == '>' ? "&gt;" : NULL;
        if (!rep)
            continue;
        buf_put(b, s + run, i - run);
        buf_put(b, rep, strlen(rep));
        run = i + 1;
    }
    buf_put(b, s + run, n - run);
}

/* Shortest "%g" text that reads back as d; integers below 1e17 in full. */
static void format_number(double d, char *out, size_t cap)
{
    if (d > -1e17 && d < 1e17 && d == (double)(long long)d) {
        snprintf(out, cap, "%lld", (long long)d);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, cap, "%.*g", prec, d);
        if (strtod(out, NULL) == d)
            return;
    }
}

static void put_value(mu_buffer *b, const mu_node *v, bool escape)
{
    char num[40];
    if (!v)
        return;
    switch (v->kind) {
    case MU_STRING:
        if (escape)
            buf_put_escaped(b, v->u.str.ptr, v->u.str.len);
        else
            buf_put(b, v->u.str.ptr, v->u.str.len);
        break;
    case MU_NUMBER:
        format_number(v->u.num, num, sizeof num);
        buf_put(b, num, strlen(num));
        break;
    case MU_BOOL:
        buf_put(b, v->u.b ? "true" : "false", v->u.b ? 4 : 5);
        break;
    case MU_NULL:
    case MU_MAP:
    case MU_LIST:
        break;
    }
}

/* ------------------------------------------------------ parsed form */

typedef enum tkind { T_TEXT, T_VAR, T_RAW, T_SECTION, T_INVERTED, T_PARTIAL } tkind;

typedef struct tnode {
    tkind kind;
    const char *str;   /* text, or the tag's name */
    size_t len;
    size_t end;        /* sections: index just past the last child node */
    size_t offset;     /* byte offset of the tag (for errors) */
    const char *indent; /* standalone partials: the line's indentation */
    size_t indent_len;
} tnode;

typedef struct tmpl {
    const char *name;  /* not NUL-terminated */
    size_t name_len;
    const char *src;
    size_t len;
    size_t col_shift;  /* indentation added to each line (indented partial) */
    tnode *nodes;
    size_t count, cap;
    size_t *renders;   /* times each node rendered (the render budget) */
} tmpl;

/* 1-based line and column of byte offset off in t's source; in an indented
 * partial, columns count from the partial's own text. */
static void line_col(const tmpl *t, size_t off, size_t *line, size_t *col)
{
    *line = *col = 1;
    for (size_t i = 0; i < off && i < t->len; i++) {
        *col = t->src[i] == '\n' ? 1 : *col + 1;
        *line += t->src[i] == '\n';
    }
    *col = *col > t->col_shift ? *col - t->col_shift : 1;
}

/* Record an error at byte offset off of t's source.  Always returns -1. */
MU_PRINTF(4, 5)
static int fail(mu_error *err, const tmpl *t, size_t off, const char *fmt, ...)
{
    line_col(t, off, &err->line, &err->column);
    err->too_large = false;
    size_t n = t->name_len < MU_ERROR_NAME_MAX - 1 ? t->name_len : MU_ERROR_NAME_MAX - 1;
    memcpy(err->name, t->name, n);
    err->name[n] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}

int mu_error_format(const mu_error *err, char *buf, size_t cap)
{
    return snprintf(buf, cap, "%s:%zu:%zu: error: %s", err->name, err->line, err->column,
                    err->message);
}

/* ------------------------------------------------------------ parser */

typedef struct parser {
    tmpl *t;
    mu_error *err;
    size_t pos;                 /* first byte not yet consumed */
    const char *otag, *ctag;    /* current delimiters (point into source) */
    size_t olen, clen;
    size_t *open;               /* indices of the open section nodes */
    size_t depth, open_cap;
} parser;

static bool is_blank(char c) { return c == ' ' || c == '\t'; }
static bool is_space(char c) { return is_blank(c) || c == '\n' || c == '\r'; }

/* First occurrence of pat[0..n) in s[from..len), or NPOS. */
static size_t find(const char *s, size_t from, size_t len, const char *pat, size_t n)
{
    while (from + n <= len) {
        const char *hit = memchr(s + from, pat[0], len - n + 1 - from);
        if (!hit)
            return NPOS;
        size_t at = (size_t)(hit - s);
        if (memcmp(hit, pat, n) == 0)
            return at;
        from = at + 1;
    }
    return NPOS;
}

static tnode *add_node(parser *p, tkind kind, const char *str, size_t len, size_t off)
{
    tmpl *t = p->t;
    t->nodes = grow(t->nodes, &t->cap, t->count + 1, sizeof(tnode));
    tnode *n = &t->nodes[t->count++];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->str = str;
    n->len = len;
    n->offset = off;
    return n;
}

/* If the tag [start, end) stands alone on its line, set *line_start to the
 * start of that line and *next past its line ending, and return true. */
static bool standalone(const parser *p, size_t start, size_t end, size_t *line_start,
                       size_t *next)
{
    const char *s = p->t->src;
    size_t len = p->t->len, a = start, b = end;
    while (a > p->pos && is_blank(s[a - 1]))
        a--;
    if (a > 0 && s[a - 1] != '\n')
        return false;
    while (b < len && is_blank(s[b]))
        b++;
    if (b + 1 < len && s[b] == '\r' && s[b + 1] == '\n')
        b += 2;
    else if (b < len && s[b] == '\n')
        b++;
    else if (b != len)
        return false;
    *line_start = a;
    *next = b;
    return true;
}

/* A parsed tag: sigil, trimmed content and extent. */
typedef struct tag {
    char sigil;        /* one of #^/!>=&{$< or 0 for a plain variable */
    size_t start, end; /* the whole tag, delimiters included */
    const char *name;  /* trimmed content */
    size_t name_len;
} tag;

/* Read the tag whose open delimiter is at offset start into *tg. */
static int read_tag(parser *p, size_t start, tag *tg)
{
    const tmpl *t = p->t;
    const char *s = t->src;
    size_t i = start + p->olen;
    tg->start = start;
    tg->sigil = i < t->len && s[i] && strchr("#^/!>=&{$<", s[i]) ? s[i] : '\0';
    i += tg->sigil != 0;
    size_t from = i, c;
    for (;;) {
        c = find(s, from, t->len, p->ctag, p->clen);
        if (c == NPOS || tg->sigil != '{' || (c > i && s[c - 1] == '}'))
            break;
        from = c + 1;
    }
    /* an open delimiter inside a (non-comment) tag means a missing close */
    if (c == NPOS || (tg->sigil != '!' && find(s, i, c, p->otag, p->olen) != NPOS))
        return fail(p->err, t, start, "unclosed tag, expected '%s%.*s'",
                    tg->sigil == '{' ? "}" : "", (int)p->clen, p->ctag);
    tg->end = c + p->clen;
    if (tg->sigil == '{' || tg->sigil == '=') {
        if (c == i || s[c - 1] != (tg->sigil == '{' ? '}' : '='))
            return fail(p->err, t, start, "bad set-delimiter tag, expected '=%.*s'",
                        (int)p->clen, p->ctag);
        c--;
    }
    while (i < c && is_space(s[i]))
        i++;
    while (c > i && is_space(s[c - 1]))
        c--;
    tg->name = s + i;
    tg->name_len = c - i;
    return 0;
}

static int check_name(const parser *p, const tag *tg)
{
    if (tg->name_len == 0)
        return fail(p->err, p->t, tg->start, "empty tag name");
    for (size_t i = 0; i < tg->name_len; i++)
        if (is_space(tg->name[i]))
            return fail(p->err, p->t, tg->start, "bad tag name '%.*s'", (int)tg->name_len,
                        tg->name);
    return 0;
}

static int set_delimiters(parser *p, const tag *tg)
{
    const char *s = tg->name;
    size_t n = tg->name_len, a = 0, b;
    while (a < n && !is_space(s[a]))
        a++;
    b = a;
    while (b < n && is_space(s[b]))
        b++;
    for (size_t i = b; i < n; i++)
        if (is_space(s[i]) || s[i] == '=')
            b = 0;
    if (a == 0 || a == n || b == 0 || memchr(s, '=', a))
        return fail(p->err, p->t, tg->start, "bad set-delimiter tag '%.*s'", (int)n, s);
    p->otag = s;
    p->olen = a;
    p->ctag = s + b;
    p->clen = n - b;
    return 0;
}

static int open_section(parser *p, const tag *tg)
{
    if (p->depth >= MU_MAX_NESTING)
        return fail(p->err, p->t, tg->start, "sections nested deeper than %d",
                    MU_MAX_NESTING);
    p->open = grow(p->open, &p->open_cap, p->depth + 1, sizeof(size_t));
    p->open[p->depth++] = p->t->count;
    add_node(p, tg->sigil == '#' ? T_SECTION : T_INVERTED, tg->name, tg->name_len, tg->start);
    return 0;
}

static int close_section(parser *p, const tag *tg)
{
    if (p->depth == 0)
        return fail(p->err, p->t, tg->start, "unexpected close tag '%.*s'",
                    (int)tg->name_len, tg->name);
    tnode *sec = &p->t->nodes[p->open[p->depth - 1]];
    if (sec->len != tg->name_len || memcmp(sec->str, tg->name, tg->name_len) != 0)
        return fail(p->err, p->t, tg->start, "mismatched close tag '%.*s', expected '%.*s'",
                    (int)tg->name_len, tg->name, (int)sec->len, sec->str);
    sec->end = p->t->count;
    p->depth--;
    return 0;
}

/* Act on one tag; indent is the standalone line's indentation (or NULL). */
static int apply_tag(parser *p, const tag *tg, const char *indent, size_t indent_len)
{
    if (tg->sigil == '!')
        return 0;
    if (tg->sigil == '=')
        return set_delimiters(p, tg);
    if (check_name(p, tg) != 0)
        return -1;
    if (tg->sigil == '$' || tg->sigil == '<')
        return fail(p->err, p->t, tg->start, "template inheritance ('%c' tags) is not supported",
                    tg->sigil);
    switch (tg->sigil) {
    case '#':
    case '^':
        return open_section(p, tg);
    case '/':
        return close_section(p, tg);
    case '>': {
        tnode *n = add_node(p, T_PARTIAL, tg->name, tg->name_len, tg->start);
        n->indent = indent;
        n->indent_len = indent_len;
        return 0;
    }
    case '&':
    case '{':
        add_node(p, T_RAW, tg->name, tg->name_len, tg->start);
        return 0;
    default:
        add_node(p, T_VAR, tg->name, tg->name_len, tg->start);
        return 0;
    }
}

/* Parse the tag at start, with the text before it. */
static int parse_tag(parser *p, size_t start)
{
    tag tg = {0, 0, 0, NULL, 0};
    if (read_tag(p, start, &tg) != 0)
        return -1;
    size_t text_end = start, next = tg.end, line_start;
    const char *indent = NULL;
    size_t indent_len = 0;
    if (tg.sigil && strchr("#^/!>=", tg.sigil) &&
        standalone(p, start, tg.end, &line_start, &next)) {
        text_end = line_start;
        indent = p->t->src + line_start;
        indent_len = start - line_start;
    }
    if (text_end > p->pos)
        add_node(p, T_TEXT, p->t->src + p->pos, text_end - p->pos, p->pos);
    p->pos = next;
    return apply_tag(p, &tg, indent, indent_len);
}

/* Parse t->src into t->nodes.  Returns 0 or -1 with *err filled. */
static int compile(tmpl *t, mu_error *err)
{
    parser p = {t, err, 0, "{{", "}}", 2, 2, NULL, 0, 0};
    int rc = 0;
    while (rc == 0 && p.pos < t->len) {
        size_t at = find(t->src, p.pos, t->len, p.otag, p.olen);
        if (at == NPOS) {
            add_node(&p, T_TEXT, t->src + p.pos, t->len - p.pos, p.pos);
            p.pos = t->len;
        } else {
            rc = parse_tag(&p, at);
        }
    }
    if (rc == 0 && p.depth > 0) {
        const tnode *sec = &t->nodes[p.open[p.depth - 1]];
        size_t line, col;
        line_col(t, sec->offset, &line, &col);
        rc = fail(err, t, t->len, "unclosed section '%.*s' (opened at %zu:%zu)",
                  (int)sec->len, sec->str, line, col);
    }
    free(p.open);
    return rc;
}

/* ---------------------------------------------------------- renderer */

/* One level of the context stack.  item: the frame is an item of a list a
 * section iterates. */
typedef struct frame {
    const mu_node *node;
    const struct frame *up;
    bool item;
} frame;

/* An open section or partial, innermost first: what the render budget's
 * error names when it runs out. */
typedef struct active {
    const tmpl *t;
    const tnode *n;      /* its tag */
    bool list;           /* a section over a list */
    bool outer;          /* ... found outside the innermost list item */
    const struct active *up;
} active;

/* A partial, compiled once per render for each indentation it is included
 * with: a partial included for every field of a model is parsed once. */
typedef struct cached {
    tmpl t;
    char *copy;          /* the indented text (owned), or NULL */
    const char *indent;
    size_t indent_len;
} cached;

typedef struct render {
    const mu_partials *partials;
    mu_buffer *out;
    mu_error *err;
    unsigned depth;             /* partial nesting */
    bool html_escape;           /* {{x}} escapes & " < > (off: MU_NO_ESCAPE) */
    bool strict;                /* MU_STRICT: unknown names are errors */
    const char *const *partial_names; /* suggested for a missing partial */
    const mu_node *data;
    const tmpl *top;            /* the template mu_render was given */
    const active *open;         /* innermost open section or partial */
    cached **cache;
    size_t n_cache, cache_cap;
    /* The budget (mustache.h): the floors until one is passed, then scaled
     * by the size of the data, measured once when that happens. */
    size_t steps;               /* tags rendered, frames searched, bytes compiled */
    size_t out_start;           /* out->len before the render */
    size_t max_renders, max_steps, max_output;
    size_t data_values, data_bytes; /* 0 until measured */
} render;

/* ---- the budget */

static size_t scale(size_t floor, size_t per, size_t n)
{
    return n > (SIZE_MAX - floor) / per ? SIZE_MAX : floor + per * n;
}

/* Count the values of the data (a shared node once per place it is shown,
 * as it renders) and the bytes of its strings. */
static void measure(const mu_node *n, size_t *values, size_t *bytes)
{
    for (; n; n = n->kind == MU_MAP ? n->u.map.base : NULL) {
        ++*values;
        switch (n->kind) {
        case MU_MAP:
            for (size_t i = 0; i < n->u.map.count; i++) {
                const mu_node *v = n->u.map.items[i].value;
                *bytes += n->u.map.items[i].key_len;
                if (v->kind == MU_MAP || v->kind == MU_LIST) {
                    measure(v, values, bytes);
                } else {
                    ++*values;
                    *bytes += v->kind == MU_STRING ? v->u.str.len : 8;
                }
            }
            break;
        case MU_LIST:
            for (size_t i = 0; i < n->u.list.count; i++)
                measure(n->u.list.items[i], values, bytes);
            break;
        case MU_STRING:
            *bytes += n->u.str.len;
            break;
        case MU_BOOL:
        case MU_NULL:
        case MU_NUMBER:
            *bytes += 8;
            break;
        }
    }
}

/* The tag rendered, section or partial that made the render too large:
 * the outermost section over a list found outside the list item it is
 * in ({{#list}}{{#list}}: each item repeats the whole list), else the
 * outermost partial included inside itself, else the innermost section
 * over a list, else the tag being rendered (*a NULL). */
static const active *culprit(const render *r)
{
    const active *found = NULL;
    for (const active *a = r->open; a; a = a->up)
        if (a->outer)
            found = a;
    for (const active *a = r->open; !found && a; a = a->up)
        for (const active *b = a->up; a->n->kind == T_PARTIAL && b; b = b->up)
            if (b->n->kind == T_PARTIAL && b->n->len == a->n->len &&
                memcmp(b->n->str, a->n->str, a->n->len) == 0)
                found = b;
    for (const active *a = r->open; !found && a; a = a->up)
        if (a->list)
            found = a;
    return found;
}

/* The budget ran out at tag n of t: scale it to the data (once), and if it
 * still has run out, fail naming what multiplied the output. */
static int over_budget(render *r, const tmpl *t, const tnode *n, size_t renders)
{
    if (!r->data_values) {
        measure(r->data, &r->data_values, &r->data_bytes);
        r->data_values += !r->data_values;
        r->max_renders = scale(MU_MAX_TAG_RENDERS, MU_TAG_RENDERS_PER_VALUE, r->data_values);
        r->max_steps = scale(MU_MAX_RENDER_STEPS, MU_RENDER_STEPS_PER_VALUE, r->data_values);
        r->max_output = scale(MU_MAX_OUTPUT, MU_OUTPUT_PER_DATA_BYTE, r->data_bytes);
    }
    char why[160];
    if (renders > r->max_renders)
        snprintf(why, sizeof why, "a tag in it would render more than %zu times, for data of %zu values",
                 r->max_renders, r->data_values);
    else if (r->steps > r->max_steps)
        snprintf(why, sizeof why, "the render would take more than %zu steps, for data of %zu values",
                 r->max_steps, r->data_values);
    else if (r->out->len - r->out_start > r->max_output)
        snprintf(why, sizeof why, "the output would pass %zu bytes, for data of %zu bytes",
                 r->max_output, r->data_bytes);
    else
        return 0;
    const active *a = culprit(r);
    const tmpl *ct = a ? a->t : t;
    const tnode *cn = a ? a->n : n;
    if (!a)
        fail(r->err, ct, cn->offset, "render too large: %s", why);
    else
        fail(r->err, ct, cn->offset, "%s '%.*s' multiplies the output%s; %s",
             cn->kind == T_PARTIAL ? "partial" : "section", (int)cn->len, cn->str,
             a->outer ? ": it repeats a list of an enclosing context for every item"
             : cn->kind == T_PARTIAL ? ": it is included inside itself" : "", why);
    r->err->too_large = true;
    return -1;
}

/* ---- names */

static size_t segment(const char *name, size_t len)
{
    const char *dot = memchr(name, '.', len);
    return dot ? (size_t)(dot - name) : len;
}

/* Where a name was not found: the segment that is missing and the value it
 * was looked up in (NULL: the first segment, missing from every frame). */
typedef struct miss {
    const mu_node *in;
    const char *seg;
    size_t seg_len;
} miss;

/* Resolve a (dotted) name against the context stack; NULL when missing (or
 * for "." over no data).  *found tells a missing name from that, *m says
 * which segment was missing, *at the frame its first segment was found in.
 * Each frame searched is a step of the render budget. */
static const mu_node *lookup(render *r, const frame *ctx, const char *name, size_t len,
                             bool *found, miss *m, const frame **at)
{
    *found = true;
    *at = ctx;
    if (len == 1 && name[0] == '.')
        return ctx->node;
    size_t seg = segment(name, len);
    const mu_node *v = NULL, *in = NULL;
    for (const frame *f = ctx; f && !v; f = f->up, r->steps++) {
        v = map_get(f->node, name, seg);
        *at = f;
    }
    while (v && seg < len) {
        name += seg + 1;
        len -= seg + 1;
        seg = segment(name, len);
        in = v;
        v = map_get(v, name, seg);
    }
    *found = v != NULL;
    *m = (miss){in, name, seg};
    return v;
}
/* Offer the keys of map m as suggestions. */
static void offer_keys(suggest *s, const mu_node *m)
{
    for (; m && m->kind == MU_MAP; m = m->u.map.base)
        for (size_t i = 0; i < m->u.map.count; i++)
            suggest_offer(s, entry_key(&m->u.map.items[i]), m->u.map.items[i].key_len);
}

/* MU_STRICT: the name of tag n (a variable or section) is not defined. */
static int fail_unknown_name(render *r, const tmpl *t, const tnode *n, const frame *ctx,
                             const miss *m)
{
    suggest s;
    char hint[MU_ERROR_MESSAGE_MAX];
    suggest_init(&s, m->seg, m->seg_len);
    if (m->in)
        offer_keys(&s, m->in);
    for (const frame *f = ctx; !m->in && f; f = f->up)
        offer_keys(&s, f->node);
    const char *what = n->kind == T_SECTION || n->kind == T_INVERTED ? "section" : "variable";
    if (m->in)
        return fail(r->err, t, n->offset, "unknown %s '%.*s' (no '%.*s' in '%.*s')%s", what,
                    (int)n->len, n->str, (int)m->seg_len, m->seg,
                    (int)(m->seg - n->str - 1), n->str, suggest_format(&s, hint, sizeof hint));
    return fail(r->err, t, n->offset, "unknown %s '%.*s'%s", what, (int)n->len, n->str,
                suggest_format(&s, hint, sizeof hint));
}


/* Look tag n's name up; in strict mode a missing name is an error (-1). */
static int resolve(render *r, const tmpl *t, const tnode *n, const frame *ctx,
                   const mu_node **v, const frame **at)
{
    bool found;
    miss m;
    *v = lookup(r, ctx, n->str, n->len, &found, &m, at);
    return found || !r->strict ? 0 : fail_unknown_name(r, t, n, ctx, &m);
}

/* Copy text with indent put in front of every line. */
static char *indent_text(const char *text, size_t len, const char *indent, size_t ilen,
                         size_t *out_len)
{
    size_t lines = 1;
    for (size_t i = 0; i + 1 < len; i++)
        lines += text[i] == '\n';
    char *out = xrealloc(NULL, len + lines * ilen + 1), *o = out;
    memcpy(o, indent, ilen);
    o += ilen;
    for (size_t i = 0; i < len; i++) {
        *o++ = text[i];
        if (text[i] == '\n' && i + 1 < len) {
            memcpy(o, indent, ilen);
            o += ilen;
        }
    }
    *out_len = (size_t)(o - out);
    return out;
}

/* Compile t and give it its render counts.  Returns 0 or -1 (*err set). */
static int prepare(tmpl *t, mu_error *err)
{
    if (compile(t, err) != 0)
        return -1;
    t->renders = xrealloc(NULL, (t->count ? t->count : 1) * sizeof *t->renders);
    memset(t->renders, 0, (t->count ? t->count : 1) * sizeof *t->renders);
    return 0;
}

static void free_cache(render *r)
{
    for (size_t i = 0; i < r->n_cache; i++) {
        free(r->cache[i]->t.nodes);
        free(r->cache[i]->t.renders);
        free(r->cache[i]->copy);
        free(r->cache[i]);
    }
    free(r->cache);
}

/* Partial tag n, compiled (once per render for its name and indentation);
 * *c NULL when there is no such partial (renders as nothing). */
static int find_partial(render *r, const tmpl *t, const tnode *n, cached **c)
{
    for (size_t i = 0; i < r->n_cache; i++) {
        cached *k = r->cache[i];
        if (k->t.name_len == n->len && memcmp(k->t.name, n->str, n->len) == 0 &&
            k->indent_len == n->indent_len &&
            (n->indent_len == 0 || memcmp(k->indent, n->indent, n->indent_len) == 0)) {
            *c = k;
            return 0;
        }
    }
    *c = NULL;
    size_t len = 0;
    const char *text = r->partials && r->partials->find
                     ? r->partials->find(r->partials->ctx, n->str, n->len, &len) : NULL;
    if (!text && r->strict) {
        suggest s;
        char hint[MU_ERROR_MESSAGE_MAX];
        suggest_init(&s, n->str, n->len);
        suggest_offer_all(&s, r->partial_names);
        return fail(r->err, t, n->offset, "unknown partial '%.*s'%s", (int)n->len, n->str,
                    suggest_format(&s, hint, sizeof hint));
    }
    if (!text)
        return 0;
    r->steps += len + 1; /* compiling it costs its length */
    cached *k = xrealloc(NULL, sizeof *k);
    *k = (cached){{n->str, n->len, text, len, 0, NULL, 0, 0, NULL}, NULL, n->indent,
                  n->indent_len};
    if (n->indent_len) {
        k->copy = indent_text(text, len, n->indent, n->indent_len, &k->t.len);
        k->t.src = k->copy;
        k->t.col_shift = n->indent_len;
    }
    r->cache = grow(r->cache, &r->cache_cap, r->n_cache + 1, sizeof *r->cache);
    r->cache[r->n_cache++] = k;
    if (prepare(&k->t, r->err) != 0)
        return -1;
    *c = k;
    return 0;
}

static int render_range(render *r, const tmpl *t, size_t i, size_t end, const frame *ctx);

static int render_partial(render *r, const tmpl *t, const tnode *n, const frame *ctx)
{
    cached *c;
    if (find_partial(r, t, n, &c) != 0)
        return -1;
    if (!c)
        return 0;
    if (r->depth >= MU_MAX_PARTIAL_DEPTH)
        return fail(r->err, t, n->offset, "partial recursion too deep (%d levels) at '%.*s'",
                    MU_MAX_PARTIAL_DEPTH, (int)n->len, n->str);
    active a = {t, n, false, false, r->open};
    r->open = &a;
    r->depth++;
    int rc = render_range(r, &c->t, 0, c->t.count, ctx);
    r->depth--;
    r->open = a.up;
    return rc;
}

/* True when frame `at` lies outside the innermost list item of ctx. */
static bool outside_item(const frame *ctx, const frame *at)
{
    for (const frame *f = ctx; f && f != at; f = f->up)
        if (f->item)
            return true;
    return false;
}

static int render_section(render *r, const tmpl *t, size_t i, const frame *ctx)
{
    const tnode *n = &t->nodes[i];
    const mu_node *v;
    const frame *at;
    if (resolve(r, t, n, ctx, &v, &at) != 0)
        return -1;
    if (n->kind == T_INVERTED)
        return truthy(v) ? 0 : render_range(r, t, i + 1, n->end, ctx);
    if (!truthy(v))
        return 0;
    bool list = v->kind == MU_LIST;
    active a = {t, n, list, list && outside_item(ctx, at), r->open};
    int rc = 0;
    r->open = &a;
    if (list) {
        for (size_t k = 0; rc == 0 && k < v->u.list.count; k++) {
            frame f = {v->u.list.items[k], ctx, true};
            rc = render_range(r, t, i + 1, n->end, &f);
        }
    } else {
        frame f = {v, ctx, false};
        rc = render_range(r, t, i + 1, n->end, &f);
    }
    r->open = a.up;
    return rc;
}

/* Render nodes [i, end) of t. */
static int render_range(render *r, const tmpl *t, size_t i, size_t end, const frame *ctx)
{
    while (i < end) {
        const tnode *n = &t->nodes[i];
        size_t renders = ++t->renders[i];
        if ((renders > r->max_renders || ++r->steps > r->max_steps ||
             r->out->len - r->out_start > r->max_output) &&
            over_budget(r, t, n, renders) != 0)
            return -1;
        switch (n->kind) {
        case T_TEXT:
            buf_put(r->out, n->str, n->len);
            break;
        case T_VAR:
        case T_RAW: {
            const mu_node *v;
            const frame *at;
            if (resolve(r, t, n, ctx, &v, &at) != 0)
                return -1;
            put_value(r->out, v, r->html_escape && n->kind == T_VAR);
            break;
        }
        case T_SECTION:
        case T_INVERTED:
            if (render_section(r, t, i, ctx) != 0)
                return -1;
            i = n->end;
            continue;
        case T_PARTIAL:
            if (render_partial(r, t, n, ctx) != 0)
                return -1;
            break;
        }
        i++;
    }
    return 0;
}

int mu_render(const mu_template_src *tpl, const mu_node *data, const mu_partials *partials,
              mu_buffer *out, mu_error *err)
{
    return mu_render_flags(tpl, data, partials, 0, out, err);
}

int mu_render_flags(const mu_template_src *tpl, const mu_node *data, const mu_partials *partials,
                    unsigned flags, mu_buffer *out, mu_error *err)
{
    mu_options opts = {flags, NULL};
    return mu_render_opts(tpl, data, partials, &opts, out, err);
}

int mu_render_opts(const mu_template_src *tpl, const mu_node *data, const mu_partials *partials,
                   const mu_options *opts, mu_buffer *out, mu_error *err)
{
    mu_error scratch;
    const char *name = tpl->name ? tpl->name : "";
    tmpl t = {name, strlen(name), tpl->text, tpl->len, 0, NULL, 0, 0, NULL};
    render r = {partials, out, err ? err : &scratch, 0, !(opts->flags & MU_NO_ESCAPE),
                (opts->flags & MU_STRICT) != 0, opts->partial_names, data, &t, NULL,
                NULL, 0, 0, 0, out->len, MU_MAX_TAG_RENDERS, MU_MAX_RENDER_STEPS,
                MU_MAX_OUTPUT, 0, 0};
    size_t mark = out->len;
    frame root = {data, NULL, false};
    int rc = prepare(&t, r.err);
    if (rc == 0)
        rc = render_range(&r, &t, 0, t.count, &root);
    free(t.nodes);
    free(t.renders);
    free_cache(&r);
    if (rc != 0 && out->data) {
        out->len = mark;
        out->data[mark] = '\0';
    }
    return rc;
}
