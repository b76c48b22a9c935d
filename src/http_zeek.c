/*
 * http_zeek.c: the Zeek routes (docs/api.md):
 *   POST /api/v1/zeek?log=L&sensor=S   a Zeek log (TSV with its header, or JSON lines;
 *                                      gzip allowed) -> 200 {"accepted",...} once durable
 *   GET  /api/v1/sources               lag and last-seen per sensor and log (lag.h)
 *   GET  /api/v1/lists                 every named list (without entries)
 *   GET|PUT|POST|DELETE /api/v1/lists/<name>   read, replace, add to, remove from a list
 */
#include "http_int.h"
#include "ingest.h"
#include "jv.h"
#include "lag.h"
#include "lists.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "zeek.h"
#include "zeek_srv.h"

static bool is(const struct wd_http_req *q, const char *m)
{
    return strcmp(q->method, m) == 0;
}

static const char *arg(const struct wd_http_req *q, const char *name)
{
    return MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, name);
}

static void zeek_post(struct wd_http_req *q, struct wd_http_resp *r)
{
    if (!wd_http_body_ready(q, r))
        return;
    const char *log = arg(q, "log"), *sensor = arg(q, "sensor");
    struct wd_zeek_reader rd;
    wd_zeek_reader_init(&rd, log && *log ? log : "");
    struct wd_zeek_result res;
    size_t used;
    struct wd_str sn = sensor ? (struct wd_str){sensor, strlen(sensor)} : (struct wd_str){"", 0};
    int rc = wd_zeek_ingest(q->s, &rd, wd_http_batch(), sn, q->body.p ? q->body.p : "", q->body.len,
                            true, 0, WD_IN_ZEEK, &used, &res);
    wd_zeek_reader_fini(&rd);
    if (res.refused) {
        wd_ingest_reject(q->s, WD_IN_ZEEK, WD_REJ_PARSE, 1);
        wd_http_error(r, 400, "parse_exception", res.refused_why);
        return;
    }
    if (rc == WD_EAGAIN) {
        r->retry_after_s = 1;
        wd_http_error(r, 429, "es_rejected_execution_exception",
                      "ward is busy writing earlier events; retry the whole request later");
        return;
    }
    if (rc) {
        wd_http_error(r, 503, "wal_exception", "the write-ahead log could not be written");
        return;
    }
    if (res.bad_lines)
        wd_log_rl(&q->s->rl_ingest, WD_LOG_WARN, "zeek",
                  "%llu bad line(s) in a request; first: line %llu offset %llu: %s",
                  (unsigned long long)res.bad_lines, (unsigned long long)res.bad_line_no,
                  (unsigned long long)res.bad_off, res.bad_why);
    wd_buf_printf(&r->body,
                  "{\"records\":%llu,\"accepted\":%llu,\"dropped\":%llu,\"diverted\":%llu,"
                  "\"bad_lines\":%llu",
                  (unsigned long long)res.records, (unsigned long long)res.accepted,
                  (unsigned long long)res.dropped, (unsigned long long)res.diverted,
                  (unsigned long long)res.bad_lines);
    if (res.bad_lines) {
        wd_buf_printf(&r->body, ",\"first_error\":{\"line\":%llu,\"offset\":%llu,\"reason\":",
                      (unsigned long long)res.bad_line_no, (unsigned long long)res.bad_off);
        wd_jv_write_str(res.bad_why, strlen(res.bad_why), &r->body);
        wd_buf_putc(&r->body, '}');
    }
    wd_buf_putc(&r->body, '}');
}

static void lists_route(struct wd_http_req *q, struct wd_http_resp *r)
{
    struct wd_lists *l = q->s->zeek->lists;
    const char *name = q->path[13] == '/' ? q->path + 14 : NULL; /* "/api/v1/lists/" */
    if (!name || !*name) {
        if (!is(q, "GET") && !is(q, "HEAD")) {
            wd_http_error(r, 405, "method_not_allowed", "use GET on /api/v1/lists");
            return;
        }
        wd_lists_json(l, NULL, &r->body);
        return;
    }
    if (is(q, "GET") || is(q, "HEAD")) {
        if (wd_lists_json(l, name, &r->body) == WD_ENOENT)
            wd_http_error(r, 404, "resource_not_found_exception",
                          "no such list (lists are declared in the zeek.filters file)");
        return;
    }
    int op = is(q, "PUT") ? 0 : is(q, "POST") ? 1 : is(q, "DELETE") ? 2 : -1;
    if (op < 0) {
        wd_http_error(r, 405, "method_not_allowed", "use GET, PUT, POST or DELETE on a list");
        return;
    }
    if (!wd_http_body_ready(q, r))
        return;
    const char *entry = arg(q, "entry");
    const char *text = entry ? entry : q->body.p ? q->body.p : "";
    size_t len = entry ? strlen(entry) : q->body.len;
    char err[512];
    int rc = wd_lists_edit(l, name, op, text, len, err, sizeof(err));
    if (rc == WD_ENOENT) {
        wd_http_error(r, 404, "resource_not_found_exception", err);
    } else if (rc == WD_EINVAL) {
        wd_http_error(r, 400, "parse_exception", err);
    } else if (rc) {
        wd_http_error(r, 500, "io_exception", err);
    } else {
        wd_log(WD_LOG_INFO, "lists", "list %s %s through the API", name,
               op == 0   ? "replaced"
               : op == 1 ? "extended"
                         : "reduced");
        wd_lists_json(l, name, &r->body);
    }
}

void wd_http_zeek_route(struct wd_http_req *q, struct wd_http_resp *r)
{
    if (!q->s->zeek) {
        wd_http_error(r, 503, "unavailable", "the Zeek subsystem is not running");
        return;
    }
    if (!strcmp(q->path, "/api/v1/zeek")) {
        if (!is(q, "POST") && !is(q, "PUT")) {
            wd_http_error(r, 405, "method_not_allowed", "POST a Zeek log to /api/v1/zeek");
            return;
        }
        zeek_post(q, r);
    } else if (!strcmp(q->path, "/api/v1/sources")) {
        if (!is(q, "GET") && !is(q, "HEAD")) {
            wd_http_error(r, 405, "method_not_allowed", "use GET on /api/v1/sources");
            return;
        }
        wd_lag_render_json(q->s->zeek->lag, wd_now_us(), &r->body);
    } else {
        lists_route(q, r);
    }
}
