/*
 * test_action.c: webhook delivery against a tiny in-process HTTP(S) listener on
 * 127.0.0.1 (ephemeral port) that answers scripted statuses: delivery, retries after
 * 503s, give-up on 400, an unreachable port, a full queue, the shutdown flush, the Slack
 * body, URL parsing, and https with certificates made by the openssl CLI (skipped when
 * it is absent). Waits poll the counters with a bound; nothing sleeps to synchronise.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "action.h"
#include "action_int.h"
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "ward.h"
#include "wd_test.h"

/* ---- the scripted listener ---- */

struct srv {
    int lfd, port;
    pthread_t th;
    int stop, hold;  /* atomics: stop the loop / delay answers while set */
    int statuses[8]; /* answer i gets statuses[min(i, nstatus - 1)] */
    int nstatus;
    int requests;                          /* atomic: requests fully read */
    gnutls_certificate_credentials_t cred; /* non-NULL: speak TLS */
    pthread_mutex_t mu;
    char last[16384]; /* the last request, head and body */
    size_t last_len;
};

static int ld(const int *p)
{
    return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void st(int *p, int v)
{
    __atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

static ssize_t srv_io(gnutls_session_t s, int fd, bool wr, char *p, size_t n)
{
    if (s) {
        ssize_t r;
        do
            r = wr ? gnutls_record_send(s, p, n) : gnutls_record_recv(s, p, n);
        while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
        return r < 0 ? -1 : r;
    }
    return wr ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);
}

static void srv_handle(struct srv *s, int fd)
{
    gnutls_session_t tls = NULL;
    char buf[16384];
    size_t have = 0;
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (s->cred) {
        gnutls_init(&tls, GNUTLS_SERVER | GNUTLS_NO_SIGNAL);
        gnutls_set_default_priority(tls);
        gnutls_credentials_set(tls, GNUTLS_CRD_CERTIFICATE, s->cred);
        gnutls_transport_set_int(tls, fd);
        int r;
        do
            r = gnutls_handshake(tls);
        while (r < 0 && !gnutls_error_is_fatal(r));
        if (r < 0)
            goto out;
    }
    for (;;) { /* head, then Content-Length bytes of body */
        char *end = have ? memmem(buf, have, "\r\n\r\n", 4) : NULL;
        if (end) {
            const char *cl = memmem(buf, (size_t)(end - buf), "Content-Length: ", 16);
            size_t want = (size_t)(end + 4 - buf) + (cl ? strtoul(cl + 16, NULL, 10) : 0);
            if (have >= want)
                break;
        }
        if (have == sizeof(buf))
            goto out;
        ssize_t r = srv_io(tls, fd, false, buf + have, sizeof(buf) - have);
        if (r <= 0)
            goto out;
        have += (size_t)r;
    }
    pthread_mutex_lock(&s->mu);
    memcpy(s->last, buf, have);
    s->last_len = have;
    s->last[have] = '\0';
    int i = ld(&s->requests);
    pthread_mutex_unlock(&s->mu);
    st(&s->requests, i + 1);
    for (int waited = 0; ld(&s->hold) && !ld(&s->stop) && waited < 1000; waited++)
        poll(NULL, 0, 10); /* holding the answer (bounded: 10 s) */
    char resp[128];
    int n = snprintf(resp, sizeof(resp), "HTTP/1.1 %d Scripted\r\nContent-Length: 0\r\n\r\n",
                     s->statuses[i < s->nstatus ? i : s->nstatus - 1]);
    srv_io(tls, fd, true, resp, (size_t)n);
out:
    if (tls) {
        gnutls_bye(tls, GNUTLS_SHUT_WR);
        gnutls_deinit(tls);
    }
    close(fd);
}

static void *srv_main(void *arg)
{
    struct srv *s = arg;
    while (!ld(&s->stop)) {
        struct pollfd p = {.fd = s->lfd, .events = POLLIN};
        if (poll(&p, 1, 20) <= 0)
            continue;
        int fd = accept(s->lfd, NULL, NULL);
        if (fd >= 0)
            srv_handle(s, fd);
    }
    return NULL;
}

/* A listening socket on 127.0.0.1:0; OUT: *port. */
static int listen_any(int *port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

static struct srv *srv_start(const int *statuses, int n, gnutls_certificate_credentials_t cred)
{
    struct srv *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    memcpy(s->statuses, statuses, (size_t)n * sizeof(int));
    s->nstatus = n;
    s->cred = cred;
    pthread_mutex_init(&s->mu, NULL);
    s->lfd = listen_any(&s->port);
    if (s->lfd < 0 || pthread_create(&s->th, NULL, srv_main, s) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

static void srv_stop(struct srv *s)
{
    if (!s)
        return;
    st(&s->stop, 1);
    pthread_join(s->th, NULL);
    close(s->lfd);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* ---- helpers ---- */

/* Waits (bounded: 10 s) until the counter at byte offset `off` of the stats reaches want. */
static bool wait_stat(struct wd_actions *a, size_t off, uint64_t want)
{
    struct wd_action_stats s;
    int64_t end = wd_mono_ns() + INT64_C(10000000000);
    do {
        wd_actions_stats(a, &s);
        if (*(const uint64_t *)(const void *)((const char *)&s + off) >= want)
            return true;
        poll(NULL, 0, 2);
    } while (wd_mono_ns() < end);
    return false;
}

#define WAIT(a, field, n) wait_stat((a), offsetof(struct wd_action_stats, field), (n))

static char dl_path[256];

static const char *fresh_dead_letter(void)
{
    snprintf(dl_path, sizeof(dl_path), "/tmp/wd_test_action_%d.ndjson", (int)getpid());
    unlink(dl_path);
    return dl_path;
}

/* Reads the dead-letter file (NUL-terminated, caller frees); OUT: *lines. */
static char *read_dead_letter(int *lines)
{
    FILE *f = fopen(dl_path, "r");
    char *buf = calloc(1, 1 << 16);
    size_t n = f && buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
    if (f)
        fclose(f);
    *lines = 0;
    for (size_t i = 0; buf && i < n; i++)
        *lines += buf[i] == '\n';
    return buf;
}

static const char alert[] = "{\"utctimestamp\":\"2024-05-01T12:00:00+00:00\",\"severity\":"
                            "\"WARNING\",\"summary\":\"5 failed logins for bob\",\"category\":"
                            "\"bruteforce\",\"classname\":\"AlertBruteforce\",\"tags\":[\"ssh\","
                            "\"auth\"]}";

static char url[128];
static const char *url_of(const struct srv *s, const char *scheme, const char *path)
{
    snprintf(url, sizeof(url), "%s://%s:%d%s", scheme,
             strcmp(scheme, "https") ? "127.0.0.1" : "localhost", s->port, path);
    return url;
}

/* ---- tests ---- */

static void t_url_parse(void)
{
    struct wd_action_url u;
    EXPECT_INT(wd_action_url_parse("http://example.org/hook?a=1", &u), WD_OK);
    EXPECT_STR(u.host, "example.org");
    EXPECT_STR(u.port, "80");
    EXPECT_STR(u.authority, "example.org");
    EXPECT_STR(u.path, "/hook?a=1");
    EXPECT_INT(wd_action_url_parse("HTTPS://[::1]:8443", &u), WD_OK);
    FAIL_UNLESS(u.tls);
    EXPECT_STR(u.host, "::1");
    EXPECT_STR(u.authority, "[::1]:8443");
    EXPECT_STR(u.path, "");
    EXPECT_INT(wd_action_url_parse("https://h:443/x", &u), WD_OK);
    EXPECT_STR(u.authority, "h");
    static const char *const bad[] = {
        "ftp://h/",       "http://",     "http:///x",   "http://h:0/",  "http://h:65536/",
        "http://h:8x/",   "http://u@h/", "http://a b/", "http://[::1/", "http://h\r\nX: y/",
        "http://[::1]x/", "http://h:/",  "h/x",
    };
    for (size_t i = 0; i < WD_ARRAY_LEN(bad); i++)
        if (wd_action_url_parse(bad[i], &u) != WD_EINVAL) {
            printf("FAIL %s: accepted %s\n", wd_test_name_, bad[i]);
            wd_test_failed_ = 1;
            return;
        }
}

static void t_slack_body(void)
{
    struct wd_buf b;
    wd_buf_init(&b, 0);
    EXPECT_INT(wd_action_slack_body(alert, sizeof(alert) - 1, &b), WD_OK);
    EXPECT_STR(b.p, "{\"text\":\"[WARNING] 5 failed logins for bob\",\"attachments\":[{"
                    "\"fallback\":\"[WARNING] 5 failed logins for bob\",\"color\":\"#ecb22e\","
                    "\"title\":\"5 failed logins for bob\",\"fields\":["
                    "{\"title\":\"Severity\",\"value\":\"WARNING\",\"short\":true},"
                    "{\"title\":\"Category\",\"value\":\"bruteforce\",\"short\":true},"
                    "{\"title\":\"Rule\",\"value\":\"AlertBruteforce\",\"short\":true},"
                    "{\"title\":\"Time\",\"value\":\"2024-05-01T12:00:00+00:00\",\"short\":true},"
                    "{\"title\":\"Tags\",\"value\":\"ssh, auth\",\"short\":false}],"
                    "\"ts\":1714564800}]}");
    b.len = 0;
    static const char crit[] = "{\"severity\":\"critical\",\"summary\":\"x\\\"y\"}";
    EXPECT_INT(wd_action_slack_body(crit, sizeof(crit) - 1, &b), WD_OK);
    FAIL_UNLESS(strstr(b.p, "\"color\":\"#a30200\""));
    FAIL_UNLESS(strstr(b.p, "\"title\":\"x\\\"y\""));
    FAIL_UNLESS(strstr(b.p, "{\"title\":\"Rule\",\"value\":\"\",\"short\":true}"));
    FAIL_IF(strstr(b.p, "Tags") || strstr(b.p, "\"ts\""));
    b.len = 0;
    EXPECT_INT(wd_action_slack_body("[1]", 3, &b), WD_EPARSE);
    EXPECT_INT(wd_action_slack_body("{", 1, &b), WD_EPARSE);
    EXPECT_INT(b.len, 0);
    wd_buf_fini(&b);
}

static void t_delivered_on_200(void)
{
    static const int ok[] = {200};
    struct srv *s = srv_start(ok, 1, NULL);
    struct wd_actions *a = NULL;
    FAIL_UNLESS(s);
    EXPECT_INT(wd_actions_new(NULL, &a), WD_OK);
    EXPECT_INT(wd_actions_webhook(a, url_of(s, "http", "/hook?x=1"), alert, sizeof(alert) - 1,
                                  WD_ACTION_JSON),
               WD_OK);
    bool got = WAIT(a, delivered, 1);
    struct wd_action_stats stt;
    wd_actions_stats(a, &stt);
    wd_actions_free(a);
    char host[64];
    snprintf(host, sizeof(host), "\r\nHost: 127.0.0.1:%d\r\n", s->port);
    pthread_mutex_lock(&s->mu);
    char *req = strdup(s->last);
    pthread_mutex_unlock(&s->mu);
    srv_stop(s);
    FAIL_UNLESS(got && req);
    EXPECT_INT(stt.queued, 1);
    EXPECT_INT(stt.retried + stt.failed + stt.dropped + stt.pending, 0);
    FAIL_UNLESS(strncmp(req, "POST /hook?x=1 HTTP/1.1\r\n", 25) == 0);
    FAIL_UNLESS(strstr(req, host));
    FAIL_UNLESS(strstr(req, "\r\nContent-Type: application/json\r\n"));
    FAIL_UNLESS(strstr(req, "\r\nUser-Agent: ward/"));
    char cl[64];
    snprintf(cl, sizeof(cl), "\r\nContent-Length: %zu\r\n", sizeof(alert) - 1);
    FAIL_UNLESS(strstr(req, cl));
    char *body = strstr(req, "\r\n\r\n");
    FAIL_UNLESS(body && strcmp(body + 4, alert) == 0);
    free(req);
}

static void t_retry_then_success(void)
{
    static const int script[] = {503, 503, 200};
    struct srv *s = srv_start(script, 3, NULL);
    struct wd_actions_opts o = {.backoff_ms = 5};
    struct wd_actions *a = NULL;
    FAIL_UNLESS(s);
    EXPECT_INT(wd_actions_new(&o, &a), WD_OK);
    EXPECT_INT(wd_actions_webhook(a, url_of(s, "http", "/"), alert, sizeof(alert) - 1, 0), WD_OK);
    bool got = WAIT(a, delivered, 1);
    struct wd_action_stats stt;
    wd_actions_stats(a, &stt);
    wd_actions_free(a);
    int reqs = ld(&s->requests);
    srv_stop(s);
    FAIL_UNLESS(got);
    EXPECT_INT(stt.retried, 2);
    EXPECT_INT(stt.failed, 0);
    EXPECT_INT(reqs, 3);
}

static void t_give_up_on_400(void)
{
    static const int script[] = {400, 200};
    struct srv *s = srv_start(script, 2, NULL);
    struct wd_actions_opts o = {.backoff_ms = 5, .dead_letter_path = fresh_dead_letter()};
    struct wd_actions *a = NULL;
    FAIL_UNLESS(s);
    EXPECT_INT(wd_actions_new(&o, &a), WD_OK);
    const char *u = url_of(s, "http", "/bad");
    EXPECT_INT(wd_actions_webhook(a, u, alert, sizeof(alert) - 1, WD_ACTION_JSON), WD_OK);
    bool got = WAIT(a, failed, 1);
    struct wd_action_stats stt;
    wd_actions_stats(a, &stt);
    wd_actions_free(a);
    int reqs = ld(&s->requests);
    srv_stop(s);
    FAIL_UNLESS(got);
    EXPECT_INT(stt.retried, 0);
    EXPECT_INT(stt.delivered, 0);
    EXPECT_INT(reqs, 1);
    int lines;
    char *dl = read_dead_letter(&lines);
    FAIL_UNLESS(dl);
    EXPECT_INT(lines, 1);
    struct wd_arena ar;
    struct wd_jv *v = NULL;
    wd_arena_init(&ar, 4096, 0);
    int rc = wd_json_parse(dl, strlen(dl), strlen(dl), 0, &ar, &v, NULL);
    bool shape = rc == WD_OK && wd_jv_get(v, "time") && wd_str_eq(wd_jv_get(v, "url")->u.s, u) &&
                 wd_str_eq(wd_jv_get(v, "error")->u.s, "HTTP 400") &&
                 wd_jv_get(v, "attempts")->u.i == 1 &&
                 wd_str_eq(wd_jv_get(v, "format")->u.s, "json") &&
                 wd_str_eq(wd_jv_path(v, "payload.classname")->u.s, "AlertBruteforce");
    wd_arena_fini(&ar);
    free(dl);
    unlink(dl_path);
    FAIL_UNLESS(shape);
}

/* Tagged deliveries report how they ended through opts.done (the alert's action record). */
struct done_rec {
    pthread_mutex_t mu;
    int n;
    uint64_t tags[4];
    bool ok[4];
    char err[4][64];
};

static void on_done(void *arg, uint64_t tag, bool delivered, const char *error)
{
    struct done_rec *d = arg;
    pthread_mutex_lock(&d->mu);
    if (d->n < 4) {
        d->tags[d->n] = tag;
        d->ok[d->n] = delivered;
        snprintf(d->err[d->n], sizeof(d->err[0]), "%s", delivered ? "" : error);
        d->n++;
    }
    pthread_mutex_unlock(&d->mu);
}

static void t_done_callback(void)
{
    static const int script[] = {200, 400, 200};
    struct srv *s = srv_start(script, 3, NULL);
    struct done_rec d = {.mu = PTHREAD_MUTEX_INITIALIZER};
    struct wd_actions_opts o = {.backoff_ms = 5, .done = on_done, .done_arg = &d};
    struct wd_actions *a = NULL;
    FAIL_UNLESS(s);
    EXPECT_INT(wd_actions_new(&o, &a), WD_OK);
    const char *u = url_of(s, "http", "/");
    EXPECT_INT(wd_actions_webhook_tagged(a, u, alert, sizeof(alert) - 1, 0, 7), WD_OK);
    FAIL_UNLESS(WAIT(a, delivered, 1));
    EXPECT_INT(wd_actions_webhook_tagged(a, u, alert, sizeof(alert) - 1, 0, 8), WD_OK);
    FAIL_UNLESS(WAIT(a, failed, 1));
    EXPECT_INT(wd_actions_webhook(a, u, alert, sizeof(alert) - 1, 0), WD_OK); /* untagged */
    FAIL_UNLESS(WAIT(a, delivered, 2));
    wd_actions_free(a);
    srv_stop(s);
    EXPECT_INT(d.n, 2);
    FAIL_UNLESS(d.tags[0] == 7 && d.ok[0]);
    FAIL_UNLESS(d.tags[1] == 8 && !d.ok[1]);
    EXPECT_STR(d.err[1], "HTTP 400");
}

static void t_unreachable_dead_letter(void)
{
    int port, fd = listen_any(&port);
    FAIL_UNLESS(fd >= 0);
    close(fd); /* nothing listens there now: connections are refused */
    struct wd_actions_opts o = {
        .max_retries = 2, .backoff_ms = 5, .dead_letter_path = fresh_dead_letter()};
    struct wd_actions *a = NULL;
    EXPECT_INT(wd_actions_new(&o, &a), WD_OK);
    char u[64];
    snprintf(u, sizeof(u), "http://127.0.0.1:%d/", port);
    EXPECT_INT(wd_actions_webhook(a, u, "not json", 8, WD_ACTION_JSON), WD_OK);
    bool got = WAIT(a, failed, 1);
    struct wd_action_stats stt;
    wd_actions_stats(a, &stt);
    wd_actions_free(a);
    FAIL_UNLESS(got);
    EXPECT_INT(stt.retried, 2);
    int lines;
    char *dl = read_dead_letter(&lines);
    FAIL_UNLESS(dl);
    bool ok = lines == 1 && strstr(dl, "\"attempts\":3") && strstr(dl, "connect 127.0.0.1") &&
              strstr(dl, "\"payload\":\"not json\"}"); /* not JSON: kept as a string */
    if (!ok)
        printf("dead letter: %s", dl);
    free(dl);
    unlink(dl_path);
    FAIL_UNLESS(ok);
}

static void t_queue_full(void)
{
    static const int ok[] = {200};
    struct srv *s = srv_start(ok, 1, NULL);
    FAIL_UNLESS(s);
    st(&s->hold, 1);
    struct wd_actions_opts o = {.queue_cap = 2, .dead_letter_path = fresh_dead_letter()};
    struct wd_actions *a = NULL;
    EXPECT_INT(wd_actions_new(&o, &a), WD_OK);
    const char *u = url_of(s, "http", "/");
    EXPECT_INT(wd_actions_webhook(a, u, "{}", 2, 0), WD_OK); /* in delivery, held */
    EXPECT_INT(wd_actions_webhook(a, u, "{}", 2, 0), WD_OK); /* waiting */
    EXPECT_INT(wd_actions_webhook(a, u, "{\"n\":3}", 7, 0), WD_EAGAIN);
    struct wd_action_stats stt;
    wd_actions_stats(a, &stt);
    st(&s->hold, 0);
    bool got = WAIT(a, delivered, 2);
    wd_actions_free(a);
    srv_stop(s);
    FAIL_UNLESS(got);
    EXPECT_INT(stt.queued, 2);
    EXPECT_INT(stt.dropped, 1);
    EXPECT_INT(stt.pending, 2);
    int lines;
    char *dl = read_dead_letter(&lines);
    bool dl_ok = dl && lines == 1 && strstr(dl, "\"error\":\"queue full\"") &&
                 strstr(dl, "\"payload\":{\"n\":3}}");
    free(dl);
    unlink(dl_path);
    FAIL_UNLESS(dl_ok);
}

static void t_free_flushes(void)
{
    static const int ok[] = {200};
    struct srv *s = srv_start(ok, 1, NULL);
    struct wd_actions *a = NULL;
    FAIL_UNLESS(s);
    EXPECT_INT(wd_actions_new(NULL, &a), WD_OK);
    for (int i = 0; i < 3; i++)
        EXPECT_INT(wd_actions_webhook(a, url_of(s, "http", "/"), "{}", 2, 0), WD_OK);
    wd_actions_free(a); /* returns once the three are delivered */
    int reqs = ld(&s->requests);
    /* a held answer: the flush gives up after flush_ms and dead-letters it */
    st(&s->hold, 1);
    struct wd_actions_opts o = {.flush_ms = 200, .dead_letter_path = fresh_dead_letter()};
    EXPECT_INT(wd_actions_new(&o, &a), WD_OK);
    EXPECT_INT(wd_actions_webhook(a, url_of(s, "http", "/"), "{}", 2, 0), WD_OK);
    int64_t t0 = wd_mono_ns();
    wd_actions_free(a);
    int64_t took_ms = (wd_mono_ns() - t0) / 1000000;
    st(&s->hold, 0);
    srv_stop(s);
    EXPECT_INT(reqs, 3);
    FAIL_UNLESS(took_ms < 10000); /* flush_ms is 200: far below, even on a loaded machine */
    int lines;
    char *dl = read_dead_letter(&lines);
    bool ok2 = dl && lines == 1 && strstr(dl, "\"error\":\"shutdown");
    free(dl);
    unlink(dl_path);
    FAIL_UNLESS(ok2);
}

static void t_invalid_calls(void)
{
    struct wd_actions_opts o = {.max_alert_bytes = 4, .max_retries = WD_ACTION_NO_RETRY};
    struct wd_actions *a = NULL;
    EXPECT_INT(wd_actions_new(&o, &a), WD_OK);
    EXPECT_INT(wd_actions_webhook(a, "gopher://x/", "{}", 2, WD_ACTION_JSON), WD_EINVAL);
    EXPECT_INT(wd_actions_webhook(a, "http://x/", "{}", 2, 7), WD_EINVAL);
    EXPECT_INT(wd_actions_webhook(a, "http://x/", "{\"a\":1}", 7, WD_ACTION_JSON), WD_ELIMIT);
    struct wd_action_stats stt;
    wd_actions_stats(a, &stt);
    wd_actions_free(a);
    EXPECT_INT(stt.dropped, 1);
    EXPECT_INT(stt.queued, 0);
    struct wd_actions_opts bad = {.dead_letter_path = "/nonexistent-dir/x.ndjson"};
    EXPECT_INT(wd_actions_new(&bad, &a), WD_EIO);
    FAIL_UNLESS(a == NULL);
    wd_actions_free(NULL);
}

static void t_slack_delivery(void)
{
    static const int ok[] = {200};
    struct srv *s = srv_start(ok, 1, NULL);
    struct wd_actions_opts o = {.dead_letter_path = fresh_dead_letter(), .backoff_ms = 5};
    struct wd_actions *a = NULL;
    FAIL_UNLESS(s);
    EXPECT_INT(wd_actions_new(&o, &a), WD_OK);
    EXPECT_INT(wd_actions_webhook(a, url_of(s, "http", "/slack"), alert, sizeof(alert) - 1,
                                  WD_ACTION_SLACK),
               WD_OK);
    /* an alert that is not JSON cannot become a Slack message: given up at once */
    EXPECT_INT(wd_actions_webhook(a, url_of(s, "http", "/slack"), "oops", 4, WD_ACTION_SLACK),
               WD_OK);
    bool got = WAIT(a, delivered, 1) && WAIT(a, failed, 1);
    struct wd_action_stats stt;
    wd_actions_stats(a, &stt);
    wd_actions_free(a);
    pthread_mutex_lock(&s->mu);
    char *req = strdup(s->last);
    pthread_mutex_unlock(&s->mu);
    int reqs = ld(&s->requests);
    srv_stop(s);
    struct wd_buf want;
    wd_buf_init(&want, 0);
    wd_action_slack_body(alert, sizeof(alert) - 1, &want);
    char *body = req ? strstr(req, "\r\n\r\n") : NULL;
    bool same = body && want.p && strcmp(body + 4, want.p) == 0;
    wd_buf_fini(&want);
    free(req);
    unlink(dl_path);
    FAIL_UNLESS(got && same);
    EXPECT_INT(reqs, 1);
    EXPECT_INT(stt.retried, 0);
}

/* ---- https ---- */

static char tls_dir[128];

/* Makes a self-signed EC certificate for subjectAltName `san` as <name>.pem/.key. */
static bool make_cert(const char *name, const char *san)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-days 2 -subj /CN=ward-test -addext 'subjectAltName=%s' -keyout %s/%s.key "
             "-out %s/%s.pem >/dev/null 2>&1",
             san, tls_dir, name, tls_dir, name);
    return system(cmd) == 0;
}

static void t_https(void)
{
    snprintf(tls_dir, sizeof(tls_dir), "/tmp/wd_test_action_tls_%d", (int)getpid());
    char cmd[256], cert[192], key[192];
    snprintf(cmd, sizeof(cmd), "mkdir -p %s", tls_dir);
    if (system("command -v openssl >/dev/null 2>&1") != 0 || system(cmd) != 0)
        SKIP("no openssl CLI to make a test certificate");
    if (!make_cert("good", "DNS:localhost,IP:127.0.0.1") || !make_cert("other", "DNS:other.test"))
        SKIP("openssl could not make a test certificate");
    static const char *const certs[] = {"good", "good", "other"};
    static const bool trust[] = {true, false, true};
    for (int k = 0; k < 3; k++) {
        gnutls_certificate_credentials_t sc;
        snprintf(cert, sizeof(cert), "%s/%s.pem", tls_dir, certs[k]);
        snprintf(key, sizeof(key), "%s/%s.key", tls_dir, certs[k]);
        FAIL_UNLESS(gnutls_certificate_allocate_credentials(&sc) >= 0);
        FAIL_UNLESS(gnutls_certificate_set_x509_key_file(sc, cert, key, GNUTLS_X509_FMT_PEM) >= 0);
        static const int ok[] = {200};
        struct srv *s = srv_start(ok, 1, sc);
        struct wd_actions_opts o = {.ca_file = trust[k] ? cert : NULL,
                                    .dead_letter_path = fresh_dead_letter(),
                                    .backoff_ms = 5,
                                    .timeout_ms = 3000};
        struct wd_actions *a = NULL;
        FAIL_UNLESS(s);
        EXPECT_INT(wd_actions_new(&o, &a), WD_OK);
        EXPECT_INT(wd_actions_webhook(a, url_of(s, "https", "/tls"), alert, sizeof(alert) - 1, 0),
                   WD_OK);
        /* k = 0: trusted, name matches; 1: untrusted; 2: trusted but for another name */
        bool got = k == 0 ? WAIT(a, delivered, 1) : WAIT(a, failed, 1);
        struct wd_action_stats stt;
        wd_actions_stats(a, &stt);
        wd_actions_free(a);
        int reqs = ld(&s->requests);
        srv_stop(s);
        gnutls_certificate_free_credentials(sc);
        int lines;
        char *dl = read_dead_letter(&lines);
        bool why = k == 0 ? lines == 0 : dl && strstr(dl, "tls certificate of localhost");
        if (!why && dl)
            printf("dead letter %d: %s", k, dl);
        free(dl);
        unlink(dl_path);
        FAIL_UNLESS(got && why);
        EXPECT_INT(reqs, k == 0);
        EXPECT_INT(stt.retried, 0); /* verification failures are not retried */
    }
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tls_dir);
    FAIL_UNLESS(system(cmd) == 0);
}

WD_TEST_LIST{
    {"action_url_parse", t_url_parse},
    {"action_slack_body", t_slack_body},
    {"action_delivered_on_200", t_delivered_on_200},
    {"action_retry_then_success", t_retry_then_success},
    {"action_give_up_on_400", t_give_up_on_400},
    {"action_done_callback", t_done_callback},
    {"action_unreachable_dead_letter", t_unreachable_dead_letter},
    {"action_queue_full", t_queue_full},
    {"action_free_flushes", t_free_flushes},
    {"action_invalid_calls", t_invalid_calls},
    {"action_slack_delivery", t_slack_delivery},
    {"action_https", t_https},
};
WD_TEST_MAIN
