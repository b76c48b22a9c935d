/*
 * test_filter.c: unit tests for src/filter.c and src/lists.c: each condition kind, all vs
 * any, first-match order and counters, the shipped preset filters/mozilla.yaml on records
 * Mozilla's filters were written for, error messages with file:line:col, list files in
 * plain and Zeek input-framework form (../shared/testdata/zeek/mozilla-bro-gramming,
 * skipped when absent), list edits written back, and reload after a file change.
 */
#include <unistd.h>

#include "wd_test.h"

#include "filter.h"
#include "jv.h"
#include "json.h"
#include "lists.h"
#include "mem.h"
#include "ward.h"

static struct wd_arena arena;

static struct wd_jv *rec(const char *json)
{
    static bool init;
    if (!init)
        wd_arena_init(&arena, 65536, 0);
    init = true;
    struct wd_jv *v = NULL;
    char *copy = wd_arena_strndup(&arena, json, strlen(json));
    if (wd_json_parse(copy, strlen(copy), strlen(copy), 0, &arena, &v, NULL))
        return NULL;
    return v;
}

static int eval(struct wd_filter_set *fs, const char *log, const char *json, const char **to)
{
    const char *d = NULL;
    int a = wd_filter_eval(fs, (struct wd_str){log, strlen(log)}, rec(json), &d);
    if (to)
        *to = d;
    return a;
}

static char tmpdir[256];

static const char *tmpfile_with(const char *name, const char *text)
{
    static char path[512];
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/ward-test-filter-XXXXXX");
        if (!mkdtemp(tmpdir))
            return NULL;
    }
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return NULL;
    fputs(text, f);
    fclose(f);
    return path;
}

static void t_preset(void)
{
    struct wd_lists *l = wd_lists_new();
    struct wd_filter_set *fs = NULL;
    int nerr = wd_filter_load("filters/mozilla.yaml", l, &fs, stdout);
    EXPECT_INT(nerr, 0);
    FAIL_UNLESS(wd_filter_count(fs) == 10);
    const char *to;
    /* conn: port/proto set */
    FAIL_UNLESS(eval(fs, "conn", "{\"id.resp_p\":53,\"proto\":\"udp\",\"conn_state\":\"SF\"}",
                     NULL) == WD_FILTER_DROP);
    FAIL_UNLESS(eval(fs, "conn", "{\"id.resp_p\":123,\"proto\":\"tcp\",\"conn_state\":\"SF\"}",
                     NULL) == WD_FILTER_KEEP);
    FAIL_UNLESS(eval(fs, "conn", "{\"id.resp_p\":443,\"proto\":\"tcp\",\"conn_state\":\"SF\"}",
                     NULL) == WD_FILTER_KEEP);
    /* conn_state regex: RSTO, RSTOS0, S0, SH, SHR, not S1/SF/RSTR */
    static const char *const drop[] = {"RSTO", "RSTOS0", "S0", "SH", "SHR"};
    static const char *const keep[] = {"S1", "SF", "RSTR", "SHX", "OTH"};
    char j[200];
    for (size_t i = 0; i < 5; i++) {
        snprintf(j, sizeof(j), "{\"id.resp_p\":443,\"proto\":\"tcp\",\"conn_state\":\"%s\"}",
                 drop[i]);
        FAIL_UNLESS(eval(fs, "conn", j, NULL) == WD_FILTER_DROP);
        snprintf(j, sizeof(j), "{\"id.resp_p\":443,\"proto\":\"tcp\",\"conn_state\":\"%s\"}",
                 keep[i]);
        FAIL_UNLESS(eval(fs, "conn", j, NULL) == WD_FILTER_KEEP);
    }
    /* dns: own domains diverted (subdomains too), others kept */
    FAIL_UNLESS(eval(fs, "dns", "{\"query\":\"www.Mozilla.org\"}", &to) == WD_FILTER_DIVERT);
    EXPECT_STR(to, "dns-noise");
    FAIL_UNLESS(eval(fs, "dns", "{\"query\":\"notmozilla.org\"}", NULL) == WD_FILTER_KEEP);
    FAIL_UNLESS(eval(fs, "dns", "{\"query\":\"printer.local\"}", NULL) == WD_FILTER_DIVERT);
    /* files: certificates sent by us (old and new Zeek field sets) */
    FAIL_UNLESS(eval(fs, "files",
                     "{\"mime_type\":\"application/pkix-cert\",\"tx_hosts\":"
                     "[\"8.8.8.8\",\"10.1.2.3\"]}",
                     NULL) == WD_FILTER_DROP);
    FAIL_UNLESS(eval(fs, "files",
                     "{\"mime_type\":\"application/pkix-cert\",\"tx_hosts\":"
                     "[\"8.8.8.8\"]}",
                     NULL) == WD_FILTER_KEEP);
    FAIL_UNLESS(eval(fs, "files",
                     "{\"mime_type\":\"application/pkix-cert\",\"is_orig\":false,"
                     "\"id.resp_h\":\"192.168.1.1\"}",
                     NULL) == WD_FILTER_DROP);
    FAIL_UNLESS(eval(fs, "files", "{\"mime_type\":\"text/html\",\"tx_hosts\":[\"10.1.2.3\"]}",
                     NULL) == WD_FILTER_KEEP);
    /* http: the monitoring agent diverted */
    FAIL_UNLESS(eval(fs, "http", "{\"user_agent\":\"check_http/v2.3.3 (nagios-plugins)\"}", &to) ==
                WD_FILTER_DIVERT);
    EXPECT_STR(to, "http-noise");
    FAIL_UNLESS(eval(fs, "http", "{\"user_agent\":\"Mozilla/5.0\"}", NULL) == WD_FILTER_KEEP);
    /* a log no filter names is kept */
    FAIL_UNLESS(eval(fs, "weird", "{\"id.resp_p\":53,\"proto\":\"udp\"}", NULL) == WD_FILTER_KEEP);
    /* the DDoS list is empty in the preset: add an address, it applies to conn and ssl */
    FAIL_UNLESS(eval(fs, "ssl", "{\"id.orig_h\":\"203.0.113.9\"}", NULL) == WD_FILTER_KEEP);
    char err[256];
    /* in-memory edit only: the preset's files stay untouched (copy to a temp list) */
    struct wd_buf out;
    wd_buf_init(&out, 0);
    FAIL_UNLESS(wd_lists_json(l, "drop_ip", &out) == WD_OK && strstr(out.p, "\"count\":0"));
    wd_buf_fini(&out);
    WD_UNUSED(err);
    /* counters */
    struct wd_buf prom;
    wd_buf_init(&prom, 0);
    wd_filter_render_prom(fs, &prom);
    FAIL_UNLESS(strstr(prom.p, "ward_filter_dropped_total{filter=\"conn-states\",log=\"conn\"} 5"));
    FAIL_UNLESS(
        strstr(prom.p, "ward_filter_diverted_total{filter=\"dns-own-domains\",log=\"dns\"} 2"));
    FAIL_UNLESS(
        strstr(prom.p, "ward_filter_matched_total{filter=\"conn-noise-ports\",log=\"conn\"} 1"));
    wd_buf_fini(&prom);
    wd_filter_set_free(fs);
    wd_lists_free(l);
}

static void t_conditions(void)
{
    const char *lf = tmpfile_with("ips.txt", "# comment\n10.9.0.0/16 office\n2001:db8::/32\n");
    FAIL_IF(!lf);
    char yaml[2048];
    snprintf(
        yaml, sizeof(yaml),
        "networks: {local: [10.0.0.0/8]}\n"
        "lists:\n"
        "  bad_ips: {type: ip, file: %s}\n"
        "  agents: {type: string, entries: [curl/8.0, wget]}\n"
        "filters:\n"
        "  - {name: eq, log: t1, action: drop, match: [{field: a, equals: x}]}\n"
        "  - {name: notin, log: t2, action: drop, match: [{field: a, in: [x, y], not: true}]}\n"
        "  - {name: cidr, log: t3, action: drop, match: [{field: h, cidr: [192.0.2.0/24]}]}\n"
        "  - {name: list, log: t4, action: divert, match: [{field: h, in_list: bad_ips}]}\n"
        "  - {name: remote, log: t5, action: drop, match: [{field: h, local: false}]}\n"
        "  - {name: exists, log: t6, action: drop, match: [{field: h, exists: false}]}\n"
        "  - {name: both, log: t7, action: drop, match: [{field: a, equals: x}, "
        "{field: b, equals: \"T\"}]}\n"
        "  - {name: strings, log: t8, action: drop, match: [{field: ua, in_list: agents}]}\n"
        "  - {name: any, log: '*', action: drop, any: [{field: z, equals: '1'}, "
        "{field: z, equals: '2'}]}\n",
        lf);
    struct wd_lists *l = wd_lists_new();
    struct wd_filter_set *fs = NULL;
    EXPECT_INT(wd_filter_parse("test.yaml", yaml, strlen(yaml), tmpdir, l, &fs, stdout), 0);
    FAIL_UNLESS(eval(fs, "t1", "{\"a\":\"x\"}", NULL) == WD_FILTER_DROP);
    FAIL_UNLESS(eval(fs, "t1", "{\"a\":\"xx\"}", NULL) == WD_FILTER_KEEP);
    FAIL_UNLESS(eval(fs, "t2", "{\"a\":\"z\"}", NULL) == WD_FILTER_DROP);
    FAIL_UNLESS(eval(fs, "t2", "{\"a\":\"y\"}", NULL) == WD_FILTER_KEEP);
    FAIL_UNLESS(eval(fs, "t3", "{\"h\":\"192.0.2.77\"}", NULL) == WD_FILTER_DROP);
    FAIL_UNLESS(eval(fs, "t3", "{\"h\":\"192.0.3.1\"}", NULL) == WD_FILTER_KEEP);
    const char *to;
    FAIL_UNLESS(eval(fs, "t4", "{\"h\":\"10.9.200.1\"}", &to) == WD_FILTER_DIVERT);
    EXPECT_STR(to, "t4-noise");
    FAIL_UNLESS(eval(fs, "t4", "{\"h\":\"2001:db8::5\"}", NULL) == WD_FILTER_DIVERT);
    FAIL_UNLESS(eval(fs, "t4", "{\"h\":\"10.10.0.1\"}", NULL) == WD_FILTER_KEEP);
    FAIL_UNLESS(eval(fs, "t5", "{\"h\":\"8.8.8.8\"}", NULL) == WD_FILTER_DROP);
    FAIL_UNLESS(eval(fs, "t5", "{\"h\":\"10.1.1.1\"}", NULL) == WD_FILTER_KEEP);
    FAIL_UNLESS(eval(fs, "t6", "{\"x\":1}", NULL) == WD_FILTER_DROP);
    FAIL_UNLESS(eval(fs, "t6", "{\"h\":1}", NULL) == WD_FILTER_KEEP);
    FAIL_UNLESS(eval(fs, "t7", "{\"a\":\"x\",\"b\":true}", NULL) == WD_FILTER_DROP);
    FAIL_UNLESS(eval(fs, "t7", "{\"a\":\"x\",\"b\":false}", NULL) == WD_FILTER_KEEP);
    FAIL_UNLESS(eval(fs, "t8", "{\"ua\":\"wget\"}", NULL) == WD_FILTER_DROP);
    FAIL_UNLESS(eval(fs, "t8", "{\"ua\":\"wget2\"}", NULL) == WD_FILTER_KEEP);
    FAIL_UNLESS(eval(fs, "anything", "{\"z\":2}", NULL) == WD_FILTER_DROP);
    FAIL_UNLESS(eval(fs, "anything", "{\"z\":3}", NULL) == WD_FILTER_KEEP);
    /* the list file changes: reloaded, and the filter sees the new content */
    FAIL_IF(!tmpfile_with("ips.txt.new", "10.10.0.0/16\n"));
    char p1[600], p2[600];
    snprintf(p1, sizeof(p1), "%s/ips.txt.new", tmpdir);
    snprintf(p2, sizeof(p2), "%s/ips.txt", tmpdir);
    FAIL_IF(rename(p1, p2) != 0);
    EXPECT_INT(wd_lists_reload(l), 1);
    FAIL_UNLESS(eval(fs, "t4", "{\"h\":\"10.10.0.1\"}", NULL) == WD_FILTER_DIVERT);
    FAIL_UNLESS(eval(fs, "t4", "{\"h\":\"10.9.200.1\"}", NULL) == WD_FILTER_KEEP);
    EXPECT_INT(wd_lists_reload(l), 0);
    /* a broken file keeps the previous content */
    FAIL_IF(!tmpfile_with("ips.txt", "not-an-ip\n"));
    EXPECT_INT(wd_lists_reload(l), 0);
    FAIL_UNLESS(eval(fs, "t4", "{\"h\":\"10.10.0.1\"}", NULL) == WD_FILTER_DIVERT);
    wd_filter_set_free(fs);
    wd_lists_free(l);
}

static void t_errors(void)
{
    static const struct {
        const char *yaml, *want;
    } cases[] = {
        {"filters:\n  - {name: a, log: conn, action: zap, match: [{field: x, equals: 1}]}\n",
         "t.yaml:2:34: action: 'zap' is not drop or divert"},
        {"filters:\n  - {name: a, log: conn, action: drop, match: [{field: x, regex: '('}]}\n",
         "t.yaml:2:66: regex: Unmatched ("},
        {"filters:\n  - {name: a, log: conn, action: drop, match: [{field: x, in_list: nope}]}\n",
         "t.yaml:2:68: in_list: no list named 'nope'"},
        {"filters:\n  - {name: a, log: conn, action: drop, match: [{field: p, port: [99999]}]}\n",
         "t.yaml:2:65: port: '99999' is not PORT"},
        {"filterz: []\n", "t.yaml:1:1: unknown key 'filterz'"},
        {"filters:\n  - {name: a, log: conn, action: drop, match: [{fild: x}]}\n",
         "t.yaml:2:49: unknown condition key 'fild'"},
        {"lists:\n  l: {type: ip, entries: [1.2.3.400]}\n",
         "t.yaml:2:3: list l entry 1: not an IP address"},
        {"filters: [\n", "t.yaml:2:1: did not find expected node content"},
    };
    for (size_t i = 0; i < WD_ARRAY_LEN(cases); i++) {
        char buf[4096] = "";
        FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
        struct wd_lists *l = wd_lists_new();
        struct wd_filter_set *fs = NULL;
        int n = wd_filter_parse("t.yaml", cases[i].yaml, strlen(cases[i].yaml), NULL, l, &fs, f);
        fclose(f);
        wd_lists_free(l);
        if (n == 0 || !strstr(buf, cases[i].want)) {
            printf("FAIL %s: case %zu: %d errors: [%s] want [%s]\n", wd_test_name_, i, n, buf,
                   cases[i].want);
            wd_test_failed_ = 1;
            return;
        }
        FAIL_UNLESS(fs == NULL);
    }
}

static void t_lists(void)
{
    struct wd_lists *l = wd_lists_new();
    int id;
    char err[512];
    const char *lf = tmpfile_with("zeek.txt", "#fields\tdrop_ip\tdescription\n"
                                              "192.0.2.1\tfirst\n");
    FAIL_UNLESS(wd_lists_define(l, "z", WD_LIST_IP, lf, NULL, &id, err, sizeof(err)) == WD_OK);
    FAIL_UNLESS(wd_lists_match(l, id, WD_STR("192.0.2.1")));
    FAIL_UNLESS(!wd_lists_match(l, id, WD_STR("192.0.2.2")));
    /* API edits: add keeps the Zeek TSV layout, remove, replace; bad entries say the line */
    FAIL_UNLESS(wd_lists_edit(l, "z", 1, "192.0.2.2\n", 10, err, sizeof(err)) == WD_OK);
    FAIL_UNLESS(wd_lists_match(l, id, WD_STR("192.0.2.2")));
    size_t n;
    FILE *f = fopen(lf, "r");
    char file[512] = "";
    n = fread(file, 1, sizeof(file) - 1, f);
    fclose(f);
    file[n] = '\0';
    EXPECT_STR(file, "#fields\tdrop_ip\tdescription\n192.0.2.1\tfirst\n192.0.2.2\t-\n");
    EXPECT_INT(wd_lists_reload(l), 0); /* our own write is not a change */
    FAIL_UNLESS(wd_lists_edit(l, "z", 2, "192.0.2.1", 9, err, sizeof(err)) == WD_OK);
    FAIL_UNLESS(!wd_lists_match(l, id, WD_STR("192.0.2.1")));
    FAIL_UNLESS(wd_lists_edit(l, "z", 0, "10.0.0.1\nbogus\n", 15, err, sizeof(err)) == WD_EINVAL);
    EXPECT_STR(err, "line 2: not an IP address or CIDR block (list type ip)");
    FAIL_UNLESS(wd_lists_match(l, id, WD_STR("192.0.2.2"))); /* unchanged */
    FAIL_UNLESS(wd_lists_edit(l, "nope", 0, "", 0, err, sizeof(err)) == WD_ENOENT);
    /* a bad file at definition names file:line */
    lf = tmpfile_with("bad.txt", "1.2.3.4\n\nfoo\n");
    FAIL_UNLESS(wd_lists_define(l, "b", WD_LIST_IP, lf, NULL, &id, err, sizeof(err)) == WD_EINVAL);
    FAIL_UNLESS(strstr(err, "bad.txt:3: not an IP address"));
    /* Mozilla's own list, in Zeek input-framework form */
    const char *sh = wd_test_shared();
    char mp[4096];
    snprintf(mp, sizeof(mp), "%s/zeek/mozilla-bro-gramming/logfilter_ip.txt", sh ? sh : "");
    if (!sh || access(mp, R_OK) != 0) {
        wd_lists_free(l);
        SKIP("../shared/testdata/zeek/mozilla-bro-gramming absent");
    }
    FAIL_UNLESS(wd_lists_define(l, "moz", WD_LIST_IP, mp, NULL, &id, err, sizeof(err)) == WD_OK);
    FAIL_UNLESS(wd_lists_match(l, id, WD_STR("169.254.169.254")));
    FAIL_UNLESS(wd_lists_match(l, id, WD_STR("63.245.214.82")));
    FAIL_UNLESS(!wd_lists_match(l, id, WD_STR("63.245.214.83")));
    wd_lists_free(l);
}

WD_TEST_LIST{
    {"filter_preset_mozilla", t_preset},
    {"filter_conditions_and_reload", t_conditions},
    {"filter_errors", t_errors},
    {"lists_files_and_edits", t_lists},
};

WD_TEST_MAIN
