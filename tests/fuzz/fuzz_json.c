/*
 * fuzz_json.c: libFuzzer target for the JSON decoder and writer. Each input is parsed
 * twice (copied to the padded scratch buffer, and in place with hostile bytes after the
 * end) and both must agree. When it parses, it is written, the output re-parsed and
 * written again: the two outputs must be identical (abort() otherwise). Rejections must
 * come with a message and an offset inside the input, and the strict scalar validator
 * (wd_json_validate) must reach the same verdict, offset and message as simdjson. The
 * compact decoder (json_compact.c) must build the very tree simdjson's path builds
 * whenever it takes an input, on the input and on the writer's output of it, and
 * wd_json_parse_compact must answer as wd_json_parse does.
 */
#include "fuzz.h"
#include "json.h"
#include "jv.h"
#include "mem.h"
#include "ward.h"

static void check(bool ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wd_arena a;
    struct wd_buf out1, out2, out3, text;
    wd_arena_init(&a, 64 * 1024, 256u << 20);
    wd_buf_init(&out1, 0);
    wd_buf_init(&out2, 0);
    wd_buf_init(&out3, 0);
    wd_buf_init(&text, 0);
    const char *p = (const char *)data;

    struct wd_jv *v = NULL;
    struct wd_perr err = {0, 0, NULL};
    int rc = wd_json_parse(p, size, size, 128, &a, &v, &err);
    check(rc == WD_OK || rc == WD_EPARSE || rc == WD_ELIMIT || rc == WD_ENOMEM);
    check(rc == WD_OK ? v != NULL : v == NULL && err.msg != NULL && err.off <= size);

    /* The strict scalar validator must agree on acceptance, code, offset and message. */
    struct wd_perr verr = {0, 0, NULL};
    int vrc = wd_json_validate(p, size, 128, &verr);
    if (rc != WD_ENOMEM) {
        check(vrc == rc);
        check(rc == WD_OK || (verr.off == err.off && strcmp(verr.msg, err.msg) == 0));
    }

    /* In place, with bytes after the end that would complete many truncated inputs. */
    char *padded = malloc(size + WD_JSON_PADDING);
    check(padded != NULL);
    if (size)
        memcpy(padded, data, size);
    for (size_t i = 0; i < WD_JSON_PADDING; i++)
        padded[size + i] = "e1\"]}0 ,:"[i % 9];
    struct wd_jv *w = NULL;
    struct wd_perr err2 = {0, 0, NULL};
    int rc2 = wd_json_parse(padded, size, size + WD_JSON_PADDING, 128, &a, &w, &err2);
    check(rc2 == rc);
    check(rc != WD_OK || err2.off == err.off);

    /* the compact decoder: only what wd_json_parse takes, and the same tree */
    struct wd_jv *c = NULL;
    if (wd_json_decode_compact(p, size, 128, &a, &c) == WD_OK)
        check(rc == WD_OK && wd_jv_same(c, v));
    struct wd_perr err3 = {0, 0, NULL};
    check(wd_json_parse_compact(p, size, size, 128, &a, &c, &err3) == rc);
    check(rc == WD_OK ? wd_jv_same(c, v) : err3.off == err.off && strcmp(err3.msg, err.msg) == 0);

    if (rc == WD_OK) {
        check(wd_jv_write(v, &out1) == WD_OK);
        check(wd_jv_write(w, &out3) == WD_OK);
        check(out1.len == out3.len && memcmp(out1.p, out3.p, out1.len) == 0);
        check(wd_jv_text(v, &text) == WD_OK);
        struct wd_jv *v2 = NULL;
        check(wd_json_parse(out1.p, out1.len, out1.len, 128, &a, &v2, NULL) == WD_OK);
        check(wd_jv_write(v2, &out2) == WD_OK);
        if (wd_json_decode_compact(out1.p, out1.len, 128, &a, &c) == WD_OK)
            check(wd_jv_same(c, v2));
        check(out1.len == out2.len && memcmp(out1.p, out2.p, out1.len) == 0);
        check(wd_json_valid_utf8(out1.p, out1.len));
    } else {
        check(err2.off == err.off && strcmp(err2.msg, err.msg) == 0);
    }
    free(padded);
    wd_buf_fini(&out1);
    wd_buf_fini(&out2);
    wd_buf_fini(&out3);
    wd_buf_fini(&text);
    wd_arena_fini(&a);
    return 0;
}
