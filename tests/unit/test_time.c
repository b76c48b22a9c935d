/*
 * test_time.c: unit tests for src/time.h: civil helpers, isoformat rendering, time zones
 * (TZif files, POSIX TZ strings, fixed offsets; cross-checked against glibc's localtime),
 * and MozDef's toUTC rules (shared/spec/mozdef-compat.md section b): every output example
 * of section b, the epoch scaling rules, numeric strings and the fuzzy date parser.
 * Expected values were computed by hand or with CPython 3.11 + python-dateutil (the code
 * MozDef runs), see the comments. Tests needing /usr/share/zoneinfo SKIP without it.
 */
#include <time.h>

#include "wd_time.h"

#include "wd_test.h"

#include "json.h"
#include "jv.h"
#include "mem.h"
#include "ward.h"

/* 2026-05-09T12:34:56Z, a fixed "now" for the tests */
#define NOW_US INT64_C(1778330096000000)

static char iso_buf[WD_TIME_ISO_MAX];

static const char *iso(int64_t us)
{
    wd_time_iso(us, iso_buf);
    return iso_buf;
}

/* Parses s with wd_time_parse_str; returns the ISO text or "ERR<code>". */
static const char *ps_tz(const char *s, const struct wd_tz *tz, int64_t now)
{
    static char out[64];
    int64_t us = 0;
    int rc = wd_time_parse_str(s, strlen(s), tz, now, &us);
    if (rc) {
        snprintf(out, sizeof(out), "ERR%d", rc);
        return out;
    }
    return iso(us);
}

static const char *ps(const char *s)
{
    return ps_tz(s, NULL, NOW_US);
}

/* Decodes JSON text and applies wd_time_from_jv (UTC). */
static const char *pj(const char *json)
{
    static char out[64];
    struct wd_arena a;
    struct wd_jv *v = NULL;
    wd_arena_init(&a, 4096, 0);
    int rc = wd_json_parse(json, strlen(json), strlen(json), 0, &a, &v, NULL);
    int64_t us = 0;
    if (rc == WD_OK)
        rc = wd_time_from_jv(v, NULL, NOW_US, &us);
    if (rc)
        snprintf(out, sizeof(out), "ERR%d", rc);
    else
        snprintf(out, sizeof(out), "%s", iso(us));
    wd_arena_fini(&a);
    return out;
}

static struct wd_tz *zone(const char *name)
{
    struct wd_perr e = {0};
    return wd_tz_load(name, &e);
}

static bool have_zoneinfo(void)
{
    struct stat st;
    return stat("/usr/share/zoneinfo/Europe/Berlin", &st) == 0;
}

/* ---- civil helpers ---- */

static void t_civil(void)
{
    EXPECT_INT(wd_days_from_civil(1970, 1, 1), 0);
    EXPECT_INT(wd_days_from_civil(2000, 3, 1), 11017);
    EXPECT_INT(wd_days_from_civil(1969, 12, 31), -1);
    EXPECT_INT(wd_days_from_civil(1, 1, 1), -719162);
    EXPECT_INT(wd_weekday_from_days(0), 4);  /* Thursday */
    EXPECT_INT(wd_weekday_from_days(-1), 3); /* Wednesday */
    FAIL_UNLESS(wd_is_leap_year(2000) && !wd_is_leap_year(1900) && wd_is_leap_year(2024));
    EXPECT_INT(wd_days_in_month(2024, 2), 29);
    EXPECT_INT(wd_days_in_month(2023, 2), 28);
    EXPECT_INT(wd_days_in_month(2023, 13), 0);
    for (int64_t d = -800000; d <= 3000000; d += 7) {
        int64_t y;
        int m, dd;
        wd_civil_from_days(d, &y, &m, &dd);
        FAIL_UNLESS(m >= 1 && m <= 12 && dd >= 1 && dd <= wd_days_in_month(y, m));
        FAIL_UNLESS(wd_days_from_civil(y, m, dd) == d);
    }
    struct wd_civil c;
    wd_time_to_civil(-1, &c);
    FAIL_UNLESS(c.year == 1969 && c.month == 12 && c.day == 31 && c.hour == 23 && c.minute == 59 &&
                c.second == 59 && c.usec == 999999 && c.wday == 3);
    FAIL_UNLESS(wd_time_from_civil(&c) == -1);
}

static void t_iso(void)
{
    char b[WD_TIME_ISO_MAX];
    EXPECT_INT(wd_time_iso(0, b), 25);
    EXPECT_STR(b, "1970-01-01T00:00:00+00:00");
    EXPECT_INT(wd_time_iso(1577836800250000, b), 32);
    EXPECT_STR(b, "2020-01-01T00:00:00.250000+00:00");
    EXPECT_STR(iso(1), "1970-01-01T00:00:00.000001+00:00");
    EXPECT_STR(iso(-1), "1969-12-31T23:59:59.999999+00:00");
    EXPECT_STR(iso(WD_TIME_MIN_US), "0001-01-01T00:00:00+00:00");
    EXPECT_STR(iso(WD_TIME_MAX_US), "9999-12-31T23:59:59.999999+00:00");
    EXPECT_STR(iso(INT64_MAX), "294247-01-10T04:00:54.775807+00:00");
    FAIL_UNLESS(wd_time_iso(INT64_MIN, b) < WD_TIME_ISO_MAX);
    EXPECT_STR(b, "-290308-12-21T19:59:05.224192+00:00");
}

/* ---- spec b: the output examples, each one ---- */

static void t_spec_b_examples(void)
{
    /* "epoch 1577836800 (int), 1.5778368e+18 (float) -> 2020-01-01T00:00:00+00:00" */
    EXPECT_STR(pj("1577836800"), "2020-01-01T00:00:00+00:00");
    EXPECT_STR(pj("1.5778368e+18"), "2020-01-01T00:00:00+00:00");
    /* "1577836800250 (int) -> 2020-01-01T00:00:00.250000+00:00" */
    EXPECT_STR(pj("1577836800250"), "2020-01-01T00:00:00.250000+00:00");
    /* "1583298367.25 (float) -> 2020-03-04T05:06:07.250000+00:00" */
    EXPECT_STR(pj("1583298367.25"), "2020-03-04T05:06:07.250000+00:00");
    /* "2020-02-29 23:15:00.5+05:30" -> 2020-02-29T17:45:00.500000+00:00 */
    EXPECT_STR(pj("\"2020-02-29 23:15:00.5+05:30\""), "2020-02-29T17:45:00.500000+00:00");
    /* "2021-03-14T01:59:26.535897-0700" -> 2021-03-14T08:59:26.535897+00:00 */
    EXPECT_STR(pj("\"2021-03-14T01:59:26.535897-0700\""), "2021-03-14T08:59:26.535897+00:00");
    /* "12/25/2019 08:30:00" -> 2019-12-25T08:30:00+00:00 */
    EXPECT_STR(pj("\"12/25/2019 08:30:00\""), "2019-12-25T08:30:00+00:00");
    /* the same through the fuzzy parser alone (no fast path) */
    int64_t us;
    const char *s = "2020-02-29 23:15:00.5+05:30";
    FAIL_UNLESS(wd_time_parse_fuzzy(s, strlen(s), NULL, NOW_US, &us) == WD_OK);
    EXPECT_STR(iso(us), "2020-02-29T17:45:00.500000+00:00");
    s = "12/25/2019 08:30:00";
    FAIL_UNLESS(wd_time_parse_fuzzy(s, strlen(s), NULL, NOW_US, &us) == WD_OK);
    EXPECT_STR(iso(us), "2019-12-25T08:30:00+00:00");
}

/* ---- spec b rule 3: JSON integers ---- */

static void t_rule3_integers(void)
{
    EXPECT_STR(pj("0"), "1970-01-01T00:00:00+00:00");
    EXPECT_STR(pj("-1"), "1970-01-01T00:00:00+00:00"); /* MozDef raises; ward: epoch */
    EXPECT_STR(pj("-1577836800"), "1970-01-01T00:00:00+00:00");
    EXPECT_STR(pj("5"), "1970-01-01T00:00:00.500000+00:00");           /* 1 digit: / 10 */
    EXPECT_STR(pj("123456789"), "1970-01-01T00:00:00.123457+00:00");   /* 9 digits: / 1e9 */
    EXPECT_STR(pj("999999999"), "1970-01-01T00:00:01+00:00");          /* 0.999999999 rounds */
    EXPECT_STR(pj("1000000000"), "2001-09-09T01:46:40+00:00");         /* 10: seconds */
    EXPECT_STR(pj("15778368001"), "2020-01-01T00:00:00.100000+00:00"); /* 11: / 10 */
    EXPECT_STR(pj("157783680012"), "2020-01-01T00:00:00.120000+00:00");
    EXPECT_STR(pj("1577836800123"), "2020-01-01T00:00:00.123000+00:00");    /* ms */
    EXPECT_STR(pj("1577836800123456"), "2020-01-01T00:00:00.123456+00:00"); /* us */
    /* ns: Python's int / int is correctly rounded to a double, then fromtimestamp rounds */
    EXPECT_STR(pj("1577836800123456789"), "2020-01-01T00:00:00.123457+00:00");
    EXPECT_STR(pj("1577836800999999999"), "2020-01-01T00:00:01+00:00");
    EXPECT_STR(pj("9223372036854775807"), "2262-04-11T23:47:16.854776+00:00");
    /* beyond int64 (a Python int): 20 digits -> / 1 -> year far beyond 9999 */
    EXPECT_STR(pj("15778368001234567890"), "ERR-3");
    EXPECT_STR(pj("-15778368001234567890"), "1970-01-01T00:00:00+00:00");
}

/* ---- spec b rule 2: JSON floats ---- */

static void t_rule2_floats(void)
{
    EXPECT_STR(pj("0.0"), "1970-01-01T00:00:00+00:00");
    EXPECT_STR(pj("-0.0"), "1970-01-01T00:00:00+00:00");
    EXPECT_STR(pj("-1.5"), "1970-01-01T00:00:00+00:00");
    EXPECT_STR(pj("-1e300"), "1970-01-01T00:00:00+00:00");
    EXPECT_STR(pj("0.5"), "1970-01-01T00:00:00+00:00"); /* MozDef raises; ward: epoch */
    EXPECT_STR(pj("0.999999"), "1970-01-01T00:00:00+00:00");
    EXPECT_STR(pj("1.0"), "1970-01-01T00:00:01+00:00");
    EXPECT_STR(pj("1.25"), "1970-01-01T00:00:01.250000+00:00");
    EXPECT_STR(pj("1577836800.5"), "2020-01-01T00:00:00.500000+00:00");
    EXPECT_STR(pj("1e9"), "2001-09-09T01:46:40+00:00");
    EXPECT_STR(pj("1e10"), "2001-09-09T01:46:40+00:00"); /* m = 10: / 10 */
    EXPECT_STR(pj("1577836800250.0"), "2020-01-01T00:00:00.250000+00:00");
    EXPECT_STR(pj("1.577836800123456e15"), "2020-01-01T00:00:00.123456+00:00");
    EXPECT_STR(pj("1.5778368e+300"), "2020-01-01T00:00:00+00:00"); /* / 10^291 */
    /* round half to even at the microsecond: x.0078125 = 7812.5 us, x.0234375 = 23437.5 us */
    EXPECT_STR(pj("1577836800.0078125"), "2020-01-01T00:00:00.007812+00:00");
    EXPECT_STR(pj("1577836800.0234375"), "2020-01-01T00:00:00.023438+00:00");
    /* rounding up into the next second */
    EXPECT_STR(pj("1577836800.9999999"), "2020-01-01T00:00:01+00:00");
    /* CPython's log10(999999999999999) is 15.0: such values are scaled by 10^6, not 10^5 */
    EXPECT_STR(pj("999999999999999.9"), "2001-09-09T01:46:40+00:00");
    EXPECT_STR(pj("1e999"), "ERR-3"); /* inf: OverflowError in MozDef */
}

static void t_other_json_types(void)
{
    EXPECT_STR(pj("null"), "ERR-3");
    EXPECT_STR(pj("true"), "ERR-3");
    EXPECT_STR(pj("[1]"), "ERR-3");
    EXPECT_STR(pj("{\"a\":1}"), "ERR-3");
    int64_t us;
    FAIL_UNLESS(wd_time_from_jv(NULL, NULL, 0, &us) == WD_EPARSE);
}

/* ---- spec b rule 4: numeric strings ---- */

static void t_rule4_numeric_strings(void)
{
    /* float() literals <= 0 */
    EXPECT_STR(ps("0.0"), "1970-01-01T00:00:00+00:00");
    EXPECT_STR(ps("-1"), "1970-01-01T00:00:00+00:00");
    EXPECT_STR(ps("-3600.5"), "1970-01-01T00:00:00+00:00");
    EXPECT_STR(ps("-1e3"), "1970-01-01T00:00:00+00:00");
    EXPECT_STR(ps("-inf"), "1970-01-01T00:00:00+00:00");
    EXPECT_STR(ps("  -0  "), "1970-01-01T00:00:00+00:00");
    EXPECT_STR(ps("1e-400"), "1970-01-01T00:00:00+00:00"); /* float() underflows to 0.0 */
    EXPECT_STR(ps("0"), "1970-01-01T00:00:00+00:00");
    EXPECT_STR(ps("0000"), "1970-01-01T00:00:00+00:00");
    /* digits only, positive: MozDef raises; ward: the integer rule on the text */
    EXPECT_STR(ps("1577836800"), "2020-01-01T00:00:00+00:00");
    EXPECT_STR(ps("1577836800250"), "2020-01-01T00:00:00.250000+00:00");
    EXPECT_STR(ps("123"), "1970-01-01T00:00:00.123000+00:00");
    /* leading zeros count as digits (len(str(x))): 11 chars -> / 10 */
    EXPECT_STR(ps("01577836800"), "1975-01-01T04:48:00+00:00");
    EXPECT_STR(ps("000000000001577836800"), "1975-01-01T04:48:00+00:00");
    /* positive float strings: MozDef's dateutil rejects them; ward: rule 2 */
    EXPECT_STR(ps("1577836800.5"), "2020-01-01T00:00:00.500000+00:00");
    EXPECT_STR(ps("1.5778368e+18"), "2020-01-01T00:00:00+00:00");
    EXPECT_STR(ps("+1577836800"), "2020-01-01T00:00:00+00:00");
    EXPECT_STR(ps(" 1577836800 "), "2020-01-01T00:00:00+00:00"); /* not isdigit(): a float */
    EXPECT_STR(ps("1_577_836_800.5"), "2020-01-01T00:00:00.500000+00:00");
    EXPECT_STR(ps("0.5"), "1970-01-01T00:00:00+00:00");
    EXPECT_STR(ps("nan"), "ERR-3");
    EXPECT_STR(ps("inf"), "ERR-3");
    EXPECT_STR(ps("Infinity"), "ERR-3");
    EXPECT_STR(ps(""), "ERR-3");
    EXPECT_STR(ps("   "), "ERR-3");
}

/* ---- spec b rule 4: the fuzzy parser ---- */

static void t_rule4_iso(void)
{
    EXPECT_STR(ps("2020-03-05T10:00:00Z"), "2020-03-05T10:00:00+00:00");
    EXPECT_STR(ps("2020-03-05T10:00:00z"), "2020-03-05T10:00:00+00:00");
    EXPECT_STR(ps("2020-03-05 10:00:00"), "2020-03-05T10:00:00+00:00");
    EXPECT_STR(ps("2020-03-05T10:00"), "2020-03-05T10:00:00+00:00");
    EXPECT_STR(ps("2020-03-05"), "2020-03-05T00:00:00+00:00");
    EXPECT_STR(ps("2020-03-05T10:00:00+01:00"), "2020-03-05T09:00:00+00:00");
    EXPECT_STR(ps("2020-03-05T10:00:00+0100"), "2020-03-05T09:00:00+00:00");
    EXPECT_STR(ps("2020-03-05T10:00:00+01"), "2020-03-05T09:00:00+00:00");
    EXPECT_STR(ps("2020-03-05T10:00:00-00:30"), "2020-03-05T10:30:00+00:00");
    EXPECT_STR(ps("2020-03-05T10:00:00 UTC"), "2020-03-05T10:00:00+00:00");
    EXPECT_STR(ps("2020-03-05T10:00:00 GMT"), "2020-03-05T10:00:00+00:00");
    EXPECT_STR(ps("2020-03-05T10:00:00.1"), "2020-03-05T10:00:00.100000+00:00");
    EXPECT_STR(ps("2020-03-05T10:00:00.123456"), "2020-03-05T10:00:00.123456+00:00");
    /* more than 6 fraction digits are truncated, not rounded */
    EXPECT_STR(ps("2020-03-05T10:00:00.123456789Z"), "2020-03-05T10:00:00.123456+00:00");
    EXPECT_STR(ps("2020-03-05T10:00:00.9999999"), "2020-03-05T10:00:00.999999+00:00");
    EXPECT_STR(ps("2020-03-05 10:00:00,123"), "2020-03-05T10:00:00.123000+00:00");
    EXPECT_STR(ps("20200305T100000"), "2020-03-05T10:00:00+00:00");
    /* digits only: an epoch number (ward's rule 3 resolution), not YYYYMMDD */
    EXPECT_STR(ps("20200305"), "1970-01-01T00:00:00.202003+00:00");
    EXPECT_STR(ps("on 20200305"), "2020-03-05T00:00:00+00:00");
    /* impossible dates and times */
    EXPECT_STR(ps("2020-02-30"), "ERR-3");
    EXPECT_STR(ps("2019-02-29T00:00:00"), "ERR-3");
    EXPECT_STR(ps("2020-13-01"), "ERR-3");
    EXPECT_STR(ps("2020-03-05T24:00:00"), "ERR-3");
    EXPECT_STR(ps("2020-03-05T23:60:00"), "ERR-3");
    EXPECT_STR(ps("2020-03-05T23:59:60"), "ERR-3");
    EXPECT_STR(ps("0000-01-01"), "ERR-3");
    EXPECT_STR(ps("2020-03-05T10:00:00+24:00"), "ERR-3"); /* |offset| must be < 24h */
    EXPECT_STR(ps("0001-01-01T00:00:00+01:00"), "ERR-3"); /* before year 1 in UTC */
    EXPECT_STR(ps("9999-12-31T23:59:59-01:00"), "ERR-3"); /* after year 9999 in UTC */
    EXPECT_STR(ps("0099-01-01"), "0099-01-01T00:00:00+00:00");
}

static void t_rule4_formats(void)
{
    /* RFC 2822, weekday ignored */
    EXPECT_STR(ps("Thu, 05 Mar 2020 10:00:00 +0100"), "2020-03-05T09:00:00+00:00");
    EXPECT_STR(ps("Fri, 05 Mar 2020 10:00:00 GMT"), "2020-03-05T10:00:00+00:00");
    /* syslog: no year -> the current year, double space before a one-digit day */
    EXPECT_STR(ps("Mar  5 10:00:00"), "2026-03-05T10:00:00+00:00");
    EXPECT_STR(ps("Mar 15 10:00:00"), "2026-03-15T10:00:00+00:00");
    EXPECT_STR(ps("mar 5 10:00:00"), "2026-03-05T10:00:00+00:00");
    EXPECT_STR(ps("MARCH 5 10:00:00"), "2026-03-05T10:00:00+00:00");
    /* no roll-back to last year even when the result is in the future */
    EXPECT_STR(ps("Dec 31 23:59:59"), "2026-12-31T23:59:59+00:00");
    /* MM/DD/YYYY; a first field > 12 makes it DD/MM/YYYY */
    EXPECT_STR(ps("12/25/2019"), "2019-12-25T00:00:00+00:00");
    EXPECT_STR(ps("1/5/2020 8:05"), "2020-01-05T08:05:00+00:00");
    EXPECT_STR(ps("25/12/2019"), "2019-12-25T00:00:00+00:00");
    EXPECT_STR(ps("12/25/19"), "2019-12-25T00:00:00+00:00"); /* 2-digit year: this century */
    EXPECT_STR(ps("12/25/99"), "1999-12-25T00:00:00+00:00"); /* ... within 50 years */
    /* month names and abbreviations in any case */
    EXPECT_STR(ps("5 September 2020"), "2020-09-05T00:00:00+00:00");
    EXPECT_STR(ps("Sept 5 2020"), "2020-09-05T00:00:00+00:00");
    EXPECT_STR(ps("5-jan-2020"), "2020-01-05T00:00:00+00:00");
    EXPECT_STR(ps("Jan-05-2020"), "2020-01-05T00:00:00+00:00");
    EXPECT_STR(ps("January 1, 2047 at 8:21:00AM"), "2047-01-01T08:21:00+00:00");
    EXPECT_STR(ps("May 2020"), "2020-05-09T00:00:00+00:00"); /* day from today */
    /* AM/PM */
    EXPECT_STR(ps("2020-03-05 10:00 PM"), "2020-03-05T22:00:00+00:00");
    EXPECT_STR(ps("2020-03-05 12:00 AM"), "2020-03-05T00:00:00+00:00");
    EXPECT_STR(ps("2020-03-05 12:30 pm"), "2020-03-05T12:30:00+00:00");
    EXPECT_STR(ps("2020-03-05 5pm"), "2020-03-05T17:00:00+00:00");
    EXPECT_STR(ps("2020-03-05 5 pm"), "2020-03-05T17:00:00+00:00");
    EXPECT_STR(ps("2020-03-05 13:00 PM"), "2020-03-05T13:00:00+00:00"); /* not 12h: kept */
    /* hour/minute/second words */
    EXPECT_STR(ps("2020-03-05 10h30m15s"), "2020-03-05T10:30:15+00:00");
    EXPECT_STR(ps("2020-03-05 10.5h"), "2020-03-05T10:30:00+00:00");
    /* time only: today in the naive zone */
    EXPECT_STR(ps("10:00:00"), "2026-05-09T10:00:00+00:00");
    EXPECT_STR(ps("10:00"), "2026-05-09T10:00:00+00:00");
}

static void t_rule4_fuzzy(void)
{
    /* words that are not date parts are skipped */
    EXPECT_STR(ps("seen on 2020-03-05 10:00:00 by sensor"), "2020-03-05T10:00:00+00:00");
    EXPECT_STR(ps("Today is January 1, 2047 at 8:21:00AM"), "2047-01-01T08:21:00+00:00");
    EXPECT_STR(ps("logged 2020-03-05T10:00:00Z ok"), "2020-03-05T10:00:00+00:00");
    /* weekday names are ignored (spec b; dateutil would move to the next such day) */
    EXPECT_STR(ps("Monday 10:00"), "2026-05-09T10:00:00+00:00");
    EXPECT_STR(ps("Monday"), "ERR-3");
    /* unknown zone abbreviations are ignored: naive */
    EXPECT_STR(ps("2020-03-05 10:00:00 PST"), "2020-03-05T10:00:00+00:00");
    EXPECT_STR(ps("2020-03-05 10:00:00 CEST"), "2020-03-05T10:00:00+00:00");
    /* dateutil: "GMT+3" means "my time + 3 = GMT", i.e. -03:00 */
    EXPECT_STR(ps("2020-03-05 10:00 GMT+3"), "2020-03-05T13:00:00+00:00");
    EXPECT_STR(ps("2020-03-05 10:00 +0300 (MSK)"), "2020-03-05T07:00:00+00:00");
    /* nothing date-like */
    EXPECT_STR(ps("hello world"), "ERR-3");
    EXPECT_STR(ps("-"), "ERR-3");
    EXPECT_STR(ps("Z"), "ERR-3");
    /* dateutil raises on these (reproduced: the event keeps details.unparsed_timestamp) */
    EXPECT_STR(ps("user 42 logged in at 2020-03-05 10:00:00"), "ERR-3"); /* > 3 ymd values */
    EXPECT_STR(ps("2020-03-05 10:00:00 - message"), "ERR-3");            /* "-" then int(" ") */
    EXPECT_STR(ps("nan 2020-03-05"), "ERR-3");
    EXPECT_STR(ps("Mar Apr 2020"), "ERR-3"); /* month set twice */
    /* NUL characters are dropped by dateutil's tokenizer */
    int64_t us;
    FAIL_UNLESS(wd_time_parse_str("2020-03-0\0005", 11, NULL, NOW_US, &us) == WD_OK);
    EXPECT_STR(iso(us), "2020-03-05T00:00:00+00:00");
    /* length limit */
    char big[WD_TIME_FUZZY_MAX + 10];
    memset(big, 'x', sizeof(big));
    FAIL_UNLESS(wd_time_parse_str(big, sizeof(big), NULL, NOW_US, &us) == WD_ELIMIT);
}

/* The fast path must agree with the fuzzy parser on every form it takes. */
static void t_fast_path_equivalence(void)
{
    static const char *const zones[] = {"",    "Z",      "z",      "+05:30", "-0700",
                                        "+01", "-00:00", "+23:59", "+24:00", "-12:45"};
    static const char *const fracs[] = {"", ".5", ".123456", ".1234567", ".000001", ".9"};
    uint64_t r = 88172645463325252ull;
    char s[96];
    int tried = 0, fast = 0;
    for (int k = 0; k < 40000; k++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        int y = (int)(r % 9999) + 1, mo = (int)((r >> 14) % 14), d = (int)((r >> 18) % 33);
        int h = (int)((r >> 24) % 26), mi = (int)((r >> 30) % 61), se = (int)((r >> 36) % 61);
        const char *z = zones[(r >> 42) % WD_ARRAY_LEN(zones)];
        const char *f = fracs[(r >> 46) % WD_ARRAY_LEN(fracs)];
        switch ((r >> 50) % 5) {
        case 0:
            snprintf(s, sizeof(s), "%04d-%02d-%02dT%02d:%02d:%02d%s%s", y, mo, d, h, mi, se, f, z);
            break;
        case 1:
            snprintf(s, sizeof(s), "%04d-%02d-%02d %02d:%02d%s", y, mo, d, h, mi, z);
            break;
        case 2:
            snprintf(s, sizeof(s), "%04d-%02d-%02d", y, mo, d);
            break;
        case 3:
            snprintf(s, sizeof(s), "%d/%d/%04d %02d:%02d:%02d%s", mo, d, y, h, mi, se, z);
            break;
        default:
            snprintf(s, sizeof(s), "%02d/%02d/%04d", mo, d, y);
            break;
        }
        int64_t a = -1, b = -2;
        int rf = wd_time_parse_fast(s, strlen(s), NULL, &a);
        if (rf == WD_EAGAIN)
            continue;
        fast++;
        int rz = wd_time_parse_fuzzy(s, strlen(s), NULL, NOW_US, &b);
        tried++;
        if (rf != rz || (rf == WD_OK && a != b)) {
            printf("FAIL %s: fast/fuzzy differ on [%s]: %d %lld / %d %lld\n", wd_test_name_, s, rf,
                   (long long)a, rz, (long long)b);
            wd_test_failed_ = 1;
            return;
        }
    }
    if (fast < 15000 || tried != fast)
        printf("FAIL %s: only %d of 40000 took the fast path\n", wd_test_name_, fast);
    FAIL_UNLESS(fast >= 15000 && tried == fast);
}

/* The syslog fast path inside wd_time_parse_str agrees with the fuzzy parser. */
static void t_syslog_fast_path_equivalence(void)
{
    static const char *const mons[] = {"Jan", "feb", "MAR", "Apr", "May", "Jun", "jul",
                                       "Aug", "Sep", "Oct", "Nov", "Dec", "Xyz", "Sept"};
    static const char *const gaps[] = {" ", "  ", "   ", "\t"};
    struct wd_tz *be = zone("Europe/Berlin");
    uint64_t r = 4242;
    char s[64];
    for (int k = 0; k < 20000; k++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        int d = (int)((r >> 8) % 33), h = (int)((r >> 16) % 25), mi = (int)((r >> 24) % 61);
        int se = (int)((r >> 32) % 61);
        snprintf(s, sizeof(s), (r >> 40) % 3 ? "%s%s%d %02d:%02d:%02d" : "%s%s%02d %d:%02d:%02d",
                 mons[(r >> 44) % WD_ARRAY_LEN(mons)], gaps[(r >> 50) % WD_ARRAY_LEN(gaps)], d, h,
                 mi, se);
        const struct wd_tz *tz = (r >> 56) & 1 ? be : NULL;
        int64_t now = NOW_US + (int64_t)((r >> 20) % 400) * WD_US_PER_DAY - 200 * WD_US_PER_DAY;
        int64_t a = -1, b = -2;
        int ra = wd_time_parse_str(s, strlen(s), tz, now, &a);
        int rb = wd_time_parse_fuzzy(s, strlen(s), tz, now, &b);
        if (ra != rb || (ra == WD_OK && a != b)) {
            printf("FAIL %s: [%s]: %d %lld / %d %lld\n", wd_test_name_, s, ra, (long long)a, rb,
                   (long long)b);
            wd_test_failed_ = 1;
            break;
        }
    }
    wd_tz_free(be);
}

/* ---- naive time zone (ward: normalize.naive_time_zone) ---- */

static void t_naive_zone(void)
{
    if (!have_zoneinfo())
        SKIP("no /usr/share/zoneinfo");
    struct wd_tz *be = zone("Europe/Berlin");
    FAIL_UNLESS(be != NULL);
    EXPECT_STR(ps_tz("2020-07-01 12:00:00", be, NOW_US), "2020-07-01T10:00:00+00:00");
    EXPECT_STR(ps_tz("2020-01-01 12:00:00", be, NOW_US), "2020-01-01T11:00:00+00:00");
    /* an explicit offset wins over the naive zone */
    EXPECT_STR(ps_tz("2020-07-01 12:00:00Z", be, NOW_US), "2020-07-01T12:00:00+00:00");
    EXPECT_STR(ps_tz("2020-07-01 12:00:00 UTC", be, NOW_US), "2020-07-01T12:00:00+00:00");
    /* ambiguous 02:30 on 2020-10-25: the earlier offset (+02:00, fold=0) */
    EXPECT_STR(ps_tz("2020-10-25 02:30:00", be, NOW_US), "2020-10-25T00:30:00+00:00");
    /* skipped 02:30 on 2020-03-29: the earlier offset (+01:00), i.e. 03:30 CEST */
    EXPECT_STR(ps_tz("2020-03-29 02:30:00", be, NOW_US), "2020-03-29T01:30:00+00:00");
    /* epoch zero is 1970-01-01T00:00:00 local (MozDef's naive datetime(1970, 1, 1)) */
    EXPECT_STR(ps_tz("0", be, NOW_US), "1969-12-31T23:00:00+00:00");
    EXPECT_STR(ps_tz("-5.5", be, NOW_US), "1969-12-31T23:00:00+00:00");
    /* epoch numbers themselves are zone-independent instants */
    EXPECT_STR(ps_tz("1577836800", be, NOW_US), "2020-01-01T00:00:00+00:00");
    /* "today" is the naive zone's: 2026-05-09T23:30Z is already the 10th in Berlin */
    EXPECT_STR(ps_tz("08:00", be, NOW_US + INT64_C(39304) * 1000000), "2026-05-10T06:00:00+00:00");
    wd_tz_free(be);

    struct wd_tz *ny = zone("America/New_York");
    FAIL_UNLESS(ny != NULL);
    EXPECT_STR(ps_tz("2021-03-14T02:30:00", ny, NOW_US), "2021-03-14T07:30:00+00:00");
    EXPECT_STR(ps_tz("2021-11-07T01:30:00", ny, NOW_US), "2021-11-07T05:30:00+00:00");
    wd_tz_free(ny);
}

/* ---- time zones ---- */

static void t_tz_fixed(void)
{
    struct wd_perr e = {0};
    struct wd_tz *tz = wd_tz_load("UTC", &e);
    FAIL_UNLESS(tz && wd_tz_is_utc(tz) && strcmp(wd_tz_name(tz), "UTC") == 0);
    wd_tz_free(tz);
    tz = wd_tz_load(NULL, &e);
    FAIL_UNLESS(tz && wd_tz_is_utc(tz));
    wd_tz_free(tz);
    tz = wd_tz_load("Z", &e);
    FAIL_UNLESS(tz && wd_tz_is_utc(tz));
    wd_tz_free(tz);
    FAIL_UNLESS(wd_tz_is_utc(NULL) && wd_tz_offset_at(NULL, 0) == 0);
    FAIL_UNLESS(wd_tz_local_to_utc(NULL, 42) == 42);

    tz = wd_tz_load("+05:30", &e);
    FAIL_UNLESS(tz && !wd_tz_is_utc(tz));
    EXPECT_INT(wd_tz_offset_at(tz, 0), 19800);
    EXPECT_INT(wd_tz_local_to_utc(tz, 19800 * WD_US_PER_SEC), 0);
    wd_tz_free(tz);
    tz = wd_tz_load("-0800", &e);
    FAIL_UNLESS(tz != NULL);
    EXPECT_INT(wd_tz_offset_at(tz, 0), -28800);
    wd_tz_free(tz);
    tz = wd_tz_load("+01", &e);
    FAIL_UNLESS(tz != NULL);
    EXPECT_INT(wd_tz_offset_at(tz, 0), 3600);
    wd_tz_free(tz);
    tz = wd_tz_load("+00:00", &e);
    FAIL_UNLESS(tz && wd_tz_is_utc(tz));
    wd_tz_free(tz);

    static const char *const bad[] = {"+24:00",      "+1",
                                      "+01:60",      "-01:2",
                                      "+0a:00",      "../x",
                                      "/etc/passwd", "Europe/../../etc/passwd",
                                      "a b",         "Europe//Berlin"};
    for (size_t i = 0; i < WD_ARRAY_LEN(bad); i++) {
        e.code = 0;
        FAIL_UNLESS(wd_tz_load(bad[i], &e) == NULL);
        EXPECT_INT(e.code, WD_EINVAL);
    }
    if (have_zoneinfo()) {
        FAIL_UNLESS(wd_tz_load("Nowhere/Atlantis", &e) == NULL);
        EXPECT_INT(e.code, WD_ENOENT);
        FAIL_UNLESS(wd_tz_load("Europe", &e) == NULL); /* a directory */
    }
}

static void t_tz_known(void)
{
    if (!have_zoneinfo())
        SKIP("no /usr/share/zoneinfo");
    struct wd_tz *be = zone("Europe/Berlin"), *ny = zone("America/New_York"),
                 *lh = zone("Australia/Lord_Howe");
    FAIL_UNLESS(be && ny && lh);
    FAIL_UNLESS(strcmp(wd_tz_name(be), "Europe/Berlin") == 0 && !wd_tz_is_utc(be));
    /* 2021-03-28T01:00:00Z: Berlin goes from +01:00 to +02:00 */
    int64_t t = INT64_C(1616893200) * WD_US_PER_SEC;
    EXPECT_INT(wd_tz_offset_at(be, t - 1), 3600);
    EXPECT_INT(wd_tz_offset_at(be, t), 7200);
    /* 2021-10-31T01:00:00Z: back to +01:00 */
    t = INT64_C(1635642000) * WD_US_PER_SEC;
    EXPECT_INT(wd_tz_offset_at(be, t - 1), 7200);
    EXPECT_INT(wd_tz_offset_at(be, t), 3600);
    /* New York 2021-03-14T07:00:00Z: -05:00 -> -04:00 */
    t = INT64_C(1615705200) * WD_US_PER_SEC;
    EXPECT_INT(wd_tz_offset_at(ny, t - 1), -18000);
    EXPECT_INT(wd_tz_offset_at(ny, t), -14400);
    /* Lord Howe: +10:30 standard, +11:00 summer (a 30-minute DST);
     * 2021-10-03T02:00 local -> 2021-10-02T15:30:00Z */
    t = INT64_C(1633188600) * WD_US_PER_SEC;
    EXPECT_INT(wd_tz_offset_at(lh, t - 1), 37800);
    EXPECT_INT(wd_tz_offset_at(lh, t), 39600);
    /* far future: the footer TZ string (2100-07-01 and 2100-01-01) */
    EXPECT_INT(wd_tz_offset_at(be, INT64_C(4118083200) * WD_US_PER_SEC), 7200);
    EXPECT_INT(wd_tz_offset_at(be, INT64_C(4102444800) * WD_US_PER_SEC), 3600);
    EXPECT_INT(wd_tz_offset_at(lh, INT64_C(4102444800) * WD_US_PER_SEC), 39600);
    EXPECT_INT(wd_tz_offset_at(lh, INT64_C(4118083200) * WD_US_PER_SEC), 37800);
    /* Lord Howe local 2021-10-03T02:15 is skipped (02:00 -> 02:30): earlier offset +10:30 */
    struct wd_civil c = {2021, 10, 3, 2, 15, 0, 0, 0};
    EXPECT_STR(iso(wd_tz_local_to_utc(lh, wd_time_from_civil(&c))), "2021-10-02T15:45:00+00:00");
    /* Lord Howe local 2021-04-04T01:45 happens twice (02:00 -> 01:30): earlier is +11:00 */
    c = (struct wd_civil){2021, 4, 4, 1, 45, 0, 0, 0};
    EXPECT_STR(iso(wd_tz_local_to_utc(lh, wd_time_from_civil(&c))), "2021-04-03T14:45:00+00:00");
    wd_tz_free(be);
    wd_tz_free(ny);
    wd_tz_free(lh);
}

/* glibc localtime_r's tm_gmtoff for the zone, at instant t (seconds). */
static long glibc_off(const char *tzenv, time_t t)
{
    static char cur[128];
    if (strcmp(cur, tzenv) != 0) {
        setenv("TZ", tzenv, 1);
        tzset();
        snprintf(cur, sizeof(cur), "%s", tzenv);
    }
    struct tm tm;
    localtime_r(&t, &tm);
    return tm.tm_gmtoff;
}

/* Offsets at 5000 random instants per zone, 1900..2200, against glibc. */
static void t_tz_vs_glibc(void)
{
    if (!have_zoneinfo())
        SKIP("no /usr/share/zoneinfo");
    static const char *const names[] = {
        "Europe/Berlin",     "America/New_York", "Australia/Lord_Howe", "Europe/London",
        "America/Sao_Paulo", "Asia/Kolkata",     "Pacific/Chatham",     "Africa/Casablanca",
        "Antarctica/Troll",  "America/Santiago"};
    uint64_t r = 0x9e3779b97f4a7c15ull;
    for (size_t z = 0; z < WD_ARRAY_LEN(names); z++) {
        struct wd_tz *tz = zone(names[z]);
        if (!tz)
            continue; /* tzdata without this zone */
        char env[80];
        snprintf(env, sizeof(env), ":%s", names[z]);
        for (int k = 0; k < 5000; k++) {
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            int64_t s = -2208988800LL + (int64_t)(r % UINT64_C(9467280000)); /* 1900..2200 */
            long want = glibc_off(env, (time_t)s);
            int got = wd_tz_offset_at(tz, s * WD_US_PER_SEC);
            if (got != want) {
                printf("FAIL %s: %s at %lld: %d, glibc %ld\n", wd_test_name_, names[z],
                       (long long)s, got, want);
                wd_test_failed_ = 1;
                wd_tz_free(tz);
                return;
            }
            /* local -> UTC round trip where the local time exists exactly once */
            int64_t l = s * WD_US_PER_SEC + (int64_t)got * WD_US_PER_SEC;
            int64_t u = wd_tz_local_to_utc(tz, l);
            int back = wd_tz_offset_at(tz, u);
            FAIL_UNLESS(u + (int64_t)back * WD_US_PER_SEC == l || u <= s * WD_US_PER_SEC);
        }
        wd_tz_free(tz);
    }
    unsetenv("TZ");
    tzset();
}

/* POSIX TZ strings against glibc's own interpretation of the same strings. */
static void t_tz_posix(void)
{
    static const char *const specs[] = {"CET-1CEST,M3.5.0,M10.5.0/3",
                                        "EST5EDT,M3.2.0,M11.1.0",
                                        "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
                                        "AEST-10AEDT,M10.1.0,M4.1.0/3",
                                        "NZST-12NZDT,M9.5.0,M4.1.0/3",
                                        "XXX3YYY,J60/1,J300/2:30",
                                        "XXX3YYY,59/1,299/2",
                                        "IST-1GMT0,M10.5.0,M3.5.0/1",
                                        "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1",
                                        "UTC0"};
    uint64_t r = 12345;
    struct wd_perr e = {0};
    struct wd_tz *us;
    for (size_t z = 0; z < WD_ARRAY_LEN(specs); z++) {
        struct wd_tz *tz = wd_tz_posix(specs[z], strlen(specs[z]), &e);
        if (!tz) {
            printf("FAIL %s: cannot parse %s\n", wd_test_name_, specs[z]);
            wd_test_failed_ = 1;
            return;
        }
        for (int k = 0; k < 3000; k++) {
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            int64_t s = (int64_t)(r % UINT64_C(4102444800)); /* 1970..2100 */
            long want = glibc_off(specs[z], (time_t)s);
            int got = wd_tz_offset_at(tz, s * WD_US_PER_SEC);
            if (got != want) {
                printf("FAIL %s: %s at %lld: %d, glibc %ld\n", wd_test_name_, specs[z],
                       (long long)s, got, want);
                wd_test_failed_ = 1;
                wd_tz_free(tz);
                return;
            }
        }
        wd_tz_free(tz);
    }
    unsetenv("TZ");
    tzset();
    /* RFC 8536 3.3.1: DST all year (glibc disagrees at the year boundary) */
    us = wd_tz_posix("EST5EDT,0/0,J365/25", 19, &e);
    FAIL_UNLESS(us != NULL);
    for (int64_t s = 0; s < INT64_C(4102444800); s += INT64_C(86399) * 7)
        FAIL_UNLESS(wd_tz_offset_at(us, s * WD_US_PER_SEC) == -14400);
    wd_tz_free(us);
    /* no rules: the US rules of 2007 (glibc would use its posixrules file instead) */
    us = wd_tz_posix("EST5EDT", 7, &e);
    FAIL_UNLESS(us != NULL);
    EXPECT_INT(wd_tz_offset_at(us, INT64_C(1615705199) * WD_US_PER_SEC), -18000);
    EXPECT_INT(wd_tz_offset_at(us, INT64_C(1615705200) * WD_US_PER_SEC), -14400);
    wd_tz_free(us);
    static const char *const bad[] = {"",
                                      "C",
                                      "CET",
                                      "CET-1CEST,M3.5.0",
                                      "CET-1CEST,M13.5.0,M1.1.0",
                                      "CET-1CEST,M3.6.0,M10.5.0",
                                      "CET-25",
                                      "CET-1CEST,J0,J365",
                                      "<AB>1",
                                      "CET-1:60",
                                      "CET-1CEST,M3.5.0/168,M10.5.0"};
    for (size_t i = 0; i < WD_ARRAY_LEN(bad); i++) {
        struct wd_tz *tz = wd_tz_posix(bad[i], strlen(bad[i]), &e);
        if (tz) {
            printf("FAIL %s: accepted bad TZ string [%s]\n", wd_test_name_, bad[i]);
            wd_test_failed_ = 1;
            wd_tz_free(tz);
            return;
        }
        EXPECT_INT(e.code, WD_EPARSE);
    }
}

/* Every truncation and many corruptions of a real TZif file fail cleanly. */
static void t_tzif_corrupt(void)
{
    FILE *f = fopen("/usr/share/zoneinfo/Europe/Berlin", "rb");
    if (!f)
        SKIP("no /usr/share/zoneinfo");
    static unsigned char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    struct wd_perr e = {0};
    struct wd_tz *tz = wd_tz_parse_tzif(buf, n, "x", &e);
    FAIL_UNLESS(tz != NULL);
    wd_tz_free(tz);
    for (size_t len = 0; len < n; len++) {
        tz = wd_tz_parse_tzif(buf, len, "x", &e);
        /* a file cut inside its footer is corrupt; cut exactly before it is fine (v1 view) */
        if (tz)
            wd_tz_free(tz);
        else
            FAIL_UNLESS(e.code == WD_ECORRUPT);
    }
    FAIL_UNLESS(wd_tz_parse_tzif(buf, 44, "x", &e) == NULL);
    uint64_t r = 99;
    static unsigned char cp[65536];
    for (int k = 0; k < 3000; k++) {
        memcpy(cp, buf, n);
        for (int j = 0; j < 4; j++) {
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            cp[r % n] = (unsigned char)(r >> 32);
        }
        tz = wd_tz_parse_tzif(cp, n, "x", &e);
        if (tz) {
            /* whatever was accepted must answer queries without misbehaving */
            for (int64_t s = -3000000000LL; s < 5000000000LL; s += 123456789)
                (void)wd_tz_local_to_utc(tz, s * WD_US_PER_SEC);
            wd_tz_free(tz);
        }
    }
}

WD_TEST_LIST{
    {"civil", t_civil},
    {"iso", t_iso},
    {"spec_b_examples", t_spec_b_examples},
    {"rule3_integers", t_rule3_integers},
    {"rule2_floats", t_rule2_floats},
    {"other_json_types", t_other_json_types},
    {"rule4_numeric_strings", t_rule4_numeric_strings},
    {"rule4_iso", t_rule4_iso},
    {"rule4_formats", t_rule4_formats},
    {"rule4_fuzzy", t_rule4_fuzzy},
    {"fast_path_equivalence", t_fast_path_equivalence},
    {"syslog_fast_path_equivalence", t_syslog_fast_path_equivalence},
    {"naive_zone", t_naive_zone},
    {"tz_fixed", t_tz_fixed},
    {"tz_known", t_tz_known},
    {"tz_vs_glibc", t_tz_vs_glibc},
    {"tz_posix", t_tz_posix},
    {"tzif_corrupt", t_tzif_corrupt},
};

WD_TEST_MAIN
