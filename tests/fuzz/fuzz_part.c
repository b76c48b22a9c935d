/*
 * fuzz_part.c: libFuzzer target for the part reader (store_read.c, store_row.c,
 * store_col.c, store_eval.c). The input is a part file: it is written to a memfd and
 * opened through /proc/self/fd/N. wd_part_open must either fail with WD_ECORRUPT and a
 * message naming the file and an offset, or succeed. On success every block is loaded,
 * its rows read, every row rendered as JSON and its column values copied, a few fixed
 * queries evaluated and the chunk checksums verified: results may be errors, but nothing
 * may crash, leak or read outside the file, and a block error comes with a message.
 *
 * So that mutations get past the checksums, the target also tries the input with the
 * footer CRC recomputed (when only it is wrong), and runs the blocks a second time with
 * the directory's chunk CRCs replaced by those of the bytes actually there.
 *
 * Each opened part is also merged (store_copy.c) into a new part, once with every block
 * copied and once with every block rebuilt: the merge may fail (a corrupt part says so,
 * naming the file), but a merged part must open and read, and when every row of the input
 * rendered, the merged part renders the same rows in the same order.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "fuzz.h"
#include "query.h"
#include "store_int.h"

static void check(bool ok)
{
    if (!ok)
        abort();
}

static const char *const queries[] = {
    "*",
    "summary:login",
    "details.sourceipaddress:\"10.0.0.0/8\"", /* unquoted, / starts a regex */
    "_exists_:details.uid",
    "foo",
    "id:[0 TO 500] AND NOT category:firewall",
    "msg:event* OR v:true OR details.uid:1",
};
#define NQ       (sizeof(queries) / sizeof(*queries))
#define MAX_ROWS 512 /* rows rendered per block: enough for any seed, bounds the run time */

static void run_blocks(struct wd_part *p, struct wd_query **q, ZSTD_DCtx *dz, uint64_t *bm)
{
    struct wd_buf out;
    wd_buf_init(&out, 0);
    for (uint32_t bi = 0; bi < p->nblocks; bi++) {
        struct wd_block b;
        check(wd_block_load(&b, p, bi, (struct ZSTD_DCtx_s *)dz) == WD_OK);
        if (wd_block_rows(&b)) {
            uint32_t nr = WD_MIN(b.nrows, MAX_ROWS);
            for (uint32_t r = 0; r < nr; r++) {
                out.len = 0;
                int rc = wd_block_row_json(&b, r, &out);
                check(rc == WD_OK || rc == WD_ECORRUPT || rc == WD_ENOMEM);
            }
            struct wd_qval vals[8];
            for (uint32_t c = 0; c < p->ncols && c < 64; c++)
                for (uint32_t r = 0; r < nr; r++)
                    check(wd_block_row_values(&b, c, r, vals, 8) <= 8);
        }
        for (size_t i = 0; i < NQ; i++) {
            if (!wd_eval_block_may_match(q[i]->root, &b))
                continue;
            int rc = wd_eval_block(q[i]->root, &b, bm);
            check(rc == WD_OK || rc == WD_ECORRUPT || rc == WD_ENOMEM);
        }
        /* a corrupt block says why, naming the file */
        check(!b.err || strstr(b.errmsg, p->path) != NULL);
        wd_block_fini(&b);
    }
    wd_buf_fini(&out);
}

/* Every row of p as JSON lines into out; false when some row did not render. */
static bool all_rows(struct wd_part *p, ZSTD_DCtx *dz, struct wd_buf *out)
{
    bool ok = true;
    for (uint32_t bi = 0; bi < p->nblocks && ok; bi++) {
        struct wd_block b;
        check(wd_block_load(&b, p, bi, (struct ZSTD_DCtx_s *)dz) == WD_OK);
        ok = wd_block_rows(&b) && b.nrows <= MAX_ROWS;
        for (uint32_t r = 0; ok && r < b.nrows; r++) {
            ok = wd_block_row_json(&b, r, out) == WD_OK;
            wd_buf_putc(out, '\n');
        }
        wd_block_fini(&b);
    }
    return ok;
}

static char merge_dir[64];

static void rm_merge_dir(void)
{
    rmdir(merge_dir);
}

/* Merges p alone into a new part (blocks copied when min_rows allows); see the top. */
static void merge_one(struct wd_part *p, uint32_t min_rows, struct wd_query **q, ZSTD_DCtx *dz,
                      uint64_t *bm)
{
    if (!merge_dir[0]) {
        snprintf(merge_dir, sizeof(merge_dir), "/tmp/ward-fuzz-part-XXXXXX");
        check(mkdtemp(merge_dir) != NULL);
        atexit(rm_merge_dir);
    }
    char tmp[128], final[128], err[512];
    snprintf(tmp, sizeof(tmp), "%s/m.tmp", merge_dir);
    snprintf(final, sizeof(final), "%s/m.wdp", merge_dir);
    struct wd_part_builder b;
    check(wd_part_begin(&b, tmp, 1) == WD_OK);
    wd_copy_min_rows = min_rows;
    uint64_t copied = 0, rebuilt = 0;
    int rc = wd_merge_blocks(&b, &p, 1, NULL, &copied, &rebuilt, err, sizeof(err));
    wd_copy_min_rows = WD_COPY_MIN_ROWS;
    check(rc != WD_ECORRUPT || strstr(err, p->path) != NULL);
    if (rc || b.total_rows + b.rows == 0) {
        wd_part_abort(&b);
        return;
    }
    check(wd_part_finish(&b, p->lo, p->hi, final) == WD_OK);
    struct wd_part *m = NULL;
    check(wd_part_open(final, &m, err, sizeof(err)) == WD_OK);
    uint64_t rows = 0; /* (the input footer's own count is not checked against its blocks) */
    for (uint32_t i = 0; i < p->nblocks; i++)
        rows += p->blocks[i].nrows;
    check(m->nrows == rows);
    run_blocks(m, q, dz, bm);
    struct wd_buf a, c;
    wd_buf_init(&a, 0);
    wd_buf_init(&c, 0);
    if (all_rows(p, dz, &a)) {
        check(all_rows(m, dz, &c));
        check(a.len == c.len && memcmp(a.p, c.p, a.len) == 0);
    }
    wd_buf_fini(&a);
    wd_buf_fini(&c);
    wd_part_unref(m);
    unlink(final);
}

/* Opens the memfd as a part; checks the failure contract. */
static struct wd_part *open_part(const char *path)
{
    struct wd_part *p = NULL;
    char err[512];
    err[0] = '\0';
    int rc = wd_part_open(path, &p, err, sizeof(err));
    if (rc == WD_OK) {
        check(p != NULL);
        return p;
    }
    check(rc == WD_ECORRUPT);
    check(strstr(err, path) != NULL && strstr(err, "offset") != NULL);
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Small, so that eviction (and reuse after it) is exercised too. */
    wd_store_cache_bytes = 64 * 1024;
    int fd = memfd_create("fuzz_part", MFD_CLOEXEC);
    check(fd >= 0);
    check(wd_store_write_all(fd, data, size) == WD_OK);
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

    struct wd_part *p = open_part(path);
    if (!p && size >= 16) {
        /* When only the footer CRC is wrong, retry with it fixed. */
        uint32_t flen = wd_get_u32(data + size - 12), fcrc = wd_get_u32(data + size - 8);
        if (flen <= size - 16) {
            uint32_t crc = (uint32_t)crc32(0, data + size - 12 - flen, flen);
            unsigned char t[4];
            wd_put_u32(t, crc);
            if (crc != fcrc) {
                check(pwrite(fd, t, 4, (off_t)size - 8) == 4);
                p = open_part(path);
            }
        }
    }
    if (p) {
        struct wd_query *q[NQ];
        for (size_t i = 0; i < NQ; i++) {
            struct wd_perr perr = {0, 0, NULL};
            check(wd_query_parse(queries[i], strlen(queries[i]), &q[i], &perr) == WD_OK);
        }
        ZSTD_DCtx *dz = ZSTD_createDCtx();
        check(dz != NULL);
        uint64_t *bm = wd_xmalloc(wd_bm_words(WD_BLOCK_ROWS) * 8);
        run_blocks(p, q, dz, bm);
        merge_one(p, 1, q, dz, bm);
        merge_one(p, UINT32_MAX, q, dz, bm);
        FILE *devnull = fopen("/dev/null", "w");
        int bad = wd_part_check(p, devnull);
        if (devnull)
            fclose(devnull);
        if (bad) {
            /* Again with the checksums made to match the bytes, to reach the decoders. */
            for (uint32_t i = 0; i < p->nblocks; i++)
                for (uint32_t j = 0; j < p->blocks[i].nchunks; j++) {
                    struct wd_chunkdir *c = &p->blocks[i].chunks[j];
                    c->crc = (uint32_t)crc32(0, p->map + c->off, c->clen);
                }
            check(wd_part_check(p, NULL) == 0);
            run_blocks(p, q, dz, bm);
        }
        free(bm);
        ZSTD_freeDCtx(dz);
        for (size_t i = 0; i < NQ; i++)
            wd_query_free(q[i]);
        wd_part_unref(p);
    }
    close(fd);
    return 0;
}
