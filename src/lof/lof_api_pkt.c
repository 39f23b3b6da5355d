/*
 * lof_api_pkt.c - the tables apps receive: packets (PACKET_IN parsed with
 * pkt_parse, match fields exactly as Open vSwitch extracts them), removed
 * flows, port status, errors, ports, and assembled stats replies.
 *
 * All of these run inside lof_protected(): building tables may raise a memory
 * error, which must never escape into the engine's callback.
 */
#include <stdbool.h>
#include <string.h>

#include <lauxlib.h>

#include "lof/lof_internal.h"
#include "pkt/pkt.h"

static void set_int(lua_State *L, const char *k, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}

static void set_str(lua_State *L, const char *k, const char *v)
{
    lua_pushstring(L, v);
    lua_setfield(L, -2, k);
}

static void set_bool(lua_State *L, const char *k, int v)
{
    lua_pushboolean(L, v);
    lua_setfield(L, -2, k);
}

static void set_bytes(lua_State *L, const char *k, const struct of10_bytes *b)
{
    lua_pushlstring(L, b->len ? (const char *)b->p : "", b->len);
    lua_setfield(L, -2, k);
}

/* ---- packet tables ---------------------------------------------------------
 * One per PACKET_IN, and most apps read a handful of its fields (l2_learning:
 * dl_src, dl_dst, in_port, buffer_id, match), so the table is made with the
 * fields nearly every app reads (in_port, buffer_id, and the Ethernet
 * addresses: a lazy read costs three times a store) and computes the others
 * when they are read, from a copy of the frame and its parse kept in a
 * userdata. It is still a plain table to every reader:
 *
 * - pkt.f goes through __index, which computes the value each time (nothing
 *   is stored: the lazy fields stay absent, so every write of one, and of
 *   any new key, meets __newindex); pkt.match is made once and kept, so it
 *   is always the same table;
 * - a write (__newindex), and anything that reads the table raw (next, pairs,
 *   rawget/rawset/rawlen, getmetatable/setmetatable, which the sandbox wraps,
 *   and the host's own C readers: save/restore, the flow_mod parsers) first
 *   "settles" it through the metatable's __vf_settle: every field is stored,
 *   in the order the eager code used, and the metatable goes. From then on it
 *   is the plain table it always stood for. (The order in which pairs()
 *   visits the fields is, as for any Lua table, unspecified.)
 *
 * pkt.match is lazy the same way, and has one more use: while it is
 * untouched (still lazy), flow_mod takes the match straight from the C copy
 * instead of parsing the table (lof_lazy_match).
 *
 * What makes a table lazy is the userdata (struct lpkt) it holds under a
 * light userdata key, &pk_hidden: no script can make that key, and every raw
 * reader settles the table first, which removes it, so no script ever sees
 * it (host code that walks a script's table calls lof_settle first: a walk
 * that did not would hand the key on). The packet and its match find their
 * userdata there, so all packets share two metatables, made once per state
 * (a metatable of its own per packet, with a closure holding the userdata,
 * was ~45% of the cost of making a packet). The userdata's user value is
 * pkt.match once made. While its event is dispatched, the packet's own reads skip even that
 * lookup (the state's ev_* fields). Scripts never see the metatables either
 * (getmetatable settles first):
 *   __index              pkt_index / match_index
 *   __newindex, __vf_settle   shared by both (upvalue 3: is it the match's)
 * each a closure over the registry array below and the name pointers.
 *
 * Field names (and the few string values) are interned once per state and
 * kept in a registry array with the metatables: no lua_setfield with C
 * strings (whose lookup compares strings), no printf. */

enum pkey {
    PK_IN_PORT, PK_BUFFER_ID, PK_TOTAL_LEN, PK_REASON, PK_DATA, PK_MATCH,
    PK_DL_SRC, PK_DL_DST, PK_DL_VLAN, PK_DL_VLAN_PCP, PK_DL_TYPE, PK_NW_TOS, PK_NW_PROTO,
    PK_NW_SRC, PK_NW_DST, PK_TP_SRC, PK_TP_DST,
    PK_L3, PK_L4, PK_IP_TTL, PK_IS_FRAGMENT, PK_IS_LATER_FRAGMENT, PK_ARP_OP, PK_TCP_FLAGS,
    PK_ICMP_TYPE, PK_ICMP_CODE, PK_TRUNCATED,
    PK_FIELDS, /* the fields end here */
    /* values */
    PV_NO_MATCH = PK_FIELDS, PV_ACTION, PV_UNKNOWN,
    PV_L3_0, PV_ARP = PV_L3_0, PV_IPV4, PV_IPV6,
    PV_L4_0, PV_TCP = PV_L4_0, PV_UDP, PV_ICMP, PV_ICMPV6,
    /* metatable keys */
    PM_INDEX, PM_NEWINDEX, PM_SETTLE,
    PK_N
};
static const char *const pk_names[PK_N] = {
    "in_port", "buffer_id", "total_len", "reason", "data", "match",
    "dl_src", "dl_dst", "dl_vlan", "dl_vlan_pcp", "dl_type", "nw_tos", "nw_proto",
    "nw_src", "nw_dst", "tp_src", "tp_dst",
    "l3", "l4", "ip_ttl", "is_fragment", "is_later_fragment", "arp_op", "tcp_flags",
    "icmp_type", "icmp_code", "truncated",
    "no_match", "action", "unknown",
    "arp", "ipv4", "ipv6",
    "tcp", "udp", "icmp", "icmpv6",
    "__index", "__newindex", "__vf_settle",
};
_Static_assert(PKT_L3_ARP == 1 && PKT_L3_IPV4 == 2 && PKT_L3_IPV6 == 3, "l3 names");
_Static_assert(PKT_L4_TCP == 1 && PKT_L4_UDP == 2 && PKT_L4_ICMP == 3 && PKT_L4_ICMPV6 == 4,
               "l4 names");

/* The registry array: names at 1..PK_N, then the name pointers (a userdata,
 * below) and the two metatables. */
enum { PC_PTRS = PK_N + 1, PC_MT_PKT, PC_MT_MATCH };

/* The field names' addresses, hashed (open addressing, linear probing):
 * address -> field id, for the metatable functions. */
#define PK_SLOTS 128 /* a power of two, over twice PK_FIELDS */
_Static_assert(PK_SLOTS > 2 * PK_FIELDS, "PK_SLOTS");
struct pk_ptrs {
    const char *key[PK_SLOTS]; /* NULL: free */
    signed char id[PK_SLOTS];
};

static unsigned pk_slot(const char *s)
{
    uint64_t h = (uint64_t)(uintptr_t)s * 0x9e3779b97f4a7c15ull; /* Fibonacci hashing */
    return (unsigned)(h >> 57) & (PK_SLOTS - 1);
}

/* What a packet table is computed from. */
struct lpkt {
    bool parsed; /* at least an Ethernet header: the fields below apply */
    bool truncated, is_fragment, is_later_fragment;
    uint8_t l3, l4, ip_ttl, icmp_type, icmp_code;
    uint16_t arp_op, tcp_flags;
    struct of10_match m;  /* the packet's own fields */
    struct of10_match mm; /* pkt.match: fragments have tp_src = tp_dst = 0 */
    uint16_t total_len;
    uint8_t reason; /* PV_NO_MATCH, PV_ACTION or PV_UNKNOWN */
    size_t len;
    uint8_t data[]; /* the frame as received */
};

/* Fields stored when the packet table is made (the rest are lazy). */
static bool pk_stored(int id)
{
    return id == PK_IN_PORT || id == PK_BUFFER_ID || id == PK_DL_SRC || id == PK_DL_DST;
}

static const char pk_hidden; /* its address keys a lazy table's userdata */

static int pkt_index(lua_State *L);
static int match_index(lua_State *L);
static int pkt_newindex(lua_State *L);
static int pkt_settle(lua_State *L);

/* One of the two metatables, on top: __index fn, __newindex and
 * __vf_settle, closures over the array c, the name pointers and is_match. */
static void make_mt(lua_State *L, int c, lua_CFunction index, bool is_match)
{
    static const lua_CFunction fns[] = {pkt_newindex, pkt_settle};
    lua_createtable(L, 0, 3);
    for (int i = 0; i < 3; i++) {
        lua_rawgeti(L, c, PM_INDEX + i + 1); /* the name */
        lua_pushvalue(L, c);
        lua_rawgeti(L, c, PC_PTRS);
        lua_pushboolean(L, is_match);
        lua_pushcclosure(L, i == 0 ? index : fns[i - 1], 3);
        lua_rawset(L, -3);
    }
}

/* Push the registry array (made on the first packet of a state). The field
 * names are short strings, which Lua interns: while this array keeps them,
 * any string equal to one is that very object, so a key is recognised by
 * comparing pointers (PC_PTRS: the names' addresses by id). */
static int push_pk_cache(lua_State *L)
{
    struct lof_state *st = lof_state_of(L);
    if (st->pk_ref) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, st->pk_ref);
        return lua_gettop(L);
    }
    lua_createtable(L, PC_MT_MATCH, 0);
    int c = lua_gettop(L);
    struct pk_ptrs *ptrs = lua_newuserdatauv(L, sizeof *ptrs, 0);
    memset(ptrs, 0, sizeof *ptrs);
    lua_rawseti(L, c, PC_PTRS);
    for (int i = 0; i < PK_N; i++) {
        const char *s = lua_pushstring(L, pk_names[i]);
        unsigned h = pk_slot(s);
        while (i < PK_FIELDS && ptrs->key[h])
            h = (h + 1) & (PK_SLOTS - 1);
        if (i < PK_FIELDS) ptrs->key[h] = s, ptrs->id[h] = (signed char)i;
        lua_rawseti(L, c, i + 1);
    }
    make_mt(L, c, pkt_index, false);
    lua_rawseti(L, c, PC_MT_PKT);
    make_mt(L, c, match_index, true);
    lua_rawseti(L, c, PC_MT_MATCH);
    lua_pushvalue(L, c);
    st->pk_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return c;
}

/* In the metatable functions (upvalue 1: the registry array, 2: the name
 * pointers): the field id of the key at k, or -1. */
static int field_id(lua_State *L, int k)
{
    if (lua_type(L, k) != LUA_TSTRING) return -1;
    const char *s = lua_tostring(L, k);
    const struct pk_ptrs *ptrs = lua_touserdata(L, lua_upvalueindex(2));
    for (unsigned h = pk_slot(s); ptrs->key[h]; h = (h + 1) & (PK_SLOTS - 1))
        if (ptrs->key[h] == s) return ptrs->id[h];
    return -1;
}

static void push_name(lua_State *L, int id)
{
    lua_rawgeti(L, lua_upvalueindex(1), id + 1);
}

/* The userdata of the lazy table at idx, pushed; NULL (nil pushed) when
 * the table is not lazy (never was, or settled). */
static struct lpkt *lazy_ud(lua_State *L, int idx)
{
    if (lua_rawgetp(L, idx, &pk_hidden) != LUA_TUSERDATA) return NULL;
    return lua_touserdata(L, -1);
}

/* Push match field id of m; 0 (nothing pushed) when it is wildcarded or not
 * a match field. */
static int match_value(lua_State *L, const struct of10_match *m, int id)
{
    uint32_t w = m->wildcards;
    unsigned wild;
    switch (id) {
    case PK_IN_PORT:
        if (w & OFPFW10_IN_PORT) return 0;
        lua_pushinteger(L, m->in_port);
        return 1;
    case PK_DL_SRC:
    case PK_DL_DST:
        if (w & (id == PK_DL_SRC ? OFPFW10_DL_SRC : OFPFW10_DL_DST)) return 0;
        lof_push_mac(L, id == PK_DL_SRC ? m->dl_src : m->dl_dst);
        return 1;
    case PK_DL_VLAN:
        if (w & OFPFW10_DL_VLAN) return 0;
        lua_pushinteger(L, m->dl_vlan);
        return 1;
    case PK_DL_VLAN_PCP:
        if (w & OFPFW10_DL_VLAN_PCP) return 0;
        lua_pushinteger(L, m->dl_vlan_pcp);
        return 1;
    case PK_DL_TYPE:
        if (w & OFPFW10_DL_TYPE) return 0;
        lua_pushinteger(L, m->dl_type);
        return 1;
    case PK_NW_TOS:
        if (w & OFPFW10_NW_TOS) return 0;
        lua_pushinteger(L, m->nw_tos);
        return 1;
    case PK_NW_PROTO:
        if (w & OFPFW10_NW_PROTO) return 0;
        lua_pushinteger(L, m->nw_proto);
        return 1;
    case PK_NW_SRC:
        wild = of10_match_nw_src_wild_bits(m);
        if (wild >= 32) return 0;
        lof_push_ipv4(L, m->nw_src, 32 - wild);
        return 1;
    case PK_NW_DST:
        wild = of10_match_nw_dst_wild_bits(m);
        if (wild >= 32) return 0;
        lof_push_ipv4(L, m->nw_dst, 32 - wild);
        return 1;
    case PK_TP_SRC:
        if (w & OFPFW10_TP_SRC) return 0;
        lua_pushinteger(L, m->tp_src);
        return 1;
    case PK_TP_DST:
        if (w & OFPFW10_TP_DST) return 0;
        lua_pushinteger(L, m->tp_dst);
        return 1;
    default:
        return 0;
    }
}

/* Push pkt.match of the packet whose userdata is at u (made on first use,
 * then kept as the userdata's user value, so it is always the same table).
 * c is the registry array. */
static void push_match(lua_State *L, int c, int u)
{
    if (lua_getiuservalue(L, u, 1) == LUA_TTABLE) return;
    lua_pop(L, 1);
    lua_createtable(L, 0, 1); /* the userdata only, until settled */
    lua_pushvalue(L, u);
    lua_rawsetp(L, -2, &pk_hidden);
    lua_rawgeti(L, c, PC_MT_MATCH);
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, u, 1);
    struct lof_state *st = lof_state_of(L);
    if (lua_touserdata(L, u) == st->ev_lp && st->ev_pkt) st->ev_match = lua_topointer(L, -1);
}

/* Push field id of the packet (a lazy one, or any when settling): 0 when
 * the packet has none. u is the index of its userdata p, c the registry
 * array. */
static int pkt_value(lua_State *L, int c, int u, struct lpkt *p, int id)
{
    switch (id) {
    case PK_TOTAL_LEN:
        lua_pushinteger(L, p->total_len);
        return 1;
    case PK_REASON:
        lua_rawgeti(L, c, 1 + p->reason);
        return 1;
    case PK_DATA:
        lua_pushlstring(L, (const char *)p->data, p->len);
        return 1;
    case PK_MATCH:
        push_match(L, c, u);
        return 1;
    default:
        break;
    }
    if (!p->parsed) return 0; /* not even an Ethernet header */
    bool ip = p->l3 == PKT_L3_IPV4 || p->l3 == PKT_L3_IPV6;
    switch (id) {
    case PK_L3:
        if (p->l3 < PKT_L3_ARP || p->l3 > PKT_L3_IPV6) return 0;
        lua_rawgeti(L, c, 1 + PV_L3_0 + p->l3 - PKT_L3_ARP);
        return 1;
    case PK_L4:
        if (p->l4 < PKT_L4_TCP || p->l4 > PKT_L4_ICMPV6) return 0;
        lua_rawgeti(L, c, 1 + PV_L4_0 + p->l4 - PKT_L4_TCP);
        return 1;
    case PK_IP_TTL:
        if (!ip) return 0;
        lua_pushinteger(L, p->ip_ttl);
        return 1;
    case PK_IS_FRAGMENT:
    case PK_IS_LATER_FRAGMENT:
        if (!ip) return 0;
        lua_pushboolean(L, id == PK_IS_FRAGMENT ? p->is_fragment : p->is_later_fragment);
        return 1;
    case PK_ARP_OP:
        if (p->l3 != PKT_L3_ARP) return 0;
        lua_pushinteger(L, p->arp_op);
        return 1;
    case PK_TCP_FLAGS:
        if (p->l4 != PKT_L4_TCP) return 0;
        lua_pushinteger(L, p->tcp_flags);
        return 1;
    case PK_ICMP_TYPE:
    case PK_ICMP_CODE:
        if (p->l4 != PKT_L4_ICMP && p->l4 != PKT_L4_ICMPV6) return 0;
        lua_pushinteger(L, id == PK_ICMP_TYPE ? p->icmp_type : p->icmp_code);
        return 1;
    case PK_TRUNCATED:
        lua_pushboolean(L, p->truncated);
        return 1;
    default:
        return match_value(L, &p->m, id);
    }
}

/* The packet's __index(t, k). */
static int pkt_index(lua_State *L)
{
    int id = field_id(L, 2);
    if (id < 0 || pk_stored(id)) return 0; /* not a field, or a stored one the app removed */
    struct lof_state *st = lof_state_of(L);
    if (id != PK_MATCH && lua_topointer(L, 1) == st->ev_pkt) /* pkt.match needs the userdata */
        return pkt_value(L, lua_upvalueindex(1), 0, st->ev_lp, id);
    struct lpkt *p = lazy_ud(L, 1);
    return p ? pkt_value(L, lua_upvalueindex(1), 3, p, id) : 0;
}

/* pkt.match's __index(t, k). */
static int match_index(lua_State *L)
{
    int id = field_id(L, 2);
    if (id < 0) return 0;
    struct lof_state *st = lof_state_of(L);
    struct lpkt *p = lua_topointer(L, 1) == st->ev_match ? st->ev_lp : lazy_ud(L, 1);
    return p ? match_value(L, &p->mm, id) : 0;
}

/* Store field id into the table at 1 (a settle: the key is absent). */
static void settle_field(lua_State *L, int u, struct lpkt *p, bool is_match, int id)
{
    push_name(L, id);
    if (is_match ? match_value(L, &p->mm, id) : pkt_value(L, lua_upvalueindex(1), u, p, id))
        lua_rawset(L, 1);
    else
        lua_pop(L, 1);
}

/* Store every field of the lazy table at 1 and make it plain: its userdata
 * and metatable go. The order is the one the tables were always built in,
 * continued after the fields a packet is made with (in_port was set twice
 * there: the packet's, then the match's, the same value). */
static void settle(lua_State *L)
{
    bool is_match = lua_toboolean(L, lua_upvalueindex(3));
    struct lpkt *p = lazy_ud(L, 1);
    if (!p) return;
    struct lof_state *st = lof_state_of(L);
    const void *t = lua_topointer(L, 1);
    if (t == st->ev_pkt || t == st->ev_match) lof_event_done(st); /* the match may go */
    int u = lua_gettop(L);
    luaL_checkstack(L, 8, "settle");
    lua_pushnil(L);
    lua_rawsetp(L, 1, &pk_hidden);
    lua_pushnil(L);
    lua_setmetatable(L, 1);
    /* the match's fields, or the packet's that are not stored from the start */
    for (int id = PK_IN_PORT; id <= (is_match ? PK_TP_DST : PK_TRUNCATED); id++)
        if (is_match ? id == PK_IN_PORT || id >= PK_DL_SRC : !pk_stored(id))
            settle_field(L, u, p, is_match, id);
    lua_settop(L, u - 1);
}

/* __vf_settle(t) */
static int pkt_settle(lua_State *L)
{
    lua_settop(L, 1);
    settle(L);
    return 0;
}

/* __newindex(t, k, v): settle, then store (a plain table from now on). */
static int pkt_newindex(lua_State *L)
{
    lua_settop(L, 3);
    settle(L);
    lua_rawset(L, 1);
    return 0;
}

void lof_event_done(struct lof_state *st)
{
    st->ev_pkt = st->ev_match = NULL;
    st->ev_lp = NULL;
}

const struct of10_match *lof_lazy_match(lua_State *L, int idx)
{
    struct lof_state *st = lof_state_of(L);
    if (st->ev_match && lua_topointer(L, idx) == st->ev_match)
        return &((struct lpkt *)st->ev_lp)->mm;
    idx = lua_absindex(L, idx);
    const struct of10_match *m = NULL;
    struct lpkt *p = lazy_ud(L, idx);
    /* the packet holds the same userdata: only its match is its user value */
    if (p && lua_getiuservalue(L, -1, 1) == LUA_TTABLE && lua_rawequal(L, -1, idx)) m = &p->mm;
    lua_pop(L, p ? 2 : 1);
    return m;
}

/* t[name id] = v, t on top */
static void pk_int(lua_State *L, int c, int id, lua_Integer v)
{
    lua_rawgeti(L, c, id + 1);
    lua_pushinteger(L, v);
    lua_rawset(L, -3);
}

void lof_push_packet_in(lua_State *L, const struct of10_packet_in *in)
{
    int c = push_pk_cache(L);
    size_t len = in->data.len;
    /* The packet: the fields below and the userdata; it grows if settled. */
    lua_createtable(L, 0, 5);
    /* The fields stored at once (l2_learning reads in_port thrice); the
     * writes an app may make to them touch nothing lazy. */
    pk_int(L, c, PK_IN_PORT, in->in_port);
    if (in->buffer_id != OFP10_NO_BUFFER) pk_int(L, c, PK_BUFFER_ID, in->buffer_id);
    struct lpkt *p = lua_newuserdatauv(L, sizeof *p + len, 1); /* user value: pkt.match */
    lua_rawsetp(L, -2, &pk_hidden);
    memset(p, 0, sizeof *p);
    p->total_len = in->total_len;
    p->reason = in->reason == OFPR10_NO_MATCH ? PV_NO_MATCH
                : in->reason == OFPR10_ACTION ? PV_ACTION
                                              : PV_UNKNOWN;
    p->len = len;
    if (len) memcpy(p->data, in->data.p, len);
    struct pkt_info pi;
    if (pkt_parse(p->data, len, &pi) != PKT_OK) {
        /* Not even an Ethernet header: only the port is known. */
        of10_match_init_catchall(&p->mm);
        p->mm.wildcards &= ~(uint32_t)OFPFW10_IN_PORT;
        p->mm.in_port = in->in_port;
    } else {
        p->parsed = true;
        /* The fields that apply to this frame, as OVS extracts them;
         * normalising the exact match drops the ones that do not (tp_* of
         * ARP...). */
        pkt_to_of10_match(&pi, in->in_port, &p->m);
        of10_match_normalize(&p->m);
        p->mm = p->m;
        /* pkt.match is what the switch will look up for this frame: in
         * OFPC_FRAG_NORMAL mode it zeroes the ports of every fragment. */
        if (pi.is_fragment && !(p->m.wildcards & OFPFW10_TP_SRC)) p->mm.tp_src = p->mm.tp_dst = 0;
        p->l3 = pi.l3;
        p->l4 = pi.l4;
        p->ip_ttl = pi.ip_ttl;
        p->is_fragment = pi.is_fragment;
        p->is_later_fragment = pi.is_later_fragment;
        p->arp_op = pi.arp_op;
        p->tcp_flags = pi.tcp_flags;
        p->icmp_type = pi.icmp_type;
        p->icmp_code = pi.icmp_code;
        p->truncated = (pi.flags & (PKT_F_TRUNC_L2 | PKT_F_TRUNC_L3 | PKT_F_TRUNC_L4)) != 0;
        for (int id = PK_DL_SRC; id <= PK_DL_DST; id++) {
            lua_rawgeti(L, c, id + 1);
            if (match_value(L, &p->m, id))
                lua_rawset(L, -3);
            else
                lua_pop(L, 1);
        }
    }
    lua_rawgeti(L, c, PC_MT_PKT);
    lua_setmetatable(L, -2);
    struct lof_state *st = lof_state_of(L);
    st->ev_pkt = lua_topointer(L, -1); /* lof_event_done when the dispatch ends */
    st->ev_match = NULL;
    st->ev_lp = p;
    lua_replace(L, c); /* the packet alone on top */
}

void lof_push_flow_removed(lua_State *L, const struct of10_flow_removed *fr)
{
    static const char *const reasons[] = {"idle_timeout", "hard_timeout", "delete"};
    lua_createtable(L, 0, 10);
    lof_push_match(L, &fr->match);
    lua_setfield(L, -2, "match");
    set_int(L, "cookie", (lua_Integer)fr->cookie);
    set_int(L, "priority", fr->priority);
    set_str(L, "reason", fr->reason < 3 ? reasons[fr->reason] : "unknown");
    set_int(L, "duration_sec", fr->duration_sec);
    set_int(L, "duration_nsec", fr->duration_nsec);
    set_int(L, "idle_timeout", fr->idle_timeout);
    set_int(L, "packet_count", (lua_Integer)fr->packet_count);
    set_int(L, "byte_count", (lua_Integer)fr->byte_count);
}

void lof_push_port(lua_State *L, const struct of10_phy_port *p)
{
    lua_createtable(L, 0, 11);
    set_int(L, "port_no", p->port_no);
    set_str(L, "name", p->name);
    lof_push_mac(L, p->hw_addr);
    lua_setfield(L, -2, "hw_addr");
    set_int(L, "config", p->config);
    set_int(L, "state", p->state);
    set_int(L, "curr", p->curr);
    set_int(L, "advertised", p->advertised);
    set_int(L, "supported", p->supported);
    set_int(L, "peer", p->peer);
    set_bool(L, "up", !(p->config & OFPPC10_PORT_DOWN) && !(p->state & OFPPS10_LINK_DOWN));
}

void lof_push_port_status(lua_State *L, const struct of10_port_status *ps)
{
    static const char *const reasons[] = {"add", "delete", "modify"};
    lua_createtable(L, 0, 2);
    set_str(L, "reason", ps->reason < 3 ? reasons[ps->reason] : "unknown");
    lof_push_port(L, &ps->desc);
    lua_setfield(L, -2, "port");
}

void lof_push_error(lua_State *L, const struct of10_msg *m)
{
    const struct of10_error_msg *e = &m->u.error;
    lua_createtable(L, 0, 6);
    set_int(L, "type", e->type);
    set_int(L, "code", e->code);
    set_str(L, "name", of10_err_name(OF10_ERR(e->type, e->code)));
    /* An error carries the xid of the request it answers: what flow_mod and
     * packet_out returned, so an app can tell which of its messages failed. */
    set_int(L, "xid", m->xid);
    set_bytes(L, "data", &e->data);
    if (e->data.len >= 2) set_str(L, "request_type", of10_type_name(e->data.p[1]));
}

/* ---- stats replies ----------------------------------------------------- */

static void push_desc(lua_State *L, const struct of10_desc_stats *d)
{
    lua_createtable(L, 0, 5);
    set_str(L, "mfr_desc", d->mfr_desc);
    set_str(L, "hw_desc", d->hw_desc);
    set_str(L, "sw_desc", d->sw_desc);
    set_str(L, "serial_num", d->serial_num);
    set_str(L, "dp_desc", d->dp_desc);
}

static void push_flow_stats(lua_State *L, const struct of10_flow_stats *f)
{
    lua_createtable(L, 0, 11);
    set_int(L, "table_id", f->table_id);
    lof_push_match(L, &f->match);
    lua_setfield(L, -2, "match");
    set_int(L, "duration_sec", f->duration_sec);
    set_int(L, "duration_nsec", f->duration_nsec);
    set_int(L, "priority", f->priority);
    set_int(L, "idle_timeout", f->idle_timeout);
    set_int(L, "hard_timeout", f->hard_timeout);
    set_int(L, "cookie", (lua_Integer)f->cookie);
    set_int(L, "packet_count", (lua_Integer)f->packet_count);
    set_int(L, "byte_count", (lua_Integer)f->byte_count);
    lof_push_actions(L, &f->actions);
    lua_setfield(L, -2, "actions");
}

static void push_table_stats(lua_State *L, const struct of10_table_stats *t)
{
    lua_createtable(L, 0, 7);
    set_int(L, "table_id", t->table_id);
    set_str(L, "name", t->name);
    set_int(L, "wildcards", t->wildcards);
    set_int(L, "max_entries", t->max_entries);
    set_int(L, "active_count", t->active_count);
    set_int(L, "lookup_count", (lua_Integer)t->lookup_count);
    set_int(L, "matched_count", (lua_Integer)t->matched_count);
}

static void push_port_stats(lua_State *L, const struct of10_port_stats *p)
{
    lua_createtable(L, 0, 13);
    set_int(L, "port_no", p->port_no);
    set_int(L, "rx_packets", (lua_Integer)p->rx_packets);
    set_int(L, "tx_packets", (lua_Integer)p->tx_packets);
    set_int(L, "rx_bytes", (lua_Integer)p->rx_bytes);
    set_int(L, "tx_bytes", (lua_Integer)p->tx_bytes);
    set_int(L, "rx_dropped", (lua_Integer)p->rx_dropped);
    set_int(L, "tx_dropped", (lua_Integer)p->tx_dropped);
    set_int(L, "rx_errors", (lua_Integer)p->rx_errors);
    set_int(L, "tx_errors", (lua_Integer)p->tx_errors);
    set_int(L, "rx_frame_err", (lua_Integer)p->rx_frame_err);
    set_int(L, "rx_over_err", (lua_Integer)p->rx_over_err);
    set_int(L, "rx_crc_err", (lua_Integer)p->rx_crc_err);
    set_int(L, "collisions", (lua_Integer)p->collisions);
}

static void push_queue_stats(lua_State *L, const struct of10_queue_stats *q)
{
    lua_createtable(L, 0, 5);
    set_int(L, "port_no", q->port_no);
    set_int(L, "queue_id", q->queue_id);
    set_int(L, "tx_bytes", (lua_Integer)q->tx_bytes);
    set_int(L, "tx_packets", (lua_Integer)q->tx_packets);
    set_int(L, "tx_errors", (lua_Integer)q->tx_errors);
}

/* Append the entries of one part to the array on top (next index *n + 1). */
static void append_part(lua_State *L, const struct of10_stats_reply *r, lua_Integer *n)
{
    size_t i;
    switch (r->type) {
    case OFPST10_FLOW:
        for (i = 0; i < r->u.flow.n; i++) {
            push_flow_stats(L, &r->u.flow.v[i]);
            lua_rawseti(L, -2, ++*n);
        }
        break;
    case OFPST10_TABLE:
        for (i = 0; i < r->u.table.n; i++) {
            push_table_stats(L, &r->u.table.v[i]);
            lua_rawseti(L, -2, ++*n);
        }
        break;
    case OFPST10_PORT:
        for (i = 0; i < r->u.port.n; i++) {
            push_port_stats(L, &r->u.port.v[i]);
            lua_rawseti(L, -2, ++*n);
        }
        break;
    case OFPST10_QUEUE:
        for (i = 0; i < r->u.queue.n; i++) {
            push_queue_stats(L, &r->u.queue.v[i]);
            lua_rawseti(L, -2, ++*n);
        }
        break;
    default:
        break;
    }
}

void lof_push_stats(lua_State *L, const struct of10_msg *const *parts, size_t n)
{
    const struct of10_stats_reply *r0 = n ? &parts[0]->u.stats_reply : NULL;
    if (r0 && r0->type == OFPST10_DESC && r0->u.desc) {
        push_desc(L, r0->u.desc);
        return;
    }
    if (r0 && r0->type == OFPST10_AGGREGATE) {
        lua_createtable(L, 0, 3);
        set_int(L, "packet_count", (lua_Integer)r0->u.aggregate.packet_count);
        set_int(L, "byte_count", (lua_Integer)r0->u.aggregate.byte_count);
        set_int(L, "flow_count", r0->u.aggregate.flow_count);
        return;
    }
    lua_newtable(L);
    lua_Integer k = 0;
    for (size_t i = 0; i < n; i++)
        if (parts[i]->type == OFPT10_STATS_REPLY) append_part(L, &parts[i]->u.stats_reply, &k);
}
