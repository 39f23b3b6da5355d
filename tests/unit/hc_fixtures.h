/*
 * hc_fixtures.h - hypercall frames written out byte by byte from
 * docs/hypercall.md (not by the encoder), shared by the codec and server tests.
 * Frames shorter than 60 bytes are padded with zeros by hcx_load, as the encoder
 * and an Ethernet NIC do.
 */
#ifndef VF_TEST_HC_FIXTURES_H
#define VF_TEST_HC_FIXTURES_H

#include "unit.h"

#include "hc/hc.h"

#define HCX_ETH_REQ "ff ff ff ff ff ff  52 54 00 12 34 56  88 b5 "
#define HCX_ETH_REP "52 54 00 12 34 56  02 56 46 48 43 00  88 b5 "
#define HCX_ETH_NTF "ff ff ff ff ff ff  02 56 46 48 43 00  88 b5 "

/* RULE_ADD id 0x01020304: drop 10.0.0.9/32 proto tcp port 22 dir to-guest */
#define HCX_ADD                                                                                    \
    HCX_ETH_REQ "56 46 01 01 0000 000c 01020304 0000 00 00"                                        \
                "0a000009 20 06 0016 02 01 0000"
/* RULE_DEL id 0x01020305: rule 7 */
#define HCX_DEL HCX_ETH_REQ "56 46 01 02 0000 0004 01020305 0000 00 00  00000007"
/* RULE_LIST id 0x01020306: from rule 1 */
#define HCX_LIST HCX_ETH_REQ "56 46 01 03 0000 0004 01020306 0000 00 00  00000001"
/* EVENTS id 0x01020307: from seq 0 (everything kept) */
#define HCX_EVENTS HCX_ETH_REQ "56 46 01 04 0000 0004 01020307 0000 00 00  00000000"
/* REPLY to RULE_ADD 0x01020304: OK, rule 7 */
#define HCX_REP_ADD HCX_ETH_REP "56 46 01 81 0000 0004 01020304 0000 01 00  00000007"
/* REPLY to RULE_DEL 0x01020305: EPERM "rule 7 belongs to admin" */
#define HCX_REP_PERM                                                                               \
    HCX_ETH_REP "56 46 01 81 0000 0017 01020305 0001 02 00"                                        \
                "72756c652037 2062656c6f6e6773 20746f 2061646d696e"
/* REPLY to RULE_LIST 0x0a0b0c0d, MORE: rule 3 drop 10.0.0.0/24 udp 53 both
 * (5 packets, 500 bytes), rule 9 pass 192.168.1.1/32 any from-guest */
#define HCX_REP_LIST                                                                               \
    HCX_ETH_REP "56 46 01 81 0001 0040 0a0b0c0d 0000 03 00"                                        \
                "00000003 0a000000 18 11 0035 03 01 0000 0000000000000005 00000000000001f4"        \
                "00000009 c0a80101 20 00 0000 01 00 0000 0000000000000000 0000000000000000"
/* NOTIFY seq 3: scan-blocked, tcp, 2023-09-12 (0x65000000), 10.0.0.99
 * 02:00:00:00:00:63, port 22, rule 12, "port scan 22" */
#define HCX_NOTE3                                                                                  \
    "00000003 0001 06 0c 0000000065000000 0a000063 020000000063 0016 0000000c"                     \
    "706f7274 20736361 6e203232 00000000 00000000 00000000 00000000 00000000"                      \
    "00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000"
#define HCX_NOTIFY HCX_ETH_NTF "56 46 01 82 0000 0060 00000003 0000 00 00" HCX_NOTE3
/* REPLY to EVENTS 0x01020307: that one note */
#define HCX_REP_EVENTS HCX_ETH_REP "56 46 01 81 0000 0060 01020307 0000 04 00" HCX_NOTE3

/* Loads hex into buf (HC_FRAME_MAX + 64 bytes); pad: zero-fill to 60 bytes. */
static inline size_t hcx_load(const char *hex, uint8_t *buf, int pad)
{
    long n = unit_hex(hex, buf, HC_FRAME_MAX + 64);
    assert_true(n > 0);
    if (pad && n < (long)HC_MIN_FRAME) {
        memset(buf + n, 0, HC_MIN_FRAME - (size_t)n);
        n = HC_MIN_FRAME;
    }
    return (size_t)n;
}

#endif
