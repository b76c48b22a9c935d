/*
 * case_veris.h: the VERIS taxonomy incidents are categorized with (a subset of VERIS
 * 1.3: the actor, action, asset and attribute enumerations), embedded and used to
 * validate what is written. A categorization is a list of paths per top-level field:
 * "CATEGORY" (e.g. "hacking") or "CATEGORY.ENUM.VALUE" (e.g. "hacking.variety.SQLi").
 */
#ifndef WD_CASE_VERIS_H
#define WD_CASE_VERIS_H

#include <stdbool.h>
#include <stddef.h>

struct wd_buf;

/* The four VERIS dimensions, as incident field names use them (veris_actor ...). */
#define WD_VERIS_TOPS 4
extern const char *const wd_veris_tops[WD_VERIS_TOPS]; /* actor, action, asset, attribute */

/* -1 when `top` is not one of wd_veris_tops. */
int wd_veris_top(const char *top);
/* True when p[0..len) is a valid path under top (index into wd_veris_tops). */
bool wd_veris_path_valid(int top, const char *p, size_t len);
/* Appends the taxonomy as {"actor":{"external":{"variety":[...],...},...},...}. */
void wd_veris_json(struct wd_buf *out);

#endif
