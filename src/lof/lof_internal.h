/*
 * lof_internal.h - what the files of the Lua app host share: the host, one Lua
 * state with its apps ("generation"), timers and pending requests, and the
 * conversions between Lua tables and OpenFlow structs.
 *
 * Ownership: a struct lof_state owns its vlua state, its apps, and every timer
 * and request it created; freeing it cancels all of them, which is what makes
 * a reload clean. Lua reaches its state through the extra space of the
 * lua_State (a pointer set once), never through a Lua global.
 */
#ifndef VF_LOF_INTERNAL_H
#define VF_LOF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lauxlib.h>
#include <lua.h>

#include "lof/lof.h"
#include "of10/of10.h"

/* Names an app's handler table may hold, in dispatch order of the enum. */
enum lof_hid {
    LOF_H_SWITCH_UP,
    LOF_H_SWITCH_DOWN,
    LOF_H_PACKET_IN,
    LOF_H_FLOW_REMOVED,
    LOF_H_PORT_STATUS,
    LOF_H_ERROR,
    LOF_H_TIMER,
    LOF_H_SAVE,
    LOF_H_RESTORE,
    LOF_H_RELOADED,
    LOF_H_MONITOR_DROP,
    LOF_H_COMMAND,
    LOF_H_N
};
extern const char *const lof_handler_names[LOF_H_N];

#define LOF_MAX_ACTIONS  256 /* actions in one flow_mod/packet_out built from Lua */
#define LOF_DEFAULT_TICK 1.0 /* seconds between timer() calls when tick is absent */

struct lof_state;

struct lof_app {
    struct lof_state *st;
    char name[LOF_MAX_NAME];
    char module[LOF_MAX_NAME + 4]; /* "app:NAME", the log module */
    char origin[128];
    int last_line;     /* of the source: the line blamed for table errors */
    int href[LOF_H_N]; /* registry refs of the handlers, LUA_NOREF if absent */
    double tick;       /* seconds between timer() calls */
    int env_ref;       /* registry ref of the app's environment */
};

struct lof_timer {
    struct lof_timer *prev, *next;
    struct lof_app *app;
    uint64_t id; /* the ev timer id, also what Lua sees */
    int fnref;
    bool repeat, firing, dead;
    bool borrowed; /* fnref is the app's timer handler ref: not ours to unref */
};

struct lof_req {
    struct lof_req *prev, *next;
    struct lof_app *app;
    int fnref;
    int kind; /* OFPST10_* or LOF_REQ_BARRIER */
};
#define LOF_REQ_BARRIER (-1)

/* A rules.add/del/list waiting for the host's answer. */
struct lof_rreq {
    struct lof_rreq *prev, *next;
    struct lof_app *app;
    int fnref;
    int op; /* enum lof_rule_op */
    uint32_t token;
};

/* A cluster.watch registration (lof_api_cluster.c). */
struct lof_cl_watch {
    uint32_t id; /* what Lua sees; 0: a free slot (unwatched while a dispatch ran) */
    struct lof_app *app;
    int fnref;
    size_t plen;
    char prefix[LOF_CLUSTER_KEY_MAX + 1];
};

/* One key of the cluster mirror: key (NUL-terminated) then the value bytes,
 * in one allocation. */
struct lof_cl_entry {
    size_t klen, vlen;
    char *val; /* inside this allocation, after the key */
    char key[];
};

struct lof_state {
    struct lof *l;
    struct vlua *v;
    lua_State *L;
    size_t n_apps;
    struct lof_app apps[LOF_MAX_APPS];
    struct lof_app *running; /* app whose code runs now (for attribution) */
    struct lof_timer *timers;
    size_t n_timers;
    struct lof_req *reqs;
    size_t n_reqs;
    struct lof_rreq *rreqs;
    size_t n_rreqs;
    /* cluster.watch registrations in registration order; cl_depth counts
     * dispatches under way (slots are compacted only when none is) */
    struct lof_cl_watch cl_watch[LOF_CLUSTER_WATCHES];
    size_t n_cl_watch;
    uint32_t cl_next_id;
    int cl_depth;
    bool loading; /* chunks/restore run: switch I/O is refused */
    /* The packet of the PACKET_IN being dispatched (lof_api_pkt.c): its
     * table, its match table once made, and their userdata, so that reads
     * of the event's own packet skip the lookup of the userdata. Valid while
     * the dispatch runs (the table is on the stack) and both are lazy:
     * cleared when it ends and when either is settled. */
    const void *ev_pkt, *ev_match;
    void *ev_lp;
    /* Registry objects the hot paths reach without a lookup by a light
     * userdata key (its hash is an integer division): the switch
     * metatable's address, integer refs of the switch-object cache and of
     * the packet tables' name array (0: not made yet), and the interned key
     * lists of lof_api_of.c by tag. */
    const void *sw_mt;
    int sw_cache_ref, pk_ref;
    struct {
        const void *tag;
        const char *const *names;
    } keys[4];
};

struct lof {
    struct ev_loop *loop;
    struct log *log;
    struct vlua_limits lim;
    struct lof_host host;
    void *host_ctx;
    struct ofc *ofc;
    struct lof_state *cur;
    unsigned generation, failed_reloads;
    uint64_t handler_errors, old_budget_trips, old_mem_trips;
    /* the monitor (lof_api_rules.c) */
    int mon_enabled;
    struct lof_mon_port *mon_ports;
    size_t n_mon_ports;
    uint32_t next_token;
    uint64_t drops;
    /* guest.notify (lof_api_guest.c): a token bucket over all ports, in
     * thousandths of a call, refilled from the loop's clock */
    uint64_t notify_tokens, notify_ms, guest_notes;
    /* the cluster (lof_api_cluster.c): the mirror, sorted by key (prefix
     * queries are a binary search and a walk), and the put/delete bucket */
    int cl_enabled, cl_connected;
    char cl_name[64];
    struct lof_cl_entry **cl_keys;
    size_t n_cl_keys, cl_cap;
    uint64_t cl_tokens, cl_ms, cl_events;
    char last_error[256];
};

/* ---- lof_host.c: calls into Lua ----------------------------------------- */

struct lof_state *lof_state_of(lua_State *L);
/* Call the function below nargs arguments as app's code. On error nothing is
 * left on the stack and: with err NULL, the first line is logged under the
 * app's module and counted as a handler error; with err, it goes to err only
 * (load, save and restore errors are the caller's to report). 0 / -1. */
int lof_call(struct lof_state *st, struct lof_app *app, int nargs, int nresults, const char *what,
             char *err, size_t errcap);
/* Run fn(ud) protected (our own C code that builds Lua values and may run out
 * of memory); its nresults stay on the stack. 0 / -1 (into err, or logged when
 * err is NULL). */
int lof_protected(struct lof_state *st, lua_CFunction fn, void *ud, int nresults, char *err,
                  size_t errcap);
/* Hand one value, built by build(ud) (protected; it pushes exactly one
 * value), to hid's handler of every app in chain order; a handler returning
 * true stops the chain. Nothing is built when no app has the handler. */
void lof_chain(struct lof *l, int hid, lua_CFunction build, void *ud);
/* Deliver switch_up to the chain (the first load replays connected switches). */
void lof_dispatch_switch_up(struct lof *l, struct ofc_switch *sw);
/* Cut a vlua error down to its first line (drops the traceback). */
void lof_first_line(char *msg);

/* ---- lof_load.c ----------------------------------------------------------- */

void lof_state_free(struct lof_state *st);

/* ---- lof_api_misc.c: environments, timers, log, config, record ------------ */

/* Create app's environment (its globals and its vf table); pushes it. */
void lof_open_env(lua_State *L, struct lof_app *app, const struct lof_app_src *src);
/* Start the timer() tick of app (after a successful load). 0 / -1. */
int lof_timer_start_tick(struct lof_app *app);
void lof_timers_cancel_all(struct lof_state *st);

/* ---- lof_api_sw.c: switch objects ------------------------------------------ */

/* The switch metatable (with these methods besides ports/port) and the cache
 * of switch objects; once per state. */
void lof_switch_open(lua_State *L, const luaL_Reg *methods);
/* Push the switch object of sw (cached per connection). */
void lof_push_switch(lua_State *L, struct ofc_switch *sw);
/* Drop sw from the cache: its objects then say "not connected". */
void lof_forget_switch(lua_State *L, struct ofc_switch *sw);
/* A switch object, or a dpid (integer or "00:00:...") of a connected switch.
 * NULL when that switch is not connected; a wrong type is an error. */
struct ofc_switch *lof_check_switch(lua_State *L, int idx, const char *what);
/* vf.switches and vf.switch, set into the table on top. */
void lof_api_sw_funcs(lua_State *L);

/* ---- lof_api_rules.c: the monitor's rules ------------------------------------ */

/* The `rules` table into the app environment on top of L's stack. */
void lof_api_rules_open(lua_State *L, struct lof_app *app);
/* The state goes: its callbacks with it (answers that come later are ignored). */
void lof_rreqs_drop_all(struct lof_state *st);

/* ---- lof_api_guest.c: notes to the guests ------------------------------------ */

/* The `guest` table into the app environment on top of L's stack. */
void lof_api_guest_open(lua_State *L, struct lof_app *app);

/* ---- lof_api_cluster.c: keys shared with the other instances ------------------- */

/* The `cluster` table into the app environment on top of L's stack. */
void lof_api_cluster_open(lua_State *L, struct lof_app *app);
/* The mirror goes (lof_free). */
void lof_cluster_free(struct lof *l);

/* ---- lof_api_of.c: flow_mod, packet_out, stats, barrier ---------------------- */

/* The switch metatable with its methods (once per state). */
void lof_api_of_open(lua_State *L);
/* The vf functions that act on switches, set into the table on top. */
void lof_api_of_funcs(lua_State *L);
void lof_reqs_drop_all(struct lof_state *st, bool cancel_at_engine);

/* ---- lof_api_pkt.c: event and reply tables -------------------------------- */

void lof_push_packet_in(lua_State *L, const struct of10_packet_in *pi);
/* Forget the dispatched packet (struct lof_state's ev_*). */
void lof_event_done(struct lof_state *st);
/* Make a lazy table (lof_api_pkt.c) at idx the plain table it stands for;
 * before any raw walk of a table a script handed over. */
void lof_settle(lua_State *L, int idx);
/* The match a pkt.match at idx stands for while nobody wrote to it or read
 * it raw (still lazy), else NULL. Only the host makes such tables. */
const struct of10_match *lof_lazy_match(lua_State *L, int idx);
void lof_push_flow_removed(lua_State *L, const struct of10_flow_removed *fr);
void lof_push_port_status(lua_State *L, const struct of10_port_status *ps);
void lof_push_error(lua_State *L, const struct of10_msg *m);
void lof_push_port(lua_State *L, const struct of10_phy_port *p);
/* The stats reply parts as one value: a table for desc/aggregate, an array of
 * tables for flow/table/port/queue. */
void lof_push_stats(lua_State *L, const struct of10_msg *const *parts, size_t n);

/* ---- lof_conv.c, lof_actions.c: Lua values <-> OpenFlow fields ------------- */

/* Every conversion raises a Lua error "path: message" naming the field. */
void lof_check_fields(lua_State *L, int idx, const char *path, const char *const *known);
lua_Integer lof_check_int(lua_State *L, int idx, const char *path, lua_Integer min,
                          lua_Integer max);
uint16_t lof_check_port(lua_State *L, int idx, const char *path);
/* "flood", "controller"... for a reserved port, NULL for a physical one. */
const char *lof_port_name(uint16_t port);
void lof_check_mac(lua_State *L, int idx, const char *path, uint8_t mac[6]);
/* "10.0.0.1" or "10.0.0.0/24" (prefix only when plen != NULL), or an integer. */
uint32_t lof_check_ipv4(lua_State *L, int idx, const char *path, unsigned *plen);
void lof_match_from_lua(lua_State *L, int idx, const char *path, struct of10_match *m);
size_t lof_actions_from_lua(lua_State *L, int idx, const char *path, struct of10_action *v,
                            size_t cap);

void lof_push_mac(lua_State *L, const uint8_t mac[6]);
void lof_push_ipv4(lua_State *L, uint32_t addr, unsigned plen);
void lof_push_match(lua_State *L, const struct of10_match *m);
/* The match's exact fields into the table on top (wildcarded ones are absent). */
void lof_set_match_fields(lua_State *L, const struct of10_match *m);
void lof_push_actions(lua_State *L, const struct of10_actions *a);
/* "00:00:00:00:00:00:00:01" into buf (24 bytes). */
void lof_dpid_str(uint64_t dpid, char buf[24]);
/* Parse a dpid string (with or without colons); 0 ok, -1 not a dpid. */
int lof_dpid_parse(const char *s, uint64_t *out);

/* The lof_check_int / lof_check_port tests without a field path: hot paths
 * format a path (and raise the error through lof_check_*) only when these fail. */
bool lof_int_ok(lua_State *L, int idx, lua_Integer min, lua_Integer max, lua_Integer *v);
bool lof_port_ok(lua_State *L, int idx, uint16_t *port);
/* For APIs that answer a bad argument with nil, message instead of raising
 * (rules.*, guest.notify): pushes both, returns 2. */
int lof_soft_fail(lua_State *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* What a value looks like in a message: strings as they are, else the type. */
const char *lof_shown(lua_State *L, int idx);
/* 0 when every key of the table at t is one of known[0..n-1]; else -1 and why:
 * "WHAT: unknown field 'x' (known: LIST)" (soft-failing APIs: rules.*, guest.notify). */
int lof_fields_known(lua_State *L, int t, const char *const *known, size_t n, const char *what,
                     char *why, size_t cap);

#endif
