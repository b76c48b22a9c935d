/*
 * ipfix.h: MozDef's ipFixup plugin (spec c.7) compiled, for events of the normal ingest path
 * (the Zeek path has its own copy in zeek_norm.c): IPv4/IPv6 split of the source and
 * destination address fields, hostnames in address fields moved to details.source /
 * details.destination, X-Forwarded-For and src/dst/srcip/dstip/cluster_client_ip aliases.
 * Pure: no I/O, no logging, no global state.
 */
#ifndef WD_IPFIX_H
#define WD_IPFIX_H

#include <stdbool.h>

struct wd_arena;
struct wd_jv;

/*
 * Applies c.7 to `ev` (an object in `a`, changed in place) when one of ipFixup's
 * registrations (sourceipaddress, destinationipaddress, src, dst, srcip, dstip,
 * http_x_forwarded_for) is a key or a string value of the event (MozDef's dispatch) and
 * the event has `details`. *ran tells whether it applied. Returns WD_OK or WD_ENOMEM.
 */
int wd_ipfix_event(struct wd_arena *a, struct wd_jv *ev, bool *ran);

#endif
