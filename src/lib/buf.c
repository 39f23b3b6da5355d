/*
 * buf.c - growable, capped byte buffer with lazy compaction, and the
 * non-blocking read/write helpers connections use to fill and drain it.
 */
#include "lib/buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* Smallest allocation, and the read chunk size when the cap allows it. */
#define BUF_MIN_ALLOC  256
#define BUF_READ_CHUNK 16384
/* An emptied buffer bigger than this gives its memory back: thousands of idle
 * connections must not each keep the peak of a past burst. */
#define BUF_KEEP_MAX 65536

void buf_init(struct buf *b, size_t cap)
{
    memset(b, 0, sizeof(*b));
    b->cap = cap;
}

void buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->off = b->len = b->alloc = 0;
}

void buf_clear(struct buf *b)
{
    b->off = b->len = 0;
}

/* Move the live bytes to the start of the allocation. */
static void buf_compact(struct buf *b)
{
    if (b->off == 0) return;
    if (b->len) memmove(b->data, b->data + b->off, b->len);
    b->off = 0;
}

/* Largest allocation for a cap: cap + cap/4. The slack is what makes lazy
 * compaction amortised O(1) even at the cap: when the tail is short and the
 * allocation is at its maximum, off > cap/4 >= len/4 (see buf_reserve). */
static size_t buf_max_alloc(size_t cap)
{
    return cap > SIZE_MAX / 2 ? SIZE_MAX : cap + cap / 4;
}

int buf_reserve(struct buf *b, size_t n)
{
    if (n > b->cap - b->len) {
        errno = ENOBUFS;
        return BUF_EFULL;
    }
    if (b->alloc - b->off - b->len >= n) return BUF_OK;
    /* Compact in place when the move (len bytes) costs at most 4x what was
     * consumed (off bytes) since the last move: amortised O(1) per byte. */
    if (b->off * 4 >= b->len && b->alloc - b->len >= n) {
        buf_compact(b);
        return BUF_OK;
    }
    size_t need = b->len + n; /* cannot overflow: n <= cap - len */
    size_t size = b->alloc ? b->alloc : BUF_MIN_ALLOC / 2;
    do /* at least double: growth is what pays for the copy */
        size = size > SIZE_MAX / 2 ? need : size * 2;
    while (size < need);
    /* Doubling stops at the maximum; need <= cap fits under it. */
    if (size > buf_max_alloc(b->cap)) size = buf_max_alloc(b->cap);
    uint8_t *p = malloc(size);
    if (!p) {
        errno = ENOMEM;
        return BUF_ENOMEM;
    }
    if (b->len) memcpy(p, b->data + b->off, b->len);
    free(b->data);
    b->data = p;
    b->off = 0;
    b->alloc = size;
    return BUF_OK;
}

void buf_commit(struct buf *b, size_t n)
{
    /* Callers only commit what they reserved; clamp instead of corrupting. */
    size_t tail = b->alloc - b->off - b->len;
    b->len += n < tail ? n : tail;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
    if (n == 0) return BUF_OK;
    int r = buf_reserve(b, n);
    if (r != BUF_OK) return r;
    memcpy(buf_tail(b), p, n);
    b->len += n;
    return BUF_OK;
}

void buf_consume(struct buf *b, size_t n)
{
    if (n >= b->len) {
        b->off = b->len = 0;
        if (b->alloc > BUF_KEEP_MAX) buf_free(b);
        return;
    }
    b->off += n;
    b->len -= n;
}

ssize_t buf_read_fd(struct buf *b, int fd)
{
    size_t total = 0;
    for (;;) {
        size_t want = buf_room(b);
        if (want == 0) break;
        if (want > BUF_READ_CHUNK) want = BUF_READ_CHUNK;
        /* Use a useful tailroom already there before asking for more. */
        size_t tail = b->alloc - b->off - b->len;
        if (tail >= BUF_MIN_ALLOC && tail < want) want = tail;
        if (buf_reserve(b, want) != BUF_OK) return total ? (ssize_t)total : -1;
        ssize_t r = read(fd, buf_tail(b), want);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            if (total) return (ssize_t)total; /* EOF or error shows next call */
            return r;
        }
        b->len += (size_t)r;
        total += (size_t)r;
        if ((size_t)r < want) return (ssize_t)total; /* drained */
    }
    if (total) return (ssize_t)total;
    errno = ENOBUFS;
    return -1;
}

/* One non-blocking write attempt; ENOTSOCK makes the caller switch to writev. */
static ssize_t buf_send(int fd, const void *p, size_t n, int *not_sock)
{
    struct iovec iov = {.iov_base = (void *)p, .iov_len = n};
    if (!*not_sock) {
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
        ssize_t r = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (r >= 0 || errno != ENOTSOCK) return r;
        *not_sock = 1;
    }
    return writev(fd, &iov, 1);
}

ssize_t buf_write_fd(struct buf *b, int fd)
{
    size_t total = 0;
    int not_sock = 0;
    while (b->len > 0) {
        ssize_t r = buf_send(fd, buf_data(b), b->len, &not_sock);
        if (r < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            return total ? (ssize_t)total : -1;
        }
        if (r == 0) break;
        buf_consume(b, (size_t)r);
        total += (size_t)r;
    }
    return (ssize_t)total;
}
