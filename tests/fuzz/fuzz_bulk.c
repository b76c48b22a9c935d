/*
 * fuzz_bulk.c: fuzz target for bulk body framing (bulk.c): any bytes must produce items
 * without crashing, each item either a decoded document or an error with a message.
 */
#include <stdlib.h>
#include <string.h>

#include "bulk.h"
#include "fuzz.h"
#include "json.h"
#include "mem.h"

static int on_item(void *ctx, struct wd_bulk_item *it)
{
    size_t *n = ctx;
    if ((it->doc == NULL) != (it->status != 0) || (it->status && !it->msg[0]))
        abort();
    (*n)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Exact-size copy so ASan catches any read past the padding contract. */
    char *body = malloc(size + WD_JSON_PADDING);
    if (!body)
        return 0;
    memcpy(body, data, size);
    memset(body + size, 0, WD_JSON_PADDING);
    struct wd_arena a;
    struct wd_bulk_opts o = {16, 4096, size % 2 == 0};
    size_t n = 0;
    wd_arena_init(&a, 0, 64 << 20);
    wd_bulk_parse(body, size, size + WD_JSON_PADDING, &o, &a, on_item, &n);
    wd_arena_fini(&a);
    free(body);
    return 0;
}
