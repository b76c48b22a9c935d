/*
 * cli_search.c: `ward search QUERY` and `ward tail QUERY`, over the small HTTP client in
 * cli_http.c (HTTPS is not supported yet).
 *
 * Output: a table sized to the terminal (120 columns when stdout is not a terminal),
 * or with --json the server's JSON answer (search) / one JSON object per line (tail).
 * Values from the server are untrusted: control characters are replaced before they
 * reach the terminal.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <netdb.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli_search.h"

#include "cli_http.h"
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "ward.h"

#define MAX_BODY_BYTES ((size_t)256 << 20)
#define TS_WIDTH       32 /* 2024-05-01T10:00:00.123456+00:00 */

/* ---- output ---- */

static int term_width(void)
{
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
        return ws.ws_col;
    return 120;
}

enum align { LEFT, RIGHT, LAST /* left, no trailing padding */ };

/* Writes s padded/truncated to `width` display columns (UTF-8 code points; control
 * characters become spaces). width < 0: no limit, no padding. */
static void put_cell(FILE *f, const char *s, size_t len, int width, enum align al)
{
    bool right = al == RIGHT;
    int cols = 0;
    size_t cut = len;
    for (size_t i = 0; i < len; i++) {
        if (((unsigned char)s[i] & 0xC0) == 0x80)
            continue;
        if (width >= 0 && cols == width) {
            cut = i;
            break;
        }
        cols++;
    }
    bool trunc = cut < len;
    if (trunc && width > 0) { /* room for the ellipsis */
        cols = 0;
        for (size_t i = 0; i < len; i++) {
            if (((unsigned char)s[i] & 0xC0) == 0x80)
                continue;
            if (cols == width - 1) {
                cut = i;
                break;
            }
            cols++;
        }
    }
    int pad = width >= 0 ? width - cols - (trunc ? 1 : 0) : 0;
    if (right)
        for (int i = 0; i < pad; i++)
            fputc(' ', f);
    for (size_t i = 0; i < cut; i++) {
        unsigned char ch = (unsigned char)s[i];
        fputc(ch < 0x20 || ch == 0x7f ? ' ' : ch, f);
    }
    if (trunc)
        fputs("\xe2\x80\xa6", f); /* … */
    if (al == LEFT)
        for (int i = 0; i < pad; i++)
            fputc(' ', f);
}

/* The text of a field of an event (dotted path), or "" */
static struct wd_str field_text(const struct wd_jv *src, const char *path, struct wd_buf *tmp)
{
    const struct wd_jv *v = wd_jv_path(src, path);
    if (!v || v->type == WD_JV_NULL)
        return (struct wd_str){"", 0};
    if (v->type == WD_JV_STR)
        return v->u.s;
    tmp->len = 0;
    wd_jv_text(v, tmp);
    return (struct wd_str){tmp->p ? tmp->p : "", tmp->len};
}

static struct wd_str category_of(const struct wd_jv *src, struct wd_buf *tmp)
{
    struct wd_str c = field_text(src, "category", tmp);
    if (c.len && !wd_str_eq(c, "UNKNOWN"))
        return c;
    struct wd_str s = field_text(src, "source", tmp);
    return s.len ? s : c;
}

/* One event as a line: TS HOST CATEGORY SUMMARY, with fixed host/category widths. */
static void print_event(const struct wd_jv *src, int hw, int cw, int width)
{
    struct wd_buf tmp;
    wd_buf_init(&tmp, 0);
    struct wd_str ts = field_text(src, "utctimestamp", &tmp);
    put_cell(stdout, ts.p, ts.len, TS_WIDTH, LEFT);
    fputs("  ", stdout);
    struct wd_str h = field_text(src, "hostname", &tmp);
    put_cell(stdout, h.p, h.len, hw, LEFT);
    fputs("  ", stdout);
    struct wd_str c = category_of(src, &tmp);
    put_cell(stdout, c.p, c.len, cw, LEFT);
    fputs("  ", stdout);
    struct wd_str s = field_text(src, "summary", &tmp);
    int sw = width - TS_WIDTH - hw - cw - 6;
    put_cell(stdout, s.p, s.len, sw < 10 ? 10 : sw, LAST);
    fputc('\n', stdout);
    wd_buf_fini(&tmp);
}

static int text_cols(struct wd_str s)
{
    int n = 0;
    for (size_t i = 0; i < s.len; i++)
        n += ((unsigned char)s.p[i] & 0xC0) != 0x80;
    return n;
}

static void print_hits(const struct wd_jv *root)
{
    const struct wd_jv *hits = wd_jv_get(root, "hits");
    int width = term_width(), hw = 8, cw = 8;
    struct wd_buf tmp;
    wd_buf_init(&tmp, 0);
    uint32_t n = 0;
    for (const struct wd_jv *h = hits && hits->type == WD_JV_ARR ? hits->u.kids.head : NULL; h;
         h = h->next, n++) {
        const struct wd_jv *src = wd_jv_get(h, "_source");
        hw = WD_MAX(hw, WD_MIN(text_cols(field_text(src, "hostname", &tmp)), 30));
        cw = WD_MAX(cw, WD_MIN(text_cols(category_of(src, &tmp)), 20));
    }
    wd_buf_fini(&tmp);
    put_cell(stdout, "UTCTIMESTAMP", 12, TS_WIDTH, LEFT);
    fputs("  ", stdout);
    put_cell(stdout, "HOSTNAME", 8, hw, LEFT);
    fputs("  ", stdout);
    put_cell(stdout, "CATEGORY", 8, cw, LEFT);
    fputs("  SUMMARY\n", stdout);
    for (const struct wd_jv *h = hits && hits->type == WD_JV_ARR ? hits->u.kids.head : NULL; h;
         h = h->next)
        print_event(wd_jv_get(h, "_source"), hw, cw, width);
    const struct wd_jv *total = wd_jv_get(root, "total");
    if (total && total->type == WD_JV_OBJ)
        total = wd_jv_get(total, "value");
    const struct wd_jv *cur = wd_jv_get(root, "next_cursor");
    printf("-- %u hit%s shown", n, n == 1 ? "" : "s");
    if (total && total->type == WD_JV_INT)
        printf(" of %lld", (long long)total->u.i);
    if (cur && cur->type == WD_JV_STR)
        printf("; next page: --cursor %.*s", (int)cur->u.s.len, cur->u.s.p);
    printf("\n");
}

/* A table cell's text: in a computed column (`avg(f)`, `percent`) a fraction is cut to
 * six decimals, as Splunk prints them; event values, and --json, keep every digit. */
static void cell_text(const struct wd_jv *v, bool computed, struct wd_buf *out)
{
    struct wd_str r = v->raw;
    const char *dot = computed && v->type == WD_JV_FLOAT && r.len ? memchr(r.p, '.', r.len) : NULL;
    if (!dot || memchr(r.p, 'e', r.len) || memchr(r.p, 'E', r.len) ||
        (size_t)(r.p + r.len - dot - 1) <= 6) {
        wd_jv_text(v, out);
        return;
    }
    char num[64];
    int n = snprintf(num, sizeof(num), "%.6f", v->u.f);
    if (n <= 0 || (size_t)n >= sizeof(num)) { /* too long to be worth cutting */
        wd_jv_text(v, out);
        return;
    }
    while (n > 0 && num[n - 1] == '0')
        n--;
    if (n > 0 && num[n - 1] == '.')
        n--;
    wd_buf_append(out, num, (size_t)n);
}

/* Whether a column holds computed values: an aggregation's `fn(...)` or top's `percent`. */
static bool computed_col(const struct wd_jv *c)
{
    return c->type == WD_JV_STR && c->u.s.len &&
           (memchr(c->u.s.p, '(', c->u.s.len) || wd_str_eq(c->u.s, "percent"));
}

static void print_table(const struct wd_jv *root)
{
    const struct wd_jv *cols = wd_jv_get(root, "columns"), *rows = wd_jv_get(root, "rows");
    uint32_t nc = cols && cols->type == WD_JV_ARR ? cols->count : 0;
    if (!nc) {
        printf("(no columns)\n");
        return;
    }
    int *w = wd_xcalloc(nc, sizeof(int));
    bool *calc = wd_xcalloc(nc, sizeof(bool));
    struct wd_buf tmp;
    wd_buf_init(&tmp, 0);
    uint32_t i = 0;
    for (const struct wd_jv *c = cols->u.kids.head; c; c = c->next, i++) {
        tmp.len = 0;
        wd_jv_text(c, &tmp);
        w[i] = WD_MIN(text_cols((struct wd_str){tmp.p, tmp.len}), 60);
        calc[i] = computed_col(c);
    }
    const struct wd_jv *rh = rows && rows->type == WD_JV_ARR ? rows->u.kids.head : NULL;
    for (const struct wd_jv *r = rh; r; r = r->next) {
        i = 0;
        for (const struct wd_jv *v = r->type == WD_JV_ARR ? r->u.kids.head : NULL; v && i < nc;
             v = v->next, i++) {
            tmp.len = 0;
            if (v->type != WD_JV_NULL)
                cell_text(v, calc[i], &tmp);
            w[i] = WD_MAX(w[i], WD_MIN(text_cols((struct wd_str){tmp.p, tmp.len}), 60));
        }
    }
    i = 0;
    for (const struct wd_jv *c = cols->u.kids.head; c; c = c->next, i++) {
        tmp.len = 0;
        wd_jv_text(c, &tmp);
        put_cell(stdout, tmp.p ? tmp.p : "", tmp.len, w[i], i + 1 == nc ? LAST : LEFT);
        fputs(i + 1 == nc ? "\n" : "  ", stdout);
    }
    uint32_t nr = 0;
    for (const struct wd_jv *r = rh; r; r = r->next, nr++) {
        i = 0;
        for (const struct wd_jv *v = r->type == WD_JV_ARR ? r->u.kids.head : NULL; v && i < nc;
             v = v->next, i++) {
            tmp.len = 0;
            if (v->type == WD_JV_NULL)
                wd_buf_putc(&tmp, '-');
            else
                cell_text(v, calc[i], &tmp);
            bool num = v->type == WD_JV_INT || v->type == WD_JV_FLOAT;
            put_cell(stdout, tmp.p ? tmp.p : "", tmp.len, w[i],
                     num           ? RIGHT
                     : i + 1 == nc ? LAST
                                   : LEFT);
            fputs(i + 1 == nc ? "\n" : "  ", stdout);
        }
        if (i < nc)
            fputc('\n', stdout);
    }
    printf("-- %u row%s\n", nr, nr == 1 ? "" : "s");
    wd_buf_fini(&tmp);
    free(calc);
    free(w);
}

/* Prints the server's error message for a 4xx/5xx answer. */
static void print_server_error(int status, struct wd_buf *body)
{
    struct wd_arena a;
    wd_arena_init(&a, 16384, 0);
    struct wd_jv *v = NULL;
    const struct wd_jv *reason = NULL;
    if (body->len && wd_buf_reserve(body, WD_JSON_PADDING) == WD_OK &&
        wd_json_parse(body->p, body->len, body->cap - 1, 64, &a, &v, NULL) == WD_OK)
        reason = wd_jv_get(wd_jv_get(v, "error"), "reason");
    if (reason && reason->type == WD_JV_STR)
        fprintf(stderr, "ward: HTTP %d: %.*s\n", status, (int)WD_MIN(reason->u.s.len, 2000),
                reason->u.s.p);
    else
        fprintf(stderr, "ward: HTTP %d: %.*s\n", status, (int)WD_MIN(body->len, 500),
                body->p ? body->p : "");
    wd_arena_fini(&a);
}

/* ---- ward search ---- */

static const char search_usage[] =
    "usage: ward search [QUERY] [--from T] [--to T] [--limit N] [--cursor C] [--json]\n"
    "                   [--url URL]\n"
    "\n"
    "Searches the events of a running ward server (GET /api/v1/search) and prints them\n"
    "newest first as a table (UTCTIMESTAMP, HOSTNAME, CATEGORY or source, SUMMARY cut to\n"
    "the terminal width), or the table of an aggregation (`QUERY | stats count() by f`).\n"
    "QUERY is the Lucene-style query language (docs/api.md); missing or empty means `*`.\n"
    "\n"
    "  --from T      earliest utctimestamp: ISO 8601 (no zone = UTC), epoch seconds or\n"
    "                milliseconds, now, or relative: -15m, -2h, -7d, now-1h (default: open)\n"
    "  --to T        latest utctimestamp, same forms (default: open)\n"
    "  --limit N     hits per page, 1..10000 (default 100)\n"
    "  --cursor C    the next page of an earlier search (printed after the table)\n"
    "  --json        print the server's JSON answer unchanged\n"
    "  --url URL     server (default $WARD_URL or " WD_CLI_DEFAULT_URL "; http:// only)\n"
    "  -h, --help    this help\n"
    "\n"
    "exit status: 0 ok, 1 server or connection error (message on stderr), 2 usage error\n"
    "\n"
    "examples:\n"
    "  ward search 'category:authentication AND summary:failed' --from -1h\n"
    "  ward search 'details.sourceipaddress:10.0.0.0/8 | top 10 hostname' --from -1d\n";

__attribute__((format(printf, 2, 3))) static int usage_error(const char *usage, const char *fmt,
                                                             ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "ward: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%.*s(see --help)\n", (int)strcspn(usage, "\n") + 1, usage);
    return 2;
}

int wd_search_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"from", required_argument, NULL, 'f'},  {"to", required_argument, NULL, 't'},
        {"limit", required_argument, NULL, 'l'}, {"cursor", required_argument, NULL, 'C'},
        {"json", no_argument, NULL, 'j'},        {"url", required_argument, NULL, 'u'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    const char *from = NULL, *to = NULL, *limit = NULL, *cursor = NULL,
               *urls = wd_cli_default_url();
    bool json = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            from = optarg;
            break;
        case 't':
            to = optarg;
            break;
        case 'l':
            limit = optarg;
            if (!*limit || strspn(limit, "0123456789") != strlen(limit))
                return usage_error(search_usage, "--limit expects a number, got '%s'", limit);
            break;
        case 'C':
            cursor = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'u':
            urls = optarg;
            break;
        case 'h':
            fputs(search_usage, stdout);
            return 0;
        default:
            return usage_error(search_usage, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind > 1)
        return usage_error(search_usage, "one QUERY expected (quote it), got also '%s'",
                           argv[optind + 1]);
    const char *query = optind < argc ? argv[optind] : "*";
    struct wd_cli_url u;
    if (wd_cli_parse_url(urls, &u))
        return 2;
    struct wd_buf target;
    wd_buf_init(&target, 0);
    wd_buf_printf(&target, "%s/api/v1/search", u.prefix);
    wd_cli_add_param(&target, "q", query);
    wd_cli_add_param(&target, "from", from);
    wd_cli_add_param(&target, "to", to);
    wd_cli_add_param(&target, "limit", limit);
    wd_cli_add_param(&target, "cursor", cursor);
    wd_buf_putc(&target, '\0');
    struct wd_cli_conn cn;
    int status = 1;
    struct wd_buf body;
    wd_buf_init(&body, MAX_BODY_BYTES);
    if (wd_cli_open(&cn, &u, 300))
        goto out;
    if (wd_cli_request(&cn, &u, "GET", target.p, "application/json") ||
        wd_cli_body_all(&cn, &body)) {
        if (!cn.status)
            goto out_conn;
        fprintf(stderr, "ward: the answer was cut short\n");
        goto out_conn;
    }
    if (cn.status >= 400) {
        print_server_error(cn.status, &body);
        goto out_conn;
    }
    if (json) {
        fwrite(body.p ? body.p : "", 1, body.len, stdout);
        fputc('\n', stdout);
        status = 0;
        goto out_conn;
    }
    struct wd_arena a;
    wd_arena_init(&a, (size_t)256 * 1024, 0);
    struct wd_jv *root = NULL;
    struct wd_perr perr = {0, 0, NULL};
    if (wd_buf_reserve(&body, WD_JSON_PADDING) != WD_OK ||
        wd_json_parse(body.p ? body.p : "", body.len, body.cap ? body.cap - 1 : 0, 0, &a, &root,
                      &perr) != WD_OK ||
        root->type != WD_JV_OBJ) {
        fprintf(stderr, "ward: the server's answer is not a JSON object\n");
    } else {
        if (wd_jv_get(root, "columns"))
            print_table(root);
        else
            print_hits(root);
        status = fflush(stdout) == 0 ? 0 : 1;
    }
    wd_arena_fini(&a);
out_conn:
    wd_cli_close(&cn);
out:
    wd_buf_fini(&body);
    wd_buf_fini(&target);
    return status;
}

/* ---- ward tail ---- */

static const char tail_usage[] =
    "usage: ward tail [QUERY] [--json] [--url URL]\n"
    "\n"
    "Prints events matching QUERY as the server acknowledges them (GET /api/v1/tail,\n"
    "Server-Sent Events), one line each (UTCTIMESTAMP HOSTNAME CATEGORY SUMMARY), until\n"
    "interrupted. QUERY missing or empty means `*`. When this client reads too slowly the\n"
    "server drops the oldest events and says how many (reported on stderr).\n"
    "\n"
    "  --json        one JSON object per line: {\"_id\":\"SEQ\",\"_source\":{...}}\n"
    "  --url URL     server (default $WARD_URL or " WD_CLI_DEFAULT_URL "; http:// only)\n"
    "  -h, --help    this help\n"
    "\n"
    "exit status: 1 when the server cannot be reached, refuses (message on stderr) or ends\n"
    "the stream; 2 usage error\n";

/* Handles one SSE event (its `event:` name and joined data). */
static void tail_event(const char *ev, struct wd_buf *data, bool json)
{
    if (strcmp(ev, "dropped") == 0) {
        fprintf(stderr,
                "ward: the server dropped events this client could not read in time: "
                "%.*s\n",
                (int)data->len, data->p ? data->p : "");
        return;
    }
    if (json) {
        fwrite(data->p, 1, data->len, stdout);
        fputc('\n', stdout);
        fflush(stdout);
        return;
    }
    struct wd_arena a;
    wd_arena_init(&a, (size_t)64 * 1024, 0);
    struct wd_jv *v = NULL;
    if (wd_buf_reserve(data, WD_JSON_PADDING) == WD_OK &&
        wd_json_parse(data->p, data->len, data->cap - 1, 0, &a, &v, NULL) == WD_OK) {
        print_event(wd_jv_get(v, "_source"), 16, 16, term_width());
        fflush(stdout);
    }
    wd_arena_fini(&a);
}

int wd_tail_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"url", required_argument, NULL, 'u'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *urls = wd_cli_default_url();
    bool json = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'j') {
            json = true;
        } else if (c == 'u') {
            urls = optarg;
        } else if (c == 'h') {
            fputs(tail_usage, stdout);
            return 0;
        } else {
            return usage_error(tail_usage, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind > 1)
        return usage_error(tail_usage, "one QUERY expected (quote it), got also '%s'",
                           argv[optind + 1]);
    struct wd_cli_url u;
    if (wd_cli_parse_url(urls, &u))
        return 2;
    struct wd_buf target, line, data, body;
    wd_buf_init(&target, 0);
    wd_buf_init(&line, (size_t)64 << 20);
    wd_buf_init(&data, (size_t)64 << 20);
    wd_buf_init(&body, (size_t)1 << 20);
    wd_buf_printf(&target, "%s/api/v1/tail", u.prefix);
    wd_cli_add_param(&target, "q", optind < argc ? argv[optind] : "*");
    wd_buf_putc(&target, '\0');
    struct wd_cli_conn cn;
    int status = 1;
    if (wd_cli_open(&cn, &u, 0))
        goto out;
    if (wd_cli_request(&cn, &u, "GET", target.p, "text/event-stream"))
        goto out_conn;
    if (cn.status >= 400) {
        wd_cli_body_all(&cn, &body);
        print_server_error(cn.status, &body);
        goto out_conn;
    }
    /* SSE: lines of the body; a blank line dispatches the event. */
    char ev[32] = "";
    char tmp[16384];
    ssize_t n;
    line.len = 0;
    while ((n = wd_cli_body_read(&cn, tmp, sizeof(tmp))) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (tmp[i] != '\n') {
                if (wd_buf_putc(&line, tmp[i]) != WD_OK)
                    goto toolong;
                continue;
            }
            if (line.len && line.p[line.len - 1] == '\r')
                line.len--;
            if (line.len == 0) {
                if (data.len)
                    tail_event(ev, &data, json);
                data.len = 0;
                ev[0] = '\0';
            } else if (line.len >= 5 && memcmp(line.p, "data:", 5) == 0) {
                size_t skip = line.len > 5 && line.p[5] == ' ' ? 6 : 5;
                if (data.len)
                    wd_buf_putc(&data, '\n');
                if (wd_buf_append(&data, line.p + skip, line.len - skip) != WD_OK)
                    goto toolong;
            } else if (line.len >= 6 && memcmp(line.p, "event:", 6) == 0) {
                size_t skip = line.len > 6 && line.p[6] == ' ' ? 7 : 6;
                snprintf(ev, sizeof(ev), "%.*s", (int)(line.len - skip), line.p + skip);
            } /* comments (": keepalive") and id: lines need nothing */
            line.len = 0;
        }
    }
    fprintf(stderr, "ward: the server ended the stream%s\n", n < 0 ? " (connection lost)" : "");
    goto out_conn;
toolong:
    fprintf(stderr, "ward: an event of the stream is larger than 64 MiB\n");
out_conn:
    wd_cli_close(&cn);
out:
    wd_buf_fini(&target);
    wd_buf_fini(&line);
    wd_buf_fini(&data);
    wd_buf_fini(&body);
    return status;
}
