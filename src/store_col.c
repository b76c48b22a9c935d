/*
 * store_col.c: the store's column codecs (format in store_fmt.h): dictionary coding for
 * columns with few distinct values, delta-zigzag varints for integer columns and for
 * times in their canonical text, tagged plain values otherwise; and the hash the token
 * index uses. Pure functions over buffers.
 */
#include "store_fmt.h"

uint64_t wd_hash64(const void *p, size_t len, uint64_t seed)
{
    const unsigned char *s = p;
    uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ull);
    while (len >= 8) {
        uint64_t k;
        memcpy(&k, s, 8);
        k *= 0xbf58476d1ce4e5b9ull;
        k ^= k >> 31;
        h = (h ^ k) * 0x94d049bb133111ebull;
        s += 8;
        len -= 8;
    }
    /* The last len (< 8) bytes as a little-endian integer, with at most two loads: one
     * that ends at the end of the buffer when the input had 8 bytes or more (the bytes
     * before are input too), else 4-byte or single-byte loads within the tail. */
    uint64_t k = 0;
    if (len && s - (const unsigned char *)p >= 8) {
        memcpy(&k, s + len - 8, 8);
        k >>= 8 * (8 - len);
    } else if (len >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, s, 4);
        memcpy(&hi, s + len - 4, 4);
        k = lo | ((uint64_t)hi >> (8 * (8 - len))) << 32;
    } else if (len) {
        k = s[0] | (uint64_t)s[len / 2] << (8 * (len / 2)) | (uint64_t)s[len - 1] << (8 * (len - 1));
    }
    h = (h ^ (k * 0xbf58476d1ce4e5b9ull)) * 0x94d049bb133111ebull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h;
}

/* A value's identity in the builder buffer: byte range of its encoding. */
struct dslot {
    uint32_t off, len, code;
};

/* A DICT chunk: the ndict distinct encodings, then a 1- or 2-byte code per value. */
static void put_dict(struct wd_buf *out, const unsigned char *base, uint32_t ndict,
                     const uint32_t *off, const uint32_t *len, const uint32_t *codes,
                     uint32_t nvals)
{
    wd_buf_putc(out, WD_ENC_DICT);
    wd_put_varint(out, ndict);
    for (uint32_t i = 0; i < ndict; i++)
        wd_buf_append(out, base + off[i], len[i]);
    if (ndict <= 256) {
        wd_buf_reserve(out, nvals);
        for (uint32_t i = 0; i < nvals; i++)
            out->p[out->len++] = (char)codes[i];
    } else {
        wd_buf_reserve(out, (size_t)nvals * 2);
        for (uint32_t i = 0; i < nvals; i++) {
            out->p[out->len++] = (char)(codes[i] & 0xff);
            out->p[out->len++] = (char)(codes[i] >> 8);
        }
    }
}

/* WD_ENC_TIME when every value is a string in canonical time form; else out is left as
 * it was and false returned. */
static bool encode_time(const struct wd_colbuild *c, const unsigned char *base,
                        const unsigned char *end, struct wd_buf *out)
{
    size_t start = out->len;
    wd_buf_putc(out, WD_ENC_TIME);
    const unsigned char *p = base;
    int64_t last = 0;
    struct wd_time_memo m = {.set = false};
    for (uint32_t i = 0; i < c->nvals; i++) {
        uint8_t tag;
        const unsigned char *s;
        size_t len;
        int64_t us;
        if (!wd_get_tagged(&p, end, &tag, &s, &len, &us) || tag != WD_VT_STR ||
            !wd_time_parse_canon((const char *)s, len, &m, &us)) {
            out->len = start;
            return false;
        }
        wd_put_varint(out, wd_zigzag((int64_t)((uint64_t)us - (uint64_t)last)));
        last = us;
    }
    return true;
}

int wd_col_encode_with(const struct wd_colbuild *c, struct wd_buf *out, struct wd_colscratch *cs)
{
    const unsigned char *base = (const unsigned char *)c->vals.p;
    /* An empty column has no buffer yet: NULL + 0 is undefined behaviour in C. */
    const unsigned char *end = c->vals.len ? base + c->vals.len : base;
    /* Times as the normalizer writes them: 1 to 4 bytes a value instead of 26 or 33 (a
     * run of one time is 1 byte a value, as a dictionary code would be). A column whose
     * first value is not a string (tag byte) is not tried. */
    if (c->nvals && !c->nint && base[0] == WD_VT_STR && encode_time(c, base, end, out))
        return WD_ENC_TIME;
    const struct wd_coldict *cd = c->dict;
    if (c->nvals && c->nint == c->nvals) {
        /* Integers: dictionary when repetitive, else delta varints. Count distinct cheaply
         * on a sample of the first 1024 values. */
        uint32_t sample = WD_MIN(c->nvals, 1024u), distinct = 0;
        int64_t prev[1024];
        const unsigned char *p = base;
        for (uint32_t i = 0; i < sample; i++) {
            uint8_t tag;
            const unsigned char *s;
            size_t len;
            int64_t iv;
            if (!wd_get_tagged(&p, end, &tag, &s, &len, &iv))
                return WD_ECORRUPT;
            uint32_t j = 0;
            while (j < distinct && prev[j] != iv)
                j++;
            if (j == distinct && distinct < 64)
                prev[distinct++] = iv;
            else if (j == distinct) {
                distinct = 65;
                break;
            }
        }
        if (distinct > 64) {
            wd_buf_putc(out, WD_ENC_INT);
            int64_t last = 0;
            p = base;
            for (uint32_t i = 0; i < c->nvals; i++) {
                uint8_t tag;
                const unsigned char *s;
                size_t len;
                int64_t iv = 0; /* (every value is an integer here: the count above) */
                wd_get_tagged(&p, end, &tag, &s, &len, &iv);
                wd_put_varint(out, wd_zigzag((int64_t)((uint64_t)iv - (uint64_t)last)));
                last = iv;
            }
            return WD_ENC_INT;
        }
    }
    uint32_t limit = c->nvals / 2 < 65535 ? c->nvals / 2 + 1 : 65535;
    if (cd && cd->live) {
        /* the builder's dictionary: DICT exactly when the attempt below would succeed */
        if (c->nvals > 0 && cd->ndict <= limit) {
            put_dict(out, base, cd->ndict, cd->off, cd->len, cd->codes, c->nvals);
            return WD_ENC_DICT;
        }
        wd_buf_putc(out, WD_ENC_PLAIN);
        wd_buf_append(out, base, c->vals.len);
        return WD_ENC_PLAIN;
    }
    /* Dictionary attempt: open addressing over value encodings, in tables sized for at
     * least twice the values (kept in cs between calls; the used slots are freed again). */
    uint32_t cap = 64;
    while (cap < c->nvals * 2)
        cap <<= 1;
    if (cs->tab_cap < cap) {
        free(cs->tab);
        cs->tab = calloc(cap, sizeof(struct dslot));
        cs->tab_cap = cs->tab ? cap : 0;
    }
    if (cs->cap < c->nvals + 1) {
        free(cs->codes);
        free(cs->slots);
        free(cs->doff);
        free(cs->dlen);
        size_t n = (c->nvals + 1) * sizeof(uint32_t);
        cs->codes = malloc(n);
        cs->slots = malloc(n);
        cs->doff = malloc(n);
        cs->dlen = malloc(n);
        cs->cap = cs->codes && cs->slots && cs->doff && cs->dlen ? c->nvals + 1 : 0;
    }
    if (!cs->tab_cap || !cs->cap)
        return WD_ENOMEM;
    struct dslot *tab = cs->tab;
    uint32_t *codes = cs->codes, mask = cs->tab_cap - 1;
    uint32_t ndict = 0;
    const unsigned char *p = base, *prev = NULL;
    uint32_t prev_len = 0;
    bool dict = true;
    int rc = WD_OK;
    for (uint32_t i = 0; i < c->nvals && dict; i++) {
        const unsigned char *start = p;
        uint8_t tag;
        const unsigned char *sv;
        size_t len;
        int64_t iv;
        if (!wd_get_tagged(&p, end, &tag, &sv, &len, &iv)) {
            rc = WD_ECORRUPT;
            break;
        }
        uint32_t vlen = (uint32_t)(p - start);
        if (prev && vlen == prev_len && wd_bytes_eq(prev, start, vlen)) {
            codes[i] = codes[i - 1]; /* runs are common: no hash, no probe */
            continue;
        }
        prev = start;
        prev_len = vlen;
        uint64_t h = wd_hash64(start, vlen, 7);
        uint32_t k = (uint32_t)h & mask;
        for (;;) {
            struct dslot *d = &tab[k];
            if (!d->len) {
                if (ndict >= limit) {
                    dict = false;
                    break;
                }
                *d = (struct dslot){(uint32_t)(start - base), vlen, ndict};
                cs->slots[ndict] = k;
                cs->doff[ndict] = d->off;
                cs->dlen[ndict++] = vlen;
                codes[i] = d->code;
                break;
            }
            if (d->len == vlen && wd_bytes_eq(base + d->off, start, vlen)) {
                codes[i] = d->code;
                break;
            }
            k = (k + 1) & mask;
        }
    }
    for (uint32_t i = 0; i < ndict; i++)
        tab[cs->slots[i]].len = 0;
    if (rc)
        return rc;
    if (dict && c->nvals > 0) {
        put_dict(out, base, ndict, cs->doff, cs->dlen, codes, c->nvals);
        return WD_ENC_DICT;
    }
    wd_buf_putc(out, WD_ENC_PLAIN);
    wd_buf_append(out, base, c->vals.len);
    return WD_ENC_PLAIN;
}

int wd_col_encode(const struct wd_colbuild *c, struct wd_buf *out)
{
    struct wd_colscratch s = {0};
    int enc = wd_col_encode_with(c, out, &s);
    wd_colscratch_fini(&s);
    return enc;
}

void wd_colscratch_fini(struct wd_colscratch *s)
{
    if (!s)
        return;
    free(s->tab);
    free(s->codes);
    free(s->slots);
    free(s->doff);
    free(s->dlen);
    memset(s, 0, sizeof(*s));
}

/* Fills q from a tagged value; integers get their decimal text from the arena. */
bool wd_col_qval(uint8_t tag, const unsigned char *s, size_t len, int64_t iv, struct wd_arena *a,
                 struct wd_qval *q)
{
    memset(q, 0, sizeof(*q));
    switch (tag) {
    case WD_VT_INT: {
        char *t = wd_arena_alloc(a, 24);
        if (!t)
            return false;
        size_t n = wd_fmt_i64(iv, t);
        q->type = WD_QV_INT;
        q->i = iv;
        q->f = (double)iv;
        q->s = (struct wd_str){t, n};
        return true;
    }
    case WD_VT_NUM: {
        char tmp[64];
        size_t n = WD_MIN(len, sizeof(tmp) - 1);
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        q->type = WD_QV_FLOAT;
        q->f = strtod(tmp, NULL);
        break;
    }
    case WD_VT_TRUE:
    case WD_VT_FALSE:
        q->type = WD_QV_BOOL;
        q->b = tag == WD_VT_TRUE;
        break;
    default:
        q->type = WD_QV_STR;
        break;
    }
    q->s = (struct wd_str){(const char *)s, len};
    if (tag == WD_VT_JSON)
        q->type = WD_QV_STR; /* arrays are flattened by the evaluator (store_eval.c) */
    return true;
}

int wd_col_decode(const unsigned char *raw, size_t len, struct wd_arena *a, struct wd_colvec *v)
{
    if (len == 0)
        return WD_ECORRUPT;
    int enc = raw[0];
    const unsigned char *p = raw + 1, *end = raw + len;
    uint32_t nvals = v->nvals; /* set by the caller from the block directory */
    memset(v, 0, sizeof(*v));
    v->nvals = nvals;
    /* Every value takes at least one byte after the encoding byte (a varint, a tag or a
     * code): a larger count from a hostile directory is corrupt, and checking it first
     * bounds the allocations below by the chunk size. */
    if (nvals > len - 1)
        return WD_ECORRUPT;
    if (enc == WD_ENC_INT || enc == WD_ENC_TIME) {
        v->vals = wd_arena_alloc(a, ((size_t)nvals + 1) * sizeof(*v->vals));
        if (!v->vals)
            return WD_ENOMEM;
        int64_t last = 0;
        for (uint32_t i = 0; i < nvals; i++) {
            if (!wd_get_delta(&p, end, enc == WD_ENC_TIME, &last))
                return WD_ECORRUPT;
            bool ok;
            if (enc == WD_ENC_TIME) {
                char *t = wd_arena_alloc(a, WD_TIME_ISO_MAX);
                ok = t && wd_col_qval(WD_VT_STR, (const unsigned char *)t, wd_time_iso(last, t), 0,
                                      a, &v->vals[i]);
            } else {
                ok = wd_col_qval(WD_VT_INT, NULL, 0, last, a, &v->vals[i]);
            }
            if (!ok)
                return WD_ENOMEM;
        }
        return p == end ? WD_OK : WD_ECORRUPT;
    }
    uint64_t n = nvals;
    if (enc == WD_ENC_DICT && (!wd_get_varint(&p, end, &n) || n == 0 || n > 65536))
        return WD_ECORRUPT;
    if (enc != WD_ENC_DICT && enc != WD_ENC_PLAIN)
        return WD_ECORRUPT;
    v->vals = wd_arena_alloc(a, ((size_t)n + 1) * sizeof(*v->vals));
    if (!v->vals)
        return WD_ENOMEM;
    for (uint64_t i = 0; i < n; i++) {
        uint8_t tag;
        const unsigned char *s;
        size_t sl;
        int64_t iv;
        if (!wd_get_tagged(&p, end, &tag, &s, &sl, &iv) ||
            !wd_col_qval(tag, s, sl, iv, a, &v->vals[i]))
            return WD_ECORRUPT;
        if (tag == WD_VT_JSON) {
            if (!v->json) {
                v->json = wd_arena_alloc(a, (size_t)n + 1);
                if (!v->json)
                    return WD_ENOMEM;
                memset(v->json, 0, (size_t)n + 1);
            }
            v->json[i] = 1;
        }
    }
    if (enc == WD_ENC_PLAIN)
        return p == end ? WD_OK : WD_ECORRUPT;
    v->ndict = (uint32_t)n;
    size_t w = n <= 256 ? 1 : 2;
    if ((size_t)(end - p) != w * nvals)
        return WD_ECORRUPT;
    v->codes = wd_arena_alloc(a, ((size_t)nvals + 1) * sizeof(*v->codes));
    if (!v->codes)
        return WD_ENOMEM;
    for (uint32_t i = 0; i < nvals; i++) {
        uint32_t c = w == 1 ? p[i] : (uint32_t)p[2 * i] | (uint32_t)p[2 * i + 1] << 8;
        if (c >= n)
            return WD_ECORRUPT;
        v->codes[i] = c;
    }
    return WD_OK;
}
