/*
 * fuzz_time.c: fuzz target for the timestamp parsers of src/time.c (MozDef toUTC rules,
 * mozdef-compat.md section b): wd_time_parse_str (numeric rules, fast path, fuzzy
 * dateutil-compatible parser) on arbitrary bytes, in UTC and in a fixed-offset naive zone,
 * the fuzzy parser alone, and the POSIX TZ string parser. Every successful result must lie
 * in Python's datetime range and render as a 25- or 32-byte isoformat string; the fast
 * path must agree with the fuzzy parser whenever it takes an input.
 */
#include "fuzz.h"

#include <time.h>

#include "wd_time.h"

#include "ward.h"

static void check(int rc, int64_t us)
{
    if (rc != WD_OK) {
        if (rc != WD_EPARSE && rc != WD_ELIMIT)
            abort();
        return;
    }
    if (us < WD_TIME_MIN_US || us > WD_TIME_MAX_US)
        abort();
    char iso[WD_TIME_ISO_MAX];
    size_t n = wd_time_iso(us, iso);
    if ((n != 25 && n != 32) || strlen(iso) != n || memcmp(iso + n - 6, "+00:00", 6) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct wd_tz *plus;
    if (!plus)
        plus = wd_tz_load("+05:30", NULL); /* lives until exit */
    const char *p = (const char *)data;
    const int64_t now = INT64_C(1778330096000000);
    int64_t a = 0, b = 0;
    check(wd_time_parse_str(p, size, NULL, now, &a), a);
    check(wd_time_parse_str(p, size, plus, now, &a), a);
    int rz = wd_time_parse_fuzzy(p, size, NULL, now, &b);
    check(rz, b);
    int rf = wd_time_parse_fast(p, size, NULL, &a);
    if (rf != WD_EAGAIN && (rf != rz || (rf == WD_OK && a != b)))
        abort();
    struct wd_tz *tz = wd_tz_posix(p, size, NULL);
    if (tz) {
        for (int64_t s = -4000000000LL; s < 8000000000LL; s += INT64_C(86400) * 97) {
            int off = wd_tz_offset_at(tz, s * WD_US_PER_SEC);
            int64_t u = wd_tz_local_to_utc(tz, s * WD_US_PER_SEC) / WD_US_PER_SEC;
            if (off <= -26 * 3600 || off >= 26 * 3600 || u < s - INT64_C(93600) ||
                u > s + INT64_C(93600))
                abort();
        }
        wd_tz_free(tz);
    }
    return 0;
}
