/*
 * buf.h - a growable byte buffer with a hard cap, for connection I/O.
 *
 * Bytes are appended at the tail and consumed from the front. Consuming only
 * moves an offset; the live bytes are moved back to the start lazily, when
 * that costs at most a few times what was consumed, so every operation is
 * amortised O(1) per byte. The cap bounds the number of pending bytes, which
 * is how a connection's output queue stays bounded when its peer stops
 * reading; memory stays below cap + cap/4 (the slack compaction needs).
 *
 * Returns: BUF_OK (0) on success; BUF_EFULL when the cap would be exceeded
 * (nothing is appended, errno = ENOBUFS); BUF_ENOMEM when malloc failed
 * (errno = ENOMEM). The fd helpers return byte counts, see below.
 */
#ifndef VF_LIB_BUF_H
#define VF_LIB_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BUF_OK     0
#define BUF_ENOMEM (-1)
#define BUF_EFULL  (-2)

/* No cap (still bounded by memory). */
#define BUF_UNLIMITED SIZE_MAX

/* Fields are public so the struct can be embedded; use the functions. */
struct buf {
    uint8_t *data;
    size_t off;   /* first live byte */
    size_t len;   /* live bytes: data[off .. off+len) */
    size_t alloc; /* bytes allocated at data */
    size_t cap;   /* hard limit on len */
};

/* An empty buffer holding at most cap bytes; allocates nothing yet. */
void buf_init(struct buf *b, size_t cap);
/* Release the memory; the buffer is empty and usable again. */
void buf_free(struct buf *b);
/* Drop every byte (memory kept for reuse). */
void buf_clear(struct buf *b);

static inline const uint8_t *buf_data(const struct buf *b)
{
    return b->data + b->off;
}
static inline size_t buf_len(const struct buf *b)
{
    return b->len;
}
/* Bytes that may still be appended before the cap. */
static inline size_t buf_room(const struct buf *b)
{
    return b->cap - b->len;
}

/* Make n bytes writable at the tail (buf_tail) without exceeding the cap. */
int buf_reserve(struct buf *b, size_t n);
/* The writable tail after buf_reserve, and how many bytes were written there. */
static inline uint8_t *buf_tail(struct buf *b)
{
    return b->data + b->off + b->len;
}
void buf_commit(struct buf *b, size_t n);

/* Append n bytes: all of them or none. */
int buf_append(struct buf *b, const void *p, size_t n);
/* Drop n bytes (at most buf_len) from the front. */
void buf_consume(struct buf *b, size_t n);

/* Read what fd has, until it would block or the cap is reached.
 * > 0: bytes read; 0: end of file (nothing read); -1: errno set, EAGAIN when
 * nothing was available, ENOBUFS when the buffer is already full. Bytes read
 * before an error or EOF are returned first; the condition repeats next call. */
ssize_t buf_read_fd(struct buf *b, int fd);

/* Write as much as fd takes without blocking and consume it. Sockets are
 * written with MSG_NOSIGNAL (a closed peer gives EPIPE, never SIGPIPE); other
 * fds with writev (a pipe without reader still raises SIGPIPE: programs that
 * write pipes ignore it). >= 0: bytes written (0 if fd is full); -1: errno
 * set, a real error: the connection is dead (if some bytes went out first,
 * their count is returned and the error repeats on the next call).
 * fd must be non-blocking. */
ssize_t buf_write_fd(struct buf *b, int fd);

#endif
