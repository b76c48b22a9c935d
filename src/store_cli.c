/*
 * store_cli.c: the store's command-line tools: `ward store check DIR` (verify every
 * checksum of every part), `ward store stats DIR`, `ward archive PARTITION` (pack a
 * closed partition into one file) and `ward restore FILE` (bring it back). A running
 * server notices archived and restored partitions within a second (store.c rescans).
 *
 * Archive file (little endian): "WDAR" u32 version(1), u32 name_len, partition name,
 * then per part: u32 name_len, name, u64 size, bytes, u32 crc32(bytes); then u32 0.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "store_int.h"
#include "wd_time.h"

/* DIR may be the data directory or its store/ folder. */
static void store_dir_of(const char *dir, char *out, size_t len)
{
    char sub[4200];
    struct stat st;
    snprintf(sub, sizeof(sub), "%s/store", dir);
    snprintf(out, len, "%s", stat(sub, &st) == 0 && S_ISDIR(st.st_mode) ? sub : dir);
}

struct partfile {
    char name[64];
};

static int list_dir(const char *dir, bool partitions, struct partfile **out, size_t *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return WD_EIO;
    size_t cap = 0;
    *n = 0;
    *out = NULL;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        bool ok = partitions ? (l == 15 && (!strncmp(de->d_name, "events-", 7) ||
                                            !strncmp(de->d_name, "divert-", 7))) ||
                                   (l == 13 && !strncmp(de->d_name, "alerts-", 7))
                             : l > 4 && !strcmp(de->d_name + l - 4, ".wdp");
        if (!ok || l >= 64)
            continue;
        if (*n == cap)
            *out = wd_xrealloc(*out, (cap = cap ? cap * 2 : 16) * sizeof(**out));
        snprintf((*out)[(*n)++].name, 64, "%s", de->d_name);
    }
    closedir(d);
    for (size_t i = 1; i < *n; i++)
        for (size_t j = i; j > 0 && strcmp((*out)[j - 1].name, (*out)[j].name) > 0; j--) {
            struct partfile t = (*out)[j];
            (*out)[j] = (*out)[j - 1];
            (*out)[j - 1] = t;
        }
    return WD_OK;
}

/* The partition folders of the store under DIR (sdir: the store folder). */
static int open_partitions(const char *dir, char sdir[4300], struct partfile **parts, size_t *np)
{
    store_dir_of(dir, sdir, 4300);
    if (list_dir(sdir, true, parts, np)) {
        fprintf(stderr, "ward: cannot open %s: %s\n", sdir, strerror(errno));
        return WD_EIO;
    }
    return WD_OK;
}

static int cmd_check(const char *dir, bool stats_only)
{
    char sdir[4300];
    struct partfile *parts;
    size_t np;
    if (open_partitions(dir, sdir, &parts, &np))
        return 1;
    uint64_t files = 0, bad = 0, rows = 0, bytes = 0, blocks = 0;
    for (size_t i = 0; i < np; i++) {
        char pdir[4400];
        snprintf(pdir, sizeof(pdir), "%s/%s", sdir, parts[i].name);
        struct partfile *f;
        size_t nf;
        if (list_dir(pdir, false, &f, &nf))
            continue;
        uint64_t prow = 0, pbytes = 0;
        for (size_t j = 0; j < nf; j++) {
            char path[4500], err[600];
            snprintf(path, sizeof(path), "%s/%s", pdir, f[j].name);
            struct wd_part *p;
            files++;
            if (wd_part_open(path, &p, err, sizeof(err))) {
                printf("%s\n", err);
                bad++;
                continue;
            }
            if (!stats_only)
                bad += (uint64_t)wd_part_check(p, stdout);
            prow += p->nrows;
            pbytes += p->file_bytes;
            blocks += p->nblocks;
            wd_part_unref(p);
        }
        if (stats_only)
            printf("%-16s %6zu parts %12llu events %14llu bytes\n", parts[i].name, nf,
                   (unsigned long long)prow, (unsigned long long)pbytes);
        rows += prow;
        bytes += pbytes;
        free(f);
    }
    free(parts);
    if (stats_only) {
        printf("total: %llu parts, %llu blocks, %llu events, %llu bytes\n",
               (unsigned long long)files, (unsigned long long)blocks, (unsigned long long)rows,
               (unsigned long long)bytes);
        return 0;
    }
    printf("%llu parts, %llu events checked: %llu problems\n", (unsigned long long)files,
           (unsigned long long)rows, (unsigned long long)bad);
    return bad ? 1 : 0;
}

/* Prints every stored event as SEQ<TAB>PARTITION<TAB>JSON, part by part. */
static int cmd_dump(const char *dir)
{
    char sdir[4300];
    struct partfile *parts;
    size_t np;
    if (open_partitions(dir, sdir, &parts, &np))
        return 1;
    int status = 0;
    struct wd_buf json;
    wd_buf_init(&json, 0);
    ZSTD_DCtx *dz = ZSTD_createDCtx();
    for (size_t i = 0; i < np; i++) {
        char pdir[4400];
        snprintf(pdir, sizeof(pdir), "%s/%s", sdir, parts[i].name);
        struct partfile *f;
        size_t nf;
        if (list_dir(pdir, false, &f, &nf))
            continue;
        for (size_t j = 0; j < nf; j++) {
            char path[4500], err[600];
            snprintf(path, sizeof(path), "%s/%s", pdir, f[j].name);
            struct wd_part *p;
            if (wd_part_open(path, &p, err, sizeof(err))) {
                fprintf(stderr, "ward: %s\n", err);
                status = 1;
                continue;
            }
            for (uint32_t bi = 0; bi < p->nblocks; bi++) {
                struct wd_block b;
                wd_block_load(&b, p, bi, (struct ZSTD_DCtx_s *)dz);
                if (!wd_block_rows(&b)) {
                    fprintf(stderr, "ward: %s\n", b.errmsg[0] ? b.errmsg : path);
                    status = 1;
                }
                for (uint32_t r = 0; r < b.nrows && b.ts; r++) {
                    json.len = 0;
                    if (wd_block_row_json(&b, r, &json)) {
                        fprintf(stderr, "ward: %s\n", b.errmsg[0] ? b.errmsg : path);
                        status = 1;
                        break;
                    }
                    printf("%llu\t%s\t%.*s\n", (unsigned long long)b.seq[r], p->partition,
                           (int)json.len, json.p);
                }
                wd_block_fini(&b);
            }
            wd_part_unref(p);
        }
        free(f);
    }
    ZSTD_freeDCtx(dz);
    wd_buf_fini(&json);
    free(parts);
    return status;
}

int wd_store_main(int argc, char **argv)
{
    if (argc == 3 && (!strcmp(argv[1], "check") || !strcmp(argv[1], "stats")))
        return cmd_check(argv[2], !strcmp(argv[1], "stats"));
    if (argc == 3 && !strcmp(argv[1], "dump"))
        return cmd_dump(argv[2]);
    FILE *f = argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr;
    fprintf(f, "usage: ward store check DIR\n       ward store stats DIR\n"
               "       ward store dump DIR\n\n"
               "check: verifies the footer and every chunk checksum of every part under DIR\n"
               "(a data directory or its store/ folder); prints each problem as\n"
               "'FILE: what at offset N' and exits 1 when there is any.\n"
               "stats: events, parts and bytes per partition.\n"
               "dump: every stored event as 'ID<TAB>PARTITION<TAB>JSON' (a debugging aid).\n");
    return f == stdout ? 0 : 2;
}

/* ---- archive / restore ---- */

static void put32le(unsigned char *p, uint32_t v)
{
    wd_put_u32(p, v);
}

static int write_u32(int fd, uint32_t v)
{
    unsigned char b[4];
    put32le(b, v);
    return wd_store_write_all(fd, b, 4);
}

static bool valid_partition(const char *name)
{
    size_t l = strlen(name);
    return (l == 15 && (!strncmp(name, "events-", 7) || !strncmp(name, "divert-", 7)) &&
            strspn(name + 7, "0123456789") == 8) ||
           (l == 13 && !strncmp(name, "alerts-", 7) && strspn(name + 7, "0123456789") == 6);
}

static int archive_usage(FILE *f)
{
    fprintf(f, "usage: ward archive PARTITION [--data DIR] [-o FILE] [--keep]\n\n"
               "Packs a closed partition (events-YYYYMMDD, divert-YYYYMMDD or alerts-YYYYMM,\n"
               "not today's) of the store into one file (default PARTITION.wda in the\n"
               "current directory),\n"
               "verifying every checksum, then removes the partition from the store unless\n"
               "--keep is given. `ward restore FILE` brings it back.\n");
    return f == stdout ? 0 : 2;
}

int wd_archive_main(int argc, char **argv)
{
    static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
                                         {"output", required_argument, NULL, 'o'},
                                         {"keep", no_argument, NULL, 'k'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *data = "ward-data", *outp = NULL;
    bool keep = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:o:kh", opts, NULL)) != -1) {
        if (c == 'd')
            data = optarg;
        else if (c == 'o')
            outp = optarg;
        else if (c == 'k')
            keep = true;
        else
            return archive_usage(c == 'h' ? stdout : stderr);
    }
    if (optind != argc - 1 || !valid_partition(argv[optind]))
        return archive_usage(stderr);
    const char *name = argv[optind];
    char today[32];
    struct wd_civil cv;
    wd_time_to_civil(wd_now_us(), &cv);
    snprintf(today, sizeof(today), "events-%04d%02d%02d", (int)cv.year, cv.month, cv.day);
    char month[32];
    snprintf(month, sizeof(month), "alerts-%04d%02d", (int)cv.year, cv.month);
    if (!strcmp(name, today) || !strcmp(name, month) ||
        (!strncmp(name, "divert-", 7) && !strcmp(name + 7, today + 7))) {
        fprintf(stderr, "ward: %s is still being written; archive closed partitions only\n", name);
        return 1;
    }
    char sdir[4300], pdir[4400], def[128];
    store_dir_of(data, sdir, sizeof(sdir));
    snprintf(pdir, sizeof(pdir), "%s/%s", sdir, name);
    snprintf(def, sizeof(def), "%s.wda", name);
    if (!outp)
        outp = def;
    struct partfile *f;
    size_t nf;
    if (list_dir(pdir, false, &f, &nf) || nf == 0) {
        fprintf(stderr, "ward: no partition %s in %s\n", name, sdir);
        return 1;
    }
    char tmp[4200];
    snprintf(tmp, sizeof(tmp), "%s.tmp", outp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = fd < 0 ? WD_EIO : wd_store_write_all(fd, "WDAR", 4);
    if (!rc)
        rc = write_u32(fd, 1);
    if (!rc)
        rc = write_u32(fd, (uint32_t)strlen(name));
    if (!rc)
        rc = wd_store_write_all(fd, name, strlen(name));
    uint64_t events = 0;
    for (size_t i = 0; i < nf && !rc; i++) {
        char path[4500], err[600];
        snprintf(path, sizeof(path), "%s/%s", pdir, f[i].name);
        struct wd_part *p;
        if (wd_part_open(path, &p, err, sizeof(err)) || wd_part_check(p, stderr)) {
            fprintf(stderr, "ward: %s: not archived (run ward store check)\n", path);
            rc = WD_ECORRUPT;
            break;
        }
        events += p->nrows;
        unsigned char sz[8];
        for (int k = 0; k < 8; k++)
            sz[k] = (unsigned char)(p->map_len >> (8 * k));
        uint32_t crc = (uint32_t)crc32(0, p->map, (uInt)p->map_len);
        rc = write_u32(fd, (uint32_t)strlen(f[i].name));
        if (!rc)
            rc = wd_store_write_all(fd, f[i].name, strlen(f[i].name));
        if (!rc)
            rc = wd_store_write_all(fd, sz, 8);
        if (!rc)
            rc = wd_store_write_all(fd, p->map, p->map_len);
        if (!rc)
            rc = write_u32(fd, crc);
        wd_part_unref(p);
    }
    if (!rc)
        rc = write_u32(fd, 0);
    if (!rc && fsync(fd) != 0)
        rc = WD_EIO;
    if (fd >= 0)
        close(fd);
    if (!rc && rename(tmp, outp) != 0)
        rc = WD_EIO;
    if (rc) {
        if (rc == WD_EIO)
            fprintf(stderr, "ward: cannot write %s: %s\n", outp, strerror(errno));
        unlink(tmp);
        free(f);
        return 1;
    }
    if (!keep)
        wd_store_rm_dir(pdir);
    free(f);
    printf("archived %s: %zu parts, %llu events -> %s%s\n", name, nf, (unsigned long long)events,
           outp, keep ? "" : " (removed from the store)");
    return 0;
}

static int read_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return WD_ECORRUPT;
        c += r;
        n -= (size_t)r;
    }
    return WD_OK;
}

static int read_u32(int fd, uint32_t *v)
{
    unsigned char b[4];
    int rc = read_all(fd, b, 4);
    *v = wd_get_u32(b);
    return rc;
}

int wd_restore_main(int argc, char **argv)
{
    static const struct option opts[] = {{"data", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *data = "ward-data";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        if (c == 'd')
            data = optarg;
        else {
            FILE *f = c == 'h' ? stdout : stderr;
            fprintf(f, "usage: ward restore FILE [--data DIR]\n\n"
                       "Unpacks an archive made by `ward archive` back into the store (every\n"
                       "checksum verified first). Refuses when the partition exists.\n");
            return c == 'h' ? 0 : 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: ward restore FILE [--data DIR]\n");
        return 2;
    }
    const char *file = argv[optind];
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "ward: cannot open %s: %s\n", file, strerror(errno));
        return 1;
    }
    char magic[4], name[64], sdir[4300], pdir[4400];
    uint32_t ver = 0, nl = 0;
    int rc = read_all(fd, magic, 4);
    if (!rc)
        rc = read_u32(fd, &ver);
    if (!rc)
        rc = read_u32(fd, &nl);
    if (rc || memcmp(magic, "WDAR", 4) || ver != 1 || nl >= sizeof(name) ||
        read_all(fd, name, nl)) {
        fprintf(stderr, "ward: %s is not a ward archive\n", file);
        close(fd);
        return 1;
    }
    name[nl] = '\0';
    if (!valid_partition(name)) {
        fprintf(stderr, "ward: %s: bad partition name in the archive\n", file);
        close(fd);
        return 1;
    }
    store_dir_of(data, sdir, sizeof(sdir));
    snprintf(pdir, sizeof(pdir), "%s/%s", sdir, name);
    uint64_t ckpt = 0;
    char cpath[4400];
    snprintf(cpath, sizeof(cpath), "%s/checkpoint", sdir);
    int cfd = open(cpath, O_RDONLY | O_CLOEXEC);
    if (cfd >= 0) {
        unsigned char cb[16];
        if (read_all(cfd, cb, 16) == WD_OK && !memcmp(cb, "WDCK", 4))
            ckpt = (uint64_t)wd_get_u32(cb + 4) | (uint64_t)wd_get_u32(cb + 8) << 32;
        close(cfd);
    }
    struct partfile *existing;
    size_t ne = 0;
    if (list_dir(pdir, false, &existing, &ne) == WD_OK) {
        free(existing);
        if (ne) {
            fprintf(stderr, "ward: partition %s already exists in %s\n", name, sdir);
            close(fd);
            return 1;
        }
    }
    /* Unpack into a staging folder, verify, then move parts in (each an atomic rename). */
    char stage[4500];
    snprintf(stage, sizeof(stage), "%s/.restore-%s", sdir, name);
    mkdir(sdir, 0755);
    mkdir(stage, 0755);
    size_t nparts = 0;
    uint64_t events = 0;
    static char names[4096][64];
    for (;;) {
        uint32_t l;
        if ((rc = read_u32(fd, &l)) || l == 0)
            break;
        char pn[64];
        unsigned char sz[8];
        if (l >= sizeof(pn) || read_all(fd, pn, l) || read_all(fd, sz, 8)) {
            rc = WD_ECORRUPT;
            break;
        }
        pn[l] = '\0';
        uint64_t size = 0;
        for (int k = 0; k < 8; k++)
            size |= (uint64_t)sz[k] << (8 * k);
        if (strchr(pn, '/') || l >= 64 || nparts == 4096 || size > ((uint64_t)1 << 40)) {
            rc = WD_ECORRUPT;
            break;
        }
        char path[4600];
        snprintf(path, sizeof(path), "%s/%s", stage, pn);
        int out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        uLong crc = crc32(0, NULL, 0);
        char buf[1 << 16];
        uint64_t left = size;
        while (!rc && left) {
            size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);
            rc = read_all(fd, buf, n);
            if (!rc && (out < 0 || wd_store_write_all(out, buf, n)))
                rc = WD_EIO;
            crc = crc32(crc, (const unsigned char *)buf, (uInt)n);
            left -= n;
        }
        uint32_t want = 0;
        if (!rc)
            rc = read_u32(fd, &want);
        if (!rc && (uint32_t)crc != want)
            rc = WD_ECORRUPT;
        if (!rc && fsync(out) != 0)
            rc = WD_EIO;
        if (out >= 0)
            close(out);
        struct wd_part *p = NULL;
        char err[600];
        if (!rc && (wd_part_open(path, &p, err, sizeof(err)) || wd_part_check(p, stderr))) {
            rc = WD_ECORRUPT;
        } else if (!rc && p->hi > ckpt) {
            fprintf(stderr,
                    "ward: %s holds events up to id %llu, beyond this store's "
                    "checkpoint %llu: it comes from another store\n",
                    file, (unsigned long long)p->hi, (unsigned long long)ckpt);
            rc = WD_EINVAL;
        } else if (!rc) {
            events += p->nrows;
        }
        wd_part_unref(p);
        if (rc)
            break;
        memcpy(names[nparts++], pn, l + 1); /* l < 64, checked above */
    }
    close(fd);
    if (!rc) {
        mkdir(pdir, 0755);
        for (size_t i = 0; i < nparts && !rc; i++) {
            char from[4600], to[4600];
            snprintf(from, sizeof(from), "%s/%s", stage, names[i]);
            snprintf(to, sizeof(to), "%s/%s", pdir, names[i]);
            if (rename(from, to) != 0)
                rc = WD_EIO;
        }
        wd_store_sync_dir(pdir);
    }
    wd_store_rm_dir(stage); /* what is left of the staging folder */
    if (rc) {
        if (rc != WD_EINVAL)
            fprintf(stderr, "ward: %s: %s\n", file,
                    rc == WD_ECORRUPT ? "corrupt or truncated archive (nothing restored)"
                                      : strerror(errno));
        return 1;
    }
    printf("restored %s: %zu parts, %llu events into %s\n", name, nparts,
           (unsigned long long)events, sdir);
    return 0;
}
