/*
 * test_msg_queue.c - the outgoing queue of a message link (msg_queue.c): a
 * non-blocking SEQPACKET socket takes unread datagrams up to its SO_SNDBUF;
 * the rest waits in order, fds dup'ed, and goes out as the peer reads. Nothing overtakes what is
 * queued, nothing malformed is queued, a peer that never reads hits the bound, and clearing closes
 * queued fds. Every test runs between fd-counting setup and teardown (msg_harness.h).
 */
#include "unit.h"

#include "msg_harness.h"

static void nonblock(int fd)
{
    assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
}

/* Receive everything pending on fd; ids in order into ids, count returned. */
static int drain(int fd, uint32_t *ids, int max, int *fd_seen)
{
    int n = 0;
    for (;;) {
        struct msg_hdr h;
        int fds[MSG_MAX_FDS], nfds;
        char err[MSG_ERR_MAX];
        int rc = msg_recv(fd, &h, g_rx, sizeof(g_rx), fds, &nfds, err, sizeof(err));
        if (rc == MSG_AGAIN) return n;
        assert_int_equal(rc, MSG_OK);
        if (n < max) ids[n] = h.id;
        n++;
        if (nfds) {
            *fd_seen = fds[0];
            for (int i = 1; i < nfds; i++)
                close(fds[i]);
        }
    }
}

static void test_order_and_fds(void **state)
{
    int sv[2], p[2], fd_seen = -1;
    char err[MSG_ERR_MAX];
    struct msg_outq q;
    union msg_body lg, acc;
    uint32_t ids[400];
    (void)state;
    (void)g_tx; /* the harness's send buffer: this test encodes through the queue */
    assert_int_equal(msg_socketpair(sv, err, sizeof(err)), MSG_OK);
    nonblock(sv[0]);
    nonblock(sv[1]);
    assert_int_equal(msg_outq_init(&q, 1u << 20), MSG_OK);
    /* 300 log lines of 4 KiB: more than the socket buffer holds, so the
     * rest waits, in order. */
    msgfx_fill(MSG_LOG, 2, &lg);
    for (uint32_t i = 1; i <= 300; i++)
        assert_int_equal(msg_outq_send(&q, sv[0], MSG_LOG, i, &lg, NULL, 0, err, sizeof(err)),
                         MSG_OK);
    assert_true(msg_outq_len(&q) > 0);
    size_t queued = msg_outq_len(&q);
    /* A message with an fd queues behind them with its own copy of the fd. */
    assert_int_equal(pipe(p), 0);
    msgfx_fill(MSG_SOCK_ACCEPTED, 0, &acc);
    assert_int_equal(
        msg_outq_send(&q, sv[0], MSG_SOCK_ACCEPTED, 301, &acc, &p[1], 1, err, sizeof(err)), MSG_OK);
    assert_int_equal(msg_outq_len(&q), queued + 1);
    close(p[1]); /* the caller's copy goes; the queued one stays */
    int got = 0;
    for (int round = 0; round < 100 && got < 301; round++) {
        got += drain(sv[1], ids + got, 400 - got, &fd_seen);
        int rc = msg_outq_flush(&q, sv[0], err, sizeof(err));
        assert_true(rc == MSG_OK || rc == MSG_AGAIN);
    }
    assert_int_equal(got, 301);
    assert_int_equal(msg_outq_len(&q), 0);
    for (uint32_t i = 0; i < 301; i++)
        assert_int_equal(ids[i], i + 1);
    assert_true(fd_seen >= 0);
    assert_int_equal(write(fd_seen, "z", 1), 1);
    char c;
    assert_int_equal(read(p[0], &c, 1), 1);
    close(fd_seen);
    close(p[0]);
    msg_outq_free(&q);
    msg_close_fds(sv, 2);
}

static void test_bound_and_clear(void **state)
{
    int sv[2], p[2];
    char err[MSG_ERR_MAX];
    struct msg_outq q;
    union msg_body b;
    (void)state;
    assert_int_equal(msg_socketpair(sv, err, sizeof(err)), MSG_OK);
    nonblock(sv[0]);
    assert_int_equal(msg_outq_init(&q, 1000), MSG_OK);
    msgfx_fill(MSG_LOG, 0, &b);
    int rc = MSG_OK, sent = 0;
    while (rc == MSG_OK && sent < 1000) {
        rc = msg_outq_send(&q, sv[0], MSG_LOG, 0, &b, NULL, 0, err, sizeof(err));
        sent++;
    }
    assert_int_equal(rc, MSG_FATAL); /* the peer never reads */
    assert_non_null(strstr(err, "queued to a peer that does not read (bound 1000)"));
    /* Nothing malformed is queued, whatever the state of the queue. */
    union msg_body bad = {.sock_id = {0}};
    assert_int_equal(msg_outq_send(&q, sv[0], MSG_SOCK_CLOSE, 1, &bad, NULL, 0, err, sizeof(err)),
                     MSG_FATAL);
    assert_string_equal(err, "refusing to send: SOCK_CLOSE: socket id 0");
    /* Clearing closes the fds of queued messages (teardown counts them). */
    msg_outq_clear(&q);
    msg_outq_free(&q);
    assert_int_equal(msg_outq_init(&q, 1u << 20), MSG_OK);
    for (int i = 0; i < 50; i++)
        msg_outq_send(&q, sv[0], MSG_LOG, 0, &b, NULL, 0, err, sizeof(err));
    assert_int_equal(pipe(p), 0);
    msgfx_fill(MSG_SOCK_ACCEPTED, 0, &b);
    assert_int_equal(msg_outq_send(&q, sv[0], MSG_SOCK_ACCEPTED, 0, &b, &p[0], 1, err, sizeof(err)),
                     MSG_OK);
    close(p[0]);
    close(p[1]);
    msg_outq_free(&q);
    /* The peer gone: MSG_EOF, no SIGPIPE. */
    close(sv[1]);
    assert_int_equal(msg_outq_init(&q, 1u << 20), MSG_OK);
    msgfx_fill(MSG_LOG, 0, &b);
    assert_int_equal(msg_outq_send(&q, sv[0], MSG_LOG, 0, &b, NULL, 0, err, sizeof(err)), MSG_EOF);
    msg_outq_free(&q);
    close(sv[0]);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fd_setup, fd_teardown)
    const struct CMUnitTest tests[] = {T(test_order_and_fds), T(test_bound_and_clear)};
    return cmocka_run_group_tests(tests, build_tables, NULL);
}
