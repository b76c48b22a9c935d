/*
 * http.h: the HTTP(S) listener (libmicrohttpd, one thread per connection so a request
 * can wait for its group commit): MozDef ingest paths, Elasticsearch bulk and probe
 * endpoints, /metrics and /api/v1/health.
 */
#ifndef WD_HTTP_H
#define WD_HTTP_H

#include <stddef.h>

struct wd_server;
struct wd_http;

/* Binds cfg.http_listen and starts serving; WD_OK or a code, with a message in err. */
int wd_http_start(struct wd_server *s, struct wd_http **out, char *err, size_t err_len);
/* The bound port (useful with port 0). */
int wd_http_port(const struct wd_http *h);
void wd_http_stop(struct wd_http *h);
/* Writes the audit events the CLI queued in state.db (http_auth.c). */
void wd_http_audit_pending(struct wd_server *s);

#endif
