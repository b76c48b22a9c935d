/*
 * test_sumstats.c: the SumStats reducers against shared/spec/zeek.md 2.2-2.3: each
 * calculation on hand-computed inputs, Welford variance against a two-pass computation,
 * the UNIQUE cap+1 rule, HLL accuracy and merge, Space-Saving guarantees, seeded
 * reservoir sampling, the LAST queue, merges of split streams, JSON and memory accounting.
 */
#include <math.h>

#include "mem.h"
#include "sumstats.h"
#include "ward.h"
#include "wd_test.h"

static struct wd_ss_obs num_obs(uint64_t v)
{
    return (struct wd_ss_obs){.type = WD_SS_OBS_NUM, .num = v};
}

static struct wd_ss_obs dbl_obs(double v)
{
    return (struct wd_ss_obs){.type = WD_SS_OBS_DBL, .dbl = v};
}

static struct wd_ss_obs str_obs(const char *s)
{
    return (struct wd_ss_obs){.type = WD_SS_OBS_STR, .str = {s, strlen(s)}};
}

/* A test-local generator (not the module's), so inputs do not depend on the code tested. */
static uint64_t xs_state = 88172645463325252ull;
static uint64_t xs(void)
{
    xs_state ^= xs_state << 13;
    xs_state ^= xs_state >> 7;
    xs_state ^= xs_state << 17;
    return xs_state;
}

static bool near(double a, double b, double rel)
{
    return fabs(a - b) <= rel * fmax(1.0, fmax(fabs(a), fabs(b)));
}

static void t_parse_calc(void)
{
    EXPECT_INT(wd_ss_parse_calc("SUM", 3), WD_SS_SUM);
    EXPECT_INT(wd_ss_parse_calc("std_dev", 7), WD_SS_STD_DEV);
    EXPECT_INT(wd_ss_parse_calc("Hll_Unique", 10), WD_SS_HLL_UNIQUE);
    EXPECT_INT(wd_ss_parse_calc("last", 4), WD_SS_LAST);
    EXPECT_INT(wd_ss_parse_calc("SU", 2), -1);
    EXPECT_INT(wd_ss_parse_calc("SUMS", 4), -1);
    EXPECT_INT(wd_ss_parse_calc("MEDIAN", 6), -1);
    EXPECT_STR(wd_ss_calc_name(WD_SS_TOPK), "TOPK");
    FAIL_UNLESS(wd_ss_calc_name(WD_SS__COUNT) == NULL);
}

static void t_dependencies(void)
{
    struct wd_ss_result *r = wd_ss_result_new(WD_SS_BIT(WD_SS_STD_DEV), NULL);
    FAIL_UNLESS(r);
    FAIL_UNLESS(wd_ss_has(r, WD_SS_VARIANCE) && wd_ss_has(r, WD_SS_AVERAGE));
    FAIL_IF(wd_ss_has(r, WD_SS_SUM));
    FAIL_UNLESS(isnan(wd_ss_value(r, WD_SS_SUM)));
    wd_ss_result_free(r);
    FAIL_UNLESS(wd_ss_result_new(1u << WD_SS__COUNT, NULL) == NULL);
    struct wd_ss_params p = {.hll_error = 1.5};
    FAIL_UNLESS(wd_ss_result_new(WD_SS_BIT(WD_SS_HLL_UNIQUE), &p) == NULL);
}

static void t_hll_bits(void)
{
    /* 2(ln 1.04 - ln 0.01)/ln 2 = 13.40; erf(2^((b-13.40)/2)/sqrt 2) >= 0.95 first at 16. */
    EXPECT_INT(wd_ss_hll_bits(0.01, 0.95), 16);
    /* 0.05: estimate 8.76; b=9 gives k=1.09 (erf 0.72), 10 k=1.54 (0.88), 11 k=2.18 (0.97) */
    EXPECT_INT(wd_ss_hll_bits(0.05, 0.95), 11);
    EXPECT_INT(wd_ss_hll_bits(0.5, 0.5), 4);
}

static void t_basic_values(void)
{
    struct wd_ss_result *r = wd_ss_result_new(WD_SS_ALL & ~WD_SS_BIT(WD_SS_HLL_UNIQUE), NULL);
    FAIL_UNLESS(r);
    FAIL_UNLESS(isnan(wd_ss_value(r, WD_SS_MIN)));
    EXPECT_INT(wd_ss_value(r, WD_SS_SUM), 0);
    static const uint64_t v[] = {3, 1, 4, 2, 10};
    for (size_t i = 0; i < WD_ARRAY_LEN(v); i++) {
        struct wd_ss_obs o = num_obs(v[i]);
        EXPECT_INT(wd_ss_observe(r, &o, 1000 + (int64_t)i), WD_OK);
    }
    EXPECT_INT(wd_ss_num(r), 5);
    EXPECT_INT(wd_ss_begin(r), 1000);
    EXPECT_INT(wd_ss_end(r), 1004);
    FAIL_UNLESS(wd_ss_value(r, WD_SS_SUM) == 20.0);
    FAIL_UNLESS(wd_ss_value(r, WD_SS_MIN) == 1.0);
    FAIL_UNLESS(wd_ss_value(r, WD_SS_MAX) == 10.0);
    FAIL_UNLESS(wd_ss_value(r, WD_SS_AVERAGE) == 4.0);
    /* deviations -1 -3 0 -2 6: squares 50, sample variance 50/4 */
    FAIL_UNLESS(near(wd_ss_value(r, WD_SS_VARIANCE), 12.5, 1e-12));
    FAIL_UNLESS(near(wd_ss_value(r, WD_SS_STD_DEV), sqrt(12.5), 1e-12));
    EXPECT_INT(wd_ss_value(r, WD_SS_UNIQUE), 5);
    FAIL_UNLESS(isnan(wd_ss_value(r, WD_SS_TOPK)));
    struct wd_ss_obs bad = {.type = 9};
    EXPECT_INT(wd_ss_observe(r, &bad, 0), WD_EINVAL);
    EXPECT_INT(wd_ss_num(r), 5);
    wd_ss_result_free(r);
}

static void t_single_observation(void)
{
    struct wd_ss_result *r = wd_ss_result_new(WD_SS_BIT(WD_SS_STD_DEV), NULL);
    struct wd_ss_obs o = dbl_obs(-2.5);
    FAIL_UNLESS(r && wd_ss_observe(r, &o, 7) == WD_OK);
    FAIL_UNLESS(wd_ss_value(r, WD_SS_AVERAGE) == -2.5);
    FAIL_UNLESS(wd_ss_value(r, WD_SS_VARIANCE) == 0.0); /* n-1 = 0: Zeek reports 0 */
    FAIL_UNLESS(wd_ss_value(r, WD_SS_STD_DEV) == 0.0);
    wd_ss_result_free(r);
}

static void t_string_counts_one(void)
{
    struct wd_ss_result *r = wd_ss_result_new(
        WD_SS_BIT(WD_SS_SUM) | WD_SS_BIT(WD_SS_AVERAGE) | WD_SS_BIT(WD_SS_MAX), NULL);
    FAIL_UNLESS(r);
    struct wd_ss_obs a = str_obs("10.0.0.1"), b = str_obs("99"), c = dbl_obs(0.5);
    wd_ss_observe(r, &a, 1);
    wd_ss_observe(r, &b, 2); /* a numeric-looking string is still 1.0 */
    FAIL_UNLESS(wd_ss_value(r, WD_SS_SUM) == 2.0);
    FAIL_UNLESS(wd_ss_value(r, WD_SS_MAX) == 1.0);
    wd_ss_observe(r, &c, 3);
    FAIL_UNLESS(wd_ss_value(r, WD_SS_SUM) == 2.5);
    FAIL_UNLESS(near(wd_ss_value(r, WD_SS_AVERAGE), 2.5 / 3, 1e-15));
    wd_ss_result_free(r);
}

static void t_variance_two_pass(void)
{
    enum { N = 20000 };
    static double v[N];
    struct wd_ss_result *r = wd_ss_result_new(WD_SS_BIT(WD_SS_STD_DEV), NULL);
    FAIL_UNLESS(r);
    double sum = 0;
    for (int i = 0; i < N; i++) {
        /* a large offset with a small spread: naive sum-of-squares loses every digit */
        v[i] = 1e9 + (double)(xs() % 100000) / 1000.0;
        sum += v[i];
        struct wd_ss_obs o = dbl_obs(v[i]);
        wd_ss_observe(r, &o, i);
    }
    double mean = sum / N, ss = 0;
    for (int i = 0; i < N; i++)
        ss += (v[i] - mean) * (v[i] - mean);
    FAIL_UNLESS(near(wd_ss_value(r, WD_SS_AVERAGE), mean, 1e-12));
    FAIL_UNLESS(near(wd_ss_value(r, WD_SS_VARIANCE), ss / (N - 1), 1e-7));
    FAIL_UNLESS(near(wd_ss_value(r, WD_SS_STD_DEV), sqrt(ss / (N - 1)), 1e-7));
    wd_ss_result_free(r);
}

static void t_unique_cap(void)
{
    struct wd_ss_params p = {.unique_max = 3};
    struct wd_ss_result *capped = wd_ss_result_new(WD_SS_BIT(WD_SS_UNIQUE), &p);
    struct wd_ss_result *free_ = wd_ss_result_new(WD_SS_BIT(WD_SS_UNIQUE), NULL);
    FAIL_UNLESS(capped && free_);
    static const char *const s[] = {"a", "b", "a", "c", "d", "e", "f", "b"};
    for (size_t i = 0; i < WD_ARRAY_LEN(s); i++) {
        struct wd_ss_obs o = str_obs(s[i]);
        wd_ss_observe(capped, &o, 0);
        wd_ss_observe(free_, &o, 0);
    }
    EXPECT_INT(wd_ss_value(capped, WD_SS_UNIQUE), 4); /* cap + 1 */
    EXPECT_INT(wd_ss_value(free_, WD_SS_UNIQUE), 6);
    /* whole observations: num 1, dbl 1.0 and str "1" are three distinct values */
    struct wd_ss_result *r = wd_ss_result_new(WD_SS_BIT(WD_SS_UNIQUE), NULL);
    struct wd_ss_obs a = num_obs(1), b = dbl_obs(1.0), c = str_obs("1"), d = dbl_obs(1.0);
    wd_ss_observe(r, &a, 0);
    wd_ss_observe(r, &b, 0);
    wd_ss_observe(r, &c, 0);
    wd_ss_observe(r, &d, 0);
    EXPECT_INT(wd_ss_value(r, WD_SS_UNIQUE), 3);
    /* merge stops adding once the union reaches the cap (Zeek's compose hook) */
    struct wd_ss_result *m1 = wd_ss_result_new(WD_SS_BIT(WD_SS_UNIQUE), &p);
    struct wd_ss_result *m2 = wd_ss_result_new(WD_SS_BIT(WD_SS_UNIQUE), &p);
    for (int i = 0; i < 2; i++) {
        struct wd_ss_obs x = num_obs((uint64_t)i), y = num_obs((uint64_t)i + 10);
        wd_ss_observe(m1, &x, 0);
        wd_ss_observe(m2, &y, 0);
    }
    EXPECT_INT(wd_ss_merge(m1, m2), WD_OK);
    EXPECT_INT(wd_ss_value(m1, WD_SS_UNIQUE), 3);
    wd_ss_result_free(m1);
    wd_ss_result_free(m2);
    wd_ss_result_free(r);
    wd_ss_result_free(capped);
    wd_ss_result_free(free_);
}

static void t_hll_accuracy_and_merge(void)
{
    enum { N = 100000 };
    uint32_t c = WD_SS_BIT(WD_SS_HLL_UNIQUE);
    struct wd_ss_result *all = wd_ss_result_new(c, NULL), *a = wd_ss_result_new(c, NULL),
                        *b = wd_ss_result_new(c, NULL);
    FAIL_UNLESS(all && a && b);
    char s[32];
    for (int i = 0; i < N; i++) {
        int n = snprintf(s, sizeof(s), "user%d@example.org", i);
        struct wd_ss_obs o = {.type = WD_SS_OBS_STR, .str = {s, (size_t)n}};
        wd_ss_observe(all, &o, 0);
        wd_ss_observe(all, &o, 0); /* repeats do not count */
        /* overlapping halves: a gets [0, 60000), b gets [40000, N) */
        if (i < 60000)
            wd_ss_observe(a, &o, 0);
        if (i >= 40000)
            wd_ss_observe(b, &o, 0);
    }
    double est = wd_ss_value(all, WD_SS_HLL_UNIQUE);
    FAIL_UNLESS(fabs(est - N) <= 0.01 * N); /* the default error margin */
    FAIL_UNLESS(fabs(wd_ss_value(a, WD_SS_HLL_UNIQUE) - 60000) <= 600);
    EXPECT_INT(wd_ss_merge(a, b), WD_OK);
    FAIL_UNLESS(wd_ss_value(a, WD_SS_HLL_UNIQUE) == est); /* same registers as the union */
    /* small cardinalities are exact enough through linear counting */
    struct wd_ss_result *s3 = wd_ss_result_new(c, NULL);
    for (int i = 0; i < 3; i++) {
        struct wd_ss_obs o = num_obs((uint64_t)i);
        wd_ss_observe(s3, &o, 0);
    }
    EXPECT_INT(wd_ss_value(s3, WD_SS_HLL_UNIQUE), 3);
    struct wd_ss_params p = {.hll_error = 0.05};
    struct wd_ss_result *other = wd_ss_result_new(c, &p);
    EXPECT_INT(wd_ss_merge(a, other), WD_EINVAL); /* register counts differ */
    wd_ss_result_free(other);
    wd_ss_result_free(s3);
    wd_ss_result_free(all);
    wd_ss_result_free(a);
    wd_ss_result_free(b);
}

/* Skewed stream over `vocab` values: value i appears with weight ~ 1/(i+1). */
static uint64_t skewed(uint64_t vocab)
{
    double u = (double)(xs() >> 11) / 9007199254740992.0;
    uint64_t v = (uint64_t)(pow((double)vocab + 1, u)) - 1;
    return v < vocab ? v : vocab - 1;
}

/* Checks the Space-Saving guarantees of r against exact counts truth[0..vocab). */
static bool topk_sound(const struct wd_ss_result *r, const uint64_t *truth, uint64_t vocab,
                       uint64_t total, uint32_t k)
{
    struct wd_ss_topk_item items[64];
    size_t n = wd_ss_topk(r, 64, items);
    bool seen[4096] = {false};
    for (size_t i = 0; i < n; i++) {
        uint64_t v = items[i].value->num, t = truth[v];
        if (t > items[i].count || items[i].count - items[i].epsilon > t)
            return false;
        if (i && items[i].count > items[i - 1].count)
            return false;
        seen[v] = true;
    }
    for (uint64_t v = 0; v < vocab; v++) /* every heavy hitter is tracked */
        if (truth[v] > total / k && !seen[v])
            return false;
    return true;
}

static void t_topk_space_saving(void)
{
    enum { VOCAB = 4000, N = 50000, K = 40 };
    static uint64_t truth[VOCAB];
    struct wd_ss_params p = {.topk_size = K};
    struct wd_ss_result *r = wd_ss_result_new(WD_SS_BIT(WD_SS_TOPK), &p);
    FAIL_UNLESS(r);
    memset(truth, 0, sizeof(truth));
    for (int i = 0; i < N; i++) {
        uint64_t v = skewed(VOCAB);
        truth[v]++;
        struct wd_ss_obs o = num_obs(v);
        EXPECT_INT(wd_ss_observe(r, &o, i), WD_OK);
    }
    FAIL_UNLESS(topk_sound(r, truth, VOCAB, N, K));
    struct wd_ss_topk_item top[3];
    EXPECT_INT(wd_ss_topk(r, 3, top), 3);
    EXPECT_INT(top[0].value->num, 0); /* the most frequent value */
    /* exact while the distinct values fit */
    struct wd_ss_result *small = wd_ss_result_new(WD_SS_BIT(WD_SS_TOPK), &p);
    static const char *const s[] = {"x", "y", "x", "z", "x", "y"};
    for (size_t i = 0; i < WD_ARRAY_LEN(s); i++) {
        struct wd_ss_obs o = str_obs(s[i]);
        wd_ss_observe(small, &o, 0);
    }
    EXPECT_INT(wd_ss_topk(small, 3, top), 3);
    FAIL_UNLESS(top[0].count == 3 && top[0].epsilon == 0 && top[0].value->str.p[0] == 'x');
    FAIL_UNLESS(top[1].count == 2 && top[2].count == 1 && top[2].value->str.p[0] == 'z');
    wd_ss_result_free(small);
    wd_ss_result_free(r);
}

static void t_topk_merge(void)
{
    enum { VOCAB = 4000, N = 30000, K = 40 };
    static uint64_t truth[VOCAB];
    struct wd_ss_params p = {.topk_size = K};
    struct wd_ss_result *a = wd_ss_result_new(WD_SS_BIT(WD_SS_TOPK), &p);
    struct wd_ss_result *b = wd_ss_result_new(WD_SS_BIT(WD_SS_TOPK), &p);
    FAIL_UNLESS(a && b);
    memset(truth, 0, sizeof(truth));
    for (int i = 0; i < 2 * N; i++) {
        /* the two workers see differently skewed streams */
        uint64_t v = i % 2 ? skewed(VOCAB) : (VOCAB - 1 - skewed(VOCAB));
        truth[v]++;
        struct wd_ss_obs o = num_obs(v);
        wd_ss_observe(i % 2 ? a : b, &o, i);
    }
    EXPECT_INT(wd_ss_merge(a, b), WD_OK);
    FAIL_UNLESS(topk_sound(a, truth, VOCAB, 2 * N, K));
    struct wd_ss_topk_item top[2];
    EXPECT_INT(wd_ss_topk(a, 2, top), 2);
    FAIL_UNLESS((top[0].value->num == 0 && top[1].value->num == VOCAB - 1) ||
                (top[1].value->num == 0 && top[0].value->num == VOCAB - 1));
    wd_ss_result_free(a);
    wd_ss_result_free(b);
}

static void t_sample_size_and_seed(void)
{
    struct wd_ss_params p = {.num_samples = 5, .seed = 42};
    struct wd_ss_result *r1 = wd_ss_result_new(WD_SS_BIT(WD_SS_SAMPLE), &p);
    struct wd_ss_result *r2 = wd_ss_result_new(WD_SS_BIT(WD_SS_SAMPLE), &p);
    p.seed = 43;
    struct wd_ss_result *r3 = wd_ss_result_new(WD_SS_BIT(WD_SS_SAMPLE), &p);
    FAIL_UNLESS(r1 && r2 && r3);
    const struct wd_ss_obs *s1[8], *s2[8], *s3[8];
    for (uint64_t i = 0; i < 3; i++) {
        struct wd_ss_obs o = num_obs(i);
        wd_ss_observe(r1, &o, 0);
    }
    EXPECT_INT(wd_ss_samples(r1, s1, 8), 3); /* fewer elements than slots: all of them */
    for (uint64_t i = 3; i < 1000; i++) {
        struct wd_ss_obs o = num_obs(i);
        wd_ss_observe(r1, &o, 0);
    }
    for (uint64_t i = 0; i < 1000; i++) {
        struct wd_ss_obs o = num_obs(i);
        wd_ss_observe(r2, &o, 0);
        wd_ss_observe(r3, &o, 0);
    }
    EXPECT_INT(wd_ss_samples(r1, s1, 8), 5);
    EXPECT_INT(wd_ss_samples(r2, s2, 8), 5);
    EXPECT_INT(wd_ss_samples(r3, s3, 8), 5);
    EXPECT_INT(wd_ss_sample_elements(r1), 1000);
    bool same12 = true, same13 = true;
    for (int i = 0; i < 5; i++) {
        same12 &= s1[i]->num == s2[i]->num;
        same13 &= s1[i]->num == s3[i]->num;
        FAIL_UNLESS(s1[i]->num < 1000);
    }
    FAIL_UNLESS(same12); /* same seed, same input: same sample */
    FAIL_IF(same13);     /* another seed: another sample */
    struct wd_ss_params q = {.num_samples = 4};
    struct wd_ss_result *r4 = wd_ss_result_new(WD_SS_BIT(WD_SS_SAMPLE), &q);
    EXPECT_INT(wd_ss_merge(r1, r4), WD_EINVAL); /* sizes must match */
    wd_ss_result_free(r4);
    wd_ss_result_free(r1);
    wd_ss_result_free(r2);
    wd_ss_result_free(r3);
}

/* One sample out of 0..9 is uniform, for a single stream and for a merge of an uneven split. */
static void t_sample_uniform(void)
{
    enum { TRIALS = 20000 };
    int hits[2][10] = {{0}};
    for (int t = 0; t < TRIALS; t++) {
        struct wd_ss_params p = {.num_samples = 1, .seed = (uint64_t)t};
        struct wd_ss_result *one = wd_ss_result_new(WD_SS_BIT(WD_SS_SAMPLE), &p);
        struct wd_ss_result *a = wd_ss_result_new(WD_SS_BIT(WD_SS_SAMPLE), &p);
        p.seed += 1000000;
        struct wd_ss_result *b = wd_ss_result_new(WD_SS_BIT(WD_SS_SAMPLE), &p);
        FAIL_UNLESS(one && a && b);
        for (uint64_t i = 0; i < 10; i++) {
            struct wd_ss_obs o = num_obs(i);
            wd_ss_observe(one, &o, 0);
            wd_ss_observe(i < 7 ? a : b, &o, 0);
        }
        FAIL_UNLESS(wd_ss_merge(a, b) == WD_OK);
        const struct wd_ss_obs *s;
        FAIL_UNLESS(wd_ss_samples(one, &s, 1) == 1);
        hits[0][s->num]++;
        FAIL_UNLESS(wd_ss_samples(a, &s, 1) == 1);
        hits[1][s->num]++;
        EXPECT_INT(wd_ss_sample_elements(a), 10);
        wd_ss_result_free(one);
        wd_ss_result_free(a);
        wd_ss_result_free(b);
    }
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 10; i++) /* expected 2000 each; 5 sigma is ~212 */
            FAIL_UNLESS(hits[k][i] > 1750 && hits[k][i] < 2250);
}

static void t_last_order(void)
{
    struct wd_ss_params p = {.num_last = 3};
    struct wd_ss_result *r = wd_ss_result_new(WD_SS_BIT(WD_SS_LAST), &p);
    FAIL_UNLESS(r);
    const struct wd_ss_obs *v[4];
    EXPECT_INT(wd_ss_last(r, v, 4), 0);
    for (uint64_t i = 1; i <= 5; i++) {
        struct wd_ss_obs o = num_obs(i);
        wd_ss_observe(r, &o, (int64_t)i);
    }
    EXPECT_INT(wd_ss_last(r, v, 4), 3);
    FAIL_UNLESS(v[0]->num == 3 && v[1]->num == 4 && v[2]->num == 5);
    EXPECT_INT(wd_ss_last(r, v, 2), 2); /* the newest two, oldest first */
    FAIL_UNLESS(v[0]->num == 4 && v[1]->num == 5);
    wd_ss_result_free(r);
}

/* Merging the two halves of a split stream gives the single stream's values. */
static void t_merge_equals_single(void)
{
    uint32_t calcs = WD_SS_BIT(WD_SS_SUM) | WD_SS_BIT(WD_SS_MIN) | WD_SS_BIT(WD_SS_MAX) |
                     WD_SS_BIT(WD_SS_STD_DEV) | WD_SS_BIT(WD_SS_UNIQUE) | WD_SS_BIT(WD_SS_LAST);
    struct wd_ss_params p = {.num_last = 7};
    for (int split = 0; split < 2; split++) { /* 0: interleaved workers, 1: halves */
        struct wd_ss_result *one = wd_ss_result_new(calcs, &p), *a = wd_ss_result_new(calcs, &p),
                            *b = wd_ss_result_new(calcs, &p);
        FAIL_UNLESS(one && a && b);
        enum { N = 5001 };
        for (int i = 0; i < N; i++) {
            struct wd_ss_obs o = dbl_obs((double)(xs() % 1000) - 250.5);
            bool to_a = split ? i < N / 3 : (xs() % 3) != 0;
            wd_ss_observe(one, &o, 10 * (int64_t)i);
            wd_ss_observe(to_a ? a : b, &o, 10 * (int64_t)i);
        }
        EXPECT_INT(wd_ss_merge(a, b), WD_OK);
        EXPECT_INT(wd_ss_num(a), N);
        EXPECT_INT(wd_ss_begin(a), 0);
        EXPECT_INT(wd_ss_end(a), 10 * (N - 1));
        for (int c = WD_SS_SUM; c <= WD_SS_UNIQUE; c++)
            FAIL_UNLESS(near(wd_ss_value(a, c), wd_ss_value(one, c), 1e-9));
        const struct wd_ss_obs *x[7], *y[7];
        EXPECT_INT(wd_ss_last(a, x, 7), 7);
        EXPECT_INT(wd_ss_last(one, y, 7), 7);
        for (int i = 0; i < 7; i++)
            FAIL_UNLESS(x[i]->dbl == y[i]->dbl);
        wd_ss_result_free(one);
        wd_ss_result_free(a);
        wd_ss_result_free(b);
    }
}

static void t_merge_edges(void)
{
    uint32_t calcs = WD_SS_BIT(WD_SS_MIN) | WD_SS_BIT(WD_SS_VARIANCE);
    struct wd_ss_result *empty = wd_ss_result_new(calcs, NULL), *r = wd_ss_result_new(calcs, NULL);
    struct wd_ss_result *other = wd_ss_result_new(WD_SS_BIT(WD_SS_SUM), NULL);
    FAIL_UNLESS(empty && r && other);
    struct wd_ss_obs o1 = num_obs(5), o2 = num_obs(9);
    wd_ss_observe(r, &o1, 100);
    wd_ss_observe(r, &o2, 200);
    EXPECT_INT(wd_ss_merge(r, empty), WD_OK); /* nothing to add */
    EXPECT_INT(wd_ss_merge(empty, r), WD_OK); /* into an empty result: a copy */
    EXPECT_INT(wd_ss_num(empty), 2);
    EXPECT_INT(wd_ss_begin(empty), 100);
    EXPECT_INT(wd_ss_end(empty), 200);
    FAIL_UNLESS(wd_ss_value(empty, WD_SS_MIN) == 5.0);
    FAIL_UNLESS(wd_ss_value(empty, WD_SS_VARIANCE) == 8.0);
    EXPECT_INT(wd_ss_merge(r, other), WD_EINVAL);
    wd_ss_result_free(empty);
    wd_ss_result_free(r);
    wd_ss_result_free(other);
}

static void t_json(void)
{
    struct wd_ss_params p = {.num_last = 2};
    struct wd_ss_result *r =
        wd_ss_result_new(WD_SS_BIT(WD_SS_SUM) | WD_SS_BIT(WD_SS_MIN) | WD_SS_BIT(WD_SS_UNIQUE) |
                             WD_SS_BIT(WD_SS_TOPK) | WD_SS_BIT(WD_SS_LAST),
                         &p);
    struct wd_buf b;
    wd_buf_init(&b, 0);
    FAIL_UNLESS(r);
    EXPECT_INT(wd_ss_result_json(r, &b), WD_OK);
    EXPECT_STR(b.p, "{\"num\":0,\"begin\":null,\"end\":null,\"sum\":0.0,\"min\":null,"
                    "\"unique\":0,\"topk\":[],\"last_elements\":[]}");
    b.len = 0;
    struct wd_ss_obs a = str_obs("a\"1"), c = str_obs("b");
    wd_ss_observe(r, &a, 0);
    wd_ss_observe(r, &c, 1000000);
    wd_ss_observe(r, &a, 2500000);
    EXPECT_INT(wd_ss_result_json(r, &b), WD_OK);
    EXPECT_STR(b.p, "{\"num\":3,\"begin\":\"1970-01-01T00:00:00+00:00\","
                    "\"end\":\"1970-01-01T00:00:02.500000+00:00\",\"sum\":3.0,\"min\":1.0,"
                    "\"unique\":2,\"topk\":[{\"value\":\"a\\\"1\",\"count\":2,\"epsilon\":0},"
                    "{\"value\":\"b\",\"count\":1,\"epsilon\":0}],"
                    "\"last_elements\":[\"b\",\"a\\\"1\"]}");
    struct wd_buf small;
    wd_buf_init(&small, 10);
    wd_buf_append(&small, "x", 1);
    EXPECT_INT(wd_ss_result_json(r, &small), WD_ELIMIT);
    EXPECT_STR(small.p, "x"); /* unchanged on failure */
    wd_buf_fini(&small);
    wd_buf_fini(&b);
    wd_ss_result_free(r);
}

static void t_json_samples(void)
{
    struct wd_ss_params p = {.num_samples = 2};
    struct wd_ss_result *r =
        wd_ss_result_new(WD_SS_BIT(WD_SS_SAMPLE) | WD_SS_BIT(WD_SS_HLL_UNIQUE), &p);
    struct wd_buf b;
    wd_buf_init(&b, 0);
    struct wd_ss_obs x = dbl_obs(0.25), y = num_obs(7);
    wd_ss_observe(r, &x, 0);
    wd_ss_observe(r, &y, 0);
    EXPECT_INT(wd_ss_result_json(r, &b), WD_OK);
    EXPECT_STR(b.p, "{\"num\":2,\"begin\":\"1970-01-01T00:00:00+00:00\","
                    "\"end\":\"1970-01-01T00:00:00+00:00\",\"hll_unique\":2,"
                    "\"samples\":[0.25,7],\"sample_elements\":2}");
    wd_buf_fini(&b);
    wd_ss_result_free(r);
}

static void t_memory_accounting(void)
{
    struct wd_ss_params p = {.topk_size = 10, .num_last = 4};
    struct wd_ss_result *r = wd_ss_result_new(
        WD_SS_BIT(WD_SS_TOPK) | WD_SS_BIT(WD_SS_LAST) | WD_SS_BIT(WD_SS_UNIQUE), &p);
    FAIL_UNLESS(r);
    size_t base = wd_ss_result_bytes(r);
    FAIL_UNLESS(base > 0);
    char s[64];
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(s, sizeof(s), "%040d", i);
        struct wd_ss_obs o = {.type = WD_SS_OBS_STR, .str = {s, (size_t)n}};
        wd_ss_observe(r, &o, i);
    }
    size_t grown = wd_ss_result_bytes(r);
    /* the set keeps 1000 strings of 41 bytes plus its arrays; TOPK and LAST stay bounded */
    FAIL_UNLESS(grown >= base + 1000 * 41);
    FAIL_UNLESS(grown < base + 1000 * 41 + 1024 * 48 + 2048 * 4 + 14 * 41 + 1024);
    wd_ss_result_free(r);
}

WD_TEST_LIST{
    {"ss_parse_calc", t_parse_calc},
    {"ss_dependencies", t_dependencies},
    {"ss_hll_bits", t_hll_bits},
    {"ss_basic_values", t_basic_values},
    {"ss_single_observation", t_single_observation},
    {"ss_string_counts_one", t_string_counts_one},
    {"ss_variance_two_pass", t_variance_two_pass},
    {"ss_unique_cap", t_unique_cap},
    {"ss_hll_accuracy_and_merge", t_hll_accuracy_and_merge},
    {"ss_topk_space_saving", t_topk_space_saving},
    {"ss_topk_merge", t_topk_merge},
    {"ss_sample_size_and_seed", t_sample_size_and_seed},
    {"ss_sample_uniform", t_sample_uniform},
    {"ss_last_order", t_last_order},
    {"ss_merge_equals_single", t_merge_equals_single},
    {"ss_merge_edges", t_merge_edges},
    {"ss_json", t_json},
    {"ss_json_samples", t_json_samples},
    {"ss_memory_accounting", t_memory_accounting},
};
WD_TEST_MAIN
