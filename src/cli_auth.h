/*
 * cli_auth.h: `ward user`, `ward token` (users and API tokens in DATA/state.db, written
 * directly: run them on the server's host) and `ward cert selfsigned`.
 */
#ifndef WD_CLI_AUTH_H
#define WD_CLI_AUTH_H

int wd_user_main(int argc, char **argv);
int wd_token_main(int argc, char **argv);
int wd_cert_main(int argc, char **argv);

#endif
