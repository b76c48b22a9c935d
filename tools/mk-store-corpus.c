/*
 * mk-store-corpus.c: one-off generator of the seed corpora of tests/fuzz/fuzz_part.c and
 * tests/fuzz/fuzz_colcodec.c. Not built by the Makefile (it lives outside tests/fuzz/ on
 * purpose); build and run it by hand after `make`:
 *
 *   cc -std=c17 -D_GNU_SOURCE -Isrc -o /tmp/mk-store-corpus tools/mk-store-corpus.c \
 *      build/libward.a $(pkg-config --libs libzstd zlib simdjson) -lstdc++ -lpthread -lm
 *   /tmp/mk-store-corpus tests/fuzz/corpus/part tests/fuzz/corpus/colcodec
 *
 * Parts are written with the real writer (wd_part_begin/add/finish); the n_ and i_
 * variants are damaged copies (truncated, flipped trailer, bad footer CRC, footer bytes
 * changed with the CRC recomputed so the damage reaches the footer parser). Column
 * seeds are wd_col_encode output preceded by the u16 value count fuzz_colcodec expects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "json.h"
#include "jv.h"
#include "store_int.h"

static const char *g_dir;

static void die(const char *what)
{
    fprintf(stderr, "mk-store-corpus: %s\n", what);
    exit(1);
}

static void put_file(const char *dir, const char *name, const void *p, size_t n)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0)
        die(path);
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die(path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc((size_t)len + 1);
    if (!p || fread(p, 1, (size_t)len, f) != (size_t)len)
        die(path);
    fclose(f);
    *n = (size_t)len;
    return p;
}

/* Writes a part named `name` holding the given JSON events (seq 1.., ts 1 s apart). */
static void mk_part(const char *name, const char *const *events, size_t n)
{
    char tmp[4096], fin[4096];
    snprintf(tmp, sizeof(tmp), "%s/.tmp-part", g_dir);
    snprintf(fin, sizeof(fin), "%s/%s", g_dir, name);
    struct wd_part_builder b;
    if (wd_part_begin(&b, tmp, 3))
        die("wd_part_begin");
    struct wd_arena a;
    wd_arena_init(&a, 64 * 1024, 0);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(events[i]);
        char *buf = calloc(1, len + WD_JSON_PADDING);
        memcpy(buf, events[i], len);
        struct wd_jv *v = NULL;
        if (wd_json_parse(buf, len, len + WD_JSON_PADDING, 0, &a, &v, NULL))
            die(events[i]);
        if (wd_part_add(&b, 100 + i, 1700000000000000LL + (int64_t)i * 1000000, v))
            die("wd_part_add");
        free(buf);
    }
    if (wd_part_finish(&b, 100, 100 + n - 1, fin))
        die("wd_part_finish");
    wd_arena_fini(&a);
}

/* Rewrites the trailer CRC after the footer bytes were changed. */
static void fix_footer_crc(unsigned char *p, size_t n)
{
    uint32_t flen = wd_get_u32(p + n - 12);
    wd_put_u32(p + n - 8, (uint32_t)crc32(0, p + n - 12 - flen, flen));
}

static void damaged(const char *src, const char *dst, int how, size_t arg)
{
    size_t n;
    unsigned char *p = slurp(src, &n);
    uint32_t flen = wd_get_u32(p + n - 12);
    size_t foff = n - 12 - flen;
    switch (how) {
    case 0: /* truncated */
        n = arg;
        break;
    case 1: /* bit flipped in the trailer magic */
        p[n - 1] ^= 0x20;
        break;
    case 2: /* footer byte changed, CRC left stale */
        p[foff + arg] ^= 0x01;
        break;
    case 3: /* footer byte changed, CRC recomputed */
        p[foff + arg] ^= (unsigned char)0x41;
        fix_footer_crc(p, n);
        break;
    case 4: /* chunk byte changed (its CRC in the directory is now wrong) */
        p[4 + arg] ^= 0x10;
        break;
    case 5: /* footer length larger than the file */
        wd_put_u32(p + n - 12, (uint32_t)n);
        break;
    default:
        die("how");
    }
    put_file(g_dir, dst, p, n);
    free(p);
}

/* A column seed: u16 nvals then the encoded chunk of the given tagged values. */
struct cval {
    uint8_t tag;
    const char *s;
    int64_t iv;
};

static void mk_col(const char *dir, const char *name, const struct cval *v, size_t n, size_t rep)
{
    struct wd_colbuild c = {0};
    wd_buf_init(&c.vals, 0);
    for (size_t r = 0; r < rep; r++)
        for (size_t i = 0; i < n; i++) {
            wd_buf_putc(&c.vals, (char)v[i].tag);
            if (v[i].tag == WD_VT_INT) {
                wd_put_varint(&c.vals, wd_zigzag(v[i].iv + (int64_t)(r * 977)));
                c.nint++;
            } else {
                wd_put_varint(&c.vals, strlen(v[i].s));
                wd_buf_append(&c.vals, v[i].s, strlen(v[i].s));
            }
            c.nvals++;
        }
    struct wd_buf out;
    wd_buf_init(&out, 0);
    unsigned char hdr[2] = {(unsigned char)c.nvals, (unsigned char)(c.nvals >> 8)};
    wd_buf_append(&out, hdr, 2);
    if (wd_col_encode(&c, &out) < 0)
        die("wd_col_encode");
    put_file(dir, name, out.p, out.len);
    wd_buf_fini(&out);
    wd_buf_fini(&c.vals);
}

int main(int argc, char **argv)
{
    if (argc != 3)
        die("usage: mk-store-corpus PART_DIR COLCODEC_DIR");
    g_dir = argv[1];

    static const char *const one[] = {"{\"summary\":\"login ok\"}"};
    mk_part("y_one.wdp", one, 1);

    static const char *const nested[] = {
        "{\"summary\":\"login failed\",\"details\":{\"sourceipaddress\":\"10.1.2.3\","
        "\"uid\":1000,\"ok\":false,\"geo\":{\"lat\":47.37,\"lon\":8.54}},\"tags\":[\"a\",1,true,"
        "null,[2,3],{\"k\":\"v\"}],\"n\":null}",
        "{\"summary\":\"logout\",\"details\":{\"sourceipaddress\":\"192.168.0.1\",\"uid\":-5,"
        "\"ok\":true,\"empty\":{}},\"tags\":[],\"big\":12345678901234567890,\"f\":1e300}",
        "{\"details\":null,\"x\":{\"y\":{\"z\":{\"w\":\"deep\"}}}}",
        "{}",
    };
    mk_part("y_nested.wdp", nested, sizeof(nested) / sizeof(*nested));

    static const char *const dup[] = {
        "{\"a\":1,\"a\":\"two\",\"a.b\":3,\"a\":{\"b\":4}}",
        "{\"a.b\":\"x\",\"a\":{\"b\":\"y\",\"b\":\"z\"},\"c\":[\"x\",\"x\",\"y\"]}",
        "{\"\":\"empty key\",\"u\":\"\\u00e9\\u0000\\n\\\"q\\\"\"}",
    };
    mk_part("y_dupkeys.wdp", dup, sizeof(dup) / sizeof(*dup));

    /* 50 events: a dictionary column (category), an INT column with > 64 distinct values
     * (id), a plain string column (msg), mixed-type column (v); large enough to compress. */
    static char evbuf[50][256];
    const char *many[50];
    for (int i = 0; i < 50; i++) {
        snprintf(evbuf[i], sizeof(evbuf[i]),
                 "{\"category\":\"%s\",\"id\":%d,\"msg\":\"event number %d from host-%d\","
                 "\"v\":%s,\"details\":{\"sourceipaddress\":\"10.0.%d.%d\",\"uid\":%d}}",
                 i % 3 ? "authentication" : "firewall", i * 7919 - 100000, i, i % 5,
                 i % 4 == 0 ? "\"s\"" : i % 4 == 1 ? "2.5" : i % 4 == 2 ? "true" : "7", i % 7,
                 i, i % 2);
        many[i] = evbuf[i];
    }
    mk_part("y_columns.wdp", many, 50);

    /* 80 rows with a 70-value distinct int column: INT encoding in the id column. */
    static char ibuf[80][64];
    const char *ints[80];
    for (int i = 0; i < 80; i++) {
        snprintf(ibuf[i], sizeof(ibuf[i]), "{\"id\":%d,\"s\":\"login\"}", i * 31 + (i & 1) * 5);
        ints[i] = ibuf[i];
    }
    mk_part("y_ints.wdp", ints, 80);

    /* 40 rows of canonical times (TIME chunks) next to a column with one other form */
    static char tbuf[40][160];
    const char *times[40];
    for (int i = 0; i < 40; i++) {
        char t[WD_TIME_ISO_MAX];
        wd_time_iso(1767225600000000LL + (int64_t)i * 1234567 * (i % 2 ? 1 : -1), t);
        snprintf(tbuf[i], sizeof(tbuf[i]), "{\"utctimestamp\":\"%s\",\"seen\":\"%s\"}", t,
                 i == 20 ? "2026-01-01T00:00:00Z" : t);
        times[i] = tbuf[i];
    }
    mk_part("y_times.wdp", times, 40);

    char src[4096];
    snprintf(src, sizeof(src), "%s/y_nested.wdp", g_dir);
    size_t n;
    free(slurp(src, &n));
    damaged(src, "n_truncated_half.wdp", 0, n / 2);
    damaged(src, "n_truncated_trailer.wdp", 0, n - 3);
    damaged(src, "n_short.wdp", 0, 10);
    damaged(src, "n_trailer_flip.wdp", 1, 0);
    damaged(src, "n_footer_crc.wdp", 2, 20);
    damaged(src, "n_footer_len.wdp", 5, 0);
    damaged(src, "n_chunk_crc.wdp", 4, 3);
    damaged(src, "n_footer_magic.wdp", 3, 0);
    /* footer fields changed with a good CRC: ncols, a column name, a shape, the block
     * directory (offsets near the end of the footer) */
    snprintf(src, sizeof(src), "%s/y_columns.wdp", g_dir);
    size_t m;
    unsigned char *p = slurp(src, &m);
    uint32_t flen = wd_get_u32(p + m - 12);
    free(p);
    damaged(src, "i_footer_ncols.wdp", 3, 44);
    damaged(src, "i_footer_colname.wdp", 3, 47);
    damaged(src, "i_footer_mid.wdp", 3, flen / 2);
    damaged(src, "i_footer_dir.wdp", 3, flen - 9);
    damaged(src, "i_footer_dir2.wdp", 3, flen - 30);
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s/.tmp-part", g_dir);
    unlink(tmp);

    const char *cd = argv[2];
    static const struct cval strs[] = {{WD_VT_STR, "alpha", 0}, {WD_VT_STR, "beta", 0},
                                       {WD_VT_STR, "alpha", 0}, {WD_VT_STR, "", 0}};
    mk_col(cd, "y_dict_str.bin", strs, 4, 3);
    static const struct cval mixed[] = {
        {WD_VT_STR, "x", 0}, {WD_VT_INT, NULL, -3},   {WD_VT_NUM, "2.5e3", 0},
        {WD_VT_TRUE, "", 0}, {WD_VT_FALSE, "", 0},     {WD_VT_JSON, "[1,\"a\"]", 0},
        {WD_VT_STR, "y", 0}, {WD_VT_NUM, "-0.0", 0},   {WD_VT_STR, "z", 0}};
    mk_col(cd, "y_plain_mixed.bin", mixed, 9, 1);
    static const struct cval one_int[] = {{WD_VT_INT, NULL, 5}};
    mk_col(cd, "y_int_delta.bin", one_int, 1, 100);
    mk_col(cd, "y_int_dict.bin", one_int, 1, 3);
    static const struct cval big[] = {{WD_VT_INT, NULL, INT64_MIN}, {WD_VT_INT, NULL, INT64_MAX}};
    mk_col(cd, "y_int_extremes.bin", big, 2, 1);
    mk_col(cd, "y_empty.bin", strs, 0, 1);
    static const struct cval tv[] = {{WD_VT_STR, "2026-01-01T00:00:00+00:00", 0},
                                     {WD_VT_STR, "2026-01-01T00:00:00.293031+00:00", 0},
                                     {WD_VT_STR, "0001-01-01T00:00:00+00:00", 0},
                                     {WD_VT_STR, "9999-12-31T23:59:59.999999+00:00", 0}};
    mk_col(cd, "y_time.bin", tv, 4, 2);
    /* > 256 distinct strings with repeats: 2-byte dictionary codes */
    static char sb[300][8];
    static struct cval wide[600];
    for (int i = 0; i < 300; i++) {
        snprintf(sb[i], sizeof(sb[i]), "v%d", i);
        wide[i] = wide[300 + i] = (struct cval){WD_VT_STR, sb[i], 0};
    }
    mk_col(cd, "y_dict_wide.bin", wide, 600, 1);
    static const unsigned char bad[][8] = {
        {3, 0, 9},                   /* unknown encoding */
        {2, 0, WD_ENC_INT, 0x80},    /* truncated varint */
        {1, 0, WD_ENC_DICT, 2, 1, 1, 'a', 5}, /* dict: second entry missing */
        {1, 0, WD_ENC_PLAIN, 7, 0},  /* bad tag */
    };
    static const char *const badn[] = {"n_bad_enc.bin", "n_int_trunc.bin", "n_dict_short.bin",
                                       "n_bad_tag.bin"};
    static const size_t badl[] = {3, 4, 8, 5};
    for (int i = 0; i < 4; i++)
        put_file(cd, badn[i], bad[i], badl[i]);
    return 0;
}
