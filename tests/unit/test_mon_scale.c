/*
 * test_mon_scale.c - 100,000 rules: add, list, match, delete; the per-packet
 * cost of the filter with none and with 100,000 rules (measured, printed and
 * bounded loosely); and the table's limit (MON_RULE_ID_MAX rules, then ENOSPC).
 */
#include <time.h>

#include "mon_harness.h"

#define N_RULES 100000u

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Rule i: /32 TCP-port rules in 100.64.0.0/10 for 9 of 10, /28 UDP prefixes
 * in 100.128.0.0/10 for the tenth. Distinct by construction. */
static void rule_i(uint32_t i, struct mon_rule *r)
{
    memset(r, 0, sizeof(*r));
    r->dirs = MON_BOTH;
    r->action = MON_DROP;
    if (i % 10 == 9) {
        r->addr = htonl(0x64800000u | (i << 4));
        r->plen = 28;
        r->proto = MON_PROTO_UDP;
    } else {
        r->addr = htonl(0x64400000u | i);
        r->plen = 32;
        r->proto = MON_PROTO_TCP;
        r->l4port = (uint16_t)(1 + i % 60000);
    }
}

struct walk {
    uint32_t n, last;
    int ordered, owners;
};

static int walk_cb(const struct mon_rule_info *ri, void *ctx)
{
    struct walk *w = ctx;
    w->ordered &= ri->id > w->last;
    w->owners &= strcmp(ri->owner, ri->id % 2 ? "admin" : "domain:bulk") == 0;
    w->last = ri->id;
    w->n++;
    return 0;
}

/* Mean ns per run of the ingress program on one frame (kernel-measured). */
static uint32_t per_packet_ns(struct mon *m, int ifindex, const struct mh_frame *f)
{
    uint8_t buf[256];
    size_t len = mh_build(f, buf, sizeof(buf));
    struct __sk_buff ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.ifindex = (uint32_t)ifindex;
    uint32_t best = UINT32_MAX;
    for (int round = 0; round < 5; round++) {
        LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = (uint32_t)len,
                    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 20000);
        assert_int_equal(bpf_prog_test_run_opts(mon_prog_fd(m, MON_PROG_INGRESS), &o), 0);
        if (o.duration < best) best = o.duration;
    }
    return best;
}

static void test_hundred_thousand(void **state)
{
    (void)state;
    MH_NEED_ROOT();
    struct mon *m = mh_open();
    struct mh_port p;
    mh_port_add(m, &p, 1, 0);
    struct mh_frame miss = {
        .src = "10.1.0.1", .dst = "10.2.0.9", .proto = 6, .sport = 40000, .dport = 5001};
    uint32_t ns_empty = per_packet_ns(m, p.gi, &miss);

    double t0 = now_s();
    for (uint32_t i = 0; i < N_RULES; i++) {
        struct mon_rule r;
        uint32_t id;
        rule_i(i, &r);
        int rc = mon_rule_add(m, &r, i % 2 ? "domain:bulk" : "admin", &id);
        if (rc) print_message("rule %u: %s\n", i, mon_error(m));
        assert_int_equal(rc, 0);
        assert_int_equal(id, i + 1); /* ids run from 1 in a fresh table */
    }
    double t_add = now_s() - t0;
    assert_int_equal(mon_rule_count(m), N_RULES);

    t0 = now_s();
    struct walk w = {0, 0, 1, 1};
    assert_int_equal(mon_rule_list(m, 1, walk_cb, &w), 0);
    double t_list = now_s() - t0;
    assert_int_equal(w.n, N_RULES);
    assert_true(w.ordered);
    assert_true(w.owners); /* id i+1 belongs to admin when i is even */

    /* Rules still decide: an exact hit, a prefix hit, and a miss. */
    assert_int_equal(mh_from_guest(m, &p, 6, 40000, 1 + 1234 % 60000, "100.64.4.210"), MH_DROP);
    assert_int_equal(mh_from_guest(m, &p, 17, 1, 2, "100.128.0.153"), MH_DROP); /* i=9 */
    assert_int_equal(mh_from_guest(m, &p, 6, 40000, 5001, "10.2.0.9"), MH_PASS);
    uint32_t ns_full = per_packet_ns(m, p.gi, &miss);
    struct mh_frame hit = miss;
    hit.dst = "100.64.4.210";
    hit.dport = 1 + 1234 % 60000;
    uint32_t ns_hit = per_packet_ns(m, p.gi, &hit);
    print_message("100000 rules: add %.2f s (%.1f us/rule), list with counters %.2f s; "
                  "per packet: %u ns no rules, %u ns miss, %u ns hit (drop+event)\n",
                  t_add, t_add * 1e6 / N_RULES, t_list, ns_empty, ns_full, ns_hit);
    /* Constant lookups: the cost does not scale with the rules (a scan of
     * 100,000 rules would take milliseconds). */
    assert_true(ns_full < 20000);

    t0 = now_s();
    for (uint32_t id = 1; id <= N_RULES; id++)
        assert_int_equal(mon_rule_del(m, id, "admin"), 0);
    print_message("delete 100000: %.2f s\n", now_s() - t0);
    assert_int_equal(mon_rule_count(m), 0);
    assert_int_equal(mh_from_guest(m, &p, 6, 40000, 1 + 1234 % 60000, "100.64.4.210"), MH_PASS);
    mh_port_del(m, &p);
    assert_int_equal(mon_destroy(m), 0);
}

static void test_table_full(void **state)
{
    (void)state;
    MH_NEED_ROOT();
    struct mon *m = mh_open();
    for (uint32_t i = 0; i < MON_RULE_ID_MAX; i++) {
        struct mon_rule r;
        rule_i(i, &r);
        if (i >= N_RULES) { /* beyond rule_i's distinct range: other /32s */
            r.addr = htonl(0x0b000000u | i);
            r.plen = 32;
        }
        assert_int_equal(mon_rule_add(m, &r, "admin", NULL), 0);
    }
    struct mon_rule r = {.addr = htonl(0x0c000001), .plen = 32, .dirs = MON_BOTH};
    assert_int_equal(mon_rule_add(m, &r, "admin", NULL), -ENOSPC);
    assert_string_equal(mon_error(m), "rule table full (131071 rules)");
    /* A freed id is reused once the ids wrapped. */
    assert_int_equal(mon_rule_del(m, 4242, "admin"), 0);
    uint32_t id;
    assert_int_equal(mon_rule_add(m, &r, "admin", &id), 0);
    assert_int_equal(id, 4242);
    assert_int_equal(mon_destroy(m), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hundred_thousand),
        cmocka_unit_test(test_table_full),
    };
    return cmocka_run_group_tests(tests, NULL, mh_cleanup);
}
