/*
 * case_db.h: case state in DATA/cases.db (SQLite, WAL journal, its own connection):
 * incidents (fields with per-field versions), their timeline of changes and notes,
 * links to alerts, events and saved searches; the triage state of alerts (rule,
 * severity, when created and acknowledged, false positives); suppressions made from
 * false positives; and the metrics computed over all of it. Thread-safe (one connection
 * behind a mutex; the suppression check the engine thread makes uses an in-memory copy
 * behind its own lock). See docs/incidents.md.
 */
#ifndef WD_CASE_DB_H
#define WD_CASE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wd_buf;
struct wd_cases;

/* Opens (creating) DATA/cases.db; NULL with a message in err. */
struct wd_cases *wd_cases_open(const char *data_dir, char *err, size_t err_len);
void wd_cases_close(struct wd_cases *c);

/* One field write. version: the version the writer edited from (0 = the field was never
 * set), or -1 to write unconditionally (a new incident). value: normalized JSON text
 * (case_field.h). num: the date in microseconds when has_num. */
struct wd_case_change {
    const char *field;
    const char *value;
    int64_t num;
    bool has_num;
    int64_t version;
};

/* Creates an incident; *id gets its number. */
int wd_cases_create(struct wd_cases *c, const char *by, int64_t *id);
/* Applies all changes or none. WD_OK; WD_ENOENT (no incident); WD_EAGAIN when a version
 * is stale: nothing is written and `conflicts` gets a JSON array
 * [{"field","yours","version","value","by","at"}] of the current state. Every changed
 * value appends a timeline entry (field, old, new, by, at). */
int wd_cases_update(struct wd_cases *c, int64_t id, const char *by, const struct wd_case_change *ch,
                    size_t n, struct wd_buf *conflicts);
int wd_cases_note(struct wd_cases *c, int64_t id, const char *by, const char *text);
/* kind: alert, event or search. add=false removes. WD_OK, WD_ENOENT (no incident or, on
 * removal, no such link). */
int wd_cases_link(struct wd_cases *c, int64_t id, const char *by, const char *kind, const char *ref,
                  const char *label, bool add);
/* Appends the incident {"id",...,"fields":{F:{"value","version","by","at"}},"links":{...},
 * "timeline":[...]}; WD_ENOENT when there is none. */
int wd_cases_get(struct wd_cases *c, int64_t id, struct wd_buf *out);
/* Appends {"incidents":[{"id","summary","phase","severity","owner","dateOpened",
 * "created","updated"}],"total":N}, newest first; phase/owner filter when non-NULL. */
void wd_cases_list(struct wd_cases *c, const char *phase, const char *owner, int limit,
                   struct wd_buf *out);

/* ---- alert triage ---- */
struct wd_case_alert {
    uint64_t id;
    const char *rule;
    const char *severity;
    int64_t created_us;
};
/* Records new alerts (one transaction). */
void wd_cases_alerts_created(struct wd_cases *c, const struct wd_case_alert *a, size_t n);
/* Records a status change: the first change away from manual is the acknowledgement
 * (time to acknowledge). reason: the false-positive reason (NULL keeps). incident > 0
 * links it. WD_ENOENT when the alert was never recorded. */
int wd_cases_alert_status(struct wd_cases *c, uint64_t id, const char *status, const char *by,
                          const char *reason, int64_t incident);
/* The rule and severity an alert was raised with; WD_ENOENT when unknown. */
int wd_cases_alert_rule(struct wd_cases *c, uint64_t id, char *rule, size_t rule_len, char *sev,
                        size_t sev_len);
/* Appends {"severity":S,"alerts":[{"id","rule","severity","created","age_s"}],"total":N}
 * of alerts at or above min_rank (wd_severity_rank) nobody has acknowledged yet. */
void wd_cases_unacked(struct wd_cases *c, int min_rank, int64_t now_us, struct wd_buf *out);
/* Number of those (for /metrics); -1 on error. */
int64_t wd_cases_unacked_count(struct wd_cases *c, int min_rank);

/* ---- suppressions ----
 * A suppression drops the alerts of `rule` whose fields all equal the given values
 * (fields_json: {"path":"value",...}; a path is looked up in the alert document, then in
 * each sample event's documentsource), until it expires. */
int wd_cases_suppress_add(struct wd_cases *c, const char *rule, const char *fields_json,
                          const char *reason, uint64_t alert, const char *by, int64_t expires_us,
                          int64_t *id);
int wd_cases_suppress_del(struct wd_cases *c, int64_t id); /* WD_OK or WD_ENOENT */
/* Appends {"suppressions":[{"id","rule","fields","reason","alert","by","created",
 * "expires","active","hits"}]}. */
void wd_cases_suppress_list(struct wd_cases *c, int64_t now_us, struct wd_buf *out);
/* True when an active suppression matches the alert document json[0..len) of rule. */
bool wd_cases_suppressed(struct wd_cases *c, const char *rule, const char *json, size_t len,
                         int64_t now_us);

/* ---- metrics (docs/incidents.md gives the formulas) ----
 * Incidents whose dateOpened (else creation) is in [from_us, to_us) and alerts created
 * in it. Appends the JSON object. */
void wd_cases_metrics(struct wd_cases *c, int64_t from_us, int64_t to_us, struct wd_buf *out);

/* Nearest-rank percentile p (0 < p <= 100) of v[0..n) sorted ascending. */
double wd_case_percentile(const double *v, size_t n, double p);

#endif
