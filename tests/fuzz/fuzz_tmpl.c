/*
 * fuzz_tmpl.c: fuzz target for alert summary templates (src/tmpl.c). Arbitrary bytes are
 * compiled; a failure must say where (an offset within the input) and why; a template
 * that compiles is rendered against a fixed group of events (with and without samples,
 * with a resolver), which must succeed.
 */
#include "fuzz.h"

#include "jv.h"
#include "json.h"
#include "tmpl.h"
#include "ward.h"

static int rdns(void *arg, const char *ip, char *out, size_t out_len)
{
    (void)arg;
    if (ip[0] == '1')
        return WD_ENOENT;
    snprintf(out, out_len, "host.example");
    return WD_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wd_tmpl *t;
    struct wd_perr pe = {0};
    if (wd_tmpl_compile((const char *)data, size, &t, &pe) != WD_OK) {
        if (!pe.msg || pe.off > size)
            abort();
        return 0;
    }
    static const char *const evs[] = {
        "{\"hostname\":\"a\",\"details\":{\"ip\":\"10.0.0.1\",\"n\":1,\"l\":[1,\"x\"]}}",
        "{\"hostname\":\"b\",\"details\":{\"ip\":\"192.168.1.1\",\"n\":2.5}}",
        "{\"hostname\":\"a\",\"summary\":\"Accepted publickey for bob from 1.2.3.4\"}",
    };
    struct wd_arena a;
    wd_arena_init(&a, 4096, 1 << 20);
    const struct wd_jv *jv[3];
    for (int i = 0; i < 3; i++) {
        struct wd_jv *v;
        if (wd_json_parse(evs[i], strlen(evs[i]), strlen(evs[i]), 0, &a, &v, NULL) != WD_OK)
            abort();
        jv[i] = v;
    }
    struct wd_buf out;
    wd_buf_init(&out, 1 << 20);
    for (size_t ns = 0; ns <= 3; ns += 3) {
        struct wd_tmpl_ctx c = {.events = jv,
                                .nevents = 3,
                                .nsamples = ns,
                                .value = {"10.0.0.1", 8},
                                .count = 3,
                                .rdns = rdns};
        out.len = 0;
        int rc = wd_tmpl_render(t, &c, &out);
        if (rc != WD_OK && rc != WD_ELIMIT)
            abort();
    }
    wd_buf_fini(&out);
    wd_arena_fini(&a);
    wd_tmpl_free(t);
    return 0;
}
