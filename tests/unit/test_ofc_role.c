/*
 * test_ofc_role.c - roles mode (ofc_role.c) with a fake switch: slave on
 * connect, promotion only on the matching ROLE_REPLY(master), demotion,
 * nothing passed on for a slave, a refusal as slave (another controller took
 * over) -> switch_down + lost, disconnect while master, idempotence, unknown
 * dpids, a switch without the extension, and roles = 0 unchanged.
 */
#include "test_ofc_fake.h"

/* conn/lost events, in order: "conn1 conn0 lost(why) ..." */
static char rev[2048];
static size_t rev_len;
static int n_lost;

static void rev_add(const char *s)
{
    int n = snprintf(rev + rev_len, sizeof rev - rev_len, "%s ", s);
    if (n > 0 && (size_t)n < sizeof rev - rev_len) rev_len += (size_t)n;
}

static void r_conn(void *ctx, uint64_t dpid, int up)
{
    struct tctx *t = ctx;
    char s[64];
    snprintf(s, sizeof s, "conn%d:%llx", up, (unsigned long long)dpid);
    rev_add(s);
    /* the order against switch_down: recorded in the same event string */
    int n = snprintf(t->events + t->evlen, sizeof(t->events) - t->evlen, "%s ", s);
    if (n > 0 && (size_t)n < sizeof(t->events) - t->evlen) t->evlen += (size_t)n;
}

static void r_lost(void *ctx, uint64_t dpid, const char *why)
{
    (void)ctx;
    char s[256];
    snprintf(s, sizeof s, "lost:%llx(%s)", (unsigned long long)dpid, why);
    rev_add(s);
    n_lost++;
}

static struct tctx *rt_new(void)
{
    struct ofc_config cfg = {.roles = 1};
    struct tctx *t = tc_new(&cfg, false);
    ofc_set_role_hooks(t->c, r_conn, r_lost, t);
    rev_len = 0;
    rev[0] = '\0';
    n_lost = 0;
    return t;
}

static void settle(struct tctx *t)
{
    for (int i = 0; i < 20; i++)
        tc_run(t, 1);
}

/* The next message is a Nicira role request for role; its xid. */
static uint32_t expect_role_req(struct fk *f, uint32_t role)
{
    const struct of10_msg *m = fk_expect(f, OFPT10_VENDOR);
    uint32_t sub = 0, r = 99;
    assert_int_equal(of10_nx_role_parse(m, &sub, &r), 0);
    assert_int_equal(sub, NXT_ROLE_REQUEST);
    assert_int_equal(r, role);
    return m->xid;
}

static void role_reply(struct fk *f, uint32_t xid, uint32_t role)
{
    uint8_t body[8];
    struct of10_msg m;
    of10_nx_role_msg(&m, body, NXT_ROLE_REPLY, role);
    m.xid = xid;
    fk_send(f, &m);
}

static void send_error(struct fk *f, uint32_t xid, uint16_t type, uint16_t code)
{
    static const uint8_t data[12] = {0x01, 0x0e, 0x00, 0x48, 0, 0, 0, 9, 0, 0x3f, 0xff, 0xff};
    struct of10_msg m = {.version = OFP10_VERSION, .type = OFPT10_ERROR, .xid = xid};
    m.u.error.type = type;
    m.u.error.code = code;
    m.u.error.data.p = data;
    m.u.error.data.len = sizeof data;
    fk_send(f, &m);
}

/* Handshake up to the slave request; returns its xid. */
static uint32_t role_handshake(struct fk *f, uint64_t dpid)
{
    fk_expect(f, OFPT10_HELLO);
    fk_send_simple(f, OFP10_VERSION, OFPT10_HELLO, 77);
    uint32_t xid = fk_expect(f, OFPT10_FEATURES_REQUEST)->xid;
    fk_features_reply(f, xid, dpid, 2);
    fk_expect(f, OFPT10_SET_CONFIG);
    return expect_role_req(f, NX_ROLE_SLAVE);
}

/* Connected, slave acknowledged, then promoted; returns the switch. */
static struct ofc_switch *promoted(struct tctx *t, struct fk *f, uint64_t dpid, int takeover)
{
    role_reply(f, role_handshake(f, dpid), NX_ROLE_SLAVE);
    settle(t);
    assert_int_equal(ofc_role_set(t->c, dpid, 1, takeover), 0);
    role_reply(f, expect_role_req(f, NX_ROLE_MASTER), NX_ROLE_MASTER);
    for (int i = 0; i < 200 && !ofc_switch_find(t->c, dpid); i++)
        tc_run(t, 1);
    struct ofc_switch *sw = ofc_switch_find(t->c, dpid);
    assert_non_null(sw);
    return sw;
}

static void test_slave_on_connect(void **state)
{
    (void)state;
    struct tctx *t = rt_new();
    struct fk *f = fk_open(t);
    uint32_t xid = role_handshake(f, 0xab);
    settle(t);
    assert_string_equal(rev, "conn1:ab ");
    assert_int_equal(t->ups, 0);
    assert_int_equal(ofc_switch_count(t->c), 0);
    assert_null(ofc_switch_find(t->c, 0xab));
    assert_int_equal(ofc_role_of(t->c, 0xab), 0);
    role_reply(f, xid, NX_ROLE_SLAVE);
    /* a slave's async messages reach no handler; echo still works */
    fk_packet_in(f, 5, 1, 60);
    send_error(f, 6, 1, 1);
    struct of10_msg echo = {.version = 1, .type = OFPT10_ECHO_REQUEST, .xid = 0x42};
    fk_send(f, &echo);
    assert_int_equal(fk_expect(f, OFPT10_ECHO_REPLY)->xid, 0x42);
    settle(t);
    assert_int_equal(t->pins + t->errors + t->others + t->ups, 0);
    assert_true(fk_quiet(f, 30));
    fk_close(f);
    tc_free(t);
}

static void test_promote_after_reply(void **state)
{
    (void)state;
    struct tctx *t = rt_new();
    struct fk *f = fk_open(t);
    role_reply(f, role_handshake(f, 0xab), NX_ROLE_SLAVE);
    settle(t);
    assert_int_equal(ofc_role_set(t->c, 0xab, 1, 1), 0);
    uint32_t xid = expect_role_req(f, NX_ROLE_MASTER);
    settle(t);
    assert_int_equal(t->ups, 0); /* not before the reply */
    assert_int_equal(ofc_role_of(t->c, 0xab), 0);
    assert_int_equal(ofc_role_set(t->c, 0xab, 1, 1), 0); /* pending: nothing more sent */
    assert_true(fk_quiet(f, 30));
    role_reply(f, xid + 1000, NX_ROLE_MASTER); /* not the answer to our request */
    settle(t);
    assert_int_equal(t->ups, 0);
    role_reply(f, xid, NX_ROLE_MASTER);
    for (int i = 0; i < 200 && !t->ups; i++)
        tc_run(t, 1);
    assert_int_equal(t->ups, 1);
    struct ofc_switch *sw = ofc_switch_find(t->c, 0xab);
    assert_ptr_equal(sw, t->last_up);
    assert_int_equal(ofc_switch_takeover(sw), 1);
    assert_int_equal(ofc_switch_count(t->c), 1);
    assert_int_equal(ofc_role_of(t->c, 0xab), 1);
    assert_non_null(ofc_switch_features(sw));
    assert_true(tc_logged(t, "switch 00000000000000ab: master (takeover)"));
    /* master: idempotent, and the apps hear the switch */
    assert_int_equal(ofc_role_set(t->c, 0xab, 1, 0), 0);
    fk_packet_in(f, 5, 1, 60);
    for (int i = 0; i < 200 && !t->pins; i++)
        tc_run(t, 1);
    assert_int_equal(t->pins, 1);
    assert_true(fk_quiet(f, 30));
    fk_close(f);
    tc_free(t);
}

static void test_demote(void **state)
{
    (void)state;
    struct tctx *t = rt_new();
    struct fk *f = fk_open(t);
    promoted(t, f, 0xab, 0);
    assert_int_equal(ofc_switch_takeover(t->last_up), 0);
    assert_int_equal(ofc_role_set(t->c, 0xab, 0, 0), 0);
    /* invisible at once; switch_down comes from the loop, not inside the call */
    assert_null(ofc_switch_find(t->c, 0xab));
    assert_int_equal(ofc_switch_count(t->c), 0);
    assert_int_equal(t->downs, 0);
    uint32_t xid = expect_role_req(f, NX_ROLE_SLAVE);
    settle(t);
    assert_int_equal(t->downs, 1);
    role_reply(f, xid, NX_ROLE_SLAVE);
    assert_int_equal(ofc_role_set(t->c, 0xab, 0, 0), 0); /* idempotent */
    fk_packet_in(f, 5, 1, 60);
    settle(t);
    assert_int_equal(t->pins, 0);
    assert_int_equal(t->downs, 1);
    assert_true(fk_quiet(f, 30));
    /* and up again */
    assert_int_equal(ofc_role_set(t->c, 0xab, 1, 0), 0);
    role_reply(f, expect_role_req(f, NX_ROLE_MASTER), NX_ROLE_MASTER);
    for (int i = 0; i < 200 && t->ups < 2; i++)
        tc_run(t, 1);
    assert_int_equal(t->ups, 2);
    assert_string_equal(t->events, "conn1:ab up:ab down:ab up:ab ");
    fk_close(f);
    tc_free(t);
}

static void test_refused_as_slave(void **state)
{
    (void)state;
    struct tctx *t = rt_new();
    struct fk *f = fk_open(t);
    promoted(t, f, 0xab, 0);
    send_error(f, 9, of10_err_type(OF10_E_REQ_EPERM), of10_err_code(OF10_E_REQ_EPERM));
    for (int i = 0; i < 200 && !n_lost; i++)
        tc_run(t, 1);
    assert_int_equal(n_lost, 1);
    assert_int_equal(t->downs, 1);
    assert_int_equal(t->errors, 0); /* the apps were told switch_down, not the error */
    assert_null(ofc_switch_find(t->c, 0xab));
    assert_int_equal(ofc_role_of(t->c, 0xab), 0);
    assert_non_null(strstr(rev, "lost:ab(the switch refused a OFPT_FLOW_MOD as from a slave"));
    assert_true(tc_logged(t, "switch 00000000000000ab: the switch refused a OFPT_FLOW_MOD"));
    /* no master request of its own; a second refusal changes nothing */
    assert_true(fk_quiet(f, 30));
    send_error(f, 10, 1, 5);
    settle(t);
    assert_int_equal(n_lost, 1);
    assert_int_equal(t->downs, 1);
    fk_close(f);
    tc_free(t);
}

static void test_disconnect_while_master(void **state)
{
    (void)state;
    struct tctx *t = rt_new();
    struct fk *f = fk_open(t);
    promoted(t, f, 0xab, 0);
    close(f->fd);
    f->fd = -1;
    for (int i = 0; i < 200 && !strstr(rev, "conn0"); i++)
        tc_run(t, 1);
    assert_string_equal(rev, "conn1:ab conn0:ab ");
    assert_int_equal(t->downs, 1);
    /* switch_down before conn(0) */
    assert_non_null(strstr(t->events, "down:ab conn0:ab "));
    assert_int_equal(ofc_role_of(t->c, 0xab), -1);
    assert_int_equal(ofc_role_set(t->c, 0xab, 1, 0), -1);
    fk_close(f);
    tc_free(t);
}

static void test_slave_disconnect(void **state)
{
    (void)state;
    struct tctx *t = rt_new();
    struct fk *f = fk_open(t);
    role_handshake(f, 0xcd);
    settle(t);
    close(f->fd);
    f->fd = -1;
    for (int i = 0; i < 200 && !strstr(rev, "conn0"); i++)
        tc_run(t, 1);
    assert_string_equal(rev, "conn1:cd conn0:cd ");
    assert_int_equal(t->downs, 0); /* never up: no switch_down */
    fk_close(f);
    tc_free(t);
}

static void test_unknown_dpid(void **state)
{
    (void)state;
    struct tctx *t = rt_new();
    assert_int_equal(ofc_role_set(t->c, 0x99, 1, 0), -1);
    assert_int_equal(ofc_role_set(t->c, 0x99, 0, 0), -1);
    assert_int_equal(ofc_role_of(t->c, 0x99), -1);
    struct fk *f = fk_open(t);
    fk_expect(f, OFPT10_HELLO); /* connected, handshake not done: still unknown */
    assert_int_equal(ofc_role_set(t->c, 0x99, 1, 0), -1);
    fk_close(f);
    tc_free(t);
}

/* A switch without the extension refuses the role requests. */
static void test_no_extension(void **state)
{
    (void)state;
    struct tctx *t = rt_new();
    struct fk *f = fk_open(t);
    uint32_t xid = role_handshake(f, 0xab);
    send_error(f, xid, 1, 3); /* BAD_REQUEST/BAD_VENDOR */
    for (int i = 0; i < 200 && !n_lost; i++)
        tc_run(t, 1);
    assert_int_equal(n_lost, 1);
    assert_non_null(strstr(rev, "lost:ab(role request (slave) refused with "
                                "OFPET_BAD_REQUEST/OFPBRC_BAD_VENDOR"));
    assert_int_equal(ofc_role_set(t->c, 0xab, 1, 0), 0);
    xid = expect_role_req(f, NX_ROLE_MASTER);
    send_error(f, xid, 1, 4); /* BAD_SUBTYPE */
    for (int i = 0; i < 200 && n_lost < 2; i++)
        tc_run(t, 1);
    assert_int_equal(n_lost, 2);
    assert_int_equal(t->ups, 0);
    assert_int_equal(ofc_role_of(t->c, 0xab), 0);
    assert_true(tc_logged(t, "it stays slave"));
    fk_close(f);
    tc_free(t);
}

static void test_unexpected_reply(void **state)
{
    (void)state;
    struct tctx *t = rt_new();
    struct fk *f = fk_open(t);
    role_reply(f, role_handshake(f, 0xab), NX_ROLE_SLAVE);
    settle(t);
    assert_int_equal(ofc_role_set(t->c, 0xab, 1, 0), 0);
    role_reply(f, expect_role_req(f, NX_ROLE_MASTER), NX_ROLE_OTHER);
    settle(t);
    assert_int_equal(t->ups, 0);
    assert_int_equal(n_lost, 0);
    assert_int_equal(ofc_role_of(t->c, 0xab), 0);
    assert_true(tc_logged(t, "asked to be master, the switch answered other"));
    /* a malformed role message is logged, not fatal */
    static const uint8_t bad[] = {0x01, 0x04, 0x00, 0x14, 0, 0,  0, 1, 0, 0,
                                  0x23, 0x20, 0,    0,    0, 11, 0, 0, 0, 9};
    fk_write(f, bad, sizeof bad);
    settle(t);
    assert_true(tc_logged(t, "malformed Nicira role message"));
    /* the master request can be made again */
    assert_int_equal(ofc_role_set(t->c, 0xab, 1, 0), 0);
    expect_role_req(f, NX_ROLE_MASTER);
    fk_close(f);
    tc_free(t);
}

/* roles = 0: today's behaviour, no role message, no conn(). */
static void test_roles_off(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    ofc_set_role_hooks(t->c, r_conn, r_lost, t);
    rev_len = 0;
    rev[0] = '\0';
    struct fk *f = fk_open(t);
    struct ofc_switch *sw = fk_handshake(f, 0xab, 1);
    assert_true(fk_quiet(f, 30));
    assert_ptr_equal(ofc_switch_find(t->c, 0xab), sw);
    assert_int_equal(ofc_switch_takeover(sw), 0);
    assert_int_equal(ofc_role_of(t->c, 0xab), 1);
    assert_int_equal(ofc_role_set(t->c, 0xab, 1, 0), -1);
    /* a role reply is just a VENDOR message for the apps */
    role_reply(f, 5, NX_ROLE_MASTER);
    for (int i = 0; i < 200 && !t->others; i++)
        tc_run(t, 1);
    assert_int_equal(t->others, 1);
    fk_close(f);
    for (int i = 0; i < 200 && !t->downs; i++)
        tc_run(t, 1);
    assert_int_equal(t->downs, 1);
    assert_string_equal(rev, "");
    tc_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slave_on_connect),
        cmocka_unit_test(test_promote_after_reply),
        cmocka_unit_test(test_demote),
        cmocka_unit_test(test_refused_as_slave),
        cmocka_unit_test(test_disconnect_while_master),
        cmocka_unit_test(test_slave_disconnect),
        cmocka_unit_test(test_unknown_dpid),
        cmocka_unit_test(test_no_extension),
        cmocka_unit_test(test_unexpected_reply),
        cmocka_unit_test(test_roles_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
