/*
 * http_search.c: the read side of the HTTP API.
 *   GET  /api/v1/search?q=&from=&to=&limit=&cursor=
 *   POST /api/v1/search   {"q":..., "from":..., "to":..., "limit":..., "cursor":...}
 *   GET  /api/v1/tail?q=  Server-Sent Events of newly acknowledged matching events
 * Parameters are validated before the store is asked (every bad one is a 400 naming the
 * parameter); a query that does not parse is a 400 `query_parse_error` with the
 * 1-based column. An empty or blank q means `*`. The store writes the whole answer
 * (wd_store_search); this file only frames it and counts requests, errors and time.
 */
#include <microhttpd.h>

#include "http_int.h"
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "metrics.h"
#include "query.h"
#include "reltime.h"
#include "server.h"
#include "store.h"
#include "tail.h"

#define LIMIT_DEFAULT 100
#define LIMIT_MAX     10000
#define CURSOR_MAX    4096

/* The request's parameters as sent (views into the URL arguments or the body). */
struct params {
    struct wd_str q, from, to, limit, cursor, index;
    bool has_q, has_from, has_to, has_limit, has_cursor, has_index;
    bool limit_is_int; /* POST: limit came as a JSON integer in `limit_v` */
    int64_t limit_v;
    const char *force_index; /* the alerts API: this index, whatever was asked */
    const char *and_q;       /* the alerts API: filters ANDed to q */
};

/* {"error":{"root_cause":[{...}],"type":T,"reason":R[,extra]},"status":N}; extra is
 * ready JSON members (e.g. "\"column\":7") or NULL. */
static void api_error(struct wd_http_resp *r, int status, const char *type, const char *reason,
                      const char *extra)
{
    r->status = status;
    r->body.len = 0;
    for (int pass = 0; pass < 2; pass++) {
        wd_buf_printf(&r->body,
                      pass ? "}],\"type\":\"%s\",\"reason\":"
                           : "{\"error\":{\"root_cause\":[{\"type\":\"%s\",\"reason\":",
                      type);
        wd_jv_write_str(reason, strlen(reason), &r->body);
        if (extra)
            wd_buf_printf(&r->body, ",%s", extra);
    }
    wd_buf_printf(&r->body, "},\"status\":%d}", status);
}

void wd_http_api_error(struct wd_http_resp *r, int status, const char *type, const char *reason)
{
    api_error(r, status, type, reason, NULL);
}

/* A bad parameter: 400 naming it; returns the metrics reason. */
static int param_error(struct wd_http_resp *r, const char *name, const char *why)
{
    char reason[256], extra[64];
    snprintf(reason, sizeof(reason), "bad '%s': %s", name, why);
    snprintf(extra, sizeof(extra), "\"param\":\"%s\"", name);
    api_error(r, 400, "illegal_argument_exception", reason, extra);
    return WD_SEARCH_ERR_PARAM;
}

static bool is_blank(struct wd_str s)
{
    for (size_t i = 0; i < s.len; i++)
        if (s.p[i] != ' ' && s.p[i] != '\t' && s.p[i] != '\r' && s.p[i] != '\n')
            return false;
    return true;
}

/* Parses the query text (empty or blank: `*`). Returns -1 with *out set (the caller
 * frees it), or fills r and returns the metrics reason. */
static int parse_query(struct wd_http_resp *r, struct wd_str text, struct wd_query **out)
{
    if (is_blank(text))
        text = WD_STR("*");
    struct wd_perr perr = {0, 0, NULL};
    int rc = wd_query_parse(text.p, text.len, out, &perr);
    if (rc == WD_OK)
        return -1;
    *out = NULL;
    if (rc == WD_ENOMEM) {
        api_error(r, 503, "unavailable_exception", "out of memory parsing the query", NULL);
        return WD_SEARCH_ERR_INTERNAL;
    }
    char reason[320], extra[48];
    size_t col = perr.off + 1;
    snprintf(reason, sizeof(reason), "column %zu: %s", col, perr.msg ? perr.msg : "syntax error");
    snprintf(extra, sizeof(extra), "\"column\":%zu", col);
    api_error(r, 400, "query_parse_error", reason, extra);
    return WD_SEARCH_ERR_PARSE;
}

static struct wd_str arg(struct wd_http_req *q, const char *name, bool *has)
{
    const char *v = MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, name);
    *has = v != NULL;
    return v ? (struct wd_str){v, strlen(v)} : (struct wd_str){"", 0};
}

static void from_args(struct wd_http_req *q, struct params *p)
{
    p->q = arg(q, "q", &p->has_q);
    p->from = arg(q, "from", &p->has_from);
    p->to = arg(q, "to", &p->has_to);
    p->limit = arg(q, "limit", &p->has_limit);
    p->cursor = arg(q, "cursor", &p->has_cursor);
    p->index = arg(q, "index", &p->has_index);
}

/* A time member: a string, or an integer (epoch seconds/milliseconds as written). */
static int body_time(struct wd_http_resp *r, const struct wd_jv *v, const char *name,
                     struct wd_str *out, bool *has)
{
    if (v->type == WD_JV_NULL)
        return -1;
    if (v->type == WD_JV_STR)
        *out = v->u.s;
    else if (v->type == WD_JV_INT && v->raw.len)
        *out = v->raw;
    else
        return param_error(r, name, "expected a string (or an integer epoch)");
    *has = true;
    return -1;
}

/* Reads the POST body; returns -1 or the metrics reason (r filled). */
static int from_body(struct wd_http_req *q, struct wd_http_resp *r, struct wd_arena *a,
                     struct params *p)
{
    if (wd_http_decode_body(q) != WD_OK)
        return param_error(r, "body", "cannot decode the Content-Encoding");
    if (q->body.len == 0)
        return -1; /* like {} */
    struct wd_jv *v = NULL;
    struct wd_perr perr = {0, 0, NULL};
    if (wd_json_parse(q->body.p, q->body.len, q->body.cap - 1,
                      (uint32_t)q->s->cfg.ingest_max_json_depth, a, &v, &perr) != WD_OK) {
        char why[160];
        snprintf(why, sizeof(why), "invalid JSON at byte %zu: %s", perr.off,
                 perr.msg ? perr.msg : "parse error");
        return param_error(r, "body", why);
    }
    if (v->type != WD_JV_OBJ)
        return param_error(r, "body", "expected a JSON object");
    for (const struct wd_jv *m = v->u.kids.head; m; m = m->next) {
        int rc = -1;
        if (wd_str_eq(m->key, "q")) {
            if (m->type == WD_JV_STR) {
                p->q = m->u.s;
                p->has_q = true;
            } else if (m->type != WD_JV_NULL) {
                rc = param_error(r, "q", "expected a string");
            }
        } else if (wd_str_eq(m->key, "from")) {
            rc = body_time(r, m, "from", &p->from, &p->has_from);
        } else if (wd_str_eq(m->key, "to")) {
            rc = body_time(r, m, "to", &p->to, &p->has_to);
        } else if (wd_str_eq(m->key, "limit")) {
            if (m->type == WD_JV_INT) {
                p->has_limit = p->limit_is_int = true;
                p->limit_v = m->u.i;
            } else if (m->type != WD_JV_NULL) {
                rc = param_error(r, "limit", "expected an integer");
            }
        } else if (wd_str_eq(m->key, "index") && m->type == WD_JV_STR) {
            p->index = m->u.s;
            p->has_index = true;
        } else if (wd_str_eq(m->key, "cursor")) {
            if (m->type == WD_JV_STR) {
                p->cursor = m->u.s;
                p->has_cursor = true;
            } else if (m->type != WD_JV_NULL) {
                rc = param_error(r, "cursor", "expected a string or null");
            }
        } else {
            char why[160];
            snprintf(why, sizeof(why),
                     "unknown member '%.*s' (expected q, from, to, limit, cursor, index)",
                     (int)WD_MIN(m->key.len, (size_t)64), m->key.p);
            rc = param_error(r, "body", why);
        }
        if (rc >= 0)
            return rc;
    }
    return -1;
}

static int parse_time(struct wd_http_resp *r, const char *name, struct wd_str s, int64_t now_us,
                      int64_t *out)
{
    struct wd_perr perr = {0, 0, NULL};
    if (wd_reltime_parse(s.p, s.len, now_us, out, &perr) == WD_OK)
        return -1;
    char why[200];
    snprintf(why, sizeof(why), "column %zu: %s", perr.off + 1, perr.msg);
    return param_error(r, name, why);
}

static int parse_limit(struct wd_http_resp *r, const struct params *p, uint32_t *out)
{
    int64_t v = LIMIT_DEFAULT;
    if (p->limit_is_int) {
        v = p->limit_v;
    } else if (p->has_limit) {
        if (p->limit.len == 0 || p->limit.len > 9)
            return param_error(r, "limit", "expected an integer from 0 (count only) to 10000");
        v = 0;
        for (size_t i = 0; i < p->limit.len; i++) {
            if (p->limit.p[i] < '0' || p->limit.p[i] > '9')
                return param_error(r, "limit", "expected an integer from 0 (count only) to 10000");
            v = v * 10 + (p->limit.p[i] - '0');
        }
    }
    if (v < 0 || v > LIMIT_MAX)
        return param_error(r, "limit", "expected an integer from 0 (count only) to 10000");
    *out = (uint32_t)v;
    return -1;
}

/* Validates everything, then asks the store. Returns -1 or the metrics reason. */
static int run_search(struct wd_http_req *q, struct wd_http_resp *r, const struct params *p,
                      struct wd_arena *a)
{
    struct wd_search req = {NULL, INT64_MIN, INT64_MAX, LIMIT_DEFAULT, NULL, NULL};
    int64_t now = wd_now_us();
    int rc;
    if (p->has_from && p->from.len && (rc = parse_time(r, "from", p->from, now, &req.from_us)) >= 0)
        return rc;
    if (p->has_to && p->to.len && (rc = parse_time(r, "to", p->to, now, &req.to_us)) >= 0)
        return rc;
    if (req.from_us > req.to_us)
        return param_error(r, "from", "'from' is after 'to'");
    if ((rc = parse_limit(r, p, &req.limit)) >= 0)
        return rc;
    if (p->has_cursor && p->cursor.len) {
        if (p->cursor.len > CURSOR_MAX || memchr(p->cursor.p, '\0', p->cursor.len))
            return param_error(r, "cursor", "not a cursor returned by this server");
        req.cursor = wd_arena_strndup(a, p->cursor.p, p->cursor.len);
        if (!req.cursor)
            return param_error(r, "cursor", "too long");
    }
    if (p->force_index) {
        req.index = p->force_index;
    } else if (p->has_index && p->index.len) {
        if (!wd_str_eq(p->index, "events") && !wd_str_eq(p->index, "alerts") &&
            !wd_str_eq(p->index, "divert"))
            return param_error(r, "index", "expected events, alerts or divert");
        req.index = wd_arena_strndup(a, p->index.p, p->index.len);
    }
    struct wd_query *query = NULL;
    struct wd_str qtext = p->q;
    if (p->and_q && p->and_q[0]) {
        bool blank = true;
        for (size_t i = 0; i < p->q.len && blank; i++)
            blank = p->q.p[i] == ' ';
        size_t n = p->q.len + strlen(p->and_q) + 16;
        char *t = wd_arena_alloc(a, n);
        if (!t)
            return param_error(r, "q", "too long");
        if (blank)
            snprintf(t, n, "%s", p->and_q);
        else
            snprintf(t, n, "(%.*s) AND (%s)", (int)p->q.len, p->q.p, p->and_q);
        qtext = (struct wd_str){t, strlen(t)};
    }
    if ((rc = parse_query(r, qtext, &query)) >= 0)
        return rc;
    req.q = query;
    rc = -1;
    if (!q->s->store) {
        api_error(r, 503, "unavailable_exception", "store not open", NULL);
        rc = WD_SEARCH_ERR_INTERNAL;
        goto out;
    }
    struct wd_perr perr = {0, 0, NULL};
    int src = wd_store_search(q->s->store, &req, &r->body, &perr);
    if (src == WD_EINVAL) {
        api_error(r, 400, "illegal_argument_exception", perr.msg ? perr.msg : "bad search", NULL);
        rc = WD_SEARCH_ERR_PARAM;
    } else if (src != WD_OK) {
        char why[160];
        snprintf(why, sizeof(why), "search failed: %s%s%s", wd_strerror(src), perr.msg ? ": " : "",
                 perr.msg ? perr.msg : "");
        api_error(r, src == WD_ENOMEM ? 503 : 500, "search_phase_execution_exception", why, NULL);
        rc = WD_SEARCH_ERR_INTERNAL;
    } else {
        r->status = 200;
    }
out:
    wd_query_free(query);
    return rc;
}

void wd_http_search(struct wd_http_req *q, struct wd_http_resp *r)
{
    wd_http_search_in(q, r, NULL, NULL);
}

void wd_http_search_in(struct wd_http_req *q, struct wd_http_resp *r, const char *index,
                       const char *and_q)
{
    struct wd_metrics *m = &q->s->metrics;
    int64_t t0 = wd_mono_ns();
    wd_metric_add(&m->search_requests, 1);
    struct wd_arena a;
    wd_arena_init(&a, (size_t)16 * 1024, 0);
    struct params p;
    memset(&p, 0, sizeof(p));
    int why = -1;
    if (strcmp(q->method, "POST") == 0)
        why = from_body(q, r, &a, &p);
    else
        from_args(q, &p);
    p.force_index = index;
    p.and_q = and_q;
    if (why < 0)
        why = run_search(q, r, &p, &a);
    if (why >= 0)
        wd_metric_add(&m->search_errors[why], 1);
    wd_arena_fini(&a);
    wd_metric_add(&m->search_duration_sum_ns, (uint64_t)(wd_mono_ns() - t0));
    wd_metric_add(&m->search_duration_count, 1);
}

/* ---- live tail ---- */

static ssize_t tail_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    WD_UNUSED(pos);
    return wd_tail_sub_read(cls, buf, max);
}

static void tail_done(void *cls)
{
    wd_tail_sub_free(cls);
}

void wd_http_tail(struct wd_http_req *q, struct wd_http_resp *r)
{
    wd_http_tail_hub(q, r, q->s->tail);
}

void wd_http_tail_hub(struct wd_http_req *q, struct wd_http_resp *r, struct wd_tail *hub)
{
    struct wd_server *s = q->s;
    bool has;
    struct wd_query *query = NULL;
    if (parse_query(r, arg(q, "q", &has), &query) >= 0)
        return;
    if (!hub) {
        wd_query_free(query);
        api_error(r, 503, "unavailable_exception", "live tail not running", NULL);
        return;
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(q->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct wd_tail_sub *sub = NULL;
    int rc = wd_tail_subscribe(hub, query, ci ? ci->connect_fd : -1, &sub);
    if (rc != WD_OK) {
        char why[160];
        if (rc == WD_ELIMIT)
            snprintf(why, sizeof(why), "too many live-tail streams (tail.max_subscribers = %lld)",
                     (long long)s->cfg.tail_max_subscribers);
        else
            snprintf(why, sizeof(why), "the server is stopping");
        api_error(r, 503, "unavailable_exception", why, NULL);
        r->retry_after_s = 5;
        return;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, tail_read, sub, tail_done);
    if (!resp) {
        wd_tail_sub_free(sub);
        api_error(r, 503, "unavailable_exception", "out of memory", NULL);
        return;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no"); /* nginx: do not buffer */
    r->status = 200;
    r->stream = resp;
}
