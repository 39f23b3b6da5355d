/*
 * test_pkt_build.c - Internet checksums against an independent reference,
 * and the builders: byte-exact output for hand-computed frames, parse-back
 * with checksums verified, and every refusal.
 */
#include "pkt_fixtures.h"

static const uint8_t MAC_A[6] = {2, 0, 0, 0, 0, 0xaa};

/* Reference checksum: byte by byte into 64 bits, folded at the end. Written
 * differently from pkt_csum_add on purpose. */
static uint16_t ref_sum(const uint8_t *p, size_t n, uint64_t s)
{
    for (size_t i = 0; i < n; i++) {
        s += (i % 2 == 0) ? (uint64_t)p[i] << 8 : p[i];
    }
    while (s >> 16) {
        s = (s & 0xffff) + (s >> 16);
    }
    return (uint16_t)s;
}

static uint16_t ref_csum(const uint8_t *p, size_t n)
{
    return (uint16_t)~ref_sum(p, n, 0);
}

/* Deterministic bytes for the randomised checks. */
static uint32_t g_rng = 12345;
static uint8_t rnd8(void)
{
    g_rng = g_rng * 1103515245u + 12345u;
    return (uint8_t)(g_rng >> 16);
}

static size_t hex(const char *h, uint8_t *out, size_t cap)
{
    long n = unit_hex(h, out, cap);
    assert_true(n >= 0);
    return (size_t)n;
}

/* ---- checksums ------------------------------------------------------------- */

static void test_csum_rfc1071_example(void **state)
{
    (void)state;
    /* RFC 1071 section 3: the words sum to 0x2ddf0, folded 0xddf2. */
    const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    assert_int_equal(pkt_csum(b, sizeof b), (uint16_t)~0xddf2);
    assert_int_equal(pkt_csum_fold(pkt_csum_add(0, b, sizeof b)), 0x220d);
    assert_int_equal(pkt_csum(b, 0), 0xffff);
    /* Odd length: the last byte is the high half of a zero-padded word. */
    const uint8_t c[] = {0x12, 0x34, 0x56};
    assert_int_equal(pkt_csum(c, 3), (uint16_t) ~(0x1234 + 0x5600));
}

static void test_csum_random(void **state)
{
    (void)state;
    uint8_t b[300];
    for (int round = 0; round < 200; round++) {
        size_t n = rnd8() + (size_t)(round % 45);
        for (size_t i = 0; i < n; i++) {
            b[i] = round < 5 ? 0xff : rnd8();
        }
        assert_int_equal(pkt_csum(b, n), ref_csum(b, n));
        /* Chaining at any even split gives the same sum. */
        size_t cut = (n / 2) & ~(size_t)1;
        uint32_t s = pkt_csum_add(pkt_csum_add(0, b, cut), b + cut, n - cut);
        assert_int_equal(pkt_csum_fold(s), ref_csum(b, n));
    }
}

static void test_csum_incremental(void **state)
{
    (void)state;
    uint8_t b[64];
    for (int round = 0; round < 500; round++) {
        for (size_t i = 0; i < sizeof b; i++) {
            b[i] = rnd8();
        }
        b[10] = b[11] = 0;
        uint16_t c = pkt_csum(b, sizeof b);
        b[10] = (uint8_t)(c >> 8);
        b[11] = (uint8_t)c;
        /* Change a 16-bit word at 20 and a 32-bit word at 40. */
        uint16_t o16 = (uint16_t)(b[20] << 8 | b[21]), n16 = (uint16_t)(rnd8() << 8 | rnd8());
        uint32_t o32 = (uint32_t)b[40] << 24 | (uint32_t)b[41] << 16 | (uint32_t)b[42] << 8 | b[43];
        uint32_t n32 = (uint32_t)rnd8() << 24 | (uint32_t)rnd8() << 16 | rnd8();
        b[20] = (uint8_t)(n16 >> 8);
        b[21] = (uint8_t)n16;
        b[40] = (uint8_t)(n32 >> 24);
        b[41] = (uint8_t)(n32 >> 16);
        b[42] = (uint8_t)(n32 >> 8);
        b[43] = (uint8_t)n32;
        c = pkt_csum_update32(pkt_csum_update16(c, o16, n16), o32, n32);
        b[10] = (uint8_t)(c >> 8);
        b[11] = (uint8_t)c;
        assert_int_equal(ref_csum(b, sizeof b), 0); /* verifies */
    }
}

static void test_csum_pseudo(void **state)
{
    (void)state;
    /* The RST built below: checksum computed by hand (Python) as 0x6ae0. */
    uint8_t tcp[20];
    hex("0050 3039 00000000 00000065 5014 0000 0000 0000", tcp, sizeof tcp);
    assert_int_equal(pkt_csum_l4_ip4(0x0a000002, 0x0a000001, 6, tcp, 20), 0x6ae0);

    /* IPv6 pseudo-header against bytes laid out by RFC 8200 8.1. */
    uint8_t ph[40 + 12], src[16], dst[16];
    for (int i = 0; i < 16; i++) {
        src[i] = rnd8();
        dst[i] = rnd8();
    }
    memcpy(ph, src, 16);
    memcpy(ph + 16, dst, 16);
    hex("00012345 000000 3a", ph + 32, 8);
    for (int i = 40; i < 52; i++) {
        ph[i] = rnd8();
    }
    uint32_t s = pkt_csum_pseudo6(src, dst, 58, 0x12345);
    assert_int_equal(pkt_csum_fold(pkt_csum_add(s, ph + 40, 12)), ref_csum(ph, sizeof ph));
}

/* UDP: a computed 0 is sent as 0xffff. Find data whose sum is 0xffff. */
static void test_csum_udp_zero(void **state)
{
    (void)state;
    uint8_t udp[10] = {0x12, 0x34, 0x00, 0x35, 0x00, 0x0a, 0, 0, 0, 0};
    uint16_t partial = ref_sum(udp, 8, 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 17 + 10);
    uint16_t fill = (uint16_t)(0xffff - partial);
    udp[8] = (uint8_t)(fill >> 8);
    udp[9] = (uint8_t)fill;
    assert_int_equal(pkt_csum_l4_ip4(0x0a000001, 0x0a000002, 17, udp, 10), 0xffff);
}

/* ---- parse-back helpers -------------------------------------------------- */

/* Parse a built IPv4 frame and verify both checksums independently. */
static void verify_ip4(const uint8_t *f, size_t n, struct pkt_info *pi)
{
    assert_int_equal(pkt_parse(f, n, pi), PKT_OK);
    assert_int_equal(pi->l3, PKT_L3_IPV4);
    assert_int_equal(pi->flags & ~(uint32_t)PKT_F_VLAN, 0);
    assert_int_equal(pi->ip_end, n);
    assert_int_equal(ref_csum(f + pi->l3_ofs, pi->l3_len), 0);
    const uint8_t *l4 = f + pi->l4_ofs;
    size_t l4n = n - pi->l4_ofs;
    uint64_t ps = 0;
    if (pi->ip_proto != 1) {
        ps = (pi->ip_src >> 16) + (pi->ip_src & 0xffff) + (pi->ip_dst >> 16) +
             (pi->ip_dst & 0xffff) + pi->ip_proto + l4n;
    }
    assert_int_equal((uint16_t)~ref_sum(l4, l4n, ps), 0);
}

static uint8_t g_in[256], g_out[256];
static struct pkt_info g_back; /* g_pi, the parsed input, is in pkt_fixtures.h */

static size_t load(const char *h)
{
    size_t n = hex(h, g_in, sizeof g_in);
    assert_int_equal(pkt_parse(g_in, n, &g_pi), PKT_OK);
    return n;
}

/* ---- ARP reply ------------------------------------------------------------ */

#define ARP_REQ_BODY "0806 0001 0800 06 04 0001 020000000001 0a000001 000000000000 0a000002"

static void test_arp_reply_exact(void **state)
{
    (void)state;
    uint8_t exp[64];
    load("ff ff ff ff ff ff " SRC ARP_REQ_BODY);
    size_t n = pkt_build_arp_reply(&g_pi, MAC_A, g_out, sizeof g_out);
    size_t en = hex("020000000001 0200000000aa 0806"
                    "0001 0800 06 04 0002 0200000000aa 0a000002 020000000001 0a000001",
                    exp, sizeof exp);
    assert_int_equal(n, 42);
    assert_memory_equal(g_out, exp, en);

    /* Tagged request: the tag comes back. */
    load("ff ff ff ff ff ff " SRC "8100 200a " ARP_REQ_BODY);
    n = pkt_build_arp_reply(&g_pi, MAC_A, g_out, sizeof g_out);
    en = hex("020000000001 0200000000aa 8100 200a 0806"
             "0001 0800 06 04 0002 0200000000aa 0a000002 020000000001 0a000001",
             exp, sizeof exp);
    assert_int_equal(n, 46);
    assert_memory_equal(g_out, exp, en);

    assert_int_equal(pkt_parse(g_out, n, &g_back), PKT_OK);
    assert_int_equal(g_back.l3, PKT_L3_ARP);
    assert_int_equal(g_back.arp_op, 2);
    assert_int_equal(g_back.arp_spa, 0x0a000002);
    assert_int_equal(g_back.vlan_tci, 0x200a);
}

static void test_arp_reply_refusals(void **state)
{
    (void)state;
    load("ff ff ff ff ff ff " SRC ARP_REQ_BODY);
    memset(g_out, 0x5a, sizeof g_out);
    assert_int_equal(pkt_build_arp_reply(&g_pi, MAC_A, g_out, 41), 0);
    assert_int_equal(g_out[0], 0x5a); /* nothing written */
    assert_int_equal(pkt_build_arp_reply(&g_pi, MAC_A, g_out, 42), 42);
    /* A reply is not answered. */
    load(ETH "0806 0001 0800 06 04 0002 020000000001 0a000001 020000000002 0a000002");
    assert_int_equal(pkt_build_arp_reply(&g_pi, MAC_A, g_out, sizeof g_out), 0);
    /* Nor a RARP request, a bad ARP, a multicast sender, or IPv4. */
    load(ETH "8035 0001 0800 06 04 0001 020000000001 0a000001 000000000000 0a000002");
    assert_int_equal(pkt_build_arp_reply(&g_pi, MAC_A, g_out, sizeof g_out), 0);
    load(ETH "0806 0001 0800 08 04 0001 020000000001 0a000001 000000000000 0a000002");
    assert_int_equal(pkt_build_arp_reply(&g_pi, MAC_A, g_out, sizeof g_out), 0);
    load(DST "03 00 00 00 00 01 " ARP_REQ_BODY);
    assert_int_equal(pkt_build_arp_reply(&g_pi, MAC_A, g_out, sizeof g_out), 0);
    load(ETH "0800 45 00 0014 0000 0000 40 fd 0000 0a000001 0a000002");
    assert_int_equal(pkt_build_arp_reply(&g_pi, MAC_A, g_out, sizeof g_out), 0);
}

/* ---- TCP RST ------------------------------------------------------------------ */

#define IP_TCP(tot) "0800 45 00 " tot " 1234 4000 40 06 0000 0a000001 0a000002"

static void test_rst_to_syn_exact(void **state)
{
    (void)state;
    uint8_t exp[64];
    load(ETH IP_TCP("0028") "3039 0050 00000064 00000000 5002 ffff 0000 0000");
    size_t n = pkt_build_tcp_rst(&g_pi, g_out, sizeof g_out);
    size_t en = hex(SRC DST "0800"
                            "45 00 0028 0000 0000 40 06 66ce 0a000002 0a000001"
                            "0050 3039 00000000 00000065 5014 0000 6ae0 0000",
                    exp, sizeof exp);
    assert_int_equal(n, 54);
    assert_int_equal(en, 54);
    assert_memory_equal(g_out, exp, en);
    verify_ip4(g_out, n, &g_back);
    assert_int_equal(g_back.l4, PKT_L4_TCP);
    assert_int_equal(g_back.tcp_flags, PKT_TCP_RST | PKT_TCP_ACK);
}

static void test_rst_cases(void **state)
{
    (void)state;
    /* ACK segment with 6 data bytes: <SEQ=SEG.ACK><CTL=RST>. */
    load(ETH IP_TCP("002e") "0050 d000 00000010 abcdef01 5018 0200 0000 0000 414243444546");
    size_t n = pkt_build_tcp_rst(&g_pi, g_out, sizeof g_out);
    assert_int_equal(n, 54);
    verify_ip4(g_out, n, &g_back);
    assert_int_equal(g_back.tcp_flags, PKT_TCP_RST);
    assert_int_equal(g_back.tcp_seq, 0xabcdef01);
    assert_int_equal(g_back.tcp_ack, 0);
    assert_int_equal(g_back.tp_src, 0xd000);
    assert_int_equal(g_back.tp_dst, 80);
    assert_int_equal(g_back.ip_src, 0x0a000002);
    assert_int_equal(g_back.ip_dst, 0x0a000001);
    assert_int_equal(g_back.tcp_window, 0);

    /* FIN without ACK, 4 data bytes, seq wraps: ack = seq + 4 + 1. */
    load(ETH IP_TCP("002c") "0050 d000 fffffffe 00000000 5001 0200 0000 0000 41424344");
    n = pkt_build_tcp_rst(&g_pi, g_out, sizeof g_out);
    verify_ip4(g_out, n, &g_back);
    assert_int_equal(g_back.tcp_flags, PKT_TCP_RST | PKT_TCP_ACK);
    assert_int_equal(g_back.tcp_ack, 3);
    assert_int_equal(g_back.tcp_seq, 0);

    /* Truncated capture: SEG.LEN from the IP length (1000 - 20 - 20 + SYN). */
    load(ETH IP_TCP("03e8") "0050 d000 00000000 00000000 5002 0200 0000 0000 4142");
    assert_true(g_pi.flags & PKT_F_CAPTURED);
    n = pkt_build_tcp_rst(&g_pi, g_out, sizeof g_out);
    verify_ip4(g_out, n, &g_back);
    assert_int_equal(g_back.tcp_ack, 961);

    /* Tagged: tag preserved, parse-back still verifies. */
    load(ETH "8100 e064 " IP_TCP("0028") "3039 0050 00000064 00000000 5002 ffff 0000 0000");
    n = pkt_build_tcp_rst(&g_pi, g_out, sizeof g_out);
    assert_int_equal(n, 58);
    verify_ip4(g_out, n, &g_back);
    assert_true(g_back.flags & PKT_F_VLAN);
    assert_int_equal(g_back.vlan_tci, 0xe064);
    assert_int_equal(g_back.vlan_tpid, 0x8100);
    assert_int_equal(pkt_build_tcp_rst(&g_pi, g_out, 57), 0);
}

static void test_rst_refusals(void **state)
{
    (void)state;
    /* Segment carrying RST. */
    load(ETH IP_TCP("0028") "3039 0050 00000064 00000000 5014 ffff 0000 0000");
    assert_int_equal(pkt_build_tcp_rst(&g_pi, g_out, sizeof g_out), 0);
    /* Multicast MAC destination. */
    load("01 00 5e 00 00 01 " SRC IP_TCP("0028") "3039 0050 00000064 00000000 5002 ffff 0000 0000");
    assert_int_equal(pkt_build_tcp_rst(&g_pi, g_out, sizeof g_out), 0);
    /* Limited broadcast IP destination. */
    load(ETH "0800 45 00 0028 0000 0000 40 06 0000 0a000001 ffffffff"
             "3039 0050 00000064 00000000 5002 ffff 0000 0000");
    assert_int_equal(pkt_build_tcp_rst(&g_pi, g_out, sizeof g_out), 0);
    /* Source 0.0.0.0 and 127.0.0.1. */
    load(ETH "0800 45 00 0028 0000 0000 40 06 0000 00000000 0a000002"
             "3039 0050 00000064 00000000 5002 ffff 0000 0000");
    assert_int_equal(pkt_build_tcp_rst(&g_pi, g_out, sizeof g_out), 0);
    load(ETH "0800 45 00 0028 0000 0000 40 06 0000 7f000001 0a000002"
             "3039 0050 00000064 00000000 5002 ffff 0000 0000");
    assert_int_equal(pkt_build_tcp_rst(&g_pi, g_out, sizeof g_out), 0);
    /* Truncated TCP header, UDP, later fragment, IPv6. */
    load(ETH IP_TCP("0028") "3039 0050 0000");
    assert_int_equal(pkt_build_tcp_rst(&g_pi, g_out, sizeof g_out), 0);
    load(ETH "0800 45 00 001c 0000 0000 40 11 0000 0a000001 0a000002 0001 0002 0008 0000");
    assert_int_equal(pkt_build_tcp_rst(&g_pi, g_out, sizeof g_out), 0);
    load(ETH "0800 45 00 0028 0000 0010 40 06 0000 0a000001 0a000002"
             "3039 0050 00000064 00000000 5002 ffff 0000 0000");
    assert_int_equal(pkt_build_tcp_rst(&g_pi, g_out, sizeof g_out), 0);
    load(ETH "86dd 60000000 0014 06 40 20010db8000000000000000000000001"
             "20010db8000000000000000000000002 3039 0050 00000064 00000000 5002 ffff 0000 0000");
    assert_int_equal(pkt_build_tcp_rst(&g_pi, g_out, sizeof g_out), 0);
    /* Cap one short. */
    load(ETH IP_TCP("0028") "3039 0050 00000064 00000000 5002 ffff 0000 0000");
    assert_int_equal(pkt_build_tcp_rst(&g_pi, g_out, 53), 0);
}

/* ---- ICMP unreachable ------------------------------------------------------ */

static void test_icmp_unreach_exact(void **state)
{
    (void)state;
    uint8_t exp[128];
    load(ETH "0800 45 00 0020 0000 0000 40 11 0000 0a000001 0a000002"
             "0044 0043 000c 0000 01020304");
    size_t n = pkt_build_icmp_unreach(&g_pi, 3, 0, 0, g_out, sizeof g_out);
    size_t en = hex(SRC DST "0800"
                            "45 c0 0038 0000 0000 40 01 6603 0a000002 0a000001"
                            "03 03 6335 00000000"
                            "45 00 0020 0000 0000 40 11 0000 0a000001 0a000002"
                            "0044 0043 000c 0000",
                    exp, sizeof exp);
    assert_int_equal(n, 70);
    assert_int_equal(en, 70);
    assert_memory_equal(g_out, exp, en);
    verify_ip4(g_out, n, &g_back);
    assert_int_equal(g_back.l4, PKT_L4_ICMP);
    assert_int_equal(g_back.icmp_type, 3);
    assert_int_equal(g_back.icmp_code, 3);
    assert_int_equal(g_back.ip_tos, 0xc0);
    assert_int_equal(pkt_build_icmp_unreach(&g_pi, 3, 0, 0, g_out, 69), 0);
}

static void test_icmp_unreach_cases(void **state)
{
    (void)state;
    /* IP options (IHL 6) are quoted whole, then 8 bytes of TCP; explicit
     * reporter address; tag kept. */
    load(ETH "8100 0007 0800 46 00 0030 0000 4000 40 06 0000 0a000001 0a000002 94040000"
             "0050 d000 00000001 00000002 5010 0200 0000 0000 00000000");
    size_t n = pkt_build_icmp_unreach(&g_pi, 1, 0xc0a80001, 1400, g_out, sizeof g_out);
    assert_int_equal(n, 18 + 20 + 8 + 24 + 8);
    verify_ip4(g_out, n, &g_back);
    assert_int_equal(g_back.vlan_tci, 7);
    assert_int_equal(g_back.ip_src, 0xc0a80001);
    assert_int_equal(g_back.icmp_code, 1);
    assert_int_equal(g_out[18 + 20 + 6], 0); /* MTU only for code 4 */
    assert_memory_equal(g_out + 18 + 28, g_in + 18, 24 + 8);

    /* Code 4 carries the next-hop MTU (RFC 1191). */
    load(ETH "0800 45 00 05dc 0000 4000 40 11 0000 0a000001 0a000002 0044 0043 05c8 0000");
    n = pkt_build_icmp_unreach(&g_pi, 4, 0, 1400, g_out, sizeof g_out);
    verify_ip4(g_out, n, &g_back);
    assert_int_equal(g_out[14 + 20 + 6] << 8 | g_out[14 + 20 + 7], 1400);

    /* Fewer than 8 data bytes captured: quote what there is. */
    load(ETH "0800 45 00 0100 0000 0000 40 11 0000 0a000001 0a000002 0044 00");
    n = pkt_build_icmp_unreach(&g_pi, 3, 0, 0, g_out, sizeof g_out);
    assert_int_equal(n, 14 + 20 + 8 + 20 + 3);
    verify_ip4(g_out, n, &g_back);

    /* Echo request and first fragments may be answered. */
    load(ETH "0800 45 00 001c 0000 0000 40 01 0000 0a000001 0a000002 08 00 f7ff 0000 0000");
    assert_int_equal(pkt_build_icmp_unreach(&g_pi, 1, 0, 0, g_out, sizeof g_out), 70);
    load(ETH "0800 45 00 0024 0000 2000 40 11 0000 0a000001 0a000002"
             "0400 0401 05dc 0000 01020304 05060708");
    assert_int_equal(pkt_build_icmp_unreach(&g_pi, 3, 0, 0, g_out, sizeof g_out), 70);
}

static void test_icmp_unreach_refusals(void **state)
{
    (void)state;
    static const char *const no[] = {
        /* an ICMP error */
        ETH "0800 45 00 001c 0000 0000 40 01 0000 0a000001 0a000002 03 01 0000 0000 0000",
        /* ICMP whose type was not captured */
        ETH "0800 45 00 001c 0000 0000 40 01 0000 0a000001 0a000002 08",
        /* later fragment */
        ETH "0800 45 00 001c 0000 0001 40 11 0000 0a000001 0a000002 0001 0002 0008 0000",
        /* broadcast MAC */
        "ffffffffffff " SRC "0800 45 00 001c 0000 0000 40 11 0000 0a000001 0a000002"
        "0001 0002 0008 0000",
        /* multicast IP destination */
        ETH "0800 45 00 001c 0000 0000 40 11 0000 0a000001 e0000001 0001 0002 0008 0000",
        /* class E source */
        ETH "0800 45 00 001c 0000 0000 40 11 0000 f0000001 0a000002 0001 0002 0008 0000",
        /* not IPv4 */
        "ffffffffffff " SRC ARP_REQ_BODY,
        /* broken IPv4 header */
        ETH "0800 44 00 001c 0000 0000 40 11 0000 0a000001 0a000002 0001 0002 0008 0000",
    };
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        load(no[i]);
        assert_int_equal(pkt_build_icmp_unreach(&g_pi, 3, 0, 0, g_out, sizeof g_out), 0);
    }
    load(ETH "0800 45 00 001c 0000 0000 40 11 0000 0a000001 0a000002 0001 0002 0008 0000");
    assert_int_equal(pkt_build_icmp_unreach(&g_pi, 16, 0, 0, g_out, sizeof g_out), 0);
    assert_int_equal(pkt_build_icmp_unreach(&g_pi, 15, 0, 0, g_out, sizeof g_out), 70);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csum_rfc1071_example),
        cmocka_unit_test(test_csum_random),
        cmocka_unit_test(test_csum_incremental),
        cmocka_unit_test(test_csum_pseudo),
        cmocka_unit_test(test_csum_udp_zero),
        cmocka_unit_test(test_arp_reply_exact),
        cmocka_unit_test(test_arp_reply_refusals),
        cmocka_unit_test(test_rst_to_syn_exact),
        cmocka_unit_test(test_rst_cases),
        cmocka_unit_test(test_rst_refusals),
        cmocka_unit_test(test_icmp_unreach_exact),
        cmocka_unit_test(test_icmp_unreach_cases),
        cmocka_unit_test(test_icmp_unreach_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
