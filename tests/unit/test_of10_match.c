/*
 * test_of10_match.c - ofp_match wire conversion, prefix helpers and the OVS
 * style normalisation.
 */
#include "unit.h"

#include "of10/of10.h"

/* in_port 3, dl_src 00:11:22:33:44:55, dl_dst 66:77:88:99:aa:bb, vlan 0x123
 * pcp 5, dl_type IP, tos 0x28, proto TCP, 10.0.1.7 -> 192.168.0.1, 1234 -> 80,
 * every field exact; nonzero pad bytes to check they are ignored. */
static const char exact_hex[] = "00000000 0003 001122334455 66778899aabb 0123 05 ee 0800 28 06 eeee"
                                "0a000107 c0a80001 04d2 0050";

static void load_match(const char *hex, struct of10_match *m)
{
    uint8_t b[OFP10_MATCH_LEN];
    assert_int_equal(unit_hex(hex, b, sizeof b), OFP10_MATCH_LEN);
    of10_match_decode(b, m);
}

static void test_decode_fields(void **state)
{
    (void)state;
    struct of10_match m;
    load_match(exact_hex, &m);
    const uint8_t src[6] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
    const uint8_t dst[6] = {0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb};
    assert_int_equal(m.wildcards, 0);
    assert_int_equal(m.in_port, 3);
    assert_memory_equal(m.dl_src, src, 6);
    assert_memory_equal(m.dl_dst, dst, 6);
    assert_int_equal(m.dl_vlan, 0x123);
    assert_int_equal(m.dl_vlan_pcp, 5);
    assert_int_equal(m.dl_type, 0x0800);
    assert_int_equal(m.nw_tos, 0x28);
    assert_int_equal(m.nw_proto, 6);
    assert_int_equal(m.nw_src, 0x0a000107);
    assert_int_equal(m.nw_dst, 0xc0a80001);
    assert_int_equal(m.tp_src, 1234);
    assert_int_equal(m.tp_dst, 80);
}

static void test_encode_zero_pads(void **state)
{
    (void)state;
    struct of10_match m;
    uint8_t want[OFP10_MATCH_LEN], out[OFP10_MATCH_LEN];
    load_match(exact_hex, &m);
    unit_hex(exact_hex, want, sizeof want);
    want[21] = 0, want[26] = 0, want[27] = 0; /* the pads go out as zeros */
    memset(out, 0xa5, sizeof out);
    of10_match_encode(&m, out);
    assert_memory_equal(out, want, sizeof want);
}

static void test_wild_bits(void **state)
{
    (void)state;
    struct of10_match m = {0};
    m.wildcards = 8u << OFPFW10_NW_SRC_SHIFT | 63u << OFPFW10_NW_DST_SHIFT;
    assert_int_equal(of10_match_nw_src_wild_bits(&m), 8);
    assert_int_equal(of10_match_nw_dst_wild_bits(&m), 32);
    m.wildcards = 33u << OFPFW10_NW_SRC_SHIFT;
    assert_int_equal(of10_match_nw_src_wild_bits(&m), 32);
    assert_int_equal(of10_match_nw_dst_wild_bits(&m), 0);
}

static void test_set_prefix(void **state)
{
    (void)state;
    struct of10_match m;
    of10_match_init_catchall(&m);
    of10_match_set_nw_src_prefix(&m, 0x0a010203, 24);
    assert_int_equal(of10_match_nw_src_wild_bits(&m), 8);
    assert_int_equal(m.nw_src, 0x0a010200);
    assert_int_equal(of10_match_nw_dst_wild_bits(&m), 32); /* untouched */
    assert_int_equal(m.wildcards & OFPFW10_IN_PORT, OFPFW10_IN_PORT);
    of10_match_set_nw_dst_prefix(&m, 0xc0a80001, 40); /* clamped to /32 */
    assert_int_equal(of10_match_nw_dst_wild_bits(&m), 0);
    assert_int_equal(m.nw_dst, 0xc0a80001);
    of10_match_set_nw_dst_prefix(&m, 0xc0a80001, 0);
    assert_int_equal(of10_match_nw_dst_wild_bits(&m), 32);
    assert_int_equal(m.nw_dst, 0);
}

static void test_catchall(void **state)
{
    (void)state;
    struct of10_match m, n;
    of10_match_init_catchall(&m);
    assert_int_equal(m.wildcards, 0x3820ff);
    n = m;
    of10_match_normalize(&n);
    assert_true(of10_match_equal(&m, &n));
}

/* A fully exact TCP match survives normalisation unchanged. */
static void test_normalize_keeps_valid(void **state)
{
    (void)state;
    struct of10_match m, n;
    load_match(exact_hex, &m);
    n = m;
    of10_match_normalize(&n);
    assert_true(of10_match_equal(&m, &n));
}

/* Without dl_type every L3/L4 field is impossible: wildcarded and zeroed. */
static void test_normalize_no_dl_type(void **state)
{
    (void)state;
    struct of10_match m;
    load_match(exact_hex, &m);
    m.wildcards = OFPFW10_DL_TYPE;
    of10_match_normalize(&m);
    uint32_t want = OFPFW10_DL_TYPE | OFPFW10_NW_PROTO | OFPFW10_NW_TOS | OFPFW10_TP_SRC |
                    OFPFW10_TP_DST | OFPFW10_NW_SRC_ALL | OFPFW10_NW_DST_ALL;
    assert_int_equal(m.wildcards, want);
    assert_int_equal(m.dl_type, 0);
    assert_int_equal(m.nw_proto, 0);
    assert_int_equal(m.nw_tos, 0);
    assert_int_equal(m.nw_src, 0);
    assert_int_equal(m.nw_dst, 0);
    assert_int_equal(m.tp_src, 0);
    assert_int_equal(m.tp_dst, 0);
    assert_int_equal(m.in_port, 3); /* L2 fields stay */
    assert_int_equal(m.dl_vlan, 0x123);
}

static void test_normalize_other_dl_type(void **state)
{
    (void)state;
    struct of10_match m;
    load_match(exact_hex, &m);
    m.dl_type = 0x86dd; /* IPv6: OF1.0 has no IPv6 fields */
    of10_match_normalize(&m);
    assert_true(m.wildcards & OFPFW10_NW_PROTO);
    assert_int_equal(of10_match_nw_src_wild_bits(&m), 32);
    assert_int_equal(m.tp_dst, 0);
    assert_int_equal(m.dl_type, 0x86dd);
}

static void test_normalize_ip_no_proto(void **state)
{
    (void)state;
    struct of10_match m;
    load_match(exact_hex, &m);
    m.wildcards = OFPFW10_NW_PROTO;
    of10_match_normalize(&m);
    assert_int_equal(m.wildcards, OFPFW10_NW_PROTO | OFPFW10_TP_SRC | OFPFW10_TP_DST);
    assert_int_equal(m.nw_src, 0x0a000107); /* L3 stays */
    assert_int_equal(m.nw_tos, 0x28);
    assert_int_equal(m.tp_src, 0);
    assert_int_equal(m.tp_dst, 0);
}

static void test_normalize_l4_protocols(void **state)
{
    (void)state;
    const uint8_t keep[] = {1, 6, 17};
    for (size_t i = 0; i < sizeof keep; i++) {
        struct of10_match m;
        load_match(exact_hex, &m);
        m.nw_proto = keep[i];
        of10_match_normalize(&m);
        assert_int_equal(m.wildcards, 0);
        assert_int_equal(m.tp_dst, 80);
    }
    struct of10_match m;
    load_match(exact_hex, &m);
    m.nw_proto = 47; /* GRE: no ports */
    of10_match_normalize(&m);
    assert_int_equal(m.wildcards, OFPFW10_TP_SRC | OFPFW10_TP_DST);
    assert_int_equal(m.tp_src, 0);
}

/* ARP: opcode and addresses matchable, TOS and ports not. */
static void test_normalize_arp(void **state)
{
    (void)state;
    struct of10_match m;
    load_match(exact_hex, &m);
    m.dl_type = 0x0806;
    m.nw_proto = 1; /* request */
    of10_match_normalize(&m);
    assert_int_equal(m.wildcards, OFPFW10_NW_TOS | OFPFW10_TP_SRC | OFPFW10_TP_DST);
    assert_int_equal(m.nw_proto, 1);
    assert_int_equal(m.nw_src, 0x0a000107);
    assert_int_equal(m.nw_dst, 0xc0a80001);
    assert_int_equal(m.nw_tos, 0);
    assert_int_equal(m.tp_src, 0);
}

static void test_normalize_vlan_pcp(void **state)
{
    (void)state;
    struct of10_match m;
    load_match(exact_hex, &m);
    m.dl_vlan = OFP10_VLAN_NONE; /* untagged: a PCP cannot match */
    of10_match_normalize(&m);
    assert_int_equal(m.wildcards, OFPFW10_DL_VLAN_PCP);
    assert_int_equal(m.dl_vlan_pcp, 0);
    assert_int_equal(m.dl_vlan, 0xffff);

    load_match(exact_hex, &m);
    m.wildcards = OFPFW10_DL_VLAN; /* any VLAN with PCP 5: kept, as OVS does */
    of10_match_normalize(&m);
    assert_int_equal(m.wildcards, OFPFW10_DL_VLAN);
    assert_int_equal(m.dl_vlan, 0);
    assert_int_equal(m.dl_vlan_pcp, 5);
}

static void test_normalize_prefix_and_clamp(void **state)
{
    (void)state;
    struct of10_match m;
    load_match(exact_hex, &m);
    m.wildcards = 8u << OFPFW10_NW_SRC_SHIFT | 45u << OFPFW10_NW_DST_SHIFT | 0xffc00000u;
    of10_match_normalize(&m);
    /* high garbage bits dropped, 45 clamped to 32, host bits cleared */
    assert_int_equal(m.wildcards, 8u << OFPFW10_NW_SRC_SHIFT | OFPFW10_NW_DST_ALL);
    assert_int_equal(m.nw_src, 0x0a000100);
    assert_int_equal(m.nw_dst, 0);
}

static void test_normalize_zeroes_wildcarded(void **state)
{
    (void)state;
    struct of10_match m;
    load_match(exact_hex, &m);
    m.wildcards = OFPFW10_IN_PORT | OFPFW10_DL_SRC | OFPFW10_DL_DST | OFPFW10_DL_VLAN |
                  OFPFW10_DL_VLAN_PCP | OFPFW10_NW_TOS | OFPFW10_TP_SRC;
    of10_match_normalize(&m);
    const uint8_t zero[6] = {0};
    assert_int_equal(m.in_port, 0);
    assert_memory_equal(m.dl_src, zero, 6);
    assert_memory_equal(m.dl_dst, zero, 6);
    assert_int_equal(m.dl_vlan, 0);
    assert_int_equal(m.dl_vlan_pcp, 0);
    assert_int_equal(m.nw_tos, 0);
    assert_int_equal(m.tp_src, 0);
    assert_int_equal(m.tp_dst, 80);
}

/* Bits a switch ignores are dropped like OVS does: VID above 12 bits, PCP above
 * 3 bits, ECN bits of the TOS. */
static void test_normalize_masks_values(void **state)
{
    (void)state;
    struct of10_match m;
    load_match(exact_hex, &m);
    m.dl_vlan = 0xf123;
    m.dl_vlan_pcp = 0xfd;
    m.nw_tos = 0x2b;
    of10_match_normalize(&m);
    assert_int_equal(m.dl_vlan, 0x123);
    assert_int_equal(m.dl_vlan_pcp, 5);
    assert_int_equal(m.nw_tos, 0x28);
}

static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Normalising is idempotent and survives the wire, for arbitrary matches
 * biased towards the interesting dl_type and nw_proto values. */
static void test_normalize_random(void **state)
{
    (void)state;
    static const uint16_t types[] = {0x0800, 0x0806, 0x86dd, 0};
    static const uint8_t protos[] = {1, 6, 17, 47};
    for (int i = 0; i < 5000; i++) {
        uint8_t b[OFP10_MATCH_LEN];
        for (size_t j = 0; j < sizeof b; j++)
            b[j] = (uint8_t)rnd();
        struct of10_match m, n, w;
        of10_match_decode(b, &m);
        m.wildcards &= rnd() | rnd();
        m.dl_type = types[rnd() % 4];
        m.nw_proto = protos[rnd() % 4];
        if (rnd() % 4 == 0) m.dl_vlan = OFP10_VLAN_NONE;
        of10_match_normalize(&m);
        n = m;
        of10_match_normalize(&n);
        assert_true(of10_match_equal(&m, &n));
        of10_match_encode(&m, b);
        of10_match_decode(b, &w);
        assert_true(of10_match_equal(&m, &w));
    }
}

static void test_equal_each_field(void **state)
{
    (void)state;
    struct of10_match a, b;
    load_match(exact_hex, &a);
    for (size_t off = 0; off < OFP10_MATCH_LEN; off++) {
        uint8_t raw[OFP10_MATCH_LEN];
        unit_hex(exact_hex, raw, sizeof raw);
        raw[off] ^= 0x01;
        of10_match_decode(raw, &b);
        bool pad = off == 21 || off == 26 || off == 27;
        assert_int_equal(of10_match_equal(&a, &b), pad);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_fields),
        cmocka_unit_test(test_encode_zero_pads),
        cmocka_unit_test(test_wild_bits),
        cmocka_unit_test(test_set_prefix),
        cmocka_unit_test(test_catchall),
        cmocka_unit_test(test_normalize_keeps_valid),
        cmocka_unit_test(test_normalize_no_dl_type),
        cmocka_unit_test(test_normalize_other_dl_type),
        cmocka_unit_test(test_normalize_ip_no_proto),
        cmocka_unit_test(test_normalize_l4_protocols),
        cmocka_unit_test(test_normalize_arp),
        cmocka_unit_test(test_normalize_vlan_pcp),
        cmocka_unit_test(test_normalize_prefix_and_clamp),
        cmocka_unit_test(test_normalize_zeroes_wildcarded),
        cmocka_unit_test(test_normalize_masks_values),
        cmocka_unit_test(test_normalize_random),
        cmocka_unit_test(test_equal_each_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
