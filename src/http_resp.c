/*
 * http_resp.c: the response list API and the feeds (docs/response.md, docs/api.md).
 *   GET    /api/v1/blocklist/ip[?all=true]        live entries (all: expired, removed too)
 *   POST   /api/v1/blocklist/ip                   {"address","duration","comment","reference"}
 *                                                  201 added, 200 extended (re-block)
 *   POST   /api/v1/blocklist/ip/<id>/extend       {"duration"}
 *   DELETE /api/v1/blocklist/ip/<id>
 *   ... the same under /api/v1/blocklist/fqdn ("fqdn") and /api/v1/watchlist ("term").
 *   GET    /feeds/ipblocklist.txt, /feeds/fqdnblocklist.txt   plain text, one entry a line
 * Reads need scope read, changes scope write (the table in http_auth.c); the creator of
 * an entry is the authenticated principal. Feeds are public unless response.feed_token
 * is set; they carry ETag, Last-Modified and Cache-Control and answer 304 to
 * If-None-Match / If-Modified-Since.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "http_int.h"
#include "json.h"
#include "jv.h"
#include "resp.h"
#include "resp_validate.h"
#include "server.h"

static bool method_is(const struct wd_http_req *q, const char *m)
{
    return strcmp(q->method, m) == 0;
}

static const char *arg(struct wd_http_req *q, const char *name)
{
    return MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, name);
}

static const char *header(struct wd_http_req *q, const char *name)
{
    return MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, name);
}

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

static void not_allowed(struct wd_http_resp *r)
{
    wd_http_api_error(r, 405, "method_not_allowed",
                      "this method is not allowed on this path (see docs/api.md)");
}

static bool str_member(const struct wd_jv *o, const char *key, char *out, size_t out_len,
                       bool *present)
{
    const struct wd_jv *v = o ? wd_jv_get(o, key) : NULL;
    out[0] = '\0';
    if (present)
        *present = v != NULL;
    if (!v || v->type != WD_JV_STR)
        return v == NULL;
    if (v->u.s.len >= out_len)
        return false;
    memcpy(out, v->u.s.p, v->u.s.len);
    out[v->u.s.len] = '\0';
    return true;
}

/* The value member of a list: its own name, or "value". */
static const char *const value_keys[] = {"address", "fqdn", "term"};

static void add_entry(struct wd_http_req *q, struct wd_http_resp *r, int list)
{
    struct wd_arena a;
    wd_arena_init(&a, 16 << 10, 4 << 20);
    struct wd_jv *body = NULL;
    struct wd_perr pe;
    char value[400], dur[64], comment[1024], ref[512], why[400];
    bool has_value, has_dur;
    if (!q->body.len ||
        wd_json_parse(q->body.p, q->body.len, q->body.len + WD_JSON_PADDING, 16, &a, &body, &pe) !=
            WD_OK ||
        body->type != WD_JV_OBJ) {
        wd_http_api_error(r, 400, "parse_exception", "the body must be a JSON object");
        goto out;
    }
    if (!str_member(body, value_keys[list], value, sizeof(value), &has_value) ||
        (!has_value && !str_member(body, "value", value, sizeof(value), &has_value)) ||
        !has_value) {
        snprintf(why, sizeof(why), "'%s' (a string) is required", value_keys[list]);
        wd_http_api_error(r, 400, "illegal_argument_exception", why);
        goto out;
    }
    if (!str_member(body, "duration", dur, sizeof(dur), &has_dur) ||
        !str_member(body, "comment", comment, sizeof(comment), NULL) ||
        !str_member(body, "reference", ref, sizeof(ref), NULL)) {
        wd_http_api_error(r, 400, "illegal_argument_exception",
                          "'duration', 'comment' and 'reference' are strings (comment at most "
                          "1023 bytes, reference 511)");
        goto out;
    }
    int64_t secs = 86400;
    if (has_dur && wd_resp_duration_parse(dur, strlen(dur), &secs, &pe) != WD_OK) {
        snprintf(why, sizeof(why), "bad 'duration' '%.40s': %s (1h to 30d, e.g. 1h, 12h, 1d, 1w)",
                 dur, pe.msg);
        wd_http_api_error(r, 400, "illegal_argument_exception", why);
        goto out;
    }
    bool created;
    struct wd_buf e;
    wd_buf_init(&e, 0);
    int rc = wd_resp_add(q->s->resp, list, value, secs, comment, ref, q->who.name, now_s(),
                         &created, &e, why, sizeof(why));
    if (rc == WD_OK) {
        r->status = created ? 201 : 200;
        wd_buf_printf(&r->body, "{\"result\":\"%s\",\"entry\":", created ? "created" : "extended");
        wd_buf_append(&r->body, e.p, e.len);
        wd_buf_putc(&r->body, '}');
    } else {
        wd_http_api_error(r, rc == WD_EINVAL ? 400 : 500,
                          rc == WD_EINVAL ? "illegal_argument_exception" : "storage_exception",
                          why);
    }
    wd_buf_fini(&e);
out:
    wd_arena_fini(&a);
}

static void entry_error(struct wd_http_resp *r, int rc)
{
    if (rc == WD_ENOENT)
        wd_http_api_error(r, 404, "resource_not_found_exception", "no such entry");
    else if (rc == WD_EAGAIN)
        wd_http_api_error(r, 409, "conflict_exception",
                          "the entry has expired or was removed: add the value again");
    else
        wd_http_api_error(r, 500, "storage_exception", "response.db failed (see the log)");
}

static void extend_entry(struct wd_http_req *q, struct wd_http_resp *r, int list, int64_t id)
{
    struct wd_arena a;
    wd_arena_init(&a, 4 << 10, 1 << 20);
    struct wd_jv *body = NULL;
    struct wd_perr pe;
    char dur[64] = "", why[300];
    bool has_dur = false;
    if (q->body.len &&
        (wd_json_parse(q->body.p, q->body.len, q->body.len + WD_JSON_PADDING, 8, &a, &body, &pe) !=
             WD_OK ||
         body->type != WD_JV_OBJ || !str_member(body, "duration", dur, sizeof(dur), &has_dur))) {
        wd_http_api_error(r, 400, "parse_exception",
                          "the body must be a JSON object with a string 'duration'");
        wd_arena_fini(&a);
        return;
    }
    wd_arena_fini(&a);
    int64_t secs = 86400;
    if (has_dur && wd_resp_duration_parse(dur, strlen(dur), &secs, &pe) != WD_OK) {
        snprintf(why, sizeof(why), "bad 'duration' '%.40s': %s (1h to 30d, e.g. 1h, 12h, 1d, 1w)",
                 dur, pe.msg);
        wd_http_api_error(r, 400, "illegal_argument_exception", why);
        return;
    }
    struct wd_buf e;
    wd_buf_init(&e, 0);
    int rc = wd_resp_extend(q->s->resp, list, id, secs, q->who.name, now_s(), &e);
    if (rc == WD_OK) {
        r->status = 200;
        wd_buf_printf(&r->body, "{\"result\":\"extended\",\"entry\":");
        wd_buf_append(&r->body, e.p, e.len);
        wd_buf_putc(&r->body, '}');
    } else {
        entry_error(r, rc);
    }
    wd_buf_fini(&e);
}

static bool parse_id(const char *p, size_t n, int64_t *id)
{
    if (!n || n > 18)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *id = v;
    return v > 0;
}

/* rest: "" | "<id>" | "<id>/extend" */
static void list_route(struct wd_http_req *q, struct wd_http_resp *r, int list, const char *rest)
{
    bool get = method_is(q, "GET") || method_is(q, "HEAD");
    if (!rest[0]) {
        if (get) {
            const char *all = arg(q, "all");
            r->status = 200;
            if (wd_resp_list(q->s->resp, list, all && !strcmp(all, "true"), now_s(), &r->body))
                entry_error(r, WD_EIO);
        } else if (method_is(q, "POST") || method_is(q, "PUT")) {
            add_entry(q, r, list);
        } else {
            not_allowed(r);
        }
        return;
    }
    const char *slash = strchr(rest, '/');
    int64_t id;
    if (!parse_id(rest, slash ? (size_t)(slash - rest) : strlen(rest), &id) ||
        (slash && strcmp(slash, "/extend") != 0)) {
        wd_http_api_error(r, 404, "resource_not_found_exception", "no such list path");
        return;
    }
    if (slash) {
        method_is(q, "POST") ? extend_entry(q, r, list, id) : not_allowed(r);
    } else if (method_is(q, "DELETE")) {
        int rc = wd_resp_remove(q->s->resp, list, id, q->who.name, now_s());
        if (rc == WD_OK) {
            r->status = 200;
            wd_buf_printf(&r->body, "{\"result\":\"removed\",\"id\":%lld}", (long long)id);
        } else {
            entry_error(r, rc);
        }
    } else {
        not_allowed(r);
    }
}

/* ---- feeds ---- */

static uint64_t fnv1a(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ull;
    }
    return h;
}

static void http_date(int64_t t, char *out, size_t out_len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    (void)strftime(out, out_len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static int64_t parse_http_date(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *end = s ? strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm) : NULL;
    return end ? (int64_t)timegm(&tm) : -1;
}

/* Feeds: public, or the feed token (Bearer or ?token=), or any principal with read. */
static bool feed_allowed(struct wd_http_req *q)
{
    const char *want = q->s->cfg.response_feed_token;
    if (!want[0] || (q->who.authenticated && (q->who.scopes & WD_SCOPE_READ)))
        return true;
    const char *h = header(q, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h && strncasecmp(h, "Bearer ", 7) == 0 && wd_auth_str_eq(h + 7, want))
        return true;
    const char *t = arg(q, "token");
    return t && wd_auth_str_eq(t, want);
}

static void feed(struct wd_http_req *q, struct wd_http_resp *r, int list)
{
    if (!method_is(q, "GET") && !method_is(q, "HEAD")) {
        not_allowed(r);
        return;
    }
    if (!feed_allowed(q)) {
        wd_metric_add(&q->s->metrics.auth_denied[0], 1);
        wd_http_api_error(r, 401, "security_exception",
                          "this feed needs response.feed_token (Authorization: Bearer TOKEN or "
                          "?token=TOKEN)");
        return;
    }
    int64_t lm;
    uint64_t omitted;
    r->body.len = 0;
    if (wd_resp_feed(q->s->resp, list, now_s(), &r->body, &lm, &omitted) != WD_OK) {
        wd_http_api_error(r, 500, "storage_exception", "response.db failed (see the log)");
        return;
    }
    r->status = 200;
    r->content_type = "text/plain; charset=utf-8";
    snprintf(r->etag, sizeof(r->etag), "\"%016llx\"",
             (unsigned long long)fnv1a(r->body.p ? r->body.p : "", r->body.len));
    if (lm > 0)
        http_date(lm, r->last_modified, sizeof(r->last_modified));
    snprintf(r->cache_control, sizeof(r->cache_control), "%smax-age=%lld",
             q->s->cfg.response_feed_token[0] ? "private, " : "public, ",
             (long long)q->s->cfg.response_feed_max_age_s);
    const char *inm = header(q, MHD_HTTP_HEADER_IF_NONE_MATCH);
    const char *ims = header(q, MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
    bool not_modified = false;
    if (inm)
        not_modified = strstr(inm, r->etag) != NULL || strcmp(inm, "*") == 0;
    else if (ims && lm > 0)
        not_modified = parse_http_date(ims) >= lm;
    if (not_modified) {
        r->status = 304;
        r->body.len = 0;
    }
    wd_resp_count_feed(q->s->resp, not_modified);
}

bool wd_http_resp_route(struct wd_http_req *q, struct wd_http_resp *r)
{
    const char *p = q->path;
    static const struct {
        const char *prefix;
        int list;
    } lists[] = {{"/api/v1/blocklist/ip", WD_RESP_IP},
                 {"/api/v1/blocklist/fqdn", WD_RESP_FQDN},
                 {"/api/v1/watchlist", WD_RESP_WATCH}};
    if (!strcmp(p, "/feeds/ipblocklist.txt") || !strcmp(p, "/feeds/fqdnblocklist.txt")) {
        if (!q->s->resp)
            wd_http_api_error(r, 503, "unavailable_exception", "response lists not open");
        else
            feed(q, r, p[7] == 'i' ? WD_RESP_IP : WD_RESP_FQDN);
        return true;
    }
    for (size_t i = 0; i < WD_ARRAY_LEN(lists); i++) {
        size_t n = strlen(lists[i].prefix);
        if (strncmp(p, lists[i].prefix, n) != 0 || (p[n] && p[n] != '/'))
            continue;
        if (!q->s->resp)
            wd_http_api_error(r, 503, "unavailable_exception", "response lists not open");
        else
            list_route(q, r, lists[i].list, p[n] ? p + n + 1 : "");
        return true;
    }
    if (!strcmp(p, "/api/v1/blocklist")) {
        wd_http_api_error(r, 404, "resource_not_found_exception",
                          "use /api/v1/blocklist/ip or /api/v1/blocklist/fqdn");
        return true;
    }
    return false;
}

void wd_http_resp_metrics(struct wd_server *s, struct wd_buf *b)
{
    if (!s->resp)
        return;
    struct wd_resp_stats st;
    wd_resp_stats(s->resp, &st);
    const struct {
        const char *name, *help;
        uint64_t v;
    } m[] = {
        {"ward_response_added_total", "Block/watch list entries added.", st.added},
        {"ward_response_extended_total", "Entries extended (re-blocked or extended).", st.extended},
        {"ward_response_removed_total", "Entries removed.", st.removed},
        {"ward_response_refused_total", "Additions refused by validation.", st.refused},
        {"ward_response_auto_blocks_total", "Addresses blocked by rule actions.", st.auto_blocks},
        {"ward_response_watch_alerts_total", "Watch-list alerts raised.", st.watch_alerts},
        {"ward_response_feed_requests_total", "Feed requests answered 200.", st.feed_requests},
        {"ward_response_feed_not_modified_total", "Feed requests answered 304.",
         st.feed_not_modified},
    };
    for (size_t i = 0; i < WD_ARRAY_LEN(m); i++)
        wd_buf_printf(b, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", m[i].name, m[i].help,
                      m[i].name, m[i].name, (unsigned long long)m[i].v);
}
