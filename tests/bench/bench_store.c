/*
 * bench_store.c: single-core store stages over an NDJSON file of events: JSON parse (with
 * wd_json_parse_compact, as the store decodes WAL records) + shredding + encoding + zstd
 * into one part (build), then needle and count queries over
 * that part through the columnar evaluator, and the merge rewrite (every row of the part
 * into a new part) two ways: rows as value trees (what merges do) and, for comparison,
 * rows rendered as JSON and parsed again.
 * Usage: bench_store [--build-only] [--level N] [--max N] FILE [QUERY...]
 *   --build-only  only the part build (for callgrind: instructions per event)
 *   --level N     zstd level of the build (default 3; the store's ingest uses 1)
 *   --max N       read at most N events of FILE
 *   --out PATH    also copy the built part to PATH (to compare builds byte for byte)
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "jv.h"
#include "json.h"
#include "query.h"
#include "store_int.h"
#include "ward.h"

static double now_s(void)
{
    return (double)wd_mono_ns() / 1e9;
}

int main(int argc, char **argv)
{
    bool build_only = false;
    int level = 3;
    uint64_t max_events = UINT64_MAX;
    const char *out_path = NULL;
    int ai = 1;
    for (; ai + 1 < argc && !strncmp(argv[ai], "--", 2); ai++) {
        if (!strcmp(argv[ai], "--build-only"))
            build_only = true;
        else if (!strcmp(argv[ai], "--level") && ai + 2 < argc)
            level = (int)strtol(argv[++ai], NULL, 10);
        else if (!strcmp(argv[ai], "--out") && ai + 2 < argc)
            out_path = argv[++ai];
        else if (!strcmp(argv[ai], "--max") && ai + 2 < argc)
            max_events = strtoull(argv[++ai], NULL, 10);
        else
            break;
    }
    if (ai >= argc || !strncmp(argv[ai], "--", 2)) {
        fprintf(stderr, "usage: bench_store [--build-only] [--level N] [--max N] [--out PATH] "
                        "FILE [QUERY...]\n");
        return 2;
    }
    int fd = open(argv[ai], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        return 1;
    char *buf = malloc((size_t)st.st_size + 64);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    char path[] = "/tmp/bench-store-XXXXXX";
    if (!mkdtemp(path))
        return 1;
    char part[128], tmp[140];
    snprintf(part, sizeof(part), "%s/p.wdp", path);
    snprintf(tmp, sizeof(tmp), "%s.tmp", part);
    struct wd_part_builder b;
    wd_part_begin(&b, tmp, level);
    struct wd_arena a;
    wd_arena_init(&a, 1 << 20, 0);
    double t0 = now_s(), tparse = 0;
    uint64_t n = 0;
    for (size_t off = 0; off < got && n < max_events;) {
        char *nl = memchr(buf + off, '\n', got - off);
        size_t len = nl ? (size_t)(nl - (buf + off)) : got - off;
        struct wd_jv *v;
        struct wd_perr pe;
        double tp = now_s();
        if (wd_json_parse_compact(buf + off, len, got - off + 64, 0, &a, &v, &pe) == WD_OK) {
            tparse += now_s() - tp;
            n++;
            wd_part_add(&b, n, (int64_t)n, v);
        }
        off += len + 1;
        wd_arena_reset(&a); /* as the store's shredders do */
    }
    wd_part_finish(&b, 1, n, part);
    double t1 = now_s();
    if (out_path && link(part, out_path) != 0)
        perror(out_path);
    struct wd_part *p;
    char err[256];
    if (wd_part_open(part, &p, err, sizeof(err))) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    printf("build: %llu events in %.2f s = %.0f events/s (parse %.2f s); %zu raw bytes -> %llu "
           "bytes (1/%.1f)\n",
           (unsigned long long)n, t1 - t0, (double)n / (t1 - t0), tparse, got,
           (unsigned long long)p->file_bytes, (double)got / (double)p->file_bytes);
    ZSTD_DCtx *dz = ZSTD_createDCtx();
    for (int mode = 0; mode < 2 && !build_only; mode++) {
        snprintf(tmp, sizeof(tmp), "%s.m", part);
        wd_part_begin(&b, tmp, level);
        struct wd_buf json;
        wd_buf_init(&json, 0);
        double m0 = now_s();
        for (uint32_t bi = 0; bi < p->nblocks; bi++) {
            struct wd_block blk;
            wd_block_load(&blk, p, bi, (struct ZSTD_DCtx_s *)dz);
            wd_block_rows(&blk);
            for (uint32_t r = 0; r < blk.nrows; r++) {
                struct wd_jv *v = NULL;
                struct wd_perr pe;
                if (mode == 0) {
                    wd_block_row_jv(&blk, r, &a, &v);
                } else {
                    json.len = 0;
                    wd_block_row_json(&blk, r, &json);
                    wd_buf_reserve(&json, WD_JSON_PADDING);
                    wd_json_parse(json.p, json.len, json.cap, 0, &a, &v, &pe);
                }
                if (v)
                    wd_part_add(&b, blk.seq[r], blk.ts[r], v);
                if (a.used_bytes > (16 << 20))
                    wd_arena_reset(&a);
            }
            wd_block_fini(&blk);
        }
        wd_part_abort(&b);
        double m1 = now_s();
        wd_buf_fini(&json);
        printf("merge rewrite, rows as %s: %.2f s = %.0f events/s\n",
               mode == 0 ? "value trees (ward)" : "JSON + parse (before)", m1 - m0,
               (double)n / (m1 - m0));
    }
    for (int i = ai + 1; i < argc && !build_only; i++) {
        struct wd_query *q;
        struct wd_perr pe;
        if (wd_query_parse(argv[i], strlen(argv[i]), &q, &pe)) {
            printf("%s: parse error\n", argv[i]);
            continue;
        }
        double best = 1e9;
        uint64_t hits = 0;
        for (int rep = 0; rep < 5; rep++) {
            double q0 = now_s();
            hits = 0;
            for (uint32_t bi = 0; bi < p->nblocks; bi++) {
                struct wd_block blk;
                wd_block_load(&blk, p, bi, (struct ZSTD_DCtx_s *)dz);
                if (wd_eval_block_may_match(q->root, &blk)) {
                    uint64_t bm[WD_BLOCK_ROWS / 64];
                    wd_eval_block(q->root, &blk, bm);
                    for (size_t w = 0; w < wd_bm_words(blk.nrows); w++)
                        hits += (uint64_t)__builtin_popcountll(bm[w]);
                }
                wd_block_fini(&blk);
            }
            double el = now_s() - q0;
            best = el < best ? el : best;
        }
        printf("query %-40s %8llu hits  %8.3f ms\n", argv[i], (unsigned long long)hits, best * 1e3);
        wd_query_free(q);
    }
    ZSTD_freeDCtx(dz);
    wd_part_unref(p);
    unlink(part);
    rmdir(path);
    free(buf);
    return 0;
}
