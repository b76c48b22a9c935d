/*
 * cli_rules.h: `ward rules check PATH` and `ward rules test --now T --events FILE
 * [--rules PATH] [--dns FILE]` (cli_rules.c): how detection engineers validate rules and
 * run them offline over recorded events, as MozDef's alert tests did (spec e.3).
 */
#ifndef WD_CLI_RULES_H
#define WD_CLI_RULES_H

/* Exit status: 0 success, 1 rule errors or unreadable input, 2 usage. */
int wd_rules_main(int argc, char **argv);

#endif
