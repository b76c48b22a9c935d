/*
 * metrics.c: Prometheus text rendering of struct wd_metrics and the fsync histogram.
 */
#include "metrics.h"
#include "mem.h"
#include "ward.h"

const double wd_fsync_bucket_le[WD_FSYNC_BUCKETS] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 1.0, 1e300,
};

static const char *const input_names[WD_IN__COUNT] = {
    "http_events", "http_custom", "http_bulk", "syslog_udp", "syslog_tcp", "zeek", "amqp",
};

static const char *const reject_names[WD_REJ__COUNT] = {
    "parse", "not_object",   "body_too_large",  "line_too_long",
    "depth", "backpressure", "bad_action",      "empty",
    "gzip",  "io",           "too_many_events",
};

const char *wd_input_name(int input)
{
    return input_names[input];
}

const char *wd_reject_name(int reason)
{
    return reject_names[reason];
}

void wd_metrics_observe_fsync(struct wd_metrics *m, int64_t ns)
{
    double s = (double)ns / 1e9;
    int b = 0;
    while (b < WD_FSYNC_BUCKETS - 1 && s > wd_fsync_bucket_le[b])
        b++;
    wd_metric_add(&m->wal_fsync_bucket[b], 1);
    wd_metric_add(&m->wal_fsync_count, 1);
    wd_metric_add(&m->wal_fsync_sum_ns, (uint64_t)ns);
}

static uint64_t ld(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void family(struct wd_buf *o, const char *name, const char *type, const char *help)
{
    wd_buf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void per_input(struct wd_buf *o, const char *name, const char *help, const uint64_t *v)
{
    family(o, name, "counter", help);
    for (int i = 0; i < WD_IN__COUNT; i++)
        wd_buf_printf(o, "%s{input=\"%s\"} %llu\n", name, input_names[i],
                      (unsigned long long)ld(&v[i]));
}

static const char *const search_err_names[WD_SEARCH_ERR__COUNT] = {"parse", "param", "internal"};

/* Search and live-tail families. */
static int render_api(const struct wd_metrics *m, struct wd_buf *o)
{
    family(o, "ward_search_requests_total", "counter", "Search requests received.");
    wd_buf_printf(o, "ward_search_requests_total %llu\n",
                  (unsigned long long)ld(&m->search_requests));
    family(o, "ward_search_errors_total", "counter", "Search requests that failed, by reason.");
    for (int i = 0; i < WD_SEARCH_ERR__COUNT; i++)
        wd_buf_printf(o, "ward_search_errors_total{reason=\"%s\"} %llu\n", search_err_names[i],
                      (unsigned long long)ld(&m->search_errors[i]));
    family(o, "ward_search_duration_seconds", "summary", "Time spent answering searches.");
    wd_buf_printf(o, "ward_search_duration_seconds_sum %.9f\n",
                  (double)ld(&m->search_duration_sum_ns) / 1e9);
    wd_buf_printf(o, "ward_search_duration_seconds_count %llu\n",
                  (unsigned long long)ld(&m->search_duration_count));
    family(o, "ward_tail_subscribers", "gauge", "Live-tail streams currently connected.");
    wd_buf_printf(o, "ward_tail_subscribers %lld\n",
                  (long long)__atomic_load_n(&m->tail_subscribers, __ATOMIC_RELAXED));
    family(o, "ward_tail_dropped_total", "counter",
           "Events dropped from live-tail queues of clients that read too slowly.");
    return wd_buf_printf(o, "ward_tail_dropped_total %llu\n",
                         (unsigned long long)ld(&m->tail_dropped));
}

int wd_metrics_render(const struct wd_metrics *m, struct wd_buf *o)
{
    per_input(o, "ward_events_received_total", "Events received per input.", m->received_events);
    per_input(o, "ward_events_accepted_total", "Events durable in the WAL per input.",
              m->accepted_events);
    per_input(o, "ward_received_bytes_total", "Bytes received per input.", m->received_bytes);
    family(o, "ward_events_rejected_total", "counter", "Events rejected per input and reason.");
    for (int i = 0; i < WD_IN__COUNT; i++)
        for (int r = 0; r < WD_REJ__COUNT; r++)
            wd_buf_printf(o, "ward_events_rejected_total{input=\"%s\",reason=\"%s\"} %llu\n",
                          input_names[i], reject_names[r],
                          (unsigned long long)ld(&m->rejected_events[i][r]));
    family(o, "ward_normalize_errors_total", "counter",
           "Events kept with a normalization note in their errors field.");
    wd_buf_printf(o, "ward_normalize_errors_total %llu\n",
                  (unsigned long long)ld(&m->normalize_errors));
    family(o, "ward_connections_refused_total", "counter",
           "Connections refused because a connection limit was reached.");
    wd_buf_printf(o, "ward_connections_refused_total{listener=\"http\"} %llu\n",
                  (unsigned long long)ld(&m->connections_refused[0]));
    wd_buf_printf(o, "ward_connections_refused_total{listener=\"syslog_tcp\"} %llu\n",
                  (unsigned long long)ld(&m->connections_refused[1]));
    family(o, "ward_syslog_truncated_total", "counter",
           "Syslog TCP messages longer than syslog.max_message_bytes, kept truncated.");
    wd_buf_printf(o, "ward_syslog_truncated_total %llu\n",
                  (unsigned long long)ld(&m->syslog_truncated));
    family(o, "ward_auth_denied_total", "counter",
           "Requests refused by access control (docs/security.md).");
    static const char *const denied[] = {"unauthenticated", "forbidden", "csrf"};
    for (int i = 0; i < 3; i++)
        wd_buf_printf(o, "ward_auth_denied_total{reason=\"%s\"} %llu\n", denied[i],
                      (unsigned long long)ld(&m->auth_denied[i]));
    family(o, "ward_logins_total", "counter", "Console login attempts by result.");
    static const char *const logins[] = {"success", "failure", "rate_limited"};
    for (int i = 0; i < 3; i++)
        wd_buf_printf(o, "ward_logins_total{result=\"%s\"} %llu\n", logins[i],
                      (unsigned long long)ld(&m->logins[i]));
    family(o, "ward_audit_events_total", "counter", "Audit events written (category audit).");
    wd_buf_printf(o, "ward_audit_events_total %llu\n", (unsigned long long)ld(&m->audit_events));
    family(o, "ward_console_requests_total", "counter", "Console assets served.");
    wd_buf_printf(o, "ward_console_requests_total %llu\n",
                  (unsigned long long)ld(&m->console_requests));
    family(o, "ward_http_requests_total", "counter", "HTTP responses by status class.");
    for (int c = 1; c <= 5; c++)
        wd_buf_printf(o, "ward_http_requests_total{code=\"%dxx\"} %llu\n", c,
                      (unsigned long long)ld(&m->http_requests[c]));
    family(o, "ward_wal_records_total", "counter", "Records appended to the write-ahead log.");
    wd_buf_printf(o, "ward_wal_records_total %llu\n", (unsigned long long)ld(&m->wal_records));
    family(o, "ward_wal_events_total", "counter", "Events appended to the write-ahead log.");
    wd_buf_printf(o, "ward_wal_events_total %llu\n", (unsigned long long)ld(&m->wal_events));
    family(o, "ward_wal_bytes_total", "counter", "Bytes appended to the write-ahead log.");
    wd_buf_printf(o, "ward_wal_bytes_total %llu\n", (unsigned long long)ld(&m->wal_bytes));
    family(
        o, "ward_wal_segments_recycled_total", "counter",
        "Write-ahead log segments started by overwriting a consumed one (wal.recycle_segments).");
    wd_buf_printf(o, "ward_wal_segments_recycled_total %llu\n",
                  (unsigned long long)ld(&m->wal_segments_recycled));
    family(o, "ward_wal_fsync_seconds", "histogram", "Latency of write-ahead log fsyncs.");
    uint64_t cum = 0;
    for (int b = 0; b < WD_FSYNC_BUCKETS; b++) {
        cum += ld(&m->wal_fsync_bucket[b]);
        if (b == WD_FSYNC_BUCKETS - 1)
            wd_buf_printf(o, "ward_wal_fsync_seconds_bucket{le=\"+Inf\"} %llu\n",
                          (unsigned long long)cum);
        else
            wd_buf_printf(o, "ward_wal_fsync_seconds_bucket{le=\"%g\"} %llu\n",
                          wd_fsync_bucket_le[b], (unsigned long long)cum);
    }
    wd_buf_printf(o, "ward_wal_fsync_seconds_sum %.9f\n", (double)ld(&m->wal_fsync_sum_ns) / 1e9);
    wd_buf_printf(o, "ward_wal_fsync_seconds_count %llu\n",
                  (unsigned long long)ld(&m->wal_fsync_count));
    family(o, "ward_wal_queue_bytes", "gauge", "Bytes of events waiting for the WAL writer.");
    wd_buf_printf(o, "ward_wal_queue_bytes %lld\n",
                  (long long)__atomic_load_n(&m->wal_queue_bytes, __ATOMIC_RELAXED));
    family(o, "ward_wal_queue_batches", "gauge", "Batches waiting for the WAL writer.");
    wd_buf_printf(o, "ward_wal_queue_batches %lld\n",
                  (long long)__atomic_load_n(&m->wal_queue_batches, __ATOMIC_RELAXED));
    return render_api(m, o);
}
