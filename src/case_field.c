/*
 * case_field.c: the incident field table and value validation (case_field.h). Text is
 * bounded and must be valid UTF-8 without control characters other than newline and
 * tab; dates are ISO 8601 (or relative, `now-1h`) normalized to UTC; lists hold unique
 * strings; VERIS fields hold taxonomy paths (case_veris.h).
 */
#include "case_field.h"

#include <string.h>

#include "case_veris.h"
#include "cfg.h"
#include "jv.h"
#include "mem.h"
#include "reltime.h"
#include "wd_time.h"

const char *const wd_case_phases[] = {"Identification",  "Containment", "Eradication", "Recovery",
                                      "Lessons Learned", "Closed",      NULL};

static const struct wd_case_field fields[] = {
    {"summary", WD_CF_TEXT, 512, NULL, 0},       {"description", WD_CF_TEXT, 65536, NULL, 0},
    {"phase", WD_CF_ENUM, 0, wd_case_phases, 0}, {"severity", WD_CF_ENUM, 0, wd_severities, 0},
    {"owner", WD_CF_TEXT, 128, NULL, 0},         {"dateOccurred", WD_CF_DATE, 0, NULL, 0},
    {"dateReported", WD_CF_DATE, 0, NULL, 0},    {"dateOpened", WD_CF_DATE, 0, NULL, 0},
    {"dateVerified", WD_CF_DATE, 0, NULL, 0},    {"dateMitigated", WD_CF_DATE, 0, NULL, 0},
    {"dateContained", WD_CF_DATE, 0, NULL, 0},   {"dateClosed", WD_CF_DATE, 0, NULL, 0},
    {"references", WD_CF_LIST, 2048, NULL, 0},   {"theories", WD_CF_LIST, 8192, NULL, 0},
    {"mitigations", WD_CF_LIST, 8192, NULL, 0},  {"lessons", WD_CF_LIST, 8192, NULL, 0},
    {"veris_actor", WD_CF_VERIS, 128, NULL, 0},  {"veris_action", WD_CF_VERIS, 128, NULL, 1},
    {"veris_asset", WD_CF_VERIS, 128, NULL, 2},  {"veris_attribute", WD_CF_VERIS, 128, NULL, 3},
};

const struct wd_case_field *wd_case_field_find(const char *name, size_t len)
{
    for (size_t i = 0; i < WD_ARRAY_LEN(fields); i++)
        if (strlen(fields[i].name) == len && memcmp(fields[i].name, name, len) == 0)
            return &fields[i];
    return NULL;
}

const struct wd_case_field *wd_case_field_at(size_t i)
{
    return i < WD_ARRAY_LEN(fields) ? &fields[i] : NULL;
}

/* UTF-8 (no overlongs or surrogates) and no control characters except \n, \r, \t. */
static bool text_ok(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f)
                return false;
            i++;
            continue;
        }
        size_t k = c >= 0xc2 && c <= 0xdf   ? 1
                   : c >= 0xe0 && c <= 0xef ? 2
                   : c >= 0xf0 && c <= 0xf4 ? 3
                                            : 0;
        if (!k || i + k >= n)
            return false;
        uint32_t cp = c & (0x3f >> k);
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + j] & 0x3f);
        }
        if ((k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (k == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return false;
        i += k + 1;
    }
    return true;
}

static int bad(char *why, size_t why_len, const struct wd_case_field *f, const char *what)
{
    snprintf(why, why_len, "field '%s': %s", f->name, what);
    return WD_EINVAL;
}

int wd_case_field_check(const struct wd_case_field *f, const struct wd_jv *v, int64_t now_us,
                        struct wd_buf *norm, int64_t *num, bool *has_num, char *why, size_t why_len)
{
    *has_num = false;
    if (!v || v->type == WD_JV_NULL) {
        if (!strcmp(f->name, "summary"))
            return bad(why, why_len, f, "an incident needs a summary");
        return wd_buf_printf(norm, "null");
    }
    switch (f->type) {
    case WD_CF_TEXT:
        if (v->type != WD_JV_STR)
            return bad(why, why_len, f, "expected a string");
        if (v->u.s.len > f->max_len) {
            char m[64];
            snprintf(m, sizeof(m), "longer than %zu bytes", f->max_len);
            return bad(why, why_len, f, m);
        }
        if (!text_ok(v->u.s.p, v->u.s.len))
            return bad(why, why_len, f, "invalid UTF-8 or control characters");
        if (!strcmp(f->name, "summary") && v->u.s.len == 0)
            return bad(why, why_len, f, "an incident needs a summary");
        return wd_jv_write_str(v->u.s.p, v->u.s.len, norm);
    case WD_CF_ENUM:
        if (v->type == WD_JV_STR)
            for (const char *const *c = f->choices; *c; c++)
                if (wd_str_eq(v->u.s, *c))
                    return wd_jv_write_str(*c, strlen(*c), norm);
        {
            char m[256];
            size_t n = (size_t)snprintf(m, sizeof(m), "expected one of");
            for (const char *const *c = f->choices; *c && n < sizeof(m); c++)
                n +=
                    (size_t)snprintf(m + n, sizeof(m) - n, "%s %s", c == f->choices ? "" : ",", *c);
            return bad(why, why_len, f, m);
        }
    case WD_CF_DATE: {
        int64_t us;
        if (v->type != WD_JV_STR ||
            wd_reltime_parse(v->u.s.p, v->u.s.len, now_us, &us, NULL) != WD_OK)
            return bad(why, why_len, f,
                       "expected an ISO 8601 date (2026-01-02T10:00:00Z) or now / now-1h");
        char t[WD_TIME_ISO_MAX];
        size_t n = wd_time_iso(us, t);
        *num = us;
        *has_num = true;
        return wd_jv_write_str(t, n, norm);
    }
    case WD_CF_LIST:
    case WD_CF_VERIS: {
        if (v->type != WD_JV_ARR)
            return bad(why, why_len, f, "expected an array of strings");
        if (v->count > WD_CASE_LIST_MAX)
            return bad(why, why_len, f, "more than 200 items");
        wd_buf_putc(norm, '[');
        bool first = true;
        for (const struct wd_jv *x = v->u.kids.head; x; x = x->next) {
            if (x->type != WD_JV_STR || x->u.s.len == 0 || x->u.s.len > f->max_len ||
                !text_ok(x->u.s.p, x->u.s.len))
                return bad(why, why_len, f, "items are non-empty bounded strings");
            if (f->type == WD_CF_VERIS &&
                !wd_veris_path_valid(f->veris_top, x->u.s.p, x->u.s.len)) {
                char m[300];
                snprintf(m, sizeof(m), "'%.*s' is not in the VERIS %s taxonomy (GET /api/v1/veris)",
                         (int)WD_MIN(x->u.s.len, 128), x->u.s.p, wd_veris_tops[f->veris_top]);
                return bad(why, why_len, f, m);
            }
            bool dup = false;
            for (const struct wd_jv *y = v->u.kids.head; y != x; y = y->next)
                dup |= y->u.s.len == x->u.s.len && !memcmp(y->u.s.p, x->u.s.p, x->u.s.len);
            if (dup)
                continue;
            if (!first)
                wd_buf_putc(norm, ',');
            first = false;
            wd_jv_write_str(x->u.s.p, x->u.s.len, norm);
        }
        return wd_buf_putc(norm, ']');
    }
    }
    return bad(why, why_len, f, "unknown type");
}
