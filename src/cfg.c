/*
 * cfg.c: configuration loading. Walks the YAML event stream of libyaml, flattens nested
 * mappings into dotted keys, and sets each through the key table (cfg_table.c). Every
 * error is reported as "file:line:col: message" and all of them are collected before
 * the caller gives up, so an operator fixes a file in one pass.
 */
#include <ctype.h>
#include <errno.h>
#include <yaml.h>

#include "cfg.h"
#include "ward.h"

#define FIELD(c, k, T) ((T *)((char *)(c) + (k)->offset))

const struct wd_cfg_key *wd_cfg_find(const char *name)
{
    for (size_t i = 0; i < wd_cfg_nkeys; i++)
        if (strcmp(wd_cfg_keys[i].name, name) == 0)
            return &wd_cfg_keys[i];
    return NULL;
}

int wd_cfg_parse_size(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    if (!isdigit((unsigned char)*s))
        return WD_EINVAL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return WD_EINVAL;
    while (*end == ' ')
        end++;
    static const struct {
        const char *suffix;
        unsigned long long mul;
    } units[] = {
        {"", 1},          {"B", 1},          {"k", 1000},        {"K", 1000},
        {"KB", 1000},     {"KiB", 1 << 10},  {"M", 1000000},     {"MB", 1000000},
        {"MiB", 1 << 20}, {"G", 1000000000}, {"GB", 1000000000}, {"GiB", 1 << 30},
    };
    for (size_t i = 0; i < WD_ARRAY_LEN(units); i++) {
        if (strcmp(end, units[i].suffix) == 0) {
            if (v > (unsigned long long)INT64_MAX / units[i].mul)
                return WD_EINVAL;
            *out = (int64_t)(v * units[i].mul);
            return WD_OK;
        }
    }
    return WD_EINVAL;
}

int wd_cfg_parse_addr(const char *s, char *host, size_t host_len, int *port)
{
    const char *colon;
    const char *h = s;
    size_t hlen;
    if (*s == '[') {
        const char *rb = strchr(s, ']');
        if (!rb || rb[1] != ':')
            return WD_EINVAL;
        h = s + 1;
        hlen = (size_t)(rb - h);
        colon = rb + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            return WD_EINVAL;
        hlen = (size_t)(colon - s);
    }
    if (hlen == 0 || hlen >= host_len)
        return WD_EINVAL;
    char *end;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || p < 0 || p > 65535)
        return WD_EINVAL;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = (int)p;
    return WD_OK;
}

static int parse_bool(const char *v, bool *out)
{
    static const char *const t[] = {"true", "yes", "on", "1"};
    static const char *const f[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < WD_ARRAY_LEN(t); i++) {
        if (strcasecmp(v, t[i]) == 0) {
            *out = true;
            return WD_OK;
        }
        if (strcasecmp(v, f[i]) == 0) {
            *out = false;
            return WD_OK;
        }
    }
    return WD_EINVAL;
}

static int set_key(struct wd_config *c, const struct wd_cfg_key *k, const char *v, char *why,
                   size_t why_len)
{
    int64_t n;
    char *end;
    switch (k->type) {
    case WD_CFG_BOOL:
        if (parse_bool(v, FIELD(c, k, bool))) {
            snprintf(why, why_len, "'%s' is not a boolean (use true or false)", v);
            return WD_EINVAL;
        }
        return WD_OK;
    case WD_CFG_INT:
    case WD_CFG_SIZE:
        errno = 0;
        if (k->type == WD_CFG_INT) {
            n = strtoll(v, &end, 10);
            if (errno || end == v || *end) {
                snprintf(why, why_len, "'%s' is not an integer", v);
                return WD_EINVAL;
            }
        } else if (wd_cfg_parse_size(v, &n)) {
            snprintf(why, why_len, "'%s' is not a size (e.g. 4096, 64KiB, 10MiB, 1GiB)", v);
            return WD_EINVAL;
        }
        if (n < k->min || n > k->max) {
            snprintf(why, why_len, "%s out of range [%lld, %lld]", v, (long long)k->min,
                     (long long)k->max);
            return WD_EINVAL;
        }
        *FIELD(c, k, int64_t) = n;
        return WD_OK;
    case WD_CFG_ENUM:
        for (int i = 0; k->choices[i]; i++) {
            if (strcmp(v, k->choices[i]) == 0) {
                *FIELD(c, k, int) = i;
                return WD_OK;
            }
        }
        snprintf(why, why_len, "'%s' is not one of", v);
        for (int i = 0; k->choices[i]; i++) {
            size_t l = strlen(why);
            snprintf(why + l, why_len - l, "%s %s", i ? "," : "", k->choices[i]);
        }
        return WD_EINVAL;
    case WD_CFG_ADDR: {
        char host[256];
        int port;
        if (wd_cfg_parse_addr(v, host, sizeof(host), &port)) {
            snprintf(why, why_len, "'%s' is not ADDR:PORT (e.g. 127.0.0.1:8080, [::1]:8080)", v);
            return WD_EINVAL;
        }
        __attribute__((fallthrough)); /* a valid address is stored like a string */
    }
    case WD_CFG_STRING: {
        char **s = FIELD(c, k, char *);
        free(*s);
        *s = wd_xstrdup(v);
        return WD_OK;
    }
    default:
        WD_BUG_ON(1);
    }
    return WD_EINVAL;
}

/* Levenshtein distance, to suggest the nearest valid key. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return SIZE_MAX;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t sub = prev + (a[i - 1] != b[j - 1]);
            row[j] = WD_MIN(WD_MIN(row[j] + 1, row[j - 1] + 1), sub);
            prev = cur;
        }
    }
    return row[lb];
}

static const char *nearest_key(const char *name)
{
    const char *best = NULL;
    size_t bd = SIZE_MAX;
    for (size_t i = 0; i < wd_cfg_nkeys; i++) {
        size_t d = edit_distance(name, wd_cfg_keys[i].name);
        if (d < bd) {
            bd = d;
            best = wd_cfg_keys[i].name;
        }
    }
    return bd <= 4 ? best : NULL;
}

int wd_cfg_set(struct wd_config *c, const char *key, const char *value, char *why, size_t why_len)
{
    const struct wd_cfg_key *k = wd_cfg_find(key);
    if (!k) {
        const char *near = nearest_key(key);
        if (near)
            snprintf(why, why_len, "unknown key '%s' (did you mean '%s'?)", key, near);
        else
            snprintf(why, why_len, "unknown key '%s' (see docs/config.md)", key);
        return WD_EINVAL;
    }
    return set_key(c, k, value, why, why_len);
}

void wd_cfg_defaults(struct wd_config *c)
{
    char why[256];
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < wd_cfg_nkeys; i++)
        WD_BUG_ON(set_key(c, &wd_cfg_keys[i], wd_cfg_keys[i].def, why, sizeof(why)) != WD_OK);
}

void wd_cfg_fini(struct wd_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < wd_cfg_nkeys; i++) {
        const struct wd_cfg_key *k = &wd_cfg_keys[i];
        if (k->type == WD_CFG_STRING || k->type == WD_CFG_ADDR)
            WD_FREE(*FIELD(c, k, char *));
    }
}

/* Loader state: the stack of mapping keys leading to the current node. */
struct loader {
    struct wd_config *c;
    const char *file;
    FILE *errs;
    int nerr;
    yaml_mark_t key_mark; /* where the key being loaded starts */
    char path[512];
};

static void report(struct loader *l, const yaml_mark_t *m, const char *msg)
{
    fprintf(l->errs, "%s:%zu:%zu: %s\n", l->file, m->line + 1, m->column + 1, msg);
    l->nerr++;
}

static int next_event(yaml_parser_t *p, yaml_event_t *ev, struct loader *l)
{
    if (yaml_parser_parse(p, ev))
        return WD_OK;
    char msg[256];
    snprintf(msg, sizeof(msg), "YAML syntax error: %s%s%s", p->problem ? p->problem : "?",
             p->context ? " " : "", p->context ? p->context : "");
    report(l, &p->problem_mark, msg);
    return WD_EPARSE;
}

/* Skips the node whose start event `ev` was just read (used after an error). */
static int skip_node(yaml_parser_t *p, yaml_event_t *ev, struct loader *l)
{
    int depth = 0;
    do {
        if (ev->type == YAML_MAPPING_START_EVENT || ev->type == YAML_SEQUENCE_START_EVENT)
            depth++;
        else if (ev->type == YAML_MAPPING_END_EVENT || ev->type == YAML_SEQUENCE_END_EVENT)
            depth--;
        if (depth == 0)
            break;
        yaml_event_delete(ev);
        if (next_event(p, ev, l))
            return WD_EPARSE;
    } while (1);
    return WD_OK;
}

static int load_mapping(yaml_parser_t *p, struct loader *l);

/* Handles one value event for the key in l->path. */
static int load_value(yaml_parser_t *p, yaml_event_t *ev, struct loader *l)
{
    char why[512], msg[2048];
    if (ev->type == YAML_SCALAR_EVENT) {
        const char *v = (const char *)ev->data.scalar.value;
        if (wd_cfg_set(l->c, l->path, v, why, sizeof(why))) {
            bool known = wd_cfg_find(l->path) != NULL;
            snprintf(msg, sizeof(msg), "%s%s%s", why, known ? " for key " : "",
                     known ? l->path : "");
            report(l, known ? &ev->start_mark : &l->key_mark, msg);
        }
        return WD_OK;
    }
    if (ev->type == YAML_MAPPING_START_EVENT)
        return load_mapping(p, l);
    snprintf(msg, sizeof(msg), "key '%s' expects a single value, not a list", l->path);
    report(l, &ev->start_mark, msg);
    return skip_node(p, ev, l);
}

static int load_mapping(yaml_parser_t *p, struct loader *l)
{
    size_t base = strlen(l->path);
    for (;;) {
        yaml_event_t ev;
        if (next_event(p, &ev, l))
            return WD_EPARSE;
        if (ev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&ev);
            return WD_OK;
        }
        if (ev.type != YAML_SCALAR_EVENT) {
            report(l, &ev.start_mark, "expected a key name");
            int rc = skip_node(p, &ev, l);
            yaml_event_delete(&ev);
            if (rc)
                return rc;
            continue;
        }
        l->key_mark = ev.start_mark;
        int n = snprintf(l->path + base, sizeof(l->path) - base, "%s%s", base ? "." : "",
                         (const char *)ev.data.scalar.value);
        yaml_event_delete(&ev);
        if (n < 0 || (size_t)n >= sizeof(l->path) - base) {
            report(l, &ev.start_mark, "key path too long");
            return WD_EPARSE;
        }
        if (next_event(p, &ev, l))
            return WD_EPARSE;
        int rc = load_value(p, &ev, l);
        yaml_event_delete(&ev);
        l->path[base] = '\0';
        if (rc)
            return rc;
    }
}

static int load(struct wd_config *c, const char *name, yaml_parser_t *p, FILE *errs)
{
    struct loader l = {.c = c, .file = name, .errs = errs};
    yaml_event_t ev;
    int done = 0;
    while (!done) {
        if (next_event(p, &ev, &l))
            break;
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_MAPPING_START_EVENT:
            if (load_mapping(p, &l))
                done = 1;
            break;
        case YAML_SCALAR_EVENT:
        case YAML_SEQUENCE_START_EVENT:
            report(&l, &ev.start_mark, "the configuration must be a mapping of keys to values");
            done = 1;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    return l.nerr;
}

int wd_cfg_load_string(struct wd_config *c, const char *name, const char *text, size_t len,
                       FILE *errs)
{
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    int n = load(c, name, &p, errs);
    yaml_parser_delete(&p);
    return n;
}

int wd_cfg_load_file(struct wd_config *c, const char *path, FILE *errs)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(errs, "%s: cannot open: %s\n", path, strerror(errno));
        return 1;
    }
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_file(&p, f);
    int n = load(c, path, &p, errs);
    yaml_parser_delete(&p);
    (void)fclose(f);
    return n;
}

static const char *type_name(const struct wd_cfg_key *k)
{
    static const char *const names[] = {"bool", "integer", "size", "string", "enum", "address"};
    return names[k->type];
}

static void format_value(const struct wd_config *c, const struct wd_cfg_key *k, char *out,
                         size_t len)
{
    switch (k->type) {
    case WD_CFG_BOOL:
        snprintf(out, len, "%s", *FIELD(c, k, bool) ? "true" : "false");
        break;
    case WD_CFG_INT:
    case WD_CFG_SIZE:
        snprintf(out, len, "%lld", (long long)*FIELD(c, k, int64_t));
        break;
    case WD_CFG_ENUM:
        snprintf(out, len, "%s", k->choices[*FIELD(c, k, int)]);
        break;
    default:
        snprintf(out, len, "\"%s\"", *FIELD(c, k, char *));
        break;
    }
}

void wd_cfg_write_markdown(FILE *f)
{
    fprintf(f, "# ward configuration reference\n\n"
               "Generated from the key table in `src/cfg_table.c` by `make docs` "
               "(`ward config --markdown`); do not edit by hand.\n\n"
               "`ward serve` works with no file. A file (`ward serve -c ward.yaml`) is YAML; "
               "dotted keys below are nested mappings:\n\n"
               "```yaml\nhttp:\n  listen: 127.0.0.1:8080\nwal:\n  durability: fsync\n```\n\n"
               "Unknown keys and bad values stop start-up with `file:line:col: message`. "
               "Sizes accept `4096`, `64KiB`, `10MiB`, `1GiB` (also `k`, `M`, `G` = powers "
               "of 1000). Command-line flags `--data DIR`, `--http ADDR:PORT` and "
               "`--syslog ADDR:PORT` override the file.\n\n"
               "| key | type | default | range | description |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < wd_cfg_nkeys; i++) {
        const struct wd_cfg_key *k = &wd_cfg_keys[i];
        char range[128] = "";
        if (k->type == WD_CFG_INT || k->type == WD_CFG_SIZE)
            snprintf(range, sizeof(range), "%lld .. %lld", (long long)k->min, (long long)k->max);
        else if (k->type == WD_CFG_ENUM)
            for (int j = 0; k->choices[j]; j++) {
                size_t l = strlen(range);
                snprintf(range + l, sizeof(range) - l, "%s`%s`", j ? ", " : "", k->choices[j]);
            }
        fprintf(f, "| `%s` | %s | `%s` | %s | %s |\n", k->name, type_name(k),
                k->def[0] ? k->def : "\"\"", range, k->help);
    }
}

void wd_cfg_write_yaml(const struct wd_config *c, FILE *f)
{
    for (size_t i = 0; i < wd_cfg_nkeys; i++) {
        char v[1024];
        format_value(c, &wd_cfg_keys[i], v, sizeof(v));
        fprintf(f, "%s: %s\n", wd_cfg_keys[i].name, v);
    }
}
