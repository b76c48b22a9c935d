/*
 * test_syslog.c: the syslog parser and framing (syslog.h). Vectors are written by hand from
 * RFC 5424 section 6.5, RFC 3164 section 5.4 and the deviations in spec/interop.md 3.4
 * (ESXi without PRI, Cisco IOS/ASA, rsyslog forward format, #011 escapes, @cee JSON, octet
 * counting with stray LF, CRLF/NUL trailers, over-long lines, frames split across reads).
 * Every case asserts exact field values, flags, error codes and offsets.
 */
#include "syslog.h"
#include "ward.h"
#include "wd_test.h"

static struct wd_syslog_msg M;
static struct wd_perr E;

/* Parses a NUL-terminated literal into M / E. */
static int parse(const char *s)
{
    E.code = 99;
    return wd_syslog_parse(s, strlen(s), &M, &E);
}

/* Parses a literal that may contain NUL bytes (sizeof - 1). */
#define PARSE_N(lit) wd_syslog_parse((lit), sizeof(lit) - 1, &M, &E)

/* Compares a view with a NUL-terminated expected text. */
#define EXPECT_V(got, want)                                                                        \
    do {                                                                                           \
        struct wd_str v_ = (got);                                                                  \
        const char *w_ = (want);                                                                   \
        if (!v_.p || v_.len != strlen(w_) || memcmp(v_.p, w_, v_.len) != 0) {                      \
            printf("FAIL %s: %s:%d: %s = [%.*s] want [%s]\n", wd_test_name_, __FILE__, __LINE__,   \
                   #got, v_.p ? (int)v_.len : 0, v_.p ? v_.p : "", w_);                            \
            wd_test_failed_ = 1;                                                                   \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* Date, time and microseconds of M.ts (year 0 = absent). */
#define EXPECT_TS(y, mo, d, h, mi, s, us)                                                          \
    do {                                                                                           \
        EXPECT_INT(M.ts.has_time, 1);                                                              \
        EXPECT_INT(M.ts.year, y);                                                                  \
        EXPECT_INT(M.ts.month, mo);                                                                \
        EXPECT_INT(M.ts.day, d);                                                                   \
        EXPECT_INT(M.ts.hour, h);                                                                  \
        EXPECT_INT(M.ts.min, mi);                                                                  \
        EXPECT_INT(M.ts.sec, s);                                                                   \
        EXPECT_INT(M.ts.usec, us);                                                                 \
    } while (0)

#define EXPECT_ZONE(has, off)                                                                      \
    do {                                                                                           \
        EXPECT_INT(M.ts.has_zone, has);                                                            \
        EXPECT_INT(M.ts.zone_off_s, off);                                                          \
    } while (0)

#define EXPECT_NO_TS()                                                                             \
    do {                                                                                           \
        EXPECT_INT(M.ts.has_time, 0);                                                              \
        EXPECT_INT(M.ts.year, 0);                                                                  \
        EXPECT_INT(M.ts.month, 0);                                                                 \
    } while (0)

#define F(x) WD_SYSLOG_F_##x

/* ---------------------------------------------------------------------------------------- */
/* RFC 5424 section 6.5 examples                                                             */

static void t_5424_rfc_example1(void)
{
    EXPECT_INT(parse("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
                     "\xEF\xBB\xBF'su root' failed for lonvick on /dev/pts/8"),
               WD_OK);
    EXPECT_INT(E.code, WD_OK);
    EXPECT_INT(M.format, WD_SYSLOG_5424);
    EXPECT_INT(M.version, 1);
    EXPECT_INT(M.pri, 34);
    EXPECT_INT(M.facility, 4);
    EXPECT_INT(M.severity, 2);
    EXPECT_TS(2003, 10, 11, 22, 14, 15, 3000);
    EXPECT_ZONE(1, 0);
    EXPECT_V(M.hostname, "mymachine.example.com");
    EXPECT_V(M.appname, "su");
    EXPECT_V(M.procid, "");
    EXPECT_V(M.msgid, "ID47");
    EXPECT_V(M.sd, "");
    EXPECT_V(M.msg, "'su root' failed for lonvick on /dev/pts/8");
    EXPECT_INT(M.flags, F(BOM));
}

static void t_5424_rfc_example2(void)
{
    EXPECT_INT(parse("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - "
                     "%% It's time to make the do-nuts."),
               WD_OK);
    EXPECT_INT(M.format, WD_SYSLOG_5424);
    EXPECT_INT(M.facility, 20);
    EXPECT_INT(M.severity, 5);
    EXPECT_TS(2003, 8, 24, 5, 14, 15, 3);
    EXPECT_ZONE(1, -7 * 3600);
    EXPECT_V(M.hostname, "192.0.2.1");
    EXPECT_V(M.appname, "myproc");
    EXPECT_V(M.procid, "8710");
    EXPECT_V(M.msgid, "");
    EXPECT_V(M.msg, "%% It's time to make the do-nuts.");
    EXPECT_INT(M.flags, 0);
}

static void t_5424_rfc_example3(void)
{
    EXPECT_INT(parse("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
                     "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] "
                     "\xEF\xBB\xBF"
                     "An application event log entry..."),
               WD_OK);
    EXPECT_V(M.appname, "evntslog");
    EXPECT_V(M.procid, "");
    EXPECT_V(M.msgid, "ID47");
    EXPECT_V(M.sd, "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]");
    EXPECT_V(M.msg, "An application event log entry...");
    EXPECT_INT(M.flags, F(BOM));
}

static void t_5424_rfc_example4(void)
{
    EXPECT_INT(parse("<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
                     "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]"
                     "[examplePriority@32473 class=\"high\"]"),
               WD_OK);
    EXPECT_V(M.sd, "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]"
                   "[examplePriority@32473 class=\"high\"]");
    EXPECT_V(M.msg, "");
    EXPECT_INT(M.flags, 0);

    struct wd_syslog_sd_iter it;
    struct wd_str id, name, val;
    wd_syslog_sd_iter_init(&it, M.sd);
    EXPECT_INT(wd_syslog_sd_next(&it, &id, &name, &val), WD_OK);
    EXPECT_V(id, "exampleSDID@32473");
    EXPECT_V(name, "iut");
    EXPECT_V(val, "3");
    EXPECT_INT(wd_syslog_sd_next(&it, &id, &name, &val), WD_OK);
    EXPECT_V(name, "eventSource");
    EXPECT_V(val, "Application");
    EXPECT_INT(wd_syslog_sd_next(&it, &id, &name, &val), WD_OK);
    EXPECT_V(name, "eventID");
    EXPECT_V(val, "1011");
    EXPECT_INT(wd_syslog_sd_next(&it, &id, &name, &val), WD_OK);
    EXPECT_V(id, "examplePriority@32473");
    EXPECT_V(name, "class");
    EXPECT_V(val, "high");
    EXPECT_INT(wd_syslog_sd_next(&it, &id, &name, &val), WD_ENOENT);
    EXPECT_INT(wd_syslog_sd_next(&it, &id, &name, &val), WD_ENOENT);
}

/* ---------------------------------------------------------------------------------------- */
/* RFC 5424 grammar and leniency                                                             */

static void t_5424_all_nil(void)
{
    EXPECT_INT(parse("<13>1 - - - - - -"), WD_OK);
    EXPECT_INT(M.format, WD_SYSLOG_5424);
    EXPECT_NO_TS();
    EXPECT_V(M.hostname, "");
    EXPECT_V(M.appname, "");
    EXPECT_V(M.procid, "");
    EXPECT_V(M.msgid, "");
    EXPECT_V(M.sd, "");
    EXPECT_V(M.msg, "");
    EXPECT_INT(M.flags, 0);
    FAIL_IF(M.hostname.p == NULL || M.msg.p == NULL);
}

static void t_5424_nil_with_msg(void)
{
    EXPECT_INT(parse("<14>1 - host app 42 - - hello  world "), WD_OK);
    EXPECT_V(M.hostname, "host");
    EXPECT_V(M.appname, "app");
    EXPECT_V(M.procid, "42");
    EXPECT_V(M.msg, "hello  world ");
    EXPECT_INT(M.flags, 0);
}

static void t_5424_fraction_over_6(void)
{
    EXPECT_INT(parse("<13>1 2024-01-12T06:30:00.123456789Z h a p m - x"), WD_OK);
    EXPECT_TS(2024, 1, 12, 6, 30, 0, 123456);
    EXPECT_INT(M.flags, F(FRAC_TRUNC));
    EXPECT_INT(parse("<13>1 2024-01-12T06:30:00.5Z h a p m - x"), WD_OK);
    EXPECT_INT(M.ts.usec, 500000);
    EXPECT_INT(M.flags, 0);
    EXPECT_INT(parse("<13>1 2024-01-12T06:30:00Z h a p m - x"), WD_OK);
    EXPECT_INT(M.ts.usec, 0);
}

static void t_5424_zones(void)
{
    EXPECT_INT(parse("<13>1 2024-01-12T06:30:00+05:30 h a p m - x"), WD_OK);
    EXPECT_ZONE(1, 19800);
    EXPECT_INT(parse("<13>1 2024-01-12T06:30:00-0330 h a p m - x"), WD_OK);
    EXPECT_ZONE(1, -(3 * 3600 + 30 * 60));
    /* lowercase t/z accepted */
    EXPECT_INT(parse("<13>1 2024-01-12t06:30:00z h a p m - x"), WD_OK);
    EXPECT_ZONE(1, 0);
    EXPECT_INT(M.flags, 0);
    /* missing zone: lenient, has_zone false */
    EXPECT_INT(parse("<13>1 2024-01-12T06:30:00 h a p m - x"), WD_OK);
    EXPECT_TS(2024, 1, 12, 6, 30, 0, 0);
    EXPECT_ZONE(0, 0);
    /* an offset out of range is not a timestamp */
    EXPECT_INT(parse("<13>1 2024-01-12T06:30:00+24:00 h a p m - x"), WD_OK);
    EXPECT_NO_TS();
    EXPECT_INT(M.flags, F(BAD_TIME));
    EXPECT_V(M.hostname, "h");
}

static void t_5424_bad_timestamp(void)
{
    EXPECT_INT(parse("<13>1 2024-13-45T06:30:00Z host app - - - body"), WD_OK);
    EXPECT_INT(M.format, WD_SYSLOG_5424);
    EXPECT_NO_TS();
    EXPECT_INT(M.flags, F(BAD_TIME));
    EXPECT_V(M.hostname, "host");
    EXPECT_V(M.appname, "app");
    EXPECT_V(M.msg, "body");
    /* Feb 29 only in leap years; leap second 60 kept, 61 rejected */
    EXPECT_INT(parse("<13>1 2023-02-29T00:00:00Z h a - - - x"), WD_OK);
    EXPECT_INT(M.flags, F(BAD_TIME));
    EXPECT_INT(parse("<13>1 2024-02-29T00:00:00Z h a - - - x"), WD_OK);
    EXPECT_TS(2024, 2, 29, 0, 0, 0, 0);
    EXPECT_INT(parse("<13>1 2016-12-31T23:59:60Z h a - - - x"), WD_OK);
    EXPECT_TS(2016, 12, 31, 23, 59, 60, 0);
    EXPECT_INT(parse("<13>1 2016-12-31T23:59:61Z h a - - - x"), WD_OK);
    EXPECT_INT(M.flags, F(BAD_TIME));
    /* trailing junk in the timestamp token */
    EXPECT_INT(parse("<13>1 2016-12-31T23:59:59Zjunk h a - - - x"), WD_OK);
    EXPECT_INT(M.flags, F(BAD_TIME));
    EXPECT_V(M.hostname, "h");
}

static void t_5424_version(void)
{
    EXPECT_INT(parse("<13>2 2024-01-12T06:30:00Z h a - - - x"), WD_OK);
    EXPECT_INT(M.format, WD_SYSLOG_5424);
    EXPECT_INT(M.version, 2);
    EXPECT_INT(M.flags, F(BAD_VERSION));
    EXPECT_V(M.msg, "x");
    EXPECT_INT(parse("<13>123 - h a - - - x"), WD_OK);
    EXPECT_INT(M.version, 123);
    /* "1 " not followed by "-" or a date: this is 3164 CONTENT, not a version */
    EXPECT_INT(parse("<13>1 apple a day"), WD_OK);
    EXPECT_INT(M.format, WD_SYSLOG_3164);
    EXPECT_INT(M.version, 0);
    EXPECT_V(M.msg, "1 apple a day");
    /* leading zero: not a VERSION */
    EXPECT_INT(parse("<13>01 - h a - - - x"), WD_OK);
    EXPECT_INT(M.format, WD_SYSLOG_3164);
}

static void t_5424_missing_sd(void)
{
    EXPECT_INT(parse("<13>1 2024-01-12T06:30:00Z host app 123 ID7 hello world"), WD_OK);
    EXPECT_INT(M.format, WD_SYSLOG_5424);
    EXPECT_V(M.msgid, "ID7");
    EXPECT_V(M.sd, "");
    EXPECT_V(M.msg, "hello world");
    EXPECT_INT(M.flags, F(MISSING_SD));
}

static void t_5424_truncated_header(void)
{
    EXPECT_INT(parse("<13>1 2024-01-12T06:30:00Z host"), WD_OK);
    EXPECT_INT(M.format, WD_SYSLOG_5424);
    EXPECT_V(M.hostname, "host");
    EXPECT_V(M.appname, "");
    EXPECT_V(M.msg, "");
    EXPECT_INT(M.flags, F(MISSING_SD));
    EXPECT_INT(parse("<13>1 - h a p m "), WD_OK);
    EXPECT_V(M.msgid, "m");
    EXPECT_INT(M.flags, F(MISSING_SD));
    EXPECT_INT(parse("<13>1 -"), WD_OK);
    EXPECT_INT(M.format, WD_SYSLOG_5424);
    EXPECT_INT(M.flags, F(MISSING_SD));
}

static void t_5424_bad_sd(void)
{
    /* unterminated value: SD dropped, all of it kept in msg */
    EXPECT_INT(parse("<13>1 - h a - - [id x=\"1] tail"), WD_OK);
    EXPECT_V(M.sd, "");
    EXPECT_V(M.msg, "[id x=\"1] tail");
    EXPECT_INT(M.flags, F(BAD_SD));
    /* missing '=' */
    EXPECT_INT(parse("<13>1 - h a - - [id x] m"), WD_OK);
    EXPECT_INT(M.flags, F(BAD_SD));
    EXPECT_V(M.msg, "[id x] m");
    /* empty SD-ID */
    EXPECT_INT(parse("<13>1 - h a - - [] m"), WD_OK);
    EXPECT_INT(M.flags, F(BAD_SD));
    /* param glued to the id */
    EXPECT_INT(parse("<13>1 - h a - - [id\"x\"] m"), WD_OK);
    EXPECT_INT(M.flags, F(BAD_SD));
}

static void t_5424_sd_escapes_and_brackets(void)
{
    EXPECT_INT(parse("<13>1 - h a - - [x@1 a=\"q\\\"b\\\\c\\]d\\ne\" u=\"x]y\"] msg"), WD_OK);
    EXPECT_INT(M.flags, 0);
    EXPECT_V(M.sd, "[x@1 a=\"q\\\"b\\\\c\\]d\\ne\" u=\"x]y\"]");
    EXPECT_V(M.msg, "msg");

    struct wd_syslog_sd_iter it;
    struct wd_str id, name, val;
    char out[64];
    wd_syslog_sd_iter_init(&it, M.sd);
    EXPECT_INT(wd_syslog_sd_next(&it, &id, &name, &val), WD_OK);
    EXPECT_V(id, "x@1");
    EXPECT_V(name, "a");
    EXPECT_V(val, "q\\\"b\\\\c\\]d\\ne");
    size_t n = wd_syslog_sd_unescape(val, out);
    FAIL_UNLESS(n == 10 && memcmp(out, "q\"b\\c]d\\ne", 10) == 0);
    /* unescaped ']' inside a quoted value is tolerated */
    EXPECT_INT(wd_syslog_sd_next(&it, &id, &name, &val), WD_OK);
    EXPECT_V(name, "u");
    EXPECT_V(val, "x]y");
    EXPECT_INT(wd_syslog_sd_next(&it, &id, &name, &val), WD_ENOENT);
}

static void t_5424_sd_no_params_and_glued_msg(void)
{
    EXPECT_INT(parse("<13>1 - h a - - [origin][meta sequenceId=\"1\"]text"), WD_OK);
    EXPECT_V(M.sd, "[origin][meta sequenceId=\"1\"]");
    EXPECT_V(M.msg, "text");
    EXPECT_INT(M.flags, 0);

    struct wd_syslog_sd_iter it;
    struct wd_str id, name, val;
    wd_syslog_sd_iter_init(&it, M.sd);
    EXPECT_INT(wd_syslog_sd_next(&it, &id, &name, &val), WD_OK);
    EXPECT_V(id, "origin");
    EXPECT_V(name, "");
    EXPECT_V(val, "");
    EXPECT_INT(wd_syslog_sd_next(&it, &id, &name, &val), WD_OK);
    EXPECT_V(id, "meta");
    EXPECT_V(name, "sequenceId");
    EXPECT_V(val, "1");
    EXPECT_INT(wd_syslog_sd_next(&it, &id, &name, &val), WD_ENOENT);
}

static void t_5424_sd_spaces_lenient(void)
{
    /* several spaces between params and before ']' are tolerated */
    EXPECT_INT(parse("<13>1 - h a - - [id a=\"1\"   b=\"2\" ] m"), WD_OK);
    EXPECT_INT(M.flags, 0);
    EXPECT_V(M.sd, "[id a=\"1\"   b=\"2\" ]");
    EXPECT_V(M.msg, "m");
    /* a space between elements ends SD: the second element is MSG (RFC grammar) */
    EXPECT_INT(parse("<13>1 - h a - - [a x=\"1\"] [b y=\"2\"]"), WD_OK);
    EXPECT_V(M.sd, "[a x=\"1\"]");
    EXPECT_V(M.msg, "[b y=\"2\"]");
}

static void t_5424_field_checks(void)
{
    /* MSGID longer than 32: kept, flagged */
    EXPECT_INT(parse("<13>1 - h a p 0123456789012345678901234567890123 - m"), WD_OK);
    EXPECT_V(M.msgid, "0123456789012345678901234567890123");
    EXPECT_INT(M.flags, F(BAD_FIELD));
    /* Latin-1 host name: kept, flagged */
    EXPECT_INT(parse("<13>1 - h\xe9te a p m - m"), WD_OK);
    EXPECT_V(M.hostname, "h\xe9te");
    EXPECT_INT(M.flags, F(BAD_FIELD));
    /* 48-byte APP-NAME is fine, 49 is flagged */
    EXPECT_INT(parse("<13>1 - h 012345678901234567890123456789012345678901234567 p m - m"), WD_OK);
    EXPECT_INT(M.flags, 0);
    EXPECT_INT(parse("<13>1 - h 0123456789012345678901234567890123456789012345678 p m - m"), WD_OK);
    EXPECT_INT(M.flags, F(BAD_FIELD));
}

static void t_5424_spaces_in_appname(void)
{
    /* not recovered: the fields shift, the message is still produced */
    EXPECT_INT(parse("<13>1 - host my app 1 ID - msg"), WD_OK);
    EXPECT_V(M.hostname, "host");
    EXPECT_V(M.appname, "my");
    EXPECT_V(M.procid, "app");
    EXPECT_V(M.msgid, "1");
    EXPECT_V(M.msg, "ID - msg");
    EXPECT_INT(M.flags, F(MISSING_SD));
}

static void t_5424_msg_bytes(void)
{
    /* BOM in the middle and newlines are kept; leading BOM stripped */
    EXPECT_INT(parse("<13>1 - h a - - - line1\nline2 \xEF\xBB\xBF mid"), WD_OK);
    EXPECT_V(M.msg, "line1\nline2 \xEF\xBB\xBF mid");
    EXPECT_INT(M.flags, 0);
    /* msg of only a BOM */
    EXPECT_INT(parse("<13>1 - h a - - - \xEF\xBB\xBF"), WD_OK);
    EXPECT_V(M.msg, "");
    EXPECT_INT(M.flags, F(BOM));
    /* msg keeps leading spaces after the separator */
    EXPECT_INT(parse("<13>1 - h a - -   x"), WD_OK);
    EXPECT_V(M.msg, "  x");
}

/* ---------------------------------------------------------------------------------------- */
/* RFC 3164 section 5.4 examples                                                             */

static void t_3164_rfc_example1(void)
{
    EXPECT_INT(parse("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on "
                     "/dev/pts/8"),
               WD_OK);
    EXPECT_INT(M.format, WD_SYSLOG_3164);
    EXPECT_INT(M.version, 0);
    EXPECT_INT(M.pri, 34);
    EXPECT_TS(0, 10, 11, 22, 14, 15, 0);
    EXPECT_ZONE(0, 0);
    EXPECT_V(M.hostname, "mymachine");
    EXPECT_V(M.appname, "su");
    EXPECT_V(M.procid, "");
    EXPECT_V(M.msg, "'su root' failed for lonvick on /dev/pts/8");
    EXPECT_INT(M.flags, 0);
}

static void t_3164_rfc_example2(void)
{
    EXPECT_INT(parse("<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!"), WD_OK);
    EXPECT_TS(0, 2, 5, 17, 32, 18, 0);
    EXPECT_V(M.hostname, "10.0.0.99");
    EXPECT_V(M.appname, "");
    EXPECT_V(M.msg, "Use the BFG!");
    EXPECT_INT(M.flags, 0);
}

static void t_3164_rfc_example3(void)
{
    EXPECT_INT(parse("<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time to make "
                     "the do-nuts.  %%  Ingredients: Mix=OK, Jelly=OK # Devices: Mixer=OK"),
               WD_OK);
    EXPECT_INT(M.facility, 20);
    EXPECT_INT(M.severity, 5);
    EXPECT_TS(1987, 8, 24, 5, 34, 0, 0);
    EXPECT_ZONE(0, 0);
    EXPECT_V(M.ts.zone_name, "CST");
    EXPECT_V(M.hostname, "mymachine");
    EXPECT_V(M.appname, "myproc");
    EXPECT_V(M.procid, "10");
    EXPECT_V(M.msg, "%% It's time to make the do-nuts.  %%  Ingredients: Mix=OK, Jelly=OK # "
                    "Devices: Mixer=OK");
    EXPECT_INT(M.flags, F(YEAR) | F(ZONE_IGNORED));
}

static void t_3164_rfc_example4(void)
{
    /* RFC 3164: "1990 Oct 22 ..." is not a valid TIMESTAMP, so all of it is CONTENT */
    EXPECT_INT(parse("<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 "
                     "sched[0]: That's All Folks!"),
               WD_OK);
    EXPECT_INT(M.pri, 0);
    EXPECT_NO_TS();
    EXPECT_V(M.hostname, "");
    EXPECT_V(M.appname, "");
    EXPECT_V(M.msg, "1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: "
                    "That's All Folks!");
    EXPECT_INT(M.flags, F(MISSING_TIME) | F(MISSING_HOST));
}

/* ---------------------------------------------------------------------------------------- */
/* RFC 3164 deviations                                                                       */

static void t_3164_missing_pri_esxi(void)
{
    EXPECT_INT(parse("2024-01-12T06:30:00.123Z esx01.example.com Hostd[2099]: "
                     "[Originator@6876 sub=Default] Accepted password"),
               WD_OK);
    EXPECT_INT(M.pri, -1);
    EXPECT_INT(M.facility, 1);
    EXPECT_INT(M.severity, 5);
    EXPECT_INT(M.format, WD_SYSLOG_3164);
    EXPECT_TS(2024, 1, 12, 6, 30, 0, 123000);
    EXPECT_ZONE(1, 0);
    EXPECT_V(M.hostname, "esx01.example.com");
    EXPECT_V(M.appname, "Hostd");
    EXPECT_V(M.procid, "2099");
    EXPECT_V(M.msg, "[Originator@6876 sub=Default] Accepted password");
    EXPECT_INT(M.flags, F(MISSING_PRI) | F(ISO_TIME));
}

static void t_3164_missing_pri_bsd(void)
{
    EXPECT_INT(parse("Jan 12 06:30:00 host sshd[1]: x"), WD_OK);
    EXPECT_INT(M.pri, -1);
    EXPECT_V(M.hostname, "host");
    EXPECT_V(M.appname, "sshd");
    EXPECT_INT(M.flags, F(MISSING_PRI));
    /* no PRI, no header at all */
    EXPECT_INT(parse("just some text"), WD_OK);
    EXPECT_V(M.msg, "just some text");
    EXPECT_INT(M.flags, F(MISSING_PRI) | F(MISSING_TIME) | F(MISSING_HOST));
}

static void t_3164_missing_hostname(void)
{
    EXPECT_INT(parse("<13>Oct 11 22:14:15 su: 'su root' failed"), WD_OK);
    EXPECT_V(M.hostname, "");
    EXPECT_V(M.appname, "su");
    EXPECT_V(M.msg, "'su root' failed");
    EXPECT_INT(M.flags, F(MISSING_HOST));
    EXPECT_INT(parse("<78>Oct 11 22:14:15 CRON[4242]: (root) CMD (run-parts)"), WD_OK);
    EXPECT_V(M.hostname, "");
    EXPECT_V(M.appname, "CRON");
    EXPECT_V(M.procid, "4242");
    EXPECT_V(M.msg, "(root) CMD (run-parts)");
    EXPECT_INT(M.flags, F(MISSING_HOST));
    /* path-like tag with pid */
    EXPECT_INT(parse("<78>Oct 11 22:14:15 /usr/sbin/cron[7]: x"), WD_OK);
    EXPECT_V(M.hostname, "");
    EXPECT_V(M.appname, "/usr/sbin/cron");
    EXPECT_V(M.procid, "7");
}

static void t_3164_rsyslog_forward_iso(void)
{
    EXPECT_INT(parse("<30>2024-01-12T06:30:00.123456+01:00 web1 nginx[77]: GET /#011200"), WD_OK);
    EXPECT_TS(2024, 1, 12, 6, 30, 0, 123456);
    EXPECT_ZONE(1, 3600);
    EXPECT_V(M.hostname, "web1");
    EXPECT_V(M.appname, "nginx");
    EXPECT_V(M.procid, "77");
    /* rsyslog's #011 control-character escape is kept as text */
    EXPECT_V(M.msg, "GET /#011200");
    EXPECT_INT(M.flags, F(ISO_TIME));
}

static void t_3164_iso_space_separator(void)
{
    EXPECT_INT(parse("<30>2024-01-12 06:30:00 host app: x"), WD_OK);
    EXPECT_TS(2024, 1, 12, 6, 30, 0, 0);
    EXPECT_ZONE(0, 0);
    EXPECT_V(M.hostname, "host");
    EXPECT_V(M.appname, "app");
    EXPECT_INT(M.flags, F(ISO_TIME));
}

static void t_3164_year_before_time(void)
{
    EXPECT_INT(parse("<13>Jan 12 2024 06:30:00 host app: x"), WD_OK);
    EXPECT_TS(2024, 1, 12, 6, 30, 0, 0);
    EXPECT_V(M.hostname, "host");
    EXPECT_V(M.appname, "app");
    EXPECT_V(M.msg, "x");
    EXPECT_INT(M.flags, F(YEAR));
}

static void t_3164_year_after_time(void)
{
    EXPECT_INT(parse("<13>Jan 12 06:30:00 2024 host app: x"), WD_OK);
    EXPECT_TS(2024, 1, 12, 6, 30, 0, 0);
    EXPECT_V(M.hostname, "host");
    EXPECT_INT(M.flags, F(YEAR));
    /* a 4-digit host name outside 1970..2200 is not a year */
    EXPECT_INT(parse("<13>Jan 12 06:30:00 4711 app: x"), WD_OK);
    EXPECT_INT(M.ts.year, 0);
    EXPECT_V(M.hostname, "4711");
}

static void t_3164_zone_names(void)
{
    EXPECT_INT(parse("<13>Jan 12 06:30:00 UTC host app: x"), WD_OK);
    EXPECT_ZONE(1, 0);
    EXPECT_V(M.hostname, "host");
    EXPECT_INT(M.flags, 0);
    EXPECT_INT(parse("<13>Jan 12 06:30:00 GMT host app: x"), WD_OK);
    EXPECT_ZONE(1, 0);
    EXPECT_INT(parse("<13>Jan 12 06:30:00 Z host app: x"), WD_OK);
    EXPECT_ZONE(1, 0);
    EXPECT_INT(parse("<13>Jan 12 06:30:00.123 CEST host app: x"), WD_OK);
    EXPECT_TS(0, 1, 12, 6, 30, 0, 123000);
    EXPECT_ZONE(0, 0);
    EXPECT_V(M.ts.zone_name, "CEST");
    EXPECT_V(M.hostname, "host");
    EXPECT_INT(M.flags, F(ZONE_IGNORED));
    /* an upper-case host name that is not a listed zone stays the host */
    EXPECT_INT(parse("<13>Jan 12 06:30:00 FW01 app: x"), WD_OK);
    EXPECT_ZONE(0, 0);
    EXPECT_V(M.ts.zone_name, "");
    EXPECT_V(M.hostname, "FW01");
    EXPECT_INT(parse("<13>Jan 12 06:30:00 GW app: x"), WD_OK);
    EXPECT_V(M.hostname, "GW");
}

static void t_3164_numeric_zones(void)
{
    EXPECT_INT(parse("<13>Jan 12 06:30:00 +01:00 host app: x"), WD_OK);
    EXPECT_ZONE(1, 3600);
    EXPECT_V(M.hostname, "host");
    EXPECT_INT(parse("<13>Jan 12 06:30:00 -0500 host app: x"), WD_OK);
    EXPECT_ZONE(1, -18000);
    EXPECT_INT(parse("<13>Jan 12 06:30:00 +05 host app: x"), WD_OK);
    EXPECT_ZONE(1, 18000);
    /* zone then year */
    EXPECT_INT(parse("<13>Jan 12 06:30:00 UTC 2024 host app: x"), WD_OK);
    EXPECT_ZONE(1, 0);
    EXPECT_INT(M.ts.year, 2024);
    EXPECT_V(M.hostname, "host");
}

static void t_3164_month_case_and_days(void)
{
    EXPECT_INT(parse("<13>AUG  7 06:30:00 host app: x"), WD_OK);
    EXPECT_TS(0, 8, 7, 6, 30, 0, 0);
    EXPECT_INT(parse("<13>aUg 7 06:30:00 host app: x"), WD_OK);
    EXPECT_TS(0, 8, 7, 6, 30, 0, 0);
    EXPECT_V(M.hostname, "host");
    EXPECT_INT(parse("<13>Aug 07 06:30:00 host app: x"), WD_OK);
    EXPECT_TS(0, 8, 7, 6, 30, 0, 0);
    EXPECT_INT(parse("<13>Dec 31 23:59:59 host app: x"), WD_OK);
    EXPECT_TS(0, 12, 31, 23, 59, 59, 0);
    /* Feb 29 without a year is allowed; with a non-leap year it is not a timestamp */
    EXPECT_INT(parse("<13>Feb 29 00:00:00 host app: x"), WD_OK);
    EXPECT_TS(0, 2, 29, 0, 0, 0, 0);
    EXPECT_INT(parse("<13>Feb 29 2023 00:00:00 host app: x"), WD_OK);
    EXPECT_NO_TS();
    EXPECT_V(M.msg, "Feb 29 2023 00:00:00 host app: x");
}

static void t_3164_invalid_dates(void)
{
    static const char *const bad[] = {
        "<13>Jan 32 06:30:00 host app: x", "<13>Jan 0 06:30:00 host app: x",
        "<13>Feb 30 06:30:00 host app: x", "<13>Jan 12 24:00:00 host app: x",
        "<13>Jan 12 06:60:00 host app: x", "<13>Foo 12 06:30:00 host app: x",
        "<13>Jan 12 6:30:00 host app: x",  "<13>Jan 12 06:30:00host app: x",
    };
    for (size_t k = 0; k < WD_ARRAY_LEN(bad); k++) {
        EXPECT_INT(parse(bad[k]), WD_OK);
        EXPECT_INT(M.ts.has_time, 0);
        EXPECT_INT(M.flags & F(MISSING_TIME), F(MISSING_TIME));
        EXPECT_V(M.hostname, "");
        EXPECT_V(M.msg, bad[k] + 4);
    }
}

static void t_3164_epoch(void)
{
    EXPECT_INT(parse("<13>1705041000 host app: x"), WD_OK);
    EXPECT_TS(2024, 1, 12, 6, 30, 0, 0);
    EXPECT_ZONE(1, 0);
    EXPECT_V(M.hostname, "host");
    EXPECT_INT(M.flags, F(EPOCH_TIME));
    EXPECT_INT(parse("<13>1705041000.25 host app: x"), WD_OK);
    EXPECT_TS(2024, 1, 12, 6, 30, 0, 250000);
    /* 2000-03-01 (leap-year arithmetic) */
    EXPECT_INT(parse("<13>1709251199 h a: x"), WD_OK);
    EXPECT_TS(2024, 2, 29, 23, 59, 59, 0);
    /* 11 digits: not an epoch */
    EXPECT_INT(parse("<13>17050410001 host app: x"), WD_OK);
    EXPECT_NO_TS();
}

static void t_cisco_full_prefix(void)
{
    EXPECT_INT(parse("<189>237: 000485: router1: *Jan  8 19:46:03.295: %LINEPROTO-5-UPDOWN: "
                     "Line protocol on Interface GigabitEthernet0/1, changed state to up"),
               WD_OK);
    EXPECT_INT(M.pri, 189);
    EXPECT_INT(M.facility, 23);
    EXPECT_INT(M.severity, 5);
    EXPECT_V(M.cisco_counter, "237");
    EXPECT_V(M.cisco_seq, "000485");
    EXPECT_V(M.hostname, "router1");
    EXPECT_TS(0, 1, 8, 19, 46, 3, 295000);
    EXPECT_V(M.msgid, "LINEPROTO-5-UPDOWN");
    EXPECT_V(M.appname, "");
    EXPECT_V(M.msg, "%LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/1, "
                    "changed state to up");
    EXPECT_INT(M.flags, F(CISCO) | F(CISCO_UNSYNC));
}

static void t_cisco_counter_only(void)
{
    EXPECT_INT(parse("<189>237: *Mar  1 00:01:02.003: %SYS-5-CONFIG_I: Configured from console"),
               WD_OK);
    EXPECT_V(M.cisco_counter, "237");
    EXPECT_V(M.cisco_seq, "");
    EXPECT_V(M.hostname, "");
    EXPECT_TS(0, 3, 1, 0, 1, 2, 3000);
    EXPECT_V(M.msgid, "SYS-5-CONFIG_I");
    EXPECT_INT(M.flags, F(CISCO) | F(CISCO_UNSYNC) | F(MISSING_HOST));
    /* counter, no timestamp at all */
    EXPECT_INT(parse("<187>12: %LINK-3-UPDOWN: Interface Gi0/2, changed state to down"), WD_OK);
    EXPECT_V(M.cisco_counter, "12");
    EXPECT_NO_TS();
    EXPECT_V(M.msgid, "LINK-3-UPDOWN");
    EXPECT_V(M.msg, "%LINK-3-UPDOWN: Interface Gi0/2, changed state to down");
    EXPECT_INT(M.flags, F(CISCO) | F(MISSING_TIME) | F(MISSING_HOST));
}

static void t_cisco_no_counter(void)
{
    EXPECT_INT(parse("<189>Jan  8 19:46:03.295: %SYS-5-CONFIG_I: Configured"), WD_OK);
    EXPECT_TS(0, 1, 8, 19, 46, 3, 295000);
    EXPECT_V(M.cisco_counter, "");
    EXPECT_V(M.msgid, "SYS-5-CONFIG_I");
    EXPECT_V(M.msg, "%SYS-5-CONFIG_I: Configured");
    EXPECT_INT(M.flags, F(CISCO) | F(MISSING_HOST));
    /* synced clock: no marker */
    EXPECT_INT(parse("<189>5: Jan  8 19:46:03.295 UTC: %SYS-5-CONFIG_I: x"), WD_OK);
    EXPECT_ZONE(1, 0);
    EXPECT_INT(M.flags, F(CISCO) | F(MISSING_HOST));
}

static void t_cisco_dot_marker_year_zone(void)
{
    EXPECT_INT(parse("<189>12: 000013: .Jan  8 2024 19:46:03.295 CET: %SEC-6-IPACCESSLOGP: "
                     "list 101 denied"),
               WD_OK);
    EXPECT_V(M.cisco_counter, "12");
    EXPECT_V(M.cisco_seq, "000013");
    EXPECT_TS(2024, 1, 8, 19, 46, 3, 295000);
    EXPECT_V(M.ts.zone_name, "CET");
    EXPECT_V(M.msgid, "SEC-6-IPACCESSLOGP");
    EXPECT_INT(M.flags, F(CISCO) | F(CISCO_UNSYNC) | F(YEAR) | F(ZONE_IGNORED) | F(MISSING_HOST));
}

static void t_cisco_behind_relay_header(void)
{
    /* a relay added its own header: the outer timestamp and host are kept */
    EXPECT_INT(parse("<189>Jan  8 19:46:05 10.1.1.1 237: *Jan  8 19:46:03.295: "
                     "%SYS-5-CONFIG_I: Configured"),
               WD_OK);
    EXPECT_TS(0, 1, 8, 19, 46, 5, 0);
    EXPECT_V(M.hostname, "10.1.1.1");
    EXPECT_V(M.cisco_counter, "237");
    EXPECT_V(M.msgid, "SYS-5-CONFIG_I");
    EXPECT_V(M.msg, "%SYS-5-CONFIG_I: Configured");
    EXPECT_INT(M.flags, F(CISCO) | F(CISCO_UNSYNC));
}

static void t_cisco_asa(void)
{
    EXPECT_INT(parse("<166>Jan 12 2024 06:30:00: %ASA-6-302013: Built outbound TCP connection"),
               WD_OK);
    EXPECT_TS(2024, 1, 12, 6, 30, 0, 0);
    EXPECT_V(M.msgid, "ASA-6-302013");
    EXPECT_V(M.msg, "%ASA-6-302013: Built outbound TCP connection");
    EXPECT_INT(M.flags, F(CISCO) | F(YEAR) | F(MISSING_HOST));
    /* ASA with a host name: the mnemonic is not taken as TAG */
    EXPECT_INT(parse("<166>Jan 12 2024 06:30:00 fw01 %ASA-6-302013: Built"), WD_OK);
    EXPECT_V(M.hostname, "fw01");
    EXPECT_V(M.appname, "");
    EXPECT_V(M.msgid, "ASA-6-302013");
    EXPECT_V(M.msg, "%ASA-6-302013: Built");
    EXPECT_INT(M.flags, F(CISCO) | F(YEAR));
}

static void t_cisco_false_positives(void)
{
    /* a '*' banner is not a marker */
    EXPECT_INT(parse("<13>*** system going down ***"), WD_OK);
    EXPECT_V(M.msg, "*** system going down ***");
    EXPECT_INT(M.flags, F(MISSING_TIME) | F(MISSING_HOST));
    /* "word: text" with no timestamp is a TAG, not an origin host */
    EXPECT_INT(parse("<13>kernel: eth0 up"), WD_OK);
    EXPECT_V(M.appname, "kernel");
    EXPECT_V(M.msg, "eth0 up");
    EXPECT_V(M.hostname, "");
    EXPECT_INT(M.flags, F(MISSING_TIME) | F(MISSING_HOST));
    /* '%' text that is not a mnemonic */
    EXPECT_INT(parse("<13>Jan 12 06:30:00 host %100 done"), WD_OK);
    EXPECT_V(M.msgid, "");
    EXPECT_V(M.msg, "%100 done");
    EXPECT_INT(M.flags, 0);
}

static void t_3164_cee_json(void)
{
    EXPECT_INT(parse("<13>Jan 12 06:30:00 host app[5]: @cee: {\"msg\":\"hi\",\"n\":1}"), WD_OK);
    EXPECT_V(M.appname, "app");
    EXPECT_V(M.procid, "5");
    EXPECT_V(M.msg, "@cee: {\"msg\":\"hi\",\"n\":1}");
    /* without a tag "@cee:" must not become the tag */
    EXPECT_INT(parse("<13>Jan 12 06:30:00 host @cee: {\"a\":1}"), WD_OK);
    EXPECT_V(M.hostname, "host");
    EXPECT_V(M.appname, "");
    EXPECT_V(M.msg, "@cee: {\"a\":1}");
    EXPECT_INT(M.flags, 0);
}

static void t_3164_payload_kinds(void)
{
    /* CEF after the header: "CEF:0|" is not a TAG */
    EXPECT_INT(parse("<134>Jan 12 06:30:00 host CEF:0|Vendor|Prod|1.0|100|name|5|src=1.2.3.4"),
               WD_OK);
    EXPECT_V(M.hostname, "host");
    EXPECT_V(M.appname, "");
    EXPECT_V(M.msg, "CEF:0|Vendor|Prod|1.0|100|name|5|src=1.2.3.4");
    /* Fortinet key=value without a header */
    EXPECT_INT(parse("<189>date=2024-01-12 time=06:30:00 devname=\"FG100\" type=\"traffic\""),
               WD_OK);
    EXPECT_NO_TS();
    EXPECT_V(M.msg, "date=2024-01-12 time=06:30:00 devname=\"FG100\" type=\"traffic\"");
    EXPECT_INT(M.flags, F(MISSING_TIME) | F(MISSING_HOST));
    /* Snare / MSWinEventLog tab-separated payload kept */
    EXPECT_INT(parse("<14>Jan 12 06:30:00 dc01 MSWinEventLog\t1\tSecurity\t42\tx"), WD_OK);
    EXPECT_V(M.hostname, "dc01");
    EXPECT_V(M.appname, "");
    EXPECT_V(M.msg, "MSWinEventLog\t1\tSecurity\t42\tx");
    /* URL at the start of content is not a TAG */
    EXPECT_INT(parse("<14>Jan 12 06:30:00 h http://x/y z"), WD_OK);
    EXPECT_V(M.appname, "");
    EXPECT_V(M.msg, "http://x/y z");
}

static void t_3164_tag_shapes(void)
{
    /* NAME[PID] without colon */
    EXPECT_INT(parse("<13>Jan 12 06:30:00 host app[12] started"), WD_OK);
    EXPECT_V(M.appname, "app");
    EXPECT_V(M.procid, "12");
    EXPECT_V(M.msg, "started");
    /* tag at the very end */
    EXPECT_INT(parse("<13>Jan 12 06:30:00 host app:"), WD_OK);
    EXPECT_V(M.appname, "app");
    EXPECT_V(M.msg, "");
    /* NAME[PID]: glued to the text */
    EXPECT_INT(parse("<13>Jan 12 06:30:00 host app[12]:started"), WD_OK);
    EXPECT_V(M.appname, "app");
    EXPECT_V(M.procid, "12");
    EXPECT_V(M.msg, "started");
    /* NAME: glued to the text is not a tag (URLs, CEF:0|...) */
    EXPECT_INT(parse("<13>Jan 12 06:30:00 host app:started"), WD_OK);
    EXPECT_V(M.appname, "");
    EXPECT_V(M.msg, "app:started");
    /* unclosed PID: not a tag */
    EXPECT_INT(parse("<13>Jan 12 06:30:00 host app[12 x"), WD_OK);
    EXPECT_V(M.appname, "");
    EXPECT_V(M.msg, "app[12 x");
    /* word without colon is text */
    EXPECT_INT(parse("<13>Jan 12 06:30:00 host this is text"), WD_OK);
    EXPECT_V(M.hostname, "host");
    EXPECT_V(M.appname, "");
    EXPECT_V(M.msg, "this is text");
    /* only one SP after the colon is eaten */
    EXPECT_INT(parse("<13>Jan 12 06:30:00 host app:   x"), WD_OK);
    EXPECT_V(M.msg, "  x");
    /* a long tag (over RFC 3164's 32) is still a tag */
    EXPECT_INT(parse("<13>Jan 12 06:30:00 host a_very_long_program_name_over_32_chars: x"), WD_OK);
    EXPECT_V(M.appname, "a_very_long_program_name_over_32_chars");
}

static void t_3164_host_shapes(void)
{
    EXPECT_INT(parse("<13>Jan 12 06:30:00 2001:db8::1 app: x"), WD_OK);
    EXPECT_V(M.hostname, "2001:db8::1");
    EXPECT_V(M.appname, "app");
    /* IPv6 ending in ':' is still a host (two or more colons) */
    EXPECT_INT(parse("<13>Jan 12 06:30:00 fe80:: app: x"), WD_OK);
    EXPECT_V(M.hostname, "fe80::");
    EXPECT_INT(parse("<13>Jan 12 06:30:00 [::1] app: x"), WD_OK);
    EXPECT_V(M.hostname, "[::1]");
    /* Latin-1 host name */
    EXPECT_INT(parse("<13>Jan 12 06:30:00 h\xf6st app: x"), WD_OK);
    EXPECT_V(M.hostname, "h\xf6st");
    /* "-" placeholder: consumed, no host */
    EXPECT_INT(parse("<13>Jan 12 06:30:00 - app: x"), WD_OK);
    EXPECT_V(M.hostname, "");
    EXPECT_V(M.appname, "app");
    EXPECT_INT(M.flags, F(MISSING_HOST));
    /* a token with bytes a host name cannot have is content */
    EXPECT_INT(parse("<13>Jan 12 06:30:00 (root) CMD"), WD_OK);
    EXPECT_V(M.hostname, "");
    EXPECT_V(M.msg, "(root) CMD");
    /* extra spaces after the timestamp */
    EXPECT_INT(parse("<13>Jan 12 06:30:00   host app: x"), WD_OK);
    EXPECT_V(M.hostname, "host");
}

static void t_3164_lone_token_and_empty_body(void)
{
    /* a single last token is kept as msg, not as a host */
    EXPECT_INT(parse("<13>Jan 12 06:30:00 hello"), WD_OK);
    EXPECT_V(M.hostname, "");
    EXPECT_V(M.msg, "hello");
    EXPECT_INT(M.flags, F(MISSING_HOST));
    /* timestamp only */
    EXPECT_INT(parse("<13>Jan 12 06:30:00"), WD_OK);
    EXPECT_TS(0, 1, 12, 6, 30, 0, 0);
    EXPECT_V(M.msg, "");
    EXPECT_INT(M.flags, F(MISSING_HOST));
    /* host and MARK */
    EXPECT_INT(parse("<46>Jan 12 06:30:00 host -- MARK --"), WD_OK);
    EXPECT_V(M.hostname, "host");
    EXPECT_V(M.msg, "-- MARK --");
}

static void t_3164_no_timestamp_tag(void)
{
    EXPECT_INT(parse("<13>sshd[99]: Accepted publickey"), WD_OK);
    EXPECT_NO_TS();
    EXPECT_V(M.hostname, "");
    EXPECT_V(M.appname, "sshd");
    EXPECT_V(M.procid, "99");
    EXPECT_V(M.msg, "Accepted publickey");
    EXPECT_INT(M.flags, F(MISSING_TIME) | F(MISSING_HOST));
}

static void t_trailers_and_bom(void)
{
    EXPECT_INT(PARSE_N("<13>Jan 12 06:30:00 host app: x\n"), WD_OK);
    EXPECT_V(M.msg, "x");
    EXPECT_INT(M.flags, F(TRAILER));
    EXPECT_INT(PARSE_N("<13>Jan 12 06:30:00 host app: x\r\n\0\0"), WD_OK);
    EXPECT_V(M.msg, "x");
    EXPECT_INT(M.flags, F(TRAILER));
    EXPECT_INT(PARSE_N("<13>1 - h a - - - x\0"), WD_OK);
    EXPECT_V(M.msg, "x");
    EXPECT_INT(M.flags, F(TRAILER));
    /* a NUL inside the message is data */
    EXPECT_INT(PARSE_N("<13>1 - h a - - - x\0y"), WD_OK);
    FAIL_UNLESS(M.msg.len == 3 && memcmp(M.msg.p, "x\0y", 3) == 0);
    /* a BOM before the PRI (file replay) */
    EXPECT_INT(parse("\xEF\xBB\xBF<13>Jan 12 06:30:00 host app: x"), WD_OK);
    EXPECT_INT(M.pri, 13);
    EXPECT_V(M.hostname, "host");
    EXPECT_INT(M.flags, F(BOM));
    /* a BOM at the start of 3164 content */
    EXPECT_INT(parse("<13>Jan 12 06:30:00 host app: \xEF\xBB\xBFhi"), WD_OK);
    EXPECT_V(M.msg, "hi");
    EXPECT_INT(M.flags, F(BOM));
}

static void t_pri_values(void)
{
    EXPECT_INT(parse("<0>Jan 12 06:30:00 h a: x"), WD_OK);
    EXPECT_INT(M.pri, 0);
    EXPECT_INT(M.facility, 0);
    EXPECT_INT(M.severity, 0);
    EXPECT_INT(parse("<191>Jan 12 06:30:00 h a: x"), WD_OK);
    EXPECT_INT(M.pri, 191);
    EXPECT_INT(M.facility, 23);
    EXPECT_INT(M.severity, 7);
    /* leading zeros: accepted, flagged */
    EXPECT_INT(parse("<013>Jan 12 06:30:00 h a: x"), WD_OK);
    EXPECT_INT(M.pri, 13);
    EXPECT_V(M.hostname, "h");
    EXPECT_INT(M.flags, F(PRI_ZEROS));
    EXPECT_INT(parse("<00>x"), WD_OK);
    EXPECT_INT(M.pri, 0);
    EXPECT_INT(M.flags & F(PRI_ZEROS), F(PRI_ZEROS));
}

static void t_pri_invalid(void)
{
    static const char *const bad[] = {
        "<192>Jan 12 06:30:00 host app: x",
        "<999>1 - h a - - - x",
        "<1234>x",
        "<>x",
        "<abc>x",
        "<13 Jan 12 06:30:00 h a: x",
        "<-1>x",
        "<",
        "<13",
    };
    for (size_t k = 0; k < WD_ARRAY_LEN(bad); k++) {
        EXPECT_INT(parse(bad[k]), WD_OK);
        EXPECT_INT(M.pri, -1);
        EXPECT_INT(M.facility, 1);
        EXPECT_INT(M.severity, 5);
        EXPECT_INT(M.format, WD_SYSLOG_3164);
        EXPECT_INT(M.ts.has_time, 0);
        EXPECT_V(M.hostname, "");
        EXPECT_V(M.msg, bad[k]);
        EXPECT_INT(M.flags, F(BAD_PRI) | F(MISSING_PRI) | F(MISSING_TIME) | F(MISSING_HOST));
    }
}

static void t_pri_only(void)
{
    EXPECT_INT(parse("<13>"), WD_OK);
    EXPECT_INT(M.pri, 13);
    EXPECT_V(M.msg, "");
    EXPECT_INT(M.flags, F(MISSING_TIME) | F(MISSING_HOST));
}

static void t_errors(void)
{
    EXPECT_INT(parse(""), WD_EPARSE);
    EXPECT_INT(E.code, WD_EPARSE);
    EXPECT_INT(E.off, 0);
    FAIL_UNLESS(E.msg != NULL);
    EXPECT_INT(PARSE_N("\n\r\0\n"), WD_EPARSE);
    EXPECT_INT(E.off, 0);
    EXPECT_INT(PARSE_N("\xEF\xBB\xBF\n"), WD_EPARSE);
    EXPECT_INT(wd_syslog_parse(NULL, 0, &M, &E), WD_EPARSE);
    EXPECT_INT(wd_syslog_parse(NULL, 3, &M, &E), WD_EINVAL);
    EXPECT_INT(wd_syslog_parse("<13>x", 5, NULL, &E), WD_EINVAL);
    EXPECT_INT(E.code, WD_EINVAL);
    /* err may be NULL */
    EXPECT_INT(wd_syslog_parse("<13>x", 5, &M, NULL), WD_OK);
    EXPECT_INT(wd_syslog_parse("", 0, &M, NULL), WD_EPARSE);
    /* success resets err */
    EXPECT_INT(parse("<13>x"), WD_OK);
    EXPECT_INT(E.code, WD_OK);
}

static void t_names(void)
{
    static const char *const fac[] = {
        "kern",   "user",   "mail",     "daemon", "auth",   "syslog",   "lpr",     "news",
        "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "security", "console", "solaris-cron",
        "local0", "local1", "local2",   "local3", "local4", "local5",   "local6",  "local7",
    };
    static const char *const sev[] = {"emerg",   "alert",  "crit", "err",
                                      "warning", "notice", "info", "debug"};
    for (int k = 0; k < 24; k++)
        EXPECT_STR(wd_syslog_facility_name(k), fac[k]);
    for (int k = 0; k < 8; k++)
        EXPECT_STR(wd_syslog_severity_name(k), sev[k]);
    FAIL_UNLESS(wd_syslog_facility_name(-1) == NULL);
    FAIL_UNLESS(wd_syslog_facility_name(24) == NULL);
    FAIL_UNLESS(wd_syslog_severity_name(8) == NULL);
    FAIL_UNLESS(wd_syslog_severity_name(-1) == NULL);
}

static void t_views_point_into_input(void)
{
    static const char in[] = "<165>1 2003-10-11T22:14:15.003Z host app 1 ID [a b=\"c\"] msg";
    EXPECT_INT(wd_syslog_parse(in, sizeof(in) - 1, &M, &E), WD_OK);
    FAIL_UNLESS(M.hostname.p == in + 32);
    FAIL_UNLESS(M.appname.p == in + 37);
    FAIL_UNLESS(M.sd.p == in + 46);
    FAIL_UNLESS(M.msg.p == in + 56);
    FAIL_UNLESS(M.msg.p + M.msg.len == in + sizeof(in) - 1);
}

/* ---------------------------------------------------------------------------------------- */
/* Structured-data iterator and unescape                                                     */

static void t_sd_iter_errors(void)
{
    struct wd_syslog_sd_iter it;
    struct wd_str id, name, val;
    wd_syslog_sd_iter_init(&it, WD_STR("[a x=\"1\"][b y=\"2"));
    EXPECT_INT(wd_syslog_sd_next(&it, &id, &name, &val), WD_OK);
    EXPECT_V(id, "a");
    EXPECT_INT(wd_syslog_sd_next(&it, &id, &name, &val), WD_EPARSE);
    EXPECT_INT(it.err_off, 16);
    /* sticky */
    EXPECT_INT(wd_syslog_sd_next(&it, &id, &name, &val), WD_EPARSE);

    wd_syslog_sd_iter_init(&it, WD_STR("[a x=1]"));
    EXPECT_INT(wd_syslog_sd_next(&it, &id, &name, &val), WD_EPARSE);
    EXPECT_INT(it.err_off, 4);

    wd_syslog_sd_iter_init(&it, WD_STR("[a"));
    EXPECT_INT(wd_syslog_sd_next(&it, &id, &name, &val), WD_EPARSE);
    EXPECT_INT(it.err_off, 2);

    /* a trailing backslash escapes the closing quote: unterminated */
    wd_syslog_sd_iter_init(&it, WD_STR("[a x=\"C:\\\"]"));
    EXPECT_INT(wd_syslog_sd_next(&it, &id, &name, &val), WD_EPARSE);

    /* stops at a byte that does not start an element */
    wd_syslog_sd_iter_init(&it, WD_STR("[a] rest"));
    EXPECT_INT(wd_syslog_sd_next(&it, &id, &name, &val), WD_OK);
    EXPECT_INT(wd_syslog_sd_next(&it, &id, &name, &val), WD_ENOENT);
    EXPECT_INT(it.pos, 3);

    /* empty and NULL SD */
    wd_syslog_sd_iter_init(&it, (struct wd_str){NULL, 0});
    EXPECT_INT(wd_syslog_sd_next(&it, &id, &name, &val), WD_ENOENT);
    wd_syslog_sd_iter_init(&it, WD_STR(""));
    EXPECT_INT(wd_syslog_sd_next(&it, &id, &name, &val), WD_ENOENT);
}

static void t_sd_unescape(void)
{
    char out[32];
    size_t n;
    n = wd_syslog_sd_unescape(WD_STR("plain"), out);
    FAIL_UNLESS(n == 5 && memcmp(out, "plain", 5) == 0);
    n = wd_syslog_sd_unescape(WD_STR("a\\\"b"), out);
    FAIL_UNLESS(n == 3 && memcmp(out, "a\"b", 3) == 0);
    n = wd_syslog_sd_unescape(WD_STR("\\\\\\]"), out);
    FAIL_UNLESS(n == 2 && memcmp(out, "\\]", 2) == 0);
    /* other backslashes are kept literally */
    n = wd_syslog_sd_unescape(WD_STR("C:\\temp\\n"), out);
    FAIL_UNLESS(n == 9 && memcmp(out, "C:\\temp\\n", 9) == 0);
    /* a lone trailing backslash is kept */
    n = wd_syslog_sd_unescape(WD_STR("x\\"), out);
    FAIL_UNLESS(n == 2 && memcmp(out, "x\\", 2) == 0);
    /* "\\\\\"" = escaped backslash then escaped quote */
    n = wd_syslog_sd_unescape(WD_STR("\\\\\\\""), out);
    FAIL_UNLESS(n == 2 && memcmp(out, "\\\"", 2) == 0);
    n = wd_syslog_sd_unescape(WD_STR(""), out);
    EXPECT_INT(n, 0);
}

/* ---------------------------------------------------------------------------------------- */
/* Framing                                                                                   */

struct fr {
    struct wd_str msg;
    size_t used;
    struct wd_perr err;
    int rc;
};

static struct fr frame(const char *buf, size_t len, size_t max)
{
    struct fr r;
    r.err.code = 99;
    r.rc = wd_syslog_frame_next(buf, len, max, &r.msg, &r.used, &r.err);
    return r;
}

#define FRAME_LIT(lit, max) frame((lit), sizeof(lit) - 1, (max))

static void t_frame_octet_single(void)
{
    struct fr r = FRAME_LIT("11 <13>1 - - -", 100);
    EXPECT_INT(r.rc, WD_OK);
    EXPECT_V(r.msg, "<13>1 - - -");
    EXPECT_INT(r.used, 14);
    EXPECT_INT(r.err.code, WD_OK);
}

static void t_frame_octet_multiline(void)
{
    /* octet counting carries embedded LF */
    struct fr r = FRAME_LIT("12 <13>a\nb\nc\nd!13 x", 100);
    EXPECT_INT(r.rc, WD_OK);
    EXPECT_V(r.msg, "<13>a\nb\nc\nd!");
    EXPECT_INT(r.used, 15);
}

static void t_frame_octet_stray_lf(void)
{
    static const char s[] = "5 <13>a\n6 <13>bc\r\n\n7 <13>def";
    size_t off = 0;
    struct fr r = frame(s, sizeof(s) - 1, 64);
    EXPECT_INT(r.rc, WD_OK);
    EXPECT_V(r.msg, "<13>a");
    EXPECT_INT(r.used, 7);
    off += r.used;
    r = frame(s + off, sizeof(s) - 1 - off, 64);
    EXPECT_INT(r.rc, WD_OK);
    EXPECT_V(r.msg, "<13>bc");
    EXPECT_INT(r.used, 9); /* stray LF skipped, then "6 <13>bc" */
    off += r.used;
    r = frame(s + off, sizeof(s) - 1 - off, 64);
    EXPECT_INT(r.rc, WD_OK);
    EXPECT_V(r.msg, "<13>def");
    EXPECT_INT(r.used, 12);
    off += r.used;
    EXPECT_INT(off, sizeof(s) - 1);
    r = frame(s + off, 0, 64);
    EXPECT_INT(r.rc, WD_EAGAIN);
    EXPECT_INT(r.used, 0);
}

static void t_frame_octet_split_reads(void)
{
    static const char s[] = "23 <13>Jan 12 06:30:00 h x";
    /* every prefix is EAGAIN with nothing consumed; the full frame is OK */
    for (size_t n = 0; n < sizeof(s) - 1; n++) {
        struct fr r = frame(s, n, 100);
        EXPECT_INT(r.rc, WD_EAGAIN);
        EXPECT_INT(r.used, 0);
    }
    struct fr r = frame(s, sizeof(s) - 1, 100);
    EXPECT_INT(r.rc, WD_OK);
    EXPECT_V(r.msg, "<13>Jan 12 06:30:00 h x");
    EXPECT_INT(r.used, sizeof(s) - 1);
}

static void t_frame_lf_terminators(void)
{
    static const char s[] = "<13>a\n<13>b\r\n<13>c\0<13>d\r\0<13>e";
    size_t off = 0;
    static const char *const want[] = {"<13>a", "<13>b", "<13>c", "<13>d"};
    static const size_t used[] = {6, 7, 6, 7};
    for (int k = 0; k < 4; k++) {
        struct fr r = frame(s + off, sizeof(s) - 1 - off, 64);
        EXPECT_INT(r.rc, WD_OK);
        EXPECT_V(r.msg, want[k]);
        EXPECT_INT(r.used, used[k]);
        off += r.used;
    }
    /* no terminator yet */
    struct fr r = frame(s + off, sizeof(s) - 1 - off, 64);
    EXPECT_INT(r.rc, WD_EAGAIN);
    EXPECT_INT(r.used, 0);
}

static void t_frame_empty_lines(void)
{
    struct fr r = FRAME_LIT("\n\r\n\n<13>x\n", 64);
    EXPECT_INT(r.rc, WD_OK);
    EXPECT_V(r.msg, "<13>x");
    EXPECT_INT(r.used, 10);
    /* only separators: EAGAIN, and they may be dropped */
    r = FRAME_LIT("\n\n\0", 64);
    EXPECT_INT(r.rc, WD_EAGAIN);
    EXPECT_INT(r.used, 3);
    /* separators then a partial line: EAGAIN, separators droppable */
    r = FRAME_LIT("\n\n<13>par", 64);
    EXPECT_INT(r.rc, WD_EAGAIN);
    EXPECT_INT(r.used, 2);
    /* a CR-only line is treated as an empty line */
    r = FRAME_LIT("\r\r\n<13>y\n", 64);
    EXPECT_INT(r.rc, WD_OK);
    EXPECT_V(r.msg, "<13>y");
}

static void t_frame_digits_not_count(void)
{
    /* a PRI-less ESXi line starts with a digit but is not octet-counted */
    struct fr r = FRAME_LIT("2024-01-12T06:30:00Z esx Hostd: x\n12 <13>abcdefgh", 100);
    EXPECT_INT(r.rc, WD_OK);
    EXPECT_V(r.msg, "2024-01-12T06:30:00Z esx Hostd: x");
    EXPECT_INT(r.used, 34);
    /* digits only so far: wait */
    r = FRAME_LIT("2024", 100);
    EXPECT_INT(r.rc, WD_EAGAIN);
    EXPECT_INT(r.used, 0);
    /* a line of more than 20 digits is a line */
    r = FRAME_LIT("123456789012345678901234\n", 100);
    EXPECT_INT(r.rc, WD_OK);
    EXPECT_V(r.msg, "123456789012345678901234");
}

static void t_frame_mixed_stream(void)
{
    static const char s[] = "<13>lf one\n9 <13>octet<13>lf two\r\n3 abc";
    static const char *const want[] = {"<13>lf one", "<13>octet", "<13>lf two", "abc"};
    size_t off = 0;
    for (int k = 0; k < 4; k++) {
        struct fr r = frame(s + off, sizeof(s) - 1 - off, 64);
        EXPECT_INT(r.rc, WD_OK);
        EXPECT_V(r.msg, want[k]);
        off += r.used;
    }
    EXPECT_INT(off, sizeof(s) - 1);
}

static void t_frame_bad_count(void)
{
    struct fr r = FRAME_LIT("x\n012 abc", 64);
    EXPECT_INT(r.rc, WD_OK);
    r = FRAME_LIT("012 abcdefghijklmnop", 64);
    EXPECT_INT(r.rc, WD_EPARSE);
    EXPECT_INT(r.err.code, WD_EPARSE);
    EXPECT_INT(r.err.off, 0);
    EXPECT_INT(r.used, 4);
    FAIL_UNLESS(r.err.msg != NULL);
    /* offset counts skipped separators */
    r = FRAME_LIT("\n\n0 ", 64);
    EXPECT_INT(r.rc, WD_EPARSE);
    EXPECT_INT(r.err.off, 2);
    EXPECT_INT(r.used, 4);
    /* 11 digits */
    r = FRAME_LIT("12345678901 x", 64);
    EXPECT_INT(r.rc, WD_EPARSE);
    EXPECT_INT(r.err.off, 0);
    EXPECT_INT(r.used, 12);
}

static void t_frame_exact_limit(void)
{
    struct fr r = FRAME_LIT("abcde\n", 5);
    EXPECT_INT(r.rc, WD_OK);
    EXPECT_V(r.msg, "abcde");
    r = FRAME_LIT("abcde\r\n", 5);
    EXPECT_INT(r.rc, WD_OK);
    EXPECT_V(r.msg, "abcde");
    EXPECT_INT(r.used, 7);
    /* 5 bytes + CR without LF yet: could still be a legal line */
    r = FRAME_LIT("abcde\r", 5);
    EXPECT_INT(r.rc, WD_EAGAIN);
    r = FRAME_LIT("5 abcde", 5);
    EXPECT_INT(r.rc, WD_OK);
    EXPECT_V(r.msg, "abcde");
}

static void t_frame_long_line_terminated(void)
{
    struct fr r = FRAME_LIT("abcdefghij\n<13>next\n", 4);
    EXPECT_INT(r.rc, WD_ELIMIT);
    EXPECT_INT(r.err.code, WD_ELIMIT);
    EXPECT_INT(r.err.off, 0);
    EXPECT_V(r.msg, "abcd");
    EXPECT_INT(r.used, 11);
    r = frame(&"abcdefghij\n<13>next\n"[11], 9, 16);
    EXPECT_INT(r.rc, WD_OK);
    EXPECT_V(r.msg, "<13>next");
    /* one byte over with CRLF */
    r = FRAME_LIT("abcdef\r\nz", 5);
    EXPECT_INT(r.rc, WD_ELIMIT);
    EXPECT_V(r.msg, "abcde");
    EXPECT_INT(r.used, 8);
}

static void t_frame_long_line_unterminated(void)
{
    /* the stateless call says: truncated, everything consumed, line continues */
    struct fr r = FRAME_LIT("abcdefghij", 4);
    EXPECT_INT(r.rc, WD_ELIMIT);
    EXPECT_V(r.msg, "abcd");
    EXPECT_INT(r.used, 10);
    /* 5 bytes with max 4 and no terminator: could be "abcd\r" + LF pending */
    r = FRAME_LIT("abcd\r", 4);
    EXPECT_INT(r.rc, WD_EAGAIN);
    r = FRAME_LIT("abcde\r", 4);
    EXPECT_INT(r.rc, WD_ELIMIT);
}

static void t_framer_long_line_resync(void)
{
    struct wd_syslog_framer f;
    struct wd_str msg;
    size_t used;
    struct wd_perr err;
    wd_syslog_framer_init(&f);
    EXPECT_INT(wd_syslog_framer_next(&f, "<13>0123456789", 14, 8, &msg, &used, &err), WD_ELIMIT);
    EXPECT_V(msg, "<13>0123");
    EXPECT_INT(used, 14);
    FAIL_UNLESS(f.skip_line);
    /* the rest of the long line is discarded */
    EXPECT_INT(wd_syslog_framer_next(&f, "more", 4, 8, &msg, &used, &err), WD_EAGAIN);
    EXPECT_INT(used, 4);
    EXPECT_INT(wd_syslog_framer_next(&f, "tail\n<13>ok\n", 12, 8, &msg, &used, &err), WD_OK);
    EXPECT_V(msg, "<13>ok");
    EXPECT_INT(used, 12);
    FAIL_IF(f.skip_line);
}

static void t_frame_octet_over_limit(void)
{
    /* LEN 20 > max 8: wait for 8 bytes, then truncated message, consumed beyond len */
    struct fr r = FRAME_LIT("20 <13>abc", 8);
    EXPECT_INT(r.rc, WD_EAGAIN);
    EXPECT_INT(r.used, 0);
    r = FRAME_LIT("20 <13>abcde", 8);
    EXPECT_INT(r.rc, WD_ELIMIT);
    EXPECT_INT(r.err.code, WD_ELIMIT);
    EXPECT_INT(r.err.off, 0);
    EXPECT_V(r.msg, "<13>abcd");
    EXPECT_INT(r.used, 23);
}

static void t_framer_octet_over_limit_resync(void)
{
    struct wd_syslog_framer f;
    struct wd_str msg;
    size_t used;
    struct wd_perr err;
    wd_syslog_framer_init(&f);
    EXPECT_INT(wd_syslog_framer_next(&f, "20 <13>abcdefgh", 15, 8, &msg, &used, &err), WD_ELIMIT);
    EXPECT_V(msg, "<13>abcd");
    EXPECT_INT(used, 15);
    EXPECT_INT(f.skip_bytes, 8);
    EXPECT_INT(wd_syslog_framer_next(&f, "12345", 5, 8, &msg, &used, &err), WD_EAGAIN);
    EXPECT_INT(used, 5);
    EXPECT_INT(f.skip_bytes, 3);
    EXPECT_INT(wd_syslog_framer_next(&f, "678\n4 <1>x", 10, 8, &msg, &used, &err), WD_OK);
    EXPECT_V(msg, "<1>x");
    EXPECT_INT(used, 10);
    EXPECT_INT(f.skip_bytes, 0);
}

static void t_framer_error_offset(void)
{
    struct wd_syslog_framer f;
    struct wd_str msg;
    size_t used;
    struct wd_perr err;
    wd_syslog_framer_init(&f);
    f.skip_bytes = 3;
    EXPECT_INT(wd_syslog_framer_next(&f, "xyz\n05 abcde", 12, 8, &msg, &used, &err), WD_EPARSE);
    EXPECT_INT(err.off, 4);
    EXPECT_INT(used, 7);
    EXPECT_INT(wd_syslog_framer_next(&f, NULL, 0, 8, &msg, &used, &err), WD_EAGAIN);
    EXPECT_INT(used, 0);
    EXPECT_INT(wd_syslog_framer_next(&f, NULL, 3, 8, &msg, &used, &err), WD_EINVAL);
}

/* Feeds a stream to the framer in chunks of `step` bytes through a small receive buffer and
 * joins the messages with '|'; the result must not depend on the chunk size. */
static int feed(const char *s, size_t len, size_t step, size_t max, char *out, size_t out_len)
{
    char buf[256];
    size_t have = 0, pos = 0, o = 0;
    struct wd_syslog_framer f;
    wd_syslog_framer_init(&f);
    for (;;) {
        size_t n = WD_MIN(step, len - pos);
        if (n > sizeof(buf) - have)
            n = sizeof(buf) - have;
        memcpy(buf + have, s + pos, n);
        have += n;
        pos += n;
        size_t off = 0;
        for (;;) {
            struct wd_str msg;
            size_t used;
            int rc = wd_syslog_framer_next(&f, buf + off, have - off, max, &msg, &used, NULL);
            if (used > have - off)
                return -1;
            off += used;
            if (rc == WD_EAGAIN)
                break;
            if (rc == WD_EPARSE)
                return -2;
            if (o + msg.len + 2 > out_len)
                return -3;
            memcpy(out + o, msg.p, msg.len);
            o += msg.len;
            out[o++] = rc == WD_ELIMIT ? '~' : '|';
        }
        memmove(buf, buf + off, have - off);
        have -= off;
        if (pos == len && n == 0)
            break;
    }
    out[o] = 0;
    return 0;
}

static void t_framer_chunking_invariant(void)
{
    static const char s[] = "\n12 <13>abcdefgh\n<13>line one\r\n30 <13>this one is much too long\n"
                            "<13>lf line that is also way too long for us\n<13>ok\0"
                            "4 <1>z\n";
    char want[512], got[512];
    FAIL_UNLESS(feed(s, sizeof(s) - 1, sizeof(s), 16, want, sizeof(want)) == 0);
    EXPECT_STR(want, "<13>abcdefgh|<13>line one|<13>this one is ~<13>lf line that~<13>ok|<1>z|");
    for (size_t step = 1; step < sizeof(s); step++) {
        FAIL_UNLESS(feed(s, sizeof(s) - 1, step, 16, got, sizeof(got)) == 0);
        EXPECT_STR(got, want);
    }
}

static void t_frame_invalid_args(void)
{
    struct fr r = FRAME_LIT("<13>x\n", 0);
    EXPECT_INT(r.rc, WD_EINVAL);
    EXPECT_INT(r.err.code, WD_EINVAL);
    r = frame(NULL, 0, 10);
    EXPECT_INT(r.rc, WD_EAGAIN);
    EXPECT_INT(r.used, 0);
    r = frame(NULL, 5, 10);
    EXPECT_INT(r.rc, WD_EINVAL);
}

static void t_dgram_trim(void)
{
    struct wd_str t = wd_syslog_dgram_trim("<13>x\n", 6);
    EXPECT_V(t, "<13>x");
    t = wd_syslog_dgram_trim("<13>x\r\n\0\0", 9);
    EXPECT_V(t, "<13>x");
    t = wd_syslog_dgram_trim("<13>x\ny", 7);
    EXPECT_V(t, "<13>x\ny");
    t = wd_syslog_dgram_trim("\n\0", 2);
    EXPECT_INT(t.len, 0);
    t = wd_syslog_dgram_trim(NULL, 0);
    EXPECT_INT(t.len, 0);
    FAIL_UNLESS(t.p != NULL);
}

static void t_frame_then_parse(void)
{
    /* the path a TCP connection takes: frame, then parse the frame */
    static const char s[] = "62 <165>1 2003-10-11T22:14:15.003Z host app - ID47 [x@1 k=\"v\"] hi\n";
    struct fr r = frame(s, sizeof(s) - 1, 1024);
    EXPECT_INT(r.rc, WD_OK);
    EXPECT_INT(r.used, 65); /* the stray LF is skipped by the next call */
    EXPECT_INT(wd_syslog_parse(r.msg.p, r.msg.len, &M, &E), WD_OK);
    EXPECT_INT(M.format, WD_SYSLOG_5424);
    EXPECT_V(M.sd, "[x@1 k=\"v\"]");
    EXPECT_V(M.msg, "hi");
}

WD_TEST_LIST{
    {"5424_rfc_example1", t_5424_rfc_example1},
    {"5424_rfc_example2", t_5424_rfc_example2},
    {"5424_rfc_example3", t_5424_rfc_example3},
    {"5424_rfc_example4", t_5424_rfc_example4},
    {"5424_all_nil", t_5424_all_nil},
    {"5424_nil_with_msg", t_5424_nil_with_msg},
    {"5424_fraction_over_6", t_5424_fraction_over_6},
    {"5424_zones", t_5424_zones},
    {"5424_bad_timestamp", t_5424_bad_timestamp},
    {"5424_version", t_5424_version},
    {"5424_missing_sd", t_5424_missing_sd},
    {"5424_truncated_header", t_5424_truncated_header},
    {"5424_bad_sd", t_5424_bad_sd},
    {"5424_sd_escapes_and_brackets", t_5424_sd_escapes_and_brackets},
    {"5424_sd_no_params_and_glued_msg", t_5424_sd_no_params_and_glued_msg},
    {"5424_sd_spaces_lenient", t_5424_sd_spaces_lenient},
    {"5424_field_checks", t_5424_field_checks},
    {"5424_spaces_in_appname", t_5424_spaces_in_appname},
    {"5424_msg_bytes", t_5424_msg_bytes},
    {"3164_rfc_example1", t_3164_rfc_example1},
    {"3164_rfc_example2", t_3164_rfc_example2},
    {"3164_rfc_example3", t_3164_rfc_example3},
    {"3164_rfc_example4", t_3164_rfc_example4},
    {"3164_missing_pri_esxi", t_3164_missing_pri_esxi},
    {"3164_missing_pri_bsd", t_3164_missing_pri_bsd},
    {"3164_missing_hostname", t_3164_missing_hostname},
    {"3164_rsyslog_forward_iso", t_3164_rsyslog_forward_iso},
    {"3164_iso_space_separator", t_3164_iso_space_separator},
    {"3164_year_before_time", t_3164_year_before_time},
    {"3164_year_after_time", t_3164_year_after_time},
    {"3164_zone_names", t_3164_zone_names},
    {"3164_numeric_zones", t_3164_numeric_zones},
    {"3164_month_case_and_days", t_3164_month_case_and_days},
    {"3164_invalid_dates", t_3164_invalid_dates},
    {"3164_epoch", t_3164_epoch},
    {"cisco_full_prefix", t_cisco_full_prefix},
    {"cisco_counter_only", t_cisco_counter_only},
    {"cisco_no_counter", t_cisco_no_counter},
    {"cisco_dot_marker_year_zone", t_cisco_dot_marker_year_zone},
    {"cisco_behind_relay_header", t_cisco_behind_relay_header},
    {"cisco_asa", t_cisco_asa},
    {"cisco_false_positives", t_cisco_false_positives},
    {"3164_cee_json", t_3164_cee_json},
    {"3164_payload_kinds", t_3164_payload_kinds},
    {"3164_tag_shapes", t_3164_tag_shapes},
    {"3164_host_shapes", t_3164_host_shapes},
    {"3164_lone_token_and_empty_body", t_3164_lone_token_and_empty_body},
    {"3164_no_timestamp_tag", t_3164_no_timestamp_tag},
    {"trailers_and_bom", t_trailers_and_bom},
    {"pri_values", t_pri_values},
    {"pri_invalid", t_pri_invalid},
    {"pri_only", t_pri_only},
    {"errors", t_errors},
    {"names", t_names},
    {"views_point_into_input", t_views_point_into_input},
    {"sd_iter_errors", t_sd_iter_errors},
    {"sd_unescape", t_sd_unescape},
    {"frame_octet_single", t_frame_octet_single},
    {"frame_octet_multiline", t_frame_octet_multiline},
    {"frame_octet_stray_lf", t_frame_octet_stray_lf},
    {"frame_octet_split_reads", t_frame_octet_split_reads},
    {"frame_lf_terminators", t_frame_lf_terminators},
    {"frame_empty_lines", t_frame_empty_lines},
    {"frame_digits_not_count", t_frame_digits_not_count},
    {"frame_mixed_stream", t_frame_mixed_stream},
    {"frame_bad_count", t_frame_bad_count},
    {"frame_exact_limit", t_frame_exact_limit},
    {"frame_long_line_terminated", t_frame_long_line_terminated},
    {"frame_long_line_unterminated", t_frame_long_line_unterminated},
    {"framer_long_line_resync", t_framer_long_line_resync},
    {"frame_octet_over_limit", t_frame_octet_over_limit},
    {"framer_octet_over_limit_resync", t_framer_octet_over_limit_resync},
    {"framer_error_offset", t_framer_error_offset},
    {"framer_chunking_invariant", t_framer_chunking_invariant},
    {"frame_invalid_args", t_frame_invalid_args},
    {"dgram_trim", t_dgram_trim},
    {"frame_then_parse", t_frame_then_parse},
};

WD_TEST_MAIN
