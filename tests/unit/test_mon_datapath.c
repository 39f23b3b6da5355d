/*
 * test_mon_datapath.c - the filter's decisions, run on built frames with
 * BPF_PROG_TEST_RUN against real attached ports: directions and the remote
 * address, precedence (prefix, then protocol+port, then port scope, then drop),
 * owner tiers, counters, malformed packets and fragments, the egress guard,
 * drop events and their rate limit, and detach leaving nothing behind.
 */
#include "mon_harness.h"

struct fx {
    struct mon *m;
    struct mh_port p, q; /* two guest ports, ids 1 and 2 */
};

static int fx_setup(void **state)
{
    static struct fx fx;
    if (mh_prepare()) return 0; /* each test skips with the reason */
    mh_fresh_pin();
    memset(&fx, 0, sizeof(fx));
    fx.m = mh_open();
    mh_port_add(fx.m, &fx.p, 1, 0);
    mh_port_add(fx.m, &fx.q, 2, 0);
    *state = &fx;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *fx = *state;
    if (!fx || !fx->m) return 0;
    mh_port_del(fx->m, &fx->p);
    mh_port_del(fx->m, &fx->q);
    mon_destroy(fx->m);
    fx->m = NULL;
    return mh_cleanup(state);
}

static struct fx *fx_get(void **state)
{
    const char *why = mh_prepare();
    if (why) {
        print_message("skipped: %s\n", why);
        skip();
    }
    return *state;
}

static void flush(struct mon *m)
{
    for (uint32_t id = 1; id <= MON_RULE_ID_MAX && mon_rule_count(m); id++)
        mon_rule_del(m, id, "admin");
}

static uint64_t rule_pkts(struct mon *m, uint32_t id)
{
    struct mon_rule_info ri;
    assert_int_equal(mon_rule_get(m, id, &ri), 0);
    return ri.packets;
}

static void test_no_rules(void **state)
{
    struct fx *fx = fx_get(state);
    struct mon *m = fx->m;
    assert_int_equal(mh_from_guest(m, &fx->p, 6, 40000, 80, "10.2.0.9"), MH_PASS);
    assert_int_equal(mh_to_guest(m, &fx->p, 17, 53, 40000, "10.2.0.9"), MH_PASS);
    struct mh_frame arp = {.ethertype = 0x0806}, v6 = {.ethertype = 0x86dd};
    assert_int_equal(mh_run(m, fx->p.gi, &arp), MH_PASS);
    assert_int_equal(mh_run(m, fx->p.gi, &v6), MH_PASS);
    /* An interface the filter does not know: fail closed. */
    struct mh_frame f = {.src = "10.1.0.1", .dst = "10.2.0.9", .proto = 6, .dport = 80};
    assert_int_equal(mh_run(m, 1, &f), MH_DROP);
}

static void test_direction_and_address(void **state)
{
    struct fx *fx = fx_get(state);
    struct mon *m = fx->m;
    uint32_t id = mh_add(m, "drop 10.2.0.9 port 5001 dir from-guest", "admin");
    assert_int_equal(mh_from_guest(m, &fx->p, 6, 40000, 5001, "10.2.0.9"), MH_DROP);
    /* The port is matched as source or destination. */
    assert_int_equal(mh_from_guest(m, &fx->p, 6, 5001, 80, "10.2.0.9"), MH_DROP);
    assert_int_equal(mh_from_guest(m, &fx->p, 6, 40000, 5002, "10.2.0.9"), MH_PASS);
    assert_int_equal(mh_from_guest(m, &fx->p, 17, 40000, 5001, "10.2.0.9"), MH_PASS);
    assert_int_equal(mh_from_guest(m, &fx->p, 6, 40000, 5001, "10.2.0.8"), MH_PASS);
    /* Direction: the same conversation toward the guest is not this rule's. */
    assert_int_equal(mh_to_guest(m, &fx->p, 6, 5001, 40000, "10.2.0.9"), MH_PASS);
    /* The address is the remote end's: a from-guest packet whose *source* is
     * 10.2.0.9 does not match. */
    struct mh_frame spoof = {.src = "10.2.0.9", .dst = "10.2.0.7", .proto = 6, .dport = 5001};
    assert_int_equal(mh_run(m, fx->p.gi, &spoof), MH_PASS);
    /* Every port (on all). */
    assert_int_equal(mh_from_guest(m, &fx->q, 6, 40000, 5001, "10.2.0.9"), MH_DROP);
    assert_int_equal(rule_pkts(m, id), 3);

    uint32_t t = mh_add(m, "drop 10.2.0.9 port 5001 dir to-guest on 1", "admin");
    assert_int_equal(mh_to_guest(m, &fx->p, 6, 5001, 40000, "10.2.0.9"), MH_DROP);
    assert_int_equal(mh_to_guest(m, &fx->q, 6, 5001, 40000, "10.2.0.9"), MH_PASS);
    assert_int_equal(rule_pkts(m, t), 1);
    flush(m);
    assert_int_equal(mh_from_guest(m, &fx->p, 6, 40000, 5001, "10.2.0.9"), MH_PASS);
}

static void test_precedence(void **state)
{
    struct fx *fx = fx_get(state);
    struct mon *m = fx->m;
    /* Longest prefix first. */
    mh_add(m, "drop 10.2.0.0/16", "admin");
    uint32_t host = mh_add(m, "pass 10.2.0.9", "admin");
    assert_int_equal(mh_from_guest(m, &fx->p, 6, 1000, 80, "10.2.0.9"), MH_PASS);
    assert_int_equal(mh_from_guest(m, &fx->p, 6, 1000, 80, "10.2.0.8"), MH_DROP);
    assert_int_equal(rule_pkts(m, host), 1);
    /* ... even against a more precise protocol and port. */
    mh_add(m, "drop 10.7.0.9", "admin");
    mh_add(m, "pass 10.7.0.0/24 port 80", "admin");
    assert_int_equal(mh_from_guest(m, &fx->p, 6, 1000, 80, "10.7.0.9"), MH_DROP);
    assert_int_equal(mh_from_guest(m, &fx->p, 6, 1000, 80, "10.7.0.8"), MH_PASS);
    /* Same prefix: protocol+port over protocol over any. */
    mh_add(m, "drop 10.3.0.0/16", "admin");
    mh_add(m, "pass 10.3.0.0/16 proto tcp", "admin");
    mh_add(m, "drop 10.3.0.0/16 port 22", "admin");
    assert_int_equal(mh_from_guest(m, &fx->p, 6, 1000, 80, "10.3.1.1"), MH_PASS);
    assert_int_equal(mh_from_guest(m, &fx->p, 6, 1000, 22, "10.3.1.1"), MH_DROP);
    assert_int_equal(mh_from_guest(m, &fx->p, 17, 1000, 80, "10.3.1.1"), MH_DROP);
    /* Same prefix and class: a rule on this port over one on every port. */
    mh_add(m, "drop 10.6.0.0/16", "admin");
    mh_add(m, "pass 10.6.0.0/16 on 1", "admin");
    assert_int_equal(mh_from_guest(m, &fx->p, 6, 1000, 80, "10.6.0.1"), MH_PASS);
    assert_int_equal(mh_from_guest(m, &fx->q, 6, 1000, 80, "10.6.0.1"), MH_DROP);
    /* A full tie (source port one rule, destination port another): drop. */
    mh_add(m, "drop 10.5.0.0/16 port 80", "admin");
    mh_add(m, "pass 10.5.0.0/16 port 8080", "admin");
    assert_int_equal(mh_from_guest(m, &fx->p, 6, 8080, 80, "10.5.0.1"), MH_DROP);
    assert_int_equal(mh_from_guest(m, &fx->p, 6, 80, 8080, "10.5.0.1"), MH_DROP);
    /* Two passes tie: the destination port's rule counts the packet. */
    uint32_t p1 = mh_add(m, "pass 10.4.0.0/16 port 443", "admin");
    uint32_t p2 = mh_add(m, "pass 10.4.0.0/16 port 50000", "admin");
    assert_int_equal(mh_from_guest(m, &fx->p, 6, 50000, 443, "10.4.0.1"), MH_PASS);
    assert_int_equal(rule_pkts(m, p1), 1);
    assert_int_equal(rule_pkts(m, p2), 0);
    /* A /0 rule catches what nothing else does. */
    mh_add(m, "drop any proto icmp", "admin");
    assert_int_equal(mh_from_guest(m, &fx->p, 1, 0, 0, "192.0.2.1"), MH_DROP);
    assert_int_equal(mh_from_guest(m, &fx->p, 6, 1, 2, "192.0.2.1"), MH_PASS);
    flush(m);
}

static void test_owner_tiers(void **state)
{
    struct fx *fx = fx_get(state);
    struct mon *m = fx->m;
    /* A guest's more specific pass cannot lift an admin's drop ... */
    uint32_t a = mh_add(m, "drop 10.8.0.0/16", "admin");
    uint32_t g = mh_add(m, "pass 10.8.0.9 on 1", "guest:1");
    assert_int_equal(mh_from_guest(m, &fx->p, 6, 1000, 80, "10.8.0.9"), MH_DROP);
    assert_int_equal(rule_pkts(m, a), 1);
    assert_int_equal(rule_pkts(m, g), 0);
    /* ... nor a domain's (a quarantine by the port-scan app). */
    mh_add(m, "drop 10.8.1.0/24 dir from-guest on 1", "domain:of");
    mh_add(m, "pass 10.8.1.7 on 1", "guest:1");
    assert_int_equal(mh_from_guest(m, &fx->p, 6, 1000, 80, "10.8.1.7"), MH_DROP);
    /* An admin's pass counts and lets a lower tier still drop. */
    uint32_t ap = mh_add(m, "pass 10.9.0.0/16", "admin");
    uint32_t gd = mh_add(m, "drop 10.9.0.5 on 1", "guest:1");
    assert_int_equal(mh_from_guest(m, &fx->p, 6, 1000, 80, "10.9.0.5"), MH_DROP);
    assert_int_equal(mh_from_guest(m, &fx->p, 6, 1000, 80, "10.9.0.6"), MH_PASS);
    assert_int_equal(rule_pkts(m, ap), 2);
    assert_int_equal(rule_pkts(m, gd), 1);
    /* The guest's rule is on its port only. */
    assert_int_equal(mh_from_guest(m, &fx->q, 6, 1000, 80, "10.9.0.5"), MH_PASS);
    flush(m);
}

static void test_counters(void **state)
{
    struct fx *fx = fx_get(state);
    struct mon *m = fx->m;
    struct mon_port_info before, after;
    assert_int_equal(mon_port_stats(m, 1, &before), 0);
    assert_true(before.attached);
    uint32_t d = mh_add(m, "drop 10.2.0.9 proto udp", "admin");
    uint32_t p = mh_add(m, "pass 10.2.0.0/24 proto udp", "admin");
    struct mh_frame f = {.src = "10.1.0.1", .dst = "10.2.0.9", .proto = 17, .dport = 9};
    uint8_t buf[256];
    size_t len = mh_build(&f, buf, sizeof(buf));
    for (int i = 0; i < 7; i++)
        assert_int_equal(mh_from_guest(m, &fx->p, 17, 9, 9, "10.2.0.9"), MH_DROP);
    for (int i = 0; i < 5; i++)
        assert_int_equal(mh_to_guest(m, &fx->p, 17, 9, 9, "10.2.0.3"), MH_PASS);
    struct mon_rule_info ri;
    assert_int_equal(mon_rule_get(m, d, &ri), 0);
    assert_int_equal(ri.packets, 7);
    assert_int_equal(ri.bytes, 7 * len);
    assert_int_equal(mon_rule_get(m, p, &ri), 0);
    assert_int_equal(ri.packets, 5);
    assert_int_equal(mon_port_stats(m, 1, &after), 0);
    assert_int_equal(after.dir[0].drop_pkts - before.dir[0].drop_pkts, 7);
    assert_int_equal(after.dir[0].drop_bytes - before.dir[0].drop_bytes, 7 * len);
    assert_int_equal(after.dir[1].pass_pkts - before.dir[1].pass_pkts, 5);
    /* A deleted and re-added rule starts from zero. */
    assert_int_equal(mon_rule_del(m, d, "admin"), 0);
    d = mh_add(m, "drop 10.2.0.9 proto udp", "admin");
    assert_int_equal(rule_pkts(m, d), 0);
    flush(m);
}

static void test_malformed_and_fragments(void **state)
{
    struct fx *fx = fx_get(state);
    struct mon *m = fx->m;
    struct mon_port_info before, after;
    mh_add(m, "drop 10.2.0.9 port 5001", "admin");
    assert_int_equal(mon_port_stats(m, 1, &before), 0);
    struct mh_frame ok = {.src = "10.1.0.1", .dst = "10.2.0.9", .proto = 6, .dport = 5001};
    struct mh_frame f;
    int gi = fx->p.gi;

    /* (BPF_PROG_TEST_RUN refuses IPv4 frames below 34 bytes, so frames cut
     * inside the fixed IP header are not tried here.) */
    f = ok, f.cut = (int)(mh_build(&ok, (uint8_t[256]){0}, 256) - 14 - 22); /* cut in TCP */
    assert_int_equal(mh_run(m, gi, &f), MH_DROP);
    f = ok, f.ihl = 15, f.tot_len = 20 + 20 + 16; /* options run past the datagram */
    assert_int_equal(mh_run(m, gi, &f), MH_DROP);
    f = ok, f.ihl = 4; /* IHL < 5 */
    assert_int_equal(mh_run(m, gi, &f), MH_DROP);
    f = ok, f.tot_len = 1000; /* datagram longer than the frame */
    assert_int_equal(mh_run(m, gi, &f), MH_DROP);
    f = ok, f.tot_len = 16; /* total length below the header length */
    assert_int_equal(mh_run(m, gi, &f), MH_DROP);
    f = ok, f.tot_len = 20 + 12; /* TCP header cut by the IP length: tiny fragment */
    assert_int_equal(mh_run(m, gi, &f), MH_DROP);
    f = ok, f.frag_off = 1; /* TCP fragment at offset 8: overlap attempt */
    assert_int_equal(mh_run(m, gi, &f), MH_DROP);
    assert_int_equal(mon_port_stats(m, 1, &after), 0);
    assert_int_equal(after.malformed - before.malformed, 7);

    /* Options (IHL 7) are skipped over to the ports. */
    f = ok, f.ihl = 7;
    assert_int_equal(mh_run(m, gi, &f), MH_DROP);
    f.dport = 80;
    assert_int_equal(mh_run(m, gi, &f), MH_PASS);
    /* A first fragment has its ports: port rules apply. */
    f = ok, f.frag_off = 0x2000;
    assert_int_equal(mh_run(m, gi, &f), MH_DROP);
    /* A later fragment has none: port rules do not apply ... */
    f = ok, f.frag_off = 100;
    assert_int_equal(mh_run(m, gi, &f), MH_PASS);
    /* ... rules without a port do. */
    mh_add(m, "drop 10.2.0.9 proto tcp", "admin");
    assert_int_equal(mh_run(m, gi, &f), MH_DROP);
    /* A VLAN tag does not hide the packet. */
    f = ok, f.vlan = 1;
    assert_int_equal(mh_run(m, gi, &f), MH_DROP);
    flush(m);
}

static void test_ipv4_only_port(void **state)
{
    struct fx *fx = fx_get(state);
    struct mon *m = fx->m;
    struct mh_port r;
    mh_port_add(m, &r, 3, MON_PORT_IPV4_ONLY);
    struct mh_frame v6 = {.ethertype = 0x86dd}, arp = {.ethertype = 0x0806};
    assert_int_equal(mh_run(m, r.gi, &v6), MH_DROP);
    assert_int_equal(mh_run(m, r.ui, &v6), MH_DROP);
    assert_int_equal(mh_run(m, r.gi, &arp), MH_PASS);
    assert_int_equal(mh_from_guest(m, &r, 6, 1, 2, "10.2.0.1"), MH_PASS);
    mh_port_del(m, &r);
}

static void test_guard(void **state)
{
    struct fx *fx = fx_get(state);
    struct mon *m = fx->m;
    int guard = mon_prog_fd(m, MON_PROG_GUARD);
    uint8_t buf[256];
    struct mh_frame f = {.src = "10.2.0.9", .dst = "10.1.0.1", .proto = 6, .sport = 22};
    size_t len = mh_build(&f, buf, sizeof(buf));
    mh_add(m, "drop 10.2.0.9 dir to-guest", "admin");
    struct __sk_buff ctx;
    for (int from_uplink = 0; from_uplink < 2; from_uplink++) {
        memset(&ctx, 0, sizeof(ctx));
        ctx.ifindex = (uint32_t)fx->p.gi;
        ctx.ingress_ifindex = from_uplink ? (uint32_t)fx->p.ui : 0;
        LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = (uint32_t)len,
                    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));
        assert_int_equal(bpf_prog_test_run_opts(guard, &o), 0);
        /* From U: decided there already. From anywhere else: decided here. */
        assert_int_equal((int)o.retval, from_uplink ? TC_ACT_OK : TC_ACT_SHOT);
    }
    flush(m);
}

struct evs {
    int n;
    struct mon_drop last;
};

static void on_drop(const struct mon_drop *d, void *ctx)
{
    struct evs *e = ctx;
    e->n++;
    e->last = *d;
}

static void test_events_rate_limited(void **state)
{
    struct fx *fx = fx_get(state);
    struct mon *m = fx->m;
    struct evs e = {0};
    struct mon_port_info before, after;
    while (mon_events_poll(m, on_drop, &e, 0) > 0) /* drain earlier tests' events */
        ;
    e.n = 0;
    assert_int_equal(mon_events_rate(m, 1, 3), 0);
    assert_int_equal(mon_port_stats(m, 2, &before), 0);
    uint32_t id = mh_add(m, "drop 10.2.0.77 port 5001 dir to-guest", "admin");
    for (int i = 0; i < 10; i++)
        assert_int_equal(mh_to_guest(m, &fx->q, 6, 5001, 40000 + i, "10.2.0.77"), MH_DROP);
    assert_true(mon_events_poll(m, on_drop, &e, 100) >= 0);
    assert_int_equal(mon_port_stats(m, 2, &after), 0);
    /* The bucket holds 3: three events, seven suppressed (the bucket may have
     * refilled one token if the test ran slowly). */
    assert_in_range(e.n, 3, 4);
    assert_int_equal(after.ev_sent - before.ev_sent, (uint64_t)e.n);
    assert_int_equal(after.ev_limited - before.ev_limited, (uint64_t)(10 - e.n));
    assert_int_equal(e.last.rule_id, id);
    assert_int_equal(e.last.port_id, 2);
    assert_int_equal(e.last.dir, 1);
    assert_int_equal(e.last.proto, 6);
    assert_int_equal(e.last.saddr, inet_addr("10.2.0.77"));
    assert_int_equal(e.last.daddr, inet_addr("10.1.0.1"));
    assert_int_equal(e.last.sport, 5001);
    assert_true(e.last.dport >= 40000 && e.last.dport < 40010);
    assert_int_equal(e.last.ethertype, 0x0800);
    assert_true(e.last.ts_ns > 0);
    assert_true(mon_events_fd(m) >= 0);
    assert_int_equal(mon_events_rate(m, 2000000, 1), -EINVAL);
    assert_int_equal(mon_events_rate(m, 100, 20), 0);
    flush(m);
}

static void test_attach_errors_and_detach(void **state)
{
    struct fx *fx = fx_get(state);
    struct mon *m = fx->m;
    struct mon_port_spec s = {.guest_if = fx->p.g, .uplink_if = "auto", .port_id = 9};
    assert_int_equal(mon_attach_port(m, &s), -EEXIST);
    assert_string_equal(mon_error(m), "mhg1 is already part of monitored port 1");
    s.guest_if = "nonexistent0";
    assert_int_equal(mon_attach_port(m, &s), -ENODEV);
    assert_string_equal(mon_error(m), "no interface nonexistent0");
    s.port_id = 1;
    assert_int_equal(mon_attach_port(m, &s), -EEXIST);
    assert_string_equal(mon_error(m), "port 1 is already attached");
    s.port_id = 0;
    assert_int_equal(mon_attach_port(m, &s), -EINVAL);
    assert_int_equal(mon_detach_port(m, 77), -ENOENT);

    /* "auto" names the uplink pair after the port id; detach removes it. */
    assert_int_equal(mon_nl_veth_add("mhg7", "mhx7"), 0);
    struct mon_port_spec a = {.guest_if = "mhg7", .uplink_if = "auto", .port_id = 7};
    assert_int_equal(mon_attach_port(m, &a), 0);
    struct mon_port_info pi;
    assert_int_equal(mon_port_stats(m, 7, &pi), 0);
    assert_string_equal(pi.uplink_if, "vfm7u");
    assert_true(pi.attached && pi.uplink_owned);
    assert_true(if_nametoindex("vfm7s") > 0);
    assert_int_equal(mon_detach_port(m, 7), 0);
    assert_int_equal(if_nametoindex("vfm7u"), 0);
    assert_int_equal(if_nametoindex("vfm7s"), 0);
    assert_int_equal(mon_port_stats(m, 7, &pi), -ENOENT);
    assert_int_equal(system("tc qdisc show dev mhg7 | grep -q clsact"), 256);
    mon_nl_link_del((int)if_nametoindex("mhg7"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_rules),
        cmocka_unit_test(test_direction_and_address),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_owner_tiers),
        cmocka_unit_test(test_counters),
        cmocka_unit_test(test_malformed_and_fragments),
        cmocka_unit_test(test_ipv4_only_port),
        cmocka_unit_test(test_guard),
        cmocka_unit_test(test_events_rate_limited),
        cmocka_unit_test(test_attach_errors_and_detach),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
