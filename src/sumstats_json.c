/*
 * sumstats_json.c: renders a SumStats ResultVal as one JSON object with Zeek's field
 * names, only for the selected calculations (format in sumstats.h). On failure the
 * output buffer keeps its previous length.
 */
#include <math.h>

#include "jv.h"
#include "mem.h"
#include "sumstats_int.h"
#include "wd_time.h"

static int put_double(struct wd_buf *o, double d)
{
    char tmp[32];
    if (!isfinite(d))
        return wd_buf_append(o, "null", 4);
    int n = wd_jv_fmt_double(d, tmp, sizeof(tmp));
    return n < 0 ? n : wd_buf_append(o, tmp, (size_t)n);
}

static int put_u64(struct wd_buf *o, uint64_t v)
{
    return wd_buf_printf(o, "%llu", (unsigned long long)v);
}

static int put_time(struct wd_buf *o, const struct wd_ss_result *r, int64_t us)
{
    char iso[WD_TIME_ISO_MAX];
    if (r->num == 0)
        return wd_buf_append(o, "null", 4);
    size_t n = wd_time_iso(us, iso);
    return wd_jv_write_str(iso, n, o);
}

static int put_obs(struct wd_buf *o, const struct wd_ss_obs *v)
{
    switch (v->type) {
    case WD_SS_OBS_NUM:
        return put_u64(o, v->num);
    case WD_SS_OBS_DBL:
        return put_double(o, v->dbl);
    default:
        return wd_jv_write_str(v->str.p, v->str.len, o);
    }
}

static int put_key(struct wd_buf *o, const char *k)
{
    return wd_buf_printf(o, ",\"%s\":", k);
}

static int put_obs_list(struct wd_buf *o, const struct wd_ss_obs *const *v, size_t n)
{
    int rc = wd_buf_putc(o, '[');
    for (size_t i = 0; i < n && rc == WD_OK; i++) {
        if (i)
            rc = wd_buf_putc(o, ',');
        if (rc == WD_OK)
            rc = put_obs(o, v[i]);
    }
    return rc ? rc : wd_buf_putc(o, ']');
}

static int put_topk(struct wd_buf *o, const struct wd_ss_result *r)
{
    size_t n = r->topk.n;
    struct wd_ss_topk_item *items = malloc((n ? n : 1) * sizeof(*items));
    if (!items)
        return WD_ENOMEM;
    n = wd_ss_topk(r, n, items);
    int rc = wd_buf_putc(o, '[');
    for (size_t i = 0; i < n && rc == WD_OK; i++) {
        rc = wd_buf_append(o, i ? ",{\"value\":" : "{\"value\":", i ? 10 : 9);
        if (rc == WD_OK)
            rc = put_obs(o, items[i].value);
        if (rc == WD_OK)
            rc = wd_buf_printf(o, ",\"count\":%llu,\"epsilon\":%llu}",
                               (unsigned long long)items[i].count,
                               (unsigned long long)items[i].epsilon);
    }
    free(items);
    return rc ? rc : wd_buf_putc(o, ']');
}

static int put_lists(struct wd_buf *o, const struct wd_ss_result *r)
{
    int rc = WD_OK;
    size_t cap = WD_MAX(r->nsamples, r->nlast);
    /* pointers to the result's observations (borrowed) */
    const struct wd_ss_obs **v =
        malloc((cap ? cap : 1) * sizeof(*v)); /* NOLINT(bugprone-sizeof-expression) */
    if (!v)
        return WD_ENOMEM;
    if (wd_ss_has(r, WD_SS_SAMPLE)) {
        rc = put_key(o, "samples");
        if (rc == WD_OK)
            rc = put_obs_list(o, v, wd_ss_samples(r, v, cap));
        if (rc == WD_OK)
            rc = put_key(o, "sample_elements");
        if (rc == WD_OK)
            rc = put_u64(o, r->sample_elements);
    }
    if (rc == WD_OK && wd_ss_has(r, WD_SS_LAST)) {
        rc = put_key(o, "last_elements");
        if (rc == WD_OK)
            rc = put_obs_list(o, v, wd_ss_last(r, v, cap));
    }
    free(v);
    return rc;
}

/* Numeric calculations in Zeek's field order, with the JSON key of each. */
static const struct {
    int calc;
    const char *key;
} numeric_fields[] = {
    {WD_SS_SUM, "sum"},           {WD_SS_MIN, "min"},
    {WD_SS_MAX, "max"},           {WD_SS_AVERAGE, "average"},
    {WD_SS_VARIANCE, "variance"}, {WD_SS_STD_DEV, "std_dev"},
    {WD_SS_UNIQUE, "unique"},     {WD_SS_HLL_UNIQUE, "hll_unique"},
};

int wd_ss_result_json(const struct wd_ss_result *r, struct wd_buf *out)
{
    size_t start = out->len;
    int rc = wd_buf_printf(out, "{\"num\":%llu,\"begin\":", (unsigned long long)r->num);
    if (rc == WD_OK)
        rc = put_time(out, r, r->begin_us);
    if (rc == WD_OK)
        rc = wd_buf_append(out, ",\"end\":", 7);
    if (rc == WD_OK)
        rc = put_time(out, r, r->end_us);
    for (size_t i = 0; i < WD_ARRAY_LEN(numeric_fields) && rc == WD_OK; i++) {
        int c = numeric_fields[i].calc;
        if (!wd_ss_has(r, c))
            continue;
        rc = put_key(out, numeric_fields[i].key);
        bool is_count = c == WD_SS_UNIQUE || c == WD_SS_HLL_UNIQUE;
        if (rc == WD_OK)
            rc = is_count ? put_u64(out, (uint64_t)wd_ss_value(r, c))
                          : put_double(out, wd_ss_value(r, c));
    }
    if (rc == WD_OK && wd_ss_has(r, WD_SS_TOPK)) {
        rc = put_key(out, "topk");
        if (rc == WD_OK)
            rc = put_topk(out, r);
    }
    if (rc == WD_OK)
        rc = put_lists(out, r);
    if (rc == WD_OK)
        rc = wd_buf_putc(out, '}');
    if (rc != WD_OK) {
        out->len = start;
        if (out->p)
            out->p[start] = '\0';
    }
    return rc;
}
