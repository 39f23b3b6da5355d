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
 * dl_src, dl_dst, in_port, buffer_id, match), so the table is made with its
 * first few fields (in_port, buffer_id, total_len, reason) and computes the
 * others when they are read, from a copy of the frame and its parse kept in
 * a userdata. It is still a plain table to every reader:
 *
 * - pkt.f goes through __index, which computes the value each time (nothing
 *   is stored: the lazy fields stay absent, so every write of one, and of
 *   any new key, meets __newindex); pkt.match is made once and kept, so it
 *   is always the same table;
 * - a write (__newindex), and anything that reads the table raw (next, pairs,
 *   rawget/rawset/rawlen, getmetatable/setmetatable, which the sandbox wraps,
 *   and the host's own C readers: save/restore, the flow_mod parsers) first
 *   "settles" it through the metatable's __vf_settle: every field is stored,
 *   in the order and into a table of the size the eager code used (so even
 *   pairs() visits the fields in the same order), and the metatable goes.
 *   From then on it is the plain table it always stood for.
 *
 * pkt.match is lazy the same way, with the same metatable (the whole of it:
 * an empty table), and has one more use: while it is untouched (still lazy),
 * flow_mod takes the match straight from the C copy instead of parsing the
 * table (lof_conv.c). The metatable, which scripts never see (getmetatable
 * settles first):
 *   __index      a closure made with the packet (upvalues: the registry array
 *                below, the name pointers, the userdata, the packet table)
 *   __newindex, __vf_settle   shared functions
 *   [1]  the userdata (struct lpkt)
 *   [2]  pkt.match, once made
 *   [3]  light userdata: &lpkt.mm, set together with [2]
 *
 * Field names (and the few string values) are interned once per state and
 * kept in a registry array with the shared functions: no lua_setfield with C
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
 * below) and the shared metatable functions. */
enum { PC_PTRS = PK_N + 1, PC_NEWINDEX, PC_SETTLE };
/* The metatables' integer keys. */
enum { MT_UD = 1, MT_MATCH = 2, MT_MATCH_C = 3 };

/* What a packet table is computed from. */
struct lpkt {
    bool parsed; /* at least an Ethernet header: the fields below apply */
    bool truncated, is_fragment, is_later_fragment;
    uint8_t l3, l4, ip_ttl, icmp_type, icmp_code;
    uint16_t arp_op, tcp_flags;
    struct of10_match m;  /* the packet's own fields */
    struct of10_match mm; /* pkt.match: fragments have tp_src = tp_dst = 0 */
    size_t len;
    uint8_t data[]; /* the frame as received */
};

static const char pk_tag; /* its address keys the array in the registry */

static int pkt_index(lua_State *L);
static int pkt_newindex(lua_State *L);
static int pkt_settle(lua_State *L);

/* Push the registry array (made on the first packet of a state). The field
 * names are short strings, which Lua interns: while this array keeps them,
 * any string equal to one is that very object, so a key is recognised by
 * comparing pointers (PC_PTRS: the names' addresses by id). */
static int push_pk_cache(lua_State *L)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &pk_tag) == LUA_TTABLE) return lua_gettop(L);
    lua_pop(L, 1);
    lua_createtable(L, PC_SETTLE, 0);
    int c = lua_gettop(L);
    const char **ptrs = lua_newuserdatauv(L, PK_FIELDS * sizeof *ptrs, 0);
    lua_rawseti(L, c, PC_PTRS);
    for (int i = 0; i < PK_N; i++) {
        const char *s = lua_pushstring(L, pk_names[i]);
        if (i < PK_FIELDS) ptrs[i] = s;
        lua_rawseti(L, c, i + 1);
    }
    static const lua_CFunction fns[] = {pkt_newindex, pkt_settle};
    for (int i = 0; i < 2; i++) {
        lua_pushvalue(L, c);
        lua_rawgeti(L, c, PC_PTRS);
        lua_pushcclosure(L, fns[i], 2); /* upvalues: this array, the pointers */
        lua_rawseti(L, c, PC_NEWINDEX + i);
    }
    lua_pushvalue(L, c);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &pk_tag);
    return c;
}

/* In the metatable functions (upvalue 1: the registry array, 2: the name
 * pointers): the field id of the key at k, or -1. */
static int field_id(lua_State *L, int k)
{
    if (lua_type(L, k) != LUA_TSTRING) return -1;
    const char *s = lua_tostring(L, k);
    const char *const *ptrs = lua_touserdata(L, lua_upvalueindex(2));
    for (int i = 0; i < PK_FIELDS; i++)
        if (ptrs[i] == s) return i;
    return -1;
}

static void push_name(lua_State *L, int id)
{
    lua_rawgeti(L, lua_upvalueindex(1), id + 1);
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

/* Set one of the shared functions (cache slot fn) as key id of the table on
 * top. */
static void set_fn(lua_State *L, int c, int id, int fn)
{
    lua_rawgeti(L, c, id + 1);
    lua_rawgeti(L, c, fn);
    lua_rawset(L, -3);
}

/* Push pkt.match (made on first use, then kept in the metatable mt, so it is
 * always the same table; it shares the metatable). */
static void push_match(lua_State *L, int mt, struct lpkt *p)
{
    if (lua_rawgeti(L, mt, MT_MATCH) == LUA_TTABLE) return;
    lua_pop(L, 1);
    lua_createtable(L, 0, 12); /* the size the settled match needs */
    lua_pushvalue(L, mt);
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_rawseti(L, mt, MT_MATCH);
    lua_pushlightuserdata(L, &p->mm);
    lua_rawseti(L, mt, MT_MATCH_C);
}

/* Push lazy field id (PK_DATA and after) of the packet: 0 when the packet
 * has none. mt is the packet's metatable, c the registry array. */
static int pkt_value(lua_State *L, int c, int mt, struct lpkt *p, int id)
{
    switch (id) {
    case PK_DATA:
        lua_pushlstring(L, (const char *)p->data, p->len);
        return 1;
    case PK_MATCH:
        push_match(L, mt, p);
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

/* The metatable's __index(t, k), for the packet and its match: a closure
 * made with the packet, its upvalues the registry array, the name pointers,
 * the userdata and the packet, so a read of the packet costs no table lookup
 * but the value's own. */
static int pkt_index(lua_State *L)
{
    int id = field_id(L, 2);
    struct lpkt *p = lua_touserdata(L, lua_upvalueindex(3));
    if (lua_topointer(L, 1) != lua_topointer(L, lua_upvalueindex(4))) /* pkt.match */
        return id < 0 ? 0 : match_value(L, &p->mm, id);
    if (id < PK_DATA) return 0; /* not a field, or a stored one the app removed */
    int mt = 0;
    if (id == PK_MATCH) {
        if (!lua_getmetatable(L, 1)) return 0; /* cannot be: settled tables have none */
        mt = lua_gettop(L);
    }
    return pkt_value(L, lua_upvalueindex(1), mt, p, id);
}

/* The userdata behind the lazy table at 1, its metatable pushed, and whether
 * the table is pkt.match; NULL (nothing pushed) when it has been settled. */
static struct lpkt *lazy_ud(lua_State *L, bool *is_match)
{
    if (!lua_getmetatable(L, 1)) return NULL;
    lua_rawgeti(L, -1, MT_UD);
    struct lpkt *p = lua_touserdata(L, -1);
    lua_pop(L, 1);
    lua_rawgeti(L, -1, MT_MATCH);
    *is_match = lua_rawequal(L, -1, 1);
    lua_pop(L, 1);
    return p;
}

/* Store field id into the table at 1 (a settle: the key is absent). */
static void settle_field(lua_State *L, int mt, struct lpkt *p, bool is_match, int id)
{
    push_name(L, id);
    if (is_match ? match_value(L, &p->mm, id) : pkt_value(L, lua_upvalueindex(1), mt, p, id))
        lua_rawset(L, 1);
    else
        lua_pop(L, 1);
}

/* Store every field of the lazy table at 1 and drop its metatable. The order
 * is the one the tables were always built in, continued after the fields a
 * packet is made with (in_port was set twice there: the packet's, then the
 * match's, the same value; only the first counts for the layout). */
static void settle(lua_State *L)
{
    bool is_match;
    struct lpkt *p = lazy_ud(L, &is_match);
    if (!p) return;
    int mt = lua_gettop(L);
    luaL_checkstack(L, 8, "settle");
    if (is_match)
        settle_field(L, mt, p, true, PK_IN_PORT);
    else /* in_port, buffer_id, total_len, reason are stored from the start */
        settle_field(L, mt, p, false, PK_DATA);
    for (int id = PK_DL_SRC; id <= (is_match ? PK_TP_DST : PK_TRUNCATED); id++)
        settle_field(L, mt, p, is_match, id);
    if (!is_match) settle_field(L, mt, p, false, PK_MATCH);
    lua_pushnil(L);
    lua_setmetatable(L, 1);
    lua_settop(L, mt - 1);
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
    lua_createtable(L, 0, 32); /* the packet, at the size it has once settled */
    /* The first fields of the order the packet was always built in are
     * stored at once: read often (l2_learning: in_port thrice), and cheap.
     * The writes an app may make to them touch nothing lazy. */
    pk_int(L, c, PK_IN_PORT, in->in_port);
    if (in->buffer_id != OFP10_NO_BUFFER) pk_int(L, c, PK_BUFFER_ID, in->buffer_id);
    pk_int(L, c, PK_TOTAL_LEN, in->total_len);
    lua_rawgeti(L, c, PK_REASON + 1);
    lua_rawgeti(L, c,
                1 + (in->reason == OFPR10_NO_MATCH ? PV_NO_MATCH
                     : in->reason == OFPR10_ACTION ? PV_ACTION
                                                   : PV_UNKNOWN));
    lua_rawset(L, -3);
    lua_createtable(L, 3, 3); /* its metatable, and pkt.match's: [1..3], 3 names */
    int mt = lua_gettop(L);
    set_fn(L, c, PM_NEWINDEX, PC_NEWINDEX);
    set_fn(L, c, PM_SETTLE, PC_SETTLE);
    lua_rawgeti(L, c, PM_INDEX + 1);
    lua_pushvalue(L, c);
    lua_rawgeti(L, c, PC_PTRS);
    struct lpkt *p = lua_newuserdatauv(L, sizeof *p + len, 0);
    lua_pushvalue(L, -1);
    lua_rawseti(L, mt, MT_UD);
    lua_pushvalue(L, mt - 1);
    lua_pushcclosure(L, pkt_index, 4);
    lua_rawset(L, mt);
    memset(p, 0, sizeof *p);
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
    }
    lua_setmetatable(L, mt - 1);
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
