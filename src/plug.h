/*
 * plug.h: Lua plugins in the ingest path (MozDef's mq/plugins, spec section a.1 step 3).
 * A plugin is a .lua file in plugins.dir that returns a table {name, registration,
 * priority, process}. After key mapping and before the a.4 defaults, the event's tokens
 * (keys and string values, lower-cased) are looked up once in an index token -> plugins;
 * the matching plugins run in ascending priority (ties: name). Each may change the event,
 * drop it, or route it (partition, document id). See docs/plugins.md.
 *
 * Threads: the loaded set is immutable and shared (refcounted, swapped on reload); every
 * ingest thread gets its own Lua state built from the set on first use (pthread key), so
 * there is no lock per event. Per-plugin counters are atomics in the set.
 */
#ifndef WD_PLUG_H
#define WD_PLUG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct wd_arena;
struct wd_buf;
struct wd_jv;

struct wd_plug_opts {
    const char *dir;          /* directory of *.lua files, or one .lua file (borrowed) */
    int64_t max_instructions; /* per plugin call; 0 = unlimited */
    int64_t max_memory_bytes; /* growth of the Lua heap per plugin call; 0 = unlimited */
    bool drop_on_error;       /* an erroring plugin drops the event (default: keeps it) */
    int64_t max_failures;     /* consecutive failures that disable a plugin; 0 = never */
};

struct wd_plugins;

/*
 * Loads every plugin of o->dir (sorted by file name). Every problem is printed to errs as
 * "file:line: message" and counted; returns the number of errors, with *out NULL unless 0.
 * An empty directory is valid (no plugins). The caller frees *out with wd_plugins_free().
 */
int wd_plugins_new(const struct wd_plug_opts *o, struct wd_plugins **out, FILE *errs);
/* Frees the holder (NULL ok). Ingest threads must have stopped. */
void wd_plugins_free(struct wd_plugins *p);
/* Loads the directory again; on success the new set replaces the old one (threads pick it
 * up at their next event), on failure the old set stays. Returns the number of errors. */
int wd_plugins_reload(struct wd_plugins *p, FILE *errs);
/* Number of plugins in the current set. */
int wd_plugins_count(struct wd_plugins *p);

/* What the chain did to one event. */
struct wd_plug_result {
    bool dropped;
    const char *dropped_by; /* plugin name (borrowed from the set) */
    uint32_t ran;           /* plugins that ran */
    uint32_t errors;        /* ... of which failed (event kept unmodified by them) */
};

/*
 * Runs the plugin chain on *ev (an object in `a`). On return *ev may be a new tree in `a`
 * (the old one must not be used). When plugins ran and the event has no `mozdef` key, it
 * gets mozdef = {plugins: [names]}. Routing is applied as fields (docs/plugins.md).
 * Returns WD_OK, or WD_ENOMEM when the arena is exhausted.
 */
int wd_plugins_run(struct wd_plugins *p, struct wd_arena *a, struct wd_jv **ev,
                   struct wd_plug_result *res);

/* Prometheus families ward_plugin_{runs,errors,drops}_total{plugin} and
 * ward_plugin_disabled{plugin}. */
void wd_plugins_render_prom(struct wd_plugins *p, struct wd_buf *o);
/* Appends ,"plugins":{"loaded":N,"disabled":[names]} for /api/v1/health. */
void wd_plugins_render_health(struct wd_plugins *p, struct wd_buf *o);

#endif
