/*
 * test_sigma.c: Sigma semantics, one test per value modifier and condition form, written
 * from the specification (sigma-rules-specification.md and sigma-appendix-modifiers.md
 * v2.1.0, sigma-correlation-rules-specification.md, sigma-filters-specification.md):
 * each rule is compiled from YAML text and matched against small events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "query.h"
#include "rule.h"
#include "sigma.h"
#include "wd_test.h"
#include "ytree.h"

static struct wd_sigma *cur;
static char errmsg[300];

/* Compiles a rule from its detection (YAML lines after "detection:"); NULL on error
 * (errmsg says why). */
static struct wd_sigma *compile_ls(const char *logsource, const char *detection)
{
    char text[8192];
    snprintf(text, sizeof(text), "title: t\nlogsource:\n%s\ndetection:\n%s\n", logsource,
             detection);
    struct wd_arena a;
    wd_arena_init(&a, 16 << 10, 16u << 20);
    struct wd_ynode *doc = NULL;
    struct wd_yerr ye = {0};
    struct wd_sigma *s = NULL;
    errmsg[0] = '\0';
    if (wd_ytree_parse(text, strlen(text), &a, &doc, &ye) != WD_OK) {
        snprintf(errmsg, sizeof(errmsg), "yaml: %s", ye.msg);
    } else {
        struct wd_sigma_info in;
        if (wd_sigma_compile(doc, &s, &in, &ye) == WD_OK)
            wd_sigma_info_fini(&in);
        else
            snprintf(errmsg, sizeof(errmsg), "%s", ye.msg);
    }
    wd_arena_fini(&a);
    return s;
}

static struct wd_sigma *compile(const char *detection)
{
    return compile_ls("    category: test", detection);
}

static bool set_rule(const char *detection)
{
    wd_sigma_unref(cur);
    cur = compile(detection);
    if (!cur)
        printf("  compile error: %s\n", errmsg);
    return cur != NULL;
}

/* Whether the current rule matches the event (JSON text). */
static bool m(const char *json)
{
    struct wd_arena a;
    wd_arena_init(&a, 16 << 10, 16u << 20);
    struct wd_jv *ev;
    struct wd_perr pe;
    bool r = false;
    if (wd_json_parse(json, strlen(json), strlen(json), 0, &a, &ev, &pe) == WD_OK) {
        struct wd_qflat f;
        wd_qflat_init(&f);
        wd_qflat_build(&f, ev);
        struct wd_sigma_ev sev;
        wd_sigma_ev_init(&sev);
        wd_sigma_ev_reset(&sev, &f);
        r = wd_sigma_match(cur, &sev);
        wd_sigma_ev_fini(&sev);
        wd_qflat_fini(&f);
    } else {
        printf("  bad test JSON: %s\n", json);
    }
    wd_arena_fini(&a);
    return r;
}

#define D(x) "{\"details\": {" x "}}"

static void t_plain_case_insensitive(void)
{
    FAIL_UNLESS(set_rule("  sel:\n    Image: 'C:\\Windows\\cmd.exe'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"Image\": \"c:\\\\windows\\\\CMD.EXE\"")));
    FAIL_IF(m(D("\"Image\": \"c:\\\\windows\\\\cmd.exe2\""))); /* whole value */
    FAIL_IF(m(D("\"Image\": \"xc:\\\\windows\\\\cmd.exe\""))); /* whole value */
    FAIL_IF(m(D("\"Other\": \"c:\\\\windows\\\\cmd.exe\"")));
    /* field names resolve case-insensitively (nxlog lower-cases them) */
    FAIL_UNLESS(m(D("\"image\": \"C:\\\\Windows\\\\cmd.exe\"")));
    /* a multi-valued field: one value suffices */
    FAIL_UNLESS(m(D("\"Image\": [\"a\", \"C:\\\\Windows\\\\cmd.exe\"]")));
}

static void t_wildcards_and_escapes(void)
{
    FAIL_UNLESS(set_rule("  sel:\n    F: 'a*b?c'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"aXYZbQc\"")));
    FAIL_UNLESS(m(D("\"F\": \"abQc\"")));
    FAIL_UNLESS(m(D("\"F\": \"ab\\u00e9c\""))); /* ? is one character, even two bytes */
    FAIL_IF(m(D("\"F\": \"abc\"")));
    FAIL_IF(m(D("\"F\": \"abQQc\"")));
    /* \* is a literal star; \\* a literal backslash then a wildcard */
    FAIL_UNLESS(set_rule("  sel:\n    F: 'a\\*'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"a*\"")));
    FAIL_IF(m(D("\"F\": \"ab\"")));
    FAIL_UNLESS(set_rule("  sel:\n    F: 'a\\\\*'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"a\\\\xyz\"")));
    FAIL_IF(m(D("\"F\": \"axyz\"")));
    /* a lone backslash is literal */
    FAIL_UNLESS(set_rule("  sel:\n    F: 'C:\\Temp'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"c:\\\\temp\"")));
}

static void t_contains_startswith_endswith(void)
{
    FAIL_UNLESS(set_rule("  sel:\n    F|contains: 'MiD'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"xxmidyy\"")));
    FAIL_IF(m(D("\"F\": \"xxmiyy\"")));
    FAIL_UNLESS(set_rule("  sel:\n    F|startswith: 'ab'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"ABc\"")));
    FAIL_IF(m(D("\"F\": \"cab\"")));
    FAIL_UNLESS(set_rule("  sel:\n    F|endswith: '\\x.exe'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"C:\\\\X.EXE\"")));
    FAIL_IF(m(D("\"F\": \"C:\\\\X.EXE \"")));
    /* wildcards inside still work */
    FAIL_UNLESS(set_rule("  sel:\n    F|contains: 'a*c'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"zzabbbczz\"")));
}

static void t_lists_all_maps(void)
{
    FAIL_UNLESS(set_rule("  sel:\n    F|contains:\n      - one\n      - two\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"xtwox\"")));
    FAIL_IF(m(D("\"F\": \"three\"")));
    FAIL_UNLESS(
        set_rule("  sel:\n    F|contains|all:\n      - one\n      - two\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"two and one\"")));
    FAIL_IF(m(D("\"F\": \"only one\"")));
    /* 'all' on a single value is an error (spec) */
    FAIL_IF(set_rule("  sel:\n    F|contains|all: one\n  condition: sel"));
    /* a map is an AND */
    FAIL_UNLESS(set_rule("  sel:\n    A: 1\n    B: x\n  condition: sel"));
    FAIL_UNLESS(m(D("\"A\": 1, \"B\": \"X\"")));
    FAIL_IF(m(D("\"A\": 1, \"B\": \"Y\"")));
    /* a list of maps is an OR */
    FAIL_UNLESS(set_rule("  sel:\n    - A: 1\n    - B: x\n  condition: sel"));
    FAIL_UNLESS(m(D("\"A\": 2, \"B\": \"x\"")));
    FAIL_UNLESS(m(D("\"A\": 1")));
    FAIL_IF(m(D("\"A\": 2")));
}

static void t_keywords(void)
{
    FAIL_UNLESS(set_rule("  keywords:\n    - 'evil'\n    - 'bad thing'\n  condition: keywords"));
    FAIL_UNLESS(m("{\"summary\": \"an EVIL event\"}"));
    FAIL_UNLESS(m(D("\"deep\": {\"x\": \"a bad thing here\"}")));
    FAIL_IF(m("{\"summary\": \"harmless\"}"));
    FAIL_UNLESS(set_rule("  keywords:\n    '|all':\n      - 'foo'\n      - 'bar'\n"
                         "  condition: keywords"));
    FAIL_UNLESS(m("{\"summary\": \"foo\", \"details\": {\"a\": \"xbarx\"}}"));
    FAIL_IF(m("{\"summary\": \"foo only\"}"));
}

static void t_numbers_null_empty(void)
{
    FAIL_UNLESS(set_rule("  sel:\n    EventID: 4688\n  condition: sel"));
    FAIL_UNLESS(m(D("\"EventID\": 4688")));
    FAIL_UNLESS(m(D("\"EventID\": \"4688\"")));
    FAIL_IF(m(D("\"EventID\": 46880")));
    FAIL_UNLESS(set_rule("  sel:\n    F: null\n  condition: sel"));
    FAIL_UNLESS(m(D("\"G\": 1")));
    FAIL_UNLESS(m(D("\"F\": null")));
    FAIL_IF(m(D("\"F\": \"\"")));
    FAIL_UNLESS(set_rule("  sel:\n    F: ''\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"\"")));
    FAIL_IF(m(D("\"F\": \"x\"")));
    FAIL_IF(m(D("\"G\": \"\"")));
    FAIL_UNLESS(set_rule("  sel:\n    F: true\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": true")));
    FAIL_IF(m(D("\"F\": false")));
}

static void t_exists(void)
{
    FAIL_UNLESS(set_rule("  sel:\n    F|exists: true\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"\"")));
    FAIL_IF(m(D("\"G\": 1")));
    FAIL_UNLESS(set_rule("  sel:\n    F|exists: false\n  condition: sel"));
    FAIL_UNLESS(m(D("\"G\": 1")));
    FAIL_IF(m(D("\"F\": 0")));
    FAIL_IF(set_rule("  sel:\n    F|exists: maybe\n  condition: sel"));
}

static void t_cased(void)
{
    FAIL_UNLESS(set_rule("  sel:\n    F|cased: 'CamelCase'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"CamelCase\"")));
    FAIL_IF(m(D("\"F\": \"camelcase\"")));
    FAIL_UNLESS(set_rule("  sel:\n    F|contains|cased: 'Abc'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"xAbcx\"")));
    FAIL_IF(m(D("\"F\": \"xabcx\"")));
}

static void t_re(void)
{
    /* unanchored, case-sensitive by default */
    FAIL_UNLESS(set_rule("  sel:\n    F|re: 'a[0-9]+b'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"xxa123bxx\"")));
    FAIL_IF(m(D("\"F\": \"xxA123Bxx\"")));
    FAIL_UNLESS(set_rule("  sel:\n    F|re|i: '^a[0-9]+b$'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"A1B\"")));
    FAIL_IF(m(D("\"F\": \"xA1B\"")));
    FAIL_UNLESS(set_rule("  sel:\n    F|re|m: '^two$'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"one\\ntwo\\nthree\"")));
    FAIL_UNLESS(set_rule("  sel:\n    F|re: '^two$'\n  condition: sel"));
    FAIL_IF(m(D("\"F\": \"one\\ntwo\\nthree\"")));
    FAIL_UNLESS(set_rule("  sel:\n    F|re|s: 'a.b'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"a\\nb\"")));
    FAIL_UNLESS(set_rule("  sel:\n    F|re: 'a.b'\n  condition: sel"));
    FAIL_IF(m(D("\"F\": \"a\\nb\"")));
    FAIL_IF(set_rule("  sel:\n    F|re: 'a(b'\n  condition: sel"));
    FAIL_IF(set_rule("  sel:\n    F|i: 'a'\n  condition: sel")); /* i needs re */
}

static void t_cidr(void)
{
    FAIL_UNLESS(set_rule("  sel:\n    ip|cidr:\n      - 10.0.0.0/8\n      - 'fd00::/8'\n"
                         "  condition: sel"));
    FAIL_UNLESS(m(D("\"ip\": \"10.1.2.3\"")));
    FAIL_UNLESS(m(D("\"ip\": \"fd12::1\"")));
    FAIL_IF(m(D("\"ip\": \"11.1.2.3\"")));
    FAIL_IF(m(D("\"ip\": \"fe80::1\"")));
    FAIL_IF(m(D("\"ip\": \"not an ip\"")));
    FAIL_IF(set_rule("  sel:\n    ip|cidr: 10.0.0.0/33\n  condition: sel"));
}

static void t_base64(void)
{
    /* base64("Hello") = SGVsbG8= */
    FAIL_UNLESS(set_rule("  sel:\n    F|base64: 'Hello'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"SGVsbG8=\"")));
    FAIL_UNLESS(set_rule("  sel:\n    F|base64|contains: 'Hello'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"xx SGVsbG8= yy\"")));
    FAIL_IF(set_rule("  sel:\n    F|base64: 'He*'\n  condition: sel"));
}

static void t_base64offset(void)
{
    /* the value at each of the three offsets of a longer base64 text */
    FAIL_UNLESS(set_rule("  sel:\n    F|base64offset|contains: 'http://'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"aHR0cDovL2V4YW1wbGU=\"")));     /* "http://example" */
    FAIL_UNLESS(m(D("\"F\": \"eGh0dHA6Ly9leGFtcGxl\"")));     /* "xhttp://example" */
    FAIL_UNLESS(m(D("\"F\": \"eHhodHRwOi8vZXhhbXBsZQ==\""))); /* "xxhttp://example" */
    FAIL_IF(m(D("\"F\": \"ZnRwOi8vZXhhbXBsZQ==\"")));         /* "ftp://example" */
}

static void t_wide(void)
{
    /* base64(utf16le("ping")) = cABpAG4AZwA= */
    FAIL_UNLESS(set_rule("  sel:\n    F|wide|base64: 'ping'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"cABpAG4AZwA=\"")));
    FAIL_UNLESS(set_rule("  sel:\n    F|utf16le|base64: 'ping'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"cABpAG4AZwA=\"")));
    /* base64(utf16be("ping")) = AHAAaQBuAGc= ; utf16 adds the FF FE mark: //5wAGkAbgBnAA== */
    FAIL_UNLESS(set_rule("  sel:\n    F|utf16be|base64: 'ping'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"AHAAaQBuAGc=\"")));
    FAIL_UNLESS(set_rule("  sel:\n    F|utf16|base64: 'ping'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"//5wAGkAbgBnAA==\"")));
    FAIL_UNLESS(set_rule("  sel:\n    F|wide|base64offset|contains: 'ping'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"F\": \"IABwAGkAbgBnACAA\""))); /* utf16le(" ping ") */
}

static void t_windash(void)
{
    FAIL_UNLESS(set_rule("  sel:\n    CommandLine|windash|contains: ' -enc '\n  condition: sel"));
    FAIL_UNLESS(m(D("\"CommandLine\": \"powershell -enc AAA\"")));
    FAIL_UNLESS(m(D("\"CommandLine\": \"powershell /enc AAA\"")));
    FAIL_UNLESS(m(D("\"CommandLine\": \"powershell \\u2013enc AAA\""))); /* en dash */
    FAIL_UNLESS(m(D("\"CommandLine\": \"powershell \\u2014enc AAA\""))); /* em dash */
    FAIL_UNLESS(m(D("\"CommandLine\": \"powershell \\u2015enc AAA\""))); /* horizontal bar */
    FAIL_IF(m(D("\"CommandLine\": \"powershell +enc AAA\"")));
}

static void t_numeric_compare(void)
{
    FAIL_UNLESS(set_rule("  sel:\n    n|gt: 10\n  condition: sel"));
    FAIL_UNLESS(m(D("\"n\": 11")));
    FAIL_UNLESS(m(D("\"n\": \"10.5\"")));
    FAIL_IF(m(D("\"n\": 10")));
    FAIL_IF(m(D("\"n\": \"abc\"")));
    FAIL_UNLESS(set_rule("  sel:\n    n|gte: 10\n  condition: sel"));
    FAIL_UNLESS(m(D("\"n\": 10")));
    FAIL_UNLESS(set_rule("  sel:\n    n|lt: 10\n  condition: sel"));
    FAIL_UNLESS(m(D("\"n\": -3")));
    FAIL_IF(m(D("\"n\": 10")));
    FAIL_UNLESS(set_rule("  sel:\n    n|lte: 10\n  condition: sel"));
    FAIL_UNLESS(m(D("\"n\": 10")));
    FAIL_IF(set_rule("  sel:\n    n|lt: ten\n  condition: sel"));
}

static void t_fieldref_neq(void)
{
    FAIL_UNLESS(set_rule("  sel:\n    A|fieldref: B\n  condition: sel"));
    FAIL_UNLESS(m(D("\"A\": \"x\", \"B\": \"X\"")));
    FAIL_IF(m(D("\"A\": \"x\", \"B\": \"y\"")));
    FAIL_IF(m(D("\"A\": \"x\"")));
    FAIL_UNLESS(set_rule("  sel:\n    A|fieldref|neq: B\n  condition: sel"));
    FAIL_UNLESS(m(D("\"A\": \"x\", \"B\": \"y\"")));
    FAIL_IF(m(D("\"A\": \"x\", \"B\": \"x\"")));
    FAIL_UNLESS(set_rule("  sel:\n    A|neq: 'x'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"A\": \"y\"")));
    FAIL_IF(m(D("\"A\": \"X\"")));
}

static void t_time_modifiers(void)
{
    FAIL_UNLESS(set_rule("  sel:\n    T|hour: 3\n  condition: sel"));
    FAIL_UNLESS(m(D("\"T\": \"2024-05-01T03:15:00Z\"")));
    FAIL_IF(m(D("\"T\": \"2024-05-01T04:15:00Z\"")));
    FAIL_UNLESS(set_rule("  sel:\n    T|month: 5\n  condition: sel"));
    FAIL_UNLESS(m(D("\"T\": \"2024-05-01T03:15:00Z\"")));
    FAIL_UNLESS(set_rule("  sel:\n    T|year: 2024\n  condition: sel"));
    FAIL_UNLESS(m(D("\"T\": \"2024-05-01T03:15:00Z\"")));
}

static void t_expand(void)
{
    /* without a configured value the rule is refused as unsupported (spec) */
    FAIL_IF(set_rule("  sel:\n    User|expand: '%admins%'\n  condition: sel"));
    FAIL_UNLESS(strstr(errmsg, "unsupported: expand") != NULL);
    char path[] = "/tmp/wd_sigma_map_XXXXXX";
    int fd = mkstemp(path);
    FAIL_IF(fd < 0);
    const char *yml = "placeholders:\n  admins: [root, 'adm*']\n";
    FAIL_UNLESS(write(fd, yml, strlen(yml)) == (ssize_t)strlen(yml));
    close(fd);
    char err[256];
    FAIL_UNLESS(wd_sigma_map_load(path, err, sizeof(err)) == WD_OK);
    unlink(path);
    FAIL_UNLESS(set_rule("  sel:\n    User|expand: '%admins%'\n  condition: sel"));
    FAIL_UNLESS(m(D("\"User\": \"ROOT\"")));
    FAIL_UNLESS(m(D("\"User\": \"admin2\"")));
    FAIL_IF(m(D("\"User\": \"bob\"")));
}

static void t_unknown_modifier(void)
{
    FAIL_IF(set_rule("  sel:\n    F|frobnicate: x\n  condition: sel"));
    FAIL_UNLESS(strstr(errmsg, "unsupported: unknown value modifier") != NULL);
    FAIL_IF(set_rule("  sel:\n    F|contains|startswith: x\n  condition: sel"));
}

#define SELS "  sel_a:\n    A: 1\n  sel_b:\n    B: 1\n  sel_c:\n    C: 1\n  _hidden:\n    H: 1\n"

static void t_condition_precedence(void)
{
    /* or < and < not: "sel_a or sel_b and not sel_c" = a or (b and (not c)) */
    FAIL_UNLESS(set_rule(SELS "  condition: sel_a or sel_b and not sel_c"));
    FAIL_UNLESS(m(D("\"A\": 1, \"C\": 1")));
    FAIL_UNLESS(m(D("\"B\": 1")));
    FAIL_IF(m(D("\"B\": 1, \"C\": 1")));
    /* parentheses */
    FAIL_UNLESS(set_rule(SELS "  condition: (sel_a or sel_b) and not sel_c"));
    FAIL_IF(m(D("\"A\": 1, \"C\": 1")));
    FAIL_UNLESS(m(D("\"A\": 1")));
    FAIL_UNLESS(set_rule(SELS "  condition: not (sel_a and sel_b)"));
    FAIL_UNLESS(m(D("\"A\": 1")));
    FAIL_IF(m(D("\"A\": 1, \"B\": 1")));
    /* keywords are case-insensitive */
    FAIL_UNLESS(set_rule(SELS "  condition: sel_a AND NOT sel_b"));
    FAIL_UNLESS(m(D("\"A\": 1")));
    FAIL_IF(m(D("\"A\": 1, \"B\": 1")));
    FAIL_IF(set_rule(SELS "  condition: sel_a and sel_zz"));
    FAIL_IF(set_rule(SELS "  condition: (sel_a"));
}

static void t_condition_of(void)
{
    FAIL_UNLESS(set_rule(SELS "  condition: 1 of sel_*"));
    FAIL_UNLESS(m(D("\"C\": 1")));
    FAIL_IF(m(D("\"H\": 1")));
    FAIL_UNLESS(set_rule(SELS "  condition: all of sel_*"));
    FAIL_UNLESS(m(D("\"A\": 1, \"B\": 1, \"C\": 1")));
    FAIL_IF(m(D("\"A\": 1, \"B\": 1")));
    FAIL_UNLESS(set_rule(SELS "  condition: 2 of sel_*"));
    FAIL_UNLESS(m(D("\"A\": 1, \"C\": 1")));
    FAIL_IF(m(D("\"A\": 1")));
    /* them: every identifier not starting with _ */
    FAIL_UNLESS(set_rule(SELS "  condition: 1 of them"));
    FAIL_UNLESS(m(D("\"B\": 1")));
    FAIL_IF(m(D("\"H\": 1")));
    FAIL_UNLESS(set_rule(SELS "  condition: all of them"));
    FAIL_UNLESS(m(D("\"A\": 1, \"B\": 1, \"C\": 1")));
    /* x of binds tighter than not */
    FAIL_UNLESS(set_rule(SELS "  condition: sel_c and not 1 of sel_a*"));
    FAIL_UNLESS(m(D("\"C\": 1, \"B\": 1")));
    FAIL_IF(m(D("\"C\": 1, \"A\": 1")));
    FAIL_IF(set_rule(SELS "  condition: 1 of nothing_*"));
    /* a list of conditions is an OR */
    FAIL_UNLESS(set_rule(SELS "  condition:\n    - sel_a\n    - sel_b"));
    FAIL_UNLESS(m(D("\"B\": 1")));
    FAIL_IF(m(D("\"C\": 1")));
}

static void t_deprecated_aggregation(void)
{
    FAIL_IF(set_rule("  sel:\n    A: 1\n  condition: sel | count() > 5"));
    FAIL_UNLESS(strstr(errmsg, "unsupported: Sigma 1 aggregation") != NULL);
    FAIL_IF(set_rule("  sel:\n    A: 1\n  timeframe: 5m\n  condition: sel"));
    FAIL_UNLESS(strstr(errmsg, "unsupported") != NULL);
}

static void t_logsource_mapping(void)
{
    wd_sigma_unref(cur);
    cur = compile_ls("    product: windows\n    category: process_creation",
                     "  sel:\n    Image|endswith: '\\cmd.exe'\n  condition: sel");
    FAIL_UNLESS(cur != NULL);
    const char *sysmon = "{\"category\": \"windows\", \"details\": {\"EventID\": 1, \"Channel\": "
                         "\"Microsoft-Windows-Sysmon/Operational\", \"Image\": \"C:\\\\cmd.exe\"}}";
    FAIL_UNLESS(m(sysmon));
    /* a file event (Sysmon 11) with the same Image is not a process creation */
    FAIL_IF(m("{\"category\": \"windows\", \"details\": {\"EventID\": 11, \"Channel\": "
              "\"Microsoft-Windows-Sysmon/Operational\", \"Image\": \"C:\\\\cmd.exe\"}}"));
    /* not a Windows event at all */
    FAIL_IF(m(D("\"EventID\": 1, \"Image\": \"C:\\\\cmd.exe\"")));
    /* an unmapped product: events tagged with its name */
    wd_sigma_unref(cur);
    cur = compile_ls("    product: cisco\n    service: aaa",
                     "  keywords:\n    - 'username'\n  condition: keywords");
    FAIL_UNLESS(cur != NULL);
    FAIL_IF(m("{\"summary\": \"username admin\"}"));
    FAIL_UNLESS(m("{\"summary\": \"username admin\", \"tags\": [\"cisco\"]}"));
    /* Zeek: id.orig_h is ward's details.sourceipaddress */
    wd_sigma_unref(cur);
    cur = compile_ls("    product: zeek\n    service: dns",
                     "  sel:\n    id.orig_h|cidr: 10.0.0.0/8\n  condition: sel");
    FAIL_UNLESS(cur != NULL);
    FAIL_UNLESS(m("{\"category\": \"bro\", \"source\": \"dns\", \"details\": "
                  "{\"sourceipaddress\": \"10.2.3.4\"}}"));
    FAIL_IF(m("{\"category\": \"bro\", \"source\": \"conn\", \"details\": "
              "{\"sourceipaddress\": \"10.2.3.4\"}}"));
    /* proxy: Sigma's field names are the squid fields MozDef's normalization writes */
    wd_sigma_unref(cur);
    cur = compile_ls("    category: proxy", "  sel:\n    cs-host|endswith: '.pastebin.com'\n"
                                            "    cs-method: CONNECT\n    c-ip|cidr: 10.0.0.0/8\n"
                                            "  condition: sel");
    FAIL_UNLESS(cur != NULL);
    FAIL_UNLESS(m("{\"category\": \"proxy\", \"details\": {\"host\": \"x.pastebin.com\", "
                  "\"method\": \"CONNECT\", \"sourceipaddress\": \"10.1.1.1\"}}"));
    FAIL_IF(m("{\"category\": \"proxy\", \"details\": {\"host\": \"x.pastebin.com\", "
              "\"method\": \"GET\", \"sourceipaddress\": \"10.1.1.1\"}}"));
}

/* The logsource result is memoized per event: one context over several events. */
static void t_logsource_memo_per_event(void)
{
    struct wd_sigma *a = compile_ls("    product: windows\n    category: process_creation",
                                    "  sel:\n    Image|endswith: '\\x.exe'\n  condition: sel");
    struct wd_sigma *b = compile_ls("    product: windows\n    category: process_creation",
                                    "  sel:\n    Image|endswith: '\\y.exe'\n  condition: sel");
    FAIL_UNLESS(a && b);
    const char *evs[] = {
        "{\"category\": \"windows\", \"details\": {\"EventID\": 1, \"Channel\": "
        "\"Microsoft-Windows-Sysmon/Operational\", \"Image\": \"C:\\\\x.exe\"}}",
        "{\"category\": \"windows\", \"details\": {\"EventID\": 11, \"Channel\": "
        "\"Microsoft-Windows-Sysmon/Operational\", \"Image\": \"C:\\\\x.exe\"}}",
        "{\"category\": \"windows\", \"details\": {\"EventID\": 1, \"Channel\": "
        "\"Microsoft-Windows-Sysmon/Operational\", \"Image\": \"C:\\\\y.exe\"}}",
    };
    const bool want_a[] = {true, false, false}, want_b[] = {false, false, true};
    struct wd_sigma_ev sev;
    wd_sigma_ev_init(&sev);
    struct wd_qflat f;
    wd_qflat_init(&f);
    struct wd_arena ar;
    wd_arena_init(&ar, 16 << 10, 16u << 20);
    bool ok = true;
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < 3; i++) {
            wd_arena_reset(&ar);
            struct wd_jv *ev;
            struct wd_perr pe;
            ok &= wd_json_parse(evs[i], strlen(evs[i]), strlen(evs[i]), 0, &ar, &ev, &pe) == WD_OK;
            wd_qflat_build(&f, ev);
            wd_sigma_ev_reset(&sev, &f);
            ok &= wd_sigma_match(a, &sev) == want_a[i];
            ok &= wd_sigma_match(b, &sev) == want_b[i];
        }
    wd_arena_fini(&ar);
    wd_qflat_fini(&f);
    wd_sigma_ev_fini(&sev);
    wd_sigma_unref(a);
    wd_sigma_unref(b);
    FAIL_UNLESS(ok);
}

static void t_literals(void)
{
    const char *const *lits, *const *fields;
    uint32_t n;
    FAIL_UNLESS(set_rule("  sel:\n    F|contains:\n      - 'Alpha'\n      - 'b*tail'\n"
                         "  condition: sel"));
    FAIL_UNLESS(wd_sigma_literals(cur, &lits, &fields, &n));
    FAIL_UNLESS(n == 2);
    FAIL_UNLESS(strcmp(lits[0], "alpha") == 0 && strcmp(lits[1], "tail") == 0);
    FAIL_UNLESS(fields[0] && strcmp(fields[0], "details.f") == 0);
    /* AND picks the most selective part */
    FAIL_UNLESS(set_rule("  sel:\n    F: 'ab'\n    G: 'longer'\n  condition: sel"));
    FAIL_UNLESS(wd_sigma_literals(cur, &lits, &fields, &n));
    FAIL_UNLESS(n == 1 && strcmp(lits[0], "longer") == 0);
    /* a negation alone has no necessary literal */
    FAIL_UNLESS(set_rule("  sel:\n    F: 'x'\n  condition: not sel"));
    FAIL_IF(wd_sigma_literals(cur, &lits, &fields, &n));
    /* a number in a field is its text; as a keyword (strings only are scanned) nothing */
    FAIL_UNLESS(set_rule("  sel:\n    EventID: 4688\n  condition: sel"));
    FAIL_UNLESS(wd_sigma_literals(cur, &lits, &fields, &n));
    FAIL_UNLESS(n == 1 && strcmp(lits[0], "4688") == 0 &&
                strcmp(fields[0], "details.eventid") == 0);
    FAIL_UNLESS(set_rule("  kw:\n    - '4688'\n  condition: kw"));
    FAIL_IF(wd_sigma_literals(cur, &lits, &fields, &n));
    /* a numeric comparison has none */
    FAIL_UNLESS(set_rule("  sel:\n    n|gt: 10\n  condition: sel"));
    FAIL_IF(wd_sigma_literals(cur, &lits, &fields, &n));
}

/* ---- through the engine: rules, correlations, filters ---- */

static uint32_t nalerts;
static char last_rule[256];

static void on_alert(void *arg, const struct wd_rule *r, const char *json, size_t len)
{
    WD_UNUSED(arg);
    WD_UNUSED(json);
    WD_UNUSED(len);
    nalerts++;
    snprintf(last_rule, sizeof(last_rule), "%s", r->name);
}

static struct wd_engine *engine_with(const char *yaml, uint32_t *nrules, uint32_t *errors)
{
    struct wd_ruleset set = {0};
    wd_ruleset_load_text(&set, "t.yml", yaml, strlen(yaml), stdout);
    *nrules = set.n;
    *errors = set.errors;
    struct wd_engine_opts o = {.batch = true, .start_us = INT64_MIN, .emit = on_alert};
    struct wd_engine *e = wd_engine_new(&o);
    char err[256];
    if (wd_engine_load(e, &set, err, sizeof(err)) != WD_OK)
        printf("  engine: %s\n", err);
    wd_ruleset_free(&set);
    nalerts = 0;
    return e;
}

static void feed(struct wd_engine *e, const char *user, const char *ip, const char *what, int sec)
{
    char ev[512];
    snprintf(ev, sizeof(ev),
             "{\"utctimestamp\": \"2026-01-01T00:%02d:%02d+00:00\", \"summary\": \"%s\", "
             "\"details\": {\"user\": \"%s\", \"ip\": \"%s\", \"act\": \"%s\"}}",
             sec / 60, sec % 60, what, user, ip, what);
    static uint64_t id;
    wd_engine_event(e, ev, strlen(ev), ++id, 1767225600000000ll + sec * 1000000ll);
}

#define BASE_FAIL                                                                                  \
    "title: Failed login\nid: 11111111-0000-0000-0000-000000000001\nname: failed_login\n"          \
    "logsource:\n  category: auth\ndetection:\n  sel:\n    act: fail\n  condition: sel\n"
#define BASE_OK                                                                                    \
    "title: Good login\nid: 11111111-0000-0000-0000-000000000002\nname: good_login\n"              \
    "logsource:\n  category: auth\ndetection:\n  sel:\n    act: ok\n  condition: sel\n"

static void t_engine_match_rule(void)
{
    uint32_t n, errs;
    struct wd_engine *e = engine_with(BASE_FAIL, &n, &errs);
    FAIL_UNLESS(n == 1 && errs == 0);
    feed(e, "bob", "10.0.0.1", "FAIL", 1);
    feed(e, "bob", "10.0.0.1", "ok", 2);
    wd_engine_tick(e, 1767225600000000ll + 10 * 1000000ll);
    EXPECT_INT(nalerts, 1);
    EXPECT_STR(last_rule, "Failed login");
    wd_engine_free(e);
}

static void t_correlation_event_count(void)
{
    uint32_t n, errs;
    struct wd_engine *e =
        engine_with(BASE_FAIL "---\ntitle: Brute force\nid: 22222222-0000-0000-0000-000000000001\n"
                              "correlation:\n  type: event_count\n  rules: [failed_login]\n"
                              "  group-by: [user]\n  timespan: 10m\n  condition:\n    gte: 3\n",
                    &n, &errs);
    FAIL_UNLESS(n == 2 && errs == 0);
    feed(e, "bob", "10.0.0.1", "fail", 1);
    feed(e, "bob", "10.0.0.1", "fail", 2);
    feed(e, "eve", "10.0.0.2", "fail", 3);
    wd_engine_tick(e, 1767225600000000ll + 10 * 1000000ll);
    EXPECT_INT(nalerts, 0); /* base rule silent (generate: false); 2 < 3 */
    feed(e, "bob", "10.0.0.1", "fail", 20);
    wd_engine_tick(e, 1767225600000000ll + 30 * 1000000ll);
    EXPECT_INT(nalerts, 1);
    EXPECT_STR(last_rule, "Brute force");
    wd_engine_free(e);
}

static void t_correlation_value_count(void)
{
    uint32_t n, errs;
    struct wd_engine *e = engine_with(
        BASE_FAIL "---\ntitle: Spray\ncorrelation:\n  type: value_count\n  rules: "
                  "[11111111-0000-0000-0000-000000000001]\n  group-by: [ip]\n  timespan: 1h\n"
                  "  condition:\n    gte: 3\n    field: user\n",
        &n, &errs);
    FAIL_UNLESS(n == 2 && errs == 0);
    feed(e, "a", "10.0.0.9", "fail", 1);
    feed(e, "a", "10.0.0.9", "fail", 2);
    feed(e, "b", "10.0.0.9", "fail", 3);
    wd_engine_tick(e, 1767225600000000ll + 10 * 1000000ll);
    EXPECT_INT(nalerts, 0); /* 2 distinct users */
    feed(e, "c", "10.0.0.9", "fail", 11);
    wd_engine_tick(e, 1767225600000000ll + 20 * 1000000ll);
    EXPECT_INT(nalerts, 1);
    wd_engine_free(e);
}

static void t_correlation_temporal_ordered(void)
{
    uint32_t n, errs;
    struct wd_engine *e = engine_with(
        BASE_FAIL "---\n" BASE_OK
                  "---\ntitle: Fail then success\ncorrelation:\n  type: temporal_ordered\n"
                  "  rules: [failed_login, good_login]\n  group-by: [user]\n  timespan: 5m\n",
        &n, &errs);
    FAIL_UNLESS(n == 3 && errs == 0);
    feed(e, "bob", "1.1.1.1", "ok", 1); /* success first: no sequence */
    wd_engine_tick(e, 1767225600000000ll + 2 * 1000000ll);
    EXPECT_INT(nalerts, 0);
    feed(e, "bob", "1.1.1.1", "fail", 3);
    feed(e, "eve", "1.1.1.1", "ok", 4); /* another group */
    wd_engine_tick(e, 1767225600000000ll + 5 * 1000000ll);
    EXPECT_INT(nalerts, 0);
    feed(e, "bob", "1.1.1.1", "ok", 6);
    wd_engine_tick(e, 1767225600000000ll + 7 * 1000000ll);
    EXPECT_INT(nalerts, 1);
    EXPECT_STR(last_rule, "Fail then success");
    wd_engine_free(e);
}

static void t_correlation_temporal(void)
{
    uint32_t n, errs;
    struct wd_engine *e = engine_with(
        BASE_FAIL "---\n" BASE_OK "---\ntitle: Both\ncorrelation:\n  type: temporal\n"
                  "  rules: [failed_login, good_login]\n  group-by: [user]\n  timespan: 5m\n",
        &n, &errs);
    FAIL_UNLESS(n == 3 && errs == 0);
    feed(e, "bob", "1.1.1.1", "ok", 1);
    feed(e, "bob", "1.1.1.1", "ok", 2);   /* the same rule again: still one of two */
    feed(e, "eve", "1.1.1.1", "fail", 3); /* another group */
    wd_engine_tick(e, 1767225600000000ll + 4 * 1000000ll);
    EXPECT_INT(nalerts, 0);
    feed(e, "bob", "1.1.1.1", "fail", 5); /* any order: success then failure */
    wd_engine_tick(e, 1767225600000000ll + 6 * 1000000ll);
    EXPECT_INT(nalerts, 1);
    EXPECT_STR(last_rule, "Both");
    /* outside the timespan the first event no longer counts */
    feed(e, "eve", "1.1.1.1", "ok", 400);
    wd_engine_tick(e, 1767225600000000ll + 401 * 1000000ll);
    EXPECT_INT(nalerts, 1);
    wd_engine_free(e);
}

static void t_correlation_aliases(void)
{
    uint32_t n, errs;
    /* the failed login's user is the successful one's ip field (a contrived join) */
    struct wd_engine *e = engine_with(
        BASE_FAIL "---\n" BASE_OK "---\ntitle: Joined\ncorrelation:\n  type: temporal_ordered\n"
                  "  rules: [failed_login, good_login]\n  group-by: [who]\n  timespan: 5m\n"
                  "  aliases:\n    who:\n      failed_login: user\n      good_login: ip\n",
        &n, &errs);
    FAIL_UNLESS(n == 3 && errs == 0);
    feed(e, "bob", "10.0.0.1", "fail", 1);
    feed(e, "zed", "alice", "ok", 2); /* who = alice: another group */
    wd_engine_tick(e, 1767225600000000ll + 3 * 1000000ll);
    EXPECT_INT(nalerts, 0);
    feed(e, "zed", "bob", "ok", 4); /* who = bob */
    wd_engine_tick(e, 1767225600000000ll + 5 * 1000000ll);
    EXPECT_INT(nalerts, 1);
    EXPECT_STR(last_rule, "Joined");
    wd_engine_free(e);
    /* every base rule needs its field */
    e = engine_with(BASE_FAIL
                    "---\n" BASE_OK "---\ntitle: J2\ncorrelation:\n  type: event_count\n"
                    "  rules: [failed_login, good_login]\n  group-by: [who]\n  timespan: 5m\n"
                    "  condition: {gte: 2}\n  aliases:\n    who:\n      failed_login: user\n",
                    &n, &errs);
    EXPECT_INT(errs, 1);
    wd_engine_free(e);
}

static void t_correlation_unsupported(void)
{
    uint32_t n, errs;
    struct wd_engine *e = engine_with(
        BASE_FAIL "---\ntitle: T\ncorrelation:\n  type: value_sum\n  rules: [failed_login]\n"
                  "  timespan: 5m\n---\ntitle: U\ncorrelation:\n  type: event_count\n"
                  "  rules: [failed_login]\n  timespan: 5m\n  condition:\n    lt: 3\n"
                  "---\ntitle: V\ncorrelation:\n  type: event_count\n  rules: [nope]\n"
                  "  timespan: 5m\n  condition:\n    gte: 3\n",
        &n, &errs);
    EXPECT_INT(n, 1);
    EXPECT_INT(errs, 3);
    wd_engine_free(e);
}

static void t_filter(void)
{
    uint32_t n, errs;
    struct wd_engine *e = engine_with(
        BASE_FAIL "---\ntitle: Ignore the scanner\nlogsource:\n  category: auth\nfilter:\n"
                  "  rules: [failed_login]\n  sel:\n    ip: 10.9.9.9\n  condition: sel\n",
        &n, &errs);
    FAIL_UNLESS(n == 1 && errs == 0);
    feed(e, "bob", "10.9.9.9", "fail", 1);
    wd_engine_tick(e, 1767225600000000ll + 2 * 1000000ll);
    EXPECT_INT(nalerts, 0);
    feed(e, "bob", "10.0.0.1", "fail", 3);
    wd_engine_tick(e, 1767225600000000ll + 4 * 1000000ll);
    EXPECT_INT(nalerts, 1);
    wd_engine_free(e);
}

static void t_cleanup(void)
{
    wd_sigma_unref(cur);
    cur = NULL;
}

WD_TEST_LIST{
    {"plain_case_insensitive", t_plain_case_insensitive},
    {"wildcards_and_escapes", t_wildcards_and_escapes},
    {"contains_startswith_endswith", t_contains_startswith_endswith},
    {"lists_all_maps", t_lists_all_maps},
    {"keywords", t_keywords},
    {"numbers_null_empty", t_numbers_null_empty},
    {"exists", t_exists},
    {"cased", t_cased},
    {"re", t_re},
    {"cidr", t_cidr},
    {"base64", t_base64},
    {"base64offset", t_base64offset},
    {"wide", t_wide},
    {"windash", t_windash},
    {"numeric_compare", t_numeric_compare},
    {"fieldref_neq", t_fieldref_neq},
    {"time_modifiers", t_time_modifiers},
    {"expand", t_expand},
    {"unknown_modifier", t_unknown_modifier},
    {"condition_precedence", t_condition_precedence},
    {"condition_of", t_condition_of},
    {"deprecated_aggregation", t_deprecated_aggregation},
    {"logsource_mapping", t_logsource_mapping},
    {"logsource_memo_per_event", t_logsource_memo_per_event},
    {"literals", t_literals},
    {"engine_match_rule", t_engine_match_rule},
    {"correlation_event_count", t_correlation_event_count},
    {"correlation_value_count", t_correlation_value_count},
    {"correlation_temporal_ordered", t_correlation_temporal_ordered},
    {"correlation_temporal", t_correlation_temporal},
    {"correlation_aliases", t_correlation_aliases},
    {"correlation_unsupported", t_correlation_unsupported},
    {"filter", t_filter},
    {"cleanup", t_cleanup},
};
WD_TEST_MAIN
