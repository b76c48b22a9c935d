/*
 * intel_fetch.c: downloads one threat-intel feed over http:// or https:// (GnuTLS, the
 * system trust store, SNI and hostname verification): a GET as HTTP/1.0 (so the answer is
 * never chunked) over a fresh connection, every wait a poll() bounded by one deadline for
 * the whole download. The URL parser and the connection are the webhook client's
 * (action_int.h, http_conn.h).
 */
#include <pthread.h>
#include <stdlib.h>

#include "http_conn.h"
#include "intel.h"
#include "mem.h"

static gnutls_certificate_credentials_t cred;
static pthread_once_t cred_once = PTHREAD_ONCE_INIT;

static void cred_init(void)
{
    if (gnutls_certificate_allocate_credentials(&cred) < 0)
        cred = NULL;
    else
        (void)gnutls_certificate_set_x509_system_trust(cred);
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
    struct wd_hconn c = {.fd = -1, .tls = NULL};
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
    if (u.tls)
        pthread_once(&cred_once, cred_init);
    if (wd_hconn_open(&c, &u, cred, timeout_ms, err, elen) != WD_ACTION_DONE ||
        wd_hconn_send_all(&c, b.p, b.len, err, elen))
        goto out;
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
        ssize_t r = wd_hconn_io(&c, false, b.p + b.len, 65536, err, elen);
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
    wd_hconn_close(&c);
    wd_buf_fini(&b);
    return rc;
}
