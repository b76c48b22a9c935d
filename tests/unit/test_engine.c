/*
 * test_engine.c: unit tests for the detection engine (src/engine*.c) and its prefilter
 * (src/rule_pre.c): thresholds fire at exactly N in MozDef's group order and consume
 * their events, windows and lateness, distinct counts, suppression, per-event rules and
 * the notify rule, absence in batch and stream, sequences, SumStats epochs, state kept
 * across reloads, the alert document, and a randomized check that the prefilter never
 * excludes a rule whose query matches.
 */
#include "engine.h"

#include "wd_test.h"

#include "jv.h"
#include "json.h"
#include "query.h"
#include "rule.h"
#include "rule_pre.h"
#include "wd_time.h"
#include "ward.h"

#define SEC INT64_C(1000000)
/* 2026-12-01T10:00:00Z */
#define T0 INT64_C(1796119200000000)

static char *alerts[256];
static int nalerts;
static struct wd_engine *eng;
static uint64_t next_id;

static void collect(void *arg, const struct wd_rule *r, const char *json, size_t len)
{
    WD_UNUSED(arg);
    WD_UNUSED(r);
    if (nalerts < (int)WD_ARRAY_LEN(alerts))
        alerts[nalerts++] = strndup(json, len);
}

static void reset_alerts(void)
{
    for (int i = 0; i < nalerts; i++)
        free(alerts[i]);
    nalerts = 0;
}

static int setup(const char *yaml, bool batch)
{
    reset_alerts();
    wd_engine_free(eng);
    struct wd_engine_opts o = {.batch = batch, .start_us = T0, .emit = collect};
    eng = wd_engine_new(&o);
    next_id = 1;
    struct wd_ruleset set = {0};
    wd_ruleset_load_text(&set, "t.yaml", yaml, strlen(yaml), stderr);
    char err[200];
    int rc = set.errors ? WD_EINVAL : wd_engine_load(eng, &set, err, sizeof(err));
    wd_ruleset_free(&set);
    return rc;
}

static int reload(const char *yaml)
{
    struct wd_ruleset set = {0};
    wd_ruleset_load_text(&set, "t.yaml", yaml, strlen(yaml), stderr);
    char err[200];
    int rc = wd_engine_load(eng, &set, err, sizeof(err));
    wd_ruleset_free(&set);
    return rc;
}

/* One event at T0 + sec seconds (both timestamps), with extra members `more` (JSON
 * members without braces), processed at now = T0 + now_sec. */
static void ev(double sec, const char *more, double now_sec)
{
    char ts[WD_TIME_ISO_MAX], buf[2048];
    wd_time_iso(T0 + (int64_t)(sec * SEC), ts);
    int n = snprintf(buf, sizeof(buf), "{\"utctimestamp\":\"%s\",\"receivedtimestamp\":\"%s\",%s}",
                     ts, ts, more);
    wd_engine_event(eng, buf, (size_t)n, next_id++, T0 + (int64_t)(now_sec * SEC));
}

static void tick(double sec)
{
    wd_engine_tick(eng, T0 + (int64_t)(sec * SEC));
}

/* The value of a top-level string member of alert i ("" when absent). */
static const char *field(int i, const char *key)
{
    static char out[1024];
    struct wd_arena a;
    wd_arena_init(&a, 4096, 1 << 24);
    struct wd_jv *v;
    struct wd_perr pe;
    out[0] = '\0';
    if (i < nalerts &&
        wd_json_parse(alerts[i], strlen(alerts[i]), strlen(alerts[i]), 0, &a, &v, &pe) == WD_OK) {
        const struct wd_jv *x = wd_jv_path(v, key);
        struct wd_buf b;
        wd_buf_init(&b, 0);
        if (x && wd_jv_text(x, &b) == WD_OK && b.p)
            snprintf(out, sizeof(out), "%s", b.p);
        wd_buf_fini(&b);
    }
    wd_arena_fini(&a);
    return out;
}

/* Attached events of alert i. */
static int nevents(int i)
{
    int n = 0;
    for (const char *p = alerts[i]; (p = strstr(p, "\"documentid\"")); p++)
        n++;
    return n;
}

#define SSH_RULE                                                                                   \
    "name: Brute\ncategory: bruteforce\ntags: [ssh]\nquery: 'details.program:sshd AND "            \
    "summary:failed'\nwindow: 2m\nsamples: 3\nthreshold: {group_by: details.ip, count: 10}\n"      \
    "summary: '{count} attempts by {value}'\n"

static void t_threshold_exact(void)
{
    EXPECT_INT(setup(SSH_RULE, false), WD_OK);
    const char *e = "\"summary\":\"Failed password\",\"details\":{\"program\":\"sshd\","
                    "\"ip\":\"1.2.3.4\"}";
    for (int i = 0; i < 9; i++)
        ev(i, e, i);
    tick(9);
    EXPECT_INT(nalerts, 0);
    ev(9.5, e, 9.5);
    tick(10);
    EXPECT_INT(nalerts, 1);
    EXPECT_STR(field(0, "summary"), "10 attempts by 1.2.3.4");
    EXPECT_INT(nevents(0), 3); /* samples */
    /* consumed: nine more do not alert again */
    for (int i = 0; i < 9; i++)
        ev(11 + i, e, 11 + i);
    tick(21);
    EXPECT_INT(nalerts, 1);
    /* an event of another program or without the group field does not count */
    ev(22, "\"summary\":\"Failed password\",\"details\":{\"program\":\"su\",\"ip\":\"1.2.3.4\"}",
       22);
    ev(22, "\"summary\":\"Failed password\",\"details\":{\"program\":\"sshd\"}", 22);
    tick(23);
    EXPECT_INT(nalerts, 1);
    ev(24, e, 24);
    tick(25);
    EXPECT_INT(nalerts, 2);
    EXPECT_STR(field(1, "summary"), "10 attempts by 1.2.3.4");
}

/* MozDef's order: count descending, ties by first appearance. */
static void t_threshold_order(void)
{
    EXPECT_INT(setup("name: G\nquery: 'type:x'\nwindow: 10m\nthreshold: {group_by: g, count: 2}\n"
                     "summary: '{value}:{count}'\n",
                     true),
               WD_OK);
    const char *g[] = {"c", "a", "b", "a", "b", "b", "c", "z"};
    for (size_t i = 0; i < WD_ARRAY_LEN(g); i++) {
        char m[64];
        snprintf(m, sizeof(m), "\"type\":\"x\",\"g\":\"%s\"", g[i]);
        ev((double)i, m, 60);
    }
    tick(60);
    EXPECT_INT(nalerts, 3);
    EXPECT_STR(field(0, "summary"), "b:3");
    EXPECT_STR(field(1, "summary"), "c:2");
    EXPECT_STR(field(2, "summary"), "a:2");
}

/* Batch: [now-W, now] on either timestamp; stream: older than W + lateness is late. */
static void t_window(void)
{
    EXPECT_INT(setup("name: W\nquery: 'type:x'\nwindow: 1m\nthreshold: {count: 2}\n"
                     "summary: '{count}'\n",
                     true),
               WD_OK);
    ev(0, "\"type\":\"x\"", 100);   /* 100 s before now: out */
    ev(50, "\"type\":\"x\"", 100);  /* in */
    ev(101, "\"type\":\"x\"", 100); /* future: out */
    tick(100);
    EXPECT_INT(nalerts, 0);
    ev(90, "\"type\":\"x\"", 100);
    tick(100);
    EXPECT_INT(nalerts, 1);
    EXPECT_STR(field(0, "summary"), "2");
    /* receivedtimestamp alone in the window is enough (MozDef's OR) */
    EXPECT_INT(setup("name: W\nquery: 'type:x'\nwindow: 1m\nsummary: s\n", true), WD_OK);
    char ts[WD_TIME_ISO_MAX], buf[256];
    wd_time_iso(T0 + 95 * SEC, ts);
    int n = snprintf(buf, sizeof(buf),
                     "{\"utctimestamp\":\"2020-01-01T00:00:00+00:00\",\"receivedtimestamp\":"
                     "\"%s\",\"type\":\"x\"}",
                     ts);
    wd_engine_event(eng, buf, (size_t)n, 1, T0 + 100 * SEC);
    tick(100);
    EXPECT_INT(nalerts, 1);
    /* stream: events slide out of the window */
    EXPECT_INT(setup("name: W\nquery: 'type:x'\nwindow: 1m\nthreshold: {count: 3}\n"
                     "summary: s\n",
                     false),
               WD_OK);
    ev(0, "\"type\":\"x\"", 0);
    ev(1, "\"type\":\"x\"", 1);
    tick(200); /* both expired (window 60 s + default lateness 0) */
    ev(200, "\"type\":\"x\"", 200);
    tick(201);
    EXPECT_INT(nalerts, 0);
}

static void t_distinct(void)
{
    EXPECT_INT(setup("name: D\nquery: 'type:x'\nwindow: 10m\n"
                     "threshold: {group_by: u, distinct: ip, count: 3}\n"
                     "summary: '{value} from {dc ip} ips: {distinct ip sorted}'\n",
                     false),
               WD_OK);
    for (int i = 0; i < 5; i++)
        ev(i, "\"type\":\"x\",\"u\":\"bob\",\"ip\":\"9.9.9.9\"", i);
    tick(5);
    EXPECT_INT(nalerts, 0);
    ev(6, "\"type\":\"x\",\"u\":\"bob\",\"ip\":\"1.1.1.1\"", 6);
    ev(7, "\"type\":\"x\",\"u\":\"bob\",\"ip\":\"5.5.5.5\"", 7);
    tick(8);
    EXPECT_INT(nalerts, 1);
    EXPECT_STR(field(0, "summary"), "bob from 3 ips: 1.1.1.1, 5.5.5.5, 9.9.9.9");
}

static void t_suppress(void)
{
    EXPECT_INT(setup("name: S\nquery: 'type:x'\nwindow: 10m\nsuppress: 5m\n"
                     "threshold: {group_by: h, count: 2}\nsummary: '{value}'\n",
                     false),
               WD_OK);
    for (int round = 0; round < 3; round++) {
        ev(round * 10, "\"type\":\"x\",\"h\":\"a\"", round * 10);
        ev(round * 10 + 1, "\"type\":\"x\",\"h\":\"a\"", round * 10 + 1);
        tick(round * 10 + 2);
    }
    EXPECT_INT(nalerts, 1);
    ev(400, "\"type\":\"x\",\"h\":\"a\"", 400);
    ev(401, "\"type\":\"x\",\"h\":\"a\"", 401);
    tick(402);
    EXPECT_INT(nalerts, 2);
    const struct wd_rule *r;
    struct wd_rule_stats st;
    FAIL_UNLESS(wd_engine_rule(eng, 0, &r, &st));
    EXPECT_INT(st.suppressed, 2);
    EXPECT_INT(st.alerts, 2);
}

/* Per-event rules: one alert per event; the alert document; MozDef's notify rule. */
static void t_match_document(void)
{
    EXPECT_INT(setup("name: M\nseverity: NOTICE\ncategory: c\ntags: ['a,b']\nquery: 'type:x'\n"
                     "url: https://x.example\nsummary: '{hostname|nohost} {details.u|UNKNOWN}'\n"
                     "---\nname: N\nseverity: WARNING\nquery: 'type:x'\nsummary: s\n"
                     "---\nname: C\nseverity: INFO\nchannel: '#c'\nquery: 'type:x'\nsummary: s\n"
                     "---\nname: F\nseverity: CRITICAL\nnotify: false\nquery: 'type:x'\n"
                     "summary: s\n",
                     true),
               WD_OK);
    ev(1, "\"type\":\"x\",\"hostname\":\"h1\"", 60);
    ev(2, "\"type\":\"y\"", 60);
    ev(3, "\"type\":\"x\",\"details\":{\"u\":\"eve\"}", 60);
    tick(60);
    EXPECT_INT(nalerts, 8);
    EXPECT_STR(field(0, "classname"), "M");
    EXPECT_STR(field(0, "summary"), "h1 UNKNOWN");
    EXPECT_STR(field(1, "summary"), "nohost eve");
    EXPECT_STR(field(0, "tags"), "[\"a,b\"]");
    EXPECT_STR(field(0, "status"), "manual");
    EXPECT_STR(field(0, "url"), "https://x.example");
    EXPECT_STR(field(0, "type"), "alert");
    EXPECT_STR(field(0, "notify_mozdefbot"), "False");
    EXPECT_STR(field(0, "channel"), "None");
    EXPECT_STR(field(0, "utctimestamp"), "2026-12-01T10:01:00+00:00");
    EXPECT_INT(nevents(0), 1);
    FAIL_UNLESS(strstr(alerts[0], "\"documentindex\":\"events-20261201\",\"documentid\":\"1\"") !=
                NULL);
    EXPECT_STR(field(2, "classname"), "N");
    EXPECT_STR(field(2, "notify_mozdefbot"), "True");
    EXPECT_STR(field(4, "channel"), "#c");
    EXPECT_STR(field(4, "notify_mozdefbot"), "True");
    EXPECT_STR(field(6, "notify_mozdefbot"), "False");
}

static void t_absence(void)
{
    const char *rule = "name: Dead\nquery: 'category:bro'\nwindow: 20m\n"
                       "absence: {group_by: hostname, groups: [s1, s2]}\n"
                       "summary: 'No {value} healthcheck events found the past 20 minutes'\n";
    EXPECT_INT(setup(rule, true), WD_OK);
    ev(100, "\"category\":\"bro\",\"hostname\":\"s1\"", 1000);
    ev(100, "\"category\":\"bro\",\"hostname\":\"s3\"", 1000);
    tick(1000);
    EXPECT_INT(nalerts, 1);
    EXPECT_STR(field(0, "summary"), "No s2 healthcheck events found the past 20 minutes");
    EXPECT_INT(nevents(0), 0);
    /* stream: silence counts from the start; one alert per silent window */
    EXPECT_INT(
        setup("name: Dead\nquery: 'category:bro'\nwindow: 20m\nabsence:\nsummary: s\n", false),
        WD_OK);
    tick(20 * 60 - 1);
    EXPECT_INT(nalerts, 0);
    tick(20 * 60);
    EXPECT_INT(nalerts, 1);
    tick(30 * 60);
    EXPECT_INT(nalerts, 1);
    ev(35 * 60, "\"category\":\"bro\"", 35 * 60);
    tick(54 * 60);
    EXPECT_INT(nalerts, 1);
    tick(55 * 60);
    EXPECT_INT(nalerts, 2);
}

static void t_sequence(void)
{
    const char *rule = "name: Seq\nwindow: 5m\nsummary: '{value} {count}'\n"
                       "sequence:\n  by: u\n  steps:\n    - {query: 'r:fail', count: 3}\n"
                       "    - 'r:ok'\n";
    EXPECT_INT(setup(rule, false), WD_OK);
    ev(0, "\"u\":\"bob\",\"r\":\"ok\"", 0); /* success first: nothing */
    for (int i = 1; i <= 3; i++)
        ev(i, "\"u\":\"bob\",\"r\":\"fail\"", i);
    ev(4, "\"u\":\"amy\",\"r\":\"ok\"", 4); /* another key */
    tick(4);
    EXPECT_INT(nalerts, 0);
    ev(5, "\"u\":\"bob\",\"r\":\"fail\"", 5); /* more failures are context */
    ev(6, "\"u\":\"bob\",\"r\":\"ok\"", 6);
    tick(6);
    EXPECT_INT(nalerts, 1);
    EXPECT_STR(field(0, "summary"), "bob 5");
    /* too slow: the success comes after the window from the first failure */
    for (int i = 10; i < 13; i++)
        ev(i, "\"u\":\"cy\",\"r\":\"fail\"", i);
    ev(400, "\"u\":\"cy\",\"r\":\"ok\"", 400);
    tick(400);
    EXPECT_INT(nalerts, 1);
}

static void t_sumstats(void)
{
    const char *rule = "name: Guess\nquery: 'type:ssh'\nsummary: '{value} {ss SUM} {ss num}'\n"
                       "samples: 2\n"
                       "sumstats: {key: src, epoch: 30m, reducers: [SUM], threshold: 3}\n";
    EXPECT_INT(setup(rule, false), WD_OK);
    for (int i = 0; i < 5; i++)
        ev(i, "\"type\":\"ssh\",\"src\":\"10.0.0.1\"", i);
    tick(5);
    EXPECT_INT(nalerts, 1); /* crossed once in the epoch */
    EXPECT_STR(field(0, "summary"), "10.0.0.1 3 3");
    EXPECT_INT(nevents(0), 2);
    FAIL_UNLESS(strstr(field(0, "details.result"), "\"sum\":3") != NULL);
    /* next epoch (T0 is on a 30-minute boundary) */
    for (int i = 0; i < 3; i++)
        ev(1800 + i, "\"type\":\"ssh\",\"src\":\"10.0.0.1\"", 1800 + i);
    tick(1803);
    EXPECT_INT(nalerts, 2);
    /* epoch results: one alert per key when the epoch ends */
    EXPECT_INT(setup("name: Stats\nquery: 'type:c'\nsummary: '{value}={ss SUM}'\n"
                     "sumstats: {key: k, observe: n, epoch: 1m, reducers: [SUM, MAX], "
                     "epoch_result: true}\n",
                     true),
               WD_OK);
    ev(1, "\"type\":\"c\",\"k\":\"a\",\"n\":5", 59);
    ev(2, "\"type\":\"c\",\"k\":\"a\",\"n\":7", 59);
    ev(3, "\"type\":\"c\",\"k\":\"b\",\"n\":1", 59);
    tick(59);
    EXPECT_INT(nalerts, 0);
    wd_engine_finish(eng, T0 + 59 * SEC);
    EXPECT_INT(nalerts, 2);
    const char *s0 = field(0, "summary");
    const char *want = strcmp(s0, "a=12") == 0 ? "b=1" : "a=12";
    FAIL_UNLESS(strcmp(s0, "a=12") == 0 || strcmp(s0, "b=1") == 0);
    EXPECT_STR(field(1, "summary"), want);
}

/* An event received at T0 + recv seconds, written lag seconds before, from sensor h. */
static void lagged(double recv, double lag, const char *h)
{
    char t1[WD_TIME_ISO_MAX], t2[WD_TIME_ISO_MAX], buf[512];
    wd_time_iso(T0 + (int64_t)((recv - lag) * SEC), t1);
    wd_time_iso(T0 + (int64_t)(recv * SEC), t2);
    int n = snprintf(buf, sizeof(buf),
                     "{\"utctimestamp\":\"%s\",\"receivedtimestamp\":\"%s\",\"type\":\"nsm\","
                     "\"hostname\":\"%s\",\"source\":\"conn\"}",
                     t1, t2, h);
    wd_engine_event(eng, buf, (size_t)n, next_id++, T0 + (int64_t)(recv * SEC));
}

/* Lag: the p95 of each minute above the bound for three minutes in a row alerts once. */
static void t_lag(void)
{
    const char *rule = "name: Lag\nquery: 'type:nsm'\nwindow: 1h\n"
                       "summary: 'p{ss percentile} lag {ss lag}s on {value} for {ss minutes} min'\n"
                       "lag: {group_by: [hostname, source], above: 5m, for: 3m, bucket: 1m}\n";
    EXPECT_INT(setup(rule, false), WD_OK);
    /* minute 0: 19 events at 10 min lag, 1 at 1 s: p95 is 600 s (nearest rank 19 of 20) */
    for (int m = 0; m < 3; m++) {
        for (int i = 0; i < 19; i++)
            lagged(m * 60 + i, 600, "s1");
        lagged(m * 60 + 30, 1, "s1");
        lagged(m * 60 + 31, 1, "s2"); /* another sensor, no lag */
        tick(m * 60 + 59);
        EXPECT_INT(nalerts, 0); /* the current minute is still filling */
    }
    tick(181);
    EXPECT_INT(nalerts, 1);
    EXPECT_STR(field(0, "summary"), "p95 lag 600.0s on s1, conn for 3 min");
    EXPECT_STR(field(0, "details.lag_seconds"), "600.0");
    /* two more lagging minutes, then one fine minute: the run breaks, no alert */
    for (int m = 3; m < 5; m++)
        for (int i = 0; i < 5; i++)
            lagged(m * 60 + i, 900, "s1");
    for (int i = 0; i < 5; i++)
        lagged(300 + i, 2, "s1");
    tick(361);
    EXPECT_INT(nalerts, 1);
    /* a silent minute between lagging ones breaks the run too */
    lagged(360, 900, "s1");
    lagged(420, 900, "s1");
    lagged(540, 900, "s1"); /* 480 is silent */
    lagged(600, 900, "s1");
    tick(661);
    EXPECT_INT(nalerts, 1);
    lagged(660, 900, "s1");
    tick(721);
    EXPECT_INT(nalerts, 2); /* 540, 600, 660 */
}

/* Replay after a restart: decisions rebuild state but raise nothing; the oldest held
 * event is what a restart must re-read from. */
static void t_replay_and_oldest(void)
{
    EXPECT_INT(setup(SSH_RULE, false), WD_OK);
    EXPECT_INT(wd_engine_oldest(eng) == UINT64_MAX, 1);
    const char *e = "\"summary\":\"Failed password\",\"details\":{\"program\":\"sshd\","
                    "\"ip\":\"1.2.3.4\"}";
    wd_engine_set_replay(eng, true);
    for (int i = 0; i < 10; i++) /* ids 1..10 */
        ev(i, e, i);
    tick(10);
    EXPECT_INT(nalerts, 0); /* raised before the restart */
    ev(11, e, 11);          /* ids 11, 12: an open window */
    ev(12, e, 12);
    tick(12);
    struct wd_engine_stats st;
    wd_engine_stats(eng, &st);
    EXPECT_INT(st.replayed, 1);
    EXPECT_INT(wd_engine_oldest(eng), 11); /* 1..10 were consumed; 11 and 12 wait */
    wd_engine_set_replay(eng, false);
    for (int i = 0; i < 8; i++)
        ev(13 + i, e, 13 + i);
    tick(21);
    EXPECT_INT(nalerts, 1); /* the rebuilt window (11, 12) plus eight new ones */
    EXPECT_STR(field(0, "summary"), "10 attempts by 1.2.3.4");
    EXPECT_INT(wd_engine_oldest(eng) == UINT64_MAX, 1);
}

/* Over the memory bound, events beyond the samples count without their text. */
static void t_memory_bound(void)
{
    reset_alerts();
    wd_engine_free(eng);
    struct wd_engine_opts o = {.start_us = T0, .emit = collect, .max_bytes = 300};
    eng = wd_engine_new(&o);
    const char *rule = "name: B\nquery: 'type:x'\nwindow: 1h\nsamples: 2\n"
                       "threshold: {group_by: h, count: 6}\nsummary: '{count} {dc n}'\n";
    struct wd_ruleset set = {0};
    wd_ruleset_load_text(&set, "t.yaml", rule, strlen(rule), stderr);
    char err[200];
    EXPECT_INT(wd_engine_load(eng, &set, err, sizeof(err)), WD_OK);
    wd_ruleset_free(&set);
    for (int i = 0; i < 6; i++) {
        char m[64];
        snprintf(m, sizeof(m), "\"type\":\"x\",\"h\":\"a\",\"n\":%d", i);
        ev(i, m, i);
    }
    struct wd_engine_stats st;
    wd_engine_stats(eng, &st);
    FAIL_UNLESS(st.degraded > 0);
    FAIL_UNLESS(st.bytes <= 300 + 200);
    tick(7);
    EXPECT_INT(nalerts, 1);
    FAIL_UNLESS(strncmp(field(0, "summary"), "6 ", 2) == 0); /* every event counted */
    EXPECT_INT(nevents(0), 2);                               /* the samples kept their text */
    wd_engine_stats(eng, &st);
    EXPECT_INT(st.bytes, 0); /* consumed: released */
}

/* A full group drops its oldest event for each new one (rules.max_group_events): after
 * many evictions the retained events are exactly the newest, in arrival order. */
static void t_group_bound(void)
{
    reset_alerts();
    wd_engine_free(eng);
    struct wd_engine_opts o = {.start_us = T0, .emit = collect, .max_group_events = 4};
    eng = wd_engine_new(&o);
    next_id = 1;
    const char *rule = "name: B\nquery: 'type:x'\nwindow: 1h\nsamples: 4\n"
                       "threshold: {group_by: h, distinct: n, count: 4}\n"
                       "summary: '{count} {dc n}'\n";
    struct wd_ruleset set = {0};
    wd_ruleset_load_text(&set, "t.yaml", rule, strlen(rule), stderr);
    char err[200];
    EXPECT_INT(wd_engine_load(eng, &set, err, sizeof(err)), WD_OK);
    wd_ruleset_free(&set);
    int t = 0;
    for (int round = 0; round < 3; round++) {
        /* 3 distinct values among the last 4 until the last event of the round */
        for (int i = 0; i < 37 + round; i++, t++) {
            char m[64];
            snprintf(m, sizeof(m), "\"type\":\"x\",\"h\":\"a\",\"n\":%d", i % 3 + 10 * round);
            ev(t, m, t);
            tick(t);
        }
        EXPECT_INT(nalerts, round);
        char m[64];
        snprintf(m, sizeof(m), "\"type\":\"x\",\"h\":\"a\",\"n\":%d", 9 + 10 * round);
        ev(t, m, t);
        tick(t++);
        EXPECT_INT(nalerts, round + 1);
        FAIL_UNLESS(strncmp(field(round, "summary"), "4 4", 3) == 0);
        EXPECT_INT(nevents(round), 4);
        /* the last four events, oldest first */
        int last = 36 + round, want[4] = {(last - 2) % 3, (last - 1) % 3, last % 3, 9};
        const char *p = alerts[round];
        for (int k = 0; k < 4; k++) {
            char nb[32];
            snprintf(nb, sizeof(nb), "\"n\":%d", want[k] + 10 * round);
            p = strstr(p, nb);
            FAIL_UNLESS(p != NULL);
            if (!p)
                break;
            p++;
        }
    }
    struct wd_engine_stats st;
    wd_engine_stats(eng, &st);
    EXPECT_INT(st.bytes, 0); /* consumed: released */
}

/* An unchanged rule keeps its window state across a reload; a changed one starts over. */
static void t_reload_state(void)
{
    const char *rule = "name: R\nquery: 'type:x'\nwindow: 1h\nthreshold: {count: 4}\n"
                       "summary: '{count}'\n";
    EXPECT_INT(setup(rule, false), WD_OK);
    ev(0, "\"type\":\"x\"", 0);
    ev(1, "\"type\":\"x\"", 1);
    tick(2);
    EXPECT_INT(reload(rule), WD_OK);
    ev(3, "\"type\":\"x\"", 3);
    ev(4, "\"type\":\"x\"", 4);
    tick(5);
    EXPECT_INT(nalerts, 1);
    ev(6, "\"type\":\"x\"", 6);
    ev(7, "\"type\":\"x\"", 7);
    EXPECT_INT(reload("name: R\nquery: 'type:x'\nwindow: 1h\nthreshold: {count: 4}\n"
                      "summary: 'changed {count}'\n"),
               WD_OK);
    ev(8, "\"type\":\"x\"", 8);
    ev(9, "\"type\":\"x\"", 9);
    tick(10);
    EXPECT_INT(nalerts, 1);
}

/* ---- prefilter ---- */

static const char *const fields[] = {"summary", "hostname", "details.program", "details.user",
                                     "category"};
static const char *const words[] = {"failed", "Accepted", "root",  "sshd", "su",
                                    "login",  "bro",      "web01", "x-y",  "ALERT"};

static uint64_t rng = 88172645463325252ull;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static void rand_leaf(struct wd_buf *b)
{
    const char *f = fields[rnd(WD_ARRAY_LEN(fields))];
    const char *w = words[rnd(WD_ARRAY_LEN(words))];
    switch (rnd(9)) {
    case 0:
        wd_buf_printf(b, "%s:\"%s\"", f, w);
        break;
    case 6: /* regex: keyword fields go to Hyperscan, summary stays a full evaluation */
        wd_buf_printf(b, "%s:/%.2s.*(%s|x)?/", f, w, words[rnd(WD_ARRAY_LEN(words))]);
        break;
    case 7:
        wd_buf_printf(b, "%s:/[a-z]{2,4}[^ ]*/", f);
        break;
    case 8: /* escapes in a wildcard */
        wd_buf_printf(b, "%s:%.2s\\-*", f, w);
        break;
    case 1:
        wd_buf_printf(b, "%s:%.3s*", f, w);
        break;
    case 2:
        wd_buf_printf(b, "%s", w); /* bare term */
        break;
    case 3:
        wd_buf_printf(b, "_exists_:%s", f);
        break;
    default:
        wd_buf_printf(b, "%s:%s", f, w);
        break;
    }
}

static void rand_query(struct wd_buf *b, int depth)
{
    if (depth == 0 || rnd(3) == 0) {
        rand_leaf(b);
        return;
    }
    static const char *const ops[] = {" AND ", " OR ", " AND NOT ", " "};
    wd_buf_putc(b, '(');
    rand_query(b, depth - 1);
    wd_buf_printf(b, "%s", ops[rnd(WD_ARRAY_LEN(ops))]);
    rand_query(b, depth - 1);
    wd_buf_putc(b, ')');
}

static void t_prefilter_superset(void)
{
    enum { NRULES = 300, NEVENTS = 2000 };
    struct wd_query *q[NRULES];
    struct wd_pre_rule pr[NRULES];
    struct wd_buf b;
    wd_buf_init(&b, 0);
    static char *texts[NRULES];
    for (int i = 0; i < NRULES; i++) {
        b.len = 0;
        rand_query(&b, 3);
        struct wd_perr pe;
        texts[i] = strndup(b.p, b.len); /* the query may keep views into its text */
        FAIL_UNLESS(wd_query_parse(texts[i], b.len, &q[i], &pe) == WD_OK);
        pr[i] = (struct wd_pre_rule){.must = q[i]->root};
    }
    struct wd_pre *p;
    struct wd_pre_scratch *s;
    char err[200];
    FAIL_UNLESS(wd_pre_build(pr, NRULES, &p, err, sizeof(err)) == WD_OK);
    FAIL_UNLESS(wd_pre_scratch_new(p, &s) == WD_OK);
    FAIL_UNLESS(wd_pre_always(p) < NRULES / 2); /* literals do most of the work */
    struct wd_qflat flat;
    wd_qflat_init(&flat);
    struct wd_arena a;
    wd_arena_init(&a, 1 << 16, 1 << 24);
    uint64_t bits[(NRULES + 63) / 64];
    uint64_t matched = 0, candidates = 0;
    for (int e = 0; e < NEVENTS; e++) {
        b.len = 0;
        wd_buf_printf(&b, "{\"details\":{\"n\":1");
        for (size_t f = 0; f < WD_ARRAY_LEN(fields); f++) /* details.* first */
            if (!strncmp(fields[f], "details.", 8) && rnd(3))
                wd_buf_printf(&b, ",\"%s\":\"%s %s\"", fields[f] + 8,
                              words[rnd(WD_ARRAY_LEN(words))], words[rnd(WD_ARRAY_LEN(words))]);
        wd_buf_printf(&b, "}");
        for (size_t f = 0; f < WD_ARRAY_LEN(fields); f++)
            if (strncmp(fields[f], "details.", 8) && rnd(3))
                wd_buf_printf(&b, ",\"%s\":\"%s %s\"", fields[f], words[rnd(WD_ARRAY_LEN(words))],
                              words[rnd(WD_ARRAY_LEN(words))]);
        wd_buf_printf(&b, "}");
        wd_arena_reset(&a);
        struct wd_jv *v;
        struct wd_perr pe;
        if (wd_json_parse(b.p, b.len, b.len, 0, &a, &v, &pe) != WD_OK)
            continue;
        FAIL_UNLESS(wd_qflat_build(&flat, v) == WD_OK);
        candidates += wd_pre_scan(p, s, &flat, bits);
        for (int i = 0; i < NRULES; i++) {
            bool m = wd_qnode_match_flat(q[i]->root, &flat);
            bool cand = (bits[i / 64] >> (i % 64)) & 1;
            if (m && !cand) {
                struct wd_buf d;
                wd_buf_init(&d, 0);
                wd_query_dump(q[i], &d);
                printf("FAIL prefilter_superset: rule %d %.*s excluded but matches: event %.*s\n",
                       i, (int)d.len, d.p, (int)b.len, b.p);
                wd_buf_fini(&d);
                wd_test_failed_ = 1;
                return;
            }
            matched += m;
        }
    }
    FAIL_UNLESS(matched > 0);
    FAIL_UNLESS(candidates < (uint64_t)NRULES * NEVENTS); /* it does exclude */
    wd_qflat_fini(&flat);
    wd_arena_fini(&a);
    wd_buf_fini(&b);
    wd_pre_scratch_free(s);
    wd_pre_free(p);
    for (int i = 0; i < NRULES; i++) {
        wd_query_free(q[i]);
        free(texts[i]);
    }
}

/* wd_pre_scan remembers each path's databases by the flat's path ids: after the flat's
 * table starts over (keys that are data) and with two flats taking turns, the bits stay
 * those of a scratch that remembers nothing. */
static void t_prefilter_path_cache(void)
{
    enum { NRULES = 64, NEVENTS = 3000 };
    struct wd_query *q[NRULES];
    struct wd_pre_rule pr[NRULES];
    static char *texts[NRULES];
    struct wd_buf b;
    wd_buf_init(&b, 0);
    for (int i = 0; i < NRULES; i++) {
        b.len = 0;
        rand_query(&b, 2);
        texts[i] = strndup(b.p, b.len);
        FAIL_UNLESS(wd_query_parse(texts[i], b.len, &q[i], NULL) == WD_OK);
        pr[i] = (struct wd_pre_rule){.must = q[i]->root};
    }
    struct wd_pre *p;
    struct wd_pre_scratch *s;
    char err[200];
    FAIL_UNLESS(wd_pre_build(pr, NRULES, &p, err, sizeof(err)) == WD_OK);
    FAIL_UNLESS(wd_pre_scratch_new(p, &s) == WD_OK);
    struct wd_qflat flat[2];
    wd_qflat_init(&flat[0]);
    wd_qflat_init(&flat[1]);
    struct wd_arena a;
    wd_arena_init(&a, 1 << 16, 1 << 24);
    uint64_t bits[1], fresh[1], last = 0, epoch0 = flat[0].pt.epoch;
    int differ = 0, restarts = 0;
    for (int e = 0; e < NEVENTS; e++) {
        b.len = 0;
        wd_buf_printf(&b, "{");
        if (e >= 1000 && e < 2000) /* keys that are data, first: they take the low ids */
            for (int k = 0; k < 20; k++)
                wd_buf_printf(&b, "\"k%d_%d\":\"%s\",", e, k, words[rnd(WD_ARRAY_LEN(words))]);
        wd_buf_printf(&b, "\"details\":{\"n\":1");
        for (size_t f = 0; f < WD_ARRAY_LEN(fields); f++)
            if (!strncmp(fields[f], "details.", 8) && rnd(2))
                wd_buf_printf(&b, ",\"%s\":\"%s\"", fields[f] + 8, words[rnd(WD_ARRAY_LEN(words))]);
        wd_buf_printf(&b, "}");
        for (size_t f = 0; f < WD_ARRAY_LEN(fields); f++)
            if (strncmp(fields[f], "details.", 8) && rnd(2))
                wd_buf_printf(&b, ",\"%s\":\"%s\"", fields[f], words[rnd(WD_ARRAY_LEN(words))]);
        wd_buf_printf(&b, "}");
        wd_arena_reset(&a);
        struct wd_jv *v;
        FAIL_UNLESS(wd_json_parse(b.p, b.len, b.len, 0, &a, &v, NULL) == WD_OK);
        struct wd_qflat *fl = &flat[e >= 2500 ? e & 1 : 0]; /* at the end, two take turns */
        FAIL_UNLESS(wd_qflat_build(fl, v) == WD_OK);
        restarts += fl == &flat[0] && fl->pt.epoch != epoch0;
        epoch0 = flat[0].pt.epoch;
        wd_pre_scan(p, s, fl, bits);
        struct wd_pre_scratch *s2;
        FAIL_UNLESS(wd_pre_scratch_new(p, &s2) == WD_OK);
        wd_pre_scan(p, s2, fl, fresh);
        wd_pre_scratch_free(s2);
        if (bits[0] != fresh[0]) {
            printf("FAIL prefilter_path_cache: event %d: %llx, fresh scratch %llx: %.*s\n", e,
                   (unsigned long long)bits[0], (unsigned long long)fresh[0], (int)b.len, b.p);
            wd_test_failed_ = 1;
            return;
        }
        differ += e && bits[0] != last;
        last = bits[0];
    }
    FAIL_UNLESS(differ > NEVENTS / 4); /* the candidates depend on the event */
    FAIL_UNLESS(restarts >= 1);        /* the flat's table did start over */
    wd_qflat_fini(&flat[0]);
    wd_qflat_fini(&flat[1]);
    wd_arena_fini(&a);
    wd_buf_fini(&b);
    wd_pre_scratch_free(s);
    wd_pre_free(p);
    for (int i = 0; i < NRULES; i++) {
        wd_query_free(q[i]);
        free(texts[i]);
    }
}

static void t_cleanup(void)
{
    reset_alerts();
    wd_engine_free(eng);
    eng = NULL;
}

WD_TEST_LIST{
    {"engine_threshold_exact", t_threshold_exact},
    {"engine_threshold_order", t_threshold_order},
    {"engine_group_bound", t_group_bound},
    {"engine_window", t_window},
    {"engine_distinct", t_distinct},
    {"engine_suppress", t_suppress},
    {"engine_match_document", t_match_document},
    {"engine_absence", t_absence},
    {"engine_sequence", t_sequence},
    {"engine_sumstats", t_sumstats},
    {"engine_reload_state", t_reload_state},
    {"engine_memory_bound", t_memory_bound},
    {"engine_lag", t_lag},
    {"engine_replay_and_oldest", t_replay_and_oldest},
    {"engine_prefilter_superset", t_prefilter_superset},
    {"engine_prefilter_path_cache", t_prefilter_path_cache},
    {"engine_cleanup", t_cleanup},
};

WD_TEST_MAIN
