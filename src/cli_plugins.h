/*
 * cli_plugins.h: `ward plugins check|test` (cli_plugins.c).
 */
#ifndef WD_CLI_PLUGINS_H
#define WD_CLI_PLUGINS_H

int wd_plugins_main(int argc, char **argv);

#endif
