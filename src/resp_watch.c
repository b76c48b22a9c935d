/*
 * resp_watch.c: the compiled watch-list term set (resp_watch.h). Terms are literals
 * (hs_compile_lit_multi), so no regular-expression escaping is needed; the scan stops at
 * the first match.
 */
#include "resp_watch.h"

#include <hs/hs.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

struct wd_watch {
    hs_database_t *db;
    hs_scratch_t *scratch;
    char *text;   /* the terms, NUL-separated (owned) */
    char **terms; /* [n] into text */
    uint32_t n;
};

int wd_watch_new(const char *terms, uint32_t n, struct wd_watch **out)
{
    *out = NULL;
    if (n == 0)
        return WD_OK;
    struct wd_watch *w = calloc(1, sizeof(*w));
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        total += strlen(terms + total) + 1;
    unsigned *flags = calloc(n, sizeof(*flags)), *ids = calloc(n, sizeof(*ids));
    size_t *lens = calloc(n, sizeof(*lens));
    int rc = WD_ENOMEM;
    if (!w || !flags || !ids || !lens || !(w->text = malloc(total)) ||
        !(w->terms = calloc(n, sizeof(*w->terms))))
        goto fail;
    memcpy(w->text, terms, total);
    w->n = n;
    for (uint32_t i = 0, off = 0; i < n; i++) {
        w->terms[i] = w->text + off;
        lens[i] = strlen(w->terms[i]);
        off += (uint32_t)lens[i] + 1;
        flags[i] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
        ids[i] = i;
    }
    hs_compile_error_t *ce = NULL;
    if (hs_compile_lit_multi((const char *const *)w->terms, flags, ids, lens, n, HS_MODE_BLOCK,
                             NULL, &w->db, &ce) != HS_SUCCESS) {
        hs_free_compile_error(ce);
        rc = WD_EINVAL;
        goto fail;
    }
    if (hs_alloc_scratch(w->db, &w->scratch) != HS_SUCCESS)
        goto fail;
    free(flags);
    free(ids);
    free(lens);
    *out = w;
    return WD_OK;
fail:
    free(flags);
    free(ids);
    free(lens);
    wd_watch_free(w);
    return rc;
}

void wd_watch_free(struct wd_watch *w)
{
    if (!w)
        return;
    hs_free_scratch(w->scratch);
    hs_free_database(w->db);
    free(w->terms);
    free(w->text);
    free(w);
}

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *ctx)
{
    WD_UNUSED(from);
    WD_UNUSED(to);
    WD_UNUSED(flags);
    *(int *)ctx = (int)id;
    return 1; /* stop: the first term is enough */
}

const char *wd_watch_scan(struct wd_watch *w, const char *text, size_t len)
{
    if (!w || len > UINT32_MAX)
        return NULL;
    int hit = -1;
    hs_scan(w->db, text, (unsigned)len, 0, w->scratch, on_match, &hit);
    return hit >= 0 ? w->terms[hit] : NULL;
}
