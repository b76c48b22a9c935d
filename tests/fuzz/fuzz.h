/*
 * fuzz.h: every fuzz target defines LLVMFuzzerTestOneInput. Built with libFuzzer by
 * `make fuzz`; linked with replay.c in `make check` to replay the committed corpus.
 */
#ifndef WD_FUZZ_H
#define WD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
