/*
 * resp_alert.h: the alert side of the response lists, pure (no I/O): the MozDef
 * AlertWatchList document for an event that contains a watch term, and the address a
 * rule's block action takes from its alert.
 */
#ifndef WD_RESP_ALERT_H
#define WD_RESP_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "ward.h"

struct wd_buf;

/*
 * Builds the watch-list alert for event ev_json[0..len) (a JSON object; WAL sequence
 * seq) that contains term: category watchlist, tags ["watchtarget"], severity WARNING,
 * summary "Watchlist term {term} detected {by} {from} on {hostname}" (by = "by " +
 * details.username, else details.originaluser, else details.user, else empty; from =
 * "from " + details.sourceipaddress or empty), the event as its one sample, classname
 * AlertWatchList. Writes into out (reset first). Returns WD_OK, WD_ENOENT when MozDef
 * would skip the event (not an object, no details or no hostname, or an alert itself),
 * WD_EPARSE (not JSON) or WD_ENOMEM.
 */
int wd_resp_watch_alert(const char *term, const char *ev_json, size_t len, uint64_t seq,
                        int64_t now_us, struct wd_buf *out);

/*
 * Finds the first non-empty string at dotted path field in the alert's sample events
 * (events[i].documentsource.<field>). OUT: out (NUL-terminated). WD_OK or WD_ENOENT.
 */
int wd_resp_alert_field(const char *alert_json, size_t len, const char *field, char *out,
                        size_t out_len);

#endif
