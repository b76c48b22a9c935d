/*
 * filter.c: loading (libyaml document API) and evaluation of Zeek log filters (see
 * filter.h). A condition tests one field; a field holding a set or vector matches when
 * any element does. Values are compared as text: strings as they are, counts and ports in
 * decimal, times and doubles as their literal, booleans as T/F (Zeek's TSV spelling).
 */
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <yaml.h>

#include "filter.h"

#include "jv.h"
#include "lists.h"
#include "mem.h"

enum cop { C_EQUALS, C_IN, C_REGEX, C_CIDR, C_LIST, C_LOCAL, C_PORT, C_EXISTS };

struct net {
    uint8_t a[16];
    int bits;
};

struct port {
    int64_t port;
    char proto[8]; /* "" = any */
};

struct cond {
    char *field;
    int op; /* enum cop */
    bool neg;
    char **vals; /* C_EQUALS (1), C_IN */
    size_t nvals;
    regex_t re;
    bool has_re;
    struct net *nets; /* C_CIDR */
    size_t nnets;
    int list;           /* C_LIST */
    bool want;          /* C_LOCAL: true = local; C_EXISTS: true = present */
    struct port *ports; /* C_PORT */
    size_t nports;
};

struct filt {
    char *name;
    char **logs;
    size_t nlogs;
    int action;
    char *divert;
    bool any; /* `any:` (one condition suffices) instead of `match:` (all) */
    struct cond *c;
    size_t nc;
    uint64_t matched, dropped, diverted; /* relaxed atomics */
};

struct wd_filter_set {
    struct filt *f;
    size_t n;
    struct net *local;
    size_t nlocal;
    struct wd_lists *lists;
};

struct pctx {
    const char *name, *dir;
    yaml_document_t *doc;
    FILE *errs;
    int nerr;
    struct wd_filter_set *fs;
};

__attribute__((format(printf, 3, 4))) static void perr(struct pctx *c, const yaml_node_t *n,
                                                       const char *fmt, ...)
{
    va_list ap;
    (void)fprintf(c->errs, "%s:%zu:%zu: ", c->name, n ? n->start_mark.line + 1 : 0,
                  n ? n->start_mark.column + 1 : 0);
    va_start(ap, fmt);
    /* va_start above initialises ap; the analyzer misreads the fortified vfprintf. */
    (void)vfprintf(c->errs, fmt, ap); /* NOLINT */
    va_end(ap);
    (void)fputc('\n', c->errs);
    c->nerr++;
}

static yaml_node_t *node(struct pctx *c, int id)
{
    return yaml_document_get_node(c->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* Scalars or a sequence of scalars -> a new array of strings. */
static char **strings(struct pctx *c, yaml_node_t *n, size_t *count, const char *what)
{
    *count = 0;
    if (scalar(n)) {
        char **v = wd_xcalloc(1, sizeof(*v));
        v[0] = wd_xstrdup(scalar(n));
        *count = 1;
        return v;
    }
    if (!n || n->type != YAML_SEQUENCE_NODE) {
        perr(c, n, "%s: expected a value or a list of values", what);
        return NULL;
    }
    size_t k = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    char **v = wd_xcalloc(k + 1, sizeof(*v));
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
         it++) {
        const char *s = scalar(node(c, *it));
        if (!s) {
            perr(c, node(c, *it), "%s: expected a plain value", what);
            continue;
        }
        v[(*count)++] = wd_xstrdup(s);
    }
    return v;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static struct net *nets(struct pctx *c, yaml_node_t *n, size_t *count)
{
    size_t k;
    char **s = strings(c, n, &k, "cidr");
    struct net *out = wd_xcalloc(k + 1, sizeof(*out));
    *count = 0;
    for (size_t i = 0; i < k; i++) {
        if (wd_cidr_parse(s[i], strlen(s[i]), out[*count].a, &out[*count].bits))
            (*count)++;
        else
            perr(c, n, "'%s' is not an IP address or CIDR block", s[i]);
    }
    free_strings(s, k);
    return out;
}

static bool bool_of(struct pctx *c, yaml_node_t *n, bool *out)
{
    const char *s = scalar(n);
    if (s && (!strcmp(s, "true") || !strcmp(s, "yes"))) {
        *out = true;
        return true;
    }
    if (s && (!strcmp(s, "false") || !strcmp(s, "no"))) {
        *out = false;
        return true;
    }
    perr(c, n, "expected true or false");
    return false;
}

static void parse_cond(struct pctx *c, yaml_node_t *n, struct cond *cd)
{
    memset(cd, 0, sizeof(*cd));
    cd->op = -1;
    cd->list = -1;
    if (!n || n->type != YAML_MAPPING_NODE) {
        perr(c, n, "a condition is a mapping such as {field: proto, equals: udp}");
        return;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = node(c, p->key), *vn = node(c, p->value);
        const char *k = scalar(kn);
        int op = -1;
        if (!k) {
            perr(c, kn, "condition keys are plain names");
            continue;
        }
        if (!strcmp(k, "field")) {
            WD_FREE(cd->field);
            if (scalar(vn))
                cd->field = wd_xstrdup(scalar(vn));
            else
                perr(c, vn, "field: expected a field name such as id.resp_h");
            continue;
        }
        if (!strcmp(k, "not")) {
            bool_of(c, vn, &cd->neg);
            continue;
        }
        if (cd->op >= 0) {
            perr(c, kn, "one test per condition ('%s' after another test)", k);
            continue;
        }
        if (!strcmp(k, "equals") || !strcmp(k, "in")) {
            op = !strcmp(k, "in") ? C_IN : C_EQUALS;
            cd->vals = strings(c, vn, &cd->nvals, k);
        } else if (!strcmp(k, "regex")) {
            op = C_REGEX;
            const char *re = scalar(vn);
            int rc = re ? regcomp(&cd->re, re, REG_EXTENDED | REG_NOSUB) : -1;
            if (rc == 0) {
                cd->has_re = true;
            } else {
                char why[128] = "expected a regular expression";
                if (re)
                    regerror(rc, &cd->re, why, sizeof(why));
                perr(c, vn, "regex: %s", why);
            }
        } else if (!strcmp(k, "cidr")) {
            op = C_CIDR;
            cd->nets = nets(c, vn, &cd->nnets);
        } else if (!strcmp(k, "in_list")) {
            op = C_LIST;
            const char *s = scalar(vn);
            cd->list = s ? wd_lists_find(c->fs->lists, s) : -1;
            if (cd->list < 0)
                perr(c, vn, "in_list: no list named '%s' (define it under lists:)", s ? s : "");
        } else if (!strcmp(k, "local") || !strcmp(k, "exists")) {
            op = !strcmp(k, "local") ? C_LOCAL : C_EXISTS;
            bool_of(c, vn, &cd->want);
        } else if (!strcmp(k, "port")) {
            op = C_PORT;
            size_t np;
            char **s = strings(c, vn, &np, "port");
            cd->ports = wd_xcalloc(np + 1, sizeof(*cd->ports));
            for (size_t i = 0; i < np; i++) {
                char *slash = strchr(s[i], '/'), *end;
                long v = strtol(s[i], &end, 10);
                bool proto_ok = !slash || !strcmp(slash + 1, "tcp") || !strcmp(slash + 1, "udp") ||
                                !strcmp(slash + 1, "icmp") || !strcmp(slash + 1, "any");
                if (end == s[i] || (*end && *end != '/') || v < 0 || v > 65535 || !proto_ok) {
                    perr(c, vn, "port: '%s' is not PORT or PORT/tcp|udp|icmp|any", s[i]);
                    continue;
                }
                cd->ports[cd->nports].port = v;
                if (slash && strcmp(slash + 1, "any") != 0)
                    snprintf(cd->ports[cd->nports].proto, sizeof(cd->ports[0].proto), "%s",
                             slash + 1);
                cd->nports++;
            }
            free_strings(s, np);
        } else {
            perr(c, kn,
                 "unknown condition key '%s' (field, equals, in, regex, cidr, in_list, local, "
                 "port, exists, not)",
                 k);
            continue;
        }
        cd->op = op;
    }
    if (!cd->field)
        perr(c, n, "condition without a field");
    if (cd->op < 0)
        perr(c, n,
             "condition without a test (equals, in, regex, cidr, in_list, local, port, "
             "exists)");
    if (cd->op == C_LOCAL && !c->fs->nlocal)
        perr(c, n, "local: needs networks: {local: [...]} in this file");
}

static void parse_filter(struct pctx *c, yaml_node_t *n, struct filt *f)
{
    memset(f, 0, sizeof(*f));
    f->action = -1;
    if (!n || n->type != YAML_MAPPING_NODE) {
        perr(c, n, "a filter is a mapping with name, log, action and match (or any)");
        return;
    }
    yaml_node_t *conds = NULL;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = node(c, p->key), *vn = node(c, p->value);
        const char *k = scalar(kn), *v = scalar(vn);
        if (k && !strcmp(k, "name") && v) {
            free(f->name);
            f->name = wd_xstrdup(v);
        } else if (k && !strcmp(k, "log")) {
            free_strings(f->logs, f->nlogs);
            f->logs = strings(c, vn, &f->nlogs, "log");
        } else if (k && !strcmp(k, "action") && v) {
            if (!strcmp(v, "drop"))
                f->action = WD_FILTER_DROP;
            else if (!strcmp(v, "divert"))
                f->action = WD_FILTER_DIVERT;
            else
                perr(c, vn, "action: '%s' is not drop or divert", v);
        } else if (k && !strcmp(k, "divert_to") && v) {
            free(f->divert);
            f->divert = wd_xstrdup(v);
        } else if (k && (!strcmp(k, "match") || !strcmp(k, "any"))) {
            f->any = k[0] == 'a';
            conds = vn;
        } else if (k && !strcmp(k, "description")) {
            continue;
        } else {
            perr(c, kn,
                 "unknown filter key '%s' (name, description, log, action, divert_to, "
                 "match, any)",
                 k ? k : "?");
        }
    }
    if (!f->name)
        perr(c, n, "filter without a name");
    if (!f->nlogs)
        perr(c, n, "filter %s without log: (e.g. log: conn)", f->name ? f->name : "");
    if (f->action < 0)
        perr(c, n, "filter %s without action: drop or divert", f->name ? f->name : "");
    if (f->action == WD_FILTER_DIVERT && !f->divert && f->nlogs) {
        char d[200];
        snprintf(d, sizeof(d), "%s-noise", f->logs[0]);
        f->divert = wd_xstrdup(d);
    }
    if (!conds || conds->type != YAML_SEQUENCE_NODE ||
        conds->data.sequence.items.top == conds->data.sequence.items.start) {
        perr(c, conds ? conds : n, "filter %s: match: (or any:) must list conditions",
             f->name ? f->name : "");
        return;
    }
    size_t k = (size_t)(conds->data.sequence.items.top - conds->data.sequence.items.start);
    f->c = wd_xcalloc(k, sizeof(*f->c));
    for (size_t i = 0; i < k; i++)
        parse_cond(c, node(c, conds->data.sequence.items.start[i]), &f->c[f->nc++]);
}

static void parse_lists(struct pctx *c, yaml_node_t *n)
{
    if (n->type != YAML_MAPPING_NODE) {
        perr(c, n, "lists: expected a mapping of list names");
        return;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = node(c, p->key), *vn = node(c, p->value);
        const char *name = scalar(kn), *file = NULL;
        int type = -1;
        struct wd_buf entries;
        wd_buf_init(&entries, 0);
        if (!name || !vn || vn->type != YAML_MAPPING_NODE) {
            perr(c, kn, "a list is NAME: {type: ip|domain|string, file: PATH | entries: [...]}");
            continue;
        }
        for (yaml_node_pair_t *q = vn->data.mapping.pairs.start; q < vn->data.mapping.pairs.top;
             q++) {
            const char *k = scalar(node(c, q->key));
            yaml_node_t *v = node(c, q->value);
            if (k && !strcmp(k, "type") && scalar(v)) {
                type = wd_list_type_parse(scalar(v));
                if (type < 0)
                    perr(c, v, "list type '%s' is not ip, domain or string", scalar(v));
            } else if (k && !strcmp(k, "file") && scalar(v)) {
                file = scalar(v);
            } else if (k && !strcmp(k, "entries")) {
                size_t ne;
                char **e = strings(c, v, &ne, "entries");
                for (size_t i = 0; i < ne; i++)
                    wd_buf_printf(&entries, "%s\n", e[i]);
                free_strings(e, ne);
            } else {
                perr(c, node(c, q->key), "unknown list key '%s' (type, file, entries)",
                     k ? k : "?");
            }
        }
        if (type < 0) {
            perr(c, kn, "list %s needs type: ip, domain or string", name);
        } else {
            char path[4200] = "", err[600];
            if (file && file[0] != '/' && c->dir)
                snprintf(path, sizeof(path), "%s/%s", c->dir, file);
            else if (file)
                snprintf(path, sizeof(path), "%s", file);
            int id;
            if (wd_lists_define(c->fs->lists, name, type, file ? path : NULL,
                                entries.p ? entries.p : "", &id, err, sizeof(err)))
                perr(c, kn, "%s", err);
        }
        wd_buf_fini(&entries);
    }
}

int wd_filter_parse(const char *name, const char *text, size_t len, const char *dir,
                    struct wd_lists *lists, struct wd_filter_set **out, FILE *errs)
{
    *out = NULL;
    yaml_parser_t parser;
    yaml_document_t doc;
    struct wd_filter_set *fs = wd_xcalloc(1, sizeof(*fs));
    fs->lists = lists;
    struct pctx c = {.name = name, .dir = dir, .doc = &doc, .errs = errs, .fs = fs};
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        fprintf(errs, "%s:%zu:%zu: %s\n", name, parser.problem_mark.line + 1,
                parser.problem_mark.column + 1, parser.problem ? parser.problem : "bad YAML");
        yaml_parser_delete(&parser);
        free(fs);
        return 1;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root) {
        perr(&c, NULL, "empty filter file");
    } else if (root->type != YAML_MAPPING_NODE) {
        perr(&c, root, "expected a mapping with networks:, lists: and filters:");
    } else {
        yaml_node_t *filters = NULL;
        /* networks and lists first: filters refer to them */
        for (int pass = 0; pass < 2; pass++)
            for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
                 p < root->data.mapping.pairs.top; p++) {
                yaml_node_t *kn = node(&c, p->key), *vn = node(&c, p->value);
                const char *k = scalar(kn);
                if (pass == 0 && k && !strcmp(k, "networks") && vn->type == YAML_MAPPING_NODE) {
                    for (yaml_node_pair_t *q = vn->data.mapping.pairs.start;
                         q < vn->data.mapping.pairs.top; q++) {
                        const char *nk = scalar(node(&c, q->key));
                        if (nk && !strcmp(nk, "local") && !fs->local)
                            fs->local = nets(&c, node(&c, q->value), &fs->nlocal);
                        else
                            perr(&c, node(&c, q->key), "networks: only 'local' is known");
                    }
                } else if (pass == 0 && k && !strcmp(k, "lists")) {
                    parse_lists(&c, vn);
                } else if (pass == 1 && k && !strcmp(k, "filters")) {
                    filters = vn;
                } else if (pass == 0 && !(k && (!strcmp(k, "filters") || !strcmp(k, "networks")))) {
                    perr(&c, kn, "unknown key '%s' (networks, lists, filters)", k ? k : "?");
                }
            }
        if (filters && filters->type == YAML_SEQUENCE_NODE) {
            size_t k =
                (size_t)(filters->data.sequence.items.top - filters->data.sequence.items.start);
            fs->f = wd_xcalloc(k + 1, sizeof(*fs->f));
            for (size_t i = 0; i < k; i++)
                parse_filter(&c, node(&c, filters->data.sequence.items.start[i]), &fs->f[fs->n++]);
        } else if (filters) {
            perr(&c, filters, "filters: expected a list of filters");
        }
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (c.nerr) {
        wd_filter_set_free(fs);
        return c.nerr;
    }
    *out = fs;
    return 0;
}

int wd_filter_load(const char *path, struct wd_lists *lists, struct wd_filter_set **out, FILE *errs)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(errs, "%s: cannot open: %s\n", path, strerror(errno));
        return 1;
    }
    struct wd_buf b;
    wd_buf_init(&b, 64u << 20);
    char tmp[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        if (wd_buf_append(&b, tmp, n)) {
            fprintf(errs, "%s: larger than 64 MiB\n", path);
            rc = 1;
            break;
        }
    (void)fclose(f);
    if (!rc) {
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        rc = wd_filter_parse(path, b.p ? b.p : "", b.len, slash ? dir : ".", lists, out, errs);
    }
    wd_buf_fini(&b);
    return rc;
}

void wd_filter_set_free(struct wd_filter_set *fs)
{
    if (!fs)
        return;
    for (size_t i = 0; i < fs->n; i++) {
        struct filt *f = &fs->f[i];
        for (size_t k = 0; k < f->nc; k++) {
            struct cond *cd = &f->c[k];
            free(cd->field);
            free_strings(cd->vals, cd->nvals);
            if (cd->has_re)
                regfree(&cd->re);
            free(cd->nets);
            free(cd->ports);
        }
        free(f->c);
        free(f->name);
        free(f->divert);
        free_strings(f->logs, f->nlogs);
    }
    free(fs->f);
    free(fs->local);
    free(fs);
}

size_t wd_filter_count(const struct wd_filter_set *fs)
{
    return fs ? fs->n : 0;
}

/* ---- evaluation ---- */

static struct wd_str text_of(const struct wd_jv *v, char tmp[64])
{
    switch (v->type) {
    case WD_JV_STR:
        return v->u.s;
    case WD_JV_INT:
        if (v->raw.len)
            return v->raw;
        return (struct wd_str){tmp, wd_fmt_i64(v->u.i, tmp)};
    case WD_JV_FLOAT:
        if (v->raw.len)
            return v->raw;
        return (struct wd_str){tmp, (size_t)snprintf(tmp, 64, "%.6f", v->u.f)};
    case WD_JV_TRUE:
        return WD_STR("T");
    case WD_JV_FALSE:
        return WD_STR("F");
    default:
        return WD_STR("");
    }
}

static bool regex_match(const regex_t *re, struct wd_str s)
{
    char tmp[1024];
    char *p = s.len < sizeof(tmp) ? tmp : malloc(s.len + 1);
    if (!p)
        return false;
    memcpy(p, s.p, s.len);
    p[s.len] = '\0';
    bool m = regexec(re, p, 0, NULL, 0) == 0;
    if (p != tmp)
        free(p);
    return m;
}

static bool in_nets(const struct net *n, size_t k, struct wd_str s)
{
    uint8_t a[16];
    int bits;
    if (!wd_cidr_parse(s.p, s.len, a, &bits) || bits != 128)
        return false;
    for (size_t i = 0; i < k; i++)
        if (wd_cidr_contains(n[i].a, n[i].bits, a))
            return true;
    return false;
}

static bool scalar_match(struct wd_filter_set *fs, const struct cond *cd, const struct wd_jv *v,
                         const struct wd_jv *rec)
{
    char tmp[64];
    struct wd_str s = text_of(v, tmp);
    switch (cd->op) {
    case C_EQUALS:
    case C_IN:
        for (size_t i = 0; i < cd->nvals; i++)
            if (strlen(cd->vals[i]) == s.len && !memcmp(cd->vals[i], s.p, s.len))
                return true;
        return false;
    case C_REGEX:
        return regex_match(&cd->re, s);
    case C_CIDR:
        return in_nets(cd->nets, cd->nnets, s);
    case C_LIST:
        return wd_lists_match(fs->lists, cd->list, s);
    case C_LOCAL:
        return in_nets(fs->local, fs->nlocal, s) == cd->want;
    case C_PORT: {
        if (v->type != WD_JV_INT)
            return false;
        const struct wd_jv *proto = wd_jv_get(rec, "proto");
        for (size_t i = 0; i < cd->nports; i++) {
            if (cd->ports[i].port != v->u.i)
                continue;
            if (!cd->ports[i].proto[0] || !proto || proto->type != WD_JV_STR ||
                wd_str_eq(proto->u.s, cd->ports[i].proto))
                return true;
        }
        return false;
    }
    default:
        return false;
    }
}

static bool cond_holds(struct wd_filter_set *fs, const struct cond *cd, const struct wd_jv *rec)
{
    const struct wd_jv *v = wd_jv_get(rec, cd->field);
    bool m;
    if (cd->op == C_EXISTS) {
        m = (v != NULL) == cd->want;
    } else if (!v || v->type == WD_JV_NULL) {
        m = false;
    } else if (v->type == WD_JV_ARR) {
        m = false;
        for (const struct wd_jv *e = v->u.kids.head; e && !m; e = e->next)
            m = e->type != WD_JV_NULL && scalar_match(fs, cd, e, rec);
    } else {
        m = scalar_match(fs, cd, v, rec);
    }
    return m != cd->neg;
}

static bool applies(const struct filt *f, struct wd_str log)
{
    for (size_t i = 0; i < f->nlogs; i++)
        if (wd_str_eq(log, f->logs[i]) || !strcmp(f->logs[i], "*"))
            return true;
    return false;
}

int wd_filter_eval(struct wd_filter_set *fs, struct wd_str log, const struct wd_jv *rec,
                   const char **divert_to)
{
    *divert_to = NULL;
    if (!fs)
        return WD_FILTER_KEEP;
    for (size_t i = 0; i < fs->n; i++) {
        struct filt *f = &fs->f[i];
        if (!applies(f, log))
            continue;
        bool hit = !f->any;
        for (size_t k = 0; k < f->nc; k++) {
            bool h = cond_holds(fs, &f->c[k], rec);
            if (f->any && h) {
                hit = true;
                break;
            }
            if (!f->any && !h) {
                hit = false;
                break;
            }
        }
        if (!hit)
            continue;
        __atomic_add_fetch(&f->matched, 1, __ATOMIC_RELAXED);
        if (f->action == WD_FILTER_DIVERT) {
            __atomic_add_fetch(&f->diverted, 1, __ATOMIC_RELAXED);
            *divert_to = f->divert;
        } else {
            __atomic_add_fetch(&f->dropped, 1, __ATOMIC_RELAXED);
        }
        return f->action;
    }
    return WD_FILTER_KEEP;
}

void wd_filter_render_prom(const struct wd_filter_set *fs, struct wd_buf *o)
{
    static const char *const fam[3] = {"matched", "dropped", "diverted"};
    static const char *const help[3] = {
        "Zeek records a filter's conditions matched (the first matching filter decides).",
        "Zeek records dropped by a filter before storage.",
        "Zeek records a filter diverted to a noise stream."};
    for (int k = 0; k < 3; k++) {
        wd_buf_printf(o, "# HELP ward_filter_%s_total %s\n# TYPE ward_filter_%s_total counter\n",
                      fam[k], help[k], fam[k]);
        for (size_t i = 0; fs && i < fs->n; i++) {
            const struct filt *f = &fs->f[i];
            const uint64_t *c = k == 0 ? &f->matched : k == 1 ? &f->dropped : &f->diverted;
            wd_buf_printf(o, "ward_filter_%s_total{filter=\"%s\",log=\"%s\"} %llu\n", fam[k],
                          f->name, f->logs[0],
                          (unsigned long long)__atomic_load_n(c, __ATOMIC_RELAXED));
        }
    }
}
