/*
 * of10_arena.c - bump allocator for the arrays of a decoded message. The decoder
 * never mallocs: the caller owns the memory and resets it between messages.
 */
#include <stdint.h>

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
