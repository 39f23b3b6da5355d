/*
 * vlua.h - a sandboxed Lua 5.4 state for untrusted scripts (controller apps,
 * rule scripts). The embedder gets a lua_State that can only compute: no io/os/
 * package/debug/coroutine libraries, text chunks only, a hard memory cap enforced
 * by the allocator, and an instruction budget per top-level call enforced by a
 * count hook that a script cannot catch its way past.
 */
#ifndef VF_VLUA_H
#define VF_VLUA_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

struct vlua;

struct vlua_limits {
    size_t mem_bytes;      /* allocator cap for the whole state (0 = 64 MiB) */
    uint64_t instr_budget; /* VM instructions per vlua_pcall (0 = 50 million) */
    uint64_t pattern_budget; /* worst-case steps of one string.find/match/gsub (0 = 1e8) */
};

/* Where print(), warnings and sandbox events go: level 0 error, 1 warn, 2 info. */
typedef void (*vlua_log_fn)(void *ctx, int level, const char *msg);

/* NULL on allocation failure. log may be NULL (messages are dropped). */
struct vlua *vlua_new(const struct vlua_limits *lim, vlua_log_fn log, void *log_ctx);
void vlua_free(struct vlua *v);
lua_State *vlua_state(struct vlua *v);
struct vlua *vlua_from_state(lua_State *L);

/* Compile text (never bytecode) and push the chunk. Errors read "name:line: msg"
 * exactly, with name as given (e.g. "lua/apps/hub.lua"). 0 ok, -1 error (nothing
 * pushed; message in err). */
int vlua_load(struct vlua *v, const char *name, const char *src, size_t len, char *err,
              size_t errcap);

/* lua_pcall with a fresh instruction budget and a traceback handler. On error the
 * function and args are popped, nothing is pushed, err holds "file:line: message"
 * followed by the traceback's first frames. Returns 0 or -1. */
int vlua_pcall(struct vlua *v, int nargs, int nresults, char *err, size_t errcap);

/* Memory in use by the state and its cap, for status reports. */
size_t vlua_mem_used(const struct vlua *v);
size_t vlua_mem_cap(const struct vlua *v);
/* Times a call ran out of instructions / memory since vlua_new. */
uint64_t vlua_budget_trips(const struct vlua *v);
uint64_t vlua_mem_trips(const struct vlua *v);

/* Copy the plain value at index idx of `from` onto the top of `to`: nil, booleans,
 * numbers, strings and tables of those (no functions, userdata, threads, cycles),
 * at most 64 levels deep and `max_bytes` of strings+entries in total. Used to hand
 * an app's save() state to its reloaded self in a new state. 0 ok (one value
 * pushed), -1 error (nothing pushed, reason in err). */
int vlua_copy(lua_State *from, int idx, lua_State *to, size_t max_bytes, char *err,
              size_t errcap);

/* Install the pattern-cost guards over string.find/match/gmatch/gsub (done by
 * vlua_new; exposed for tests). */
void vlua_pattern_guard(lua_State *L);
/* Worst-case step estimate for matching pattern p against subject s (exposed for
 * unit tests). Saturates at UINT64_MAX. */
uint64_t vlua_pattern_cost(const char *s, size_t ls, const char *p, size_t lp);

#endif
