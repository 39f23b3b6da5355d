/*
 * etcd_b64.c - strict base64 (RFC 4648, standard alphabet, padded), the form
 * etcd's gateway gives keys and values in.
 *
 * Decisions: decoding refuses anything a canonical encoder would not write:
 * a length that is not a multiple of 4, whitespace, '=' anywhere but the last
 * one or two places, and bits set in the unused low part of the last symbol
 * ("YR==" is not "a"). So each byte string has exactly one accepted text,
 * and a key compares equal as text or as bytes alike.
 */
#include "etcd/etcd.h"

static const char b64_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t etcd_b64_enc(char *dst, const void *src, size_t n)
{
    const uint8_t *s = src;
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        dst[o++] = b64_alpha[v >> 18];
        dst[o++] = b64_alpha[v >> 12 & 63];
        dst[o++] = b64_alpha[v >> 6 & 63];
        dst[o++] = b64_alpha[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)s[i] << 16;
        dst[o++] = b64_alpha[v >> 18];
        dst[o++] = b64_alpha[v >> 12 & 63];
        dst[o++] = '=';
        dst[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
        dst[o++] = b64_alpha[v >> 18];
        dst[o++] = b64_alpha[v >> 12 & 63];
        dst[o++] = b64_alpha[v >> 6 & 63];
        dst[o++] = '=';
    }
    dst[o] = '\0';
    return o;
}

static int b64_val(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int etcd_b64_dec(void *dst, size_t cap, const char *src, size_t n)
{
    uint8_t *d = dst;
    size_t o = 0;
    if (n % 4) return -1;
    if (n / 4 * 3 > (size_t)INT32_MAX) return -1;
    for (size_t i = 0; i < n; i += 4) {
        int last = i + 4 == n;
        int pad = last ? (src[i + 3] == '=') + (src[i + 2] == '=') : 0;
        if (pad == 1 && src[i + 2] == '=') return -1; /* "x=y=" style */
        int v[4];
        for (int k = 0; k < 4 - pad; k++)
            if ((v[k] = b64_val(src[i + k])) < 0) return -1;
        for (int k = 4 - pad; k < 4; k++)
            v[k] = 0;
        uint32_t w =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        size_t nb = 3 - (size_t)pad;
        if (pad == 2 && (w & 0xffff)) return -1; /* bits left in the last symbol */
        if (pad == 1 && (w & 0xff)) return -1;
        if (o + nb > cap) return -1;
        d[o++] = (uint8_t)(w >> 16);
        if (nb > 1) d[o++] = (uint8_t)(w >> 8);
        if (nb > 2) d[o++] = (uint8_t)w;
    }
    return (int)o;
}
