/*
 * test_ofc_scale.c - many switches at once: N emulated switches (default
 * 1000, OFC_SCALE_N to change) connect over TCP to the engine's listener in
 * the same process and loop; each completes the handshake and gets one
 * PACKET_IN answered with a PACKET_OUT by the handler. Prints the time taken.
 */
#include "test_ofc_fake.h"

#include <sys/resource.h>

#include "lib/sock.h"

enum { ES_CONNECTING, ES_HELLO, ES_UP, ES_DONE };

struct esw {
    struct scale *s;
    int fd;
    int state;
    uint64_t dpid;
    struct buf in;
};

struct scale {
    struct tctx *t;
    struct esw *sw;
    size_t n, up, done, failed;
    uint8_t pin_data[60];
};

static void es_fail(struct esw *e, const char *why)
{
    if (e->state != ES_DONE) fprintf(stderr, "switch %llu: %s\n", (unsigned long long)e->dpid, why);
    e->s->failed++;
    e->state = ES_DONE;
    ev_fd_del(e->s->t->loop, e->fd);
}

/* Tiny messages on a fresh socket: the kernel takes them whole. */
static void es_send(struct esw *e, const struct of10_msg *m)
{
    uint8_t b[512];
    size_t len = fk_encode(m, b, sizeof(b));
    if (write(e->fd, b, len) != (ssize_t)len) es_fail(e, "short write");
}

static void es_message(struct esw *e, const uint8_t *p, size_t len)
{
    struct scale *s = e->s;
    struct of10_msg m;
    of10_arena_reset(&s->t->arena);
    if (of10_decode(p, len, &m, &s->t->arena) != OF10_OK) {
        es_fail(e, "undecodable message");
        return;
    }
    struct of10_msg r = {.version = 1, .xid = m.xid};
    switch (m.type) {
    case OFPT10_HELLO:
        break;
    case OFPT10_ECHO_REQUEST:
        r.type = OFPT10_ECHO_REPLY;
        es_send(e, &r);
        break;
    case OFPT10_FEATURES_REQUEST: {
        struct of10_phy_port ports[2];
        fk_port(&ports[0], 1);
        fk_port(&ports[1], 2);
        r.type = OFPT10_FEATURES_REPLY;
        r.u.features.datapath_id = e->dpid;
        r.u.features.n_tables = 1;
        r.u.features.ports = ports;
        r.u.features.n_ports = 2;
        es_send(e, &r);
        break;
    }
    case OFPT10_SET_CONFIG: /* handshake done from our side: one packet up */
        s->up++;
        e->state = ES_UP;
        r.type = OFPT10_PACKET_IN;
        r.xid = 0;
        r.u.packet_in.buffer_id = OFP10_NO_BUFFER;
        r.u.packet_in.total_len = sizeof(s->pin_data);
        r.u.packet_in.in_port = 1;
        r.u.packet_in.data.p = s->pin_data;
        r.u.packet_in.data.len = sizeof(s->pin_data);
        es_send(e, &r);
        break;
    case OFPT10_PACKET_OUT:
        if (e->state != ES_UP || m.u.packet_out.data.len != sizeof(s->pin_data) ||
            memcmp(m.u.packet_out.data.p, s->pin_data, sizeof(s->pin_data)) ||
            m.u.packet_out.actions.n != 1 ||
            m.u.packet_out.actions.v[0].u.output.port != OFPP10_FLOOD) {
            es_fail(e, "unexpected PACKET_OUT");
            return;
        }
        e->state = ES_DONE;
        s->done++;
        break;
    default:
        es_fail(e, of10_type_name(m.type));
    }
}

static void es_event(struct ev_loop *loop, int fd, int events, void *ctx)
{
    struct esw *e = ctx;
    if (e->state == ES_CONNECTING) {
        if (!(events & EV_WRITE)) return;
        if (sock_connect_result(fd) != 0) {
            es_fail(e, "connect failed");
            return;
        }
        ev_fd_mod(loop, fd, EV_READ);
        e->state = ES_HELLO;
        struct of10_msg h = {.version = 1, .type = OFPT10_HELLO, .xid = 1};
        es_send(e, &h);
        return;
    }
    ssize_t r = buf_read_fd(&e->in, fd);
    if (r == 0) {
        es_fail(e, "closed by the engine");
        return;
    }
    while (buf_len(&e->in) >= 8 && e->state != ES_DONE) {
        size_t len = of10_frame_len(buf_data(&e->in));
        if (len == 0 || buf_len(&e->in) < len) break;
        es_message(e, buf_data(&e->in), len);
        buf_consume(&e->in, len);
    }
}

static bool raise_nofile(rlim_t want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0) return false;
    if (rl.rlim_cur >= want) return true;
    if (rl.rlim_max < want) rl.rlim_max = want; /* root may raise the hard limit */
    rl.rlim_cur = want;
    return setrlimit(RLIMIT_NOFILE, &rl) == 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_many_switches(void **state)
{
    (void)state;
    const char *env = getenv("OFC_SCALE_N");
    size_t n = env ? strtoul(env, NULL, 10) : 1000;
    if (!raise_nofile((rlim_t)(2 * n + 64))) {
        print_message("cannot raise RLIMIT_NOFILE to %zu: skipped\n", 2 * n + 64);
        skip();
    }
    struct scale s = {.n = n};
    for (size_t i = 0; i < sizeof(s.pin_data); i++)
        s.pin_data[i] = (uint8_t)i;
    s.t = tc_new(NULL, false);
    log_set_level(&s.t->log, LOG_LEVEL_WARN);
    s.t->answer_packet_in = true;
    int lfd = sock_listen("127.0.0.1:0", 4096, NULL, 0);
    assert_true(lfd >= 0);
    char addr[64];
    assert_int_equal(sock_local_addr(lfd, addr, sizeof(addr)), 0);
    assert_int_equal(ofc_listen_fd(s.t->c, lfd), 0);
    s.sw = calloc(n, sizeof(*s.sw));
    assert_non_null(s.sw);

    double t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        struct esw *e = &s.sw[i];
        e->s = &s;
        e->dpid = 0x100000 + i;
        buf_init(&e->in, 1 << 20);
        e->fd = sock_connect(addr, NULL, 0);
        assert_true(e->fd >= 0);
        assert_int_equal(ev_fd_add(s.t->loop, e->fd, EV_WRITE, es_event, e), 0);
    }
    double t1 = now_s();
    while (s.done + s.failed < n && now_s() - t0 < 60)
        ev_run_once(s.t->loop, 10);
    double t2 = now_s();
    print_message("%zu switches: connects issued in %.3f s; all handshakes + PACKET_IN/OUT round "
                  "trips done in %.3f s (%zu up, %zu done, %zu failed)\n",
                  n, t1 - t0, t2 - t0, s.up, s.done, s.failed);
    assert_int_equal(s.failed, 0);
    assert_int_equal(s.done, n);
    assert_int_equal(ofc_switch_count(s.t->c), n);
    struct ofc_counters cn;
    ofc_counters(s.t->c, &cn);
    assert_int_equal(cn.handshakes, n);
    assert_int_equal(cn.packet_ins, n);
    assert_int_equal(s.t->pins, (int)n);
    assert_true(t2 - t0 < 30.0);

    for (size_t i = 0; i < n; i++) {
        ev_fd_del(s.t->loop, s.sw[i].fd);
        close(s.sw[i].fd);
        buf_free(&s.sw[i].in);
    }
    double t3 = now_s();
    while (ofc_switch_count(s.t->c) && now_s() - t3 < 30)
        ev_run_once(s.t->loop, 10);
    print_message("all %zu disconnects seen in %.3f s\n", n, now_s() - t3);
    assert_int_equal(ofc_switch_count(s.t->c), 0);
    assert_int_equal(s.t->downs, (int)n);
    free(s.sw);
    tc_free(s.t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_many_switches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
