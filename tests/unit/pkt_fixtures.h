/*
 * pkt_fixtures.h - what the pkt_ tests share: the two Ethernet addresses every
 * hand-written frame uses, a parse-into-globals helper and the expected-match
 * helpers. Each test program includes it, so each still stands alone.
 */
#ifndef VF_TEST_PKT_FIXTURES_H
#define VF_TEST_PKT_FIXTURES_H

#include "unit.h"

#include "pkt/pkt.h"

#define DST "02 00 00 00 00 02 "
#define SRC "02 00 00 00 00 01 "
#define ETH DST SRC

__attribute__((unused)) static uint8_t g_buf[2048];
__attribute__((unused)) static struct pkt_info g_pi;

/* Parse hex into g_buf and g_pi; the call must succeed. */
__attribute__((unused)) static size_t parse_hex(const char *hex)
{
    long n = unit_hex(hex, g_buf, sizeof g_buf);
    assert_true(n >= 0);
    assert_int_equal(pkt_parse(g_buf, (size_t)n, &g_pi), PKT_OK);
    assert_ptr_equal(g_pi.base, g_buf);
    assert_int_equal(g_pi.len, (size_t)n);
    return (size_t)n;
}

__attribute__((unused)) static const uint8_t MAC_D[6] = {2, 0, 0, 0, 0, 2};
__attribute__((unused)) static const uint8_t MAC_S[6] = {2, 0, 0, 0, 0, 1};

/* The match every test starts from: our two MACs, untagged, given type. */
__attribute__((unused)) static struct of10_match base_match(uint16_t dl_type)
{
    struct of10_match m;
    memset(&m, 0, sizeof m);
    m.in_port = 7;
    memcpy(m.dl_src, MAC_S, 6);
    memcpy(m.dl_dst, MAC_D, 6);
    m.dl_vlan = 0xffff;
    m.dl_type = dl_type;
    return m;
}

__attribute__((unused)) static void check_match(const struct of10_match *exp)
{
    struct of10_match m;
    memset(&m, 0xa5, sizeof m);
    pkt_to_of10_match(&g_pi, 7, &m);
    assert_int_equal(m.wildcards, exp->wildcards);
    assert_int_equal(m.in_port, exp->in_port);
    assert_memory_equal(m.dl_src, exp->dl_src, 6);
    assert_memory_equal(m.dl_dst, exp->dl_dst, 6);
    assert_int_equal(m.dl_vlan, exp->dl_vlan);
    assert_int_equal(m.dl_vlan_pcp, exp->dl_vlan_pcp);
    assert_int_equal(m.dl_type, exp->dl_type);
    assert_int_equal(m.nw_tos, exp->nw_tos);
    assert_int_equal(m.nw_proto, exp->nw_proto);
    assert_int_equal(m.nw_src, exp->nw_src);
    assert_int_equal(m.nw_dst, exp->nw_dst);
    assert_int_equal(m.tp_src, exp->tp_src);
    assert_int_equal(m.tp_dst, exp->tp_dst);
}

#endif
