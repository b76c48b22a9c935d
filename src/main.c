/*
 * main.c: the `ward` command line: dispatches subcommands (serve, gen, search, tail,
 * rules, ingest, user, token, cert, wal, config, version) and prints help. Each subcommand lives
 * with its subsystem.
 */
#include "cli_auth.h"
#include "cli_rules.h"
#include "cli_search.h"
#include "gen.h"
#include "server.h"
#include "store.h"
#include "wal.h"
#include "ward.h"
#include "zeek_cli.h"
#include "cli_plugins.h"
#include "amqp_srv.h"

struct wd_cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
};

static int cmd_version(int argc, char **argv)
{
    WD_UNUSED(argc);
    WD_UNUSED(argv);
    printf("ward %s\n", WD_VERSION);
    return 0;
}

/* `ward wal dump DIR`: prints every event of a write-ahead log, one per line, prefixed by
 * its sequence number (a debugging aid and how tests read the log before the store). */
static int cmd_wal(int argc, char **argv)
{
    if (argc != 3 || strcmp(argv[1], "dump") != 0) {
        FILE *f = argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr;
        fprintf(f, "usage: ward wal dump DIR\n\nPrints every event of the write-ahead log in "
                   "DIR (e.g. ward-data/wal)\nas 'SEQ<TAB>JSON' lines, oldest first.\n");
        return f == stdout ? 0 : 2;
    }
    struct wd_wal_iter *it;
    if (wd_wal_iter_open(argv[2], &it)) {
        fprintf(stderr, "ward: cannot open write-ahead log %s\n", argv[2]);
        return 1;
    }
    int rc, status = 0;
    uint64_t seq;
    const char *ev;
    size_t len;
    char err[512];
    while ((rc = wd_wal_iter_next(it, &seq, &ev, &len, err, sizeof(err))) != WD_ENOENT) {
        if (rc) {
            fprintf(stderr, "ward: %s\n", err);
            status = 1;
            if (rc == WD_EIO)
                break;
            continue;
        }
        printf("%llu\t%.*s\n", (unsigned long long)seq, (int)len, ev);
    }
    wd_wal_iter_close(it);
    return status;
}

static const struct wd_cmd cmds[] = {
    {"serve", wd_serve_main, "run the server (HTTP and syslog ingest, metrics)"},
    {"gen", wd_gen_main, "generate deterministic demo/test events (Zeek, syslog, CloudTrail)"},
    {"config", wd_config_main, "check a configuration file; print the key reference"},
    {"store", wd_store_main, "check or summarise a store (store check DIR, store stats DIR)"},
    {"archive", wd_archive_main, "pack a closed partition into one file"},
    {"restore", wd_restore_main, "bring an archived partition back"},
    {"search", wd_search_main, "search events of a running server (table or --json)"},
    {"tail", wd_tail_main, "print matching events as they arrive (live tail)"},
    {"rules", wd_rules_main, "check rule files; run rules over recorded events (rules test)"},
    {"plugins", wd_plugins_main, "check Lua plugins; run them over events (plugins test)"},
    {"ingest", wd_ingest_main, "send Zeek log files to a running server (--format zeek)"},
    {"user", wd_user_main, "console users: user add NAME --role admin (first login)"},
    {"token", wd_token_main, "API tokens: token add --name N --scopes read,ingest; list; revoke"},
    {"cert", wd_cert_main, "cert selfsigned [--out DIR] [--host NAME]: a first TLS certificate"},
    {"amqp", wd_amqp_main, "publish/consume/declare on RabbitMQ (debugging the AMQP input)"},
    {"wal", cmd_wal, "inspect the write-ahead log (wal dump DIR)"},
    {"version", cmd_version, "print the version"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: ward COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < WD_ARRAY_LEN(cmds); i++)
        fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
    fprintf(f, "\nrun 'ward COMMAND --help' for the options of a command\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(argc - 1, argv + 1);
    for (size_t i = 0; i < WD_ARRAY_LEN(cmds); i++)
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "ward: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
