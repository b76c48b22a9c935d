/*
 * test_case.c: unit tests of the case subsystem: VERIS path validation (case_veris.c),
 * incident field validation and normalization (case_field.c), nearest-rank percentiles,
 * and the store (case_db.c) on a temporary data directory: per-field versions and the
 * all-or-nothing conflict answer, the timeline, triage acknowledgement times, and
 * suppression matching on the alert document and its sample events, with expiry.
 */
#include "case_db.h"
#include "case_field.h"
#include "case_veris.h"

#include "wd_test.h"

#include <unistd.h>

#include "json.h"
#include "jv.h"
#include "mem.h"
#include "ward.h"

static bool vp(int top, const char *p)
{
    return wd_veris_path_valid(top, p, strlen(p));
}

static void t_veris(void)
{
    FAIL_UNLESS(wd_veris_top("action") == 1 && wd_veris_top("nope") == -1);
    FAIL_UNLESS(vp(1, "hacking"));
    FAIL_UNLESS(vp(1, "hacking.variety.SQLi"));
    FAIL_UNLESS(vp(1, "social.vector.Email"));
    FAIL_UNLESS(vp(0, "external.motive.Financial"));
    FAIL_UNLESS(vp(2, "server.variety.Web application"));
    FAIL_UNLESS(vp(3, "confidentiality.data_variety.Credentials"));
    FAIL_IF(vp(1, "hacking.vector.SQLi")); /* a variety, not a vector */
    FAIL_IF(vp(0, "hacking"));             /* an action category, not an actor */
    FAIL_IF(vp(1, "hacking.variety."));
    FAIL_IF(vp(1, "hacking.variety.sqli")); /* case matters, as in VERIS */
    FAIL_IF(vp(1, "hacking.variety.SQLi.x"));
    FAIL_IF(vp(1, ""));
    FAIL_IF(wd_veris_path_valid(1, "hacking.variety.SQLi", 7) == false); /* "hacking" */
    struct wd_buf b;
    wd_buf_init(&b, 0);
    wd_veris_json(&b);
    struct wd_arena a;
    wd_arena_init(&a, 4096, 1 << 24);
    struct wd_jv *v;
    FAIL_UNLESS(wd_json_parse(b.p, b.len, b.len, 0, &a, &v, NULL) == WD_OK);
    FAIL_UNLESS(wd_jv_path(v, "action.hacking.variety") != NULL);
    FAIL_UNLESS(wd_jv_path(v, "attribute.availability.variety")->count == 8);
    wd_arena_fini(&a);
    wd_buf_fini(&b);
}

/* Checks `json` for field `name`: the normalized text, or "ERR: why". */
static const char *check(const char *name, const char *json)
{
    static char out[512];
    struct wd_arena a;
    wd_arena_init(&a, 4096, 1 << 20);
    struct wd_jv *v = NULL;
    if (wd_json_parse(json, strlen(json), strlen(json), 0, &a, &v, NULL) != WD_OK) {
        wd_arena_fini(&a);
        return "BADJSON";
    }
    struct wd_buf b;
    wd_buf_init(&b, 0);
    int64_t num = 0;
    bool has = false;
    char why[300];
    const struct wd_case_field *f = wd_case_field_find(name, strlen(name));
    if (!f)
        snprintf(out, sizeof(out), "NOFIELD");
    else if (wd_case_field_check(f, v, INT64_C(1767225600000000), &b, &num, &has, why,
                                 sizeof(why)) != WD_OK)
        snprintf(out, sizeof(out), "ERR: %s", why);
    else
        snprintf(out, sizeof(out), "%.*s%s", (int)b.len, b.p, has ? " (date)" : "");
    wd_buf_fini(&b);
    wd_arena_fini(&a);
    return out;
}

static void t_fields(void)
{
    EXPECT_STR(check("summary", "\"x\""), "\"x\"");
    EXPECT_STR(check("summary", "null"), "ERR: field 'summary': an incident needs a summary");
    EXPECT_STR(check("summary", "\"\""), "ERR: field 'summary': an incident needs a summary");
    EXPECT_STR(check("summary", "3"), "ERR: field 'summary': expected a string");
    EXPECT_STR(check("summary", "\"a\\u0001b\""),
               "ERR: field 'summary': invalid UTF-8 or control characters");
    EXPECT_STR(check("description", "\"line 1\\nline 2\""), "\"line 1\\nline 2\"");
    EXPECT_STR(check("description", "null"), "null");
    EXPECT_STR(check("phase", "\"Lessons Learned\""), "\"Lessons Learned\"");
    FAIL_UNLESS(!strncmp(check("phase", "\"closed\""), "ERR: field 'phase': expected one of", 35));
    EXPECT_STR(check("severity", "\"CRITICAL\""), "\"CRITICAL\"");
    EXPECT_STR(check("dateOpened", "\"2026-01-02T10:00:00+02:00\""),
               "\"2026-01-02T08:00:00+00:00\" (date)");
    EXPECT_STR(check("dateOpened", "\"now-1h\""), "\"2025-12-31T23:00:00+00:00\" (date)");
    FAIL_UNLESS(!strncmp(check("dateOpened", "\"tuesday\""), "ERR:", 4));
    FAIL_UNLESS(!strncmp(check("dateOpened", "1767225600"), "ERR:", 4));
    EXPECT_STR(check("references", "[\"a\",\"b\",\"a\"]"), "[\"a\",\"b\"]");
    EXPECT_STR(check("references", "[]"), "[]");
    FAIL_UNLESS(!strncmp(check("references", "[\"\"]"), "ERR:", 4));
    FAIL_UNLESS(!strncmp(check("references", "[1]"), "ERR:", 4));
    FAIL_UNLESS(!strncmp(check("references", "\"a\""), "ERR:", 4));
    EXPECT_STR(check("veris_action", "[\"hacking.variety.SQLi\",\"malware\"]"),
               "[\"hacking.variety.SQLi\",\"malware\"]");
    FAIL_UNLESS(strstr(check("veris_action", "[\"hacking.variety.Magic\"]"),
                       "not in the VERIS action taxonomy") != NULL);
    EXPECT_STR(check("nosuch", "1"), "NOFIELD");
    /* a 201-item list is one too many */
    char big[2048] = "[";
    size_t n = 1;
    for (int i = 0; i < 201; i++)
        n += (size_t)snprintf(big + n, sizeof(big) - n, "%s\"x\"", i ? "," : "");
    snprintf(big + n, sizeof(big) - n, "]");
    FAIL_UNLESS(strstr(check("lessons", big), "more than 200 items") != NULL);
    /* UTF-8: good multibyte, overlong and truncated sequences */
    EXPECT_STR(check("owner", "\"J\xc3\xb6rg \xe2\x82\xac \xf0\x9f\x94\x92\""),
               "\"J\xc3\xb6rg \xe2\x82\xac \xf0\x9f\x94\x92\"");
}

static void t_percentile(void)
{
    const double v[] = {1, 2, 3, 4, 10};
    FAIL_UNLESS(wd_case_percentile(v, 5, 50) == 3);
    FAIL_UNLESS(wd_case_percentile(v, 5, 90) == 10);
    FAIL_UNLESS(wd_case_percentile(v, 5, 20) == 1);
    FAIL_UNLESS(wd_case_percentile(v, 5, 21) == 2);
    FAIL_UNLESS(wd_case_percentile(v, 5, 100) == 10);
    FAIL_UNLESS(wd_case_percentile(v, 1, 99) == 1);
    FAIL_UNLESS(wd_case_percentile(v, 0, 50) == 0);
}

static char dir[64];

static struct wd_cases *open_tmp(void)
{
    snprintf(dir, sizeof(dir), "/tmp/wd-case-XXXXXX");
    if (!mkdtemp(dir))
        return NULL;
    char err[256];
    return wd_cases_open(dir, err, sizeof(err));
}

static void rm_tmp(void)
{
    char p[128];
    static const char *const files[] = {"cases.db", "cases.db-wal", "cases.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
        unlink(p);
    }
    rmdir(dir);
}

static void t_db_versions(void)
{
    struct wd_cases *c = open_tmp();
    FAIL_UNLESS(c != NULL);
    int64_t id = 0;
    FAIL_UNLESS(wd_cases_create(c, "alice", &id) == WD_OK && id == 1);
    struct wd_case_change a[] = {{"summary", "\"first\"", 0, false, -1},
                                 {"phase", "\"Identification\"", 0, false, -1}};
    struct wd_buf conf, out;
    wd_buf_init(&conf, 0);
    wd_buf_init(&out, 0);
    FAIL_UNLESS(wd_cases_update(c, id, "alice", a, 2, &conf) == WD_OK);
    struct wd_case_change b[] = {{"summary", "\"second\"", 0, false, 1}};
    FAIL_UNLESS(wd_cases_update(c, id, "bob", b, 1, &conf) == WD_OK);
    /* stale: summary is at version 2 now; phase is current: neither is written */
    struct wd_case_change s[] = {{"phase", "\"Closed\"", 0, false, 1},
                                 {"summary", "\"third\"", 0, false, 1}};
    FAIL_UNLESS(wd_cases_update(c, id, "carol", s, 2, &conf) == WD_EAGAIN);
    wd_buf_putc(&conf, '\0');
    FAIL_UNLESS(strstr(conf.p, "\"field\":\"summary\",\"yours\":1,\"version\":2,"
                               "\"value\":\"second\",\"by\":\"bob\"") != NULL);
    FAIL_UNLESS(strstr(conf.p, "\"phase\"") == NULL);
    FAIL_UNLESS(wd_cases_get(c, id, &out) == WD_OK);
    wd_buf_putc(&out, '\0');
    FAIL_UNLESS(strstr(out.p, "\"summary\":{\"value\":\"second\",\"version\":2,\"by\":\"bob\""));
    FAIL_UNLESS(strstr(out.p, "\"phase\":{\"value\":\"Identification\",\"version\":1"));
    FAIL_UNLESS(strstr(out.p, "\"field\":\"summary\",\"old\":\"first\",\"new\":\"second\""));
    FAIL_UNLESS(strstr(out.p, "\"Closed\"") == NULL); /* the refused phase */
    /* an unchanged value is no change: no new version, no timeline entry */
    struct wd_case_change same[] = {{"summary", "\"second\"", 0, false, 2}};
    FAIL_UNLESS(wd_cases_update(c, id, "bob", same, 1, &conf) == WD_OK);
    out.len = 0;
    wd_cases_get(c, id, &out);
    wd_buf_putc(&out, '\0');
    FAIL_UNLESS(strstr(out.p, "\"summary\":{\"value\":\"second\",\"version\":2"));
    /* version 0 = "never set": fine for an unset field, stale for a set one */
    struct wd_case_change z[] = {{"owner", "\"bob\"", 0, false, 0}};
    FAIL_UNLESS(wd_cases_update(c, id, "bob", z, 1, &conf) == WD_OK);
    FAIL_UNLESS(wd_cases_update(c, id, "bob", z, 1, &conf) == WD_EAGAIN);
    FAIL_UNLESS(wd_cases_update(c, 99, "bob", z, 1, &conf) == WD_ENOENT);
    FAIL_UNLESS(wd_cases_note(c, 99, "bob", "x") == WD_ENOENT);
    FAIL_UNLESS(wd_cases_link(c, id, "bob", "event", "7", NULL, false) == WD_ENOENT);
    wd_buf_fini(&conf);
    wd_buf_fini(&out);
    wd_cases_close(c);
    rm_tmp();
}

static void t_db_triage_and_suppression(void)
{
    struct wd_cases *c = open_tmp();
    FAIL_UNLESS(c != NULL);
    struct wd_case_alert al[] = {{10, "Scan", "WARNING", 1000}, {11, "Scan", "INFO", 2000}};
    wd_cases_alerts_created(c, al, 2);
    FAIL_UNLESS(wd_cases_unacked_count(c, 3) == 1); /* WARNING and above */
    FAIL_UNLESS(wd_cases_unacked_count(c, 0) == 2);
    FAIL_UNLESS(wd_cases_alert_status(c, 10, "falsePositive", "bob", "scanner", 0) == WD_OK);
    FAIL_UNLESS(wd_cases_alert_status(c, 99, "acknowledged", "bob", NULL, 0) == WD_ENOENT);
    FAIL_UNLESS(wd_cases_unacked_count(c, 0) == 1);
    char rule[32], sev[16];
    FAIL_UNLESS(wd_cases_alert_rule(c, 11, rule, sizeof(rule), sev, sizeof(sev)) == WD_OK);
    EXPECT_STR(rule, "Scan");
    EXPECT_STR(sev, "INFO");
    int64_t sid;
    const int64_t now = INT64_C(1767225600000000);
    FAIL_UNLESS(wd_cases_suppress_add(c, "Scan",
                                      "{\"details.sourceipaddress\":\"10.0.0.1\","
                                      "\"hostname\":\"h1\"}",
                                      "scanner", 10, "bob", now + 3600000000, &sid) == WD_OK);
    const char *doc = "{\"summary\":\"s\",\"hostname\":\"h1\",\"events\":[{\"documentsource\":"
                      "{\"details\":{\"sourceipaddress\":\"10.0.0.1\"}}}]}";
    const char *other = "{\"summary\":\"s\",\"hostname\":\"h1\",\"events\":[{\"documentsource\":"
                        "{\"details\":{\"sourceipaddress\":\"10.0.0.2\"}}}]}";
    FAIL_UNLESS(wd_cases_suppressed(c, "Scan", doc, strlen(doc), now));
    FAIL_IF(wd_cases_suppressed(c, "Scan", other, strlen(other), now)); /* every field */
    FAIL_IF(wd_cases_suppressed(c, "Other", doc, strlen(doc), now));    /* that rule only */
    FAIL_IF(wd_cases_suppressed(c, "Scan", doc, strlen(doc), now + 3600000000)); /* expired */
    FAIL_IF(wd_cases_suppressed(c, "Scan", "{bad", 4, now));
    /* a number in the document matches its text */
    int64_t s2;
    FAIL_UNLESS(wd_cases_suppress_add(c, "Port", "{\"details.port\":\"22\"}", "x", 0, "bob",
                                      now + 60000000, &s2) == WD_OK);
    const char *port = "{\"details\":{\"port\":22}}";
    FAIL_UNLESS(wd_cases_suppressed(c, "Port", port, strlen(port), now));
    struct wd_buf out;
    wd_buf_init(&out, 0);
    wd_cases_suppress_list(c, now, &out);
    wd_buf_putc(&out, '\0');
    FAIL_UNLESS(strstr(out.p, "\"rule\":\"Scan\"") && strstr(out.p, "\"hits\":1"));
    FAIL_UNLESS(wd_cases_suppress_del(c, sid) == WD_OK);
    FAIL_UNLESS(wd_cases_suppress_del(c, sid) == WD_ENOENT);
    FAIL_IF(wd_cases_suppressed(c, "Scan", doc, strlen(doc), now));
    wd_buf_fini(&out);
    wd_cases_close(c);
    rm_tmp();
}

WD_TEST_LIST{
    {"case_veris_paths", t_veris},
    {"case_field_validation", t_fields},
    {"case_percentile_nearest_rank", t_percentile},
    {"case_db_versions_conflicts_timeline", t_db_versions},
    {"case_db_triage_and_suppression", t_db_triage_and_suppression},
};

WD_TEST_MAIN
