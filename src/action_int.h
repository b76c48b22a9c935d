/*
 * action_int.h: private to action*.c. The parsed webhook URL and the one-shot HTTP(S)
 * POST the sender thread uses.
 */
#ifndef WD_ACTION_INT_H
#define WD_ACTION_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "action.h"

/* A parsed http:// or https:// URL. */
struct wd_action_url {
    bool tls;
    char host[256];      /* name or IP literal, without IPv6 brackets */
    char port[6];        /* decimal, default 80 / 443 */
    char authority[270]; /* Host header value: host[:port], IPv6 in brackets */
    const char *path;    /* into the parsed string: "/..." (query included); "" = "/" */
};

/*
 * Parses url (NUL-terminated; must outlive u->path). No userinfo, no fragment kept.
 * Returns WD_OK or WD_EINVAL.
 */
int wd_action_url_parse(const char *url, struct wd_action_url *u);

/* Outcome of one POST. */
enum wd_action_outcome {
    WD_ACTION_DONE,      /* got a status line: see *status */
    WD_ACTION_TRANSIENT, /* connection, timeout or I/O error: retry */
    WD_ACTION_PERMANENT, /* certificate verification failed or similar: give up */
};

/*
 * POSTs body[0..len) with Content-Type application/json to u, in at most timeout_ms
 * (connect, TLS handshake, send, and reading the status line). cred: a
 * gnutls_certificate_credentials_t for https (may be NULL for http). OUT: *status (on
 * WD_ACTION_DONE), err (a NUL-terminated reason otherwise). Returns an enum
 * wd_action_outcome. Blocking; called by the sender thread only.
 */
int wd_action_http_post(const struct wd_action_url *u, void *cred, const char *body, size_t len,
                        int timeout_ms, int *status, char *err, size_t err_len);

#endif
