/*
 * query_type.c: whether a leaf can match any value of a field of a given type, so the
 * store can skip columns of that type without reading them (a bare word never matches a
 * date column unless it is itself a date). Conservative: true whenever unsure.
 */
#include "query.h"
#include "query_int.h"

bool wd_qleaf_may_match_type(const struct wd_qleaf *l, enum wd_ftype t)
{
    const struct wd_qleaf_priv *pv = l->priv;
    if (!pv || t != WD_FT_DATE)
        return true;
    switch (l->op) {
    case WD_QOP_TERM:
    case WD_QOP_PHRASE:
        return pv->has_date;
    case WD_QOP_RANGE:
        return (pv->lo.open || pv->lo.has_date) && (pv->hi.open || pv->hi.has_date);
    default:
        return true;
    }
}
