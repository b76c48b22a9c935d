/*
 * crc32c.c: CRC-32C (see crc32c.h). Two implementations with identical results:
 * - hardware: SSE4.2 crc32 on 8 bytes per instruction, compiled with a target attribute
 *   and picked once at run time (__builtin_cpu_supports), so the binary still runs on
 *   CPUs without SSE4.2. The instruction's latency is three times its throughput, so long
 *   inputs run three lanes of LANE bytes side by side, and the lanes' CRCs are joined by
 *   shifting over LANE zero bytes (a linear map, as four table lookups: shift_tab);
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

/* ---- shifting a CRC register over LANE zero bytes ---- */

#define LANE 4096 /* bytes of each of the three lanes (a multiple of 8) */

static uint32_t shift_tab[4][256]; /* register byte k = b -> its image after LANE zeros */
static pthread_once_t shift_once = PTHREAD_ONCE_INIT;

/* Image of v under a linear map given by the images of its 32 bits. */
static uint32_t apply(const uint32_t op[32], uint32_t v)
{
    uint32_t r = 0;
    for (int i = 0; v; i++, v >>= 1)
        if (v & 1)
            r ^= op[i];
    return r;
}

static void shift_init(void)
{
    pthread_once(&table_once, table_init);
    uint32_t op[32], sq[32];
    for (int i = 0; i < 32; i++) { /* one zero byte through the register */
        uint32_t c = 1u << i;
        op[i] = (c >> 8) ^ table[0][c & 0xFF];
    }
    for (uint32_t n = 1; n < LANE; n *= 2) { /* squaring: 2n zero bytes */
        for (int i = 0; i < 32; i++)
            sq[i] = apply(op, op[i]);
        memcpy(op, sq, sizeof(op));
    }
    for (int k = 0; k < 4; k++)
        for (uint32_t b = 0; b < 256; b++)
            shift_tab[k][b] = apply(op, b << (8 * k));
}

static inline uint32_t shift_lane(uint32_t c)
{
    return shift_tab[0][c & 0xFF] ^ shift_tab[1][(c >> 8) & 0xFF] ^
           shift_tab[2][(c >> 16) & 0xFF] ^ shift_tab[3][c >> 24];
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
    if (len >= 3 * LANE)
        pthread_once(&shift_once, shift_init);
    /* Three lanes: the register over a, b, c is shift(shift(A) ^ B) ^ C, where A starts
     * from the register and B and C from 0 (the register is linear in its start). */
    for (; len >= 3 * LANE; len -= 3 * LANE, s += 3 * LANE) {
        uint64_t ca = c, cb = 0, cc = 0;
        for (size_t i = 0; i < LANE; i += 8) {
            uint64_t xa, xb, xc;
            memcpy(&xa, s + i, 8);
            memcpy(&xb, s + LANE + i, 8);
            memcpy(&xc, s + 2 * LANE + i, 8);
            ca = _mm_crc32_u64(ca, xa);
            cb = _mm_crc32_u64(cb, xb);
            cc = _mm_crc32_u64(cc, xc);
        }
        c = shift_lane(shift_lane((uint32_t)ca) ^ (uint32_t)cb) ^ (uint32_t)cc;
    }
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
