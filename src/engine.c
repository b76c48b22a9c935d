/*
 * engine.c: the detection engine's event path and decisions (engine.h). An event is
 * decoded and flattened once, the prefilter names the rules it can match, the full
 * predicate runs for those, and each matching rule updates its state: a pending alert
 * (match), a group of retained events (threshold), a last-seen clock (absence), a
 * sequence's progress, or SumStats reducers. wd_engine_tick() takes the decisions.
 */
#include "engine_int.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sumstats.h"
#include "wd_time.h"

#define DEFAULT_GROUP_EVENTS 1000
#define DEFAULT_GROUPS       100000
#define BATCH_HITS           1000 /* MozDef's search size */
#define DEFAULT_BYTES        (1ull << 30)

/* ---- groups ---- */

static uint64_t key_hash(const char *p, size_t n)
{
    return wd_hash64(p, n, 0x5bd1e995);
}

/* Frees an event's copies; g (NULL for pending per-event alerts) accounts its bytes. */
static void gev_fini(struct group *g, struct gev *x)
{
    if (g && x->json)
        *g->bytes -= x->len;
    free(x->json);
    free(x->dval);
}

void wd_group_clear(struct group *g)
{
    for (uint32_t i = 0; i < g->n; i++)
        gev_fini(g, &g->ev[i]);
    g->n = 0;
    g->ev -= g->off;
    g->off = 0;
}

void wd_group_free(struct group *g)
{
    wd_group_clear(g);
    free(g->ev - g->off);
    free(g->key);
    if (g->ss)
        wd_ss_result_free(g->ss);
    wd_lagstate_free(g->lag);
    free(g);
}

/* Drops the k oldest events' slots (already finalised): the array start moves. */
static void group_drop(struct group *g, uint32_t k)
{
    g->ev += k;
    g->off += k;
    g->n -= k;
}

/* Room for one more event at the end: grows the allocation up to twice the bound, or moves
 * the live events to its start when at least half of it are dropped slots (so each event
 * is moved O(1) times, amortised; a full group's push used to move every event). */
static void group_room(struct group *g, uint32_t bound)
{
    if (g->off + g->n < g->cap)
        return;
    struct gev *base = g->ev - g->off;
    if (g->off && g->off >= g->cap / 2) {
        memmove(base, g->ev, g->n * sizeof(*g->ev));
        g->ev = base;
        g->off = 0;
        return;
    }
    g->cap = g->cap ? WD_MIN(g->cap * 2, 2 * bound) : WD_MIN(8u, 2 * bound);
    base = wd_xrealloc(base, g->cap * sizeof(*g->ev));
    g->ev = base + g->off;
}

void wd_group_push(struct wd_engine *e, struct group *g, const struct gev *x, uint32_t keep)
{
    uint32_t cap = e->o.max_group_events;
    if (g->n >= cap) { /* the oldest leaves (MozDef saw at most 1000 hits) */
        gev_fini(g, &g->ev[0]);
        group_drop(g, 1);
    }
    group_room(g, cap);
    struct gev *y = &g->ev[g->n++];
    *y = *x;
    /* Over rules.max_memory, events beyond the samples only count: their text is not
     * kept (templates over all events then see the retained ones). */
    if (*g->bytes + x->len > e->o.max_bytes && g->n > keep) {
        y->json = NULL;
        e->st.degraded++;
    } else {
        y->json = wd_xstrndup(x->json, x->len);
        *g->bytes += x->len;
    }
    y->dval = x->dval ? wd_xstrdup(x->dval) : NULL;
}

static void mark_dirty(struct rstate *s, struct group *g)
{
    if (g->dirty)
        return;
    g->dirty = true;
    if (s->ndirty == s->dirty_cap) {
        s->dirty_cap = s->dirty_cap ? s->dirty_cap * 2 : 64;
        s->dirty = wd_xrealloc(s->dirty, s->dirty_cap * sizeof(struct group *));
    }
    s->dirty[s->ndirty++] = g;
}

void wd_rstate_fire_later(struct rstate *s, struct group *g)
{
    if (s->nfire == s->fire_cap) {
        s->fire_cap = s->fire_cap ? s->fire_cap * 2 : 16;
        s->fire = wd_xrealloc(s->fire, s->fire_cap * sizeof(struct group *));
    }
    s->fire[s->nfire++] = g;
}

static void unlink_group(struct rstate *s, struct group *g)
{
    struct group **pp = &s->buckets[g->hash & (s->nbuckets - 1)];
    while (*pp && *pp != g)
        pp = &(*pp)->next;
    if (*pp)
        *pp = g->next;
    s->ngroups--;
}

/* Evicts the group seen first (only when a rule has max_groups live groups). */
static void evict_oldest(struct rstate *s)
{
    struct group *old = NULL;
    for (uint32_t b = 0; b < s->nbuckets; b++)
        for (struct group *g = s->buckets[b]; g; g = g->next)
            if (!g->listed && !g->dirty && (!old || g->order < old->order))
                old = g;
    if (old) {
        unlink_group(s, old);
        wd_group_free(old);
    }
}

static void grow(struct rstate *s)
{
    uint32_t nb = s->nbuckets ? s->nbuckets * 2 : 64;
    struct group **b = wd_xcalloc(nb, sizeof(struct group *));
    for (uint32_t i = 0; i < s->nbuckets; i++)
        for (struct group *g = s->buckets[i], *nx; g; g = nx) {
            nx = g->next;
            g->next = b[g->hash & (nb - 1)];
            b[g->hash & (nb - 1)] = g;
        }
    free(s->buckets);
    s->buckets = b;
    s->nbuckets = nb;
}

static struct group *group_get(struct wd_engine *e, struct rstate *s, const char *key, size_t len,
                               bool create)
{
    uint64_t h = key_hash(key, len);
    if (s->nbuckets)
        for (struct group *g = s->buckets[h & (s->nbuckets - 1)]; g; g = g->next)
            if (g->hash == h && g->key_len == len && memcmp(g->key, key, len) == 0)
                return g;
    if (!create)
        return NULL;
    if (s->ngroups >= e->o.max_groups)
        evict_oldest(s);
    if (s->ngroups + 1 > s->nbuckets)
        grow(s);
    struct group *g = wd_xcalloc(1, sizeof(*g));
    g->key = wd_xstrndup(key, len);
    g->key_len = len;
    g->hash = h;
    g->order = s->order_next++;
    g->last_seen = g->last_fired = INT64_MIN;
    g->bytes = &e->bytes;
    g->next = s->buckets[h & (s->nbuckets - 1)];
    s->buckets[h & (s->nbuckets - 1)] = g;
    s->ngroups++;
    return g;
}

static void rstate_fini(struct rstate *s)
{
    for (uint32_t b = 0; b < s->nbuckets; b++)
        for (struct group *g = s->buckets[b], *nx; g; g = nx) {
            nx = g->next;
            wd_group_free(g);
        }
    free(s->buckets);
    for (uint32_t i = 0; i < s->npend; i++)
        gev_fini(NULL, &s->pend[i]);
    free(s->pend);
    free(s->dirty);
    free(s->fire);
    wd_rule_free(s->rule);
}

/* ---- lifecycle ---- */

struct wd_engine *wd_engine_new(const struct wd_engine_opts *o)
{
    struct wd_engine *e = wd_xcalloc(1, sizeof(*e));
    e->o = *o;
    if (!e->o.max_group_events)
        e->o.max_group_events = DEFAULT_GROUP_EVENTS;
    if (!e->o.max_groups)
        e->o.max_groups = DEFAULT_GROUPS;
    if (!e->o.max_bytes)
        e->o.max_bytes = DEFAULT_BYTES;
    pthread_mutex_init(&e->mu, NULL);
    wd_qflat_init(&e->flat);
    wd_sigma_ev_init(&e->sev);
    wd_arena_init(&e->arena, 64 << 10, 64u << 20);
    wd_buf_init(&e->out, 0);
    return e;
}

void wd_engine_free(struct wd_engine *e)
{
    if (!e)
        return;
    for (uint32_t i = 0; i < e->nrs; i++)
        rstate_fini(&e->rs[i]);
    free(e->rs);
    wd_pre_free(e->pre);
    wd_pre_scratch_free(e->scratch);
    free(e->bits);
    wd_qflat_fini(&e->flat);
    wd_sigma_ev_fini(&e->sev);
    wd_arena_fini(&e->arena);
    wd_buf_fini(&e->out);
    pthread_mutex_destroy(&e->mu);
    free(e);
}

void wd_engine_lock(struct wd_engine *e)
{
    pthread_mutex_lock(&e->mu);
}

void wd_engine_unlock(struct wd_engine *e)
{
    pthread_mutex_unlock(&e->mu);
}

/* Groups an ABSENCE rule watches from the start: its list, or the one group. */
static void absence_seed(struct wd_engine *e, struct rstate *s)
{
    const struct wd_rule *r = s->rule;
    if (r->kind != WD_RULE_ABSENCE)
        return;
    if (!r->ngroup_by) {
        group_get(e, s, "", 0, true)->listed = true;
        return;
    }
    for (uint32_t i = 0; i < r->ngroups; i++)
        group_get(e, s, r->groups[i], strlen(r->groups[i]), true)->listed = true;
}

int wd_engine_load(struct wd_engine *e, struct wd_ruleset *set, char *err, size_t err_len)
{
    uint32_t n = set->n;
    struct wd_pre_rule *pr = wd_xcalloc(n ? n : 1, sizeof(*pr));
    const struct wd_qnode ***steps = wd_xcalloc(n ? n : 1, sizeof(*steps));
    for (uint32_t i = 0; i < n; i++) {
        const struct wd_rule *r = set->rules[i];
        pr[i].must = r->query->root;
        if (r->sigma) /* Sigma: the predicate's literals replace the query's ("*") */
            pr[i].lits_set =
                wd_sigma_literals(r->sigma, &pr[i].lits, &pr[i].lit_fields, &pr[i].nlits);
        if (r->nsteps) {
            steps[i] = wd_xcalloc(r->nsteps, sizeof(const struct wd_qnode *));
            for (uint32_t k = 0; k < r->nsteps; k++)
                steps[i][k] = r->steps[k].query->root;
            pr[i].any = steps[i];
            pr[i].nany = r->nsteps;
        }
    }
    struct wd_pre *pre = NULL;
    struct wd_pre_scratch *scr = NULL;
    int rc = wd_pre_build(pr, n, &pre, err, err_len);
    if (rc == WD_OK && (rc = wd_pre_scratch_new(pre, &scr)) != WD_OK)
        snprintf(err, err_len, "out of memory for the prefilter");
    for (uint32_t i = 0; i < n; i++)
        free(steps[i]);
    free(steps);
    free(pr);
    if (rc) {
        wd_pre_free(pre);
        return rc;
    }
    struct rstate *rs = wd_xcalloc(n ? n : 1, sizeof(*rs));
    pthread_mutex_lock(&e->mu);
    /* engine time: the last event or tick seen, else the configured start */
    int64_t now = e->now_us ? e->now_us : e->o.start_us;
    for (uint32_t i = 0; i < n; i++) {
        struct rstate *s = &rs[i];
        s->rule = set->rules[i];
        s->epoch = INT64_MIN;
        s->loaded_us = now;
        /* an unchanged rule keeps its state */
        for (uint32_t j = 0; j < e->nrs; j++) {
            struct rstate *o = &e->rs[j];
            if (!o->rule || strcmp(o->rule->name, s->rule->name) != 0 ||
                o->rule->hash != s->rule->hash)
                continue;
            struct wd_rule *keep = s->rule, *old = o->rule;
            keep->enabled = old->enabled;
            *s = *o;
            s->rule = keep;
            wd_rule_free(old);
            memset(o, 0, sizeof(*o));
            break;
        }
        if (!s->nbuckets)
            absence_seed(e, s);
    }
    for (uint32_t j = 0; j < e->nrs; j++)
        if (e->rs[j].rule)
            rstate_fini(&e->rs[j]);
    free(e->rs);
    e->rs = rs;
    e->nrs = n;
    wd_pre_free(e->pre);
    wd_pre_scratch_free(e->scratch);
    e->pre = pre;
    e->scratch = scr;
    free(e->bits);
    e->bits = wd_xcalloc((n + 63) / 64 + 1, sizeof(uint64_t));
    e->st.rules = n;
    e->st.always = wd_pre_always(pre);
    e->st.patterns = wd_pre_patterns(pre);
    set->n = 0;
    pthread_mutex_unlock(&e->mu);
    return WD_OK;
}

/* ---- the event path ---- */

/* The time at ev's member `key`, INT64_MIN when there is none; m remembers the hour of
 * the last one in ward's own form (consecutive events mostly share it). */
static int64_t jv_time(const struct wd_jv *ev, const char *key, struct wd_time_memo *m)
{
    const struct wd_jv *v = wd_jv_get(ev, key);
    int64_t us;
    if (v && v->type == WD_JV_STR && wd_time_parse_memo(v->u.s.p, v->u.s.len, m, &us) == WD_OK)
        return us;
    return INT64_MIN;
}

static bool in_range(int64_t t, int64_t lo, int64_t hi)
{
    return t != INT64_MIN && t >= lo && t <= hi;
}

/* A rule's expected periods (today, UTC, by the decision clock): events inside do not
 * match, as MozDef's must_not Range(utctimestamp, today START, today END). */
static bool in_expected_period(const struct wd_rule *r, int64_t utc, int64_t now)
{
    if (utc == INT64_MIN)
        return false;
    int64_t day = INT64_C(86400000000), today = now >= 0 ? now / day * day : 0;
    for (uint32_t i = 0; i < r->nperiods; i++)
        if (utc >= today + r->periods[i][0] * INT64_C(1000000) &&
            utc <= today + r->periods[i][1] * INT64_C(1000000))
            return true;
    return false;
}

/* MozDef's window: utctimestamp OR receivedtimestamp within [now-W, now]; the stream
 * also counts events up to `lateness` older and does not cut the future (clock skew). */
static bool in_window(const struct wd_engine *e, const struct wd_rule *r, const struct gev *x)
{
    if (e->o.batch)
        return in_range(x->utc, e->now_us - r->window_us, e->now_us) ||
               in_range(x->recv, e->now_us - r->window_us, e->now_us);
    return x->wts != INT64_MIN && x->wts >= e->now_us - r->window_us - e->o.lateness_us;
}

/* The group value: the group_by fields' texts joined by ", "; false when one is absent
 * (MozDef added an Exists clause on the aggregation field). */
static bool group_key(struct wd_engine *e, const struct wd_rule *r, const struct wd_jv *ev,
                      struct wd_buf *b)
{
    b->len = 0;
    /* Sigma aliases: the key fields of the first base rule the event satisfies */
    uint32_t alias = UINT32_MAX;
    for (uint32_t j = 0; r->group_alias && j < r->nalias && alias == UINT32_MAX; j++)
        if (wd_sigma_match(r->alias_pred[j], &e->sev))
            alias = j;
    for (uint32_t i = 0; i < r->ngroup_by; i++) {
        const char *path = alias != UINT32_MAX && r->group_alias[i][alias]
                               ? r->group_alias[i][alias]
                               : r->group_by[i];
        const struct wd_jv *v = wd_jv_path(ev, path);
        if (!v || v->type == WD_JV_NULL)
            return false;
        if (i && wd_buf_append(b, ", ", 2) != WD_OK)
            return false;
        if (wd_jv_text(v, b) != WD_OK)
            return false;
    }
    return wd_buf_putc(b, '\0') == WD_OK && (b->len--, true);
}

/* A sequence step: its query and, for a Sigma correlation step, the base predicate. */
static bool step_match(struct wd_engine *e, const struct wd_rule_step *st)
{
    return wd_qnode_match_flat(st->query->root, &e->flat) &&
           (!st->sigma || wd_sigma_match(st->sigma, &e->sev));
}

static void on_match(struct wd_engine *e, struct rstate *s, const struct wd_jv *ev, struct gev *x,
                     struct wd_buf *key)
{
    const struct wd_rule *r = s->rule;
    bool have_key = group_key(e, r, ev, key);
    if (r->ngroup_by && !have_key)
        return;
    const char *k = key->p ? key->p : "";
    size_t klen = r->ngroup_by ? key->len : 0;
    s->st.matches++;
    e->st.matches++;
    struct group *g;
    switch (r->kind) {
    case WD_RULE_MATCH:
        if (s->npend == s->pend_cap) {
            s->pend_cap = s->pend_cap ? s->pend_cap * 2 : 16;
            s->pend = wd_xrealloc(s->pend, s->pend_cap * sizeof(*s->pend));
        }
        s->pend[s->npend] = *x;
        s->pend[s->npend].json = wd_xstrndup(x->json, x->len);
        s->pend[s->npend].dval = wd_xstrndup(k, klen);
        s->npend++;
        break;
    case WD_RULE_THRESHOLD: {
        char *dv = NULL;
        if (r->distinct) {
            const struct wd_jv *v = wd_jv_path(ev, r->distinct);
            struct wd_buf b;
            wd_buf_init(&b, 0);
            if (v && v->type != WD_JV_NULL && wd_jv_text(v, &b) == WD_OK)
                dv = wd_xstrndup(b.p ? b.p : "", b.len);
            wd_buf_fini(&b);
        }
        g = group_get(e, s, k, klen, true);
        x->dval = dv;
        wd_group_push(e, g, x, r->samples);
        x->dval = NULL;
        free(dv);
        mark_dirty(s, g);
        break;
    }
    case WD_RULE_ABSENCE:
        g = group_get(e, s, k, klen, r->seen_groups || !r->ngroups);
        if (g && (g->last_seen == INT64_MIN || x->wts > g->last_seen))
            g->last_seen = x->wts == INT64_MIN ? e->now_us : x->wts;
        break;
    case WD_RULE_SEQUENCE: {
        g = group_get(e, s, k, klen, true);
        if (g->step >= r->nsteps)
            break; /* complete, firing at the next tick */
        if (g->n && x->wts - g->seq_start > r->window_us) {
            wd_group_clear(g);
            g->step = g->step_count = 0;
        }
        if (r->unordered) {
            /* Sigma temporal: step_count is the bitmask of steps seen; an event may
             * satisfy several */
            uint32_t all = r->nsteps >= 32 ? UINT32_MAX : (1u << r->nsteps) - 1,
                     before = g->step_count;
            for (uint32_t k2 = 0; k2 < r->nsteps && k2 < 32; k2++)
                if (step_match(e, &r->steps[k2]))
                    g->step_count |= 1u << k2;
            if (g->step_count == before)
                break; /* no step not seen before: not kept */
            if (!g->n)
                g->seq_start = x->wts;
            wd_group_push(e, g, x, r->samples);
            if (g->step_count == all) {
                g->step = r->nsteps;
                wd_rstate_fire_later(s, g);
            }
            break;
        }
        uint32_t at = g->step;
        if (step_match(e, &r->steps[at])) {
            if (!g->n)
                g->seq_start = x->wts;
            wd_group_push(e, g, x, r->samples);
            if (++g->step_count >= r->steps[at].count) {
                g->step++;
                g->step_count = 0;
                if (g->step == r->nsteps)
                    wd_rstate_fire_later(s, g);
            }
        } else {
            for (uint32_t k2 = 0; k2 < at; k2++)
                if (step_match(e, &r->steps[k2])) {
                    wd_group_push(e, g, x, r->samples); /* more of an earlier step: context */
                    break;
                }
        }
        break;
    }
    case WD_RULE_SUMSTATS:
        g = group_get(e, s, k, klen, true);
        wd_engine_ss_event(e, s, g, ev, x);
        break;
    case WD_RULE_LAG:
        g = group_get(e, s, k, klen, true);
        wd_engine_lag_event(e, s, g, ev, x);
        break;
    default:
        break;
    }
}

/* SUMSTATS epochs follow event time; an event of a later epoch ends the current one. */
static bool ss_admit(struct wd_engine *e, struct rstate *s, const struct gev *x)
{
    int64_t ts = x->utc != INT64_MIN ? x->utc : x->recv;
    if (ts == INT64_MIN || (!e->o.batch && ts > e->now_us))
        ts = e->now_us; /* a sensor clock ahead must not end everyone's epoch early */
    int64_t ep =
        ts >= 0 ? ts / s->rule->epoch_us : (ts - s->rule->epoch_us + 1) / s->rule->epoch_us;
    if (s->epoch == INT64_MIN)
        s->epoch = ep;
    if (ep > s->epoch) {
        wd_engine_ss_epoch_end(e, s);
        s->epoch = ep;
    } else if (ep < s->epoch && (s->epoch * s->rule->epoch_us - ts) > e->o.lateness_us &&
               !e->o.batch) {
        s->st.late++;
        return false;
    }
    return true;
}

int wd_engine_event(struct wd_engine *e, const char *json, size_t len, uint64_t id, int64_t now_us)
{
    return wd_engine_event_in(e, json, len, len, id, now_us);
}

int wd_engine_event_in(struct wd_engine *e, const char *json, size_t len, size_t readable,
                       uint64_t id, int64_t now_us)
{
    pthread_mutex_lock(&e->mu);
    e->now_us = now_us;
    e->st.events++;
    if (!e->nrs) { /* no rules: nothing to decode for */
        pthread_mutex_unlock(&e->mu);
        return WD_OK;
    }
    wd_arena_reset(&e->arena);
    struct wd_jv *ev = NULL;
    struct wd_perr pe;
    if (wd_json_parse_compact(json, len, readable, 0, &e->arena, &ev, &pe) != WD_OK ||
        ev->type != WD_JV_OBJ) {
        e->st.skipped++;
        pthread_mutex_unlock(&e->mu);
        return WD_EINVAL;
    }
    const struct wd_jv *t = wd_jv_get(ev, "type");
    if (t && t->type == WD_JV_STR && wd_str_eq(t->u.s, "alert")) {
        e->st.skipped++; /* ward's own alerts do not feed the rules */
        pthread_mutex_unlock(&e->mu);
        return WD_OK;
    }
    if (wd_qflat_build(&e->flat, ev) != WD_OK || !e->nrs) {
        pthread_mutex_unlock(&e->mu);
        return WD_OK;
    }
    wd_sigma_ev_reset(&e->sev, &e->flat);
    struct gev x = {.id = id, .json = (char *)json, .len = (uint32_t)len};
    x.utc = jv_time(ev, "utctimestamp", &e->utc_memo);
    x.recv = jv_time(ev, "receivedtimestamp", &e->recv_memo);
    x.wts = WD_MAX(x.utc, x.recv);
    uint32_t nc = wd_pre_scan(e->pre, e->scratch, &e->flat, e->bits);
    e->st.candidates += nc;
    struct wd_buf key;
    wd_buf_init(&key, 0);
    for (uint32_t w = 0; w < (e->nrs + 63) / 64; w++)
        for (uint64_t m = e->bits[w]; m; m &= m - 1) {
            uint32_t i = w * 64 + (uint32_t)__builtin_ctzll(m);
            struct rstate *s = &e->rs[i];
            const struct wd_rule *r = s->rule;
            if (!r->enabled || !wd_qnode_match_flat(r->query->root, &e->flat) ||
                (r->sigma && !wd_sigma_match(r->sigma, &e->sev)) || /* Sigma predicate */
                (r->older_than_us && !(x.utc != INT64_MIN && x.utc < now_us - r->older_than_us)) ||
                (r->nperiods && in_expected_period(r, x.utc, now_us)))
                continue;
            if (r->kind == WD_RULE_SUMSTATS) {
                if (!ss_admit(e, s, &x))
                    continue;
            } else if (!in_window(e, r, &x)) {
                /* absence with seen_groups: an older event still makes its group known */
                if (r->kind == WD_RULE_ABSENCE && r->seen_groups && group_key(e, r, ev, &key))
                    group_get(e, s, key.p ? key.p : "", key.len, true);
                s->st.late++;
                continue;
            }
            if (e->o.batch && r->kind != WD_RULE_ABSENCE && ++s->hits > BATCH_HITS)
                continue;
            on_match(e, s, ev, &x, &key);
        }
    wd_buf_fini(&key);
    pthread_mutex_unlock(&e->mu);
    return WD_OK;
}

/* ---- decisions ---- */

static bool suppressed(struct wd_engine *e, struct rstate *s, struct group *g)
{
    if (g && g->suppress_until > e->now_us) {
        s->st.suppressed++;
        return true;
    }
    if (g && s->rule->suppress_us)
        g->suppress_until = e->now_us + s->rule->suppress_us;
    return false;
}

static void fire_group(struct wd_engine *e, struct rstate *s, struct group *g, uint64_t count)
{
    if (!suppressed(e, s, g)) {
        struct alert_in in = {.ev = g->ev,
                              .nev = g->n,
                              .nsamples = WD_MIN(g->n, s->rule->samples),
                              .value = {g->key, g->key_len},
                              .count = count};
        wd_engine_alert(e, s, &in);
    }
    wd_group_clear(g);
}

static void tick_match(struct wd_engine *e, struct rstate *s)
{
    for (uint32_t i = 0; i < s->npend; i++) {
        struct gev *x = &s->pend[i];
        struct group *g = NULL;
        if (s->rule->suppress_us)
            g = group_get(e, s, x->dval, strlen(x->dval), true);
        if (!suppressed(e, s, g)) {
            struct alert_in in = {
                .ev = x, .nev = 1, .nsamples = 1, .value = {x->dval, strlen(x->dval)}, .count = 1};
            wd_engine_alert(e, s, &in);
        }
        gev_fini(NULL, x);
    }
    s->npend = 0;
}

static uint64_t distinct_count(const struct group *g)
{
    uint64_t c = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        if (!g->ev[i].dval)
            continue;
        bool seen = false;
        for (uint32_t j = 0; j < i && !seen; j++)
            seen = g->ev[j].dval && strcmp(g->ev[j].dval, g->ev[i].dval) == 0;
        c += !seen;
    }
    return c;
}

static void expire(struct wd_engine *e, struct rstate *s, struct group *g)
{
    uint32_t k = 0;
    while (k < g->n && !in_window(e, s->rule, &g->ev[k]))
        gev_fini(g, &g->ev[k++]);
    if (k)
        group_drop(g, k);
}

struct cand {
    struct group *g;
    uint64_t count;
};

static int cmp_cand(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->g->order < y->g->order ? -1 : x->g->order > y->g->order;
}

static void tick_threshold(struct wd_engine *e, struct rstate *s)
{
    const struct wd_rule *r = s->rule;
    struct cand *c = s->ndirty ? wd_xmalloc(s->ndirty * sizeof(*c)) : NULL;
    uint32_t nc = 0;
    for (uint32_t i = 0; i < s->ndirty; i++) {
        struct group *g = s->dirty[i];
        g->dirty = false;
        expire(e, s, g);
        uint64_t n = r->distinct ? distinct_count(g) : g->n;
        if (n >= r->threshold)
            c[nc++] = (struct cand){g, g->n};
    }
    s->ndirty = 0;
    if (nc > 1)
        qsort(c, nc, sizeof(*c), cmp_cand);
    for (uint32_t i = 0; i < nc; i++)
        fire_group(e, s, c[i].g, c[i].count);
    free(c);
}

static void tick_absence(struct wd_engine *e, struct rstate *s)
{
    const struct wd_rule *r = s->rule;
    for (uint32_t b = 0; b < s->nbuckets; b++)
        for (struct group *g = s->buckets[b]; g; g = g->next) {
            bool silent;
            if (e->o.batch) {
                silent = g->last_seen == INT64_MIN;
            } else {
                int64_t ref = WD_MAX(g->last_seen, WD_MAX(s->loaded_us, e->o.start_us));
                silent = e->now_us - ref >= r->window_us &&
                         (g->last_fired == INT64_MIN || e->now_us - g->last_fired >= r->window_us);
            }
            if (!silent || suppressed(e, s, g))
                continue;
            g->last_fired = e->now_us;
            struct alert_in in = {.value = {g->key, g->key_len}};
            wd_engine_alert(e, s, &in);
        }
}

static void tick_fire(struct wd_engine *e, struct rstate *s)
{
    for (uint32_t i = 0; i < s->nfire; i++) {
        struct group *g = s->fire[i];
        if (s->rule->kind == WD_RULE_SUMSTATS) {
            wd_engine_ss_fire(e, s, g);
            continue;
        }
        fire_group(e, s, g, g->n);
        g->step = g->step_count = 0;
    }
    s->nfire = 0;
}

/* Frees groups that hold nothing any more. */
static void sweep(struct wd_engine *e, struct rstate *s)
{
    const struct wd_rule *r = s->rule;
    if (r->kind == WD_RULE_ABSENCE || r->kind == WD_RULE_SUMSTATS || r->kind == WD_RULE_LAG)
        return;
    for (uint32_t b = 0; b < s->nbuckets; b++)
        for (struct group **pp = &s->buckets[b]; *pp;) {
            struct group *g = *pp;
            if (r->kind == WD_RULE_THRESHOLD && !e->o.batch)
                expire(e, s, g);
            if (r->kind == WD_RULE_SEQUENCE && g->n && !e->o.batch &&
                e->now_us - g->seq_start > r->window_us + e->o.lateness_us) {
                wd_group_clear(g);
                g->step = g->step_count = 0;
            }
            if (!g->n && !g->dirty && g->suppress_until <= e->now_us) {
                *pp = g->next;
                s->ngroups--;
                wd_group_free(g);
            } else {
                pp = &g->next;
            }
        }
}

void wd_engine_tick(struct wd_engine *e, int64_t now_us)
{
    pthread_mutex_lock(&e->mu);
    e->now_us = now_us;
    /* freeing empty groups visits them all: a few times a second is enough */
    bool sweep_now = e->o.batch || now_us - e->last_sweep_us >= 200000 || now_us < e->last_sweep_us;
    if (sweep_now)
        e->last_sweep_us = now_us;
    for (uint32_t i = 0; i < e->nrs; i++) {
        struct rstate *s = &e->rs[i];
        if (!s->rule->enabled) {
            s->npend = 0;
            continue;
        }
        switch (s->rule->kind) {
        case WD_RULE_MATCH:
            tick_match(e, s);
            break;
        case WD_RULE_THRESHOLD:
            tick_threshold(e, s);
            break;
        case WD_RULE_ABSENCE:
            tick_absence(e, s);
            break;
        case WD_RULE_LAG:
            wd_engine_lag_tick(e, s);
            break;
        case WD_RULE_SUMSTATS:
            tick_fire(e, s);
            if (!e->o.batch && s->epoch != INT64_MIN &&
                (now_us - e->o.lateness_us) / s->rule->epoch_us > s->epoch) {
                wd_engine_ss_epoch_end(e, s);
                s->epoch = (now_us - e->o.lateness_us) / s->rule->epoch_us;
            }
            break;
        default:
            tick_fire(e, s);
            break;
        }
        if (sweep_now)
            sweep(e, s);
        s->st.groups = s->ngroups;
    }
    pthread_mutex_unlock(&e->mu);
}

void wd_engine_finish(struct wd_engine *e, int64_t now_us)
{
    pthread_mutex_lock(&e->mu);
    e->now_us = now_us;
    for (uint32_t i = 0; i < e->nrs; i++) {
        struct rstate *s = &e->rs[i];
        if (s->rule->kind == WD_RULE_SUMSTATS && s->rule->enabled) {
            tick_fire(e, s);
            wd_engine_ss_epoch_end(e, s);
        }
    }
    pthread_mutex_unlock(&e->mu);
}

/* ---- introspection ---- */

void wd_engine_stats(struct wd_engine *e, struct wd_engine_stats *out)
{
    pthread_mutex_lock(&e->mu);
    *out = e->st;
    out->bytes = e->bytes;
    pthread_mutex_unlock(&e->mu);
}

bool wd_engine_rule(struct wd_engine *e, uint32_t i, const struct wd_rule **r,
                    struct wd_rule_stats *st)
{
    if (i >= e->nrs)
        return false;
    *r = e->rs[i].rule;
    *st = e->rs[i].st;
    return true;
}

void wd_engine_set_replay(struct wd_engine *e, bool on)
{
    pthread_mutex_lock(&e->mu);
    e->replay = on;
    pthread_mutex_unlock(&e->mu);
}

uint64_t wd_engine_oldest(struct wd_engine *e)
{
    uint64_t m = UINT64_MAX;
    pthread_mutex_lock(&e->mu);
    for (uint32_t i = 0; i < e->nrs; i++) {
        const struct rstate *s = &e->rs[i];
        for (uint32_t k = 0; k < s->npend; k++)
            m = WD_MIN(m, s->pend[k].id);
        for (uint32_t b = 0; b < s->nbuckets; b++)
            for (const struct group *g = s->buckets[b]; g; g = g->next)
                if (g->n) /* a group's events are in id order (the WAL's) */
                    m = WD_MIN(m, g->ev[0].id);
    }
    pthread_mutex_unlock(&e->mu);
    return m;
}

int wd_engine_enable(struct wd_engine *e, const char *name, bool on)
{
    int rc = WD_ENOENT;
    pthread_mutex_lock(&e->mu);
    for (uint32_t i = 0; i < e->nrs; i++)
        if (strcmp(e->rs[i].rule->name, name) == 0) {
            e->rs[i].rule->enabled = on;
            rc = WD_OK;
        }
    pthread_mutex_unlock(&e->mu);
    return rc;
}
