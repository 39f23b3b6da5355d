/*
 * json.h - small helpers for writing JSON by hand (snprintf into a buffer).
 */
#ifndef VF_LIB_JSON_H
#define VF_LIB_JSON_H

#include <stddef.h>

/* The JSON string body (without quotes) of untrusted text s, into dst of cap
 * bytes (cap >= 1): '"' and '\\' are backslashed, control characters and
 * bytes >= 0x7f become \u00XX. Output that would not fit is cut at a
 * character boundary; dst is always NUL-terminated. Returns dst. */
const char *json_escape(char *dst, size_t cap, const char *s);

#endif
