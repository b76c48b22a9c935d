/*
 * mem.c: bump arena and capped growable buffer (see mem.h).
 */
#include <stdarg.h>

#include "mem.h"
#include "ward.h"

struct wd_arena_chunk {
    struct wd_arena_chunk *next;
    size_t size;
    /* data follows, 16-byte aligned; the head chunk's free space is a->cur..a->end */
    _Alignas(16) unsigned char data[];
};

void wd_arena_init(struct wd_arena *a, size_t chunk_bytes, size_t cap_bytes)
{
    a->head = NULL;
    a->chunk_bytes = chunk_bytes ? chunk_bytes : (size_t)64 * 1024;
    a->used_bytes = 0;
    a->cap_bytes = cap_bytes;
    a->cur = a->end = NULL;
}

static void free_chunks(struct wd_arena_chunk *c, struct wd_arena_chunk *keep)
{
    while (c && c != keep) {
        struct wd_arena_chunk *n = c->next;
        free(c);
        c = n;
    }
}

void wd_arena_reset(struct wd_arena *a)
{
    struct wd_arena_chunk *last = a->head;
    a->cur = a->end = NULL;
#ifdef WD_SAN
    free_chunks(a->head, NULL);
    a->head = NULL;
    WD_UNUSED(last);
#else
    /* Keep the oldest chunk of ordinary size to avoid malloc churn per batch. */
    while (last && last->next)
        last = last->next;
    if (last && last->size != a->chunk_bytes)
        last = NULL;
    free_chunks(a->head, last);
    a->head = last;
    if (last) {
        last->next = NULL;
        a->cur = last->data;
        a->end = last->data + last->size;
    }
#endif
    a->used_bytes = 0;
}

void wd_arena_mark(const struct wd_arena *a, struct wd_arena_pos *m)
{
    m->head = a->head;
    m->next = a->head ? a->head->next : NULL;
    m->cur = a->cur;
    m->end = a->end;
    m->used_bytes = a->used_bytes;
}

void wd_arena_rewind(struct wd_arena *a, const struct wd_arena_pos *m)
{
    /* Chunks newer than the mark: ordinary ones became the head (a big one-off chunk goes
     * behind the head of its time), so they sit in front of the marked head, and the ones
     * put behind the marked head sit between it and the chunk that was behind it. */
    free_chunks(a->head, m->head);
    a->head = m->head;
    if (m->head) {
        free_chunks(m->head->next, m->next);
        m->head->next = m->next;
    }
    a->cur = m->cur;
    a->end = m->end;
    a->used_bytes = m->used_bytes;
}

void wd_arena_fini(struct wd_arena *a)
{
    if (!a)
        return;
    free_chunks(a->head, NULL);
    a->head = NULL;
    a->used_bytes = 0;
    a->cur = a->end = NULL;
}

void *wd_arena_alloc_slow(struct wd_arena *a, size_t n)
{
    if (a->cap_bytes && a->used_bytes + n > a->cap_bytes)
        return NULL;
    void *p;
    if (n <= (size_t)(a->end - a->cur) && a->cur) { /* n == 0 with room left */
        p = a->cur;
        a->cur += n;
        a->used_bytes += n;
        return p;
    }
    size_t size = n > a->chunk_bytes / 4 ? n : a->chunk_bytes;
#ifdef WD_SAN
    size = n; /* every object its own malloc (a->cur stays NULL) */
#endif
    struct wd_arena_chunk *c = malloc(sizeof(*c) + size);
    if (!c)
        return NULL;
    c->size = size;
    p = c->data;
    if (size == a->chunk_bytes || !a->head) {
        c->next = a->head;
        a->head = c;
#ifndef WD_SAN
        a->cur = c->data + n;
        a->end = c->data + size;
#endif
    } else {
        /* A big one-off chunk goes behind the current one so its free space stays usable. */
        c->next = a->head->next;
        a->head->next = c;
    }
    a->used_bytes += n;
    return p;
}

char *wd_arena_strndup(struct wd_arena *a, const char *p, size_t n)
{
    char *s = wd_arena_alloc(a, n + 1);
    if (!s)
        return NULL;
    if (n)
        memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

void wd_buf_init(struct wd_buf *b, size_t max_len)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->max_len = max_len;
}

void wd_buf_fini(struct wd_buf *b)
{
    if (!b)
        return;
    WD_FREE(b->p);
    b->len = b->cap = 0;
}

int wd_buf_reserve(struct wd_buf *b, size_t n)
{
    if (b->max_len && (n > b->max_len || b->len > b->max_len - n))
        return WD_ELIMIT;
    if (b->cap - b->len > n)
        return WD_OK;
    size_t want = b->cap ? b->cap : 256;
    while (want - b->len <= n)
        want *= 2;
    char *p = realloc(b->p, want);
    if (!p)
        return WD_ENOMEM;
    b->p = p;
    b->cap = want;
    return WD_OK;
}

int wd_buf_append(struct wd_buf *b, const void *p, size_t n)
{
    int rc = wd_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
    return WD_OK;
}

int wd_buf_putc(struct wd_buf *b, char c)
{
    return wd_buf_append(b, &c, 1);
}

int wd_buf_printf(struct wd_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    /* va_start above initialises ap; the analyzer misreads the fortified vsnprintf. */
    int n = vsnprintf(NULL, 0, fmt, ap); /* NOLINT */
    va_end(ap);
    if (n < 0)
        return WD_EINVAL;
    int rc = wd_buf_reserve(b, (size_t)n + 1);
    if (rc)
        return rc;
    va_start(ap, fmt);
    (void)vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return WD_OK;
}

char *wd_buf_detach(struct wd_buf *b, size_t *len)
{
    char *p = b->p;
    if (len)
        *len = b->len;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}
