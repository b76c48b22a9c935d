/*
 * gen_int.h: private to the generator (gen*.c): the PRNG, the output helpers that write
 * into a pre-reserved buffer, the simulated network, the pending-record queue and the
 * record structures each source fills.
 *
 * Invariants:
 * - Everything derives from struct gen_rng, seeded once from the user's seed. Only integer
 *   arithmetic feeds the output (no libm, no floating point beyond the rate conversion at
 *   start-up), so output is identical across machines.
 * - At most one PRNG draw per full expression: the order in which C evaluates function
 *   arguments, operands of + or |, and initializer lists is unspecified (gcc and clang
 *   differ), so two draws there would make the output depend on the compiler. Draw into
 *   locals first. tests/unit/test_gen.c holds golden hashes that catch violations.
 * - Writers (gen_put*, wd_gen_put_*) write into memory reserved beforehand: the caller
 *   reserves GEN_REC_MAX bytes per event; no single event can exceed it (every string comes
 *   from bounded tables or bounded formatting).
 * - Records are generated per "session" (a DNS lookup and the connection that follows, a
 *   brute-force burst...) and queued with their own timestamps; the queue releases them in
 *   (ts, sequence) order, so output timestamps never decrease.
 */
#ifndef WD_GEN_INT_H
#define WD_GEN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gen.h"
#include "ward.h"

/* Upper bound of one rendered event (both bulk lines); asserted after rendering. */
#define GEN_REC_MAX ((size_t)48 * 1024)
/* Pending records that may wait in the queue at once. */
#define GEN_POOL_MAX 16384u
/* Scratch bytes available to one record's rendering. */
#define GEN_SCRATCH_MAX ((size_t)16 * 1024)

#define GEN_US 1000000LL

/* ---- PRNG: xoshiro256** seeded through splitmix64 ---------------------------------- */

struct gen_rng {
    uint64_t s[4];
};

static inline uint64_t gen_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A stateless 64-bit mix (for values derived from ids: fingerprints, host keys). */
static inline uint64_t gen_mix(uint64_t x)
{
    return gen_splitmix(&x);
}

static inline void gen_rng_seed(struct gen_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = gen_splitmix(&x);
}

static inline uint64_t gen_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t gen_rand(struct gen_rng *r)
{
    uint64_t *s = r->s;
    uint64_t res = gen_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = gen_rotl(s[3], 45);
    return res;
}

/* Uniform in [0, n) (n > 0; n == 0 returns 0), by multiply-shift. */
static inline uint64_t gen_below(struct gen_rng *r, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)gen_rand(r) * n) >> 64);
}

/* Uniform in [lo, hi] inclusive. */
static inline int64_t gen_range(struct gen_rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)gen_below(r, (uint64_t)(hi - lo) + 1);
}

/* True with probability permille/1000. */
static inline bool gen_chance(struct gen_rng *r, unsigned permille)
{
    return gen_below(r, 1000) < permille;
}

/* Picks an index from integer weights (sum > 0). */
size_t wd_gen_pick(struct gen_rng *r, const uint16_t *w, size_t n);

/* Long tail: a value whose binary magnitude is uniform in [lo_bits, hi_bits], i.e.
 * log-uniform between 2^lo_bits and 2^(hi_bits+1). */
uint64_t wd_gen_logu(struct gen_rng *r, unsigned lo_bits, unsigned hi_bits);

/* Skewed index in [0, n): small indexes are much more likely (a few talkative hosts). */
static inline uint64_t gen_skew(struct gen_rng *r, uint64_t n)
{
    return gen_below(r, gen_below(r, n) + 1);
}

#define GEN_PICK(r, arr) ((arr)[gen_below((r), WD_ARRAY_LEN(arr))])

/* ---- output helpers ---------------------------------------------------------------- */

/* Copies n bytes; short copies use fixed-size moves instead of a libc call (the hot path
 * copies many 2..30 byte keys and values). */
static inline char *gen_put(char *w, const char *s, size_t n)
{
    if (n >= 8 && n <= 16) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + (n - 8), 8);
        memcpy(w, &a, 8);
        memcpy(w + (n - 8), &b, 8);
    } else if (n >= 4 && n < 8) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + (n - 4), 4);
        memcpy(w, &a, 4);
        memcpy(w + (n - 4), &b, 4);
    } else if (n < 4) {
        for (size_t i = 0; i < n; i++)
            w[i] = s[i];
    } else {
        memcpy(w, s, n);
    }
    return w + n;
}

#define GEN_LIT(w, lit) gen_put((w), (lit), sizeof(lit) - 1)

static inline char *gen_puts(char *w, const char *s)
{
    return gen_put(w, s, strlen(s));
}

char *wd_gen_put_u64(char *w, uint64_t v);
char *wd_gen_put_i64(char *w, int64_t v);
/* Zero-padded to `width` digits. */
char *wd_gen_put_u64w(char *w, uint64_t v, int width);
char *wd_gen_put_ipv4(char *w, uint32_t a);
/* Lower-case hex of `n` bytes taken from the 64-bit words of `seed` (deterministic). */
char *wd_gen_put_hex(char *w, uint64_t seed, size_t nchars, bool upper);
/* "1767225600.123456": seconds with exactly 6 decimals (Zeek TSV time/interval). */
char *wd_gen_put_fix6(char *w, int64_t us);
/* JSON number for a time/interval: 6 decimals with trailing zeros trimmed, at least one
 * decimal ("120.0", "0.000435"). */
char *wd_gen_put_jnum(char *w, int64_t us);

enum gen_iso {
    GEN_ISO_MOZDEF, /* 2026-01-01T00:00:00.123456+00:00 (no fraction when it is zero) */
    GEN_ISO_ZULU6,  /* 2026-01-01T00:00:00.123456Z (always 6 digits) */
    GEN_ISO_SEC,    /* 2026-01-01T00:00:00Z (CloudTrail) */
};
char *wd_gen_put_iso(char *w, int64_t us, enum gen_iso style);
/* "2026-01-01-00-00-00" (Zeek #open/#close, UTC). */
char *wd_gen_put_zeekdate(char *w, int64_t us);
/* "Jan  1 00:00:00" (RFC 3164). */
char *wd_gen_put_bsddate(char *w, int64_t us);
/* Quoted JSON string. */
char *wd_gen_put_jstr(char *w, const char *s, size_t n);
static inline char *gen_jstr(char *w, const char *s)
{
    return wd_gen_put_jstr(w, s, strlen(s));
}
/* A Zeek TSV string value (escaped per the ASCII writer); in_set also escapes ','. */
char *wd_gen_put_tsvstr(char *w, const char *s, size_t n, bool in_set);

/* Civil date from days since 1970-01-01. */
void wd_gen_civil(int64_t days, int *y, int *m, int *d);
int64_t wd_gen_days_from_civil(int y, int m, int d);

/* ---- the simulated network --------------------------------------------------------- */

#define GEN_IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((c) << 8) | (d))

/* Zeek connection uid: 'C' + base62(hi) + base62(lo32), 15..18 chars like Zeek's. */
struct gen_uid {
    uint64_t hi;
    uint32_t lo;
};

struct gen_uid wd_gen_uid(struct gen_rng *r);
/* Writes prefix + base62 (no quotes). */
char *wd_gen_put_uid(char *w, char prefix, struct gen_uid u);

struct gen_server {
    const char *name; /* short host name */
    uint32_t ip;
    const char *role; /* "bastion", "web", "db", ... */
};

extern const struct gen_server wd_gen_servers[];
extern const size_t wd_gen_nservers;

/* An external service reached by name. */
struct gen_site {
    const char *domain;
    uint32_t net;      /* first address of its pool */
    uint16_t pool;     /* addresses in the pool */
    uint16_t weight;   /* popularity */
    const char *cname; /* CNAME target or NULL */
    const char *v6;    /* IPv6 prefix ("2607:f8b0:4005:80b::") or NULL */
    uint16_t cert;     /* leaf certificate id (index in wd_gen_certs) */
    uint8_t http;      /* also reached over plain HTTP on port 80 */
    uint8_t kind;      /* GEN_SITE_* */
};

enum { GEN_SITE_WEB, GEN_SITE_API, GEN_SITE_CDN, GEN_SITE_UPDATE };

extern const struct gen_site wd_gen_sites[];
extern const size_t wd_gen_nsites;
/* Picks a site by popularity. */
const struct gen_site *wd_gen_pick_site(struct gen_rng *r);

/* A certificate known to the model. Ids below wd_gen_ncerts index the static table;
 * higher ids are synthetic leaf certificates derived from the id. */
struct gen_cert {
    const char *subject;
    const char *issuer;
    const char *san;    /* comma-separated DNS names, or NULL */
    uint16_t issuer_id; /* id of the issuing intermediate, 0xffff for self-signed/roots */
    uint8_t ca;
    uint8_t ec;    /* ECDSA key */
    uint16_t days; /* validity in days */
};

extern const struct gen_cert wd_gen_certs[];
extern const size_t wd_gen_ncerts;

/* Fully resolved certificate fields, rendered into caller storage. */
struct gen_certinfo {
    char subject[160];
    char issuer[160];
    char san[1400];
    char fp[65];
    char serial[41];
    int64_t not_before_us, not_after_us;
    const char *key_alg, *sig_alg, *key_type, *curve;
    uint32_t key_len;
    bool ca, self_signed;
    int path_len; /* -1 unset */
    uint32_t issuer_id;
};

void wd_gen_cert_info(uint32_t id, int64_t now_us, struct gen_certinfo *ci);
/* Just the SHA-256 fingerprint (64 hex chars + NUL) of certificate id at now_us. */
void wd_gen_cert_fp(uint32_t id, int64_t now_us, char *fp);
/* Synthetic leaf certificate for host name seed `h`. */
uint32_t wd_gen_cert_synth(uint64_t h);
static inline bool gen_cert_is_synth(uint32_t id)
{
    return (id & 0x1000000u) != 0;
}
/* Host name of a synthetic certificate ("www.bluepixel.io"), NUL-terminated in out (at
 * least 64 bytes); returns its length. */
size_t wd_gen_synth_host(uint32_t id, char *out);
/* Public address a synthetic host resolves to. */
uint32_t wd_gen_synth_ip(uint32_t id);
/* Issuer chain of a certificate id (leaf first), at most 3 ids; returns the count. */
size_t wd_gen_cert_chain(uint32_t id, uint32_t *out);

/* Internal workstation address from an index < GEN_NWS. */
#define GEN_NWS 1760u
uint32_t wd_gen_ws_ip(uint32_t i);
static inline bool gen_is_local(uint32_t ip)
{
    return (ip >> 16) == GEN_IP(10, 0, 0, 0) >> 16;
}
/* Sensor that sees traffic of an internal address. */
const char *wd_gen_sensor(uint32_t internal_ip);
/* Attacker / scanner addresses and benign remote (home office, partner) addresses. */
uint32_t wd_gen_attacker_ip(struct gen_rng *r);
uint32_t wd_gen_remote_ip(struct gen_rng *r);
/* Ephemeral source port (Linux or Windows range). */
uint16_t wd_gen_eport(struct gen_rng *r);

extern const char *const wd_gen_users[];
extern const size_t wd_gen_nusers;
extern const char *const wd_gen_bad_users[];
extern const size_t wd_gen_nbad_users;
extern const char *const wd_gen_words[];
extern const size_t wd_gen_nwords;
extern const char *const wd_gen_browser_ua[];
extern const size_t wd_gen_nbrowser_ua;

/* ---- records and the pending queue ------------------------------------------------- */

enum gen_log {
    GL_CONN,
    GL_DNS,
    GL_HTTP,
    GL_SSL,
    GL_SSH,
    GL_X509,
    GL_SYSLOG,
    GL_CLOUDTRAIL,
    GL_COUNT,
};

extern const char *const wd_gen_log_names[GL_COUNT];

#define GEN_UNSET (-1)

struct gen_ep {
    uint32_t oh, rh;
    uint16_t op, rp;
};

enum { GEN_TCP, GEN_UDP, GEN_ICMP };

struct gen_conn {
    struct gen_uid uid;
    struct gen_ep ep;
    uint8_t proto;
    const char *service; /* NULL = unset */
    const char *state;
    const char *history; /* NULL = unset */
    int64_t dur_us;      /* GEN_UNSET */
    int64_t ob, rb;      /* payload bytes, GEN_UNSET */
    uint64_t missed;
    uint32_t opk, oipb, rpk, ripb;
};

struct gen_dns {
    struct gen_uid uid;
    struct gen_ep ep;
    uint8_t proto;
    uint16_t trans_id;
    int64_t rtt_us; /* GEN_UNSET */
    char query[128];
    uint16_t qtype;
    int16_t rcode; /* GEN_UNSET */
    uint8_t aa, tc, rd, ra, rejected;
    uint8_t nans;
    struct {
        const char *name; /* text answer (CNAME, MX, PTR...), or NULL: use ip / v6 */
        const char *v6;   /* IPv6 prefix; the suffix is taken from ip */
        uint32_t ip;
        uint32_t ttl;
    } ans[4];
};

struct gen_http {
    struct gen_uid uid;
    struct gen_ep ep;
    uint16_t depth;
    const char *method; /* NULL = unset */
    char host[72];      /* "" = unset */
    char uri[200];
    const char *referrer;
    const char *ua;
    uint64_t req_len, resp_len;
    uint16_t status;                     /* 0 = unset */
    struct gen_uid orig_fuid, resp_fuid; /* hi == 0 = none */
    const char *orig_mime, *resp_mime;
};

struct gen_ssl {
    struct gen_uid uid;
    struct gen_ep ep;
    const char *version;
    const char *cipher;
    const char *curve;
    char sni[72]; /* "" = unset */
    const char *next_proto;
    const char *history;
    const char *validation;
    uint8_t resumed, established;
    int8_t sni_match; /* GEN_UNSET, 0, 1 */
    uint8_t nchain;
    uint32_t chain[3];
};

struct gen_ssh {
    struct gen_uid uid;
    struct gen_ep ep;
    int8_t auth_success; /* GEN_UNSET, 0, 1 */
    uint8_t attempts;
    const char *direction;
    const char *client, *server;
    uint8_t algs; /* index of an algorithm profile; 0xff = none negotiated */
    uint8_t version;
};

struct gen_x509 {
    uint32_t cert;
    uint8_t host_cert, client_cert;
};

struct gen_syslog {
    const char *host;
    const char *program;
    uint32_t pid;
    uint8_t facility, severity;
    uint32_t src_ip; /* 0 = none */
    uint16_t src_port;
    const char *user;
    uint16_t msg_len;
    char msg[300];
};

struct gen_ct {
    uint64_t seed;   /* derives ids and parameters at render time */
    uint16_t api;    /* index in the API table */
    uint16_t actor;  /* index in the identity table */
    uint32_t src_ip; /* 0 = AWS service (sourceIPAddress is a service name) */
    uint8_t region;
    uint8_t agent;
    uint8_t failed; /* error (AccessDenied / failed login) */
};

struct gen_rec {
    int64_t ts_us;
    int64_t write_us; /* when the sensor wrote it (Zeek _write_ts) */
    uint8_t log;      /* enum gen_log */
    uint8_t deferred; /* far in the future: advances the clock when released, not pushed */
    const char *sensor;
    union {
        struct gen_conn conn;
        struct gen_dns dns;
        struct gen_http http;
        struct gen_ssl ssl;
        struct gen_ssh ssh;
        struct gen_x509 x509;
        struct gen_syslog sys;
        struct gen_ct ct;
    } u;
};

struct gen_hent {
    int64_t ts;
    uint64_t seq;
    uint32_t slot;
};

struct wd_gen {
    struct wd_gen_opts o;
    struct gen_rng rng;
    /* simulated clock: the start time of the next session */
    int64_t clock_us;
    uint32_t clock_frac;   /* 1/65536 us */
    uint64_t gap_q16;      /* mean gap between events, 1/65536 us */
    uint32_t session_recs; /* records pushed by the session being built */
    uint32_t session_adv;  /* ... of which advance the clock now (not deferred) */
    int64_t session_t0;
    /* queue */
    struct gen_rec *pool;
    uint32_t *free_slots;
    uint32_t nfree;
    struct gen_hent *heap;
    uint32_t nheap;
    uint64_t seq;
    /* progress */
    uint64_t produced;
    int err;
    int last_log; /* -1 before the first event */
    int64_t last_ts;
    int tsv_log; /* log of the open TSV section (stream mode), -1 none */
    int64_t tsv_open_us;
    /* zeek state */
    int64_t *x509_seen;     /* per static cert id: day number when last logged + 1 */
    uint64_t dyn_seen[256]; /* synthetic certs logged recently (small direct-mapped cache) */
    /* syslog state */
    uint64_t sys_sessions;
    uint64_t sys_next_burst;
    /* cloudtrail state */
    uint64_t ct_sessions;
    uint64_t ct_next_burst;
    /* scratch for rendering one record; tmp: one event when `out` is nearly full */
    char *tmp;
    char *scratch;
    size_t scratch_len;
};

/* Pushes a record due at ts (>= the session start) and returns it for filling, or NULL
 * when the queue is full (the caller drops the rest of its session). */
struct gen_rec *wd_gen_push(struct wd_gen *g, int64_t ts, enum gen_log log);

/* Gap between two records of a burst: uniform in [lo, hi] microseconds, but never more
 * than about one mean gap of the output rate, so a burst stays dense at any --rate. */
int64_t wd_gen_burst_gap(struct wd_gen *g, int64_t lo, int64_t hi);
/* Delay of a follow-up record (logout, session close): `natural`, capped at 4096 mean
 * gaps so the queue of pending records stays bounded at high rates. */
int64_t wd_gen_follow(struct wd_gen *g, int64_t natural);

/* Scratch memory for the record being rendered (reset per record); never fails within
 * GEN_SCRATCH_MAX in total. */
void *wd_gen_scratch(struct wd_gen *g, size_t n);

/* Session generators: each pushes one session starting at t0 for the given logs
 * (bit mask of 1u << GL_*). */
void wd_gen_zeek_session(struct wd_gen *g, int64_t t0, unsigned logs);
void wd_gen_syslog_session(struct wd_gen *g, int64_t t0);
void wd_gen_ct_session(struct wd_gen *g, int64_t t0);

/* Renderers: write the event (without the bulk action line, with the final '\n'). */
char *wd_gen_zeek_render(struct wd_gen *g, const struct gen_rec *r, char *w, enum wd_gen_fmt f);
char *wd_gen_syslog_render(struct wd_gen *g, const struct gen_rec *r, char *w, enum wd_gen_fmt f);
char *wd_gen_ct_render(struct wd_gen *g, const struct gen_rec *r, char *w, enum wd_gen_fmt f);
/* Zeek TSV header lines / #close line of a log. */
char *wd_gen_zeek_header(enum gen_log log, int64_t open_us, char *w);
char *wd_gen_zeek_close(int64_t close_us, char *w);

/* MozDef constants shared by the sources. */
#define GEN_MOZDEF_HOST "mozdef1.corp.example.com"

#endif
