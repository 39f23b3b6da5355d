/*
 * test_ofc_bad.c - hostile input from a switch: each malformed message gets
 * the exact OFPT_ERROR (decoder's type/code, xid echoed, at most 64 bytes of
 * the message), the connection goes past max_bad_msgs, framing errors close
 * at once, ERRORs are never answered with ERRORs, and random bytes never
 * crash the engine.
 */
#include "test_ofc_fake.h"

/* The ERROR the engine must send for raw message p (len bytes). */
static void expect_error_for(struct fk *f, const uint8_t *p, size_t len, uint32_t err)
{
    uint8_t want[128];
    struct of10_msg e = {.version = 1, .type = OFPT10_ERROR};
    e.xid = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
    e.u.error.type = of10_err_type(err);
    e.u.error.code = of10_err_code(err);
    e.u.error.data.p = p;
    e.u.error.data.len = len < 64 ? len : 64;
    size_t wlen = fk_encode(&e, want, sizeof(want));
    fk_expect(f, OFPT10_ERROR);
    assert_int_equal(f->raw_len, wlen);
    assert_memory_equal(f->raw, want, wlen);
}

static void test_exact_errors(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    struct fk *f = fk_open(t);
    fk_handshake(f, 1, 1);

    /* unknown type, 100 bytes: BAD_TYPE with the first 64 bytes */
    uint8_t m1[100];
    for (size_t i = 0; i < sizeof(m1); i++)
        m1[i] = (uint8_t)i;
    memcpy(m1, "\x01\x30\x00\x64\xde\xad\xbe\xef", 8);
    fk_write(f, m1, sizeof(m1));
    expect_error_for(f, m1, sizeof(m1), OF10_E_BAD_TYPE);

    /* wrong version on a non-HELLO message */
    uint8_t m2[8] = {0x02, OFPT10_ECHO_REQUEST, 0, 8, 0, 0, 0, 7};
    fk_write(f, m2, sizeof(m2));
    expect_error_for(f, m2, sizeof(m2), OF10_E_BAD_VERSION);

    /* PACKET_IN shorter than its fixed part */
    uint8_t m3[16] = {0x01, OFPT10_PACKET_IN, 0, 16, 0, 0, 0, 8};
    fk_write(f, m3, sizeof(m3));
    expect_error_for(f, m3, sizeof(m3), OF10_E_BAD_LEN);

    /* FEATURES_REPLY whose port array is not a multiple of 48 bytes */
    uint8_t m4[40] = {0x01, OFPT10_FEATURES_REPLY, 0, 40, 0, 0, 0, 9};
    fk_write(f, m4, sizeof(m4));
    expect_error_for(f, m4, sizeof(m4), OF10_E_BAD_LEN);

    assert_int_equal(t->pins + t->others + t->errors, 0);
    struct ofc_counters cn;
    ofc_counters(t->c, &cn);
    assert_int_equal(cn.bad_msgs, 4);
    assert_int_equal(cn.disconnects, 0);
    /* still up and answering */
    fk_send_simple(f, 1, OFPT10_ECHO_REQUEST, 3);
    assert_int_equal(fk_expect(f, OFPT10_ECHO_REPLY)->xid, 3);
    fk_close(f);
    tc_free(t);
}

static void test_bad_limit(void **state)
{
    (void)state;
    struct ofc_config cfg = {.max_bad_msgs = 3};
    struct tctx *t = tc_new(&cfg, false);
    struct fk *f = fk_open(t);
    fk_handshake(f, 1, 1);
    uint8_t bad[12] = {0x01, 0x40, 0, 12, 0, 0, 0, 0, 1, 2, 3, 4};
    for (uint8_t i = 1; i <= 4; i++) {
        bad[7] = i;
        fk_write(f, bad, sizeof(bad));
    }
    fk_send_simple(f, 1, OFPT10_ECHO_REQUEST, 99); /* after the limit: ignored */
    for (uint8_t i = 1; i <= 4; i++) {
        bad[7] = i;
        expect_error_for(f, bad, sizeof(bad), OF10_E_BAD_TYPE);
    }
    assert_int_equal(fk_next(f, 3000), -1); /* then a clean close, nothing else */
    for (int i = 0; i < 100 && !t->downs; i++)
        tc_run(t, 1);
    assert_int_equal(t->downs, 1);
    assert_true(tc_logged(t, "4 malformed messages (limit 3)"));
    fk_close(f);
    tc_free(t);
}

static void test_framing_error(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    struct fk *f = fk_open(t);
    fk_handshake(f, 1, 1);
    uint8_t m[8] = {0x01, OFPT10_ECHO_REQUEST, 0, 4, 0, 0, 0, 1};
    fk_write(f, m, sizeof(m));
    assert_int_equal(fk_next(f, 3000), -1); /* closed, no ERROR */
    assert_true(tc_logged(t, "framing error: length field 4 below 8"));
    for (int i = 0; i < 100 && !t->downs; i++)
        tc_run(t, 1);
    assert_int_equal(t->downs, 1);
    fk_close(f);
    tc_free(t);
}

static void test_error_not_answered(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    struct fk *f = fk_open(t);
    fk_handshake(f, 1, 1);
    uint8_t e[12] = {0x04, OFPT10_ERROR, 0, 12, 0, 0, 0, 5, 0, 1, 0, 1};
    fk_write(f, e, sizeof(e));
    fk_send_simple(f, 1, OFPT10_ECHO_REQUEST, 6);
    assert_int_equal(fk_expect(f, OFPT10_ECHO_REPLY)->xid, 6); /* no ERROR came first */
    struct ofc_counters cn;
    ofc_counters(t->c, &cn);
    assert_int_equal(cn.bad_msgs, 1);
    fk_close(f);
    tc_free(t);
}

/* A malformed message before the handshake gets its ERROR too. */
static void test_bad_before_handshake(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    struct fk *f = fk_open(t);
    fk_expect(f, OFPT10_HELLO);
    uint8_t m[8] = {0x01, 0x99, 0, 8, 1, 2, 3, 4};
    fk_write(f, m, sizeof(m));
    expect_error_for(f, m, sizeof(m), OF10_E_BAD_TYPE);
    fk_close(f);
    tc_free(t);
}

/* Random messages (valid framing, random types and bodies) and random bytes:
 * whatever happens to the connection, the engine survives (run under ASan). */
static void test_random_input(void **state)
{
    (void)state;
    struct ofc_config cfg = {.max_bad_msgs = 1000};
    struct tctx *t = tc_new(&cfg, false);
    uint32_t seed = 12345;
#define RND() (seed = seed * 1103515245u + 12345u, (seed >> 16) & 0x7fff)
    for (int round = 0; round < 40; round++) {
        struct fk *f = fk_open(t);
        fk_handshake(f, (uint64_t)round + 1, 2);
        uint8_t b[4096];
        size_t n = 0;
        while (n + 300 < sizeof(b)) {
            size_t len = 8 + RND() % 200;
            b[n] = round % 8 == 7 ? (uint8_t)RND() : 1;
            b[n + 1] = (uint8_t)(RND() % 24);
            b[n + 2] = (uint8_t)(len >> 8);
            b[n + 3] = (uint8_t)len;
            for (size_t i = 4; i < len; i++)
                b[n + i] = (uint8_t)RND();
            if (round % 10 == 9) b[n + 3] = (uint8_t)RND(); /* broken framing */
            n += len;
        }
        fk_write(f, b, n);
        for (int i = 0; i < 20; i++) {
            fk_read(f);
            buf_clear(&f->in);
            tc_run(t, 1);
        }
        fk_close(f);
        for (int i = 0; i < 5; i++)
            tc_run(t, 1);
    }
#undef RND
    for (int i = 0; i < 50 && ofc_switch_count(t->c); i++)
        tc_run(t, 2);
    assert_int_equal(ofc_switch_count(t->c), 0);
    tc_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_errors),         cmocka_unit_test(test_bad_limit),
        cmocka_unit_test(test_framing_error),        cmocka_unit_test(test_error_not_answered),
        cmocka_unit_test(test_bad_before_handshake), cmocka_unit_test(test_random_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
