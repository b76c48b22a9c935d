/*
 * test_intel.c: unit tests for threat intel (src/intel*.c): the plain, Spamhaus DROP and MISP
 * parsers (types, normalization, comments, bad lines with their numbers), the merged table
 * (longest-prefix match over feeds, parent domains, URL normalization, hashes, duplicates),
 * the event tagging (details.intel, the threatintel tag) and the feeds file with refreshes
 * (errors as file:line:col, a failed refresh keeps the previous list).
 */
#include "wd_test.h"

#include <unistd.h>

#include "intel.h"
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "ward.h"

static char errs[4096];

static void on_err(void *ud, size_t line, const char *msg)
{
    (void)ud;
    size_t l = strlen(errs);
    snprintf(errs + l, sizeof(errs) - l, "%zu:%s;", line, msg);
}

/* "type:text" of every indicator, space-separated (static). */
static const char *dump(const struct wd_intel_list *l)
{
    static char out[4096];
    size_t n = 0;
    out[0] = 0;
    for (size_t i = 0; i < l->n && n < sizeof(out) - 1; i++)
        n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s:%s", i ? " " : "",
                              wd_intel_type_name(l->v[i].type), l->pool + l->v[i].off);
    return out;
}

static void t_plain(void)
{
    static const char t[] = "# a mixed list\n"
                            "198.51.100.7\n"
                            "  203.0.113.0/24   # a block\n"
                            "Evil.Example.COM.\n"
                            "*.wild.example\n"
                            "HTTP://Bad.Example/Path?Q=1#frag\n"
                            "https://bad.example\n"
                            "D41D8CD98F00B204E9800998ECF8427E\n"
                            "da39a3ee5e6b4b0d3255bfef95601890afd80709\n"
                            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
                            "2001:db8::/32\n"
                            "\n"
                            "no_dot\n"
                            "abc$def.com\n";
    struct wd_intel_list l = {0};
    size_t bad = 0;
    errs[0] = 0;
    FAIL_UNLESS(wd_intel_parse(t, strlen(t), WD_INTEL_PLAIN, WD_INTEL_AUTO, &l, on_err, NULL,
                               &bad) == WD_OK);
    EXPECT_STR(dump(&l), "ip:198.51.100.7 ip:203.0.113.0/24 domain:evil.example.com "
                         "domain:wild.example url:http://bad.example/Path?Q=1 "
                         "url:https://bad.example/ md5:d41d8cd98f00b204e9800998ecf8427e "
                         "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709 "
                         "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 "
                         "ip:2001:db8::/32");
    EXPECT_INT(bad, 2);
    EXPECT_STR(errs, "13:not a valid auto indicator;14:not a valid auto indicator;");
    EXPECT_INT(l.v[1].bits, 96 + 24);
    wd_intel_list_free(&l);
    /* a declared type: other lines are errors */
    static const char d[] = "example.org\n10.0.0.1\n";
    errs[0] = 0;
    FAIL_UNLESS(wd_intel_parse(d, strlen(d), WD_INTEL_PLAIN, WD_INTEL_DOMAIN, &l, on_err, NULL,
                               &bad) == WD_OK);
    EXPECT_STR(dump(&l), "domain:example.org domain:10.0.0.1"); /* a name made of digits */
    wd_intel_list_free(&l);
    static const char h[] = "d41d8cd98f00b204e9800998ecf8427e\nnothex\n";
    errs[0] = 0;
    FAIL_UNLESS(wd_intel_parse(h, strlen(h), WD_INTEL_PLAIN, WD_INTEL_MD5, &l, on_err, NULL,
                               &bad) == WD_OK);
    EXPECT_STR(dump(&l), "md5:d41d8cd98f00b204e9800998ecf8427e");
    EXPECT_STR(errs, "2:not a valid md5 indicator;");
    wd_intel_list_free(&l);
}

static void t_spamhaus(void)
{
    static const char t[] =
        "; Spamhaus DROP List 2026/01/15 - (c) 2026 The Spamhaus Project\n"
        "; Last-Modified: Thu, 15 Jan 2026 10:00:00 GMT\n"
        "1.10.16.0/20 ; SBL256894\n"
        "1.19.0.0/16 ; SBL434604\n"
        "bogus ; SBL1\n"
        "{\"cidr\":\"2.56.192.0/22\",\"sblid\":\"SBL459831\",\"rir\":\"ripencc\"}\n"
        "{\"type\":\"metadata\",\"timestamp\":1700000000}\n"
        "2001:db8:1::/48 ; SBL2\n";
    struct wd_intel_list l = {0};
    size_t bad = 0;
    errs[0] = 0;
    FAIL_UNLESS(wd_intel_parse(t, strlen(t), WD_INTEL_SPAMHAUS, 0, &l, on_err, NULL, &bad) ==
                WD_OK);
    EXPECT_STR(dump(&l), "ip:1.10.16.0/20 ip:1.19.0.0/16 ip:2.56.192.0/22 ip:2001:db8:1::/48");
    EXPECT_STR(errs, "5:not a valid CIDR indicator;");
    EXPECT_INT(bad, 1);
    wd_intel_list_free(&l);
}

static const char misp_event[] =
    "{\"Event\":{\"info\":\"test\",\"uuid\":\"5a1b\",\"Attribute\":["
    "{\"type\":\"ip-dst\",\"value\":\"198.51.100.9\",\"to_ids\":true},"
    "{\"type\":\"ip-src|port\",\"value\":\"203.0.113.5|8080\"},"
    "{\"type\":\"domain|ip\",\"value\":\"c2.example.net|192.0.2.44\"},"
    "{\"type\":\"hostname\",\"value\":\"Mail.Example.NET\"},"
    "{\"type\":\"url\",\"value\":\"http://c2.example.net/gate.php\"},"
    "{\"type\":\"filename|sha256\",\"value\":\"a.exe|"
    "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855\"},"
    "{\"type\":\"email-src\",\"value\":\"x@example.net\"},"
    "{\"type\":\"md5\",\"value\":\"zz\"}],"
    "\"Object\":[{\"name\":\"file\",\"Attribute\":[{\"type\":\"sha1\",\"value\":"
    "\"da39a3ee5e6b4b0d3255bfef95601890afd80709\"}]}]}}";

static void t_misp(void)
{
    struct wd_intel_list l = {0};
    size_t bad = 0;
    errs[0] = 0;
    FAIL_UNLESS(wd_intel_parse(misp_event, strlen(misp_event), WD_INTEL_MISP, 0, &l, on_err, NULL,
                               &bad) == WD_OK);
    EXPECT_STR(dump(&l), "ip:198.51.100.9 ip:203.0.113.5 domain:c2.example.net ip:192.0.2.44 "
                         "domain:mail.example.net url:http://c2.example.net/gate.php "
                         "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 "
                         "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709");
    EXPECT_STR(errs, "0:attribute 8 (md5): not a valid value;");
    EXPECT_INT(bad, 1);
    wd_intel_list_free(&l);
    /* not JSON: the line of the error */
    static const char bj[] = "{\"Event\":\n{\"Attribute\": [\n,]}}";
    errs[0] = 0;
    EXPECT_INT(wd_intel_parse(bj, strlen(bj), WD_INTEL_MISP, 0, &l, on_err, NULL, &bad), WD_EPARSE);
    FAIL_UNLESS(strncmp(errs, "3:not JSON: ", 12) == 0);
    static const char ne[] = "{\"foo\": 1}";
    errs[0] = 0;
    EXPECT_INT(wd_intel_parse(ne, strlen(ne), WD_INTEL_MISP, 0, &l, on_err, NULL, &bad), WD_EPARSE);
    FAIL_UNLESS(strstr(errs, "not a MISP event"));
    wd_intel_list_free(&l);
}

static char uuids[512];
static void on_uuid(void *ud, const char *id)
{
    (void)ud;
    size_t l = strlen(uuids);
    snprintf(uuids + l, sizeof(uuids) - l, "%s;", id);
}

static void t_manifest(void)
{
    static const char m[] = "{\"5a1b-c3\":{\"info\":\"one\",\"date\":\"2026-01-01\"},"
                            "\"../../etc/passwd\":{\"info\":\"evil\"},"
                            "\"DEAD-beef\":{\"info\":\"two\"}}";
    uuids[0] = 0;
    FAIL_UNLESS(wd_intel_misp_events(m, strlen(m), on_uuid, NULL) == WD_OK);
    EXPECT_STR(uuids, "5a1b-c3;DEAD-beef;"); /* a key that is not a UUID is ignored */
    FAIL_UNLESS(wd_intel_misp_events(misp_event, strlen(misp_event), on_uuid, NULL) == WD_EPARSE);
    struct wd_intel_list l = {0};
    size_t bad = 9;
    FAIL_UNLESS(wd_intel_parse(m, strlen(m), WD_INTEL_MISP, 0, &l, NULL, NULL, &bad) == WD_OK);
    EXPECT_INT(l.n, 0);
    EXPECT_INT(bad, 0);
}

static struct wd_intel_table *table2(void)
{
    static const char a[] = "10.0.0.0/8\n10.1.0.0/16\n10.1.0.0/16\nevil.com\n"
                            "http://Evil.com/x\nd41d8cd98f00b204e9800998ecf8427e\n";
    static const char b[] = "10.1.0.0/16 ; SBL1\n10.1.2.0/24 ; SBL2\n";
    static struct wd_intel_list la, lb;
    memset(&la, 0, sizeof(la));
    memset(&lb, 0, sizeof(lb));
    if (wd_intel_parse(a, strlen(a), WD_INTEL_PLAIN, WD_INTEL_AUTO, &la, NULL, NULL, NULL) ||
        wd_intel_parse(b, strlen(b), WD_INTEL_SPAMHAUS, 0, &lb, NULL, NULL, NULL))
        return NULL;
    const struct wd_intel_list *lists[] = {&la, &lb};
    const char *names[] = {"local", "drop"};
    struct wd_intel_table *t = wd_intel_table_build(lists, names, 2);
    wd_intel_list_free(&la);
    wd_intel_list_free(&lb);
    return t;
}

static const char *match(const struct wd_intel_table *t, int type, const char *v)
{
    static char out[512];
    struct wd_intel_hit h[8];
    size_t n = 0, o = 0;
    wd_intel_table_match(t, type, v, strlen(v), h, 8, &n);
    out[0] = 0;
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s@%s", i ? " " : "", h[i].indicator,
                              h[i].feed);
    return out;
}

static void t_table(void)
{
    struct wd_intel_table *t = table2();
    FAIL_UNLESS(t);
    EXPECT_INT(wd_intel_table_count(t), 7); /* the duplicate 10.1.0.0/16 of "local" once */
    EXPECT_STR(match(t, WD_INTEL_IP, "10.9.9.9"), "10.0.0.0/8@local");
    EXPECT_STR(match(t, WD_INTEL_IP, "10.1.9.9"), "10.1.0.0/16@drop 10.1.0.0/16@local");
    EXPECT_STR(match(t, WD_INTEL_IP, "10.1.2.3"), "10.1.2.0/24@drop");
    EXPECT_STR(match(t, WD_INTEL_IP, "11.0.0.1"), "");
    EXPECT_STR(match(t, WD_INTEL_IP, "10.1.2.0/24"), ""); /* a block is not an address */
    EXPECT_STR(match(t, WD_INTEL_DOMAIN, "EVIL.com."), "evil.com@local");
    EXPECT_STR(match(t, WD_INTEL_DOMAIN, "a.b.evil.com"), "evil.com@local");
    EXPECT_STR(match(t, WD_INTEL_DOMAIN, "notevil.com"), "");
    EXPECT_STR(match(t, WD_INTEL_DOMAIN, "com"), "");
    EXPECT_STR(match(t, WD_INTEL_URL, "HTTP://EVIL.COM/x#top"), "http://evil.com/x@local");
    EXPECT_STR(match(t, WD_INTEL_URL, "http://evil.com/X"), ""); /* the path keeps its case */
    EXPECT_STR(match(t, WD_INTEL_MD5, "D41D8CD98F00B204E9800998ECF8427E"),
               "d41d8cd98f00b204e9800998ecf8427e@local");
    EXPECT_STR(match(t, WD_INTEL_SHA1, "d41d8cd98f00b204e9800998ecf8427e"), "");
    wd_intel_table_free(t);
}

static char tmpdir[64];

static void write_file(const char *path, const char *text)
{
    char tmp[256];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        abort();
    fputs(text, f);
    fclose(f);
    if (rename(tmp, path))
        abort();
}

static const char *enrich(struct wd_intel *t, const char *json)
{
    static char out[4096];
    struct wd_arena a;
    wd_arena_init(&a, 64 * 1024, 0);
    struct wd_jv *ev;
    size_t n = strlen(json);
    if (wd_json_parse(json, n, n, 0, &a, &ev, NULL) || wd_intel_event(t, &a, ev) != WD_OK) {
        wd_arena_fini(&a);
        return "error";
    }
    struct wd_buf b;
    wd_buf_init(&b, 0);
    wd_jv_write(ev, &b);
    snprintf(out, sizeof(out), "%.*s", (int)b.len, b.p);
    wd_buf_fini(&b);
    wd_arena_fini(&a);
    return out;
}

static void t_feeds(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/ward-intel-XXXXXX");
    FAIL_UNLESS(mkdtemp(tmpdir));
    char feeds[128], list[128], drop[128], msg[2048];
    snprintf(feeds, sizeof(feeds), "%s/feeds.yaml", tmpdir);
    snprintf(list, sizeof(list), "%s/list.txt", tmpdir);
    snprintf(drop, sizeof(drop), "%s/drop.txt", tmpdir);
    /* errors: file:line:col */
    write_file(feeds, "feeds:\n"
                      "  - name: a\n"
                      "    path: list.txt\n"
                      "    format: csv\n"
                      "  - name: b\n"
                      "    colour: red\n");
    struct wd_intel *t = NULL;
    FILE *e = fmemopen(msg, sizeof(msg), "w");
    EXPECT_INT(wd_intel_new(feeds, &t, e), 3);
    fclose(e);
    FAIL_UNLESS(!t);
    char want[256];
    snprintf(want, sizeof(want), "%s:4:13: format must be plain, spamhaus or misp", feeds);
    FAIL_UNLESS(strstr(msg, want));
    snprintf(want, sizeof(want), "%s:6:5: unknown key 'colour'", feeds);
    FAIL_UNLESS(strstr(msg, want));
    FAIL_UNLESS(strstr(msg, "a feed needs exactly one of path and url"));
    /* two good feeds; paths relative to the feeds file */
    write_file(feeds, "feeds:\n"
                      "  - {name: local, path: list.txt, format: plain, type: domain, refresh: 1}\n"
                      "  - {name: drop, path: drop.txt, format: spamhaus}\n");
    write_file(list, "evil.example\n");
    write_file(drop, "198.51.100.0/24 ; SBL1\n");
    FAIL_UNLESS(wd_intel_new(feeds, &t, stderr) == 0);
    EXPECT_INT(wd_intel_refresh(t, true, stderr), 0);
    EXPECT_STR(enrich(t, "{\"tags\":[\"zeek\"],\"details\":{\"query\":\"www.evil.example\","
                         "\"sourceipaddress\":\"10.0.0.1\",\"destinationipaddress\":"
                         "\"198.51.100.7\"}}"),
               "{\"tags\":[\"zeek\",\"threatintel\"],\"details\":{\"query\":"
               "\"www.evil.example\",\"sourceipaddress\":\"10.0.0.1\",\"destinationipaddress\":"
               "\"198.51.100.7\",\"intel\":[{\"indicator\":\"198.51.100.0/24\",\"type\":\"ip\","
               "\"feed\":\"drop\",\"field\":\"details.destinationipaddress\"},{\"indicator\":"
               "\"evil.example\",\"type\":\"domain\",\"feed\":\"local\",\"field\":"
               "\"details.query\"}],\"intelindicator\":\"198.51.100.0/24\",\"intelfeed\":"
               "\"drop\"}}");
    /* no tags member: one is made; no hit: unchanged */
    EXPECT_STR(enrich(t, "{\"details\":{\"host\":\"evil.example\"}}"),
               "{\"details\":{\"host\":\"evil.example\",\"intel\":[{\"indicator\":"
               "\"evil.example\",\"type\":\"domain\",\"feed\":\"local\",\"field\":"
               "\"details.host\"}],\"intelindicator\":\"evil.example\",\"intelfeed\":"
               "\"local\"},\"tags\":[\"threatintel\"]}");
    EXPECT_STR(enrich(t, "{\"details\":{\"host\":\"good.example\"}}"),
               "{\"details\":{\"host\":\"good.example\"}}");
    /* a changed file: the next due refresh picks it up */
    write_file(list, "other.example\n");
    FAIL_UNLESS(wd_intel_refresh(t, true, stderr) == 0);
    FAIL_UNLESS(strstr(enrich(t, "{\"details\":{\"host\":\"other.example\"}}"), "threatintel"));
    FAIL_IF(strstr(enrich(t, "{\"details\":{\"host\":\"evil.example\"}}"), "threatintel"));
    /* a failed refresh (unreadable, or nothing valid) keeps the previous list */
    unlink(list);
    e = fmemopen(msg, sizeof(msg), "w");
    EXPECT_INT(wd_intel_refresh(t, true, e), 1);
    fclose(e);
    snprintf(want, sizeof(want), "%s: cannot read", list);
    FAIL_UNLESS(strstr(msg, want));
    FAIL_UNLESS(strstr(msg, "intel feed local: refresh failed: the previous list (1 indicators)"));
    FAIL_UNLESS(strstr(enrich(t, "{\"details\":{\"host\":\"other.example\"}}"), "threatintel"));
    write_file(list, "<html>\n<body>oops</body>\n");
    e = fmemopen(msg, sizeof(msg), "w");
    EXPECT_INT(wd_intel_refresh(t, true, e), 1);
    fclose(e);
    snprintf(want, sizeof(want), "%s:1: not a valid domain indicator", list);
    FAIL_UNLESS(strstr(msg, want));
    FAIL_UNLESS(strstr(enrich(t, "{\"details\":{\"host\":\"other.example\"}}"), "threatintel"));
    struct wd_buf b;
    wd_buf_init(&b, 0);
    wd_intel_render_prom(t, &b);
    FAIL_UNLESS(strstr(b.p, "ward_enrich_intel_indicators 2\n"));
    FAIL_UNLESS(strstr(b.p, "ward_enrich_intel_refresh_errors_total{feed=\"local\"} 2\n"));
    FAIL_UNLESS(strstr(b.p, "ward_enrich_intel_parse_errors_total{feed=\"local\"} 2\n"));
    FAIL_UNLESS(strstr(b.p, "ward_enrich_intel_feed_indicators{feed=\"drop\"} 1\n"));
    wd_buf_fini(&b);
    wd_intel_free(t);
}

/* A MISP feed directory: manifest.json and one file per event. */
static void t_misp_dir(void)
{
    char d[128], p[192], feeds[192];
    snprintf(d, sizeof(d), "%s/misp", tmpdir);
    FAIL_UNLESS(mkdir(d, 0700) == 0);
    snprintf(p, sizeof(p), "%s/manifest.json", d);
    write_file(p, "{\"5a1b-0001\":{\"info\":\"x\"}}");
    snprintf(p, sizeof(p), "%s/5a1b-0001.json", d);
    write_file(p, misp_event);
    snprintf(feeds, sizeof(feeds), "%s/misp.yaml", tmpdir);
    write_file(feeds, "- {name: misp, path: misp, format: misp}\n");
    struct wd_intel *t;
    FAIL_UNLESS(wd_intel_new(feeds, &t, stderr) == 0);
    char msg[1024];
    FILE *e = fmemopen(msg, sizeof(msg), "w");
    EXPECT_INT(wd_intel_refresh(t, true, e), 0);
    fclose(e);
    FAIL_UNLESS(strstr(msg, "5a1b-0001.json: attribute 8 (md5): not a valid value"));
    const char *s = enrich(t, "{\"details\":{\"sha1\":\"DA39A3EE5E6B4B0D3255BFEF95601890AFD80709\","
                              "\"host\":\"c2.example.net\",\"uri\":\"/gate.php\"}}");
    FAIL_UNLESS(strstr(s, "{\"indicator\":\"c2.example.net\",\"type\":\"domain\",\"feed\":"
                          "\"misp\",\"field\":\"details.host\"}"));
    FAIL_UNLESS(strstr(s, "{\"indicator\":\"http://c2.example.net/gate.php\",\"type\":\"url\","
                          "\"feed\":\"misp\",\"field\":\"details.host+details.uri\"}"));
    FAIL_UNLESS(strstr(s, "\"type\":\"sha1\",\"feed\":\"misp\",\"field\":\"details.sha1\""));
    wd_intel_free(t);
}

WD_TEST_LIST{
    {"intel_plain", t_plain},       {"intel_spamhaus", t_spamhaus}, {"intel_misp", t_misp},
    {"intel_manifest", t_manifest}, {"intel_table", t_table},       {"intel_feeds", t_feeds},
    {"intel_misp_dir", t_misp_dir},
};

WD_TEST_MAIN
