/*
 * fuzz.h: every fuzz target defines LLVMFuzzerTestOneInput. Built with libFuzzer by
 * `make fuzz`; linked with replay.c in `make check` to replay the committed corpus.
 */
#ifndef WD_FUZZ_H
#define WD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Rule loaders report every problem as one "FILE:LINE:COL: message" line: the number of
 * such lines in errs (aborting on any other shape). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static inline unsigned wd_fuzz_error_lines(const char *errs, const char *file)
{
    size_t flen = strlen(file);
    unsigned lines = 0;
    for (const char *p = errs; p && *p;) {
        unsigned l, c;
        int n = 0;
        if (strncmp(p, file, flen) != 0 || sscanf(p + flen, ":%u:%u: %n", &l, &c, &n) != 2 ||
            n == 0 || !l || !c)
            abort();
        const char *nl = strchr(p, '\n');
        if (!nl)
            abort();
        lines++;
        p = nl + 1;
    }
    return lines;
}

#endif
