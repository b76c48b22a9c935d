/*
 * sumstats_sketch.c: the data structures behind UNIQUE, HLL_UNIQUE and TOPK: owned
 * observation copies with a 64-bit hash, an open-addressing index over entry arrays,
 * an insert-only observation set, HyperLogLog (Flajolet et al. 2007, with linear counting
 * for small ranges; a 64-bit hash needs no large-range correction) and Space-Saving
 * (Metwally, Agrawal, El Abbadi 2005) merged as a mergeable summary (Agarwal et al. 2012).
 *
 * Invariants: an index is at most half full; an entry's hash never changes while it is
 * indexed; the HLL keeps sum(2^-reg) exactly as a fixed-point integer, so estimates do not
 * scan the registers.
 */
#include <math.h>

#include "sumstats_int.h"

#define K1 0x9e3779b97f4a7c15ull
#define K2 0xc2b2ae3d27d4eb4full

static uint64_t rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

/* Final avalanche: every input bit affects every output bit. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= K2;
    x ^= x >> 29;
    x *= K1;
    x ^= x >> 32;
    return x;
}

static uint64_t hash_bytes(const void *p, size_t len, uint64_t seed)
{
    const unsigned char *s = p;
    uint64_t h = mix64(seed ^ ((uint64_t)len * K1));
    uint64_t w;
    while (len >= 8) {
        memcpy(&w, s, 8);
        h = rotl(h ^ (w * K2), 27) * K1 + 0x52dce729u;
        s += 8;
        len -= 8;
    }
    w = 0;
    if (len)
        memcpy(&w, s, len);
    h ^= rotl(w * K2, 31) * K1;
    return mix64(h);
}

/* -0.0 and +0.0 are one value; every NaN is one value. */
static uint64_t dbl_bits(double d)
{
    uint64_t u;
    if (d == 0.0)
        d = 0.0;
    else if (isnan(d))
        d = NAN;
    memcpy(&u, &d, sizeof(u));
    return u;
}

uint64_t wd_ss_obs_hash(const struct wd_ss_obs *o)
{
    uint64_t u;
    switch (o->type) {
    case WD_SS_OBS_NUM:
        return hash_bytes(&o->num, sizeof(o->num), WD_SS_OBS_NUM);
    case WD_SS_OBS_DBL:
        u = dbl_bits(o->dbl);
        return hash_bytes(&u, sizeof(u), WD_SS_OBS_DBL);
    default:
        return hash_bytes(o->str.p, o->str.len, WD_SS_OBS_STR);
    }
}

bool wd_ss_obs_eq(const struct wd_ss_obs *a, const struct wd_ss_obs *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case WD_SS_OBS_NUM:
        return a->num == b->num;
    case WD_SS_OBS_DBL:
        return dbl_bits(a->dbl) == dbl_bits(b->dbl);
    default:
        return a->str.len == b->str.len &&
               (a->str.len == 0 || memcmp(a->str.p, b->str.p, a->str.len) == 0);
    }
}

int wd_ss_obs_copy(struct wd_ss_obs *dst, const struct wd_ss_obs *src, size_t *bytes)
{
    struct wd_ss_obs c = *src;
    if (src->type == WD_SS_OBS_STR) {
        char *p = malloc(src->str.len + 1);
        if (!p)
            return WD_ENOMEM;
        if (src->str.len)
            memcpy(p, src->str.p, src->str.len);
        p[src->str.len] = '\0';
        c.str.p = p;
        *bytes += src->str.len + 1;
    } else {
        c.str = (struct wd_str){NULL, 0};
    }
    *dst = c;
    return WD_OK;
}

void wd_ss_obs_fini(struct wd_ss_obs *o, size_t *bytes)
{
    if (o->type == WD_SS_OBS_STR && o->str.p) {
        *bytes -= o->str.len + 1;
        free((void *)o->str.p);
    }
    o->str = (struct wd_str){NULL, 0};
}

/* ---- index over an entry array (each element starts with a struct wd_ss_ent) ---- */

static const struct wd_ss_ent *ent_at(const void *base, size_t stride, uint32_t id)
{
    return (const struct wd_ss_ent *)((const char *)base + (size_t)id * stride);
}

/* The slot holding o when it is indexed, else the empty slot where it belongs. */
static uint32_t ix_find(const struct wd_ss_index *x, const void *base, size_t stride,
                        const struct wd_ss_obs *o, uint64_t h)
{
    uint32_t i = (uint32_t)h & x->mask;
    for (;;) {
        uint32_t v = x->tab[i];
        if (!v)
            return i;
        const struct wd_ss_ent *e = ent_at(base, stride, v - 1);
        if (e->h == h && wd_ss_obs_eq(&e->o, o))
            return i;
        i = (i + 1) & x->mask;
    }
}

static int ix_alloc(struct wd_ss_index *x, uint32_t slots, size_t *bytes)
{
    uint32_t *t = calloc(slots, sizeof(*t));
    if (!t)
        return WD_ENOMEM;
    if (x->tab)
        *bytes -= ((size_t)x->mask + 1) * sizeof(*t);
    free(x->tab);
    x->tab = t;
    x->mask = slots - 1;
    *bytes += (size_t)slots * sizeof(*t);
    return WD_OK;
}

/* Empties `slot` and shifts later members of its probe run back (no tombstones). */
static void ix_del(struct wd_ss_index *x, const void *base, size_t stride, uint32_t slot)
{
    uint32_t i = slot, j = slot;
    x->tab[i] = 0;
    for (;;) {
        j = (j + 1) & x->mask;
        uint32_t v = x->tab[j];
        if (!v)
            return;
        uint32_t home = (uint32_t)ent_at(base, stride, v - 1)->h & x->mask;
        /* v may move to i unless its home lies cyclically in (i, j]. */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            x->tab[i] = v;
            x->tab[j] = 0;
            i = j;
        }
    }
}

static void ix_fini(struct wd_ss_index *x, size_t *bytes)
{
    if (x->tab)
        *bytes -= ((size_t)x->mask + 1) * sizeof(*x->tab);
    WD_FREE(x->tab);
    x->mask = 0;
}

/* ---- UNIQUE set ---- */

static int set_rehash(struct wd_ss_set *s, size_t *bytes)
{
    uint32_t slots = s->ix.tab ? (s->ix.mask + 1) * 2 : 16;
    if (slots == 0)
        return WD_ENOMEM;
    int rc = ix_alloc(&s->ix, slots, bytes);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < s->count; i++) {
        uint32_t slot = ix_find(&s->ix, s->ents, sizeof(*s->ents), &s->ents[i].o, s->ents[i].h);
        s->ix.tab[slot] = i + 1;
    }
    return WD_OK;
}

int wd_ss_set_add(struct wd_ss_set *s, const struct wd_ss_obs *o, uint64_t h, size_t *bytes)
{
    if (s->ix.tab && s->ix.tab[ix_find(&s->ix, s->ents, sizeof(*s->ents), o, h)])
        return WD_OK;
    if (s->count == s->cap) {
        uint32_t ncap = s->cap ? s->cap * 2 : 8;
        struct wd_ss_ent *n = ncap > s->cap ? realloc(s->ents, (size_t)ncap * sizeof(*n)) : NULL;
        if (!n)
            return WD_ENOMEM;
        *bytes += (size_t)(ncap - s->cap) * sizeof(*n);
        s->ents = n;
        s->cap = ncap;
    }
    if (!s->ix.tab || ((size_t)s->count + 1) * 2 > (size_t)s->ix.mask + 1) {
        int rc = set_rehash(s, bytes);
        if (rc)
            return rc;
    }
    uint32_t slot = ix_find(&s->ix, s->ents, sizeof(*s->ents), o, h);
    if (wd_ss_obs_copy(&s->ents[s->count].o, o, bytes))
        return WD_ENOMEM;
    s->ents[s->count].h = h;
    s->ix.tab[slot] = ++s->count;
    return WD_OK;
}

void wd_ss_set_fini(struct wd_ss_set *s, size_t *bytes)
{
    for (uint32_t i = 0; i < s->count; i++)
        wd_ss_obs_fini(&s->ents[i].o, bytes);
    *bytes -= (size_t)s->cap * sizeof(*s->ents);
    WD_FREE(s->ents);
    s->count = s->cap = 0;
    ix_fini(&s->ix, bytes);
}

/* ---- HyperLogLog ---- */

/* 2^-reg as a fixed-point integer with 64 fractional bits (exact; the sum fits 2^82). */
#define HLL_TERM(r) ((unsigned __int128)1 << (64 - (r)))

static void hll_sums(struct wd_ss_hll *x)
{
    unsigned __int128 s = 0;
    uint32_t n0 = 0, m = 1u << x->b;
    for (uint32_t i = 0; i < m; i++) {
        s += HLL_TERM(x->reg[i]);
        n0 += x->reg[i] == 0;
    }
    x->z = s;
    x->zeros = n0;
}

int wd_ss_hll_init(struct wd_ss_hll *x, int b, size_t *bytes)
{
    x->reg = calloc((size_t)1 << b, 1);
    if (!x->reg)
        return WD_ENOMEM;
    x->b = (uint8_t)b;
    hll_sums(x);
    *bytes += (size_t)1 << b;
    return WD_OK;
}

void wd_ss_hll_add(struct wd_ss_hll *x, uint64_t h)
{
    uint32_t i = (uint32_t)(h >> (64 - x->b));
    uint64_t w = h << x->b;
    uint8_t rank = w ? (uint8_t)(__builtin_clzll(w) + 1) : (uint8_t)(64 - x->b + 1);
    if (rank > x->reg[i]) {
        x->zeros -= x->reg[i] == 0;
        x->z -= HLL_TERM(x->reg[i]);
        x->z += HLL_TERM(rank);
        x->reg[i] = rank;
    }
}

double wd_ss_hll_estimate(const struct wd_ss_hll *x)
{
    uint32_t zeros = x->zeros;
    double m = (double)(1u << x->b);
    double z = ldexp((double)x->z, -64);
    double alpha = x->b == 4   ? 0.673
                   : x->b == 5 ? 0.697
                   : x->b == 6 ? 0.709
                               : 0.7213 / (1 + 1.079 / m);
    double e = alpha * m * m / z;
    if (e <= 2.5 * m && zeros)
        e = m * log(m / zeros); /* linear counting */
    return e;
}

void wd_ss_hll_merge(struct wd_ss_hll *into, const struct wd_ss_hll *from)
{
    uint32_t m = 1u << into->b;
    for (uint32_t i = 0; i < m; i++)
        if (from->reg[i] > into->reg[i])
            into->reg[i] = from->reg[i];
    hll_sums(into);
}

void wd_ss_hll_fini(struct wd_ss_hll *x, size_t *bytes)
{
    if (x->reg)
        *bytes -= (size_t)1 << x->b;
    WD_FREE(x->reg);
}

/* ---- Space-Saving ---- */

static void heap_swap(struct wd_ss_topk *t, uint32_t i, uint32_t j)
{
    uint32_t a = t->heap[i];
    t->heap[i] = t->heap[j];
    t->heap[j] = a;
    t->ctr[t->heap[i]].pos = i;
    t->ctr[t->heap[j]].pos = j;
}

static uint64_t heap_count(const struct wd_ss_topk *t, uint32_t i)
{
    return t->ctr[t->heap[i]].count;
}

static void sift_down(struct wd_ss_topk *t, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, s = i;
        if (l < t->n && heap_count(t, l) < heap_count(t, s))
            s = l;
        if (r < t->n && heap_count(t, r) < heap_count(t, s))
            s = r;
        if (s == i)
            return;
        heap_swap(t, i, s);
        i = s;
    }
}

static void sift_up(struct wd_ss_topk *t, uint32_t i)
{
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (heap_count(t, p) <= heap_count(t, i))
            return;
        heap_swap(t, i, p);
        i = p;
    }
}

int wd_ss_topk_init(struct wd_ss_topk *t, uint32_t size, size_t *bytes)
{
    uint32_t slots = 16;
    while (slots < 2 * (uint64_t)size)
        slots *= 2;
    memset(t, 0, sizeof(*t));
    t->ctr = calloc(size, sizeof(*t->ctr));
    t->heap = calloc(size, sizeof(*t->heap));
    if (!t->ctr || !t->heap || ix_alloc(&t->ix, slots, bytes)) {
        WD_FREE(t->ctr);
        WD_FREE(t->heap);
        return WD_ENOMEM;
    }
    t->size = size;
    *bytes += (size_t)size * (sizeof(*t->ctr) + sizeof(*t->heap));
    return WD_OK;
}

#define CTR_STRIDE sizeof(struct wd_ss_ctr)

int wd_ss_topk_add(struct wd_ss_topk *t, const struct wd_ss_obs *o, uint64_t h, size_t *bytes)
{
    uint32_t slot = ix_find(&t->ix, t->ctr, CTR_STRIDE, o, h);
    if (t->ix.tab[slot]) {
        struct wd_ss_ctr *c = &t->ctr[t->ix.tab[slot] - 1];
        c->count++;
        sift_down(t, c->pos);
        return WD_OK;
    }
    if (t->n < t->size) {
        struct wd_ss_ctr *c = &t->ctr[t->n];
        if (wd_ss_obs_copy(&c->e.o, o, bytes))
            return WD_ENOMEM;
        c->e.h = h;
        c->count = 1;
        c->eps = 0;
        c->pos = t->n;
        t->heap[t->n] = t->n;
        t->ix.tab[slot] = t->n + 1;
        sift_up(t, t->n++);
        return WD_OK;
    }
    /* Replace the minimum: the newcomer inherits its count as the error bound. */
    struct wd_ss_obs copy;
    if (t->size == 0 || wd_ss_obs_copy(&copy, o, bytes))
        return t->size == 0 ? WD_OK : WD_ENOMEM;
    uint32_t id = t->heap[0];
    struct wd_ss_ctr *c = &t->ctr[id];
    ix_del(&t->ix, t->ctr, CTR_STRIDE, ix_find(&t->ix, t->ctr, CTR_STRIDE, &c->e.o, c->e.h));
    wd_ss_obs_fini(&c->e.o, bytes);
    c->e.o = copy;
    c->e.h = h;
    c->eps = c->count;
    c->count++;
    t->lossy = true;
    t->ix.tab[ix_find(&t->ix, t->ctr, CTR_STRIDE, o, h)] = id + 1;
    sift_down(t, 0);
    return WD_OK;
}

int wd_ss_ctr_cmp(const void *a, const void *b)
{
    const struct wd_ss_ctr *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    if (x->eps != y->eps)
        return x->eps < y->eps ? -1 : 1;
    return x->e.h < y->e.h ? -1 : x->e.h > y->e.h;
}

/* The count an element absent from t may have: the minimum once t has lost elements. */
static uint64_t absent_bound(const struct wd_ss_topk *t)
{
    return t->lossy && t->n ? t->ctr[t->heap[0]].count : 0;
}

/* Rebuilds index and heap after t->ctr[0..n) was rewritten. */
static void topk_reindex(struct wd_ss_topk *t)
{
    memset(t->ix.tab, 0, ((size_t)t->ix.mask + 1) * sizeof(*t->ix.tab));
    for (uint32_t i = 0; i < t->n; i++) {
        struct wd_ss_ctr *c = &t->ctr[i];
        t->ix.tab[ix_find(&t->ix, t->ctr, CTR_STRIDE, &c->e.o, c->e.h)] = i + 1;
        t->heap[i] = i;
        c->pos = i;
    }
    for (uint32_t i = t->n / 2; i-- > 0;)
        sift_down(t, i);
}

int wd_ss_topk_merge(struct wd_ss_topk *into, const struct wd_ss_topk *from, size_t *bytes)
{
    uint64_t min_into = absent_bound(into), min_from = absent_bound(from);
    size_t total = (size_t)into->n + from->n, k = 0;
    struct wd_ss_ctr *all = malloc((total ? total : 1) * sizeof(*all));
    if (!all)
        return WD_ENOMEM;
    for (uint32_t i = 0; i < into->n; i++) {
        struct wd_ss_ctr c = into->ctr[i];
        uint32_t v = from->ix.tab[ix_find(&from->ix, from->ctr, CTR_STRIDE, &c.e.o, c.e.h)];
        c.count += v ? from->ctr[v - 1].count : min_from;
        c.eps += v ? from->ctr[v - 1].eps : min_from;
        all[k++] = c;
    }
    for (uint32_t i = 0; i < from->n; i++) {
        const struct wd_ss_ctr *f = &from->ctr[i];
        if (into->ix.tab[ix_find(&into->ix, into->ctr, CTR_STRIDE, &f->e.o, f->e.h)])
            continue;
        if (wd_ss_obs_copy(&all[k].e.o, &f->e.o, bytes)) {
            while (k-- > into->n)
                wd_ss_obs_fini(&all[k].e.o, bytes);
            free(all);
            return WD_ENOMEM;
        }
        all[k].e.h = f->e.h;
        all[k].count = f->count + min_into;
        all[k].eps = f->eps + min_into;
        k++;
    }
    qsort(all, k, sizeof(*all), wd_ss_ctr_cmp);
    size_t keep = WD_MIN(k, (size_t)into->size);
    for (size_t i = keep; i < k; i++)
        wd_ss_obs_fini(&all[i].e.o, bytes);
    into->lossy = into->lossy || from->lossy || keep < k;
    if (keep)
        memcpy(into->ctr, all, keep * sizeof(*all));
    free(all);
    into->n = (uint32_t)keep;
    topk_reindex(into);
    return WD_OK;
}

void wd_ss_topk_fini(struct wd_ss_topk *t, size_t *bytes)
{
    for (uint32_t i = 0; i < t->n; i++)
        wd_ss_obs_fini(&t->ctr[i].e.o, bytes);
    if (t->ctr)
        *bytes -= (size_t)t->size * (sizeof(*t->ctr) + sizeof(*t->heap));
    WD_FREE(t->ctr);
    WD_FREE(t->heap);
    ix_fini(&t->ix, bytes);
    t->n = t->size = 0;
}
