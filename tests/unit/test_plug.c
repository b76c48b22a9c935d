/*
 * test_plug.c: unit tests for the Lua plugin layer (src/plug.c, src/plug_lua.c): dispatch
 * by whole lower-cased tokens, priority order, change/drop/route, the sandbox (no io, os,
 * require, load, ffi, string.dump), instruction and memory budgets, counting and disabling
 * of failing plugins, on_error drop, round trips that keep number literals and key order,
 * load errors with file:line, reload, and one Lua state per thread.
 */
#include <pthread.h>
#include <unistd.h>

#include "wd_test.h"

#include "jv.h"
#include "json.h"
#include "mem.h"
#include "plug.h"
#include "ward.h"

static char tmpdir[256];
static int ndirs;

/* A fresh directory holding the given (name, source) pairs; returns its path (static). */
static const char *plugdir(const char *const *files)
{
    static char dir[300];
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/ward-test-plug-XXXXXX");
        if (!mkdtemp(tmpdir))
            return NULL;
    }
    snprintf(dir, sizeof(dir), "%s/d%d", tmpdir, ndirs++);
    mkdir(dir, 0700);
    for (int i = 0; files[i]; i += 2) {
        char path[400];
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        FILE *f = fopen(path, "w");
        if (!f)
            return NULL;
        fputs(files[i + 1], f);
        fclose(f);
    }
    return dir;
}

static struct wd_plugins *load(const char *const *files, int64_t max_failures, bool drop)
{
    struct wd_plug_opts o = {plugdir(files), 100000, 1 << 20, drop, max_failures};
    struct wd_plugins *p = NULL;
    if (!o.dir || wd_plugins_new(&o, &p, stderr))
        return NULL;
    return p;
}

static struct wd_arena arena;
static char out[8192];

/* Runs the chain on `json`; returns the resulting JSON text, or "DROP:<name>". */
static const char *run(struct wd_plugins *p, const char *json, struct wd_plug_result *res)
{
    static bool init;
    if (!init)
        wd_arena_init(&arena, 65536, 0);
    init = true;
    wd_arena_reset(&arena);
    struct wd_jv *v = NULL;
    char *copy = wd_arena_strndup(&arena, json, strlen(json));
    if (wd_json_parse(copy, strlen(copy), strlen(copy), 0, &arena, &v, NULL))
        return "PARSE-ERROR";
    struct wd_plug_result r;
    if (wd_plugins_run(p, &arena, &v, res ? res : &r))
        return "RUN-ERROR";
    if ((res ? res : &r)->dropped) {
        snprintf(out, sizeof(out), "DROP:%s", (res ? res : &r)->dropped_by);
        return out;
    }
    struct wd_buf b;
    wd_buf_init(&b, 0);
    wd_jv_write(v, &b);
    snprintf(out, sizeof(out), "%s", b.p);
    wd_buf_fini(&b);
    return out;
}

#define MARK(name, reg, prio)                                                                      \
    "return {name='" name "', registration=" reg ", priority=" #prio ", process=function(e)\n"     \
    "  e.seen = e.seen or ward.array(); table.insert(e.seen, '" name "'); return e end}\n"

static void t_dispatch(void)
{
    static const char *const files[] = {"a.lua", MARK("a", "{'Foo'}", 10), "b.lua",
                                        MARK("b", "'bar'", 10), NULL};
    struct wd_plugins *p = load(files, 0, false);
    FAIL_UNLESS(p);
    /* a key token, case-insensitive */
    EXPECT_STR(run(p, "{\"FOO\":1}", NULL),
               "{\"FOO\":1,\"seen\":[\"a\"],\"mozdef\":{\"plugins\":[\"a\"]}}");
    /* a string value nested in a list inside an object */
    EXPECT_STR(run(p, "{\"x\":{\"y\":[\"BAR\"]}}", NULL),
               "{\"x\":{\"y\":[\"BAR\"]},\"seen\":[\"b\"],\"mozdef\":{\"plugins\":[\"b\"]}}");
    /* whole tokens only, and numbers never equal strings */
    EXPECT_STR(run(p, "{\"foobar\":\"barfoo\",\"n\":5,\"s\":\"foo bar\"}", NULL),
               "{\"foobar\":\"barfoo\",\"n\":5,\"s\":\"foo bar\"}");
    /* an existing mozdef key is left alone */
    EXPECT_STR(run(p, "{\"foo\":true,\"mozdef\":{\"x\":1}}", NULL),
               "{\"foo\":true,\"mozdef\":{\"x\":1},\"seen\":[\"a\"]}");
    wd_plugins_free(p);
}

static void t_priority(void)
{
    static const char *const files[] = {
        "1.lua", MARK("zz", "'t'", 1),     "2.lua", MARK("late", "'t'", 20),
        "3.lua", MARK("mid_b", "'t'", 10), "4.lua", MARK("mid_a", "'t'", 10),
        NULL};
    struct wd_plugins *p = load(files, 0, false);
    FAIL_UNLESS(p);
    EXPECT_STR(run(p, "{\"t\":0}", NULL),
               "{\"t\":0,\"seen\":[\"zz\",\"mid_a\",\"mid_b\",\"late\"],"
               "\"mozdef\":{\"plugins\":[\"zz\",\"mid_a\",\"mid_b\",\"late\"]}}");
    wd_plugins_free(p);
}

static void t_change_drop_route(void)
{
    static const char *const files[] = {
        "drop.lua",
        "return {registration='noise', priority=1, process=function(e)\n"
        "  if e.level == 'debug' then return 'drop' end\n"
        "  if e.level == 'trace' then return false end end}",
        "route.lua",
        "return {registration='noise', priority=2, process=function(e)\n"
        "  e.details = {n = #e.summary}; e.summary = nil\n"
        "  return e, {partition='dns-noise', id='k-' .. e.level} end}",
        "new.lua",
        "return {registration='replace', process=function(e)\n"
        "  return {a = {}, b = ward.array(), c = {1, 2.5, 'x'}, d = {k = false}} end}",
        NULL};
    struct wd_plugins *p = load(files, 0, false);
    FAIL_UNLESS(p);
    struct wd_plug_result r;
    EXPECT_STR(run(p, "{\"tags\":[\"noise\"],\"level\":\"debug\"}", &r), "DROP:drop");
    FAIL_UNLESS(r.dropped && r.ran == 1);
    EXPECT_STR(run(p, "{\"tags\":[\"noise\"],\"level\":\"trace\"}", &r), "DROP:drop");
    EXPECT_STR(run(p, "{\"tags\":[\"noise\"],\"level\":\"info\",\"summary\":\"hello\"}", &r),
               "{\"tags\":[\"noise\"],\"level\":\"info\",\"details\":{\"n\":5},"
               "\"diverted\":true,\"dataset\":\"dns-noise\",\"documentid\":\"k-info\","
               "\"mozdef\":{\"plugins\":[\"drop\",\"route\"]}}");
    FAIL_UNLESS(!r.dropped && r.ran == 2 && r.errors == 0);
    EXPECT_STR(run(p, "{\"replace\":1}", &r),
               "{\"a\":{},\"b\":[],\"c\":[1,2.5,\"x\"],\"d\":{\"k\":false},"
               "\"mozdef\":{\"plugins\":[\"new\"]}}");
    wd_plugins_free(p);
}

static void t_round_trip(void)
{
    static const char *const files[] = {"noop.lua",
                                        "return {registration='x', process=function(e) end}", NULL};
    struct wd_plugins *p = load(files, 0, false);
    FAIL_UNLESS(p);
    const char *in = "{\"x\":1.0,\"big\":12345678901234567890,\"e\":1e3,\"neg\":-0.5,"
                     "\"s\":\"caf\\u00e9\\n\",\"arr\":[[],{},null,true,[1,[2]]],\"o\":{\"z\":1,"
                     "\"a\":2},\"n\":null}";
    /* a null member becomes absent in Lua: the only change a no-op plugin makes */
    EXPECT_STR(run(p, in, NULL),
               "{\"x\":1.0,\"big\":12345678901234567890,\"e\":1e3,\"neg\":-0.5,"
               "\"s\":\"caf\xc3\xa9\\n\",\"arr\":[[],{},null,true,[1,[2]]],\"o\":{\"z\":1,"
               "\"a\":2},\"mozdef\":{\"plugins\":[\"noop\"]}}");
    wd_plugins_free(p);
}

static void t_sandbox(void)
{
    static const char *const files[] = {
        "probe.lua",
        "return {registration='probe', process=function(e)\n"
        "  e.r = {io = type(io), os = type(os), require = type(require), load = type(load),\n"
        "    loadstring = type(loadstring), dofile = type(dofile), ffi = type(ffi),\n"
        "    jit = type(jit), dump = type(string.dump), debug = type(debug),\n"
        "    package = type(package), coroutine = type(coroutine), setfenv = type(setfenv),\n"
        "    collectgarbage = type(collectgarbage), str = type(string.format),\n"
        "    math = type(math.floor), bit = type(bit.band)}\n"
        "  return e end}",
        "esc.lua",
        "return {registration='escape', process=function(e) return os.execute('true') end}", NULL};
    struct wd_plugins *p = load(files, 0, false);
    FAIL_UNLESS(p);
    EXPECT_STR(run(p, "{\"probe\":1}", NULL),
               "{\"probe\":1,\"r\":{\"bit\":\"function\",\"collectgarbage\":\"nil\","
               "\"coroutine\":\"nil\",\"debug\":\"nil\",\"dofile\":\"nil\",\"dump\":\"nil\","
               "\"ffi\":\"nil\",\"io\":\"nil\",\"jit\":\"nil\",\"load\":\"nil\","
               "\"loadstring\":\"nil\",\"math\":\"function\",\"os\":\"nil\","
               "\"package\":\"nil\",\"require\":\"nil\",\"setfenv\":\"nil\","
               "\"str\":\"function\"},\"mozdef\":{\"plugins\":[\"probe\"]}}");
    struct wd_plug_result r;
    EXPECT_STR(run(p, "{\"escape\":1}", &r), "{\"escape\":1,\"mozdef\":{\"plugins\":[\"esc\"]}}");
    FAIL_UNLESS(r.errors == 1);
    wd_plugins_free(p);
}

static void t_budgets(void)
{
    static const char *const files[] = {
        "loop.lua",
        "return {registration='loop', process=function(e)\n"
        "  e.touched = true; while true do end end}",
        "mem.lua",
        "return {registration='mem', process=function(e)\n"
        "  local t = {}; for i = 1, 1e9 do t[i] = string.rep('x', 1000) .. i end end}",
        "catch.lua",
        "return {registration='catch', process=function(e)\n"
        "  for i = 1, 1e9 do pcall(function() while true do end end) end end}",
        NULL};
    struct wd_plugins *p = load(files, 0, false);
    FAIL_UNLESS(p);
    struct wd_plug_result r;
    /* the event continues as the plugin received it (the in-place change is discarded) */
    EXPECT_STR(run(p, "{\"loop\":1}", &r), "{\"loop\":1,\"mozdef\":{\"plugins\":[\"loop\"]}}");
    FAIL_UNLESS(r.errors == 1);
    EXPECT_STR(run(p, "{\"mem\":1}", &r), "{\"mem\":1,\"mozdef\":{\"plugins\":[\"mem\"]}}");
    FAIL_UNLESS(r.errors == 1);
    EXPECT_STR(run(p, "{\"catch\":1}", &r), "{\"catch\":1,\"mozdef\":{\"plugins\":[\"catch\"]}}");
    FAIL_UNLESS(r.errors == 1);
    /* the state is still usable after the budget errors */
    EXPECT_STR(run(p, "{\"loop\":2}", &r), "{\"loop\":2,\"mozdef\":{\"plugins\":[\"loop\"]}}");
    struct wd_buf b;
    wd_buf_init(&b, 0);
    wd_plugins_render_prom(p, &b);
    FAIL_UNLESS(strstr(b.p, "ward_plugin_errors_total{plugin=\"loop\"} 2\n"));
    FAIL_UNLESS(strstr(b.p, "ward_plugin_errors_total{plugin=\"mem\"} 1\n"));
    FAIL_UNLESS(strstr(b.p, "ward_plugin_runs_total{plugin=\"catch\"} 1\n"));
    wd_buf_fini(&b);
    wd_plugins_free(p);
}

static void t_disable_and_drop(void)
{
    static const char *const files[] = {
        "flaky.lua",
        "return {registration='f', process=function(e) if e.f == 'bad' then error('boom') end\n"
        "  e.ok = true; return e end}",
        NULL};
    struct wd_plugins *p = load(files, 3, false);
    FAIL_UNLESS(p);
    EXPECT_STR(run(p, "{\"f\":\"bad\"}", NULL),
               "{\"f\":\"bad\",\"mozdef\":{\"plugins\":[\"flaky\"]}}");
    EXPECT_STR(run(p, "{\"f\":\"bad\"}", NULL),
               "{\"f\":\"bad\",\"mozdef\":{\"plugins\":[\"flaky\"]}}");
    /* a success resets the count of failures in a row */
    EXPECT_STR(run(p, "{\"f\":1}", NULL),
               "{\"f\":1,\"ok\":true,\"mozdef\":{\"plugins\":[\"flaky\"]}}");
    run(p, "{\"f\":\"bad\"}", NULL);
    run(p, "{\"f\":\"bad\"}", NULL);
    struct wd_buf b;
    wd_buf_init(&b, 0);
    wd_plugins_render_health(p, &b);
    EXPECT_STR(b.p, ",\"plugins\":{\"loaded\":1,\"disabled\":[]}");
    run(p, "{\"f\":\"bad\"}", NULL);
    b.len = 0;
    wd_plugins_render_health(p, &b);
    EXPECT_STR(b.p, ",\"plugins\":{\"loaded\":1,\"disabled\":[\"flaky\"]}");
    /* disabled: no longer runs */
    EXPECT_STR(run(p, "{\"f\":1}", NULL), "{\"f\":1}");
    wd_buf_fini(&b);
    wd_plugins_free(p);

    p = load(files, 0, true); /* plugins.on_error: drop */
    FAIL_UNLESS(p);
    EXPECT_STR(run(p, "{\"f\":\"bad\"}", NULL), "DROP:flaky");
    EXPECT_STR(run(p, "{\"f\":2}", NULL),
               "{\"f\":2,\"ok\":true,\"mozdef\":{\"plugins\":[\"flaky\"]}}");
    wd_plugins_free(p);
}

static void t_load_errors(void)
{
    static const char *const files[] = {
        "syntax.lua",
        "return {\nregistration='x',\nprocess=function(e) e. end}",
        "noproc.lua",
        "return {registration='x'}",
        "noreg.lua",
        "return {process=function() end}",
        "notable.lua",
        "return 5",
        "runtime.lua",
        "local x = nil\nreturn x.y",
        "bytecode.lua",
        "\x1bLJ",
        "dup1.lua",
        "return {name='same', registration='x', process=print or next}",
        "dup2.lua",
        "return {name='same', registration='x', process=next}",
        "ignored.txt",
        "not lua",
        "top.lua",
        "while true do end",
        "badname.lua",
        "return {name='a\\\"b', registration='x', process=next}",
        NULL};
    struct wd_plug_opts o = {plugdir(files), 0, 0, false, 0};
    char *msg = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&msg, &len);
    struct wd_plugins *p = (struct wd_plugins *)1;
    int n = wd_plugins_new(&o, &p, f);
    fclose(f);
    FAIL_UNLESS(p == NULL);
    EXPECT_INT(n, 9);
    FAIL_UNLESS(strstr(msg, "/syntax.lua:3: "));
    FAIL_UNLESS(strstr(msg, "/noproc.lua:1: process must be a function"));
    FAIL_UNLESS(strstr(msg, "/noreg.lua:1: registration must be"));
    FAIL_UNLESS(strstr(msg, "/notable.lua:1: the file must return a table"));
    FAIL_UNLESS(strstr(msg, "/runtime.lua:2: "));
    FAIL_UNLESS(strstr(msg, "/bytecode.lua:1: precompiled bytecode"));
    FAIL_UNLESS(strstr(msg, "/dup2.lua:1: plugin name 'same' is also used by"));
    FAIL_UNLESS(strstr(msg, "/top.lua:1: instruction budget exceeded"));
    FAIL_UNLESS(strstr(msg, "/badname.lua:1: plugin name 'a\"b' must be"));
    FAIL_IF(strstr(msg, "ignored"));
    free(msg);
    /* a missing directory */
    o.dir = "/nonexistent/ward-plugins";
    f = fopen("/dev/null", "w");
    FAIL_UNLESS(wd_plugins_new(&o, &p, f) == 1 && !p);
    fclose(f);
}

static void t_reload(void)
{
    static const char *const v1[] = {"p.lua", MARK("one", "'r'", 1), NULL};
    struct wd_plugins *p = load(v1, 0, false);
    FAIL_UNLESS(p);
    EXPECT_STR(run(p, "{\"r\":1}", NULL),
               "{\"r\":1,\"seen\":[\"one\"],\"mozdef\":{\"plugins\":[\"one\"]}}");
    /* rewrite the file in the same directory: the holder keeps its path */
    char path[400];
    snprintf(path, sizeof(path), "%s/d%d/p.lua", tmpdir, ndirs - 1);
    FILE *f = fopen(path, "w");
    FAIL_UNLESS(f);
    fputs(MARK("two", "'r'", 1), f);
    fclose(f);
    EXPECT_INT(wd_plugins_reload(p, stderr), 0);
    EXPECT_STR(run(p, "{\"r\":1}", NULL),
               "{\"r\":1,\"seen\":[\"two\"],\"mozdef\":{\"plugins\":[\"two\"]}}");
    /* a broken file: the reload fails and the previous set stays */
    f = fopen(path, "w");
    fputs("return {", f);
    fclose(f);
    FILE *devnull = fopen("/dev/null", "w");
    EXPECT_INT(wd_plugins_reload(p, devnull), 1);
    fclose(devnull);
    EXPECT_STR(run(p, "{\"r\":1}", NULL),
               "{\"r\":1,\"seen\":[\"two\"],\"mozdef\":{\"plugins\":[\"two\"]}}");
    wd_plugins_free(p);
}

/* Threads: each gets its own state; a global counter in a plugin counts per state. */
struct thr {
    struct wd_plugins *p;
    int ok;
    double last;
};

static void *worker(void *arg)
{
    struct thr *t = arg;
    struct wd_arena a;
    wd_arena_init(&a, 65536, 0);
    for (int i = 0; i < 2000; i++) {
        wd_arena_reset(&a);
        char txt[64];
        int l = snprintf(txt, sizeof(txt), "{\"cnt\":%d}", i);
        struct wd_jv *v;
        if (wd_json_parse(txt, (size_t)l, (size_t)l, 0, &a, &v, NULL))
            break;
        struct wd_plug_result r;
        if (wd_plugins_run(t->p, &a, &v, &r) || r.errors)
            break;
        struct wd_jv *n = wd_jv_get(v, "n"), *c = wd_jv_get(v, "cnt");
        if (!n || n->type != WD_JV_INT || !c || c->u.i != i)
            break;
        t->last = (double)n->u.i;
        t->ok++;
    }
    wd_arena_fini(&a);
    return NULL;
}

static void t_threads(void)
{
    static const char *const files[] = {
        "c.lua",
        "local n = 0\nreturn {registration='cnt', process=function(e)\n"
        "  n = n + 1; e.n = n; return e end}",
        NULL};
    struct wd_plugins *p = load(files, 0, false);
    FAIL_UNLESS(p);
    struct thr t[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        t[i] = (struct thr){p, 0, 0};
        pthread_create(&th[i], NULL, worker, &t[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++) {
        EXPECT_INT(t[i].ok, 2000);
        EXPECT_INT((long long)t[i].last, 2000); /* its own state: counted only its events */
    }
    wd_plugins_free(p);
}

static void t_shipped(void)
{
    struct wd_plug_opts o = {"plugins", 100000, 1 << 20, false, 0};
    struct wd_plugins *p = NULL;
    FAIL_IF(wd_plugins_new(&o, &p, stderr));
    FAIL_UNLESS(wd_plugins_count(p) >= 3);
    /* parse_sshd rows of spec c.3 */
    EXPECT_STR(run(p,
                   "{\"processname\":\"sshd\",\"summary\":\"Accepted publickey for bob from "
                   "10.1.2.3 port 50022 ssh2: RSA SHA256:abc\"}",
                   NULL),
               "{\"processname\":\"sshd\",\"summary\":\"Accepted publickey for bob from 10.1.2.3 "
               "port 50022 ssh2: RSA SHA256:abc\",\"details\":{\"authmethod\":\"publickey\","
               "\"authstatus\":\"Accepted\",\"rsakeyfingerprint\":\"SHA256:abc\","
               "\"sourceipaddress\":\"10.1.2.3\",\"sourceport\":\"50022\",\"username\":\"bob\"},"
               "\"mozdef\":{\"plugins\":[\"parse_sshd\",\"sshd_find_ip\"]}}");
    EXPECT_STR(run(p,
                   "{\"processname\":\"sshd\",\"summary\":\"Invalid user admin from "
                   "192.0.2.7\",\"details\":{}}",
                   NULL),
               "{\"processname\":\"sshd\",\"summary\":\"Invalid user admin from 192.0.2.7\","
               "\"details\":{\"sourceipaddress\":\"192.0.2.7\",\"username\":\"admin\"},"
               "\"mozdef\":{\"plugins\":[\"parse_sshd\",\"sshd_find_ip\"]}}");
    EXPECT_STR(run(p,
                   "{\"processname\":\"sshd\",\"summary\":\"pam_unix(sshd:session): session "
                   "opened for user alice by (uid=0)\"}",
                   NULL),
               "{\"processname\":\"sshd\",\"summary\":\"pam_unix(sshd:session): session opened "
               "for user alice by (uid=0)\",\"details\":{\"username\":\"alice\"},"
               "\"mozdef\":{\"plugins\":[\"parse_sshd\",\"sshd_find_ip\"]}}");
    /* not sshd's process: parse_sshd leaves it; sshd_find_ip (fail2ban) finds the address */
    EXPECT_STR(
        run(p, "{\"processname\":\"fail2ban\",\"summary\":\"Ban '198.51.100.9' now\"}", NULL),
        "{\"processname\":\"fail2ban\",\"summary\":\"Ban '198.51.100.9' now\","
        "\"details\":{\"sourceipaddress\":\"198.51.100.9\"},"
        "\"mozdef\":{\"plugins\":[\"sshd_find_ip\"]}}");
    EXPECT_STR(run(p,
                   "{\"processname\":\"sshd\",\"summary\":\"Connection closed by "
                   "authenticating user root 999.1.1.1 port 22\"}",
                   NULL),
               "{\"processname\":\"sshd\",\"summary\":\"Connection closed by authenticating user "
               "root 999.1.1.1 port 22\",\"mozdef\":{\"plugins\":[\"parse_sshd\","
               "\"sshd_find_ip\"]}}");
    /* ELB health checks dropped, other user agents kept */
    EXPECT_STR(run(p, "{\"details\":{\"useragent\":\"ELB-HealthChecker/2.0\"}}", NULL),
               "DROP:drop_elb_healthcheck");
    EXPECT_STR(run(p, "{\"details\":{\"useragent\":\"curl/8.0\"}}", NULL),
               "{\"details\":{\"useragent\":\"curl/8.0\"},"
               "\"mozdef\":{\"plugins\":[\"drop_elb_healthcheck\"]}}");
    /* squid_fixup (spec c.6): a CONNECT tunnel and a denied request */
    const char *r =
        run(p,
            "{\"customendpoint\":\"1\",\"category\":\"proxy\",\"source\":\"access\","
            "\"HOST_FROM\":\"proxy1\",\"SOURCE\":\"squid\",\"tags\":[\"t\"],\"MESSAGE\":"
            "\"1700000000.500    250 10.0.0.5 51234 93.184.216.34 443 TCP_TUNNEL 200 512 "
            "4096 CONNECT example.com:443 - example.com -\"}",
            NULL);
    FAIL_UNLESS(strstr(r,
                       "\"details\":{\"destination\":\"example.com:443\","
                       "\"destinationipaddress\":\"93.184.216.34\",\"destinationport\":443,"
                       "\"duration\":0.25,\"host\":\"example.com\",\"method\":\"CONNECT\","
                       "\"mimetype\":\"-\",\"proto\":\"ssl\",\"proxyaction\":\"TCP_TUNNEL\","
                       "\"requestsize\":512,\"responsesize\":4096,\"sourceipaddress\":\"10.0.0.5\","
                       "\"sourceport\":51234,\"status\":\"200\"}"));
    FAIL_UNLESS(strstr(r, "\"utctimestamp\":\"2023-11-14T22:13:20.250000+00:00\""));
    FAIL_UNLESS(strstr(r, "\"hostname\":\"proxy1\""));
    FAIL_UNLESS(strstr(r, "\"type\":\"squid\"") && strstr(r, "\"eventsource\":\"squid\""));
    FAIL_UNLESS(strstr(r, "\"receivedtimestamp\":\"20"));
    FAIL_IF(strstr(r, "\"tags\"")); /* MozDef copies tags only when the input has TAGS */
    FAIL_IF(strstr(r, "MESSAGE") || strstr(r, "HOST_FROM"));
    r = run(p,
            "{\"customendpoint\":true,\"category\":\"proxy\",\"source\":\"access\","
            "\"SOURCE\":\"squid\",\"MESSAGE\":\"1700000000.000 5 10.0.0.6 - - - TCP_DENIED 403 "
            "300 0 GET http://blocked.example.org:8080/x - - text/html\"}",
            NULL);
    FAIL_UNLESS(strstr(r, "\"destinationipaddress\":\"0.0.0.0\",\"destinationport\":8080,"
                          "\"duration\":0.005,\"host\":\"blocked.example.org\""));
    FAIL_UNLESS(strstr(r, "\"sourceport\":0"));
    /* a short line: the plugin fails and the event continues as received */
    struct wd_plug_result pr;
    r = run(p,
            "{\"customendpoint\":true,\"category\":\"proxy\",\"source\":\"access\","
            "\"SOURCE\":\"squid\",\"MESSAGE\":\"1700000000.000 5\"}",
            &pr);
    FAIL_UNLESS(pr.errors == 1 && strstr(r, "\"MESSAGE\":\"1700000000.000 5\""));
    /* not category proxy: unchanged */
    r = run(p, "{\"customendpoint\":true,\"category\":\"web\",\"SOURCE\":\"squid\"}", NULL);
    EXPECT_STR(r, "{\"customendpoint\":true,\"category\":\"web\",\"SOURCE\":\"squid\","
                  "\"mozdef\":{\"plugins\":[\"squid_fixup\"]}}");
    wd_plugins_free(p);
}

WD_TEST_LIST{
    {"plug_dispatch", t_dispatch},
    {"plug_priority", t_priority},
    {"plug_change_drop_route", t_change_drop_route},
    {"plug_round_trip", t_round_trip},
    {"plug_sandbox", t_sandbox},
    {"plug_budgets", t_budgets},
    {"plug_disable_and_drop", t_disable_and_drop},
    {"plug_load_errors", t_load_errors},
    {"plug_reload", t_reload},
    {"plug_threads", t_threads},
    {"plug_shipped", t_shipped},
};

WD_TEST_MAIN
