/*
 * test_analyze.c: the `summary` tokenizer (analyze.h) against every example of spec d.2,
 * joiner conditions, lower-casing, non-ASCII letters, CJK and the 255-character split.
 */
#include "analyze.h"
#include "mem.h"
#include "ward.h"
#include "wd_test.h"

static bool join_cb(void *ctx, const char *tok, size_t len)
{
    struct wd_buf *b = ctx;
    if (b->len)
        wd_buf_putc(b, '|');
    wd_buf_append(b, tok, len);
    return true;
}

/* Tokens of s joined by '|'. */
static const char *toks(struct wd_buf *b, const char *s)
{
    b->len = 0;
    wd_analyze(s, strlen(s), join_cb, b);
    wd_buf_putc(b, '\0');
    return b->p;
}

static void t_spec_examples(void)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"host1 1f", "host1|1f"},
        {"err_code_5 run_parts", "err_code_5|run_parts"},
        {"ftp.example.net 192.0.2.10 setup.msi", "ftp.example.net|192.0.2.10|setup.msi"},
        {"a.1", "a|1"},
        {"1.a", "1|a"},
        {"cron:session mode:ro", "cron:session|mode:ro"},
        {"192.0.2.7:22", "192.0.2.7|22"},
        {"1,000 1;2 a,b a;b", "1,000|1;2|a|b|a|b"},
        {"don't 1'2 a'1", "don't|1'2|a|1"},
        {"test.", "test"},
        {".test", "test"},
        {"a..b", "a|b"},
        {"a::b", "a|b"},
        {"a:1", "a|1"},
        {"a_.b", "a_|b"},
        {"_", "_"},
        {"__init__", "__init__"},
        {"x/y-z@w=v(u)t[s]r\"q+p#o!n?m&l%k$j*i<h>g|f\\e^d{c}b~a",
         "x|y|z|w|v|u|t|s|r|q|p|o|n|m|l|k|j|i|h|g|f|e|d|c|b|a"},
        {"Failed password for ROOT from 192.0.2.7 port 22 ssh2",
         "failed|password|for|root|from|192.0.2.7|port|22|ssh2"},
        {"  \t\n", ""},
        {"", ""},
    };
    struct wd_buf b;
    wd_buf_init(&b, 0);
    for (size_t i = 0; i < WD_ARRAY_LEN(cases); i++)
        EXPECT_STR(toks(&b, cases[i].in), cases[i].want);
    wd_buf_fini(&b);
}

static void t_unicode(void)
{
    struct wd_buf b;
    wd_buf_init(&b, 0);
    /* Non-ASCII letters are word characters; Latin-1, Greek, Cyrillic are lower-cased. */
    EXPECT_STR(toks(&b, "Caf\xc3\xa9 \xc3\x89T\xc3\x89"), "caf\xc3\xa9|\xc3\xa9t\xc3\xa9");
    EXPECT_STR(toks(&b, "\xce\x91\xce\x92 \xd0\x9c\xd0\xbe\xd1\x81"),
               "\xce\xb1\xce\xb2|\xd0\xbc\xd0\xbe\xd1\x81");
    /* CJK ideographs: one token each, also next to letters. */
    EXPECT_STR(toks(&b, "\xe4\xb8\xad\xe6\x96\x87"
                        "abc"),
               "\xe4\xb8\xad|\xe6\x96\x87|abc");
    /* Punctuation outside ASCII separates: U+2014 em dash, U+00AB, U+3000. */
    EXPECT_STR(toks(&b, "a\xe2\x80\x94"
                        "b \xc2\xab"
                        "c\xc2\xbb d\xe3\x80\x80"
                        "e"),
               "a|b|c|d|e");
    /* U+2019 joins like an apostrophe. */
    EXPECT_STR(toks(&b, "don\xe2\x80\x99t"), "don\xe2\x80\x99t");
    /* Invalid UTF-8 separates. */
    EXPECT_STR(toks(&b, "a\xff"
                        "b"),
               "a|b");
    wd_buf_fini(&b);
}

static void t_split_255(void)
{
    char in[700];
    memset(in, 'A', 600);
    in[600] = '\0';
    struct wd_buf b;
    wd_buf_init(&b, 0);
    const char *got = toks(&b, in);
    /* 255 + 255 + 90 lower-case letters. */
    FAIL_UNLESS(strlen(got) == 600 + 2);
    FAIL_UNLESS(got[255] == '|' && got[511] == '|');
    FAIL_UNLESS(got[0] == 'a' && got[601] == 'a');
    wd_buf_fini(&b);
}

static bool stop_cb(void *ctx, const char *tok, size_t len)
{
    int *n = ctx;
    WD_UNUSED(tok);
    WD_UNUSED(len);
    return ++*n < 2;
}

static void t_stop(void)
{
    int n = 0;
    FAIL_IF(wd_analyze("a b c d", 7, stop_cb, &n));
    EXPECT_INT(n, 2);
}

WD_TEST_LIST{
    {"analyze_spec_examples", t_spec_examples},
    {"analyze_unicode", t_unicode},
    {"analyze_split_255", t_split_255},
    {"analyze_stop", t_stop},
};
WD_TEST_MAIN
