/*
 * of10_match.c - ofp_match: wire conversion, nw prefix helpers, and the
 * normalisation Open vSwitch applies to OpenFlow 1.0 matches.
 */
#include <string.h>

#include "of10/of10_bytes.h"
#include "of10/of10_internal.h"

/* Byte offsets inside the 40-byte ofp_match. */
enum {
    M_WILDCARDS = 0,
    M_IN_PORT = 4,
    M_DL_SRC = 6,
    M_DL_DST = 12,
    M_DL_VLAN = 18,
    M_DL_VLAN_PCP = 20, /* pad1 at 21 */
    M_DL_TYPE = 22,
    M_NW_TOS = 24,
    M_NW_PROTO = 25, /* pad2 at 26..27 */
    M_NW_SRC = 28,
    M_NW_DST = 32,
    M_TP_SRC = 36,
    M_TP_DST = 38,
    M_END = 40,
};
_Static_assert((int)(M_END) == (int)(OFP10_MATCH_LEN), "ofp_match is 40 bytes");

#define ETH_TYPE_IP   0x0800
#define ETH_TYPE_ARP  0x0806
#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_  6
#define IPPROTO_UDP_  17

static unsigned wild_bits(uint32_t wildcards, unsigned shift)
{
    unsigned bits = (wildcards >> shift) & 0x3fu;
    return bits > 32 ? 32 : bits;
}

unsigned of10_match_nw_src_wild_bits(const struct of10_match *m)
{
    return wild_bits(m->wildcards, OFPFW10_NW_SRC_SHIFT);
}

unsigned of10_match_nw_dst_wild_bits(const struct of10_match *m)
{
    return wild_bits(m->wildcards, OFPFW10_NW_DST_SHIFT);
}

/* Network mask for a number of wildcarded low bits (32 -> 0). */
static uint32_t prefix_mask(unsigned wild)
{
    return wild >= 32 ? 0 : ~(uint32_t)0 << wild;
}

static uint32_t set_wild_bits(uint32_t wildcards, unsigned shift, unsigned wild)
{
    return (wildcards & ~(0x3fu << shift)) | (uint32_t)wild << shift;
}

/* The setters store the address with its host bits cleared, so a match built
 * through them is already normalised in that respect. */
void of10_match_set_nw_src_prefix(struct of10_match *m, uint32_t addr, unsigned plen)
{
    unsigned wild = plen >= 32 ? 0 : 32 - plen;
    m->wildcards = set_wild_bits(m->wildcards, OFPFW10_NW_SRC_SHIFT, wild);
    m->nw_src = addr & prefix_mask(wild);
}

void of10_match_set_nw_dst_prefix(struct of10_match *m, uint32_t addr, unsigned plen)
{
    unsigned wild = plen >= 32 ? 0 : 32 - plen;
    m->wildcards = set_wild_bits(m->wildcards, OFPFW10_NW_DST_SHIFT, wild);
    m->nw_dst = addr & prefix_mask(wild);
}

/* The catch-all uses 32 (not 63) in the prefix fields, like OVS emits it
 * (wildcards 0x3820ff), so it is a fixed point of of10_match_normalize(). */
void of10_match_init_catchall(struct of10_match *m)
{
    memset(m, 0, sizeof *m);
    m->wildcards = (OFPFW10_ALL & ~(OFPFW10_NW_SRC_MASK | OFPFW10_NW_DST_MASK)) |
                   OFPFW10_NW_SRC_ALL | OFPFW10_NW_DST_ALL;
}

/* Which fields may be matched given the exact-matched prerequisites, following
 * OVS (ofputil_normalize_match for OF1.0): nw_proto/nw_src/nw_dst need IPv4
 * or ARP, nw_tos needs IPv4, tp_* need IPv4 with TCP, UDP or ICMP, and a PCP
 * cannot be matched on frames exactly matched as untagged (dl_vlan 0xffff).
 * A wildcarded dl_vlan with an exact PCP is kept: it matches tagged frames
 * with that priority. Returns the wildcards with the impossible fields added. */
static uint32_t impossible_fields(const struct of10_match *m, uint32_t w)
{
    bool ip = !(w & OFPFW10_DL_TYPE) && m->dl_type == ETH_TYPE_IP;
    bool arp = !(w & OFPFW10_DL_TYPE) && m->dl_type == ETH_TYPE_ARP;
    if (!ip && !arp) {
        w |= OFPFW10_NW_PROTO;
        w = set_wild_bits(w, OFPFW10_NW_SRC_SHIFT, 32);
        w = set_wild_bits(w, OFPFW10_NW_DST_SHIFT, 32);
    }
    if (!ip) w |= OFPFW10_NW_TOS;
    bool l4 = ip && !(w & OFPFW10_NW_PROTO) &&
              (m->nw_proto == IPPROTO_TCP_ || m->nw_proto == IPPROTO_UDP_ ||
               m->nw_proto == IPPROTO_ICMP_);
    if (!l4) w |= OFPFW10_TP_SRC | OFPFW10_TP_DST;
    if (!(w & OFPFW10_DL_VLAN) && m->dl_vlan == OFP10_VLAN_NONE) w |= OFPFW10_DL_VLAN_PCP;
    return w;
}

/* Zero every wildcarded field; like OVS, also drop bits a switch ignores
 * (VID above 12 bits, PCP above 3 bits, the ECN bits of nw_tos). */
static void zero_wildcarded(struct of10_match *m)
{
    uint32_t w = m->wildcards;
    if (w & OFPFW10_IN_PORT) m->in_port = 0;
    if (w & OFPFW10_DL_SRC) memset(m->dl_src, 0, sizeof m->dl_src);
    if (w & OFPFW10_DL_DST) memset(m->dl_dst, 0, sizeof m->dl_dst);
    if (w & OFPFW10_DL_VLAN)
        m->dl_vlan = 0;
    else if (m->dl_vlan != OFP10_VLAN_NONE)
        m->dl_vlan &= 0x0fff;
    m->dl_vlan_pcp = (w & OFPFW10_DL_VLAN_PCP) ? 0 : m->dl_vlan_pcp & 7;
    if (w & OFPFW10_DL_TYPE) m->dl_type = 0;
    m->nw_tos = (w & OFPFW10_NW_TOS) ? 0 : m->nw_tos & 0xfc;
    if (w & OFPFW10_NW_PROTO) m->nw_proto = 0;
    m->nw_src &= prefix_mask(of10_match_nw_src_wild_bits(m));
    m->nw_dst &= prefix_mask(of10_match_nw_dst_wild_bits(m));
    if (w & OFPFW10_TP_SRC) m->tp_src = 0;
    if (w & OFPFW10_TP_DST) m->tp_dst = 0;
}

void of10_match_normalize(struct of10_match *m)
{
    /* Bits above the defined wildcards mean nothing in OF1.0: drop them, and
     * clamp the prefix fields (33..63 all mean "fully wildcarded"). */
    uint32_t w = m->wildcards & OFPFW10_ALL;
    w = set_wild_bits(w, OFPFW10_NW_SRC_SHIFT, wild_bits(w, OFPFW10_NW_SRC_SHIFT));
    w = set_wild_bits(w, OFPFW10_NW_DST_SHIFT, wild_bits(w, OFPFW10_NW_DST_SHIFT));
    m->wildcards = impossible_fields(m, w);
    zero_wildcarded(m);
}

bool of10_match_equal(const struct of10_match *a, const struct of10_match *b)
{
    return a->wildcards == b->wildcards && a->in_port == b->in_port &&
           !memcmp(a->dl_src, b->dl_src, sizeof a->dl_src) &&
           !memcmp(a->dl_dst, b->dl_dst, sizeof a->dl_dst) && a->dl_vlan == b->dl_vlan &&
           a->dl_vlan_pcp == b->dl_vlan_pcp && a->dl_type == b->dl_type && a->nw_tos == b->nw_tos &&
           a->nw_proto == b->nw_proto && a->nw_src == b->nw_src && a->nw_dst == b->nw_dst &&
           a->tp_src == b->tp_src && a->tp_dst == b->tp_dst;
}

void of10_match_decode(const uint8_t *p, struct of10_match *m)
{
    m->wildcards = be_get32(p + M_WILDCARDS);
    m->in_port = be_get16(p + M_IN_PORT);
    memcpy(m->dl_src, p + M_DL_SRC, 6);
    memcpy(m->dl_dst, p + M_DL_DST, 6);
    m->dl_vlan = be_get16(p + M_DL_VLAN);
    m->dl_vlan_pcp = p[M_DL_VLAN_PCP];
    m->dl_type = be_get16(p + M_DL_TYPE);
    m->nw_tos = p[M_NW_TOS];
    m->nw_proto = p[M_NW_PROTO];
    m->nw_src = be_get32(p + M_NW_SRC);
    m->nw_dst = be_get32(p + M_NW_DST);
    m->tp_src = be_get16(p + M_TP_SRC);
    m->tp_dst = be_get16(p + M_TP_DST);
}

void of10_match_encode(const struct of10_match *m, uint8_t *p)
{
    memset(p, 0, OFP10_MATCH_LEN); /* the two pads */
    be_put32(p + M_WILDCARDS, m->wildcards);
    be_put16(p + M_IN_PORT, m->in_port);
    memcpy(p + M_DL_SRC, m->dl_src, 6);
    memcpy(p + M_DL_DST, m->dl_dst, 6);
    be_put16(p + M_DL_VLAN, m->dl_vlan);
    p[M_DL_VLAN_PCP] = m->dl_vlan_pcp;
    be_put16(p + M_DL_TYPE, m->dl_type);
    p[M_NW_TOS] = m->nw_tos;
    p[M_NW_PROTO] = m->nw_proto;
    be_put32(p + M_NW_SRC, m->nw_src);
    be_put32(p + M_NW_DST, m->nw_dst);
    be_put16(p + M_TP_SRC, m->tp_src);
    be_put16(p + M_TP_DST, m->tp_dst);
}
