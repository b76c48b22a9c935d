/*
 * wd_test.h: the unit-test harness. A test file defines functions `static void t_x(void)`
 * and lists them in WD_TEST_LIST; each test prints "PASS name" or "FAIL name: file:line: why".
 * tools/run-tests.sh counts those lines. Tests needing ../shared/testdata print
 * "SKIP name: reason" when it is absent.
 */
#ifndef WD_TEST_H
#define WD_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct wd_test {
    const char *name;
    void (*fn)(void);
};

static int wd_test_failed_;
static int wd_test_skipped_;
static const char *wd_test_name_;

#define FAIL_IF(cond)                                                                              \
    do {                                                                                           \
        if (cond) {                                                                                \
            printf("FAIL %s: %s:%d: %s\n", wd_test_name_, __FILE__, __LINE__, #cond);              \
            wd_test_failed_ = 1;                                                                   \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define FAIL_UNLESS(cond) FAIL_IF(!(cond))

/* Compares two NUL-terminated strings, printing both on mismatch. */
#define EXPECT_STR(got, want)                                                                      \
    do {                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                      \
        if (!g_ || strcmp(g_, w_) != 0) {                                                          \
            printf("FAIL %s: %s:%d: got [%s] want [%s]\n", wd_test_name_, __FILE__, __LINE__,      \
                   g_ ? g_ : "(null)", w_);                                                        \
            wd_test_failed_ = 1;                                                                   \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define EXPECT_INT(got, want)                                                                      \
    do {                                                                                           \
        long long g_ = (long long)(got), w_ = (long long)(want);                                   \
        if (g_ != w_) {                                                                            \
            printf("FAIL %s: %s:%d: %s = %lld, want %lld\n", wd_test_name_, __FILE__, __LINE__,    \
                   #got, g_, w_);                                                                  \
            wd_test_failed_ = 1;                                                                   \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define SKIP(why)                                                                                  \
    do {                                                                                           \
        printf("SKIP %s: %s\n", wd_test_name_, (why));                                             \
        wd_test_skipped_ = 1;                                                                      \
        return;                                                                                    \
    } while (0)

/* Path of the shared test data folder, or NULL when absent. */
static inline const char *wd_test_shared(void)
{
    const char *d = getenv("WD_SHARED_TESTDATA");
    struct stat st;
    if (!d)
        d = "../shared/testdata";
    return stat(d, &st) == 0 && S_ISDIR(st.st_mode) ? d : NULL;
}

#define WD_TEST_LIST static const struct wd_test wd_tests_[] =

#define WD_TEST_MAIN                                                                               \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        int failed = 0;                                                                            \
        for (size_t i = 0; i < sizeof(wd_tests_) / sizeof(wd_tests_[0]); i++) {                    \
            if (argc > 1 && strcmp(argv[1], wd_tests_[i].name) != 0)                               \
                continue;                                                                          \
            wd_test_name_ = wd_tests_[i].name;                                                     \
            wd_test_failed_ = wd_test_skipped_ = 0;                                                \
            wd_tests_[i].fn();                                                                     \
            if (!wd_test_failed_ && !wd_test_skipped_)                                             \
                printf("PASS %s\n", wd_tests_[i].name);                                            \
            failed |= wd_test_failed_;                                                             \
            fflush(stdout);                                                                        \
        }                                                                                          \
        return failed;                                                                             \
    }

#endif
