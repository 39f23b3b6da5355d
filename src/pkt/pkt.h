/*
 * pkt.h - packet parsing (Ethernet/802.1Q/ARP/IPv4/IPv6/TCP/UDP/ICMP), the
 * OpenFlow 1.0 match Open vSwitch would extract from a frame, Internet
 * checksums, and the few frames a controller answers with (ARP reply, TCP RST,
 * ICMP destination unreachable).
 *
 * Input is hostile and often cut short (a PACKET_IN carries at most
 * miss_send_len bytes), so the parser never reads past len, never fails on an
 * inner layer, and reports what was wrong as PKT_F_* flags. Only a frame too
 * short for an Ethernet header is an error.
 */
#ifndef VF_PKT_H
#define VF_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "of10/of10.h"

/* ---- constants ---------------------------------------------------------- */

enum {
    PKT_ETH_ALEN = 6,
    PKT_ETH_HLEN = 14,
    PKT_VLAN_HLEN = 4,
    PKT_ARP_LEN = 28,  /* Ethernet/IPv4 ARP body */
    PKT_IP4_HLEN = 20, /* without options */
    PKT_IP6_HLEN = 40,
    PKT_TCP_HLEN = 20, /* without options */
    PKT_UDP_HLEN = 8,
    PKT_ICMP_HLEN = 8,  /* type, code, checksum, 4 bytes "rest of header" */
    PKT_IP6_MAX_EXT = 8 /* extension headers walked before giving up */
};

enum {
    PKT_ETH_TYPE_IP = 0x0800,
    PKT_ETH_TYPE_ARP = 0x0806,
    PKT_ETH_TYPE_RARP = 0x8035,
    PKT_ETH_TYPE_VLAN = 0x8100, /* 802.1Q C-tag */
    PKT_ETH_TYPE_QINQ = 0x88a8, /* 802.1ad S-tag */
    PKT_ETH_TYPE_IPV6 = 0x86dd,
    PKT_ETH_TYPE_MIN = 0x0600, /* below: an 802.3 length field */
    PKT_ETH_TYPE_NONE = 0x05ff /* OVS's "not an Ethernet type" dl_type */
};

enum { PKT_IPPROTO_ICMP = 1, PKT_IPPROTO_TCP = 6, PKT_IPPROTO_UDP = 17, PKT_IPPROTO_ICMPV6 = 58 };

/* TCP flag bits as in the header's low 9 bits (NS is bit 8). */
enum {
    PKT_TCP_FIN = 0x001,
    PKT_TCP_SYN = 0x002,
    PKT_TCP_RST = 0x004,
    PKT_TCP_PSH = 0x008,
    PKT_TCP_ACK = 0x010,
    PKT_TCP_URG = 0x020,
    PKT_TCP_ECE = 0x040,
    PKT_TCP_CWR = 0x080,
    PKT_TCP_NS = 0x100
};

/* ---- parse result -------------------------------------------------------- */

/* pkt_parse() return values. Everything else is a flag in pkt_info.flags. */
enum pkt_err {
    PKT_OK = 0,
    PKT_E_INVAL = -1, /* NULL out, or NULL p with len > 0 */
    PKT_E_SHORT = -2  /* fewer than 14 bytes: no Ethernet header */
};

/* What the parser noticed. TRUNC flags mean "the bytes end inside this
 * header"; BAD flags mean "the header is there but its contents are
 * impossible". A layer with a TRUNC or BAD flag gets no l3/l4 kind and its
 * fields stay zero. IP6_EXT_BAD keeps l3 IPV6 (the fixed header is sound)
 * but stops before L4. CAPTURED, L2_PAD and the FRAG flags describe sound
 * packets. */
enum pkt_flag {
    PKT_F_VLAN = 1u << 0,        /* one 802.1Q/802.1ad tag parsed */
    PKT_F_QINQ = 1u << 1,        /* a second tag follows; not parsed further */
    PKT_F_LLC_SNAP = 1u << 2,    /* ethertype came from an LLC/SNAP header */
    PKT_F_802_3 = 1u << 3,       /* length field, no usable SNAP ethertype */
    PKT_F_TRUNC_L2 = 1u << 4,    /* tag or LLC header cut short */
    PKT_F_TRUNC_L3 = 1u << 5,    /* ARP/IP header cut short */
    PKT_F_BAD_L3 = 1u << 6,      /* IHL < 5, total_len < IHL*4, ARP sizes/types */
    PKT_F_TRUNC_L4 = 1u << 7,    /* TCP/UDP/ICMP header cut short */
    PKT_F_BAD_L4 = 1u << 8,      /* TCP data offset < 5 */
    PKT_F_CAPTURED = 1u << 9,    /* IP length says more than was captured */
    PKT_F_L2_PAD = 1u << 10,     /* bytes after the IP datagram (padding) */
    PKT_F_FRAG = 1u << 11,       /* IPv4 MF or offset, or IPv6 fragment header */
    PKT_F_LATER_FRAG = 1u << 12, /* fragment offset != 0: no L4 header here */
    PKT_F_IP6_EXT_BAD = 1u << 13 /* extension chain overran the bytes or the limit */
};

enum pkt_l3 { PKT_L3_NONE = 0, PKT_L3_ARP, PKT_L3_IPV4, PKT_L3_IPV6 };
enum pkt_l4 { PKT_L4_NONE = 0, PKT_L4_TCP, PKT_L4_UDP, PKT_L4_ICMP, PKT_L4_ICMPV6 };

/* One parsed frame. Offsets are from base; a layer's offset is meaningful
 * only when that layer's kind is set (l3 != NONE, l4 != NONE). Numbers are
 * host order; IPv4 addresses too (10.0.0.1 == 0x0a000001). */
struct pkt_info {
    const uint8_t *base; /* the frame (borrowed, not copied) */
    size_t len;          /* captured bytes */
    uint32_t flags;      /* enum pkt_flag */

    /* layout */
    size_t l3_ofs;           /* first byte after L2 (tag, SNAP): always set */
    size_t l3_len;           /* IPv4 IHL*4, IPv6 40 + extension headers, ARP 28 */
    size_t l4_ofs;           /* set for IPv4/IPv6 even when l4 == NONE */
    size_t l4_len;           /* TCP doff*4, UDP 8, ICMP/ICMPv6 8 */
    size_t payload_ofs;      /* after the L4 header */
    size_t payload_len;      /* captured payload bytes within the IP length */
    size_t ip_end;           /* end of the captured IP datagram (padding excluded) */
    uint32_t ip_payload_len; /* declared bytes after the IP header (and ext) */

    /* Ethernet */
    uint8_t eth_dst[PKT_ETH_ALEN];
    uint8_t eth_src[PKT_ETH_ALEN];
    uint16_t eth_type;       /* after tag and SNAP; PKT_ETH_TYPE_NONE for 802.3 */
    uint16_t vlan_tpid;      /* 0x8100 or 0x88a8 when PKT_F_VLAN */
    uint16_t vlan_tci;       /* PCP(3) DEI(1) VID(12) of the outer tag */
    uint16_t inner_vlan_tci; /* PKT_F_QINQ: the second tag (informational) */

    uint8_t l3; /* enum pkt_l3 */
    uint8_t l4; /* enum pkt_l4 */

    /* IPv4 and IPv6 */
    uint8_t ip_version;
    uint8_t ip_tos;   /* IPv4 TOS byte / IPv6 traffic class */
    uint8_t ip_ttl;   /* IPv4 TTL / IPv6 hop limit */
    uint8_t ip_proto; /* IPv4 protocol / IPv6 upper-layer next header; for a
                       * broken IPv6 chain or a later IPv6 fragment, the
                       * next-header value where the walk stopped */
    uint16_t ip_id;
    uint16_t ip_tot_len;  /* IPv4 total length / IPv6 40 + payload length */
    uint16_t ip_frag_off; /* offset in 8-byte units */
    bool ip_df, ip_mf;
    bool is_fragment, is_later_fragment;
    uint32_t ip_src, ip_dst; /* IPv4 only */
    uint8_t ip6_src[16], ip6_dst[16];
    uint32_t ip6_flow;   /* 20-bit flow label */
    uint8_t ip6_nexthdr; /* next header field of the fixed header */

    /* ARP (Ethernet/IPv4 only) */
    uint16_t arp_op;
    uint8_t arp_sha[PKT_ETH_ALEN], arp_tha[PKT_ETH_ALEN];
    uint32_t arp_spa, arp_tpa;

    /* L4 */
    uint16_t tp_src, tp_dst; /* TCP/UDP ports */
    uint32_t tcp_seq, tcp_ack;
    uint16_t tcp_flags; /* PKT_TCP_* */
    uint16_t tcp_window;
    uint16_t udp_len;
    uint8_t icmp_type, icmp_code; /* ICMP and ICMPv6 */
};

/* Parse a frame of len bytes. Returns PKT_OK, or PKT_E_* when not even the
 * Ethernet header is there (out is then zeroed, apart from base/len). Every
 * inner problem is a flag; out never points past p + len. */
int pkt_parse(const uint8_t *p, size_t len, struct pkt_info *out);

/* Short name of a pkt_parse() return value ("ok", "short", ...). */
const char *pkt_strerror(int err);

/* ---- OpenFlow 1.0 match --------------------------------------------------- */

/* The exact-match ofp_match Open vSwitch extracts for this frame (modern
 * flow_extract with the default vlan-limit of 1, then the OF1.0 mapping):
 * wildcards 0, fields that do not apply are 0. See pkt_match.c for the
 * corner cases (802.3, QinQ, truncation, fragments, IPv6). Like
 * flow_extract, a first fragment keeps its ports; a switch in OFPC_FRAG_NORMAL
 * mode zeroes the ports of every fragment before its table lookup, so a
 * caller wanting that view clears tp_* when pi->is_fragment. */
void pkt_to_of10_match(const struct pkt_info *pi, uint16_t in_port, struct of10_match *m);

/* ---- checksums (RFC 1071) ------------------------------------------------- */

/* 32-bit partial sum of big-endian 16-bit words, continuing from sum. Chain
 * calls freely as long as every chunk but the last has even length. */
uint32_t pkt_csum_add(uint32_t sum, const void *data, size_t len);
/* Fold and complement: the value to store (host order, write big-endian). */
uint16_t pkt_csum_fold(uint32_t sum);
/* Checksum of one buffer; 0 over a buffer whose checksum field is right. */
uint16_t pkt_csum(const void *data, size_t len);
/* Partial sums of the TCP/UDP pseudo-headers, to continue with pkt_csum_add
 * over the L4 header and data. Addresses host order (IPv4) or bytes (IPv6). */
uint32_t pkt_csum_pseudo4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4_len);
uint32_t pkt_csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], uint8_t nexthdr,
                          uint32_t l4_len);
/* RFC 1624 incremental update when one 16-bit or 32-bit field changes. */
uint16_t pkt_csum_update16(uint16_t csum, uint16_t old_val, uint16_t new_val);
uint16_t pkt_csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val);
/* Checksum of an L4 segment over IPv4 (pseudo-header + l4 bytes). For UDP a
 * computed 0 is returned as 0xffff (RFC 768: 0 means "no checksum"). For
 * ICMP (proto 1) no pseudo-header is used. */
uint16_t pkt_csum_l4_ip4(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4,
                         size_t l4_len);

/* ---- builders ------------------------------------------------------------- */

/* Each builder writes a whole Ethernet frame into buf (no FCS, not padded to
 * 60 bytes: the NIC pads) and returns its length, or 0 when cap is too small
 * or the input is not something that may be answered (see each). The 802.1Q
 * tag of the original, if any, is copied. IPv4 TTL is 64, ID 0. */

/* ARP reply to an Ethernet/IPv4 ARP request (l3 ARP, op 1) saying that
 * req->arp_tpa is at mac. 42 bytes (46 tagged). */
size_t pkt_build_arp_reply(const struct pkt_info *req, const uint8_t mac[PKT_ETH_ALEN],
                           uint8_t *buf, size_t cap);

/* RST answering an IPv4 TCP segment, per RFC 793 "Reset Generation": never
 * for a segment carrying RST; if it had ACK, seq = SEG.ACK and no ACK flag;
 * otherwise seq 0, ACK flag, ack = SEG.SEQ + SEG.LEN (data + SYN + FIN, from
 * the IP length, so a truncated capture still gives the right number).
 * Addresses and ports swapped. 54 bytes (58 tagged). */
size_t pkt_build_tcp_rst(const struct pkt_info *seg, uint8_t *buf, size_t cap);

/* ICMP destination unreachable (type 3, code) about an IPv4 datagram, quoting
 * its IP header (with options) and the first 8 bytes of its data, or fewer if
 * fewer were captured (RFC 792; RFC 1812 4.3.2.3 allows the minimum). src_ip
 * is the reporting address, 0 for "the original destination"; next_hop_mtu
 * fills the code 4 (fragmentation needed) field of RFC 1191, else ignored.
 * Per RFC 1812 4.3.2.7 returns 0 for: ICMP errors (or unidentifiable ICMP),
 * later fragments, link-layer or IP broadcast/multicast destinations, and
 * sources that are not a unicast host (0/8, 127/8, multicast, class E). */
size_t pkt_build_icmp_unreach(const struct pkt_info *orig, uint8_t code, uint32_t src_ip,
                              uint16_t next_hop_mtu, uint8_t *buf, size_t cap);

#endif
