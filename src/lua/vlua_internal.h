/*
 * vlua_internal.h - what the sandbox's own files share and nobody else needs.
 */
#ifndef VF_VLUA_INTERNAL_H
#define VF_VLUA_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <lua.h>

struct vlua;

uint64_t vlua_pattern_budget(lua_State *L);
/* Wrap table.insert/remove/move so a lying __len or a huge range cannot make
 * them loop in C, where the instruction hook never runs. */
void vlua_table_guard(lua_State *L);

/* Set v's count hook unless it is set; true if this call set it. Safe in a
 * signal handler: two stores and lua_sethook (vlua_sandbox.c). */
bool vlua_arm(struct vlua *v);

/* The watchdog (vlua_watch.c). Is the calling thread the watched one? */
bool vlua_watch_here(void);
/* Around every call into a state in the watched thread: enter makes v the
 * running state and returns the one it replaces (NULL at the outermost
 * call), leave puts that one back. */
struct vlua *vlua_watch_enter(struct vlua *v);
void vlua_watch_leave(struct vlua *prev);

/* One budgeted stretch of script code in v (vlua_pcall, and vlua_copy, whose
 * reads of lazy tables may run a script's function): a fresh budget, the
 * watchdog told, or the hook armed at once where no watchdog runs. Frames
 * nest; leave restores the enclosing call's budget and disarms the hook
 * when the outermost frame of v ends. */
struct vlua_frame {
    uint64_t spent;
    int exhausted;
    bool watched;
    struct vlua *prev;
};
void vlua_enter(struct vlua *v, struct vlua_frame *f);
void vlua_leave(struct vlua *v, const struct vlua_frame *f);

#endif
