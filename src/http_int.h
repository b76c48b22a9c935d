/*
 * http_int.h: private to the http*.c files: the per-request state, the route table
 * entries and the response helpers.
 */
#ifndef WD_HTTP_INT_H
#define WD_HTTP_INT_H

#include <microhttpd.h>

#include "auth.h"
#include "mem.h"
#include "ward.h"

struct wd_server;
struct wd_ingest_batch;

/* One request: its body as it arrives, and what the router decided. */
struct wd_http_req {
    struct wd_server *s;
    struct MHD_Connection *conn;
    const char *method;
    const char *path;   /* without trailing '/' (except "/") */
    int input;          /* enum wd_input for ingest routes, else -1 */
    struct wd_buf body; /* raw body, WD_JSON_PADDING spare bytes at the end */
    bool too_large;     /* body exceeded http.max_body_bytes */
    int64_t start_ns;
    struct wd_principal who; /* set by wd_http_authorize() */
    bool audit;              /* a state change by `who`: audited once answered */
    char peer[64];           /* client address */
};

/* A response being built: status, body, content type. */
struct wd_http_resp {
    int status;
    struct wd_buf body;
    const char *content_type;    /* default application/json */
    int retry_after_s;           /* > 0: Retry-After header */
    struct MHD_Response *stream; /* streamed answer (live tail): sent instead of body */
    char set_cookie[320];        /* non-empty: a Set-Cookie header */
    char etag[40];               /* non-empty: ETag (with its quotes) */
    char last_modified[40];      /* non-empty: Last-Modified (an HTTP date) */
    char cache_control[64];      /* non-empty: Cache-Control instead of the default */
};

/* Fills resp with the Elasticsearch error envelope {"error":{...},"status":N}. */
void wd_http_error(struct wd_http_resp *r, int status, const char *type, const char *reason);

/* Route handlers (http_ingest.c, http_es.c). */
/* /events, /nxlog, /cef, /_status (custom_app NULL) and /custom/<app>. */
void wd_http_events(struct wd_http_req *q, struct wd_http_resp *r, const char *custom_app);
void wd_http_bulk(struct wd_http_req *q, struct wd_http_resp *r, struct wd_str index);
void wd_http_es_info(struct wd_http_req *q, struct wd_http_resp *r);
void wd_http_es_probe(struct wd_http_req *q, struct wd_http_resp *r);
void wd_http_metrics(struct wd_http_req *q, struct wd_http_resp *r);
/* GET/POST /api/v1/search and GET /api/v1/tail (http_search.c). */
void wd_http_search(struct wd_http_req *q, struct wd_http_resp *r);
void wd_http_tail(struct wd_http_req *q, struct wd_http_resp *r);
/* The same search restricted to `index` with and_q ANDed to q (NULLs: as asked), and
 * the same SSE stream from another hub (the alert stream). */
struct wd_tail;
void wd_http_search_in(struct wd_http_req *q, struct wd_http_resp *r, const char *index,
                       const char *and_q);
void wd_http_tail_hub(struct wd_http_req *q, struct wd_http_resp *r, struct wd_tail *hub);
/* /api/v1/alerts... and /api/v1/rules... (http_alerts.c); false when the path is not
 * theirs. */
bool wd_http_alerts_route(struct wd_http_req *q, struct wd_http_resp *r);
/* {"error":{...},"status":N} as the search API writes it. */
void wd_http_api_error(struct wd_http_resp *r, int status, const char *type, const char *reason);

/* The connection thread's reusable ingest batch (reset), and gzip decoding of the body
 * with the error response filled on failure (http_ingest.c). */
struct wd_ingest_batch *wd_http_batch(void);
bool wd_http_body_ready(struct wd_http_req *q, struct wd_http_resp *r);
/* /api/v1/zeek, /api/v1/lists[/<name>], /api/v1/sources (http_zeek.c). */
void wd_http_zeek_route(struct wd_http_req *q, struct wd_http_resp *r);

/* /api/v1/blocklist/{ip,fqdn}..., /api/v1/watchlist..., the /feeds/ files (http_resp.c);
 * false when the path is not theirs. And their /metrics lines. */
bool wd_http_resp_route(struct wd_http_req *q, struct wd_http_resp *r);
void wd_http_resp_metrics(struct wd_server *s, struct wd_buf *out);

/* Decodes the request body when Content-Encoding is gzip/deflate. Returns WD_OK,
 * WD_ELIMIT (decoded body too large) or WD_EPARSE (bad stream). */
int wd_http_decode_body(struct wd_http_req *q);

/* Access control (http_auth.c): decides who the request runs as and whether it may run;
 * false when r holds the refusal (401/403/429). */
bool wd_http_authorize(struct wd_http_req *q, struct wd_http_resp *r);
/* /api/v1/auth/..., /api/v1/tokens..., /api/v1/users...; false when not theirs. */
bool wd_http_auth_route(struct wd_http_req *q, struct wd_http_resp *r);
/* Writes the audit event of an answered state change (q->audit). */
void wd_http_audit(struct wd_http_req *q, const struct wd_http_resp *r);
/* Writes one event (JSON object text) through the ingest path; WD_OK when durable. */
int wd_http_emit(struct wd_server *s, const char *json, size_t len);
/* Incidents, triage, case metrics (http_cases.c): /api/v1/incidents..., /veris,
 * /metrics/incidents, /suppressions...; false when the path is not theirs. The alert
 * sub-paths unacked, <id>/falsepositive and <id>/escalate (rest: after /api/v1/alerts/).
 * The /metrics lines of case state. */
bool wd_http_cases_route(struct wd_http_req *q, struct wd_http_resp *r);
bool wd_http_cases_alert_route(struct wd_http_req *q, struct wd_http_resp *r, const char *rest);
void wd_http_cases_render_prom(struct wd_server *s, struct wd_buf *out);
/* The console's embedded files (http_console.c); false when the path is not one. */
bool wd_http_console_route(struct wd_http_req *q, struct wd_http_resp *r);
/* True when a GET of / is a browser asking for the console (Accept: text/html). */
bool wd_http_wants_console(struct wd_http_req *q);

#endif
