/*
 * engine_ss.c: SumStats rules (spec/zeek.md section 2) on top of the reducers of
 * sumstats.c. Each key of the rule's group_by has one result per epoch; epochs tumble by
 * event time. A key crosses its threshold at most once per epoch (later observations of
 * a crossed key are dropped unless epoch results are wanted, as Zeek's observe() does);
 * at the end of an epoch every key's result can become an alert, then all results reset.
 */
#include <string.h>

#include "engine_int.h"
#include "sumstats.h"

/* The observation: the `observe` field's value (number or string), else a count of 1. */
static bool observation(const struct wd_rule *r, const struct wd_jv *ev, struct wd_ss_obs *o)
{
    memset(o, 0, sizeof(*o));
    if (!r->observe) {
        o->type = WD_SS_OBS_NUM;
        o->num = 1;
        return true;
    }
    const struct wd_jv *v = wd_jv_path(ev, r->observe);
    if (!v)
        return false;
    switch (v->type) {
    case WD_JV_INT:
        if (v->u.i >= 0) {
            o->type = WD_SS_OBS_NUM;
            o->num = (uint64_t)v->u.i;
        } else {
            o->type = WD_SS_OBS_DBL;
            o->dbl = (double)v->u.i;
        }
        return true;
    case WD_JV_FLOAT:
        o->type = WD_SS_OBS_DBL;
        o->dbl = v->u.f;
        return true;
    case WD_JV_STR:
        o->type = WD_SS_OBS_STR;
        o->str = v->u.s;
        return true;
    case WD_JV_TRUE:
    case WD_JV_FALSE:
        o->type = WD_SS_OBS_STR;
        o->str = v->type == WD_JV_TRUE ? WD_STR("true") : WD_STR("false");
        return true;
    default:
        return false;
    }
}

static double threshold_value(const struct wd_rule *r, const struct wd_ss_result *res)
{
    return r->threshold_calc < 0 ? (double)wd_ss_num(res) : wd_ss_value(res, r->threshold_calc);
}

void wd_engine_ss_event(struct wd_engine *e, struct rstate *s, struct group *g,
                        const struct wd_jv *ev, const struct gev *x)
{
    const struct wd_rule *r = s->rule;
    struct wd_ss_obs o;
    if (!observation(r, ev, &o))
        return;
    if (g->crossed && !r->epoch_result)
        return; /* 2.2 step 3: nothing more to learn about this key this epoch */
    if (!g->ss) {
        struct wd_ss_params p = {.unique_max = r->unique_max,
                                 .topk_size = r->topk_size,
                                 .num_samples = r->num_samples,
                                 .num_last = r->num_last,
                                 .seed = g->hash};
        g->ss = wd_ss_result_new(r->calcs, &p);
        if (!g->ss) {
            s->st.errors++;
            return;
        }
    }
    int64_t ts = x->utc != INT64_MIN ? x->utc : x->recv != INT64_MIN ? x->recv : e->now_us;
    if (!e->o.batch && ts > e->now_us)
        ts = e->now_us;
    if (wd_ss_observe(g->ss, &o, ts) != WD_OK) {
        s->st.errors++;
        return;
    }
    if (g->n < r->samples)
        wd_group_push(e, g, x, r->samples);
    if (r->ss_threshold > 0 && !g->crossed && threshold_value(r, g->ss) >= r->ss_threshold) {
        g->crossed = true;
        wd_rstate_fire_later(s, g);
    }
}

static void alert_for(struct wd_engine *e, struct rstate *s, struct group *g)
{
    struct alert_in in = {.ev = g->ev,
                          .nev = g->n,
                          .nsamples = WD_MIN(g->n, s->rule->samples),
                          .value = {g->key, g->key_len},
                          .count = wd_ss_num(g->ss),
                          .ss = g->ss};
    if (g->suppress_until > e->now_us) {
        s->st.suppressed++;
        return;
    }
    if (s->rule->suppress_us)
        g->suppress_until = e->now_us + s->rule->suppress_us;
    wd_engine_alert(e, s, &in);
}

void wd_engine_ss_fire(struct wd_engine *e, struct rstate *s, struct group *g)
{
    if (g->ss)
        alert_for(e, s, g);
}

void wd_engine_ss_epoch_end(struct wd_engine *e, struct rstate *s)
{
    /* thresholds crossed but not yet fired go first */
    for (uint32_t i = 0; i < s->nfire; i++)
        wd_engine_ss_fire(e, s, s->fire[i]);
    s->nfire = 0;
    for (uint32_t b = 0; b < s->nbuckets; b++)
        for (struct group *g = s->buckets[b], *nx; g; g = nx) {
            nx = g->next;
            if (s->rule->epoch_result && g->ss && wd_ss_num(g->ss))
                alert_for(e, s, g);
            wd_group_free(g);
        }
    if (s->nbuckets)
        memset(s->buckets, 0, s->nbuckets * sizeof(struct group *));
    s->ngroups = 0;
}
