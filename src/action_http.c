/*
 * action_http.c: the webhook HTTP client: URL parsing and one POST over a fresh
 * connection (HTTP/1.1, Connection: close), plain or TLS (GnuTLS with SNI and hostname
 * verification). Sockets are non-blocking and every wait is a poll() bounded by one
 * deadline for the whole attempt. Only the status line of the answer is read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "action_int.h"
#include "http_conn.h"
#include "mem.h"

static bool prefix_ci(const char *s, const char *lit)
{
    for (; *lit; s++, lit++)
        if ((*s | 0x20) != *lit)
            return false;
    return true;
}

int wd_action_url_parse(const char *url, struct wd_action_url *u)
{
    memset(u, 0, sizeof(*u));
    for (const char *c = url; *c; c++)
        if ((unsigned char)*c <= 0x20 || *c == 0x7f)
            return WD_EINVAL; /* no spaces or controls: they would break the request line */
    const char *p;
    if (prefix_ci(url, "https://")) {
        u->tls = true;
        p = url + 8;
    } else if (prefix_ci(url, "http://")) {
        p = url + 7;
    } else {
        return WD_EINVAL;
    }
    size_t alen = strcspn(p, "/?#");
    const char *host = p, *end = p + alen, *colon = NULL;
    if (memchr(p, '@', alen))
        return WD_EINVAL;
    if (*p == '[') {
        const char *rb = memchr(p, ']', alen);
        if (!rb)
            return WD_EINVAL;
        host = p + 1;
        colon = rb + 1 < end ? rb + 1 : NULL;
        if (colon && *colon != ':')
            return WD_EINVAL;
        end = rb;
    } else {
        colon = memchr(p, ':', alen);
        if (colon)
            end = colon;
    }
    size_t hlen = (size_t)(end - host);
    if (hlen == 0 || hlen >= sizeof(u->host))
        return WD_EINVAL;
    memcpy(u->host, host, hlen);
    const char *pend = p + alen;
    if (colon) {
        size_t plen = (size_t)(pend - colon - 1);
        unsigned long port = 0;
        if (plen == 0 || plen > 5)
            return WD_EINVAL;
        for (size_t i = 1; i <= plen; i++) {
            if (colon[i] < '0' || colon[i] > '9')
                return WD_EINVAL;
            port = port * 10 + (unsigned long)(colon[i] - '0');
        }
        if (port == 0 || port > 65535)
            return WD_EINVAL;
        (void)snprintf(u->port, sizeof(u->port), "%lu", port);
    } else {
        (void)snprintf(u->port, sizeof(u->port), "%s", u->tls ? "443" : "80");
    }
    bool v6 = strchr(u->host, ':') != NULL;
    bool dflt = strcmp(u->port, u->tls ? "443" : "80") == 0;
    (void)snprintf(u->authority, sizeof(u->authority), "%s%s%s%s%s", v6 ? "[" : "", u->host,
                   v6 ? "]" : "", dflt ? "" : ":", dflt ? "" : u->port);
    u->path = pend;
    return WD_OK;
}

/* Parses "HTTP/1.x NNN" at the start of line. Returns the status or -1. */
static int parse_status(const char *line, size_t n)
{
    if (n < 12 || memcmp(line, "HTTP/1.", 7) != 0 || line[8] != ' ')
        return -1;
    int s = 0;
    for (int i = 9; i < 12; i++) {
        if (line[i] < '0' || line[i] > '9')
            return -1;
        s = s * 10 + (line[i] - '0');
    }
    return s >= 100 ? s : -1;
}

/* Sends the request and reads the first final status line (1xx lines skipped). */
static int exchange(struct wd_hconn *c, struct wd_buf *req, int *status, char *err, size_t elen)
{
    if (wd_hconn_send_all(c, req->p, req->len, err, elen))
        return WD_ACTION_TRANSIENT;
    char buf[4096];
    size_t have = 0, line = 0;
    for (;;) {
        char *nl = have > line ? memchr(buf + line, '\n', have - line) : NULL;
        if (nl) {
            int s = parse_status(buf + line, (size_t)(nl - buf - line));
            if (s < 0) {
                (void)snprintf(err, elen, "bad HTTP status line");
                return WD_ACTION_TRANSIENT;
            }
            if (s >= 200) {
                *status = s;
                return WD_ACTION_DONE;
            }
            /* 1xx: skip through its blank line, then read the next status line. */
            char *blank = memmem(buf + line, have - line, "\r\n\r\n", 4);
            if (blank) {
                line = (size_t)(blank + 4 - buf);
                continue;
            }
        }
        if (have == sizeof(buf)) {
            (void)snprintf(err, elen, "HTTP answer head too long");
            return WD_ACTION_TRANSIENT;
        }
        ssize_t r = wd_hconn_io(c, false, buf + have, sizeof(buf) - have, err, elen);
        if (r == 0)
            (void)snprintf(err, elen, "connection closed before a status line");
        if (r <= 0)
            return WD_ACTION_TRANSIENT;
        have += (size_t)r;
    }
}

int wd_action_http_post(const struct wd_action_url *u, void *cred, const char *body, size_t len,
                        int timeout_ms, int *status, char *err, size_t err_len)
{
    struct wd_hconn c;
    struct wd_buf req;
    int out = WD_ACTION_TRANSIENT;
    err[0] = '\0';
    wd_buf_init(&req, 0);
    size_t plen = strcspn(u->path, "#");
    if (wd_buf_printf(&req,
                      "POST %s%.*s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ward/" WD_VERSION
                      "\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                      "Connection: close\r\n\r\n",
                      u->path[0] == '/' ? "" : "/", (int)plen, u->path, u->authority,
                      len) != WD_OK ||
        wd_buf_append(&req, body, len) != WD_OK) {
        (void)snprintf(err, err_len, "out of memory");
        goto out;
    }
    out = wd_hconn_open(&c, u, cred, timeout_ms, err, err_len);
    if (out == WD_ACTION_DONE)
        out = exchange(&c, &req, status, err, err_len);
    wd_hconn_close(&c);
out:
    wd_buf_fini(&req);
    return out;
}
