/*
 * gen_syslog.c: sshd, sudo and systemd-logind messages from the simulated servers, as
 * RFC 3164 lines, RFC 5424 lines or MozDef events. Sessions: admin logins (accept, PAM
 * session open, later disconnect and close), mistyped passwords, internet noise against
 * the bastions, sudo use and failures, and periodic brute-force bursts: one attacker
 * address, dozens of connections each failing passwords for many user names, a few tens
 * of milliseconds apart.
 *
 * Message texts follow OpenSSH 9 / sudo 1.9 / Linux-PAM on Debian 12, except the PAM
 * session lines, which use the older "for user NAME by (uid=0)" form that MozDef's
 * sshd parser expects.
 */
#include "gen_int.h"

enum { FAC_AUTH = 4, FAC_AUTHPRIV = 10 };
enum { SEV_ALERT = 1, SEV_ERR = 3, SEV_WARNING = 4, SEV_NOTICE = 5, SEV_INFO = 6 };

static const char *const sev_names[] = {"EMERG",   "ALERT",  "CRIT", "ERR",
                                        "WARNING", "NOTICE", "INFO", "DEBUG"};

struct line {
    const char *host;
    const char *program;
    uint32_t pid;
    uint8_t fac, sev;
    uint32_t ip;
    uint16_t port;
    const char *user;
};

/* Pushes one message at ts; msg is built by the caller in `text`. */
static void push_line(struct wd_gen *g, int64_t ts, const struct line *l, const char *text,
                      size_t n)
{
    struct gen_rec *r = wd_gen_push(g, ts, GL_SYSLOG);
    if (!r)
        return;
    struct gen_syslog *s = &r->u.sys;
    r->sensor = NULL;
    r->write_us = ts + gen_range(&g->rng, 1000, 400000);
    s->host = l->host;
    s->program = l->program;
    s->pid = l->pid;
    s->facility = l->fac;
    s->severity = l->sev;
    s->src_ip = l->ip;
    s->src_port = l->port;
    s->user = l->user;
    if (n >= sizeof(s->msg))
        n = sizeof(s->msg) - 1;
    memcpy(s->msg, text, n);
    s->msg[n] = '\0';
    s->msg_len = (uint16_t)n;
}

/* Formats " from IP port P" style fragments. */
static char *put_ip_port(char *w, uint32_t ip, uint16_t port)
{
    w = wd_gen_put_ipv4(w, ip);
    w = GEN_LIT(w, " port ");
    return wd_gen_put_u64(w, port);
}

static uint32_t new_pid(struct wd_gen *g)
{
    return (uint32_t)gen_range(&g->rng, 1200, 999999);
}

static const char *pick_server(struct wd_gen *g, bool bastion)
{
    if (bastion)
        return gen_chance(&g->rng, 600) ? "bastion-01" : "bastion-02";
    return wd_gen_servers[4 + gen_below(&g->rng, wd_gen_nservers - 4)].name;
}

static char *put_b64(struct wd_gen *g, char *w, size_t n)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i++)
        *w++ = b64[gen_below(&g->rng, 64)];
    return w;
}

/* An admin logs in, works a while, logs out. */
static void session_login(struct wd_gen *g, int64_t t0)
{
    struct gen_rng *rng = &g->rng;
    char m[300], *w;
    const char *user = wd_gen_users[gen_skew(rng, wd_gen_nusers)];
    uint32_t ip = gen_chance(rng, 800) ? wd_gen_ws_ip((uint32_t)gen_skew(rng, GEN_NWS))
                                       : wd_gen_remote_ip(rng);
    /* one RNG draw per statement: the order of evaluation inside an initializer list is
     * unspecified, and output must not depend on the compiler */
    struct line l = {NULL, "sshd", 0, FAC_AUTH, SEV_INFO, ip, 0, user};
    l.host = pick_server(g, gen_chance(rng, 500));
    l.pid = new_pid(g);
    l.port = wd_gen_eport(rng);
    int64_t t = t0;

    if (gen_chance(rng, 120)) { /* a mistyped password first */
        w = GEN_LIT(m, "Failed password for ");
        w = gen_puts(w, user);
        w = GEN_LIT(w, " from ");
        w = put_ip_port(w, ip, l.port);
        w = GEN_LIT(w, " ssh2");
        push_line(g, t, &l, m, (size_t)(w - m));
        t += wd_gen_follow(g, gen_range(rng, 2 * GEN_US, 9 * GEN_US));
    }
    uint64_t how = gen_below(rng, 100);
    w = GEN_LIT(m, "Accepted ");
    w = how < 80   ? GEN_LIT(w, "publickey")
        : how < 95 ? GEN_LIT(w, "password")
                   : GEN_LIT(w, "keyboard-interactive/pam");
    w = GEN_LIT(w, " for ");
    w = gen_puts(w, user);
    w = GEN_LIT(w, " from ");
    w = put_ip_port(w, ip, l.port);
    w = GEN_LIT(w, " ssh2");
    if (how < 80) {
        w = gen_chance(rng, 700) ? GEN_LIT(w, ": ED25519 SHA256:") : GEN_LIT(w, ": RSA SHA256:");
        w = put_b64(g, w, 43);
    }
    push_line(g, t, &l, m, (size_t)(w - m));

    struct line pam = l;
    pam.fac = FAC_AUTHPRIV;
    w = GEN_LIT(m, "pam_unix(sshd:session): session opened for user ");
    w = gen_puts(w, user);
    w = GEN_LIT(w, " by (uid=0)");
    t += gen_range(rng, 2000, 20000);
    push_line(g, t, &pam, m, (size_t)(w - m));

    if (gen_chance(rng, 600)) {
        struct line li = {l.host, "systemd-logind", 612, FAC_AUTH, SEV_INFO, 0, 0, user};
        w = GEN_LIT(m, "New session ");
        w = wd_gen_put_u64(w, (uint64_t)gen_range(rng, 100, 99999));
        w = GEN_LIT(w, " of user ");
        w = gen_puts(w, user);
        *w++ = '.';
        push_line(g, t + gen_range(rng, 1000, 9000), &li, m, (size_t)(w - m));
    }

    /* logout after a while (often while other traffic goes on) */
    t += wd_gen_follow(g, (int64_t)wd_gen_logu(rng, 21, 31));
    w = GEN_LIT(m, "Received disconnect from ");
    w = put_ip_port(w, ip, l.port);
    w = GEN_LIT(w, ":11: disconnected by user");
    push_line(g, t, &l, m, (size_t)(w - m));
    w = GEN_LIT(m, "Disconnected from user ");
    w = gen_puts(w, user);
    *w++ = ' ';
    w = put_ip_port(w, ip, l.port);
    push_line(g, t + 200, &l, m, (size_t)(w - m));
    w = GEN_LIT(m, "pam_unix(sshd:session): session closed for user ");
    w = gen_puts(w, user);
    push_line(g, t + 900, &pam, m, (size_t)(w - m));
}

static const char *const sudo_cmds[] = {
    "/usr/bin/systemctl restart nginx",
    "/usr/bin/apt-get update",
    "/usr/bin/apt-get -y upgrade",
    "/usr/bin/journalctl -u ssh --since today",
    "/usr/bin/docker ps",
    "/usr/bin/tail -n 200 /var/log/syslog",
    "/usr/bin/vim /etc/nginx/sites-available/default",
    "/usr/sbin/tcpdump -ni eth0 port 53",
    "/bin/systemctl status postgresql",
    "/usr/bin/cat /etc/shadow",
    "/bin/bash",
    "/usr/bin/su -",
};

static uint32_t uid_of(const char *user)
{
    return 1001 + (uint32_t)(gen_mix((uint64_t)(unsigned char)user[0] * 131u + strlen(user)) % 200);
}

static void session_sudo(struct wd_gen *g, int64_t t0)
{
    struct gen_rng *rng = &g->rng;
    char m[300], *w;
    const char *user = wd_gen_users[gen_skew(rng, 24)];
    const char *cmd = sudo_cmds[gen_skew(rng, WD_ARRAY_LEN(sudo_cmds))];
    int tty = (int)gen_below(rng, 4);
    struct line l = {NULL, "sudo", 0, FAC_AUTHPRIV, SEV_NOTICE, 0, 0, user};
    l.host = pick_server(g, false);
    l.pid = new_pid(g);
    uint64_t what = gen_below(rng, 100);
    char ctx[160], *c = ctx;
    c = GEN_LIT(c, " ; TTY=pts/");
    c = wd_gen_put_u64(c, (uint64_t)tty);
    c = GEN_LIT(c, " ; PWD=/home/");
    c = gen_puts(c, user);
    c = GEN_LIT(c, " ; USER=root ; COMMAND=");
    c = gen_puts(c, cmd);
    size_t cl = (size_t)(c - ctx);

    if (what < 88) {
        w = gen_puts(m, user);
        w = GEN_LIT(w, " :");
        w = gen_put(w, ctx + 2, cl - 2);
        push_line(g, t0, &l, m, (size_t)(w - m));
        w = GEN_LIT(m, "pam_unix(sudo:session): session opened for user root(uid=0) by ");
        w = gen_puts(w, user);
        w = GEN_LIT(w, "(uid=");
        w = wd_gen_put_u64(w, uid_of(user));
        *w++ = ')';
        push_line(g, t0 + gen_range(rng, 500, 5000), &l, m, (size_t)(w - m));
        w = GEN_LIT(m, "pam_unix(sudo:session): session closed for user root");
        push_line(g, t0 + wd_gen_follow(g, (int64_t)wd_gen_logu(rng, 17, 26)), &l, m,
                  (size_t)(w - m));
    } else if (what < 96) {
        w = GEN_LIT(m, "pam_unix(sudo:auth): authentication failure; logname=");
        w = gen_puts(w, user);
        w = GEN_LIT(w, " uid=");
        w = wd_gen_put_u64(w, uid_of(user));
        w = GEN_LIT(w, " euid=0 tty=/dev/pts/");
        w = wd_gen_put_u64(w, (uint64_t)tty);
        w = GEN_LIT(w, " ruser=");
        w = gen_puts(w, user);
        w = GEN_LIT(w, " rhost=  user=");
        w = gen_puts(w, user);
        push_line(g, t0, &l, m, (size_t)(w - m));
        w = gen_puts(m, user);
        w = GEN_LIT(w, " : 3 incorrect password attempts");
        w = gen_put(w, ctx, cl);
        l.sev = SEV_ALERT;
        push_line(g, t0 + wd_gen_follow(g, gen_range(rng, 4 * GEN_US, 15 * GEN_US)), &l, m,
                  (size_t)(w - m));
    } else {
        w = gen_puts(m, user);
        w = GEN_LIT(w, " : user NOT in sudoers");
        w = gen_put(w, ctx, cl);
        l.sev = SEV_ALERT;
        push_line(g, t0, &l, m, (size_t)(w - m));
    }
}

/* Background noise from the internet against the bastions. */
static void session_noise(struct wd_gen *g, int64_t t0)
{
    struct gen_rng *rng = &g->rng;
    char m[300], *w;
    uint32_t ip = wd_gen_attacker_ip(rng);
    const char *user = wd_gen_bad_users[gen_skew(rng, wd_gen_nbad_users)];
    struct line l = {NULL, "sshd", 0, FAC_AUTH, SEV_INFO, ip, 0, NULL};
    l.host = pick_server(g, true);
    l.pid = new_pid(g);
    l.port = wd_gen_eport(rng);
    switch (gen_below(rng, 5)) {
    case 0:
        w = GEN_LIT(m, "Connection closed by ");
        w = put_ip_port(w, ip, l.port);
        w = GEN_LIT(w, " [preauth]");
        break;
    case 1:
        w = GEN_LIT(m, "error: kex_exchange_identification: Connection closed by remote host");
        l.sev = SEV_ERR;
        l.ip = 0;
        break;
    case 2:
        w = GEN_LIT(m, "banner exchange: Connection from ");
        w = put_ip_port(w, ip, l.port);
        w = GEN_LIT(w, ": invalid format");
        break;
    case 3:
        l.user = user;
        w = GEN_LIT(m, "Invalid user ");
        w = gen_puts(w, user);
        w = GEN_LIT(w, " from ");
        w = put_ip_port(w, ip, l.port);
        push_line(g, t0, &l, m, (size_t)(w - m));
        w = GEN_LIT(m, "Connection closed by invalid user ");
        w = gen_puts(w, user);
        *w++ = ' ';
        w = put_ip_port(w, ip, l.port);
        w = GEN_LIT(w, " [preauth]");
        t0 += wd_gen_follow(g, gen_range(rng, 100000, 3 * GEN_US));
        break;
    default:
        w = GEN_LIT(m, "Received disconnect from ");
        w = put_ip_port(w, ip, l.port);
        w = GEN_LIT(w, ":11: Bye Bye [preauth]");
        break;
    }
    push_line(g, t0, &l, m, (size_t)(w - m));
}

/* A password-guessing burst: one address, many users, many connections, seconds. */
static void session_burst(struct wd_gen *g, int64_t t0)
{
    struct gen_rng *rng = &g->rng;
    char m[300], *w;
    uint32_t ip = wd_gen_attacker_ip(rng);
    const char *host = pick_server(g, gen_chance(rng, 850));
    size_t attempts = (size_t)gen_range(rng, 20, 120);
    size_t u0 = (size_t)gen_below(rng, wd_gen_nbad_users);
    int64_t t = t0;
    size_t done = 0;

    while (done < attempts) {
        const char *user = wd_gen_bad_users[(u0 + done * 7) % wd_gen_nbad_users];
        bool valid =
            strcmp(user, "root") == 0 || strcmp(user, "git") == 0 || strcmp(user, "deploy") == 0;
        struct line l = {host, "sshd", 0, FAC_AUTH, SEV_INFO, ip, 0, user};
        l.pid = new_pid(g);
        l.port = wd_gen_eport(rng);
        size_t tries = (size_t)gen_range(rng, 1, 3);
        if (!valid) {
            w = GEN_LIT(m, "Invalid user ");
            w = gen_puts(w, user);
            w = GEN_LIT(w, " from ");
            w = put_ip_port(w, ip, l.port);
            push_line(g, t, &l, m, (size_t)(w - m));
            t += wd_gen_burst_gap(g, 2000, 40000);
        }
        for (size_t i = 0; i < tries && done < attempts; i++, done++) {
            w = GEN_LIT(m, "Failed password for ");
            if (!valid)
                w = GEN_LIT(w, "invalid user ");
            w = gen_puts(w, user);
            w = GEN_LIT(w, " from ");
            w = put_ip_port(w, ip, l.port);
            w = GEN_LIT(w, " ssh2");
            push_line(g, t, &l, m, (size_t)(w - m));
            t += wd_gen_burst_gap(g, 15000, 120000);
        }
        if (valid && tries == 3 && gen_chance(rng, 400)) {
            struct line pam = l;
            pam.fac = FAC_AUTHPRIV;
            pam.sev = SEV_NOTICE;
            w = GEN_LIT(m, "PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh "
                           "ruser= rhost=");
            w = wd_gen_put_ipv4(w, ip);
            w = GEN_LIT(w, "  user=");
            w = gen_puts(w, user);
            push_line(g, t, &pam, m, (size_t)(w - m));
        }
        w = GEN_LIT(m, "Connection closed by ");
        w = valid ? GEN_LIT(w, "authenticating user ") : GEN_LIT(w, "invalid user ");
        w = gen_puts(w, user);
        *w++ = ' ';
        w = put_ip_port(w, ip, l.port);
        w = GEN_LIT(w, " [preauth]");
        push_line(g, t, &l, m, (size_t)(w - m));
        t += wd_gen_burst_gap(g, 5000, 60000);
    }
}

void wd_gen_syslog_session(struct wd_gen *g, int64_t t0)
{
    struct gen_rng *rng = &g->rng;
    uint64_t n = g->sys_sessions++;
    if (n == g->sys_next_burst) {
        session_burst(g, t0);
        g->sys_next_burst = n + (uint64_t)gen_range(rng, 150, 600);
        return;
    }
    static const uint16_t w[] = {30, 25, 45};
    switch (wd_gen_pick(rng, w, WD_ARRAY_LEN(w))) {
    case 0:
        session_login(g, t0);
        break;
    case 1:
        session_sudo(g, t0);
        break;
    default:
        session_noise(g, t0);
        break;
    }
}

char *wd_gen_syslog_render(struct wd_gen *g, const struct gen_rec *r, char *w, enum wd_gen_fmt f)
{
    const struct gen_syslog *s = &r->u.sys;
    unsigned pri = s->facility * 8u + s->severity;
    WD_UNUSED(g);
    if (f == WD_GEN_FMT_MOZDEF) {
        const char *fac = s->facility == FAC_AUTH ? "auth" : "authpriv";
        w = GEN_LIT(w, "{\"category\":\"syslog\",\"source\":\"");
        w = gen_puts(w, fac);
        w = GEN_LIT(w, "\",\"type\":\"event\",\"hostname\":\"");
        w = gen_puts(w, s->host);
        w = GEN_LIT(w, "\",\"processname\":\"");
        w = gen_puts(w, s->program);
        w = GEN_LIT(w, "\",\"processid\":\"");
        w = wd_gen_put_u64(w, s->pid);
        w = GEN_LIT(w, "\",\"severity\":\"");
        w = gen_puts(w, sev_names[s->severity]);
        w = GEN_LIT(w, "\",\"facility\":\"");
        w = gen_puts(w, fac);
        w = GEN_LIT(w, "\",\"summary\":");
        w = wd_gen_put_jstr(w, s->msg, s->msg_len);
        w = GEN_LIT(w, ",\"utctimestamp\":\"");
        char *ts = w;
        w = wd_gen_put_iso(w, r->ts_us, GEN_ISO_MOZDEF);
        size_t tsl = (size_t)(w - ts);
        w = GEN_LIT(w, "\",\"timestamp\":\"");
        memmove(w, ts, tsl);
        w += tsl;
        w = GEN_LIT(w, "\",\"receivedtimestamp\":\"");
        w = wd_gen_put_iso(w, r->write_us, GEN_ISO_MOZDEF);
        w = GEN_LIT(w, "\",\"mozdefhostname\":\"" GEN_MOZDEF_HOST
                       "\",\"tags\":[\"syslog\"],\"details\":{\"program\":\"");
        w = gen_puts(w, s->program);
        w = GEN_LIT(w, "\",\"hostname\":\"");
        w = gen_puts(w, s->host);
        *w++ = '"';
        if (s->src_ip) {
            w = GEN_LIT(w, ",\"sourceipaddress\":\"");
            w = wd_gen_put_ipv4(w, s->src_ip);
            *w++ = '"';
        }
        if (s->src_port) {
            w = GEN_LIT(w, ",\"sourceport\":\"");
            w = wd_gen_put_u64(w, s->src_port);
            *w++ = '"';
        }
        if (s->user) {
            w = GEN_LIT(w, ",\"username\":");
            w = gen_jstr(w, s->user);
        }
        w = GEN_LIT(w, "}}\n");
        return w;
    }
    *w++ = '<';
    w = wd_gen_put_u64(w, pri);
    *w++ = '>';
    if (f == WD_GEN_FMT_RFC5424) {
        w = GEN_LIT(w, "1 ");
        w = wd_gen_put_iso(w, r->ts_us, GEN_ISO_ZULU6);
        *w++ = ' ';
        w = gen_puts(w, s->host);
        *w++ = ' ';
        w = gen_puts(w, s->program);
        *w++ = ' ';
        w = wd_gen_put_u64(w, s->pid);
        w = GEN_LIT(w, " - - ");
    } else {
        w = wd_gen_put_bsddate(w, r->ts_us);
        *w++ = ' ';
        w = gen_puts(w, s->host);
        *w++ = ' ';
        w = gen_puts(w, s->program);
        *w++ = '[';
        w = wd_gen_put_u64(w, s->pid);
        w = GEN_LIT(w, "]: ");
    }
    w = gen_put(w, s->msg, s->msg_len);
    *w++ = '\n';
    return w;
}
