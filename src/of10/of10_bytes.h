/*
 * of10_bytes.h - the fixed-size string copies OpenFlow uses, plus the shared
 * big-endian loads and stores (lib/be.h). Internal to the of10 codec: every
 * wire field is read through these, so no struct is ever cast onto an input
 * buffer.
 */
#ifndef VF_OF10_BYTES_H
#define VF_OF10_BYTES_H

#include <stdint.h>
#include <string.h>

#include "lib/be.h"

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
