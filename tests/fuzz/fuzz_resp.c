/*
 * fuzz_resp.c: libFuzzer target for the response list parsers (src/resp_validate.c).
 * The first byte picks the parser: 'i' IP/CIDR, 'f' FQDN, 'd' duration, 't' watch term,
 * anything else: lines of CIDRs merged. Invariants: nothing crashes; an accepted block
 * formats to text that parses back to the same block; a normalized FQDN is a fixed
 * point; durations are within 1 hour .. 30 days; a merge never grows, covers every
 * input block, and merging its output changes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "resp_validate.h"
#include "ward.h"

static void cidr(const char *p, size_t n)
{
    struct wd_cidr c, d;
    struct wd_perr pe;
    if (wd_resp_cidr_parse(p, n, &c, NULL, &pe) != WD_OK) {
        if (!pe.msg)
            abort();
        return;
    }
    char t[WD_RESP_CIDR_TEXT_MAX];
    size_t l = wd_resp_cidr_format(&c, t, sizeof(t));
    if (wd_resp_cidr_parse(t, l, &d, NULL, NULL) != WD_OK || memcmp(&c, &d, sizeof(c)) != 0)
        abort();
    (void)wd_resp_cidr_special(&c);
}

static void fqdn(const char *p, size_t n)
{
    char out[WD_RESP_FQDN_MAX + 1], again[WD_RESP_FQDN_MAX + 1];
    struct wd_perr pe;
    if (wd_fqdn_parse(p, n, out, sizeof(out), &pe) != WD_OK)
        return;
    if (wd_fqdn_parse(out, strlen(out), again, sizeof(again), &pe) != WD_OK || strcmp(out, again))
        abort();
}

static void merge(const char *p, size_t n)
{
    struct wd_cidr in[64], out[64];
    size_t k = 0;
    for (size_t i = 0; i < n && k < 64;) {
        size_t e = i;
        while (e < n && p[e] != '\n')
            e++;
        if (wd_resp_cidr_parse(p + i, e - i, &in[k], NULL, NULL) == WD_OK)
            k++;
        i = e + 1;
    }
    memcpy(out, in, sizeof(in[0]) * k);
    size_t m = wd_resp_cidr_merge(out, k);
    if (m > k)
        abort();
    for (size_t i = 0; i < k; i++) { /* every input block lies inside one output block */
        bool inside = false;
        for (size_t j = 0; j < m && !inside; j++)
            inside = wd_resp_cidr_overlaps(&in[i], &out[j]) && out[j].plen <= in[i].plen;
        if (!inside)
            abort();
    }
    struct wd_cidr again[64];
    memcpy(again, out, sizeof(out[0]) * m);
    if (wd_resp_cidr_merge(again, m) != m || memcmp(again, out, sizeof(out[0]) * m) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    int64_t secs;
    struct wd_perr pe;
    switch (data[0]) {
    case 'i':
        cidr(p, n);
        break;
    case 'f':
        fqdn(p, n);
        break;
    case 'd':
        if (wd_resp_duration_parse(p, n, &secs, &pe) == WD_OK &&
            (secs < WD_RESP_DURATION_MIN_S || secs > WD_RESP_DURATION_MAX_S))
            abort();
        break;
    case 't':
        (void)wd_watch_term_check(p, n, &pe);
        break;
    default:
        merge(p, n);
        break;
    }
    return 0;
}
