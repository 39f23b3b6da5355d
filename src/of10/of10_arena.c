/*
 * of10_arena.c - bump allocator for the arrays of a decoded message, and the
 * walkers that size those arrays from a body's entries. The decoder never
 * mallocs: the caller owns the memory and resets it between messages.
 */
#include <stdint.h>

#include "lib/be.h"
#include "of10/of10_internal.h"

void of10_arena_init(struct of10_arena *a, void *mem, size_t cap)
{
    a->base = mem;
    a->cap = mem ? cap : 0;
    a->used = 0;
}

void of10_arena_reset(struct of10_arena *a)
{
    a->used = 0;
}

/* Aligns the real address (the caller's memory may be unaligned), so every
 * decoded struct is safe to use whatever buffer the caller passed. */
void *of10_arena_alloc(struct of10_arena *a, size_t size)
{
    if (!a->base) return NULL;
    size_t pad = (size_t)(-(uintptr_t)(a->base + a->used) & 7u);
    if (pad > a->cap - a->used || size > a->cap - a->used - pad) return NULL;
    void *p = a->base + a->used + pad;
    a->used += pad + size;
    return p;
}

void *of10_arena_array(struct of10_arena *a, size_t n, size_t size, uint32_t *err)
{
    if (!n) return NULL;
    if (size && n > SIZE_MAX / size) {
        *err = OF10_E_NOSPACE;
        return NULL;
    }
    void *p = of10_arena_alloc(a, n * size);
    if (!p) *err = OF10_E_NOSPACE;
    return p;
}

void *of10_entries_alloc(size_t blen, size_t wsize, size_t size, size_t *n,
                         struct of10_arena *arena, uint32_t *err)
{
    if (blen % wsize) {
        *err = OF10_E_BAD_LEN;
        return NULL;
    }
    *n = blen / wsize;
    return of10_arena_array(arena, *n, size, err);
}

uint32_t of10_entries_count(const uint8_t *b, size_t blen, size_t min, size_t len_off,
                            of10_entry_check_fn *check, size_t *n)
{
    size_t off = 0, cnt = 0;
    while (off < blen) {
        if (blen - off < min) return OF10_E_BAD_LEN;
        size_t len = be_get16(b + off + len_off);
        if (len < min || len % 8 || len > blen - off) return OF10_E_BAD_LEN;
        uint32_t err = check ? check(b + off, len) : OF10_OK;
        if (err) return err;
        off += len;
        cnt++;
    }
    *n = cnt;
    return OF10_OK;
}
