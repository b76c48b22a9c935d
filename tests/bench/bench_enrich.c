/*
 * bench_enrich.c: cost per event of the compiled enrichment steps: a network-table lookup
 * (longest-prefix match in a table of 10,000 IPv4 and 1,000 IPv6 blocks of mixed lengths)
 * and wd_enrich_event / wd_ipfix_event on a decoded event with source and destination
 * addresses. Prints ns per lookup and per event (best of 3 rounds, one thread).
 * Usage: bench_enrich [events]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "enrich.h"
#include "ipfix.h"
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "netmap.h"
#include "ward.h"

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    char path[] = "/tmp/ward-bench-net-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f)
        return 1;
    for (int i = 0; i < 10000; i++)
        fprintf(f, "10.%u.%u.0/%u,site%d,prod,team%d\n", rnd() % 256, rnd() % 256, 8 + rnd() % 17,
                i, i % 50);
    for (int i = 0; i < 1000; i++)
        fprintf(f, "2001:db8:%x::/%u,v6site%d\n", rnd() % 65536, 32 + rnd() % 17, i);
    fclose(f);
    struct wd_enrich *e;
    if (wd_enrich_new(path, &e, stderr))
        return 1;
    char(*ips)[40] = malloc(4096 * sizeof(*ips));
    for (int i = 0; i < 4096; i++)
        snprintf(ips[i], 40, i % 2 ? "10.%u.%u.%u" : "192.0.%u.%u%.0u", rnd() % 256, rnd() % 256,
                 rnd() % 256);
    struct wd_arena a;
    wd_arena_init(&a, 1 << 20, 0);
    double best_ev = 1e9, best_fix = 1e9;
    for (int r = 0; r < 3; r++) {
        double t0 = now_s(), tev = 0, tfix = 0;
        for (size_t i = 0; i < n; i++) {
            if (i % 1000 == 0)
                wd_arena_reset(&a);
            char txt[200];
            int l = snprintf(txt, sizeof(txt),
                             "{\"summary\":\"x\",\"details\":{\"sourceipaddress\":\"%s\","
                             "\"destinationipaddress\":\"%s\"}}",
                             ips[i % 4096], ips[(i * 7) % 4096]);
            struct wd_jv *v;
            if (wd_json_parse(txt, (size_t)l, (size_t)l, 0, &a, &v, NULL))
                return 1;
            double t1 = now_s();
            bool ran;
            if (wd_ipfix_event(&a, v, &ran))
                return 1;
            double t2 = now_s();
            if (wd_enrich_event(e, &a, v))
                return 1;
            double t3 = now_s();
            tfix += t2 - t1;
            tev += t3 - t2;
        }
        (void)t0;
        best_ev = tev < best_ev ? tev : best_ev;
        best_fix = tfix < best_fix ? tfix : best_fix;
    }
    printf("bench_enrich: %zu events, network table of 11000 blocks\n", n);
    printf("network table (2 lookups + tags) per event: %.0f ns (timer overhead included)\n",
           best_ev * 1e9 / (double)n);
    printf("ipFixup per event: %.0f ns (timer overhead included)\n", best_fix * 1e9 / (double)n);
    /* lookups alone, no timer per call */
    char *text;
    size_t len;
    struct wd_netmap *m;
    if (wd_read_file(path, 1 << 30, &text, &len) ||
        wd_netmap_parse(text, len, &m, NULL, NULL, NULL))
        return 1;
    size_t hits = 0;
    double best = 1e9;
    for (int r = 0; r < 3; r++) {
        double t0 = now_s();
        for (size_t i = 0; i < n; i++)
            hits += wd_netmap_lookup(m, ips[i % 4096], strlen(ips[i % 4096])) != NULL;
        double t = now_s() - t0;
        best = t < best ? t : best;
    }
    printf("network table lookup alone: %.0f ns (%.0f%% hits)\n", best * 1e9 / (double)n,
           100.0 * (double)hits / (double)n / 3);
    wd_netmap_free(m);
    free(text);
    wd_arena_fini(&a);
    wd_enrich_free(e);
    unlink(path);
    free(ips);
    return 0;
}
