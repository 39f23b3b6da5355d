/*
 * test_vfd_config.c - the core's [monitor] section (vfd_config_mon.c) and the
 * domains' max_rules: a valid file read into the settings the core uses, the
 * defaults, and every malformed line refused with its exact "file:line:
 * message" (rules in mon_rule_parse's text form, ports, numbers, clashes).
 */
#include "unit.h"

#include <arpa/inet.h>
#include <unistd.h>

#include "daemon/vfd.h"
#include "vfd_config_harness.h"

/* Lines 1-5 are these; a test's text starts at line 6, inside [monitor]. */
#define HEAD "[controller]\napps = hub\n[daemon]\ncontrol = /tmp/vf-cfg.sock\n[monitor]\n"

static void test_valid(void **state)
{
    (void)state;
    struct vfd_config cfg;
    char err[512];
    int rc = load(&cfg,
                  HEAD "pin_dir = /sys/fs/bpf/vf-test\n"
                       "event_rate = 500\n"
                       "event_burst = 50\n"
                       "event_queue = 64\n"
                       "port = 1 guest=vfg1h uplink=vfm1u peer=vfm1s\n"
                       "port = 2   guest=tap2 uplink=auto ipv4-only\n"
                       "port = 4095 guest=eth9 uplink=up9 switch=ovs-p9\n"
                       "rule = drop 10.0.0.5 port 22 dir from-guest on 1\n"
                       "rule = pass 10.0.0.0/8 proto udp port 53\n"
                       "rule = drop 10.0.0.5 port 22 dir to-guest on 1\n"
                       "rule = drop any proto 47 on 4095\n"
                       "hypercall_rate = 10\n"
                       "hypercall_burst = 5\n"
                       "guest_max_rules = 100000\n"
                       "notify_rate = 1000\n"
                       "notify_burst = 1\n"
                       "[domain.of]\n"
                       "max_rules = 10\n",
                  err, sizeof(err));
    if (rc) fail_msg("%s", err);
    const struct vfd_mon_conf *m = &cfg.mon;
    assert_true(m->enabled);
    assert_string_equal(m->pin_dir, "/sys/fs/bpf/vf-test");
    assert_int_equal(m->ev_rate, 500);
    assert_int_equal(m->ev_burst, 50);
    assert_int_equal(m->ev_queue, 64);
    assert_int_equal(m->nports, 3);
    assert_int_equal(m->ports[0].id, 1);
    assert_string_equal(m->ports[0].guest, "vfg1h");
    assert_string_equal(m->ports[0].uplink, "vfm1u");
    assert_string_equal(m->ports[0].peer, "vfm1s");
    assert_string_equal(m->ports[0].switch_port, "vfm1s");
    assert_int_equal(m->ports[0].flags, 0);
    assert_int_equal(m->ports[0].line, 10);
    assert_string_equal(m->ports[1].uplink, "vfm2u"); /* auto */
    assert_string_equal(m->ports[1].peer, "vfm2s");
    assert_string_equal(m->ports[1].switch_port, "vfm2s");
    assert_int_equal(m->ports[1].flags, MON_PORT_IPV4_ONLY);
    assert_string_equal(m->ports[2].peer, "");
    assert_string_equal(m->ports[2].switch_port, "ovs-p9");
    assert_int_equal(m->nrules, 4);
    struct mon_rule r0 = m->rules[0].rule;
    assert_int_equal(r0.addr, htonl(0x0a000005));
    assert_int_equal(r0.plen, 32);
    assert_int_equal(r0.proto, 6);
    assert_int_equal(r0.l4port, 22);
    assert_int_equal(r0.dirs, MON_FROM_GUEST);
    assert_int_equal(r0.action, MON_DROP);
    assert_int_equal(r0.port_id, 1);
    assert_int_equal(m->rules[0].line, 13);
    assert_int_equal(m->rules[1].rule.action, MON_PASS);
    assert_int_equal(m->rules[1].rule.port_id, 0);
    assert_int_equal(m->rules[3].rule.proto, 47);
    assert_int_equal(m->hc_rate, 10);
    assert_int_equal(m->hc_burst, 5);
    assert_int_equal(m->guest_max_rules, 100000);
    assert_int_equal(m->notify_rate, 1000);
    assert_int_equal(m->notify_burst, 1);
    assert_int_equal(cfg.domains[0].max_rules, 10);
    vfd_config_free(&cfg);
}

static void test_defaults_and_absent(void **state)
{
    (void)state;
    struct vfd_config cfg;
    char err[512];
    assert_int_equal(load(&cfg, HEAD, err, sizeof(err)), 0);
    assert_true(cfg.mon.enabled);
    assert_string_equal(cfg.mon.pin_dir, MON_PIN_DIR_DEFAULT);
    assert_int_equal(cfg.mon.ev_rate, 100);
    assert_int_equal(cfg.mon.ev_burst, 20);
    assert_int_equal(cfg.mon.ev_queue, 256);
    assert_int_equal(cfg.mon.hc_rate, 50); /* the datapath's and hc's own defaults */
    assert_int_equal(cfg.mon.hc_burst, 20);
    assert_int_equal(cfg.mon.guest_max_rules, 64);
    assert_int_equal(cfg.mon.notify_rate, 5);
    assert_int_equal(cfg.mon.notify_burst, 10);
    assert_int_equal(cfg.mon.nports + cfg.mon.nrules, 0);
    assert_int_equal(cfg.domains[0].max_rules, 1024);
    vfd_config_free(&cfg);
    /* no [monitor]: no monitor, and the rest as before */
    assert_int_equal(
        load(&cfg, "[controller]\napps = hub\n[domain.m]\nkind = mgmt\n", err, sizeof(err)), 0);
    assert_false(cfg.mon.enabled);
    assert_int_equal(cfg.n_domains, 2);
    assert_int_equal(cfg.domains[1].max_rules, 0); /* mgmt owns no rules by default */
    vfd_config_free(&cfg);
}

static void test_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text; /* after HEAD (line 6 on) */
        const char *want; /* after "PATH:" */
    } cases[] = {
        {"rule = drop 10.0.0.1/24\n",
         "6: rule: address 10.0.0.1/24 has bits set beyond the prefix length (10.0.0.0/24 would "
         "be valid)"},
        {"rule = deny 10.0.0.1\n", "6: rule: unknown action 'deny' (drop or pass)"},
        {"rule = drop 10.0.0.1 proto icmp port 7\n",
         "6: rule: port 7 needs protocol tcp or udp, not icmp"},
        {"rule = drop 10.0.0.1 port 70000\n", "6: rule: bad port '70000' (1..65535 or any)"},
        {"rule = drop 10.0.0.1 dir sideways\n",
         "6: rule: unknown direction 'sideways' (from-guest, to-guest or both)"},
        {"rule =\n", "6: rule: empty rule"},
        {"port = 1 guest=g1 uplink=u1\nrule = drop 10.0.0.1 on 2\n",
         "7: rule: 'on 2' names a port that [monitor] does not configure"},
        {"rule = drop 10.0.0.1 port 22\nrule = drop 10.0.0.1 proto tcp port 22 dir both\n",
         "7: rule: repeats the rule of line 6"},
        {"rule = drop 10.0.0.1 port 22 dir from-guest\nrule = pass 10.0.0.1 port 22\n",
         "7: rule: has the same match (address, protocol, port, direction, guest port) as the "
         "rule of line 6"},
        {"port = 0 guest=g uplink=u\n", "6: port: expected a port id 1..4095 first, got '0'"},
        {"port = 4096 guest=g uplink=u\n", "6: port: expected a port id 1..4095 first, got '4096'"},
        {"port = guest=g uplink=u\n", "6: port: expected a port id 1..4095 first, got 'guest=g'"},
        {"port = 1 guest=g\n", "6: port 1: needs guest=IF and uplink=IF (or uplink=auto)"},
        {"port = 1 guest=g uplink=u mtu=9000\n",
         "6: port: unknown word 'mtu=9000' (guest=IF uplink=IF|auto [peer=IF] [switch=IF] "
         "[ipv4-only])"},
        {"port = 1 guest=g guest=h uplink=u\n", "6: port: guest given twice"},
        {"port = 1 guest=a/b uplink=u\n", "6: port: guest: 'a/b' is not an interface name"},
        {"port = 1 guest=abcdefghijklmnop uplink=u\n",
         "6: port: guest: 'abcdefghijklmnop' is not an interface name"},
        {"port = 1 guest=auto uplink=u\n", "6: port: guest: 'auto' is not an interface name"},
        {"port = 1 guest=g uplink=auto peer=p\n",
         "6: port 1: uplink=auto names the peer itself (vfm1s)"},
        {"port = 1 guest=g uplink=u peer=p switch=q\n",
         "6: port 1: switch=q differs from the peer p the switch sees"},
        {"port = 1 guest=g uplink=g\n", "6: port 1: guest, uplink and peer must be distinct"},
        {"port = 1 guest=g uplink=u\nport = 1 guest=h uplink=v\n",
         "7: port 1 is already configured on line 6"},
        {"port = 1 guest=g uplink=u\nport = 2 guest=h uplink=g\n",
         "7: port 2: interface g is already used by port 1 (line 6)"},
        {"pin_dir = relative/pins\n",
         "6: pin_dir: 'relative/pins' is not an absolute path of at most 199 bytes"},
        {"event_rate = 2000000\n", "6: event_rate: 2000000 is out of range 0..1000000"},
        {"event_burst = 0\n", "6: event_burst: 0 is out of range 1..1000000"},
        {"event_queue = lots\n", "6: event_queue: 'lots' is not a number"},
        {"rules = drop any\n", "6: unknown key 'rules' in [monitor]"},
        {"hypercall_rate = 0\n", "6: hypercall_rate: 0 is out of range 1..1000000"},
        {"hypercall_burst = 1000001\n", "6: hypercall_burst: 1000001 is out of range 1..1000000"},
        {"guest_max_rules = 100001\n", "6: guest_max_rules: 100001 is out of range 1..100000"},
        {"guest_max_rules = -1\n", "6: guest_max_rules: '-1' is not a number"},
        {"notify_rate = 0\n", "6: notify_rate: 0 is out of range 1..1000"},
        {"notify_burst = 1001\n", "6: notify_burst: 1001 is out of range 1..1000"},
        {"[domain.of]\nmax_rules = 70000\n", "7: max_rules: 70000 is out of range 0..65535"},
    };
    char text[1024], err[512], want[600];
    int bad = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct vfd_config cfg;
        snprintf(text, sizeof(text), HEAD "%s", cases[i].text);
        snprintf(want, sizeof(want), "%s:%s", path, cases[i].want);
        if (load(&cfg, text, err, sizeof(err)) != -1 || strcmp(err, want) != 0) {
            print_error("case %zu:\n got  '%s'\n want '%s'\n", i, err, want);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {T(test_valid), T(test_defaults_and_absent), T(test_errors)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
