/*
 * test_ofc_req.c - request/reply tracking: replies and ERRORs reach their
 * callback exactly once, multipart STATS replies are assembled (and bounded),
 * timeouts, GONE when the switch goes, cancel by owner, and callbacks that
 * re-enter the engine (new requests, sends, closes).
 */
#include "test_ofc_fake.h"

struct rec {
    int calls;
    int status;
    size_t nparts;
    uint8_t type;
    uint16_t err_type, err_code;
    uint64_t flow_cookies[16];
    size_t nflows;
    int order; /* global sequence number of the call */
};
static int call_seq;

static void rec_cb(struct ofc_switch *sw, int status, const struct of10_msg *const *parts, size_t n,
                   void *ctx)
{
    struct rec *r = ctx;
    (void)sw;
    r->calls++;
    r->status = status;
    r->nparts = n;
    r->order = ++call_seq;
    if (n) r->type = parts[0]->type;
    if (status == OFC_REPLY_ERROR) {
        r->err_type = parts[0]->u.error.type;
        r->err_code = parts[0]->u.error.code;
    }
    for (size_t i = 0; i < n; i++) {
        const struct of10_stats_reply *sr = &parts[i]->u.stats_reply;
        if (parts[i]->type != OFPT10_STATS_REPLY || sr->type != OFPST10_FLOW) continue;
        for (size_t j = 0; j < sr->u.flow.n && r->nflows < 16; j++)
            r->flow_cookies[r->nflows++] = sr->u.flow.v[j].cookie;
    }
}

static void wait_calls(struct tctx *t, const struct rec *r, int n)
{
    for (int i = 0; i < 2000 && r->calls < n; i++)
        tc_run(t, 1);
    assert_int_equal(r->calls, n);
}

static uint32_t req_simple(struct ofc_switch *sw, uint8_t type, struct rec *r, const void *owner)
{
    struct of10_msg m = {.type = type}; /* version 0 is taken as 0x01 */
    return ofc_request(sw, &m, rec_cb, r, owner);
}

static void test_barrier_once(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    struct fk *f = fk_open(t);
    struct ofc_switch *sw = fk_handshake(f, 1, 1);
    struct rec r = {0};
    uint32_t xid = req_simple(sw, OFPT10_BARRIER_REQUEST, &r, NULL);
    assert_int_not_equal(xid, 0);
    assert_int_equal(fk_expect(f, OFPT10_BARRIER_REQUEST)->xid, xid);
    /* a reply with another xid is not ours */
    fk_send_simple(f, 1, OFPT10_BARRIER_REPLY, xid + 100);
    fk_send_simple(f, 1, OFPT10_BARRIER_REPLY, xid);
    wait_calls(t, &r, 1);
    assert_int_equal(r.status, OFC_REPLY_OK);
    assert_int_equal(r.nparts, 1);
    assert_int_equal(r.type, OFPT10_BARRIER_REPLY);
    assert_int_equal(t->others, 1);
    /* a second reply with the same xid goes to `other`, not the callback */
    fk_send_simple(f, 1, OFPT10_BARRIER_REPLY, xid);
    for (int i = 0; i < 500 && t->others < 2; i++)
        tc_run(t, 1);
    assert_int_equal(t->others, 2);
    assert_int_equal(r.calls, 1);

    /* ECHO and GET_CONFIG requests too; FLOW_MOD gets no reply to track */
    struct rec e = {0}, g = {0};
    uint32_t ex = req_simple(sw, OFPT10_ECHO_REQUEST, &e, NULL);
    uint32_t gx = req_simple(sw, OFPT10_GET_CONFIG_REQUEST, &g, NULL);
    struct of10_msg fm = {.version = 1, .type = OFPT10_FLOW_MOD};
    of10_match_init_catchall(&fm.u.flow_mod.match);
    fm.u.flow_mod.command = OFPFC10_DELETE;
    fm.u.flow_mod.out_port = OFPP10_NONE;
    fm.u.flow_mod.buffer_id = OFP10_NO_BUFFER;
    assert_int_equal(ofc_request(sw, &fm, rec_cb, &r, NULL), 0);
    fk_send_simple(f, 1, OFPT10_ECHO_REPLY, ex);
    struct of10_msg gr = {.version = 1, .type = OFPT10_GET_CONFIG_REPLY, .xid = gx};
    gr.u.config.miss_send_len = 128;
    fk_send(f, &gr);
    wait_calls(t, &e, 1);
    wait_calls(t, &g, 1);
    assert_int_equal(e.type, OFPT10_ECHO_REPLY);
    assert_int_equal(g.type, OFPT10_GET_CONFIG_REPLY);
    /* an xid already pending is refused */
    struct rec d = {0};
    struct of10_msg b = {.version = 1, .type = OFPT10_BARRIER_REQUEST, .xid = 5000};
    assert_int_equal(ofc_request(sw, &b, rec_cb, &d, NULL), 5000);
    b.xid = 5000;
    assert_int_equal(ofc_request(sw, &b, rec_cb, &d, NULL), 0);
    fk_close(f);
    tc_free(t);
}

static void test_error_reply(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    struct fk *f = fk_open(t);
    struct ofc_switch *sw = fk_handshake(f, 1, 1);
    struct rec r = {0};
    struct of10_msg m = {.version = 1, .type = OFPT10_STATS_REQUEST};
    m.u.stats_request.type = OFPST10_DESC;
    uint32_t xid = ofc_request(sw, &m, rec_cb, &r, NULL);
    assert_int_equal(fk_expect(f, OFPT10_STATS_REQUEST)->xid, xid);
    uint8_t copy[64];
    memcpy(copy, f->raw, f->raw_len);
    struct of10_msg e = {.version = 1, .type = OFPT10_ERROR, .xid = xid};
    e.u.error.type = OFPET10_BAD_REQUEST;
    e.u.error.code = of10_err_code(OF10_E_BAD_STAT);
    e.u.error.data.p = copy;
    e.u.error.data.len = 12;
    fk_send(f, &e);
    wait_calls(t, &r, 1);
    assert_int_equal(r.status, OFC_REPLY_ERROR);
    assert_int_equal(r.nparts, 1);
    assert_int_equal(r.type, OFPT10_ERROR);
    assert_int_equal(r.err_type, OFPET10_BAD_REQUEST);
    assert_int_equal(r.err_code, of10_err_code(OF10_E_BAD_STAT));
    assert_int_equal(t->errors, 0); /* claimed: not an unsolicited error */
    /* the same error again is unclaimed */
    fk_send(f, &e);
    for (int i = 0; i < 500 && !t->errors; i++)
        tc_run(t, 1);
    assert_int_equal(t->errors, 1);
    assert_int_equal(r.calls, 1);
    fk_close(f);
    tc_free(t);
}

/* One part of a flow stats reply with two entries. */
static void send_flow_part(struct fk *f, uint32_t xid, bool more, uint64_t cookie0)
{
    struct of10_flow_stats fs[2];
    memset(fs, 0, sizeof(fs));
    for (int i = 0; i < 2; i++) {
        of10_match_init_catchall(&fs[i].match);
        fs[i].cookie = cookie0 + (uint64_t)i;
        fs[i].priority = 100;
    }
    struct of10_msg m = {.version = 1, .type = OFPT10_STATS_REPLY, .xid = xid};
    m.u.stats_reply.type = OFPST10_FLOW;
    m.u.stats_reply.flags = more ? OFPSF10_REPLY_MORE : 0;
    m.u.stats_reply.u.flow.v = fs;
    m.u.stats_reply.u.flow.n = 2;
    fk_send(f, &m);
}

static uint32_t req_flows(struct ofc_switch *sw, struct rec *r, const void *owner)
{
    struct of10_msg m = {.version = 1, .type = OFPT10_STATS_REQUEST};
    m.u.stats_request.type = OFPST10_FLOW;
    of10_match_init_catchall(&m.u.stats_request.u.flow.match);
    m.u.stats_request.u.flow.table_id = 0xff;
    m.u.stats_request.u.flow.out_port = OFPP10_NONE;
    return ofc_request(sw, &m, rec_cb, r, owner);
}

static void test_multipart(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    struct fk *f = fk_open(t);
    struct ofc_switch *sw = fk_handshake(f, 1, 1);
    struct rec r = {0};
    uint32_t xid = req_flows(sw, &r, NULL);
    assert_int_not_equal(xid, 0);
    fk_expect(f, OFPT10_STATS_REQUEST);
    send_flow_part(f, xid, true, 10);
    fk_packet_in(f, 0, 1, 64); /* async traffic between the parts */
    send_flow_part(f, xid, true, 20);
    for (int i = 0; i < 50; i++)
        tc_run(t, 1);
    assert_int_equal(r.calls, 0);
    assert_int_equal(t->pins, 1);
    send_flow_part(f, xid, false, 30);
    wait_calls(t, &r, 1);
    assert_int_equal(r.status, OFC_REPLY_OK);
    assert_int_equal(r.nparts, 3);
    assert_int_equal(r.nflows, 6);
    const uint64_t want[6] = {10, 11, 20, 21, 30, 31};
    for (int i = 0; i < 6; i++)
        assert_true(r.flow_cookies[i] == want[i]);
    assert_int_equal(t->others, 0);
    /* a single-part reply is passed through as one part */
    struct rec s = {0};
    xid = req_flows(sw, &s, NULL);
    send_flow_part(f, xid, false, 40);
    wait_calls(t, &s, 1);
    assert_int_equal(s.nparts, 1);
    assert_int_equal(s.nflows, 2);
    fk_close(f);
    tc_free(t);
}

static void test_multipart_too_big(void **state)
{
    (void)state;
    struct ofc_config cfg = {.max_multipart_bytes = 500}; /* one part is 12 + 2*88 */
    struct tctx *t = tc_new(&cfg, false);
    struct fk *f = fk_open(t);
    struct ofc_switch *sw = fk_handshake(f, 1, 1);
    struct rec r = {0};
    uint32_t xid = req_flows(sw, &r, NULL);
    send_flow_part(f, xid, true, 1);
    send_flow_part(f, xid, true, 3);
    send_flow_part(f, xid, true, 5); /* 564 bytes: over */
    wait_calls(t, &r, 1);
    assert_int_equal(r.status, OFC_REPLY_TOO_BIG);
    assert_int_equal(r.nparts, 0);
    send_flow_part(f, xid, true, 7); /* the rest is swallowed */
    send_flow_part(f, xid, false, 9);
    fk_send_simple(f, 1, OFPT10_BARRIER_REPLY, 1); /* marker: everything before is handled */
    for (int i = 0; i < 500 && !t->others; i++)
        tc_run(t, 1);
    assert_int_equal(t->others, 1);
    assert_int_equal(r.calls, 1);
    assert_true(tc_logged(t, "over 500 bytes"));
    fk_close(f);
    tc_free(t);
}

static void test_timeout(void **state)
{
    (void)state;
    struct ofc_config cfg = {
        .request_timeout_ms = 500, .echo_interval_ms = 100000, .echo_timeout_ms = 200000};
    struct tctx *t = tc_new(&cfg, true);
    struct fk *f = fk_open(t);
    struct ofc_switch *sw = fk_handshake(f, 1, 1);
    struct rec r = {0};
    uint32_t xid = req_simple(sw, OFPT10_BARRIER_REQUEST, &r, NULL);
    tc_advance(t, 499);
    assert_int_equal(r.calls, 0);
    tc_advance(t, 1);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.status, OFC_REPLY_TIMEOUT);
    assert_int_equal(r.nparts, 0);
    struct ofc_counters cn;
    ofc_counters(t->c, &cn);
    assert_int_equal(cn.requests_timed_out, 1);
    /* a late reply is nobody's */
    fk_send_simple(f, 1, OFPT10_BARRIER_REPLY, xid);
    for (int i = 0; i < 500 && !t->others; i++)
        tc_run(t, 1);
    assert_int_equal(t->others, 1);
    assert_int_equal(r.calls, 1);
    fk_close(f);
    tc_free(t);
}

static void test_gone_and_cancel(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    struct fk *f = fk_open(t);
    struct ofc_switch *sw = fk_handshake(f, 1, 1);
    int owner_a, owner_b;
    struct rec a1 = {0}, a2 = {0}, b1 = {0}, b2 = {0};
    uint32_t xa1 = req_simple(sw, OFPT10_BARRIER_REQUEST, &a1, &owner_a);
    req_simple(sw, OFPT10_BARRIER_REQUEST, &b1, &owner_b);
    req_simple(sw, OFPT10_ECHO_REQUEST, &a2, &owner_a);
    req_simple(sw, OFPT10_ECHO_REQUEST, &b2, &owner_b);
    ofc_cancel_owner(t->c, &owner_a);
    fk_send_simple(f, 1, OFPT10_BARRIER_REPLY, xa1); /* no callback any more */
    for (int i = 0; i < 500 && !t->others; i++)
        tc_run(t, 1);
    assert_int_equal(t->others, 1);
    call_seq = 0;
    close(f->fd); /* the switch goes away: GONE for the rest, in issue order */
    f->fd = -1;
    for (int i = 0; i < 500 && !t->downs; i++)
        tc_run(t, 1);
    assert_int_equal(t->downs, 1);
    assert_int_equal(a1.calls + a2.calls, 0);
    assert_int_equal(b1.calls, 1);
    assert_int_equal(b2.calls, 1);
    assert_int_equal(b1.status, OFC_REPLY_GONE);
    assert_int_equal(b2.status, OFC_REPLY_GONE);
    assert_int_equal(b1.order, 1);
    assert_int_equal(b2.order, 2);
    fk_close(f);
    tc_free(t);
}

/* ---- re-entrancy ---------------------------------------------------------- */

struct reent {
    struct tctx *t;
    struct ofc_switch *other;
    struct rec inner;
    int calls;
    uint32_t inner_xid;
    int send_rc;
};

/* On the reply: a new request and a send on the same switch, the other
 * switch closed, then this switch closed too. */
static void reent_cb(struct ofc_switch *sw, int status, const struct of10_msg *const *parts,
                     size_t n, void *ctx)
{
    struct reent *e = ctx;
    (void)parts, (void)n;
    e->calls++;
    assert_int_equal(status, OFC_REPLY_OK);
    e->inner_xid = req_simple(sw, OFPT10_BARRIER_REQUEST, &e->inner, NULL);
    struct of10_msg echo = {.type = OFPT10_ECHO_REQUEST};
    e->send_rc = ofc_send(sw, &echo);
    ofc_switch_close(e->other, "closed from a callback");
    ofc_switch_close(sw, "closed from its own callback");
    /* after the close: everything refuses, nothing crashes */
    assert_int_equal(ofc_send(sw, &echo), -1);
    assert_int_equal(req_simple(sw, OFPT10_BARRIER_REQUEST, &e->inner, NULL), 0);
    assert_int_equal(ofc_switch_dpid(sw), 1);
}

static void test_reentrant_callbacks(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    struct fk *f1 = fk_open(t), *f2 = fk_open(t);
    struct ofc_switch *sw1 = fk_handshake(f1, 1, 1);
    struct ofc_switch *sw2 = fk_handshake(f2, 2, 1);
    struct reent e = {.t = t, .other = sw2};
    struct rec pending2 = {0};
    req_simple(sw2, OFPT10_BARRIER_REQUEST, &pending2, NULL);
    struct of10_msg m = {.type = OFPT10_BARRIER_REQUEST};
    uint32_t xid = ofc_request(sw1, &m, reent_cb, &e, NULL);
    fk_send_simple(f1, 1, OFPT10_BARRIER_REPLY, xid);
    for (int i = 0; i < 500 && t->downs < 2; i++)
        tc_run(t, 1);
    assert_int_equal(e.calls, 1);
    assert_int_not_equal(e.inner_xid, 0);
    assert_int_equal(e.send_rc, 0);
    assert_int_equal(t->downs, 2);
    /* the request made inside the callback ended GONE, exactly once */
    assert_int_equal(e.inner.calls, 1);
    assert_int_equal(e.inner.status, OFC_REPLY_GONE);
    assert_int_equal(pending2.calls, 1);
    assert_int_equal(pending2.status, OFC_REPLY_GONE);
    assert_int_equal(ofc_switch_count(t->c), 0);
    assert_true(fk_wait_eof(f1, 1000));
    assert_true(fk_wait_eof(f2, 1000));
    fk_close(f1);
    fk_close(f2);
    tc_free(t);
}

/* ofc_free with requests pending: GONE for each, switch_down for each. */
static void test_free_with_pending(void **state)
{
    (void)state;
    struct tctx *t = tc_new(NULL, false);
    struct fk *f = fk_open(t);
    struct ofc_switch *sw = fk_handshake(f, 1, 1);
    struct rec r = {0};
    req_simple(sw, OFPT10_BARRIER_REQUEST, &r, NULL);
    ofc_free(t->c);
    t->c = NULL;
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.status, OFC_REPLY_GONE);
    assert_int_equal(t->downs, 1);
    fk_close(f);
    tc_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_barrier_once),
        cmocka_unit_test(test_error_reply),
        cmocka_unit_test(test_multipart),
        cmocka_unit_test(test_multipart_too_big),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_gone_and_cancel),
        cmocka_unit_test(test_reentrant_callbacks),
        cmocka_unit_test(test_free_with_pending),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
