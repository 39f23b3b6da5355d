/*
 * test_msg.c - the message layer with well-formed traffic: catalogue sanity,
 * golden wire bytes, every type and variant through a real SOCK_SEQPACKET
 * socketpair (fds included and used on the far side), socket setup, the
 * sender refusing what a receiver would reject, misbehaving handlers, table
 * checks, the field reader and writer. Hostile input: test_msg_malformed.c.
 * Every test runs between fd-counting setup and teardown (msg_harness.h).
 */
#include "unit.h"

#include "msg_harness.h"

/* ---- catalogue and golden bytes --------------------------------------------------- */

static void test_catalogue(void **state)
{
    (void)state;
    size_t n = 0;
    for (const struct msg_spec *s; (s = msg_spec_at(n)); n++) {
        assert_ptr_equal(msg_spec_find(s->type), s);
        assert_string_equal(msg_type_name(s->type), s->name);
        assert_int_equal(s->dir, s->type >> 8); /* 0x01xx core->domain, 0x02xx domain->core */
        assert_true(s->min_len <= s->max_len && s->max_len <= MSG_MAX_PAYLOAD);
        assert_true(s->fds_min <= s->fds_max && s->fds_max <= MSG_MAX_FDS);
        int fd_type = s->type == MSG_SOCKET_RESULT || s->type == MSG_SOCK_ACCEPTED;
        assert_int_equal(s->fds_max > 0, fd_type);
        for (size_t j = 0; j < n; j++)
            assert_string_not_equal(msg_spec_at(j)->name, s->name);
    }
    assert_int_equal(n, 39);
    assert_int_equal(n, sizeof(msgfx_golden) / sizeof(msgfx_golden[0]));
    assert_null(msg_spec_find(0x1234));
    assert_string_equal(msg_type_name(0), "?");
    assert_string_equal(msg_kind_name(MSG_KIND_MGMT), "mgmt");
    assert_string_equal(msg_kind_name(MSG_KIND_CLUSTER), "cluster");
    assert_string_equal(msg_kind_name(7), "?");
}

static void test_golden(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(msgfx_golden) / sizeof(msgfx_golden[0]); i++) {
        uint8_t want[512];
        long n = unit_hex(msgfx_golden[i].hex, want, sizeof(want));
        union msg_body b;
        int nfds = msgfx_fill(msgfx_golden[i].type, 0, &b);
        struct msg_w w;
        char err[MSG_ERR_MAX] = "";
        msg_w_init(&w, g_tx, sizeof(g_tx));
        assert_int_equal(msg_encode(msgfx_golden[i].type, &w, &b), MSG_OK);
        if (w.len != (size_t)n || memcmp(g_tx, want, w.len))
            fail_msg("%s: encoding differs from the documented layout",
                     msg_type_name(msgfx_golden[i].type));
        if (msg_check(msgfx_golden[i].type, want, (size_t)n, nfds, err, sizeof(err)))
            fail_msg("%s", err);
    }
}

/* ---- round trips through a socketpair --------------------------------------------- */

/* Send type/variant from the right end, receive, dispatch, check; any fd the
 * message carries is a pipe's write end, proven usable on the far side. */
static void roundtrip(int sv[2], uint16_t type, int v, uint32_t id)
{
    const struct msg_spec *s = msg_spec_find(type);
    union msg_body b;
    int nf = msgfx_fill(type, v, &b), pipes[MSG_MAX_FDS][2], wfds[MSG_MAX_FDS], fds[MSG_MAX_FDS];
    int c2d = s->dir == MSG_DIR_C2D, nfds = -1;
    struct msg_w w;
    struct msg_hdr h;
    struct seen seen = {0};
    char err[MSG_ERR_MAX] = "";

    msg_w_init(&w, g_tx, sizeof(g_tx));
    assert_int_equal(msg_encode(type, &w, &b), MSG_OK);
    for (int i = 0; i < nf; i++) {
        assert_int_equal(pipe(pipes[i]), 0);
        wfds[i] = pipes[i][1];
    }
    int rc = msg_send(c2d ? sv[0] : sv[1], type, id, g_tx, w.len, wfds, nf, err, sizeof(err));
    if (rc != MSG_OK) fail_msg("%s v%d send: %s", s->name, v, err);
    for (int i = 0; i < nf; i++)
        close(pipes[i][1]); /* only the passed copy is left */
    rc = msg_recv(c2d ? sv[1] : sv[0], &h, g_rx, sizeof(g_rx), fds, &nfds, err, sizeof(err));
    if (rc != MSG_OK) fail_msg("%s v%d recv: %s", s->name, v, err);
    assert_int_equal(h.type, type);
    assert_int_equal(h.id, id);
    assert_int_equal(h.len, w.len);
    assert_int_equal(nfds, nf);
    /* the management domain's own requests come from a domain of kind mgmt */
    int mgmt_only = type == MSG_MGMT_QUERY || type == MSG_MGMT_BLOCK;
    int kind = c2d                          ? MSG_KIND_CORE
               : mgmt_only                  ? MSG_KIND_MGMT
               : msgfx_cluster_only(type) ? MSG_KIND_CLUSTER
                                            : MSG_KIND_OF;
    rc = msg_dispatch(c2d ? dom_tab : core_tab, kind, &seen, &h, g_rx, fds, nfds, err, sizeof(err));
    if (rc != MSG_OK) fail_msg("%s v%d dispatch: %s", s->name, v, err);
    assert_int_equal(seen.type, type);
    assert_int_equal(seen.id, id);
    for (int i = 0; i < nf; i++) {
        char c = 0;
        assert_true(fcntl(seen.fds[i], F_GETFD) & FD_CLOEXEC);
        assert_int_equal(write(seen.fds[i], "x", 1), 1);
        assert_int_equal(read(pipes[i][0], &c, 1), 1);
        assert_int_equal(c, 'x');
        close(seen.fds[i]);
        close(pipes[i][0]);
    }
}

static void test_roundtrip_all(void **state)
{
    int sv[2];
    char err[MSG_ERR_MAX];
    (void)state;
    assert_int_equal(msg_socketpair(sv, err, sizeof(err)), MSG_OK);
    for (size_t i = 0; msg_spec_at(i); i++)
        for (int v = 0; v < MSGFX_VARIANTS; v++)
            roundtrip(sv, msg_spec_at(i)->type, v, (uint32_t)(1000 + 10 * i + (size_t)v));
    /* The largest message of all (APP_SOURCES variant 2) made it: check the size. */
    union msg_body b;
    struct msg_w w;
    msgfx_fill(MSG_APP_SOURCES, 2, &b);
    msg_w_init(&w, g_tx, sizeof(g_tx));
    msg_enc_app_source(&w, &b.app_source);
    assert_int_equal(w.len, msg_spec_find(MSG_APP_SOURCES)->max_len);
    msg_close_fds(sv, 2);
}

static void test_sock_setup(void **state)
{
    int sv[2], got = 0;
    socklen_t len = sizeof(got);
    char err[MSG_ERR_MAX];
    (void)state;
    assert_int_equal(msg_socketpair(sv, err, sizeof(err)), MSG_OK);
    assert_int_equal(getsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &got, &len), 0);
    assert_true(got >= MSG_HDR_LEN + MSG_MAX_PAYLOAD + 32);
    assert_true(fcntl(sv[0], F_GETFD) & FD_CLOEXEC);
    msg_close_fds(sv, 2);
    assert_int_equal(sv[0], -1);
}

/* ---- handlers that misbehave, tables that are wrong ------------------------------- */

static int h_lazy(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)ctx, (void)h, (void)r, (void)fds, (void)nfds;
    return MSG_OK; /* reads nothing */
}

static int h_no(void *ctx, const struct msg_hdr *h, struct msg_r *r, int *fds, int nfds)
{
    (void)ctx, (void)h, (void)r, (void)fds, (void)nfds;
    return MSG_FATAL; /* gives no reason */
}

static void test_handlers(void **state)
{
    const uint32_t of = MSG_KBIT(MSG_KIND_OF);
    const struct msg_handler lazy[] = {{MSG_HEARTBEAT, of, h_lazy}, {0, 0, NULL}};
    const struct msg_handler no[] = {{MSG_HEARTBEAT, of, h_no}, {0, 0, NULL}};
    struct msg_hdr h = {MSG_HEARTBEAT, 0, 4, 0};
    char err[MSG_ERR_MAX];
    (void)state;
    assert_int_equal(msg_dispatch(lazy, MSG_KIND_OF, NULL, &h, (const uint8_t *)"\0\0\0\1", NULL, 0,
                                  err, sizeof(err)),
                     MSG_FATAL);
    assert_string_equal(err, "HEARTBEAT: 4 trailing bytes at offset 0");
    assert_int_equal(msg_dispatch(no, MSG_KIND_OF, NULL, &h, (const uint8_t *)"\0\0\0\1", NULL, 0,
                                  err, sizeof(err)),
                     MSG_FATAL);
    assert_string_equal(err, "HEARTBEAT: rejected by handler");

    static const struct {
        struct msg_handler rows[3];
        const char *reason;
    } bad[] = {
        {{{0x1234, 2, h_lazy}}, "table: unknown type 0x1234"},
        {{{MSG_LOG, 2, NULL}}, "table: LOG without a handler"},
        {{{MSG_LOG, 2, h_lazy}, {MSG_LOG, 4, h_lazy}}, "table: LOG listed twice"},
        {{{MSG_LOG, 0, h_lazy}}, "table: LOG permitted for no kind"},
        {{{MSG_LOG, 1, h_lazy}}, "table: LOG permitted for kind core, wrong direction"},
        {{{MSG_HELLO, 2, h_lazy}}, "table: HELLO permitted for kind mgmt, wrong direction"},
        {{{MSG_LOG, 16 | 2, h_lazy}}, "table: LOG permitted for undefined kinds"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(msg_table_check(bad[i].rows, err, sizeof(err)), MSG_FATAL);
        assert_string_equal(err, bad[i].reason);
    }
}

/* ---- the sender refuses what the receiver would reject ------------------------------ */

static void test_send_refuses(void **state)
{
    int sv[2], fds[5] = {0, 0, 0, 0, 0}, nfds;
    char err[MSG_ERR_MAX];
    struct msg_hdr h;
    union msg_body b;
    struct msg_w w;
    (void)state;
    assert_int_equal(msg_socketpair(sv, err, sizeof(err)), MSG_OK);
    assert_int_equal(msg_send(sv[1], MSG_SOCK_CLOSE, 1, "\0\0\1", 3, NULL, 0, err, sizeof(err)),
                     MSG_FATAL);
    assert_string_equal(err, "refusing to send: payload length 3, SOCK_CLOSE needs exactly 4");
    assert_int_equal(msg_send(sv[1], MSG_SOCK_CLOSE, 1, "\0\0\0\0", 4, NULL, 0, err, sizeof(err)),
                     MSG_FATAL);
    assert_string_equal(err, "refusing to send: SOCK_CLOSE: socket id 0");
    assert_int_equal(msg_send(sv[1], MSG_HEARTBEAT, 0, "\0\0\0\0", 4, fds, 1, err, sizeof(err)),
                     MSG_FATAL);
    assert_string_equal(err, "refusing to send: type HEARTBEAT carries no fds, got 1");
    assert_int_equal(msg_send(sv[1], MSG_HEARTBEAT, 0, "\0\0\0\0", 4, fds, 5, err, sizeof(err)),
                     MSG_FATAL);
    assert_string_equal(err, "5 fds, at most 4 per message");
    assert_int_equal(msg_send(sv[1], 0x1234, 0, NULL, 0, NULL, 0, err, sizeof(err)), MSG_FATAL);
    assert_string_equal(err, "refusing to send: unknown type 0x1234");
    msgfx_fill(MSG_SOCKET_RESULT, 0, &b); /* a successful connect: needs its fd */
    msg_w_init(&w, g_tx, sizeof(g_tx));
    msg_enc_socket_result(&w, &b.socket_result);
    assert_int_equal(msg_send(sv[0], MSG_SOCKET_RESULT, 9, g_tx, w.len, NULL, 0, err, sizeof(err)),
                     MSG_FATAL);
    assert_string_equal(err, "refusing to send: SOCKET_RESULT: SOCK_CONNECT result with error 0 "
                             "needs 1 fd, got 0");
    /* Nothing of it reached the peer. */
    assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
    assert_int_equal(msg_recv(sv[0], &h, g_rx, sizeof(g_rx), fds, &nfds, err, sizeof(err)),
                     MSG_AGAIN);
    /* Peer gone: MSG_EOF, no SIGPIPE. */
    close(sv[0]);
    assert_int_equal(msg_send(sv[1], MSG_HEARTBEAT, 0, "\0\0\0\1", 4, NULL, 0, err, sizeof(err)),
                     MSG_EOF);
    close(sv[1]);
}

/* ---- writer and reader primitives --------------------------------------------------- */

static void test_rw(void **state)
{
    uint8_t buf[8];
    struct msg_w w;
    struct msg_r r;
    char s[4];
    const char *view;
    uint32_t vlen;
    (void)state;
    msg_w_init(&w, buf, 3);
    msg_put_u16(&w, 0xabcd);
    msg_put_u16(&w, 1); /* does not fit: sticky */
    msg_put_u8(&w, 2);
    assert_true(w.failed);
    assert_int_equal(w.len, 2);
    msg_w_init(&w, buf, sizeof(buf));
    msg_put_str(&w, "abcd", 3);
    assert_true(w.failed);

    msg_r_init(&r,
               (const uint8_t *)"\x00\x03"
                                "abc",
               5);
    assert_int_equal(msg_get_str(&r, s, sizeof(s)), MSG_OK);
    assert_string_equal(s, "abc");
    assert_int_equal(msg_get_end(&r), MSG_OK);
    msg_r_init(&r,
               (const uint8_t *)"\x00\x03"
                                "abc",
               5);
    assert_int_equal(msg_get_str(&r, s, 3), MSG_FATAL);
    assert_string_equal(s, "");
    assert_string_equal(r.err, "string of 3 bytes at offset 0 exceeds field maximum 2");
    assert_int_equal(msg_get_u8(&r), 0); /* sticky: first reason stays */
    msg_r_fail(&r, "later");
    assert_string_equal(r.err, "string of 3 bytes at offset 0 exceeds field maximum 2");
    msg_r_init(&r,
               (const uint8_t *)"\x00\x00\x00\x02"
                                "hi"
                                "\x01",
               7);
    assert_int_equal(msg_get_lstr(&r, &view, &vlen, 10), MSG_OK);
    assert_int_equal(vlen, 2);
    assert_memory_equal(view, "hi", 2);
    assert_int_equal(msg_get_end(&r), MSG_FATAL);
    assert_string_equal(r.err, "1 trailing bytes at offset 6");
    msg_r_init(&r, (const uint8_t *)"\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9);
    assert_true(msg_get_u64(&r) == 0x0102030405060708ull);
    assert_int_equal(msg_get_u16(&r), 0);
    assert_string_equal(r.err, "truncated: 2-byte field at offset 8, 1 left");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fd_setup, fd_teardown)
    const struct CMUnitTest tests[] = {
        T(test_catalogue),  T(test_golden),   T(test_roundtrip_all),
        T(test_sock_setup), T(test_handlers), T(test_send_refuses),
        T(test_rw),
    };
    return cmocka_run_group_tests(tests, build_tables, NULL);
}
