/*
 * test_query.c: the query language (query.h): parse trees of every construct (through
 * wd_query_dump), every error message with its exact column, pipes, leaf semantics per
 * field type against decoded events (keyword, text, ip with CIDR v4/v6, dates, numeric and
 * lexicographic ranges, wildcards, regexes, exists), the should/must/must_not table, ECS
 * aliases, and a property test of the index-key contract the store relies on.
 */
#include <math.h>

#include "json.h"
#include "jv.h"
#include "mem.h"
#include "query.h"
#include "query_int.h"
#include "ward.h"
#include "wd_test.h"

/* Dump of a query, or "ERR <off> <msg>". Static buffer: one result at a time. */
static const char *dump(const char *text)
{
    static char out[4096];
    struct wd_query *q;
    struct wd_perr e = {0, 0, NULL};
    int rc = wd_query_parse(text, strlen(text), &q, &e);
    if (rc != WD_OK) {
        snprintf(out, sizeof(out), "ERR %zu %s", e.off, e.msg ? e.msg : "(null)");
        return out;
    }
    struct wd_buf b;
    wd_buf_init(&b, 0);
    wd_query_dump(q, &b);
    wd_buf_putc(&b, '\0');
    snprintf(out, sizeof(out), "%s", b.p);
    wd_buf_fini(&b);
    wd_query_free(q);
    return out;
}

static void t_parse_trees(void)
{
    static const struct {
        const char *q, *want;
    } cases[] = {
        {"foo", "(term * \"foo\")"},
        {"summary:foo", "(term summary \"foo\")"},
        {"summary: foo", "(term summary \"foo\")"},
        {"a b", "(bool (should (term * \"a\") (term * \"b\")))"},
        {"a OR b", "(bool (should (term * \"a\") (term * \"b\")))"},
        {"a || b", "(bool (should (term * \"a\") (term * \"b\")))"},
        {"a AND b", "(bool (must (term * \"a\") (term * \"b\")))"},
        {"a && b", "(bool (must (term * \"a\") (term * \"b\")))"},
        {"a AND b OR c", "(bool (must (term * \"a\") (term * \"b\")) (should (term * \"c\")))"},
        {"a OR b AND c", "(bool (must (term * \"b\") (term * \"c\")) (should (term * \"a\")))"},
        {"NOT a", "(bool (not (term * \"a\")))"},
        {"!a", "(bool (not (term * \"a\")))"},
        {"-a b", "(bool (should (term * \"b\")) (not (term * \"a\")))"},
        {"+a b", "(bool (must (term * \"a\")) (should (term * \"b\")))"},
        {"a AND NOT b", "(bool (must (term * \"a\")) (not (term * \"b\")))"},
        {"a NOT b", "(bool (should (term * \"a\")) (not (term * \"b\")))"},
        {"a && b || !c", "(bool (must (term * \"a\") (term * \"b\")) (not (term * \"c\")))"},
        {"a -b +c", "(bool (must (term * \"c\")) (should (term * \"a\")) (not (term * \"b\")))"},
        {"(a b) AND c",
         "(bool (must (bool (should (term * \"a\") (term * \"b\"))) (term * \"c\")))"},
        {"f:(a b)", "(bool (should (term f \"a\") (term f \"b\")))"},
        {"f:(a OR (b AND g:c))",
         "(bool (should (term f \"a\") (bool (must (term f \"b\") (term g \"c\")))))"},
        {"details.sourceipaddress: 192.0.2.1 OR 192.0.2.2",
         "(bool (should (term details.sourceipaddress \"192.0.2.1\") (term * \"192.0.2.2\")))"},
        {"*", "(all)"},
        {"*:*", "(all)"},
        {"*:foo", "(term * \"foo\")"},
        {"f:*", "(exists f)"},
        {"_exists_:source.ip", "(exists details.sourceipaddress)"},
        {"_exists_:(a b)", "(bool (should (exists a) (exists b)))"},
        {"f:a*b?", "(wildcard f \"a*b?\")"},
        {"f:a\\*b*", "(wildcard f \"a\\\\*b*\")"},
        {"*foo", "(wildcard * \"*foo\")"},
        {"f:/ab.*/", "(regex f \"ab.*\")"},
        {"f:/a\\/b/", "(regex f \"a\\\\/b\")"},
        {"f:[1 TO 5]", "(range f [\"1\" TO \"5\"])"},
        {"f:{a TO *]", "(range f {\"a\" TO *])"},
        {"f:[* TO b}", "(range f [* TO \"b\"})"},
        {"f:[\"x y\" TO \"z\"}", "(range f [\"x y\" TO \"z\"})"},
        {"f:[\"*\" TO z]", "(range f [\"*\" TO \"z\"])"},
        {"f:>1024", "(range f {\"1024\" TO *])"},
        {"f:>=3", "(range f [\"3\" TO *])"},
        {"f:<x", "(range f [* TO \"x\"})"},
        {"f:<=x", "(range f [* TO \"x\"])"},
        {"\"a phrase\"", "(phrase * \"a phrase\")"},
        {"f:\"a \\\"q\\\"\"", "(phrase f \"a \\\"q\\\"\")"},
        {"a\\:b", "(term * \"a:b\")"},
        {"a\\ b", "(term * \"a b\")"},
        {"a-b+c", "(term * \"a-b+c\")"},
        {"a||b", "(term * \"a||b\")"},
        {"ANDROID", "(term * \"ANDROID\")"},
        {"a + b", "(bool (should (term * \"a\") (term * \"+\") (term * \"b\")))"},
        {"a^2", "(term * \"a\")"},
        {"(a b)^1.5 c",
         "(bool (should (bool (should (term * \"a\") (term * \"b\"))) (term * \"c\")))"},
        {"host.name:x @timestamp:[2019-01-01 TO *]",
         "(bool (should (term hostname \"x\") (range utctimestamp [\"2019-01-01\" TO *])))"},
        {"source.port:22 destination.ip:\"10.0.0.0/8\"",
         "(bool (should (term details.sourceport \"22\") "
         "(phrase details.destinationipaddress \"10.0.0.0/8\")))"},
        {"", "(none)"},
        {"  \t ", "(none)"},
    };
    for (size_t i = 0; i < WD_ARRAY_LEN(cases); i++)
        EXPECT_STR(dump(cases[i].q), cases[i].want);
}

static void t_pipes(void)
{
    static const struct {
        const char *q, *want;
    } cases[] = {
        {"| stats count()", "(none) | (stats (count - \"count()\"))"},
        {"foo | stats count(), dc(source.ip) by host.name, category",
         "(term * \"foo\") | (stats (count - \"count()\") "
         "(dc details.sourceipaddress \"dc(source.ip)\") (by hostname category))"},
        {"x | stats sum(a) avg(b) min(c) max(d) p50(e) p99.9(f)",
         "(term * \"x\") | (stats (sum a \"sum(a)\") (avg b \"avg(b)\") (min c \"min(c)\") "
         "(max d \"max(d)\") (p50 e \"p50(e)\") (p99.9 f \"p99.9(f)\"))"},
        {"x | stats count ( ) , p95( duration )",
         "(term * \"x\") | (stats (count - \"count()\") (p95 duration \"p95(duration)\"))"},
        {"x | top 5 hostname | head", "(term * \"x\") | (top 5 hostname) | (head 10)"},
        {"x | top user.name", "(term * \"x\") | (top 10 details.username)"},
        {"x | timechart 5m", "(term * \"x\") | (timechart 300s (count - \"count()\"))"},
        {"x | timechart 30s", "(term * \"x\") | (timechart 30s (count - \"count()\"))"},
        {"x | timechart 1d", "(term * \"x\") | (timechart 86400s (count - \"count()\"))"},
        {"x | timechart span=1h avg(details.x) by hostname",
         "(term * \"x\") | (timechart 3600s (avg details.x \"avg(details.x)\") (by hostname))"},
        {"x | sort -count(), hostname desc | head 20 | fields a, b",
         "(term * \"x\") | (sort -count() -hostname) | (head 20) | (fields a b)"},
        {"x | sort a asc, +b", "(term * \"x\") | (sort a b)"},
        {"x | fields message, source.ip",
         "(term * \"x\") | (fields summary details.sourceipaddress)"},
        {"a OR b|c", "(bool (should (term * \"a\") (term * \"b|c\")))"},
        {"\"a | b\" | head 1", "(phrase * \"a | b\") | (head 1)"},
    };
    for (size_t i = 0; i < WD_ARRAY_LEN(cases); i++)
        EXPECT_STR(dump(cases[i].q), cases[i].want);
    /* The struct itself, for the aggregator. */
    struct wd_query *q;
    const char *t = "x | stats count(), p95(source.port) by host.name | timechart 5m";
    FAIL_UNLESS(wd_query_parse(t, strlen(t), &q, NULL) == WD_OK);
    FAIL_UNLESS(wd_query_is_table(q));
    EXPECT_INT(q->npipes, 2);
    EXPECT_INT(q->pipes[0].kind, WD_PIPE_STATS);
    EXPECT_INT(q->pipes[0].naggs, 2);
    EXPECT_INT(q->pipes[0].aggs[1].fn, WD_AGG_PCT);
    FAIL_UNLESS(q->pipes[0].aggs[1].pct == 95.0);
    EXPECT_STR(q->pipes[0].aggs[1].field, "details.sourceport");
    EXPECT_STR(q->pipes[0].aggs[1].name, "p95(source.port)");
    FAIL_UNLESS(q->pipes[0].aggs[0].field == NULL);
    EXPECT_INT(q->pipes[0].nby, 1);
    EXPECT_STR(q->pipes[0].by[0], "hostname");
    EXPECT_INT(q->pipes[1].span_us, 300 * INT64_C(1000000));
    wd_query_free(q);
}

static void t_errors(void)
{
    static const struct {
        const char *q, *want;
    } cases[] = {
        {"AND", "ERR 0 expected a term"},
        {"a AND", "ERR 5 expected a term"},
        {"a OR", "ERR 4 expected a term"},
        {"()", "ERR 1 expected a term"},
        {"a:b:c", "ERR 3 expected a term"},
        {"a ]", "ERR 2 expected a term"},
        {"f:", "ERR 2 expected a value after ':'"},
        {"f: AND b", "ERR 3 expected a value after ':'"},
        {"f:)", "ERR 2 expected a value after ':'"},
        {"\"abc", "ERR 0 unterminated phrase: expected '\"'"},
        {"a \"abc\\\"", "ERR 2 unterminated phrase: expected '\"'"},
        {"/abc", "ERR 0 unterminated regular expression: expected '/'"},
        {"details.sourceipaddress:10.0.0.0/8",
         "ERR 32 unterminated regular expression: expected '/' (quote a network, "
         "field:\"10.0.0.0/8\", or escape its slash, field:10.0.0.0\\/8)"},
        {"details.destinationipaddress:fe80\\:\\:1/64",
         "ERR 38 unterminated regular expression: expected '/' (quote a network, "
         "field:\"10.0.0.0/8\", or escape its slash, field:10.0.0.0\\/8)"},
        {"path:a/b", "ERR 6 unterminated regular expression: expected '/'"},
        {"path:cafe/2024", "ERR 9 unterminated regular expression: expected '/'"},
        {"v:1.2.3/4", "ERR 7 unterminated regular expression: expected '/'"},
        {"host:web1 /8", "ERR 10 unterminated regular expression: expected '/'"},
        {"f:[a b]", "ERR 5 expected 'TO' in range"},
        {"f:[a", "ERR 4 expected 'TO' in range"},
        {"f:[a TO b", "ERR 9 expected ']' or '}' to close the range"},
        {"f:[a TO b c]", "ERR 10 expected ']' or '}' to close the range"},
        {"f:[a TO", "ERR 7 expected a range bound"},
        {"f:[a TO]", "ERR 7 expected a range bound"},
        {"f:[\"a TO b]", "ERR 3 unterminated phrase: expected '\"'"},
        {"(a", "ERR 2 expected ')'"},
        {"f:(a b", "ERR 6 expected ')'"},
        {"a)", "ERR 1 unbalanced ')'"},
        {"(a))", "ERR 3 unbalanced ')'"},
        {"a ~2", "ERR 2 fuzzy and proximity searches are not supported"},
        {"\"a b\"~2", "ERR 5 fuzzy and proximity searches are not supported"},
        {"a^x", "ERR 1 expected a number after '^'"},
        {"f:/[z-a]/", "ERR 2 invalid regular expression"},
        {"/(a/", "ERR 0 invalid regular expression"},
        {"details.sourceipaddress:foo", "ERR 24 invalid IP address or CIDR"},
        {"source.ip:\"10.0.0.0/33\"", "ERR 11 invalid IP address or CIDR"},
        {"destination.ip:[1.2.3.4 TO x]", "ERR 15 invalid IP address or CIDR"},
        {"utctimestamp:foo", "ERR 13 invalid date"},
        {"utctimestamp:[2019-01-01 TO 2019-13-01]", "ERR 13 invalid date"},
        {"details.sourceipaddress:10.*",
         "ERR 24 wildcard and regular expression queries need a keyword or text field"},
        {"a\\", "ERR 1 expected a character after '\\'"},
        {"field\\*:x", "ERR 0 field name wildcards are not supported"},
        {"f:>", "ERR 2 expected a value after the comparison operator"},
        {"x | bogus", "ERR 4 unknown pipe command"},
        {"x |", "ERR 3 expected a pipe command"},
        {"x | | head", "ERR 4 expected a pipe command"},
        {"x | head x", "ERR 9 expected a number after 'head'"},
        {"x | head 0", "ERR 9 expected a number after 'head'"},
        {"x | head 5 6", "ERR 11 unexpected text after the pipe command"},
        {"x | timechart 5y", "ERR 14 bad timechart span (use e.g. 30s, 5m, 1h, 1d)"},
        {"x | timechart", "ERR 13 bad timechart span (use e.g. 30s, 5m, 1h, 1d)"},
        {"x | timechart 0m", "ERR 14 bad timechart span (use e.g. 30s, 5m, 1h, 1d)"},
        {"x | timechart 5m by a, b", "ERR 17 timechart takes one 'by' field"},
        {"x | stats foo(x)", "ERR 10 unknown aggregation function"},
        {"x | stats p101(x)", "ERR 10 unknown aggregation function"},
        {"x | stats", "ERR 9 expected an aggregation, e.g. count()"},
        {"x | stats count", "ERR 15 expected '(' after the aggregation function"},
        {"x | stats dc()", "ERR 13 expected a field name"},
        {"x | stats dc(a", "ERR 14 expected ')'"},
        {"x | stats count(x)", "ERR 16 count() takes no field"},
        {"x | stats count() by", "ERR 20 expected a field name"},
        {"x | top", "ERR 7 expected a field name"},
        {"x | sort", "ERR 8 expected a field name after 'sort'"},
        {"x | fields", "ERR 10 expected a field name"},
    };
    for (size_t i = 0; i < WD_ARRAY_LEN(cases); i++)
        EXPECT_STR(dump(cases[i].q), cases[i].want);
}

static const char event1[] =
    "{\"utctimestamp\":\"2019-05-06T07:08:09+00:00\",\"hostname\":\"web1.example.net\","
    "\"category\":\"authentication\",\"severity\":\"INFO\","
    "\"summary\":\"Failed password for ROOT from 192.0.2.7 port 22 ssh2\","
    "\"tags\":[\"ssh\",\"auth\"],"
    "\"details\":{\"sourceipaddress\":\"192.0.2.7\",\"destinationipaddress\":\"2001:db8::1\","
    "\"destinationport\":443,\"sourceport\":\"51234\",\"success\":false,\"username\":\"root\","
    "\"x\":1.50,\"list\":[[1,2],[3]],\"objs\":[{\"b\":1},{\"b\":\"two\"}],\"nothing\":null,"
    "\"empty\":[],\"blank\":\"\",\"program\":\"sshd\"}}";

/* 1 match, 0 no match, -1 parse error. */
static int qmatch(const char *query, const char *json)
{
    struct wd_arena a;
    wd_arena_init(&a, 0, 0);
    struct wd_jv *ev;
    if (wd_json_parse(json, strlen(json), strlen(json), 0, &a, &ev, NULL) != WD_OK) {
        wd_arena_fini(&a);
        return -2;
    }
    struct wd_query *q;
    int r = -1;
    if (wd_query_parse(query, strlen(query), &q, NULL) == WD_OK) {
        r = wd_query_match_jv(q, ev);
        wd_query_free(q);
    }
    wd_arena_fini(&a);
    return r;
}

/* A fielded leaf's index hash is computed once at compile time and equals the hash the
 * flattened event keys that path by (a stale or different hash would miss the values). */
static void t_leaf_field_hash(void)
{
    const char *json = "{\"details\":{\"query\":\"foo\",\"n\":[1,2]},\"hostname\":\"db1\"}";
    struct wd_arena a;
    wd_arena_init(&a, 4096, 1 << 20);
    struct wd_jv *ev;
    FAIL_UNLESS(wd_json_parse(json, strlen(json), strlen(json), 0, &a, &ev, NULL) == WD_OK);
    struct wd_qflat f;
    wd_qflat_init(&f);
    FAIL_UNLESS(wd_qflat_build(&f, ev) == WD_OK);
    const char *t = "details.query:foo AND hostname:db* AND details.n:2";
    struct wd_query *q;
    FAIL_UNLESS(wd_query_parse(t, strlen(t), &q, NULL) == WD_OK);
    const struct wd_qnode *r = q->root;
    EXPECT_INT((int)r->nmust, 3);
    int seen = 0;
    for (uint32_t i = 0; i < r->nmust; i++) {
        const struct wd_qleaf *l = &r->must[i]->leaf;
        EXPECT_INT(l->field_hash == wd_hash64(l->field, l->field_len, WD_QFLAT_PATH_SEED), 1);
        for (size_t k = 0; k < f.n; k++)
            if (f.v[k].path_len == l->field_len &&
                !memcmp(f.pt.text.p + f.v[k].path_off, l->field, l->field_len)) {
                EXPECT_INT(f.v[k].path_hash == l->field_hash, 1);
                seen++;
            }
    }
    EXPECT_INT(seen, 4); /* query, hostname, n twice */
    EXPECT_INT(wd_qnode_match_flat(r, &f), 1);
    wd_query_free(q);
    wd_qflat_fini(&f);
    wd_arena_fini(&a);
}

struct mcase {
    const char *q;
    int want;
};

static int run_cases(const struct mcase *c, size_t n, const char *json)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        int got = qmatch(c[i].q, json);
        if (got != c[i].want) {
            printf("  [%s] = %d, want %d\n", c[i].q, got, c[i].want);
            bad++;
        }
    }
    return bad;
}

static void t_match_keyword_text(void)
{
    static const struct mcase c[] = {
        {"root", 1},
        {"ROOT", 1}, /* summary analyses the term */
        {"summary:ROOT", 1},
        {"summary:Root", 1},
        {"message:password", 1},
        {"details.username:ROOT", 0}, /* keyword: case-sensitive */
        {"details.username:root", 1},
        {"user.name:root", 1},
        {"summary:\"password for root\"", 1},
        {"summary:\"for password\"", 0},
        {"summary:\"192.0.2.7 port\"", 1},
        {"summary:\"!!!\"", 0}, /* no tokens: matches nothing */
        {"summary:\"root from 192.0.2.7 port 22 ssh2 x\"", 0},
        {"summary:\"failed password for root from 192.0.2.7 port 22 ssh2\"", 1},
        {"summary:(nomatch other password)", 1},
        {"summary:nomatch-password", 1}, /* tokens OR-ed */
        {"summary:passw*", 1},
        {"summary:PASSW*", 1}, /* query_string lower-cases wildcards on text */
        {"summary:pass", 0},
        {"summary:pa?sword", 1},
        {"summary:/pass.*/", 1},
        {"summary:/PASS.*/", 1},
        {"summary:/pass/", 0},
        {"summary:[pass TO pat]", 1},
        {"hostname:web1.example.net", 1},
        {"hostname:web1", 0},
        {"web1", 0},
        {"hostname:WEB*", 0},
        {"hostname:web*", 1},
        {"hostname:web?.example.net", 1},
        {"hostname:*.net", 1},
        {"hostname:/web[0-9]\\.example\\.net/", 1},
        {"hostname:/web/", 0}, /* anchored */
        {"hostname:/web.*/", 1},
        {"host.name:web1.example.net", 1},
        {"tags:ssh", 1},
        {"tags:SSH", 0},
        {"tags:(nope OR auth)", 1},
        {"category:authentication AND severity:INFO", 1},
        {"event.category:authentication AND log.level:INFO", 1},
        {"pass*", 1},
        {"ROO*", 1},
        {"/sshd/", 1},
        {"/SSHD/", 0},
        {"sshd", 1},
        {"\"sshd\"", 1},
        {"details.blank:\"\"", 1},
        {"details.program:sshd", 1},
        {"details.program:\"sshd\"", 1},
    };
    FAIL_IF(run_cases(c, WD_ARRAY_LEN(c), event1));
}

static void t_match_numbers_exists(void)
{
    static const struct mcase c[] = {
        {"details.destinationport:443", 1},
        {"destination.port:443", 1},
        {"443", 1},
        {"details.destinationport:\"443\"", 1},
        {"details.destinationport:>100", 1},
        {"details.destinationport:>1024", 0},
        {"details.destinationport:>=1000", 0}, /* numeric, not "443" >= "1000" */
        {"details.destinationport:<1000", 1},
        {"details.destinationport:[400 TO 500]", 1},
        {"details.destinationport:[5 TO 50]", 0},
        {"details.destinationport:{443 TO 500]", 0},
        {"details.destinationport:[443 TO 443]", 1},
        {"details.sourceport:[50000 TO 60000]", 1},
        {"details.destinationport:[4 TO 5]", 0},
        {"details.destinationport:[4 TO a]", 1}, /* a bound is not numeric: bytes */
        {"hostname:[a TO x]", 1},
        {"hostname:[web1.example.net TO web1.example.net]", 1},
        {"hostname:{web1.example.net TO *]", 0},
        {"details.x:1.50", 1}, /* numbers by their JSON text */
        {"details.x:1.5", 0},
        {"details.x:[1 TO 2]", 1},
        {"details.success:false", 1},
        {"details.success:true", 0},
        {"details.list:3", 1},
        {"details.list:2", 1},
        {"details.objs.b:two", 1},
        {"details.objs.b:1", 1},
        {"details.objs:*", 1},
        {"_exists_:details.nothing", 0},
        {"details.nothing:*", 0},
        {"_exists_:details.empty", 0},
        {"details.empty:*", 0},
        {"_exists_:details.blank", 1},
        {"_exists_:details", 1},
        {"_exists_:details.objs", 1},
        {"_exists_:det", 0},
        {"_exists_:nosuchfield", 0},
        {"NOT _exists_:nosuchfield", 1},
        {"*", 1},
        {"NOT *", 0},
        {"", 0},
    };
    FAIL_IF(run_cases(c, WD_ARRAY_LEN(c), event1));
}

static void t_match_ip(void)
{
    static const struct mcase c[] = {
        {"details.sourceipaddress:192.0.2.7", 1},
        {"source.ip:192.0.2.7", 1},
        {"details.sourceipaddress:192.0.2.8", 0},
        {"details.sourceipaddress:\"192.0.2.0/24\"", 1},
        {"details.sourceipaddress:192.0.2.0\\/24", 1},
        {"details.sourceipaddress:\"192.0.2.255/24\"", 1}, /* host bits are masked */
        {"details.sourceipaddress:\"10.0.0.0/8\"", 0},
        {"details.sourceipaddress:\"0.0.0.0/0\"", 1},
        {"details.sourceipaddress:\"::ffff:192.0.2.7\"", 1}, /* v4-mapped == v4 */
        {"details.sourceipaddress:\"::ffff:192.0.2.0/120\"", 1},
        {"details.destinationipaddress:\"2001:db8::/32\"", 1},
        {"details.destinationipaddress:\"2001:db9::/32\"", 0},
        {"details.destinationipaddress:\"2001:0db8:0:0::1\"", 1},
        {"destination.ip:\"2001:DB8::1\"", 1},
        {"details.sourceipaddress:[192.0.2.0 TO 192.0.2.255]", 1},
        {"details.sourceipaddress:[192.0.2.8 TO *]", 0},
        {"details.sourceipaddress:[* TO 192.0.2.7]", 1},
        {"details.sourceipaddress:{* TO 192.0.2.7}", 0},
        {"details.sourceipaddress:[10.0.0.0 TO 10.255.255.255]", 0},
        {"details.sourceipaddress:192.0.2.*", 0 - 1}, /* wildcard on ip: error */
        {"details.sourceipaddress:*", 1},
        {"192.0.2.7", 1},
        {"\"2001:db8::1\"", 1},
        {"2001\\:db8\\:\\:1", 1},
        {"2001\\:0db8\\:\\:1", 1}, /* bare: the ip field compares as addresses */
        {"\"192.0.2.0/24\"", 1},
        {"details.sourceipaddress: 192.0.2.1 OR 192.0.2.2", 0},
        {"details.sourceipaddress: 192.0.2.1 OR 192.0.2.7", 1}, /* second term: any field */
        {"details.sourceipaddress:(192.0.2.1 OR 192.0.2.7)", 1},
        {"details.sourceipaddress:(192.0.2.1 OR 192.0.2.2)", 0},
    };
    FAIL_IF(run_cases(c, WD_ARRAY_LEN(c), event1));
}

static void t_match_dates(void)
{
    static const struct mcase c[] = {
        {"utctimestamp:2019-05-06", 1}, /* a date stands for its whole day */
        {"utctimestamp:2019-05-07", 0},
        {"utctimestamp:\"2019-05-06T07:08:09+00:00\"", 1},
        {"utctimestamp:\"2019-05-06T09:08:09+02:00\"", 1},
        {"utctimestamp:\"2019-05-06T07:08\"", 1},
        {"utctimestamp:\"2019-05-06T07:09\"", 0},
        {"utctimestamp:[2019-05-06T00:00:00Z TO 2019-05-06T08:00:00Z]", 1},
        {"utctimestamp:[2019-05-06T08:00:00Z TO 2019-05-06T09:00:00Z]", 0},
        {"utctimestamp:{2019-05-06T07:08:09+00:00 TO *]", 0},
        {"utctimestamp:[\"2019-05-06T07:08:09+00:00\" TO *]", 1},
        {"utctimestamp:>2019-05-05", 1},
        {"utctimestamp:>2019-05-06", 0}, /* gt: after the whole day */
        {"utctimestamp:<2019-05-06", 0},
        {"utctimestamp:<=2019-05-06", 1},
        {"utctimestamp:[2019-05-01 TO 2019-05-06]", 1},
        {"utctimestamp:[2019-05-01 TO 2019-05-06}", 0},
        {"@timestamp:>=2019-05-06T09\\:08\\:09+02\\:00", 1}, /* ':' escaped in terms */
        {"@timestamp:>2019-05-06T09\\:08\\:09+02\\:00", 0},
        {"@timestamp:>=\"2019-05-06T09:08:09+02:00\"", -1}, /* `>=` then a phrase */
        {"utctimestamp:*", 1},
        {"2019-05-06", 1}, /* bare: date fields compare as dates */
    };
    FAIL_IF(run_cases(c, WD_ARRAY_LEN(c), event1));
}

static void t_match_bool_table(void)
{
    /* root, sshd: present; nomatch, nope: absent. */
    static const struct mcase c[] = {
        {"root AND sshd", 1},
        {"root AND nomatch", 0},
        {"nomatch OR root", 1},
        {"nomatch OR nope", 0},
        {"nomatch nope root", 1},
        {"NOT nomatch", 1},
        {"NOT root", 0},
        {"-root sshd", 0},
        {"-nomatch sshd", 1},
        {"-nomatch -nope", 1},
        {"-nomatch -root", 0},
        {"+root sshd", 1},
        {"+root nomatch", 0}, /* filter context: a should clause is required */
        {"+root +sshd", 1},
        {"root AND sshd OR nomatch", 0},
        {"(root AND sshd) OR nomatch", 1},
        {"root AND NOT nomatch", 1},
        {"root AND NOT sshd", 0},
        {"nomatch AND NOT root", 0},
        {"root && !nomatch", 1},
        {"(NOT nomatch) AND root", 1},
        {"(NOT root) OR sshd", 1},
        {"(NOT root) OR nomatch", 0},
        {"root OR (nomatch AND nope)", 1},
        {"details.username:(root OR admin)", 1},
        {"details.username:(admin OR nobody)", 0},
        {"details.username:(root AND admin)", 0},
    };
    FAIL_IF(run_cases(c, WD_ARRAY_LEN(c), event1));
}

static void t_field_types_aliases(void)
{
    EXPECT_INT(wd_qfield_type("summary", 7), WD_FT_TEXT);
    EXPECT_INT(wd_qfield_type("details.sourceipaddress", 23), WD_FT_IP);
    EXPECT_INT(wd_qfield_type("details.destinationipaddress", 28), WD_FT_IP);
    EXPECT_INT(wd_qfield_type("utctimestamp", 12), WD_FT_DATE);
    EXPECT_INT(wd_qfield_type("timestamp", 9), WD_FT_DATE);
    EXPECT_INT(wd_qfield_type("receivedtimestamp", 17), WD_FT_DATE);
    EXPECT_INT(wd_qfield_type("summaryx", 8), WD_FT_KEYWORD);
    EXPECT_INT(wd_qfield_type("hostname", 8), WD_FT_KEYWORD);
    EXPECT_STR(wd_qfield_alias("source.ip", 9), "details.sourceipaddress");
    EXPECT_STR(wd_qfield_alias("destination.port", 16), "details.destinationport");
    EXPECT_STR(wd_qfield_alias("@timestamp", 10), "utctimestamp");
    EXPECT_STR(wd_qfield_alias("message", 7), "summary");
    EXPECT_STR(wd_qfield_alias("process.pid", 11), "processid");
    FAIL_UNLESS(wd_qfield_alias("hostname", 8) == NULL);
    FAIL_UNLESS(wd_qfield_alias("source.ipx", 10) == NULL);
}

/* ---- the index-key contract ---- */

struct keyset {
    char k[64][WD_QINDEX_MAX_KEY + 1];
    size_t len[64];
    size_t n;
};

static void key_cb(void *ctx, const char *key, size_t len)
{
    struct keyset *s = ctx;
    if (s->n < 64 && len <= WD_QINDEX_MAX_KEY) {
        memcpy(s->k[s->n], key, len);
        s->len[s->n++] = len;
    }
}

static bool has_key(const struct keyset *s, const char *k, size_t len)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->len[i] == len && memcmp(s->k[i], k, len) == 0)
            return true;
    return false;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static void rand_text(char *out, size_t cap)
{
    static const char *const parts[] = {
        "a",
        "B",
        "ab",
        "Ab",
        "1",
        "22",
        ".",
        ":",
        ",",
        " ",
        "-",
        "_",
        "'",
        "192.0.2.7",
        "10.0.0.1",
        "::ffff:10.0.0.1",
        "2001:db8::1",
        "2019-05-06",
        "2019-05-06T07:08:09Z",
        "x",
        "*",
        "\xc3\xa9",
        "\xe4\xb8\xad",
    };
    size_t n = 0, k = 1 + rnd(4);
    out[0] = '\0';
    for (size_t i = 0; i < k; i++) {
        const char *p = parts[rnd(WD_ARRAY_LEN(parts))];
        size_t l = strlen(p);
        if (n + l + 1 >= cap)
            break;
        memcpy(out + n, p, l + 1);
        n += l;
    }
}

/* Escapes query_string specials so the operand arrives as written. */
static void escape_into(char *out, size_t cap, const char *s)
{
    size_t n = 0;
    for (; *s && n + 3 < cap; s++) {
        if (strchr("+-=&|><!(){}[]^\"~*?:\\/ ", *s))
            out[n++] = '\\';
        out[n++] = *s;
    }
    out[n] = '\0';
}

static void t_keys_contract(void)
{
    static const struct {
        const char *path;
        enum wd_ftype t;
    } cols[] = {{"summary", WD_FT_TEXT},
                {"hostname", WD_FT_KEYWORD},
                {"details.sourceipaddress", WD_FT_IP},
                {"utctimestamp", WD_FT_DATE}};
    int checked = 0, matched = 0;
    for (int iter = 0; iter < 6000; iter++) {
        size_t ci = rnd(WD_ARRAY_LEN(cols));
        char val[128], op[128], esc[300], qtext[400];
        rand_text(val, sizeof(val));
        /* Half the time the operand is taken from the value, so matches happen. */
        if (rnd(2))
            snprintf(op, sizeof(op), "%s", val);
        else
            rand_text(op, sizeof(op));
        escape_into(esc, sizeof(esc), op);
        switch (rnd(4)) {
        case 0:
            snprintf(qtext, sizeof(qtext), "%s:%s", cols[ci].path, esc);
            break;
        case 1:
            snprintf(qtext, sizeof(qtext), "%s:\"%s\"", cols[ci].path, esc);
            break;
        case 2:
            snprintf(qtext, sizeof(qtext), "%s", esc);
            break;
        default:
            snprintf(qtext, sizeof(qtext), "\"%s\"", esc);
        }
        struct wd_query *q;
        if (wd_query_parse(qtext, strlen(qtext), &q, NULL) != WD_OK)
            continue;
        FAIL_UNLESS(q->root->kind == WD_QN_LEAF);
        const struct wd_qleaf *l = &q->root->leaf;
        struct wd_qval v = {.type = WD_QV_STR, .s = {val, strlen(val)}};
        bool m = wd_qleaf_match(l, cols[ci].path, strlen(cols[ci].path), &v);
        struct keyset *lk = calloc(1, sizeof(*lk)), *vk = calloc(1, sizeof(*vk));
        FAIL_UNLESS(lk && vk);
        int mode = wd_qleaf_keys(l, cols[ci].t, key_cb, lk);
        wd_qindex_keys(cols[ci].t, &v, key_cb, vk);
        bool ok = true;
        if (m && mode == WD_QKEYS_ANY) {
            ok = false;
            for (size_t i = 0; i < lk->n && !ok; i++)
                ok = has_key(vk, lk->k[i], lk->len[i]);
        } else if (m && mode == WD_QKEYS_ALL) {
            for (size_t i = 0; i < lk->n && ok; i++)
                ok = has_key(vk, lk->k[i], lk->len[i]);
        }
        if (!ok)
            printf("  contract broken: query [%s] value [%s] column %s\n", qtext, val,
                   cols[ci].path);
        free(lk);
        free(vk);
        wd_query_free(q);
        FAIL_UNLESS(ok);
        checked++;
        matched += m;
    }
    /* The generator must actually exercise matches. */
    FAIL_UNLESS(checked > 3000 && matched > 500);
}

static void t_keys_examples(void)
{
    struct keyset *s = calloc(1, sizeof(*s));
    FAIL_UNLESS(s);
    static const struct {
        const char *q;
        enum wd_ftype t;
        int mode;
        const char *keys; /* joined with '|' */
    } cases[] = {
        {"summary:\"Failed Password\"", WD_FT_TEXT, WD_QKEYS_ALL, "failed|password"},
        {"summary:Failed-Password", WD_FT_TEXT, WD_QKEYS_ANY, "failed|password"},
        {"hostname:Web1", WD_FT_KEYWORD, WD_QKEYS_ANY, "Web1"},
        {"Web1", WD_FT_KEYWORD, WD_QKEYS_ANY, "Web1"},
        {"Web1", WD_FT_TEXT, WD_QKEYS_ANY, "web1"},
        {"Web1", WD_FT_DATE, WD_QKEYS_NONE, ""},
        {"source.ip:\"::ffff:10.0.0.1\"", WD_FT_IP, WD_QKEYS_ANY, "10.0.0.1"},
        {"source.ip:\"2001:0DB8::0001\"", WD_FT_IP, WD_QKEYS_ANY, "2001:db8::1"},
        {"source.ip:\"10.0.0.0/8\"", WD_FT_IP, WD_QKEYS_NONE, ""},
        {"hostname:web*", WD_FT_KEYWORD, WD_QKEYS_NONE, ""},
        {"hostname:/web.*/", WD_FT_KEYWORD, WD_QKEYS_NONE, ""},
        {"hostname:[a TO b]", WD_FT_KEYWORD, WD_QKEYS_NONE, ""},
        {"hostname:*", WD_FT_KEYWORD, WD_QKEYS_NONE, ""},
        {"utctimestamp:2019-05-06", WD_FT_DATE, WD_QKEYS_NONE, ""},
        {"summary:\"!!\"", WD_FT_TEXT, WD_QKEYS_ANY, ""}, /* ANY of nothing: no match */
    };
    for (size_t i = 0; i < WD_ARRAY_LEN(cases); i++) {
        struct wd_query *q;
        FAIL_UNLESS(wd_query_parse(cases[i].q, strlen(cases[i].q), &q, NULL) == WD_OK);
        s->n = 0;
        int mode = wd_qleaf_keys(&q->root->leaf, cases[i].t, key_cb, s);
        wd_query_free(q);
        EXPECT_INT(mode, cases[i].mode);
        char joined[512] = "";
        size_t n = 0;
        for (size_t k = 0; k < s->n; k++) {
            if (k)
                joined[n++] = '|';
            memcpy(joined + n, s->k[k], s->len[k]);
            n += s->len[k];
            joined[n] = '\0';
        }
        EXPECT_STR(joined, cases[i].keys);
    }
    /* Index side: canonical address text, tokens, and the length cap. */
    struct wd_qval v = {.type = WD_QV_STR, .s = WD_STR("::FFFF:10.0.0.1")};
    s->n = 0;
    wd_qindex_keys(WD_FT_IP, &v, key_cb, s);
    FAIL_UNLESS(s->n == 1 && s->len[0] == 8 && memcmp(s->k[0], "10.0.0.1", 8) == 0);
    char big[WD_QINDEX_MAX_KEY + 2];
    memset(big, 'k', sizeof(big));
    v.s.p = big;
    v.s.len = sizeof(big);
    s->n = 0;
    wd_qindex_keys(WD_FT_KEYWORD, &v, key_cb, s);
    EXPECT_INT(s->n, 0);
    free(s);
}

/* Number literals of range bounds and values: the fast path gives strtod's double exactly
 * (bit for bit, -0 too) on random integers and decimals of up to 17 digits, leading zeros,
 * signs and exponents; malformed literals are refused. */
static void t_num_literal(void)
{
    uint64_t x = 0x9E3779B97F4A7C15ull;
    char buf[64];
    for (int k = 0; k < 300000; k++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t n = 0;
        if (x & 1)
            buf[n++] = '-';
        unsigned id = 1 + (unsigned)(x >> 8) % 17, fd = (unsigned)(x >> 16) % 8;
        for (unsigned i = 0; i < id; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[n++] = (char)('0' + x % 10);
        }
        if (fd && (x & 2)) {
            buf[n++] = '.';
            for (unsigned i = 0; i < fd; i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                buf[n++] = (char)('0' + x % 10);
            }
        }
        if ((x >> 20) % 10 == 0)
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "e%d", (int)((x >> 24) % 40) - 20);
        buf[n] = '\0';
        double got, want = strtod(buf, NULL);
        FAIL_UNLESS(wd_qnum_literal(buf, n, &got));
        if (memcmp(&got, &want, sizeof(got)) != 0) {
            printf("FAIL %s: %s: %.17g, strtod %.17g\n", wd_test_name_, buf, got, want);
            wd_test_failed_ = 1;
            return;
        }
    }
    double d;
    FAIL_UNLESS(wd_qnum_literal("-0", 2, &d) && signbit(d) && d == 0);
    static const char *const bad[] = {"",    "-",  ".5",   "5.",    "1e",
                                      "1e+", "+1", "0x10", "1.2.3", "1 "};
    for (size_t i = 0; i < WD_ARRAY_LEN(bad); i++)
        FAIL_IF(wd_qnum_literal(bad[i], strlen(bad[i]), &d));
}

/* IP index keys (with the dotted-quad fast path) against parse + canonical format. */
static void t_keys_ip_differential(void)
{
    static const char *const pieces[] = {"0",   "1",   "2",  "5",  "9",    "25",
                                         "255", "256", "00", "01", "1000", "::ffff:1",
                                         ":",   "a",   "/",  " ",  "-"};
    struct keyset *got = calloc(1, sizeof(*got));
    FAIL_UNLESS(got);
    int canon = 0;
    for (int iter = 0; iter < 200000; iter++) {
        char in[64];
        size_t n = 0;
        /* mostly four octets with dots, sometimes a wrong count or a stray character */
        size_t k = rnd(4) ? 4 : 1 + rnd(7);
        for (size_t i = 0; i < k; i++) {
            const char *p = pieces[rnd(rnd(10) ? 11 : WD_ARRAY_LEN(pieces))];
            size_t l = strlen(p);
            if (n + l + 1 >= sizeof(in))
                break;
            memcpy(in + n, p, l);
            n += l;
            if (i + 1 < k)
                in[n++] = '.';
        }
        struct wd_qval v = {.type = WD_QV_STR, .s = {in, n}};
        got->n = 0;
        wd_qindex_keys(WD_FT_IP, &v, key_cb, got);
        uint8_t ip[16];
        char want[48];
        size_t wl = n;
        memcpy(want, in, n);
        if (wd_qip_parse(in, n, ip, NULL)) {
            wl = wd_qip_format(ip, want);
            canon++;
        }
        FAIL_UNLESS(got->n == 1 && got->len[0] == wl && memcmp(got->k[0], want, wl) == 0);
        /* the prefilter's fast path (rule_pre.c) scans such a value as it is */
        if (wd_qip_is_canon_v4(in, n))
            FAIL_UNLESS(wd_qip_parse(in, n, ip, NULL) && wl == n && memcmp(want, in, n) == 0);
    }
    free(got);
    FAIL_UNLESS(canon > 2000); /* the generator makes addresses */
}

/* _exists_ probes the path index for the exact path, then scans for a value under it:
 * nested objects, arrays (of objects), a name that only shares a prefix, nulls. */
static void t_exists_paths(void)
{
    static const struct mcase c[] = {
        {"_exists_:details", 1},
        {"_exists_:details.a", 1},
        {"_exists_:details.a.b", 1},
        {"_exists_:details.a.b.c", 0},
        {"_exists_:detailsx", 1},
        {"_exists_:detailsx.y", 0},
        {"_exists_:detail", 0},
        {"_exists_:details.", 0},
        {"_exists_:arr", 1},
        {"_exists_:arr.k", 1},
        {"_exists_:arr.j", 0},
        {"_exists_:nums", 1},
        {"_exists_:nul", 0},
        {"_exists_:emp", 0},
        {"_exists_:onlynull", 0},
        {"details.a.b:*", 1},
        {"NOT _exists_:details._write_ts", 1},
        {"_exists_:top", 1},
        {"_exists_:to", 0},
        {"_exists_:topx", 0},
    };
    const char *json = "{\"details\":{\"a\":{\"b\":\"x\"}},\"detailsx\":7,\"arr\":[{\"k\":1},2],"
                       "\"nums\":[1,[2]],\"nul\":null,\"emp\":{},\"onlynull\":{\"z\":null},"
                       "\"top\":true}";
    EXPECT_INT(run_cases(c, WD_ARRAY_LEN(c), json), 0);
}

/* ---- the flattener's interned paths (query_path.c) against the definition ---- */

/* The definition: the dotted join of the keys down to each scalar, arrays adding no key,
 * nulls no value; one line per value ("path\ttype\ttext"), in document order. */
static void flat_ref(const struct wd_jv *j, struct wd_buf *path, struct wd_buf *out)
{
    size_t base = path->len;
    if (j->type == WD_JV_OBJ) {
        for (const struct wd_jv *k = j->u.kids.head; k; k = k->next) {
            path->len = base;
            if (base)
                wd_buf_putc(path, '.');
            wd_buf_append(path, k->key.p, k->key.len);
            flat_ref(k, path, out);
        }
        path->len = base;
    } else if (j->type == WD_JV_ARR) {
        for (const struct wd_jv *k = j->u.kids.head; k; k = k->next)
            flat_ref(k, path, out);
    } else if (j->type != WD_JV_NULL) {
        struct wd_buf t;
        wd_buf_init(&t, 0);
        wd_jv_write(j, &t);
        wd_buf_printf(out, "%.*s\t%d\t%.*s\n", (int)path->len, path->p, (int)j->type, (int)t.len,
                      t.p);
        wd_buf_fini(&t);
    }
}

/* The same lines from a wd_qflat, checking each value's hash against its path's text. */
static bool flat_got(const struct wd_qflat *f, const struct wd_jv *ev, struct wd_buf *out)
{
    /* the values in document order are the scalars in document order: pair them up */
    struct wd_jv *stack[256];
    size_t ns = 0, i = 0;
    stack[ns++] = (struct wd_jv *)ev;
    while (ns) {
        const struct wd_jv *j = stack[--ns];
        if (j->type == WD_JV_OBJ || j->type == WD_JV_ARR) {
            size_t n0 = ns;
            for (const struct wd_jv *k = j->u.kids.head; k && ns < 256; k = k->next)
                stack[ns++] = (struct wd_jv *)k;
            for (size_t a = n0, b = ns; a + 1 < b; a++, b--) { /* first kid on top */
                struct wd_jv *x = stack[a];
                stack[a] = stack[b - 1];
                stack[b - 1] = x;
            }
            continue;
        }
        if (j->type == WD_JV_NULL)
            continue;
        if (i >= f->n)
            return false;
        struct wd_str path;
        struct wd_qval v;
        wd_qflat_at(f, i, &path, &v);
        if (f->v[i].path_hash != wd_hash64(path.p, path.len, WD_QFLAT_PATH_SEED))
            return false;
        struct wd_buf t;
        wd_buf_init(&t, 0);
        wd_jv_write(j, &t);
        wd_buf_printf(out, "%.*s\t%d\t%.*s\n", (int)path.len, path.p, (int)j->type, (int)t.len,
                      t.p);
        wd_buf_fini(&t);
        i++;
    }
    return i == f->n;
}

static void rand_json(struct wd_buf *b, int depth, uint32_t uniq, bool obj)
{
    /* few keys, so that paths repeat and collide: a dotted key spells a nested path */
    static const char *const keys[] = {"a", "b", "a.b", "c", "b.c", "", "x\\\"y", "a.b.c", "d"};
    uint32_t r = obj ? 9 : rnd(depth ? 10 : 6);
    if (r < 4) {
        static const char *const sc[] = {"1",     "-2.5", "\"s\"", "true",
                                         "false", "null", "\"\"",  "12345678901234567890"};
        wd_buf_printf(b, "%s", sc[rnd(WD_ARRAY_LEN(sc))]);
    } else if (r < 6 || depth == 0) {
        wd_buf_printf(b, "\"v%u\"", rnd(5));
    } else if (r < 8) {
        wd_buf_putc(b, '[');
        for (uint32_t i = 0, n = rnd(4); i < n; i++) {
            if (i)
                wd_buf_putc(b, ',');
            rand_json(b, depth - 1, uniq, false);
        }
        wd_buf_putc(b, ']');
    } else {
        wd_buf_putc(b, '{');
        for (uint32_t i = 0, n = rnd(5); i < n; i++) {
            if (i)
                wd_buf_putc(b, ',');
            if (uniq && !rnd(3)) /* keys that are data: the table must forget them */
                wd_buf_printf(b, "\"k%u_%u\":", uniq, rnd(1u << 30));
            else
                wd_buf_printf(b, "\"%s\":", keys[rnd(WD_ARRAY_LEN(keys))]);
            rand_json(b, depth - 1, uniq, false);
        }
        wd_buf_putc(b, '}');
    }
}

static void t_qflat_paths(void)
{
    struct wd_arena a;
    wd_arena_init(&a, 1 << 16, 1 << 24);
    struct wd_buf js, path, want, got;
    wd_buf_init(&js, 0);
    wd_buf_init(&path, 0);
    wd_buf_init(&want, 0);
    wd_buf_init(&got, 0);
    struct wd_qflat f; /* one flat for all: its paths carry over from event to event */
    wd_qflat_init(&f);
    uint64_t epoch0 = 0;
    int trims = 0;
    for (uint32_t e = 0; e < 30000; e++) {
        js.len = 0;
        /* a phase of events with keys that are data drives the table past its bounds */
        rand_json(&js, 4, e >= 10000 && e < 20000 ? e : 0, true);
        wd_arena_reset(&a);
        struct wd_jv *ev;
        FAIL_UNLESS(wd_json_parse(js.p, js.len, js.len, 0, &a, &ev, NULL) == WD_OK);
        FAIL_UNLESS(wd_qflat_build(&f, ev) == WD_OK);
        path.len = want.len = got.len = 0;
        flat_ref(ev, &path, &want);
        bool ok = flat_got(&f, ev, &got);
        if (!ok || want.len != got.len || memcmp(want.p, got.p, want.len) != 0) {
            printf("FAIL query_qflat_paths: event %u %.*s\nwant\n%.*sgot\n%.*s", e, (int)js.len,
                   js.p, (int)want.len, want.p, (int)got.len, got.p);
            wd_test_failed_ = 1;
            return;
        }
        if (f.pt.epoch != epoch0) {
            trims += epoch0 != 0;
            epoch0 = f.pt.epoch;
        }
    }
    FAIL_UNLESS(trims >= 1); /* the bounds were reached and the table started over */
    FAIL_UNLESS(f.pt.n < 20000);
    wd_qflat_fini(&f);
    wd_arena_fini(&a);
    wd_buf_fini(&js);
    wd_buf_fini(&path);
    wd_buf_fini(&want);
    wd_buf_fini(&got);
}

WD_TEST_LIST{
    {"query_number_literals_match_strtod", t_num_literal},
    {"query_parse_trees", t_parse_trees},
    {"query_leaf_field_hash", t_leaf_field_hash},
    {"query_exists_paths", t_exists_paths},
    {"query_qflat_paths", t_qflat_paths},
    {"query_pipes", t_pipes},
    {"query_errors", t_errors},
    {"query_match_keyword_text", t_match_keyword_text},
    {"query_match_numbers_exists", t_match_numbers_exists},
    {"query_match_ip", t_match_ip},
    {"query_match_dates", t_match_dates},
    {"query_match_bool_table", t_match_bool_table},
    {"query_field_types_aliases", t_field_types_aliases},
    {"query_keys_contract", t_keys_contract},
    {"query_keys_examples", t_keys_examples},
    {"query_keys_ip_differential", t_keys_ip_differential},
};
WD_TEST_MAIN
