/*
 * zeek_cli.h: `ward ingest --format zeek FILE...` (zeek_cli.c), a client of a running
 * server's POST /api/v1/zeek.
 */
#ifndef WD_ZEEK_CLI_H
#define WD_ZEEK_CLI_H

/* Exit status: 0 success, 1 a file or line was refused or the server failed, 2 usage. */
int wd_ingest_main(int argc, char **argv);

#endif
