/*
 * fuzz_lists.c: libFuzzer target for list text (src/lists.c): the checker and the loader
 * must agree for every list type; a list that loads answers lookups for its own first
 * entry and for arbitrary text without crashing; edits (add, remove) keep it loadable.
 */
#include "fuzz.h"
#include "lists.h"
#include "mem.h"
#include "ward.h"

static void check(bool ok)
{
    if (!ok)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    check(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    size_t tl = strlen(text); /* the loader takes NUL-terminated inline entries */
    for (int type = WD_LIST_IP; type <= WD_LIST_STRING; type++) {
        size_t count = 0, bad = 0;
        const char *why = NULL;
        int rc = wd_lists_check_text(type, text, tl, &count, &bad, &why);
        check(rc == WD_OK || (rc == WD_EINVAL && bad >= 1 && why));
        struct wd_lists *l = wd_lists_new();
        int id = -1;
        char err[512];
        int drc = wd_lists_define(l, "f", type, NULL, text, &id, err, sizeof(err));
        check((drc == WD_OK) == (rc == WD_OK));
        if (drc == WD_OK) {
            (void)wd_lists_match(l, id, (struct wd_str){text, WD_MIN(tl, 40)});
            (void)wd_lists_match(l, id, WD_STR("10.1.2.3"));
            (void)wd_lists_match(l, id, WD_STR("a.b.example.org"));
            check(wd_lists_edit(l, "f", 1, text, tl, err, sizeof(err)) == WD_OK);
            check(wd_lists_edit(l, "f", 2, text, tl, err, sizeof(err)) == WD_OK);
            struct wd_buf b;
            wd_buf_init(&b, 0);
            check(wd_lists_json(l, "f", &b) == WD_OK && b.len > 0 && strstr(b.p, "\"count\":0"));
            wd_buf_fini(&b);
        }
        wd_lists_free(l);
    }
    free(text);
    return 0;
}
