/*
 * lof_host.c - the host object, the engine's handlers, and the handler chain:
 * every engine event becomes one Lua value built once (protected, since it may
 * run out of memory) and handed to each app that has a handler for it, in load
 * order, each call with its own instruction budget. An app that errors or runs
 * away is logged and counted; the chain and the engine carry on.
 */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "lof/lof_internal.h"

const char *const lof_handler_names[LOF_H_N] = {
    "switch_up", "switch_down", "packet_in", "flow_removed", "port_status",  "error",
    "timer",     "save",        "restore",   "reloaded",     "monitor_drop", "command",
};

struct lof_state *lof_state_of(lua_State *L)
{
    return *(struct lof_state **)lua_getextraspace(L);
}

void lof_first_line(char *msg)
{
    char *nl = strchr(msg, '\n');
    if (nl) *nl = '\0';
}

/* Does s start with "chunk:line:"? */
static const char *position_end(const char *s, const char *end)
{
    const char *c = memchr(s, ':', (size_t)(end - s));
    if (!c || c == s || c + 1 >= end || *s == '[') return NULL;
    const char *d = c + 1;
    while (d < end && *d >= '0' && *d <= '9')
        d++;
    return d > c + 1 && d < end && *d == ':' ? d + 1 : NULL;
}

/* One line "origin:line: message" out of a vlua error. Budget errors carry no
 * position but a traceback whose first Lua frame is where the code ran away;
 * memory errors carry neither, and get line 0 ("somewhere in origin"). */
static void locate(const char *msg, const char *origin, char *out, size_t cap)
{
    const char *nl = strchr(msg, '\n');
    const char *end1 = nl ? nl : msg + strlen(msg);
    int n1 = (int)(end1 - msg);
    if (position_end(msg, end1)) {
        snprintf(out, cap, "%.*s", n1, msg);
        return;
    }
    for (const char *p = nl; p && *p; p = strchr(p + 1, '\n')) {
        const char *line = p + 1 + (p[1] == '\t');
        const char *e = strchr(line, '\n');
        const char *pe = position_end(line, e ? e : line + strlen(line));
        if (pe) {
            snprintf(out, cap, "%.*s %.*s", (int)(pe - line), line, n1, msg);
            return;
        }
    }
    snprintf(out, cap, "%s:0: %.*s", origin, n1, msg);
}

/* vlua_pcall as app's code: 0, or -1 with vlua's message in buf. */
static int app_pcall(struct lof_state *st, struct lof_app *app, int nargs, int nresults, char *buf,
                     size_t cap)
{
    struct lof_app *prev = st->running; /* calls nest when a send re-enters */
    st->running = app;
    int rc = vlua_pcall(st->v, nargs, nresults, buf, cap);
    st->running = prev;
    return rc;
}

/* The error of app's call (vlua's message in buf), as lof_call reports it. */
static int app_failed(struct lof_state *st, struct lof_app *app, const char *buf, const char *what,
                      char *err, size_t errcap)
{
    char line[512];
    locate(buf, app->origin, line, sizeof line);
    if (err) { /* the caller reports it (load, save, restore) */
        snprintf(err, errcap, "%s", line);
        return -1;
    }
    struct lof *l = st->l;
    l->handler_errors++;
    log_debug(l->log, app->module, "%s failed: %s", what, buf);
    log_error(l->log, app->module, "%s failed: %s", what, line);
    snprintf(l->last_error, sizeof l->last_error, "%.47s: %.200s", app->name, line);
    return -1;
}

int lof_call(struct lof_state *st, struct lof_app *app, int nargs, int nresults, const char *what,
             char *err, size_t errcap)
{
    char buf[1024];
    if (app_pcall(st, app, nargs, nresults, buf, sizeof buf) == 0) return 0;
    return app_failed(st, app, buf, what, err, errcap);
}

int lof_protected(struct lof_state *st, lua_CFunction fn, void *ud, int nresults, char *err,
                  size_t errcap)
{
    char buf[512];
    lua_State *L = st->L;
    if (!lua_checkstack(L, nresults + 8)) {
        snprintf(buf, sizeof buf, "Lua stack overflow");
    } else {
        lua_pushcfunction(L, fn);
        lua_pushlightuserdata(L, ud);
        if (vlua_pcall(st->v, 1, nresults, buf, sizeof buf) == 0) return 0;
        lof_first_line(buf);
    }
    if (err)
        snprintf(err, errcap, "%s", buf);
    else
        log_error(st->l->log, "lof", "cannot build an event for the apps: %s", buf);
    return -1;
}

/* ---- the chain ------------------------------------------------------------ */

struct event {
    int hid;
    struct ofc_switch *sw;
    const struct of10_msg *m;
    int nargs, href; /* for build_and_call */
    bool built;
};

static int build_event(lua_State *L)
{
    const struct event *e = lua_touserdata(L, 1);
    lof_push_switch(L, e->sw);
    switch (e->hid) {
    case LOF_H_SWITCH_UP: /* info: {takeover = bool} (ofc_role.c) */
        lua_createtable(L, 0, 1);
        lua_pushboolean(L, ofc_switch_takeover(e->sw));
        lua_setfield(L, -2, "takeover");
        break;
    case LOF_H_PACKET_IN:
        lof_push_packet_in(L, &e->m->u.packet_in);
        break;
    case LOF_H_FLOW_REMOVED:
        lof_push_flow_removed(L, &e->m->u.flow_removed);
        break;
    case LOF_H_PORT_STATUS:
        lof_push_port_status(L, &e->m->u.port_status);
        break;
    case LOF_H_ERROR:
        lof_push_error(L, e->m);
        break;
    default:
        lua_pushnil(L);
        break;
    }
    return 2;
}

/* The event built and handed to the one app that handles it, in a single
 * protected call (the app's: it has that app's budget, its errors are that
 * app's): a second pcall per event for the build alone cost ~3% of a
 * learning switch's PACKET_IN. Returns the handler's result. */
static int build_and_call(lua_State *L)
{
    struct event *e = lua_touserdata(L, 1);
    lua_settop(L, 1);
    build_event(L); /* e, sw, arg */
    e->built = true;
    lua_rawgeti(L, LUA_REGISTRYINDEX, e->href);
    lua_insert(L, 2);            /* e, handler, sw, arg */
    lua_settop(L, 2 + e->nargs); /* (no arg for switch_down) */
    lua_call(L, e->nargs, 1);
    return 1;
}

static int forget_switch(lua_State *L)
{
    lof_forget_switch(L, lua_touserdata(L, 1));
    return 0;
}

static void dispatch(struct lof *l, int hid, struct ofc_switch *sw, const struct of10_msg *m)
{
    struct lof_state *st = l->cur;
    if (!st) return;
    size_t i;
    for (i = 0; i < st->n_apps && st->apps[i].href[hid] == LUA_NOREF; i++) {
    }
    if (i == st->n_apps) return; /* nobody listens: build nothing */
    lua_State *L = st->L;
    /* Connection events go to every app, whatever the earlier ones return:
     * an app that missed switch_down would keep state for a dead switch. */
    bool conn_event = hid == LOF_H_SWITCH_UP || hid == LOF_H_SWITCH_DOWN;
    int nargs = hid == LOF_H_SWITCH_DOWN ? 1 : 2;
    struct event e = {hid, sw, m, nargs, st->apps[i].href[hid], false};
    size_t j = i + 1;
    while (j < st->n_apps && st->apps[j].href[hid] == LUA_NOREF)
        j++;
    if (j == st->n_apps) { /* one app listens: build and call at once */
        char buf[1024];
        if (!lua_checkstack(L, 8)) return;
        lua_pushcfunction(L, build_and_call);
        lua_pushlightuserdata(L, &e);
        int rc = app_pcall(st, &st->apps[i], 1, 1, buf, sizeof buf);
        lof_event_done(st); /* the packet is off the stack now */
        if (rc == 0)
            lua_pop(L, 1);
        else if (e.built)
            app_failed(st, &st->apps[i], buf, lof_handler_names[hid], NULL, 0);
        else
            log_error(st->l->log, "lof", "cannot build an event for the apps: %s",
                      (lof_first_line(buf), buf));
        return;
    }
    if (lof_protected(st, build_event, &e, 2, NULL, 0) != 0) { /* sw, arg */
        lof_event_done(st);
        return;
    }
    int base = lua_gettop(L);
    for (; i < st->n_apps; i++) {
        struct lof_app *a = &st->apps[i];
        if (a->href[hid] == LUA_NOREF) continue;
        lua_rawgeti(L, LUA_REGISTRYINDEX, a->href[hid]);
        lua_pushvalue(L, base - 1);
        if (nargs == 2) lua_pushvalue(L, base);
        if (lof_call(st, a, nargs, 1, lof_handler_names[hid], NULL, 0) != 0) continue;
        int stop = lua_isboolean(L, -1) && lua_toboolean(L, -1);
        lua_pop(L, 1);
        if (stop && !conn_event) break;
    }
    lof_event_done(st);
    lua_settop(L, base - 2);
}

void lof_chain(struct lof *l, int hid, lua_CFunction build, void *ud)
{
    struct lof_state *st = l->cur;
    if (!st) return;
    size_t i;
    for (i = 0; i < st->n_apps && st->apps[i].href[hid] == LUA_NOREF; i++) {
    }
    if (i == st->n_apps) return; /* nobody listens: build nothing */
    lua_State *L = st->L;
    if (lof_protected(st, build, ud, 1, NULL, 0) != 0) return; /* value */
    int base = lua_gettop(L);
    for (; i < st->n_apps; i++) {
        struct lof_app *a = &st->apps[i];
        if (a->href[hid] == LUA_NOREF) continue;
        lua_rawgeti(L, LUA_REGISTRYINDEX, a->href[hid]);
        lua_pushvalue(L, base);
        if (lof_call(st, a, 1, 1, lof_handler_names[hid], NULL, 0) != 0) continue;
        int stop = lua_isboolean(L, -1) && lua_toboolean(L, -1);
        lua_pop(L, 1);
        if (stop) break;
    }
    lua_settop(L, base - 1);
}

void lof_dispatch_switch_up(struct lof *l, struct ofc_switch *sw)
{
    dispatch(l, LOF_H_SWITCH_UP, sw, NULL);
}

static void h_switch_up(void *ctx, struct ofc_switch *sw)
{
    dispatch(ctx, LOF_H_SWITCH_UP, sw, NULL);
}

static void h_switch_down(void *ctx, struct ofc_switch *sw)
{
    struct lof *l = ctx;
    dispatch(l, LOF_H_SWITCH_DOWN, sw, NULL);
    if (l->cur) lof_protected(l->cur, forget_switch, sw, 0, NULL, 0);
}

static void h_packet_in(void *ctx, struct ofc_switch *sw, const struct of10_msg *m)
{
    dispatch(ctx, LOF_H_PACKET_IN, sw, m);
}

static void h_flow_removed(void *ctx, struct ofc_switch *sw, const struct of10_msg *m)
{
    dispatch(ctx, LOF_H_FLOW_REMOVED, sw, m);
}

static void h_port_status(void *ctx, struct ofc_switch *sw, const struct of10_msg *m)
{
    dispatch(ctx, LOF_H_PORT_STATUS, sw, m);
}

static void h_error(void *ctx, struct ofc_switch *sw, const struct of10_msg *m)
{
    dispatch(ctx, LOF_H_ERROR, sw, m);
}

static void h_other(void *ctx, struct ofc_switch *sw, const struct of10_msg *m)
{
    struct lof *l = ctx;
    char dpid[24];
    lof_dpid_str(ofc_switch_dpid(sw), dpid);
    log_debug(l->log, "lof", "%s from %s not passed to apps", of10_type_name(m->type), dpid);
}

const struct ofc_handlers *lof_ofc_handlers(void)
{
    static const struct ofc_handlers h = {
        .switch_up = h_switch_up,
        .switch_down = h_switch_down,
        .packet_in = h_packet_in,
        .flow_removed = h_flow_removed,
        .port_status = h_port_status,
        .error = h_error,
        .other = h_other,
    };
    return &h;
}

/* ---- the host object ------------------------------------------------------- */

struct lof *lof_new(struct ev_loop *loop, struct log *log, const struct vlua_limits *lim,
                    const struct lof_host *host, void *host_ctx)
{
    struct lof *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->loop = loop;
    l->log = log;
    if (lim) l->lim = *lim;
    if (host) l->host = *host;
    l->host_ctx = host_ctx;
    l->notify_tokens = LOF_NOTIFY_RATE * 1000ull; /* guest.notify's bucket starts full */
    l->notify_ms = loop ? ev_now_ms(loop) : 0;
    l->cl_tokens = LOF_CLUSTER_RATE * 1000ull; /* and so does cluster.put's */
    l->cl_ms = l->notify_ms;
    return l;
}

void lof_free(struct lof *l)
{
    if (!l) return;
    /* The engine is gone (or detached) by now: never call into it here. */
    if (l->cur) lof_state_free(l->cur);
    free(l->mon_ports);
    lof_cluster_free(l);
    free(l);
}

void lof_attach(struct lof *l, struct ofc *c)
{
    if (l->ofc && l->ofc != c && l->cur) lof_reqs_drop_all(l->cur, true);
    l->ofc = c;
}

void lof_status(const struct lof *l, struct lof_status *st)
{
    memset(st, 0, sizeof *st);
    st->generation = l->generation;
    st->failed_reloads = l->failed_reloads;
    st->handler_errors = l->handler_errors;
    st->budget_trips = l->old_budget_trips;
    st->mem_trips = l->old_mem_trips;
    st->drops = l->drops;
    st->guest_notes = l->guest_notes;
    st->cluster_keys = l->n_cl_keys;
    st->cluster_events = l->cl_events;
    snprintf(st->last_error, sizeof st->last_error, "%s", l->last_error);
    const struct lof_state *s = l->cur;
    if (!s) return;
    st->n_apps = s->n_apps;
    for (size_t i = 0; i < s->n_apps; i++)
        st->app_names[i] = s->apps[i].name;
    st->mem_used = vlua_mem_used(s->v);
    st->mem_cap = vlua_mem_cap(s->v);
    st->budget_trips += vlua_budget_trips(s->v);
    st->mem_trips += vlua_mem_trips(s->v);
    st->timers = s->n_timers;
    st->requests = s->n_reqs;
    st->rule_requests = s->n_rreqs;
    for (size_t i = 0; i < s->n_cl_watch; i++)
        st->cluster_watches += s->cl_watch[i].id != 0;
}
