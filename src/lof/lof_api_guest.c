/*
 * lof_api_guest.c - the `guest` module: apps tell the guest on a monitored port
 * what the monitor did about it ("a port scan from 10.0.0.66 was blocked").
 *
 *   guest.notify(port, text [, {kind=, attacker=, mac=, proto=, port=, rule=}])
 *
 * The note goes to the host (in the of domain: GUEST_NOTIFY to the core, which
 * numbers it, keeps it in the port's backlog and sends it down the port's
 * hypercall channel, docs/hypercall.md). It is one way: true means "handed
 * over", not "read by the guest"; the core rate-limits per port and counts
 * what it drops (visorflowctl guests).
 *
 * Like the rules module this returns nil, "field: message" for what an app can
 * get wrong, rather than raising: a note is built from event fields, data the
 * app should be able to test. Everything the note's wire format refuses (a
 * text over 64 bytes, a byte that is not printable ASCII) is refused here,
 * never cut or replaced, so the guest reads exactly what the app wrote.
 *
 * A token bucket (LOF_NOTIFY_RATE a second, as deep) keeps a runaway loop of
 * one app from filling the domain's link to the core with notes the core
 * would drop anyway.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "lof/lof_internal.h"

#define PORT_ID_MAX 4095u
#define RULE_ID_MAX 131071u

static struct lof_app *app_up(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

/* "aa:bb:cc:dd:ee:ff", exactly: six pairs of hex digits. */
static int parse_mac(const char *s, uint8_t mac[6])
{
    if (strlen(s) != 17) return -1;
    for (int i = 0; i < 6; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = s[3 * i + k];
            int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
            if (d < 0) return -1;
            v = v << 4 | (unsigned)d;
        }
        if (i < 5 && s[3 * i + 2] != ':') return -1;
        mac[i] = (uint8_t)v;
    }
    return 0;
}

/* ---- the options table ---------------------------------------------------------------- */

struct opt_ctx {
    lua_State *L;
    int t;
    struct lof_guest_note *n;
    char *why;
    size_t cap;
};

/* opts[key] on top of the stack (raw: the options are data); its type. */
static int field(struct opt_ctx *o, const char *key)
{
    lua_pushstring(o->L, key);
    return lua_rawget(o->L, o->t);
}

static int opt_kind(struct opt_ctx *o)
{
    static const struct {
        const char *name;
        uint16_t kind;
    } kinds[] = {{"scan-blocked", LOF_NOTE_SCAN_BLOCKED},
                 {"blocked", LOF_NOTE_BLOCKED},
                 {"notice", LOF_NOTE_NOTICE},
                 {"info", LOF_NOTE_NOTICE}};
    int ty = field(o, "kind"), ok = ty == LUA_TNIL;
    for (size_t i = 0; !ok && ty == LUA_TSTRING && i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (!strcmp(lua_tostring(o->L, -1), kinds[i].name)) o->n->kind = kinds[i].kind, ok = 1;
    if (!ok)
        snprintf(
            o->why, o->cap,
            "opts.kind: expected \"scan-blocked\", \"blocked\", \"notice\" or \"info\", got %s",
            lof_shown(o->L, -1));
    lua_pop(o->L, 1);
    return ok ? 0 : -1;
}

static int opt_attacker(struct opt_ctx *o)
{
    int ty = field(o, "attacker"), ok = ty == LUA_TNIL;
    struct in_addr a;
    if (ty == LUA_TSTRING && inet_pton(AF_INET, lua_tostring(o->L, -1), &a) == 1) {
        o->n->addr = ntohl(a.s_addr);
        ok = 1;
    }
    if (!ok)
        snprintf(o->why, o->cap, "opts.attacker: expected an IPv4 address \"a.b.c.d\", got %s",
                 lof_shown(o->L, -1));
    lua_pop(o->L, 1);
    return ok ? 0 : -1;
}

static int opt_mac(struct opt_ctx *o)
{
    int ty = field(o, "mac"), ok = ty == LUA_TNIL;
    if (ty == LUA_TSTRING) ok = parse_mac(lua_tostring(o->L, -1), o->n->mac) == 0;
    if (!ok)
        snprintf(o->why, o->cap, "opts.mac: expected \"aa:bb:cc:dd:ee:ff\", got %s",
                 lof_shown(o->L, -1));
    lua_pop(o->L, 1);
    return ok ? 0 : -1;
}

static int opt_proto(struct opt_ctx *o)
{
    static const struct {
        const char *name;
        uint8_t v;
    } names[] = {{"icmp", 1}, {"tcp", 6}, {"udp", 17}};
    int ty = field(o, "proto"), ok = ty == LUA_TNIL;
    lua_Integer v;
    for (size_t i = 0; !ok && ty == LUA_TSTRING && i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcmp(lua_tostring(o->L, -1), names[i].name)) o->n->proto = names[i].v, ok = 1;
    if (!ok && lof_int_ok(o->L, -1, 0, 255, &v)) o->n->proto = (uint8_t)v, ok = 1;
    if (!ok)
        snprintf(o->why, o->cap,
                 "opts.proto: expected \"tcp\", \"udp\", \"icmp\" or 0..255, got %s",
                 lof_shown(o->L, -1));
    lua_pop(o->L, 1);
    return ok ? 0 : -1;
}

/* opts.port (the L4 port of what was blocked) and opts.rule: integers. */
static int opt_int(struct opt_ctx *o, const char *key, lua_Integer max, uint32_t *out)
{
    int ty = field(o, key), ok = ty == LUA_TNIL;
    lua_Integer v;
    if (!ok && lof_int_ok(o->L, -1, 0, max, &v)) *out = (uint32_t)v, ok = 1;
    if (!ok)
        snprintf(o->why, o->cap, "opts.%s: expected 0..%lld, got %s", key, (long long)max,
                 lof_shown(o->L, -1));
    lua_pop(o->L, 1);
    return ok ? 0 : -1;
}

static int opt_known(struct opt_ctx *o)
{
    static const char *const known[] = {"kind", "attacker", "mac", "proto", "port", "rule"};
    return lof_fields_known(o->L, o->t, known, sizeof(known) / sizeof(known[0]), "opts", o->why,
                            o->cap);
}

static int opts_from_lua(lua_State *L, int idx, struct lof_guest_note *n, char *why, size_t cap)
{
    if (lua_isnoneornil(L, idx)) return 0;
    if (!lua_istable(L, idx)) {
        snprintf(why, cap, "opts: expected a table, got %s", luaL_typename(L, idx));
        return -1;
    }
    struct opt_ctx o = {L, lua_absindex(L, idx), n, why, cap};
    uint32_t port = 0, rule = 0;
    if (!lua_checkstack(L, 4) || opt_known(&o) || opt_kind(&o) || opt_attacker(&o) || opt_mac(&o) ||
        opt_proto(&o) || opt_int(&o, "port", 65535, &port) ||
        opt_int(&o, "rule", RULE_ID_MAX, &rule))
        return -1;
    n->l4port = (uint16_t)port;
    n->rule = rule;
    return 0;
}

/* ---- guest.notify ----------------------------------------------------------------------- */

static int configured(const struct lof *l, lua_Integer port)
{
    for (size_t i = 0; i < l->n_mon_ports; i++)
        if (l->mon_ports[i].id == port) return 1;
    return 0;
}

static int text_from_lua(lua_State *L, int idx, char *out, char *why, size_t cap)
{
    size_t len;
    if (lua_type(L, idx) != LUA_TSTRING) {
        snprintf(why, cap, "text: expected a string, got %s", luaL_typename(L, idx));
        return -1;
    }
    const char *s = lua_tolstring(L, idx, &len);
    if (len > LOF_NOTE_TEXT_MAX) {
        snprintf(why, cap, "text: %zu bytes, at most %d", len, LOF_NOTE_TEXT_MAX);
        return -1;
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e) {
            snprintf(why, cap, "text: byte %zu (0x%02x) is not printable ASCII", i + 1,
                     (unsigned char)s[i]);
            return -1;
        }
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}

/* One token a call, LOF_NOTIFY_RATE tokens a second. */
static int bucket_take(struct lof *l)
{
    const uint64_t full = LOF_NOTIFY_RATE * 1000ull;
    uint64_t now = ev_now_ms(l->loop);
    if (now > l->notify_ms) {
        uint64_t add = (now - l->notify_ms) * LOF_NOTIFY_RATE;
        l->notify_tokens = add >= full - l->notify_tokens ? full : l->notify_tokens + add;
        l->notify_ms = now;
    }
    if (l->notify_tokens < 1000) return -1;
    l->notify_tokens -= 1000;
    return 0;
}

/* guest.notify(port, text [, opts]) -> true | nil, err */
static int l_notify(lua_State *L)
{
    struct lof_app *app = app_up(L);
    struct lof *l = app->st->l;
    struct lof_guest_note n = {.kind = LOF_NOTE_NOTICE};
    char why[200];
    lua_Integer port;
    if (!lof_int_ok(L, 1, 1, PORT_ID_MAX, &port))
        return lof_soft_fail(L, "port: expected a guest port id 1..%u, got %s", PORT_ID_MAX,
                         lof_shown(L, 1));
    if (text_from_lua(L, 2, n.text, why, sizeof(why)) || opts_from_lua(L, 3, &n, why, sizeof(why)))
        return lof_soft_fail(L, "%s", why);
    if (!l->mon_enabled || !l->host.guest_notify)
        return lof_soft_fail(L, "guest.notify: no monitor configured");
    if (!configured(l, port))
        return lof_soft_fail(L, "port: %lld is not a monitored guest port", (long long)port);
    /* A load that fails later must not have told a guest anything. */
    if (app->st->loading)
        return lof_soft_fail(L, "guest.notify: not while the apps load (use switch_up, reloaded or a "
                            "timer)");
    if (bucket_take(l))
        return lof_soft_fail(L, "guest.notify: more than %d notes a second", LOF_NOTIFY_RATE);
    n.port = (uint16_t)port;
    int rc = l->host.guest_notify(l->host_ctx, &n);
    if (rc)
        return lof_soft_fail(L, "guest.notify: %s",
                         rc == -ENODEV ? "no monitor configured" : strerror(-rc));
    l->guest_notes++;
    lua_pushboolean(L, 1);
    return 1;
}

void lof_api_guest_open(lua_State *L, struct lof_app *app)
{
    static const luaL_Reg fns[] = {{"notify", l_notify}, {NULL, NULL}};
    lua_createtable(L, 0, 1);
    lua_pushlightuserdata(L, app);
    luaL_setfuncs(L, fns, 1);
    lua_setfield(L, -2, "guest");
}
