/*
 * store_search.c: wd_store_search(): runs a query over a snapshot of the parts, newest
 * blocks first, pruning blocks by time and by the token index, evaluating the rest
 * column-wise (store_eval.c). Hits mode keeps the `limit` newest matches in a heap and
 * counts every match; pipe mode feeds the aggregation executor (agg.c), pre-aggregated
 * per dictionary code when the pipes allow it, and summed per value by each search thread
 * when they also allow any order (store_fold.c).
 */
#include <errno.h>
#include <zstd.h>

#include "agg.h"
#include "jv.h"
#include "log.h"
#include "store_fold.h"
#include "store_int.h"

struct hit {
    int64_t ts;
    uint64_t seq;
    const char *partition;
    char *json;
    size_t len;
};

static bool hit_less(const struct hit *a, int64_t ts, uint64_t seq)
{
    return a->ts < ts || (a->ts == ts && a->seq < seq);
}

struct heap {
    struct hit *v;
    uint32_t n, cap;
};

static void heap_down(struct heap *h, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && hit_less(&h->v[l], h->v[m].ts, h->v[m].seq))
            m = l;
        if (r < h->n && hit_less(&h->v[r], h->v[m].ts, h->v[m].seq))
            m = r;
        if (m == i)
            return;
        struct hit t = h->v[i];
        h->v[i] = h->v[m];
        h->v[m] = t;
        i = m;
    }
}

static void heap_up(struct heap *h, uint32_t i)
{
    while (i) {
        uint32_t p = (i - 1) / 2;
        if (!hit_less(&h->v[i], h->v[p].ts, h->v[p].seq))
            return;
        struct hit t = h->v[i];
        h->v[i] = h->v[p];
        h->v[p] = t;
        i = p;
    }
}

/* Whether (ts, seq) would enter a heap of the `cap` newest. */
static bool heap_wants(const struct heap *h, int64_t ts, uint64_t seq)
{
    return h->cap && (h->n < h->cap || hit_less(&h->v[0], ts, seq));
}

static void heap_push(struct heap *h, struct hit x)
{
    if (h->n < h->cap) {
        h->v[h->n] = x;
        heap_up(h, h->n++);
        return;
    }
    free(h->v[0].json);
    h->v[0] = x;
    heap_down(h, 0);
}

static int cmp_hits_desc(const void *a, const void *b)
{
    const struct hit *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? 1 : -1;
    return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

struct blockref {
    struct wd_part *part;
    uint32_t bi;
    int64_t max_ts;
};

static int cmp_blockref(const void *a, const void *b)
{
    const struct blockref *x = a, *y = b;
    if (x->max_ts != y->max_ts)
        return x->max_ts < y->max_ts ? 1 : -1;
    return x->part->lo < y->part->lo ? 1 : x->part->lo > y->part->lo ? -1 : 0;
}

static bool parse_cursor(const char *c, int64_t *ts, uint64_t *seq)
{
    char *end;
    errno = 0;
    long long t = strtoll(c, &end, 10);
    if (end == c || *end != '_' || errno)
        return false;
    const char *s = end + 1;
    unsigned long long q = strtoull(s, &end, 10);
    if (end == s || *end || errno)
        return false;
    *ts = t;
    *seq = q;
    return true;
}

/* The time bucket of t (floor division: times before 1970 too). */
static int64_t bucket_of(int64_t t, int64_t span_us)
{
    return t / span_us - (t % span_us < 0);
}

/* Per dictionary code of one column: how many of the rows set in bm have that one value,
 * how many have none, how many several (fed one by one). Computed by the search worker. */
struct dcount {
    const struct wd_colvec *v; /* the column counted */
    uint64_t *cnt;             /* ndict counts, in the block's arena; NULL = not computed */
    uint64_t missing;
    uint32_t multi;
};

static bool dcount_init(struct wd_block *b, const struct wd_colvec *v, struct dcount *d)
{
    *d = (struct dcount){v, wd_arena_alloc(&b->arena, ((size_t)v->ndict + 1) * sizeof(uint64_t)), 0,
                         0};
    if (d->cnt)
        memset(d->cnt, 0, ((size_t)v->ndict + 1) * sizeof(uint64_t));
    return d->cnt != NULL;
}

/* Counts rows per code of the dictionary-coded column v (rows set in bm). */
static int dict_count(struct wd_block *b, const struct wd_colvec *v, const uint32_t *off,
                      const uint64_t *bm, struct dcount *d)
{
    if (!dcount_init(b, v, d))
        return WD_ENOMEM;
    for (uint32_t r = 0; r < b->nrows; r++) {
        if (!(bm[r >> 6] >> (r & 63) & 1))
            continue;
        uint32_t k = off[r + 1] - off[r];
        if (k == 0)
            d->missing++;
        else if (k == 1)
            d->cnt[v->codes[off[r]]]++;
        else
            d->multi++;
    }
    return WD_OK;
}

static bool bm_full(const uint64_t *bm, uint32_t nrows)
{
    for (uint32_t w = 0; w < nrows / 64; w++)
        if (bm[w] != UINT64_MAX)
            return false;
    uint64_t tail = ((uint64_t)1 << (nrows % 64)) - 1;
    return nrows % 64 == 0 || (bm[nrows / 64] & tail) == tail;
}

/* Counts rows per code of column col when every row of the block is selected and none
 * holds more than one value of it: one pass over the codes, no shape ids or row offsets
 * (`* | top 10 details.sourceipaddress`). False when that does not apply, or on ENOMEM
 * (the caller counts row by row, and reports it). */
static bool dict_count_all(struct wd_block *b, uint32_t col, const uint64_t *bm, struct dcount *d)
{
    if (!bm_full(bm, b->nrows))
        return false;
    const struct wd_colvec *v = wd_block_col_single(b, col);
    if (!v || !v->codes || v->json || !dcount_init(b, v, d))
        return false;
    for (uint32_t i = 0; i < v->nvals; i++)
        d->cnt[v->codes[i]]++;
    d->missing = b->nrows - v->nvals;
    return true;
}

/* Whether the rows of a block are pre-aggregated per dictionary code of the one field. */
static bool by_dict(const struct wd_agg *agg, const uint32_t *cols)
{
    return wd_agg_nfields(agg) == 1 && !wd_agg_needs_time(agg) && cols[0] != UINT32_MAX;
}

/* Feeds the rows set in bm to the aggregation executor (pre: the worker's dictionary counts,
 * or NULL). */
static int feed_agg(struct wd_agg *agg, struct wd_block *b, const uint64_t *bm,
                    const uint32_t *cols, int64_t span_us, const struct dcount *pre)
{
    uint32_t nf = wd_agg_nfields(agg);
    if (by_dict(agg, cols)) {
        /* Pre-aggregate per dictionary code. */
        const uint32_t *off = NULL;
        const struct wd_colvec *v =
            pre && pre->cnt && !pre->multi ? pre->v : wd_block_col(b, cols[0], &off);
        if (v && v->codes && !v->json) {
            struct dcount d;
            int rc = pre && pre->cnt ? (d = *pre, WD_OK) : dict_count(b, v, off, bm, &d);
            const struct wd_qval *one[1];
            const struct wd_qval *const *vals = one;
            uint32_t n1 = 1, n0 = 0;
            for (uint32_t e = 0; e < v->ndict && (rc == WD_OK); e++)
                if (d.cnt[e]) {
                    one[0] = &v->vals[e];
                    rc = wd_agg_row(agg, 0, vals, &n1, d.cnt[e]);
                }
            if (rc == WD_OK && d.missing)
                rc = wd_agg_row(agg, 0, vals, &n0, d.missing);
            if (rc != WD_OK || !d.multi)
                return rc;
            /* rows with several values: fed one by one below */
            for (uint32_t r = 0; r < b->nrows; r++) {
                if (!(bm[r >> 6] >> (r & 63) & 1) || off[r + 1] - off[r] < 2)
                    continue;
                struct wd_qval mv[64];
                uint32_t n = wd_block_row_values(b, cols[0], r, mv, 64);
                const struct wd_qval *pv[1] = {mv};
                if ((rc = wd_agg_row(agg, 0, pv, &n, 1)))
                    return rc;
            }
            return WD_OK;
        }
    }
    static _Thread_local struct wd_qval buf[16][64];
    uint32_t nv[16];
    if (nf > 16)
        return WD_ELIMIT;
    if (nf == 0 && span_us > 0) {
        /* a timechart without fields: rows of one bucket are fed as one weighted row */
        int64_t bucket = 0;
        uint64_t w = 0;
        for (uint32_t r = 0; r < b->nrows; r++) {
            if (!(bm[r >> 6] >> (r & 63) & 1))
                continue;
            int64_t t = b->ts[r], k = bucket_of(t, span_us);
            if (w && k != bucket) {
                int rc = wd_agg_row(agg, bucket * span_us, NULL, nv, w);
                if (rc)
                    return rc;
                w = 0;
            }
            bucket = k;
            w++;
        }
        return w ? wd_agg_row(agg, bucket * span_us, NULL, nv, w) : WD_OK;
    }
    for (uint32_t r = 0; r < b->nrows; r++) {
        if (!(bm[r >> 6] >> (r & 63) & 1))
            continue;
        const struct wd_qval *pv[16];
        for (uint32_t i = 0; i < nf; i++) {
            nv[i] = cols[i] == UINT32_MAX ? 0 : wd_block_row_values(b, cols[i], r, buf[i], 64);
            pv[i] = buf[i];
        }
        /* times are loaded only when the pipes need them (wd_agg_needs_time) */
        int rc = wd_agg_row(agg, b->ts ? b->ts[r] : 0, pv, nv, 1);
        if (rc)
            return rc;
    }
    return WD_OK;
}

/* ---- the block scan: blocks evaluated by worker threads, merged in block order ---- */

/* Threads a search uses to read and evaluate blocks (store.search_threads). */
int wd_store_search_threads = 2;

#define SCAN_AHEAD 4 /* blocks evaluated ahead of the merge, per thread */

enum { SLOT_SKIP, SLOT_ROWS, SLOT_WEIGHT, SLOT_COUNT, SLOT_FOLDED, SLOT_FAIL };

/* One block's outcome: which rows match (SLOT_ROWS, block held), a whole-block weight
 * for a field-less timechart bucket or a count (SLOT_WEIGHT / SLOT_COUNT), counts added
 * to the thread's fold (SLOT_FOLDED), nothing. */
struct bslot {
    int kind, rc;
    bool ready;
    struct wd_block b;
    uint64_t *bm;
    uint32_t cols[16];
    struct dcount dc; /* dictionary counts of a one-field count-by (feed_agg) */
};

struct scan {
    const struct wd_search *req;
    const struct blockref *refs;
    size_t nref;
    const struct wd_qnode *root;
    struct wd_agg *agg; /* only its field list is read by the workers */
    bool table;
    int64_t span_us, cts;
    uint64_t cseq;
    bool pruned;           /* refs already passed the index (scan_run): not asked again */
    uint64_t since;        /* the chunk cache's tick when the search began (wd_block.since) */
    struct wd_fold *folds; /* per worker thread, when the pipes allow (scan_run); or NULL */
    int nfolds;            /* folds handed to workers so far */
    /* the window of blocks in flight (parallel scans) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct bslot *slots;
    size_t nslots, next, merged;
    bool stop;
};

static bool block_inside(const struct scan *sc, const struct wd_blockdir *bd)
{
    return bd->min_ts >= sc->req->from_us && bd->max_ts <= sc->req->to_us &&
           (bd->max_ts < sc->cts || (bd->max_ts == sc->cts && bd->max_seq < sc->cseq));
}

/* Adds block b's per-code counts (x->dc) to fold f; false, with nothing added, when a
 * row holds several values or a counted value is not a string or an integer. */
static bool fold_block(struct wd_fold *f, struct wd_block *b, struct bslot *x)
{
    const struct dcount *d = &x->dc;
    if (!d->cnt || d->multi)
        return false;
    for (uint32_t e = 0; e < d->v->ndict; e++)
        if (d->cnt[e] && !wd_fold_takes(&d->v->vals[e]))
            return false;
    bool ok = wd_fold_add_many(f, d->v->vals, d->cnt, d->v->ndict);
    f->missing += d->missing;
    wd_block_fini(b);
    /* a failed fold is partial: the search fails */
    *x = (struct bslot){
        .kind = ok ? SLOT_FOLDED : SLOT_FAIL, .rc = ok ? WD_OK : WD_ENOMEM, .bm = x->bm};
    return true;
}

/*
 * Evaluates block k into x (any thread). h is the hit heap when the caller owns it (a serial
 * scan), else NULL: then a match-everything hits query is not given to this function.
 */
static void scan_block(const struct scan *sc, size_t k, const struct heap *h,
                       struct ZSTD_DCtx_s *dz, struct bslot *x, struct wd_fold *fold)
{
    struct wd_part *p = sc->refs[k].part;
    const struct wd_blockdir *bd = &p->blocks[sc->refs[k].bi];
    bool inside = block_inside(sc, bd);
    x->kind = SLOT_SKIP;
    x->rc = WD_OK;
    /* Counting only: every row of the block matches and none can enter the heap. */
    if (!sc->table && sc->root->kind == WD_QN_ALL && inside && h &&
        !heap_wants(h, bd->max_ts, bd->max_seq)) {
        x->kind = SLOT_COUNT;
        return;
    }
    /* A field-less timechart of every event: a block inside the range whose times all
     * fall in one bucket is one weighted row, read from the block directory alone. */
    if (sc->table && sc->root->kind == WD_QN_ALL && inside && sc->span_us > 0 &&
        wd_agg_nfields(sc->agg) == 0 &&
        bucket_of(bd->min_ts, sc->span_us) == bucket_of(bd->max_ts, sc->span_us)) {
        x->kind = SLOT_WEIGHT;
        return;
    }
    struct wd_block *b = &x->b;
    wd_block_load(b, p, sc->refs[k].bi, dz);
    b->since = sc->since;
    if (!sc->pruned && !wd_eval_block_may_match(sc->root, b)) {
        wd_block_fini(b);
        return;
    }
    int erc = wd_eval_block(sc->root, b, x->bm);
    if (erc == WD_OK && !sc->table && !b->err && wd_bm_empty(x->bm, wd_bm_words(b->nrows))) {
        wd_block_fini(b); /* no hit (the index let it through): no ids or times to read */
        return;
    }
    /* ids and times: for hits, for rows at the edge of the time range or cursor, and for
     * time buckets; a count (limit 0) or a count-by over whole blocks needs neither, and
     * reads the columns its query and pipes name only (wd_block_col loads the shape ids
     * when a column needs them) */
    bool need_times = (!sc->table && sc->req->limit) || !inside || sc->span_us ||
                      (sc->agg && wd_agg_needs_time(sc->agg));
    if (erc == WD_OK && need_times && !wd_block_rows(b))
        erc = b->err ? b->err : WD_ECORRUPT;
    if (erc || b->err) {
        if (b->err && !__atomic_exchange_n(&p->corrupt_logged, true, __ATOMIC_RELAXED))
            wd_log(WD_LOG_ERROR, "store", "%s (block skipped)", b->errmsg);
        wd_block_fini(b);
        if (erc == WD_ENOMEM) {
            x->kind = SLOT_FAIL;
            x->rc = erc;
        }
        return;
    }
    if (!inside)
        for (uint32_t r = 0; r < b->nrows; r++) {
            int64_t ts = b->ts[r];
            if (ts < sc->req->from_us || ts > sc->req->to_us ||
                !(ts < sc->cts || (ts == sc->cts && b->seq[r] < sc->cseq)))
                x->bm[r >> 6] &= ~((uint64_t)1 << (r & 63));
        }
    if (sc->table) {
        for (uint32_t i = 0; i < wd_agg_nfields(sc->agg) && i < 16; i++) {
            const char *f = wd_agg_field(sc->agg, i);
            x->cols[i] = wd_part_col(p, f, strlen(f));
        }
        /* count a one-field count-by per dictionary code here, in parallel */
        x->dc.cnt = NULL;
        bool dict = by_dict(sc->agg, x->cols);
        if (!dict || !dict_count_all(b, x->cols[0], x->bm, &x->dc)) {
            /* else decode the aggregated columns here; the merge finds them cached */
            for (uint32_t i = 0; i < wd_agg_nfields(sc->agg) && i < 16; i++) {
                const uint32_t *off;
                if (x->cols[i] != UINT32_MAX)
                    wd_block_col(b, x->cols[i], &off);
            }
            const uint32_t *off;
            const struct wd_colvec *v = dict ? wd_block_col(b, x->cols[0], &off) : NULL;
            if (v && v->codes && !v->json && dict_count(b, v, off, x->bm, &x->dc) != WD_OK)
                x->dc.cnt = NULL; /* out of memory: the merge counts again (and reports it) */
        }
        if (dict && fold && fold_block(fold, b, x))
            return;
    }
    x->kind = SLOT_ROWS;
}

/* Merges block k's outcome (in block order, one thread). Returns WD_OK, WD_ENOENT (the
 * pipes want no more rows) or an error. */
static int scan_merge(const struct scan *sc, size_t k, struct bslot *x, struct heap *h,
                      uint64_t *total, struct ZSTD_DCtx_s *dz, struct wd_buf *json)
{
    const struct wd_blockdir *bd = &sc->refs[k].part->blocks[sc->refs[k].bi];
    switch (x->kind) {
    case SLOT_SKIP:
        return WD_OK;
    case SLOT_FAIL:
        return x->rc;
    case SLOT_COUNT:
        *total += bd->nrows;
        return WD_OK;
    case SLOT_FOLDED:
        return WD_OK; /* fed by scan_run */
    case SLOT_WEIGHT: {
        uint32_t none[1] = {0};
        return wd_agg_row(sc->agg, bucket_of(bd->min_ts, sc->span_us) * sc->span_us, NULL, none,
                          bd->nrows);
    }
    default:
        break;
    }
    struct wd_block *b = &x->b;
    b->dz = dz; /* chunks decompressed from here on use the merging thread's context */
    int rc = WD_OK;
    if (sc->table) {
        rc = feed_agg(sc->agg, b, x->bm, x->cols, sc->span_us, &x->dc);
    } else if (!h->cap) { /* a count: no hits to keep (ids and times were not loaded) */
        for (size_t w = 0; w < wd_bm_words(b->nrows); w++)
            *total += (uint64_t)__builtin_popcountll(x->bm[w]);
    } else {
        for (uint32_t r = 0; r < b->nrows; r++) {
            if (!(x->bm[r >> 6] >> (r & 63) & 1))
                continue;
            (*total)++;
            if (!heap_wants(h, b->ts[r], b->seq[r]))
                continue;
            json->len = 0;
            if (wd_block_row_json(b, r, json))
                continue;
            struct hit hx = {b->ts[r], b->seq[r], sc->refs[k].part->partition,
                             wd_xstrndup(json->p, json->len), json->len};
            heap_push(h, hx);
        }
    }
    wd_block_fini(b);
    return rc;
}

static void *scan_worker(void *arg)
{
    wd_thread_name("search");
    struct scan *sc = arg;
    ZSTD_DCtx *dz = ZSTD_createDCtx();
    pthread_mutex_lock(&sc->mu);
    struct wd_fold *fold = sc->folds ? &sc->folds[sc->nfolds++] : NULL;
    for (;;) {
        while (!sc->stop && sc->next < sc->nref && sc->next >= sc->merged + sc->nslots)
            pthread_cond_wait(&sc->cv, &sc->mu);
        if (sc->stop || sc->next >= sc->nref)
            break;
        size_t k = sc->next++;
        struct bslot *x = &sc->slots[k % sc->nslots];
        pthread_mutex_unlock(&sc->mu);
        if (dz)
            scan_block(sc, k, NULL, (struct ZSTD_DCtx_s *)dz, x, fold);
        else
            *x = (struct bslot){.kind = SLOT_FAIL, .rc = WD_ENOMEM, .bm = x->bm};
        pthread_mutex_lock(&sc->mu);
        x->ready = true;
        pthread_cond_broadcast(&sc->cv);
    }
    pthread_mutex_unlock(&sc->mu);
    ZSTD_freeDCtx(dz);
    return NULL;
}

/* Evaluates every block of sc and merges the outcomes into h / total / the aggregation,
 * in block order whatever the number of threads. */
static int scan_run(struct scan *sc, struct heap *h, uint64_t *total)
{
    int nt = WD_MAX(1, WD_MIN(wd_store_search_threads, 16));
    /* a match-everything hits query reads only the newest blocks: serial */
    if (sc->nref < 4 || (!sc->table && sc->root->kind == WD_QN_ALL))
        nt = 1;
    ZSTD_DCtx *dz = ZSTD_createDCtx();
    struct blockref *live = NULL;
    if (nt > 1 && dz && sc->root->kind != WD_QN_ALL) {
        /* Index pruning first, here: a needle leaves a block or two, not worth the threads
         * (and the hand-over of every pruned block). */
        live = wd_xmalloc(sc->nref * sizeof(*live));
        size_t n = 0;
        for (size_t k = 0; k < sc->nref; k++) {
            struct wd_block b;
            wd_block_load(&b, sc->refs[k].part, sc->refs[k].bi, (struct ZSTD_DCtx_s *)dz);
            if (wd_eval_block_may_match(sc->root, &b))
                live[n++] = sc->refs[k];
            wd_block_fini(&b);
        }
        sc->refs = live;
        sc->nref = n;
        sc->pruned = true;
        if (n < 4)
            nt = 1;
    }
    struct wd_buf json;
    wd_buf_init(&json, 0);
    sc->nslots = nt == 1 ? 1 : (size_t)nt * SCAN_AHEAD;
    sc->slots = wd_xcalloc(sc->nslots, sizeof(*sc->slots));
    for (size_t i = 0; i < sc->nslots; i++)
        sc->slots[i].bm = wd_xmalloc(wd_bm_words(WD_BLOCK_ROWS) * 8);
    pthread_t tid[16];
    int started = 0;
    if (nt > 1 && sc->table && wd_agg_nfields(sc->agg) == 1 && wd_agg_any_order(sc->agg)) {
        sc->folds = wd_xcalloc((size_t)nt, sizeof(*sc->folds));
        for (int i = 0; i < nt; i++)
            wd_fold_init(&sc->folds[i]);
    }
    pthread_mutex_init(&sc->mu, NULL);
    pthread_cond_init(&sc->cv, NULL);
    for (int i = 0; nt > 1 && i < nt; i++)
        if (pthread_create(&tid[started], NULL, scan_worker, sc) == 0)
            started++;
    int rc = dz ? WD_OK : WD_ENOMEM;
    size_t k = 0;
    for (; k < sc->nref && rc == WD_OK; k++) {
        struct bslot *x = &sc->slots[k % sc->nslots];
        if (!started) {
            scan_block(sc, k, h, (struct ZSTD_DCtx_s *)dz, x, NULL);
        } else {
            pthread_mutex_lock(&sc->mu);
            while (!x->ready)
                pthread_cond_wait(&sc->cv, &sc->mu);
            pthread_mutex_unlock(&sc->mu);
        }
        rc = scan_merge(sc, k, x, h, total, (struct ZSTD_DCtx_s *)dz, &json);
        pthread_mutex_lock(&sc->mu);
        x->ready = false;
        sc->merged = k + 1;
        pthread_cond_broadcast(&sc->cv);
        pthread_mutex_unlock(&sc->mu);
    }
    if (rc == WD_ENOENT)
        rc = WD_OK; /* the pipes are satisfied: the rest is not needed */
    pthread_mutex_lock(&sc->mu);
    sc->stop = true;
    pthread_cond_broadcast(&sc->cv);
    pthread_mutex_unlock(&sc->mu);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    /* the workers' sums, once every block is in them */
    for (int i = 0; sc->folds && i < nt; i++) {
        if (rc == WD_OK)
            rc = wd_fold_feed(&sc->folds[i], sc->agg);
        wd_fold_fini(&sc->folds[i]);
    }
    free(sc->folds);
    sc->folds = NULL;
    /* blocks evaluated ahead and never merged */
    for (size_t i = 0; i < sc->nslots; i++) {
        if (sc->slots[i].ready && sc->slots[i].kind == SLOT_ROWS)
            wd_block_fini(&sc->slots[i].b);
        free(sc->slots[i].bm);
    }
    free(sc->slots);
    pthread_cond_destroy(&sc->cv);
    pthread_mutex_destroy(&sc->mu);
    wd_buf_fini(&json);
    ZSTD_freeDCtx(dz);
    free(live);
    return rc;
}

static void render_took(struct wd_buf *out, int64_t t0)
{
    /* whole milliseconds, like Elasticsearch's `took` */
    long long ms = (long long)((wd_mono_ns() - t0 + 500000) / 1000000);
    wd_buf_printf(out, "\"took_ms\":%lld", ms);
}

int wd_store_search(struct wd_store *st, const struct wd_search *req, struct wd_buf *out,
                    struct wd_perr *err)
{
    int64_t t0 = wd_mono_ns();
    int64_t cts = INT64_MAX;
    uint64_t cseq = UINT64_MAX;
    *err = (struct wd_perr){0, 0, NULL};
    if (req->cursor && req->cursor[0] && !parse_cursor(req->cursor, &cts, &cseq)) {
        *err = (struct wd_perr){WD_EINVAL, 0, "bad cursor (use next_cursor from the last page)"};
        return WD_EINVAL;
    }
    const char *prefix = req->index && req->index[0] ? req->index : "events";
    size_t plen = strlen(prefix);
    struct wd_agg *agg = NULL;
    bool table = wd_query_is_table(req->q);
    /* the bucket width when the first table pipe is a timechart (rows can be batched) */
    int64_t span_us = 0;
    for (uint32_t i = 0; i < req->q->npipes; i++) {
        const struct wd_pipe *pp = &req->q->pipes[i];
        if (pp->kind == WD_PIPE_TIMECHART)
            span_us = pp->span_us;
        if (pp->kind == WD_PIPE_TIMECHART || pp->kind == WD_PIPE_STATS || pp->kind == WD_PIPE_TOP)
            break;
    }
    if (table) {
        int rc = wd_agg_new(req->q, &agg, err);
        if (rc)
            return rc;
    }
    size_t nparts;
    struct wd_part **parts = wd_store_snapshot(st, &nparts);
    size_t nref = 0, cap = 0;
    struct blockref *refs = NULL;
    for (size_t i = 0; i < nparts; i++) {
        struct wd_part *p = parts[i];
        if (strncmp(p->partition, prefix, plen) || p->partition[plen] != '-')
            continue;
        if (p->max_ts < req->from_us || p->min_ts > req->to_us)
            continue;
        for (uint32_t bi = 0; bi < p->nblocks; bi++) {
            const struct wd_blockdir *bd = &p->blocks[bi];
            if (bd->max_ts < req->from_us || bd->min_ts > req->to_us || bd->min_ts > cts)
                continue;
            if (nref == cap) {
                cap = cap ? cap * 2 : 256;
                refs = wd_xrealloc(refs, cap * sizeof(*refs));
            }
            refs[nref++] = (struct blockref){p, bi, bd->max_ts};
        }
    }
    if (nref)
        qsort(refs, nref, sizeof(*refs), cmp_blockref);

    struct heap h = {NULL, 0, table ? 0 : req->limit};
    h.v = wd_xcalloc((size_t)h.cap + 1, sizeof(*h.v));
    struct scan sc = {.req = req,
                      .refs = refs,
                      .nref = nref,
                      .root = req->q->root,
                      .agg = agg,
                      .table = table,
                      .span_us = span_us,
                      .cts = cts,
                      .cseq = cseq,
                      .since = wd_store_cache_tick()};
    uint64_t total = 0;
    int rc = scan_run(&sc, &h, &total);
    free(refs);

    if (rc == WD_OK && table) {
        wd_buf_putc(out, '{');
        render_took(out, t0);
        wd_buf_putc(out, ',');
        struct wd_buf t;
        wd_buf_init(&t, 0);
        rc = wd_agg_render(agg, &t);
        if (rc == WD_OK && t.len > 2 && t.p[0] == '{')
            wd_buf_append(out, t.p + 1, t.len - 1);
        else if (rc == WD_OK)
            wd_buf_append(out, "\"columns\":[],\"rows\":[]}", 23);
        wd_buf_fini(&t);
    } else if (rc == WD_OK) {
        qsort(h.v, h.n, sizeof(*h.v), cmp_hits_desc);
        wd_buf_printf(out, "{\"total\":%llu,", (unsigned long long)total);
        render_took(out, t0);
        wd_buf_append(out, ",\"hits\":[", 9);
        for (uint32_t i = 0; i < h.n; i++) {
            wd_buf_printf(out, "%s{\"_id\":\"%llu\",\"_index\":\"%s\",\"_source\":", i ? "," : "",
                          (unsigned long long)h.v[i].seq, h.v[i].partition);
            wd_buf_append(out, h.v[i].json, h.v[i].len);
            wd_buf_putc(out, '}');
        }
        wd_buf_append(out, "],\"next_cursor\":", 16);
        if (h.n && total > h.n)
            wd_buf_printf(out, "\"%lld_%llu\"}", (long long)h.v[h.n - 1].ts,
                          (unsigned long long)h.v[h.n - 1].seq);
        else
            wd_buf_append(out, "null}", 5);
    }
    if (rc == WD_ELIMIT)
        *err = (struct wd_perr){WD_ELIMIT, 0, "too many groups, buckets or rows for the pipes"};
    for (uint32_t i = 0; i < h.n; i++)
        free(h.v[i].json);
    free(h.v);
    wd_agg_free(agg);
    wd_store_snapshot_free(parts, nparts);
    return rc;
}
