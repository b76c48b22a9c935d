/*
 * cli_plugins.c: `ward plugins check PATH` (load every plugin, report errors as file:line)
 * and `ward plugins test PATH --events FILE` (run the plugin chain over NDJSON events the
 * way ingest does and print each resulting event, or {"dropped_by":NAME}, as NDJSON).
 */
#include "cli_plugins.h"

#include <stdlib.h>
#include <string.h>

#include "jv.h"
#include "json.h"
#include "mem.h"
#include "norm.h"
#include "plug.h"
#include "wd_time.h"
#include "ward.h"

static int usage(FILE *f)
{
    fprintf(f, "usage: ward plugins check PATH\n"
               "       ward plugins test PATH --events FILE [--raw] [--now TIME]\n"
               "                        [--on-error keep|drop] [--max-instructions N]\n\n"
               "PATH is a plugin file (.lua) or a directory of them (plugins.dir).\n"
               "check: loads the plugins and reports each problem as file:line: message.\n"
               "test: for each NDJSON event in FILE ('-' = stdin) runs what ingest runs: key\n"
               "  mapping, the plugin chain, the storage defaults at TIME (default now), and\n"
               "  prints the result, or {\"dropped_by\":\"NAME\"}, one line per event.\n"
               "  --raw   give the event to the plugins as written (no key mapping, no defaults)\n"
               "Exit status: 0, 1 when an event was not an object or a plugin failed, 2 usage or\n"
               "load errors.\n");
    return f == stdout ? 0 : 2;
}

static int read_input(const char *path, char **text, size_t *len)
{
    int rc = wd_read_file(path, (size_t)1 << 31, text, len); /* "-": standard input */
    if (rc)
        fprintf(stderr, "ward: cannot read %s: %s\n", path, wd_strerror(rc));
    return rc;
}

static int one(struct wd_plugins *p, struct wd_arena *a, const struct wd_norm_opts *no, bool raw,
               struct wd_jv *v, struct wd_buf *out)
{
    struct wd_jv *ev = v;
    if (!raw && wd_norm_event(a, no, v, &ev, NULL) != WD_OK)
        return -1;
    struct wd_plug_result pr;
    if (wd_plugins_run(p, a, &ev, &pr) != WD_OK)
        return -1;
    out->len = 0;
    if (pr.dropped) {
        wd_buf_printf(out, "{\"dropped_by\":");
        wd_jv_write_str(pr.dropped_by, strlen(pr.dropped_by), out);
        wd_buf_putc(out, '}');
    } else {
        if (!raw && wd_norm_defaults(a, no, ev) != WD_OK)
            return -1;
        if (wd_jv_write(ev, out) != WD_OK)
            return -1;
    }
    return (int)pr.errors;
}

static int cmd_test(int argc, char **argv)
{
    const char *path = NULL, *events = NULL, *now_s = NULL, *on_error = "keep";
    const char *max_ins = "1000000";
    bool raw = false;
    for (int i = 1; i < argc; i++) {
        const char **dst = !strcmp(argv[i], "--events")             ? &events
                           : !strcmp(argv[i], "--now")              ? &now_s
                           : !strcmp(argv[i], "--on-error")         ? &on_error
                           : !strcmp(argv[i], "--max-instructions") ? &max_ins
                                                                    : NULL;
        if (dst && i + 1 < argc)
            *dst = argv[++i];
        else if (!strcmp(argv[i], "--raw"))
            raw = true;
        else if (!strcmp(argv[i], "--help"))
            return usage(stdout);
        else if (argv[i][0] != '-' && !path)
            path = argv[i];
        else
            return usage(stderr);
    }
    if (!path || !events || (strcmp(on_error, "keep") && strcmp(on_error, "drop")))
        return usage(stderr);
    int64_t now = wd_now_us();
    if (now_s && wd_time_parse_str(now_s, strlen(now_s), NULL, now, &now) != WD_OK) {
        fprintf(stderr, "ward: --now: not a time: %s\n", now_s);
        return 2;
    }
    struct wd_plug_opts po = {path, strtoll(max_ins, NULL, 10), 16 << 20, !strcmp(on_error, "drop"),
                              0};
    struct wd_plugins *p;
    if (wd_plugins_new(&po, &p, stderr))
        return 2;
    char *text;
    size_t len;
    if (read_input(events, &text, &len)) {
        wd_plugins_free(p);
        return 2;
    }
    struct wd_arena a;
    wd_arena_init(&a, 256 << 10, 1u << 30);
    struct wd_buf out;
    wd_buf_init(&out, 0);
    struct wd_norm_opts no = {.mozdefhostname = "ward", .now_us = now, .defer_defaults = true};
    int st = 0;
    unsigned long long line = 0;
    for (size_t off = 0; off < len;) {
        char *nl = memchr(text + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - text) : len, l = end - off;
        line++;
        while (l && (text[off + l - 1] == '\r' || text[off + l - 1] == ' '))
            l--;
        if (l) {
            struct wd_jv *v;
            struct wd_perr pe = {0};
            wd_arena_reset(&a);
            int rc =
                wd_json_parse(text + off, l, l, 0, &a, &v, &pe) != WD_OK || v->type != WD_JV_OBJ
                    ? -1
                    : one(p, &a, &no, raw, v, &out);
            if (rc < 0) {
                fprintf(stderr, "%s:%llu: not a JSON object%s%s\n", events, line,
                        pe.msg ? ": " : "", pe.msg ? pe.msg : "");
                st = 1;
            } else {
                if (rc > 0) {
                    fprintf(stderr, "%s:%llu: %d plugin failures (see the log above)\n", events,
                            line, rc);
                    st = 1;
                }
                (void)fwrite(out.p, 1, out.len, stdout);
                (void)fputc('\n', stdout);
            }
        }
        off = end + 1;
    }
    wd_buf_fini(&out);
    wd_arena_fini(&a);
    free(text);
    wd_plugins_free(p);
    return st;
}

static int cmd_check(int argc, char **argv)
{
    if (argc != 2 || !strcmp(argv[1], "--help"))
        return usage(argc == 2 ? stdout : stderr);
    struct wd_plug_opts po = {argv[1], 0, 0, false, 0};
    struct wd_plugins *p;
    int n = wd_plugins_new(&po, &p, stderr);
    if (n) {
        printf("%d errors\n", n);
        return 1;
    }
    printf("%d plugins, 0 errors\n", wd_plugins_count(p));
    wd_plugins_free(p);
    return 0;
}

int wd_plugins_main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "check"))
        return cmd_check(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "test"))
        return cmd_test(argc - 1, argv + 1);
    return usage(argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
}
