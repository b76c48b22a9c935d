/*
 * bench_resp.c: costs of the response lists (docs/response.md):
 *  - the watch-list scan per event (src/resp_watch.c) with 0, 10, 100 and 1,000 terms,
 *    next to the cost of parsing the same event (wd_json_parse) measured in the same run,
 *    so the ratio is meaningful on a busy machine;
 *  - wd_resp_cidr_merge of 100,000 random IPv4 blocks;
 *  - a whole IP feed request (wd_resp_feed: SQLite read, merge, text) over 10,000 entries.
 * Best of 3 rounds, one thread. Usage: bench_resp [events]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "jv.h"
#include "mem.h"
#include "resp.h"
#include "resp_validate.h"
#include "resp_watch.h"
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

#define NEV 4096

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    static char ev[NEV][640];
    static size_t evlen[NEV];
    for (int i = 0; i < NEV; i++)
        evlen[i] = (size_t)snprintf(
            ev[i], sizeof(ev[i]),
            "{\"utctimestamp\":\"2026-12-01T10:%02u:%02u.000000+00:00\",\"hostname\":\"web%u."
            "example.com\",\"category\":\"authentication\",\"summary\":\"Failed password for "
            "user%u from 203.0.%u.%u port %u ssh2\",\"details\":{\"program\":\"sshd\","
            "\"sourceipaddress\":\"203.0.%u.%u\",\"username\":\"user%u\",\"processid\":%u,"
            "\"useragent\":\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like "
            "Gecko) Chrome/120.0 Safari/537.36\"},\"tags\":[\"ssh\",\"auth\"],\"source\":"
            "\"syslog\",\"type\":\"event\"}",
            rnd() % 60, rnd() % 60, rnd() % 50, rnd() % 1000, rnd() % 256, rnd() % 256,
            1024 + rnd() % 60000, rnd() % 256, rnd() % 256, rnd() % 1000, rnd() % 65536);
    /* the reference: parsing the event, which the engine does for every event anyway */
    struct wd_arena a;
    wd_arena_init(&a, 1 << 20, 0);
    double parse_ns = 1e18;
    for (int r = 0; r < 3; r++) {
        double t0 = now_s();
        for (size_t i = 0; i < n; i++) {
            if (i % 1000 == 0)
                wd_arena_reset(&a);
            struct wd_jv *v;
            if (wd_json_parse(ev[i % NEV], evlen[i % NEV], evlen[i % NEV], 0, &a, &v, NULL))
                return 1;
        }
        double ns = (now_s() - t0) * 1e9 / (double)n;
        parse_ns = ns < parse_ns ? ns : parse_ns;
    }
    printf("json parse of a %zu-byte event: %.0f ns\n", evlen[0], parse_ns);
    static const uint32_t counts[] = {0, 10, 100, 1000};
    for (size_t c = 0; c < WD_ARRAY_LEN(counts); c++) {
        struct wd_buf terms;
        wd_buf_init(&terms, 0);
        for (uint32_t k = 0; k < counts[c]; k++) {
            char t[32];
            int l = snprintf(t, sizeof(t), "zq%05xterm%u", rnd() % 0xfffff, k);
            wd_buf_append(&terms, t, (size_t)l + 1);
        }
        struct wd_watch *w;
        if (wd_watch_new(terms.p, counts[c], &w))
            return 1;
        double best = 1e18;
        size_t hits = 0;
        for (int r = 0; r < 3; r++) {
            double t0 = now_s();
            for (size_t i = 0; i < n; i++)
                hits += wd_watch_scan(w, ev[i % NEV], evlen[i % NEV]) != NULL;
            double ns = (now_s() - t0) * 1e9 / (double)n;
            best = ns < best ? ns : best;
        }
        printf("watch scan, %4u terms: %6.1f ns/event (%.2fx a parse; %zu hits)\n", counts[c],
               best, best / parse_ns, hits);
        wd_watch_free(w);
        wd_buf_fini(&terms);
    }
    /* merging */
    enum { NB = 100000 };
    struct wd_cidr *blocks = malloc(NB * sizeof(*blocks)), *work = malloc(NB * sizeof(*work));
    for (int i = 0; i < NB; i++) {
        blocks[i] = (struct wd_cidr){.fam = 4, .plen = (uint8_t)(20 + rnd() % 13)};
        uint32_t ip = (rnd() << 16 | rnd()) & ~((1u << (32 - blocks[i].plen)) - 1);
        blocks[i].addr[0] = (uint8_t)(ip >> 24);
        blocks[i].addr[1] = (uint8_t)(ip >> 16);
        blocks[i].addr[2] = (uint8_t)(ip >> 8);
        blocks[i].addr[3] = (uint8_t)ip;
    }
    double best = 1e18;
    size_t out = 0;
    for (int r = 0; r < 3; r++) {
        memcpy(work, blocks, NB * sizeof(*work));
        double t0 = now_s();
        out = wd_resp_cidr_merge(work, NB);
        double s = now_s() - t0;
        best = s < best ? s : best;
    }
    printf("cidr merge of %d blocks: %.1f ms (%zu blocks out)\n", NB, best * 1e3, out);
    /* a feed request over 10,000 entries */
    char dir[] = "/tmp/ward-bench-resp-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    struct wd_resp_opts o = {dir, "", 10000, WD_RESP_NEWEST, 86400};
    struct wd_resp *rs;
    char err[256];
    if (wd_resp_open(&o, &rs, err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    double t0 = now_s();
    int added = 0;
    for (int i = 0; added < 10000 && i < 20000; i++) {
        char ip[32], why[256];
        bool created;
        snprintf(ip, sizeof(ip), "%u.%u.%u.%u", 1 + rnd() % 9, rnd() % 256, rnd() % 256,
                 rnd() % 256); /* 1-9.x.x.x: public except 0/8 */
        if (wd_resp_add(rs, WD_RESP_IP, ip, 86400, "bench", NULL, "bench", 1700000000, &created,
                        NULL, why, sizeof(why)) == WD_OK)
            added++;
    }
    double add_s = now_s() - t0;
    struct wd_buf b;
    wd_buf_init(&b, 0);
    best = 1e18;
    for (int r = 0; r < 5; r++) {
        b.len = 0;
        int64_t lm;
        uint64_t om;
        double t1 = now_s();
        if (wd_resp_feed(rs, WD_RESP_IP, 1700000100, &b, &lm, &om))
            return 1;
        double s = now_s() - t1;
        best = s < best ? s : best;
    }
    printf("add: %.0f us per entry (%d entries, each its own SQLite transaction)\n",
           add_s * 1e6 / added, added);
    printf("ip feed of %d entries: %.1f ms per request (%zu bytes)\n", added, best * 1e3, b.len);
    wd_buf_fini(&b);
    wd_resp_close(rs);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    free(blocks);
    free(work);
    wd_arena_fini(&a);
    return 0;
}
