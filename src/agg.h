/*
 * agg.h: executes a query's pipes (query.h: stats, top, timechart, sort, head, fields)
 * over the events a search matched, and renders the resulting table as
 * {"columns":[...],"rows":[[...],...]}. The search feeds one call per matching event
 * (newest first), or one call per group of identical value combinations with a weight
 * when it can pre-aggregate (dictionary-coded columns).
 *
 * Without stats/top/timechart, the pipes work on the events themselves: each fed event is
 * a row whose columns are the `fields` list (default: utctimestamp, hostname, category,
 * summary), then sort/head apply.
 *
 * User-facing rules (row order, nulls last, nearest-rank percentiles, multi-valued group
 * keys, limits) are in docs/pipes.md. An executor is used by one thread at a time.
 */
#ifndef WD_AGG_H
#define WD_AGG_H

#include <stdbool.h>
#include <stdint.h>

#include "ward.h"

struct wd_query;
struct wd_qval;
struct wd_buf;
struct wd_agg;

/*
 * Limits (defaults; wd_agg_set_limits() changes them per executor). Reaching one makes
 * wd_agg_row() (or wd_agg_render()) return WD_ELIMIT; the caller reports "too many groups
 * or buckets". Memory stays roughly proportional to groups + entries + key bytes.
 */
#define WD_AGG_MAX_GROUPS    1000000u  /* groups of one stats/top/timechart (incl. buckets) */
#define WD_AGG_MAX_BUCKETS   10000u    /* timechart buckets between the first and the last */
#define WD_AGG_MAX_ENTRIES   16000000u /* dc() set entries + pNN() values, all groups */
#define WD_AGG_MAX_ROWS      1000000u  /* rows held in event mode / filled timechart rows */
#define WD_AGG_MAX_COMBOS    4096u /* group combinations one row's multi-valued by fields make */
#define WD_AGG_MAX_KEY_BYTES ((uint64_t)1 << 30) /* bytes of group keys + dc() values */

/* Builds an executor for q's pipes. WD_EINVAL (message in err, off = 0) when the pipes
 * cannot be combined (e.g. `| top` after `| stats` on a column that does not exist;
 * "sort: no such column", "fields: no such column", "timechart: must come before stats
 * and top", ...), WD_ENOMEM. q is only read during the call (names are copied).
 * On success the caller frees *out with wd_agg_free() (which accepts NULL). */
int wd_agg_new(const struct wd_query *q, struct wd_agg **out, struct wd_perr *err);
void wd_agg_free(struct wd_agg *a);

/* The event fields (canonical paths) the executor needs for each row; slot i of
 * wd_agg_row()'s arrays holds the values of field i. */
uint32_t wd_agg_nfields(const struct wd_agg *a);
const char *wd_agg_field(const struct wd_agg *a, uint32_t i);
/* Whether the executor needs each event's utctimestamp (timechart), i.e. whether rows
 * may not be pre-aggregated across time. */
bool wd_agg_needs_time(const struct wd_agg *a);
/* Whether rows may be fed in any order, equal ones summed into one weight first: a
 * stats/top stage (no timechart) with no `head` before it. */
bool wd_agg_any_order(const struct wd_agg *a);

/*
 * Feeds `weight` identical events: vals[i][0..nvals[i]) are the values of field i
 * (nvals[i] == 0: missing; several values: an array field, each value counts).
 * ts_us is the events' utctimestamp in microseconds. Returns WD_OK, WD_ENOENT when the
 * executor needs no more rows (a `head` without sort is full: the caller may stop), or
 * WD_ELIMIT when a limit on groups or rows was reached (the caller reports it), or
 * WD_ENOMEM. Errors are sticky: later calls and wd_agg_render() return them again.
 * The values are borrowed for the call only (whatever is kept is copied). Every function
 * honours weight (count += weight, sums and percentiles with multiplicity; dc unaffected);
 * weight 0 is ignored.
 */
int wd_agg_row(struct wd_agg *a, int64_t ts_us, const struct wd_qval *const *vals,
               const uint32_t *nvals, uint64_t weight);

/* Applies the trailing pipes and appends {"columns":[...],"rows":[...]} to out (on error
 * out keeps its length). Call once: a second call returns WD_EINVAL. */
int wd_agg_render(struct wd_agg *a, struct wd_buf *out);

/* Overrides the limits above for this executor (0 keeps a default); call before the first
 * wd_agg_row(). For tests and for a future memcap config key. */
void wd_agg_set_limits(struct wd_agg *a, uint32_t max_groups, uint32_t max_buckets,
                       uint32_t max_entries, uint32_t max_rows);

#endif
