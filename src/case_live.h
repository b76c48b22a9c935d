/*
 * case_live.h: the live view of incidents: everyone viewing an incident holds a
 * Server-Sent Events stream (GET /api/v1/incidents/ID/stream) on which the server pushes
 * the incident after every change and the list of who else is viewing it (presence).
 * The same approach as the live tail (tail.c): blocking reads on the connection's
 * thread, in slices that notice a client that went away.
 */
#ifndef WD_CASE_LIVE_H
#define WD_CASE_LIVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct wd_case_live;
struct wd_case_viewer;

/* max_viewers: streams open at once (beyond: WD_ELIMIT). */
struct wd_case_live *wd_case_live_new(unsigned max_viewers);
/* Ends every stream (server stopping); free after the HTTP listener stopped. */
void wd_case_live_shutdown(struct wd_case_live *l);
void wd_case_live_free(struct wd_case_live *l);

/* Starts viewing `incident` as `user` (sock_fd: the client's socket, to notice it left).
 * Everyone viewing it gets the new presence list. WD_OK, WD_ELIMIT, WD_EAGAIN
 * (stopping). */
int wd_case_live_join(struct wd_case_live *l, int64_t incident, const char *user, int sock_fd,
                      struct wd_case_viewer **out);
/* Stops viewing (the stream ended); the others get the new presence list. */
void wd_case_live_leave(struct wd_case_viewer *v);
/* Queues "event: EVENT\ndata: DATA\n\n" for everyone viewing `incident`. data is one
 * line of JSON. */
void wd_case_live_publish(struct wd_case_live *l, int64_t incident, const char *event,
                          const char *data, size_t len);
/* The stream's next bytes (blocks until there are some): > 0, or -1 at the end. */
ssize_t wd_case_live_read(struct wd_case_viewer *v, char *buf, size_t max);

#endif
