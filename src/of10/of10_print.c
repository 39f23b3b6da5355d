/*
 * of10_print.c - one-line text for decoded OpenFlow 1.0 messages, worded like
 * ovs-ofctl's OpenFlow 1.0 output (match and action syntax are Open vSwitch's)
 * but always on a single line, so a message is one log record. Stats replies
 * and queue configuration are in of10_print_stats.c.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "of10/of10_print_int.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* ---- bounded buffer ---------------------------------------------------- */

void of10_pb_init(struct of10_pb *pb, char *buf, size_t cap)
{
    pb->buf = buf;
    pb->cap = buf ? cap : 0;
    pb->len = 0;
    if (pb->cap) buf[0] = '\0';
}

/* Copy n bytes if they fit; bytes past the end are only counted. Keeping the
 * terminator at min(len, cap - 1) after every append means a caller sees a
 * NUL-terminated (possibly truncated) string whatever happens next. */
static void pb_put(struct of10_pb *pb, const char *s, size_t n)
{
    if (pb->len < pb->cap) {
        size_t room = pb->cap - 1 - pb->len;
        size_t k = n < room ? n : room;
        memcpy(pb->buf + pb->len, s, k);
        pb->buf[pb->len + k] = '\0';
    }
    pb->len += n;
}

void of10_pb_puts(struct of10_pb *pb, const char *s) { pb_put(pb, s, strlen(s)); }

void of10_pb_printf(struct of10_pb *pb, const char *fmt, ...)
{
    /* Callers print a few numbers at a time (at most ~90 bytes, the port
     * stats triples), so a local buffer is enough; vsnprintf bounds it and
     * pb_put does the truncation. Formats are all literals in these files. */
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    pb_put(pb, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void of10_pb_escaped(struct of10_pb *pb, const char *s, size_t max)
{
    for (size_t i = 0; i < max && s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
            pb_put(pb, (const char *)&c, 1);
        } else {
            of10_pb_printf(pb, "\\x%02x", c);
        }
    }
}

void of10_pb_mac(struct of10_pb *pb, const uint8_t mac[6])
{
    of10_pb_printf(pb, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                   mac[4], mac[5]);
}

void of10_pb_ip(struct of10_pb *pb, uint32_t a)
{
    of10_pb_printf(pb, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static const char *reserved_port_name(uint16_t port)
{
    switch (port) {
    case OFPP10_IN_PORT: return "IN_PORT";
    case OFPP10_TABLE: return "TABLE";
    case OFPP10_NORMAL: return "NORMAL";
    case OFPP10_FLOOD: return "FLOOD";
    case OFPP10_ALL: return "ALL";
    case OFPP10_CONTROLLER: return "CONTROLLER";
    case OFPP10_LOCAL: return "LOCAL";
    case OFPP10_NONE: return "NONE";
    default: return NULL;
    }
}

void of10_pb_port(struct of10_pb *pb, uint16_t port)
{
    const char *name = reserved_port_name(port);
    if (name) of10_pb_puts(pb, name);
    else of10_pb_printf(pb, "%u", port);
}

void of10_pb_flags(struct of10_pb *pb, uint32_t v, const char *const *names, unsigned n)
{
    bool any = false;
    for (unsigned i = 0; i < n && i < 32; i++) {
        if (!(v & (1u << i)) || !names[i]) continue;
        if (any) of10_pb_puts(pb, "|");
        of10_pb_puts(pb, names[i]);
        v &= ~(1u << i);
        any = true;
    }
    if (v) of10_pb_printf(pb, "%s0x%" PRIx32, any ? "|" : "", v);
    else if (!any) of10_pb_puts(pb, "0");
}

static const char *const feature_names[] = {
    "10MB-HD", "10MB-FD", "100MB-HD", "100MB-FD", "1GB-HD", "1GB-FD",
    "10GB-FD", "COPPER", "FIBER", "AUTO_NEG", "AUTO_PAUSE", "AUTO_PAUSE_ASYM",
};

void of10_pb_features(struct of10_pb *pb, uint32_t f)
{
    of10_pb_flags(pb, f, feature_names, N_ELEMS(feature_names));
}

/* ---- match ------------------------------------------------------------- */

enum { ETH_IP = 0x0800, ETH_ARP = 0x0806, IPPROTO_ICMP_ = 1, IPPROTO_TCP_ = 6,
       IPPROTO_UDP_ = 17, DEFAULT_PRIORITY = 0x8000 };

/* Separator between match fields: the caller's lead before the first one
 * (so a catch-all match leaves no stray separator), ',' between the others. */
struct fields {
    const char *lead;
    bool first;
};

static void field(struct of10_pb *pb, struct fields *f, const char *name)
{
    of10_pb_puts(pb, f->first ? f->lead : ",");
    f->first = false;
    of10_pb_puts(pb, name);
}

static void nw_addr_field(struct of10_pb *pb, struct fields *fs, const char *name,
                          uint32_t addr, unsigned wild_bits)
{
    if (wild_bits >= 32) return;
    field(pb, fs, name);
    /* The address is printed as received, host bits included: the printer
     * shows the wire, normalisation is of10_match_normalize()'s business. */
    of10_pb_ip(pb, addr);
    if (wild_bits) of10_pb_printf(pb, "/%u", 32 - wild_bits);
}

void of10_pb_match(struct of10_pb *pb, const char *lead, const struct of10_match *m,
                   bool with_prio, uint16_t prio)
{
    uint32_t w = m->wildcards;
    struct fields fs = {lead, true};
    bool has_type = !(w & OFPFW10_DL_TYPE), has_proto = !(w & OFPFW10_NW_PROTO);
    bool is_ip = has_type && m->dl_type == ETH_IP;
    bool is_arp = has_type && m->dl_type == ETH_ARP;
    bool is_icmp = false;
    const char *shorthand = NULL;

    if (with_prio && prio != DEFAULT_PRIORITY) {
        field(pb, &fs, "priority=");
        of10_pb_printf(pb, "%u", prio);
    }
    /* ovs names the (dl_type, nw_proto) pairs it knows instead of spelling
     * both fields; a protocol consumed by the shorthand is not printed again. */
    if (is_ip && has_proto) {
        switch (m->nw_proto) {
        case IPPROTO_TCP_: shorthand = "tcp"; break;
        case IPPROTO_UDP_: shorthand = "udp"; break;
        case IPPROTO_ICMP_: shorthand = "icmp"; is_icmp = true; break;
        default: break;
        }
        if (shorthand) has_proto = false;
    }
    if (!shorthand && is_ip) shorthand = "ip";
    if (!shorthand && is_arp) shorthand = "arp";
    if (shorthand) field(pb, &fs, shorthand);

    if (!(w & OFPFW10_IN_PORT)) {
        field(pb, &fs, "in_port=");
        of10_pb_port(pb, m->in_port);
    }
    if (!(w & OFPFW10_DL_VLAN)) {
        field(pb, &fs, "dl_vlan=");
        /* 0xffff means "no 802.1Q header"; hex keeps it recognisable. */
        if (m->dl_vlan == OFP10_VLAN_NONE) of10_pb_puts(pb, "0xffff");
        else of10_pb_printf(pb, "%u", m->dl_vlan);
    }
    if (!(w & OFPFW10_DL_VLAN_PCP)) {
        field(pb, &fs, "dl_vlan_pcp=");
        of10_pb_printf(pb, "%u", m->dl_vlan_pcp);
    }
    if (!(w & OFPFW10_DL_SRC)) {
        field(pb, &fs, "dl_src=");
        of10_pb_mac(pb, m->dl_src);
    }
    if (!(w & OFPFW10_DL_DST)) {
        field(pb, &fs, "dl_dst=");
        of10_pb_mac(pb, m->dl_dst);
    }
    if (has_type && !shorthand) {
        field(pb, &fs, "dl_type=");
        of10_pb_printf(pb, "0x%04x", m->dl_type);
    }
    nw_addr_field(pb, &fs, is_arp ? "arp_spa=" : "nw_src=", m->nw_src,
                  of10_match_nw_src_wild_bits(m));
    nw_addr_field(pb, &fs, is_arp ? "arp_tpa=" : "nw_dst=", m->nw_dst,
                  of10_match_nw_dst_wild_bits(m));
    if (has_proto) {
        field(pb, &fs, is_arp ? "arp_op=" : "nw_proto=");
        of10_pb_printf(pb, "%u", m->nw_proto);
    }
    if (!(w & OFPFW10_NW_TOS)) {
        field(pb, &fs, "nw_tos=");
        of10_pb_printf(pb, "%u", m->nw_tos);
    }
    if (!(w & OFPFW10_TP_SRC)) {
        field(pb, &fs, is_icmp ? "icmp_type=" : "tp_src=");
        of10_pb_printf(pb, "%u", m->tp_src);
    }
    if (!(w & OFPFW10_TP_DST)) {
        field(pb, &fs, is_icmp ? "icmp_code=" : "tp_dst=");
        of10_pb_printf(pb, "%u", m->tp_dst);
    }
}

/* Catch-all prints as the empty string, as ovs-ofctl does ("ADD actions=..."). */
size_t of10_match_print(const struct of10_match *m, char *buf, size_t cap)
{
    struct of10_pb pb;
    of10_pb_init(&pb, buf, cap);
    of10_pb_match(&pb, "", m, false, 0);
    return pb.len;
}

/* ---- actions ----------------------------------------------------------- */

static void pb_output(struct of10_pb *pb, uint16_t port, uint16_t max_len)
{
    /* ovs: reserved ports are actions of their own name; only CONTROLLER
     * carries max_len; NONE and unnamed numbers are spelled output:X. */
    const char *name = reserved_port_name(port);
    if (port == OFPP10_CONTROLLER) of10_pb_printf(pb, "CONTROLLER:%u", max_len);
    else if (name && port != OFPP10_NONE) of10_pb_puts(pb, name);
    else {
        of10_pb_puts(pb, "output:");
        of10_pb_port(pb, port);
    }
}

static void pb_action(struct of10_pb *pb, const struct of10_action *a)
{
    switch (a->type) {
    case OFPAT10_OUTPUT: pb_output(pb, a->u.output.port, a->u.output.max_len); break;
    case OFPAT10_SET_VLAN_VID: of10_pb_printf(pb, "mod_vlan_vid:%u", a->u.vlan_vid); break;
    case OFPAT10_SET_VLAN_PCP: of10_pb_printf(pb, "mod_vlan_pcp:%u", a->u.vlan_pcp); break;
    case OFPAT10_STRIP_VLAN: of10_pb_puts(pb, "strip_vlan"); break;
    case OFPAT10_SET_DL_SRC:
    case OFPAT10_SET_DL_DST:
        of10_pb_puts(pb, a->type == OFPAT10_SET_DL_SRC ? "mod_dl_src:" : "mod_dl_dst:");
        of10_pb_mac(pb, a->u.dl_addr);
        break;
    case OFPAT10_SET_NW_SRC:
    case OFPAT10_SET_NW_DST:
        of10_pb_puts(pb, a->type == OFPAT10_SET_NW_SRC ? "mod_nw_src:" : "mod_nw_dst:");
        of10_pb_ip(pb, a->u.nw_addr);
        break;
    case OFPAT10_SET_NW_TOS: of10_pb_printf(pb, "mod_nw_tos:%u", a->u.nw_tos); break;
    case OFPAT10_SET_TP_SRC: of10_pb_printf(pb, "mod_tp_src:%u", a->u.tp_port); break;
    case OFPAT10_SET_TP_DST: of10_pb_printf(pb, "mod_tp_dst:%u", a->u.tp_port); break;
    case OFPAT10_ENQUEUE:
        of10_pb_puts(pb, "enqueue:");
        of10_pb_port(pb, a->u.enqueue.port);
        of10_pb_printf(pb, ":%" PRIu32, a->u.enqueue.queue_id);
        break;
    case OFPAT10_VENDOR:
        /* Vendor bodies are opaque to us: name the vendor, summarise by size.
         * No commas, so the action list stays splittable on ','. */
        of10_pb_printf(pb, "vendor:0x%08" PRIx32 ":len=%u", a->u.vendor.vendor, a->len);
        break;
    default: of10_pb_printf(pb, "unknown:type=%u:len=%u", a->type, a->len); break;
    }
}

void of10_pb_actions(struct of10_pb *pb, const struct of10_actions *a)
{
    size_t n = a->v ? a->n : 0;
    if (!n) {
        of10_pb_puts(pb, "drop"); /* ovs spelling of the empty list */
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (i) of10_pb_puts(pb, ",");
        pb_action(pb, &a->v[i]);
    }
}

size_t of10_actions_print(const struct of10_actions *a, char *buf, size_t cap)
{
    struct of10_pb pb;
    of10_pb_init(&pb, buf, cap);
    of10_pb_actions(&pb, a);
    return pb.len;
}

/* ---- messages ---------------------------------------------------------- */

static const char *const capability_names[] = {
    "FLOW_STATS", "TABLE_STATS", "PORT_STATS", "STP", "RESERVED", "IP_REASM",
    "QUEUE_STATS", "ARP_MATCH_IP",
};
static const char *const action_bit_names[] = {
    "OUTPUT", "SET_VLAN_VID", "SET_VLAN_PCP", "STRIP_VLAN", "SET_DL_SRC", "SET_DL_DST",
    "SET_NW_SRC", "SET_NW_DST", "SET_NW_TOS", "SET_TP_SRC", "SET_TP_DST", "ENQUEUE",
};
static const char *const port_config_names[] = {
    "PORT_DOWN", "NO_STP", "NO_RECV", "NO_RECV_STP", "NO_FLOOD", "NO_FWD", "NO_PACKET_IN",
};
static const char *const flow_mod_flag_names[] = {"send_flow_rem", "check_overlap", "emerg"};

static void pb_bytes(struct of10_pb *pb, const char *key, const struct of10_bytes *b)
{
    of10_pb_printf(pb, " %s=%zu", key, b->p ? b->len : (size_t)0);
}

static void pb_port_state(struct of10_pb *pb, uint32_t state)
{
    /* The STP state is a 2-bit field, not flags; LISTEN is its zero value
     * and so, like in ovs, indistinguishable from "no STP" and not shown. */
    static const char *const stp[] = {NULL, "STP_LEARN", "STP_FORWARD", "STP_BLOCK"};
    const char *s = stp[(state & OFPPS10_STP_MASK) >> 8];
    uint32_t rest = state & ~(uint32_t)(OFPPS10_STP_MASK | OFPPS10_LINK_DOWN);
    bool any = false;
    if (state & OFPPS10_LINK_DOWN) {
        of10_pb_puts(pb, "LINK_DOWN");
        any = true;
    }
    if (s) {
        of10_pb_printf(pb, "%s%s", any ? "|" : "", s);
        any = true;
    }
    if (rest) of10_pb_printf(pb, "%s0x%" PRIx32, any ? "|" : "", rest);
    else if (!any) of10_pb_puts(pb, "0");
}

static void pb_phy_port(struct of10_pb *pb, const struct of10_phy_port *p)
{
    of10_pb_port(pb, p->port_no);
    of10_pb_puts(pb, "(");
    of10_pb_escaped(pb, p->name, sizeof p->name);
    of10_pb_puts(pb, "): addr=");
    of10_pb_mac(pb, p->hw_addr);
    of10_pb_puts(pb, " config=");
    of10_pb_flags(pb, p->config, port_config_names, N_ELEMS(port_config_names));
    of10_pb_puts(pb, " state=");
    pb_port_state(pb, p->state);
    /* Feature sets that are zero carry no information (ovs omits them too). */
    const struct { const char *key; uint32_t v; } f[] = {
        {" current=", p->curr}, {" advertised=", p->advertised},
        {" supported=", p->supported}, {" peer=", p->peer},
    };
    for (size_t i = 0; i < N_ELEMS(f); i++) {
        if (!f[i].v) continue;
        of10_pb_puts(pb, f[i].key);
        of10_pb_features(pb, f[i].v);
    }
}

static void pb_hello(struct of10_pb *pb, const struct of10_msg *m)
{
    if (m->u.hello.p && m->u.hello.len) pb_bytes(pb, "body_len", &m->u.hello);
}

static void pb_error(struct of10_pb *pb, const struct of10_error_msg *e)
{
    /* Known (type, code) pairs by their spec names; anything else as numbers
     * (OF10_ERR() is only meaningful for the six OpenFlow 1.0 types). */
    const char *name = e->type <= OFPET10_QUEUE_OP_FAILED
                           ? of10_err_name(OF10_ERR(e->type, e->code)) : "UNKNOWN";
    if (strcmp(name, "UNKNOWN") != 0) of10_pb_printf(pb, " %s", name);
    else of10_pb_printf(pb, " type=%u code=%u", e->type, e->code);
    pb_bytes(pb, "data_len", &e->data);
}

static void pb_features(struct of10_pb *pb, const struct of10_features *f)
{
    of10_pb_printf(pb, " dpid=%016" PRIx64 " n_tables=%u n_buffers=%" PRIu32, f->datapath_id,
                   f->n_tables, f->n_buffers);
    of10_pb_puts(pb, " capabilities=");
    of10_pb_flags(pb, f->capabilities, capability_names, N_ELEMS(capability_names));
    of10_pb_puts(pb, " actions=");
    of10_pb_flags(pb, f->actions, action_bit_names, N_ELEMS(action_bit_names));
    size_t n = f->ports ? f->n_ports : 0;
    of10_pb_printf(pb, " ports=%zu", n);
    for (size_t i = 0; i < n; i++) {
        of10_pb_puts(pb, " [");
        pb_phy_port(pb, &f->ports[i]);
        of10_pb_puts(pb, "]");
    }
}

static void pb_config(struct of10_pb *pb, const struct of10_switch_config *c)
{
    static const char *const frags[] = {"normal", "drop", "reassemble", "0x3"};
    of10_pb_printf(pb, " frags=%s", frags[c->flags & OFPC10_FRAG_MASK]);
    if (c->flags & ~OFPC10_FRAG_MASK) of10_pb_printf(pb, " flags=0x%04x", c->flags);
    of10_pb_printf(pb, " miss_send_len=%u", c->miss_send_len);
}

static void pb_buffer(struct of10_pb *pb, uint32_t buffer_id)
{
    if (buffer_id == OFP10_NO_BUFFER) of10_pb_puts(pb, " buffer=none");
    else of10_pb_printf(pb, " buffer=0x%08" PRIx32, buffer_id);
}

static void pb_packet_in(struct of10_pb *pb, const struct of10_packet_in *p)
{
    static const char *const reasons[] = {"no_match", "action"};
    of10_pb_printf(pb, " total_len=%u in_port=", p->total_len);
    of10_pb_port(pb, p->in_port);
    if (p->reason < N_ELEMS(reasons)) of10_pb_printf(pb, " reason=%s", reasons[p->reason]);
    else of10_pb_printf(pb, " reason=%u", p->reason);
    pb_bytes(pb, "data_len", &p->data);
    pb_buffer(pb, p->buffer_id);
}

static void pb_duration(struct of10_pb *pb, uint32_t sec, uint32_t nsec)
{
    /* Full nanoseconds: exact for any value, including an invalid >= 1e9. */
    of10_pb_printf(pb, " duration=%" PRIu32 ".%09" PRIu32 "s", sec, nsec);
}

static void pb_flow_removed(struct of10_pb *pb, const struct of10_flow_removed *r)
{
    static const char *const reasons[] = {"idle", "hard", "delete"};
    of10_pb_match(pb, " ", &r->match, true, r->priority);
    if (r->reason < N_ELEMS(reasons)) of10_pb_printf(pb, " reason=%s", reasons[r->reason]);
    else of10_pb_printf(pb, " reason=%u", r->reason);
    if (r->cookie) of10_pb_printf(pb, " cookie=0x%" PRIx64, r->cookie);
    pb_duration(pb, r->duration_sec, r->duration_nsec);
    of10_pb_printf(pb, " idle_timeout=%u n_packets=%" PRIu64 " n_bytes=%" PRIu64,
                   r->idle_timeout, r->packet_count, r->byte_count);
}

static void pb_port_status(struct of10_pb *pb, const struct of10_port_status *s)
{
    static const char *const reasons[] = {"ADD", "DELETE", "MODIFY"};
    if (s->reason < N_ELEMS(reasons)) of10_pb_printf(pb, " %s ", reasons[s->reason]);
    else of10_pb_printf(pb, " reason=%u ", s->reason);
    pb_phy_port(pb, &s->desc);
}

static void pb_packet_out(struct of10_pb *pb, const struct of10_packet_out *p)
{
    of10_pb_puts(pb, " in_port=");
    of10_pb_port(pb, p->in_port);
    of10_pb_puts(pb, " actions=");
    of10_pb_actions(pb, &p->actions);
    pb_buffer(pb, p->buffer_id);
    if (p->data.p && p->data.len) pb_bytes(pb, "data_len", &p->data);
}

static void pb_flow_mod(struct of10_pb *pb, const struct of10_flow_mod *f)
{
    static const char *const cmds[] = {"ADD", "MOD", "MOD_STRICT", "DEL", "DEL_STRICT"};
    if (f->command < N_ELEMS(cmds)) of10_pb_printf(pb, " %s", cmds[f->command]);
    else of10_pb_printf(pb, " cmd=%u", f->command);
    of10_pb_match(pb, " ", &f->match, true, f->priority);
    if (f->idle_timeout) of10_pb_printf(pb, " idle_timeout=%u", f->idle_timeout);
    if (f->hard_timeout) of10_pb_printf(pb, " hard_timeout=%u", f->hard_timeout);
    if (f->cookie) of10_pb_printf(pb, " cookie=0x%" PRIx64, f->cookie);
    if (f->buffer_id != OFP10_NO_BUFFER) pb_buffer(pb, f->buffer_id);
    if (f->out_port != OFPP10_NONE) {
        of10_pb_puts(pb, " out_port=");
        of10_pb_port(pb, f->out_port);
    }
    if (f->flags) {
        of10_pb_puts(pb, " flags=");
        of10_pb_flags(pb, f->flags, flow_mod_flag_names, N_ELEMS(flow_mod_flag_names));
    }
    of10_pb_puts(pb, " actions=");
    of10_pb_actions(pb, &f->actions);
}

static void pb_port_mod(struct of10_pb *pb, const struct of10_port_mod *p)
{
    of10_pb_puts(pb, " port=");
    of10_pb_port(pb, p->port_no);
    of10_pb_puts(pb, " addr=");
    of10_pb_mac(pb, p->hw_addr);
    of10_pb_puts(pb, " config=");
    of10_pb_flags(pb, p->config, port_config_names, N_ELEMS(port_config_names));
    of10_pb_puts(pb, " mask=");
    of10_pb_flags(pb, p->mask, port_config_names, N_ELEMS(port_config_names));
    of10_pb_puts(pb, " advertise=");
    if (p->advertise) of10_pb_features(pb, p->advertise);
    else of10_pb_puts(pb, "UNCHANGED"); /* spec: all zero leaves it as it is */
}

static void pb_body(struct of10_pb *pb, const struct of10_msg *m)
{
    switch (m->type) {
    case OFPT10_HELLO: pb_hello(pb, m); break;
    case OFPT10_ERROR: pb_error(pb, &m->u.error); break;
    case OFPT10_ECHO_REQUEST:
    case OFPT10_ECHO_REPLY: pb_bytes(pb, "data_len", &m->u.echo); break;
    case OFPT10_VENDOR:
        of10_pb_printf(pb, " vendor=0x%08" PRIx32, m->u.vendor.vendor);
        pb_bytes(pb, "data_len", &m->u.vendor.data);
        break;
    case OFPT10_FEATURES_REPLY: pb_features(pb, &m->u.features); break;
    case OFPT10_GET_CONFIG_REPLY:
    case OFPT10_SET_CONFIG: pb_config(pb, &m->u.config); break;
    case OFPT10_PACKET_IN: pb_packet_in(pb, &m->u.packet_in); break;
    case OFPT10_FLOW_REMOVED: pb_flow_removed(pb, &m->u.flow_removed); break;
    case OFPT10_PORT_STATUS: pb_port_status(pb, &m->u.port_status); break;
    case OFPT10_PACKET_OUT: pb_packet_out(pb, &m->u.packet_out); break;
    case OFPT10_FLOW_MOD: pb_flow_mod(pb, &m->u.flow_mod); break;
    case OFPT10_PORT_MOD: pb_port_mod(pb, &m->u.port_mod); break;
    case OFPT10_STATS_REQUEST: of10_pb_stats_request(pb, &m->u.stats_request); break;
    case OFPT10_STATS_REPLY: of10_pb_stats_reply(pb, &m->u.stats_reply); break;
    case OFPT10_QUEUE_GET_CONFIG_REQUEST:
        of10_pb_puts(pb, " port=");
        of10_pb_port(pb, m->u.queue_get_config_request);
        break;
    case OFPT10_QUEUE_GET_CONFIG_REPLY:
        of10_pb_queue_config_reply(pb, &m->u.queue_get_config_reply);
        break;
    default: break; /* FEATURES/GET_CONFIG/BARRIER requests and replies: no body */
    }
}

size_t of10_print(const struct of10_msg *m, char *buf, size_t cap)
{
    struct of10_pb pb;
    of10_pb_init(&pb, buf, cap);
    /* Stats messages are named by their kind, as ovs does: "OFPST_FLOW reply". */
    if (m->type == OFPT10_STATS_REQUEST || m->type == OFPT10_STATS_REPLY) {
        uint16_t st = m->type == OFPT10_STATS_REQUEST ? m->u.stats_request.type
                                                      : m->u.stats_reply.type;
        const char *name = of10_stats_type_name(st);
        if (strcmp(name, "UNKNOWN") != 0) of10_pb_puts(&pb, name);
        else of10_pb_printf(&pb, "OFPST_UNKNOWN(%u)", st);
        of10_pb_puts(&pb, m->type == OFPT10_STATS_REQUEST ? " request" : " reply");
    } else if (m->type < OFPT10_N_TYPES) {
        of10_pb_puts(&pb, of10_type_name(m->type));
    } else {
        of10_pb_printf(&pb, "OFPT_UNKNOWN(%u)", m->type);
    }
    /* Only a HELLO can legitimately carry another version; ovs marks it so. */
    if (m->version != OFP10_VERSION) {
        if (m->version >= 1 && m->version <= 6) of10_pb_printf(&pb, " (OF1.%u)", m->version - 1);
        else of10_pb_printf(&pb, " (OF 0x%02x)", m->version);
    }
    of10_pb_printf(&pb, " (xid=0x%" PRIx32 "):", m->xid);
    pb_body(&pb, m);
    return pb.len;
}
