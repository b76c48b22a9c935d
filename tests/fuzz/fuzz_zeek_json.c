/*
 * fuzz_zeek_json.c: libFuzzer target for Zeek JSON lines (src/zeek_json.c, the time
 * canonicalisation and the MozDef normalization in src/zeek_norm.c): every line that is a
 * JSON object must normalize into an event that serializes; the Zeek-style writer must
 * produce JSON that parses back.
 */
#include "fuzz.h"
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "norm.h"
#include "ward.h"
#include "zeek.h"
#include "zeek_norm.h"

static void check(bool ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const logs[] = {
        "conn",     "dns",       "notice",         "x509", "files", "software", "snmp",  "ntlm",
        "kerberos", "smb_files", "known_services", "ssh",  "http",  "dhcp",     "intel", "weird"};
    struct wd_arena a;
    wd_arena_init(&a, 64 * 1024, 64u << 20);
    struct wd_buf out, scratch;
    wd_buf_init(&out, 0);
    wd_buf_init(&scratch, 0);
    struct wd_norm_opts o = {.mozdefhostname = "fuzz", .now_us = INT64_C(1778330096000000)};
    const char *p = (const char *)data, *end = p + size;
    for (size_t i = 0; p < end; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        struct wd_zeek_reader r;
        wd_zeek_reader_init(&r, logs[i % WD_ARRAY_LEN(logs)]);
        r.fmt = WD_ZF_JSON;
        struct wd_jv *rec, *ev;
        struct wd_str log;
        if (wd_zeek_reader_line(&r, p, n, n, &a, &rec, &log, NULL) == WD_OK && rec) {
            out.len = 0;
            check(wd_zeek_json_emit(rec, &out) == WD_OK);
            struct wd_jv *back;
            check(wd_json_parse(out.p, out.len - 1, out.len - 1, 0, &a, &back, NULL) == WD_OK);
            int rc = wd_zeek_norm(&a, &o, log, WD_STR("s"), rec, &scratch, &ev, NULL);
            check(rc == WD_OK || rc == WD_ENOMEM);
            if (rc == WD_OK) {
                out.len = 0;
                check(wd_jv_write(ev, &out) == WD_OK);
            }
        }
        wd_zeek_reader_fini(&r);
        wd_arena_reset(&a);
        p += n + 1;
    }
    wd_buf_fini(&out);
    wd_buf_fini(&scratch);
    wd_arena_fini(&a);
    return 0;
}
