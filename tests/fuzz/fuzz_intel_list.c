/*
 * fuzz_intel_list.c: libFuzzer target for plain and Spamhaus DROP threat-intel lists
 * (src/intel_parse.c): the first byte picks the format and the plain list's type; parsing
 * never crashes, every bad line is reported with a line number, and a parsed list builds a
 * table that answers lookups of every indicator and of arbitrary text.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "intel.h"
#include "ward.h"

static void count_err(void *ud, size_t line, const char *msg)
{
    if (!line || !msg || !*msg)
        abort();
    ++*(size_t *)ud;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size)
        return 0;
    int format = data[0] & 1 ? WD_INTEL_SPAMHAUS : WD_INTEL_PLAIN;
    int type = (data[0] >> 1) % (WD_INTEL_HASH + 1);
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    struct wd_intel_list l;
    memset(&l, 0, sizeof(l));
    size_t reported = 0, bad = 0;
    int rc = wd_intel_parse(text, len, format, type, &l, count_err, &reported, &bad);
    if (rc != WD_OK || bad != reported)
        abort();
    const struct wd_intel_list *lists[] = {&l};
    const char *names[] = {"fuzz"};
    struct wd_intel_table *t = wd_intel_table_build(lists, names, 1);
    if (!t)
        abort();
    struct wd_intel_hit h[4];
    for (size_t i = 0; i < l.n; i++) {
        const struct wd_intel_ind *d = &l.v[i];
        size_t n = 0;
        if (d->type >= WD_INTEL__COUNT || d->len != strlen(l.pool + d->off))
            abort();
        wd_intel_table_match(t, d->type, l.pool + d->off, d->len, h, 4, &n);
        /* every indicator but a block finds itself */
        if (!n && d->type != WD_INTEL_IP)
            abort();
    }
    for (int ty = 0; ty < WD_INTEL__COUNT; ty++) {
        size_t n = 0;
        wd_intel_table_match(t, ty, text, len < 300 ? len : 300, h, 4, &n);
    }
    wd_intel_table_free(t);
    wd_intel_list_free(&l);
    return 0;
}
