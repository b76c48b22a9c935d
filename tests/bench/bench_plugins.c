/*
 * bench_plugins.c: ingest-path throughput with 10 Lua plugins registered (the shipped
 * plugins/ plus taggers on common syslog program names) against the same path without
 * plugins: JSON decode -> key mapping -> plugin chain -> a.4 defaults -> serialization, in
 * batches of 1000 on 1 and 2 threads. The events are a deterministic mix of syslog-like
 * events (sshd logins, web access lines with user agents incl. ELB health checks, cron,
 * kernel, sudo ...). Prints events/s and the share of events any plugin ran on.
 * Usage: bench_plugins [events] [plugins_dir]
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "jv.h"
#include "mem.h"
#include "norm.h"
#include "plug.h"
#include "ward.h"

#define BATCH 1000

static char **lines;
static size_t *lens;
static size_t nlines;
static struct wd_plugins *plugins;

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static void gen(size_t n)
{
    static const char *const progs[] = {"cron", "kernel", "sudo", "postfix", "systemd", "nginx"};
    lines = calloc(n, sizeof(char *));
    lens = calloc(n, sizeof(size_t));
    for (size_t i = 0; i < n; i++) {
        char b[512];
        int l, k = (int)(rnd() % 10);
        unsigned a = rnd() % 256, c = rnd() % 256;
        if (k < 2)
            l = snprintf(b, sizeof(b),
                         "{\"timestamp\":\"2024-05-01T12:00:%02u+00:00\",\"hostname\":\"web%u\","
                         "\"processname\":\"sshd\",\"severity\":\"INFO\",\"summary\":\"Accepted "
                         "publickey for user%u from 10.%u.%u.7 port %u ssh2\"}",
                         a % 60, c, a, a, c, 1024 + a * c);
        else if (k < 5)
            l = snprintf(b, sizeof(b),
                         "{\"timestamp\":\"2024-05-01T12:00:%02u+00:00\",\"hostname\":\"lb%u\","
                         "\"category\":\"web\",\"summary\":\"GET /index.html 200\",\"details\":"
                         "{\"sourceipaddress\":\"192.0.2.%u\",\"useragent\":\"%s\",\"bytes\":%u}}",
                         a % 60, c, a,
                         a % 10 ? "Mozilla/5.0 (X11; Linux x86_64)" : "ELB-HealthChecker/2.0",
                         a * 17);
        else
            l = snprintf(b, sizeof(b),
                         "{\"timestamp\":\"2024-05-01T12:00:%02u+00:00\",\"hostname\":\"app%u\","
                         "\"processname\":\"%s\",\"processid\":%u,\"severity\":\"NOTICE\","
                         "\"summary\":\"session %u finished for job %u\",\"tags\":[\"prod\"]}",
                         a % 60, c, progs[rnd() % 6], a * 31, c, a);
        lines[i] = strndup(b, (size_t)l);
        lens[i] = (size_t)l;
    }
    nlines = n;
}

struct thr {
    size_t from, to;
    bool with_plugins;
    uint64_t out, ran;
};

static void *work(void *arg)
{
    struct thr *t = arg;
    struct wd_arena a;
    wd_arena_init(&a, 1 << 20, 0);
    struct wd_buf out;
    wd_buf_init(&out, 0);
    struct wd_norm_opts o = {
        .mozdefhostname = "bench", .now_us = 1714564800000000LL, .defer_defaults = t->with_plugins};
    for (size_t i = t->from; i < t->to; i++) {
        if ((i - t->from) % BATCH == 0) {
            wd_arena_reset(&a);
            out.len = 0;
        }
        struct wd_jv *v, *ev;
        if (wd_json_parse(lines[i], lens[i], lens[i], 0, &a, &v, NULL) ||
            wd_norm_event(&a, &o, v, &ev, NULL))
            abort();
        if (t->with_plugins) {
            struct wd_plug_result r;
            if (wd_plugins_run(plugins, &a, &ev, &r))
                abort();
            t->ran += r.ran > 0;
            if (r.dropped)
                continue;
            if (wd_norm_defaults(&a, &o, ev))
                abort();
        }
        if (wd_jv_write(ev, &out))
            abort();
        t->out++;
    }
    wd_buf_fini(&out);
    wd_arena_fini(&a);
    return NULL;
}

static double run(int threads, bool with_plugins, uint64_t *ran)
{
    struct thr t[8];
    pthread_t th[8];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < threads; i++) {
        t[i] = (struct thr){nlines * (size_t)i / (size_t)threads,
                            nlines * (size_t)(i + 1) / (size_t)threads, with_plugins, 0, 0};
        pthread_create(&th[i], NULL, work, &t[i]);
    }
    *ran = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        *ran += t[i].ran;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return (double)nlines / s;
}

/* The shipped plugins plus taggers up to 10. */
static const char *make_dir(const char *shipped)
{
    static char dir[] = "/tmp/ward-bench-plugins-XXXXXX";
    if (!mkdtemp(dir))
        return NULL;
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "cp %s/*.lua %s/", shipped, dir);
    if (system(cmd))
        return NULL;
    static const char *const tags[] = {"cron", "kernel", "sudo", "postfix", "nginx", "audit"};
    int have = 0;
    snprintf(cmd, sizeof(cmd), "ls %s/*.lua | wc -l", dir);
    FILE *p = popen(cmd, "r");
    if (!p || fscanf(p, "%d", &have) != 1)
        return NULL;
    pclose(p);
    for (int i = 0; have < 10 && i < 6; i++, have++) {
        char path[300];
        snprintf(path, sizeof(path), "%s/tag_%s.lua", dir, tags[i]);
        FILE *f = fopen(path, "w");
        if (!f)
            return NULL;
        fprintf(f,
                "return {registration='%s', priority=30, process=function(e)\n"
                "  e.details = e.details or {}; e.details.program_class = '%s'; return e end}\n",
                tags[i], tags[i]);
        fclose(f);
    }
    return dir;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 400000;
    const char *dir = make_dir(argc > 2 ? argv[2] : "plugins");
    struct wd_plug_opts po = {dir, 1000000, 16 << 20, false, 10};
    if (!dir || wd_plugins_new(&po, &plugins, stderr))
        return 1;
    gen(n);
    printf("bench_plugins: %zu events, %d plugins registered (%s)\n", n, wd_plugins_count(plugins),
           dir);
    for (int threads = 1; threads <= 2; threads++) {
        uint64_t ran;
        double best0 = 0, best1 = 0;
        for (int r = 0; r < 3; r++) {
            double a = run(threads, false, &ran), b = run(threads, true, &ran);
            best0 = a > best0 ? a : best0;
            best1 = b > best1 ? b : best1;
        }
        run(threads, true, &ran);
        printf("threads=%d  without plugins: %.0f events/s  with 10 plugins: %.0f events/s  "
               "(plugins ran on %.0f%% of events; %.0f ns/event added)\n",
               threads, best0, best1, 100.0 * (double)ran / (double)n,
               1e9 / best1 * threads - 1e9 / best0 * threads);
    }
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd))
        return 1;
    wd_plugins_free(plugins);
    return 0;
}
