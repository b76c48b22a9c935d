/*
 * agg_int.h: private to agg.c / agg_fn.c. The executor is a list of operations over a
 * table. A table is rows of cells (a cell is null, one scalar wd_qval, or an array of
 * them) plus the list of visible columns (name + cell index), so `fields` only rewrites
 * the column list. A "stage" (stats, top, timechart) consumes rows (events, or the rows
 * of the table so far) and produces a new table at render time.
 *
 * Invariants:
 * - Group keys and dc() values are stored in an htab's blob in the encoding of
 *   wd_agg_enc_val(); cells decoded from keys point into that blob, which no longer moves
 *   once feeding ends (render time).
 * - All limits are counted in struct wd_agg_lim, shared by every stage of one executor.
 */
#ifndef WD_AGG_INT_H
#define WD_AGG_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "mem.h"
#include "query.h"
#include "ward.h"

/* ---- hash table of byte strings -> dense ids (open addressing, linear probing) ---- */

/* 16 bytes: a hit needs this slot and the key bytes, no other lookup. Offsets fit 32 bits
 * because all blobs together stay under WD_AGG_MAX_KEY_BYTES (1 GiB). */
struct wd_agg_slot {
    uint32_t id1; /* id + 1; 0 = empty */
    uint32_t h;   /* 32-bit hash of the key */
    uint32_t off; /* key start in blob */
    uint32_t len; /* key length */
};

struct wd_agg_ht {
    struct wd_agg_slot *slots;
    uint32_t mask;  /* slots - 1 (a power of two) */
    uint32_t n;     /* entries */
    uint32_t *offs; /* offs[id] = start of key id in blob; offs[n] = blob_len */
    size_t offs_cap;
    char *blob;
    size_t blob_len, blob_cap;
};

struct wd_agg_lim {
    uint32_t max_groups, max_buckets, max_entries, max_rows;
    uint64_t entries;   /* dc entries + percentile values held */
    uint64_t key_bytes; /* blob bytes, all tables */
};

uint64_t wd_agg_hash(const void *p, size_t n);
/* Finds key or adds it (when fewer than `limit` entries). OUT: *id, *added.
 * WD_OK, WD_ELIMIT (limit or key-byte cap), WD_ENOMEM. */
int wd_agg_ht_put(struct wd_agg_ht *t, struct wd_agg_lim *lim, const void *key, size_t len,
                  uint64_t hash, uint32_t limit, uint32_t *id, bool *added);
void wd_agg_ht_fini(struct wd_agg_ht *t);
static inline const char *wd_agg_ht_key(const struct wd_agg_ht *t, uint32_t id, size_t *len)
{
    *len = t->offs[id + 1] - t->offs[id];
    return t->blob + t->offs[id];
}

/* ---- cells and tables ---- */

#define WD_AGG_QV_NULL 255 /* cell type for null (beside enum wd_qval_type) */

struct wd_agg_cell {
    struct wd_qval q;    /* n == 1: the value (INT/FLOAT with empty s: render from i/f) */
    uint32_t n;          /* 0 = null, 1 = scalar q, > 1 = array arr[0..n) */
    struct wd_qval *arr; /* n > 1 */
};

struct wd_agg_table {
    uint32_t ncell;            /* cells per row */
    uint32_t ncols;            /* visible columns */
    const char **names;        /* [ncols] */
    uint32_t *idx;             /* [ncols] cell index of each column */
    struct wd_agg_cell **rows; /* [nrows] each an array of ncell cells */
    size_t nrows, cap;
};

struct wd_agg_sortkey {
    uint32_t idx; /* cell index */
    bool desc;
};

/* Compares two cells for sorting: numbers numerically, then strings bytewise, then
 * false < true; arrays by their first value; nulls last in both directions. */
int wd_agg_cell_cmp(const struct wd_agg_cell *a, const struct wd_agg_cell *b, bool desc);
/* Stable merge sort of rows[0..n) by keys. WD_OK or WD_ENOMEM. */
int wd_agg_sort_rows(struct wd_agg_cell **rows, size_t n, const struct wd_agg_sortkey *keys,
                     uint32_t nkeys);
/* Appends a row pointer; WD_ELIMIT beyond max_rows, WD_ENOMEM. */
int wd_agg_table_push(struct wd_agg_table *t, struct wd_agg_cell *row, size_t max_rows);

/* ---- value encoding (group keys, dc values, timechart series) ----
 * NULL: [0]; STR: [1][u32 len][bytes]; INT: [2][i64]; FLOAT: [3][f64][u32 len][literal];
 * BOOL: [4][0|1]. Integers are identified by value, floats by their JSON text (an empty
 * literal is rendered first), so 1.50 and 1.5 stay apart and render as written. */
#define WD_AGG_ENC_MAX_FIXED 32 /* bytes beside the text an encoded value may need */
/* Appends the encoding of v (NULL = null) to *buf (grown as needed). WD_OK / WD_ENOMEM. */
int wd_agg_enc_val(char **buf, size_t *cap, size_t *len, const struct wd_qval *v);
/* Decodes one value at p into c (pointing into p's storage); returns bytes consumed. */
size_t wd_agg_dec_val(const char *p, struct wd_agg_cell *c);

/* ---- stages ---- */

struct wd_agg_def {
    uint8_t fn;       /* enum wd_agg_fn */
    uint32_t slot;    /* input slot of the field (unused for count()) */
    double pct;       /* WD_AGG_PCT */
    const char *name; /* output column */
};

struct wd_agg_st; /* per group and agg state (agg_fn.c) */
struct wd_agg_pvec;

struct wd_agg_stage {
    uint8_t kind; /* WD_PIPE_STATS, WD_PIPE_TOP, WD_PIPE_TIMECHART */
    uint32_t nby;
    uint32_t *by_slot; /* [nby] input slots */
    const char **by_name;
    uint32_t naggs;
    struct wd_agg_def *aggs;
    int64_t span_us; /* TIMECHART */
    uint32_t top_n;  /* TOP */
    bool fast;       /* one by field, not TIMECHART: fast_group() applies */
    bool count_only; /* every function is count() */
    /* fast_group()'s memo of string value pointers (the store passes dictionary entries):
     * a hit still compares the bytes with the group's key, so a reused buffer is safe. */
    struct {
        const char *p;
        uint32_t len;
        uint32_t gid1; /* group + 1; 0 = empty */
    } memo[64];
    /* state */
    struct wd_agg_ht groups;
    struct wd_agg_st *st;   /* [groups.n * naggs] */
    uint64_t *stamp;        /* [groups.n] last row seq (multi-value dedupe) */
    size_t st_cap;          /* groups with allocated state */
    struct wd_agg_ht dset;  /* dc(): (gid, agg, value) */
    struct wd_agg_pvec *pv; /* percentile value vectors */
    size_t npv, pv_cap;
    uint64_t total; /* weight of all rows fed (top's percent) */
    uint64_t seq;
    int64_t bmin, bmax; /* TIMECHART bucket range seen */
    bool any;
    char *kbuf; /* scratch key */
    size_t kcap;
    uint32_t *vi; /* [nby] scratch */
};

/* Feeds one row (slots index vals/nvals). WD_OK, WD_ELIMIT, WD_ENOMEM. */
int wd_agg_stage_row(struct wd_agg_stage *s, struct wd_agg_lim *lim, int64_t ts_us,
                     const struct wd_qval *const *vals, const uint32_t *nvals, uint64_t weight);
/* Builds the stage's output table (rows and cells from `arena`); ordering as documented
 * in docs/pipes.md. WD_OK, WD_ELIMIT, WD_ENOMEM. */
int wd_agg_stage_finish(struct wd_agg_stage *s, struct wd_agg_lim *lim, struct wd_arena *arena,
                        struct wd_agg_table *out);
void wd_agg_stage_fini(struct wd_agg_stage *s);

#endif
