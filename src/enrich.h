/*
 * enrich.h: the compiled enrichment stage of ingest (DESIGN: decode -> normalize -> filter
 * -> enrich -> WAL; docs/enrichment.md). Today: the network table (netmap.h) tags
 * details.sourceipaddress / details.destinationipaddress with the block they fall in.
 * Thread-safety: lookups read an immutable table through an atomic pointer; a reload
 * swaps in a new table and keeps the old ones until wd_enrich_free() (reloads are rare).
 */
#ifndef WD_ENRICH_H
#define WD_ENRICH_H

#include <stdint.h>
#include <stdio.h>

struct wd_arena;
struct wd_buf;
struct wd_jv;
struct wd_enrich;

/* Loads the network table file `networks` (CSV, netmap.h). Bad lines are printed to errs
 * as "file:line: message"; returns their number (0 = ok, *out set). */
int wd_enrich_new(const char *networks, struct wd_enrich **out, FILE *errs);
void wd_enrich_free(struct wd_enrich *e);
/* Reads the file again; on any error the previous table stays. Returns the error count. */
int wd_enrich_reload(struct wd_enrich *e, FILE *errs);
/* Tags one event (an object in `a`, changed in place). WD_OK or WD_ENOMEM. */
int wd_enrich_event(struct wd_enrich *e, struct wd_arena *a, struct wd_jv *ev);
/* ward_enrich_network_{entries,lookups_total,hits_total,reload_errors_total}. */
void wd_enrich_render_prom(struct wd_enrich *e, struct wd_buf *o);

#endif
