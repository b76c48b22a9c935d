/*
 * fuzz_rule.c: fuzz target for the rule loader (src/rule_load.c, src/ytree.c) and the
 * engine behind it. Arbitrary bytes are loaded as a rule file: every problem must be
 * reported as "fuzz.yaml:LINE:COL: message" and counted; every rule that loads is run
 * over a few fixed events (batch and stream ticks, finish), so templates, group keys and
 * every decision kind see whatever the fuzzer writes.
 */
#include "fuzz.h"

#include "engine.h"
#include "rule.h"
#include "ward.h"

static const char *const events[] = {
    "{\"utctimestamp\":\"2026-12-01T10:00:00+00:00\",\"receivedtimestamp\":"
    "\"2026-12-01T10:00:00+00:00\",\"summary\":\"Failed password for root\",\"hostname\":\"h1\","
    "\"category\":\"syslog\",\"details\":{\"program\":\"sshd\",\"sourceipaddress\":\"10.0.0.1\","
    "\"n\":5,\"tags\":[\"a\",1]}}",
    "{\"utctimestamp\":\"2026-12-01T10:00:30+00:00\",\"summary\":\"Accepted publickey\","
    "\"hostname\":\"h2\",\"details\":{\"program\":\"sshd\",\"sourceipaddress\":\"10.0.0.1\"}}",
    "{\"type\":\"alert\",\"summary\":\"x\"}",
    "[1,2]",
};

static void none(void *arg, const struct wd_rule *r, const char *json, size_t len)
{
    (void)arg;
    (void)r;
    if (!len || json[0] != '{' || json[len - 1] != '}')
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *errs = NULL;
    size_t elen = 0;
    FILE *f = open_memstream(&errs, &elen);
    struct wd_ruleset set = {0};
    if (wd_ruleset_load_text(&set, "fuzz.yaml", (const char *)data, size, f) != WD_OK)
        abort();
    fclose(f);
    unsigned lines = wd_fuzz_error_lines(errs, "fuzz.yaml");
    if (lines != set.errors)
        abort();
    free(errs);
    for (int batch = 0; batch < 2 && set.n; batch++) {
        struct wd_engine_opts o = {.batch = batch, .emit = none, .max_group_events = 4};
        struct wd_engine *e = wd_engine_new(&o);
        char err[200];
        struct wd_ruleset copy = {0};
        wd_ruleset_load_text(&copy, "fuzz.yaml", (const char *)data, size, NULL);
        if (wd_engine_load(e, &copy, err, sizeof(err)) == WD_OK) {
            int64_t now = INT64_C(1796119260000000);
            for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
                wd_engine_event(e, events[i], strlen(events[i]), i + 1, now);
            wd_engine_tick(e, now);
            wd_engine_tick(e, now + INT64_C(3600000000));
            wd_engine_finish(e, now + INT64_C(3600000000));
        }
        wd_ruleset_free(&copy);
        wd_engine_free(e);
    }
    wd_ruleset_free(&set);
    return 0;
}
