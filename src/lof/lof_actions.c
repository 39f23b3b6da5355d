/*
 * lof_actions.c - OpenFlow 1.0 action lists <-> Lua. Apps write actions as a
 * list of one-key tables ({{set_vlan_vid = 10}, {output = 2}}), with bare
 * ports as shorthand for output (2, "flood", {1, 2}); the same shape comes
 * back in flow stats, so what an app reads it can send again. Errors name the
 * entry: "flow_mod: actions[2].set_vlan_pcp: expected an integer 0..7, got 9".
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "lof/lof_internal.h"

/* Indexed by OFPAT10_* type: the name an action has in Lua. */
static const char *const action_keys[] = {
    "output",     "set_vlan_vid", "set_vlan_pcp", "strip_vlan", "set_dl_src", "set_dl_dst",
    "set_nw_src", "set_nw_dst",   "set_nw_tos",   "set_tp_src", "set_tp_dst", "enqueue",
    NULL};
_Static_assert(OFPAT10_ENQUEUE == 11, "action_keys follows the OFPAT10 numbering");

static void output_action(struct of10_action *a, uint16_t port, uint16_t max_len)
{
    a->type = OFPAT10_OUTPUT;
    a->u.output.port = port;
    a->u.output.max_len = max_len;
}

/* Default max_len: the whole packet to the controller, as ovs-ofctl does. */
static uint16_t default_max_len(uint16_t port)
{
    return port == OFPP10_CONTROLLER ? 0xffff : 0;
}

/* Where an action sits, for error messages: the list's path ("flow_mod:
 * actions") and the entry's 1-based index in it (0: a lone action). Paths
 * are formatted only when there is an error to report, or for the rare
 * actions below that take addresses or an enqueue table: flow_mods and
 * packet_outs come by the packet. */
struct apath {
    const char *base;
    int index;
};

static void entry_path(const struct apath *p, char fp[128])
{
    if (p->index)
        snprintf(fp, 128, "%s[%d]", p->base, p->index);
    else
        snprintf(fp, 128, "%s", p->base);
}

static void field_path(const struct apath *p, const char *k, char fp[160])
{
    char e[128];
    entry_path(p, e);
    snprintf(fp, 160, "%s.%s", e, k);
}

static uint16_t field_port(lua_State *L, int idx, const struct apath *p, const char *k)
{
    uint16_t port;
    if (lof_port_ok(L, idx, &port)) return port;
    char fp[160];
    field_path(p, k, fp);
    return lof_check_port(L, idx, fp); /* raises */
}

static lua_Integer field_int(lua_State *L, int idx, const struct apath *p, const char *k,
                             lua_Integer min, lua_Integer max)
{
    lua_Integer v;
    if (lof_int_ok(L, idx, min, max, &v)) return v;
    char fp[160];
    field_path(p, k, fp);
    return lof_check_int(L, idx, fp, min, max); /* raises */
}

/* The action named in the table at idx (one key, plus max_len next to
 * output): its OFPAT10 type. The walk also parks the two values in the
 * stack slots slot (the argument) and slot + 1 (max_len), which the caller
 * filled with nil: what lua_getfield would give for a table without a
 * metatable, without looking the names up again. */
static int action_type(lua_State *L, int idx, const struct apath *p, int *has_max_len, int slot)
{
    char path[128];
    int type = -1;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        size_t kl = 0;
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tolstring(L, -2, &kl) : NULL;
        int t = 0;
        while (k && action_keys[t] && (action_keys[t][0] != k[0] || strcmp(k, action_keys[t]) != 0))
            t++;
        /* a name with a NUL inside passes strcmp, but lua_getfield would not find it */
        bool exact = k && strlen(k) == kl;
        if (k && k[0] == 'm' && strcmp(k, "max_len") == 0) {
            *has_max_len = 1;
            if (exact) lua_copy(L, -1, slot + 1);
        } else if (!k || !action_keys[t]) {
            entry_path(p, path);
            luaL_error(L, "%s: unknown action '%s'", path, k ? k : luaL_typename(L, -2));
        } else if (type >= 0) {
            entry_path(p, path);
            luaL_error(L, "%s: one action per table, got '%s' and '%s'", path, action_keys[type],
                       k);
        } else {
            type = t;
            if (exact) lua_copy(L, -1, slot);
        }
        lua_pop(L, 1);
    }
    if (type < 0) {
        entry_path(p, path);
        luaL_error(L, "%s: empty action table", path);
    }
    if (*has_max_len && type != OFPAT10_OUTPUT) {
        entry_path(p, path);
        luaL_error(L, "%s: max_len goes only with output", path);
    }
    return type;
}

/* enqueue = {port = P, queue = Q}, on top of the stack */
static void enqueue_arg(lua_State *L, const char *path, struct of10_action *a)
{
    static const char *const keys[] = {"port", "queue", NULL};
    char sub[192];
    if (!lua_istable(L, -1)) luaL_error(L, "%s: expected {port = P, queue = Q}", path);
    lof_check_fields(L, -1, path, keys);
    lua_getfield(L, -1, "port");
    snprintf(sub, sizeof sub, "%s.port", path);
    a->u.enqueue.port = lof_check_port(L, -1, sub);
    lua_getfield(L, -2, "queue");
    snprintf(sub, sizeof sub, "%s.queue", path);
    a->u.enqueue.queue_id = (uint32_t)lof_check_int(L, -1, sub, 0, 0xfffffffe);
    lua_pop(L, 2);
}

/* One action table {name = argument}. */
static void action_table(lua_State *L, int idx, const struct apath *p, struct of10_action *a)
{
    char fp[160];
    int has_max_len = 0;
    lof_settle(L, idx);
    luaL_checkstack(L, 6, "actions");
    lua_pushnil(L);
    lua_pushnil(L);
    int slot = lua_gettop(L) - 1; /* the argument, max_len */
    int type = action_type(L, idx, p, &has_max_len, slot);
    const char *name = action_keys[type];
    memset(a, 0, sizeof *a);
    a->type = (uint16_t)type;
    if (lua_getmetatable(L, idx)) { /* __index may answer: ask as a user would */
        lua_pop(L, 1);
        lua_getfield(L, idx, name);
        lua_replace(L, slot);
        if (has_max_len) {
            lua_getfield(L, idx, "max_len");
            lua_replace(L, slot + 1);
        }
    }
    lua_pushvalue(L, slot); /* the argument, on top as the cases below want it */
    switch (type) {
    case OFPAT10_OUTPUT: {
        uint16_t port = field_port(L, -1, p, name);
        uint16_t ml = default_max_len(port);
        if (has_max_len) ml = (uint16_t)field_int(L, slot + 1, p, "max_len", 0, 0xffff);
        output_action(a, port, ml);
        break;
    }
    case OFPAT10_SET_VLAN_VID:
        a->u.vlan_vid = (uint16_t)field_int(L, -1, p, name, 0, 4095);
        break;
    case OFPAT10_SET_VLAN_PCP:
        a->u.vlan_pcp = (uint8_t)field_int(L, -1, p, name, 0, 7);
        break;
    case OFPAT10_STRIP_VLAN:
        if (!lua_isboolean(L, -1) || !lua_toboolean(L, -1)) {
            field_path(p, name, fp);
            luaL_error(L, "%s: expected true", fp);
        }
        break;
    case OFPAT10_SET_DL_SRC:
    case OFPAT10_SET_DL_DST:
        field_path(p, name, fp);
        lof_check_mac(L, -1, fp, a->u.dl_addr);
        break;
    case OFPAT10_SET_NW_SRC:
    case OFPAT10_SET_NW_DST:
        field_path(p, name, fp);
        a->u.nw_addr = lof_check_ipv4(L, -1, fp, NULL);
        break;
    case OFPAT10_SET_NW_TOS: {
        lua_Integer v = field_int(L, -1, p, name, 0, 255);
        if (v & 3) {
            field_path(p, name, fp);
            luaL_error(L, "%s: the low 2 bits (ECN) must be 0, got %I", fp, v);
        }
        a->u.nw_tos = (uint8_t)v;
        break;
    }
    case OFPAT10_SET_TP_SRC:
    case OFPAT10_SET_TP_DST:
        a->u.tp_port = (uint16_t)field_int(L, -1, p, name, 0, 0xffff);
        break;
    default: /* OFPAT10_ENQUEUE */
        field_path(p, name, fp);
        enqueue_arg(L, fp, a);
        break;
    }
    lua_pop(L, 3);
}

/* One list entry: a port (number or name) means output to it. */
static void action_entry(lua_State *L, int idx, const struct apath *p, struct of10_action *a)
{
    char path[128];
    int t = lua_type(L, idx);
    if (t == LUA_TNUMBER || t == LUA_TSTRING) {
        uint16_t port;
        if (!lof_port_ok(L, idx, &port)) {
            entry_path(p, path);
            port = lof_check_port(L, idx, path); /* raises */
        }
        memset(a, 0, sizeof *a);
        output_action(a, port, default_max_len(port));
    } else if (t == LUA_TTABLE) {
        action_table(L, lua_absindex(L, idx), p, a);
    } else {
        entry_path(p, path);
        luaL_error(L, "%s: expected an action table or a port, got %s", path,
                   luaL_typename(L, idx));
    }
}

size_t lof_actions_from_lua(lua_State *L, int idx, const char *path, struct of10_action *v,
                            size_t cap)
{
    struct apath p = {path, 0};
    idx = lua_absindex(L, idx);
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
    case LUA_TNONE:
        return 0; /* drop */
    case LUA_TTABLE:
        lof_settle(L, idx);
        break;
    default:
        action_entry(L, idx, &p, &v[0]);
        return 1;
    }
    /* A table is either one action ({output = 2}) or a list of them. */
    lua_rawgeti(L, idx, 1);
    int is_list = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (!is_list) {
        lua_pushnil(L);
        if (lua_next(L, idx)) { /* non-empty, no [1]: a single action */
            lua_pop(L, 2);
            action_entry(L, idx, &p, &v[0]);
            return 1;
        } /* empty: lua_next left nothing; {} means drop */
    }
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    /* every key must be 1..n: a list with holes or extra keys is a mistake */
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_Integer k = lua_isinteger(L, -2) ? lua_tointeger(L, -2) : 0;
        if (k < 1 || k > n) luaL_error(L, "%s: a list of actions must have keys 1..n", path);
        lua_pop(L, 1);
    }
    if ((size_t)n > cap) luaL_error(L, "%s: more than %d actions", path, (int)cap);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        p.index = (int)i;
        action_entry(L, -1, &p, &v[i - 1]);
        lua_pop(L, 1);
    }
    return (size_t)n;
}

static void push_port_value(lua_State *L, uint16_t port)
{
    const char *n = lof_port_name(port);
    if (n)
        lua_pushstring(L, n);
    else
        lua_pushinteger(L, port);
}

static void push_action(lua_State *L, const struct of10_action *a)
{
    lua_createtable(L, 0, 2);
    switch (a->type) { /* push the argument, named below */
    case OFPAT10_OUTPUT:
        push_port_value(L, a->u.output.port);
        break;
    case OFPAT10_SET_VLAN_VID:
        lua_pushinteger(L, a->u.vlan_vid);
        break;
    case OFPAT10_SET_VLAN_PCP:
        lua_pushinteger(L, a->u.vlan_pcp);
        break;
    case OFPAT10_STRIP_VLAN:
        lua_pushboolean(L, 1);
        break;
    case OFPAT10_SET_DL_SRC:
    case OFPAT10_SET_DL_DST:
        lof_push_mac(L, a->u.dl_addr);
        break;
    case OFPAT10_SET_NW_SRC:
    case OFPAT10_SET_NW_DST:
        lof_push_ipv4(L, a->u.nw_addr, 32);
        break;
    case OFPAT10_SET_NW_TOS:
        lua_pushinteger(L, a->u.nw_tos);
        break;
    case OFPAT10_SET_TP_SRC:
    case OFPAT10_SET_TP_DST:
        lua_pushinteger(L, a->u.tp_port);
        break;
    case OFPAT10_ENQUEUE:
        lua_createtable(L, 0, 2);
        push_port_value(L, a->u.enqueue.port);
        lua_setfield(L, -2, "port");
        lua_pushinteger(L, a->u.enqueue.queue_id);
        lua_setfield(L, -2, "queue");
        break;
    default: /* VENDOR: its id; the body is opaque to apps */
        lua_pushinteger(L, a->type == OFPAT10_VENDOR ? a->u.vendor.vendor : a->type);
        lua_setfield(L, -2, "vendor");
        return;
    }
    lua_setfield(L, -2, action_keys[a->type]);
    if (a->type == OFPAT10_OUTPUT && a->u.output.port == OFPP10_CONTROLLER) {
        lua_pushinteger(L, a->u.output.max_len);
        lua_setfield(L, -2, "max_len");
    }
}

void lof_push_actions(lua_State *L, const struct of10_actions *a)
{
    lua_createtable(L, (int)a->n, 0);
    for (size_t i = 0; i < a->n; i++) {
        push_action(L, &a->v[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}
