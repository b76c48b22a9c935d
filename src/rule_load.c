/*
 * rule_load.c: reads detection rules from YAML files into struct wd_rule (rule.h),
 * validating every key and value and reporting problems as file:line:col: message.
 * The format is documented in docs/rules.md; unknown keys are errors so typos never
 * silently disable a rule.
 */
#include "rule.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "query.h"
#include "resp_validate.h"
#include "rule_sigma.h"
#include "sigma.h"
#include "sumstats.h"
#include "tmpl.h"
#include "ytree.h"

#define MAX_RULE_FILE (4u << 20)

struct ld {
    const char *file;
    FILE *errs;
    struct wd_yerr err;
    struct wd_rule *r;
};

const char *wd_rule_kind_name(uint8_t kind)
{
    static const char *const names[] = {"match",    "threshold", "absence",
                                        "sequence", "sumstats",  "lag"};
    return kind < WD_ARRAY_LEN(names) ? names[kind] : "?";
}

int wd_duration_parse(const char *s, int64_t *us)
{
    static const struct {
        const char *unit;
        int64_t us;
    } units[] = {
        {"ms", 1000},        {"s", 1000000},         {"sec", 1000000},
        {"second", 1000000}, {"seconds", 1000000},   {"m", 60000000},
        {"min", 60000000},   {"minute", 60000000},   {"minutes", 60000000},
        {"h", 3600000000},   {"hour", 3600000000},   {"hours", 3600000000},
        {"d", 86400000000},  {"day", 86400000000},   {"days", 86400000000},
        {"w", 604800000000}, {"week", 604800000000}, {"weeks", 604800000000},
    };
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || v < 0 || v > 1e7)
        return WD_EINVAL;
    while (*end == ' ')
        end++;
    if (!*end)
        return WD_EINVAL; /* a unit is required: "10" is ambiguous */
    for (size_t i = 0; i < WD_ARRAY_LEN(units); i++)
        if (strcmp(end, units[i].unit) == 0) {
            *us = (int64_t)(v * (double)units[i].us);
            return WD_OK;
        }
    return WD_EINVAL;
}

/* ---- value helpers: each reports at the node and returns WD_EINVAL ---- */

__attribute__((format(printf, 3, 4))) static int bad(struct ld *l, const struct wd_ynode *n,
                                                     const char *fmt, ...)
{
    char m[256];
    va_list ap;
    va_start(ap, fmt);
    /* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): va_start is just above */
    (void)vsnprintf(m, sizeof(m), fmt, ap);
    va_end(ap);
    return wd_yerr_at(&l->err, n, "%s", m);
}

static int get_str(struct ld *l, const struct wd_ynode *n, const char *key, char **out)
{
    if (!n || n->kind != WD_Y_SCALAR)
        return bad(l, n, "%s: expected a string", key);
    free(*out);
    *out = wd_xstrdup(n->s.p);
    return WD_OK;
}

static int get_bool(struct ld *l, const struct wd_ynode *n, const char *key, bool *out)
{
    if (n && n->kind == WD_Y_SCALAR && !n->quoted) {
        if (!strcmp(n->s.p, "true") || !strcmp(n->s.p, "yes")) {
            *out = true;
            return WD_OK;
        }
        if (!strcmp(n->s.p, "false") || !strcmp(n->s.p, "no")) {
            *out = false;
            return WD_OK;
        }
    }
    return bad(l, n, "%s: expected true or false", key);
}

static int get_uint(struct ld *l, const struct wd_ynode *n, const char *key, uint64_t max,
                    uint64_t *out)
{
    if (n && n->kind == WD_Y_SCALAR && n->s.len) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(n->s.p, &end, 10);
        if (!*end && !errno && v <= max && n->s.p[0] != '-') {
            *out = v;
            return WD_OK;
        }
    }
    return bad(l, n, "%s: expected a non-negative whole number", key);
}

static int get_u32(struct ld *l, const struct wd_ynode *n, const char *key, uint32_t *out)
{
    uint64_t v = 0;
    int rc = get_uint(l, n, key, 1000000, &v);
    if (rc == WD_OK)
        *out = (uint32_t)v;
    return rc;
}

static int get_dur(struct ld *l, const struct wd_ynode *n, const char *key, int64_t *out)
{
    if (n && n->kind == WD_Y_SCALAR && wd_duration_parse(n->s.p, out) == WD_OK)
        return WD_OK;
    return bad(l, n, "%s: expected a duration such as 30s, 15m, 2h or 1d", key);
}

/* A string or a list of strings. */
static int get_strs(struct ld *l, const struct wd_ynode *n, const char *key, char ***out,
                    uint32_t *count)
{
    for (uint32_t i = 0; i < *count; i++)
        free((*out)[i]);
    WD_FREE(*out);
    *count = 0;
    if (n && n->kind == WD_Y_SCALAR) {
        *out = wd_xmalloc(sizeof(char *));
        (*out)[0] = wd_xstrdup(n->s.p);
        *count = 1;
        return WD_OK;
    }
    if (!n || n->kind != WD_Y_SEQ)
        return bad(l, n, "%s: expected a string or a list of strings", key);
    *out = wd_xcalloc(n->n ? n->n : 1, sizeof(char *));
    for (uint32_t i = 0; i < n->n; i++) {
        if (n->items[i]->kind != WD_Y_SCALAR)
            return bad(l, n->items[i], "%s: expected a string", key);
        (*out)[(*count)++] = wd_xstrdup(n->items[i]->s.p);
    }
    return WD_OK;
}

/* Checks that every key of a mapping is one of `known` (NULL-terminated). */
static int check_keys(struct ld *l, const struct wd_ynode *map, const char *what,
                      const char *const *known)
{
    if (!map || map->kind != WD_Y_MAP)
        return bad(l, map, "%s: expected a mapping", what);
    for (uint32_t i = 0; i < map->n; i++) {
        const struct wd_ynode *k = map->items[2 * (size_t)i];
        bool ok = false;
        for (const char *const *p = known; *p && !ok; p++)
            ok = k->kind == WD_Y_SCALAR && strcmp(k->s.p, *p) == 0;
        if (!ok) {
            char m[160];
            snprintf(m, sizeof(m), "%s: unknown key '%.60s'", what,
                     k->kind == WD_Y_SCALAR ? k->s.p : "?");
            return wd_yerr_at(&l->err, k, "%s", m);
        }
    }
    return WD_OK;
}

/* Parses a query, reporting errors at the scalar's position plus the query column. */
static int parse_query(struct ld *l, const struct wd_ynode *n, const char *key,
                       struct wd_query **out)
{
    if (!n || n->kind != WD_Y_SCALAR)
        return bad(l, n, "%s: expected a query string", key);
    struct wd_perr pe = {0};
    if (wd_query_parse(n->s.p, n->s.len, out, &pe) == WD_OK)
        return WD_OK;
    int rc = wd_yerr_at(&l->err, n, "%s: column %zu: %s", key, pe.off + 1,
                        pe.msg ? pe.msg : "invalid query");
    /* point at the offending column when the query sits on the key's line */
    if (n->quoted || !strchr(n->s.p, '\n'))
        l->err.col += (uint32_t)pe.off + (n->quoted ? 1 : 0);
    return rc;
}

/* ---- sections ---- */

static int load_group_by(struct ld *l, const struct wd_ynode *sec, const char *key)
{
    const struct wd_ynode *g = wd_ynode_get(sec, key);
    if (!g)
        return WD_OK;
    return get_strs(l, g, key, &l->r->group_by, &l->r->ngroup_by);
}

static int load_threshold(struct ld *l, const struct wd_ynode *sec)
{
    static const char *const keys[] = {"count", "distinct", "group_by", NULL};
    struct wd_rule *r = l->r;
    int rc = check_keys(l, sec, "threshold", keys);
    if (rc)
        return rc;
    const struct wd_ynode *c = wd_ynode_get(sec, "count");
    if (!c)
        return bad(l, sec, "%s: 'count' is required", "threshold");
    if ((rc = get_uint(l, c, "threshold.count", UINT32_MAX, &r->threshold)))
        return rc;
    if (r->threshold == 0)
        return bad(l, c, "%s: must be at least 1", "threshold.count");
    const struct wd_ynode *d = wd_ynode_get(sec, "distinct");
    if (d && (rc = get_str(l, d, "threshold.distinct", &r->distinct)))
        return rc;
    return load_group_by(l, sec, "group_by");
}

static int load_absence(struct ld *l, const struct wd_ynode *sec)
{
    static const char *const keys[] = {"group_by", "groups", "seen_groups", NULL};
    struct wd_rule *r = l->r;
    int rc = check_keys(l, sec, "absence", keys);
    if (rc || (rc = load_group_by(l, sec, "group_by")))
        return rc;
    const struct wd_ynode *g = wd_ynode_get(sec, "groups");
    if (g && (rc = get_strs(l, g, "absence.groups", &r->groups, &r->ngroups)))
        return rc;
    const struct wd_ynode *s = wd_ynode_get(sec, "seen_groups");
    if (s && (rc = get_bool(l, s, "absence.seen_groups", &r->seen_groups)))
        return rc;
    if ((r->ngroups || r->seen_groups) && !r->ngroup_by)
        return bad(l, sec, "%s: groups need 'group_by'", "absence");
    return WD_OK;
}

static int load_sequence(struct ld *l, const struct wd_ynode *sec)
{
    static const char *const keys[] = {"by", "group_by", "steps", NULL};
    static const char *const step_keys[] = {"query", "count", NULL};
    struct wd_rule *r = l->r;
    int rc = check_keys(l, sec, "sequence", keys);
    if (rc || (rc = load_group_by(l, sec, "by")) || (rc = load_group_by(l, sec, "group_by")))
        return rc;
    const struct wd_ynode *st = wd_ynode_get(sec, "steps");
    if (!st || st->kind != WD_Y_SEQ || st->n < 2)
        return bad(l, st ? st : sec, "%s: expected a list of at least two steps", "sequence.steps");
    r->steps = wd_xcalloc(st->n, sizeof(*r->steps));
    for (uint32_t i = 0; i < st->n; i++) {
        const struct wd_ynode *s = st->items[i];
        struct wd_rule_step *step = &r->steps[r->nsteps++];
        step->count = 1;
        const struct wd_ynode *q = s->kind == WD_Y_SCALAR ? s : NULL;
        if (!q) {
            if ((rc = check_keys(l, s, "sequence step", step_keys)))
                return rc;
            q = wd_ynode_get(s, "query");
            const struct wd_ynode *c = wd_ynode_get(s, "count");
            if (c && (rc = get_u32(l, c, "step count", &step->count)))
                return rc;
            if (!step->count)
                return bad(l, c, "%s: must be at least 1", "step count");
        }
        if (!q)
            return bad(l, s, "%s: 'query' is required", "sequence step");
        struct wd_query *tmp = NULL;
        if ((rc = parse_query(l, q, "step query", &tmp)))
            return rc;
        wd_query_free(tmp);
        /* parsed again from text the rule owns: a query keeps views into its text */
        step->query_text = wd_xstrdup(q->s.p);
        struct wd_perr pe;
        if (wd_query_parse(step->query_text, strlen(step->query_text), &step->query, &pe))
            return bad(l, q, "%s: does not parse", "step query");
    }
    return WD_OK;
}

static int load_reducers(struct ld *l, const struct wd_ynode *n)
{
    struct wd_rule *r = l->r;
    if (!n || (n->kind != WD_Y_SEQ && n->kind != WD_Y_SCALAR))
        return bad(l, n, "%s: expected a list of reducers", "sumstats.reducers");
    uint32_t cnt = n->kind == WD_Y_SEQ ? n->n : 1;
    for (uint32_t i = 0; i < cnt; i++) {
        const struct wd_ynode *x = n->kind == WD_Y_SEQ ? n->items[i] : n;
        int c = x->kind == WD_Y_SCALAR ? wd_ss_parse_calc(x->s.p, x->s.len) : -1;
        if (c < 0)
            return bad(l, x,
                       "%s: unknown reducer (SUM, MIN, MAX, AVERAGE, VARIANCE, "
                       "STD_DEV, UNIQUE, HLL_UNIQUE, TOPK, SAMPLE, LAST)",
                       "sumstats.reducers");
        r->calcs |= 1u << c;
    }
    return WD_OK;
}

static int load_sumstats(struct ld *l, const struct wd_ynode *sec)
{
    static const char *const keys[] = {"key",       "observe",      "epoch",        "reducers",
                                       "threshold", "threshold_on", "epoch_result", "unique_max",
                                       "topk_size", "num_samples",  "num_last",     NULL};
    struct wd_rule *r = l->r;
    int rc = check_keys(l, sec, "sumstats", keys);
    if (rc || (rc = load_group_by(l, sec, "key")))
        return rc;
    const struct wd_ynode *n;
    if (!(n = wd_ynode_get(sec, "epoch")))
        return bad(l, sec, "%s: 'epoch' is required", "sumstats");
    if ((rc = get_dur(l, n, "sumstats.epoch", &r->epoch_us)))
        return rc;
    if (r->epoch_us < 1000000)
        return bad(l, n, "%s: must be at least 1s", "sumstats.epoch");
    if ((n = wd_ynode_get(sec, "observe")) && (rc = get_str(l, n, "sumstats.observe", &r->observe)))
        return rc;
    if (!(n = wd_ynode_get(sec, "reducers")))
        return bad(l, sec, "%s: 'reducers' is required", "sumstats");
    if ((rc = load_reducers(l, n)))
        return rc;
    r->threshold_calc = -1;
    r->topk_size = 500;
    if ((n = wd_ynode_get(sec, "threshold_on"))) {
        if (n->kind == WD_Y_SCALAR && strcmp(n->s.p, "num") == 0) {
            r->threshold_calc = -1;
        } else {
            int c = n->kind == WD_Y_SCALAR ? wd_ss_parse_calc(n->s.p, n->s.len) : -1;
            if (c < 0 || !(r->calcs & (1u << c)))
                return bad(l, n, "%s: expected num or one of the rule's reducers",
                           "sumstats.threshold_on");
            r->threshold_calc = c;
        }
    }
    if ((n = wd_ynode_get(sec, "threshold"))) {
        char *end;
        r->ss_threshold = n->kind == WD_Y_SCALAR ? strtod(n->s.p, &end) : 0;
        if (n->kind != WD_Y_SCALAR || *end || !(r->ss_threshold > 0))
            return bad(l, n, "%s: expected a positive number", "sumstats.threshold");
    }
    if ((n = wd_ynode_get(sec, "epoch_result")) &&
        (rc = get_bool(l, n, "sumstats.epoch_result", &r->epoch_result)))
        return rc;
    if (!r->ss_threshold && !r->epoch_result)
        return bad(l, sec, "%s: needs a 'threshold' or 'epoch_result: true'", "sumstats");
    static const char *const params[] = {"unique_max", "topk_size", "num_samples", "num_last"};
    uint32_t *dst[] = {&r->unique_max, &r->topk_size, &r->num_samples, &r->num_last};
    for (size_t i = 0; i < WD_ARRAY_LEN(params); i++)
        if ((n = wd_ynode_get(sec, params[i])) && (rc = get_u32(l, n, params[i], dst[i])))
            return rc;
    return WD_OK;
}

static int load_lag(struct ld *l, const struct wd_ynode *sec)
{
    static const char *const keys[] = {"group_by", "percentile", "above", "for",
                                       "bucket",   "from",       NULL};
    struct wd_rule *r = l->r;
    int rc = check_keys(l, sec, "lag", keys);
    if (rc || (rc = load_group_by(l, sec, "group_by")))
        return rc;
    const struct wd_ynode *n;
    r->lag_pct = 95;
    r->lag_bucket_us = 60 * 1000000ll;
    if ((n = wd_ynode_get(sec, "percentile"))) {
        char *end;
        r->lag_pct = n->kind == WD_Y_SCALAR ? strtod(n->s.p, &end) : -1;
        if (n->kind != WD_Y_SCALAR || *end || !(r->lag_pct > 0 && r->lag_pct <= 100))
            return bad(l, n, "%s: expected a number in (0, 100]", "lag.percentile");
    }
    if (!(n = wd_ynode_get(sec, "above")))
        return bad(l, sec, "%s: 'above' is required", "lag");
    if ((rc = get_dur(l, n, "lag.above", &r->lag_above_us)))
        return rc;
    if ((n = wd_ynode_get(sec, "bucket")) && (rc = get_dur(l, n, "lag.bucket", &r->lag_bucket_us)))
        return rc;
    if (r->lag_bucket_us < 1000000)
        return bad(l, n, "%s: must be at least 1s", "lag.bucket");
    r->lag_for_us = r->lag_bucket_us;
    if ((n = wd_ynode_get(sec, "for")) && (rc = get_dur(l, n, "lag.for", &r->lag_for_us)))
        return rc;
    if (r->lag_for_us < r->lag_bucket_us || r->lag_for_us / r->lag_bucket_us > 60)
        return bad(l, n, "%s: must be 1 to 60 buckets", "lag.for");
    if ((n = wd_ynode_get(sec, "from")) && (rc = get_str(l, n, "lag.from", &r->lag_from)))
        return rc;
    return WD_OK;
}

/* "HH:MM:SS" (or HH:MM) -> seconds of the day; -1 when malformed. */
static int32_t day_seconds(const char *s)
{
    unsigned h = 0, m = 0, sec = 0;
    int n = 0;
    if ((sscanf(s, "%2u:%2u:%2u%n", &h, &m, &sec, &n) != 3 &&
         (sec = 0, sscanf(s, "%2u:%2u%n", &h, &m, &n) != 2)) ||
        s[n] || h > 23 || m > 59 || sec > 59)
        return -1;
    return (int32_t)(h * 3600 + m * 60 + sec);
}

static int load_periods(struct ld *l, const struct wd_ynode *n)
{
    static const char *const keys[] = {"start", "end", NULL};
    struct wd_rule *r = l->r;
    if (n->kind != WD_Y_SEQ)
        return bad(l, n, "%s: expected a list of {start, end}", "expected_periods");
    r->periods = wd_xcalloc(n->n ? n->n : 1, sizeof(*r->periods));
    for (uint32_t i = 0; i < n->n; i++) {
        const struct wd_ynode *m = n->items[i];
        int rc = check_keys(l, m, "expected_periods", keys);
        if (rc)
            return rc;
        const struct wd_ynode *a = wd_ynode_get(m, "start"), *b = wd_ynode_get(m, "end");
        int32_t lo = a && a->kind == WD_Y_SCALAR ? day_seconds(a->s.p) : -1;
        int32_t hi = b && b->kind == WD_Y_SCALAR ? day_seconds(b->s.p) : -1;
        if (lo < 0 || hi < 0 || hi < lo)
            return bad(l, lo < 0 ? (a ? a : m) : (b ? b : m),
                       "%s: expected start <= end as HH:MM:SS (UTC)", "expected_periods");
        r->periods[r->nperiods][0] = lo;
        r->periods[r->nperiods][1] = hi;
        r->nperiods++;
    }
    return WD_OK;
}

static int load_sevmaps(struct ld *l, const struct wd_ynode *n)
{
    static const char *const keys[] = {"values", "severity", NULL};
    struct wd_rule *r = l->r;
    if (!n || n->kind != WD_Y_SEQ)
        return bad(l, n, "%s: expected a list", "severity_by_value");
    r->sevmaps = wd_xcalloc(n->n ? n->n : 1, sizeof(*r->sevmaps));
    for (uint32_t i = 0; i < n->n; i++) {
        const struct wd_ynode *m = n->items[i];
        struct wd_rule_sevmap *s = &r->sevmaps[r->nsevmaps++];
        int rc = check_keys(l, m, "severity_by_value", keys);
        if (rc ||
            (rc = get_strs(l, wd_ynode_get(m, "values"), "values", &s->values, &s->nvalues)) ||
            (rc = get_str(l, wd_ynode_get(m, "severity"), "severity", &s->severity)))
            return rc;
    }
    return WD_OK;
}

static int load_actions(struct ld *l, const struct wd_ynode *n)
{
    static const char *const keys[] = {"webhook", "format", "block", "field", NULL};
    struct wd_rule *r = l->r;
    if (!n || n->kind != WD_Y_SEQ)
        return bad(l, n, "%s: expected a list", "actions");
    r->actions = wd_xcalloc(n->n ? n->n : 1, sizeof(*r->actions));
    for (uint32_t i = 0; i < n->n; i++) {
        const struct wd_ynode *m = n->items[i];
        struct wd_rule_action *a = &r->actions[r->nactions++];
        int rc = check_keys(l, m, "action", keys);
        if (rc)
            return rc;
        const struct wd_ynode *blk = wd_ynode_get(m, "block");
        if (blk) { /* block: DURATION [field: PATH] (docs/response.md) */
            struct wd_perr pe;
            if (wd_ynode_get(m, "webhook") || wd_ynode_get(m, "format"))
                return bad(l, m, "%s: an action is either a webhook or a block", "action");
            if (blk->kind != WD_Y_SCALAR ||
                wd_resp_duration_parse(blk->s.p, strlen(blk->s.p), &a->block_s, &pe) != WD_OK)
                return bad(l, blk, "block: %s (1h to 30d, e.g. 1h, 12h, 1d, 1w)",
                           blk->kind == WD_Y_SCALAR ? pe.msg : "expected a duration");
            const struct wd_ynode *f = wd_ynode_get(m, "field");
            if (f && (rc = get_str(l, f, "field", &a->field)))
                return rc;
            continue;
        }
        if (wd_ynode_get(m, "field"))
            return bad(l, wd_ynode_get(m, "field"), "%s: only block actions take a field", "field");
        if ((rc = get_str(l, wd_ynode_get(m, "webhook"), "webhook", &a->webhook)))
            return rc;
        if (strncmp(a->webhook, "http://", 7) != 0 && strncmp(a->webhook, "https://", 8) != 0)
            return bad(l, wd_ynode_get(m, "webhook"), "%s: expected an http:// or https:// URL",
                       "webhook");
        const struct wd_ynode *f = wd_ynode_get(m, "format");
        a->format = WD_RULE_ACT_JSON;
        if (f) {
            if (f->kind == WD_Y_SCALAR && strcmp(f->s.p, "slack") == 0)
                a->format = WD_RULE_ACT_SLACK;
            else if (f->kind != WD_Y_SCALAR || strcmp(f->s.p, "json") != 0)
                return bad(l, f, "%s: expected json or slack", "format");
        }
    }
    return WD_OK;
}

/* Builds the combined query text "(q) AND (f1) AND ..." and parses it. */
static int load_query(struct ld *l, const struct wd_ynode *doc)
{
    struct wd_rule *r = l->r;
    const struct wd_ynode *q = wd_ynode_get(doc, "query");
    const struct wd_ynode *f = wd_ynode_get(doc, "filters");
    struct wd_buf b;
    wd_buf_init(&b, 0);
    int rc = WD_OK;
    struct wd_query *tmp = NULL;
    if (q) {
        if ((rc = parse_query(l, q, "query", &tmp)))
            goto out;
        uint32_t np = tmp ? tmp->npipes : 0;
        wd_query_free(tmp);
        if (np) {
            rc = bad(l, q, "%s: pipes are not allowed in rules", "query");
            goto out;
        }
        rc = wd_buf_printf(&b, "(%s)", q->s.p);
    }
    if (f) {
        if (f->kind != WD_Y_SEQ) {
            rc = bad(l, f, "%s: expected a list of queries", "filters");
            goto out;
        }
        for (uint32_t i = 0; i < f->n && rc == WD_OK; i++) {
            tmp = NULL;
            if ((rc = parse_query(l, f->items[i], "filter", &tmp)))
                goto out;
            wd_query_free(tmp);
            rc = wd_buf_printf(&b, "%s(%s)", b.len ? " AND " : "", f->items[i]->s.p);
        }
    }
    if (rc)
        goto out;
    if (!b.len && r->kind != WD_RULE_SEQUENCE) {
        rc = bad(l, doc, "%s: 'query' is required", "rule");
        goto out;
    }
    if (!b.len)
        rc = wd_buf_printf(&b, "*");
    r->query_text = wd_xstrndup(b.p, b.len);
    struct wd_perr pe = {0};
    if (rc == WD_OK && wd_query_parse(r->query_text, b.len, &r->query, &pe) != WD_OK)
        rc = bad(l, q ? q : doc, "%s: the query with its filters does not parse", "query");
out:
    wd_buf_fini(&b);
    return rc;
}

static int load_doc(struct ld *l, const struct wd_ynode *doc)
{
    static const char *const keys[] = {"name",
                                       "description",
                                       "severity",
                                       "category",
                                       "tags",
                                       "query",
                                       "filters",
                                       "window",
                                       "samples",
                                       "suppress",
                                       "summary",
                                       "channel",
                                       "notify",
                                       "url",
                                       "enabled",
                                       "origin",
                                       "threshold",
                                       "absence",
                                       "sequence",
                                       "sumstats",
                                       "lag",
                                       "actions",
                                       "severity_by_value",
                                       "older_than",
                                       "expected_periods",
                                       NULL};
    static const char *const kinds[] = {"threshold", "absence", "sequence", "sumstats", "lag"};
    struct wd_rule *r = l->r;
    int rc = check_keys(l, doc, "rule", keys);
    if (rc)
        return rc;
    const struct wd_ynode *n;
    if (!(n = wd_ynode_get(doc, "name")))
        return bad(l, doc, "%s: 'name' is required", "rule");
    if ((rc = get_str(l, n, "name", &r->name)))
        return rc;
    if (!r->name[0] || strlen(r->name) > 200)
        return bad(l, n, "%s: must be 1 to 200 characters", "name");
    r->severity = wd_xstrdup("NOTICE");
    r->category = wd_xstrdup("");
    r->origin = wd_xstrdup("ward");
    r->samples = 10;
    r->notify = -1;
    r->enabled = true;
    r->threshold_calc = -1;
    r->window_us = 15ll * 60 * 1000000;
    static const char *const strs[] = {"description", "severity", "category", "url", "origin"};
    char **sdst[] = {&r->description, &r->severity, &r->category, &r->url, &r->origin};
    for (size_t i = 0; i < WD_ARRAY_LEN(strs); i++)
        if ((n = wd_ynode_get(doc, strs[i])) && (rc = get_str(l, n, strs[i], sdst[i])))
            return rc;
    if ((n = wd_ynode_get(doc, "channel")) && !wd_ynode_is_null(n) &&
        (rc = get_str(l, n, "channel", &r->channel)))
        return rc;
    if (r->channel && !r->channel[0])
        WD_FREE(r->channel); /* MozDef: an empty channel means null */
    if ((n = wd_ynode_get(doc, "tags")) && (rc = get_strs(l, n, "tags", &r->tags, &r->ntags)))
        return rc;
    if ((n = wd_ynode_get(doc, "window")) && (rc = get_dur(l, n, "window", &r->window_us)))
        return rc;
    if ((n = wd_ynode_get(doc, "suppress")) && (rc = get_dur(l, n, "suppress", &r->suppress_us)))
        return rc;
    if ((n = wd_ynode_get(doc, "older_than")) &&
        (rc = get_dur(l, n, "older_than", &r->older_than_us)))
        return rc;
    if ((n = wd_ynode_get(doc, "expected_periods")) && (rc = load_periods(l, n)))
        return rc;
    if ((n = wd_ynode_get(doc, "samples")) && (rc = get_u32(l, n, "samples", &r->samples)))
        return rc;
    if ((n = wd_ynode_get(doc, "enabled")) && (rc = get_bool(l, n, "enabled", &r->enabled)))
        return rc;
    if ((n = wd_ynode_get(doc, "notify")) && !wd_ynode_is_null(n)) {
        bool v;
        if ((rc = get_bool(l, n, "notify", &v)))
            return rc;
        r->notify = v;
    }
    if ((n = wd_ynode_get(doc, "severity_by_value")) && (rc = load_sevmaps(l, n)))
        return rc;
    if ((n = wd_ynode_get(doc, "actions")) && (rc = load_actions(l, n)))
        return rc;
    const struct wd_ynode *kind_node = NULL;
    r->kind = WD_RULE_MATCH;
    for (size_t i = 0; i < WD_ARRAY_LEN(kinds); i++) {
        if (!(n = wd_ynode_get(doc, kinds[i])))
            continue;
        if (kind_node)
            return bad(l, n,
                       "%s: a rule has at most one of threshold, absence, sequence, "
                       "sumstats and lag",
                       kinds[i]);
        kind_node = n;
        r->kind = (uint8_t)(WD_RULE_THRESHOLD + i);
    }
    switch (r->kind) {
    case WD_RULE_THRESHOLD:
        rc = load_threshold(l, kind_node);
        break;
    case WD_RULE_ABSENCE:
        rc = wd_ynode_is_null(kind_node) ? WD_OK : load_absence(l, kind_node);
        break;
    case WD_RULE_SEQUENCE:
        rc = load_sequence(l, kind_node);
        break;
    case WD_RULE_SUMSTATS:
        rc = load_sumstats(l, kind_node);
        break;
    case WD_RULE_LAG:
        rc = load_lag(l, kind_node);
        break;
    default:
        break;
    }
    if (rc || (rc = load_query(l, doc)))
        return rc;
    if (!(n = wd_ynode_get(doc, "summary")))
        return bad(l, doc, "%s: 'summary' is required", "rule");
    if (n->kind != WD_Y_SCALAR)
        return bad(l, n, "%s: expected a template string", "summary");
    struct wd_perr pe = {0};
    if (wd_tmpl_compile(n->s.p, n->s.len, &r->summary, &pe) != WD_OK) {
        rc = wd_yerr_at(&l->err, n, "summary: column %zu: %s", pe.off + 1, pe.msg);
        if (n->quoted || !strchr(n->s.p, '\n'))
            l->err.col += (uint32_t)pe.off + (n->quoted ? 1 : 0);
        return rc;
    }
    r->summary_text = wd_xstrdup(n->s.p);
    return WD_OK;
}

static int add(struct wd_ruleset *set, struct wd_rule *r)
{
    if (set->n == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 64;
        set->rules = wd_xrealloc(set->rules, set->cap * sizeof(struct wd_rule *));
    }
    set->rules[set->n++] = r;
    return WD_OK;
}

/* One line per problem: control characters of quoted input (a key spanning lines) are
 * shown as spaces. */
static void report(struct wd_ruleset *set, FILE *errs, const char *file, const struct wd_yerr *e)
{
    set->errors++;
    if (!errs)
        return;
    char msg[sizeof(e->msg)];
    size_t i = 0;
    for (; e->msg[i] && i + 1 < sizeof(msg); i++)
        msg[i] = (char)((unsigned char)e->msg[i] < 0x20 ? ' ' : e->msg[i]);
    msg[i] = '\0';
    fprintf(errs, "%s:%u:%u: %s\n", file, e->line ? e->line : 1, e->col ? e->col : 1, msg);
}

int wd_ruleset_load_text(struct wd_ruleset *set, const char *file, const char *text, size_t len,
                         FILE *errs)
{
    struct wd_arena a;
    wd_arena_init(&a, 64 << 10, 64u << 20);
    struct ld l = {.file = file, .errs = errs};
    struct wd_ynode **docs;
    size_t ndocs;
    int rc = wd_ytree_parse_all(text, len, &a, &docs, &ndocs, &l.err);
    if (rc == WD_ENOMEM) {
        wd_arena_fini(&a);
        return rc;
    }
    if (rc) {
        report(set, errs, file, &l.err);
        wd_arena_fini(&a);
        return WD_OK;
    }
    for (size_t i = 0; i < ndocs; i++) {
        l.r = wd_xcalloc(1, sizeof(*l.r));
        l.r->file = wd_xstrdup(file);
        l.r->line = docs[i]->line;
        l.r->col = docs[i]->col;
        memset(&l.err, 0, sizeof(l.err));
        /* Sigma documents (rules, correlations, meta-filters) go to rule_sigma.c; an
         * "unsupported: reason" error is counted apart for `ward rules check`. */
        bool sigma = wd_rule_is_sigma(docs[i]), added = true;
        if (sigma)
            set->sigma_docs++;
        if (sigma ? wd_rule_sigma_load(set, docs[i], l.r, &added, &l.err) != WD_OK
                  : load_doc(&l, docs[i]) != WD_OK) {
            if (sigma && strncmp(l.err.msg, "unsupported: ", 13) == 0)
                set->sigma_unsupported++;
            report(set, errs, file, &l.err);
            wd_rule_free(l.r);
            continue;
        }
        if (!added) {
            set->sigma_filters++;
            wd_rule_free(l.r);
            continue;
        }
        /* Sigma titles are not unique: a repeated one gets the document's id appended */
        for (uint32_t j = 0; sigma && l.r->sigma_id && j < set->n; j++)
            if (strcmp(set->rules[j]->name, l.r->name) == 0) {
                char *nm = wd_xcalloc(1, strlen(l.r->name) + strlen(l.r->sigma_id) + 4);
                snprintf(nm, strlen(l.r->name) + strlen(l.r->sigma_id) + 4, "%s [%s]", l.r->name,
                         l.r->sigma_id);
                free(l.r->name);
                l.r->name = nm;
                break;
            }
        for (uint32_t j = 0; j < set->n; j++)
            if (strcmp(set->rules[j]->name, l.r->name) == 0) {
                char m[300];
                snprintf(m, sizeof(m), "duplicate rule name '%.100s' (first in %.150s)", l.r->name,
                         set->rules[j]->file);
                wd_yerr_at(&l.err,
                           wd_ynode_get(docs[i], sigma ? "title" : "name")
                               ? wd_ynode_get(docs[i], sigma ? "title" : "name")
                               : docs[i],
                           "%s", m);
                report(set, errs, file, &l.err);
                WD_FREE(l.r->name);
                break;
            }
        if (!l.r->name) {
            wd_rule_free(l.r);
            continue;
        }
        /* The definition's identity: everything written in the document. */
        uint64_t h = wd_ynode_hash(docs[i], 1);
        l.r->hash = h;
        add(set, l.r);
    }
    wd_arena_fini(&a);
    return WD_OK;
}

static int load_file(struct wd_ruleset *set, const char *path, FILE *errs)
{
    char *text;
    size_t len;
    int rc = wd_read_file(path, MAX_RULE_FILE, &text, &len);
    if (rc) {
        struct wd_yerr e = {.line = 1, .col = 1};
        snprintf(e.msg, sizeof(e.msg), "cannot read: %s",
                 rc == WD_ELIMIT ? "file too large" : strerror(errno));
        report(set, errs, path, &e);
        return WD_OK;
    }
    set->files++;
    rc = wd_ruleset_load_text(set, path, text, len, errs);
    free(text);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_rule_file(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && ((n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
                              (n > 4 && strcmp(name + n - 4, ".yml") == 0));
}

static int load_dir(struct wd_ruleset *set, const char *dir, FILE *errs, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return WD_EIO;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            names = wd_xrealloc(names, cap * sizeof(*names));
        }
        names[n++] = wd_xstrdup(de->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), cmp_str);
    int rc = WD_OK;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        struct stat sb;
        if (rc == WD_OK && stat(path, &sb) == 0) {
            if (S_ISDIR(sb.st_mode) && depth < 8)
                rc = load_dir(set, path, errs, depth + 1);
            else if (S_ISREG(sb.st_mode) && is_rule_file(names[i]))
                rc = load_file(set, path, errs);
        }
        free(names[i]);
    }
    free(names);
    return rc == WD_EIO ? WD_OK : rc;
}

int wd_ruleset_load(struct wd_ruleset *set, const char *path, FILE *errs)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        struct wd_yerr e = {.line = 1, .col = 1};
        snprintf(e.msg, sizeof(e.msg), "cannot read: %s", strerror(errno));
        report(set, errs, path, &e);
        return WD_ENOENT;
    }
    if (S_ISDIR(sb.st_mode))
        return load_dir(set, path, errs, 0);
    return load_file(set, path, errs);
}

void wd_rule_free(struct wd_rule *r)
{
    if (!r)
        return;
    char **strs[] = {&r->name,     &r->description, &r->file,     &r->origin,   &r->query_text,
                     &r->distinct, &r->observe,     &r->severity, &r->category, &r->summary_text,
                     &r->channel,  &r->url,         &r->lag_from};
    for (size_t i = 0; i < WD_ARRAY_LEN(strs); i++)
        free(*strs[i]);
    for (uint32_t i = 0; i < r->ngroup_by; i++)
        free(r->group_by[i]);
    free(r->group_by);
    for (uint32_t i = 0; i < r->ngroups; i++)
        free(r->groups[i]);
    free(r->groups);
    for (uint32_t i = 0; i < r->ntags; i++)
        free(r->tags[i]);
    free(r->tags);
    for (uint32_t i = 0; r->group_alias && i < r->ngroup_by; i++) {
        for (uint32_t j = 0; j < r->nalias; j++)
            free(r->group_alias[i][j]);
        free(r->group_alias[i]);
    }
    free(r->group_alias);
    for (uint32_t j = 0; j < r->nalias; j++)
        wd_sigma_unref(r->alias_pred[j]);
    free(r->alias_pred);
    free(r->sigma_id);
    free(r->sigma_name);
    free(r->sigma_status);
    wd_sigma_unref(r->sigma);
    for (uint32_t i = 0; i < r->nsteps; i++) {
        wd_sigma_unref(r->steps[i].sigma);
        free(r->steps[i].query_text);
        wd_query_free(r->steps[i].query);
    }
    free(r->steps);
    for (uint32_t i = 0; i < r->nsevmaps; i++) {
        for (uint32_t j = 0; j < r->sevmaps[i].nvalues; j++)
            free(r->sevmaps[i].values[j]);
        free(r->sevmaps[i].values);
        free(r->sevmaps[i].severity);
    }
    free(r->sevmaps);
    free(r->periods);
    for (uint32_t i = 0; i < r->nactions; i++) {
        free(r->actions[i].webhook);
        free(r->actions[i].field);
    }
    free(r->actions);
    wd_query_free(r->query);
    wd_tmpl_free(r->summary);
    free(r);
}

void wd_ruleset_free(struct wd_ruleset *set)
{
    for (uint32_t i = 0; i < set->n; i++)
        wd_rule_free(set->rules[i]);
    free(set->rules);
    memset(set, 0, sizeof(*set));
}
