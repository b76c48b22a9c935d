/*
 * store_row.c: renders stored rows as JSON straight from the encoded column chunks (no
 * per-value decoding of whole columns: a hit costs one lookup per field), and the cache
 * of decompressed chunks shared by every search, so repeated ("warm") searches skip zstd.
 * The cache is bounded (wd_store_cache_bytes) and evicts least recently used chunks, but
 * never for a search one that search has used itself (make_room).
 */
#include <pthread.h>
#include <stdlib.h>
#include <zlib.h>
#include <zstd.h>

#include "json.h"
#include "jv.h"
#include "store_int.h"

struct rawchunk {
    uint64_t part_id, off; /* key */
    unsigned char *buf;    /* decompressed bytes (owned), or NULL when stored raw */
    const unsigned char *data;
    size_t len;
    uint8_t enc;
    uint32_t nvals, ndict;
    uint32_t *voff; /* PLAIN: offset of each value; DICT: of each entry */
    const unsigned char *codes;
    int cw;        /* DICT code width in bytes */
    int64_t *ints; /* INT: the values; TIME: the microseconds */
    bool indexed;  /* voff/ints built (rendering only; built on first use) */
    bool cached;   /* in the cache; else freed when its last holder puts it */
    size_t bytes;
    int refs;
    uint64_t used; /* cache.tick at its last use */
    struct rawchunk *prev, *next, *hnext;
};

#define CACHE_BUCKETS 8192

size_t wd_store_cache_bytes = (size_t)256 << 20;

static struct {
    pthread_mutex_t mu;
    struct rawchunk *b[CACHE_BUCKETS];
    struct rawchunk *head, *tail; /* most recent first */
    size_t bytes;
    uint64_t hits, misses; /* lookups since start */
    uint64_t tick;         /* lookups since start, the clock of rawchunk.used */
} cache = {PTHREAD_MUTEX_INITIALIZER, {0}, NULL, NULL, 0, 0, 0, 0};

uint64_t wd_store_cache_tick(void)
{
    pthread_mutex_lock(&cache.mu);
    uint64_t t = ++cache.tick;
    pthread_mutex_unlock(&cache.mu);
    return t;
}

void wd_store_cache_stats(uint64_t *hits, uint64_t *misses, uint64_t *bytes)
{
    pthread_mutex_lock(&cache.mu);
    *hits = cache.hits;
    *misses = cache.misses;
    *bytes = cache.bytes;
    pthread_mutex_unlock(&cache.mu);
}

static uint32_t bucket(uint64_t part, uint64_t off)
{
    return (uint32_t)(wd_hash64(&off, 8, part) & (CACHE_BUCKETS - 1));
}

static void lru_unlink(struct rawchunk *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        cache.head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        cache.tail = c->prev;
    c->prev = c->next = NULL;
}

static void lru_push(struct rawchunk *c)
{
    c->next = cache.head;
    c->prev = NULL;
    if (cache.head)
        cache.head->prev = c;
    cache.head = c;
    if (!cache.tail)
        cache.tail = c;
}

static void chunk_free(struct rawchunk *c)
{
    free(c->buf);
    free(c->voff);
    free(c->ints);
    free(c);
}

/*
 * Drops unreferenced entries from the cold end until `need` more bytes fit the budget, but
 * none used since tick `since` (0: any may go), the start of the search asking. A scan
 * larger than the cache (a phrase over a whole day) then keeps the chunks it read first,
 * and its next run finds them, instead of evicting each chunk just before that run needs
 * it. The list is in `used` order, so the first such entry ends the walk. Whether the
 * bytes fit. Lock held.
 */
static bool make_room(size_t need, uint64_t since)
{
    struct rawchunk *c = cache.tail;
    while (c && cache.bytes + need > wd_store_cache_bytes && !(since && c->used >= since)) {
        struct rawchunk *prev = c->prev;
        if (!c->refs) {
            lru_unlink(c);
            struct rawchunk **pp = &cache.b[bucket(c->part_id, c->off)];
            while (*pp != c)
                pp = &(*pp)->hnext;
            *pp = c->hnext;
            cache.bytes -= c->bytes;
            chunk_free(c);
        }
        c = prev;
    }
    return cache.bytes + need <= wd_store_cache_bytes;
}

/* Builds the value index of an encoded chunk. */
static bool index_chunk(struct rawchunk *c)
{
    /* At least one byte per value (see wd_col_decode): bounds the allocations below by the
     * chunk size instead of the directory's nvals (up to 2^32 in a hostile file). */
    if (c->len == 0 || c->nvals > c->len - 1)
        return false;
    /* a failed attempt leaves its arrays: the next search of this cached chunk tries again */
    WD_FREE(c->ints);
    WD_FREE(c->voff);
    const unsigned char *p = c->data + 1, *end = c->data + c->len;
    uint64_t v;
    if (c->enc == WD_ENC_INT || c->enc == WD_ENC_TIME) {
        c->ints = malloc(((size_t)c->nvals + 1) * sizeof(*c->ints));
        if (!c->ints)
            return false;
        int64_t last = 0;
        for (uint32_t i = 0; i < c->nvals; i++) {
            if (!wd_get_delta(&p, end, c->enc == WD_ENC_TIME, &last))
                return false;
            c->ints[i] = last;
        }
        c->bytes += (size_t)c->nvals * 8;
        return p == end;
    }
    uint32_t n = c->nvals;
    if (c->enc == WD_ENC_DICT) {
        if (!wd_get_varint(&p, end, &v) || v == 0 || v > 65536)
            return false;
        n = c->ndict = (uint32_t)v;
    } else if (c->enc != WD_ENC_PLAIN) {
        return false;
    }
    c->voff = malloc(((size_t)n + 1) * sizeof(*c->voff));
    if (!c->voff)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        if (p >= end)
            return false;
        c->voff[i] = (uint32_t)(p - c->data);
        uint8_t tag = *p++;
        if (!wd_get_varint(&p, end, &v))
            return false;
        if (tag != WD_VT_INT) {
            if (v > (uint64_t)(end - p))
                return false;
            p += v;
        }
    }
    c->bytes += (size_t)n * 4;
    if (c->enc == WD_ENC_DICT) {
        c->cw = c->ndict <= 256 ? 1 : 2;
        c->codes = p;
        if ((size_t)(end - p) != (size_t)c->cw * c->nvals)
            return false;
    } else if (p != end) {
        return false;
    }
    return true;
}

/* Marks the block corrupt; the first error's message names the file, chunk and block. */
void wd_block_corrupt(struct wd_block *b, const struct wd_chunkdir *d, const char *what)
{
    if (!b->err)
        snprintf(b->errmsg, sizeof(b->errmsg), "%s: %s in chunk at offset %llu (block %u)",
                 b->part->path, what, (unsigned long long)d->off, b->bi);
    b->err = WD_ECORRUPT;
}

static void chunk_put(struct rawchunk *c);

/* Builds the value index of a cached chunk on first use (under the cache lock: the entry
 * may be shared by several searches). */
static bool ensure_index(struct wd_block *b, const struct wd_chunkdir *d, struct rawchunk *c)
{
    bool ok = true;
    pthread_mutex_lock(&cache.mu);
    if (!c->indexed) {
        size_t before = c->bytes;
        ok = index_chunk(c);
        c->indexed = ok;
        if (c->cached)
            cache.bytes += c->bytes - before;
    }
    pthread_mutex_unlock(&cache.mu);
    if (!ok)
        wd_block_corrupt(b, d, "bad column encoding");
    return ok;
}

/* A chunk from the cache or loaded now (CRC checked, decompressed), referenced; with
 * `index`, ready for random access by value. NULL when corrupt. */
static struct rawchunk *chunk_get(struct wd_block *b, const struct wd_chunkdir *d, bool index)
{
    uint64_t pid = b->part->id;
    uint32_t h = bucket(pid, d->off);
    pthread_mutex_lock(&cache.mu);
    for (struct rawchunk *c = cache.b[h]; c; c = c->hnext)
        if (c->part_id == pid && c->off == d->off) {
            cache.hits++;
            c->used = ++cache.tick;
            c->refs++;
            lru_unlink(c);
            lru_push(c);
            pthread_mutex_unlock(&cache.mu);
            if (index && !ensure_index(b, d, c)) {
                chunk_put(c);
                return NULL;
            }
            return c;
        }
    pthread_mutex_unlock(&cache.mu);
    const unsigned char *src = b->part->map + d->off;
    if ((uint32_t)crc32(0, src, d->clen) != d->crc) {
        wd_block_corrupt(b, d, "checksum mismatch");
        return NULL;
    }
    struct rawchunk *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->part_id = pid;
    c->off = d->off;
    c->nvals = d->nvals;
    c->len = d->rawlen;
    c->bytes = sizeof(*c);
    if (d->clen == d->rawlen) {
        c->data = src;
    } else if (ZSTD_getFrameContentSize(src, d->clen) != d->rawlen) {
        /* as in chunk_bytes (store_read.c): checked before allocating rawlen bytes */
        wd_block_corrupt(b, d, "bad zstd frame");
        chunk_free(c);
        return NULL;
    } else {
        c->buf = malloc((size_t)d->rawlen + 1);
        size_t n =
            c->buf ? ZSTD_decompressDCtx((ZSTD_DCtx *)b->dz, c->buf, d->rawlen, src, d->clen) : 0;
        if (!c->buf || ZSTD_isError(n) || n != d->rawlen) {
            /* (this path used to set b->err without a message: the search logged "") */
            wd_block_corrupt(b, d, c->buf ? "bad zstd frame" : "no memory to decompress");
            chunk_free(c);
            return NULL;
        }
        c->data = c->buf;
        c->bytes += d->rawlen;
    }
    c->enc = c->len ? c->data[0] : 0;
    if (index) {
        if (!index_chunk(c)) {
            wd_block_corrupt(b, d, "bad column encoding");
            chunk_free(c);
            return NULL;
        }
        c->indexed = true;
    }
    c->refs = 1;
    pthread_mutex_lock(&cache.mu);
    cache.misses++;
    c->used = ++cache.tick;
    /* another thread may have loaded the same chunk meanwhile: this copy is then not cached */
    bool dup = false;
    for (struct rawchunk *o = cache.b[h]; o && !dup; o = o->hnext)
        dup = o->part_id == pid && o->off == d->off;
    if (!dup && make_room(c->bytes, b->since)) {
        c->cached = true;
        c->hnext = cache.b[h];
        cache.b[h] = c;
        lru_push(c);
        cache.bytes += c->bytes;
    }
    pthread_mutex_unlock(&cache.mu);
    return c;
}

static void chunk_put(struct rawchunk *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&cache.mu);
    bool drop = --c->refs == 0 && !c->cached;
    if (!drop)
        make_room(0, 0); /* a smaller budget, or an index built, may leave it over */
    pthread_mutex_unlock(&cache.mu);
    if (drop)
        chunk_free(c);
}

const unsigned char *wd_block_chunk(struct wd_block *b, const struct wd_chunkdir *d, size_t *len)
{
    struct rawchunk *c = chunk_get(b, d, false);
    if (!c)
        return NULL;
    if (b->nheld == b->held_cap) {
        b->held_cap = b->held_cap ? b->held_cap * 2 : 16;
        b->held = wd_xrealloc(b->held, b->held_cap * sizeof(*b->held));
    }
    b->held[b->nheld++] = c;
    *len = c->len;
    return c->data;
}

void wd_block_release(struct wd_block *b)
{
    for (uint32_t i = 0; i < b->nheld; i++)
        chunk_put(b->held[i]);
    free(b->held);
    b->held = NULL;
    b->nheld = b->held_cap = 0;
}

/* Writes value i of a chunk as JSON. */
static bool emit(const struct rawchunk *c, uint32_t i, struct wd_buf *out)
{
    char num[24];
    if (i >= c->nvals)
        return false;
    if (c->enc == WD_ENC_INT)
        return wd_buf_append(out, num, wd_fmt_i64(c->ints[i], num)) == WD_OK;
    if (c->enc == WD_ENC_TIME) {
        char t[WD_TIME_ISO_MAX];
        return wd_jv_write_str(t, wd_time_iso(c->ints[i], t), out) == WD_OK;
    }
    uint32_t e = i;
    if (c->enc == WD_ENC_DICT) {
        e = c->cw == 1 ? c->codes[i]
                       : (uint32_t)c->codes[2 * i] | (uint32_t)c->codes[2 * i + 1] << 8;
        if (e >= c->ndict)
            return false;
    }
    const unsigned char *p = c->data + c->voff[e], *end = c->data + c->len;
    uint8_t tag = *p++;
    uint64_t v;
    if (!wd_get_varint(&p, end, &v))
        return false;
    if (tag == WD_VT_INT)
        return wd_buf_append(out, num, wd_fmt_i64(wd_unzigzag(v), num)) == WD_OK;
    if (tag == WD_VT_STR)
        return wd_jv_write_str((const char *)p, (size_t)v, out) == WD_OK;
    return wd_buf_append(out, p, (size_t)v) == WD_OK;
}

/*
 * Per-block state of row reconstruction, kept from one row to the next: the chunks the
 * rows use (one cache lookup per column and block, not per row and value), the value
 * offsets of the next row when rows are read in order, and scratch arrays.
 */
struct wd_rowstate {
    uint32_t *base;           /* per column: index of the row's first value, UINT32_MAX = not yet */
    uint32_t *used;           /* per column: values consumed */
    uint32_t *hist;           /* per shape: rows before this one */
    uint32_t *next_base;      /* the bases of row next_row (sequential reading) */
    uint32_t next_row;        /* 0 with next_base all zero at the start */
    struct rawchunk **chunks; /* per column, referenced until wd_block_fini */
    bool *looked;             /* per column: chunks[] was looked up */
};

struct row {
    struct wd_block *b;
    struct wd_rowstate *rs;
    struct wd_buf *out; /* JSON text, or */
    struct wd_arena *a; /* a value tree */
};

static uint32_t shape_count(const struct wd_part *p, uint32_t s, uint32_t col)
{
    if (p->shape_cols)
        return p->shape_cols[(size_t)s * p->ncols + col];
    const struct wd_shape *sh = &p->shapes[s];
    for (uint32_t j = 0; j < sh->ncc; j++)
        if (sh->cc[2 * j] == col)
            return sh->cc[2 * j + 1];
    return 0;
}

/* The chunk and index of the next value of column col in this row. */
static struct rawchunk *next_value(struct row *rw, uint32_t col, uint32_t *idx)
{
    const struct wd_part *p = rw->b->part;
    struct wd_rowstate *rs = rw->rs;
    if (col >= p->ncols)
        return NULL;
    if (rs->base[col] == UINT32_MAX) {
        uint64_t n = 0;
        for (uint32_t s = 0; s < p->nshapes; s++)
            if (rs->hist[s])
                n += (uint64_t)rs->hist[s] * shape_count(p, s, col);
        rs->base[col] = (uint32_t)n;
    }
    if (!rs->looked[col]) {
        const struct wd_blockdir *bd = &p->blocks[rw->b->bi];
        const struct wd_chunkdir *d = NULL;
        for (uint32_t i = 3; i < bd->nchunks; i++)
            if (bd->chunks[i].col == col) {
                d = &bd->chunks[i];
                break;
            }
        rs->chunks[col] = d ? chunk_get(rw->b, d, true) : NULL;
        rs->looked[col] = true;
    }
    *idx = rs->base[col] + rs->used[col]++;
    return rs->chunks[col];
}

struct rdr {
    const unsigned char *p, *end;
};

static bool rd_varint(struct rdr *r, uint64_t *v)
{
    return wd_get_varint(&r->p, r->end, v);
}

/* Value i of a chunk as a node of a value tree (text copied into the arena). */
static struct wd_jv *value_jv(const struct rawchunk *c, uint32_t i, struct wd_arena *a)
{
    if (i >= c->nvals)
        return NULL;
    if (c->enc == WD_ENC_INT)
        return wd_jv_int(a, c->ints[i]);
    if (c->enc == WD_ENC_TIME) {
        char t[WD_TIME_ISO_MAX];
        return wd_jv_strdup(a, t, wd_time_iso(c->ints[i], t));
    }
    uint32_t e = i;
    if (c->enc == WD_ENC_DICT) {
        e = c->cw == 1 ? c->codes[i]
                       : (uint32_t)c->codes[2 * i] | (uint32_t)c->codes[2 * i + 1] << 8;
        if (e >= c->ndict)
            return NULL;
    }
    const unsigned char *p = c->data + c->voff[e], *end = c->data + c->len;
    uint8_t tag = *p++;
    uint64_t v;
    if (!wd_get_varint(&p, end, &v))
        return NULL;
    if (tag == WD_VT_INT)
        return wd_jv_int(a, wd_unzigzag(v));
    if (v > (uint64_t)(end - p))
        return NULL;
    if (tag == WD_VT_STR)
        return wd_jv_strdup(a, (const char *)p, (size_t)v);
    if (tag == WD_VT_TRUE || tag == WD_VT_FALSE)
        return wd_jv_bool(a, tag == WD_VT_TRUE);
    /* a number literal kept as text, or an array's JSON: decoded again (with padding) */
    char *t = wd_arena_alloc(a, (size_t)v + WD_JSON_PADDING);
    if (!t)
        return NULL;
    memcpy(t, p, (size_t)v);
    memset(t + v, 0, WD_JSON_PADDING);
    if (tag == WD_VT_NUM) {
        /* the shredder keeps such literals as text: only `raw` matters */
        struct wd_jv *f = wd_jv_float(a, strtod(t, NULL));
        if (f) {
            f->raw = (struct wd_str){t, (size_t)v};
            f->is_intlit = !memchr(t, '.', v) && !memchr(t, 'e', v) && !memchr(t, 'E', v);
        }
        return f;
    }
    struct wd_jv *out;
    struct wd_perr pe;
    if (wd_json_parse_compact(t, (size_t)v, (size_t)v + WD_JSON_PADDING, 0, a, &out, &pe) != WD_OK)
        return NULL;
    return out;
}

/* Renders the object whose shape r reads: as JSON text into rw->out, or (rw->a) as a
 * value tree into *obj. */
static int render_obj(struct row *rw, struct rdr *r, int depth, struct wd_jv **obj)
{
    uint64_t n, kl;
    if (!rd_varint(r, &n) || depth > 200)
        return WD_ECORRUPT;
    struct wd_jv *o = NULL;
    if (rw->a) {
        if (!(o = *obj = wd_jv_new(rw->a, WD_JV_OBJ)))
            return WD_ENOMEM;
    } else {
        wd_buf_putc(rw->out, '{');
    }
    for (uint64_t i = 0; i < n; i++) {
        if (!rd_varint(r, &kl) || kl > (uint64_t)(r->end - r->p))
            return WD_ECORRUPT;
        struct wd_str key = {(const char *)r->p, (size_t)kl};
        if (!o) {
            if (i)
                wd_buf_putc(rw->out, ',');
            wd_jv_write_str(key.p, key.len, rw->out);
            wd_buf_putc(rw->out, ':');
        }
        r->p += kl;
        if (r->p >= r->end)
            return WD_ECORRUPT;
        uint8_t kind = *r->p++;
        struct wd_jv *v = NULL;
        if (kind == WD_SH_NULL) {
            if (!o)
                wd_buf_append(rw->out, "null", 4);
            else if (!(v = wd_jv_new(rw->a, WD_JV_NULL)))
                return WD_ENOMEM;
        } else if (kind == WD_SH_OBJ) {
            int e = render_obj(rw, r, depth + 1, &v);
            if (e)
                return e;
        } else {
            uint64_t col, ns = 0;
            uint32_t idx;
            if (!rd_varint(r, &col))
                return WD_ECORRUPT;
            struct rawchunk *c = next_value(rw, (uint32_t)col, &idx);
            if (!c || (o ? !(v = value_jv(c, idx, rw->a)) : !emit(c, idx, rw->out)))
                return WD_ECORRUPT;
            if (kind == WD_SH_ARR) {
                if (!rd_varint(r, &ns))
                    return WD_ECORRUPT;
                for (uint64_t j = 0; j < ns; j++) {
                    uint64_t sc;
                    if (!rd_varint(r, &sc) || !next_value(rw, (uint32_t)sc, &idx))
                        return WD_ECORRUPT;
                }
            }
        }
        if (o)
            wd_jv_add(o, key, v);
    }
    if (!o)
        wd_buf_putc(rw->out, '}');
    return WD_OK;
}

static struct wd_rowstate *rowstate(struct wd_block *b)
{
    if (b->rs)
        return b->rs;
    const struct wd_part *p = b->part;
    size_t nc = (size_t)p->ncols + 1;
    struct wd_rowstate *rs = wd_xcalloc(1, sizeof(*rs));
    rs->base = wd_xmalloc(nc * sizeof(*rs->base));
    rs->used = wd_xmalloc(nc * sizeof(*rs->used));
    rs->next_base = wd_xcalloc(nc, sizeof(*rs->next_base));
    rs->hist = wd_xmalloc(((size_t)p->nshapes + 1) * sizeof(*rs->hist));
    rs->chunks = wd_xcalloc(nc, sizeof(*rs->chunks));
    rs->looked = wd_xcalloc(nc, sizeof(*rs->looked));
    b->rs = rs;
    return rs;
}

void wd_block_rows_fini(struct wd_block *b)
{
    struct wd_rowstate *rs = b->rs;
    if (!rs)
        return;
    for (uint32_t c = 0; c < b->part->ncols; c++)
        chunk_put(rs->chunks[c]);
    free(rs->base);
    free(rs->used);
    free(rs->next_base);
    free(rs->hist);
    free(rs->chunks);
    free(rs->looked);
    free(rs);
    b->rs = NULL;
}

/* Renders row `row` into rw (text or tree); keeps the next row's bases for in-order reads. */
static int render_row(struct wd_block *b, uint32_t row, struct row *rw, struct wd_jv **tree)
{
    if (!wd_block_shapes(b) || row >= b->nrows)
        return WD_ECORRUPT;
    const struct wd_part *p = b->part;
    struct wd_rowstate *rs = rw->rs = rowstate(b);
    size_t nc = p->ncols;
    bool in_order = rs->next_row == row;
    if (in_order) {
        /* sequential rendering (merges, dumps): every base is known */
        memcpy(rs->base, rs->next_base, nc * sizeof(*rs->base));
    } else {
        memset(rs->base, 0xff, nc * sizeof(*rs->base));
        memset(rs->hist, 0, p->nshapes * sizeof(*rs->hist));
        for (uint32_t r = 0; r < row; r++)
            rs->hist[b->shape[r]]++;
    }
    memset(rs->used, 0, nc * sizeof(*rs->used));
    const struct wd_shape *s = &p->shapes[b->shape[row]];
    struct rdr r = {s->p, s->p + s->len};
    int e = render_obj(rw, &r, 0, tree);
    if (!e && in_order) {
        for (uint32_t j = 0; j < s->ncc; j++)
            rs->next_base[s->cc[2 * j]] += s->cc[2 * j + 1];
        rs->next_row = row + 1;
    }
    return e ? e : b->err;
}

int wd_block_row_json(struct wd_block *b, uint32_t row, struct wd_buf *out)
{
    struct row rw = {b, NULL, out, NULL};
    size_t start = out->len;
    int e = render_row(b, row, &rw, NULL);
    if (e)
        out->len = start;
    return e;
}

int wd_block_row_jv(struct wd_block *b, uint32_t row, struct wd_arena *a, struct wd_jv **out)
{
    struct row rw = {b, NULL, NULL, a};
    *out = NULL;
    int e = render_row(b, row, &rw, out);
    if (e)
        *out = NULL;
    return e;
}
