/*
 * test_log.c: logging helpers: the per-event error rate limiter, escaping of untrusted
 * text, level names, and one-line records.
 */
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "ward.h"
#include "wd_test.h"

static void t_ratelimit_burst_then_suppress(void)
{
    struct wd_ratelimit rl = WD_RATELIMIT_INIT(3);
    uint32_t skipped = 0;
    int allowed = 0;
    int64_t t0 = time(NULL);
    for (int i = 0; i < 10; i++)
        allowed += wd_ratelimit_ok(&rl, &skipped);
    if (time(NULL) != t0)
        SKIP("the second changed during the loop; rerun");
    EXPECT_INT(allowed, 3);
    EXPECT_INT(rl.suppressed, 7);
    /* In the next second the suppressed count is handed over once. */
    rl.window_s -= 1;
    FAIL_UNLESS(wd_ratelimit_ok(&rl, &skipped));
    EXPECT_INT(skipped, 7);
    FAIL_UNLESS(wd_ratelimit_ok(&rl, &skipped));
    EXPECT_INT(skipped, 0);
}

static void t_escape(void)
{
    char out[600];
    EXPECT_STR(wd_log_escape(out, sizeof(out), "a\nb\\c\x01", 6), "a\\x0ab\\x5cc\\x01");
    char big[300];
    memset(big, 'x', sizeof(big));
    wd_log_escape(out, sizeof(out), big, sizeof(big));
    EXPECT_INT(strlen(out), 259); /* truncated to 256 bytes plus "..." */
    FAIL_UNLESS(strcmp(out + 256, "...") == 0);
}

static void t_levels(void)
{
    EXPECT_INT(wd_log_level_parse("warn"), WD_LOG_WARN);
    EXPECT_INT(wd_log_level_parse("trace"), WD_LOG_TRACE);
    EXPECT_INT(wd_log_level_parse("loud"), -1);
}

static void t_one_line_per_record(void)
{
    char *buf = NULL;
    size_t len = 0;
    int fd[2];
    FAIL_UNLESS(pipe(fd) == 0);
    int saved = dup(2);
    dup2(fd[1], 2);
    wd_log_write(WD_LOG_ERROR, "test", "two\nlines %d", 7);
    fflush(stderr);
    dup2(saved, 2);
    close(fd[1]);
    char got[512] = "";
    ssize_t n = read(fd[0], got, sizeof(got) - 1);
    close(fd[0]);
    close(saved);
    WD_UNUSED(buf);
    WD_UNUSED(len);
    FAIL_UNLESS(n > 0);
    got[n] = '\0';
    FAIL_UNLESS(strstr(got, " error test two lines 7\n"));
    FAIL_UNLESS(strchr(got, '\n') == got + n - 1);
}

WD_TEST_LIST{
    {"log_ratelimit_burst_then_suppress", t_ratelimit_burst_then_suppress},
    {"log_escape", t_escape},
    {"log_levels", t_levels},
    {"log_one_line_per_record", t_one_line_per_record},
};
WD_TEST_MAIN
