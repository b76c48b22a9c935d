/*
 * fuzz_case_field.c: fuzz target for wd_case_field_check() (src/case_field.h), which
 * validates every incident field value a client sends. The first byte picks the field,
 * the rest is JSON. The check returns WD_OK or WD_EINVAL with a reason only; an accepted
 * value's normalized text is JSON that is accepted again and normalizes to itself
 * (idempotent), so what is stored always re-validates.
 */
#include "fuzz.h"

#include "case_field.h"
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "ward.h"

static size_t nfields(void)
{
    size_t n = 0;
    while (wd_case_field_at(n))
        n++;
    return n;
}

static int run(const struct wd_case_field *f, const char *p, size_t len, struct wd_buf *out,
               struct wd_arena *a)
{
    struct wd_jv *v;
    if (wd_json_parse(p, len, len, 64, a, &v, NULL) != WD_OK)
        return WD_EPARSE;
    int64_t num = 0;
    bool has = false;
    char why[400];
    why[0] = '\0';
    int rc =
        wd_case_field_check(f, v, INT64_C(1767225600000000), out, &num, &has, why, sizeof(why));
    if (rc != WD_OK && (rc != WD_EINVAL || !why[0]))
        abort();
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const struct wd_case_field *f = wd_case_field_at(data[0] % nfields());
    struct wd_arena a;
    wd_arena_init(&a, 4096, 16u << 20);
    struct wd_buf one, two;
    wd_buf_init(&one, 0);
    wd_buf_init(&two, 0);
    if (run(f, (const char *)data + 1, size - 1, &one, &a) == WD_OK) {
        /* a cleared field (null) is stored as null and never re-checked for summary */
        if (!(one.len == 4 && !memcmp(one.p, "null", 4))) {
            if (run(f, one.p, one.len, &two, &a) != WD_OK)
                abort();
            if (two.len != one.len || memcmp(one.p, two.p, one.len))
                abort();
        }
    }
    wd_buf_fini(&one);
    wd_buf_fini(&two);
    wd_arena_fini(&a);
    return 0;
}
