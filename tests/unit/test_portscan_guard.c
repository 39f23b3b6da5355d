/*
 * test_portscan_guard.c - what lua/apps/portscan.lua must never do and what
 * keeps it safe: benign traffic (busy clients, a crawler, retries, iperf3,
 * idle sessions, traceroute) is never blocked and every packet of it is
 * delivered; a million random sources keep every table bounded; the
 * PACKET_IN budget; the rules/guest hooks through a fake `rules`; the
 * monitor's drop events; unblock, reload and reconnect; bad configuration.
 */
#include "portscan_harness.h"

/* ---- what must never be blocked ---------------------------------------------- */

static void test_benign(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    meet(sw);
    int packets = 0, delivered = 0;
#define BENIGN(port, fr)                                                                           \
    do {                                                                                           \
        struct frame _f = (fr);                                                                    \
        struct fate _r = feed(sw, port, &_f);                                                      \
        packets++, delivered += _r.delivered;                                                      \
        assert_false(_r.blocked);                                                                  \
    } while (0)
    /* a busy web client: 500 connections to one server port */
    for (unsigned i = 0; i < 500; i++) {
        BENIGN(3, tcp(C_MAC, B_MAC, C_IP, B_IP, 30000 + i, 80, PKT_TCP_SYN));
        BENIGN(2, tcp(B_MAC, C_MAC, B_IP, C_IP, 80, 30000 + i, PKT_TCP_SYN | PKT_TCP_ACK));
        if (i % 50 == 0) lt_advance(T, 100);
    }
    /* a crawler: 50 connections to 50 hosts at once, answered afterwards,
     * and again, 20 times */
    for (unsigned round = 0; round < 20; round++) {
        for (unsigned i = 0; i < 50; i++)
            BENIGN(3, tcp(C_MAC, B_MAC, C_IP, 0x0a010000 + round * 50 + i, 31000 + i, 443,
                          PKT_TCP_SYN));
        for (unsigned i = 0; i < 50; i++)
            BENIGN(2, tcp(B_MAC, C_MAC, 0x0a010000 + round * 50 + i, C_IP, 443, 31000 + i,
                          PKT_TCP_SYN | PKT_TCP_ACK));
        lt_advance(T, 200);
    }
    /* retries against a closed service: 200 times the same port */
    for (unsigned i = 0; i < 200; i++) {
        struct frame q = tcp(C_MAC, B_MAC, C_IP, B_IP, 20000 + i, 8080, PKT_TCP_SYN);
        BENIGN(3, q);
        BENIGN(2, rst_to(&q));
        lt_advance(T, 500);
    }
    /* iperf3 -P 8: control connection plus 8 parallel streams */
    for (unsigned i = 0; i < 9; i++) {
        BENIGN(1, tcp(A_MAC, B_MAC, A_IP, B_IP, 33000 + i, 5201, PKT_TCP_SYN));
        BENIGN(2, tcp(B_MAC, A_MAC, B_IP, A_IP, 5201, 33000 + i, PKT_TCP_SYN | PKT_TCP_ACK));
    }
    /* a long idle session: its flows expired (idle 10 s), then data again.
     * The first segments come without a flow: forwarded by portscan until
     * B's answer shows a live connection; after that l2_learning's flows. */
    lt_advance(T, 600000);
    struct frame d = tcp(A_MAC, B_MAC, A_IP, B_IP, 33001, 5201, PKT_TCP_ACK | PKT_TCP_PSH);
    struct fate fd = feed(sw, 1, &d);
    packets++, delivered += fd.delivered;
    assert_true(fd.delivered); /* forwarded: its 5-tuple is still a known connection */
    /* an idle session older than anything remembered: out of state */
    struct frame o = tcp(C_MAC, B_MAC, C_IP, B_IP, 61000, 22, PKT_TCP_ACK | PKT_TCP_PSH);
    struct fate fo = feed(sw, 3, &o);
    assert_true(fo.delivered && !fo.flow);
    struct frame oa = tcp(B_MAC, C_MAC, B_IP, C_IP, 22, 61000, PKT_TCP_ACK);
    struct fate foa = feed(sw, 2, &oa);
    assert_true(foa.delivered && foa.flow); /* B answered: a live connection */
    struct fate fo2 = feed(sw, 3, &o);
    assert_true(fo2.delivered && fo2.flow);
    packets += 3, delivered += 3;
    /* everyday noise: DNS, pings to live hosts, ARP for the gateway */
    for (unsigned i = 0; i < 50; i++) {
        BENIGN(3, udp(C_MAC, B_MAC, C_IP, B_IP, 50000 + i, 53, 64));
        BENIGN(2, udp(B_MAC, C_MAC, B_IP, C_IP, 53, 50000 + i, 64));
        BENIGN(3, icmp(C_MAC, B_MAC, C_IP, B_IP, 8));
        BENIGN(2, icmp(B_MAC, C_MAC, B_IP, C_IP, 0));
        lt_advance(T, 1000);
    }
    /* traceroute to B: 16 UDP probes at once, TTL 1..6, ports 33434..; B
     * answers port unreachable to the first 6 (rate limit) */
    for (unsigned i = 0; i < 16; i++) {
        struct frame q = udp(C_MAC, B_MAC, C_IP, B_IP, 44000, 33434 + i, (uint8_t)(1 + i / 3));
        BENIGN(3, q);
        if (i < 6) BENIGN(2, unreach_to(&q, 3));
    }
    lt_advance(T, 10000);
    assert_int_equal(pump().blocked, false);
    assert_int_equal(W.blocks, 0);
    assert_int_equal(ps_stat("blocks"), 0);
    /* every first packet went on: none was held until something was learned */
    assert_int_equal(delivered, packets);
#undef BENIGN
}

/* ---- bounds, budget, response hooks -------------------------------------------- */

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
    rnd_state ^= rnd_state << 13, rnd_state ^= rnd_state >> 7, rnd_state ^= rnd_state << 17;
    return (uint32_t)rnd_state;
}

static void test_bounded_state(void **state)
{
    (void)state;
    /* portscan alone (no forwarding: this is about its memory), budget off */
    const struct lof_kv kv[] = {{"pin_rate", "1e9"}, {"pin_burst", "1e9"}};
    struct lof_app_src a = app("portscan", kv, 2);
    char err[512];
    if (lt_load_list(T, &a, 1, err, sizeof err) != 0) fail_msg("load: %s", err);
    struct ofc_switch *sw = lf_switch_up(T, 1, 6);
#ifdef __SANITIZE_ADDRESS__
    long n = 200000; /* the sanitizer build looks for memory errors, not for scale */
#else
    long n = 1000000;
#endif
    if (getenv("PORTSCAN_SOURCES")) n = atol(getenv("PORTSCAN_SOURCES"));
    if (n < 200000) n = 200000; /* the tables must fill in the first quarter */
    struct lof_status st;
    /* live memory (after a full collection) at 1/4, 3/8, ... 8/8 of the run */
    size_t mem[8] = {0}, nmem = 0;
    for (long i = 0; i < n; i++) {
        char mac[32];
        uint32_t r = rnd();
        snprintf(mac, sizeof mac, "02:%02x:%02x:%02x:%02x:%02x", r >> 24, (r >> 16) & 255,
                 (r >> 8) & 255, r & 255, (unsigned)(i & 255));
        uint32_t dst = 0x0a000000 | (rnd() & 0xffff);
        struct frame f;
        switch (i % 4) {
        case 0:
            f = tcp(mac, B_MAC, rnd(), dst, rnd() & 0xffff, rnd() & 0xffff, PKT_TCP_SYN);
            break;
        case 1:
            f = udp(mac, B_MAC, rnd(), dst, rnd() & 0xffff, rnd() & 0xffff, 64);
            break;
        case 2:
            f = icmp(mac, B_MAC, rnd(), dst, 8);
            break;
        default:
            f = arp(mac, BCAST, rnd(), dst);
            break;
        }
        lf_packet_in(T, sw, (uint16_t)(1 + i % 6), f.b, f.len, OFP10_NO_BUFFER);
        if (i % 1000 == 999) {
            lf_clear_sent();
            lt_advance(T, 10); /* the sweep runs: probes time out */
        }
        if ((i + 1) % (n / 8) == 0 && i + 1 >= n / 4) {
            lua_gc(T->l->cur->L, LUA_GCCOLLECT);
            lof_status(T->l, &st);
            mem[nmem++] = st.mem_used;
        }
    }
    size_t early = 0;
    for (size_t k = 0; k + 1 < nmem; k++)
        early = mem[k] > early ? mem[k] : early;
    printf("# %ld random sources: live Lua memory %zu KiB at 1/4, at most %zu KiB after, %zu KiB "
           "at the "
           "end; senders %ld contacts %ld pending %ld conns %ld fanout %ld touched %ld macs %ld\n",
           n, mem[0] / 1024, early / 1024, mem[nmem - 1] / 1024, ps_stat("senders"),
           ps_stat("contacts"), ps_stat("pending"), ps_stat("conns"), ps_stat("fanout"),
           ps_stat("touched"), ps_stat("macs"));
    lof_status(T->l, &st);
    assert_int_equal(st.handler_errors, 0);
    assert_true(ps_stat("senders") <= 4096);
    assert_true(ps_stat("contacts") <= 16384);
    assert_true(ps_stat("pending") <= 8192 && ps_stat("queued") <= 8192);
    assert_true(ps_stat("conns") <= 16384 && ps_stat("touched") <= 16384 &&
                ps_stat("hosts") <= 4096);
    assert_true(ps_stat("fanout") <= 8192);
    assert_true(ps_stat("victims") <= 1024);
    assert_true(ps_stat("macs") <= 4096);
    /* the tables are full from a quarter of the run on: memory swings with
     * their generations (each holds between half and all of its bound) but
     * does not climb, and stays under half the daemon's default lua_memory */
    assert_int_equal(nmem, 7);
    assert_true(mem[nmem - 1] <= early + early / 10);
    assert_true(early < 32u << 20);
}

static void test_packet_in_budget(void **state)
{
    (void)state;
    const struct lof_kv kv[] = {{"pin_rate", "100"}, {"pin_burst", "50"}};
    struct ofc_switch *sw = start(kv, 2);
    meet(sw);
    W.limits = 0;
    /* a flood of new flows from port 1 (SYNs to one port, new source ports) */
    int first_dropped = 0;
    for (int i = 1; i <= 80; i++) {
        struct frame f = tcp(A_MAC, B_MAC, A_IP, B_IP, 10000 + (unsigned)i, 80, PKT_TCP_SYN);
        struct fate r = feed(sw, 1, &f);
        if (!r.delivered && !first_dropped) first_dropped = i;
    }
    /* the meet() ARP used one token; 50 - 1 = 49 pass */
    assert_int_equal(first_dropped, 50);
    assert_int_equal(W.limits, 1);
    const struct of10_flow_mod *fm = &W.last_limit;
    assert_int_equal(fm->match.wildcards, WILD_ALL & ~OFPFW10_IN_PORT);
    assert_int_equal(fm->match.in_port, 1);
    assert_int_equal(fm->priority, 1);
    assert_int_equal(fm->hard_timeout, 2);
    assert_int_equal(fm->actions.n, 0);
    assert_true(lf_log_has(T, "port 1: over 100 PACKET_IN/s (burst 50)"));
    /* other ports: their first packets go on as ever */
    struct frame c = tcp(C_MAC, B_MAC, C_IP, B_IP, 12345, 80, PKT_TCP_SYN);
    struct fate fc = feed(sw, 3, &c);
    assert_true(fc.delivered && fc.flow);
    /* after pin_block seconds port 1 is served again */
    lt_advance(T, 2100);
    struct frame f = tcp(A_MAC, B_MAC, A_IP, B_IP, 20000, 80, PKT_TCP_SYN);
    assert_true(feed(sw, 1, &f).delivered);
    assert_int_equal(W.blocks, 0); /* a flood to one port is not a scan */
}

static void test_rules_and_notify(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    meet(sw);
    assert_int_equal(tcp_scan(sw, PKT_TCP_SYN, 20, true, true), 5);
    /* A sits on eth1, monitor port 7: everything from that guest is dropped */
    assert_int_equal(F.adds, 1);
    assert_string_equal(F.add_spec, "addr=any dir=from-guest action=drop on=7");
    /* the victim B (eth2, monitor port 8) is told */
    assert_int_equal(F.notifies, 1);
    assert_int_equal(F.notify_port, 8);
    assert_string_equal(F.notify_text, "port scan from 10.0.0.10 blocked");
    assert_string_equal(F.notify_opts, "kind=scan-blocked attacker=10.0.0.10 mac=02:00:00:00:00:0a");
    lua_State *L = ps_call("blocked", NULL);
    lua_rawgeti(L, -1, 1);
    lua_getfield(L, -1, "rule");
    assert_int_equal(lua_tointeger(L, -1), 101);
    lua_pop(L, 3);
    /* the hard timeout ends it: FLOW_REMOVED clears the state and the rule */
    struct of10_msg m;
    memset(&m, 0, sizeof m);
    m.version = OFP10_VERSION, m.type = OFPT10_FLOW_REMOVED;
    m.u.flow_removed.match = W.last_block.match;
    m.u.flow_removed.cookie = COOKIE_BLOCK;
    m.u.flow_removed.priority = BLOCK_PRIO;
    m.u.flow_removed.reason = OFPRR10_HARD_TIMEOUT;
    m.u.flow_removed.packet_count = 1234;
    lof_ofc_handlers()->flow_removed(T->l, sw, &m);
    assert_int_equal(F.dels, 1);
    assert_int_equal(F.del_id, 101);
    assert_int_equal(ps_stat("blocks"), 0);
    assert_true(lf_log_has(T, "unblocked after 0 s: block time over, 1234 packets dropped"));
    assert_true(strstr(T->records, ",unblock,00:00:00:00:00:00:00:01,1,02:00:00:00:00:0a,"));
    /* A starts from scratch: its next ordinary connection goes through */
    struct frame p = tcp(A_MAC, B_MAC, A_IP, B_IP, 41000, 80, PKT_TCP_SYN);
    assert_true(feed(sw, 1, &p).delivered);
    assert_false(lf_log_has(T, "no rules API"));
}

static void test_monitor_drop(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    meet(sw);
    /* the monitor dropped A's probes below its guest (monitor port 7 =
     * eth1, where A's MAC lives): the switch saw none of them */
    for (int i = 1; i <= 4; i++)
        monitor_drop(7, "from-guest", "tcp", "10.0.0.10", "10.0.0.99", 40000, 100 + i);
    pump();
    assert_int_equal(W.blocks, 0);
    monitor_drop(7, "from-guest", "tcp", "10.0.0.10", "10.0.0.99", 40000, 105);
    pump();
    assert_int_equal(W.blocks, 1);
    check_block_flow(1, A_MAC);
    /* to-guest: a probe the switch saw, dropped before the guest: it fails
     * now rather than after answer_timeout; an unknown one blames nobody */
    struct frame q = tcp(C_MAC, B_MAC, C_IP, B_IP, 41000, 6000, PKT_TCP_SYN);
    feed(sw, 3, &q);
    assert_int_equal(ps_stat("waiting"), 1);
    for (int i = 0; i < 10; i++)
        monitor_drop(8, "to-guest", "tcp", "10.0.0.12", "10.0.0.11", 41001 + i, 6001 + i);
    assert_int_equal(ps_stat("waiting"), 1);
    monitor_drop(8, "to-guest", "tcp", "10.0.0.12", "10.0.0.11", 41000, 6000);
    assert_int_equal(ps_stat("waiting"), 0); /* no contact waits for its timeout */
    assert_int_equal(ps_stat("blocks"), 1);
}

static void test_unblock_and_reconnect(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    meet(sw);
    assert_int_equal(tcp_scan(sw, PKT_TCP_SYN, 20, true, true), 5);
    answer_barriers();
    /* a reload keeps the block */
    struct lof_app_src a[2] = {app("portscan", NULL, 0), app("l2_learning", NULL, 0)};
    char err[512];
    if (lt_load_list(T, a, 2, err, sizeof err) != 0) fail_msg("reload: %s", err);
    assert_int_equal(ps_stat("blocks"), 1);
    struct frame p = tcp(A_MAC, B_MAC, A_IP, B_IP, 40000, 3000, PKT_TCP_SYN);
    assert_false(feed(sw, 1, &p).delivered);
    /* the switch reconnects 100 s later: l2_learning wipes the table, the
     * block goes back in after the barrier with the time it has left */
    lt_advance(T, 100000);
    lf_switch_down(T, sw);
    sw = lf_switch_up(T, 1, 6);
    W.blocks = 0;
    pump();
    assert_int_equal(W.blocks, 0);
    answer_barriers();
    assert_int_equal(W.blocks, 1);
    check_block_flow_t(1, A_MAC, 200);
    p = tcp(A_MAC, B_MAC, A_IP, B_IP, 40000, 3001, PKT_TCP_SYN);
    assert_false(feed(sw, 1, &p).delivered); /* still blocked at the controller too */
}

static void test_unblock(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    meet(sw);
    assert_int_equal(tcp_scan(sw, PKT_TCP_SYN, 20, true, true), 5);
    lua_State *L = ps_call("unblock", "nobody");
    assert_int_equal(lua_tointeger(L, -1), 0);
    lua_pop(L, 1);
    L = ps_call("unblock", "02:00:00:00:00:0A");
    assert_int_equal(lua_tointeger(L, -1), 1);
    lua_pop(L, 1);
    pump();
    assert_int_equal(W.unblock_deletes, 1);
    assert_int_equal(ps_stat("blocks"), 0);
    assert_true(lf_log_has(T, "unblocked after 0 s: unblocked by request"));
    struct frame p = tcp(A_MAC, B_MAC, A_IP, B_IP, 41000, 80, PKT_TCP_SYN);
    assert_true(feed(sw, 1, &p).delivered);
    /* the FLOW_REMOVED of that delete finds nothing to do */
    struct of10_msg m;
    memset(&m, 0, sizeof m);
    m.version = OFP10_VERSION, m.type = OFPT10_FLOW_REMOVED;
    m.u.flow_removed.match = W.last_block.match;
    m.u.flow_removed.cookie = COOKIE_BLOCK;
    m.u.flow_removed.priority = BLOCK_PRIO;
    m.u.flow_removed.reason = OFPRR10_DELETE;
    lof_ofc_handlers()->flow_removed(T->l, sw, &m);
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.handler_errors, 0);
}

static void test_bad_config(void **state)
{
    (void)state;
    const struct {
        struct lof_kv kv;
        const char *want;
    } cases[] = {
        {{"theta1", "0.9"}, "theta0/theta1: need 0 < theta1 < theta0 < 1"},
        {{"pf", "0.995"}, "pd/pf: need 0 < pf < pd < 1"},
        {{"fanout_ports", "0"}, "fanout_ports: expected an integer 1..65536, got 0"},
        {{"block_priority", "100"}, "block_priority above l2_learning's 32768"},
        {{"exempt", "10.0.0.256"}, "exempt: '10.0.0.256' is neither a MAC nor an IPv4 address"},
        {{"max_pending", "1.5"}, "max_pending: expected an integer"},
        {{"answer_timeout", "-1"}, "answer_timeout: expected a number in (0, 3600]"},
        {{"thresold", "3"}, "config: unknown key 'thresold'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct lof_app_src a = app("portscan", &cases[i].kv, 1);
        char err[512] = "";
        assert_int_not_equal(lt_load_list(T, &a, 1, err, sizeof err), 0);
        if (!strstr(err, cases[i].want) || !strstr(err, "lua/apps/portscan.lua:"))
            fail_msg("case %zu: got '%s', want '%s'", i, err, cases[i].want);
    }
    /* good exemptions: a router's MAC and address are never counted */
    const struct lof_kv kv[] = {{"exempt", "02-00-00-00-00-0A"}, {"exempt", "10.0.0.12"}};
    struct ofc_switch *sw = start(kv, 2);
    meet(sw);
    assert_int_equal(tcp_scan(sw, PKT_TCP_SYN, 30, true, true), 0);
    for (int i = 0; i < 30; i++) {
        struct frame p = tcp(C_MAC, B_MAC, C_IP, B_IP, 40000, 100 + (unsigned)i, PKT_TCP_SYN);
        feed(sw, 3, &p);
        struct frame r = rst_to(&p);
        feed(sw, 2, &r);
    }
    assert_int_equal(W.blocks, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_benign, ps_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_packet_in_budget, ps_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_rules_and_notify, ps_setup_rules, lt_teardown),
        cmocka_unit_test_setup_teardown(test_monitor_drop, ps_setup_rules, lt_teardown),
        cmocka_unit_test_setup_teardown(test_unblock, ps_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_unblock_and_reconnect, ps_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_bad_config, ps_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_bounded_state, ps_setup, lt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
