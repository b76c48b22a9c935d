/*
 * resp_validate.c: parsing and classification of what the response lists hold (IP/CIDR,
 * FQDN, durations, watch terms) and the CIDR merge of the feeds (resp_validate.h). Pure:
 * no I/O, no logging, no allocation. Addresses are handled as 128-bit integers
 * (IPv4 in the low 32 bits) so one code path serves both families.
 */
#include "resp_validate.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

static int perr(struct wd_perr *pe, int code, size_t off, const char *msg)
{
    if (pe) {
        pe->code = code;
        pe->off = off;
        pe->msg = msg;
    }
    return code;
}

static unsigned width(uint8_t fam)
{
    return fam == 4 ? 32 : 128;
}

static u128 to_int(const struct wd_cidr *c)
{
    u128 v = 0;
    unsigned n = c->fam == 4 ? 4 : 16;
    for (unsigned i = 0; i < n; i++)
        v = (v << 8) | c->addr[i];
    return v;
}

static void from_int(struct wd_cidr *c, u128 v)
{
    unsigned n = c->fam == 4 ? 4 : 16;
    memset(c->addr, 0, sizeof(c->addr));
    for (unsigned i = n; i-- > 0;) {
        c->addr[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

/* Mask of the host bits of a /plen in a space of w bits. */
static u128 host_mask(unsigned w, unsigned plen)
{
    unsigned k = w - plen;
    u128 all = w == 128 ? ~(u128)0 : (((u128)1 << w) - 1);
    return k >= 128 ? all : (((u128)1 << k) - 1) & all;
}

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

int wd_resp_cidr_parse(const char *s, size_t len, struct wd_cidr *out, bool *host_bits,
                       struct wd_perr *pe)
{
    size_t b = 0, e = len;
    while (b < e && blank(s[b]))
        b++;
    while (e > b && blank(s[e - 1]))
        e--;
    if (b == e)
        return perr(pe, WD_EPARSE, 0, "empty address");
    char text[64];
    if (e - b >= sizeof(text))
        return perr(pe, WD_EPARSE, b, "not an IP address or CIDR block (too long)");
    memcpy(text, s + b, e - b);
    text[e - b] = '\0';
    if (memchr(text, '\0', e - b))
        return perr(pe, WD_EPARSE, b, "not an IP address or CIDR block (NUL byte)");
    char *slash = strchr(text, '/');
    long plen = -1;
    if (slash) {
        *slash = '\0';
        const char *p = slash + 1;
        if (!*p || strlen(p) > 3)
            return perr(pe, WD_EPARSE, b + (size_t)(p - text), "bad prefix length after '/'");
        plen = 0;
        for (; *p; p++) {
            if (*p < '0' || *p > '9')
                return perr(pe, WD_EPARSE, b + (size_t)(p - text), "bad prefix length after '/'");
            plen = plen * 10 + (*p - '0');
        }
    }
    memset(out, 0, sizeof(*out));
    if (strchr(text, ':')) {
        if (inet_pton(AF_INET6, text, out->addr) != 1)
            return perr(pe, WD_EPARSE, b, "not an IPv6 address");
        out->fam = 6;
    } else {
        /* inet_pton accepts only dotted quads of decimal numbers: no "1.2.3", no octal */
        if (inet_pton(AF_INET, text, out->addr) != 1)
            return perr(pe, WD_EPARSE, b, "not an IPv4 address (expected a.b.c.d)");
        out->fam = 4;
    }
    unsigned w = width(out->fam);
    if (plen > (long)w)
        return perr(pe, WD_EPARSE, b + strlen(text) + 1,
                    out->fam == 4 ? "prefix length above 32" : "prefix length above 128");
    out->plen = (uint8_t)(plen < 0 ? (long)w : plen);
    u128 v = to_int(out), m = host_mask(w, out->plen);
    if (host_bits)
        *host_bits = (v & m) != 0;
    from_int(out, v & ~m);
    return WD_OK;
}

size_t wd_resp_cidr_format(const struct wd_cidr *c, char *out, size_t out_len)
{
    char a[INET6_ADDRSTRLEN];
    if (!inet_ntop(c->fam == 4 ? AF_INET : AF_INET6, c->addr, a, sizeof(a)))
        a[0] = '\0';
    int n = c->plen == width(c->fam) ? snprintf(out, out_len, "%s", a)
                                     : snprintf(out, out_len, "%s/%u", a, c->plen);
    return n < 0 ? 0 : (size_t)n < out_len ? (size_t)n : out_len - 1;
}

bool wd_resp_cidr_overlaps(const struct wd_cidr *a, const struct wd_cidr *b)
{
    if (a->fam != b->fam)
        return false;
    unsigned p = a->plen < b->plen ? a->plen : b->plen;
    u128 m = ~host_mask(width(a->fam), p);
    return (to_int(a) & m) == (to_int(b) & m);
}

/* The special-purpose ranges (RFC 6890 and successors), most specific first where they
 * nest, so the message names the narrowest one. */
struct special {
    const char *text;
    const char *what;
};
static const struct special specials[] = {
    {"0.0.0.0/8", "reserved network 0.0.0.0/8 (this network)"},
    {"10.0.0.0/8", "private network 10.0.0.0/8"},
    {"100.64.0.0/10", "shared address space 100.64.0.0/10 (carrier-grade NAT)"},
    {"127.0.0.0/8", "loopback network 127.0.0.0/8"},
    {"169.254.0.0/16", "link-local network 169.254.0.0/16"},
    {"172.16.0.0/12", "private network 172.16.0.0/12"},
    {"192.0.0.0/24", "reserved network 192.0.0.0/24 (IETF protocol assignments)"},
    {"192.0.2.0/24", "documentation network 192.0.2.0/24"},
    {"192.88.99.0/24", "reserved network 192.88.99.0/24 (6to4 relay anycast)"},
    {"192.168.0.0/16", "private network 192.168.0.0/16"},
    {"198.18.0.0/15", "benchmarking network 198.18.0.0/15"},
    {"198.51.100.0/24", "documentation network 198.51.100.0/24"},
    {"203.0.113.0/24", "documentation network 203.0.113.0/24"},
    {"224.0.0.0/4", "multicast network 224.0.0.0/4"},
    {"255.255.255.255/32", "broadcast address 255.255.255.255"},
    {"240.0.0.0/4", "reserved network 240.0.0.0/4"},
    {"::/128", "unspecified address ::"},
    {"::1/128", "loopback address ::1"},
    {"::ffff:0:0/96", "IPv4-mapped network ::ffff:0:0/96 (block the IPv4 address instead)"},
    {"::/8", "reserved network ::/8"},
    {"64:ff9b::/96", "NAT64 network 64:ff9b::/96"},
    {"100::/64", "discard-only network 100::/64"},
    {"2001:db8::/32", "documentation network 2001:db8::/32"},
    {"2001::/23", "reserved network 2001::/23 (IETF protocol assignments)"},
    {"fc00::/7", "private (unique local) network fc00::/7"},
    {"fe80::/10", "link-local network fe80::/10"},
    {"fec0::/10", "site-local network fec0::/10 (deprecated)"},
    {"ff00::/8", "multicast network ff00::/8"},
};

const char *wd_resp_cidr_special(const struct wd_cidr *c)
{
    for (size_t i = 0; i < WD_ARRAY_LEN(specials); i++) {
        struct wd_cidr s;
        if (wd_resp_cidr_parse(specials[i].text, strlen(specials[i].text), &s, NULL, NULL) ==
                WD_OK &&
            wd_resp_cidr_overlaps(c, &s))
            return specials[i].what;
    }
    return NULL;
}

static bool alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int wd_fqdn_parse(const char *s, size_t len, char *out, size_t out_len, struct wd_perr *pe)
{
    size_t b = 0, e = len;
    while (b < e && blank(s[b]))
        b++;
    while (e > b && blank(s[e - 1]))
        e--;
    if (e > b && s[e - 1] == '.')
        e--; /* the root label */
    if (b == e)
        return perr(pe, WD_EPARSE, 0, "empty name");
    if (e - b > WD_RESP_FQDN_MAX || out_len < e - b + 1)
        return perr(pe, WD_EPARSE, b, "name longer than 253 characters");
    size_t labels = 0, lstart = b;
    bool digits_only = true;
    for (size_t i = b; i <= e; i++) {
        if (i == e || s[i] == '.') {
            size_t n = i - lstart;
            if (n == 0)
                return perr(pe, WD_EPARSE, i, "empty label (two dots in a row?)");
            if (n > 63)
                return perr(pe, WD_EPARSE, lstart, "label longer than 63 characters");
            if (s[lstart] == '-' || s[i - 1] == '-')
                return perr(pe, WD_EPARSE, s[lstart] == '-' ? lstart : i - 1,
                            "a label may not begin or end with a hyphen");
            labels++;
            if (i < e) {
                lstart = i + 1;
                digits_only = true;
            }
            continue;
        }
        char c = s[i];
        if (!alnum(c) && c != '-')
            return perr(pe, WD_EPARSE, i,
                        "names have letters, digits, hyphens and dots only (RFC 1123)");
        if (!(c >= '0' && c <= '9'))
            digits_only = false;
    }
    if (labels < 2)
        return perr(pe, WD_EPARSE, b, "a fully qualified name has at least two labels");
    if (digits_only)
        return perr(pe, WD_EPARSE, lstart,
                    "the top-level label is all digits (an IP address belongs in the IP list)");
    for (size_t i = b; i < e; i++)
        out[i - b] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    out[e - b] = '\0';
    return WD_OK;
}

int wd_resp_duration_parse(const char *s, size_t len, int64_t *secs, struct wd_perr *pe)
{
    size_t i = 0;
    while (i < len && blank(s[i]))
        i++;
    int64_t n = 0;
    size_t d0 = i;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        if (n > 1000000)
            return perr(pe, WD_ELIMIT, d0, "duration above 30 days");
        n = n * 10 + (s[i++] - '0');
    }
    if (i == d0)
        return perr(pe, WD_EPARSE, i, "a duration is a number and a unit: 1h, 12h, 1d, 1w, 30d");
    while (i < len && blank(s[i]))
        i++;
    size_t u0 = i;
    while (i < len && s[i] >= 'a' && s[i] <= 'z')
        i++;
    size_t ul = i - u0;
    while (i < len && blank(s[i]))
        i++;
    if (i != len)
        return perr(pe, WD_EPARSE, i, "unexpected text after the duration");
    static const struct {
        const char *name;
        int64_t secs;
    } units[] = {{"h", 3600},   {"hour", 3600},   {"hours", 3600},
                 {"d", 86400},  {"day", 86400},   {"days", 86400},
                 {"w", 604800}, {"week", 604800}, {"weeks", 604800}};
    int64_t unit = 0;
    for (size_t k = 0; k < WD_ARRAY_LEN(units); k++)
        if (strlen(units[k].name) == ul && memcmp(units[k].name, s + u0, ul) == 0)
            unit = units[k].secs;
    if (!unit)
        return perr(pe, WD_EPARSE, u0,
                    "unknown duration unit: use h (hours), d (days) or w (weeks)");
    int64_t v = n * unit;
    if (v < WD_RESP_DURATION_MIN_S)
        return perr(pe, WD_ELIMIT, d0, "duration below 1 hour");
    if (v > WD_RESP_DURATION_MAX_S)
        return perr(pe, WD_ELIMIT, d0, "duration above 30 days");
    *secs = v;
    return WD_OK;
}

int wd_watch_term_check(const char *s, size_t len, struct wd_perr *pe)
{
    if (len < WD_RESP_TERM_MIN)
        return perr(pe, WD_EPARSE, 0, "a watch term has at least 3 characters");
    if (len > WD_RESP_TERM_MAX)
        return perr(pe, WD_EPARSE, WD_RESP_TERM_MAX, "a watch term has at most 256 bytes");
    bool text = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return perr(pe, WD_EPARSE, i, "control character in the watch term");
        if (c == '"' || c == '\\')
            return perr(pe, WD_EPARSE, i, "quotes and backslashes are not allowed in watch terms");
        if (c != ' ')
            text = true;
    }
    if (!text)
        return perr(pe, WD_EPARSE, 0, "the watch term is only blanks");
    return WD_OK;
}

/* ---- merging ---- */

static int cmp_cidr(const void *pa, const void *pb)
{
    const struct wd_cidr *a = pa, *b = pb;
    if (a->fam != b->fam)
        return a->fam < b->fam ? -1 : 1;
    int c = memcmp(a->addr, b->addr, a->fam == 4 ? 4 : 16);
    if (c)
        return c;
    return a->plen < b->plen ? -1 : a->plen > b->plen; /* the wider block first */
}

/* Writes the minimal CIDR cover of [lo, hi] at out; returns how many. */
static size_t cover(uint8_t fam, u128 lo, u128 hi, struct wd_cidr *out)
{
    unsigned w = width(fam);
    size_t n = 0;
    for (;;) {
        unsigned k = 0; /* the block is 2^k addresses */
        while (k < w && !((lo >> k) & 1))
            k++;
        while (k > 0 && (lo | host_mask(w, w - k)) > hi)
            k--;
        struct wd_cidr *c = &out[n++];
        c->fam = fam;
        c->plen = (uint8_t)(w - k);
        from_int(c, lo);
        u128 last = lo | host_mask(w, w - k);
        if (last >= hi)
            break;
        lo = last + 1;
    }
    return n;
}

size_t wd_resp_cidr_merge(struct wd_cidr *c, size_t n)
{
    if (n == 0)
        return 0;
    qsort(c, n, sizeof(*c), cmp_cidr);
    size_t w = 0, i = 0;
    while (i < n) {
        uint8_t fam = c[i].fam;
        unsigned bits = width(fam);
        u128 lo = to_int(&c[i]), hi = lo | host_mask(bits, c[i].plen);
        i++;
        /* extend over every block that overlaps or touches [lo, hi] */
        while (i < n && c[i].fam == fam) {
            u128 s = to_int(&c[i]);
            if (hi != host_mask(bits, 0) && s > hi + 1)
                break;
            u128 e = s | host_mask(bits, c[i].plen);
            if (e > hi)
                hi = e;
            i++;
        }
        /* the cover of one interval needs no more blocks than the inputs it consumed, so
         * it never overwrites an input not yet read */
        w += cover(fam, lo, hi, &c[w]);
    }
    return w;
}
