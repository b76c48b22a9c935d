/*
 * http_conn.c: one outgoing HTTP(S) connection for ward's small clients (webhooks in
 * action_http.c, threat-intel feeds in intel_fetch.c): resolve and connect, a TLS
 * handshake (GnuTLS with SNI and hostname verification) and byte moves, on a non-blocking
 * socket where every wait is a poll() bounded by one deadline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_conn.h"
#include "ward.h"

static int64_t mono_ms(void)
{
    return wd_mono_ns() / 1000000;
}

static const char *errtext(int e, char *buf, size_t n)
{
    return strerror_r(e, buf, n);
}

/* Waits for ev on c->fd until the deadline: WD_OK, WD_EAGAIN (timeout) or WD_EIO. */
static int wait_fd(const struct wd_hconn *c, short ev)
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

static int tcp_connect(struct wd_hconn *c, const struct wd_action_url *u, char *err, size_t elen)
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

static int tls_start(struct wd_hconn *c, const struct wd_action_url *u, void *cred, char *err,
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

ssize_t wd_hconn_io(struct wd_hconn *c, bool wr, char *p, size_t n, char *err, size_t elen)
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

int wd_hconn_open(struct wd_hconn *c, const struct wd_action_url *u, void *cred, int timeout_ms,
                  char *err, size_t elen)
{
    c->fd = -1;
    c->tls = NULL;
    c->deadline_ms = mono_ms() + timeout_ms;
    err[0] = '\0';
    if (tcp_connect(c, u, err, elen) != WD_OK)
        return WD_ACTION_TRANSIENT;
    if (!u->tls)
        return WD_ACTION_DONE;
    if (!cred) {
        (void)snprintf(err, elen, "tls: no credentials");
        return WD_ACTION_PERMANENT;
    }
    return tls_start(c, u, cred, err, elen);
}

int wd_hconn_send_all(struct wd_hconn *c, const char *p, size_t n, char *err, size_t elen)
{
    for (size_t off = 0; off < n;) {
        ssize_t w = wd_hconn_io(c, true, (char *)p + off, n - off, err, elen);
        if (w <= 0)
            return -1;
        off += (size_t)w;
    }
    return 0;
}

void wd_hconn_close(struct wd_hconn *c)
{
    if (c->tls)
        gnutls_deinit(c->tls);
    if (c->fd >= 0)
        close(c->fd);
    c->tls = NULL;
    c->fd = -1;
}
