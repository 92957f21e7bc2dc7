/* cat_common.c: what every topicgen-cat verb shares (contract: cat_int.h).
 *
 * The command line, the client config (file, environment, -X, --brokers:
 * later wins), finding a type by name or topic, decoding a record with the
 * runtime's own handling steps (tg_handle_int.h: the service's schema and
 * version check, decode and arena limits, so the tool never judges a record
 * differently), JSON output that stays valid whatever bytes a record holds,
 * and the progress line (only when stderr is a terminal). */
#define _POSIX_C_SOURCE 200809L
#include "cat_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char cat_common_usage[] =
    "Common options:\n"
    "  --brokers LIST        bootstrap.servers (host:port,...)\n"
    "  --bootstrap-file PATH its first line is the broker list (as topicgen-broker prints it)\n"
    "  --config FILE         librdkafka / topicgen.* properties, one key=value a line\n"
    "  -X KEY=VALUE          one property (repeatable), like kcat\n"
    "  -h, --help            this text\n"
    "The cluster: --brokers, else --bootstrap-file, else TOPICGEN_BROKERS=host:port[,...].\n"
    "Exit status: 0 success, 1 some record bad (see the verb), 2 usage, 3 Kafka or I/O error.\n";

void cat_say(const cat_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)fprintf(stderr, "topicgen-cat %s: ", ctx->verb);
    (void)vfprintf(stderr, fmt, ap);
    (void)fputc('\n', stderr);
    va_end(ap);
}

int64_t cat_now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the command line ------------------------------------------------------- */

static int bad_usage(const cat_ctx *ctx, const char *usage, const char *what, const char *arg)
{
    cat_say(ctx, "%s%s%s", what, arg ? " " : "", arg ? arg : "");
    (void)fprintf(stderr, "%s%s", usage, cat_common_usage);
    return CAT_USAGE;
}

static bool parse_num(const char *s, long long min, long long max, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static const cat_opt *find_opt(const cat_opt *opts, size_t n, const char *flag)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(opts[i].flag, flag) == 0)
            return &opts[i];
    return NULL;
}

static int read_bootstrap_file(const cat_ctx *ctx, cat_common *c)
{
    FILE *f = fopen(c->bootstrap_file, "r");
    if (!f || !fgets(c->line, sizeof c->line, f)) {
        cat_say(ctx, "--bootstrap-file %s: no first line (%s)", c->bootstrap_file,
                f ? "empty" : strerror(errno));
        if (f)
            (void)fclose(f);
        return CAT_USAGE;
    }
    (void)fclose(f);
    c->line[strcspn(c->line, "\r\n")] = '\0';
    c->brokers = c->line;
    return CAT_OK;
}

/* One flag at argv[*i] (its value, if any, consumed). */
static int parse_flag(const cat_ctx *ctx, int argc, char **argv, int *i, const char *usage,
                      cat_common *c, const cat_opt *opts, size_t n_opts)
{
    const char *a = argv[*i];
    const char **common_str = strcmp(a, "--brokers") == 0          ? &c->brokers
                              : strcmp(a, "--bootstrap-file") == 0 ? &c->bootstrap_file
                              : strcmp(a, "--config") == 0         ? &c->config_file
                                                                   : NULL;
    const cat_opt *o = find_opt(opts, n_opts, a);
    bool is_x = strcmp(a, "-X") == 0;
    if (!common_str && !o && !is_x)
        return bad_usage(ctx, usage, "unknown option", a);
    if (o && o->on) {
        *o->on = true;
        return CAT_OK;
    }
    if (*i + 1 >= argc)
        return bad_usage(ctx, usage, "a value is missing after", a);
    const char *v = argv[++*i];
    if (common_str)
        *common_str = v;
    else if (is_x) {
        if (!strchr(v, '=') || c->n_x == CAT_MAX_X)
            return bad_usage(ctx, usage, "-X needs KEY=VALUE (at most 64), got", v);
        c->x[c->n_x++] = v;
    } else if (o->str)
        *o->str = v;
    else if (!parse_num(v, o->min, o->max, o->num)) {
        cat_say(ctx, "%s %s: expected a whole number from %lld to %lld", a, v, o->min, o->max);
        return CAT_USAGE;
    }
    return CAT_OK;
}

int cat_parse(const cat_ctx *ctx, int argc, char **argv, int first, const char *usage,
              cat_common *c, const cat_opt *opts, size_t n_opts, const char **pos,
              size_t *n_pos, size_t min_pos, size_t max_pos)
{
    memset(c, 0, sizeof *c);
    *n_pos = 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            (void)printf("%s%s", usage, cat_common_usage);
            return CAT_HELP;
        }
        if (a[0] == '-' && a[1] != '\0') {
            int rc = parse_flag(ctx, argc, argv, &i, usage, c, opts, n_opts);
            if (rc != CAT_OK)
                return rc;
        } else if (*n_pos == max_pos)
            return bad_usage(ctx, usage, "unexpected argument", a);
        else
            pos[(*n_pos)++] = a;
    }
    if (*n_pos < min_pos)
        return bad_usage(ctx, usage, "missing argument:", min_pos == 1 ? "TOPIC" : "see usage");
    if (!c->brokers && c->bootstrap_file)
        return read_bootstrap_file(ctx, c);
    return CAT_OK;
}

/* ---- config and clients --------------------------------------------------- */

static int apply_x(tg_config *conf, const char *kv, tg_error *err)
{
    char key[256];
    size_t klen = (size_t)(strchr(kv, '=') - kv);
    if (klen >= sizeof key)
        return tg_error_set(err, TG_ERR_CONFIG, "property name too long: %s", kv);
    memcpy(key, kv, klen);
    key[klen] = '\0';
    return tg_config_set(conf, key, kv + klen + 1, err);
}

tg_config *cat_config(const cat_ctx *ctx, const cat_common *c, tg_config_role role)
{
    tg_error err;
    tg_error_clear(&err);
    tg_config *conf = tg_config_new(role, &err);
    int rc = conf ? 0 : -1;
    if (rc == 0 && c->config_file)
        rc = tg_config_load_file(conf, c->config_file, &err);
    if (rc == 0)
        rc = tg_config_load_env(conf, NULL, &err);
    for (size_t i = 0; rc == 0 && i < c->n_x; i++)
        rc = apply_x(conf, c->x[i], &err);
    if (rc == 0 && c->brokers)
        rc = tg_config_set(conf, "bootstrap.servers", c->brokers, &err);
    if (rc == 0) {
        char b[8];
        if (tg_config_get(conf, "bootstrap.servers", b, sizeof b, NULL) == TG_ERR_CONFIG) {
            tg_error_set(&err, TG_ERR_CONFIG, "no cluster named: give --brokers LIST, "
                                              "--bootstrap-file PATH or TOPICGEN_BROKERS");
            rc = -1;
        }
    }
    if (rc != 0) {
        cat_say(ctx, "%s", err.message);
        tg_config_free(conf);
        return NULL;
    }
    return conf;
}

rd_kafka_t *cat_consumer(const cat_ctx *ctx, const tg_config *conf)
{
    char errstr[512], group[64];
    rd_kafka_conf_t *rc = tg_config_rdkafka_dup(conf);
    if (!rc) {
        cat_say(ctx, "out of memory");
        return NULL;
    }
    /* librdkafka's consumer API (assign, poll) needs a group.id even when
     * nothing joins or commits: a throwaway one, never committed to. */
    size_t glen = sizeof group;
    if (rd_kafka_conf_get(rc, "group.id", group, &glen) != RD_KAFKA_CONF_OK || glen <= 1) {
        (void)snprintf(group, sizeof group, "topicgen-cat-%ld-%lld", (long)getpid(),
                       (long long)cat_now_ms());
        (void)rd_kafka_conf_set(rc, "group.id", group, errstr, sizeof errstr);
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, rc, errstr, sizeof errstr);
    if (!rk) {
        rd_kafka_conf_destroy(rc);
        cat_say(ctx, "cannot create a consumer: %s", errstr);
        return NULL;
    }
    (void)rd_kafka_poll_set_consumer(rk);
    return rk;
}

static int compare_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

int cat_partitions(const cat_ctx *ctx, rd_kafka_t *rk, const char *topic, int timeout_ms,
                   int32_t **parts, size_t *n)
{
    rd_kafka_topic_t *t = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = t ? rd_kafka_metadata(rk, 0, t, &md, timeout_ms)
                              : RD_KAFKA_RESP_ERR__INVALID_ARG;
    if (t)
        rd_kafka_topic_destroy(t);
    if (!e && (md->topic_cnt != 1 || md->topics[0].err))
        e = md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    if (!e && md->topics[0].partition_cnt == 0)
        e = RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    if (e) {
        cat_say(ctx, "topic '%s': %s", topic, rd_kafka_err2str(e));
        if (md)
            rd_kafka_metadata_destroy(md);
        return -1;
    }
    *n = (size_t)md->topics[0].partition_cnt;
    *parts = calloc(*n, sizeof **parts);
    for (size_t i = 0; *parts && i < *n; i++)
        (*parts)[i] = md->topics[0].partitions[i].id;
    rd_kafka_metadata_destroy(md);
    if (!*parts) {
        cat_say(ctx, "out of memory");
        return -1;
    }
    qsort(*parts, *n, sizeof **parts, compare_i32);
    return 0;
}

/* ---- types ------------------------------------------------------------------ */

static bool named(const tg_message_desc *d, const char *name, size_t len)
{
    size_t s = strlen(d->schema), m = strlen(d->name);
    if (len == m && memcmp(name, d->name, m) == 0)
        return true;
    return len == s + 1 + m && memcmp(name, d->schema, s) == 0 && name[s] == '.' &&
           memcmp(name + s + 1, d->name, m) == 0;
}

const tg_message_desc *cat_type_named(const cat_ctx *ctx, const char *name, size_t len)
{
    const tg_message_desc *found = NULL;
    size_t count = 0;
    for (size_t t = 0; ctx->tables && ctx->tables[t]; t++)
        for (size_t i = 0; ctx->tables[t][i]; i++)
            if (named(ctx->tables[t][i], name, len)) {
                found = ctx->tables[t][i];
                count++;
            }
    return count == 1 ? found : NULL;
}

const tg_message_desc *cat_type_of_topic(const cat_ctx *ctx, const char *topic, size_t *count)
{
    const tg_message_desc *found = NULL;
    *count = 0;
    for (size_t t = 0; ctx->tables && ctx->tables[t]; t++)
        for (size_t i = 0; ctx->tables[t][i]; i++)
            if (strcmp(ctx->tables[t][i]->topic, topic) == 0) {
                found = ctx->tables[t][i];
                (*count)++;
            }
    return *count == 1 ? found : NULL;
}

/* ---- decoding --------------------------------------------------------------- */

int cat_decoder_init(cat_decoder *d, const cat_ctx *ctx, const tg_settings *s)
{
    size_t slot = 16;
    memset(d, 0, sizeof *d);
    for (size_t t = 0; ctx->tables && ctx->tables[t]; t++)
        for (size_t i = 0; ctx->tables[t][i]; i++)
            if (ctx->tables[t][i]->struct_size > slot)
                slot = ctx->tables[t][i]->struct_size;
    d->enc_cap = 65536;
    d->enc = malloc(d->enc_cap);
    d->slot = aligned_alloc(TG_HANDLE_SLOT_ALIGN,
                            (slot + TG_HANDLE_SLOT_ALIGN - 1) / TG_HANDLE_SLOT_ALIGN *
                                TG_HANDLE_SLOT_ALIGN);
    if (tg_hctx_init(&d->hctx, s, 0) != 0 || !d->enc || !d->slot) {
        cat_decoder_free(d);
        return -1;
    }
    return 0;
}

void cat_decoder_free(cat_decoder *d)
{
    tg_hctx_free(&d->hctx);
    free(d->slot);
    free(d->enc);
    memset(d, 0, sizeof *d);
}

/* The first decode error's path and offset into v (the reason is written
 * by tg_handle_decode already). */
static void note_first_error(cat_decoder *d, cat_verdict *v)
{
    if (d->hctx.errors.count == 0)
        return;
    const tg_json_error *e = &d->hctx.errors.items[0];
    (void)snprintf(v->path, sizeof v->path, "%s", e->path);
    v->offset = e->offset;
    (void)snprintf(v->reason, sizeof v->reason, "%s", e->reason);
}

static bool decode_into_slot(cat_decoder *d, const tg_message_desc *desc, const void *value,
                             size_t len, cat_verdict *v)
{
    char path[256];
    tg_decode_res r;
    do {                             /* bounded: each ARENA_FULL grew the arena */
        tg_arena_reset(&d->hctx.arena);
        r = tg_handle_decode(&d->hctx, desc, value, len, d->slot, v->reason, sizeof v->reason,
                             path, sizeof path);
    } while (r == TG_DECODE_ARENA_FULL);
    if (r == TG_DECODE_OK)
        return true;
    (void)snprintf(v->path, sizeof v->path, "%s", path[0] ? path : "$");
    note_first_error(d, v);
    return false;
}

static void verdict_clear(cat_verdict *v)
{
    memset(v, 0, sizeof *v);
    (void)snprintf(v->path, sizeof v->path, "$");
}

void cat_decode_text(cat_decoder *d, const tg_message_desc *desc, const char *json, size_t len,
                     cat_verdict *v)
{
    verdict_clear(v);
    v->ok = decode_into_slot(d, desc, json, len, v);
}

static bool reencode(cat_decoder *d, const tg_message_desc *desc, cat_verdict *v)
{
    size_t n = 0;
    tg_json_code c = desc->encode(d->slot, d->enc, d->enc_cap, &n);
    if (n > d->enc_cap) {
        char *bigger = realloc(d->enc, n);
        if (!bigger) {
            (void)snprintf(v->reason, sizeof v->reason, "out of memory re-encoding");
            return false;
        }
        d->enc = bigger;
        d->enc_cap = n;
        c = desc->encode(d->slot, d->enc, d->enc_cap, &n);
    }
    if (c != TG_JSON_OK) {
        (void)snprintf(v->reason, sizeof v->reason, "re-encode: %s", tg_json_code_name(c));
        return false;
    }
    v->json = d->enc;
    v->json_len = n;
    return true;
}

void cat_decode(cat_decoder *d, const tg_message_desc *desc, const tg_record *rec,
                cat_verdict *v)
{
    tg_msg_meta meta;
    tg_found_header schema;
    verdict_clear(v);
    tg_handle_meta(rec, desc, 1, &meta, &schema);
    if (!rec->value) {
        (void)snprintf(v->reason, sizeof v->reason, "tombstone (null value)");
        return;
    }
    if (!tg_handle_schema(&meta, &schema, TG_SCHEMA_MATCH, v->reason, sizeof v->reason))
        return;
    if (!decode_into_slot(d, desc, rec->value, rec->len, v))
        return;
    v->ok = reencode(d, desc, v);
}

/* ---- output ----------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s[0..n), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || len > n || (len == 2 && c < 0xC2) || (len == 4 && c > 0xF4))
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if (len == 3 && ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0)))
        return 0;
    if (len == 4 && ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90)))
        return 0;
    return len;
}

bool cat_utf8_valid(const void *s, size_t n, size_t *bad_at)
{
    const unsigned char *p = s;
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(p + i, n - i);
        if (k == 0) {
            if (bad_at)
                *bad_at = i;
            return false;
        }
        i += k;
    }
    return true;
}

static void put_escaped_byte(FILE *f, unsigned char c)
{
    switch (c) {
    case '"': (void)fputs("\\\"", f); break;
    case '\\': (void)fputs("\\\\", f); break;
    case '\n': (void)fputs("\\n", f); break;
    case '\r': (void)fputs("\\r", f); break;
    case '\t': (void)fputs("\\t", f); break;
    default:
        if (c < 0x20 || c == 0x7F)
            (void)fprintf(f, "\\u%04x", c);
        else
            (void)fputc(c, f);
    }
}

bool cat_json_string(FILE *f, const void *s, size_t n, size_t *bad_at)
{
    const unsigned char *p = s;
    bool valid = true;
    (void)fputc('"', f);
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(p + i, n - i);
        if (k == 0) {
            if (valid && bad_at)
                *bad_at = i;
            valid = false;
            (void)fputs("\\ufffd", f);
            i++;
        } else if (k == 1) {
            put_escaped_byte(f, p[i++]);
        } else {
            (void)fwrite(p + i, 1, k, f);
            i += k;
        }
    }
    (void)fputc('"', f);
    return valid;
}

void cat_json_base64(FILE *f, const void *s, size_t n)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = s;
    (void)fputc('"', f);
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        (void)fputc(a[v >> 18 & 63], f);
        (void)fputc(a[v >> 12 & 63], f);
        (void)fputc(i + 1 < n ? a[v >> 6 & 63] : '=', f);
        (void)fputc(i + 2 < n ? a[v & 63] : '=', f);
    }
    (void)fputc('"', f);
}

size_t cat_json_headers(const cat_ctx *ctx, FILE *f, const rd_kafka_headers_t *h,
                        int32_t partition, int64_t offset)
{
    const char *name;
    const void *v;
    size_t n, bad = 0, at = 0;
    (void)fputc('{', f);
    for (size_t i = 0; h && rd_kafka_header_get_all(h, i, &name, &v, &n) == 0; i++) {
        if (i)
            (void)fputc(',', f);
        (void)cat_json_string(f, name, strlen(name), NULL);
        (void)fputc(':', f);
        if (!v)
            (void)fputs("null", f);
        else if (cat_utf8_valid(v, n, &at))
            (void)cat_json_string(f, v, n, NULL);
        else {
            cat_say(ctx, "partition %d offset %lld: header '%s' is not UTF-8 (byte %zu); "
                    "shown as {\"base64\":...}", (int)partition, (long long)offset, name, at);
            (void)fputs("{\"base64\":", f);
            cat_json_base64(f, v, n);
            (void)fputc('}', f);
            bad++;
        }
    }
    (void)fputc('}', f);
    return bad;
}

bool cat_header(const rd_kafka_headers_t *h, const char *name, const void **v, size_t *n)
{
    return h && rd_kafka_header_get_last(h, name, v, n) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

bool cat_header_text(const rd_kafka_headers_t *h, const char *name, char *buf, size_t cap)
{
    const void *v;
    size_t n;
    if (!cat_header(h, name, &v, &n) || !v)
        return false;
    if (buf && cap) {
        size_t k = n < cap - 1 ? n : cap - 1;
        memcpy(buf, v, k);
        buf[k] = '\0';
    }
    return true;
}

/* ---- dead letters ------------------------------------------------------------ */

bool cat_is_envelope(const char *name)
{
    return strncmp(name, CAT_DLQ_PREFIX, sizeof CAT_DLQ_PREFIX - 1) == 0;
}

rd_kafka_headers_t *cat_headers_without_envelope(const rd_kafka_headers_t *h)
{
    const char *name;
    const void *v;
    size_t n;
    rd_kafka_headers_t *out = h ? rd_kafka_headers_new(rd_kafka_header_cnt(h)) : NULL;
    for (size_t i = 0; out && rd_kafka_header_get_all(h, i, &name, &v, &n) == 0; i++)
        if (!cat_is_envelope(name))
            (void)rd_kafka_header_add(out, name, -1, v, v ? (ssize_t)n : -1);
    return out;
}

/* ---- progress ---------------------------------------------------------------- */

void cat_progress_init(cat_progress *p)
{
    p->on = isatty(STDERR_FILENO) == 1;
    p->last_ms = 0;
}

void cat_progress_show(cat_progress *p, bool force, const char *fmt, ...)
{
    if (!p->on)
        return;
    int64_t now = cat_now_ms();
    if (!force && p->last_ms && now - p->last_ms < 200)
        return;
    p->last_ms = now;
    va_list ap;
    va_start(ap, fmt);
    (void)fputs("\r\033[K", stderr);
    (void)vfprintf(stderr, fmt, ap);
    (void)fflush(stderr);
    va_end(ap);
}

void cat_progress_done(cat_progress *p)
{
    if (p->on && p->last_ms)
        (void)fputc('\n', stderr);
}
