/*
 * rule_sigma.h: loading Sigma documents (rules, correlations, meta-filters) into a ward
 * rule set (rule_sigma.c; called by rule_load.c).
 */
#ifndef WD_RULE_SIGMA_H
#define WD_RULE_SIGMA_H

#include <stdbool.h>

struct wd_ruleset;
struct wd_rule;
struct wd_ynode;
struct wd_yerr;

/* Whether the document is Sigma (a rule, a correlation or a filter). */
bool wd_rule_is_sigma(const struct wd_ynode *doc);

/*
 * Fills r (zeroed, file/line/col set) from the Sigma document. *added is false for a
 * meta-filter (applied to the rules of `set` it names; r stays unused). Returns WD_OK, or
 * WD_EINVAL with err at the offending node ("unsupported: ..." for valid Sigma that ward
 * cannot honour).
 */
int wd_rule_sigma_load(struct wd_ruleset *set, const struct wd_ynode *doc, struct wd_rule *r,
                       bool *added, struct wd_yerr *err);

#endif
