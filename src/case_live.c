/*
 * case_live.c: incident viewers and their streams (case_live.h). One mutex for the hub;
 * each viewer has a bounded byte queue of pending frames and its own condition variable
 * (monotonic clock). A viewer whose queue overflows (a client that stopped reading) gets
 * its queue replaced by one "reload" frame: it fetches the incident again.
 */
#include "case_live.h"

#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "jv.h"
#include "mem.h"
#include "ward.h"

#define SLICE_MS     250
#define HEARTBEAT_MS 15000
#define QUEUE_MAX    (1u << 20)
#define FIRST        ": subscribed\n\n"
#define KEEPALIVE    ": keepalive\n\n"
#define RELOAD       "event: reload\ndata: {}\n\n"

struct wd_case_viewer {
    struct wd_case_live *hub;
    struct wd_case_viewer *prev, *next;
    int64_t incident;
    char user[128];
    int fd;
    pthread_cond_t cv;
    struct wd_buf q; /* guarded by hub->mu */
    size_t off;      /* bytes of q already sent */
    int64_t last_ns; /* reader only */
};

struct wd_case_live {
    pthread_mutex_t mu;
    struct wd_case_viewer *viewers;
    unsigned n, max;
    bool closing;
};

struct wd_case_live *wd_case_live_new(unsigned max_viewers)
{
    struct wd_case_live *l = wd_xcalloc(1, sizeof(*l));
    pthread_mutex_init(&l->mu, NULL);
    l->max = max_viewers ? max_viewers : 1;
    return l;
}

void wd_case_live_shutdown(struct wd_case_live *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->mu);
    l->closing = true;
    for (struct wd_case_viewer *v = l->viewers; v; v = v->next)
        pthread_cond_signal(&v->cv);
    pthread_mutex_unlock(&l->mu);
}

void wd_case_live_free(struct wd_case_live *l)
{
    if (!l)
        return;
    WD_BUG_ON(l->viewers != NULL);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

/* Queues text for v. Hub lock held. */
static void enqueue(struct wd_case_viewer *v, const char *p, size_t n)
{
    if (v->q.len - v->off + n > QUEUE_MAX) {
        v->q.len = v->off = 0;
        wd_buf_append(&v->q, RELOAD, sizeof(RELOAD) - 1);
    } else {
        wd_buf_append(&v->q, p, n);
    }
    pthread_cond_signal(&v->cv);
}

static void frame(struct wd_buf *f, const char *event, const char *data, size_t len)
{
    wd_buf_printf(f, "event: %s\ndata: ", event);
    wd_buf_append(f, data, len);
    wd_buf_printf(f, "\n\n");
}

/* Sends the viewers of `incident` who is viewing it. Hub lock held. */
static void presence(struct wd_case_live *l, int64_t incident)
{
    struct wd_buf d, f;
    wd_buf_init(&d, 0);
    wd_buf_init(&f, 0);
    wd_buf_printf(&d, "{\"incident\":%lld,\"viewers\":[", (long long)incident);
    int n = 0;
    for (struct wd_case_viewer *v = l->viewers; v; v = v->next) {
        if (v->incident != incident)
            continue;
        bool seen = false; /* one entry per user, with the count of their streams */
        for (struct wd_case_viewer *w = l->viewers; w != v; w = w->next)
            seen |= w->incident == incident && !strcmp(w->user, v->user);
        if (seen)
            continue;
        int conns = 0;
        for (struct wd_case_viewer *w = l->viewers; w; w = w->next)
            conns += w->incident == incident && !strcmp(w->user, v->user);
        wd_buf_printf(&d, "%s{\"user\":", n++ ? "," : "");
        wd_jv_write_str(v->user, strlen(v->user), &d);
        wd_buf_printf(&d, ",\"streams\":%d}", conns);
    }
    wd_buf_printf(&d, "]}");
    frame(&f, "presence", d.p, d.len);
    for (struct wd_case_viewer *v = l->viewers; v; v = v->next)
        if (v->incident == incident)
            enqueue(v, f.p, f.len);
    wd_buf_fini(&d);
    wd_buf_fini(&f);
}

int wd_case_live_join(struct wd_case_live *l, int64_t incident, const char *user, int sock_fd,
                      struct wd_case_viewer **out)
{
    pthread_mutex_lock(&l->mu);
    int rc = l->closing ? WD_EAGAIN : l->n >= l->max ? WD_ELIMIT : WD_OK;
    if (rc) {
        pthread_mutex_unlock(&l->mu);
        return rc;
    }
    struct wd_case_viewer *v = wd_xcalloc(1, sizeof(*v));
    v->hub = l;
    v->incident = incident;
    snprintf(v->user, sizeof(v->user), "%s", user);
    v->fd = sock_fd;
    v->last_ns = wd_mono_ns();
    wd_buf_init(&v->q, 0);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&v->cv, &ca);
    pthread_condattr_destroy(&ca);
    wd_buf_append(&v->q, FIRST, sizeof(FIRST) - 1);
    v->next = l->viewers;
    if (l->viewers)
        l->viewers->prev = v;
    l->viewers = v;
    l->n++;
    presence(l, incident);
    pthread_mutex_unlock(&l->mu);
    *out = v;
    return WD_OK;
}

void wd_case_live_leave(struct wd_case_viewer *v)
{
    if (!v)
        return;
    struct wd_case_live *l = v->hub;
    pthread_mutex_lock(&l->mu);
    if (v->prev)
        v->prev->next = v->next;
    else
        l->viewers = v->next;
    if (v->next)
        v->next->prev = v->prev;
    l->n--;
    if (!l->closing)
        presence(l, v->incident);
    pthread_mutex_unlock(&l->mu);
    wd_buf_fini(&v->q);
    pthread_cond_destroy(&v->cv);
    free(v);
}

void wd_case_live_publish(struct wd_case_live *l, int64_t incident, const char *event,
                          const char *data, size_t len)
{
    if (!l)
        return;
    struct wd_buf f;
    wd_buf_init(&f, 0);
    frame(&f, event, data, len);
    pthread_mutex_lock(&l->mu);
    for (struct wd_case_viewer *v = l->viewers; v; v = v->next)
        if (v->incident == incident)
            enqueue(v, f.p, f.len);
    pthread_mutex_unlock(&l->mu);
    wd_buf_fini(&f);
}

static bool client_gone(int fd)
{
    if (fd < 0)
        return false;
    struct pollfd p = {fd, POLLRDHUP, 0};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

ssize_t wd_case_live_read(struct wd_case_viewer *v, char *buf, size_t max)
{
    struct wd_case_live *l = v->hub;
    ssize_t n = -1;
    pthread_mutex_lock(&l->mu);
    for (;;) {
        if (v->q.len > v->off) {
            size_t k = WD_MIN(max, v->q.len - v->off);
            memcpy(buf, v->q.p + v->off, k);
            v->off += k;
            if (v->off == v->q.len)
                v->q.len = v->off = 0;
            n = (ssize_t)k;
            break;
        }
        if (l->closing)
            break;
        int64_t now = wd_mono_ns();
        if (now - v->last_ns >= (int64_t)HEARTBEAT_MS * 1000000) {
            wd_buf_append(&v->q, KEEPALIVE, sizeof(KEEPALIVE) - 1);
            continue;
        }
        int64_t until = now + (int64_t)SLICE_MS * 1000000;
        struct timespec ts = {(time_t)(until / 1000000000), (long)(until % 1000000000)};
        if (pthread_cond_timedwait(&v->cv, &l->mu, &ts) != 0 && client_gone(v->fd))
            break;
    }
    pthread_mutex_unlock(&l->mu);
    if (n > 0)
        v->last_ns = wd_mono_ns();
    return n;
}
