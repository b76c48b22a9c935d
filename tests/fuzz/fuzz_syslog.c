/*
 * fuzz_syslog.c: libFuzzer target for the syslog message parser and the structured-data
 * iterator. Checks (abort() on failure): only empty input fails; every view lies inside the
 * input; pri/facility/severity/timestamp fields are in range and consistent with the flags;
 * the SD text the parser returns always iterates without error; unescaping never grows a
 * value; parsing is deterministic and independent of the bytes after the input.
 */
#include "fuzz.h"
#include "syslog.h"
#include "ward.h"

static void check(bool ok)
{
    if (!ok)
        abort();
}

static void check_view(struct wd_str v, const char *p, size_t size)
{
    check(v.p != NULL);
    if (v.len == 0)
        return;
    check(v.p >= p && v.p + v.len <= p + size);
}

static void check_time(const struct wd_syslog_time *t)
{
    if (!t->has_time) {
        check(t->year == 0 && t->month == 0 && t->day == 0 && !t->has_zone);
        return;
    }
    check(t->year >= 0 && t->year <= 9999);
    check(t->month >= 1 && t->month <= 12 && t->day >= 1 && t->day <= 31);
    check(t->hour >= 0 && t->hour <= 23 && t->min >= 0 && t->min <= 59);
    check(t->sec >= 0 && t->sec <= 60 && t->usec >= 0 && t->usec <= 999999);
    check(t->zone_off_s > -86400 && t->zone_off_s < 86400);
    check(!t->has_zone || t->zone_name.len == 0);
}

static void check_sd(struct wd_str sd, char *scratch)
{
    struct wd_syslog_sd_iter it;
    struct wd_str id, name, val;
    int rc, n = 0;
    wd_syslog_sd_iter_init(&it, sd);
    while ((rc = wd_syslog_sd_next(&it, &id, &name, &val)) == WD_OK) {
        check(id.len > 0);
        check(id.p >= sd.p && id.p + id.len <= sd.p + sd.len);
        check(val.len == 0 || (val.p >= sd.p && val.p + val.len <= sd.p + sd.len));
        check(wd_syslog_sd_unescape(val, scratch) <= val.len);
        check(++n <= (int)sd.len);
    }
    /* what the parser accepted as SD must iterate to the end */
    check(rc == WD_ENOENT && (sd.len == 0 || it.pos == sd.len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    struct wd_syslog_msg m, m2;
    struct wd_perr err = {0, 0, NULL};
    int rc = wd_syslog_parse(p, size, &m, &err);

    if (rc != WD_OK) {
        check(rc == WD_EPARSE && err.code == WD_EPARSE && err.off == 0 && err.msg != NULL);
        for (size_t i = 0; i < size; i++) {
            char c = p[i];
            check(c == '\n' || c == '\r' || c == '\0' || (i < 3 && (c & 0x80)));
        }
        return 0;
    }
    check(err.code == WD_OK);
    check(m.format == WD_SYSLOG_3164 || m.format == WD_SYSLOG_5424);
    check(m.pri >= -1 && m.pri <= 191);
    check((m.pri == -1) == ((m.flags & WD_SYSLOG_F_MISSING_PRI) != 0));
    if (m.pri >= 0)
        check(m.facility == m.pri / 8 && m.severity == m.pri % 8);
    else
        check(m.facility == 1 && m.severity == 5);
    check(wd_syslog_facility_name(m.facility) && wd_syslog_severity_name(m.severity));
    check(m.format == WD_SYSLOG_5424 ? m.version >= 1 && m.version <= 999 : m.version == 0);
    check_time(&m.ts);
    check_view(m.hostname, p, size);
    check_view(m.appname, p, size);
    check_view(m.procid, p, size);
    check_view(m.msgid, p, size);
    check_view(m.sd, p, size);
    check_view(m.msg, p, size);
    check_view(m.cisco_counter, p, size);
    check_view(m.cisco_seq, p, size);
    check_view(m.ts.zone_name, p, size);
    check(m.sd.len == 0 || (m.format == WD_SYSLOG_5424 && m.sd.p[0] == '['));

    char *scratch = malloc(size + 1);
    check(scratch != NULL);
    check_sd(m.sd, scratch);

    /* same result when the input is followed by other bytes */
    memcpy(scratch, data, size);
    scratch[size] = 'x';
    check(wd_syslog_parse(scratch, size, &m2, NULL) == WD_OK);
    check(m2.flags == m.flags && m2.pri == m.pri && m2.msg.len == m.msg.len &&
          m2.msg.p - scratch == m.msg.p - p && m2.hostname.len == m.hostname.len &&
          m2.sd.len == m.sd.len && m2.ts.usec == m.ts.usec);
    free(scratch);
    return 0;
}
