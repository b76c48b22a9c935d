/*
 * enrich.h: the compiled enrichment stage of ingest (DESIGN: decode -> normalize -> filter
 * -> enrich -> WAL; docs/enrichment.md): the network table (netmap.h), GeoIP (geo.h) and
 * threat intel (intel.h) on the source and destination addresses and other fields of an
 * event. A background thread (wd_enrich_start) checks the GeoIP files for a change and
 * refreshes the intel feeds on their schedule.
 * Thread-safety: lookups read immutable tables through atomic pointers; a reload swaps in
 * a new table and keeps the old network tables until wd_enrich_free() (reloads are rare).
 */
#ifndef WD_ENRICH_H
#define WD_ENRICH_H

#include <stdint.h>
#include <stdio.h>

struct wd_arena;
struct wd_buf;
struct wd_jv;
struct wd_enrich;

/* What to load; NULL or "" leaves a part out. */
struct wd_enrich_opts {
    const char *networks;   /* network table (CSV, netmap.h) */
    const char *geoip_city; /* MaxMind City database */
    const char *geoip_asn;  /* MaxMind ASN database */
    const char *intel;      /* threat-intel feeds file (intel.h) */
    int64_t geoip_check_s;  /* how often the background thread stats the GeoIP files */
};

/* Loads every configured part. Errors are printed to errs as "file:line: message" (or
 * "file: message"); returns their number (0 = ok, *out set). */
int wd_enrich_new(const struct wd_enrich_opts *o, struct wd_enrich **out, FILE *errs);
/* Starts the background thread (GeoIP file checks, intel refreshes); stopped by free. */
void wd_enrich_start(struct wd_enrich *e);
void wd_enrich_free(struct wd_enrich *e);
/* SIGHUP: reads the network table again (on any error the previous table stays), opens
 * the GeoIP databases again and refreshes every intel feed. Returns the error count. */
int wd_enrich_reload(struct wd_enrich *e, FILE *errs);
/* Tags one event (an object in `a`, changed in place). WD_OK or WD_ENOMEM. */
int wd_enrich_event(struct wd_enrich *e, struct wd_arena *a, struct wd_jv *ev);
/* ward_enrich_network_*, ward_enrich_geoip_*, ward_enrich_intel_*. */
void wd_enrich_render_prom(struct wd_enrich *e, struct wd_buf *o);

#endif
