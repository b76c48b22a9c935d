/*
 * test_cfg.c: configuration table and loader: defaults, sizes, addresses, bounds,
 * unknown keys with suggestions, and file:line:col error reports.
 */
#include "cfg.h"
#include "ward.h"
#include "wd_test.h"

/* Loads YAML text; returns the error count and the captured messages in out. */
static int load(struct wd_config *c, const char *yaml, char *out, size_t out_len)
{
    FILE *f = fmemopen(out, out_len, "w");
    int n = wd_cfg_load_string(c, "t.yaml", yaml, strlen(yaml), f);
    fclose(f);
    return n;
}

static void t_defaults(void)
{
    struct wd_config c;
    wd_cfg_defaults(&c);
    EXPECT_STR(c.http_listen, "127.0.0.1:8080");
    EXPECT_STR(c.syslog_listen, "127.0.0.1:5514");
    EXPECT_INT(c.durability, WD_DUR_FSYNC);
    EXPECT_INT(c.http_max_body_bytes, 100LL << 20);
    EXPECT_INT(c.syslog_udp, 1);
    EXPECT_STR(c.normalize_naive_time_zone, "UTC");
    wd_cfg_fini(&c);
}

static void t_sizes(void)
{
    int64_t v;
    FAIL_UNLESS(wd_cfg_parse_size("4096", &v) == WD_OK && v == 4096);
    FAIL_UNLESS(wd_cfg_parse_size("64KiB", &v) == WD_OK && v == 65536);
    FAIL_UNLESS(wd_cfg_parse_size("10M", &v) == WD_OK && v == 10000000);
    FAIL_UNLESS(wd_cfg_parse_size("1GiB", &v) == WD_OK && v == 1073741824);
    FAIL_UNLESS(wd_cfg_parse_size("1 MiB", &v) == WD_OK && v == 1048576);
    FAIL_UNLESS(wd_cfg_parse_size("12XB", &v) == WD_EINVAL);
    FAIL_UNLESS(wd_cfg_parse_size("-1", &v) == WD_EINVAL);
    FAIL_UNLESS(wd_cfg_parse_size("99999999999999GiB", &v) == WD_EINVAL);
}

static void t_addrs(void)
{
    char host[64];
    int port;
    FAIL_UNLESS(wd_cfg_parse_addr("127.0.0.1:8080", host, sizeof(host), &port) == WD_OK);
    EXPECT_STR(host, "127.0.0.1");
    EXPECT_INT(port, 8080);
    FAIL_UNLESS(wd_cfg_parse_addr("[::1]:0", host, sizeof(host), &port) == WD_OK);
    EXPECT_STR(host, "::1");
    EXPECT_INT(port, 0);
    FAIL_UNLESS(wd_cfg_parse_addr("localhost", host, sizeof(host), &port) == WD_EINVAL);
    FAIL_UNLESS(wd_cfg_parse_addr("h:65536", host, sizeof(host), &port) == WD_EINVAL);
    FAIL_UNLESS(wd_cfg_parse_addr(":80", host, sizeof(host), &port) == WD_EINVAL);
    FAIL_UNLESS(wd_cfg_parse_addr("h:8x", host, sizeof(host), &port) == WD_EINVAL);
}

static void t_load_nested_and_flat(void)
{
    struct wd_config c;
    char msgs[1024] = "";
    wd_cfg_defaults(&c);
    int n = load(&c,
                 "# comment\nhttp:\n  listen: 0.0.0.0:9200\n  max_body_bytes: 4MiB\n"
                 "wal.durability: async\nsyslog:\n  udp: false\n",
                 msgs, sizeof(msgs));
    EXPECT_INT(n, 0);
    EXPECT_STR(c.http_listen, "0.0.0.0:9200");
    EXPECT_INT(c.http_max_body_bytes, 4 << 20);
    EXPECT_INT(c.durability, WD_DUR_ASYNC);
    EXPECT_INT(c.syslog_udp, 0);
    wd_cfg_fini(&c);
}

static void t_errors_accumulate_with_positions(void)
{
    struct wd_config c;
    char msgs[2048] = "";
    wd_cfg_defaults(&c);
    int n = load(&c,
                 "http:\n  lisen: x\n  max_connections: 0\nwal:\n  durability: maybe\n"
                 "syslog:\n  udp: perhaps\n  listen: nope\nlog:\n  level: [a, b]\n",
                 msgs, sizeof(msgs));
    EXPECT_INT(n, 6);
    FAIL_UNLESS(strstr(msgs, "t.yaml:2:3: unknown key 'http.lisen' (did you mean "
                             "'http.listen'?)\n"));
    FAIL_UNLESS(strstr(msgs, "t.yaml:3:20: 0 out of range [1, 65536] for key "
                             "http.max_connections\n"));
    FAIL_UNLESS(strstr(msgs, "t.yaml:5:15: 'maybe' is not one of fsync, async, none"));
    FAIL_UNLESS(strstr(msgs, "t.yaml:7:8: 'perhaps' is not a boolean"));
    FAIL_UNLESS(strstr(msgs, "t.yaml:8:11: 'nope' is not ADDR:PORT"));
    FAIL_UNLESS(strstr(msgs, "t.yaml:10:10: key 'log.level' expects a single value"));
    /* Valid keys before and after errors still applied; bad ones keep the default. */
    EXPECT_INT(c.http_max_connections, 256);
    wd_cfg_fini(&c);
}

static void t_syntax_error(void)
{
    struct wd_config c;
    char msgs[1024] = "";
    wd_cfg_defaults(&c);
    int n = load(&c, "http:\n  listen: [unclosed\n", msgs, sizeof(msgs));
    FAIL_UNLESS(n >= 1);
    FAIL_UNLESS(strstr(msgs, "t.yaml:") && strstr(msgs, "YAML syntax error"));
    n = load(&c, "- a\n- b\n", msgs, sizeof(msgs));
    EXPECT_INT(n, 1);
    FAIL_UNLESS(strstr(msgs, "t.yaml:1:1: the configuration must be a mapping"));
    wd_cfg_fini(&c);
}

static void t_markdown_lists_every_key(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    wd_cfg_write_markdown(f);
    fclose(f);
    for (size_t i = 0; i < wd_cfg_nkeys; i++) {
        char want[128];
        snprintf(want, sizeof(want), "| `%s` |", wd_cfg_keys[i].name);
        FAIL_UNLESS(strstr(buf, want));
        FAIL_UNLESS(strlen(wd_cfg_keys[i].help) > 10);
    }
    free(buf);
}

/* docs/config.md must be what the table generates (run `make docs` after a change). */
static void t_docs_up_to_date(void)
{
    FILE *d = fopen("docs/config.md", "rb");
    if (!d)
        SKIP("docs/config.md not found (run from the repository root)");
    char *want = NULL, got[65536];
    size_t wlen = 0;
    FILE *f = open_memstream(&want, &wlen);
    wd_cfg_write_markdown(f);
    fclose(f);
    size_t glen = fread(got, 1, sizeof(got), d);
    fclose(d);
    int same = glen == wlen && memcmp(got, want, wlen) == 0;
    free(want);
    FAIL_UNLESS(same); /* docs/config.md is stale: run `make docs` */
}

WD_TEST_LIST{
    {"cfg_defaults", t_defaults},
    {"cfg_sizes", t_sizes},
    {"cfg_addrs", t_addrs},
    {"cfg_load_nested_and_flat", t_load_nested_and_flat},
    {"cfg_errors_accumulate_with_positions", t_errors_accumulate_with_positions},
    {"cfg_syntax_error", t_syntax_error},
    {"cfg_markdown_lists_every_key", t_markdown_lists_every_key},
    {"cfg_docs_up_to_date", t_docs_up_to_date},
};
WD_TEST_MAIN
