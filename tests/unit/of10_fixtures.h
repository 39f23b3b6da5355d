/*
 * of10_fixtures.h - hand-written OpenFlow 1.0 messages (hex, from the spec's
 * struct layouts, pads zero) shared by the codec tests, and the input/output
 * buffers and helpers those tests build messages in.
 */
#ifndef VF_TEST_OF10_FIXTURES_H
#define VF_TEST_OF10_FIXTURES_H

#include "unit.h"

#include "of10/of10.h"

/* nw_proto TCP, in_port 3, nw_src 10.0.1.0/24, tp_dst 80; rest wildcarded */
#define MATCH_TCP                                                                                  \
    "0038084e 0003 000000000000 000000000000 0000 00 00 0800 00 06 0000"                           \
    "0a000100 00000000 0000 0050"
/* catch-all, OVS spelling */
#define MATCH_ALL                                                                                  \
    "003820ff 0000 000000000000 000000000000 0000 00 00 0000 00 00 0000"                           \
    "00000000 00000000 0000 0000"

/* port 1 "eth0", and LOCAL with a 16-character name (no NUL on the wire) */
#define PORT_1                                                                                     \
    "0001 0a0b0c0d0e0f 65746830000000000000000000000000"                                           \
    "00000000 00000001 000002c0 00000280 000002c0 00000000"
#define PORT_LOCAL                                                                                 \
    "fffe 0a0b0c0d0e10 6162636465666768696a6b6c6d6e6f70"                                           \
    "00000001 00000000 00000000 00000000 00000000 00000000"

#define HELLO_HEX        "01 00 0008 00000001"
#define HELLO_V4_HEX     "04 00 0010 00000002 0001 0008 00000012"
#define ERROR_HEX        "01 01 0014 00000003 0001 0006 010e0048 00000005"
#define ECHO_REQ_HEX     "01 02 000c 00000004 deadbeef"
#define ECHO_REP_HEX     "01 03 0008 00000004"
#define VENDOR_HEX       "01 04 0014 00000005 00002320 0000000a 00000000"
#define FEATURES_REQ_HEX "01 05 0008 00000006"
#define FEATURES_REP_HEX                                                                           \
    "01 06 0080 00000006 0000000000000001 00000100 fe 000000 000000c7 00000fff" PORT_1 PORT_LOCAL
#define GET_CONFIG_REQ_HEX "01 07 0008 00000007"
#define GET_CONFIG_REP_HEX "01 08 000c 00000007 0001 0080"
#define SET_CONFIG_HEX     "01 09 000c 00000008 0000 ffff"
#define PACKET_IN_HEX      "01 0a 0018 00000000 00000100 0006 0001 01 00 010203040506"
#define FLOW_REMOVED_HEX                                                                           \
    "01 0b 0058 00000009" MATCH_TCP "0000000000000abc 8000 01 00 0000000a 000f4240 003c 0000"      \
    "0000000000000064 0000000000001770"
#define PORT_STATUS_HEX    "01 0c 0040 0000000a 02 00000000000000" PORT_1
#define PACKET_OUT_HEX     "01 0d 0020 0000000b ffffffff ffff 0008 0000 0008 fffb 0000 0102030405060708"
#define PACKET_OUT_BUF_HEX "01 0d 0018 0000000c 00000042 0001 0008 0000 0008 fff8 0000"
#define FLOW_MOD_HEX                                                                               \
    "01 0e 0060 0000000d" MATCH_TCP "0000000000000abc 0000 003c 0000 8000 ffffffff ffff 0001"      \
    "0000 0008 0002 0000 0005 0010 aabbccddeeff 000000000000"
#define PORT_MOD_HEX         "01 0f 0020 0000000e 0001 0a0b0c0d0e0f 00000001 00000001 00000000 00000000"
#define STATS_REQ_DESC_HEX   "01 10 000c 0000000f 0000 0000"
#define STATS_REQ_FLOW_HEX   "01 10 0038 00000010 0001 0000" MATCH_TCP "ff 00 ffff"
#define STATS_REQ_AGG_HEX    "01 10 0038 00000011 0002 0000" MATCH_ALL "00 00 0002"
#define STATS_REQ_TABLE_HEX  "01 10 000c 00000012 0003 0000"
#define STATS_REQ_PORT_HEX   "01 10 0014 00000013 0004 0000 ffff 000000000000"
#define STATS_REQ_QUEUE_HEX  "01 10 0014 00000014 0005 0000 fffc 0000 ffffffff"
#define STATS_REQ_VENDOR_HEX "01 10 0014 00000015 ffff 0000 00002320 01020304"
#define FLOW_ENTRY_1                                                                               \
    "0060 00 00" MATCH_TCP "0000000a 00000000 8000 003c 0000 000000000000"                         \
    "0000000000000abc 0000000000000064 0000000000001770 0000 0008 0002 0000"
#define FLOW_ENTRY_2                                                                               \
    "0058 01 00" MATCH_ALL "00000001 00000002 0000 0000 0000 000000000000"                         \
    "0000000000000000 0000000000000000 0000000000000000"
#define STATS_REP_FLOW_HEX "01 11 00c4 00000016 0001 0001" FLOW_ENTRY_1 FLOW_ENTRY_2
#define STATS_REP_AGG_HEX                                                                          \
    "01 11 0024 00000017 0002 0000 0000000000000064 0000000000001770 00000003 00000000"
#define STATS_REP_TABLE_HEX                                                                        \
    "01 11 004c 00000018 0003 0000 00 000000"                                                      \
    "636c617373696669657200000000000000000000000000000000000000000000"                             \
    "003fffff 00100000 00000005 0000000000000400 0000000000000300"
#define STATS_REP_PORT_HEX                                                                         \
    "01 11 0074 00000019 0004 0000 0001 000000000000"                                              \
    "0000000000000001 0000000000000002 0000000000000003 0000000000000004"                          \
    "0000000000000005 0000000000000006 0000000000000007 0000000000000008"                          \
    "0000000000000009 000000000000000a 000000000000000b 000000000000000c"
#define STATS_REP_QUEUE_HEX                                                                        \
    "01 11 002c 0000001a 0005 0000 0001 0000 00000001"                                             \
    "0000000000000100 0000000000000010 0000000000000000"
#define STATS_REP_VENDOR_HEX "01 11 0010 0000001b ffff 0000 00002320"
#define BARRIER_REQ_HEX      "01 12 0008 0000001c"
#define BARRIER_REP_HEX      "01 13 0008 0000001c"
#define QGC_REQ_HEX          "01 14 000c 0000001d 0001 0000"
#define QGC_REP_HEX                                                                                \
    "01 15 0038 0000001e 0001 000000000000"                                                        \
    "00000001 0018 0000 0001 0010 00000000 01f4 000000000000"                                      \
    "00000002 0010 0000 0000 0008 00000000"

/* ---- buffers and helpers ----------------------------------------------- */

__attribute__((unused)) static uint8_t in[70000], out[70000];
__attribute__((unused)) static size_t in_len;
__attribute__((unused)) static uint8_t arena_mem[OF10_ARENA_SIZE];
__attribute__((unused)) static struct of10_arena arena;

/* Hex into in / in_len; the hex must be valid. */
__attribute__((unused)) static void load(const char *hex)
{
    long n = unit_hex(hex, in, sizeof in);
    assert_true(n >= 0);
    in_len = (size_t)n;
}

/* Big-endian 16-bit value into in at byte offset off. */
__attribute__((unused)) static void put16(size_t off, uint16_t v)
{
    in[off] = (uint8_t)(v >> 8);
    in[off + 1] = (uint8_t)v;
}

#endif
