/*
 * test_json.c: the simdjson shim (json.h): JSONTestSuite conformance (every y_ accepted,
 * every n_ rejected, i_ never crashes), exact error codes and offsets, the depth limit,
 * parsing at the very end of a buffer, strings surviving scratch reuse, and number
 * classification; the compact decoder (json_compact.c) against it.
 */
#include <dirent.h>
#include <math.h>

#include "gen.h"
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "ward.h"
#include "wd_test.h"

/* Reads a whole file into a malloc'd buffer of exactly its size (so ASan sees overreads). */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    char *exact = malloc(n ? n : 1);
    if (exact && n)
        memcpy(exact, buf, n);
    free(buf);
    *len = n;
    return exact;
}

static int parse_str(struct wd_arena *a, const char *s, struct wd_jv **out, struct wd_perr *err)
{
    return wd_json_parse(s, strlen(s), strlen(s), 64, a, out, err);
}

static int cmp_names(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static void t_conformance(void)
{
    const char *shared = wd_test_shared();
    if (!shared)
        SKIP("../shared/testdata not found (set WD_SHARED_TESTDATA)");
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/jsontestsuite/test_parsing", shared);
    DIR *d = opendir(dir);
    if (!d)
        SKIP("jsontestsuite/test_parsing not found in the shared test data");
    char *names[1024];
    size_t count = 0;
    struct dirent *de;
    while ((de = readdir(d)) && count < WD_ARRAY_LEN(names))
        if (de->d_name[0] == 'y' || de->d_name[0] == 'n' || de->d_name[0] == 'i')
            names[count++] = wd_xstrdup(de->d_name);
    closedir(d);
    qsort(names, count, sizeof(names[0]), cmp_names);

    struct wd_arena a;
    wd_arena_init(&a, 0, 0);
    struct wd_buf b, b2;
    wd_buf_init(&b, 0);
    wd_buf_init(&b2, 0);
    int bad = 0, ny = 0, nn = 0, ni = 0;
    for (size_t i = 0; i < count; i++) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        size_t len = 0;
        char *buf = read_file(path, &len);
        if (!buf) {
            printf("  cannot read %s\n", path);
            bad++;
            continue;
        }
        struct wd_jv *v = NULL;
        struct wd_perr err = {0, 0, NULL};
        int rc = wd_json_parse(buf, len, len, 512, &a, &v, &err);
        /* the compact decoder takes only what parses, with the same tree, and the
         * combined entry answers the same */
        struct wd_jv *c = NULL;
        struct wd_perr cerr = {0, 0, NULL};
        if (wd_json_decode_compact(buf, len, 512, &a, &c) == WD_OK &&
            (rc != WD_OK || !wd_jv_same(c, v))) {
            printf("  %s: compact decoder differs\n", names[i]);
            bad++;
        }
        int crc = wd_json_parse_compact(buf, len, len, 512, &a, &c, &cerr);
        if (crc != rc || (rc == WD_OK ? !wd_jv_same(c, v) : cerr.off != err.off)) {
            printf("  %s: wd_json_parse_compact differs\n", names[i]);
            bad++;
        }
        char kind = names[i][0];
        if (kind == 'y') {
            ny++;
            if (rc != WD_OK) {
                printf("  %s: rejected (%s at %zu)\n", names[i], err.msg, err.off);
                bad++;
            }
        } else if (kind == 'n') {
            nn++;
            if (rc == WD_OK) {
                printf("  %s: accepted\n", names[i]);
                bad++;
            } else if (!err.msg || err.off > len) {
                printf("  %s: bad error report\n", names[i]);
                bad++;
            }
        } else {
            ni++;
        }
        /* Whatever parses must re-serialize to JSON that parses to the same output. */
        if (rc == WD_OK) {
            b.len = b2.len = 0;
            struct wd_jv *v2 = NULL;
            if (wd_jv_write(v, &b) != WD_OK ||
                wd_json_parse(b.p, b.len, b.len, 512, &a, &v2, NULL) != WD_OK ||
                wd_jv_write(v2, &b2) != WD_OK || b.len != b2.len || memcmp(b.p, b2.p, b.len) != 0) {
                printf("  %s: round trip failed\n", names[i]);
                bad++;
            }
        }
        free(buf);
        wd_arena_reset(&a);
    }
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    wd_buf_fini(&b);
    wd_buf_fini(&b2);
    wd_arena_fini(&a);
    printf("  jsontestsuite: %d y_, %d n_, %d i_ files, %d failures\n", ny, nn, ni, bad);
    FAIL_IF(count == 0);
    FAIL_IF(bad != 0);
}

struct err_case {
    const char *json;
    int code;
    size_t off;
    const char *msg;
};

static void t_error_offsets(void)
{
    static const struct err_case cases[] = {
        {"", WD_EPARSE, 0, "empty input"},
        {"   ", WD_EPARSE, 3, "empty input"},
        {"[1,2", WD_EPARSE, 4, "unexpected end of input"},
        {"[1,]", WD_EPARSE, 3, "unexpected character"},
        {"{\"a\":1,}", WD_EPARSE, 7, "expected string key"},
        {"{\"a\" 1}", WD_EPARSE, 5, "expected ':'"},
        {"[1 2]", WD_EPARSE, 3, "expected ',' or ']'"},
        {"{\"a\":1 \"b\":2}", WD_EPARSE, 7, "expected ',' or '}'"},
        {"[\"abc", WD_EPARSE, 1, "unterminated string"},
        {"[\"a\\x\"]", WD_EPARSE, 3, "invalid escape"},
        {"[\"a\\u12G4\"]", WD_EPARSE, 3, "invalid escape"},
        {"[\"a\tb\"]", WD_EPARSE, 3, "control character in string"},
        {"[\"a\xff\"]", WD_EPARSE, 3, "invalid UTF-8"},
        {"[\"\xc3\"]", WD_EPARSE, 2, "invalid UTF-8"},
        {"[\"\xed\xa0\x80\"]", WD_EPARSE, 2, "invalid UTF-8"},
        {"[01]", WD_EPARSE, 1, "invalid number"},
        {"[1.]", WD_EPARSE, 1, "invalid number"},
        {"[-]", WD_EPARSE, 1, "invalid number"},
        {"[1e+]", WD_EPARSE, 1, "invalid number"},
        {"[tru]", WD_EPARSE, 1, "invalid literal"},
        {"[nulll]", WD_EPARSE, 1, "invalid literal"},
        {"{} x", WD_EPARSE, 3, "trailing content after JSON value"},
        {"[1]]", WD_EPARSE, 3, "trailing content after JSON value"},
        {"1 2", WD_EPARSE, 2, "trailing content after JSON value"},
        {"\"a\" \"b\"", WD_EPARSE, 4, "trailing content after JSON value"},
        {"{\"a\":[1}", WD_EPARSE, 7, "expected ',' or ']'"},
        {"[\x01]", WD_EPARSE, 1, "unexpected character"},
        {"'a'", WD_EPARSE, 0, "unexpected character"},
        {"{1:1}", WD_EPARSE, 1, "expected string key"},
    };
    struct wd_arena a;
    wd_arena_init(&a, 0, 0);
    for (size_t i = 0; i < WD_ARRAY_LEN(cases); i++) {
        struct wd_jv *v = (struct wd_jv *)&a; /* must be reset to NULL */
        struct wd_perr err = {0, 0, NULL};
        int rc = parse_str(&a, cases[i].json, &v, &err);
        if (rc != cases[i].code || err.code != rc || err.off != cases[i].off || !err.msg ||
            strcmp(err.msg, cases[i].msg) != 0) {
            printf("  case %zu [%s]: rc %d off %zu msg %s\n", i, cases[i].json, rc, err.off,
                   err.msg ? err.msg : "(null)");
        }
        FAIL_UNLESS(rc == cases[i].code);
        FAIL_UNLESS(v == NULL);
        EXPECT_INT(err.off, cases[i].off);
        EXPECT_STR(err.msg, cases[i].msg);
        wd_arena_reset(&a);
    }
    wd_arena_fini(&a);
}

static void t_depth(void)
{
    struct wd_arena a;
    wd_arena_init(&a, 0, 0);
    struct wd_jv *v;
    struct wd_perr err;
    char buf[4200];
    /* max_depth 3: [[[1]]] fits, [[[[1]]]] does not. */
    EXPECT_INT(wd_json_parse("[[[1]]]", 7, 7, 3, &a, &v, &err), WD_OK);
    EXPECT_INT(wd_json_parse("[[[[1]]]]", 9, 9, 3, &a, &v, &err), WD_ELIMIT);
    EXPECT_INT(err.off, 3);
    EXPECT_STR(err.msg, "nesting too deep");
    EXPECT_INT(wd_json_parse("{\"a\":{\"b\":[{}]}}", 16, 16, 3, &a, &v, &err), WD_ELIMIT);
    EXPECT_INT(err.off, 11);
    /* Scalars have no depth; an empty container at the limit is fine. */
    EXPECT_INT(wd_json_parse("1", 1, 1, 1, &a, &v, &err), WD_OK);
    EXPECT_INT(wd_json_parse("[]", 2, 2, 1, &a, &v, &err), WD_OK);
    /* Deep input beyond the hard cap is rejected cleanly, even with max_depth 0 (= cap). */
    size_t n = 0;
    for (; n < 2100; n++)
        buf[n] = '[';
    for (size_t k = 0; k < 2100; k++)
        buf[n++] = ']';
    EXPECT_INT(wd_json_parse(buf, n, n, 0, &a, &v, &err), WD_ELIMIT);
    EXPECT_INT(err.off, WD_JSON_DEPTH_CAP);
    EXPECT_INT(wd_json_parse(buf, n, n, UINT32_MAX, &a, &v, &err), WD_ELIMIT);
    /* Exactly the cap is accepted. */
    n = 0;
    for (; n < WD_JSON_DEPTH_CAP; n++)
        buf[n] = '[';
    for (size_t k = 0; k < WD_JSON_DEPTH_CAP; k++)
        buf[n++] = ']';
    EXPECT_INT(wd_json_parse(buf, n, n, 0, &a, &v, &err), WD_OK);
    /* An unclosed deep prefix reports depth (the first problem met). */
    memset(buf, '[', 100);
    EXPECT_INT(wd_json_parse(buf, 100, 100, 10, &a, &v, &err), WD_ELIMIT);
    EXPECT_INT(err.off, 10);
    wd_arena_fini(&a);
}

/* Parses `s` copied to the very end of an exact-size malloc'd buffer (ASan guards it). */
static int parse_at_end(struct wd_arena *a, const char *s, struct wd_jv **v, char **keep)
{
    size_t n = strlen(s);
    char *p = malloc(n ? n : 1);
    memcpy(p, s, n);
    *keep = p;
    return wd_json_parse(p, n, n, 64, a, v, NULL);
}

static void t_padding(void)
{
    struct wd_arena a;
    wd_arena_init(&a, 0, 0);
    struct wd_buf b;
    wd_buf_init(&b, 0);
    static const char *const docs[] = {
        "1",
        "-0.5e3",
        "\"x\"",
        "\"\\u00e9\\n\"",
        "true",
        "null",
        "[1,2,3]",
        "{\"k\":\"v\",\"n\":12345678901234567890123}",
        "123456789012345678901234567890",
        "\"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\"",
    };
    for (size_t i = 0; i < WD_ARRAY_LEN(docs); i++) {
        struct wd_jv *v;
        char *p;
        int rc = parse_at_end(&a, docs[i], &v, &p);
        if (rc == WD_OK) {
            b.len = 0;
            rc = wd_jv_write(v, &b);
        }
        free(p);
        EXPECT_INT(rc, WD_OK);
    }
    /* Truncated inputs at the end of the buffer fail cleanly. */
    static const char *const bad[] = {"tru", "\"ab", "[1,", "{\"a\"", "-", "1e", "\"\\u12"};
    for (size_t i = 0; i < WD_ARRAY_LEN(bad); i++) {
        struct wd_jv *v;
        char *p;
        int rc = parse_at_end(&a, bad[i], &v, &p);
        free(p);
        EXPECT_INT(rc, WD_EPARSE);
    }
    /* Bytes after len must not be read as part of the document, padded or not. */
    char big[256];
    memset(big, 0, sizeof(big));
    memcpy(big, "true]", 5);
    struct wd_jv *v;
    EXPECT_INT(wd_json_parse(big, 3, sizeof(big), 64, &a, &v, NULL), WD_EPARSE);
    EXPECT_INT(wd_json_parse(big, 3, 4, 64, &a, &v, NULL), WD_EPARSE);
    memcpy(big, "[1,2]", 5);
    EXPECT_INT(wd_json_parse(big, 4, sizeof(big), 64, &a, &v, NULL), WD_EPARSE);
    memcpy(big, "\"ab\"", 4);
    EXPECT_INT(wd_json_parse(big, 3, sizeof(big), 64, &a, &v, NULL), WD_EPARSE);
    memcpy(big, "12345", 5);
    EXPECT_INT(wd_json_parse(big, 3, sizeof(big), 64, &a, &v, NULL), WD_OK);
    EXPECT_INT(v->u.i, 123);
    EXPECT_INT(v->raw.len, 3);
    /* In-place parse (enough slack): strings point into the input itself. */
    memcpy(big, "[\"abc\"]", 7);
    EXPECT_INT(wd_json_parse(big, 7, sizeof(big), 64, &a, &v, NULL), WD_OK);
    FAIL_UNLESS(v->u.kids.head->u.s.p == big + 2);
    wd_buf_fini(&b);
    wd_arena_fini(&a);
}

static void t_scratch_reuse(void)
{
    struct wd_arena a;
    wd_arena_init(&a, 0, 0);
    const char *d1 = "{\"esc\\n\":\"a\\tb\\u00e9\\ud83d\\ude00\",\"plain\":\"xyz\",\"n\":1.25}";
    const char *d2 = "[\"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\","
                     "\"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\\u0041\"]";
    struct wd_jv *v1, *v2;
    EXPECT_INT(parse_str(&a, d1, &v1, NULL), WD_OK);
    /* The second parse reuses the thread's scratch buffer. */
    EXPECT_INT(parse_str(&a, d2, &v2, NULL), WD_OK);
    struct wd_jv *e = v1->u.kids.head;
    FAIL_UNLESS(e->key.len == 4 && memcmp(e->key.p, "esc\n", 4) == 0);
    FAIL_UNLESS(e->u.s.len == 9 && memcmp(e->u.s.p, "a\tb\xc3\xa9\xf0\x9f\x98\x80", 9) == 0);
    struct wd_jv *pl = wd_jv_get(v1, "plain");
    /* Unescaped strings and number literals point into the caller's input, not scratch. */
    FAIL_UNLESS(pl && pl->u.s.p >= d1 && pl->u.s.p < d1 + strlen(d1));
    struct wd_jv *n = wd_jv_get(v1, "n");
    FAIL_UNLESS(n && n->raw.p >= d1 && n->raw.p < d1 + strlen(d1) && n->raw.len == 4);
    struct wd_buf b;
    wd_buf_init(&b, 0);
    EXPECT_INT(wd_jv_write(v1, &b), WD_OK);
    EXPECT_STR(b.p, "{\"esc\\n\":\"a\\tb\xc3\xa9\xf0\x9f\x98\x80\",\"plain\":\"xyz\",\"n\":1.25}");
    wd_buf_fini(&b);
    wd_arena_fini(&a);
}

static void t_numbers(void)
{
    struct wd_arena a;
    wd_arena_init(&a, 0, 0);
    struct wd_jv *v;
    EXPECT_INT(parse_str(&a,
                         "[0,-0,42,-9223372036854775808,9223372036854775807,"
                         "9223372036854775808,18446744073709551616,-9223372036854775809,"
                         "1.5,1e2,-0.0,1E+2,100000000000000000000000000000,1e999,-1e999,"
                         "1e-999]",
                         &v, NULL),
               WD_OK);
    struct wd_jv *k = v->u.kids.head;
    EXPECT_INT(k->type, WD_JV_INT);
    EXPECT_INT(k->u.i, 0);
    k = k->next; /* -0 */
    EXPECT_INT(k->type, WD_JV_INT);
    FAIL_UNLESS(k->raw.len == 2 && memcmp(k->raw.p, "-0", 2) == 0);
    k = k->next;
    EXPECT_INT(k->u.i, 42);
    k = k->next;
    EXPECT_INT(k->type, WD_JV_INT);
    FAIL_UNLESS(k->u.i == INT64_MIN);
    k = k->next;
    EXPECT_INT(k->type, WD_JV_INT);
    FAIL_UNLESS(k->u.i == INT64_MAX);
    k = k->next; /* 2^63 */
    EXPECT_INT(k->type, WD_JV_FLOAT);
    FAIL_UNLESS(k->is_intlit && k->u.f == 9223372036854775808.0);
    k = k->next; /* 2^64 */
    EXPECT_INT(k->type, WD_JV_FLOAT);
    FAIL_UNLESS(k->is_intlit && k->u.f == 18446744073709551616.0);
    k = k->next;
    EXPECT_INT(k->type, WD_JV_FLOAT);
    FAIL_UNLESS(k->is_intlit && k->u.f == -9223372036854775809.0);
    k = k->next;
    EXPECT_INT(k->type, WD_JV_FLOAT);
    FAIL_UNLESS(!k->is_intlit && k->u.f == 1.5);
    k = k->next;
    FAIL_UNLESS(k->type == WD_JV_FLOAT && !k->is_intlit && k->u.f == 100.0);
    k = k->next;
    FAIL_UNLESS(k->type == WD_JV_FLOAT && k->u.f == 0.0 && signbit(k->u.f));
    k = k->next;
    FAIL_UNLESS(k->type == WD_JV_FLOAT && k->u.f == 100.0);
    FAIL_UNLESS(k->raw.len == 4 && memcmp(k->raw.p, "1E+2", 4) == 0);
    k = k->next;
    FAIL_UNLESS(k->type == WD_JV_FLOAT && k->is_intlit && k->u.f == 1e29);
    k = k->next;
    FAIL_UNLESS(k->type == WD_JV_FLOAT && !k->is_intlit && isinf(k->u.f) && k->u.f > 0);
    k = k->next;
    FAIL_UNLESS(k->type == WD_JV_FLOAT && isinf(k->u.f) && k->u.f < 0);
    k = k->next;
    FAIL_UNLESS(k->type == WD_JV_FLOAT && k->u.f == 0.0);
    FAIL_UNLESS(k->next == NULL);
    EXPECT_INT(v->count, 16);

    /* Raw text survives exactly, including forms a double would not keep. */
    struct wd_buf b;
    wd_buf_init(&b, 0);
    const char *exact = "[1E+2,-0.0,1.50,100000000000000000000000000000,1e999,0.1e-2]";
    EXPECT_INT(parse_str(&a, exact, &v, NULL), WD_OK);
    EXPECT_INT(wd_jv_write(v, &b), WD_OK);
    EXPECT_STR(b.p, exact);
    /* Whitespace after a number is not part of its literal. */
    EXPECT_INT(parse_str(&a, " [ 1 , 2.5\n]\t", &v, NULL), WD_OK);
    EXPECT_INT(v->u.kids.head->raw.len, 1);
    EXPECT_INT(v->u.kids.head->next->raw.len, 3);
    b.len = 0;
    EXPECT_INT(wd_jv_write(v, &b), WD_OK);
    EXPECT_STR(b.p, "[1,2.5]");
    /* Root scalars. */
    EXPECT_INT(parse_str(&a, " -17 ", &v, NULL), WD_OK);
    FAIL_UNLESS(v->type == WD_JV_INT && v->u.i == -17 && v->raw.len == 3);
    EXPECT_INT(parse_str(&a, "123456789012345678901234567890", &v, NULL), WD_OK);
    FAIL_UNLESS(v->type == WD_JV_FLOAT && v->is_intlit && v->raw.len == 30);
    wd_buf_fini(&b);
    wd_arena_fini(&a);
}

/* What the compact decoder takes (and then builds wd_json_parse's tree), and what it
 * leaves to wd_json_parse (whose answer wd_json_parse_compact then gives). */
static void t_compact(void)
{
    static const struct {
        const char *json;
        bool taken;
    } cases[] = {
        {"{\"a\":1,\"b\":[true,false,null],\"c\":{},\"d\":[],\"a\":\"dup\"}", true},
        {"[0,42,-17,-9223372036854775808,9223372036854775807]", true},
        {"[1.5,0.001543,1767225600.0,1e22,1E+2,2.5e-3,123456.123456789,0.0]", true},
        {"[9007199254740993.0]", false},  /* past 2^53: rounding is not exact */
        {"[1e23]", false},                /* 10^23 is not a double */
        {"[-0]", false},                  /* left to simdjson's classification */
        {"[-0.0]", false},                /* the sign of zero too */
        {"[9223372036854775808]", false}, /* beyond int64: a float literal */
        {"[12345678901234567890123]", false},
        {"[\"tab\\there\",\"q\\\"\\\\\\/\\b\\f\\n\\r\\t\",\"\\\\\"]", true}, /* escapes */
        {"[\"\\u0041\"]", false},                                            /* but \\u */
        {"[\"a\\x\"]", false},
        {"[\"caf\xc3\xa9\"]", false}, /* non-ASCII */
        {"[\"\x7f\"]", true},         /* DEL is plain ASCII */
        {"[1, 2]", false},            /* whitespace */
        {" {}", false},
        {"\"root\"", true},
        {"17", true},
        {"[01]", false}, /* errors are wd_json_parse's to report */
        {"[1.]", false},
        {"[.5]", false},
        {"[1e]", false},
        {"{\"a\":1,}", false},
        {"{\"a\" :1}", false},
        {"[tru]", false},
        {"[true]x", false},
        {"", false},
        {"[\"a\x01\"]", false},
    };
    struct wd_arena a;
    wd_arena_init(&a, 0, 0);
    for (size_t i = 0; i < WD_ARRAY_LEN(cases); i++) {
        const char *s = cases[i].json;
        size_t n = strlen(s);
        struct wd_jv *v = NULL, *c = NULL;
        struct wd_perr e1 = {0, 0, NULL}, e2 = {0, 0, NULL};
        int rc = wd_json_parse(s, n, n, 64, &a, &v, &e1);
        int taken = wd_json_decode_compact(s, n, 64, &a, &c);
        if ((taken == WD_OK) != cases[i].taken || (taken == WD_OK && !wd_jv_same(c, v))) {
            printf("# %s: compact %d, want taken %d\n", s, taken, cases[i].taken);
            FAIL_UNLESS(false);
        }
        EXPECT_INT(wd_json_parse_compact(s, n, n, 64, &a, &c, &e2), rc);
        FAIL_UNLESS(rc == WD_OK ? wd_jv_same(c, v) : e2.off == e1.off && !strcmp(e2.msg, e1.msg));
    }
    /* nesting: 64 levels are taken, 65 left to wd_json_parse, max_depth is kept */
    char deep[200];
    for (int d = 63; d <= 66; d++) {
        memset(deep, '[', (size_t)d);
        memset(deep + d, ']', (size_t)d);
        struct wd_jv *c = NULL;
        EXPECT_INT(wd_json_decode_compact(deep, (size_t)d * 2, 0, &a, &c),
                   d <= 64 ? WD_OK : WD_EAGAIN);
        EXPECT_INT(wd_json_parse_compact(deep, (size_t)d * 2, (size_t)d * 2, 0, &a, &c, NULL),
                   WD_OK);
    }
    EXPECT_INT(wd_json_parse_compact("[[[1]]]", 7, 7, 2, &a, &(struct wd_jv *){NULL}, NULL),
               WD_ELIMIT);
    /* nothing the compact decoder gave up on stays in the arena */
    wd_arena_reset(&a);
    size_t used = a.used_bytes;
    EXPECT_INT(wd_json_decode_compact("[1,2,3,[4,5,\"x\\n\"]]", 20, 0, &a, &(struct wd_jv *){NULL}),
               WD_EAGAIN);
    EXPECT_INT(a.used_bytes, used);
    /* ward's own output (the WAL's records) is taken whole: every generated event of every
     * kind, written as the pipeline writes it */
    struct wd_buf lines, w;
    wd_buf_init(&lines, 0);
    wd_buf_init(&w, 0);
    struct wd_gen_opts o = {.kind = WD_GEN_MIX};
    wd_gen_opts_init(&o);
    o.fmt = WD_GEN_FMT_MOZDEF;
    o.count = 4000;
    o.seed = 7;
    struct wd_gen *g = wd_gen_new(&o);
    FAIL_UNLESS(g != NULL);
    while (wd_gen_next(g, &lines))
        ;
    wd_gen_free(g);
    size_t events = 0, took = 0;
    for (size_t at = 0; at < lines.len;) {
        const char *nl = memchr(lines.p + at, '\n', lines.len - at);
        size_t n = nl ? (size_t)(nl - lines.p) - at : lines.len - at;
        struct wd_jv *v = NULL, *v2 = NULL, *c = NULL;
        FAIL_IF(wd_json_parse(lines.p + at, n, n, 0, &a, &v, NULL) != WD_OK);
        w.len = 0;
        FAIL_IF(wd_jv_write(v, &w) != WD_OK);
        FAIL_IF(wd_json_parse(w.p, w.len, w.len, 0, &a, &v2, NULL) != WD_OK);
        if (wd_json_decode_compact(w.p, w.len, 0, &a, &c) == WD_OK) {
            FAIL_UNLESS(wd_jv_same(c, v2));
            took++;
        }
        events++;
        at += n + 1;
        wd_arena_reset(&a);
    }
    printf("# compact decoder took %zu of %zu generated events\n", took, events);
    FAIL_UNLESS(events >= 4000 && took == events);
    wd_buf_fini(&lines);
    wd_buf_fini(&w);
    wd_arena_fini(&a);
}

static void t_strings(void)
{
    struct wd_arena a;
    wd_arena_init(&a, 0, 0);
    struct wd_jv *v;
    struct wd_buf b;
    wd_buf_init(&b, 0);
    /* Lone surrogates become U+FFFD; pairs combine; \u0000 is kept. */
    EXPECT_INT(parse_str(&a,
                         "[\"\\ud800\",\"\\udc00x\",\"\\ud83d\\ude00\",\"a\\u0000b\","
                         "\"\\ud800\\u0041\",\"\\/\\b\\f\\r\"]",
                         &v, NULL),
               WD_OK);
    struct wd_jv *k = v->u.kids.head;
    FAIL_UNLESS(k->u.s.len == 3 && memcmp(k->u.s.p, "\xef\xbf\xbd", 3) == 0);
    k = k->next;
    FAIL_UNLESS(k->u.s.len == 4 && memcmp(k->u.s.p, "\xef\xbf\xbdx", 4) == 0);
    k = k->next;
    FAIL_UNLESS(k->u.s.len == 4 && memcmp(k->u.s.p, "\xf0\x9f\x98\x80", 4) == 0);
    k = k->next;
    FAIL_UNLESS(k->u.s.len == 3 && memcmp(k->u.s.p, "a\0b", 3) == 0);
    k = k->next;
    FAIL_UNLESS(k->u.s.len == 4 && memcmp(k->u.s.p,
                                          "\xef\xbf\xbd"
                                          "A",
                                          4) == 0);
    k = k->next;
    FAIL_UNLESS(k->u.s.len == 4 && memcmp(k->u.s.p, "/\b\f\r", 4) == 0);
    EXPECT_INT(wd_jv_write(v, &b), WD_OK);
    EXPECT_INT(b.len, 49);
    FAIL_UNLESS(memcmp(b.p,
                       "[\"\xef\xbf\xbd\",\"\xef\xbf\xbdx\",\"\xf0\x9f\x98\x80\",\"a\\u0000b\","
                       "\"\xef\xbf\xbd"
                       "A\",\"/\\b\\f\\r\"]",
                       49) == 0);
    /* Long strings with an escape near the end (exercises the word-at-a-time scans). */
    char doc[300];
    memset(doc, 'q', sizeof(doc));
    doc[0] = '"';
    memcpy(doc + 200, "\\\"", 2);
    doc[250] = '"';
    EXPECT_INT(wd_json_parse(doc, 251, 251, 8, &a, &v, NULL), WD_OK);
    FAIL_UNLESS(v->type == WD_JV_STR && v->u.s.len == 248 && v->u.s.p[199] == '"');
    /* Duplicate keys are kept; lookups find the first. */
    EXPECT_INT(parse_str(&a, "{\"a\":1,\"a\":2}", &v, NULL), WD_OK);
    EXPECT_INT(v->count, 2);
    EXPECT_INT(wd_jv_get(v, "a")->u.i, 1);
    wd_buf_fini(&b);
    wd_arena_fini(&a);
}

/* Root scalars with trailing whitespace (simdjson 3.0.1's root atom checks get these wrong). */
static void t_root_scalars(void)
{
    static const char *const ok[] = {"true",
                                     "false   ",
                                     " null  ",
                                     "null\n",
                                     "1        ",
                                     "\"s\"     ",
                                     "-1.5e3\t\t\t\t\t\t\t\t",
                                     "12345678901234567890123 "};
    static const char *const bad[] = {"nullx ", "truex",  "true x", "nul",  "null null",
                                      "1 1",    "\"s\"x", "fals",   "tru e"};
    struct wd_arena a;
    wd_arena_init(&a, 0, 0);
    struct wd_jv *v;
    for (size_t i = 0; i < WD_ARRAY_LEN(ok); i++) {
        if (parse_str(&a, ok[i], &v, NULL) != WD_OK)
            printf("  [%s] rejected\n", ok[i]);
        EXPECT_INT(parse_str(&a, ok[i], &v, NULL), WD_OK);
    }
    for (size_t i = 0; i < WD_ARRAY_LEN(bad); i++) {
        if (parse_str(&a, bad[i], &v, NULL) != WD_EPARSE)
            printf("  [%s] accepted\n", bad[i]);
        EXPECT_INT(parse_str(&a, bad[i], &v, NULL), WD_EPARSE);
        EXPECT_INT(wd_json_validate(bad[i], strlen(bad[i]), 64, NULL), WD_EPARSE);
    }
    wd_arena_fini(&a);
}

static void t_arena_cap(void)
{
    struct wd_arena a;
    wd_arena_init(&a, 1024, 1024);
    char doc[4096];
    size_t n = 0;
    doc[n++] = '[';
    for (int i = 0; i < 500; i++) {
        doc[n++] = '1';
        doc[n++] = ',';
    }
    doc[n++] = '1';
    doc[n++] = ']';
    struct wd_jv *v;
    struct wd_perr err;
    EXPECT_INT(wd_json_parse(doc, n, n, 8, &a, &v, &err), WD_ENOMEM);
    FAIL_UNLESS(v == NULL && err.code == WD_ENOMEM && err.msg);
    wd_arena_fini(&a);
}

/*
 * wd_arena_rewind gives back exactly what was allocated after the mark: the next object
 * reuses the first one's address, objects from before the mark keep their bytes, and the
 * big one-off chunks (behind the head) of after the mark are freed (ASan/LSan in the SAN
 * build: every object is its own chunk there). Chunk sizes: ordinary 256 bytes, big ones
 * past a quarter of that, and an arena with no ordinary chunks (0).
 */
static void t_arena_rewind(void)
{
    size_t sizes[] = {256, 0};
    for (size_t k = 0; k < WD_ARRAY_LEN(sizes); k++) {
        struct wd_arena a;
        wd_arena_init(&a, sizes[k], 0);
        struct wd_arena_pos empty;
        wd_arena_mark(&a, &empty);
        char *keep = wd_arena_strndup(&a, "kept", 4);
        char *big_before = wd_arena_alloc(&a, 1000);
        memset(big_before, 'b', 1000);
        FAIL_UNLESS(keep && big_before);
        size_t used = a.used_bytes;
        for (int round = 0; round < 50; round++) {
            struct wd_arena_pos m;
            wd_arena_mark(&a, &m);
            char *first = wd_arena_alloc(&a, 16);
            FAIL_UNLESS(first);
            memset(first, 'x', 16);
            for (int i = 0; i < 40; i++) { /* new ordinary chunks and big ones */
                char *p = wd_arena_alloc(&a, i % 7 == 0 ? 700 : 48);
                FAIL_UNLESS(p);
                memset(p, 'y', i % 7 == 0 ? 700 : 48);
            }
            wd_arena_rewind(&a, &m);
            EXPECT_INT(a.used_bytes, used);
#ifndef WD_SAN
            if (sizes[k]) /* the next object where the first one of the round was */
                FAIL_UNLESS(wd_arena_alloc(&a, 16) == first);
            wd_arena_rewind(&a, &m);
#endif
        }
        EXPECT_STR(keep, "kept");
        for (int i = 0; i < 1000; i++)
            FAIL_UNLESS(big_before[i] == 'b');
        wd_arena_rewind(&a, &empty); /* back to nothing at all */
        EXPECT_INT(a.used_bytes, 0);
        FAIL_UNLESS(wd_arena_strndup(&a, "again", 5));
        wd_arena_fini(&a);
    }
}

static void t_valid_utf8(void)
{
    FAIL_UNLESS(wd_json_valid_utf8("", 0));
    FAIL_UNLESS(wd_json_valid_utf8("abc \xc3\xa9 \xf0\x9f\x98\x80", 11));
    FAIL_UNLESS(!wd_json_valid_utf8("\xff", 1));
    FAIL_UNLESS(!wd_json_valid_utf8("\xc3", 1));
    FAIL_UNLESS(!wd_json_valid_utf8("\xed\xa0\x80", 3)); /* surrogate */
    FAIL_UNLESS(!wd_json_valid_utf8("\xc0\xaf", 2));     /* overlong */
}

/* Strings of every length up to 40 with no escape or one escape at each position: the
 * decoder's no-backslash scan (16 bytes at a time) must see an escape anywhere, and an
 * escaped quote where the raw text is exactly as long as the unescaped one. */
static void t_string_escape_positions(void)
{
    struct wd_arena a;
    wd_arena_init(&a, 0, 0);
    char in[128], want[64];
    for (size_t n = 0; n <= 40; n++) {
        for (size_t at = 0; at <= n; at++) { /* at == n: no escape */
            size_t w = 0, k = 0;
            in[k++] = '"';
            for (size_t i = 0; i < n; i++) {
                if (i == at) {
                    in[k++] = '\\';
                    in[k++] = 'n';
                    want[w++] = '\n';
                } else {
                    in[k++] = (char)('a' + i % 26);
                    want[w++] = (char)('a' + i % 26);
                }
            }
            in[k++] = '"';
            for (int mode = 0; mode < 2; mode++) {
                char buf[128 + WD_JSON_PADDING];
                memcpy(buf, in, k);
                memset(buf + k, mode ? '\\' : ' ', WD_JSON_PADDING); /* backslashes after it */
                struct wd_jv *v = NULL;
                FAIL_UNLESS(wd_json_parse(buf, k, k + WD_JSON_PADDING, 0, &a, &v, NULL) == WD_OK);
                FAIL_UNLESS(v->type == WD_JV_STR && v->u.s.len == w);
                FAIL_UNLESS(memcmp(v->u.s.p, want, w) == 0);
                /* without escapes the value points into the input */
                FAIL_UNLESS((at < n) == (v->u.s.p < buf || v->u.s.p >= buf + k));
            }
        }
    }
    /* "\u0041\"abcde": raw text 14 bytes, unescaped 7, and r[7] is the escaped quote */
    const char *t = "{\"k\":\"\\u0041\\\"abcde\"}";
    struct wd_jv *v = NULL;
    FAIL_UNLESS(wd_json_parse(t, strlen(t), strlen(t), 0, &a, &v, NULL) == WD_OK);
    struct wd_jv *k = wd_jv_get(v, "k");
    FAIL_UNLESS(k && k->type == WD_JV_STR && k->u.s.len == 7 &&
                memcmp(k->u.s.p, "A\"abcde", 7) == 0);
    wd_arena_fini(&a);
}

WD_TEST_LIST{
    {"json_string_escape_positions", t_string_escape_positions},
    {"json_conformance", t_conformance},
    {"json_error_offsets", t_error_offsets},
    {"json_depth", t_depth},
    {"json_padding", t_padding},
    {"json_scratch_reuse", t_scratch_reuse},
    {"json_numbers", t_numbers},
    {"json_compact_decoder", t_compact},
    {"json_strings", t_strings},
    {"json_root_scalars", t_root_scalars},
    {"json_arena_cap", t_arena_cap},
    {"arena_rewind", t_arena_rewind},
    {"json_valid_utf8", t_valid_utf8},
};
WD_TEST_MAIN
