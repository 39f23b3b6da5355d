/*
 * lof_api_sw.c - switch objects. A switch object is a userdata holding the
 * engine's switch pointer for the life of one connection: the host clears it
 * on switch_down, so an object an app keeps past its switch says "not
 * connected" instead of dangling. Objects are cached per connection, so the
 * same switch is the same Lua value (usable as a table key) for as long as it
 * stays connected. The methods are the vf functions that take a switch first
 * (sw:flow_mod{...}).
 *
 * Fields (sw.dpid, ...) do not change while the switch is connected, so each
 * object has a metatable of its own whose __index is a table of them, behind
 * which the methods table sits: sw.dpid, which apps read for every packet to
 * key their tables, is two table lookups, not a call into C. switch_down
 * rewrites the fields (connected = false, the rest gone). Every object's
 * metatable has the same metatable, the class mark that tells switch
 * objects from other userdata; scripts reach none of these tables
 * (__metatable = "locked").
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "lof/lof_internal.h"

#define LOF_SW_MT    "vf.switch"
#define LOF_SW_CACHE "lof.switches" /* registry: lightuserdata(sw) -> object */

struct lof_sw {
    struct ofc_switch *sw; /* NULL once the connection is gone */
    uint64_t dpid;
};

/* The class mark and the cache are also kept under these addresses in the
 * registry (and found through the state: lof_state's sw_mt, sw_cache_ref):
 * switch objects are looked up for every packet. sw_fields_tag keys the
 * metatable every fields table shares (__index: the methods). */
static const char sw_mt_tag, sw_cache_tag, sw_fields_tag;

/* The switch object at idx, or NULL (luaL_testudata without the names). */
static struct lof_sw *test_sw(lua_State *L, int idx)
{
    struct lof_sw *u = lua_touserdata(L, idx);
    if (!u || lua_type(L, idx) != LUA_TUSERDATA || !lua_getmetatable(L, idx)) return NULL;
    bool same = lua_getmetatable(L, -1) && lua_topointer(L, -1) == lof_state_of(L)->sw_mt;
    lua_pop(L, same ? 2 : 1); /* the mark is kept by the registry */
    return same ? u : NULL;
}

static struct lof_sw *check_sw(lua_State *L, int idx)
{
    struct lof_sw *u = test_sw(L, idx);
    return u ? u : luaL_checkudata(L, idx, LOF_SW_MT); /* raises the usual error */
}

static int sw_tostring(lua_State *L);
static int sw_eq(lua_State *L);

/* The fields of u, into the table on top: what the switch said in its
 * handshake, or (disconnected) only dpid, dpid_int and connected = false. */
static void set_fields(lua_State *L, const struct lof_sw *u)
{
    char b[24];
    lof_dpid_str(u->dpid, b);
    lua_pushstring(L, b);
    lua_setfield(L, -2, "dpid");
    lua_pushinteger(L, (lua_Integer)u->dpid); /* exact: two's complement above 2^63 */
    lua_setfield(L, -2, "dpid_int");
    lua_pushboolean(L, u->sw != NULL);
    lua_setfield(L, -2, "connected");
    const struct of10_features *f = u->sw ? ofc_switch_features(u->sw) : NULL;
    if (u->sw)
        lua_pushstring(L, ofc_switch_peer(u->sw));
    else
        lua_pushnil(L);
    lua_setfield(L, -2, "peer");
    if (u->sw)
        lua_pushnumber(L, (lua_Number)ofc_switch_connected_ms(u->sw) / 1000.0);
    else
        lua_pushnil(L);
    lua_setfield(L, -2, "connected_since");
    static const char *const feat[] = {"n_buffers", "n_tables", "capabilities", "actions"};
    for (int i = 0; i < 4; i++) {
        if (f)
            lua_pushinteger(L, i == 0   ? f->n_buffers
                               : i == 1 ? f->n_tables
                               : i == 2 ? f->capabilities
                                        : f->actions);
        else
            lua_pushnil(L);
        lua_setfield(L, -2, feat[i]);
    }
}

void lof_push_switch(lua_State *L, struct ofc_switch *sw)
{
    struct lof_state *st = lof_state_of(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, st->sw_cache_ref); /* cache */
    lua_pushlightuserdata(L, sw);
    if (lua_rawget(L, -2) == LUA_TUSERDATA) { /* cache, obj */
        lua_remove(L, -2);
        return;
    }
    lua_pop(L, 1);
    struct lof_sw *u = lua_newuserdatauv(L, sizeof *u, 0); /* cache, obj */
    u->sw = sw;
    u->dpid = ofc_switch_dpid(sw);
    lua_createtable(L, 0, 5); /* cache, obj, mt */
    lua_createtable(L, 0, 9); /* cache, obj, mt, fields */
    set_fields(L, u);
    lua_rawgetp(L, LUA_REGISTRYINDEX, &sw_fields_tag);
    lua_setmetatable(L, -2);        /* behind the fields: the methods */
    lua_setfield(L, -2, "__index"); /* cache, obj, mt */
    lua_pushcfunction(L, sw_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushcfunction(L, sw_eq);
    lua_setfield(L, -2, "__eq");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_pushliteral(L, LOF_SW_MT); /* the type name in argument errors */
    lua_setfield(L, -2, "__name");
    lua_rawgetp(L, LUA_REGISTRYINDEX, &sw_mt_tag); /* the class mark */
    lua_setmetatable(L, -2);
    lua_setmetatable(L, -2); /* cache, obj */
    lua_pushlightuserdata(L, sw);
    lua_pushvalue(L, -2);
    lua_rawset(L, -4); /* cache[sw] = obj */
    lua_remove(L, -2);
}

void lof_forget_switch(lua_State *L, struct ofc_switch *sw)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, lof_state_of(L)->sw_cache_ref);
    lua_pushlightuserdata(L, sw);
    if (lua_rawget(L, -2) == LUA_TUSERDATA) { /* cache, obj */
        struct lof_sw *u = lua_touserdata(L, -1);
        u->sw = NULL;
        lua_getmetatable(L, -1);
        lua_getfield(L, -1, "__index"); /* cache, obj, mt, fields */
        set_fields(L, u);
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
    lua_pushlightuserdata(L, sw);
    lua_pushnil(L);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

/* A switch object, or a dpid (integer or "00:00:...") of a connected switch.
 * NULL when that switch is not connected; a wrong type is an error. */
struct ofc_switch *lof_check_switch(lua_State *L, int idx, const char *what)
{
    struct lof_sw *u = test_sw(L, idx);
    if (u) return u->sw;
    uint64_t dpid = 0;
    if (lua_isinteger(L, idx))
        dpid = (uint64_t)lua_tointeger(L, idx);
    else if (lua_type(L, idx) != LUA_TSTRING || lof_dpid_parse(lua_tostring(L, idx), &dpid) != 0)
        luaL_error(L, "%s: expected a switch or a dpid, got %s", what,
                   lua_type(L, idx) == LUA_TSTRING ? lua_tostring(L, idx) : luaL_typename(L, idx));
    struct ofc *c = lof_state_of(L)->l->ofc;
    return c ? ofc_switch_find(c, dpid) : NULL;
}

static int sw_ports(lua_State *L)
{
    struct lof_sw *u = check_sw(L, 1);
    const struct of10_features *f = u->sw ? ofc_switch_features(u->sw) : NULL;
    size_t n = f ? f->n_ports : 0;
    lua_createtable(L, (int)n, 0);
    /* in port_no order, whatever order the switch listed them in */
    lua_Integer k = 0;
    for (uint32_t last = 0, next;; last = next + 1) {
        const struct of10_phy_port *best = NULL;
        next = 0x10000;
        for (size_t i = 0; i < n; i++)
            if (f->ports[i].port_no >= last && f->ports[i].port_no < next)
                next = f->ports[i].port_no, best = &f->ports[i];
        if (!best) break;
        lof_push_port(L, best);
        lua_rawseti(L, -2, ++k);
    }
    return 1;
}

static int sw_port(lua_State *L)
{
    struct lof_sw *u = check_sw(L, 1);
    uint16_t no = lof_check_port(L, 2, "port");
    const struct of10_features *f = u->sw ? ofc_switch_features(u->sw) : NULL;
    for (size_t i = 0; f && i < f->n_ports; i++) {
        if (f->ports[i].port_no != no) continue;
        lof_push_port(L, &f->ports[i]);
        return 1;
    }
    lua_pushnil(L);
    return 1;
}

static int sw_tostring(lua_State *L)
{
    struct lof_sw *u = check_sw(L, 1);
    char b[24];
    lof_dpid_str(u->dpid, b);
    lua_pushfstring(L, "switch %s%s", b, u->sw ? "" : " (disconnected)");
    return 1;
}

static int sw_eq(lua_State *L)
{
    struct lof_sw *a = test_sw(L, 1), *b = test_sw(L, 2);
    lua_pushboolean(L, a && b && a->dpid == b->dpid);
    return 1;
}

/* ---- vf.switches / vf.switch ---------------------------------------------- */

struct collect {
    struct ofc_switch **v;
    size_t n, cap;
};

static void collect_one(struct ofc_switch *sw, void *arg)
{
    struct collect *c = arg;
    if (c->v && c->n < c->cap && ofc_switch_features(sw)) c->v[c->n] = sw;
    c->n++;
}

static int dpid_cmp(const void *a, const void *b)
{
    uint64_t x = ofc_switch_dpid(*(struct ofc_switch *const *)a);
    uint64_t y = ofc_switch_dpid(*(struct ofc_switch *const *)b);
    return x < y ? -1 : x > y;
}

/* Every connected switch, in dpid order. */
static int l_switches(lua_State *L)
{
    struct ofc *c = lof_state_of(L)->l->ofc;
    struct collect col = {0};
    if (c) ofc_foreach_switch(c, collect_one, &col); /* count first */
    /* The buffer is a userdata: freed by the GC even if a push below fails. */
    col.cap = col.n;
    col.v = lua_newuserdatauv(L, (col.cap ? col.cap : 1) * sizeof *col.v, 0);
    col.n = 0;
    if (c) ofc_foreach_switch(c, collect_one, &col);
    size_t n = 0; /* compact out the ones still in their handshake */
    for (size_t i = 0; i < col.n && i < col.cap; i++)
        if (col.v[i]) col.v[n++] = col.v[i];
    qsort(col.v, n, sizeof *col.v, dpid_cmp);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lof_push_switch(L, col.v[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int l_switch(lua_State *L)
{
    struct ofc_switch *sw = lof_check_switch(L, 1, "switch");
    if (sw)
        lof_push_switch(L, sw);
    else
        lua_pushnil(L);
    return 1;
}

void lof_switch_open(lua_State *L, const luaL_Reg *methods)
{
    static const luaL_Reg own[] = {{"ports", sw_ports}, {"port", sw_port}, {NULL, NULL}};
    struct lof_state *st = lof_state_of(L);
    lua_createtable(L, 0, 1); /* the fields tables' metatable */
    lua_newtable(L);          /* fmt, methods */
    luaL_setfuncs(L, own, 0);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index"); /* fmt */
    lua_rawsetp(L, LUA_REGISTRYINDEX, &sw_fields_tag);
    lua_newtable(L); /* the class mark */
    st->sw_mt = lua_topointer(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &sw_mt_tag);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &sw_cache_tag);
    lua_pushvalue(L, -1);
    st->sw_cache_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_setfield(L, LUA_REGISTRYINDEX, LOF_SW_CACHE);
}

void lof_api_sw_funcs(lua_State *L)
{
    static const luaL_Reg fns[] = {{"switches", l_switches}, {"switch", l_switch}, {NULL, NULL}};
    luaL_setfuncs(L, fns, 0);
}
