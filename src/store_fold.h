/*
 * store_fold.h: per-value row counts one search worker sums over the blocks it reads
 * (store_fold.c), for a one-field count-by whose rows may be fed in any order.
 */
#ifndef WD_STORE_FOLD_H
#define WD_STORE_FOLD_H

#include "agg.h"
#include "mem.h"
#include "query.h"

struct wd_fold_ent {
    uint64_t n;
    struct wd_qval q; /* its text in the fold's arena */
};

struct wd_fold {
    uint64_t *tab;             /* hash bits << 32 | entry + 1; 0: free */
    struct wd_fold_ent *ents;  /* in the order first added */
    uint32_t cap, n, ents_cap; /* cap: a power of two, or 0 */
    uint32_t *todo;            /* scratch of wd_fold_add_many(): the values counted */
    uint32_t todo_cap;
    uint64_t missing; /* rows without the field */
    struct wd_arena arena;
};

void wd_fold_init(struct wd_fold *f);
void wd_fold_fini(struct wd_fold *f);
/* Whether wd_fold_add_many() takes values of q's type (strings and integers). */
bool wd_fold_takes(const struct wd_qval *q);
/* Adds cnt[e] rows holding vals[e] for each e < n (wd_fold_takes() of each counted one);
 * returns false when the arena is full. */
bool wd_fold_add_many(struct wd_fold *f, const struct wd_qval *vals, const uint64_t *cnt,
                      uint32_t n);
/* Feeds every value once with its count, then the missing rows (wd_agg_row's return). */
int wd_fold_feed(const struct wd_fold *f, struct wd_agg *agg);

#endif
