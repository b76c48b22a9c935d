/*
 * lists.c: named IP/CIDR, domain and string lists (see lists.h). Each list's content is
 * an immutable `ldata` (entries plus a lookup index: merged IPv4 ranges searched by
 * bisection, IPv6 prefixes scanned, an open-addressing hash set for domains and strings)
 * swapped under the registry's write lock.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lists.h"

#include "jv.h"
#include "log.h"
#include "mem.h"

struct v4range {
    uint32_t lo, hi;
};

struct v6net {
    uint8_t a[16];
    int bits;
};

struct ldata {
    char **entry; /* normalised entries (lower-cased domains), NUL-terminated */
    char **line;  /* the file line each came from (the entry for new ones) */
    size_t n;
    struct v4range *v4;
    size_t nv4;
    struct v6net *v6;
    size_t nv6;
    const char **set; /* hash set of entries (domain/string); cap is a power of two */
    size_t cap;
    char *header; /* the '#' lines at the top of the file (Zeek input-framework TSV) */
    int ncols;    /* columns named by #fields (>= 1) */
};

struct list {
    char name[64];
    int type;
    char *file;
    struct ldata *d;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    uint64_t version, reloads, reload_errors;
};

struct wd_lists {
    pthread_rwlock_t lock; /* guards every list's `d` and `version` */
    pthread_mutex_t edit;  /* one editor or reloader at a time (stat fields, file writes) */
    struct list *l[WD_LISTS_MAX];
    int n;
};

static const char *const type_names[] = {"ip", "domain", "string"};

int wd_list_type_parse(const char *s)
{
    for (size_t i = 0; i < WD_ARRAY_LEN(type_names); i++)
        if (!strcmp(s, type_names[i]))
            return (int)i;
    return -1;
}

const char *wd_list_type_name(int type)
{
    return type >= 0 && type < (int)WD_ARRAY_LEN(type_names) ? type_names[type] : "?";
}

struct wd_lists *wd_lists_new(void)
{
    struct wd_lists *l = wd_xcalloc(1, sizeof(*l));
    pthread_rwlock_init(&l->lock, NULL);
    pthread_mutex_init(&l->edit, NULL);
    return l;
}

static void ldata_free(struct ldata *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        if (d->line[i] != d->entry[i])
            free(d->line[i]);
        free(d->entry[i]);
    }
    free(d->entry);
    free(d->line);
    free(d->v4);
    free(d->v6);
    free(d->set);
    free(d->header);
    free(d);
}

void wd_lists_free(struct wd_lists *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->n; i++) {
        ldata_free(l->l[i]->d);
        free(l->l[i]->file);
        free(l->l[i]);
    }
    pthread_rwlock_destroy(&l->lock);
    pthread_mutex_destroy(&l->edit);
    free(l);
}

/* ---- addresses ---- */

bool wd_cidr_parse(const char *p, size_t len, uint8_t addr[16], int *bits)
{
    char tmp[64];
    if (len == 0 || len >= sizeof(tmp))
        return false;
    memcpy(tmp, p, len);
    tmp[len] = '\0';
    char *slash = strchr(tmp, '/');
    long b = -1;
    if (slash) {
        char *end;
        *slash = '\0';
        if (!isdigit((unsigned char)slash[1]))
            return false;
        b = strtol(slash + 1, &end, 10);
        if (*end || b < 0 || b > 128)
            return false;
    }
    memset(addr, 0, 16);
    uint8_t v4[4];
    if (inet_pton(AF_INET, tmp, v4) == 1) {
        if (b > 32)
            return false;
        addr[10] = addr[11] = 0xff;
        memcpy(addr + 12, v4, 4);
        *bits = b < 0 ? 128 : 96 + (int)b;
        return true;
    }
    if (inet_pton(AF_INET6, tmp, addr) == 1) {
        *bits = b < 0 ? 128 : (int)b;
        return true;
    }
    return false;
}

bool wd_cidr_contains(const uint8_t net[16], int bits, const uint8_t addr[16])
{
    int full = bits / 8, rest = bits % 8;
    if (memcmp(net, addr, (size_t)full) != 0)
        return false;
    if (!rest)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (net[full] & mask) == (addr[full] & mask);
}

static bool is_v4mapped(const uint8_t a[16])
{
    static const uint8_t pre[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a, pre, 12) == 0;
}

/* ---- text ---- */

static uint64_t fnv(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    return h;
}

/* The entry of one line: first token (TAB or space separated); empty for comments. */
static struct wd_str line_token(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'))
        i++;
    if (i == n || p[i] == '#')
        return (struct wd_str){p + i, 0};
    size_t j = i;
    while (j < n && p[j] != ' ' && p[j] != '\t' && p[j] != '\r')
        j++;
    return (struct wd_str){p + i, j - i};
}

static const char *check_entry(int type, struct wd_str t)
{
    uint8_t a[16];
    int bits;
    if (type == WD_LIST_IP)
        return wd_cidr_parse(t.p, t.len, a, &bits) ? NULL : "not an IP address or CIDR block";
    if (type == WD_LIST_DOMAIN) {
        if (t.len > 253)
            return "domain longer than 253 bytes";
        for (size_t i = 0; i < t.len; i++)
            if ((unsigned char)t.p[i] <= 0x20 || t.p[i] == '/')
                return "not a domain name";
    }
    if (memchr(t.p, '\0', t.len))
        return "NUL byte in an entry";
    return NULL;
}

int wd_lists_check_text(int type, const char *text, size_t len, size_t *count, size_t *bad_line,
                        const char **why)
{
    size_t lineno = 0;
    *count = 0;
    for (const char *p = text, *end = text + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        lineno++;
        struct wd_str t = line_token(p, n);
        if (t.len) {
            const char *w = check_entry(type, t);
            if (w) {
                *bad_line = lineno;
                *why = w;
                return WD_EINVAL;
            }
            (*count)++;
        }
        p += n + 1;
    }
    return WD_OK;
}

static char *norm_entry(int type, struct wd_str t)
{
    char *e = wd_xstrndup(t.p, t.len);
    if (type == WD_LIST_DOMAIN) {
        for (char *q = e; *q; q++)
            *q = (char)tolower((unsigned char)*q);
        size_t n = strlen(e);
        while (n && e[n - 1] == '.')
            e[--n] = '\0';
        if (e[0] == '.')
            memmove(e, e + 1, n);
    }
    return e;
}

static bool set_has(const struct ldata *d, const char *p, size_t n)
{
    if (!d->cap)
        return false;
    for (size_t i = fnv(p, n) & (d->cap - 1);; i = (i + 1) & (d->cap - 1)) {
        const char *e = d->set[i];
        if (!e)
            return false;
        if (strlen(e) == n && memcmp(e, p, n) == 0)
            return true;
    }
}

static int cmp_range(const void *a, const void *b)
{
    const struct v4range *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Builds the lookup index of d's entries. */
static void index_build(struct ldata *d, int type)
{
    if (type == WD_LIST_IP) {
        d->v4 = wd_xcalloc(d->n + 1, sizeof(*d->v4));
        d->v6 = wd_xcalloc(d->n + 1, sizeof(*d->v6));
        for (size_t i = 0; i < d->n; i++) {
            uint8_t a[16];
            int bits;
            if (!wd_cidr_parse(d->entry[i], strlen(d->entry[i]), a, &bits))
                continue;
            if (is_v4mapped(a) && bits >= 96) {
                uint32_t v =
                    (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15];
                int b4 = bits - 96;
                uint32_t mask = b4 == 0 ? 0 : 0xffffffffu << (32 - b4);
                d->v4[d->nv4++] = (struct v4range){v & mask, (v & mask) | ~mask};
            } else {
                memcpy(d->v6[d->nv6].a, a, 16);
                d->v6[d->nv6++].bits = bits;
            }
        }
        qsort(d->v4, d->nv4, sizeof(*d->v4), cmp_range);
        size_t m = 0; /* merge overlapping ranges so bisection finds the one that counts */
        for (size_t i = 0; i < d->nv4; i++) {
            if (m && d->v4[i].lo <= d->v4[m - 1].hi) {
                if (d->v4[i].hi > d->v4[m - 1].hi)
                    d->v4[m - 1].hi = d->v4[i].hi;
            } else {
                d->v4[m++] = d->v4[i];
            }
        }
        d->nv4 = m;
        return;
    }
    d->cap = 16;
    while (d->cap < 2 * d->n)
        d->cap *= 2;
    d->set = wd_xcalloc(d->cap, sizeof(*d->set));
    for (size_t i = 0; i < d->n; i++) {
        size_t n = strlen(d->entry[i]);
        if (set_has(d, d->entry[i], n))
            continue;
        size_t k = fnv(d->entry[i], n) & (d->cap - 1);
        while (d->set[k])
            k = (k + 1) & (d->cap - 1);
        d->set[k] = d->entry[i];
    }
}

static void ldata_push(struct ldata *d, size_t *cap, char *entry, char *line)
{
    if (d->n == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        d->entry = wd_xrealloc(d->entry, *cap * sizeof(*d->entry));
        d->line = wd_xrealloc(d->line, *cap * sizeof(*d->line));
    }
    d->entry[d->n] = entry;
    d->line[d->n++] = line ? line : entry;
}

/* Parses text into new data (with its '#' header kept when keep_header). */
static struct ldata *ldata_parse(int type, const char *text, size_t len, bool keep_header,
                                 size_t *bad_line, const char **why)
{
    size_t count;
    if (wd_lists_check_text(type, text, len, &count, bad_line, why))
        return NULL;
    struct ldata *d = wd_xcalloc(1, sizeof(*d));
    d->ncols = 1;
    size_t cap = 0;
    struct wd_buf hdr;
    wd_buf_init(&hdr, 0);
    bool top = true;
    for (const char *p = text, *end = text + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        struct wd_str t = line_token(p, n);
        if (t.len) {
            top = false;
            ldata_push(d, &cap, norm_entry(type, t), keep_header ? wd_xstrndup(p, n) : NULL);
        } else if (top && keep_header && n && p[0] == '#') {
            wd_buf_append(&hdr, p, n);
            wd_buf_putc(&hdr, '\n');
            if (n > 8 && !memcmp(p, "#fields\t", 8))
                for (size_t i = 8; i < n; i++)
                    d->ncols += p[i] == '\t';
        }
        p += n + 1;
    }
    d->header = hdr.len ? wd_buf_detach(&hdr, NULL) : NULL;
    wd_buf_fini(&hdr);
    index_build(d, type);
    return d;
}

static int read_file(const char *path, struct wd_buf *out, struct stat *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return WD_EIO;
    if (fstat(fd, st) != 0) {
        close(fd);
        return WD_EIO;
    }
    char tmp[65536];
    ssize_t n;
    while ((n = read(fd, tmp, sizeof(tmp))) > 0)
        if (wd_buf_append(out, tmp, (size_t)n)) {
            close(fd);
            return WD_ENOMEM;
        }
    close(fd);
    return n < 0 ? WD_EIO : WD_OK;
}

static int load_file(struct list *L, struct ldata **out, char *err, size_t err_len)
{
    struct wd_buf b;
    struct stat st;
    wd_buf_init(&b, 256u << 20);
    int rc = read_file(L->file, &b, &st);
    if (rc) {
        snprintf(err, err_len, "%s: %s", L->file, rc == WD_EIO ? strerror(errno) : "too large");
        wd_buf_fini(&b);
        return WD_EIO;
    }
    size_t bad = 0;
    const char *why = NULL;
    *out = ldata_parse(L->type, b.p ? b.p : "", b.len, true, &bad, &why);
    wd_buf_fini(&b);
    if (!*out) {
        snprintf(err, err_len, "%s:%zu: %s (list %s, type %s)", L->file, bad, why, L->name,
                 wd_list_type_name(L->type));
        return WD_EINVAL;
    }
    L->dev = st.st_dev;
    L->ino = st.st_ino;
    L->size = st.st_size;
    L->mtime = st.st_mtim;
    return WD_OK;
}

int wd_lists_define(struct wd_lists *l, const char *name, int type, const char *file,
                    const char *entries, int *id, char *err, size_t err_len)
{
    if (wd_lists_find(l, name) >= 0) {
        snprintf(err, err_len, "list %s is defined twice", name);
        return WD_EINVAL;
    }
    if (l->n == WD_LISTS_MAX) {
        snprintf(err, err_len, "more than %d lists", WD_LISTS_MAX);
        return WD_ELIMIT;
    }
    if (strlen(name) >= sizeof(l->l[0]->name) || !name[0]) {
        snprintf(err, err_len, "bad list name '%s'", name);
        return WD_EINVAL;
    }
    struct list *L = wd_xcalloc(1, sizeof(*L));
    snprintf(L->name, sizeof(L->name), "%s", name);
    L->type = type;
    int rc = WD_OK;
    if (file) {
        L->file = wd_xstrdup(file);
        rc = load_file(L, &L->d, err, err_len);
    } else {
        size_t bad = 0;
        const char *why = NULL;
        const char *t = entries ? entries : "";
        L->d = ldata_parse(type, t, strlen(t), false, &bad, &why);
        if (!L->d) {
            snprintf(err, err_len, "list %s entry %zu: %s", name, bad, why);
            rc = WD_EINVAL;
        }
    }
    if (rc) {
        free(L->file);
        free(L);
        return rc;
    }
    pthread_rwlock_wrlock(&l->lock);
    *id = l->n;
    l->l[l->n++] = L;
    pthread_rwlock_unlock(&l->lock);
    return WD_OK;
}

int wd_lists_find(const struct wd_lists *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (!strcmp(l->l[i]->name, name))
            return i;
    return -1;
}

static bool match_data(const struct ldata *d, int type, struct wd_str v)
{
    if (type == WD_LIST_IP) {
        uint8_t a[16];
        int bits;
        if (!wd_cidr_parse(v.p, v.len, a, &bits))
            return false;
        if (is_v4mapped(a)) {
            uint32_t x =
                (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15];
            size_t lo = 0, hi = d->nv4;
            while (lo < hi) { /* last range with lo <= x */
                size_t mid = (lo + hi) / 2;
                if (d->v4[mid].lo <= x)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo && x <= d->v4[lo - 1].hi)
                return true;
        }
        for (size_t i = 0; i < d->nv6; i++)
            if (wd_cidr_contains(d->v6[i].a, d->v6[i].bits, a))
                return true;
        return false;
    }
    if (type == WD_LIST_STRING)
        return set_has(d, v.p, v.len);
    char tmp[256];
    if (v.len >= sizeof(tmp))
        return false;
    size_t n = v.len;
    for (size_t i = 0; i < n; i++)
        tmp[i] = (char)tolower((unsigned char)v.p[i]);
    while (n && tmp[n - 1] == '.')
        n--;
    for (size_t i = 0; i < n;) {
        if (set_has(d, tmp + i, n - i))
            return true;
        const char *dot = memchr(tmp + i, '.', n - i);
        if (!dot)
            break;
        i = (size_t)(dot - tmp) + 1;
    }
    return false;
}

bool wd_lists_match(struct wd_lists *l, int id, struct wd_str value)
{
    pthread_rwlock_rdlock(&l->lock);
    bool m = id >= 0 && id < l->n && match_data(l->l[id]->d, l->l[id]->type, value);
    pthread_rwlock_unlock(&l->lock);
    return m;
}

int wd_lists_reload(struct wd_lists *l)
{
    int reloaded = 0;
    pthread_mutex_lock(&l->edit);
    for (int i = 0; i < l->n; i++) {
        struct list *L = l->l[i];
        struct stat st;
        if (!L->file || stat(L->file, &st) != 0)
            continue;
        if (st.st_dev == L->dev && st.st_ino == L->ino && st.st_size == L->size &&
            st.st_mtim.tv_sec == L->mtime.tv_sec && st.st_mtim.tv_nsec == L->mtime.tv_nsec)
            continue;
        struct ldata *d = NULL;
        char err[512];
        if (load_file(L, &d, err, sizeof(err))) {
            __atomic_add_fetch(&L->reload_errors, 1, __ATOMIC_RELAXED);
            wd_log(WD_LOG_ERROR, "lists", "reload kept the previous content: %s", err);
            L->dev = st.st_dev, L->ino = st.st_ino, L->size = st.st_size, L->mtime = st.st_mtim;
            continue;
        }
        pthread_rwlock_wrlock(&l->lock);
        struct ldata *old = L->d;
        L->d = d;
        L->version++;
        L->reloads++;
        pthread_rwlock_unlock(&l->lock);
        ldata_free(old);
        wd_log(WD_LOG_INFO, "lists", "reloaded list=%s entries=%zu file=%s", L->name, d->n,
               L->file);
        reloaded++;
    }
    pthread_mutex_unlock(&l->edit);
    return reloaded;
}

/* Writes d to path atomically: temp file, fsync, rename, fsync of the directory. */
static int write_file(const char *path, const struct ldata *d)
{
    struct wd_buf b;
    wd_buf_init(&b, 0);
    if (d->header)
        wd_buf_append(&b, d->header, strlen(d->header));
    for (size_t i = 0; i < d->n; i++) {
        wd_buf_append(&b, d->line[i], strlen(d->line[i]));
        wd_buf_putc(&b, '\n');
    }
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = fd < 0 ? WD_EIO : WD_OK;
    for (size_t off = 0; !rc && off < b.len;) {
        ssize_t n = write(fd, b.p + off, b.len - off);
        if (n <= 0)
            rc = WD_EIO;
        else
            off += (size_t)n;
    }
    if (!rc && fsync(fd) != 0)
        rc = WD_EIO;
    if (fd >= 0)
        close(fd);
    if (!rc && rename(tmp, path) != 0)
        rc = WD_EIO;
    if (!rc) {
        char dir[4200];
        snprintf(dir, sizeof(dir), "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
    }
    wd_buf_fini(&b);
    return rc;
}

static bool data_has(const struct ldata *d, const char *e)
{
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->entry[i], e))
            return true;
    return false;
}

static int edit_locked(struct wd_lists *l, struct list *L, int op, const char *text, size_t len,
                       char *err, size_t err_len);

int wd_lists_edit(struct wd_lists *l, const char *name, int op, const char *text, size_t len,
                  char *err, size_t err_len)
{
    int id = wd_lists_find(l, name);
    if (id < 0) {
        snprintf(err, err_len, "no list named %s", name);
        return WD_ENOENT;
    }
    pthread_mutex_lock(&l->edit);
    int rc = edit_locked(l, l->l[id], op, text, len, err, err_len);
    pthread_mutex_unlock(&l->edit);
    return rc;
}

static int edit_locked(struct wd_lists *l, struct list *L, int op, const char *text, size_t len,
                       char *err, size_t err_len)
{
    size_t bad = 0;
    const char *why = NULL;
    struct ldata *in = ldata_parse(L->type, text, len, false, &bad, &why);
    if (!in) {
        snprintf(err, err_len, "line %zu: %s (list type %s)", bad, why, wd_list_type_name(L->type));
        return WD_EINVAL;
    }
    pthread_rwlock_rdlock(&l->lock);
    const struct ldata *cur = L->d;
    struct ldata *nd = wd_xcalloc(1, sizeof(*nd));
    size_t cap = 0;
    nd->ncols = cur->ncols;
    nd->header = cur->header ? wd_xstrdup(cur->header) : NULL;
    /* a new entry in a file with more columns gets unset ('-') values for them */
    for (size_t i = 0; op != 0 && i < cur->n; i++)
        if (op == 1 || !data_has(in, cur->entry[i]))
            ldata_push(nd, &cap, wd_xstrdup(cur->entry[i]),
                       cur->line[i] != cur->entry[i] ? wd_xstrdup(cur->line[i]) : NULL);
    pthread_rwlock_unlock(&l->lock);
    for (size_t i = 0; op != 2 && i < in->n; i++) {
        if (data_has(nd, in->entry[i]))
            continue;
        char *line = NULL;
        if (nd->ncols > 1) {
            struct wd_buf lb;
            wd_buf_init(&lb, 0);
            wd_buf_append(&lb, in->entry[i], strlen(in->entry[i]));
            for (int k = 1; k < nd->ncols; k++)
                wd_buf_append(&lb, "\t-", 2);
            line = wd_buf_detach(&lb, NULL);
        }
        ldata_push(nd, &cap, wd_xstrdup(in->entry[i]), line);
    }
    ldata_free(in);
    index_build(nd, L->type);
    if (L->file && write_file(L->file, nd) != WD_OK) {
        snprintf(err, err_len, "cannot write %s: %s", L->file, strerror(errno));
        ldata_free(nd);
        return WD_EIO;
    }
    pthread_rwlock_wrlock(&l->lock);
    struct ldata *old = L->d;
    L->d = nd;
    L->version++;
    struct stat st;
    if (L->file && stat(L->file, &st) == 0) /* our own write is not a change to reload */
        L->dev = st.st_dev, L->ino = st.st_ino, L->size = st.st_size, L->mtime = st.st_mtim;
    pthread_rwlock_unlock(&l->lock);
    ldata_free(old);
    return WD_OK;
}

static void list_json(struct wd_buf *o, const struct list *L, bool entries)
{
    wd_buf_append(o, "{\"name\":", 8);
    wd_jv_write_str(L->name, strlen(L->name), o);
    wd_buf_printf(o, ",\"type\":\"%s\",\"file\":", wd_list_type_name(L->type));
    if (L->file)
        wd_jv_write_str(L->file, strlen(L->file), o);
    else
        wd_buf_append(o, "null", 4);
    wd_buf_printf(o, ",\"count\":%zu,\"version\":%llu", L->d->n, (unsigned long long)L->version);
    if (entries) {
        wd_buf_append(o, ",\"entries\":[", 12);
        for (size_t i = 0; i < L->d->n; i++) {
            if (i)
                wd_buf_putc(o, ',');
            wd_jv_write_str(L->d->entry[i], strlen(L->d->entry[i]), o);
        }
        wd_buf_putc(o, ']');
    }
    wd_buf_putc(o, '}');
}

int wd_lists_json(struct wd_lists *l, const char *name, struct wd_buf *out)
{
    int rc = WD_OK;
    pthread_rwlock_rdlock(&l->lock);
    if (name) {
        int id = wd_lists_find(l, name);
        if (id < 0)
            rc = WD_ENOENT;
        else
            list_json(out, l->l[id], true);
    } else {
        wd_buf_append(out, "{\"lists\":[", 10);
        for (int i = 0; i < l->n; i++) {
            if (i)
                wd_buf_putc(out, ',');
            list_json(out, l->l[i], false);
        }
        wd_buf_append(out, "]}", 2);
    }
    pthread_rwlock_unlock(&l->lock);
    return rc;
}

void wd_lists_render_prom(struct wd_lists *l, struct wd_buf *o)
{
    pthread_rwlock_rdlock(&l->lock);
    wd_buf_printf(o, "# HELP ward_list_entries Entries in each named list.\n"
                     "# TYPE ward_list_entries gauge\n");
    for (int i = 0; i < l->n; i++)
        wd_buf_printf(o, "ward_list_entries{list=\"%s\"} %zu\n", l->l[i]->name, l->l[i]->d->n);
    wd_buf_printf(o, "# HELP ward_list_reloads_total List files re-read after a change.\n"
                     "# TYPE ward_list_reloads_total counter\n");
    for (int i = 0; i < l->n; i++)
        wd_buf_printf(o, "ward_list_reloads_total{list=\"%s\"} %llu\n", l->l[i]->name,
                      (unsigned long long)l->l[i]->reloads);
    wd_buf_printf(o, "# HELP ward_list_reload_errors_total List files that did not parse "
                     "(previous content kept).\n# TYPE ward_list_reload_errors_total counter\n");
    for (int i = 0; i < l->n; i++)
        wd_buf_printf(
            o, "ward_list_reload_errors_total{list=\"%s\"} %llu\n", l->l[i]->name,
            (unsigned long long)__atomic_load_n(&l->l[i]->reload_errors, __ATOMIC_RELAXED));
    pthread_rwlock_unlock(&l->lock);
}
