/*
 * agg_fn.c: the aggregation machinery behind agg.c: the byte-string hash table (group keys,
 * dc() sets), the value encoding of keys, the numeric reading of values, the per-group
 * function states (count, dc, sum, avg, min, max, pNN), and the finishing of a stats /
 * top / timechart stage into a table with its documented row order (docs/pipes.md).
 *
 * Hot path (wd_agg_stage_row): one key encoding into a reused scratch buffer, one hash,
 * one probe sequence, then the function updates; no allocation once the groups exist.
 */
#include <math.h>

#include "agg_int.h"
#include "agg.h"
#include "jv.h"
#include "wd_time.h"

/* ---- hashing ---- */

#define K1 UINT64_C(0x9E3779B97F4A7C15)
#define K2 UINT64_C(0xD6E8FEB86659FD93)

static inline uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

/* Two independent multiply lanes over 16-byte steps (short dependency chains), a final
 * avalanche. Not cryptographic: keys are compared in full on every probe. */
static inline __attribute__((always_inline)) uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t a = UINT64_C(0x243F6A8885A308D3) ^ ((uint64_t)n * K1),
             b = UINT64_C(0x13198A2E03707344);
    uint64_t k0, k1;
    while (n >= 16) {
        memcpy(&k0, s, 8);
        memcpy(&k1, s + 8, 8);
        a = rotl64((a ^ k0) * K1, 29);
        b = rotl64((b ^ k1) * K2, 31);
        s += 16;
        n -= 16;
    }
    if (n >= 8) {
        memcpy(&k0, s, 8);
        memcpy(&k1, s + n - 8, 8); /* overlapping tail */
    } else {
        k0 = k1 = 0;
        if (n >= 4) {
            uint32_t x, y;
            memcpy(&x, s, 4);
            memcpy(&y, s + n - 4, 4);
            k0 = x;
            k1 = y;
        } else if (n) {
            k0 = (uint64_t)s[0] | (uint64_t)s[n / 2] << 8 | (uint64_t)s[n - 1] << 16;
        }
    }
    a = (a ^ k0) * K1;
    b = (b ^ k1) * K2;
    uint64_t h = a ^ rotl64(b, 32);
    h ^= h >> 32;
    h *= K2;
    h ^= h >> 29;
    return h;
}

uint64_t wd_agg_hash(const void *p, size_t n)
{
    return hash_bytes(p, n);
}

/* ---- hash table ---- */

static int ht_grow_slots(struct wd_agg_ht *t)
{
    uint32_t nslots = t->slots ? (t->mask + 1) * 2 : 16;
    if (nslots == 0)
        return WD_ELIMIT;
    struct wd_agg_slot *ns = calloc(nslots, sizeof(*ns));
    if (!ns)
        return WD_ENOMEM;
    uint32_t mask = nslots - 1;
    if (t->slots) {
        for (uint32_t i = 0; i <= t->mask; i++) {
            struct wd_agg_slot s = t->slots[i];
            if (!s.id1)
                continue;
            uint32_t j = s.h & mask;
            while (ns[j].id1)
                j = (j + 1) & mask;
            ns[j] = s;
        }
        free(t->slots);
    }
    t->slots = ns;
    t->mask = mask;
    return WD_OK;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return WD_OK;
    size_t nc = *cap ? *cap : 16;
    while (nc < need)
        nc *= 2;
    void *np = realloc(*p, nc * elem);
    if (!np)
        return WD_ENOMEM;
    *p = np;
    *cap = nc;
    return WD_OK;
}

/* Key equality for the probe loop: short keys compare in 8-byte words without a call. */
static inline bool key_eq(const char *a, const char *b, size_t n)
{
    uint64_t x, y;
    if (n < 8)
        return n == 0 || memcmp(a, b, n) == 0;
    size_t i = 0;
    for (; i + 8 < n; i += 8) {
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y)
            return false;
    }
    memcpy(&x, a + n - 8, 8); /* the last 8 bytes, overlapping */
    memcpy(&y, b + n - 8, 8);
    return x == y;
}

static int ht_add(struct wd_agg_ht *t, struct wd_agg_lim *lim, const void *key, size_t len,
                  uint32_t h, uint32_t i, uint32_t limit, uint32_t *id)
{
    int rc;
    if (t->n >= limit || t->n >= UINT32_MAX - 1 || lim->key_bytes + len > WD_AGG_MAX_KEY_BYTES)
        return WD_ELIMIT;
    if ((rc = grow((void **)&t->offs, &t->offs_cap, (size_t)t->n + 2, sizeof(*t->offs))) != WD_OK)
        return rc;
    if ((rc = grow((void **)&t->blob, &t->blob_cap, t->blob_len + len, 1)) != WD_OK)
        return rc;
    if (t->n == 0)
        t->offs[0] = 0;
    if (len)
        memcpy(t->blob + t->blob_len, key, len);
    t->slots[i] = (struct wd_agg_slot){t->n + 1, h, (uint32_t)t->blob_len, (uint32_t)len};
    t->blob_len += len;
    lim->key_bytes += len;
    t->offs[t->n + 1] = (uint32_t)t->blob_len;
    *id = t->n++;
    if ((uint64_t)t->n * 2 > (uint64_t)t->mask + 1)
        return ht_grow_slots(t);
    return WD_OK;
}

/* Finds or adds a key (see wd_agg_ht_put); the hot path of every row, inlined. */
static inline __attribute__((always_inline)) int ht_put(struct wd_agg_ht *t, struct wd_agg_lim *lim,
                                                        const void *key, size_t len, uint64_t hash,
                                                        uint32_t limit, uint32_t *id, bool *added)
{
    uint32_t h = (uint32_t)(hash ^ (hash >> 32));
    if (__builtin_expect(!t->slots, 0)) {
        int rc = ht_grow_slots(t);
        if (rc)
            return rc;
    }
    uint32_t i = h & t->mask;
    for (;;) {
        const struct wd_agg_slot *s = &t->slots[i];
        if (!s->id1)
            break;
        if (s->h == h && s->len == len && key_eq(t->blob + s->off, key, len)) {
            *id = s->id1 - 1;
            *added = false;
            return WD_OK;
        }
        i = (i + 1) & t->mask;
    }
    *added = true;
    return ht_add(t, lim, key, len, h, i, limit, id);
}

int wd_agg_ht_put(struct wd_agg_ht *t, struct wd_agg_lim *lim, const void *key, size_t len,
                  uint64_t hash, uint32_t limit, uint32_t *id, bool *added)
{
    return ht_put(t, lim, key, len, hash, limit, id, added);
}

void wd_agg_ht_fini(struct wd_agg_ht *t)
{
    free(t->slots);
    free(t->offs);
    free(t->blob);
    memset(t, 0, sizeof(*t));
}

/* ---- value encoding ---- */

/* The JSON text of a number value: its literal, or one rendered from i/f. */
static struct wd_str num_text(const struct wd_qval *v, char tmp[32])
{
    if (v->s.len)
        return v->s;
    if (v->type == WD_QV_INT)
        return (struct wd_str){tmp, wd_fmt_i64(v->i, tmp)};
    int n = wd_jv_fmt_double(v->f, tmp, 32);
    return (struct wd_str){tmp, n > 0 ? (size_t)n : 0};
}

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 31;
    x *= K1;
    x ^= x >> 29;
    x *= K2;
    x ^= x >> 32;
    return x;
}

/* Hash of one value, consistent with the identity of its encoding (equal encodings, equal
 * hashes): strings by bytes, integers by value, floats by JSON text. */
static inline __attribute__((always_inline)) uint64_t val_hash(const struct wd_qval *v)
{
    char tmp[32];
    if (!v)
        return UINT64_C(0x51ED270B27D2A3F1);
    switch (v->type) {
    case WD_QV_STR:
        return hash_bytes(v->s.p, v->s.len);
    case WD_QV_INT:
        return mix64((uint64_t)v->i ^ UINT64_C(0x6A09E667F3BCC908));
    case WD_QV_FLOAT:
        if (!isfinite(v->f))
            return UINT64_C(0x51ED270B27D2A3F1);
        {
            struct wd_str t = num_text(v, tmp);
            return hash_bytes(t.p, t.len) ^ UINT64_C(0xBB67AE8584CAA73B);
        }
    case WD_QV_BOOL:
        return v->b ? UINT64_C(0x3C6EF372FE94F82B) : UINT64_C(0xA54FF53A5F1D36F1);
    default:
        return UINT64_C(0x51ED270B27D2A3F1);
    }
}

/* Key hashes fold the value hashes of the key's parts. */
#define KEY_SEED UINT64_C(0x9B05688C2B3E6C1F)
static inline uint64_t key_fold(uint64_t h, uint64_t vh)
{
    return (rotl64(h, 27) ^ vh) * K2;
}

static inline __attribute__((always_inline)) int enc_val(char **buf, size_t *cap, size_t *len,
                                                         const struct wd_qval *v)
{
    char tmp[32];
    struct wd_str text = {NULL, 0};
    uint8_t tag = 0;
    if (v) {
        switch (v->type) {
        case WD_QV_STR:
            tag = 1;
            text = v->s;
            break;
        case WD_QV_INT:
            tag = 2;
            break;
        case WD_QV_FLOAT:
            if (isfinite(v->f)) {
                tag = 3;
                text = num_text(v, tmp);
            }
            break;
        case WD_QV_BOOL:
            tag = 4;
            break;
        default:
            break;
        }
    }
    size_t need = *len + WD_AGG_ENC_MAX_FIXED + text.len;
    if (need > *cap) {
        int rc = grow((void **)buf, cap, need, 1);
        if (rc)
            return rc;
    }
    char *p = *buf + *len;
    *p++ = (char)tag;
    if (tag == 2) {
        memcpy(p, &v->i, 8);
        p += 8;
    } else if (tag == 3) {
        memcpy(p, &v->f, 8);
        p += 8;
    }
    if (tag == 1 || tag == 3) {
        uint32_t n = (uint32_t)text.len;
        memcpy(p, &n, 4);
        p += 4;
        if (n)
            memcpy(p, text.p, n);
        p += n;
    } else if (tag == 4) {
        *p++ = (char)(v->b ? 1 : 0);
    }
    *len = (size_t)(p - *buf);
    return WD_OK;
}

int wd_agg_enc_val(char **buf, size_t *cap, size_t *len, const struct wd_qval *v)
{
    return enc_val(buf, cap, len, v);
}

size_t wd_agg_dec_val(const char *p, struct wd_agg_cell *c)
{
    const char *p0 = p;
    uint8_t tag = (uint8_t)*p++;
    memset(c, 0, sizeof(*c));
    if (tag == 0) {
        c->q.type = WD_AGG_QV_NULL;
        return 1;
    }
    c->n = 1;
    if (tag == 4) {
        c->q.type = WD_QV_BOOL;
        c->q.b = *p != 0;
        c->q.s = c->q.b ? WD_STR("true") : WD_STR("false");
        return 2;
    }
    if (tag == 2) {
        c->q.type = WD_QV_INT;
        memcpy(&c->q.i, p, 8);
        c->q.f = (double)c->q.i;
        return 9;
    }
    if (tag == 3) {
        c->q.type = WD_QV_FLOAT;
        memcpy(&c->q.f, p, 8);
        p += 8;
    } else {
        c->q.type = WD_QV_STR;
    }
    uint32_t n;
    memcpy(&n, p, 4);
    p += 4;
    c->q.s = (struct wd_str){p, n};
    return (size_t)(p - p0) + n;
}

/* ---- cells, rows, sorting ---- */

static const struct wd_qval *cell_first(const struct wd_agg_cell *c)
{
    if (c->n == 0)
        return NULL;
    return c->n == 1 ? &c->q : &c->arr[0];
}

static int type_rank(const struct wd_qval *v)
{
    switch (v->type) {
    case WD_QV_INT:
    case WD_QV_FLOAT:
        return 0;
    case WD_QV_STR:
        return 1;
    default:
        return 2;
    }
}

static int cmp_qval(const struct wd_qval *a, const struct wd_qval *b)
{
    int ra = type_rank(a), rb = type_rank(b);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    if (ra == 0) {
        if (a->type == WD_QV_INT && b->type == WD_QV_INT)
            return a->i < b->i ? -1 : a->i > b->i;
        double x = a->type == WD_QV_INT ? (double)a->i : a->f;
        double y = b->type == WD_QV_INT ? (double)b->i : b->f;
        return x < y ? -1 : x > y;
    }
    if (ra == 1) {
        size_t n = WD_MIN(a->s.len, b->s.len);
        int c = n ? memcmp(a->s.p, b->s.p, n) : 0;
        if (c)
            return c < 0 ? -1 : 1;
        return a->s.len < b->s.len ? -1 : a->s.len > b->s.len;
    }
    return (int)a->b - (int)b->b;
}

int wd_agg_cell_cmp(const struct wd_agg_cell *a, const struct wd_agg_cell *b, bool desc)
{
    const struct wd_qval *x = cell_first(a), *y = cell_first(b);
    if (!x || !y)
        return x ? -1 : y ? 1 : 0; /* nulls last, whatever the direction */
    int c = cmp_qval(x, y);
    return desc ? -c : c;
}

static int cmp_rows(const struct wd_agg_cell *a, const struct wd_agg_cell *b,
                    const struct wd_agg_sortkey *keys, uint32_t nkeys)
{
    for (uint32_t k = 0; k < nkeys; k++) {
        int c = wd_agg_cell_cmp(&a[keys[k].idx], &b[keys[k].idx], keys[k].desc);
        if (c)
            return c;
    }
    return 0;
}

int wd_agg_sort_rows(struct wd_agg_cell **rows, size_t n, const struct wd_agg_sortkey *keys,
                     uint32_t nkeys)
{
    if (n < 2 || nkeys == 0)
        return WD_OK;
    struct wd_agg_cell **tmp = malloc(n * sizeof(*tmp));
    if (!tmp)
        return WD_ENOMEM;
    /* Bottom-up merge sort: insertion-sorted runs of 8, then merges (stable). */
    for (size_t lo = 0; lo < n; lo += 8) {
        size_t hi = WD_MIN(lo + 8, n);
        for (size_t i = lo + 1; i < hi; i++) {
            struct wd_agg_cell *r = rows[i];
            size_t j = i;
            while (j > lo && cmp_rows(rows[j - 1], r, keys, nkeys) > 0) {
                rows[j] = rows[j - 1];
                j--;
            }
            rows[j] = r;
        }
    }
    struct wd_agg_cell **src = rows, **dst = tmp;
    for (size_t w = 8; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = WD_MIN(lo + w, n), hi = WD_MIN(lo + 2 * w, n);
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = cmp_rows(src[j], src[i], keys, nkeys) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        struct wd_agg_cell **x = src;
        src = dst;
        dst = x;
    }
    if (src != rows)
        memcpy(rows, src, n * sizeof(*rows));
    free(tmp);
    return WD_OK;
}

int wd_agg_table_push(struct wd_agg_table *t, struct wd_agg_cell *row, size_t max_rows)
{
    if (t->nrows >= max_rows)
        return WD_ELIMIT;
    int rc = grow((void **)&t->rows, &t->cap, t->nrows + 1, sizeof(*t->rows));
    if (rc)
        return rc;
    t->rows[t->nrows++] = row;
    return WD_OK;
}

/* ---- numbers ---- */

struct num {
    bool isint;
    int64_t i;
    double f; /* the value (also for ints) */
};

/* A string that is entirely a decimal number: -?digits(.digits)?([eE][+-]?digits)?. */
static bool str_num(const char *p, size_t len, struct num *o)
{
    if (len == 0 || len > 63)
        return false;
    size_t i = 0, nd = 0;
    bool isint = true;
    if (p[i] == '-')
        i++;
    while (i < len && p[i] >= '0' && p[i] <= '9')
        i++, nd++;
    if (nd == 0)
        return false;
    if (i < len && p[i] == '.') {
        size_t f0 = ++i;
        while (i < len && p[i] >= '0' && p[i] <= '9')
            i++;
        if (i == f0)
            return false;
        isint = false;
    }
    if (i < len && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < len && (p[i] == '+' || p[i] == '-'))
            i++;
        size_t e0 = i;
        while (i < len && p[i] >= '0' && p[i] <= '9')
            i++;
        if (i == e0)
            return false;
        isint = false;
    }
    if (i != len)
        return false;
    if (isint && nd <= 18) {
        int64_t v = 0;
        for (size_t k = p[0] == '-'; k < len; k++)
            v = v * 10 + (p[k] - '0');
        o->isint = true;
        o->i = p[0] == '-' ? -v : v;
        o->f = (double)o->i;
        return true;
    }
    char tmp[64];
    memcpy(tmp, p, len);
    tmp[len] = '\0';
    o->isint = false;
    o->i = 0;
    o->f = strtod(tmp, NULL);
    return isfinite(o->f);
}

static bool qv_num(const struct wd_qval *v, struct num *o)
{
    switch (v->type) {
    case WD_QV_INT:
        o->isint = true;
        o->i = v->i;
        o->f = (double)v->i;
        return true;
    case WD_QV_FLOAT:
        o->isint = false;
        o->i = 0;
        o->f = v->f;
        return isfinite(v->f);
    case WD_QV_STR:
        return str_num(v->s.p, v->s.len, o);
    default:
        return false;
    }
}

/* ---- function states ---- */

struct wd_agg_st {
    uint64_t n;     /* count: weight; dc: distinct values; sum/avg/min/max/pNN: weight of
                       numeric values */
    int64_t i;      /* sum: integer sum; min/max: value when !nonint; pNN: vector index + 1 */
    double f;       /* sum: float sum; min/max: value when nonint */
    uint8_t nonint; /* sum: render f (a float, or the integer sum overflowed); min/max: the
                       value is f; pNN: some value was not an integer */
};

struct pv {
    double v;
    uint64_t w;
};

struct wd_agg_pvec {
    struct pv *v;
    size_t n, cap;
};

static int num_cmp(const struct num *a, const struct num *b)
{
    if (a->isint && b->isint)
        return a->i < b->i ? -1 : a->i > b->i;
    return a->f < b->f ? -1 : a->f > b->f;
}

static void add_sum(struct wd_agg_st *st, const struct num *x, uint64_t w)
{
    st->n += w;
    st->f += x->f * (double)w;
    if (st->nonint)
        return;
    int64_t prod, sum;
    if (!x->isint || w > INT64_MAX || __builtin_mul_overflow(x->i, (int64_t)w, &prod) ||
        __builtin_add_overflow(st->i, prod, &sum))
        st->nonint = 1;
    else
        st->i = sum;
}

static void add_minmax(struct wd_agg_st *st, const struct num *x, uint64_t w, bool is_max)
{
    struct num cur = {!st->nonint, st->i, st->nonint ? st->f : (double)st->i};
    if (st->n == 0 || (is_max ? num_cmp(x, &cur) > 0 : num_cmp(x, &cur) < 0)) {
        st->nonint = !x->isint;
        st->i = x->isint ? x->i : 0;
        st->f = x->f;
    }
    st->n += w;
}

static int add_pct(struct wd_agg_stage *s, struct wd_agg_lim *lim, struct wd_agg_st *st,
                   const struct num *x, uint64_t w)
{
    if (lim->entries >= lim->max_entries)
        return WD_ELIMIT;
    int rc;
    if (st->i == 0) {
        if ((rc = grow((void **)&s->pv, &s->pv_cap, s->npv + 1, sizeof(*s->pv))))
            return rc;
        memset(&s->pv[s->npv], 0, sizeof(s->pv[0]));
        st->i = (int64_t)++s->npv;
    }
    struct wd_agg_pvec *v = &s->pv[st->i - 1];
    if ((rc = grow((void **)&v->v, &v->cap, v->n + 1, sizeof(*v->v))))
        return rc;
    v->v[v->n].v = x->f;
    v->v[v->n].w = w;
    v->n++;
    lim->entries++;
    st->n += w;
    if (!x->isint)
        st->nonint = 1;
    return WD_OK;
}

static int add_dc(struct wd_agg_stage *s, struct wd_agg_lim *lim, struct wd_agg_st *st,
                  uint32_t gid, uint32_t j, const struct wd_qval *v)
{
    size_t len = 8;
    uint32_t hdr[2] = {gid, j};
    if (s->kcap < 8) {
        int rc = grow((void **)&s->kbuf, &s->kcap, 64, 1);
        if (rc)
            return rc;
    }
    memcpy(s->kbuf, hdr, 8);
    int rc = enc_val(&s->kbuf, &s->kcap, &len, v);
    if (rc)
        return rc;
    uint32_t id;
    bool added;
    uint32_t limit = lim->entries < lim->max_entries ? UINT32_MAX : s->dset.n;
    uint64_t h = key_fold(key_fold(KEY_SEED, ((uint64_t)gid << 32) | j), val_hash(v));
    rc = ht_put(&s->dset, lim, s->kbuf, len, h, limit, &id, &added);
    if (rc)
        return rc;
    if (added) {
        lim->entries++;
        st->n++;
    }
    return WD_OK;
}

/* Updates every function of group gid with one row. Out of line: keeps the fast path's
 * frame small. */
static __attribute__((noinline)) int update(struct wd_agg_stage *s, struct wd_agg_lim *lim,
                                            uint32_t gid, const struct wd_qval *const *vals,
                                            const uint32_t *nvals, uint64_t w)
{
    struct wd_agg_st *st = &s->st[(size_t)gid * s->naggs];
    for (uint32_t j = 0; j < s->naggs; j++) {
        const struct wd_agg_def *d = &s->aggs[j];
        if (d->fn == WD_AGG_COUNT) {
            st[j].n += w;
            continue;
        }
        uint32_t nv = nvals[d->slot];
        const struct wd_qval *vs = vals[d->slot];
        for (uint32_t k = 0; k < nv; k++) {
            struct num x;
            int rc = WD_OK;
            if (d->fn == WD_AGG_DC) {
                rc = add_dc(s, lim, &st[j], gid, j, &vs[k]);
            } else if (!qv_num(&vs[k], &x)) {
                continue;
            } else if (d->fn == WD_AGG_SUM || d->fn == WD_AGG_AVG) {
                add_sum(&st[j], &x, w);
            } else if (d->fn == WD_AGG_MIN || d->fn == WD_AGG_MAX) {
                add_minmax(&st[j], &x, w, d->fn == WD_AGG_MAX);
            } else {
                rc = add_pct(s, lim, &st[j], &x, w);
            }
            if (rc)
                return rc;
        }
    }
    return WD_OK;
}

/* Makes sure groups 0..n-1 have zeroed state. */
static int ensure_state(struct wd_agg_stage *s, size_t n)
{
    if (n <= s->st_cap)
        return WD_OK;
    size_t nc = s->st_cap ? s->st_cap * 2 : 64;
    while (nc < n)
        nc *= 2;
    struct wd_agg_st *st = realloc(s->st, nc * s->naggs * sizeof(*st));
    if (!st)
        return WD_ENOMEM;
    s->st = st;
    memset(st + s->st_cap * s->naggs, 0, (nc - s->st_cap) * s->naggs * sizeof(*st));
    uint64_t *stamp = realloc(s->stamp, nc * sizeof(*stamp));
    if (!stamp)
        return WD_ENOMEM;
    s->stamp = stamp;
    memset(stamp + s->st_cap, 0, (nc - s->st_cap) * sizeof(*stamp));
    s->st_cap = nc;
    return WD_OK;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Encodes the group key of the value combination vi[] into kbuf and hashes it; *skip
 * when top's value is missing (top ignores such events beyond counting them in the total). */
static int build_key(struct wd_agg_stage *s, int64_t bucket, const struct wd_qval *const *vals,
                     const uint32_t *nvals, const uint32_t *vi, size_t *len, uint64_t *hash,
                     bool *skip)
{
    size_t n = 0;
    uint64_t h = KEY_SEED;
    if (s->kcap < 64) {
        int rc = grow((void **)&s->kbuf, &s->kcap, 64, 1);
        if (rc)
            return rc;
    }
    if (s->kind == WD_PIPE_TIMECHART) {
        memcpy(s->kbuf, &bucket, 8);
        n = 8;
        h = key_fold(h, mix64((uint64_t)bucket));
    }
    *skip = false;
    for (uint32_t k = 0; k < s->nby; k++) {
        uint32_t slot = s->by_slot[k];
        const struct wd_qval *v = nvals[slot] ? &vals[slot][vi ? vi[k] : 0] : NULL;
        if (!v && s->kind == WD_PIPE_TOP) {
            *skip = true;
            return WD_OK;
        }
        int rc = enc_val(&s->kbuf, &s->kcap, &n, v);
        if (rc)
            return rc;
        h = key_fold(h, val_hash(v));
    }
    *len = n;
    *hash = h;
    return WD_OK;
}

static int find_group(struct wd_agg_stage *s, struct wd_agg_lim *lim, size_t len, uint64_t hash,
                      uint32_t *gid)
{
    bool added;
    int rc = ht_put(&s->groups, lim, s->kbuf, len, hash, lim->max_groups, gid, &added);
    if (rc == WD_OK && added)
        rc = ensure_state(s, (size_t)*gid + 1);
    return rc;
}

/*
 * The common case without building the key: one by field holding one string or integer,
 * outside timechart. Probes with the same hash build_key() computes, comparing the value
 * with the stored encoding in place. Returns the group, or -1 when the value is not a group
 * yet or the row is not of this shape (the caller takes the general path).
 */
static inline __attribute__((always_inline)) int64_t
fast_group(struct wd_agg_stage *s, const struct wd_qval *const *vals, const uint32_t *nvals)
{
    uint32_t slot = s->by_slot[0];
    if (nvals[slot] != 1 || !s->groups.slots)
        return -1;
    const struct wd_qval *v = &vals[slot][0];
    const struct wd_agg_ht *t = &s->groups;
    uint64_t h;
    uint32_t klen;
    unsigned mi = 0;
    if (v->type == WD_QV_STR) {
        klen = 5 + (uint32_t)v->s.len;
        mi = (unsigned)((((uint64_t)(uintptr_t)v->s.p + v->s.len) * K1) >> 58);
        uint32_t g1 = s->memo[mi].gid1;
        if (g1 && s->memo[mi].p == v->s.p && s->memo[mi].len == v->s.len) {
            const char *k = t->blob + t->offs[g1 - 1];
            if (t->offs[g1] - t->offs[g1 - 1] == klen && k[0] == 1 &&
                key_eq(k + 5, v->s.p, v->s.len))
                return g1 - 1;
        }
        h = key_fold(KEY_SEED, hash_bytes(v->s.p, v->s.len));
    } else if (v->type == WD_QV_INT) {
        h = key_fold(KEY_SEED, mix64((uint64_t)v->i ^ UINT64_C(0x6A09E667F3BCC908)));
        klen = 9;
    } else {
        return -1;
    }
    uint32_t h32 = (uint32_t)(h ^ (h >> 32));
    for (uint32_t i = h32 & t->mask;; i = (i + 1) & t->mask) {
        const struct wd_agg_slot *sl = &t->slots[i];
        if (!sl->id1)
            return -1;
        if (sl->h != h32 || sl->len != klen)
            continue;
        const char *k = t->blob + sl->off;
        if (v->type == WD_QV_STR) {
            if (k[0] == 1 && key_eq(k + 5, v->s.p, v->s.len)) {
                s->memo[mi].p = v->s.p;
                s->memo[mi].len = (uint32_t)v->s.len;
                s->memo[mi].gid1 = sl->id1;
                return sl->id1 - 1;
            }
        } else if (k[0] == 2 && memcmp(k + 1, &v->i, 8) == 0) {
            return sl->id1 - 1;
        }
    }
}

/* Everything but the fast path; kept out of line so the fast path's frame stays small. */
static __attribute__((noinline)) int slow_row(struct wd_agg_stage *s, struct wd_agg_lim *lim,
                                              int64_t ts_us, const struct wd_qval *const *vals,
                                              const uint32_t *nvals, uint64_t weight)
{
    int64_t bucket = 0;
    if (s->kind == WD_PIPE_TIMECHART) {
        bucket = floor_div(ts_us, s->span_us);
        int64_t lo = s->any ? WD_MIN(s->bmin, bucket) : bucket;
        int64_t hi = s->any ? WD_MAX(s->bmax, bucket) : bucket;
        if ((uint64_t)hi - (uint64_t)lo >= lim->max_buckets)
            return WD_ELIMIT;
        s->bmin = lo;
        s->bmax = hi;
        s->any = true;
    }
    s->total += weight;
    s->seq++;
    uint64_t combos = 1;
    for (uint32_t k = 0; k < s->nby; k++) {
        uint32_t nv = nvals[s->by_slot[k]];
        if (nv > 1 && (combos *= nv) > WD_AGG_MAX_COMBOS)
            return WD_ELIMIT;
    }
    size_t len;
    uint64_t h;
    bool skip;
    uint32_t gid;
    int rc;
    if (combos == 1) {
        if ((rc = build_key(s, bucket, vals, nvals, NULL, &len, &h, &skip)) || skip)
            return rc;
        if ((rc = find_group(s, lim, len, h, &gid)))
            return rc;
        return update(s, lim, gid, vals, nvals, weight);
    }
    /* Several values: one group per combination; an event counts once per group. */
    uint32_t *vi = s->vi;
    memset(vi, 0, s->nby * sizeof(*vi));
    for (;;) {
        if ((rc = build_key(s, bucket, vals, nvals, vi, &len, &h, &skip)))
            return rc;
        if (!skip) {
            if ((rc = find_group(s, lim, len, h, &gid)))
                return rc;
            if (s->stamp[gid] != s->seq) {
                s->stamp[gid] = s->seq;
                if ((rc = update(s, lim, gid, vals, nvals, weight)))
                    return rc;
            }
        }
        uint32_t k = 0;
        while (k < s->nby) {
            uint32_t nv = nvals[s->by_slot[k]];
            if (++vi[k] < WD_MAX(nv, 1u))
                break;
            vi[k++] = 0;
        }
        if (k == s->nby)
            return WD_OK;
    }
}

int wd_agg_stage_row(struct wd_agg_stage *s, struct wd_agg_lim *lim, int64_t ts_us,
                     const struct wd_qval *const *vals, const uint32_t *nvals, uint64_t weight)
{
    if (s->fast && weight) {
        int64_t g = fast_group(s, vals, nvals);
        if (g >= 0) {
            s->total += weight;
            if (s->count_only) {
                s->st[g].n += weight;
                return WD_OK;
            }
            return update(s, lim, (uint32_t)g, vals, nvals, weight);
        }
    }
    return weight ? slow_row(s, lim, ts_us, vals, nvals, weight) : WD_OK;
}

/* ---- finishing ---- */

/*
 * Nearest-rank percentile over the weighted values: the smallest value v such that the
 * weight of values <= v is at least ceil(p/100 * W) (rank at least 1). A weighted
 * quickselect (expected linear time; reorders v->v) instead of a full sort.
 */
static double percentile(struct wd_agg_pvec *v, double p)
{
    uint64_t total = 0;
    for (size_t k = 0; k < v->n; k++)
        total += v->v[k].w;
    p = p < 0 ? 0 : p > 100 ? 100 : p;
    double r = p * (double)total / 100.0;
    double rr = nearbyint(r);
    if (fabs(r - rr) <= 1e-9 * WD_MAX(1.0, r))
        r = rr; /* p99.9 * 1000 must be rank 999, not 999.0000000001 -> 1000 */
    uint64_t rank = (uint64_t)ceil(r);
    if (rank < 1)
        rank = 1;
    struct pv *a = v->v;
    size_t lo = 0, hi = v->n; /* the answer lies in a[lo..hi); rank is relative to lo */
    uint64_t seed = 0x2545F4914F6CDD1DULL ^ v->n;
    while (hi - lo > 1) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        double pivot = a[lo + seed % (hi - lo)].v;
        /* three-way partition: [lo,lt) < pivot, [lt,gt) == pivot, [gt,hi) > pivot */
        size_t lt = lo, i = lo, gt = hi;
        uint64_t wl = 0, we = 0;
        while (i < gt) {
            if (a[i].v < pivot) {
                wl += a[i].w;
                struct pv t = a[lt];
                a[lt++] = a[i];
                a[i++] = t;
            } else if (a[i].v > pivot) {
                struct pv t = a[--gt];
                a[gt] = a[i];
                a[i] = t;
            } else {
                we += a[i++].w;
            }
        }
        if (rank <= wl) {
            hi = lt;
        } else if (rank <= wl + we) {
            return pivot;
        } else {
            rank -= wl + we;
            lo = gt;
        }
    }
    return a[lo].v;
}

static void set_int(struct wd_agg_cell *c, int64_t i)
{
    memset(c, 0, sizeof(*c));
    c->n = 1;
    c->q.type = WD_QV_INT;
    c->q.i = i;
    c->q.f = (double)i;
}

static void set_float(struct wd_agg_cell *c, double f)
{
    memset(c, 0, sizeof(*c));
    c->n = 1;
    c->q.type = WD_QV_FLOAT;
    c->q.f = f;
}

static void set_null(struct wd_agg_cell *c)
{
    memset(c, 0, sizeof(*c));
    c->q.type = WD_AGG_QV_NULL;
}

static int64_t u2i(uint64_t n)
{
    return n > INT64_MAX ? INT64_MAX : (int64_t)n;
}

static void result(struct wd_agg_stage *s, const struct wd_agg_def *d, const struct wd_agg_st *st,
                   struct wd_agg_cell *c)
{
    switch (d->fn) {
    case WD_AGG_COUNT:
    case WD_AGG_DC:
        set_int(c, u2i(st->n));
        return;
    case WD_AGG_SUM:
        if (st->nonint)
            set_float(c, st->f);
        else
            set_int(c, st->i);
        return;
    case WD_AGG_AVG:
        if (st->n == 0)
            set_null(c);
        else
            set_float(c, (st->nonint ? st->f : (double)st->i) / (double)st->n);
        return;
    case WD_AGG_MIN:
    case WD_AGG_MAX:
        if (st->n == 0)
            set_null(c);
        else if (st->nonint)
            set_float(c, st->f);
        else
            set_int(c, st->i);
        return;
    default: {
        if (st->i == 0) {
            set_null(c);
            return;
        }
        double v = percentile(&s->pv[st->i - 1], d->pct);
        if (!st->nonint && v >= -9.2e18 && v <= 9.2e18)
            set_int(c, (int64_t)v);
        else
            set_float(c, v);
        return;
    }
    }
}

static struct wd_agg_cell *new_row(struct wd_arena *arena, uint32_t ncell)
{
    return wd_arena_alloc(arena, (size_t)ncell * sizeof(struct wd_agg_cell));
}

static int finish_stats(struct wd_agg_stage *s, struct wd_agg_lim *lim, struct wd_arena *arena,
                        struct wd_agg_table *out)
{
    static const struct wd_agg_st zero;
    uint32_t ncell = s->nby + s->naggs;
    int rc;
    for (uint32_t g = 0; g < s->groups.n; g++) {
        struct wd_agg_cell *row = new_row(arena, ncell);
        if (!row)
            return WD_ENOMEM;
        size_t klen;
        const char *p = wd_agg_ht_key(&s->groups, g, &klen);
        for (uint32_t k = 0; k < s->nby; k++)
            p += wd_agg_dec_val(p, &row[k]);
        for (uint32_t j = 0; j < s->naggs; j++)
            result(s, &s->aggs[j], &s->st[(size_t)g * s->naggs + j], &row[s->nby + j]);
        if ((rc = wd_agg_table_push(out, row, SIZE_MAX)))
            return rc;
    }
    if (s->groups.n == 0 && s->nby == 0) {
        /* No events and no by: one row of empty results (count() = 0). */
        struct wd_agg_cell *row = new_row(arena, ncell);
        if (!row)
            return WD_ENOMEM;
        for (uint32_t j = 0; j < s->naggs; j++)
            result(s, &s->aggs[j], &zero, &row[j]);
        if ((rc = wd_agg_table_push(out, row, SIZE_MAX)))
            return rc;
    }
    WD_UNUSED(lim);
    struct wd_agg_sortkey *keys = wd_arena_alloc(arena, (size_t)(s->nby + 1) * sizeof(*keys));
    if (!keys)
        return WD_ENOMEM;
    keys[0] = (struct wd_agg_sortkey){s->nby, true};
    for (uint32_t k = 0; k < s->nby; k++)
        keys[k + 1] = (struct wd_agg_sortkey){k, false};
    return wd_agg_sort_rows(out->rows, out->nrows, keys, s->nby + 1);
}

static int finish_top(struct wd_agg_stage *s, struct wd_arena *arena, struct wd_agg_table *out)
{
    int rc;
    for (uint32_t g = 0; g < s->groups.n; g++) {
        struct wd_agg_cell *row = new_row(arena, 3);
        if (!row)
            return WD_ENOMEM;
        size_t klen;
        wd_agg_dec_val(wd_agg_ht_key(&s->groups, g, &klen), &row[0]);
        uint64_t n = s->st[g].n;
        set_int(&row[1], u2i(n));
        set_float(&row[2], s->total ? 100.0 * (double)n / (double)s->total : 0.0);
        if ((rc = wd_agg_table_push(out, row, SIZE_MAX)))
            return rc;
    }
    static const struct wd_agg_sortkey keys[] = {{1, true}, {0, false}};
    if ((rc = wd_agg_sort_rows(out->rows, out->nrows, keys, 2)))
        return rc;
    if (out->nrows > s->top_n)
        out->nrows = s->top_n;
    return WD_OK;
}

/* "2026-12-01T10:05:00Z" (with ".ffffff" when the bucket start has microseconds). */
static struct wd_str fmt_time(struct wd_arena *arena, int64_t us)
{
    struct wd_civil c;
    char buf[64];
    wd_time_to_civil(us, &c);
    int n;
    if (c.usec)
        n = snprintf(buf, sizeof(buf), "%04lld-%02d-%02dT%02d:%02d:%02d.%06dZ", (long long)c.year,
                     c.month, c.day, c.hour, c.minute, c.second, c.usec);
    else
        n = snprintf(buf, sizeof(buf), "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)c.year,
                     c.month, c.day, c.hour, c.minute, c.second);
    if (n < 0 || (size_t)n >= sizeof(buf))
        n = 0;
    char *p = wd_arena_strndup(arena, buf, (size_t)n);
    return p ? (struct wd_str){p, (size_t)n} : (struct wd_str){NULL, 0};
}

static int64_t bucket_start(int64_t b, int64_t span)
{
    int64_t t;
    if (__builtin_mul_overflow(b, span, &t))
        return b < 0 ? INT64_MIN : INT64_MAX;
    return t;
}

static int finish_timechart(struct wd_agg_stage *s, struct wd_agg_lim *lim, struct wd_arena *arena,
                            struct wd_agg_table *out)
{
    static const struct wd_agg_st zero;
    if (!s->any)
        return WD_OK;
    uint64_t nb = (uint64_t)s->bmax - (uint64_t)s->bmin + 1;
    uint32_t nser = 1;
    uint32_t *ser_of = NULL;   /* group -> series id */
    uint32_t *ser_rank = NULL; /* series id -> position */
    struct wd_agg_cell *ser_cell = NULL;
    int32_t *map = NULL;
    int rc = WD_OK;
    uint32_t ncell = 1 + s->nby + s->naggs;
    if (s->nby) {
        /* Series: the distinct by values, ordered ascending. */
        struct wd_agg_ht ser = {0};
        struct wd_agg_lim slim = {.max_groups = UINT32_MAX};
        ser_of = malloc(((size_t)s->groups.n + 1) * sizeof(*ser_of));
        rc = ser_of ? WD_OK : WD_ENOMEM;
        for (uint32_t g = 0; g < s->groups.n && !rc; g++) {
            size_t klen;
            const char *k = wd_agg_ht_key(&s->groups, g, &klen);
            bool added;
            rc = wd_agg_ht_put(&ser, &slim, k + 8, klen - 8, wd_agg_hash(k + 8, klen - 8),
                               UINT32_MAX, &ser_of[g], &added);
        }
        nser = ser.n;
        ser_cell = rc ? NULL : wd_arena_alloc(arena, (size_t)WD_MAX(nser, 1u) * sizeof(*ser_cell));
        struct wd_agg_cell **order = rc ? NULL : malloc((size_t)WD_MAX(nser, 1u) * sizeof(*order));
        ser_rank = rc ? NULL : malloc((size_t)WD_MAX(nser, 1u) * sizeof(*ser_rank));
        if (!rc && (!ser_cell || !order || !ser_rank))
            rc = WD_ENOMEM;
        for (uint32_t i = 0; i < nser && !rc; i++)
            order[i] = &ser_cell[i];
        if (!rc) {
            /* Decode each series from the groups' blob, which outlives this table. */
            for (uint32_t g = 0; g < s->groups.n; g++) {
                size_t klen;
                const char *k = wd_agg_ht_key(&s->groups, g, &klen);
                wd_agg_dec_val(k + 8, &ser_cell[ser_of[g]]);
            }
            static const struct wd_agg_sortkey key0 = {0, false};
            rc = wd_agg_sort_rows(order, nser, &key0, 1);
            for (uint32_t i = 0; i < nser && !rc; i++)
                ser_rank[order[i] - ser_cell] = i;
        }
        free(order);
        wd_agg_ht_fini(&ser);
    }
    if (!rc && nb * nser > lim->max_rows)
        rc = WD_ELIMIT;
    if (!rc) {
        map = malloc(nb * nser * sizeof(*map));
        if (!map)
            rc = WD_ENOMEM;
    }
    if (!rc) {
        memset(map, 0xff, nb * nser * sizeof(*map));
        for (uint32_t g = 0; g < s->groups.n; g++) {
            size_t klen;
            int64_t b;
            memcpy(&b, wd_agg_ht_key(&s->groups, g, &klen), 8);
            uint64_t bi = (uint64_t)b - (uint64_t)s->bmin;
            map[bi * nser + (s->nby ? ser_rank[ser_of[g]] : 0)] = (int32_t)g;
        }
    }
    /* series cells in rank order */
    struct wd_agg_cell *by_rank = NULL;
    if (!rc && s->nby) {
        by_rank = wd_arena_alloc(arena, (size_t)nser * sizeof(*by_rank));
        if (!by_rank)
            rc = WD_ENOMEM;
        for (uint32_t i = 0; i < nser && !rc; i++)
            by_rank[ser_rank[i]] = ser_cell[i];
    }
    for (uint64_t bi = 0; bi < nb && !rc; bi++) {
        struct wd_str t = fmt_time(arena, bucket_start(s->bmin + (int64_t)bi, s->span_us));
        if (!t.p) {
            rc = WD_ENOMEM;
            break;
        }
        for (uint32_t si = 0; si < nser && !rc; si++) {
            struct wd_agg_cell *row = new_row(arena, ncell);
            if (!row) {
                rc = WD_ENOMEM;
                break;
            }
            memset(&row[0], 0, sizeof(row[0]));
            row[0].n = 1;
            row[0].q.type = WD_QV_STR;
            row[0].q.s = t;
            if (s->nby)
                row[1] = by_rank[si];
            int32_t g = map[bi * nser + si];
            for (uint32_t j = 0; j < s->naggs; j++) {
                const struct wd_agg_st *st = g >= 0 ? &s->st[(size_t)g * s->naggs + j] : &zero;
                result(s, &s->aggs[j], st, &row[1 + s->nby + j]);
            }
            rc = wd_agg_table_push(out, row, SIZE_MAX);
        }
    }
    free(map);
    free(ser_of);
    free(ser_rank);
    return rc;
}

int wd_agg_stage_finish(struct wd_agg_stage *s, struct wd_agg_lim *lim, struct wd_arena *arena,
                        struct wd_agg_table *out)
{
    if (s->kind == WD_PIPE_TOP)
        return finish_top(s, arena, out);
    if (s->kind == WD_PIPE_TIMECHART)
        return finish_timechart(s, lim, arena, out);
    return finish_stats(s, lim, arena, out);
}

void wd_agg_stage_fini(struct wd_agg_stage *s)
{
    if (!s)
        return;
    wd_agg_ht_fini(&s->groups);
    wd_agg_ht_fini(&s->dset);
    for (uint32_t i = 0; i < s->npv; i++)
        free(s->pv[i].v);
    free(s->pv);
    free(s->st);
    free(s->stamp);
    free(s->kbuf);
    s->pv = NULL;
    s->st = NULL;
    s->stamp = NULL;
    s->kbuf = NULL;
}
