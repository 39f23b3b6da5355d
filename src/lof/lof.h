/*
 * lof.h - the Lua app host of the controller ("Lua OpenFlow"): one sandboxed
 * Lua state holding a chain of apps, fed by the ofc engine's events, with an
 * API for apps to act on switches. Sources and configuration arrive as data
 * (never read from files here), and a reload is atomic: either every app of the
 * new set loads and starts, or the running set stays untouched.
 */
#ifndef VF_LOF_H
#define VF_LOF_H

#include <stddef.h>
#include <stdint.h>

#include "lib/ev.h"
#include "lib/log.h"
#include "lua/vlua.h"
#include "ofc/ofc.h"

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
    /* app output records, e.g. flowmon's CSV rows: stream "flowmon", one line */
    void (*record)(void *ctx, const char *app, const char *stream, const char *line);
};

struct lof *lof_new(struct ev_loop *loop, struct log *log, const struct vlua_limits *lim,
                    const struct lof_host *host, void *host_ctx);
void lof_free(struct lof *l);
/* The engine handlers to pass to ofc_new with ctx = the lof; then attach. */
const struct ofc_handlers *lof_ofc_handlers(void);
void lof_attach(struct lof *l, struct ofc *c);

/* Load (first time) or reload the whole app chain, in this order. Atomic: on any
 * error (syntax, runtime error in the chunk or its start, bad handler table,
 * state transfer) nothing changes and err holds "origin:line: message".
 * 0 / -1. */
int lof_load(struct lof *l, const struct lof_app_src *apps, size_t n, char *err, size_t errcap);

struct lof_status {
    unsigned generation;     /* successful loads so far */
    unsigned failed_reloads;
    size_t n_apps;
    const char *app_names[32];
    size_t mem_used, mem_cap;
    uint64_t budget_trips, mem_trips, handler_errors;
    char last_error[256];
};
void lof_status(const struct lof *l, struct lof_status *st);

#endif
