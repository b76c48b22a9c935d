/*
 * gen_net.c: the generator's simulated world: an organisation on 10.0.0.0/16 (office
 * workstations, a server farm, two resolvers, three Zeek sensors), the external sites its
 * users visit with their address pools and certificates, attacker and home-office address
 * pools, user names and user agents. Pure data plus deterministic derivations (uids,
 * certificate fields); nothing here keeps state.
 *
 * Public addresses are realistic ranges of the named providers; attacker pools are
 * documentation ranges (RFC 5737) and hosting ranges commonly seen in scan logs. None of
 * this is a claim about any real host.
 */
#include "gen_int.h"

const char *const wd_gen_log_names[GL_COUNT] = {
    "conn", "dns", "http", "ssl", "ssh", "x509", "syslog", "cloudtrail",
};

/* ---- uids ---------------------------------------------------------------------------- */

static const char b62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

struct gen_uid wd_gen_uid(struct gen_rng *r)
{
    struct gen_uid u;
    u.hi = gen_rand(r);
    u.lo = (uint32_t)gen_rand(r);
    if (!u.hi)
        u.hi = 1;
    return u;
}

static char *put_b62(char *w, uint64_t v)
{
    char tmp[12];
    int n = 0;
    do {
        tmp[n++] = b62[v % 62];
        v /= 62;
    } while (v);
    while (n)
        *w++ = tmp[--n];
    return w;
}

char *wd_gen_put_uid(char *w, char prefix, struct gen_uid u)
{
    /* Zeek renders a 96-bit id as base62 of a 64-bit and a 32-bit word: 15..18 chars */
    *w++ = prefix;
    w = put_b62(w, u.hi);
    return put_b62(w, u.lo);
}

/* ---- hosts --------------------------------------------------------------------------- */

const struct gen_server wd_gen_servers[] = {
    {"ns-01", GEN_IP(10, 0, 0, 2), "dns"},
    {"ns-02", GEN_IP(10, 0, 0, 3), "dns"},
    {"dc-01", GEN_IP(10, 0, 0, 10), "dc"},
    {"dc-02", GEN_IP(10, 0, 0, 11), "dc"},
    {"vpn-01", GEN_IP(10, 0, 100, 5), "vpn"},
    {"bastion-01", GEN_IP(10, 0, 100, 10), "bastion"},
    {"bastion-02", GEN_IP(10, 0, 100, 11), "bastion"},
    {"web-01", GEN_IP(10, 0, 101, 11), "web"},
    {"web-02", GEN_IP(10, 0, 101, 12), "web"},
    {"web-03", GEN_IP(10, 0, 101, 13), "web"},
    {"api-01", GEN_IP(10, 0, 101, 21), "web"},
    {"api-02", GEN_IP(10, 0, 101, 22), "web"},
    {"db-01", GEN_IP(10, 0, 102, 21), "db"},
    {"db-02", GEN_IP(10, 0, 102, 22), "db"},
    {"build-01", GEN_IP(10, 0, 103, 31), "build"},
    {"build-02", GEN_IP(10, 0, 103, 32), "build"},
    {"git-01", GEN_IP(10, 0, 103, 40), "git"},
    {"jenkins-01", GEN_IP(10, 0, 103, 41), "build"},
    {"mail-01", GEN_IP(10, 0, 104, 25), "mail"},
    {"fs-01", GEN_IP(10, 0, 105, 5), "file"},
    {"mon-01", GEN_IP(10, 0, 106, 9), "mon"},
    {"log-01", GEN_IP(10, 0, 106, 10), "log"},
};
const size_t wd_gen_nservers = WD_ARRAY_LEN(wd_gen_servers);

uint32_t wd_gen_ws_ip(uint32_t i)
{
    /* office VLANs 10.0.16.0/24 .. 10.0.23.0/24, DHCP pool .20 - .239 */
    i %= GEN_NWS;
    return GEN_IP(10, 0, 16 + i / 220, 20 + i % 220);
}

const char *wd_gen_sensor(uint32_t ip)
{
    unsigned c = (ip >> 8) & 0xff;
    if (!gen_is_local(ip))
        return "nsm-edge-01";
    if (c >= 16 && c < 20)
        return "nsm-office-01";
    if (c >= 20 && c < 24)
        return "nsm-office-02";
    return "nsm-dc-01";
}

/* Attackers and scanners: /24s seen in scan logs plus the documentation ranges. */
static const uint32_t attacker_nets[] = {
    GEN_IP(203, 0, 113, 0),   GEN_IP(198, 51, 100, 0), GEN_IP(192, 0, 2, 0),
    GEN_IP(185, 220, 101, 0), GEN_IP(45, 148, 10, 0),  GEN_IP(193, 32, 162, 0),
    GEN_IP(218, 92, 0, 0),    GEN_IP(61, 177, 172, 0), GEN_IP(141, 98, 11, 0),
    GEN_IP(92, 255, 85, 0),   GEN_IP(80, 94, 95, 0),   GEN_IP(194, 169, 175, 0),
    GEN_IP(179, 43, 180, 0),  GEN_IP(103, 145, 13, 0), GEN_IP(222, 186, 30, 0),
};

uint32_t wd_gen_attacker_ip(struct gen_rng *r)
{
    uint32_t net = attacker_nets[gen_skew(r, WD_ARRAY_LEN(attacker_nets))];
    return net | (uint32_t)(1 + gen_skew(r, 254));
}

/* Home offices and partners: consumer ISP /16s. */
static const uint32_t remote_nets[] = {
    GEN_IP(73, 162, 0, 0), GEN_IP(24, 6, 0, 0),   GEN_IP(98, 207, 0, 0), GEN_IP(71, 198, 0, 0),
    GEN_IP(79, 192, 0, 0), GEN_IP(86, 128, 0, 0), GEN_IP(81, 2, 0, 0),   GEN_IP(90, 63, 0, 0),
    GEN_IP(174, 88, 0, 0), GEN_IP(108, 28, 0, 0),
};

uint32_t wd_gen_remote_ip(struct gen_rng *r)
{
    uint32_t net = remote_nets[gen_below(r, WD_ARRAY_LEN(remote_nets))];
    return net | (uint32_t)gen_range(r, 1, 0xfffe);
}

uint16_t wd_gen_eport(struct gen_rng *r)
{
    if (gen_chance(r, 600))
        return (uint16_t)gen_range(r, 32768, 60999);
    return (uint16_t)gen_range(r, 49152, 65535);
}

/* ---- certificates -------------------------------------------------------------------- */

enum {
    C_WR2,
    C_R11,
    C_E6,
    C_DIGI_G2,
    C_AMZ,
    C_MSFT,
    C_SECTIGO,
    C_GSIGN,
    C_CORPCA,
    C_DIGI_G3,
    C_WE2,
    C_GOOGLE,
    C_GITHUB,
    C_GITHUB_STAR,
    C_GHUC,
    C_SLACK,
    C_OUTLOOK,
    C_MSO,
    C_MOZ,
    C_S3,
    C_ZOOM,
    C_WIKI,
    C_JSDELIVR,
    C_NPM,
    C_PYPI,
    C_UBUNTU,
    C_AMAZON,
    C_SENTRY,
    C_LINKEDIN,
    C_CORP,
    C_SEGMENT,
    C_CLOUDFRONT,
    C_MOZSVC,
    C_YOUTUBE,
};

#define NOISS 0xffff
const struct gen_cert wd_gen_certs[] = {
    [C_WR2] = {"CN=WR2,O=Google Trust Services,C=US",
               "CN=GTS Root R1,O=Google Trust Services LLC,C=US", NULL, NOISS, 1, 0, 1826},
    [C_R11] = {"CN=R11,O=Let's Encrypt,C=US",
               "CN=ISRG Root X1,O=Internet Security Research Group,C=US", NULL, NOISS, 1, 0, 1826},
    [C_E6] = {"CN=E6,O=Let's Encrypt,C=US",
              "CN=ISRG Root X1,O=Internet Security Research Group,C=US", NULL, NOISS, 1, 1, 1826},
    [C_DIGI_G2] = {"CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1,O=DigiCert Inc,C=US",
                   "CN=DigiCert Global Root G2,OU=www.digicert.com,O=DigiCert Inc,C=US", NULL,
                   NOISS, 1, 0, 3652},
    [C_AMZ] = {"CN=Amazon RSA 2048 M02,O=Amazon,C=US", "CN=Amazon Root CA 1,O=Amazon,C=US", NULL,
               NOISS, 1, 0, 2922},
    [C_MSFT] = {"CN=Microsoft Azure RSA TLS Issuing CA 04,O=Microsoft Corporation,C=US",
                "CN=DigiCert Global Root G2,OU=www.digicert.com,O=DigiCert Inc,C=US", NULL, NOISS,
                1, 0, 1826},
    [C_SECTIGO] = {"CN=Sectigo ECC Domain Validation Secure Server CA,O=Sectigo Limited,"
                   "L=Salford,ST=Greater Manchester,C=GB",
                   "CN=USERTrust ECC Certification Authority,O=The USERTRUST Network,"
                   "L=Jersey City,ST=New Jersey,C=US",
                   NULL, NOISS, 1, 1, 3652},
    [C_GSIGN] = {"CN=GlobalSign Atlas R3 DV TLS CA 2025 Q1,O=GlobalSign nv-sa,C=BE",
                 "CN=GlobalSign,O=GlobalSign,OU=GlobalSign Root CA - R3", NULL, NOISS, 1, 0, 1826},
    [C_CORPCA] = {"CN=Example Corp Issuing CA 1,O=Example Corp,C=US",
                  "CN=Example Corp Root CA,O=Example Corp,C=US", NULL, NOISS, 1, 0, 3652},
    [C_DIGI_G3] = {"CN=DigiCert Global G3 TLS ECC SHA384 2020 CA1,O=DigiCert Inc,C=US",
                   "CN=DigiCert Global Root G3,OU=www.digicert.com,O=DigiCert Inc,C=US", NULL,
                   NOISS, 1, 1, 3652},
    [C_WE2] = {"CN=WE2,O=Google Trust Services,C=US",
               "CN=GTS Root R4,O=Google Trust Services LLC,C=US", NULL, NOISS, 1, 1, 1826},
    [C_GOOGLE] = {"CN=*.google.com", NULL,
                  "*.google.com,*.appengine.google.com,*.bdn.dev,*.cloud.google.com,"
                  "*.googleapis.com,*.gstatic.com,*.gvt1.com,*.gvt2.com,google.com,"
                  "*.android.com,*.googleusercontent.com,*.googlevideo.com",
                  C_WE2, 0, 1, 84},
    [C_GITHUB] = {"CN=github.com", NULL, "github.com,www.github.com", C_SECTIGO, 0, 1, 365},
    [C_GITHUB_STAR] = {"CN=*.github.com", NULL, "*.github.com,github.com", C_SECTIGO, 0, 1, 365},
    [C_GHUC] = {"CN=*.githubusercontent.com", NULL,
                "*.githubusercontent.com,githubusercontent.com,*.github.io,github.io", C_SECTIGO, 0,
                1, 365},
    [C_SLACK] = {"CN=slack.com", NULL, "slack.com,*.slack.com,*.slack-edge.com", C_AMZ, 0, 0, 395},
    [C_OUTLOOK] = {"CN=outlook.com,O=Microsoft Corporation,L=Redmond,ST=Washington,C=US", NULL,
                   "*.outlook.office365.com,outlook.office365.com,*.office.com,"
                   "outlook.office.com,*.outlook.com,outlook.com",
                   C_MSFT, 0, 0, 365},
    [C_MSO] = {"CN=stamp2.login.microsoftonline.com,O=Microsoft Corporation,L=Redmond,"
               "ST=Washington,C=US",
               NULL, "login.microsoftonline.com,login.microsoft.com,login.windows.net", C_MSFT, 0,
               0, 365},
    [C_MOZ] = {"CN=www.mozilla.org,O=Mozilla Corporation,L=San Francisco,ST=California,C=US", NULL,
               "www.mozilla.org,mozilla.org,*.mozilla.org", C_DIGI_G2, 0, 0, 395},
    [C_S3] = {"CN=s3.amazonaws.com", NULL, "s3.amazonaws.com,*.s3.amazonaws.com", C_AMZ, 0, 0, 330},
    [C_ZOOM] = {"CN=*.zoom.us,O=Zoom Video Communications\\, Inc.,L=San Jose,ST=California,"
                "C=US",
                NULL, "*.zoom.us,zoom.us", C_DIGI_G2, 0, 0, 395},
    [C_WIKI] = {"CN=*.wikipedia.org", NULL,
                "*.wikipedia.org,wikipedia.org,*.m.wikipedia.org,*.wikimedia.org", C_E6, 0, 1, 90},
    [C_JSDELIVR] = {"CN=cdn.jsdelivr.net", NULL, "cdn.jsdelivr.net", C_GSIGN, 0, 0, 395},
    [C_NPM] = {"CN=npmjs.org", NULL, "npmjs.org,*.npmjs.org", C_WE2, 0, 1, 90},
    [C_PYPI] = {"CN=pypi.org", NULL, "pypi.org,*.pypi.org,www.pypi.org", C_GSIGN, 0, 0, 395},
    [C_UBUNTU] = {"CN=*.ubuntu.com", NULL, "*.ubuntu.com,ubuntu.com", C_R11, 0, 0, 90},
    [C_AMAZON] = {"CN=www.amazon.com", NULL,
                  "amazon.com,www.amazon.com,amzn.com,www.amzn.com,smile.amazon.com", C_DIGI_G2, 0,
                  0, 395},
    [C_SENTRY] = {"CN=*.sentry.io", NULL, "*.sentry.io,sentry.io,*.ingest.sentry.io", C_R11, 0, 0,
                  90},
    [C_LINKEDIN] = {"CN=www.linkedin.com,O=LinkedIn Corporation,L=Sunnyvale,ST=California,"
                    "C=US",
                    NULL, "www.linkedin.com,linkedin.com,*.linkedin.com", C_DIGI_G2, 0, 0, 365},
    [C_CORP] = {"CN=*.corp.example.com,O=Example Corp,C=US", NULL,
                "*.corp.example.com,corp.example.com", C_CORPCA, 0, 0, 730},
    [C_SEGMENT] = {"CN=api.segment.io", NULL, "api.segment.io,*.segment.io", C_AMZ, 0, 0, 395},
    [C_CLOUDFRONT] = {"CN=*.cloudfront.net", NULL, "*.cloudfront.net,cloudfront.net", C_AMZ, 0, 0,
                      330},
    [C_MOZSVC] = {"CN=firefox.settings.services.mozilla.com", NULL,
                  "firefox.settings.services.mozilla.com,*.services.mozilla.com", C_R11, 0, 0, 90},
    [C_YOUTUBE] = {"CN=*.google.com", NULL,
                   "*.google.com,*.youtube.com,youtube.com,*.ytimg.com,*.googlevideo.com,"
                   "youtu.be,*.youtube-nocookie.com",
                   C_WR2, 0, 0, 84},
};
const size_t wd_gen_ncerts = WD_ARRAY_LEN(wd_gen_certs);

/* ---- sites ----------------------------------------------------------------------------- */

#define G6 "2607:f8b0:4005:80b::"
const struct gen_site wd_gen_sites[] = {
    {"www.google.com", GEN_IP(142, 250, 64, 0), 256, 120, NULL, G6, C_GOOGLE, 1, GEN_SITE_WEB},
    {"fonts.gstatic.com", GEN_IP(142, 250, 72, 0), 64, 40, NULL, G6, C_GOOGLE, 0, GEN_SITE_CDN},
    {"www.youtube.com", GEN_IP(142, 250, 188, 0), 64, 50, "youtube-ui.l.google.com", G6, C_YOUTUBE,
     0, GEN_SITE_WEB},
    {"update.googleapis.com", GEN_IP(142, 250, 189, 0), 64, 20, NULL, G6, C_GOOGLE, 0,
     GEN_SITE_UPDATE},
    {"accounts.google.com", GEN_IP(142, 250, 190, 0), 32, 20, NULL, G6, C_GOOGLE, 0, GEN_SITE_API},
    {"github.com", GEN_IP(140, 82, 112, 3), 2, 40, NULL, NULL, C_GITHUB, 0, GEN_SITE_WEB},
    {"api.github.com", GEN_IP(140, 82, 112, 5), 2, 25, NULL, NULL, C_GITHUB_STAR, 0, GEN_SITE_API},
    {"objects.githubusercontent.com", GEN_IP(185, 199, 108, 133), 4, 10, NULL,
     "2606:50c0:8000::", C_GHUC, 0, GEN_SITE_CDN},
    {"slack.com", GEN_IP(3, 230, 0, 0), 64, 35, NULL, NULL, C_SLACK, 0, GEN_SITE_API},
    {"outlook.office365.com", GEN_IP(52, 96, 0, 0), 256, 60, "outlook.ha.office365.com",
     "2603:1036:304::", C_OUTLOOK, 0, GEN_SITE_API},
    {"login.microsoftonline.com", GEN_IP(20, 190, 128, 0), 64, 40, "login.mso.msidentity.com",
     "2603:1036:3000::", C_MSO, 0, GEN_SITE_API},
    {"www.mozilla.org", GEN_IP(34, 120, 0, 10), 2, 10, NULL, NULL, C_MOZ, 1, GEN_SITE_WEB},
    {"incoming.telemetry.mozilla.org", GEN_IP(34, 120, 208, 123), 1, 20,
     "telemetry-incoming.r53-2.services.mozilla.com", NULL, C_MOZSVC, 0, GEN_SITE_API},
    {"firefox.settings.services.mozilla.com", GEN_IP(34, 149, 100, 209), 1, 15, NULL, NULL,
     C_MOZSVC, 0, GEN_SITE_UPDATE},
    {"s3.amazonaws.com", GEN_IP(52, 216, 0, 0), 1024, 30, "s3-1-w.amazonaws.com", NULL, C_S3, 0,
     GEN_SITE_API},
    {"zoom.us", GEN_IP(170, 114, 52, 0), 256, 20, NULL, NULL, C_ZOOM, 0, GEN_SITE_WEB},
    {"www.wikipedia.org", GEN_IP(208, 80, 154, 224), 1, 10, "dyna.wikimedia.org",
     "2620:0:861:ed1a::", C_WIKI, 1, GEN_SITE_WEB},
    {"cdn.jsdelivr.net", GEN_IP(151, 101, 1, 229), 1, 10, "jsdelivr.map.fastly.net", NULL,
     C_JSDELIVR, 0, GEN_SITE_CDN},
    {"registry.npmjs.org", GEN_IP(104, 16, 0, 34), 32, 10, NULL, "2606:4700::", C_NPM, 0,
     GEN_SITE_API},
    {"pypi.org", GEN_IP(151, 101, 0, 223), 1, 8, NULL, NULL, C_PYPI, 0, GEN_SITE_API},
    {"archive.ubuntu.com", GEN_IP(91, 189, 91, 81), 4, 8, NULL, NULL, C_UBUNTU, 2, GEN_SITE_UPDATE},
    {"security.ubuntu.com", GEN_IP(91, 189, 91, 82), 4, 6, NULL, NULL, C_UBUNTU, 2,
     GEN_SITE_UPDATE},
    {"www.amazon.com", GEN_IP(18, 160, 10, 0), 64, 15, "tp.47cf2c8c9-frontier.amazon.com", NULL,
     C_AMAZON, 0, GEN_SITE_WEB},
    {"o123456.ingest.sentry.io", GEN_IP(34, 120, 195, 249), 1, 8, NULL, NULL, C_SENTRY, 0,
     GEN_SITE_API},
    {"www.linkedin.com", GEN_IP(13, 107, 42, 14), 1, 12, "www-linkedin-com.l-0005.l-msedge.net",
     NULL, C_LINKEDIN, 0, GEN_SITE_WEB},
    {"api.segment.io", GEN_IP(52, 34, 47, 0), 16, 8, NULL, NULL, C_SEGMENT, 0, GEN_SITE_API},
    {"d1.awsstatic.com", GEN_IP(18, 154, 41, 0), 64, 6, "d1.awsstatic.com.cdn.cloudfront.net", NULL,
     C_CLOUDFRONT, 0, GEN_SITE_CDN},
    {"detectportal.firefox.com", GEN_IP(34, 107, 221, 82), 1, 12, NULL, NULL, C_MOZSVC, 2,
     GEN_SITE_UPDATE},
    {"ocsp.digicert.com", GEN_IP(192, 229, 211, 108), 1, 10, "fp2e7a.wpc.phicdn.net", NULL,
     C_DIGI_G2, 2, GEN_SITE_UPDATE},
    {"ctldl.windowsupdate.com", GEN_IP(93, 184, 221, 240), 1, 8, "wu-bg-shim.trafficmanager.net",
     NULL, C_MSFT, 2, GEN_SITE_UPDATE},
    {"connectivity-check.ubuntu.com", GEN_IP(91, 189, 91, 49), 2, 8, NULL, NULL, C_UBUNTU, 2,
     GEN_SITE_UPDATE},
    {"intranet.corp.example.com", GEN_IP(10, 0, 101, 11), 3, 30, NULL, NULL, C_CORP, 1,
     GEN_SITE_WEB},
    {"git.corp.example.com", GEN_IP(10, 0, 103, 40), 1, 25, NULL, NULL, C_CORP, 0, GEN_SITE_API},
    {"jenkins.corp.example.com", GEN_IP(10, 0, 103, 41), 1, 10, NULL, NULL, C_CORP, 0,
     GEN_SITE_WEB},
    {"api.corp.example.com", GEN_IP(10, 0, 101, 21), 2, 20, NULL, NULL, C_CORP, 0, GEN_SITE_API},
};
const size_t wd_gen_nsites = WD_ARRAY_LEN(wd_gen_sites);

const struct gen_site *wd_gen_pick_site(struct gen_rng *r)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < wd_gen_nsites; i++)
        sum += wd_gen_sites[i].weight;
    uint32_t x = (uint32_t)gen_below(r, sum);
    for (size_t i = 0; i < wd_gen_nsites; i++) {
        if (x < wd_gen_sites[i].weight)
            return &wd_gen_sites[i];
        x -= wd_gen_sites[i].weight;
    }
    return &wd_gen_sites[0];
}

/* ---- certificate derivation ------------------------------------------------------------ */

static const char *const tlds[] = {"com", "net", "io", "org", "dev", "app", "co", "de", "ai"};

const char *const wd_gen_words[] = {
    "blue",   "pixel", "cloud",  "river", "stack",  "north",  "quick", "data",   "bright",
    "silver", "paper", "rocket", "green", "forge",  "atlas",  "delta", "harbor", "maple",
    "orbit",  "prism", "signal", "stone", "summit", "tiger",  "urban", "vector", "willow",
    "zenith", "amber", "beacon", "cedar", "echo",   "flux",   "glade", "helix",  "iron",
    "jade",   "kite",  "lumen",  "mesa",  "nova",   "onyx",   "pine",  "quartz", "raven",
    "solar",  "tidal", "umbra",  "vivid", "wave",   "metric", "shop",  "news",   "media",
};
const size_t wd_gen_nwords = WD_ARRAY_LEN(wd_gen_words);

#define SYNTH_BIT 0x1000000u

uint32_t wd_gen_cert_synth(uint64_t h)
{
    return SYNTH_BIT | (uint32_t)(h & 0xffffff);
}

size_t wd_gen_synth_host(uint32_t id, char *out)
{
    uint64_t h = gen_mix(id);
    char *w = out;
    if (h & 1)
        w = GEN_LIT(w, "www.");
    else if (h & 2)
        w = GEN_LIT(w, "api.");
    w = gen_puts(w, wd_gen_words[(h >> 8) % wd_gen_nwords]);
    if (h & 4)
        *w++ = '-';
    w = gen_puts(w, wd_gen_words[(h >> 20) % wd_gen_nwords]);
    *w++ = '.';
    w = gen_puts(w, tlds[(h >> 32) % WD_ARRAY_LEN(tlds)]);
    *w = '\0';
    return (size_t)(w - out);
}

uint32_t wd_gen_synth_ip(uint32_t id)
{
    /* CDN and cloud ranges where small sites live */
    static const uint32_t nets[] = {
        GEN_IP(104, 21, 0, 0), GEN_IP(172, 67, 0, 0),  GEN_IP(35, 190, 0, 0), GEN_IP(3, 33, 0, 0),
        GEN_IP(76, 76, 21, 0), GEN_IP(185, 199, 0, 0), GEN_IP(34, 102, 0, 0), GEN_IP(52, 58, 0, 0),
    };
    uint64_t h = gen_mix(id ^ 0x1b873593);
    return nets[h % WD_ARRAY_LEN(nets)] | (uint32_t)((h >> 16) % 0xfffe + 1);
}

/* Issuer of a synthetic certificate: Let's Encrypt mostly, some self-signed. */
static uint32_t synth_issuer(uint32_t id)
{
    static const uint16_t iss[] = {C_R11, C_R11,   C_R11,     C_R11, C_E6,
                                   C_E6,  C_GSIGN, C_SECTIGO, NOISS, NOISS};
    return iss[(gen_mix(id) >> 40) % WD_ARRAY_LEN(iss)];
}

size_t wd_gen_cert_chain(uint32_t id, uint32_t *out)
{
    size_t n = 0;
    out[n++] = id;
    uint32_t iss = (id & SYNTH_BIT) ? synth_issuer(id) : wd_gen_certs[id].issuer_id;
    while (iss != NOISS && n < 3) {
        out[n++] = iss;
        iss = wd_gen_certs[iss].issuer_id;
    }
    return n;
}

static size_t copy_str(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return n;
}

/* Validity period of a certificate in days. */
static uint32_t cert_days(uint32_t id)
{
    if (id & SYNTH_BIT) {
        uint32_t iss = synth_issuer(id);
        return iss == C_R11 || iss == C_E6 ? 90 : 365;
    }
    return wd_gen_certs[id].days;
}

/* A certificate is re-issued every `days` (shifted per id): the fingerprint and serial
 * change with each period, and the current one is valid at now_us. Returns the hash of
 * the current issue; OUT *nb: its notBefore (whole seconds). */
static uint64_t cert_issue(uint32_t id, int64_t now_us, int64_t *nb, int64_t *period_us)
{
    int64_t period = (int64_t)cert_days(id) * 86400 * GEN_US;
    uint64_t h = gen_mix(id ^ 0x5eedc0deu);
    int64_t shift = (int64_t)(h % (uint64_t)period);
    shift -= shift % GEN_US;
    int64_t k = (now_us - shift) / period;
    if (now_us - shift < 0)
        k--;
    *nb = k * period + shift;
    *period_us = period;
    return gen_mix(h + (uint64_t)k);
}

void wd_gen_cert_fp(uint32_t id, int64_t now_us, char *fp)
{
    int64_t nb, period;
    uint64_t hk = cert_issue(id, now_us, &nb, &period);
    *wd_gen_put_hex(fp, hk, 64, false) = '\0';
}

void wd_gen_cert_info(uint32_t id, int64_t now_us, struct gen_certinfo *ci)
{
    uint32_t issuer_id;
    bool ec, issuer_ec;
    memset(ci, 0, sizeof(*ci));
    ci->path_len = -1;
    if (id & SYNTH_BIT) {
        char host[96];
        size_t n = wd_gen_synth_host(id, host);
        char *w = GEN_LIT(ci->subject, "CN=");
        w = gen_put(w, host, n);
        *w = '\0';
        issuer_id = synth_issuer(id);
        if (issuer_id == NOISS) {
            /* self-signed appliance or dev certificate */
            w = GEN_LIT(w, ",O=");
            w = gen_puts(w, wd_gen_words[(gen_mix(id) >> 12) % wd_gen_nwords]);
            w = GEN_LIT(w, " Self-Signed");
            *w = '\0';
            copy_str(ci->issuer, sizeof(ci->issuer), ci->subject);
            ci->self_signed = true;
        }
        w = gen_put(ci->san, host, n);
        if (host[0] != 'w') {
            w = GEN_LIT(w, ",www.");
            w = gen_put(w, host, n);
        }
        *w = '\0';
        ec = issuer_id == C_E6 || (gen_mix(id) & 0x100);
        ci->ca = false;
    } else {
        const struct gen_cert *c = &wd_gen_certs[id];
        copy_str(ci->subject, sizeof(ci->subject), c->subject);
        if (c->san)
            copy_str(ci->san, sizeof(ci->san), c->san);
        issuer_id = c->issuer_id;
        ec = c->ec;
        ci->ca = c->ca;
        if (c->ca) {
            ci->path_len = 0;
            copy_str(ci->issuer, sizeof(ci->issuer), c->issuer);
        }
    }
    ci->issuer_id = issuer_id;
    if (issuer_id != NOISS)
        copy_str(ci->issuer, sizeof(ci->issuer), wd_gen_certs[issuer_id].subject);
    issuer_ec = issuer_id != NOISS ? wd_gen_certs[issuer_id].ec : ec;

    int64_t period;
    uint64_t hk = cert_issue(id, now_us, &ci->not_before_us, &period);
    ci->not_after_us = ci->not_before_us + period - GEN_US;
    *wd_gen_put_hex(ci->fp, hk, 64, false) = '\0';
    size_t serial_len = (issuer_id == C_R11 || issuer_id == C_E6) ? 36 : 32;
    if (ci->self_signed)
        serial_len = 16;
    *wd_gen_put_hex(ci->serial, hk ^ 0xabcdef, serial_len, true) = '\0';
    if (ci->serial[0] == '0')
        ci->serial[0] = '4';

    if (ec) {
        ci->key_alg = "id-ecPublicKey";
        ci->key_type = "ecdsa";
        ci->key_len = 256;
        ci->curve = "prime256v1";
    } else {
        ci->key_alg = "rsaEncryption";
        ci->key_type = "rsa";
        ci->key_len = ci->self_signed || ci->ca ? 4096 : 2048;
        ci->curve = NULL;
    }
    ci->sig_alg = issuer_ec ? "ecdsa-with-SHA384" : "sha256WithRSAEncryption";
}

/* ---- people and agents ------------------------------------------------------------------ */

const char *const wd_gen_users[] = {
    "alice",  "bob",     "carol",   "dave",    "erin",   "frank",      "grace",   "heidi",
    "ivan",   "judy",    "mallory", "niaj",    "olivia", "peggy",      "rupert",  "sybil",
    "trent",  "victor",  "walter",  "yasmin",  "zoe",    "mpurzynski", "jbryner", "gdestuynder",
    "deploy", "ansible", "backup",  "jenkins", "git",    "nagios",
};
const size_t wd_gen_nusers = WD_ARRAY_LEN(wd_gen_users);

const char *const wd_gen_bad_users[] = {
    "root",    "admin",    "test",      "user",    "oracle",        "postgres",  "ubuntu", "guest",
    "ftpuser", "pi",       "git",       "support", "administrator", "mysql",     "hadoop", "nagios",
    "ansible", "deploy",   "www-data",  "dev",     "elastic",       "minecraft", "steam",  "debian",
    "centos",  "ec2-user", "azureuser", "test1",   "operator",      "sysadmin",  "tomcat", "zabbix",
    "jenkins", "docker",   "vagrant",   "student", "server",        "web",       "ftp",    "user1",
};
const size_t wd_gen_nbad_users = WD_ARRAY_LEN(wd_gen_bad_users);

const char *const wd_gen_browser_ua[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
};
const size_t wd_gen_nbrowser_ua = WD_ARRAY_LEN(wd_gen_browser_ua);
