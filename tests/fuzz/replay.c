/*
 * replay.c: standalone driver that feeds every file named on the command line to a
 * fuzz target once (no libFuzzer needed), so `make check` replays each corpus. Prints
 * "PASS fuzz_<target>/<file>" per input; a crash fails the run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int main(int argc, char **argv)
{
    const char *target = getenv("WD_FUZZ_TARGET");
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            printf("FAIL %s/%s: cannot open\n", target ? target : "fuzz", argv[i]);
            return 1;
        }
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        unsigned char *buf = malloc(n > 0 ? (size_t)n : 1);
        size_t got = n > 0 ? fread(buf, 1, (size_t)n, f) : 0;
        fclose(f);
        LLVMFuzzerTestOneInput(buf, got);
        free(buf);
        const char *base = strrchr(argv[i], '/');
        printf("PASS %s/%s\n", target ? target : "fuzz", base ? base + 1 : argv[i]);
    }
    return 0;
}
