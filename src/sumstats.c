/*
 * sumstats.c: the SumStats ResultVal: lifecycle, observe() running every selected
 * calculation, merging two partials, and the value readers (JSON is in sumstats_json.c,
 * the sets and sketches in sumstats_sketch.c). Formulas follow shared/spec/zeek.md 2.3.
 *
 * Invariants: calcs is closed under dependencies; avg and var_s follow Welford's update
 * (avg += d/n, var_s += d * (v - avg')), so variance = var_s / (num - 1); the SAMPLE
 * reservoir holds min(num_samples, sample_elements) entries; the LAST ring holds the
 * newest min(num_last, num) observations in observation order.
 */
#include <ctype.h>
#include <math.h>

#include "sumstats_int.h"

static const char *const calc_names[WD_SS__COUNT] = {
    "SUM",    "MIN",        "MAX",  "AVERAGE", "VARIANCE", "STD_DEV",
    "UNIQUE", "HLL_UNIQUE", "TOPK", "SAMPLE",  "LAST",
};

int wd_ss_parse_calc(const char *name, size_t len)
{
    for (int c = 0; c < WD_SS__COUNT; c++) {
        const char *n = calc_names[c];
        size_t i = 0;
        while (i < len && n[i] && toupper((unsigned char)name[i]) == n[i])
            i++;
        if (i == len && n[i] == '\0')
            return c;
    }
    return -1;
}

const char *wd_ss_calc_name(int calc)
{
    return calc >= 0 && calc < WD_SS__COUNT ? calc_names[calc] : NULL;
}

uint32_t wd_ss_calcs_closure(uint32_t calcs)
{
    if (calcs & WD_SS_BIT(WD_SS_STD_DEV))
        calcs |= WD_SS_BIT(WD_SS_VARIANCE);
    if (calcs & WD_SS_BIT(WD_SS_VARIANCE))
        calcs |= WD_SS_BIT(WD_SS_AVERAGE);
    return calcs;
}

/*
 * Zeek's CardinalityCounter::OptimalB: start from the b where the standard error
 * 1.04/sqrt(2^b) equals `error`, then add bits until error is within k standard
 * deviations with erf(k/sqrt(2)) >= confidence.
 */
int wd_ss_hll_bits(double error, double confidence)
{
    double est = 2 * (log(1.04) - log(error)) / log(2);
    int b = (int)floor(est);
    double k;
    do {
        b++;
        k = pow(2, (b - est) / 2);
    } while (erf(k / sqrt(2)) < confidence && b < 18);
    return b < 4 ? 4 : b > 18 ? 18 : b;
}

/* splitmix64: a small, seedable, reproducible generator. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0, without modulo bias. */
static uint64_t rng_below(uint64_t *s, uint64_t n)
{
    uint64_t floor_ = (0 - n) % n, x;
    do
        x = rng_next(s);
    while (x < floor_);
    return x % n;
}

static bool has(const struct wd_ss_result *r, int calc)
{
    return (r->calcs & WD_SS_BIT(calc)) != 0;
}

bool wd_ss_has(const struct wd_ss_result *r, int calc)
{
    return calc >= 0 && calc < WD_SS__COUNT && has(r, calc);
}

static int alloc_parts(struct wd_ss_result *r)
{
    const struct wd_ss_params *p = &r->p;
    if (has(r, WD_SS_HLL_UNIQUE) &&
        wd_ss_hll_init(&r->hll, wd_ss_hll_bits(p->hll_error, p->hll_confidence), &r->bytes))
        return WD_ENOMEM;
    if (has(r, WD_SS_TOPK) && wd_ss_topk_init(&r->topk, p->topk_size, &r->bytes))
        return WD_ENOMEM;
    if (has(r, WD_SS_SAMPLE) && p->num_samples) {
        r->samples = calloc(p->num_samples, sizeof(*r->samples));
        if (!r->samples)
            return WD_ENOMEM;
        r->bytes += (size_t)p->num_samples * sizeof(*r->samples);
    }
    if (has(r, WD_SS_LAST) && p->num_last) {
        r->last = calloc(p->num_last, sizeof(*r->last));
        if (!r->last)
            return WD_ENOMEM;
        r->bytes += (size_t)p->num_last * sizeof(*r->last);
    }
    return WD_OK;
}

struct wd_ss_result *wd_ss_result_new(uint32_t calcs, const struct wd_ss_params *p)
{
    struct wd_ss_params d = {0};
    if (p)
        d = *p;
    if (d.hll_error == 0)
        d.hll_error = 0.01;
    if (d.hll_confidence == 0)
        d.hll_confidence = 0.95;
    if (d.topk_size == 0)
        d.topk_size = 500;
    if ((calcs & ~WD_SS_ALL) || !(d.hll_error > 0 && d.hll_error < 1) ||
        !(d.hll_confidence > 0 && d.hll_confidence < 1))
        return NULL;
    struct wd_ss_result *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->calcs = wd_ss_calcs_closure(calcs);
    r->p = d;
    r->rng = d.seed;
    r->bytes = sizeof(*r);
    if (alloc_parts(r)) {
        wd_ss_result_free(r);
        return NULL;
    }
    return r;
}

static struct wd_ss_obs *last_at(const struct wd_ss_result *r, uint32_t i)
{
    return &r->last[(r->last_head + i) % r->p.num_last].o;
}

void wd_ss_result_free(struct wd_ss_result *r)
{
    if (!r)
        return;
    wd_ss_set_fini(&r->uniq, &r->bytes);
    wd_ss_hll_fini(&r->hll, &r->bytes);
    wd_ss_topk_fini(&r->topk, &r->bytes);
    for (uint32_t i = 0; i < r->nsamples; i++)
        wd_ss_obs_fini(&r->samples[i], &r->bytes);
    for (uint32_t i = 0; i < r->nlast; i++)
        wd_ss_obs_fini(last_at(r, i), &r->bytes);
    free(r->samples);
    free(r->last);
    free(r);
}

static double obs_value(const struct wd_ss_obs *o)
{
    return o->type == WD_SS_OBS_NUM ? (double)o->num : o->type == WD_SS_OBS_DBL ? o->dbl : 1.0;
}

/* Algorithm R, as Zeek's sample_add_sample(): slot rand(n) < k is replaced. */
static int sample_add(struct wd_ss_result *r, const struct wd_ss_obs *o)
{
    uint32_t k = r->p.num_samples;
    r->sample_elements++;
    if (r->nsamples < k) {
        if (wd_ss_obs_copy(&r->samples[r->nsamples], o, &r->bytes))
            return WD_ENOMEM;
        r->nsamples++;
        return WD_OK;
    }
    uint64_t ra = rng_below(&r->rng, r->sample_elements);
    if (ra >= k)
        return WD_OK;
    struct wd_ss_obs c;
    if (wd_ss_obs_copy(&c, o, &r->bytes))
        return WD_ENOMEM;
    wd_ss_obs_fini(&r->samples[ra], &r->bytes);
    r->samples[ra] = c;
    return WD_OK;
}

static int last_add(struct wd_ss_result *r, const struct wd_ss_obs *o, int64_t ts_us)
{
    uint32_t k = r->p.num_last;
    struct wd_ss_obs c;
    if (k == 0)
        return WD_OK;
    if (wd_ss_obs_copy(&c, o, &r->bytes))
        return WD_ENOMEM;
    if (r->nlast == k) {
        wd_ss_obs_fini(last_at(r, 0), &r->bytes);
        r->last_head = (r->last_head + 1) % k;
        r->nlast--;
    }
    struct wd_ss_tsobs *slot = &r->last[(r->last_head + r->nlast) % k];
    slot->o = c;
    slot->ts_us = ts_us;
    r->nlast++;
    return WD_OK;
}

static void numeric_add(struct wd_ss_result *r, double v)
{
    if (has(r, WD_SS_SUM))
        r->sum += v;
    if (has(r, WD_SS_MIN) && (r->num == 1 || v < r->min))
        r->min = v;
    if (has(r, WD_SS_MAX) && (r->num == 1 || v > r->max))
        r->max = v;
    if (has(r, WD_SS_AVERAGE)) {
        double d = v - r->avg;
        r->avg += d / (double)r->num;
        r->var_s += d * (v - r->avg); /* VARIANCE (var_s is unused without it) */
    }
}

int wd_ss_observe(struct wd_ss_result *r, const struct wd_ss_obs *o, int64_t ts_us)
{
    int rc = WD_OK;
    if (o->type < WD_SS_OBS_NUM || o->type > WD_SS_OBS_STR)
        return WD_EINVAL;
    if (r->num == 0)
        r->begin_us = ts_us;
    r->end_us = ts_us;
    r->num++;
    numeric_add(r, obs_value(o));
    uint64_t h =
        r->calcs & (WD_SS_BIT(WD_SS_UNIQUE) | WD_SS_BIT(WD_SS_HLL_UNIQUE) | WD_SS_BIT(WD_SS_TOPK))
            ? wd_ss_obs_hash(o)
            : 0;
    /* Zeek: insert while the set size <= unique_max, so it can reach cap + 1. */
    if (has(r, WD_SS_UNIQUE) && (!r->p.unique_max || r->uniq.count <= r->p.unique_max))
        rc = wd_ss_set_add(&r->uniq, o, h, &r->bytes);
    if (has(r, WD_SS_HLL_UNIQUE))
        wd_ss_hll_add(&r->hll, h);
    if (has(r, WD_SS_TOPK) && wd_ss_topk_add(&r->topk, o, h, &r->bytes))
        rc = WD_ENOMEM;
    if (has(r, WD_SS_SAMPLE) && sample_add(r, o))
        rc = WD_ENOMEM;
    if (has(r, WD_SS_LAST) && last_add(r, o, ts_us))
        rc = WD_ENOMEM;
    return rc;
}

/* ---- merge ---- */

static void numeric_merge(struct wd_ss_result *a, const struct wd_ss_result *b)
{
    double na = (double)a->num, nb = (double)b->num, n = na + nb;
    a->sum += b->sum;
    a->min = b->min < a->min ? b->min : a->min;
    a->max = b->max > a->max ? b->max : a->max;
    /* Zeek's pooled formula: var_s = sum over parts of var_s_i + n_i * (avg_i - avg)^2. */
    double avg = (a->avg * na + b->avg * nb) / n;
    double da = a->avg - avg, db = b->avg - avg;
    a->var_s = a->var_s + na * da * da + b->var_s + nb * db * db;
    a->avg = avg;
}

/* Uniform sample of the union: a hypergeometric split of the k draws between the two
 * streams by their element counts, then a random subset of each reservoir. */
static int sample_merge(struct wd_ss_result *a, const struct wd_ss_result *b)
{
    uint32_t k = a->p.num_samples, take_a = 0, take_b = 0, nb = b->nsamples;
    uint64_t ea = a->sample_elements, eb = b->sample_elements;
    if (ea + eb <= k) {
        take_a = a->nsamples;
        take_b = nb;
    } else {
        for (uint32_t j = 0; j < k; j++) {
            if (rng_below(&a->rng, ea + eb) < ea) {
                take_a++;
                ea--;
            } else {
                take_b++;
                eb--;
            }
        }
    }
    take_a = WD_MIN(take_a, a->nsamples); /* no-ops: each side gives at most what it holds */
    take_b = WD_MIN(take_b, nb);
    uint32_t *pick = malloc((nb ? nb : 1) * sizeof(*pick));
    if (!pick)
        return WD_ENOMEM;
    for (uint32_t i = 0; i < nb; i++)
        pick[i] = i;
    for (uint32_t i = 0; i < take_b; i++) { /* partial Fisher-Yates over b's reservoir */
        uint32_t j = i + (uint32_t)rng_below(&a->rng, nb - i);
        uint32_t t = pick[i];
        pick[i] = pick[j];
        pick[j] = t;
    }
    for (uint32_t i = 0; i < take_a && take_a < a->nsamples; i++) {
        uint32_t j = i + (uint32_t)rng_below(&a->rng, a->nsamples - i);
        struct wd_ss_obs t = a->samples[i];
        a->samples[i] = a->samples[j];
        a->samples[j] = t;
    }
    while (a->nsamples > take_a)
        wd_ss_obs_fini(&a->samples[--a->nsamples], &a->bytes);
    int rc = WD_OK;
    for (uint32_t i = 0; i < take_b && rc == WD_OK; i++) {
        rc = wd_ss_obs_copy(&a->samples[a->nsamples], &b->samples[pick[i]], &a->bytes);
        a->nsamples += rc == WD_OK;
    }
    free(pick);
    a->sample_elements += b->sample_elements;
    return rc;
}

/* The newest num_last of both queues by timestamp (ties: a's first, as if a came first). */
static int last_merge(struct wd_ss_result *a, const struct wd_ss_result *b)
{
    uint32_t k = a->p.num_last, ia = a->nlast, ib = b->nlast, n = 0;
    if (k == 0 || ib == 0)
        return WD_OK;
    struct wd_ss_tsobs *out = calloc(k, sizeof(*out));
    if (!out)
        return WD_ENOMEM;
    int rc = WD_OK;
    /* Walk both queues from the newest end, filling out[] backwards. */
    while (n < k && (ia || ib) && rc == WD_OK) {
        const struct wd_ss_tsobs *ta = ia ? &a->last[(a->last_head + ia - 1) % k] : NULL;
        const struct wd_ss_tsobs *tb =
            ib ? &b->last[(b->last_head + ib - 1) % b->p.num_last] : NULL;
        struct wd_ss_tsobs *dst = &out[k - 1 - n];
        if (ta && (!tb || ta->ts_us > tb->ts_us)) {
            *dst = *ta; /* moved */
            ia--;
        } else if (tb) {
            rc = wd_ss_obs_copy(&dst->o, &tb->o, &a->bytes);
            dst->ts_us = tb->ts_us;
            ib--;
        }
        n += rc == WD_OK;
    }
    for (uint32_t i = 0; i < ia; i++) /* a's older entries that fell out */
        wd_ss_obs_fini(&a->last[(a->last_head + i) % k].o, &a->bytes);
    memcpy(a->last, out + (k - n), n * sizeof(*out));
    free(out);
    a->last_head = 0;
    a->nlast = n;
    return rc;
}

static int unique_merge(struct wd_ss_result *a, const struct wd_ss_result *b)
{
    /* Zeek's compose hook stops once the union reaches the cap (observe allows cap+1). */
    for (uint32_t i = 0; i < b->uniq.count; i++) {
        if (a->p.unique_max && a->uniq.count >= a->p.unique_max)
            break;
        if (wd_ss_set_add(&a->uniq, &b->uniq.ents[i].o, b->uniq.ents[i].h, &a->bytes))
            return WD_ENOMEM;
    }
    return WD_OK;
}

int wd_ss_merge(struct wd_ss_result *into, const struct wd_ss_result *from)
{
    if (into->calcs != from->calcs || into->hll.b != from->hll.b ||
        (has(into, WD_SS_SAMPLE) && into->p.num_samples != from->p.num_samples))
        return WD_EINVAL;
    if (from->num == 0)
        return WD_OK;
    int rc = WD_OK;
    if (into->num == 0) {
        into->min = from->min;
        into->max = from->max;
    }
    numeric_merge(into, from);
    into->begin_us =
        into->num == 0 || from->begin_us < into->begin_us ? from->begin_us : into->begin_us;
    into->end_us = into->num == 0 || from->end_us > into->end_us ? from->end_us : into->end_us;
    into->num += from->num;
    if (has(into, WD_SS_UNIQUE) && unique_merge(into, from))
        rc = WD_ENOMEM;
    if (has(into, WD_SS_HLL_UNIQUE))
        wd_ss_hll_merge(&into->hll, &from->hll);
    if (has(into, WD_SS_TOPK) && wd_ss_topk_merge(&into->topk, &from->topk, &into->bytes))
        rc = WD_ENOMEM;
    if (has(into, WD_SS_SAMPLE) && sample_merge(into, from))
        rc = WD_ENOMEM;
    if (has(into, WD_SS_LAST) && last_merge(into, from))
        rc = WD_ENOMEM;
    return rc;
}

/* ---- readers ---- */

double wd_ss_value(const struct wd_ss_result *r, int calc)
{
    if (!wd_ss_has(r, calc))
        return NAN;
    switch (calc) {
    case WD_SS_SUM:
        return r->sum;
    case WD_SS_UNIQUE:
        return (double)r->uniq.count;
    case WD_SS_HLL_UNIQUE:
        return r->num ? round(wd_ss_hll_estimate(&r->hll)) : 0.0;
    default:
        break;
    }
    if (r->num == 0)
        return NAN;
    switch (calc) {
    case WD_SS_MIN:
        return r->min;
    case WD_SS_MAX:
        return r->max;
    case WD_SS_AVERAGE:
        return r->avg;
    case WD_SS_VARIANCE:
        return r->num > 1 ? r->var_s / (double)(r->num - 1) : 0.0;
    case WD_SS_STD_DEV:
        return r->num > 1 ? sqrt(r->var_s / (double)(r->num - 1)) : 0.0;
    default:
        return NAN;
    }
}

uint64_t wd_ss_num(const struct wd_ss_result *r)
{
    return r->num;
}

int64_t wd_ss_begin(const struct wd_ss_result *r)
{
    return r->begin_us;
}

int64_t wd_ss_end(const struct wd_ss_result *r)
{
    return r->end_us;
}

size_t wd_ss_topk(const struct wd_ss_result *r, size_t n, struct wd_ss_topk_item *out)
{
    const struct wd_ss_topk *t = &r->topk;
    size_t got = 0;
    if (!has(r, WD_SS_TOPK))
        return 0;
    /* Insertion into the sorted prefix out[0..got): O(size * n) without allocating. */
    for (uint32_t i = 0; i < t->n; i++) {
        const struct wd_ss_ctr *c = &t->ctr[i];
        size_t j = got;
        while (j > 0) {
            const struct wd_ss_ctr *p = (const struct wd_ss_ctr *)(const void *)out[j - 1].value;
            if (wd_ss_ctr_cmp(p, c) <= 0)
                break;
            j--;
        }
        if (j >= n)
            continue;
        size_t last = got < n ? got : n - 1;
        memmove(out + j + 1, out + j, (last - j) * sizeof(*out));
        out[j] = (struct wd_ss_topk_item){&c->e.o, c->count, c->eps};
        got += got < n;
    }
    return got;
}

size_t wd_ss_samples(const struct wd_ss_result *r, const struct wd_ss_obs **out, size_t max)
{
    size_t n = WD_MIN((size_t)r->nsamples, max);
    for (size_t i = 0; i < n; i++)
        out[i] = &r->samples[i];
    return n;
}

uint64_t wd_ss_sample_elements(const struct wd_ss_result *r)
{
    return r->sample_elements;
}

size_t wd_ss_last(const struct wd_ss_result *r, const struct wd_ss_obs **out, size_t max)
{
    size_t n = WD_MIN((size_t)r->nlast, max);
    for (size_t i = 0; i < n; i++)
        out[i] = last_at(r, (uint32_t)(r->nlast - n + i));
    return n;
}

size_t wd_ss_result_bytes(const struct wd_ss_result *r)
{
    return r->bytes;
}
