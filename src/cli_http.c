/*
 * cli_http.c: the command-line HTTP client (see cli_http.h), shared by `ward search`,
 * `ward tail` and `ward ingest`.
 */
#include <errno.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli_http.h"

#include "mem.h"
#include "ward.h"

const char *wd_cli_default_url(void)
{
    const char *u = getenv("WARD_URL");
    return u && *u ? u : WD_CLI_DEFAULT_URL;
}

/* ---- URL and request ---- */

int wd_cli_parse_url(const char *u, struct wd_cli_url *out)
{
    memset(out, 0, sizeof(*out));
    if (strncmp(u, "https://", 8) == 0) {
        fprintf(stderr, "ward: HTTPS is not supported by the ward CLI yet; use an http:// "
                        "URL (e.g. through an SSH tunnel) or curl\n");
        return 2;
    }
    if (strncmp(u, "http://", 7) == 0)
        u += 7;
    const char *slash = strchr(u, '/');
    size_t hl = slash ? (size_t)(slash - u) : strlen(u);
    const char *hp = u, *colon = NULL;
    size_t hostlen = hl;
    if (hl && u[0] == '[') {
        const char *rb = memchr(u, ']', hl);
        if (!rb)
            goto bad;
        hp = u + 1;
        hostlen = (size_t)(rb - u - 1);
        if (rb + 1 < u + hl) {
            if (rb[1] != ':')
                goto bad;
            colon = rb + 1;
        }
    } else {
        colon = memchr(u, ':', hl);
        if (colon)
            hostlen = (size_t)(colon - u);
    }
    if (hostlen == 0 || hostlen >= sizeof(out->host))
        goto bad;
    memcpy(out->host, hp, hostlen);
    size_t pl = colon ? (size_t)(u + hl - colon - 1) : 0;
    if (colon && (pl == 0 || pl >= sizeof(out->port) || strspn(colon + 1, "0123456789") < pl))
        goto bad;
    if (colon)
        memcpy(out->port, colon + 1, pl);
    else
        snprintf(out->port, sizeof(out->port), "80");
    if (slash) {
        size_t n = strlen(slash);
        while (n && slash[n - 1] == '/')
            n--;
        if (n >= sizeof(out->prefix))
            goto bad;
        memcpy(out->prefix, slash, n);
    }
    return 0;
bad:
    fprintf(stderr, "ward: bad --url '%s' (expected http://HOST[:PORT][/PREFIX])\n", u);
    return 2;
}

static void put_escaped(struct wd_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            wd_buf_putc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            wd_buf_append(b, e, 3);
        }
    }
}

/* Appends "&name=value" (or "?name=value" first). */
void wd_cli_add_param(struct wd_buf *b, const char *name, const char *value)
{
    if (!value)
        return;
    wd_buf_putc(b, memchr(b->p, '?', b->len) ? '&' : '?');
    wd_buf_append(b, name, strlen(name));
    wd_buf_putc(b, '=');
    put_escaped(b, value);
}

int wd_cli_open(struct wd_cli_conn *c, const struct wd_cli_url *u, int timeout_s)
{
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int gai = getaddrinfo(u->host, u->port, &hints, &ai);
    if (gai) {
        fprintf(stderr, "ward: cannot resolve %s: %s\n", u->host, gai_strerror(gai));
        return WD_EIO;
    }
    int fd = -1, err = 0;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        char eb[128];
        fprintf(stderr, "ward: cannot connect to %s:%s: %s (is `ward serve` running?)\n", u->host,
                u->port, strerror_r(err, eb, sizeof(eb)));
        return WD_EIO;
    }
    if (timeout_s > 0) {
        struct timeval tv = {timeout_s, 0};
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    }
    memset(c, 0, sizeof(*c));
    c->fd = fd;
    return WD_OK;
}

void wd_cli_close(struct wd_cli_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

/* Reads more bytes into the buffer; returns bytes read, 0 at EOF, -1 on error. */
static ssize_t fill(struct wd_cli_conn *c)
{
    if (c->lo == c->hi)
        c->lo = c->hi = 0;
    if (c->hi == sizeof(c->buf)) {
        memmove(c->buf, c->buf + c->lo, c->hi - c->lo);
        c->hi -= c->lo;
        c->lo = 0;
        if (c->hi == sizeof(c->buf))
            return -1; /* a header line longer than the buffer */
    }
    for (;;) {
        ssize_t n = read(c->fd, c->buf + c->hi, sizeof(c->buf) - c->hi);
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0)
            c->hi += (size_t)n;
        return n;
    }
}

/* Reads one raw line (CRLF or LF stripped) into line. Returns WD_OK, WD_ENOENT at EOF. */
static int raw_line(struct wd_cli_conn *c, struct wd_buf *line)
{
    line->len = 0;
    for (;;) {
        char *nl = memchr(c->buf + c->lo, '\n', c->hi - c->lo);
        if (nl) {
            size_t n = (size_t)(nl - (c->buf + c->lo));
            if (wd_buf_append(line, c->buf + c->lo, n) != WD_OK)
                return WD_ELIMIT;
            c->lo += n + 1;
            if (line->len && line->p[line->len - 1] == '\r')
                line->len--;
            wd_buf_putc(line, '\0');
            line->len--;
            return WD_OK;
        }
        if (wd_buf_append(line, c->buf + c->lo, c->hi - c->lo) != WD_OK)
            return WD_ELIMIT;
        c->lo = c->hi;
        ssize_t n = fill(c);
        if (n <= 0)
            return n == 0 ? WD_ENOENT : WD_EIO;
    }
}

/* Sends a request and reads the status line and headers. */
int wd_cli_request(struct wd_cli_conn *c, const struct wd_cli_url *u, const char *method,
                   const char *target, const char *accept)
{
    return wd_cli_request_body(c, u, method, target, accept, NULL, NULL, NULL, 0);
}

static int write_all(int fd, const char *p, size_t n)
{
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, p + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return WD_EIO;
        off += (size_t)w;
    }
    return WD_OK;
}

int wd_cli_request_body(struct wd_cli_conn *c, const struct wd_cli_url *u, const char *method,
                        const char *target, const char *accept, const char *content_type,
                        const char *content_encoding, const char *body, size_t body_len)
{
    struct wd_buf req;
    wd_buf_init(&req, 0);
    wd_buf_printf(&req, "%s %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: ward/%s\r\nAccept: %s\r\n",
                  method, target, u->host, u->port, WD_VERSION, accept);
    if (body)
        wd_buf_printf(&req, "Content-Type: %s\r\nContent-Length: %zu\r\n",
                      content_type ? content_type : "application/octet-stream", body_len);
    if (body && content_encoding)
        wd_buf_printf(&req, "Content-Encoding: %s\r\n", content_encoding);
    /* An API token (docs/security.md) from the environment, never from the command line
     * where ps would show it. */
    const char *tok = getenv("WARD_TOKEN");
    if (tok && *tok && !strpbrk(tok, "\r\n"))
        wd_buf_printf(&req, "Authorization: Bearer %s\r\n", tok);
    wd_buf_printf(&req, "Connection: close\r\n\r\n");
    int wrc = write_all(c->fd, req.p, req.len);
    if (!wrc && body)
        wrc = write_all(c->fd, body, body_len);
    if (wrc) {
        wd_buf_fini(&req);
        fprintf(stderr, "ward: cannot send the request: %s\n", strerror(errno));
        return WD_EIO;
    }
    wd_buf_fini(&req);
    struct wd_buf line;
    wd_buf_init(&line, (size_t)64 * 1024);
    int rc = raw_line(c, &line);
    if (rc || line.len < 12 || strncmp(line.p, "HTTP/1.", 7) != 0) {
        fprintf(stderr, "ward: no HTTP answer from %s:%s\n", u->host, u->port);
        wd_buf_fini(&line);
        return WD_EIO;
    }
    c->status = (int)strtol(line.p + 9, NULL, 10);
    while ((rc = raw_line(c, &line)) == WD_OK && line.len) {
        if (strncasecmp(line.p, "Content-Length:", 15) == 0) {
            c->has_len = true;
            c->left = strtoull(line.p + 15, NULL, 10);
        } else if (strncasecmp(line.p, "Transfer-Encoding:", 18) == 0 &&
                   strcasestr(line.p + 18, "chunked")) {
            c->chunked = true;
        }
    }
    wd_buf_fini(&line);
    if (rc) {
        fprintf(stderr, "ward: truncated HTTP answer from %s:%s\n", u->host, u->port);
        return WD_EIO;
    }
    if (c->chunked)
        c->has_len = false, c->left = 0;
    return WD_OK;
}

/* Reads up to max body bytes; returns the count, 0 at the end of the body, -1 on error. */
ssize_t wd_cli_body_read(struct wd_cli_conn *c, char *out, size_t max)
{
    if (c->eof)
        return 0;
    if (c->chunked && c->left == 0) {
        struct wd_buf line;
        wd_buf_init(&line, 4096);
        int rc = raw_line(c, &line);
        if (rc == WD_OK && line.len == 0) /* CRLF ending the previous chunk */
            rc = raw_line(c, &line);
        unsigned long long n = rc == WD_OK ? strtoull(line.p, NULL, 16) : 0;
        wd_buf_fini(&line);
        if (rc)
            return -1;
        if (n == 0) {
            c->eof = true;
            return 0;
        }
        c->left = n;
    }
    if (c->has_len && c->left == 0) {
        c->eof = true;
        return 0;
    }
    if (c->lo == c->hi) {
        ssize_t n = fill(c);
        if (n <= 0) {
            c->eof = true;
            return n == 0 && !c->chunked && !c->has_len ? 0 : -1;
        }
    }
    size_t n = c->hi - c->lo;
    if (n > max)
        n = max;
    if ((c->chunked || c->has_len) && n > c->left)
        n = (size_t)c->left;
    memcpy(out, c->buf + c->lo, n);
    c->lo += n;
    if (c->chunked || c->has_len)
        c->left -= n;
    return (ssize_t)n;
}

int wd_cli_body_all(struct wd_cli_conn *c, struct wd_buf *out)
{
    char tmp[16384];
    ssize_t n;
    while ((n = wd_cli_body_read(c, tmp, sizeof(tmp))) > 0)
        if (wd_buf_append(out, tmp, (size_t)n) != WD_OK)
            return WD_ELIMIT;
    return n < 0 ? WD_EIO : WD_OK;
}
