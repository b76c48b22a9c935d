/*
 * amqp_url.c: the amqp.url parser: amqp://[user[:pass]@]host[:port][/vhost] with
 * percent-decoding of user, password and vhost (RabbitMQ's URI spec). Defaults: guest /
 * guest, port 5672, vhost "/" (also for an empty path). amqps://, query strings and
 * fragments are refused. Pure: no I/O; fuzzed by tests/fuzz/fuzz_amqp_url.c.
 */
#include <strings.h>

#include "amqp_int.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decodes p[0..n) into out (NUL-terminated). WD_EINVAL for a bad escape, a NUL
 * byte or a result that does not fit. */
static int decode(const char *p, size_t n, char out[WD_AMQP_FIELD])
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)p[i];
        if (c == '%') {
            if (i + 2 >= n)
                return WD_EINVAL;
            int hi = hexval(p[i + 1]), lo = hexval(p[i + 2]);
            if (hi < 0 || lo < 0)
                return WD_EINVAL;
            c = hi * 16 + lo;
            i += 2;
        }
        if (c == 0 || o + 1 >= WD_AMQP_FIELD)
            return WD_EINVAL;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return WD_OK;
}

static int fail(char *err, size_t err_len, const char *msg)
{
    snprintf(err, err_len, "amqp url: %s", msg);
    return WD_EINVAL;
}

int wd_amqp_url_parse(const char *p, size_t len, struct wd_amqp_url *u, char *err, size_t err_len)
{
    memset(u, 0, sizeof(*u));
    u->port = 5672;
    snprintf(u->user, sizeof(u->user), "guest");
    snprintf(u->pass, sizeof(u->pass), "guest");
    snprintf(u->vhost, sizeof(u->vhost), "/");
    if (len >= 8 && strncasecmp(p, "amqps://", 8) == 0)
        return fail(err, err_len, "amqps:// (TLS) is not supported; use amqp://");
    if (len < 7 || strncasecmp(p, "amqp://", 7) != 0)
        return fail(err, err_len, "must start with amqp://");
    const char *s = p + 7, *end = p + len;
    if (memchr(s, '?', (size_t)(end - s)) || memchr(s, '#', (size_t)(end - s)))
        return fail(err, err_len, "query strings and fragments are not supported");
    const char *slash = memchr(s, '/', (size_t)(end - s));
    const char *aend = slash ? slash : end;
    /* userinfo: up to the last '@' of the authority */
    const char *at = NULL;
    for (const char *q = s; q < aend; q++)
        if (*q == '@')
            at = q;
    if (at) {
        const char *colon = memchr(s, ':', (size_t)(at - s));
        const char *uend = colon ? colon : at;
        if (decode(s, (size_t)(uend - s), u->user))
            return fail(err, err_len, "bad user name (percent escape, NUL or too long)");
        if (colon && decode(colon + 1, (size_t)(at - colon - 1), u->pass))
            return fail(err, err_len, "bad password (percent escape, NUL or too long)");
        if (!colon)
            u->pass[0] = '\0';
        s = at + 1;
    }
    /* host: [v6] or a name, then an optional :port */
    const char *hend, *portp = NULL;
    if (s < aend && *s == '[') {
        const char *rb = memchr(s, ']', (size_t)(aend - s));
        if (!rb)
            return fail(err, err_len, "unterminated [IPv6] host");
        if (rb + 1 < aend && rb[1] != ':')
            return fail(err, err_len, "junk after ]");
        portp = rb + 1 < aend ? rb + 2 : NULL;
        s++;
        hend = rb;
    } else {
        const char *colon = memchr(s, ':', (size_t)(aend - s));
        hend = colon ? colon : aend;
        portp = colon ? colon + 1 : NULL;
    }
    size_t hl = (size_t)(hend - s);
    if (hl == 0)
        snprintf(u->host, sizeof(u->host), "localhost");
    else if (hl >= sizeof(u->host))
        return fail(err, err_len, "host name too long");
    else {
        for (size_t i = 0; i < hl; i++)
            if ((unsigned char)s[i] <= ' ' || s[i] == '%' || s[i] == '@' || s[i] == '[' ||
                s[i] == ']')
                return fail(err, err_len, "bad character in host");
        memcpy(u->host, s, hl);
        u->host[hl] = '\0';
    }
    if (portp) {
        long v = 0;
        if (portp == aend)
            return fail(err, err_len, "empty port");
        for (const char *q = portp; q < aend; q++) {
            if (*q < '0' || *q > '9' || v > 65535)
                return fail(err, err_len, "port must be a number from 1 to 65535");
            v = v * 10 + (*q - '0');
        }
        if (v < 1 || v > 65535)
            return fail(err, err_len, "port must be a number from 1 to 65535");
        u->port = (int)v;
    }
    if (slash && slash + 1 < end) {
        if (memchr(slash + 1, '/', (size_t)(end - slash - 1)))
            return fail(err, err_len, "a vhost containing '/' must be written %2f");
        if (decode(slash + 1, (size_t)(end - slash - 1), u->vhost))
            return fail(err, err_len, "bad vhost (percent escape, NUL or too long)");
    }
    return WD_OK;
}
