/*
 * json_dispatch.c: picks the build of the simdjson shim (json.cc) that suits this CPU.
 * simdjson's On-Demand front end selects its kernel when it is compiled, so the Makefile
 * compiles json.cc twice, for baseline x86-64 and for AVX2 (1.3x faster ingest measured:
 * docs/BENCHMARKS.md), renaming the entry points to *_base and *_avx2. This file
 * provides the public names from json.h and forwards to the right build.
 */
#include "json.h"

int wd_json_parse_base(const char *p, size_t len, size_t readable, uint32_t max_depth,
                       struct wd_arena *a, struct wd_jv **out, struct wd_perr *err);
int wd_json_parse_avx2(const char *p, size_t len, size_t readable, uint32_t max_depth,
                       struct wd_arena *a, struct wd_jv **out, struct wd_perr *err);
int wd_json_valid_utf8_base(const char *p, size_t len);
int wd_json_valid_utf8_avx2(const char *p, size_t len);
int wd_json_validate_base(const char *p, size_t len, uint32_t max_depth, struct wd_perr *err);
int wd_json_validate_avx2(const char *p, size_t len, uint32_t max_depth, struct wd_perr *err);
void wd_json_thread_fini_base(void);
void wd_json_thread_fini_avx2(void);

static bool use_avx2;

/* Runs before main() and before any thread exists, so no synchronisation is needed. */
__attribute__((constructor)) static void pick(void)
{
    __builtin_cpu_init();
    use_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
               __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt") &&
               getenv("WD_JSON_BASELINE") == NULL;
}

int wd_json_parse(const char *p, size_t len, size_t readable, uint32_t max_depth,
                  struct wd_arena *a, struct wd_jv **out, struct wd_perr *err)
{
    return use_avx2 ? wd_json_parse_avx2(p, len, readable, max_depth, a, out, err)
                    : wd_json_parse_base(p, len, readable, max_depth, a, out, err);
}

int wd_json_valid_utf8(const char *p, size_t len)
{
    return use_avx2 ? wd_json_valid_utf8_avx2(p, len) : wd_json_valid_utf8_base(p, len);
}

int wd_json_validate(const char *p, size_t len, uint32_t max_depth, struct wd_perr *err)
{
    return use_avx2 ? wd_json_validate_avx2(p, len, max_depth, err)
                    : wd_json_validate_base(p, len, max_depth, err);
}

void wd_json_thread_fini(void)
{
    wd_json_thread_fini_base();
    wd_json_thread_fini_avx2();
}
