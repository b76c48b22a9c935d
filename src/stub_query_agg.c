/*
 * stub_query_agg.c: TEMPORARY pipes stub so the store builds before the real executor
 * (agg.c) merges: every pipe query answers "pipes are not available in this build".
 */
#include "agg.h"
#include "query.h"

int wd_agg_new(const struct wd_query *q, struct wd_agg **out, struct wd_perr *err)
{
    WD_UNUSED(q);
    *out = NULL;
    *err = (struct wd_perr){WD_EINVAL, 0, "pipes are not available in this build"};
    return WD_EINVAL;
}

void wd_agg_free(struct wd_agg *a)
{
    WD_UNUSED(a);
}

uint32_t wd_agg_nfields(const struct wd_agg *a)
{
    WD_UNUSED(a);
    return 0;
}

const char *wd_agg_field(const struct wd_agg *a, uint32_t i)
{
    WD_UNUSED(a);
    WD_UNUSED(i);
    return "";
}

bool wd_agg_needs_time(const struct wd_agg *a)
{
    WD_UNUSED(a);
    return false;
}

int wd_agg_row(struct wd_agg *a, int64_t ts_us, const struct wd_qval *const *vals,
               const uint32_t *nvals, uint64_t weight)
{
    WD_UNUSED(a);
    WD_UNUSED(ts_us);
    WD_UNUSED(vals);
    WD_UNUSED(nvals);
    WD_UNUSED(weight);
    return WD_EINVAL;
}

int wd_agg_render(struct wd_agg *a, struct wd_buf *out)
{
    WD_UNUSED(a);
    WD_UNUSED(out);
    return WD_EINVAL;
}
