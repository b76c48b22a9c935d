/*
 * test_store_equiv.c: equivalence of the store with a brute-force filter. Random queries
 * (built from values that occur in generator data: keywords, summary words, phrases,
 * addresses, CIDRs, wildcards, ranges, exists, boolean combinations) are answered by the
 * store (index pruning + columnar evaluation) and by wd_query_match_jv() over the raw
 * events; the sets of matching ids must be identical, and wd_store_search's total too.
 * The same runs over a merged part whose large blocks were copied (store_copy.c) and whose
 * small one was rebuilt.
 */
#include <unistd.h>
#include <zstd.h>

#include "gen.h"
#include "jv.h"
#include "json.h"
#include "query.h"
#include "store_int.h"
#include "wd_test.h"

#define NEVENTS  19000
#define NQUERIES 300

static uint64_t rng = 0x2545F4914F6CDD1Dull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* Values sampled from the events: (path, text) pairs of strings and integers. */
struct sample {
    char path[64];
    char text[96];
    bool is_int;
};

static struct sample samples[4096];
static size_t nsamples;

static void collect(const struct wd_jv *v, char *path, size_t plen)
{
    if (v->type == WD_JV_OBJ) {
        for (const struct wd_jv *m = v->u.kids.head; m; m = m->next) {
            size_t n = plen;
            if (n + m->key.len + 2 >= 64)
                continue;
            if (n)
                path[n++] = '.';
            memcpy(path + n, m->key.p, m->key.len);
            path[n + m->key.len] = '\0';
            collect(m, path, n + m->key.len);
        }
        return;
    }
    if (v->type == WD_JV_ARR) {
        for (const struct wd_jv *e = v->u.kids.head; e; e = e->next)
            collect(e, path, plen);
        return;
    }
    if ((v->type != WD_JV_STR && v->type != WD_JV_INT) || rnd(40) != 0)
        return;
    struct wd_str s = v->type == WD_JV_STR ? v->u.s : v->raw;
    if (s.len == 0 || s.len >= 96 || memchr(s.p, '"', s.len) || memchr(s.p, '\\', s.len))
        return;
    struct sample *x = nsamples < WD_ARRAY_LEN(samples) ? &samples[nsamples++]
                                                        : &samples[rnd(WD_ARRAY_LEN(samples))];
    snprintf(x->path, sizeof(x->path), "%.*s", (int)plen, path);
    snprintf(x->text, sizeof(x->text), "%.*s", (int)s.len, s.p);
    x->is_int = v->type == WD_JV_INT;
}

/* Appends a Lucene-escaped term. */
static void term(struct wd_buf *q, const char *t, bool quote)
{
    if (quote) {
        wd_buf_printf(q, "\"%s\"", t);
        return;
    }
    for (const char *p = t; *p; p++) {
        if (strchr("+-=&|><!(){}[]^\"~*?:\\/ ", *p))
            wd_buf_putc(q, '\\');
        wd_buf_putc(q, *p);
    }
}

static const struct sample *pick(void)
{
    return &samples[rnd((uint32_t)nsamples)];
}

/* One random leaf query. */
static void leaf(struct wd_buf *q)
{
    const struct sample *s = pick();
    switch (rnd(11)) {
    case 0: /* bare term */
        term(q, s->text, rnd(2));
        break;
    case 1: /* wildcard prefix */
        wd_buf_printf(q, "%s:", s->path);
        for (size_t i = 0; i < strlen(s->text) / 2 + 1; i++)
            if (!strchr("+-=&|><!(){}[]^\"~*?:\\/ ", s->text[i]))
                wd_buf_putc(q, s->text[i]);
        wd_buf_putc(q, '*');
        break;
    case 2:
        wd_buf_printf(q, "_exists_:%s", s->path);
        break;
    case 3: { /* range on the field, from a second sample of any field */
        const struct sample *t = pick();
        wd_buf_printf(q, "%s:%c", s->path, rnd(2) ? '[' : '{');
        term(q, s->text, true);
        wd_buf_printf(q, " TO ");
        if (rnd(3))
            term(q, t->text, true);
        else
            wd_buf_putc(q, '*');
        wd_buf_putc(q, rnd(2) ? ']' : '}');
        break;
    }
    case 4: /* CIDR on the ip fields */
        wd_buf_printf(q, "details.%sipaddress:\"10.0.%u.0/%u\"", rnd(2) ? "source" : "destination",
                      rnd(40), 16 + rnd(16));
        break;
    case 5: { /* summary word or phrase */
        const char *w[] = {"dns",  "query", "conn",     "tcp", "udp", "ssl",
                           "http", "GET",   "10.0.0.2", "A",   "type"};
        if (rnd(2))
            wd_buf_printf(q, "summary:%s", w[rnd(WD_ARRAY_LEN(w))]);
        else
            wd_buf_printf(q, "summary:\"%s %s\"", w[rnd(WD_ARRAY_LEN(w))], w[rnd(WD_ARRAY_LEN(w))]);
        break;
    }
    case 6:
        wd_buf_printf(q, "%s:>%s", s->path, s->text);
        break;
    default:
        wd_buf_printf(q, "%s:", s->path);
        term(q, s->text, rnd(3) == 0);
        break;
    }
}

static void query(struct wd_buf *q, int depth)
{
    if (depth > 2 || rnd(3) == 0) {
        if (rnd(6) == 0)
            wd_buf_printf(q, "%s", rnd(2) ? "NOT " : "-");
        leaf(q);
        return;
    }
    static const char *const ops[] = {" AND ", " OR ", " ", " AND NOT ", " || ", " && "};
    wd_buf_putc(q, '(');
    query(q, depth + 1);
    wd_buf_printf(q, "%s", ops[rnd(WD_ARRAY_LEN(ops))]);
    query(q, depth + 1);
    wd_buf_putc(q, ')');
}

/* Builds a part at path from evs[i] for i in [lo, hi) (backwards when rev: other column
 * and shape ids than a forward build); event i has seq i + 1 and ts i. */
static struct wd_part *build(const char *path, struct wd_jv **evs, uint32_t lo, uint32_t hi,
                             bool rev)
{
    char tmp[160];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    struct wd_part_builder b;
    if (wd_part_begin(&b, tmp, 3))
        return NULL;
    for (uint32_t k = lo; k < hi; k++) {
        uint32_t i = rev ? hi - 1 - (k - lo) : k;
        if (wd_part_add(&b, i + 1, (int64_t)i, evs[i]) != WD_OK) {
            wd_part_abort(&b);
            return NULL;
        }
    }
    struct wd_part *p;
    char err[256];
    if (wd_part_finish(&b, lo + 1, hi, path) != WD_OK || wd_part_open(path, &p, err, sizeof(err)))
        return NULL;
    return p;
}

/* Every row of p renders as its event's canonical JSON (rows found by seq); each of the n
 * events is found exactly once. */
static void check_rows(struct wd_part *p, struct wd_jv **evs, uint32_t n, ZSTD_DCtx *dz)
{
    static uint8_t seen[NEVENTS + 1];
    memset(seen, 0, sizeof(seen));
    struct wd_buf got, want;
    wd_buf_init(&got, 0);
    wd_buf_init(&want, 0);
    uint32_t rows = 0;
    for (uint32_t bi = 0; bi < p->nblocks; bi++) {
        struct wd_block blk;
        wd_block_load(&blk, p, bi, (struct ZSTD_DCtx_s *)dz);
        FAIL_UNLESS(wd_block_rows(&blk));
        for (uint32_t r = 0; r < blk.nrows; r++, rows++) {
            uint64_t seq = blk.seq[r];
            FAIL_UNLESS(seq >= 1 && seq <= n && !seen[seq] && blk.ts[r] == (int64_t)seq - 1);
            seen[seq] = 1;
            got.len = want.len = 0;
            FAIL_IF(wd_block_row_json(&blk, r, &got) != WD_OK);
            wd_jv_write(evs[seq - 1], &want);
            if (got.len != want.len || memcmp(got.p, want.p, got.len)) {
                printf("FAIL %s: %s row %u of block %u: %.*s\n", wd_test_name_, p->path, r, bi,
                       (int)WD_MIN(got.len, 300), got.p);
                wd_test_failed_ = 1;
                break;
            }
        }
        wd_block_fini(&blk);
    }
    EXPECT_INT(rows, n);
    wd_buf_fini(&got);
    wd_buf_fini(&want);
}

/* Runs NQUERIES random queries over p (index pruning + columnar evaluation) and over the
 * events by brute force; the matching ids must be identical. */
static void check_queries(struct wd_part *p, struct wd_jv **evs, uint32_t n, ZSTD_DCtx *dz)
{
    static uint8_t got[NEVENTS + 1];
    struct wd_buf q;
    wd_buf_init(&q, 0);
    int parsed = 0, nonempty = 0;
    uint64_t saved = rng;
    for (int k = 0; k < NQUERIES; k++) {
        q.len = 0;
        query(&q, 0);
        wd_buf_putc(&q, '\0');
        struct wd_query *qq;
        struct wd_perr pe;
        if (wd_query_parse(q.p, q.len - 1, &qq, &pe) != WD_OK)
            continue; /* a generated form the parser refuses: no answer to compare */
        parsed++;
        memset(got, 0, sizeof(got));
        for (uint32_t bi = 0; bi < p->nblocks; bi++) {
            struct wd_block blk;
            wd_block_load(&blk, p, bi, (struct ZSTD_DCtx_s *)dz);
            if (wd_eval_block_may_match(qq->root, &blk)) {
                uint64_t bm[WD_BLOCK_ROWS / 64];
                FAIL_IF(wd_eval_block(qq->root, &blk, bm) != WD_OK);
                FAIL_UNLESS(wd_block_rows(&blk));
                for (uint32_t r = 0; r < blk.nrows; r++)
                    if (bm[r >> 6] >> (r & 63) & 1)
                        got[blk.seq[r]] = 1;
            }
            wd_block_fini(&blk);
        }
        uint32_t matches = 0;
        for (uint32_t i = 0; i < n; i++) {
            bool want = wd_query_match_jv(qq, evs[i]);
            matches += want;
            if (want != (got[i + 1] != 0)) {
                struct wd_buf ej;
                wd_buf_init(&ej, 0);
                wd_jv_write(evs[i], &ej);
                printf("FAIL %s: %s: query [%s] event %u: store %d, brute force %d: %.*s\n",
                       wd_test_name_, p->path, q.p, i + 1, got[i + 1], want,
                       (int)WD_MIN(ej.len, 600), ej.p);
                wd_buf_fini(&ej);
                wd_test_failed_ = 1;
                wd_query_free(qq);
                wd_buf_fini(&q);
                return;
            }
        }
        nonempty += matches > 0 && matches < n;
        wd_query_free(qq);
    }
    rng = saved; /* the same queries for every part */
    /* the generator produced real work: most queries parsed, many select a proper subset */
    printf("# %s: %d of %d queries parsed, %d select a proper non-empty subset\n",
           strrchr(p->path, '/') + 1, parsed, NQUERIES, nonempty);
    FAIL_UNLESS(parsed > NQUERIES / 4);
    FAIL_UNLESS(nonempty > parsed / 4);
    wd_buf_fini(&q);
}

static void t_equivalence(void)
{
    struct wd_gen_opts o = {.kind = WD_GEN_MIX};
    wd_gen_opts_init(&o);
    o.fmt = WD_GEN_FMT_MOZDEF;
    o.count = NEVENTS;
    o.seed = 9;
    struct wd_gen *g = wd_gen_new(&o);
    FAIL_IF(!g);
    struct wd_buf raw;
    wd_buf_init(&raw, 0);
    while (wd_gen_next(g, &raw))
        ;
    wd_gen_free(g);
    wd_buf_reserve(&raw, WD_JSON_PADDING);

    char dir[] = "/tmp/ward-test-equiv-XXXXXX";
    FAIL_IF(!mkdtemp(dir));
    struct wd_arena a;
    wd_arena_init(&a, 1 << 20, 0);
    static struct wd_jv *evs[NEVENTS];
    uint32_t n = 0;
    char pbuf[64];
    for (size_t off = 0; off < raw.len && n < NEVENTS;) {
        const char *nl = memchr(raw.p + off, '\n', raw.len - off);
        size_t len = nl ? (size_t)(nl - (raw.p + off)) : raw.len - off;
        struct wd_perr pe;
        FAIL_IF(wd_json_parse(raw.p + off, len, raw.cap - off, 0, &a, &evs[n], &pe) != WD_OK);
        pbuf[0] = '\0';
        collect(evs[n], pbuf, 0);
        n++;
        off += len + 1;
    }
    FAIL_UNLESS(n == NEVENTS && nsamples > 100);
    ZSTD_DCtx *dz = ZSTD_createDCtx();
    char path[4][128];
    const char *names[4] = {"p", "a", "b", "c"};
    for (int i = 0; i < 4; i++)
        snprintf(path[i], sizeof(path[i]), "%s/%s.wdp", dir, names[i]);

    /* one part built from all events */
    struct wd_part *p = build(path[0], evs, 0, n, false);
    FAIL_IF(!p);
    check_queries(p, evs, n, dz);

    /* a merge of two parts of one large block each (copied; the second built backwards, so
     * its column and shape ids differ) and a small one (rebuilt row by row) */
    const uint32_t cut1 = WD_COPY_MIN_ROWS + 500, cut2 = 2 * cut1;
    struct wd_part *in[3] = {build(path[1], evs, 0, cut1, false),
                             build(path[2], evs, cut1, cut2, true),
                             build(path[3], evs, cut2, n, false)};
    FAIL_IF(!in[0] || !in[1] || !in[2]);
    uint32_t renumbered = 0;
    for (uint32_t c = 0; c < in[1]->ncols; c++)
        renumbered += wd_part_col(in[0], in[1]->col_path[c], in[1]->col_path_len[c]) != c;
    FAIL_UNLESS(renumbered > in[1]->ncols / 2);
    char mpath[160], mtmp[170], err[512];
    snprintf(mpath, sizeof(mpath), "%s/m.wdp", dir);
    snprintf(mtmp, sizeof(mtmp), "%s.tmp", mpath);
    struct wd_part_builder b;
    FAIL_IF(wd_part_begin(&b, mtmp, 3));
    uint64_t copied = 0, rebuilt = 0;
    FAIL_IF(wd_merge_blocks(&b, in, 3, NULL, &copied, &rebuilt, err, sizeof(err)) != WD_OK);
    EXPECT_INT(copied, 2);
    EXPECT_INT(rebuilt, n - cut2);
    FAIL_IF(wd_part_finish(&b, 1, n, mpath) != WD_OK);
    struct wd_part *m;
    FAIL_IF(wd_part_open(mpath, &m, err, sizeof(err)) != WD_OK);
    EXPECT_INT(m->nblocks, 3);
    EXPECT_INT(m->nrows, n);
    EXPECT_INT(wd_part_check(m, NULL), 0);
    check_rows(m, evs, n, dz);
    check_queries(m, evs, n, dz);

    /* a copied chunk that fails its checksum stops the merge and names the file */
    const struct wd_chunkdir *c = &in[1]->blocks[0].chunks[4];
    FILE *f = fopen(path[2], "r+b");
    FAIL_IF(!f);
    fseek(f, (long)c->off, SEEK_SET);
    int ch = fgetc(f);
    fseek(f, (long)c->off, SEEK_SET);
    fputc(ch ^ 0x55, f);
    fclose(f);
    struct wd_part *bad = NULL;
    FAIL_IF(wd_part_open(path[2], &bad, err, sizeof(err)) != WD_OK);
    struct wd_part *in2[2] = {in[0], bad};
    FAIL_IF(wd_part_begin(&b, mtmp, 3));
    copied = rebuilt = 0;
    EXPECT_INT(wd_merge_blocks(&b, in2, 2, NULL, &copied, &rebuilt, err, sizeof(err)),
               WD_ECORRUPT);
    wd_part_abort(&b);
    FAIL_UNLESS(strstr(err, path[2]) && strstr(err, "checksum"));
    EXPECT_INT(copied, 1);
    wd_part_unref(bad);

    for (int i = 0; i < 3; i++)
        wd_part_unref(in[i]);
    wd_part_unref(m);
    wd_part_unref(p);
    ZSTD_freeDCtx(dz);
    unlink(mpath);
    for (int i = 0; i < 4; i++)
        unlink(path[i]);
    rmdir(dir);
    wd_arena_fini(&a);
    wd_buf_fini(&raw);
}

WD_TEST_LIST{
    {"store_equivalence_with_brute_force", t_equivalence},
};
WD_TEST_MAIN
