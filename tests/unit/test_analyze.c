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

/* ---- differential test: wd_analyze against the plain code-point loop it replaced ---- */

enum rcat { R_SEP, R_LET, R_DIG, R_US, R_IDEO, R_MIDNL, R_MIDL, R_MIDN };

static enum rcat ref_cat(uint32_t c)
{
    if (c < 0x80) {
        if ((c | 32) >= 'a' && (c | 32) <= 'z')
            return R_LET;
        if (c >= '0' && c <= '9')
            return R_DIG;
        switch (c) {
        case '_':
            return R_US;
        case '.':
        case '\'':
            return R_MIDNL;
        case ':':
            return R_MIDL;
        case ',':
        case ';':
            return R_MIDN;
        default:
            return R_SEP;
        }
    }
    if (c == 0x2018 || c == 0x2019)
        return R_MIDNL;
    if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
        (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x2FFFF) ||
        (c >= 0x3040 && c <= 0x309F))
        return R_IDEO;
    if ((c >= 0x80 && c <= 0xBF && c != 0xAA && c != 0xB5 && c != 0xBA) || c == 0xD7 || c == 0xF7 ||
        (c >= 0x2000 && c <= 0x2BFF) || (c >= 0x3000 && c <= 0x303F) ||
        (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF0F) ||
        (c >= 0xFF1A && c <= 0xFF20) || c == 0xFEFF || c == 0xFFFD ||
        (c >= 0x1F000 && c <= 0x1FAFF) || (c >= 0xE000 && c <= 0xF8FF))
        return R_SEP;
    return R_LET;
}

static bool ref_word(enum rcat c)
{
    return c == R_LET || c == R_DIG || c == R_US;
}

static bool ref_joins(enum rcat j, enum rcat a, enum rcat b)
{
    if (j == R_MIDNL)
        return (a == R_LET && b == R_LET) || (a == R_DIG && b == R_DIG);
    if (j == R_MIDL)
        return a == R_LET && b == R_LET;
    if (j == R_MIDN)
        return a == R_DIG && b == R_DIG;
    return false;
}

static void ref_analyze(const char *p, size_t len, wd_token_cb cb, void *ctx)
{
    char tok[WD_TOKEN_MAX_BYTES];
    size_t i = 0;
    while (i < len) {
        uint32_t c;
        size_t n = wd_utf8_next(p + i, len - i, &c);
        enum rcat k = ref_cat(c);
        if (k == R_IDEO) {
            cb(ctx, tok, wd_utf8_put(wd_lower_cp(c), tok));
            i += n;
            continue;
        }
        if (!ref_word(k)) {
            i += n;
            continue;
        }
        size_t tl = 0, chars = 0;
        enum rcat prev = k;
        for (;;) {
            if (chars == WD_TOKEN_MAX_CHARS) {
                cb(ctx, tok, tl);
                tl = chars = 0;
            }
            tl += wd_utf8_put(wd_lower_cp(c), tok + tl);
            chars++;
            prev = k;
            i += n;
            if (i >= len)
                break;
            n = wd_utf8_next(p + i, len - i, &c);
            k = ref_cat(c);
            if (ref_word(k))
                continue;
            if (k == R_SEP || k == R_IDEO)
                break;
            if (i + n >= len)
                break;
            uint32_t c2;
            wd_utf8_next(p + i + n, len - i - n, &c2);
            if (!ref_joins(k, prev, ref_cat(c2)))
                break;
        }
        if (tl)
            cb(ctx, tok, tl);
    }
}

static void t_differential(void)
{
    /* Pieces that exercise every category, joiners, case, multi-byte and invalid UTF-8. */
    static const char *const pieces[] = {
        "a", "Z", "q", "0", "9", "_", ".", "'", ":", ",", ";", " ", "-", "/", "\t", "@",
        "\x7f", "\xc3\xa9", "\xc3\x89", "\xc3\x97", "\xc2\xab", "\xce\x91", "\xd0\x9c",
        "\xc4\xb0", "\xc5\xb8", "\xe2\x80\x99", "\xe2\x80\x94", "\xe4\xb8\xad", "\xe3\x81\x82",
        "\xef\xbf\xbd", "\xf0\x9f\x98\x80", "\xf0\xa0\x80\x80", "\xff", "\xc3", "\xe2\x80",
        "\xed\xa0\x80", "\xc0\xaf", "\x80",
    };
    struct wd_buf got, want;
    wd_buf_init(&got, 0);
    wd_buf_init(&want, 0);
    uint64_t r = 0x2545f4914f6cdd1dull;
    char in[1400];
    for (int iter = 0; iter < 20000; iter++) {
        size_t len = 0;
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        size_t npieces = 1 + r % (iter % 50 == 0 ? 600 : 40);
        for (size_t k = 0; k < npieces; k++) {
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            /* mostly letters now and then, so long runs hit the 255-character split */
            const char *pc = pieces[(iter % 7 == 0 && r % 8) ? r % 3 : r % WD_ARRAY_LEN(pieces)];
            size_t pl = strlen(pc);
            if (len + pl > sizeof(in))
                break;
            memcpy(in + len, pc, pl);
            len += pl;
        }
        got.len = want.len = 0;
        wd_analyze(in, len, join_cb, &got);
        ref_analyze(in, len, join_cb, &want);
        FAIL_UNLESS(got.len == want.len && (!got.len || !memcmp(got.p, want.p, got.len)));
    }
    wd_buf_fini(&got);
    wd_buf_fini(&want);
}

WD_TEST_LIST{
    {"analyze_spec_examples", t_spec_examples},
    {"analyze_unicode", t_unicode},
    {"analyze_split_255", t_split_255},
    {"analyze_stop", t_stop},
    {"analyze_differential", t_differential},
};
WD_TEST_MAIN
