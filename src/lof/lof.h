/*
 * lof.h - the Lua app host of the controller ("Lua OpenFlow"): one sandboxed
 * Lua state holding a chain of apps, fed by the ofc engine's events, with an
 * API for apps to act on switches. Sources and configuration arrive as data
 * (never read from files here), and a reload is atomic: either every app of the
 * new set loads and starts, or the running set stays untouched.
 *
 * Lifetime: create the lof, create the engine with lof_ofc_handlers() and the
 * lof as ctx, lof_attach, lof_load. Tear down in the opposite order: ofc_free
 * first (the apps see switch_down and their pending requests fail with "switch
 * disconnected"), then lof_free. To drop the engine while keeping the apps,
 * lof_attach(l, NULL) forgets the apps' pending requests first.
 *
 * Host callbacks (struct lof_host) run inside a Lua call: they must not call
 * lof_load or lof_free. The Lua API itself is documented in docs/lua-api.md.
 */
#ifndef VF_LOF_H
#define VF_LOF_H

#include <stddef.h>
#include <stdint.h>

#include "lib/ev.h"
#include "lib/log.h"
#include "lua/vlua.h"
#include "ofc/ofc.h"

#define LOF_MAX_APPS     32   /* apps in one chain */
#define LOF_MAX_NAME     48   /* app name: [a-z0-9_-]{1,47} (it names files) */
#define LOF_MAX_TIMERS   1024 /* live timers of one Lua state */
#define LOF_MAX_REQUESTS 4096 /* pending stats/barrier requests of one Lua state */

struct lof;

/* One configuration entry of an app: repeated keys become a Lua array; values
 * that read as integers/numbers/true/false become those types. */
struct lof_kv {
    const char *key;
    const char *value;
};

struct lof_app_src {
    const char *name;   /* app name: "l2_learning" */
    const char *origin; /* for messages: "lua/apps/l2_learning.lua" */
    const char *src;
    size_t len;
    const struct lof_kv *cfg;
    size_t ncfg;
};

/* What the host (daemon, or later the core through the domain) provides. */
struct lof_host {
    /* app output records, e.g. flowmon's CSV rows: stream "flowmon", one line
     * without its newline. NULL: records are dropped. */
    void (*record)(void *ctx, const char *app, const char *stream, const char *line);
    /* Called while an app's environment is built, with that table on top of
     * L's stack (leave it there): the host may add what only it can offer
     * (a protection domain adds the `socket` module). Runs protected: a Lua
     * error fails the load. NULL: nothing is added. */
    void (*open_env)(void *ctx, lua_State *L, const char *app);
};

/* NULL on allocation failure. lim NULL: vlua's defaults; host NULL: no host
 * callbacks. log is borrowed and must outlive the lof. */
struct lof *lof_new(struct ev_loop *loop, struct log *log, const struct vlua_limits *lim,
                    const struct lof_host *host, void *host_ctx);
void lof_free(struct lof *l);
/* The engine handlers to pass to ofc_new with ctx = the lof; then attach. */
const struct ofc_handlers *lof_ofc_handlers(void);
/* Attach the engine the apps act on (NULL detaches: pending requests of the
 * running apps are cancelled at the old engine). */
void lof_attach(struct lof *l, struct ofc *c);

/* Load (first time) or reload the whole app chain, in this order. Atomic: on any
 * error (syntax, runtime error in the chunk or its start, bad handler table,
 * state transfer) nothing changes and err holds "origin:line: message".
 * On success the old state's timers and requests are cancelled and it is freed;
 * switch connections are never touched. After the first load, switch_up is
 * delivered for every switch already connected; after a reload it is not, and
 * each app's reloaded(fresh) runs instead. 0 / -1. */
int lof_load(struct lof *l, const struct lof_app_src *apps, size_t n, char *err, size_t errcap);

struct lof_status {
    unsigned generation;     /* successful loads so far */
    unsigned failed_reloads; /* failed lof_load calls (first load included) */
    size_t n_apps;
    const char *app_names[LOF_MAX_APPS]; /* valid until the next lof_load/lof_free */
    size_t mem_used, mem_cap;
    /* budget/mem trips summed over every state this lof ran; handler_errors
     * counts handler, timer and callback calls that raised an error */
    uint64_t budget_trips, mem_trips, handler_errors;
    size_t timers, requests; /* live in the running state */
    char last_error[256];    /* last failed load or handler error, "" if none */
};
void lof_status(const struct lof *l, struct lof_status *st);

#endif
