/*
 * bench_enrich.c: cost per event of the compiled enrichment steps, one thread, best of 3:
 *  - the network table alone (longest-prefix match over 11,000 IPv4/IPv6 blocks) and
 *    ipFixup, on events with a source and a destination address (half in the table);
 *  - on generator events (`ward gen --kind zeek-mix --format mozdef`: conn, dns, http, ssl,
 *    ssh, x509 with their own mix of private and public addresses, domains, URIs): the
 *    network table, GeoIP (City + ASN databases of 200,000 networks each, built here with
 *    tests/unit/mmdb_write.h), threat intel (100,000 IPs/blocks, 100,000 domains, 10,000
 *    URLs, 50,000 hashes) and all three together;
 *  - the same on events whose two addresses are public and in the GeoIP databases, drawn
 *    from all 200,000 networks (every lookup a new record: the record cache misses) and
 *    from 500 of them (the cache hits, as with the repeated addresses of real traffic).
 * Events are decoded before the clock starts (1,000 at a time); the time is one clock read
 * per 1,000 events, so no timer overhead per event. Usage: bench_enrich [events]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../unit/mmdb_write.h"
#include "enrich.h"
#include "gen.h"
#include "ipfix.h"
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "netmap.h"
#include "ward.h"

#define CHUNK 1000

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

static char dir[64];

static const char *tmp(const char *name)
{
    static char p[8][128];
    static int i;
    i = (i + 1) % 8;
    snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
    return p[i];
}

/* Public IPv4 /24s spread over 1.0.0.0 - 126.255.255.255 (and one IPv6 /32 per 10). */
static void net_of(uint32_t i, char *out, size_t n)
{
    uint32_t x = (i * 2654435761u) % (126u << 16);
    if (i % 10 == 9)
        snprintf(out, n, "2a%02x:%x::/32", (i / 10) % 256, (i / 10) % 65536);
    else
        snprintf(out, n, "%u.%u.%u.0/24", 1 + (x >> 16), (x >> 8) & 255, x & 255);
}

static void build_geo(void)
{
    struct mmw c = {0}, a = {0};
    size_t recs[1000], asns[1000];
    for (int i = 0; i < 1000; i++) {
        char city[32], region[8];
        snprintf(city, sizeof(city), "City%d", i);
        snprintf(region, sizeof(region), "R%d", i % 50);
        recs[i] = mmw_city(&c, city, "GB", "United Kingdom", "EU", 51.5 + i * 0.001,
                           -0.1 - i * 0.001, "Europe/London", "EC2V", region, 0);
        char org[48];
        snprintf(org, sizeof(org), "Example Networks %d Ltd", i);
        asns[i] = mmw_asn(&a, 64512 + (uint32_t)i, org);
    }
    for (uint32_t i = 0; i < 200000; i++) {
        char cidr[48];
        net_of(i, cidr, sizeof(cidr));
        mmw_net_add(&c, cidr, recs[i % 1000]);
        mmw_net_add(&a, cidr, asns[i % 1000]);
    }
    if (mmw_write(&c, tmp("city.mmdb"), "GeoIP2-City") ||
        mmw_write(&a, tmp("asn.mmdb"), "GeoLite2-ASN"))
        exit(1);
    mmw_free(&c);
    mmw_free(&a);
}

static void build_networks(void)
{
    FILE *f = fopen(tmp("networks.csv"), "w");
    if (!f)
        exit(1);
    for (int i = 0; i < 10000; i++)
        fprintf(f, "10.%u.%u.0/%u,site%d,prod,team%d\n", rnd() % 256, rnd() % 256, 8 + rnd() % 17,
                i, i % 50);
    for (int i = 0; i < 1000; i++)
        fprintf(f, "2001:db8:%x::/%u,v6site%d\n", rnd() % 65536, 32 + rnd() % 17, i);
    fclose(f);
}

static void build_intel(void)
{
    FILE *f = fopen(tmp("ips.txt"), "w"), *d = fopen(tmp("domains.txt"), "w"),
         *u = fopen(tmp("urls.txt"), "w"), *h = fopen(tmp("hashes.txt"), "w");
    if (!f || !d || !u || !h)
        exit(1);
    for (int i = 0; i < 100000; i++) {
        uint32_t x = rnd();
        if (i % 4)
            fprintf(f, "%u.%u.%u.%u\n", 1 + x % 126, (x >> 8) & 255, (x >> 16) & 255, rnd() % 256);
        else
            fprintf(f, "%u.%u.%u.0/24\n", 1 + x % 126, (x >> 8) & 255, (x >> 16) & 255);
        fprintf(d, "bad%u-%u.example%u.com\n", x, i, i % 100);
    }
    fprintf(d, "ssh.example.net\n"); /* a few hits */
    for (int i = 0; i < 10000; i++)
        fprintf(u, "http://bad%d.example.org/path/%u\n", i, rnd());
    for (int i = 0; i < 50000; i++)
        fprintf(h, "%08x%08x%08x%08x\n", rnd(), rnd(), rnd(), rnd());
    fclose(f);
    fclose(d);
    fclose(u);
    fclose(h);
    f = fopen(tmp("feeds.yaml"), "w");
    if (!f)
        exit(1);
    fprintf(f, "feeds:\n"
               "  - {name: ips, path: ips.txt, format: plain, type: ip}\n"
               "  - {name: domains, path: domains.txt, format: plain, type: domain}\n"
               "  - {name: urls, path: urls.txt, format: plain, type: url}\n"
               "  - {name: hashes, path: hashes.txt, format: plain, type: md5}\n");
    fclose(f);
}

/* The event texts: generator events, or events with two public addresses in the DBs. */
static char **texts(size_t n, int public_only)
{
    char **t = malloc(n * sizeof(*t));
    struct wd_gen_opts o = {.kind = WD_GEN_ZEEK_MIX};
    wd_gen_opts_init(&o);
    o.fmt = WD_GEN_FMT_MOZDEF;
    o.count = n;
    struct wd_gen *g = wd_gen_new(&o);
    struct wd_buf b;
    wd_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        b.len = 0;
        if (public_only) {
            char a[48], c[48];
            uint32_t span = public_only == 1 ? 200000 : 500; /* cold or warm record cache */
            net_of((uint32_t)(i * 7) % span, a, sizeof(a));
            net_of((uint32_t)(i * 13 + 1) % span, c, sizeof(c));
            *strchr(a, '/') = 0;
            *strchr(c, '/') = 0;
            size_t al = strlen(a), cl = strlen(c);
            if (a[al - 1] == '0' && a[al - 2] == '.')
                a[al - 1] = '9';
            if (c[cl - 1] == '0' && c[cl - 2] == '.')
                c[cl - 1] = '7';
            if (a[al - 1] == ':')
                a[al] = '5', a[al + 1] = 0;
            if (c[cl - 1] == ':')
                c[cl] = '5', c[cl + 1] = 0;
            wd_buf_printf(&b,
                          "{\"category\":\"bro\",\"summary\":\"x\",\"details\":{"
                          "\"sourceipaddress\":\"%s\",\"sourceport\":41519,"
                          "\"destinationipaddress\":\"%s\",\"destinationport\":443}}",
                          a, c);
        } else if (!wd_gen_next(g, &b)) {
            exit(1);
        }
        t[i] = strndup(b.p, b.len);
    }
    wd_buf_fini(&b);
    wd_gen_free(g);
    return t;
}

/* ns per event of wd_enrich_event over the texts, best of 3. */
static double run(struct wd_enrich *e, char **t, size_t n, size_t *tagged)
{
    struct wd_arena a;
    wd_arena_init(&a, 1 << 20, 0);
    struct wd_jv *evs[CHUNK];
    double best = 1e18;
    for (int r = 0; r < 3; r++) {
        double total = 0;
        size_t hits = 0;
        for (size_t i = 0; i < n; i += CHUNK) {
            wd_arena_reset(&a);
            size_t m = n - i < CHUNK ? n - i : CHUNK;
            for (size_t k = 0; k < m; k++) {
                size_t l = strlen(t[i + k]);
                if (wd_json_parse(t[i + k], l, l, 0, &a, &evs[k], NULL))
                    exit(1);
            }
            double t0 = now_s();
            for (size_t k = 0; k < m; k++)
                if (wd_enrich_event(e, &a, evs[k]))
                    exit(1);
            total += now_s() - t0;
            for (size_t k = 0; k < m; k++) {
                const struct wd_jv *d = wd_jv_get(evs[k], "details");
                hits += d && (wd_jv_get(d, "sourceipgeolocation") || wd_jv_get(d, "intel"));
            }
        }
        if (total < best)
            best = total;
        *tagged = hits;
    }
    wd_arena_fini(&a);
    return best * 1e9 / (double)n;
}

static struct wd_enrich *stage(const char *net, const char *city, const char *asn,
                               const char *intel)
{
    struct wd_enrich_opts o = {net, city, asn, intel, 5};
    struct wd_enrich *e;
    if (wd_enrich_new(&o, &e, stderr))
        exit(1);
    return e;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    snprintf(dir, sizeof(dir), "/tmp/ward-bench-enrich-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    build_networks();
    build_geo();
    build_intel();
    char **ips = malloc(4096 * sizeof(*ips));
    for (int i = 0; i < 4096; i++) {
        char b[40];
        snprintf(b, sizeof(b), i % 2 ? "10.%u.%u.%u" : "192.0.%u.%u%.0u", rnd() % 256, rnd() % 256,
                 rnd() % 256);
        ips[i] = strdup(b);
    }
    /* 1. the network table alone and ipFixup (synthetic address pairs) */
    char **pairs = malloc(n * sizeof(*pairs));
    for (size_t i = 0; i < n; i++) {
        char txt[200];
        snprintf(txt, sizeof(txt),
                 "{\"summary\":\"x\",\"details\":{\"sourceipaddress\":\"%s\","
                 "\"destinationipaddress\":\"%s\"}}",
                 ips[i % 4096], ips[(i * 7) % 4096]);
        pairs[i] = strdup(txt);
    }
    size_t tagged;
    struct wd_enrich *net = stage(tmp("networks.csv"), NULL, NULL, NULL);
    printf("bench_enrich: %zu events per round, one thread, best of 3\n", n);
    printf("network table (11000 blocks), 2 addresses per event: %.0f ns/event\n",
           run(net, pairs, n, &tagged));
    {
        struct wd_arena a;
        wd_arena_init(&a, 1 << 20, 0);
        double best = 1e18;
        for (int r = 0; r < 3; r++) {
            double total = 0;
            struct wd_jv *evs[CHUNK];
            for (size_t i = 0; i < n; i += CHUNK) {
                wd_arena_reset(&a);
                size_t m = n - i < CHUNK ? n - i : CHUNK;
                for (size_t k = 0; k < m; k++)
                    if (wd_json_parse(pairs[i + k], strlen(pairs[i + k]), strlen(pairs[i + k]), 0,
                                      &a, &evs[k], NULL))
                        return 1;
                double t0 = now_s();
                bool ran;
                for (size_t k = 0; k < m; k++)
                    if (wd_ipfix_event(&a, evs[k], &ran))
                        return 1;
                total += now_s() - t0;
            }
            best = total < best ? total : best;
        }
        printf("ipFixup: %.0f ns/event\n", best * 1e9 / (double)n);
        wd_arena_fini(&a);
    }
    /* 2. generator events and public-address events through each part and all of them */
    struct wd_enrich *geo = stage(NULL, tmp("city.mmdb"), tmp("asn.mmdb"), NULL);
    struct wd_enrich *intel = stage(NULL, NULL, NULL, tmp("feeds.yaml"));
    struct wd_enrich *all =
        stage(tmp("networks.csv"), tmp("city.mmdb"), tmp("asn.mmdb"), tmp("feeds.yaml"));
    static const char *const what[] = {
        "generator events (zeek-mix, MozDef form)",
        "public addresses from 200,000 networks (every address found; records rarely cached)",
        "public addresses from 500 networks (every address found; records cached)"};
    for (int pub = 0; pub < 3; pub++) {
        char **t = texts(n, pub);
        printf("%s:\n", what[pub]);
        double a = run(net, t, n, &tagged);
        printf("  network table:            %5.0f ns/event\n", a);
        double b = run(geo, t, n, &tagged);
        printf("  GeoIP city+ASN:           %5.0f ns/event (%.0f%% of events located)\n", b,
               100.0 * (double)tagged / (double)n);
        double c = run(intel, t, n, &tagged);
        printf("  threat intel (260k ind.): %5.0f ns/event (%.2f%% of events tagged)\n", c,
               100.0 * (double)tagged / (double)n);
        double d = run(all, t, n, &tagged);
        printf("  all three:                %5.0f ns/event\n", d);
        for (size_t i = 0; i < n; i++)
            free(t[i]);
        free(t);
    }
    /* 3. the network table lookup alone, no event */
    char *text;
    size_t len;
    struct wd_netmap *m;
    if (wd_read_file(tmp("networks.csv"), 1 << 30, &text, &len) ||
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
    wd_enrich_free(net);
    wd_enrich_free(geo);
    wd_enrich_free(intel);
    wd_enrich_free(all);
    for (size_t i = 0; i < n; i++)
        free(pairs[i]);
    free(pairs);
    for (int i = 0; i < 4096; i++)
        free(ips[i]);
    free(ips);
    const char *files[] = {"networks.csv", "city.mmdb", "asn.mmdb",   "ips.txt",
                           "domains.txt",  "urls.txt",  "hashes.txt", "feeds.yaml"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        unlink(tmp(files[i]));
    rmdir(dir);
    return 0;
}
