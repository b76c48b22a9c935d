/*
 * crc32c.h: CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, as in iSCSI, ext4 and
 * LevelDB), the checksum of WAL records from format WDW2 on (wal.h). On x86-64 with
 * SSE4.2 it runs on the crc32 instruction (chosen at run time); elsewhere a portable
 * table-driven version gives the same values.
 */
#ifndef WD_CRC32C_H
#define WD_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * Extends crc (0 to start) over p[0..len): wd_crc32c(wd_crc32c(0, a, n), b, m) equals the
 * CRC of a followed by b. crc32c("123456789") == 0xE3069283. Thread-safe, no allocation.
 */
uint32_t wd_crc32c(uint32_t crc, const void *p, size_t len);
/* The portable implementation (same results); exposed so tests compare the two paths. */
uint32_t wd_crc32c_sw(uint32_t crc, const void *p, size_t len);
/* Whether wd_crc32c uses the CPU's crc32 instruction. */
int wd_crc32c_is_hw(void);

#endif
