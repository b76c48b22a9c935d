/*
 * store_fold.c: per-value row counts a search worker sums over its blocks (store_fold.h).
 * A one-field count-by over 10M events meets each distinct value once per block (about
 * 600 blocks); folded here, in parallel, the single-threaded merge feeds the aggregation
 * once per value and worker. Open addressing on a 64-bit hash, keys compared in full.
 */
#include <string.h>

#include "store_fold.h"
#include "ward.h"

void wd_fold_init(struct wd_fold *f)
{
    memset(f, 0, sizeof(*f));
    wd_arena_init(&f->arena, 0, 0);
}

void wd_fold_fini(struct wd_fold *f)
{
    free(f->tab);
    free(f->ents);
    free(f->todo);
    wd_arena_fini(&f->arena);
    memset(f, 0, sizeof(*f));
}

bool wd_fold_takes(const struct wd_qval *q)
{
    return q->type == WD_QV_STR || q->type == WD_QV_INT;
}

static uint64_t key_hash(const struct wd_qval *q)
{
    return q->type == WD_QV_STR ? wd_hash64(q->s.p, q->s.len, 0x5eed)
                                : wd_hash64(&q->i, sizeof(q->i), 0x1e57);
}

static bool key_eq(const struct wd_qval *a, const struct wd_qval *b)
{
    if (a->type != b->type)
        return false;
    if (a->type == WD_QV_INT)
        return a->i == b->i;
    return a->s.len == b->s.len && wd_bytes_eq(a->s.p, b->s.p, a->s.len);
}

/* The slot of q (hash h): its entry's, or the free one where it goes. */
static uint64_t *probe(const struct wd_fold *f, uint64_t h, const struct wd_qval *q)
{
    uint64_t tag = h & 0xffffffff00000000u;
    for (uint32_t i = (uint32_t)h & (f->cap - 1);; i = (i + 1) & (f->cap - 1)) {
        uint64_t e = f->tab[i];
        if (!e || ((e & 0xffffffff00000000u) == tag && key_eq(&f->ents[(uint32_t)e - 1].q, q)))
            return &f->tab[i];
    }
}

static void grow(struct wd_fold *f)
{
    uint32_t cap = f->cap ? f->cap * 2 : 1024;
    free(f->tab);
    f->tab = wd_xcalloc(cap, sizeof(*f->tab));
    f->cap = cap;
    for (uint32_t i = 0; i < f->n; i++) {
        uint64_t h = key_hash(&f->ents[i].q);
        *probe(f, h, &f->ents[i].q) = (h & 0xffffffff00000000u) | (i + 1);
    }
}

/* Adds n rows of q (hash h) at slot, the one probe() gave. */
static bool add_at(struct wd_fold *f, uint64_t *slot, uint64_t h, const struct wd_qval *q,
                   uint64_t n)
{
    if (*slot) {
        f->ents[(uint32_t)*slot - 1].n += n;
        return true;
    }
    /* the text: the string, or an integer's literal (what the output shows) */
    char *s = q->s.len ? wd_arena_strndup(&f->arena, q->s.p, q->s.len) : NULL;
    if (q->s.len && !s)
        return false;
    if (f->n == f->ents_cap) {
        f->ents_cap = f->ents_cap ? f->ents_cap * 2 : 512;
        f->ents = wd_xrealloc(f->ents, f->ents_cap * sizeof(*f->ents));
    }
    struct wd_fold_ent *e = &f->ents[f->n];
    *e = (struct wd_fold_ent){n, *q};
    e->q.s = (struct wd_str){s ? s : "", q->s.len};
    *slot = (h & 0xffffffff00000000u) | ++f->n;
    return true;
}

#define AHEAD 8 /* values hashed and their slots fetched ahead of the probe */

/*
 * The values of a block's dictionary are probed in a table larger than the core's cache,
 * each probe a chain of three loads (slot, entry, text): fetching a value's slot AHEAD
 * values before its probe, and the entry and text of the first slot AHEAD / 2 before,
 * overlaps the misses of several values.
 */
bool wd_fold_add_many(struct wd_fold *f, const struct wd_qval *vals, const uint64_t *cnt,
                      uint32_t n)
{
    uint64_t ring[AHEAD]; /* hashes of the values in flight */
    if (f->todo_cap < n) {
        f->todo_cap = n;
        free(f->todo);
        f->todo = wd_xmalloc((size_t)n * sizeof(*f->todo));
    }
    uint32_t m = 0;
    for (uint32_t e = 0; e < n; e++)
        if (cnt[e])
            f->todo[m++] = e;
    for (uint32_t i = 0; i < m + AHEAD; i++) {
        if ((uint64_t)(f->n + 1) * 2 > f->cap)
            grow(f); /* before any fetch: the slots move */
        uint32_t mask = f->cap - 1;
        if (i < m) {
            ring[i % AHEAD] = key_hash(&vals[f->todo[i]]);
            __builtin_prefetch(&f->tab[(uint32_t)ring[i % AHEAD] & mask]);
        }
        if (i >= AHEAD / 2 && i - AHEAD / 2 < m) {
            uint64_t t = f->tab[(uint32_t)ring[(i - AHEAD / 2) % AHEAD] & mask];
            if (t) {
                const struct wd_fold_ent *x = &f->ents[(uint32_t)t - 1];
                __builtin_prefetch(x);
                __builtin_prefetch(x->q.s.p);
            }
        }
        if (i >= AHEAD - 1 && i - (AHEAD - 1) < m) {
            uint32_t j = i - (AHEAD - 1), e = f->todo[j];
            uint64_t h = ring[j % AHEAD];
            if (!add_at(f, probe(f, h, &vals[e]), h, &vals[e], cnt[e]))
                return false;
        }
    }
    return true;
}

int wd_fold_feed(const struct wd_fold *f, struct wd_agg *agg)
{
    const struct wd_qval *one[1] = {NULL};
    uint32_t n1 = 1, n0 = 0;
    int rc = WD_OK;
    for (uint32_t i = 0; i < f->n && rc == WD_OK; i++) {
        one[0] = &f->ents[i].q;
        rc = wd_agg_row(agg, 0, one, &n1, f->ents[i].n);
    }
    if (rc == WD_OK && f->missing)
        rc = wd_agg_row(agg, 0, one, &n0, f->missing);
    return rc;
}
