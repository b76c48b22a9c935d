/*
 * store_int.h: private to the store_*.c files: the part writer (store_part.c), the part
 * reader and block loader (store_read.c), the I/O vtable used for fault injection, the
 * columnar evaluator (store_eval.c) and the store object itself (store.c).
 */
#ifndef WD_STORE_INT_H
#define WD_STORE_INT_H

#include <pthread.h>
#include <sys/types.h>

#include "store.h"
#include "store_fmt.h"

struct wd_jv;
struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;
struct rawchunk;

/* All file writes of the store go through this table so tests can inject ENOSPC/EIO
 * (tests/unit/test_store.c). Each returns 0 / bytes, or -1 with errno set. */
struct wd_store_io {
    ssize_t (*write)(int fd, const void *p, size_t n);
    int (*fsync)(int fd);
    int (*rename)(const char *from, const char *to);
};
extern const struct wd_store_io *wd_store_io;
extern const struct wd_store_io wd_store_io_posix;

/* Writes all of p; WD_EIO (errno kept) on failure. */
int wd_store_write_all(int fd, const void *p, size_t n);
/* fsync of a directory by path. */
int wd_store_sync_dir(const char *dir);

/* ---- part writer ---- */

struct wd_chunkdir {
    uint32_t col, nvals;
    uint64_t off;
    uint32_t clen, rawlen, crc;
};

struct wd_blockdir {
    uint32_t nrows, nchunks;
    int64_t min_ts, max_ts;
    uint64_t min_seq, max_seq;
    struct wd_chunkdir *chunks;
};

#define WD_KEY_RECENT_BITS 12

struct wd_part_builder {
    /* dictionaries */
    char **col_path;
    uint32_t *col_len;
    uint8_t *col_ftype;
    uint8_t *col_noidx;                /* 1: its number literals are not indexed; 2: nothing is */
    uint64_t *col_seed;                /* index key seed (wd_index_seed) */
    uint32_t *col_parent, *col_keyoff; /* member memo (store_part.c member_col) */
    uint32_t *memo;                    /* per column: MEMO_SLOTS x MEMO_WAYS child column ids */
    uint32_t root_memo[32 * 4];
    uint32_t last_shape[4]; /* shape ids, most recent first */
    uint32_t ncols, col_cap;
    uint32_t *col_tab; /* open addressing: col id + 1 */
    uint32_t col_tab_cap;
    struct wd_buf shapes; /* concatenated shapes */
    uint32_t *shape_off;  /* nshapes + 1 offsets into shapes */
    uint32_t nshapes, shape_cap;
    uint32_t *shape_tab;
    uint32_t shape_tab_cap;
    /* current block */
    struct wd_colbuild *cols;
    uint32_t *touched;
    uint32_t ntouched;
    struct wd_buf seqs, tss, shape_ids, cur_shape, path, scratch, shadow;
    uint32_t rows;
    int64_t min_ts, max_ts, last_ts;
    uint64_t min_seq, max_seq, last_seq;
    uint32_t *hashes; /* the block's keys, with repeats (sorted when it is written) */
    size_t nhash, hash_cap;
    uint32_t key_recent[1u << WD_KEY_RECENT_BITS]; /* recently added keys (push_hash) */
    /* output */
    int fd;
    char *tmp_path;
    uint64_t off;
    struct wd_blockdir *blocks;
    uint32_t nblocks, block_cap;
    uint64_t total_rows;
    int64_t part_min_ts, part_max_ts;
    struct ZSTD_CCtx_s *zc;
    int zlevel;
    struct wd_buf enc, comp;
    struct wd_colscratch cscratch;
    bool no_dicts; /* tests: keep no column dictionaries (the same part, built the long way) */
    int err;       /* sticky: first failure */
};

/* Starts a part at tmp_path (created, truncated). */
int wd_part_begin(struct wd_part_builder *b, const char *tmp_path, int zstd_level);
/* Adds one event (a JSON object) with its sequence number and utctimestamp. */
int wd_part_add(struct wd_part_builder *b, uint64_t seq, int64_t ts_us, const struct wd_jv *ev);
/* Writes the footer with WAL range [lo, hi], fsyncs, renames to final_path, fsyncs the
 * directory. On failure the temporary file is removed. Frees the builder either way. */
int wd_part_finish(struct wd_part_builder *b, uint64_t lo, uint64_t hi, const char *final_path);
void wd_part_abort(struct wd_part_builder *b);
/* Interns a column path / a shape (bytes as in the footer) in the builder; returns its id. */
uint32_t wd_builder_col(struct wd_part_builder *b, const char *path, size_t len);
uint32_t wd_builder_shape(struct wd_part_builder *b, const char *p, size_t len);

/* ---- part reader ---- */

struct wd_shape {
    const unsigned char *p; /* shape bytes (in the footer copy) */
    uint32_t len;
    uint32_t ncc; /* (col, count) pairs, sorted by col */
    uint32_t *cc; /* 2 * ncc */
};

/* How many values of a column each row of a part holds, from its shapes (wd_part.col_card). */
enum wd_col_card {
    WD_CARD_ANY = 0,         /* some shape has several (an array), or not known */
    WD_CARD_ONE = 1,         /* every shape exactly one: value r is row r */
    WD_CARD_AT_MOST_ONE = 2, /* some shapes none, the others one */
};

struct wd_part {
    int refs;
    uint64_t id; /* unique per open, keys the chunk cache (store_row.c) */
    char *path;
    char partition[32]; /* events-YYYYMMDD */
    int fd;
    const unsigned char *map;
    size_t map_len;
    unsigned char *footer; /* owned copy */
    uint32_t ncols;
    const char **col_path;
    uint32_t *col_path_len;
    uint8_t *col_ftype;
    uint8_t *col_noidx;
    uint64_t *col_seed; /* index key seed per column (wd_index_seed) */
    int version;        /* 1 (WDP1), 2 (WDP2) or 3 */
    uint32_t nshapes;
    struct wd_shape *shapes;
    uint8_t *shape_cols; /* nshapes x ncols value counts, or NULL (use shapes[].cc) */
    uint8_t *col_card;   /* per column: enum wd_col_card; or NULL */
    uint32_t nblocks;
    struct wd_blockdir *blocks;
    uint64_t lo, hi, nrows;
    unsigned gen; /* merge generation, from the file name (store.c) */
    int64_t min_ts, max_ts;
    uint64_t file_bytes;
    bool corrupt_logged;
};

/* Opens and validates a part's footer. On WD_ECORRUPT err says file and offset. */
int wd_part_open(const char *path, struct wd_part **out, char *err, size_t err_len);
void wd_part_ref(struct wd_part *p);
void wd_part_unref(struct wd_part *p);
/* Column id of a path, or UINT32_MAX. */
uint32_t wd_part_col(const struct wd_part *p, const char *path, size_t len);
/* Verifies every chunk checksum; returns the number of bad chunks, reporting each. */
int wd_part_check(const struct wd_part *p, FILE *report);

/* One block being read: its rows' seq/ts/shape and lazily decoded columns. */
struct wd_block {
    const struct wd_part *part;
    uint32_t bi, nrows;
    struct wd_arena arena;
    struct ZSTD_DCtx_s *dz;
    uint64_t *seq;
    int64_t *ts;
    uint32_t *shape;
    struct wd_colvec **cols; /* per column id, NULL until loaded */
    uint32_t **rowoff;       /* per column id: nrows + 1 value offsets */
    /* per column id: its chunk's bytes (held) and length once fetched */
    const unsigned char **raw;
    size_t *rawlen;
    struct rawchunk **held; /* cached chunks this block uses (released at fini) */
    uint64_t since;         /* wd_store_cache_tick() when its search began, or 0 */
    uint32_t nheld, held_cap;
    struct wd_rowstate *rs; /* row reconstruction state (store_row.c), NULL until used */
    int err;                /* WD_ECORRUPT once a chunk failed */
    char errmsg[256];
};

int wd_block_load(struct wd_block *b, const struct wd_part *p, uint32_t bi, struct ZSTD_DCtx_s *dz);
/* The chunk cache's clock, advanced: a search takes it when it begins (wd_block.since), so
 * the chunks it loads never evict ones it has used. */
uint64_t wd_store_cache_tick(void);
void wd_block_fini(struct wd_block *b);
/* Loads the rows' shape ids (columns and rendering need them), and also seq and ts. */
bool wd_block_shapes(struct wd_block *b);
bool wd_block_rows(struct wd_block *b);
/* Decodes column `col` (and its row offsets); NULL when absent in the block or corrupt. */
const struct wd_colvec *wd_block_col(struct wd_block *b, uint32_t col, const uint32_t **rowoff);
/* Column col's values when no row of the part holds more than one of them, decoded without
 * row offsets (no shape ids read): value i is some row's only value, and the block's other
 * rows, nrows - nvals of them, hold none. NULL when the part's shapes do not say so or the
 * block lacks the column (or is corrupt, b->err). */
const struct wd_colvec *wd_block_col_single(struct wd_block *b, uint32_t col);
/* Column `col`'s chunk as it is encoded (first byte: enum wd_enc; *len > 0), its row
 * offsets and its directory entry, without decoding the values: for scans that decode
 * only the values they need. NULL when absent, corrupt (b->err) or empty. */
const unsigned char *wd_block_col_raw(struct wd_block *b, uint32_t col, size_t *len,
                                      const uint32_t **rowoff, const struct wd_chunkdir **cd);
/* A chunk's decompressed bytes through the shared cache (CRC checked on load), held by
 * the block until wd_block_fini; NULL (block marked corrupt) when bad. store_row.c. */
const unsigned char *wd_block_chunk(struct wd_block *b, const struct wd_chunkdir *d, size_t *len);
void wd_block_release(struct wd_block *b);
/* Marks the block corrupt; the first message names the file, chunk offset and block. */
void wd_block_corrupt(struct wd_block *b, const struct wd_chunkdir *d, const char *what);
/* Reconstructs row r as JSON into out (store_row.c, through the chunk cache). Rows read
 * in order (0, 1, 2, ...) cost no search for their values' positions. */
int wd_block_row_json(struct wd_block *b, uint32_t r, struct wd_buf *out);
/* Reconstructs row r as a value tree in `a` (merges shred it again without JSON text). */
int wd_block_row_jv(struct wd_block *b, uint32_t r, struct wd_arena *a, struct wd_jv **out);
/* Releases the chunks and state of row reconstruction (wd_block_fini calls it). */
void wd_block_rows_fini(struct wd_block *b);
/* Whether the block's index may contain hash h. */
bool wd_block_index_has(struct wd_block *b, uint32_t h);

/* ---- block copies (store_copy.c) ---- */

/* Blocks with at least this many rows are copied by merges; smaller ones are rebuilt. */
#define WD_COPY_MIN_ROWS (WD_BLOCK_ROWS / 2)
/* The threshold in use (WD_COPY_MIN_ROWS; the part fuzzer sets others to reach both ways). */
extern uint32_t wd_copy_min_rows;

/* One source part's column and shape ids in the merged part (filled as blocks need them). */
struct wd_copymap {
    const struct wd_part *part;
    uint32_t *col, *shape;
    struct wd_buf buf, ids;
};
void wd_copymap_fini(struct wd_copymap *m);
/* Whether block bi of p is copied as it is by merges (a version 2 part, a large block). */
bool wd_part_can_copy(const struct wd_part *p, uint32_t bi);
/* Appends block bi of p to b as a block of its own, chunks copied (CRC checked), ids mapped
 * through m (reset when p changes). WD_ECORRUPT / WD_EIO with err naming file and offset. */
int wd_part_copy_block(struct wd_part_builder *b, const struct wd_part *p, uint32_t bi,
                       struct wd_copymap *m, struct ZSTD_DCtx_s *dz, char *err, size_t err_len);

/* Writes every block of the parts in[0..n) into b, in order: large blocks of version 2
 * parts copied, the others rebuilt row by row. Stops with WD_EAGAIN when *stop becomes
 * nonzero (stop may be NULL; read atomically). Counts into *copied (blocks) and *rebuilt (rows). On failure
 * err says why (file and offset for corruption); b is then to be aborted. */
int wd_merge_blocks(struct wd_part_builder *b, struct wd_part *const *in, size_t n,
                    const bool *stop, uint64_t *copied, uint64_t *rebuilt, char *err,
                    size_t err_len);

/* ---- the store (store.c) ---- */

/* A snapshot of the live parts, each referenced; release with wd_store_snapshot_free. */
struct wd_part **wd_store_snapshot(struct wd_store *st, size_t *n);
void wd_store_snapshot_free(struct wd_part **v, size_t n);
/* Deletes the files of a partition folder (or any flat folder), then the folder. */
void wd_store_rm_dir(const char *dir);
/* Replaces `in` (consecutive parts of one partition) by one merged part. */
int wd_store_merge_parts(struct wd_store *st, struct wd_part **in, size_t n);

/* ---- evaluation (store_eval.c) ---- */

/* Row bitmap helpers: nrows bits in 64-bit words. */
static inline size_t wd_bm_words(uint32_t n)
{
    return ((size_t)n + 63) / 64;
}

/* Whether none of the first w words of bm has a bit set. */
static inline bool wd_bm_empty(const uint64_t *bm, size_t w)
{
    for (size_t i = 0; i < w; i++)
        if (bm[i])
            return false;
    return true;
}

/* Whether s[0..n) contains tok (lower-case ASCII) ignoring ASCII case, or has a byte
 * >= 0x80: the text prefilter of analysed-field terms and phrases. */
bool wd_ci_may_contain(const char *s, size_t n, struct wd_str tok);
/* The first place in s[0..n) where tok starts (as above) or a byte >= 0x80 is; NULL if none. */
const char *wd_ci_find(const char *s, size_t n, struct wd_str tok);
/* Whether a block may contain matches for node n (index and time pruning). */
bool wd_eval_block_may_match(const struct wd_qnode *n, struct wd_block *b);
/* Computes the rows of b that match n into bm (wd_bm_words(b->nrows) words). */
int wd_eval_block(const struct wd_qnode *n, struct wd_block *b, uint64_t *bm);
/* Copies the values of column col in row r (array elements included, the arrays' JSON
 * text not) to out; returns the count written (<= max). */
uint32_t wd_block_row_values(struct wd_block *b, uint32_t col, uint32_t r, struct wd_qval *out,
                             uint32_t max);

#endif
