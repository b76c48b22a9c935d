/*
 * lag.h: pipeline lag and freshness per (sensor, log type) (shared/spec/zeek.md 6): for
 * every Zeek event ward records its receive time and observes receive - event time (`ts`)
 * and, when the record has it, receive - _write_ts (the sensor's write time, which removes
 * Zeek's own per-log logging delay). Exported as Prometheus histograms and last-seen
 * gauges (/metrics), as JSON (GET /api/v1/sources), and through the two queries below,
 * which detection rules use: lag p95 over a recent window, and the last time a sensor and
 * log type was heard from (deadman).
 *
 * Thread-safety: every function is safe to call from any thread (one mutex; observations
 * of one batch take it once per event, which is cheap next to parsing).
 * Bounds: at most WD_LAG_MAX_SERIES series; observations of further (sensor, log) pairs
 * are counted in ward_lag_series_dropped_total instead.
 */
#ifndef WD_LAG_H
#define WD_LAG_H

#include <stdint.h>

#include "ward.h"

struct wd_buf;
struct wd_lag;

#define WD_LAG_MAX_SERIES 4096

/* Kinds of lag observed. */
enum wd_lag_kind {
    WD_LAG_EVENT, /* receive - ts */
    WD_LAG_WRITE, /* receive - _write_ts */
    WD_LAG__COUNT
};

/* Returns a new table; free with wd_lag_free() (NULL is fine). */
struct wd_lag *wd_lag_new(void);
void wd_lag_free(struct wd_lag *l);

/*
 * Records one event of `log` from `sensor` received at recv_us with event time event_us
 * and write time write_us (INT64_MIN: none). Negative lags (clock skew, events from the
 * future) are counted as 0 and in the series' `future` count.
 */
void wd_lag_observe(struct wd_lag *l, struct wd_str sensor, struct wd_str log, int64_t recv_us,
                    int64_t event_us, int64_t write_us);

/*
 * The p-th percentile (0 < p < 1, e.g. 0.95) of `kind` lag in seconds over the events of
 * (sensor, log) received in the last window_s seconds before now_us (window_s <= 600),
 * estimated from log-spaced buckets (relative error below 25 %). sensor or log NULL: all
 * sensors / all logs merged. Returns WD_OK and *out_s, or WD_ENOENT when no event was
 * received in the window.
 */
int wd_lag_quantile(struct wd_lag *l, const char *sensor, const char *log, int kind, double p,
                    int64_t now_us, int window_s, double *out_s);

/* Last receive time (us) of (sensor, log); log NULL: the latest over the sensor's logs.
 * Returns WD_OK and *out_us, or WD_ENOENT when never seen. */
int wd_lag_last_seen(struct wd_lag *l, const char *sensor, const char *log, int64_t *out_us);

/* Prometheus families ward_zeek_lag_seconds{sensor,log,kind} (histogram),
 * ward_zeek_last_seen_timestamp_seconds{sensor,log}, ward_zeek_events_total{sensor,log}. */
void wd_lag_render_prom(struct wd_lag *l, struct wd_buf *out);

/* GET /api/v1/sources: {"sources":[{"sensor","log","events","last_seen","last_event_time",
 * "lag_p50_s","lag_p95_s","write_lag_p95_s" (last minute, null when idle), ...}]} */
void wd_lag_render_json(struct wd_lag *l, int64_t now_us, struct wd_buf *out);

#endif
