/*
 * test_tmpl.c: summary templates (tmpl.h) on hand-written groups of events: fields and
 * defaults, {distinct} ordering/sorting/limit/more, MozDef's mostCommon order for {top},
 * {rdns}, {capture}, and the options added for the shipped MozDef rules: {first},
 * {distinct ... dups truthy re= rdns pre= post=}; plus compile errors.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jv.h"
#include "mem.h"
#include "tmpl.h"
#include "ward.h"
#include "wd_test.h"

static int fake_rdns(void *arg, const char *ip, char *out, size_t out_len)
{
    (void)arg;
    if (strcmp(ip, "10.1.1.1") == 0 || strcmp(ip, "8.8.8.8") == 0) {
        snprintf(out, out_len, "host-%s.example", ip);
        return WD_OK;
    }
    return WD_ENOENT;
}

/* Renders `tmpl` over the events (JSON texts), the first nsamples being samples. */
static char *render(const char *tmpl, const char *const *evs, size_t n, size_t nsamples,
                    const char *value, uint64_t count)
{
    struct wd_arena a;
    wd_arena_init(&a, 64 << 10, 64u << 20);
    const struct wd_jv *parsed[32];
    for (size_t i = 0; i < n; i++) {
        struct wd_jv *v;
        struct wd_perr pe;
        if (wd_json_parse(evs[i], strlen(evs[i]), strlen(evs[i]), 0, &a, &v, &pe) != WD_OK) {
            wd_arena_fini(&a);
            return NULL;
        }
        parsed[i] = v;
    }
    struct wd_tmpl *t;
    struct wd_perr pe = {0};
    char *res = NULL;
    if (wd_tmpl_compile(tmpl, strlen(tmpl), &t, &pe) == WD_OK) {
        struct wd_tmpl_ctx c = {.events = parsed,
                                .nevents = n,
                                .nsamples = nsamples,
                                .value = {value, strlen(value)},
                                .count = count,
                                .rdns = fake_rdns};
        struct wd_buf b;
        wd_buf_init(&b, 0);
        if (wd_tmpl_render(t, &c, &b) == WD_OK && wd_buf_putc(&b, '\0') == WD_OK)
            res = wd_buf_detach(&b, NULL);
        wd_buf_fini(&b);
        wd_tmpl_free(t);
    }
    wd_arena_fini(&a);
    return res;
}

static int compile_err(const char *tmpl)
{
    struct wd_tmpl *t = NULL;
    struct wd_perr pe = {0};
    int rc = wd_tmpl_compile(tmpl, strlen(tmpl), &t, &pe);
    wd_tmpl_free(rc == WD_OK ? t : NULL);
    return rc;
}

#define CHECK_RENDER(tmpl, evs, nsamples, value, count, want)                                      \
    do {                                                                                           \
        char *got_ = render(tmpl, evs, WD_ARRAY_LEN(evs), nsamples, value, count);                 \
        int ok_ = got_ && strcmp(got_, want) == 0;                                                 \
        if (!ok_)                                                                                  \
            printf("FAIL %s: %s:%d: got [%s] want [%s]\n", wd_test_name_, __FILE__, __LINE__,      \
                   got_ ? got_ : "(null)", want);                                                  \
        free(got_);                                                                                \
        if (!ok_) {                                                                                \
            wd_test_failed_ = 1;                                                                   \
            return;                                                                                \
        }                                                                                          \
    } while (0)

static void t_fields(void)
{
    const char *evs[] = {"{\"hostname\":\"h1\",\"details\":{\"n\":5}}", "{\"hostname\":\"h2\"}"};
    CHECK_RENDER("{count} by {value} on {hostname} n={details.n} u={details.u|unknown} {{x}}", evs,
                 2, "k", 2, "2 by k on h1 n=5 u=unknown {x}");
}

static void t_distinct(void)
{
    const char *evs[] = {"{\"a\":\"c\"}", "{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"a\"}"};
    CHECK_RENDER("{distinct a}", evs, 4, "", 4, "c, b, a");
    CHECK_RENDER("{distinct a sorted sep=,}", evs, 4, "", 4, "a,b,c");
    CHECK_RENDER("{distinct a sorted limit=2 more=...}", evs, 4, "", 4, "a, b...");
    CHECK_RENDER("{distinct a sorted limit=3 more=...}", evs, 4, "", 4, "a, b, c...");
    CHECK_RENDER("{distinct a sorted limit=4 more=...}", evs, 4, "", 4, "a, b, c");
    CHECK_RENDER("{distinct a from=samples}", evs, 2, "", 4, "c, b");
    CHECK_RENDER("{dc a} {dc a from=samples}", evs, 1, "", 4, "3 1");
}

static void t_top(void)
{
    /* count descending, ties by first appearance */
    const char *evs[] = {"{\"h\":\"x\"}", "{\"h\":\"y\"}", "{\"h\":\"y\"}",
                         "{\"h\":\"z\"}", "{\"h\":\"x\"}", "{\"h\":\"w\"}"};
    CHECK_RENDER("{top h 3 \" %v (%n hits)\"}", evs, 6, "", 6, " x (2 hits) y (2 hits) z (1 hits)");
    CHECK_RENDER("{top h 5 \" on %v\" min=5}", evs, 6, "", 6, "");
    CHECK_RENDER("{top h 1 \" on %v\" min=4}", evs, 6, "", 6, " on x");
}

static void t_rdns_capture(void)
{
    const char *evs[] = {"{\"ip\":\"10.1.1.1\",\"s\":\"Accepted publickey for bob from 1.2.3.4\"}"};
    CHECK_RENDER("{rdns ip}|{rdns ip internal}", evs, 1, "", 1,
                 "10.1.1.1 (host-10.1.1.1.example)|10.1.1.1 (host-10.1.1.1.example)");
    const char *ext[] = {"{\"ip\":\"8.8.8.8\"}"};
    CHECK_RENDER("{rdns ip}|{rdns ip internal}", ext, 1, "", 1,
                 "8.8.8.8 (host-8.8.8.8.example)|8.8.8.8");
    CHECK_RENDER("{capture s \"for ([a-z]+) from\" unknown}/{capture s \"pam for (x)\" unknown}",
                 evs, 1, "", 1, "bob/unknown");
}

static void t_first(void)
{
    const char *evs[] = {"{\"details\":{\"originaluser\":\"ou\",\"user\":\"u\"}}"};
    CHECK_RENDER("[{first details.username details.originaluser details.user pre=\"by \"}]", evs, 1,
                 "", 1, "[by ou]");
    CHECK_RENDER("[{first details.sourceipaddress pre=\"from \" post=!}]", evs, 1, "", 1, "[]");
    CHECK_RENDER("[{first details.x default=none}]", evs, 1, "", 1, "[none]");
    CHECK_RENDER("[{first details.user if=details.indicators default=unknown}]", evs, 1, "", 1,
                 "[unknown]");
    const char *ind[] = {"{\"details\":{\"user\":\"u\",\"indicators\":[\"1.2.3.4\"]}}"};
    CHECK_RENDER("[{first details.user if=details.indicators default=unknown}]", ind, 1, "", 1,
                 "[u]");
    FAIL_UNLESS(compile_err("{first if=x}") == WD_EPARSE);
    FAIL_UNLESS(compile_err("{first a bogus=1}") == WD_EPARSE);
}

static void t_distinct_options(void)
{
    const char *evs[] = {
        "{\"s\":\"Accepted publickey for kirk from 10.1.1.1 port 22\",\"v\":0}",
        "{\"s\":\"Accepted publickey for kirk from 10.9.9.9 port 22\",\"v\":\"\"}",
        "{\"s\":\"unrelated\",\"v\":\"x\"}",
        "{\"s\":\"Accepted publickey for spock from 10.1.1.1 port 22\",\"v\":false}"};
    CHECK_RENDER("{distinct s re=\"^Accepted publickey for (\\\\S+) from\" dups sep=,}", evs, 4, "",
                 4, "kirk,kirk,spock");
    CHECK_RENDER("{distinct s re=\"^Accepted publickey for (\\\\S+) from\" sep=,}", evs, 4, "", 4,
                 "kirk,spock");
    CHECK_RENDER("{distinct s re=\"from (\\\\S+)\" dups rdns=internal sep=,}", evs, 4, "", 4,
                 "10.1.1.1 (host-10.1.1.1.example),10.9.9.9,10.1.1.1 (host-10.1.1.1.example)");
    /* no group: the whole match */
    CHECK_RENDER("{distinct s re=\"[0-9]+\\\\.[0-9]+\\\\.[0-9]+\\\\.[0-9]+\"}", evs, 4, "", 4,
                 "10.1.1.1, 10.9.9.9");
    CHECK_RENDER("[{distinct v truthy pre=\" (v=\" post=)}]", evs, 4, "", 4, "[ (v=x)]");
    CHECK_RENDER("[{distinct v truthy pre=\" (v=\" post=) from=samples}]", evs, 2, "", 4, "[]");
    CHECK_RENDER("[{distinct v}]", evs, 4, "", 4, "[0, , x, False]");
    FAIL_UNLESS(compile_err("{distinct s re=\"(\"}") == WD_EPARSE);
    FAIL_UNLESS(compile_err("{distinct s rdns=external}") == WD_EPARSE);
}

static void t_errors(void)
{
    FAIL_UNLESS(compile_err("{") == WD_EPARSE);
    FAIL_UNLESS(compile_err("}") == WD_EPARSE);
    FAIL_UNLESS(compile_err("{}") == WD_EPARSE);
    FAIL_UNLESS(compile_err("{nosuch a}") == WD_EPARSE);
    FAIL_UNLESS(compile_err("{top a x \"f\"}") == WD_EPARSE);
    FAIL_UNLESS(compile_err("{distinct a limit=x}") == WD_EPARSE);
    FAIL_UNLESS(compile_err("{capture a \"[\"}") == WD_EPARSE);
    FAIL_UNLESS(compile_err("ok {count} {{") == WD_OK);
}

WD_TEST_LIST{
    {"tmpl_fields", t_fields}, {"tmpl_distinct", t_distinct},
    {"tmpl_top", t_top},       {"tmpl_rdns_capture", t_rdns_capture},
    {"tmpl_first", t_first},   {"tmpl_distinct_options", t_distinct_options},
    {"tmpl_errors", t_errors},
};

WD_TEST_MAIN
