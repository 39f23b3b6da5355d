/*
 * vlua_copy.c - copies plain data from one Lua state to another. This is how an
 * app's save() result crosses a hot reload: the old state is about to be thrown
 * away, so nothing may be shared, and the data came from a script, so depth and
 * size are bounded and only inert types cross (no functions, no metatables).
 */
#include <stdio.h>

#include <lauxlib.h>

#include "lua/vlua.h"
#include "lua/vlua_internal.h"

#define VLUA_COPY_DEPTH 64
#define VLUA_COPY_ENTRY_COST 16 /* bytes charged per scalar, roughly its footprint */

struct copy_ctx {
    lua_State *from, *to;
    size_t left;
    char *err;
    size_t errcap;
};

static int copy_value(struct copy_ctx *c, int idx, int depth);

static int charge(struct copy_ctx *c, size_t n)
{
    if (n > c->left) {
        snprintf(c->err, c->errcap, "state too large to transfer");
        return -1;
    }
    c->left -= n;
    return 0;
}

/* A lazy table (see vlua_sandbox.c) is settled before it is read raw; that
 * allocates in `from`, so it runs protected there. The settle function is
 * whatever the metatable holds, so it may be a script's: vlua_copy runs as a
 * budgeted call of `from`. */
static int settle(struct copy_ctx *c, int idx)
{
    if (!lua_getmetatable(c->from, idx)) return 0;
    lua_pushliteral(c->from, "__vf_settle");
    if (lua_rawget(c->from, -2) != LUA_TFUNCTION) {
        lua_pop(c->from, 2);
        return 0;
    }
    lua_pushvalue(c->from, idx);
    int st = lua_pcall(c->from, 1, 0, 0);
    if (st != LUA_OK) {
        const char *m = st == LUA_ERRMEM ? "memory limit exceeded" : lua_tostring(c->from, -1);
        snprintf(c->err, c->errcap, "cannot read a table: %s", m ? m : "error");
        lua_pop(c->from, 2);
        return -1;
    }
    lua_pop(c->from, 1);
    return 0;
}

static int copy_table(struct copy_ctx *c, int idx, int depth)
{
    if (depth >= VLUA_COPY_DEPTH) {
        snprintf(c->err, c->errcap, "state nested deeper than %d levels (or cyclic)",
                 VLUA_COPY_DEPTH);
        return -1;
    }
    if (!lua_checkstack(c->from, 4) || !lua_checkstack(c->to, 4)) {
        snprintf(c->err, c->errcap, "out of stack space");
        return -1;
    }
    if (settle(c, idx) != 0) return -1;
    lua_newtable(c->to);
    lua_pushnil(c->from);
    while (lua_next(c->from, idx) != 0) { /* from: ..., key, value */
        int kt = lua_type(c->from, -2);
        if (kt != LUA_TSTRING && kt != LUA_TNUMBER && kt != LUA_TBOOLEAN) {
            snprintf(c->err, c->errcap, "cannot transfer a table key of type %s",
                     lua_typename(c->from, kt));
            lua_pop(c->from, 2);
            lua_pop(c->to, 1);
            return -1;
        }
        int top = lua_gettop(c->from);
        if (copy_value(c, top - 1, depth + 1) != 0 || copy_value(c, top, depth + 1) != 0) {
            lua_pop(c->from, 2); /* c->to is reset by copy_protected */
            return -1;
        }
        lua_rawset(c->to, -3); /* to: ..., table */
        lua_pop(c->from, 1);   /* keep the key for lua_next */
    }
    return 0;
}

/* Pushes exactly one value on c->to on success; on failure c->to is restored by
 * the caller (vlua_copy resets the top). */
static int copy_value(struct copy_ctx *c, int idx, int depth)
{
    switch (lua_type(c->from, idx)) {
    case LUA_TNIL:
        lua_pushnil(c->to);
        return charge(c, VLUA_COPY_ENTRY_COST);
    case LUA_TBOOLEAN:
        lua_pushboolean(c->to, lua_toboolean(c->from, idx));
        return charge(c, VLUA_COPY_ENTRY_COST);
    case LUA_TNUMBER:
        if (lua_isinteger(c->from, idx)) lua_pushinteger(c->to, lua_tointeger(c->from, idx));
        else lua_pushnumber(c->to, lua_tonumber(c->from, idx));
        return charge(c, VLUA_COPY_ENTRY_COST);
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(c->from, idx, &len);
        if (charge(c, VLUA_COPY_ENTRY_COST + len) != 0) return -1;
        lua_pushlstring(c->to, s, len);
        return 0;
    }
    case LUA_TTABLE:
        if (charge(c, VLUA_COPY_ENTRY_COST) != 0) return -1;
        return copy_table(c, lua_absindex(c->from, idx), depth);
    default:
        snprintf(c->err, c->errcap, "cannot transfer a value of type %s",
                 luaL_typename(c->from, idx));
        return -1;
    }
}

static int copy_protected(lua_State *to)
{
    struct copy_ctx *c = lua_touserdata(to, 1);
    int idx = (int)lua_tointeger(to, 2);
    lua_settop(to, 0);
    if (copy_value(c, idx, 0) != 0) {
        lua_settop(to, 0);
        lua_pushboolean(to, 0);
        return 1;
    }
    return 1;
}

int vlua_copy(lua_State *from, int idx, lua_State *to, size_t max_bytes, char *err,
              size_t errcap)
{
    struct copy_ctx c = {from, to, max_bytes, err, errcap};
    if (errcap) err[0] = '\0';
    int top_from = lua_gettop(from);
    /* Allocation in `to` may raise a memory error: run the copy protected there,
     * so a failure leaves both states usable. */
    lua_pushcfunction(to, copy_protected);
    lua_pushlightuserdata(to, &c);
    lua_pushinteger(to, lua_absindex(from, idx));
    struct vlua *vf = vlua_from_state(from);
    struct vlua_frame f;
    vlua_enter(vf, &f);
    int st = lua_pcall(to, 2, 1, 0);
    vlua_leave(vf, &f);
    lua_settop(from, top_from);
    if (st != LUA_OK) {
        snprintf(err, errcap, "transfer failed: %s",
                 st == LUA_ERRMEM ? "memory limit exceeded" : lua_tostring(to, -1));
        lua_pop(to, 1);
        return -1;
    }
    if (lua_isboolean(to, -1) && !lua_toboolean(to, -1) && err[0]) {
        lua_pop(to, 1);
        return -1;
    }
    return 0;
}
