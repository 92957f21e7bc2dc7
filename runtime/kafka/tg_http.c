/* tg_http: the /metrics, /healthz and /readyz endpoint of one client on
 * libmicrohttpd (contract: tg_http_int.h).  libmicrohttpd owns the socket,
 * the HTTP parsing and its thread; this file parses the listen address,
 * answers the three paths and owns nothing else.  Without libmicrohttpd
 * (TOPICGEN_WITH_HTTP off) only the refusal is compiled. */
#define _POSIX_C_SOURCE 200809L
#include "tg_http_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if TOPICGEN_WITH_HTTP

#include <microhttpd.h>
#include <netdb.h>
#include <sys/socket.h>

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct tg_http {
    struct MHD_Daemon *daemon;
    tg_http_source src;
    char address[300];
};

/* Split "host:port" or "[v6]:port" into host and port texts. */
static int split_listen(const char *listen, char *host, size_t hcap, char *port, size_t pcap)
{
    const char *colon = strrchr(listen, ':');
    const char *h = listen, *h_end = colon;
    if (!colon || colon[1] == '\0' || strlen(colon + 1) >= pcap)
        return -1;
    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (!close || close + 1 != colon)
            return -1;
        h = listen + 1;
        h_end = close;
    }
    size_t n = (size_t)(h_end - h);
    if (n == 0 || n >= hcap)
        return -1;
    for (const char *p = colon + 1; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    if (atol(colon + 1) > 65535)
        return -1;
    memcpy(host, h, n);
    host[n] = '\0';
    (void)snprintf(port, pcap, "%s", colon + 1);
    return 0;
}

static struct addrinfo *resolve(const char *listen, tg_error *err)
{
    char host[256], port[8];
    struct addrinfo hints, *ai = NULL;
    if (split_listen(listen, host, sizeof host, port, sizeof port)) {
        tg_error_set(err, TG_ERR_CONFIG, "topicgen.metrics.listen: '%.200s' is not HOST:PORT "
                                         "(PORT 0..65535, [IPv6]:PORT)", listen);
        return NULL;
    }
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        tg_error_set(err, TG_ERR_CONFIG, "topicgen.metrics.listen: '%.200s': %s", listen,
                     gai_strerror(rc));
        return NULL;
    }
    return ai;
}

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status, char *body,
                               size_t len, const char *type)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    (void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    (void)MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result ok = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result respond_text(struct MHD_Connection *conn, unsigned status,
                                    const char *text)
{
    size_t n = strlen(text);
    char *body = malloc(n + 1);
    if (!body)
        return MHD_NO;
    memcpy(body, text, n + 1);
    return respond(conn, status, body, n, "text/plain; charset=utf-8");
}

static enum MHD_Result serve_metrics(tg_http *h, struct MHD_Connection *conn)
{
    size_t need = tg_metrics_write_prometheus(h->src.metrics, NULL, 0);
    char *body = malloc(need + 1);
    if (!body)
        return MHD_NO;
    size_t len = tg_metrics_write_prometheus(h->src.metrics, body, need + 1);
    return respond(conn, MHD_HTTP_OK, body, len < need ? len : need, PROM_CONTENT_TYPE);
}

static enum MHD_Result serve_probe(tg_http *h, struct MHD_Connection *conn, tg_http_probe_fn fn,
                                   const char *yes)
{
    char why[256] = "", text[300];
    int ok = fn ? fn(h->src.user, why, sizeof why) : 1;
    (void)snprintf(text, sizeof text, "%s%s%s%s\n", ok ? "" : "not ", yes, why[0] ? ": " : "",
                   why);
    return respond_text(conn, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, text);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    tg_http *h = cls;
    (void)version;
    (void)upload_data;
    (void)req_cls;
    if (*upload_data_size) {
        *upload_data_size = 0;  /* a body is ignored */
        return MHD_YES;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return respond_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n");
    if (strcmp(url, "/metrics") == 0)
        return serve_metrics(h, conn);
    if (strcmp(url, "/healthz") == 0)
        return serve_probe(h, conn, h->src.alive, "alive");
    if (strcmp(url, "/readyz") == 0)
        return serve_probe(h, conn, h->src.ready, "ready");
    return respond_text(conn, MHD_HTTP_NOT_FOUND, "not found: /metrics, /healthz, /readyz\n");
}

/* "host:port" of the bound socket. */
static void bound_address(tg_http *h, const struct addrinfo *ai)
{
    char host[256] = "?";
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : 0;
    (void)getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, NULL, 0, NI_NUMERICHOST);
    (void)snprintf(h->address, sizeof h->address, ai->ai_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
                   host, port);
}

tg_http *tg_http_start(const char *listen, const tg_http_source *src, const tg_logger *logger,
                       tg_error *err)
{
    struct addrinfo *ai = resolve(listen ? listen : "", err);
    if (!ai)
        return NULL;
    tg_http *h = calloc(1, sizeof *h);
    if (!h) {
        freeaddrinfo(ai);
        tg_error_set(err, TG_ERR_NOMEM, "out of memory");
        return NULL;
    }
    h->src = *src;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO
                     | (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR,
                                 ai->ai_addr, MHD_OPTION_CONNECTION_LIMIT, 64u,
                                 MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    if (!h->daemon) {
        tg_error_set(err, TG_ERR_CONFIG, "topicgen.metrics.listen: cannot listen on '%.200s' "
                                         "(address in use or not local?)", listen);
        freeaddrinfo(ai);
        free(h);
        return NULL;
    }
    bound_address(h, ai);
    freeaddrinfo(ai);
    tg_log_kv kv[1] = { { "address", h->address } };
    tg_log(logger, TG_LOG_INFO, "http", "metrics endpoint listening", kv, 1);
    return h;
}

const char *tg_http_address(const tg_http *h)
{
    return h ? h->address : NULL;
}

void tg_http_stop(tg_http *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->daemon);
    free(h);
}

#else /* !TOPICGEN_WITH_HTTP */

struct tg_http { int unused; };

tg_http *tg_http_start(const char *listen, const tg_http_source *src, const tg_logger *logger,
                       tg_error *err)
{
    (void)src;
    (void)logger;
    tg_error_set(err, TG_ERR_CONFIG, "topicgen.metrics.listen=%.200s: this libtopicgen_kafka was "
                                     "built without libmicrohttpd (TOPICGEN_WITH_HTTP=OFF)",
                 listen ? listen : "");
    return NULL;
}

const char *tg_http_address(const tg_http *h)
{
    (void)h;
    return NULL;
}

void tg_http_stop(tg_http *h)
{
    (void)h;
}

#endif
