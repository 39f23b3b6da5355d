/*
 * portscan_harness.h - shared by the test_portscan*.c unit tests: the Lua host
 * of test_lof_fake.h with an open_env that injects a fake `rules` and `guest`
 * (recording what the app asks of them), loading portscan + l2_learning,
 * calls of the app's own functions and of its monitor_drop handler, frames
 * (and the victim's real answers, built by src/pkt), and a pump that reads
 * what the controller did with each PACKET_IN.
 */
#ifndef VF_TEST_PORTSCAN_HARNESS_H
#define VF_TEST_PORTSCAN_HARNESS_H

#include "test_lof_fake.h"

#include <math.h>

#include <lauxlib.h>

#include "lof/lof_internal.h"

#define PS_API static __attribute__((unused))

/* ---- the host: fake rules and guest APIs --------------------------------- */

static struct {
    bool with_rules, with_guest;
    bool add_refuse; /* rules.add answers nil, err at once (a bad spec, no monitor) */
    int adds, dels, notifies;
    char add_spec[256], notify_text[256], notify_opts[256];
    long del_id, notify_port;
} F;

static int f_ports(lua_State *L)
{
    /* two monitored guests, behind the fake switch's ports eth1 and eth2 */
    lua_createtable(L, 2, 0);
    const char *guests[] = {"vm-a", "vm-b"};
    for (int i = 0; i < 2; i++) {
        lua_createtable(L, 0, 3);
        lua_pushinteger(L, 7 + i);
        lua_setfield(L, -2, "id");
        lua_pushstring(L, guests[i]);
        lua_setfield(L, -2, "guest");
        lua_pushfstring(L, "eth%d", i + 1);
        lua_setfield(L, -2, "switch_port");
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* The real contracts (src/lof/lof_api_rules.c, lof_api_guest.c): add(spec, cb)
 * returns true and calls cb(id) later (here: at once), or nil, err; del(id,
 * cb) needs its callback and answers cb(true); notify(port, text, opts)
 * returns true. A missing callback or a wrong type raises here, so the unit
 * tests catch a call that the real host would refuse. */
static int f_add(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    if (F.add_refuse) {
        lua_pushnil(L);
        lua_pushstring(L, "rules.add: no monitor configured");
        return 2;
    }
    const char *k[] = {"addr", "dir", "action", "on"};
    size_t n = 0;
    for (int i = 0; i < 4; i++) {
        lua_getfield(L, 1, k[i]);
        n += (size_t)snprintf(F.add_spec + n, sizeof F.add_spec - n, "%s%s=%s", i ? " " : "", k[i],
                              luaL_tolstring(L, -1, NULL));
        lua_pop(L, 2);
    }
    F.adds++;
    lua_pushvalue(L, 2); /* the callback, answered at once with the rule id */
    lua_pushinteger(L, 100 + F.adds);
    lua_call(L, 1, 0);
    lua_pushboolean(L, 1);
    return 1;
}

static int f_del(lua_State *L)
{
    F.del_id = (long)luaL_checkinteger(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    F.dels++;
    lua_pushvalue(L, 2);
    lua_pushboolean(L, 1);
    lua_call(L, 1, 0);
    lua_pushboolean(L, 1);
    return 1;
}

static int f_notify(lua_State *L)
{
    F.notify_port = (long)luaL_checkinteger(L, 1);
    size_t len;
    const char *text = luaL_checklstring(L, 2, &len);
    if (len > 64) luaL_error(L, "text: %d bytes, at most 64", (int)len);
    snprintf(F.notify_text, sizeof F.notify_text, "%s", text);
    luaL_checktype(L, 3, LUA_TTABLE);
    const char *k[] = {"kind", "attacker", "mac"};
    size_t n = 0;
    for (int i = 0; i < 3; i++) {
        lua_getfield(L, 3, k[i]);
        n += (size_t)snprintf(F.notify_opts + n, sizeof F.notify_opts - n, "%s%s=%s", i ? " " : "",
                              k[i], luaL_tolstring(L, -1, NULL));
        lua_pop(L, 2);
    }
    F.notifies++;
    lua_pushboolean(L, 1);
    return 1;
}

static void ps_open_env(void *ctx, lua_State *L, const char *app)
{
    (void)ctx;
    if (strcmp(app, "portscan") != 0) return;
    if (F.with_rules) {
        const luaL_Reg fns[] = {{"ports", f_ports}, {"add", f_add}, {"del", f_del}, {NULL, NULL}};
        luaL_newlib(L, fns);
        lua_setfield(L, -2, "rules");
    }
    if (F.with_guest) {
        const luaL_Reg fns[] = {{"notify", f_notify}, {NULL, NULL}};
        luaL_newlib(L, fns);
        lua_setfield(L, -2, "guest");
    }
}

static int ps_setup_with(bool rules, bool guest)
{
    memset(&F, 0, sizeof F);
    F.with_rules = rules, F.with_guest = guest;
    T = lt_new(0);
    lof_free(T->l); /* the same harness, with a host that has open_env */
    struct vlua_limits lim = {.mem_bytes = 64u << 20};
    struct lof_host host = {.record = lt_record, .open_env = ps_open_env};
    T->l = lof_new(T->loop, &T->log, &lim, &host, T);
    assert_non_null(T->l);
    lof_attach(T->l, &lf_engine);
    return 0;
}
PS_API int ps_setup(void **state)
{
    (void)state;
    return ps_setup_with(false, false);
}
PS_API int ps_setup_rules(void **state)
{
    (void)state;
    return ps_setup_with(true, true);
}

/* ---- loading ---------------------------------------------------------------- */

PS_API struct lof_app_src app(const char *name, const struct lof_kv *kv, size_t n)
{
    static char origins[4][64];
    static int k;
    char *o = origins[k++ % 4];
    snprintf(o, 64, "lua/apps/%s.lua", name);
    struct lof_app_src a = {name, o, NULL, 0, kv, n};
    a.src = lt_read_file(o, &a.len);
    return a;
}

/* portscan (with kv) + l2_learning, and switch 1 with 6 ports. */
PS_API struct ofc_switch *start(const struct lof_kv *kv, size_t n)
{
    struct lof_app_src a[2] = {app("portscan", kv, n), app("l2_learning", NULL, 0)};
    char err[512];
    if (lt_load_list(T, a, 2, err, sizeof err) != 0) fail_msg("load: %s", err);
    struct ofc_switch *sw = lf_switch_up(T, 1, 6);
    for (size_t i = 0; i < lf_engine.nreq; i++) /* portscan's switch_up barrier */
        if (lf_engine.req[i].live) lf_answer(i, OFC_REPLY_OK, NULL, 0);
    lf_clear_sent();
    return sw;
}

/* ---- calling the app's own functions (as a visorflowctl command will) ------- */

PS_API struct lof_app *ps_app(void)
{
    struct lof_state *st = T->l->cur;
    for (size_t i = 0; i < st->n_apps; i++)
        if (strcmp(st->apps[i].name, "portscan") == 0) return &st->apps[i];
    fail_msg("portscan not loaded");
    return NULL;
}

/* Call global fn of the app with an optional string argument; one result
 * stays on the stack. */
PS_API lua_State *ps_call(const char *fn, const char *arg)
{
    struct lof_state *st = T->l->cur;
    lua_State *L = st->L;
    struct lof_app *a = ps_app();
    lua_rawgeti(L, LUA_REGISTRYINDEX, a->env_ref);
    lua_getfield(L, -1, fn);
    lua_remove(L, -2);
    if (arg) lua_pushstring(L, arg);
    if (lof_call(st, a, arg ? 1 : 0, 1, fn, NULL, 0) != 0)
        fail_msg("%s failed: %s", fn, T->l->last_error);
    return L;
}

/* visorflowctl block|unblock as the domain delivers it (lof_command): the
 * return is -1 when no app answered, else the app's error flag; text gets
 * its answer. */
PS_API int ps_command(const char *name, const char *target, unsigned seconds, char *text,
                      size_t cap)
{
    struct lof_command c = {name, target, strchr(target, ':') != NULL, seconds};
    int error = -1;
    text[0] = '\0';
    if (!lof_command(T->l, &c, &error, text, cap)) return -1;
    return error;
}

PS_API long ps_stat(const char *field)
{
    lua_State *L = ps_call("status", NULL);
    lua_getfield(L, -1, field);
    long v = (long)lua_tointeger(L, -1);
    lua_pop(L, 2);
    return v;
}

/* monitor_drop(ev) as the domain will deliver it. */
PS_API void monitor_drop(int port, const char *dir, const char *proto, const char *src,
                         const char *dst, int sport, int dport)
{
    struct lof_state *st = T->l->cur;
    lua_State *L = st->L;
    struct lof_app *a = ps_app();
    assert_int_not_equal(a->href[LOF_H_MONITOR_DROP], LUA_NOREF);
    lua_rawgeti(L, LUA_REGISTRYINDEX, a->href[LOF_H_MONITOR_DROP]);
    lua_createtable(L, 0, 10);
    lua_pushinteger(L, port), lua_setfield(L, -2, "port");
    lua_pushstring(L, dir), lua_setfield(L, -2, "dir");
    lua_pushinteger(L, 3), lua_setfield(L, -2, "rule");
    lua_pushstring(L, proto), lua_setfield(L, -2, "proto");
    lua_pushstring(L, src), lua_setfield(L, -2, "src");
    lua_pushstring(L, dst), lua_setfield(L, -2, "dst");
    lua_pushinteger(L, sport), lua_setfield(L, -2, "sport");
    lua_pushinteger(L, dport), lua_setfield(L, -2, "dport");
    lua_pushinteger(L, 60), lua_setfield(L, -2, "len");
    lua_pushstring(L, "rule"), lua_setfield(L, -2, "reason");
    if (lof_call(st, a, 1, 0, "monitor_drop", NULL, 0) != 0)
        fail_msg("monitor_drop: %s", T->l->last_error);
}

/* ---- frames -------------------------------------------------------------------- */

#define A_MAC "02:00:00:00:00:0a" /* the scanner, port 1 */
#define B_MAC "02:00:00:00:00:0b" /* the victim, port 2 */
#define C_MAC "02:00:00:00:00:0c" /* a benign client, port 3 */
#define A_IP  0x0a00000a
#define B_IP  0x0a00000b
#define C_IP  0x0a00000c
#define BCAST "ff:ff:ff:ff:ff:ff"

struct frame {
    uint8_t b[256];
    size_t len;
};

PS_API void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}
PS_API void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16), put16(p + 2, v & 0xffff);
}

/* Ethernet + IPv4 (frag: the flags/offset field) + l4 bytes. */
PS_API struct frame ip_frame(const char *sm, const char *dm, uint32_t si, uint32_t di,
                             uint8_t proto, const uint8_t *l4, size_t l4len, unsigned frag,
                             uint8_t ttl)
{
    struct frame f;
    memset(&f, 0, sizeof f);
    lf_mac(dm, f.b);
    lf_mac(sm, f.b + 6);
    put16(f.b + 12, 0x0800);
    uint8_t *ip = f.b + 14;
    ip[0] = 0x45, ip[8] = ttl, ip[9] = proto;
    put16(ip + 2, (unsigned)(20 + l4len));
    put16(ip + 4, 0x1234);
    put16(ip + 6, frag);
    put32(ip + 12, si);
    put32(ip + 16, di);
    put16(ip + 10, pkt_csum(ip, 20));
    memcpy(ip + 20, l4, l4len);
    f.len = 14 + 20 + l4len < 60 ? 60 : 14 + 20 + l4len;
    return f;
}

PS_API struct frame tcp(const char *sm, const char *dm, uint32_t si, uint32_t di, unsigned sp,
                        unsigned dp, unsigned flags)
{
    uint8_t t[20] = {0};
    put16(t, sp), put16(t + 2, dp);
    put32(t + 4, 1000), put32(t + 8, flags & PKT_TCP_ACK ? 5000 : 0);
    t[12] = 0x50, t[13] = (uint8_t)flags;
    put16(t + 14, 1024);
    return ip_frame(sm, dm, si, di, 6, t, 20, 0, 64);
}

PS_API struct frame udp(const char *sm, const char *dm, uint32_t si, uint32_t di, unsigned sp,
                        unsigned dp, uint8_t ttl)
{
    uint8_t u[8] = {0};
    put16(u, sp), put16(u + 2, dp), put16(u + 4, 8);
    return ip_frame(sm, dm, si, di, 17, u, 8, 0, ttl);
}

PS_API struct frame icmp(const char *sm, const char *dm, uint32_t si, uint32_t di, uint8_t type)
{
    uint8_t c[8] = {type, 0, 0, 0, 0x12, 0x34, 0, 1};
    put16(c + 2, pkt_csum(c, 8));
    return ip_frame(sm, dm, si, di, 1, c, 8, 0, 64);
}

PS_API struct frame arp(const char *sm, const char *dm, uint32_t spa, uint32_t tpa)
{
    struct frame f;
    memset(&f, 0, sizeof f);
    f.len = lf_frame(f.b, sm, dm, spa, tpa, 0, 0, 0);
    return f;
}

PS_API struct pkt_info parsed(const struct frame *f)
{
    struct pkt_info pi;
    assert_int_equal(pkt_parse(f->b, f->len, &pi), PKT_OK);
    return pi;
}

/* The victim's answers to a probe, built by the project's own builders. */
PS_API struct frame rst_to(const struct frame *probe)
{
    struct pkt_info pi = parsed(probe);
    struct frame f = {.len = 0};
    f.len = pkt_build_tcp_rst(&pi, f.b, sizeof f.b);
    assert_true(f.len > 0);
    if (f.len < 60) f.len = 60;
    return f;
}
PS_API struct frame unreach_to(const struct frame *probe, uint8_t code)
{
    struct pkt_info pi = parsed(probe);
    struct frame f = {.len = 0};
    f.len = pkt_build_icmp_unreach(&pi, code, 0, 0, f.b, sizeof f.b);
    assert_true(f.len > 0);
    return f;
}
PS_API struct frame arp_reply_to(const struct frame *req, const char *mac)
{
    struct pkt_info pi = parsed(req);
    uint8_t m[6];
    lf_mac(mac, m);
    struct frame f = {.len = 0};
    f.len = pkt_build_arp_reply(&pi, m, f.b, sizeof f.b);
    assert_true(f.len > 0);
    if (f.len < 60) f.len = 60;
    return f;
}

/* ---- feeding and watching ---------------------------------------------------- */

#define BLOCK_PRIO   0xfe00
#define WILD_ALL     0x3820ffu /* every field wildcarded, as normalised (nw bits 32) */
#define COOKIE_BLOCK 0x7073636e00000001ull
#define COOKIE_LIMIT 0x7073636e00000002ull

/* What the controller did about every PACKET_IN so far (the sent log is
 * consumed after each, so long runs fit the fake engine). */
static struct {
    int blocks, limits, l2_flows, unblock_deletes;
    struct of10_flow_mod last_block, last_limit;
    uint64_t last_block_dpid;
} W;

/* What the last PACKET_IN became. */
struct fate {
    bool delivered; /* a PACKET_OUT with actions (flood or a port) */
    bool flow;      /* l2_learning installed a flow for it */
    bool blocked;   /* a drop flow for a scanner went out */
};

PS_API struct fate pump(void)
{
    struct fate r = {false, false, false};
    for (size_t i = 0; i < lf_engine.nsent; i++) {
        const struct lf_sent *s = &lf_engine.sent[i];
        if (s->type != OFPT10_FLOW_MOD && s->type != OFPT10_PACKET_OUT) continue;
        const struct of10_msg *m = lf_decode(s);
        if (m->type == OFPT10_PACKET_OUT) {
            r.delivered |= m->u.packet_out.actions.n > 0;
            continue;
        }
        const struct of10_flow_mod *fm = &m->u.flow_mod;
        if (fm->command == OFPFC10_ADD && fm->priority == BLOCK_PRIO) {
            W.blocks++, r.blocked = true;
            W.last_block = *fm;
            W.last_block.actions.v = NULL;
            W.last_block_dpid = s->dpid;
        } else if (fm->command == OFPFC10_ADD && fm->cookie == COOKIE_LIMIT) {
            W.limits++;
            W.last_limit = *fm;
            W.last_limit.actions.v = NULL;
        } else if (fm->command == OFPFC10_ADD && fm->priority == 0x8000) {
            W.l2_flows++, r.flow = true;
        } else if (fm->command == OFPFC10_DELETE_STRICT && fm->priority == BLOCK_PRIO) {
            W.unblock_deletes++;
        }
    }
    lf_clear_sent();
    return r;
}

PS_API struct fate feed(struct ofc_switch *sw, uint16_t port, const struct frame *f)
{
    lf_packet_in(T, sw, port, f->b, f->len, OFP10_NO_BUFFER);
    return pump();
}

/* Let every host introduce itself (ARP), so l2_learning and portscan know
 * where each MAC lives, as in a real network. */
PS_API void meet(struct ofc_switch *sw)
{
    struct frame f = arp(A_MAC, BCAST, A_IP, B_IP);
    feed(sw, 1, &f);
    struct frame r = arp_reply_to(&f, B_MAC);
    feed(sw, 2, &r);
    f = arp(C_MAC, BCAST, C_IP, B_IP);
    feed(sw, 3, &f);
    r = arp_reply_to(&f, B_MAC);
    feed(sw, 2, &r);
    memset(&W, 0, sizeof W);
}

PS_API int barriers_pending(void)
{
    int n = 0;
    for (size_t i = 0; i < lf_engine.nreq; i++)
        n += lf_engine.req[i].live && lf_engine.req[i].type == OFPT10_BARRIER_REQUEST;
    return n;
}

PS_API void answer_barriers(void)
{
    for (size_t i = 0; i < lf_engine.nreq; i++)
        if (lf_engine.req[i].live && lf_engine.req[i].type == OFPT10_BARRIER_REQUEST)
            lf_answer(i, OFC_REPLY_OK, NULL, 0);
    pump();
}

/* The drop flow for mac on port, exactly, with this hard timeout. */
PS_API void check_block_flow_t(uint16_t port, const char *mac, unsigned hard)
{
    const struct of10_flow_mod *fm = &W.last_block;
    uint8_t m[6];
    lf_mac(mac, m);
    assert_int_equal(fm->match.wildcards, WILD_ALL & ~(OFPFW10_IN_PORT | OFPFW10_DL_SRC));
    assert_int_equal(fm->match.in_port, port);
    assert_memory_equal(fm->match.dl_src, m, 6);
    assert_int_equal(fm->priority, BLOCK_PRIO);
    assert_int_equal(fm->hard_timeout, hard);
    assert_int_equal(fm->idle_timeout, 0);
    assert_int_equal(fm->flags, OFPFF10_SEND_FLOW_REM);
    assert_true(fm->cookie == COOKIE_BLOCK);
    assert_int_equal(fm->actions.n, 0);
    assert_int_equal(fm->buffer_id, OFP10_NO_BUFFER);
}
PS_API void check_block_flow(uint16_t port, const char *mac)
{
    check_block_flow_t(port, mac, 300);
}

/* A TCP scan of B from A: probes with `flags` to ports 1000.., each answered
 * by answer(probe) when answer is set. Returns the probe that got A blocked
 * (1-based), or 0 if none within n. */
PS_API int tcp_scan(struct ofc_switch *sw, unsigned flags, int n, bool rst_answers,
                    bool probes_delivered)
{
    for (int i = 1; i <= n; i++) {
        struct frame p = tcp(A_MAC, B_MAC, A_IP, B_IP, 40000, 1000 + (unsigned)i, flags);
        struct fate fp = feed(sw, 1, &p);
        if (fp.blocked) return i;
        if (probes_delivered)
            assert_true(fp.delivered);
        else
            assert_false(fp.delivered);
        if (rst_answers) {
            struct frame r = rst_to(&p);
            struct fate fr = feed(sw, 2, &r);
            assert_true(fr.delivered); /* the victim's answer still reaches A */
            assert_false(fr.flow);     /* ...without a flow that would hide the next */
            if (fr.blocked) return i;
        }
    }
    return 0;
}

#endif
