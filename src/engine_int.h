/*
 * engine_int.h: private to the detection engine (engine*.c): the per-rule state, the
 * groups of retained events, and the alert builder's input.
 */
#ifndef WD_ENGINE_INT_H
#define WD_ENGINE_INT_H

#include <pthread.h>

#include "engine.h"
#include "jv.h"
#include "mem.h"
#include "query.h"
#include "rule.h"
#include "rule_pre.h"
#include "sigma.h"
#include "wd_time.h"

struct wd_ss_result;
struct wd_lagstate;

/* An event kept by a group: its identity, times and text. */
struct gev {
    uint64_t id;
    int64_t utc, recv; /* microseconds; INT64_MIN when absent */
    int64_t wts;       /* window time: the later of the two */
    char *json;        /* NULL: counted only (over rules.max_memory) */
    uint32_t len;
    char *dval; /* THRESHOLD with `distinct`: the value's text (NULL = absent) */
};

struct group {
    struct group *next; /* hash chain */
    char *key;
    size_t key_len;
    uint64_t hash;
    uint64_t order;  /* first-seen order within the rule */
    struct gev *ev;  /* the live events ev[0..n); the allocation starts at ev - off */
    uint32_t n, cap; /* cap counts from the allocation's start */
    uint32_t off;    /* evicted slots before ev: the oldest leave in O(1) */
    bool dirty;
    bool listed; /* ABSENCE: from the rule's groups list (never evicted) */
    int64_t suppress_until;
    int64_t last_seen, last_fired; /* ABSENCE */
    uint32_t step, step_count;     /* SEQUENCE */
    int64_t seq_start;
    size_t *bytes;           /* the engine's retained-text total */
    struct wd_ss_result *ss; /* SUMSTATS */
    bool crossed;
    struct wd_lagstate *lag; /* LAG */
};

struct rstate {
    struct wd_rule *rule;
    struct group **buckets;
    uint32_t nbuckets, ngroups;
    uint64_t order_next;
    struct group **dirty;
    uint32_t ndirty, dirty_cap;
    struct gev *pend; /* MATCH: events waiting for the next tick */
    uint32_t npend, pend_cap;
    struct group **fire; /* SEQUENCE / SUMSTATS: groups completed since the last tick */
    uint32_t nfire, fire_cap;
    int64_t epoch; /* SUMSTATS: current epoch index (INT64_MIN = none yet) */
    int64_t loaded_us;
    uint64_t hits; /* batch runs: MozDef's 1000-hit cap */
    struct wd_rule_stats st;
};

struct wd_engine {
    struct wd_engine_opts o;
    pthread_mutex_t mu;
    struct rstate *rs;
    uint32_t nrs;
    struct wd_pre *pre;
    struct wd_pre_scratch *scratch;
    uint64_t *bits;
    struct wd_qflat flat;
    struct wd_sigma_ev sev;                  /* Sigma predicates' view of `flat` (sigma.h) */
    struct wd_arena arena;                   /* one event's tree */
    struct wd_time_memo utc_memo, recv_memo; /* the hours of the last event's two times */
    struct wd_buf out;                       /* alert document */
    struct wd_engine_stats st;
    int64_t now_us;
    size_t bytes; /* event text retained by all groups */
    int64_t last_sweep_us;
    bool replay;
};

/* What an alert is about (engine_alert.c). */
struct alert_in {
    struct gev *ev; /* events in order; the first `nsamples` are attached */
    uint32_t nev;
    uint32_t nsamples;
    struct wd_str value;
    uint64_t count;
    const struct wd_ss_result *ss; /* SUMSTATS result (details), or NULL */
    const double *extra;           /* LAG: lag us, percentile, for us (details, {ss ...}) */
    wd_tmpl_ss_fn extra_render;
};

/* Builds the alert document and hands it to opts.emit; counts errors on the rule. */
void wd_engine_alert(struct wd_engine *e, struct rstate *s, const struct alert_in *in);

/* SUMSTATS (engine_ss.c): one matching event; the end of an epoch. */
void wd_engine_ss_event(struct wd_engine *e, struct rstate *s, struct group *g,
                        const struct wd_jv *ev, const struct gev *x);
void wd_engine_ss_epoch_end(struct wd_engine *e, struct rstate *s);
void wd_engine_ss_fire(struct wd_engine *e, struct rstate *s, struct group *g);

/* LAG (engine_lag.c). */
void wd_engine_lag_event(struct wd_engine *e, struct rstate *s, struct group *g,
                         const struct wd_jv *ev, const struct gev *x);
void wd_engine_lag_tick(struct wd_engine *e, struct rstate *s);
void wd_lagstate_free(struct wd_lagstate *ls);

/* Group helpers (engine.c). */
/* Retains a copy of x in g; beyond rules.max_memory only the first `keep` keep text. */
void wd_group_push(struct wd_engine *e, struct group *g, const struct gev *x, uint32_t keep);
void wd_group_clear(struct group *g);
void wd_group_free(struct group *g);
void wd_rstate_fire_later(struct rstate *s, struct group *g);

#endif
