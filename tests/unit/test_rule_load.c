/*
 * test_rule_load.c: unit tests for the rule loader (src/rule_load.c) and the YAML tree
 * (src/ytree.c): every field of a valid rule, defaults, each decision kind, and the
 * exact file:line:col of every kind of error.
 */
#include "rule.h"

#include "wd_test.h"

#include "query.h"
#include "sumstats.h"
#include "ward.h"
#include "ytree.h"

static struct wd_ruleset set;
static char errs[4096];

/* Loads text as file "r.yaml"; returns the number of errors, errors text in errs. */
static unsigned load(const char *text)
{
    wd_ruleset_free(&set);
    memset(errs, 0, sizeof(errs));
    FILE *f = fmemopen(errs, sizeof(errs) - 1, "w");
    wd_ruleset_load_text(&set, "r.yaml", text, strlen(text), f);
    fclose(f);
    return set.errors;
}

static void t_full_rule(void)
{
    EXPECT_INT(load("name: AlertX\n"
                    "description: d\n"
                    "severity: WARNING\n"
                    "category: bruteforce\n"
                    "tags: [ssh, auth]\n"
                    "query: 'details.program:sshd'\n"
                    "filters: ['NOT hostname:a', 'NOT hostname:b']\n"
                    "window: 2m\n"
                    "threshold: {group_by: [details.sourceipaddress, hostname], count: 10}\n"
                    "samples: 5\n"
                    "suppress: 1h\n"
                    "channel: '#sec'\n"
                    "notify: false\n"
                    "url: https://example.org/x\n"
                    "origin: mozdef\n"
                    "summary: '{count} by {value}'\n"),
               0);
    EXPECT_INT(set.n, 1);
    const struct wd_rule *r = set.rules[0];
    EXPECT_STR(r->name, "AlertX");
    EXPECT_STR(r->severity, "WARNING");
    EXPECT_STR(r->category, "bruteforce");
    EXPECT_INT(r->ntags, 2);
    EXPECT_STR(r->tags[1], "auth");
    EXPECT_STR(r->query_text, "(details.program:sshd) AND (NOT hostname:a) AND (NOT hostname:b)");
    EXPECT_INT(r->kind, WD_RULE_THRESHOLD);
    EXPECT_INT(r->window_us, 120000000);
    EXPECT_INT(r->threshold, 10);
    EXPECT_INT(r->ngroup_by, 2);
    EXPECT_STR(r->group_by[1], "hostname");
    EXPECT_INT(r->samples, 5);
    EXPECT_INT(r->suppress_us, 3600000000LL);
    EXPECT_STR(r->channel, "#sec");
    EXPECT_INT(r->notify, 0);
    EXPECT_STR(r->url, "https://example.org/x");
    EXPECT_STR(r->origin, "mozdef");
    EXPECT_INT(r->line, 1);
}

static void t_defaults(void)
{
    EXPECT_INT(load("name: A\nquery: x\nsummary: s\nchannel: ''\n"), 0);
    const struct wd_rule *r = set.rules[0];
    EXPECT_INT(r->kind, WD_RULE_MATCH);
    EXPECT_STR(r->severity, "NOTICE");
    EXPECT_INT(r->samples, 10);
    EXPECT_INT(r->notify, -1);
    EXPECT_INT(r->window_us, 15 * 60 * 1000000LL);
    FAIL_UNLESS(r->channel == NULL); /* MozDef: an empty channel is null */
    FAIL_UNLESS(r->enabled);
}

static void t_kinds(void)
{
    EXPECT_INT(load("name: D\nquery: x\nsummary: s\nwindow: 20m\n"
                    "absence: {group_by: hostname, groups: [h1, h2], seen_groups: true}\n"),
               0);
    EXPECT_INT(set.rules[0]->kind, WD_RULE_ABSENCE);
    EXPECT_INT(set.rules[0]->ngroups, 2);
    FAIL_UNLESS(set.rules[0]->seen_groups);
    EXPECT_INT(load("name: S\nsummary: s\nwindow: 10m\n"
                    "sequence:\n  by: details.username\n  steps:\n"
                    "    - {query: 'details.result:fail', count: 3}\n"
                    "    - 'details.result:ok'\n"),
               0);
    EXPECT_INT(set.rules[0]->kind, WD_RULE_SEQUENCE);
    EXPECT_INT(set.rules[0]->nsteps, 2);
    EXPECT_INT(set.rules[0]->steps[0].count, 3);
    EXPECT_INT(set.rules[0]->steps[1].count, 1);
    EXPECT_STR(set.rules[0]->query_text, "*");
    EXPECT_INT(load("name: Z\nquery: x\nsummary: s\n"
                    "sumstats: {key: a, observe: b, epoch: 30m, reducers: [SUM, sample],\n"
                    "           threshold: 30, threshold_on: SUM, num_samples: 5}\n"),
               0);
    const struct wd_rule *r = set.rules[0];
    EXPECT_INT(r->kind, WD_RULE_SUMSTATS);
    EXPECT_INT(r->epoch_us, 1800000000LL);
    EXPECT_INT(r->calcs, WD_SS_BIT(WD_SS_SUM) | WD_SS_BIT(WD_SS_SAMPLE));
    EXPECT_INT(r->threshold_calc, WD_SS_SUM);
    EXPECT_INT(r->num_samples, 5);
    FAIL_UNLESS(r->ss_threshold == 30);
}

/* Each error names the file, the line and column of the offending node, and why. */
static void t_errors(void)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"name: A\nquery: x\nsummary: s\nwindw: 2m\n", "r.yaml:4:1: rule: unknown key 'windw'\n"},
        {"query: x\nsummary: s\n", "r.yaml:1:1: rule: 'name' is required\n"},
        {"name: A\nsummary: s\n", "r.yaml:1:1: rule: 'query' is required\n"},
        {"name: A\nquery: x\n", "r.yaml:1:1: rule: 'summary' is required\n"},
        {"name: A\nquery: x\nsummary: s\nwindow: 10\n",
         "r.yaml:4:9: window: expected a duration such as 30s, 15m, 2h or 1d\n"},
        {"name: A\nquery: 'a:[1 TO'\nsummary: s\n",
         "r.yaml:2:16: query: column 8: expected a range bound\n"},
        {"name: A\nquery: x\nsummary: 'n={count'\n",
         "r.yaml:3:13: summary: column 3: '{' without '}'\n"},
        {"name: A\nquery: x\nsummary: s\nthreshold: {count: 0}\n",
         "r.yaml:4:20: threshold.count: must be at least 1\n"},
        {"name: A\nquery: x\nsummary: s\nthreshold: {count: 2}\nabsence: {}\n",
         "r.yaml:5:10: absence: a rule has at most one of threshold, absence, sequence, "
         "sumstats and lag\n"},
        {"name: A\nquery: x\nsummary: s\nsumstats: {epoch: 5m, reducers: [SUMM], threshold: 3}\n",
         "r.yaml:4:34: sumstats.reducers: unknown reducer (SUM, MIN, MAX, AVERAGE, VARIANCE, "
         "STD_DEV, UNIQUE, HLL_UNIQUE, TOPK, SAMPLE, LAST)\n"},
        {"name: A\nquery: x\nsummary: s\nactions: [{webhook: 'ftp://x'}]\n",
         "r.yaml:4:21: webhook: expected an http:// or https:// URL\n"},
        {"name: A\nquery: x\nsummary: s\nactions: [{block: 45d}]\n",
         "r.yaml:4:19: block: duration above 30 days (1h to 30d, e.g. 1h, 12h, 1d, 1w)\n"},
        {"name: A\nquery: x\nsummary: s\nactions: [{block: 1d, webhook: 'http://x'}]\n",
         "r.yaml:4:11: action: an action is either a webhook or a block\n"},
        {"name: A\nquery: x\nsummary: s\nactions: [{webhook: 'http://x', field: a}]\n",
         "r.yaml:4:40: field: only block actions take a field\n"},
        {"name: A\nquery: 'x | stats count()'\nsummary: s\n",
         "r.yaml:2:8: query: pipes are not allowed in rules\n"},
        {"name: [A\n",
         "r.yaml:2:1: did not find expected ',' or ']' while parsing a flow sequence\n"},
    };
    for (size_t i = 0; i < WD_ARRAY_LEN(cases); i++) {
        EXPECT_INT(load(cases[i].text), 1);
        EXPECT_INT(set.n, 0);
        EXPECT_STR(errs, cases[i].want);
    }
}

/* Actions: webhooks and blocks (docs/response.md). */
static void t_actions(void)
{
    EXPECT_INT(load("name: A\nquery: x\nsummary: s\nactions:\n"
                    "  - {webhook: 'https://h/x', format: slack}\n"
                    "  - {block: 12h}\n"
                    "  - {block: 1w, field: details.destinationipaddress}\n"),
               0);
    const struct wd_rule *r = set.rules[0];
    EXPECT_INT(r->nactions, 3);
    EXPECT_STR(r->actions[0].webhook, "https://h/x");
    EXPECT_INT(r->actions[0].format, WD_RULE_ACT_SLACK);
    EXPECT_INT(r->actions[0].block_s, 0);
    FAIL_UNLESS(r->actions[1].webhook == NULL && r->actions[1].field == NULL);
    EXPECT_INT(r->actions[1].block_s, 12 * 3600);
    EXPECT_INT(r->actions[2].block_s, 7 * 86400);
    EXPECT_STR(r->actions[2].field, "details.destinationipaddress");
}

/* Good rules of a file load even when others in it fail; duplicate names are refused. */
static void t_multi_document(void)
{
    EXPECT_INT(load("name: A\nquery: x\nsummary: s\n---\nname: B\nquery: 'y:'\nsummary: s\n"
                    "---\nname: A\nquery: z\nsummary: s\n"),
               2);
    EXPECT_INT(set.n, 1);
    EXPECT_STR(set.rules[0]->name, "A");
    FAIL_UNLESS(strstr(errs, "r.yaml:9:7: duplicate rule name 'A' (first in r.yaml)") != NULL);
}

/* The identity hash changes with any part of the definition, and only then. */
static void t_hash(void)
{
    load("name: A\nquery: x\nsummary: s\nsuppress: 1m\n");
    uint64_t h1 = set.rules[0]->hash;
    load("name: A\nquery: x\nsummary: s\nsuppress: 1m\n");
    EXPECT_INT(set.rules[0]->hash == h1, 1);
    load("name: A\nquery: x\nsummary: s\nsuppress: 2m\n");
    EXPECT_INT(set.rules[0]->hash == h1, 0);
}

static void t_durations(void)
{
    int64_t us;
    EXPECT_INT(wd_duration_parse("30s", &us), WD_OK);
    EXPECT_INT(us, 30000000);
    EXPECT_INT(wd_duration_parse("15 minutes", &us), WD_OK);
    EXPECT_INT(us, 900000000);
    EXPECT_INT(wd_duration_parse("1.5h", &us), WD_OK);
    EXPECT_INT(us, 5400000000LL);
    EXPECT_INT(wd_duration_parse("500ms", &us), WD_OK);
    EXPECT_INT(us, 500000);
    EXPECT_INT(wd_duration_parse("2w", &us), WD_OK);
    EXPECT_INT(us, 1209600000000LL);
    EXPECT_INT(wd_duration_parse("10", &us), WD_EINVAL);
    EXPECT_INT(wd_duration_parse("-1m", &us), WD_EINVAL);
    EXPECT_INT(wd_duration_parse("5 parsecs", &us), WD_EINVAL);
}

static void t_ytree(void)
{
    struct wd_arena a;
    wd_arena_init(&a, 4096, 1 << 20);
    struct wd_ynode *root;
    struct wd_yerr e;
    EXPECT_INT(wd_ytree_parse("a: 1\nb:\n  - x\n  - 'y'\n", 21, &a, &root, &e), WD_OK);
    EXPECT_INT(root->kind, WD_Y_MAP);
    const struct wd_ynode *b = wd_ynode_get(root, "b");
    EXPECT_INT(b->kind, WD_Y_SEQ);
    EXPECT_INT(b->n, 2);
    EXPECT_INT(b->items[1]->line, 4);
    EXPECT_INT(b->items[1]->col, 5);
    FAIL_UNLESS(b->items[1]->quoted && !b->items[0]->quoted);
    EXPECT_INT(wd_ytree_parse("a: &x 1\nb: *x\n", 14, &a, &root, &e), WD_EPARSE);
    EXPECT_STR(e.msg, "aliases are not supported");
    EXPECT_INT(e.line, 2);
    EXPECT_INT(wd_ytree_parse("a: 1\n---\nb: 2\n", 14, &a, &root, &e), WD_EPARSE);
    EXPECT_INT(wd_ytree_parse("", 0, &a, &root, &e), WD_OK);
    FAIL_UNLESS(root == NULL);
    wd_arena_fini(&a);
}

static void t_cleanup(void)
{
    wd_ruleset_free(&set);
}

WD_TEST_LIST{
    {"rule_load_full", t_full_rule},
    {"rule_load_defaults", t_defaults},
    {"rule_load_kinds", t_kinds},
    {"rule_load_errors", t_errors},
    {"rule_load_actions", t_actions},
    {"rule_load_multi_document", t_multi_document},
    {"rule_load_hash", t_hash},
    {"rule_load_durations", t_durations},
    {"ytree", t_ytree},
    {"rule_load_cleanup", t_cleanup},
};

WD_TEST_MAIN
