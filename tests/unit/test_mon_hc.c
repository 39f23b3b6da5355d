/*
 * test_mon_hc.c - hypercalls in the datapath, on real attached ports: frames of
 * EtherType 0x88B5 from a guest go to the hypercall ring with their port id and
 * never through (before any rule); oversized, tagged and over-rate ones are
 * dropped and counted; from the switch they are spoofs; the egress guard lets
 * through only the monitor's marked frames; mon_hc_send really reaches the
 * guest's side of the link; and the server bound to the monitor end to end.
 */
#include "mon_harness.h"

#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <poll.h>
#include <sys/socket.h>

#include "hc/hc_mon.h"

struct fx {
    struct mon *m;
    struct mh_port p, q;
};

static int fx_setup(void **state)
{
    static struct fx fx;
    if (mh_prepare()) return 0;
    mh_fresh_pin();
    memset(&fx, 0, sizeof(fx));
    fx.m = mh_open();
    mh_port_add(fx.m, &fx.p, 1, 0);
    mh_port_add(fx.m, &fx.q, 2, 0);
    /* The guest's end of each link, for the real sends. */
    assert_int_equal(mon_nl_link_up((int)if_nametoindex(fx.p.gx)), 0);
    assert_int_equal(mon_nl_link_up((int)if_nametoindex(fx.q.gx)), 0);
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

/* Runs a program on raw bytes; returns the tc verdict. */
static int run(int prog_fd, int ifindex, const uint8_t *buf, size_t len, uint32_t mark)
{
    struct __sk_buff ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.ifindex = (uint32_t)ifindex;
    ctx.mark = mark;
    LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = (uint32_t)len, .ctx_in = &ctx,
                .ctx_size_in = sizeof(ctx), .repeat = 1);
    int rc = bpf_prog_test_run_opts(prog_fd, &o);
    if (rc) print_message("test_run (%zu bytes): %s\n", len, strerror(errno));
    assert_int_equal(rc, 0);
    return (int)o.retval;
}

static size_t list_frame(uint8_t *f, uint32_t id)
{
    struct hc_msg m;
    memset(&m, 0, sizeof(m));
    memcpy(m.dst, "\xff\xff\xff\xff\xff\xff", 6);
    memcpy(m.src, "\x02\x00\x00\x00\x00\x01", 6);
    m.op = HC_OP_RULE_LIST;
    m.id = id;
    m.u.start = 1;
    size_t n = hc_encode(&m, f, HC_FRAME_MAX);
    assert_int_equal(n, 60);
    return n;
}

struct got {
    int n;
    struct mon_hc_frame last;
    uint8_t bytes[HC_FRAME_MAX];
};

static void on_frame(const struct mon_hc_frame *f, void *ctx)
{
    struct got *g = ctx;
    g->n++;
    g->last = *f;
    memcpy(g->bytes, f->bytes, f->len);
    g->last.bytes = g->bytes;
}

static int drain(struct mon *m, struct got *g)
{
    memset(g, 0, sizeof(*g));
    assert_true(mon_hc_poll(m, on_frame, g, 50) >= 0);
    return g->n;
}

static void on_drop(const struct mon_drop *d, void *ctx)
{
    struct mon_drop *last = ctx;
    *last = *d;
}

static void test_taken_off_the_wire(void **state)
{
    struct fx *fx = fx_get(state);
    struct mon *m = fx->m;
    int ing = mon_prog_fd(m, MON_PROG_INGRESS);
    uint8_t f[HC_FRAME_MAX];
    struct mon_port_info a, b;
    struct got g;
    size_t n = list_frame(f, 7);

    /* Even with every frame from the guest dropped by an admin rule: a
     * hypercall is looked at before any rule. */
    uint32_t rid = mh_add(m, "drop any dir from-guest", "admin");
    assert_int_equal(mon_port_stats(m, 1, &a), 0);
    assert_int_equal(run(ing, fx->p.gi, f, n, 0), TC_ACT_SHOT);
    assert_int_equal(drain(m, &g), 1);
    assert_int_equal(g.last.port_id, 1);
    assert_int_equal(g.last.ifindex, fx->p.gi);
    assert_int_equal(g.last.len, n);
    assert_memory_equal(g.bytes, f, n);
    assert_true(g.last.ts_ns > 0);
    assert_int_equal(mon_port_stats(m, 1, &b), 0);
    assert_int_equal(b.hc_frames - a.hc_frames, 1);
    /* Neither passed nor dropped as a packet; the rule never saw it. */
    assert_int_equal(b.dir[0].pass_pkts, a.dir[0].pass_pkts);
    assert_int_equal(b.dir[0].drop_pkts, a.dir[0].drop_pkts);
    struct mon_rule_info ri;
    assert_int_equal(mon_rule_get(m, rid, &ri), 0);
    assert_int_equal(ri.packets, 0);
    assert_int_equal(mon_rule_del(m, rid, "admin"), 0);

    /* Port 2's frame says port 2. */
    assert_int_equal(run(ing, fx->q.gi, f, n, 0), TC_ACT_SHOT);
    assert_int_equal(drain(m, &g), 1);
    assert_int_equal(g.last.port_id, 2);

    /* The same frame from the switch side: nobody else speaks as the monitor. */
    struct mon_drop d;
    while (mon_events_poll(m, on_drop, &d, 0) > 0)
        ;
    memset(&d, 0, sizeof(d));
    assert_int_equal(mon_port_stats(m, 1, &a), 0);
    assert_int_equal(run(ing, fx->p.ui, f, n, 0), TC_ACT_SHOT);
    assert_int_equal(drain(m, &g), 0);
    assert_int_equal(mon_port_stats(m, 1, &b), 0);
    assert_int_equal(b.hc_spoofed - a.hc_spoofed, 1);
    assert_int_equal(b.dir[1].drop_pkts - a.dir[1].drop_pkts, 1);
    assert_true(mon_events_poll(m, on_drop, &d, 100) >= 1);
    assert_int_equal(d.flags, MON_DROP_HC_SPOOF);
    assert_int_equal(d.ethertype, 0x88b5);
    assert_int_equal(d.port_id, 1);
    assert_int_equal(d.dir, 1);
}

static void test_oversize_and_tagged(void **state)
{
    struct fx *fx = fx_get(state);
    struct mon *m = fx->m;
    int ing = mon_prog_fd(m, MON_PROG_INGRESS);
    uint8_t f[600];
    struct mon_port_info a, b;
    struct got g;
    list_frame(f, 8);
    memset(f + 60, 0, sizeof(f) - 60);

    assert_int_equal(mon_port_stats(m, 2, &a), 0);
    assert_int_equal(run(ing, fx->q.gi, f, 513, 0), TC_ACT_SHOT);
    assert_int_equal(run(ing, fx->q.gi, f, 600, 0), TC_ACT_SHOT);
    assert_int_equal(drain(m, &g), 0);
    assert_int_equal(run(ing, fx->q.gi, f, 512, 0), TC_ACT_SHOT); /* the limit itself */
    assert_int_equal(drain(m, &g), 1);
    assert_int_equal(g.last.len, 512);
    assert_int_equal(mon_port_stats(m, 2, &b), 0);
    assert_int_equal(b.hc_oversize - a.hc_oversize, 2);
    assert_int_equal(b.hc_frames - a.hc_frames, 1);

    /* Behind an 802.1Q tag: not a hypercall, and not forwarded either. */
    uint8_t t[64];
    memcpy(t, f, 12);
    memcpy(t + 12, "\x81\x00\x00\x05", 4);
    memcpy(t + 16, f + 12, 48);
    assert_int_equal(run(ing, fx->q.gi, t, 64, 0), TC_ACT_SHOT);
    assert_int_equal(drain(m, &g), 0);
    assert_int_equal(mon_port_stats(m, 2, &a), 0);
    assert_int_equal(a.malformed - b.malformed, 1);
    /* Towards the guest, tagged: a spoof. */
    assert_int_equal(run(ing, fx->q.ui, t, 64, 0), TC_ACT_SHOT);
    assert_int_equal(mon_port_stats(m, 2, &b), 0);
    assert_int_equal(b.hc_spoofed - a.hc_spoofed, 1);
}

static void test_rate_limited(void **state)
{
    struct fx *fx = fx_get(state);
    struct mon *m = fx->m;
    int ing = mon_prog_fd(m, MON_PROG_INGRESS);
    uint8_t f[HC_FRAME_MAX];
    struct mon_port_info a, b;
    struct got g;
    size_t n = list_frame(f, 9);

    assert_int_equal(mon_hc_rate(m, 0, 5), -EINVAL);
    assert_int_equal(mon_hc_rate(m, 1000001, 5), -EINVAL);
    assert_int_equal(mon_hc_rate(m, 1, 0), -EINVAL);
    assert_int_equal(mon_hc_rate(m, 1, 5), 0);
    drain(m, &g);
    assert_int_equal(mon_port_stats(m, 1, &a), 0);
    for (int i = 0; i < 12; i++)
        assert_int_equal(run(ing, fx->p.gi, f, n, 0), TC_ACT_SHOT);
    int got = drain(m, &g);
    assert_int_equal(mon_port_stats(m, 1, &b), 0);
    /* A bucket of 5 (one more if a second passed while the test ran). */
    assert_in_range(got, 5, 6);
    assert_int_equal(b.hc_frames - a.hc_frames, (uint64_t)got);
    assert_int_equal(b.hc_limited - a.hc_limited, (uint64_t)(12 - got));
    /* Port 2 has its own bucket. */
    assert_int_equal(run(ing, fx->q.gi, f, n, 0), TC_ACT_SHOT);
    assert_int_equal(drain(m, &g), 1);
    assert_int_equal(mon_hc_rate(m, 50, 20), 0);
}

static void test_guard(void **state)
{
    struct fx *fx = fx_get(state);
    struct mon *m = fx->m;
    int guard = mon_prog_fd(m, MON_PROG_GUARD);
    uint8_t f[600];
    struct mon_port_info a, b;
    size_t n = list_frame(f, 10);
    memset(f + n, 0, sizeof(f) - n);

    assert_int_equal(mon_port_stats(m, 1, &a), 0);
    assert_int_equal(run(guard, fx->p.gi, f, n, 0), TC_ACT_SHOT);      /* unmarked */
    assert_int_equal(run(guard, fx->p.gi, f, n, 0x1234), TC_ACT_SHOT); /* another mark */
    assert_int_equal(run(guard, fx->p.gi, f, 600, MON_HC_MARK_DEFAULT), TC_ACT_SHOT); /* too long */
    assert_int_equal(run(guard, fx->p.gi, f, n, MON_HC_MARK_DEFAULT), TC_ACT_OK);
    assert_int_equal(mon_port_stats(m, 1, &b), 0);
    assert_int_equal(b.hc_spoofed - a.hc_spoofed, 3);
    assert_int_equal(b.hc_sent - a.hc_sent, 1);

    /* The mark lets the monitor's EtherType through, not other traffic. */
    uint8_t ip[256];
    struct mh_frame fr = {
        .src = "10.2.0.66", .dst = "10.1.0.1", .proto = 17, .sport = 1, .dport = 2};
    size_t k = mh_build(&fr, ip, sizeof(ip));
    uint32_t rid = mh_add(m, "drop 10.2.0.66 dir to-guest", "admin");
    assert_int_equal(run(guard, fx->p.gi, ip, k, MON_HC_MARK_DEFAULT), TC_ACT_SHOT);
    assert_int_equal(mon_rule_del(m, rid, "admin"), 0);

    /* Another mark: the old one no longer opens the guard. */
    assert_int_equal(mon_hc_mark(m, 0), -EINVAL);
    assert_int_equal(mon_hc_mark(m, 0x1234), 0);
    assert_int_equal(run(guard, fx->p.gi, f, n, MON_HC_MARK_DEFAULT), TC_ACT_SHOT);
    assert_int_equal(run(guard, fx->p.gi, f, n, 0x1234), TC_ACT_OK);
    assert_int_equal(mon_hc_mark(m, MON_HC_MARK_DEFAULT), 0);
}

/* ---- real frames on the link ------------------------------------------------------------ */

static int guest_sock(const struct mh_port *p)
{
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(0x88b5));
    assert_true(fd >= 0);
    struct sockaddr_ll sa = {.sll_family = AF_PACKET,
                             .sll_protocol = htons(0x88b5),
                             .sll_ifindex = (int)if_nametoindex(p->gx)};
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

/* A frame received within ms, or 0. */
static ssize_t guest_recv(int fd, uint8_t *buf, size_t cap, int ms)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    if (poll(&pfd, 1, ms) != 1) return 0;
    return recv(fd, buf, cap, 0);
}

static void test_send_reaches_the_guest(void **state)
{
    struct fx *fx = fx_get(state);
    struct mon *m = fx->m;
    uint8_t f[HC_FRAME_MAX], buf[2048];
    struct mon_port_info a, b;
    size_t n = list_frame(f, 11);
    int gs = guest_sock(&fx->p), gs2 = guest_sock(&fx->q);

    assert_int_equal(mon_port_stats(m, 1, &a), 0);
    assert_int_equal(mon_hc_send_open(m), 0);
    assert_int_equal(mon_hc_mark(m, 0x1234), -EBUSY); /* the socket holds the mark */
    assert_int_equal(mon_hc_send(m, 1, f, n), 0);
    ssize_t k = guest_recv(gs, buf, sizeof(buf), 1000);
    assert_int_equal(k, (ssize_t)n);
    assert_memory_equal(buf, f, n);
    assert_int_equal(guest_recv(gs2, buf, sizeof(buf), 100), 0); /* only port 1 */
    assert_int_equal(mon_hc_send(m, 2, f, n), 0);
    assert_int_equal(guest_recv(gs2, buf, sizeof(buf), 1000), (ssize_t)n);

    /* A packet socket without the mark writing on G: the guard drops it. */
    int raw = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    assert_true(raw >= 0);
    struct sockaddr_ll to = {.sll_family = AF_PACKET,
                             .sll_protocol = htons(0x88b5),
                             .sll_ifindex = fx->p.gi,
                             .sll_halen = 6};
    /* The egress drop comes back to the sender as ENOBUFS (NET_XMIT_DROP). */
    errno = 0;
    assert_int_equal(sendto(raw, f, n, 0, (struct sockaddr *)&to, sizeof(to)), -1);
    assert_int_equal(errno, ENOBUFS);
    assert_int_equal(guest_recv(gs, buf, sizeof(buf), 200), 0);
    close(raw);
    assert_int_equal(mon_port_stats(m, 1, &b), 0);
    assert_int_equal(b.hc_sent - a.hc_sent, 1);
    assert_int_equal(b.hc_spoofed - a.hc_spoofed, 1);

    /* Refused: not the EtherType, too long, no such port. */
    uint8_t ip[64] = {0};
    ip[12] = 0x08;
    assert_int_equal(mon_hc_send(m, 1, ip, sizeof(ip)), -EINVAL);
    assert_int_equal(mon_hc_send(m, 1, f, 13), -EINVAL);
    assert_int_equal(mon_hc_send(m, 1, buf, 513), -EINVAL);
    assert_int_equal(mon_hc_send(m, 9, f, n), -ENOENT);
    assert_string_equal(mon_error(m), "port 9 is not attached");
    close(gs);
    close(gs2);
}

/* The server bound to the monitor: a request through the datapath's ring, the
 * reply on the guest's link, the rule in the table with its owner. */
static void test_end_to_end(void **state)
{
    struct fx *fx = fx_get(state);
    struct mon *m = fx->m;
    int ing = mon_prog_fd(m, MON_PROG_INGRESS);
    struct hc_mon hm = {.srv = hc_server_new(&hc_mon_ops, m), .mon = m};
    uint8_t f[HC_FRAME_MAX], buf[2048];
    struct hc_msg req, rep;
    int gs = guest_sock(&fx->p);
    assert_non_null(hm.srv);

    memset(&req, 0, sizeof(req));
    memcpy(req.dst, "\xff\xff\xff\xff\xff\xff", 6);
    memcpy(req.src, "\x02\x00\x00\x00\x00\x01", 6);
    req.op = HC_OP_RULE_ADD;
    req.id = 0xabcd;
    req.u.rule = (struct hc_rule){.addr = 0x0a02004d,
                                  .plen = 32,
                                  .proto = 17,
                                  .port = 5353,
                                  .dirs = HC_DIR_TO_GUEST,
                                  .action = HC_ACT_DROP};
    size_t n = hc_encode(&req, f, sizeof(f));
    assert_int_equal(run(ing, fx->p.gi, f, n, 0), TC_ACT_SHOT);
    assert_int_equal(mon_hc_poll(m, hc_mon_frame, &hm, 100), 1);
    ssize_t k = guest_recv(gs, buf, sizeof(buf), 1000);
    assert_true(k > 0);
    assert_int_equal(hc_parse(buf, (size_t)k, &rep, NULL, 0), 0);
    assert_int_equal(rep.op, HC_OP_REPLY);
    assert_int_equal(rep.id, 0xabcd);
    assert_int_equal(rep.status, HC_OK);
    struct mon_rule_info ri;
    uint32_t gid = rep.u.rule_id;
    assert_int_equal(mon_rule_get(m, gid, &ri), 0);
    assert_string_equal(ri.owner, "guest:1");
    assert_int_equal(ri.rule.port_id, 1);
    char text[128];
    mon_rule_format(&ri.rule, text, sizeof(text));
    assert_string_equal(text, "drop 10.2.0.77/32 proto udp port 5353 dir to-guest on 1");
    /* It acts on port 1 only. */
    assert_int_equal(mh_to_guest(m, &fx->p, 17, 5353, 40000, "10.2.0.77"), MH_DROP);
    assert_int_equal(mh_to_guest(m, &fx->q, 17, 5353, 40000, "10.2.0.77"), MH_PASS);

    /* An admin rule: refused, and it stays. */
    uint32_t admin = mh_add(m, "drop 10.9.9.9", "admin");
    req.op = HC_OP_RULE_DEL;
    req.id = 0xabce;
    req.u.rule_id = admin;
    n = hc_encode(&req, f, sizeof(f));
    assert_int_equal(run(ing, fx->p.gi, f, n, 0), TC_ACT_SHOT);
    assert_int_equal(mon_hc_poll(m, hc_mon_frame, &hm, 100), 1);
    k = guest_recv(gs, buf, sizeof(buf), 1000);
    assert_int_equal(hc_parse(buf, (size_t)k, &rep, NULL, 0), 0);
    assert_int_equal(rep.status, HC_EPERM);
    snprintf(text, sizeof(text), "rule %u belongs to admin; guest:1 may delete only its own rules",
             admin);
    assert_string_equal(rep.u.text, text);
    assert_int_equal(mon_rule_get(m, admin, &ri), 0);

    /* A notification reaches the guest and stays in the backlog. */
    struct hc_note note = {.kind = HC_KIND_SCAN_BLOCKED, .addr = 0x0a020063, .text = "scan"};
    assert_int_equal(hc_mon_notify(&hm, 1, &note), 0);
    k = guest_recv(gs, buf, sizeof(buf), 1000);
    assert_int_equal(hc_parse(buf, (size_t)k, &rep, NULL, 0), 0);
    assert_int_equal(rep.op, HC_OP_NOTIFY);
    assert_string_equal(rep.u.notes.note[0].text, "scan");
    assert_int_equal(hc_mon_notify(&hm, 9, &note), -ENOENT); /* kept, but no such port */
    assert_int_equal(hm.send_errors, 0);

    /* The port goes: its guest's rules go with it, the admin's stay. */
    assert_int_equal(hc_mon_port_reset(&hm, 1), 1);
    assert_int_equal(mon_rule_get(m, gid, &ri), -ENOENT);
    assert_int_equal(mon_rule_get(m, admin, &ri), 0);
    assert_int_equal(mon_rule_del(m, admin, "admin"), 0);
    hc_server_free(hm.srv);
    close(gs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_taken_off_the_wire),     cmocka_unit_test(test_oversize_and_tagged),
        cmocka_unit_test(test_rate_limited),           cmocka_unit_test(test_guard),
        cmocka_unit_test(test_send_reaches_the_guest), cmocka_unit_test(test_end_to_end),
    };
    return cmocka_run_group_tests(tests, fx_setup, fx_teardown);
}
