/*
 * web_assets.h: the console's files (web/), embedded in the binary at build time by
 * tools/embed.c into $(BUILD)/gen/web_assets.c: each file raw and gzip'd, with its
 * content type and a content-hash ETag. Served by http_console.c.
 */
#ifndef WD_WEB_ASSETS_H
#define WD_WEB_ASSETS_H

#include <stddef.h>

struct wd_web_file {
    const char *path;  /* "index.html", "app.js" (relative to web/) */
    const char *ctype; /* Content-Type */
    const unsigned char *data;
    size_t len;
    const unsigned char *gz; /* gzip of data */
    size_t gz_len;
    const char *etag; /* "\"<hex>\"" */
};

extern const struct wd_web_file wd_web_files[];
extern const size_t wd_web_nfiles;

#endif
