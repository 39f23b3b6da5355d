/*
 * lof_api_pkt.c - the tables apps receive: packets (PACKET_IN parsed with
 * pkt_parse, match fields exactly as Open vSwitch extracts them), removed
 * flows, port status, errors, ports, and assembled stats replies.
 *
 * All of these run inside lof_protected(): building tables may raise a memory
 * error, which must never escape into the engine's callback.
 */
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

/* Parsed extras beyond the OpenFlow match: what apps commonly test. */
static void set_packet_extras(lua_State *L, const struct pkt_info *pi)
{
    static const char *const l3[] = {NULL, "arp", "ipv4", "ipv6"};
    static const char *const l4[] = {NULL, "tcp", "udp", "icmp", "icmpv6"};
    if (pi->l3 < 4 && l3[pi->l3]) set_str(L, "l3", l3[pi->l3]);
    if (pi->l4 < 5 && l4[pi->l4]) set_str(L, "l4", l4[pi->l4]);
    if (pi->l3 == PKT_L3_IPV4 || pi->l3 == PKT_L3_IPV6) {
        set_int(L, "ip_ttl", pi->ip_ttl);
        set_bool(L, "is_fragment", pi->is_fragment);
        set_bool(L, "is_later_fragment", pi->is_later_fragment);
    }
    if (pi->l3 == PKT_L3_ARP) set_int(L, "arp_op", pi->arp_op);
    if (pi->l4 == PKT_L4_TCP) set_int(L, "tcp_flags", pi->tcp_flags);
    if (pi->l4 == PKT_L4_ICMP || pi->l4 == PKT_L4_ICMPV6) {
        set_int(L, "icmp_type", pi->icmp_type);
        set_int(L, "icmp_code", pi->icmp_code);
    }
    set_bool(L, "truncated", (pi->flags & (PKT_F_TRUNC_L2 | PKT_F_TRUNC_L3 | PKT_F_TRUNC_L4)) != 0);
}

void lof_push_packet_in(lua_State *L, const struct of10_packet_in *in)
{
    lua_createtable(L, 0, 32);
    set_int(L, "in_port", in->in_port);
    if (in->buffer_id != OFP10_NO_BUFFER) set_int(L, "buffer_id", in->buffer_id);
    set_int(L, "total_len", in->total_len);
    set_str(L, "reason",
            in->reason == OFPR10_NO_MATCH ? "no_match"
            : in->reason == OFPR10_ACTION ? "action"
                                          : "unknown");
    set_bytes(L, "data", &in->data);

    struct pkt_info pi;
    struct of10_match m;
    if (pkt_parse(in->data.p, in->data.len, &pi) != PKT_OK) {
        /* Not even an Ethernet header: only the port is known. */
        of10_match_init_catchall(&m);
        m.wildcards &= ~(uint32_t)OFPFW10_IN_PORT;
        m.in_port = in->in_port;
        lof_push_match(L, &m);
        lua_setfield(L, -2, "match");
        return;
    }
    /* The fields that apply to this frame, as OVS extracts them; normalising
     * the exact match drops the ones that do not (tp_* of ARP...). */
    pkt_to_of10_match(&pi, in->in_port, &m);
    of10_match_normalize(&m);
    lof_set_match_fields(L, &m);
    set_packet_extras(L, &pi);
    /* pkt.match is what the switch will look up for this frame: in
     * OFPC_FRAG_NORMAL mode it zeroes the ports of every fragment. */
    if (pi.is_fragment && !(m.wildcards & OFPFW10_TP_SRC)) m.tp_src = m.tp_dst = 0;
    lof_push_match(L, &m);
    lua_setfield(L, -2, "match");
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
