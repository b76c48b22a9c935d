/*
 * rule_sigma.c: Sigma documents as ward rules (rule_load.c dispatches here). A Sigma rule
 * becomes a match rule with query "*" and the compiled predicate (sigma.h); a Sigma
 * correlation becomes a threshold rule (event_count, value_count = distinct count) or a
 * sequence rule (temporal_ordered; temporal as an unordered sequence) over the referenced
 * rules' predicates, grouped by the group-by fields within the timespan; a Sigma
 * meta-filter appends `and not filter` to
 * the rules it names. Base rules must be loaded before the correlation or filter naming
 * them (same file earlier, or an earlier file in path order).
 */
#include "rule_sigma.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "rule.h"
#include "sigma.h"
#include "tmpl.h"
#include "ytree.h"

static const char *severity_of(const char *level)
{
    static const char *const tab[][2] = {{"informational", "INFO"},
                                         {"low", "NOTICE"},
                                         {"medium", "WARNING"},
                                         {"high", "ERROR"},
                                         {"critical", "CRITICAL"}};
    for (size_t i = 0; level && i < WD_ARRAY_LEN(tab); i++)
        if (strcmp(level, tab[i][0]) == 0)
            return tab[i][1];
    return "WARNING";
}

/* The fields every Sigma-derived rule shares. */
static int base_rule(struct wd_rule *r, const struct wd_sigma_info *in, const char *kind)
{
    const char *title = in->title ? in->title : (in->name ? in->name : "untitled Sigma rule");
    r->name = wd_xstrdup(title);
    r->description = wd_xstrdup(in->description ? in->description : title);
    r->origin = wd_xstrdup("sigma");
    r->severity = wd_xstrdup(severity_of(in->level));
    r->category = wd_xstrdup(kind);
    r->sigma_id = in->id ? wd_xstrdup(in->id) : NULL;
    r->sigma_name = in->name ? wd_xstrdup(in->name) : NULL;
    r->sigma_status = wd_xstrdup(in->status ? in->status : "");
    r->samples = 10;
    r->notify = -1;
    r->enabled = true;
    r->threshold_calc = -1;
    r->window_us = 15ll * 60 * 1000000;
    r->tags = wd_xcalloc(in->ntags + 1, sizeof(*r->tags));
    r->tags[r->ntags++] = wd_xstrdup("sigma");
    for (uint32_t i = 0; i < in->ntags; i++)
        r->tags[r->ntags++] = wd_xstrdup(in->tags[i]);
    r->query_text = wd_xstrdup("*");
    struct wd_perr pe;
    if (wd_query_parse("*", 1, &r->query, &pe) != WD_OK)
        return WD_ENOMEM;
    /* the summary is the title taken literally (template braces dropped) */
    struct wd_buf b;
    wd_buf_init(&b, 0);
    wd_buf_printf(&b, "Sigma %s: ", in->level ? in->level : "rule");
    for (const char *c = title; *c; c++)
        if (*c != '{' && *c != '}' && (unsigned char)*c >= 0x20)
            wd_buf_putc(&b, *c);
    wd_buf_putc(&b, '\0');
    r->summary_text = wd_xstrdup(b.p);
    wd_buf_fini(&b);
    return wd_tmpl_compile(r->summary_text, strlen(r->summary_text), &r->summary, &pe) == WD_OK
               ? WD_OK
               : WD_ENOMEM;
}

static struct wd_rule *find_ref(struct wd_ruleset *set, const char *ref)
{
    for (uint32_t i = 0; i < set->n; i++) {
        struct wd_rule *r = set->rules[i];
        if ((r->sigma_id && strcmp(r->sigma_id, ref) == 0) ||
            (r->sigma_name && strcmp(r->sigma_name, ref) == 0))
            return r;
    }
    return NULL;
}

static int load_rule(const struct wd_ynode *doc, struct wd_rule *r, struct wd_yerr *err)
{
    struct wd_sigma_info in;
    int rc = wd_sigma_compile(doc, &r->sigma, &in, err);
    if (rc)
        return rc;
    rc = base_rule(r, &in, "sigma");
    wd_sigma_info_fini(&in);
    return rc;
}

static int load_filter(struct wd_ruleset *set, const struct wd_ynode *doc, struct wd_yerr *err)
{
    const struct wd_ynode *f = wd_ynode_get(doc, "filter");
    const struct wd_ynode *refs = f ? wd_ynode_get(f, "rules") : NULL;
    if (!refs || refs->kind != WD_Y_SEQ)
        return wd_yerr_at(err, f ? f : doc, "sigma filter: 'rules' must list rule ids or names");
    struct wd_sigma *p = NULL;
    struct wd_sigma_info in;
    int rc = wd_sigma_compile_filter(doc, &p, &in, err);
    if (rc)
        return rc;
    wd_sigma_info_fini(&in);
    for (uint32_t i = 0; i < refs->n && !rc; i++) {
        struct wd_rule *r =
            refs->items[i]->kind == WD_Y_SCALAR ? find_ref(set, refs->items[i]->s.p) : NULL;
        if (!r || !r->sigma)
            rc = wd_yerr_at(err, refs->items[i],
                            "sigma filter: no loaded Sigma rule with this id or name");
        else
            wd_sigma_add_filter(r->sigma, p);
    }
    wd_sigma_unref(p);
    return rc;
}

/* condition: {gte: N} (or gt) -> the count to reach; other forms are unsupported. */
static int corr_threshold(const struct wd_ynode *c, uint64_t *out, struct wd_yerr *err)
{
    if (!c || c->kind != WD_Y_MAP || (c->n != 1 && !wd_ynode_get(c, "field")))
        return wd_yerr_at(err, c, "sigma correlation: 'condition' must be a map like {gte: 10}");
    for (uint32_t i = 0; i < c->n; i++) {
        const struct wd_ynode *k = c->items[2 * (size_t)i], *v = c->items[2 * (size_t)i + 1];
        if (strcmp(k->s.p, "field") == 0)
            continue;
        char *end;
        unsigned long long n = v->kind == WD_Y_SCALAR ? strtoull(v->s.p, &end, 10) : 0;
        if (v->kind != WD_Y_SCALAR || *end || !v->s.p[0])
            return wd_yerr_at(err, v, "sigma correlation: the condition takes a number");
        if (strcmp(k->s.p, "gte") == 0)
            *out = n ? n : 1;
        else if (strcmp(k->s.p, "gt") == 0)
            *out = n + 1;
        else if (strcmp(k->s.p, "eq") == 0 && n == 1)
            *out = 1;
        else
            return wd_yerr_at(err, k,
                              "unsupported: correlation condition '%s' (ward alerts when a count "
                              "reaches a bound: gt, gte)",
                              k->s.p);
    }
    return WD_OK;
}

/* aliases: {alias: {rule id or name: field}}: a group-by name that is an alias takes, for
 * an event of base rule j, that rule's field (every base rule must be listed). */
static int load_aliases(struct wd_rule *r, const struct wd_ynode *al, const struct wd_ynode *refs,
                        struct wd_yerr *err, struct wd_sigma **base)
{
    uint32_t nb = refs->n;
    r->group_alias = wd_xcalloc(r->ngroup_by ? r->ngroup_by : 1, sizeof(*r->group_alias));
    for (uint32_t i = 0; i < r->ngroup_by; i++)
        r->group_alias[i] = wd_xcalloc(nb, sizeof(**r->group_alias));
    r->alias_pred = wd_xcalloc(nb, sizeof(*r->alias_pred));
    r->nalias = nb;
    for (uint32_t j = 0; j < nb; j++) {
        wd_sigma_ref(base[j]);
        r->alias_pred[j] = base[j];
    }
    for (uint32_t a = 0; a < al->n; a++) {
        const struct wd_ynode *name = al->items[2 * (size_t)a], *m = al->items[2 * (size_t)a + 1];
        if (name->kind != WD_Y_SCALAR || m->kind != WD_Y_MAP)
            return wd_yerr_at(err, name, "sigma correlation: an alias maps rules to fields");
        char buf[256];
        const char *apath = wd_sigma_map_field(NULL, NULL, NULL, name->s.p, buf, sizeof(buf));
        uint32_t gi = 0;
        while (gi < r->ngroup_by && strcmp(r->group_by[gi], apath) != 0)
            gi++;
        if (gi == r->ngroup_by)
            continue; /* an alias group-by does not use */
        for (uint32_t j = 0; j < nb; j++) {
            const struct wd_ynode *f = wd_ynode_get(m, refs->items[j]->s.p);
            if (!f || f->kind != WD_Y_SCALAR)
                return wd_yerr_at(err, m, "sigma correlation: alias '%s' has no field for '%s'",
                                  name->s.p, refs->items[j]->s.p);
            r->group_alias[gi][j] =
                wd_xstrdup(wd_sigma_map_field(NULL, NULL, NULL, f->s.p, buf, sizeof(buf)));
        }
    }
    return WD_OK;
}

static int load_corr(struct wd_ruleset *set, const struct wd_ynode *doc, struct wd_rule *r,
                     struct wd_yerr *err)
{
    const struct wd_ynode *c = wd_ynode_get(doc, "correlation");
    if (!c || c->kind != WD_Y_MAP)
        return wd_yerr_at(err, c ? c : doc, "sigma correlation: 'correlation' must be a map");
    const struct wd_ynode *type = wd_ynode_get(c, "type"), *refs = wd_ynode_get(c, "rules"),
                          *gb = wd_ynode_get(c, "group-by"), *ts = wd_ynode_get(c, "timespan"),
                          *cond = wd_ynode_get(c, "condition"), *al = wd_ynode_get(c, "aliases");
    if (!type || type->kind != WD_Y_SCALAR)
        return wd_yerr_at(err, c, "sigma correlation: 'type' is required");
    const char *t = type->s.p;
    bool count = strcmp(t, "event_count") == 0, distinct = strcmp(t, "value_count") == 0,
         ordered = strcmp(t, "temporal_ordered") == 0, temporal = strcmp(t, "temporal") == 0;
    if (temporal && refs && refs->kind == WD_Y_SEQ && refs->n > 32)
        return wd_yerr_at(err, refs, "unsupported: temporal correlation of more than 32 rules");
    if (!count && !distinct && !ordered && !temporal)
        return wd_yerr_at(err, type, "unsupported: correlation type '%s'", t);
    if (al && al->kind != WD_Y_MAP)
        return wd_yerr_at(err, al, "sigma correlation: 'aliases' maps an alias to rule fields");
    if (!refs || refs->kind != WD_Y_SEQ || !refs->n)
        return wd_yerr_at(err, refs ? refs : c, "sigma correlation: 'rules' must list rules");
    if (!ts || ts->kind != WD_Y_SCALAR)
        return wd_yerr_at(err, ts ? ts : c, "sigma correlation: 'timespan' is required");
    struct wd_sigma_info in = {0};
    const struct wd_ynode *g = wd_ynode_get(doc, "generate");
    bool generate = g && g->kind == WD_Y_SCALAR && strcmp(g->s.p, "true") == 0;
    in.title = wd_xstrdup(wd_ynode_get(doc, "title") ? wd_ynode_get(doc, "title")->s.p
                                                     : "Sigma correlation");
    const char *mk[] = {"id", "name", "level", "status", "description"};
    char **md[] = {&in.id, &in.name, &in.level, &in.status, &in.description};
    for (size_t i = 0; i < WD_ARRAY_LEN(mk); i++) {
        const struct wd_ynode *n = wd_ynode_get(doc, mk[i]);
        if (n && n->kind == WD_Y_SCALAR)
            *md[i] = wd_xstrdup(n->s.p);
    }
    int rc = base_rule(r, &in, "sigma-correlation");
    wd_sigma_info_fini(&in);
    if (rc)
        return rc;
    char tsb[64];
    (void)snprintf(tsb, sizeof(tsb), "%s", ts->s.p);
    if (wd_duration_parse(tsb, &r->window_us) != WD_OK || r->window_us <= 0)
        return wd_yerr_at(err, ts, "sigma correlation: timespan like 90s, 10m, 1h or 1d");
    struct wd_sigma **base = wd_xcalloc(refs->n, sizeof(*base));
    struct wd_rule *first = NULL;
    for (uint32_t i = 0; i < refs->n && !rc; i++) {
        struct wd_rule *b =
            refs->items[i]->kind == WD_Y_SCALAR ? find_ref(set, refs->items[i]->s.p) : NULL;
        if (!b || !b->sigma) {
            rc = wd_yerr_at(err, refs->items[i],
                            "sigma correlation: no loaded Sigma rule with this id or name");
            break;
        }
        if (!first)
            first = b;
        base[i] = b->sigma;
        if (!generate)
            b->enabled = false; /* the spec: base rules alert only with generate: true */
    }
    if (!rc && gb) {
        if (gb->kind != WD_Y_SEQ) {
            rc = wd_yerr_at(err, gb, "sigma correlation: 'group-by' is a list of fields");
        } else {
            r->group_by = wd_xcalloc(gb->n ? gb->n : 1, sizeof(*r->group_by));
            for (uint32_t i = 0; i < gb->n; i++) {
                char buf[256];
                const char *f = gb->items[i]->kind == WD_Y_SCALAR ? gb->items[i]->s.p : "";
                r->group_by[r->ngroup_by++] =
                    wd_xstrdup(wd_sigma_map_field(NULL, NULL, NULL, f, buf, sizeof(buf)));
            }
        }
    }
    if (!rc && al)
        rc = load_aliases(r, al, refs, err, base);
    if (!rc && (ordered || temporal)) {
        r->kind = WD_RULE_SEQUENCE;
        r->unordered = temporal; /* temporal: every rule once, in any order */
        r->steps = wd_xcalloc(refs->n, sizeof(*r->steps));
        for (uint32_t i = 0; i < refs->n && !rc; i++) {
            struct wd_rule_step *st = &r->steps[r->nsteps++];
            st->count = 1;
            st->query_text = wd_xstrdup("*");
            struct wd_perr pe;
            if (wd_query_parse("*", 1, &st->query, &pe) != WD_OK)
                rc = WD_ENOMEM;
            wd_sigma_ref(base[i]);
            st->sigma = base[i];
        }
        r->sigma = wd_sigma_or(base, refs->n);
    } else if (!rc) {
        r->kind = WD_RULE_THRESHOLD;
        rc = corr_threshold(cond, &r->threshold, err);
        if (!rc && distinct) {
            const struct wd_ynode *f = cond ? wd_ynode_get(cond, "field") : NULL;
            if (!f || f->kind != WD_Y_SCALAR) {
                rc = wd_yerr_at(err, cond ? cond : c, "value_count: condition needs 'field'");
            } else {
                char buf[256];
                r->distinct =
                    wd_xstrdup(wd_sigma_map_field(NULL, NULL, NULL, f->s.p, buf, sizeof(buf)));
            }
        }
        if (!rc)
            r->sigma = wd_sigma_or(base, refs->n);
    }
    free(base);
    return rc;
}

int wd_rule_sigma_load(struct wd_ruleset *set, const struct wd_ynode *doc, struct wd_rule *r,
                       bool *added, struct wd_yerr *err)
{
    *added = true;
    if (wd_sigma_is_correlation(doc))
        return load_corr(set, doc, r, err);
    if (wd_sigma_is_filter(doc)) {
        *added = false;
        return load_filter(set, doc, err);
    }
    return load_rule(doc, r, err);
}

bool wd_rule_is_sigma(const struct wd_ynode *doc)
{
    return wd_sigma_is_rule(doc) || wd_sigma_is_correlation(doc) || wd_sigma_is_filter(doc);
}
