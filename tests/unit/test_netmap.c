/*
 * test_netmap.c: unit tests for the network table (src/netmap.c): longest-prefix match over
 * nested IPv4 and IPv6 blocks, a default route, duplicate prefixes, header and comment
 * lines, every bad line reported with its number, and lookups of text that is not a single
 * address.
 */
#include "wd_test.h"

#include "mem.h"
#include "netmap.h"
#include "ward.h"

static char errs[2048];

static void on_err(void *ud, size_t line, const char *msg)
{
    (void)ud;
    size_t l = strlen(errs);
    snprintf(errs + l, sizeof(errs) - l, "%zu:%s;", line, msg);
}

static const char *site(const struct wd_netmap *m, const char *ip)
{
    const struct wd_netmap_entry *e = wd_netmap_lookup(m, ip, strlen(ip));
    return e ? e->site : "-";
}

static void t_lpm(void)
{
    static const char t[] = "# the office networks\n"
                            "cidr,site,environment,owner\n"
                            "10.0.0.0/8, corp , prod, netops\n"
                            "10.1.0.0/16,dc1,prod,infra\n"
                            "10.1.2.0/24,dc1-lab,dev,alice\r\n"
                            "10.1.2.3,bastion,prod\n"
                            "10.0.0.0/8,shadowed,x,y\n"
                            "\n"
                            "2001:db8::/32,v6net,prod,netops\n"
                            "2001:db8:1::/48,v6lab\n"
                            "0.0.0.0/0,internet-v4\n";
    struct wd_netmap *m;
    errs[0] = 0;
    FAIL_UNLESS(wd_netmap_parse(t, strlen(t), &m, on_err, NULL, NULL) == WD_OK);
    EXPECT_STR(errs, "");
    EXPECT_INT(wd_netmap_count(m), 8);
    EXPECT_STR(site(m, "10.9.9.9"), "corp"); /* the first row of a duplicate prefix wins */
    EXPECT_STR(site(m, "10.1.9.9"), "dc1");
    EXPECT_STR(site(m, "10.1.2.200"), "dc1-lab");
    EXPECT_STR(site(m, "10.1.2.3"), "bastion");
    EXPECT_STR(site(m, "10.1.2.4"), "dc1-lab");
    EXPECT_STR(site(m, "192.0.2.1"), "internet-v4");
    EXPECT_STR(site(m, "2001:db8:2::1"), "v6net");
    EXPECT_STR(site(m, "2001:db8:1:ffff::1"), "v6lab");
    EXPECT_STR(site(m, "2001:db9::1"), "-"); /* 0.0.0.0/0 is IPv4 only */
    const struct wd_netmap_entry *e = wd_netmap_lookup(m, "10.1.2.3", 8);
    FAIL_UNLESS(e);
    EXPECT_STR(e->cidr, "10.1.2.3");
    EXPECT_STR(e->environment, "prod");
    EXPECT_STR(e->owner, "");
    e = wd_netmap_lookup(m, "10.5.5.5", 8);
    EXPECT_STR(e->environment, "prod");
    EXPECT_STR(e->owner, "netops");
    /* not one address */
    EXPECT_STR(site(m, "10.1.2.3/32"), "-");
    EXPECT_STR(site(m, "host.example.com"), "-");
    EXPECT_STR(site(m, ""), "-");
    EXPECT_STR(site(m, "10.1.2.3 "), "-");
    wd_netmap_free(m);
}

static void t_empty_and_errors(void)
{
    struct wd_netmap *m;
    FAIL_UNLESS(wd_netmap_parse("", 0, &m, NULL, NULL, NULL) == WD_OK);
    EXPECT_STR(site(m, "10.0.0.1"), "-");
    wd_netmap_free(m);
    static const char t[] = "10.0.0.0/8,a\n"
                            "10.0.0.0/33,b\n"
                            "not-an-ip,c\n"
                            "10.0.0.0/8,a,b,c,d\n"
                            "::/129\n"
                            ",x\n";
    size_t bad = 0;
    errs[0] = 0;
    m = (struct wd_netmap *)1;
    FAIL_UNLESS(wd_netmap_parse(t, strlen(t), &m, on_err, NULL, &bad) == WD_EPARSE);
    FAIL_UNLESS(m == NULL);
    EXPECT_INT(bad, 5);
    EXPECT_STR(errs, "2:not an IP address or CIDR block;3:not an IP address or CIDR block;"
                     "4:more than 4 fields (CIDR,site,environment,owner);"
                     "5:not an IP address or CIDR block;6:not an IP address or CIDR block;");
    /* a NUL inside a line */
    static const char z[] = "10.0.0.0/8,a\0b\n";
    errs[0] = 0;
    FAIL_UNLESS(wd_netmap_parse(z, sizeof(z) - 1, &m, on_err, NULL, &bad) == WD_EPARSE);
    EXPECT_STR(errs, "1:NUL byte in line;");
}

/* Rows with only a CIDR store 4 NUL-terminated fields in fewer bytes than the line had:
 * a regression test for an overflow of the string buffer (caught under ASan). */
static void t_short_rows(void)
{
    struct wd_buf b;
    wd_buf_init(&b, 0);
    for (int i = 0; i < 5000; i++) {
        wd_buf_printf(&b, "10.%d.%d.0/24", i / 256, i % 256);
        wd_buf_putc(&b, i < 4999 ? '\n' : 'x');
    }
    b.len--; /* the last line has no newline */
    struct wd_netmap *m;
    FAIL_UNLESS(wd_netmap_parse(b.p, b.len, &m, NULL, NULL, NULL) == WD_OK);
    EXPECT_INT(wd_netmap_count(m), 5000);
    const struct wd_netmap_entry *e = wd_netmap_lookup(m, "10.19.135.1", 11);
    FAIL_UNLESS(e);
    EXPECT_STR(e->cidr, "10.19.135.0/24");
    EXPECT_STR(e->site, "");
    wd_netmap_free(m);
    wd_buf_fini(&b);
}

WD_TEST_LIST{
    {"netmap_short_rows", t_short_rows},
    {"netmap_lpm", t_lpm},
    {"netmap_empty_and_errors", t_empty_and_errors},
};

WD_TEST_MAIN
