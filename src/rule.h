/*
 * rule.h: a detection rule as loaded from YAML (docs/rules.md): what to match (a query
 * in ward's search language plus filters), how to decide (per event, threshold, absence,
 * sequence, or Zeek SumStats), and what the alert looks like (severity, category, tags,
 * summary template, samples, suppression, channel, actions). rule_load.c builds these
 * from files with file:line:col errors; engine.c runs them.
 */
#ifndef WD_RULE_H
#define WD_RULE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mem.h"
#include "ward.h"

struct wd_query;
struct wd_tmpl;
struct wd_sigma;

enum wd_rule_kind {
    WD_RULE_MATCH,     /* every matching event is an alert */
    WD_RULE_THRESHOLD, /* count (or distinct count) per group over a window >= N */
    WD_RULE_ABSENCE,   /* no matching event (per group) within the window */
    WD_RULE_SEQUENCE,  /* ordered steps per key within the window */
    WD_RULE_SUMSTATS,  /* Zeek SumStats: reducers per key over tumbling epochs */
    WD_RULE_LAG,       /* pipeline lag: a percentile of receive - event time stays above a bound */
};

/* One step of a sequence rule. */
struct wd_rule_step {
    char *query_text;
    struct wd_query *query;
    uint32_t count;         /* events this step needs (default 1) */
    struct wd_sigma *sigma; /* Sigma correlation: the base rule's predicate (ref held) */
};

/* A SumStats reducer: calculation plus its parameters (sumstats.h). */
struct wd_rule_reducer {
    int calc; /* enum wd_ss_calc */
};

/* A severity chosen by the group value (MozDef's WriteAudit: NOTICE for expected users). */
struct wd_rule_sevmap {
    char **values;
    uint32_t nvalues;
    char *severity;
};

/* An action run when the rule alerts: a webhook, or a block of the alert's source
 * address on the IP block list (docs/response.md). */
enum wd_rule_act_format { WD_RULE_ACT_JSON, WD_RULE_ACT_SLACK };
struct wd_rule_action {
    char *webhook;   /* URL; NULL for a block action */
    int format;      /* enum wd_rule_act_format */
    int64_t block_s; /* > 0: block for this long (1 hour .. 30 days) */
    char *field;     /* block: where the address is in the sample events (default
                        details.sourceipaddress) */
};

struct wd_rule {
    /* identity and origin */
    char *name;
    char *description;
    char *file; /* path it was loaded from */
    uint32_t line, col;
    char *origin; /* "ward", "mozdef", "zeek", "sigma" */
    bool enabled;
    uint64_t hash; /* of the definition: unchanged rules keep their state on reload */

    /* matching */
    char *query_text; /* query AND each filter, as one query text */
    struct wd_query *query;
    /* Sigma rules (origin "sigma", sigma.h): the compiled predicate, evaluated by the
     * engine after `query` (which is then "*"); a reference is held. NULL otherwise. */
    struct wd_sigma *sigma;
    char *sigma_id, *sigma_name, *sigma_status; /* the Sigma document's id, name, status */

    /* decision */
    uint8_t kind;          /* enum wd_rule_kind */
    int64_t window_us;     /* search window (MozDef's SearchQuery delta) */
    int64_t older_than_us; /* only events whose utctimestamp is before now minus this (0 = any;
                              MozDef's OldEvents LessThan(utctimestamp, now - 1 day)) */
    int32_t (*periods)[2]; /* expected periods: [start, end] seconds of the UTC day; events
                              inside one of them today do not match (SessionOpenedUser) */
    uint32_t nperiods;
    char **group_by; /* threshold/absence/sequence/sumstats key fields */
    uint32_t ngroup_by;
    /* Sigma correlation aliases: the event's key field i is group_alias[i][j] (NULL =
     * group_by[i]) where j is the first of the nalias base predicates alias_pred[] it
     * satisfies (references held). NULL when the rule has no aliases. */
    char ***group_alias;
    struct wd_sigma **alias_pred;
    uint32_t nalias;
    uint64_t threshold; /* THRESHOLD: minimum count (or distinct count) */
    char *distinct;     /* THRESHOLD: count distinct values of this field instead */
    char **groups;      /* ABSENCE: expected group values */
    uint32_t ngroups;
    bool seen_groups;           /* ABSENCE: also every group seen before */
    struct wd_rule_step *steps; /* SEQUENCE */
    uint32_t nsteps;
    bool unordered; /* SEQUENCE: every step at least once, in any order (Sigma temporal;
                       at most 32 steps of count 1) */
    /* SUMSTATS */
    int64_t epoch_us;
    char *observe;  /* field whose value is the observation; NULL = count 1 */
    uint32_t calcs; /* bitmask of 1u << enum wd_ss_calc */
    uint32_t unique_max, topk_size, num_samples, num_last;
    int threshold_calc;  /* -1 = the observation count (num) */
    double ss_threshold; /* 0 = no threshold (epoch results only) */
    bool epoch_result;   /* alert once per key at the end of each epoch */
    /* LAG */
    double lag_pct;        /* percentile (default 95) */
    int64_t lag_above_us;  /* the bound */
    int64_t lag_for_us;    /* for this long (whole buckets) */
    int64_t lag_bucket_us; /* evaluation bucket (default 1m) */
    char *lag_from;        /* field holding the event time (default utctimestamp) */

    /* alert */
    char *severity;
    char *category;
    char **tags;
    uint32_t ntags;
    struct wd_tmpl *summary;
    char *summary_text;
    uint32_t samples;    /* events attached (default 10, MozDef's samplesLimit) */
    int64_t suppress_us; /* per group after an alert */
    char *channel;       /* NULL = null */
    int notify;          /* notify_mozdefbot: -1 = rule e.1, 0/1 explicit */
    char *url;
    struct wd_rule_sevmap *sevmaps;
    uint32_t nsevmaps;
    struct wd_rule_action *actions;
    uint32_t nactions;
};

/* A set of rules loaded together. */
struct wd_ruleset {
    struct wd_rule **rules;
    uint32_t n, cap;
    uint32_t errors;            /* problems reported while loading */
    uint32_t files;             /* files read */
    uint32_t sigma_docs;        /* Sigma rule, correlation and filter documents seen */
    uint32_t sigma_unsupported; /* ... refused as valid Sigma ward cannot honour */
    uint32_t sigma_filters;     /* ... meta-filters applied to loaded rules */
};

/*
 * Loads one rule file or every *.yaml / *.yml file under a directory (recursively,
 * sorted by path). Every problem is written to `errs` (may be NULL) as
 * "file:line:col: message" and counted in set->errors; rules with errors are not added,
 * the others are. Returns WD_OK unless memory or the path itself fails.
 */
int wd_ruleset_load(struct wd_ruleset *set, const char *path, FILE *errs);
/* Parses one rule from YAML text (`file` names it in messages). */
int wd_ruleset_load_text(struct wd_ruleset *set, const char *file, const char *text, size_t len,
                         FILE *errs);
void wd_ruleset_free(struct wd_ruleset *set);
void wd_rule_free(struct wd_rule *r);

/* "1m", "15 minutes", "2h", "30s", "1d", "500ms" -> microseconds; WD_EINVAL otherwise. */
int wd_duration_parse(const char *s, int64_t *us);

const char *wd_rule_kind_name(uint8_t kind);

#endif
