/*
 * bench_agg.c: throughput of the pipe executor (agg.h) on one core, the way the store
 * drives it: one wd_agg_row() call per row, values prepared beforehand. Best of several
 * rounds, timed in thread CPU time; each round builds a fresh executor, feeds every row and renders.
 *   count-by: `stats count() by hostname`, 20 distinct hostnames (unweighted, and
 *             weighted 1..64 as the store's pre-aggregated path feeds it)
 *   dc:       `stats dc(user)` over 2M rows holding 1M distinct strings
 *   p95:      `stats p95(duration) by proto` over 5M rows (3 groups, float values)
 * Usage: bench_agg [rows] [rounds] [only]   (rows for count-by, default 20000000; 3 rounds;
 *        only = count, dc or p95 runs just that one)
 */
#include <time.h>

#include "agg.h"
#include "mem.h"
#include "query.h"
#include "ward.h"

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

/* CPU time of this thread: "per core" figures that hold on a loaded shared machine. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct wd_agg *mk(struct wd_pipe *p)
{
    struct wd_query q = {.npipes = 1, .pipes = p};
    struct wd_agg *a;
    struct wd_perr err;
    if (wd_agg_new(&q, &a, &err) != WD_OK) {
        fprintf(stderr, "wd_agg_new: %s\n", err.msg);
        exit(1);
    }
    return a;
}

/* Feeds n rows: value index idx[i] of vals, weight 1 or 1 + i % 64; returns seconds. */
static double run(struct wd_pipe *p, const struct wd_qval *vals, const uint32_t *idx, size_t n,
                  bool weighted, uint64_t *events, size_t *out_len)
{
    struct wd_agg *a = mk(p);
    const struct wd_qval *vp[1];
    uint32_t nv[1] = {1};
    uint64_t ev = 0;
    double t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        uint64_t w = weighted ? 1 + (i & 63) : 1;
        vp[0] = &vals[idx[i]];
        if (wd_agg_row(a, 0, vp, nv, w) != WD_OK) {
            fprintf(stderr, "wd_agg_row failed at %zu\n", i);
            exit(1);
        }
        ev += w;
    }
    struct wd_buf out;
    wd_buf_init(&out, 0);
    if (wd_agg_render(a, &out) != WD_OK)
        exit(1);
    double t = now_s() - t0;
    *out_len = out.len;
    *events = ev;
    wd_buf_fini(&out);
    wd_agg_free(a);
    return t;
}

static void report(const char *name, struct wd_pipe *p, const struct wd_qval *vals,
                   const uint32_t *idx, size_t n, bool weighted, int rounds)
{
    double best = 1e9;
    uint64_t ev = 0;
    size_t len = 0;
    for (int r = 0; r < rounds; r++) {
        double t = run(p, vals, idx, n, weighted, &ev, &len);
        best = WD_MIN(best, t);
    }
    printf("%-28s %9zu rows %12.0f rows/s %13.0f events/s  (%.3f s cpu, %zu B out)\n", name, n,
           (double)n / best, (double)ev / best, best, len);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000000;
    int rounds = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 3;
    const char *only = argc > 3 ? argv[3] : "";
    if (n == 0 || rounds <= 0)
        return 2;
    printf("bench_agg: one core, best of %d\n", rounds);
    uint32_t *idx = wd_xmalloc(WD_MAX(n, (size_t)5000000) * sizeof(*idx));

    /* count() by a 20-value field */
    static char hosts[20][32];
    struct wd_qval hv[20];
    for (int i = 0; i < 20; i++) {
        int len = snprintf(hosts[i], sizeof(hosts[i]), "web-%02d.prod.example.com", i);
        hv[i] = (struct wd_qval){.type = WD_QV_STR, .s = {hosts[i], (size_t)len}};
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = rnd() % 20;
    static struct wd_aggspec count = {WD_AGG_COUNT, NULL, 0, "count()"};
    static const char *by_host[] = {"hostname"};
    struct wd_pipe stats = {.kind = WD_PIPE_STATS, .naggs = 1, .aggs = &count, .nby = 1,
                            .by = by_host};
    if (!*only || strcmp(only, "count") == 0) {
        report("count() by hostname (20)", &stats, hv, idx, n, false, rounds);
        report("  weighted 1..64", &stats, hv, idx, n, true, rounds);
    }

    /* dc() over 1M distinct strings */
    size_t nd = 1000000, ndc = 2 * nd;
    char *ubuf = wd_xmalloc(nd * 16);
    struct wd_qval *uv = wd_xmalloc(nd * sizeof(*uv));
    for (size_t i = 0; i < nd; i++) {
        int len = snprintf(ubuf + i * 16, 16, "user-%07zu", i);
        uv[i] = (struct wd_qval){.type = WD_QV_STR, .s = {ubuf + i * 16, (size_t)len}};
    }
    for (size_t i = 0; i < ndc; i++)
        idx[i] = i < nd ? (uint32_t)i : rnd() % (uint32_t)nd;
    static struct wd_aggspec dc = {WD_AGG_DC, "user", 0, "dc(user)"};
    struct wd_pipe sdc = {.kind = WD_PIPE_STATS, .naggs = 1, .aggs = &dc};
    if (!*only || strcmp(only, "dc") == 0)
        report("dc(user), 1M distinct", &sdc, uv, idx, ndc, false, rounds);

    /* p95 over 5M float values (no by: every value in one group) */
    size_t np = 5000000, nvals = 100000;
    struct wd_qval *pv = wd_xmalloc(nvals * sizeof(*pv));
    for (size_t i = 0; i < nvals; i++)
        pv[i] = (struct wd_qval){.type = WD_QV_FLOAT, .f = (double)(rnd() % 1000000) / 1000.0};
    for (size_t i = 0; i < np; i++)
        idx[i] = rnd() % (uint32_t)nvals;
    static struct wd_aggspec p95 = {WD_AGG_PCT, "duration", 95, "p95(duration)"};
    struct wd_pipe sp = {.kind = WD_PIPE_STATS, .naggs = 1, .aggs = &p95};
    if (!*only || strcmp(only, "p95") == 0)
        report("p95(duration), 5M values", &sp, pv, idx, np, false, rounds);

    free(pv);
    free(uv);
    free(ubuf);
    free(idx);
    return 0;
}
