/*
 * test_gen.c: unit tests of the event generator (gen.h): byte-for-byte determinism, exact
 * counts, non-decreasing timestamps, the structure of every kind and format (Zeek TSV
 * headers and column counts, JSON validity through wd_json_parse, MozDef fields, bulk
 * action lines, syslog line shapes), uids shared across Zeek logs, brute-force bursts in
 * syslog, option and time parsing, capped buffers and the command line.
 */
#include <fcntl.h>
#include <unistd.h>

#include "gen.h"
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "ward.h"
#include "wd_test.h"

static const enum wd_gen_fmt all_fmts[] = {
    WD_GEN_FMT_TSV,     WD_GEN_FMT_JSON,    WD_GEN_FMT_MOZDEF,
    WD_GEN_FMT_RFC3164, WD_GEN_FMT_RFC5424, WD_GEN_FMT_NATIVE,
};

static const enum wd_gen_kind all_kinds[] = {
    WD_GEN_ZEEK_CONN, WD_GEN_ZEEK_DNS, WD_GEN_ZEEK_HTTP, WD_GEN_ZEEK_SSL,   WD_GEN_ZEEK_SSH,
    WD_GEN_ZEEK_X509, WD_GEN_ZEEK_MIX, WD_GEN_SYSLOG,    WD_GEN_CLOUDTRAIL, WD_GEN_MIX,
};

static bool is_zeek(enum wd_gen_kind k)
{
    return k <= WD_GEN_ZEEK_MIX;
}

/* Generates everything into `out` (NUL-terminated); returns the event count or -1. */
static long gen_all(enum wd_gen_kind k, enum wd_gen_fmt f, uint64_t count, uint64_t seed,
                    struct wd_buf *out)
{
    struct wd_gen_opts o;
    memset(&o, 0, sizeof(o));
    o.kind = k;
    wd_gen_opts_init(&o);
    o.fmt = f;
    o.count = count;
    o.seed = seed;
    struct wd_gen *g = wd_gen_new(&o);
    if (!g)
        return -1;
    long n = 0;
    while (wd_gen_next(g, out))
        n++;
    if (wd_gen_err(g) || wd_gen_finish(g, out))
        n = -1;
    wd_gen_free(g);
    return n;
}

/* Line iterator over a NUL-terminated buffer. */
struct lines {
    const char *p, *end;
};

static bool next_line(struct lines *it, struct wd_str *line)
{
    if (it->p >= it->end)
        return false;
    const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
    if (!nl)
        nl = it->end;
    line->p = it->p;
    line->len = (size_t)(nl - it->p);
    it->p = nl + 1;
    return true;
}

static size_t count_char(struct wd_str s, char c)
{
    size_t n = 0;
    for (size_t i = 0; i < s.len; i++)
        n += s.p[i] == c;
    return n;
}

static bool starts(struct wd_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len >= n && memcmp(s.p, lit, n) == 0;
}

static bool contains(struct wd_str s, const char *lit)
{
    size_t n = strlen(lit);
    for (size_t i = 0; i + n <= s.len; i++)
        if (memcmp(s.p + i, lit, n) == 0)
            return true;
    return false;
}

/* Parses one JSON line; returns the root or NULL. */
static struct wd_jv *parse(struct wd_arena *a, struct wd_str line)
{
    struct wd_jv *root = NULL;
    struct wd_perr err;
    if (wd_json_parse(line.p, line.len, line.len, 0, a, &root, &err) != WD_OK)
        return NULL;
    return root;
}

static bool jv_is_str(const struct wd_jv *v)
{
    return v && v->type == WD_JV_STR;
}

static bool jv_is_num(const struct wd_jv *v)
{
    return v && (v->type == WD_JV_INT || v->type == WD_JV_FLOAT);
}

/* ---- determinism ------------------------------------------------------------------------ */

static void t_determinism(void)
{
    for (size_t i = 0; i < WD_ARRAY_LEN(all_kinds); i++) {
        struct wd_buf a, b, c;
        wd_buf_init(&a, 0);
        wd_buf_init(&b, 0);
        wd_buf_init(&c, 0);
        EXPECT_INT(gen_all(all_kinds[i], WD_GEN_FMT_DEFAULT, 1500, 7, &a), 1500);
        EXPECT_INT(gen_all(all_kinds[i], WD_GEN_FMT_DEFAULT, 1500, 7, &b), 1500);
        EXPECT_INT(gen_all(all_kinds[i], WD_GEN_FMT_DEFAULT, 1500, 8, &c), 1500);
        FAIL_UNLESS(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
        FAIL_IF(a.len == c.len && memcmp(a.p, c.p, a.len) == 0);
        wd_buf_fini(&a);
        wd_buf_fini(&b);
        wd_buf_fini(&c);
    }
}

static void t_determinism_all_formats(void)
{
    for (size_t i = 0; i < WD_ARRAY_LEN(all_kinds); i++) {
        for (size_t j = 0; j < WD_ARRAY_LEN(all_fmts); j++) {
            if (!wd_gen_fmt_ok(all_kinds[i], all_fmts[j]))
                continue;
            struct wd_buf a, b;
            wd_buf_init(&a, 0);
            wd_buf_init(&b, 0);
            EXPECT_INT(gen_all(all_kinds[i], all_fmts[j], 400, 42, &a), 400);
            EXPECT_INT(gen_all(all_kinds[i], all_fmts[j], 400, 42, &b), 400);
            FAIL_UNLESS(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
            wd_buf_fini(&a);
            wd_buf_fini(&b);
        }
    }
}

static uint64_t fnv1a(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    return h;
}

/*
 * Golden hashes: the output must not depend on the compiler, its flags or the machine
 * (evaluation order, floating point, libc). A deliberate change of what the generator
 * writes changes these values: update them in the same commit and say so.
 */
static void t_golden(void)
{
    static const struct {
        enum wd_gen_kind k;
        enum wd_gen_fmt f;
        uint64_t hash;
    } cases[] = {
        {WD_GEN_ZEEK_MIX, WD_GEN_FMT_TSV, 0x125e811fe51b4d56ULL},
        {WD_GEN_ZEEK_MIX, WD_GEN_FMT_MOZDEF, 0xb3bd60931430bcb2ULL},
        {WD_GEN_SYSLOG, WD_GEN_FMT_RFC3164, 0xa84dabcc24a8d9d3ULL},
        {WD_GEN_CLOUDTRAIL, WD_GEN_FMT_JSON, 0x5fdfcf0a9f9e8a46ULL},
        {WD_GEN_MIX, WD_GEN_FMT_NATIVE, 0x2108d3a9f49854f8ULL},
    };
    for (size_t i = 0; i < WD_ARRAY_LEN(cases); i++) {
        struct wd_buf b;
        wd_buf_init(&b, 0);
        EXPECT_INT(gen_all(cases[i].k, cases[i].f, 3000, 1, &b), 3000);
        uint64_t h = fnv1a(b.p, b.len);
        if (h != cases[i].hash)
            printf("golden %zu: 0x%016llxULL\n", i, (unsigned long long)h);
        FAIL_UNLESS(h == cases[i].hash);
        wd_buf_fini(&b);
    }
}

/* A prefix of a longer run is the shorter run (count only stops the stream). */
static void t_prefix_stable(void)
{
    struct wd_buf a, b;
    wd_buf_init(&a, 0);
    wd_buf_init(&b, 0);
    EXPECT_INT(gen_all(WD_GEN_MIX, WD_GEN_FMT_MOZDEF, 300, 3, &a), 300);
    EXPECT_INT(gen_all(WD_GEN_MIX, WD_GEN_FMT_MOZDEF, 900, 3, &b), 900);
    FAIL_UNLESS(b.len > a.len && memcmp(a.p, b.p, a.len) == 0);
    wd_buf_fini(&a);
    wd_buf_fini(&b);
}

/* ---- counts and time ---------------------------------------------------------------------- */

static void t_count_exact(void)
{
    for (size_t i = 0; i < WD_ARRAY_LEN(all_kinds); i++) {
        for (size_t j = 0; j < WD_ARRAY_LEN(all_fmts); j++) {
            enum wd_gen_kind k = all_kinds[i];
            enum wd_gen_fmt f = all_fmts[j];
            if (!wd_gen_fmt_ok(k, f))
                continue;
            struct wd_buf b;
            wd_buf_init(&b, 0);
            EXPECT_INT(gen_all(k, f, 777, 5, &b), 777);
            struct lines it = {b.p, b.p + b.len};
            struct wd_str l;
            size_t data = 0;
            while (next_line(&it, &l))
                data += !(f == WD_GEN_FMT_TSV && l.len && l.p[0] == '#');
            EXPECT_INT(data, 777);
            FAIL_UNLESS(b.len && b.p[b.len - 1] == '\n');
            wd_buf_fini(&b);
        }
    }
}

static void t_library_api(void)
{
    struct wd_gen_opts o;
    memset(&o, 0, sizeof(o));
    o.kind = WD_GEN_ZEEK_CONN;
    wd_gen_opts_init(&o);
    EXPECT_INT(o.count, 1000);
    EXPECT_INT(o.seed, 1);
    EXPECT_INT(o.start_us, 1767225600000000LL);
    FAIL_UNLESS(o.rate_eps == 1000.0);
    EXPECT_STR(o.index, "events");
    o.count = 3;
    struct wd_gen *g = wd_gen_new(&o);
    FAIL_UNLESS(g);
    EXPECT_STR(wd_gen_path(g), "");
    EXPECT_INT(wd_gen_ts(g), 0);
    struct wd_buf b;
    wd_buf_init(&b, 0);
    size_t n1 = wd_gen_next(g, &b);
    FAIL_UNLESS(n1 > 0 && b.len == n1 && b.p[n1 - 1] == '\n');
    EXPECT_STR(wd_gen_path(g), "conn");
    EXPECT_INT(wd_gen_ts(g), 1767225600000000LL);
    size_t n2 = wd_gen_next(g, &b);
    FAIL_UNLESS(n2 > 0 && b.len == n1 + n2);
    FAIL_UNLESS(wd_gen_next(g, &b) > 0);
    EXPECT_INT(wd_gen_next(g, &b), 0);
    EXPECT_INT(wd_gen_produced(g), 3);
    EXPECT_INT(wd_gen_err(g), WD_OK);
    EXPECT_INT(strlen(b.p), b.len);
    wd_gen_free(g);
    wd_gen_free(NULL);
    wd_buf_fini(&b);
}

static void t_unlimited_count(void)
{
    struct wd_gen_opts o;
    memset(&o, 0, sizeof(o));
    o.kind = WD_GEN_SYSLOG;
    wd_gen_opts_init(&o);
    o.count = 0;
    struct wd_gen *g = wd_gen_new(&o);
    FAIL_UNLESS(g);
    struct wd_buf b;
    wd_buf_init(&b, 0);
    for (int i = 0; i < 5000; i++) {
        b.len = 0;
        FAIL_UNLESS(wd_gen_next(g, &b) > 0);
    }
    wd_gen_free(g);
    wd_buf_fini(&b);
}

static void check_monotonic(enum wd_gen_kind k, double rate, uint64_t n)
{
    struct wd_gen_opts o;
    memset(&o, 0, sizeof(o));
    o.kind = k;
    wd_gen_opts_init(&o);
    o.count = n;
    o.rate_eps = rate;
    o.start_us = 1700000000123456LL;
    struct wd_gen *g = wd_gen_new(&o);
    FAIL_UNLESS(g);
    struct wd_buf b;
    wd_buf_init(&b, 0);
    int64_t prev = 0, first = 0;
    while (wd_gen_next(g, &b)) {
        int64_t t = wd_gen_ts(g);
        if (!first)
            first = t;
        FAIL_UNLESS(t >= prev);
        FAIL_UNLESS(t >= o.start_us);
        prev = t;
        b.len = 0;
    }
    /* the first event is at the start (or one session step after it) */
    FAIL_UNLESS(first - o.start_us < 60 * 1000000LL);
    /* the simulated span matches the rate within 25 % (+-1 s: CloudTrail has whole
     * seconds) */
    double span = (double)(prev - first) / 1e6, want = (double)(n - 1) / rate;
    if (rate <= 1000) {
        FAIL_UNLESS(span > want * 0.75 - 1 && span < want * 1.25 + 1);
    }
    wd_gen_free(g);
    wd_buf_fini(&b);
}

static void t_monotonic(void)
{
    for (size_t i = 0; i < WD_ARRAY_LEN(all_kinds); i++) {
        check_monotonic(all_kinds[i], 1000, 4000);
        if (wd_test_failed_)
            return;
        check_monotonic(all_kinds[i], 2.5, 1500);
        if (wd_test_failed_)
            return;
        check_monotonic(all_kinds[i], 5e6, 3000);
        if (wd_test_failed_)
            return;
    }
}

/* ---- TSV ------------------------------------------------------------------------------------ */

static const char *const hdr[] = {"#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)",
                                  "#unset_field\t-",  "#path\t",           "#open\t",
                                  "#fields\t",        "#types\t"};

/* Checks one or more concatenated Zeek TSV files; returns the number of data lines or -1. */
static long check_tsv(const char *p, size_t len, const char *want_path, int *sections)
{
    struct lines it = {p, p + len};
    struct wd_str l;
    long data = 0;
    size_t fields = 0;
    int state = 0; /* 0 = expect header, 1 = data */
    *sections = 0;
    while (next_line(&it, &l)) {
        if (state == 0) {
            for (size_t i = 0; i < WD_ARRAY_LEN(hdr); i++) {
                if (i && !next_line(&it, &l))
                    return -1;
                if (!starts(l, hdr[i]))
                    return -1;
                if (i == 4 && want_path &&
                    !(l.len == 6 + strlen(want_path) && memcmp(l.p + 6, want_path, l.len - 6) == 0))
                    return -1;
                if (i == 5 && l.len != 6 + 19)
                    return -1;
                if (i == 6)
                    fields = count_char(l, '\t');
                if (i == 7 && count_char(l, '\t') != fields)
                    return -1;
            }
            state = 1;
            (*sections)++;
            continue;
        }
        if (starts(l, "#close\t")) {
            if (l.len != 7 + 19)
                return -1;
            state = 0;
            continue;
        }
        if (l.len == 0 || l.p[0] == '#')
            return -1;
        if (count_char(l, '\t') + 1 != fields)
            return -1;
        /* ts: digits '.' 6 digits */
        const char *tab = memchr(l.p, '\t', l.len);
        if (!tab || tab - l.p < 8 || tab[-7] != '.')
            return -1;
        data++;
    }
    return state == 0 ? data : -1; /* every section closed */
}

static void t_tsv_structure(void)
{
    static const struct {
        enum wd_gen_kind k;
        const char *path;
        size_t ncols;
    } cases[] = {
        {WD_GEN_ZEEK_CONN, "conn", 21}, {WD_GEN_ZEEK_DNS, "dns", 24},
        {WD_GEN_ZEEK_HTTP, "http", 30}, {WD_GEN_ZEEK_SSL, "ssl", 19},
        {WD_GEN_ZEEK_SSH, "ssh", 18},   {WD_GEN_ZEEK_X509, "x509", 22},
    };
    for (size_t i = 0; i < WD_ARRAY_LEN(cases); i++) {
        struct wd_buf b;
        int sections;
        wd_buf_init(&b, 0);
        EXPECT_INT(gen_all(cases[i].k, WD_GEN_FMT_TSV, 1200, 11, &b), 1200);
        EXPECT_INT(check_tsv(b.p, b.len, cases[i].path, &sections), 1200);
        EXPECT_INT(sections, 1);
        /* the column set is Zeek's */
        const char *f = strstr(b.p, "#fields\t");
        FAIL_UNLESS(f);
        struct wd_str fl = {f, (size_t)(strchr(f, '\n') - f)};
        EXPECT_INT(count_char(fl, '\t'), cases[i].ncols);
        FAIL_UNLESS(starts(fl, "#fields\tts\t"));
        wd_buf_fini(&b);
    }
}

static void t_tsv_conn_values(void)
{
    static const char *const states[] = {"S0",   "S1",     "SF",    "REJ", "S2",  "S3", "RSTO",
                                         "RSTR", "RSTOS0", "RSTRH", "SH",  "SHR", "OTH"};
    struct wd_buf b;
    int sections;
    wd_buf_init(&b, 0);
    EXPECT_INT(gen_all(WD_GEN_ZEEK_CONN, WD_GEN_FMT_TSV, 3000, 12, &b), 3000);
    EXPECT_INT(check_tsv(b.p, b.len, "conn", &sections), 3000);
    FAIL_UNLESS(strstr(b.p, "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\t"
                            "interval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\t"
                            "count\tcount\tcount\tset[string]\n"));
    struct lines it = {b.p, b.p + b.len};
    struct wd_str l;
    size_t seen_sf = 0, seen_s0 = 0, seen_udp = 0, seen_icmp = 0;
    while (next_line(&it, &l)) {
        if (l.p[0] == '#')
            continue;
        struct wd_str col[21];
        size_t n = 0;
        const char *s = l.p, *e = l.p + l.len;
        while (n < 21) {
            const char *t = memchr(s, '\t', (size_t)(e - s));
            if (!t)
                t = e;
            col[n].p = s;
            col[n].len = (size_t)(t - s);
            n++;
            s = t + 1;
            if (t == e)
                break;
        }
        EXPECT_INT(n, 21);
        /* uid: C + base62 of 64 + 32 bits, mostly 18 chars, rarely shorter */
        FAIL_UNLESS(col[1].len >= 12 && col[1].len <= 18 && col[1].p[0] == 'C');
        FAIL_UNLESS(wd_str_eq(col[6], "tcp") || wd_str_eq(col[6], "udp") ||
                    wd_str_eq(col[6], "icmp"));
        bool ok = false;
        for (size_t k = 0; k < WD_ARRAY_LEN(states); k++)
            ok |= wd_str_eq(col[11], states[k]);
        FAIL_UNLESS(ok);
        FAIL_UNLESS(wd_str_eq(col[12], "T") || wd_str_eq(col[12], "F"));
        FAIL_UNLESS(wd_str_eq(col[20], "-"));
        seen_sf += wd_str_eq(col[11], "SF");
        seen_s0 += wd_str_eq(col[11], "S0");
        seen_udp += wd_str_eq(col[6], "udp");
        seen_icmp += wd_str_eq(col[6], "icmp");
    }
    /* a realistic blend: mostly SF, some S0, UDP and a little ICMP */
    FAIL_UNLESS(seen_sf > 1500 && seen_s0 > 50 && seen_udp > 300 && seen_icmp > 5);
    wd_buf_fini(&b);
}

static void t_tsv_mix_sections(void)
{
    struct wd_buf b;
    int sections;
    wd_buf_init(&b, 0);
    EXPECT_INT(gen_all(WD_GEN_ZEEK_MIX, WD_GEN_FMT_TSV, 2000, 13, &b), 2000);
    EXPECT_INT(check_tsv(b.p, b.len, NULL, &sections), 2000);
    FAIL_UNLESS(sections > 10);
    for (size_t i = 0; i < 6; i++) {
        static const char *const paths[] = {"#path\tconn\n", "#path\tdns\n", "#path\thttp\n",
                                            "#path\tssl\n",  "#path\tssh\n", "#path\tx509\n"};
        FAIL_UNLESS(strstr(b.p, paths[i]));
    }
    wd_buf_fini(&b);
}

/* split mode: no header from wd_gen_next; wd_gen_header/footer make complete files */
static void t_tsv_split(void)
{
    struct wd_gen_opts o;
    memset(&o, 0, sizeof(o));
    o.kind = WD_GEN_ZEEK_SSL;
    wd_gen_opts_init(&o);
    o.fmt = WD_GEN_FMT_TSV;
    o.split = true;
    o.count = 50;
    struct wd_gen *g = wd_gen_new(&o);
    FAIL_UNLESS(g);
    struct wd_buf b;
    int sections;
    wd_buf_init(&b, 0);
    EXPECT_INT(wd_gen_header(g, "ssl", &b), WD_OK);
    size_t hl = b.len;
    while (wd_gen_next(g, &b))
        ;
    FAIL_IF(memchr(b.p + hl, '#', b.len - hl));
    EXPECT_INT(wd_gen_finish(g, &b), WD_OK); /* no-op in split mode */
    EXPECT_INT(wd_gen_footer(g, "ssl", &b), WD_OK);
    EXPECT_INT(check_tsv(b.p, b.len, "ssl", &sections), 50);
    EXPECT_INT(wd_gen_header(g, "nosuchlog", &b), WD_ENOENT);
    EXPECT_INT(wd_gen_header(g, "syslog", &b), WD_OK);
    wd_gen_free(g);
    wd_buf_fini(&b);
}

static void t_tsv_escaping(void)
{
    /* x509 subjects carry RFC 2253 escapes ("\,"), written with the backslash doubled */
    struct wd_buf b;
    int sections;
    wd_buf_init(&b, 0);
    EXPECT_INT(gen_all(WD_GEN_ZEEK_MIX, WD_GEN_FMT_TSV, 20000, 14, &b), 20000);
    EXPECT_INT(check_tsv(b.p, b.len, NULL, &sections), 20000);
    FAIL_UNLESS(strstr(b.p, "O=Zoom Video Communications\\\\, Inc."));
    FAIL_UNLESS(strstr(b.p, "\t(empty)\t"));
    wd_buf_fini(&b);
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static void t_zeek_json(void)
{
    static const struct {
        enum wd_gen_kind k;
        const char *path;
    } cases[] = {
        {WD_GEN_ZEEK_CONN, "conn"}, {WD_GEN_ZEEK_DNS, "dns"}, {WD_GEN_ZEEK_HTTP, "http"},
        {WD_GEN_ZEEK_SSL, "ssl"},   {WD_GEN_ZEEK_SSH, "ssh"}, {WD_GEN_ZEEK_X509, "x509"},
        {WD_GEN_ZEEK_MIX, NULL},
    };
    struct wd_arena a;
    wd_arena_init(&a, 1 << 16, 0);
    for (size_t i = 0; i < WD_ARRAY_LEN(cases); i++) {
        struct wd_buf b;
        wd_buf_init(&b, 0);
        EXPECT_INT(gen_all(cases[i].k, WD_GEN_FMT_JSON, 1500, 21, &b), 1500);
        struct lines it = {b.p, b.p + b.len};
        struct wd_str l;
        while (next_line(&it, &l)) {
            wd_arena_reset(&a);
            struct wd_jv *v = parse(&a, l);
            FAIL_UNLESS(v && v->type == WD_JV_OBJ);
            /* streaming form: _path then _write_ts first */
            FAIL_UNLESS(v->u.kids.head && wd_str_eq(v->u.kids.head->key, "_path"));
            FAIL_UNLESS(wd_str_eq(v->u.kids.head->next->key, "_write_ts"));
            struct wd_jv *p = wd_jv_get(v, "_path");
            FAIL_UNLESS(jv_is_str(p));
            if (cases[i].path)
                FAIL_UNLESS(wd_str_eq(p->u.s, cases[i].path));
            FAIL_UNLESS(jv_is_num(wd_jv_get(v, "_write_ts")));
            FAIL_UNLESS(jv_is_num(wd_jv_get(v, "ts")));
            if (!wd_str_eq(p->u.s, "x509")) {
                struct wd_jv *uid = wd_jv_get(v, "uid");
                FAIL_UNLESS(jv_is_str(uid) && uid->u.s.p[0] == 'C' && uid->u.s.len >= 12 &&
                            uid->u.s.len <= 18);
                FAIL_UNLESS(jv_is_str(wd_jv_get(v, "id.orig_h")));
                FAIL_UNLESS(wd_jv_get(v, "id.resp_p") &&
                            wd_jv_get(v, "id.resp_p")->type == WD_JV_INT);
            } else {
                FAIL_UNLESS(jv_is_str(wd_jv_get(v, "fingerprint")) &&
                            wd_jv_get(v, "fingerprint")->u.s.len == 64);
            }
            /* unset fields are omitted, never null */
            FAIL_IF(contains(l, ":null"));
        }
        wd_buf_fini(&b);
    }
    wd_arena_fini(&a);
}

/* conn, dns, ssl, http, x509 of one session share uids / fingerprints */
static void t_zeek_mix_uids(void)
{
    struct wd_arena a;
    struct wd_buf b;
    wd_arena_init(&a, 1 << 16, 0);
    wd_buf_init(&b, 0);
    EXPECT_INT(gen_all(WD_GEN_ZEEK_MIX, WD_GEN_FMT_JSON, 6000, 22, &b), 6000);
    /* collect conn uids */
    char(*conn)[20] = calloc(6000, 20);
    size_t nconn = 0, nssl = 0, nssl_match = 0, ndns = 0, ndns_match = 0, nhttp = 0,
           nhttp_match = 0, nfps = 0, nfps_match = 0;
    struct lines it = {b.p, b.p + b.len};
    struct wd_str l;
    while (next_line(&it, &l)) {
        wd_arena_reset(&a);
        struct wd_jv *v = parse(&a, l);
        FAIL_UNLESS(v);
        struct wd_jv *p = wd_jv_get(v, "_path"), *uid = wd_jv_get(v, "uid");
        if (wd_str_eq(p->u.s, "conn") && uid->u.s.len < 20) {
            memcpy(conn[nconn], uid->u.s.p, uid->u.s.len);
            conn[nconn++][uid->u.s.len] = '\0';
        }
    }
    it.p = b.p;
    char(*fps)[65] = calloc(6000, 65);
    while (next_line(&it, &l)) {
        wd_arena_reset(&a);
        struct wd_jv *v = parse(&a, l);
        struct wd_jv *p = wd_jv_get(v, "_path"), *uid = wd_jv_get(v, "uid");
        size_t *tot = NULL, *hit = NULL;
        if (wd_str_eq(p->u.s, "ssl")) {
            tot = &nssl;
            hit = &nssl_match;
            struct wd_jv *c = wd_jv_get(v, "cert_chain_fps");
            for (struct wd_jv *e = c ? c->u.kids.head : NULL; e; e = e->next)
                if (nfps < 6000 && e->u.s.len == 64)
                    memcpy(fps[nfps++], e->u.s.p, 64);
        } else if (wd_str_eq(p->u.s, "dns")) {
            tot = &ndns;
            hit = &ndns_match;
        } else if (wd_str_eq(p->u.s, "http")) {
            tot = &nhttp;
            hit = &nhttp_match;
        } else if (wd_str_eq(p->u.s, "x509")) {
            struct wd_jv *fp = wd_jv_get(v, "fingerprint");
            for (size_t i = 0; i < nfps; i++)
                if (memcmp(fps[i], fp->u.s.p, 64) == 0) {
                    nfps_match++;
                    break;
                }
        }
        if (!tot)
            continue;
        (*tot)++;
        for (size_t i = 0; i < nconn; i++) {
            if (strlen(conn[i]) == uid->u.s.len && memcmp(conn[i], uid->u.s.p, uid->u.s.len) == 0) {
                (*hit)++;
                break;
            }
        }
    }
    free(conn);
    free(fps);
    /* conn records are logged at the first packet, so nearly all children find theirs */
    FAIL_UNLESS(nssl > 100 && nssl_match * 100 >= nssl * 95);
    FAIL_UNLESS(ndns > 100 && ndns_match * 100 >= ndns * 95);
    FAIL_UNLESS(nhttp > 10 && nhttp_match * 100 >= nhttp * 90);
    FAIL_UNLESS(nfps_match > 20);
    wd_buf_fini(&b);
    wd_arena_fini(&a);
}

static void t_cloudtrail_json(void)
{
    static const char *const keys[] = {
        "eventVersion", "userIdentity",    "eventTime", "eventSource",       "eventName",
        "awsRegion",    "sourceIPAddress", "userAgent", "requestParameters", "responseElements",
        "requestID",    "eventID",         "readOnly",  "eventType",         "recipientAccountId"};
    struct wd_arena a;
    struct wd_buf b;
    wd_arena_init(&a, 1 << 16, 0);
    wd_buf_init(&b, 0);
    EXPECT_INT(gen_all(WD_GEN_CLOUDTRAIL, WD_GEN_FMT_JSON, 3000, 23, &b), 3000);
    struct lines it = {b.p, b.p + b.len};
    struct wd_str l;
    size_t login_fail = 0, sensitive = 0;
    while (next_line(&it, &l)) {
        wd_arena_reset(&a);
        struct wd_jv *v = parse(&a, l);
        FAIL_UNLESS(v && v->type == WD_JV_OBJ);
        for (size_t i = 0; i < WD_ARRAY_LEN(keys); i++)
            FAIL_UNLESS(wd_jv_get(v, keys[i]));
        struct wd_jv *t = wd_jv_get(v, "eventTime");
        FAIL_UNLESS(jv_is_str(t) && t->u.s.len == 20 && t->u.s.p[19] == 'Z');
        FAIL_UNLESS(wd_jv_get(wd_jv_get(v, "userIdentity"), "type"));
        struct wd_jv *name = wd_jv_get(v, "eventName");
        struct wd_jv *resp = wd_jv_path(v, "responseElements.ConsoleLogin");
        if (wd_str_eq(name->u.s, "ConsoleLogin") && resp && wd_str_eq(resp->u.s, "Failure"))
            login_fail++;
        sensitive += wd_str_eq(name->u.s, "StopLogging") || wd_str_eq(name->u.s, "CreateUser") ||
                     wd_str_eq(name->u.s, "AttachUserPolicy") ||
                     wd_str_eq(name->u.s, "PutBucketPolicy") ||
                     wd_str_eq(name->u.s, "CreateAccessKey") ||
                     wd_str_eq(name->u.s, "AuthorizeSecurityGroupIngress");
    }
    FAIL_UNLESS(login_fail >= 10);
    FAIL_UNLESS(sensitive >= 10);
    wd_buf_fini(&b);
    wd_arena_fini(&a);
}

/* ---- MozDef ------------------------------------------------------------------------------- */

static bool mozdef_ts(const struct wd_jv *v)
{
    /* YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00 */
    if (!jv_is_str(v))
        return false;
    struct wd_str s = v->u.s;
    if (s.len != 25 && s.len != 32)
        return false;
    if (s.p[4] != '-' || s.p[10] != 'T' || s.p[13] != ':')
        return false;
    if (s.len == 32 && s.p[19] != '.')
        return false;
    return memcmp(s.p + s.len - 6, "+00:00", 6) == 0;
}

static void t_mozdef(void)
{
    static const enum wd_gen_kind kinds[] = {WD_GEN_ZEEK_MIX, WD_GEN_SYSLOG, WD_GEN_CLOUDTRAIL,
                                             WD_GEN_MIX};
    struct wd_arena a;
    wd_arena_init(&a, 1 << 16, 0);
    for (size_t i = 0; i < WD_ARRAY_LEN(kinds); i++) {
        struct wd_buf b;
        wd_buf_init(&b, 0);
        EXPECT_INT(gen_all(kinds[i], WD_GEN_FMT_MOZDEF, 2000, 31, &b), 2000);
        struct lines it = {b.p, b.p + b.len};
        struct wd_str l;
        char prev[40] = "";
        while (next_line(&it, &l)) {
            wd_arena_reset(&a);
            struct wd_jv *v = parse(&a, l);
            FAIL_UNLESS(v && v->type == WD_JV_OBJ);
            FAIL_UNLESS(mozdef_ts(wd_jv_get(v, "utctimestamp")));
            /* utctimestamp never decreases, also across sources */
            char cur[40];
            struct wd_str u = wd_jv_get(v, "utctimestamp")->u.s;
            memcpy(cur, u.p, 19);
            if (u.len == 32)
                memcpy(cur + 19, u.p + 19, 7);
            else
                memcpy(cur + 19, ".000000", 7);
            cur[26] = '\0';
            FAIL_IF(strcmp(cur, prev) < 0);
            memcpy(prev, cur, 27);
            FAIL_UNLESS(mozdef_ts(wd_jv_get(v, "timestamp")));
            FAIL_UNLESS(mozdef_ts(wd_jv_get(v, "receivedtimestamp")));
            FAIL_UNLESS(jv_is_str(wd_jv_get(v, "summary")));
            FAIL_UNLESS(jv_is_str(wd_jv_get(v, "hostname")));
            FAIL_UNLESS(jv_is_str(wd_jv_get(v, "category")));
            FAIL_UNLESS(jv_is_str(wd_jv_get(v, "source")));
            FAIL_UNLESS(jv_is_str(wd_jv_get(v, "severity")));
            struct wd_jv *d = wd_jv_get(v, "details");
            FAIL_UNLESS(d && d->type == WD_JV_OBJ);
            struct wd_jv *cat = wd_jv_get(v, "category");
            struct wd_jv *src = wd_jv_get(v, "source");
            struct wd_jv *sum = wd_jv_get(v, "summary");
            if (wd_str_eq(cat->u.s, "bro")) {
                FAIL_UNLESS(wd_jv_get(v, "tags") && wd_jv_get(v, "tags")->type == WD_JV_ARR);
                if (!wd_str_eq(src->u.s, "x509")) {
                    FAIL_UNLESS(jv_is_str(wd_jv_get(d, "sourceipaddress")));
                    FAIL_UNLESS(jv_is_str(wd_jv_get(d, "destinationipaddress")));
                    FAIL_IF(wd_jv_get(d, "id.orig_h"));
                }
                if (wd_str_eq(src->u.s, "conn")) {
                    FAIL_UNLESS(jv_is_num(wd_jv_get(d, "originipbytes")));
                    FAIL_UNLESS(jv_is_num(wd_jv_get(d, "responseipbytes")));
                    FAIL_UNLESS(contains(sum->u.s, " bytes / ") && contains(sum->u.s, " -> "));
                } else if (wd_str_eq(src->u.s, "dns")) {
                    FAIL_UNLESS(starts(sum->u.s, "DNS ") && contains(sum->u.s, " type query "));
                    FAIL_UNLESS(jv_is_str(wd_jv_get(d, "qtype_name")));
                } else if (wd_str_eq(src->u.s, "ssl")) {
                    FAIL_UNLESS(starts(sum->u.s, "SSL: "));
                    FAIL_UNLESS(jv_is_str(wd_jv_get(d, "server_name")));
                } else if (wd_str_eq(src->u.s, "http")) {
                    FAIL_UNLESS(starts(sum->u.s, "HTTP "));
                } else if (wd_str_eq(src->u.s, "ssh")) {
                    FAIL_UNLESS(starts(sum->u.s, "SSH: "));
                } else if (wd_str_eq(src->u.s, "x509")) {
                    EXPECT_STR(sum->u.s.p[0] == 'X' ? "X509" : "?", "X509");
                    FAIL_UNLESS(wd_jv_path(d, "certificate.subject"));
                    FAIL_UNLESS(mozdef_ts(wd_jv_path(d, "certificate.not_valid_after")));
                }
            } else if (wd_str_eq(cat->u.s, "syslog")) {
                FAIL_UNLESS(jv_is_str(wd_jv_get(d, "program")));
                FAIL_UNLESS(jv_is_str(wd_jv_get(v, "processname")));
                FAIL_UNLESS(jv_is_str(wd_jv_get(v, "processid")));
            } else {
                EXPECT_STR(wd_str_eq(src->u.s, "cloudtrail") ? "cloudtrail" : "other",
                           "cloudtrail");
                FAIL_UNLESS(contains(sum->u.s, " performed "));
                FAIL_UNLESS(jv_is_str(wd_jv_get(d, "eventname")));
                FAIL_UNLESS(jv_is_str(wd_jv_get(d, "eventVerb")));
            }
        }
        wd_buf_fini(&b);
    }
    wd_arena_fini(&a);
}

static void t_bulk(void)
{
    struct wd_gen_opts o;
    memset(&o, 0, sizeof(o));
    o.kind = WD_GEN_MIX;
    wd_gen_opts_init(&o);
    o.bulk = true;
    o.index = "ward-\"x\"";
    o.count = 500;
    struct wd_gen *g = wd_gen_new(&o);
    FAIL_UNLESS(g);
    struct wd_buf b;
    wd_buf_init(&b, 0);
    while (wd_gen_next(g, &b))
        ;
    wd_gen_free(g);
    struct lines it = {b.p, b.p + b.len};
    struct wd_str l;
    size_t n = 0;
    struct wd_arena a;
    wd_arena_init(&a, 1 << 16, 0);
    while (next_line(&it, &l)) {
        if (n++ % 2 == 0) {
            FAIL_UNLESS(wd_str_eq(l, "{\"index\":{\"_index\":\"ward-\\\"x\\\"\"}}"));
        } else {
            wd_arena_reset(&a);
            FAIL_UNLESS(parse(&a, l));
        }
    }
    EXPECT_INT(n, 1000);
    wd_arena_fini(&a);
    wd_buf_fini(&b);

    /* bulk needs JSON lines */
    o.kind = WD_GEN_SYSLOG;
    o.fmt = WD_GEN_FMT_RFC3164;
    FAIL_IF(wd_gen_new(&o));
    o.kind = WD_GEN_ZEEK_CONN;
    o.fmt = WD_GEN_FMT_TSV;
    FAIL_IF(wd_gen_new(&o));
    o.fmt = WD_GEN_FMT_JSON;
    g = wd_gen_new(&o);
    FAIL_UNLESS(g);
    wd_gen_free(g);
}

/* ---- syslog --------------------------------------------------------------------------------- */

static void t_syslog_lines(void)
{
    static const char mon[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    struct wd_buf b;
    wd_buf_init(&b, 0);
    EXPECT_INT(gen_all(WD_GEN_SYSLOG, WD_GEN_FMT_RFC3164, 2000, 41, &b), 2000);
    struct lines it = {b.p, b.p + b.len};
    struct wd_str l;
    size_t sshd = 0, sudo = 0, accepted = 0;
    while (next_line(&it, &l)) {
        /* <PRI>Mmm dd hh:mm:ss host prog[pid]: msg */
        FAIL_UNLESS(l.len > 30 && l.p[0] == '<');
        const char *gt = memchr(l.p, '>', 5);
        FAIL_UNLESS(gt);
        const char *ts = gt + 1;
        FAIL_UNLESS(strstr(mon, (char[4]){ts[0], ts[1], ts[2], 0}) != NULL);
        FAIL_UNLESS(ts[3] == ' ' && ts[6] == ' ' && ts[9] == ':' && ts[12] == ':' && ts[15] == ' ');
        FAIL_UNLESS(contains(l, "]: "));
        sshd += contains(l, " sshd[");
        sudo += contains(l, " sudo[");
        accepted += contains(l, "]: Accepted ");
    }
    FAIL_UNLESS(sshd > 1000 && sudo > 50 && accepted > 20);
    wd_buf_fini(&b);

    wd_buf_init(&b, 0);
    EXPECT_INT(gen_all(WD_GEN_SYSLOG, WD_GEN_FMT_RFC5424, 500, 41, &b), 500);
    it.p = b.p;
    it.end = b.p + b.len;
    while (next_line(&it, &l)) {
        /* <PRI>1 2026-01-01T00:00:00.000000Z host app pid - - msg */
        const char *gt = memchr(l.p, '>', 5);
        FAIL_UNLESS(gt && gt[1] == '1' && gt[2] == ' ');
        FAIL_UNLESS(gt[3 + 4] == '-' && gt[3 + 10] == 'T' && gt[3 + 26] == 'Z');
        FAIL_UNLESS(contains(l, " - - "));
    }
    wd_buf_fini(&b);
}

/* One attacker address, many failed passwords for many users within seconds. */
static void t_syslog_burst(void)
{
    static const double rates[] = {1000, 5};
    for (size_t r = 0; r < WD_ARRAY_LEN(rates); r++) {
        struct wd_gen_opts o;
        memset(&o, 0, sizeof(o));
        o.kind = WD_GEN_SYSLOG;
        wd_gen_opts_init(&o);
        o.rate_eps = rates[r];
        o.count = 1000;
        struct wd_gen *g = wd_gen_new(&o);
        FAIL_UNLESS(g);
        struct wd_buf b;
        wd_buf_init(&b, 0);
        struct {
            char ip[16];
            size_t n;
            int64_t first, last;
            char users[8][24];
            size_t nusers;
        } best[64];
        size_t nb = 0;
        while (wd_gen_next(g, &b)) {
            const char *f = strstr(b.p, "Failed password for ");
            const char *from = f ? strstr(f, " from ") : NULL;
            if (from) {
                const char *ip = from + 6, *e = strchr(ip, ' ');
                size_t il = (size_t)(e - ip), k;
                for (k = 0; k < nb; k++)
                    if (strlen(best[k].ip) == il && memcmp(best[k].ip, ip, il) == 0)
                        break;
                if (k == nb && nb < 64 && il < 16) {
                    memset(&best[nb], 0, sizeof(best[nb]));
                    memcpy(best[nb].ip, ip, il);
                    best[nb].first = wd_gen_ts(g);
                    nb++;
                }
                if (k < nb) {
                    best[k].n++;
                    best[k].last = wd_gen_ts(g);
                    const char *u = f + 20;
                    if (strncmp(u, "invalid user ", 13) == 0)
                        u += 13;
                    size_t ul = (size_t)(from - u), j;
                    for (j = 0; j < best[k].nusers; j++)
                        if (strlen(best[k].users[j]) == ul && memcmp(best[k].users[j], u, ul) == 0)
                            break;
                    if (j == best[k].nusers && j < 8 && ul < 24)
                        memcpy(best[k].users[best[k].nusers++], u, ul);
                }
            }
            b.len = 0;
        }
        wd_gen_free(g);
        wd_buf_fini(&b);
        bool found = false;
        for (size_t k = 0; k < nb; k++) {
            /* >= 20 failures from one address, >= 5 users, within 60 s */
            if (best[k].n >= 20 && best[k].nusers >= 5 &&
                best[k].last - best[k].first <= 60 * 1000000LL)
                found = true;
        }
        FAIL_UNLESS(found);
    }
}

/* ---- options, parsing, limits, CLI ------------------------------------------------------------
 */

static void t_parse_time(void)
{
    int64_t us;
    EXPECT_INT(wd_gen_parse_time("2026-01-01T00:00:00Z", &us), WD_OK);
    EXPECT_INT(us, 1767225600000000LL);
    EXPECT_INT(wd_gen_parse_time("2026-01-01", &us), WD_OK);
    EXPECT_INT(us, 1767225600000000LL);
    EXPECT_INT(wd_gen_parse_time("2026-01-01T01:30:00+01:30", &us), WD_OK);
    EXPECT_INT(us, 1767225600000000LL);
    EXPECT_INT(wd_gen_parse_time("2025-12-31 19:00:00.25-0500", &us), WD_OK);
    EXPECT_INT(us, 1767225600250000LL);
    EXPECT_INT(wd_gen_parse_time("2000-02-29T12:00", &us), WD_OK);
    EXPECT_INT(us, 951825600000000LL);
    EXPECT_INT(wd_gen_parse_time("@1767225600.5", &us), WD_OK);
    EXPECT_INT(us, 1767225600500000LL);
    EXPECT_INT(wd_gen_parse_time("@-1", &us), WD_OK);
    EXPECT_INT(us, -1000000LL);
    EXPECT_INT(wd_gen_parse_time("now", &us), WD_OK);
    FAIL_UNLESS(us > 1700000000000000LL);
    static const char *const bad[] = {"",
                                      "2026",
                                      "2026-13-01",
                                      "2026-01-01T",
                                      "2026-01-01X",
                                      "2026-01-01T00:00:00+25:00",
                                      "@",
                                      "@12x",
                                      "yesterday",
                                      "2026-01-01T00:00:00.Z"};
    for (size_t i = 0; i < WD_ARRAY_LEN(bad); i++)
        EXPECT_INT(wd_gen_parse_time(bad[i], &us), WD_EINVAL);
}

static void t_names(void)
{
    enum wd_gen_kind k;
    enum wd_gen_fmt f;
    for (size_t i = 0; i < WD_ARRAY_LEN(all_kinds); i++) {
        EXPECT_INT(wd_gen_kind_parse(wd_gen_kind_name(all_kinds[i]), &k), WD_OK);
        EXPECT_INT(k, all_kinds[i]);
        FAIL_UNLESS(wd_gen_fmt_ok(all_kinds[i], WD_GEN_FMT_MOZDEF));
        FAIL_UNLESS(wd_gen_fmt_ok(all_kinds[i], wd_gen_fmt_default(all_kinds[i])));
        FAIL_UNLESS(wd_gen_fmt_ok(all_kinds[i], WD_GEN_FMT_JSON) ==
                    (is_zeek(all_kinds[i]) || all_kinds[i] == WD_GEN_CLOUDTRAIL));
    }
    EXPECT_INT(wd_gen_kind_parse("zeek-foo", &k), WD_EINVAL);
    EXPECT_INT(wd_gen_fmt_parse("tsv", &f), WD_OK);
    EXPECT_INT(f, WD_GEN_FMT_TSV);
    EXPECT_INT(wd_gen_fmt_parse("rfc5424", &f), WD_OK);
    EXPECT_INT(f, WD_GEN_FMT_RFC5424);
    EXPECT_INT(wd_gen_fmt_parse("xml", &f), WD_EINVAL);
    EXPECT_INT(wd_gen_fmt_default(WD_GEN_ZEEK_CONN), WD_GEN_FMT_JSON);
    EXPECT_INT(wd_gen_fmt_default(WD_GEN_SYSLOG), WD_GEN_FMT_RFC3164);
    EXPECT_INT(wd_gen_fmt_default(WD_GEN_MIX), WD_GEN_FMT_MOZDEF);
}

static void t_invalid_opts(void)
{
    struct wd_gen_opts o;
    memset(&o, 0, sizeof(o));
    o.kind = WD_GEN_SYSLOG;
    wd_gen_opts_init(&o);
    o.fmt = WD_GEN_FMT_TSV;
    FAIL_IF(wd_gen_new(&o));
    o.kind = WD_GEN_CLOUDTRAIL;
    FAIL_IF(wd_gen_new(&o));
    o.kind = WD_GEN_ZEEK_DNS;
    o.fmt = WD_GEN_FMT_RFC3164;
    FAIL_IF(wd_gen_new(&o));
    o.fmt = WD_GEN_FMT_JSON;
    o.rate_eps = 0;
    FAIL_IF(wd_gen_new(&o));
    o.rate_eps = 1e12;
    FAIL_IF(wd_gen_new(&o));
    o.rate_eps = 10;
    o.kind = (enum wd_gen_kind)99;
    FAIL_IF(wd_gen_new(&o));
    FAIL_IF(wd_gen_new(NULL));
}

static void t_capped_buffer(void)
{
    struct wd_gen_opts o;
    memset(&o, 0, sizeof(o));
    o.kind = WD_GEN_ZEEK_MIX;
    wd_gen_opts_init(&o);
    o.count = 100000;
    struct wd_gen *g = wd_gen_new(&o);
    FAIL_UNLESS(g);
    struct wd_buf b;
    wd_buf_init(&b, 8192);
    size_t n = 0;
    while (wd_gen_next(g, &b))
        n++;
    FAIL_UNLESS(n > 5 && n < 100);
    FAIL_UNLESS(b.len <= 8192 && b.p[b.len - 1] == '\n');
    EXPECT_INT(wd_gen_err(g), WD_ELIMIT);
    EXPECT_INT(wd_gen_next(g, &b), 0);
    wd_gen_free(g);
    wd_buf_fini(&b);
}

/* Runs wd_gen_main with stdout sent to `path` (or /dev/null). */
static int run_main(const char *path, int argc, const char **args)
{
    char *argv[16];
    for (int i = 0; i < argc && i < 16; i++)
        argv[i] = (char *)args[i]; /* wd_gen_main does not modify its arguments */
    fflush(stdout);
    int saved = dup(1);
    int fd = open(path ? path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int saved_err = dup(2), nul = open("/dev/null", O_WRONLY);
    if (saved < 0 || fd < 0 || saved_err < 0 || nul < 0)
        return -100;
    dup2(fd, 1);
    dup2(nul, 2);
    int rc = wd_gen_main(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved, 1);
    dup2(saved_err, 2);
    close(saved);
    close(saved_err);
    close(fd);
    close(nul);
    return rc;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct wd_buf b;
    wd_buf_init(&b, 0);
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        wd_buf_append(&b, tmp, n);
    fclose(f);
    if (!b.p)
        wd_buf_append(&b, "", 0);
    return wd_buf_detach(&b, len);
}

static void t_cli(void)
{
    char dir[] = "/tmp/ward-test-gen-XXXXXX";
    FAIL_UNLESS(mkdtemp(dir));
    char out[128], path[160];
    snprintf(out, sizeof(out), "%s/stdout", dir);

    const char *help[] = {"gen", "--help"};
    EXPECT_INT(run_main(out, 2, help), 0);
    size_t len;
    char *txt = slurp(out, &len);
    FAIL_UNLESS(txt && strstr(txt, "usage: ward gen --kind KIND"));
    free(txt);

    const char *nokind[] = {"gen", "--count", "5"};
    EXPECT_INT(run_main(NULL, 3, nokind), 2);
    const char *badfmt[] = {"gen", "-k", "syslog", "-f", "tsv"};
    EXPECT_INT(run_main(NULL, 5, badfmt), 2);
    const char *badcount[] = {"gen", "-k", "syslog", "-n", "12x"};
    EXPECT_INT(run_main(NULL, 5, badcount), 2);
    const char *badopt[] = {"gen", "-k", "syslog", "--frobnicate"};
    EXPECT_INT(run_main(NULL, 4, badopt), 2);
    const char *missing[] = {"gen", "-k"};
    EXPECT_INT(run_main(NULL, 2, missing), 2);

    /* stdout: exact count, equal to the library output */
    const char *conn[] = {
        "gen",     "--kind=zeek-conn",     "--count", "250", "--seed", "9", "--format=tsv",
        "--start", "2026-03-01T12:00:00Z", "--rate",  "50"};
    EXPECT_INT(run_main(out, 11, conn), 0);
    txt = slurp(out, &len);
    FAIL_UNLESS(txt);
    int sections;
    EXPECT_INT(check_tsv(txt, len, "conn", &sections), 250);
    FAIL_UNLESS(strstr(txt, "#open\t2026-03-01-12-00-00\n"));
    FAIL_UNLESS(strstr(txt, "\n1772366400.000000\t"));
    free(txt);

    /* --outdir: one file per log, TSV files complete */
    const char *mix[] = {"gen", "-k", "zeek-mix", "-f", "tsv", "-n", "3000", "-o", dir};
    EXPECT_INT(run_main(NULL, 9, mix), 0);
    static const char *const logs[] = {"conn", "dns", "ssl", "x509", "http"};
    long total = 0;
    for (size_t i = 0; i < WD_ARRAY_LEN(logs); i++) {
        snprintf(path, sizeof(path), "%s/%s.log", dir, logs[i]);
        txt = slurp(path, &len);
        FAIL_UNLESS(txt);
        long n = check_tsv(txt, len, logs[i], &sections);
        FAIL_UNLESS(n > 0);
        EXPECT_INT(sections, 1);
        total += n;
        free(txt);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/ssh.log", dir);
    txt = slurp(path, &len);
    if (txt) {
        long n = check_tsv(txt, len, "ssh", &sections);
        FAIL_UNLESS(n > 0);
        total += n;
        free(txt);
        unlink(path);
    }
    EXPECT_INT(total, 3000);

    const char *all[] = {"gen", "-k", "mix", "-f", "native", "-n", "2000", "-o", dir};
    EXPECT_INT(run_main(NULL, 9, all), 0);
    snprintf(path, sizeof(path), "%s/syslog.log", dir);
    txt = slurp(path, &len);
    FAIL_UNLESS(txt && txt[0] == '<');
    free(txt);
    unlink(path);
    snprintf(path, sizeof(path), "%s/cloudtrail.json", dir);
    txt = slurp(path, &len);
    FAIL_UNLESS(txt && strncmp(txt, "{\"eventVersion\"", 15) == 0);
    free(txt);
    unlink(path);
    static const char *const rest[] = {"conn", "dns", "ssl", "x509", "http", "ssh"};
    for (size_t i = 0; i < WD_ARRAY_LEN(rest); i++) {
        snprintf(path, sizeof(path), "%s/%s.log", dir, rest[i]);
        unlink(path);
    }
    unlink(out);
    FAIL_UNLESS(rmdir(dir) == 0);
}

WD_TEST_LIST{
    {"gen_determinism", t_determinism},
    {"gen_determinism_all_formats", t_determinism_all_formats},
    {"gen_prefix_stable", t_prefix_stable},
    {"gen_golden", t_golden},
    {"gen_count_exact", t_count_exact},
    {"gen_library_api", t_library_api},
    {"gen_unlimited_count", t_unlimited_count},
    {"gen_monotonic", t_monotonic},
    {"gen_tsv_structure", t_tsv_structure},
    {"gen_tsv_conn_values", t_tsv_conn_values},
    {"gen_tsv_mix_sections", t_tsv_mix_sections},
    {"gen_tsv_split", t_tsv_split},
    {"gen_tsv_escaping", t_tsv_escaping},
    {"gen_zeek_json", t_zeek_json},
    {"gen_zeek_mix_uids", t_zeek_mix_uids},
    {"gen_cloudtrail_json", t_cloudtrail_json},
    {"gen_mozdef", t_mozdef},
    {"gen_bulk", t_bulk},
    {"gen_syslog_lines", t_syslog_lines},
    {"gen_syslog_burst", t_syslog_burst},
    {"gen_parse_time", t_parse_time},
    {"gen_names", t_names},
    {"gen_invalid_opts", t_invalid_opts},
    {"gen_capped_buffer", t_capped_buffer},
    {"gen_cli", t_cli},
};

WD_TEST_MAIN
