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

/* ---- one connection ---- */

struct conn {
    int fd;
    gnutls_session_t tls; /* NULL for http:// */
    int64_t deadline_ms;  /* monotonic */
};

static int64_t mono_ms(void)
{
    return wd_mono_ns() / 1000000;
}

static const char *errtext(int e, char *buf, size_t n)
{
    return strerror_r(e, buf, n);
}

/* Waits for ev on c->fd until the deadline: WD_OK, WD_EAGAIN (timeout) or WD_EIO. */
static int wait_fd(const struct conn *c, short ev)
{
    for (;;) {
        int64_t left = c->deadline_ms - mono_ms();
        if (left <= 0)
            return WD_EAGAIN;
        struct pollfd p = {.fd = c->fd, .events = ev};
        int n = poll(&p, 1, left > 1000000 ? 1000000 : (int)left);
        if (n > 0)
            return WD_OK;
        if (n == 0)
            return WD_EAGAIN;
        if (errno != EINTR)
            return WD_EIO;
    }
}

static int tcp_connect(struct conn *c, const struct wd_action_url *u, char *err, size_t elen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res, *ai;
    char eb[128];
    int g = getaddrinfo(u->host, u->port, &hints, &res);
    if (g) {
        (void)snprintf(err, elen, "resolve %s: %s", u->host, gai_strerror(g));
        return WD_EIO;
    }
    (void)snprintf(err, elen, "connect %s:%s: no address", u->host, u->port);
    c->fd = -1;
    for (ai = res; ai && c->fd < 0; ai = ai->ai_next) {
        c->fd =
            socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (c->fd < 0) {
            (void)snprintf(err, elen, "socket: %s", errtext(errno, eb, sizeof(eb)));
            continue;
        }
        int e = 0, rc = WD_OK;
        if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            e = errno;
            if (e == EINPROGRESS && (rc = wait_fd(c, POLLOUT)) == WD_OK) {
                socklen_t sl = sizeof(e);
                if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &sl) != 0)
                    e = errno;
            }
        }
        if (rc == WD_OK && e == 0)
            break;
        if (rc == WD_EAGAIN)
            (void)snprintf(err, elen, "connect %s:%s: timeout", u->host, u->port);
        else
            (void)snprintf(err, elen, "connect %s:%s: %s", u->host, u->port,
                           errtext(rc ? errno : e, eb, sizeof(eb)));
        close(c->fd);
        c->fd = -1;
        if (rc == WD_EAGAIN)
            break;
    }
    freeaddrinfo(res);
    return c->fd >= 0 ? WD_OK : WD_EIO;
}

static bool is_ip_literal(const char *host)
{
    unsigned char tmp[16];
    return strchr(host, ':') || inet_pton(AF_INET, host, tmp) == 1;
}

static int tls_start(struct conn *c, const struct wd_action_url *u, void *cred, char *err,
                     size_t elen)
{
    int r = gnutls_init(&c->tls, GNUTLS_CLIENT | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL);
    if (r < 0) {
        c->tls = NULL;
        (void)snprintf(err, elen, "tls: %s", gnutls_strerror(r));
        return WD_ACTION_TRANSIENT;
    }
    if (!is_ip_literal(u->host))
        gnutls_server_name_set(c->tls, GNUTLS_NAME_DNS, u->host, strlen(u->host));
    gnutls_session_set_verify_cert(c->tls, u->host, 0);
    r = gnutls_set_default_priority(c->tls);
    if (r >= 0)
        r = gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_transport_set_int(c->tls, c->fd);
    while (r >= 0) {
        r = gnutls_handshake(c->tls);
        if (r >= 0)
            return WD_ACTION_DONE;
        if (r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED)
            break;
        int w = wait_fd(c, gnutls_record_get_direction(c->tls) ? POLLOUT : POLLIN);
        if (w) {
            (void)snprintf(err, elen, "tls handshake with %s: %s", u->host,
                           w == WD_EAGAIN ? "timeout" : "poll failed");
            return WD_ACTION_TRANSIENT;
        }
        r = 0;
    }
    if (r == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
        gnutls_datum_t out = {NULL, 0};
        unsigned st = gnutls_session_get_verify_cert_status(c->tls);
        gnutls_certificate_type_t t = gnutls_certificate_type_get(c->tls);
        if (gnutls_certificate_verification_status_print(st, t, &out, 0) >= 0 && out.data) {
            (void)snprintf(err, elen, "tls certificate of %s: %s", u->host, (const char *)out.data);
            gnutls_free(out.data);
            for (size_t n = strlen(err); n > 0 && err[n - 1] == ' ';)
                err[--n] = '\0';
        } else {
            (void)snprintf(err, elen, "tls certificate of %s: not trusted", u->host);
        }
        return WD_ACTION_PERMANENT;
    }
    (void)snprintf(err, elen, "tls handshake with %s: %s", u->host, gnutls_strerror(r));
    return WD_ACTION_TRANSIENT;
}

/* Moves up to n bytes: > 0 bytes moved, 0 end of stream, < 0 error (err filled). */
static ssize_t conn_io(struct conn *c, bool wr, char *p, size_t n, char *err, size_t elen)
{
    char eb[128];
    for (;;) {
        ssize_t r;
        short ev = wr ? POLLOUT : POLLIN;
        if (c->tls) {
            r = wr ? gnutls_record_send(c->tls, p, n) : gnutls_record_recv(c->tls, p, n);
            if (r >= 0)
                return r;
            if (r == GNUTLS_E_PREMATURE_TERMINATION && !wr)
                return 0;
            if (r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED) {
                (void)snprintf(err, elen, "tls %s: %s", wr ? "send" : "receive",
                               gnutls_strerror((int)r));
                return -1;
            }
            ev = gnutls_record_get_direction(c->tls) ? POLLOUT : POLLIN;
        } else {
            r = wr ? send(c->fd, p, n, MSG_NOSIGNAL) : recv(c->fd, p, n, 0);
            if (r >= 0)
                return r;
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                (void)snprintf(err, elen, "%s: %s", wr ? "send" : "receive",
                               errtext(errno, eb, sizeof(eb)));
                return -1;
            }
        }
        int w = wait_fd(c, ev);
        if (w) {
            (void)snprintf(err, elen, "%s: %s", wr ? "send" : "receive",
                           w == WD_EAGAIN ? "timeout" : "poll failed");
            return -1;
        }
    }
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
static int exchange(struct conn *c, struct wd_buf *req, int *status, char *err, size_t elen)
{
    for (size_t off = 0; off < req->len;) {
        ssize_t w = conn_io(c, true, req->p + off, req->len - off, err, elen);
        if (w <= 0)
            return WD_ACTION_TRANSIENT;
        off += (size_t)w;
    }
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
        ssize_t r = conn_io(c, false, buf + have, sizeof(buf) - have, err, elen);
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
    struct conn c = {.fd = -1, .tls = NULL, .deadline_ms = mono_ms() + timeout_ms};
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
    if (tcp_connect(&c, u, err, err_len) != WD_OK)
        goto out;
    if (u->tls) {
        if (!cred) {
            (void)snprintf(err, err_len, "tls: no credentials");
            out = WD_ACTION_PERMANENT;
            goto out;
        }
        out = tls_start(&c, u, cred, err, err_len);
        if (out != WD_ACTION_DONE)
            goto out;
    }
    out = exchange(&c, &req, status, err, err_len);
out:
    if (c.tls)
        gnutls_deinit(c.tls);
    if (c.fd >= 0)
        close(c.fd);
    wd_buf_fini(&req);
    return out;
}
