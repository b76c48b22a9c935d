/*
 * http_int.h: private to the http*.c files: the per-request state, the route table
 * entries and the response helpers.
 */
#ifndef WD_HTTP_INT_H
#define WD_HTTP_INT_H

#include <microhttpd.h>

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
};

/* A response being built: status, body, content type. */
struct wd_http_resp {
    int status;
    struct wd_buf body;
    const char *content_type;    /* default application/json */
    int retry_after_s;           /* > 0: Retry-After header */
    struct MHD_Response *stream; /* streamed answer (live tail): sent instead of body */
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

/* Decodes the request body when Content-Encoding is gzip/deflate. Returns WD_OK,
 * WD_ELIMIT (decoded body too large) or WD_EPARSE (bad stream). */
int wd_http_decode_body(struct wd_http_req *q);

#endif
