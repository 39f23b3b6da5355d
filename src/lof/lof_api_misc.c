/*
 * lof_api_misc.c - each app's environment and the parts of the vf API that
 * are not OpenFlow: timers (ev timers, each callback with its own budget),
 * logging under "app:NAME", the app's configuration, and record() for rows
 * the host writes out (the Lua side never touches files).
 *
 * The functions that need to know their app get it as an upvalue (a light
 * userdata of its struct lof_app), so an app cannot act in another's name.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>

#include "lof/lof_internal.h"

#define LOF_RECORD_MAX 8192 /* one record line */

static struct lof_app *app_up(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

/* ---- timers ----------------------------------------------------------------- */

static void timer_free(struct lof_state *st, struct lof_timer *t, bool unref)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        st->timers = t->next;
    if (t->next) t->next->prev = t->prev;
    st->n_timers--;
    if (unref && !t->borrowed) luaL_unref(st->L, LUA_REGISTRYINDEX, t->fnref);
    free(t);
}

static void on_timer(struct ev_loop *loop, uint64_t id, void *ctx)
{
    (void)loop;
    struct lof_timer *t = ctx;
    struct lof_state *st = t->app->st;
    t->firing = true;
    if (lua_checkstack(st->L, 4)) {
        lua_rawgeti(st->L, LUA_REGISTRYINDEX, t->fnref);
        lua_pushinteger(st->L, (lua_Integer)id);
        lof_call(st, t->app, 1, 0, t->borrowed ? "timer" : "timer callback", NULL, 0);
    }
    t->firing = false;
    if (!t->repeat || t->dead) timer_free(st, t, true);
}

/* Create a timer calling the function ref after/every `sec` seconds. */
static struct lof_timer *timer_new(struct lof_app *app, double sec, bool repeat, int ref)
{
    struct lof_state *st = app->st;
    struct lof_timer *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    uint64_t ms = (uint64_t)(sec * 1000.0 + 0.5);
    if (repeat && ms == 0) ms = 1;
    t->id = ev_timer_add(st->l->loop, ms, repeat ? ms : 0, on_timer, t);
    if (!t->id) {
        free(t);
        return NULL;
    }
    t->app = app;
    t->fnref = ref;
    t->repeat = repeat;
    t->next = st->timers;
    if (st->timers) st->timers->prev = t;
    st->timers = t;
    st->n_timers++;
    return t;
}

static int add_timer(lua_State *L, bool repeat)
{
    struct lof_app *app = app_up(L);
    struct lof_state *st = app->st;
    const char *what = repeat ? "every" : "after";
    lua_Number sec = luaL_checknumber(L, 1);
    if (!(sec >= (repeat ? 0.001 : 0) && sec <= 1e7))
        return luaL_error(L, "%s: seconds must be %s..1e7, got %f", what, repeat ? "0.001" : "0",
                          (double)sec);
    if (!lua_isfunction(L, 2))
        return luaL_error(L, "%s: callback: expected a function, got %s", what,
                          luaL_typename(L, 2));
    if (st->n_timers >= LOF_MAX_TIMERS)
        return luaL_error(L, "%s: too many timers (%d)", what, LOF_MAX_TIMERS);
    lua_settop(L, 2);
    int ref = luaL_ref(L, LUA_REGISTRYINDEX);
    struct lof_timer *t = timer_new(app, sec, repeat, ref);
    if (!t) {
        luaL_unref(L, LUA_REGISTRYINDEX, ref);
        return luaL_error(L, "%s: cannot create a timer", what);
    }
    lua_pushinteger(L, (lua_Integer)t->id);
    return 1;
}

static int l_after(lua_State *L)
{
    return add_timer(L, false);
}
static int l_every(lua_State *L)
{
    return add_timer(L, true);
}

/* cancel(id): true if it was pending. Only the app's own timers. */
static int l_cancel(lua_State *L)
{
    struct lof_app *app = app_up(L);
    struct lof_state *st = app->st;
    uint64_t id = (uint64_t)luaL_checkinteger(L, 1);
    for (struct lof_timer *t = st->timers; t; t = t->next) {
        if (t->id != id || t->app != app || t->dead || t->borrowed) continue;
        ev_timer_cancel(st->l->loop, id);
        if (t->firing)
            t->dead = true; /* freed when its callback returns */
        else
            timer_free(st, t, true);
        lua_pushboolean(L, 1);
        return 1;
    }
    lua_pushboolean(L, 0);
    return 1;
}

int lof_timer_start_tick(struct lof_app *app)
{
    struct lof_timer *t = timer_new(app, app->tick, true, app->href[LOF_H_TIMER]);
    if (!t) return -1;
    t->borrowed = true;
    return 0;
}

void lof_timers_cancel_all(struct lof_state *st)
{
    /* The state is about to go: cancel at the loop, the refs die with it. */
    while (st->timers) {
        ev_timer_cancel(st->l->loop, st->timers->id);
        timer_free(st, st->timers, false);
    }
}

/* ---- log, print, time -------------------------------------------------------- */

/* log.info(fmt, ...): string.format when there are arguments, else tostring. */
static int l_log(lua_State *L)
{
    struct lof_app *app = app_up(L);
    enum log_level level = (enum log_level)lua_tointeger(L, lua_upvalueindex(2));
    if (!log_enabled(app->st->l->log, level)) return 0;
    if (lua_gettop(L) > 1) {
        lua_getfield(L, lua_upvalueindex(3), "format");
        lua_insert(L, 1);
        lua_call(L, lua_gettop(L) - 1, 1);
    }
    const char *msg = luaL_tolstring(L, 1, NULL);
    log_msg(app->st->l->log, level, app->module, "%s", msg);
    return 0;
}

static int l_print(lua_State *L)
{
    struct lof_app *app = app_up(L);
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    log_info(app->st->l->log, app->module, "%s", lua_tostring(L, -1));
    return 0;
}

/* load(s [, name [, mode [, env]]]) with the app's environment as default:
 * the sandbox's load would otherwise run chunks in the shared global table. */
static int l_load(lua_State *L)
{
    lua_settop(L, 4);
    if (lua_isnil(L, 4)) {
        lua_pushvalue(L, lua_upvalueindex(2));
        lua_replace(L, 4);
    }
    lua_pushvalue(L, lua_upvalueindex(1)); /* the sandbox's load */
    lua_insert(L, 1);
    lua_call(L, 4, 2);
    return 2;
}

static int l_now(lua_State *L)
{
    lua_pushnumber(L, (lua_Number)ev_now_ms(app_up(L)->st->l->loop) / 1000.0);
    return 1;
}

static int l_time(lua_State *L)
{
    struct log *lg = app_up(L)->st->l->log;
    uint64_t ms;
    if (lg->clock) {
        ms = lg->clock(lg->clock_ctx); /* tests pin the wall clock through the log */
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    }
    lua_pushnumber(L, (lua_Number)ms / 1000.0);
    return 1;
}

/* ---- record ------------------------------------------------------------------ */

static size_t put(char *buf, size_t len, const char *s, size_t n)
{
    if (len + n < LOF_RECORD_MAX) memcpy(buf + len, s, n);
    return len + n;
}

/* One CSV field (RFC 4180 quoting when needed). */
static size_t put_field(lua_State *L, char *buf, size_t len, int idx, lua_Integer col)
{
    size_t n = 0;
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        return len; /* a hole: empty field */
    case LUA_TBOOLEAN:
    case LUA_TNUMBER:
        luaL_tolstring(L, idx, NULL);
        break;
    case LUA_TSTRING:
        lua_pushvalue(L, idx);
        break;
    default:
        luaL_error(L, "record: column %I: expected a string, number or boolean, got %s", col,
                   luaL_typename(L, idx));
    }
    const char *s = lua_tolstring(L, -1, &n); /* anchored on the stack until popped */
    if (memchr(s, '\r', n) || memchr(s, '\n', n) || memchr(s, '\0', n))
        luaL_error(L, "record: column %I: values cannot contain line breaks or NULs", col);
    if (!memchr(s, ',', n) && !memchr(s, '"', n) && !(n && (s[0] == ' ' || s[n - 1] == ' '))) {
        len = put(buf, len, s, n);
    } else {
        len = put(buf, len, "\"", 1);
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '"') len = put(buf, len, "\"", 1); /* "" inside quotes */
            len = put(buf, len, s + i, 1);
        }
        len = put(buf, len, "\"", 1);
    }
    lua_pop(L, 1);
    return len;
}

/* record(stream, row): row is a list of values (one CSV line), or a string
 * (a number, a boolean) written as it is. */
static int l_record(lua_State *L)
{
    struct lof_app *app = app_up(L);
    size_t sl;
    const char *stream = luaL_checklstring(L, 1, &sl);
    int ok = sl > 0 && sl <= 32;
    for (size_t i = 0; ok && i < sl; i++)
        ok = (stream[i] >= 'a' && stream[i] <= 'z') || (stream[i] >= '0' && stream[i] <= '9') ||
             strchr("_-", stream[i]);
    if (!ok) return luaL_error(L, "record: stream name must be 1..32 of [a-z0-9_-]");
    char *buf = lua_newuserdatauv(L, LOF_RECORD_MAX, 0); /* freed by the GC on error */
    size_t len = 0;
    int t = lua_type(L, 2);
    if (t == LUA_TSTRING || t == LUA_TNUMBER || t == LUA_TBOOLEAN) { /* one line as is */
        size_t n;
        const char *s = luaL_tolstring(L, 2, &n);
        if (memchr(s, '\n', n) || memchr(s, '\r', n) || memchr(s, '\0', n))
            return luaL_error(L, "record: a row is one line");
        len = put(buf, 0, s, n);
    } else {
        if (t != LUA_TTABLE)
            return luaL_error(L, "record: row: expected a table or a string, got %s",
                              luaL_typename(L, 2));
        lua_Integer n = (lua_Integer)lua_rawlen(L, 2);
        for (lua_Integer i = 1; i <= n; i++) {
            if (i > 1) len = put(buf, len, ",", 1);
            lua_rawgeti(L, 2, i);
            len = put_field(L, buf, len, -1, i);
            lua_pop(L, 1);
        }
    }
    if (len >= LOF_RECORD_MAX)
        return luaL_error(L, "record: row longer than %d bytes", LOF_RECORD_MAX - 1);
    buf[len] = '\0';
    struct lof *l = app->st->l;
    if (l->host.record) l->host.record(l->host_ctx, app->name, stream, buf);
    return 0;
}

/* ---- configuration ------------------------------------------------------------- */

static void shallow_copy(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    lof_settle(L, idx); /* a packet table copies as the plain table it is */
    lua_newtable(L);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
}

/* "10" -> 10, "1.5" -> 1.5, "true"/"false" -> booleans, the rest stays text. */
static void push_conf_value(lua_State *L, const char *v)
{
    if (strcmp(v, "true") == 0)
        lua_pushboolean(L, 1);
    else if (strcmp(v, "false") == 0)
        lua_pushboolean(L, 0);
    else if (!*v || !lua_stringtonumber(L, v))
        lua_pushstring(L, v);
}

/* Pushes (config, raw): converted values, and the texts as written. */
static void push_config(lua_State *L, const struct lof_app_src *src)
{
    lua_newtable(L); /* config */
    lua_newtable(L); /* config, raw */
    for (size_t i = 0; i < src->ncfg; i++) {
        const char *k = src->cfg[i].key, *v = src->cfg[i].value ? src->cfg[i].value : "";
        if (!k || !*k) continue;
        size_t count = 0, first = i;
        for (size_t j = 0; j < src->ncfg; j++)
            if (src->cfg[j].key && strcmp(src->cfg[j].key, k) == 0) {
                if (!count) first = j;
                count++;
            }
        if (first != i) continue; /* repeated key: handled at its first use */
        if (count == 1) {
            push_conf_value(L, v);
            lua_setfield(L, -3, k);
            lua_pushstring(L, v);
            lua_setfield(L, -2, k);
            continue;
        }
        lua_createtable(L, (int)count, 0); /* config, raw, list */
        lua_createtable(L, (int)count, 0); /* config, raw, list, rawlist */
        lua_Integer n = 0;
        for (size_t j = i; j < src->ncfg; j++) {
            if (!src->cfg[j].key || strcmp(src->cfg[j].key, k) != 0) continue;
            const char *vj = src->cfg[j].value ? src->cfg[j].value : "";
            push_conf_value(L, vj);
            lua_rawseti(L, -3, ++n);
            lua_pushstring(L, vj);
            lua_rawseti(L, -2, n);
        }
        lua_setfield(L, -3, k);
        lua_setfield(L, -3, k);
    }
}

/* configure(defaults): the app's configuration checked against what it
 * declares. Unknown keys are errors (a typo would otherwise be ignored);
 * a default's type says how to read the value: number, boolean, string (the
 * text as written), or a table = a list of texts (one key, repeated). */
static int l_configure(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    int conf = lua_upvalueindex(2), raw = lua_upvalueindex(3);
    lof_settle(L, 1);
    lua_newtable(L); /* defaults, result: starts as a copy of the defaults */
    lua_pushnil(L);
    while (lua_next(L, 1)) { /* defaults, result, key, value */
        if (lua_type(L, -2) != LUA_TSTRING) return luaL_error(L, "configure: keys must be strings");
        lua_pushvalue(L, -2);
        if (lua_istable(L, -2))
            shallow_copy(L, -2); /* a list default the app may extend */
        else
            lua_pushvalue(L, -2);
        lua_rawset(L, 2);
        lua_pop(L, 1);
    }
    lua_pushnil(L);
    while (lua_next(L, conf)) { /* key, value */
        const char *k = lua_tostring(L, -2);
        int dt = lua_getfield(L, 1, k); /* key, value, default */
        if (dt == LUA_TNIL) return luaL_error(L, "config: unknown key '%s'", k);
        int vt = lua_type(L, -2);
        if (dt == LUA_TTABLE) { /* a list of texts */
            lua_getfield(L, raw, k);
            if (lua_type(L, -1) == LUA_TSTRING) {
                lua_createtable(L, 1, 0);
                lua_insert(L, -2);
                lua_rawseti(L, -2, 1);
            }
        } else if (vt == LUA_TTABLE) {
            return luaL_error(L, "config: key '%s' given more than once", k);
        } else if (dt == LUA_TSTRING) {
            lua_getfield(L, raw, k);
        } else if (dt != vt) {
            return luaL_error(L, "config: %s: expected a %s, got '%s'", k, lua_typename(L, dt),
                              luaL_tolstring(L, -2, NULL));
        } else {
            lua_pushvalue(L, -2);
        }
        lua_setfield(L, 2, k); /* key, value, default */
        lua_pop(L, 2);
    }
    return 1;
}

/* ---- the environment ------------------------------------------------------------ */

static void set_app_fn(lua_State *L, struct lof_app *app, const char *name, lua_CFunction fn)
{
    lua_pushlightuserdata(L, app);
    lua_pushcclosure(L, fn, 1);
    lua_setfield(L, -2, name);
}

static void push_vf(lua_State *L, struct lof_app *app, const struct lof_app_src *src, int env)
{
    static const char *const levels[] = {"error", "warn", "info", "debug"};
    lua_createtable(L, 0, 24); /* vf */
    lof_api_of_funcs(L);
    set_app_fn(L, app, "after", l_after);
    set_app_fn(L, app, "every", l_every);
    set_app_fn(L, app, "cancel", l_cancel);
    set_app_fn(L, app, "record", l_record);
    set_app_fn(L, app, "now", l_now);
    set_app_fn(L, app, "time", l_time);
    lua_pushstring(L, app->name);
    lua_setfield(L, -2, "app");
    lua_createtable(L, 0, 4); /* vf, log */
    for (int i = 0; i < 4; i++) {
        lua_pushlightuserdata(L, app);
        lua_pushinteger(L, i);
        lua_getfield(L, env, "string");
        lua_pushcclosure(L, l_log, 3);
        lua_setfield(L, -2, levels[i]);
    }
    lua_setfield(L, -2, "log");
    push_config(L, src); /* vf, config, raw */
    lua_pushlightuserdata(L, app);
    lua_pushvalue(L, -3);
    lua_pushvalue(L, -3);
    lua_pushcclosure(L, l_configure, 3);
    lua_setfield(L, -4, "configure");
    lua_pop(L, 1);
    lua_setfield(L, -2, "config");
    static const struct {
        const char *k;
        lua_Integer v;
    } ports[] = {
        {"in_port", OFPP10_IN_PORT}, {"table", OFPP10_TABLE}, {"normal", OFPP10_NORMAL},
        {"flood", OFPP10_FLOOD},     {"all", OFPP10_ALL},     {"controller", OFPP10_CONTROLLER},
        {"local", OFPP10_LOCAL},     {"none", OFPP10_NONE},   {"max", OFPP10_MAX}};
    lua_createtable(L, 0, 9);
    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
        lua_pushinteger(L, ports[i].v);
        lua_setfield(L, -2, ports[i].k);
    }
    lua_setfield(L, -2, "port");
}

void lof_open_env(lua_State *L, struct lof_app *app, const struct lof_app_src *src)
{
    lua_newtable(L); /* env */
    int env = lua_gettop(L);
    /* The base library, and private copies of the library tables: an app that
     * redefines string.foo or math.floor changes only its own world. */
    lua_pushglobaltable(L); /* env, G */
    lua_pushnil(L);
    while (lua_next(L, env + 1)) { /* env, G, k, v */
        lua_pushvalue(L, -2);      /* env, G, k, v, k */
        if (lua_istable(L, -2) && !lua_rawequal(L, -2, env + 1))
            shallow_copy(L, -2);
        else
            lua_pushvalue(L, -2);
        lua_rawset(L, env); /* env, G, k, v */
        lua_pop(L, 1);
    }
    lua_getfield(L, -1, "load"); /* env, G, load */
    lua_pushvalue(L, env);
    lua_pushcclosure(L, l_load, 2);
    lua_setfield(L, env, "load");
    lua_pop(L, 1); /* env */
    lua_pushvalue(L, env);
    lua_setfield(L, env, "_G");
    lua_pushlightuserdata(L, app);
    lua_pushcclosure(L, l_print, 1);
    lua_setfield(L, env, "print");
    push_vf(L, app, src, env); /* env, vf */
    lua_getfield(L, -1, "log");
    lua_setfield(L, env, "log"); /* the common shorthand: log.info(...) */
    lua_setfield(L, env, "vf");
    lof_api_rules_open(L, app);   /* env.rules */
    lof_api_guest_open(L, app);   /* env.guest */
    lof_api_cluster_open(L, app); /* env.cluster */
    struct lof *l = app->st->l;
    if (l->host.open_env) l->host.open_env(l->host_ctx, L, app->name); /* env */
}
