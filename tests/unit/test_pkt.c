/*
 * test_pkt.c - pkt_parse() and pkt_to_of10_match() on hand-written frames:
 * every protocol, then malformed and truncated inputs, each with its exact
 * fields, flags and OpenFlow 1.0 match.
 */
#include "pkt_fixtures.h"

/* IPv4 match with the usual test addresses 10.0.0.1 -> 10.0.0.2. */
static struct of10_match ip_match(uint8_t proto, uint8_t tos, uint16_t tps, uint16_t tpd)
{
    struct of10_match m = base_match(0x0800);
    m.nw_proto = proto;
    m.nw_tos = tos;
    m.nw_src = 0x0a000001;
    m.nw_dst = 0x0a000002;
    m.tp_src = tps;
    m.tp_dst = tpd;
    return m;
}

/* ---- arguments and Ethernet ---------------------------------------------- */

static void test_args_and_short(void **state)
{
    (void)state;
    uint8_t b[14] = {0};
    struct pkt_info pi;
    assert_int_equal(pkt_parse(b, 14, NULL), PKT_E_INVAL);
    assert_int_equal(pkt_parse(NULL, 5, &pi), PKT_E_INVAL);
    assert_int_equal(pkt_parse(NULL, 0, &pi), PKT_E_SHORT);
    assert_int_equal(pkt_parse(b, 0, &pi), PKT_E_SHORT);
    assert_int_equal(pkt_parse(b, 13, &pi), PKT_E_SHORT);
    assert_int_equal(pi.l3, PKT_L3_NONE);
    assert_int_equal(pi.flags, 0);
    assert_string_equal(pkt_strerror(PKT_E_SHORT), "shorter than an Ethernet header");
    assert_string_equal(pkt_strerror(PKT_OK), "ok");
    assert_string_equal(pkt_strerror(42), "unknown");
}

static void test_eth_only(void **state)
{
    (void)state;
    parse_hex(ETH "88cc"); /* LLDP, no body */
    assert_int_equal(g_pi.eth_type, 0x88cc);
    assert_int_equal(g_pi.l3_ofs, 14);
    assert_int_equal(g_pi.flags, 0);
    assert_memory_equal(g_pi.eth_dst, MAC_D, 6);
    assert_memory_equal(g_pi.eth_src, MAC_S, 6);
    struct of10_match m = base_match(0x88cc);
    check_match(&m);
}

/* Exactly 14 bytes of each L3 ethertype: the L3 header is missing. */
static void test_zero_length_l3(void **state)
{
    (void)state;
    static const char *const frames[] = {ETH "0800", ETH "86dd", ETH "0806", ETH "8035"};
    static const uint16_t types[] = {0x0800, 0x86dd, 0x0806, 0x8035};
    for (size_t i = 0; i < 4; i++) {
        parse_hex(frames[i]);
        assert_int_equal(g_pi.flags, PKT_F_TRUNC_L3);
        assert_int_equal(g_pi.l3, PKT_L3_NONE);
        struct of10_match m = base_match(types[i]);
        check_match(&m);
    }
}

/* ---- VLAN -------------------------------------------------------------- */

static void test_vlan_tcp(void **state)
{
    (void)state;
    parse_hex(ETH "8100 a123 0800"
                  "45 00 0028 0001 0000 40 06 0000 0a000001 0a000002"
                  "3039 0050 00000064 00000000 5002 ffff 0000 0000");
    assert_int_equal(g_pi.flags, PKT_F_VLAN);
    assert_int_equal(g_pi.vlan_tpid, 0x8100);
    assert_int_equal(g_pi.vlan_tci, 0xa123);
    assert_int_equal(g_pi.l3_ofs, 18);
    assert_int_equal(g_pi.l4_ofs, 38);
    assert_int_equal(g_pi.l4, PKT_L4_TCP);
    struct of10_match m = ip_match(6, 0, 12345, 80);
    m.dl_vlan = 0x123;
    m.dl_vlan_pcp = 5;
    check_match(&m);
}

/* A priority tag (VID 0) is a tag: dl_vlan 0, not 0xffff. */
static void test_vlan_priority_tag(void **state)
{
    (void)state;
    parse_hex(ETH "8100 6000 88cc 00");
    struct of10_match m = base_match(0x88cc);
    m.dl_vlan = 0;
    m.dl_vlan_pcp = 3;
    check_match(&m);
}

/* 15..17 bytes: the tag does not fit with an ethertype behind it. */
static void test_vlan_truncated(void **state)
{
    (void)state;
    static const char *const frames[] = {ETH "8100", ETH "8100 00", ETH "8100 0064",
                                         ETH "8100 0064 08"};
    for (size_t i = 0; i < 4; i++) {
        parse_hex(frames[i]);
        assert_int_equal(g_pi.flags, PKT_F_TRUNC_L2);
        struct of10_match m = base_match(0x8100);
        check_match(&m);
    }
    parse_hex(ETH "8100 0064 0800"); /* tag complete, IPv4 header absent */
    assert_int_equal(g_pi.flags, PKT_F_VLAN | PKT_F_TRUNC_L3);
}

/* 802.1ad outer tag, 802.1Q inner tag, IPv4 inside: with one tag parsed the
 * inner TPID is dl_type and the IPv4 header is not looked at. */
static void test_qinq(void **state)
{
    (void)state;
    parse_hex(ETH "88a8 0064 8100 20c8 0800"
                  "45 00 0028 0001 0000 40 06 0000 0a000001 0a000002"
                  "3039 0050 00000064 00000000 5002 ffff 0000 0000");
    assert_int_equal(g_pi.flags, PKT_F_VLAN | PKT_F_QINQ);
    assert_int_equal(g_pi.vlan_tpid, 0x88a8);
    assert_int_equal(g_pi.vlan_tci, 0x0064);
    assert_int_equal(g_pi.inner_vlan_tci, 0x20c8);
    assert_int_equal(g_pi.eth_type, 0x8100);
    assert_int_equal(g_pi.l3, PKT_L3_NONE);
    struct of10_match m = base_match(0x8100);
    m.dl_vlan = 100;
    check_match(&m);

    /* Lone 802.1ad tag in front of IPv4: parsed like 802.1Q. */
    parse_hex(ETH "88a8 e005 0800"
                  "45 00 0014 0001 0000 40 fd 0000 0a000001 0a000002");
    assert_int_equal(g_pi.flags, PKT_F_VLAN);
    m = ip_match(253, 0, 0, 0);
    m.dl_vlan = 5;
    m.dl_vlan_pcp = 7;
    check_match(&m);
}

/* ---- 802.3 / LLC / SNAP ---------------------------------------------------- */

static void test_802_3_llc(void **state)
{
    (void)state;
    /* STP BPDU: LLC 42 42 03, not SNAP. */
    parse_hex(ETH "0026 42 42 03 0000 00 00 8000020000000001");
    assert_int_equal(g_pi.flags, PKT_F_802_3);
    assert_int_equal(g_pi.eth_type, 0x05ff);
    struct of10_match m = base_match(0x05ff);
    check_match(&m);

    /* Length field with fewer than 8 bytes after it. */
    parse_hex(ETH "0003 aa aa 03");
    assert_int_equal(g_pi.eth_type, 0x05ff);
    check_match(&m);

    /* SNAP with a non-zero OUI (Cisco) carries no ethertype. */
    parse_hex(ETH "0020 aa aa 03 00 00 0c 2000 01 02 03 04");
    assert_int_equal(g_pi.eth_type, 0x05ff);
    check_match(&m);

    /* SNAP, OUI 0, but the "type" is itself a length. */
    parse_hex(ETH "0020 aa aa 03 00 00 00 05dc 01 02 03 04");
    assert_int_equal(g_pi.eth_type, 0x05ff);
    check_match(&m);

    /* 0x05ff and 0x0600 on each side of the cutoff. */
    parse_hex(ETH "05ff 00");
    assert_int_equal(g_pi.eth_type, 0x05ff);
    assert_int_equal(g_pi.flags, PKT_F_802_3);
    parse_hex(ETH "0600 00");
    assert_int_equal(g_pi.eth_type, 0x0600);
    assert_int_equal(g_pi.flags, 0);
}

static void test_snap_ipv4_udp(void **state)
{
    (void)state;
    parse_hex(ETH "0024 aa aa 03 00 00 00 0800"
                  "45 00 001c 0001 0000 40 11 0000 0a000001 0a000002"
                  "0035 d431 0008 0000");
    assert_int_equal(g_pi.flags, PKT_F_LLC_SNAP);
    assert_int_equal(g_pi.l3_ofs, 22);
    assert_int_equal(g_pi.l4, PKT_L4_UDP);
    struct of10_match m = ip_match(17, 0, 53, 54321);
    check_match(&m);
}

/* ---- ARP ---------------------------------------------------------------- */

#define ARP_REQ                                                                                    \
    "ff ff ff ff ff ff " SRC "0806"                                                                \
    "0001 0800 06 04 0001 020000000001 0a000001 000000000000 0a000002"

static void test_arp_request(void **state)
{
    (void)state;
    parse_hex(ARP_REQ);
    assert_int_equal(g_pi.flags, 0);
    assert_int_equal(g_pi.l3, PKT_L3_ARP);
    assert_int_equal(g_pi.l3_len, 28);
    assert_int_equal(g_pi.arp_op, 1);
    assert_memory_equal(g_pi.arp_sha, MAC_S, 6);
    assert_int_equal(g_pi.arp_spa, 0x0a000001);
    assert_int_equal(g_pi.arp_tpa, 0x0a000002);
    struct of10_match m = base_match(0x0806);
    memset(m.dl_dst, 0xff, 6);
    m.nw_proto = 1;
    m.nw_src = 0x0a000001;
    m.nw_dst = 0x0a000002;
    check_match(&m);
}

static void test_arp_variants(void **state)
{
    (void)state;
    struct of10_match m = base_match(0x0806);
    m.nw_src = 0x0a000001;
    m.nw_dst = 0x0a000002;

    /* Opcode above 0xff: addresses kept, nw_proto left 0. */
    parse_hex(ETH "0806 0001 0800 06 04 0102 020000000001 0a000001 000000000000 0a000002");
    assert_int_equal(g_pi.arp_op, 0x0102);
    check_match(&m);

    /* Reply with trailing padding. */
    parse_hex(ETH "0806 0001 0800 06 04 0002 020000000001 0a000001 020000000002 0a000002"
                  "000000000000000000000000000000000000");
    m.nw_proto = 2;
    check_match(&m);
    assert_memory_equal(g_pi.arp_tha, MAC_D, 6);

    /* RARP is parsed like ARP, as Open vSwitch does. */
    parse_hex(ETH "8035 0001 0800 06 04 0003 020000000001 0a000001 020000000001 0a000002");
    m.dl_type = 0x8035;
    m.nw_proto = 3;
    check_match(&m);
}

static void test_arp_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        /* hlen 8 */
        ETH "0806 0001 0800 08 04 0001 020000000001 0a000001 000000000000 0a000002",
        /* plen 16 */
        ETH "0806 0001 0800 06 10 0001 020000000001 0a000001 000000000000 0a000002",
        /* htype 6 (IEEE 802) */
        ETH "0806 0006 0800 06 04 0001 020000000001 0a000001 000000000000 0a000002",
        /* ptype IPv6 */
        ETH "0806 0001 86dd 06 04 0001 020000000001 0a000001 000000000000 0a000002",
    };
    for (size_t i = 0; i < 4; i++) {
        parse_hex(bad[i]);
        assert_int_equal(g_pi.flags, PKT_F_BAD_L3);
        assert_int_equal(g_pi.l3, PKT_L3_NONE);
        struct of10_match m = base_match(0x0806);
        check_match(&m);
    }
    /* One byte short of the 28-byte body. */
    parse_hex(ETH "0806 0001 0800 06 04 0001 020000000001 0a000001 000000000000 0a0000");
    assert_int_equal(g_pi.flags, PKT_F_TRUNC_L3);
    struct of10_match m = base_match(0x0806);
    check_match(&m);
}

/* ---- IPv4 ---------------------------------------------------------------- */

static void test_ipv4_tcp(void **state)
{
    (void)state;
    parse_hex(ETH "0800"
                  "45 10 0028 1234 4000 40 06 0000 0a000001 0a000002"
                  "3039 0050 00000064 00000000 5002 ffff 0000 0000");
    assert_int_equal(g_pi.flags, 0);
    assert_int_equal(g_pi.l3, PKT_L3_IPV4);
    assert_int_equal(g_pi.ip_version, 4);
    assert_int_equal(g_pi.ip_id, 0x1234);
    assert_true(g_pi.ip_df);
    assert_false(g_pi.ip_mf);
    assert_false(g_pi.is_fragment);
    assert_int_equal(g_pi.ip_ttl, 64);
    assert_int_equal(g_pi.ip_tot_len, 40);
    assert_int_equal(g_pi.ip_payload_len, 20);
    assert_int_equal(g_pi.l3_len, 20);
    assert_int_equal(g_pi.l4, PKT_L4_TCP);
    assert_int_equal(g_pi.l4_ofs, 34);
    assert_int_equal(g_pi.l4_len, 20);
    assert_int_equal(g_pi.payload_ofs, 54);
    assert_int_equal(g_pi.payload_len, 0);
    assert_int_equal(g_pi.ip_end, 54);
    assert_int_equal(g_pi.tcp_seq, 100);
    assert_int_equal(g_pi.tcp_ack, 0);
    assert_int_equal(g_pi.tcp_flags, PKT_TCP_SYN);
    assert_int_equal(g_pi.tcp_window, 0xffff);
    struct of10_match m = ip_match(6, 0x10, 12345, 80);
    check_match(&m);
}

/* TCP options (doff 8) and 4 payload bytes; ECN bits drop out of nw_tos. */
static void test_ipv4_tcp_options_payload(void **state)
{
    (void)state;
    parse_hex(ETH "0800"
                  "45 bb 0038 0000 0000 40 06 0000 0a000001 0a000002"
                  "0016 c000 00001000 00002000 8118 0100 0000 0000"
                  "0101080a 00000001 00000002"
                  "deadbeef");
    assert_int_equal(g_pi.l4_len, 32);
    assert_int_equal(g_pi.tcp_flags, PKT_TCP_ACK | PKT_TCP_PSH | PKT_TCP_NS);
    assert_int_equal(g_pi.tcp_ack, 0x2000);
    assert_int_equal(g_pi.payload_ofs, 34 + 32);
    assert_int_equal(g_pi.payload_len, 4);
    struct of10_match m = ip_match(6, 0xb8, 22, 0xc000);
    check_match(&m);
}

static void test_ipv4_udp(void **state)
{
    (void)state;
    parse_hex(ETH "0800"
                  "45 00 0020 0000 0000 40 11 0000 0a000001 0a000002"
                  "0044 0043 000c 0000 01020304");
    assert_int_equal(g_pi.l4, PKT_L4_UDP);
    assert_int_equal(g_pi.udp_len, 12);
    assert_int_equal(g_pi.payload_len, 4);
    struct of10_match m = ip_match(17, 0, 68, 67);
    check_match(&m);

    /* A UDP length of 0 is recorded; the ports still count (as in OVS). */
    parse_hex(ETH "0800"
                  "45 00 001c 0000 0000 40 11 0000 0a000001 0a000002"
                  "0044 0043 0000 0000");
    assert_int_equal(g_pi.udp_len, 0);
    assert_int_equal(g_pi.flags, 0);
    check_match(&m);
}

static void test_ipv4_icmp(void **state)
{
    (void)state;
    parse_hex(ETH "0800"
                  "45 00 001c 0000 0000 40 01 0000 0a000001 0a000002"
                  "08 00 f7ff 0000 0000");
    assert_int_equal(g_pi.l4, PKT_L4_ICMP);
    assert_int_equal(g_pi.icmp_type, 8);
    assert_int_equal(g_pi.icmp_code, 0);
    struct of10_match m = ip_match(1, 0, 8, 0);
    check_match(&m);

    parse_hex(ETH "0800"
                  "45 00 001c 0000 0000 40 01 0000 0a000001 0a000002"
                  "03 0d 0000 0000 0000");
    m = ip_match(1, 0, 3, 13);
    check_match(&m);
}

/* IHL 6: a 4-byte option before the UDP header. */
static void test_ipv4_options(void **state)
{
    (void)state;
    parse_hex(ETH "0800"
                  "46 00 0020 0000 0000 40 11 0000 0a000001 0a000002 01010100"
                  "1388 1389 0008 0000");
    assert_int_equal(g_pi.l3_len, 24);
    assert_int_equal(g_pi.l4_ofs, 38);
    struct of10_match m = ip_match(17, 0, 5000, 5001);
    check_match(&m);
}

/* Ethernet padding after a short datagram is not payload. */
static void test_ipv4_padding(void **state)
{
    (void)state;
    parse_hex(ETH "0800"
                  "45 00 001c 0000 0000 40 11 0000 0a000001 0a000002"
                  "0001 0002 0008 0000"
                  "000000000000000000000000000000000000"); /* 18 bytes pad -> 60 */
    assert_int_equal(g_pi.len, 60);
    assert_int_equal(g_pi.flags, PKT_F_L2_PAD);
    assert_int_equal(g_pi.ip_end, 42);
    assert_int_equal(g_pi.payload_len, 0);
}

static void test_ipv4_malformed(void **state)
{
    (void)state;
    struct of10_match m = base_match(0x0800);

    /* IHL 4 */
    parse_hex(ETH "0800 44 00 0028 0000 0000 40 06 0000 0a000001 0a000002 0000");
    assert_int_equal(g_pi.flags, PKT_F_BAD_L3);
    assert_int_equal(g_pi.l3, PKT_L3_NONE);
    check_match(&m);
    /* IHL 0 */
    parse_hex(ETH "0800 40 00 0028 0000 0000 40 06 0000 0a000001 0a000002");
    assert_int_equal(g_pi.flags, PKT_F_BAD_L3);
    check_match(&m);
    /* IHL 15 (60 bytes) with 24 bytes present */
    parse_hex(ETH "0800 4f 00 0040 0000 0000 40 06 0000 0a000001 0a000002 01010101");
    assert_int_equal(g_pi.flags, PKT_F_TRUNC_L3);
    check_match(&m);
    /* total length 19, smaller than the header */
    parse_hex(ETH "0800 45 00 0013 0000 0000 40 06 0000 0a000001 0a000002");
    assert_int_equal(g_pi.flags, PKT_F_BAD_L3);
    check_match(&m);
    /* total length 0 */
    parse_hex(ETH "0800 45 00 0000 0000 0000 40 06 0000 0a000001 0a000002");
    assert_int_equal(g_pi.flags, PKT_F_BAD_L3);
    check_match(&m);
    /* 19 bytes of header */
    parse_hex(ETH "0800 45 00 0014 0000 0000 40 06 0000 0a000001 0a0000");
    assert_int_equal(g_pi.flags, PKT_F_TRUNC_L3);
    check_match(&m);
}

/* Version nibble 6 in an 0x0800 frame: recorded, not enforced (OVS). */
static void test_ipv4_wrong_version(void **state)
{
    (void)state;
    parse_hex(ETH "0800 65 00 0014 0000 0000 40 fd 0000 0a000001 0a000002");
    assert_int_equal(g_pi.l3, PKT_L3_IPV4);
    assert_int_equal(g_pi.ip_version, 6);
    struct of10_match m = ip_match(253, 0, 0, 0);
    check_match(&m);
}

/* Total length 20: exactly the header, no L4 bytes at all. */
static void test_ipv4_zero_payload(void **state)
{
    (void)state;
    static const char *const frames[] = {
        ETH "0800 45 00 0014 0000 0000 40 06 0000 0a000001 0a000002",
        ETH "0800 45 00 0014 0000 0000 40 11 0000 0a000001 0a000002",
        ETH "0800 45 00 0014 0000 0000 40 01 0000 0a000001 0a000002",
    };
    static const uint8_t protos[] = {6, 17, 1};
    for (size_t i = 0; i < 3; i++) {
        parse_hex(frames[i]);
        assert_int_equal(g_pi.flags, PKT_F_TRUNC_L4);
        assert_int_equal(g_pi.l4, PKT_L4_NONE);
        assert_int_equal(g_pi.ip_payload_len, 0);
        struct of10_match m = ip_match(protos[i], 0, 0, 0);
        check_match(&m);
    }
    /* Other protocols with no payload are simply complete. */
    parse_hex(ETH "0800 45 00 0014 0000 0000 40 2f 0000 0a000001 0a000002");
    assert_int_equal(g_pi.flags, 0);
}

/* PACKET_IN cut at miss_send_len: L3 and L4 stay, flagged CAPTURED. */
static void test_ipv4_captured(void **state)
{
    (void)state;
    parse_hex(ETH "0800"
                  "45 00 05dc 0000 4000 40 06 0000 0a000001 0a000002"
                  "0050 d000 00000001 00000002 5010 0200 0000 0000"
                  "4854");
    assert_int_equal(g_pi.flags, PKT_F_CAPTURED);
    assert_int_equal(g_pi.ip_payload_len, 1480);
    assert_int_equal(g_pi.payload_len, 2);
    struct of10_match m = ip_match(6, 0, 80, 0xd000);
    check_match(&m);

    /* Cut inside the TCP header: ports are unknown, L3 stays. */
    parse_hex(ETH "0800"
                  "45 00 05dc 0000 4000 40 06 0000 0a000001 0a000002"
                  "0050 d000 00000001 0000");
    assert_int_equal(g_pi.flags, PKT_F_CAPTURED | PKT_F_TRUNC_L4);
    m = ip_match(6, 0, 0, 0);
    check_match(&m);
}

static void test_ipv4_l4_malformed(void **state)
{
    (void)state;
    /* TCP data offset 4 */
    parse_hex(ETH "0800 45 00 0028 0000 0000 40 06 0000 0a000001 0a000002"
                  "0050 d000 00000001 00000002 4010 0200 0000 0000");
    assert_int_equal(g_pi.flags, PKT_F_BAD_L4);
    struct of10_match m = ip_match(6, 0, 0, 0);
    check_match(&m);
    /* TCP data offset 15 with a 20-byte segment */
    parse_hex(ETH "0800 45 00 0028 0000 0000 40 06 0000 0a000001 0a000002"
                  "0050 d000 00000001 00000002 f010 0200 0000 0000");
    assert_int_equal(g_pi.flags, PKT_F_TRUNC_L4);
    check_match(&m);
    /* TCP header cut by the IP total length (bytes beyond are padding) */
    parse_hex(ETH "0800 45 00 0020 0000 0000 40 06 0000 0a000001 0a000002"
                  "0050 d000 00000001 00000002 5010 0200 0000 0000");
    assert_int_equal(g_pi.flags, PKT_F_TRUNC_L4 | PKT_F_L2_PAD);
    check_match(&m);
    /* UDP with 6 bytes */
    parse_hex(ETH "0800 45 00 001a 0000 0000 40 11 0000 0a000001 0a000002 0035 0035 0006");
    assert_int_equal(g_pi.flags, PKT_F_TRUNC_L4);
    m = ip_match(17, 0, 0, 0);
    check_match(&m);
    /* ICMP with 4 bytes */
    parse_hex(ETH "0800 45 00 0018 0000 0000 40 01 0000 0a000001 0a000002 0800 f7ff");
    assert_int_equal(g_pi.flags, PKT_F_TRUNC_L4);
    m = ip_match(1, 0, 0, 0);
    check_match(&m);
}

static void test_ipv4_fragments(void **state)
{
    (void)state;
    /* First fragment (MF, offset 0): ports extracted. */
    parse_hex(ETH "0800 45 00 0024 abcd 2000 40 11 0000 0a000001 0a000002"
                  "0400 0401 05dc 0000 01020304 05060708");
    assert_int_equal(g_pi.flags, PKT_F_FRAG);
    assert_true(g_pi.is_fragment);
    assert_false(g_pi.is_later_fragment);
    assert_true(g_pi.ip_mf);
    struct of10_match m = ip_match(17, 0, 1024, 1025);
    check_match(&m);

    /* Later fragment (offset 185 * 8 = 1480): no ports. */
    parse_hex(ETH "0800 45 00 0024 abcd 00b9 40 11 0000 0a000001 0a000002"
                  "0400 0401 05dc 0000 01020304 05060708");
    assert_int_equal(g_pi.flags, PKT_F_FRAG | PKT_F_LATER_FRAG);
    assert_true(g_pi.is_later_fragment);
    assert_int_equal(g_pi.ip_frag_off, 185);
    assert_int_equal(g_pi.l4, PKT_L4_NONE);
    m = ip_match(17, 0, 0, 0);
    check_match(&m);

    /* Last fragment (offset, no MF) of a TCP datagram. */
    parse_hex(ETH "0800 45 00 0028 abcd 0001 40 06 0000 0a000001 0a000002"
                  "0050 d000 00000001 00000002 5010 0200 0000 0000");
    assert_int_equal(g_pi.flags, PKT_F_FRAG | PKT_F_LATER_FRAG);
    m = ip_match(6, 0, 0, 0);
    check_match(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_args_and_short),
        cmocka_unit_test(test_eth_only),
        cmocka_unit_test(test_zero_length_l3),
        cmocka_unit_test(test_vlan_tcp),
        cmocka_unit_test(test_vlan_priority_tag),
        cmocka_unit_test(test_vlan_truncated),
        cmocka_unit_test(test_qinq),
        cmocka_unit_test(test_802_3_llc),
        cmocka_unit_test(test_snap_ipv4_udp),
        cmocka_unit_test(test_arp_request),
        cmocka_unit_test(test_arp_variants),
        cmocka_unit_test(test_arp_malformed),
        cmocka_unit_test(test_ipv4_tcp),
        cmocka_unit_test(test_ipv4_tcp_options_payload),
        cmocka_unit_test(test_ipv4_udp),
        cmocka_unit_test(test_ipv4_icmp),
        cmocka_unit_test(test_ipv4_options),
        cmocka_unit_test(test_ipv4_padding),
        cmocka_unit_test(test_ipv4_malformed),
        cmocka_unit_test(test_ipv4_wrong_version),
        cmocka_unit_test(test_ipv4_zero_payload),
        cmocka_unit_test(test_ipv4_captured),
        cmocka_unit_test(test_ipv4_l4_malformed),
        cmocka_unit_test(test_ipv4_fragments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
