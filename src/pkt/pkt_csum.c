/*
 * pkt_csum.c - the Internet checksum (RFC 1071), TCP/UDP pseudo-headers, and
 * RFC 1624 incremental updates.
 *
 * Sums are kept in 32 bits and folded on every call, so chunks of up to
 * 64 KiB (any IP datagram) can be chained without overflow.
 */
#include "pkt/pkt.h"

#include "lib/be.h"

uint32_t pkt_csum_add(uint32_t sum, const void *data, size_t len)
{
    const uint8_t *p = data;
    size_t i;

    sum = (sum & 0xffff) + (sum >> 16);
    for (i = 0; i + 1 < len; i += 2) {
        sum += be_get16(p + i);
    }
    if (len & 1) {
        sum += (uint32_t)p[len - 1] << 8; /* pad the odd byte with zero */
    }
    /* Keep the carry from ever overflowing 32 bits. */
    return (sum & 0xffff) + (sum >> 16);
}

uint16_t pkt_csum_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

uint16_t pkt_csum(const void *data, size_t len)
{
    return pkt_csum_fold(pkt_csum_add(0, data, len));
}

uint32_t pkt_csum_pseudo4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4_len)
{
    uint32_t sum = 0;

    sum += src >> 16;
    sum += src & 0xffff;
    sum += dst >> 16;
    sum += dst & 0xffff;
    sum += proto;
    sum += l4_len;
    return sum;
}

uint32_t pkt_csum_pseudo6(const uint8_t src[16], const uint8_t dst[16], uint8_t nexthdr,
                          uint32_t l4_len)
{
    uint32_t sum = 0;

    sum = pkt_csum_add(sum, src, 16);
    sum = pkt_csum_add(sum, dst, 16);
    sum += l4_len >> 16;
    sum += l4_len & 0xffff;
    sum += nexthdr;
    return sum;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). Unlike eqn. 2 it never yields
 * 0x0000 from a non-zero sum (the -0 problem of RFC 1141). */
uint16_t pkt_csum_update16(uint16_t csum, uint16_t old_val, uint16_t new_val)
{
    uint32_t sum = (uint16_t)~csum;

    sum += (uint16_t)~old_val;
    sum += new_val;
    return pkt_csum_fold(sum);
}

uint16_t pkt_csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val)
{
    csum = pkt_csum_update16(csum, (uint16_t)(old_val >> 16), (uint16_t)(new_val >> 16));
    return pkt_csum_update16(csum, (uint16_t)old_val, (uint16_t)new_val);
}

uint16_t pkt_csum_l4_ip4(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *l4,
                         size_t l4_len)
{
    uint32_t sum = 0;
    uint16_t c;

    if (proto != PKT_IPPROTO_ICMP) {
        sum = pkt_csum_pseudo4(src, dst, proto, (uint16_t)l4_len);
    }
    c = pkt_csum_fold(pkt_csum_add(sum, l4, l4_len));
    if (proto == PKT_IPPROTO_UDP && c == 0) {
        c = 0xffff;
    }
    return c;
}
