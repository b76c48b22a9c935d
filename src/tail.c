/*
 * tail.c: the live-tail hub (see tail.h). Frames are built once per matching event and
 * shared by every subscriber that matched it (atomic reference count, because readers
 * release them outside the hub lock). A subscriber's queue is a ring of frame pointers
 * bounded in count and bytes; overflow drops the oldest frame and counts it.
 *
 * Lock order: only the hub mutex exists. Readers wait on their own condition variable
 * (monotonic clock) in slices of at most IDLE_SLICE_MS, checking between slices whether
 * the client hung up, so a closed connection frees its slot within a slice even when
 * no heartbeat is due.
 */
#include <poll.h>
#include <pthread.h>
#include <time.h>

#include "tail.h"

#include "json.h"
#include "jv.h"
#include "mem.h"
#include "metrics.h"
#include "query.h"
#include "ward.h"

#define IDLE_SLICE_MS 250
#define FIRST_FRAME   ": subscribed\n\n"
#define KEEPALIVE     ": keepalive\n\n"

/* One SSE frame, shared by the subscribers it was queued for. */
struct frame {
    int refs; /* atomic */
    size_t len;
    char data[];
};

struct wd_tail_sub {
    struct wd_tail *hub;
    struct wd_tail_sub *prev, *next;
    struct wd_query *q;
    int fd;
    pthread_cond_t cv;
    /* guarded by hub->mu */
    struct frame **ring;
    uint32_t head, n;         /* oldest slot, frames queued */
    size_t bytes;             /* bytes of queued frames */
    uint64_t dropped_pending; /* dropped since the last notice */
    bool matched;             /* a frame was queued by the batch being published */
    /* reader thread only */
    struct frame *cur; /* frame being sent (NULL: static text in cur_p) */
    const char *cur_p;
    size_t cur_len, cur_off;
    bool started;
    int64_t last_ns; /* when the last frame was handed out */
};

struct wd_tail {
    struct wd_tail_head h; /* first member: read by the inline wd_tail_publish() */
    struct wd_tail_opts o;
    pthread_mutex_t mu;
    struct wd_tail_sub *subs;
    bool closing;
    struct wd_qflat flat; /* the event being matched, flattened once for every query (mu) */
};

static struct frame *frame_new(size_t cap)
{
    struct frame *f = malloc(sizeof(*f) + cap);
    if (f) {
        f->refs = 1;
        f->len = 0;
    }
    return f;
}

static void frame_unref(struct frame *f)
{
    if (f && __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) == 0)
        free(f);
}

static void put(struct frame *f, const void *p, size_t n)
{
    memcpy(f->data + f->len, p, n);
    f->len += n;
}

#define PUTL(f, lit) put((f), (lit), sizeof(lit) - 1)

/* "id: SEQ\ndata: {"_id":"SEQ","_source":EVENT}\n\n" */
static struct frame *event_frame(uint64_t seq, const char *ev, size_t len)
{
    char num[24];
    size_t nl = wd_fmt_i64((int64_t)seq, num);
    struct frame *f = frame_new(len + 2 * nl + 64);
    if (!f)
        return NULL;
    PUTL(f, "id: ");
    put(f, num, nl);
    PUTL(f, "\ndata: {\"_id\":\"");
    put(f, num, nl);
    PUTL(f, "\",\"_source\":");
    put(f, ev, len);
    PUTL(f, "}\n\n");
    return f;
}

static struct frame *dropped_frame(uint64_t n)
{
    char num[24];
    size_t nl = wd_fmt_i64((int64_t)n, num);
    struct frame *f = frame_new(nl + 64);
    if (!f)
        return NULL;
    PUTL(f, "event: dropped\ndata: {\"dropped\":");
    put(f, num, nl);
    PUTL(f, "}\n\n");
    return f;
}

struct wd_tail *wd_tail_new(const struct wd_tail_opts *o)
{
    struct wd_tail *t = wd_xcalloc(1, sizeof(*t));
    t->o = *o;
    if (t->o.queue_events == 0)
        t->o.queue_events = 1;
    pthread_mutex_init(&t->mu, NULL);
    wd_qflat_init(&t->flat);
    return t;
}

void wd_tail_shutdown(struct wd_tail *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    t->closing = true;
    for (struct wd_tail_sub *s = t->subs; s; s = s->next)
        pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&t->mu);
}

void wd_tail_free(struct wd_tail *t)
{
    if (!t)
        return;
    WD_BUG_ON(t->subs != NULL);
    pthread_mutex_destroy(&t->mu);
    wd_qflat_fini(&t->flat);
    free(t);
}

int wd_tail_subscribe(struct wd_tail *t, struct wd_query *q, int sock_fd, struct wd_tail_sub **out)
{
    pthread_mutex_lock(&t->mu);
    int rc = t->closing ? WD_EAGAIN : t->h.nsubs >= (int)t->o.max_subscribers ? WD_ELIMIT : WD_OK;
    if (rc) {
        pthread_mutex_unlock(&t->mu);
        wd_query_free(q);
        return rc;
    }
    struct wd_tail_sub *s = wd_xcalloc(1, sizeof(*s));
    s->hub = t;
    s->q = q;
    s->fd = sock_fd;
    s->ring = wd_xcalloc(t->o.queue_events, sizeof(*s->ring));
    s->last_ns = wd_mono_ns();
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    s->next = t->subs;
    if (t->subs)
        t->subs->prev = s;
    t->subs = s;
    __atomic_add_fetch(&t->h.nsubs, 1, __ATOMIC_RELAXED);
    if (t->o.metrics)
        wd_gauge_add(&t->o.metrics->tail_subscribers, 1);
    pthread_mutex_unlock(&t->mu);
    *out = s;
    return WD_OK;
}

void wd_tail_sub_free(struct wd_tail_sub *s)
{
    if (!s)
        return;
    struct wd_tail *t = s->hub;
    pthread_mutex_lock(&t->mu);
    if (s->prev)
        s->prev->next = s->next;
    else
        t->subs = s->next;
    if (s->next)
        s->next->prev = s->prev;
    __atomic_sub_fetch(&t->h.nsubs, 1, __ATOMIC_RELAXED);
    if (t->o.metrics)
        wd_gauge_add(&t->o.metrics->tail_subscribers, -1);
    pthread_mutex_unlock(&t->mu);
    for (uint32_t i = 0; i < s->n; i++)
        frame_unref(s->ring[(s->head + i) % t->o.queue_events]);
    frame_unref(s->cur);
    free(s->ring);
    wd_query_free(s->q);
    pthread_cond_destroy(&s->cv);
    free(s);
}

/* Drops the oldest queued frame. Hub lock held. */
static void drop_oldest(struct wd_tail_sub *s)
{
    struct wd_tail *t = s->hub;
    struct frame *f = s->ring[s->head];
    s->ring[s->head] = NULL;
    s->head = (s->head + 1) % t->o.queue_events;
    s->n--;
    s->bytes -= f->len;
    frame_unref(f);
    s->dropped_pending++;
    if (t->o.metrics)
        wd_metric_add(&t->o.metrics->tail_dropped, 1);
}

/* Queues one more reference to f. Hub lock held. */
static void enqueue(struct wd_tail_sub *s, struct frame *f)
{
    struct wd_tail *t = s->hub;
    if (f->len > t->o.queue_bytes) { /* can never fit: counts as dropped */
        s->dropped_pending++;
        if (t->o.metrics)
            wd_metric_add(&t->o.metrics->tail_dropped, 1);
        return;
    }
    while (s->n && (s->n == t->o.queue_events || s->bytes + f->len > t->o.queue_bytes))
        drop_oldest(s);
    __atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
    s->ring[(s->head + s->n) % t->o.queue_events] = f;
    s->n++;
    s->bytes += f->len;
}

struct pub_ev {
    const char *p;
    size_t len;
    struct wd_jv *v; /* NULL: undecodable (cannot match) */
    struct frame *f; /* built at the first match */
};

static uint32_t le32(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
}

void wd_tail_publish_batch(struct wd_tail *t, const char *payload, size_t len, uint32_t count,
                           uint64_t first_seq)
{
    struct wd_arena a;
    wd_arena_init(&a, (size_t)64 * 1024, 0);
    struct pub_ev *evs = wd_arena_alloc(&a, (size_t)count * sizeof(*evs) + 1);
    if (!evs)
        goto out;
    size_t off = 0;
    uint32_t n = 0;
    /* Decoding happens before taking the lock: the WAL payload is trusted (we built
     * it) but is still bounds-checked. */
    while (n < count && off + 4 <= len) {
        size_t el = le32(payload + off);
        if (el > len - off - 4)
            break;
        struct pub_ev *e = &evs[n++];
        e->p = payload + off + 4;
        e->len = el;
        e->f = NULL;
        if (wd_json_parse_compact(e->p, el, len - off - 4, t->o.max_json_depth, &a, &e->v, NULL) !=
            WD_OK)
            e->v = NULL;
        off += 4 + el;
    }
    pthread_mutex_lock(&t->mu);
    /* each event flattened once, then every subscriber's query evaluated on it (as
     * wd_query_match_jv would, which flattens it per query) */
    for (uint32_t i = 0; i < n && t->subs; i++) {
        struct pub_ev *e = &evs[i];
        if (!e->v || wd_qflat_build(&t->flat, e->v) != WD_OK)
            continue;
        for (struct wd_tail_sub *s = t->subs; s; s = s->next) {
            if (!wd_qnode_match_flat(s->q->root, &t->flat))
                continue;
            if (!e->f && !(e->f = event_frame(first_seq + i, e->p, e->len)))
                break; /* out of memory: this event is not tailed */
            enqueue(s, e->f);
            s->matched = true;
        }
    }
    for (struct wd_tail_sub *s = t->subs; s; s = s->next)
        if (s->matched) {
            s->matched = false;
            pthread_cond_signal(&s->cv);
        }
    pthread_mutex_unlock(&t->mu);
    for (uint32_t i = 0; i < n; i++)
        frame_unref(evs[i].f); /* the publisher's own reference */
out:
    wd_arena_fini(&a);
}

static bool client_gone(int fd)
{
    if (fd < 0)
        return false;
    struct pollfd p = {fd, POLLRDHUP, 0};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
}

static struct timespec abs_mono(int64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
    return ts;
}

/* Picks the next thing to send into s->cur / s->cur_p. Returns 0, -1 (end) or -2. */
static int next_frame(struct wd_tail_sub *s)
{
    struct wd_tail *t = s->hub;
    if (!s->started) {
        s->started = true;
        s->cur_p = FIRST_FRAME;
        s->cur_len = sizeof(FIRST_FRAME) - 1;
        return 0;
    }
    int rc = 0;
    int64_t hb_ns = t->o.heartbeat_ms * 1000000;
    pthread_mutex_lock(&t->mu);
    for (;;) {
        if (s->dropped_pending) {
            s->cur = dropped_frame(s->dropped_pending);
            if (s->cur) {
                s->dropped_pending = 0;
                break;
            }
        }
        if (s->n) {
            s->cur = s->ring[s->head];
            s->ring[s->head] = NULL;
            s->head = (s->head + 1) % t->o.queue_events;
            s->n--;
            s->bytes -= s->cur->len;
            break;
        }
        if (t->closing) {
            rc = -1;
            break;
        }
        int64_t now = wd_mono_ns();
        if (now - s->last_ns >= hb_ns) {
            s->cur_p = KEEPALIVE;
            s->cur_len = sizeof(KEEPALIVE) - 1;
            break;
        }
        int64_t until = WD_MIN(s->last_ns + hb_ns, now + (int64_t)IDLE_SLICE_MS * 1000000);
        struct timespec ts = abs_mono(until);
        if (pthread_cond_timedwait(&s->cv, &t->mu, &ts) != 0 && client_gone(s->fd)) {
            rc = -2;
            break;
        }
    }
    pthread_mutex_unlock(&t->mu);
    if (s->cur) {
        s->cur_p = s->cur->data;
        s->cur_len = s->cur->len;
    }
    s->cur_off = 0;
    s->last_ns = wd_mono_ns();
    return rc;
}

ssize_t wd_tail_sub_read(struct wd_tail_sub *s, char *buf, size_t max)
{
    if (!s->cur_p) {
        int rc = next_frame(s);
        if (rc)
            return rc;
    }
    size_t n = WD_MIN(max, s->cur_len - s->cur_off);
    memcpy(buf, s->cur_p + s->cur_off, n);
    s->cur_off += n;
    if (s->cur_off == s->cur_len) {
        frame_unref(s->cur);
        s->cur = NULL;
        s->cur_p = NULL;
    }
    return (ssize_t)n;
}
