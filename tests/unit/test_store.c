/*
 * test_store.c: the event store: column codecs, part write/read round trip (every row
 * re-serializes byte for byte), index pruning, the WAL-following store with search,
 * crash recovery rules (leftover, uncheckpointed and covered parts), corrupt parts, and
 * injected ENOSPC/EIO during part writes and fsyncs.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>
#include <zstd.h>

#include "cfg.h"
#include "gen.h"
#include "jv.h"
#include "json.h"
#include "mem.h"
#include "query.h"
#include "store_int.h"
#include "wal.h"
#include "wd_time.h"
#include "ward.h"
#include "wd_test.h"

static char dir[256];

static void fresh_dir(void)
{
    snprintf(dir, sizeof(dir), "/tmp/ward-test-store-XXXXXX");
    WD_BUG_ON(!mkdtemp(dir));
}

static void rm_dir(void)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    WD_BUG_ON(system(cmd) != 0);
}

static void col_add(struct wd_colbuild *c, uint8_t tag, const char *s, int64_t iv)
{
    wd_buf_putc(&c->vals, (char)tag);
    if (tag == WD_VT_INT) {
        wd_put_varint(&c->vals, wd_zigzag(iv));
        c->nint++;
    } else {
        wd_put_varint(&c->vals, strlen(s));
        wd_buf_append(&c->vals, s, strlen(s));
    }
    c->nvals++;
}

/* Encodes then decodes; checks every value and returns the encoding used. */
static int roundtrip(struct wd_colbuild *c, const uint8_t *tags, const char **strs,
                     const int64_t *ints, bool *ok)
{
    struct wd_buf enc;
    wd_buf_init(&enc, 0);
    int e = wd_col_encode(c, &enc);
    struct wd_arena a;
    wd_arena_init(&a, 4096, 0);
    struct wd_colvec v = {.nvals = c->nvals};
    *ok = wd_col_decode((const unsigned char *)enc.p, enc.len, &a, &v) == WD_OK;
    for (uint32_t i = 0; *ok && i < c->nvals; i++) {
        const struct wd_qval *q = wd_colvec_get(&v, i);
        if (tags[i] == WD_VT_INT)
            *ok = q->type == WD_QV_INT && q->i == ints[i];
        else
            *ok = q->s.len == strlen(strs[i]) && !memcmp(q->s.p, strs[i], q->s.len) &&
                  (tags[i] != WD_VT_STR || q->type == WD_QV_STR);
    }
    /* A truncated chunk is reported, never read past its end. */
    if (*ok && enc.len > 1) {
        struct wd_colvec t = {.nvals = c->nvals};
        *ok = wd_col_decode((const unsigned char *)enc.p, enc.len - 1, &a, &t) == WD_ECORRUPT;
    }
    wd_arena_fini(&a);
    wd_buf_fini(&enc);
    return e;
}

/* wd_hash64 against its byte-at-a-time definition (index keys and dictionaries depend on
 * its exact values): every length up to 64 at every alignment. */
static uint64_t ref_hash64(const unsigned char *s, size_t len, uint64_t seed)
{
    uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ull);
    for (; len >= 8; s += 8, len -= 8) {
        uint64_t k = 0;
        for (int i = 0; i < 8; i++)
            k |= (uint64_t)s[i] << (8 * i);
        k *= 0xbf58476d1ce4e5b9ull;
        k ^= k >> 31;
        h = (h ^ k) * 0x94d049bb133111ebull;
    }
    uint64_t k = 0;
    for (size_t i = 0; i < len; i++)
        k |= (uint64_t)s[i] << (8 * i);
    h = (h ^ (k * 0xbf58476d1ce4e5b9ull)) * 0x94d049bb133111ebull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;
    return h;
}

static void t_hash64(void)
{
    unsigned char buf[96];
    uint64_t r = 88172645463325252ull;
    for (int rep = 0; rep < 20; rep++) {
        for (size_t i = 0; i < sizeof(buf); i++) {
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            buf[i] = (unsigned char)(rep % 2 ? r : (r % 3 ? 0 : 0xff));
        }
        for (size_t al = 0; al < 8; al++)
            for (size_t len = 0; len <= 64; len++)
                FAIL_UNLESS(wd_hash64(buf + al, len, r) == ref_hash64(buf + al, len, r));
    }
    /* a value the format depends on, whatever the implementation */
    EXPECT_INT(wd_hash64("abc", 3, 1) == ref_hash64((const unsigned char *)"abc", 3, 1), 1);
}

/* Integers built in code: a literal text that is not the value's own decimal text ("-0",
 * "05", "+5") keeps its text (a number column value), the others become integers. */
static void t_int_forms(void)
{
    fresh_dir();
    static const struct {
        int64_t v;
        const char *raw, *want;
    } cases[] = {{0, "-0", "-0"},
                 {5, "05", "05"},
                 {5, "+5", "+5"},
                 {5, "6", "6"},
                 {7, "", "7"},
                 {-120, "-120", "-120"},
                 {INT64_MIN, "-9223372036854775808", "-9223372036854775808"},
                 {INT64_MAX, "9223372036854775807", "9223372036854775807"},
                 {0, "0", "0"}};
    char path[300], tmp[320];
    snprintf(path, sizeof(path), "%s/i.wdp", dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    struct wd_part_builder pb;
    FAIL_IF(wd_part_begin(&pb, tmp, 1) != WD_OK);
    struct wd_arena a;
    wd_arena_init(&a, 1 << 16, 0);
    for (size_t i = 0; i < WD_ARRAY_LEN(cases); i++) {
        struct wd_jv *ev = wd_jv_new(&a, WD_JV_OBJ), *n = wd_jv_int(&a, cases[i].v);
        n->raw = (struct wd_str){cases[i].raw, strlen(cases[i].raw)};
        wd_jv_add(ev, WD_STR("n"), n);
        FAIL_IF(wd_part_add(&pb, i + 1, (int64_t)i, ev) != WD_OK);
    }
    FAIL_IF(wd_part_finish(&pb, 1, WD_ARRAY_LEN(cases), path) != WD_OK);
    struct wd_part *p;
    char err[512];
    FAIL_IF(wd_part_open(path, &p, err, sizeof(err)) != WD_OK);
    ZSTD_DCtx *dz = ZSTD_createDCtx();
    struct wd_block b;
    wd_block_load(&b, p, 0, (struct ZSTD_DCtx_s *)dz);
    FAIL_UNLESS(wd_block_rows(&b));
    struct wd_buf got;
    wd_buf_init(&got, 0);
    for (uint32_t r = 0; r < b.nrows; r++) {
        char want[64];
        got.len = 0;
        wd_block_row_json(&b, r, &got);
        wd_buf_putc(&got, '\0');
        snprintf(want, sizeof(want), "{\"n\":%s}", cases[r].want);
        EXPECT_STR(got.p, want);
    }
    wd_buf_fini(&got);
    wd_block_fini(&b);
    ZSTD_freeDCtx(dz);
    wd_part_unref(p);
    wd_arena_fini(&a);
}

static void t_codecs(void)
{
    enum { N = 3000 };
    static uint8_t tags[N];
    static const char *strs[N];
    static int64_t ints[N];
    static char text[N][24];
    bool ok;
    /* few distinct strings: dictionary */
    struct wd_colbuild c = {0};
    wd_buf_init(&c.vals, 0);
    static const char *const proto[] = {"tcp", "udp", "icmp", ""};
    for (int i = 0; i < N; i++) {
        tags[i] = WD_VT_STR;
        strs[i] = proto[i % 4];
        col_add(&c, tags[i], strs[i], 0);
    }
    EXPECT_INT(roundtrip(&c, tags, strs, ints, &ok), WD_ENC_DICT);
    FAIL_UNLESS(ok);
    /* unique integers: delta varints */
    c.vals.len = 0;
    c.nvals = c.nint = 0;
    for (int i = 0; i < N; i++) {
        tags[i] = WD_VT_INT;
        ints[i] = (int64_t)i * 7919 - 1000000 + (i % 3 == 0 ? INT64_MIN / 2 : 0);
        col_add(&c, tags[i], NULL, ints[i]);
    }
    EXPECT_INT(roundtrip(&c, tags, strs, ints, &ok), WD_ENC_INT);
    FAIL_UNLESS(ok);
    /* unique strings mixed with other tags: plain */
    c.vals.len = 0;
    c.nvals = c.nint = 0;
    for (int i = 0; i < N; i++) {
        snprintf(text[i], sizeof(text[i]), "C%08dx", i * 31);
        tags[i] = i % 5 == 0 ? WD_VT_NUM : i % 7 == 0 ? WD_VT_INT : WD_VT_STR;
        strs[i] = tags[i] == WD_VT_NUM ? "1.5e3" : text[i];
        ints[i] = i;
        col_add(&c, tags[i], strs[i], ints[i]);
    }
    EXPECT_INT(roundtrip(&c, tags, strs, ints, &ok), WD_ENC_PLAIN);
    FAIL_UNLESS(ok);
    wd_buf_fini(&c.vals);
    /* garbage never decodes silently */
    struct wd_arena a;
    wd_arena_init(&a, 4096, 0);
    struct wd_colvec v = {.nvals = 5};
    const unsigned char junk[] = {WD_ENC_DICT, 0x02, 1, 1, 'a', 9, 1, 'b', 0, 1, 2, 3};
    EXPECT_INT(wd_col_decode(junk, sizeof(junk), &a, &v), WD_ECORRUPT);
    const unsigned char bad_enc[] = {77, 1, 2};
    EXPECT_INT(wd_col_decode(bad_enc, sizeof(bad_enc), &a, &v), WD_ECORRUPT);
    wd_arena_fini(&a);
}

static bool canon(const char *s, size_t len, int64_t *us)
{
    return wd_time_parse_canon(s, len, NULL, us);
}

/* Times in canonical text (what normalization writes) are stored as microsecond deltas and
 * come back as the same text; any other text, or a column with one, stays text. */
static void t_time_codec(void)
{
    int64_t us = 0;
    FAIL_UNLESS(canon("2026-01-01T00:00:00+00:00", 25, &us));
    EXPECT_INT(us, 1767225600000000LL);
    FAIL_UNLESS(canon("2026-01-01T00:00:00.293031+00:00", 32, &us));
    EXPECT_INT(us, 1767225600293031LL);
    FAIL_UNLESS(canon("0001-01-01T00:00:00+00:00", 25, &us));
    EXPECT_INT(us, WD_TIME_MIN_US);
    FAIL_UNLESS(canon("9999-12-31T23:59:59.999999+00:00", 32, &us));
    EXPECT_INT(us, WD_TIME_MAX_US);
    static const char *const not_canon[] = {
        "2026-01-01T00:00:00.000000+00:00", /* a zero fraction is not written */
        "2026-01-01T00:00:00.250+00:00",    /* nor a short one */
        "2026-01-01T00:00:00Z",
        "2026-01-01 00:00:00+00:00",
        "2026-01-01T01:00:00+01:00",
        "2026-02-30T00:00:00+00:00",
        "2026-01-01T24:00:00+00:00",
        "0000-01-01T00:00:00+00:00",
        "2026-01-01T00:00:00.29303a+00:00",
        "abcd-01-01T00:00:00+00:00",
    };
    for (size_t i = 0; i < WD_ARRAY_LEN(not_canon); i++)
        if (canon(not_canon[i], strlen(not_canon[i]), &us)) {
            printf("# taken as canonical: %s\n", not_canon[i]);
            FAIL_UNLESS(false);
        }
    /* against its definition (parsed, then written again, gives the same text) on
     * canonical texts with one byte changed: digits, separators, anything */
    uint64_t r = 0x9e3779b97f4a7c15ull;
    int taken = 0;
    struct wd_time_memo memo = {.set = false}; /* kept across texts: same answers */
    int64_t prev = WD_TIME_MIN_US;
    for (int i = 0; i < 200000; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        char s[WD_TIME_ISO_MAX];
        int64_t t = (int64_t)(r % (uint64_t)(WD_TIME_MAX_US - WD_TIME_MIN_US)) + WD_TIME_MIN_US;
        if (i % 2 && prev < WD_TIME_MAX_US - 3600000000LL) /* often the memo's hour */
            t = prev + (int64_t)(r % 3600000000ull);
        prev = t;
        if (i % 3 == 0)
            t -= ((t % 1000000) + 1000000) % 1000000;
        size_t n = wd_time_iso(t, s);
        static const char alphabet[] = "0123456789-:T.+Z 9";
        if (i % 4 < 2) /* one byte changed in every other text */
            s[(r >> 40) % n] = alphabet[(r >> 20) % (sizeof(alphabet) - 1)];
        int64_t a = 0, b = 0;
        char back[WD_TIME_ISO_MAX];
        bool want = wd_time_parse_fast(s, n, NULL, &b) == WD_OK && wd_time_iso(b, back) == n &&
                    memcmp(back, s, n) == 0;
        bool got = canon(s, n, &a);
        int64_t m_us = 0;
        bool with_memo = wd_time_parse_canon(s, n, &memo, &m_us);
        if (got != want || (got && a != b) || with_memo != got || (got && m_us != a)) {
            printf("# %.*s: canon %d, definition %d\n", (int)n, s, got, want);
            FAIL_UNLESS(false);
        }
        taken += got;
    }
    FAIL_UNLESS(taken > 20000 && taken < 190000); /* both answers were exercised */
    enum { N = 2000 };
    static uint8_t tags[N];
    static const char *strs[N];
    static int64_t ints[N];
    static char text[N][WD_TIME_ISO_MAX];
    struct wd_colbuild c = {0};
    wd_buf_init(&c.vals, 0);
    /* distinct times, both forms, going back and forth, and the extremes */
    for (int i = 0; i < N; i++) {
        int64_t t = 1767225600000000LL + (int64_t)i * 86743 * (i % 3 == 2 ? -1 : 1);
        if (i % 4 == 0)
            t -= t % 1000000;
        if (i == 7)
            t = WD_TIME_MIN_US;
        if (i == 8)
            t = WD_TIME_MAX_US;
        wd_time_iso(t, text[i]);
        tags[i] = WD_VT_STR;
        strs[i] = text[i];
        col_add(&c, tags[i], strs[i], 0);
    }
    bool ok;
    struct wd_buf enc;
    wd_buf_init(&enc, 0);
    EXPECT_INT(wd_col_encode(&c, &enc), WD_ENC_TIME);
    FAIL_UNLESS(enc.len < (size_t)N * 8); /* text would be 25 or 32 bytes a value */
    EXPECT_INT(roundtrip(&c, tags, strs, ints, &ok), WD_ENC_TIME);
    FAIL_UNLESS(ok);
    /* one value in another form: the column stays text, every value as it was */
    strs[N / 2] = "2026-01-01T00:00:00.000000+00:00";
    c.vals.len = 0;
    c.nvals = 0;
    for (int i = 0; i < N; i++)
        col_add(&c, tags[i], strs[i], 0);
    FAIL_IF(roundtrip(&c, tags, strs, ints, &ok) == WD_ENC_TIME);
    FAIL_UNLESS(ok);
    /* a stored time out of the range the text can hold is corrupt, not a wrong text */
    struct wd_arena a;
    wd_arena_init(&a, 4096, 0);
    struct wd_colvec v = {.nvals = 1};
    const unsigned char past[] = {WD_ENC_TIME, 0xfe, 0xff, 0xff, 0xff,
                                  0xff,        0xff, 0xff, 0xff, 0x7f};
    EXPECT_INT(wd_col_decode(past, sizeof(past), &a, &v), WD_ECORRUPT);
    wd_arena_fini(&a);
    wd_buf_fini(&enc);
    wd_buf_fini(&c.vals);
}

/* Generates n MozDef-form events (one JSON object per line) into out. */
static void gen_events(struct wd_buf *out, uint64_t n, enum wd_gen_kind kind)
{
    struct wd_gen_opts o = {.kind = kind};
    wd_gen_opts_init(&o);
    o.fmt = WD_GEN_FMT_MOZDEF;
    o.count = n;
    o.seed = 42;
    o.start_us = 1764547200000000LL; /* 2025-12-01 */
    struct wd_gen *g = wd_gen_new(&o);
    WD_BUG_ON(!g);
    while (wd_gen_next(g, out))
        ;
    wd_gen_free(g);
}

/* Iterates lines of buf: returns the next line or NULL. */
static const char *next_line(const struct wd_buf *b, size_t *pos, size_t *len)
{
    if (*pos >= b->len)
        return NULL;
    const char *s = b->p + *pos, *nl = memchr(s, '\n', b->len - *pos);
    *len = nl ? (size_t)(nl - s) : b->len - *pos;
    *pos += *len + 1;
    return s;
}

/* Builds one part from the events; returns the canonical JSON of each in `canon`. */
static int build_part(const char *path, const struct wd_buf *events, struct wd_buf *canon,
                      uint64_t *n)
{
    struct wd_part_builder b;
    char tmp[300];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (wd_part_begin(&b, tmp, 3)) {
        wd_part_abort(&b);
        return WD_EIO;
    }
    struct wd_arena a;
    wd_arena_init(&a, 1 << 20, 0);
    size_t pos = 0, len;
    const char *line;
    *n = 0;
    int rc = WD_OK;
    while ((line = next_line(events, &pos, &len)) && !rc) {
        struct wd_jv *v;
        struct wd_perr pe;
        WD_BUG_ON(wd_json_parse(line, len, len, 0, &a, &v, &pe) != WD_OK);
        (*n)++;
        if (canon) {
            wd_jv_write(v, canon);
            wd_buf_putc(canon, '\n');
        }
        rc = wd_part_add(&b, *n, (int64_t)*n * 1000, v);
        if (a.used_bytes > (8 << 20))
            wd_arena_reset(&a);
    }
    wd_arena_fini(&a);
    if (rc) {
        wd_part_abort(&b);
        return rc;
    }
    return wd_part_finish(&b, 1, *n, path);
}

/* Builds a part of the events at path, with or without the builder's column dictionaries. */
static int build_part_dicts(const char *path, const struct wd_buf *events, bool dicts)
{
    struct wd_part_builder b;
    char tmp[320];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (wd_part_begin(&b, tmp, 1)) {
        wd_part_abort(&b);
        return WD_EIO;
    }
    b.no_dicts = !dicts;
    struct wd_arena a;
    wd_arena_init(&a, 1 << 20, 0);
    size_t pos = 0, len;
    const char *line;
    uint64_t n = 0;
    int rc = WD_OK;
    while ((line = next_line(events, &pos, &len)) && !rc) {
        struct wd_jv *v;
        struct wd_perr pe;
        if ((rc = wd_json_parse(line, len, len, 0, &a, &v, &pe)))
            break;
        n++;
        rc = wd_part_add(&b, n, (int64_t)n * 1000, v);
        if (a.used_bytes > (8 << 20))
            wd_arena_reset(&a);
    }
    wd_arena_fini(&a);
    if (rc) {
        wd_part_abort(&b);
        return rc;
    }
    return wd_part_finish(&b, 1, n, path);
}

static bool read_all(const char *path, struct wd_buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        wd_buf_append(out, tmp, n);
    fclose(f);
    return true;
}

/*
 * The column dictionaries the builder keeps as values arrive (DICT chunks written from
 * them, values seen before in the block not indexed again) change nothing in the part:
 * built with and without them, the files are the same bytes (chunks, index key sets,
 * directory). Generator events plus columns that stop keeping their dictionary mid-block
 * and still end up DICT, alternating values, repeated array elements, INT/STR look-alikes.
 */
static void t_dicts_same_part(void)
{
    fresh_dir();
    struct wd_buf ev, x, y;
    wd_buf_init(&ev, 0);
    wd_buf_init(&x, 0);
    wd_buf_init(&y, 0);
    gen_events(&ev, 20000, WD_GEN_MIX);
    for (int i = 0; i < 20000; i++)
        wd_buf_printf(&ev,
                      "{\"u\":\"v%d\",\"alt\":\"%s\",\"arr\":[%d,%d,\"x\",{\"k\":%d}],"
                      "\"m\":%s,\"w\":\"w%d\",\"ip\":\"10.0.%d.%d\"}\n",
                      i < 3000 ? i : i % 10, i % 3 ? "a" : "b", i % 3, i % 3, i % 2,
                      i % 2 ? "1" : "\"1\"", i % 700, i % 5, i % 300);
    /* Two values whose dictionary slots (store_part.c: dict_slot, hash seed 7) start at
     * the same place of the first 64-slot table and carry the same 15 hash bits, so the
     * second one's probe meets the first one's slot: it gets a code of its own only
     * because the bytes differ. */
    int same[2] = {-1, -1};
    static uint32_t seen[1u << 21];
    for (int i = 0; i < 1000000 && same[1] < 0; i++) {
        char enc[16];
        int n = snprintf(enc + 2, sizeof(enc) - 2, "c%d", i);
        enc[0] = WD_VT_STR;
        enc[1] = (char)n;
        uint64_t h = wd_hash64(enc, (size_t)n + 2, 7);
        uint32_t k = (uint32_t)(h & 63) | (uint32_t)(h >> 49) << 6;
        if (seen[k]) {
            same[0] = (int)seen[k] - 1;
            same[1] = i;
        }
        seen[k] = (uint32_t)i + 1;
    }
    FAIL_UNLESS(same[1] >= 0);
    for (int i = 0; i < 1000; i++)
        wd_buf_printf(&ev, "{\"cc\":\"c%d\"}\n", same[i % 2]);
    char p1[300], p2[300];
    snprintf(p1, sizeof(p1), "%s/d1.wdp", dir);
    snprintf(p2, sizeof(p2), "%s/d2.wdp", dir);
    FAIL_IF(build_part_dicts(p1, &ev, true) != WD_OK);
    FAIL_IF(build_part_dicts(p2, &ev, false) != WD_OK);
    FAIL_UNLESS(read_all(p1, &x) && read_all(p2, &y));
    FAIL_UNLESS(x.len > 100000);
    EXPECT_INT(x.len, y.len);
    FAIL_IF(memcmp(x.p, y.p, x.len) != 0);
    wd_buf_fini(&ev);
    wd_buf_fini(&x);
    wd_buf_fini(&y);
}

static void t_part_roundtrip(void)
{
    fresh_dir();
    struct wd_buf ev, canon, got;
    wd_buf_init(&ev, 0);
    wd_buf_init(&canon, 0);
    wd_buf_init(&got, 0);
    gen_events(&ev, 40000, WD_GEN_MIX);
    /* an event with every value form: nesting, arrays of objects, null, dup keys, numbers */
    const char *odd =
        "{\"a\":{\"b\":{\"c\":[1,\"x\",{\"d\":true}]},\"e\":null},\"a.b\":\"dotted\","
        "\"n\":-0,\"imin\":-9223372036854775808,\"imax\":9223372036854775807,"
        "\"i0\":0,\"neg\":-120,\"f\":1.50,\"big\":123456789012345678901234,\"t\":[],\"o\":{},"
        "\"k\":1,\"k\":\"dup\",\"s\":\"caf\\u00e9 \\\"q\\\"\"}\n";
    wd_buf_append(&ev, odd, strlen(odd));
    char path[300];
    snprintf(path, sizeof(path), "%s/p.wdp", dir);
    uint64_t n;
    FAIL_IF(build_part(path, &ev, &canon, &n) != WD_OK);
    struct wd_part *p;
    char err[512];
    FAIL_IF(wd_part_open(path, &p, err, sizeof(err)) != WD_OK);
    EXPECT_INT(p->nrows, n);
    EXPECT_INT(p->nblocks, (n + WD_BLOCK_ROWS - 1) / WD_BLOCK_ROWS);
    EXPECT_INT(wd_part_check(p, NULL), 0);
    ZSTD_DCtx *dz = ZSTD_createDCtx();
    uint64_t row = 0;
    uint32_t utc_col = wd_part_col(p, "utctimestamp", 12), time_chunks = 0;
    for (uint32_t bi = 0; bi < p->nblocks; bi++) {
        struct wd_block b;
        wd_block_load(&b, p, bi, (struct ZSTD_DCtx_s *)dz);
        /* the generator's times are in ward's own form: the builder stores them as TIME */
        for (uint32_t k = 0; k < p->blocks[bi].nchunks; k++) {
            size_t clen;
            const unsigned char *raw;
            if (p->blocks[bi].chunks[k].col == utc_col &&
                (raw = wd_block_chunk(&b, &p->blocks[bi].chunks[k], &clen)) && clen &&
                raw[0] == WD_ENC_TIME)
                time_chunks++;
        }
        for (uint32_t r = 0; r < b.nrows; r++) {
            wd_block_row_json(&b, r, &got);
            wd_buf_putc(&got, '\n');
            row++;
            FAIL_UNLESS(wd_block_rows(&b));
            FAIL_UNLESS(b.seq[r] == row && b.ts[r] == (int64_t)row * 1000);
        }
        wd_block_fini(&b);
    }
    EXPECT_INT(got.len, canon.len);
    FAIL_IF(memcmp(got.p, canon.p, canon.len) != 0);
    EXPECT_INT(time_chunks, p->nblocks);
    /* compression: the part is far smaller than the JSON */
    FAIL_UNLESS(p->file_bytes * 4 < canon.len);
    /* rows as value trees (merges): a part rebuilt from them renders the same JSON, and
     * rows read out of order (search hits) too */
    char path2[320];
    snprintf(path2, sizeof(path2), "%s/q.wdp", dir);
    struct wd_part_builder pb;
    char tmp2[340];
    snprintf(tmp2, sizeof(tmp2), "%s.tmp", path2);
    FAIL_IF(wd_part_begin(&pb, tmp2, 3) != WD_OK);
    struct wd_arena a;
    wd_arena_init(&a, 1 << 20, 0);
    struct wd_buf one;
    wd_buf_init(&one, 0);
    for (uint32_t bi = 0; bi < p->nblocks; bi++) {
        struct wd_block b;
        wd_block_load(&b, p, bi, (struct ZSTD_DCtx_s *)dz);
        FAIL_UNLESS(wd_block_rows(&b));
        for (uint32_t r = 0; r < b.nrows; r++) {
            struct wd_jv *v;
            FAIL_IF(wd_block_row_jv(&b, r, &a, &v) != WD_OK);
            FAIL_IF(wd_part_add(&pb, b.seq[r], b.ts[r], v) != WD_OK);
        }
        /* backwards, every 97th row, as JSON and as a tree: both match the canonical line */
        for (uint32_t r = b.nrows; r-- > 0;) {
            if (r % 97)
                continue;
            size_t at = 0, len = 0;
            const char *want = NULL;
            for (uint64_t k = 0; k <= (uint64_t)bi * WD_BLOCK_ROWS + r; k++)
                want = next_line(&canon, &at, &len);
            one.len = 0;
            FAIL_IF(wd_block_row_json(&b, r, &one) != WD_OK);
            FAIL_UNLESS(one.len == len && !memcmp(one.p, want, len));
            struct wd_jv *v;
            FAIL_IF(wd_block_row_jv(&b, r, &a, &v) != WD_OK);
            one.len = 0;
            wd_jv_write(v, &one);
            FAIL_UNLESS(one.len == len && !memcmp(one.p, want, len));
        }
        wd_block_fini(&b);
        wd_arena_reset(&a);
    }
    FAIL_IF(wd_part_finish(&pb, 1, n, path2) != WD_OK);
    struct wd_part *q;
    FAIL_IF(wd_part_open(path2, &q, err, sizeof(err)) != WD_OK);
    got.len = 0;
    for (uint32_t bi = 0; bi < q->nblocks; bi++) {
        struct wd_block b;
        wd_block_load(&b, q, bi, (struct ZSTD_DCtx_s *)dz);
        for (uint32_t r = 0; r < b.nrows; r++) {
            FAIL_IF(wd_block_row_json(&b, r, &got) != WD_OK);
            wd_buf_putc(&got, '\n');
        }
        wd_block_fini(&b);
    }
    EXPECT_INT(got.len, canon.len);
    FAIL_IF(memcmp(got.p, canon.p, canon.len) != 0);
    wd_part_unref(q);
    wd_buf_fini(&one);
    wd_arena_fini(&a);
    ZSTD_freeDCtx(dz);
    wd_part_unref(p);
    wd_buf_fini(&ev);
    wd_buf_fini(&canon);
    wd_buf_fini(&got);
    rm_dir();
}

static struct wd_query *parse(const char *q)
{
    struct wd_query *out = NULL;
    struct wd_perr e;
    WD_BUG_ON(wd_query_parse(q, strlen(q), &out, &e) != WD_OK);
    return out;
}

/* Builds events into dir/p.wdp and opens it; NULL (with the reason printed) on failure. */
static struct wd_part *build_and_open(const struct wd_buf *events)
{
    char path[300], err[512] = "cannot build the part";
    snprintf(path, sizeof(path), "%s/p.wdp", dir);
    uint64_t n;
    struct wd_part *p = NULL;
    if (build_part(path, events, NULL, &n) != WD_OK || wd_part_open(path, &p, err, sizeof(err))) {
        printf("# %s: %s\n", path, err);
        return NULL;
    }
    return p;
}

/* Evaluates q over the blocks of p the index lets through: *may of them, *rows matching. */
static int count_by_index(struct wd_part *p, const char *qs, uint32_t *may, uint32_t *rows)
{
    struct wd_query *q = parse(qs);
    int rc = WD_OK;
    *may = *rows = 0;
    for (uint32_t bi = 0; bi < p->nblocks && rc == WD_OK; bi++) {
        struct wd_block b;
        wd_block_load(&b, p, bi, NULL);
        b.dz = (struct ZSTD_DCtx_s *)ZSTD_createDCtx();
        if (wd_eval_block_may_match(q->root, &b)) {
            (*may)++;
            uint64_t bm[WD_BLOCK_ROWS / 64];
            rc = wd_eval_block(q->root, &b, bm);
            for (size_t w = 0; rc == WD_OK && w < wd_bm_words(b.nrows); w++)
                *rows += (uint32_t)__builtin_popcountll(bm[w]);
        }
        ZSTD_freeDCtx((ZSTD_DCtx *)b.dz);
        wd_block_fini(&b);
    }
    wd_query_free(q);
    return rc;
}

static void t_index_prunes(void)
{
    fresh_dir();
    struct wd_buf ev;
    wd_buf_init(&ev, 0);
    gen_events(&ev, 5 * WD_BLOCK_ROWS, WD_GEN_ZEEK_CONN);
    /* one needle event in the middle, and in its block uids the keyword search for it
     * stops in (another case, or holding it) which the compare after it must reject */
    const char *needle = "{\"summary\":\"zzneedle seen\",\"details\":{\"uid\":\"CNeEdLe1\"}}\n"
                         "{\"details\":{\"uid\":\"cneedle1\"}}\n"
                         "{\"details\":{\"uid\":\"CNEEDLE1\"}}\n"
                         "{\"details\":{\"uid\":\"xCNeEdLe1y\"}}\n"
                         "{\"details\":{\"uid\":\"CNeEdLe12\"}}\n";
    struct wd_buf all;
    wd_buf_init(&all, 0);
    size_t half = ev.len / 2;
    while (ev.p[half] != '\n')
        half++;
    wd_buf_append(&all, ev.p, half + 1);
    wd_buf_append(&all, needle, strlen(needle));
    wd_buf_append(&all, ev.p + half + 1, ev.len - half - 1);
    struct wd_part *p = build_and_open(&all);
    FAIL_UNLESS(p);
    const char *qs[] = {"details.uid:CNeEdLe1", "zzneedle", "summary:zzneedle"};
    for (size_t k = 0; k < WD_ARRAY_LEN(qs); k++) {
        uint32_t may, rows;
        FAIL_IF(count_by_index(p, qs[k], &may, &rows) != WD_OK);
        printf("# %s: %u of %u blocks read\n", qs[k], may, p->nblocks);
        EXPECT_INT(may, 1); /* every other block skipped by the index */
        EXPECT_INT(rows, 1);
    }
    /* A keyword term is exact: each near-miss matches its own event only, and a prefix of
     * them all matches none. */
    const char *one[] = {"details.uid:cneedle1", "details.uid:CNEEDLE1", "details.uid:xCNeEdLe1y",
                         "details.uid:CNeEdLe12"};
    for (size_t k = 0; k < WD_ARRAY_LEN(one); k++) {
        uint32_t may, rows;
        FAIL_IF(count_by_index(p, one[k], &may, &rows) != WD_OK);
        EXPECT_INT(rows, 1);
    }
    uint32_t may, rows;
    FAIL_IF(count_by_index(p, "details.uid:CNeEdLe", &may, &rows) != WD_OK);
    EXPECT_INT(rows, 0);
    wd_part_unref(p);
    wd_buf_fini(&ev);
    wd_buf_fini(&all);
    rm_dir();
}

/* A value in every block is a key of every block's index: the builder drops repeated keys
 * within a block only. The needle is the last row of a block and the first of the next, so
 * no other key comes between the two. */
static void t_index_every_block(void)
{
    fresh_dir();
    struct wd_buf ev, all;
    wd_buf_init(&ev, 0);
    wd_buf_init(&all, 0);
    uint32_t nb = 4, total = nb * WD_BLOCK_ROWS, nneedle = 2 * (nb - 1);
    gen_events(&ev, total - nneedle, WD_GEN_ZEEK_CONN);
    const char *needle = "{\"summary\":\"zzevery block\",\"details\":{\"uid\":\"CEVERY1\"}}\n";
    size_t pos = 0, len;
    for (uint32_t r = 0; r < total; r++) {
        bool edge =
            r > 0 && r + 1 < total && ((r + 1) % WD_BLOCK_ROWS == 0 || r % WD_BLOCK_ROWS == 0);
        const char *line = edge ? NULL : next_line(&ev, &pos, &len);
        if (edge) {
            wd_buf_append(&all, needle, strlen(needle));
        } else {
            FAIL_UNLESS(line);
            wd_buf_append(&all, line, len);
            wd_buf_putc(&all, '\n');
        }
    }
    struct wd_part *p = build_and_open(&all);
    FAIL_UNLESS(p);
    EXPECT_INT(p->nblocks, nb);
    const char *qs[] = {"details.uid:CEVERY1", "zzevery"};
    for (size_t k = 0; k < WD_ARRAY_LEN(qs); k++) {
        uint32_t may, rows;
        FAIL_IF(count_by_index(p, qs[k], &may, &rows) != WD_OK);
        EXPECT_INT(may, nb);
        EXPECT_INT(rows, nneedle);
    }
    wd_part_unref(p);
    wd_buf_fini(&ev);
    wd_buf_fini(&all);
    rm_dir();
}

/* ---- the live store ---- */

static struct wd_wal *wal_open(const char *wdir)
{
    struct wd_wal_opts o = {wdir, WD_DUR_NONE, 1 << 20, 64 << 20, 100, NULL};
    struct wd_wal *w = NULL;
    char err[256];
    if (wd_wal_open(&o, &w, err, sizeof(err)))
        printf("# wal: %s\n", err);
    return w;
}

static uint64_t submit_lines(struct wd_wal *w, const struct wd_buf *events, uint32_t per_batch)
{
    struct wd_buf pl;
    wd_buf_init(&pl, 0);
    size_t pos = 0, len;
    const char *line;
    uint32_t cnt = 0;
    uint64_t last = 0;
    for (;;) {
        line = next_line(events, &pos, &len);
        if (line) {
            wd_wal_payload_add(&pl, line, len);
            cnt++;
        }
        if ((!line && cnt) || cnt == per_batch) {
            struct wd_wal_req r = {.payload = pl.p, .len = pl.len, .count = cnt};
            WD_BUG_ON(wd_wal_submit(w, &r, true) != WD_OK);
            last = r.first_seq + cnt - 1;
            pl.len = 0;
            cnt = 0;
        }
        if (!line)
            break;
    }
    wd_buf_fini(&pl);
    return last;
}

static struct wd_store *store_open(const char *sdir, const char *wdir, struct wd_wal *w)
{
    struct wd_store_opts o = {
        .dir = sdir, .wal_dir = wdir, .flush_interval_ms = 50, .ingest_threads = 2};
    struct wd_store *st = NULL;
    char err[512];
    if (wd_store_open(&o, w, &st, err, sizeof(err)))
        printf("# store: %s\n", err);
    return st;
}

/* Polls (bounded: 60 s, for sanitizer builds) until the store has indexed `seq`. */
static bool wait_indexed(struct wd_store *st, uint64_t seq)
{
    for (int i = 0; i < 12000; i++) {
        if (wd_store_indexed_seq(st) >= seq)
            return true;
        struct timespec ts = {0, 5 * 1000000};
        nanosleep(&ts, NULL);
    }
    return false;
}

static long long search_total_in(struct wd_store *st, const char *index, const char *qs,
                                 uint32_t limit, struct wd_buf *out)
{
    struct wd_query *q = parse(qs);
    struct wd_search req = {q, INT64_MIN, INT64_MAX, limit, NULL, index};
    struct wd_perr e;
    out->len = 0;
    int rc = wd_store_search(st, &req, out, &e);
    wd_query_free(q);
    if (rc)
        return -1;
    wd_buf_putc(out, '\0');
    const char *t = strstr(out->p, "\"total\":");
    return t ? strtoll(t + 8, NULL, 10) : -2;
}

static long long search_total(struct wd_store *st, const char *qs, uint32_t limit,
                              struct wd_buf *out)
{
    return search_total_in(st, NULL, qs, limit, out);
}

/* A fresh test directory with store/ and wal/ paths (300 bytes each) and the WAL open. */
static struct wd_wal *fresh_store_dirs(char *sdir, char *wdir)
{
    fresh_dir();
    snprintf(sdir, 300, "%s/store", dir);
    snprintf(wdir, 300, "%s/wal", dir);
    return wal_open(wdir);
}

/* A fresh live store (and its WAL in *w) holding n generated events, submitted per_batch to
 * a WAL record and all searchable; ev (initialised here) keeps their lines. NULL on failure. */
static struct wd_store *loaded_store(char *sdir, char *wdir, struct wd_wal **w, struct wd_buf *ev,
                                     uint64_t n, uint32_t per_batch)
{
    wd_buf_init(ev, 0);
    if (!(*w = fresh_store_dirs(sdir, wdir)))
        return NULL;
    struct wd_store *st = store_open(sdir, wdir, *w);
    if (!st)
        return NULL;
    gen_events(ev, n, WD_GEN_ZEEK_MIX);
    if (!wait_indexed(st, submit_lines(*w, ev, per_batch))) {
        wd_store_close(st);
        return NULL;
    }
    return st;
}

static void t_store_live(void)
{
    char sdir[300], wdir[300];
    struct wd_wal *w;
    struct wd_buf ev, out;
    struct wd_store *st = loaded_store(sdir, wdir, &w, &ev, 20000, 500);
    FAIL_IF(!st);
    wd_buf_init(&out, 0);
    EXPECT_INT(search_total(st, "*", 3, &out), 20000);
    /* newest first: ids descend */
    const char *a = strstr(out.p, "\"_id\":\""), *b = a ? strstr(a + 1, "\"_id\":\"") : NULL;
    FAIL_UNLESS(a && b && strtoull(a + 7, NULL, 10) > strtoull(b + 7, NULL, 10));
    FAIL_UNLESS(strstr(out.p, "\"next_cursor\":\""));
    /* pipes over a dictionary-coded column and over a unique (plain-coded) one */
    struct wd_query *pq = parse("* | stats count() by source");
    struct wd_search preq = {pq, INT64_MIN, INT64_MAX, 0, NULL, NULL};
    struct wd_perr perr;
    out.len = 0;
    FAIL_IF(wd_store_search(st, &preq, &out, &perr) != WD_OK);
    wd_buf_putc(&out, '\0');
    FAIL_UNLESS(strstr(out.p, "\"columns\":[\"source\",\"count()\"]"));
    wd_query_free(pq);
    pq = parse("* | top 3 details.uid");
    preq.q = pq;
    out.len = 0;
    FAIL_IF(wd_store_search(st, &preq, &out, &perr) != WD_OK);
    wd_buf_putc(&out, '\0');
    int nrows = 0;
    for (const char *r = strstr(out.p, "\"rows\":"); r && (r = strchr(r + 1, '[')); nrows++)
        ;
    EXPECT_INT(nrows, 4); /* the rows array and its 3 rows */
    wd_query_free(pq);
    /* restart: nothing lost, nothing twice */
    wd_store_close(st);
    st = store_open(sdir, wdir, w);
    FAIL_IF(!st);
    EXPECT_INT(search_total(st, "*", 0, &out), 20000);
    FAIL_UNLESS(wait_indexed(st, submit_lines(w, &ev, 1000)));
    EXPECT_INT(search_total(st, "*", 0, &out), 40000);
    wd_store_close(st);
    wd_wal_close(w);
    wd_buf_fini(&ev);
    wd_buf_fini(&out);
    rm_dir();
}

/* The chunk cache's hits and misses since the last call. */
static void cache_delta(uint64_t *hits, uint64_t *misses)
{
    static uint64_t h0, m0;
    uint64_t h, m, bytes;
    wd_store_cache_stats(&h, &m, &bytes);
    *hits = h - h0;
    *misses = m - m0;
    h0 = h;
    m0 = m;
}

/* The chunk cache's counters (/metrics): a search run again within the budget finds every
 * chunk it read the first time (hits, no misses); with no budget nothing stays, every run
 * reads its chunks again, and the cache holds no bytes between searches. */
static void t_cache_counters(void)
{
    char sdir[300], wdir[300];
    struct wd_wal *w;
    struct wd_buf ev, out;
    struct wd_store *st = loaded_store(sdir, wdir, &w, &ev, 60000, 2000);
    FAIL_IF(!st);
    wd_buf_init(&out, 0);
    /* read-only from here: no merge replaces parts (and their chunks) between runs */
    wd_store_close(st);
    struct wd_store_opts ro = {.dir = sdir};
    char err[512];
    st = NULL;
    FAIL_IF(wd_store_open(&ro, NULL, &st, err, sizeof(err)));
    size_t saved = wd_store_cache_bytes;
    const char *q = "summary:query OR summary:ssl";
    uint64_t hits, misses, bytes;
    wd_store_cache_bytes = 0;
    cache_delta(&hits, &misses); /* from here on */
    long long want = search_total(st, q, 0, &out);
    FAIL_UNLESS(want > 0);
    cache_delta(&hits, &misses);
    EXPECT_INT(hits, 0);
    uint64_t chunks = misses;
    FAIL_UNLESS(chunks >= 4);
    for (int run = 0; run < 2; run++) {
        EXPECT_INT(search_total(st, q, 0, &out), want);
        cache_delta(&hits, &misses);
        EXPECT_INT(hits, 0);
        EXPECT_INT(misses, chunks);
        wd_store_cache_stats(&hits, &misses, &bytes);
        EXPECT_INT(bytes, 0);
    }
    wd_store_cache_bytes = (size_t)1 << 30;
    EXPECT_INT(search_total(st, q, 0, &out), want);
    cache_delta(&hits, &misses);
    EXPECT_INT(misses, chunks);
    wd_store_cache_stats(&hits, &misses, &bytes);
    FAIL_UNLESS(bytes > 0);
    for (int run = 0; run < 2; run++) {
        EXPECT_INT(search_total(st, q, 0, &out), want);
        cache_delta(&hits, &misses);
        EXPECT_INT(hits, chunks);
        EXPECT_INT(misses, 0);
    }
    /* A scan of twice the budget, run again and again: least recently used eviction drops
     * each chunk just before the next run reads it (never a hit); a search evicts no chunk
     * it has used itself, so the next runs find those it read first. */
    wd_store_cache_stats(&hits, &misses, &bytes);
    size_t all = (size_t)bytes;
    int threads = wd_store_search_threads;
    wd_store_search_threads = 1; /* one order of reads */
    wd_store_cache_bytes = 0;
    EXPECT_INT(search_total(st, q, 0, &out), want); /* empties the cache */
    wd_store_cache_stats(&hits, &misses, &bytes);
    EXPECT_INT(bytes, 0);
    wd_store_cache_bytes = all / 2;
    cache_delta(&hits, &misses);
    EXPECT_INT(search_total(st, q, 0, &out), want);
    cache_delta(&hits, &misses);
    EXPECT_INT(misses, chunks);
    for (int run = 0; run < 3; run++) {
        EXPECT_INT(search_total(st, q, 0, &out), want);
        cache_delta(&hits, &misses);
        FAIL_UNLESS(hits >= chunks / 4 && hits < chunks && hits + misses == chunks);
        wd_store_cache_stats(&hits, &misses, &bytes);
        FAIL_UNLESS(bytes <= all / 2);
    }
    wd_store_search_threads = threads;
    wd_store_cache_bytes = saved;
    wd_store_close(st);
    wd_wal_close(w);
    wd_buf_fini(&ev);
    wd_buf_fini(&out);
    rm_dir();
}

/* The ring of batches with 1 and 3 shredding threads (more than the cores here): events
 * submitted in odd-sized WAL batches over three day partitions are each searchable
 * exactly once, before and after a restart, and each thread's rows stay in id order. */
static void t_ring_workers(void)
{
    for (uint32_t threads = 1; threads <= 3; threads += 2) {
        char sdir[300], wdir[300];
        struct wd_wal *w = fresh_store_dirs(sdir, wdir);
        FAIL_IF(!w);
        struct wd_store_opts o = {
            .dir = sdir, .wal_dir = wdir, .flush_interval_ms = 20, .ingest_threads = threads};
        struct wd_store *st = NULL;
        char err[512];
        FAIL_IF(wd_store_open(&o, w, &st, err, sizeof(err)) != WD_OK);
        enum { N = 25000 };
        struct wd_buf ev, out;
        wd_buf_init(&ev, 0);
        wd_buf_init(&out, 0);
        for (int i = 0; i < N; i++)
            wd_buf_printf(&ev,
                          "{\"utctimestamp\":\"2026-01-0%dT10:00:00+00:00\",\"n\":%d,"
                          "\"summary\":\"event %d\"}\n",
                          1 + i % 3, i, i);
        uint64_t last = submit_lines(w, &ev, 137);
        FAIL_UNLESS(wait_indexed(st, last));
        for (int pass = 0; pass < 2; pass++) {
            EXPECT_INT(search_total(st, "*", 0, &out), N);
            EXPECT_INT(search_total(st,
                                    "utctimestamp:[2026-01-02T00:00:00Z TO 2026-01-02T23:59:59Z]",
                                    0, &out),
                       N / 3);
            for (int k = 0; k < 200; k++) {
                char q[32];
                snprintf(q, sizeof(q), "n:%d", (k * 7919) % N);
                if (search_total(st, q, 0, &out) != 1) {
                    printf("FAIL store_ring_workers: %u threads, %s: %lld hits\n", threads, q,
                           search_total(st, q, 0, &out));
                    wd_test_failed_ = 1;
                    return;
                }
            }
            /* one day's events share a time: newest first is by id, descending */
            long long total =
                search_total(st, "utctimestamp:[2026-01-03T00:00:00Z TO *]", 50, &out);
            FAIL_UNLESS(total == N / 3);
            unsigned long long prev = ULLONG_MAX;
            int seen = 0;
            for (const char *a = strstr(out.p, "\"_id\":\""); a; a = strstr(a + 1, "\"_id\":\"")) {
                unsigned long long id = strtoull(a + 7, NULL, 10);
                FAIL_UNLESS(id < prev);
                prev = id;
                seen++;
            }
            EXPECT_INT(seen, 50);
            wd_store_close(st); /* restart: nothing lost, nothing twice */
            st = NULL;
            FAIL_IF(wd_store_open(&o, w, &st, err, sizeof(err)) != WD_OK);
        }
        wd_store_close(st);
        wd_wal_close(w);
        wd_buf_fini(&ev);
        wd_buf_fini(&out);
        rm_dir();
    }
}

/* The reference for wd_ci_find: byte by byte, the first high byte or match start (-1). */
static long ci_find_ref(const char *s, size_t n, const char *t, size_t tl)
{
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] >= 0x80)
            return (long)i;
        size_t j = 0;
        while (j < tl && i + j < n &&
               (s[i + j] == t[j] || (t[j] >= 'a' && t[j] <= 'z' && s[i + j] == t[j] - 32)))
            j++;
        if (j == tl)
            return (long)i;
    }
    return -1;
}

/* The vectorised text search (32 bytes a step with AVX2, then 16, then byte by byte) agrees
 * with the byte-by-byte reference (same first place) on random text built from near-misses:
 * both cases, bytes that equal a letter OR 0x20 ('@', '`', '['), a byte >= 0x80, at every
 * offset around the 32- and 16-byte steps and the tail. */
static void t_ci_prefilter(void)
{
    static const char alpha[] = "aAmMxXyY @`[{0p\x80";
    uint64_t x = 0x9E3779B97F4A7C15ull;
    char s[200], t[6];
    int hits = 0, checks = 0, high = 0;
    for (int k = 0; k < 300000; k++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t n = x % 190, tl = 1 + (x >> 8) % 4;
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            /* the high byte (the last of alpha) is rare, so most strings are decided by
             * the search */
            s[i] = alpha[(x >> 4) % (sizeof(alpha) - (x % 16 ? 2 : 1))];
        }
        for (size_t j = 0; j < tl; j++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            t[j] = "amxy0p@"[x % 7];
        }
        long want = ci_find_ref(s, n, t, tl);
        const char *at = wd_ci_find(s, n, (struct wd_str){t, tl});
        long got = at ? (long)(at - s) : -1;
        bool may = wd_ci_may_contain(s, n, (struct wd_str){t, tl});
        checks++;
        hits += want >= 0;
        high += want >= 32 && (unsigned char)s[want] >= 0x80;
        if (want != got || may != (want >= 0)) {
            printf("FAIL %s: [%.*s] token [%.*s]: at %ld (%d), want %ld\n", wd_test_name_, (int)n,
                   s, (int)tl, t, got, may, want);
            wd_test_failed_ = 1;
            return;
        }
    }
    FAIL_UNLESS(hits > checks / 10 && hits < checks - checks / 10);
    FAIL_UNLESS(high > checks / 20); /* answers that are a high byte, past a 32-byte step too */
}

static const char *pipe_out(struct wd_store *st, const char *qs, int64_t from, int64_t to,
                            struct wd_buf *out);

/* Drops the digits of "took_ms" (they differ between runs) from a NUL-terminated answer. */
static void untook(char *s)
{
    char *t = strstr(s, "\"took_ms\":");
    if (!t)
        return;
    t += 10;
    size_t d = strspn(t, "0123456789");
    memmove(t, t + d, strlen(t + d) + 1);
}

/* Checks `* | stats count() by FIELD`: each group's count is the hits total of a search
 * for its value (`NOT _exists_:FIELD` for the null group, *missing says whether there is
 * one), and the counts add up to nev. Returns the number of groups, or -1. */
static int checked_count_by(struct wd_store *st, const char *field, long long nev,
                            struct wd_buf *out, struct wd_buf *scratch, bool *missing)
{
    char q[256];
    snprintf(q, sizeof(q), "* | stats count() by %s", field);
    const char *tab = pipe_out(st, q, INT64_MIN, INT64_MAX, out);
    const char *r = tab ? strstr(tab, "\"rows\":[") : NULL;
    if (!r)
        return -1;
    long long sum = 0;
    int groups = 0;
    *missing = false;
    for (r += 8; *r == '[' || *r == ','; groups++) {
        r += *r == ',' ? 2 : 1; /* past "[" or ",[" */
        const char *v = r, *end = *r == '"' ? strchr(r + 1, '"') + 1 : strchr(r, ',');
        if (!strncmp(v, "null,", 5)) {
            snprintf(q, sizeof(q), "NOT _exists_:%s", field);
            *missing = true;
        } else {
            snprintf(q, sizeof(q), "%s:%.*s", field, (int)(end - v), v);
        }
        char *after;
        long long c = strtoll(end + 1, &after, 10);
        long long want = search_total(st, q, 0, scratch);
        if (c != want || *after != ']') {
            fprintf(stderr, "  count by %s: %s: %lld, a search finds %lld\n", field, q, c, want);
            return -1;
        }
        sum += c;
        r = after + 1;
    }
    if (sum != nev) {
        fprintf(stderr, "  count by %s: the groups add up to %lld of %lld\n", field, sum, nev);
        return -1;
    }
    return groups;
}

/* A search answers the same with 1, 2 and 5 threads: hits with limits and cursors, counts,
 * pipes (stats, top, timechart, head), time ranges; over a store of many blocks. */
static void t_parallel_search(void)
{
    char sdir[300], wdir[300];
    struct wd_wal *w;
    struct wd_buf ev, out[3];
    /* more events than 8 full blocks: at least 9 blocks however the parts merge */
    struct wd_store *st = loaded_store(sdir, wdir, &w, &ev, 8 * WD_BLOCK_ROWS + 9000, 2000);
    FAIL_IF(!st);
    for (int i = 0; i < 3; i++)
        wd_buf_init(&out[i], 0);
    size_t n;
    struct wd_part **v = wd_store_snapshot(st, &n);
    uint32_t nblocks = 0;
    for (size_t i = 0; i < n; i++)
        nblocks += v[i]->nblocks;
    wd_store_snapshot_free(v, n);
    FAIL_UNLESS(nblocks >= 8); /* enough blocks for the workers to run ahead */
    static const struct {
        const char *q;
        uint32_t limit;
        bool ranged;
    } qs[] = {
        {"details.proto:tcp", 50, false},
        {"summary:dns", 0, false},
        {"summary:\"A type\" OR category:bro", 7, true},
        {"* | stats count() by source", 0, false},
        {"details.proto:udp | top 5 details.sourceipaddress", 0, true},
        {"* | top 5 details.sourceipaddress", 0, false},
        {"* | stats count(), sum(details.destinationport) by details.destinationport", 0, false},
        {"* | head 5000 | stats count() by details.sourceipaddress", 0, false},
        {"* | timechart 1m count()", 0, true},
        {"_exists_:details.uid | timechart 5m count() by source", 0, false},
        {"details.proto:tcp | stats count(), dc(details.sourceipaddress) by "
         "details.destinationport "
         "| sort -count() | head 3",
         0, false},
        {"* | head 10", 0, false},
        {"*", 20, true},
    };
    int64_t from = 1764547200000000LL + 60000000LL, to = from + 30 * 60000000LL;
    for (size_t i = 0; i < WD_ARRAY_LEN(qs); i++) {
        static const int threads[3] = {1, 2, 5};
        for (int t = 0; t < 3; t++) {
            wd_store_search_threads = threads[t];
            struct wd_query *q = parse(qs[i].q);
            struct wd_search req = {q,
                                    qs[i].ranged ? from : INT64_MIN,
                                    qs[i].ranged ? to : INT64_MAX,
                                    qs[i].limit,
                                    NULL,
                                    NULL};
            struct wd_perr e;
            out[t].len = 0;
            FAIL_IF(wd_store_search(st, &req, &out[t], &e) != WD_OK);
            wd_query_free(q);
            wd_buf_putc(&out[t], '\0');
            untook(out[t].p);
        }
        EXPECT_STR(out[1].p, out[0].p);
        EXPECT_STR(out[2].p, out[0].p);
        FAIL_UNLESS(strstr(out[0].p, "\"total\":0,") == NULL); /* every query finds rows */
    }
    /* the per-dictionary-code counts of a count-by add up to every event, per value as a
     * hits count says: few strings in every row (source), thousands of addresses that
     * some rows lack (the worker threads sum those per value), integers */
    wd_store_search_threads = 2;
    long long nev = 8 * WD_BLOCK_ROWS + 9000;
    bool missing;
    FAIL_UNLESS(checked_count_by(st, "source", nev, &out[0], &out[1], &missing) >= 3);
    FAIL_UNLESS(!missing);
    FAIL_UNLESS(checked_count_by(st, "details.sourceipaddress", nev, &out[0], &out[1], &missing) >
                100);
    FAIL_UNLESS(missing);
    FAIL_UNLESS(checked_count_by(st, "details.destinationport", nev, &out[0], &out[1], &missing) >
                10);
    /* a count (limit 0, no ids or times loaded) equals the total of a hits search */
    for (int t = 0; t < 2; t++) {
        wd_store_search_threads = t ? 2 : 1;
        long long n0 = search_total(st, "summary:dns OR details.proto:tcp", 0, &out[0]);
        long long n5 = search_total(st, "summary:dns OR details.proto:tcp", 5, &out[1]);
        FAIL_UNLESS(n0 > 1000 && n0 == n5);
    }
    /* paging with a cursor across threads: the second page is the same */
    wd_store_search_threads = 2;
    struct wd_query *q = parse("details.proto:tcp");
    struct wd_search req = {q, INT64_MIN, INT64_MAX, 100, NULL, NULL};
    struct wd_perr e;
    out[0].len = 0;
    FAIL_IF(wd_store_search(st, &req, &out[0], &e) != WD_OK);
    wd_buf_putc(&out[0], '\0');
    const char *nc = strstr(out[0].p, "\"next_cursor\":\"");
    FAIL_UNLESS(nc);
    char cur[64];
    snprintf(cur, sizeof(cur), "%.*s", (int)strcspn(nc + 15, "\""), nc + 15);
    req.cursor = cur;
    for (int t = 0; t < 2; t++) {
        wd_store_search_threads = t ? 2 : 1;
        out[t + 1].len = 0;
        FAIL_IF(wd_store_search(st, &req, &out[t + 1], &e) != WD_OK);
        wd_buf_putc(&out[t + 1], '\0');
        untook(out[t + 1].p);
    }
    EXPECT_STR(out[2].p, out[1].p);
    wd_query_free(q);
    wd_store_search_threads = 2;
    wd_store_close(st);
    wd_wal_close(w);
    wd_buf_fini(&ev);
    for (int i = 0; i < 3; i++)
        wd_buf_fini(&out[i]);
    rm_dir();
}

/* Runs a pipe query; returns its output (NUL-terminated in out) or NULL. */
static const char *pipe_out(struct wd_store *st, const char *qs, int64_t from, int64_t to,
                            struct wd_buf *out)
{
    struct wd_query *q = parse(qs);
    struct wd_search req = {q, from, to, 0, NULL, NULL};
    struct wd_perr e;
    out->len = 0;
    int rc = wd_store_search(st, &req, out, &e);
    wd_query_free(q);
    if (rc)
        return NULL;
    wd_buf_putc(out, '\0');
    /* took_ms differs between runs: compare from the columns on */
    const char *c = strstr(out->p, "\"columns\"");
    return c ? c : out->p;
}

/* A field-less timechart of every event counts blocks that sit in one bucket from the
 * block directory alone; its answer equals the row-by-row one (a filter that matches every
 * event forces that path) and a brute-force count, with whole and partial time ranges. */
static void t_timechart_blocks(void)
{
    char sdir[300], wdir[300];
    struct wd_wal *w = fresh_store_dirs(sdir, wdir);
    FAIL_IF(!w);
    struct wd_store *st = store_open(sdir, wdir, w);
    FAIL_IF(!st);
    struct wd_buf ev, out, out2;
    wd_buf_init(&ev, 0);
    wd_buf_init(&out, 0);
    wd_buf_init(&out2, 0);
    /* 50,000 events 0.37 s apart from 2025-12-01T00:00:00: about 5 hours, blocks and
     * flushes straddle hour boundaries at various offsets */
    const uint32_t n = 50000;
    const int64_t base = 1764547200000000LL, step = 370000;
    static uint64_t want[8];
    for (uint32_t i = 0; i < n; i++) {
        int64_t t = base + (int64_t)i * step;
        time_t secs = (time_t)(t / 1000000);
        struct tm tm;
        gmtime_r(&secs, &tm);
        char ts[40];
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
        wd_buf_printf(&ev, "{\"utctimestamp\":\"%s.%06d+00:00\",\"summary\":\"e%u\",\"n\":%u}\n",
                      ts, (int)(t % 1000000), i, i % 7);
        want[(t - base) / 3600000000LL]++;
    }
    uint64_t last = submit_lines(w, &ev, 700);
    FAIL_UNLESS(wait_indexed(st, last));
    const char *a = pipe_out(st, "* | timechart 1h count()", INT64_MIN, INT64_MAX, &out);
    const char *b = pipe_out(st, "_exists_:n | timechart 1h count()", INT64_MIN, INT64_MAX, &out2);
    FAIL_UNLESS(a && b);
    EXPECT_STR(a, b);
    for (int h = 0; h < 6; h++) {
        char cell[96];
        snprintf(cell, sizeof(cell), "[\"2025-12-01T%02d:00:00Z\",%llu]", h,
                 (unsigned long long)want[h]);
        if (want[h] && !strstr(a, cell)) {
            printf("FAIL %s: no %s in %s\n", wd_test_name_, cell, a);
            wd_test_failed_ = 1;
        }
    }
    /* a range cutting blocks: the edge blocks go row by row, the others do not */
    int64_t from = base + 1800000000LL + 123456, to = base + 4 * 3600000000LL - 777;
    a = pipe_out(st, "* | timechart 30m count()", from, to, &out);
    b = pipe_out(st, "_exists_:n | timechart 30m count()", from, to, &out2);
    FAIL_UNLESS(a && b);
    EXPECT_STR(a, b);
    uint64_t inrange = 0;
    for (uint32_t i = 0; i < n; i++) {
        int64_t t = base + (int64_t)i * step;
        inrange += t >= from && t <= to;
    }
    uint64_t sum = 0;
    for (const char *r = strstr(a, "Z\","); r; r = strstr(r + 1, "Z\","))
        sum += strtoull(r + 3, NULL, 10);
    EXPECT_INT(sum, inrange);
    wd_store_close(st);
    wd_wal_close(w);
    wd_buf_fini(&ev);
    wd_buf_fini(&out);
    wd_buf_fini(&out2);
    rm_dir();
}

/* Pages through every hit with next_cursor: each id once, total pages as expected. */
static void t_cursor_paging(void)
{
    char sdir[300], wdir[300];
    struct wd_wal *w = fresh_store_dirs(sdir, wdir);
    struct wd_store *st = store_open(sdir, wdir, w);
    FAIL_IF(!w || !st);
    struct wd_buf ev, out;
    wd_buf_init(&ev, 0);
    wd_buf_init(&out, 0);
    gen_events(&ev, 2500, WD_GEN_ZEEK_CONN);
    uint64_t last = submit_lines(w, &ev, 300);
    FAIL_UNLESS(wait_indexed(st, last));
    static bool seen[2600];
    char cursor[64] = "";
    int pages = 0, hits = 0;
    struct wd_query *q = parse("*");
    for (;;) {
        struct wd_search req = {q, INT64_MIN, INT64_MAX, 1000, cursor[0] ? cursor : NULL, NULL};
        struct wd_perr e;
        out.len = 0;
        FAIL_IF(wd_store_search(st, &req, &out, &e) != WD_OK);
        wd_buf_putc(&out, '\0');
        pages++;
        for (const char *p = strstr(out.p, "\"_id\":\""); p; p = strstr(p + 1, "\"_id\":\"")) {
            unsigned long long id = strtoull(p + 7, NULL, 10);
            FAIL_IF(id == 0 || id > 2500 || seen[id]);
            seen[id] = true;
            hits++;
        }
        const char *c = strstr(out.p, "\"next_cursor\":\"");
        if (!c)
            break;
        c += 15;
        size_t n = strcspn(c, "\"");
        FAIL_IF(n >= sizeof(cursor) || pages > 10);
        memcpy(cursor, c, n);
        cursor[n] = '\0';
    }
    EXPECT_INT(hits, 2500);
    EXPECT_INT(pages, 3);
    struct wd_search bad = {q, INT64_MIN, INT64_MAX, 10, "nonsense", NULL};
    struct wd_perr e;
    EXPECT_INT(wd_store_search(st, &bad, &out, &e), WD_EINVAL);
    wd_query_free(q);
    wd_store_close(st);
    wd_wal_close(w);
    wd_buf_fini(&ev);
    wd_buf_fini(&out);
    rm_dir();
}

static void touch(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    WD_BUG_ON(!f);
    fputs(text, f);
    fclose(f);
}

static bool exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* Start-up recovery: .tmp leftovers, parts after the checkpoint, parts covered by a
 * merged part are removed; a corrupt part is reported and skipped, the rest stays. */
static void t_recovery_rules(void)
{
    char sdir[300], wdir[300], pdir[400], path[500];
    struct wd_wal *w = fresh_store_dirs(sdir, wdir);
    struct wd_store *st = store_open(sdir, wdir, w);
    FAIL_IF(!w || !st);
    struct wd_buf ev, out;
    wd_buf_init(&ev, 0);
    wd_buf_init(&out, 0);
    gen_events(&ev, 3000, WD_GEN_ZEEK_DNS);
    uint64_t last = submit_lines(w, &ev, 1000);
    FAIL_UNLESS(wait_indexed(st, last));
    wd_store_close(st);
    snprintf(pdir, sizeof(pdir), "%s/events-20251201", sdir);
    /* leftovers of a crash */
    snprintf(path, sizeof(path), "%s/p-0000000000000bb9.tmp", pdir);
    touch(path, "half a part");
    char after[500];
    snprintf(after, sizeof(after), "%s/p-0000000000000bb9-0000000000000bb9-0000.wdp", pdir);
    touch(after, "published, but the checkpoint never moved");
    st = store_open(sdir, wdir, w);
    FAIL_IF(!st);
    FAIL_IF(exists(path) || exists(after));
    EXPECT_INT(search_total(st, "*", 0, &out), 3000);
    /* merge everything into one part; then fake a crash that left the inputs behind */
    size_t n;
    struct wd_part **v = wd_store_snapshot(st, &n);
    FAIL_UNLESS(n >= 1);
    char keep[500];
    snprintf(keep, sizeof(keep), "%s", v[0]->path);
    char copy[1100];
    snprintf(copy, sizeof(copy), "cp '%s' '%s.save'", keep, keep);
    FAIL_IF(system(copy) != 0);
    if (n >= 2)
        FAIL_IF(wd_store_merge_parts(st, v, n) != WD_OK);
    wd_store_snapshot_free(v, n);
    EXPECT_INT(search_total(st, "*", 0, &out), 3000);
    wd_store_close(st);
    snprintf(copy, sizeof(copy), "mv '%s.save' '%s'", keep, keep);
    FAIL_IF(system(copy) != 0);
    st = store_open(sdir, wdir, w);
    FAIL_IF(!st);
    EXPECT_INT(search_total(st, "*", 0, &out), 3000); /* not counted twice */
    wd_store_close(st);
    /* corrupt one byte of a chunk: reported, the other partitions' data stays */
    v = NULL;
    st = store_open(sdir, wdir, w);
    v = wd_store_snapshot(st, &n);
    FAIL_UNLESS(n == 1);
    snprintf(path, sizeof(path), "%s", v[0]->path);
    uint64_t off = v[0]->blocks[0].chunks[3].off;
    wd_store_snapshot_free(v, n);
    wd_store_close(st);
    int fd = open(path, O_RDWR);
    FAIL_IF(fd < 0);
    unsigned char byte;
    FAIL_IF(pread(fd, &byte, 1, (off_t)off) != 1);
    byte ^= 0x5a;
    FAIL_IF(pwrite(fd, &byte, 1, (off_t)off) != 1);
    close(fd);
    struct wd_part *p;
    char err[512];
    FAIL_IF(wd_part_open(path, &p, err, sizeof(err)) != WD_OK); /* footer is intact */
    EXPECT_INT(wd_part_check(p, NULL), 1);
    wd_part_unref(p);
    st = store_open(sdir, wdir, w);
    FAIL_IF(!st);
    /* a search touching the bad chunk skips that block instead of failing */
    FAIL_IF(search_total(st, "details.nosuchfield:x", 5, &out) != 0);
    FAIL_IF(search_total(st, "*", 5, &out) < 0);
    wd_store_close(st);
    wd_wal_close(w);
    wd_buf_fini(&ev);
    wd_buf_fini(&out);
    rm_dir();
}

/* ---- fault injection ---- */

static int fault_after; /* fail the Nth write (write faults) or fsync */
static int fault_errno;
static int fault_calls;
static bool fault_fsync;

static ssize_t bad_write(int fd, const void *p, size_t n)
{
    if (!fault_fsync && ++fault_calls == fault_after) {
        errno = fault_errno;
        return -1;
    }
    return write(fd, p, n);
}

static int bad_fsync(int fd)
{
    if (fault_fsync && ++fault_calls == fault_after) {
        errno = fault_errno;
        return -1;
    }
    return fsync(fd);
}

static const struct wd_store_io bad_io = {bad_write, bad_fsync, rename};

/* Has the store's I/O fail its nth write (or fsync, fsync_ set) with err. */
static void fault_arm(bool fsync_, int nth, int err)
{
    fault_fsync = fsync_;
    fault_after = nth;
    fault_errno = err;
    fault_calls = 0;
    __atomic_store_n(&wd_store_io, &bad_io, __ATOMIC_SEQ_CST);
}

/* Polls (bounded: 30 s) until the armed fault has struck; whether it has. */
static bool fault_struck(void)
{
    for (int k = 0; k < 6000 && fault_calls < fault_after; k++) {
        struct timespec ts = {0, 5 * 1000000};
        nanosleep(&ts, NULL);
    }
    return fault_calls >= fault_after;
}

static void t_faults(void)
{
    char sdir[300], wdir[300];
    struct wd_wal *w = fresh_store_dirs(sdir, wdir);
    struct wd_store *st = store_open(sdir, wdir, w);
    FAIL_IF(!w || !st);
    struct wd_buf ev, out;
    wd_buf_init(&ev, 0);
    wd_buf_init(&out, 0);
    gen_events(&ev, 1000, WD_GEN_ZEEK_CONN);
    uint64_t last = submit_lines(w, &ev, 500);
    FAIL_UNLESS(wait_indexed(st, last));
    uint64_t total = 1000;
    struct {
        bool fsync;
        int nth, err;
    } cases[] = {{false, 1, ENOSPC}, {false, 3, EIO}, {false, 6, ENOSPC},
                 {true, 1, EIO},     {true, 2, EIO},  {true, 3, ENOSPC}};
    for (size_t i = 0; i < WD_ARRAY_LEN(cases); i++) {
        fault_arm(cases[i].fsync, cases[i].nth, cases[i].err);
        last = submit_lines(w, &ev, 1000);
        total += 1000;
        /* the failed flush is retried from the checkpoint once the fault is gone */
        FAIL_UNLESS(fault_struck());
        /* readable during the fault */
        FAIL_IF(search_total(st, "*", 1, &out) < (long long)(total - 1000));
        __atomic_store_n(&wd_store_io, &wd_store_io_posix, __ATOMIC_SEQ_CST);
        FAIL_UNLESS(wait_indexed(st, last));
        EXPECT_INT(search_total(st, "*", 0, &out), (long long)total);
    }
    /* nothing half-written is left behind, and a restart counts the same */
    wd_store_close(st);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "find '%s' -name '*.tmp' | grep -q .", dir);
    FAIL_IF(system(cmd) == 0);
    st = store_open(sdir, wdir, w);
    EXPECT_INT(search_total(st, "*", 0, &out), (long long)total);
    wd_store_close(st);
    wd_wal_close(w);
    wd_buf_fini(&ev);
    wd_buf_fini(&out);
    rm_dir();
}

/* A failed flush is counted for /metrics, with the events it made the store read again;
 * the next flush publishes them. (Few parts: no merge takes the fault instead.) */
static void t_flush_failure_counted(void)
{
    char sdir[300], wdir[300];
    struct wd_wal *w;
    struct wd_buf ev, out;
    struct wd_store *st = loaded_store(sdir, wdir, &w, &ev, 1000, 1000);
    FAIL_IF(!st);
    wd_buf_init(&out, 0);
    struct wd_store_flush_stats fst;
    wd_store_flush_stats(st, &fst);
    EXPECT_INT((long long)fst.failures, 0);
    EXPECT_INT((long long)fst.flushes >= 1, 1);
    uint64_t flushes = fst.flushes;
    fault_arm(true, 1, EIO);
    uint64_t last = submit_lines(w, &ev, 1000);
    FAIL_UNLESS(fault_struck());
    __atomic_store_n(&wd_store_io, &wd_store_io_posix, __ATOMIC_SEQ_CST);
    FAIL_UNLESS(wait_indexed(st, last));
    wd_store_flush_stats(st, &fst);
    EXPECT_INT((long long)fst.failures, 1);
    EXPECT_INT((long long)fst.reread, 1000);
    EXPECT_INT((long long)fst.flushes, (long long)flushes + 1);
    EXPECT_INT((long long)fst.unpublished, 0);
    EXPECT_INT(search_total(st, "*", 0, &out), 2000);
    wd_store_close(st);
    wd_wal_close(w);
    wd_buf_fini(&ev);
    wd_buf_fini(&out);
    rm_dir();
}

/* A backlog (the store starts behind the log, as after an outage) is published in flushes
 * that each wait 8 intervals (400 ms here) while the reader is behind, not one per 50 ms
 * interval: fewer, bigger parts to finish and merge. */
static void t_flush_behind(void)
{
    char sdir[300], wdir[300];
    struct wd_wal *w = fresh_store_dirs(sdir, wdir);
    FAIL_IF(!w);
    struct wd_buf ev, out;
    wd_buf_init(&ev, 0);
    wd_buf_init(&out, 0);
    gen_events(&ev, 60000, WD_GEN_ZEEK_MIX);
    uint64_t last = submit_lines(w, &ev, 5000);
    int64_t t0 = wd_mono_ns();
    struct wd_store *st = store_open(sdir, wdir, w);
    FAIL_IF(!st);
    FAIL_UNLESS(wait_indexed(st, last));
    int64_t ms = (wd_mono_ns() - t0) / 1000000;
    struct wd_store_flush_stats fst;
    wd_store_flush_stats(st, &fst);
    printf("# 60000 events behind: %llu flushes in %lld ms\n", (unsigned long long)fst.flushes,
           (long long)ms);
    /* every flush but the last (once caught up) waited 400 ms */
    EXPECT_INT(fst.flushes >= 1 && (int64_t)fst.flushes <= ms / 400 + 1, 1);
    EXPECT_INT(search_total(st, "*", 0, &out), 60000);
    wd_store_close(st);
    wd_wal_close(w);
    wd_buf_fini(&ev);
    wd_buf_fini(&out);
    rm_dir();
}

/* Events on several days, one store with retention by age, one by size. */
static void day_events_as(struct wd_buf *ev, int days_ago, int n, bool diverted)
{
    int64_t day = 86400LL * 1000000, t = wd_now_us() - (int64_t)days_ago * day;
    char iso[WD_TIME_ISO_MAX];
    wd_time_iso(t, iso);
    for (int i = 0; i < n; i++)
        wd_buf_printf(ev, "{\"utctimestamp\":\"%s\",\"summary\":\"day %d event %d\"%s}\n", iso,
                      days_ago, i, diverted ? ",\"diverted\":true" : "");
}

static void day_events(struct wd_buf *ev, int days_ago, int n)
{
    day_events_as(ev, days_ago, n, false);
}

static bool wait_parts(struct wd_store *st, size_t want_max)
{
    for (int i = 0; i < 1000; i++) {
        size_t n;
        struct wd_part **v = wd_store_snapshot(st, &n);
        wd_store_snapshot_free(v, n);
        if (n <= want_max)
            return true;
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
    return false;
}

static void t_retention(void)
{
    char sdir[300], wdir[300];
    struct wd_wal *w = fresh_store_dirs(sdir, wdir);
    FAIL_IF(!w);
    struct wd_store_opts o = {
        .dir = sdir, .wal_dir = wdir, .flush_interval_ms = 20, .retention_days = 2};
    struct wd_store *st = NULL;
    char err[512];
    FAIL_IF(wd_store_open(&o, w, &st, err, sizeof(err)));
    struct wd_buf ev, out;
    wd_buf_init(&ev, 0);
    wd_buf_init(&out, 0);
    day_events(&ev, 0, 10);
    day_events(&ev, 1, 20);
    day_events(&ev, 3, 30);  /* past the limit */
    day_events(&ev, 10, 40); /* far past: every old partition goes, not only day N */
    uint64_t last = submit_lines(w, &ev, 100);
    FAIL_UNLESS(wait_indexed(st, last));
    /* today's and yesterday's partitions stay; the maintenance thread drops the rest, from
     * the search and from the disk */
    char p3[400], p10[400];
    struct wd_civil c;
    wd_time_to_civil(wd_now_us() - 3 * 86400LL * 1000000, &c);
    snprintf(p3, sizeof(p3), "%s/events-%04d%02d%02d", sdir, (int)c.year, c.month, c.day);
    wd_time_to_civil(wd_now_us() - 10 * 86400LL * 1000000, &c);
    snprintf(p10, sizeof(p10), "%s/events-%04d%02d%02d", sdir, (int)c.year, c.month, c.day);
    bool gone = false;
    for (int i = 0; i < 1000 && !gone; i++) {
        gone = !exists(p3) && !exists(p10) && search_total(st, "*", 0, &out) == 30;
        struct timespec ts = {0, 10 * 1000000};
        if (!gone)
            nanosleep(&ts, NULL);
    }
    FAIL_UNLESS(gone);
    EXPECT_INT(search_total(st, "*", 0, &out), 30);
    wd_store_close(st);
    /* by size: a limit below two partitions' worth keeps only the newest */
    o.retention_days = 0;
    o.retention_bytes = 1;
    FAIL_IF(wd_store_open(&o, w, &st, err, sizeof(err)));
    FAIL_UNLESS(wait_parts(st, 0));
    EXPECT_INT(search_total(st, "*", 0, &out), 0);
    wd_store_close(st);
    wd_wal_close(w);
    wd_buf_fini(&ev);
    wd_buf_fini(&out);
    rm_dir();
}

/* Diverted events (a filter's noise stream) live in divert-YYYYMMDD partitions with their
 * own retention, searchable with index divert and not in the events index. */
static void t_divert_partitions(void)
{
    char sdir[300], wdir[300];
    struct wd_wal *w = fresh_store_dirs(sdir, wdir);
    FAIL_IF(!w);
    struct wd_store_opts o = {.dir = sdir,
                              .wal_dir = wdir,
                              .flush_interval_ms = 20,
                              .retention_days = 0,
                              .divert_retention_days = 2};
    struct wd_store *st = NULL;
    char err[512];
    FAIL_IF(wd_store_open(&o, w, &st, err, sizeof(err)));
    struct wd_buf ev, out;
    wd_buf_init(&ev, 0);
    wd_buf_init(&out, 0);
    day_events(&ev, 3, 5);           /* kept: events are kept forever here */
    day_events_as(&ev, 0, 7, true);  /* noise of today: kept */
    day_events_as(&ev, 3, 11, true); /* noise past its 2 days: deleted */
    char iso[WD_TIME_ISO_MAX];
    wd_time_iso(wd_now_us(), iso);
    wd_buf_printf(&ev, "{\"utctimestamp\":\"%s\",\"type\":\"alert\",\"summary\":\"a\"}\n", iso);
    uint64_t last = submit_lines(w, &ev, 100);
    FAIL_UNLESS(wait_indexed(st, last));
    char old[400], alerts[400], today[400];
    struct wd_civil c;
    /* partition names: alerts by month, events and noise by day */
    wd_time_to_civil(wd_now_us(), &c);
    snprintf(alerts, sizeof(alerts), "%s/alerts-%04d%02d", sdir, (int)c.year, c.month);
    snprintf(today, sizeof(today), "%s/divert-%04d%02d%02d", sdir, (int)c.year, c.month, c.day);
    FAIL_UNLESS(exists(alerts) && exists(today));
    wd_time_to_civil(wd_now_us() - 3 * 86400LL * 1000000, &c);
    snprintf(old, sizeof(old), "%s/divert-%04d%02d%02d", sdir, (int)c.year, c.month, c.day);
    bool gone = false;
    for (int i = 0; i < 1000 && !gone; i++) {
        gone = !exists(old) && search_total_in(st, "divert", "*", 0, &out) == 7;
        struct timespec ts = {0, 10 * 1000000};
        if (!gone)
            nanosleep(&ts, NULL);
    }
    FAIL_UNLESS(gone);
    EXPECT_INT(search_total(st, "*", 0, &out), 5);
    EXPECT_INT(search_total_in(st, "divert", "summary:\"day 0\"", 0, &out), 7);
    wd_store_close(st);
    wd_wal_close(w);
    wd_buf_fini(&ev);
    wd_buf_fini(&out);
    rm_dir();
}

/* wd_bytes_eq (word loads that overlap for 4..16 bytes) agrees with memcmp for every
 * length up to 40 and a difference at every position, one bit or one byte. */
static void t_bytes_eq(void)
{
    unsigned char a[48], b[48];
    for (size_t i = 0; i < sizeof(a); i++)
        a[i] = (unsigned char)(i * 37 + 11);
    for (size_t n = 0; n <= 40; n++) {
        memcpy(b, a, sizeof(a));
        FAIL_UNLESS(wd_bytes_eq(a, b, n));
        for (size_t at = 0; at < n; at++)
            for (int bit = 0; bit < 8; bit += 7) {
                memcpy(b, a, sizeof(a));
                b[at] ^= (unsigned char)(1u << bit);
                if (wd_bytes_eq(a, b, n) != (memcmp(a, b, n) == 0)) {
                    printf("# n=%zu at=%zu bit=%d\n", n, at, bit);
                    FAIL_UNLESS(false);
                }
            }
        memcpy(b, a, sizeof(a));
        b[n] ^= 1; /* past the end: not compared */
        FAIL_UNLESS(wd_bytes_eq(a, b, n));
    }
}

WD_TEST_LIST{
    {"store_bytes_eq", t_bytes_eq},
    {"store_dicts_same_part", t_dicts_same_part},
    {"store_int_forms", t_int_forms},
    {"store_hash64", t_hash64},
    {"store_retention_by_age_and_size", t_retention},
    {"store_divert_partitions", t_divert_partitions},
    {"store_codecs", t_codecs},
    {"store_time_codec", t_time_codec},
    {"store_part_roundtrip", t_part_roundtrip},
    {"store_index_prunes", t_index_prunes},
    {"store_index_every_block", t_index_every_block},
    {"store_live_and_restart", t_store_live},
    {"store_ring_workers_each_event_once", t_ring_workers},
    {"store_cache_counters", t_cache_counters},
    {"store_cursor_paging", t_cursor_paging},
    {"store_timechart_whole_blocks", t_timechart_blocks},
    {"store_text_prefilter", t_ci_prefilter},
    {"store_parallel_search_same_answers", t_parallel_search},
    {"store_recovery_rules", t_recovery_rules},
    {"store_fault_injection", t_faults},
    {"store_flush_waits_longer_when_behind", t_flush_behind},
    {"store_flush_failure_counted", t_flush_failure_counted},
};
WD_TEST_MAIN
