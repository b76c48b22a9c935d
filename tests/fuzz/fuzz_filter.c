/*
 * fuzz_filter.c: libFuzzer target for the filter file parser (src/filter.c, libyaml
 * document API) and, through its `lists:` entries, the list parser: any input either
 * loads, then evaluates on a few records, or is rejected with at least one
 * "name:line:col:" message. List files named in the input are not read (no I/O: a
 * `file:` makes the list fail to load, which must be reported too).
 */
#include <stdio.h>

#include "filter.h"
#include "fuzz.h"
#include "json.h"
#include "jv.h"
#include "lists.h"
#include "mem.h"
#include "ward.h"

static void check(bool ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char errs[8192];
    FILE *f = fmemopen(errs, sizeof(errs), "w");
    check(f != NULL);
    struct wd_lists *l = wd_lists_new();
    struct wd_filter_set *fs = NULL;
    /* "/nonexistent" as the directory: relative list files cannot be opened */
    int n = wd_filter_parse("fuzz.yaml", (const char *)data, size, "/nonexistent", l, &fs, f);
    fflush(f);
    long pos = ftell(f);
    fclose(f);
    check(n >= 0 && (n == 0) == (fs != NULL));
    check(n == 0 || (pos > 0 && memcmp(errs, "fuzz.yaml:", 10) == 0));
    if (fs) {
        static const char *const recs[] = {
            "{\"id.orig_h\":\"10.1.2.3\",\"id.resp_h\":\"192.0.2.1\",\"id.resp_p\":53,"
            "\"proto\":\"udp\",\"conn_state\":\"S0\",\"query\":\"a.mozilla.org\"}",
            "{\"tx_hosts\":[\"10.0.0.1\",null],\"mime_type\":\"application/pkix-cert\","
            "\"is_orig\":false,\"user_agent\":\"check_http\"}",
        };
        static const char *const logs[] = {"conn", "dns", "files", "http", "ssl", "x509"};
        struct wd_arena a;
        wd_arena_init(&a, 4096, 0);
        for (size_t i = 0; i < WD_ARRAY_LEN(recs); i++) {
            struct wd_jv *r;
            check(wd_json_parse(recs[i], strlen(recs[i]), strlen(recs[i]), 0, &a, &r, NULL) ==
                  WD_OK);
            for (size_t k = 0; k < WD_ARRAY_LEN(logs); k++) {
                const char *to;
                int act = wd_filter_eval(fs, (struct wd_str){logs[k], strlen(logs[k])}, r, &to);
                check(act >= WD_FILTER_KEEP && act <= WD_FILTER_DIVERT);
                check((act == WD_FILTER_DIVERT) == (to != NULL));
            }
        }
        wd_arena_fini(&a);
        wd_filter_set_free(fs);
    }
    wd_lists_free(l);
    return 0;
}
