/*
 * fuzz_query.c: libFuzzer target for the query parser (query.h). Every input is parsed;
 * a rejection must carry a message and an offset inside the input. An accepted query is
 * dumped, evaluated against a fixed event, and each leaf's index keys are computed for
 * every column type; nothing may crash or hang.
 */
#include "fuzz.h"
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "query.h"
#include "ward.h"

static const char event[] =
    "{\"utctimestamp\":\"2019-05-06T07:08:09+00:00\",\"hostname\":\"web1.example.net\","
    "\"summary\":\"Failed password for root from 192.0.2.7 port 22\",\"tags\":[\"a\",\"b\"],"
    "\"details\":{\"sourceipaddress\":\"192.0.2.7\",\"destinationipaddress\":\"2001:db8::1\","
    "\"destinationport\":443,\"x\":1.5,\"ok\":true,\"list\":[[1],[{\"k\":\"v\"}]]}}";

static void check(bool ok)
{
    if (!ok)
        abort();
}

static void key_cb(void *ctx, const char *key, size_t len)
{
    size_t *n = ctx;
    check(len <= WD_QINDEX_MAX_KEY || key != NULL);
    *n += len;
}

static void walk_keys(const struct wd_qnode *n)
{
    if (n->kind == WD_QN_LEAF) {
        for (int t = WD_FT_KEYWORD; t <= WD_FT_DATE; t++) {
            size_t total = 0;
            int mode = wd_qleaf_keys(&n->leaf, (enum wd_ftype)t, key_cb, &total);
            check(mode == WD_QKEYS_NONE || mode == WD_QKEYS_ANY || mode == WD_QKEYS_ALL);
        }
        return;
    }
    if (n->kind != WD_QN_BOOL)
        return;
    for (uint32_t i = 0; i < n->nmust; i++)
        walk_keys(n->must[i]);
    for (uint32_t i = 0; i < n->nshould; i++)
        walk_keys(n->should[i]);
    for (uint32_t i = 0; i < n->nmust_not; i++)
        walk_keys(n->must_not[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wd_query *q = NULL;
    struct wd_perr err = {0, 0, NULL};
    int rc = wd_query_parse((const char *)data, size, &q, &err);
    check(rc == WD_OK || rc == WD_EPARSE || rc == WD_ENOMEM);
    if (rc != WD_OK) {
        check(q == NULL && err.msg != NULL && err.off <= size);
        return 0;
    }
    check(q != NULL && q->root != NULL);
    struct wd_buf b;
    wd_buf_init(&b, 0);
    check(wd_query_dump(q, &b) == WD_OK);
    wd_buf_fini(&b);

    struct wd_arena a;
    wd_arena_init(&a, 0, 0);
    struct wd_jv *ev = NULL;
    check(wd_json_parse(event, sizeof(event) - 1, sizeof(event) - 1, 0, &a, &ev, NULL) == WD_OK);
    (void)wd_query_match_jv(q, ev);
    walk_keys(q->root);
    wd_arena_fini(&a);
    wd_query_free(q);
    return 0;
}
