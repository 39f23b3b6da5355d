/*
 * of10_internal.h - what the files of the of10 codec share and nobody else
 * needs: port classes, arena arrays, and the per-message functions that the
 * message table in of10_msg.c dispatches to.
 */
#ifndef VF_OF10_INTERNAL_H
#define VF_OF10_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "of10/of10.h"

/* Largest message: the header's length field is 16 bits. */
#define OF10_MAX_MSG_LEN 65535u

/* Ports 1..0xfeff name a physical port. */
static inline bool of10_port_is_physical(uint16_t port)
{
    return port >= 1 && port < OFPP10_MAX;
}

/* Length arithmetic on caller-supplied sizes saturates instead of wrapping, so
 * an absurd size can only ever make a message "too long". */
static inline size_t of10_len_add(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

static inline size_t of10_len_mul(size_t n, size_t size)
{
    return size && n > SIZE_MAX / size ? SIZE_MAX : n * size;
}

/* A byte range is usable when it points somewhere or is empty. */
static inline bool of10_bytes_ok(const struct of10_bytes *b)
{
    return b->p || !b->len;
}

/* n elements of size bytes from the arena; NULL for n == 0 (and *err untouched)
 * or when the arena is full (*err = OF10_E_NOSPACE). */
void *of10_arena_array(struct of10_arena *a, size_t n, size_t size, uint32_t *err);

/* ---- arrays of entries in a body ----------------------------------------- */

/* Fixed-size entries: a body of blen bytes must hold a whole number of
 * wsize-byte wire entries (else *err = OF10_E_BAD_LEN); sets *n to that number
 * and returns an arena array of *n elements of size bytes (of10_arena_array). */
void *of10_entries_alloc(size_t blen, size_t wsize, size_t size, size_t *n,
                         struct of10_arena *arena, uint32_t *err);

/* Decodes the fixed-size entries of a body into an arena array: v and n are
 * the array and its count (lvalues), fn(entry bytes, element pointer) decodes
 * one entry. On an error *err is set and v is NULL. */
#define OF10_DECODE_ENTRIES(v, n, b, blen, wsize, fn, arena, err)                                  \
    do {                                                                                           \
        (v) = of10_entries_alloc((blen), (wsize), sizeof *(v), &(n), (arena), (err));              \
        for (size_t i_ = 0; !*(err) && i_ < (n); i_++)                                             \
            fn((b) + i_ * (wsize), &(v)[i_]);                                                      \
    } while (0)

/* Self-sized entries (flow stats, packet queues, queue properties): each
 * starts with a 16-bit length at len_off, which must be at least min (the
 * entry's fixed part, never 0), a multiple of 8, and fit in the body. Walks the
 * blen bytes at b, calls check(entry, its length) on each well-framed entry
 * when check is not NULL, and counts them into *n. Returns OF10_E_BAD_LEN for
 * bad framing, check's first error, or OF10_OK. */
typedef uint32_t of10_entry_check_fn(const uint8_t *e, size_t len);
uint32_t of10_entries_count(const uint8_t *b, size_t blen, size_t min, size_t len_off,
                            of10_entry_check_fn *check, size_t *n);

/* Per-message functions. p is the whole message (header included), len its
 * length, already checked against the message table's length rule. */
typedef uint32_t of10_decode_fn(const uint8_t *p, size_t len, struct of10_msg *m,
                                struct of10_arena *arena);
typedef uint32_t of10_validate_fn(const struct of10_msg *m);
typedef size_t of10_len_fn(const struct of10_msg *m); /* total, saturating */
typedef void of10_encode_fn(const struct of10_msg *m, uint8_t *p);

/* FEATURES_REPLY, PORT_STATUS, PORT_MOD and ofp_phy_port (of10_msg_switch.c) */
of10_decode_fn of10_features_decode, of10_port_status_decode, of10_port_mod_decode;
of10_validate_fn of10_features_validate, of10_port_mod_validate;
of10_len_fn of10_features_len;
of10_encode_fn of10_features_encode, of10_port_status_encode, of10_port_mod_encode;

/* PACKET_IN, FLOW_REMOVED, PACKET_OUT, FLOW_MOD (of10_msg_flow.c) */
of10_decode_fn of10_packet_in_decode, of10_flow_removed_decode;
of10_decode_fn of10_packet_out_decode, of10_flow_mod_decode;
of10_validate_fn of10_packet_in_validate, of10_packet_out_validate, of10_flow_mod_validate;
of10_len_fn of10_packet_in_len, of10_packet_out_len, of10_flow_mod_len;
of10_encode_fn of10_packet_in_encode, of10_flow_removed_encode;
of10_encode_fn of10_packet_out_encode, of10_flow_mod_encode;

/* STATS_REQUEST / STATS_REPLY (of10_stats.c) */
of10_decode_fn of10_stats_request_decode, of10_stats_reply_decode;
of10_validate_fn of10_stats_request_validate, of10_stats_reply_validate;
of10_len_fn of10_stats_request_len, of10_stats_reply_len;
of10_encode_fn of10_stats_request_encode, of10_stats_reply_encode;

/* QUEUE_GET_CONFIG_REQUEST / _REPLY (of10_queue.c) */
of10_decode_fn of10_qgc_request_decode, of10_qgc_reply_decode;
of10_validate_fn of10_qgc_request_validate, of10_qgc_reply_validate;
of10_len_fn of10_qgc_reply_len;
of10_encode_fn of10_qgc_request_encode, of10_qgc_reply_encode;

#endif
