/*
 * fuzz_sigma.c: fuzz target for the Sigma loader and matcher (src/sigma*.c,
 * src/rule_sigma.c, src/win_norm.c). Arbitrary bytes are loaded as a Sigma file (rules,
 * correlations, filters): every problem must be one "fuzz.yml:LINE:COL: message" line;
 * every compiled predicate is evaluated over a few fixed events (an EVTX-JSON Windows
 * event normalized as ingest does, a Zeek-like and a syslog-like event), through the
 * engine too, and its prefilter literals are checked against what it matches. Input that
 * is a JSON object also goes through ingest's normalization (src/win_norm.c).
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "norm.h"
#include "query.h"
#include "rule.h"
#include "sigma.h"
#include "ward.h"

static const char *const events[] = {
    "{\"Event\":{\"System\":{\"Provider\":{\"#attributes\":{\"Name\":\"Microsoft-Windows-Sysmon\"}}"
    ","
    "\"EventID\":1,\"Channel\":\"Microsoft-Windows-Sysmon/Operational\",\"Computer\":\"ws1\","
    "\"TimeCreated\":{\"#attributes\":{\"SystemTime\":\"2026-12-01T10:00:00Z\"}}},"
    "\"EventData\":{\"Image\":\"C:\\\\Windows\\\\System32\\\\cmd.exe\",\"CommandLine\":"
    "\"cmd /c whoami -all \\u2013x\",\"ParentImage\":\"C:\\\\explorer.exe\",\"Data\":[1,\"a\"]}}}",
    "{\"utctimestamp\":\"2026-12-01T10:00:00+00:00\",\"category\":\"bro\",\"source\":\"dns\","
    "\"summary\":\"DNS A query\",\"details\":{\"sourceipaddress\":\"10.0.0.1\",\"query\":"
    "\"evil.example\",\"qtype_name\":\"A\",\"n\":5,\"ok\":true}}",
    "{\"utctimestamp\":\"2026-12-01T10:00:01+00:00\",\"summary\":\"Failed password for root\","
    "\"tags\":[\"linux\",\"cisco\"],\"details\":{\"program\":\"sshd\",\"user\":\"root\"}}",
};

static void emit(void *arg, const struct wd_rule *r, const char *json, size_t len)
{
    (void)arg;
    (void)r;
    if (!len || json[0] != '{' || json[len - 1] != '}')
        abort();
}

/* Whether some string value of the flattened event contains lit (ASCII caseless). */
static bool has_lit(const struct wd_qflat *f, const char *field, const char *lit)
{
    for (size_t i = 0; i < f->n; i++) {
        struct wd_str p;
        struct wd_qval v;
        wd_qflat_at(f, i, &p, &v);
        if (field && (p.len != strlen(field) || strncasecmp(p.p, field, p.len) != 0))
            continue;
        if (!field && v.type != WD_QV_STR)
            continue;
        size_t n = strlen(lit);
        for (size_t k = 0; k + n <= v.s.len; k++)
            if (strncasecmp(v.s.p + k, lit, n) == 0)
                return true;
    }
    return false;
}

/* Input that is a JSON object is also an event: ingest's normalization (Windows forms
 * included) must accept or reject it without harm, and its result must serialize. */
static void as_event(const uint8_t *data, size_t size)
{
    struct wd_arena ar;
    wd_arena_init(&ar, 64 << 10, 16u << 20);
    struct wd_jv *v, *ev;
    struct wd_perr pe;
    struct wd_norm_opts no = {.mozdefhostname = "fuzz", .now_us = 1764583200000000ll};
    if (wd_json_parse((const char *)data, size, size, 0, &ar, &v, &pe) == WD_OK &&
        wd_norm_event(&ar, &no, v, &ev, NULL) == WD_OK) {
        struct wd_buf b;
        wd_buf_init(&b, 0);
        if (wd_jv_write(ev, &b) != WD_OK || !b.len || b.p[0] != '{')
            abort();
        wd_buf_fini(&b);
    }
    wd_arena_fini(&ar);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size && data[0] == '{')
        as_event(data, size);
    char *errs = NULL;
    size_t elen = 0;
    FILE *f = open_memstream(&errs, &elen);
    struct wd_ruleset set = {0};
    if (wd_ruleset_load_text(&set, "fuzz.yml", (const char *)data, size, f) != WD_OK)
        abort();
    fclose(f);
    unsigned lines = wd_fuzz_error_lines(errs, "fuzz.yml");
    if (lines != set.errors || set.sigma_unsupported > set.errors)
        abort();
    free(errs);
    /* each predicate on each event; a match implies one of its literals is present */
    struct wd_arena a;
    wd_arena_init(&a, 64 << 10, 16u << 20);
    struct wd_qflat fl;
    wd_qflat_init(&fl);
    struct wd_sigma_ev sev;
    wd_sigma_ev_init(&sev);
    struct wd_norm_opts no = {.mozdefhostname = "fuzz", .now_us = 1764583200000000ll};
    struct wd_buf out;
    wd_buf_init(&out, 0);
    char *docs[WD_ARRAY_LEN(events)] = {0};
    for (size_t e = 0; e < WD_ARRAY_LEN(events); e++) {
        wd_arena_reset(&a);
        struct wd_jv *v, *ev;
        struct wd_perr pe;
        if (wd_json_parse(events[e], strlen(events[e]), strlen(events[e]), 0, &a, &v, &pe) ||
            wd_norm_event(&a, &no, v, &ev, NULL))
            abort();
        out.len = 0;
        wd_jv_write(ev, &out);
        docs[e] = wd_xstrndup(out.p, out.len);
        wd_qflat_build(&fl, ev);
        wd_sigma_ev_reset(&sev, &fl);
        for (uint32_t i = 0; i < set.n; i++) {
            const struct wd_sigma *s = set.rules[i]->sigma;
            if (!s || !wd_sigma_match(s, &sev))
                continue;
            const char *const *lits, *const *fields;
            uint32_t nl;
            if (!wd_sigma_literals(s, &lits, &fields, &nl))
                continue;
            bool found = false;
            for (uint32_t k = 0; k < nl && !found; k++)
                found = has_lit(&fl, fields[k], lits[k]);
            if (!found)
                abort(); /* the prefilter would have skipped a matching rule */
        }
    }
    wd_buf_fini(&out);
    wd_sigma_ev_fini(&sev);
    wd_qflat_fini(&fl);
    wd_arena_fini(&a);
    if (set.n) {
        struct wd_engine_opts o = {.batch = true, .emit = emit, .max_group_events = 4};
        struct wd_engine *e = wd_engine_new(&o);
        char err[256];
        if (wd_engine_load(e, &set, err, sizeof(err)) == WD_OK) {
            for (size_t k = 0; k < WD_ARRAY_LEN(docs); k++)
                wd_engine_event(e, docs[k], strlen(docs[k]), k + 1, 1764583200000000ll);
            wd_engine_tick(e, 1764583260000000ll);
            wd_engine_finish(e, 1764583260000000ll);
        }
        wd_engine_free(e);
    }
    for (size_t k = 0; k < WD_ARRAY_LEN(docs); k++)
        free(docs[k]);
    wd_ruleset_free(&set);
    return 0;
}
