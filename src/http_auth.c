/*
 * http_auth.c: access control for the HTTP listener, in one place. Every request is
 * matched against one table of (method, path) -> required scope before routing, so the
 * route handlers know nothing about users. Principals come from a session cookie
 * (console) or an `Authorization: Bearer` API token. Session requests that change state
 * must carry the session's CSRF token (X-CSRF-Token). Also the /api/v1/auth, /tokens and
 * /users endpoints, login rate limiting, and the login and audit events written through
 * the ingest path (category authentication / audit, source ward) so that ward's own
 * rules see them. docs/security.md is the reference.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <time.h>

#include "auth.h"
#include "http.h"
#include "http_int.h"
#include "ingest.h"
#include "json.h"
#include "jv.h"
#include "log.h"
#include "metrics.h"
#include "server.h"

#define NEED_PUBLIC         0u
#define NEED_ANY            0x100u /* any authenticated principal */
#define MAX_PASSWORD_CHECKS 4      /* concurrent argon2id verifications */

/* Methods: "R" = GET/HEAD, "W" = anything else, NULL = any. First match wins. */
struct authz_rule {
    const char *methods;
    const char *prefix;
    bool exact;
    unsigned need;
};

static const struct authz_rule authz[] = {
    {NULL, "/api/v1/auth/login", true, NEED_PUBLIC},
    {NULL, "/api/v1/auth/", false, NEED_ANY},
    {"R", "/api/v1/health", true, NEED_PUBLIC},
    {NULL, "/api/v1/users", false, WD_SCOPE_ADMIN},
    {NULL, "/api/v1/tokens", false, WD_SCOPE_ADMIN},
    {"W", "/api/v1/search", true, WD_SCOPE_READ}, /* POST search reads */
    {"W", "/api/v1/zeek", true, WD_SCOPE_INGEST},
    {"W", "/api/v1/rules", false, WD_SCOPE_ADMIN},
    {"W", "/api/v1/alerts", false, WD_SCOPE_WRITE},
    {"W", "/api/v1/lists", false, WD_SCOPE_WRITE},
    {"W", "/api/v1/incidents", false, WD_SCOPE_WRITE}, /* incidents: analysts edit */
    {"W", "/api/v1/suppressions", false, WD_SCOPE_WRITE},
    {"W", "/api/v1/blocklist", false, WD_SCOPE_WRITE}, /* response lists (http_resp.c) */
    {"W", "/api/v1/watchlist", false, WD_SCOPE_WRITE},
    {"R", "/api/v1/", false, WD_SCOPE_READ},
    {"R", "/api/v1", true, WD_SCOPE_READ},
    {NULL, "/api/v1", false, WD_SCOPE_ADMIN},
    {"R", "/metrics", true, WD_SCOPE_READ},
    {"R", "/ui/", false, NEED_PUBLIC},    /* static console files: no data */
    {"R", "/feeds/", false, NEED_PUBLIC}, /* block-list feeds: response.feed_token, if set */
    {NULL, "", false, WD_SCOPE_INGEST},   /* MozDef and Elasticsearch ingest paths, probes */
};

static bool is_read(const char *m)
{
    return !strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "OPTIONS");
}

static const struct authz_rule *authz_find(const char *method, const char *path)
{
    for (size_t i = 0; i < WD_ARRAY_LEN(authz); i++) {
        const struct authz_rule *a = &authz[i];
        if (a->methods && (a->methods[0] == 'R') != is_read(method))
            continue;
        if (a->exact ? strcmp(path, a->prefix) == 0
                     : strncmp(path, a->prefix, strlen(a->prefix)) == 0)
            return a;
    }
    return &authz[WD_ARRAY_LEN(authz) - 1];
}

static void peer_of(struct wd_http_req *q)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(q->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(q->peer, sizeof(q->peer), "unknown");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, q->peer, sizeof(q->peer));
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, q->peer,
                  sizeof(q->peer));
}

static const char *header(struct wd_http_req *q, const char *name)
{
    return MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, name);
}

/* Fills q->who from the Bearer token or the session cookie. */
static void identify(struct wd_http_req *q)
{
    struct wd_auth *a = q->s->auth;
    const char *h = header(q, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h && strncasecmp(h, "Bearer ", 7) == 0) {
        wd_auth_token_get(a, h + 7, &q->who);
        return; /* a bad token never falls back to the cookie */
    }
    const char *sid = MHD_lookup_connection_value(q->conn, MHD_COOKIE_KIND, "wd_session");
    if (sid)
        wd_auth_session_get(a, sid, &q->who);
}

bool wd_http_wants_console(struct wd_http_req *q)
{
    if (!q->s->cfg.http_console || strcmp(q->path, "/") || strcmp(q->method, "GET"))
        return false;
    const char *acc = header(q, MHD_HTTP_HEADER_ACCEPT);
    return acc && strstr(acc, "text/html");
}

static void deny(struct wd_http_req *q, struct wd_http_resp *r, int status, int why,
                 const char *type, const char *reason)
{
    wd_metric_add(&q->s->metrics.auth_denied[why], 1);
    wd_http_api_error(r, status, type, reason);
    wd_log_rl(&q->s->rl_ingest, WD_LOG_INFO, "auth", "%d %s %s peer=%s who=%s: %s", status,
              q->method, q->path, q->peer, q->who.authenticated ? q->who.name : "-", reason);
}

/* Alert acks and status changes record who did them: the authenticated principal, not
 * a "by" the client chose. Rewrites the body's "by" member (the handler reads it). */
static void stamp_by(struct wd_http_req *q)
{
    size_t n = strlen(q->path);
    if (strncmp(q->path, "/api/v1/alerts/", 15) != 0 || strcmp(q->method, "POST") != 0 ||
        !((n > 4 && !strcmp(q->path + n - 4, "/ack")) ||
          (n > 7 && !strcmp(q->path + n - 7, "/status"))))
        return;
    struct wd_arena a;
    wd_arena_init(&a, 4096, 4 << 20);
    struct wd_jv *v = NULL;
    if (q->body.len == 0)
        v = wd_jv_new(&a, WD_JV_OBJ);
    else if (wd_json_parse(q->body.p, q->body.len, q->body.len + WD_JSON_PADDING, 64, &a, &v,
                           NULL) != WD_OK ||
             v->type != WD_JV_OBJ)
        v = NULL; /* the handler reports the bad body */
    /* A token (a bot) may name the person it acts for; the audit event names the token. */
    if (v && !q->who.is_session && wd_jv_get(v, "by"))
        v = NULL;
    if (v) {
        wd_jv_set(v, (struct wd_str){"by", 2}, wd_jv_str(&a, q->who.name, strlen(q->who.name)));
        struct wd_buf nb;
        wd_buf_init(&nb, q->body.max_len);
        if (wd_jv_write(v, &nb) == WD_OK && wd_buf_reserve(&nb, WD_JSON_PADDING) == WD_OK) {
            memset(nb.p + nb.len, 0, WD_JSON_PADDING);
            wd_buf_fini(&q->body);
            q->body = nb;
        } else
            wd_buf_fini(&nb);
    }
    wd_arena_fini(&a);
}

static void emit_pending(void *arg, const char *json)
{
    struct wd_server *s = arg;
    if (wd_http_emit(s, json, strlen(json)) == WD_OK)
        wd_metric_add(&s->metrics.audit_events, 1);
}

void wd_http_audit_pending(struct wd_server *s)
{
    wd_auth_audit_take(s->auth, emit_pending, s);
}

/* CLI changes (ward user/token) queue their audit events in state.db: written at most a
 * second after, by whichever request comes first. */
static void drain_pending(struct wd_server *s)
{
    static int64_t last_s;
    int64_t now = (int64_t)time(NULL), was = __atomic_load_n(&last_s, __ATOMIC_RELAXED);
    if (now != was &&
        __atomic_compare_exchange_n(&last_s, &was, now, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        wd_http_audit_pending(s);
}

bool wd_http_authorize(struct wd_http_req *q, struct wd_http_resp *r)
{
    peer_of(q);
    drain_pending(q->s);
    if (wd_http_wants_console(q))
        return true; /* the console page itself; its data needs a login */
    identify(q);
    const struct authz_rule *rule = authz_find(q->method, q->path);
    unsigned need = rule->need;
    if (need == WD_SCOPE_INGEST && q->s->ingest_open)
        need = NEED_PUBLIC;
    if (need == NEED_PUBLIC)
        return true;
    if (!q->who.authenticated) {
        const char *h = header(q, MHD_HTTP_HEADER_AUTHORIZATION);
        deny(q, r, 401, 0, "security_exception",
             h ? "invalid or revoked API token"
               : "authentication required: log in or send Authorization: Bearer TOKEN");
        return false;
    }
    if (need != NEED_ANY && !(q->who.scopes & need)) {
        char sc[64];
        wd_scopes_format(need, sc, sizeof(sc));
        char why[160];
        snprintf(why, sizeof(why), "forbidden: this needs the %s scope (role %s)", sc,
                 need == WD_SCOPE_ADMIN   ? "admin"
                 : need == WD_SCOPE_WRITE ? "analyst or admin"
                 : need == WD_SCOPE_READ  ? "viewer or above"
                                          : "an ingest token");
        deny(q, r, 403, 1, "security_exception", why);
        return false;
    }
    bool changes = !is_read(q->method) && strcmp(q->path, "/api/v1/search") != 0;
    if (changes && q->who.is_session && strcmp(q->path, "/api/v1/auth/logout") != 0) {
        const char *tok = header(q, "X-CSRF-Token");
        if (!tok || !wd_auth_str_eq(tok, q->who.csrf)) {
            deny(q, r, 403, 2, "csrf_exception",
                 "missing or wrong X-CSRF-Token header (GET /api/v1/auth/me gives it)");
            return false;
        }
    }
    q->audit = changes && need != WD_SCOPE_INGEST;
    stamp_by(q);
    return true;
}

/* ---- events written by ward about itself ---- */

int wd_http_emit(struct wd_server *s, const char *json, size_t len)
{
    struct wd_ingest_batch b;
    wd_ingest_batch_init(&b);
    struct wd_jv *v = NULL;
    char why[256];
    char *copy = wd_xmalloc(len + WD_JSON_PADDING);
    memcpy(copy, json, len);
    memset(copy + len, 0, WD_JSON_PADDING);
    int rc = wd_json_parse(copy, len, len + WD_JSON_PADDING, 0, &b.arena, &v, NULL);
    if (rc == WD_OK)
        rc = wd_ingest_add(s, &b, v, &(struct wd_ingest_meta){0}, why, sizeof(why));
    uint64_t seq;
    if (rc == WD_OK)
        rc = wd_ingest_commit(s, &b, WD_IN_HTTP_EVENTS, true, &seq);
    if (rc)
        wd_log(WD_LOG_WARN, "auth", "cannot write a ward event: %s", wd_strerror(rc));
    wd_ingest_batch_fini(&b);
    free(copy);
    return rc;
}

static void put_str(struct wd_buf *b, const char *s)
{
    wd_jv_write_str(s, strlen(s), b);
}

static void login_event(struct wd_server *s, const char *user, const char *peer, bool ok,
                        const char *why)
{
    struct wd_buf b;
    wd_buf_init(&b, 0);
    wd_buf_printf(&b,
                  "{\"category\":\"authentication\",\"source\":\"ward\","
                  "\"tags\":[\"ward\",\"login\"],\"severity\":\"%s\",\"summary\":",
                  ok ? "INFO" : "WARNING");
    char sum[400];
    snprintf(sum, sizeof(sum), "ward console login %s for %.64s from %s%s%s",
             ok ? "succeeded" : "failed", user, peer, why ? ": " : "", why ? why : "");
    put_str(&b, sum);
    wd_buf_printf(&b, ",\"details\":{\"username\":");
    put_str(&b, user);
    wd_buf_printf(&b, ",\"sourceipaddress\":");
    put_str(&b, peer);
    wd_buf_printf(&b, ",\"success\":%s", ok ? "true" : "false");
    if (why) {
        wd_buf_printf(&b, ",\"reason\":");
        put_str(&b, why);
    }
    wd_buf_printf(&b, "}}");
    wd_http_emit(s, b.p, b.len);
    wd_buf_fini(&b);
}

/* The action name of an audited request, from its path. */
static const char *audit_action(const char *method, const char *path)
{
    size_t n = strlen(path);
#define ENDS(sfx) (n >= strlen(sfx) && strcmp(path + n - strlen(sfx), sfx) == 0)
    if (!strncmp(path, "/api/v1/alerts/", 15))
        return ENDS("/ack")             ? "alert.ack"
               : ENDS("/falsepositive") ? "alert.falsepositive" /* incidents: triage */
               : ENDS("/escalate")      ? "alert.escalate"
                                        : "alert.status";
    if (!strncmp(path, "/api/v1/incidents", 17)) /* incidents */
        return ENDS("/notes")   ? "incident.note"
               : ENDS("/links") ? (!strcmp(method, "DELETE") ? "incident.unlink" : "incident.link")
               : !strcmp(method, "PATCH") ? "incident.change"
                                          : "incident.create";
    if (!strncmp(path, "/api/v1/suppressions", 20))
        return "suppression.delete";
    if (!strncmp(path, "/api/v1/rules", 13))
        return ENDS("/enable") ? "rule.enable" : ENDS("/disable") ? "rule.disable" : "rule.reload";
    if (!strncmp(path, "/api/v1/users", 13))
        return !strcmp(method, "DELETE") ? "user.delete" : "user.add";
    if (!strncmp(path, "/api/v1/tokens", 14))
        return strcmp(method, "POST") == 0 && !ENDS("/revoke") ? "token.create" : "token.revoke";
    if (!strncmp(path, "/api/v1/lists", 13))
        return !strcmp(method, "PUT")      ? "list.replace"
               : !strcmp(method, "DELETE") ? "list.remove"
                                           : "list.add";
    if (!strncmp(path, "/api/v1/blocklist/", 18) || !strncmp(path, "/api/v1/watchlist", 17)) {
        bool ip = !strncmp(path, "/api/v1/blocklist/ip", 20);
        bool watch = path[8] == 'w';
        return !strcmp(method, "DELETE") ? (watch ? "watchlist.remove"
                                            : ip  ? "blocklist.ip.remove"
                                                  : "blocklist.fqdn.remove")
               : ENDS("/extend")         ? (watch ? "watchlist.extend"
                                            : ip  ? "blocklist.ip.extend"
                                                  : "blocklist.fqdn.extend")
                                         : (watch ? "watchlist.add"
                                            : ip  ? "blocklist.ip.add"
                                                  : "blocklist.fqdn.add");
    }
    if (!strncmp(path, "/api/v1/auth/logout", 19))
        return "logout";
#undef ENDS
    return "api";
}

void wd_http_audit(struct wd_http_req *q, const struct wd_http_resp *r)
{
    if (!q->audit || r->status >= 400 || !strcmp(q->path, "/api/v1/auth/logout"))
        return;
    const char *action = audit_action(q->method, q->path);
    struct wd_buf b;
    wd_buf_init(&b, 0);
    wd_buf_printf(&b, "{\"category\":\"audit\",\"source\":\"ward\",\"tags\":[\"ward\",\"audit\"],"
                      "\"severity\":\"INFO\",\"summary\":");
    char sum[600];
    snprintf(sum, sizeof(sum), "%s: %s %s %.300s", action, q->who.name, q->method, q->path);
    put_str(&b, sum);
    wd_buf_printf(&b, ",\"details\":{\"action\":\"%s\",\"username\":", action);
    put_str(&b, q->who.name);
    wd_buf_printf(&b, ",\"method\":\"%s\",\"path\":", q->method);
    put_str(&b, q->path);
    wd_buf_printf(&b, ",\"status\":%d,\"sourceipaddress\":", r->status);
    put_str(&b, q->peer);
    wd_buf_printf(&b, ",\"via\":\"%s\"}}", q->who.is_session ? "session" : "token");
    if (wd_http_emit(q->s, b.p, b.len) == WD_OK)
        wd_metric_add(&q->s->metrics.audit_events, 1);
    wd_buf_fini(&b);
}

/* ---- login rate limiting: failures per user name and per client address ---- */

#define RL_SLOTS 512
struct rl_slot {
    char key[96];
    int64_t window_start;
    int64_t failures;
};
static struct rl_slot rl[RL_SLOTS];
static pthread_mutex_t rl_mu = PTHREAD_MUTEX_INITIALIZER;

static struct rl_slot *rl_slot(const char *key, int64_t now, int64_t window)
{
    uint32_t h = 2166136261u;
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    struct rl_slot *sl = &rl[h % RL_SLOTS];
    if (strcmp(sl->key, key) != 0 || now - sl->window_start >= window) {
        /* A colliding key takes the slot over: limits are best effort, never shared. */
        snprintf(sl->key, sizeof(sl->key), "%s", key);
        sl->window_start = now;
        sl->failures = 0;
    }
    return sl;
}

/* True when either key is over the limit; *retry the seconds until it lifts. */
static bool rl_limited(struct wd_server *s, const char *user, const char *peer, int *retry)
{
    char ku[96], kp[96];
    snprintf(ku, sizeof(ku), "u:%.80s", user);
    snprintf(kp, sizeof(kp), "a:%.80s", peer);
    int64_t now = (int64_t)time(NULL), w = s->cfg.auth_login_window_s;
    pthread_mutex_lock(&rl_mu);
    struct rl_slot *a = rl_slot(ku, now, w), *b = rl_slot(kp, now, w);
    int64_t max = s->cfg.auth_login_max_failures;
    bool lim = a->failures >= max || b->failures >= max;
    int64_t until = 0;
    if (a->failures >= max)
        until = a->window_start + w;
    if (b->failures >= max && b->window_start + w > until)
        until = b->window_start + w;
    pthread_mutex_unlock(&rl_mu);
    *retry = (int)(until - now > 0 ? until - now : 1);
    return lim;
}

static void rl_fail(struct wd_server *s, const char *user, const char *peer)
{
    char ku[96], kp[96];
    snprintf(ku, sizeof(ku), "u:%.80s", user);
    snprintf(kp, sizeof(kp), "a:%.80s", peer);
    int64_t now = (int64_t)time(NULL), w = s->cfg.auth_login_window_s;
    pthread_mutex_lock(&rl_mu);
    rl_slot(ku, now, w)->failures++;
    rl_slot(kp, now, w)->failures++;
    pthread_mutex_unlock(&rl_mu);
}

/* ---- endpoints ---- */

/* Parses the body as a JSON object into arena a; NULL (and r filled) when it is not. */
static struct wd_jv *body_obj(struct wd_http_req *q, struct wd_http_resp *r, struct wd_arena *a)
{
    struct wd_jv *v = NULL;
    if (q->body.len == 0 ||
        wd_json_parse(q->body.p, q->body.len, q->body.len + WD_JSON_PADDING, 16, a, &v, NULL) !=
            WD_OK ||
        v->type != WD_JV_OBJ) {
        wd_http_api_error(r, 400, "parse_exception", "the body must be a JSON object");
        return NULL;
    }
    return v;
}

/* A string member copied into out; false when missing or not a string. */
static bool str_member(const struct wd_jv *o, const char *key, char *out, size_t out_len)
{
    const struct wd_jv *v = wd_jv_get(o, key);
    if (!v || v->type != WD_JV_STR || v->u.s.len >= out_len || memchr(v->u.s.p, 0, v->u.s.len))
        return false;
    memcpy(out, v->u.s.p, v->u.s.len);
    out[v->u.s.len] = '\0';
    return true;
}

static void me_json(struct wd_buf *b, const struct wd_principal *p, const char *role)
{
    char sc[64];
    wd_scopes_format(p->scopes, sc, sizeof(sc));
    wd_buf_printf(b, "{\"username\":");
    put_str(b, p->name);
    wd_buf_printf(b, ",\"role\":\"%s\",\"scopes\":\"%s\",\"csrf\":\"%s\"}", role, sc,
                  p->is_session ? p->csrf : "");
}

static const char *role_of_scopes(unsigned s)
{
    return (s & WD_SCOPE_ADMIN) ? "admin" : (s & WD_SCOPE_WRITE) ? "analyst" : "viewer";
}

static void set_session_cookie(struct wd_http_req *q, struct wd_http_resp *r, const char *sid,
                               int max_age)
{
    bool tls = q->s->cfg.http_tls_cert[0] != '\0';
    snprintf(r->set_cookie, sizeof(r->set_cookie),
             "wd_session=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s", sid, max_age,
             tls ? "; Secure" : "");
}

static void login(struct wd_http_req *q, struct wd_http_resp *r)
{
    struct wd_server *s = q->s;
    const char *ct = header(q, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (strcmp(q->method, "POST")) {
        wd_http_api_error(r, 405, "method_not_allowed", "POST a JSON body");
        return;
    }
    /* JSON only: a cross-site HTML form cannot send it (login CSRF). */
    if (!ct || strncasecmp(ct, "application/json", 16) != 0) {
        wd_http_api_error(r, 415, "illegal_argument_exception",
                          "Content-Type must be application/json");
        return;
    }
    struct wd_arena a;
    wd_arena_init(&a, 4096, 1 << 20);
    char user[128], pass[1100];
    struct wd_jv *o = body_obj(q, r, &a);
    if (!o)
        goto out;
    if (!str_member(o, "username", user, sizeof(user)) ||
        !str_member(o, "password", pass, sizeof(pass))) {
        wd_http_api_error(r, 400, "illegal_argument_exception",
                          "expected {\"username\":\"...\",\"password\":\"...\"}");
        goto out;
    }
    int retry = 0;
    if (rl_limited(s, user, q->peer, &retry)) {
        wd_metric_add(&s->metrics.logins[2], 1);
        login_event(s, user, q->peer, false, "rate limited");
        wd_http_api_error(r, 429, "too_many_requests", "too many failed logins: try again later");
        r->retry_after_s = retry;
        goto out;
    }
    /* Each check holds 19 MiB for tens of milliseconds: cap how many run at once so a
     * flood of logins cannot take the machine's memory. */
    static int checking;
    if (__atomic_add_fetch(&checking, 1, __ATOMIC_ACQ_REL) > MAX_PASSWORD_CHECKS) {
        __atomic_sub_fetch(&checking, 1, __ATOMIC_ACQ_REL);
        wd_http_api_error(r, 503, "unavailable_exception", "too many logins at once: retry");
        r->retry_after_s = 1;
        goto out;
    }
    int role = -1;
    int prc = wd_auth_password_check(s->auth, user, pass, &role);
    __atomic_sub_fetch(&checking, 1, __ATOMIC_ACQ_REL);
    if (prc != WD_OK) {
        rl_fail(s, user, q->peer);
        wd_metric_add(&s->metrics.logins[1], 1);
        login_event(s, user, q->peer, false, "bad user name or password");
        wd_log(WD_LOG_INFO, "auth", "login failed user=%.64s peer=%s", user, q->peer);
        wd_http_api_error(r, 401, "security_exception", "bad user name or password");
        goto out;
    }
    char sid[WD_AUTH_ID_LEN + 1];
    struct wd_principal p = {.authenticated = true, .is_session = true};
    if (wd_auth_session_new(s->auth, user, role, sid, p.csrf)) {
        wd_http_api_error(r, 503, "unavailable_exception", "cannot write state.db");
        goto out;
    }
    snprintf(p.name, sizeof(p.name), "%s", user);
    p.scopes = wd_role_scopes(role);
    wd_metric_add(&s->metrics.logins[0], 1);
    login_event(s, user, q->peer, true, NULL);
    wd_log(WD_LOG_INFO, "auth", "login user=%s role=%s peer=%s", user, wd_role_name(role), q->peer);
    set_session_cookie(q, r, sid, WD_AUTH_SESSION_TTL);
    me_json(&r->body, &p, wd_role_name(role));
out:
    explicit_bzero(pass, sizeof(pass));
    wd_arena_fini(&a);
}

static void tokens(struct wd_http_req *q, struct wd_http_resp *r)
{
    struct wd_auth *au = q->s->auth;
    const char *rest = q->path + strlen("/api/v1/tokens");
    if (!*rest) {
        if (is_read(q->method)) {
            wd_auth_token_list(au, &r->body);
            return;
        }
        if (strcmp(q->method, "POST")) {
            wd_http_api_error(r, 405, "method_not_allowed", "GET or POST");
            return;
        }
        struct wd_arena a;
        wd_arena_init(&a, 4096, 1 << 20);
        char name[128], scopes[128];
        unsigned sc = 0;
        struct wd_jv *o = body_obj(q, r, &a);
        if (o &&
            (!str_member(o, "name", name, sizeof(name)) || !name[0] ||
             !str_member(o, "scopes", scopes, sizeof(scopes)) || !wd_scopes_parse(scopes, &sc)))
            wd_http_api_error(r, 400, "illegal_argument_exception",
                              "expected {\"name\":\"...\",\"scopes\":\"ingest,read,write,admin\"}"
                              " (any of them)");
        else if (o) {
            char tok[WD_AUTH_ID_LEN + 4];
            int64_t id = 0;
            if (wd_auth_token_add(au, name, sc, q->who.name, NULL, tok, &id))
                wd_http_api_error(r, 503, "unavailable_exception", "cannot write state.db");
            else {
                char scs[64];
                wd_scopes_format(sc, scs, sizeof(scs));
                wd_buf_printf(&r->body, "{\"id\":%lld,\"name\":", (long long)id);
                put_str(&r->body, name);
                wd_buf_printf(&r->body, ",\"scopes\":\"%s\",\"token\":\"%s\"}", scs, tok);
                r->status = 201;
            }
        }
        wd_arena_fini(&a);
        return;
    }
    /* /api/v1/tokens/ID (DELETE) or /api/v1/tokens/ID/revoke (POST) */
    char *end = NULL;
    long long id = strtoll(rest + 1, &end, 10);
    bool del = !strcmp(q->method, "DELETE") && end && !*end;
    bool rev = !strcmp(q->method, "POST") && end && !strcmp(end, "/revoke");
    if (rest[0] != '/' || end == rest + 1 || (!del && !rev)) {
        wd_http_api_error(r, 404, "resource_not_found_exception",
                          "use DELETE /api/v1/tokens/ID or POST /api/v1/tokens/ID/revoke");
        return;
    }
    if (wd_auth_token_revoke(au, id) != WD_OK) {
        wd_http_api_error(r, 404, "resource_not_found_exception", "no such live token");
        return;
    }
    wd_buf_printf(&r->body, "{\"id\":%lld,\"revoked\":true}", id);
}

static void users(struct wd_http_req *q, struct wd_http_resp *r)
{
    struct wd_auth *au = q->s->auth;
    const char *rest = q->path + strlen("/api/v1/users");
    if (!*rest && is_read(q->method)) {
        wd_auth_user_list(au, &r->body);
        return;
    }
    if (!*rest && !strcmp(q->method, "POST")) {
        struct wd_arena a;
        wd_arena_init(&a, 4096, 1 << 20);
        char name[128], role[32], pass[1100], why[160];
        struct wd_jv *o = body_obj(q, r, &a);
        if (o && (!str_member(o, "name", name, sizeof(name)) ||
                  !str_member(o, "role", role, sizeof(role)) ||
                  !str_member(o, "password", pass, sizeof(pass))))
            wd_http_api_error(r, 400, "illegal_argument_exception",
                              "expected {\"name\",\"role\",\"password\"}");
        else if (o) {
            int rc = wd_auth_user_add(au, name, wd_role_parse(role), pass, why, sizeof(why));
            if (rc)
                wd_http_api_error(r, rc == WD_EINVAL ? 400 : 503, "illegal_argument_exception",
                                  why);
            else {
                wd_buf_printf(&r->body, "{\"name\":");
                put_str(&r->body, name);
                wd_buf_printf(&r->body, ",\"role\":\"%s\"}", role);
                r->status = 201;
            }
            explicit_bzero(pass, sizeof(pass));
        }
        wd_arena_fini(&a);
        return;
    }
    if (rest[0] == '/' && rest[1] && !strchr(rest + 1, '/') && !strcmp(q->method, "DELETE")) {
        if (wd_auth_user_del(au, rest + 1) != WD_OK) {
            wd_http_api_error(r, 404, "resource_not_found_exception", "no such user");
            return;
        }
        wd_buf_printf(&r->body, "{\"name\":");
        put_str(&r->body, rest + 1);
        wd_buf_printf(&r->body, ",\"deleted\":true}");
        return;
    }
    wd_http_api_error(r, 405, "method_not_allowed",
                      "GET/POST /api/v1/users, DELETE /api/v1/users/NAME");
}

bool wd_http_auth_route(struct wd_http_req *q, struct wd_http_resp *r)
{
    const char *p = q->path;
    if (!strcmp(p, "/api/v1/auth/login")) {
        login(q, r);
    } else if (!strcmp(p, "/api/v1/auth/logout")) {
        if (strcmp(q->method, "POST")) {
            wd_http_api_error(r, 405, "method_not_allowed", "POST");
            return true;
        }
        const char *sid = MHD_lookup_connection_value(q->conn, MHD_COOKIE_KIND, "wd_session");
        if (sid)
            wd_auth_session_del(q->s->auth, sid);
        set_session_cookie(q, r, "", 0);
        wd_buf_printf(&r->body, "{\"logged_out\":true}");
    } else if (!strcmp(p, "/api/v1/auth/me")) {
        if (!is_read(q->method)) {
            wd_http_api_error(r, 405, "method_not_allowed", "GET");
            return true;
        }
        me_json(&r->body, &q->who, q->who.is_session ? role_of_scopes(q->who.scopes) : "token");
    } else if (!strncmp(p, "/api/v1/auth/", 13)) {
        wd_http_api_error(r, 404, "resource_not_found_exception", "unknown auth endpoint");
    } else if (!strcmp(p, "/api/v1/tokens") || !strncmp(p, "/api/v1/tokens/", 15)) {
        tokens(q, r);
    } else if (!strcmp(p, "/api/v1/users") || !strncmp(p, "/api/v1/users/", 14)) {
        users(q, r);
    } else {
        return false;
    }
    return true;
}
