/*
 * zeek_norm.h: turns a Zeek record (zeek.h) into the MozDef event MozDef's broFixup plugin
 * made of it (shared/spec/mozdef-compat.md c.1), followed by ipFixup's address split (c.7)
 * and the storage defaults (a.4): type nsm, category bro, source = log name,
 * details.sourceipaddress/sourceport/destinationipaddress/destinationport, per-log
 * defaults, renames and summary formats.
 *
 * Ward's fixes over MozDef (as a.1 and a.5 require): ISO 8601 and millisecond `ts` are
 * accepted (MozDef failed on them); a summary field that is missing renders as empty text
 * with a note in `errors` instead of losing the event.
 *
 * Invariants: pure and thread-safe; the record is modified in place and becomes
 * `details`, so it must live in (or outlive) the arena; no malloc per event except the
 * Python text of containers (jv.h).
 */
#ifndef WD_ZEEK_NORM_H
#define WD_ZEEK_NORM_H

#include <stdint.h>

#include "ward.h"

struct wd_arena;
struct wd_jv;
struct wd_norm_opts;
struct wd_buf;

/* What the caller learns about the event (lag metrics, store partition). */
struct wd_zeek_info {
    int64_t event_us; /* utctimestamp: `ts`, or now when the record has none */
    int64_t write_us; /* _write_ts when present, else INT64_MIN */
    uint32_t errors;  /* notes appended to `errors` */
};

/*
 * Converts the time members the JSON writer's TS_ISO8601 / TS_MILLIS modes produce
 * (ISO strings `YYYY-MM-DDTHH:MM:SS.ffffffZ` anywhere; integer `ts` and `_write_ts` in
 * milliseconds) into the epoch-seconds numbers with six decimals the TSV and default JSON
 * forms carry, so every form of a log gives the same record. Returns WD_OK or WD_ENOMEM.
 */
int wd_zeek_canon_times(struct wd_arena *a, struct wd_jv *rec);

/*
 * Builds the MozDef event of one record.
 * log: the log name (`conn`; the event's `source`); sensor: the sensor's host name (the
 * event's `hostname`; empty: none, a.4 makes it "UNKNOWN"). rec: the record, becomes
 * `details` (its _path member is dropped). scratch: a buffer for text rendering.
 * OUT: *out the event, *info (may be NULL). Returns WD_OK or WD_ENOMEM.
 */
int wd_zeek_norm(struct wd_arena *a, const struct wd_norm_opts *o, struct wd_str log,
                 struct wd_str sensor, struct wd_jv *rec, struct wd_buf *scratch,
                 struct wd_jv **out, struct wd_zeek_info *info);

#endif
