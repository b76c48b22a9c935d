/*
 * cli_search.h: `ward search` and `ward tail`, command-line clients of a running
 * server's /api/v1/search and /api/v1/tail (plain HTTP over a TCP socket; cli_search.c).
 */
#ifndef WD_CLI_SEARCH_H
#define WD_CLI_SEARCH_H

/* Exit status: 0 success, 1 server or connection error (message on stderr), 2 usage. */
int wd_search_main(int argc, char **argv);
int wd_tail_main(int argc, char **argv);

#endif
