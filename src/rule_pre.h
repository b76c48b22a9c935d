/*
 * rule_pre.h: the compiled prefilter that decides, in one pass over an event's values,
 * which rules can possibly match it. From each rule's query tree it derives a necessary
 * condition: a set of (field, literal) pairs at least one of which must occur in the
 * event (a field value containing the literal, ASCII case-insensitively) for the rule to
 * match; rules without such a condition (ranges, regexes, negations only, CIDR) are
 * always candidates. All literals of all rules for one field go into one Hyperscan
 * literal database, so an event costs one scan per field that some rule mentions, no
 * matter how many rules there are. The full predicate then runs only for candidates.
 */
#ifndef WD_RULE_PRE_H
#define WD_RULE_PRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ward.h"

struct wd_qnode;
struct wd_qflat;
struct wd_pre;
struct wd_pre_scratch;

/* One rule's input to the prefilter: its query trees (a rule matches only when
 * `must` matches and, when nany > 0, at least one of `any` does). */
struct wd_pre_rule {
    const struct wd_qnode *must;
    const struct wd_qnode *const *any; /* sequence steps */
    uint32_t nany;
    /* Sigma rules: the necessary literals their loader computed (sigma.h), each searched
     * ASCII case-insensitively in the values of lit_fields[i] (a lower-cased path matched
     * case-insensitively against the event's paths; NULL = every string value); when
     * `lits_set`, they
     * are used instead of those of `must` (whose query is then "*"): an event is a
     * candidate only if some value contains one of them. lits_set with nlits == 0: the
     * rule matches nothing. lits_set false: derived from the trees as usual. */
    bool lits_set;
    const char *const *lits;
    const char *const *lit_fields;
    uint32_t nlits;
};

/* Builds the prefilter for n rules (index = rule number). */
int wd_pre_build(const struct wd_pre_rule *rules, uint32_t n, struct wd_pre **out, char *err,
                 size_t err_len);
void wd_pre_free(struct wd_pre *p);

/* Per-thread scan state. */
int wd_pre_scratch_new(const struct wd_pre *p, struct wd_pre_scratch **out);
void wd_pre_scratch_free(struct wd_pre_scratch *s);

/*
 * Marks in `bits` (one bit per rule, (n + 63) / 64 words, cleared by the call) every rule
 * the event can match. Returns the number of candidates.
 */
uint32_t wd_pre_scan(const struct wd_pre *p, struct wd_pre_scratch *s, const struct wd_qflat *ev,
                     uint64_t *bits);

/* Rules that are always candidates, and literal patterns compiled (for /metrics, tests). */
uint32_t wd_pre_always(const struct wd_pre *p);
uint32_t wd_pre_patterns(const struct wd_pre *p);
/* Whether rule i is always a candidate. */
bool wd_pre_is_always(const struct wd_pre *p, uint32_t i);

#endif
