/*
 * test_sigma_corpus.c: the SigmaHQ snapshot under ../shared/testdata/sigma (read in
 * place, never copied): every rule folder loads, the compiled count is at least the one
 * documented in docs/sigma.md and every refusal is "unsupported: <reason>"; for every
 * regression sample (regression_data/.../info.yml + .json) the named rule fires on the
 * event after ingest's normalization, and the other rules firing on samples stay within
 * the documented allowance. Skips when the snapshot is absent.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "norm.h"
#include "rule.h"
#include "ward.h"
#include "wd_test.h"
#include "ytree.h"

/* Documented in docs/sigma.md: 3,780 rules, 25 need placeholder values (`expand`)
 * that no configuration supplies by default. */
#define MIN_COMPILED    3755
#define MAX_UNSUPPORTED 25
/* Other rules firing on the regression samples (docs/sigma.md lists them). */
#define MAX_EXTRA_ALERTS 55

static const char *const dirs[] = {"rules", "rules-emerging-threats", "rules-threat-hunting",
                                   "rules-placeholder", "rules-compliance"};

static char root[512];

static bool corpus(void)
{
    const char *sh = wd_test_shared();
    if (!sh)
        return false;
    snprintf(root, sizeof(root), "%s/sigma", sh);
    struct stat st;
    return stat(root, &st) == 0 && S_ISDIR(st.st_mode);
}

static int load_all(struct wd_ruleset *set, FILE *errs)
{
    memset(set, 0, sizeof(*set));
    for (size_t i = 0; i < WD_ARRAY_LEN(dirs); i++) {
        char p[700];
        snprintf(p, sizeof(p), "%s/%s", root, dirs[i]);
        int rc = wd_ruleset_load(set, p, errs);
        if (rc)
            return rc;
    }
    return WD_OK;
}

static void t_corpus_load(void)
{
    if (!corpus())
        SKIP("../shared/testdata/sigma absent");
    char *buf = NULL;
    size_t blen = 0;
    FILE *errs = open_memstream(&buf, &blen);
    struct wd_ruleset set;
    FAIL_UNLESS(load_all(&set, errs) == WD_OK);
    fclose(errs);
    /* every error is an unsupported construct, with its reason */
    uint32_t lines = 0;
    for (char *l = buf; l && *l;) {
        char *nl = strchr(l, '\n');
        if (nl)
            *nl = '\0';
        printf("  %s\n", l);
        FAIL_UNLESS(strstr(l, ": unsupported: ") != NULL);
        lines++;
        l = nl ? nl + 1 : l + strlen(l);
    }
    printf("  %u Sigma documents, %u compiled, %u unsupported\n", set.sigma_docs, set.n,
           set.sigma_unsupported);
    FAIL_UNLESS(set.sigma_docs == 3780);
    FAIL_UNLESS(set.n >= MIN_COMPILED);
    FAIL_UNLESS(set.sigma_unsupported <= MAX_UNSUPPORTED);
    FAIL_UNLESS(lines == set.errors);
    FAIL_UNLESS(set.n + set.errors == set.sigma_docs);
    /* the whole set builds one prefilter */
    struct wd_engine_opts o = {.batch = true};
    struct wd_engine *e = wd_engine_new(&o);
    char err[256];
    FAIL_UNLESS(wd_engine_load(e, &set, err, sizeof(err)) == WD_OK);
    struct wd_engine_stats st;
    wd_engine_stats(e, &st);
    printf("  prefilter: %u patterns, %u always-candidate rules of %u\n", st.patterns, st.always,
           st.rules);
    FAIL_UNLESS(st.rules >= MIN_COMPILED);
    wd_engine_free(e);
    wd_ruleset_free(&set);
    free(buf);
}

/* ---- regression data ---- */

struct sample {
    char id[64];
    char json[1024];
};
static struct sample *samples;
static size_t nsamples;

static int walk(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    WD_UNUSED(sb);
    WD_UNUSED(ftw);
    size_t n = strlen(path);
    if (type != FTW_F || n < 8 || strcmp(path + n - 8, "info.yml") != 0)
        return 0;
    char *text;
    size_t len;
    if (wd_read_file(path, 1 << 20, &text, &len) != WD_OK)
        return 0;
    struct wd_arena a;
    wd_arena_init(&a, 16 << 10, 16u << 20);
    struct wd_ynode *doc = NULL;
    struct wd_yerr ye;
    if (wd_ytree_parse(text, len, &a, &doc, &ye) == WD_OK && doc) {
        const struct wd_ynode *md = wd_ynode_get(doc, "rule_metadata");
        const struct wd_ynode *ti = wd_ynode_get(doc, "regression_tests_info");
        const struct wd_ynode *id = md && md->n ? wd_ynode_get(md->items[0], "id") : NULL;
        const struct wd_ynode *pt = ti && ti->n ? wd_ynode_get(ti->items[0], "path") : NULL;
        if (id && pt && pt->kind == WD_Y_SCALAR) {
            samples = wd_xrealloc(samples, (nsamples + 1) * sizeof(*samples));
            struct sample *s = &samples[nsamples++];
            snprintf(s->id, sizeof(s->id), "%s", id->s.p);
            /* the .json beside info.yml named like the .evtx */
            const char *base = strrchr(pt->s.p, '/');
            base = base ? base + 1 : pt->s.p;
            snprintf(s->json, sizeof(s->json), "%.*s%.*s.json", (int)(n - 8), path,
                     (int)(strlen(base) - (strstr(base, ".evtx") ? 5 : 0)), base);
        }
    }
    wd_arena_fini(&a);
    free(text);
    return 0;
}

struct fired {
    const char *ids[64];
    const char *names[64];
    uint32_t n;
};

static void on_alert(void *arg, const struct wd_rule *r, const char *json, size_t len)
{
    WD_UNUSED(json);
    WD_UNUSED(len);
    struct fired *f = arg;
    if (f->n < 64) {
        f->names[f->n] = r->name;
        f->ids[f->n++] = r->sigma_id ? r->sigma_id : r->name;
    }
}

static void t_regression(void)
{
    if (!corpus())
        SKIP("../shared/testdata/sigma absent");
    char p[700];
    snprintf(p, sizeof(p), "%s/regression_data", root);
    nsamples = 0;
    FAIL_UNLESS(nftw(p, walk, 16, FTW_PHYS) == 0);
    printf("  %zu regression samples\n", nsamples);
    FAIL_UNLESS(nsamples >= 100);
    struct wd_ruleset set;
    FAIL_UNLESS(load_all(&set, NULL) == WD_OK);
    struct fired f = {0};
    struct wd_engine_opts o = {
        .batch = true, .start_us = INT64_MIN, .emit = on_alert, .emit_arg = &f};
    struct wd_engine *e = wd_engine_new(&o);
    char err[256];
    FAIL_UNLESS(wd_engine_load(e, &set, err, sizeof(err)) == WD_OK);
    struct wd_arena a;
    wd_arena_init(&a, 256 << 10, 64u << 20);
    struct wd_buf out;
    wd_buf_init(&out, 0);
    int64_t now = 1767225600000000ll; /* 2026-01-01 */
    struct wd_norm_opts no = {.mozdefhostname = "ward", .now_us = now};
    uint32_t hit = 0, missed = 0, extra = 0;
    for (size_t i = 0; i < nsamples; i++) {
        char *text;
        size_t len;
        if (wd_read_file(samples[i].json, 16 << 20, &text, &len) != WD_OK) {
            printf("  cannot read %s\n", samples[i].json);
            missed++;
            continue;
        }
        f.n = 0;
        uint32_t nev = 0;
        /* a sample file holds one or more pretty-printed event objects */
        for (size_t off = 0, n; off < len && (n = wd_json_object_span(text + off, len - off));
             off += n) {
            wd_arena_reset(&a);
            struct wd_jv *v, *ev;
            struct wd_perr pe;
            bool ok = wd_json_parse(text + off, n, n, 0, &a, &v, &pe) == WD_OK &&
                      wd_norm_event(&a, &no, v, &ev, NULL) == WD_OK;
            out.len = 0;
            if (ok && wd_jv_write(ev, &out) == WD_OK) {
                wd_engine_event(e, out.p, out.len, i + 1, now);
                nev++;
            }
        }
        wd_engine_tick(e, now);
        free(text);
        if (!nev)
            printf("  no event in %s\n", samples[i].json);
        bool found = false;
        for (uint32_t k = 0; k < f.n; k++) {
            bool dup = false; /* one sample's events may fire a rule more than once */
            for (uint32_t j = 0; j < k; j++)
                dup |= strcmp(f.ids[j], f.ids[k]) == 0;
            if (strcmp(f.ids[k], samples[i].id) == 0)
                found = true;
            else if (!dup) {
                extra++;
                printf("  also fired on %s: %s (%s)\n", samples[i].id, f.ids[k], f.names[k]);
            }
        }
        if (found) {
            hit++;
        } else {
            missed++;
            printf("  MISSED %s (%s)\n", samples[i].id, samples[i].json);
        }
    }
    printf("  true positives %u of %zu, other rules fired %u times\n", hit, nsamples, extra);
    wd_buf_fini(&out);
    wd_arena_fini(&a);
    wd_engine_free(e);
    wd_ruleset_free(&set);
    free(samples);
    samples = NULL;
    FAIL_UNLESS(missed == 0);
    FAIL_UNLESS(extra <= MAX_EXTRA_ALERTS);
}

WD_TEST_LIST{
    {"corpus_load", t_corpus_load},
    {"regression", t_regression},
};
WD_TEST_MAIN
