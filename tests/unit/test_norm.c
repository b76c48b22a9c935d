/*
 * test_norm.c: unit tests for src/norm.c, MozDef event normalization
 * (shared/spec/mozdef-compat.md a.1 steps 1, 2, 4; a.2 key mapping, one test per rule;
 * a.3 custom endpoints; a.4 defaults; a.5 failures) and ward's two improvements (naive
 * time zone, unknown keys kept under details). Outputs are compared as compact JSON text
 * with a fixed "now" (2026-05-09T12:34:56Z) and host name ("ward1"); the expected values
 * were also cross-checked against a Python port of MozDef's keyMapping() with ward's fixes.
 */
#include <time.h>

#include "wd_time.h"

#include "wd_test.h"

#include "json.h"
#include "jv.h"
#include "mem.h"
#include "norm.h"
#include "ward.h"

#define NOW_US  INT64_C(1778330096000000)
#define NOW_ISO "2026-05-09T12:34:56+00:00"

/* The defaults a.4 adds to a mapped event that only set the named fields. */
#define HEAD "{\"receivedtimestamp\":\"" NOW_ISO "\",\"mozdefhostname\":\"ward1\","

static struct wd_arena arena;
static struct wd_norm_stats stats;
static struct wd_buf outbuf;
static struct wd_jv *last_out;
static int last_rc;

static struct wd_norm_opts opts(void)
{
    struct wd_norm_opts o = {.mozdefhostname = "ward1", .now_us = NOW_US};
    return o;
}

static const char *norm_once(const char *json, const struct wd_norm_opts *o);

/* Decodes `json`, normalizes it with `o` and returns the output as compact JSON (or
 * "ERR<code>"). The arena lives until the next call. Every call also normalizes with
 * the other consume_input setting (the input's nodes taken over instead of copied) and
 * fails the test when the two outputs differ. */
static const char *norm_o(const char *json, const struct wd_norm_opts *o)
{
    static struct wd_buf other;
    struct wd_norm_opts alt = *o;
    alt.consume_input = !o->consume_input;
    struct wd_norm_stats keep = stats; /* the comparison run is not counted */
    const char *r = norm_once(json, &alt);
    stats = keep;
    other.len = 0;
    wd_buf_append(&other, r, strlen(r));
    r = norm_once(json, o);
    if (strcmp(r, other.p) != 0) {
        printf("# consume_input=%d: %s\n# consume_input=%d: %s\n", alt.consume_input, other.p,
               o->consume_input, r);
        printf("FAIL %s: consume_input changes the output of %s\n", wd_test_name_, json);
        wd_test_failed_ = 1;
    }
    return r;
}

static const char *norm_once(const char *json, const struct wd_norm_opts *o)
{
    static bool init;
    if (!init) {
        wd_arena_init(&arena, 65536, 0);
        wd_buf_init(&outbuf, 0);
        init = true;
    }
    wd_arena_reset(&arena);
    outbuf.len = 0;
    struct wd_jv *in = NULL;
    last_out = NULL;
    if (wd_json_parse(json, strlen(json), strlen(json), 0, &arena, &in, NULL) != WD_OK)
        return "BADJSON";
    last_rc = wd_norm_event(&arena, o, in, &last_out, &stats);
    if (last_rc) {
        static char e[16];
        snprintf(e, sizeof(e), "ERR%d", last_rc);
        return e;
    }
    if (wd_jv_write(last_out, &outbuf) != WD_OK)
        return "WRITEFAIL";
    return outbuf.p;
}

static const char *norm(const char *json)
{
    struct wd_norm_opts o = opts();
    return norm_o(json, &o);
}

/* Compact JSON of the output member at `path` (after a norm() call), or "(absent)". */
static const char *field(const char *path)
{
    static struct wd_buf b;
    struct wd_jv *v = last_out ? wd_jv_path(last_out, path) : NULL;
    if (!v)
        return "(absent)";
    b.len = 0;
    if (b.max_len == 0 && !b.p)
        wd_buf_init(&b, 0);
    wd_jv_write(v, &b);
    return b.p;
}

/* Runs norm(json) and checks one output field. */
#define EXPECT_FIELD(json, path, want)                                                             \
    do {                                                                                           \
        const char *r_ = norm(json);                                                               \
        if (strncmp(r_, "ERR", 3) == 0 || strcmp(r_, "BADJSON") == 0)                              \
            EXPECT_STR(r_, "an event");                                                            \
        EXPECT_STR(field(path), want);                                                             \
    } while (0)

/* ---- a.1 step 1: input checks ---- */

static void t_a1_input_must_be_object(void)
{
    uint64_t rej = stats.rejected;
    EXPECT_STR(norm("[1,2]"), "ERR-2");
    FAIL_UNLESS(stats.msg && strstr(stats.msg, "not a JSON object"));
    EXPECT_STR(norm("5"), "ERR-2");
    EXPECT_STR(norm("null"), "ERR-2");
    EXPECT_STR(norm("\"not json\""), "ERR-2");
    FAIL_UNLESS(stats.msg && strstr(stats.msg, "not valid JSON"));
    EXPECT_STR(norm("\"[1]\""), "ERR-2");
    FAIL_UNLESS(stats.msg && strstr(stats.msg, "not an object"));
    /* a string holding an object is decoded once more, but only once */
    EXPECT_STR(norm("\"\\\"{}\\\"\""), "ERR-2");
    EXPECT_INT(stats.rejected - rej, 6);
    EXPECT_FIELD("\"{\\\"hostname\\\":\\\"h1\\\",\\\"message\\\":\\\"m\\\"}\"", "hostname",
                 "\"h1\"");
    EXPECT_STR(field("summary"), "\"m\"");
    FAIL_UNLESS(stats.msg == NULL);
    struct wd_jv *out = NULL;
    struct wd_norm_opts o = opts();
    FAIL_UNLESS(wd_norm_event(&arena, &o, NULL, &out, NULL) == WD_EINVAL && out == NULL);
}

/* ---- a.2: one test per rule ---- */

static void t_a2_header_fields(void)
{
    /* receivedtimestamp is always now; an input receivedtimestamp is not used for it */
    EXPECT_FIELD("{\"receivedtimestamp\":\"2001-01-01T00:00:00+00:00\"}", "receivedtimestamp",
                 "\"" NOW_ISO "\"");
    EXPECT_STR(field("mozdefhostname"), "\"ward1\"");
    EXPECT_STR(field("type"), "\"event\"");
    EXPECT_FIELD("{\"mozdefhostname\":\"other\"}", "mozdefhostname", "\"ward1\"");
    /* the first three keys of every mapped event, then input order */
    EXPECT_STR(norm("{}"),
               HEAD "\"details\":{},\"utctimestamp\":\"" NOW_ISO
                    "\",\"type\":\"event\",\"timestamp\":\"" NOW_ISO
                    "\",\"tags\":[],\"category\":\"UNKNOWN\",\"hostname\":\"UNKNOWN\","
                    "\"processid\":\"UNKNOWN\",\"processname\":\"UNKNOWN\",\"severity\":"
                    "\"UNKNOWN\",\"source\":\"UNKNOWN\",\"summary\":\"UNKNOWN\","
                    "\"mozdef\":{\"plugins\":[]}}");
}

static void t_a2_sourceip(void)
{
    EXPECT_FIELD("{\"sourceip\":\"10.0.0.1\"}", "details.eventsourceipaddress", "\"10.0.0.1\"");
    EXPECT_FIELD("{\"SOURCEIP\":5}", "details.eventsourceipaddress", "5"); /* raw value */
    EXPECT_FIELD("{\"sourceip\":5,\"SourceIP\":\"10.1.1.1\"}", "details.eventsourceipaddress",
                 "\"10.1.1.1\"");
}

static void t_a2_source_facility(void)
{
    EXPECT_FIELD("{\"source\":{\"a\":1}}", "source", "{\"a\":1}"); /* raw value */
    /* facility sets both source and facility; the later key wins for source */
    EXPECT_FIELD("{\"source\":\"a\",\"facility\":\"b\"}", "source", "\"b\"");
    EXPECT_STR(field("facility"), "\"b\"");
    EXPECT_FIELD("{\"facility\":\"b\",\"source\":\"a\"}", "source", "\"a\"");
    EXPECT_STR(field("facility"), "\"b\"");
    EXPECT_FIELD("{\"syslogfacility\":\"local0\"}", "facility", "\"local0\"");
    EXPECT_STR(field("source"), "\"UNKNOWN\"");
    EXPECT_FIELD("{\"facility\":3}", "facility", "\"3\""); /* text() */
    EXPECT_STR(field("source"), "3");
}

static void t_a2_summary(void)
{
    EXPECT_FIELD("{\"message\":\"hello\"}", "summary", "\"hello\"");
    EXPECT_FIELD("{\"MESSAGE\":5}", "summary", "\"5\"");
    EXPECT_FIELD("{\"message\":5,\"summary\":1.5}", "summary", "\"1.5\"");
    EXPECT_FIELD("{\"summary\":true}", "summary", "\"True\"");
    EXPECT_FIELD("{\"summary\":null}", "summary", "\"None\"");
    EXPECT_FIELD("{\"summary\":[1,\"a\"]}", "summary", "\"[1,\\\"a\\\"]\"");
    EXPECT_FIELD("{\"summary\":1e16}", "summary", "\"1e+16\"");
    EXPECT_FIELD("{\"summary\":123456789012345678901234567890}", "summary",
                 "\"123456789012345678901234567890\"");
}

static void t_a2_payload(void)
{
    EXPECT_FIELD("{\"payload\":\"p\"}", "summary", "\"p\"");
    EXPECT_FIELD("{\"summary\":\"s\",\"payload\":\"p\"}", "summary", "\"s\"");
    EXPECT_STR(field("details.payload"), "\"p\"");
    EXPECT_FIELD("{\"payload\":\"p\",\"summary\":\"s\"}", "summary", "\"s\"");
    EXPECT_STR(field("details.payload"), "\"p\"");
    /* the summary check is on the exact key "summary" */
    EXPECT_FIELD("{\"Summary\":\"s\",\"payload\":\"p\"}", "summary", "\"p\"");
    EXPECT_STR(field("details.payload"), "(absent)");
    EXPECT_FIELD("{\"@PAYLOAD\":[\"x\",1]}", "summary", "\"[\\\"x\\\",1]\"");
    /* ward: substrings of "payload" are not payload (MozDef quirk) */
    EXPECT_FIELD("{\"pay\":\"y\",\"load\":\"z\",\"a\":1}", "summary", "\"UNKNOWN\"");
    EXPECT_STR(field("details"), "{\"pay\":\"y\",\"load\":\"z\",\"a\":1}");
}

static void t_a2_timestamps(void)
{
    static const char *const keys[] = {"eventtime",  "timestamp", "utctimestamp", "date",
                                       "@timestamp", "DATE",      "EventTime"};
    char json[128];
    for (size_t i = 0; i < WD_ARRAY_LEN(keys); i++) {
        snprintf(json, sizeof(json), "{\"%s\":\"2020-03-05T10:00:00Z\"}", keys[i]);
        EXPECT_FIELD(json, "utctimestamp", "\"2020-03-05T10:00:00+00:00\"");
        EXPECT_STR(field("timestamp"), "\"2020-03-05T10:00:00+00:00\"");
        EXPECT_INT(stats.utc_us, INT64_C(1583402400000000));
    }
    /* spec b examples through the mapping */
    EXPECT_FIELD("{\"timestamp\":1577836800}", "utctimestamp", "\"2020-01-01T00:00:00+00:00\"");
    EXPECT_FIELD("{\"timestamp\":1577836800250}", "utctimestamp",
                 "\"2020-01-01T00:00:00.250000+00:00\"");
    EXPECT_FIELD("{\"timestamp\":1.5778368e+18}", "timestamp", "\"2020-01-01T00:00:00+00:00\"");
    EXPECT_FIELD("{\"date\":\"2020-02-29 23:15:00.5+05:30\"}", "utctimestamp",
                 "\"2020-02-29T17:45:00.500000+00:00\"");
    EXPECT_FIELD("{\"date\":\"12/25/2019 08:30:00\"}", "utctimestamp",
                 "\"2019-12-25T08:30:00+00:00\"");
    /* no time key: utctimestamp = now, and timestamp comes from a.4 */
    EXPECT_FIELD("{\"hostname\":\"h\"}", "utctimestamp", "\"" NOW_ISO "\"");
    EXPECT_STR(field("timestamp"), "\"" NOW_ISO "\"");
    EXPECT_INT(stats.utc_us, NOW_US);
    /* later keys overwrite */
    EXPECT_FIELD("{\"timestamp\":1577836800,\"date\":\"2021-01-01\"}", "utctimestamp",
                 "\"2021-01-01T00:00:00+00:00\"");
}

static void t_a2_hostname(void)
{
    EXPECT_FIELD("{\"hostname\":\"a\"}", "hostname", "\"a\"");
    EXPECT_FIELD("{\"source_host\":\"b\"}", "hostname", "\"b\"");
    EXPECT_FIELD("{\"HOST\":\"c\"}", "hostname", "\"c\"");
    EXPECT_FIELD("{\"hostname\":\"a\",\"source_host\":\"b\",\"Host\":null}", "hostname",
                 "\"None\"");
}

static void t_a2_tags(void)
{
    EXPECT_FIELD("{\"tags\":[\"a\",\"b\"],\"TAGS\":\"c\",\"@tags\":\"\",\"Tags\":{\"k\":1},"
                 "\"tags \":\"x\"}",
                 "tags", "[\"a\",\"b\",\"c\",{\"k\":1}]");
    EXPECT_STR(field("details.tags "), "\"x\"");
    EXPECT_FIELD("{\"tags\":\"\"}", "tags", "[]");
    EXPECT_FIELD("{\"tags\":[]}", "tags", "[]");
    EXPECT_FIELD("{\"tags\":[1,[2],null]}", "tags", "[1,[2],null]");
    /* syslog-ng's TAGS string becomes a one-element list */
    EXPECT_FIELD("{\"TAGS\":\".source.s_sys\"}", "tags", "[\".source.s_sys\"]");
    /* ward: substrings of "tags" are ordinary keys (MozDef quirk: `s: 5` lost the event) */
    EXPECT_FIELD("{\"tag\":\"x\",\"s\":5,\"ag\":[1]}", "tags", "[]");
    EXPECT_STR(field("details"), "{\"tag\":\"x\",\"s\":5,\"ag\":[1]}");
    FAIL_UNLESS(wd_jv_get(last_out, "errors") == NULL);
}

static void t_a2_severity(void)
{
    static const char *const keys[] = {"syslogseverity", "severity", "severityvalue", "level",
                                       "priority",       "PRIORITY", "SeverityValue"};
    char json[128];
    for (size_t i = 0; i < WD_ARRAY_LEN(keys); i++) {
        snprintf(json, sizeof(json), "{\"%s\":\"warning\"}", keys[i]);
        EXPECT_FIELD(json, "severity", "\"WARNING\"");
    }
    EXPECT_FIELD("{\"severity\":\"3\"}", "severity", "\"3\""); /* no number-to-name mapping */
    EXPECT_FIELD("{\"level\":3}", "severity", "\"3\"");
    EXPECT_FIELD("{\"severity\":true}", "severity", "\"TRUE\"");
    EXPECT_FIELD("{\"severity\":\"warning\",\"level\":3,\"priority\":\"crit\"}", "severity",
                 "\"CRIT\"");
    EXPECT_FIELD("{\"severity\":\"\xc3\xa9l\xc3\xa8ve stra\xc3\x9f\x65\"}", "severity",
                 "\"\xc3\x89L\xc3\x88VE STRASSE\"");
    EXPECT_FIELD("{\"severity\":\"\xd0\xb2\xd1\x8b\xd1\x81\xd0\xbe\xd0\xba\xd0\xb8\xd0\xb9\"}",
                 "severity", "\"\xd0\x92\xd0\xab\xd0\xa1\xd0\x9e\xd0\x9a\xd0\x98\xd0\x99\"");
}

static void t_a2_processid(void)
{
    EXPECT_FIELD("{\"pid\":1234}", "processid", "\"1234\"");
    EXPECT_FIELD("{\"pid\":1234,\"processid\":\"42\"}", "processid", "\"42\"");
    EXPECT_FIELD("{\"PID\":\"2718\"}", "processid", "\"2718\"");
}

static void t_a2_processname(void)
{
    EXPECT_FIELD("{\"pname\":\"a\"}", "processname", "\"a\"");
    EXPECT_FIELD("{\"sourcename\":\"c\"}", "processname", "\"c\"");
    EXPECT_FIELD("{\"pname\":\"a\",\"processname\":\"b\",\"sourcename\":\"c\",\"program\":\"d\"}",
                 "processname", "\"d\"");
}

static void t_a2_eventsource(void)
{
    EXPECT_FIELD("{\"path\":\"/var/log/x\"}", "eventsource", "\"/var/log/x\"");
    EXPECT_FIELD("{\"logger\":\"l\"}", "eventsource", "\"l\"");
    EXPECT_FIELD("{\"file\":[\"f\"]}", "eventsource", "\"[\\\"f\\\"]\"");
}

static void t_a2_category(void)
{
    EXPECT_FIELD("{\"type\":\"t\"}", "category", "\"t\"");
    EXPECT_STR(field("type"), "\"event\""); /* no input key maps to type */
    EXPECT_FIELD("{\"eventtype\":\"e\"}", "category", "\"e\"");
    EXPECT_FIELD("{\"type\":\"t\",\"eventtype\":\"e\",\"category\":\"c\"}", "category", "\"c\"");
}

static void t_a2_fields_details(void)
{
    EXPECT_FIELD("{\"details\":{\"a\":1,\"b\":{\"c\":[1]}},\"fields\":{\"a\":2,\"d\":null}}",
                 "details", "{\"a\":2,\"b\":{\"c\":[1]},\"d\":null}");
    EXPECT_FIELD("{\"details\":\"text\"}", "details", "{\"message\":\"text\"}");
    EXPECT_FIELD("{\"fields\":[1,2]}", "details", "{\"message\":[1,2]}");
    EXPECT_FIELD("{\"Details\":null}", "details", "{\"message\":null}");
    EXPECT_FIELD("{\"details\":{}}", "details", "{}");
}

static void t_a2_prefixed(void)
{
    EXPECT_FIELD("{\"details\":{\"x\":1},\"details.y\":\"2\",\"fields.z\":3,"
                 "\"Fields.Count_INT\":\"42\",\"details.fields.ratio_float\":\"0.5\","
                 "\"fields.details.deep.name\":true,\"details.n_int\":7.9,"
                 "\"details.big_int\":\"123456789012345678901234567890\",\"details.\":\"e\","
                 "\"@details.at_int\":\" -0_7 \",\"details.b_int\":false,"
                 "\"details.c_float\":2}",
                 "details",
                 "{\"x\":1,\"y\":\"2\",\"z\":\"3\",\"count_int\":42,\"ratio_float\":0.5,"
                 "\"deep.name\":\"True\",\"n_int\":7,"
                 "\"big_int\":123456789012345678901234567890,\"\":\"e\",\"at_int\":-7,"
                 "\"b_int\":0,\"c_float\":2.0}");
    FAIL_UNLESS(wd_jv_get(last_out, "errors") == NULL);
    /* every occurrence of "fields." goes, then every "details." (Python str.replace) */
    EXPECT_FIELD("{\"details.detfields.ails.q\":1}", "details.q", "\"1\"");
    EXPECT_FIELD("{\"detfields.ails.q\":1}", "details", "{\"detfields.ails.q\":1}");
    EXPECT_FIELD("{\"details.a.details.b\":1}", "details.a", "(absent)");
    FAIL_UNLESS(wd_jv_get(wd_jv_get(last_out, "details"), "a.b") != NULL);
    /* a key longer than the classifier's stack buffer */
    char json[400], name[300];
    memset(name, 'Q', 200);
    name[200] = '\0';
    snprintf(json, sizeof(json), "{\"DETAILS.%s_INT\":\"5\"}", name);
    FAIL_UNLESS(strncmp(norm(json), "ERR", 3) != 0);
    for (int i = 0; i < 200; i++)
        name[i] = 'q';
    snprintf(json, sizeof(json), "%s_int", name);
    struct wd_jv *d = wd_jv_get(last_out, "details");
    FAIL_UNLESS(d && d->count == 1 && wd_jv_get(d, json) && wd_jv_get(d, json)->u.i == 5);
}

static void t_a2_order_and_duplicates(void)
{
    /* output keys in MozDef's first-assignment order; a repeated JSON key keeps its first
     * position and its last value (Python dict) */
    EXPECT_STR(norm("{\"k\":1,\"k\":2,\"hostname\":\"a\",\"k\":3,\"summary\":\"x\","
                    "\"hostname\":\"b\"}"),
               HEAD "\"details\":{\"k\":3},\"hostname\":\"b\",\"summary\":\"x\",\"utctimestamp\":"
                    "\"" NOW_ISO "\",\"type\":\"event\",\"timestamp\":\"" NOW_ISO
                    "\",\"tags\":[],\"category\":\"UNKNOWN\",\"processid\":\"UNKNOWN\","
                    "\"processname\":\"UNKNOWN\",\"severity\":\"UNKNOWN\",\"source\":"
                    "\"UNKNOWN\",\"mozdef\":{\"plugins\":[]}}");
    EXPECT_FIELD("{\"details\":{\"a\":1,\"b\":2,\"a\":3}}", "details", "{\"a\":3,\"b\":2}");
    /* distinct keys with one length, first and last byte (the duplicate filter's
     * signature), repeated and not, and the empty key */
    EXPECT_FIELD("{\"details\":{\"axb\":1,\"ayb\":2,\"\":7,\"axb\":3,\"azb\":4,\"\":8,"
                 "\"ayb\":5}}",
                 "details", "{\"axb\":3,\"ayb\":5,\"\":8,\"azb\":4}");
}

/* Custom-endpoint events with repeated keys at every depth: taking the input's nodes over
 * (consume_input) must give the copy's output (norm_o compares both). */
static void t_a3_consume_input_same_output(void)
{
    struct wd_norm_opts o = opts();
    o.consume_input = true;
    EXPECT_STR(
        norm_o("{\"customendpoint\":\"x\",\"a\":1,\"a\":2,\"d\":{\"k\":1,\"k\":2},"
               "\"l\":[{\"q\":1,\"q\":[{\"z\":1,\"z\":3}]},{\"r\":{}}],\"n\":{\"m\":{\"a\":1,"
               "\"b\":2,\"a\":3}},\"ok\":{\"x\":[1,2,{\"y\":null}]},\"endpoint\":\"e\","
               "\"type\":\"t\",\"mozdef\":{\"p\":1}}",
               &o),
        "{\"customendpoint\":\"x\",\"a\":2,\"d\":{\"k\":2},\"l\":[{\"q\":[{\"z\":3}]},"
        "{\"r\":{}}],\"n\":{\"m\":{\"a\":3,\"b\":2}},\"ok\":{\"x\":[1,2,{\"y\":null}]},"
        "\"endpoint\":\"e\",\"type\":\"e\",\"mozdef\":{\"p\":1,\"plugins\":[]},"
        "\"receivedtimestamp\":\"" NOW_ISO "\",\"utctimestamp\":\"" NOW_ISO
        "\",\"timestamp\":\"" NOW_ISO
        "\",\"mozdefhostname\":\"ward1\",\"tags\":[],\"category\":\"UNKNOWN\",\"hostname\":"
        "\"UNKNOWN\",\"processid\":\"UNKNOWN\",\"processname\":\"UNKNOWN\",\"severity\":"
        "\"UNKNOWN\",\"source\":\"UNKNOWN\",\"summary\":\"UNKNOWN\",\"details\":{}}");
    /* an object of more than 32 members with a repeated key deep inside */
    char json[2048];
    size_t n = (size_t)snprintf(json, sizeof(json), "{\"customendpoint\":true,\"big\":{");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(json + n, sizeof(json) - n, "\"k%d\":%d,", i, i);
    snprintf(json + n, sizeof(json) - n, "\"k7\":{\"s\":1,\"s\":2}}}");
    FAIL_UNLESS(strstr(norm_o(json, &o), "\"k7\":{\"s\":2}"));
}

/* syslog-ng's JSON with upper-case macro names (spec a.2). */
static void t_a2_syslog_ng(void)
{
    EXPECT_STR(
        norm("{\"PROGRAM\":\"sshd\",\"PID\":\"2718\",\"HOST\":\"bastion-1\",\"MESSAGE\":"
             "\"Accepted publickey for alice\",\"PRIORITY\":\"info\",\"DATE\":\"Mar  5 10:00:00\","
             "\"SOURCE\":\"s_sys\",\"SOURCEIP\":\"10.0.0.5\",\"TAGS\":\".source.s_sys\","
             "\"FACILITY\":\"authpriv\",\"CATEGORY\":\"syslog\"}"),
        HEAD "\"details\":{\"eventsourceipaddress\":\"10.0.0.5\"},\"processname\":\"sshd\","
             "\"processid\":\"2718\",\"hostname\":\"bastion-1\",\"summary\":\"Accepted publickey "
             "for alice\",\"severity\":\"INFO\",\"utctimestamp\":\"2026-03-05T10:00:00+00:00\","
             "\"timestamp\":\"2026-03-05T10:00:00+00:00\",\"source\":\"authpriv\",\"tags\":[\"."
             "source.s_sys\"],\"facility\":\"authpriv\",\"category\":\"syslog\",\"type\":"
             "\"event\",\"mozdef\":{\"plugins\":[]}}");
    /* FACILITY before SOURCE: SOURCE wins for `source` */
    EXPECT_FIELD("{\"FACILITY\":\"authpriv\",\"SOURCE\":\"s_sys\"}", "source", "\"s_sys\"");
}

/* nxlog Windows events: every unconsumed key into details, lower-cased (ward's fix). */
static void t_a2_nxlog(void)
{
    EXPECT_FIELD("{\"Domain\":\"CORP\",\"SourceModuleType\":\"im_msvistalog\",\"EventID\":4624,"
                 "\"Hostname\":\"dc1\",\"TargetUserName\":\"bob\",\"details\":"
                 "{\"targetusername\":\"kept\"}}",
                 "details",
                 "{\"targetusername\":\"kept\",\"domain\":\"CORP\",\"sourcemoduletype\":"
                 "\"im_msvistalog\",\"eventid\":4624}");
    EXPECT_STR(field("hostname"), "\"dc1\"");
    /* also with drop_unknown (MozDef behaviour otherwise) */
    struct wd_norm_opts o = opts();
    o.drop_unknown = true;
    norm_o("{\"Domain\":\"CORP\",\"SourceModuleType\":\"x\",\"@Extra\":1}", &o);
    EXPECT_STR(field("details"), "{\"domain\":\"CORP\",\"sourcemoduletype\":\"x\",\"extra\":1}");
    /* only one of the two keys: not the nxlog case */
    EXPECT_FIELD("{\"Domain\":\"CORP\"}", "details", "{\"Domain\":\"CORP\"}");
}

/* ward: unknown keys are kept under details, without overwriting mapped ones. */
static void t_ward_unknown_keys(void)
{
    EXPECT_FIELD("{\"x\":1,\"a\":{\"b\":2},\"@version\":\"1\",\"details\":{\"x\":\"mapped\"}}",
                 "details", "{\"x\":\"mapped\",\"a\":{\"b\":2},\"@version\":\"1\"}");
    EXPECT_FIELD("{\"details.x\":\"mapped\",\"x\":1}", "details", "{\"x\":\"mapped\"}");
    EXPECT_FIELD("{\"endpoint\":\"events\",\"errors\":[1]}", "details",
                 "{\"endpoint\":\"events\",\"errors\":[1]}");
    FAIL_UNLESS(wd_jv_get(last_out, "errors") == NULL);
    /* MozDef's behaviour on request */
    struct wd_norm_opts o = opts();
    o.drop_unknown = true;
    norm_o("{\"x\":1,\"hostname\":\"h\"}", &o);
    EXPECT_STR(field("details"), "{}");
    EXPECT_STR(field("hostname"), "\"h\"");
}

/* ward: naive timestamps use the configured zone. */
static void t_ward_naive_zone(void)
{
    struct wd_norm_opts o = opts();
    o.naive_tz = wd_tz_load("Europe/Berlin", NULL);
    if (!o.naive_tz)
        SKIP("no Europe/Berlin zone");
    norm_o("{\"timestamp\":\"2020-07-01 12:00:00\"}", &o);
    EXPECT_STR(field("utctimestamp"), "\"2020-07-01T10:00:00+00:00\"");
    norm_o("{\"timestamp\":\"2020-07-01 12:00:00+00:00\"}", &o);
    EXPECT_STR(field("utctimestamp"), "\"2020-07-01T12:00:00+00:00\"");
    norm_o("{\"timestamp\":0}", &o);
    EXPECT_STR(field("utctimestamp"), "\"1969-12-31T23:00:00+00:00\"");
    wd_tz_free((struct wd_tz *)o.naive_tz);
}

/* ---- a.3: custom endpoints ---- */

static void t_a3_custom(void)
{
    uint64_t custom = stats.custom;
    EXPECT_STR(norm("{\"customendpoint\":true,\"endpoint\":\"myapp\",\"msg\":\"hi\","
                    "\"utctimestamp\":\"2020-01-01T00:00:00Z\"}"),
               "{\"customendpoint\":true,\"endpoint\":\"myapp\",\"msg\":\"hi\",\"utctimestamp\":"
               "\"2020-01-01T00:00:00Z\",\"type\":\"myapp\",\"receivedtimestamp\":\"" NOW_ISO
               "\",\"timestamp\":\"" NOW_ISO
               "\",\"mozdefhostname\":\"ward1\",\"tags\":[],\"category\":\"UNKNOWN\","
               "\"hostname\":\"UNKNOWN\",\"processid\":\"UNKNOWN\",\"processname\":\"UNKNOWN\","
               "\"severity\":\"UNKNOWN\",\"source\":\"UNKNOWN\",\"summary\":\"UNKNOWN\","
               "\"mozdef\":{\"plugins\":[]},\"details\":{}}");
    EXPECT_INT(stats.utc_us, INT64_C(1577836800000000)); /* partition key from utctimestamp */
    EXPECT_INT(stats.custom - custom, 1);
    /* syslog-ng's Zeek feed: customendpoint is a non-empty string; type replaced in place */
    EXPECT_FIELD("{\"customendpoint\":\"bro\",\"category\":\"bro\",\"SOURCE\":\"bro_conn\","
                 "\"type\":\"old\",\"endpoint\":\"bro\",\"MESSAGE\":\"{}\"}",
                 "type", "\"bro\"");
    EXPECT_STR(field("SOURCE"), "\"bro_conn\"");
    EXPECT_STR(field("source"), "\"UNKNOWN\"");
    EXPECT_STR(field("MESSAGE"), "\"{}\"");
    EXPECT_INT(stats.utc_us, NOW_US);
    /* falsy customendpoint values: mapped as usual */
    EXPECT_FIELD("{\"customendpoint\":\"\",\"hostname\":\"h\"}", "hostname", "\"h\"");
    EXPECT_STR(field("details.customendpoint"), "\"\"");
    EXPECT_FIELD("{\"customendpoint\":0,\"hostname\":\"h\"}", "type", "\"event\"");
    EXPECT_FIELD("{\"customendpoint\":false}", "type", "\"event\"");
    EXPECT_FIELD("{\"customendpoint\":null}", "type", "\"event\"");
    EXPECT_FIELD("{\"customendpoint\":[]}", "type", "\"event\"");
    /* the last duplicate decides */
    EXPECT_FIELD("{\"customendpoint\":true,\"customendpoint\":false}", "type", "\"event\"");
    FAIL_UNLESS(wd_jv_get(last_out, "details") && wd_jv_get(last_out, "receivedtimestamp"));
    EXPECT_FIELD("{\"customendpoint\":1}", "customendpoint", "1");
    /* no endpoint: type defaults to "event" */
    EXPECT_FIELD("{\"customendpoint\":true,\"x\":1}", "type", "\"event\"");
    EXPECT_STR(field("x"), "1");
}

/* ---- a.4: defaults ---- */

static void t_a4_defaults(void)
{
    /* present values, null included, are kept; mozdef gets plugins inside */
    EXPECT_STR(norm("{\"customendpoint\":true,\"summary\":null,\"mozdef\":{\"x\":1},"
                    "\"tags\":\"t\"}"),
               "{\"customendpoint\":true,\"summary\":null,\"mozdef\":{\"x\":1,\"plugins\":[]},"
               "\"tags\":\"t\",\"receivedtimestamp\":\"" NOW_ISO "\",\"utctimestamp\":\"" NOW_ISO
               "\",\"timestamp\":\"" NOW_ISO
               "\",\"mozdefhostname\":\"ward1\",\"type\":\"event\",\"category\":\"UNKNOWN\","
               "\"hostname\":\"UNKNOWN\",\"processid\":\"UNKNOWN\",\"processname\":\"UNKNOWN\","
               "\"severity\":\"UNKNOWN\",\"source\":\"UNKNOWN\",\"details\":{}}");
    /* a mozdef that is not an object is left alone; existing plugins are kept */
    EXPECT_FIELD("{\"customendpoint\":true,\"mozdef\":\"str\"}", "mozdef", "\"str\"");
    EXPECT_FIELD("{\"customendpoint\":true,\"mozdef\":{\"plugins\":[\"a\"]}}", "mozdef",
                 "{\"plugins\":[\"a\"]}");

    /* deferred: the event carries only the mapping; wd_norm_defaults completes it */
    struct wd_norm_opts o = opts();
    o.defer_defaults = true;
    EXPECT_STR(norm_o("{\"hostname\":\"h\"}", &o),
               HEAD "\"details\":{},\"hostname\":\"h\",\"utctimestamp\":\"" NOW_ISO
                    "\",\"type\":\"event\"}");
    FAIL_UNLESS(wd_norm_defaults(&arena, &o, last_out) == WD_OK);
    outbuf.len = 0;
    wd_jv_write(last_out, &outbuf);
    EXPECT_STR(outbuf.p, HEAD "\"details\":{},\"hostname\":\"h\",\"utctimestamp\":\"" NOW_ISO
                              "\",\"type\":\"event\",\"timestamp\":\"" NOW_ISO
                              "\",\"tags\":[],\"category\":\"UNKNOWN\",\"processid\":"
                              "\"UNKNOWN\",\"processname\":\"UNKNOWN\",\"severity\":"
                              "\"UNKNOWN\",\"source\":\"UNKNOWN\",\"summary\":\"UNKNOWN\","
                              "\"mozdef\":{\"plugins\":[]}}");
    /* idempotent */
    FAIL_UNLESS(wd_norm_defaults(&arena, &o, last_out) == WD_OK);
    struct wd_buf b2;
    wd_buf_init(&b2, 0);
    wd_jv_write(last_out, &b2);
    int same = strcmp(b2.p, outbuf.p) == 0;
    wd_buf_fini(&b2);
    FAIL_UNLESS(same);
    struct wd_jv *arr = wd_jv_new(&arena, WD_JV_ARR);
    FAIL_UNLESS(wd_norm_defaults(&arena, &o, arr) == WD_EINVAL);
    /* a NULL host name renders as "" */
    o = opts();
    o.mozdefhostname = NULL;
    norm_o("{}", &o);
    EXPECT_STR(field("mozdefhostname"), "\"\"");
    o.mozdefhostname = "ward1-long";
    o.mozdefhostname_len = 5;
    norm_o("{}", &o);
    EXPECT_STR(field("mozdefhostname"), "\"ward1\"");
}

/* ---- a.5: failures never drop the event ---- */

static void t_a5_failures(void)
{
    struct wd_norm_stats before = stats;
    EXPECT_FIELD("{\"details.bad_int\":\"1.5\",\"details.worse_int\":null,\"details.f_float\":"
                 "\"abc\",\"details.g_float\":\"inf\",\"details.h_float\":5,\"details.ok_int\":"
                 "\" -0_7 \",\"hostname\":\"kept\"}",
                 "errors",
                 "[\"details.bad_int: not an integer: '1.5'\",\"details.worse_int: not an "
                 "integer: 'None'\",\"details.f_float: not a finite number: 'abc'\","
                 "\"details.g_float: not a finite number: 'inf'\"]");
    EXPECT_STR(field("details"), "{\"h_float\":5.0,\"ok_int\":-7}");
    EXPECT_STR(field("hostname"), "\"kept\"");
    EXPECT_INT(stats.errors[WD_NORM_ERR_INT] - before.errors[WD_NORM_ERR_INT], 2);
    EXPECT_INT(stats.errors[WD_NORM_ERR_FLOAT] - before.errors[WD_NORM_ERR_FLOAT], 2);
    EXPECT_INT(stats.events_with_errors - before.events_with_errors, 1);
    EXPECT_INT(stats.events - before.events, 1);

    /* an unparseable timestamp: kept as text, utctimestamp = now */
    before = stats;
    EXPECT_FIELD("{\"timestamp\":\"no time here\",\"hostname\":\"h\"}", "details",
                 "{\"unparsed_timestamp\":\"no time here\"}");
    EXPECT_STR(field("utctimestamp"), "\"" NOW_ISO "\"");
    EXPECT_STR(field("timestamp"), "\"" NOW_ISO "\"");
    EXPECT_STR(field("errors"), "[\"timestamp: unparseable timestamp\"]");
    EXPECT_INT(stats.utc_us, NOW_US);
    EXPECT_INT(stats.errors[WD_NORM_ERR_TIMESTAMP] - before.errors[WD_NORM_ERR_TIMESTAMP], 1);
    /* ... and a valid time key elsewhere still counts */
    EXPECT_FIELD("{\"date\":\"2020-02-29 23:15:00.5+05:30\",\"timestamp\":\"bogus\"}",
                 "utctimestamp", "\"2020-02-29T17:45:00.500000+00:00\"");
    EXPECT_STR(field("details.unparsed_timestamp"), "\"bogus\"");
    EXPECT_FIELD("{\"timestamp\":null}", "details.unparsed_timestamp", "\"None\"");
    EXPECT_FIELD("{\"timestamp\":1e999}", "details.unparsed_timestamp", "\"inf\"");

    /* a tags value that is neither list nor string */
    before = stats;
    EXPECT_FIELD("{\"tags\":5,\"TAGS\":\"ok\"}", "tags", "[\"ok\"]");
    EXPECT_STR(field("errors"), "[\"tags: tags must be a list or a string: '5'\"]");
    EXPECT_INT(stats.errors[WD_NORM_ERR_TAGS] - before.errors[WD_NORM_ERR_TAGS], 1);

    /* long values are cut in the note (at a character boundary) */
    char json[400];
    snprintf(json, sizeof(json), "{\"details.x_int\":\"%s\"}",
             "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
             "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
             "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
             "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
             "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
             "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
             "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
    norm(json);
    const struct wd_jv *note = wd_jv_get(last_out, "errors")->u.kids.head;
    FAIL_UNLESS(note &&
                note->u.s.len == strlen("details.x_int: not an integer: '") + (size_t)64 * 2 + 4);
    FAIL_UNLESS(wd_json_valid_utf8(note->u.s.p, note->u.s.len));
    EXPECT_STR(wd_norm_err_name(WD_NORM_ERR_TIMESTAMP), "timestamp");
    EXPECT_STR(wd_norm_err_name(WD_NORM_ERR_TAGS), "tags");
    EXPECT_STR(wd_norm_err_name(99), "unknown");
}

/* The arena cap is an expected condition: WD_ENOMEM, no output. */
static void t_enomem(void)
{
    const char *json = "{\"hostname\":\"h\",\"details\":{\"a\":[1,2,3,4,5,6,7,8,9,10]},"
                       "\"timestamp\":\"2020-03-05T10:00:00Z\",\"x\":{\"y\":{\"z\":1}}}";
    struct wd_arena in_a;
    wd_arena_init(&in_a, 4096, 0);
    struct wd_jv *in = NULL;
    FAIL_UNLESS(wd_json_parse(json, strlen(json), strlen(json), 0, &in_a, &in, NULL) == WD_OK);
    struct wd_norm_opts o = opts();
    int ok = 0;
    for (size_t cap = 16; cap < 8192; cap += 16) {
        struct wd_arena a;
        wd_arena_init(&a, 1024, cap);
        static struct wd_jv sentinel;
        struct wd_jv *out = &sentinel;
        int rc = wd_norm_event(&a, &o, in, &out, NULL);
        FAIL_UNLESS(rc == WD_OK || (rc == WD_ENOMEM && out == NULL));
        ok += rc == WD_OK;
        wd_arena_fini(&a);
    }
    FAIL_UNLESS(ok > 0);
    wd_arena_fini(&in_a);
}

/* The input tree is not modified (its nodes may be reused by the caller). */
static void t_input_untouched(void)
{
    const char *json = "{\"details\":{\"a\":[1,{\"b\":2}]},\"tags\":[\"x\"],\"k\":1,\"k\":2,"
                       "\"summary\":\"s\",\"payload\":\"p\",\"Domain\":\"d\","
                       "\"SourceModuleType\":\"t\",\"fields.n_int\":\"5\"}";
    struct wd_arena a;
    wd_arena_init(&a, 4096, 0);
    struct wd_jv *in = NULL, *out = NULL;
    FAIL_UNLESS(wd_json_parse(json, strlen(json), strlen(json), 0, &a, &in, NULL) == WD_OK);
    struct wd_buf b1, b2;
    wd_buf_init(&b1, 0);
    wd_buf_init(&b2, 0);
    wd_jv_write(in, &b1);
    struct wd_norm_opts o = opts();
    FAIL_UNLESS(wd_norm_event(&a, &o, in, &out, NULL) == WD_OK);
    /* mutate the output: the input must not see it */
    wd_jv_push(wd_jv_get(out, "tags"), wd_jv_int(&a, 9));
    wd_jv_push(wd_jv_path(out, "details.a"), wd_jv_int(&a, 9));
    wd_jv_write(in, &b2);
    int same = strcmp(b1.p, b2.p) == 0;
    wd_buf_fini(&b1);
    wd_buf_fini(&b2);
    wd_arena_fini(&a);
    FAIL_UNLESS(same);
}

/* Objects big enough for the hash-indexed paths (input > 32 keys, details > 16 keys). */
static void t_large_objects(void)
{
    struct wd_buf j;
    wd_buf_init(&j, 0);
    wd_buf_append(&j, "{", 1);
    for (int i = 0; i < 300; i++)
        wd_buf_printf(&j, "\"k%d\":%d,\"details.d%d\":%d,", i % 150, i, i % 100, i);
    wd_buf_append(&j, "\"details\":{", 11);
    for (int i = 0; i < 120; i++)
        wd_buf_printf(&j, "%s\"d%d\":\"x%d\"", i ? "," : "", i, i);
    wd_buf_append(&j, "}}", 2);
    /* the output borrows the input's strings: j stays alive until the end */
    const char *r = norm(j.p);
    if (strncmp(r, "ERR", 3) == 0)
        wd_buf_fini(&j);
    FAIL_UNLESS(strncmp(r, "ERR", 3) != 0);
    struct wd_jv *d = wd_jv_get(last_out, "details");
    /* d0..d119 from details (last writer), k0..k149 kept as unknown keys */
    EXPECT_INT(d->count, 120 + 150);
    EXPECT_STR(field("details.d5"), "\"x5\"");
    EXPECT_STR(field("details.d110"), "\"x110\"");
    EXPECT_STR(field("details.k7"), "157"); /* last duplicate value, first position */
    size_t pos = 0;
    for (struct wd_jv *k = d->u.kids.head; k; k = k->next, pos++)
        if (k->key.len == 2 && memcmp(k->key.p, "k0", 2) == 0)
            break;
    wd_buf_fini(&j);
    EXPECT_INT(pos, 120);
}

static void t_cleanup(void)
{
    wd_arena_fini(&arena);
    wd_buf_fini(&outbuf);
}

WD_TEST_LIST{
    {"a1_input_must_be_object", t_a1_input_must_be_object},
    {"a2_header_fields", t_a2_header_fields},
    {"a2_sourceip", t_a2_sourceip},
    {"a2_source_facility", t_a2_source_facility},
    {"a2_summary", t_a2_summary},
    {"a2_payload", t_a2_payload},
    {"a2_timestamps", t_a2_timestamps},
    {"a2_hostname", t_a2_hostname},
    {"a2_tags", t_a2_tags},
    {"a2_severity", t_a2_severity},
    {"a2_processid", t_a2_processid},
    {"a2_processname", t_a2_processname},
    {"a2_eventsource", t_a2_eventsource},
    {"a2_category", t_a2_category},
    {"a2_fields_details", t_a2_fields_details},
    {"a2_prefixed", t_a2_prefixed},
    {"a2_order_and_duplicates", t_a2_order_and_duplicates},
    {"a3_consume_input_same_output", t_a3_consume_input_same_output},
    {"a2_syslog_ng", t_a2_syslog_ng},
    {"a2_nxlog", t_a2_nxlog},
    {"ward_unknown_keys", t_ward_unknown_keys},
    {"ward_naive_zone", t_ward_naive_zone},
    {"a3_custom", t_a3_custom},
    {"a4_defaults", t_a4_defaults},
    {"a5_failures", t_a5_failures},
    {"enomem", t_enomem},
    {"input_untouched", t_input_untouched},
    {"large_objects", t_large_objects},
    {"cleanup", t_cleanup},
};

WD_TEST_MAIN
