/*
 * test_vfd_hc.c - the core's hypercall glue (vfd_hc.c) on a real monitor (its
 * own pin directory, in a private network namespace, two configured guest
 * ports on veths): a frame the datapath takes off port 1 reaches the core's
 * event loop, is carried out as guest:1 and answered on port 1's link (and
 * not on port 2's); [monitor] guest_max_rules is the server's quota; an admin
 * rule cannot be deleted by a guest; a frame that waited in the ring from
 * before the core started is dropped as stale; GUEST_NOTIFY from the of
 * domain, through the core's real dispatch, becomes a NOTIFY on the port's
 * link, rate-limited per port by notify_rate/notify_burst, and a note for an
 * unconfigured port is dropped and counted without killing the domain; a
 * restart without port 2 deletes guest 2's rules and keeps guest 1's. Needs
 * root (skipped with the reason otherwise), as test_vfd_mon.c.
 */
#include "mon_harness.h"

#include <fcntl.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <sys/socket.h>

#include "daemon/vfd.h"
#include "hc/hc.h"

static struct vfd d;
static int peer = -1; /* the "of domain" end */
static char cfg_path[96];
static int g1 = -1, g2 = -1; /* packet sockets on the guests' ends of the links */

static void write_cfg(const char *monitor)
{
    snprintf(cfg_path, sizeof(cfg_path), "/tmp/vf-vfdhc-%d.conf", (int)getpid());
    FILE *f = fopen(cfg_path, "w");
    assert_non_null(f);
    fprintf(f, "[controller]\napps = hub\n");
    if (monitor) fprintf(f, "[monitor]\npin_dir = %s\n%s", mh_pin, monitor);
    fclose(f);
}

/* The core's half up to its monitor; vfd_hc_start is the caller's. */
static void core_up_mon(const char *monitor)
{
    char err[512];
    memset(&d, 0, sizeof(d));
    write_cfg(monitor);
    if (vfd_config_load(&d.cfg, cfg_path, "/usr/sbin/visorflowd", err, sizeof(err)) != 0)
        fail_msg("config: %s", err);
    log_init(&d.log, LOG_LEVEL_WARN);
    d.loop = ev_loop_new();
    d.rx = malloc(MSG_MAX_PAYLOAD);
    assert_non_null(d.loop);
    assert_non_null(d.rx);
    if (vfd_mon_start(&d, err, sizeof(err)) != 0) fail_msg("vfd_mon_start: %s", err);
    int sv[2];
    assert_int_equal(msg_socketpair(sv, err, sizeof(err)), MSG_OK);
    struct vfd_domain *dom = &d.domains[0];
    dom->d = &d;
    dom->conf = &d.cfg.domains[0];
    dom->fd = sv[0];
    dom->state = VFD_DOM_RUNNING;
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    assert_int_equal(msg_outq_init(&dom->out, 1u << 20), MSG_OK);
    d.n_domains = 1;
    peer = sv[1];
}

static void core_up(const char *monitor)
{
    char err[512];
    core_up_mon(monitor);
    if (vfd_hc_start(&d, err, sizeof(err)) != 0) fail_msg("vfd_hc_start: %s", err);
}

static void core_down(void)
{
    struct vfd_domain *dom = &d.domains[0];
    if (d.n_domains && dom->fd >= 0) close(dom->fd);
    if (d.n_domains) msg_outq_free(&dom->out);
    if (peer >= 0) close(peer);
    peer = -1;
    vfd_hc_stop(&d);
    vfd_mon_stop(&d);
    if (d.loop) ev_loop_free(d.loop);
    free(d.rx);
    vfd_config_free(&d.cfg);
    unlink(cfg_path);
    d.loop = NULL;
}

/* After each test, passed or not: the core goes, then the monitor with its
 * ports and pins (the next test has its own pin directory and attaches the
 * same interfaces). */
static int teardown(void **state)
{
    (void)state;
    if (d.loop) core_down();
    memset(&d, 0, sizeof(d));
    if (g1 >= 0) close(g1);
    if (g2 >= 0) close(g2);
    g1 = g2 = -1;
    struct mon *m = NULL;
    char err[MON_ERR_LEN];
    if (mh_prepare() || mon_open(&m, mh_pin, 0, err, sizeof(err)) != 0) return 0;
    return mon_destroy(m) == 0 ? 0 : -1;
}

#define PORTS                                                                                      \
    "port = 1 guest=vhg1 uplink=vhu1 peer=vhs1\n"                                                  \
    "port = 2 guest=vhg2 uplink=vhu2 peer=vhs2\n"
#define LIMITS "guest_max_rules = 2\nnotify_rate = 1\nnotify_burst = 2\n"

static int guest_sock(const char *ifname)
{
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(HC_ETHERTYPE));
    assert_true(fd >= 0);
    struct sockaddr_ll sa = {.sll_family = AF_PACKET,
                             .sll_protocol = htons(HC_ETHERTYPE),
                             .sll_ifindex = (int)if_nametoindex(ifname)};
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

/* The frame the guest's end of the link received within ms, parsed; 0 when none. */
static int guest_got(int fd, struct hc_msg *m, int ms)
{
    uint8_t buf[2048];
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, ms) != 1) return 0;
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    assert_true(n > 0);
    char err[256] = "";
    if (hc_parse(buf, (size_t)n, m, err, sizeof(err)) != 0) fail_msg("guest got: %s", err);
    return 1;
}

static void links(void)
{
    static int made;
    if (made) return;
    assert_int_equal(mon_nl_veth_add("vhg1", "vhx1"), 0);
    assert_int_equal(mon_nl_veth_add("vhg2", "vhx2"), 0);
    assert_int_equal(mon_nl_link_up((int)if_nametoindex("vhx1")), 0);
    assert_int_equal(mon_nl_link_up((int)if_nametoindex("vhx2")), 0);
    made = 1;
}

/* A request as guest port `port` sends it: through the datapath's program on
 * G (BPF_PROG_TEST_RUN), into the hypercall ring. */
static void guest_sends(const char *g, struct hc_msg *req)
{
    uint8_t f[HC_FRAME_MAX];
    memcpy(req->dst, "\xff\xff\xff\xff\xff\xff", 6);
    memcpy(req->src, "\x02\x00\x00\x00\x00\x07", 6);
    size_t n = hc_encode(req, f, sizeof(f));
    assert_true(n >= HC_MIN_FRAME);
    struct __sk_buff ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.ifindex = if_nametoindex(g);
    LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f, .data_size_in = (uint32_t)n, .ctx_in = &ctx,
                .ctx_size_in = sizeof(ctx), .repeat = 1);
    assert_int_equal(bpf_prog_test_run_opts(mon_prog_fd(vfd_mon_handle(&d), MON_PROG_INGRESS), &o),
                     0);
    assert_int_equal((int)o.retval, TC_ACT_SHOT); /* taken off the wire */
}

/* One request of a guest, served by the core's loop; the reply its link got. */
static void call(const char *g, int sock, struct hc_msg *req, struct hc_msg *rep)
{
    guest_sends(g, req);
    assert_true(ev_run_once(d.loop, 1000) >= 0);
    if (!guest_got(sock, rep, 1000)) fail_msg("no reply on %s", g);
    assert_int_equal(rep->op, HC_OP_REPLY);
    assert_int_equal(rep->id, req->id);
}

static uint32_t add_rule(const char *g, int sock, uint32_t addr, int want)
{
    struct hc_msg req, rep;
    memset(&req, 0, sizeof(req));
    req.op = HC_OP_RULE_ADD;
    req.id = addr;
    req.u.rule = (struct hc_rule){addr, 32, 6, 5001, HC_DIR_FROM_GUEST, HC_ACT_DROP};
    call(g, sock, &req, &rep);
    if (rep.status != want)
        fail_msg("RULE_ADD: %s (%s), want %s", hc_status_name(rep.status),
                 rep.status ? rep.u.text : "", hc_status_name((unsigned)want));
    return rep.status ? 0 : rep.u.rule_id;
}

static void test_requests(void **state)
{
    (void)state;
    MH_NEED_ROOT();
    links();
    core_up(PORTS LIMITS "rule = drop 10.0.0.9 port 22\n");
    struct mon *m = vfd_mon_handle(&d);
    g1 = guest_sock("vhx1"), g2 = guest_sock("vhx2");
    struct hc_msg req, rep;

    uint32_t a = add_rule("vhg1", g1, 0x0a000001, HC_OK);
    struct mon_rule_info ri;
    assert_int_equal(mon_rule_get(m, a, &ri), 0);
    assert_string_equal(ri.owner, "guest:1");
    assert_int_equal(ri.rule.port_id, 1);
    assert_int_equal(guest_got(g2, &rep, 100), 0); /* nothing on the other guest's link */

    add_rule("vhg1", g1, 0x0a000002, HC_OK);
    add_rule("vhg1", g1, 0x0a000003, HC_EDQUOT); /* guest_max_rules = 2 */
    uint32_t b = add_rule("vhg2", g2, 0x0a000001, HC_OK);
    assert_int_equal(mon_rule_get(m, b, &ri), 0);
    assert_string_equal(ri.owner, "guest:2");

    memset(&req, 0, sizeof(req));
    req.op = HC_OP_RULE_DEL;
    req.id = 77;
    req.u.rule_id = 1; /* the configured admin rule */
    call("vhg1", g1, &req, &rep);
    assert_int_equal(rep.status, HC_EPERM);
    assert_string_equal(rep.u.text,
                        "rule 1 belongs to admin; guest:1 may delete only its own rules");
    req.id = 78;
    req.u.rule_id = b; /* guest 2's */
    call("vhg1", g1, &req, &rep);
    assert_int_equal(rep.status, HC_EPERM);
    assert_non_null(strstr(rep.u.text, "belongs to another guest"));
    assert_int_equal(mon_rule_get(m, b, &ri), 0);

    struct vfd_hc_port hp;
    assert_int_equal(vfd_hc_port(&d, 1, &hp), 0);
    assert_int_equal(hp.srv.frames, 5);
    assert_int_equal(hp.srv.requests, 5);
    assert_int_equal(hp.srv.refused, 3);
    assert_int_equal(vfd_hc_port(&d, 2, &hp), 0);
    assert_int_equal(hp.srv.frames, 1);
    assert_int_equal(vfd_hc_port(&d, 3, &hp), -ENOENT);
    struct vfd_hc_counters c;
    vfd_hc_counters(&d, &c);
    assert_int_equal(c.frames, 6);
    assert_int_equal(c.stale, 0);
    assert_int_equal(c.send_errors, 0);
    struct mon_port_info pi;
    assert_int_equal(mon_port_stats(m, 1, &pi), 0);
    assert_int_equal(pi.hc_frames, 5);
    assert_int_equal(pi.hc_sent, 5); /* the replies passed the guard */
    core_down();
}

/* GUEST_NOTIFY as the of domain sends it, through the core's dispatch. */
static void notify(uint16_t port, const char *text)
{
    union msg_body b;
    uint8_t buf[256];
    char err[MSG_ERR_MAX];
    struct msg_w w;
    memset(&b, 0, sizeof(b));
    b.guest_notify = (struct msg_guest_notify){.port = port,
                                               .kind = MSG_NOTE_SCAN_BLOCKED,
                                               .proto = 6,
                                               .addr = 0x0a000042,
                                               .mac = {2, 0, 0, 0, 0, 0x42},
                                               .l4port = 22,
                                               .rule = 7};
    snprintf(b.guest_notify.text, sizeof(b.guest_notify.text), "%s", text);
    msg_w_init(&w, buf, sizeof(buf));
    assert_int_equal(msg_encode(MSG_GUEST_NOTIFY, &w, &b), MSG_OK);
    assert_int_equal(msg_send(peer, MSG_GUEST_NOTIFY, 0, buf, w.len, NULL, 0, err, sizeof(err)),
                     MSG_OK);
    vfd_dispatch_input(&d.domains[0]);
    assert_true(d.domains[0].fd >= 0); /* never fatal */
}

static void test_notes(void **state)
{
    (void)state;
    MH_NEED_ROOT();
    links();
    core_up(PORTS LIMITS);
    g1 = guest_sock("vhx1"), g2 = guest_sock("vhx2");
    struct hc_msg n;

    notify(1, "port scan from 10.0.0.66");
    assert_int_equal(guest_got(g1, &n, 1000), 1);
    assert_int_equal(n.op, HC_OP_NOTIFY);
    assert_int_equal(n.id, 1);
    const struct hc_note *note = &n.u.notes.note[0];
    assert_int_equal(note->seq, 1);
    assert_int_equal(note->kind, HC_KIND_SCAN_BLOCKED);
    assert_int_equal(note->addr, 0x0a000042);
    assert_memory_equal(note->mac, "\x02\x00\x00\x00\x00\x42", 6);
    assert_int_equal(note->port, 22);
    assert_int_equal(note->proto, 6);
    assert_int_equal(note->rule, 7);
    assert_true(note->time > 1700000000u);
    assert_string_equal(note->text, "port scan from 10.0.0.66");
    assert_int_equal(guest_got(g2, &n, 100), 0); /* only port 1's guest */

    notify(1, "second");
    assert_int_equal(guest_got(g1, &n, 1000), 1);
    assert_int_equal(n.u.notes.note[0].seq, 2);
    notify(1, "third: over the burst of 2"); /* the clock did not move: no token */
    assert_int_equal(guest_got(g1, &n, 200), 0);
    notify(2, "to guest 2");
    assert_int_equal(guest_got(g2, &n, 1000), 1); /* a bucket per port */
    assert_string_equal(n.u.notes.note[0].text, "to guest 2");
    notify(9, "nobody"); /* not configured */

    struct vfd_hc_port hp;
    assert_int_equal(vfd_hc_port(&d, 1, &hp), 0);
    assert_int_equal(hp.notes_sent, 2);
    assert_int_equal(hp.notes_limited, 1);
    assert_int_equal(hp.notes_unsent, 0);
    assert_int_equal(hp.srv.notes, 2);
    assert_int_equal(hp.backlog, 2);
    struct vfd_hc_counters c;
    vfd_hc_counters(&d, &c);
    assert_int_equal(c.notes_bad_port, 1);

    /* EVENTS: the backlog, as a guest that was not listening reads it. */
    struct hc_msg req, rep;
    memset(&req, 0, sizeof(req));
    req.op = HC_OP_EVENTS;
    req.id = 5;
    call("vhg1", g1, &req, &rep);
    assert_int_equal(rep.status, HC_OK);
    assert_int_equal(rep.u.notes.n, 2);
    assert_string_equal(rep.u.notes.note[1].text, "second");
    core_down();
}

/* A frame that waited in the ring while no core served it is not carried out. */
static void test_stale(void **state)
{
    (void)state;
    MH_NEED_ROOT();
    links();
    char err[512];
    core_up_mon(PORTS);
    g1 = guest_sock("vhx1");
    struct hc_msg req, rep;
    memset(&req, 0, sizeof(req));
    req.op = HC_OP_RULE_ADD;
    req.id = 3;
    req.u.rule = (struct hc_rule){0x0a000005, 32, 0, 0, HC_DIR_BOTH, HC_ACT_DROP};
    guest_sends("vhg1", &req); /* before the core serves hypercalls */
    if (vfd_hc_start(&d, err, sizeof(err)) != 0) fail_msg("%s", err);
    struct vfd_hc_counters c;
    vfd_hc_counters(&d, &c);
    assert_int_equal(c.frames, 1);
    assert_int_equal(c.stale, 1);
    assert_int_equal(guest_got(g1, &rep, 200), 0);
    assert_int_equal(mon_rule_count(vfd_mon_handle(&d)), 0);
    /* the guest's retry, now served */
    call("vhg1", g1, &req, &rep);
    assert_int_equal(rep.status, HC_OK);
    core_down();
}

struct owners {
    size_t g1, g2;
};

static int count(const struct mon_rule_info *ri, void *ctx)
{
    struct owners *o = ctx;
    o->g1 += !strcmp(ri->owner, "guest:1");
    o->g2 += !strcmp(ri->owner, "guest:2");
    return 0;
}

/* A port kept as it was keeps its guest's rules across a core restart; a
 * port no longer configured loses them (nobody may own them now). */
static void test_restart(void **state)
{
    (void)state;
    MH_NEED_ROOT();
    links();
    core_up(PORTS);
    g1 = guest_sock("vhx1"), g2 = guest_sock("vhx2");
    add_rule("vhg1", g1, 0x0a000001, HC_OK);
    add_rule("vhg2", g2, 0x0a000001, HC_OK);
    core_down();
    core_up("port = 1 guest=vhg1 uplink=vhu1 peer=vhs1\n");
    struct owners o = {0, 0};
    mon_rule_list(vfd_mon_handle(&d), 0, count, &o);
    assert_int_equal(o.g1, 1);
    assert_int_equal(o.g2, 0);
    core_down();
}

/* Without [monitor]: nothing is served, a note is dropped, the domain lives. */
static void test_no_monitor(void **state)
{
    (void)state;
    MH_NEED_ROOT();
    core_up(NULL);
    assert_null(d.hc);
    notify(1, "nobody listens");
    struct vfd_hc_port hp;
    assert_int_equal(vfd_hc_port(&d, 1, &hp), -ENODEV);
    core_down();
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, teardown)
    const struct CMUnitTest tests[] = {
        T(test_requests), T(test_notes), T(test_stale), T(test_restart), T(test_no_monitor),
    };
    return cmocka_run_group_tests(tests, NULL, mh_cleanup);
}
