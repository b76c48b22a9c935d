/*
 * test_bulk.c: bulk body framing (bulk.c): NDJSON with and without action lines, JSON
 * arrays, single objects, bad lines with their line numbers, update/delete, limits.
 */
#include "bulk.h"
#include "jv.h"
#include "json.h"
#include "mem.h"
#include "metrics.h"
#include "ward.h"
#include "wd_test.h"

/* Renders every item as "action:index:status:line:doc-or-msg;". The index is rendered
 * after the whole body, from the view the callback was given (it must stay valid). */
struct rec {
    struct wd_buf out;
    struct wd_str index[64];
    size_t at[64]; /* where in out the index goes */
    size_t n;
};

static int cb(void *ctx, struct wd_bulk_item *it)
{
    struct rec *r = ctx;
    if (r->n == WD_ARRAY_LEN(r->index))
        return WD_ELIMIT;
    wd_buf_printf(&r->out, "%s:", wd_bulk_action_name(it->action));
    r->index[r->n] = it->index;
    r->at[r->n++] = r->out.len;
    wd_buf_printf(&r->out, ":%d:%zu:", it->status, it->line);
    if (it->doc)
        wd_jv_write(it->doc, &r->out);
    else
        wd_buf_printf(&r->out, "%s", it->msg);
    wd_buf_putc(&r->out, ';');
    return WD_OK;
}

static void render(const struct rec *r, char *res, size_t cap)
{
    size_t o = 0, from = 0;
    for (size_t i = 0; i <= r->n; i++) {
        size_t to = i < r->n ? r->at[i] : r->out.len;
        o += (size_t)snprintf(res + o, cap - o, "%.*s", (int)(to - from), r->out.p + from);
        if (i < r->n)
            o += (size_t)snprintf(res + o, cap - o, "%.*s", (int)r->index[i].len, r->index[i].p);
        from = to;
        if (o >= cap)
            return;
    }
}

/* Parses body with limits, keeping every tree and reusing each event line's memory after
 * its callback (reuse_docs); both must give the same items. Returns the rendering (static
 * buffer). */
static const char *run(const char *body, size_t max_line, uint32_t depth)
{
    static char res[2][4096];
    size_t len = strlen(body);
    char *copy = malloc(len + WD_JSON_PADDING);
    memcpy(copy, body, len);
    for (int reuse = 0; reuse < 2; reuse++) {
        struct wd_arena a;
        struct rec r;
        memset(&r, 0, sizeof(r));
        struct wd_bulk_opts o = {depth, max_line, reuse};
        wd_arena_init(&a, reuse ? 4096 : 0, 0); /* reuse: the same bytes handed out again */
        wd_buf_init(&r.out, 0);
        wd_buf_append(&r.out, "", 0);
        wd_bulk_parse(copy, len, len + WD_JSON_PADDING, &o, &a, cb, &r);
        render(&r, res[reuse], sizeof(res[reuse]));
        wd_buf_fini(&r.out);
        wd_arena_fini(&a);
    }
    free(copy);
    if (strcmp(res[0], res[1]) != 0) { /* the caller's expectation then fails on this */
        memcpy(res[0], "reuse_docs differs: ", 20);
        memcpy(res[0] + 20, res[1], sizeof(res[1]) - 20);
        res[0][sizeof(res[0]) - 1] = '\0';
    }
    return res[0];
}

#define RUN(b) run((b), 1 << 20, 64)

static void t_actions(void)
{
    EXPECT_STR(RUN("{\"index\":{\"_index\":\"z\",\"_id\":\"1\"}}\n{\"a\":1}\n{\"create\":{}}\n"
                   "{\"b\":2}\n"),
               "index:z:0:2:{\"a\":1};create::0:4:{\"b\":2};");
}

static void t_bare_ndjson_blank_lines_crlf(void)
{
    EXPECT_STR(RUN("\n{\"a\":1}\r\n\n  \n{\"b\":2}"), "index::0:2:{\"a\":1};index::0:5:{\"b\":2};");
}

static void t_array_and_single_object(void)
{
    EXPECT_STR(RUN(" [{\"a\":1},{\"index\":{}},{\"b\":2}]"),
               "index::0:1:{\"a\":1};index::0:3:{\"b\":2};");
    EXPECT_STR(RUN("{\"a\":1,\"index\":\"kept\"}"), "index::0:1:{\"a\":1,\"index\":\"kept\"};");
    EXPECT_STR(RUN("{\n  \"pretty\": true\n}\n"), "index::0:1:{\"pretty\":true};");
    EXPECT_STR(RUN("[1,2"), "index::400:1:line 1: unexpected end of input at byte 4;");
}

static void t_bad_lines_keep_the_rest(void)
{
    const char *got = RUN("{\"index\":{}}\n{\"a\":1}\n{\"index\":{}}\n{bad\n{\"c\":3}\n{\"d\",\n");
    FAIL_UNLESS(strstr(got, "index::0:2:{\"a\":1};"));
    FAIL_UNLESS(strstr(got, "index::400:4:line 4: "));
    FAIL_UNLESS(strstr(got, "index::0:5:{\"c\":3};"));
    FAIL_UNLESS(strstr(got, "index::400:6:line 6: "));
}

static void t_update_delete_and_dangling_action(void)
{
    EXPECT_STR(RUN("{\"update\":{\"_index\":\"u\"}}\n{\"doc\":{}}\n{\"delete\":{\"_id\":\"x\"}}\n"
                   "{\"index\":{}}\n"),
               "update:u:403:2:line 2: update is not supported: events are immutable;"
               "delete::404:3:line 3: delete is not supported: events are immutable;"
               "index::400:4:line 4: action line without a source line;");
}

/* Escaped _index values are decoded into the arena: with reuse_docs they must outlive the
 * event lines after them (action lines and delete lines keep their memory). The line after
 * the delete has more members: its tree would cover the delete line's string. */
static void t_escaped_index_outlives_the_docs(void)
{
    EXPECT_STR(
        RUN("{\"index\":{\"_index\":\"a\\u0062c-0123456789abcdef\"}}\n"
            "{\"x\":\"0123456789abcdef0123456789abcdef\"}\n"
            "{\"delete\":{\"_index\":\"d\\u0065l-0123456789abcdef\"}}\n"
            "{\"a\":1,\"b\":2,\"c\":3,\"y\":\"\\u0030123456789-abcdefghi\"}\n{bad\n{\"z\":3}\n"),
        "index:abc-0123456789abcdef:0:2:{\"x\":\"0123456789abcdef0123456789abcdef\"};"
        "delete:del-0123456789abcdef:404:3:line 3: delete is not supported: events are "
        "immutable;"
        "index::0:4:{\"a\":1,\"b\":2,\"c\":3,\"y\":\"0123456789-abcdefghi\"};"
        "index::400:5:line 5: expected string key at byte 1;index::0:6:{\"z\":3};");
}

static void t_limits(void)
{
    const char *got =
        run("{\"a\":\"0123456789012345678901234567890123456789\"}\n{\"b\":1}\n", 20, 64);
    FAIL_UNLESS(strstr(got, "index::400:1:line 1: line longer than ingest.max_line_bytes"));
    FAIL_UNLESS(strstr(got, "index::0:2:{\"b\":1};"));
    got = run("{\"a\":{\"b\":{\"c\":1}}}\n{\"b\":1}\n", 1 << 20, 2);
    FAIL_UNLESS(strstr(got, "index::400:1:"));
    FAIL_UNLESS(strstr(got, "index::0:2:{\"b\":1};"));
}

/* Plain action lines ({"index":{}}, {"create":{}}) skip the decoder: the results are
 * those of the decoded path, including a plain action line that is an event. */
static void t_plain_action_lines(void)
{
    EXPECT_STR(RUN("{\"index\":{}}\n{\"index\":{}}\n{\"create\":{}}\r\n{\"create\":{}}\r\n"),
               "index::0:2:{\"index\":{}};create::0:4:{\"create\":{}};");
    EXPECT_STR(RUN("{\"create\":{}}\n{\"a\":1}\n{\"index\":{}}\n"),
               "create::0:2:{\"a\":1};index::400:3:line 3: action line without a source line;");
    EXPECT_STR(RUN("{\"index\":{}}"), "index::400:1:line 1: action line without a source line;");
    /* spacing or members: the decoded path, same meaning */
    EXPECT_STR(RUN("{\"index\": {}}\n{\"a\":1}\n{\"index\":{\"_index\":\"x\"}}\n{\"b\":1}\n"),
               "index::0:2:{\"a\":1};index:x:0:4:{\"b\":1};");
    /* within the line limit only */
    const char *got = run("{\"index\":{}}\n{\"a\":1}\n", 10, 64);
    FAIL_UNLESS(strstr(got, "index::400:1:line 1: line longer than ingest.max_line_bytes"));
    FAIL_UNLESS(strstr(got, "index::0:2:{\"a\":1};"));
}

static void t_empty(void)
{
    EXPECT_STR(RUN(""), "");
    EXPECT_STR(RUN("\n\n"), "");
}

/* The estimate of a refused body's events (no decode): action lines and blank lines do
 * not count; a non-empty body counts at least once. */
static void t_estimate_events(void)
{
    const char *nd = "{\"index\":{}}\n{\"a\":1}\n\r\n  {\"create\":{\"_index\":\"x\"}}\n{\"b\":2}\n"
                     "{\"delete\":{\"_id\":\"1\"}}\n{\"c\":3}";
    EXPECT_INT(wd_bulk_estimate_events(nd, strlen(nd)), 3);
    const char *bare = "{\"a\":1}\n{\"b\":2}\n";
    EXPECT_INT(wd_bulk_estimate_events(bare, strlen(bare)), 2);
    const char *key = "{\"indexer\":{}}\n"; /* a member named like an action is an event */
    EXPECT_INT(wd_bulk_estimate_events(key, strlen(key)), 1);
    const char *only = "{\"index\":{}}\n";
    EXPECT_INT(wd_bulk_estimate_events(only, strlen(only)), 1);
    EXPECT_INT(wd_bulk_estimate_events(" \n\n", 3), 0);
    EXPECT_INT(wd_bulk_estimate_events("", 0), 0);
}

WD_TEST_LIST{
    {"bulk_actions", t_actions},
    {"bulk_bare_ndjson_blank_lines_crlf", t_bare_ndjson_blank_lines_crlf},
    {"bulk_array_and_single_object", t_array_and_single_object},
    {"bulk_bad_lines_keep_the_rest", t_bad_lines_keep_the_rest},
    {"bulk_update_delete_and_dangling_action", t_update_delete_and_dangling_action},
    {"bulk_limits", t_limits},
    {"bulk_escaped_index_outlives_the_docs", t_escaped_index_outlives_the_docs},
    {"bulk_empty", t_empty},
    {"bulk_plain_action_lines", t_plain_action_lines},
    {"bulk_estimate_events", t_estimate_events},
};
WD_TEST_MAIN
