/*
 * pkt_match.c - the OpenFlow 1.0 exact match of a parsed frame.
 *
 * Mirrors Open vSwitch: flow_extract() (lib/flow.c) fills a flow, and the
 * OF1.0 conversion keeps dl_*, nw_*, tp_* with nw_tos reduced to its DSCP
 * bits. The decisions that matter, all made by the parser's flags:
 *  - untagged: dl_vlan 0xffff, pcp 0; a tag with VID 0 is VID 0;
 *  - 802.3 frames: dl_type 0x05ff unless LLC/SNAP (OUI 0) names a type;
 *  - QinQ: the outer tag is dl_vlan, the inner TPID is dl_type (vlan-limit 1);
 *  - an IPv4 header OVS would reject leaves dl_type 0x0800 and nw_* zero;
 *  - later fragments and truncated L4 headers leave tp_* zero, nw_* stay;
 *  - ARP/RARP: nw_src/nw_dst = SPA/TPA, nw_proto = opcode when <= 0xff;
 *  - IPv6: only dl_type, since OF1.0 has no IPv6 fields (OVS would need NXM).
 * No field is wildcarded: the result is "this packet's flow".
 */
#include "pkt/pkt.h"

#include <string.h>

static void match_ip4(const struct pkt_info *pi, struct of10_match *m)
{
    m->nw_src = pi->ip_src;
    m->nw_dst = pi->ip_dst;
    m->nw_proto = pi->ip_proto;
    m->nw_tos = pi->ip_tos & 0xfc;

    switch (pi->l4) {
    case PKT_L4_TCP:
    case PKT_L4_UDP:
        m->tp_src = pi->tp_src;
        m->tp_dst = pi->tp_dst;
        break;
    case PKT_L4_ICMP:
        m->tp_src = pi->icmp_type;
        m->tp_dst = pi->icmp_code;
        break;
    default:
        break;
    }
}

static void match_arp(const struct pkt_info *pi, struct of10_match *m)
{
    m->nw_src = pi->arp_spa;
    m->nw_dst = pi->arp_tpa;
    /* OF1.0 has 8 bits for the opcode; OVS leaves larger ones at 0. */
    if (pi->arp_op <= 0xff) {
        m->nw_proto = (uint8_t)pi->arp_op;
    }
}

void pkt_to_of10_match(const struct pkt_info *pi, uint16_t in_port, struct of10_match *m)
{
    memset(m, 0, sizeof *m);
    m->wildcards = 0;
    m->in_port = in_port;
    memcpy(m->dl_src, pi->eth_src, PKT_ETH_ALEN);
    memcpy(m->dl_dst, pi->eth_dst, PKT_ETH_ALEN);
    if (pi->flags & PKT_F_VLAN) {
        m->dl_vlan = pi->vlan_tci & 0x0fff;
        m->dl_vlan_pcp = (uint8_t)(pi->vlan_tci >> 13);
    } else {
        m->dl_vlan = OFP10_VLAN_NONE;
    }
    m->dl_type = pi->eth_type;

    if (pi->l3 == PKT_L3_IPV4) {
        match_ip4(pi, m);
    } else if (pi->l3 == PKT_L3_ARP) {
        match_arp(pi, m);
    }
}
