/*
 * test_lag.c: unit tests for src/lag.c: quantile estimates over the recent window per
 * (sensor, log) and merged, the window boundary, write-time lag, future events, last-seen
 * times, and the Prometheus/JSON renderings.
 */
#include "wd_test.h"

#include "lag.h"
#include "mem.h"
#include "ward.h"

#define T0 INT64_C(1778330090000000) /* receive times start here (a slot boundary) */

static void t_quantiles(void)
{
    struct wd_lag *l = wd_lag_new();
    /* 100 events with lags 1..100 s, received over 10 s */
    for (int i = 1; i <= 100; i++)
        wd_lag_observe(l, WD_STR("s1"), WD_STR("conn"), T0 + i * 100000,
                       T0 + i * 100000 - (int64_t)i * 1000000, INT64_MIN);
    double q;
    FAIL_UNLESS(wd_lag_quantile(l, "s1", "conn", WD_LAG_EVENT, 0.95, T0 + 10000000, 60, &q) ==
                WD_OK);
    FAIL_UNLESS(q > 95 * 0.75 && q < 95 * 1.25);
    FAIL_UNLESS(wd_lag_quantile(l, "s1", "conn", WD_LAG_EVENT, 0.5, T0 + 10000000, 60, &q) ==
                WD_OK);
    FAIL_UNLESS(q > 50 * 0.75 && q < 50 * 1.25);
    /* no write times were given */
    FAIL_UNLESS(wd_lag_quantile(l, "s1", "conn", WD_LAG_WRITE, 0.95, T0 + 10000000, 60, &q) ==
                WD_ENOENT);
    /* another sensor with small lags: merged p95 lies between, per-sensor p95 is small */
    for (int i = 0; i < 100; i++)
        wd_lag_observe(l, WD_STR("s2"), WD_STR("dns"), T0 + 5000000, T0 + 4990000, T0 + 4995000);
    FAIL_UNLESS(wd_lag_quantile(l, "s2", "dns", WD_LAG_EVENT, 0.95, T0 + 10000000, 60, &q) ==
                WD_OK);
    FAIL_UNLESS(q > 0.0075 && q < 0.0125);
    FAIL_UNLESS(wd_lag_quantile(l, "s2", "dns", WD_LAG_WRITE, 0.95, T0 + 10000000, 60, &q) ==
                WD_OK);
    FAIL_UNLESS(q > 0.00375 && q < 0.00625);
    FAIL_UNLESS(wd_lag_quantile(l, NULL, NULL, WD_LAG_EVENT, 0.95, T0 + 10000000, 60, &q) == WD_OK);
    FAIL_UNLESS(q > 90 * 0.75 && q < 90 * 1.25);
    /* two minutes later the window is empty */
    FAIL_UNLESS(wd_lag_quantile(l, "s1", "conn", WD_LAG_EVENT, 0.95, T0 + 130000000, 60, &q) ==
                WD_ENOENT);
    int64_t ls;
    FAIL_UNLESS(wd_lag_last_seen(l, "s1", "conn", &ls) == WD_OK && ls == T0 + 10000000);
    FAIL_UNLESS(wd_lag_last_seen(l, "s2", NULL, &ls) == WD_OK && ls == T0 + 5000000);
    FAIL_UNLESS(wd_lag_last_seen(l, "s3", NULL, &ls) == WD_ENOENT);
    wd_lag_free(l);
}

static void t_render(void)
{
    struct wd_lag *l = wd_lag_new();
    wd_lag_observe(l, WD_STR("s\"1"), WD_STR("conn"), T0, T0 - 3000000, T0 - 1000000);
    wd_lag_observe(l, WD_STR("s\"1"), WD_STR("conn"), T0, T0 + 5000000, INT64_MIN); /* future */
    struct wd_buf b;
    wd_buf_init(&b, 0);
    wd_lag_render_prom(l, &b);
    FAIL_UNLESS(strstr(b.p, "ward_zeek_lag_seconds_bucket{sensor=\"s\\\"1\",log=\"conn\","
                            "kind=\"event\",le=\"2\"} 1\n"));
    FAIL_UNLESS(strstr(b.p, "ward_zeek_lag_seconds_bucket{sensor=\"s\\\"1\",log=\"conn\","
                            "kind=\"event\",le=\"5\"} 2\n"));
    FAIL_UNLESS(strstr(b.p, "ward_zeek_lag_seconds_count{sensor=\"s\\\"1\",log=\"conn\","
                            "kind=\"write\"} 1\n"));
    FAIL_UNLESS(strstr(b.p, "ward_zeek_last_seen_timestamp_seconds{sensor=\"s\\\"1\",log=\"conn\"} "
                            "1778330090.000000\n"));
    b.len = 0;
    wd_lag_render_json(l, T0 + 1000000, &b);
    FAIL_UNLESS(strstr(b.p, "\"events\":2,\"future_events\":1,\"last_seen\":1778330090.000000"));
    FAIL_UNLESS(strstr(b.p, "\"lag_p95_s\":") && !strstr(b.p, "\"lag_p95_s\":null"));
    wd_buf_fini(&b);
    wd_lag_free(l);
}

WD_TEST_LIST{
    {"lag_quantiles_window_last_seen", t_quantiles},
    {"lag_render", t_render},
};

WD_TEST_MAIN
