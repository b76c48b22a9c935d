/*
 * bench_norm.c: normalization throughput (part of `make bench`): decodes a MozDef-form
 * syslog event once, then runs wd_norm_event and serializes the result repeatedly, one
 * core, arena reset every 128 events (as a batch would). Prints events/s.
 */
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "norm.h"
#include "ward.h"

int main(void)
{
    const char *json =
        "{\"timestamp\":\"2020-03-05T10:00:00.123456+00:00\",\"hostname\":\"web-01\","
        "\"processname\":\"sshd\",\"processid\":\"1234\",\"severity\":\"info\",\"summary\":"
        "\"Accepted publickey for alice\",\"category\":\"syslog\",\"source\":\"authpriv\","
        "\"tags\":[\"ssh\"],\"details\":{\"sourceipaddress\":\"10.1.2.3\",\"username\":\"a\"}}";
    struct wd_arena a, b;
    struct wd_buf out;
    wd_arena_init(&a, 65536, 0);
    wd_arena_init(&b, 1 << 20, 0);
    wd_buf_init(&out, 0);
    struct wd_jv *in = NULL, *ev = NULL;
    if (wd_json_parse(json, strlen(json), strlen(json), 0, &a, &in, NULL) != WD_OK)
        return 1;
    struct wd_norm_opts o = {.mozdefhostname = "bench", .now_us = 1767225600000000};
    const int n = 2000000;
    int64_t t0 = wd_mono_ns();
    for (int i = 0; i < n; i++) {
        if (wd_norm_event(&b, &o, in, &ev, NULL) != WD_OK)
            return 1;
        out.len = 0;
        wd_jv_write(ev, &out);
        if ((i & 127) == 127)
            wd_arena_reset(&b);
    }
    double s = (double)(wd_mono_ns() - t0) / 1e9;
    printf("normalize+serialize: events=%d seconds=%.3f events_per_s=%.0f ns_per_event=%.0f\n", n,
           s, n / s, s * 1e9 / n);
    wd_buf_fini(&out);
    wd_arena_fini(&a);
    wd_arena_fini(&b);
    return 0;
}
