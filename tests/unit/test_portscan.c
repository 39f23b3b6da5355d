/*
 * test_portscan.c - lua/apps/portscan.lua in front of l2_learning, over the
 * fake engine: every nmap scan type, fed as PACKET_INs of real frames with the
 * victim's real answers (RST, SYN-ACK, ICMP unreachable, ARP reply) or their
 * absence, is blocked within the number of probes the tests predict, with the
 * right drop flow and a barrier; decoys and the victim are never blocked.
 * test_portscan_guard.c has benign traffic, bounds, the budget and the
 * response hooks.
 */
#include "portscan_harness.h"

/* ---- scans ---------------------------------------------------------------------- */

static void test_syn_scan(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    meet(sw);
    /* TRW with theta0 0.8, theta1 0.2, pd 0.99, pf 0.002: each failure
     * multiplies the ratio by 4, the threshold is 495: 4^5 = 1024 > 495 > 4^4 */
    assert_int_equal(tcp_scan(sw, PKT_TCP_SYN, 20, true, true), 5);
    check_block_flow(1, A_MAC);
    assert_int_equal(W.blocks, 1);
    assert_int_equal(barriers_pending(), 1);
    assert_true(lf_log_has(T, "blocked for 300 s: TRW: 5 failed, 0 answered first contacts"));
    answer_barriers();
    assert_true(lf_log_has(T, "drop flow confirmed 0.000 s after the first probe"));
    assert_true(strstr(T->records, "portscan/portscan: time,event,dpid,port,mac,ips,reason"));
    assert_true(
        strstr(T->records, ",block,00:00:00:00:00:00:00:01,1,02:00:00:00:00:0a,10.0.0.10,"));
    /* PACKET_INs of the scanner that were on their way: dropped, not forwarded */
    struct frame p = tcp(A_MAC, B_MAC, A_IP, B_IP, 40000, 2000, PKT_TCP_SYN);
    struct fate f = feed(sw, 1, &p);
    assert_false(f.delivered || f.flow);
    /* others are untouched */
    p = tcp(C_MAC, B_MAC, C_IP, B_IP, 40001, 80, PKT_TCP_SYN);
    f = feed(sw, 3, &p);
    assert_true(f.delivered && f.flow);
    assert_int_equal(ps_stat("blocks"), 1);
}

static void test_connect_scan(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    meet(sw);
    /* connect(): a new source port per probe; port 22 open (SYN-ACK), the
     * rest closed. One success (x1/4) needs one more failure: 6 in all. */
    int blocked_at = 0;
    for (int i = 0; i < 20 && !blocked_at; i++) {
        unsigned port = i == 0 ? 22 : 1000 + (unsigned)i;
        struct frame p = tcp(A_MAC, B_MAC, A_IP, B_IP, 50000 + (unsigned)i, port, PKT_TCP_SYN);
        if (feed(sw, 1, &p).blocked) blocked_at = i + 1;
        struct frame r = i == 0
                             ? tcp(B_MAC, A_MAC, B_IP, A_IP, port, 50000, PKT_TCP_SYN | PKT_TCP_ACK)
                             : rst_to(&p);
        struct fate fr = feed(sw, 2, &r);
        if (i == 0) assert_true(fr.flow); /* an open port's answer is ordinary traffic */
        if (fr.blocked) blocked_at = i + 1;
    }
    assert_int_equal(blocked_at, 7);
    check_block_flow(1, A_MAC);
}

static void test_stealth_scans(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    meet(sw);
    /* FIN, NULL, Xmas without ACK: no stack sends them. Each is dropped
     * (never reaches B) and is a failed first contact: blocked at the 5th. */
    const unsigned kinds[] = {PKT_TCP_FIN, 0, PKT_TCP_FIN | PKT_TCP_PSH | PKT_TCP_URG,
                              PKT_TCP_SYN | PKT_TCP_FIN};
    for (int k = 0; k < 4; k++) {
        char mac[32];
        snprintf(mac, sizeof mac, "02:00:00:00:01:%02x", k);
        int at = 0;
        for (int i = 1; i <= 10 && !at; i++) {
            struct frame p = tcp(mac, B_MAC, A_IP + 100 + (uint32_t)k, B_IP, 40000,
                                 3000 + (unsigned)i, kinds[k]);
            struct fate f = feed(sw, 4, &p);
            assert_false(f.delivered || f.flow);
            if (f.blocked) at = i;
        }
        assert_int_equal(at, 5);
        check_block_flow(4, mac);
    }
    assert_int_equal(W.blocks, 4);
}

static void test_ack_scan(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    meet(sw);
    /* ACK probes are forwarded without a flow; B answers each with a RST */
    assert_int_equal(tcp_scan(sw, PKT_TCP_ACK, 20, true, true), 5);
    check_block_flow(1, A_MAC);
    assert_int_equal(W.l2_flows, 0); /* no probe got a flow */
}

static void test_udp_scan(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    meet(sw);
    /* B sends port unreachable for the first 6 (Linux rate-limits ICMP),
     * then nothing: the 5th unreachable convicts A */
    int at = 0;
    for (int i = 1; i <= 20 && !at; i++) {
        struct frame p = udp(A_MAC, B_MAC, A_IP, B_IP, 45000, 2000 + (unsigned)i, 64);
        struct fate f = feed(sw, 1, &p);
        assert_true(f.delivered);
        if (f.blocked) at = i;
        if (i <= 6 && !at) {
            struct frame u = unreach_to(&p, 3);
            struct fate fu = feed(sw, 2, &u);
            assert_true(fu.delivered);
            assert_false(fu.flow);
            if (fu.blocked) at = i;
        }
    }
    assert_int_equal(at, 5);
    check_block_flow(1, A_MAC);

    /* a UDP scan into silence (a firewalled host): silence is no evidence
     * for UDP, the fan-out test convicts: 20 unanswered services on one host,
     * counted with a decay of time constant 5 s. At 50 probes/s the sum
     * e^(-0.02k/5), k = 0..n-1, first reaches 20 at: */
    int want = 0;
    for (double c = 0; c < 20; want++)
        c = c * exp(-0.02 / 5) + 1;
    assert_int_equal(want, 21);
    at = 0;
    for (int i = 1; i <= 40 && !at; i++) {
        struct frame p = udp(C_MAC, B_MAC, C_IP, B_IP, 45000, 2000 + (unsigned)i, 64);
        if (feed(sw, 3, &p).blocked) at = i;
        lt_advance(T, 20);
    }
    assert_int_equal(at, want);
    check_block_flow(3, C_MAC);
    assert_true(lf_log_has(T, "20 unanswered services on 10.0.0.11"));

    /* what nmap -sU against Linux really looks like: 3 unreachables at once,
     * the rest rate-limited; nmap retransmits from new source ports and the
     * unreachables for those come seconds later, after answer_timeout. A
     * late answer to a contact whose silence meant nothing still counts. */
    const char *D = "02:00:00:00:00:0d";
    for (unsigned i = 0; i < 8; i++) {
        struct frame p = udp(D, B_MAC, 0x0a00000d, B_IP, 39536, 600 + i, 64);
        feed(sw, 4, &p);
        if (i < 3) {
            struct frame u = unreach_to(&p, 3);
            feed(sw, 2, &u);
        }
    }
    lt_advance(T, 4000); /* every contact has timed out: silent */
    W.blocks = 0;
    for (unsigned round = 1; round <= 2; round++) {
        for (unsigned i = 3; i < 8; i++) {
            struct frame p = udp(D, B_MAC, 0x0a00000d, B_IP, 39536 + 2 * round, 600 + i, 64);
            feed(sw, 4, &p);
            if (i == 2 + round) { /* one unreachable per round gets through */
                struct frame u = unreach_to(&p, 3);
                feed(sw, 2, &u);
            }
        }
        assert_int_equal(W.blocks, round == 2);
        lt_advance(T, 1100);
    }
    check_block_flow(4, D);
}

static void test_ip_protocol_scan(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    meet(sw);
    /* -sO: one probe per protocol; B answers protocol unreachable for two,
     * the rest time out (answer_timeout 3 s) */
    int at = 0;
    for (int proto = 2; proto <= 12 && !at; proto++) {
        if (proto == 6) continue;
        uint8_t none[1] = {0};
        struct frame p = ip_frame(A_MAC, B_MAC, A_IP, B_IP, (uint8_t)proto, none, 0, 0, 64);
        struct fate f = feed(sw, 1, &p);
        assert_true(f.delivered);
        if (proto <= 3) {
            struct frame u = unreach_to(&p, 2);
            feed(sw, 2, &u);
        }
        if (W.blocks) at = proto;
    }
    assert_int_equal(W.blocks, 0); /* two failures so far, the rest pending */
    lt_advance(T, 3300);
    pump();
    assert_int_equal(W.blocks, 1);
    check_block_flow(1, A_MAC);
    /* two unreachables, then three of the timeouts */
    assert_true(lf_log_has(T, "TRW: 5 failed, 0 answered first contacts"));
}

static void test_ping_sweep(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    meet(sw);
    /* -sn with ICMP: echo requests to 10.0.0.100.. (absent): silence; every
     * fourth host answers. TRW alone would still decide (one success costs
     * one more failure), within answer_timeout of the 6th failure */
    for (int i = 0; i < 40; i++) {
        uint32_t dst = 0x0a000064 + (uint32_t)i;
        struct frame p = icmp(A_MAC, B_MAC, A_IP, dst, 8);
        assert_true(feed(sw, 1, &p).delivered);
        if (i % 4 == 0) {
            struct frame r = icmp(B_MAC, A_MAC, dst, A_IP, 0);
            feed(sw, 2, &r);
        }
        lt_advance(T, 10);
    }
    assert_int_equal(W.blocks, 0);
    lt_advance(T, 3000);
    pump();
    assert_int_equal(W.blocks, 1);
    check_block_flow(1, A_MAC);
}

static void test_arp_sweep(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    meet(sw);
    /* -sn -PR on the same L2: ARP requests for .100..; two hosts answer */
    for (int i = 0; i < 30; i++) {
        struct frame q = arp(A_MAC, BCAST, A_IP, 0x0a000064 + (uint32_t)i);
        assert_true(feed(sw, 1, &q).delivered);
        if (i == 3 || i == 7) {
            struct frame r = arp_reply_to(&q, C_MAC);
            feed(sw, 3, &r);
        }
    }
    assert_int_equal(W.blocks, 0);
    lt_advance(T, 3300);
    pump();
    assert_int_equal(W.blocks, 1);
    check_block_flow(1, A_MAC);
    /* the hosts that answered were not blamed for anything */
    assert_int_equal(ps_stat("blocks"), 1);

    /* a fast sweep (nmap sends to the whole /24 within a second) is caught
     * before any timeout: 64 hosts contacted and none answering */
    int at = 0;
    for (int i = 0; i < 200 && !at; i++) {
        struct frame q = arp(C_MAC, BCAST, C_IP, 0x0a000100 + (uint32_t)i);
        if (feed(sw, 3, &q).blocked) at = i + 1;
    }
    assert_int_equal(at, 64);
    check_block_flow(3, C_MAC);
    assert_true(lf_log_has(T, "64 hosts contacted and not answering"));
}

static void test_slow_scan(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    meet(sw);
    /* -T0: one probe every 5 minutes. The evidence halves in an hour, so
     * each older failure weighs 2^(-300/3600) = 0.944 and 5 failures weigh
     * 4.47 (ln 495 / ln 4 = 4.48 needed): 6 probes, 25 minutes */
    int at = 0;
    for (int i = 1; i <= 10 && !at; i++) {
        struct frame p = tcp(A_MAC, B_MAC, A_IP, B_IP, 40000, 100 + (unsigned)i, PKT_TCP_SYN);
        feed(sw, 1, &p);
        struct frame r = rst_to(&p);
        if (feed(sw, 2, &r).blocked) at = i;
        if (!at) lt_advance(T, 300000);
    }
    assert_int_equal(at, 6);
    check_block_flow(1, A_MAC);
    assert_true(lf_log_has(T, "first probe 1500.000 s ago"));

    /* -T1: one probe every 15 s; decay costs a little (the 5 failures weigh
     * 4.97 instead of 5), and the threshold leaves room for it: 5 probes */
    at = 0;
    for (int i = 1; i <= 10 && !at; i++) {
        struct frame p = tcp(C_MAC, B_MAC, C_IP, B_IP, 40000, 100 + (unsigned)i, PKT_TCP_SYN);
        feed(sw, 3, &p);
        struct frame r = rst_to(&p);
        if (feed(sw, 2, &r).blocked) at = i;
        if (!at) lt_advance(T, 15000);
    }
    assert_int_equal(at, 5);
    check_block_flow(3, C_MAC);
}

static void test_decoy_scan(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    meet(sw);
    /* nmap -D: each port probed from 4 decoy addresses (C's among them) and
     * A's own. B answers A's own probes with RST; for the decoys it ARPs
     * (it must resolve them to answer) and gets no reply. */
    const uint32_t decoys[] = {0x0a000050, C_IP, 0x0a000051, A_IP, 0x0a000052};
    for (int port = 1; port <= 6; port++) {
        for (int d = 0; d < 5; d++) {
            struct frame p =
                tcp(A_MAC, B_MAC, decoys[d], B_IP, 40000, 7000 + (unsigned)port, PKT_TCP_SYN);
            feed(sw, 1, &p);
            if (decoys[d] == A_IP) {
                struct frame r = rst_to(&p);
                feed(sw, 2, &r);
            } else if (decoys[d] != C_IP) {
                struct frame q = arp(B_MAC, BCAST, B_IP, decoys[d]);
                feed(sw, 2, &q);
            }
        }
    }
    /* A's own probes share their contact with the decoys' (same port of the
     * same host): B's RSTs decide them, the 5th port convicts at once */
    assert_int_equal(W.blocks, 1);
    assert_true(lf_log_has(T, "TRW: 5 failed, 0 answered first contacts"));
    lt_advance(T, 3300);
    pump();
    /* A is blocked by port and MAC: no address in the flow, no decoy harmed */
    assert_int_equal(W.blocks, 1);
    check_block_flow(1, A_MAC);
    assert_int_equal(W.last_block.match.wildcards & OFPFW10_NW_SRC_ALL, OFPFW10_NW_SRC_ALL);
    /* B's ARP requests for the decoys answered probes: not contacts of B */
    assert_int_equal(ps_stat("blocks"), 1);
    /* C, whose address was a decoy, still talks to B */
    struct frame p = tcp(C_MAC, B_MAC, C_IP, B_IP, 41000, 80, PKT_TCP_SYN);
    struct fate f = feed(sw, 3, &p);
    assert_true(f.delivered && f.flow);
    assert_true(lf_log_has(T, "(IPs 10.0.0.10 10.0.0.80 10.0.0.12 10.0.0.81 10.0.0.82)"));
}

static void test_victim_not_blamed(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    meet(sw);
    /* A scans B with 5 decoys, then is blocked */
    int at = 0;
    for (unsigned port = 1; port <= 10 && !at; port++) {
        for (uint32_t d = 0; d < 6; d++) {
            uint32_t src = d == 5 ? A_IP : 0x0a000050 + d;
            struct frame p = tcp(A_MAC, B_MAC, src, B_IP, 40000, 7000 + port, PKT_TCP_SYN);
            feed(sw, 1, &p);
            if (d == 5) {
                struct frame r = rst_to(&p);
                if (feed(sw, 2, &r).blocked) at = (int)port;
            }
        }
    }
    assert_int_equal(at, 5);
    /* the apps are reloaded (a configuration edit) */
    struct lof_app_src a[2] = {app("portscan", NULL, 0), app("l2_learning", NULL, 0)};
    char err[512];
    if (lt_load_list(T, a, 2, err, sizeof err) != 0) fail_msg("reload: %s", err);
    /* B still answers: it resolves A (whose ARP replies our drop flow eats)
     * and the 5 decoys (nobody); C tries a service on A, which cannot
     * answer. None of it is evidence against B or C. */
    for (uint32_t d = 0; d < 6; d++) {
        struct frame q = arp(B_MAC, BCAST, B_IP, d == 5 ? A_IP : 0x0a000050 + d);
        assert_true(feed(sw, 2, &q).delivered);
    }
    for (unsigned i = 0; i < 6; i++) {
        struct frame q = tcp(C_MAC, A_MAC, C_IP, A_IP, 45000, 8000 + i, PKT_TCP_SYN);
        feed(sw, 3, &q);
    }
    lt_advance(T, 4000);
    pump();
    assert_int_equal(W.blocks, 1); /* A's, and nobody else's */
    assert_int_equal(ps_stat("blocks"), 1);
}

static void test_fragmented_scan(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    meet(sw);
    /* nmap -f: the TCP header split into 8-byte fragments; the switch sees
     * every fragment with ports 0, so they must not get a flow */
    int at = 0;
    for (int i = 1; i <= 10 && !at; i++) {
        uint8_t th[24] = {0};
        put16(th, 40000), put16(th + 2, 5000 + (unsigned)i);
        put32(th + 4, 1000);
        th[12] = 0x60, th[13] = PKT_TCP_SYN;
        struct frame f1 = ip_frame(A_MAC, B_MAC, A_IP, B_IP, 6, th, 8, 0x2000, 64); /* MF, off 0 */
        struct frame f2 =
            ip_frame(A_MAC, B_MAC, A_IP, B_IP, 6, th + 8, 8, 0x2001, 64); /* MF, off 8 */
        struct frame f3 = ip_frame(A_MAC, B_MAC, A_IP, B_IP, 6, th + 16, 8, 0x0002, 64); /* last */
        struct fate a1 = feed(sw, 1, &f1), a2 = feed(sw, 1, &f2), a3 = feed(sw, 1, &f3);
        if (a1.blocked || a2.blocked || a3.blocked) at = i;
        if (!at) {
            assert_true(a1.delivered && a2.delivered && a3.delivered);
            assert_false(a1.flow || a2.flow || a3.flow);
            /* B reassembles and answers with an ordinary RST */
            struct frame whole =
                tcp(A_MAC, B_MAC, A_IP, B_IP, 40000, 5000 + (unsigned)i, PKT_TCP_SYN);
            struct frame r = rst_to(&whole);
            if (feed(sw, 2, &r).blocked) at = i;
        }
    }
    assert_int_equal(at, 5);
    check_block_flow(1, A_MAC);
}

static void test_distributed_scan(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    meet(sw);
    /* C fails once against B: an ordinary mistake */
    struct frame p = tcp(C_MAC, B_MAC, C_IP, B_IP, 41000, 9999, PKT_TCP_SYN);
    feed(sw, 3, &p);
    struct frame r = rst_to(&p);
    feed(sw, 2, &r);
    /* 8 senders behind port 5, 3 closed ports each, all different: none has
     * enough for TRW (4^3 = 64 < 495); B has 24 failed services from 8 */
    for (int s = 0; s < 8; s++) {
        char mac[32];
        snprintf(mac, sizeof mac, "02:00:00:00:02:%02x", s);
        for (int k = 0; k < 3; k++) {
            struct frame q = tcp(mac, B_MAC, 0x0a000020 + (uint32_t)s, B_IP, 42000,
                                 100 + (unsigned)(s * 3 + k), PKT_TCP_SYN);
            feed(sw, 5, &q);
            struct frame a = rst_to(&q);
            feed(sw, 2, &a);
        }
    }
    /* the tracker fires at 20 failed services (C's and 19 of the senders'):
     * the 6 senders with 2 or more failures there are blocked, C is not;
     * the 7th and 8th, still probing B while the alert lasts, at their 2nd */
    assert_int_equal(W.blocks, 8);
    assert_true(lf_log_has(T, "distributed scan of 10.0.0.11 (6 senders)"));
    assert_true(lf_log_has(T, "joined the distributed scan of 10.0.0.11"));
    assert_int_equal(ps_stat("blocks"), 8);
    p = tcp(C_MAC, B_MAC, C_IP, B_IP, 41001, 80, PKT_TCP_SYN);
    struct fate f = feed(sw, 3, &p);
    assert_true(f.delivered && f.flow); /* C is not one of them */
}

/* ---- visorflowctl block|unblock: the command handler -------------------------------- */

static void test_command_block_unblock(void **state)
{
    (void)state;
    struct ofc_switch *sw = start(NULL, 0);
    meet(sw); /* ARP: A 10.0.0.10 on port 1 (eth1, monitor port 7) */
    char text[256];
    /* by address, for 30 s: the drop flow on A's port, the monitor rule on
     * its guest port; no victim to tell */
    assert_int_equal(ps_command("block", "10.0.0.10", 30, text, sizeof text), 0);
    assert_string_equal(text, "blocked 10.0.0.10 (02:00:00:00:00:0a) on 1 switch port for 30 s");
    pump();
    assert_int_equal(W.blocks, 1);
    check_block_flow_t(1, A_MAC, 30);
    assert_int_equal(F.adds, 1);
    assert_string_equal(F.add_spec, "addr=any dir=from-guest action=drop on=7");
    assert_int_equal(F.notifies, 0);
    assert_true(lf_log_has(T, "(IPs 10.0.0.10) blocked for 30 s: blocked by request"));
    assert_true(strstr(T->records, ",block,00:00:00:00:00:00:00:01,1,02:00:00:00:00:0a,10.0.0.10,"
                                   "blocked by request,"));
    struct frame p = tcp(A_MAC, B_MAC, A_IP, B_IP, 40000, 80, PKT_TCP_SYN);
    assert_false(feed(sw, 1, &p).delivered);
    /* again: the time starts over, the same block */
    assert_int_equal(ps_command("block", "10.0.0.10", 60, text, sizeof text), 0);
    pump();
    check_block_flow_t(1, A_MAC, 60);
    assert_int_equal(ps_stat("blocks"), 1);
    assert_int_equal(F.adds, 1);
    /* refusals change nothing */
    assert_int_equal(ps_command("block", "10.0.0.99", 30, text, sizeof text), 1);
    assert_string_equal(text,
                        "10.0.0.99 is not known here (no ARP from it seen by portscan on any switch)");
    assert_int_equal(ps_command("unblock", "10.0.0.99", 0, text, sizeof text), 1);
    assert_string_equal(text, "10.0.0.99 is not blocked");
    assert_int_equal(ps_command("unblock", "02:00:00:00:00:0c", 0, text, sizeof text), 1);
    assert_string_equal(text, "02:00:00:00:00:0c is not blocked");
    W.blocks = 0;
    pump();
    assert_int_equal(W.blocks + W.unblock_deletes, 0);
    assert_int_equal(ps_stat("blocks"), 1);
    /* a command that is not portscan's passes on (here: nobody answers) */
    assert_int_equal(ps_command("reboot", "10.0.0.10", 0, text, sizeof text), -1);
    /* unblock by address: flow and monitor rule go, A is forwarded again */
    assert_int_equal(ps_command("unblock", "10.0.0.10", 0, text, sizeof text), 0);
    assert_string_equal(text, "unblocked 10.0.0.10: 1 block ended");
    pump();
    assert_int_equal(W.unblock_deletes, 1);
    assert_int_equal(F.dels, 1);
    assert_int_equal(F.del_id, 101);
    assert_int_equal(ps_stat("blocks"), 0);
    assert_true(lf_log_has(T, "unblocked after 0 s: unblocked by request"));
    p = tcp(A_MAC, B_MAC, A_IP, B_IP, 40001, 80, PKT_TCP_SYN);
    assert_true(feed(sw, 1, &p).delivered);
    /* by MAC without --for: until unblocked, a flow without hard timeout
     * (OpenFlow's is 16 bits); the same for more than 65535 s */
    assert_int_equal(ps_command("block", "02:00:00:00:00:0c", 0, text, sizeof text), 0);
    assert_string_equal(text,
                        "blocked 02:00:00:00:00:0c (02:00:00:00:00:0c) on 1 switch port until unblocked");
    pump();
    check_block_flow_t(3, C_MAC, 0);
    assert_int_equal(F.adds, 1); /* port 3 is no monitored guest port */
    assert_int_equal(ps_command("unblock", "02:00:00:00:00:0C", 0, text, sizeof text), 0);
    assert_int_equal(ps_command("block", "10.0.0.10", 70000, text, sizeof text), 0);
    pump();
    check_block_flow_t(1, A_MAC, 0);
    /* an unknown MAC; a monitor that refuses the rule: the flow still goes */
    assert_int_equal(ps_command("block", "02:00:00:00:00:99", 5, text, sizeof text), 1);
    assert_string_equal(text, "02:00:00:00:00:99 is not known here (not seen by portscan on any "
                              "switch)");
    assert_int_equal(ps_command("unblock", "all", 0, text, sizeof text), 0);
    assert_string_equal(text, "unblocked all: 1 block ended");
    F.add_refuse = true;
    W.blocks = 0;
    assert_int_equal(ps_command("block", "10.0.0.10", 30, text, sizeof text), 0);
    pump();
    assert_int_equal(W.blocks, 1);
    assert_true(lf_log_has(T, "rules.add refused: rules.add: no monitor configured"));
    lua_State *L = ps_call("blocked", NULL);
    lua_rawgeti(L, -1, 1);
    lua_getfield(L, -1, "rule");
    assert_true(lua_isnil(L, -1));
    lua_pop(L, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_syn_scan, ps_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_connect_scan, ps_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_stealth_scans, ps_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_ack_scan, ps_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_udp_scan, ps_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_ip_protocol_scan, ps_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_ping_sweep, ps_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_arp_sweep, ps_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_slow_scan, ps_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_decoy_scan, ps_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_victim_not_blamed, ps_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_fragmented_scan, ps_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_distributed_scan, ps_setup, lt_teardown),
        cmocka_unit_test_setup_teardown(test_command_block_unblock, ps_setup_rules, lt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
