/*
 * gen_main.c: the `ward gen` command: parses options, runs a generator and writes its
 * output to stdout in 1 MiB chunks, or with --outdir to one file per log (conn.log,
 * dns.log, ..., syslog.log, cloudtrail.json), each TSV file with its own header and
 * #close line.
 */
#include <errno.h>

#include "gen_int.h"
#include "mem.h"

#define FLUSH_BYTES (1u << 20)

static const char usage_text[] =
    "usage: ward gen --kind KIND [--format FMT] [--count N] [--seed S] [--start TIME]\n"
    "                [--rate EPS] [--bulk] [--index NAME] [--outdir DIR] [--help]\n"
    "\n"
    "Writes a deterministic stream of realistic events: the same options give the same\n"
    "bytes on every run and machine.\n"
    "\n"
    "  -k, --kind KIND    zeek-conn, zeek-dns, zeek-http, zeek-ssl, zeek-ssh, zeek-x509,\n"
    "                     zeek-mix (a blend with uids shared across logs), syslog (sshd and\n"
    "                     sudo with brute-force bursts), cloudtrail, mix (all of them)\n"
    "  -f, --format FMT   zeek kinds: json (default), tsv, mozdef\n"
    "                     syslog: rfc3164 (default), rfc5424, mozdef\n"
    "                     cloudtrail: json (default), mozdef\n"
    "                     mix: mozdef (default), native (each source in its raw form)\n"
    "  -n, --count N      number of events (default 1000; 0 = unlimited)\n"
    "  -s, --seed S       PRNG seed (default 1)\n"
    "      --start TIME   first timestamp: ISO 8601 (2026-01-01T00:00:00Z, offsets and\n"
    "                     fractions allowed), @EPOCH_SECONDS, or now (default\n"
    "                     2026-01-01T00:00:00Z)\n"
    "      --rate EPS     events per second of simulated time (default 1000)\n"
    "      --bulk         precede each JSON line with {\"index\":{\"_index\":NAME}}\n"
    "      --index NAME   index for --bulk (default events)\n"
    "  -o, --outdir DIR   write one file per log into DIR instead of stdout\n"
    "  -h, --help         this help\n"
    "\n"
    "examples:\n"
    "  ward gen --kind zeek-conn --count 10000000 > conn.ndjson\n"
    "  ward gen --kind zeek-mix --format tsv --count 100000 --outdir /tmp/zeek\n"
    "  ward gen --kind syslog --format rfc5424 --rate 50 | nc -u 127.0.0.1 514\n"
    "  ward gen --kind mix --bulk --index events | curl -s -H 'Content-Type: "
    "application/x-ndjson' --data-binary @- localhost:8080/_bulk\n";

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || *s < '0' || *s > '9')
        return WD_EINVAL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return WD_EINVAL;
    *out = v;
    return WD_OK;
}

static int parse_rate(const char *s, double *out)
{
    char *end;
    if (!s || !*s)
        return WD_EINVAL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !(v >= 0.001 && v <= 1e9))
        return WD_EINVAL;
    *out = v;
    return WD_OK;
}

/* Matches "--name", "--name=value" or the short form; OUT *val: the value (may be the
 * next argument, in which case *i advances). Returns 1 when matched, 0 when not, -1 on a
 * missing value. */
static int opt(int argc, char **argv, int *i, const char *lng, const char *shrt, const char **val)
{
    const char *a = argv[*i];
    size_t n = strlen(lng);
    if (strncmp(a, lng, n) == 0 && a[n] == '=') {
        *val = a + n + 1;
        return 1;
    }
    if (strcmp(a, lng) != 0 && !(shrt && strcmp(a, shrt) == 0))
        return 0;
    if (*i + 1 >= argc)
        return -1;
    *val = argv[++*i];
    return 1;
}

struct sink {
    const char *path;
    FILE *f;
    struct wd_buf buf;
};

static int flush_sink(struct sink *s)
{
    if (s->buf.len && fwrite(s->buf.p, 1, s->buf.len, s->f) != s->buf.len)
        return WD_EIO;
    s->buf.len = 0;
    return WD_OK;
}

static const char *file_ext(const struct wd_gen_opts *o, const char *path)
{
    enum wd_gen_fmt f = o->fmt == WD_GEN_FMT_DEFAULT ? wd_gen_fmt_default(o->kind) : o->fmt;
    if (f == WD_GEN_FMT_MOZDEF)
        return ".json";
    if (strcmp(path, "cloudtrail") == 0)
        return ".json";
    return ".log";
}

static int run_outdir(struct wd_gen *g, const struct wd_gen_opts *o, const char *dir)
{
    struct sink sinks[GL_COUNT];
    struct wd_buf tmp;
    int rc = WD_OK;
    memset(sinks, 0, sizeof(sinks));
    wd_buf_init(&tmp, 0);
    for (;;) {
        tmp.len = 0;
        if (!wd_gen_next(g, &tmp))
            break;
        const char *path = wd_gen_path(g);
        size_t k = 0;
        while (k < GL_COUNT && strcmp(wd_gen_log_names[k], path) != 0)
            k++;
        WD_BUG_ON(k >= GL_COUNT);
        struct sink *s = &sinks[k];
        if (!s->f) {
            char fn[4096];
            int n = snprintf(fn, sizeof(fn), "%s/%s%s", dir, path, file_ext(o, path));
            if (n < 0 || (size_t)n >= sizeof(fn) || !(s->f = fopen(fn, "w"))) {
                (void)fprintf(stderr, "ward gen: cannot create %s/%s%s: %s\n", dir, path,
                              file_ext(o, path), strerror(errno));
                rc = WD_EIO;
                break;
            }
            s->path = wd_gen_log_names[k];
            wd_buf_init(&s->buf, 0);
            if ((rc = wd_gen_header(g, path, &s->buf)) != WD_OK)
                break;
        }
        if ((rc = wd_buf_append(&s->buf, tmp.p, tmp.len)) != WD_OK)
            break;
        if (s->buf.len >= FLUSH_BYTES && (rc = flush_sink(s)) != WD_OK)
            break;
    }
    if (!rc && wd_gen_err(g))
        rc = wd_gen_err(g);
    for (size_t k = 0; k < GL_COUNT; k++) {
        struct sink *s = &sinks[k];
        if (!s->f)
            continue;
        if (!rc)
            rc = wd_gen_footer(g, s->path, &s->buf);
        if (!rc)
            rc = flush_sink(s);
        if (fclose(s->f) != 0 && !rc)
            rc = WD_EIO;
        wd_buf_fini(&s->buf);
    }
    wd_buf_fini(&tmp);
    return rc;
}

static int run_stdout(struct wd_gen *g)
{
    struct sink s = {"stdout", stdout, {NULL, 0, 0, 0}};
    int rc = WD_OK;
    wd_buf_init(&s.buf, 0);
    while (wd_gen_next(g, &s.buf)) {
        if (s.buf.len >= FLUSH_BYTES && (rc = flush_sink(&s)) != WD_OK)
            break;
    }
    if (!rc)
        rc = wd_gen_err(g);
    if (!rc)
        rc = wd_gen_finish(g, &s.buf);
    if (!rc)
        rc = flush_sink(&s);
    if (fflush(stdout) != 0 && !rc)
        rc = WD_EIO;
    wd_buf_fini(&s.buf);
    return rc;
}

int wd_gen_main(int argc, char **argv)
{
    struct wd_gen_opts o;
    const char *outdir = NULL, *val = NULL;
    bool have_kind = false;
    memset(&o, 0, sizeof(o));
    wd_gen_opts_init(&o);

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int m;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            (void)fputs(usage_text, stdout);
            return 0;
        }
        if (strcmp(a, "--bulk") == 0) {
            o.bulk = true;
            continue;
        }
        if ((m = opt(argc, argv, &i, "--kind", "-k", &val)) != 0) {
            if (m < 0 || wd_gen_kind_parse(val, &o.kind) != WD_OK)
                goto bad;
            have_kind = true;
        } else if ((m = opt(argc, argv, &i, "--format", "-f", &val)) != 0) {
            if (m < 0 || wd_gen_fmt_parse(val, &o.fmt) != WD_OK)
                goto bad;
        } else if ((m = opt(argc, argv, &i, "--count", "-n", &val)) != 0) {
            if (m < 0 || parse_u64(val, &o.count) != WD_OK)
                goto bad;
        } else if ((m = opt(argc, argv, &i, "--seed", "-s", &val)) != 0) {
            if (m < 0 || parse_u64(val, &o.seed) != WD_OK)
                goto bad;
        } else if ((m = opt(argc, argv, &i, "--start", NULL, &val)) != 0) {
            if (m < 0 || wd_gen_parse_time(val, &o.start_us) != WD_OK)
                goto bad;
        } else if ((m = opt(argc, argv, &i, "--rate", NULL, &val)) != 0) {
            if (m < 0 || parse_rate(val, &o.rate_eps) != WD_OK)
                goto bad;
        } else if ((m = opt(argc, argv, &i, "--index", NULL, &val)) != 0) {
            if (m < 0 || !*val)
                goto bad;
            o.index = val;
        } else if ((m = opt(argc, argv, &i, "--outdir", "-o", &val)) != 0) {
            if (m < 0 || !*val)
                goto bad;
            outdir = val;
        } else {
            (void)fprintf(stderr, "ward gen: unknown option '%s'\n", a);
            (void)fputs(usage_text, stderr);
            return 2;
        }
        continue;
    bad:
        if (m < 0)
            (void)fprintf(stderr, "ward gen: option '%s' needs a value\n", a);
        else
            (void)fprintf(stderr, "ward gen: invalid value '%s' for %s\n", val, a);
        return 2;
    }
    if (!have_kind) {
        (void)fprintf(stderr, "ward gen: --kind is required\n");
        (void)fputs(usage_text, stderr);
        return 2;
    }
    if (!wd_gen_fmt_ok(o.kind, o.fmt)) {
        (void)fprintf(stderr, "ward gen: kind %s cannot be written as %s\n",
                      wd_gen_kind_name(o.kind), wd_gen_fmt_name(o.fmt));
        return 2;
    }
    o.split = outdir != NULL;
    struct wd_gen *g = wd_gen_new(&o);
    if (!g) {
        (void)fprintf(stderr, "ward gen: invalid options (--bulk needs a JSON format: json or "
                              "mozdef)\n");
        return 2;
    }
    int rc = outdir ? run_outdir(g, &o, outdir) : run_stdout(g);
    wd_gen_free(g);
    if (rc) {
        (void)fprintf(stderr, "ward gen: %s\n", wd_strerror(rc));
        return 1;
    }
    return 0;
}
