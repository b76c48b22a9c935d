/*
 * test_geo.c: unit tests for GeoIP enrichment (src/geo.c) against small City- and
 * ASN-shaped MaxMind databases built here (tests/unit/mmdb_write.h): IPv4 and IPv6
 * lookups with MozDef's field names, a nested network, a miss, private and loopback
 * addresses skipped even when the database has them, change detection and reload, a
 * database overwritten in place while in use, and corrupt files (start-up error naming the
 * file; on reload the previous database stays).
 */
#include "wd_test.h"

#include <unistd.h>

#include "geo.h"
#include "json.h"
#include "jv.h"
#include "lists.h"
#include "mem.h"
#include "mmdb_write.h"
#include "ward.h"

static char dir[64];
static char city_path[128], asn_path[128];

static void write_city(const char *path, const char *london)
{
    struct mmw w = {0};
    size_t l = mmw_city(&w, london, "GB", "United Kingdom", "EU", 51.5142, -0.0931, "Europe/London",
                        "EC2V", "ENG", 0);
    size_t b = mmw_city(&w, "Boxford", "GB", "United Kingdom", "EU", 51.75, -1.25, "Europe/London",
                        "OX1", NULL, 0);
    size_t v6 = mmw_city(&w, "Linköping", "SE", "Sweden", "EU", 58.4167, 15.6167,
                         "Europe/Stockholm", "589 41", "E", 0);
    size_t us = mmw_city(&w, "Milton", "US", "United States", "NA", 47.2513, -122.3149,
                         "America/Los_Angeles", "98354", "WA", 819);
    size_t priv = mmw_city(&w, "Nowhere", "XX", "Private", "XX", 1, 1, "UTC", "0", NULL, 0);
    mmw_net_add(&w, "81.2.69.0/24", l);
    mmw_net_add(&w, "81.2.69.192/28", b); /* nested: the longer prefix wins */
    mmw_net_add(&w, "2a02:cf40::/29", v6);
    mmw_net_add(&w, "50.114.0.0/16", us);
    mmw_net_add(&w, "10.0.0.0/8", priv);
    mmw_net_add(&w, "127.0.0.0/8", priv);
    if (mmw_write(&w, path, "GeoIP2-City"))
        abort();
    mmw_free(&w);
}

static void write_asn(const char *path)
{
    struct mmw w = {0};
    size_t a = mmw_asn(&w, 20712, "Andrews & Arnold Ltd");
    size_t b = mmw_asn(&w, 29518, "Bredband2 AB");
    mmw_net_add(&w, "81.2.64.0/18", a);
    mmw_net_add(&w, "2a02:cf40::/29", b);
    if (mmw_write(&w, path, "GeoLite2-ASN"))
        abort();
    mmw_free(&w);
}

static void setup(void)
{
    if (dir[0])
        return;
    snprintf(dir, sizeof(dir), "/tmp/ward-geo-XXXXXX");
    if (!mkdtemp(dir))
        abort();
    snprintf(city_path, sizeof(city_path), "%s/city.mmdb", dir);
    snprintf(asn_path, sizeof(asn_path), "%s/asn.mmdb", dir);
    write_city(city_path, "London");
    write_asn(asn_path);
}

/* Enriches {"details":{src,dst}} and returns the details as compact JSON (static). */
static const char *enrich(struct wd_geo *g, const char *src, const char *dst)
{
    static char out[4096];
    static struct wd_arena a;
    static bool init;
    if (!init)
        wd_arena_init(&a, 64 * 1024, 0);
    init = true;
    wd_arena_reset(&a);
    char txt[512];
    int n = snprintf(txt, sizeof(txt), "{\"sourceipaddress\":\"%s\"%s%s%s}", src,
                     dst ? ",\"destinationipaddress\":\"" : "", dst ? dst : "", dst ? "\"" : "");
    struct wd_jv *d;
    if (wd_json_parse(txt, (size_t)n, (size_t)n, 0, &a, &d, NULL) ||
        wd_geo_event(g, &a, d) != WD_OK)
        return "error";
    struct wd_buf b;
    wd_buf_init(&b, 0);
    wd_jv_write(d, &b);
    snprintf(out, sizeof(out), "%.*s", (int)b.len, b.p);
    wd_buf_fini(&b);
    return out;
}

static void t_lookups(void)
{
    setup();
    struct wd_geo *g;
    FAIL_UNLESS(wd_geo_new(city_path, asn_path, &g, stderr) == 0);
    EXPECT_STR(enrich(g, "81.2.69.142", NULL),
               "{\"sourceipaddress\":\"81.2.69.142\",\"sourceipgeolocation\":{\"city\":"
               "\"London\",\"continent\":\"EU\",\"country_code\":\"GB\",\"country_name\":"
               "\"United Kingdom\",\"latitude\":51.5142,\"longitude\":-0.0931,\"postal_code\":"
               "\"EC2V\",\"region_code\":\"ENG\",\"time_zone\":\"Europe/London\",\"metro_code\":"
               "\"London, ENG\"},\"sourceipgeopoint\":\"51.5142,-0.0931\",\"sourceipasn\":20712,"
               "\"sourceipasorg\":\"Andrews & Arnold Ltd\"}");
    /* the same record again comes from the per-thread cache: the same fields */
    char first[2048];
    snprintf(first, sizeof(first), "%s", enrich(g, "81.2.69.142", "81.2.69.143"));
    EXPECT_STR(enrich(g, "81.2.69.142", "81.2.69.143"), first);
    FAIL_UNLESS(strstr(first, "\"destinationipgeolocation\":{\"city\":\"London\""));
    /* nested network; no subdivision: no region_code / metro_code */
    EXPECT_STR(enrich(g, "81.2.69.200", NULL),
               "{\"sourceipaddress\":\"81.2.69.200\",\"sourceipgeolocation\":{\"city\":"
               "\"Boxford\",\"continent\":\"EU\",\"country_code\":\"GB\",\"country_name\":"
               "\"United Kingdom\",\"latitude\":51.75,\"longitude\":-1.25,\"postal_code\":"
               "\"OX1\",\"time_zone\":\"Europe/London\"},\"sourceipgeopoint\":\"51.75,-1.25\","
               "\"sourceipasn\":20712,\"sourceipasorg\":\"Andrews & Arnold Ltd\"}");
    /* IPv6 destination; a DMA code */
    const char *s = enrich(g, "50.114.3.4", "2a02:cf47::1");
    FAIL_UNLESS(strstr(s, "\"sourceipgeolocation\":{\"city\":\"Milton\",\"continent\":\"NA\","
                          "\"country_code\":\"US\",\"country_name\":\"United States\","
                          "\"dma_code\":819,"));
    FAIL_UNLESS(strstr(s, "\"destinationipgeolocation\":{\"city\":\"Linköping\""));
    FAIL_UNLESS(strstr(s, "\"destinationipgeopoint\":\"58.4167,15.6167\""));
    FAIL_UNLESS(strstr(s, "\"destinationipasn\":29518,\"destinationipasorg\":\"Bredband2 AB\""));
    FAIL_IF(strstr(s, "sourceipasn")); /* 50.114/16 is not in the ASN database */
    /* a miss, private and loopback addresses (present in the database), not addresses */
    EXPECT_STR(enrich(g, "8.8.8.8", "10.1.2.3"),
               "{\"sourceipaddress\":\"8.8.8.8\",\"destinationipaddress\":\"10.1.2.3\"}");
    EXPECT_STR(enrich(g, "127.0.0.1", "::1"),
               "{\"sourceipaddress\":\"127.0.0.1\",\"destinationipaddress\":\"::1\"}");
    EXPECT_STR(enrich(g, "81.2.69.0/24", "not-an-ip"),
               "{\"sourceipaddress\":\"81.2.69.0/24\",\"destinationipaddress\":\"not-an-ip\"}");
    struct wd_buf b;
    wd_buf_init(&b, 0);
    wd_geo_render_prom(g, &b);
    FAIL_UNLESS(strstr(b.p, "ward_enrich_geoip_lookups_total{db=\"city\"} 9\n"));
    FAIL_UNLESS(strstr(b.p, "ward_enrich_geoip_hits_total{db=\"city\"} 8\n"));
    FAIL_UNLESS(strstr(b.p, "ward_enrich_geoip_hits_total{db=\"asn\"} 7\n"));
    FAIL_UNLESS(strstr(b.p, "ward_enrich_geoip_skipped_total{db=\"city\"} 3\n"));
    wd_buf_fini(&b);
    wd_geo_free(g);
}

static void t_public(void)
{
    static const struct {
        const char *ip;
        bool pub;
    } c[] = {
        {"8.8.8.8", true},      {"10.0.0.1", false},    {"172.16.0.1", false},
        {"172.32.0.1", true},   {"192.168.1.1", false}, {"127.0.0.1", false},
        {"169.254.1.1", false}, {"100.64.0.1", false},  {"100.128.0.1", true},
        {"224.0.0.1", false},   {"0.0.0.0", false},     {"255.255.255.255", false},
        {"2a02:cf40::1", true}, {"::1", false},         {"::", false},
        {"fd00::1", false},     {"fe80::1", false},     {"ff02::1", false},
    };
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        uint8_t a[16];
        int bits;
        FAIL_UNLESS(wd_cidr_parse(c[i].ip, strlen(c[i].ip), a, &bits));
        if (wd_geo_public(a) != c[i].pub) {
            printf("FAIL %s: %s\n", wd_test_name_, c[i].ip);
            wd_test_failed_ = 1;
            return;
        }
    }
}

/* The quick coordinate formatter agrees with the general one (Python's repr). */
static void t_fmt_coord(void)
{
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double v;
        if (i % 3 == 0)
            v = (double)((int64_t)(x % 3600001) - 1800000) / 10000.0; /* 4 decimals */
        else if (i % 3 == 1)
            v = (double)((int64_t)(x % 361) - 180) / 100.0 + (double)(x % 7) / 1000.0;
        else
            v = ((double)(x >> 11) / 9007199254740992.0 - 0.5) * 360.0; /* any double */
        char a[40], b[40];
        FAIL_UNLESS(wd_geo_fmt_coord(v, a, sizeof(a)) > 0);
        FAIL_UNLESS(wd_jv_fmt_double(v, b, sizeof(b)) > 0);
        if (strcmp(a, b) != 0) {
            printf("FAIL %s: %.17g: [%s] vs [%s]\n", wd_test_name_, v, a, b);
            wd_test_failed_ = 1;
            return;
        }
    }
    char t[40];
    wd_geo_fmt_coord(-0.0931, t, sizeof(t));
    EXPECT_STR(t, "-0.0931");
    wd_geo_fmt_coord(51.0, t, sizeof(t));
    EXPECT_STR(t, "51.0");
    wd_geo_fmt_coord(0.0001, t, sizeof(t));
    EXPECT_STR(t, "0.0001");
    wd_geo_fmt_coord(0.00001, t, sizeof(t));
    EXPECT_STR(t, "1e-05");
}

static void t_reload(void)
{
    setup();
    char path[160], tmp[170], msg[1024];
    snprintf(path, sizeof(path), "%s/reload.mmdb", dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    write_city(path, "London");
    struct wd_geo *g;
    FAIL_UNLESS(wd_geo_new(path, NULL, &g, stderr) == 0);
    int reloaded = -1;
    FAIL_UNLESS(wd_geo_check(g, false, stderr, &reloaded) == 0);
    EXPECT_INT(reloaded, 0); /* unchanged */
    FAIL_UNLESS(strstr(enrich(g, "81.2.69.1", NULL), "\"city\":\"London\""));
    /* replaced atomically (rename), as geoipupdate does */
    write_city(tmp, "Londinium");
    FAIL_UNLESS(rename(tmp, path) == 0);
    FAIL_UNLESS(wd_geo_check(g, false, stderr, &reloaded) == 0);
    EXPECT_INT(reloaded, 1);
    FAIL_UNLESS(strstr(enrich(g, "81.2.69.1", NULL), "\"city\":\"Londinium\""));
    /* overwritten in place with garbage: lookups still read the private copy */
    FILE *f = fopen(path, "w");
    FAIL_UNLESS(f);
    fputs("this is not a database\n", f);
    fclose(f);
    FAIL_UNLESS(strstr(enrich(g, "81.2.69.1", NULL), "\"city\":\"Londinium\""));
    FILE *errs = fmemopen(msg, sizeof(msg), "w");
    FAIL_UNLESS(wd_geo_check(g, false, errs, &reloaded) == 1);
    fclose(errs);
    EXPECT_INT(reloaded, 0);
    FAIL_UNLESS(strstr(msg, path) && strstr(msg, "not a MaxMind database"));
    FAIL_UNLESS(strstr(enrich(g, "81.2.69.1", NULL), "\"city\":\"Londinium\""));
    /* the same bad file is reported once, not at every check */
    FAIL_UNLESS(wd_geo_check(g, false, stderr, &reloaded) == 0);
    struct wd_buf b;
    wd_buf_init(&b, 0);
    wd_geo_render_prom(g, &b);
    FAIL_UNLESS(strstr(b.p, "ward_enrich_geoip_reloads_total{db=\"city\"} 1\n"));
    FAIL_UNLESS(strstr(b.p, "ward_enrich_geoip_reload_errors_total{db=\"city\"} 1\n"));
    FAIL_IF(strstr(b.p, "db=\"asn\""));
    wd_buf_fini(&b);
    /* a good file again; SIGHUP (force) re-opens even an unchanged file */
    write_city(tmp, "London");
    FAIL_UNLESS(rename(tmp, path) == 0);
    FAIL_UNLESS(wd_geo_check(g, false, stderr, &reloaded) == 0 && reloaded == 1);
    FAIL_UNLESS(wd_geo_check(g, true, stderr, &reloaded) == 0 && reloaded == 1);
    FAIL_UNLESS(strstr(enrich(g, "81.2.69.1", NULL), "\"city\":\"London\""));
    wd_geo_free(g);
    unlink(path);
}

static void t_bad_start(void)
{
    setup();
    char path[160], msg[1024];
    snprintf(path, sizeof(path), "%s/corrupt.mmdb", dir);
    FILE *f = fopen(path, "w");
    FAIL_UNLESS(f);
    for (int i = 0; i < 1000; i++)
        fputc(i * 7, f);
    fclose(f);
    struct wd_geo *g = (struct wd_geo *)1;
    FILE *errs = fmemopen(msg, sizeof(msg), "w");
    EXPECT_INT(wd_geo_new(path, "/nonexistent/asn.mmdb", &g, errs), 2);
    fclose(errs);
    FAIL_UNLESS(g == NULL);
    FAIL_UNLESS(strstr(msg, path) && strstr(msg, ": not a MaxMind database: "));
    FAIL_UNLESS(strstr(msg, "/nonexistent/asn.mmdb: cannot open: No such file or directory"));
    unlink(path);
}

WD_TEST_LIST{
    {"geo_lookups", t_lookups}, {"geo_public", t_public},       {"geo_fmt_coord", t_fmt_coord},
    {"geo_reload", t_reload},   {"geo_bad_start", t_bad_start},
};

WD_TEST_MAIN
