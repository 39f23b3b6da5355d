/*
 * etcd_internal.h - what the etcd codec's files share and nobody else uses:
 * the JSON tokenizer (etcd_json.c) that etcd_resp.c walks, string and
 * integer readers over its tokens, and the error formatter.
 *
 * Tokens are a flat array in document order. A container token counts its
 * direct children (an object's members as pairs) and records the index just
 * past its subtree (next), so a walker skips a value it does not know in
 * O(1) and nothing needs recursion.
 */
#ifndef VF_ETCD_INTERNAL_H
#define VF_ETCD_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "etcd/etcd.h"

/* Members of one object. Duplicate names are refused, which costs a
 * comparison with every earlier name of the object; this bound keeps that
 * quadratic part small (etcd's messages have under 10 fields). */
#define ETCD_JSON_KEYS_MAX 256

enum etcd_tok_type {
    ETCD_T_OBJ = 1,
    ETCD_T_ARR,
    ETCD_T_STR, /* also an object member's name */
    ETCD_T_NUM,
    ETCD_T_TRUE,
    ETCD_T_FALSE,
    ETCD_T_NULL,
};

struct etcd_tok {
    uint8_t type;
    uint32_t pos;  /* offset of the text; a string's first byte after its quote */
    uint32_t len;  /* text length; a string's raw length between its quotes */
    uint32_t size; /* children: an object's members, an array's elements */
    uint32_t next; /* index of the first token after this value's subtree */
};

struct etcd_json {
    const char *src;
    struct etcd_tok *t;
    size_t n, cap;
};

/* One JSON value (whitespace around it allowed) into j->t (j->cap tokens,
 * at most ETCD_TOKENS_MAX used). 0, or -1 with the reason and its offset. */
int etcd_json_parse(struct etcd_json *j, const char *s, size_t len, char *err, size_t errcap);

/* The decoded bytes of string token i into dst (no NUL added): the length,
 * or -1 when longer than cap. The tokenizer validated the escapes. */
long etcd_json_str(const struct etcd_json *j, size_t i, char *dst, size_t cap);
/* Whether string token i decodes to the NUL-terminated name. */
int etcd_json_str_eq(const struct etcd_json *j, size_t i, const char *name);
/* Whether string tokens a and b decode to the same bytes. */
int etcd_json_str_same(const struct etcd_json *j, size_t a, size_t b);

/* An integer as proto3 JSON sends it: a decimal string or a JSON number,
 * optional '-', no '+', no leading zeros, no fraction or exponent. 0, or -1
 * with a reason ("not an integer", "out of range"). */
int etcd_int64(const char *s, size_t n, int64_t *out, const char **why);
int etcd_uint64(const char *s, size_t n, uint64_t *out, const char **why);

/* snprintf into err when err is not NULL; returns -1 for `return etcd_err(...)`. */
int etcd_err(char *err, size_t errcap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
