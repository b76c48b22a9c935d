/*
 * tmpl.h: alert summary templates (docs/rules.md, "Summary templates"). A template is
 * literal text with `{...}` substitutions rendered against the group of events an alert
 * is about:
 *
 *   {count}  {value}            events in the group; the group's value (key)
 *   {details.username}          a field of the first event; {path|default} when absent
 *   {distinct PATH [sorted] [limit=N] [more=TEXT] [sep=TEXT] [from=samples]}
 *   {dc PATH [from=samples]}    number of distinct values
 *   {top PATH N FORMAT [min=K] [from=samples]}   MozDef's mostCommon: FORMAT per entry
 *                               with %v (value) and %n (count), entries concatenated
 *   {rdns PATH [internal]}      "ip (ptr name)" through the resolver, else the ip
 *   {capture PATH REGEX [DEFAULT]}  first capture group of a PCRE2 search in the value
 *   {ss CALC}  {topk N FORMAT}   SumStats results (SUM, UNIQUE, ..., num)
 *   {first PATH [PATH...] [if=PATH] [pre=TEXT] [post=TEXT] [default=TEXT]}  the first of
 *                               the paths with a value in the first event, between pre and
 *                               post; default when none has one (or `if` has none)
 *
 * More {distinct} options: dups (keep repeats, in order), truthy (skip "", 0, false, [],
 * {}), re=REGEX (the first group, or the match, of a PCRE2 search in each value; values
 * it does not match are skipped), rdns / rdns=internal (each value through reverse DNS as
 * "ip (name)"), pre=TEXT / post=TEXT (around the list, only when it is not empty).
 *
 * `{{` and `}}` are literal braces. Arguments are words or "double-quoted" strings.
 */
#ifndef WD_TMPL_H
#define WD_TMPL_H

#include <stddef.h>
#include <stdint.h>

#include "mem.h"
#include "ward.h"

struct wd_jv;
struct wd_tmpl;

/* Reverse DNS for {rdns}: writes the PTR name of `ip` into out and returns WD_OK, or
 * returns an error when there is none. */
typedef int (*wd_rdns_fn)(void *arg, const char *ip, char *out, size_t out_len);
/* SumStats results for {ss CALC} (n = 0, fmt = NULL) and {topk N FORMAT} (calc = NULL):
 * appends the rendering to out (engine_ss.c). */
typedef int (*wd_tmpl_ss_fn)(const void *result, const char *calc, uint32_t n, const char *fmt,
                             struct wd_buf *out);

struct wd_tmpl_ctx {
    const struct wd_jv *const *events; /* every event of the group, oldest first */
    size_t nevents;
    size_t nsamples;       /* the first nsamples events are the alert's samples */
    struct wd_str value;   /* the group value */
    uint64_t count;        /* events (or observations) in the group */
    const void *ss_result; /* SumStats result for ss_render, or NULL */
    wd_tmpl_ss_fn ss_render;
    wd_rdns_fn rdns;
    void *rdns_arg;
};

/* Compiles a template; on error WD_EPARSE with err->off the byte column and err->msg. */
int wd_tmpl_compile(const char *text, size_t len, struct wd_tmpl **out, struct wd_perr *err);
/* Appends the rendering to out. */
int wd_tmpl_render(const struct wd_tmpl *t, const struct wd_tmpl_ctx *c, struct wd_buf *out);
void wd_tmpl_free(struct wd_tmpl *t);

/* MozDef's add_hostname_to_ip() private-address test (spec e.2). */
int wd_ip_is_internal(const char *ip);

#endif
