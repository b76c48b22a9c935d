/*
 * fuzz_intel_misp.c: libFuzzer target for MISP feed JSON (src/intel_parse.c): an event, a
 * list of events or a manifest. Parsing never crashes, a failure is reported, the manifest
 * reader gives only UUID-shaped names, and the indicators build a table.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "intel.h"
#include "ward.h"

static void count_err(void *ud, size_t line, const char *msg)
{
    (void)line;
    if (!msg || !*msg)
        abort();
    ++*(size_t *)ud;
}

static void on_uuid(void *ud, const char *id)
{
    (void)ud;
    if (!*id || strspn(id, "0123456789abcdefABCDEF-") != strlen(id))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct wd_intel_list l;
    memset(&l, 0, sizeof(l));
    size_t reported = 0, bad = 0;
    int rc = wd_intel_parse(text, size, WD_INTEL_MISP, 0, &l, count_err, &reported, &bad);
    if ((rc != WD_OK && rc != WD_EPARSE) || bad != reported || (rc == WD_EPARSE && !bad))
        abort();
    (void)wd_intel_misp_events(text, size, on_uuid, NULL);
    const struct wd_intel_list *lists[] = {&l};
    const char *names[] = {"misp"};
    struct wd_intel_table *t = wd_intel_table_build(lists, names, 1);
    if (!t || wd_intel_table_count(t) > l.n)
        abort();
    wd_intel_table_free(t);
    wd_intel_list_free(&l);
    return 0;
}
