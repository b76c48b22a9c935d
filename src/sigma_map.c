/*
 * sigma_map.c: from Sigma's names to ward's events (docs/sigma.md "Mappings").
 * Fields: by default a Sigma field F is `details.F` (Windows events, auditd, CloudTrail,
 * web and proxy logs keep their own names under details; lookups are case-insensitive),
 * with per-product renames (Zeek's id.orig_h is details.sourceipaddress, ...). A field
 * written `@path` is the ward path itself. Logsources: a small Sigma detection (YAML
 * text) every event of that source satisfies, e.g. windows/process_creation is Sysmon
 * event 1 or Security event 4688; a source without an entry has no condition.
 * wd_sigma_map_load() adds entries from a YAML file, which take precedence.
 */
#include "sigma.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "ytree.h"

struct fmap {
    const char *product, *category, *service; /* NULL = any */
    const char *field, *path;
};

static const struct fmap builtin_fields[] = {
    {"zeek", NULL, NULL, "id.orig_h", "details.sourceipaddress"},
    {"zeek", NULL, NULL, "id.orig_p", "details.sourceport"},
    {"zeek", NULL, NULL, "id.resp_h", "details.destinationipaddress"},
    {"zeek", NULL, NULL, "id.resp_p", "details.destinationport"},
    {NULL, "firewall", NULL, "src_ip", "details.sourceipaddress"},
    {NULL, "firewall", NULL, "dst_ip", "details.destinationipaddress"},
    {NULL, "firewall", NULL, "dst_port", "details.destinationport"},
    {NULL, "firewall", NULL, "src_port", "details.sourceport"},
    /* proxy logs as MozDef's squid normalization stores them (spec c.6) */
    {NULL, "proxy", NULL, "c-ip", "details.sourceipaddress"},
    {NULL, "proxy", NULL, "cs-host", "details.host"},
    {NULL, "proxy", NULL, "r-dns", "details.host"},
    {NULL, "proxy", NULL, "c-uri", "details.destination"},
    {NULL, "proxy", NULL, "cs-method", "details.method"},
    {NULL, "proxy", NULL, "sc-status", "details.status"},
    {NULL, "proxy", NULL, "cs-bytes", "details.requestsize"},
    {NULL, "proxy", NULL, "sc-bytes", "details.responsesize"},
    {NULL, "proxy", NULL, "dst_ip", "details.destinationipaddress"},
    {NULL, "proxy", NULL, "dst_port", "details.destinationport"},
    {NULL, "proxy", NULL, "c-useragent", "details.useragent"},
};

struct lmap {
    const char *product, *category, *service;
    const char *cond; /* Sigma detection YAML */
};

#define SYSMON          "Channel: Microsoft-Windows-Sysmon/Operational\n"
#define SYSMON_EID(ids) "EventID: " ids "\n" SYSMON

static const struct lmap builtin_ls[] = {
    {"windows", "process_creation", NULL,
     "- {EventID: 1, Channel: Microsoft-Windows-Sysmon/Operational}\n"
     "- {EventID: 4688, Channel: Security}\n"},
    {"windows", "process_termination", NULL, SYSMON_EID("5")},
    {"windows", "network_connection", NULL, SYSMON_EID("3")},
    {"windows", "sysmon_status", NULL, SYSMON_EID("[4, 16]")},
    {"windows", "driver_load", NULL, SYSMON_EID("6")},
    {"windows", "image_load", NULL, SYSMON_EID("7")},
    {"windows", "create_remote_thread", NULL, SYSMON_EID("8")},
    {"windows", "raw_access_thread", NULL, SYSMON_EID("9")},
    {"windows", "process_access", NULL, SYSMON_EID("10")},
    {"windows", "file_event", NULL, SYSMON_EID("11")},
    {"windows", "file_change", NULL, SYSMON_EID("2")},
    {"windows", "registry_add", NULL, SYSMON_EID("12")},
    {"windows", "registry_delete", NULL, SYSMON_EID("12")},
    {"windows", "registry_set", NULL, SYSMON_EID("13")},
    {"windows", "registry_rename", NULL, SYSMON_EID("14")},
    {"windows", "registry_event", NULL, SYSMON_EID("[12, 13, 14]")},
    {"windows", "create_stream_hash", NULL, SYSMON_EID("15")},
    {"windows", "pipe_created", NULL, SYSMON_EID("[17, 18]")},
    {"windows", "wmi_event", NULL, SYSMON_EID("[19, 20, 21]")},
    {"windows", "dns_query", NULL, SYSMON_EID("22")},
    {"windows", "file_delete", NULL, SYSMON_EID("[23, 26]")},
    {"windows", "clipboard_capture", NULL, SYSMON_EID("24")},
    {"windows", "process_tampering", NULL, SYSMON_EID("25")},
    {"windows", "file_block_executable", NULL, SYSMON_EID("27")},
    {"windows", "file_block_shredding", NULL, SYSMON_EID("28")},
    {"windows", "file_executable_detected", NULL, SYSMON_EID("29")},
    {"windows", "sysmon_error", NULL, SYSMON_EID("255")},
    {"windows", "ps_script", NULL,
     "EventID: 4104\nChannel: Microsoft-Windows-PowerShell/Operational\n"},
    {"windows", "ps_module", NULL,
     "EventID: 4103\nChannel: Microsoft-Windows-PowerShell/Operational\n"},
    {"windows", "ps_classic_start", NULL, "EventID: 400\nChannel: Windows PowerShell\n"},
    {"windows", "ps_classic_provider_start", NULL, "EventID: 600\nChannel: Windows PowerShell\n"},
    {"windows", "ps_classic_script", NULL, "EventID: 800\nChannel: Windows PowerShell\n"},
    {"windows", NULL, "security", "Channel: Security\n"},
    {"windows", NULL, "system", "Channel: System\n"},
    {"windows", NULL, "application", "Channel: Application\n"},
    {"windows", NULL, "sysmon", SYSMON},
    {"windows", NULL, "powershell", "Channel: Microsoft-Windows-PowerShell/Operational\n"},
    {"windows", NULL, "powershell-classic", "Channel: Windows PowerShell\n"},
    {"windows", NULL, "taskscheduler", "Channel: Microsoft-Windows-TaskScheduler/Operational\n"},
    {"windows", NULL, "wmi", "Channel: Microsoft-Windows-WMI-Activity/Operational\n"},
    {"windows", NULL, "windefend", "Channel: Microsoft-Windows-Windows Defender/Operational\n"},
    {"windows", NULL, "dns-server", "Channel: DNS Server\n"},
    {"windows", NULL, "bits-client", "Channel: Microsoft-Windows-Bits-Client/Operational\n"},
    {"windows", NULL, "codeintegrity-operational",
     "Channel: Microsoft-Windows-CodeIntegrity/Operational\n"},
    {"windows", NULL, "firewall-as",
     "Channel: Microsoft-Windows-Windows Firewall With Advanced Security/Firewall\n"},
    {"windows", NULL, "ntlm", "Channel: Microsoft-Windows-NTLM/Operational\n"},
    {"windows", NULL, "applocker", "Channel|startswith: Microsoft-Windows-AppLocker/\n"},
    {"windows", NULL, "printservice-admin", "Channel: Microsoft-Windows-PrintService/Admin\n"},
    {"windows", NULL, "printservice-operational",
     "Channel: Microsoft-Windows-PrintService/Operational\n"},
    {"windows", NULL, "terminalservices-localsessionmanager",
     "Channel: Microsoft-Windows-TerminalServices-LocalSessionManager/Operational\n"},
    {"windows", NULL, "smbclient-security", "Channel: Microsoft-Windows-SmbClient/Security\n"},
    {"windows", NULL, "openssh", "Channel: OpenSSH/Operational\n"},
    {"windows", NULL, "driver-framework",
     "Channel: Microsoft-Windows-DriverFrameworks-UserMode/Operational\n"},
    {"windows", NULL, "msexchange-management", "Channel: MSExchange Management\n"},
    {"windows", NULL, "appxdeployment-server",
     "Channel: Microsoft-Windows-AppXDeploymentServer/Operational\n"},
    {"windows", NULL, "lsa-server", "Channel: Microsoft-Windows-LSA/Operational\n"},
    {"windows", NULL, "capi2", "Channel: Microsoft-Windows-CAPI2/Operational\n"},
    {"windows", NULL, "shell-core", "Channel: Microsoft-Windows-Shell-Core/Operational\n"},
    {"windows", NULL, "vhdmp", "Channel: Microsoft-Windows-VHDMP/Operational\n"},
    {"windows", NULL, "dhcp", "Channel: Microsoft-Windows-DHCP-Server/Operational\n"},
    {"windows", NULL, "ldap", "Channel: Microsoft-Windows-LDAP-Client/Debug\n"},
    {"zeek", "dns", NULL, "'@source': dns\n"},
    {"zeek", NULL, "dns", "'@source': dns\n"},
    {"zeek", NULL, "conn", "'@source': conn\n"},
    {"zeek", NULL, "http", "'@source': http\n"},
    {"zeek", NULL, "smb_files", "'@source': smb_files\n"},
    {"zeek", NULL, "dce_rpc", "'@source': dce_rpc\n"},
    {"zeek", NULL, "kerberos", "'@source': kerberos\n"},
    {"zeek", NULL, "rdp", "'@source': rdp\n"},
    {"zeek", NULL, "x509", "'@source': x509\n"},
    {"zeek", NULL, "ssl", "'@source': ssl\n"},
    {"aws", NULL, "cloudtrail", "'@source': cloudtrail\n"},
};

/* Entries loaded from files (wd_sigma_map_load), searched first. */
struct ufield {
    char *product, *category, *service, *field, *path;
};
struct uls {
    char *product, *category, *service, *cond;
};
struct uph {
    char *name;
    char **vals; /* NULL-terminated */
};
static struct ufield *ufields;
static size_t nufields;
static struct uls *ulss;
static size_t nulss;
static struct uph *uphs;
static size_t nuphs;

static bool eq(const char *want, const char *have)
{
    return !want || (have && strcasecmp(want, have) == 0);
}

const char *wd_sigma_map_field(const char *product, const char *category, const char *service,
                               const char *field, char *buf, size_t buf_len)
{
    if (field[0] == '@')
        return field + 1;
    for (size_t i = 0; i < nufields; i++) {
        const struct ufield *u = &ufields[i];
        if (eq(u->product, product) && eq(u->category, category) && eq(u->service, service) &&
            strcmp(u->field, field) == 0)
            return u->path;
    }
    for (size_t i = 0; i < WD_ARRAY_LEN(builtin_fields); i++) {
        const struct fmap *m = &builtin_fields[i];
        if (eq(m->product, product) && eq(m->category, category) && eq(m->service, service) &&
            strcmp(m->field, field) == 0)
            return m->path;
    }
    (void)snprintf(buf, buf_len, "details.%s", field);
    return buf;
}

/* A more specific entry (category or service given) wins over a product-only one. */
const char *wd_sigma_map_logsource(const char *product, const char *category, const char *service)
{
    for (size_t i = 0; i < nulss; i++) {
        const struct uls *u = &ulss[i];
        if (eq(u->product, product) && eq(u->category, category) && eq(u->service, service))
            return u->cond;
    }
    for (size_t i = 0; i < WD_ARRAY_LEN(builtin_ls); i++) {
        const struct lmap *m = &builtin_ls[i];
        if (!m->category && !m->service)
            continue;
        if (eq(m->product, product) && eq(m->category, category) && eq(m->service, service))
            return m->cond;
    }
    return "";
}

/* Products with their own condition; "" = every event. Linux events (syslog, auditd)
 * carry no product marker: linux rules take every event but Windows ones. */
static const struct {
    const char *product, *cond;
} builtin_products[] = {
    {"windows", "- {'@category': windows}\n- {Channel|exists: true}\n"},
    {"zeek", "'@category': bro\n"},
    {"linux", "'@category|neq': windows\n"},
    {"aws", ""},
};

struct uprod {
    char *product, *cond;
};
static struct uprod *uprods;
static size_t nuprods;
static char **tagconds; /* interned conditions of unmapped products */
static size_t ntagconds;

const char *wd_sigma_map_product(const char *product)
{
    if (!product)
        return "";
    for (size_t i = 0; i < nuprods; i++)
        if (strcasecmp(uprods[i].product, product) == 0)
            return uprods[i].cond;
    for (size_t i = 0; i < WD_ARRAY_LEN(builtin_products); i++)
        if (strcasecmp(builtin_products[i].product, product) == 0)
            return builtin_products[i].cond;
    /* unmapped: events tagged with the product name (YAML single-quoted) */
    char esc[256], buf[600];
    size_t n = 0;
    for (const char *c = product; *c && n + 2 < sizeof(esc); c++) {
        if (*c == '\'')
            esc[n++] = '\'';
        esc[n++] = *c;
    }
    esc[n] = '\0';
    (void)snprintf(buf, sizeof(buf), "- {'@tags': '%s'}\n- {'@category': '%s'}\n", esc, esc);
    for (size_t i = 0; i < ntagconds; i++)
        if (strcmp(tagconds[i], buf) == 0)
            return tagconds[i];
    tagconds = wd_xrealloc(tagconds, (ntagconds + 1) * sizeof(*tagconds));
    tagconds[ntagconds] = wd_xstrdup(buf);
    return tagconds[ntagconds++];
}

const char *const *wd_sigma_map_placeholder(const char *name)
{
    for (size_t i = 0; i < nuphs; i++)
        if (strcmp(uphs[i].name, name) == 0)
            return (const char *const *)uphs[i].vals;
    return NULL;
}

void wd_sigma_map_reset(void)
{
    for (size_t i = 0; i < nufields; i++) {
        free(ufields[i].product);
        free(ufields[i].category);
        free(ufields[i].service);
        free(ufields[i].field);
        free(ufields[i].path);
    }
    WD_FREE(ufields);
    nufields = 0;
    for (size_t i = 0; i < nulss; i++) {
        free(ulss[i].product);
        free(ulss[i].category);
        free(ulss[i].service);
        free(ulss[i].cond);
    }
    WD_FREE(ulss);
    nulss = 0;
    for (size_t i = 0; i < nuphs; i++) {
        for (char **v = uphs[i].vals; *v; v++)
            free(*v);
        free(uphs[i].vals);
        free(uphs[i].name);
    }
    WD_FREE(uphs);
    nuphs = 0;
    for (size_t i = 0; i < nuprods; i++) {
        free(uprods[i].product);
        free(uprods[i].cond);
    }
    WD_FREE(uprods);
    nuprods = 0;
    /* tagconds stay: rules compiled earlier may still point at them */
}

/* ---- the mapping file ---- */

static char *opt_str(const struct wd_ynode *m, const char *key)
{
    const struct wd_ynode *n = wd_ynode_get(m, key);
    return n && n->kind == WD_Y_SCALAR && !wd_ynode_is_null(n) ? wd_xstrdup(n->s.p) : NULL;
}

static int bad(char *err, size_t len, const char *path, const struct wd_ynode *n, const char *what)
{
    (void)snprintf(err, len, "%s:%u:%u: %s", path, n ? n->line : 1, n ? n->col : 1, what);
    return WD_EINVAL;
}

static int load_entries(const char *path, const struct wd_ynode *seq, bool fields, char *err,
                        size_t err_len)
{
    if (seq->kind != WD_Y_SEQ)
        return bad(err, err_len, path, seq, "expected a list of entries");
    for (uint32_t i = 0; i < seq->n; i++) {
        const struct wd_ynode *e = seq->items[i];
        const struct wd_ynode *ls = wd_ynode_get(e, "logsource");
        if (e->kind != WD_Y_MAP || (ls && ls->kind != WD_Y_MAP))
            return bad(err, err_len, path, e, "an entry is a map with an optional logsource map");
        char *p = ls ? opt_str(ls, "product") : NULL, *c = ls ? opt_str(ls, "category") : NULL,
             *s = ls ? opt_str(ls, "service") : NULL;
        if (fields) {
            const struct wd_ynode *m = wd_ynode_get(e, "fields");
            if (!m || m->kind != WD_Y_MAP) {
                free(p), free(c), free(s);
                return bad(err, err_len, path, e, "a fields entry needs a 'fields' map");
            }
            for (uint32_t k = 0; k < m->n; k++) {
                const struct wd_ynode *a = m->items[2 * (size_t)k],
                                      *b = m->items[2 * (size_t)k + 1];
                if (a->kind != WD_Y_SCALAR || b->kind != WD_Y_SCALAR) {
                    free(p), free(c), free(s);
                    return bad(err, err_len, path, a, "a field maps to one ward path");
                }
                ufields = wd_xrealloc(ufields, (nufields + 1) * sizeof(*ufields));
                ufields[nufields++] = (struct ufield){
                    p ? wd_xstrdup(p) : NULL, c ? wd_xstrdup(c) : NULL, s ? wd_xstrdup(s) : NULL,
                    wd_xstrdup(a->s.p), wd_xstrdup(b->s.p)};
            }
            free(p), free(c), free(s);
        } else {
            const struct wd_ynode *cd = wd_ynode_get(e, "condition");
            if (!cd || cd->kind != WD_Y_SCALAR) {
                free(p), free(c), free(s);
                return bad(err, err_len, path, e,
                           "a logsource entry needs 'condition' (Sigma detection YAML text)");
            }
            ulss = wd_xrealloc(ulss, (nulss + 1) * sizeof(*ulss));
            ulss[nulss++] = (struct uls){p, c, s, wd_xstrdup(cd->s.p)};
        }
    }
    return WD_OK;
}

int wd_sigma_map_load(const char *path, char *err, size_t err_len)
{
    char *text;
    size_t len;
    if (wd_read_file(path, 4u << 20, &text, &len) != WD_OK) {
        (void)snprintf(err, err_len, "%s: cannot read", path);
        return WD_EIO;
    }
    struct wd_arena a;
    wd_arena_init(&a, 64 << 10, 64u << 20);
    struct wd_ynode *root = NULL;
    struct wd_yerr ye;
    int rc = wd_ytree_parse(text, len, &a, &root, &ye);
    if (rc) {
        (void)snprintf(err, err_len, "%s:%u:%u: %s", path, ye.line, ye.col, ye.msg);
        rc = WD_EINVAL;
    } else if (root && root->kind != WD_Y_MAP) {
        rc = bad(err, err_len, path, root, "expected a map with fields, logsources, placeholders");
    } else if (root) {
        const struct wd_ynode *n;
        if ((n = wd_ynode_get(root, "fields")))
            rc = load_entries(path, n, true, err, err_len);
        if (!rc && (n = wd_ynode_get(root, "logsources")))
            rc = load_entries(path, n, false, err, err_len);
        if (!rc && (n = wd_ynode_get(root, "products"))) {
            if (n->kind != WD_Y_MAP)
                rc = bad(err, err_len, path, n, "products: a map of product to condition");
            for (uint32_t i = 0; !rc && i < n->n; i++) {
                const struct wd_ynode *k = n->items[2 * (size_t)i],
                                      *v = n->items[2 * (size_t)i + 1];
                if (k->kind != WD_Y_SCALAR || v->kind != WD_Y_SCALAR) {
                    rc = bad(err, err_len, path, k, "a product maps to a condition (YAML text)");
                    break;
                }
                uprods = wd_xrealloc(uprods, (nuprods + 1) * sizeof(*uprods));
                uprods[nuprods++] = (struct uprod){wd_xstrdup(k->s.p), wd_xstrdup(v->s.p)};
            }
        }
        if (!rc && (n = wd_ynode_get(root, "placeholders"))) {
            if (n->kind != WD_Y_MAP)
                rc = bad(err, err_len, path, n, "placeholders: a map of name to list");
            for (uint32_t i = 0; !rc && i < n->n; i++) {
                const struct wd_ynode *k = n->items[2 * (size_t)i],
                                      *v = n->items[2 * (size_t)i + 1];
                if (k->kind != WD_Y_SCALAR || v->kind != WD_Y_SEQ) {
                    rc = bad(err, err_len, path, k, "a placeholder maps to a list of values");
                    break;
                }
                char **vals = wd_xcalloc(v->n + 1, sizeof(*vals));
                for (uint32_t j = 0; j < v->n; j++)
                    vals[j] = wd_xstrdup(v->items[j]->kind == WD_Y_SCALAR ? v->items[j]->s.p : "");
                uphs = wd_xrealloc(uphs, (nuphs + 1) * sizeof(*uphs));
                uphs[nuphs++] = (struct uph){wd_xstrdup(k->s.p), vals};
            }
        }
    }
    wd_arena_fini(&a);
    free(text);
    return rc;
}
