/*
 * zeek_dir.h: the `zeek.dir` input: tails a Zeek log directory as zeekctl lays it out
 * (current/<log>.log being written, rotated archives YYYY-MM-DD/<log>.HH:MM:SS-HH:MM:SS.log.gz)
 * across rotations, with a durable checkpoint in data_dir so that a restart neither loses
 * nor repeats lines (see zeek_dir.c for how files are identified across rotation).
 */
#ifndef WD_ZEEK_DIR_H
#define WD_ZEEK_DIR_H

struct wd_buf;
struct wd_server;
struct wd_zeek_dir;

/* Starts the input thread for s->cfg.zeek_dir; prints why and returns non-zero on
 * failure (unreadable checkpoint, directory missing). */
int wd_zeek_dir_start(struct wd_server *s, struct wd_zeek_dir **out);
/* Stops the thread after its current batch (committed and checkpointed). NULL is fine. */
void wd_zeek_dir_stop(struct wd_zeek_dir *d);
/* Prometheus families of the input (files, bytes, checkpoint writes). NULL is fine. */
void wd_zeek_dir_render_prom(struct wd_zeek_dir *d, struct wd_buf *out);

#endif
