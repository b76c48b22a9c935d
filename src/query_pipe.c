/*
 * query_pipe.c: parser of the aggregation pipes after the search part of a query:
 *
 *   | stats AGG [, AGG]... [by F [, F]...]     AGG := count() | dc(F) | sum(F) | avg(F)
 *   | top [N] F                                        | min(F) | max(F) | pNN(F)
 *   | timechart [span=]SPAN [AGG...] [by F]    SPAN := <digits>(s|m|h|d)
 *   | sort [-]K [asc|desc] [, ...]
 *   | head [N]
 *   | fields F [, F]...
 *
 * Field names resolve ECS aliases; an aggregation's output name is the function and the
 * field as written, without spaces ("dc(source.ip)"). Everything in q->arena.
 */
#include "query_int.h"

#include "wd_time.h"

struct pp {
    const char *s;
    size_t len, i;
    struct wd_query *q;
    struct wd_perr *err;
    int rc;
};

static bool pfail(struct pp *p, size_t off, const char *msg)
{
    if (p->rc == WD_OK) {
        p->rc = WD_EPARSE;
        p->err->code = WD_EPARSE;
        p->err->off = off;
        p->err->msg = msg;
    }
    return false;
}

static bool poom(struct pp *p)
{
    if (p->rc == WD_OK) {
        p->rc = WD_ENOMEM;
        p->err->code = WD_ENOMEM;
        p->err->off = 0;
        p->err->msg = "out of memory";
    }
    return false;
}

static void skip_ws(struct pp *p)
{
    while (p->i < p->len && strchr(" \t\r\n", p->s[p->i]) && p->s[p->i])
        p->i++;
}

static bool at_end(struct pp *p)
{
    skip_ws(p);
    return p->i >= p->len || p->s[p->i] == '|';
}

/* A word: a run of characters other than whitespace and `stop`. */
static struct wd_str word(struct pp *p, const char *stop)
{
    skip_ws(p);
    size_t b = p->i;
    while (p->i < p->len && !strchr(" \t\r\n|", p->s[p->i]) && !strchr(stop, p->s[p->i]) &&
           p->s[p->i])
        p->i++;
    return (struct wd_str){p->s + b, p->i - b};
}

static bool eat(struct pp *p, char c)
{
    skip_ws(p);
    if (p->i < p->len && p->s[p->i] == c) {
        p->i++;
        return true;
    }
    return false;
}

static bool is_word(struct wd_str w, const char *lit)
{
    return wd_str_eq(w, lit);
}

static bool parse_count(struct wd_str w, uint32_t *n)
{
    if (w.len == 0 || w.len > 9)
        return false;
    uint32_t v = 0;
    for (size_t i = 0; i < w.len; i++) {
        if (w.p[i] < '0' || w.p[i] > '9')
            return false;
        v = v * 10 + (uint32_t)(w.p[i] - '0');
    }
    *n = v;
    return v > 0;
}

/* Canonical field name for a word (alias resolved), NUL-terminated in the arena. */
static const char *field_name(struct pp *p, struct wd_str w)
{
    const char *al = wd_qfield_alias(w.p, w.len);
    if (al)
        return al;
    char *c = wd_arena_strndup(&p->q->arena, w.p, w.len);
    if (!c)
        poom(p);
    return c;
}

static const char *need_field(struct pp *p, const char *stop)
{
    size_t at = (skip_ws(p), p->i);
    struct wd_str w = word(p, stop);
    if (w.len == 0) {
        pfail(p, at, "expected a field name");
        return NULL;
    }
    return field_name(p, w);
}

/* Growable arena array: the capacity is implied by the count n (4, 8, 16, ...). */
static void *grow(struct pp *p, void *old, uint32_t n, size_t elem)
{
    bool need = n == 0 || (n >= 4 && (n & (n - 1)) == 0);
    if (!need)
        return old;
    uint32_t cap = n == 0 ? 4 : n * 2;
    void *g = wd_arena_alloc(&p->q->arena, elem * cap);
    if (!g) {
        poom(p);
        return NULL;
    }
    if (n)
        memcpy(g, old, elem * n);
    return g;
}

static bool parse_agg(struct pp *p, struct wd_pipe *pi)
{
    size_t at = (skip_ws(p), p->i);
    struct wd_str name = word(p, "(,");
    struct wd_aggspec a = {0};
    if (is_word(name, "count")) {
        a.fn = WD_AGG_COUNT;
    } else if (is_word(name, "dc")) {
        a.fn = WD_AGG_DC;
    } else if (is_word(name, "sum")) {
        a.fn = WD_AGG_SUM;
    } else if (is_word(name, "avg")) {
        a.fn = WD_AGG_AVG;
    } else if (is_word(name, "min")) {
        a.fn = WD_AGG_MIN;
    } else if (is_word(name, "max")) {
        a.fn = WD_AGG_MAX;
    } else if (name.len >= 2 && name.len < 16 && name.p[0] == 'p') {
        char buf[16];
        memcpy(buf, name.p + 1, name.len - 1);
        buf[name.len - 1] = '\0';
        char *end;
        bool digits = true;
        for (size_t k = 1; k < name.len; k++)
            digits &= (name.p[k] >= '0' && name.p[k] <= '9') || name.p[k] == '.';
        a.pct = digits ? strtod(buf, &end) : -1;
        if (!digits || *end || a.pct < 0 || a.pct > 100)
            return pfail(p, at, "unknown aggregation function");
        a.fn = WD_AGG_PCT;
    } else {
        return pfail(p, at, "unknown aggregation function");
    }
    if (!eat(p, '('))
        return pfail(p, p->i, "expected '(' after the aggregation function");
    skip_ws(p);
    size_t fat = p->i;
    struct wd_str f = word(p, "()");
    if (a.fn == WD_AGG_COUNT && f.len)
        return pfail(p, fat, "count() takes no field");
    if (a.fn != WD_AGG_COUNT && !f.len)
        return pfail(p, fat, "expected a field name");
    if (!eat(p, ')'))
        return pfail(p, p->i, "expected ')'");
    if (f.len) {
        a.field = field_name(p, f);
        if (!a.field)
            return false;
    }
    char *nm = wd_arena_alloc(&p->q->arena, name.len + f.len + 3);
    if (!nm)
        return poom(p);
    memcpy(nm, name.p, name.len);
    nm[name.len] = '(';
    memcpy(nm + name.len + 1, f.p, f.len);
    nm[name.len + 1 + f.len] = ')';
    nm[name.len + 2 + f.len] = '\0';
    a.name = nm;
    pi->aggs = grow(p, pi->aggs, pi->naggs, sizeof(*pi->aggs));
    if (!pi->aggs)
        return false;
    pi->aggs[pi->naggs++] = a;
    eat(p, ',');
    return true;
}

static bool parse_aggs(struct pp *p, struct wd_pipe *pi)
{
    for (;;) {
        if (at_end(p))
            return true;
        size_t save = p->i;
        struct wd_str w = word(p, "(,");
        p->i = save;
        if (is_word(w, "by"))
            return true;
        if (!parse_agg(p, pi))
            return false;
    }
}

static bool parse_by(struct pp *p, struct wd_pipe *pi)
{
    if (at_end(p))
        return true;
    size_t save = p->i;
    struct wd_str w = word(p, ",");
    if (!is_word(w, "by")) {
        p->i = save;
        return true;
    }
    do {
        const char *f = need_field(p, ",");
        if (!f)
            return false;
        pi->by = grow(p, pi->by, pi->nby, sizeof(*pi->by));
        if (!pi->by)
            return false;
        pi->by[pi->nby++] = f;
    } while (eat(p, ','));
    return true;
}

static bool default_count(struct pp *p, struct wd_pipe *pi)
{
    pi->aggs = wd_arena_alloc(&p->q->arena, sizeof(*pi->aggs));
    if (!pi->aggs)
        return poom(p);
    memset(pi->aggs, 0, sizeof(*pi->aggs));
    pi->aggs[0].fn = WD_AGG_COUNT;
    pi->aggs[0].name = "count()";
    pi->naggs = 1;
    return true;
}

static bool parse_span(struct pp *p, struct wd_pipe *pi)
{
    size_t at = (skip_ws(p), p->i);
    struct wd_str w = word(p, ",(");
    if (w.len > 5 && memcmp(w.p, "span=", 5) == 0) {
        w.p += 5;
        w.len -= 5;
    }
    static const char bad[] = "bad timechart span (use e.g. 30s, 5m, 1h, 1d)";
    if (w.len < 2 || w.len > 10)
        return pfail(p, at, bad);
    int64_t unit;
    switch (w.p[w.len - 1]) {
    case 's':
        unit = WD_US_PER_SEC;
        break;
    case 'm':
        unit = 60 * WD_US_PER_SEC;
        break;
    case 'h':
        unit = 3600 * WD_US_PER_SEC;
        break;
    case 'd':
        unit = WD_US_PER_DAY;
        break;
    default:
        return pfail(p, at, bad);
    }
    uint32_t n;
    if (!parse_count((struct wd_str){w.p, w.len - 1}, &n))
        return pfail(p, at, bad);
    pi->span_us = (int64_t)n * unit;
    return true;
}

static bool parse_sort(struct pp *p, struct wd_pipe *pi)
{
    do {
        skip_ws(p);
        size_t at = p->i;
        bool desc = false;
        if (p->i < p->len && (p->s[p->i] == '-' || p->s[p->i] == '+')) {
            desc = p->s[p->i] == '-';
            p->i++;
        }
        struct wd_str w = word(p, ",");
        if (!w.len)
            return pfail(p, at, "expected a field name after 'sort'");
        size_t save = p->i;
        struct wd_str dir = word(p, ",");
        if (is_word(dir, "desc"))
            desc = true;
        else if (!is_word(dir, "asc"))
            p->i = save;
        struct wd_sortkey k = {field_name(p, w), desc};
        if (!k.name)
            return false;
        pi->keys = grow(p, pi->keys, pi->nkeys, sizeof(*pi->keys));
        if (!pi->keys)
            return false;
        pi->keys[pi->nkeys++] = k;
    } while (eat(p, ','));
    return true;
}

static bool parse_fields(struct pp *p, struct wd_pipe *pi)
{
    do {
        const char *f = need_field(p, ",");
        if (!f)
            return false;
        pi->fields = grow(p, pi->fields, pi->nfields, sizeof(*pi->fields));
        if (!pi->fields)
            return false;
        pi->fields[pi->nfields++] = f;
    } while (eat(p, ','));
    return true;
}

static bool parse_one(struct pp *p, struct wd_pipe *pi)
{
    skip_ws(p);
    size_t at = p->i;
    struct wd_str cmd = word(p, ",(");
    uint32_t n;
    if (cmd.len == 0)
        return pfail(p, at, "expected a pipe command");
    if (is_word(cmd, "stats")) {
        pi->kind = WD_PIPE_STATS;
        if (!parse_aggs(p, pi))
            return false;
        if (pi->naggs == 0)
            return pfail(p, p->i, "expected an aggregation, e.g. count()");
        return parse_by(p, pi);
    }
    if (is_word(cmd, "timechart")) {
        pi->kind = WD_PIPE_TIMECHART;
        if (!parse_span(p, pi) || !parse_aggs(p, pi))
            return false;
        if (pi->naggs == 0 && !default_count(p, pi))
            return false;
        size_t at_by = p->i;
        if (!parse_by(p, pi))
            return false;
        if (pi->nby > 1)
            return pfail(p, at_by, "timechart takes one 'by' field");
        return true;
    }
    if (is_word(cmd, "top")) {
        pi->kind = WD_PIPE_TOP;
        pi->n = 10;
        size_t save = (skip_ws(p), p->i);
        struct wd_str w = word(p, ",");
        if (w.len && w.p[0] >= '0' && w.p[0] <= '9') {
            if (!parse_count(w, &pi->n))
                return pfail(p, save, "expected a number after 'top'");
        } else {
            p->i = save;
        }
        pi->field = need_field(p, ",");
        return pi->field != NULL;
    }
    if (is_word(cmd, "head")) {
        pi->kind = WD_PIPE_HEAD;
        pi->n = 10;
        if (at_end(p))
            return true;
        size_t save = p->i;
        struct wd_str w = word(p, ",");
        if (!parse_count(w, &n))
            return pfail(p, save, "expected a number after 'head'");
        pi->n = n;
        return true;
    }
    if (is_word(cmd, "sort")) {
        pi->kind = WD_PIPE_SORT;
        return parse_sort(p, pi);
    }
    if (is_word(cmd, "fields")) {
        pi->kind = WD_PIPE_FIELDS;
        return parse_fields(p, pi);
    }
    return pfail(p, at, "unknown pipe command");
}

int wd_qparse_pipes(const char *text, size_t start, size_t len, struct wd_query *q,
                    struct wd_perr *err)
{
    struct pp p = {text, len, start, q, err, WD_OK};
    while (p.i < len) {
        /* p.i is at a '|'. */
        p.i++;
        q->pipes = grow(&p, q->pipes, q->npipes, sizeof(*q->pipes));
        if (!q->pipes)
            return p.rc;
        struct wd_pipe *pi = &q->pipes[q->npipes++];
        memset(pi, 0, sizeof(*pi));
        if (!parse_one(&p, pi))
            return p.rc;
        skip_ws(&p);
        if (p.i < len && text[p.i] != '|') {
            pfail(&p, p.i, "unexpected text after the pipe command");
            return p.rc;
        }
    }
    return WD_OK;
}
