/*
 * amqp_int.h: what the AMQP files share: the URL parser (amqp_url.c), connection set-up
 * and error text over librabbitmq (amqp_conn.c), the disk-backed retry queue
 * (amqp_queue.c), and the input/output threads' state (amqp_in.c, amqp_out.c, amqp_srv.c).
 */
#ifndef WD_AMQP_INT_H
#define WD_AMQP_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <amqp.h>

#include "ward.h"

struct wd_server;
struct wd_buf;

/* ---- amqp_url.c ---- */

#define WD_AMQP_FIELD 256

/* amqp://[user[:pass]@]host[:port][/vhost], percent-decoded; no query, no amqps. */
struct wd_amqp_url {
    char host[WD_AMQP_FIELD];
    int port;
    char user[WD_AMQP_FIELD];
    char pass[WD_AMQP_FIELD];
    char vhost[WD_AMQP_FIELD];
};

/* Parses p[0..len). WD_OK, or WD_EINVAL with a message in err (never echoes the password). */
int wd_amqp_url_parse(const char *p, size_t len, struct wd_amqp_url *u, char *err, size_t err_len);

/* ---- amqp_conn.c ---- */

/* Opens a connection and channel 1 (timeout for the TCP connect and every RPC).
 * NULL with a message in err. */
amqp_connection_state_t wd_amqp_connect(const struct wd_amqp_url *u, int timeout_ms, char *err,
                                        size_t err_len);
/* Closes channel and connection (best effort) and frees the state. NULL is fine. */
void wd_amqp_disconnect(amqp_connection_state_t c);
/* WD_OK for a normal reply, else WD_EIO with a text in err. */
int wd_amqp_check(amqp_rpc_reply_t r, const char *what, char *err, size_t err_len);
/* Declares a durable exchange of `type` (direct, topic, fanout). */
int wd_amqp_declare_exchange(amqp_connection_state_t c, const char *name, const char *type,
                             char *err, size_t err_len);
/* Declares a durable queue and binds it to exchange with key (exchange "" = no binding).
 * *messages (may be NULL): messages ready in the queue. */
int wd_amqp_declare_queue(amqp_connection_state_t c, const char *queue, const char *exchange,
                          const char *key, uint32_t *messages, char *err, size_t err_len);
/* Delay before reconnect attempt n (0-based): 100 ms doubling, at most max_ms. */
int64_t wd_amqp_backoff_ms(uint32_t attempt, int64_t max_ms);
/* Publishes one persistent JSON message (no wait). */
int wd_amqp_publish(amqp_connection_state_t c, const char *exchange, const char *key,
                    const void *body, size_t len);
/* Waits for the publisher confirms of delivery tags (from, upto]. WD_OK, WD_EAGAIN when
 * the broker nacked one (publish again), WD_EIO on a connection error or timeout. */
int wd_amqp_wait_confirms(amqp_connection_state_t c, uint64_t from, uint64_t upto, int timeout_ms,
                          char *err, size_t err_len);

/* ---- amqp_queue.c ----
 * DATA/amqp/alerts.q: records {u32 len, u32 crc32(seq, body), u64 seq, body}, appended and
 * fdatasync'd; alerts.ack holds the highest seq published and confirmed (or dropped) as
 * {u64 seq, u64 ~seq}. Records at or below it are consumed. Bounded by max_bytes: when
 * an append does not fit, consumed space is compacted away, then the oldest records are
 * dropped (counted). A torn tail (crash during an append) is cut at open. */

struct wd_amqp_q;

struct wd_amqp_q_stats {
    uint64_t depth, bytes; /* records and bytes waiting */
    uint64_t dropped;      /* records dropped because the queue was full */
    uint64_t torn;         /* bytes cut from a torn or corrupt tail at open */
    uint64_t appended;
};

int wd_amqp_q_open(const char *dir, uint64_t max_bytes, struct wd_amqp_q **out, char *err,
                   size_t err_len);
void wd_amqp_q_close(struct wd_amqp_q *q);
/* Appends n bodies in order with one write and one fdatasync. WD_OK or WD_EIO. */
int wd_amqp_q_append(struct wd_amqp_q *q, const struct wd_str *bodies, uint32_t n);
/* Copies up to max waiting records, oldest first, into out as (u32 len, body) pairs.
 * *n records; *last_seq the seq of the last one. */
int wd_amqp_q_peek(struct wd_amqp_q *q, uint32_t max, struct wd_buf *out, uint32_t *n,
                   uint64_t *last_seq);
/* Removes every record with seq <= upto (published and confirmed). */
int wd_amqp_q_pop(struct wd_amqp_q *q, uint64_t upto);
void wd_amqp_q_stats(struct wd_amqp_q *q, struct wd_amqp_q_stats *st);

/* ---- the service (amqp_srv.c, amqp_in.c, amqp_out.c) ---- */

struct wd_amqp_in_stats {
    uint64_t consumed, acked, rejected, redelivered, batches;
    uint64_t reconnects, connect_failures;
    int64_t connected;
};

struct wd_amqp_out_stats {
    uint64_t published, confirmed, nacked;
    uint64_t reconnects, connect_failures;
    int64_t connected;
};

struct wd_amqp {
    struct wd_server *s;
    struct wd_amqp_url url;
    volatile int stopping;
    pthread_t in_thr, out_thr;
    bool in_started, out_started;
    struct wd_amqp_q *q;          /* alerts retry queue; NULL when output is off */
    struct wd_amqp_in_stats in;   /* relaxed atomics */
    struct wd_amqp_out_stats out; /* relaxed atomics */
};

void *wd_amqp_in_main(void *arg);
void *wd_amqp_out_main(void *arg);

/* One side's connection bookkeeping (relaxed atomics in the side's stats). */
struct wd_amqp_link {
    const char *side;  /* "input" / "output", for the log */
    const char *doing; /* e.g. "consuming queue eventtask", for the log */
    uint64_t *reconnects, *connect_failures;
    int64_t *connected;
    amqp_connection_state_t (*setup)(struct wd_amqp *a, char *err, size_t err_len);
    void (*run)(struct wd_amqp *a, amqp_connection_state_t c, void *arg); /* until lost */
    void *arg;
};
/* Connects, runs and reconnects with backoff (amqp.reconnect_max_ms) until stopping;
 * counts reconnects and failed attempts. */
void wd_amqp_link_loop(struct wd_amqp *a, const struct wd_amqp_link *l);
/* Sleeps ms in short steps; returns false when stopping. */
bool wd_amqp_nap(struct wd_amqp *a, int64_t ms);

#endif
