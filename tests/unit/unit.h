/*
 * unit.h - what every cmocka unit test includes: cmocka's required headers in
 * the order it needs them, and small helpers for hex fixtures.
 */
#ifndef VF_TEST_UNIT_H
#define VF_TEST_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Parse hex ("01 00 00 08" or "01000008", '#' starts a comment to end of line)
 * into out; returns the byte count, or -1 on a bad digit / overflow. */
static inline long unit_hex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        if (*s == '#') {
            while (*s && *s != '\n') s++;
            if (!*s) break;
            continue;
        }
        int v;
        if (*s >= '0' && *s <= '9') v = *s - '0';
        else if (*s >= 'a' && *s <= 'f') v = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F') v = *s - 'A' + 10;
        else if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r' || *s == ':') continue;
        else return -1;
        if (hi < 0) { hi = v; continue; }
        if (n >= cap) return -1;
        out[n++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    return hi < 0 ? (long)n : -1;
}

/* Root of the source tree (for golden files): $VF_ROOT or ".". */
static inline const char *unit_root(void)
{
    const char *r = getenv("VF_ROOT");
    return r && *r ? r : ".";
}

#endif
