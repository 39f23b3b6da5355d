/*
 * test_lib_buf.c - the capped byte buffer: append/consume, cap enforcement,
 * lazy compaction, streaming integrity, and the fd helpers against pipes and
 * socketpairs, including a peer that never reads.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/buf.h"

static void test_append_consume(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, BUF_UNLIMITED);
    assert_int_equal(buf_len(&b), 0);
    assert_int_equal(buf_append(&b, "hello ", 6), BUF_OK);
    assert_int_equal(buf_append(&b, "world", 5), BUF_OK);
    assert_int_equal(buf_append(&b, NULL, 0), BUF_OK);
    assert_int_equal(buf_len(&b), 11);
    assert_memory_equal(buf_data(&b), "hello world", 11);
    buf_consume(&b, 6);
    assert_int_equal(buf_len(&b), 5);
    assert_memory_equal(buf_data(&b), "world", 5);
    buf_consume(&b, 100); /* more than there is: empties */
    assert_int_equal(buf_len(&b), 0);
    assert_int_equal(b.off, 0);
    assert_int_equal(buf_reserve(&b, 4), BUF_OK);
    memcpy(buf_tail(&b), "abcd", 4);
    buf_commit(&b, 3);
    assert_int_equal(buf_len(&b), 3);
    assert_memory_equal(buf_data(&b), "abc", 3);
    buf_clear(&b);
    assert_int_equal(buf_len(&b), 0);
    buf_free(&b);
    buf_free(&b); /* twice is fine */
}

static void test_cap_enforced(void **state)
{
    (void)state;
    struct buf b;
    uint8_t x[100];
    memset(x, 'x', sizeof(x));
    buf_init(&b, 100);
    assert_int_equal(buf_append(&b, x, 60), BUF_OK);
    errno = 0;
    assert_int_equal(buf_append(&b, x, 50), BUF_EFULL);
    assert_int_equal(errno, ENOBUFS);
    assert_int_equal(buf_len(&b), 60); /* all or nothing */
    assert_int_equal(buf_room(&b), 40);
    assert_int_equal(buf_append(&b, x, 40), BUF_OK);
    assert_int_equal(buf_room(&b), 0);
    assert_int_equal(buf_reserve(&b, 1), BUF_EFULL);
    assert_int_equal(buf_append(&b, x, 1), BUF_EFULL);
    assert_int_equal(buf_append(&b, x, SIZE_MAX), BUF_EFULL); /* no overflow */
    assert_true(b.alloc <= 125);                              /* never allocates past cap + cap/4 */
    buf_consume(&b, 30);
    assert_int_equal(buf_append(&b, x, 30), BUF_OK);
    assert_int_equal(buf_len(&b), 100);
    buf_free(&b);
}

static void test_lazy_compaction(void **state)
{
    (void)state;
    struct buf b;
    uint8_t p[300];
    for (int i = 0; i < 300; i++)
        p[i] = (uint8_t)i;
    buf_init(&b, BUF_UNLIMITED);
    assert_int_equal(buf_append(&b, p, 200), BUF_OK);
    size_t alloc = b.alloc; /* 256 */
    buf_consume(&b, 10);
    assert_int_equal(b.off, 10);
    assert_int_equal(buf_append(&b, p, 20), BUF_OK); /* fits the tail: no move */
    assert_int_equal(b.off, 10);
    /* Tail too small, consumed (10) < live/4 (52): moving would cost more than
     * 4x what was consumed, so the buffer grows instead of compacting. */
    assert_int_equal(buf_append(&b, p, 40), BUF_OK);
    assert_true(b.alloc > alloc);
    assert_int_equal(b.off, 0);
    assert_memory_equal(buf_data(&b), p + 10, 190);
    buf_free(&b);

    /* Consumed >= live: compacted in place, same memory, no growth. */
    buf_init(&b, BUF_UNLIMITED);
    assert_int_equal(buf_append(&b, p, 250), BUF_OK);
    alloc = b.alloc;
    uint8_t *mem = b.data;
    buf_consume(&b, 200);
    assert_int_equal(buf_append(&b, p, 100), BUF_OK);
    assert_ptr_equal(b.data, mem);
    assert_int_equal(b.alloc, alloc);
    assert_int_equal(b.off, 0);
    assert_memory_equal(buf_data(&b), p + 200, 50);
    assert_memory_equal(buf_data(&b) + 50, p, 100);
    buf_free(&b);
}

/* Steady state at the cap (a full output queue trickling out): consume 1,
 * append 1. Compaction must be rare (amortised), never a move per byte. */
static void test_compaction_at_cap(void **state)
{
    (void)state;
    struct buf b;
    uint8_t fill[1000];
    uint32_t in = 0, out = 0;
    for (int i = 0; i < 1000; i++)
        fill[i] = (uint8_t)(in++ * 13);
    buf_init(&b, 1000);
    assert_int_equal(buf_append(&b, fill, 1000), BUF_OK);
    uint8_t *mem = NULL;
    int moves = 0, allocs = 0;
    for (int i = 0; i < 20000; i++) {
        assert_int_equal(buf_data(&b)[0], (uint8_t)(out++ * 13));
        buf_consume(&b, 1);
        size_t before = b.off;
        uint8_t byte = (uint8_t)(in++ * 13);
        assert_int_equal(buf_append(&b, &byte, 1), BUF_OK);
        if (b.data != mem)
            allocs++;
        else if (b.off == 0 && before != 0)
            moves++;
        mem = b.data;
        assert_int_equal(buf_len(&b), 1000);
    }
    assert_true(allocs <= 2);              /* reached the maximum, then stayed */
    assert_true(moves <= 20000 / 250 + 1); /* one move per cap/4 consumed */
    assert_true(b.alloc <= 1250);
    buf_free(&b);
}

/* An emptied large buffer gives its memory back; a small one keeps it. */
static void test_release_when_empty(void **state)
{
    (void)state;
    struct buf b;
    static uint8_t big[200000];
    buf_init(&b, BUF_UNLIMITED);
    assert_int_equal(buf_append(&b, big, sizeof(big)), BUF_OK);
    buf_consume(&b, sizeof(big));
    assert_null(b.data);
    assert_int_equal(b.alloc, 0);
    assert_int_equal(buf_append(&b, big, 10), BUF_OK);
    buf_consume(&b, 10);
    assert_non_null(b.data);
    buf_free(&b);
}

/* 8 MB through a 64 KiB buffer in odd chunk sizes; content stays intact and
 * the allocation stays within cap + cap/4. */
static void test_stream_integrity(void **state)
{
    (void)state;
    struct buf b;
    uint8_t chunk[7001];
    uint32_t in = 0, out = 0, x = 1;
    buf_init(&b, 65536);
    while (out < 8u << 20) {
        x = x * 1103515245u + 12345u;
        size_t n = (x >> 16) % sizeof(chunk) + 1;
        for (size_t i = 0; i < n; i++)
            chunk[i] = (uint8_t)((in + i) * 7);
        if (buf_append(&b, chunk, n) == BUF_OK) in += (uint32_t)n;
        size_t take = (x >> 8) % (buf_len(&b) + 1);
        for (size_t i = 0; i < take; i++)
            if (buf_data(&b)[i] != (uint8_t)((out + i) * 7)) fail_msg("corrupt at %u", out);
        buf_consume(&b, take);
        out += (uint32_t)take;
        assert_true(b.alloc <= 65536 + 16384);
    }
    buf_free(&b);
}

static void test_read_fd(void **state)
{
    (void)state;
    int p[2];
    struct buf b;
    static uint8_t data[10000];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 31);
    assert_int_equal(pipe2(p, O_NONBLOCK), 0);
    buf_init(&b, 4096);
    errno = 0;
    assert_int_equal(buf_read_fd(&b, p[0]), -1);
    assert_int_equal(errno, EAGAIN);
    assert_int_equal(write(p[1], data, sizeof(data)), sizeof(data));
    assert_int_equal(buf_read_fd(&b, p[0]), 4096); /* stops at the cap */
    assert_int_equal(buf_read_fd(&b, p[0]), -1);
    assert_int_equal(errno, ENOBUFS);
    assert_memory_equal(buf_data(&b), data, 4096);
    buf_consume(&b, 4096);
    assert_int_equal(buf_read_fd(&b, p[0]), 4096);
    buf_consume(&b, 4000);
    assert_int_equal(buf_read_fd(&b, p[0]), 10000 - 8192); /* the rest, short read */
    assert_int_equal(buf_len(&b), 96 + 10000 - 8192);
    assert_memory_equal(buf_data(&b), data + 8096, buf_len(&b));
    close(p[1]);
    assert_int_equal(buf_read_fd(&b, p[0]), 0); /* EOF */
    assert_int_equal(buf_read_fd(&b, p[0]), 0);
    close(p[0]);
    buf_free(&b);
}

static void test_write_fd_pipe(void **state)
{
    (void)state;
    int p[2];
    struct buf b;
    char got[16];
    assert_int_equal(pipe2(p, O_NONBLOCK), 0);
    buf_init(&b, 1024);
    assert_int_equal(buf_write_fd(&b, p[1]), 0); /* nothing to write */
    assert_int_equal(buf_append(&b, "pipe data", 9), BUF_OK);
    assert_int_equal(buf_write_fd(&b, p[1]), 9); /* writev path (ENOTSOCK) */
    assert_int_equal(buf_len(&b), 0);
    assert_int_equal(read(p[0], got, sizeof(got)), 9);
    assert_memory_equal(got, "pipe data", 9);
    close(p[0]);
    assert_int_equal(buf_append(&b, "x", 1), BUF_OK);
    /* A closed fd is a plain error, reported once nothing was written. */
    close(p[1]);
    errno = 0;
    assert_int_equal(buf_write_fd(&b, p[1]), -1);
    assert_int_equal(errno, EBADF);
    buf_free(&b);
}

/* A peer that never reads: appends stop at the cap, writes return 0 without
 * blocking, and everything flows again once the peer reads. */
static void test_slow_reader(void **state)
{
    (void)state;
    int sp[2];
    struct buf out;
    uint8_t chunk[4096];
    static uint8_t sink[1 << 16];
    memset(chunk, 'q', sizeof(chunk));
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp), 0);
    buf_init(&out, 256 * 1024);
    size_t queued = 0, sent = 0;
    int full = 0, stalled = 0;
    for (int i = 0; i < 10000 && !(full && stalled); i++) {
        if (buf_append(&out, chunk, sizeof(chunk)) == BUF_OK)
            queued += sizeof(chunk);
        else
            full = 1;
        ssize_t w = buf_write_fd(&out, sp[0]);
        assert_true(w >= 0);
        sent += (size_t)w;
        if (w == 0) stalled = 1;
    }
    assert_true(full);
    assert_true(stalled);
    assert_int_equal(queued - sent, buf_len(&out));
    assert_true(buf_len(&out) > 256 * 1024 - sizeof(chunk));
    assert_true(out.alloc <= 256 * 1024 + 64 * 1024);
    /* The peer drains: the rest goes out. */
    size_t got = 0;
    while (got < queued) {
        ssize_t r = read(sp[1], sink, sizeof(sink));
        if (r > 0) got += (size_t)r;
        ssize_t w = buf_write_fd(&out, sp[0]);
        assert_true(w >= 0);
    }
    assert_int_equal(got, queued);
    assert_int_equal(buf_len(&out), 0);
    close(sp[1]);
    /* Peer closed: EPIPE, not SIGPIPE (the test process would die). */
    assert_int_equal(buf_append(&out, chunk, 10), BUF_OK);
    errno = 0;
    assert_int_equal(buf_write_fd(&out, sp[0]), -1);
    assert_int_equal(errno, EPIPE);
    close(sp[0]);
    buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_consume),
        cmocka_unit_test(test_cap_enforced),
        cmocka_unit_test(test_lazy_compaction),
        cmocka_unit_test(test_compaction_at_cap),
        cmocka_unit_test(test_release_when_empty),
        cmocka_unit_test(test_stream_integrity),
        cmocka_unit_test(test_read_fd),
        cmocka_unit_test(test_write_fd_pipe),
        cmocka_unit_test(test_slow_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
