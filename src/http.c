/*
 * http.c: the libmicrohttpd daemon, request lifecycle and router. Bodies are collected
 * into a capped buffer (413 beyond http.max_body_bytes), decoded when gzip'd, then
 * handed to one route handler. Every response carries X-Elastic-Product so Elasticsearch
 * clients' product check passes (interop.md 1.3, 1.4).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <sys/socket.h>
#include <zlib.h>

#include "http.h"
#include "http_int.h"
#include "ingest.h"
#include "jv.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "plug.h"
#include "amqp_srv.h"

struct wd_http {
    struct MHD_Daemon *d;
    struct wd_server *s;
    int port;
    int active; /* open connections (atomic) */
    char *tls_cert, *tls_key;
};

void wd_http_error(struct wd_http_resp *r, int status, const char *type, const char *reason)
{
    r->status = status;
    r->body.len = 0;
    wd_buf_printf(&r->body, "{\"error\":{\"root_cause\":[{\"type\":\"%s\",\"reason\":", type);
    wd_jv_write_str(reason, strlen(reason), &r->body);
    wd_buf_printf(&r->body, "}],\"type\":\"%s\",\"reason\":", type);
    wd_jv_write_str(reason, strlen(reason), &r->body);
    wd_buf_printf(&r->body, "},\"status\":%d}", status);
}

int wd_http_decode_body(struct wd_http_req *q)
{
    const char *enc =
        MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);
    if (!enc || strcasecmp(enc, "identity") == 0 || q->body.len == 0)
        return WD_OK;
    if (strcasecmp(enc, "gzip") != 0 && strcasecmp(enc, "deflate") != 0 &&
        strcasecmp(enc, "x-gzip") != 0)
        return WD_EPARSE;
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 15 + 32) != Z_OK) /* +32: zlib or gzip header, detected */
        return WD_ENOMEM;
    struct wd_buf out;
    wd_buf_init(&out, q->body.max_len);
    z.next_in = (Bytef *)q->body.p;
    z.avail_in = (uInt)q->body.len;
    int rc = WD_OK;
    for (;;) {
        if (wd_buf_reserve(&out, (size_t)64 * 1024) != WD_OK) {
            rc = WD_ELIMIT;
            break;
        }
        z.next_out = (Bytef *)out.p + out.len;
        z.avail_out = (uInt)(out.cap - out.len - 1);
        int zr = inflate(&z, Z_NO_FLUSH);
        out.len = out.cap - 1 - z.avail_out;
        if (zr == Z_STREAM_END) {
            /* Concatenated gzip members are legal: continue with the next one. */
            if (z.avail_in == 0)
                break;
            inflateReset(&z);
            continue;
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR) {
            rc = WD_EPARSE;
            break;
        }
        if (zr == Z_BUF_ERROR && z.avail_in == 0) {
            rc = WD_EPARSE; /* truncated stream */
            break;
        }
    }
    inflateEnd(&z);
    if (rc == WD_OK && wd_buf_reserve(&out, WD_JSON_PADDING) != WD_OK)
        rc = WD_ELIMIT;
    if (rc) {
        wd_buf_fini(&out);
        return rc;
    }
    wd_buf_fini(&q->body);
    q->body = out;
    return WD_OK;
}

static bool method_is(const struct wd_http_req *q, const char *m)
{
    return strcmp(q->method, m) == 0;
}

static bool path_has_prefix(const char *path, const char *prefix)
{
    return strncmp(path, prefix, strlen(prefix)) == 0;
}

/* Suffix match so clients configured with a path prefix still reach /_bulk. */
static bool bulk_index(const char *path, struct wd_str *index)
{
    size_t n = strlen(path);
    if (n < 6 || strcmp(path + n - 6, "/_bulk") != 0)
        return false;
    const char *end = path + n - 6;
    const char *b = end;
    while (b > path && b[-1] != '/')
        b--;
    *index = (struct wd_str){b, (size_t)(end - b)};
    if (index->len == 0 || b[0] == '_')
        *index = (struct wd_str){"", 0};
    return true;
}

static void route(struct wd_http_req *q, struct wd_http_resp *r)
{
    const char *p = q->path;
    bool get = method_is(q, "GET") || method_is(q, "HEAD");
    bool post = method_is(q, "POST") || method_is(q, "PUT");
    struct wd_str index;

    if (strcmp(p, "/status") == 0) {
        if (!get)
            goto not_allowed;
        wd_buf_printf(&r->body, "{\"status\": \"ok\", \"service\": \"loginput\"}");
    } else if (strcmp(p, "/test") == 0) {
        if (!method_is(q, "GET"))
            goto not_allowed;
    } else if (strcmp(p, "/events") == 0 || strcmp(p, "/nxlog") == 0) {
        if (!post)
            goto not_allowed;
        wd_http_events(q, r, NULL);
    } else if (strcmp(p, "/_status") == 0) {
        if (!method_is(q, "GET"))
            goto not_allowed;
        wd_http_events(q, r, NULL);
    } else if (strcmp(p, "/cef") == 0) {
        if (!post)
            goto not_allowed;
        wd_http_events(q, r, NULL);
    } else if (path_has_prefix(p, "/custom/") && p[8] && !strchr(p + 8, '/')) {
        if (!post)
            goto not_allowed;
        wd_http_events(q, r, p + 8);
    } else if (bulk_index(p, &index)) {
        if (!post)
            goto not_allowed;
        wd_http_bulk(q, r, index);
    } else if (strcmp(p, "/metrics") == 0) {
        if (!get)
            goto not_allowed;
        wd_http_metrics(q, r);
    } else if (strcmp(p, "/api/v1/search") == 0) {
        if (!method_is(q, "GET") && !method_is(q, "POST"))
            goto not_allowed;
        wd_http_search(q, r);
    } else if (strcmp(p, "/api/v1/tail") == 0) {
        if (!method_is(q, "GET"))
            goto not_allowed;
        wd_http_tail(q, r);
    } else if (wd_http_auth_route(q, r)) {
        /* /api/v1/auth/..., /api/v1/tokens..., /api/v1/users... (http_auth.c) */
    } else if (wd_http_alerts_route(q, r)) {
        /* /api/v1/alerts..., /api/v1/rules... */
    } else if (wd_http_cases_route(q, r)) {
        /* incidents: /api/v1/incidents..., /veris, /metrics/incidents, /suppressions */
    } else if (wd_http_resp_route(q, r)) {
        /* /api/v1/blocklist/..., /api/v1/watchlist..., /feeds/... (http_resp.c) */
    } else if (!strcmp(p, "/api/v1/zeek") || !strcmp(p, "/api/v1/sources") ||
               !strcmp(p, "/api/v1/lists") || path_has_prefix(p, "/api/v1/lists/")) {
        wd_http_zeek_route(q, r); /* zeek branch: checks its own methods */
    } else if (strcmp(p, "/api/v1/health") == 0) {
        if (!get)
            goto not_allowed;
        wd_buf_printf(&r->body, "{\"status\":\"ok\",\"version\":\"%s\"", WD_VERSION);
        wd_plugins_render_health(q->s->plugins, &r->body); /* plugins: loaded, disabled */
        wd_amqp_render_health(q->s->amqp, &r->body);       /* amqp: connected, retry queue */
        wd_buf_putc(&r->body, '}');
    } else if (wd_http_console_route(q, r)) {
        /* the console: / for browsers, /ui/... (http_console.c) */
    } else if (strcmp(p, "/") == 0) {
        if (!get)
            goto not_allowed;
        wd_http_es_info(q, r);
    } else {
        wd_http_es_probe(q, r);
    }
    return;
not_allowed:
    wd_http_error(r, 405, "method_not_allowed",
                  "this method is not allowed on this path (see docs/api.md)");
}

static void normalize_path(const char *url, char *out, size_t out_len)
{
    size_t n = strcspn(url, "?");
    if (n >= out_len)
        n = out_len - 1;
    memcpy(out, url, n);
    while (n > 1 && out[n - 1] == '/')
        n--;
    out[n] = '\0';
}

/* A streamed answer: the handler built the response; only the common headers are added. */
static enum MHD_Result send_stream(struct wd_http_req *q, struct wd_http_resp *r)
{
    MHD_add_response_header(r->stream, "X-Elastic-Product", "Elasticsearch");
    wd_metric_add(&q->s->metrics.http_requests[r->status / 100], 1);
    enum MHD_Result rc = MHD_queue_response(q->conn, (unsigned)r->status, r->stream);
    MHD_destroy_response(r->stream);
    r->stream = NULL;
    return rc;
}

static enum MHD_Result send_resp(struct wd_http_req *q, struct wd_http_resp *r)
{
    if (r->stream)
        return send_stream(q, r);
    size_t len = r->body.len;
    char *body = wd_buf_detach(&r->body, NULL);
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, body ? body : (char *)"", body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    if (len || r->content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                r->content_type ? r->content_type : "application/json");
    MHD_add_response_header(resp, "X-Elastic-Product", "Elasticsearch");
    if (r->set_cookie[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, r->set_cookie);
    if (r->cache_control[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, r->cache_control);
    else if (strncmp(q->path, "/api/v1/", 8) == 0)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (r->etag[0]) /* cacheable answers (the feeds, http_resp.c) */
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, r->etag);
    if (r->last_modified[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, r->last_modified);
    if (r->retry_after_s > 0) {
        char ra[16];
        snprintf(ra, sizeof(ra), "%d", r->retry_after_s);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    int cls = r->status / 100;
    if (cls >= 1 && cls <= 5)
        wd_metric_add(&q->s->metrics.http_requests[cls], 1);
    enum MHD_Result rc = MHD_queue_response(q->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static int ingest_input_for(const char *path)
{
    struct wd_str idx;
    if (bulk_index(path, &idx))
        return WD_IN_HTTP_BULK;
    if (path_has_prefix(path, "/custom/"))
        return WD_IN_HTTP_CUSTOM;
    if (!strcmp(path, "/events") || !strcmp(path, "/nxlog") || !strcmp(path, "/cef") ||
        !strcmp(path, "/_status"))
        return WD_IN_HTTP_EVENTS;
    if (!strcmp(path, "/api/v1/zeek"))
        return WD_IN_ZEEK;
    return -1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct wd_http *h = cls;
    struct wd_http_req *q = *con_cls;
    WD_UNUSED(version);
    if (!q) {
        char path[1024];
        normalize_path(url, path, sizeof(path));
        q = wd_xcalloc(1, sizeof(*q));
        q->s = h->s;
        q->conn = conn;
        q->method = method;
        q->path = wd_xstrdup(path);
        q->input = ingest_input_for(path);
        q->start_ns = wd_mono_ns();
        wd_buf_init(&q->body, (size_t)h->s->cfg.http_max_body_bytes + WD_JSON_PADDING);
        *con_cls = q;
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        unsigned long long clen = cl ? strtoull(cl, NULL, 10) : 0;
        if (clen > (unsigned long long)h->s->cfg.http_max_body_bytes)
            q->too_large = true;
        else {
            /* One allocation of the announced size (plus parser padding). */
            if (clen && wd_buf_reserve(&q->body, (size_t)clen + WD_JSON_PADDING) != WD_OK)
                q->too_large = true;
            return MHD_YES;
        }
    }
    if (*upload_data_size) {
        if (!q->too_large) {
            if (q->body.len + *upload_data_size > (size_t)h->s->cfg.http_max_body_bytes ||
                wd_buf_append(&q->body, upload_data, *upload_data_size) != WD_OK)
                q->too_large = true;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    struct wd_http_resp r = {.status = 200};
    wd_buf_init(&r.body, 0);
    if (q->too_large) {
        char why[160];
        snprintf(why, sizeof(why), "request body larger than http.max_body_bytes (%lld bytes)",
                 (long long)h->s->cfg.http_max_body_bytes);
        wd_http_error(&r, 413, "content_too_long_exception", why);
        if (q->input >= 0)
            wd_ingest_reject(h->s, q->input, WD_REJ_BODY_TOO_LARGE, 1);
    } else {
        wd_buf_reserve(&q->body, WD_JSON_PADDING);
        /* Access control first, in one place (http_auth.c): handlers need no checks. */
        if (wd_http_authorize(q, &r)) {
            route(q, &r);
            wd_http_audit(q, &r);
        }
    }
    if (method_is(q, "HEAD")) {
        if (r.body.len && !r.content_type)
            r.content_type = "application/json";
        r.body.len = 0;
    }
    enum MHD_Result rc = send_resp(q, &r);
    wd_buf_fini(&r.body);
    return rc;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct wd_http_req *q = *con_cls;
    WD_UNUSED(cls);
    WD_UNUSED(conn);
    WD_UNUSED(toe);
    if (!q)
        return;
    wd_buf_fini(&q->body);
    free((char *)q->path);
    free(q);
    *con_cls = NULL;
}

/* Admits a connection while fewer than http.max_connections are open; counts refusals. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    struct wd_http *h = cls;
    WD_UNUSED(addr);
    WD_UNUSED(addrlen);
    if (__atomic_load_n(&h->active, __ATOMIC_RELAXED) < h->s->cfg.http_max_connections)
        return MHD_YES;
    wd_metric_add(&h->s->metrics.connections_refused[0], 1);
    wd_log_rl(&h->s->rl_ingest, WD_LOG_WARN, "http",
              "connection refused: http.max_connections (%lld) reached",
              (long long)h->s->cfg.http_max_connections);
    return MHD_NO;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct wd_http *h = cls;
    WD_UNUSED(conn);
    WD_UNUSED(socket_context);
    __atomic_add_fetch(&h->active, toe == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1, __ATOMIC_RELAXED);
}

/* libmicrohttpd's messages; the format comes from the library. */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    WD_UNUSED(cls);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    wd_log(WD_LOG_DEBUG, "http", "%s", msg);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct wd_buf b;
    wd_buf_init(&b, 16 << 20);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (wd_buf_append(&b, chunk, n) != WD_OK)
            break;
    (void)fclose(f);
    if (!b.p)
        wd_buf_append(&b, "", 0);
    return wd_buf_detach(&b, NULL);
}

int wd_http_start(struct wd_server *s, struct wd_http **out, char *err, size_t err_len)
{
    char host[256];
    int port;
    struct addrinfo hints, *ai = NULL;
    if (wd_cfg_parse_addr(s->cfg.http_listen, host, sizeof(host), &port)) {
        snprintf(err, err_len, "bad http.listen '%s'", s->cfg.http_listen);
        return WD_EINVAL;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
    hints.ai_socktype = SOCK_STREAM;
    char ports[8];
    snprintf(ports, sizeof(ports), "%d", port);
    int gai = getaddrinfo(host, ports, &hints, &ai);
    if (gai != 0) {
        snprintf(err, err_len, "http.listen %s: %s", s->cfg.http_listen, gai_strerror(gai));
        return WD_EINVAL;
    }
    struct wd_http *h = wd_xcalloc(1, sizeof(*h));
    h->s = s;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    bool tls = s->cfg.http_tls_cert[0] || s->cfg.http_tls_key[0];
    if (tls) {
        h->tls_cert = slurp(s->cfg.http_tls_cert);
        h->tls_key = slurp(s->cfg.http_tls_key);
        if (!h->tls_cert || !h->tls_key) {
            snprintf(err, err_len, "cannot read http.tls_cert/http.tls_key (%s, %s)",
                     s->cfg.http_tls_cert, s->cfg.http_tls_key);
            goto fail;
        }
        flags |= MHD_USE_TLS;
    }
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_SOCK_ADDR, 0, ai->ai_addr},
        /* Our own limit (on_accept) counts refusals; MHD's is only a backstop. */
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)s->cfg.http_max_connections + 16, NULL},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, h},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)s->cfg.http_timeout_s, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL},
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)256 * 1024, NULL},
        {MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, NULL},
        {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, h->tls_cert},
        {tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, h->tls_key},
        {MHD_OPTION_END, 0, NULL},
    };
    h->d = MHD_start_daemon(flags, (uint16_t)port, on_accept, h, on_request, h, MHD_OPTION_ARRAY,
                            opts, MHD_OPTION_END);
    if (!h->d) {
        snprintf(err, err_len,
                 "cannot listen on %s for HTTP%s (address in use or bad TLS "
                 "files?)",
                 s->cfg.http_listen, tls ? "S" : "");
        goto fail;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : port;
    freeaddrinfo(ai);
    *out = h;
    return WD_OK;
fail:
    freeaddrinfo(ai);
    free(h->tls_cert);
    free(h->tls_key);
    free(h);
    return WD_EIO;
}

int wd_http_port(const struct wd_http *h)
{
    return h->port;
}

void wd_http_stop(struct wd_http *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->d);
    free(h->tls_cert);
    free(h->tls_key);
    free(h);
}
