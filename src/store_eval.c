/*
 * store_eval.c: evaluates a parsed query (query.h) over one block of a part, column at
 * a time: block pruning from the token index, then per-leaf row bitmaps combined with
 * the Lucene boolean rules. Leaf semantics are wd_qleaf_match() itself, called once per
 * dictionary entry on dictionary-coded columns, so the store answers exactly like the
 * brute-force evaluator (wd_query_match_jv) it is tested against.
 */
#include "store_int.h"

/* ---- pruning ---- */

struct probe {
    struct wd_block *b;
    uint32_t col;
    uint32_t nkeys, nfound;
};

static void on_probe(void *ctx, const char *key, size_t len)
{
    struct probe *p = ctx;
    p->nkeys++;
    if (wd_block_index_has(p->b, wd_index_hash(p->b->part->col_seed[p->col], key, len)))
        p->nfound++;
}

static bool block_has_col(struct wd_block *b, uint32_t col)
{
    const struct wd_blockdir *bd = &b->part->blocks[b->bi];
    for (uint32_t i = 3; i < bd->nchunks; i++)
        if (bd->chunks[i].col == col)
            return true;
    return false;
}

/* Whether text could equal a number literal (numbers other than integers are not indexed). */
static bool looks_numeric(struct wd_str t)
{
    for (size_t i = 0; i < t.len; i++)
        if (!strchr("0123456789+-.eE", t.p[i]))
            return false;
    return t.len > 0;
}

/* Whether column col of the block may hold a value matching leaf l. */
static bool col_may_match(const struct wd_qleaf *l, struct wd_block *b, uint32_t col)
{
    uint8_t noidx = b->part->col_noidx[col];
    if (!wd_qleaf_may_match_type(l, (enum wd_ftype)b->part->col_ftype[col]))
        return false;
    if (noidx == 2 || (noidx == 1 && looks_numeric(l->text)))
        return block_has_col(b, col);
    struct probe p = {b, col, 0, 0};
    int mode = wd_qleaf_keys(l, (enum wd_ftype)b->part->col_ftype[col], on_probe, &p);
    if (mode == WD_QKEYS_ANY)
        return p.nfound > 0;
    if (mode == WD_QKEYS_ALL)
        return p.nfound == p.nkeys;
    return block_has_col(b, col);
}

static bool leaf_may_match(const struct wd_qleaf *l, struct wd_block *b)
{
    const struct wd_part *pt = b->part;
    if (l->field && l->op != WD_QOP_EXISTS) {
        uint32_t col = wd_part_col(pt, l->field, l->field_len);
        return col != UINT32_MAX && col_may_match(l, b, col);
    }
    for (uint32_t c = 0; c < pt->ncols; c++) {
        if (l->field && !wd_qleaf_covers(l, pt->col_path[c], pt->col_path_len[c]))
            continue;
        if (l->op == WD_QOP_EXISTS ? block_has_col(b, c) : col_may_match(l, b, c))
            return true;
    }
    return false;
}

bool wd_eval_block_may_match(const struct wd_qnode *n, struct wd_block *b)
{
    switch (n->kind) {
    case WD_QN_ALL:
        return true;
    case WD_QN_NONE:
        return false;
    case WD_QN_LEAF:
        return leaf_may_match(&n->leaf, b);
    default:
        break;
    }
    for (uint32_t i = 0; i < n->nmust; i++)
        if (!wd_eval_block_may_match(n->must[i], b))
            return false;
    if (n->should_required && n->nshould) {
        for (uint32_t i = 0; i < n->nshould; i++)
            if (wd_eval_block_may_match(n->should[i], b))
                return true;
        return false;
    }
    return true;
}

/* ---- row bitmaps ---- */

static void bm_set(uint64_t *bm, uint32_t r)
{
    bm[r >> 6] |= (uint64_t)1 << (r & 63);
}

static void bm_fill(uint64_t *bm, uint32_t n)
{
    size_t w = wd_bm_words(n);
    memset(bm, 0xff, w * 8);
    if (n & 63)
        bm[w - 1] = ((uint64_t)1 << (n & 63)) - 1;
}

/*
 * A cheap necessary condition for words on a text column: a value can contain an ASCII
 * token only if it contains those letters case-insensitively as a substring. Values with
 * bytes >= 0x80 always go to the full match (non-ASCII letters may lower-case to ASCII).
 */
struct prefilter {
    int mode; /* WD_QKEYS_ANY or WD_QKEYS_ALL; WD_QKEYS_NONE = no prefilter */
    uint32_t n;
    struct wd_str tok[8];
    char lower[64]; /* a keyword term's text in lower case (tok[0]) */
};

static void on_tok(void *ctx, const char *k, size_t len)
{
    struct prefilter *f = ctx;
    if (f->n < WD_ARRAY_LEN(f->tok))
        f->tok[f->n] = (struct wd_str){k, len};
    f->n++;
}

/*
 * A keyword term matches values equal to its text, which therefore contain it: the same
 * search finds the values worth testing (a uid, a user name: one value of a block's
 * thousands). Not for other types, whose equality is not the text's (IPs, dates).
 */
static void prefilter_keyword(struct prefilter *f, const struct wd_qleaf *l)
{
    if (l->text.len < 2 || l->text.len > sizeof(f->lower))
        return;
    for (size_t i = 0; i < l->text.len; i++) {
        unsigned char c = (unsigned char)l->text.p[i];
        if (c >= 0x80)
            return;
        f->lower[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    f->tok[0] = (struct wd_str){f->lower, l->text.len};
    f->n = 1;
    f->mode = WD_QKEYS_ANY;
}

static void prefilter_init(struct prefilter *f, const struct wd_qleaf *l, enum wd_ftype t)
{
    memset(f, 0, sizeof(*f));
    if (t == WD_FT_KEYWORD && l->op == WD_QOP_TERM) {
        prefilter_keyword(f, l);
        return;
    }
    if (t != WD_FT_TEXT || (l->op != WD_QOP_TERM && l->op != WD_QOP_PHRASE))
        return;
    f->mode = wd_qleaf_keys(l, t, on_tok, f);
    bool ascii = f->n > 0 && f->n <= WD_ARRAY_LEN(f->tok);
    for (uint32_t i = 0; ascii && i < f->n; i++)
        for (size_t j = 0; j < f->tok[i].len; j++)
            ascii &= (unsigned char)f->tok[i].p[j] < 0x80;
    if (!ascii)
        f->mode = WD_QKEYS_NONE;
}

/* Whether p[i..i+len) equals tok (lower-case ASCII) ignoring ASCII case. */
static bool ci_equal_at(const unsigned char *p, struct wd_str tok)
{
    const unsigned char *t = (const unsigned char *)tok.p;
    for (size_t j = 0; j < tok.len; j++) {
        unsigned char a = p[j], c = t[j];
        if (a != c && !(c >= 'a' && c <= 'z' && a == c - 32))
            return false;
    }
    return true;
}

/* 16 bytes, unaligned (GCC vector extension: SSE2 on x86-64, NEON on arm64, else scalar). */
typedef unsigned char wd_v16 __attribute__((vector_size(16)));

static inline wd_v16 v16_load(const unsigned char *p)
{
    wd_v16 v;
    memcpy(&v, p, sizeof(v));
    return v;
}

/* Whether any lane of a comparison result is set; its lanes are 0 or 0xff. */
static inline uint64_t v16_bits(wd_v16 m, int half)
{
    uint64_t w[2];
    memcpy(w, &m, sizeof(w));
    return w[half];
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
/*
 * wd_ci_find()'s loop 32 positions at a time with AVX2 (when the CPU has it: phrase and word
 * searches spend most of their time here): how far it got in *at (a multiple of 32, the
 * rest is for the 16-byte loop), and the answer or NULL.
 */
__attribute__((target("avx2"))) static const char *ci_find_avx2(const unsigned char *p, size_t n,
                                                                struct wd_str tok, size_t *at)
{
    const __m256i bit = _mm256_set1_epi8(0x20);
    const __m256i c0 = _mm256_set1_epi8((char)(tok.p[0] | 0x20));
    const __m256i c1 = _mm256_set1_epi8((char)(tok.p[1] | 0x20));
    size_t i = 0;
    for (; i + 33 <= n; i += 32) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(p + i + 1));
        uint32_t high = (uint32_t)_mm256_movemask_epi8(a); /* bytes >= 0x80 */
        uint32_t m = (uint32_t)_mm256_movemask_epi8(
            _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_or_si256(a, bit), c0),
                             _mm256_cmpeq_epi8(_mm256_or_si256(b, bit), c1)));
        uint32_t first_high = high ? (uint32_t)__builtin_ctz(high) : 32;
        for (; m; m &= m - 1) {
            uint32_t lane = (uint32_t)__builtin_ctz(m);
            if (lane >= first_high)
                break;
            if (n - i - lane >= tok.len && ci_equal_at(p + i + lane, tok)) {
                *at = i;
                return (const char *)p + i + lane;
            }
        }
        if (first_high < 32) {
            *at = i;
            return (const char *)p + i + first_high;
        }
    }
    *at = i;
    return NULL;
}
#endif

/*
 * The first position in s[0..n) where tok (lower-case ASCII) starts ignoring ASCII case or
 * where a byte >= 0x80 is, whichever comes first; NULL when there is neither. Sixteen
 * positions at a time: a byte OR 0x20 equals a token byte OR 0x20 whenever the two are
 * equal ignoring case (and in a few other cases, which the exact compare then rejects),
 * for the first two token bytes at once.
 */
const char *wd_ci_find(const char *s, size_t n, struct wd_str tok)
{
    const unsigned char *p = (const unsigned char *)s;
    if (tok.len == 0)
        return n ? s : NULL;
    size_t i = 0;
#if defined(__x86_64__) && defined(__GNUC__)
    if (tok.len >= 2 && n >= 33 && __builtin_cpu_supports("avx2")) {
        const char *m = ci_find_avx2(p, n, tok, &i);
        if (m)
            return m;
    }
#endif
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ /* lane k is byte k of the 64-bit halves */
    if (tok.len >= 2 && n - i >= 17) {
        const wd_v16 lo = {0}, bit = lo + 0x20, hi = lo + 0x7f;
        const wd_v16 c0 = lo + (unsigned char)(tok.p[0] | 0x20);
        const wd_v16 c1 = lo + (unsigned char)(tok.p[1] | 0x20);
        for (; i + 17 <= n; i += 16) {
            wd_v16 a = v16_load(p + i), b = v16_load(p + i + 1);
            wd_v16 high = (wd_v16)(a > hi);
            wd_v16 m = (wd_v16)(((a | bit) == c0) & ((b | bit) == c1));
            uint64_t h0 = v16_bits(high, 0), h1 = v16_bits(high, 1);
            size_t first_high = h0 ? (size_t)__builtin_ctzll(h0) >> 3
                                : h1 ? 8 + ((size_t)__builtin_ctzll(h1) >> 3)
                                     : 16;
            for (int h = 0; h < 2; h++)
                for (uint64_t w = v16_bits(m, h); w; w &= w - 1) {
                    size_t lane = (size_t)h * 8 + (size_t)(__builtin_ctzll(w) >> 3);
                    if (lane >= first_high)
                        break;
                    if (n - i - lane >= tok.len && ci_equal_at(p + i + lane, tok))
                        return s + i + lane;
                }
            if (first_high < 16)
                return s + i + first_high;
        }
    }
#endif
    /* the tail (and short values, one-byte tokens): byte by byte */
    unsigned char c0 = (unsigned char)tok.p[0];
    unsigned char u0 = (unsigned char)(c0 >= 'a' && c0 <= 'z' ? c0 - 32 : c0);
    for (; i < n; i++) {
        if (p[i] >= 0x80)
            return s + i;
        if ((p[i] == c0 || p[i] == u0) && n - i >= tok.len && ci_equal_at(p + i, tok))
            return s + i;
    }
    return NULL;
}

bool wd_ci_may_contain(const char *s, size_t n, struct wd_str tok)
{
    return wd_ci_find(s, n, tok) != NULL;
}

/* Of a phrase's tokens, the one found least often in the first values of v (a sample of
 * about 8 KiB): scanning for it leaves the fewest values to test. */
static uint32_t rarest_token(const struct wd_colvec *v, const struct prefilter *f)
{
    uint32_t best = 0;
    size_t best_hits = SIZE_MAX;
    for (uint32_t k = 0; k < f->n && k < WD_ARRAY_LEN(f->tok); k++) {
        size_t hits = 0, bytes = 0;
        for (uint32_t i = 0; i < v->nvals && bytes < 8192; i++) {
            const struct wd_qval *q = &v->vals[i];
            if (q->type != WD_QV_STR)
                continue;
            bytes += q->s.len;
            hits += wd_ci_find(q->s.p, q->s.len, f->tok[k]) != NULL;
        }
        if (hits < best_hits) {
            best = k;
            best_hits = hits;
        }
    }
    return best;
}

/*
 * The values of a plain-coded text column that may contain tok (see prefilter), found in
 * one pass over their bytes, which lie in order in the chunk: a per-value flag array in
 * the block's arena, or NULL when the values are not laid out so (then each is tested).
 */
static uint8_t *scan_values(struct wd_block *b, const struct wd_colvec *v, struct wd_str tok)
{
    const char *lo = NULL, *end = NULL;
    for (uint32_t i = 0; i < v->nvals; i++) {
        const struct wd_qval *q = &v->vals[i];
        if (q->type != WD_QV_STR || (end && q->s.p < end) || (v->json && v->json[i]))
            return NULL;
        if (!lo)
            lo = q->s.p;
        end = q->s.p + q->s.len;
    }
    uint8_t *cand = lo ? wd_arena_alloc(&b->arena, v->nvals) : NULL;
    if (!cand)
        return NULL;
    memset(cand, 0, v->nvals);
    uint32_t i = 0;
    for (const char *at = lo; at < end && i < v->nvals;) {
        const char *m = wd_ci_find(at, (size_t)(end - at), tok);
        if (!m)
            break;
        while (i < v->nvals && v->vals[i].s.p + v->vals[i].s.len <= m)
            i++;
        if (i == v->nvals)
            break;
        if (m >= v->vals[i].s.p) { /* inside value i: a candidate; go on after it */
            cand[i] = 1;
            at = v->vals[i].s.p + v->vals[i].s.len;
            i++;
        } else { /* in the bytes between two values */
            at = m + 1;
        }
    }
    return cand;
}

static bool prefilter_pass(const struct prefilter *f, const struct wd_qval *v)
{
    if (f->mode == WD_QKEYS_NONE || v->type != WD_QV_STR)
        return true;
    bool all = f->mode == WD_QKEYS_ALL; /* a phrase: every token; a term: any */
    for (uint32_t i = 0; i < f->n; i++)
        if (wd_ci_may_contain(v->s.p, v->s.len, f->tok[i]) != all)
            return !all;
    return all;
}

/* rarest_token() over the first ~8 KiB of a plain chunk's bytes: the token with the fewest
 * places there (a heuristic: it decides only which token the scan looks for). */
static uint32_t rarest_token_raw(const unsigned char *p, size_t n, const struct prefilter *f)
{
    n = WD_MIN(n, (size_t)8192);
    uint32_t best = 0;
    size_t best_hits = SIZE_MAX;
    for (uint32_t k = 0; k < f->n && k < WD_ARRAY_LEN(f->tok); k++) {
        size_t hits = 0;
        const char *at = (const char *)p, *end = at + n;
        for (const char *m; at < end && (m = wd_ci_find(at, (size_t)(end - at), f->tok[k]));
             at = m + 1)
            hits++;
        if (hits < best_hits) {
            best = k;
            best_hits = hits;
        }
    }
    return best;
}

/*
 * leaf_col() for a plain-coded text column and a phrase or one word (f: every token, or
 * its one token, necessary): the chunk's bytes are searched for the rarest token as they
 * are, values in order, and only the values the search stops in (and those that are not
 * strings, whose text is not there) are decoded and tested. Returns WD_EAGAIN when the
 * chunk is not such (then leaf_col decodes the column), else as leaf_col.
 */
static int leaf_col_scan(const struct wd_qleaf *l, struct wd_block *b, uint32_t col,
                         const struct prefilter *f, uint64_t *bm)
{
    size_t len;
    const uint32_t *off;
    const struct wd_chunkdir *c;
    const unsigned char *raw = wd_block_col_raw(b, col, &len, &off, &c);
    if (!raw || raw[0] != WD_ENC_PLAIN || c->nvals < 64)
        return WD_EAGAIN; /* (also for errors: the decoding path reports them) */
    const char *path = b->part->col_path[col];
    size_t plen = b->part->col_path_len[col];
    const unsigned char *p = raw + 1, *end = raw + len;
    struct wd_str tok = f->tok[rarest_token_raw(p, len - 1, f)];
    const char *m = NULL; /* the search's last stop, at or after the current value */
    uint32_t r = 0;
    for (uint32_t i = 0; i < c->nvals; i++) {
        uint8_t tag;
        const unsigned char *s;
        size_t sl;
        int64_t iv;
        if (!wd_get_tagged(&p, end, &tag, &s, &sl, &iv)) {
            wd_block_corrupt(b, c, "bad column encoding");
            return b->err;
        }
        while (off[r + 1] <= i) /* the row of value i (off[nrows] = nvals > i) */
            r++;
        if (tag == WD_VT_JSON || (bm[r >> 6] >> (r & 63) & 1))
            continue; /* arrays: their elements follow as values; a row matched already */
        if (tag == WD_VT_STR) {
            if (!m || m < (const char *)s) {
                m = wd_ci_find((const char *)s, (size_t)(end - s), tok);
                if (!m)
                    m = (const char *)end;
            }
            if (m >= (const char *)s + sl)
                continue;
        }
        struct wd_qval q;
        if (!wd_col_qval(tag, s, sl, iv, &b->arena, &q))
            return WD_ENOMEM;
        if (prefilter_pass(f, &q) && wd_qleaf_match(l, path, plen, &q))
            bm_set(bm, r);
    }
    if (p != end) {
        wd_block_corrupt(b, c, "bad column encoding");
        return b->err;
    }
    return WD_OK;
}

/* ORs into bm the rows of column col having a value that matches leaf l. */
static int leaf_col(const struct wd_qleaf *l, struct wd_block *b, uint32_t col, uint64_t *bm)
{
    struct prefilter f;
    prefilter_init(&f, l, (enum wd_ftype)b->part->col_ftype[col]);
    /* a phrase (every token needed) or one word: first the values holding its rarest token */
    bool scan = f.mode == WD_QKEYS_ALL || (f.mode == WD_QKEYS_ANY && f.n == 1);
    if (scan && !(b->cols && b->cols[col])) { /* (decoded already: the values are at hand) */
        int rc = leaf_col_scan(l, b, col, &f, bm);
        if (rc != WD_EAGAIN)
            return rc;
    }
    const uint32_t *off;
    const struct wd_colvec *v = wd_block_col(b, col, &off);
    if (!v)
        return b->err;
    const char *path = b->part->col_path[col];
    size_t plen = b->part->col_path_len[col];
    bool exists = l->op == WD_QOP_EXISTS;
    if (v->codes) {
        /* One leaf test per dictionary entry. */
        uint8_t *m = wd_arena_alloc(&b->arena, v->ndict + 1);
        if (!m)
            return WD_ENOMEM;
        bool any = false;
        for (uint32_t e = 0; e < v->ndict; e++) {
            bool js = v->json && v->json[e];
            m[e] = !js && (exists || wd_qleaf_match(l, path, plen, &v->vals[e]));
            any |= m[e];
        }
        if (!any)
            return WD_OK;
        for (uint32_t r = 0; r < b->nrows; r++)
            for (uint32_t i = off[r]; i < off[r + 1]; i++)
                if (m[v->codes[i]]) {
                    bm_set(bm, r);
                    break;
                }
        return WD_OK;
    }
    const uint8_t *cand = NULL;
    if (scan && v->nvals >= 64)
        cand = scan_values(b, v, f.tok[rarest_token(v, &f)]);
    for (uint32_t r = 0; r < b->nrows; r++)
        for (uint32_t i = off[r]; i < off[r + 1]; i++) {
            if ((v->json && v->json[i]) || (cand && !cand[i]))
                continue;
            if (exists ||
                (prefilter_pass(&f, &v->vals[i]) && wd_qleaf_match(l, path, plen, &v->vals[i]))) {
                bm_set(bm, r);
                break;
            }
        }
    return WD_OK;
}

static int eval_leaf(const struct wd_qleaf *l, struct wd_block *b, uint64_t *bm)
{
    memset(bm, 0, wd_bm_words(b->nrows) * 8);
    const struct wd_part *pt = b->part;
    if (l->field && l->op != WD_QOP_EXISTS) {
        uint32_t col = wd_part_col(pt, l->field, l->field_len);
        if (col == UINT32_MAX || !col_may_match(l, b, col))
            return WD_OK;
        return leaf_col(l, b, col, bm);
    }
    for (uint32_t c = 0; c < pt->ncols; c++) {
        if (l->field && !wd_qleaf_covers(l, pt->col_path[c], pt->col_path_len[c]))
            continue;
        if (!(l->op == WD_QOP_EXISTS ? block_has_col(b, c) : col_may_match(l, b, c)))
            continue;
        int rc = leaf_col(l, b, c, bm);
        if (rc)
            return rc;
    }
    return WD_OK;
}

int wd_eval_block(const struct wd_qnode *n, struct wd_block *b, uint64_t *bm)
{
    size_t w = wd_bm_words(b->nrows);
    switch (n->kind) {
    case WD_QN_ALL:
        bm_fill(bm, b->nrows);
        return WD_OK;
    case WD_QN_NONE:
        memset(bm, 0, w * 8);
        return WD_OK;
    case WD_QN_LEAF:
        return eval_leaf(&n->leaf, b, bm);
    default:
        break;
    }
    bm_fill(bm, b->nrows);
    uint64_t *tmp = wd_xmalloc(w * 8), *acc = wd_xmalloc(w * 8);
    int rc = WD_OK;
    for (uint32_t i = 0; i < n->nmust && !rc; i++) {
        if (!wd_eval_block_may_match(n->must[i], b)) {
            memset(bm, 0, w * 8);
            goto out;
        }
        rc = wd_eval_block(n->must[i], b, tmp);
        for (size_t k = 0; k < w; k++)
            bm[k] &= tmp[k];
        if (wd_bm_empty(bm, w))
            goto out;
    }
    if (!rc && n->should_required && n->nshould) {
        memset(acc, 0, w * 8);
        for (uint32_t i = 0; i < n->nshould && !rc; i++) {
            if (!wd_eval_block_may_match(n->should[i], b))
                continue;
            rc = wd_eval_block(n->should[i], b, tmp);
            for (size_t k = 0; k < w; k++)
                acc[k] |= tmp[k];
        }
        for (size_t k = 0; k < w; k++)
            bm[k] &= acc[k];
    }
    for (uint32_t i = 0; i < n->nmust_not && !rc && !wd_bm_empty(bm, w); i++) {
        if (!wd_eval_block_may_match(n->must_not[i], b))
            continue;
        rc = wd_eval_block(n->must_not[i], b, tmp);
        for (size_t k = 0; k < w; k++)
            bm[k] &= ~tmp[k];
    }
out:
    free(tmp);
    free(acc);
    return rc;
}
