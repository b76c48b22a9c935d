/*
 * plug_int.h: private to plug.c and plug_lua.c: the immutable plugin set, the token index
 * and the per-thread Lua state (the sandbox).
 */
#ifndef WD_PLUG_INT_H
#define WD_PLUG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plug.h"

#define WD_PLUG_MAX   256 /* plugins per set */
#define WD_PLUG_WORDS (WD_PLUG_MAX / 64)
#define WD_PLUG_NOREF (-2) /* LUA_NOREF: the plugin did not load in this state */

struct lua_State;

struct wd_plug {
    char *name;
    char *path;
    char *src; /* the file's text, compiled again by every thread's state */
    size_t src_len;
    double priority;
    uint64_t runs, errors, drops; /* atomics */
    uint32_t consecutive;         /* atomic: failures in a row */
    bool disabled;                /* atomic: set after max_failures in a row */
};

struct wd_plug_tok {
    char *p; /* lower-cased registration token; NULL = empty slot */
    size_t len;
    uint64_t mask[WD_PLUG_WORDS]; /* plugins registered for it (bit = index in set) */
};

struct wd_plug_set {
    int refs; /* atomic: the holder + each thread state built from it */
    struct wd_plug_opts o;
    char *dir;
    struct wd_plug *v; /* sorted by (priority, name) */
    int n;
    struct wd_plug_tok *tok; /* open addressing, power of two */
    size_t ntok_slots;
    size_t tok_min, tok_max; /* lengths of the shortest and longest token */
};

/* One thread's Lua state for one set. */
struct wd_plug_vm {
    struct lua_State *L;
    struct wd_plug_set *set; /* holds a reference */
    int *fn;                 /* registry refs of each plugin's process function */
    size_t mem, mem_limit;   /* heap bytes in use; allocation limit (0 = none) */
    int64_t steps, max_steps;
};

/* Creates a sandboxed state with the ward helper library; NULL on OOM. */
struct wd_plug_vm *wd_plug_vm_new(void);
void wd_plug_vm_free(struct wd_plug_vm *vm);
/*
 * Runs a plugin file's chunk in its own environment and checks the returned table: name
 * (default: def_name), registration (string or list of strings), priority (number,
 * default 50), process (function). On success leaves nothing on the stack, stores a
 * registry ref of process in *fn_ref and fills the outputs: *name (malloc'd) and the
 * registration tokens as a NUL-separated list in *toks (malloc'd, *toks_len bytes).
 * On failure writes "path:line: message" to err and returns WD_EPARSE.
 */
int wd_plug_vm_load(struct wd_plug_vm *vm, const char *path, const char *src, size_t len,
                    const char *def_name, int *fn_ref, char **name, double *priority, char **toks,
                    size_t *toks_len, char *err, size_t err_len);
/*
 * Calls plugin function fn_ref on *ev. Outcome: 0 kept (maybe *ev replaced by a new tree
 * in a), 1 dropped, WD_EPARSE plugin error (message in err), WD_ENOMEM arena exhausted.
 * *partition / *docid receive routing strings copied into a (NULL when not set).
 */
int wd_plug_vm_call(struct wd_plug_vm *vm, int fn_ref, struct wd_arena *a, struct wd_jv **ev,
                    const char **partition, const char **docid, char *err, size_t err_len);

#endif
