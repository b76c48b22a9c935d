/*
 * action_slack.c: turns a MozDef-style alert (utctimestamp, severity, summary, category,
 * classname, tags) into a Slack incoming-webhook message with one coloured attachment.
 * Pure: no I/O, no logging (format in action.h, colours in docs/actions.md).
 */
#include "action.h"
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "wd_time.h"

/* Attachment colour per MozDef severity; anything else is grey. */
static const struct {
    const char *severity;
    const char *color;
} colors[] = {
    {"CRITICAL", "#a30200"}, {"ERROR", "#e01e5a"}, {"WARNING", "#ecb22e"},
    {"NOTICE", "#2eb67d"},   {"INFO", "#439fe0"},  {"DEBUG", "#9e9e9e"},
};

static bool ieq(struct wd_str s, const char *lit)
{
    size_t n = strlen(lit);
    if (s.len != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s.p[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c != lit[i])
            return false;
    }
    return true;
}

/* The member's text (Python str() of scalars, compact JSON of containers) into tmp. */
static struct wd_str field(const struct wd_jv *alert, const char *key, struct wd_buf *tmp)
{
    const struct wd_jv *v = wd_jv_get(alert, key);
    tmp->len = 0;
    if (!v || v->type == WD_JV_NULL)
        return (struct wd_str){"", 0};
    if (v->type == WD_JV_STR)
        return v->u.s;
    if (wd_jv_text(v, tmp) != WD_OK || !tmp->p)
        return (struct wd_str){"", 0};
    return (struct wd_str){tmp->p, tmp->len};
}

static int put_field(struct wd_buf *o, const char *title, struct wd_str v, bool is_short)
{
    int rc = wd_buf_printf(o, "{\"title\":\"%s\",\"value\":", title);
    if (rc == WD_OK)
        rc = wd_jv_write_str(v.p, v.len, o);
    if (rc == WD_OK)
        rc = wd_buf_printf(o, ",\"short\":%s}", is_short ? "true" : "false");
    return rc;
}

static int put_tags(struct wd_buf *o, const struct wd_jv *alert)
{
    const struct wd_jv *tags = wd_jv_get(alert, "tags");
    struct wd_buf t;
    int rc = WD_OK;
    if (!tags || tags->type != WD_JV_ARR || tags->count == 0)
        return WD_OK;
    wd_buf_init(&t, 0);
    for (const struct wd_jv *v = tags->u.kids.head; v && rc == WD_OK; v = v->next) {
        if (v != tags->u.kids.head)
            rc = wd_buf_append(&t, ", ", 2);
        if (rc == WD_OK)
            rc = wd_jv_text(v, &t);
    }
    if (rc == WD_OK)
        rc = wd_buf_putc(o, ',');
    if (rc == WD_OK)
        rc = put_field(o, "Tags", (struct wd_str){t.p ? t.p : "", t.len}, false);
    wd_buf_fini(&t);
    return rc;
}

static int put_body(struct wd_buf *o, const struct wd_jv *alert, struct wd_buf *t1,
                    struct wd_buf *t2)
{
    struct wd_str sev = field(alert, "severity", t1);
    struct wd_str sum = field(alert, "summary", t2);
    const char *color = "#9e9e9e";
    for (size_t i = 0; i < WD_ARRAY_LEN(colors); i++)
        if (ieq(sev, colors[i].severity))
            color = colors[i].color;
    struct wd_buf text;
    wd_buf_init(&text, 0);
    int rc = wd_buf_printf(&text, "[%.*s] %.*s", (int)sev.len, sev.p, (int)sum.len, sum.p);
    if (rc == WD_OK)
        rc = wd_buf_append(o, "{\"text\":", 8);
    if (rc == WD_OK)
        rc = wd_jv_write_str(text.p, text.len, o);
    if (rc == WD_OK)
        rc = wd_buf_append(o, ",\"attachments\":[{\"fallback\":", 28);
    if (rc == WD_OK)
        rc = wd_jv_write_str(text.p, text.len, o);
    wd_buf_fini(&text);
    if (rc == WD_OK)
        rc = wd_buf_printf(o, ",\"color\":\"%s\",\"title\":", color);
    if (rc == WD_OK)
        rc = wd_jv_write_str(sum.p, sum.len, o);
    if (rc == WD_OK)
        rc = wd_buf_append(o, ",\"fields\":[", 11);
    if (rc == WD_OK)
        rc = put_field(o, "Severity", sev, true);
    static const char *const keys[][2] = {
        {"category", "Category"}, {"classname", "Rule"}, {"utctimestamp", "Time"}};
    for (size_t i = 0; i < WD_ARRAY_LEN(keys) && rc == WD_OK; i++) {
        rc = wd_buf_putc(o, ',');
        if (rc == WD_OK)
            rc = put_field(o, keys[i][1], field(alert, keys[i][0], t2), true);
    }
    if (rc == WD_OK)
        rc = put_tags(o, alert);
    if (rc == WD_OK)
        rc = wd_buf_putc(o, ']');
    struct wd_str ts = field(alert, "utctimestamp", t2);
    int64_t us;
    if (rc == WD_OK && ts.len && wd_time_parse_str(ts.p, ts.len, NULL, wd_now_us(), &us) == WD_OK)
        rc = wd_buf_printf(o, ",\"ts\":%lld", (long long)(us / WD_US_PER_SEC));
    return rc ? rc : wd_buf_append(o, "}]}", 3);
}

int wd_action_slack_body(const char *alert_json, size_t len, struct wd_buf *out)
{
    struct wd_arena a;
    struct wd_jv *root = NULL;
    struct wd_buf t1, t2;
    size_t start = out->len;
    wd_arena_init(&a, (size_t)16 * 1024, 0);
    wd_buf_init(&t1, 0);
    wd_buf_init(&t2, 0);
    int rc = wd_json_parse(alert_json, len, len, 64, &a, &root, NULL);
    if (rc == WD_OK && root->type != WD_JV_OBJ)
        rc = WD_EPARSE;
    if (rc == WD_EPARSE || rc == WD_ELIMIT)
        rc = WD_EPARSE;
    if (rc == WD_OK)
        rc = put_body(out, root, &t1, &t2);
    if (rc != WD_OK && out->p) {
        out->len = start;
        out->p[start] = '\0';
    }
    wd_buf_fini(&t1);
    wd_buf_fini(&t2);
    wd_arena_fini(&a);
    return rc;
}
