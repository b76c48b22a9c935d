/*
 * test_ipfix.c: unit tests for the compiled ipFixup (src/ipfix.c, spec c.7): dispatch by
 * registration tokens, X-Forwarded-For, IPv4/IPv6 split and the error note, hostnames moved
 * out of address fields, the src/dst/srcip/dstip/cluster_client_ip aliases, inet_aton's
 * short forms, and events without details.
 */
#include "wd_test.h"

#include "ipfix.h"
#include "jv.h"
#include "json.h"
#include "mem.h"
#include "ward.h"

static struct wd_arena arena;
static char out[4096];

static const char *fix(const char *json, bool *ran)
{
    static bool init;
    if (!init)
        wd_arena_init(&arena, 65536, 0);
    init = true;
    wd_arena_reset(&arena);
    struct wd_jv *v;
    char *copy = wd_arena_strndup(&arena, json, strlen(json));
    if (wd_json_parse(copy, strlen(copy), strlen(copy), 0, &arena, &v, NULL))
        return "PARSE";
    bool r;
    if (wd_ipfix_event(&arena, v, ran ? ran : &r))
        return "OOM";
    struct wd_buf b;
    wd_buf_init(&b, 0);
    wd_jv_write(v, &b);
    snprintf(out, sizeof(out), "%s", b.p);
    wd_buf_fini(&b);
    return out;
}

static void t_split(void)
{
    bool ran;
    EXPECT_STR(fix("{\"details\":{\"sourceipaddress\":\"10.0.0.1\",\"destinationipaddress\":"
                   "\"2001:db8::1\"}}",
                   &ran),
               "{\"details\":{\"sourceipaddress\":\"10.0.0.1\",\"destinationipaddress\":"
               "\"0.0.0.0\",\"sourceipv4address\":\"10.0.0.1\",\"destinationipv6address\":"
               "\"2001:db8::1\"},\"errors\":[\"plugin: ipFixUp.py error: destinationipaddress "
               "is ipv6, moved\"]}");
    FAIL_UNLESS(ran);
    /* a hostname in an address field; an existing non-list errors is left alone */
    EXPECT_STR(fix("{\"errors\":\"x\",\"details\":{\"sourceipaddress\":\"host.example.com\","
                   "\"destinationipaddress\":\"::1\"}}",
                   NULL),
               "{\"errors\":\"x\",\"details\":{\"sourceipaddress\":null,\"destinationipaddress\":"
               "\"0.0.0.0\",\"source\":\"host.example.com\",\"destinationipv6address\":\"::1\"}}");
    /* inet_aton short and hex forms count as IPv4 */
    EXPECT_STR(fix("{\"details\":{\"sourceipaddress\":\"127.1\",\"destinationipaddress\":"
                   "\"0x7f.1\"}}",
                   NULL),
               "{\"details\":{\"sourceipaddress\":\"127.1\",\"destinationipaddress\":\"0x7f.1\","
               "\"sourceipv4address\":\"127.1\",\"destinationipv4address\":\"0x7f.1\"}}");
}

static void t_aliases(void)
{
    EXPECT_STR(fix("{\"details\":{\"http_x_forwarded_for\":\"198.51.100.7, 10.0.0.1\"}}", NULL),
               "{\"details\":{\"http_x_forwarded_for\":\"198.51.100.7, 10.0.0.1\","
               "\"sourceipaddress\":\"198.51.100.7\",\"sourceipv4address\":\"198.51.100.7\"}}");
    /* X-Forwarded-For does not overwrite; src does */
    EXPECT_STR(fix("{\"details\":{\"http_x_forwarded_for\":\"2001:db8::9\",\"src\":\"192.0.2.1\","
                   "\"dstip\":\"192.0.2.2\",\"cluster_client_ip\":\"192.0.2.3\"}}",
                   NULL),
               "{\"details\":{\"http_x_forwarded_for\":\"2001:db8::9\",\"src\":\"192.0.2.1\","
               "\"dstip\":\"192.0.2.2\",\"cluster_client_ip\":\"192.0.2.3\","
               "\"sourceipv6address\":\"2001:db8::9\",\"sourceipaddress\":\"192.0.2.3\","
               "\"sourceipv4address\":\"192.0.2.1\",\"destinationipaddress\":\"192.0.2.2\","
               "\"destinationipv4address\":\"192.0.2.2\"}}");
}

static void t_dispatch(void)
{
    bool ran = true;
    /* cluster_client_ip is not a registration: nothing runs */
    EXPECT_STR(fix("{\"details\":{\"cluster_client_ip\":\"192.0.2.3\"}}", &ran),
               "{\"details\":{\"cluster_client_ip\":\"192.0.2.3\"}}");
    FAIL_IF(ran);
    /* a registration as a string value dispatches it */
    EXPECT_STR(fix("{\"tags\":[\"SRC\"],\"details\":{\"cluster_client_ip\":\"192.0.2.3\"}}", &ran),
               "{\"tags\":[\"SRC\"],\"details\":{\"cluster_client_ip\":\"192.0.2.3\","
               "\"sourceipaddress\":\"192.0.2.3\"}}");
    FAIL_UNLESS(ran);
    /* no details: runs (MozDef lists it) but changes nothing */
    EXPECT_STR(fix("{\"sourceipaddress\":\"::1\"}", &ran), "{\"sourceipaddress\":\"::1\"}");
    FAIL_UNLESS(ran);
}

WD_TEST_LIST{
    {"ipfix_split", t_split},
    {"ipfix_aliases", t_aliases},
    {"ipfix_dispatch", t_dispatch},
};

WD_TEST_MAIN
