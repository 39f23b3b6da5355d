/*
 * test_pkt_ip6.c - pkt_parse() on IPv6 frames (extension headers, fragments,
 * broken chains) and on every prefix of a frame. The helpers are shared with
 * test_pkt.c through pkt_fixtures.h.
 */
#include "pkt_fixtures.h"

/* ---- IPv6 ---------------------------------------------------------------- */

#define IP6_ADDRS "20010db8000000000000000000000001 20010db8000000000000000000000002"

static void expect_ip6_match(void)
{
    struct of10_match m = base_match(0x86dd);
    check_match(&m);
}

static void test_ipv6_tcp(void **state)
{
    (void)state;
    parse_hex(ETH "86dd 6abcdef1 0014 06 40 " IP6_ADDRS
                  "c350 0050 00000001 00000000 5002 2000 0000 0000");
    assert_int_equal(g_pi.flags, 0);
    assert_int_equal(g_pi.l3, PKT_L3_IPV6);
    assert_int_equal(g_pi.ip_version, 6);
    assert_int_equal(g_pi.ip_tos, 0xab);
    assert_int_equal(g_pi.ip6_flow, 0xcdef1);
    assert_int_equal(g_pi.ip_ttl, 64);
    assert_int_equal(g_pi.ip_proto, 6);
    assert_int_equal(g_pi.ip6_src[15], 1);
    assert_int_equal(g_pi.ip6_dst[15], 2);
    assert_int_equal(g_pi.l4_ofs, 54);
    assert_int_equal(g_pi.l4, PKT_L4_TCP);
    assert_int_equal(g_pi.tp_src, 50000);
    assert_int_equal(g_pi.tp_dst, 80);
    assert_int_equal(g_pi.ip_payload_len, 20);
    expect_ip6_match();
}

/* Hop-by-hop (8 bytes) + routing (24 bytes) + destination options (16)
 * before UDP. */
static void test_ipv6_ext_udp(void **state)
{
    (void)state;
    parse_hex(ETH "86dd 60000000 0038 00 ff " IP6_ADDRS
                  "2b 00 0104 00000000" /* hop-by-hop -> routing */
                  "3c 02 00 00 00000000 0000000000000000 0000000000000000" /* -> dstopts */
                  "11 01 0000 00000000 0000000000000000"                   /* -> UDP */
                  "0222 0223 0008 0000");
    assert_int_equal(g_pi.flags, 0);
    assert_int_equal(g_pi.ip6_nexthdr, 0);
    assert_int_equal(g_pi.ip_proto, 17);
    assert_int_equal(g_pi.l3_len, 40 + 8 + 24 + 16);
    assert_int_equal(g_pi.l4, PKT_L4_UDP);
    assert_int_equal(g_pi.tp_src, 546);
    assert_int_equal(g_pi.tp_dst, 547);
    assert_int_equal(g_pi.ip_payload_len, 8);
    expect_ip6_match();
}

/* Authentication header: its length counts 4-byte units, minus 2. */
static void test_ipv6_ah(void **state)
{
    (void)state;
    parse_hex(ETH "86dd 60000000 0020 33 40 " IP6_ADDRS "06 01 0000 00000100 00000001"
                  "c350 0050 00000001 00000000 5002 2000 0000 0000");
    assert_int_equal(g_pi.flags, 0);
    assert_int_equal(g_pi.l3_len, 40 + 12);
    assert_int_equal(g_pi.l4, PKT_L4_TCP);
    assert_int_equal(g_pi.tp_dst, 80);
    expect_ip6_match();
}

static void test_ipv6_fragments(void **state)
{
    (void)state;
    /* First fragment: M set, offset 0, UDP header inside. */
    parse_hex(ETH "86dd 60000000 0010 2c 40 " IP6_ADDRS "11 00 0001 12345678"
                  "0035 0035 0100 0000");
    assert_int_equal(g_pi.flags, PKT_F_FRAG);
    assert_true(g_pi.ip_mf);
    assert_int_equal(g_pi.l4, PKT_L4_UDP);
    assert_int_equal(g_pi.tp_src, 53);
    expect_ip6_match();
    /* Later fragment: offset 100. */
    parse_hex(ETH "86dd 60000000 0010 2c 40 " IP6_ADDRS "11 00 0320 12345678"
                  "0035 0035 0100 0000");
    assert_int_equal(g_pi.flags, PKT_F_FRAG | PKT_F_LATER_FRAG);
    assert_int_equal(g_pi.ip_frag_off, 100);
    assert_int_equal(g_pi.ip_proto, 17);
    assert_int_equal(g_pi.l4, PKT_L4_NONE);
    expect_ip6_match();
}

static void test_ipv6_icmpv6_and_none(void **state)
{
    (void)state;
    parse_hex(ETH "86dd 60000000 0008 3a ff " IP6_ADDRS "80 00 0000 0001 0001");
    assert_int_equal(g_pi.l4, PKT_L4_ICMPV6);
    assert_int_equal(g_pi.icmp_type, 128);
    expect_ip6_match();
    /* No next header, zero payload. */
    parse_hex(ETH "86dd 60000000 0000 3b 40 " IP6_ADDRS);
    assert_int_equal(g_pi.flags, 0);
    assert_int_equal(g_pi.ip_proto, 59);
    assert_int_equal(g_pi.l4, PKT_L4_NONE);
    /* TCP with zero payload length: header missing. */
    parse_hex(ETH "86dd 60000000 0000 06 40 " IP6_ADDRS);
    assert_int_equal(g_pi.flags, PKT_F_TRUNC_L4);
    expect_ip6_match();
}

static void test_ipv6_malformed(void **state)
{
    (void)state;
    /* 39 bytes of fixed header */
    parse_hex(ETH "86dd 60000000 0000 3b 40 20010db8000000000000000000000001"
                  "20010db80000000000000000000000");
    assert_int_equal(g_pi.flags, PKT_F_TRUNC_L3);
    assert_int_equal(g_pi.l3, PKT_L3_NONE);
    expect_ip6_match();
    /* Hop-by-hop claims 48 bytes, 8 present. */
    parse_hex(ETH "86dd 60000000 0008 00 40 " IP6_ADDRS "06 05 0000 00000000");
    assert_int_equal(g_pi.flags, PKT_F_IP6_EXT_BAD);
    assert_int_equal(g_pi.l4, PKT_L4_NONE);
    assert_int_equal(g_pi.ip_proto, 0);
    expect_ip6_match();
    /* Extension header cut after 1 byte. */
    parse_hex(ETH "86dd 60000000 0001 3c 40 " IP6_ADDRS "06");
    assert_int_equal(g_pi.flags, PKT_F_IP6_EXT_BAD);
    /* Payload length says 0 but an extension header follows (padding). */
    parse_hex(ETH "86dd 60000000 0000 3c 40 " IP6_ADDRS "06 00 0000 00000000");
    assert_int_equal(g_pi.flags, PKT_F_IP6_EXT_BAD | PKT_F_L2_PAD);
    /* Fragment header cut to 4 bytes. */
    parse_hex(ETH "86dd 60000000 0004 2c 40 " IP6_ADDRS "11 00 0001");
    assert_int_equal(g_pi.flags, PKT_F_IP6_EXT_BAD);
}

/* Nine destination-options headers chained: the walk stops at the limit
 * (PKT_IP6_MAX_EXT = 8) and reports the ninth as ip_proto. */
static void test_ipv6_ext_chain_limit(void **state)
{
    (void)state;
    char hex[1024];
    int n = snprintf(hex, sizeof hex, ETH "86dd 60000000 %04x 3c 40 " IP6_ADDRS, 9 * 8 + 8);
    for (int i = 0; i < 8; i++) {
        n += snprintf(hex + n, sizeof hex - (size_t)n, "3c00 0000 00000000 ");
    }
    /* the ninth header leads to UDP, which is never reached */
    snprintf(hex + n, sizeof hex - (size_t)n, "1100 0000 00000000 0035 0035 0008 0000");
    parse_hex(hex);
    assert_int_equal(g_pi.flags, PKT_F_IP6_EXT_BAD);
    assert_int_equal(g_pi.ip_proto, 60);
    assert_int_equal(g_pi.l4, PKT_L4_NONE);

    /* Eight are fine. */
    n = snprintf(hex, sizeof hex, ETH "86dd 60000000 %04x 3c 40 " IP6_ADDRS, 8 * 8 + 8);
    for (int i = 0; i < 7; i++) {
        n += snprintf(hex + n, sizeof hex - (size_t)n, "3c00 0000 00000000 ");
    }
    snprintf(hex + n, sizeof hex - (size_t)n, "1100 0000 00000000 0035 0035 0008 0000");
    parse_hex(hex);
    assert_int_equal(g_pi.flags, 0);
    assert_int_equal(g_pi.l4, PKT_L4_UDP);
}

/* Every prefix of a tagged TCP frame parses without error or overread
 * (ASan checks the reads: the copy is exactly n bytes on the heap). */
/* Every prefix of several frames parses without error or overread (each
 * prefix is a heap copy of exactly n bytes, so ASan sees any stray read).
 * The L3 type and the L4 header appear exactly when their bytes are there. */
struct prefix_case {
    const char *hex;
    uint16_t eth_type;
    size_t type_at; /* bytes needed for eth_type to be known */
    uint8_t l4;
    size_t l4_at; /* bytes needed for the L4 header */
};

static void check_prefixes(const struct prefix_case *c)
{
    uint8_t full[256];
    long len = unit_hex(c->hex, full, sizeof full);
    assert_true(len > 0);
    for (size_t n = 0; n <= (size_t)len; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, full, n);
        struct pkt_info pi;
        struct of10_match m;
        int rc = pkt_parse(copy, n, &pi);
        assert_int_equal(rc, n < 14 ? PKT_E_SHORT : PKT_OK);
        if (rc == PKT_OK) {
            pkt_to_of10_match(&pi, 1, &m);
            assert_int_equal(pi.eth_type == c->eth_type, n >= c->type_at);
            assert_int_equal(pi.l4 == c->l4, n >= c->l4_at);
            assert_true(pi.payload_ofs + pi.payload_len <= n);
        }
        free(copy);
    }
}

static void test_every_prefix(void **state)
{
    (void)state;
    static const struct prefix_case cases[] = {
        {ETH "8100 0005 0800"
             "46 00 0030 0000 2000 40 06 0000 0a000001 0a000002 01010100"
             "0050 d000 00000001 00000002 6012 0200 0000 0000 02040218 00000000",
         0x0800, 18, PKT_L4_TCP, 18 + 24 + 24},
        {ETH "0024 aa aa 03 00 00 00 0800"
             "45 00 001c 0001 0000 40 11 0000 0a000001 0a000002 0035 d431 0008 0000",
         0x0800, 22, PKT_L4_UDP, 22 + 28},
        {ETH "86dd 60000000 0018 00 40 " IP6_ADDRS "3a01 0000 00000000 0000000000000000"
             "8000 0000 0001 0001",
         0x86dd, 14, PKT_L4_ICMPV6, 14 + 40 + 16 + 8},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        check_prefixes(&cases[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv6_tcp),
        cmocka_unit_test(test_ipv6_ext_udp),
        cmocka_unit_test(test_ipv6_ah),
        cmocka_unit_test(test_ipv6_fragments),
        cmocka_unit_test(test_ipv6_icmpv6_and_none),
        cmocka_unit_test(test_ipv6_malformed),
        cmocka_unit_test(test_ipv6_ext_chain_limit),
        cmocka_unit_test(test_every_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
