/*
 * rule_pre.c: derives each rule's necessary literals from its query tree and compiles
 * them into Hyperscan literal databases, one per field (rule_pre.h).
 *
 * Necessary condition of a node, N(node): a set of (field, literal) pairs such that the
 * node can only match an event containing one of them; "always" when no such set is
 * known. Literals are searched ASCII case-insensitively as substrings of the field's
 * values: a keyword term or phrase (exact whole value) gives its whole operand, a keyword
 * wildcard its longest literal run, and analysed (summary, bare-term) leaves their
 * longest ASCII word, each contained in any value the leaf matches.
 * AND takes the most selective child, OR the union of its children (always if one of
 * them is), NOT gives nothing. A match-nothing node has the empty set: never a candidate.
 */
#include "rule_pre.h"

#include <hs/hs.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "query_int.h"

struct lit {
    const char *field; /* NULL = any field */
    size_t field_len;
    char *text; /* a literal, lower-cased; or (re) a PCRE pattern */
    uint32_t rule;
    bool re;
    bool ci; /* field (lower-cased) compared case-insensitively (Sigma literals) */
};

struct litvec {
    struct lit *v;
    size_t n, cap;
};

/* One field's database: patterns and, per pattern, the rules that need it. */
struct fdb {
    char *field; /* NULL = every field (bare terms) */
    size_t field_len;
    uint64_t hash;
    bool ip; /* an address field: values are scanned in canonical form */
    bool ci; /* field matched case-insensitively; hash is of the lower-cased path */
    hs_database_t *db;
    uint32_t npat;
    uint32_t *rule_off; /* npat + 1 offsets into rule_ids */
    uint32_t *rule_ids;
};

struct wd_pre {
    uint32_t nrules, nwords;
    uint64_t *always;
    uint32_t nalways;
    struct fdb *f;
    uint32_t nf;
    struct fdb *any; /* bare-term database, or NULL */
    uint32_t *slot;  /* hash table over f: index + 1, 0 = empty */
    uint32_t nslots;
    uint32_t *ci_slot; /* the same over the case-insensitive fields (Sigma), or NULL */
    uint32_t nci_slots;
    uint32_t npatterns;
};

/* A path's databases, as lookup() and lookup_ci() found them (per path id of the
 * events' wd_qflat, for one epoch of its ids). */
struct pathdb {
    const struct fdb *f, *ci;
    bool known;
};

struct wd_pre_scratch {
    hs_scratch_t *hs;
    uint64_t epoch;
    struct pathdb *pd;
    uint32_t npd;
    struct wd_buf low; /* a path lower-cased (case-insensitive field lookup) */
    struct wd_buf all; /* every string value, NUL-separated, for the bare-term database */
};

static void lv_push(struct litvec *lv, const char *field, size_t flen, const char *p, size_t len)
{
    if (lv->n == lv->cap) {
        lv->cap = lv->cap ? lv->cap * 2 : 8;
        lv->v = wd_xrealloc(lv->v, lv->cap * sizeof(*lv->v));
    }
    char *t = wd_xstrndup(p, len);
    for (size_t i = 0; i < len; i++)
        if (t[i] >= 'A' && t[i] <= 'Z')
            t[i] = (char)(t[i] - 'A' + 'a');
    lv->v[lv->n++] = (struct lit){field, flen, t, 0, false, false};
}

static void lv_push_re(struct litvec *lv, const char *field, size_t flen, const char *pat)
{
    lv_push(lv, field, flen, "", 0);
    free(lv->v[lv->n - 1].text);
    lv->v[lv->n - 1].text = wd_xstrdup(pat);
    lv->v[lv->n - 1].re = true;
}

static void lv_clear(struct litvec *lv)
{
    for (size_t i = 0; i < lv->n; i++)
        free(lv->v[i].text);
    lv->n = 0;
}

/* Longest run of ASCII letters and digits in s (wildcards and punctuation split runs;
 * an escaped character in a wildcard pattern is taken literally). */
static bool longest_word(struct wd_str s, bool wildcard, const char **p, size_t *len)
{
    size_t best = 0, bstart = 0, start = 0, run = 0;
    for (size_t i = 0; i <= s.len; i++) {
        unsigned char c = i < s.len ? (unsigned char)s.p[i] : 0;
        if (c >= 0x80)
            return false; /* Unicode case folding is beyond an ASCII caseless literal */
        bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (wildcard && c == '\\' && i + 1 < s.len) {
            word = false; /* an escape ends the run conservatively */
            i++;
        }
        if (word) {
            if (!run)
                start = i;
            run++;
        } else {
            if (run > best) {
                best = run;
                bstart = start;
            }
            run = 0;
        }
    }
    if (!best)
        return false;
    *p = s.p + bstart;
    *len = best;
    return true;
}

/* Longest run between wildcards of a keyword wildcard pattern (`*`, `?`; `\` escapes the
 * next byte, which then belongs to the run). Runs are matched exactly, case-sensitively,
 * so any bytes qualify. An escape inside the chosen run is copied unescaped into buf. */
static bool longest_run(struct wd_str s, char *buf, size_t cap, size_t *len)
{
    size_t best = 0, cur = 0;
    char tmp[256];
    for (size_t i = 0; i <= s.len; i++) {
        char c = '*'; /* the end closes the last run */
        if (i < s.len)
            c = s.p[i];
        if (c == '\\' && i + 1 < s.len) {
            c = s.p[++i];
        } else if (c == '*' || c == '?') {
            if (cur > best && cur <= cap) {
                memcpy(buf, tmp, cur);
                best = cur;
            }
            cur = 0;
            continue;
        }
        if (cur < sizeof(tmp))
            tmp[cur] = c;
        cur++;
    }
    *len = best;
    return best > 0;
}

/*
 * An address field: values that parse as addresses are scanned in canonical text
 * (wd_pre_scan), so an address operand gives its canonical text, and an IPv4 network on
 * an octet boundary the canonical prefix ("10.0." for /16). A value that does not parse
 * is compared as text with the operand, which is then contained as written.
 */
static bool ip_req(const struct wd_qleaf *l, struct litvec *out)
{
    const struct wd_qleaf_priv *pv = l->priv;
    if (!pv || !pv->has_ip || !l->text.len)
        return false;
    char canon[48];
    size_t n = wd_qip_format(pv->ip, canon);
    if (pv->is_cidr) {
        static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(pv->ip, v4mapped, 12) != 0 || pv->plen < 104 || pv->plen % 8)
            return pv->plen == 128 ? (lv_push(out, l->field, l->field_len, canon, n), true) : false;
        size_t octets = (pv->plen - 96) / 8, dots = 0;
        for (n = 0; canon[n] && dots < octets; n++)
            dots += canon[n] == '.';
        if (octets == 4)
            n = strlen(canon);
    }
    lv_push(out, l->field, l->field_len, canon, n);
    if (l->text.len != n || memcmp(l->text.p, canon, n) != 0)
        lv_push(out, l->field, l->field_len, l->text.p, l->text.len);
    return true;
}

static void put_escaped(struct wd_buf *b, unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80)
        wd_buf_putc(b, (char)c);
    else
        wd_buf_printf(b, "\\x%02x", c);
}

/* A character class `[...]` (p after the `[`): copied with every member escaped; p moves
 * past the `]`. */
static bool class_to_pcre(const unsigned char **pp, const unsigned char *end, struct wd_buf *b)
{
    const unsigned char *p = *pp;
    wd_buf_putc(b, '[');
    if (p < end && *p == '^')
        wd_buf_putc(b, (char)*p++);
    bool first = true;
    while (p < end && (*p != ']' || first)) {
        unsigned char d = *p++;
        if (d == '\\' && p < end) {
            d = *p++;
        } else if (d == '-' && !first && p < end && *p != ']') {
            wd_buf_putc(b, '-');
            continue;
        }
        put_escaped(b, d);
        first = false;
    }
    if (p == end)
        return false;
    wd_buf_putc(b, ']');
    *pp = p + 1;
    return true;
}

/*
 * Translates a Lucene regular expression (lre.h) into an equivalent PCRE pattern for
 * Hyperscan (searched unanchored: a value the Lucene expression matches whole contains a
 * match). Only the common subset: literals, escapes, `.`, `?` `*` `+` `{n}` `{n,}`
 * `{n,m}`, `|`, groups, classes and quoted strings. Lucene's own operators (`#` `@` `~`
 * `&` `<n-m>`) and its corner cases (a leading quantifier is a literal) give false.
 */
static bool lucene_to_pcre(struct wd_str src, struct wd_buf *b)
{
    const unsigned char *p = (const unsigned char *)src.p, *end = p + src.len;
    bool atom = false; /* something a quantifier can follow */
    int depth = 0;
    while (p < end) {
        unsigned char c = *p++;
        switch (c) {
        case '\\':
            if (p == end)
                return false;
            put_escaped(b, *p++);
            atom = true;
            break;
        case '"':
            while (p < end && *p != '"')
                put_escaped(b, *p++);
            if (p == end)
                return false;
            p++;
            atom = true;
            break;
        case '.':
            wd_buf_putc(b, '.');
            atom = true;
            break;
        case '?':
        case '*':
        case '+':
            if (!atom)
                return false;
            wd_buf_putc(b, (char)c);
            atom = false;
            break;
        case '{': {
            if (!atom)
                return false;
            const unsigned char *q = p;
            while (q < end && ((*q >= '0' && *q <= '9') || *q == ','))
                q++;
            if (q == end || *q != '}' || q == p || *p == ',')
                return false;
            wd_buf_putc(b, '{');
            wd_buf_append(b, p, (size_t)(q - p));
            wd_buf_putc(b, '}');
            p = q + 1;
            atom = false;
            break;
        }
        case '|':
            if (!atom && b->len == 0)
                return false;
            wd_buf_putc(b, '|');
            atom = false;
            break;
        case '(':
            wd_buf_printf(b, "(?:");
            depth++;
            atom = false;
            break;
        case ')':
            if (!depth--)
                return false;
            wd_buf_putc(b, ')');
            atom = true;
            break;
        case '[':
            if (!class_to_pcre(&p, end, b))
                return false;
            atom = true;
            break;
        case '#':
        case '@':
        case '~':
        case '&':
        case '<':
            return false;
        default:
            put_escaped(b, c);
            atom = true;
            break;
        }
    }
    return depth == 0 && b->len > 0;
}

/* A keyword regex: its PCRE translation when Hyperscan accepts it. */
static bool regex_req(const struct wd_qleaf *l, struct litvec *out)
{
    const struct wd_qleaf_priv *pv = l->priv;
    if (!pv || !pv->re_src.len)
        return false;
    struct wd_buf b;
    wd_buf_init(&b, 1 << 16);
    bool ok = lucene_to_pcre(pv->re_src, &b) && wd_buf_putc(&b, '\0') == WD_OK;
    if (ok) {
        hs_database_t *db = NULL;
        hs_compile_error_t *ce = NULL;
        ok = hs_compile(b.p,
                        HS_FLAG_UTF8 | HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY,
                        HS_MODE_BLOCK, NULL, &db, &ce) == HS_SUCCESS;
        if (db)
            hs_free_database(db);
        if (ce)
            hs_free_compile_error(ce);
    }
    if (ok)
        lv_push_re(out, l->field, l->field_len, b.p);
    wd_buf_fini(&b);
    return ok;
}

/* Appends N(leaf) to out; false = always. */
static bool leaf_req(const struct wd_qleaf *l, struct litvec *out)
{
    const struct wd_qleaf_priv *pv = l->priv;
    bool keyword = l->field && l->ftype == WD_FT_KEYWORD;
    const char *p;
    size_t len;
    char run[256];
    switch (l->op) {
    case WD_QOP_TERM:
    case WD_QOP_PHRASE:
        if (l->ftype == WD_FT_IP)
            return ip_req(l, out);
        if (l->ftype == WD_FT_DATE)
            return false;
        if (!l->field && pv && (pv->has_ip || pv->has_date))
            return false; /* a bare address or date also matches other spellings */
        if (keyword && l->text.len) {
            /* exact whole-value match: the whole operand is contained */
            lv_push(out, l->field, l->field_len, l->text.p, l->text.len);
            return true;
        }
        if (!longest_word(l->text, false, &p, &len))
            return false;
        break;
    case WD_QOP_WILDCARD:
        if (l->ftype == WD_FT_IP || l->ftype == WD_FT_DATE)
            return false;
        if (!pv)
            return false;
        if (keyword) { /* the pattern with its escapes, as the matcher reads it */
            if (!longest_run(pv->pat, run, sizeof(run), &len))
                return false;
            p = run;
            break;
        }
        if (!longest_word(pv->pat, true, &p, &len))
            return false;
        break;
    case WD_QOP_REGEX:
        /* keyword fields only: analysed (text) values are matched per lower-cased token */
        return keyword && regex_req(l, out);
    default:
        return false;
    }
    lv_push(out, l->field, l->field ? l->field_len : 0, p, len);
    return true;
}

/* A regex scores as a word as long as its letters and digits outside \xNN escapes, at most
 * 8 (a regex spelling "union" and "select" outranks source:http): it must be found in the
 * value, and what it spells out is usually rarer than a short keyword. */
static size_t re_len(const char *re)
{
    size_t n = 0;
    for (const char *c = re; *c && n < 8; c++) {
        if (c[0] == '\\' && c[1] == 'x' && c[2] && c[3]) {
            c += 3;
            continue;
        }
        n += (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9');
    }
    return n ? n : 1;
}

static size_t score(const struct litvec *lv, size_t from)
{
    /* selectivity: the shortest literal decides; more alternatives cost a little */
    size_t m = SIZE_MAX;
    for (size_t i = from; i < lv->n; i++)
        m = WD_MIN(m, lv->v[i].re ? re_len(lv->v[i].text) : strlen(lv->v[i].text));
    if (m == SIZE_MAX)
        return SIZE_MAX; /* the empty set: never matches, the best there is */
    size_t alts = lv->n - from;
    return m * 16 > alts ? m * 16 - alts : 1;
}

static bool node_req(const struct wd_qnode *n, struct litvec *out);

/* OR of children: every child must have a condition. */
static bool any_req(struct wd_qnode *const *kids, uint32_t nk, struct litvec *out)
{
    size_t mark = out->n;
    for (uint32_t i = 0; i < nk; i++)
        if (!node_req(kids[i], out)) {
            for (size_t j = mark; j < out->n; j++)
                free(out->v[j].text);
            out->n = mark;
            return false;
        }
    return true;
}

static bool node_req(const struct wd_qnode *n, struct litvec *out)
{
    switch (n->kind) {
    case WD_QN_LEAF:
        return leaf_req(&n->leaf, out);
    case WD_QN_ALL:
        return false;
    case WD_QN_NONE:
        return true;
    default:
        break;
    }
    /* AND over must children (and the should group when it is required): keep the best */
    struct litvec best = {0}, cur = {0};
    bool have = false;
    size_t best_score = 0;
    for (uint32_t i = 0; i <= n->nmust; i++) {
        bool ok;
        if (i < n->nmust)
            ok = node_req(n->must[i], &cur);
        else if (n->should_required && n->nshould)
            ok = any_req(n->should, n->nshould, &cur);
        else
            break;
        if (ok) {
            size_t s = score(&cur, 0);
            if (!have || s > best_score) {
                lv_clear(&best);
                struct litvec t = best;
                best = cur;
                cur = t;
                best_score = s;
                have = true;
            }
        }
        lv_clear(&cur);
    }
    free(cur.v);
    if (have)
        for (size_t i = 0; i < best.n; i++) {
            if (best.v[i].re)
                lv_push_re(out, best.v[i].field, best.v[i].field_len, best.v[i].text);
            else
                lv_push(out, best.v[i].field, best.v[i].field_len, best.v[i].text,
                        strlen(best.v[i].text));
        }
    lv_clear(&best);
    free(best.v);
    return have;
}

/* ---- build ---- */

static int cmp_lit(const void *a, const void *b)
{
    const struct lit *x = a, *y = b;
    if (!x->field != !y->field)
        return x->field ? 1 : -1; /* "any" first */
    if (x->field && x->ci != y->ci)
        return x->ci ? 1 : -1;
    if (x->field) {
        size_t m = WD_MIN(x->field_len, y->field_len);
        int c = memcmp(x->field, y->field, m);
        if (c || x->field_len != y->field_len)
            return c ? c : (x->field_len < y->field_len ? -1 : 1);
    }
    if (x->re != y->re)
        return x->re ? 1 : -1;
    int c = strcmp(x->text, y->text);
    if (c)
        return c;
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static bool same_field(const struct lit *a, const struct lit *b)
{
    if (!a->field || !b->field)
        return !a->field && !b->field;
    if (a->ci != b->ci)
        return false;
    return a->field_len == b->field_len && memcmp(a->field, b->field, a->field_len) == 0;
}

/* Compiles lits[0..n) (one field, sorted) into f. */
/* Compiles lits[0..n) (one field, sorted) into f: literals (escaped, case-insensitive,
 * matched as bytes) and regexes (UTF-8, case-sensitive) in one database. */
static int build_fdb(struct fdb *f, const struct lit *lits, size_t n, char *err, size_t err_len)
{
    char **exprs = wd_xcalloc(n, sizeof(*exprs));
    unsigned *flags = wd_xcalloc(n, sizeof(*flags));
    unsigned *ids = wd_xcalloc(n, sizeof(*ids));
    f->rule_off = wd_xcalloc(n + 1, sizeof(*f->rule_off));
    f->rule_ids = wd_xcalloc(n, sizeof(*f->rule_ids));
    uint32_t np = 0, nr = 0;
    struct wd_buf b;
    wd_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || lits[i].re != lits[i - 1].re || strcmp(lits[i].text, lits[i - 1].text) != 0) {
            b.len = 0;
            if (lits[i].re) {
                wd_buf_printf(&b, "%s", lits[i].text);
                flags[np] =
                    HS_FLAG_UTF8 | HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;
            } else {
                for (const char *c = lits[i].text; *c; c++)
                    wd_buf_printf(&b, "\\x%02x", (unsigned char)*c);
                flags[np] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
            }
            exprs[np] = wd_xstrndup(b.p, b.len);
            ids[np] = np;
            f->rule_off[np] = nr;
            np++;
        }
        if (nr == 0 || f->rule_ids[nr - 1] != lits[i].rule || f->rule_off[np - 1] == nr)
            f->rule_ids[nr++] = lits[i].rule;
    }
    wd_buf_fini(&b);
    f->rule_off[np] = nr;
    f->npat = np;
    hs_compile_error_t *ce = NULL;
    hs_error_t he = hs_compile_multi((const char *const *)exprs, flags, ids, np, HS_MODE_BLOCK,
                                     NULL, &f->db, &ce);
    int rc = WD_OK;
    if (he != HS_SUCCESS) {
        snprintf(err, err_len, "hyperscan: %s", ce && ce->message ? ce->message : "compile failed");
        rc = WD_EINVAL;
    }
    if (ce)
        hs_free_compile_error(ce);
    for (uint32_t i = 0; i < np; i++)
        free(exprs[i]);
    free(exprs);
    free(flags);
    free(ids);
    return rc;
}

static void set_bit(uint64_t *bits, uint32_t i)
{
    bits[i >> 6] |= 1ull << (i & 63);
}

int wd_pre_build(const struct wd_pre_rule *rules, uint32_t n, struct wd_pre **out, char *err,
                 size_t err_len)
{
    struct wd_pre *p = wd_xcalloc(1, sizeof(*p));
    p->nrules = n;
    p->nwords = (n + 63) / 64;
    p->always = wd_xcalloc(p->nwords ? p->nwords : 1, sizeof(uint64_t));
    struct litvec all = {0};
    for (uint32_t i = 0; i < n; i++) {
        size_t mark = all.n;
        bool ok;
        if (rules[i].lits_set) { /* Sigma: the loader's literals, in any field */
            for (uint32_t k = 0; k < rules[i].nlits; k++) {
                const char *fl = rules[i].lit_fields ? rules[i].lit_fields[k] : NULL;
                lv_push(&all, fl, fl ? strlen(fl) : 0, rules[i].lits[k], strlen(rules[i].lits[k]));
                all.v[all.n - 1].ci = fl != NULL;
            }
            ok = true;
        } else {
            ok = node_req(rules[i].must, &all);
        }
        if (!ok && rules[i].nany && !rules[i].lits_set) {
            ok = any_req((struct wd_qnode *const *)rules[i].any, rules[i].nany, &all);
        }
        if (!ok) {
            set_bit(p->always, i);
            p->nalways++;
        }
        for (size_t j = mark; j < all.n; j++)
            all.v[j].rule = i;
    }
    int rc = WD_OK;
    if (all.n) {
        qsort(all.v, all.n, sizeof(*all.v), cmp_lit);
        p->f = wd_xcalloc(all.n, sizeof(*p->f));
        for (size_t i = 0; i < all.n && rc == WD_OK;) {
            size_t j = i + 1;
            while (j < all.n && same_field(&all.v[i], &all.v[j]))
                j++;
            struct fdb *f = &p->f[p->nf++];
            if (all.v[i].field) {
                f->field = wd_xstrndup(all.v[i].field, all.v[i].field_len);
                f->field_len = all.v[i].field_len;
                f->hash = wd_hash64(f->field, f->field_len, WD_QFLAT_PATH_SEED);
                f->ci = all.v[i].ci; /* lower-cased already: the hash of the folded path */
                f->ip = !f->ci && wd_qfield_type(f->field, f->field_len) == WD_FT_IP;
            }
            rc = build_fdb(f, all.v + i, j - i, err, err_len);
            p->npatterns += f->npat;
            i = j;
        }
    }
    lv_clear(&all);
    free(all.v);
    /* index the named fields */
    p->nslots = 16;
    while (p->nslots < p->nf * 2)
        p->nslots *= 2;
    p->slot = wd_xcalloc(p->nslots, sizeof(*p->slot));
    p->nci_slots = 16;
    while (p->nci_slots < p->nf * 2)
        p->nci_slots *= 2;
    for (uint32_t i = 0; i < p->nf; i++) {
        if (!p->f[i].field) {
            p->any = &p->f[i];
            continue;
        }
        uint32_t *tab = p->slot, ns = p->nslots;
        if (p->f[i].ci) {
            if (!p->ci_slot)
                p->ci_slot = wd_xcalloc(p->nci_slots, sizeof(*p->ci_slot));
            tab = p->ci_slot;
            ns = p->nci_slots;
        }
        uint32_t s = (uint32_t)p->f[i].hash & (ns - 1);
        while (tab[s])
            s = (s + 1) & (ns - 1);
        tab[s] = i + 1;
    }
    if (rc) {
        wd_pre_free(p);
        return rc;
    }
    *out = p;
    return WD_OK;
}

void wd_pre_free(struct wd_pre *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->nf; i++) {
        free(p->f[i].field);
        if (p->f[i].db)
            hs_free_database(p->f[i].db);
        free(p->f[i].rule_off);
        free(p->f[i].rule_ids);
    }
    free(p->f);
    free(p->slot);
    free(p->ci_slot);
    free(p->always);
    free(p);
}

int wd_pre_scratch_new(const struct wd_pre *p, struct wd_pre_scratch **out)
{
    struct wd_pre_scratch *s = wd_xcalloc(1, sizeof(*s));
    wd_buf_init(&s->all, 0);
    wd_buf_init(&s->low, 0);
    for (uint32_t i = 0; i < p->nf; i++)
        if (p->f[i].db && hs_alloc_scratch(p->f[i].db, &s->hs) != HS_SUCCESS) {
            wd_pre_scratch_free(s);
            return WD_ENOMEM;
        }
    *out = s;
    return WD_OK;
}

void wd_pre_scratch_free(struct wd_pre_scratch *s)
{
    if (!s)
        return;
    if (s->hs)
        hs_free_scratch(s->hs);
    wd_buf_fini(&s->all);
    wd_buf_fini(&s->low);
    free(s->pd);
    free(s);
}

struct hit_ctx {
    const struct fdb *f;
    uint64_t *bits;
};

static int on_match(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
                    void *arg)
{
    WD_UNUSED(from);
    WD_UNUSED(to);
    WD_UNUSED(flags);
    struct hit_ctx *h = arg;
    for (uint32_t k = h->f->rule_off[id]; k < h->f->rule_off[id + 1]; k++)
        set_bit(h->bits, h->f->rule_ids[k]);
    return 0;
}

static const struct fdb *lookup_in(const struct wd_pre *p, const uint32_t *tab, uint32_t ns,
                                   struct wd_str path, uint64_t h)
{
    for (uint32_t s = (uint32_t)h & (ns - 1);; s = (s + 1) & (ns - 1)) {
        uint32_t i = tab[s];
        if (!i)
            return NULL;
        const struct fdb *f = &p->f[i - 1];
        if (f->hash == h && f->field_len == path.len && memcmp(f->field, path.p, path.len) == 0)
            return f;
    }
}

static const struct fdb *lookup(const struct wd_pre *p, struct wd_str path, uint64_t h)
{
    return lookup_in(p, p->slot, p->nslots, path, h);
}

/* The case-insensitive (Sigma) database of a path, or NULL. */
static const struct fdb *lookup_ci(const struct wd_pre *p, struct wd_pre_scratch *s,
                                   struct wd_str path, uint64_t h, bool *oom)
{
    size_t up = 0;
    while (up < path.len && !(path.p[up] >= 'A' && path.p[up] <= 'Z'))
        up++;
    if (up == path.len) /* already lower case: the path and its hash as they are */
        return lookup_in(p, p->ci_slot, p->nci_slots, path, h);
    s->low.len = 0;
    if (wd_buf_append(&s->low, path.p, path.len) != WD_OK) {
        *oom = true;
        return NULL;
    }
    for (size_t i = 0; i < path.len; i++)
        if (s->low.p[i] >= 'A' && s->low.p[i] <= 'Z')
            s->low.p[i] = (char)(s->low.p[i] + 32);
    struct wd_str lp = {s->low.p, path.len};
    return lookup_in(p, p->ci_slot, p->nci_slots, lp, wd_hash64(lp.p, lp.len, WD_QFLAT_PATH_SEED));
}

/* Appends v and a NUL separator to the bare-term text: one room check, inline (every
 * string value of every event passes here). */
static inline int all_add(struct wd_buf *b, struct wd_str v)
{
    if (b->cap - b->len <= v.len + 1) {
        int rc = wd_buf_reserve(b, v.len + 1);
        if (rc)
            return rc;
    }
    if (v.len)
        memcpy(b->p + b->len, v.p, v.len);
    b->len += v.len;
    b->p[b->len++] = '\0';
    return WD_OK;
}

static void scan(const struct fdb *f, struct wd_pre_scratch *s, struct wd_str v, uint64_t *bits)
{
    struct hit_ctx h = {f, bits};
    if (v.len && v.len < UINT32_MAX)
        hs_scan(f->db, v.p, (unsigned)v.len, 0, s->hs, on_match, &h);
}

/* The entry of path id `id` past the end of s->pd: the array grown to it; NULL when the
 * id is none (the event's own path) or there is no memory (the lookups are done anew). */
static struct pathdb *pathdb_room(struct wd_pre_scratch *s, uint32_t id)
{
    if (id == WD_QPATH_ROOT || id >= (1u << 24))
        return NULL;
    uint32_t n = s->npd ? s->npd : 64;
    while (n <= id)
        n *= 2;
    struct pathdb *pd = realloc(s->pd, n * sizeof(*pd));
    if (!pd)
        return NULL;
    memset(pd + s->npd, 0, (n - s->npd) * sizeof(*pd));
    s->pd = pd;
    s->npd = n;
    return &pd[id];
}

uint32_t wd_pre_scan(const struct wd_pre *p, struct wd_pre_scratch *s, const struct wd_qflat *ev,
                     uint64_t *bits)
{
    memcpy(bits, p->always, p->nwords * sizeof(uint64_t));
    if (s->epoch != ev->pt.epoch) { /* other path ids: what is known of them is not */
        if (s->npd)
            memset(s->pd, 0, s->npd * sizeof(*s->pd));
        s->epoch = ev->pt.epoch;
    }
    if (p->nf) {
        s->all.len = 0;
        for (size_t i = 0; i < ev->n; i++) {
            struct wd_str path;
            struct wd_qval v;
            wd_qflat_at(ev, i, &path, &v);
            /* the path's databases: remembered by path id, found once per id */
            uint32_t id = ev->v[i].path_id;
            struct pathdb *pd = id < s->npd ? &s->pd[id] : pathdb_room(s, id);
            const struct fdb *f, *cf = NULL;
            bool oom = false;
            if (pd && pd->known) {
                f = pd->f;
                cf = pd->ci;
            } else {
                f = lookup(p, path, ev->v[i].path_hash);
                if (p->ci_slot)
                    cf = lookup_ci(p, s, path, ev->v[i].path_hash, &oom);
                if (pd && !oom)
                    *pd = (struct pathdb){f, cf, true};
            }
            if (f && f->ip) {
                uint8_t ip[16];
                char canon[48];
                if (wd_qip_is_canon_v4(v.s.p, v.s.len)) /* already its canonical text */
                    scan(f, s, v.s, bits);
                else if (v.s.len < 64 && wd_qip_parse(v.s.p, v.s.len, ip, NULL))
                    scan(f, s, (struct wd_str){canon, wd_qip_format(ip, canon)}, bits);
                else
                    scan(f, s, v.s, bits);
            } else if (f) {
                scan(f, s, v.s, bits);
            }
            if (p->ci_slot) { /* Sigma fields: every value's text, numbers included */
                if (cf)
                    scan(cf, s, v.s, bits);
                else if (oom)
                    for (uint32_t r = 0; r < p->nrules; r++) /* no memory: every rule */
                        set_bit(bits, r);
            }
            /* bare-term literals are words: a NUL between values cannot be inside a match */
            if (p->any && v.type == WD_QV_STR && all_add(&s->all, v.s))
                for (uint32_t r = 0; r < p->nrules; r++) /* no memory: every rule */
                    set_bit(bits, r);
        }
        if (p->any && s->all.len)
            scan(p->any, s, (struct wd_str){s->all.p, s->all.len}, bits);
    }
    uint32_t c = 0;
    for (uint32_t w = 0; w < p->nwords; w++)
        c += (uint32_t)__builtin_popcountll(bits[w]);
    return c;
}

uint32_t wd_pre_always(const struct wd_pre *p)
{
    return p->nalways;
}

uint32_t wd_pre_patterns(const struct wd_pre *p)
{
    return p->npatterns;
}

bool wd_pre_is_always(const struct wd_pre *p, uint32_t i)
{
    return (p->always[i >> 6] >> (i & 63)) & 1;
}
