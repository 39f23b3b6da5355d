/*
 * test_vfd_mon.c - a domain's RULE_ADD / RULE_DEL / RULE_LIST through the
 * core's real dispatch (vfd_dispatch_input) into a real monitor (its own pin
 * directory, in a private network namespace), answered by RULE_RESULT on the
 * domain's end of a socketpair: the owner is the sending domain's, whatever it
 * asks; admin rules cannot be deleted by it (EPERM), nothing is killed for a
 * refused request; max_rules caps it (EDQUOT); listings come in pages with
 * counters and owners; without [monitor] everything is ENODEV. Also the start:
 * configured rules applied once, kept on a second start, rolled back when a
 * later one conflicts. Needs root (skipped with the reason otherwise).
 */
#include "mon_harness.h"

#include <fcntl.h>

#include "daemon/vfd.h"

static struct vfd d;
static int peer = -1; /* the "domain" end */
static char cfg_path[96];

static void write_cfg(const char *monitor)
{
    snprintf(cfg_path, sizeof(cfg_path), "/tmp/vf-vfdmon-%d.conf", (int)getpid());
    FILE *f = fopen(cfg_path, "w");
    assert_non_null(f);
    fprintf(f, "[controller]\napps = hub\n[domain.of]\nmax_rules = 3\n");
    if (monitor) fprintf(f, "[monitor]\npin_dir = %s\n%s", mh_pin, monitor);
    fclose(f);
}

/* The core's half: config, loop, the monitor, and an of domain whose socket
 * peer the test holds. */
static int core_up(const char *monitor, char *err, size_t cap)
{
    memset(&d, 0, sizeof(d));
    write_cfg(monitor);
    if (vfd_config_load(&d.cfg, cfg_path, "/usr/sbin/visorflowd", err, cap) != 0) return -1;
    log_init(&d.log, LOG_LEVEL_WARN);
    d.loop = ev_loop_new();
    d.rx = malloc(MSG_MAX_PAYLOAD);
    assert_non_null(d.loop);
    assert_non_null(d.rx);
    if (vfd_mon_start(&d, err, cap) != 0) return -1;
    int sv[2];
    assert_int_equal(msg_socketpair(sv, err, cap), MSG_OK);
    struct vfd_domain *dom = &d.domains[0];
    dom->d = &d;
    dom->conf = &d.cfg.domains[0];
    dom->fd = sv[0];
    dom->state = VFD_DOM_RUNNING;
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    assert_int_equal(msg_outq_init(&dom->out, 1u << 20), MSG_OK);
    d.n_domains = 1;
    peer = sv[1];
    return 0;
}

static void core_down(void)
{
    struct vfd_domain *dom = &d.domains[0];
    if (dom->fd >= 0 && d.n_domains) close(dom->fd);
    if (d.n_domains) msg_outq_free(&dom->out);
    if (peer >= 0) close(peer);
    peer = -1;
    vfd_mon_stop(&d);
    if (d.loop) ev_loop_free(d.loop);
    free(d.rx);
    vfd_config_free(&d.cfg);
    unlink(cfg_path);
}

/* Send one request as the domain, let the core dispatch it, read the answer. */
static void ask(uint16_t type, uint32_t id, const union msg_body *b, struct msg_rule_result *res)
{
    static uint8_t buf[MSG_MAX_PAYLOAD];
    char err[MSG_ERR_MAX];
    struct msg_w w;
    msg_w_init(&w, buf, sizeof(buf));
    assert_int_equal(msg_encode(type, &w, b), MSG_OK);
    assert_int_equal(msg_send(peer, type, id, buf, w.len, NULL, 0, err, sizeof(err)), MSG_OK);
    vfd_dispatch_input(&d.domains[0]);
    assert_true(d.domains[0].fd >= 0); /* not killed */
    struct msg_hdr h;
    int fds[MSG_MAX_FDS], nfds;
    assert_int_equal(msg_recv(peer, &h, buf, sizeof(buf), fds, &nfds, err, sizeof(err)), MSG_OK);
    assert_int_equal(h.type, MSG_RULE_RESULT);
    assert_int_equal(h.id, id);
    struct msg_r r;
    msg_r_init(&r, buf, h.len);
    if (msg_dec_rule_result(&r, res) != MSG_OK) fail_msg("RULE_RESULT: %s", r.err);
    assert_int_equal(res->op, type);
}

static struct msg_rule_result res; /* big: not on the stack */

static uint32_t add(uint32_t addr, uint16_t port, int want_err)
{
    union msg_body b;
    memset(&b, 0, sizeof(b));
    b.rule = (struct msg_rule){addr, 32, 6, port, MSG_RDIR_FROM_GUEST, MSG_RACT_DROP, 0};
    ask(MSG_RULE_ADD, 100 + port, &b, &res);
    assert_int_equal(res.error, want_err);
    return res.count ? res.rules[0].id : 0;
}

static void del(uint32_t id, int want_err)
{
    union msg_body b = {.rule_del = {id}};
    ask(MSG_RULE_DEL, 7, &b, &res);
    assert_int_equal(res.error, want_err);
}

static void test_domain_requests(void **state)
{
    (void)state;
    MH_NEED_ROOT();
    char err[512];
    if (core_up("rule = drop 10.0.0.1 port 22\n", err, sizeof(err)) != 0) fail_msg("%s", err);
    struct mon *m = vfd_mon_handle(&d);
    assert_int_equal(mon_rule_count(m), 1); /* the configured admin rule: id 1 */

    uint32_t a = add(0x0a000002, 80, 0);
    assert_string_equal(res.rules[0].owner, "domain:of");
    assert_int_equal(res.rules[0].rule.addr, 0x0a000002);
    assert_int_equal(res.rules[0].rule.port, 80);
    struct mon_rule_info ri;
    assert_int_equal(mon_rule_get(m, a, &ri), 0);
    assert_string_equal(ri.owner, "domain:of");
    assert_int_equal(ri.rule.addr, htonl(0x0a000002));

    add(0x0a000002, 80, EEXIST); /* the same match in the domain tier */
    assert_true(strstr(res.reason, "(owner domain:of) already has this match") != NULL);
    assert_int_equal(res.count, 0);
    add(0x0a000001, 22, 0); /* admin's match, but another tier: allowed */

    del(1, EPERM); /* the admin rule */
    assert_string_equal(res.reason,
                        "rule 1 belongs to admin; domain:of may delete only its own rules");
    assert_int_equal(mon_rule_get(m, 1, &ri), 0);
    del(999, ENOENT);
    assert_string_equal(res.reason, "no rule 999");

    add(0x0a000003, 443, 0); /* the third: max_rules = 3 */
    add(0x0a000004, 443, EDQUOT);
    assert_string_equal(res.reason, "domain:of already holds 3 rules, its max_rules");
    del(a, 0);
    add(0x0a000004, 443, 0); /* room again */
    assert_int_equal(vfd_mon_rule_count_owner(&d, "domain:of"), 3);
    core_down();
}

static void test_list_pages(void **state)
{
    (void)state;
    MH_NEED_ROOT();
    char err[512];
    if (core_up("", err, sizeof(err)) != 0) fail_msg("%s", err);
    struct mon *m = vfd_mon_handle(&d);
    for (uint32_t i = 0; i < 70; i++) {
        /* a guest's rules sit on its own port */
        struct mon_rule r = {htonl(0x0b000000 + i),    32, 17, 53, MON_BOTH, MON_PASS,
                             (uint16_t)(i % 2 ? 0 : 5)};
        uint32_t id;
        assert_int_equal(mon_rule_add(m, &r, i % 2 ? "admin" : "guest:5", &id), 0);
    }
    union msg_body b = {.rule_list = {1, MSG_RULES_MAX}};
    ask(MSG_RULE_LIST, 9, &b, &res);
    assert_int_equal(res.error, 0);
    assert_int_equal(res.count, 64);
    assert_int_equal(res.rules[0].id, 1);
    assert_string_equal(res.rules[0].owner, "guest:5");
    assert_string_equal(res.rules[1].owner, "admin");
    assert_int_equal(res.rules[63].id, 64);
    assert_int_equal(res.rules[5].rule.addr, 0x0b000005);
    assert_int_equal(res.rules[5].rule.action, MSG_RACT_PASS);
    assert_int_equal(res.rules[5].rule.dir, MSG_RDIR_BOTH);
    assert_int_equal(res.rules[4].rule.on, 5);
    assert_int_equal(res.next_id, 65);
    b.rule_list = (struct msg_rule_list){res.next_id, MSG_RULES_MAX};
    ask(MSG_RULE_LIST, 10, &b, &res);
    assert_int_equal(res.count, 6);
    assert_int_equal(res.rules[5].id, 70);
    assert_int_equal(res.next_id, 0);
    b.rule_list = (struct msg_rule_list){1, 1};
    ask(MSG_RULE_LIST, 11, &b, &res);
    assert_int_equal(res.count, 1);
    assert_int_equal(res.next_id, 2);
    core_down();
}

static void test_no_monitor(void **state)
{
    (void)state;
    MH_NEED_ROOT();
    char err[512];
    if (core_up(NULL, err, sizeof(err)) != 0) fail_msg("%s", err);
    assert_null(vfd_mon_handle(&d));
    add(0x0a000002, 80, ENODEV);
    assert_string_equal(res.reason, "no monitor configured (no [monitor] section)");
    del(1, ENODEV);
    union msg_body b = {.rule_list = {1, 8}};
    ask(MSG_RULE_LIST, 9, &b, &res);
    assert_int_equal(res.error, ENODEV);
    core_down();
}

struct owners {
    size_t admin, other;
    int has_9;
};

static int count_owners(const struct mon_rule_info *ri, void *ctx)
{
    struct owners *o = ctx;
    if (!strcmp(ri->owner, "admin"))
        o->admin++;
    else
        o->other++;
    o->has_9 |= ri->rule.addr == htonl(0x09090909);
    return 0;
}

/* Start-up: configured rules added once, found again (not doubled) on a
 * second start, and a start whose later rule conflicts leaves nothing. */
static void test_start_all_or_nothing(void **state)
{
    (void)state;
    MH_NEED_ROOT();
    char err[512];
    const char *rules = "rule = drop 10.0.0.1 port 22\nrule = pass 10.0.0.0/8 proto udp\n";
    if (core_up(rules, err, sizeof(err)) != 0) fail_msg("%s", err);
    struct mon *m = vfd_mon_handle(&d);
    struct mon_rule r = {htonl(0x0a000005), 32, 6, 25, MON_BOTH, MON_DROP, 0};
    uint32_t id;
    assert_int_equal(mon_rule_add(m, &r, "admin", &id), 0); /* "visorflowctl rule add" */
    core_down();
    if (core_up(rules, err, sizeof(err)) != 0) fail_msg("second start: %s", err);
    struct owners o = {0};
    mon_rule_list(vfd_mon_handle(&d), 0, count_owners, &o);
    assert_int_equal(o.admin, 3); /* the two configured ones were found, not added again */
    core_down();
    /* a new rule, then one whose match admin rule 3 holds with another action */
    int rc = core_up("rule = drop 10.0.0.1 port 22\nrule = drop 9.9.9.9\n"
                     "rule = pass 10.0.0.5 port 25\n",
                     err, sizeof(err));
    assert_int_equal(rc, -1);
    char want[256];
    snprintf(want, sizeof(want),
             "%s:9: rule: rule 3 (owner admin) already has this match from the guest", cfg_path);
    assert_string_equal(err, want);
    assert_null(d.mon);
    core_down();
    if (core_up(rules, err, sizeof(err)) != 0) fail_msg("third start: %s", err);
    memset(&o, 0, sizeof(o));
    mon_rule_list(vfd_mon_handle(&d), 0, count_owners, &o);
    assert_int_equal(o.admin, 3);
    assert_false(o.has_9); /* taken back */
    core_down();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_domain_requests),
        cmocka_unit_test(test_list_pages),
        cmocka_unit_test(test_no_monitor),
        cmocka_unit_test(test_start_all_or_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, mh_cleanup);
}
