/*
 * bench_cases.c: costs of the case store (case_db.h) that sit on a hot path or grow with
 * data: recording alerts (the engine thread does it after each WAL commit), the
 * suppression check every alert of a suppressed rule goes through (and the one of a rule
 * without suppressions), an incident field update and read, and the metrics over many
 * incidents and alerts. One thread, a temporary data directory (fsync per the WAL
 * journal's synchronous=NORMAL). Usage: bench_cases [alerts] (default 200000).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "case_db.h"
#include "mem.h"
#include "ward.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static const char alert_doc[] =
    "{\"utctimestamp\":\"2026-03-01T10:00:00+00:00\",\"severity\":\"WARNING\","
    "\"summary\":\"5 ssh bruteforce attempts by 10.9.8.7\",\"category\":\"bruteforce\","
    "\"tags\":[\"ssh\"],\"classname\":\"Scan\",\"events\":["
    "{\"documentindex\":\"events-20260301\",\"documentid\":\"1\",\"documentsource\":{"
    "\"summary\":\"Failed password for root from 10.9.8.7\",\"hostname\":\"web1\","
    "\"details\":{\"program\":\"sshd\",\"sourceipaddress\":\"10.9.8.7\",\"port\":22}}},"
    "{\"documentindex\":\"events-20260301\",\"documentid\":\"2\",\"documentsource\":{"
    "\"summary\":\"Failed password for root from 10.9.8.7\",\"hostname\":\"web0\","
    "\"details\":{\"program\":\"sshd\",\"sourceipaddress\":\"10.9.8.7\",\"port\":22}}},"
    "{\"documentindex\":\"events-20260301\",\"documentid\":\"3\",\"documentsource\":{"
    "\"summary\":\"Failed password for root from 10.9.8.7\",\"hostname\":\"web1\","
    "\"details\":{\"program\":\"sshd\",\"sourceipaddress\":\"10.9.8.7\",\"port\":22}}}]}";

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 200000;
    char dir[] = "/tmp/ward-bench-cases-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char err[256];
    struct wd_cases *c = wd_cases_open(dir, err, sizeof(err));
    if (!c) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    const int64_t t0 = INT64_C(1772323200000000); /* 2026-03-01 */
    static const char *const rules[] = {"Scan", "Brute", "Dns", "Proxy"};
    /* 1. alerts recorded in batches of 16 (a burst's engine pass) */
    struct wd_case_alert batch[16];
    double s = now_s();
    for (size_t i = 0; i < n; i += 16) {
        size_t k = WD_MIN((size_t)16, n - i);
        for (size_t j = 0; j < k; j++)
            batch[j] = (struct wd_case_alert){i + j + 1, rules[(i + j) % 4], "WARNING",
                                              t0 + (int64_t)(i + j) * 10000000};
        wd_cases_alerts_created(c, batch, k);
    }
    double dt = now_s() - s;
    printf("alerts recorded (batches of 16): %zu in %.2f s = %.0f alerts/s\n", n, dt, n / dt);
    for (size_t i = 1; i <= n; i += 3)
        wd_cases_alert_status(c, i, i % 2 ? "acknowledged" : "falsePositive", "bench", NULL, 0);
    /* 2. the suppression check */
    int64_t sid;
    wd_cases_suppress_add(c, "Scan",
                          "{\"details.sourceipaddress\":\"10.9.8.7\",\"hostname\":\"web1\"}", "x",
                          0, "bench", t0 + INT64_C(86400000000), &sid);
    const size_t len = sizeof(alert_doc) - 1, rounds = 200000;
    const char *names[] = {"Other (no suppression)", "Scan (1 suppression, hit)"};
    const char *which[] = {"Other", "Scan"};
    for (int w = 0; w < 2; w++) {
        size_t hits = 0;
        s = now_s();
        for (size_t i = 0; i < rounds; i++)
            hits += wd_cases_suppressed(c, which[w], alert_doc, len, t0);
        dt = now_s() - s;
        printf("suppression check, %s: %.0f ns/alert (%zu hits)\n", names[w], dt / rounds * 1e9,
               hits);
    }
    for (int i = 0; i < 99; i++) { /* 100 suppressions on the rule, none matching */
        char f[96];
        snprintf(f, sizeof(f), "{\"details.sourceipaddress\":\"192.0.2.%d\"}", i);
        wd_cases_suppress_add(c, "Brute", f, "x", 0, "bench", t0 + INT64_C(86400000000), &sid);
    }
    s = now_s();
    for (size_t i = 0; i < rounds / 10; i++)
        wd_cases_suppressed(c, "Brute", alert_doc, len, t0);
    dt = now_s() - s;
    printf("suppression check, 99 suppressions on the rule, no hit: %.0f ns/alert\n",
           dt / (rounds / 10) * 1e9);
    /* 3. incidents: create, field updates, reads */
    const size_t ninc = 2000;
    s = now_s();
    for (size_t i = 0; i < ninc; i++) {
        int64_t id;
        char opened[64];
        snprintf(opened, sizeof(opened), "\"2026-03-%02zuT00:00:00+00:00\"", 1 + i % 28);
        struct wd_case_change ch[] = {
            {"summary", "\"bench incident\"", 0, false, -1},
            {"phase", i % 2 ? "\"Closed\"" : "\"Containment\"", 0, false, -1},
            {"dateOpened", opened, t0 + (int64_t)(i % 28) * 86400000000, true, -1},
            {"dateContained", "\"2026-03-28T00:00:00+00:00\"", t0 + 27 * INT64_C(86400000000), true,
             -1},
            {"veris_action", "[\"hacking.variety.SQLi\",\"malware\"]", 0, false, -1},
        };
        struct wd_buf conf;
        wd_buf_init(&conf, 0);
        wd_cases_create(c, "bench", &id);
        wd_cases_update(c, id, "bench", ch, 5, &conf);
        wd_buf_fini(&conf);
    }
    dt = now_s() - s;
    printf("incidents created with 5 fields: %.0f/s\n", ninc / dt);
    const size_t nup = 2000;
    s = now_s();
    for (size_t i = 0; i < nup; i++) {
        char v[48];
        snprintf(v, sizeof(v), "\"owner %zu\"", i);
        struct wd_case_change ch = {"owner", v, 0, false, (int64_t)i};
        struct wd_buf conf;
        wd_buf_init(&conf, 0);
        if (wd_cases_update(c, 1, "bench", &ch, 1, &conf) != WD_OK)
            return 2;
        wd_buf_fini(&conf);
    }
    dt = now_s() - s;
    printf("field updates (version checked, timeline entry): %.0f/s\n", nup / dt);
    struct wd_buf out;
    wd_buf_init(&out, 0);
    s = now_s();
    for (int i = 0; i < 200; i++) {
        out.len = 0;
        wd_cases_get(c, 1, &out);
    }
    dt = now_s() - s;
    printf("incident read with %zu timeline entries (%zu bytes): %.2f ms\n", nup + 6, out.len,
           dt / 200 * 1e3);
    /* 4. metrics over everything (second of two runs: the first also reads the pages) */
    for (int r = 0; r < 2; r++) {
        s = now_s();
        out.len = 0;
        wd_cases_metrics(c, t0 - INT64_C(86400000000), t0 + INT64_C(400) * 86400000000, &out);
        dt = now_s() - s;
    }
    printf("metrics over %zu incidents and %zu alerts: %.0f ms (%zu bytes)\n", ninc, n, dt * 1e3,
           out.len);
    s = now_s();
    out.len = 0;
    wd_cases_metrics(c, t0 + INT64_C(300) * 86400000000, t0 + INT64_C(400) * 86400000000, &out);
    dt = now_s() - s;
    printf("metrics over a range without alerts (%zu incidents read): %.0f ms\n", ninc, dt * 1e3);
    wd_buf_fini(&out);
    wd_cases_close(c);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
