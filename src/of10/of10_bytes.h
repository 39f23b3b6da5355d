/*
 * of10_bytes.h - big-endian loads and stores at byte offsets, and the fixed-size
 * string copies OpenFlow uses. Internal to the of10 codec: every wire field is
 * read through these, so no struct is ever cast onto an input buffer.
 */
#ifndef VF_OF10_BYTES_H
#define VF_OF10_BYTES_H

#include <stdint.h>
#include <string.h>

static inline uint16_t of10_get16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static inline uint32_t of10_get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t of10_get64(const uint8_t *p)
{
    return (uint64_t)of10_get32(p) << 32 | of10_get32(p + 4);
}

static inline void of10_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void of10_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void of10_put64(uint8_t *p, uint64_t v)
{
    of10_put32(p, (uint32_t)(v >> 32));
    of10_put32(p + 4, (uint32_t)v);
}

/* Wire string of max bytes (not necessarily NUL-terminated) into dst, which has
 * room for max + 1: copy up to the first NUL, always terminate. */
static inline void of10_get_str(char *dst, const uint8_t *p, size_t max)
{
    size_t n = 0;
    while (n < max && p[n])
        n++;
    memcpy(dst, p, n);
    dst[n] = '\0';
}

/* Host string into a max-byte wire field, zero padded. A string of exactly max
 * characters fills the field without a NUL, as the spec allows. */
static inline void of10_put_str(uint8_t *p, const char *src, size_t max)
{
    size_t n = strnlen(src, max);
    memcpy(p, src, n);
    memset(p + n, 0, max - n);
}

#endif
