/*
 * reltime.c: wd_reltime_parse() (see reltime.h). The grammar is small enough to be
 * decided by the first bytes: a leading four-digit year with '-' is ISO 8601 (handed to
 * wd_time_parse_fast, which owns ISO parsing for the whole project), digits only is an
 * epoch number, and everything else must be `now` and/or a signed offset with a unit.
 * Every arithmetic step is overflow-checked; the result must lie in Python's datetime
 * range like every other ward timestamp.
 */
#include <strings.h>

#include "reltime.h"

#include "wd_time.h"

#include "ward.h"

static int fail(struct wd_perr *err, size_t off, const char *msg)
{
    if (err) {
        err->code = WD_EPARSE;
        err->off = off;
        err->msg = msg;
    }
    return WD_EPARSE;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int64_t unit_us(char u)
{
    switch (u) {
    case 's':
        return WD_US_PER_SEC;
    case 'm':
        return 60 * WD_US_PER_SEC;
    case 'h':
        return 3600 * WD_US_PER_SEC;
    case 'd':
        return WD_US_PER_DAY;
    case 'w':
        return 7 * WD_US_PER_DAY;
    default:
        return 0;
    }
}

static int finish(int64_t us, int64_t *out_us, struct wd_perr *err)
{
    if (us < WD_TIME_MIN_US || us > WD_TIME_MAX_US)
        return fail(err, 0, "time outside years 1..9999");
    *out_us = us;
    return WD_OK;
}

static int parse_epoch(const char *s, size_t len, int64_t *out_us, struct wd_perr *err)
{
    if (len > 13)
        return fail(err, 13,
                    "epoch number with more than 13 digits (seconds: up to 10, "
                    "milliseconds: 11 to 13)");
    int64_t v = 0;
    for (size_t i = 0; i < len; i++)
        v = v * 10 + (s[i] - '0');
    int64_t us = len <= 10 ? v * WD_US_PER_SEC : v * 1000;
    return finish(us, out_us, err);
}

/* [now](+|-)N unit, or `now` alone. */
static int parse_relative(const char *s, size_t len, int64_t now_us, int64_t *out_us,
                          struct wd_perr *err)
{
    size_t i = 0;
    if (len >= 3 && strncasecmp(s, "now", 3) == 0) {
        i = 3;
        if (i == len)
            return finish(now_us, out_us, err);
    }
    if (s[i] != '-' && s[i] != '+')
        return fail(err, i,
                    i ? "expected '-' or '+' after 'now'"
                      : "expected an ISO 8601 time, epoch seconds, 'now' or an offset "
                        "such as -15m");
    bool neg = s[i] == '-';
    i++;
    size_t d0 = i;
    int64_t n = 0;
    while (i < len && is_digit(s[i])) {
        if (n > (INT64_MAX - 9) / 10)
            return fail(err, d0, "offset too large");
        n = n * 10 + (s[i] - '0');
        i++;
    }
    if (i == d0)
        return fail(err, i, "expected digits after the sign");
    if (i == len)
        return fail(err, i, "expected a unit (s, m, h, d or w) after the number");
    int64_t u = unit_us(s[i]);
    if (!u)
        return fail(err, i, "unknown unit: expected s, m, h, d or w");
    if (i + 1 != len)
        return fail(err, i + 1, "unexpected text after the unit");
    int64_t off;
    if (__builtin_mul_overflow(n, u, &off))
        return fail(err, d0, "offset too large");
    int64_t us;
    if (neg ? __builtin_sub_overflow(now_us, off, &us) : __builtin_add_overflow(now_us, off, &us))
        return fail(err, d0, "offset too large");
    return finish(us, out_us, err);
}

int wd_reltime_parse(const char *s, size_t len, int64_t now_us, int64_t *out_us,
                     struct wd_perr *err)
{
    if (len == 0)
        return fail(err, 0, "empty time");
    if (len > WD_RELTIME_MAX)
        return fail(err, WD_RELTIME_MAX, "time too long");
    size_t nd = 0;
    while (nd < len && is_digit(s[nd]))
        nd++;
    if (nd == len)
        return parse_epoch(s, len, out_us, err);
    if (nd == 4 && s[4] == '-') {
        int64_t us;
        int rc = wd_time_parse_fast(s, len, NULL, &us);
        if (rc == WD_OK)
            return finish(us, out_us, err);
        return fail(err, 0,
                    rc == WD_EPARSE ? "impossible date or time"
                                    : "expected an ISO 8601 time such as 2024-05-01T10:00:00Z");
    }
    if (nd > 0)
        return fail(err, nd, "expected only digits (epoch) or an ISO 8601 time");
    return parse_relative(s, len, now_us, out_us, err);
}
