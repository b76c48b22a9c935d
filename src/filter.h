/*
 * filter.h: declarative per-log filters applied to Zeek records before normalization and
 * storage ("cut logs without mercy"): each filter names the logs it applies to, an action
 * (drop, or divert to a low-retention stream such as dns-noise) and conditions on field
 * values: equality and sets of values, port/proto sets, POSIX extended regexes, CIDR
 * membership, local-vs-remote networks and named lists (lists.h). The first filter whose
 * conditions hold decides; records no filter matches are kept. docs/zeek.md describes the
 * YAML format; filters/mozilla.yaml is Mozilla's set.
 *
 * Invariants: a filter set is immutable once loaded and shared by every ingest thread;
 * only its counters (relaxed atomics) change. Errors name file:line:col.
 */
#ifndef WD_FILTER_H
#define WD_FILTER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ward.h"

struct wd_buf;
struct wd_jv;
struct wd_lists;
struct wd_filter_set;

enum wd_filter_action { WD_FILTER_KEEP, WD_FILTER_DROP, WD_FILTER_DIVERT };

/*
 * Parses a filter file's text. name: shown in errors (the path). dir: directory that
 * relative list file names are taken from (NULL: the current directory). lists: the
 * registry the file's `lists:` section is added to (its named lists are then usable by
 * filters; lists defined before are too). Every error is printed to errs as
 * "name:line:col: what" and counted. Returns the number of errors; on 0, *out is a new
 * set (free with wd_filter_set_free).
 */
int wd_filter_parse(const char *name, const char *text, size_t len, const char *dir,
                    struct wd_lists *lists, struct wd_filter_set **out, FILE *errs);

/* Reads and parses a filter file (see wd_filter_parse). */
int wd_filter_load(const char *path, struct wd_lists *lists, struct wd_filter_set **out,
                   FILE *errs);

void wd_filter_set_free(struct wd_filter_set *fs);

/*
 * Evaluates the set on one record of log `log`. Returns enum wd_filter_action; for
 * WD_FILTER_DIVERT *divert_to is the stream name (borrowed from the set). Counts the
 * match on the deciding filter. Thread-safe.
 */
int wd_filter_eval(struct wd_filter_set *fs, struct wd_str log, const struct wd_jv *rec,
                   const char **divert_to);

/* Number of filters, for tests and the start-up log line. */
size_t wd_filter_count(const struct wd_filter_set *fs);

/* Prometheus: ward_filter_{matched,dropped,diverted}_total{filter,log}. */
void wd_filter_render_prom(const struct wd_filter_set *fs, struct wd_buf *out);

#endif
