/*
 * store_fmt.h: private to the store: the on-disk format of part files, the column codecs
 * and the in-memory forms the writer, reader and evaluator share.
 *
 * Directory layout (DIR = <data_dir>/store):
 *   DIR/checkpoint                  "WDCK" u64 seq u32 crc: every event <= seq is in parts
 *   DIR/events-YYYYMMDD/            one partition per UTC day of utctimestamp
 *   DIR/events-YYYYMMDD/p-LO-HI.wdp a part: events of WAL range [LO, HI] (16 hex digits each)
 *   DIR/events-YYYYMMDD/p-LO-HI.tmp a part being written (removed at start-up)
 *
 * Publishing (store_part.c): write the .tmp file, fsync it, rename it to .wdp, fsync the
 * directory, and only then advance the checkpoint (written the same way). At start-up a
 * part whose range starts after the checkpoint came from an interrupted flush: it is
 * deleted and its events are replayed from the WAL. A merged part covers the ranges of
 * the parts it replaces; if a crash leaves both, the covered parts are deleted.
 *
 * Part file (little endian):
 *   "WDP3" ("WDP2": an older part without WD_ENC_TIME chunks, read the same way;
 *          "WDP1": older still, read the same way but for its index key seeds)
 *   chunks ...            each a zstd frame (or raw bytes when zstd would not shrink it)
 *   footer               see write_footer(): columns, shapes, block directory, ranges
 *   u32 footer_len, u32 footer_crc32, "WDPE"
 * Every chunk has its CRC-32 in the block directory; the footer has its own.
 *
 * A row (event) is a shape id plus values. A shape records the object structure: key
 * names in order, nesting, nulls, and for each scalar member the column it comes from.
 * Columns are per dotted field path; a column chunk holds the values of one block in row
 * order (a row may have several values in a column: duplicate keys or dotted-key aliases).
 * Values are tagged (string, integer, other number literal, true, false, JSON array).
 */
#ifndef WD_STORE_FMT_H
#define WD_STORE_FMT_H

#include <stdbool.h>
#include <stdint.h>

#include "mem.h"
#include "query.h"
#include "wd_time.h"
#include "ward.h"

#define WD_PART_MAGIC    "WDP3"
#define WD_PART_MAGIC_V2 "WDP2" /* no WD_ENC_TIME chunks: read, not written */
#define WD_PART_MAGIC_V1 "WDP1" /* index keys seeded by column id: read, not written */
#define WD_PART_TRAILER  "WDPE"
#define WD_BLOCK_ROWS    16384u

/* Special column ids in the block directory. */
#define WD_COL_SEQ   0xFFFFFFF0u /* u64 sequence numbers, delta varints */
#define WD_COL_TS    0xFFFFFFF1u /* i64 utctimestamp microseconds, zigzag delta varints */
#define WD_COL_SHAPE 0xFFFFFFF2u /* shape ids, varints */
#define WD_COL_INDEX 0xFFFFFFF3u /* sorted unique u32 key hashes */

enum wd_vtag {
    WD_VT_STR = 1,
    WD_VT_INT = 2, /* canonical decimal integer */
    WD_VT_NUM = 3, /* any other number literal, kept as text */
    WD_VT_TRUE = 4,
    WD_VT_FALSE = 5,
    WD_VT_JSON = 6, /* an array, as compact JSON text */
};

enum wd_enc {
    WD_ENC_PLAIN = 1, /* tagged values: u8 tag, varint len, bytes (INT: zigzag varint) */
    WD_ENC_DICT = 2,  /* varint ndict, ndict tagged values, then codes (u8 or u16) */
    WD_ENC_INT = 3,   /* all WD_VT_INT: zigzag delta varints */
    WD_ENC_TIME = 4,  /* all WD_VT_STR in wd_time_iso()'s form: zigzag delta varints of the
                       * microseconds; the text is formatted again on decode */
};

/* Shape member kinds. */
enum { WD_SH_COL = 0, WD_SH_NULL = 1, WD_SH_OBJ = 2, WD_SH_ARR = 3 /* col, n, n shadow cols */ };

/* Varints (LEB128) over a bounded input. */
static inline void wd_put_varint(struct wd_buf *b, uint64_t v)
{
    unsigned char tmp[10];
    int n = 0;
    while (v >= 0x80) {
        tmp[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (unsigned char)v;
    wd_buf_append(b, tmp, (size_t)n);
}

/* Reads a varint at *p (< end); returns false on truncation or overflow. */
static inline bool wd_get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
    uint64_t r = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        unsigned char c = *(*p)++;
        r |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = r;
            return true;
        }
    }
    return false;
}

static inline uint64_t wd_zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t wd_unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* Reads one value of a WD_ENC_INT or WD_ENC_TIME chunk: *last moves by the zigzag delta;
 * false when the varint is cut, or (time) the value leaves the range wd_time_iso() writes
 * in canonical form (corrupt). */
static inline bool wd_get_delta(const unsigned char **p, const unsigned char *end, bool time,
                                int64_t *last)
{
    uint64_t d;
    if (!wd_get_varint(p, end, &d))
        return false;
    *last = (int64_t)((uint64_t)*last + (uint64_t)wd_unzigzag(d));
    return !time || (*last >= WD_TIME_MIN_US && *last <= WD_TIME_MAX_US);
}

/* Reads one tagged value of a WD_ENC_PLAIN chunk or a dictionary (enum wd_vtag, then a
 * zigzag varint for WD_VT_INT, else a varint length and the bytes, which *s points at);
 * false when it is cut or its tag is unknown (corrupt). */
static inline bool wd_get_tagged(const unsigned char **p, const unsigned char *end, uint8_t *tag,
                                 const unsigned char **s, size_t *len, int64_t *iv)
{
    if (*p >= end)
        return false;
    *tag = *(*p)++;
    uint64_t v;
    if (*tag == WD_VT_INT) {
        if (!wd_get_varint(p, end, &v))
            return false;
        *iv = wd_unzigzag(v);
        *s = NULL;
        *len = 0;
        return true;
    }
    if (*tag < WD_VT_STR || *tag > WD_VT_JSON || !wd_get_varint(p, end, &v) ||
        v > (uint64_t)(end - *p))
        return false;
    *s = *p;
    *len = (size_t)v;
    *iv = 0;
    *p += v;
    return true;
}

static inline void wd_put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint32_t wd_get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* 64-bit hash of bytes (our own multiply-xorshift mix). */
uint64_t wd_hash64(const void *p, size_t len, uint64_t seed);
/* The index key seed of a column. Version 2 parts seed with a hash of the column's path,
 * so a block's index stays valid when a merge gives its columns other ids (block copies,
 * store_copy.c); version 1 parts seeded with the column id. */
static inline uint64_t wd_index_seed(int version, uint32_t col, const char *path, size_t len)
{
    if (version == 1)
        return (uint64_t)col * 0xff51afd7ed558ccdull;
    return wd_hash64(path, len, 0x243f6a8885a308d3ull);
}

/* The index key of (column seed, key text). */
static inline uint32_t wd_index_hash(uint64_t seed, const char *key, size_t len)
{
    uint64_t h = wd_hash64(key, len, 0x9e3779b97f4a7c15ull ^ seed);
    return (uint32_t)(h ^ (h >> 32));
}

/*
 * The distinct value encodings of a block's column in first-seen order, kept by the part
 * builder as values arrive (store_part.c). While `live`, wd_col_encode_with() writes the
 * dictionary from it instead of hashing the values again; the builder may stop keeping it
 * (live = false) at any point of a block, and the encoder then builds its own: the output
 * is the same either way.
 */
struct wd_coldict {
    bool live;
    uint32_t ndict;
    uint32_t *codes;     /* per value of the block: its code */
    uint32_t *off, *len; /* per code: the encoding's bytes in vals */
    uint64_t *tab;       /* open addressing over the encodings (dict_slot), 0 when free */
    uint32_t tab_cap, codes_cap, dict_cap;
};

/* One column of one block being built: tagged values in row order. */
struct wd_colbuild {
    struct wd_buf vals; /* u8 tag, varint len, bytes */
    uint32_t nvals;
    uint32_t nint;             /* how many are WD_VT_INT */
    size_t last_off, last_len; /* the previous value's encoding in vals (index dedup) */
    struct wd_coldict *dict;   /* NULL, or kept by the part builder */
};

/*
 * Encodes a column's values into out (not compressed; first byte: the encoding): picks DICT when
 * there are few distinct values, INT when all are integers, TIME when all are times in
 * canonical text (wd_time_parse_canon), else PLAIN. Returns the encoding.
 */
int wd_col_encode(const struct wd_colbuild *c, struct wd_buf *out);

/* Tables wd_col_encode_with() keeps between calls (zero-initialise; wd_colscratch_fini()
 * frees them), so a part builder does not allocate and clear them per column and block. */
struct wd_colscratch {
    void *tab; /* open-addressing slots, all free between calls (store_col.c) */
    uint32_t *codes, *slots, *doff, *dlen;
    uint32_t tab_cap, cap;
};

/* wd_col_encode with reused tables, and c->dict when it is live; the output is the same. */
int wd_col_encode_with(const struct wd_colbuild *c, struct wd_buf *out, struct wd_colscratch *s);
void wd_colscratch_fini(struct wd_colscratch *s);

/* A decoded column chunk: values, or a dictionary plus one code per value. */
struct wd_colvec {
    uint32_t nvals;
    struct wd_qval *vals; /* nvals values, or ndict entries when codes != NULL */
    uint32_t ndict;
    uint32_t *codes; /* per value: index into vals; NULL when not dictionary-coded */
    uint8_t *json;   /* per entry of vals: 1 when it is a JSON array; NULL when none is */
};

/* Decodes an encoded chunk (first byte: enum wd_enc); v->nvals must be set by the caller
 * (from the block directory). Strings point into `raw` (which must outlive v) or `a`.
 * Returns WD_OK, WD_ECORRUPT or WD_ENOMEM. */
int wd_col_decode(const unsigned char *raw, size_t len, struct wd_arena *a, struct wd_colvec *v);
/* The query value of one tagged value (wd_get_tagged), as wd_col_decode makes it: strings
 * point at s; an integer's decimal text goes to `a`. False when `a` is full. */
bool wd_col_qval(uint8_t tag, const unsigned char *s, size_t len, int64_t iv, struct wd_arena *a,
                 struct wd_qval *q);

static inline const struct wd_qval *wd_colvec_get(const struct wd_colvec *v, uint32_t i)
{
    return v->codes ? &v->vals[v->codes[i]] : &v->vals[i];
}

#endif
