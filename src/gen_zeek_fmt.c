/*
 * gen_zeek_fmt.c: renders the generator's Zeek records in the three forms ward ingests:
 *   - TSV as Zeek's ASCII writer writes it (header block, escaping, '-' unset,
 *     '(empty)' empty containers, 6-decimal times and intervals, ',' set separator);
 *   - JSON streaming form: one object per line starting with "_path" and "_write_ts",
 *     times as epoch floats, unset fields omitted, containers as arrays;
 *   - MozDef form: the event MozDef's broFixup plugin makes of that JSON line (category
 *     "bro", source = log name, renamed id.* fields, per-log defaults and summary).
 *
 * Column sets and types are those of Zeek 6 with its default scripts plus the SSL
 * validation policy (as in the zed-sample-data reference logs): conn 21 columns, dns 24,
 * http 30, ssl 19, ssh 18, x509 22.
 */
#include "gen_int.h"

enum zk { ZK_TIME, ZK_STR, ZK_ADDR, ZK_COUNT, ZK_INTERVAL, ZK_BOOL, ZK_VSTR, ZK_VINT };

struct zcol {
    const char *name;
    const char *jkey;  /* ,"name": */
    const char *type;  /* Zeek type name for #types */
    const char *mz;    /* MozDef details key (NULL = name) */
    const char *mzdef; /* JSON text MozDef sets when the field is unset (NULL = omit) */
    uint8_t nlen;
    uint8_t jlen;
    uint8_t kind; /* enum zk */
};

#define COL(n, t, k)                                                                               \
    {                                                                                              \
        n, ",\"" n "\":", t, NULL, NULL, sizeof(n) - 1, sizeof(n) + 3, k                           \
    }
#define COLM(n, t, k, mz, def)                                                                     \
    {                                                                                              \
        n, ",\"" n "\":", t, mz, def, sizeof(n) - 1, sizeof(n) + 3, k                              \
    }
#define ID_COLS                                                                                    \
    COL("ts", "time", ZK_TIME), COL("uid", "string", ZK_STR),                                      \
        COLM("id.orig_h", "addr", ZK_ADDR, "sourceipaddress", NULL),                               \
        COLM("id.orig_p", "port", ZK_COUNT, "sourceport", NULL),                                   \
        COLM("id.resp_h", "addr", ZK_ADDR, "destinationipaddress", NULL),                          \
        COLM("id.resp_p", "port", ZK_COUNT, "destinationport", NULL)

/* indexes shared by every log with a connection id */
enum { I_TS, I_UID, I_OH, I_OP, I_RH, I_RP };

static const struct zcol conn_cols[] = {
    ID_COLS,
    COL("proto", "enum", ZK_STR),
    COL("service", "string", ZK_STR),
    COL("duration", "interval", ZK_INTERVAL),
    COL("orig_bytes", "count", ZK_COUNT),
    COL("resp_bytes", "count", ZK_COUNT),
    COL("conn_state", "string", ZK_STR),
    COL("local_orig", "bool", ZK_BOOL),
    COL("local_resp", "bool", ZK_BOOL),
    COL("missed_bytes", "count", ZK_COUNT),
    COLM("history", "string", ZK_STR, NULL, "\"\""),
    COL("orig_pkts", "count", ZK_COUNT),
    COLM("orig_ip_bytes", "count", ZK_COUNT, "originipbytes", NULL),
    COL("resp_pkts", "count", ZK_COUNT),
    COLM("resp_ip_bytes", "count", ZK_COUNT, "responseipbytes", NULL),
    COL("tunnel_parents", "set[string]", ZK_VSTR),
};
enum {
    C_PROTO = 6,
    C_SERVICE,
    C_DUR,
    C_OB,
    C_RB,
    C_STATE,
    C_LO,
    C_LR,
    C_MISSED,
    C_HIST,
    C_OPK,
    C_OIPB,
    C_RPK,
    C_RIPB,
    C_TUNNEL,
    C_N
};

static const struct zcol dns_cols[] = {
    ID_COLS,
    COL("proto", "enum", ZK_STR),
    COL("trans_id", "count", ZK_COUNT),
    COL("rtt", "interval", ZK_INTERVAL),
    COLM("query", "string", ZK_STR, NULL, "\"\""),
    COL("qclass", "count", ZK_COUNT),
    COL("qclass_name", "string", ZK_STR),
    COL("qtype", "count", ZK_COUNT),
    COLM("qtype_name", "string", ZK_STR, NULL, "\"unknown\""),
    COL("rcode", "count", ZK_COUNT),
    COLM("rcode_name", "string", ZK_STR, NULL, "\"\""),
    COL("AA", "bool", ZK_BOOL),
    COL("TC", "bool", ZK_BOOL),
    COL("RD", "bool", ZK_BOOL),
    COL("RA", "bool", ZK_BOOL),
    COL("Z", "count", ZK_COUNT),
    COL("answers", "vector[string]", ZK_VSTR),
    COL("TTLs", "vector[interval]", ZK_VINT),
    COL("rejected", "bool", ZK_BOOL),
};
enum {
    D_PROTO = 6,
    D_TID,
    D_RTT,
    D_QUERY,
    D_QCLASS,
    D_QCLASSN,
    D_QTYPE,
    D_QTYPEN,
    D_RCODE,
    D_RCODEN,
    D_AA,
    D_TC,
    D_RD,
    D_RA,
    D_Z,
    D_ANS,
    D_TTLS,
    D_REJ,
    D_N
};

static const struct zcol http_cols[] = {
    ID_COLS,
    COL("trans_depth", "count", ZK_COUNT),
    COLM("method", "string", ZK_STR, NULL, "\"\""),
    COLM("host", "string", ZK_STR, NULL, "\"\""),
    COLM("uri", "string", ZK_STR, NULL, "\"\""),
    COL("referrer", "string", ZK_STR),
    COL("version", "string", ZK_STR),
    COL("user_agent", "string", ZK_STR),
    COL("origin", "string", ZK_STR),
    COL("request_body_len", "count", ZK_COUNT),
    COL("response_body_len", "count", ZK_COUNT),
    COLM("status_code", "count", ZK_COUNT, NULL, "\"\""),
    COL("status_msg", "string", ZK_STR),
    COL("info_code", "count", ZK_COUNT),
    COL("info_msg", "string", ZK_STR),
    COL("tags", "set[enum]", ZK_VSTR),
    COL("username", "string", ZK_STR),
    COL("password", "string", ZK_STR),
    COL("proxied", "set[string]", ZK_VSTR),
    COL("orig_fuids", "vector[string]", ZK_VSTR),
    COL("orig_filenames", "vector[string]", ZK_VSTR),
    COL("orig_mime_types", "vector[string]", ZK_VSTR),
    COL("resp_fuids", "vector[string]", ZK_VSTR),
    COL("resp_filenames", "vector[string]", ZK_VSTR),
    COL("resp_mime_types", "vector[string]", ZK_VSTR),
};
enum {
    H_DEPTH = 6,
    H_METHOD,
    H_HOST,
    H_URI,
    H_REF,
    H_VER,
    H_UA,
    H_ORIGIN,
    H_REQLEN,
    H_RESPLEN,
    H_STATUS,
    H_STATUSMSG,
    H_INFO,
    H_INFOMSG,
    H_TAGS,
    H_USER,
    H_PASS,
    H_PROXIED,
    H_OFUIDS,
    H_OFN,
    H_OMIME,
    H_RFUIDS,
    H_RFN,
    H_RMIME,
    H_N
};

static const struct zcol ssl_cols[] = {
    ID_COLS,
    COL("version", "string", ZK_STR),
    COL("cipher", "string", ZK_STR),
    COL("curve", "string", ZK_STR),
    COL("server_name", "string", ZK_STR),
    COL("resumed", "bool", ZK_BOOL),
    COL("last_alert", "string", ZK_STR),
    COL("next_protocol", "string", ZK_STR),
    COL("established", "bool", ZK_BOOL),
    COL("ssl_history", "string", ZK_STR),
    COL("cert_chain_fps", "vector[string]", ZK_VSTR),
    COL("client_cert_chain_fps", "vector[string]", ZK_VSTR),
    COL("sni_matches_cert", "bool", ZK_BOOL),
    COL("validation_status", "string", ZK_STR),
};
enum {
    S_VER = 6,
    S_CIPHER,
    S_CURVE,
    S_SNI,
    S_RESUMED,
    S_ALERT,
    S_NEXT,
    S_EST,
    S_HIST,
    S_FPS,
    S_CFPS,
    S_SNIM,
    S_VALID,
    S_N
};

static const struct zcol ssh_cols[] = {
    ID_COLS,
    COL("version", "count", ZK_COUNT),
    COL("auth_success", "bool", ZK_BOOL),
    COL("auth_attempts", "count", ZK_COUNT),
    COL("direction", "enum", ZK_STR),
    COL("client", "string", ZK_STR),
    COL("server", "string", ZK_STR),
    COL("cipher_alg", "string", ZK_STR),
    COL("mac_alg", "string", ZK_STR),
    COL("compression_alg", "string", ZK_STR),
    COL("kex_alg", "string", ZK_STR),
    COL("host_key_alg", "string", ZK_STR),
    COL("host_key", "string", ZK_STR),
};
enum {
    SH_VER = 6,
    SH_AUTH,
    SH_ATTEMPTS,
    SH_DIR,
    SH_CLIENT,
    SH_SERVER,
    SH_CIPHER,
    SH_MAC,
    SH_COMP,
    SH_KEX,
    SH_HKALG,
    SH_HK,
    SH_N
};

static const struct zcol x509_cols[] = {
    COL("ts", "time", ZK_TIME),
    COL("fingerprint", "string", ZK_STR),
    COL("certificate.version", "count", ZK_COUNT),
    COL("certificate.serial", "string", ZK_STR),
    COL("certificate.subject", "string", ZK_STR),
    COL("certificate.issuer", "string", ZK_STR),
    COL("certificate.not_valid_before", "time", ZK_TIME),
    COL("certificate.not_valid_after", "time", ZK_TIME),
    COL("certificate.key_alg", "string", ZK_STR),
    COL("certificate.sig_alg", "string", ZK_STR),
    COL("certificate.key_type", "string", ZK_STR),
    COL("certificate.key_length", "count", ZK_COUNT),
    COL("certificate.exponent", "string", ZK_STR),
    COL("certificate.curve", "string", ZK_STR),
    COL("san.dns", "vector[string]", ZK_VSTR),
    COL("san.uri", "vector[string]", ZK_VSTR),
    COL("san.email", "vector[string]", ZK_VSTR),
    COL("san.ip", "vector[addr]", ZK_VSTR),
    COL("basic_constraints.ca", "bool", ZK_BOOL),
    COL("basic_constraints.path_len", "count", ZK_COUNT),
    COL("host_cert", "bool", ZK_BOOL),
    COL("client_cert", "bool", ZK_BOOL),
};
enum {
    X_TS,
    X_FP,
    X_VER,
    X_SERIAL,
    X_SUBJ,
    X_ISS,
    X_NB,
    X_NA,
    X_KALG,
    X_SALG,
    X_KTYPE,
    X_KLEN,
    X_EXP,
    X_CURVE,
    X_SDNS,
    X_SURI,
    X_SEMAIL,
    X_SIP,
    X_CA,
    X_PLEN,
    X_HOST,
    X_CLIENT,
    X_N
};

struct zval {
    uint8_t set;
    union {
        uint64_t u;
        int64_t t;
        uint32_t a;
        struct {
            const char *p;
            uint32_t n;
        } s;
        struct {
            const struct wd_str *p;
            uint32_t n;
        } v;
        struct {
            const int64_t *p;
            uint32_t n;
        } vi;
    };
};

#define ZMAXCOL 32

struct zlog {
    const struct zcol *cols;
    size_t ncols;
};

static const struct zlog zlogs[] = {
    [GL_CONN] = {conn_cols, WD_ARRAY_LEN(conn_cols)},
    [GL_DNS] = {dns_cols, WD_ARRAY_LEN(dns_cols)},
    [GL_HTTP] = {http_cols, WD_ARRAY_LEN(http_cols)},
    [GL_SSL] = {ssl_cols, WD_ARRAY_LEN(ssl_cols)},
    [GL_SSH] = {ssh_cols, WD_ARRAY_LEN(ssh_cols)},
    [GL_X509] = {x509_cols, WD_ARRAY_LEN(x509_cols)},
};

/* ---- value helpers ------------------------------------------------------------------- */

static void v_str(struct zval *v, const char *s)
{
    v->set = s != NULL;
    if (s) {
        v->s.p = s;
        v->s.n = (uint32_t)strlen(s);
    }
}

static void v_u(struct zval *v, uint64_t u)
{
    v->set = 1;
    v->u = u;
}

static void v_opt(struct zval *v, int64_t x)
{
    v->set = x != GEN_UNSET;
    v->t = x;
}

static void v_bool(struct zval *v, int b)
{
    v->set = b != GEN_UNSET;
    v->u = b > 0;
}

static void v_addr(struct zval *v, uint32_t a)
{
    v->set = 1;
    v->a = a;
}

static void v_empty(struct zval *v)
{
    v->set = 1;
    v->v.p = NULL;
    v->v.n = 0;
}

/* A one-element string vector in scratch memory. */
static void v_one(struct wd_gen *g, struct zval *v, const char *s, size_t n)
{
    struct wd_str *e = wd_gen_scratch(g, sizeof(*e));
    e->p = s;
    e->len = n;
    v->set = 1;
    v->v.p = e;
    v->v.n = 1;
}

static const char *uid_str(struct wd_gen *g, char prefix, struct gen_uid u)
{
    char *s = wd_gen_scratch(g, 24);
    *wd_gen_put_uid(s, prefix, u) = '\0';
    return s;
}

static void fill_id(struct wd_gen *g, const struct gen_rec *r, struct gen_uid uid,
                    const struct gen_ep *ep, struct zval *v)
{
    v[I_TS].set = 1;
    v[I_TS].t = r->ts_us;
    v_str(&v[I_UID], uid_str(g, 'C', uid));
    v_addr(&v[I_OH], ep->oh);
    v_u(&v[I_OP], ep->op);
    v_addr(&v[I_RH], ep->rh);
    v_u(&v[I_RP], ep->rp);
}

static const char *const proto_names[] = {"tcp", "udp", "icmp"};

static void fill_conn(struct wd_gen *g, const struct gen_rec *r, struct zval *v)
{
    const struct gen_conn *c = &r->u.conn;
    fill_id(g, r, c->uid, &c->ep, v);
    v_str(&v[C_PROTO], proto_names[c->proto]);
    v_str(&v[C_SERVICE], c->service);
    v_opt(&v[C_DUR], c->dur_us);
    v_opt(&v[C_OB], c->ob);
    v_opt(&v[C_RB], c->rb);
    v_str(&v[C_STATE], c->state);
    v_bool(&v[C_LO], gen_is_local(c->ep.oh));
    v_bool(&v[C_LR], gen_is_local(c->ep.rh));
    v_u(&v[C_MISSED], c->missed);
    v_str(&v[C_HIST], c->history);
    v_u(&v[C_OPK], c->opk);
    v_u(&v[C_OIPB], c->oipb);
    v_u(&v[C_RPK], c->rpk);
    v_u(&v[C_RIPB], c->ripb);
    v[C_TUNNEL].set = 0;
}

static const char *qtype_name(uint16_t t)
{
    switch (t) {
    case 1:
        return "A";
    case 2:
        return "NS";
    case 5:
        return "CNAME";
    case 12:
        return "PTR";
    case 15:
        return "MX";
    case 16:
        return "TXT";
    case 28:
        return "AAAA";
    case 33:
        return "SRV";
    case 65:
        return "HTTPS";
    default:
        return "*";
    }
}

static const char *const rcode_names[] = {"NOERROR",  "FORMERR", "SERVFAIL",
                                          "NXDOMAIN", "NOTIMP",  "REFUSED"};

static void fill_dns(struct wd_gen *g, const struct gen_rec *r, struct zval *v)
{
    const struct gen_dns *d = &r->u.dns;
    fill_id(g, r, d->uid, &d->ep, v);
    v_str(&v[D_PROTO], proto_names[d->proto]);
    v_u(&v[D_TID], d->trans_id);
    v_opt(&v[D_RTT], d->rtt_us);
    v_str(&v[D_QUERY], d->query);
    v_u(&v[D_QCLASS], 1);
    v_str(&v[D_QCLASSN], "C_INTERNET");
    v_u(&v[D_QTYPE], d->qtype);
    v_str(&v[D_QTYPEN], qtype_name(d->qtype));
    v_opt(&v[D_RCODE], d->rcode);
    v_str(&v[D_RCODEN], d->rcode == GEN_UNSET ? NULL : rcode_names[d->rcode]);
    v_bool(&v[D_AA], d->aa);
    v_bool(&v[D_TC], d->tc);
    v_bool(&v[D_RD], d->rd);
    v_bool(&v[D_RA], d->ra);
    v_u(&v[D_Z], 0);
    v_bool(&v[D_REJ], d->rejected);
    v[D_ANS].set = v[D_TTLS].set = 0;
    if (d->nans) {
        struct wd_str *a = wd_gen_scratch(g, d->nans * sizeof(*a));
        int64_t *t = wd_gen_scratch(g, d->nans * sizeof(*t));
        for (size_t i = 0; i < d->nans; i++) {
            if (d->ans[i].name) {
                a[i].p = d->ans[i].name;
                a[i].len = strlen(d->ans[i].name);
            } else {
                char *s = wd_gen_scratch(g, 48), *e;
                if (d->ans[i].v6) {
                    static const char hx[] = "0123456789abcdef";
                    e = gen_puts(s, d->ans[i].v6);
                    uint32_t x = d->ans[i].ip & 0xfff;
                    e = GEN_LIT(e, "2");
                    *e++ = hx[(x >> 8) & 15];
                    *e++ = hx[(x >> 4) & 15];
                    *e++ = hx[x & 15];
                } else {
                    e = wd_gen_put_ipv4(s, d->ans[i].ip);
                }
                a[i].p = s;
                a[i].len = (size_t)(e - s);
            }
            t[i] = (int64_t)d->ans[i].ttl * GEN_US;
        }
        v[D_ANS].set = v[D_TTLS].set = 1;
        v[D_ANS].v.p = a;
        v[D_ANS].v.n = d->nans;
        v[D_TTLS].vi.p = t;
        v[D_TTLS].vi.n = d->nans;
    }
}

static const char *status_msg(uint16_t s)
{
    switch (s) {
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    default:
        return "Internal Server Error";
    }
}

static void fill_http(struct wd_gen *g, const struct gen_rec *r, struct zval *v)
{
    const struct gen_http *h = &r->u.http;
    fill_id(g, r, h->uid, &h->ep, v);
    for (size_t i = H_DEPTH; i < H_N; i++)
        v[i].set = 0;
    v_u(&v[H_DEPTH], h->depth);
    v_str(&v[H_METHOD], h->method);
    if (h->host[0])
        v_str(&v[H_HOST], h->host);
    v_str(&v[H_URI], h->uri);
    v_str(&v[H_REF], h->referrer);
    v_str(&v[H_VER], "1.1");
    v_str(&v[H_UA], h->ua);
    v_u(&v[H_REQLEN], h->req_len);
    v_u(&v[H_RESPLEN], h->resp_len);
    if (h->status) {
        v_u(&v[H_STATUS], h->status);
        v_str(&v[H_STATUSMSG], status_msg(h->status));
    }
    v_empty(&v[H_TAGS]);
    if (h->orig_fuid.hi) {
        const char *f = uid_str(g, 'F', h->orig_fuid);
        v_one(g, &v[H_OFUIDS], f, strlen(f));
        if (h->orig_mime)
            v_one(g, &v[H_OMIME], h->orig_mime, strlen(h->orig_mime));
    }
    if (h->resp_fuid.hi) {
        const char *f = uid_str(g, 'F', h->resp_fuid);
        v_one(g, &v[H_RFUIDS], f, strlen(f));
        if (h->resp_mime)
            v_one(g, &v[H_RMIME], h->resp_mime, strlen(h->resp_mime));
    }
}

static void fill_ssl(struct wd_gen *g, const struct gen_rec *r, struct zval *v)
{
    const struct gen_ssl *s = &r->u.ssl;
    fill_id(g, r, s->uid, &s->ep, v);
    v_str(&v[S_VER], s->version);
    v_str(&v[S_CIPHER], s->cipher);
    v_str(&v[S_CURVE], s->curve);
    v_str(&v[S_SNI], s->sni[0] ? s->sni : NULL);
    v_bool(&v[S_RESUMED], s->resumed);
    v[S_ALERT].set = 0;
    v_str(&v[S_NEXT], s->next_proto);
    v_bool(&v[S_EST], s->established);
    v_str(&v[S_HIST], s->history);
    v_empty(&v[S_FPS]);
    if (s->nchain) {
        struct wd_str *a = wd_gen_scratch(g, s->nchain * sizeof(*a));
        for (size_t i = 0; i < s->nchain; i++) {
            char *fp = wd_gen_scratch(g, 65);
            wd_gen_cert_fp(s->chain[i], r->ts_us, fp);
            a[i].p = fp;
            a[i].len = 64;
        }
        v[S_FPS].v.p = a;
        v[S_FPS].v.n = s->nchain;
    }
    v_empty(&v[S_CFPS]);
    v_bool(&v[S_SNIM], s->sni_match);
    v_str(&v[S_VALID], s->validation);
}

static const char *const ssh_algs[][5] = {
    {"chacha20-poly1305@openssh.com", "umac-64-etm@openssh.com", "none",
     "sntrup761x25519-sha512@openssh.com", "ssh-ed25519"},
    {"aes128-ctr", "hmac-sha2-256", "none", "curve25519-sha256", "rsa-sha2-512"},
    {"aes256-gcm@openssh.com", "umac-128-etm@openssh.com", "none", "curve25519-sha256@libssh.org",
     "ecdsa-sha2-nistp256"},
    {"aes128-ctr", "hmac-sha1", "none", "diffie-hellman-group14-sha1", "ssh-rsa"},
};

static void fill_ssh(struct wd_gen *g, const struct gen_rec *r, struct zval *v)
{
    const struct gen_ssh *s = &r->u.ssh;
    fill_id(g, r, s->uid, &s->ep, v);
    v_u(&v[SH_VER], s->version);
    v_bool(&v[SH_AUTH], s->auth_success);
    v_u(&v[SH_ATTEMPTS], s->attempts);
    v_str(&v[SH_DIR], s->direction);
    v_str(&v[SH_CLIENT], s->client);
    v_str(&v[SH_SERVER], s->server);
    if (s->algs < WD_ARRAY_LEN(ssh_algs)) {
        const char *const *a = ssh_algs[s->algs];
        v_str(&v[SH_CIPHER], a[0]);
        v_str(&v[SH_MAC], a[1]);
        v_str(&v[SH_COMP], a[2]);
        v_str(&v[SH_KEX], a[3]);
        v_str(&v[SH_HKALG], a[4]);
        /* MD5 host key fingerprint, stable per server and algorithm */
        static const char hx[] = "0123456789abcdef";
        char *k = wd_gen_scratch(g, 48), *e = k;
        uint64_t h1 = gen_mix(s->ep.rh * 31u + s->algs), h2 = gen_mix(h1);
        for (int i = 0; i < 16; i++) {
            unsigned b = (unsigned)(((i < 8 ? h1 : h2) >> ((i % 8) * 8)) & 0xff);
            if (i)
                *e++ = ':';
            *e++ = hx[b >> 4];
            *e++ = hx[b & 15];
        }
        *e = '\0';
        v_str(&v[SH_HK], k);
    } else {
        for (size_t i = SH_CIPHER; i < SH_N; i++)
            v[i].set = 0;
    }
}

/* Splits a comma list into a string vector (views into s). */
static void v_split(struct wd_gen *g, struct zval *v, const char *s)
{
    size_t n = 1;
    for (const char *p = s; *p; p++)
        n += *p == ',';
    struct wd_str *a = wd_gen_scratch(g, n * sizeof(*a));
    size_t i = 0;
    const char *b = s;
    for (const char *p = s;; p++) {
        if (*p == ',' || *p == '\0') {
            a[i].p = b;
            a[i].len = (size_t)(p - b);
            i++;
            b = p + 1;
            if (!*p)
                break;
        }
    }
    v->set = 1;
    v->v.p = a;
    v->v.n = (uint32_t)i;
}

static void fill_x509(struct wd_gen *g, const struct gen_rec *r, struct zval *v)
{
    struct gen_certinfo *ci = wd_gen_scratch(g, sizeof(*ci));
    wd_gen_cert_info(r->u.x509.cert, r->ts_us, ci);
    for (size_t i = 0; i < X_N; i++)
        v[i].set = 0;
    v[X_TS].set = 1;
    v[X_TS].t = r->ts_us;
    v_str(&v[X_FP], ci->fp);
    v_u(&v[X_VER], 3);
    v_str(&v[X_SERIAL], ci->serial);
    v_str(&v[X_SUBJ], ci->subject);
    v_str(&v[X_ISS], ci->issuer);
    v[X_NB].set = v[X_NA].set = 1;
    v[X_NB].t = ci->not_before_us;
    v[X_NA].t = ci->not_after_us;
    v_str(&v[X_KALG], ci->key_alg);
    v_str(&v[X_SALG], ci->sig_alg);
    v_str(&v[X_KTYPE], ci->key_type);
    v_u(&v[X_KLEN], ci->key_len);
    v_str(&v[X_EXP], ci->curve ? NULL : "65537");
    v_str(&v[X_CURVE], ci->curve);
    if (ci->san[0])
        v_split(g, &v[X_SDNS], ci->san);
    if (!ci->self_signed)
        v_bool(&v[X_CA], ci->ca);
    if (ci->path_len >= 0)
        v_u(&v[X_PLEN], (uint64_t)ci->path_len);
    v_bool(&v[X_HOST], r->u.x509.host_cert);
    v_bool(&v[X_CLIENT], r->u.x509.client_cert);
}

typedef void (*fill_fn)(struct wd_gen *g, const struct gen_rec *r, struct zval *v);
static const fill_fn fills[] = {
    [GL_CONN] = fill_conn, [GL_DNS] = fill_dns, [GL_HTTP] = fill_http,
    [GL_SSL] = fill_ssl,   [GL_SSH] = fill_ssh, [GL_X509] = fill_x509,
};

/* ---- TSV ------------------------------------------------------------------------------- */

static char *tsv_val(char *w, const struct zcol *c, const struct zval *v)
{
    if (!v->set) {
        *w++ = '-';
        return w;
    }
    switch (c->kind) {
    case ZK_TIME:
    case ZK_INTERVAL:
        return wd_gen_put_fix6(w, v->t);
    case ZK_STR:
        return wd_gen_put_tsvstr(w, v->s.p, v->s.n, false);
    case ZK_ADDR:
        return wd_gen_put_ipv4(w, v->a);
    case ZK_COUNT:
        return wd_gen_put_u64(w, v->u);
    case ZK_BOOL:
        *w++ = v->u ? 'T' : 'F';
        return w;
    case ZK_VSTR:
        if (!v->v.n)
            return GEN_LIT(w, "(empty)");
        for (uint32_t i = 0; i < v->v.n; i++) {
            if (i)
                *w++ = ',';
            w = wd_gen_put_tsvstr(w, v->v.p[i].p, v->v.p[i].len, true);
        }
        return w;
    case ZK_VINT:
        if (!v->vi.n)
            return GEN_LIT(w, "(empty)");
        for (uint32_t i = 0; i < v->vi.n; i++) {
            if (i)
                *w++ = ',';
            w = wd_gen_put_fix6(w, v->vi.p[i]);
        }
        return w;
    }
    return w;
}

static char *tsv_row(char *w, const struct zlog *L, const struct zval *v)
{
    for (size_t i = 0; i < L->ncols; i++) {
        if (i)
            *w++ = '\t';
        w = tsv_val(w, &L->cols[i], &v[i]);
    }
    *w++ = '\n';
    return w;
}

char *wd_gen_zeek_header(enum gen_log log, int64_t open_us, char *w)
{
    const struct zlog *L = &zlogs[log];
    w = GEN_LIT(w, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n"
                   "#unset_field\t-\n#path\t");
    w = gen_puts(w, wd_gen_log_names[log]);
    w = GEN_LIT(w, "\n#open\t");
    w = wd_gen_put_zeekdate(w, open_us);
    w = GEN_LIT(w, "\n#fields");
    for (size_t i = 0; i < L->ncols; i++) {
        *w++ = '\t';
        w = gen_put(w, L->cols[i].name, L->cols[i].nlen);
    }
    w = GEN_LIT(w, "\n#types");
    for (size_t i = 0; i < L->ncols; i++) {
        *w++ = '\t';
        w = gen_puts(w, L->cols[i].type);
    }
    *w++ = '\n';
    return w;
}

char *wd_gen_zeek_close(int64_t close_us, char *w)
{
    w = GEN_LIT(w, "#close\t");
    w = wd_gen_put_zeekdate(w, close_us);
    *w++ = '\n';
    return w;
}

/* ---- JSON ------------------------------------------------------------------------------ */

static char *json_val(char *w, const struct zcol *c, const struct zval *v)
{
    switch (c->kind) {
    case ZK_TIME:
    case ZK_INTERVAL:
        return wd_gen_put_jnum(w, v->t);
    case ZK_STR:
        return wd_gen_put_jstr(w, v->s.p, v->s.n);
    case ZK_ADDR:
        *w++ = '"';
        w = wd_gen_put_ipv4(w, v->a);
        *w++ = '"';
        return w;
    case ZK_COUNT:
        return wd_gen_put_u64(w, v->u);
    case ZK_BOOL:
        return v->u ? GEN_LIT(w, "true") : GEN_LIT(w, "false");
    case ZK_VSTR:
        *w++ = '[';
        for (uint32_t i = 0; i < v->v.n; i++) {
            if (i)
                *w++ = ',';
            w = wd_gen_put_jstr(w, v->v.p[i].p, v->v.p[i].len);
        }
        *w++ = ']';
        return w;
    case ZK_VINT:
        *w++ = '[';
        for (uint32_t i = 0; i < v->vi.n; i++) {
            if (i)
                *w++ = ',';
            w = wd_gen_put_jnum(w, v->vi.p[i]);
        }
        *w++ = ']';
        return w;
    }
    return w;
}

static char *json_key(char *w, const char *name, size_t n)
{
    *w++ = '"';
    w = gen_put(w, name, n);
    *w++ = '"';
    *w++ = ':';
    return w;
}

/* Members after the first ("_path" comes before them): ,"name":value for set fields. */
static char *json_fields(char *w, const struct zlog *L, const struct zval *v)
{
    for (size_t i = 0; i < L->ncols; i++) {
        if (!v[i].set)
            continue;
        w = gen_put(w, L->cols[i].jkey, L->cols[i].jlen);
        w = json_val(w, &L->cols[i], &v[i]);
    }
    return w;
}

/* ---- MozDef ---------------------------------------------------------------------------- */

/* Python str() of a value, unescaped (only used for summaries). */
static char *text_val(char *w, const struct zcol *c, const struct zval *v, const char *def)
{
    if (!v->set)
        return def ? gen_puts(w, def) : w;
    switch (c->kind) {
    case ZK_STR:
        return gen_put(w, v->s.p, v->s.n);
    case ZK_ADDR:
        return wd_gen_put_ipv4(w, v->a);
    case ZK_COUNT:
        return wd_gen_put_u64(w, v->u);
    case ZK_BOOL:
        return v->u ? GEN_LIT(w, "True") : GEN_LIT(w, "False");
    default:
        return w;
    }
}

static char *summary(char *w, enum gen_log log, const struct zlog *L, const struct zval *v)
{
    const struct zcol *c = L->cols;
    switch (log) {
    case GL_CONN:
        w = text_val(w, &c[I_OH], &v[I_OH], NULL);
        *w++ = ':';
        w = text_val(w, &c[I_OP], &v[I_OP], NULL);
        w = GEN_LIT(w, " -> ");
        w = text_val(w, &c[I_RH], &v[I_RH], NULL);
        *w++ = ':';
        w = text_val(w, &c[I_RP], &v[I_RP], NULL);
        *w++ = ' ';
        w = text_val(w, &c[C_HIST], &v[C_HIST], "");
        *w++ = ' ';
        w = text_val(w, &c[C_OIPB], &v[C_OIPB], NULL);
        w = GEN_LIT(w, " bytes / ");
        w = text_val(w, &c[C_RIPB], &v[C_RIPB], NULL);
        return GEN_LIT(w, " bytes");
    case GL_DNS:
        w = GEN_LIT(w, "DNS ");
        w = text_val(w, &c[D_QTYPEN], &v[D_QTYPEN], "unknown");
        w = GEN_LIT(w, " type query ");
        break;
    case GL_HTTP:
        w = GEN_LIT(w, "HTTP ");
        w = text_val(w, &c[H_METHOD], &v[H_METHOD], "");
        *w++ = ' ';
        break;
    case GL_SSL:
        w = GEN_LIT(w, "SSL: ");
        break;
    case GL_SSH:
        w = GEN_LIT(w, "SSH: ");
        break;
    default:
        return GEN_LIT(w, "X509 certificate seen");
    }
    w = text_val(w, &c[I_OH], &v[I_OH], NULL);
    w = GEN_LIT(w, " -> ");
    w = text_val(w, &c[I_RH], &v[I_RH], NULL);
    *w++ = ':';
    w = text_val(w, &c[I_RP], &v[I_RP], NULL);
    if (log == GL_SSH && v[SH_AUTH].set) {
        w = GEN_LIT(w, " success ");
        w = text_val(w, &c[SH_AUTH], &v[SH_AUTH], NULL);
    }
    return w;
}

static char *mozdef_details(char *w, enum gen_log log, const struct zlog *L, const struct zval *v)
{
    bool comma = false;
    *w++ = '{';
    for (size_t i = 0; i < L->ncols; i++) {
        const struct zcol *c = &L->cols[i];
        if (log == GL_X509 && (strncmp(c->name, "certificate.", 12) == 0 ||
                               strncmp(c->name, "basic_constraints.", 18) == 0)) {
            if (i != X_CURVE)
                continue; /* moved into "certificate" below; curve stays flat */
        }
        if (!v[i].set && !c->mzdef && !(log == GL_SSL && i == S_SNI))
            continue;
        if (comma)
            *w++ = ',';
        comma = true;
        if (c->mz)
            w = json_key(w, c->mz, strlen(c->mz));
        else
            w = json_key(w, c->name, c->nlen);
        if (v[i].set) {
            w = json_val(w, c, &v[i]);
        } else if (log == GL_SSL && i == S_SNI) {
            /* broFixup: server_name defaults to the destination address */
            w = json_val(w, &L->cols[I_RH], &v[I_RH]);
        } else {
            w = gen_puts(w, c->mzdef);
        }
    }
    if (log == GL_X509) {
        static const struct {
            int idx;
            const char *key;
        } cm[] = {
            {X_VER, "version"},
            {X_SERIAL, "serial"},
            {X_SUBJ, "subject"},
            {X_ISS, "issuer"},
            {X_NB, "not_valid_before"},
            {X_NA, "not_valid_after"},
            {X_KALG, "key_alg"},
            {X_SALG, "sig_alg"},
            {X_KTYPE, "key_type"},
            {X_KLEN, "key_length"},
            {X_EXP, "exponent"},
            {X_CA, "basic_constraints_ca"},
            {X_PLEN, "basic_constraints_path_len"},
        };
        bool c2 = false;
        w = GEN_LIT(w, ",\"certificate\":{");
        for (size_t k = 0; k < WD_ARRAY_LEN(cm); k++) {
            const struct zval *x = &v[cm[k].idx];
            if (!x->set)
                continue;
            if (c2)
                *w++ = ',';
            c2 = true;
            w = json_key(w, cm[k].key, strlen(cm[k].key));
            if (cm[k].idx == X_NB || cm[k].idx == X_NA) {
                *w++ = '"';
                w = wd_gen_put_iso(w, x->t, GEN_ISO_MOZDEF);
                *w++ = '"';
            } else {
                w = json_val(w, &L->cols[cm[k].idx], x);
            }
        }
        *w++ = '}';
    }
    *w++ = '}';
    return w;
}

static char *mozdef(struct wd_gen *g, char *w, const struct gen_rec *r, const struct zlog *L,
                    const struct zval *v)
{
    enum gen_log log = (enum gen_log)r->log;
    w = GEN_LIT(w, "{\"category\":\"bro\",\"source\":\"");
    w = gen_puts(w, wd_gen_log_names[log]);
    w = GEN_LIT(w, "\",\"type\":\"nsm\",\"customendpoint\":\"bro\",\"eventsource\":\"nsm\","
                   "\"severity\":\"INFO\",\"hostname\":");
    w = gen_jstr(w, r->sensor ? r->sensor : "nsm-dc-01");
    w = GEN_LIT(w, ",\"tags\":[\"bro\",\"nsm\"],\"utctimestamp\":\"");
    char *ts = w;
    w = wd_gen_put_iso(w, r->ts_us, GEN_ISO_MOZDEF);
    size_t tsl = (size_t)(w - ts);
    w = GEN_LIT(w, "\",\"timestamp\":\"");
    memmove(w, ts, tsl);
    w += tsl;
    w = GEN_LIT(w, "\",\"receivedtimestamp\":\"");
    int64_t recv = r->write_us + 50000 + (int64_t)(gen_mix((uint64_t)r->write_us) % 1950000);
    w = wd_gen_put_iso(w, recv, GEN_ISO_MOZDEF);
    w = GEN_LIT(w, "\",\"mozdefhostname\":\"" GEN_MOZDEF_HOST "\",\"summary\":");
    char *sum = wd_gen_scratch(g, 512);
    char *e = summary(sum, log, L, v);
    w = wd_gen_put_jstr(w, sum, (size_t)(e - sum));
    w = GEN_LIT(w, ",\"details\":");
    w = mozdef_details(w, log, L, v);
    *w++ = '}';
    *w++ = '\n';
    return w;
}

char *wd_gen_zeek_render(struct wd_gen *g, const struct gen_rec *r, char *w, enum wd_gen_fmt f)
{
    struct zval v[ZMAXCOL];
    const struct zlog *L = &zlogs[r->log];
    WD_ASSERT(L->ncols <= ZMAXCOL);
    fills[r->log](g, r, v);
    switch (f) {
    case WD_GEN_FMT_TSV:
        return tsv_row(w, L, v);
    case WD_GEN_FMT_MOZDEF:
        return mozdef(g, w, r, L, v);
    default:
        w = GEN_LIT(w, "{\"_path\":\"");
        w = gen_puts(w, wd_gen_log_names[r->log]);
        w = GEN_LIT(w, "\",\"_write_ts\":");
        w = wd_gen_put_jnum(w, r->write_us);
        w = json_fields(w, L, v);
        *w++ = '}';
        *w++ = '\n';
        return w;
    }
}
