/*
 * store_search.c: wd_store_search(): runs a query over a snapshot of the parts, newest
 * blocks first, pruning blocks by time and by the token index, evaluating the rest
 * column-wise (store_eval.c). Hits mode keeps the `limit` newest matches in a heap and
 * counts every match; pipe mode feeds the aggregation executor (agg.c), pre-aggregated
 * per dictionary code when the pipes allow it.
 */
#include <errno.h>
#include <zstd.h>

#include "agg.h"
#include "jv.h"
#include "log.h"
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

/* Feeds the rows set in bm to the aggregation executor. */
static int feed_agg(struct wd_agg *agg, struct wd_block *b, const uint64_t *bm,
                    const uint32_t *cols, int64_t span_us)
{
    uint32_t nf = wd_agg_nfields(agg);
    if (nf == 1 && !wd_agg_needs_time(agg) && cols[0] != UINT32_MAX) {
        /* Pre-aggregate per dictionary code. */
        const uint32_t *off;
        const struct wd_colvec *v = wd_block_col(b, cols[0], &off);
        if (v && v->codes && !v->json) {
            uint64_t *cnt = calloc((size_t)v->ndict + 1, sizeof(*cnt));
            if (!cnt)
                return WD_ENOMEM;
            uint64_t missing = 0;
            uint32_t multi = 0;
            for (uint32_t r = 0; r < b->nrows; r++) {
                if (!(bm[r >> 6] >> (r & 63) & 1))
                    continue;
                uint32_t k = off[r + 1] - off[r];
                if (k == 0)
                    missing++;
                else if (k == 1)
                    cnt[v->codes[off[r]]]++;
                else
                    multi++;
            }
            int rc = WD_OK;
            const struct wd_qval *one[1];
            const struct wd_qval *const *vals = one;
            uint32_t n1 = 1, n0 = 0;
            for (uint32_t e = 0; e < v->ndict && (rc == WD_OK); e++)
                if (cnt[e]) {
                    one[0] = &v->vals[e];
                    rc = wd_agg_row(agg, 0, vals, &n1, cnt[e]);
                }
            if (rc == WD_OK && missing)
                rc = wd_agg_row(agg, 0, vals, &n0, missing);
            free(cnt);
            if (rc != WD_OK || !multi)
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
    uint64_t total = 0;
    int rc = WD_OK;
    ZSTD_DCtx *dz = ZSTD_createDCtx();
    uint64_t *bm = wd_xmalloc(wd_bm_words(WD_BLOCK_ROWS) * 8);
    struct wd_buf json;
    wd_buf_init(&json, 0);
    const struct wd_part *cols_part = NULL;
    uint32_t cols[16];
    const struct wd_qnode *root = req->q->root;
    for (size_t k = 0; k < nref && rc == WD_OK; k++) {
        struct wd_part *p = refs[k].part;
        const struct wd_blockdir *bd = &p->blocks[refs[k].bi];
        bool inside = bd->min_ts >= req->from_us && bd->max_ts <= req->to_us &&
                      (bd->max_ts < cts || (bd->max_ts == cts && bd->max_seq < cseq));
        /* Counting only: every row of the block matches and none can enter the heap. */
        if (!table && root->kind == WD_QN_ALL && inside &&
            !heap_wants(&h, bd->max_ts, bd->max_seq)) {
            total += bd->nrows;
            continue;
        }
        /* A field-less timechart of every event: a block inside the range whose times all
         * fall in one bucket is one weighted row, read from the block directory alone. */
        if (table && root->kind == WD_QN_ALL && inside && span_us > 0 &&
            wd_agg_nfields(agg) == 0 &&
            bucket_of(bd->min_ts, span_us) == bucket_of(bd->max_ts, span_us)) {
            uint32_t none[1] = {0};
            rc = wd_agg_row(agg, bucket_of(bd->min_ts, span_us) * span_us, NULL, none, bd->nrows);
            if (rc == WD_ENOENT) {
                rc = WD_OK;
                break;
            }
            continue;
        }
        struct wd_block b;
        wd_block_load(&b, p, refs[k].bi, (struct ZSTD_DCtx_s *)dz);
        if (!wd_eval_block_may_match(root, &b)) {
            wd_block_fini(&b);
            continue;
        }
        int erc = wd_eval_block(root, &b, bm);
        /* ids and times: for hits, for rows at the edge of the time range or cursor, and for
         * time buckets; a count-by over whole blocks needs neither */
        bool need_times = !table || !inside || span_us || (agg && wd_agg_needs_time(agg));
        if (erc == WD_OK && (need_times ? !wd_block_rows(&b) : !wd_block_shapes(&b)))
            erc = b.err ? b.err : WD_ECORRUPT;
        if (erc || b.err) {
            if (b.err && !p->corrupt_logged) {
                p->corrupt_logged = true;
                wd_log(WD_LOG_ERROR, "store", "%s (block skipped)", b.errmsg);
            }
            wd_block_fini(&b);
            if (erc == WD_ENOMEM)
                rc = erc;
            continue;
        }
        if (!inside)
            for (uint32_t r = 0; r < b.nrows; r++) {
                int64_t ts = b.ts[r];
                if (ts < req->from_us || ts > req->to_us ||
                    !(ts < cts || (ts == cts && b.seq[r] < cseq)))
                    bm[r >> 6] &= ~((uint64_t)1 << (r & 63));
            }
        if (table) {
            if (cols_part != p) {
                for (uint32_t i = 0; i < wd_agg_nfields(agg) && i < 16; i++) {
                    const char *f = wd_agg_field(agg, i);
                    cols[i] = wd_part_col(p, f, strlen(f));
                }
                cols_part = p;
            }
            rc = feed_agg(agg, &b, bm, cols, span_us);
            wd_block_fini(&b);
            if (rc == WD_ENOENT) {
                rc = WD_OK;
                break;
            }
            continue;
        }
        for (uint32_t r = 0; r < b.nrows; r++) {
            if (!(bm[r >> 6] >> (r & 63) & 1))
                continue;
            total++;
            if (!heap_wants(&h, b.ts[r], b.seq[r]))
                continue;
            json.len = 0;
            if (wd_block_row_json(&b, r, &json))
                continue;
            struct hit x = {b.ts[r], b.seq[r], p->partition, wd_xstrndup(json.p, json.len),
                            json.len};
            heap_push(&h, x);
        }
        wd_block_fini(&b);
    }
    ZSTD_freeDCtx(dz);
    free(bm);
    free(refs);
    wd_buf_fini(&json);

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
