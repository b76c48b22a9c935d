/*
 * sumstats_int.h: private to sumstats*.c. The ResultVal structure and the sketches it
 * embeds: a set of whole observations (UNIQUE), HyperLogLog registers (HLL_UNIQUE) and a
 * Space-Saving summary (TOPK). Every allocation is added to / subtracted from the
 * owning result's byte counter passed as `bytes`.
 */
#ifndef WD_SUMSTATS_INT_H
#define WD_SUMSTATS_INT_H

#include "sumstats.h"

/* An owned observation copy and its hash. */
struct wd_ss_ent {
    struct wd_ss_obs o; /* str.p is malloc'ed (NUL-terminated) for WD_SS_OBS_STR */
    uint64_t h;         /* wd_ss_obs_hash(&o) */
};

/* Open-addressing index (linear probing) of entry ids into an entry array; slots hold
 * id + 1, 0 = empty. mask + 1 is a power of two, kept at most half full. */
struct wd_ss_index {
    uint32_t *tab;
    uint32_t mask;
};

/* UNIQUE: an insert-only set of observations. */
struct wd_ss_set {
    struct wd_ss_ent *ents;
    uint32_t count, cap; /* entries used / allocated */
    struct wd_ss_index ix;
};

/* HLL_UNIQUE: 2^b registers of leading-zero ranks of a 64-bit hash. */
struct wd_ss_hll {
    uint8_t *reg;
    unsigned __int128 z; /* sum of 2^(64 - reg[i]): sum(2^-reg) with 64 fractional bits */
    uint32_t zeros;      /* registers still 0 */
    uint8_t b;
};

/* One Space-Saving counter. */
struct wd_ss_ctr {
    struct wd_ss_ent e;
    uint64_t count; /* over-estimate of the true count */
    uint64_t eps;   /* maximal over-estimation */
    uint32_t pos;   /* position in the heap */
};

/* TOPK: Space-Saving with `size` counters, a min-heap on count and an index. */
struct wd_ss_topk {
    struct wd_ss_ctr *ctr; /* [size] */
    uint32_t *heap;        /* [size] counter ids, min-heap by count */
    struct wd_ss_index ix;
    uint32_t n, size;
    bool lossy; /* some element was evicted or pruned: absent ones may count up to min */
};

/* One LAST queue slot. */
struct wd_ss_tsobs {
    struct wd_ss_obs o;
    int64_t ts_us;
};

struct wd_ss_result {
    uint32_t calcs; /* WD_SS_BIT mask, closed under dependencies */
    struct wd_ss_params p;
    uint64_t num;
    int64_t begin_us, end_us;
    double sum, min, max, avg, var_s; /* var_s: sum of squared deviations (Welford) */
    struct wd_ss_set uniq;
    struct wd_ss_hll hll;
    struct wd_ss_topk topk;
    struct wd_ss_obs *samples; /* [num_samples] */
    uint32_t nsamples;
    uint64_t sample_elements;
    struct wd_ss_tsobs *last; /* ring [num_last] */
    uint32_t last_head, nlast;
    uint64_t rng; /* splitmix64 state */
    size_t bytes; /* heap bytes held, see wd_ss_result_bytes() */
};

/* Observation helpers. */
uint64_t wd_ss_obs_hash(const struct wd_ss_obs *o);
bool wd_ss_obs_eq(const struct wd_ss_obs *a, const struct wd_ss_obs *b);
/* Copies src into dst (strings duplicated). WD_OK or WD_ENOMEM (dst unchanged). */
int wd_ss_obs_copy(struct wd_ss_obs *dst, const struct wd_ss_obs *src, size_t *bytes);
void wd_ss_obs_fini(struct wd_ss_obs *o, size_t *bytes);

/* Set: adds o (hash h) unless present. WD_OK or WD_ENOMEM. */
int wd_ss_set_add(struct wd_ss_set *s, const struct wd_ss_obs *o, uint64_t h, size_t *bytes);
void wd_ss_set_fini(struct wd_ss_set *s, size_t *bytes);

/* HLL: `b` from wd_ss_hll_bits(). */
int wd_ss_hll_init(struct wd_ss_hll *x, int b, size_t *bytes);
void wd_ss_hll_add(struct wd_ss_hll *x, uint64_t h);
double wd_ss_hll_estimate(const struct wd_ss_hll *x);
void wd_ss_hll_merge(struct wd_ss_hll *into, const struct wd_ss_hll *from); /* same b */
void wd_ss_hll_fini(struct wd_ss_hll *x, size_t *bytes);

/* TOPK. */
int wd_ss_topk_init(struct wd_ss_topk *t, uint32_t size, size_t *bytes);
int wd_ss_topk_add(struct wd_ss_topk *t, const struct wd_ss_obs *o, uint64_t h, size_t *bytes);
int wd_ss_topk_merge(struct wd_ss_topk *into, const struct wd_ss_topk *from, size_t *bytes);
/* Orders counters for output: count desc, eps asc, hash asc (qsort comparator). */
int wd_ss_ctr_cmp(const void *a, const void *b);
void wd_ss_topk_fini(struct wd_ss_topk *t, size_t *bytes);

#endif
