/*
 * zeek_srv.h: the Zeek part of `ward serve`: the filter set and named lists (with the
 * reload thread that picks up list file changes), the lag table, the directory input
 * (zeek_dir.c), and the pipeline stage every Zeek input goes through:
 *   line -> record (zeek.h) -> lag observation -> filters (drop / divert) ->
 *   MozDef normalization (zeek_norm.h) -> batch -> WAL commit.
 *
 * Thread-safety: wd_zeek_ingest may run on many threads at once (one batch and reader
 * each); the filter set and lists are shared (see filter.h, lists.h); counters are
 * relaxed atomics.
 */
#ifndef WD_ZEEK_SRV_H
#define WD_ZEEK_SRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ward.h"

struct wd_buf;
struct wd_server;
struct wd_ingest_batch;
struct wd_zeek_reader;
struct wd_lag;
struct wd_lists;
struct wd_zeek_dir;

struct wd_zeek_srv {
    struct wd_lists *lists;
    struct wd_filter_set *filters; /* NULL: no zeek.filters file */
    struct wd_lag *lag;
    struct wd_zeek_dir *dir; /* NULL: no zeek.dir input */
    /* counters (relaxed atomics) */
    uint64_t records, kept, dropped, diverted, bad_lines, refused, truncated, norm_errors;
    /* list reload thread */
    bool stop;
    bool thread_started;
    uint64_t thread; /* pthread_t */
};

/* What one wd_zeek_ingest call did. */
struct wd_zeek_result {
    uint64_t records;   /* data lines that parsed */
    uint64_t accepted;  /* events made durable (kept + diverted) */
    uint64_t dropped;   /* by filters */
    uint64_t diverted;  /* to noise streams (included in accepted) */
    uint64_t bad_lines; /* lines that did not parse (counted, skipped) */
    /* the first bad line: its number in the stream, byte offset and why */
    uint64_t bad_line_no, bad_off;
    char bad_why[160];
    bool refused; /* the stream is not a Zeek log: nothing was read */
    char refused_why[160];
    int commit_rc; /* WD_OK, or the WAL's code (WD_EAGAIN: retry later) */
};

/* Loads zeek.filters (with its lists), starts the list reload thread and the directory
 * input. Prints every problem (file:line:col) and returns non-zero on failure. */
int wd_zeek_srv_start(struct wd_server *s);
void wd_zeek_srv_stop(struct wd_server *s);

/*
 * Reads the complete lines of buf[0..len) through reader r (whose state carries across
 * calls: headers, line numbers) and ingests them. A last line without '\n' is left
 * unconsumed unless `final`: then it is taken when it parses, else counted as bad (a
 * truncated last line, reported with its offset). base_off: offset of buf in the stream
 * (for error offsets). sensor: the sensor name. input: enum wd_input for the metrics.
 * Commits to the WAL every zeek.batch_events events and before returning, waiting for
 * room (the caller acknowledges only after WD_OK). OUT: *consumed bytes used, *res.
 * Returns WD_OK or the commit error (also in res->commit_rc). Bytes of buf must stay
 * alive until the call returns; the batch is reset before each use.
 */
int wd_zeek_ingest(struct wd_server *s, struct wd_zeek_reader *r, struct wd_ingest_batch *b,
                   struct wd_str sensor, const char *buf, size_t len, bool final, uint64_t base_off,
                   int input, size_t *consumed, struct wd_zeek_result *res);

/* Appends the Zeek families (filters, lists, lag, counters) to /metrics. */
void wd_zeek_srv_render_prom(struct wd_server *s, struct wd_buf *out);

#endif
