/*
 * fuzz_pkt.c - libFuzzer target for src/pkt: parse any bytes, derive the
 * OpenFlow 1.0 match, and for frames that qualify run the three builders and
 * parse their output again. Invariants are checked with __builtin_trap() so
 * a violation is a crash the fuzzer keeps.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pkt/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            __builtin_trap();                                                                      \
        }                                                                                          \
    } while (0)

/* Offsets and lengths stay inside the frame and are consistent. */
static void check_layout(const struct pkt_info *pi, size_t size)
{
    CHECK(pi->l3_ofs <= size);
    if (pi->l3 != PKT_L3_NONE) {
        CHECK(pi->l3_ofs + pi->l3_len <= size);
    }
    if (pi->l3 == PKT_L3_IPV4 || pi->l3 == PKT_L3_IPV6) {
        CHECK(pi->l4_ofs <= pi->ip_end && pi->ip_end <= size);
    }
    if (pi->l4 != PKT_L4_NONE) {
        CHECK(pi->l3 == PKT_L3_IPV4 || pi->l3 == PKT_L3_IPV6);
        CHECK(pi->l4_ofs + pi->l4_len == pi->payload_ofs);
        CHECK(pi->payload_ofs + pi->payload_len == pi->ip_end);
        CHECK(!pi->is_later_fragment);
    }
    if (!(pi->flags & PKT_F_VLAN)) {
        CHECK(pi->vlan_tci == 0 && !(pi->flags & PKT_F_QINQ));
    }
}

static void check_match(const struct pkt_info *pi)
{
    struct of10_match m;
    pkt_to_of10_match(pi, 3, &m);
    CHECK(m.wildcards == 0 && m.in_port == 3);
    CHECK((m.dl_vlan == OFP10_VLAN_NONE) == !(pi->flags & PKT_F_VLAN));
    CHECK(m.dl_vlan == OFP10_VLAN_NONE || m.dl_vlan <= 0xfff);
    CHECK(m.dl_vlan_pcp <= 7 && (m.nw_tos & 3) == 0);
    CHECK(m.dl_type == pi->eth_type);
    if (pi->l3 != PKT_L3_IPV4 && pi->l3 != PKT_L3_ARP) {
        CHECK(!m.nw_src && !m.nw_dst && !m.nw_proto && !m.nw_tos);
    }
    if (pi->l3 != PKT_L3_IPV4 || pi->l4 == PKT_L4_NONE) {
        CHECK(!m.tp_src && !m.tp_dst);
    }
}

/* A built IPv4 frame parses cleanly and both checksums verify. */
static void check_built_ip4(const uint8_t *f, size_t n, struct pkt_info *out)
{
    CHECK(pkt_parse(f, n, out) == PKT_OK);
    CHECK(out->l3 == PKT_L3_IPV4 && out->ip_end == n);
    CHECK((out->flags & ~(uint32_t)PKT_F_VLAN) == 0);
    CHECK(pkt_csum(f + out->l3_ofs, out->l3_len) == 0);
    uint32_t s = 0;
    if (out->ip_proto != PKT_IPPROTO_ICMP) {
        s = pkt_csum_pseudo4(out->ip_src, out->ip_dst, out->ip_proto, (uint16_t)(n - out->l4_ofs));
    }
    CHECK(pkt_csum_fold(pkt_csum_add(s, f + out->l4_ofs, n - out->l4_ofs)) == 0);
}

static void run_builders(const struct pkt_info *pi, uint8_t knob)
{
    static const uint8_t mac[6] = {2, 0, 0, 0, 0, 0xaa};
    uint8_t out[256];
    struct pkt_info back;
    size_t n;

    n = pkt_build_arp_reply(pi, mac, out, sizeof out);
    if (n) {
        CHECK(n <= sizeof out);
        CHECK(pkt_parse(out, n, &back) == PKT_OK && back.l3 == PKT_L3_ARP);
        CHECK(back.arp_op == 2 && back.arp_spa == pi->arp_tpa && back.arp_tpa == pi->arp_spa);
        CHECK(back.vlan_tci == pi->vlan_tci);
    }
    n = pkt_build_tcp_rst(pi, out, sizeof out);
    if (n) {
        check_built_ip4(out, n, &back);
        CHECK(back.l4 == PKT_L4_TCP && (back.tcp_flags & PKT_TCP_RST));
        CHECK(back.tp_src == pi->tp_dst && back.tp_dst == pi->tp_src);
        CHECK(back.ip_src == pi->ip_dst && back.ip_dst == pi->ip_src);
    }
    n = pkt_build_icmp_unreach(pi, knob & 15, 0, 1400, out, sizeof out);
    if (n) {
        check_built_ip4(out, n, &back);
        CHECK(back.l4 == PKT_L4_ICMP && back.icmp_type == 3 && back.icmp_code == (knob & 15));
        CHECK(memcmp(out + back.payload_ofs, pi->base + pi->l3_ofs, pi->l3_len) == 0);
    }
    /* Too small a buffer never gets written past. */
    CHECK(pkt_build_tcp_rst(pi, out, 20) == 0);
    CHECK(pkt_build_icmp_unreach(pi, 3, 0, 0, out, 20) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pkt_info pi;
    int rc = pkt_parse(data, size, &pi);

    CHECK(rc == (size < PKT_ETH_HLEN ? PKT_E_SHORT : PKT_OK));
    if (rc != PKT_OK) {
        return 0;
    }
    check_layout(&pi, size);
    check_match(&pi);
    run_builders(&pi, size ? data[size - 1] : 0);
    return 0;
}
