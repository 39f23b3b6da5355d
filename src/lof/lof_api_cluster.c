/*
 * lof_api_cluster.c - the `cluster` module: keys shared by the visorflow
 * instances of a cluster (etcd, kept by the "cluster" domain), a mirror of
 * them here, and watches that tell apps when one changes.
 *
 *   cluster.enabled() cluster.name() cluster.connected()
 *   cluster.put(key, value [, ttl]) cluster.delete(key)   -> true | nil, err
 *   cluster.get(key) -> value | nil       cluster.keys(prefix) -> {key = value}
 *   cluster.watch(prefix, fn) -> id       cluster.unwatch(id) -> bool
 *
 * Writes go out through the host and change nothing here: the change comes
 * back (from etcd, like anyone else's) through lof_cluster_event, which
 * updates the mirror and then calls the watchers. So every instance, the
 * writer included, sees the same sequence of changes, and a write that etcd
 * refused never shows.
 *
 * The mirror belongs to the struct lof, not to a Lua state: it outlives app
 * reloads (a reloaded app reads it with cluster.keys). Watches belong to the
 * Lua state that registered them: a reload drops them and the apps register
 * again when their chunks run.
 *
 * Like the rest of the API, what an app gets wrong in its code (a key that
 * breaks the key rule, a value that is not a string, a ttl out of range)
 * raises; what depends on the moment (no cluster, the rate limit, the host
 * refusing) returns nil, err.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "lof/lof_internal.h"

static struct lof_app *app_up(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

/* ---- keys ------------------------------------------------------------------------ */

static int key_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == ':' || c == '/' || c == '-';
}

/* NULL when s (n bytes) is a valid key, or prefix (which may be empty);
 * else why not. Keys name etcd paths under the cluster's own prefix: a
 * leading '/' or a "//" would let one app's key alias another's path. */
static const char *key_problem(const char *s, size_t n, int prefix)
{
    static char why[80];
    if (n == 0 && !prefix) return "empty";
    if (n > LOF_CLUSTER_KEY_MAX) {
        snprintf(why, sizeof why, "%zu bytes, at most %d", n, LOF_CLUSTER_KEY_MAX);
        return why;
    }
    if (n && s[0] == '/') return "starts with '/'";
    for (size_t i = 0; i < n; i++) {
        if (!key_char((unsigned char)s[i])) {
            snprintf(why, sizeof why, "byte %zu (0x%02x) is not one of [A-Za-z0-9_.:/-]", i + 1,
                     (unsigned char)s[i]);
            return why;
        }
        if (s[i] == '/' && i + 1 < n && s[i + 1] == '/') return "contains \"//\"";
    }
    return NULL;
}

/* The key (or prefix) argument at idx, or raise "what: why". */
static const char *check_key(lua_State *L, int idx, const char *what, int prefix, size_t *len)
{
    if (lua_type(L, idx) != LUA_TSTRING)
        luaL_error(L, "%s: expected a string, got %s", what, luaL_typename(L, idx));
    const char *s = lua_tolstring(L, idx, len);
    const char *why = key_problem(s, *len, prefix);
    if (why) luaL_error(L, "%s: %s", what, why);
    return s;
}

/* ---- the mirror ------------------------------------------------------------------ */

static int key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an > bn) - (an < bn);
}

/* Index of key, or where it would go (*found 0). */
static size_t mirror_find(const struct lof *l, const char *key, size_t klen, int *found)
{
    size_t lo = 0, hi = l->n_cl_keys;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct lof_cl_entry *e = l->cl_keys[mid];
        int c = key_cmp(e->key, e->klen, key, klen);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

static const struct lof_cl_entry *mirror_get(const struct lof *l, const char *key, size_t klen)
{
    int found;
    size_t i = mirror_find(l, key, klen, &found);
    return found ? l->cl_keys[i] : NULL;
}

static struct lof_cl_entry *entry_new(const char *key, size_t klen, const void *val, size_t vlen)
{
    struct lof_cl_entry *e = malloc(sizeof *e + klen + 1 + vlen + 1);
    if (!e) return NULL;
    e->klen = klen, e->vlen = vlen;
    memcpy(e->key, key, klen);
    e->key[klen] = '\0';
    e->val = e->key + klen + 1;
    if (vlen) memcpy(e->val, val, vlen);
    e->val[vlen] = '\0';
    return e;
}

/* 1 changed, 0 the same as before, -1 not kept (full, out of memory). */
static int mirror_put(struct lof *l, const char *key, size_t klen, const void *val, size_t vlen)
{
    int found;
    size_t i = mirror_find(l, key, klen, &found);
    if (found) {
        struct lof_cl_entry *old = l->cl_keys[i];
        if (old->vlen == vlen && (!vlen || memcmp(old->val, val, vlen) == 0)) return 0;
    } else if (l->n_cl_keys >= LOF_CLUSTER_KEYS_MAX) {
        return -1;
    } else if (l->n_cl_keys == l->cl_cap) {
        size_t cap = l->cl_cap ? l->cl_cap * 2 : 64;
        struct lof_cl_entry **v = realloc(l->cl_keys, cap * sizeof *v);
        if (!v) return -1;
        l->cl_keys = v, l->cl_cap = cap;
    }
    struct lof_cl_entry *e = entry_new(key, klen, val, vlen);
    if (!e) return -1;
    if (found) {
        free(l->cl_keys[i]);
    } else {
        memmove(&l->cl_keys[i + 1], &l->cl_keys[i], (l->n_cl_keys - i) * sizeof *l->cl_keys);
        l->n_cl_keys++;
    }
    l->cl_keys[i] = e;
    return 1;
}

/* 1 removed, 0 was not there. */
static int mirror_delete(struct lof *l, const char *key, size_t klen)
{
    int found;
    size_t i = mirror_find(l, key, klen, &found);
    if (!found) return 0;
    free(l->cl_keys[i]);
    memmove(&l->cl_keys[i], &l->cl_keys[i + 1], (l->n_cl_keys - i - 1) * sizeof *l->cl_keys);
    l->n_cl_keys--;
    return 1;
}

static void mirror_clear(struct lof *l)
{
    for (size_t i = 0; i < l->n_cl_keys; i++)
        free(l->cl_keys[i]);
    l->n_cl_keys = 0;
}

void lof_cluster_free(struct lof *l)
{
    mirror_clear(l);
    free(l->cl_keys);
    l->cl_keys = NULL;
    l->cl_cap = 0;
}

/* ---- what the host tells ------------------------------------------------------------ */

static int valid_instance(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n >= sizeof(((struct lof *)0)->cl_name)) return 0;
    for (size_t i = 0; i < n; i++)
        if (!key_char((unsigned char)s[i]) || s[i] == '/') return 0;
    return 1;
}

int lof_set_cluster(struct lof *l, int enabled, const char *instance)
{
    if (enabled && !valid_instance(instance)) {
        log_error(l->log, "lof", "cluster: instance name '%.64s' is not 1..63 of [A-Za-z0-9_.:-]",
                  instance ? instance : "");
        return -1;
    }
    if (!enabled) {
        /* No cluster, no shared keys: what the mirror held may be stale by
         * the time a cluster comes back, and it resends everything then. */
        mirror_clear(l);
        l->cl_name[0] = '\0';
        l->cl_connected = 0;
    } else {
        snprintf(l->cl_name, sizeof l->cl_name, "%s", instance);
    }
    l->cl_enabled = !!enabled;
    return 0;
}

void lof_cluster_state(struct lof *l, int connected)
{
    l->cl_connected = !!connected;
}

struct change {
    const char *key;
    size_t klen;
    const char *val; /* NULL: deleted */
    size_t vlen;
};

/* Pushes the watcher's two arguments (protected: they may run out of memory). */
static int build_change(lua_State *L)
{
    const struct change *c = lua_touserdata(L, 1);
    lua_pushlstring(L, c->key, c->klen);
    if (c->val)
        lua_pushlstring(L, c->val, c->vlen);
    else
        lua_pushnil(L);
    return 2;
}

static int prefix_of(const struct lof_cl_watch *w, const struct change *c)
{
    return w->plen <= c->klen && memcmp(w->prefix, c->key, w->plen) == 0;
}

/* Drop the slots unwatch emptied while a dispatch ran. */
static void watches_compact(struct lof_state *st)
{
    size_t k = 0;
    for (size_t i = 0; i < st->n_cl_watch; i++)
        if (st->cl_watch[i].id) st->cl_watch[k++] = st->cl_watch[i];
    st->n_cl_watch = k;
}

static void dispatch(struct lof_state *st, const struct change *c)
{
    size_t n = st->n_cl_watch, i; /* watches added by a watcher wait for the next change */
    for (i = 0; i < n && !(st->cl_watch[i].id && prefix_of(&st->cl_watch[i], c)); i++) {
    }
    if (i == n) return; /* nobody watches this: build nothing */
    lua_State *L = st->L;
    if (lof_protected(st, build_change, (void *)c, 2, NULL, 0) != 0) return; /* key, value */
    int base = lua_gettop(L);
    st->cl_depth++;
    st->l->cl_events++;
    for (; i < n; i++) {
        struct lof_cl_watch *w = &st->cl_watch[i];
        if (!w->id || !prefix_of(w, c) || !lua_checkstack(L, 4)) continue;
        lua_rawgeti(L, LUA_REGISTRYINDEX, w->fnref);
        lua_pushvalue(L, base - 1);
        lua_pushvalue(L, base);
        lof_call(st, w->app, 2, 0, "cluster watch", NULL, 0);
    }
    lua_settop(L, base - 2);
    if (--st->cl_depth == 0) watches_compact(st);
}

void lof_cluster_event(struct lof *l, int op, const char *key, const void *val, size_t vlen)
{
    size_t klen = key ? strlen(key) : 0;
    const char *why = key ? key_problem(key, klen, 0) : "none";
    if (why || (op != LOF_CL_PUT && op != LOF_CL_DELETE) || (op == LOF_CL_PUT && !val && vlen) ||
        vlen > LOF_CLUSTER_VAL_MAX) {
        log_warn(l->log, "lof", "cluster: change ignored: op %d, key %s (%.60s), %zu bytes", op,
                 why ? why : "ok", key ? key : "", vlen);
        return;
    }
    int rc = op == LOF_CL_PUT ? mirror_put(l, key, klen, val, vlen) : mirror_delete(l, key, klen);
    if (rc < 0) {
        log_warn(l->log, "lof", "cluster: %s not kept: the mirror holds %zu keys (at most %d)", key,
                 l->n_cl_keys, LOF_CLUSTER_KEYS_MAX);
        return;
    }
    if (rc == 0 || !l->cur) return; /* no change: no event */
    struct change c = {key, klen, op == LOF_CL_PUT ? (vlen ? val : "") : NULL, vlen};
    dispatch(l->cur, &c);
}

/* ---- the Lua functions --------------------------------------------------------------- */

static int l_enabled(lua_State *L)
{
    lua_pushboolean(L, app_up(L)->st->l->cl_enabled);
    return 1;
}

static int l_name(lua_State *L)
{
    struct lof *l = app_up(L)->st->l;
    if (l->cl_enabled)
        lua_pushstring(L, l->cl_name);
    else
        lua_pushnil(L);
    return 1;
}

static int l_connected(lua_State *L)
{
    struct lof *l = app_up(L)->st->l;
    lua_pushboolean(L, l->cl_enabled && l->cl_connected);
    return 1;
}

/* One token a call, LOF_CLUSTER_RATE tokens a second (in thousandths). */
static int bucket_take(struct lof *l)
{
    const uint64_t full = LOF_CLUSTER_RATE * 1000ull;
    uint64_t now = ev_now_ms(l->loop);
    if (now > l->cl_ms) {
        uint64_t add = (now - l->cl_ms) * LOF_CLUSTER_RATE;
        l->cl_tokens = add >= full - l->cl_tokens ? full : l->cl_tokens + add;
        l->cl_ms = now;
    }
    if (l->cl_tokens < 1000) return -1;
    l->cl_tokens -= 1000;
    return 0;
}

/* The checks every write passes after its arguments: nil, err pushed (2) or 0. */
static int write_refused(lua_State *L, struct lof_app *app, const char *what)
{
    struct lof *l = app->st->l;
    if (!l->cl_enabled || !l->host.cluster_put)
        return lof_soft_fail(L, "%s: no cluster configured", what);
    /* A load that fails later must not have changed the cluster. */
    if (app->st->loading)
        return lof_soft_fail(L, "%s: not while the apps load (use switch_up, reloaded or a timer)",
                             what);
    if (bucket_take(l))
        return lof_soft_fail(L, "%s: more than %d writes a second", what, LOF_CLUSTER_RATE);
    return 0;
}

static int write_done(lua_State *L, int rc, const char *what)
{
    if (rc)
        return lof_soft_fail(L, "%s: %s", what,
                             rc == -ENODEV ? "no cluster configured" : strerror(-rc));
    lua_pushboolean(L, 1);
    return 1;
}

/* cluster.put(key, value [, ttl]) -> true | nil, err */
static int l_put(lua_State *L)
{
    struct lof_app *app = app_up(L);
    size_t klen, vlen;
    const char *key = check_key(L, 1, "key", 0, &klen);
    if (lua_type(L, 2) != LUA_TSTRING)
        return luaL_error(L, "value: expected a string, got %s", luaL_typename(L, 2));
    const char *val = lua_tolstring(L, 2, &vlen);
    if (vlen > LOF_CLUSTER_VAL_MAX)
        return luaL_error(L, "value: %I bytes, at most %d", (lua_Integer)vlen, LOF_CLUSTER_VAL_MAX);
    lua_Integer ttl = 0;
    if (!lua_isnoneornil(L, 3) && !lof_int_ok(L, 3, 0, LOF_CLUSTER_TTL_MAX, &ttl))
        return luaL_error(L, "ttl: expected 0 (no expiry) or 1..%d seconds, got %s",
                          (int)LOF_CLUSTER_TTL_MAX, lof_shown(L, 3));
    int n = write_refused(L, app, "cluster.put");
    if (n) return n;
    struct lof *l = app->st->l;
    return write_done(L,
                      l->host.cluster_put(l->host_ctx, LOF_CL_PUT, key, val, vlen, (uint32_t)ttl),
                      "cluster.put");
}

/* cluster.delete(key) -> true | nil, err */
static int l_delete(lua_State *L)
{
    struct lof_app *app = app_up(L);
    size_t klen;
    const char *key = check_key(L, 1, "key", 0, &klen);
    int n = write_refused(L, app, "cluster.delete");
    if (n) return n;
    struct lof *l = app->st->l;
    return write_done(L, l->host.cluster_put(l->host_ctx, LOF_CL_DELETE, key, NULL, 0, 0),
                      "cluster.delete");
}

/* cluster.get(key) -> value | nil */
static int l_get(lua_State *L)
{
    size_t klen;
    const char *key = check_key(L, 1, "key", 0, &klen);
    const struct lof_cl_entry *e = mirror_get(app_up(L)->st->l, key, klen);
    if (e)
        lua_pushlstring(L, e->val, e->vlen);
    else
        lua_pushnil(L);
    return 1;
}

/* cluster.keys(prefix) -> {key = value, ...} of the mirror's keys under prefix */
static int l_keys(lua_State *L)
{
    struct lof *l = app_up(L)->st->l;
    size_t plen;
    const char *prefix = check_key(L, 1, "prefix", 1, &plen);
    int found;
    size_t i = mirror_find(l, prefix, plen, &found), j = i; /* the first key >= prefix */
    while (j < l->n_cl_keys && l->cl_keys[j]->klen >= plen &&
           memcmp(l->cl_keys[j]->key, prefix, plen) == 0)
        j++;
    lua_createtable(L, 0, j - i > 1024 ? 1024 : (int)(j - i));
    for (; i < j; i++) { /* the table may run out of memory: nothing here needs undoing */
        const struct lof_cl_entry *e = l->cl_keys[i];
        lua_pushlstring(L, e->key, e->klen);
        lua_pushlstring(L, e->val, e->vlen);
        lua_rawset(L, -3);
    }
    return 1;
}

/* cluster.watch(prefix, fn) -> id */
static int l_watch(lua_State *L)
{
    struct lof_app *app = app_up(L);
    struct lof_state *st = app->st;
    size_t plen, live = 0;
    const char *prefix = check_key(L, 1, "prefix", 1, &plen);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    for (size_t i = 0; i < st->n_cl_watch; i++)
        live += st->cl_watch[i].id != 0;
    if (live >= LOF_CLUSTER_WATCHES || st->n_cl_watch >= LOF_CLUSTER_WATCHES)
        return luaL_error(L, "cluster.watch: more than %d watches", LOF_CLUSTER_WATCHES);
    lua_pushvalue(L, 2);
    int ref = luaL_ref(L, LUA_REGISTRYINDEX); /* may raise: before the slot is taken */
    if (++st->cl_next_id == 0) st->cl_next_id = 1;
    struct lof_cl_watch *w = &st->cl_watch[st->n_cl_watch++];
    w->id = st->cl_next_id;
    w->app = app;
    w->fnref = ref;
    w->plen = plen;
    memcpy(w->prefix, prefix, plen);
    w->prefix[plen] = '\0';
    lua_pushinteger(L, w->id);
    return 1;
}

/* cluster.unwatch(id) -> true, or false when id is no watch of this app */
static int l_unwatch(lua_State *L)
{
    struct lof_app *app = app_up(L);
    struct lof_state *st = app->st;
    lua_Integer id;
    if (!lof_int_ok(L, 1, 1, UINT32_MAX, &id))
        return luaL_error(L, "id: expected a watch id, got %s", lof_shown(L, 1));
    for (size_t i = 0; i < st->n_cl_watch; i++) {
        struct lof_cl_watch *w = &st->cl_watch[i];
        if (w->id != id || w->app != app) continue;
        luaL_unref(L, LUA_REGISTRYINDEX, w->fnref);
        w->id = 0; /* a dispatch under way skips it */
        if (!st->cl_depth) watches_compact(st);
        lua_pushboolean(L, 1);
        return 1;
    }
    lua_pushboolean(L, 0);
    return 1;
}

void lof_api_cluster_open(lua_State *L, struct lof_app *app)
{
    static const luaL_Reg fns[] = {
        {"enabled", l_enabled}, {"name", l_name}, {"connected", l_connected}, {"put", l_put},
        {"delete", l_delete},   {"get", l_get},   {"keys", l_keys},           {"watch", l_watch},
        {"unwatch", l_unwatch}, {NULL, NULL}};
    lua_createtable(L, 0, 9);
    lua_pushlightuserdata(L, app);
    luaL_setfuncs(L, fns, 1);
    lua_setfield(L, -2, "cluster");
}
