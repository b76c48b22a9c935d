/*
 * crc32c.c: CRC-32C (see crc32c.h). Two implementations with identical results:
 * - hardware: SSE4.2 crc32 on 8 bytes per instruction, compiled with a target attribute
 *   and picked once at run time (__builtin_cpu_supports), so the binary still runs on
 *   CPUs without SSE4.2;
 * - portable: slicing-by-8 over tables built once (pthread_once) from the polynomial.
 * Invariant: wd_crc32c(c, p, n) == wd_crc32c_sw(c, p, n) for every input (test_wal.c).
 */
#include <pthread.h>
#include <string.h>

#include "crc32c.h"

#define POLY 0x82F63B78u /* reflected Castagnoli */

static uint32_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
        table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xFF];
}

static uint64_t load_le64(const unsigned char *s)
{
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = x << 8 | s[i];
    return x;
}

uint32_t wd_crc32c_sw(uint32_t crc, const void *p, size_t len)
{
    pthread_once(&table_once, table_init);
    const unsigned char *s = p;
    uint32_t c = ~crc;
    for (; len >= 8; len -= 8, s += 8) {
        uint64_t x = load_le64(s) ^ c;
        c = table[7][x & 0xFF] ^ table[6][(x >> 8) & 0xFF] ^ table[5][(x >> 16) & 0xFF] ^
            table[4][(x >> 24) & 0xFF] ^ table[3][(x >> 32) & 0xFF] ^ table[2][(x >> 40) & 0xFF] ^
            table[1][(x >> 48) & 0xFF] ^ table[0][x >> 56];
    }
    while (len--)
        c = (c >> 8) ^ table[0][(c ^ *s++) & 0xFF];
    return ~c;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>

__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t crc, const void *p, size_t len)
{
    const unsigned char *s = p;
    uint64_t c = ~crc;
    for (; len >= 8; len -= 8, s += 8) {
        uint64_t x;
        memcpy(&x, s, 8); /* little endian: the byte order crc32q consumes */
        c = _mm_crc32_u64(c, x);
    }
    uint32_t c32 = (uint32_t)c;
    while (len--)
        c32 = _mm_crc32_u8(c32, *s++);
    return ~c32;
}

static int have_hw(void)
{
    static int cached = -1; /* benign race: every thread computes the same value */
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v < 0) {
        __builtin_cpu_init();
        v = __builtin_cpu_supports("sse4.2") ? 1 : 0;
        __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    }
    return v;
}

uint32_t wd_crc32c(uint32_t crc, const void *p, size_t len)
{
    return have_hw() ? crc_hw(crc, p, len) : wd_crc32c_sw(crc, p, len);
}

int wd_crc32c_is_hw(void)
{
    return have_hw();
}
#else
uint32_t wd_crc32c(uint32_t crc, const void *p, size_t len)
{
    return wd_crc32c_sw(crc, p, len);
}

int wd_crc32c_is_hw(void)
{
    return 0;
}
#endif
