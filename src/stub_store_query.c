/*
 * stub_store_query.c: TEMPORARY link stubs for the wip-api branch. DROP AT MERGE.
 *
 * The event store (store.c) and the query parser (query*.c) are written in parallel on
 * other branches; until they land, this file gives their entry points minimal bodies so
 * the API branch links and its tests run:
 *   - wd_store_search() always fails with WD_EINVAL "store not built";
 *   - wd_query_parse() accepts any text and returns a match-all (WD_QN_ALL) query;
 *   - wd_query_match_jv() matches every event.
 * Nothing else may depend on these bodies: the real implementations replace this file.
 */
#include "query.h"
#include "store.h"

#include "mem.h"
#include "ward.h"

int wd_store_search(struct wd_store *st, const struct wd_search *req, struct wd_buf *out,
                    struct wd_perr *err)
{
    WD_UNUSED(st);
    WD_UNUSED(req);
    WD_UNUSED(out);
    if (err) {
        err->code = WD_EINVAL;
        err->off = 0;
        err->msg = "store not built";
    }
    return WD_EINVAL;
}

int wd_query_parse(const char *text, size_t len, struct wd_query **out, struct wd_perr *err)
{
    WD_UNUSED(text);
    WD_UNUSED(len);
    WD_UNUSED(err);
    struct wd_query *q = wd_xcalloc(1, sizeof(*q));
    wd_arena_init(&q->arena, 1024, 0);
    q->root = wd_arena_alloc(&q->arena, sizeof(*q->root));
    if (!q->root) {
        wd_query_free(q);
        return WD_ENOMEM;
    }
    memset(q->root, 0, sizeof(*q->root));
    q->root->kind = WD_QN_ALL;
    *out = q;
    return WD_OK;
}

void wd_query_free(struct wd_query *q)
{
    if (!q)
        return;
    wd_arena_fini(&q->arena);
    free(q);
}

bool wd_query_match_jv(const struct wd_query *q, const struct wd_jv *event)
{
    WD_UNUSED(q);
    WD_UNUSED(event);
    return true;
}
