/*
 * test_zeek.c: unit tests for the Zeek log readers and writers (src/zeek_tsv.c,
 * src/zeek_json.c): the values each btest baseline's name implies (types, escapes,
 * markers, sets, vectors, doubles, timestamps), byte-for-byte re-emission of every file in
 * ../shared/testdata/zeek/zeek-btest-baselines/logging/ (skipped when absent), and the
 * error paths (column counts, not-Zeek input).
 */
#include <dirent.h>
#include <math.h>

#include "wd_test.h"

#include "jv.h"
#include "mem.h"
#include "ward.h"
#include "zeek.h"

static struct wd_arena arena;

static void arena_reset(void)
{
    static bool init;
    if (!init)
        wd_arena_init(&arena, 65536, 0);
    init = true;
    wd_arena_reset(&arena);
}

/* Reads a whole file; NULL when it cannot. Caller frees. */
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
    wd_buf_putc(&b, '\0');
    *len = b.len - 1;
    return b.p;
}

/* A parsed TSV text: header plus records (BYTES or JSON_TEXT decoding). */
struct parsed {
    struct wd_zeek_hdr h;
    struct wd_jv *rec[64];
    int n;
    bool closed;
    int rc;
    uint32_t bad;
};

static void parse_tsv(const char *text, unsigned flags, struct parsed *out)
{
    memset(out, 0, sizeof(*out));
    wd_zeek_hdr_init(&out->h);
    const char *p = text;
    bool first = true;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        struct wd_perr e;
        int rc;
        if (first) {
            rc = wd_zeek_hdr_first(&out->h, p, n, &e);
            first = false;
        } else if (wd_zeek_is_meta(&out->h, p, n)) {
            rc = wd_zeek_hdr_line(&out->h, p, n, &e);
            if (n > 6 && !memcmp(p + out->h.prefix.len, "close", 5))
                out->closed = true;
        } else if (out->n < 64) {
            rc = wd_zeek_tsv_row(&out->h, p, n, flags, &arena, &out->rec[out->n++], &out->bad, &e);
        } else {
            rc = WD_ELIMIT;
        }
        if (rc) {
            out->rc = rc;
            return;
        }
        p += n + (nl ? 1 : 0);
    }
}

static const char *shared_logging(void)
{
    static char dir[4096];
    const char *d = wd_test_shared();
    if (!d)
        return NULL;
    snprintf(dir, sizeof(dir), "%s/zeek/zeek-btest-baselines/logging", d);
    struct stat st;
    return stat(dir, &st) == 0 ? dir : NULL;
}

/* Reads a baseline without its first (btest) line. */
static char *baseline(const char *rel)
{
    const char *d = shared_logging();
    if (!d)
        return NULL;
    char path[4200];
    snprintf(path, sizeof(path), "%s/%s", d, rel);
    size_t n;
    char *t = slurp(path, &n);
    if (!t)
        return NULL;
    char *nl = strchr(t, '\n');
    if (nl)
        memmove(t, nl + 1, strlen(nl + 1) + 1);
    return t;
}

/* A baseline whose records are checked after parsing: records borrow from the text, so it
 * stays alive (reachable from here) until the next test starts. */
static char *kept[16];
static int nkept;

static char *baseline_kept(const char *rel)
{
    char *t = baseline(rel);
    if (t && nkept < (int)WD_ARRAY_LEN(kept))
        kept[nkept++] = t;
    return t;
}

static void free_kept(void)
{
    while (nkept)
        free(kept[--nkept]);
}

static struct wd_jv *get(const struct wd_jv *rec, const char *k)
{
    return wd_jv_get(rec, k);
}

static bool is_str(const struct wd_jv *v, const char *s, size_t n)
{
    return v && v->type == WD_JV_STR && v->u.s.len == n && memcmp(v->u.s.p, s, n) == 0;
}

#define IS_STR(v, lit) is_str((v), (lit), sizeof(lit) - 1)

#define NEED(rel)                                                                                  \
    free_kept();                                                                                   \
    char *text = baseline_kept(rel);                                                               \
    if (!text)                                                                                     \
        SKIP("../shared/testdata/zeek/zeek-btest-baselines absent");                               \
    struct parsed P;                                                                               \
    arena_reset()

static void t_types(void)
{
    NEED("types/ssh.log");
    parse_tsv(text, WD_ZEEK_BYTES, &P);
    FAIL_IF(P.rc != WD_OK || P.n != 1);
    struct wd_jv *r = P.rec[0];
    FAIL_UNLESS(get(r, "b")->type == WD_JV_TRUE);
    FAIL_UNLESS(get(r, "i")->type == WD_JV_INT && get(r, "i")->u.i == -42);
    FAIL_UNLESS(IS_STR(get(r, "e"), "SSH::LOG"));
    FAIL_UNLESS(get(r, "c")->u.i == 21 && get(r, "p")->u.i == 123);
    FAIL_UNLESS(IS_STR(get(r, "sn"), "10.0.0.0/24") && IS_STR(get(r, "a"), "1.2.3.4"));
    FAIL_UNLESS(get(r, "d")->type == WD_JV_FLOAT && get(r, "d")->u.f == 3.14);
    /* the masked time is not a number: kept as text, counted */
    FAIL_UNLESS(IS_STR(get(r, "t"), "XXXXXXXXXX.XXXXXX") && P.bad == 1);
    FAIL_UNLESS(get(r, "iv")->u.f == 100.0);
    FAIL_UNLESS(get(r, "sc")->type == WD_JV_ARR && get(r, "sc")->count == 4);
    FAIL_UNLESS(get(r, "sc")->u.kids.head->u.i == 4);
    FAIL_UNLESS(IS_STR(get(r, "ss")->u.kids.tail, "AA"));
    FAIL_UNLESS(get(r, "se")->type == WD_JV_ARR && get(r, "se")->count == 0); /* EMPTY marker */
    FAIL_UNLESS(get(r, "ve")->count == 0 && get(r, "vc")->count == 3);
    FAIL_UNLESS(memchr(get(r, "f")->u.s.p, '\n', get(r, "f")->u.s.len) != NULL);
    EXPECT_INT(P.h.ncols, 17);
    FAIL_UNLESS(P.h.cols[11].kind == WD_ZK_SET && P.h.cols[11].t == WD_ZT_COUNT);
    FAIL_UNLESS(P.h.cols[16].t == WD_ZT_FUNC);
    wd_zeek_hdr_fini(&P.h);
}

static void t_escapes(void)
{
    NEED("ascii-escape/ssh.log");
    parse_tsv(text, WD_ZEEK_BYTES, &P);
    FAIL_IF(P.rc != WD_OK || P.n != 5);
    FAIL_UNLESS(P.h.sep.len == 2 && !memcmp(P.h.sep.p, "||", 2));
    FAIL_UNLESS(IS_STR(get(P.rec[2], "status"), "fa||ure"));
    FAIL_UNLESS(IS_STR(get(P.rec[3], "status"), "su||ess"));
    wd_zeek_hdr_fini(&P.h);
}

static void t_markers(void)
{
    NEED("ascii-escape-notset-str/test.log");
    parse_tsv(text, WD_ZEEK_BYTES, &P);
    FAIL_IF(P.rc != WD_OK || P.n != 1);
    FAIL_UNLESS(IS_STR(get(P.rec[0], "x"), "-")); /* the escaped unset marker is text */
    FAIL_UNLESS(get(P.rec[0], "y") == NULL);      /* unset */
    FAIL_UNLESS(IS_STR(get(P.rec[0], "z"), ""));  /* empty */
    wd_zeek_hdr_fini(&P.h);
    text = baseline_kept("ascii-escape-empty-str/test.log");
    parse_tsv(text, WD_ZEEK_BYTES, &P);
    FAIL_IF(P.rc != WD_OK || P.n != 1);
    struct wd_jv *ss = get(P.rec[0], "ss");
    FAIL_UNLESS(ss && ss->count == 1 && IS_STR(ss->u.kids.head, "EMPTY"));
    wd_zeek_hdr_fini(&P.h);
    text = baseline_kept("ascii-empty/ssh-filtered.log");
    parse_tsv(text, WD_ZEEK_BYTES, &P);
    FAIL_IF(P.rc != WD_OK || P.n != 5);
    FAIL_UNLESS(P.h.prefix.len == 8 && !memcmp(P.h.prefix.p, "PREFIX<>", 8));
    FAIL_UNLESS(get(P.rec[1], "status") == NULL && IS_STR(get(P.rec[4], "country"), ""));
    FAIL_UNLESS(get(P.rec[4], "b")->type == WD_JV_TRUE);
    wd_zeek_hdr_fini(&P.h);
}

static void t_sets_vectors(void)
{
    NEED("ascii-escape-set-separator/test.log");
    parse_tsv(text, WD_ZEEK_BYTES, &P);
    FAIL_IF(P.rc != WD_OK || P.n != 1);
    struct wd_jv *ss = get(P.rec[0], "ss");
    FAIL_UNLESS(ss && ss->count == 4);
    FAIL_UNLESS(IS_STR(ss->u.kids.head, ",") && IS_STR(ss->u.kids.head->next->next, ",,"));
    wd_zeek_hdr_fini(&P.h);
    text = baseline_kept("vec/ssh.log");
    parse_tsv(text, WD_ZEEK_BYTES, &P);
    FAIL_IF(P.rc != WD_OK || P.n != 1);
    struct wd_jv *v = get(P.rec[0], "vec");
    FAIL_UNLESS(v && v->count == 5 && v->u.kids.head->type == WD_JV_NULL);
    FAIL_UNLESS(IS_STR(v->u.kids.head->next, "2") && IS_STR(v->u.kids.tail, "5"));
    wd_zeek_hdr_fini(&P.h);
    text = baseline_kept("ascii-utf8-enabled-set-separator-escape/test.log");
    parse_tsv(text, WD_ZEEK_BYTES, &P);
    FAIL_IF(P.rc != WD_OK || P.n != 1);
    FAIL_UNLESS(P.h.set_sep.len == 2 && (unsigned char)P.h.set_sep.p[0] == 0xc2);
    FAIL_UNLESS(IS_STR(get(P.rec[0], "ss")->u.kids.head, "\xc2\xae"));
    wd_zeek_hdr_fini(&P.h);
}

static void t_binary_and_utf8(void)
{
    NEED("ascii-utf8-enabled-control-characters/test.log");
    parse_tsv(text, WD_ZEEK_BYTES, &P);
    FAIL_IF(P.rc != WD_OK || P.n != 1);
    FAIL_UNLESS(is_str(get(P.rec[0], "s"), "foo \n\t\0 bar", 11));
    wd_zeek_hdr_fini(&P.h);
    /* JSON-text decoding: what Zeek's JSON writer (HEX policy) would have written */
    parse_tsv(text, WD_ZEEK_JSON_TEXT, &P);
    FAIL_UNLESS(IS_STR(get(P.rec[0], "s"), "foo \n\t\\x00 bar"));
    wd_zeek_hdr_fini(&P.h);
    text = baseline_kept("ascii-binary/ssh.log");
    parse_tsv(text, WD_ZEEK_BYTES, &P);
    FAIL_IF(P.rc != WD_OK || P.n != 3);
    FAIL_UNLESS(IS_STR(get(P.rec[0], "data"), "abc\n\xff"
                                              "def"));
    FAIL_UNLESS(IS_STR(get(P.rec[1], "data"), "abc|\xff"
                                              "def"));
    wd_zeek_hdr_fini(&P.h);
    parse_tsv(text, WD_ZEEK_JSON_TEXT, &P);
    FAIL_UNLESS(IS_STR(get(P.rec[0], "data"), "abc\n\\xffdef"));
    wd_zeek_hdr_fini(&P.h);
    text = baseline_kept("ascii-line-like-comment/test.log");
    parse_tsv(text, WD_ZEEK_BYTES, &P);
    FAIL_IF(P.rc != WD_OK || P.n != 3);
    FAIL_UNLESS(IS_STR(get(P.rec[1], "data"), "#Kaputt") && get(P.rec[1], "c")->u.i == 42);
    wd_zeek_hdr_fini(&P.h);
    text = baseline_kept("unset-record/testing.log");
    parse_tsv(text, WD_ZEEK_BYTES, &P);
    FAIL_IF(P.rc != WD_OK || P.n != 2);
    FAIL_UNLESS(get(P.rec[0], "a.val1") == NULL && get(P.rec[0], "b")->u.i == 6);
    FAIL_UNLESS(get(P.rec[1], "a.val2")->u.i == 2);
    wd_zeek_hdr_fini(&P.h);
}

static void t_doubles_times(void)
{
    NEED("ascii-double/test.log");
    parse_tsv(text, WD_ZEEK_BYTES, &P);
    FAIL_IF(P.rc != WD_OK || P.n < 20);
    FAIL_UNLESS(get(P.rec[0], "d")->u.f == 2153226000.0);
    FAIL_UNLESS(get(P.rec[2], "d")->u.f == 2153226000.123457);
    FAIL_UNLESS(get(P.rec[6], "d")->u.f == -1.123457);
    FAIL_UNLESS(get(P.rec[13], "d")->u.f > 1.7e308);
    bool inf = false, nan = false;
    for (int i = 0; i < P.n; i++) {
        double d = get(P.rec[i], "d")->u.f;
        inf |= isinf(d) && d > 0;
        nan |= isnan(d);
    }
    FAIL_UNLESS(inf && nan && P.bad == 0);
    wd_zeek_hdr_fini(&P.h);
    text = baseline_kept("ascii-timestamps/test.log");
    parse_tsv(text, WD_ZEEK_BYTES, &P);
    FAIL_IF(P.rc != WD_OK || P.n < 6);
    int64_t us;
    struct wd_jv *t = get(P.rec[2], "data");
    FAIL_UNLESS(wd_zeek_time_us(t->raw.p, t->raw.len, &us) && us == INT64_C(1234567890010000));
    t = get(P.rec[5], "data");
    FAIL_UNLESS(wd_zeek_time_us(t->raw.p, t->raw.len, &us) && us == INT64_C(1234567890000010));
    FAIL_UNLESS(wd_zeek_time_us("-315619200.000000", 17, &us) && us == INT64_C(-315619200000000));
    FAIL_IF(wd_zeek_time_us("XXXXXXXXXX.XXXXXX", 17, &us));
    FAIL_IF(wd_zeek_time_us("12.", 3, &us));
    wd_zeek_hdr_fini(&P.h);
}

static void t_errors(void)
{
    struct wd_zeek_hdr h;
    struct wd_perr e = {0, 0, NULL};
    arena_reset();
    wd_zeek_hdr_init(&h);
    FAIL_UNLESS(wd_zeek_hdr_first(&h, "hello world", 11, &e) == WD_EPARSE && e.msg);
    FAIL_UNLESS(wd_zeek_detect("hello world", 11) == WD_ZF_NONE);
    FAIL_UNLESS(wd_zeek_detect("#separator \\x09", 15) == WD_ZF_TSV);
    FAIL_UNLESS(wd_zeek_detect("{\"ts\":1}", 8) == WD_ZF_JSON);
    FAIL_UNLESS(wd_zeek_hdr_first(&h, "#separator \\x09", 15, &e) == WD_OK);
    struct wd_jv *r;
    FAIL_UNLESS(wd_zeek_tsv_row(&h, "a\tb", 3, 0, &arena, &r, NULL, &e) == WD_EPARSE);
    FAIL_UNLESS(wd_zeek_hdr_line(&h, "#fields\ta\tb\tc", 13, &e) == WD_OK && h.ncols == 3);
    FAIL_UNLESS(wd_zeek_hdr_line(&h, "#types\tcount\tstring", 19, &e) == WD_EPARSE);
    FAIL_UNLESS(wd_zeek_hdr_line(&h, "#types\tcount\tstring\tint64", 25, &e) == WD_OK);
    FAIL_UNLESS(h.cols[2].t == WD_ZT_UNKNOWN);
    FAIL_UNLESS(wd_zeek_tsv_row(&h, "1\tb", 3, 0, &arena, &r, NULL, &e) == WD_EPARSE);
    EXPECT_INT(e.off, 3);
    FAIL_UNLESS(wd_zeek_tsv_row(&h, "1\tb\tc\td", 7, 0, &arena, &r, NULL, &e) == WD_EPARSE);
    EXPECT_INT(e.off, 5);
    FAIL_UNLESS(wd_zeek_tsv_row(&h, "1\tb\t77", 6, 0, &arena, &r, NULL, &e) == WD_OK);
    FAIL_UNLESS(IS_STR(wd_jv_get(r, "c"), "77")); /* unknown type: kept as a string */
    FAIL_UNLESS(wd_zeek_json_row("[1]", 3, 3, &arena, &r, &e) == WD_EPARSE);
    char name[64];
    wd_zeek_log_of_file("/x/2024-01-01/conn.00:00:00-01:00:00.log.gz", name, sizeof(name));
    EXPECT_STR(name, "conn");
    wd_zeek_log_of_file("dns.json.gz", name, sizeof(name));
    EXPECT_STR(name, "dns");
    wd_zeek_hdr_fini(&h);
}

/* Replaces every unquoted masked time with a number so the JSON baselines parse. */
static void unmask(char *s)
{
    for (char *m; (m = strstr(s, "XXXXXXXXXX.XXXXXX"));)
        memcpy(m, "1234567890.123456", 17);
}

/* Re-emits one baseline and compares it with the input. Returns NULL or why it differs. */
static const char *roundtrip(const char *rel, char *text, struct wd_buf *out)
{
    out->len = 0;
    arena_reset();
    const char *nl = strchr(text, '\n');
    size_t n1 = nl ? (size_t)(nl - text) : strlen(text);
    int fmt = wd_zeek_detect(text, n1);
    if (strstr(rel, "ascii-escape-binary/output"))
        return fmt == WD_ZF_NONE ? NULL : "print() output must not be taken for a Zeek log";
    if (fmt == WD_ZF_JSON) {
        unmask(text);
        for (const char *p = text; *p;) {
            const char *e = strchr(p, '\n');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            struct wd_jv *r;
            if (wd_zeek_json_row(p, n, n, &arena, &r, NULL))
                return "a JSON line does not parse";
            wd_zeek_json_emit(r, out);
            p += n + (e ? 1 : 0);
        }
    } else {
        struct parsed *P = calloc(1, sizeof(*P));
        if (strstr(rel, "ascii-tsv/")) {
            /* tsv=T: one plain line of names, no meta lines */
            wd_zeek_hdr_init(&P->h);
            wd_zeek_hdr_plain(&P->h, text, n1, NULL);
            wd_zeek_tsv_emit_hdr(&P->h, out);
            for (const char *p = nl + 1; *p;) {
                const char *e = strchr(p, '\n');
                size_t n = e ? (size_t)(e - p) : strlen(p);
                struct wd_jv *r;
                if (wd_zeek_tsv_row(&P->h, p, n, WD_ZEEK_BYTES, &arena, &r, NULL, NULL))
                    return "a plain TSV row does not parse";
                wd_zeek_tsv_emit_row(&P->h, r, out);
                p += n + (e ? 1 : 0);
            }
        } else if (strstr(rel, "ascii-options/")) {
            /* include_meta=F with separator '|': the schema comes out of band */
            wd_zeek_hdr_init(&P->h);
            wd_zeek_hdr_first(&P->h, "#separator |", 12, NULL);
            static const char f[] = "#fields|t|id.orig_h|id.orig_p|id.resp_h|id.resp_p|status|"
                                    "country";
            static const char t[] = "#types|time|addr|port|addr|port|string|string";
            wd_zeek_hdr_line(&P->h, f, strlen(f), NULL);
            wd_zeek_hdr_line(&P->h, t, strlen(t), NULL);
            for (const char *p = text; *p;) {
                const char *e = strchr(p, '\n');
                size_t n = e ? (size_t)(e - p) : strlen(p);
                struct wd_jv *r;
                if (wd_zeek_tsv_row(&P->h, p, n, WD_ZEEK_BYTES, &arena, &r, NULL, NULL))
                    return "a headerless row does not parse";
                wd_zeek_tsv_emit_row(&P->h, r, out);
                p += n + (e ? 1 : 0);
            }
        } else {
            if (fmt != WD_ZF_TSV)
                return "not recognised as Zeek TSV";
            parse_tsv(text, WD_ZEEK_BYTES, P);
            if (P->rc)
                return "the TSV does not parse";
            /* The writer's enable_utf_8 option is not recorded in the file: a file matches
             * when it re-emits with either setting. */
            for (int ascii = 0; ascii < 2; ascii++) {
                out->len = 0;
                P->h.ascii_only = ascii;
                wd_zeek_tsv_emit_hdr(&P->h, out);
                for (int i = 0; i < P->n; i++)
                    wd_zeek_tsv_emit_row(&P->h, P->rec[i], out);
                if (P->closed)
                    wd_zeek_tsv_emit_close(&P->h, out);
                if (out->len == strlen(text) && !memcmp(out->p, text, out->len))
                    break;
            }
        }
        wd_zeek_hdr_fini(&P->h);
        free(P);
    }
    if (out->len != strlen(text) || memcmp(out->p, text, out->len) != 0)
        return "re-emitted bytes differ";
    return NULL;
}

static void t_reemit_all(void)
{
    const char *dir = shared_logging();
    if (!dir)
        SKIP("../shared/testdata/zeek/zeek-btest-baselines absent");
    DIR *d = opendir(dir);
    FAIL_IF(!d);
    struct dirent *de;
    int files = 0, failed = 0;
    struct wd_buf out;
    wd_buf_init(&out, 0);
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char sub[4200];
        snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
        DIR *d2 = opendir(sub);
        if (!d2)
            continue;
        struct dirent *f;
        while ((f = readdir(d2))) {
            if (f->d_name[0] == '.')
                continue;
            char rel[600];
            snprintf(rel, sizeof(rel), "%s/%s", de->d_name, f->d_name);
            char *text = baseline(rel);
            if (!text)
                continue;
            files++;
            const char *why = roundtrip(rel, text, &out);
            if (why) {
                printf("  %s: %s\n", rel, why);
                if (out.len)
                    printf("  got:\n%.*s\n", (int)WD_MIN(out.len, 600), out.p);
                failed++;
            }
            free(text);
        }
        closedir(d2);
    }
    closedir(d);
    wd_buf_fini(&out);
    free_kept();
    FAIL_UNLESS(files >= 40);
    EXPECT_INT(failed, 0);
}

WD_TEST_LIST{
    {"zeek_types", t_types},
    {"zeek_escapes", t_escapes},
    {"zeek_markers", t_markers},
    {"zeek_sets_vectors", t_sets_vectors},
    {"zeek_binary_and_utf8", t_binary_and_utf8},
    {"zeek_doubles_times", t_doubles_times},
    {"zeek_errors", t_errors},
    {"zeek_reemit_all_baselines", t_reemit_all},
};

WD_TEST_MAIN
