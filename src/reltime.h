/*
 * reltime.h: the time bounds of search and tail requests (`from`, `to`, `--from`):
 * absolute ISO 8601 instants, epoch numbers, `now`, and times relative to now. A pure
 * function over (buf, len): no I/O, no logging, no clock (the caller passes "now"), so
 * it is unit-tested with fixed instants and fuzzed (tests/fuzz/fuzz_reltime.c).
 */
#ifndef WD_RELTIME_H
#define WD_RELTIME_H

#include <stddef.h>
#include <stdint.h>

#include "ward.h"

/* Longest input looked at; longer ones are WD_EPARSE ("time too long"). */
#define WD_RELTIME_MAX 64

/*
 * Parses s[0..len) (need not be NUL-terminated) into microseconds since the epoch:
 *   ISO 8601      2024-05-01, 2024-05-01T10:00, 2024-05-01T10:00:00.5Z,
 *                 2024-05-01 10:00:00+02:00 (no zone = UTC; wd_time_parse_fast forms
 *                 that start with a four-digit year);
 *   epoch         up to 10 digits = seconds, 11 to 13 digits = milliseconds;
 *   now           `now` (any case);
 *   relative      [now](+|-)N(s|m|h|d|w): `-15m`, `now-1h`, `+30s`, `-7d`, `-2w`.
 * now_us: the instant `now` stands for. OUT: *out_us (only written on success).
 * Returns WD_OK, or WD_EPARSE with err->off (byte column, 0-based) and err->msg (a
 * constant naming what was expected). Results outside years 1..9999 are WD_EPARSE.
 * Pure and thread-safe. err may be NULL.
 */
int wd_reltime_parse(const char *s, size_t len, int64_t now_us, int64_t *out_us,
                     struct wd_perr *err);

#endif
