/*
 * test_ofc_handshake.c - the engine's handshake with a fake switch: the exact
 * messages, version negotiation (older, newer, bitmaps), the handshake
 * timeout, messages before the handshake, the port table and PORT_STATUS,
 * and a datapath reconnecting over a new connection.
 */
#include "test_ofc_fake.h"

#include "lib/sock.h"

static void test_handshake_bytes(void **state)
{
    (void)state;
    struct ofc_config cfg = {.miss_send_len = 200};
    struct tctx *t = tc_new(&cfg, false);
    struct fk *f = fk_open(t);

    /* HELLO at once: 8 bytes, version 0x01, no body */
    fk_expect(f, OFPT10_HELLO);
    assert_int_equal(f->raw_len, 8);
    assert_int_equal(f->raw[0], 0x01);
    assert_int_equal(f->m.version, OFP10_VERSION);
    /* nothing else before the peer's HELLO */
    assert_true(fk_quiet(f, 50));

    fk_send_simple(f, OFP10_VERSION, OFPT10_HELLO, 5);
    fk_expect(f, OFPT10_FEATURES_REQUEST);
    assert_int_equal(f->raw_len, 8);
    uint32_t fxid = f->m.xid;
    assert_int_not_equal(fxid, 0);
    assert_int_equal(t->ups, 0);
    assert_int_equal(ofc_switch_count(t->c), 0);

    fk_features_reply(f, fxid, 0x1122334455667788ull, 3);
    const struct of10_msg *m = fk_expect(f, OFPT10_SET_CONFIG);
    assert_int_equal(m->u.config.flags, OFPC10_FRAG_NORMAL);
    assert_int_equal(m->u.config.miss_send_len, 200);
    for (int i = 0; i < 100 && !t->ups; i++)
        tc_run(t, 1);
    assert_int_equal(t->ups, 1);
    struct ofc_switch *sw = t->last_up;
    assert_true(ofc_switch_dpid(sw) == 0x1122334455667788ull);
    assert_ptr_equal(ofc_switch_find(t->c, 0x1122334455667788ull), sw);
    assert_null(ofc_switch_find(t->c, 1));
    assert_int_equal(ofc_switch_count(t->c), 1);
    assert_string_equal(ofc_switch_peer(sw), "fake");
    assert_ptr_equal(ofc_switch_engine(sw), t->c);

    /* The engine installs nothing: no FLOW_MOD follows. */
    assert_true(fk_quiet(f, 50));

    /* Ports survive later messages: they are not in the decode arena. */
    fk_packet_in(f, 9, 2, 100);
    for (int i = 0; i < 100 && !t->pins; i++)
        tc_run(t, 1);
    const struct of10_features *feat = ofc_switch_features(sw);
    assert_non_null(feat);
    assert_int_equal(feat->n_ports, 3);
    assert_string_equal(feat->ports[0].name, "eth1");
    assert_string_equal(feat->ports[2].name, "eth3");
    assert_int_equal(feat->n_buffers, 256);

    struct ofc_counters cn;
    ofc_counters(t->c, &cn);
    assert_int_equal(cn.accepted, 1);
    assert_int_equal(cn.handshakes, 1);
    assert_int_equal(cn.packet_ins, 1);
    assert_int_equal(cn.msgs_out, 3); /* HELLO, FEATURES_REQUEST, SET_CONFIG */
    fk_close(f);
    tc_free(t);
}

/* HELLO of the given version with an optional version bitmap element. */
static void send_hello(struct fk *f, uint8_t version, int bitmap)
{
    uint8_t b[16] = {version, OFPT10_HELLO, 0, 8, 0, 0, 0, 42};
    size_t len = 8;
    if (bitmap >= 0) {
        uint8_t el[8] = {0,
                         1,
                         0,
                         8,
                         (uint8_t)(bitmap >> 24),
                         (uint8_t)(bitmap >> 16),
                         (uint8_t)(bitmap >> 8),
                         (uint8_t)bitmap};
        memcpy(b + 8, el, 8);
        len = 16;
        b[3] = 16;
    }
    fk_write(f, b, len);
}

static void expect_hello_failed(struct tctx *t, struct fk *f)
{
    const struct of10_msg *m = fk_expect(f, OFPT10_ERROR);
    assert_int_equal(m->version, OFP10_VERSION);
    assert_int_equal(m->xid, 42);
    assert_int_equal(m->u.error.type, OFPET10_HELLO_FAILED);
    assert_int_equal(m->u.error.code, 0); /* OFPHFC_INCOMPATIBLE */
    assert_true(m->u.error.data.len > 10);
    for (size_t i = 0; i < m->u.error.data.len; i++) /* short ASCII text */
        assert_true(m->u.error.data.p[i] >= 0x20 && m->u.error.data.p[i] < 0x7f);
    assert_non_null(memmem(m->u.error.data.p, m->u.error.data.len, "1.0", 3));
    assert_true(fk_wait_eof(f, 3000));
    assert_int_equal(t->ups, 0);
    assert_int_equal(t->downs, 0); /* never up: no switch_down */
    assert_true(tc_logged(t, "version negotiation failed"));
}

static void test_bitmap_without_10(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    struct fk *f = fk_open(t);
    fk_expect(f, OFPT10_HELLO);
    send_hello(f, 0x04, 1 << 4); /* offers OpenFlow 1.3 only */
    expect_hello_failed(t, f);
    fk_close(f);
    tc_free(t);
}

static void test_version_zero(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    struct fk *f = fk_open(t);
    fk_expect(f, OFPT10_HELLO);
    send_hello(f, 0x00, -1);
    expect_hello_failed(t, f);
    fk_close(f);
    tc_free(t);
}

static void test_newer_plain_hello(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    struct fk *f = fk_open(t);
    fk_expect(f, OFPT10_HELLO);
    send_hello(f, 0x04, -1); /* newer, no bitmap: lowest common version is 1.0 */
    const struct of10_msg *m = fk_expect(f, OFPT10_FEATURES_REQUEST);
    assert_int_equal(m->version, OFP10_VERSION);
    fk_features_reply(f, m->xid, 3, 0);
    fk_expect(f, OFPT10_SET_CONFIG);
    for (int i = 0; i < 100 && !t->ups; i++)
        tc_run(t, 1);
    assert_int_equal(t->ups, 1);
    fk_close(f);
    tc_free(t);
}

static void test_bitmap_with_10(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    struct fk *f = fk_open(t);
    fk_expect(f, OFPT10_HELLO);
    send_hello(f, 0x06, (1 << 1) | (1 << 4) | (1 << 6));
    assert_int_equal(fk_expect(f, OFPT10_FEATURES_REQUEST)->version, OFP10_VERSION);
    fk_close(f);
    tc_free(t);
}

static void test_handshake_timeout(void **state)
{
    (void)state;
    struct ofc_config cfg = {.handshake_timeout_ms = 500};
    struct tctx *t = tc_new(&cfg, true);
    struct fk *f = fk_open(t);
    fk_expect(f, OFPT10_HELLO);
    fk_send_simple(f, OFP10_VERSION, OFPT10_HELLO, 1);
    fk_expect(f, OFPT10_FEATURES_REQUEST);
    tc_advance(t, 499);
    fk_read(f);
    assert_false(f->eof);
    tc_advance(t, 1);
    assert_true(fk_wait_eof(f, 1000));
    assert_true(tc_logged(t, "handshake not complete after 500 ms"));
    struct ofc_counters cn;
    ofc_counters(t->c, &cn);
    assert_int_equal(cn.disconnects, 1);
    assert_int_equal(cn.handshakes, 0);
    fk_close(f);
    tc_free(t);
}

/* Before the handshake: ECHO answered, switch-side messages ignored,
 * controller-only messages refused with BAD_TYPE. */
static void test_before_handshake(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    struct fk *f = fk_open(t);
    fk_expect(f, OFPT10_HELLO);
    struct of10_msg echo = {.version = 1, .type = OFPT10_ECHO_REQUEST, .xid = 0x1234};
    echo.u.echo.p = (const uint8_t *)"abc";
    echo.u.echo.len = 3;
    fk_send(f, &echo);
    const struct of10_msg *m = fk_expect(f, OFPT10_ECHO_REPLY);
    assert_int_equal(m->xid, 0x1234);
    assert_int_equal(m->u.echo.len, 3);
    assert_memory_equal(m->u.echo.p, "abc", 3);

    fk_packet_in(f, 7, 1, 60);
    fk_send_simple(f, OFP10_VERSION, OFPT10_BARRIER_REQUEST, 0x99);
    m = fk_expect(f, OFPT10_ERROR);
    assert_int_equal(m->xid, 0x99);
    assert_int_equal(m->u.error.type, OFPET10_BAD_REQUEST);
    assert_int_equal(m->u.error.code, of10_err_code(OF10_E_BAD_TYPE));
    assert_int_equal(m->u.error.data.len, 8);
    assert_int_equal(t->pins, 0);

    fk_send_simple(f, OFP10_VERSION, OFPT10_HELLO, 1);
    uint32_t xid = fk_expect(f, OFPT10_FEATURES_REQUEST)->xid;
    fk_features_reply(f, xid + 1, 4, 0); /* wrong xid: not the handshake's */
    assert_true(fk_quiet(f, 50));
    fk_features_reply(f, xid, 4, 0);
    fk_expect(f, OFPT10_SET_CONFIG);
    fk_close(f);
    tc_free(t);
}

static void send_port_status(struct fk *f, uint8_t reason, uint16_t port, uint32_t config)
{
    struct of10_msg m = {.version = 1, .type = OFPT10_PORT_STATUS, .xid = 0};
    m.u.port_status.reason = reason;
    fk_port(&m.u.port_status.desc, port);
    m.u.port_status.desc.config = config;
    fk_send(f, &m);
}

static void wait_port_status(struct tctx *t, int n)
{
    for (int i = 0; i < 1000 && t->port_status < n; i++)
        tc_run(t, 1);
    assert_int_equal(t->port_status, n);
}

static void test_port_status(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    struct fk *f = fk_open(t);
    struct ofc_switch *sw = fk_handshake(f, 0x42, 2);
    const struct of10_features *feat = ofc_switch_features(sw);
    assert_int_equal(feat->n_ports, 2);

    send_port_status(f, OFPPR10_ADD, 7, 0);
    wait_port_status(t, 1);
    assert_int_equal(t->ports_at_port_status, 3); /* updated before the handler */
    feat = ofc_switch_features(sw);
    assert_int_equal(feat->n_ports, 3);
    assert_int_equal(feat->ports[2].port_no, 7);
    assert_string_equal(feat->ports[2].name, "eth7");

    send_port_status(f, OFPPR10_MODIFY, 2, OFPPC10_PORT_DOWN);
    wait_port_status(t, 2);
    feat = ofc_switch_features(sw);
    assert_int_equal(feat->n_ports, 3);
    assert_int_equal(feat->ports[1].port_no, 2);
    assert_int_equal(feat->ports[1].config, OFPPC10_PORT_DOWN);

    send_port_status(f, OFPPR10_DELETE, 1, 0);
    wait_port_status(t, 3);
    assert_int_equal(t->ports_at_port_status, 2);
    feat = ofc_switch_features(sw);
    assert_int_equal(feat->n_ports, 2);
    assert_int_equal(feat->ports[0].port_no, 2);
    assert_int_equal(feat->ports[1].port_no, 7);

    /* deleting an unknown port, adding an existing one: no duplicates */
    send_port_status(f, OFPPR10_DELETE, 99, 0);
    send_port_status(f, OFPPR10_ADD, 7, 0);
    wait_port_status(t, 5);
    assert_int_equal(ofc_switch_features(sw)->n_ports, 2);
    fk_close(f);
    tc_free(t);
}

static void test_dpid_reconnect(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    struct fk *f1 = fk_open(t);
    struct ofc_switch *sw1 = fk_handshake(f1, 0x77, 1);
    struct fk *f2 = fk_open(t);
    struct ofc_switch *sw2 = fk_handshake(f2, 0x77, 2);
    assert_ptr_not_equal(sw1, sw2);
    assert_true(fk_wait_eof(f1, 2000)); /* the older connection is closed */
    assert_int_equal(t->downs, 1);
    assert_ptr_equal(t->last_down, sw1);
    /* the old one went down before the new one came up */
    assert_string_equal(t->events, "up:77 down:77 up:77 ");
    assert_ptr_equal(ofc_switch_find(t->c, 0x77), sw2);
    assert_int_equal(ofc_switch_count(t->c), 1);
    assert_true(tc_logged(t, "replacing"));
    /* the new connection keeps working */
    struct of10_msg echo = {.version = 1, .type = OFPT10_ECHO_REQUEST, .xid = 5};
    fk_send(f2, &echo);
    assert_int_equal(fk_expect(f2, OFPT10_ECHO_REPLY)->xid, 5);
    fk_close(f1);
    fk_close(f2);
    tc_free(t);
}

/* A listener on 127.0.0.1:0 accepts real TCP connections. */
static void test_listen_accept(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    char err[256];
    assert_int_equal(ofc_listen(t->c, "127.0.0.1:99999", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "99999"));
    int lfd = sock_listen("127.0.0.1:0", 16, NULL, 0);
    assert_true(lfd >= 0);
    char addr[64];
    assert_int_equal(sock_local_addr(lfd, addr, sizeof(addr)), 0);
    assert_int_equal(ofc_listen_fd(t->c, lfd), 0);
    struct fk *f = calloc(1, sizeof(*f));
    f->t = t;
    buf_init(&f->in, 1 << 20);
    f->fd = sock_connect(addr, NULL, 0);
    assert_true(f->fd >= 0);
    fk_handshake(f, 0x5, 1);
    struct ofc_counters cn;
    ofc_counters(t->c, &cn);
    assert_int_equal(cn.accepted, 1);
    assert_non_null(strstr(ofc_switch_peer(t->last_up), "127.0.0.1:"));
    fk_close(f);
    for (int i = 0; i < 200 && !t->downs; i++)
        tc_run(t, 1);
    assert_int_equal(t->downs, 1);
    tc_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_bytes),  cmocka_unit_test(test_bitmap_without_10),
        cmocka_unit_test(test_version_zero),     cmocka_unit_test(test_newer_plain_hello),
        cmocka_unit_test(test_bitmap_with_10),   cmocka_unit_test(test_handshake_timeout),
        cmocka_unit_test(test_before_handshake), cmocka_unit_test(test_port_status),
        cmocka_unit_test(test_dpid_reconnect),   cmocka_unit_test(test_listen_accept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
