/*
 * main.c: the `ward` command line: dispatches subcommands (serve, gen, wal, config,
 * version) and prints help.
 */
#include "ward.h"

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

static const struct wd_cmd cmds[] = {
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
