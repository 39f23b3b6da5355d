/*
 * test_ofc_tls.c - the engine with TLS switches (in-process TLS clients over
 * socketpairs, certificates made at test time): a switch comes up over TLS,
 * including OpenFlow sent in the same flight as the TLS Finished; a client
 * certificate from another CA and a plain-TCP OpenFlow client are refused
 * with one log line each while the engine keeps serving; a stalled TLS
 * handshake times out without holding up a second switch, and one deadline
 * covers TLS and OpenFlow together; a failed OpenFlow handshake still gets
 * its OFPT_ERROR through TLS before the close; a burst larger than the input buffer
 * arrives whole (decrypted bytes held inside OpenSSL get their turn);
 * ECHO replies still jump a backlog and the output bound still drops a
 * switch that does not read.
 */
#include "test_ofc_fake.h"
#include "tls_fixtures.h"

static struct tlsfx_world W;
static struct tls_ctx *SRV, *CLI, *BAD;

static int setup(void **state)
{
    (void)state;
    char err[TLS_ERR_MAX];
    assert_int_equal(tls_init(err, sizeof(err)), 0);
    tlsfx_world_init(&W);
    SRV = tlsfx_ctx(&W.server, &W.ca, TLS_SERVER);
    CLI = tlsfx_ctx(&W.client, &W.ca, TLS_CLIENT);
    BAD = tlsfx_ctx(&W.intruder, &W.ca, TLS_CLIENT); /* trusts us, is not trusted */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tls_ctx_free(SRV);
    tls_ctx_free(CLI);
    tls_ctx_free(BAD);
    tlsfx_world_free(&W);
    return 0;
}

static struct fk *tls_switch(struct tctx *t)
{
    struct fk *f = fk_open_tls(t, SRV, CLI);
    assert_int_equal(fk_tls_handshake(f), TLS_OK);
    return f;
}

static void counters(struct tctx *t, struct ofc_counters *cn)
{
    ofc_counters(t->c, cn);
}

static void test_switch_up(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    struct fk *f = tls_switch(t);
    struct ofc_switch *sw = fk_handshake(f, 0x42, 2);
    char tr[256];
    ofc_switch_transport(sw, tr, sizeof(tr));
    assert_string_equal(tr, "TLSv1.3 TLS_AES_256_GCM_SHA384, peer CN=switch 1,O=visorflow test");
    assert_true(tc_logged(t, "INFO ofc: TLS with fake-tls: TLSv1.3 TLS_AES_256_GCM_SHA384"));
    struct ofc_counters cn;
    counters(t, &cn);
    assert_int_equal(cn.tls_handshakes, 1);
    assert_int_equal(cn.tls_failures, 0);
    /* traffic both ways, ECHO answered */
    t->answer_packet_in = true;
    fk_packet_in(f, 5, 1, 200);
    fk_expect(f, OFPT10_PACKET_OUT);
    fk_send_simple(f, 1, OFPT10_ECHO_REQUEST, 99);
    assert_int_equal(fk_expect(f, OFPT10_ECHO_REPLY)->xid, 99);
    /* a plain switch beside it */
    struct fk *p = fk_open(t);
    struct ofc_switch *psw = fk_handshake(p, 0x43, 1);
    ofc_switch_transport(psw, tr, sizeof(tr));
    assert_string_equal(tr, "tcp");
    /* closing the engine sends close_notify: the switch reads end of stream */
    ofc_switch_close(sw, "test");
    assert_true(fk_wait_eof(f, 2000));
    fk_close(f);
    fk_close(p);
    tc_free(t);
}

/* The switch's HELLO leaves with its Finished, before the engine ran: it is
 * inside OpenSSL when the handshake completes, and must not wait there for
 * a socket event that never comes. */
static void test_openflow_with_finished(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    struct fk *f = fk_open_tls(t, SRV, CLI);
    int r = TLS_AGAIN;
    for (int i = 0; i < 100 && r == TLS_AGAIN; i++) {
        r = tls_conn_handshake(f->tls);
        if (r == TLS_AGAIN) tc_run(t, 1);
    }
    assert_int_equal(r, TLS_OK); /* the client is done; the engine has not read its Finished */
    fk_send_simple(f, OFP10_VERSION, OFPT10_HELLO, 1);
    fk_expect(f, OFPT10_HELLO);
    uint32_t xid = fk_expect(f, OFPT10_FEATURES_REQUEST)->xid;
    fk_features_reply(f, xid, 7, 1);
    fk_expect(f, OFPT10_SET_CONFIG);
    for (int i = 0; i < 200 && !t->ups; i++)
        tc_run(t, 1);
    assert_int_equal(t->ups, 1);
    fk_close(f);
    tc_free(t);
}

/* A failed OpenFlow handshake over TLS: the OFPT_ERROR saying why is still
 * flushed through TLS before the half-close (LINGER), then the end. */
static void test_linger_over_tls(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    struct fk *f = tls_switch(t);
    fk_expect(f, OFPT10_HELLO);
    fk_send_simple(f, 0x00, OFPT10_HELLO, 42); /* version 0: nothing to agree on */
    const struct of10_msg *m = fk_expect(f, OFPT10_ERROR);
    assert_int_equal(m->xid, 42);
    assert_int_equal(m->u.error.type, OFPET10_HELLO_FAILED);
    assert_true(fk_wait_eof(f, 3000));
    assert_true(tc_logged(t, "version negotiation failed"));
    assert_int_equal(t->ups, 0);
    fk_close(f);
    tc_free(t);
}

static void test_wrong_ca_refused(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    struct fk *bad = fk_open_tls(t, SRV, BAD);
    fk_tls_handshake(bad); /* TLS 1.3: the client finishes before the server's verdict */
    assert_true(fk_wait_eof(bad, 2000));
    assert_true(tc_logged(t,
                          "WARN ofc: connection from fake-tls refused in the TLS handshake: "
                          "certificate verify failed: unable to get local issuer certificate\n"));
    assert_non_null(strstr(tls_conn_error(bad->tls), "unknown ca"));
    struct ofc_counters cn;
    counters(t, &cn);
    assert_int_equal(cn.tls_failures, 1);
    assert_int_equal(cn.tls_handshakes, 0);
    assert_int_equal(t->ups, 0);
    /* the engine goes on serving */
    struct fk *good = tls_switch(t);
    fk_handshake(good, 1, 1);
    fk_close(bad);
    fk_close(good);
    tc_free(t);
}

static void test_plain_client_refused(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    struct fk *plain = fk_open_tls(t, SRV, NULL); /* raw socket: speaks plain OpenFlow */
    fk_send_simple(plain, OFP10_VERSION, OFPT10_HELLO, 1);
    /* It hears no OpenFlow (at most a TLS alert, content type 21), then the
     * end of the connection. */
    uint8_t b[256];
    size_t got = 0;
    bool end = false;
    for (int i = 0; i < 2000 && !end; i++) {
        ssize_t r = read(plain->fd, b + got, sizeof(b) - got);
        if (r > 0) got += (size_t)r;
        end = r == 0 || (r < 0 && errno != EAGAIN);
        tc_run(t, 1);
    }
    print_message("the plain client read %zu bytes (first 0x%02x), then the end\n", got,
                  got ? b[0] : 0);
    assert_true(end);
    assert_true(got == 0 || b[0] == 21);
    assert_true(tc_logged(t, "connection from fake-tls refused in the TLS handshake: wrong version "
                             "number (the peer speaks plain OpenFlow, version 0x01, not TLS)"));
    struct fk *good = tls_switch(t);
    fk_handshake(good, 2, 1);
    fk_close(plain);
    fk_close(good);
    tc_free(t);
}

/* Garbage instead of a ClientHello, 20 peers of random bytes (some starting
 * like a TLS handshake record, which may leave OpenSSL waiting for the rest
 * of a long message: the deadline ends those): each is refused, nothing
 * else happens. */
static void test_garbage_refused(void **state)
{
    (void)state;
    struct ofc_config cfg = {.handshake_timeout_ms = 300};
    struct tctx *t = tc_new(&cfg, false);
    srand(7);
    for (int k = 0; k < 20; k++) {
        struct fk *g = fk_open_tls(t, SRV, NULL);
        uint8_t junk[4096];
        for (size_t i = 0; i < sizeof(junk); i++)
            junk[i] = (uint8_t)rand();
        if (k % 2) memcpy(junk, "\x16\x03\x01\x10\x00\x01", 6); /* a plausible record header */
        ssize_t w = write(g->fd, junk, sizeof(junk));
        assert_true(w > 0);
        assert_true(fk_wait_eof(g, 3000));
        fk_close(g);
    }
    struct ofc_counters cn;
    counters(t, &cn);
    assert_int_equal(cn.tls_failures, 20);
    struct fk *good = tls_switch(t);
    fk_handshake(good, 9, 1);
    fk_close(good);
    tc_free(t);
}

static void test_stalled_handshake(void **state)
{
    (void)state;
    struct ofc_config cfg = {.handshake_timeout_ms = 400};
    struct tctx *t = tc_new(&cfg, false);
    /* A peer that sends three bytes of a record header and stops, and one
     * that completes TLS but never speaks OpenFlow. */
    struct fk *stall = fk_open_tls(t, SRV, NULL);
    assert_int_equal(write(stall->fd, "\x16\x03\x01", 3), 3);
    struct fk *mute = tls_switch(t);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* A second switch does its whole handshake meanwhile. */
    struct fk *good = tls_switch(t);
    fk_handshake(good, 3, 1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    assert_true(ms < 300);
    assert_int_equal(t->ups, 1);
    assert_true(fk_wait_eof(stall, 3000));
    assert_true(fk_wait_eof(mute, 3000));
    assert_true(tc_logged(t, "connection from fake-tls refused in the TLS handshake: TLS "
                             "handshake not complete after 400 ms"));
    assert_true(tc_logged(t, "connection from fake-tls closed during the handshake: handshake "
                             "not complete after 400 ms"));
    struct ofc_counters cn;
    counters(t, &cn);
    assert_int_equal(cn.tls_failures, 1);
    assert_int_equal(cn.tls_handshakes, 2);
    /* the good one is untouched */
    t->answer_packet_in = true;
    fk_packet_in(good, 1, 1, 60);
    fk_expect(good, OFPT10_PACKET_OUT);
    assert_int_equal(t->downs, 0);
    fk_close(stall);
    fk_close(mute);
    fk_close(good);
    tc_free(t);
}

/* 3000 PACKET_INs of 1000 bytes written at once with a budget of 4 messages
 * per turn: the input buffer (128 KiB) fills while OpenSSL holds more, and
 * every message must still arrive, in order. */
static void test_burst_larger_than_buffer(void **state)
{
    (void)state;
    struct ofc_config cfg = {.max_msgs_per_read = 4};
    struct tctx *t = tc_new(&cfg, false);
    struct fk *f = tls_switch(t);
    fk_handshake(f, 4, 1);
    enum { N = 3000 };
    static uint8_t all[N * 1018];
    size_t len = 0;
    for (uint32_t i = 0; i < N; i++) {
        uint8_t data[1000];
        memset(data, (int)i, sizeof(data));
        struct of10_msg m = {.version = 1, .type = OFPT10_PACKET_IN, .xid = i + 1};
        m.u.packet_in.buffer_id = OFP10_NO_BUFFER;
        m.u.packet_in.total_len = 1000;
        m.u.packet_in.in_port = 1;
        m.u.packet_in.data.p = data;
        m.u.packet_in.data.len = 1000;
        len += fk_encode(&m, all + len, sizeof(all) - len);
    }
    fk_write(f, all, len);
    for (int i = 0; i < 20000 && t->pins < N; i++)
        tc_run(t, 1);
    assert_int_equal(t->pins, N);
    struct ofc_counters cn;
    counters(t, &cn);
    assert_int_equal(cn.packet_ins, N);
    assert_int_equal(cn.bad_msgs, 0);
    fk_close(f);
    tc_free(t);
}

/* 100 switches whose TLS handshakes all run at once, interleaved on the
 * one loop: every one comes up, each with its own TLS state. */
static void test_many_at_once(void **state)
{
    (void)state;
    enum { N = 100 };
    struct tctx *t = tc_new(NULL, false);
    struct fk *f[N];
    int r[N], pending = N;
    for (int i = 0; i < N; i++) {
        f[i] = fk_open_tls(t, SRV, CLI);
        r[i] = TLS_AGAIN;
    }
    for (int round = 0; round < 2000 && pending; round++) {
        for (int i = 0; i < N; i++)
            if (r[i] == TLS_AGAIN && (r[i] = tls_conn_handshake(f[i]->tls)) != TLS_AGAIN) pending--;
        tc_run(t, 1);
    }
    assert_int_equal(pending, 0);
    for (int i = 0; i < N; i++) {
        assert_int_equal(r[i], TLS_OK);
        fk_handshake(f[i], 0x1000 + (uint64_t)i, 1);
    }
    assert_int_equal(ofc_switch_count(t->c), N);
    struct ofc_counters cn;
    counters(t, &cn);
    assert_int_equal(cn.tls_handshakes, N);
    assert_int_equal(cn.tls_failures, 0);
    for (int i = 0; i < N; i++)
        fk_close(f[i]);
    tc_free(t);
}

static void test_echo_jumps_backlog(void **state)
{
    (void)state;
    struct ofc_config cfg = {.out_buf_cap = 8u << 20};
    struct tctx *t = tc_new(&cfg, false);
    struct fk *f = tls_switch(t);
    struct ofc_switch *sw = fk_handshake(f, 5, 1);
    struct ofc_switch_counters sc;
    size_t npo = 0;
    do { /* a backlog far beyond what the socket holds; the fake reads nothing */
        assert_int_equal(send_po(sw, (uint8_t)npo), 0);
        npo++;
        ofc_switch_counters(sw, &sc);
    } while (sc.out_queued < (1u << 20));
    for (int i = 0; i < 10; i++)
        tc_run(t, 1);
    struct of10_msg echo = {.version = 1, .type = OFPT10_ECHO_REQUEST, .xid = 0xabcd};
    echo.u.echo.p = (const uint8_t *)"ping-tls";
    echo.u.echo.len = 8;
    fk_send(f, &echo);
    for (int i = 0; i < 1000; i++) {
        ofc_switch_counters(sw, &sc);
        if (sc.echoes_answered) break;
        tc_run(t, 1);
    }
    assert_int_equal(sc.echoes_answered, 1);
    size_t total = npo * PO_LEN + 16;
    for (int i = 0; i < 100000 && buf_len(&f->in) < total; i++) {
        fk_read(f);
        tc_run(t, 1);
    }
    assert_int_equal(buf_len(&f->in), total);
    const uint8_t *p = buf_data(&f->in);
    size_t pos = 0, before = 0, after = 0;
    bool seen = false;
    while (pos < total) {
        size_t len = of10_frame_len(p + pos);
        assert_true(len >= 8 && pos + len <= total);
        if (p[pos + 1] == OFPT10_ECHO_REPLY) {
            assert_false(seen);
            seen = true;
            assert_memory_equal(p + pos + 8, "ping-tls", 8);
        } else {
            assert_int_equal(p[pos + 1], OFPT10_PACKET_OUT);
            assert_int_equal(len, PO_LEN);
            if (seen)
                after++;
            else
                before++;
        }
        pos += len;
    }
    assert_true(seen);
    print_message("TLS backlog %zu msgs: echo reply after %zu of them, %zu after it\n", npo, before,
                  after);
    assert_true(after > 500);
    fk_close(f);
    tc_free(t);
}

static void test_slow_switch_dropped(void **state)
{
    (void)state;
    struct ofc_config cfg = {.out_buf_cap = 256u << 10};
    struct tctx *t = tc_new(&cfg, false);
    struct fk *fa = tls_switch(t), *fb = tls_switch(t);
    struct ofc_switch *swa = fk_handshake(fa, 0xa, 1);
    fk_handshake(fb, 0xb, 1);
    t->answer_packet_in = true;
    int rc = 0, n = 0, trips = 0;
    while (n < 100000 && (rc = send_po(swa, 1)) == 0) {
        if (++n % 64 == 0) {
            fk_packet_in(fb, (uint32_t)n, 1, 80);
            fk_expect(fb, OFPT10_PACKET_OUT);
            trips++;
        }
    }
    assert_int_equal(rc, -1);
    assert_true(trips > 3);
    /* The bound counts plaintext; what TLS holds beyond it is one record. */
    assert_true((size_t)n * PO_LEN < (256u << 10) + 2 * 300000);
    struct ofc_counters cn;
    ofc_counters(t->c, &cn);
    assert_int_equal(cn.overflow_drops, 1);
    for (int i = 0; i < 100 && !t->downs; i++)
        tc_run(t, 1);
    assert_int_equal(t->downs, 1);
    assert_ptr_equal(t->last_down, swa);
    fk_packet_in(fb, 1, 1, 80);
    fk_expect(fb, OFPT10_PACKET_OUT);
    fk_close(fa);
    fk_close(fb);
    tc_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_switch_up),
        cmocka_unit_test(test_openflow_with_finished),
        cmocka_unit_test(test_linger_over_tls),
        cmocka_unit_test(test_wrong_ca_refused),
        cmocka_unit_test(test_plain_client_refused),
        cmocka_unit_test(test_garbage_refused),
        cmocka_unit_test(test_stalled_handshake),
        cmocka_unit_test(test_burst_larger_than_buffer),
        cmocka_unit_test(test_many_at_once),
        cmocka_unit_test(test_echo_jumps_backlog),
        cmocka_unit_test(test_slow_switch_dropped),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
