/*
 * test_lib_sock.c - socket helpers: the address parser (good inputs and every
 * malformed one with its exact message), formatting, and a real non-blocking
 * listen / connect / accept round trip on the loopback.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <unistd.h>

#include "lib/sock.h"

static void test_parse_good(void **state)
{
    (void)state;
    static const struct {
        const char *in, *canon;
        int family;
        unsigned port;
    } cases[] = {
        {"127.0.0.1:6653", "127.0.0.1:6653", AF_INET, 6653},
        {"0.0.0.0:6653", "0.0.0.0:6653", AF_INET, 6653},
        {"10.1.2.3:0", "10.1.2.3:0", AF_INET, 0},
        {"1.2.3.4:06553", "1.2.3.4:6553", AF_INET, 6553},
        {"1.2.3.4:65535", "1.2.3.4:65535", AF_INET, 65535},
        {"[::1]:6653", "[::1]:6653", AF_INET6, 6653},
        {"[::]:1", "[::]:1", AF_INET6, 1},
        {"[2001:DB8::1]:80", "[2001:db8::1]:80", AF_INET6, 80},
        {"[::ffff:192.0.2.1]:6633", "[::ffff:192.0.2.1]:6633", AF_INET6, 6633},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sockaddr_storage ss;
        socklen_t len = 0;
        char err[SOCK_ERR_MAX] = "", txt[80];
        assert_int_equal(sock_parse_addr(cases[i].in, &ss, &len, err, sizeof(err)), SOCK_OK);
        assert_string_equal(err, "");
        assert_int_equal(ss.ss_family, cases[i].family);
        unsigned port = ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
                                                : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        assert_int_equal(port, cases[i].port);
        assert_int_equal(len, cases[i].family == AF_INET ? sizeof(struct sockaddr_in)
                                                         : sizeof(struct sockaddr_in6));
        assert_int_equal(sock_format_addr((struct sockaddr *)&ss, len, txt, sizeof(txt)), SOCK_OK);
        assert_string_equal(txt, cases[i].canon);
    }
}

static void test_parse_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *in, *err;
    } cases[] = {
        {"127.0.0.1:70000", "bad port '70000' in '127.0.0.1:70000'"},
        {"127.0.0.1:65536", "bad port '65536' in '127.0.0.1:65536'"},
        {"127.0.0.1:-1", "bad port '-1' in '127.0.0.1:-1'"},
        {"127.0.0.1:+80", "bad port '+80' in '127.0.0.1:+80'"},
        {"127.0.0.1:0x50", "bad port '0x50' in '127.0.0.1:0x50'"},
        {"127.0.0.1:000080", "bad port '000080' in '127.0.0.1:000080'"},
        {"127.0.0.1:", "missing port in '127.0.0.1:'"},
        {"127.0.0.1", "missing port in '127.0.0.1'"},
        {":6653", "missing host in ':6653'"},
        {"256.0.0.1:6653", "bad IPv4 address '256.0.0.1' in '256.0.0.1:6653'"},
        {"1.2.3:6653", "bad IPv4 address '1.2.3' in '1.2.3:6653'"},
        {"localhost:6653", "bad IPv4 address 'localhost' in 'localhost:6653'"},
        {"::1:6653", "IPv6 address must be in brackets in '::1:6653'"},
        {"[::1:6653", "missing ']' in '[::1:6653'"},
        {"[::1]", "missing port in '[::1]'"},
        {"[::1]6653", "expected ':' after ']' in '[::1]6653'"},
        {"[::1]:", "missing port in '[::1]:'"},
        {"[]:6653", "missing host in '[]:6653'"},
        {"[1.2.3.4]:6653", "bad IPv6 address '1.2.3.4' in '[1.2.3.4]:6653'"},
        {"[fe80::1%eth0]:6653", "bad IPv6 address 'fe80::1%eth0' in '[fe80::1%eth0]:6653'"},
        {"[::1]:99999", "bad port '99999' in '[::1]:99999'"},
        {"", "empty address"},
        {"127.0.0.1 :6653", "bad character 0x20 at offset 9 in address"},
        {"1.2.3.4:66\n53", "bad character 0x0a at offset 10 in address"},
        {"\xff:1", "bad character 0xff at offset 0 in address"},
        {"11111111111111111111111111111111111111111111111111111111111111111:1",
         "address too long (max 64 characters)"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sockaddr_storage ss;
        socklen_t len;
        char err[SOCK_ERR_MAX] = "";
        errno = 0;
        assert_int_equal(sock_parse_addr(cases[i].in, &ss, &len, err, sizeof(err)), SOCK_ERR);
        assert_int_equal(errno, EINVAL);
        assert_string_equal(err, cases[i].err);
    }
    /* NULL text, NULL err, a tiny err buffer: no crash, still an error. */
    struct sockaddr_storage ss;
    socklen_t len;
    char tiny[8];
    assert_int_equal(sock_parse_addr(NULL, &ss, &len, NULL, 0), SOCK_ERR);
    assert_int_equal(sock_parse_addr("x", &ss, &len, tiny, sizeof(tiny)), SOCK_ERR);
    assert_string_equal(tiny, "missing");
}

static void test_format_errors(void **state)
{
    (void)state;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(1)};
    struct sockaddr sa = {.sa_family = AF_UNIX};
    char small[4], ok[32];
    assert_int_equal(sock_format_addr((struct sockaddr *)&a, sizeof(a), small, sizeof(small)),
                     SOCK_ERR);
    assert_int_equal(errno, ENOSPC);
    assert_int_equal(sock_format_addr(&sa, sizeof(sa), ok, sizeof(ok)), SOCK_ERR);
    assert_int_equal(errno, EAFNOSUPPORT);
    assert_int_equal(sock_format_addr((struct sockaddr *)&a, 4, ok, sizeof(ok)), SOCK_ERR);
}

static int wait_fd(int fd, short ev)
{
    struct pollfd p = {.fd = fd, .events = ev};
    return poll(&p, 1, 2000);
}

static void assert_flags(int fd)
{
    assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    int v = 0;
    socklen_t l = sizeof(v);
    assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &l), 0);
    assert_int_not_equal(v, 0);
}

static void round_trip(const char *listen_on)
{
    char err[SOCK_ERR_MAX] = "", where[80];
    int lfd = sock_listen(listen_on, 16, err, sizeof(err));
    assert_true(lfd >= 0);
    assert_true(fcntl(lfd, F_GETFL) & O_NONBLOCK);
    assert_true(fcntl(lfd, F_GETFD) & FD_CLOEXEC);
    assert_int_equal(sock_local_addr(lfd, where, sizeof(where)), SOCK_OK);
    assert_int_equal(sock_accept(lfd, NULL, NULL), -1); /* nothing pending */
    assert_true(errno == EAGAIN || errno == EWOULDBLOCK);

    int c = sock_connect(where, err, sizeof(err));
    assert_true(c >= 0);
    assert_flags(c);
    assert_int_equal(wait_fd(lfd, POLLIN), 1);
    struct sockaddr_storage peer;
    socklen_t plen;
    int s = sock_accept(lfd, &peer, &plen);
    assert_true(s >= 0);
    assert_flags(s);
    assert_int_equal(wait_fd(c, POLLOUT), 1);
    assert_int_equal(sock_connect_result(c), 0);
    char ptxt[80], ctxt[80];
    assert_int_equal(sock_format_addr((struct sockaddr *)&peer, plen, ptxt, sizeof(ptxt)), 0);
    assert_int_equal(sock_local_addr(c, ctxt, sizeof(ctxt)), SOCK_OK);
    assert_string_equal(ptxt, ctxt); /* the server sees the client's address */
    assert_int_equal(write(c, "hi", 2), 2);
    assert_int_equal(wait_fd(s, POLLIN), 1);
    char b[4];
    assert_int_equal(read(s, b, sizeof(b)), 2);

    /* Same port again while listening: a clear error naming the address. */
    char want[SOCK_ERR_MAX];
    snprintf(want, sizeof(want), "bind %s: Address already in use", where);
    assert_int_equal(sock_listen(where, 16, err, sizeof(err)), -1);
    assert_int_equal(errno, EADDRINUSE);
    assert_string_equal(err, want);
    close(s);
    close(c);
    close(lfd);
}

static void test_loopback_v4(void **state)
{
    (void)state;
    round_trip("127.0.0.1:0");
}

static void test_loopback_v6(void **state)
{
    (void)state;
    char err[SOCK_ERR_MAX];
    int probe = sock_listen("[::1]:0", 1, err, sizeof(err));
    if (probe < 0) skip(); /* no IPv6 in this environment */
    close(probe);
    round_trip("[::1]:0");
}

static void test_connect_refused(void **state)
{
    (void)state;
    char err[SOCK_ERR_MAX], where[80];
    assert_int_equal(sock_connect("nonsense", err, sizeof(err)), -1);
    assert_string_equal(err, "missing port in 'nonsense'");
    assert_int_equal(sock_listen("1.2.3.4:99999", 1, err, sizeof(err)), -1);
    assert_string_equal(err, "bad port '99999' in '1.2.3.4:99999'");
    /* A port that was just ours and is now closed: nobody listens there. */
    int lfd = sock_listen("127.0.0.1:0", 1, err, sizeof(err));
    assert_true(lfd >= 0);
    sock_local_addr(lfd, where, sizeof(where));
    close(lfd);
    int c = sock_connect(where, err, sizeof(err));
    if (c < 0) {
        assert_int_equal(errno, ECONNREFUSED); /* refused synchronously */
        return;
    }
    assert_int_equal(wait_fd(c, POLLOUT), 1);
    assert_int_equal(sock_connect_result(c), ECONNREFUSED);
    close(c);
}

static void test_fd_flags(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(sock_set_nonblock(p[0]), SOCK_OK);
    assert_int_equal(sock_set_nonblock(p[0]), SOCK_OK); /* idempotent */
    assert_int_equal(sock_set_cloexec(p[0]), SOCK_OK);
    assert_true(fcntl(p[0], F_GETFL) & O_NONBLOCK);
    assert_true(fcntl(p[0], F_GETFD) & FD_CLOEXEC);
    assert_int_equal(sock_set_nodelay(p[0]), SOCK_ERR); /* not a TCP socket */
    close(p[0]);
    close(p[1]);
    assert_int_equal(sock_set_nonblock(p[0]), SOCK_ERR);
    assert_int_equal(errno, EBADF);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),    cmocka_unit_test(test_parse_malformed),
        cmocka_unit_test(test_format_errors), cmocka_unit_test(test_loopback_v4),
        cmocka_unit_test(test_loopback_v6),   cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_fd_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
