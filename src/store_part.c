/*
 * store_part.c: writes part files (format in store_fmt.h). Events are shredded into a
 * shape (structure) and per-column values; every WD_BLOCK_ROWS rows the block's columns
 * are encoded (store_col.c), zstd-compressed and appended, with a sorted array of index
 * key hashes. The footer and the atomic publish (fsync, rename, fsync dir) end a part.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "jv.h"
#include "store_int.h"

static ssize_t posix_write(int fd, const void *p, size_t n)
{
    return write(fd, p, n);
}

const struct wd_store_io wd_store_io_posix = {posix_write, fsync, rename};
const struct wd_store_io *wd_store_io = &wd_store_io_posix;

int wd_store_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = wd_store_io->write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = ENOSPC;
            return WD_EIO;
        }
        c += w;
        n -= (size_t)w;
    }
    return WD_OK;
}

int wd_store_sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return WD_EIO;
    int rc = wd_store_io->fsync(fd) == 0 ? WD_OK : WD_EIO;
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

/* ---- fast appends (the shredder's hot path) ---- */

static inline void put_bytes(struct wd_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return; /* p may be NULL (an empty string view) */
    if (b->cap - b->len <= n)
        wd_buf_reserve(b, n + 16);
    if (b->cap - b->len > n) {
        memcpy(b->p + b->len, p, n);
        b->len += n;
    }
}

static inline void put_byte(struct wd_buf *b, char c)
{
    if (b->cap - b->len <= 1)
        wd_buf_reserve(b, 64);
    if (b->cap - b->len > 1)
        b->p[b->len++] = c;
}

static inline void put_varint(struct wd_buf *b, uint64_t v)
{
    if (b->cap - b->len <= 10)
        wd_buf_reserve(b, 64);
    if (b->cap - b->len <= 10)
        return;
    unsigned char *o = (unsigned char *)b->p + b->len;
    while (v >= 0x80) {
        *o++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *o++ = (unsigned char)v;
    b->len = (size_t)((char *)o - b->p);
}

/* ---- dictionaries ---- */

#define MEMO_SLOTS 32         /* member positions remembered per object (store_int.h) */
#define MEMO_WAYS  4          /* columns remembered per position, most recent first */
#define ROOT_NODE  UINT32_MAX /* the event itself, as a parent */

/* The builder's two dictionaries (column paths, shapes) intern byte strings to dense ids
 * through the same open-addressing table; `key` returns the bytes of an id. */
typedef struct wd_str (*intern_key_fn)(const struct wd_part_builder *b, uint32_t id);

/* Returns the id of p[0..len), or UINT32_MAX with *slot where a new id goes. */
static uint32_t intern_find(struct wd_part_builder *b, uint32_t **tab, uint32_t *cap, uint32_t n,
                            intern_key_fn key, const char *p, size_t len, uint32_t *slot)
{
    if (n * 2 >= *cap) {
        uint32_t ncap = *cap ? *cap * 2 : 256;
        uint32_t *t = wd_xcalloc(ncap, sizeof(*t));
        for (uint32_t i = 0; i < n; i++) {
            struct wd_str k = key(b, i);
            uint32_t h = (uint32_t)wd_hash64(k.p, k.len, 1) & (ncap - 1);
            while (t[h])
                h = (h + 1) & (ncap - 1);
            t[h] = i + 1;
        }
        free(*tab);
        *tab = t;
        *cap = ncap;
    }
    uint32_t h = (uint32_t)wd_hash64(p, len, 1) & (*cap - 1);
    while ((*tab)[h]) {
        struct wd_str k = key(b, (*tab)[h] - 1);
        if (k.len == len && memcmp(k.p, p, len) == 0)
            return (*tab)[h] - 1;
        h = (h + 1) & (*cap - 1);
    }
    *slot = h;
    return UINT32_MAX;
}

static struct wd_str col_key(const struct wd_part_builder *b, uint32_t id)
{
    return (struct wd_str){b->col_path[id], b->col_len[id]};
}

static struct wd_str shape_key(const struct wd_part_builder *b, uint32_t id)
{
    return (struct wd_str){b->shapes.p + b->shape_off[id], b->shape_off[id + 1] - b->shape_off[id]};
}

static uint32_t col_id(struct wd_part_builder *b, const char *path, size_t len)
{
    uint32_t slot;
    uint32_t id = intern_find(b, &b->col_tab, &b->col_tab_cap, b->ncols, col_key, path, len, &slot);
    if (id != UINT32_MAX)
        return id;
    if (b->ncols == b->col_cap) {
        b->col_cap = b->col_cap ? b->col_cap * 2 : 64;
        b->col_path = wd_xrealloc(b->col_path, b->col_cap * sizeof(*b->col_path));
        b->col_ftype = wd_xrealloc(b->col_ftype, b->col_cap);
        b->col_len = wd_xrealloc(b->col_len, b->col_cap * sizeof(*b->col_len));
        b->col_noidx = wd_xrealloc(b->col_noidx, b->col_cap);
        b->col_seed = wd_xrealloc(b->col_seed, b->col_cap * sizeof(*b->col_seed));
        b->cols = wd_xrealloc(b->cols, b->col_cap * sizeof(*b->cols));
        b->touched = wd_xrealloc(b->touched, b->col_cap * sizeof(*b->touched));
        b->col_parent = wd_xrealloc(b->col_parent, b->col_cap * sizeof(*b->col_parent));
        b->col_keyoff = wd_xrealloc(b->col_keyoff, b->col_cap * sizeof(*b->col_keyoff));
        b->memo = wd_xrealloc(b->memo,
                              (size_t)b->col_cap * MEMO_SLOTS * MEMO_WAYS * sizeof(*b->memo));
        memset(b->memo + (size_t)b->ncols * MEMO_SLOTS * MEMO_WAYS, 0xff,
               (size_t)(b->col_cap - b->ncols) * MEMO_SLOTS * MEMO_WAYS * sizeof(*b->memo));
    }
    id = b->ncols++;
    b->col_parent[id] = ROOT_NODE - 1; /* set by member_col; never matches a node */
    b->col_keyoff[id] = 0;
    b->col_path[id] = wd_xstrndup(path, len);
    b->col_ftype[id] = (uint8_t)wd_qfield_type(path, len);
    b->col_len[id] = (uint32_t)len;
    b->col_seed[id] = wd_index_seed(2, id, path, len);
    /* Dates are pruned by the blocks' time ranges, never by the index. */
    b->col_noidx[id] = b->col_ftype[id] == WD_FT_DATE ? 2 : 0;
    memset(&b->cols[id], 0, sizeof(b->cols[id]));
    wd_buf_init(&b->cols[id].vals, 0);
    b->cols[id].dict = wd_xcalloc(1, sizeof(*b->cols[id].dict));
    b->cols[id].dict->live = !b->no_dicts;
    b->col_tab[slot] = id + 1;
    return id;
}

static uint32_t shape_id(struct wd_part_builder *b, const char *p, size_t len)
{
    uint32_t slot;
    uint32_t id =
        intern_find(b, &b->shape_tab, &b->shape_tab_cap, b->nshapes, shape_key, p, len, &slot);
    if (id != UINT32_MAX)
        return id;
    if (b->nshapes + 2 > b->shape_cap) {
        b->shape_cap = b->shape_cap ? b->shape_cap * 2 : 64;
        b->shape_off = wd_xrealloc(b->shape_off, b->shape_cap * sizeof(*b->shape_off));
    }
    id = b->nshapes++;
    b->shape_off[id] = (uint32_t)b->shapes.len;
    wd_buf_append(&b->shapes, p, len);
    b->shape_off[id + 1] = (uint32_t)b->shapes.len;
    b->shape_tab[slot] = id + 1;
    return id;
}

uint32_t wd_builder_col(struct wd_part_builder *b, const char *path, size_t len)
{
    return col_id(b, path, len);
}

uint32_t wd_builder_shape(struct wd_part_builder *b, const char *p, size_t len)
{
    return shape_id(b, p, len);
}

/* ---- shredding ---- */

/* Adds h to the block's keys. They are appended, and sorted and deduplicated when the block
 * is written: a hash set of a block's keys (about 57,000 on Zeek events: 512 KiB) missed
 * the cache on nearly every insert. A direct-mapped filter of recent keys (16 KiB, emptied
 * with each block) drops most repeats first. 0 marks a free filter slot, so hash 0 is
 * stored as 1: a false positive at worst. */
static void push_hash(struct wd_part_builder *b, uint32_t h)
{
    if (!h)
        h = 1;
    uint32_t *f = &b->key_recent[(h * 2654435761u) >> (32 - WD_KEY_RECENT_BITS)];
    if (*f == h)
        return;
    *f = h;
    if (b->nhash == b->hash_cap) {
        b->hash_cap = b->hash_cap ? b->hash_cap * 2 : 1u << 16;
        b->hashes = wd_xrealloc(b->hashes, b->hash_cap * sizeof(*b->hashes));
    }
    b->hashes[b->nhash++] = h;
}

struct keyctx {
    struct wd_part_builder *b;
    uint64_t seed;
};

static void on_key(void *ctx, const char *key, size_t len)
{
    struct keyctx *k = ctx;
    push_hash(k->b, wd_index_hash(k->seed, key, len));
}

/* ---- per-column dictionaries of the block (struct wd_coldict) ---- */

#define DICT_MAX 65535 /* distinct values of a DICT chunk, at most */

/* A table slot: the encoding's offset in vals (high 32 bits), 15 bits of its hash and a
 * set bit (so a used slot is never 0), its code (low 16 bits: codes stay <= DICT_MAX).
 * A probe compares the hash bits, then the bytes at the offset, without the per-code
 * arrays: an encoding starts with its tag and length, so equal bytes over the new
 * encoding's length mean equal values (the stored one lies before it in vals). */
static inline uint64_t dict_slot(uint32_t off, uint64_t h, uint32_t code)
{
    return (uint64_t)off << 32 | (h >> 32 & 0xfffe0000u) | 0x10000u | code;
}

static void dict_grow_tab(struct wd_coldict *d, const char *base)
{
    uint32_t cap = d->tab_cap ? d->tab_cap * 2 : 64;
    uint64_t *t = wd_xcalloc(cap, sizeof(*t));
    for (uint32_t code = 0; code < d->ndict; code++) {
        uint64_t h = wd_hash64(base + d->off[code], d->len[code], 7);
        uint32_t k = (uint32_t)h & (cap - 1);
        while (t[k])
            k = (k + 1) & (cap - 1);
        t[k] = dict_slot(d->off[code], h, code);
    }
    free(d->tab);
    d->tab = t;
    d->tab_cap = cap;
}

/* Room in codes for value i of the block. */
static void codes_room(struct wd_coldict *d, uint32_t i)
{
    if (i >= d->codes_cap) {
        d->codes_cap = d->codes_cap ? d->codes_cap * 2 : 1024;
        d->codes = wd_xrealloc(d->codes, d->codes_cap * sizeof(*d->codes));
    }
}

/* Gives value i of the block, the encoding base[off..off+len), its code; returns whether
 * an equal value came before in the block. */
static bool dict_add(struct wd_coldict *d, const char *base, uint32_t off, uint32_t len, uint32_t i)
{
    codes_room(d, i);
    if (d->ndict * 2 >= d->tab_cap)
        dict_grow_tab(d, base);
    uint64_t h = wd_hash64(base + off, len, 7), tag = dict_slot(0, h, 0);
    uint32_t mask = d->tab_cap - 1, k = (uint32_t)h & mask;
    for (uint64_t e; (e = d->tab[k]); k = (k + 1) & mask)
        if ((uint32_t)e >> 16 == (uint32_t)tag >> 16 &&
            wd_bytes_eq(base + (e >> 32), base + off, len)) {
            d->codes[i] = (uint32_t)e & 0xffff;
            return true;
        }
    if (d->ndict == d->dict_cap) {
        d->dict_cap = d->dict_cap ? d->dict_cap * 2 : 64;
        d->off = wd_xrealloc(d->off, d->dict_cap * sizeof(*d->off));
        d->len = wd_xrealloc(d->len, d->dict_cap * sizeof(*d->len));
    }
    d->off[d->ndict] = off;
    d->len[d->ndict] = len;
    d->codes[i] = d->ndict;
    d->tab[k] = dict_slot(off, h, d->ndict++);
    return false;
}

/* Gives value i the code of value i - 1 (an equal encoding). */
static void dict_repeat(struct wd_coldict *d, uint32_t i)
{
    codes_room(d, i);
    d->codes[i] = d->codes[i - 1];
}

/* Empties the dictionary for the next block. */
static void dict_reset(struct wd_coldict *d, bool live)
{
    if (d->ndict)
        memset(d->tab, 0, d->tab_cap * sizeof(*d->tab));
    d->ndict = 0;
    d->live = live;
}

static void dict_free(struct wd_coldict *d)
{
    if (!d)
        return;
    free(d->codes);
    free(d->off);
    free(d->len);
    free(d->tab);
    free(d);
}

/* Appends one tagged value to column `col` of the current block and indexes it (INT: s is
 * its decimal text, or empty). */
static void add_value(struct wd_part_builder *b, uint32_t col, uint8_t tag, const char *s,
                      size_t len, int64_t iv)
{
    struct wd_colbuild *c = &b->cols[col];
    if (!c->nvals) {
        b->touched[b->ntouched++] = col;
        c->last_len = 0;
    }
    size_t start = c->vals.len;
    /* the column's next line, for a value a few events on (the columns' streams are more
     * than the hardware prefetcher follows) */
    __builtin_prefetch((const void *)((uintptr_t)c->vals.p + c->vals.len + 64), 1);
    put_byte(&c->vals, (char)tag);
    if (tag == WD_VT_INT) {
        put_varint(&c->vals, wd_zigzag(iv));
        c->nint++;
    } else {
        put_varint(&c->vals, len);
        put_bytes(&c->vals, s, len);
    }
    c->nvals++;
    /* A value that came before in this column of the block: its keys are in the block's
     * keys already. The dictionary knows them all while it is kept; columns where more
     * than one value in 8 is new stop keeping it and compare with the previous value only
     * (the encoder makes its own dictionary for them, the same one: the output does not
     * change). Their tables were the largest the shredder probed at random (a port column:
     * 6,500 distinct values a block, 128 KiB), and repeats are cheap to drop from the
     * index keys anyway (push_hash). */
    size_t vlen = c->vals.len - start;
    struct wd_coldict *d = c->dict;
    /* runs are common: the previous value first, without hashing */
    bool repeat =
        vlen == c->last_len && wd_bytes_eq(c->vals.p + c->last_off, c->vals.p + start, vlen);
    if (d->live && c->vals.len > UINT32_MAX)
        d->live = false; /* past what a slot's offset holds */
    if (d->live && repeat) {
        dict_repeat(d, c->nvals - 1);
    } else if (d->live) {
        repeat = dict_add(d, c->vals.p, (uint32_t)start, (uint32_t)vlen, c->nvals - 1);
        if (d->ndict > DICT_MAX || (c->nvals >= 256 && d->ndict > c->nvals / 8 + 1))
            d->live = false;
    }
    c->last_off = start;
    c->last_len = vlen;
    if (repeat || tag == WD_VT_JSON || b->col_noidx[col] == 2)
        return; /* arrays: their elements are indexed as shadow values */
    if (tag == WD_VT_NUM) {
        /* Floats are near-unique: not indexed; the column is marked so a search for a
         * number in it does not rely on the index. */
        b->col_noidx[col] = 1;
        return;
    }
    struct wd_qval q = {.type = WD_QV_STR, .s = {s, len}};
    char num[24];
    if (tag == WD_VT_INT) {
        q.type = WD_QV_INT;
        q.i = iv;
        if (!len) /* the text is the value's own when it has one (scalar_tag) */
            q.s = (struct wd_str){num, wd_fmt_i64(iv, num)};
    } else if (tag == WD_VT_NUM) {
        q.type = WD_QV_FLOAT;
    } else if (tag == WD_VT_TRUE || tag == WD_VT_FALSE) {
        q.type = WD_QV_BOOL;
        q.b = tag == WD_VT_TRUE;
    }
    struct keyctx k = {b, b->col_seed[col]};
    wd_qindex_keys((enum wd_ftype)b->col_ftype[col], &q, on_key, &k);
}

static void shape_put_key(struct wd_buf *sh, struct wd_str key)
{
    put_varint(sh, key.len);
    put_bytes(sh, key.p, key.len);
}

/* Whether t is the decimal text of v as wd_fmt_i64 writes it (no leading zeros, no "-0"),
 * checked without formatting v. */
static bool is_int_text(struct wd_str t, int64_t v)
{
    const char *p = t.p, *e = t.p + t.len;
    bool neg = p < e && *p == '-';
    p += neg;
    size_t nd = (size_t)(e - p);
    if (nd == 0 || nd > 19 || (*p == '0' && (nd > 1 || neg)))
        return false;
    uint64_t u = 0;
    for (; p < e; p++) {
        unsigned d = (unsigned char)*p - '0';
        if (d > 9)
            return false;
        u = u * 10 + d;
    }
    return neg ? v < 0 && u == (uint64_t)0 - (uint64_t)v : v >= 0 && u == (uint64_t)v;
}

/* A scalar value's tag, text and integer (INT: the text when the value has it, else empty). */
static uint8_t scalar_tag(const struct wd_jv *v, struct wd_str *s, int64_t *iv)
{
    switch (v->type) {
    case WD_JV_TRUE:
        *s = WD_STR("true");
        return WD_VT_TRUE;
    case WD_JV_FALSE:
        *s = WD_STR("false");
        return WD_VT_FALSE;
    case WD_JV_INT:
        *iv = v->u.i;
        *s = v->raw;
        return !v->raw.len || is_int_text(v->raw, v->u.i) ? WD_VT_INT : WD_VT_NUM;
    case WD_JV_FLOAT:
        *s = v->raw;
        return WD_VT_NUM;
    default:
        *s = v->u.s;
        return WD_VT_STR;
    }
}

/* Adds the scalars of value v at the current path as shadow values, recording their
 * columns in the shape: arrays are flattened, object members go under path.key, nulls are
 * not values (query semantics, spec d.1). */
static void shadow_values(struct wd_part_builder *b, const struct wd_jv *v, struct wd_buf *sh,
                          uint32_t *nshadow, uint32_t path_col)
{
    if (v->type == WD_JV_NULL)
        return;
    if (v->type == WD_JV_ARR) {
        for (const struct wd_jv *e = v->u.kids.head; e; e = e->next)
            shadow_values(b, e, sh, nshadow, path_col);
        return;
    }
    if (v->type == WD_JV_OBJ) {
        size_t base = b->path.len;
        for (const struct wd_jv *m = v->u.kids.head; m; m = m->next) {
            b->path.len = base;
            put_byte(&b->path, '.');
            put_bytes(&b->path, m->key.p, m->key.len);
            shadow_values(b, m, sh, nshadow, UINT32_MAX);
        }
        b->path.len = base;
        return;
    }
    struct wd_str s = {0};
    int64_t iv = 0;
    uint8_t tag = scalar_tag(v, &s, &iv);
    /* path_col: the column of the path when known (the array's own, for its scalars) */
    uint32_t col = path_col != UINT32_MAX ? path_col : col_id(b, b->path.p, b->path.len);
    add_value(b, col, tag, s.p, s.len, iv);
    put_varint(sh, col);
    (*nshadow)++;
}

static inline uint32_t *memo_ways(struct wd_part_builder *b, uint32_t node, uint32_t idx)
{
    return node == ROOT_NODE ? &b->root_memo[idx * MEMO_WAYS]
                             : &b->memo[((size_t)node * MEMO_SLOTS + idx) * MEMO_WAYS];
}

/*
 * Column of member `key` (the idx-th member) of the object at column `node` (ROOT_NODE for
 * the event itself). Consecutive events mostly share their structure, or alternate between
 * a few (one per log type), so a per-node memo of the columns last seen at each member
 * position answers without building the dotted path or hashing it; a miss falls back to
 * the path dictionary.
 */
static uint32_t member_col(struct wd_part_builder *b, uint32_t node, uint32_t idx,
                           struct wd_str key)
{
    if (idx < MEMO_SLOTS) {
        uint32_t *ways = memo_ways(b, node, idx);
        for (uint32_t w = 0; w < MEMO_WAYS; w++) {
            uint32_t c = ways[w];
            if (c < b->ncols && b->col_parent[c] == node &&
                b->col_len[c] - b->col_keyoff[c] == key.len &&
                wd_bytes_eq(b->col_path[c] + b->col_keyoff[c], key.p, key.len)) {
                for (; w > 0; w--) /* most recent first */
                    ways[w] = ways[w - 1];
                ways[0] = c;
                return c;
            }
        }
    }
    b->path.len = 0;
    if (node != ROOT_NODE) {
        put_bytes(&b->path, b->col_path[node], b->col_len[node]);
        put_byte(&b->path, '.');
    }
    uint32_t keyoff = (uint32_t)b->path.len;
    put_bytes(&b->path, key.p, key.len);
    uint32_t c = col_id(b, b->path.p, b->path.len);
    b->col_parent[c] = node;
    b->col_keyoff[c] = keyoff;
    if (idx < MEMO_SLOTS) {
        /* after col_id, which may have grown the memo array */
        uint32_t *ways = memo_ways(b, node, idx);
        memmove(ways + 1, ways, (MEMO_WAYS - 1) * sizeof(*ways));
        ways[0] = c;
    }
    return c;
}

/* Shape of an object: varint nmembers, then per member: key, kind, payload. */
static int shred_obj(struct wd_part_builder *b, const struct wd_jv *obj, uint32_t node,
                     struct wd_buf *sh)
{
    put_varint(sh, obj->count);
    uint32_t idx = 0;
    for (const struct wd_jv *m = obj->u.kids.head; m; m = m->next, idx++) {
        shape_put_key(sh, m->key);
        if (m->type == WD_JV_NULL) {
            put_byte(sh, WD_SH_NULL);
            continue;
        }
        uint32_t col = member_col(b, node, idx, m->key);
        if (m->type == WD_JV_OBJ) {
            put_byte(sh, WD_SH_OBJ);
            int rc = shred_obj(b, m, col, sh);
            if (rc)
                return rc;
        } else if (m->type == WD_JV_ARR) {
            /* The array's JSON text is rendered; its scalars are queryable shadows. */
            b->scratch.len = 0;
            if (wd_jv_write(m, &b->scratch))
                return WD_ENOMEM;
            add_value(b, col, WD_VT_JSON, b->scratch.p, b->scratch.len, 0);
            put_byte(sh, WD_SH_ARR);
            put_varint(sh, col);
            struct wd_buf *shadow = &b->shadow; /* arrays are not nested in shadows */
            shadow->len = 0;
            uint32_t n = 0;
            b->path.len = 0;
            put_bytes(&b->path, b->col_path[col], b->col_len[col]);
            shadow_values(b, m, shadow, &n, col);
            put_varint(sh, n);
            put_bytes(sh, shadow->p, shadow->len);
        } else {
            struct wd_str s = {0};
            int64_t iv = 0;
            uint8_t tag = scalar_tag(m, &s, &iv);
            add_value(b, col, tag, s.p, s.len, iv);
            put_byte(sh, WD_SH_COL);
            put_varint(sh, col);
        }
    }
    return WD_OK;
}

/* ---- block output ---- */

static int put_chunk(struct wd_part_builder *b, struct wd_blockdir *bd, uint32_t col,
                     uint32_t nvals, const void *raw, size_t len, bool compress)
{
    const void *out = raw;
    size_t olen = len;
    if (compress && len > 64) {
        size_t bound = ZSTD_compressBound(len);
        wd_buf_reserve(&b->comp, bound);
        size_t z = ZSTD_compressCCtx(b->zc, b->comp.p, bound, raw, len, b->zlevel);
        if (!ZSTD_isError(z) && z < len) {
            out = b->comp.p;
            olen = z;
        }
    }
    struct wd_chunkdir *c = &bd->chunks[bd->nchunks++];
    c->col = col;
    c->nvals = nvals;
    c->off = b->off;
    c->clen = (uint32_t)olen;
    c->rawlen = (uint32_t)len;
    c->crc = (uint32_t)crc32(0, out, (uInt)olen);
    if (wd_store_write_all(b->fd, out, olen))
        return WD_EIO;
    b->off += olen;
    return WD_OK;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts distinct hashes with an LSD radix sort (4 passes of 8 bits). */
static size_t sort_unique(uint32_t *v, size_t n, uint32_t *tmp)
{
    if (n < 256) {
        qsort(v, n, sizeof(*v), cmp_u32);
    } else {
        for (int pass = 0; pass < 4; pass++) {
            size_t cnt[257] = {0};
            int sh = pass * 8;
            for (size_t i = 0; i < n; i++)
                cnt[((v[i] >> sh) & 0xff) + 1]++;
            for (int i = 0; i < 256; i++)
                cnt[i + 1] += cnt[i];
            for (size_t i = 0; i < n; i++)
                tmp[cnt[(v[i] >> sh) & 0xff]++] = v[i];
            memcpy(v, tmp, n * sizeof(*v));
        }
    }
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (!u || v[u - 1] != v[i])
            v[u++] = v[i];
    return u;
}

static int flush_block(struct wd_part_builder *b)
{
    if (!b->rows)
        return WD_OK;
    if (b->nblocks == b->block_cap) {
        b->block_cap = b->block_cap ? b->block_cap * 2 : 16;
        b->blocks = wd_xrealloc(b->blocks, b->block_cap * sizeof(*b->blocks));
    }
    struct wd_blockdir *bd = &b->blocks[b->nblocks++];
    memset(bd, 0, sizeof(*bd));
    bd->nrows = b->rows;
    bd->min_ts = b->min_ts;
    bd->max_ts = b->max_ts;
    bd->min_seq = b->min_seq;
    bd->max_seq = b->max_seq;
    bd->chunks = wd_xcalloc(b->ntouched + 4, sizeof(*bd->chunks));
    int rc = put_chunk(b, bd, WD_COL_SEQ, b->rows, b->seqs.p, b->seqs.len, true);
    if (!rc)
        rc = put_chunk(b, bd, WD_COL_TS, b->rows, b->tss.p, b->tss.len, true);
    if (!rc)
        rc = put_chunk(b, bd, WD_COL_SHAPE, b->rows, b->shape_ids.p, b->shape_ids.len, true);
    /* Columns in id order so readers can binary-search a block's chunks. */
    if (b->ntouched) /* rows of empty or all-null objects touch none (touched may be NULL) */
        qsort(b->touched, b->ntouched, sizeof(*b->touched), cmp_u32);
    for (uint32_t i = 0; i < b->ntouched && !rc; i++) {
        struct wd_colbuild *c = &b->cols[b->touched[i]];
        b->enc.len = 0;
        int enc = wd_col_encode_with(c, &b->enc, &b->cscratch);
        if (enc < 0)
            rc = enc;
        else
            rc = put_chunk(b, bd, b->touched[i], c->nvals, b->enc.p, b->enc.len, true);
        c->vals.len = 0;
        c->nvals = c->nint = 0;
        dict_reset(c->dict, !b->no_dicts);
    }
    if (!rc) {
        /* sort the block's keys, drop repeats */
        uint32_t *tmp = wd_xmalloc((b->nhash + 1) * sizeof(*tmp));
        size_t n = b->nhash ? sort_unique(b->hashes, b->nhash, tmp) : 0;
        free(tmp);
        b->enc.len = 0;
        wd_buf_reserve(&b->enc, n * 4);
        for (size_t i = 0; i < n; i++)
            wd_put_u32((unsigned char *)b->enc.p + 4 * i, b->hashes[i]);
        b->enc.len = n * 4;
        rc = put_chunk(b, bd, WD_COL_INDEX, (uint32_t)n, b->enc.p, b->enc.len, false);
    }
    b->ntouched = 0;
    b->nhash = 0;
    memset(b->key_recent, 0, sizeof(b->key_recent));
    b->seqs.len = b->tss.len = b->shape_ids.len = 0;
    b->total_rows += b->rows;
    b->part_min_ts = WD_MIN(b->part_min_ts, b->min_ts);
    b->part_max_ts = WD_MAX(b->part_max_ts, b->max_ts);
    b->rows = 0;
    return rc;
}

int wd_part_begin(struct wd_part_builder *b, const char *tmp_path, int zstd_level)
{
    memset(b, 0, sizeof(*b));
    wd_buf_init(&b->shapes, 0);
    wd_buf_init(&b->seqs, 0);
    wd_buf_init(&b->tss, 0);
    wd_buf_init(&b->shape_ids, 0);
    wd_buf_init(&b->cur_shape, 0);
    wd_buf_init(&b->path, 0);
    wd_buf_init(&b->scratch, 0);
    wd_buf_init(&b->shadow, 0);
    wd_buf_init(&b->enc, 0);
    wd_buf_init(&b->comp, 0);
    b->part_min_ts = INT64_MAX;
    b->part_max_ts = INT64_MIN;
    memset(b->last_shape, 0xff, sizeof(b->last_shape));
    memset(b->root_memo, 0xff, sizeof(b->root_memo));
    b->zlevel = zstd_level;
    b->zc = ZSTD_createCCtx();
    b->tmp_path = wd_xstrdup(tmp_path);
    b->fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (b->fd < 0 || !b->zc) {
        b->err = WD_EIO;
        return WD_EIO;
    }
    if (wd_store_write_all(b->fd, WD_PART_MAGIC, 4)) {
        b->err = WD_EIO;
        return WD_EIO;
    }
    b->off = 4;
    return WD_OK;
}

int wd_part_add(struct wd_part_builder *b, uint64_t seq, int64_t ts_us, const struct wd_jv *ev)
{
    if (b->err)
        return b->err;
    if (!ev || ev->type != WD_JV_OBJ)
        return WD_EINVAL;
    b->cur_shape.len = 0;
    int rc = shred_obj(b, ev, ROOT_NODE, &b->cur_shape);
    if (rc)
        return b->err = rc;
    /* most events have the shape of one of the last few (one per log type) */
    uint32_t sid = UINT32_MAX, w = 0, nw = WD_ARRAY_LEN(b->last_shape);
    for (; w < nw && sid == UINT32_MAX; w++) {
        uint32_t r = b->last_shape[w];
        if (r < b->nshapes && b->shape_off[r + 1] - b->shape_off[r] == b->cur_shape.len &&
            memcmp(b->shapes.p + b->shape_off[r], b->cur_shape.p, b->cur_shape.len) == 0)
            sid = r;
    }
    if (sid == UINT32_MAX)
        sid = shape_id(b, b->cur_shape.p, b->cur_shape.len);
    else
        w--; /* the way it was found in */
    for (w = WD_MIN(w, nw - 1); w > 0; w--) /* most recent first */
        b->last_shape[w] = b->last_shape[w - 1];
    b->last_shape[0] = sid;
    wd_put_varint(&b->shape_ids, sid);
    if (!b->rows) {
        b->min_ts = b->max_ts = ts_us;
        b->min_seq = b->max_seq = seq;
        b->last_seq = 0;
        b->last_ts = 0;
    }
    b->min_ts = WD_MIN(b->min_ts, ts_us);
    b->max_ts = WD_MAX(b->max_ts, ts_us);
    b->min_seq = WD_MIN(b->min_seq, seq);
    b->max_seq = WD_MAX(b->max_seq, seq);
    wd_put_varint(&b->seqs, wd_zigzag((int64_t)(seq - b->last_seq)));
    wd_put_varint(&b->tss, wd_zigzag((int64_t)((uint64_t)ts_us - (uint64_t)b->last_ts)));
    b->last_seq = seq;
    b->last_ts = ts_us;
    if (++b->rows == WD_BLOCK_ROWS && (rc = flush_block(b)))
        return b->err = rc;
    return WD_OK;
}

static void put64le(struct wd_buf *f, uint64_t v)
{
    unsigned char t[8];
    for (int i = 0; i < 8; i++)
        t[i] = (unsigned char)(v >> (8 * i));
    wd_buf_append(f, t, 8);
}

/* Footer: "WDPF", counts, columns (path), shapes, blocks with chunk directories, ranges. */
static void write_footer(struct wd_part_builder *b, struct wd_buf *f, uint64_t lo, uint64_t hi)
{
    wd_buf_append(f, "WDPF", 4);
    put64le(f, lo);
    put64le(f, hi);
    put64le(f, b->total_rows);
    put64le(f, (uint64_t)b->part_min_ts);
    put64le(f, (uint64_t)b->part_max_ts);
    wd_put_varint(f, b->ncols);
    for (uint32_t i = 0; i < b->ncols; i++) {
        wd_put_varint(f, b->col_len[i]);
        wd_buf_append(f, b->col_path[i], b->col_len[i]);
        wd_buf_putc(f, (char)b->col_noidx[i]); /* 1: numbers not indexed, 2: nothing */
    }
    wd_put_varint(f, b->nshapes);
    for (uint32_t i = 0; i < b->nshapes; i++) {
        uint32_t o = b->shape_off[i], l = b->shape_off[i + 1] - o;
        wd_put_varint(f, l);
        wd_buf_append(f, b->shapes.p + o, l);
    }
    wd_put_varint(f, b->nblocks);
    for (uint32_t i = 0; i < b->nblocks; i++) {
        const struct wd_blockdir *bd = &b->blocks[i];
        wd_put_varint(f, bd->nrows);
        put64le(f, (uint64_t)bd->min_ts);
        put64le(f, (uint64_t)bd->max_ts);
        put64le(f, bd->min_seq);
        put64le(f, bd->max_seq);
        wd_put_varint(f, bd->nchunks);
        for (uint32_t j = 0; j < bd->nchunks; j++) {
            const struct wd_chunkdir *c = &bd->chunks[j];
            wd_put_varint(f, c->col);
            wd_put_varint(f, c->nvals);
            put64le(f, c->off);
            wd_put_varint(f, c->clen);
            wd_put_varint(f, c->rawlen);
            unsigned char t[4];
            wd_put_u32(t, c->crc);
            wd_buf_append(f, t, 4);
        }
    }
}

static void builder_free(struct wd_part_builder *b)
{
    if (b->fd >= 0)
        close(b->fd);
    b->fd = -1;
    for (uint32_t i = 0; i < b->ncols; i++) {
        free(b->col_path[i]);
        wd_buf_fini(&b->cols[i].vals);
        dict_free(b->cols[i].dict);
    }
    for (uint32_t i = 0; i < b->nblocks; i++)
        free(b->blocks[i].chunks);
    free(b->blocks);
    free(b->col_path);
    free(b->col_ftype);
    free(b->col_len);
    free(b->col_noidx);
    free(b->col_seed);
    free(b->col_parent);
    free(b->col_keyoff);
    free(b->memo);
    free(b->cols);
    free(b->touched);
    free(b->col_tab);
    free(b->shape_off);
    free(b->shape_tab);
    free(b->hashes);
    wd_colscratch_fini(&b->cscratch);
    free(b->tmp_path);
    wd_buf_fini(&b->shapes);
    wd_buf_fini(&b->seqs);
    wd_buf_fini(&b->tss);
    wd_buf_fini(&b->shape_ids);
    wd_buf_fini(&b->cur_shape);
    wd_buf_fini(&b->path);
    wd_buf_fini(&b->scratch);
    wd_buf_fini(&b->shadow);
    wd_buf_fini(&b->enc);
    wd_buf_fini(&b->comp);
    ZSTD_freeCCtx(b->zc);
    memset(b, 0, sizeof(*b));
    b->fd = -1;
}

void wd_part_abort(struct wd_part_builder *b)
{
    if (b->tmp_path)
        unlink(b->tmp_path);
    builder_free(b);
}

int wd_part_finish(struct wd_part_builder *b, uint64_t lo, uint64_t hi, const char *final_path)
{
    int rc = b->err ? b->err : flush_block(b);
    if (!rc) {
        struct wd_buf f;
        wd_buf_init(&f, 0);
        write_footer(b, &f, lo, hi);
        unsigned char tr[12];
        wd_put_u32(tr, (uint32_t)f.len);
        wd_put_u32(tr + 4, (uint32_t)crc32(0, (const unsigned char *)f.p, (uInt)f.len));
        memcpy(tr + 8, WD_PART_TRAILER, 4);
        if (wd_store_write_all(b->fd, f.p, f.len) || wd_store_write_all(b->fd, tr, sizeof(tr)))
            rc = WD_EIO;
        wd_buf_fini(&f);
    }
    if (!rc && wd_store_io->fsync(b->fd) != 0)
        rc = WD_EIO;
    bool renamed = false;
    if (!rc && wd_store_io->rename(b->tmp_path, final_path) != 0)
        rc = WD_EIO;
    else if (!rc)
        renamed = true;
    if (!rc) {
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s", final_path);
        rc = wd_store_sync_dir(dirname(dir));
    }
    int e = errno;
    /* A failed part leaves nothing behind: the caller replays its events from the WAL, and
     * a stray published file would later be picked up as a second copy. */
    if (rc)
        unlink(renamed ? final_path : b->tmp_path);
    builder_free(b);
    errno = e;
    return rc;
}
