/*
 * test_reltime.c: unit tests for wd_reltime_parse() (src/reltime.h): ISO 8601 with and
 * without zones, epoch seconds and milliseconds, `now`, relative offsets, and the exact
 * error offsets and messages of rejected inputs.
 */
#include "reltime.h"

#include "wd_test.h"

#include "wd_time.h"
#include "ward.h"

/* 2026-05-09T12:34:56Z, a fixed "now" */
#define NOW_US INT64_C(1778330096000000)

static int64_t got_us;
static struct wd_perr got_err;

static int parse(const char *s)
{
    got_us = -1;
    memset(&got_err, 0, sizeof(got_err));
    return wd_reltime_parse(s, strlen(s), NOW_US, &got_us, &got_err);
}

static const char *iso_of(const char *s)
{
    static char buf[WD_TIME_ISO_MAX];
    if (parse(s) != WD_OK)
        return "ERR";
    wd_time_iso(got_us, buf);
    return buf;
}

static void t_iso(void)
{
    EXPECT_STR(iso_of("2024-05-01"), "2024-05-01T00:00:00+00:00");
    EXPECT_STR(iso_of("2024-05-01T10:00"), "2024-05-01T10:00:00+00:00");
    EXPECT_STR(iso_of("2024-05-01T10:00:00Z"), "2024-05-01T10:00:00+00:00");
    EXPECT_STR(iso_of("2024-05-01T10:00:00.25Z"), "2024-05-01T10:00:00.250000+00:00");
    EXPECT_STR(iso_of("2024-05-01 10:00:00+02:00"), "2024-05-01T08:00:00+00:00");
    EXPECT_STR(iso_of("2024-05-01T10:00:00-0130"), "2024-05-01T11:30:00+00:00");
    /* no zone means UTC, whatever the server's naive zone is */
    EXPECT_STR(iso_of("2024-05-01T23:59:59"), "2024-05-01T23:59:59+00:00");
}

static void t_epoch(void)
{
    EXPECT_INT(parse("0"), WD_OK);
    EXPECT_INT(got_us, 0);
    EXPECT_INT(parse("1700000000"), WD_OK);
    EXPECT_INT(got_us, INT64_C(1700000000) * 1000000);
    EXPECT_INT(parse("1700000000123"), WD_OK);
    EXPECT_INT(got_us, INT64_C(1700000000123) * 1000);
    EXPECT_INT(parse("17000000001"), WD_OK); /* 11 digits: milliseconds */
    EXPECT_INT(got_us, INT64_C(17000000001) * 1000);
    EXPECT_INT(parse("17000000001234"), WD_EPARSE);
    EXPECT_INT(got_err.off, 13);
    EXPECT_INT(parse("9999999999"), WD_OK); /* 2286 */
}

static void t_now_and_relative(void)
{
    EXPECT_INT(parse("now"), WD_OK);
    EXPECT_INT(got_us, NOW_US);
    EXPECT_INT(parse("NOW"), WD_OK);
    EXPECT_INT(got_us, NOW_US);
    EXPECT_INT(parse("-15m"), WD_OK);
    EXPECT_INT(got_us, NOW_US - INT64_C(15) * 60 * 1000000);
    EXPECT_INT(parse("-2h"), WD_OK);
    EXPECT_INT(got_us, NOW_US - INT64_C(2) * 3600 * 1000000);
    EXPECT_INT(parse("-7d"), WD_OK);
    EXPECT_INT(got_us, NOW_US - 7 * WD_US_PER_DAY);
    EXPECT_INT(parse("-30s"), WD_OK);
    EXPECT_INT(got_us, NOW_US - 30 * WD_US_PER_SEC);
    EXPECT_INT(parse("now-1h"), WD_OK);
    EXPECT_INT(got_us, NOW_US - 3600 * WD_US_PER_SEC);
    EXPECT_INT(parse("now+10s"), WD_OK);
    EXPECT_INT(got_us, NOW_US + 10 * WD_US_PER_SEC);
    EXPECT_INT(parse("+1w"), WD_OK);
    EXPECT_INT(got_us, NOW_US + 7 * WD_US_PER_DAY);
    EXPECT_INT(parse("-0s"), WD_OK);
    EXPECT_INT(got_us, NOW_US);
}

#define EXPECT_ERR(s, off_, msg_)                                                                  \
    do {                                                                                           \
        EXPECT_INT(parse(s), WD_EPARSE);                                                           \
        EXPECT_INT(got_err.off, (off_));                                                           \
        EXPECT_STR(got_err.msg, (msg_));                                                           \
        EXPECT_INT(got_us, -1);                                                                    \
    } while (0)

static void t_errors(void)
{
    EXPECT_ERR("", 0, "empty time");
    EXPECT_ERR("yesterday", 0,
               "expected an ISO 8601 time, epoch seconds, 'now' or an offset such as -15m");
    EXPECT_ERR("now1h", 3, "expected '-' or '+' after 'now'");
    EXPECT_ERR("-h", 1, "expected digits after the sign");
    EXPECT_ERR("-15", 3, "expected a unit (s, m, h, d or w) after the number");
    EXPECT_ERR("-15y", 3, "unknown unit: expected s, m, h, d or w");
    EXPECT_ERR("-15M", 3, "unknown unit: expected s, m, h, d or w");
    EXPECT_ERR("-15mm", 4, "unexpected text after the unit");
    EXPECT_ERR("now-15m ", 7, "unexpected text after the unit");
    EXPECT_ERR("12ab", 2, "expected only digits (epoch) or an ISO 8601 time");
    EXPECT_ERR("2024-13-01", 0, "impossible date or time");
    EXPECT_ERR("2024-05-01Tfoo", 0, "expected an ISO 8601 time such as 2024-05-01T10:00:00Z");
    EXPECT_ERR("-99999999999999999999d", 1, "offset too large");
    EXPECT_ERR("-9999999999999d", 1, "offset too large");
    EXPECT_ERR("-5000000w", 0, "time outside years 1..9999");
    EXPECT_ERR("+10000000d", 0, "time outside years 1..9999");
    char longs[WD_RELTIME_MAX + 2];
    memset(longs, '1', sizeof(longs) - 1);
    longs[sizeof(longs) - 1] = '\0';
    EXPECT_ERR(longs, WD_RELTIME_MAX, "time too long");
}

/* Input need not be NUL-terminated: only len bytes are read. */
static void t_not_terminated(void)
{
    const char buf[] = "-15mXYZ";
    int64_t us = 0;
    EXPECT_INT(wd_reltime_parse(buf, 4, NOW_US, &us, NULL), WD_OK);
    EXPECT_INT(us, NOW_US - 15 * 60 * WD_US_PER_SEC);
    EXPECT_INT(wd_reltime_parse("now", 2, NOW_US, &us, NULL), WD_EPARSE);
}

WD_TEST_LIST{
    {"reltime_iso", t_iso},
    {"reltime_epoch", t_epoch},
    {"reltime_now_and_relative", t_now_and_relative},
    {"reltime_errors", t_errors},
    {"reltime_not_terminated", t_not_terminated},
};

WD_TEST_MAIN
