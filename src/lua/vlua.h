/*
 * vlua.h - a sandboxed Lua 5.4 state for untrusted scripts (controller apps,
 * rule scripts). The embedder gets a lua_State that can only compute: no io/os/
 * package/debug/coroutine libraries, text chunks only, a hard memory cap enforced
 * by the allocator, and an instruction budget per call enforced by a count hook
 * that a script cannot catch its way past.
 *
 * Where the hook is set, and so what the budget means, depends on the thread:
 * - in the thread that called vlua_watch_start, a call runs unhooked (at full
 *   speed) until the watchdog's CPU-time timer finds it still running at two
 *   consecutive ticks, i.e. after at least VLUA_WATCH_MS and at most about
 *   2 x VLUA_WATCH_MS of the thread's CPU time (plus one kernel tick: the
 *   timer is checked at scheduler ticks); the hook is armed then, and the
 *   call is stopped after instr_budget more VM instructions;
 * - in any other thread (no watchdog), every call is hooked from its first
 *   instruction and stopped after instr_budget instructions.
 * Either way the hook is off again when the call returns.
 */
#ifndef VF_VLUA_H
#define VF_VLUA_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

struct vlua;

struct vlua_limits {
    size_t mem_bytes;      /* allocator cap for the whole state (0 = 64 MiB) */
    uint64_t instr_budget; /* VM instructions per vlua_pcall, counted from when the
                            * hook is armed (see above) (0 = 50 million) */
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
 * followed by the traceback's first frames. Returns 0 or -1. Calls may nest (a
 * host function called by the script calls back in): the inner call has a
 * budget of its own, and the outer one's count resumes where it was. */
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
 * an app's save() state to its reloaded self in a new state. Both states come
 * from vlua_new; reading `from` counts as one call of it (with its budget), as
 * settling a lazy table may run a function the script chose. 0 ok (one value
 * pushed), -1 error (nothing pushed, reason in err). */
int vlua_copy(lua_State *from, int idx, lua_State *to, size_t max_bytes, char *err,
              size_t errcap);

/* The watchdog: a timer on the calling thread's CPU time that ticks every
 * VLUA_WATCH_MS (SIGPROF, SA_RESTART, directed at this thread) and arms the
 * hook of a call it sees running at two ticks in a row. Started once per
 * process, before any sandbox forbids the calls it makes (sigaction,
 * timer_create, timer_settime); nothing is called per Lua call. Ticks come
 * only while the thread runs: an idle loop gets none; an epoll_wait that a
 * tick interrupts returns EINTR. A forked child is not watched. 0 ok (also
 * when this thread is watched already), -1 with the reason in err (calls
 * then stay hooked from their first instruction). */
#define VLUA_WATCH_MS 4
int vlua_watch_start(char *err, size_t errcap);
/* Ticks delivered and hooks armed by the watchdog since the start. */
void vlua_watch_counts(uint64_t *ticks, uint64_t *arms);

/* Install the pattern-cost guards over string.find/match/gmatch/gsub (done by
 * vlua_new; exposed for tests). */
void vlua_pattern_guard(lua_State *L);
/* Worst-case step estimate for matching pattern p against subject s (exposed for
 * unit tests). Saturates at UINT64_MAX. */
uint64_t vlua_pattern_cost(const char *s, size_t ls, const char *p, size_t lp);

#endif
