/*
 * store.h: ward's event store. Events are read from the write-ahead log (never handed
 * over by inputs, so recovery and normal operation are one code path), batched in memory
 * and published at least every store.flush_interval_ms as immutable, columnar,
 * zstd-compressed part files under DIR/events-YYYYMMDD/ (UTC day of utctimestamp).
 * A checkpoint file records the last WAL sequence number whose events are all in parts;
 * start-up replays the WAL after it. Background merges keep the part count low.
 * Searches read parts only (readers never block the writer).
 *
 * Format and crash-safety rules: store_fmt.h. Search execution: store_search.c.
 */
#ifndef WD_STORE_H
#define WD_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "ward.h"

struct wd_store;
struct wd_wal;
struct wd_metrics;
struct wd_query;
struct wd_buf;

struct wd_store_opts {
    const char *dir;           /* store directory (created when missing) */
    const char *wal_dir;       /* write-ahead log to read events from */
    int64_t flush_interval_ms; /* events searchable within this time of being durable */
    int64_t retention_days;    /* 0 = keep forever: partitions older than this are deleted */
    int64_t retention_bytes;   /* 0 = no limit: oldest partitions deleted beyond this total */
    int64_t alert_retention_days;
    int64_t divert_retention_days; /* divert-YYYYMMDD partitions (filters' noise streams) */
    bool truncate_wal;             /* delete WAL segments whose events are all in parts */
    unsigned wal_recycle;          /* of those, how many to keep for reuse (wal.h) */
    int64_t ingest_threads;        /* threads parsing and shredding events (default 1) */
    struct wd_metrics *metrics;    /* borrowed; may be NULL */
    /* WAL segments with events after wal_hold() are kept (the detection engine's
     * position); NULL = only the store's checkpoint counts. */
    uint64_t (*wal_hold)(void *arg);
    void *wal_hold_arg;
};

/* Opens the store (recovering from a crash: incomplete parts are removed and the WAL is
 * replayed after the checkpoint) and starts its threads. `wal` gives the durable
 * sequence number the reader may go up to; NULL for read-only use (CLI tools). */
int wd_store_open(const struct wd_store_opts *opts, struct wd_wal *wal, struct wd_store **out,
                  char *err, size_t err_len);
/* Flushes what is buffered, stops the threads and frees the store. NULL is fine. */
void wd_store_close(struct wd_store *st);

/* Budget of the decompressed-chunk cache shared by searches (store.cache_bytes). */
extern size_t wd_store_cache_bytes;

/* The cache's lookups that found a chunk, those that loaded one, and its bytes now. */
void wd_store_cache_stats(uint64_t *hits, uint64_t *misses, uint64_t *bytes);
/* Threads one search reads and evaluates blocks with (store.search_threads). */
extern int wd_store_search_threads;

/* Every event with a sequence number <= this is searchable. */
uint64_t wd_store_indexed_seq(struct wd_store *st);

/* Whether a background merge is being written right now. */
bool wd_store_merging(struct wd_store *st);

/* Counters for /metrics and `ward store stats`. */
void wd_store_stats(struct wd_store *st, uint64_t *parts, uint64_t *bytes, uint64_t *rows,
                    uint64_t *merges, uint64_t *corrupt);
/* Flushing since start (for /metrics). */
struct wd_store_flush_stats {
    uint64_t flushes;     /* flushes published */
    uint64_t unpublished; /* events shredded since the last flush (not yet searchable) */
    uint64_t failures;    /* flushes that failed */
    uint64_t reread;      /* events shredded, then dropped by a failure (read again) */
};
void wd_store_flush_stats(struct wd_store *st, struct wd_store_flush_stats *out);
/* Merge work since start: blocks copied as they were, rows rebuilt from small blocks. */
void wd_store_merge_stats(struct wd_store *st, uint64_t *blocks_copied, uint64_t *rows_rebuilt);

/* A search request. from/to bound utctimestamp (inclusive, microseconds). */
struct wd_search {
    const struct wd_query *q;
    int64_t from_us, to_us; /* INT64_MIN / INT64_MAX when open */
    uint32_t limit;         /* hits per page (ignored for pipe queries) */
    const char *cursor;     /* next_cursor of the previous page, or NULL */
    const char *index;      /* partition prefix: NULL or "events" (default), "alerts" */
};

/*
 * Runs a search and appends the JSON answer to out:
 *   hits:  {"total":N,"took_ms":T,"hits":[{"_id":"SEQ","_index":"events-YYYYMMDD",
 *           "_source":{...}}],"next_cursor":"..."|null}, newest first;
 *   pipes: {"took_ms":T,"columns":[...],"rows":[[...]]}.
 * Returns WD_OK, WD_EINVAL (bad cursor or pipes; err->msg says why) or WD_ENOMEM.
 * A corrupt part is skipped (logged and counted once), never fatal. Thread-safe.
 */
int wd_store_search(struct wd_store *st, const struct wd_search *req, struct wd_buf *out,
                    struct wd_perr *err);

/* `ward store ...`, `ward archive`, `ward restore` (store_cli.c). */
int wd_store_main(int argc, char **argv);
int wd_archive_main(int argc, char **argv);
int wd_restore_main(int argc, char **argv);

#endif
