/*
 * fuzz_zeek_tsv.c: libFuzzer target for the Zeek TSV reader and writer (src/zeek_tsv.c,
 * src/zeek_read.c). The input is a log stream: every line goes through a reader in both
 * decoding modes. Each TSV row decoded to bytes is re-emitted, the emitted line parsed
 * again and re-emitted: the two emissions must be identical (abort() otherwise).
 * Rejections must carry a message and an offset inside the line.
 */
#include "fuzz.h"
#include "jv.h"
#include "mem.h"
#include "ward.h"
#include "zeek.h"

static void check(bool ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wd_arena a;
    wd_arena_init(&a, 64 * 1024, 64u << 20);
    struct wd_buf e1, e2;
    wd_buf_init(&e1, 0);
    wd_buf_init(&e2, 0);
    struct wd_zeek_reader r, rb;
    wd_zeek_reader_init(&r, "fuzz");
    wd_zeek_reader_init(&rb, "fuzz");
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        struct wd_jv *rec;
        struct wd_str log;
        struct wd_perr err = {0, 0, NULL};
        int rc = wd_zeek_reader_line(&r, p, n, n, &a, &rec, &log, &err);
        check(rc == WD_OK || rc == WD_EPARSE || rc == WD_EINVAL || rc == WD_ELIMIT ||
              rc == WD_ENOMEM);
        check(rc == WD_OK || rc == WD_ENOMEM || (err.msg && err.off <= n));
        if (rc == WD_EINVAL)
            break;
        /* the same line decoded to bytes, re-emitted twice */
        if (r.fmt == WD_ZF_TSV) {
            rb.fmt = WD_ZF_TSV;
            if (wd_zeek_is_meta(&r.hdr, p, n) || rb.hdr.ncols == 0) {
                if (rb.lines == 0)
                    (void)wd_zeek_hdr_first(&rb.hdr, p, n, NULL);
                else
                    (void)wd_zeek_hdr_line(&rb.hdr, p, n, NULL);
                rb.lines++;
            } else if (wd_zeek_tsv_row(&rb.hdr, p, n, WD_ZEEK_BYTES, &a, &rec, NULL, NULL) ==
                       WD_OK) {
                e1.len = e2.len = 0;
                check(wd_zeek_tsv_emit_row(&rb.hdr, rec, &e1) == WD_OK);
                struct wd_jv *again;
                check(wd_zeek_tsv_row(&rb.hdr, e1.p, e1.len - 1, WD_ZEEK_BYTES, &a, &again, NULL,
                                      NULL) == WD_OK);
                check(wd_zeek_tsv_emit_row(&rb.hdr, again, &e2) == WD_OK);
                check(e1.len == e2.len && memcmp(e1.p, e2.p, e1.len) == 0);
            }
        }
        p += n + 1;
        wd_arena_reset(&a);
    }
    e1.len = 0;
    (void)wd_zeek_tsv_emit_hdr(&r.hdr, &e1);
    wd_zeek_reader_fini(&r);
    wd_zeek_reader_fini(&rb);
    wd_buf_fini(&e1);
    wd_buf_fini(&e2);
    wd_arena_fini(&a);
    return 0;
}
