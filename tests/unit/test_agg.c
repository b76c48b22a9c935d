/*
 * test_agg.c: the pipe executor (agg.h): every pipe and function, weights, multi-valued and
 * missing fields, ordering rules, pipe errors, head's early stop, limits, and the exact
 * rendered JSON. Queries are built by hand (struct wd_query + pipes), not parsed.
 */
#include "agg.h"
#include "mem.h"
#include "query.h"
#include "ward.h"
#include "wd_test.h"

#define MAXF 16
#define MAXV 8

/* ---- query building ---- */

static struct wd_query q_;
static struct wd_pipe pipes_[8];

static struct wd_query *query(uint32_t n)
{
    memset(&q_, 0, sizeof(q_));
    q_.npipes = n;
    q_.pipes = pipes_;
    return &q_;
}

static void reset_pipes(void)
{
    memset(pipes_, 0, sizeof(pipes_));
}

static struct wd_aggspec count_ = {WD_AGG_COUNT, NULL, 0, "count()"};

/* ---- feeding: "field=s:text,i:5;other=f:1.5" (s/i/f/b = STR/INT/FLOAT/BOOL) ---- */

static char vtext_[MAXF][MAXV][64];

static int feed(struct wd_agg *a, int64_t ts, uint64_t w, const char *spec)
{
    struct wd_qval vals[MAXF][MAXV];
    const struct wd_qval *vp[MAXF];
    uint32_t nv[MAXF];
    uint32_t nf = wd_agg_nfields(a);
    memset(vals, 0, sizeof(vals));
    for (uint32_t i = 0; i < MAXF; i++) {
        vp[i] = vals[i];
        nv[i] = 0;
    }
    const char *p = spec;
    while (p && *p) {
        const char *eq = strchr(p, '=');
        const char *end = strchr(p, ';');
        if (!end)
            end = p + strlen(p);
        uint32_t f = 0;
        while (f < nf && !(strlen(wd_agg_field(a, f)) == (size_t)(eq - p) &&
                           memcmp(wd_agg_field(a, f), p, (size_t)(eq - p)) == 0))
            f++;
        const char *v = eq + 1;
        while (v < end) {
            const char *ve = memchr(v, ',', (size_t)(end - v));
            if (!ve)
                ve = end;
            if (f < nf) {
                struct wd_qval *q = &vals[f][nv[f]];
                char *t = vtext_[f][nv[f]];
                size_t len = (size_t)(ve - v - 2);
                memcpy(t, v + 2, len);
                t[len] = '\0';
                q->s = (struct wd_str){t, len};
                switch (v[0]) {
                case 's':
                    q->type = WD_QV_STR;
                    break;
                case 'i':
                    q->type = WD_QV_INT;
                    q->i = strtoll(t, NULL, 10);
                    break;
                case 'f':
                    q->type = WD_QV_FLOAT;
                    q->f = strtod(t, NULL);
                    break;
                default:
                    q->type = WD_QV_BOOL;
                    q->b = t[0] == 't';
                    break;
                }
                nv[f]++;
            }
            v = ve + 1;
        }
        p = *end ? end + 1 : NULL;
    }
    return wd_agg_row(a, ts, vp, nv, w);
}

static char out_[1 << 16];

static const char *render(struct wd_agg *a)
{
    struct wd_buf b;
    wd_buf_init(&b, 0);
    int rc = wd_agg_render(a, &b);
    if (rc) {
        snprintf(out_, sizeof(out_), "error %d", rc);
    } else {
        size_t n = WD_MIN(b.len, sizeof(out_) - 1);
        memcpy(out_, b.p, n);
        out_[n] = '\0';
    }
    wd_buf_fini(&b);
    return out_;
}

static struct wd_agg *mk(uint32_t npipes)
{
    struct wd_agg *a = NULL;
    struct wd_perr err = {0};
    if (wd_agg_new(query(npipes), &a, &err) != WD_OK)
        return NULL;
    return a;
}

/* 2026-12-01T10:00:00Z plus minutes */
#define T0     INT64_C(1796119200000000)
#define MIN(m) (T0 + (int64_t)(m)*60 * 1000000)

/* ---- event mode ---- */

static void t_event_default_columns(void)
{
    reset_pipes();
    struct wd_agg *a = mk(0);
    FAIL_UNLESS(a);
    EXPECT_INT(wd_agg_nfields(a), 4);
    EXPECT_STR(wd_agg_field(a, 0), "utctimestamp");
    EXPECT_STR(wd_agg_field(a, 3), "summary");
    FAIL_IF(wd_agg_needs_time(a));
    EXPECT_INT(feed(a, 0, 1,
                    "utctimestamp=s:2026-12-01T10:00:00+00:00;hostname=s:web1;"
                    "summary=s:hi \"there\""),
               WD_OK);
    EXPECT_INT(feed(a, 0, 1, "hostname=s:a,s:b;category=i:7,f:1.50,b:true"), WD_OK);
    EXPECT_STR(render(a), "{\"columns\":[\"utctimestamp\",\"hostname\",\"category\",\"summary\"],"
                          "\"rows\":[[\"2026-12-01T10:00:00+00:00\",\"web1\",null,"
                          "\"hi \\\"there\\\"\"],[null,[\"a\",\"b\"],[7,1.50,true],null]]}");
    wd_agg_free(a);
}

static void t_event_head_stops_early(void)
{
    reset_pipes();
    pipes_[0] = (struct wd_pipe){.kind = WD_PIPE_HEAD, .n = 2};
    struct wd_agg *a = mk(1);
    FAIL_UNLESS(a);
    EXPECT_INT(feed(a, 0, 1, "hostname=s:a"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "hostname=s:b"), WD_ENOENT);
    EXPECT_INT(feed(a, 0, 1, "hostname=s:c"), WD_ENOENT);
    EXPECT_STR(render(a), "{\"columns\":[\"utctimestamp\",\"hostname\",\"category\",\"summary\"],"
                          "\"rows\":[[null,\"a\",null,null],[null,\"b\",null,null]]}");
    wd_agg_free(a);
    /* A weight counts as that many rows. */
    a = mk(1);
    FAIL_UNLESS(a);
    EXPECT_INT(feed(a, 0, 5, "hostname=s:a"), WD_ENOENT);
    EXPECT_STR(render(a), "{\"columns\":[\"utctimestamp\",\"hostname\",\"category\",\"summary\"],"
                          "\"rows\":[[null,\"a\",null,null],[null,\"a\",null,null]]}");
    wd_agg_free(a);
}

static void t_event_fields_sort_any_field(void)
{
    static const char *fl[] = {"hostname"};
    static struct wd_sortkey keys[] = {{"details.n", false}};
    reset_pipes();
    pipes_[0] = (struct wd_pipe){.kind = WD_PIPE_FIELDS, .nfields = 1, .fields = fl};
    pipes_[1] = (struct wd_pipe){.kind = WD_PIPE_SORT, .nkeys = 1, .keys = keys};
    struct wd_agg *a = mk(2);
    FAIL_UNLESS(a);
    EXPECT_INT(wd_agg_nfields(a), 2);
    EXPECT_STR(wd_agg_field(a, 0), "hostname");
    EXPECT_STR(wd_agg_field(a, 1), "details.n");
    EXPECT_INT(feed(a, 0, 1, "hostname=s:nul"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "hostname=s:ten;details.n=i:10"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "hostname=s:str;details.n=s:abc"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "hostname=s:nine;details.n=f:9.5"), WD_OK);
    EXPECT_STR(render(a),
               "{\"columns\":[\"hostname\"],\"rows\":[[\"nine\"],[\"ten\"],[\"str\"],[\"nul\"]]}");
    wd_agg_free(a);
}

static void t_event_sort_head_keeps_best_stable(void)
{
    static const char *fl[] = {"id", "n"};
    static struct wd_sortkey keys[] = {{"n", true}};
    reset_pipes();
    pipes_[0] = (struct wd_pipe){.kind = WD_PIPE_FIELDS, .nfields = 2, .fields = fl};
    pipes_[1] = (struct wd_pipe){.kind = WD_PIPE_SORT, .nkeys = 1, .keys = keys};
    pipes_[2] = (struct wd_pipe){.kind = WD_PIPE_HEAD, .n = 3};
    struct wd_agg *a = mk(3);
    FAIL_UNLESS(a);
    for (int i = 0; i < 5000; i++) {
        char spec[64];
        snprintf(spec, sizeof(spec), "id=i:%d;n=i:%d", i, i % 1000);
        EXPECT_INT(feed(a, 0, 1, spec), WD_OK);
    }
    EXPECT_STR(render(a),
               "{\"columns\":[\"id\",\"n\"],\"rows\":[[999,999],[1999,999],[2999,999]]}");
    wd_agg_free(a);
}

static void t_event_head_then_sort(void)
{
    static const char *fl[] = {"n"};
    static struct wd_sortkey keys[] = {{"n", false}};
    reset_pipes();
    pipes_[0] = (struct wd_pipe){.kind = WD_PIPE_HEAD, .n = 3};
    pipes_[1] = (struct wd_pipe){.kind = WD_PIPE_SORT, .nkeys = 1, .keys = keys};
    pipes_[2] = (struct wd_pipe){.kind = WD_PIPE_FIELDS, .nfields = 1, .fields = fl};
    pipes_[3] = (struct wd_pipe){.kind = WD_PIPE_HEAD, .n = 2};
    struct wd_agg *a = mk(4);
    FAIL_UNLESS(a);
    EXPECT_INT(feed(a, 0, 1, "n=i:5"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "n=i:3"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "n=i:4"), WD_ENOENT);
    EXPECT_STR(render(a), "{\"columns\":[\"n\"],\"rows\":[[3],[4]]}");
    wd_agg_free(a);
}

/* ---- stats ---- */

static void t_stats_count_by_order_and_nulls(void)
{
    static const char *by[] = {"hostname"};
    reset_pipes();
    pipes_[0] =
        (struct wd_pipe){.kind = WD_PIPE_STATS, .naggs = 1, .aggs = &count_, .nby = 1, .by = by};
    struct wd_agg *a = mk(1);
    FAIL_UNLESS(a);
    EXPECT_INT(wd_agg_nfields(a), 1);
    EXPECT_STR(wd_agg_field(a, 0), "hostname");
    EXPECT_INT(feed(a, 0, 1, "hostname=s:web1"), WD_OK);
    EXPECT_INT(feed(a, 0, 2, "hostname=s:web1"), WD_OK);
    EXPECT_INT(feed(a, 0, 0, "hostname=s:zero-weight"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "hostname=s:web2"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "hostname=s:web2"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, ""), WD_OK);
    EXPECT_INT(feed(a, 0, 1, ""), WD_OK);
    EXPECT_INT(feed(a, 0, 2, "hostname=s:db"), WD_OK);
    EXPECT_STR(render(a), "{\"columns\":[\"hostname\",\"count()\"],\"rows\":[[\"web1\",3],"
                          "[\"db\",2],[\"web2\",2],[null,2]]}");
    wd_agg_free(a);
}

static void t_stats_multi_value_groups(void)
{
    static const char *by[] = {"tags"};
    reset_pipes();
    pipes_[0] =
        (struct wd_pipe){.kind = WD_PIPE_STATS, .naggs = 1, .aggs = &count_, .nby = 1, .by = by};
    struct wd_agg *a = mk(1);
    FAIL_UNLESS(a);
    EXPECT_INT(feed(a, 0, 1, "tags=s:a,s:b"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "tags=s:a"), WD_OK);
    EXPECT_INT(feed(a, 0, 10, "tags=s:a,s:a"), WD_OK); /* once per group per event */
    EXPECT_STR(render(a), "{\"columns\":[\"tags\",\"count()\"],\"rows\":[[\"a\",12],[\"b\",1]]}");
    wd_agg_free(a);
}

static void t_stats_two_by_numbers_and_bools(void)
{
    static const char *by[] = {"x", "y"};
    reset_pipes();
    pipes_[0] =
        (struct wd_pipe){.kind = WD_PIPE_STATS, .naggs = 1, .aggs = &count_, .nby = 2, .by = by};
    struct wd_agg *a = mk(1);
    FAIL_UNLESS(a);
    EXPECT_INT(feed(a, 0, 1, "x=i:10;y=b:true"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "x=i:9;y=b:false"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "x=s:9;y=b:false"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "x=f:1e1;y=s:z"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "x=i:9;y=b:true"), WD_OK);
    /* multi x multi: 2 x 2 groups */
    EXPECT_INT(feed(a, 0, 1, "x=i:1,i:2;y=s:p,s:q"), WD_OK);
    EXPECT_STR(render(a), "{\"columns\":[\"x\",\"y\",\"count()\"],\"rows\":["
                          "[1,\"p\",1],[1,\"q\",1],[2,\"p\",1],[2,\"q\",1],"
                          "[9,false,1],[9,true,1],[1e1,\"z\",1],[10,true,1],[\"9\",false,1]]}");
    wd_agg_free(a);
}

static void t_stats_empty_results(void)
{
    static struct wd_aggspec ag[] = {
        {WD_AGG_COUNT, NULL, 0, "count()"}, {WD_AGG_SUM, "x", 0, "sum(x)"},
        {WD_AGG_AVG, "x", 0, "avg(x)"},     {WD_AGG_MIN, "x", 0, "min(x)"},
        {WD_AGG_MAX, "x", 0, "max(x)"},     {WD_AGG_DC, "x", 0, "dc(x)"},
        {WD_AGG_PCT, "x", 50, "p50(x)"},
    };
    reset_pipes();
    pipes_[0] = (struct wd_pipe){.kind = WD_PIPE_STATS, .naggs = 7, .aggs = ag};
    struct wd_agg *a = mk(1);
    FAIL_UNLESS(a);
    EXPECT_STR(render(a), "{\"columns\":[\"count()\",\"sum(x)\",\"avg(x)\",\"min(x)\",\"max(x)\","
                          "\"dc(x)\",\"p50(x)\"],\"rows\":[[0,0,null,null,null,0,null]]}");
    wd_agg_free(a);
    /* Events without numeric values: same shape, count() counts them. */
    a = mk(1);
    FAIL_UNLESS(a);
    EXPECT_INT(feed(a, 0, 2, "x=s:abc"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "x=b:true"), WD_OK);
    EXPECT_STR(render(a), "{\"columns\":[\"count()\",\"sum(x)\",\"avg(x)\",\"min(x)\",\"max(x)\","
                          "\"dc(x)\",\"p50(x)\"],\"rows\":[[3,0,null,null,null,2,null]]}");
    wd_agg_free(a);
}

static void t_stats_numeric_functions(void)
{
    static struct wd_aggspec ag[] = {
        {WD_AGG_COUNT, NULL, 0, "count()"}, {WD_AGG_SUM, "x", 0, "sum(x)"},
        {WD_AGG_AVG, "x", 0, "avg(x)"},     {WD_AGG_MIN, "x", 0, "min(x)"},
        {WD_AGG_MAX, "x", 0, "max(x)"},
    };
    static const char *by[] = {"g"};
    reset_pipes();
    pipes_[0] = (struct wd_pipe){.kind = WD_PIPE_STATS, .naggs = 5, .aggs = ag, .nby = 1, .by = by};
    struct wd_agg *a = mk(1);
    FAIL_UNLESS(a);
    /* g=f: 5 + 2.5 + 2*10 ("10") + 10.0 ("1e1") = 37.5 over 5 numeric weights */
    EXPECT_INT(feed(a, 0, 1, "g=s:f;x=i:5"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "g=s:f;x=f:2.5"), WD_OK);
    EXPECT_INT(feed(a, 0, 2, "g=s:f;x=s:10"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "g=s:f;x=s:1e1"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "g=s:f;x=s:abc"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "g=s:f;x=s: 1"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "g=s:f;x=s:0x10"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "g=s:f;x=b:true"), WD_OK);
    /* g=i: integers only, multi-valued: 3 + 4 + -2 */
    EXPECT_INT(feed(a, 0, 1, "g=s:i;x=i:3,s:4"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "g=s:i;x=s:-2"), WD_OK);
    /* g=o: integer overflow turns the sum into a float */
    EXPECT_INT(feed(a, 0, 1, "g=s:o;x=i:9223372036854775807"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "g=s:o;x=i:1"), WD_OK);
    EXPECT_STR(render(a),
               "{\"columns\":[\"g\",\"count()\",\"sum(x)\",\"avg(x)\",\"min(x)\",\"max(x)\"],"
               "\"rows\":[[\"f\",9,37.5,7.5,2.5,10],[\"i\",2,5,1.6666666666666667,-2,4],"
               "[\"o\",2,9.223372036854776e+18,4.611686018427388e+18,1,9223372036854775807]]}");
    wd_agg_free(a);
}

static void t_stats_dc_exact(void)
{
    static struct wd_aggspec ag[] = {{WD_AGG_DC, "user", 0, "dc(user)"},
                                     {WD_AGG_COUNT, NULL, 0, "count()"}};
    static const char *by[] = {"host"};
    reset_pipes();
    pipes_[0] = (struct wd_pipe){.kind = WD_PIPE_STATS, .naggs = 2, .aggs = ag, .nby = 1, .by = by};
    struct wd_agg *a = mk(1);
    FAIL_UNLESS(a);
    EXPECT_INT(wd_agg_nfields(a), 2);
    EXPECT_STR(wd_agg_field(a, 0), "host");
    EXPECT_STR(wd_agg_field(a, 1), "user");
    EXPECT_INT(feed(a, 0, 100, "host=s:a;user=s:bob"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "host=s:a;user=s:bob,s:eve"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "host=s:a;user=i:1"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "host=s:a;user=s:1"), WD_OK); /* a string, not the int 1 */
    EXPECT_INT(feed(a, 0, 1, "host=s:a"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "host=s:b;user=s:bob"), WD_OK);
    for (int i = 0; i < 3000; i++) {
        char spec[64];
        snprintf(spec, sizeof(spec), "host=s:c;user=s:u%d", i % 2500);
        EXPECT_INT(feed(a, 0, 1, spec), WD_OK);
    }
    EXPECT_STR(render(a), "{\"columns\":[\"host\",\"dc(user)\",\"count()\"],\"rows\":"
                          "[[\"c\",2500,3000],[\"a\",4,104],[\"b\",1,1]]}");
    wd_agg_free(a);
}

static void t_stats_percentiles_nearest_rank(void)
{
    static struct wd_aggspec ag[] = {
        {WD_AGG_PCT, "x", 50, "p50(x)"},     {WD_AGG_PCT, "x", 95, "p95(x)"},
        {WD_AGG_PCT, "x", 100, "p100(x)"},   {WD_AGG_PCT, "x", 0, "p0(x)"},
        {WD_AGG_PCT, "x", 99.9, "p99.9(x)"},
    };
    static const char *by[] = {"g"};
    reset_pipes();
    pipes_[0] = (struct wd_pipe){.kind = WD_PIPE_STATS, .naggs = 5, .aggs = ag, .nby = 1, .by = by};
    struct wd_agg *a = mk(1);
    FAIL_UNLESS(a);
    /* g=a: 1..20 fed in reverse */
    for (int i = 20; i >= 1; i--) {
        char spec[64];
        snprintf(spec, sizeof(spec), "g=s:a;x=i:%d", i);
        EXPECT_INT(feed(a, 0, 1, spec), WD_OK);
    }
    /* g=b: weights: 1 x999, 100 x1 (n = 1000; p99.9 -> rank 999 -> 1) */
    EXPECT_INT(feed(a, 0, 999, "g=s:b;x=i:1"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "g=s:b;x=s:100"), WD_OK);
    /* g=c: floats */
    EXPECT_INT(feed(a, 0, 1, "g=s:c;x=f:2.5"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "g=s:c;x=f:1.5;x=s:x"), WD_OK);
    EXPECT_STR(render(a),
               "{\"columns\":[\"g\",\"p50(x)\",\"p95(x)\",\"p100(x)\",\"p0(x)\",\"p99.9(x)\"],"
               "\"rows\":[[\"a\",10,19,20,1,20],[\"c\",1.5,2.5,2.5,1.5,2.5],[\"b\",1,1,100,1,1]]}");
    wd_agg_free(a);
}

/* ---- top ---- */

static void t_top(void)
{
    reset_pipes();
    pipes_[0] = (struct wd_pipe){.kind = WD_PIPE_TOP, .n = 2, .field = "host"};
    struct wd_agg *a = mk(1);
    FAIL_UNLESS(a);
    EXPECT_INT(feed(a, 0, 3, "host=s:a"), WD_OK);
    EXPECT_INT(feed(a, 0, 2, "host=s:c"), WD_OK);
    EXPECT_INT(feed(a, 0, 2, "host=s:b"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, ""), WD_OK); /* missing: in the total, not a row */
    EXPECT_STR(render(a), "{\"columns\":[\"host\",\"count\",\"percent\"],\"rows\":"
                          "[[\"a\",3,37.5],[\"b\",2,25.0]]}");
    wd_agg_free(a);
    /* Multi-valued: each value counts; percent is against events. */
    pipes_[0].n = 10;
    a = mk(1);
    FAIL_UNLESS(a);
    EXPECT_INT(feed(a, 0, 1, "host=s:x,s:y"), WD_OK);
    EXPECT_INT(feed(a, 0, 2, "host=s:y"), WD_OK);
    EXPECT_STR(render(a), "{\"columns\":[\"host\",\"count\",\"percent\"],\"rows\":"
                          "[[\"y\",3,100.0],[\"x\",1,33.333333333333336]]}");
    wd_agg_free(a);
}

/* ---- timechart ---- */

static void t_timechart_fills_buckets(void)
{
    static struct wd_aggspec ag[] = {{WD_AGG_COUNT, NULL, 0, "count()"},
                                     {WD_AGG_AVG, "x", 0, "avg(x)"},
                                     {WD_AGG_SUM, "x", 0, "sum(x)"}};
    reset_pipes();
    pipes_[0] = (struct wd_pipe){
        .kind = WD_PIPE_TIMECHART, .naggs = 3, .aggs = ag, .span_us = 5 * 60 * INT64_C(1000000)};
    struct wd_agg *a = mk(1);
    FAIL_UNLESS(a);
    FAIL_UNLESS(wd_agg_needs_time(a));
    EXPECT_INT(wd_agg_nfields(a), 1);
    EXPECT_INT(feed(a, MIN(17), 1, "x=i:4"), WD_OK); /* newest first */
    EXPECT_INT(feed(a, MIN(6), 2, "x=i:1"), WD_OK);
    EXPECT_INT(feed(a, MIN(5) + 10000000, 1, "x=i:2"), WD_OK);
    EXPECT_STR(render(a), "{\"columns\":[\"_time\",\"count()\",\"avg(x)\",\"sum(x)\"],\"rows\":["
                          "[\"2026-12-01T10:05:00Z\",3,1.3333333333333333,4],"
                          "[\"2026-12-01T10:10:00Z\",0,null,0],"
                          "[\"2026-12-01T10:15:00Z\",1,4.0,4]]}");
    wd_agg_free(a);
    /* Before the epoch: floor, not truncation. */
    pipes_[0].naggs = 1;
    a = mk(1);
    FAIL_UNLESS(a);
    EXPECT_INT(feed(a, -1, 1, ""), WD_OK);
    EXPECT_STR(render(a), "{\"columns\":[\"_time\",\"count()\"],\"rows\":["
                          "[\"1969-12-31T23:55:00Z\",1]]}");
    wd_agg_free(a);
    /* No events: no rows. */
    a = mk(1);
    FAIL_UNLESS(a);
    EXPECT_STR(render(a), "{\"columns\":[\"_time\",\"count()\"],\"rows\":[]}");
    wd_agg_free(a);
}

static void t_timechart_by_long_form(void)
{
    static const char *by[] = {"host"};
    reset_pipes();
    pipes_[0] = (struct wd_pipe){.kind = WD_PIPE_TIMECHART,
                                 .naggs = 0, /* default count() */
                                 .nby = 1,
                                 .by = by,
                                 .span_us = 5 * 60 * INT64_C(1000000)};
    struct wd_agg *a = mk(1);
    FAIL_UNLESS(a);
    EXPECT_INT(feed(a, MIN(15), 1, "host=s:b"), WD_OK);
    EXPECT_INT(feed(a, MIN(5), 2, "host=s:a"), WD_OK);
    EXPECT_INT(feed(a, MIN(6), 1, ""), WD_OK);
    EXPECT_STR(render(a), "{\"columns\":[\"_time\",\"host\",\"count()\"],\"rows\":["
                          "[\"2026-12-01T10:05:00Z\",\"a\",2],[\"2026-12-01T10:05:00Z\",\"b\",0],"
                          "[\"2026-12-01T10:05:00Z\",null,1],"
                          "[\"2026-12-01T10:10:00Z\",\"a\",0],[\"2026-12-01T10:10:00Z\",\"b\",0],"
                          "[\"2026-12-01T10:10:00Z\",null,0],"
                          "[\"2026-12-01T10:15:00Z\",\"a\",0],[\"2026-12-01T10:15:00Z\",\"b\",1],"
                          "[\"2026-12-01T10:15:00Z\",null,0]]}");
    wd_agg_free(a);
}

/* ---- table pipes ---- */

static void t_sort_after_stats(void)
{
    static const char *by[] = {"x"};
    static struct wd_sortkey asc[] = {{"x", false}};
    static struct wd_sortkey desc[] = {{"x", true}};
    static struct wd_sortkey two[] = {{"count()", false}, {"x", true}};
    struct wd_sortkey *ks[] = {asc, desc, two};
    uint32_t nk[] = {1, 1, 2};
    const char *want[] = {
        "{\"columns\":[\"x\",\"count()\"],\"rows\":[[9,1],[10,2],[\"a\",2],[null,1]]}",
        "{\"columns\":[\"x\",\"count()\"],\"rows\":[[\"a\",2],[10,2],[9,1],[null,1]]}",
        "{\"columns\":[\"x\",\"count()\"],\"rows\":[[9,1],[null,1],[\"a\",2],[10,2]]}",
    };
    for (int k = 0; k < 3; k++) {
        reset_pipes();
        pipes_[0] = (struct wd_pipe){
            .kind = WD_PIPE_STATS, .naggs = 1, .aggs = &count_, .nby = 1, .by = by};
        pipes_[1] = (struct wd_pipe){.kind = WD_PIPE_SORT, .nkeys = nk[k], .keys = ks[k]};
        struct wd_agg *a = mk(2);
        FAIL_UNLESS(a);
        EXPECT_INT(feed(a, 0, 2, "x=s:a"), WD_OK);
        EXPECT_INT(feed(a, 0, 1, "x=i:9"), WD_OK);
        EXPECT_INT(feed(a, 0, 2, "x=i:10"), WD_OK);
        EXPECT_INT(feed(a, 0, 1, ""), WD_OK);
        EXPECT_STR(render(a), want[k]);
        wd_agg_free(a);
    }
}

static void t_fields_head_after_stats(void)
{
    static struct wd_aggspec ag[] = {{WD_AGG_SUM, "x", 0, "sum(x)"},
                                     {WD_AGG_COUNT, NULL, 0, "count()"}};
    static const char *by[] = {"host"};
    static const char *fl[] = {"count()", "host"};
    reset_pipes();
    pipes_[0] = (struct wd_pipe){.kind = WD_PIPE_STATS, .naggs = 2, .aggs = ag, .nby = 1, .by = by};
    pipes_[1] = (struct wd_pipe){.kind = WD_PIPE_FIELDS, .nfields = 2, .fields = fl};
    pipes_[2] = (struct wd_pipe){.kind = WD_PIPE_HEAD, .n = 1};
    struct wd_agg *a = mk(3);
    FAIL_UNLESS(a);
    EXPECT_INT(feed(a, 0, 1, "host=s:a;x=i:1"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "host=s:b;x=i:7"), WD_OK);
    EXPECT_STR(render(a), "{\"columns\":[\"count()\",\"host\"],\"rows\":[[1,\"b\"]]}");
    FAIL_UNLESS(wd_agg_render(a, &(struct wd_buf){0}) == WD_EINVAL); /* once only */
    wd_agg_free(a);
}

static void t_stats_of_stats(void)
{
    static const char *by1[] = {"host"};
    static const char *by2[] = {"count()"};
    static struct wd_aggspec ag2[] = {{WD_AGG_COUNT, NULL, 0, "hosts"}};
    reset_pipes();
    pipes_[0] =
        (struct wd_pipe){.kind = WD_PIPE_STATS, .naggs = 1, .aggs = &count_, .nby = 1, .by = by1};
    pipes_[1] =
        (struct wd_pipe){.kind = WD_PIPE_STATS, .naggs = 1, .aggs = ag2, .nby = 1, .by = by2};
    pipes_[2] = (struct wd_pipe){.kind = WD_PIPE_TOP, .n = 5, .field = "count()"};
    struct wd_agg *a = mk(2);
    FAIL_UNLESS(a);
    EXPECT_INT(feed(a, 0, 3, "host=s:a"), WD_OK);
    EXPECT_INT(feed(a, 0, 3, "host=s:b"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "host=s:c"), WD_OK);
    EXPECT_STR(render(a), "{\"columns\":[\"count()\",\"hosts\"],\"rows\":[[3,2],[1,1]]}");
    wd_agg_free(a);
    a = mk(3);
    FAIL_UNLESS(a);
    EXPECT_INT(feed(a, 0, 3, "host=s:a"), WD_OK);
    EXPECT_STR(render(a),
               "{\"columns\":[\"count()\",\"count\",\"percent\"],\"rows\":[[3,1,100.0]]}");
    wd_agg_free(a);
}

static void t_head_before_stats(void)
{
    reset_pipes();
    pipes_[0] = (struct wd_pipe){.kind = WD_PIPE_HEAD, .n = 3};
    pipes_[1] = (struct wd_pipe){.kind = WD_PIPE_STATS, .naggs = 1, .aggs = &count_};
    struct wd_agg *a = mk(2);
    FAIL_UNLESS(a);
    EXPECT_INT(wd_agg_nfields(a), 0);
    EXPECT_INT(feed(a, 0, 2, ""), WD_OK);
    EXPECT_INT(feed(a, 0, 2, ""), WD_ENOENT); /* clipped to 1 */
    EXPECT_INT(feed(a, 0, 2, ""), WD_ENOENT);
    EXPECT_STR(render(a), "{\"columns\":[\"count()\"],\"rows\":[[3]]}");
    wd_agg_free(a);
}

/* ---- errors ---- */

static int new_err(uint32_t npipes, const char **msg)
{
    struct wd_agg *a = NULL;
    struct wd_perr err = {0, 99, NULL};
    int rc = wd_agg_new(query(npipes), &a, &err);
    *msg = err.msg;
    if (rc == WD_OK) {
        wd_agg_free(a);
        return rc;
    }
    if (a || err.off != 0 || err.code != rc)
        return 12345;
    return rc;
}

static void t_pipe_errors(void)
{
    static const char *by[] = {"host"};
    static struct wd_sortkey bad[] = {{"nosuch", false}};
    static struct wd_sortkey cnt[] = {{"count()", false}};
    static const char *flhost[] = {"host"};
    static const char *flbad[] = {"nosuch"};
    const char *msg;
    struct wd_pipe stats = {.kind = WD_PIPE_STATS, .naggs = 1, .aggs = &count_, .nby = 1, .by = by};

    reset_pipes();
    pipes_[0] = stats;
    pipes_[1] = (struct wd_pipe){.kind = WD_PIPE_SORT, .nkeys = 1, .keys = bad};
    EXPECT_INT(new_err(2, &msg), WD_EINVAL);
    EXPECT_STR(msg, "sort: no such column");

    pipes_[1] = (struct wd_pipe){.kind = WD_PIPE_FIELDS, .nfields = 1, .fields = flhost};
    pipes_[2] = (struct wd_pipe){.kind = WD_PIPE_SORT, .nkeys = 1, .keys = cnt};
    EXPECT_INT(new_err(3, &msg), WD_EINVAL);
    EXPECT_STR(msg, "sort: no such column");
    EXPECT_INT(new_err(2, &msg), WD_OK);

    pipes_[1] = (struct wd_pipe){.kind = WD_PIPE_FIELDS, .nfields = 1, .fields = flbad};
    EXPECT_INT(new_err(2, &msg), WD_EINVAL);
    EXPECT_STR(msg, "fields: no such column");

    pipes_[1] = (struct wd_pipe){.kind = WD_PIPE_TIMECHART, .span_us = 1000000};
    EXPECT_INT(new_err(2, &msg), WD_EINVAL);
    EXPECT_STR(msg, "timechart: must come before stats and top");

    pipes_[1] = (struct wd_pipe){.kind = WD_PIPE_TOP, .n = 3, .field = "nosuch"};
    EXPECT_INT(new_err(2, &msg), WD_EINVAL);
    EXPECT_STR(msg, "top: no such column");

    reset_pipes();
    pipes_[0] = (struct wd_pipe){.kind = WD_PIPE_TOP, .n = 3};
    EXPECT_INT(new_err(1, &msg), WD_EINVAL);
    EXPECT_STR(msg, "top: needs a field");

    pipes_[0] = (struct wd_pipe){.kind = WD_PIPE_TIMECHART, .span_us = 0};
    EXPECT_INT(new_err(1, &msg), WD_EINVAL);
    EXPECT_STR(msg, "timechart: the span must be positive");

    static struct wd_aggspec nofield = {WD_AGG_SUM, NULL, 0, "sum()"};
    pipes_[0] = (struct wd_pipe){.kind = WD_PIPE_STATS, .naggs = 1, .aggs = &nofield};
    EXPECT_INT(new_err(1, &msg), WD_EINVAL);
    EXPECT_STR(msg, "stats: this function needs a field");

    /* In event mode any field may be a sort key. */
    pipes_[0] = (struct wd_pipe){.kind = WD_PIPE_SORT, .nkeys = 1, .keys = bad};
    EXPECT_INT(new_err(1, &msg), WD_OK);
}

/* ---- limits ---- */

static void t_limits(void)
{
    static const char *by[] = {"x"};
    static struct wd_aggspec dc[] = {{WD_AGG_DC, "x", 0, "dc(x)"}};
    static struct wd_aggspec pct[] = {{WD_AGG_PCT, "x", 95, "p95(x)"}};
    reset_pipes();
    pipes_[0] =
        (struct wd_pipe){.kind = WD_PIPE_STATS, .naggs = 1, .aggs = &count_, .nby = 1, .by = by};
    struct wd_agg *a = mk(1);
    FAIL_UNLESS(a);
    wd_agg_set_limits(a, 10, 0, 0, 0);
    for (int i = 0; i < 10; i++) {
        char spec[32];
        snprintf(spec, sizeof(spec), "x=i:%d", i);
        EXPECT_INT(feed(a, 0, 1, spec), WD_OK);
    }
    EXPECT_INT(feed(a, 0, 1, "x=i:3"), WD_OK); /* existing group */
    EXPECT_INT(feed(a, 0, 1, "x=i:10"), WD_ELIMIT);
    EXPECT_INT(feed(a, 0, 1, "x=i:3"), WD_ELIMIT); /* sticky */
    EXPECT_STR(render(a), "error -4");
    wd_agg_free(a);

    /* The default group cap. */
    a = mk(1);
    FAIL_UNLESS(a);
    struct wd_qval v = {.type = WD_QV_INT};
    const struct wd_qval *vp[1] = {&v};
    uint32_t nv[1] = {1};
    int rc = WD_OK;
    uint32_t i;
    for (i = 0; i <= WD_AGG_MAX_GROUPS && rc == WD_OK; i++) {
        v.i = i;
        rc = wd_agg_row(a, 0, vp, nv, 1);
    }
    EXPECT_INT(rc, WD_ELIMIT);
    EXPECT_INT(i, WD_AGG_MAX_GROUPS + 1);
    wd_agg_free(a);

    /* Combinations of multi-valued by fields. */
    static const char *by2[] = {"x", "y"};
    pipes_[0].nby = 2;
    pipes_[0].by = by2;
    a = mk(1);
    FAIL_UNLESS(a);
    struct wd_qval many[100];
    for (int k = 0; k < 100; k++)
        many[k] = (struct wd_qval){.type = WD_QV_INT, .i = k};
    const struct wd_qval *mp[2] = {many, many};
    uint32_t mn[2] = {100, 100};
    EXPECT_INT(wd_agg_row(a, 0, mp, mn, 1), WD_ELIMIT);
    wd_agg_free(a);

    /* dc and percentile entries. */
    pipes_[0] = (struct wd_pipe){.kind = WD_PIPE_STATS, .naggs = 1, .aggs = dc};
    a = mk(1);
    FAIL_UNLESS(a);
    wd_agg_set_limits(a, 0, 0, 3, 0);
    EXPECT_INT(feed(a, 0, 1, "x=s:a,s:b,s:c"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "x=s:a"), WD_OK);
    EXPECT_INT(feed(a, 0, 1, "x=s:d"), WD_ELIMIT);
    wd_agg_free(a);
    pipes_[0].aggs = pct;
    a = mk(1);
    FAIL_UNLESS(a);
    wd_agg_set_limits(a, 0, 0, 2, 0);
    EXPECT_INT(feed(a, 0, 5, "x=i:1"), WD_OK);
    EXPECT_INT(feed(a, 0, 5, "x=i:1"), WD_OK);
    EXPECT_INT(feed(a, 0, 5, "x=i:1"), WD_ELIMIT);
    wd_agg_free(a);

    /* Timechart buckets: the range from the first to the last. */
    reset_pipes();
    pipes_[0] = (struct wd_pipe){.kind = WD_PIPE_TIMECHART, .span_us = 1000000};
    a = mk(1);
    FAIL_UNLESS(a);
    wd_agg_set_limits(a, 0, 5, 0, 0);
    EXPECT_INT(feed(a, 4000000, 1, ""), WD_OK);
    EXPECT_INT(feed(a, 0, 1, ""), WD_OK);
    EXPECT_INT(feed(a, 5000000, 1, ""), WD_ELIMIT);
    wd_agg_free(a);
    a = mk(1);
    FAIL_UNLESS(a);
    EXPECT_INT(feed(a, 0, 1, ""), WD_OK);
    EXPECT_INT(feed(a, (int64_t)WD_AGG_MAX_BUCKETS * 1000000, 1, ""), WD_ELIMIT);
    wd_agg_free(a);

    /* Rows held in event mode. */
    a = mk(0);
    FAIL_UNLESS(a);
    wd_agg_set_limits(a, 0, 0, 0, 2);
    EXPECT_INT(feed(a, 0, 2, ""), WD_OK);
    EXPECT_INT(feed(a, 0, 1, ""), WD_ELIMIT);
    wd_agg_free(a);
}

static void t_escaping(void)
{
    static const char *by[] = {"we\"ird"};
    static struct wd_aggspec ag[] = {{WD_AGG_COUNT, NULL, 0, "n\\"}};
    reset_pipes();
    pipes_[0] = (struct wd_pipe){.kind = WD_PIPE_STATS, .naggs = 1, .aggs = ag, .nby = 1, .by = by};
    struct wd_agg *a = mk(1);
    FAIL_UNLESS(a);
    struct wd_qval v = {.type = WD_QV_STR, .s = {"a\"b\n\xff", 5}};
    const struct wd_qval *vp[1] = {&v};
    uint32_t nv[1] = {1};
    EXPECT_INT(wd_agg_row(a, 0, vp, nv, 1), WD_OK);
    EXPECT_STR(render(a), "{\"columns\":[\"we\\\"ird\",\"n\\\\\"],\"rows\":"
                          "[[\"a\\\"b\\n\xef\xbf\xbd\",1]]}");
    wd_agg_free(a);
}

WD_TEST_LIST{
    {"agg_event_default_columns", t_event_default_columns},
    {"agg_event_head_stops_early", t_event_head_stops_early},
    {"agg_event_fields_sort_any_field", t_event_fields_sort_any_field},
    {"agg_event_sort_head_keeps_best_stable", t_event_sort_head_keeps_best_stable},
    {"agg_event_head_then_sort", t_event_head_then_sort},
    {"agg_stats_count_by_order_and_nulls", t_stats_count_by_order_and_nulls},
    {"agg_stats_multi_value_groups", t_stats_multi_value_groups},
    {"agg_stats_two_by_numbers_and_bools", t_stats_two_by_numbers_and_bools},
    {"agg_stats_empty_results", t_stats_empty_results},
    {"agg_stats_numeric_functions", t_stats_numeric_functions},
    {"agg_stats_dc_exact", t_stats_dc_exact},
    {"agg_stats_percentiles_nearest_rank", t_stats_percentiles_nearest_rank},
    {"agg_top", t_top},
    {"agg_timechart_fills_buckets", t_timechart_fills_buckets},
    {"agg_timechart_by_long_form", t_timechart_by_long_form},
    {"agg_sort_after_stats", t_sort_after_stats},
    {"agg_fields_head_after_stats", t_fields_head_after_stats},
    {"agg_stats_of_stats", t_stats_of_stats},
    {"agg_head_before_stats", t_head_before_stats},
    {"agg_pipe_errors", t_pipe_errors},
    {"agg_limits", t_limits},
    {"agg_escaping", t_escaping},
};

WD_TEST_MAIN
