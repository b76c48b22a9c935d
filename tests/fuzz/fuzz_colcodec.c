/*
 * fuzz_colcodec.c: libFuzzer target for the store's column codecs (store_col.c). The
 * first 2 bytes (little endian, capped at 8191) are the value count the block directory
 * would give; the rest is an encoded chunk fed to wd_col_decode, which must return
 * WD_OK, WD_ECORRUPT or WD_ENOMEM and never read outside the chunk. When it decodes,
 * the values are written back as a struct wd_colbuild (u8 tag, varint len + bytes, or a
 * zigzag varint for WD_VT_INT, as store_part.c's add_value writes them), encoded with
 * wd_col_encode and decoded again: the values must be identical (abort() otherwise).
 */
#include "fuzz.h"
#include "mem.h"
#include "store_fmt.h"
#include "ward.h"

static void check(bool ok)
{
    if (!ok)
        abort();
}

static bool is_json(const struct wd_colvec *v, uint32_t i)
{
    return v->json && v->json[v->codes ? v->codes[i] : i];
}

/* The tag add_value would have written for a decoded value. */
static uint8_t tag_of(const struct wd_colvec *v, uint32_t i)
{
    const struct wd_qval *q = wd_colvec_get(v, i);
    switch (q->type) {
    case WD_QV_INT:
        return WD_VT_INT;
    case WD_QV_FLOAT:
        return WD_VT_NUM;
    case WD_QV_BOOL:
        return q->b ? WD_VT_TRUE : WD_VT_FALSE;
    default:
        return is_json(v, i) ? WD_VT_JSON : WD_VT_STR;
    }
}

static bool same(const struct wd_colvec *a, const struct wd_colvec *b, uint32_t i)
{
    const struct wd_qval *x = wd_colvec_get(a, i), *y = wd_colvec_get(b, i);
    if (x->type != y->type || is_json(a, i) != is_json(b, i) || x->s.len != y->s.len ||
        (x->s.len && memcmp(x->s.p, y->s.p, x->s.len) != 0))
        return false;
    if (x->type == WD_QV_INT)
        return x->i == y->i;
    if (x->type == WD_QV_BOOL)
        return x->b == y->b;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint32_t nvals = ((uint32_t)data[0] | (uint32_t)data[1] << 8) & 8191;
    struct wd_arena a;
    wd_arena_init(&a, 64 * 1024, 256u << 20);
    struct wd_colvec v = {.nvals = nvals};
    int rc = wd_col_decode(data + 2, size - 2, &a, &v);
    check(rc == WD_OK || rc == WD_ECORRUPT || rc == WD_ENOMEM);
    if (rc == WD_OK) {
        check(v.nvals == nvals);
        struct wd_colbuild c = {0};
        wd_buf_init(&c.vals, 0);
        for (uint32_t i = 0; i < nvals; i++) {
            const struct wd_qval *q = wd_colvec_get(&v, i);
            uint8_t tag = tag_of(&v, i);
            wd_buf_putc(&c.vals, (char)tag);
            if (tag == WD_VT_INT) {
                wd_put_varint(&c.vals, wd_zigzag(q->i));
                c.nint++;
            } else {
                wd_put_varint(&c.vals, q->s.len);
                wd_buf_append(&c.vals, q->s.p, q->s.len);
            }
            c.nvals++;
        }
        struct wd_buf enc;
        wd_buf_init(&enc, 0);
        int e = wd_col_encode(&c, &enc);
        check(e == WD_ENC_PLAIN || e == WD_ENC_DICT || e == WD_ENC_INT || e == WD_ENC_TIME);
        check(enc.len > 0 && (unsigned char)enc.p[0] == e);
        struct wd_colvec w = {.nvals = nvals};
        check(wd_col_decode((const unsigned char *)enc.p, enc.len, &a, &w) == WD_OK);
        check(w.nvals == nvals);
        for (uint32_t i = 0; i < nvals; i++)
            check(same(&v, &w, i));
        wd_buf_fini(&enc);
        wd_buf_fini(&c.vals);
    }
    wd_arena_fini(&a);
    return 0;
}
