/*
 * cli_rules.c: `ward rules check` (load and report every error as file:line:col) and
 * `ward rules test` (one MozDef-style run at --now over NDJSON events; alerts printed as
 * NDJSON). Events are taken as stored documents: MozDef's required-field defaults
 * (spec a.4) are added with "now" = --now, fields present are kept.
 */
#include "cli_rules.h"

#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "jv.h"
#include "json.h"
#include "norm.h"
#include "rule.h"
#include "sigma.h"
#include "wd_time.h"
#include "ward.h"

#define MAX_EVENTS_FILE (1ull << 31)

static int usage(FILE *f)
{
    fprintf(f, "usage: ward rules check [--sigma-map FILE] PATH\n"
               "       ward rules test --now TIME --events FILE [--rules PATH] [--dns FILE]\n"
               "                       [--raw] [--sigma-map FILE]\n\n"
               "check: loads every rule file under PATH (*.yaml, *.yml) and reports each\n"
               "  problem as file:line:col: message; exit status 1 when there is any.\n"
               "test: runs the rules once at TIME (ISO 8601) over the NDJSON events in FILE\n"
               "  ('-' = stdin), as if all had arrived by then, and prints the alerts as NDJSON.\n"
               "  Sigma rules and directories load like ward rules (docs/sigma.md).\n"
               "  Windows event JSON (EVTX rendering, Winlogbeat) is normalized as ingest\n"
               "  does; pretty-printed JSON objects one after another are one event each.\n"
               "  --rules PATH   rule file or directory (default: rules)\n"
               "  --sigma-map FILE  Sigma field, logsource and placeholder mappings added to the\n"
               "                 built-in ones (docs/sigma.md)\n"
               "  Unsupported Sigma rules are reported with their reason; the others run.\n"
               "  --raw          normalize every event as ingest would (default: events are\n"
               "                 stored documents, only missing fields are defaulted)\n"
               "  --dns FILE     JSON object mapping addresses to PTR names for {rdns}; the key\n"
               "                 \"*\" answers every other address\n");
    return f == stdout ? 0 : 2;
}

static int load_rules(const char *path, struct wd_ruleset *set)
{
    memset(set, 0, sizeof(*set));
    int rc = wd_ruleset_load(set, path, stderr);
    if (rc == WD_ENOMEM) {
        fprintf(stderr, "ward: out of memory loading rules\n");
        return 1;
    }
    /* only unsupported Sigma rules (reported above with their reasons): run the others */
    return set->errors > set->sigma_unsupported ? 1 : 0;
}

/* --sigma-map FILE: extra Sigma mappings (docs/sigma.md). */
static int sigma_map(const char *path)
{
    char err[512];
    if (wd_sigma_map_load(path, err, sizeof(err)) != WD_OK) {
        fprintf(stderr, "ward: --sigma-map: %s\n", err);
        return 1;
    }
    return 0;
}

/* Sigma summary of `rules check`: documents, compiled, unsupported by reason (the text
 * after "unsupported: " up to a placeholder or rule-specific detail). */
static void sigma_summary(const struct wd_ruleset *set, const char *errs)
{
    if (!set->sigma_docs)
        return;
    uint32_t sigma_rules = 0;
    for (uint32_t i = 0; i < set->n; i++)
        sigma_rules += set->rules[i]->sigma != NULL;
    printf("sigma: %u documents, %u compiled, %u filters applied, %u unsupported, %u other "
           "errors\n",
           set->sigma_docs, sigma_rules, set->sigma_filters, set->sigma_unsupported,
           set->sigma_docs - sigma_rules - set->sigma_filters - set->sigma_unsupported);
    struct {
        char reason[160];
        uint32_t n;
    } by[64];
    uint32_t nby = 0;
    for (const char *l = errs; l && *l;) {
        const char *nl = strchr(l, '\n');
        size_t len = nl ? (size_t)(nl - l) : strlen(l);
        const char *u = memmem(l, len, ": unsupported: ", 15);
        if (u) {
            u += 15;
            size_t rl = len - (size_t)(u - l);
            const char *cut = memchr(u, '%', rl); /* placeholder names vary */
            if (cut)
                rl = (size_t)(cut - u);
            char r[160];
            snprintf(r, sizeof(r), "%.*s", (int)WD_MIN(rl, sizeof(r) - 1), u);
            uint32_t k = 0;
            while (k < nby && strcmp(by[k].reason, r) != 0)
                k++;
            if (k == nby && nby < WD_ARRAY_LEN(by)) {
                snprintf(by[nby].reason, sizeof(by[nby].reason), "%s", r);
                by[nby++].n = 0;
            }
            if (k < nby)
                by[k].n++;
        }
        l = nl ? nl + 1 : l + len;
    }
    for (uint32_t k = 0; k < nby; k++)
        printf("  unsupported (%u): %s\n", by[k].n, by[k].reason);
}

static int cmd_check(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--sigma-map")) {
        if (sigma_map(argv[2]))
            return 1;
        argv += 2;
        argc -= 2;
    }
    if (argc != 2 || !strcmp(argv[1], "--help"))
        return usage(argc == 2 ? stdout : stderr);
    struct wd_ruleset set;
    memset(&set, 0, sizeof(set));
    char *ebuf = NULL;
    size_t elen = 0;
    FILE *ef = open_memstream(&ebuf, &elen);
    int rc = wd_ruleset_load(&set, argv[1], ef ? ef : stderr);
    if (ef)
        fclose(ef);
    if (ebuf)
        fputs(ebuf, stderr);
    if (rc == WD_ENOMEM) {
        fprintf(stderr, "ward: out of memory loading rules\n");
        free(ebuf);
        return 1;
    }
    int st = set.errors ? 1 : 0;
    uint32_t kinds[6] = {0};
    for (uint32_t i = 0; i < set.n; i++)
        kinds[set.rules[i]->kind]++;
    printf("%u rules in %u files (%u match, %u threshold, %u absence, %u sequence, %u sumstats, "
           "%u lag), %u errors\n",
           set.n, set.files, kinds[0], kinds[1], kinds[2], kinds[3], kinds[4], kinds[5],
           set.errors);
    sigma_summary(&set, ebuf);
    free(ebuf);
    if (!st && set.n) {
        struct wd_engine_opts o = {0};
        struct wd_engine *e = wd_engine_new(&o);
        char err[256];
        if (wd_engine_load(e, &set, err, sizeof(err)) != WD_OK) {
            fprintf(stderr, "ward: %s\n", err);
            st = 1;
        }
        wd_engine_free(e);
    }
    wd_ruleset_free(&set);
    return st;
}

/* --dns: a static resolver */
struct dns_map {
    struct wd_arena a;
    struct wd_jv *map;
};

static int dns_lookup(void *arg, const char *ip, char *out, size_t out_len)
{
    const struct dns_map *d = arg;
    const struct wd_jv *v = wd_jv_get(d->map, ip);
    if (!v)
        v = wd_jv_get(d->map, "*");
    if (!v || v->type != WD_JV_STR)
        return WD_ENOENT;
    snprintf(out, out_len, "%.*s", (int)v->u.s.len, v->u.s.p);
    return WD_OK;
}

static void print_alert(void *arg, const struct wd_rule *r, const char *json, size_t len)
{
    WD_UNUSED(arg);
    WD_UNUSED(r);
    (void)fwrite(json, 1, len, stdout);
    (void)fputc('\n', stdout);
}

static int read_all(const char *path, char **text, size_t *len)
{
    int rc = wd_read_file(path, MAX_EVENTS_FILE, text, len); /* "-": standard input */
    if (rc)
        fprintf(stderr, "ward: cannot read %s: %s\n", path, wd_strerror(rc));
    return rc;
}

/* Whether an event is raw input to normalize as ingest would (--raw, or a Windows event
 * JSON: Event.System or winlog) rather than a stored document. */
static bool is_raw(const struct wd_jv *v, bool raw)
{
    const struct wd_jv *ev = wd_jv_get(v, "Event");
    return raw || (ev && ev->type == WD_JV_OBJ && wd_jv_get(ev, "System")) ||
           (wd_jv_get(v, "winlog") && wd_jv_get(v, "winlog")->type == WD_JV_OBJ);
}

/* One event: raw ones through ingest's normalization (norm.c, win_norm.c), stored
 * documents with the a.4 defaults only. */
static void feed_one(struct wd_engine *e, struct wd_arena *a, struct wd_jv *v,
                     const struct wd_norm_opts *no, bool raw, struct wd_buf *out, uint64_t id,
                     int64_t now)
{
    struct wd_jv *ev = v;
    if (is_raw(v, raw)) {
        if (wd_norm_event(a, no, v, &ev, NULL) != WD_OK)
            return;
    } else if (wd_norm_defaults(a, no, v) != WD_OK) {
        return;
    }
    out->len = 0;
    if (wd_jv_write(ev, out) == WD_OK)
        wd_engine_event(e, out->p, out->len, id, now);
}

/* Feeds each NDJSON line to the engine (line number = id); a file of pretty-printed
 * JSON objects (one after another) gives one event per object. */
static int feed(struct wd_engine *e, const char *file, char *text, size_t len, int64_t now,
                bool raw)
{
    struct wd_arena a;
    wd_arena_init(&a, 256 << 10, 1u << 30);
    struct wd_buf out;
    wd_buf_init(&out, 0);
    struct wd_norm_opts no = {.mozdefhostname = "ward", .now_us = now};
    int bad = 0;
    uint64_t line = 0;
    size_t lead = 0;
    while (lead < len && (text[lead] == ' ' || text[lead] == '\n' || text[lead] == '\r'))
        lead++;
    size_t span = lead < len ? wd_json_object_span(text + lead, len - lead) : 0;
    if (span && memchr(text + lead, '\n', span)) {
        /* pretty-printed objects, one after another: each is an event */
        for (size_t off = lead, n; off < len && (n = wd_json_object_span(text + off, len - off));
             off += n) {
            struct wd_jv *v;
            struct wd_perr pe;
            wd_arena_reset(&a);
            line++;
            if (wd_json_parse(text + off, n, n, 0, &a, &v, &pe) == WD_OK && v->type == WD_JV_OBJ)
                feed_one(e, &a, v, &no, raw, &out, line, now);
            else
                bad = 1;
        }
        len = 0;
    }
    for (size_t off = 0; off < len;) {
        char *nl = memchr(text + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - text) : len;
        line++;
        size_t l = end - off;
        while (l && (text[off + l - 1] == '\r' || text[off + l - 1] == ' '))
            l--;
        if (l) {
            struct wd_jv *v;
            struct wd_perr pe;
            wd_arena_reset(&a);
            if (wd_json_parse(text + off, l, l, 0, &a, &v, &pe) != WD_OK || v->type != WD_JV_OBJ) {
                fprintf(stderr, "%s:%llu: not a JSON object%s%s\n", file, (unsigned long long)line,
                        pe.msg ? ": " : "", pe.msg ? pe.msg : "");
                bad = 1;
            } else {
                feed_one(e, &a, v, &no, raw, &out, line, now);
            }
        }
        off = end + 1;
    }
    wd_buf_fini(&out);
    wd_arena_fini(&a);
    return bad;
}

static int cmd_test(int argc, char **argv)
{
    const char *now_s = NULL, *events = NULL, *rules = "rules", *dns = NULL, *smap = NULL;
    bool raw = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--raw")) {
            raw = true;
            continue;
        }
        const char **dst = !strcmp(argv[i], "--now")         ? &now_s
                           : !strcmp(argv[i], "--events")    ? &events
                           : !strcmp(argv[i], "--rules")     ? &rules
                           : !strcmp(argv[i], "--dns")       ? &dns
                           : !strcmp(argv[i], "--sigma-map") ? &smap
                                                             : NULL;
        if (!strcmp(argv[i], "--help"))
            return usage(stdout);
        if (!dst || i + 1 >= argc)
            return usage(stderr);
        *dst = argv[++i];
    }
    if (!now_s || !events)
        return usage(stderr);
    int64_t now;
    if (wd_time_parse_str(now_s, strlen(now_s), NULL, wd_now_us(), &now) != WD_OK) {
        fprintf(stderr, "ward: --now: not a time: %s\n", now_s);
        return 2;
    }
    struct dns_map d = {0};
    wd_arena_init(&d.a, 64 << 10, 64u << 20);
    char *text = NULL;
    size_t len;
    if (dns) {
        struct wd_perr pe;
        if (read_all(dns, &text, &len))
            return 1;
        if (wd_json_parse(text, len, len, 0, &d.a, &d.map, &pe) != WD_OK ||
            d.map->type != WD_JV_OBJ) {
            fprintf(stderr, "ward: --dns %s: expected a JSON object\n", dns);
            return 1;
        }
    }
    struct wd_ruleset set;
    if (smap && sigma_map(smap))
        return 1;
    if (load_rules(rules, &set)) {
        wd_ruleset_free(&set);
        return 1;
    }
    struct wd_engine_opts o = {.batch = true,
                               .start_us = INT64_MIN,
                               .emit = print_alert,
                               .rdns = dns ? dns_lookup : NULL,
                               .rdns_arg = &d};
    struct wd_engine *e = wd_engine_new(&o);
    char err[256];
    int st = 0;
    if (wd_engine_load(e, &set, err, sizeof(err)) != WD_OK) {
        fprintf(stderr, "ward: %s\n", err);
        st = 1;
    }
    char *ev_text;
    size_t ev_len;
    if (!st && read_all(events, &ev_text, &ev_len) == WD_OK) {
        st = feed(e, events, ev_text, ev_len, now, raw);
        wd_engine_tick(e, now);
        wd_engine_finish(e, now);
        free(ev_text);
    } else {
        st = 1;
    }
    (void)fflush(stdout);
    wd_engine_free(e);
    wd_ruleset_free(&set);
    free(text);
    wd_arena_fini(&d.a);
    return st;
}

int wd_rules_main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "check"))
        return cmd_check(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "test"))
        return cmd_test(argc - 1, argv + 1);
    return usage(argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
}
