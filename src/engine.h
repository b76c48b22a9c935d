/*
 * engine.h: the detection engine. It holds a rule set and per-rule state (groups of
 * matching events inside their windows, absence clocks, sequence progress, SumStats
 * epochs), is fed stored events one at a time, and emits MozDef alert documents. It is
 * single-threaded by design (one engine thread follows the WAL, engine_run.c); a mutex
 * lets the HTTP API read statistics and swap rule sets while it runs.
 *
 * Semantics (docs/rules.md): at time T a window W covers events whose utctimestamp or
 * receivedtimestamp lies in [T-W, T] (MozDef); in the stream, events up to `lateness`
 * older still count. Decisions are taken at wd_engine_tick(): groups whose count reached
 * the threshold fire in MozDef's order (count descending, first seen first) and their
 * events are consumed (an event feeds at most one alert per rule, as MozDef's
 * alert_names tagging ensured). `ward rules test` runs one batch: every event, then one
 * tick at --now T, then wd_engine_finish().
 */
#ifndef WD_ENGINE_H
#define WD_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tmpl.h"
#include "ward.h"

struct wd_rule;
struct wd_ruleset;
struct wd_engine;

typedef void (*wd_alert_fn)(void *arg, const struct wd_rule *r, const char *json, size_t len);

struct wd_engine_opts {
    int64_t lateness_us;       /* stream: how much older than the window an event may be */
    uint32_t max_group_events; /* events kept per group (default 1000, MozDef's hit cap) */
    uint32_t max_groups;       /* groups per rule (default 100000); the oldest is evicted */
    size_t max_bytes;          /* event text kept by all groups (default 1 GiB) */
    bool batch;                /* `ward rules test`: exact windows, 1000 hits per rule */
    int64_t start_us;          /* stream: absence rules count silence from here */
    wd_rdns_fn rdns;           /* reverse DNS for {rdns}; NULL = none */
    void *rdns_arg;
    wd_alert_fn emit; /* every alert document (may be NULL) */
    void *emit_arg;
};

/* Counters per rule, read under the engine's lock. */
struct wd_rule_stats {
    uint64_t matches; /* events the full predicate accepted */
    uint64_t alerts;
    uint64_t suppressed; /* decisions dropped by `suppress` */
    uint64_t errors;     /* alerts that could not be built */
    uint64_t late;       /* matching events older than window + lateness */
    int64_t last_alert_us;
    uint64_t groups; /* live groups */
};

struct wd_engine_stats {
    uint64_t events;     /* events seen */
    uint64_t skipped;    /* not JSON objects, or alerts */
    uint64_t candidates; /* rule evaluations the prefilter let through */
    uint64_t matches;
    uint64_t alerts;
    uint64_t degraded; /* events counted without keeping their text (memory bound) */
    uint64_t replayed; /* decisions not alerted again while replaying after a restart */
    uint64_t bytes;    /* event text retained now */
    uint32_t rules, always, patterns;
};

struct wd_engine *wd_engine_new(const struct wd_engine_opts *o);
void wd_engine_free(struct wd_engine *e);

/*
 * Installs the rules of `set` (taking them; the set is left empty). A rule whose name
 * and definition hash are unchanged keeps its state (windows, epochs, suppression).
 * Returns WD_OK, or an error with err filled (the previous rules stay in force).
 */
int wd_engine_load(struct wd_engine *e, struct wd_ruleset *set, char *err, size_t err_len);

/* Feeds one stored event (JSON object text, its id). Invalid JSON is counted, skipped. */
int wd_engine_event(struct wd_engine *e, const char *json, size_t len, uint64_t id, int64_t now_us);
/* The same with `readable` bytes readable from json (>= len): with WD_JSON_PADDING to spare
 * the text is parsed in place instead of copied first. */
int wd_engine_event_in(struct wd_engine *e, const char *json, size_t len, size_t readable,
                       uint64_t id, int64_t now_us);
/* Takes the decisions due at now: fires, slides windows, checks absence and epochs. */
void wd_engine_tick(struct wd_engine *e, int64_t now_us);
/* End of input (batch runs and shutdown): ends open SumStats epochs. */
void wd_engine_finish(struct wd_engine *e, int64_t now_us);

/* Snapshot of the totals; and of rule i (false when i is out of range). The rule
 * pointer is valid until the next wd_engine_load. */
void wd_engine_stats(struct wd_engine *e, struct wd_engine_stats *out);
bool wd_engine_rule(struct wd_engine *e, uint32_t i, const struct wd_rule **r,
                    struct wd_rule_stats *st);
/* Replay after a restart: while on, decisions rebuild state but raise no alerts (they
 * were raised before the restart); counted in wd_engine_stats().replayed. */
void wd_engine_set_replay(struct wd_engine *e, bool on);
/* The id of the oldest event some rule still holds (a window, a sequence, samples), or
 * UINT64_MAX: a restart that re-reads from there rebuilds every window. */
uint64_t wd_engine_oldest(struct wd_engine *e);

/* Enables or disables a rule by name; WD_ENOENT when unknown. */
int wd_engine_enable(struct wd_engine *e, const char *name, bool on);
/* The engine lock, for callers that read several rules consistently. */
void wd_engine_lock(struct wd_engine *e);
void wd_engine_unlock(struct wd_engine *e);

#endif
