/*
 * alert_state.h: alert status and acknowledgements (who, when), journaled to an NDJSON
 * file and kept in memory (alert_state.c). Thread-safe.
 */
#ifndef WD_ALERT_STATE_H
#define WD_ALERT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ward.h"

struct wd_alert_state;

struct wd_alert_info {
    int64_t ts_us; /* the alert's utctimestamp */
    int64_t at_us; /* last status change (0 = never) */
    char status[16];
    char by[64];
};

int wd_alert_state_open(const char *path, struct wd_alert_state **out, char *err, size_t err_len);
void wd_alert_state_close(struct wd_alert_state *a);
/* Records a new alert (status manual). */
void wd_alert_state_created(struct wd_alert_state *a, uint64_t id, int64_t ts_us);
/* WD_OK, WD_EINVAL (unknown status), WD_ENOENT (unknown alert). */
int wd_alert_state_set(struct wd_alert_state *a, uint64_t id, const char *status, const char *by);
bool wd_alert_state_get(struct wd_alert_state *a, uint64_t id, struct wd_alert_info *out);
/* manual, inProgress, acknowledged, escalated, falsePositive, closed */
bool wd_alert_status_valid(const char *s);

#endif
