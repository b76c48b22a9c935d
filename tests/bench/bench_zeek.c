/*
 * bench_zeek.c: Zeek TSV throughput on one core (part of `make bench`, tools/bench-zeek.sh).
 * Reads FILE (a Zeek TSV log, e.g. `ward gen --kind zeek-conn --format tsv`) into memory,
 * then times (1) the parser alone: every line through wd_zeek_reader_line into a record,
 * and (2) the whole per-line work of the server: parse, filters (FILTERS, optional), MozDef
 * normalization and JSON serialization. The arena is reset every 4096 lines, as a batch
 * would be. Prints lines/s and MB/s for each.
 * usage: bench_zeek FILE [FILTERS.yaml]
 */
#include <malloc.h>
#include <stdio.h>

#include "filter.h"
#include "jv.h"
#include "lists.h"
#include "mem.h"
#include "norm.h"
#include "ward.h"
#include "zeek.h"
#include "zeek_norm.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct wd_buf b;
    wd_buf_init(&b, 0);
    char tmp[1 << 16];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        wd_buf_append(&b, tmp, n);
    fclose(f);
    *len = b.len;
    return b.p;
}

static int run(const char *buf, size_t len, struct wd_filter_set *fs, bool full, uint64_t *lines)
{
    struct wd_arena a;
    struct wd_buf out, scratch;
    wd_arena_init(&a, 1 << 20, 0);
    wd_buf_init(&out, 0);
    wd_buf_init(&scratch, 0);
    struct wd_zeek_reader r;
    wd_zeek_reader_init(&r, "conn");
    struct wd_norm_opts o = {.mozdefhostname = "bench", .now_us = wd_now_us()};
    uint64_t n = 0, kept = 0;
    for (const char *p = buf, *end = buf + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t ln = nl ? (size_t)(nl - p) : (size_t)(end - p);
        struct wd_jv *rec, *ev;
        struct wd_str log;
        if (wd_zeek_reader_line(&r, p, ln, (size_t)(end - p), &a, &rec, &log, NULL) != WD_OK)
            return 1;
        if (rec) {
            n++;
            const char *to;
            if (full && wd_filter_eval(fs, log, rec, &to) != WD_FILTER_DROP) {
                if (wd_zeek_norm(&a, &o, log, WD_STR("bench"), rec, &scratch, &ev, NULL))
                    return 1;
                out.len = 0;
                wd_jv_write(ev, &out);
                kept++;
            }
            if ((n & 4095) == 0)
                wd_arena_reset(&a);
        }
        p += ln + 1;
    }
    *lines = n;
    wd_zeek_reader_fini(&r);
    wd_buf_fini(&out);
    wd_buf_fini(&scratch);
    wd_arena_fini(&a);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_zeek FILE [FILTERS.yaml]\n");
        return 2;
    }
    /* as `ward serve` does: batch arenas stay on the heap instead of mmap/munmap */
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    size_t len;
    char *buf = slurp(argv[1], &len);
    if (!buf)
        return 1;
    struct wd_lists *l = wd_lists_new();
    struct wd_filter_set *fs = NULL;
    if (argc > 2 && wd_filter_load(argv[2], l, &fs, stderr))
        return 1;
    for (int full = 0; full < 2; full++) {
        uint64_t lines = 0;
        int64_t t0 = wd_mono_ns();
        if (run(buf, len, fs, full, &lines))
            return 1;
        double s = (double)(wd_mono_ns() - t0) / 1e9;
        printf("zeek tsv %s: lines=%llu seconds=%.3f lines_per_s=%.0f MB_per_s=%.0f\n",
               full ? (fs ? "parse+filter+normalize+serialize" : "parse+normalize+serialize")
                    : "parse",
               (unsigned long long)lines, s, (double)lines / s, (double)len / s / 1e6);
    }
    wd_filter_set_free(fs);
    wd_lists_free(l);
    free(buf);
    return 0;
}
