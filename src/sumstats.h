/*
 * sumstats.h: Zeek SumStats reducers (shared/spec/zeek.md section 2.2-2.3) over one
 * stream of observations for one key: a ResultVal. The detection engine keeps one
 * wd_ss_result per (sumstat, key, stream), feeds it with wd_ss_observe() and reads the
 * calculations when it checks thresholds or ends an epoch. wd_ss_merge() combines two
 * partial results (a future manager/worker split) with each reducer's merge rule.
 *
 * Invariants:
 * - An observation carries exactly one of num, dbl or str. Its numeric value is num,
 *   else dbl, else 1.0 (a string observation counts as one).
 * - Calculations pull their dependencies (STD_DEV -> VARIANCE -> AVERAGE) automatically.
 * - A result copies every string it keeps; the caller's observation is borrowed only for
 *   the duration of the call. Randomness (SAMPLE) comes from a generator seeded by
 *   wd_ss_params.seed, so equal inputs give equal results.
 * - Not thread-safe: one thread uses a result at a time. Distinct results are independent.
 * Semantics, parameters and defaults for users: docs/sumstats.md.
 */
#ifndef WD_SUMSTATS_H
#define WD_SUMSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ward.h"

struct wd_buf;
struct wd_ss_result;

/* Calculations; a set of them is a bitmask of WD_SS_BIT(calc). */
enum wd_ss_calc {
    WD_SS_SUM,
    WD_SS_MIN,
    WD_SS_MAX,
    WD_SS_AVERAGE,
    WD_SS_VARIANCE,
    WD_SS_STD_DEV,
    WD_SS_UNIQUE,
    WD_SS_HLL_UNIQUE,
    WD_SS_TOPK,
    WD_SS_SAMPLE,
    WD_SS_LAST,
    WD_SS__COUNT
};

#define WD_SS_BIT(calc) (1u << (calc))
#define WD_SS_ALL       ((1u << WD_SS__COUNT) - 1u)

/*
 * Reducer parameters (Zeek's names in brackets). A zeroed struct means Zeek's defaults;
 * a field left 0 takes its default.
 */
struct wd_ss_params {
    uint32_t unique_max;   /* [unique_max] UNIQUE cap; the set may hold cap+1; 0 = no cap */
    double hll_error;      /* [hll_error_margin] relative error in (0,1); 0 = 0.01 */
    double hll_confidence; /* [hll_confidence] in (0,1); 0 = 0.95 */
    uint32_t topk_size;    /* [topk_size] counters kept by TOPK; 0 = 500 */
    uint32_t num_samples;  /* [num_samples] SAMPLE reservoir size; 0 = none (Zeek default) */
    uint32_t num_last;     /* [num_last_elements] LAST queue length; 0 = none */
    uint64_t seed;         /* seed of the SAMPLE generator; vary it per key if wanted */
};

enum wd_ss_obs_type { WD_SS_OBS_NUM = 1, WD_SS_OBS_DBL = 2, WD_SS_OBS_STR = 3 };

/* One observation: `type` says which of num, dbl, str is set; str is a borrowed view. */
struct wd_ss_obs {
    uint8_t type; /* enum wd_ss_obs_type */
    uint64_t num;
    double dbl;
    struct wd_str str;
};

/* One TOPK entry: true count lies in [count - epsilon, count]. value is borrowed from the
 * result (valid until it is next observed, merged or freed). */
struct wd_ss_topk_item {
    const struct wd_ss_obs *value;
    uint64_t count;
    uint64_t epsilon;
};

/* Parses a calculation name as Zeek spells it ("SUM", "STD_DEV", "HLL_UNIQUE", ...),
 * case-insensitively. Returns the enum wd_ss_calc value or -1. */
int wd_ss_parse_calc(const char *name, size_t len);
/* The Zeek name of a calculation ("SUM"), or NULL when out of range. Static storage. */
const char *wd_ss_calc_name(int calc);
/* calcs plus the calculations they depend on. */
uint32_t wd_ss_calcs_closure(uint32_t calcs);
/* log2 of the HLL register count Zeek's CardinalityCounter picks for (error, confidence),
 * clamped to 4..18 (18 = 256 KiB per result). */
int wd_ss_hll_bits(double error, double confidence);

/*
 * Returns a new empty result computing `calcs` (a WD_SS_BIT mask; dependencies added)
 * with parameters p (NULL = all defaults, copied). The caller frees it with
 * wd_ss_result_free(). NULL when out of memory or invalid: bits outside WD_SS_ALL,
 * hll_error or hll_confidence outside (0,1).
 */
struct wd_ss_result *wd_ss_result_new(uint32_t calcs, const struct wd_ss_params *p);
/* Frees a result; accepts NULL. */
void wd_ss_result_free(struct wd_ss_result *r);

/*
 * Adds one observation made at ts_us (microseconds since the epoch): num += 1, begin is
 * set by the first observation, end by every one, then every selected calculation runs.
 * o is borrowed. Returns WD_OK, WD_EINVAL (bad o->type: nothing changed) or WD_ENOMEM
 * (a string copy failed: counts and numeric calculations are updated, the failing set,
 * sketch or queue misses this observation).
 */
int wd_ss_observe(struct wd_ss_result *r, const struct wd_ss_obs *o, int64_t ts_us);

/*
 * Merges partial result `from` into `into` with each reducer's merge rule (docs/sumstats.md):
 * num and SUM add, MIN/MAX compare, AVERAGE weights by num, VARIANCE pools, UNIQUE unions
 * (stops adding at into's cap, as Zeek does), HLL takes register maxima, TOPK merges the
 * Space-Saving summaries and prunes back to into's topk_size, SAMPLE draws a uniform
 * sample of the union, LAST keeps the newest num_last of both queues by timestamp.
 * `from` is unchanged. Returns WD_OK, WD_EINVAL (different calcs, HLL register counts or
 * num_samples: nothing changed) or WD_ENOMEM (into is valid but may lack some of from's
 * strings).
 */
int wd_ss_merge(struct wd_ss_result *into, const struct wd_ss_result *from);

/*
 * The value of a calculation: SUM, MIN, MAX, AVERAGE, VARIANCE (sample, n-1; 0 for one
 * observation), STD_DEV, UNIQUE (set size), HLL_UNIQUE (estimate rounded to a count).
 * NAN when the calculation is not selected or has no value yet (MIN/MAX/AVERAGE/VARIANCE/
 * STD_DEV before the first observation) or for TOPK/SAMPLE/LAST (use the readers below).
 */
double wd_ss_value(const struct wd_ss_result *r, int calc);
/* Whether the result computes `calc`. */
bool wd_ss_has(const struct wd_ss_result *r, int calc);
/* Observation count, and the first and last observation times (0 while num is 0). */
uint64_t wd_ss_num(const struct wd_ss_result *r);
int64_t wd_ss_begin(const struct wd_ss_result *r);
int64_t wd_ss_end(const struct wd_ss_result *r);

/* OUT: out[0..n) gets the TOPK entries with the largest counts, by count descending
 * (ties: smaller epsilon first, then a stable hash order). Returns how many were written
 * (at most n; 0 when TOPK is not selected). */
size_t wd_ss_topk(const struct wd_ss_result *r, size_t n, struct wd_ss_topk_item *out);
/* OUT: out[0..max) gets pointers to the SAMPLE reservoir (borrowed, valid until the next
 * observe/merge/free), in reservoir order. Returns the count written. */
size_t wd_ss_samples(const struct wd_ss_result *r, const struct wd_ss_obs **out, size_t max);
/* Observations the SAMPLE reservoir has seen (Zeek's sample_elements). */
uint64_t wd_ss_sample_elements(const struct wd_ss_result *r);
/* OUT: out[0..max) gets pointers to the LAST queue, oldest first (borrowed as above).
 * Returns the count written. */
size_t wd_ss_last(const struct wd_ss_result *r, const struct wd_ss_obs **out, size_t max);

/*
 * Appends the result as one JSON object with only the selected calculations:
 * {"num":N,"begin":"ISO","end":"ISO","sum":..,"min":..,"max":..,"average":..,
 *  "variance":..,"std_dev":..,"unique":N,"hll_unique":N,
 *  "topk":[{"value":..,"count":N,"epsilon":N},...],"samples":[..],"sample_elements":N,
 *  "last_elements":[..]}
 * Times are wd_time_iso() text (null while num is 0); values without a value are null;
 * observation values render as a JSON integer (num), number (dbl) or string (str). topk
 * lists every tracked counter in wd_ss_topk() order. Returns WD_OK, WD_ENOMEM or
 * WD_ELIMIT (out's cap; out then keeps its previous length).
 */
int wd_ss_result_json(const struct wd_ss_result *r, struct wd_buf *out);

/* Bytes the result holds on the heap (structure, sets, sketches, copied strings). */
size_t wd_ss_result_bytes(const struct wd_ss_result *r);

#endif
