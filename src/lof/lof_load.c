/*
 * lof_load.c - loading and hot-reloading the app chain. A load always builds a
 * complete new Lua state beside the running one: every chunk is compiled and
 * run in its own environment, its handler table checked, and the state of apps
 * that survive the reload moved across with save()/restore(). Only when all of
 * that worked are the old state's timers and requests cancelled and the old
 * state freed; on any failure the new state is thrown away instead and the
 * running apps never notice. Switch connections belong to the engine and are
 * not touched either way.
 */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "lof/lof_internal.h"

static void vlua_log_cb(void *ctx, int level, const char *msg)
{
    struct lof *l = ctx;
    log_msg(l->log,
            level == 0   ? LOG_LEVEL_ERROR
            : level == 1 ? LOG_LEVEL_WARN
                         : LOG_LEVEL_INFO,
            "lua", "%s", msg);
}

static int open_api(lua_State *L)
{
    lof_api_of_open(L);
    return 0;
}

static struct lof_state *state_new(struct lof *l, char *err, size_t errcap)
{
    struct lof_state *st = calloc(1, sizeof *st);
    if (st) st->v = vlua_new(&l->lim, vlua_log_cb, l);
    if (!st || !st->v) {
        free(st);
        snprintf(err, errcap, "cannot create a Lua state");
        return NULL;
    }
    st->l = l;
    st->L = vlua_state(st->v);
    *(struct lof_state **)lua_getextraspace(st->L) = st;
    for (size_t i = 0; i < LOF_MAX_APPS; i++) {
        st->apps[i].st = st;
        st->apps[i].env_ref = LUA_NOREF;
        for (int h = 0; h < LOF_H_N; h++)
            st->apps[i].href[h] = LUA_NOREF;
    }
    if (lof_protected(st, open_api, NULL, 0, err, errcap) != 0) {
        lof_state_free(st);
        return NULL;
    }
    return st;
}

void lof_state_free(struct lof_state *st)
{
    lof_timers_cancel_all(st);
    lof_reqs_drop_all(st, false); /* the engine side is the caller's business */
    st->l->old_budget_trips += vlua_budget_trips(st->v);
    st->l->old_mem_trips += vlua_mem_trips(st->v);
    vlua_free(st->v);
    free(st);
}

/* ---- one app ------------------------------------------------------------- */

static int valid_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n >= LOF_MAX_NAME) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
              s[i] == '-'))
            return 0;
    return 1;
}

static int count_lines(const char *s, size_t len)
{
    int n = 1;
    for (size_t i = 0; i + 1 < len; i++)
        n += s[i] == '\n';
    return n;
}

/* Line where the function on top of the stack was defined (popped), or fallback. */
static int fn_line(lua_State *L, int fallback)
{
    lua_Debug ar;
    if (!lua_isfunction(L, -1)) {
        lua_pop(L, 1);
        return fallback;
    }
    lua_getinfo(L, ">S", &ar);
    return ar.linedefined > 0 ? ar.linedefined : fallback;
}

struct env_args {
    struct lof_app *app;
    const struct lof_app_src *src;
};

static int build_env(lua_State *L)
{
    struct env_args *ea = lua_touserdata(L, 1);
    lof_open_env(L, ea->app, ea->src); /* env */
    lua_pushvalue(L, -1);
    ea->app->env_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 1;
}

static int table_error(lua_State *L, struct lof_app *a, int line, const char *fmt, const char *arg)
{
    lua_pushfstring(L, "%s:%d: ", a->origin, line);
    lua_pushfstring(L, fmt, arg);
    lua_concat(L, 2);
    return lua_error(L);
}

/* check_handlers(app, t): t must be a table of known handler names holding
 * functions, plus an optional number `tick`. Keeps refs to the handlers. */
static int check_handlers(lua_State *L)
{
    struct lof_app *a = lua_touserdata(L, 1);
    if (!lua_istable(L, 2))
        return table_error(L, a, a->last_line, "the app must return a table of handlers, got %s",
                           luaL_typename(L, 2));
    lua_pushnil(L);
    while (lua_next(L, 2)) { /* key, value */
        if (lua_type(L, -2) != LUA_TSTRING) {
            int line = fn_line(L, a->last_line); /* pops the value: the key is on top */
            return table_error(L, a, line, "handler names must be strings, got a %s key",
                               luaL_typename(L, -1));
        }
        const char *k = lua_tostring(L, -2);
        int h = 0;
        while (h < LOF_H_N && strcmp(k, lof_handler_names[h]) != 0)
            h++;
        if (h == LOF_H_N && strcmp(k, "tick") != 0) {
            int line = fn_line(L, a->last_line);
            return table_error(L, a, line,
                               "unknown handler '%s' (known: switch_up, switch_down, packet_in, "
                               "flow_removed, port_status, error, timer, tick, save, restore, "
                               "reloaded, monitor_drop)",
                               k);
        }
        if (h < LOF_H_N && !lua_isfunction(L, -1))
            return table_error(L, a, a->last_line, "handler '%s' must be a function", k);
        lua_pop(L, 1);
    }
    a->tick = LOF_DEFAULT_TICK;
    if (lua_getfield(L, 2, "tick") != LUA_TNIL) {
        lua_Number t = lua_tonumber(L, -1);
        if (!lua_isnumber(L, -1) || lua_type(L, -1) != LUA_TNUMBER || !(t >= 0.001 && t <= 86400))
            return table_error(L, a, a->last_line, "%s",
                               "tick must be a number of seconds 0.001..86400");
        a->tick = t;
    }
    lua_pop(L, 1);
    for (int h = 0; h < LOF_H_N; h++) {
        if (lua_getfield(L, 2, lof_handler_names[h]) == LUA_TNIL) {
            lua_pop(L, 1);
            continue;
        }
        a->href[h] = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    return 0;
}

static int load_app(struct lof_state *st, struct lof_app *a, const struct lof_app_src *src,
                    char *err, size_t errcap)
{
    lua_State *L = st->L;
    snprintf(a->name, sizeof a->name, "%s", src->name);
    snprintf(a->module, sizeof a->module, "app:%s", src->name);
    snprintf(a->origin, sizeof a->origin, "%s", src->origin ? src->origin : src->name);
    a->last_line = count_lines(src->src, src->len);
    if (vlua_load(st->v, a->origin, src->src, src->len, err, errcap) != 0) return -1; /* chunk */
    struct env_args ea = {a, src};
    if (lof_protected(st, build_env, &ea, 1, err, errcap) != 0) { /* chunk, env */
        char why[256];
        snprintf(why, sizeof why, "%.200s", err);
        snprintf(err, errcap, "%s:0: %s", a->origin, why);
        lua_pop(L, 1);
        return -1;
    }
    lua_setupvalue(L, -2, 1);                                       /* the chunk's _ENV := env */
    if (lof_call(st, a, 0, 1, "load", err, errcap) != 0) return -1; /* handlers */
    lua_pushcfunction(L, check_handlers);
    lua_pushlightuserdata(L, a);
    lua_rotate(L, -3, 2); /* check, app, handlers */
    if (vlua_pcall(st->v, 2, 0, err, errcap) != 0) {
        lof_first_line(err);
        return -1;
    }
    return 0;
}

/* ---- reload ---------------------------------------------------------------- */

static struct lof_app *find_app(struct lof_state *st, const char *name)
{
    for (size_t i = 0; st && i < st->n_apps; i++)
        if (strcmp(st->apps[i].name, name) == 0) return &st->apps[i];
    return NULL;
}

/* old app's save() -> vlua_copy -> new app's restore(state). */
static int transfer(struct lof_state *old, struct lof_app *o, struct lof_state *st,
                    struct lof_app *a, char *err, size_t errcap)
{
    char msg[256];
    lua_State *from = old->L, *to = st->L;
    if (!lua_checkstack(from, 4) || !lua_checkstack(to, 4)) {
        snprintf(err, errcap, "%s:0: Lua stack overflow during state transfer", a->origin);
        return -1;
    }
    lua_rawgeti(from, LUA_REGISTRYINDEX, o->href[LOF_H_SAVE]);
    /* save() runs in the live state, but the reload may still fail after
     * it: it must not act on switches, so switch I/O is refused as in a load */
    old->loading = true;
    int saved = lof_call(old, o, 0, 1, "save", err, errcap);
    old->loading = false;
    if (saved != 0) return -1;
    int rc = vlua_copy(from, -1, to, vlua_mem_cap(st->v) / 2, msg, sizeof msg);
    lua_pop(from, 1);
    if (rc != 0) {
        lua_rawgeti(from, LUA_REGISTRYINDEX, o->href[LOF_H_SAVE]);
        snprintf(err, errcap, "%s:%d: save() returned a state that cannot be transferred: %s",
                 o->origin, fn_line(from, 0), msg);
        return -1;
    }
    lua_rawgeti(to, LUA_REGISTRYINDEX, a->href[LOF_H_RESTORE]);
    lua_insert(to, -2); /* restore, state */
    return lof_call(st, a, 1, 0, "restore", err, errcap);
}

/* A failed load: the new state (if any) goes, the running one stays. */
static int fail(struct lof *l, struct lof_state *st, const char *err)
{
    if (st) lof_state_free(st);
    l->failed_reloads++;
    snprintf(l->last_error, sizeof l->last_error, "%s", err);
    log_error(l->log, "lof", "%s failed: %s", l->cur ? "reload" : "load", err);
    return -1;
}

static int check_set(const struct lof_app_src *apps, size_t n, char *err, size_t errcap)
{
    if (n > LOF_MAX_APPS) {
        snprintf(err, errcap, "%s:0: more than %d apps",
                 apps[LOF_MAX_APPS].origin ? apps[LOF_MAX_APPS].origin : "(config)", LOF_MAX_APPS);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *o = apps[i].origin ? apps[i].origin : "(config)";
        if (!valid_name(apps[i].name)) {
            snprintf(err, errcap, "%s:0: app name '%s' is not 1..%d of [a-z0-9_-]", o,
                     apps[i].name ? apps[i].name : "", LOF_MAX_NAME - 1);
            return -1;
        }
        if (!apps[i].src) {
            snprintf(err, errcap, "%s:0: no source", o);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(apps[i].name, apps[j].name) == 0) {
                snprintf(err, errcap, "%s:0: app '%s' appears twice in the chain", o, apps[i].name);
                return -1;
            }
    }
    return 0;
}

/* After the first load, apps meet the switches that are already up. Dpids
 * are collected first: a switch_up handler may make another switch go away,
 * so each is looked up again right before its event. */
struct dpids {
    uint64_t *v;
    size_t n, cap;
};

static void collect_dpid(struct ofc_switch *sw, void *arg)
{
    struct dpids *d = arg;
    if (d->n < d->cap && ofc_switch_features(sw)) d->v[d->n++] = ofc_switch_dpid(sw);
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void replay_switch_up(struct lof *l)
{
    struct dpids d = {NULL, 0, ofc_switch_count(l->ofc)};
    if (!d.cap || !(d.v = calloc(d.cap, sizeof *d.v))) return;
    ofc_foreach_switch(l->ofc, collect_dpid, &d);
    qsort(d.v, d.n, sizeof *d.v, u64_cmp); /* in dpid order, like vf.switches() */
    for (size_t i = 0; i < d.n; i++) {
        struct ofc_switch *sw = l->ofc ? ofc_switch_find(l->ofc, d.v[i]) : NULL;
        if (sw) lof_dispatch_switch_up(l, sw);
    }
    free(d.v);
}

static void call_reloaded(struct lof_state *st, const bool *fresh)
{
    for (size_t i = 0; i < st->n_apps; i++) {
        struct lof_app *a = &st->apps[i];
        if (a->href[LOF_H_RELOADED] == LUA_NOREF || !lua_checkstack(st->L, 4)) continue;
        lua_rawgeti(st->L, LUA_REGISTRYINDEX, a->href[LOF_H_RELOADED]);
        lua_pushboolean(st->L, fresh[i]);
        lof_call(st, a, 1, 0, "reloaded", NULL, 0);
    }
}

int lof_load(struct lof *l, const struct lof_app_src *apps, size_t n, char *err, size_t errcap)
{
    char local[512];
    if (!err || !errcap) err = local, errcap = sizeof local;
    err[0] = '\0';
    if (check_set(apps, n, err, errcap) != 0) return fail(l, NULL, err);
    struct lof_state *st = state_new(l, err, errcap);
    if (!st) return fail(l, NULL, err);
    struct lof_state *old = l->cur;
    bool fresh[LOF_MAX_APPS];
    st->loading = true;
    for (size_t i = 0; i < n; i++) {
        st->n_apps = i + 1;
        if (load_app(st, &st->apps[i], &apps[i], err, errcap) != 0) return fail(l, st, err);
    }
    for (size_t i = 0; i < n; i++) {
        struct lof_app *a = &st->apps[i], *o = find_app(old, a->name);
        fresh[i] = o == NULL;
        if (o && o->href[LOF_H_SAVE] != LUA_NOREF && a->href[LOF_H_RESTORE] != LUA_NOREF &&
            transfer(old, o, st, a, err, errcap) != 0)
            return fail(l, st, err);
    }
    st->loading = false;

    /* Commit. From here on nothing can fail the load. */
    if (old) {
        lof_reqs_drop_all(old, true);
        lof_state_free(old);
    }
    l->cur = st;
    l->generation++;
    for (size_t i = 0; i < n; i++)
        if (st->apps[i].href[LOF_H_TIMER] != LUA_NOREF && lof_timer_start_tick(&st->apps[i]) != 0)
            log_error(l->log, st->apps[i].module, "cannot start the timer() tick");
    log_info(l->log, "lof", "%s %zu app%s (generation %u)", old ? "reloaded" : "loaded", n,
             n == 1 ? "" : "s", l->generation);
    if (old)
        call_reloaded(st, fresh);
    else if (l->ofc)
        replay_switch_up(l);
    return 0;
}
