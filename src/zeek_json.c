/*
 * zeek_json.c: Zeek's JSON log lines (see zeek.h and shared/spec/zeek.md 1.2): one object
 * per line, per-file or json-streaming-logs with _path and _write_ts, read with the
 * simdjson decoder; and a writer reproducing Zeek's JSON formatter byte for byte
 * (conformance tests re-emit the baselines with it).
 */
#include "zeek.h"

#include "json.h"
#include "jv.h"
#include "mem.h"

int wd_zeek_json_row(const char *p, size_t len, size_t readable, struct wd_arena *a,
                     struct wd_jv **out, struct wd_perr *err)
{
    *out = NULL;
    struct wd_jv *v = NULL;
    int rc = wd_json_parse(p, len, readable, 64, a, &v, err);
    if (rc)
        return rc;
    if (v->type != WD_JV_OBJ) {
        if (err) {
            err->code = WD_EPARSE;
            err->off = 0;
            err->msg = "a Zeek JSON log line must be an object";
        }
        return WD_EPARSE;
    }
    *out = v;
    return WD_OK;
}

static const char hexd[] = "0123456789abcdef";

/* Zeek's JSON string escaping (the HEX and PUA policies' output: PUA code points
 * U+F0000..U+F00FF stand for raw bytes and are written as surrogate pairs). */
static void put_str(struct wd_buf *o, const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p, *end = s + n;
    wd_buf_putc(o, '"');
    while (s < end) {
        unsigned c = *s;
        const char *esc = NULL;
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        default:
            break;
        }
        if (esc) {
            wd_buf_append(o, esc, 2);
            s++;
        } else if (c < 0x20) {
            char u[6] = {'\\', 'u', '0', '0', hexd[c >> 4], hexd[c & 15]};
            wd_buf_append(o, u, 6);
            s++;
        } else if (c == 0xf3 && end - s >= 4 && s[1] == 0xb0 && s[2] >= 0x80 && s[2] <= 0x83 &&
                   (s[3] & 0xc0) == 0x80) {
            /* U+F0000 + b (b < 256) is f3 b0 80..83 xx: one escaped raw byte */
            unsigned b = ((unsigned)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
            char u[12] = {'\\', 'u', 'd', 'b', '8',          '0',
                          '\\', 'u', 'd', 'c', hexd[b >> 4], hexd[b & 15]};
            wd_buf_append(o, u, 12);
            s += 4;
        } else {
            wd_buf_putc(o, (char)c);
            s++;
        }
    }
    wd_buf_putc(o, '"');
}

static void put_val(struct wd_buf *o, const struct wd_jv *v)
{
    char tmp[400];
    switch (v->type) {
    case WD_JV_NULL:
        wd_buf_append(o, "null", 4);
        break;
    case WD_JV_TRUE:
        wd_buf_append(o, "true", 4);
        break;
    case WD_JV_FALSE:
        wd_buf_append(o, "false", 5);
        break;
    case WD_JV_INT:
    case WD_JV_FLOAT:
        if (v->raw.len)
            wd_buf_append(o, v->raw.p, v->raw.len);
        else if (v->type == WD_JV_INT)
            wd_buf_append(o, tmp, wd_fmt_i64(v->u.i, tmp));
        else
            wd_jv_write(v, o);
        break;
    case WD_JV_STR:
        put_str(o, v->u.s.p, v->u.s.len);
        break;
    case WD_JV_ARR:
    case WD_JV_OBJ:
        wd_buf_putc(o, v->type == WD_JV_ARR ? '[' : '{');
        for (const struct wd_jv *c = v->u.kids.head; c; c = c->next) {
            if (c != v->u.kids.head)
                wd_buf_putc(o, ',');
            if (v->type == WD_JV_OBJ) {
                put_str(o, c->key.p, c->key.len);
                wd_buf_putc(o, ':');
            }
            put_val(o, c);
        }
        wd_buf_putc(o, v->type == WD_JV_ARR ? ']' : '}');
        break;
    default:
        break;
    }
}

int wd_zeek_json_emit(const struct wd_jv *rec, struct wd_buf *out)
{
    put_val(out, rec);
    return wd_buf_putc(out, '\n');
}
