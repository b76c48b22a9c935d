/*
 * test_win_norm.c: Windows event JSON (EVTX rendering, Winlogbeat) normalized into the
 * MozDef envelope by wd_norm_event (src/win_norm.c): System fields under Sigma's names,
 * EventData / UserData by name (both EVTX renderings of Data), the envelope fields, and
 * events that are not Windows ones left to the usual mapping.
 */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "jv.h"
#include "mem.h"
#include "norm.h"
#include "ward.h"
#include "wd_test.h"

static struct wd_arena a;
static char out[8192];

/* Normalizes json; returns the event as compact JSON text in `out` (or NULL). */
static struct wd_jv *norm(const char *json)
{
    wd_arena_reset(&a);
    struct wd_jv *v, *ev;
    struct wd_perr pe;
    if (wd_json_parse(json, strlen(json), strlen(json), 0, &a, &v, &pe) != WD_OK)
        return NULL;
    struct wd_norm_opts o = {.mozdefhostname = "m", .now_us = 1767225600000000ll};
    if (wd_norm_event(&a, &o, v, &ev, NULL) != WD_OK)
        return NULL;
    struct wd_buf b;
    wd_buf_init(&b, 0);
    wd_jv_write(ev, &b);
    snprintf(out, sizeof(out), "%.*s", (int)b.len, b.p);
    wd_buf_fini(&b);
    return ev;
}

static const char *str(const struct wd_jv *ev, const char *path)
{
    static char buf[512];
    const struct wd_jv *v = wd_jv_path(ev, path);
    if (!v)
        return "(absent)";
    struct wd_buf b;
    wd_buf_init(&b, 0);
    wd_jv_text(v, &b);
    snprintf(buf, sizeof(buf), "%.*s", (int)b.len, b.p ? b.p : "");
    wd_buf_fini(&b);
    return buf;
}

static void t_evtx(void)
{
    wd_arena_init(&a, 64 << 10, 16u << 20);
    struct wd_jv *ev = norm(
        "{\"Event\":{\"#attributes\":{\"xmlns\":\"x\"},\"System\":{\"Provider\":{\"#attributes\":"
        "{\"Name\":\"Microsoft-Windows-Security-Auditing\",\"Guid\":\"{54849625}\"}},"
        "\"EventID\":{\"#attributes\":{\"Qualifiers\":0},\"#text\":4688},\"Level\":0,"
        "\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"2026-02-03T04:05:06.789Z\"}},"
        "\"Execution\":{\"#attributes\":{\"ProcessID\":4,\"ThreadID\":8}},\"Channel\":"
        "\"Security\",\"Computer\":\"dc1.corp\",\"Security\":null},"
        "\"EventData\":{\"Data\":[{\"#attributes\":{\"Name\":\"NewProcessName\"},\"#text\":"
        "\"C:\\\\x.exe\"},{\"#attributes\":{\"Name\":\"SubjectUserName\"},\"#text\":\"bob\"}]}}}");
    FAIL_UNLESS(ev != NULL);
    EXPECT_STR(str(ev, "details.EventID"), "4688");
    EXPECT_STR(str(ev, "details.EventID_Qualifiers"), "0");
    EXPECT_STR(str(ev, "details.Provider_Name"), "Microsoft-Windows-Security-Auditing");
    EXPECT_STR(str(ev, "details.Provider_Guid"), "{54849625}");
    EXPECT_STR(str(ev, "details.Execution_ProcessID"), "4");
    EXPECT_STR(str(ev, "details.Channel"), "Security");
    EXPECT_STR(str(ev, "details.NewProcessName"), "C:\\x.exe");
    EXPECT_STR(str(ev, "details.SubjectUserName"), "bob");
    /* Security 4688 under the Sysmon name too */
    EXPECT_STR(str(ev, "details.Image"), "C:\\x.exe");
    EXPECT_STR(str(ev, "details.ParentImage"), "(absent)");
    EXPECT_STR(str(ev, "details.Security"), "(absent)"); /* null elements are left out */
    EXPECT_STR(str(ev, "hostname"), "dc1.corp");
    EXPECT_STR(str(ev, "processname"), "Microsoft-Windows-Security-Auditing");
    EXPECT_STR(str(ev, "source"), "Security");
    EXPECT_STR(str(ev, "category"), "windows");
    EXPECT_STR(str(ev, "utctimestamp"), "2026-02-03T04:05:06.789000+00:00");
    EXPECT_STR(str(ev, "summary"), "Windows Security event 4688: C:\\x.exe");
    FAIL_UNLESS(strstr(out, "\"tags\":[\"windows\"]") != NULL);
}

static void t_evtx_named_and_userdata(void)
{
    struct wd_jv *ev =
        norm("{\"Event\":{\"System\":{\"EventID\":104,\"Channel\":\"System\",\"Computer\":\"h\"},"
             "\"UserData\":{\"LogFileCleared\":{\"#attributes\":{\"xmlns\":\"y\"},"
             "\"SubjectUserName\":\"eve\",\"Channel\":\"Application\"}}}}");
    FAIL_UNLESS(ev != NULL);
    EXPECT_STR(str(ev, "details.SubjectUserName"), "eve");
    /* a UserData field does not replace the System channel already set */
    EXPECT_STR(str(ev, "source"), "System");
    ev = norm("{\"Event\":{\"System\":{\"EventID\":1},\"EventData\":{\"Data\":[\"a\",\"b\"],"
              "\"Image\":{\"#text\":\"C:\\\\y.exe\"}}}}");
    FAIL_UNLESS(ev != NULL);
    EXPECT_STR(str(ev, "details.Data"), "[\"a\",\"b\"]"); /* unnamed Data stay a list */
    EXPECT_STR(str(ev, "details.Image"), "C:\\y.exe");
    /* not Security 4688: NewProcessName stays alone */
    ev = norm("{\"Event\":{\"System\":{\"EventID\":4689,\"Channel\":\"Security\"},"
              "\"EventData\":{\"NewProcessName\":\"C:\\\\n.exe\"}}}");
    FAIL_UNLESS(ev != NULL);
    EXPECT_STR(str(ev, "details.Image"), "(absent)");
}

static void t_winlogbeat(void)
{
    struct wd_jv *ev =
        norm("{\"@timestamp\":\"2026-02-03T04:05:06.000Z\",\"message\":\"Process Create: x\","
             "\"winlog\":{\"event_id\":\"1\",\"channel\":\"Microsoft-Windows-Sysmon/Operational\","
             "\"provider_name\":\"Microsoft-Windows-Sysmon\",\"computer_name\":\"ws2\","
             "\"record_id\":77,\"process\":{\"pid\":1234,\"thread\":{\"id\":5}},"
             "\"user\":{\"identifier\":\"S-1-5-18\"},\"event_data\":{\"Image\":\"C:\\\\z.exe\","
             "\"CommandLine\":\"z -q\"}}}");
    FAIL_UNLESS(ev != NULL);
    EXPECT_STR(str(ev, "details.EventID"), "1");
    EXPECT_STR(str(ev, "details.Channel"), "Microsoft-Windows-Sysmon/Operational");
    EXPECT_STR(str(ev, "details.Computer"), "ws2");
    EXPECT_STR(str(ev, "details.EventRecordID"), "77");
    EXPECT_STR(str(ev, "details.Execution_ProcessID"), "1234");
    EXPECT_STR(str(ev, "details.Execution_ThreadID"), "5");
    EXPECT_STR(str(ev, "details.Security_UserID"), "S-1-5-18");
    EXPECT_STR(str(ev, "details.Image"), "C:\\z.exe");
    EXPECT_STR(str(ev, "details.CommandLine"), "z -q");
    EXPECT_STR(str(ev, "hostname"), "ws2");
    EXPECT_STR(str(ev, "summary"), "Process Create: x");
    EXPECT_STR(str(ev, "utctimestamp"), "2026-02-03T04:05:06+00:00");
}

static void t_not_windows(void)
{
    /* an "Event" key that is not an EVTX rendering, and an ordinary event */
    struct wd_jv *ev = norm("{\"summary\":\"s\",\"Event\":\"login\"}");
    FAIL_UNLESS(ev != NULL);
    EXPECT_STR(str(ev, "details.Event"), "login");
    FAIL_IF(strstr(out, "\"windows\"") != NULL);
    ev = norm("{\"summary\":\"s\",\"winlog\":3}");
    FAIL_UNLESS(ev != NULL);
    FAIL_IF(strstr(out, "\"windows\"") != NULL);
    wd_arena_fini(&a);
}

WD_TEST_LIST{
    {"win_norm_evtx", t_evtx},
    {"win_norm_evtx_named_and_userdata", t_evtx_named_and_userdata},
    {"win_norm_winlogbeat", t_winlogbeat},
    {"win_norm_not_windows", t_not_windows},
};
WD_TEST_MAIN
