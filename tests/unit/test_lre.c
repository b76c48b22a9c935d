/*
 * test_lre.c: the Lucene regex engine (lre.h): every operator, whole-value anchoring,
 * Lucene's differences from PCRE (`\d` is `d`, `^` `$` are literals), its parsing corner
 * cases, syntax errors, and a long subject that would blow up a backtracking engine.
 */
#include "lre.h"
#include "mem.h"
#include "ward.h"
#include "wd_test.h"

static int check(const char *pat, const char *s)
{
    struct wd_arena a;
    wd_arena_init(&a, 4096, 0);
    struct wd_lre *re;
    int rc = wd_lre_compile(pat, strlen(pat), &a, &re, NULL);
    int r = rc != WD_OK ? -1 : wd_lre_match(re, s, strlen(s));
    wd_arena_fini(&a);
    return r;
}

static void t_match_table(void)
{
    static const struct {
        const char *pat, *s;
        int want; /* 1 match, 0 no match */
    } cases[] = {
        {"abc", "abc", 1},
        {"abc", "abcd", 0}, /* anchored at the end */
        {"abc", "xabc", 0}, /* and at the start */
        {"a.c", "abc", 1},
        {"a.c",
         "a\xc3\xa9"
         "c",
         1}, /* `.` is one code point */
        {"a.c", "ac", 0},
        {"ab?c", "ac", 1},
        {"ab?c", "abbc", 0},
        {"ab*c", "abbbbc", 1},
        {"ab*c", "ac", 1},
        {"ab+c", "ac", 0},
        {"ab+c", "abbc", 1},
        {"a{3}", "aaa", 1},
        {"a{3}", "aaaa", 0},
        {"a{2,}", "aaaaa", 1},
        {"a{2,}", "a", 0},
        {"a{2,3}", "aaa", 1},
        {"a{2,3}", "aaaa", 0},
        {"a{3,2}", "aa", 0}, /* min > max: empty language */
        {"ab|cd", "cd", 1},
        {"ab|cd", "abcd", 0},
        {"(ab)+", "ababab", 1},
        {"(ab)+", "ababa", 0},
        {"a()b", "ab", 1},
        {"[abc]+", "cab", 1},
        {"[a-z]+", "hello", 1},
        {"[a-z]+", "Hello", 0},
        {"[^a-z]+", "ABC", 1},
        {"[^a-z]", "q", 0},
        {"[]a]+", "]a]", 1},
        {"[.]", "x", 0},
        {"\\.", ".", 1},
        {"\\d", "d", 1}, /* no \d class in Lucene */
        {"\\d", "5", 0},
        {"^a$", "^a$", 1}, /* no anchors */
        {"\"a.b\"", "a.b", 1},
        {"\"a.b\"", "axb", 0},
        {"#", "", 0},
        {"a|#", "a", 1},
        {"@", "anything at all", 1},
        {"@", "", 1},
        {"a@", "abc", 1},
        {"~(abc)", "abd", 1},
        {"~(abc)", "abc", 0},
        {"~(a@)", "ba", 1},
        {"~(a@)", "ab", 0},
        {"@&~(@foo@)", "barbaz", 1},
        {"@&~(@foo@)", "xfoox", 0},
        {"a+&[ab]{3}", "aaa", 1},
        {"a+&[ab]{3}", "aab", 0},
        {"<1-10>", "7", 1},
        {"<1-10>", "10", 1},
        {"<1-10>", "11", 0},
        {"<1-10>", "007", 1}, /* different widths: leading zeros allowed */
        {"<01-10>", "07", 1}, /* same width: fixed */
        {"<01-10>", "7", 0},
        {"<10-1>", "5", 1}, /* reversed bounds are swapped */
        {"port<20-25>", "port22", 1},
        {"*a", "*a", 1}, /* a leading `*` is a literal */
        {"|a", "|a", 1},
        {"&a", "&a", 1},
        {"a\\/b", "a/b", 1},
        {"192\\.168\\..*", "192.168.1.1", 1},
        {"192\\.168\\..*", "10.168.1.1", 0},
        {".*error.*", "an error here", 1},
        {"(a|b)*c", "ababc", 1},
        {"a**", "aaa", 1},
        {"(a+)?", "", 1},
        {"(a?)+", "aa", 1},
        {"(a+)+", "", 0},
        {"(a?"
         "?)?",
         "aa", 0},
        {"(ab*)*c", "abbac", 1},
    };
    for (size_t i = 0; i < WD_ARRAY_LEN(cases); i++) {
        int got = check(cases[i].pat, cases[i].s);
        if (got != cases[i].want)
            printf("  case %zu: /%s/ on \"%s\" = %d\n", i, cases[i].pat, cases[i].s, got);
        EXPECT_INT(got, cases[i].want);
    }
}

static void t_errors(void)
{
    static const struct {
        const char *pat;
        size_t off;
        const char *msg;
    } cases[] = {
        {"(ab", 3, "expected ')' in regular expression"},
        {"ab)", 2, "unbalanced ')' in regular expression"},
        {"[ab", 0, "expected ']' to close the character class"},
        {"[z-a]", 1, "invalid range in character class"},
        {"a{", 2, "expected a number in '{n,m}'"},
        {"a{2", 3, "expected '}' in '{n,m}'"},
        {"a{5000}", 2, "repeat count too large"},
        {"\"ab", 0, "unterminated string in regular expression: expected '\"'"},
        {"<1-", 0, "expected '>' to close the interval"},
        {"<name>", 0, "named automata are not supported"},
        {"<a-b>", 0, "bad interval: use <n-m> with decimal numbers"},
        {"a|", 2, "unexpected end of regular expression"},
        {"", 0, "unexpected end of regular expression"},
        {"a\\", 2, "unexpected end of regular expression"},
        {"~(~(~(a)))", 0, "regular expression too complex"},
        {"((a*b)*c)*d", 0, "regular expression too complex"},
    };
    for (size_t i = 0; i < WD_ARRAY_LEN(cases); i++) {
        struct wd_arena a;
        wd_arena_init(&a, 4096, 0);
        struct wd_lre *re = NULL;
        struct wd_perr err = {0, 0, NULL};
        int rc = wd_lre_compile(cases[i].pat, strlen(cases[i].pat), &a, &re, &err);
        wd_arena_fini(&a);
        EXPECT_INT(rc, WD_EPARSE);
        EXPECT_STR(err.msg, cases[i].msg);
        EXPECT_INT(err.off, cases[i].off);
    }
}

static void t_no_blowup(void)
{
    /* (a*)*b on a long run of a's: exponential for naive backtracking. */
    char s[3001];
    memset(s, 'a', 3000);
    s[3000] = '\0';
    EXPECT_INT(check("(a*)*b", s), 0);
    EXPECT_INT(check("(a|aa)*", s), 1);
    EXPECT_INT(check("~(@b@)", s), 1);
}

WD_TEST_LIST{
    {"lre_match_table", t_match_table},
    {"lre_errors", t_errors},
    {"lre_no_blowup", t_no_blowup},
};
WD_TEST_MAIN
