/*
 * case_int.h: private to case_db.c and case_metrics.c: the case store's handle.
 */
#ifndef WD_CASE_INT_H
#define WD_CASE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* An active suppression, as the engine thread checks it. */
struct supp {
    int64_t id;
    char *rule;
    int64_t expires_us;
    uint64_t hits, hits_saved;
    size_t nf;
    char **path, **value;
};

struct wd_cases {
    sqlite3 *db;
    pthread_mutex_t mu;  /* the connection */
    pthread_mutex_t smu; /* s, ns (taken after mu when both are held) */
    struct supp *s;
    size_t ns;
};

#endif
