/*
 * tail.h: live tail. A hub of subscribers, each with a compiled query and a bounded
 * queue of ready-to-send Server-Sent Events frames. wd_ingest_commit() publishes every
 * batch the write-ahead log accepted; the hub decodes and flattens each event once per
 * publish, evaluates every subscriber's query on it (wd_qnode_match_flat(), as
 * wd_query_match_jv() would) and queues the matches.
 * A subscriber whose queue is full loses its oldest events (counted, and announced in
 * its stream), so a slow client never slows ingest down.
 *
 * Threads: publishers are ingest threads (HTTP connection threads, syslog workers);
 * each subscriber is read by its own HTTP connection thread (libmicrohttpd runs one
 * thread per connection, so the reader may block). One mutex guards the subscriber list
 * and every queue; publishing without subscribers costs one relaxed atomic load.
 *
 * Ordering: the events of one batch are queued in sequence order; batches committed
 * concurrently by different inputs are queued in the order they are published, which
 * may differ from their sequence order by the few batches in flight.
 */
#ifndef WD_TAIL_H
#define WD_TAIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ward.h"

struct wd_query;
struct wd_metrics;

struct wd_tail_opts {
    uint32_t max_subscribers;   /* more subscriptions: WD_ELIMIT (HTTP 503) */
    uint32_t queue_events;      /* per subscriber, events waiting to be sent */
    size_t queue_bytes;         /* per subscriber, bytes of frames waiting to be sent */
    int64_t heartbeat_ms;       /* ": keepalive" comment after this long without a frame */
    uint32_t max_json_depth;    /* decoding published events */
    struct wd_metrics *metrics; /* borrowed; may be NULL */
};

/* The part of the hub wd_tail_publish() reads without calling into tail.c. */
struct wd_tail_head {
    int nsubs; /* current subscribers (atomic) */
};

struct wd_tail;
struct wd_tail_sub;

/* Returns a new hub; the caller frees it with wd_tail_free(). */
struct wd_tail *wd_tail_new(const struct wd_tail_opts *o);
/* Wakes every subscriber so its stream ends, and refuses new ones (WD_EAGAIN). Call it
 * before stopping the HTTP daemon so connection threads do not wait for a heartbeat. */
void wd_tail_shutdown(struct wd_tail *t);
/* Frees the hub. Every subscriber must have been released (wd_tail_sub_free) before.
 * NULL is fine. */
void wd_tail_free(struct wd_tail *t);

/*
 * Adds a subscriber. Takes ownership of `q` (freed with the subscriber, also on
 * failure). sock_fd: the client's socket, polled for a hang-up while the stream is
 * idle (-1: none). Returns WD_OK and *out, WD_ELIMIT when max_subscribers are
 * connected, WD_EAGAIN after wd_tail_shutdown(). Thread-safe.
 */
int wd_tail_subscribe(struct wd_tail *t, struct wd_query *q, int sock_fd, struct wd_tail_sub **out);

/*
 * Fills buf with up to max bytes of the subscriber's stream: pending frames, a
 * `event: dropped` frame after an overflow, or a ": keepalive" comment after
 * heartbeat_ms of silence. Blocks until one of those is available. Returns the byte
 * count (> 0), or -1 when the stream is over (hub shut down) and -2 when the client
 * hung up (the values of MHD_CONTENT_READER_END_OF_STREAM / _END_WITH_ERROR). Call from
 * the subscriber's one reader thread only.
 */
ssize_t wd_tail_sub_read(struct wd_tail_sub *sub, char *buf, size_t max);

/* Removes the subscriber from its hub and frees it with its queue and query. NULL is
 * fine. Thread-safe with publishers. */
void wd_tail_sub_free(struct wd_tail_sub *sub);

/* Publishes a committed batch: payload is count x (u32 little-endian length, event
 * JSON) as in wal.h; first_seq the id of its first event. Borrowed for the call. */
void wd_tail_publish_batch(struct wd_tail *t, const char *payload, size_t len, uint32_t count,
                           uint64_t first_seq);

/* The hot-path entry: a no-op costing one relaxed load while nobody is subscribed. */
static inline void wd_tail_publish(struct wd_tail *t, const char *payload, size_t len,
                                   uint32_t count, uint64_t first_seq)
{
    if (t && __atomic_load_n(&((struct wd_tail_head *)t)->nsubs, __ATOMIC_RELAXED) > 0)
        wd_tail_publish_batch(t, payload, len, count, first_seq);
}

#endif
