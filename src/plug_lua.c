/*
 * plug_lua.c: the Lua sandbox of the plugin layer (plug_int.h): a LuaJIT state with only
 * the base (minus loaders, collectgarbage, getfenv/setfenv, coroutines), string (minus
 * dump), table, math and bit libraries, a `ward` helper table, an instruction budget (count
 * hook; the JIT is off so the hook always fires) and a memory budget (the allocator). It
 * converts events between wd_jv trees and Lua tables. It does not log: errors are returned.
 */
#include <arpa/inet.h>
#include <lauxlib.h>
#include <lua.h>
#include <luajit.h>
#include <lualib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jv.h"
#include "mem.h"
#include "plug_int.h"
#include "ward.h"
#include "wd_time.h"

#define ARRAY_MT       "ward.array"
#define MAX_DEPTH      64
#define HOOK_EVERY     1000
#define LOAD_MAX_STEPS 10000000LL
#define LOAD_MAX_BYTES ((size_t)64 << 20)

static void *vm_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct wd_plug_vm *vm = ud;
    if (nsize == 0) {
        free(ptr);
        vm->mem -= osize;
        return NULL;
    }
    if (nsize > osize && vm->mem_limit && vm->mem + (nsize - osize) > vm->mem_limit)
        return NULL; /* Lua raises "not enough memory" */
    void *p = realloc(ptr, nsize);
    if (p)
        vm->mem = vm->mem - (ptr ? osize : 0) + nsize;
    return p;
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
    struct wd_plug_vm *vm;
    lua_getallocf(L, (void **)&vm);
    vm->steps += HOOK_EVERY;
    if (vm->max_steps && vm->steps > vm->max_steps) {
        /* from now on every instruction raises: a plugin's own pcall cannot swallow it */
        lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
        if (ar && lua_getinfo(L, "Sl", ar) && ar->currentline > 0)
            luaL_error(L, "%s:%d: instruction budget exceeded (plugins.max_instructions)",
                       ar->short_src, ar->currentline);
        luaL_error(L, "instruction budget exceeded (plugins.max_instructions)");
    }
}

/* ---- the ward helper library ---- */

static int l_array(lua_State *L)
{
    if (lua_isnoneornil(L, 1))
        lua_newtable(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    luaL_getmetatable(L, ARRAY_MT);
    lua_setmetatable(L, 1);
    return 1;
}

/* inet_aton's rule (spec c.7): short and hex/octal forms; trailing whitespace allowed. */
static int l_is_ipv4(lua_State *L)
{
    size_t n;
    const char *s = lua_tolstring(L, 1, &n);
    struct in_addr ia;
    char buf[64];
    bool ok = false;
    if (s && n && n < sizeof(buf) && !memchr(s, 0, n)) {
        memcpy(buf, s, n);
        buf[n] = 0;
        ok = inet_aton(buf, &ia) != 0;
    }
    lua_pushboolean(L, ok);
    return 1;
}

static int l_is_ipv6(lua_State *L)
{
    size_t n;
    const char *s = lua_tolstring(L, 1, &n);
    unsigned char a[16];
    char buf[64];
    bool ok = false;
    if (s && n && n < sizeof(buf) && !memchr(s, 0, n)) {
        memcpy(buf, s, n);
        buf[n] = 0;
        ok = inet_pton(AF_INET6, buf, a) == 1;
    }
    lua_pushboolean(L, ok);
    return 1;
}

/* ward.time_iso([seconds]): MozDef's ISO text of a Unix time (default now), microseconds
 * kept, e.g. "2024-05-01T12:00:00.250000+00:00". */
static int l_time_iso(lua_State *L)
{
    int64_t us =
        lua_isnoneornil(L, 1) ? wd_now_us() : (int64_t)llround(luaL_checknumber(L, 1) * 1e6);
    char out[WD_TIME_ISO_MAX];
    size_t n = wd_time_iso(us, out);
    lua_pushlstring(L, out, n);
    return 1;
}

static const luaL_Reg ward_lib[] = {
    {"time_iso", l_time_iso}, {"array", l_array}, {"is_ipv4", l_is_ipv4},
    {"is_ipv6", l_is_ipv6},   {NULL, NULL},
};

static int open_sandbox(lua_State *L)
{
    static const lua_CFunction libs[] = {luaopen_base, luaopen_string, luaopen_table, luaopen_math,
                                         luaopen_bit};
    for (size_t i = 0; i < WD_ARRAY_LEN(libs); i++) {
        lua_pushcfunction(L, libs[i]);
        lua_call(L, 0, 0);
    }
    static const char *const banned[] = {
        "dofile",  "loadfile", "load",           "loadstring", "require",  "module",
        "getfenv", "setfenv",  "collectgarbage", "gcinfo",     "newproxy", "coroutine",
        "print",   "jit",      "package",        "io",         "os",       "debug",
        "ffi"};
    for (size_t i = 0; i < WD_ARRAY_LEN(banned); i++) {
        lua_pushnil(L);
        lua_setglobal(L, banned[i]);
    }
    lua_getglobal(L, "string");
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);
    luaL_newmetatable(L, ARRAY_MT);
    lua_pop(L, 1);
    luaL_register(L, "ward", ward_lib);
    lua_pop(L, 1);
    /* package.loaded (kept by luaL_register in the registry) is not reachable from Lua */
    return 0;
}

struct wd_plug_vm *wd_plug_vm_new(void)
{
    struct wd_plug_vm *vm = calloc(1, sizeof(*vm));
    if (!vm)
        return NULL;
    vm->L = lua_newstate(vm_alloc, vm);
    if (!vm->L) {
        free(vm);
        return NULL;
    }
    luaJIT_setmode(vm->L, 0, LUAJIT_MODE_ENGINE | LUAJIT_MODE_OFF);
    lua_pushcfunction(vm->L, open_sandbox);
    if (lua_pcall(vm->L, 0, 0, 0)) {
        wd_plug_vm_free(vm);
        return NULL;
    }
    lua_sethook(vm->L, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
    return vm;
}

void wd_plug_vm_free(struct wd_plug_vm *vm)
{
    if (!vm)
        return;
    if (vm->L)
        lua_close(vm->L);
    free(vm->fn);
    free(vm);
}

static void lua_err(lua_State *L, char *err, size_t err_len)
{
    const char *m = lua_tostring(L, -1);
    snprintf(err, err_len, "%s", m ? m : "error object is not a string");
    lua_pop(L, 1);
}

int wd_plug_vm_load(struct wd_plug_vm *vm, const char *path, const char *src, size_t len,
                    const char *def_name, int *fn_ref, char **name, double *priority, char **toks,
                    size_t *toks_len, char *err, size_t err_len)
{
    lua_State *L = vm->L;
    char chunk[512];
    *toks = NULL;
    *name = NULL;
    if (len && src[0] == 0x1b) {
        snprintf(err, err_len, "%s:1: precompiled bytecode is not accepted", path);
        return WD_EPARSE;
    }
    snprintf(chunk, sizeof(chunk), "@%s", path);
    /* the top level of a file runs under fixed budgets (it only builds a table) */
    int64_t max_steps = vm->max_steps;
    vm->steps = 0;
    vm->max_steps = LOAD_MAX_STEPS;
    vm->mem_limit = vm->mem + LOAD_MAX_BYTES;
    lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
    int rc = luaL_loadbuffer(L, src, len, chunk);
    if (rc == 0) {
        /* own environment: globals a plugin sets stay its own; reads fall back to _G */
        lua_newtable(L);
        lua_newtable(L);
        lua_pushvalue(L, LUA_GLOBALSINDEX);
        lua_setfield(L, -2, "__index");
        lua_setmetatable(L, -2);
        lua_setfenv(L, -2);
        rc = lua_pcall(L, 0, 1, 0);
    }
    vm->max_steps = max_steps;
    vm->mem_limit = 0;
    if (rc) {
        lua_err(L, err, err_len);
        return WD_EPARSE;
    }
    int t = lua_gettop(L);
    if (!lua_istable(L, t)) {
        snprintf(err, err_len,
                 "%s:1: the file must return a table {registration, priority, "
                 "process}",
                 path);
        goto fail;
    }
    lua_getfield(L, t, "name");
    const char *nm = lua_isstring(L, -1) ? lua_tostring(L, -1) : def_name;
    *name = strdup(nm);
    lua_pop(L, 1);
    lua_getfield(L, t, "priority");
    *priority = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : 50;
    if (!lua_isnil(L, -1) && !lua_isnumber(L, -1)) {
        snprintf(err, err_len, "%s:1: priority must be a number", path);
        goto fail;
    }
    lua_pop(L, 1);
    struct wd_buf tb;
    wd_buf_init(&tb, 1 << 20);
    lua_getfield(L, t, "registration");
    int r = lua_gettop(L);
    if (lua_type(L, r) == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, r, &n);
        wd_buf_append(&tb, s, n);
        wd_buf_putc(&tb, 0);
    } else if (lua_istable(L, r)) {
        for (int i = 1; i <= (int)lua_objlen(L, r); i++) {
            lua_rawgeti(L, r, i);
            if (lua_type(L, -1) != LUA_TSTRING) {
                snprintf(err, err_len, "%s:1: registration[%d] is not a string", path, i);
                wd_buf_fini(&tb);
                goto fail;
            }
            size_t n;
            const char *s = lua_tolstring(L, -1, &n);
            wd_buf_append(&tb, s, n);
            wd_buf_putc(&tb, 0);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    if (!tb.len) {
        snprintf(err, err_len,
                 "%s:1: registration must be a string or a non-empty list of "
                 "strings",
                 path);
        wd_buf_fini(&tb);
        goto fail;
    }
    lua_getfield(L, t, "process");
    if (!lua_isfunction(L, -1)) {
        snprintf(err, err_len, "%s:1: process must be a function(event)", path);
        wd_buf_fini(&tb);
        goto fail;
    }
    *fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_settop(L, t - 1);
    *toks_len = tb.len;
    *toks = wd_buf_detach(&tb, toks_len);
    return WD_OK;
fail:
    lua_settop(L, t - 1);
    free(*name);
    *name = NULL;
    return WD_EPARSE;
}

/* ---- wd_jv -> Lua ---- */

static int push_jv(lua_State *L, const struct wd_jv *v, int depth)
{
    if (depth > MAX_DEPTH || !lua_checkstack(L, 4))
        return WD_ELIMIT;
    switch (v->type) {
    case WD_JV_NULL:
        lua_pushnil(L); /* a null member disappears from the table */
        return WD_OK;
    case WD_JV_FALSE:
    case WD_JV_TRUE:
        lua_pushboolean(L, v->type == WD_JV_TRUE);
        return WD_OK;
    case WD_JV_INT:
        lua_pushnumber(L, (lua_Number)v->u.i);
        return WD_OK;
    case WD_JV_FLOAT:
        lua_pushnumber(L, v->u.f);
        return WD_OK;
    case WD_JV_STR:
        lua_pushlstring(L, v->u.s.p, v->u.s.len);
        return WD_OK;
    case WD_JV_ARR: {
        lua_createtable(L, (int)v->count, 0);
        int i = 1;
        for (const struct wd_jv *k = v->u.kids.head; k; k = k->next, i++) {
            int rc = push_jv(L, k, depth + 1);
            if (rc)
                return rc;
            lua_rawseti(L, -2, i);
        }
        luaL_getmetatable(L, ARRAY_MT);
        lua_setmetatable(L, -2);
        return WD_OK;
    }
    default: {
        lua_createtable(L, 0, (int)v->count);
        for (const struct wd_jv *k = v->u.kids.head; k; k = k->next) {
            lua_pushlstring(L, k->key.p, k->key.len);
            lua_rawget(L, -2);
            bool dup = !lua_isnil(L, -1);
            lua_pop(L, 1);
            if (dup) /* lookups find the first of duplicate keys: so does Lua */
                continue;
            lua_pushlstring(L, k->key.p, k->key.len);
            int rc = push_jv(L, k, depth + 1);
            if (rc)
                return rc;
            lua_rawset(L, -3);
        }
        return WD_OK;
    }
    }
}

/* ---- Lua -> wd_jv ---- */

struct conv {
    lua_State *L;
    struct wd_arena *a;
    const char *why;
};

static struct wd_jv *from_lua(struct conv *c, int idx, const struct wd_jv *orig, int depth);

static bool is_array(lua_State *L, int idx, const struct wd_jv *orig)
{
    if (lua_getmetatable(L, idx)) {
        luaL_getmetatable(L, ARRAY_MT);
        bool arr = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
        if (arr)
            return true;
    }
    size_t n = lua_objlen(L, idx), keys = 0;
    lua_pushnil(L);
    if (!n) { /* no 1..n part: an object, unless empty where the event had a list */
        bool empty = !lua_next(L, idx);
        if (!empty)
            lua_pop(L, 2);
        return empty && orig && orig->type == WD_JV_ARR;
    }
    while (lua_next(L, idx)) {
        keys++;
        lua_pop(L, 1);
    }
    return n == keys;
}

static int cmp_str(const void *x, const void *y)
{
    const struct wd_str *a = x, *b = y;
    size_t n = WD_MIN(a->len, b->len);
    int r = memcmp(a->p, b->p, n);
    return r ? r : (a->len > b->len) - (a->len < b->len);
}

static struct wd_jv *obj_from_lua(struct conv *c, int idx, const struct wd_jv *orig, int depth)
{
    lua_State *L = c->L;
    struct wd_jv *o = wd_jv_new(c->a, WD_JV_OBJ);
    if (!o)
        return NULL;
    const struct wd_jv *src = orig && orig->type == WD_JV_OBJ ? orig : NULL;
    /* members the event had keep their order */
    const struct wd_jv *knext;
    for (const struct wd_jv *k = src ? src->u.kids.head : NULL; k; k = knext) {
        knext = k->next; /* k itself may be linked into o below */
        if (wd_jv_getn(o, k->key))
            continue;
        lua_pushlstring(L, k->key.p, k->key.len);
        lua_rawget(L, idx);
        if (!lua_isnil(L, -1)) {
            struct wd_jv *v = from_lua(c, lua_gettop(L), k, depth + 1);
            if (!v)
                return NULL;
            wd_jv_add(o, k->key, v);
        }
        lua_pop(L, 1);
    }
    /* new members follow, sorted by name (Lua tables have no order); none when the table
     * has as many keys as the event's members found above (the common case) */
    size_t n = 0, cap = 0, keys = 0;
    struct wd_str *extra = NULL;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        keys++;
        lua_pop(L, 1);
    }
    if (keys == o->count)
        return o;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER) {
            c->why = "a table key is neither a string nor a number";
            lua_pop(L, 1);
            return NULL;
        }
        size_t kl;
        lua_pushvalue(L, -1); /* lua_tolstring on a number key would confuse lua_next */
        const char *kp = lua_tolstring(L, -1, &kl);
        struct wd_str ks = {kp, kl};
        bool known = src && wd_jv_getn(src, ks);
        if (!known) {
            if (n == cap) {
                cap = cap ? cap * 2 : 8;
                struct wd_str *ne = wd_arena_alloc(c->a, cap * sizeof(*ne));
                if (!ne) {
                    lua_pop(L, 2);
                    return NULL;
                }
                if (n)
                    memcpy(ne, extra, n * sizeof(*ne));
                extra = ne;
            }
            char *copy = wd_arena_strndup(c->a, kp, kl);
            if (!copy) {
                lua_pop(L, 2);
                return NULL;
            }
            extra[n++] = (struct wd_str){copy, kl};
        }
        lua_pop(L, 1);
    }
    if (n)
        qsort(extra, n, sizeof(*extra), cmp_str);
    for (size_t i = 0; i < n; i++) {
        lua_pushlstring(L, extra[i].p, extra[i].len);
        lua_rawget(L, idx);
        if (lua_isnil(L, -1)) { /* a number key: look it up as a number */
            lua_pop(L, 1);
            lua_pushnumber(L, strtod(extra[i].p, NULL));
            lua_rawget(L, idx);
        }
        struct wd_jv *v = from_lua(c, lua_gettop(L), NULL, depth + 1);
        lua_pop(L, 1);
        if (!v)
            return NULL;
        wd_jv_add(o, extra[i], v);
    }
    return o;
}

static struct wd_jv *from_lua(struct conv *c, int idx, const struct wd_jv *orig, int depth)
{
    lua_State *L = c->L;
    if (depth > MAX_DEPTH || !lua_checkstack(L, 8)) {
        c->why = "the event is nested too deeply";
        return NULL;
    }
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        return orig && orig->type == WD_JV_NULL ? (struct wd_jv *)orig
                                                : wd_jv_new(c->a, WD_JV_NULL);
    case LUA_TBOOLEAN: {
        bool b = lua_toboolean(L, idx);
        if (orig && orig->type == (b ? WD_JV_TRUE : WD_JV_FALSE))
            return (struct wd_jv *)orig;
        return wd_jv_bool(c->a, b);
    }
    case LUA_TNUMBER: {
        double d = lua_tonumber(L, idx);
        if (orig && ((orig->type == WD_JV_INT && (double)orig->u.i == d) ||
                     (orig->type == WD_JV_FLOAT && orig->u.f == d)))
            return (struct wd_jv *)orig; /* keeps the literal text */
        if (isfinite(d) && d == floor(d) && fabs(d) < 9.2e18)
            return wd_jv_int(c->a, (int64_t)d);
        return wd_jv_float(c->a, d);
    }
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        if (orig && orig->type == WD_JV_STR && orig->u.s.len == n && !memcmp(orig->u.s.p, s, n))
            return (struct wd_jv *)orig;
        return wd_jv_strdup(c->a, s, n);
    }
    case LUA_TTABLE: {
        if (!is_array(L, idx, orig))
            return obj_from_lua(c, idx, orig, depth);
        struct wd_jv *arr = wd_jv_new(c->a, WD_JV_ARR);
        if (!arr)
            return NULL;
        const struct wd_jv *ok = orig && orig->type == WD_JV_ARR ? orig->u.kids.head : NULL;
        size_t n = lua_objlen(L, idx);
        for (size_t i = 1; i <= n; i++) {
            lua_rawgeti(L, idx, (int)i);
            const struct wd_jv *onext = ok ? ok->next : NULL;
            struct wd_jv *v = from_lua(c, lua_gettop(L), ok, depth + 1);
            lua_pop(L, 1);
            if (!v)
                return NULL;
            wd_jv_push(arr, v);
            ok = onext;
        }
        return arr;
    }
    default:
        c->why = "a value is not storable (function, userdata or thread)";
        return NULL;
    }
}

int wd_plug_vm_call(struct wd_plug_vm *vm, int fn_ref, struct wd_arena *a, struct wd_jv **ev,
                    const char **partition, const char **docid, char *err, size_t err_len)
{
    lua_State *L = vm->L;
    int base = lua_gettop(L);
    *partition = *docid = NULL;
    if (push_jv(L, *ev, 0)) {
        lua_settop(L, base);
        snprintf(err, err_len, "the event is nested too deeply for Lua");
        return WD_EPARSE;
    }
    int arg = lua_gettop(L); /* kept below the call: changes made in place */
    lua_rawgeti(L, LUA_REGISTRYINDEX, fn_ref);
    lua_pushvalue(L, arg);
    vm->steps = 0;
    lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
    vm->mem_limit = vm->set->o.max_memory_bytes ? vm->mem + (size_t)vm->set->o.max_memory_bytes : 0;
    int rc = lua_pcall(L, 1, 2, 0);
    vm->mem_limit = 0;
    if (rc) {
        lua_err(L, err, err_len);
        lua_settop(L, base);
        return WD_EPARSE;
    }
    int r1 = lua_gettop(L) - 1, r2 = r1 + 1;
    int out = WD_OK;
    if (lua_type(L, r1) == LUA_TBOOLEAN && !lua_toboolean(L, r1))
        out = 1;
    else if (lua_type(L, r1) == LUA_TSTRING && !strcmp(lua_tostring(L, r1), "drop"))
        out = 1;
    else if (!lua_isnil(L, r1) && !lua_istable(L, r1)) {
        snprintf(err, err_len, "process returned a %s (want the event, nil, false or \"drop\")",
                 luaL_typename(L, r1));
        lua_settop(L, base);
        return WD_EPARSE;
    }
    if (out == WD_OK) {
        struct conv c = {L, a, NULL};
        struct wd_jv *nv = from_lua(&c, lua_istable(L, r1) ? r1 : arg, *ev, 0);
        if (!nv || nv->type != WD_JV_OBJ) {
            snprintf(err, err_len, "%s", c.why ? c.why : "the event is not an object");
            lua_settop(L, base);
            return c.why || nv ? WD_EPARSE : WD_ENOMEM;
        }
        *ev = nv;
    }
    if (lua_istable(L, r2)) {
        lua_getfield(L, r2, "partition");
        if (lua_type(L, -1) == LUA_TSTRING) {
            size_t n;
            const char *s = lua_tolstring(L, -1, &n);
            *partition = wd_arena_strndup(a, s, n);
        }
        lua_getfield(L, r2, "id");
        if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER) {
            size_t n;
            const char *s = lua_tolstring(L, -1, &n);
            *docid = wd_arena_strndup(a, s, n);
        }
    }
    lua_settop(L, base);
    return out;
}
