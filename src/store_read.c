/*
 * store_read.c: reads part files (format in store_fmt.h): maps the file, validates the
 * trailer and footer, and loads blocks lazily: a column is decompressed and decoded only
 * when a query touches it; the index chunk is searched in place. Every chunk's CRC is
 * checked before use; a bad chunk marks the block corrupt (file and offset in errmsg).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "jv.h"
#include "log.h"
#include "store_int.h"

static uint64_t get64le(const unsigned char *p)
{
    return (uint64_t)wd_get_u32(p) | (uint64_t)wd_get_u32(p + 4) << 32;
}

struct rd {
    const unsigned char *p, *end;
    bool bad;
};

static uint64_t rd_varint(struct rd *r)
{
    uint64_t v = 0;
    if (!wd_get_varint(&r->p, r->end, &v))
        r->bad = true;
    return v;
}

static uint64_t rd_u64(struct rd *r)
{
    if (r->end - r->p < 8) {
        r->bad = true;
        return 0;
    }
    uint64_t v = get64le(r->p);
    r->p += 8;
    return v;
}

static const unsigned char *rd_bytes(struct rd *r, uint64_t n)
{
    if ((uint64_t)(r->end - r->p) < n) {
        r->bad = true;
        return NULL;
    }
    const unsigned char *p = r->p;
    r->p += n;
    return p;
}

static int cmp_cc(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Walks a shape's object, counting values per column. Returns false when malformed. */
static bool shape_count(struct rd *r, uint32_t ncols, uint32_t **cc, uint32_t *ncc, uint32_t *cap,
                        int depth)
{
    uint64_t n = rd_varint(r);
    if (r->bad || depth > 200)
        return false;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t kl = rd_varint(r);
        rd_bytes(r, kl);
        if (r->bad || r->p >= r->end)
            return false;
        uint8_t kind = *r->p++;
        uint64_t cols[1];
        uint64_t nc = 0, extra = 0;
        if (kind == WD_SH_NULL)
            continue;
        if (kind == WD_SH_OBJ) {
            if (!shape_count(r, ncols, cc, ncc, cap, depth + 1))
                return false;
            continue;
        }
        if (kind != WD_SH_COL && kind != WD_SH_ARR)
            return false;
        cols[0] = rd_varint(r);
        nc = 1;
        if (kind == WD_SH_ARR)
            extra = rd_varint(r);
        for (uint64_t j = 0; j < nc + extra; j++) {
            uint64_t c = j < nc ? cols[j] : rd_varint(r);
            if (r->bad || c >= ncols)
                return false;
            if (*ncc == *cap) {
                *cap = *cap ? *cap * 2 : 16;
                *cc = wd_xrealloc(*cc, (size_t)*cap * 2 * sizeof(**cc));
            }
            (*cc)[2 * *ncc] = (uint32_t)c;
            (*cc)[2 * *ncc + 1] = 1;
            (*ncc)++;
        }
    }
    return !r->bad;
}

static bool parse_footer(struct wd_part *p, const unsigned char *f, size_t len)
{
    struct rd r = {f, f + len, false};
    if (len < 4 || memcmp(f, "WDPF", 4) != 0)
        return false;
    r.p += 4;
    p->lo = rd_u64(&r);
    p->hi = rd_u64(&r);
    p->nrows = rd_u64(&r);
    p->min_ts = (int64_t)rd_u64(&r);
    p->max_ts = (int64_t)rd_u64(&r);
    uint64_t nc = rd_varint(&r);
    if (r.bad || nc > len)
        return false;
    p->ncols = (uint32_t)nc;
    p->col_path = wd_xcalloc(nc + 1, sizeof(*p->col_path));
    p->col_path_len = wd_xcalloc(nc + 1, sizeof(*p->col_path_len));
    p->col_ftype = wd_xcalloc(nc + 1, 1);
    p->col_noidx = wd_xcalloc(nc + 1, 1);
    p->col_seed = wd_xcalloc(nc + 1, sizeof(*p->col_seed));
    for (uint32_t i = 0; i < p->ncols; i++) {
        uint64_t n = rd_varint(&r);
        p->col_path[i] = (const char *)rd_bytes(&r, n);
        p->col_path_len[i] = (uint32_t)n;
        const unsigned char *fl = rd_bytes(&r, 1);
        if (r.bad)
            return false;
        p->col_noidx[i] = *fl & 3;
        p->col_ftype[i] = (uint8_t)wd_qfield_type(p->col_path[i], n);
        p->col_seed[i] = wd_index_seed(p->version, i, p->col_path[i], n);
    }
    uint64_t ns = rd_varint(&r);
    if (r.bad || ns > len)
        return false;
    p->nshapes = (uint32_t)ns;
    p->shapes = wd_xcalloc(ns + 1, sizeof(*p->shapes));
    for (uint32_t i = 0; i < p->nshapes; i++) {
        struct wd_shape *s = &p->shapes[i];
        uint64_t n = rd_varint(&r);
        s->p = rd_bytes(&r, n);
        s->len = (uint32_t)n;
        if (r.bad)
            return false;
        struct rd sr = {s->p, s->p + n, false};
        uint32_t cap = 0, ncc = 0;
        if (!shape_count(&sr, p->ncols, &s->cc, &ncc, &cap, 0))
            return false;
        /* merge duplicate columns: sort pairs by column and sum (a shape without columns,
         * such as {} or all nulls, has cc == NULL, which qsort must not be given) */
        if (ncc)
            qsort(s->cc, ncc, 2 * sizeof(uint32_t), cmp_cc);
        uint32_t u = 0;
        for (uint32_t j = 0; j < ncc; j++) {
            if (u && s->cc[2 * (u - 1)] == s->cc[2 * j])
                s->cc[2 * (u - 1) + 1] += s->cc[2 * j + 1];
            else {
                s->cc[2 * u] = s->cc[2 * j];
                s->cc[2 * u + 1] = s->cc[2 * j + 1];
                u++;
            }
        }
        s->ncc = u;
    }
    /* Dense count matrix when small (the common case: few shapes, tens of columns). */
    if ((uint64_t)p->nshapes * p->ncols <= (4u << 20)) {
        p->shape_cols = wd_xcalloc((size_t)p->nshapes * p->ncols + 1, 1);
        for (uint32_t i = 0; i < p->nshapes; i++)
            for (uint32_t j = 0; j < p->shapes[i].ncc; j++) {
                uint32_t c = p->shapes[i].cc[2 * j], n = p->shapes[i].cc[2 * j + 1];
                if (n > 255) {
                    WD_FREE(p->shape_cols); /* rare: fall back to the sparse lists */
                    i = p->nshapes;
                    break;
                }
                p->shape_cols[(size_t)i * p->ncols + c] = (uint8_t)n;
            }
    }
    /* columns every shape holds once, or at most once (wd_block_col needs no shape ids for
     * the first, a count per value none for either) */
    if (p->shape_cols && p->nshapes) {
        p->col_card = wd_xcalloc(p->ncols + 1, 1);
        for (uint32_t c = 0; c < p->ncols; c++) {
            uint8_t most = 0, least = 255;
            for (uint32_t i = 0; i < p->nshapes && most <= 1; i++) {
                uint8_t n = p->shape_cols[(size_t)i * p->ncols + c];
                most = WD_MAX(most, n);
                least = WD_MIN(least, n);
            }
            p->col_card[c] = most != 1 ? WD_CARD_ANY : least ? WD_CARD_ONE : WD_CARD_AT_MOST_ONE;
        }
    }
    uint64_t nb = rd_varint(&r);
    if (r.bad || nb > len)
        return false;
    p->nblocks = (uint32_t)nb;
    p->blocks = wd_xcalloc(nb + 1, sizeof(*p->blocks));
    for (uint32_t i = 0; i < p->nblocks; i++) {
        struct wd_blockdir *b = &p->blocks[i];
        b->nrows = (uint32_t)rd_varint(&r);
        b->min_ts = (int64_t)rd_u64(&r);
        b->max_ts = (int64_t)rd_u64(&r);
        b->min_seq = rd_u64(&r);
        b->max_seq = rd_u64(&r);
        uint64_t nch = rd_varint(&r);
        /* a block's rows lie in the part's event range: replay decides by the range */
        if (r.bad || nch > len || b->nrows == 0 || b->nrows > WD_BLOCK_ROWS ||
            b->min_seq > b->max_seq || b->min_seq < p->lo || b->max_seq > p->hi)
            return false;
        b->nchunks = (uint32_t)nch;
        b->chunks = wd_xcalloc(nch + 1, sizeof(*b->chunks));
        for (uint32_t j = 0; j < b->nchunks; j++) {
            struct wd_chunkdir *c = &b->chunks[j];
            c->col = (uint32_t)rd_varint(&r);
            c->nvals = (uint32_t)rd_varint(&r);
            c->off = rd_u64(&r);
            c->clen = (uint32_t)rd_varint(&r);
            c->rawlen = (uint32_t)rd_varint(&r);
            const unsigned char *crc = rd_bytes(&r, 4);
            if (r.bad)
                return false;
            c->crc = wd_get_u32(crc);
            /* off is a u64 from the file: off + clen could wrap, so compare without adding */
            if (c->off < 4 || c->off > p->map_len || c->clen > p->map_len - c->off ||
                c->rawlen > (256u << 20) || (c->col >= p->ncols && c->col < WD_COL_SEQ) ||
                c->col > WD_COL_INDEX)
                return false;
        }
    }
    return r.p == r.end;
}

int wd_part_open(const char *path, struct wd_part **out, char *err, size_t err_len)
{
    static uint64_t next_id;
    struct wd_part *p = wd_xcalloc(1, sizeof(*p));
    p->refs = 1;
    p->id = __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED);
    p->path = wd_xstrdup(path);
    p->fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (p->fd < 0 || fstat(p->fd, &st) != 0) {
        snprintf(err, err_len, "%s: cannot open: %s", path, strerror(errno));
        wd_part_unref(p);
        return WD_EIO;
    }
    p->map_len = (size_t)st.st_size;
    p->file_bytes = (uint64_t)st.st_size;
    if (p->map_len < 16) {
        snprintf(err, err_len, "%s: truncated part (%zu bytes) at offset 0", path, p->map_len);
        wd_part_unref(p);
        return WD_ECORRUPT;
    }
    void *m = mmap(NULL, p->map_len, PROT_READ, MAP_SHARED, p->fd, 0);
    if (m == MAP_FAILED) {
        snprintf(err, err_len, "%s: cannot map: %s", path, strerror(errno));
        p->map_len = 0;
        wd_part_unref(p);
        return WD_EIO;
    }
    p->map = m;
    const unsigned char *tr = p->map + p->map_len - 12;
    uint32_t flen = wd_get_u32(tr), fcrc = wd_get_u32(tr + 4);
    p->version = memcmp(p->map, WD_PART_MAGIC, 4) == 0      ? 3
                 : memcmp(p->map, WD_PART_MAGIC_V2, 4) == 0 ? 2
                 : memcmp(p->map, WD_PART_MAGIC_V1, 4) == 0 ? 1
                                                            : 0;
    if (!p->version || memcmp(tr + 8, WD_PART_TRAILER, 4) != 0 ||
        flen > p->map_len - 16) {
        snprintf(err, err_len, "%s: bad magic or trailer at offset %zu", path, p->map_len - 12);
        wd_part_unref(p);
        return WD_ECORRUPT;
    }
    size_t foff = p->map_len - 12 - flen;
    p->footer = wd_xmalloc(flen + 1);
    memcpy(p->footer, p->map + foff, flen);
    if ((uint32_t)crc32(0, p->footer, flen) != fcrc || !parse_footer(p, p->footer, flen)) {
        snprintf(err, err_len, "%s: corrupt footer at offset %zu", path, foff);
        wd_part_unref(p);
        return WD_ECORRUPT;
    }
    const char *slash = strrchr(path, '/');
    const char *dir_end = slash ? slash : path;
    const char *dir_start = dir_end;
    while (dir_start > path && dir_start[-1] != '/')
        dir_start--;
    snprintf(p->partition, sizeof(p->partition), "%.*s", (int)(dir_end - dir_start), dir_start);
    *out = p;
    return WD_OK;
}

void wd_part_ref(struct wd_part *p)
{
    __atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
}

void wd_part_unref(struct wd_part *p)
{
    if (!p || __atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) > 0)
        return;
    if (p->map)
        munmap((void *)p->map, p->map_len);
    if (p->fd >= 0)
        close(p->fd);
    for (uint32_t i = 0; p->shapes && i < p->nshapes; i++)
        free(p->shapes[i].cc);
    for (uint32_t i = 0; p->blocks && i < p->nblocks; i++)
        free(p->blocks[i].chunks);
    free(p->shapes);
    free(p->blocks);
    free(p->col_path);
    free(p->col_path_len);
    free(p->col_ftype);
    free(p->col_noidx);
    free(p->col_seed);
    free(p->shape_cols);
    free(p->col_card);
    free(p->footer);
    free(p->path);
    free(p);
}

uint32_t wd_part_col(const struct wd_part *p, const char *path, size_t len)
{
    for (uint32_t i = 0; i < p->ncols; i++)
        if (p->col_path_len[i] == len && memcmp(p->col_path[i], path, len) == 0)
            return i;
    return UINT32_MAX;
}

static const struct wd_chunkdir *find_chunk(const struct wd_blockdir *bd, uint32_t col)
{
    /* chunks: SEQ, TS, SHAPE, then columns ascending, then INDEX. The special ones are
     * looked for where the writer puts them first (a needle query asks every block for
     * its INDEX, and a scan from the front read the whole directory), then anywhere. */
    if (col >= WD_COL_SEQ) {
        uint32_t at = col == WD_COL_INDEX ? bd->nchunks - 1 : col - WD_COL_SEQ;
        if (at < bd->nchunks && bd->chunks[at].col == col)
            return &bd->chunks[at];
        for (uint32_t i = 0; i < bd->nchunks; i++)
            if (bd->chunks[i].col == col)
                return &bd->chunks[i];
        return NULL;
    }
    uint32_t lo = 3, hi = bd->nchunks > 0 ? bd->nchunks - 1 : 0;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (bd->chunks[mid].col < col)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < bd->nchunks && bd->chunks[lo].col == col ? &bd->chunks[lo] : NULL;
}

/* Returns the raw bytes of a chunk (decompressed into the arena when needed). */

static bool load_varints(struct wd_block *b, uint32_t col, uint64_t *out, bool delta_zz)
{
    const struct wd_chunkdir *c = find_chunk(&b->part->blocks[b->bi], col);
    size_t len;
    const unsigned char *p = c ? wd_block_chunk(b, c, &len) : NULL;
    if (!p) {
        if (!c && !b->err)
            snprintf(b->errmsg, sizeof(b->errmsg), "%s: block %u lacks a chunk", b->part->path,
                     b->bi);
        b->err = WD_ECORRUPT;
        return false;
    }
    const unsigned char *end = p + len;
    uint64_t last = 0;
    for (uint32_t i = 0; i < b->nrows; i++) {
        uint64_t v;
        if (!wd_get_varint(&p, end, &v)) {
            wd_block_corrupt(b, c, "truncated values");
            return false;
        }
        if (delta_zz)
            v = last + (uint64_t)wd_unzigzag(v);
        out[i] = last = v;
    }
    return true;
}

int wd_block_load(struct wd_block *b, const struct wd_part *p, uint32_t bi, struct ZSTD_DCtx_s *dz)
{
    memset(b, 0, sizeof(*b));
    b->part = p;
    b->bi = bi;
    b->nrows = p->blocks[bi].nrows;
    b->dz = dz;
    wd_arena_init(&b->arena, (size_t)1 << 20, 0);
    return WD_OK;
}

void wd_block_fini(struct wd_block *b)
{
    wd_block_rows_fini(b);
    wd_block_release(b);
    wd_arena_fini(&b->arena);
    free(b->cols);
    free(b->rowoff);
    free(b->raw);
    free(b->rawlen);
    free(b->seq);
    free(b->ts);
    free(b->shape);
    memset(b, 0, sizeof(*b));
}

/* The per-column slots of decoded columns. */
static void ensure_cols(struct wd_block *b)
{
    if (!b->cols) {
        b->cols = wd_xcalloc(b->part->ncols + 1, sizeof(*b->cols));
        b->rowoff = wd_xcalloc(b->part->ncols + 1, sizeof(*b->rowoff));
        b->raw = wd_xcalloc(b->part->ncols + 1, sizeof(*b->raw));
        b->rawlen = wd_xcalloc(b->part->ncols + 1, sizeof(*b->rawlen));
    }
}

bool wd_block_shapes(struct wd_block *b)
{
    if (b->shape)
        return true;
    if (b->err)
        return false;
    uint64_t *tmp = wd_xmalloc((size_t)b->nrows * sizeof(uint64_t));
    bool ok = load_varints(b, WD_COL_SHAPE, tmp, false);
    if (ok) {
        b->shape = wd_xmalloc((size_t)b->nrows * sizeof(*b->shape));
        for (uint32_t i = 0; i < b->nrows && ok; i++) {
            if (tmp[i] >= b->part->nshapes) {
                snprintf(b->errmsg, sizeof(b->errmsg), "%s: block %u: shape id out of range",
                         b->part->path, b->bi);
                b->err = WD_ECORRUPT;
                ok = false;
            }
            b->shape[i] = (uint32_t)tmp[i];
        }
        if (!ok)
            WD_FREE(b->shape);
    }
    free(tmp);
    if (ok)
        ensure_cols(b);
    return ok;
}

bool wd_block_rows(struct wd_block *b)
{
    if (!wd_block_shapes(b))
        return false;
    if (b->ts)
        return true;
    b->seq = wd_xmalloc((size_t)b->nrows * sizeof(*b->seq));
    b->ts = wd_xmalloc((size_t)b->nrows * sizeof(*b->ts));
    if (load_varints(b, WD_COL_SEQ, b->seq, true) &&
        load_varints(b, WD_COL_TS, (uint64_t *)b->ts, true))
        return true;
    WD_FREE(b->seq);
    WD_FREE(b->ts);
    return false;
}

static uint32_t shape_colcount_slow(const struct wd_shape *s, uint32_t col)
{
    uint32_t lo = 0, hi = s->ncc;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (s->cc[2 * mid] < col)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->ncc && s->cc[2 * lo] == col ? s->cc[2 * lo + 1] : 0;
}

/* Column col's chunk in the block and, in *one, whether every row holds exactly one of
 * its values (a column every shape of the part has once: value r is row r, and the shape
 * ids need not be read: count-by on source, category, ...). NULL when the block lacks the
 * column or is corrupt (the shape ids are loaded when needed). */
static const struct wd_chunkdir *col_chunk(struct wd_block *b, uint32_t col, bool *one)
{
    if (col >= b->part->ncols || b->err)
        return NULL;
    const struct wd_chunkdir *c0 = NULL;
    *one = b->part->col_card && b->part->col_card[col] == WD_CARD_ONE &&
           (c0 = find_chunk(&b->part->blocks[b->bi], col)) && c0->nvals == b->nrows;
    if (*one)
        ensure_cols(b);
    else if (!wd_block_shapes(b))
        return NULL;
    return c0 ? c0 : find_chunk(&b->part->blocks[b->bi], col);
}

/* Column col's chunk bytes (chunk c), fetched once per block: a scan of the encoded values
 * and a decoding of them, or two leaves on one column, share them. */
static const unsigned char *col_bytes(struct wd_block *b, uint32_t col, const struct wd_chunkdir *c,
                                      size_t *len)
{
    if (!b->raw[col]) {
        b->raw[col] = wd_block_chunk(b, c, &b->rawlen[col]);
        if (!b->raw[col])
            return NULL;
    }
    *len = b->rawlen[col];
    return b->raw[col];
}

/* The row offsets of column col (chunk c): row r's values are [off[r], off[r + 1]);
 * kept in b->rowoff. NULL (block marked corrupt) when they do not add up to its values. */
static const uint32_t *col_rowoff(struct wd_block *b, uint32_t col, const struct wd_chunkdir *c,
                                  bool one)
{
    if (b->rowoff[col])
        return b->rowoff[col];
    uint32_t *off = wd_arena_alloc(&b->arena, ((size_t)b->nrows + 1) * sizeof(*off));
    if (!off)
        return NULL;
    /* 64 bits: nrows x a shape's count of one column can pass 2^32 in a hostile footer,
     * and a wrapped total could match nvals while the offsets point past the values. */
    uint64_t o = 0;
    const struct wd_part *p = b->part;
    if (one) {
        for (uint32_t r = 0; r < b->nrows; r++)
            off[r] = r;
        o = b->nrows;
    } else if (p->shape_cols) {
        /* dense (shape, column) -> count matrix: one load per row */
        const uint8_t *m = p->shape_cols + col;
        for (uint32_t r = 0; r < b->nrows; r++) {
            off[r] = (uint32_t)o;
            o += m[(size_t)b->shape[r] * p->ncols];
        }
    } else {
        for (uint32_t r = 0; r < b->nrows; r++) {
            off[r] = (uint32_t)o;
            o += shape_colcount_slow(&p->shapes[b->shape[r]], col);
        }
    }
    off[b->nrows] = (uint32_t)o;
    if (o != c->nvals) {
        wd_block_corrupt(b, c, "value count does not match the shapes");
        return NULL;
    }
    b->rowoff[col] = off;
    return off;
}

/* Column col's values (chunk c), decoded once per block into b->cols. */
static const struct wd_colvec *col_decode(struct wd_block *b, uint32_t col,
                                          const struct wd_chunkdir *c)
{
    if (b->cols[col])
        return b->cols[col];
    size_t len;
    const unsigned char *raw = col_bytes(b, col, c, &len);
    if (!raw)
        return NULL;
    struct wd_colvec *v = wd_arena_alloc(&b->arena, sizeof(*v));
    if (!v)
        return NULL;
    v->nvals = c->nvals;
    if (wd_col_decode(raw, len, &b->arena, v)) {
        wd_block_corrupt(b, c, "bad column encoding");
        return NULL;
    }
    b->cols[col] = v;
    return v;
}

const struct wd_colvec *wd_block_col(struct wd_block *b, uint32_t col, const uint32_t **rowoff)
{
    if (!b->err && b->cols && col < b->part->ncols && b->cols[col] && b->rowoff[col]) {
        *rowoff = b->rowoff[col]; /* decoded before */
        return b->cols[col];
    }
    bool one;
    const struct wd_chunkdir *c = col_chunk(b, col, &one);
    const struct wd_colvec *v = c ? col_decode(b, col, c) : NULL;
    const uint32_t *off = v ? col_rowoff(b, col, c, one) : NULL;
    if (!off)
        return NULL;
    *rowoff = off;
    return v;
}

const struct wd_colvec *wd_block_col_single(struct wd_block *b, uint32_t col)
{
    const struct wd_part *p = b->part;
    if (b->err || col >= p->ncols || !p->col_card || p->col_card[col] == WD_CARD_ANY)
        return NULL;
    const struct wd_chunkdir *c = find_chunk(&p->blocks[b->bi], col);
    if (!c || c->nvals > b->nrows)
        return NULL;
    ensure_cols(b);
    return col_decode(b, col, c);
}

const unsigned char *wd_block_col_raw(struct wd_block *b, uint32_t col, size_t *len,
                                      const uint32_t **rowoff, const struct wd_chunkdir **cd)
{
    bool one;
    const struct wd_chunkdir *c = col_chunk(b, col, &one);
    const unsigned char *raw = c ? col_bytes(b, col, c, len) : NULL;
    if (!raw || *len == 0 || !(*rowoff = col_rowoff(b, col, c, one)))
        return NULL;
    *cd = c;
    return raw;
}

bool wd_block_index_has(struct wd_block *b, uint32_t h)
{
    const struct wd_chunkdir *c = find_chunk(&b->part->blocks[b->bi], WD_COL_INDEX);
    if (!c)
        return true;
    const unsigned char *p = b->part->map + c->off;
    uint32_t lo = 0, hi = c->nvals;
    if ((size_t)c->nvals * 4 != c->clen)
        return true;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        uint32_t v = wd_get_u32(p + 4 * (size_t)mid);
        if (v < h)
            lo = mid + 1;
        else if (v > h)
            hi = mid;
        else
            return true;
    }
    return false;
}

uint32_t wd_block_row_values(struct wd_block *b, uint32_t col, uint32_t r, struct wd_qval *out,
                             uint32_t max)
{
    const uint32_t *off;
    const struct wd_colvec *v = wd_block_col(b, col, &off);
    if (!v)
        return 0;
    uint32_t n = 0;
    for (uint32_t i = off[r]; i < off[r + 1] && n < max; i++) {
        uint32_t e = v->codes ? v->codes[i] : i;
        if (v->json && v->json[e])
            continue;
        out[n++] = v->vals[e];
    }
    return n;
}

int wd_part_check(const struct wd_part *p, FILE *report)
{
    int bad = 0;
    for (uint32_t i = 0; i < p->nblocks; i++)
        for (uint32_t j = 0; j < p->blocks[i].nchunks; j++) {
            const struct wd_chunkdir *c = &p->blocks[i].chunks[j];
            if ((uint32_t)crc32(0, p->map + c->off, c->clen) != c->crc) {
                if (report)
                    fprintf(report, "%s: checksum mismatch in chunk at offset %llu (block %u)\n",
                            p->path, (unsigned long long)c->off, i);
                bad++;
            }
        }
    return bad;
}
