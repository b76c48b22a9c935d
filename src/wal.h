/*
 * wal.h: the write-ahead log, ward's acknowledgement point. Inputs submit batches of
 * serialized events; one writer thread appends every waiting batch with a single write
 * and (by policy) one fdatasync — group commit — then wakes the submitters. A batch
 * is acknowledged to its client only after wd_wal_submit() returns WD_OK.
 *
 * Every event gets a sequence number (its stable id) from a counter that survives
 * restarts. On-disk format (little endian), one segment file per 64 MiB,
 * named <first-seq as 16 hex digits>.wal, a sequence of records:
 *
 *   offset size  field
 *   0      4     magic "WDW2" (or "WDW1", see below)
 *   4      4     payload length in bytes
 *   8      8     sequence number of the first event
 *   16     4     event count
 *   20     4     WDW2: CRC-32C (Castagnoli, crc32c.h) of the payload, then of bytes 0..19
 *                WDW1: CRC-32 (zlib) of bytes 0..19, then of the payload
 *   24     n     payload: count x (u32 length, event bytes)
 *
 * The magic versions each record. New records are WDW2 (the checksum runs on the CPU's
 * crc32 instruction, and the payload part is summed before the header is known); every
 * reader (recovery, wd_wal_iter_*, wd_wal_tail_*) also accepts WDW1 records, as written
 * by earlier versions, so a segment may hold WDW1 records followed by WDW2 ones.
 *
 * Records of a segment are consecutive: each starts at the sequence number after the
 * previous one, the first at the segment's name. A recycled segment file (see
 * wd_wal_remove_upto) holds older records past the log's end until overwritten; their
 * sequence numbers are below the segment's name, and every reader stops at them.
 *
 * Recovery at open scans the newest segment and truncates a torn last record (or a
 * recycled file's older records). A follower (wd_wal_tail_*) reads a live log up to the
 * durable sequence number for the store.
 */
#ifndef WD_WAL_H
#define WD_WAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WD_WAL_HDR_BYTES 24

struct wd_wal;
struct wd_metrics;

struct wd_wal_opts {
    const char *dir;            /* directory for segment files (created when missing) */
    int durability;             /* enum wd_durability (cfg.h) */
    uint64_t segment_bytes;     /* roll to a new segment past this size */
    uint64_t queue_max_bytes;   /* backpressure threshold for waiting batches */
    int fsync_interval_ms;      /* WD_DUR_ASYNC only */
    struct wd_metrics *metrics; /* borrowed; may be NULL */
};

/* A batch submitted by an input. The payload is count x (u32 len, bytes). */
struct wd_wal_req {
    const char *payload; /* borrowed until wd_wal_submit returns */
    size_t len;
    uint32_t count;
    uint64_t first_seq; /* OUT: sequence number of the first event */
    /* private to wal.c */
    struct wd_wal_req *next;
    uint32_t payload_crc;
    int state;
    int rc;
    unsigned char hdr[WD_WAL_HDR_BYTES];
};

/* Opens (and recovers) the log in opts->dir and starts its writer thread.
 * Returns WD_OK and *out, or a negative code with a message in err. */
int wd_wal_open(const struct wd_wal_opts *opts, struct wd_wal **out, char *err, size_t err_len);
/* Stops the writer after committing what is queued, and frees the log. NULL is fine. */
void wd_wal_close(struct wd_wal *w);

/*
 * Appends one batch and waits until it is durable under the policy. When the queue is
 * full: with `wait_for_space` the call blocks until there is room (syslog TCP), else it
 * returns WD_EAGAIN at once (HTTP answers 429). WD_EIO when the log cannot be written.
 * Thread-safe.
 */
int wd_wal_submit(struct wd_wal *w, struct wd_wal_req *req, bool wait_for_space);

/* The next sequence number the log will assign, and bytes currently queued. */
uint64_t wd_wal_next_seq(struct wd_wal *w);
uint64_t wd_wal_queued_bytes(struct wd_wal *w);
/* The highest sequence number whose event is written under the durability policy (0 when
 * none): readers of the log (the store) never go beyond it. Lock-free. */
uint64_t wd_wal_durable_seq(struct wd_wal *w);

/* Appends the u32 length prefix and an event to a payload buffer being built. */
struct wd_buf;
int wd_wal_payload_add(struct wd_buf *payload, const char *ev, size_t len);
/* The same, for an event serialized straight into the payload: _begin appends the length
 * prefix and sets *at; the caller appends the event's bytes; _end fills in the length
 * (WD_ELIMIT beyond UINT32_MAX). To drop a begun event, set payload->len back to *at. */
int wd_wal_payload_begin(struct wd_buf *payload, size_t *at);
int wd_wal_payload_end(struct wd_buf *payload, size_t at);

/* Sequential reader over every record of a log directory, oldest first. */
struct wd_wal_iter;
int wd_wal_iter_open(const char *dir, struct wd_wal_iter **out);
/* Returns WD_OK with the next event (borrowed until the next call), WD_ENOENT at the end,
 * WD_ECORRUPT when a record fails its checksum (err says where). */
int wd_wal_iter_next(struct wd_wal_iter *it, uint64_t *seq, const char **ev, size_t *len, char *err,
                     size_t err_len);
void wd_wal_iter_close(struct wd_wal_iter *it);

/*
 * Follower of a live log (wal_tail.c): reads events from sequence number `from` on,
 * following segment rolls, never past a limit the caller gives (the durable sequence
 * number). Used by the store both for start-up replay and in normal operation.
 */
struct wd_wal_tail;
int wd_wal_tail_open(const char *dir, uint64_t from, struct wd_wal_tail **out, char *err,
                     size_t err_len);
/* Returns WD_OK with the next event (borrowed until the next call), WD_EAGAIN when the
 * next event is beyond `limit` or not written yet, WD_ECORRUPT/WD_EIO with err set. */
int wd_wal_tail_next(struct wd_wal_tail *t, uint64_t limit, uint64_t *seq, const char **ev,
                     size_t *len, char *err, size_t err_len);
/* Bytes readable from ev, the last event wd_wal_tail_next gave (until the next call): its
 * length and at least WD_WAL_TAIL_PAD more, so a JSON parser may read past its end. */
#define WD_WAL_TAIL_PAD 64
size_t wd_wal_tail_readable(const struct wd_wal_tail *t, const char *ev);
void wd_wal_tail_close(struct wd_wal_tail *t);
/* Removes the segments all of whose events are <= seq (never the newest). Up to `keep`
 * of them are kept for reuse instead of deleted: renamed "recycled-*.wal", the writer
 * overwrites one when it next starts a segment (see open_segment in wal.c). Returns how
 * many segments were removed, or a negative code. */
int wd_wal_remove_upto(const char *dir, uint64_t seq, unsigned keep);

#endif
