/*
 * syslog_net.c: UDP and TCP syslog listeners, and the mapping from a parsed message to
 * MozDef's event keys (mozdef-compat.md a.2 via the keys syslog-ng sent; interop.md 3).
 * UDP reads batches of datagrams with recvmmsg; each TCP connection has its own thread
 * that frames, parses, and commits every read before reading again, so a full WAL queue
 * stops the reads (backpressure) instead of growing memory.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "syslog_net.h"
#include "ingest.h"
#include "json.h"
#include "jv.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "syslog.h"
#include "wd_time.h"

#define UDP_BATCH 64

struct wd_syslog_srv {
    struct wd_server *s;
    int udp_fd, tcp_fd;
    int udp_port, tcp_port;
    int stop_pipe[2];
    pthread_t udp_thread, tcp_thread;
    bool udp_started, tcp_started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int nconn;          /* live TCP connection threads */
    int conn_fds[1024]; /* for shutdown at stop; -1 = free slot */
    volatile int stopping;
};

/* ---- shared: one message into a batch ---- */

static void take_message(struct wd_syslog_srv *y, struct wd_ingest_batch *b, int input,
                         const char *p, size_t len, const char *peer, int64_t now_us)
{
    struct wd_server *s = y->s;
    struct wd_syslog_msg m;
    struct wd_perr perr = {0, 0, NULL};
    char why[256], esc[300];
    wd_metric_add(&s->metrics.received_events[input], 1);
    if (wd_syslog_parse(p, len, &m, &perr) != WD_OK) {
        wd_ingest_reject(s, input, WD_REJ_PARSE, 1);
        wd_log_rl(&s->rl_ingest, WD_LOG_WARN, "syslog",
                  "unparsable message peer=%s off=%zu "
                  "why=%s sample=%s",
                  peer, perr.off, perr.msg ? perr.msg : "?",
                  wd_log_escape(esc, sizeof(esc), p, len));
        return;
    }
    struct wd_jv *o = wd_syslog_to_object(&m, peer, s->tz, now_us,
                                          (uint32_t)s->cfg.ingest_max_json_depth, &b->arena);
    struct wd_ingest_meta meta = {NULL, {"", 0}};
    if (!o || wd_ingest_add(s, b, o, &meta, why, sizeof(why)) != WD_OK)
        wd_ingest_reject(s, input, WD_REJ_PARSE, 1);
}

static void peer_text(const struct sockaddr_storage *ss, char *out, size_t len)
{
    if (getnameinfo((const struct sockaddr *)ss, sizeof(*ss), out, (socklen_t)len, NULL, 0,
                    NI_NUMERICHOST) != 0)
        snprintf(out, len, "unknown");
}

/* Waits until fd is readable (1), was interrupted (0), or the server stops (-1). */
static int wait_readable(struct wd_syslog_srv *y, int fd)
{
    struct pollfd pf[2] = {{fd, POLLIN, 0}, {y->stop_pipe[0], POLLIN, 0}};
    if (y->stopping || (poll(pf, 2, -1) < 0 && errno != EINTR) || pf[1].revents)
        return -1;
    return (pf[0].revents & POLLIN) ? 1 : 0;
}

/* ---- UDP ---- */

static void *udp_main(void *arg)
{
    wd_thread_name("syslog-udp");
    struct wd_syslog_srv *y = arg;
    struct wd_server *s = y->s;
    size_t max = (size_t)WD_MIN(s->cfg.syslog_max_message_bytes, 65536);
    char *bufs = wd_xmalloc(UDP_BATCH * max);
    struct mmsghdr msgs[UDP_BATCH];
    struct iovec iov[UDP_BATCH];
    struct sockaddr_storage from[UDP_BATCH];
    struct wd_ingest_batch b;
    wd_ingest_batch_init(&b);
    int ready;
    while ((ready = wait_readable(y, y->udp_fd)) >= 0) {
        if (!ready)
            continue;
        for (int i = 0; i < UDP_BATCH; i++) {
            iov[i].iov_base = bufs + (size_t)i * max;
            iov[i].iov_len = max;
            memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &from[i];
            msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
        }
        int n = recvmmsg(y->udp_fd, msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0)
            continue;
        wd_ingest_batch_reset(&b);
        int64_t now = wd_now_us();
        for (int i = 0; i < n; i++) {
            char peer[64];
            size_t len = msgs[i].msg_len;
            wd_metric_add(&s->metrics.received_bytes[WD_IN_SYSLOG_UDP], len);
            if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
                wd_metric_add(&s->metrics.received_events[WD_IN_SYSLOG_UDP], 1);
                wd_ingest_reject(s, WD_IN_SYSLOG_UDP, WD_REJ_LINE_TOO_LONG, 1);
                continue;
            }
            peer_text(&from[i], peer, sizeof(peer));
            struct wd_str t = wd_syslog_dgram_trim(iov[i].iov_base, len);
            take_message(y, &b, WD_IN_SYSLOG_UDP, t.p, t.len, peer, now);
        }
        uint64_t seq;
        /* UDP cannot push back: when the queue is full the datagrams are dropped and
         * counted rather than stalling the socket. */
        int rc = wd_ingest_commit(s, &b, WD_IN_SYSLOG_UDP, false, &seq);
        if (rc)
            wd_ingest_reject(s, WD_IN_SYSLOG_UDP, rc == WD_EAGAIN ? WD_REJ_BACKPRESSURE : WD_REJ_IO,
                             b.count);
    }
    wd_ingest_batch_fini(&b);
    wd_json_thread_fini();
    free(bufs);
    return NULL;
}

/* ---- TCP ---- */

struct conn {
    struct wd_syslog_srv *y;
    int fd;
    int slot;
    char peer[64];
};

/* Frames and parses every complete message in buf[0..have) into b. Returns the bytes
 * consumed; *bad_stream is set when the stream is not syslog (invalid octet count). */
static size_t take_frames(struct conn *c, struct wd_syslog_framer *fr, struct wd_ingest_batch *b,
                          const char *buf, size_t have, bool *bad_stream)
{
    struct wd_server *s = c->y->s;
    size_t max = (size_t)s->cfg.syslog_max_message_bytes;
    int64_t now = wd_now_us();
    size_t off = 0;
    for (;;) {
        struct wd_str msg;
        size_t used = 0;
        struct wd_perr perr = {0, 0, NULL};
        int rc = wd_syslog_framer_next(fr, buf + off, have - off, max, &msg, &used, &perr);
        off += used;
        if (rc == WD_EAGAIN)
            return off;
        if (rc == WD_EPARSE) {
            wd_metric_add(&s->metrics.received_events[WD_IN_SYSLOG_TCP], 1);
            wd_ingest_reject(s, WD_IN_SYSLOG_TCP, WD_REJ_PARSE, 1);
            wd_log_rl(&s->rl_ingest, WD_LOG_WARN, "syslog",
                      "bad octet count from %s: closing the connection", c->peer);
            *bad_stream = true;
            return off;
        }
        if (rc == WD_ELIMIT) /* an over-long frame: truncated to max and still kept */
            wd_metric_add(&s->metrics.syslog_truncated, 1);
        take_message(c->y, b, WD_IN_SYSLOG_TCP, msg.p, msg.len, c->peer, now);
    }
}

static void conn_loop(struct conn *c)
{
    struct wd_server *s = c->y->s;
    size_t cap = (size_t)s->cfg.syslog_max_message_bytes + 65536;
    char *buf = wd_xmalloc(cap);
    size_t have = 0;
    struct wd_syslog_framer fr;
    struct wd_ingest_batch b;
    wd_syslog_framer_init(&fr);
    wd_ingest_batch_init(&b);
    for (;;) {
        ssize_t r = read(c->fd, buf + have, cap - have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        wd_metric_add(&s->metrics.received_bytes[WD_IN_SYSLOG_TCP], (uint64_t)r);
        have += (size_t)r;
        wd_ingest_batch_reset(&b);
        bool bad_stream = false;
        size_t off = take_frames(c, &fr, &b, buf, have, &bad_stream);
        uint64_t seq;
        /* Waiting here is the backpressure: nothing more is read until the WAL has room. */
        if (wd_ingest_commit(s, &b, WD_IN_SYSLOG_TCP, true, &seq) != WD_OK) {
            wd_ingest_reject(s, WD_IN_SYSLOG_TCP, WD_REJ_IO, b.count);
            break;
        }
        if (bad_stream)
            break;
        memmove(buf, buf + off, have - off);
        have -= off;
        if (have == cap) /* cannot happen: the framer truncates over-long frames */
            have = 0;
    }
    wd_ingest_batch_fini(&b);
    wd_json_thread_fini();
    free(buf);
}

static void *conn_main(void *arg)
{
    wd_thread_name("syslog-conn");
    struct conn *c = arg;
    struct wd_syslog_srv *y = c->y;
    conn_loop(c);
    pthread_mutex_lock(&y->mu);
    y->conn_fds[c->slot] = -1;
    close(c->fd);
    y->nconn--;
    pthread_cond_broadcast(&y->cv);
    pthread_mutex_unlock(&y->mu);
    free(c);
    return NULL;
}

static void *tcp_main(void *arg)
{
    wd_thread_name("syslog-tcp");
    struct wd_syslog_srv *y = arg;
    struct wd_server *s = y->s;
    int ready;
    while ((ready = wait_readable(y, y->tcp_fd)) >= 0) {
        if (!ready)
            continue;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        int fd = accept4(y->tcp_fd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        pthread_mutex_lock(&y->mu);
        int slot = -1;
        if (y->nconn < s->cfg.syslog_max_connections)
            for (int i = 0; i < (int)WD_ARRAY_LEN(y->conn_fds); i++)
                if (y->conn_fds[i] < 0) {
                    slot = i;
                    break;
                }
        if (slot < 0) {
            pthread_mutex_unlock(&y->mu);
            wd_metric_add(&s->metrics.connections_refused[1], 1);
            close(fd);
            continue;
        }
        struct conn *c = wd_xcalloc(1, sizeof(*c));
        c->y = y;
        c->fd = fd;
        c->slot = slot;
        peer_text(&ss, c->peer, sizeof(c->peer));
        pthread_t t;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &at, conn_main, c) == 0) {
            y->conn_fds[slot] = fd;
            y->nconn++;
        } else {
            close(fd);
            free(c);
        }
        pthread_attr_destroy(&at);
        pthread_mutex_unlock(&y->mu);
    }
    return NULL;
}

/* ---- start / stop ---- */

static int bind_socket(const char *addr_text, int type, int *port_out, char *err, size_t err_len)
{
    char host[256];
    int port;
    if (wd_cfg_parse_addr(addr_text, host, sizeof(host), &port)) {
        snprintf(err, err_len, "bad syslog.listen '%s'", addr_text);
        return -1;
    }
    struct addrinfo hints, *ai;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = type;
    hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
    char ports[8];
    snprintf(ports, sizeof(ports), "%d", port);
    if (getaddrinfo(host, ports, &hints, &ai) != 0) {
        snprintf(err, err_len, "syslog.listen %s: cannot resolve", addr_text);
        return -1;
    }
    int fd = socket(ai->ai_family, type | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (type == SOCK_DGRAM && fd >= 0) {
        int rcv = 8 << 20;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
    }
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
        (type == SOCK_STREAM && listen(fd, 128) != 0)) {
        snprintf(err, err_len, "cannot listen on %s/%s for syslog: %s", addr_text,
                 type == SOCK_STREAM ? "tcp" : "udp", strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    memset(&ss, 0, sizeof(ss));
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
        snprintf(err, err_len, "getsockname: %s", strerror(errno));
        close(fd);
        return -1;
    }
    *port_out = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                               : ((struct sockaddr_in *)&ss)->sin_port);
    return fd;
}

int wd_syslog_srv_start(struct wd_server *s, struct wd_syslog_srv **out, char *err, size_t err_len)
{
    struct wd_syslog_srv *y = wd_xcalloc(1, sizeof(*y));
    y->s = s;
    y->udp_fd = y->tcp_fd = -1;
    for (size_t i = 0; i < WD_ARRAY_LEN(y->conn_fds); i++)
        y->conn_fds[i] = -1;
    pthread_mutex_init(&y->mu, NULL);
    pthread_cond_init(&y->cv, NULL);
    if (pipe2(y->stop_pipe, O_CLOEXEC) != 0) {
        snprintf(err, err_len, "pipe: %s", strerror(errno));
        free(y);
        return WD_EIO;
    }
    *out = y;
    if (s->cfg.syslog_tcp) {
        y->tcp_fd = bind_socket(s->cfg.syslog_listen, SOCK_STREAM, &y->tcp_port, err, err_len);
        if (y->tcp_fd < 0)
            return WD_EIO;
    }
    if (s->cfg.syslog_udp) {
        /* With port 0, UDP takes the port TCP got so both share one address. */
        char addr[300];
        char host[256];
        int port;
        wd_cfg_parse_addr(s->cfg.syslog_listen, host, sizeof(host), &port);
        if (port == 0 && y->tcp_port)
            snprintf(addr, sizeof(addr), strchr(host, ':') ? "[%s]:%d" : "%s:%d", host,
                     y->tcp_port);
        else
            snprintf(addr, sizeof(addr), "%s", s->cfg.syslog_listen);
        y->udp_fd = bind_socket(addr, SOCK_DGRAM, &y->udp_port, err, err_len);
        if (y->udp_fd < 0)
            return WD_EIO;
        y->udp_started = pthread_create(&y->udp_thread, NULL, udp_main, y) == 0;
    }
    if (y->tcp_fd >= 0)
        y->tcp_started = pthread_create(&y->tcp_thread, NULL, tcp_main, y) == 0;
    return WD_OK;
}

int wd_syslog_srv_udp_port(const struct wd_syslog_srv *y)
{
    return y->udp_port;
}

int wd_syslog_srv_tcp_port(const struct wd_syslog_srv *y)
{
    return y->tcp_port;
}

void wd_syslog_srv_stop(struct wd_syslog_srv *y)
{
    if (!y)
        return;
    y->stopping = 1;
    if (write(y->stop_pipe[1], "x", 1) < 0)
        wd_log(WD_LOG_WARN, "syslog", "stop pipe: %s", strerror(errno));
    if (y->udp_started)
        pthread_join(y->udp_thread, NULL);
    if (y->tcp_started)
        pthread_join(y->tcp_thread, NULL);
    pthread_mutex_lock(&y->mu);
    for (size_t i = 0; i < WD_ARRAY_LEN(y->conn_fds); i++)
        if (y->conn_fds[i] >= 0)
            shutdown(y->conn_fds[i], SHUT_RDWR);
    while (y->nconn > 0)
        pthread_cond_wait(&y->cv, &y->mu);
    pthread_mutex_unlock(&y->mu);
    if (y->udp_fd >= 0)
        close(y->udp_fd);
    if (y->tcp_fd >= 0)
        close(y->tcp_fd);
    close(y->stop_pipe[0]);
    close(y->stop_pipe[1]);
    pthread_mutex_destroy(&y->mu);
    pthread_cond_destroy(&y->cv);
    free(y);
}
