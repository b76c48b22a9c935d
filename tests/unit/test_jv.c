/*
 * test_jv.c: the value tree (jv.h): writer escaping, Python str()/repr() rendering of
 * scalars, member edits and lookups, parse -> write round trips, and the writer's fast
 * path for strings with nothing to escape against a byte-at-a-time reference escaper.
 */
#include <math.h>

#include "json.h"
#include "jv.h"
#include "mem.h"
#include "ward.h"
#include "wd_test.h"

/* Renders a string literal through wd_jv_write_str into a fresh buffer. */
static const char *esc(struct wd_buf *b, const char *p, size_t len)
{
    b->len = 0;
    if (wd_jv_write_str(p, len, b) != WD_OK)
        return NULL;
    return b->p;
}

static void t_escape(void)
{
    struct wd_buf b;
    wd_buf_init(&b, 0);
    EXPECT_STR(esc(&b, "", 0), "\"\"");
    EXPECT_STR(esc(&b, "plain", 5), "\"plain\"");
    EXPECT_STR(esc(&b, "a\"b\\c", 5), "\"a\\\"b\\\\c\"");
    EXPECT_STR(esc(&b, "\n\t\r\b\f", 5), "\"\\n\\t\\r\\b\\f\"");
    EXPECT_STR(esc(&b, "\x01\x1f\x7f", 3), "\"\\u0001\\u001f\x7f\"");
    FAIL_UNLESS(esc(&b, "a\0b", 3) && b.len == 10 && memcmp(b.p, "\"a\\u0000b\"", 10) == 0);
    /* '/' is not escaped; valid UTF-8 is kept as is. */
    EXPECT_STR(esc(&b, "a/b \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 15),
               "\"a/b \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    EXPECT_STR(esc(&b, "\xef\xbf\xbf\xf4\x8f\xbf\xbf", 7), "\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\"");
    /* Invalid UTF-8 bytes become U+FFFD, one per byte. */
    EXPECT_STR(esc(&b, "\xff", 1), "\"\xef\xbf\xbd\"");
    EXPECT_STR(esc(&b, "a\xc3", 2), "\"a\xef\xbf\xbd\"");               /* truncated */
    EXPECT_STR(esc(&b, "\xc0\xaf", 2), "\"\xef\xbf\xbd\xef\xbf\xbd\""); /* overlong */
    EXPECT_STR(esc(&b, "\xed\xa0\x80", 3),
               "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); /* surrogate */
    EXPECT_STR(esc(&b, "\xf4\x90\x80\x80", 4),
               "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); /* > U+10FFFF */
    EXPECT_STR(esc(&b, "\xe0\x80\x80z", 4), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz\"");
    EXPECT_STR(esc(&b, "x\x80y", 3), "\"x\xef\xbf\xbdy\"");
    /* Long runs with specials at every position of an 8-byte word. */
    static const struct {
        char c;
        const char *esc;
    } sp[] = {{'"', "\\\""}, {'\\', "\\\\"}, {'\x01', "\\u0001"}, {'\xff', "\xef\xbf\xbd"}};
    for (size_t k = 0; k < WD_ARRAY_LEN(sp); k++) {
        for (size_t pos = 0; pos < 24; pos++) {
            char in[32], want[64];
            memset(in, 'a', sizeof(in));
            in[pos] = sp[k].c;
            in[pos + 5] = '\xc3'; /* a valid 2-byte sequence after it */
            in[pos + 6] = '\xa9';
            size_t w = 0;
            want[w++] = '"';
            for (size_t i = 0; i < sizeof(in); i++) {
                if (i == pos) {
                    memcpy(want + w, sp[k].esc, strlen(sp[k].esc));
                    w += strlen(sp[k].esc);
                } else {
                    want[w++] = in[i];
                }
            }
            want[w++] = '"';
            want[w] = '\0';
            EXPECT_STR(esc(&b, in, sizeof(in)), want);
        }
    }
    /* Appends after existing content and keeps it on a cap failure. */
    struct wd_buf c;
    wd_buf_init(&c, 11);
    FAIL_UNLESS(wd_buf_append(&c, "ab", 2) == WD_OK);
    EXPECT_INT(wd_jv_write_str("\n\n\n\n", 4, &c), WD_ELIMIT); /* would make 12 bytes */
    EXPECT_STR(c.p, "ab");
    EXPECT_INT(wd_jv_write_str("\n\n\n", 3, &c), WD_OK); /* exactly 10 */
    EXPECT_STR(c.p, "ab\"\\n\\n\\n\"");
    wd_buf_fini(&c);
    wd_buf_fini(&b);
}

static const char *fmt(char *buf, double d)
{
    return wd_jv_fmt_double(d, buf, 32) >= 0 ? buf : NULL;
}

static void t_python_float(void)
{
    char buf[32];
    EXPECT_STR(fmt(buf, 1.5), "1.5");
    EXPECT_STR(fmt(buf, 0.0), "0.0");
    EXPECT_STR(fmt(buf, -0.0), "-0.0");
    EXPECT_STR(fmt(buf, 1.0), "1.0");
    EXPECT_STR(fmt(buf, 1e16), "1e+16");
    EXPECT_STR(fmt(buf, 1.5e16), "1.5e+16");
    EXPECT_STR(fmt(buf, 1e15), "1000000000000000.0");
    EXPECT_STR(fmt(buf, 9999999999999998.0), "9999999999999998.0");
    EXPECT_STR(fmt(buf, 1e-05), "1e-05");
    EXPECT_STR(fmt(buf, 0.0001), "0.0001");
    EXPECT_STR(fmt(buf, 0.00012345), "0.00012345");
    EXPECT_STR(fmt(buf, 1.2345e-5), "1.2345e-05");
    EXPECT_STR(fmt(buf, 123456789012345678.0), "1.2345678901234568e+17");
    EXPECT_STR(fmt(buf, 0.1), "0.1");
    EXPECT_STR(fmt(buf, 0.1 + 0.2), "0.30000000000000004");
    EXPECT_STR(fmt(buf, 1.0 / 3), "0.3333333333333333");
    EXPECT_STR(fmt(buf, 2.0 / 3), "0.6666666666666666");
    EXPECT_STR(fmt(buf, 100.0), "100.0");
    EXPECT_STR(fmt(buf, 123.456), "123.456");
    EXPECT_STR(fmt(buf, -2.5), "-2.5");
    EXPECT_STR(fmt(buf, 1e22), "1e+22");
    EXPECT_STR(fmt(buf, 1e23), "1e+23");
    EXPECT_STR(fmt(buf, 1e100), "1e+100");
    EXPECT_STR(fmt(buf, 1.7976931348623157e308), "1.7976931348623157e+308");
    EXPECT_STR(fmt(buf, 2.2250738585072014e-308), "2.2250738585072014e-308");
    EXPECT_STR(fmt(buf, 5e-324), "5e-324");
    EXPECT_STR(fmt(buf, 1e-320), "1e-320");
    EXPECT_STR(fmt(buf, -1.5e-7), "-1.5e-07");
    EXPECT_STR(fmt(buf, 1234567.0), "1234567.0");
    EXPECT_STR(fmt(buf, 9007199254740993.0), "9007199254740992.0");
    EXPECT_STR(fmt(buf, HUGE_VAL), "inf");
    EXPECT_STR(fmt(buf, -HUGE_VAL), "-inf");
    EXPECT_STR(fmt(buf, NAN), "nan");
    EXPECT_STR(fmt(buf, -NAN), "nan");
    EXPECT_INT(wd_jv_fmt_double(1.5, buf, 4), 3);
    EXPECT_INT(wd_jv_fmt_double(1.5, buf, 3), WD_ELIMIT);
    /* Every shortest form round-trips. */
    double vals[] = {3.14159,       2.718281828459045,
                     6.02214076e23, 1.602176634e-19,
                     4.9e-324,      0.5,
                     123456.789,    1e21,
                     1e-7,          33.3};
    for (size_t i = 0; i < WD_ARRAY_LEN(vals); i++) {
        FAIL_UNLESS(fmt(buf, vals[i]) != NULL);
        FAIL_UNLESS(strtod(buf, NULL) == vals[i]);
    }
}

/* wd_jv_text of v into a fresh buffer. */
static const char *text(struct wd_buf *b, const struct wd_jv *v)
{
    b->len = 0;
    return v && wd_jv_text(v, b) == WD_OK ? b->p : NULL;
}

static void t_python_str(void)
{
    struct wd_arena a;
    wd_arena_init(&a, 0, 0);
    struct wd_buf b;
    wd_buf_init(&b, 0);
    EXPECT_STR(text(&b, wd_jv_float(&a, 1.5)), "1.5");
    EXPECT_STR(text(&b, wd_jv_float(&a, 0.0)), "0.0");
    EXPECT_STR(text(&b, wd_jv_float(&a, 1e16)), "1e+16");
    EXPECT_STR(text(&b, wd_jv_float(&a, 1e-5)), "1e-05");
    EXPECT_STR(text(&b, wd_jv_float(&a, 123456789012345678.0)), "1.2345678901234568e+17");
    EXPECT_STR(text(&b, wd_jv_float(&a, HUGE_VAL)), "inf");
    EXPECT_STR(text(&b, wd_jv_int(&a, 123456789012345678)), "123456789012345678");
    EXPECT_STR(text(&b, wd_jv_int(&a, INT64_MIN)), "-9223372036854775808");
    EXPECT_STR(text(&b, wd_jv_int(&a, 0)), "0");
    EXPECT_STR(text(&b, wd_jv_bool(&a, true)), "True");
    EXPECT_STR(text(&b, wd_jv_bool(&a, false)), "False");
    EXPECT_STR(text(&b, wd_jv_new(&a, WD_JV_NULL)), "None");
    EXPECT_STR(text(&b, wd_jv_str(&a, "he said \"hi\"\n", 13)), "he said \"hi\"\n");
    /* Parsed numbers: as Python's json.loads then str() would print them. */
    struct wd_jv *v;
    const char *doc = "[1.50,1E2,-0,100000000000000000000,1e999,2.5e-5,{\"a\":[1,\"x\"]}]";
    EXPECT_INT(wd_json_parse(doc, strlen(doc), strlen(doc), 8, &a, &v, NULL), WD_OK);
    struct wd_jv *k = v->u.kids.head;
    EXPECT_STR(text(&b, k), "1.5");
    EXPECT_STR(text(&b, k = k->next), "100.0");
    EXPECT_STR(text(&b, k = k->next), "0");
    EXPECT_STR(text(&b, k = k->next), "100000000000000000000");
    EXPECT_STR(text(&b, k = k->next), "inf");
    EXPECT_STR(text(&b, k = k->next), "2.5e-05");
    EXPECT_STR(text(&b, k = k->next), "{\"a\":[1,\"x\"]}");
    EXPECT_STR(text(&b, v), "[1.50,1E2,-0,100000000000000000000,1e999,2.5e-5,{\"a\":[1,\"x\"]}]");
    /* Appends rather than overwrites. */
    b.len = 0;
    FAIL_UNLESS(wd_jv_text(wd_jv_int(&a, 7), &b) == WD_OK);
    FAIL_UNLESS(wd_jv_text(wd_jv_str(&a, "-x", 2), &b) == WD_OK);
    EXPECT_STR(b.p, "7-x");
    wd_buf_fini(&b);
    wd_arena_fini(&a);
}

static void t_write_built(void)
{
    struct wd_arena a;
    wd_arena_init(&a, 0, 0);
    struct wd_buf b;
    wd_buf_init(&b, 0);
    struct wd_jv *o = wd_jv_new(&a, WD_JV_OBJ);
    struct wd_jv *arr = wd_jv_new(&a, WD_JV_ARR);
    wd_jv_push(arr, wd_jv_int(&a, -42));
    wd_jv_push(arr, wd_jv_float(&a, 0.5));
    wd_jv_push(arr, wd_jv_float(&a, 1e16));
    wd_jv_push(arr, wd_jv_float(&a, NAN));
    wd_jv_push(arr, wd_jv_float(&a, -HUGE_VAL));
    wd_jv_push(arr, wd_jv_new(&a, WD_JV_NULL));
    wd_jv_push(arr, wd_jv_bool(&a, true));
    wd_jv_add(o, WD_STR("list"), arr);
    wd_jv_add(o, WD_STR("k\"ey"), wd_jv_strdup(&a, "v\x01", 2));
    wd_jv_add(o, WD_STR("empty"), wd_jv_new(&a, WD_JV_OBJ));
    wd_jv_add(o, WD_STR(""), wd_jv_new(&a, WD_JV_ARR));
    EXPECT_INT(wd_jv_write(o, &b), WD_OK);
    EXPECT_STR(b.p, "{\"list\":[-42,0.5,1e+16,null,null,null,true],\"k\\\"ey\":\"v\\u0001\","
                    "\"empty\":{},\"\":[]}");
    /* The output parses back. */
    struct wd_jv *v;
    EXPECT_INT(wd_json_parse(b.p, b.len, b.len, 8, &a, &v, NULL), WD_OK);
    EXPECT_INT(v->count, 4);
    /* A capped buffer fails cleanly and keeps its old content. */
    struct wd_buf c;
    wd_buf_init(&c, 20);
    FAIL_UNLESS(wd_buf_append(&c, "pre", 3) == WD_OK);
    EXPECT_INT(wd_jv_write(o, &c), WD_ELIMIT);
    EXPECT_STR(c.p, "pre");
    wd_buf_fini(&c);
    wd_buf_fini(&b);
    wd_arena_fini(&a);
}

static void t_edit(void)
{
    struct wd_arena a;
    wd_arena_init(&a, 0, 0);
    struct wd_buf b;
    wd_buf_init(&b, 0);
    struct wd_jv *o = wd_jv_new(&a, WD_JV_OBJ);
    wd_jv_set(o, WD_STR("a"), wd_jv_int(&a, 1));
    wd_jv_set(o, WD_STR("b"), wd_jv_int(&a, 2));
    wd_jv_set(o, WD_STR("c"), wd_jv_int(&a, 3));
    wd_jv_set(o, WD_STR("b"), wd_jv_str(&a, "two", 3)); /* replaced in place */
    EXPECT_INT(o->count, 3);
    EXPECT_INT(wd_jv_write(o, &b), WD_OK);
    EXPECT_STR(b.p, "{\"a\":1,\"b\":\"two\",\"c\":3}");
    wd_jv_set(o, WD_STR("c"), wd_jv_int(&a, 33)); /* replacing the tail */
    wd_jv_add(o, WD_STR("d"), wd_jv_int(&a, 4));
    b.len = 0;
    EXPECT_INT(wd_jv_write(o, &b), WD_OK);
    EXPECT_STR(b.p, "{\"a\":1,\"b\":\"two\",\"c\":33,\"d\":4}");
    struct wd_jv *d = wd_jv_del(o, WD_STR("a"));
    FAIL_UNLESS(d && d->u.i == 1 && d->next == NULL);
    d = wd_jv_del(o, WD_STR("d")); /* the tail */
    FAIL_UNLESS(d && d->u.i == 4);
    FAIL_UNLESS(wd_jv_del(o, WD_STR("zz")) == NULL);
    EXPECT_INT(o->count, 2);
    wd_jv_add(o, WD_STR("e"), wd_jv_int(&a, 5)); /* tail is right after deleting it */
    b.len = 0;
    EXPECT_INT(wd_jv_write(o, &b), WD_OK);
    EXPECT_STR(b.p, "{\"b\":\"two\",\"c\":33,\"e\":5}");
    FAIL_UNLESS(wd_jv_del(o, WD_STR("b")) && wd_jv_del(o, WD_STR("c")) &&
                wd_jv_del(o, WD_STR("e")));
    FAIL_UNLESS(o->count == 0 && o->u.kids.head == NULL && o->u.kids.tail == NULL);
    wd_jv_set(o, WD_STR("x"), wd_jv_int(&a, 9));
    b.len = 0;
    EXPECT_INT(wd_jv_write(o, &b), WD_OK);
    EXPECT_STR(b.p, "{\"x\":9}");
    /* get/getn/del on non-objects. */
    struct wd_jv *i = wd_jv_int(&a, 1);
    FAIL_UNLESS(wd_jv_get(i, "x") == NULL && wd_jv_get(NULL, "x") == NULL);
    FAIL_UNLESS(wd_jv_del(i, WD_STR("x")) == NULL);
    FAIL_UNLESS(wd_jv_getn(o, WD_STR("x")) != NULL);
    FAIL_UNLESS(wd_jv_getn(o, WD_STR("")) == NULL);
    wd_buf_fini(&b);
    wd_arena_fini(&a);
}

static void t_path(void)
{
    struct wd_arena a;
    wd_arena_init(&a, 0, 0);
    const char *doc = "{\"details\":{\"sourceipaddress\":\"10.0.0.1\",\"n\":{\"m\":1}},"
                      "\"id.orig_h\":\"1.2.3.4\",\"id\":{\"resp_h\":\"5.6.7.8\"},"
                      "\"a\":{\"b.c\":{\"d\":7}},\"\":{\"x\":0},\"arr\":[{\"k\":1}]}";
    struct wd_jv *v;
    EXPECT_INT(wd_json_parse(doc, strlen(doc), strlen(doc), 8, &a, &v, NULL), WD_OK);
    struct wd_jv *r = wd_jv_path(v, "details.sourceipaddress");
    FAIL_UNLESS(r && r->type == WD_JV_STR && r->u.s.len == 8);
    r = wd_jv_path(v, "details.n.m");
    FAIL_UNLESS(r && r->u.i == 1);
    r = wd_jv_path(v, "id.orig_h"); /* a key containing a dot */
    FAIL_UNLESS(r && r->u.s.len == 7 && memcmp(r->u.s.p, "1.2.3.4", 7) == 0);
    r = wd_jv_path(v, "id.resp_h");
    FAIL_UNLESS(r && memcmp(r->u.s.p, "5.6.7.8", 7) == 0);
    r = wd_jv_path(v, "a.b.c.d"); /* backtracks to the key "b.c" */
    FAIL_UNLESS(r && r->u.i == 7);
    r = wd_jv_path(v, "details");
    FAIL_UNLESS(r && r->type == WD_JV_OBJ);
    r = wd_jv_path(v, ".x");
    FAIL_UNLESS(r && r->u.i == 0);
    FAIL_UNLESS(wd_jv_path(v, "details.missing") == NULL);
    FAIL_UNLESS(wd_jv_path(v, "details.sourceipaddress.x") == NULL);
    FAIL_UNLESS(wd_jv_path(v, "arr.k") == NULL); /* arrays are not traversed */
    FAIL_UNLESS(wd_jv_path(v, "nope") == NULL);
    r = wd_jv_path(v, ""); /* the empty key */
    FAIL_UNLESS(r && r->type == WD_JV_OBJ && r->count == 1);
    FAIL_UNLESS(wd_jv_path(NULL, "a") == NULL);
    wd_arena_fini(&a);
}

/* Parses doc, writes it, and checks the output equals `want` and is a fixed point. */
static int round_trip(struct wd_arena *a, const char *doc, const char *want)
{
    struct wd_buf b, b2;
    wd_buf_init(&b, 0);
    wd_buf_init(&b2, 0);
    struct wd_jv *v, *v2;
    int ok = wd_json_parse(doc, strlen(doc), strlen(doc), 64, a, &v, NULL) == WD_OK &&
             wd_jv_write(v, &b) == WD_OK && strcmp(b.p, want) == 0 &&
             wd_json_parse(b.p, b.len, b.len, 64, a, &v2, NULL) == WD_OK &&
             wd_jv_write(v2, &b2) == WD_OK && strcmp(b2.p, want) == 0;
    if (!ok)
        printf("  round trip of [%s]: got [%s] want [%s]\n", doc, b.p ? b.p : "", want);
    wd_buf_fini(&b);
    wd_buf_fini(&b2);
    return ok;
}

static void t_round_trip(void)
{
    static const char *const cases[][2] = {
        {"{}", "{}"},
        {"[]", "[]"},
        {" { \"a\" : [ 1 , 2 , { } ] , \"b\" : null }\n", "{\"a\":[1,2,{}],\"b\":null}"},
        {"\"\\u0041\\u00e9\\/\"", "\"A\xc3\xa9/\""},
        {"\"\\u001f\\u007f\"", "\"\\u001f\x7f\""},
        {"[true,false,null]", "[true,false,null]"},
        {"[-0,0.0,1e5,1E-5,-1.25e+300]", "[-0,0.0,1e5,1E-5,-1.25e+300]"},
        {"{\"ts\":\"2024-01-01T00:00:00Z\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":51234,"
         "\"duration\":0.000123,\"bytes\":18446744073709551615}",
         "{\"ts\":\"2024-01-01T00:00:00Z\",\"id.orig_h\":\"10.0.0.1\",\"id.orig_p\":51234,"
         "\"duration\":0.000123,\"bytes\":18446744073709551615}"},
        {"[[[[[[[[[[\"deep\"]]]]]]]]]]", "[[[[[[[[[[\"deep\"]]]]]]]]]]"},
        {"{\"a\":1,\"a\":2}", "{\"a\":1,\"a\":2}"},
        {"\"\\ud83d\\ude00 \\\" \\\\ \\b\\f\\n\\r\\t\"",
         "\"\xf0\x9f\x98\x80 \\\" \\\\ \\b\\f\\n\\r\\t\""},
        {"\"\xe2\x80\xa8\"", "\"\xe2\x80\xa8\""},
        {"{\"\":\"\"}", "{\"\":\"\"}"},
        {"12", "12"},
        {"\"s\"", "\"s\""},
        {"null", "null"},
    };
    struct wd_arena a;
    wd_arena_init(&a, 0, 0);
    for (size_t i = 0; i < WD_ARRAY_LEN(cases); i++)
        FAIL_UNLESS(round_trip(&a, cases[i][0], cases[i][1]));
    /* A generated document with every byte value in strings. */
    struct wd_buf doc, out;
    wd_buf_init(&doc, 0);
    wd_buf_init(&out, 0);
    char s[256];
    for (int i = 0; i < 256; i++)
        s[i] = (char)i;
    FAIL_UNLESS(wd_buf_append(&doc, "[", 1) == WD_OK);
    FAIL_UNLESS(wd_jv_write_str(s, sizeof(s), &doc) == WD_OK);
    FAIL_UNLESS(wd_buf_append(&doc, "]", 1) == WD_OK);
    struct wd_jv *v;
    EXPECT_INT(wd_json_parse(doc.p, doc.len, doc.len, 4, &a, &v, NULL), WD_OK);
    struct wd_jv *str = v->u.kids.head;
    /* 128 ASCII bytes kept, 128 invalid bytes replaced by 3-byte U+FFFD each. */
    EXPECT_INT(str->u.s.len, 128 + 128 * 3);
    FAIL_UNLESS(memcmp(str->u.s.p, s, 128) == 0);
    EXPECT_INT(wd_jv_write(v, &out), WD_OK);
    FAIL_UNLESS(out.len == doc.len && memcmp(out.p, doc.p, doc.len) == 0);
    wd_buf_fini(&doc);
    wd_buf_fini(&out);
    wd_arena_fini(&a);
}

/* Reference escaper, one byte at a time: what wd_jv_write_str must produce. */
static void ref_escape(const unsigned char *p, size_t len, struct wd_buf *o)
{
    static const char hex[] = "0123456789abcdef";
    wd_buf_putc(o, '"');
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            wd_buf_append(o, e, 2);
        } else if (c == '\n' || c == '\t' || c == '\r' || c == '\b' || c == '\f') {
            char e[2] = {'\\', c == '\n'   ? 'n'
                               : c == '\t' ? 't'
                               : c == '\r' ? 'r'
                               : c == '\b' ? 'b'
                                           : 'f'};
            wd_buf_append(o, e, 2);
        } else if (c < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            wd_buf_append(o, e, 6);
        } else if (c >= 0x80) {
            size_t k = c >= 0xC2 && c <= 0xDF   ? 2
                       : c >= 0xE0 && c <= 0xEF ? 3
                       : c >= 0xF0 && c <= 0xF4 ? 4
                                                : 0;
            if (k && k <= len - i && wd_json_valid_utf8((const char *)p + i, k)) {
                wd_buf_append(o, p + i, k);
                i += k;
                continue;
            }
            wd_buf_append(o, "\xEF\xBF\xBD", 3);
        } else {
            wd_buf_putc(o, (char)c);
        }
        i++;
    }
    wd_buf_putc(o, '"');
}

static uint64_t rng_state = 0x243F6A8885A308D3ULL;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32) % n;
}

/* A random string: mostly plain ASCII, with (by `mix`) control characters, quotes,
 * backslashes, DEL, valid 2-4 byte UTF-8, and invalid or cut sequences. */
static size_t rnd_string(unsigned char *s, size_t max, uint32_t mix)
{
    static const char *const pieces[] = {"\"",           "\\",
                                         "\x7f",         "\xC3\xA9",
                                         "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
                                         "\xC3",         "\xE2\x82",
                                         "\xF0\x9F\x98", "\x80",
                                         "\xBF",         "\xC0\x80",
                                         "\xED\xA0\x80", "\xF4\x90\x80\x80",
                                         "\xF5",         "\xFF",
                                         "\xEF\xBF\xBD", "\xF4\x8F\xBF\xBF"};
    size_t len = rnd(4) ? rnd(40) : rnd((uint32_t)max);
    size_t n = 0;
    while (n < len) {
        uint32_t r = rnd(100);
        if (r < mix && rnd(2)) {
            s[n++] = (unsigned char)rnd(0x20); /* every control character */
        } else if (r < mix) {
            const char *pc = pieces[rnd(WD_ARRAY_LEN(pieces))];
            size_t k = strlen(pc);
            if (n + k > len)
                break;
            memcpy(s + n, pc, k);
            n += k;
        } else {
            s[n++] = (unsigned char)(0x20 + rnd(0x5f));
        }
    }
    return n;
}

static void t_escape_fast_path(void)
{
    struct wd_buf got, want, doc, kv;
    wd_buf_init(&got, 0);
    wd_buf_init(&kv, 0);
    wd_buf_init(&want, 0);
    wd_buf_init(&doc, 0);
    struct wd_arena a;
    wd_arena_init(&a, 0, 0);
    unsigned char s[300];
    for (int i = 0; i < 200000; i++) {
        /* mix 0: plain strings only (the fast path); higher: every special byte */
        size_t n = rnd_string(s, sizeof(s), i % 4 == 0 ? 0 : (uint32_t)(i % 4) * 4);
        /* Also at the end of a tiny buffer, where the fast path has no room. */
        size_t pre = (size_t)rnd(3) * 100;
        struct wd_buf *g = &got;
        wd_buf_fini(g);
        wd_buf_init(g, 0);
        for (size_t k = 0; k < pre; k++)
            wd_buf_putc(g, 'p');
        want.len = 0;
        ref_escape(s, n, &want);
        FAIL_UNLESS(wd_jv_write_str((const char *)s, n, g) == WD_OK);
        FAIL_UNLESS(g->len == pre + want.len && g->p[g->len] == '\0');
        if (memcmp(g->p + pre, want.p, want.len) != 0) {
            printf("# input (%zu bytes):", n);
            for (size_t k = 0; k < n; k++)
                printf(" %02x", s[k]);
            printf("\n# got  %s\n# want %s\n", g->p + pre, want.p);
            FAIL_IF("fast path differs from the reference");
        }
        /* The same string as an object key (the writer's key fast path) and value. */
        struct wd_jv *o = wd_jv_new(&a, WD_JV_OBJ);
        wd_jv_add(o, (struct wd_str){"k", 1}, wd_jv_int(&a, 1));
        wd_jv_add(o, (struct wd_str){(const char *)s, n}, wd_jv_str(&a, (const char *)s, n));
        doc.len = 0;
        FAIL_UNLESS(wd_jv_write(o, &doc) == WD_OK);
        kv.len = 0;
        wd_buf_append(&kv, "{\"k\":1,", 7);
        wd_buf_append(&kv, want.p, want.len);
        wd_buf_putc(&kv, ':');
        wd_buf_append(&kv, want.p, want.len);
        wd_buf_putc(&kv, '}');
        EXPECT_STR(doc.p, kv.p);
        if ((i & 1023) == 1023)
            wd_arena_reset(&a);
    }
    wd_arena_fini(&a);
    wd_buf_fini(&got);
    wd_buf_fini(&want);
    wd_buf_fini(&doc);
    wd_buf_fini(&kv);
}

WD_TEST_LIST{
    {"jv_escape_fast_path_vs_reference", t_escape_fast_path},
    {"jv_escape", t_escape},
    {"jv_python_float", t_python_float},
    {"jv_python_str", t_python_str},
    {"jv_write_built", t_write_built},
    {"jv_edit", t_edit},
    {"jv_path", t_path},
    {"jv_round_trip", t_round_trip},
};
WD_TEST_MAIN
