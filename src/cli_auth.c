/*
 * cli_auth.c: `ward user add|list|del`, `ward token add|list|revoke` against a data
 * directory's state.db (the server may be running: SQLite serializes the writers), and
 * `ward cert selfsigned`, a key and self-signed certificate made with GnuTLS for a
 * first run of the HTTPS listener.
 */
#include "cli_auth.h"

#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "jv.h"
#include "mem.h"
#include "ward.h"

struct opts {
    const char *data, *role, *name, *scopes, *out, *host;
    bool password_stdin;
};

static int parse(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {
        {"data", required_argument, NULL, 'd'},
        {"role", required_argument, NULL, 'r'},
        {"name", required_argument, NULL, 'n'},
        {"scopes", required_argument, NULL, 's'},
        {"out", required_argument, NULL, 'o'},
        {"host", required_argument, NULL, 'H'},
        {"password-stdin", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    o->data = "ward-data";
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:h", lo, NULL)) != -1) {
        switch (c) {
        case 'd':
            o->data = optarg;
            break;
        case 'r':
            o->role = optarg;
            break;
        case 'n':
            o->name = optarg;
            break;
        case 's':
            o->scopes = optarg;
            break;
        case 'o':
            o->out = optarg;
            break;
        case 'H':
            o->host = optarg;
            break;
        case 'p':
            o->password_stdin = true;
            break;
        case 'h':
            return -1;
        default:
            return 2;
        }
    }
    return 0;
}

static struct wd_auth *open_state(const char *data)
{
    char err[512];
    if (wd_mkdir_p(data)) {
        fprintf(stderr, "ward: cannot create %s\n", data);
        return NULL;
    }
    struct wd_auth *a = wd_auth_open(data, err, sizeof(err));
    if (!a)
        fprintf(stderr, "ward: %s\n", err);
    return a;
}

/* $WARD_PASSWORD, else one line of stdin (prompted when it is a terminal). */
static bool read_password(char *out, size_t out_len)
{
    const char *env = getenv("WARD_PASSWORD");
    if (env && *env) {
        snprintf(out, out_len, "%s", env);
        return true;
    }
    if (isatty(0))
        fprintf(stderr, "password: ");
    if (!fgets(out, (int)out_len, stdin))
        return false;
    out[strcspn(out, "\r\n")] = '\0';
    return true;
}

/* Queues the audit event of a CLI change; the server writes it as an event (category
 * audit) within a second, or at its next start. */
static void audit(struct wd_auth *a, const char *action, const char *target)
{
    struct wd_buf b;
    const char *who = getenv("SUDO_USER") ? getenv("SUDO_USER") : getenv("USER");
    const struct passwd *pw = who ? NULL : getpwuid(getuid());
    if (pw)
        who = pw->pw_name;
    char sum[300];
    snprintf(sum, sizeof(sum), "%s: cli %.64s %.128s", action, who ? who : "?", target);
    wd_buf_init(&b, 0);
    wd_buf_printf(&b, "{\"category\":\"audit\",\"source\":\"ward\",\"tags\":[\"ward\","
                      "\"audit\"],\"severity\":\"INFO\",\"summary\":");
    wd_jv_write_str(sum, strlen(sum), &b);
    wd_buf_printf(&b, ",\"details\":{\"action\":\"%s\",\"username\":", action);
    char u[160];
    snprintf(u, sizeof(u), "cli:%s", who ? who : "?");
    wd_jv_write_str(u, strlen(u), &b);
    wd_buf_printf(&b, ",\"target\":");
    wd_jv_write_str(target, strlen(target), &b);
    wd_buf_printf(&b, ",\"via\":\"cli\"}}");
    wd_buf_putc(&b, '\0');
    if (wd_auth_audit_queue(a, b.p))
        fprintf(stderr, "ward: warning: could not queue the audit event\n");
    wd_buf_fini(&b);
}

static void user_usage(FILE *f)
{
    fprintf(f, "usage: ward user add NAME --role admin|analyst|viewer [--data DIR]\n"
               "       ward user list [--data DIR]\n"
               "       ward user del NAME [--data DIR]\n\n"
               "Manages console users in DIR/state.db (default ward-data). The password is\n"
               "read from $WARD_PASSWORD or one line of standard input (prompted on a\n"
               "terminal); at least 8 characters. Adding an existing user sets a new\n"
               "password and role and ends their sessions.\n");
}

int wd_user_main(int argc, char **argv)
{
    struct opts o = {0};
    int rc = parse(argc, argv, &o);
    if (rc == -1 || argc < 2) {
        user_usage(rc == -1 ? stdout : stderr);
        return rc == -1 ? 0 : 2;
    }
    if (rc)
        return rc;
    const char *verb = optind < argc ? argv[optind] : "";
    const char *name = optind + 1 < argc ? argv[optind + 1] : NULL;
    if (!strcmp(verb, "list")) {
        struct wd_auth *a = open_state(o.data);
        if (!a)
            return 1;
        struct wd_buf b;
        wd_buf_init(&b, 0);
        wd_auth_user_list(a, &b);
        printf("%.*s\n", (int)b.len, b.p);
        wd_buf_fini(&b);
        wd_auth_close(a);
        return 0;
    }
    if (!name || (strcmp(verb, "add") && strcmp(verb, "del"))) {
        user_usage(stderr);
        return 2;
    }
    struct wd_auth *a = open_state(o.data);
    if (!a)
        return 1;
    if (!strcmp(verb, "del")) {
        rc = wd_auth_user_del(a, name);
        if (!rc)
            audit(a, "user.delete", name);
        if (rc)
            fprintf(stderr, "ward: no user %s\n", name);
        wd_auth_close(a);
        return rc ? 1 : 0;
    }
    int role = wd_role_parse(o.role ? o.role : "");
    char pass[1100], why[256];
    if (role < 0) {
        fprintf(stderr, "ward: --role admin, analyst or viewer is required\n");
        wd_auth_close(a);
        return 2;
    }
    if (!read_password(pass, sizeof(pass))) {
        fprintf(stderr, "ward: no password given\n");
        wd_auth_close(a);
        return 2;
    }
    rc = wd_auth_user_add(a, name, role, pass, why, sizeof(why));
    explicit_bzero(pass, sizeof(pass));
    if (!rc)
        audit(a, "user.add", name);
    wd_auth_close(a);
    if (rc) {
        fprintf(stderr, "ward: %s\n", why);
        return rc == WD_EINVAL ? 2 : 1;
    }
    printf("user %s (%s) saved in %s/state.db\n", name, wd_role_name(role), o.data);
    return 0;
}

static void token_usage(FILE *f)
{
    fprintf(f, "usage: ward token add --name NAME --scopes ingest,read,write,admin [--data DIR]\n"
               "       ward token list [--data DIR]\n"
               "       ward token revoke ID [--data DIR]\n\n"
               "API tokens for `Authorization: Bearer TOKEN` (and $WARD_TOKEN for the ward\n"
               "CLI). `add` prints the token once; only its hash is stored.\n");
}

int wd_token_main(int argc, char **argv)
{
    struct opts o = {0};
    int rc = parse(argc, argv, &o);
    if (rc == -1 || argc < 2) {
        token_usage(rc == -1 ? stdout : stderr);
        return rc == -1 ? 0 : 2;
    }
    if (rc)
        return rc;
    const char *verb = optind < argc ? argv[optind] : "";
    struct wd_auth *a = NULL;
    if (!strcmp(verb, "add")) {
        unsigned sc;
        if (!o.name || !o.scopes || !wd_scopes_parse(o.scopes, &sc)) {
            fprintf(stderr, "ward: token add needs --name and --scopes (ingest, read, write, "
                            "admin)\n");
            return 2;
        }
        if (!(a = open_state(o.data)))
            return 1;
        char tok[WD_AUTH_ID_LEN + 4];
        int64_t id;
        rc = wd_auth_token_add(a, o.name, sc, "cli", NULL, tok, &id);
        if (!rc) {
            printf("%s\n", tok);
            audit(a, "token.create", o.name);
        } else
            fprintf(stderr, "ward: cannot write state.db\n");
    } else if (!strcmp(verb, "list")) {
        if (!(a = open_state(o.data)))
            return 1;
        struct wd_buf b;
        wd_buf_init(&b, 0);
        wd_auth_token_list(a, &b);
        printf("%.*s\n", (int)b.len, b.p);
        wd_buf_fini(&b);
    } else if (!strcmp(verb, "revoke") && optind + 1 < argc) {
        if (!(a = open_state(o.data)))
            return 1;
        rc = wd_auth_token_revoke(a, strtoll(argv[optind + 1], NULL, 10));
        if (!rc)
            audit(a, "token.revoke", argv[optind + 1]);
        if (rc)
            fprintf(stderr, "ward: no live token %s\n", argv[optind + 1]);
    } else {
        token_usage(stderr);
        return 2;
    }
    wd_auth_close(a);
    return rc ? 1 : 0;
}

static int write_file(const char *path, const gnutls_datum_t *d, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0)
        return WD_EIO;
    bool ok = write(fd, d->data, d->size) == (ssize_t)d->size;
    ok = fchmod(fd, mode) == 0 && ok;
    return close(fd) == 0 && ok ? WD_OK : WD_EIO;
}

int wd_cert_main(int argc, char **argv)
{
    struct opts o = {0};
    int rc = parse(argc, argv, &o);
    if (rc == -1 || argc < 2 ||
        (rc == 0 && (optind >= argc || strcmp(argv[optind], "selfsigned")))) {
        FILE *f = rc == -1 ? stdout : stderr;
        fprintf(f, "usage: ward cert selfsigned [--out DIR] [--host NAME]\n\n"
                   "Writes DIR/ward.key (mode 0600) and DIR/ward.crt, a self-signed ECDSA P-256\n"
                   "certificate valid for a year for NAME (default: localhost), localhost,\n"
                   "127.0.0.1 and ::1. Then set http.tls_cert and http.tls_key.\n");
        return rc == -1 ? 0 : 2;
    }
    if (rc)
        return rc;
    const char *out = o.out ? o.out : ".";
    const char *host = o.host ? o.host : "localhost";
    gnutls_x509_privkey_t key = NULL;
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t kpem = {NULL, 0}, cpem = {NULL, 0};
    unsigned char serial[16];
    char kpath[4200], cpath[4200];
    rc = 1;
    if (wd_mkdir_p(out)) {
        fprintf(stderr, "ward: cannot create %s\n", out);
        return 1;
    }
    if (gnutls_x509_privkey_init(&key) || gnutls_x509_crt_init(&crt) ||
        gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
                                     GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0))
        goto fail;
    time_t now = time(NULL);
    if (gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial)))
        goto fail;
    serial[0] &= 0x7f; /* a positive serial */
    static const unsigned char lo4[4] = {127, 0, 0, 1};
    static const unsigned char lo6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if (gnutls_x509_crt_set_version(crt, 3) ||
        gnutls_x509_crt_set_serial(crt, serial, sizeof(serial)) ||
        gnutls_x509_crt_set_activation_time(crt, now - 300) ||
        gnutls_x509_crt_set_expiration_time(crt, now + 365 * 86400) ||
        gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, host,
                                      (unsigned)strlen(host)) ||
        gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, host, (unsigned)strlen(host),
                                             GNUTLS_FSAN_APPEND) ||
        (strcmp(host, "localhost") &&
         gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9,
                                              GNUTLS_FSAN_APPEND)) ||
        gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, lo4, 4,
                                             GNUTLS_FSAN_APPEND) ||
        gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, lo6, 16,
                                             GNUTLS_FSAN_APPEND) ||
        gnutls_x509_crt_set_key(crt, key) || gnutls_x509_crt_set_basic_constraints(crt, 0, -1) ||
        gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE) ||
        gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0) ||
        gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) ||
        gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &kpem) ||
        gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cpem))
        goto fail;
    snprintf(kpath, sizeof(kpath), "%s/ward.key", out);
    snprintf(cpath, sizeof(cpath), "%s/ward.crt", out);
    if (write_file(kpath, &kpem, 0600) || write_file(cpath, &cpem, 0644)) {
        fprintf(stderr, "ward: cannot write %s or %s\n", kpath, cpath);
        rc = 1;
        goto out;
    }
    printf("wrote %s and %s (self-signed for %s)\nset http.tls_cert: %s and http.tls_key: %s\n",
           kpath, cpath, host, cpath, kpath);
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "ward: GnuTLS could not make the certificate\n");
out:
    gnutls_free(kpem.data);
    gnutls_free(cpem.data);
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_privkey_deinit(key);
    return rc;
}
