/*
 * bench_engine.c: events per second through the detection engine on one core (thread CPU
 * time), with 0, 100 and 1000 rules loaded, over generator data (Zeek mix, sshd/sudo
 * syslog with brute-force bursts, CloudTrail, as MozDef events). The rules are synthetic
 * but shaped like real ones (per-event matches on a value, thresholds per source address,
 * phrase + keyword conjunctions, bare terms, negations, and 5% ranges the literal
 * prefilter cannot exclude), with literals taken from the data so they match.
 *
 * The peer, in the same process, is the brute-force evaluator MozDef-style engines use:
 * the same decoded, flattened event and the same predicates, but every rule's predicate
 * evaluated on every event (no Hyperscan prefilter). Printed: events/s for each, the
 * candidate evaluations per event, alerts, and the ratio.
 * Usage: bench_engine [events] (default 500000); BENCH_NO_PEER=1 skips the peer (profiling)
 * BENCH_RULES=DIR instead loads that rules directory (e.g. the shipped rules/) and runs it
 * once over Zeek-mix data (the engine only; per-rule match counts with BENCH_DEBUG=1), so
 * `valgrind --tool=callgrind --toggle-collect=wd_engine_event` gives the shipped rules' cost
 * per event.
 */
#include <time.h>

#include "engine.h"
#include "gen.h"
#include "jv.h"
#include "json.h"
#include "mem.h"
#include "query.h"
#include "rule.h"
#include "ward.h"

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)((rng >> 11) % n);
}

struct corpus {
    char **ev;
    size_t *len;
    size_t n;
    /* literals seen in the data, per kind */
    char *hosts[64], *queries[256], *users[64], *ips[256];
    size_t nh, nq, nu, ni;
};

static void keep(char **arr, size_t *n, size_t cap, const struct wd_jv *v)
{
    if (!v || v->type != WD_JV_STR || v->u.s.len == 0 || v->u.s.len > 60 || *n >= cap)
        return;
    for (size_t i = 0; i < *n; i++)
        if (strlen(arr[i]) == v->u.s.len && !memcmp(arr[i], v->u.s.p, v->u.s.len))
            return;
    for (size_t i = 0; i < v->u.s.len; i++)
        if (v->u.s.p[i] == '"' || v->u.s.p[i] == '\\')
            return;
    arr[(*n)++] = wd_xstrndup(v->u.s.p, v->u.s.len);
}

static void generate(struct corpus *c, size_t n, enum wd_gen_kind kind)
{
    struct wd_gen_opts o = {.kind = kind};
    wd_gen_opts_init(&o);
    o.fmt = WD_GEN_FMT_MOZDEF;
    o.count = n;
    o.seed = 1;
    o.rate_eps = 2000;
    struct wd_gen *g = wd_gen_new(&o);
    struct wd_buf b;
    wd_buf_init(&b, 0);
    c->ev = wd_xcalloc(n, sizeof(char *));
    c->len = wd_xcalloc(n, sizeof(size_t));
    struct wd_arena a;
    wd_arena_init(&a, 64 << 10, 64u << 20);
    while (c->n < n) {
        b.len = 0;
        if (!wd_gen_next(g, &b))
            break;
        for (size_t off = 0; off < b.len && c->n < n;) {
            char *nl = memchr(b.p + off, '\n', b.len - off);
            size_t end = nl ? (size_t)(nl - b.p) : b.len;
            if (end > off) {
                c->ev[c->n] = wd_xstrndup(b.p + off, end - off);
                c->len[c->n] = end - off;
                struct wd_jv *v;
                wd_arena_reset(&a);
                if (c->n % 97 == 0 && wd_json_parse(c->ev[c->n], c->len[c->n], c->len[c->n], 0, &a,
                                                    &v, NULL) == WD_OK) {
                    keep(c->hosts, &c->nh, 64, wd_jv_get(v, "hostname"));
                    keep(c->queries, &c->nq, 256, wd_jv_path(v, "details.query"));
                    keep(c->users, &c->nu, 64, wd_jv_path(v, "details.username"));
                    const struct wd_jv *ip = wd_jv_path(v, "details.sourceipaddress");
                    if (ip && ip->type == WD_JV_STR &&
                        strspn(ip->u.s.p, "0123456789.") == ip->u.s.len)
                        keep(c->ips, &c->ni, 256, ip);
                }
                c->n++;
            }
            off = end + 1;
        }
    }
    wd_arena_fini(&a);
    wd_buf_fini(&b);
    wd_gen_free(g);
}

static const char *pick(char *const *arr, size_t n, const char *dflt)
{
    return n ? arr[rnd((uint32_t)n)] : dflt;
}

/*
 * k synthetic rules as one YAML stream, in the proportions of a production rule set:
 * most rules look for something specific that is rare (here: values that do not occur),
 * some watch real values (hosts, addresses, users, DNS names from the data), thresholds
 * aggregate per address or host, and 5% are ranges the prefilter cannot exclude.
 */
static char *rules_yaml(const struct corpus *c, int k)
{
    struct wd_buf b;
    wd_buf_init(&b, 0);
    if (k == 0) /* with no rule at all the engine skips decoding: one that never matches
                 * measures the decode + flatten + prefilter floor */
        wd_buf_printf(&b, "---\nname: Floor\nquery: 'nosuchfield:nosuchvalue'\nsummary: s\n");
    for (int i = 0; i < k; i++) {
        wd_buf_printf(&b, "---\nname: R%d\nwindow: 10m\n", i);
        switch (i % 20) {
        case 0:
        case 1:
        case 2:
        case 3: /* IOC lookups: rare domains */
            wd_buf_printf(&b,
                          "query: 'source:dns AND details.query:\"ioc%d.badsite.example\"'\n"
                          "summary: '{hostname}'\n",
                          i);
            break;
        case 4: /* a real domain, per event */
            wd_buf_printf(&b,
                          "query: 'source:dns AND details.query:\"%s\"'\nsummary: '{hostname}'\n",
                          pick(c->queries, c->nq, "example.com"));
            break;
        case 5:
        case 6: /* brute force per source on one host */
            wd_buf_printf(&b,
                          "query: 'details.program:sshd AND summary:\"failed password\" AND "
                          "hostname:\"%s\"'\nthreshold: {group_by: details.sourceipaddress, "
                          "count: %d}\nsummary: '{count} by {value}'\n",
                          pick(c->hosts, c->nh, "h"), 20 + i % 50);
            break;
        case 7:
        case 8: /* watched addresses */
            wd_buf_printf(&b,
                          "query: 'details.sourceipaddress:\"203.0.%d.%d\"'\nsummary: '{value}'\n",
                          i / 250 % 250, i % 250);
            break;
        case 9: /* a real address, counted */
            wd_buf_printf(&b,
                          "query: 'details.sourceipaddress:\"%s\"'\nthreshold: {group_by: "
                          "hostname, count: 100}\nsummary: '{value}'\n",
                          pick(c->ips, c->ni, "10.0.0.1"));
            break;
        case 10:
        case 11: /* password spraying: distinct sources per user */
            wd_buf_printf(&b,
                          "query: 'details.username:\"%s\" AND NOT category:authentication'\n"
                          "threshold: {group_by: hostname, distinct: details.sourceipaddress, "
                          "count: 30}\nsummary: '{dc details.sourceipaddress} ips'\n",
                          pick(c->users, c->nu, "root"));
            break;
        case 12:
        case 13: /* cloud API calls */
            wd_buf_printf(&b,
                          "query: 'source:cloudtrail AND details.eventname:Delete%dBucket'\n"
                          "summary: '{details.eventname}'\n",
                          i);
            break;
        case 14: /* phrase or host */
            wd_buf_printf(&b,
                          "query: 'summary:\"segfault at %d\" OR hostname:\"db-%d\"'\n"
                          "summary: s\n",
                          i, i);
            break;
        case 15:
        case 16:
            wd_buf_printf(&b,
                          "query: 'category:ldapChange AND details.changetype:add%d'\n"
                          "summary: s\n",
                          i);
            break;
        case 17: /* wildcard on a keyword */
            wd_buf_printf(&b, "query: 'details.useragent:*scanner%d*'\nsummary: s\n", i);
            break;
        case 18: /* bare term */
            wd_buf_printf(&b, "query: 'mimikatz%d'\nsummary: s\n", i);
            break;
        default: /* range only: always a candidate */
            wd_buf_printf(&b,
                          "query: 'details.duration:>%d AND details.proto:tcp'\nsummary: s\n"
                          "threshold: {group_by: details.sourceipaddress, count: 100000}\n",
                          1000 + i);
            break;
        }
    }
    wd_buf_putc(&b, '\0');
    return wd_buf_detach(&b, NULL);
}

static uint64_t nalerts;
static void count_alert(void *arg, const struct wd_rule *r, const char *json, size_t len)
{
    (void)arg;
    (void)r;
    (void)json;
    (void)len;
    nalerts++;
}

static const char *rules_dir; /* BENCH_RULES */

static int load(struct wd_ruleset *set, const char *yaml)
{
    memset(set, 0, sizeof(*set));
    if (rules_dir)
        wd_ruleset_load(set, rules_dir, stderr);
    else
        wd_ruleset_load_text(set, "bench.yaml", yaml, strlen(yaml), stderr);
    return set->errors ? -1 : 0;
}

/* The engine: returns events/s; candidates per event in *cand. */
static double run_engine(const struct corpus *c, const char *yaml, double *cand, uint64_t *alerts)
{
    struct wd_engine_opts o = {.lateness_us = INT64_C(1) << 50, .emit = count_alert};
    struct wd_engine *e = wd_engine_new(&o);
    struct wd_ruleset set;
    char err[200];
    if (load(&set, yaml) || wd_engine_load(e, &set, err, sizeof(err))) {
        fprintf(stderr, "rules failed to load\n");
        exit(1);
    }
    wd_ruleset_free(&set);
    nalerts = 0;
    int64_t now = wd_now_us();
    double t0 = cpu_s();
    for (size_t i = 0; i < c->n; i++) {
        wd_engine_event(e, c->ev[i], c->len[i], i + 1, now);
        if ((i & 4095) == 4095)
            wd_engine_tick(e, now);
    }
    wd_engine_tick(e, now);
    double dt = cpu_s() - t0;
    struct wd_engine_stats st;
    wd_engine_stats(e, &st);
    *cand = (double)st.candidates / (double)c->n;
    if (getenv("BENCH_DEBUG")) {
        fprintf(stderr, "always=%u patterns=%u\n", st.always, st.patterns);
        const struct wd_rule *r;
        struct wd_rule_stats rs;
        for (uint32_t i = 0; wd_engine_rule(e, i, &r, &rs); i++)
            fprintf(stderr, "%s matches=%llu %s\n", r->name, (unsigned long long)rs.matches,
                    r->query_text);
    }
    *alerts = nalerts;
    wd_engine_free(e);
    return (double)c->n / dt;
}

/* The peer: decode + flatten the same way, then every predicate on every event. */
static double run_brute(const struct corpus *c, const char *yaml, uint64_t *matches)
{
    struct wd_ruleset set;
    if (load(&set, yaml)) {
        fprintf(stderr, "rules failed to load\n");
        exit(1);
    }
    struct wd_arena a;
    wd_arena_init(&a, 64 << 10, 64u << 20);
    struct wd_qflat f;
    wd_qflat_init(&f);
    *matches = 0;
    double t0 = cpu_s();
    for (size_t i = 0; i < c->n; i++) {
        struct wd_jv *v;
        wd_arena_reset(&a);
        if (wd_json_parse(c->ev[i], c->len[i], c->len[i], 0, &a, &v, NULL) != WD_OK ||
            wd_qflat_build(&f, v) != WD_OK)
            continue;
        for (uint32_t r = 0; r < set.n; r++)
            *matches += wd_qnode_match_flat(set.rules[r]->query->root, &f);
    }
    double dt = cpu_s() - t0;
    wd_qflat_fini(&f);
    wd_arena_fini(&a);
    wd_ruleset_free(&set);
    return (double)c->n / dt;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 500000;
    struct corpus c = {0};
    rules_dir = getenv("BENCH_RULES");
    generate(&c, n, rules_dir ? WD_GEN_ZEEK_MIX : WD_GEN_MIX);
    if (rules_dir) {
        double cand;
        uint64_t alerts;
        double w = run_engine(&c, NULL, &cand, &alerts);
        printf("engine: rules=%s events=%zu ward_events_per_s=%.0f candidates_per_event=%.4f "
               "alerts=%llu\n",
               rules_dir, c.n, w, cand, (unsigned long long)alerts);
        for (size_t i = 0; i < c.n; i++)
            free(c.ev[i]);
        free(c.ev);
        free(c.len);
        return 0;
    }
    size_t bytes = 0;
    for (size_t i = 0; i < c.n; i++)
        bytes += c.len[i];
    printf("engine: %zu generator events (mix, MozDef form, %.0f bytes avg), one core\n", c.n,
           (double)bytes / (double)c.n);
    static const int ks[] = {0, 100, 1000};
    for (size_t i = 0; i < WD_ARRAY_LEN(ks); i++) {
        char *yaml = rules_yaml(&c, ks[i]);
        double cand;
        uint64_t alerts, matches = 0;
        double w = run_engine(&c, yaml, &cand, &alerts);
        printf("engine: rules=%d%s ward_events_per_s=%.0f candidates_per_event=%.2f alerts=%llu",
               ks[i], ks[i] ? "" : " (one rule that never matches: the decode floor)", w, cand,
               (unsigned long long)alerts);
        if (ks[i] && !getenv("BENCH_NO_PEER")) {
            double b = run_brute(&c, yaml, &matches);
            printf(" brute_force_events_per_s=%.0f matches=%llu ratio=%.2fx", b,
                   (unsigned long long)matches, w / b);
        }
        printf("\n");
        free(yaml);
    }
    for (size_t i = 0; i < c.n; i++)
        free(c.ev[i]);
    free(c.ev);
    free(c.len);
    return 0;
}
