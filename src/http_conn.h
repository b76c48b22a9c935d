/*
 * http_conn.h: one outgoing HTTP(S) connection (http_conn.c), shared by the webhook
 * client (action_http.c) and the threat-intel feed fetcher (intel_fetch.c).
 */
#ifndef WD_HTTP_CONN_H
#define WD_HTTP_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <gnutls/gnutls.h>

#include "action_int.h"

struct wd_hconn {
    int fd;
    gnutls_session_t tls; /* NULL for http:// */
    int64_t deadline_ms;  /* monotonic: the whole exchange must end by then */
};

/*
 * Connects to u (and completes the TLS handshake for https with cred, a
 * gnutls_certificate_credentials_t) within timeout_ms, which also bounds every later
 * wd_hconn_io. Returns an enum wd_action_outcome (err filled unless WD_ACTION_DONE);
 * call wd_hconn_close() in every case.
 */
int wd_hconn_open(struct wd_hconn *c, const struct wd_action_url *u, void *cred, int timeout_ms,
                  char *err, size_t elen);
/* Moves up to n bytes: > 0 bytes moved, 0 end of stream, < 0 error (err filled). */
ssize_t wd_hconn_io(struct wd_hconn *c, bool wr, char *p, size_t n, char *err, size_t elen);
/* Sends all of p[0..n): 0, or -1 with err filled. */
int wd_hconn_send_all(struct wd_hconn *c, const char *p, size_t n, char *err, size_t elen);
void wd_hconn_close(struct wd_hconn *c);

#endif
