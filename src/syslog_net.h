/*
 * syslog_net.h: the syslog listeners: UDP (one datagram per message, RFC 5426) and
 * TCP (RFC 6587, octet-counted or newline framing detected per frame), sharing one
 * address. TCP reading pauses while the write-ahead log is full (backpressure).
 */
#ifndef WD_SYSLOG_NET_H
#define WD_SYSLOG_NET_H

#include <stddef.h>

struct wd_server;
struct wd_syslog_srv;
struct wd_syslog_msg;
struct wd_arena;
struct wd_jv;
struct wd_tz;

int wd_syslog_srv_start(struct wd_server *s, struct wd_syslog_srv **out, char *err, size_t err_len);
int wd_syslog_srv_udp_port(const struct wd_syslog_srv *y);
int wd_syslog_srv_tcp_port(const struct wd_syslog_srv *y);
/* Stops both listeners and waits for connection threads. NULL is fine. */
void wd_syslog_srv_stop(struct wd_syslog_srv *y);

/*
 * Builds the MozDef-form input object for one parsed message (the keys syslog-ng's JSON
 * gave MozDef: hostname, processname, processid, severity, facility, summary,
 * utctimestamp, details), ready for normalization. A JSON body (optionally after
 * "@cee:") is merged in. `peer` is the sender address text (may be NULL). Returns NULL
 * when the arena is exhausted.
 */
struct wd_jv *wd_syslog_to_object(const struct wd_syslog_msg *m, const char *peer,
                                  const struct wd_tz *tz, int64_t now_us, uint32_t max_depth,
                                  struct wd_arena *a);

#endif
