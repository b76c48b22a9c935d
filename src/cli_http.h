/*
 * cli_http.h: the small blocking HTTP/1.1 client the command-line tools use to talk to a
 * running server (no libcurl): one request per TCP connection (Connection: close),
 * Content-Length, chunked and read-to-close bodies. HTTPS is not supported (the server's
 * TLS is for remote shippers; run the CLI on the host or through a tunnel).
 * Errors are printed to stderr by these functions (they are CLI helpers).
 */
#ifndef WD_CLI_HTTP_H
#define WD_CLI_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct wd_buf;

#define WD_CLI_DEFAULT_URL "http://127.0.0.1:8080"

struct wd_cli_url {
    char host[256];
    char port[8];
    char prefix[512]; /* path prefix without trailing '/', may be empty */
};

struct wd_cli_conn {
    int fd;
    char buf[16384];
    size_t lo, hi;
    int status;
    bool chunked, has_len, eof;
    uint64_t left; /* Content-Length remaining, or bytes left in the current chunk */
};

/* $WARD_URL, else WD_CLI_DEFAULT_URL. */
const char *wd_cli_default_url(void);
/* Parses http://HOST[:PORT][/PREFIX]; returns 0, or 2 (usage error, printed). */
int wd_cli_parse_url(const char *u, struct wd_cli_url *out);
/* Appends "&name=value" (or "?name=value" first), percent-encoded; NULL value: nothing. */
void wd_cli_add_param(struct wd_buf *b, const char *name, const char *value);
/* Connects; timeout_s > 0 sets a receive timeout. Returns WD_OK or WD_EIO (printed). */
int wd_cli_open(struct wd_cli_conn *c, const struct wd_cli_url *u, int timeout_s);
void wd_cli_close(struct wd_cli_conn *c);
/* Sends a request without a body and reads the status line and headers (c->status). */
int wd_cli_request(struct wd_cli_conn *c, const struct wd_cli_url *u, const char *method,
                   const char *target, const char *accept);
/* The same with a body (Content-Length; content_encoding may be NULL). */
int wd_cli_request_body(struct wd_cli_conn *c, const struct wd_cli_url *u, const char *method,
                        const char *target, const char *accept, const char *content_type,
                        const char *content_encoding, const char *body, size_t body_len);
/* Reads up to max body bytes; returns the count, 0 at the end of the body, -1 on error. */
ssize_t wd_cli_body_read(struct wd_cli_conn *c, char *out, size_t max);
/* Reads the whole body into out: WD_OK, WD_ELIMIT or WD_EIO. */
int wd_cli_body_all(struct wd_cli_conn *c, struct wd_buf *out);

#endif
