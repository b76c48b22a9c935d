/*
 * win_norm.h: Windows event JSON (EVTX rendered as JSON, Winlogbeat) rewritten into the
 * MozDef envelope before normalization (win_norm.c, docs/sigma.md "Windows events").
 */
#ifndef WD_WIN_NORM_H
#define WD_WIN_NORM_H

#include <stdbool.h>

struct wd_arena;
struct wd_jv;

/*
 * Returns a new object (in `a`; strings borrowed from `in`) in MozDef form when `in` is a
 * Windows event (Event.System present, or a winlog object), else NULL. *oom is set when
 * the arena ran out (then NULL).
 */
struct wd_jv *wd_win_norm(struct wd_arena *a, const struct wd_jv *in, bool *oom);

#endif
