/*
 * intel_fetch.c: downloads one threat-intel feed over http:// or https:// (GnuTLS, the
 * system trust store, SNI and hostname verification): a GET as HTTP/1.0 (so the answer is
 * never chunked) over a fresh connection, every wait a poll() bounded by one deadline for
 * the whole download. The URL parser is the webhook client's (action_int.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "action_int.h"
#include "intel.h"
#include "mem.h"

struct conn {
    int fd;
    gnutls_session_t tls;
    int64_t deadline_ms;
};

static int64_t mono_ms(void)
{
    return wd_mono_ns() / 1000000;
}

static bool wait_fd(const struct conn *c, short ev)
{
    for (;;) {
        int64_t left = c->deadline_ms - mono_ms();
        if (left <= 0)
            return false;
        struct pollfd p = {.fd = c->fd, .events = ev};
        int n = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
        if (n > 0)
            return true;
        if (n < 0 && errno != EINTR)
            return false;
    }
}

static bool dial(struct conn *c, const struct wd_action_url *u, char *err, size_t elen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res;
    int g = getaddrinfo(u->host, u->port, &hints, &res);
    if (g) {
        snprintf(err, elen, "resolve %s: %s", u->host, gai_strerror(g));
        return false;
    }
    snprintf(err, elen, "connect %s:%s: no address", u->host, u->port);
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0)
            continue;
        int e = 0;
        if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            e = errno;
            if (e == EINPROGRESS) {
                socklen_t sl = sizeof(e);
                if (!wait_fd(c, POLLOUT))
                    e = ETIMEDOUT;
                else if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &sl) != 0)
                    e = errno;
            }
        }
        if (!e) {
            freeaddrinfo(res);
            return true;
        }
        snprintf(err, elen, "connect %s:%s: %s", u->host, u->port, strerror(e));
        close(c->fd);
        c->fd = -1;
    }
    freeaddrinfo(res);
    return false;
}

static gnutls_certificate_credentials_t cred;
static pthread_once_t cred_once = PTHREAD_ONCE_INIT;

static void cred_init(void)
{
    if (gnutls_certificate_allocate_credentials(&cred) < 0)
        cred = NULL;
    else
        (void)gnutls_certificate_set_x509_system_trust(cred);
}

static bool tls_start(struct conn *c, const struct wd_action_url *u, char *err, size_t elen)
{
    pthread_once(&cred_once, cred_init);
    if (!cred || gnutls_init(&c->tls, GNUTLS_CLIENT | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL) < 0) {
        c->tls = NULL;
        snprintf(err, elen, "tls: cannot initialise");
        return false;
    }
    unsigned char tmp[16];
    if (!strchr(u->host, ':') && inet_pton(AF_INET, u->host, tmp) != 1)
        gnutls_server_name_set(c->tls, GNUTLS_NAME_DNS, u->host, strlen(u->host));
    gnutls_session_set_verify_cert(c->tls, u->host, 0);
    int r = gnutls_set_default_priority(c->tls);
    if (r >= 0)
        r = gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, cred);
    gnutls_transport_set_int(c->tls, c->fd);
    while (r >= 0) {
        r = gnutls_handshake(c->tls);
        if (r >= 0)
            return true;
        if (r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED)
            break;
        if (!wait_fd(c, gnutls_record_get_direction(c->tls) ? POLLOUT : POLLIN)) {
            snprintf(err, elen, "tls handshake with %s: timeout", u->host);
            return false;
        }
        r = 0;
    }
    snprintf(err, elen, "tls handshake with %s: %s", u->host, gnutls_strerror(r));
    return false;
}

/* > 0 bytes, 0 end of stream, -1 error (err set). */
static ssize_t io(struct conn *c, bool wr, char *p, size_t n, char *err, size_t elen)
{
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
                snprintf(err, elen, "tls: %s", gnutls_strerror((int)r));
                return -1;
            }
            ev = gnutls_record_get_direction(c->tls) ? POLLOUT : POLLIN;
        } else {
            r = wr ? send(c->fd, p, n, MSG_NOSIGNAL) : recv(c->fd, p, n, 0);
            if (r >= 0)
                return r;
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                snprintf(err, elen, "%s: %s", wr ? "send" : "receive", strerror(errno));
                return -1;
            }
        }
        if (!wait_fd(c, ev)) {
            snprintf(err, elen, "%s: timeout", wr ? "send" : "receive");
            return -1;
        }
    }
}

int wd_intel_fetch(const char *url, size_t max, int timeout_ms, char **body, size_t *len, char *err,
                   size_t elen)
{
    *body = NULL;
    *len = 0;
    struct wd_action_url u;
    if (wd_action_url_parse(url, &u) != WD_OK) {
        snprintf(err, elen, "not an http:// or https:// URL");
        return WD_EINVAL;
    }
    struct conn c = {.fd = -1, .tls = NULL, .deadline_ms = mono_ms() + timeout_ms};
    struct wd_buf b;
    wd_buf_init(&b, 0);
    int rc = WD_EIO;
    size_t plen = strcspn(u.path, "#");
    if (wd_buf_printf(&b,
                      "GET %s%.*s HTTP/1.0\r\nHost: %s\r\nUser-Agent: ward/" WD_VERSION
                      "\r\nAccept: */*\r\nConnection: close\r\n\r\n",
                      u.path[0] == '/' ? "" : "/", (int)plen, u.path, u.authority) != WD_OK) {
        snprintf(err, elen, "out of memory");
        goto out;
    }
    if (!dial(&c, &u, err, elen) || (u.tls && !tls_start(&c, &u, err, elen)))
        goto out;
    for (size_t off = 0; off < b.len;) {
        ssize_t w = io(&c, true, b.p + off, b.len - off, err, elen);
        if (w <= 0)
            goto out;
        off += (size_t)w;
    }
    b.len = 0;
    for (;;) {
        if (b.len > max) {
            snprintf(err, elen, "answer larger than %zu bytes", max);
            goto out;
        }
        if (wd_buf_reserve(&b, 65536) != WD_OK) {
            snprintf(err, elen, "out of memory");
            goto out;
        }
        ssize_t r = io(&c, false, b.p + b.len, 65536, err, elen);
        if (r < 0)
            goto out;
        if (r == 0)
            break;
        b.len += (size_t)r;
    }
    char *hend = b.len ? memmem(b.p, b.len, "\r\n\r\n", 4) : NULL;
    if (b.len < 12 || memcmp(b.p, "HTTP/1.", 7) != 0 || !hend) {
        snprintf(err, elen, "not an HTTP answer");
        goto out;
    }
    int status = (int)strtol(b.p + 9, NULL, 10);
    if (status != 200) {
        snprintf(err, elen, "HTTP status %d", status);
        goto out;
    }
    size_t skip = (size_t)(hend + 4 - b.p);
    memmove(b.p, b.p + skip, b.len - skip);
    b.len -= skip;
    *body = wd_buf_detach(&b, len); /* the caller frees it */
    rc = WD_OK;
out:
    if (c.tls)
        gnutls_deinit(c.tls);
    if (c.fd >= 0)
        close(c.fd);
    wd_buf_fini(&b);
    return rc;
}
