/*
 * mem.h: the bump arena used per batch on the hot path, and the capped growable byte
 * buffer (wd_buf). In sanitizer builds (WD_SAN) every arena allocation is its own
 * malloc so AddressSanitizer sees each object.
 */
#ifndef WD_MEM_H
#define WD_MEM_H

#include <stddef.h>
#include <stdint.h>

struct wd_arena_chunk;

/* A bump allocator. Objects live until wd_arena_reset() or wd_arena_fini(). */
struct wd_arena {
    struct wd_arena_chunk *head; /* current chunk, linked to older ones */
    size_t chunk_bytes;          /* size of ordinary chunks */
    size_t used_bytes;           /* bytes handed out since the last reset */
    size_t cap_bytes;            /* hard cap; 0 = unlimited */
    unsigned char *cur, *end;    /* free space of the head chunk (NULL: none; WD_SAN: never) */
};

/* A position in an arena (wd_arena_mark), to give back what was allocated after it. */
struct wd_arena_pos {
    struct wd_arena_chunk *head, *next; /* the head chunk and the one behind it */
    unsigned char *cur, *end;
    size_t used_bytes;
};

void wd_arena_init(struct wd_arena *a, size_t chunk_bytes, size_t cap_bytes);
/* Records the arena's position. */
void wd_arena_mark(const struct wd_arena *a, struct wd_arena_pos *m);
/* Frees every object allocated since the mark (its memory is handed out again, while it
 * is still in the cache). No wd_arena_reset() in between. */
void wd_arena_rewind(struct wd_arena *a, const struct wd_arena_pos *m);
/* Frees every chunk but the first, and rewinds it. */
void wd_arena_reset(struct wd_arena *a);
void wd_arena_fini(struct wd_arena *a);
/* wd_arena_alloc() when the head chunk has no room: n is already rounded to 16. */
void *wd_arena_alloc_slow(struct wd_arena *a, size_t n);
/* Returns 16-byte aligned memory, or NULL when the cap is reached or malloc fails. Inline:
 * the decoder and the normalizer call it for every node, and the common case is a bump. */
static inline void *wd_arena_alloc(struct wd_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    /* n - 1 < room: n > 0 and it fits (n == 0 takes the slow path, as cur may be NULL) */
    if (n - 1 < (size_t)(a->end - a->cur) && (!a->cap_bytes || a->used_bytes + n <= a->cap_bytes)) {
        void *p = a->cur;
        a->cur += n;
        a->used_bytes += n;
        return p;
    }
    return wd_arena_alloc_slow(a, n);
}
/* Copies n bytes (plus a NUL) into the arena; returns NULL on failure. */
char *wd_arena_strndup(struct wd_arena *a, const char *p, size_t n);

/* A growable byte buffer with a hard cap. */
struct wd_buf {
    char *p;
    size_t len;
    size_t cap;     /* allocated bytes */
    size_t max_len; /* hard cap on len; 0 = unlimited */
};

void wd_buf_init(struct wd_buf *b, size_t max_len);
void wd_buf_fini(struct wd_buf *b);
/* Makes room for n more bytes; WD_ELIMIT beyond max_len, WD_ENOMEM on malloc failure. */
int wd_buf_reserve(struct wd_buf *b, size_t n);
int wd_buf_append(struct wd_buf *b, const void *p, size_t n);
int wd_buf_putc(struct wd_buf *b, char c);
int wd_buf_printf(struct wd_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Takes the bytes out of the buffer: the caller frees the returned pointer. */
char *wd_buf_detach(struct wd_buf *b, size_t *len);

#endif
