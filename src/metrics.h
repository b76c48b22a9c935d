/*
 * metrics.h: process-wide counters, gauges and histograms exported at GET /metrics in
 * the Prometheus text format (0.0.4). Counters are relaxed atomics: cheap on the hot
 * path, exact once writers are quiet.
 */
#ifndef WD_METRICS_H
#define WD_METRICS_H

#include <stdint.h>

struct wd_buf;

enum wd_input {
    WD_IN_HTTP_EVENTS, /* /events, /nxlog, /cef */
    WD_IN_HTTP_CUSTOM, /* /custom/<app> */
    WD_IN_HTTP_BULK,   /* /_bulk, /<index>/_bulk */
    WD_IN_SYSLOG_UDP,
    WD_IN_SYSLOG_TCP,
    WD_IN_ZEEK, /* POST /api/v1/zeek and the zeek directory input */
    WD_IN_AMQP, /* the AMQP consumer (amqp_in.c) */
    WD_IN__COUNT
};

enum wd_reject {
    WD_REJ_PARSE,          /* not valid JSON / not a syslog message */
    WD_REJ_NOT_OBJECT,     /* JSON that is not an object */
    WD_REJ_BODY_TOO_LARGE, /* request body above http.max_body_bytes */
    WD_REJ_LINE_TOO_LONG,  /* event above ingest.max_line_bytes / syslog max */
    WD_REJ_DEPTH,          /* JSON nesting above ingest.max_json_depth */
    WD_REJ_BACKPRESSURE,   /* WAL queue full: 429 or dropped datagram */
    WD_REJ_BAD_ACTION,     /* bulk action line malformed or unsupported */
    WD_REJ_EMPTY,          /* empty body */
    WD_REJ_GZIP,           /* bad gzip body */
    WD_REJ_IO,             /* the WAL could not be written */
    WD_REJ_TOO_MANY,       /* more events than ingest.max_batch_events */
    WD_REJ__COUNT
};

/* Why a search request failed (ward_search_errors_total{reason}). */
enum wd_search_err {
    WD_SEARCH_ERR_PARSE,    /* the query does not parse */
    WD_SEARCH_ERR_PARAM,    /* bad from/to/limit/cursor or body */
    WD_SEARCH_ERR_INTERNAL, /* store not open, out of memory, store failure */
    WD_SEARCH_ERR__COUNT
};

#define WD_FSYNC_BUCKETS 12

struct wd_metrics {
    uint64_t received_events[WD_IN__COUNT];
    uint64_t accepted_events[WD_IN__COUNT];
    uint64_t received_bytes[WD_IN__COUNT];
    uint64_t rejected_events[WD_IN__COUNT][WD_REJ__COUNT];
    uint64_t normalize_errors;       /* events kept with a note in `errors` */
    uint64_t connections_refused[2]; /* [0] HTTP, [1] syslog TCP: over max_connections */
    uint64_t syslog_truncated;       /* TCP messages cut at syslog.max_message_bytes, kept */
    uint64_t wal_records, wal_events, wal_bytes;
    uint64_t wal_segments_recycled;              /* segments started in a recycled file */
    uint64_t wal_fsync_bucket[WD_FSYNC_BUCKETS]; /* non-cumulative counts */
    uint64_t wal_fsync_count, wal_fsync_sum_ns;
    uint64_t http_requests[6]; /* by status class 1xx..5xx, [0] unused */
    int64_t wal_queue_bytes;   /* gauge */
    int64_t wal_queue_batches; /* gauge */
    /* search and live tail (http_search.c, tail.c) */
    uint64_t search_requests;
    uint64_t search_errors[WD_SEARCH_ERR__COUNT]; /* by enum wd_search_err */
    uint64_t search_duration_sum_ns, search_duration_count;
    int64_t tail_subscribers; /* gauge */
    uint64_t tail_dropped;    /* events dropped from full subscriber queues */
    /* access control (http_auth.c) */
    uint64_t auth_denied[3]; /* 401 unauthenticated, 403 forbidden, 403 csrf */
    uint64_t logins[3];      /* success, failure, rate-limited */
    uint64_t audit_events;
    uint64_t console_requests;
};

/* Upper bounds of the fsync histogram buckets, in seconds (the last is +Inf). */
extern const double wd_fsync_bucket_le[WD_FSYNC_BUCKETS];

static inline void wd_metric_add(uint64_t *c, uint64_t n)
{
    __atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

static inline void wd_gauge_add(int64_t *g, int64_t n)
{
    __atomic_add_fetch(g, n, __ATOMIC_RELAXED);
}

void wd_metrics_observe_fsync(struct wd_metrics *m, int64_t ns);
const char *wd_input_name(int input);
const char *wd_reject_name(int reason);

/* Appends the Prometheus text exposition of every metric to out. */
int wd_metrics_render(const struct wd_metrics *m, struct wd_buf *out);

#endif
