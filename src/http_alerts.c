/*
 * http_alerts.c: the alert and rule API.
 *   GET  /api/v1/alerts?q=&from=&to=&limit=&cursor=&severity=&rule=&category=&status=
 *   GET  /api/v1/alerts/stream?q=          new alerts as Server-Sent Events
 *   GET  /api/v1/alerts/<id>
 *   POST /api/v1/alerts/<id>/ack           {"by": "...", "note": "..."}
 *   POST /api/v1/alerts/<id>/status        {"status": "...", "by": "..."}
 *   GET  /api/v1/rules                     every rule with origin, status, counters
 *   POST /api/v1/rules/reload              reload the rule directory (errors: 400)
 *   POST /api/v1/rules/<name>/enable | /disable
 * Alert documents come from the store (index alerts); their current status, who set it
 * and when come from the alert state table and are written over `_source.status`; the
 * automatic actions taken for them (resp.h) are added as `_source.actions`.
 */
#include <stdlib.h>
#include <string.h>

#include "alert_state.h"
#include "case_db.h"
#include "detect.h"
#include "engine.h"
#include "http_int.h"
#include "json.h"
#include "jv.h"
#include "query.h"
#include "resp.h"
#include "rule.h"
#include "server.h"
#include "store.h"
#include "wd_time.h"

static bool method_is(const struct wd_http_req *q, const char *m)
{
    return strcmp(q->method, m) == 0;
}

static const char *arg(struct wd_http_req *q, const char *name)
{
    return MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* Appends ` AND field:"value"` with the value quoted for the query language. */
static void add_filter(struct wd_buf *b, const char *field, const char *v)
{
    if (!v || !v[0])
        return;
    wd_buf_printf(b, "%s%s:\"", b->len ? " AND " : "", field);
    for (const char *p = v; *p; p++) {
        if (*p == '"' || *p == '\\')
            wd_buf_putc(b, '\\');
        wd_buf_putc(b, *p);
    }
    wd_buf_putc(b, '"');
}

/* Sets `actions` on an alert's _source: the automatic actions recorded for it (block,
 * webhook; resp.h), when there are any. */
static void add_actions(struct wd_resp *resp, struct wd_arena *a, struct wd_jv *src, uint64_t id)
{
    struct wd_buf b;
    wd_buf_init(&b, 0);
    struct wd_jv *v;
    struct wd_perr pe;
    char *copy;
    if (wd_resp_actions_json(resp, id, &b) && (copy = wd_arena_alloc(a, b.len + WD_JSON_PADDING))) {
        memcpy(copy, b.p, b.len); /* the tree's strings are views: they live in the arena */
        memset(copy + b.len, 0, WD_JSON_PADDING);
        if (wd_json_parse(copy, b.len, b.len + WD_JSON_PADDING, 8, a, &v, &pe) == WD_OK)
            wd_jv_set(src, WD_STR("actions"), v);
    }
    wd_buf_fini(&b);
}

/* Writes the current status over each hit's _source (and drops hits whose status is not
 * `want` when given). */
static void overlay(struct wd_http_req *q, struct wd_http_resp *r, const char *want)
{
    struct wd_alert_state *st = q->s->detect ? wd_detect_state(q->s->detect) : NULL;
    if (r->status != 200 || !st)
        return;
    struct wd_arena a;
    wd_arena_init(&a, 64 << 10, 1u << 30);
    struct wd_jv *doc;
    struct wd_perr pe;
    if (wd_json_parse(r->body.p, r->body.len, r->body.len, 0, &a, &doc, &pe) != WD_OK) {
        wd_arena_fini(&a);
        return;
    }
    struct wd_jv *hits = wd_jv_get(doc, "hits");
    if (hits && hits->type == WD_JV_ARR) {
        struct wd_jv *keep = wd_jv_new(&a, WD_JV_ARR);
        for (struct wd_jv *h = hits->u.kids.head, *nx; h && keep; h = nx) {
            nx = h->next;
            const struct wd_jv *id = wd_jv_get(h, "_id");
            struct wd_jv *src = wd_jv_get(h, "_source");
            struct wd_alert_info info;
            if (id && id->type == WD_JV_STR && src && src->type == WD_JV_OBJ &&
                wd_alert_state_get(st, strtoull(id->u.s.p, NULL, 10), &info)) {
                wd_jv_set(src, WD_STR("status"),
                          wd_jv_strdup(&a, info.status, strlen(info.status)));
                if (info.at_us) {
                    char t[WD_TIME_ISO_MAX];
                    size_t n = wd_time_iso(info.at_us, t);
                    wd_jv_set(src, WD_STR("status_by"), wd_jv_strdup(&a, info.by, strlen(info.by)));
                    wd_jv_set(src, WD_STR("status_at"), wd_jv_strdup(&a, t, n));
                }
            }
            if (id && id->type == WD_JV_STR && src && src->type == WD_JV_OBJ && q->s->resp)
                add_actions(q->s->resp, &a, src, strtoull(id->u.s.p, NULL, 10));
            const struct wd_jv *s = src ? wd_jv_get(src, "status") : NULL;
            if (want && want[0] && !(s && s->type == WD_JV_STR && wd_str_eq(s->u.s, want)))
                continue;
            wd_jv_push(keep, h);
        }
        if (keep)
            wd_jv_set(doc, WD_STR("hits"), keep);
    }
    struct wd_buf out;
    wd_buf_init(&out, 0);
    if (wd_jv_write(doc, &out) == WD_OK) {
        wd_buf_fini(&r->body);
        r->body = out;
    } else {
        wd_buf_fini(&out);
    }
    wd_arena_fini(&a);
}

static void list_alerts(struct wd_http_req *q, struct wd_http_resp *r)
{
    struct wd_buf f;
    wd_buf_init(&f, 0);
    add_filter(&f, "severity", arg(q, "severity"));
    add_filter(&f, "classname", arg(q, "rule"));
    add_filter(&f, "category", arg(q, "category"));
    const char *status = arg(q, "status");
    if (status && status[0] && !wd_alert_status_valid(status)) {
        wd_http_api_error(r, 400, "illegal_argument_exception",
                          "bad 'status': expected manual, inProgress, acknowledged, escalated, "
                          "falsePositive or closed");
    } else {
        wd_http_search_in(q, r, "alerts", f.len ? f.p : NULL);
        overlay(q, r, status);
    }
    wd_buf_fini(&f);
}

/* Finds alert `id` in the store around its creation time. */
static void get_alert(struct wd_http_req *q, struct wd_http_resp *r, uint64_t id)
{
    struct wd_alert_info info;
    struct wd_alert_state *st = q->s->detect ? wd_detect_state(q->s->detect) : NULL;
    if (!st || !wd_alert_state_get(st, id, &info)) {
        wd_http_api_error(r, 404, "resource_not_found_exception", "no such alert");
        return;
    }
    struct wd_query *all;
    struct wd_perr pe;
    if (wd_query_parse("*", 1, &all, &pe) != WD_OK || !q->s->store) {
        wd_http_api_error(r, 503, "unavailable_exception", "store not open");
        return;
    }
    struct wd_search req = {
        all, info.ts_us - 600 * 1000000ll, info.ts_us + 1000000, 10000, NULL, "alerts"};
    struct wd_buf out;
    wd_buf_init(&out, 0);
    int rc = wd_store_search(q->s->store, &req, &out, &pe);
    wd_query_free(all);
    struct wd_arena a;
    wd_arena_init(&a, 64 << 10, 1u << 30);
    struct wd_jv *doc;
    const struct wd_jv *found = NULL;
    if (rc == WD_OK && wd_json_parse(out.p, out.len, out.len, 0, &a, &doc, &pe) == WD_OK) {
        const struct wd_jv *hits = wd_jv_get(doc, "hits");
        char want[24];
        snprintf(want, sizeof(want), "%llu", (unsigned long long)id);
        for (const struct wd_jv *h = hits ? hits->u.kids.head : NULL; h && !found; h = h->next) {
            const struct wd_jv *hid = wd_jv_get(h, "_id");
            if (hid && hid->type == WD_JV_STR && wd_str_eq(hid->u.s, want))
                found = h;
        }
    }
    if (!found) {
        wd_http_api_error(r, 404, "resource_not_found_exception",
                          "alert not searchable yet (try again in a second) or expired");
    } else {
        r->status = 200;
        r->body.len = 0;
        wd_buf_printf(&r->body, "{\"hits\":[");
        wd_jv_write(found, &r->body);
        wd_buf_printf(&r->body, "]}");
        overlay(q, r, NULL);
        /* unwrap: {"hits":[X]} -> X */
        struct wd_jv *d2;
        wd_arena_reset(&a);
        if (wd_json_parse(r->body.p, r->body.len, r->body.len, 0, &a, &d2, &pe) == WD_OK) {
            /* written to a new buffer: the tree's strings are views into the body */
            const struct wd_jv *h = wd_jv_get(d2, "hits");
            struct wd_buf one;
            wd_buf_init(&one, 0);
            if (h && h->u.kids.head && wd_jv_write(h->u.kids.head, &one) == WD_OK) {
                wd_buf_fini(&r->body);
                r->body = one;
            } else {
                wd_buf_fini(&one);
            }
        }
    }
    wd_arena_fini(&a);
    wd_buf_fini(&out);
}

static void set_status(struct wd_http_req *q, struct wd_http_resp *r, uint64_t id,
                       const char *fixed)
{
    struct wd_arena a;
    wd_arena_init(&a, 16 << 10, 1u << 20);
    struct wd_jv *body = NULL;
    struct wd_perr pe;
    char status[32] = "", by[64] = "";
    if (q->body.len &&
        (wd_json_parse(q->body.p, q->body.len, q->body.len, 0, &a, &body, &pe) != WD_OK ||
         body->type != WD_JV_OBJ)) {
        wd_http_api_error(r, 400, "parse_exception", "the body must be a JSON object");
        wd_arena_fini(&a);
        return;
    }
    const struct wd_jv *s = body ? wd_jv_get(body, "status") : NULL;
    const struct wd_jv *b = body ? wd_jv_get(body, "by") : NULL;
    if (b && b->type == WD_JV_STR)
        snprintf(by, sizeof(by), "%.*s", (int)b->u.s.len, b->u.s.p);
    if (fixed)
        snprintf(status, sizeof(status), "%s", fixed);
    else if (s && s->type == WD_JV_STR && s->u.s.len < sizeof(status))
        snprintf(status, sizeof(status), "%.*s", (int)s->u.s.len, s->u.s.p);
    wd_arena_fini(&a);
    struct wd_alert_state *st = q->s->detect ? wd_detect_state(q->s->detect) : NULL;
    int rc = st ? wd_alert_state_set(st, id, status, by) : WD_ENOENT;
    if (rc == WD_EINVAL) {
        wd_http_api_error(r, 400, "illegal_argument_exception",
                          "bad 'status': expected manual, inProgress, acknowledged, escalated, "
                          "falsePositive or closed");
    } else if (rc) {
        wd_http_api_error(r, 404, "resource_not_found_exception", "no such alert");
    } else {
        if (q->s->cases) /* incidents: time to acknowledge, false-positive counts */
            wd_cases_alert_status(q->s->cases, id, status, by, NULL, 0);
        struct wd_alert_info info;
        wd_alert_state_get(st, id, &info);
        char t[WD_TIME_ISO_MAX];
        wd_time_iso(info.at_us, t);
        r->status = 200;
        wd_buf_printf(&r->body,
                      "{\"_id\":\"%llu\",\"status\":\"%s\",\"status_by\":", (unsigned long long)id,
                      info.status);
        wd_jv_write_str(info.by, strlen(info.by), &r->body);
        wd_buf_printf(&r->body, ",\"status_at\":\"%s\"}", t);
    }
}

static void list_rules(struct wd_http_req *q, struct wd_http_resp *r)
{
    struct wd_engine *e = wd_detect_engine(q->s->detect);
    const struct wd_rule *ru;
    struct wd_rule_stats st;
    r->status = 200;
    wd_buf_printf(&r->body, "{\"rules\":[");
    wd_engine_lock(e);
    uint32_t i = 0;
    for (; wd_engine_rule(e, i, &ru, &st); i++) {
        wd_buf_printf(&r->body, "%s{\"name\":", i ? "," : "");
        wd_jv_write_str(ru->name, strlen(ru->name), &r->body);
        wd_buf_printf(&r->body, ",\"origin\":");
        wd_jv_write_str(ru->origin, strlen(ru->origin), &r->body);
        wd_buf_printf(&r->body, ",\"file\":");
        wd_jv_write_str(ru->file, strlen(ru->file), &r->body);
        wd_buf_printf(&r->body,
                      ",\"line\":%u,\"kind\":\"%s\",\"status\":\"%s\",\"severity\":", ru->line,
                      wd_rule_kind_name(ru->kind), ru->enabled ? "enabled" : "disabled");
        wd_jv_write_str(ru->severity, strlen(ru->severity), &r->body);
        wd_buf_printf(&r->body, ",\"category\":");
        wd_jv_write_str(ru->category, strlen(ru->category), &r->body);
        if (ru->sigma_id || ru->sigma_status) { /* Sigma rules: the document's id and status */
            const char *ss = ru->sigma_status ? ru->sigma_status : "";
            wd_buf_printf(&r->body, ",\"sigma\":{\"id\":");
            if (ru->sigma_id)
                wd_jv_write_str(ru->sigma_id, strlen(ru->sigma_id), &r->body);
            else
                wd_buf_printf(&r->body, "null");
            wd_buf_printf(&r->body, ",\"status\":");
            wd_jv_write_str(ss, strlen(ss), &r->body);
            wd_buf_printf(&r->body, "}");
        }
        wd_buf_printf(&r->body,
                      ",\"matches\":%llu,\"alerts\":%llu,\"suppressed\":%llu,\"errors\":%llu,"
                      "\"late\":%llu,\"groups\":%llu,\"last_alert\":",
                      (unsigned long long)st.matches, (unsigned long long)st.alerts,
                      (unsigned long long)st.suppressed, (unsigned long long)st.errors,
                      (unsigned long long)st.late, (unsigned long long)st.groups);
        if (st.last_alert_us) {
            char t[WD_TIME_ISO_MAX];
            wd_time_iso(st.last_alert_us, t);
            wd_buf_printf(&r->body, "\"%s\"}", t);
        } else {
            wd_buf_printf(&r->body, "null}");
        }
    }
    wd_engine_unlock(e);
    wd_buf_printf(&r->body, "],\"total\":%u}", i);
}

static void reload_rules(struct wd_http_req *q, struct wd_http_resp *r)
{
    struct wd_buf msg;
    wd_buf_init(&msg, 0);
    if (wd_detect_reload(q->s->detect, &msg) != WD_OK) {
        wd_buf_putc(&msg, '\0');
        wd_http_api_error(r, 400, "rule_error", msg.p ? msg.p : "rules failed to load");
    } else {
        struct wd_engine_stats es;
        wd_engine_stats(wd_detect_engine(q->s->detect), &es);
        r->status = 200;
        wd_buf_printf(&r->body, "{\"reloaded\":true,\"rules\":%u}", es.rules);
    }
    wd_buf_fini(&msg);
}

static bool parse_id(const char *p, size_t n, uint64_t *id)
{
    if (!n || n > 19)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    *id = v;
    return v > 0;
}

static void not_allowed(struct wd_http_resp *r)
{
    wd_http_api_error(r, 405, "method_not_allowed",
                      "this method is not allowed on this path (see docs/api.md)");
}

bool wd_http_alerts_route(struct wd_http_req *q, struct wd_http_resp *r)
{
    const char *p = q->path;
    bool alerts = strncmp(p, "/api/v1/alerts", 14) == 0 && (!p[14] || p[14] == '/');
    bool rules = strncmp(p, "/api/v1/rules", 13) == 0 && (!p[13] || p[13] == '/');
    if (!alerts && !rules)
        return false;
    bool get = method_is(q, "GET") || method_is(q, "HEAD");
    bool post = method_is(q, "POST");
    if (!q->s->detect) {
        wd_http_api_error(r, 503, "unavailable_exception", "detection is off (rules.enabled)");
        return true;
    }
    if (alerts) {
        const char *rest = p[14] ? p + 15 : "";
        if (rest[0] && wd_http_cases_alert_route(q, r, rest))
            return true; /* incidents: unacked, <id>/falsepositive, <id>/escalate */
        const char *slash = strchr(rest, '/');
        uint64_t id;
        if (!rest[0]) {
            get ? list_alerts(q, r) : not_allowed(r);
        } else if (!strcmp(rest, "stream")) {
            method_is(q, "GET") ? wd_http_tail_hub(q, r, q->s->alert_tail) : not_allowed(r);
        } else if (!slash && parse_id(rest, strlen(rest), &id)) {
            get ? get_alert(q, r, id) : not_allowed(r);
        } else if (slash && parse_id(rest, (size_t)(slash - rest), &id) &&
                   (!strcmp(slash, "/ack") || !strcmp(slash, "/status"))) {
            post ? set_status(q, r, id, !strcmp(slash, "/ack") ? "acknowledged" : NULL)
                 : not_allowed(r);
        } else {
            wd_http_api_error(r, 404, "resource_not_found_exception", "no such alert path");
        }
        return true;
    }
    const char *rest = p[13] ? p + 14 : "";
    if (!rest[0]) {
        get ? list_rules(q, r) : not_allowed(r);
    } else if (!strcmp(rest, "reload")) {
        post ? reload_rules(q, r) : not_allowed(r);
    } else {
        const char *slash = strrchr(rest, '/');
        if (!slash || (strcmp(slash, "/enable") != 0 && strcmp(slash, "/disable") != 0)) {
            wd_http_api_error(r, 404, "resource_not_found_exception", "no such rule path");
        } else if (!post) {
            not_allowed(r);
        } else {
            char name[256];
            snprintf(name, sizeof(name), "%.*s", (int)(slash - rest), rest);
            bool on = !strcmp(slash, "/enable");
            if (wd_engine_enable(wd_detect_engine(q->s->detect), name, on) != WD_OK) {
                wd_http_api_error(r, 404, "resource_not_found_exception", "no such rule");
            } else {
                r->status = 200;
                wd_buf_printf(&r->body, "{\"name\":");
                wd_jv_write_str(name, strlen(name), &r->body);
                wd_buf_printf(&r->body, ",\"status\":\"%s\"}", on ? "enabled" : "disabled");
            }
        }
    }
    return true;
}
