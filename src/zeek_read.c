/*
 * zeek_read.c: the line-at-a-time reader of one Zeek log stream (see zeek.h): format
 * detection on the first line, TSV header tracking (a new header may start anywhere in
 * the stream, as when files are concatenated), JSON `_path` for the streaming form.
 */
#include "zeek.h"

#include "jv.h"
#include "zeek_norm.h"

void wd_zeek_reader_init(struct wd_zeek_reader *r, const char *log_hint)
{
    memset(r, 0, sizeof(*r));
    wd_zeek_hdr_init(&r->hdr);
    snprintf(r->log, sizeof(r->log), "%s", log_hint ? log_hint : "");
}

void wd_zeek_reader_fini(struct wd_zeek_reader *r)
{
    if (r)
        wd_zeek_hdr_fini(&r->hdr);
}

int wd_zeek_reader_line(struct wd_zeek_reader *r, const char *p, size_t len, size_t readable,
                        struct wd_arena *a, struct wd_jv **rec, struct wd_str *log,
                        struct wd_perr *err)
{
    *rec = NULL;
    *log = (struct wd_str){r->log, strlen(r->log)};
    r->lines++;
    if (len && p[len - 1] == '\r' && r->fmt != WD_ZF_TSV)
        len--;
    if (r->fmt == WD_ZF_NONE) {
        if (len == 0)
            return WD_OK;
        r->fmt = wd_zeek_detect(p, len);
        if (r->fmt == WD_ZF_NONE)
            return wd_zeek_fail(err, WD_EINVAL, 0,
                                "not a Zeek log (neither a '#separator' header nor a JSON object)");
        if (r->fmt == WD_ZF_TSV)
            return wd_zeek_hdr_first(&r->hdr, p, len, err);
    }
    if (r->fmt == WD_ZF_TSV) {
        if (wd_zeek_is_meta(&r->hdr, p, len)) {
            int rc = wd_zeek_hdr_line(&r->hdr, p, len, err);
            if (rc == WD_OK && r->hdr.path[0])
                snprintf(r->log, sizeof(r->log), "%.63s", r->hdr.path);
            if (rc == WD_OK && len > (size_t)r->hdr.prefix.len + 5 &&
                !memcmp(p + r->hdr.prefix.len, "close", 5))
                r->closed = true;
            else if (rc == WD_OK && len > (size_t)r->hdr.prefix.len + 9 &&
                     !memcmp(p + r->hdr.prefix.len, "separator", 9))
                r->closed = false; /* a new file appended to the stream */
            return rc;
        }
        if (len == 0)
            return WD_OK;
        int rc = wd_zeek_tsv_row(&r->hdr, p, len, WD_ZEEK_JSON_TEXT, a, rec, &r->bad_values, err);
        *log = (struct wd_str){r->log, strlen(r->log)};
        return rc;
    }
    size_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t'))
        i++;
    if (i == len)
        return WD_OK;
    int rc = wd_zeek_json_row(p, len, readable, a, rec, err);
    if (rc == WD_ENOMEM)
        return rc;
    if (rc)
        return wd_zeek_fail(err, WD_EPARSE, err ? err->off : 0,
                            err && err->msg ? err->msg : "bad JSON");
    struct wd_jv *path = wd_jv_get(*rec, "_path");
    if (path && path->type == WD_JV_STR && path->u.s.len)
        *log = path->u.s;
    return wd_zeek_canon_times(a, *rec);
}
