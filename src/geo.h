/*
 * geo.h: GeoIP enrichment (docs/enrichment.md) from MaxMind-format databases opened with
 * libmaxminddb: a City database gives details.sourceipgeolocation / sourceipgeopoint
 * (MozDef's geoip plugin fields), an ASN database details.sourceipasn / sourceipasorg, and
 * the same for the destination. Private, loopback, link-local, multicast and unspecified
 * addresses are not looked up.
 * Each database is copied into an anonymous memory file before it is opened, so writing
 * over the file in place never touches what lookups read. A changed file (inode, size or
 * mtime) is opened again; a file that does not open keeps the previous database. The
 * previous database is freed at a later check, at least 60 s after the swap.
 * Thread-safety: lookups read the current database through an atomic pointer; checks and
 * reloads run in one thread at a time (a mutex).
 */
#ifndef WD_GEO_H
#define WD_GEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct wd_arena;
struct wd_buf;
struct wd_jv;
struct wd_geo;

/* Opens the City and/or ASN database (either may be NULL or ""). Errors are printed to
 * errs as "file: message"; returns their number (0 = ok, *out set). */
int wd_geo_new(const char *city, const char *asn, struct wd_geo **out, FILE *errs);
void wd_geo_free(struct wd_geo *g);
/* Opens again each database whose file changed since it was last read (every one when
 * force). Errors go to errs; returns their number. *reloaded (may be NULL) receives the
 * number of databases swapped. */
int wd_geo_check(struct wd_geo *g, bool force, FILE *errs, int *reloaded);
/* Sets the geo and ASN fields for details.sourceipaddress and destinationipaddress of
 * `details` (an object in `a`, changed in place). WD_OK or WD_ENOMEM. */
int wd_geo_event(struct wd_geo *g, struct wd_arena *a, struct wd_jv *details);
/* True when the address (16 bytes, IPv4 as ::ffff:a.b.c.d) is worth a lookup: not
 * private, loopback, link-local, multicast, CGNAT, reserved or unspecified. */
bool wd_geo_public(const uint8_t a[16]);
/* Formats a coordinate as Python's repr() does (wd_jv_fmt_double), quickly when it has at
 * most 4 decimals. Returns the length or WD_ELIMIT (32 bytes always suffice). */
int wd_geo_fmt_coord(double v, char *out, size_t cap);
/* ward_enrich_geoip_{lookups,hits,skipped,reloads,reload_errors}_total{db=...}. */
void wd_geo_render_prom(struct wd_geo *g, struct wd_buf *o);

#endif
