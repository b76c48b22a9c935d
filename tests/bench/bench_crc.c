/*
 * bench_crc.c: throughput of CRC-32C (crc32c.c) over WAL-record-sized buffers (2 MiB):
 * wd_crc32c (three lanes on the crc32 instruction when the CPU has it), one dependent chain
 * of the same instruction (what it did before the lanes), and the portable tables. Best of
 * several rounds, one core; checks that all three give the same CRC.
 * Usage: bench_crc [MiB] [rounds]
 */
#include <time.h>

#include "crc32c.h"
#include "ward.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>

__attribute__((target("sse4.2"))) static uint32_t one_chain(uint32_t crc, const void *p, size_t len)
{
    const unsigned char *s = p;
    uint64_t c = ~crc;
    for (; len >= 8; len -= 8, s += 8) {
        uint64_t x;
        memcpy(&x, s, 8);
        c = _mm_crc32_u64(c, x);
    }
    uint32_t c32 = (uint32_t)c;
    while (len--)
        c32 = _mm_crc32_u8(c32, *s++);
    return ~c32;
}
#else
static uint32_t one_chain(uint32_t crc, const void *p, size_t len)
{
    return wd_crc32c_sw(crc, p, len);
}
#endif

static double now_s(void)
{
    return (double)wd_mono_ns() / 1e9;
}

/* Best GB/s of `rounds` rounds of 8 passes; *crc gets the CRC of the buffer. */
static double rate(uint32_t (*fn)(uint32_t, const void *, size_t), const unsigned char *b, size_t n,
                   int rounds, uint32_t *crc)
{
    double best = 0;
    for (int r = 0; r < rounds; r++) {
        double t0 = now_s();
        for (int i = 0; i < 8; i++)
            *crc = fn(0, b, n);
        double gbs = 8.0 * (double)n / (now_s() - t0) / 1e9;
        best = gbs > best ? gbs : best;
    }
    return best;
}

int main(int argc, char **argv)
{
    size_t n = (size_t)(argc > 1 ? strtoul(argv[1], NULL, 10) : 2) << 20;
    int rounds = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 20;
    unsigned char *b = malloc(n);
    if (!b || !n || rounds < 1)
        return 2;
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        b[i] = (unsigned char)x;
    }
    uint32_t c1 = 0, c2 = 0, c3 = 0;
    double lanes = rate(wd_crc32c, b, n, rounds, &c1);
    double chain = rate(one_chain, b, n, rounds, &c2);
    double sw = rate(wd_crc32c_sw, b, n, rounds / 4 + 1, &c3);
    printf("crc32c (%zu MiB buffers, %s): wd_crc32c %.2f GB/s, one crc32 chain %.2f GB/s "
           "(%.2fx), portable %.2f GB/s\n",
           n >> 20, wd_crc32c_is_hw() ? "SSE4.2" : "no SSE4.2", lanes, chain, lanes / chain, sw);
    free(b);
    if (c1 != c2 || c1 != c3) {
        fprintf(stderr, "bench_crc: the CRCs differ: %08x %08x %08x\n", c1, c2, c3);
        return 1;
    }
    return 0;
}
