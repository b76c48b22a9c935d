/*
 * http_cases.c: the incident, triage and case-metrics API (docs/incidents.md).
 *   GET    /api/v1/veris                          the VERIS taxonomy
 *   GET    /api/v1/incidents?phase=&owner=&limit= list, newest first
 *   POST   /api/v1/incidents                      create {fields..., "alerts":[ids]}
 *   GET    /api/v1/incidents/<id>                 fields with versions, links, timeline
 *   PATCH  /api/v1/incidents/<id>                 {"fields":{F:{"value":V,"version":N}}}
 *   POST   /api/v1/incidents/<id>/notes           {"text":"..."}
 *   POST   /api/v1/incidents/<id>/links           {"kind","ref","label"}
 *   DELETE /api/v1/incidents/<id>/links?kind=&ref=
 *   GET    /api/v1/incidents/<id>/stream          SSE: incident after each change, presence
 *   GET    /api/v1/metrics/incidents?from=&to=    incident and alert metrics
 *   GET    /api/v1/suppressions, DELETE /api/v1/suppressions/<id>
 *   GET    /api/v1/alerts/unacked                 alerts needing acknowledgement
 *   POST   /api/v1/alerts/<id>/falsepositive      {"reason", "suppress":{"fields","duration"}}
 *   POST   /api/v1/alerts/<id>/escalate           {"incident":N} or new-incident fields
 * Access control is http_auth.c's table: reads need read, changes need write (viewers
 * get 403). Who made a change is always the authenticated principal.
 */
#include <stdlib.h>
#include <string.h>

#include "alert_state.h"
#include "case_db.h"
#include "case_field.h"
#include "case_live.h"
#include "case_veris.h"
#include "cfg.h"
#include "detect.h"
#include "http_int.h"
#include "json.h"
#include "jv.h"
#include "reltime.h"
#include "server.h"
#include "wd_time.h"

/* Refused requests by reason, for /metrics (ward_incident_rejected_total). */
enum { REJ_JSON, REJ_FIELD, REJ_CONFLICT, REJ_NOT_FOUND, REJ__COUNT };
static const char *const rej_names[] = {"bad_json", "invalid", "conflict", "not_found"};
static uint64_t rejected[REJ__COUNT];

#define MAX_LINKS_AT_CREATE 100
#define MAX_SUPP_FIELDS     16

static void reject(struct wd_http_resp *r, int why, int status, const char *type,
                   const char *reason)
{
    __atomic_add_fetch(&rejected[why], 1, __ATOMIC_RELAXED);
    wd_http_api_error(r, status, type, reason);
}

void wd_http_cases_render_prom(struct wd_server *s, struct wd_buf *out)
{
    wd_buf_printf(out, "# HELP ward_incident_rejected_total Incident and triage requests "
                       "refused, by reason.\n# TYPE ward_incident_rejected_total counter\n");
    for (int i = 0; i < REJ__COUNT; i++)
        wd_buf_printf(out, "ward_incident_rejected_total{reason=\"%s\"} %llu\n", rej_names[i],
                      (unsigned long long)__atomic_load_n(&rejected[i], __ATOMIC_RELAXED));
    int ack = s->cfg.alerts_require_ack_severity;
    if (ack > 0 && s->cases) {
        int64_t n = wd_cases_unacked_count(s->cases, ack - 1);
        wd_buf_printf(out,
                      "# HELP ward_alerts_unacked Alerts at or above "
                      "alerts.require_ack_severity nobody acknowledged.\n"
                      "# TYPE ward_alerts_unacked gauge\nward_alerts_unacked %lld\n",
                      (long long)(n > 0 ? n : 0));
    }
}

static const char *arg(struct wd_http_req *q, const char *name)
{
    return MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, name);
}

static bool method_is(const struct wd_http_req *q, const char *m)
{
    return strcmp(q->method, m) == 0;
}

static void not_allowed(struct wd_http_resp *r)
{
    wd_http_api_error(r, 405, "method_not_allowed",
                      "this method is not allowed on this path (see docs/incidents.md)");
}

/* The body as a JSON object (an empty body is {}); false with r filled. */
static bool body_obj(struct wd_http_req *q, struct wd_http_resp *r, struct wd_arena *a,
                     struct wd_jv **out)
{
    struct wd_perr pe;
    if (!q->body.len) {
        *out = wd_jv_new(a, WD_JV_OBJ);
        return *out != NULL;
    }
    if (wd_json_parse(q->body.p, q->body.len, q->body.len, 64, a, out, &pe) != WD_OK ||
        (*out)->type != WD_JV_OBJ) {
        reject(r, REJ_JSON, 400, "parse_exception", "the body must be a JSON object");
        return false;
    }
    return true;
}

static bool parse_u64(const char *p, size_t n, uint64_t *id)
{
    if (!n || n > 18)
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

/* An alert id given as "12" or 12. */
static bool jv_alert_id(const struct wd_jv *v, uint64_t *id)
{
    if (v && v->type == WD_JV_INT && v->u.i > 0) {
        *id = (uint64_t)v->u.i;
        return true;
    }
    return v && v->type == WD_JV_STR && parse_u64(v->u.s.p, v->u.s.len, id);
}

static const char *who(const struct wd_http_req *q)
{
    return q->who.name[0] ? q->who.name : "anonymous";
}

/* Sends the incident to everyone viewing it. */
static void publish(struct wd_http_req *q, int64_t id)
{
    struct wd_buf b;
    wd_buf_init(&b, 0);
    if (wd_cases_get(q->s->cases, id, &b) == WD_OK)
        wd_case_live_publish(q->s->live, id, "incident", b.p, b.len);
    wd_buf_fini(&b);
}

static void answer_incident(struct wd_http_req *q, struct wd_http_resp *r, int64_t id, int status)
{
    r->body.len = 0;
    if (wd_cases_get(q->s->cases, id, &r->body) != WD_OK) {
        reject(r, REJ_NOT_FOUND, 404, "resource_not_found_exception", "no such incident");
        return;
    }
    r->status = status;
}

/* Validated field values, as changes for wd_cases_update. */
struct changes {
    struct wd_case_change ch[32];
    struct wd_buf text[32];
    size_t n;
};

static void changes_fini(struct changes *c)
{
    for (size_t i = 0; i < c->n; i++)
        wd_buf_fini(&c->text[i]);
}

/* Adds field `name` = v; false with r filled. */
static bool change_add(struct changes *c, struct wd_http_resp *r, struct wd_str name,
                       const struct wd_jv *v, int64_t version)
{
    const struct wd_case_field *f = wd_case_field_find(name.p, name.len);
    char why[400];
    if (!f) {
        snprintf(why, sizeof(why), "unknown field '%.*s' (see docs/incidents.md)",
                 (int)WD_MIN(name.len, 64), name.p);
        reject(r, REJ_FIELD, 400, "illegal_argument_exception", why);
        return false;
    }
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->ch[i].field, f->name)) {
            snprintf(why, sizeof(why), "field '%s' given twice", f->name);
            reject(r, REJ_FIELD, 400, "illegal_argument_exception", why);
            return false;
        }
    if (c->n == WD_ARRAY_LEN(c->ch))
        return false;
    struct wd_buf *t = &c->text[c->n];
    wd_buf_init(t, 0);
    struct wd_case_change *ch = &c->ch[c->n++];
    memset(ch, 0, sizeof(*ch));
    ch->field = f->name;
    ch->version = version;
    if (wd_case_field_check(f, v, wd_now_us(), t, &ch->num, &ch->has_num, why, sizeof(why)) !=
        WD_OK) {
        reject(r, REJ_FIELD, 400, "illegal_argument_exception", why);
        return false;
    }
    wd_buf_putc(t, '\0');
    ch->value = t->p;
    return true;
}

static bool has_change(const struct changes *c, const char *field)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->ch[i].field, field))
            return true;
    return false;
}

/* ---- create ---- */

/* Links alert `aid` to incident `id` and gives it `status` (acknowledged / escalated). */
static int link_alert(struct wd_http_req *q, int64_t id, uint64_t aid, const char *status)
{
    char rule[256] = "", sev[32] = "", label[320], ref[24];
    wd_cases_alert_rule(q->s->cases, aid, rule, sizeof(rule), sev, sizeof(sev));
    snprintf(label, sizeof(label), "%s %s", sev, rule);
    snprintf(ref, sizeof(ref), "%llu", (unsigned long long)aid);
    int rc = wd_cases_link(q->s->cases, id, who(q), "alert", ref, label, true);
    struct wd_alert_state *st = q->s->detect ? wd_detect_state(q->s->detect) : NULL;
    if (rc == WD_OK && st)
        wd_alert_state_set(st, aid, status, who(q));
    if (rc == WD_OK)
        wd_cases_alert_status(q->s->cases, aid, status, who(q), NULL, id);
    return rc;
}

static bool alert_known(struct wd_http_req *q, uint64_t aid)
{
    char rule[8], sev[8];
    struct wd_alert_info info;
    struct wd_alert_state *st = q->s->detect ? wd_detect_state(q->s->detect) : NULL;
    return (st && wd_alert_state_get(st, aid, &info)) ||
           wd_cases_alert_rule(q->s->cases, aid, rule, sizeof(rule), sev, sizeof(sev)) == WD_OK;
}

/* Creates an incident from body (fields at the top level) plus `alerts` (and the
 * extra alert `also` when non-zero), giving the alerts `status`. Answers 201. */
static void create(struct wd_http_req *q, struct wd_http_resp *r, const struct wd_jv *body,
                   uint64_t also, const char *status)
{
    struct changes c = {.n = 0};
    uint64_t alerts[MAX_LINKS_AT_CREATE];
    size_t na = 0;
    if (also)
        alerts[na++] = also;
    for (const struct wd_jv *m = body->u.kids.head; m; m = m->next) {
        if (wd_str_eq(m->key, "alerts")) {
            if (m->type != WD_JV_ARR || m->count > MAX_LINKS_AT_CREATE - 1) {
                reject(r, REJ_FIELD, 400, "illegal_argument_exception",
                       "'alerts' must be an array of at most 99 alert ids");
                goto out;
            }
            for (const struct wd_jv *x = m->u.kids.head; x; x = x->next) {
                uint64_t aid;
                if (!jv_alert_id(x, &aid) || !alert_known(q, aid)) {
                    reject(r, REJ_NOT_FOUND, 404, "resource_not_found_exception",
                           "'alerts': no such alert");
                    goto out;
                }
                alerts[na++] = aid;
            }
        } else if (also && wd_str_eq(m->key, "incident")) {
            continue; /* escalate's own member */
        } else if (!change_add(&c, r, m->key, m, -1)) {
            goto out;
        }
    }
    if (!has_change(&c, "summary")) {
        reject(r, REJ_FIELD, 400, "illegal_argument_exception",
               "field 'summary': an incident needs a summary");
        goto out;
    }
    /* defaults: phase Identification, opened now, owned by its creator, the severity of
     * its most severe alert */
    struct wd_arena a;
    wd_arena_init(&a, 4096, 1 << 20);
    char now_iso[WD_TIME_ISO_MAX];
    size_t nl = wd_time_iso(wd_now_us(), now_iso);
    if (!has_change(&c, "phase"))
        change_add(&c, r, WD_STR("phase"), wd_jv_str(&a, "Identification", 14), -1);
    if (!has_change(&c, "dateOpened"))
        change_add(&c, r, WD_STR("dateOpened"), wd_jv_str(&a, now_iso, nl), -1);
    if (!has_change(&c, "owner"))
        change_add(&c, r, WD_STR("owner"), wd_jv_str(&a, who(q), strlen(who(q))), -1);
    if (!has_change(&c, "severity") && na) {
        int best = -1;
        char rule[8], sev[32], top[32] = "";
        for (size_t i = 0; i < na; i++)
            if (wd_cases_alert_rule(q->s->cases, alerts[i], rule, sizeof(rule), sev, sizeof(sev)) ==
                    WD_OK &&
                wd_severity_rank(sev) > best) {
                best = wd_severity_rank(sev);
                snprintf(top, sizeof(top), "%s", wd_severities[best]);
            }
        if (best >= 0)
            change_add(&c, r, WD_STR("severity"), wd_jv_str(&a, top, strlen(top)), -1);
    }
    wd_arena_fini(&a);
    int64_t id;
    struct wd_buf conf;
    wd_buf_init(&conf, 0);
    int rc = wd_cases_create(q->s->cases, who(q), &id);
    if (rc == WD_OK)
        rc = wd_cases_update(q->s->cases, id, who(q), c.ch, c.n, &conf);
    wd_buf_fini(&conf);
    for (size_t i = 0; rc == WD_OK && i < na; i++)
        link_alert(q, id, alerts[i], status);
    if (rc != WD_OK)
        wd_http_api_error(r, 500, "io_exception", "cases.db: the incident could not be written");
    else
        answer_incident(q, r, id, 201);
out:
    changes_fini(&c);
}

/* ---- one incident ---- */

static void patch(struct wd_http_req *q, struct wd_http_resp *r, int64_t id,
                  const struct wd_jv *body)
{
    const struct wd_jv *fields = wd_jv_get(body, "fields");
    if (!fields || fields->type != WD_JV_OBJ || !fields->count) {
        reject(r, REJ_FIELD, 400, "illegal_argument_exception",
               "expected {\"fields\":{\"NAME\":{\"value\":V,\"version\":N}}}");
        return;
    }
    struct changes c = {.n = 0};
    for (const struct wd_jv *m = fields->u.kids.head; m; m = m->next) {
        const struct wd_jv *ver = m->type == WD_JV_OBJ ? wd_jv_get(m, "version") : NULL;
        if (!ver || ver->type != WD_JV_INT || ver->u.i < 0 ||
            !(m->type == WD_JV_OBJ && wd_jv_get(m, "value"))) {
            char why[200];
            snprintf(why, sizeof(why),
                     "field '%.*s': expected {\"value\":V,\"version\":N} with the version "
                     "you edited from",
                     (int)WD_MIN(m->key.len, 64), m->key.p);
            reject(r, REJ_FIELD, 400, "illegal_argument_exception", why);
            goto out;
        }
        if (!change_add(&c, r, m->key, wd_jv_get(m, "value"), ver->u.i))
            goto out;
    }
    struct wd_buf conf;
    wd_buf_init(&conf, 0);
    int rc = wd_cases_update(q->s->cases, id, who(q), c.ch, c.n, &conf);
    if (rc == WD_EAGAIN) {
        __atomic_add_fetch(&rejected[REJ_CONFLICT], 1, __ATOMIC_RELAXED);
        r->status = 409;
        r->body.len = 0;
        wd_buf_printf(&r->body,
                      "{\"error\":{\"type\":\"version_conflict_exception\",\"reason\":\"someone "
                      "else changed this field since you loaded it; nothing was saved\"},"
                      "\"status\":409,\"conflicts\":");
        wd_buf_append(&r->body, conf.p, conf.len);
        wd_buf_putc(&r->body, '}');
    } else if (rc == WD_ENOENT) {
        reject(r, REJ_NOT_FOUND, 404, "resource_not_found_exception", "no such incident");
    } else if (rc) {
        wd_http_api_error(r, 500, "io_exception", "cases.db: the change could not be written");
    } else {
        answer_incident(q, r, id, 200);
        publish(q, id);
    }
    wd_buf_fini(&conf);
out:
    changes_fini(&c);
}

/* A bounded text member (1..max bytes, validated like a text field); NULL when absent. */
static bool text_member(struct wd_http_resp *r, const struct wd_jv *body, const char *name,
                        size_t max, bool required, char **out, struct wd_arena *a)
{
    const struct wd_jv *v = wd_jv_get(body, name);
    *out = NULL;
    if (!v || v->type == WD_JV_NULL) {
        if (!required)
            return true;
        char why[128];
        snprintf(why, sizeof(why), "'%s' is required", name);
        reject(r, REJ_FIELD, 400, "illegal_argument_exception", why);
        return false;
    }
    const struct wd_case_field f = {name, WD_CF_TEXT, max, NULL, 0};
    struct wd_buf norm;
    wd_buf_init(&norm, 0);
    int64_t num;
    bool has;
    char why[300];
    int rc = wd_case_field_check(&f, v, 0, &norm, &num, &has, why, sizeof(why));
    wd_buf_fini(&norm);
    if (rc == WD_OK && v->u.s.len == 0 && required) {
        snprintf(why, sizeof(why), "'%s' must not be empty", name);
        rc = WD_EINVAL;
    }
    if (rc) {
        reject(r, REJ_FIELD, 400, "illegal_argument_exception", why);
        return false;
    }
    *out = wd_arena_strndup(a, v->u.s.p, v->u.s.len);
    return true;
}

static void add_note(struct wd_http_req *q, struct wd_http_resp *r, int64_t id,
                     const struct wd_jv *body, struct wd_arena *a)
{
    char *text;
    if (!text_member(r, body, "text", 65536, true, &text, a))
        return;
    int rc = wd_cases_note(q->s->cases, id, who(q), text);
    if (rc == WD_ENOENT) {
        reject(r, REJ_NOT_FOUND, 404, "resource_not_found_exception", "no such incident");
        return;
    }
    answer_incident(q, r, id, 201);
    publish(q, id);
}

static bool kind_ok(const char *k)
{
    return k && (!strcmp(k, "alert") || !strcmp(k, "event") || !strcmp(k, "search"));
}

static void links(struct wd_http_req *q, struct wd_http_resp *r, int64_t id,
                  const struct wd_jv *body, struct wd_arena *a)
{
    char *kind = NULL, *ref = NULL, *label = NULL;
    int rc;
    if (method_is(q, "DELETE")) {
        kind = (char *)arg(q, "kind");
        ref = (char *)arg(q, "ref");
        if (!kind_ok(kind) || !ref || !ref[0]) {
            reject(r, REJ_FIELD, 400, "illegal_argument_exception",
                   "expected ?kind=alert|event|search&ref=...");
            return;
        }
        rc = wd_cases_link(q->s->cases, id, who(q), kind, ref, NULL, false);
    } else {
        if (!text_member(r, body, "kind", 16, true, &kind, a) ||
            !text_member(r, body, "ref", 4096, true, &ref, a) ||
            !text_member(r, body, "label", 512, false, &label, a))
            return;
        if (!kind_ok(kind)) {
            reject(r, REJ_FIELD, 400, "illegal_argument_exception",
                   "'kind' must be alert, event or search");
            return;
        }
        uint64_t aid;
        if (!strcmp(kind, "alert")) {
            if (!parse_u64(ref, strlen(ref), &aid) || !alert_known(q, aid)) {
                reject(r, REJ_NOT_FOUND, 404, "resource_not_found_exception", "no such alert");
                return;
            }
            rc = link_alert(q, id, aid, "acknowledged");
        } else {
            rc = wd_cases_link(q->s->cases, id, who(q), kind, ref, label, true);
        }
    }
    if (rc == WD_ENOENT) {
        reject(r, REJ_NOT_FOUND, 404, "resource_not_found_exception", "no such incident or link");
        return;
    }
    answer_incident(q, r, id, 200);
    publish(q, id);
}

static ssize_t live_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    WD_UNUSED(pos);
    return wd_case_live_read(cls, buf, max);
}

static void live_done(void *cls)
{
    wd_case_live_leave(cls);
}

static void stream(struct wd_http_req *q, struct wd_http_resp *r, int64_t id)
{
    struct wd_buf probe;
    wd_buf_init(&probe, 0);
    int rc = wd_cases_get(q->s->cases, id, &probe);
    wd_buf_fini(&probe);
    if (rc) {
        reject(r, REJ_NOT_FOUND, 404, "resource_not_found_exception", "no such incident");
        return;
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(q->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct wd_case_viewer *v;
    rc = wd_case_live_join(q->s->live, id, who(q), ci ? ci->connect_fd : -1, &v);
    if (rc) {
        wd_http_api_error(r, 503, "unavailable_exception",
                          rc == WD_ELIMIT ? "too many incident streams (incidents.max_viewers)"
                                          : "the server is stopping");
        r->retry_after_s = 5;
        return;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, live_read, v, live_done);
    if (!resp) {
        wd_case_live_leave(v);
        wd_http_api_error(r, 503, "unavailable_exception", "out of memory");
        return;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    r->status = 200;
    r->stream = resp;
}

static void incident_route(struct wd_http_req *q, struct wd_http_resp *r, const char *rest)
{
    bool get = method_is(q, "GET") || method_is(q, "HEAD");
    struct wd_arena a;
    wd_arena_init(&a, 16 << 10, 64u << 20);
    struct wd_jv *body = NULL;
    const char *slash = strchr(rest, '/');
    size_t idl = slash ? (size_t)(slash - rest) : strlen(rest);
    uint64_t id;
    if (!parse_u64(rest, idl, &id)) {
        reject(r, REJ_NOT_FOUND, 404, "resource_not_found_exception", "no such incident path");
    } else if (!slash) {
        if (get)
            answer_incident(q, r, (int64_t)id, 200);
        else if (method_is(q, "PATCH"))
            body_obj(q, r, &a, &body) ? patch(q, r, (int64_t)id, body) : (void)0;
        else
            not_allowed(r);
    } else if (!strcmp(slash, "/notes")) {
        if (!method_is(q, "POST"))
            not_allowed(r);
        else if (body_obj(q, r, &a, &body))
            add_note(q, r, (int64_t)id, body, &a);
    } else if (!strcmp(slash, "/links")) {
        if (method_is(q, "DELETE"))
            links(q, r, (int64_t)id, NULL, &a);
        else if (!method_is(q, "POST"))
            not_allowed(r);
        else if (body_obj(q, r, &a, &body))
            links(q, r, (int64_t)id, body, &a);
    } else if (!strcmp(slash, "/stream")) {
        method_is(q, "GET") ? stream(q, r, (int64_t)id) : not_allowed(r);
    } else {
        reject(r, REJ_NOT_FOUND, 404, "resource_not_found_exception", "no such incident path");
    }
    wd_arena_fini(&a);
}

/* ---- metrics ---- */

static bool time_arg(struct wd_http_req *q, struct wd_http_resp *r, const char *name,
                     const char *dflt, int64_t *out)
{
    const char *v = arg(q, name);
    if (!v || !v[0])
        v = dflt;
    if (wd_reltime_parse(v, strlen(v), wd_now_us(), out, NULL) != WD_OK) {
        char why[160];
        snprintf(why, sizeof(why), "bad '%s': expected an ISO 8601 time, now or -30d", name);
        reject(r, REJ_FIELD, 400, "illegal_argument_exception", why);
        return false;
    }
    return true;
}

static void metrics(struct wd_http_req *q, struct wd_http_resp *r)
{
    int64_t from, to;
    if (!time_arg(q, r, "from", "-365d", &from) || !time_arg(q, r, "to", "now", &to))
        return;
    if (from >= to) {
        reject(r, REJ_FIELD, 400, "illegal_argument_exception", "'from' must be before 'to'");
        return;
    }
    r->status = 200;
    wd_cases_metrics(q->s->cases, from, to, &r->body);
}

/* ---- triage ---- */

/* "30m", "12h", "7d", "2w" or seconds as an integer; 1 minute to 365 days. */
static bool duration(const struct wd_jv *v, int64_t *us)
{
    int64_t s = 0;
    if (v && v->type == WD_JV_INT) {
        s = v->u.i;
    } else if (v && v->type == WD_JV_STR && v->u.s.len >= 2 && v->u.s.len < 12) {
        int64_t n = 0;
        for (size_t i = 0; i + 1 < v->u.s.len; i++) {
            char ch = v->u.s.p[i];
            if (ch < '0' || ch > '9')
                return false;
            n = n * 10 + (ch - '0');
        }
        char u = v->u.s.p[v->u.s.len - 1];
        int64_t mul = u == 's'   ? 1
                      : u == 'm' ? 60
                      : u == 'h' ? 3600
                      : u == 'd' ? 86400
                      : u == 'w' ? 7 * 86400
                                 : 0;
        s = n * mul;
    } else {
        return false;
    }
    if (s < 60 || s > 365 * 86400)
        return false;
    *us = s * 1000000;
    return true;
}

static bool path_ok(struct wd_str p)
{
    if (!p.len || p.len > 256)
        return false;
    for (size_t i = 0; i < p.len; i++) {
        char c = p.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '@'))
            return false;
    }
    return true;
}

static void false_positive(struct wd_http_req *q, struct wd_http_resp *r, uint64_t aid)
{
    struct wd_arena a;
    wd_arena_init(&a, 16 << 10, 16u << 20);
    struct wd_jv *body;
    char *reason;
    char rule[256], sev[32];
    struct wd_buf fields;
    wd_buf_init(&fields, 0);
    if (!body_obj(q, r, &a, &body) || !text_member(r, body, "reason", 2048, true, &reason, &a))
        goto out;
    if (wd_cases_alert_rule(q->s->cases, aid, rule, sizeof(rule), sev, sizeof(sev)) != WD_OK) {
        reject(r, REJ_NOT_FOUND, 404, "resource_not_found_exception", "no such alert");
        goto out;
    }
    const struct wd_jv *sup = wd_jv_get(body, "suppress");
    int64_t dur = 0;
    if (sup && sup->type != WD_JV_NULL) {
        const struct wd_jv *f = sup->type == WD_JV_OBJ ? wd_jv_get(sup, "fields") : NULL;
        if (!f || f->type != WD_JV_OBJ || f->count > MAX_SUPP_FIELDS) {
            reject(r, REJ_FIELD, 400, "illegal_argument_exception",
                   "'suppress.fields' must be an object of at most 16 \"field.path\": value "
                   "pairs ({} suppresses every alert of the rule)");
            goto out;
        }
        if (!duration(wd_jv_get(sup, "duration"), &dur)) {
            reject(r, REJ_FIELD, 400, "illegal_argument_exception",
                   "'suppress.duration' must be 1m to 365d (30m, 12h, 7d, 2w or seconds)");
            goto out;
        }
        wd_buf_putc(&fields, '{');
        for (const struct wd_jv *m = f->u.kids.head; m; m = m->next) {
            struct wd_buf t;
            wd_buf_init(&t, 0);
            bool ok = path_ok(m->key) &&
                      (m->type == WD_JV_STR || m->type == WD_JV_INT || m->type == WD_JV_FLOAT ||
                       m->type == WD_JV_TRUE || m->type == WD_JV_FALSE);
            if (ok && m->type == WD_JV_STR)
                ok = m->u.s.len <= 1024 && wd_buf_append(&t, m->u.s.p, m->u.s.len) == WD_OK;
            else if (ok)
                ok = wd_jv_write(m, &t) == WD_OK;
            if (!ok) {
                wd_buf_fini(&t);
                reject(r, REJ_FIELD, 400, "illegal_argument_exception",
                       "'suppress.fields': keys are field paths (A-Z a-z 0-9 . _ - @), values "
                       "strings, numbers or booleans");
                goto out;
            }
            if (fields.len > 1)
                wd_buf_putc(&fields, ',');
            wd_jv_write_str(m->key.p, m->key.len, &fields);
            wd_buf_putc(&fields, ':');
            wd_jv_write_str(t.p ? t.p : "", t.len, &fields);
            wd_buf_fini(&t);
        }
        wd_buf_putc(&fields, '}');
        wd_buf_putc(&fields, '\0');
    }
    struct wd_alert_state *st = q->s->detect ? wd_detect_state(q->s->detect) : NULL;
    if (st)
        wd_alert_state_set(st, aid, "falsePositive", who(q));
    wd_cases_alert_status(q->s->cases, aid, "falsePositive", who(q), reason, 0);
    int64_t sid = 0, expires = wd_now_us() + dur;
    if (dur && wd_cases_suppress_add(q->s->cases, rule, fields.p, reason, aid, who(q), expires,
                                     &sid) != WD_OK) {
        wd_http_api_error(r, 500, "io_exception", "cases.db: the suppression was not written");
        goto out;
    }
    r->status = 200;
    wd_buf_printf(&r->body, "{\"_id\":\"%llu\",\"status\":\"falsePositive\",\"status_by\":",
                  (unsigned long long)aid);
    wd_jv_write_str(who(q), strlen(who(q)), &r->body);
    wd_buf_printf(&r->body, ",\"reason\":");
    wd_jv_write_str(reason, strlen(reason), &r->body);
    wd_buf_printf(&r->body, ",\"suppression\":");
    if (sid) {
        char t[WD_TIME_ISO_MAX];
        wd_time_iso(expires, t);
        wd_buf_printf(&r->body, "{\"id\":%lld,\"rule\":", (long long)sid);
        wd_jv_write_str(rule, strlen(rule), &r->body);
        wd_buf_printf(&r->body, ",\"fields\":%s,\"expires\":\"%s\"}", fields.p, t);
    } else {
        wd_buf_printf(&r->body, "null");
    }
    wd_buf_putc(&r->body, '}');
out:
    wd_buf_fini(&fields);
    wd_arena_fini(&a);
}

static void escalate(struct wd_http_req *q, struct wd_http_resp *r, uint64_t aid)
{
    struct wd_arena a;
    wd_arena_init(&a, 16 << 10, 16u << 20);
    struct wd_jv *body;
    if (!body_obj(q, r, &a, &body))
        goto out;
    if (!alert_known(q, aid)) {
        reject(r, REJ_NOT_FOUND, 404, "resource_not_found_exception", "no such alert");
        goto out;
    }
    const struct wd_jv *inc = wd_jv_get(body, "incident");
    if (inc) { /* onto an existing incident */
        if (inc->type != WD_JV_INT || inc->u.i <= 0) {
            reject(r, REJ_FIELD, 400, "illegal_argument_exception",
                   "'incident' must be an incident number");
            goto out;
        }
        if (link_alert(q, inc->u.i, aid, "escalated") != WD_OK) {
            reject(r, REJ_NOT_FOUND, 404, "resource_not_found_exception", "no such incident");
            goto out;
        }
        answer_incident(q, r, inc->u.i, 200);
        publish(q, inc->u.i);
        goto out;
    }
    if (!wd_jv_get(body, "summary")) { /* a new incident named after the alert's rule */
        char rule[256] = "", sev[32] = "", s[320];
        wd_cases_alert_rule(q->s->cases, aid, rule, sizeof(rule), sev, sizeof(sev));
        snprintf(s, sizeof(s), "Alert %llu: %s", (unsigned long long)aid,
                 rule[0] ? rule : "escalated");
        wd_jv_add(body, WD_STR("summary"), wd_jv_strdup(&a, s, strlen(s)));
    }
    create(q, r, body, aid, "escalated");
out:
    wd_arena_fini(&a);
}

static void unacked(struct wd_http_req *q, struct wd_http_resp *r)
{
    int ack = q->s->cfg.alerts_require_ack_severity;
    r->status = 200;
    struct wd_buf b;
    wd_buf_init(&b, 0);
    wd_cases_unacked(q->s->cases, ack > 0 ? ack - 1 : 1 << 20, wd_now_us(), &b);
    wd_buf_printf(&r->body, "{\"require_ack_severity\":");
    if (ack > 0)
        wd_buf_printf(&r->body, "\"%s\",", wd_severities[ack - 1]);
    else
        wd_buf_printf(&r->body, "null,");
    wd_buf_append(&r->body, b.p + 1, b.len - 1); /* the rest of the object */
    wd_buf_fini(&b);
}

bool wd_http_cases_alert_route(struct wd_http_req *q, struct wd_http_resp *r, const char *rest)
{
    const char *slash = strchr(rest, '/');
    uint64_t aid;
    if (!strcmp(rest, "unacked")) {
        if (!q->s->cases) {
            wd_http_api_error(r, 503, "unavailable_exception", "case state not open");
        } else if (!method_is(q, "GET") && !method_is(q, "HEAD")) {
            not_allowed(r);
        } else {
            unacked(q, r);
        }
        return true;
    }
    if (!slash || !parse_u64(rest, (size_t)(slash - rest), &aid))
        return false;
    bool fp = !strcmp(slash, "/falsepositive"), esc = !strcmp(slash, "/escalate");
    if (!fp && !esc)
        return false;
    if (!q->s->cases)
        wd_http_api_error(r, 503, "unavailable_exception", "case state not open");
    else if (!method_is(q, "POST"))
        not_allowed(r);
    else if (fp)
        false_positive(q, r, aid);
    else
        escalate(q, r, aid);
    return true;
}

/* ---- the router ---- */

bool wd_http_cases_route(struct wd_http_req *q, struct wd_http_resp *r)
{
    const char *p = q->path;
    bool get = method_is(q, "GET") || method_is(q, "HEAD");
    bool inc = !strncmp(p, "/api/v1/incidents", 17) && (!p[17] || p[17] == '/');
    bool sup = !strncmp(p, "/api/v1/suppressions", 20) && (!p[20] || p[20] == '/');
    bool veris = !strcmp(p, "/api/v1/veris");
    bool met = !strcmp(p, "/api/v1/metrics/incidents");
    if (!inc && !sup && !veris && !met)
        return false;
    if (!q->s->cases) {
        wd_http_api_error(r, 503, "unavailable_exception", "case state not open");
        return true;
    }
    if (veris) {
        get ? (r->status = 200, wd_veris_json(&r->body)) : not_allowed(r);
    } else if (met) {
        get ? metrics(q, r) : not_allowed(r);
    } else if (sup) {
        uint64_t id;
        if (!p[20]) {
            if (get) {
                r->status = 200;
                wd_cases_suppress_list(q->s->cases, wd_now_us(), &r->body);
            } else {
                not_allowed(r);
            }
        } else if (!parse_u64(p + 21, strlen(p + 21), &id)) {
            reject(r, REJ_NOT_FOUND, 404, "resource_not_found_exception", "no such suppression");
        } else if (!method_is(q, "DELETE")) {
            not_allowed(r);
        } else if (wd_cases_suppress_del(q->s->cases, (int64_t)id) != WD_OK) {
            reject(r, REJ_NOT_FOUND, 404, "resource_not_found_exception", "no such suppression");
        } else {
            r->status = 200;
            wd_buf_printf(&r->body, "{\"deleted\":%llu}", (unsigned long long)id);
        }
    } else if (!p[17]) {
        if (get) {
            const char *lim = arg(q, "limit");
            int limit = lim ? (int)strtol(lim, NULL, 10) : 200;
            r->status = 200;
            wd_cases_list(q->s->cases, arg(q, "phase"), arg(q, "owner"),
                          limit > 0 && limit <= 10000 ? limit : 200, &r->body);
        } else if (method_is(q, "POST")) {
            struct wd_arena a;
            wd_arena_init(&a, 16 << 10, 64u << 20);
            struct wd_jv *body;
            if (body_obj(q, r, &a, &body))
                create(q, r, body, 0, "acknowledged");
            wd_arena_fini(&a);
        } else {
            not_allowed(r);
        }
    } else {
        incident_route(q, r, p + 18);
    }
    return true;
}
