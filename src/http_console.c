/*
 * http_console.c: serves the web console embedded in the binary (web/ -> web_assets.h):
 * GET / to browsers (Accept: text/html), GET /ui/<file>. gzip when the client accepts
 * it, ETag revalidation (304), and headers that keep the page to itself (CSP 'self',
 * no framing, no sniffing). The files hold no data: everything comes from /api/v1,
 * which needs a login.
 */
#include "http_int.h"
#include "metrics.h"
#include "server.h"
#include "web_assets.h"

static const struct wd_web_file *find(const char *name)
{
    for (size_t i = 0; i < wd_web_nfiles; i++)
        if (strcmp(wd_web_files[i].path, name) == 0)
            return &wd_web_files[i];
    return NULL;
}

static void serve(struct wd_http_req *q, struct wd_http_resp *r, const struct wd_web_file *f)
{
    const char *inm =
        MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    const char *ae =
        MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    bool not_modified = inm && strcmp(inm, f->etag) == 0;
    bool gz = !not_modified && ae && strstr(ae, "gzip") && f->gz_len < f->len;
    size_t len = not_modified ? 0 : gz ? f->gz_len : f->len;
    const void *data = not_modified ? "" : gz ? (const void *)f->gz : (const void *)f->data;
    r->stream = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_PERSISTENT);
    if (!r->stream) {
        wd_http_api_error(r, 503, "unavailable_exception", "out of memory");
        return;
    }
    r->status = not_modified ? 304 : 200;
    MHD_add_response_header(r->stream, MHD_HTTP_HEADER_CONTENT_TYPE, f->ctype);
    MHD_add_response_header(r->stream, MHD_HTTP_HEADER_ETAG, f->etag);
    MHD_add_response_header(r->stream, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(r->stream, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
    if (gz)
        MHD_add_response_header(r->stream, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    MHD_add_response_header(r->stream, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r->stream, "X-Frame-Options", "DENY");
    MHD_add_response_header(r->stream, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r->stream, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                            "frame-ancestors 'none'; form-action 'self'");
    wd_metric_add(&q->s->metrics.console_requests, 1);
}

bool wd_http_console_route(struct wd_http_req *q, struct wd_http_resp *r)
{
    const char *p = q->path;
    bool ui = strcmp(p, "/ui") == 0 || strncmp(p, "/ui/", 4) == 0;
    if (!q->s->cfg.http_console || (!ui && !wd_http_wants_console(q)))
        return false;
    if (strcmp(q->method, "GET") && strcmp(q->method, "HEAD")) {
        wd_http_api_error(r, 405, "method_not_allowed", "the console is GET only");
        return true;
    }
    const char *name = strcmp(p, "/") == 0 || strcmp(p, "/ui") == 0 ? "index.html" : p + 4;
    const struct wd_web_file *f = find(name);
    if (!f) {
        wd_http_api_error(r, 404, "resource_not_found_exception", "no such console file");
        return true;
    }
    serve(q, r, f);
    return true;
}
