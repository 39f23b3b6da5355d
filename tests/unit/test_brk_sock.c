/*
 * test_brk_sock.c - the broker at run time, with real loopback sockets and a
 * recording stand-in for the domain link: listen/connect allowed and denied
 * by policy, accepted connections handed over with TCP_NODELAY set, socket
 * ids, GETNAME/SETOPT/CLOSE, the per-domain socket bound, and a held
 * listener that keeps its backlog while the domain is down.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "brk/brk.h"
#include "lib/sock.h"

/* What the broker sent, newest last. */
struct sent {
    uint16_t type;
    uint32_t id;
    union msg_body b;
    int fd; /* a dup of a passed fd, or -1 */
};
static struct sent sent[64];
static int n_sent;

static int rec_send(void *ctx, uint16_t type, uint32_t id, const union msg_body *b, const int *fds,
                    int nfds)
{
    (void)ctx;
    assert_true(n_sent < 64);
    char err[MSG_ERR_MAX], buf[512];
    struct msg_w w;
    msg_w_init(&w, (uint8_t *)buf, sizeof(buf));
    assert_int_equal(msg_encode(type, &w, b), MSG_OK);
    if (msg_check(type, w.buf, w.len, nfds, err, sizeof(err)) != MSG_OK) fail_msg("%s", err);
    sent[n_sent] = (struct sent){type, id, *b, nfds ? dup(fds[0]) : -1};
    return sent[n_sent++].type ? MSG_OK : MSG_FATAL;
}

static void reset_sent(void)
{
    for (int i = 0; i < n_sent; i++)
        if (sent[i].fd >= 0) close(sent[i].fd);
    n_sent = 0;
}

static struct brk *new_broker(struct ev_loop *loop, struct log *lg, const char *listen,
                              const char *connect, unsigned max)
{
    struct brk_policy pol;
    char err[160];
    memset(&pol, 0, sizeof(pol));
    if (listen)
        assert_int_equal(brk_rule_parse(listen, &pol.listen.v[pol.listen.n++], err, 160), 0);
    if (connect)
        assert_int_equal(brk_rule_parse(connect, &pol.connect.v[pol.connect.n++], err, 160), 0);
    return brk_new(loop, lg, "of", &pol, max, rec_send, NULL);
}

static struct msg_sock_listen listen_req(const char *text)
{
    struct msg_sock_listen m = {.backlog = 16};
    char err[160];
    assert_int_equal(brk_addr_parse(text, &m.addr, err, sizeof(err)), 0);
    return m;
}

static int client_to(uint16_t port)
{
    char text[32];
    snprintf(text, sizeof(text), "127.0.0.1:%u", port);
    int fd = sock_connect(text, NULL, 0);
    assert_true(fd >= 0);
    return fd;
}

static void pump(struct ev_loop *loop, int want_sent)
{
    for (int i = 0; i < 200 && n_sent < want_sent; i++)
        ev_run_once(loop, 10);
    assert_int_equal(n_sent, want_sent);
}

static void test_listen_accept(void **state)
{
    struct ev_loop *loop = ev_loop_new();
    struct log lg;
    (void)state;
    log_init(&lg, LOG_LEVEL_ERROR);
    struct brk *b = new_broker(loop, &lg, "127.0.0.1:*", NULL, 8);
    brk_up(b);
    struct msg_sock_listen m = listen_req("127.0.0.2:0");
    assert_int_equal(brk_listen(b, 5, &m), MSG_OK); /* not in the policy */
    assert_int_equal(sent[0].type, MSG_SOCKET_RESULT);
    assert_int_equal(sent[0].id, 5);
    assert_int_equal(sent[0].b.socket_result.error, EACCES);
    m = listen_req("127.0.0.1:0");
    assert_int_equal(brk_listen(b, 6, &m), MSG_OK);
    const struct msg_socket_result *r = &sent[1].b.socket_result;
    assert_int_equal(r->error, 0);
    assert_int_equal(r->op, MSG_SOCK_LISTEN);
    assert_int_equal(r->sock_id, 1);
    assert_true(r->local.port != 0);
    int c = client_to(r->local.port);
    pump(loop, 3);
    assert_int_equal(sent[2].type, MSG_SOCK_ACCEPTED);
    assert_int_equal(sent[2].b.sock_accepted.listener_id, 1);
    assert_int_equal(sent[2].b.sock_accepted.sock_id, 2);
    int one = 0;
    socklen_t len = sizeof(one);
    assert_int_equal(getsockopt(sent[2].fd, IPPROTO_TCP, TCP_NODELAY, &one, &len), 0);
    assert_int_equal(one, 1); /* set by the core, the domain need not */
    assert_int_equal(write(sent[2].fd, "hi", 2), 2);
    char buf[4];
    assert_int_equal(read(c, buf, sizeof(buf)), 2);
    /* GETNAME, SETOPT, CLOSE on the accepted socket; unknown ids: EBADF. */
    struct msg_sock_id id = {2};
    assert_int_equal(brk_getname(b, 7, &id), MSG_OK);
    assert_int_equal(sent[3].b.socket_result.peer.family, MSG_AF_INET);
    struct msg_sock_setopt so = {2, MSG_SO_KEEPALIVE, 1};
    assert_int_equal(brk_setopt(b, 8, &so), MSG_OK);
    assert_int_equal(sent[4].b.socket_result.error, 0);
    assert_int_equal(brk_close(b, 9, &id), MSG_OK);
    assert_int_equal(sent[5].b.socket_result.sock_id, 2);
    assert_int_equal(brk_close(b, 10, &id), MSG_OK);
    assert_int_equal(sent[6].b.socket_result.error, EBADF);
    assert_int_equal(brk_getname(b, 11, &id), MSG_OK);
    assert_int_equal(sent[7].b.socket_result.error, EBADF);
    close(c);
    brk_free(b);
    reset_sent();
    ev_loop_free(loop);
}

static void test_connect(void **state)
{
    struct ev_loop *loop = ev_loop_new();
    struct log lg;
    char err[160];
    (void)state;
    log_init(&lg, LOG_LEVEL_ERROR);
    int srv = sock_listen("127.0.0.1:0", 4, err, sizeof(err));
    assert_true(srv >= 0);
    char local[64];
    assert_int_equal(sock_local_addr(srv, local, sizeof(local)), SOCK_OK);
    struct brk *b = new_broker(loop, &lg, NULL, "127.0.0.0/8:*", 8);
    brk_up(b);
    struct msg_sock_connect m;
    assert_int_equal(brk_addr_parse(local, &m.addr, err, sizeof(err)), 0);
    assert_int_equal(brk_connect(b, 1, &m), MSG_OK);
    pump(loop, 1);
    assert_int_equal(sent[0].b.socket_result.error, 0);
    assert_int_equal(sent[0].b.socket_result.op, MSG_SOCK_CONNECT);
    assert_true(sent[0].fd >= 0);
    int a = accept(srv, NULL, NULL);
    assert_true(a >= 0);
    assert_int_equal(write(sent[0].fd, "x", 1), 1);
    char c;
    assert_int_equal(read(a, &c, 1), 1);
    /* Denied by policy: no socket made, EACCES. */
    struct msg_sock_connect out = m;
    assert_int_equal(brk_addr_parse("10.9.9.9:80", &out.addr, err, sizeof(err)), 0);
    assert_int_equal(brk_connect(b, 2, &out), MSG_OK);
    assert_int_equal(sent[1].b.socket_result.error, EACCES);
    /* Refused: the error of the kernel, after the loop ran. */
    close(a);
    close(srv);
    assert_int_equal(brk_connect(b, 3, &m), MSG_OK);
    pump(loop, 3);
    assert_int_equal(sent[2].id, 3);
    assert_int_equal(sent[2].b.socket_result.error, ECONNREFUSED);
    struct brk_counters cnt;
    brk_counters(b, &cnt);
    assert_int_equal(cnt.denied, 1);
    assert_int_equal(cnt.open, 1);
    brk_down(b);
    brk_counters(b, &cnt);
    assert_int_equal(cnt.open, 0);
    brk_free(b);
    reset_sent();
    ev_loop_free(loop);
}

static void test_bound(void **state)
{
    struct ev_loop *loop = ev_loop_new();
    struct log lg;
    (void)state;
    log_init(&lg, LOG_LEVEL_ERROR);
    struct brk *b = new_broker(loop, &lg, "127.0.0.1:*", NULL, 2);
    brk_up(b);
    struct msg_sock_listen m = listen_req("127.0.0.1:0");
    for (uint32_t i = 1; i <= 3; i++)
        assert_int_equal(brk_listen(b, i, &m), MSG_OK);
    assert_int_equal(sent[0].b.socket_result.error, 0);
    assert_int_equal(sent[1].b.socket_result.error, 0);
    assert_int_equal(sent[2].b.socket_result.error, EMFILE);
    /* A connection over the bound is refused by the core, not passed on. */
    int c = client_to(sent[0].b.socket_result.local.port);
    for (int i = 0; i < 20; i++)
        ev_run_once(loop, 10);
    assert_int_equal(n_sent, 3);
    char x;
    assert_int_equal(read(c, &x, 1), 0); /* closed by the core */
    close(c);
    brk_free(b);
    reset_sent();
    ev_loop_free(loop);
}

static void test_held_listener(void **state)
{
    struct ev_loop *loop = ev_loop_new();
    struct log lg;
    char err[160], local[64];
    (void)state;
    log_init(&lg, LOG_LEVEL_ERROR);
    /* A free port: bind one, note it, close it, hold that address. */
    int tmp = sock_listen("127.0.0.1:0", 1, err, sizeof(err));
    assert_int_equal(sock_local_addr(tmp, local, sizeof(local)), SOCK_OK);
    close(tmp);
    struct brk *b = new_broker(loop, &lg, local, NULL, 8);
    assert_int_equal(brk_hold(b, local, 16, err, sizeof(err)), 0);
    struct msg_sock_listen m = listen_req(local);
    /* Domain down: a switch connecting now waits in the backlog. */
    int c = client_to(m.addr.port);
    for (int i = 0; i < 5; i++)
        ev_run_once(loop, 10);
    assert_int_equal(n_sent, 0);
    brk_up(b);
    assert_int_equal(brk_listen(b, 1, &m), MSG_OK);
    assert_int_equal(sent[0].b.socket_result.error, 0);
    assert_int_equal(brk_listen(b, 2, &m), MSG_OK); /* registered twice */
    assert_int_equal(sent[1].b.socket_result.error, EADDRINUSE);
    pump(loop, 3);
    assert_int_equal(sent[2].type, MSG_SOCK_ACCEPTED);
    /* The domain dies: its connection ends, the listener stays. */
    brk_down(b);
    close(sent[2].fd); /* the domain's copy went with it */
    sent[2].fd = -1;
    char x;
    assert_int_equal(read(c, &x, 1), 0);
    close(c);
    c = client_to(m.addr.port); /* the port is still bound */
    brk_up(b);
    assert_int_equal(brk_listen(b, 3, &m), MSG_OK);
    assert_int_equal(sent[3].b.socket_result.sock_id, 1); /* ids start again */
    pump(loop, 5);
    assert_int_equal(sent[4].type, MSG_SOCK_ACCEPTED);
    close(c);
    brk_free(b);
    reset_sent();
    ev_loop_free(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listen_accept),
        cmocka_unit_test(test_connect),
        cmocka_unit_test(test_bound),
        cmocka_unit_test(test_held_listener),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
