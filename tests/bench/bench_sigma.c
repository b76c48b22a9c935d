/*
 * bench_sigma.c: the SigmaHQ corpus (../shared/testdata/sigma, every rule folder) loaded
 * into the detection engine, and events per second through it over a mix of Windows
 * events (Sysmon 1/3/7/11/13 and Security 4624/4625/4688, rendered as EVTX JSON and
 * normalized as ingest does: synthesized here, seeded), generator Linux sshd/sudo syslog
 * events and generator Zeek events (MozDef form): 50% / 25% / 25%.
 * Printed: rule load+compile time, prefilter build time, resident memory, events/s on one
 * core (thread CPU time) and with two engines on two threads (events split by host, as
 * a two-worker deployment would), candidate evaluations per event, alerts, and the
 * brute-force baseline in the same process (every rule's predicate on every event, no
 * prefilter) with the ratio.
 * Usage: bench_sigma [events] (default 400000); SIGMA_DIR overrides the corpus folder.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "gen.h"
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "norm.h"
#include "query.h"
#include "rule.h"
#include "sigma.h"
#include "ward.h"

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)((rng >> 11) % n);
}

#define PICK(a) (a)[rnd(WD_ARRAY_LEN(a))]

/* Processes with their usual parents: image, command line, parent image, parent command
 * line (ordinary workstation and server activity). */
static const char *const procs[][4] = {
    {"C:\\Windows\\System32\\svchost.exe",
     "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule",
     "C:\\Windows\\System32\\services.exe", "C:\\Windows\\system32\\services.exe"},
    {"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
     "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\" --type=renderer --lang=en-US",
     "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
     "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\""},
    {"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
     "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\"", "C:\\Windows\\explorer.exe",
     "C:\\Windows\\Explorer.EXE"},
    {"C:\\Windows\\System32\\notepad.exe",
     "\"C:\\Windows\\system32\\notepad.exe\" C:\\Users\\bob\\notes.txt",
     "C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE"},
    {"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
     "\"C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE\" /n "
     "\"C:\\Users\\alice\\Documents\\plan.docx\"",
     "C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE"},
    {"C:\\Windows\\System32\\taskhostw.exe", "taskhostw.exe {222A245B-E637-4AE9-A93F-A59CA119A75E}",
     "C:\\Windows\\System32\\svchost.exe",
     "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule"},
    {"C:\\Windows\\System32\\SearchProtocolHost.exe",
     "\"C:\\Windows\\system32\\SearchProtocolHost.exe\" Global\\UsGthrFltPipeMssGthrPipe1",
     "C:\\Windows\\System32\\SearchIndexer.exe",
     "C:\\Windows\\system32\\SearchIndexer.exe /Embedding"},
    {"C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe",
     "\"C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe\" /background",
     "C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE"},
    {"C:\\Windows\\System32\\backgroundTaskHost.exe",
     "\"C:\\Windows\\system32\\backgroundTaskHost.exe\" "
     "-ServerName:App.AppXmtcan0h2tfbfy7k9kn8hbxb6dmzz1zh0.mca",
     "C:\\Windows\\System32\\svchost.exe", "C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p"},
    {"C:\\Program Files\\Mozilla Firefox\\firefox.exe",
     "\"C:\\Program Files\\Mozilla Firefox\\firefox.exe\"", "C:\\Windows\\explorer.exe",
     "C:\\Windows\\Explorer.EXE"},
};
/* The first two fields of procs, for the other event kinds. */
#define images procs
static const char *const users[] = {"CORP\\alice", "CORP\\bob", "CORP\\carol",
                                    "NT AUTHORITY\\SYSTEM", "CORP\\svc_backup"};
static const char *const hosts[] = {"ws-001.corp.example",   "ws-002.corp.example",
                                    "ws-017.corp.example",   "srv-db1.corp.example",
                                    "srv-web2.corp.example", "ws-101.corp.example"};
static const char *const files[] = {
    "C:\\Users\\alice\\AppData\\Local\\Temp\\tmp1234.tmp",
    "C:\\Users\\bob\\Downloads\\report-q3.pdf",
    "C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\mpcache.bin",
    "C:\\Windows\\Prefetch\\CHROME.EXE-1234ABCD.pf",
};
static const char *const regs[] = {
    "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\Time",
    "HKU\\S-1-5-21-1-2-3-1001\\Software\\Microsoft\\Office\\16.0\\Common\\Roaming\\Id",
    "HKLM\\SYSTEM\\CurrentControlSet\\Services\\bam\\State\\UserSettings\\x",
};
static const char *const dlls[] = {
    "C:\\Windows\\System32\\kernel32.dll", "C:\\Windows\\System32\\ntdll.dll",
    "C:\\Windows\\System32\\user32.dll", "C:\\Windows\\System32\\combase.dll"};

/* JSON-escapes a Windows path (backslashes). */
static void esc(struct wd_buf *b, const char *s)
{
    wd_jv_write_str(s, strlen(s), b);
}

static void win_event(struct wd_buf *b, uint64_t i, int64_t ts_us)
{
    time_t t = (time_t)(ts_us / 1000000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char ts[64];
    snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ts_us % 1000000));
    static const int eids[] = {1, 1, 1, 3, 3, 7, 7, 11, 13, 4624, 4625, 4688};
    int eid = PICK(eids);
    bool sec = eid >= 4000;
    const char *host = PICK(hosts);
    const char *const *im = images[rnd(WD_ARRAY_LEN(images))];
    wd_buf_printf(b,
                  "{\"Event\":{\"System\":{\"Provider\":{\"#attributes\":{\"Name\":\"%s\"}},"
                  "\"EventID\":%d,\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"%s\"}},"
                  "\"EventRecordID\":%llu,\"Execution\":{\"#attributes\":{\"ProcessID\":%u,"
                  "\"ThreadID\":%u}},\"Channel\":\"%s\",\"Computer\":\"%s\"},\"EventData\":{",
                  sec ? "Microsoft-Windows-Security-Auditing" : "Microsoft-Windows-Sysmon", eid, ts,
                  (unsigned long long)i, 1000 + rnd(4000), 100 + rnd(9000),
                  sec ? "Security" : "Microsoft-Windows-Sysmon/Operational", host);
    wd_buf_printf(b, "\"UtcTime\":\"%s\",\"ProcessId\":%u,\"Image\":", ts, 100 + rnd(20000));
    esc(b, im[0]);
    switch (eid) {
    case 1:
    case 4688: {
        wd_buf_printf(b, ",\"CommandLine\":");
        esc(b, im[1]);
        wd_buf_printf(b, ",\"ParentImage\":");
        esc(b, im[2]);
        wd_buf_printf(b, ",\"ParentCommandLine\":");
        esc(b, im[3]);
        const char *base = strrchr(im[0], '\\') + 1;
        wd_buf_printf(b, ",\"OriginalFileName\":");
        esc(b, base);
        wd_buf_printf(b, ",\"User\":");
        esc(b, PICK(users));
        wd_buf_printf(b,
                      ",\"IntegrityLevel\":\"Medium\",\"Hashes\":\"SHA256=%016llX%016llX\","
                      "\"CurrentDirectory\":\"C:\\\\Windows\\\\system32\\\\\"",
                      (unsigned long long)rng, (unsigned long long)(rng * 31));
        break;
    }
    case 3:
        wd_buf_printf(b,
                      ",\"Protocol\":\"tcp\",\"SourceIp\":\"10.1.%u.%u\",\"SourcePort\":%u,"
                      "\"DestinationIp\":\"172.217.%u.%u\",\"DestinationPort\":443,"
                      "\"DestinationHostname\":\"www.example.com\",\"Initiated\":\"true\"",
                      rnd(255), rnd(255), 49152 + rnd(16000), rnd(255), rnd(255));
        break;
    case 7:
        wd_buf_printf(b, ",\"ImageLoaded\":");
        esc(b, PICK(dlls));
        wd_buf_printf(b, ",\"Signed\":\"true\",\"Signature\":\"Microsoft Windows\"");
        break;
    case 11:
        wd_buf_printf(b, ",\"TargetFilename\":");
        esc(b, PICK(files));
        break;
    case 13:
        wd_buf_printf(b, ",\"EventType\":\"SetValue\",\"TargetObject\":");
        esc(b, PICK(regs));
        wd_buf_printf(b, ",\"Details\":\"DWORD (0x00000001)\"");
        break;
    default:
        wd_buf_printf(b,
                      ",\"TargetUserName\":\"%s\",\"TargetDomainName\":\"CORP\",\"LogonType\":%d,"
                      "\"IpAddress\":\"10.2.%u.%u\",\"WorkstationName\":\"WS-%03u\"",
                      strchr(PICK(users), '\\') + 1, rnd(2) ? 3 : 10, rnd(255), rnd(255), rnd(200));
        break;
    }
    wd_buf_printf(b, "}}}");
}

struct corpus {
    char **ev;
    size_t *len;
    uint32_t *shard; /* host hash % 2 */
    size_t n;
};

static void push(struct corpus *c, const char *p, size_t n, uint32_t shard)
{
    c->ev[c->n] = wd_xstrndup(p, n);
    c->len[c->n] = n;
    c->shard[c->n] = shard;
    c->n++;
}

static void make_corpus(struct corpus *c, size_t n)
{
    c->ev = wd_xcalloc(n, sizeof(*c->ev));
    c->len = wd_xcalloc(n, sizeof(*c->len));
    c->shard = wd_xcalloc(n, sizeof(*c->shard));
    struct wd_gen_opts go;
    memset(&go, 0, sizeof(go));
    go.kind = WD_GEN_SYSLOG;
    wd_gen_opts_init(&go);
    go.fmt = WD_GEN_FMT_MOZDEF;
    go.count = 0;
    struct wd_gen *lg = wd_gen_new(&go);
    memset(&go, 0, sizeof(go));
    go.kind = WD_GEN_ZEEK_MIX;
    wd_gen_opts_init(&go);
    go.fmt = WD_GEN_FMT_MOZDEF;
    go.count = 0;
    struct wd_gen *zg = wd_gen_new(&go);
    struct wd_buf b, out;
    wd_buf_init(&b, 0);
    wd_buf_init(&out, 0);
    struct wd_arena a;
    wd_arena_init(&a, 256 << 10, 64u << 20);
    int64_t t0 = 1767225600000000ll;
    struct wd_norm_opts no = {.mozdefhostname = "ward", .now_us = t0};
    for (size_t i = 0; i < n; i++) {
        b.len = 0;
        uint32_t k = rnd(4);
        if (k < 2) {
            win_event(&b, i, t0 + (int64_t)i * 1000);
            wd_arena_reset(&a);
            struct wd_jv *v, *ev;
            struct wd_perr pe;
            if (wd_json_parse(b.p, b.len, b.len, 0, &a, &v, &pe) == WD_OK &&
                wd_norm_event(&a, &no, v, &ev, NULL) == WD_OK) {
                out.len = 0;
                wd_jv_write(ev, &out);
                push(c, out.p, out.len, rnd(2));
            }
        } else {
            size_t got = wd_gen_next(k == 2 ? lg : zg, &b);
            while (got && b.p[b.len - 1] == '\n')
                b.len--;
            if (got)
                push(c, b.p, b.len, rnd(2));
        }
    }
    wd_arena_fini(&a);
    wd_buf_fini(&b);
    wd_buf_fini(&out);
    wd_gen_free(lg);
    wd_gen_free(zg);
}

static int load_corpus(const char *dir, struct wd_ruleset *set)
{
    static const char *const sub[] = {"rules", "rules-emerging-threats", "rules-threat-hunting",
                                      "rules-placeholder", "rules-compliance"};
    memset(set, 0, sizeof(*set));
    for (size_t i = 0; i < WD_ARRAY_LEN(sub); i++) {
        char p[1024];
        snprintf(p, sizeof(p), "%s/%s", dir, sub[i]);
        if (wd_ruleset_load(set, p, NULL) != WD_OK)
            return 1;
    }
    return 0;
}

static uint64_t nalerts;
static void on_alert(void *arg, const struct wd_rule *r, const char *json, size_t len)
{
    WD_UNUSED(r);
    WD_UNUSED(json);
    WD_UNUSED(len);
    __atomic_fetch_add((uint64_t *)arg, 1, __ATOMIC_RELAXED);
}

struct run {
    struct wd_engine *e;
    const struct corpus *c;
    int shard; /* -1 = all */
    double cpu;
    uint64_t n;
};

static void *run_engine(void *arg)
{
    struct run *r = arg;
    int64_t t0 = 1767225600000000ll;
    double c0 = cpu_s();
    for (size_t i = 0; i < r->c->n; i++) {
        if (r->shard >= 0 && (int)r->c->shard[i] != r->shard)
            continue;
        int64_t now = t0 + (int64_t)i * 1000;
        wd_engine_event(r->e, r->c->ev[i], r->c->len[i], i + 1, now);
        if (++r->n % 4096 == 0)
            wd_engine_tick(r->e, now);
    }
    wd_engine_tick(r->e, t0 + (int64_t)r->c->n * 1000);
    r->cpu = cpu_s() - c0;
    return NULL;
}

static struct wd_engine *new_engine(struct wd_ruleset *set, double *load_s)
{
    struct wd_engine_opts o = {.emit = on_alert, .emit_arg = &nalerts};
    struct wd_engine *e = wd_engine_new(&o);
    char err[256];
    double t = wall_s();
    if (wd_engine_load(e, set, err, sizeof(err)) != WD_OK) {
        fprintf(stderr, "bench_sigma: %s\n", err);
        exit(1);
    }
    if (load_s)
        *load_s = wall_s() - t;
    return e;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 400000;
    const char *dir = getenv("SIGMA_DIR") ? getenv("SIGMA_DIR") : "../shared/testdata/sigma";
    struct corpus c = {0};
    make_corpus(&c, n);
    if (getenv("BENCH_DUMP")) { /* the events as stored, for `ward rules test` */
        FILE *f = fopen(getenv("BENCH_DUMP"), "w");
        for (size_t i = 0; f && i < c.n; i++)
            fprintf(f, "%.*s\n", (int)c.len[i], c.ev[i]);
        if (f)
            fclose(f);
        return 0;
    }
    long rss0 = rss_kb();
    double t = wall_s();
    struct wd_ruleset set;
    if (load_corpus(dir, &set) || !set.n) {
        printf("bench_sigma: no Sigma corpus at %s (set SIGMA_DIR): skipped\n", dir);
        return 0;
    }
    double parse_s = wall_s() - t;
    uint32_t nrules = set.n;
    double pre_s;
    struct wd_engine *e = new_engine(&set, &pre_s);
    long rss1 = rss_kb();
    struct wd_engine_stats st;
    wd_engine_stats(e, &st);
    printf("sigma corpus: %u rules compiled of %u documents; YAML load+compile %.2f s, "
           "prefilter build %.2f s (%u literals, %u always-candidate rules); resident memory "
           "+%ld MiB\n",
           nrules, set.sigma_docs, parse_s, pre_s, st.patterns, st.always, (rss1 - rss0) / 1024);
    wd_ruleset_free(&set);

    /* one core */
    struct run r1 = {.e = e, .c = &c, .shard = -1};
    nalerts = 0;
    run_engine(&r1);
    wd_engine_stats(e, &st);
    double eps1 = (double)c.n / r1.cpu;
    printf("engine, 1 core:  %zu events (50%% Windows, 25%% Linux syslog, 25%% Zeek) in %.2f s "
           "CPU: %.0f events/s; %.2f candidate evaluations/event; %llu alerts\n",
           c.n, r1.cpu, eps1, (double)st.candidates / (double)st.events,
           (unsigned long long)nalerts);
    wd_engine_free(e);

    if (getenv("BENCH_ONE_CORE")) /* profiling the one-core run */
        return 0;
    /* two engines on two threads, events split by shard */
    struct wd_ruleset s2[2];
    struct wd_engine *e2[2];
    for (int i = 0; i < 2; i++) {
        load_corpus(dir, &s2[i]);
        e2[i] = new_engine(&s2[i], NULL);
        wd_ruleset_free(&s2[i]);
    }
    struct run r2[2] = {{.e = e2[0], .c = &c, .shard = 0}, {.e = e2[1], .c = &c, .shard = 1}};
    pthread_t th[2];
    double w = wall_s();
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, run_engine, &r2[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    w = wall_s() - w;
    printf("engine, 2 cores: two engines (events split by host) %.2f s wall: %.0f events/s\n", w,
           (double)c.n / w);
    for (int i = 0; i < 2; i++)
        wd_engine_free(e2[i]);

    /* brute force: every rule's predicate on every event, same parse and flattening */
    if (getenv("BENCH_NO_PEER"))
        return 0;
    struct wd_ruleset bs;
    load_corpus(dir, &bs);
    size_t nb = c.n < 20000 ? c.n : 20000;
    struct wd_arena a;
    wd_arena_init(&a, 256 << 10, 64u << 20);
    struct wd_qflat f;
    wd_qflat_init(&f);
    struct wd_sigma_ev sev;
    wd_sigma_ev_init(&sev);
    uint64_t hits = 0;
    double c0 = cpu_s();
    for (size_t i = 0; i < nb; i++) {
        wd_arena_reset(&a);
        struct wd_jv *ev;
        struct wd_perr pe;
        if (wd_json_parse(c.ev[i], c.len[i], c.len[i], 0, &a, &ev, &pe) != WD_OK)
            continue;
        wd_qflat_build(&f, ev);
        wd_sigma_ev_reset(&sev, &f);
        for (uint32_t k = 0; k < bs.n; k++)
            hits += wd_sigma_match(bs.rules[k]->sigma, &sev);
    }
    double bcpu = cpu_s() - c0;
    double beps = (double)nb / bcpu;
    printf("brute force, 1 core: %zu events x %u predicates in %.2f s CPU: %.0f events/s "
           "(%llu matches); engine/brute force = %.1fx\n",
           nb, bs.n, bcpu, beps, (unsigned long long)hits, eps1 / beps);
    wd_sigma_ev_fini(&sev);
    wd_qflat_fini(&f);
    wd_arena_fini(&a);
    wd_ruleset_free(&bs);
    for (size_t i = 0; i < c.n; i++)
        free(c.ev[i]);
    free(c.ev);
    free(c.len);
    free(c.shard);
    return 0;
}
