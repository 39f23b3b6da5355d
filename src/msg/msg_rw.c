/*
 * msg_rw.c - the field writer and reader every payload codec is built from.
 * Integers are big-endian; strings are a length prefix and the bytes, no NUL.
 * Both sides keep a sticky error so a codec is a straight list of puts/gets
 * with one check at the end, and the reader remembers the first reason.
 */
#include "msg/msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/be.h"

/* ---- writer ------------------------------------------------------------------ */

void msg_w_init(struct msg_w *w, uint8_t *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->failed = 0;
}

/* Reserve n bytes; NULL (and failed) when they do not fit. */
static uint8_t *w_room(struct msg_w *w, size_t n)
{
    if (w->failed || n > w->cap - w->len) {
        w->failed = 1;
        return NULL;
    }
    uint8_t *p = w->buf + w->len;
    w->len += n;
    return p;
}

void msg_put_u8(struct msg_w *w, uint8_t v)
{
    uint8_t *p = w_room(w, 1);
    if (p) *p = v;
}

void msg_put_u16(struct msg_w *w, uint16_t v)
{
    uint8_t *p = w_room(w, 2);
    if (p) be_put16(p, v);
}

void msg_put_u32(struct msg_w *w, uint32_t v)
{
    uint8_t *p = w_room(w, 4);
    if (p) be_put32(p, v);
}

void msg_put_u64(struct msg_w *w, uint64_t v)
{
    uint8_t *p = w_room(w, 8);
    if (p) be_put64(p, v);
}

void msg_put_bytes(struct msg_w *w, const void *src, size_t n)
{
    uint8_t *p = w_room(w, n);
    if (p && n) memcpy(p, src, n);
}

void msg_put_str(struct msg_w *w, const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n > max || n > UINT16_MAX) {
        w->failed = 1;
        return;
    }
    msg_put_u16(w, (uint16_t)n);
    msg_put_bytes(w, s, n);
}

void msg_put_lstr(struct msg_w *w, const char *p, size_t n, size_t max)
{
    if (n > max || n > UINT32_MAX || (n && !p)) {
        w->failed = 1;
        return;
    }
    msg_put_u32(w, (uint32_t)n);
    msg_put_bytes(w, p, n);
}

/* ---- reader ------------------------------------------------------------------ */

void msg_r_init(struct msg_r *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->pos = 0;
    r->failed = 0;
    r->err[0] = '\0';
}

int msg_r_fail(struct msg_r *r, const char *fmt, ...)
{
    if (!r->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, sizeof(r->err), fmt, ap);
        va_end(ap);
        r->failed = 1;
    }
    return MSG_FATAL;
}

/* The next n bytes, or NULL (and the failure recorded) when fewer are left. */
static const uint8_t *r_take(struct msg_r *r, size_t n)
{
    if (r->failed) return NULL;
    if (n > r->len - r->pos) {
        msg_r_fail(r, "truncated: %zu-byte field at offset %zu, %zu left", n, r->pos,
                   r->len - r->pos);
        return NULL;
    }
    const uint8_t *p = r->p + r->pos;
    r->pos += n;
    return p;
}

uint8_t msg_get_u8(struct msg_r *r)
{
    const uint8_t *p = r_take(r, 1);
    return p ? *p : 0;
}

uint16_t msg_get_u16(struct msg_r *r)
{
    const uint8_t *p = r_take(r, 2);
    return p ? be_get16(p) : 0;
}

uint32_t msg_get_u32(struct msg_r *r)
{
    const uint8_t *p = r_take(r, 4);
    return p ? be_get32(p) : 0;
}

uint64_t msg_get_u64(struct msg_r *r)
{
    const uint8_t *p = r_take(r, 8);
    return p ? be_get64(p) : 0;
}

int msg_get_bytes(struct msg_r *r, void *dst, size_t n)
{
    const uint8_t *p = r_take(r, n);
    if (!p) {
        memset(dst, 0, n);
        return MSG_FATAL;
    }
    memcpy(dst, p, n);
    return MSG_OK;
}

/* Body of a length-prefixed string whose prefix (n, at offset at) was just
 * read: bounds, field maximum, then no NUL, so every text field reaching a
 * handler is a plain C string with no hidden tail. */
static const uint8_t *r_text(struct msg_r *r, size_t at, size_t n, size_t max)
{
    if (r->failed) return NULL;
    if (n > r->len - r->pos) {
        msg_r_fail(r, "string of %zu bytes at offset %zu runs past the end (%zu left)", n, at,
                   r->len - r->pos);
        return NULL;
    }
    if (n > max) {
        msg_r_fail(r, "string of %zu bytes at offset %zu exceeds field maximum %zu", n, at, max);
        return NULL;
    }
    const uint8_t *p = r->p + r->pos;
    const uint8_t *nul = memchr(p, 0, n);
    if (nul) {
        msg_r_fail(r, "NUL byte in text at offset %zu", r->pos + (size_t)(nul - p));
        return NULL;
    }
    r->pos += n;
    return p;
}

int msg_get_str(struct msg_r *r, char *dst, size_t cap)
{
    size_t at = r->pos;
    uint16_t n = msg_get_u16(r);
    const uint8_t *p = r_text(r, at, n, cap - 1);
    if (!p) {
        dst[0] = '\0';
        return MSG_FATAL;
    }
    memcpy(dst, p, n);
    dst[n] = '\0';
    return MSG_OK;
}

/* Names end up in log lines, reason strings and Lua table keys: a small,
 * printable alphabet keeps them unambiguous everywhere. */
static int name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == ':' || c == '-';
}

int msg_get_name(struct msg_r *r, char *dst, size_t cap)
{
    size_t at = r->pos;
    if (msg_get_str(r, dst, cap) != MSG_OK) return MSG_FATAL;
    if (!dst[0]) {
        msg_r_fail(r, "empty name at offset %zu", at);
        return MSG_FATAL;
    }
    for (size_t i = 0; dst[i]; i++) {
        if (!name_char((unsigned char)dst[i])) {
            msg_r_fail(r, "byte 0x%02x not allowed in a name at offset %zu", (unsigned char)dst[i],
                       at + 2 + i);
            dst[0] = '\0';
            return MSG_FATAL;
        }
    }
    return MSG_OK;
}

int msg_get_lstr(struct msg_r *r, const char **out, uint32_t *n, size_t max)
{
    size_t at = r->pos;
    uint32_t len = msg_get_u32(r);
    const uint8_t *p = r_text(r, at, len, max);
    *out = p ? (const char *)p : "";
    *n = p ? len : 0;
    return p ? MSG_OK : MSG_FATAL;
}

int msg_get_end(struct msg_r *r)
{
    if (r->failed) return MSG_FATAL;
    if (r->pos != r->len)
        return msg_r_fail(r, "%zu trailing bytes at offset %zu", r->len - r->pos, r->pos);
    return MSG_OK;
}
