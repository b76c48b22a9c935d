/*
 * fuzz_reltime.c: fuzz target for wd_reltime_parse() (src/reltime.h), the parser of
 * search/tail `from` and `to`. On arbitrary bytes it must return WD_OK or WD_EPARSE
 * only; on success the result lies in years 1..9999, and on failure the error offset
 * lies within the input and a message is set. Parsing is deterministic and independent
 * of bytes past len (checked by parsing a copy followed by junk).
 */
#include "fuzz.h"

#include "reltime.h"
#include "wd_time.h"

#include "ward.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const int64_t now = INT64_C(1778330096000000);
    const char *p = (const char *)data;
    int64_t a = 0, b = 0;
    struct wd_perr e = {0, 0, NULL};
    int rc = wd_reltime_parse(p, size, now, &a, &e);
    if (rc == WD_OK) {
        if (a < WD_TIME_MIN_US || a > WD_TIME_MAX_US)
            abort();
    } else if (rc != WD_EPARSE || !e.msg || e.off > size || e.code != WD_EPARSE) {
        abort();
    }
    char *copy = malloc(size + 8);
    if (!copy)
        return 0;
    if (size)
        memcpy(copy, data, size);
    memcpy(copy + size, "d1h-2024", 8);
    int rc2 = wd_reltime_parse(copy, size, now, &b, NULL);
    free(copy);
    if (rc2 != rc || (rc == WD_OK && a != b))
        abort();
    return 0;
}
