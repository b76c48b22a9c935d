/*
 * store_copy.c: block copies for merges. A full block of a version 2 part moves into the
 * merged part as it is: its compressed column chunks, time and sequence chunks and its
 * index are copied byte for byte (CRC checked), only renumbered in the block directory
 * to the merged part's column ids. The shape chunk is rewritten when the merged part
 * numbers the block's shapes differently (shapes name column ids, so they are remapped
 * and interned too). Small blocks are not copied: store.c rebuilds them row by row into
 * full blocks (wd_merge_blocks, the loop of every merge).
 */
#include <errno.h>
#include <zlib.h>
#include <zstd.h>

#include "jv.h"
#include "store_int.h"

void wd_copymap_fini(struct wd_copymap *m)
{
    free(m->col);
    free(m->shape);
    wd_buf_fini(&m->buf);
    wd_buf_fini(&m->ids);
    memset(m, 0, sizeof(*m));
}

static void copymap_reset(struct wd_copymap *m, const struct wd_part *p)
{
    free(m->col);
    free(m->shape);
    m->part = p;
    m->col = wd_xmalloc((p->ncols + 1) * sizeof(*m->col));
    memset(m->col, 0xff, (p->ncols + 1) * sizeof(*m->col));
    m->shape = wd_xmalloc((p->nshapes + 1) * sizeof(*m->shape));
    memset(m->shape, 0xff, (p->nshapes + 1) * sizeof(*m->shape));
}

/* The merged part's id of the source part's column c. */
static uint32_t map_col(struct wd_part_builder *b, struct wd_copymap *m, uint32_t c)
{
    const struct wd_part *p = m->part;
    if (m->col[c] == UINT32_MAX)
        m->col[c] = wd_builder_col(b, p->col_path[c], p->col_path_len[c]);
    uint32_t id = m->col[c];
    /* a source block may hold float literals the merged column's index does not know */
    if (p->col_noidx[c] > b->col_noidx[id])
        b->col_noidx[id] = p->col_noidx[c];
    return id;
}

/* Rewrites one shape object from s with column ids mapped; false when malformed. */
static bool remap_obj(struct wd_part_builder *b, struct wd_copymap *m, const unsigned char **s,
                      const unsigned char *end, struct wd_buf *out, int depth)
{
    uint64_t n, kl, c, k;
    if (depth > 200 || !wd_get_varint(s, end, &n))
        return false;
    wd_put_varint(out, n);
    for (uint64_t i = 0; i < n; i++) {
        if (!wd_get_varint(s, end, &kl) || (uint64_t)(end - *s) < kl + 1)
            return false;
        wd_put_varint(out, kl);
        wd_buf_append(out, *s, kl);
        *s += kl;
        uint8_t kind = *(*s)++;
        wd_buf_putc(out, (char)kind);
        if (kind == WD_SH_NULL)
            continue;
        if (kind == WD_SH_OBJ) {
            if (!remap_obj(b, m, s, end, out, depth + 1))
                return false;
            continue;
        }
        if (kind != WD_SH_COL && kind != WD_SH_ARR)
            return false;
        uint64_t extra = 0;
        if (!wd_get_varint(s, end, &c) || c >= m->part->ncols)
            return false;
        wd_put_varint(out, map_col(b, m, (uint32_t)c));
        if (kind == WD_SH_ARR) {
            if (!wd_get_varint(s, end, &extra))
                return false;
            wd_put_varint(out, extra);
        }
        for (uint64_t j = 0; j < extra; j++) {
            if (!wd_get_varint(s, end, &k) || k >= m->part->ncols)
                return false;
            wd_put_varint(out, map_col(b, m, (uint32_t)k));
        }
    }
    return true;
}

/* The merged part's id of the source part's shape s, or UINT32_MAX when malformed. */
static uint32_t map_shape(struct wd_part_builder *b, struct wd_copymap *m, uint32_t s)
{
    if (m->shape[s] != UINT32_MAX)
        return m->shape[s];
    const struct wd_shape *sh = &m->part->shapes[s];
    const unsigned char *p = sh->p, *end = sh->p + sh->len;
    m->buf.len = 0;
    if (!remap_obj(b, m, &p, end, &m->buf, 0) || p != end)
        return UINT32_MAX;
    return m->shape[s] = wd_builder_shape(b, m->buf.p, m->buf.len);
}

static int bad(char *err, size_t err_len, const struct wd_part *p, const struct wd_chunkdir *d,
               uint32_t bi, const char *what)
{
    snprintf(err, err_len, "%s: %s in chunk at offset %llu (block %u)", p->path, what,
             (unsigned long long)d->off, bi);
    return WD_ECORRUPT;
}

/* The shape chunk d of block bi with shape ids mapped into the builder's dictionary:
 * sets *out to the bytes to write (d's own bytes when no id changes). */
static int copy_shapes(struct wd_part_builder *b, struct wd_copymap *m, uint32_t bi,
                       const struct wd_chunkdir *d, struct ZSTD_DCtx_s *dz,
                       struct wd_chunkdir *nd, const void **out, char *err, size_t err_len)
{
    const struct wd_part *p = m->part;
    const unsigned char *src = p->map + d->off;
    const unsigned char *raw = src;
    if (d->clen != d->rawlen) {
        if (ZSTD_getFrameContentSize(src, d->clen) != d->rawlen)
            return bad(err, err_len, p, d, bi, "bad zstd frame");
        if (wd_buf_reserve(&m->ids, d->rawlen))
            return WD_ENOMEM;
        size_t n = ZSTD_decompressDCtx((ZSTD_DCtx *)dz, m->ids.p, d->rawlen, src, d->clen);
        if (ZSTD_isError(n) || n != d->rawlen)
            return bad(err, err_len, p, d, bi, "bad zstd frame");
        raw = (const unsigned char *)m->ids.p;
    }
    const unsigned char *r = raw, *end = raw + d->rawlen;
    struct wd_buf ids;
    wd_buf_init(&ids, 0);
    bool same = true;
    for (uint32_t i = 0; i < p->blocks[bi].nrows; i++) {
        uint64_t s;
        uint32_t t;
        if (!wd_get_varint(&r, end, &s) || s >= p->nshapes ||
            (t = map_shape(b, m, (uint32_t)s)) == UINT32_MAX) {
            wd_buf_fini(&ids);
            return bad(err, err_len, p, d, bi, "bad shape");
        }
        same = same && t == s;
        wd_put_varint(&ids, t);
    }
    if (r != end) {
        wd_buf_fini(&ids);
        return bad(err, err_len, p, d, bi, "bad shape ids");
    }
    *nd = *d;
    *out = src;
    if (!same) {
        size_t bound = ZSTD_compressBound(ids.len);
        if (wd_buf_reserve(&b->comp, bound)) {
            wd_buf_fini(&ids);
            return WD_ENOMEM;
        }
        size_t z = ZSTD_compressCCtx(b->zc, b->comp.p, bound, ids.p, ids.len, b->zlevel);
        if (!ZSTD_isError(z) && z < ids.len) {
            nd->clen = (uint32_t)z;
            *out = b->comp.p;
        } else {
            /* stored raw: copied into comp (bound >= ids.len) so `ids` can go */
            memcpy(b->comp.p, ids.p, ids.len);
            nd->clen = (uint32_t)ids.len;
            *out = b->comp.p;
        }
        nd->rawlen = (uint32_t)ids.len;
        nd->crc = (uint32_t)crc32(0, *out, nd->clen);
    }
    wd_buf_fini(&ids);
    return WD_OK;
}

static int cmp_chunk_col(const void *a, const void *b)
{
    const struct wd_chunkdir *x = a, *y = b;
    return x->col < y->col ? -1 : x->col > y->col;
}

uint32_t wd_copy_min_rows = WD_COPY_MIN_ROWS;

bool wd_part_can_copy(const struct wd_part *p, uint32_t bi)
{
    return p->version >= 2 && p->blocks[bi].nrows >= wd_copy_min_rows;
}

int wd_part_copy_block(struct wd_part_builder *b, const struct wd_part *p, uint32_t bi,
                       struct wd_copymap *m, struct ZSTD_DCtx_s *dz, char *err, size_t err_len)
{
    if (b->err)
        return b->err;
    if (m->part != p)
        copymap_reset(m, p);
    const struct wd_blockdir *sd = &p->blocks[bi];
    for (uint32_t i = 0; i < sd->nchunks; i++) {
        const struct wd_chunkdir *d = &sd->chunks[i];
        if ((uint32_t)crc32(0, p->map + d->off, d->clen) != d->crc)
            return bad(err, err_len, p, d, bi, "checksum mismatch");
    }
    if (b->nblocks == b->block_cap) {
        b->block_cap = b->block_cap ? b->block_cap * 2 : 16;
        b->blocks = wd_xrealloc(b->blocks, b->block_cap * sizeof(*b->blocks));
    }
    struct wd_blockdir nb = *sd;
    nb.chunks = wd_xcalloc(sd->nchunks + 1, sizeof(*nb.chunks));
    nb.nchunks = 0;
    int rc = WD_OK;
    /* the special chunks keep their place (SEQ, TS, SHAPE first, INDEX last); columns get
     * their new ids and are sorted again, as readers binary-search them */
    uint32_t ncol = 0;
    for (uint32_t i = 0; i < sd->nchunks && !rc; i++) {
        const struct wd_chunkdir *d = &sd->chunks[i];
        struct wd_chunkdir nd = *d;
        const void *bytes = p->map + d->off;
        if (d->col == WD_COL_SHAPE)
            rc = copy_shapes(b, m, bi, d, dz, &nd, &bytes, err, err_len);
        else if (d->col < WD_COL_SEQ)
            nd.col = map_col(b, m, d->col);
        if (rc)
            break;
        nd.off = b->off;
        if (wd_store_write_all(b->fd, bytes, nd.clen)) {
            rc = WD_EIO;
            snprintf(err, err_len, "cannot write %s: %s", b->tmp_path, strerror(errno));
            break;
        }
        b->off += nd.clen;
        nb.chunks[nb.nchunks++] = nd;
        ncol += d->col < WD_COL_SEQ;
    }
    if (rc) {
        free(nb.chunks);
        return b->err = rc;
    }
    /* columns sit between the three leading special chunks and the index */
    uint32_t first = 0;
    while (first < nb.nchunks && nb.chunks[first].col >= WD_COL_SEQ)
        first++;
    if (ncol)
        qsort(nb.chunks + first, ncol, sizeof(*nb.chunks), cmp_chunk_col);
    b->blocks[b->nblocks++] = nb;
    b->total_rows += nb.nrows;
    b->part_min_ts = WD_MIN(b->part_min_ts, nb.min_ts);
    b->part_max_ts = WD_MAX(b->part_max_ts, nb.max_ts);
    return WD_OK;
}

/* Rebuilds the rows of block bi of p into b, as value trees (no JSON text in between). */
static int rebuild_block(struct wd_part_builder *b, const struct wd_part *p, uint32_t bi,
                         struct wd_arena *arena, struct ZSTD_DCtx_s *dz, char *err,
                         size_t err_len)
{
    struct wd_block blk;
    wd_block_load(&blk, p, bi, dz);
    int rc = wd_block_rows(&blk) ? WD_OK : WD_ECORRUPT;
    for (uint32_t r = 0; r < blk.nrows && !rc; r++) {
        struct wd_jv *v;
        rc = wd_block_row_jv(&blk, r, arena, &v);
        if (!rc)
            rc = wd_part_add(b, blk.seq[r], blk.ts[r], v);
        wd_arena_reset(arena); /* the row is in the builder; its memory stays cached */
    }
    if (rc)
        snprintf(err, err_len, "%s: %s", p->path, blk.errmsg[0] ? blk.errmsg : wd_strerror(rc));
    wd_block_fini(&blk);
    return rc;
}

int wd_merge_blocks(struct wd_part_builder *b, struct wd_part *const *in, size_t n,
                    const bool *stop, uint64_t *copied, uint64_t *rebuilt, char *err,
                    size_t err_len)
{
    struct wd_arena arena;
    wd_arena_init(&arena, (size_t)1 << 20, 0);
    struct ZSTD_DCtx_s *dz = (struct ZSTD_DCtx_s *)ZSTD_createDCtx();
    struct wd_copymap cm = {0};
    int rc = dz ? WD_OK : WD_ENOMEM;
    err[0] = '\0';
    for (size_t i = 0; i < n && !rc; i++)
        for (uint32_t bi = 0; bi < in[i]->nblocks && !rc; bi++) {
            if (stop && __atomic_load_n(stop, __ATOMIC_RELAXED)) {
                rc = WD_EAGAIN; /* shutting down: the inputs stay, nothing is lost */
                snprintf(err, err_len, "stopping");
            } else if (wd_part_can_copy(in[i], bi)) {
                rc = wd_part_copy_block(b, in[i], bi, &cm, dz, err, err_len);
                *copied += !rc;
            } else {
                rc = rebuild_block(b, in[i], bi, &arena, dz, err, err_len);
                *rebuilt += rc ? 0 : in[i]->blocks[bi].nrows;
            }
        }
    ZSTD_freeDCtx((ZSTD_DCtx *)dz);
    wd_arena_fini(&arena);
    wd_copymap_fini(&cm);
    return rc;
}
