/*
 * pkt_parse.c - frame bytes -> struct pkt_info.
 *
 * Each layer checks that its bytes are there before reading them and marks
 * itself present (l3/l4 kind) only when its header is complete and sane; a
 * broken layer sets a flag and stops the descent. The checks follow Open
 * vSwitch's flow extraction so that pkt_to_of10_match() sees exactly what the
 * switch saw, with one deliberate difference: a PACKET_IN is cut at
 * miss_send_len, so an IP length larger than the captured bytes is a capture
 * limit (PKT_F_CAPTURED), not a malformed packet. OVS judged the whole packet.
 */
#include "pkt/pkt.h"

#include <string.h>

#include "lib/be.h"

/* IPv6 extension headers we walk through (RFC 8200 4.1, RFC 4302). */
enum { IP6_HOPOPTS = 0, IP6_ROUTING = 43, IP6_FRAGMENT = 44, IP6_AH = 51, IP6_DSTOPTS = 60 };

static bool is_tpid(uint16_t t)
{
    return t == PKT_ETH_TYPE_VLAN || t == PKT_ETH_TYPE_QINQ;
}

/* One tag, as OVS does with its default vlan-limit of 1: an outer 0x8100 or
 * 0x88a8 tag is taken, a second one is only noted (QinQ) and its TPID
 * becomes the ethertype, so nothing behind it is mistaken for L3. A tag
 * needs 4 bytes plus the ethertype behind it; otherwise it is ignored (OVS
 * then reports the TPID as dl_type). Returns the offset of the ethertype. */
static size_t parse_vlan(struct pkt_info *pi, size_t ofs)
{
    const uint8_t *p = pi->base;

    if (pi->len - ofs < PKT_VLAN_HLEN + 2) {
        pi->flags |= PKT_F_TRUNC_L2;
        return ofs;
    }
    pi->flags |= PKT_F_VLAN;
    pi->vlan_tpid = be_get16(p + ofs);
    pi->vlan_tci = be_get16(p + ofs + 2);
    ofs += PKT_VLAN_HLEN;
    if (is_tpid(be_get16(p + ofs))) {
        pi->flags |= PKT_F_QINQ;
        if (pi->len - ofs >= PKT_VLAN_HLEN) {
            pi->inner_vlan_tci = be_get16(p + ofs + 2);
        }
    }
    return ofs;
}

/* An ethertype, or an 802.3 length followed by LLC. Only SNAP with OUI
 * 00-00-00 (RFC 1042) carries an ethertype; anything else is dl_type 0x05ff,
 * as in OVS. Returns the offset of the L3 header. */
static size_t parse_ethertype(struct pkt_info *pi, size_t ofs)
{
    static const uint8_t snap[6] = {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x00};
    const uint8_t *p = pi->base;
    uint16_t type = be_get16(p + ofs);

    ofs += 2;
    if (type >= PKT_ETH_TYPE_MIN) {
        pi->eth_type = type;
        return ofs;
    }
    pi->eth_type = PKT_ETH_TYPE_NONE;
    pi->flags |= PKT_F_802_3;
    if (pi->len - ofs < 8 || memcmp(p + ofs, snap, sizeof snap) != 0) {
        return ofs;
    }
    type = be_get16(p + ofs + 6);
    if (type < PKT_ETH_TYPE_MIN) {
        return ofs + 8;
    }
    pi->eth_type = type;
    pi->flags = (pi->flags & ~(uint32_t)PKT_F_802_3) | PKT_F_LLC_SNAP;
    return ofs + 8;
}

/* Payload bookkeeping once an L4 header of hlen bytes is accepted. */
static void set_l4(struct pkt_info *pi, uint8_t kind, size_t ofs, size_t hlen)
{
    pi->l4 = kind;
    pi->l4_len = hlen;
    pi->payload_ofs = ofs + hlen;
    pi->payload_len = pi->ip_end - pi->payload_ofs;
}

/* TCP: the whole header including options must be there (OVS pull_tcp). */
static void parse_tcp(struct pkt_info *pi, size_t ofs, size_t avail)
{
    const uint8_t *h = pi->base + ofs;
    size_t hlen;

    if (avail < PKT_TCP_HLEN) {
        pi->flags |= PKT_F_TRUNC_L4;
        return;
    }
    hlen = (size_t)(h[12] >> 4) * 4;
    if (hlen < PKT_TCP_HLEN) {
        pi->flags |= PKT_F_BAD_L4;
        return;
    }
    if (avail < hlen) {
        pi->flags |= PKT_F_TRUNC_L4;
        return;
    }
    pi->tp_src = be_get16(h);
    pi->tp_dst = be_get16(h + 2);
    pi->tcp_seq = be_get32(h + 4);
    pi->tcp_ack = be_get32(h + 8);
    pi->tcp_flags = be_get16(h + 12) & 0x1ff;
    pi->tcp_window = be_get16(h + 14);
    set_l4(pi, PKT_L4_TCP, ofs, hlen);
}

/* UDP's own length field is recorded, not enforced: OVS takes the ports of
 * any 8-byte header. */
static void parse_udp(struct pkt_info *pi, size_t ofs, size_t avail)
{
    const uint8_t *h = pi->base + ofs;

    if (avail < PKT_UDP_HLEN) {
        pi->flags |= PKT_F_TRUNC_L4;
        return;
    }
    pi->tp_src = be_get16(h);
    pi->tp_dst = be_get16(h + 2);
    pi->udp_len = be_get16(h + 4);
    set_l4(pi, PKT_L4_UDP, ofs, PKT_UDP_HLEN);
}

static void parse_icmp(struct pkt_info *pi, uint8_t kind, size_t ofs, size_t avail)
{
    if (avail < PKT_ICMP_HLEN) {
        pi->flags |= PKT_F_TRUNC_L4;
        return;
    }
    pi->icmp_type = pi->base[ofs];
    pi->icmp_code = pi->base[ofs + 1];
    set_l4(pi, kind, ofs, PKT_ICMP_HLEN);
}

/* L4 within [l4_ofs, ip_end): never into Ethernet padding. */
static void parse_l4(struct pkt_info *pi)
{
    size_t avail = pi->ip_end - pi->l4_ofs;

    switch (pi->ip_proto) {
    case PKT_IPPROTO_TCP:
        parse_tcp(pi, pi->l4_ofs, avail);
        break;
    case PKT_IPPROTO_UDP:
        parse_udp(pi, pi->l4_ofs, avail);
        break;
    case PKT_IPPROTO_ICMP:
        if (pi->l3 == PKT_L3_IPV4) {
            parse_icmp(pi, PKT_L4_ICMP, pi->l4_ofs, avail);
        }
        break;
    case PKT_IPPROTO_ICMPV6:
        if (pi->l3 == PKT_L3_IPV6) {
            parse_icmp(pi, PKT_L4_ICMPV6, pi->l4_ofs, avail);
        }
        break;
    default:
        break;
    }
}

/* Where the datagram of declared length ends within the captured bytes. */
static void set_ip_end(struct pkt_info *pi, size_t declared)
{
    size_t end = pi->l3_ofs + declared;

    if (end > pi->len) {
        pi->flags |= PKT_F_CAPTURED;
        end = pi->len;
    } else if (end < pi->len) {
        pi->flags |= PKT_F_L2_PAD;
    }
    pi->ip_end = end;
}

/* IPv4 as OVS's ipv4_sanity_check: IHL >= 5, header present, total length
 * at least the header. The version nibble is recorded but, like OVS, not
 * enforced (the ethertype already said IPv4). */
static void parse_ip4(struct pkt_info *pi)
{
    const uint8_t *h = pi->base + pi->l3_ofs;
    size_t avail = pi->len - pi->l3_ofs;
    size_t ihl;
    uint16_t frag;

    if (avail < PKT_IP4_HLEN) {
        pi->flags |= PKT_F_TRUNC_L3;
        return;
    }
    ihl = (size_t)(h[0] & 0x0f) * 4;
    if (ihl < PKT_IP4_HLEN) {
        pi->flags |= PKT_F_BAD_L3;
        return;
    }
    if (avail < ihl) {
        pi->flags |= PKT_F_TRUNC_L3;
        return;
    }
    pi->ip_tot_len = be_get16(h + 2);
    if (pi->ip_tot_len < ihl) {
        pi->flags |= PKT_F_BAD_L3;
        pi->ip_tot_len = 0;
        return;
    }
    pi->l3 = PKT_L3_IPV4;
    pi->l3_len = ihl;
    pi->l4_ofs = pi->l3_ofs + ihl;
    pi->ip_payload_len = (uint32_t)(pi->ip_tot_len - ihl);
    set_ip_end(pi, pi->ip_tot_len);

    pi->ip_version = h[0] >> 4;
    pi->ip_tos = h[1];
    pi->ip_id = be_get16(h + 4);
    frag = be_get16(h + 6);
    pi->ip_df = (frag & 0x4000) != 0;
    pi->ip_mf = (frag & 0x2000) != 0;
    pi->ip_frag_off = frag & 0x1fff;
    pi->ip_ttl = h[8];
    pi->ip_proto = h[9];
    pi->ip_src = be_get32(h + 12);
    pi->ip_dst = be_get32(h + 16);

    /* The first fragment still carries the L4 header and OVS extracts its
     * ports; only later fragments have none. */
    pi->is_fragment = pi->ip_mf || pi->ip_frag_off != 0;
    pi->is_later_fragment = pi->ip_frag_off != 0;
    if (pi->is_fragment) {
        pi->flags |= PKT_F_FRAG;
    }
    if (pi->is_later_fragment) {
        pi->flags |= PKT_F_LATER_FRAG;
        return;
    }
    parse_l4(pi);
}

/* Length of the extension header at h (2 bytes readable), by its kind. */
static size_t ip6_ext_len(uint8_t kind, const uint8_t *h)
{
    if (kind == IP6_FRAGMENT) {
        return 8;
    }
    if (kind == IP6_AH) {
        return ((size_t)h[1] + 2) * 4;
    }
    return ((size_t)h[1] + 1) * 8;
}

static bool ip6_is_ext(uint8_t nh)
{
    return nh == IP6_HOPOPTS || nh == IP6_ROUTING || nh == IP6_FRAGMENT || nh == IP6_AH ||
           nh == IP6_DSTOPTS;
}

/* Walk the extension chain from l4_ofs. Every header is bounded by the
 * datagram's captured end, and the walk stops after PKT_IP6_MAX_EXT headers,
 * so a hostile chain costs a few steps. Returns false when L4 must not be
 * parsed (broken chain or later fragment); ip_proto is then the next-header
 * value where the walk stopped. */
static bool walk_ip6_ext(struct pkt_info *pi)
{
    size_t ofs = pi->l4_ofs;
    uint8_t nh = pi->ip6_nexthdr;
    unsigned n;

    for (n = 0; ip6_is_ext(nh); n++) {
        const uint8_t *h = pi->base + ofs;
        size_t hlen;

        pi->ip_proto = nh;
        if (n == PKT_IP6_MAX_EXT || pi->ip_end - ofs < 2) {
            pi->flags |= PKT_F_IP6_EXT_BAD;
            return false;
        }
        hlen = ip6_ext_len(nh, h);
        if (pi->ip_end - ofs < hlen) {
            pi->flags |= PKT_F_IP6_EXT_BAD;
            return false;
        }
        if (nh == IP6_FRAGMENT) {
            uint16_t fo = be_get16(h + 2);
            pi->ip_frag_off = fo >> 3;
            pi->ip_mf = (fo & 1) != 0;
            pi->is_fragment = true;
            pi->is_later_fragment = pi->ip_frag_off != 0;
            pi->flags |= PKT_F_FRAG;
        }
        nh = h[0];
        ofs += hlen;
        if (pi->is_later_fragment) {
            pi->flags |= PKT_F_LATER_FRAG;
            break;
        }
    }
    pi->ip_proto = nh;
    pi->l4_ofs = ofs;
    pi->l3_len = ofs - pi->l3_ofs;
    return !pi->is_later_fragment;
}

static void parse_ip6(struct pkt_info *pi)
{
    const uint8_t *h = pi->base + pi->l3_ofs;
    uint32_t vcf;
    uint16_t plen;
    size_t ext;

    if (pi->len - pi->l3_ofs < PKT_IP6_HLEN) {
        pi->flags |= PKT_F_TRUNC_L3;
        return;
    }
    vcf = be_get32(h);
    plen = be_get16(h + 4);
    pi->l3 = PKT_L3_IPV6;
    pi->l3_len = PKT_IP6_HLEN;
    pi->l4_ofs = pi->l3_ofs + PKT_IP6_HLEN;
    pi->ip_version = (uint8_t)(vcf >> 28);
    pi->ip_tos = (uint8_t)(vcf >> 20);
    pi->ip6_flow = vcf & 0xfffff;
    pi->ip_tot_len = (uint16_t)(plen + PKT_IP6_HLEN > 0xffff ? 0xffff : plen + PKT_IP6_HLEN);
    pi->ip6_nexthdr = h[6];
    pi->ip_ttl = h[7];
    memcpy(pi->ip6_src, h + 8, 16);
    memcpy(pi->ip6_dst, h + 24, 16);
    set_ip_end(pi, (size_t)PKT_IP6_HLEN + plen);

    if (!walk_ip6_ext(pi)) {
        return;
    }
    ext = pi->l3_len - PKT_IP6_HLEN;
    pi->ip_payload_len = plen >= ext ? (uint32_t)(plen - ext) : 0;
    parse_l4(pi);
}

/* ARP/RARP for Ethernet + IPv4 only (htype 1, ptype 0x0800, 6, 4), as OVS. */
static void parse_arp(struct pkt_info *pi)
{
    const uint8_t *h = pi->base + pi->l3_ofs;

    if (pi->len - pi->l3_ofs < PKT_ARP_LEN) {
        pi->flags |= PKT_F_TRUNC_L3;
        return;
    }
    if (be_get16(h) != 1 || be_get16(h + 2) != PKT_ETH_TYPE_IP || h[4] != PKT_ETH_ALEN ||
        h[5] != 4) {
        pi->flags |= PKT_F_BAD_L3;
        return;
    }
    pi->l3 = PKT_L3_ARP;
    pi->l3_len = PKT_ARP_LEN;
    pi->arp_op = be_get16(h + 6);
    memcpy(pi->arp_sha, h + 8, PKT_ETH_ALEN);
    pi->arp_spa = be_get32(h + 14);
    memcpy(pi->arp_tha, h + 18, PKT_ETH_ALEN);
    pi->arp_tpa = be_get32(h + 24);
}

int pkt_parse(const uint8_t *p, size_t len, struct pkt_info *out)
{
    size_t ofs;

    if (!out) {
        return PKT_E_INVAL;
    }
    memset(out, 0, sizeof *out);
    if (!p && len) {
        return PKT_E_INVAL;
    }
    out->base = p;
    out->len = len;
    if (len < PKT_ETH_HLEN) {
        return PKT_E_SHORT;
    }
    memcpy(out->eth_dst, p, PKT_ETH_ALEN);
    memcpy(out->eth_src, p + PKT_ETH_ALEN, PKT_ETH_ALEN);
    ofs = 2 * PKT_ETH_ALEN;
    if (is_tpid(be_get16(p + ofs))) {
        ofs = parse_vlan(out, ofs);
    }
    out->l3_ofs = parse_ethertype(out, ofs);

    switch (out->eth_type) {
    case PKT_ETH_TYPE_IP:
        parse_ip4(out);
        break;
    case PKT_ETH_TYPE_IPV6:
        parse_ip6(out);
        break;
    case PKT_ETH_TYPE_ARP:
    case PKT_ETH_TYPE_RARP:
        parse_arp(out);
        break;
    default:
        break;
    }
    return PKT_OK;
}

const char *pkt_strerror(int err)
{
    switch (err) {
    case PKT_OK:
        return "ok";
    case PKT_E_INVAL:
        return "invalid argument";
    case PKT_E_SHORT:
        return "shorter than an Ethernet header";
    default:
        return "unknown";
    }
}
