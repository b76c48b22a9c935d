/*
 * query_int.h: private to the query subsystem (query_*.c): the compiled form of a leaf
 * operand and the helpers the parser, the leaf matcher and the dumper share.
 */
#ifndef WD_QUERY_INT_H
#define WD_QUERY_INT_H

#include "query.h"

struct wd_lre;

/* One end of a range. */
struct wd_qbound {
    struct wd_str s; /* unescaped text; empty when open */
    bool open;       /* `*` */
    bool incl;       /* `[`/`]`, >=, <= */
    bool is_num;     /* s is a JSON-style numeric literal */
    double num;
    bool has_ip;
    uint8_t ip[16];
    bool has_date;
    int64_t d_lo, d_hi; /* instant interval the text stands for (date-only: whole day) */
};

struct wd_qleaf_priv {
    /* TERM / PHRASE */
    uint32_t ntoks;
    struct wd_str *toks; /* analysed operand (d.2) */
    bool has_ip;         /* operand parses as an address or a CIDR network */
    bool is_cidr;
    uint8_t ip[16]; /* v4 as ::ffff:a.b.c.d */
    unsigned plen;  /* prefix length over the 16 bytes (128 for an address) */
    char canon[48]; /* canonical text of a plain address */
    size_t canon_len;
    bool has_date;
    int64_t d_lo, d_hi;
    /* WILDCARD (escapes kept, as Lucene's WildcardQuery reads them) */
    struct wd_str pat, pat_lc;
    /* REGEX: as written, and lower-cased for text fields */
    struct wd_str re_src;
    struct wd_lre *re, *re_lc;
    /* RANGE */
    struct wd_qbound lo, hi;
};

/* Compiles the operand of a leaf whose op, field, ftype, text and (WILDCARD) priv->pat,
 * (REGEX) priv->re_src, (RANGE) priv->lo/hi text fields are set. Returns WD_OK,
 * WD_ENOMEM, or WD_EPARSE with *msg naming the problem (fielded ip/date operands that do
 * not parse, bad regexes). */
int wd_qleaf_prepare(struct wd_qleaf *l, struct wd_arena *a, const char **msg);

/* Parses an IPv4 or IPv6 address, optionally with "/prefix" when plen is not NULL (then
 * *plen is 128 for a plain address, 96 + n for IPv4 /n). IPv4 is stored v4-mapped. */
bool wd_qip_parse(const char *p, size_t len, uint8_t out[16], unsigned *plen);
/* Canonical text: dotted quad for v4-mapped addresses, inet_ntop form otherwise. */
size_t wd_qip_format(const uint8_t ip[16], char out[48]);
/* Whether p[0..len) is a dotted quad inet_pton(AF_INET) accepts (four decimal octets up
 * to 255, no leading zeros): its canonical text (wd_qip_format) is then itself. */
bool wd_qip_is_canon_v4(const char *p, size_t len);

/* Whole-value wildcard match: `*` any run, `?` one code point, `\` escapes. */
bool wd_qwild_match(const char *pat, size_t plen, const char *s, size_t slen);

/* Parses a query (the search part, up to an unquoted '|' at a token start). Defined in
 * query_parse.c; *end is where the search part stopped (len or a '|'). */
int wd_qparse_search(const char *text, size_t len, struct wd_arena *a, struct wd_qnode **out,
                     size_t *end, struct wd_perr *err);
/* Parses the pipes in text[start..len) (text[start] is '|'). query_pipe.c. */
int wd_qparse_pipes(const char *text, size_t start, size_t len, struct wd_query *q,
                    struct wd_perr *err);

/* Whether p[0..len) is a JSON-style number literal (-?digits[.digits][e[+-]digits]); its
 * value (as strtod gives it) in *out. */
bool wd_qnum_literal(const char *p, size_t len, double *out);

#endif
