/*
 * test_resp.c: unit tests for the response lists (src/resp_validate.c, src/resp_db.c,
 * src/resp_watch.c): IP/CIDR parsing and the special-purpose ranges refused, FQDN and
 * duration syntax, watch terms, CIDR merging (every subset of the blocks of a /29,
 * exhaustively, and random sets checked against a brute-force bitmap of covered
 * addresses), and the SQLite store with an explicit clock: re-blocking extends, expiry
 * at read time, removal, feed merging, limit and order, purge, alert actions, watch terms.
 */
#include "wd_test.h"

#include <unistd.h>

#include "mem.h"
#include "resp.h"
#include "resp_validate.h"
#include "resp_watch.h"
#include "ward.h"

static const char *norm(const char *s)
{
    static char out[64];
    struct wd_cidr c;
    if (wd_resp_cidr_parse(s, strlen(s), &c, NULL, NULL) != WD_OK)
        return "ERR";
    wd_resp_cidr_format(&c, out, sizeof(out));
    return out;
}

static void t_cidr_parse(void)
{
    EXPECT_STR(norm("8.8.8.8"), "8.8.8.8");
    EXPECT_STR(norm(" 8.8.8.8/32 "), "8.8.8.8");
    EXPECT_STR(norm("1.2.3.4/24"), "1.2.3.0/24");
    EXPECT_STR(norm("1.2.3.0/0"), "0.0.0.0/0");
    EXPECT_STR(norm("2001:DB8:0:0::1"), "2001:db8::1");
    EXPECT_STR(norm("2606:4700::1111/32"), "2606:4700::/32");
    bool hb = false;
    struct wd_cidr c;
    FAIL_UNLESS(wd_resp_cidr_parse("1.2.3.4/24", 10, &c, &hb, NULL) == WD_OK && hb);
    FAIL_UNLESS(wd_resp_cidr_parse("1.2.3.0/24", 10, &c, &hb, NULL) == WD_OK && !hb);
    static const char *const bad[] = {"",         "1.2.3",       "1.2.3.4.5",  "01.2.3.4",
                                      "1.2.3.4/", "1.2.3.4/33",  "::1/129",    "1.2.3.4/-1",
                                      "abc",      "1.2.3.256",   "1.2.3.4/2x", "1.2.3.4 5",
                                      "::g",      "1.2.3.4/1234"};
    for (size_t i = 0; i < WD_ARRAY_LEN(bad); i++) {
        struct wd_perr pe = {0, 0, NULL};
        if (wd_resp_cidr_parse(bad[i], strlen(bad[i]), &c, NULL, &pe) != WD_EPARSE || !pe.msg) {
            printf("FAIL cidr_parse: accepted [%s]\n", bad[i]);
            wd_test_failed_ = 1;
            return;
        }
    }
    /* an embedded NUL never truncates silently */
    FAIL_UNLESS(wd_resp_cidr_parse("8.8.8.8\0x", 9, &c, NULL, NULL) == WD_EPARSE);
}

static void t_special(void)
{
    static const struct {
        const char *ip, *want; /* want: a word of the message, NULL = public */
    } cases[] = {
        {"8.8.8.8", NULL},
        {"1.1.1.1", NULL},
        {"100.63.255.255", NULL},
        {"100.128.0.0", NULL},
        {"172.15.255.255", NULL},
        {"172.32.0.1", NULL},
        {"192.169.0.1", NULL},
        {"11.0.0.0/8", NULL},
        {"2606:4700::1111", NULL},
        {"223.255.255.255", NULL},
        {"10.1.2.3", "private"},
        {"172.16.0.1", "private"},
        {"172.31.255.255", "private"},
        {"192.168.1.1", "private"},
        {"100.64.0.1", "shared"},
        {"127.0.0.1", "loopback"},
        {"169.254.1.1", "link-local"},
        {"224.0.0.1", "multicast"},
        {"239.255.255.255", "multicast"},
        {"240.0.0.1", "reserved"},
        {"255.255.255.255", "broadcast"},
        {"0.0.0.0", "reserved"},
        {"0.1.2.3", "reserved"},
        {"192.0.2.5", "documentation"},
        {"198.51.100.7", "documentation"},
        {"203.0.113.9", "documentation"},
        {"198.18.0.1", "benchmarking"},
        {"::1", "loopback"},
        {"::", "unspecified"},
        {"fc00::1", "unique local"},
        {"fd12:3456::1", "unique local"},
        {"fe80::1", "link-local"},
        {"ff02::1", "multicast"},
        {"2001:db8::1", "documentation"},
        {"::ffff:8.8.8.8", "IPv4-mapped"},
        {"0.0.0.0/0", "reserved"},
        {"8.0.0.0/5", "private"},
        {"::/0", "unspecified"},
    };
    for (size_t i = 0; i < WD_ARRAY_LEN(cases); i++) {
        struct wd_cidr c;
        FAIL_UNLESS(wd_resp_cidr_parse(cases[i].ip, strlen(cases[i].ip), &c, NULL, NULL) == WD_OK);
        const char *got = wd_resp_cidr_special(&c);
        if (cases[i].want ? !got || !strstr(got, cases[i].want) : got != NULL) {
            printf("FAIL special: %s -> %s (want %s)\n", cases[i].ip, got ? got : "public",
                   cases[i].want ? cases[i].want : "public");
            wd_test_failed_ = 1;
            return;
        }
    }
}

static void t_fqdn(void)
{
    char out[WD_RESP_FQDN_MAX + 1];
    struct wd_perr pe;
    FAIL_UNLESS(wd_fqdn_parse("Evil.Example.COM.", 17, out, sizeof(out), &pe) == WD_OK);
    EXPECT_STR(out, "evil.example.com");
    FAIL_UNLESS(wd_fqdn_parse("a-b.x1", 6, out, sizeof(out), &pe) == WD_OK);
    FAIL_UNLESS(wd_fqdn_parse("123.example.com", 15, out, sizeof(out), &pe) == WD_OK);
    char l63[80], l64[80], long254[300];
    memset(l63, 'a', 63);
    memcpy(l63 + 63, ".com", 5);
    memset(l64, 'a', 64);
    memcpy(l64 + 64, ".com", 5);
    for (int i = 0; i < 254; i++)
        long254[i] = i % 2 ? '.' : 'a';
    long254[253] = 'b';
    long254[254] = '\0';
    FAIL_UNLESS(wd_fqdn_parse(l63, strlen(l63), out, sizeof(out), &pe) == WD_OK);
    static const char *bad[] = {"",           "com",     "-a.com",  "a-.com",       "a..com",
                                ".a.com",     "a_b.com", "1.2.3.4", "exa mple.com", "a.com/x",
                                "a.b\xc3\xa9"};
    for (size_t i = 0; i < WD_ARRAY_LEN(bad); i++)
        if (wd_fqdn_parse(bad[i], strlen(bad[i]), out, sizeof(out), &pe) != WD_EPARSE) {
            printf("FAIL fqdn: accepted [%s]\n", bad[i]);
            wd_test_failed_ = 1;
            return;
        }
    FAIL_UNLESS(wd_fqdn_parse(l64, strlen(l64), out, sizeof(out), &pe) == WD_EPARSE);
    FAIL_UNLESS(strstr(pe.msg, "63"));
    FAIL_UNLESS(wd_fqdn_parse(long254, 254, out, sizeof(out), &pe) == WD_EPARSE);
    FAIL_UNLESS(strstr(pe.msg, "253"));
    FAIL_UNLESS(wd_fqdn_parse("a..com", 6, out, sizeof(out), &pe) == WD_EPARSE && pe.off == 2);
}

static void t_duration(void)
{
    static const struct {
        const char *s;
        int64_t secs;
        int rc;
    } cases[] = {
        {"1h", 3600, WD_OK},
        {"12h", 43200, WD_OK},
        {"1d", 86400, WD_OK},
        {"2d", 172800, WD_OK},
        {"1w", 604800, WD_OK},
        {"30d", 2592000, WD_OK},
        {"12 hours", 43200, WD_OK},
        {" 1 day ", 86400, WD_OK},
        {"720h", 2592000, WD_OK},
        {"30m", 0, WD_EPARSE},
        {"0h", 0, WD_ELIMIT},
        {"31d", 0, WD_ELIMIT},
        {"721h", 0, WD_ELIMIT},
        {"5w", 0, WD_ELIMIT},
        {"", 0, WD_EPARSE},
        {"h", 0, WD_EPARSE},
        {"1x", 0, WD_EPARSE},
        {"1h x", 0, WD_EPARSE},
        {"99999999999999d", 0, WD_ELIMIT},
        {"-1h", 0, WD_EPARSE},
        {"1.5h", 0, WD_EPARSE},
    };
    for (size_t i = 0; i < WD_ARRAY_LEN(cases); i++) {
        int64_t v = -1;
        struct wd_perr pe = {0, 0, NULL};
        int rc = wd_resp_duration_parse(cases[i].s, strlen(cases[i].s), &v, &pe);
        if (rc != cases[i].rc || (rc == WD_OK && v != cases[i].secs) || (rc && !pe.msg)) {
            printf("FAIL duration: [%s] rc %d v %lld\n", cases[i].s, rc, (long long)v);
            wd_test_failed_ = 1;
            return;
        }
    }
}

static void t_terms(void)
{
    struct wd_perr pe;
    FAIL_UNLESS(wd_watch_term_check("evil.example.com", 16, &pe) == WD_OK);
    FAIL_UNLESS(wd_watch_term_check("caf\xc3\xa9 x", 7, &pe) == WD_OK);
    FAIL_UNLESS(wd_watch_term_check("ab", 2, &pe) == WD_EPARSE);
    FAIL_UNLESS(wd_watch_term_check("   ", 3, &pe) == WD_EPARSE);
    FAIL_UNLESS(wd_watch_term_check("a\"bc", 4, &pe) == WD_EPARSE && pe.off == 1);
    FAIL_UNLESS(wd_watch_term_check("a\nbc", 4, &pe) == WD_EPARSE);
    char big[300];
    memset(big, 'x', sizeof(big));
    FAIL_UNLESS(wd_watch_term_check(big, 257, &pe) == WD_EPARSE);
    FAIL_UNLESS(wd_watch_term_check(big, 256, &pe) == WD_OK);
    /* the matcher: case-insensitive, first term wins, no terms matches nothing */
    struct wd_watch *w;
    static const char terms[] = "EvilCorp\0bad.example.org\0";
    FAIL_UNLESS(wd_watch_new(terms, 2, &w) == WD_OK && w);
    const char *t = wd_watch_scan(w, "{\"x\":\"seen evilcorp here\"}", 26);
    EXPECT_STR(t, "EvilCorp");
    t = wd_watch_scan(w, "GET http://BAD.example.org/", 27);
    EXPECT_STR(t, "bad.example.org");
    FAIL_UNLESS(wd_watch_scan(w, "nothing to see", 14) == NULL);
    wd_watch_free(w);
    FAIL_UNLESS(wd_watch_new("", 0, &w) == WD_OK && !w);
    FAIL_UNLESS(wd_watch_scan(NULL, "x", 1) == NULL);
}

/* ---- merging ---- */

/* Checks out[0..m) against the covered-address bitmap want of 2^bits addresses starting at
 * base (IPv4): blocks sorted, disjoint, inside the region, covering exactly want, each
 * maximal (its parent block is not wholly covered: the unique minimal cover). */
static bool check_cover(const struct wd_cidr *out, size_t m, uint32_t base, unsigned bits,
                        const uint8_t *want, char *why, size_t why_len)
{
    size_t n = (size_t)1 << bits;
    uint8_t *got = calloc(n, 1);
    bool ok = true;
    for (size_t i = 0; i < m && ok; i++) {
        const struct wd_cidr *c = &out[i];
        uint32_t a = (uint32_t)c->addr[0] << 24 | (uint32_t)c->addr[1] << 16 |
                     (uint32_t)c->addr[2] << 8 | c->addr[3];
        uint32_t size = c->plen == 0 ? 0 : 1u << (32 - c->plen);
        if (c->fam != 4 || c->plen < 32 - bits || a < base || a - base + size > n) {
            snprintf(why, why_len, "block %zu outside the region", i);
            ok = false;
            break;
        }
        if (i && memcmp(out[i - 1].addr, c->addr, 4) >= 0) {
            snprintf(why, why_len, "not sorted at %zu", i);
            ok = false;
        }
        for (uint32_t k = 0; k < size && ok; k++) {
            if (got[a - base + k]) {
                snprintf(why, why_len, "overlap at %zu", i);
                ok = false;
            }
            got[a - base + k] = 1;
        }
        if (ok && c->plen > 32 - bits) { /* the parent must not be wholly wanted */
            uint32_t psize = size * 2, p = (a - base) & ~(psize - 1);
            bool full = true;
            for (uint32_t k = 0; k < psize; k++)
                full = full && want[p + k];
            if (full) {
                snprintf(why, why_len, "block %zu not maximal", i);
                ok = false;
            }
        }
    }
    for (size_t k = 0; k < n && ok; k++)
        if (got[k] != want[k]) {
            snprintf(why, why_len, "address +%zu %s", k, want[k] ? "missing" : "extra");
            ok = false;
        }
    free(got);
    return ok;
}

static void t_merge_exhaustive(void)
{
    /* the 15 blocks inside 8.8.8.0/29, every one of the 2^15 subsets */
    struct wd_cidr blocks[15];
    size_t nb = 0;
    for (unsigned plen = 29; plen <= 32; plen++)
        for (unsigned a = 0; a < 8; a += 1u << (32 - plen)) {
            char t[32];
            snprintf(t, sizeof(t), "8.8.8.%u/%u", a, plen);
            FAIL_UNLESS(wd_resp_cidr_parse(t, strlen(t), &blocks[nb++], NULL, NULL) == WD_OK);
        }
    FAIL_UNLESS(nb == 15);
    char why[128];
    for (uint32_t mask = 0; mask < (1u << 15); mask++) {
        struct wd_cidr in[15];
        uint8_t want[8] = {0};
        size_t n = 0;
        for (unsigned i = 0; i < 15; i++)
            if (mask & (1u << i)) {
                in[n++] = blocks[i];
                unsigned a = blocks[i].addr[3], size = 1u << (32 - blocks[i].plen);
                for (unsigned k = 0; k < size; k++)
                    want[a + k] = 1;
            }
        /* reversed input order must not matter */
        for (size_t i = 0; i < n / 2; i++) {
            struct wd_cidr t = in[i];
            in[i] = in[n - 1 - i];
            in[n - 1 - i] = t;
        }
        size_t m = wd_resp_cidr_merge(in, n);
        if (m > n || !check_cover(in, m, 0x08080800u, 3, want, why, sizeof(why))) {
            printf("FAIL merge_exhaustive: subset %#x: %s\n", mask, m > n ? "grew" : why);
            wd_test_failed_ = 1;
            return;
        }
    }
}

static void t_merge_random(void)
{
    srand(7);
    enum { BITS = 12 };
    static uint8_t want[1 << BITS];
    char why[128];
    for (int iter = 0; iter < 400; iter++) {
        struct wd_cidr in[64];
        size_t n = (size_t)(rand() % 64) + 1;
        memset(want, 0, sizeof(want));
        for (size_t i = 0; i < n; i++) {
            unsigned plen = 32 - (unsigned)(rand() % (BITS + 1));
            uint32_t size = 1u << (32 - plen);
            uint32_t off = ((uint32_t)rand() % (1u << BITS)) & ~(size - 1);
            uint32_t a = 0x5db80000u + off; /* 93.184.0.0/20 */
            in[i] = (struct wd_cidr){.fam = 4, .plen = (uint8_t)plen};
            in[i].addr[0] = (uint8_t)(a >> 24);
            in[i].addr[1] = (uint8_t)(a >> 16);
            in[i].addr[2] = (uint8_t)(a >> 8);
            in[i].addr[3] = (uint8_t)a;
            for (uint32_t k = 0; k < size; k++)
                want[off + k] = 1;
        }
        size_t m = wd_resp_cidr_merge(in, n);
        if (m > n || !check_cover(in, m, 0x5db80000u, BITS, want, why, sizeof(why))) {
            printf("FAIL merge_random: iteration %d: %s\n", iter, m > n ? "grew" : why);
            wd_test_failed_ = 1;
            return;
        }
    }
}

static const char *merged(const char *list)
{
    static char out[512];
    struct wd_cidr c[32];
    size_t n = 0;
    for (const char *p = list; *p;) {
        size_t l = strcspn(p, " ");
        if (wd_resp_cidr_parse(p, l, &c[n++], NULL, NULL) != WD_OK)
            return "ERR";
        p += l;
        while (*p == ' ')
            p++;
    }
    n = wd_resp_cidr_merge(c, n);
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        o += wd_resp_cidr_format(&c[i], out + o, sizeof(out) - o);
        if (i + 1 < n)
            out[o++] = ' ';
        out[o] = '\0';
    }
    return out;
}

static void t_merge_edges(void)
{
    EXPECT_STR(merged("1.2.3.0/25 1.2.3.128/25"), "1.2.3.0/24");
    EXPECT_STR(merged("1.2.3.4 1.2.3.5 1.2.3.6"), "1.2.3.4/31 1.2.3.6");
    EXPECT_STR(merged("1.2.3.1 1.2.3.2"), "1.2.3.1 1.2.3.2"); /* adjacent, not alignable */
    EXPECT_STR(merged("9.9.9.9 1.0.0.0/8 1.2.3.4"), "1.0.0.0/8 9.9.9.9");
    EXPECT_STR(merged("255.255.255.255 255.255.255.254"), "255.255.255.254/31");
    EXPECT_STR(merged("0.0.0.0/0 8.8.8.8"), "0.0.0.0/0");
    EXPECT_STR(merged("0.0.0.0/1 128.0.0.0/1"), "0.0.0.0/0");
    EXPECT_STR(merged("2001:4860::8888 8.8.8.8 2001:4860::8889"), "8.8.8.8 2001:4860::8888/127");
    EXPECT_STR(
        merged("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"),
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127");
    EXPECT_STR(merged("::/1 8000::/1"), "::/0");
    EXPECT_STR(merged("1.2.3.4 1.2.3.4 1.2.3.4/32"), "1.2.3.4");
    /* 1.2.3.1 .. 1.2.3.6: four blocks, the minimum */
    EXPECT_STR(merged("1.2.3.1 1.2.3.2 1.2.3.3 1.2.3.4 1.2.3.5 1.2.3.6"),
               "1.2.3.1 1.2.3.2/31 1.2.3.4/31 1.2.3.6");
}

/* ---- the store ---- */

static struct wd_resp *open_store(char *dir, const char *allow, int64_t max, int order)
{
    snprintf(dir, 64, "/tmp/wd_resp_XXXXXX");
    if (!mkdtemp(dir))
        return NULL;
    struct wd_resp_opts o = {dir, allow, max, order, 86400};
    struct wd_resp *r = NULL;
    char err[256];
    if (wd_resp_open(&o, &r, err, sizeof(err)) != WD_OK)
        printf("open: %s\n", err);
    return r;
}

static void close_store(struct wd_resp *r, const char *dir)
{
    wd_resp_close(r);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        return;
}

static const char *feed(struct wd_resp *r, int list, int64_t now)
{
    static struct wd_buf b;
    static bool init;
    if (!init) {
        wd_buf_init(&b, 0);
        init = true;
    }
    b.len = 0;
    int64_t lm;
    uint64_t om;
    if (wd_resp_feed(r, list, now, &b, &lm, &om) != WD_OK)
        return "ERR";
    wd_buf_putc(&b, '\0');
    return b.p;
}

static void t_store(void)
{
    char dir[64], why[256];
    struct wd_resp *r = open_store(dir, "93.184.216.0/24, 2606:2800::/32", 100, WD_RESP_NEWEST);
    FAIL_UNLESS(r);
    int64_t now = 1700000000;
    bool created;
    struct wd_buf b;
    wd_buf_init(&b, 0);
    /* refusals: private, allow-listed, bad duration */
    FAIL_UNLESS(wd_resp_add(r, WD_RESP_IP, "192.168.1.1", 3600, NULL, NULL, "t", now, &created,
                            NULL, why, sizeof(why)) == WD_EINVAL);
    FAIL_UNLESS(strstr(why, "private network 192.168.0.0/16"));
    FAIL_UNLESS(wd_resp_add(r, WD_RESP_IP, "93.184.216.34", 3600, NULL, NULL, "t", now, &created,
                            NULL, why, sizeof(why)) == WD_EINVAL);
    FAIL_UNLESS(strstr(why, "allow-listed network 93.184.216.0/24"));
    FAIL_UNLESS(wd_resp_add(r, WD_RESP_IP, "93.184.0.0/16", 3600, NULL, NULL, "t", now, &created,
                            NULL, why, sizeof(why)) == WD_EINVAL);
    FAIL_UNLESS(wd_resp_add(r, WD_RESP_IP, "8.8.8.8", 60, NULL, NULL, "t", now, &created, NULL, why,
                            sizeof(why)) == WD_EINVAL);
    /* add, then re-block: extended, never shortened */
    FAIL_UNLESS(wd_resp_add(r, WD_RESP_IP, "1.2.3.0/25", 86400, "scanner", "case-1", "alice", now,
                            &created, &b, why, sizeof(why)) == WD_OK &&
                created);
    FAIL_UNLESS(strstr(b.p, "\"value\":\"1.2.3.0/25\"") && strstr(b.p, "\"creator\":\"alice\""));
    b.len = 0;
    FAIL_UNLESS(wd_resp_add(r, WD_RESP_IP, "1.2.3.0/25", 3600, NULL, NULL, "bob", now + 10,
                            &created, &b, why, sizeof(why)) == WD_OK &&
                !created);
    wd_buf_putc(&b, '\0');
    FAIL_UNLESS(strstr(b.p, "\"blocks\":2") && strstr(b.p, "\"comment\":\"scanner\""));
    FAIL_UNLESS(strstr(b.p, "\"expires_in_s\":86390")); /* the longer block stays */
    FAIL_UNLESS(wd_resp_add(r, WD_RESP_IP, "1.2.3.128/25", 3600, NULL, NULL, "bob", now, &created,
                            NULL, why, sizeof(why)) == WD_OK);
    FAIL_UNLESS(wd_resp_add(r, WD_RESP_IP, "2001:4860::8888", 7200, NULL, NULL, "bob", now,
                            &created, NULL, why, sizeof(why)) == WD_OK);
    EXPECT_STR(feed(r, WD_RESP_IP, now + 1), "1.2.3.0/24\n2001:4860::8888\n");
    /* expiry at read time: the 1h block leaves the feed the second it ends */
    EXPECT_STR(feed(r, WD_RESP_IP, now + 3599), "1.2.3.0/24\n2001:4860::8888\n");
    EXPECT_STR(feed(r, WD_RESP_IP, now + 3600), "1.2.3.0/25\n2001:4860::8888\n");
    EXPECT_STR(feed(r, WD_RESP_IP, now + 7200), "1.2.3.0/25\n");
    /* explicit extend of the expired one fails; of the live one works, capped at 30 days */
    b.len = 0;
    FAIL_UNLESS(wd_resp_extend(r, WD_RESP_IP, 2, 3600, "bob", now + 3600, &b) == WD_EAGAIN);
    FAIL_UNLESS(wd_resp_extend(r, WD_RESP_IP, 99, 3600, "bob", now, &b) == WD_ENOENT);
    FAIL_UNLESS(wd_resp_extend(r, WD_RESP_IP, 1, 30 * 86400, "bob", now, &b) == WD_OK);
    wd_buf_putc(&b, '\0');
    FAIL_UNLESS(strstr(b.p, "\"expires_in_s\":2592000"));
    /* a value blocked again after expiry gets a new entry */
    FAIL_UNLESS(wd_resp_add(r, WD_RESP_IP, "1.2.3.128/25", 3600, NULL, NULL, "bob", now + 4000,
                            &created, NULL, why, sizeof(why)) == WD_OK &&
                created);
    /* removal */
    FAIL_UNLESS(wd_resp_remove(r, WD_RESP_IP, 1, "carol", now + 4001) == WD_OK);
    FAIL_UNLESS(wd_resp_remove(r, WD_RESP_IP, 1, "carol", now + 4001) == WD_EAGAIN);
    FAIL_UNLESS(wd_resp_remove(r, WD_RESP_FQDN, 4, "carol", now + 4001) == WD_ENOENT);
    EXPECT_STR(feed(r, WD_RESP_IP, now + 4002), "1.2.3.128/25\n2001:4860::8888\n");
    b.len = 0;
    FAIL_UNLESS(wd_resp_list(r, WD_RESP_IP, true, now + 4002, &b) == WD_OK);
    wd_buf_putc(&b, '\0');
    FAIL_UNLESS(strstr(b.p, "\"state\":\"removed\"") && strstr(b.p, "\"removed_by\":\"carol\""));
    FAIL_UNLESS(strstr(b.p, "\"state\":\"expired\"") && strstr(b.p, "\"total\":4"));
    b.len = 0;
    FAIL_UNLESS(wd_resp_list(r, WD_RESP_IP, false, now + 4002, &b) == WD_OK);
    wd_buf_putc(&b, '\0');
    FAIL_UNLESS(strstr(b.p, "\"total\":2"));
    /* FQDN list: normalized, sorted feed */
    FAIL_UNLESS(wd_resp_add(r, WD_RESP_FQDN, "Zeta.Example.com.", 3600, NULL, NULL, "t", now,
                            &created, NULL, why, sizeof(why)) == WD_OK);
    FAIL_UNLESS(wd_resp_add(r, WD_RESP_FQDN, "alpha.example.com", 3600, NULL, NULL, "t", now,
                            &created, NULL, why, sizeof(why)) == WD_OK);
    FAIL_UNLESS(wd_resp_add(r, WD_RESP_FQDN, "bad_name.com", 3600, NULL, NULL, "t", now, &created,
                            NULL, why, sizeof(why)) == WD_EINVAL);
    EXPECT_STR(feed(r, WD_RESP_FQDN, now), "alpha.example.com\nzeta.example.com\n");
    /* purge: rows that ended more than purge_after_s ago are deleted */
    FAIL_UNLESS(wd_resp_purge(r, now + 40 * 86400, true) >= 4);
    b.len = 0;
    FAIL_UNLESS(wd_resp_list(r, WD_RESP_IP, true, now + 40 * 86400, &b) == WD_OK);
    wd_buf_putc(&b, '\0');
    FAIL_UNLESS(strstr(b.p, "\"total\":0"));
    wd_buf_fini(&b);
    close_store(r, dir);
}

static void t_feed_limit(void)
{
    char dir[64], why[256];
    for (int order = 0; order < 2; order++) {
        struct wd_resp *r = open_store(dir, "", 3, order);
        FAIL_UNLESS(r);
        bool created;
        for (int i = 1; i <= 5; i++) {
            char ip[32];
            snprintf(ip, sizeof(ip), "9.9.9.%d", i * 10);
            FAIL_UNLESS(wd_resp_add(r, WD_RESP_IP, ip, 3600, NULL, NULL, "t", 1000 + i, &created,
                                    NULL, why, sizeof(why)) == WD_OK);
        }
        struct wd_buf b;
        wd_buf_init(&b, 0);
        int64_t lm;
        uint64_t om;
        FAIL_UNLESS(wd_resp_feed(r, WD_RESP_IP, 1010, &b, &lm, &om) == WD_OK);
        wd_buf_putc(&b, '\0');
        EXPECT_INT(om, 2);
        EXPECT_INT(lm, 1005);
        EXPECT_STR(b.p, order == WD_RESP_NEWEST ? "9.9.9.30\n9.9.9.40\n9.9.9.50\n"
                                                : "9.9.9.10\n9.9.9.20\n9.9.9.30\n");
        /* an expiry is a change: Last-Modified moves to it */
        FAIL_UNLESS(wd_resp_feed(r, WD_RESP_IP, 1001 + 3600, &b, &lm, &om) == WD_OK);
        EXPECT_INT(lm, 1001 + 3600);
        wd_buf_fini(&b);
        close_store(r, dir);
    }
}

static void t_actions_and_watch(void)
{
    char dir[64], why[256];
    struct wd_resp *r = open_store(dir, "", 100, 0);
    FAIL_UNLESS(r);
    struct wd_buf b;
    wd_buf_init(&b, 0);
    FAIL_UNLESS(!wd_resp_actions_json(r, 42, &b) && b.len == 0);
    int64_t a1 = wd_resp_action_add(r, 42, "block", "8.8.4.4", "added", 1700000000000000);
    FAIL_UNLESS(a1 > 0);
    int64_t a2 = wd_resp_action_add(r, 42, "webhook", "http://127.0.0.1:1/x", "queued", 1);
    wd_resp_action_outcome(r, a2, "delivered", 1700000001000000);
    FAIL_UNLESS(wd_resp_actions_json(r, 42, &b));
    wd_buf_putc(&b, '\0');
    EXPECT_STR(b.p, "[{\"type\":\"block\",\"target\":\"8.8.4.4\",\"at\":\"2023-11-14T22:13:20+00:"
                    "00\",\"outcome\":\"added\"},{\"type\":\"webhook\",\"target\":"
                    "\"http://127.0.0.1:1/x\",\"at\":\"2023-11-14T22:13:21+00:00\","
                    "\"outcome\":\"delivered\"}]");
    uint64_t v0 = wd_resp_watch_version(r);
    bool created;
    FAIL_UNLESS(wd_resp_add(r, WD_RESP_WATCH, "evilcorp", 3600, NULL, NULL, "t", 100, &created,
                            NULL, why, sizeof(why)) == WD_OK);
    FAIL_UNLESS(wd_resp_add(r, WD_RESP_WATCH, "xmrig miner", 7200, NULL, NULL, "t", 100, &created,
                            NULL, why, sizeof(why)) == WD_OK);
    FAIL_UNLESS(wd_resp_watch_version(r) == v0 + 2);
    uint32_t n;
    int64_t next;
    FAIL_UNLESS(wd_resp_watch_terms(r, 200, &b, &n, &next) == WD_OK);
    EXPECT_INT(n, 2);
    EXPECT_INT(next, 3700);
    FAIL_UNLESS(b.len == 21 && !memcmp(b.p, "evilcorp\0xmrig miner\0", 21));
    FAIL_UNLESS(wd_resp_watch_terms(r, 3700, &b, &n, &next) == WD_OK);
    EXPECT_INT(n, 1);
    wd_buf_fini(&b);
    close_store(r, dir);
}

WD_TEST_LIST{
    {"cidr_parse", t_cidr_parse},
    {"special_ranges", t_special},
    {"fqdn", t_fqdn},
    {"duration", t_duration},
    {"watch_terms", t_terms},
    {"merge_exhaustive", t_merge_exhaustive},
    {"merge_random", t_merge_random},
    {"merge_edges", t_merge_edges},
    {"store", t_store},
    {"feed_limit", t_feed_limit},
    {"actions_and_watch", t_actions_and_watch},
};
WD_TEST_MAIN
