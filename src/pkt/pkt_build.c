/*
 * pkt_build.c - frames a controller sends back: ARP reply, TCP RST, ICMP
 * destination unreachable.
 *
 * Each builder first decides whether the input may be answered at all (the
 * RFCs forbid answering broadcasts, errors, later fragments...), then checks
 * the whole length against cap, then writes front to back. Nothing is written
 * when 0 is returned.
 */
#include "pkt/pkt.h"

#include <string.h>

#include "lib/be.h"

enum { ARP_OP_REQUEST = 1, ARP_OP_REPLY = 2 };
enum { ICMP_UNREACH = 3, ICMP_UNREACH_NEEDFRAG = 4, ICMP_UNREACH_MAX_CODE = 15 };
enum { IP4_DEFAULT_TTL = 64, IP4_TOS_INTERNETWORK_CONTROL = 0xc0 };

/* L2 header length of the answer: the original's tag is copied. */
static size_t eth_len(const struct pkt_info *pi)
{
    return PKT_ETH_HLEN + ((pi->flags & PKT_F_VLAN) ? PKT_VLAN_HLEN : 0);
}

/* Ethernet (+ tag) header; returns the bytes written (eth_len()). */
static size_t put_eth(uint8_t *b, const struct pkt_info *pi, const uint8_t *dst, const uint8_t *src,
                      uint16_t type)
{
    size_t n = 2 * PKT_ETH_ALEN;

    memcpy(b, dst, PKT_ETH_ALEN);
    memcpy(b + PKT_ETH_ALEN, src, PKT_ETH_ALEN);
    if (pi->flags & PKT_F_VLAN) {
        be_put16(b + n, pi->vlan_tpid);
        be_put16(b + n + 2, pi->vlan_tci);
        n += PKT_VLAN_HLEN;
    }
    be_put16(b + n, type);
    return n + 2;
}

/* 20-byte IPv4 header without options, checksum filled in. */
static void put_ip4(uint8_t *h, uint8_t tos, uint16_t tot_len, uint8_t proto, uint32_t src,
                    uint32_t dst)
{
    h[0] = 0x45;
    h[1] = tos;
    be_put16(h + 2, tot_len);
    be_put32(h + 4, 0); /* id 0, no flags: small answers are never fragmented */
    h[8] = IP4_DEFAULT_TTL;
    h[9] = proto;
    be_put16(h + 10, 0);
    be_put32(h + 12, src);
    be_put32(h + 16, dst);
    be_put16(h + 10, pkt_csum(h, PKT_IP4_HLEN));
}

static bool eth_is_group(const uint8_t *mac)
{
    return (mac[0] & 1) != 0;
}

/* 0/8, 127/8, 224/4 multicast, 240/4 reserved and the limited broadcast:
 * none of these is a single host one may send an answer to. Directed
 * broadcasts cannot be told apart without the subnet; the link-layer check
 * usually catches them. */
static bool ip4_is_host(uint32_t a)
{
    uint8_t top = (uint8_t)(a >> 24);
    return top != 0 && top != 127 && top < 224;
}

/* RFC 1122 4.2.3.10 / RFC 1812 4.3.2.7: answer only unicast traffic from
 * and to a unicast host. */
static bool ip4_answerable(const struct pkt_info *pi)
{
    return pi->l3 == PKT_L3_IPV4 && !eth_is_group(pi->eth_dst) && !eth_is_group(pi->eth_src) &&
           ip4_is_host(pi->ip_src) && ip4_is_host(pi->ip_dst);
}

size_t pkt_build_arp_reply(const struct pkt_info *req, const uint8_t mac[PKT_ETH_ALEN],
                           uint8_t *buf, size_t cap)
{
    size_t len = eth_len(req) + PKT_ARP_LEN;
    uint8_t *a;

    if (req->l3 != PKT_L3_ARP || req->eth_type != PKT_ETH_TYPE_ARP ||
        req->arp_op != ARP_OP_REQUEST || eth_is_group(req->eth_src) || cap < len) {
        return 0;
    }
    a = buf + put_eth(buf, req, req->eth_src, mac, PKT_ETH_TYPE_ARP);
    be_put16(a, 1);
    be_put16(a + 2, PKT_ETH_TYPE_IP);
    a[4] = PKT_ETH_ALEN;
    a[5] = 4;
    be_put16(a + 6, ARP_OP_REPLY);
    memcpy(a + 8, mac, PKT_ETH_ALEN);
    be_put32(a + 14, req->arp_tpa);
    memcpy(a + 18, req->arp_sha, PKT_ETH_ALEN);
    be_put32(a + 24, req->arp_spa);
    return len;
}

/* RFC 793 p. 65: SEG.LEN counts data octets plus SYN and FIN. The data
 * length comes from the IP header, not from what was captured. */
static uint32_t tcp_seg_len(const struct pkt_info *seg)
{
    uint32_t n =
        seg->ip_payload_len > seg->l4_len ? seg->ip_payload_len - (uint32_t)seg->l4_len : 0;
    if (seg->tcp_flags & PKT_TCP_SYN) {
        n++;
    }
    if (seg->tcp_flags & PKT_TCP_FIN) {
        n++;
    }
    return n;
}

size_t pkt_build_tcp_rst(const struct pkt_info *seg, uint8_t *buf, size_t cap)
{
    size_t l2 = eth_len(seg);
    size_t len = l2 + PKT_IP4_HLEN + PKT_TCP_HLEN;
    uint8_t *ip, *t;

    if (!ip4_answerable(seg) || seg->l4 != PKT_L4_TCP || (seg->tcp_flags & PKT_TCP_RST) ||
        cap < len) {
        return 0;
    }
    put_eth(buf, seg, seg->eth_src, seg->eth_dst, PKT_ETH_TYPE_IP);
    ip = buf + l2;
    put_ip4(ip, 0, PKT_IP4_HLEN + PKT_TCP_HLEN, PKT_IPPROTO_TCP, seg->ip_dst, seg->ip_src);

    t = ip + PKT_IP4_HLEN;
    memset(t, 0, PKT_TCP_HLEN);
    be_put16(t, seg->tp_dst);
    be_put16(t + 2, seg->tp_src);
    if (seg->tcp_flags & PKT_TCP_ACK) {
        /* <SEQ=SEG.ACK><CTL=RST> */
        be_put32(t + 4, seg->tcp_ack);
        t[13] = PKT_TCP_RST;
    } else {
        /* <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> */
        be_put32(t + 8, seg->tcp_seq + tcp_seg_len(seg));
        t[13] = PKT_TCP_RST | PKT_TCP_ACK;
    }
    t[12] = (PKT_TCP_HLEN / 4) << 4;
    be_put16(t + 16, pkt_csum_l4_ip4(seg->ip_dst, seg->ip_src, PKT_IPPROTO_TCP, t, PKT_TCP_HLEN));
    return len;
}

/* ICMP types that are queries or replies, not errors. An error about an
 * error could loop between two routers; anything not known to be a query
 * (including ICMP whose header was not captured) is treated as an error. */
static bool icmp_may_answer(const struct pkt_info *pi)
{
    if (pi->ip_proto != PKT_IPPROTO_ICMP) {
        return true;
    }
    if (pi->l4 != PKT_L4_ICMP) {
        return false;
    }
    /* echo reply/request 0/8, router advertisement/solicitation 9/10,
     * timestamp 13/14, information 15/16, address mask 17/18 */
    static const uint32_t queries = 1u << 0 | 1u << 8 | 1u << 9 | 1u << 10 | 1u << 13 | 1u << 14 |
                                    1u << 15 | 1u << 16 | 1u << 17 | 1u << 18;
    return pi->icmp_type < 32 && ((queries >> pi->icmp_type) & 1u);
}

size_t pkt_build_icmp_unreach(const struct pkt_info *orig, uint8_t code, uint32_t src_ip,
                              uint16_t next_hop_mtu, uint8_t *buf, size_t cap)
{
    size_t l2 = eth_len(orig);
    size_t data, quote, icmp_len, len;
    uint8_t *ip, *ic;

    if (!ip4_answerable(orig) || orig->is_later_fragment || !icmp_may_answer(orig) ||
        code > ICMP_UNREACH_MAX_CODE) {
        return 0;
    }
    /* ip_end >= l4_ofs holds for every accepted IPv4 header. */
    data = orig->ip_end - orig->l4_ofs;
    quote = orig->l3_len + (data < 8 ? data : 8);
    icmp_len = PKT_ICMP_HLEN + quote;
    len = l2 + PKT_IP4_HLEN + icmp_len;
    if (cap < len) {
        return 0;
    }
    put_eth(buf, orig, orig->eth_src, orig->eth_dst, PKT_ETH_TYPE_IP);
    ip = buf + l2;
    /* RFC 1812 4.3.2.5: errors other than source quench use precedence 6. */
    put_ip4(ip, IP4_TOS_INTERNETWORK_CONTROL, (uint16_t)(PKT_IP4_HLEN + icmp_len), PKT_IPPROTO_ICMP,
            src_ip ? src_ip : orig->ip_dst, orig->ip_src);

    ic = ip + PKT_IP4_HLEN;
    ic[0] = ICMP_UNREACH;
    ic[1] = code;
    be_put16(ic + 2, 0);
    be_put16(ic + 4, 0);
    be_put16(ic + 6, code == ICMP_UNREACH_NEEDFRAG ? next_hop_mtu : 0);
    memcpy(ic + PKT_ICMP_HLEN, orig->base + orig->l3_ofs, quote);
    be_put16(ic + 2, pkt_csum(ic, icmp_len));
    return len;
}
