/*
 * wd_time.h: ward's time handling: int64 microseconds UTC <-> civil dates, IANA time zones
 * (TZif files plus their POSIX TZ footer, and fixed offsets), MozDef's toUTC() rules for
 * JSON values and strings (shared/spec/mozdef-compat.md section b), and the Python
 * isoformat() rendering every stored timestamp uses.
 *
 * Named wd_time.h, not time.h, so it cannot shadow the C library's <time.h> (the
 * Makefile passes -Isrc). Error returns are the enum wd_err codes of ward.h.
 *
 * Invariants:
 * - Times are int64 microseconds since 1970-01-01T00:00:00Z (proleptic Gregorian, no leap
 *   seconds). Offsets are seconds east of UTC.
 * - Everything here except wd_tz_load() is a pure function: no I/O, no logging, no global
 *   state; all of it is thread-safe. A struct wd_tz is immutable after loading and may be
 *   shared between threads.
 */
#ifndef WD_TIME_H
#define WD_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct wd_perr;
struct wd_jv;

#define WD_US_PER_SEC  INT64_C(1000000)
#define WD_US_PER_DAY  INT64_C(86400000000)
#define WD_SEC_PER_DAY INT64_C(86400)

/* Bytes for wd_time_iso() output including the NUL ("YYYY-MM-DDTHH:MM:SS.ffffff+00:00" is 32;
 * years outside 0000..9999 need up to 3 more). */
#define WD_TIME_ISO_MAX 40

/* Longest string the fuzzy date parser looks at (longer strings: WD_ELIMIT; the epoch
 * rules for numeric strings have no such limit). */
#define WD_TIME_FUZZY_MAX 1024

/* ---- civil calendar helpers (proleptic Gregorian, any int64 day count) ---- */

/* A broken-down time. */
struct wd_civil {
    int64_t year; /* astronomical year (0 = 1 BC) */
    int month;    /* 1..12 */
    int day;      /* 1..31 */
    int hour;     /* 0..23 */
    int minute;   /* 0..59 */
    int second;   /* 0..59 */
    int usec;     /* 0..999999 */
    int wday;     /* 0 = Sunday .. 6 = Saturday (output of wd_time_to_civil only) */
};

/* Days since 1970-01-01 of y-m-d (m 1..12, d 1..31; not range checked beyond that). */
int64_t wd_days_from_civil(int64_t y, int m, int d);
/* Inverse of wd_days_from_civil. OUT: *y, *m (1..12), *d (1..31). */
void wd_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
/* Day of week (0 = Sunday) of a day count. */
int wd_weekday_from_days(int64_t days);
bool wd_is_leap_year(int64_t y);
/* Days in month m (1..12) of year y. */
int wd_days_in_month(int64_t y, int m);
/* Splits a time (us) into calendar fields (wday included). */
void wd_time_to_civil(int64_t us, struct wd_civil *c);
/* Joins calendar fields into a time; fields are not range checked (month 1..12 required). */
int64_t wd_time_from_civil(const struct wd_civil *c);

/*
 * Renders `us` the way MozDef's Python isoformat() writes UTC timestamps (spec Conventions):
 * "YYYY-MM-DDTHH:MM:SS+00:00", or "YYYY-MM-DDTHH:MM:SS.ffffff+00:00" when the microsecond
 * part is non-zero. Years outside 0..9999 (which Python cannot represent) get a sign and/or
 * more digits. Writes a NUL-terminated string; returns its length (25 or 32 for years
 * 0..9999).
 */
size_t wd_time_iso(int64_t us, char out[WD_TIME_ISO_MAX]);

/* The last hour a wd_time_parse_canon() call saw ("YYYY-MM-DDTHH", valid) and its first
 * microsecond: consecutive times mostly share it. Zero-initialise. */
struct wd_time_memo {
    char hour[13];
    bool set;
    int64_t base;
};

/* Whether s[0..len) is exactly what wd_time_iso() writes for some time of years 1 to 9999
 * ("YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00"); *us gets the time when it is. m (may be NULL)
 * spares the date arithmetic for a text in the same hour as the previous one. */
bool wd_time_parse_canon(const char *s, size_t len, struct wd_time_memo *m, int64_t *us);

/* ---- time zones ---- */

struct wd_tz;

/*
 * Loads a time zone by name:
 *   NULL, "", "UTC", "Z", "GMT", "Etc/UTC" -> the fixed UTC zone (no file read);
 *   "+HH:MM", "-HH:MM", "+HHMM", "+HH"    -> a fixed offset (|offset| < 24h);
 *   anything else -> the TZif file /usr/share/zoneinfo/<name> (or $TZDIR/<name>); names
 *   must be relative, made of [A-Za-z0-9_+-/] without "..".
 * Returns a new object; the caller frees it with wd_tz_free(). On failure returns NULL and
 * fills *err (may be NULL): WD_EINVAL (bad name), WD_ENOENT (no such zone file), WD_EIO,
 * WD_ECORRUPT (not a valid TZif file) or WD_ENOMEM. Not async-signal-safe; thread-safe.
 */
struct wd_tz *wd_tz_load(const char *name, struct wd_perr *err);

/*
 * Parses a TZif (RFC 8536, versions 1 to 4) image already in memory. Pure: usable by fuzz
 * targets. `name` (may be NULL) is only recorded for wd_tz_name(). Leap-second records
 * ("right/" zones) are ignored. Returns a new object (free with wd_tz_free()), or NULL with
 * *err set (WD_ECORRUPT with the byte offset, or WD_ENOMEM).
 */
struct wd_tz *wd_tz_parse_tzif(const void *buf, size_t len, const char *name, struct wd_perr *err);

/*
 * Builds a zone from a POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3",
 * "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0" or "EST5EDT" (default rules M3.2.0,M11.1.0).
 * Supports Jn, n and Mm.w.d dates and transition times of -167..167 hours (TZif v3).
 * Returns a new object (free with wd_tz_free()), or NULL with *err set (WD_EPARSE).
 */
struct wd_tz *wd_tz_posix(const char *spec, size_t len, struct wd_perr *err);

/* Frees a zone; accepts NULL. */
void wd_tz_free(struct wd_tz *tz);

/* The name the zone was loaded with ("UTC" for the fixed UTC zone). Borrowed. */
const char *wd_tz_name(const struct wd_tz *tz);

/* Whether the zone is UTC at every instant (NULL counts as UTC). */
bool wd_tz_is_utc(const struct wd_tz *tz);

/* Offset (seconds east of UTC) in effect at the instant utc_us. tz NULL means UTC. */
int wd_tz_offset_at(const struct wd_tz *tz, int64_t utc_us);

/*
 * Converts a local wall-clock time (microseconds counted as if the local clock were UTC)
 * to UTC. tz NULL means UTC.
 * Ambiguous local times (a clock set back, e.g. 02:30 on the last Sunday of October in
 * Europe/Berlin) and skipped local times (clock set forward) use the EARLIER offset, the
 * one in effect before the transition; this is Python's fold=0, which MozDef's toUTC()
 * used. So an ambiguous time maps to its first occurrence, and a skipped time such as
 * 02:30 on a spring-forward day maps to 01:30 UTC in Berlin (= 03:30 CEST).
 * Assumes no two transitions of the zone lie within 60 hours of each other (true for every
 * zone in tzdata in the last century).
 */
int64_t wd_tz_local_to_utc(const struct wd_tz *tz, int64_t local_us);

/* ---- MozDef timestamps (spec section b) ---- */

/*
 * toUTC() for a JSON value (spec b rules 2, 3, 4 with ward's resolutions):
 *   float (fraction/exponent): <= 0 and 0 < x < 1 -> 1970-01-01T00:00:00 in naive_tz;
 *     else scaled to at most ten integer digits (m = floor(log10(floor(x))), divide by
 *     10^(m-9) when m > 9) and taken as epoch seconds, rounded half-to-even to the us
 *     exactly as Python's datetime.fromtimestamp() does;
 *   integer: 0 and negative -> 1970-01-01T00:00:00 in naive_tz; positive with n decimal
 *     digits -> divided by 10^(n mod 10) (true division, correctly rounded like Python's
 *     int / int) and taken as epoch seconds (integers beyond int64 included);
 *   string -> wd_time_parse_str();
 *   anything else (null, true, false, array, object) -> WD_EPARSE.
 * naive_tz: zone for naive results (NULL = UTC). now_us: "now" (today's date for strings
 * without one). OUT: *out_us.
 * Returns WD_OK, WD_EPARSE (nothing usable, inf/nan, or a result outside years 1..9999,
 * which MozDef's Python rejects too) or WD_ELIMIT (string longer than WD_TIME_FUZZY_MAX).
 * Pure and thread-safe.
 */
int wd_time_from_jv(const struct wd_jv *v, const struct wd_tz *naive_tz, int64_t now_us,
                    int64_t *out_us);

/*
 * toUTC() for a string (spec b rule 4), p[0..len) (need not be NUL-terminated):
 *   - a Python float() literal (optional sign and surrounding whitespace, digits with
 *     single underscores, fraction, exponent, inf, nan) whose value is <= 0 ->
 *     1970-01-01T00:00:00 in naive_tz;
 *   - digits only, positive -> like a JSON integer (digit count includes leading zeros,
 *     as MozDef's len(str(x)) does);
 *   - another positive float literal -> like a JSON float;
 *   - anything else -> wd_time_parse_fast(), and when that does not apply the fuzzy date
 *     parser (wd_time_parse_fuzzy()).
 * Returns WD_OK, WD_EPARSE or WD_ELIMIT as wd_time_from_jv(). Pure and thread-safe.
 */
int wd_time_parse_str(const char *p, size_t len, const struct wd_tz *naive_tz, int64_t now_us,
                      int64_t *out_us);

/*
 * The fuzzy date parser alone: a re-implementation of python-dateutil 2.8's
 * parse(s, fuzzy=True) (dayfirst=False, yearfirst=False) as MozDef calls it: its tokenizer,
 * its numeric-token rules, month/weekday/AM-PM/zone words, jump words, and its
 * year/month/day resolution. Missing components come from today in naive_tz (no year
 * roll-back); a result without a zone is taken in naive_tz; UTC, GMT, Z and z mean +00:00;
 * other zone abbreviations are ignored (naive); numeric zones +HH:MM, +HHMM and +HH apply.
 * Deliberate difference from dateutil: weekday names are ignored (spec b), so a weekday
 * never moves the date and a string holding only a weekday is WD_EPARSE.
 * wd_time_parse_str() tries wd_time_parse_fast() before this (identical results for the
 * forms it takes, checked by tests); call this one directly only to bypass the fast path.
 * Returns WD_OK, WD_EPARSE or WD_ELIMIT. Pure and thread-safe.
 */
int wd_time_parse_fuzzy(const char *p, size_t len, const struct wd_tz *naive_tz, int64_t now_us,
                        int64_t *out_us);

/*
 * The exact-form fast path on its own (exposed for tests and benchmarks):
 *   YYYY-MM-DD[(T| )HH:MM[:SS[.f...]][Z|z|+HH:MM|+HHMM|+HH]] (also '-' offsets), and
 *   MM/DD/YYYY[ HH:MM[:SS]] with a first field <= 12.
 * Returns WD_OK, WD_EPARSE (valid form but impossible date/time) or WD_EAGAIN (not one of
 * these forms: use wd_time_parse_fuzzy()).
 */
int wd_time_parse_fast(const char *p, size_t len, const struct wd_tz *naive_tz, int64_t *out_us);
/* wd_time_parse_fast() without a naive zone, with m (the hour of the last call's time in
 * ward's own form) for a stream of times of one field. */
int wd_time_parse_memo(const char *p, size_t len, struct wd_time_memo *m, int64_t *out_us);

/*
 * Python's float() of a string (used by rule 4 and by normalization's `_float` fields):
 * surrounding whitespace, sign, inf/infinity/nan (any case), digits with single underscores
 * between them, fraction, exponent. OUT: *v (correctly rounded, +-inf on overflow, 0 on
 * underflow). Returns false when p[0..n) is not such a literal. Literals of 512 bytes or
 * more are answered from their sign and digits only: negative -> -1.0, zero -> 0.0,
 * otherwise NaN. Pure and thread-safe.
 */
bool wd_py_float(const char *p, size_t n, double *v);

/* Python datetime's range, 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999Z. */
#define WD_TIME_MIN_US INT64_C(-62135596800000000)
#define WD_TIME_MAX_US INT64_C(253402300799999999)

#ifdef __cplusplus
}
#endif

#endif
