/*
 * vlua_sandbox.c - builds the sandboxed Lua state: capped allocator, instruction
 * budget hook, the chosen libraries only, and replacements for the few base and
 * library functions whose stock versions would let a script escape its budgets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "lua/vlua.h"
#include "lua/vlua_internal.h"

#define VLUA_DEFAULT_MEM (64u << 20)
#define VLUA_DEFAULT_BUDGET 50000000ull
#define VLUA_DEFAULT_PATTERN 100000000ull
/* The hook runs every VLUA_HOOK_EVERY VM instructions: small enough that an
 * exhausted script stops within microseconds, large enough to cost < 1%. */
#define VLUA_HOOK_EVERY 1000

struct vlua {
    lua_State *L;
    size_t used, cap;
    uint64_t budget, spent;
    int exhausted;
    uint64_t budget_trips, mem_trips;
    uint64_t pattern_budget;
    vlua_log_fn log;
    void *log_ctx;
};

static void *vlua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct vlua *v = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        v->used -= old;
        return NULL;
    }
    /* Growth beyond the cap fails; Lua turns that into a catchable memory
     * error. Shrinks must never fail (Lua assumes so), and never do here. */
    if (nsize > old && nsize - old > v->cap - v->used) {
        v->mem_trips++;
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (!p) return NULL;
    v->used = v->used - old + nsize;
    return p;
}

struct vlua *vlua_from_state(lua_State *L)
{
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return ud;
}

static void vlua_log(struct vlua *v, int level, const char *msg)
{
    if (v->log) v->log(v->log_ctx, level, msg);
}

static void vlua_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    struct vlua *v = vlua_from_state(L);
    v->spent += VLUA_HOOK_EVERY;
    if (v->spent <= v->budget) return;
    if (!v->exhausted) {
        v->exhausted = 1;
        v->budget_trips++;
    }
    luaL_error(L, "instruction budget exceeded (%I instructions)", (lua_Integer)v->budget);
}

/* pcall/xpcall that cannot swallow a budget error: once the budget is gone the
 * error is raised again, so `while true do pcall(f) end` still ends. */
static int vlua_finish_pcall(lua_State *L, int status, int base)
{
    struct vlua *v = vlua_from_state(L);
    if (status != LUA_OK && v->exhausted) return lua_error(L);
    if (status == LUA_OK) return lua_gettop(L) - base + 1; /* true + results */
    lua_pushboolean(L, 0);
    lua_insert(L, -2); /* false, message */
    return 2;
}

static int vlua_b_pcall(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_pushboolean(L, 1); /* result on success */
    lua_insert(L, 1);      /* true, f, args... */
    int status = lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, 0);
    return vlua_finish_pcall(L, status, 1);
}

static int vlua_b_xpcall(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushboolean(L, 1); /* f, msgh, args..., true */
    lua_pushvalue(L, 1);   /* f, msgh, args..., true, f */
    lua_rotate(L, 3, 2);   /* f, msgh, true, f, args... */
    int status = lua_pcall(L, n - 2, LUA_MULTRET, 2);
    return vlua_finish_pcall(L, status, 3);
}

/* load(s [, name [, mode [, env]]]): strings only, text only. */
static int vlua_b_load(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    const char *name = luaL_optstring(L, 2, "=(load)");
    int env = !lua_isnone(L, 4) ? 4 : 0;
    if (luaL_loadbufferx(L, s, len, name, "t") != LUA_OK) {
        lua_pushnil(L);
        lua_insert(L, -2); /* nil, message */
        return 2;
    }
    if (env) {
        lua_pushvalue(L, env);
        if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
    }
    return 1;
}

static int vlua_b_print(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    vlua_log(vlua_from_state(L), 2, lua_tostring(L, -1));
    return 0;
}

static int vlua_b_collectgarbage(lua_State *L)
{
    static const char *const allowed[] = {"collect", "count", "step", "isrunning", NULL};
    const char *opt = luaL_optstring(L, 1, "collect");
    for (int i = 0; allowed[i]; i++) {
        if (strcmp(opt, allowed[i]) != 0) continue;
        if (i == 1) {
            lua_pushnumber(L, (lua_Number)lua_gc(L, LUA_GCCOUNT) +
                                  (lua_Number)lua_gc(L, LUA_GCCOUNTB) / 1024.0);
            return 1;
        }
        if (i == 3) {
            lua_pushboolean(L, lua_gc(L, LUA_GCISRUNNING));
            return 1;
        }
        lua_pushinteger(L, lua_gc(L, i == 0 ? LUA_GCCOLLECT : LUA_GCSTEP, 0));
        return 1;
    }
    return luaL_error(L, "collectgarbage option '%s' is not allowed in the sandbox", opt);
}

/* Lua runs finalizers with hooks disabled, so a __gc metamethod could loop
 * forever out of the budget's reach, at any allocation. Tables are the only
 * objects a script can give a metatable (no debug library), so refusing __gc
 * here closes that door; __close and the rest run hooked as usual. */
static int vlua_b_setmetatable(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "__gc metamethods are not allowed in the sandbox");
        lua_pop(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static void vlua_warnf(void *ud, const char *msg, int tocont)
{
    (void)tocont;
    struct vlua *v = ud;
    if (msg[0] != '@') vlua_log(v, 1, msg); /* '@' messages are control, not text */
}

static void vlua_open_libs(lua_State *L)
{
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string},
        {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8}, {NULL, NULL},
    };
    for (const luaL_Reg *l = libs; l->func; l++) {
        luaL_requiref(L, l->name, l->func, 1);
        lua_pop(L, 1);
    }
    static const char *const removed[] = {"dofile", "loadfile", NULL};
    for (int i = 0; removed[i]; i++) {
        lua_pushnil(L);
        lua_setglobal(L, removed[i]);
    }
    static const luaL_Reg replaced[] = {
        {"pcall", vlua_b_pcall}, {"xpcall", vlua_b_xpcall}, {"load", vlua_b_load},
        {"print", vlua_b_print}, {"collectgarbage", vlua_b_collectgarbage}, {NULL, NULL},
    };
    lua_pushglobaltable(L);
    luaL_setfuncs(L, replaced, 0);
    lua_getfield(L, -1, "setmetatable");
    lua_pushcclosure(L, vlua_b_setmetatable, 1);
    lua_setfield(L, -2, "setmetatable");
    lua_pop(L, 1);
    /* string.dump would only produce bytecode nobody may load; drop it. */
    lua_getglobal(L, LUA_STRLIBNAME);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);
    /* Lock the string metatable: getmetatable("") must not hand out the table
     * that every string in the state shares. */
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        lua_pushliteral(L, "locked");
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

struct vlua *vlua_new(const struct vlua_limits *lim, vlua_log_fn log, void *log_ctx)
{
    struct vlua *v = calloc(1, sizeof(*v));
    if (!v) return NULL;
    v->cap = lim && lim->mem_bytes ? lim->mem_bytes : VLUA_DEFAULT_MEM;
    v->budget = lim && lim->instr_budget ? lim->instr_budget : VLUA_DEFAULT_BUDGET;
    v->pattern_budget =
        lim && lim->pattern_budget ? lim->pattern_budget : VLUA_DEFAULT_PATTERN;
    v->log = log;
    v->log_ctx = log_ctx;
    v->L = lua_newstate(vlua_alloc, v);
    if (!v->L) {
        free(v);
        return NULL;
    }
    lua_setwarnf(v->L, vlua_warnf, v);
    /* Library setup runs unbudgeted but bounded: it is our code, not a script's. */
    vlua_open_libs(v->L);
    vlua_pattern_guard(v->L);
    vlua_table_guard(v->L);
    lua_sethook(v->L, vlua_hook, LUA_MASKCOUNT, VLUA_HOOK_EVERY);
    return v;
}

void vlua_free(struct vlua *v)
{
    if (!v) return;
    /* Finalizers (__gc) run during close; give them a small budget of their own
     * so a looping finalizer cannot hang the host. */
    v->spent = 0;
    v->exhausted = 0;
    v->budget = 1000000;
    lua_close(v->L);
    free(v);
}

lua_State *vlua_state(struct vlua *v) { return v->L; }
size_t vlua_mem_used(const struct vlua *v) { return v->used; }
size_t vlua_mem_cap(const struct vlua *v) { return v->cap; }
uint64_t vlua_budget_trips(const struct vlua *v) { return v->budget_trips; }
uint64_t vlua_mem_trips(const struct vlua *v) { return v->mem_trips; }
uint64_t vlua_pattern_budget(lua_State *L) { return vlua_from_state(L)->pattern_budget; }

int vlua_load(struct vlua *v, const char *name, const char *src, size_t len, char *err,
              size_t errcap)
{
    char chunkname[128];
    snprintf(chunkname, sizeof(chunkname), "=%s", name);
    v->spent = 0;
    v->exhausted = 0;
    int st = luaL_loadbufferx(v->L, src, len, chunkname, "t");
    if (st == LUA_OK) return 0;
    snprintf(err, errcap, "%s",
             st == LUA_ERRMEM ? "memory limit exceeded" : lua_tostring(v->L, -1));
    lua_pop(v->L, 1);
    return -1;
}

/* Message handler: runs no Lua code (no __tostring), so it works even after the
 * budget is spent. First line "file:line: message", then the traceback. */
static int vlua_msgh(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int vlua_pcall(struct vlua *v, int nargs, int nresults, char *err, size_t errcap)
{
    lua_State *L = v->L;
    int base = lua_gettop(L) - nargs; /* index of the function */
    lua_pushcfunction(L, vlua_msgh);
    lua_insert(L, base);
    v->spent = 0;
    v->exhausted = 0;
    int st = lua_pcall(L, nargs, nresults, base);
    lua_remove(L, base);
    if (st == LUA_OK) return 0;
    const char *msg = lua_tostring(L, -1);
    if (st == LUA_ERRMEM)
        snprintf(err, errcap, "memory limit exceeded (%zu bytes)", v->cap);
    else if (v->exhausted && (!msg || !strstr(msg, "instruction budget exceeded")))
        /* a script's own xpcall handler may have replaced the message */
        snprintf(err, errcap, "instruction budget exceeded (%llu instructions)\n%s",
                 (unsigned long long)v->budget, msg ? msg : "");
    else
        snprintf(err, errcap, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "error");
    lua_pop(L, 1);
    return -1;
}
