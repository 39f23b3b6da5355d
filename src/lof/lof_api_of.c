/*
 * lof_api_of.c - what apps do to switches: flow_mod, packet_out, stats and
 * barrier, and the tracking of their pending requests.
 *
 * Every message built from Lua goes through of10_validate before it is sent;
 * bad input raises an error naming the field, while a switch that is gone or
 * a full output queue is an ordinary outcome: nil plus a message.
 */
#include <stdbool.h>
#include <stddef.h>
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
    /* (of10_validate refuses a message longer than 65535 bytes too: it was
     * checked a second time here through of10_encoded_len, which validates
     * again, per message) */
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

/* The value at vidx as an integer field k (nil: def). */
static lua_Integer int_value(lua_State *L, int vidx, const char *what, const char *k,
                             lua_Integer min, lua_Integer max, lua_Integer def)
{
    lua_Integer v;
    if (lua_isnil(L, vidx)) return def;
    if (lof_int_ok(L, vidx, min, max, &v)) return v;
    char path[96];
    snprintf(path, sizeof path, "%s: %s", what, k);
    return lof_check_int(L, vidx, path, min, max); /* raises */
}

static uint16_t port_value(lua_State *L, int vidx, const char *what, const char *k, uint16_t def)
{
    uint16_t v;
    if (lua_isnil(L, vidx)) return def;
    if (lof_port_ok(L, vidx, &v)) return v;
    char path[96];
    snprintf(path, sizeof path, "%s: %s", what, k);
    return lof_check_port(L, vidx, path); /* raises */
}

static int flag_value(lua_State *L, int vidx, const char *what, const char *k)
{
    int t = lua_type(L, vidx);
    if (t != LUA_TNIL && t != LUA_TBOOLEAN)
        luaL_error(L, "%s: %s: expected a boolean, got %s", what, k, luaL_typename(L, vidx));
    return lua_toboolean(L, vidx);
}

/* Optional integer field of the table at idx, or def when absent. */
static lua_Integer opt_field(lua_State *L, int idx, const char *what, const char *k,
                             lua_Integer min, lua_Integer max, lua_Integer def)
{
    lua_getfield(L, idx, k);
    lua_Integer v = int_value(L, -1, what, k, min, max, def);
    lua_pop(L, 1);
    return v;
}

static uint16_t opt_port_field(lua_State *L, int idx, const char *what, const char *k, uint16_t def)
{
    lua_getfield(L, idx, k);
    uint16_t v = port_value(L, -1, what, k, def);
    lua_pop(L, 1);
    return v;
}

static void check_spec(lua_State *L, int idx, const char *what)
{
    if (!lua_istable(L, idx))
        luaL_error(L, "%s: expected a table, got %s", what, luaL_typename(L, idx));
}

/* The names as interned Lua strings, made once per state and kept in the
 * registry under tag: short strings are interned, so while these live any
 * key equal to names[i] is that very object, and a pointer comparison
 * recognises it. Returns their addresses (remembered by the state: a
 * registry lookup per message was a measurable cost). */
static const char *const *interned(lua_State *L, const void *tag, const char *const *names, int n)
{
    struct lof_state *st = lof_state_of(L);
    size_t slot = 0, nslots = sizeof st->keys / sizeof st->keys[0];
    while (slot < nslots && st->keys[slot].tag && st->keys[slot].tag != tag)
        slot++;
    if (slot < nslots && st->keys[slot].tag) return st->keys[slot].names;
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, tag) != LUA_TUSERDATA) {
        lua_pop(L, 1);
        const char **p = lua_newuserdatauv(L, (size_t)n * sizeof *p, 1);
        lua_createtable(L, n, 0);
        for (int i = 0; i < n; i++) {
            p[i] = lua_pushstring(L, names[i]);
            lua_rawseti(L, -2, i + 1);
        }
        lua_setiuservalue(L, -2, 1);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, tag);
    }
    const char *const *p = lua_touserdata(L, -1);
    lua_pop(L, 1); /* the registry keeps it, and full userdata do not move */
    if (slot < nslots) st->keys[slot].tag = tag, st->keys[slot].names = p;
    return p;
}

/* A spec table's fields, each in a stack slot: base + i for keys[i]. Without
 * a metatable one raw walk checks the keys exactly as lof_check_fields does
 * and fills the slots; with one, spec_at asks the table field by field
 * (lua_getfield), when the field is needed, as a user's own lookups would. */
struct spec {
    int idx, base;
    bool ask;
    const char *const *keys;
};

static void spec_open(lua_State *L, struct spec *sp, int idx, const char *what,
                      const char *const *keys, const void *tag, int n)
{
    sp->idx = idx;
    sp->keys = keys;
    luaL_checkstack(L, n + 4, what);
    sp->base = lua_gettop(L) + 1;
    lua_settop(L, sp->base + n - 1);
    sp->ask = lua_getmetatable(L, idx);
    if (sp->ask) {
        lua_pop(L, 1);
        lof_check_fields(L, idx, what, keys);
        return;
    }
    const char *const *kp = interned(L, tag, keys, n);
    lua_pushnil(L);
    while (lua_next(L, idx)) { /* key, value */
        if (lua_type(L, -2) != LUA_TSTRING)
            luaL_error(L, "%s: unexpected %s key (fields are named)", what, luaL_typename(L, -2));
        size_t kl;
        const char *k = lua_tolstring(L, -2, &kl);
        int i = 0;
        while (i < n && kp[i] != k)
            i++;
        if (i < n) {
            lua_replace(L, sp->base + i);
            continue;
        }
        /* not a name: unknown, unless it has a NUL inside after a name
         * ("match\0x"), which passes a C-string comparison but is found by
         * no lookup */
        i = 0;
        while (i < n && (keys[i][0] != k[0] || strcmp(k, keys[i]) != 0))
            i++;
        if (i == n || strlen(k) == kl) luaL_error(L, "%s: unknown field '%s'", what, k);
        lua_pop(L, 1);
    }
}

/* The stack index of field i of the spec. */
static int spec_at(lua_State *L, const struct spec *sp, int i)
{
    if (sp->ask) {
        lua_getfield(L, sp->idx, sp->keys[i]);
        lua_replace(L, sp->base + i);
    }
    return sp->base + i;
}

static const char flow_mod_tag;

static int l_flow_mod(lua_State *L)
{
    enum {
        K_COMMAND, K_MATCH, K_PRIORITY, K_IDLE, K_HARD, K_COOKIE, K_BUFFER_ID, K_OUT_PORT,
        K_SEND_FLOW_REM, K_CHECK_OVERLAP, K_EMERG, K_ACTIONS, K_N
    };
    static const char *const keys[] = {
        "command", "match",     "priority", "idle_timeout",  "hard_timeout",
        "cookie",  "buffer_id", "out_port", "send_flow_rem", "check_overlap",
        "emerg",   "actions",   NULL};
    _Static_assert(sizeof keys / sizeof keys[0] == K_N + 1, "one key per K_");
    static const char *const cmds[] = {"add",    "modify",        "modify_strict",
                                       "delete", "delete_strict", NULL};
    struct ofc_switch *sw = lof_check_switch(L, 1, "flow_mod");
    check_spec(L, 2, "flow_mod");
    struct spec sp;
    spec_open(L, &sp, 2, "flow_mod", keys, &flow_mod_tag, K_N);
    struct of10_action acts[LOF_MAX_ACTIONS];
    struct of10_msg m;
    memset(&m, 0, offsetof(struct of10_msg, u) + sizeof m.u.flow_mod);
    m.version = OFP10_VERSION;
    m.type = OFPT10_FLOW_MOD;
    struct of10_flow_mod *fm = &m.u.flow_mod;
    fm->command = OFPFC10_ADD;
    int v = spec_at(L, &sp, K_COMMAND);
    if (!lua_isnil(L, v)) {
        const char *c = lua_tostring(L, v);
        int i = 0;
        while (cmds[i] && (!c || lua_type(L, v) != LUA_TSTRING || strcmp(c, cmds[i]) != 0))
            i++;
        if (!cmds[i])
            luaL_error(L,
                       "flow_mod: command: expected add, modify, modify_strict, delete or "
                       "delete_strict, got %s",
                       c ? c : luaL_typename(L, v));
        fm->command = (uint16_t)i;
    }
    lof_match_from_lua(L, spec_at(L, &sp, K_MATCH), "flow_mod: match", &fm->match);
    static const struct {
        int key;
        lua_Integer min, max, def;
    } ints[] = {
        {K_PRIORITY, 0, 0xffff, 0x8000},
        {K_IDLE, 0, 0xffff, 0},
        {K_HARD, 0, 0xffff, 0},
        {K_COOKIE, LUA_MININTEGER, LUA_MAXINTEGER, 0},
        {K_BUFFER_ID, 0, 0xffffffff, OFP10_NO_BUFFER},
    };
    lua_Integer iv[5];
    for (int i = 0; i < 5; i++)
        iv[i] = int_value(L, spec_at(L, &sp, ints[i].key), "flow_mod", keys[ints[i].key],
                          ints[i].min, ints[i].max, ints[i].def);
    fm->priority = (uint16_t)iv[0];
    fm->idle_timeout = (uint16_t)iv[1];
    fm->hard_timeout = (uint16_t)iv[2];
    fm->cookie = (uint64_t)iv[3];
    fm->buffer_id = (uint32_t)iv[4];
    fm->out_port = port_value(L, spec_at(L, &sp, K_OUT_PORT), "flow_mod", "out_port", OFPP10_NONE);
    static const struct {
        int key;
        uint16_t bit;
    } flags[] = {
        {K_SEND_FLOW_REM, OFPFF10_SEND_FLOW_REM},
        {K_CHECK_OVERLAP, OFPFF10_CHECK_OVERLAP},
        {K_EMERG, OFPFF10_EMERG},
    };
    for (int i = 0; i < 3; i++)
        if (flag_value(L, spec_at(L, &sp, flags[i].key), "flow_mod", keys[flags[i].key]))
            fm->flags |= flags[i].bit;
    fm->actions.n = lof_actions_from_lua(L, spec_at(L, &sp, K_ACTIONS), "flow_mod: actions", acts,
                                         LOF_MAX_ACTIONS);
    fm->actions.v = acts;
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
