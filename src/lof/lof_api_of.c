/*
 * lof_api_of.c - what apps do to switches: flow_mod, packet_out, stats and
 * barrier, and the tracking of their pending requests.
 *
 * Every message built from Lua goes through of10_validate before it is sent;
 * bad input raises an error naming the field, while a switch that is gone or
 * a full output queue is an ordinary outcome: nil plus a message.
 */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "lof/lof_internal.h"

/* ---- sending ------------------------------------------------------------ */

static void refuse_while_loading(lua_State *L, const char *what)
{
    if (lof_state_of(L)->loading)
        luaL_error(L,
                   "%s: switches cannot be used while apps load (act in switch_up or "
                   "reloaded)",
                   what);
}

static int send_msg(lua_State *L, struct ofc_switch *sw, struct of10_msg *m, const char *what)
{
    uint32_t e = of10_validate(m);
    if (e) return luaL_error(L, "%s: invalid message (%s)", what, of10_err_name(e));
    if (!of10_encoded_len(m)) return luaL_error(L, "%s: message longer than 65535 bytes", what);
    refuse_while_loading(L, what);
    if (!sw) {
        lua_pushnil(L);
        lua_pushliteral(L, "switch not connected");
        return 2;
    }
    if (ofc_send(sw, m) != 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "send failed");
        return 2;
    }
    lua_pushinteger(L, m->xid);
    return 1;
}

/* Optional integer field of the table at idx, or def when absent. */
static lua_Integer opt_field(lua_State *L, int idx, const char *what, const char *k,
                             lua_Integer min, lua_Integer max, lua_Integer def)
{
    char path[96];
    lua_Integer v = def;
    if (lua_getfield(L, idx, k) != LUA_TNIL) {
        snprintf(path, sizeof path, "%s: %s", what, k);
        v = lof_check_int(L, -1, path, min, max);
    }
    lua_pop(L, 1);
    return v;
}

static uint16_t opt_port_field(lua_State *L, int idx, const char *what, const char *k, uint16_t def)
{
    char path[96];
    uint16_t v = def;
    if (lua_getfield(L, idx, k) != LUA_TNIL) {
        snprintf(path, sizeof path, "%s: %s", what, k);
        v = lof_check_port(L, -1, path);
    }
    lua_pop(L, 1);
    return v;
}

static int opt_flag(lua_State *L, int idx, const char *what, const char *k)
{
    int t = lua_getfield(L, idx, k);
    if (t != LUA_TNIL && t != LUA_TBOOLEAN)
        luaL_error(L, "%s: %s: expected a boolean, got %s", what, k, luaL_typename(L, -1));
    int v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

static void check_spec(lua_State *L, int idx, const char *what)
{
    if (!lua_istable(L, idx))
        luaL_error(L, "%s: expected a table, got %s", what, luaL_typename(L, idx));
}

static int l_flow_mod(lua_State *L)
{
    static const char *const keys[] = {
        "command", "match",     "priority", "idle_timeout",  "hard_timeout",
        "cookie",  "buffer_id", "out_port", "send_flow_rem", "check_overlap",
        "emerg",   "actions",   NULL};
    static const char *const cmds[] = {"add",    "modify",        "modify_strict",
                                       "delete", "delete_strict", NULL};
    struct ofc_switch *sw = lof_check_switch(L, 1, "flow_mod");
    check_spec(L, 2, "flow_mod");
    lof_check_fields(L, 2, "flow_mod", keys);
    struct of10_action acts[LOF_MAX_ACTIONS];
    struct of10_msg m;
    memset(&m, 0, sizeof m);
    m.version = OFP10_VERSION;
    m.type = OFPT10_FLOW_MOD;
    struct of10_flow_mod *fm = &m.u.flow_mod;
    fm->command = OFPFC10_ADD;
    if (lua_getfield(L, 2, "command") != LUA_TNIL) {
        const char *c = lua_tostring(L, -1);
        int i = 0;
        while (cmds[i] && (!c || lua_type(L, -1) != LUA_TSTRING || strcmp(c, cmds[i]) != 0))
            i++;
        if (!cmds[i])
            luaL_error(L,
                       "flow_mod: command: expected add, modify, modify_strict, delete or "
                       "delete_strict, got %s",
                       c ? c : luaL_typename(L, -1));
        fm->command = (uint16_t)i;
    }
    lua_pop(L, 1);
    lua_getfield(L, 2, "match");
    lof_match_from_lua(L, -1, "flow_mod: match", &fm->match);
    lua_pop(L, 1);
    fm->priority = (uint16_t)opt_field(L, 2, "flow_mod", "priority", 0, 0xffff, 0x8000);
    fm->idle_timeout = (uint16_t)opt_field(L, 2, "flow_mod", "idle_timeout", 0, 0xffff, 0);
    fm->hard_timeout = (uint16_t)opt_field(L, 2, "flow_mod", "hard_timeout", 0, 0xffff, 0);
    fm->cookie = (uint64_t)opt_field(L, 2, "flow_mod", "cookie", LUA_MININTEGER, LUA_MAXINTEGER, 0);
    fm->buffer_id =
        (uint32_t)opt_field(L, 2, "flow_mod", "buffer_id", 0, 0xffffffff, OFP10_NO_BUFFER);
    fm->out_port = opt_port_field(L, 2, "flow_mod", "out_port", OFPP10_NONE);
    fm->flags =
        (uint16_t)((opt_flag(L, 2, "flow_mod", "send_flow_rem") ? OFPFF10_SEND_FLOW_REM : 0) |
                   (opt_flag(L, 2, "flow_mod", "check_overlap") ? OFPFF10_CHECK_OVERLAP : 0) |
                   (opt_flag(L, 2, "flow_mod", "emerg") ? OFPFF10_EMERG : 0));
    lua_getfield(L, 2, "actions");
    fm->actions.n = lof_actions_from_lua(L, -1, "flow_mod: actions", acts, LOF_MAX_ACTIONS);
    fm->actions.v = acts;
    lua_pop(L, 1);
    return send_msg(L, sw, &m, "flow_mod");
}

static int l_packet_out(lua_State *L)
{
    static const char *const keys[] = {"packet", "buffer_id", "data", "in_port", "actions", NULL};
    struct ofc_switch *sw = lof_check_switch(L, 1, "packet_out");
    check_spec(L, 2, "packet_out");
    lof_check_fields(L, 2, "packet_out", keys);
    struct of10_action acts[LOF_MAX_ACTIONS];
    struct of10_msg m;
    memset(&m, 0, sizeof m);
    m.version = OFP10_VERSION;
    m.type = OFPT10_PACKET_OUT;
    struct of10_packet_out *po = &m.u.packet_out;
    po->buffer_id = OFP10_NO_BUFFER;
    po->in_port = OFPP10_NONE;
    lua_settop(L, 2);
    lua_getfield(L, 2, "packet");    /* 3 */
    lua_getfield(L, 2, "buffer_id"); /* 4 */
    lua_getfield(L, 2, "data");      /* 5: stays on the stack until sent */
    if (!lua_isnil(L, 3)) {
        /* a packet table from packet_in: its buffer if the switch kept one,
         * else its bytes (then complete: unbuffered PACKET_INs carry it all) */
        if (!lua_istable(L, 3)) luaL_error(L, "packet_out: packet: expected a packet table");
        if (!lua_isnil(L, 4) || !lua_isnil(L, 5))
            luaL_error(L, "packet_out: give packet or buffer_id/data, not both");
        po->in_port = opt_port_field(L, 3, "packet_out: packet", "in_port", OFPP10_NONE);
        lua_getfield(L, 3, "buffer_id");
        lua_replace(L, 4);
        if (lua_isnil(L, 4)) {
            lua_getfield(L, 3, "data");
            lua_replace(L, 5);
        }
    }
    if (!lua_isnil(L, 4) && !lua_isnil(L, 5))
        luaL_error(L, "packet_out: give buffer_id or data, not both");
    if (!lua_isnil(L, 4)) {
        po->buffer_id = (uint32_t)lof_check_int(L, 4, "packet_out: buffer_id", 0, 0xfffffffe);
    } else if (!lua_isnil(L, 5)) {
        if (lua_type(L, 5) != LUA_TSTRING)
            luaL_error(L, "packet_out: data: expected a string, got %s", luaL_typename(L, 5));
        po->data.p = (const uint8_t *)lua_tolstring(L, 5, &po->data.len);
    } else {
        luaL_error(L, "packet_out: needs packet, buffer_id or data");
    }
    po->in_port = opt_port_field(L, 2, "packet_out", "in_port", po->in_port);
    lua_getfield(L, 2, "actions");
    po->actions.n = lof_actions_from_lua(L, -1, "packet_out: actions", acts, LOF_MAX_ACTIONS);
    po->actions.v = acts;
    lua_pop(L, 1);
    return send_msg(L, sw, &m, "packet_out");
}

/* ---- requests ------------------------------------------------------------ */

static void req_unlink(struct lof_state *st, struct lof_req *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        st->reqs = r->next;
    if (r->next) r->next->prev = r->prev;
    st->n_reqs--;
}

struct reply_args {
    int kind, status;
    const struct of10_msg *const *parts;
    size_t n;
};

/* Pushes (result, err) for a request's callback. */
static int build_reply(lua_State *L)
{
    const struct reply_args *a = lua_touserdata(L, 1);
    if (a->status == OFC_REPLY_OK) {
        if (a->kind == LOF_REQ_BARRIER)
            lua_pushboolean(L, 1);
        else
            lof_push_stats(L, a->parts, a->n);
        lua_pushnil(L);
        return 2;
    }
    lua_pushnil(L);
    if (a->status == OFC_REPLY_ERROR && a->n && a->parts[0]->type == OFPT10_ERROR) {
        const struct of10_error_msg *e = &a->parts[0]->u.error;
        lua_pushfstring(L, "switch error %s", of10_err_name(OF10_ERR(e->type, e->code)));
    } else {
        lua_pushstring(L, a->status == OFC_REPLY_ERROR     ? "switch error"
                          : a->status == OFC_REPLY_TIMEOUT ? "timeout"
                          : a->status == OFC_REPLY_GONE    ? "switch disconnected"
                                                           : "reply too big");
    }
    return 2;
}

static void on_reply(struct ofc_switch *sw, int status, const struct of10_msg *const *parts,
                     size_t n, void *ctx)
{
    (void)sw; /* may be on its way out (GONE): never turned into an object here */
    struct lof_req *r = ctx;
    struct lof_state *st = r->app->st;
    lua_State *L = st->L;
    req_unlink(st, r);
    struct reply_args a = {r->kind, status, parts, n};
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->fnref); /* fn */
    luaL_unref(L, LUA_REGISTRYINDEX, r->fnref);
    if (lof_protected(st, build_reply, &a, 2, NULL, 0) == 0) /* fn, result, err */
        lof_call(st, r->app, 2, 0,
                 r->kind == LOF_REQ_BARRIER ? "barrier callback" : "stats callback", NULL, 0);
    else
        lua_pop(L, 1);
    free(r);
}

static int send_request(lua_State *L, struct ofc_switch *sw, struct of10_msg *m, int kind, int cb,
                        const char *what)
{
    struct lof_state *st = lof_state_of(L);
    if (!lua_isfunction(L, cb))
        return luaL_error(L, "%s: callback: expected a function, got %s", what,
                          luaL_typename(L, cb));
    uint32_t e = of10_validate(m);
    if (e) return luaL_error(L, "%s: invalid request (%s)", what, of10_err_name(e));
    refuse_while_loading(L, what);
    const char *fail = !sw                              ? "switch not connected"
                       : st->n_reqs >= LOF_MAX_REQUESTS ? "too many pending requests"
                                                        : NULL;
    if (fail) {
        lua_pushnil(L);
        lua_pushstring(L, fail);
        return 2;
    }
    lua_pushvalue(L, cb);
    int ref = luaL_ref(L, LUA_REGISTRYINDEX); /* may raise: before any malloc */
    struct lof_req *r = calloc(1, sizeof *r);
    if (!r) {
        luaL_unref(L, LUA_REGISTRYINDEX, ref);
        return luaL_error(L, "%s: out of memory", what);
    }
    r->app = st->running;
    r->fnref = ref;
    r->kind = kind;
    r->next = st->reqs;
    if (st->reqs) st->reqs->prev = r;
    st->reqs = r;
    st->n_reqs++;
    uint32_t xid = ofc_request(sw, m, on_reply, r, st);
    if (!xid) { /* not sent, and the callback will never come */
        req_unlink(st, r);
        luaL_unref(L, LUA_REGISTRYINDEX, ref);
        free(r);
        lua_pushnil(L);
        lua_pushliteral(L, "send failed");
        return 2;
    }
    lua_pushinteger(L, xid);
    return 1;
}

void lof_reqs_drop_all(struct lof_state *st, bool cancel_at_engine)
{
    if (cancel_at_engine && st->l->ofc) ofc_cancel_owner(st->l->ofc, st);
    while (st->reqs) {
        struct lof_req *r = st->reqs;
        req_unlink(st, r);
        luaL_unref(st->L, LUA_REGISTRYINDEX, r->fnref);
        free(r);
    }
}

/* stats(sw, kind, args, callback) */
static int l_stats(lua_State *L)
{
    static const char *const kinds[] = {"desc", "flow",  "aggregate", "table",
                                        "port", "queue", NULL};
    static const char *const flow_keys[] = {"match", "table_id", "out_port", NULL};
    static const char *const port_keys[] = {"port_no", NULL};
    static const char *const queue_keys[] = {"port_no", "queue_id", NULL};
    static const char *const no_keys[] = {NULL};
    struct ofc_switch *sw = lof_check_switch(L, 1, "stats");
    const char *k = lua_tostring(L, 2);
    int kind = 0;
    while (kinds[kind] && (!k || strcmp(k, kinds[kind]) != 0))
        kind++;
    if (!kinds[kind])
        return luaL_error(L,
                          "stats: kind: expected desc, flow, aggregate, table, port or queue, "
                          "got %s",
                          k ? k : luaL_typename(L, 2));
    if (lua_isfunction(L, 3) && lua_isnone(L, 4)) { /* stats(sw, kind, callback) */
        lua_pushnil(L);
        lua_insert(L, 3);
    }
    lua_settop(L, 4);
    if (lua_isnil(L, 3)) {
        lua_newtable(L);
        lua_replace(L, 3);
    }
    check_spec(L, 3, "stats: args");
    struct of10_msg m;
    memset(&m, 0, sizeof m);
    m.version = OFP10_VERSION;
    m.type = OFPT10_STATS_REQUEST;
    struct of10_stats_request *sr = &m.u.stats_request;
    sr->type = (uint16_t)kind;
    if (kind == OFPST10_FLOW || kind == OFPST10_AGGREGATE) {
        lof_check_fields(L, 3, "stats: args", flow_keys);
        lua_getfield(L, 3, "match");
        lof_match_from_lua(L, -1, "stats: args.match", &sr->u.flow.match);
        lua_pop(L, 1);
        sr->u.flow.table_id = (uint8_t)opt_field(L, 3, "stats: args", "table_id", 0, 0xff, 0xff);
        sr->u.flow.out_port = opt_port_field(L, 3, "stats: args", "out_port", OFPP10_NONE);
    } else if (kind == OFPST10_PORT) {
        lof_check_fields(L, 3, "stats: args", port_keys);
        sr->u.port.port_no = opt_port_field(L, 3, "stats: args", "port_no", OFPP10_NONE);
    } else if (kind == OFPST10_QUEUE) {
        lof_check_fields(L, 3, "stats: args", queue_keys);
        sr->u.queue.port_no = opt_port_field(L, 3, "stats: args", "port_no", OFPP10_ALL);
        sr->u.queue.queue_id =
            (uint32_t)opt_field(L, 3, "stats: args", "queue_id", 0, 0xffffffff, OFPQ10_ALL);
    } else {
        lof_check_fields(L, 3, "stats: args", no_keys);
    }
    return send_request(L, sw, &m, kind, 4, "stats");
}

/* barrier(sw, callback) */
static int l_barrier(lua_State *L)
{
    struct ofc_switch *sw = lof_check_switch(L, 1, "barrier");
    struct of10_msg m;
    memset(&m, 0, sizeof m);
    m.version = OFP10_VERSION;
    m.type = OFPT10_BARRIER_REQUEST;
    return send_request(L, sw, &m, LOF_REQ_BARRIER, 2, "barrier");
}

void lof_api_of_funcs(lua_State *L)
{
    static const luaL_Reg fns[] = {{"flow_mod", l_flow_mod},
                                   {"packet_out", l_packet_out},
                                   {"stats", l_stats},
                                   {"barrier", l_barrier},
                                   {NULL, NULL}};
    luaL_setfuncs(L, fns, 0);
    lof_api_sw_funcs(L);
}

void lof_api_of_open(lua_State *L)
{
    static const luaL_Reg methods[] = {{"flow_mod", l_flow_mod},
                                       {"packet_out", l_packet_out},
                                       {"stats", l_stats},
                                       {"barrier", l_barrier},
                                       {NULL, NULL}};
    lof_switch_open(L, methods);
}
