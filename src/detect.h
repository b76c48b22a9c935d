/*
 * detect.h: detection inside `ward serve`: one thread follows the write-ahead log (from
 * its own checkpoint, so a restart resumes where it stopped), feeds every acknowledged
 * event to the engine, ticks it, and sinks each alert: into the WAL (so it is durable and
 * lands in the alerts-YYYYMM partitions), to the alert stream (SSE), to the alert state
 * table (status, acknowledgements) and to the configured actions (webhooks).
 */
#ifndef WD_DETECT_H
#define WD_DETECT_H

#include <stdbool.h>
#include <stdint.h>

#include "ward.h"

struct wd_server;
struct wd_detect;
struct wd_engine;
struct wd_buf;

int wd_detect_start(struct wd_server *s, struct wd_detect **out, char *err, size_t err_len);
void wd_detect_stop(struct wd_detect *d);

/* Reloads the rule directory; keeps the state of unchanged rules. On errors the old
 * rules stay and msg (file:line:col lines) says why: WD_EINVAL. */
int wd_detect_reload(struct wd_detect *d, struct wd_buf *msg);

/* The WAL sequence number the engine has processed (its lag, for backpressure). */
uint64_t wd_detect_seq(const struct wd_detect *d);
/* The WAL must be kept after this: a restart re-reads from the next event. */
uint64_t wd_detect_hold(const struct wd_detect *d);
struct wd_engine *wd_detect_engine(struct wd_detect *d);

/* The alert status table (alert_state.h). */
struct wd_alert_state *wd_detect_state(struct wd_detect *d);

/* Appends the /metrics lines of detection. */
void wd_detect_metrics(struct wd_detect *d, struct wd_buf *out);

#endif
