/*
 * vlua_sandbox.c - builds the sandboxed Lua state: capped allocator, instruction
 * budget hook, the chosen libraries only, and replacements for the few base and
 * library functions whose stock versions would let a script escape its budgets.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
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
/* Once armed, the hook runs every VLUA_HOOK_EVERY VM instructions: small
 * enough that an exhausted script stops within microseconds. (What costs is
 * not the hook but its being set at all: the VM then leaves its loop before
 * every instruction. Hence the watchdog, vlua_watch.c.) */
#define VLUA_HOOK_EVERY 1000

/* Small blocks (strings, tables and their parts, closures, userdata: most of
 * what a script allocates is under a few hundred bytes) come from one arena
 * per state, carved in order and recycled through a free list per 16-byte
 * size class. An event's garbage is dozens of such blocks made one by one
 * and freed in bursts by the collector, which overflows malloc's per-thread
 * caches; here both ends are a pointer bump, push or pop, in memory that
 * stays warm. The arena is POOL_ARENA bytes of address space, touched only
 * as it is carved, so no more than that is ever held back from malloc
 * whatever a script allocates; beyond it (or without it, if it cannot be
 * had), and above POOL_MAX, blocks come from malloc as before. The cap
 * counts the sizes Lua asks for, exactly as before. Sanitizer builds keep
 * plain malloc, which sees every block. */
#if defined(__SANITIZE_ADDRESS__)
#define VLUA_POOL 0
#else
#define VLUA_POOL 1
#endif
#define POOL_GRAN    16
#define POOL_MAX     512 /* largest pooled size */
#define POOL_CLASSES (POOL_MAX / POOL_GRAN)
#define POOL_ARENA   (4u << 20)

struct pool {
    char *base, *bump, *end;  /* the arena; base NULL until the first block */
    bool failed;              /* the arena could not be had: malloc only */
    void *free[POOL_CLASSES]; /* linked through each block's first word */
};

struct vlua {
    lua_State *L;
    struct pool pool;
    size_t used, cap;
    uint64_t budget, spent; /* spent: instructions counted since the hook was armed */
    int exhausted;
    volatile sig_atomic_t armed; /* the count hook is set (the watchdog may set it) */
    int depth;                   /* vlua_enter frames open on this state */
    uint64_t budget_trips, mem_trips;
    uint64_t pattern_budget;
    vlua_log_fn log;
    void *log_ctx;
};

static size_t pool_class(size_t n)
{
    return (n - 1) / POOL_GRAN;
}

static void *pool_get(struct pool *pl, size_t n)
{
    if (n > POOL_MAX) return malloc(n);
    size_t c = pool_class(n);
    void *b = pl->free[c];
    if (b) {
        void *next = *(void **)b;
        pl->free[c] = next;
        /* The next block of this class is cold (freed by a sweep a while
         * ago) and Lua will write it as soon as it has it: fetch it now. */
        if (next) __builtin_prefetch(next, 1);
        return b;
    }
    size_t sz = (c + 1) * POOL_GRAN;
    if (!pl->base && !pl->failed) {
        pl->base = pl->bump = malloc(POOL_ARENA);
        pl->end = pl->base ? pl->base + POOL_ARENA : NULL;
        pl->failed = !pl->base;
    }
    if ((size_t)(pl->end - pl->bump) < sz) return malloc(sz); /* full (or none) */
    b = pl->bump;
    pl->bump += sz;
    return b;
}

static void pool_put(struct pool *pl, void *b, size_t n)
{
    if (!b) return;
    uintptr_t a = (uintptr_t)b;
    if (n > POOL_MAX || a < (uintptr_t)pl->base || a >= (uintptr_t)pl->end) {
        free(b); /* not from the arena */
        return;
    }
    size_t c = pool_class(n);
    *(void **)b = pl->free[c];
    pl->free[c] = b;
}

static void *pool_resize(struct pool *pl, void *b, size_t old, size_t n)
{
    if (!b) return pool_get(pl, n);
    if (old > POOL_MAX && n > POOL_MAX) return realloc(b, n);
    if (old <= POOL_MAX && n <= POOL_MAX && pool_class(old) == pool_class(n)) return b;
    void *nb = pool_get(pl, n);
    if (!nb) return NULL;
    memcpy(nb, b, old < n ? old : n);
    pool_put(pl, b, old);
    return nb;
}

/* After lua_close: every block is back (in a list, or freed to malloc). */
static void pool_free_all(struct pool *pl)
{
    free(pl->base);
    memset(pl, 0, sizeof *pl);
}

static void *vlua_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct vlua *v = ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        if (VLUA_POOL)
            pool_put(&v->pool, ptr, old);
        else
            free(ptr);
        v->used -= old;
        return NULL;
    }
    /* Growth beyond the cap fails; Lua turns that into a catchable memory
     * error. Shrinks never fail for the cap (only if the process itself is
     * out of memory, as with realloc). */
    if (nsize > old && nsize - old > v->cap - v->used) {
        v->mem_trips++;
        return NULL;
    }
    void *p = VLUA_POOL ? pool_resize(&v->pool, ptr, old, nsize) : realloc(ptr, nsize);
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

bool vlua_arm(struct vlua *v)
{
    if (v->armed) return false;
    v->armed = 1;
    lua_sethook(v->L, vlua_hook, LUA_MASKCOUNT, VLUA_HOOK_EVERY);
    return true;
}

void vlua_enter(struct vlua *v, struct vlua_frame *f)
{
    f->spent = v->spent;
    f->exhausted = v->exhausted;
    v->spent = 0;
    v->exhausted = 0;
    v->depth++;
    f->watched = vlua_watch_here();
    if (f->watched)
        f->prev = vlua_watch_enter(v);
    else
        vlua_arm(v); /* no watchdog in this thread: counted from the first instruction */
}

void vlua_leave(struct vlua *v, const struct vlua_frame *f)
{
    if (f->watched) vlua_watch_leave(f->prev); /* the watchdog no longer sees v */
    if (--v->depth == 0 && v->armed) {
        /* The next call starts unhooked again. Only a call of v can arm v,
         * and none is open now. */
        lua_sethook(v->L, NULL, 0, 0);
        v->armed = 0;
    }
    v->spent = f->spent;
    v->exhausted = f->exhausted;
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

/* Lazy tables. A host may hand scripts tables whose fields are computed when
 * read (lof's packet tables), behind a metatable holding "__vf_settle": a
 * function that turns the table into the plain table it stands for (every
 * field stored, metatable removed). Whatever reads or writes a table raw
 * settles it first, so a script cannot tell the difference: next, pairs,
 * rawget, rawset, rawlen, getmetatable and setmetatable below (C readers,
 * such as vlua_copy, do the same). */
static void vlua_settle(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx)) return;
    lua_pushliteral(L, "__vf_settle");
    if (lua_rawget(L, -2) == LUA_TFUNCTION) {
        lua_pushvalue(L, idx);
        lua_call(L, 1, 0);
        lua_pop(L, 1);
    } else {
        lua_pop(L, 2);
    }
}

/* next, pairs, rawget, ...: settle the first argument, then run the stock
 * function (upvalue 1, a C function that uses no upvalues) in this very
 * call, so its errors read as they always did ("t.lua:3: bad argument #1 to
 * 'next' ..."). */
static int vlua_b_settled(lua_State *L)
{
    lua_CFunction stock = lua_tocfunction(L, lua_upvalueindex(1));
    vlua_settle(L, 1);
    return stock(L);
}

/* Lua runs finalizers with hooks disabled, so a __gc metamethod could loop
 * forever out of the budget's reach, at any allocation. Tables are the only
 * objects a script can give a metatable (no debug library), so refusing __gc
 * here closes that door; __close and the rest run hooked as usual. */
static int vlua_b_setmetatable(lua_State *L)
{
    vlua_settle(L, 1);
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
    static const char *const raw_readers[] = {"next",   "pairs",  "rawget",       "rawset",
                                              "rawlen", "getmetatable", NULL};
    for (int i = 0; raw_readers[i]; i++) {
        lua_getfield(L, -1, raw_readers[i]);
        lua_pushcclosure(L, vlua_b_settled, 1);
        lua_setfield(L, -2, raw_readers[i]);
    }
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
        pool_free_all(&v->pool);
        free(v);
        return NULL;
    }
    lua_setwarnf(v->L, vlua_warnf, v);
    /* Library setup runs unbudgeted but bounded: it is our code, not a script's. */
    vlua_open_libs(v->L);
    vlua_pattern_guard(v->L);
    vlua_table_guard(v->L);
    /* Generational collection: an event's garbage (packet tables, an app's
     * temporaries) dies young, while the apps' state (a learning switch's
     * MAC tables) lives long. Incremental mode would mark and sweep all of
     * that state for every few thousand events; minor collections leave it
     * alone. */
    lua_gc(v->L, LUA_GCGEN, 0, 0);
    /* No hook yet: vlua_enter arms it, at once or through the watchdog. */
    return v;
}

void vlua_free(struct vlua *v)
{
    if (!v) return;
    /* Finalizers run during close with hooks off (Lua 5.4 does so for every
     * __gc), which is why scripts may not set __gc at all; the host's own
     * finalizers are C. */
    lua_close(v->L);
    pool_free_all(&v->pool);
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
    int st = luaL_loadbufferx(v->L, src, len, chunkname, "t"); /* C only: no budget */
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
    struct vlua_frame f;
    vlua_enter(v, &f);
    int st = lua_pcall(L, nargs, nresults, base);
    int exhausted = v->exhausted;
    vlua_leave(v, &f);
    lua_remove(L, base);
    if (st == LUA_OK) return 0;
    const char *msg = lua_tostring(L, -1);
    if (st == LUA_ERRMEM)
        snprintf(err, errcap, "memory limit exceeded (%zu bytes)", v->cap);
    else if (exhausted && (!msg || !strstr(msg, "instruction budget exceeded")))
        /* a script's own xpcall handler may have replaced the message */
        snprintf(err, errcap, "instruction budget exceeded (%llu instructions)\n%s",
                 (unsigned long long)v->budget, msg ? msg : "");
    else
        snprintf(err, errcap, "%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "error");
    lua_pop(L, 1);
    return -1;
}
