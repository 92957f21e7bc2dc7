/*
 * tg_spool.c: durable append-only record file (see tg_spool.h).
 *
 * Appending is rare (only failed deliveries), so clarity beats speed here:
 * a record is serialised into a malloc'd buffer, written with one write()
 * and synced.  Replay reads the whole file into memory.
 */
#define _POSIX_C_SOURCE 200809L

#include "tg_spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SPOOL_MAGIC 0x31534754u /* "TGS1" */
#define SPOOL_HEAD 12u          /* magic, length, crc */

struct tg_spool {
    int fd;
    uint64_t count;
};

uint32_t tg_crc32c(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* ---- serialising ----------------------------------------------------------- */

typedef struct outbuf {
    unsigned char *p;
    size_t len;
} outbuf;

static void put_uint(outbuf *o, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        o->p[o->len++] = (unsigned char)(v >> (8 * i));
}

static void put_bytes(outbuf *o, const void *data, size_t n)
{
    if (n)
        memcpy(o->p + o->len, data, n);
    o->len += n;
}

static size_t body_size(const tg_spool_record *r)
{
    size_t n = 2 + r->topic_len + 4 + 8 + 1 + 4 + r->key_len + 4 + r->value_len + 2;
    for (size_t i = 0; i < r->n_headers; i++)
        n += 2 + r->headers[i].name_len + 1 + 4 + r->headers[i].value_len;
    return n;
}

static bool record_fits(const tg_spool_record *r)
{
    if (r->topic_len > UINT16_MAX || r->n_headers > UINT16_MAX || r->key_len > UINT32_MAX ||
        r->value_len > UINT32_MAX)
        return false;
    for (size_t i = 0; i < r->n_headers; i++)
        if (r->headers[i].name_len > UINT16_MAX || r->headers[i].value_len > UINT32_MAX)
            return false;
    return body_size(r) <= UINT32_MAX - SPOOL_HEAD;
}

static void put_body(outbuf *o, const tg_spool_record *r)
{
    put_uint(o, r->topic_len, 2);
    put_bytes(o, r->topic, r->topic_len);
    put_uint(o, (uint32_t)r->partition, 4);
    put_uint(o, (uint64_t)r->timestamp_ms, 8);
    put_uint(o, r->key != NULL, 1);
    put_uint(o, r->key ? r->key_len : 0, 4);
    put_bytes(o, r->key, r->key ? r->key_len : 0);
    put_uint(o, r->value_len, 4);
    put_bytes(o, r->value, r->value_len);
    put_uint(o, r->n_headers, 2);
    for (size_t i = 0; i < r->n_headers; i++) {
        const tg_spool_header *h = &r->headers[i];
        put_uint(o, h->name_len, 2);
        put_bytes(o, h->name, h->name_len);
        put_uint(o, h->value != NULL, 1);
        put_uint(o, h->value ? h->value_len : 0, 4);
        put_bytes(o, h->value, h->value ? h->value_len : 0);
    }
}

tg_spool *tg_spool_open(const char *path, tg_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
        tg_error_set(err, TG_ERR_IO, "cannot open spool %s: %s", path, strerror(errno));
        return NULL;
    }
    tg_spool *s = calloc(1, sizeof *s);
    if (!s) {
        close(fd);
        tg_error_set(err, TG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    s->fd = fd;
    return s;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int tg_spool_append(tg_spool *s, const tg_spool_record *rec, tg_error *err)
{
    if (!record_fits(rec))
        return tg_error_set(err, TG_ERR_ARG, "record too large for the spool format");
    size_t body = body_size(rec);
    outbuf o = {malloc(SPOOL_HEAD + body), 0};
    if (!o.p)
        return tg_error_set(err, TG_ERR_NOMEM, "out of memory");
    put_uint(&o, SPOOL_MAGIC, 4);
    put_uint(&o, body, 4);
    o.len += 4; /* crc, filled below */
    put_body(&o, rec);
    uint32_t crc = tg_crc32c(o.p + SPOOL_HEAD, body);
    for (unsigned i = 0; i < 4; i++)
        o.p[8 + i] = (unsigned char)(crc >> (8 * i));
    int rc = write_all(s->fd, o.p, o.len) == 0 && fdatasync(s->fd) == 0 ? 0 : -1;
    free(o.p);
    if (rc != 0)
        return tg_error_set(err, TG_ERR_IO, "cannot write spool: %s", strerror(errno));
    s->count++;
    return 0;
}

uint64_t tg_spool_count(const tg_spool *s)
{
    return s->count;
}

void tg_spool_close(tg_spool *s)
{
    if (!s)
        return;
    close(s->fd);
    free(s);
}

/* ---- reading ---------------------------------------------------------------- */

typedef struct inbuf {
    const unsigned char *p;
    size_t len, pos;
    bool bad;
} inbuf;

static uint64_t get_uint(inbuf *in, unsigned bytes)
{
    uint64_t v = 0;
    if (in->len - in->pos < bytes) {
        in->bad = true;
        return 0;
    }
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)in->p[in->pos++] << (8 * i);
    return v;
}

static const void *get_bytes(inbuf *in, size_t n)
{
    if (in->len - in->pos < n) {
        in->bad = true;
        return NULL;
    }
    const void *p = in->p + in->pos;
    in->pos += n;
    return p;
}

/* Parse one body; headers go into a malloc'd array (*headers, freed by the
 * caller).  False when the body is malformed. */
static bool parse_body(inbuf *in, tg_spool_record *r, tg_spool_header **headers)
{
    memset(r, 0, sizeof *r);
    r->topic_len = (size_t)get_uint(in, 2);
    r->topic = get_bytes(in, r->topic_len);
    r->partition = (int32_t)(uint32_t)get_uint(in, 4);
    r->timestamp_ms = (int64_t)get_uint(in, 8);
    bool has_key = get_uint(in, 1) != 0;
    r->key_len = (size_t)get_uint(in, 4);
    r->key = get_bytes(in, r->key_len);
    if (!has_key)
        r->key = NULL;
    r->value_len = (size_t)get_uint(in, 4);
    r->value = get_bytes(in, r->value_len);
    r->n_headers = (size_t)get_uint(in, 2);
    *headers = r->n_headers ? calloc(r->n_headers, sizeof **headers) : NULL;
    if (r->n_headers && !*headers)
        return false;
    for (size_t i = 0; i < r->n_headers && !in->bad; i++) {
        tg_spool_header *h = &(*headers)[i];
        h->name_len = (size_t)get_uint(in, 2);
        h->name = get_bytes(in, h->name_len);
        bool has_value = get_uint(in, 1) != 0;
        h->value_len = (size_t)get_uint(in, 4);
        h->value = get_bytes(in, h->value_len);
        if (!has_value)
            h->value = NULL;
    }
    r->headers = *headers;
    return !in->bad && in->pos == in->len;
}

static unsigned char *read_file(const char *path, size_t *len, tg_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        tg_error_set(err, TG_ERR_IO, "cannot open spool %s: %s", path, strerror(errno));
        return NULL;
    }
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0, got;
    do {
        if (n == cap) {
            unsigned char *grown = realloc(buf, cap = cap ? cap * 2 : 65536);
            if (!grown) {
                free(buf);
                (void)fclose(f);
                tg_error_set(err, TG_ERR_NOMEM, "out of memory reading %s", path);
                return NULL;
            }
            buf = grown;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    bool failed = ferror(f);
    (void)fclose(f); /* read only: ferror above is what counts */
    if (failed) {
        free(buf);
        tg_error_set(err, TG_ERR_IO, "cannot read spool %s", path);
        return NULL;
    }
    *len = n;
    return buf;
}

int tg_spool_replay(const char *path, tg_spool_fn fn, void *user, uint64_t *count,
                    uint64_t *torn_bytes, tg_error *err)
{
    size_t len = 0;
    unsigned char *buf = read_file(path, &len, err);
    uint64_t done = 0, torn = 0;
    int rc = buf ? 0 : TG_ERR_IO;
    for (size_t pos = 0; rc == 0 && pos < len;) {
        inbuf head = {buf + pos, len - pos, 0, false};
        uint32_t magic = (uint32_t)get_uint(&head, 4), body = (uint32_t)get_uint(&head, 4);
        uint32_t crc = (uint32_t)get_uint(&head, 4);
        if (head.bad || (magic == SPOOL_MAGIC && len - pos - SPOOL_HEAD < body)) {
            torn = len - pos; /* the crash-interrupted last append */
            break;
        }
        if (magic != SPOOL_MAGIC || tg_crc32c(buf + pos + SPOOL_HEAD, body) != crc) {
            rc = tg_error_set(err, TG_ERR_IO, "spool %s: corrupt record at byte %zu", path, pos);
            break;
        }
        inbuf in = {buf + pos + SPOOL_HEAD, body, 0, false};
        tg_spool_record rec;
        tg_spool_header *headers = NULL;
        if (!parse_body(&in, &rec, &headers))
            rc = tg_error_set(err, TG_ERR_IO, "spool %s: malformed record at byte %zu", path, pos);
        else if ((rc = fn(user, &rec)) == 0)
            done++;
        free(headers);
        pos += SPOOL_HEAD + body;
    }
    free(buf);
    if (count)
        *count = done;
    if (torn_bytes)
        *torn_bytes = torn;
    return rc;
}
