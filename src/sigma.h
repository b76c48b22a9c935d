/*
 * sigma.h: Sigma detection rules (shared/spec/interop.md section 6, docs/sigma.md) compiled
 * into ward's engine. wd_sigma_compile() turns one Sigma rule document (a YAML tree) into
 * a predicate over a flattened event (wd_qflat): the rule's logsource condition AND its
 * detection condition, with Sigma's field names mapped to ward's event paths
 * (sigma_map.c). Strings compare ASCII case-insensitively unless `cased` or `re`.
 * The predicate also yields the literals the prefilter (rule_pre.c) needs: one of them
 * occurs in every event the predicate accepts.
 *
 * Invariants: a compiled predicate is immutable and may be shared by several rules
 * (a correlation and its base rules) through its reference count, which only the
 * loading thread touches. Matching is pure (no I/O, no logging); the per-event context
 * (struct wd_sigma_ev) is owned by one thread.
 */
#ifndef WD_SIGMA_H
#define WD_SIGMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ward.h"

struct wd_ynode;
struct wd_yerr;
struct wd_qflat;
struct wd_sigma;

/* Per-event lookup context: case-insensitive path index over a wd_qflat, built on first
 * use after wd_sigma_ev_reset(). */
struct wd_sigma_ev {
    const struct wd_qflat *f;
    bool built;
    uint64_t *hash; /* per value: hash of the lower-cased path */
    uint32_t *next; /* per value: next value in the same slot, + 1 */
    uint32_t *slot; /* nslots heads, + 1 */
    uint32_t nslots;
    size_t cap;
    void *md; /* PCRE2 match data */
    /* memo of logsource conditions (shared by many rules) for this event: ls_val[id] is
     * valid when ls_gen[id] == gen */
    uint32_t gen;
    uint32_t *ls_gen;
    uint8_t *ls_val;
    uint32_t nls;
};

void wd_sigma_ev_init(struct wd_sigma_ev *ev);
void wd_sigma_ev_fini(struct wd_sigma_ev *ev);
/* Points the context at a new event (borrowed until the next reset). */
void wd_sigma_ev_reset(struct wd_sigma_ev *ev, const struct wd_qflat *f);

/* The Sigma parts of a document, filled by wd_sigma_compile(). */
struct wd_sigma_info {
    char *title, *id, *name, *level, *status, *description;
    char **tags;
    uint32_t ntags;
    char *product, *category, *service; /* logsource (lower-cased), NULL when absent */
};
void wd_sigma_info_fini(struct wd_sigma_info *in);

/* Whether a YAML document is a Sigma rule (has `detection` and `logsource`), a Sigma
 * correlation (`correlation`) or a Sigma filter (`filter` and `logsource`). */
bool wd_sigma_is_rule(const struct wd_ynode *doc);
bool wd_sigma_is_correlation(const struct wd_ynode *doc);
bool wd_sigma_is_filter(const struct wd_ynode *doc);

/*
 * Compiles one Sigma rule document. Returns WD_OK with *out (a new predicate, reference
 * count 1; release with wd_sigma_unref()) and *info filled (caller frees with
 * wd_sigma_info_fini()), or WD_EINVAL with err set at the offending node; err->msg starts
 * with "unsupported: " when the rule is valid Sigma that ward cannot honour.
 */
int wd_sigma_compile(const struct wd_ynode *doc, struct wd_sigma **out, struct wd_sigma_info *info,
                     struct wd_yerr *err);

/* Compiles a Sigma meta-filter document (its `filter` section, without `rules`): the
 * predicate a referenced rule must NOT match (wd_sigma_add_filter). */
int wd_sigma_compile_filter(const struct wd_ynode *doc, struct wd_sigma **out,
                            struct wd_sigma_info *info, struct wd_yerr *err);

/* A predicate that is the OR of others (a correlation over several base rules); takes a
 * reference on each. */
struct wd_sigma *wd_sigma_or(struct wd_sigma *const *kids, uint32_t n);
/* Appends `and not filter` to a predicate (Sigma meta-filters); takes a reference. */
void wd_sigma_add_filter(struct wd_sigma *s, struct wd_sigma *filter);

void wd_sigma_ref(struct wd_sigma *s);
void wd_sigma_unref(struct wd_sigma *s);

/* Evaluates the predicate on the event of `ev`. */
bool wd_sigma_match(const struct wd_sigma *s, struct wd_sigma_ev *ev);
/* Evaluates only the detection condition (no logsource condition): tests, benchmarks. */
bool wd_sigma_match_detection(const struct wd_sigma *s, struct wd_sigma_ev *ev);

/*
 * The prefilter literals: every event the predicate accepts has a string value containing
 * (ASCII case-insensitively) one of lits[i] in the field fields[i] (a lower-cased ward
 * path, compared case-insensitively; NULL = any field). Both arrays (n entries) are owned
 * by the predicate. Returns false when no such set is known (always a candidate).
 */
bool wd_sigma_literals(const struct wd_sigma *s, const char *const **lits,
                       const char *const **fields, uint32_t *n);

/*
 * Field mapping (sigma_map.c): the ward path a Sigma field name resolves to for a log
 * source (product/category/service may be NULL). Returns a static or interned string.
 */
const char *wd_sigma_map_field(const char *product, const char *category, const char *service,
                               const char *field, char *buf, size_t buf_len);
/*
 * The logsource condition, as Sigma detection YAML text ("" when none is needed):
 * e.g. windows/process_creation -> "EventID: [1, 4688]". Static storage.
 */
const char *wd_sigma_map_logsource(const char *product, const char *category, const char *service);
/* The product condition ("" when none): events of that product, e.g. windows -> the
 * event has a Windows channel; a product without a mapping -> the event is tagged (tags or
 * category) with the product's name. Static or loaded storage. */
const char *wd_sigma_map_product(const char *product);
/* Loads extra mappings from a YAML file (docs/sigma.md); they take precedence. Errors are
 * written to err. Returns WD_OK or WD_EINVAL/WD_EIO. Not thread-safe (startup). */
int wd_sigma_map_load(const char *path, char *err, size_t err_len);
/* Forgets every mapping loaded from files (before a reload). Not thread-safe. */
void wd_sigma_map_reset(void);
/* Placeholder values for the `expand` modifier (NULL-terminated list), or NULL. */
const char *const *wd_sigma_map_placeholder(const char *name);

#endif
