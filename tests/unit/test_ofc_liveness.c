/*
 * test_ofc_liveness.c - echo replies jump a queued backlog at the next
 * message boundary; our own echo probe and the silence timeout (fake clock);
 * a switch that stops reading is dropped at its output bound while another
 * keeps being served; fairness between two busy switches.
 */
#include "test_ofc_fake.h"

static void test_echo_jumps_backlog(void **state)
{
    (void)state;
    struct ofc_config cfg = {.out_buf_cap = 8u << 20};
    struct tctx *t = tc_new(&cfg, false);
    struct fk *f = fk_open(t);
    struct ofc_switch *sw = fk_handshake(f, 1, 1);
    struct ofc_counters cn;
    ofc_counters(t->c, &cn);
    uint64_t base = cn.bytes_out; /* stream offset of what follows */
    assert_int_equal(base, 8 + 8 + 12);
    assert_int_equal(buf_len(&f->in), 0);

    /* Queue a backlog far beyond what the socket holds; the fake reads nothing. */
    struct ofc_switch_counters sc;
    size_t npo = 0;
    do {
        assert_int_equal(send_po(sw, (uint8_t)npo), 0);
        npo++;
        ofc_switch_counters(sw, &sc);
    } while (sc.out_queued < (1u << 20));
    /* Make the socket stop inside a message: the fake reads a little, the
     * engine writes a large chunk of its buffer, which the socket takes
     * only in part. */
    uint64_t s0 = 0;
    for (int k = 0; k < 50; k++) {
        ofc_counters(t->c, &cn);
        s0 = cn.bytes_out;
        if ((s0 - base) % PO_LEN) break;
        uint8_t tmp[65536];
        ssize_t r = read(f->fd, tmp, sizeof(tmp) - (size_t)k * 100);
        if (r > 0) assert_int_equal(buf_append(&f->in, tmp, (size_t)r), 0);
        for (int i = 0; i < 3; i++)
            tc_run(t, 1);
    }
    assert_true(s0 < base + npo * PO_LEN);

    struct of10_msg echo = {.version = 1, .type = OFPT10_ECHO_REQUEST, .xid = 0xabcd};
    echo.u.echo.p = (const uint8_t *)"ping-123";
    echo.u.echo.len = 8;
    fk_send(f, &echo);
    for (int i = 0; i < 1000; i++) {
        ofc_switch_counters(sw, &sc);
        if (sc.echoes_answered) break;
        tc_run(t, 1);
    }
    assert_int_equal(sc.echoes_answered, 1);

    /* Now read everything and find the reply in the stream. */
    size_t total = npo * PO_LEN + 16;
    for (int i = 0; i < 100000 && buf_len(&f->in) < total; i++) {
        fk_read(f);
        tc_run(t, 1);
    }
    assert_int_equal(buf_len(&f->in), total);
    const uint8_t *p = buf_data(&f->in);
    uint64_t off = base, echo_at = 0, prev_at = 0;
    size_t pos = 0, after = 0;
    while (pos < total) {
        size_t len = of10_frame_len(p + pos);
        assert_true(len >= 8 && pos + len <= total);
        if (p[pos + 1] == OFPT10_ECHO_REPLY) {
            echo_at = off;
            struct of10_msg m;
            of10_arena_reset(&t->arena);
            assert_int_equal(of10_decode(p + pos, len, &m, &t->arena), OF10_OK);
            assert_int_equal(m.xid, 0xabcd);
            assert_int_equal(m.u.echo.len, 8);
            assert_memory_equal(m.u.echo.p, "ping-123", 8);
        } else {
            assert_int_equal(p[pos + 1], OFPT10_PACKET_OUT);
            assert_int_equal(len, PO_LEN);
            if (echo_at)
                after++;
            else
                prev_at = off;
        }
        off += len;
        pos += len;
    }
    assert_true(echo_at != 0);
    print_message("backlog %zu msgs; socket took %llu bytes; echo reply at %llu, previous "
                  "message at %llu, %zu after it\n",
                  npo, (unsigned long long)s0, (unsigned long long)echo_at,
                  (unsigned long long)prev_at, after);
    /* The reply is the next whole message after the one in flight when the
     * request arrived: it starts at or after s0, and the message before it
     * had started before s0. */
    assert_true(echo_at >= s0);
    assert_true(prev_at < s0);
    assert_true(after > 500); /* most of the backlog went after it */
    fk_close(f);
    tc_free(t);
}

static void test_probe_and_timeout(void **state)
{
    (void)state;
    struct ofc_config cfg = {.echo_interval_ms = 1000, .echo_timeout_ms = 3000};
    struct tctx *t = tc_new(&cfg, true);
    struct fk *f = fk_open(t);
    fk_handshake(f, 9, 1);
    tc_advance(t, 999);
    assert_true(fk_quiet(f, 5));
    tc_advance(t, 1); /* 1000 ms of silence: a probe */
    uint32_t xid = fk_expect(f, OFPT10_ECHO_REQUEST)->xid;
    fk_send_simple(f, 1, OFPT10_ECHO_REPLY, xid);
    for (int i = 0; i < 20; i++)
        tc_run(t, 1);
    assert_int_equal(t->others, 0); /* our own probe's reply is ours */

    tc_advance(t, 999);
    assert_true(fk_quiet(f, 5));
    tc_advance(t, 1);
    fk_expect(f, OFPT10_ECHO_REQUEST); /* not answered from now on */
    tc_advance(t, 1000);
    fk_expect(f, OFPT10_ECHO_REQUEST); /* one probe per interval */
    tc_advance(t, 999);
    fk_read(f);
    assert_false(f->eof);
    assert_int_equal(t->downs, 0);
    tc_advance(t, 1); /* 3000 ms since the last byte from the switch */
    assert_int_equal(t->downs, 1);
    assert_true(fk_wait_eof(f, 1000));
    struct ofc_counters cn;
    ofc_counters(t->c, &cn);
    assert_int_equal(cn.echo_timeouts, 1);
    assert_true(tc_logged(t, "echo timeout"));
    fk_close(f);
    tc_free(t);
}

/* Any traffic counts as life: a busy switch is never probed. */
static void test_traffic_keeps_alive(void **state)
{
    (void)state;
    struct ofc_config cfg = {.echo_interval_ms = 1000, .echo_timeout_ms = 3000};
    struct tctx *t = tc_new(&cfg, true);
    struct fk *f = fk_open(t);
    fk_handshake(f, 9, 1);
    for (int i = 0; i < 10; i++) {
        tc_advance(t, 900);
        fk_packet_in(f, 0, 1, 60);
        for (int j = 0; j < 1000 && t->pins < i + 1; j++)
            tc_run(t, 1);
    }
    assert_true(fk_quiet(f, 5)); /* no ECHO_REQUEST came */
    assert_int_equal(t->downs, 0);
    fk_close(f);
    tc_free(t);
}

static void test_slow_switch_dropped(void **state)
{
    (void)state;
    struct ofc_config cfg = {.out_buf_cap = 256u << 10};
    struct tctx *t = tc_new(&cfg, false);
    struct fk *fa = fk_open(t), *fb = fk_open(t);
    struct ofc_switch *swa = fk_handshake(fa, 0xa, 1);
    fk_handshake(fb, 0xb, 1);
    t->answer_packet_in = true;

    int rc = 0, n = 0, trips = 0;
    while (n < 100000 && (rc = send_po(swa, 1)) == 0) {
        if (++n % 64 == 0) { /* B is served while A's queue grows */
            fk_packet_in(fb, (uint32_t)n, 1, 80);
            fk_expect(fb, OFPT10_PACKET_OUT);
            trips++;
        }
    }
    assert_int_equal(rc, -1);
    assert_true(trips > 3);
    struct ofc_counters cn;
    ofc_counters(t->c, &cn);
    assert_int_equal(cn.overflow_drops, 1);
    assert_true(tc_logged(t, "is not reading"));
    for (int i = 0; i < 100 && !t->downs; i++)
        tc_run(t, 1);
    assert_int_equal(t->downs, 1);
    assert_ptr_equal(t->last_down, swa);
    assert_int_equal(ofc_switch_count(t->c), 1);
    /* B still works after A is gone */
    fk_packet_in(fb, 1, 1, 80);
    fk_expect(fb, OFPT10_PACKET_OUT);
    assert_true(fk_wait_eof(fa, 3000));
    fk_close(fa);
    fk_close(fb);
    tc_free(t);
}

/* Two switches each write a burst of 40 PACKET_INs at once: with a budget of
 * 4 messages per turn the handler sees them interleaved. */
static void test_fairness(void **state)
{
    (void)state;
    struct ofc_config cfg = {.max_msgs_per_read = 4};
    struct tctx *t = tc_new(&cfg, false);
    struct fk *fa = fk_open(t), *fb = fk_open(t);
    fk_handshake(fa, 0xa, 1);
    fk_handshake(fb, 0xb, 1);
    for (int i = 0; i < 40; i++)
        fk_packet_in(fa, (uint32_t)i, 1, 60);
    for (int i = 0; i < 40; i++)
        fk_packet_in(fb, (uint32_t)i, 1, 60);
    for (int i = 0; i < 1000 && t->pins < 80; i++)
        tc_run(t, 1);
    assert_int_equal(t->pins, 80);
    int run = 1, max_run = 1, a = 0;
    for (int i = 0; i < 80; i++) {
        if (t->pin_seq[i] == 0xa) a++;
        if (i && t->pin_seq[i] == t->pin_seq[i - 1])
            run++;
        else
            run = 1;
        if (run > max_run) max_run = run;
    }
    assert_int_equal(a, 40);
    print_message("longest run of one switch: %d packet_ins\n", max_run);
    assert_true(max_run <= 8);
    fk_close(fa);
    fk_close(fb);
    tc_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_jumps_backlog),
        cmocka_unit_test(test_probe_and_timeout),
        cmocka_unit_test(test_traffic_keeps_alive),
        cmocka_unit_test(test_slow_switch_dropped),
        cmocka_unit_test(test_fairness),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
