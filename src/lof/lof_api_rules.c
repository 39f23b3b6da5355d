/*
 * lof_api_rules.c - the `rules` module apps use to add, delete and list rules
 * of the packet monitor below the guests, and the monitor_drop event.
 *
 * The monitor is the core's; the host carries each request (in a protection
 * domain: a RULE_* message, answered by RULE_RESULT) and answers later with
 * lof_rule_answer, which calls the app's callback under its own instruction
 * budget, like a stats callback. What an app can get wrong in a spec is
 * caught here, before anything is sent, and returned as nil, "field:
 * message" (not raised: a rule built from a packet's fields is data, and an
 * app should be able to test it). What only the monitor can decide (an equal
 * rule exists, not your rule, the table is full) comes in the callback as
 * "EEXIST: ...", "EPERM: ...".
 *
 * Callbacks belong to the Lua state that asked: a reload drops the pending
 * ones (the requests themselves are not withdrawn: a rule being added is
 * added, and rules.list shows it to the new apps).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "lof/lof_internal.h"

#define RULE_ID_MAX 131071u
#define PORT_ID_MAX 4095u

static struct lof_app *app_up(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

/* ---- the spec ------------------------------------------------------------------------ */

/* "a.b.c.d" or "a.b.c.d/n", strictly: four decimal octets, no leading junk. */
static int parse_v4(const char *s, uint32_t *addr, unsigned *plen)
{
    uint32_t a = 0;
    *plen = 32;
    for (int i = 0; i < 4; i++) {
        unsigned v = 0, digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(*s++ - '0');
            digits++;
        }
        if (!digits || digits > 3 || v > 255) return -1;
        a = a << 8 | v;
        if (i < 3 && *s++ != '.') return -1;
    }
    if (*s == '/') {
        unsigned p = 0, digits = 0;
        for (s++; *s >= '0' && *s <= '9' && digits < 3; s++, digits++)
            p = p * 10 + (unsigned)(*s - '0');
        if (!digits || p > 32) return -1;
        *plen = p;
    }
    *addr = a;
    return *s ? -1 : 0;
}

/* t[key] without metamethods: the spec is data. */
static int raw_field(lua_State *L, int t, const char *key)
{
    lua_pushstring(L, key);
    return lua_rawget(L, t);
}

static int spec_addr(lua_State *L, int t, struct lof_rule *r, char *why, size_t cap)
{
    int ty = raw_field(L, t, "addr");
    const char *s = ty == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    uint32_t a = 0;
    unsigned plen = 0;
    int rc = 0;
    if (s && !strcmp(s, "any"))
        a = 0, plen = 0;
    else if (!s || parse_v4(s, &a, &plen) != 0)
        rc = snprintf(why, cap, "addr: expected \"a.b.c.d\", \"a.b.c.d/n\" or \"any\", got %s",
                      ty == LUA_TNIL ? "nothing" : lof_shown(L, -1));
    else if (plen < 32 && (a & (UINT32_MAX >> plen))) {
        uint32_t net = a & ~(UINT32_MAX >> plen);
        rc = snprintf(why, cap,
                      "addr: %s has bits set beyond the prefix length (%u.%u.%u.%u/%u would be "
                      "valid)",
                      s, net >> 24, (net >> 16) & 255, (net >> 8) & 255, net & 255, plen);
    }
    lua_pop(L, 1);
    if (rc) return -1;
    r->addr = a;
    r->plen = (uint8_t)plen;
    return 0;
}

static int spec_proto(lua_State *L, int t, struct lof_rule *r, int *given, char *why, size_t cap)
{
    static const struct {
        const char *name;
        uint8_t v;
    } names[] = {{"any", 0}, {"icmp", 1}, {"tcp", 6}, {"udp", 17}};
    int ty = raw_field(L, t, "proto");
    lua_Integer v;
    *given = ty != LUA_TNIL;
    int ok = !*given;
    if (ty == LUA_TSTRING) {
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
            if (!strcmp(lua_tostring(L, -1), names[i].name)) r->proto = names[i].v, ok = 1;
    } else if (*given && lof_int_ok(L, -1, 0, 255, &v)) {
        r->proto = (uint8_t)v, ok = 1;
    }
    if (!ok)
        snprintf(why, cap, "proto: expected \"tcp\", \"udp\", \"icmp\", \"any\" or 0..255, got %s",
                 lof_shown(L, -1));
    lua_pop(L, 1);
    return ok ? 0 : -1;
}

static int spec_port(lua_State *L, int t, struct lof_rule *r, int proto_given, char *why,
                     size_t cap)
{
    int ty = raw_field(L, t, "port");
    lua_Integer v = 0;
    int ok = ty == LUA_TNIL || (ty == LUA_TSTRING && !strcmp(lua_tostring(L, -1), "any")) ||
             lof_int_ok(L, -1, 1, 65535, &v);
    if (!ok) snprintf(why, cap, "port: expected 1..65535 or \"any\", got %s", lof_shown(L, -1));
    lua_pop(L, 1);
    if (!ok) return -1;
    r->port = (uint16_t)v;
    if (!v) return 0;
    if (!proto_given) r->proto = 6; /* as in the text form: a port alone means TCP */
    if (r->proto != 6 && r->proto != 17) {
        snprintf(why, cap, "port: needs proto \"tcp\" or \"udp\", not %u", r->proto);
        return -1;
    }
    return 0;
}

/* A string field with a fixed set of values; *out keeps def when absent. */
static int spec_word(lua_State *L, int t, const char *key, const char *const *words,
                     const uint8_t *values, size_t n, uint8_t *out, char *why, size_t cap)
{
    int ty = raw_field(L, t, key);
    int ok = ty == LUA_TNIL;
    for (size_t i = 0; !ok && ty == LUA_TSTRING && i < n; i++)
        if (!strcmp(lua_tostring(L, -1), words[i])) *out = values[i], ok = 1;
    if (!ok) {
        size_t o = (size_t)snprintf(why, cap, "%s: expected", key);
        for (size_t i = 0; i < n && o < cap; i++)
            o += (size_t)snprintf(why + o, cap - o, "%s \"%s\"",
                                  i ? (i + 1 == n ? " or" : ",") : "", words[i]);
        if (o < cap) snprintf(why + o, cap - o, ", got %s", lof_shown(L, -1));
    }
    lua_pop(L, 1);
    return ok ? 0 : -1;
}

static int spec_known(lua_State *L, int t, char *why, size_t cap)
{
    static const char *const known[] = {"addr", "proto", "port", "dir", "action", "on"};
    return lof_fields_known(L, t, known, sizeof(known) / sizeof(known[0]), "spec", why, cap);
}

/* Spec at idx into r; -1 with why naming the field. Nothing is raised. */
static int rule_from_lua(lua_State *L, int idx, struct lof_rule *r, char *why, size_t cap)
{
    static const char *const dirs[] = {"from-guest", "to-guest", "both"};
    static const uint8_t dirv[] = {LOF_DIR_FROM_GUEST, LOF_DIR_TO_GUEST, LOF_DIR_BOTH};
    static const char *const acts[] = {"drop", "pass"};
    static const uint8_t actv[] = {1, 0};
    int proto_given;
    memset(r, 0, sizeof(*r));
    r->dir = LOF_DIR_BOTH;
    r->drop = 1;
    if (!lua_istable(L, idx)) {
        snprintf(why, cap, "spec: expected a table, got %s", luaL_typename(L, idx));
        return -1;
    }
    idx = lua_absindex(L, idx);
    if (!lua_checkstack(L, 4) || spec_known(L, idx, why, cap) || spec_addr(L, idx, r, why, cap) ||
        spec_proto(L, idx, r, &proto_given, why, cap) ||
        spec_port(L, idx, r, proto_given, why, cap) ||
        spec_word(L, idx, "dir", dirs, dirv, 3, &r->dir, why, cap) ||
        spec_word(L, idx, "action", acts, actv, 2, &r->drop, why, cap))
        return -1;
    lua_Integer on = 0;
    int ty = raw_field(L, idx, "on");
    int ok = ty == LUA_TNIL || lof_int_ok(L, -1, 0, PORT_ID_MAX, &on);
    if (!ok)
        snprintf(why, cap, "on: expected a guest port id 1..%u or 0 (every port), got %s",
                 PORT_ID_MAX, lof_shown(L, -1));
    lua_pop(L, 1);
    r->on = (uint16_t)on;
    return ok ? 0 : -1;
}

/* ---- requests ------------------------------------------------------------------------- */

static const char *const op_names[] = {"", "rules.add", "rules.del", "rules.list"};

static void rreq_unlink(struct lof_state *st, struct lof_rreq *q)
{
    if (q->prev)
        q->prev->next = q->next;
    else
        st->rreqs = q->next;
    if (q->next) q->next->prev = q->prev;
    st->n_rreqs--;
}

static struct lof_rreq *rreq_find(struct lof_state *st, uint32_t token)
{
    for (struct lof_rreq *q = st ? st->rreqs : NULL; q; q = q->next)
        if (q->token == token) return q;
    return NULL;
}

void lof_rreqs_drop_all(struct lof_state *st)
{
    while (st->rreqs) {
        struct lof_rreq *q = st->rreqs;
        rreq_unlink(st, q);
        luaL_unref(st->L, LUA_REGISTRYINDEX, q->fnref);
        free(q);
    }
}

/* Register the callback at cb and hand rq to the host: true, or nil, err. */
static int rreq_send(lua_State *L, struct lof_app *app, struct lof_rule_req *rq, int cb)
{
    struct lof_state *st = app->st;
    struct lof *l = st->l;
    const char *what = op_names[rq->op];
    if (!lua_isfunction(L, cb))
        return lof_soft_fail(L, "callback: expected a function, got %s", luaL_typename(L, cb));
    if (!l->mon_enabled || !l->host.rule_request)
        return lof_soft_fail(L, "%s: no monitor configured", what);
    /* A load that fails later must not have changed the filter, and its
     * callbacks would go with the state anyway. */
    if (st->loading && rq->op != LOF_RULE_LIST)
        return lof_soft_fail(L, "%s: not while the apps load (use switch_up, reloaded or a timer)",
                         what);
    if (st->n_rreqs >= LOF_MAX_RULE_REQS)
        return lof_soft_fail(L, "%s: too many pending rule requests (%d)", what, LOF_MAX_RULE_REQS);
    lua_pushvalue(L, cb);
    int ref = luaL_ref(L, LUA_REGISTRYINDEX); /* may raise: before the malloc */
    struct lof_rreq *q = calloc(1, sizeof(*q));
    if (!q) {
        luaL_unref(L, LUA_REGISTRYINDEX, ref);
        return luaL_error(L, "%s: out of memory", what);
    }
    if (++l->next_token == 0) l->next_token = 1;
    *q = (struct lof_rreq){NULL, st->rreqs, app, ref, rq->op, l->next_token};
    if (st->rreqs) st->rreqs->prev = q;
    st->rreqs = q;
    st->n_rreqs++;
    rq->token = q->token;
    int rc = l->host.rule_request(l->host_ctx, rq);
    if (rc != 0) { /* not sent: no answer will come; still ours (an answer frees it) */
        if ((q = rreq_find(st, rq->token))) {
            rreq_unlink(st, q);
            luaL_unref(L, LUA_REGISTRYINDEX, q->fnref);
            free(q);
        }
        return lof_soft_fail(L, "%s: %s", what,
                         rc == -ENODEV ? "no monitor configured" : strerror(-rc));
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* rules.add(spec, cb) */
static int l_add(lua_State *L)
{
    struct lof_rule_req rq = {.op = LOF_RULE_ADD};
    char why[200];
    if (rule_from_lua(L, 1, &rq.rule, why, sizeof(why)) != 0) return lof_soft_fail(L, "%s", why);
    return rreq_send(L, app_up(L), &rq, 2);
}

/* rules.del(id, cb) */
static int l_del(lua_State *L)
{
    struct lof_rule_req rq = {.op = LOF_RULE_DEL};
    lua_Integer id;
    if (!lof_int_ok(L, 1, 1, RULE_ID_MAX, &id))
        return lof_soft_fail(L, "id: expected a rule id 1..%u, got %s", RULE_ID_MAX, lof_shown(L, 1));
    rq.id = (uint32_t)id;
    return rreq_send(L, app_up(L), &rq, 2);
}

/* rules.list(cb [, first_id]) */
static int l_list(lua_State *L)
{
    struct lof_rule_req rq = {.op = LOF_RULE_LIST, .id = 1};
    lua_Integer first;
    if (!lua_isnoneornil(L, 2)) {
        if (!lof_int_ok(L, 2, 1, RULE_ID_MAX, &first))
            return lof_soft_fail(L, "first: expected a rule id 1..%u, got %s", RULE_ID_MAX,
                             lof_shown(L, 2));
        rq.id = (uint32_t)first;
    }
    return rreq_send(L, app_up(L), &rq, 1);
}

/* rules.ports(): {id=, guest=, switch_port=} for each configured port */
static int l_ports(lua_State *L)
{
    struct lof *l = app_up(L)->st->l;
    lua_createtable(L, (int)l->n_mon_ports, 0);
    for (size_t i = 0; i < l->n_mon_ports; i++) {
        const struct lof_mon_port *p = &l->mon_ports[i];
        lua_createtable(L, 0, 3);
        lua_pushinteger(L, p->id);
        lua_setfield(L, -2, "id");
        lua_pushstring(L, p->guest);
        lua_setfield(L, -2, "guest");
        if (p->switch_port[0]) {
            lua_pushstring(L, p->switch_port);
            lua_setfield(L, -2, "switch_port");
        }
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

void lof_api_rules_open(lua_State *L, struct lof_app *app)
{
    static const luaL_Reg fns[] = {
        {"add", l_add}, {"del", l_del}, {"list", l_list}, {"ports", l_ports}, {NULL, NULL}};
    lua_createtable(L, 0, 4);
    lua_pushlightuserdata(L, app);
    luaL_setfuncs(L, fns, 1);
    lua_setfield(L, -2, "rules");
}

/* ---- answers --------------------------------------------------------------------------- */

static const char *errno_name(int e)
{
    static const struct {
        int e;
        const char *name;
    } t[] = {{EPERM, "EPERM"},   {ENOENT, "ENOENT"}, {EEXIST, "EEXIST"}, {ENOSPC, "ENOSPC"},
             {EDQUOT, "EDQUOT"}, {ENODEV, "ENODEV"}, {EINVAL, "EINVAL"}, {ENOMEM, "ENOMEM"},
             {EROFS, "EROFS"},   {EIO, "EIO"}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (t[i].e == e) return t[i].name;
    return NULL;
}

static const char *proto_name(uint8_t p)
{
    return p == 0 ? "any" : p == 1 ? "icmp" : p == 6 ? "tcp" : p == 17 ? "udp" : NULL;
}

static const char *dir_name(uint8_t d)
{
    return d == LOF_DIR_FROM_GUEST ? "from-guest" : d == LOF_DIR_TO_GUEST ? "to-guest" : "both";
}

static void push_rule(lua_State *L, const struct lof_rule_info *ri)
{
    const struct lof_rule *r = &ri->rule;
    lua_createtable(L, 0, 11);
    lua_pushinteger(L, ri->id);
    lua_setfield(L, -2, "id");
    lua_pushstring(L, ri->owner);
    lua_setfield(L, -2, "owner");
    lof_push_ipv4(L, r->addr, 32);
    lua_setfield(L, -2, "addr");
    lua_pushinteger(L, r->plen);
    lua_setfield(L, -2, "plen");
    if (proto_name(r->proto))
        lua_pushstring(L, proto_name(r->proto));
    else
        lua_pushinteger(L, r->proto);
    lua_setfield(L, -2, "proto");
    lua_pushinteger(L, r->port);
    lua_setfield(L, -2, "port");
    lua_pushstring(L, dir_name(r->dir));
    lua_setfield(L, -2, "dir");
    lua_pushstring(L, r->drop ? "drop" : "pass");
    lua_setfield(L, -2, "action");
    lua_pushinteger(L, r->on);
    lua_setfield(L, -2, "on");
    lua_pushinteger(L, (lua_Integer)ri->packets);
    lua_setfield(L, -2, "packets");
    lua_pushinteger(L, (lua_Integer)ri->bytes);
    lua_setfield(L, -2, "bytes");
}

struct answer {
    int op, err;
    const char *reason;
    const struct lof_rule_info *rules;
    size_t n;
    uint32_t next_id;
};

/* Pushes the callback's three arguments. */
static int build_answer(lua_State *L)
{
    const struct answer *a = lua_touserdata(L, 1);
    if (a->err) {
        const char *name = errno_name(a->err);
        if (a->op == LOF_RULE_DEL)
            lua_pushboolean(L, 0);
        else
            lua_pushnil(L);
        if (name)
            lua_pushfstring(L, "%s: %s", name,
                            a->reason && *a->reason ? a->reason : strerror(a->err));
        else
            lua_pushfstring(L, "error %d: %s", a->err,
                            a->reason && *a->reason ? a->reason : strerror(a->err));
        lua_pushnil(L);
        return 3;
    }
    if (a->op == LOF_RULE_ADD) {
        lua_pushinteger(L, a->n ? a->rules[0].id : 0);
    } else if (a->op == LOF_RULE_DEL) {
        lua_pushboolean(L, 1);
    } else {
        lua_createtable(L, (int)a->n, 0);
        for (size_t i = 0; i < a->n; i++) {
            push_rule(L, &a->rules[i]);
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
    }
    lua_pushnil(L);
    if (a->op == LOF_RULE_LIST && a->next_id)
        lua_pushinteger(L, a->next_id);
    else
        lua_pushnil(L);
    return 3;
}

void lof_rule_answer(struct lof *l, uint32_t token, int err, const char *reason,
                     const struct lof_rule_info *rules, size_t n, uint32_t next_id)
{
    struct lof_state *st = l->cur;
    struct lof_rreq *q = rreq_find(st, token);
    if (!q) return; /* its app set was replaced */
    rreq_unlink(st, q);
    lua_State *L = st->L;
    struct answer a = {q->op,  err, reason, rules, n > LOF_RULES_LIST_MAX ? LOF_RULES_LIST_MAX : n,
                       next_id};
    if (lua_checkstack(L, 8)) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, q->fnref);              /* cb */
        if (lof_protected(st, build_answer, &a, 3, NULL, 0) == 0) /* cb, a1, a2, a3 */
            lof_call(st, q->app, 3, 0, op_names[q->op], NULL, 0);
        else
            lua_pop(L, 1);
    }
    luaL_unref(L, LUA_REGISTRYINDEX, q->fnref);
    free(q);
}

/* ---- the monitor and its drop events ----------------------------------------------------- */

int lof_set_monitor(struct lof *l, int enabled, const struct lof_mon_port *ports, size_t n)
{
    struct lof_mon_port *copy = NULL;
    if (n > LOF_MON_PORTS_MAX) return -1;
    if (n && !(copy = calloc(n, sizeof(*copy)))) return -1;
    if (n) memcpy(copy, ports, n * sizeof(*copy));
    for (size_t i = 0; i < n; i++) { /* names from the host are trusted, but kept in bounds */
        copy[i].guest[sizeof(copy[i].guest) - 1] = '\0';
        copy[i].switch_port[sizeof(copy[i].switch_port) - 1] = '\0';
    }
    free(l->mon_ports);
    l->mon_ports = copy;
    l->n_mon_ports = n;
    l->mon_enabled = enabled;
    return 0;
}

static int build_drop(lua_State *L)
{
    const struct lof_drop *e = lua_touserdata(L, 1);
    const char *reason = e->flags & LOF_DROP_MALFORMED ? "malformed"
                         : e->flags & LOF_DROP_NON_IP  ? "non-ip"
                                                       : "rule";
    lua_createtable(L, 0, 15);
    lua_pushinteger(L, e->port);
    lua_setfield(L, -2, "port");
    lua_pushstring(L, e->dir == LOF_DIR_TO_GUEST ? "to-guest" : "from-guest");
    lua_setfield(L, -2, "dir");
    lua_pushinteger(L, e->rule_id);
    lua_setfield(L, -2, "rule");
    lua_pushinteger(L, e->proto);
    lua_setfield(L, -2, "proto");
    lof_push_ipv4(L, e->saddr, 32);
    lua_setfield(L, -2, "src");
    lof_push_ipv4(L, e->daddr, 32);
    lua_setfield(L, -2, "dst");
    lua_pushinteger(L, e->sport);
    lua_setfield(L, -2, "sport");
    lua_pushinteger(L, e->dport);
    lua_setfield(L, -2, "dport");
    lua_pushinteger(L, e->len);
    lua_setfield(L, -2, "len");
    lua_pushstring(L, reason);
    lua_setfield(L, -2, "reason");
    lua_pushboolean(L, !!(e->flags & LOF_DROP_FRAGMENT));
    lua_setfield(L, -2, "fragment");
    lua_pushinteger(L, e->ethertype);
    lua_setfield(L, -2, "ethertype");
    lua_pushinteger(L, e->limited);
    lua_setfield(L, -2, "limited");
    lua_pushinteger(L, e->lost);
    lua_setfield(L, -2, "lost");
    lua_pushnumber(L, (lua_Number)e->ts_ns / 1e9);
    lua_setfield(L, -2, "ts");
    return 1;
}

void lof_monitor_drop(struct lof *l, const struct lof_drop *ev)
{
    l->drops++;
    lof_chain(l, LOF_H_MONITOR_DROP, build_drop, (void *)ev);
}
