/*
 * test_syslog_map.c: a parsed syslog message becomes the MozDef input keys syslog-ng
 * gave MozDef (syslog_net.c): names from PRI, time zone and year handling, structured
 * data into details, JSON bodies merged.
 */
#include "jv.h"
#include "mem.h"
#include "syslog.h"
#include "syslog_net.h"
#include "wd_time.h"
#include "ward.h"
#include "wd_test.h"

/* 2026-01-10T12:00:00Z */
#define NOW_US INT64_C(1768046400000000)

static const char *map(const char *line, const char *zone, int64_t now)
{
    static char out[2048];
    struct wd_syslog_msg m;
    struct wd_perr perr;
    struct wd_arena a;
    struct wd_buf b;
    struct wd_tz *tz = wd_tz_load(zone, &perr);
    WD_BUG_ON(!tz);
    wd_arena_init(&a, 0, 0);
    wd_buf_init(&b, 0);
    out[0] = '\0';
    if (wd_syslog_parse(line, strlen(line), &m, &perr) == WD_OK) {
        struct wd_jv *o = wd_syslog_to_object(&m, "192.0.2.1", tz, now, 32, &a);
        wd_jv_write(o, &b);
        snprintf(out, sizeof(out), "%s", b.p);
    }
    wd_buf_fini(&b);
    wd_arena_fini(&a);
    wd_tz_free(tz);
    return out;
}

static void t_bsd_fields(void)
{
    EXPECT_STR(map("<38>Jan  8 10:00:00 bastion sshd[42]: Failed password", "UTC", NOW_US),
               "{\"utctimestamp\":\"2026-01-08T10:00:00+00:00\",\"hostname\":\"bastion\","
               "\"processname\":\"sshd\",\"processid\":\"42\",\"severity\":\"info\","
               "\"facility\":\"auth\",\"summary\":\"Failed password\",\"sourceip\":"
               "\"192.0.2.1\",\"details\":{\"syslog_format\":\"rfc3164\",\"pri\":38}}");
}

static void t_naive_zone_and_year_rollback(void)
{
    /* Berlin is UTC+1 in January. */
    const char *got = map("<13>Jan  8 10:00:00 h app: x", "Europe/Berlin", NOW_US);
    FAIL_UNLESS(strstr(got, "\"utctimestamp\":\"2026-01-08T09:00:00+00:00\""));
    /* A December message read on January 10th belongs to last year. */
    got = map("<13>Dec 31 23:59:59 h app: x", "UTC", NOW_US);
    FAIL_UNLESS(strstr(got, "\"utctimestamp\":\"2025-12-31T23:59:59+00:00\""));
    /* An explicit offset wins over the configured zone. */
    got = map("<13>1 2026-01-08T10:00:00.5+02:00 h app - - - x", "Europe/Berlin", NOW_US);
    FAIL_UNLESS(strstr(got, "\"utctimestamp\":\"2026-01-08T08:00:00.500000+00:00\""));
}

static void t_no_host_uses_peer_and_no_time_uses_now(void)
{
    const char *got = map("just text", "UTC", NOW_US);
    FAIL_UNLESS(strstr(got, "\"utctimestamp\":\"2026-01-10T12:00:00+00:00\""));
    FAIL_UNLESS(strstr(got, "\"hostname\":\"192.0.2.1\""));
    FAIL_UNLESS(strstr(got, "\"severity\":\"notice\",\"facility\":\"user\""));
}

static void t_structured_data(void)
{
    const char *got = map("<165>1 2003-10-11T22:14:15.003Z host app 1 ID47 [a@1 x=\"1\" "
                          "y=\"q\\\"t\"][b@2] msg",
                          "UTC", NOW_US);
    FAIL_UNLESS(strstr(got, "\"msgid\":\"ID47\",\"a@1\":{\"x\":\"1\",\"y\":\"q\\\"t\"},"
                            "\"b@2\":{}"));
}

static void t_json_body_merged(void)
{
    const char *got =
        map("<14>Jan  8 10:00:00 h app: @cee:{\"summary\":\"js\",\"n\":1}", "UTC", NOW_US);
    FAIL_UNLESS(strstr(got, "\"summary\":\"@cee:{"));          /* the raw message first ... */
    FAIL_UNLESS(strstr(got, "},\"summary\":\"js\",\"n\":1}")); /* ... then the JSON keys */
    got = map("<14>Jan  8 10:00:00 h app: {not json", "UTC", NOW_US);
    FAIL_UNLESS(strstr(got, "\"summary\":\"{not json\""));
}

WD_TEST_LIST{
    {"syslog_map_bsd_fields", t_bsd_fields},
    {"syslog_map_naive_zone_and_year_rollback", t_naive_zone_and_year_rollback},
    {"syslog_map_no_host_uses_peer_and_no_time_uses_now", t_no_host_uses_peer_and_no_time_uses_now},
    {"syslog_map_structured_data", t_structured_data},
    {"syslog_map_json_body_merged", t_json_body_merged},
};
WD_TEST_MAIN
