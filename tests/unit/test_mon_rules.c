/*
 * test_mon_rules.c - rule and owner validation with their exact messages, the
 * text form both ways, and (as root) what the table refuses: duplicates,
 * another owner's rules, a guest reaching beyond its port, a full table.
 */
#include "mon_harness.h"

static void expect_parse_error(const char *text, const char *msg)
{
    char err[MON_ERR_LEN] = "";
    struct mon_rule r;
    int rc = mon_rule_parse(text, &r, err, sizeof(err));
    if (rc != -EINVAL || strcmp(err, msg) != 0) print_message("'%s' -> %d '%s'\n", text, rc, err);
    assert_int_equal(rc, -EINVAL);
    assert_string_equal(err, msg);
}

static void expect_text(const char *text, const char *canonical)
{
    char err[MON_ERR_LEN] = "", out[128];
    struct mon_rule r, again;
    int rc = mon_rule_parse(text, &r, err, sizeof(err));
    if (rc) print_message("'%s': %s\n", text, err);
    assert_int_equal(rc, 0);
    mon_rule_format(&r, out, sizeof(out));
    assert_string_equal(out, canonical);
    assert_int_equal(mon_rule_parse(out, &again, err, sizeof(err)), 0);
    assert_memory_equal(&r, &again, sizeof(r));
}

static void test_parse_forms(void **state)
{
    (void)state;
    /* The paper's rule: an address and a TCP port, either end, both ways. */
    expect_text("drop 10.0.0.2 port 5001", "drop 10.0.0.2/32 proto tcp port 5001 dir both on all");
    expect_text("pass 10.0.0.0/8", "pass 10.0.0.0/8 proto any port any dir both on all");
    expect_text("drop any proto icmp dir to-guest on 7",
                "drop 0.0.0.0/0 proto icmp port any dir to-guest on 7");
    expect_text("drop 192.168.1.0/24 proto udp port 53 dir from-guest on all",
                "drop 192.168.1.0/24 proto udp port 53 dir from-guest on all");
    expect_text("pass 1.2.3.4/32 proto 47", "pass 1.2.3.4/32 proto 47 port any dir both on all");
    expect_text("  drop\t10.0.0.1   on 4095  ",
                "drop 10.0.0.1/32 proto any port any dir both on 4095");
}

static void test_parse_errors(void **state)
{
    (void)state;
    expect_parse_error("", "empty rule");
    expect_parse_error("deny 10.0.0.1", "unknown action 'deny' (drop or pass)");
    expect_parse_error("drop", "missing address after 'drop'");
    expect_parse_error("drop 10.0.0", "bad address '10.0.0' (an IPv4 address, ADDR/LEN or any)");
    expect_parse_error("drop 10.0.0.256",
                       "bad address '10.0.0.256' (an IPv4 address, ADDR/LEN or any)");
    expect_parse_error("drop 10.0.0.0/33", "bad prefix length '/33' (0..32)");
    expect_parse_error("drop 10.0.0.0/", "bad prefix length '/' (0..32)");
    expect_parse_error("drop 10.0.0.0/08", "bad prefix length '/08' (0..32)");
    expect_parse_error("drop 10.0.0.1/24",
                       "address 10.0.0.1/24 has bits set beyond the prefix length "
                       "(10.0.0.0/24 would be valid)");
    expect_parse_error("drop 0.0.0.1/0", "address 0.0.0.1/0 has bits set beyond the prefix length "
                                         "(0.0.0.0/0 would be valid)");
    expect_parse_error("drop 10.0.0.1 proto icmp port 7",
                       "port 7 needs protocol tcp or udp, not icmp");
    expect_parse_error("drop 10.0.0.1 proto any port 7",
                       "port 7 needs protocol tcp or udp, not any");
    expect_parse_error("drop 10.0.0.1 proto 47 port 7", "port 7 needs protocol tcp or udp, not 47");
    expect_parse_error("drop 10.0.0.1 port 0", "bad port '0' (1..65535 or any)");
    expect_parse_error("drop 10.0.0.1 port 65536", "bad port '65536' (1..65535 or any)");
    expect_parse_error("drop 10.0.0.1 port -1", "bad port '-1' (1..65535 or any)");
    expect_parse_error("drop 10.0.0.1 proto gre",
                       "unknown protocol 'gre' (tcp, udp, icmp, any or 0..255)");
    expect_parse_error("drop 10.0.0.1 proto 256",
                       "unknown protocol '256' (tcp, udp, icmp, any or 0..255)");
    expect_parse_error("drop 10.0.0.1 dir in",
                       "unknown direction 'in' (from-guest, to-guest or both)");
    expect_parse_error("drop 10.0.0.1 on 0", "bad port id '0' (1..4095 or all)");
    expect_parse_error("drop 10.0.0.1 on 4096", "bad port id '4096' (1..4095 or all)");
    expect_parse_error("drop 10.0.0.1 port", "'port' needs a value");
    expect_parse_error("drop 10.0.0.1 port 1 port 2", "'port' given twice");
    expect_parse_error("drop 10.0.0.1 via eth0", "unknown keyword 'via' (proto, port, dir or on)");
    char longtext[400];
    memset(longtext, 'a', sizeof(longtext) - 1);
    longtext[sizeof(longtext) - 1] = '\0';
    expect_parse_error(longtext, "rule text longer than 255 bytes");
}

static void expect_check_error(const struct mon_rule *r, const char *msg)
{
    char err[MON_ERR_LEN] = "";
    assert_int_equal(mon_rule_check(r, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, msg);
}

static void test_check_struct(void **state)
{
    (void)state;
    struct mon_rule ok = {.addr = htonl(0x0a000000), .plen = 8, .dirs = MON_BOTH};
    char err[MON_ERR_LEN];
    assert_int_equal(mon_rule_check(&ok, err, sizeof(err)), 0);
    struct mon_rule r = ok;
    r.plen = 40;
    expect_check_error(&r, "prefix length 40 is out of range 0..32");
    r = ok, r.dirs = 0;
    expect_check_error(&r, "direction must be from-guest, to-guest or both");
    r = ok, r.dirs = 4;
    expect_check_error(&r, "direction must be from-guest, to-guest or both");
    r = ok, r.action = 2;
    expect_check_error(&r, "action must be drop or pass");
    r = ok, r.port_id = 4096;
    expect_check_error(&r, "port id 4096 is out of range 1..4095 (0: every port)");
    r = ok, r.l4port = 80;
    expect_check_error(&r, "port 80 needs protocol tcp or udp, not any");
}

static void expect_owner_error(const char *owner, const char *msg)
{
    char err[MON_ERR_LEN] = "";
    assert_int_equal(mon_owner_check(owner, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, msg);
}

static void test_owners(void **state)
{
    (void)state;
    char err[MON_ERR_LEN];
    assert_int_equal(mon_owner_check("admin", err, sizeof(err)), 0);
    assert_int_equal(mon_owner_check("domain:of", err, sizeof(err)), 0);
    assert_int_equal(mon_owner_check("domain:port-scan_2.x", err, sizeof(err)), 0);
    assert_int_equal(mon_owner_check("guest:1", err, sizeof(err)), 0);
    assert_int_equal(mon_owner_check("guest:4095", err, sizeof(err)), 0);
    expect_owner_error(NULL, "no owner given");
    expect_owner_error("root", "owner 'root' is not admin, domain:NAME or guest:ID");
    expect_owner_error("Admin", "owner 'Admin' is not admin, domain:NAME or guest:ID");
    expect_owner_error("domain:", "owner 'domain:': domain name must be 1..31 characters");
    expect_owner_error("domain:0123456789012345678901234567890123",
                       "owner 'domain:012345678901234567890123456789012': domain name must "
                       "be 1..31 characters"); /* long owners are cut to 40 in messages */
    expect_owner_error("domain:a b", "owner 'domain:a b': domain name may hold only letters, "
                                     "digits, '_', '.', '-'");
    expect_owner_error("guest:0", "owner 'guest:0': guest port id must be 1..4095");
    expect_owner_error("guest:4096", "owner 'guest:4096': guest port id must be 1..4095");
    expect_owner_error("guest:07", "owner 'guest:07': guest port id must be 1..4095");
    expect_owner_error("guest:3x", "owner 'guest:3x': guest port id must be 1..4095");
    expect_owner_error("guest:", "owner 'guest:': guest port id must be 1..4095");
}

/* ---- the table's refusals (root) ------------------------------------------------ */

static void expect_add(struct mon *m, const char *text, const char *owner, int rc, const char *msg)
{
    char err[MON_ERR_LEN];
    struct mon_rule r;
    assert_int_equal(mon_rule_parse(text, &r, err, sizeof(err)), 0);
    int got = mon_rule_add(m, &r, owner, NULL);
    if (got != rc || strcmp(mon_error(m), msg) != 0)
        print_message("add '%s' as %s -> %d '%s'\n", text, owner, got, mon_error(m));
    assert_int_equal(got, rc);
    assert_string_equal(mon_error(m), msg);
}

static void test_table_refusals(void **state)
{
    (void)state;
    MH_NEED_ROOT();
    struct mon *m = mh_open();
    uint32_t a = mh_add(m, "drop 10.0.0.2 port 5001", "admin");
    uint32_t d = mh_add(m, "drop 10.0.0.0/24 proto udp dir to-guest", "domain:of");
    uint32_t g = mh_add(m, "drop 10.9.9.9 on 3", "guest:3");

    /* Same match in the same tier: refused, naming the holder. */
    char msg[160];
    snprintf(msg, sizeof(msg), "rule %u (owner admin) already has this match from the guest", a);
    expect_add(m, "pass 10.0.0.2 port 5001 dir from-guest", "admin", -EEXIST, msg);
    snprintf(msg, sizeof(msg), "rule %u (owner domain:of) already has this match to the guest", d);
    expect_add(m, "drop 10.0.0.0/24 proto udp", "domain:other", -EEXIST, msg);
    /* ... but another tier may hold the same match. */
    uint32_t a2 = mh_add(m, "drop 10.0.0.0/24 proto udp dir to-guest", "admin");
    /* A prefix and a longer one are different matches. */
    mh_add(m, "drop 10.0.0.0/25 proto udp dir to-guest", "domain:of");

    /* Guests stay on their own port. */
    expect_add(m, "drop 1.2.3.4", "guest:3", -EPERM,
               "owner guest:3 may add rules only on its own port 3, not on every port");
    expect_add(m, "drop 1.2.3.4 on 4", "guest:3", -EPERM,
               "owner guest:3 may add rules only on its own port 3, not on port 4");
    expect_add(m, "drop 1.2.3.4 on 3", "guest:x", -EINVAL,
               "owner 'guest:x': guest port id must be 1..4095");

    /* Deleting: only one's own; admin anything. */
    assert_int_equal(mon_rule_del(m, a, "guest:3"), -EPERM);
    snprintf(msg, sizeof(msg), "rule %u belongs to admin; guest:3 may delete only its own rules",
             a);
    assert_string_equal(mon_error(m), msg);
    assert_int_equal(mon_rule_del(m, d, "domain:other"), -EPERM);
    assert_int_equal(mon_rule_del(m, g, "guest:4"), -EPERM);
    assert_int_equal(mon_rule_del(m, g, "guest:3"), 0);
    assert_int_equal(mon_rule_del(m, g, "guest:3"), -ENOENT);
    snprintf(msg, sizeof(msg), "no rule %u", g);
    assert_string_equal(mon_error(m), msg);
    assert_int_equal(mon_rule_del(m, 0, "admin"), -ENOENT);
    assert_int_equal(mon_rule_del(m, 999999, "admin"), -ENOENT);
    assert_int_equal(mon_rule_del(m, d, "domain:of"), 0);
    assert_int_equal(mon_rule_del(m, a, "admin"), 0);
    assert_int_equal(mon_rule_del(m, a2, "admin"), 0);
    assert_int_equal(mon_rule_del(m, 1, "nobody"), -EINVAL);

    /* A bad rule through the struct API is refused the same way. */
    struct mon_rule bad = {.addr = htonl(0x0a000001), .plen = 24, .dirs = MON_BOTH};
    assert_int_equal(mon_rule_add(m, &bad, "admin", NULL), -EINVAL);
    assert_string_equal(mon_error(m), "address 10.0.0.1/24 has bits set beyond the prefix "
                                      "length (10.0.0.0/24 would be valid)");
    assert_int_equal(mon_destroy(m), 0);
}

static void test_read_only_refuses_writes(void **state)
{
    (void)state;
    MH_NEED_ROOT();
    struct mon *w = mh_open(), *r = NULL;
    char err[MON_ERR_LEN];
    /* A second writer is refused while the first holds the lock. */
    struct mon *w2 = NULL;
    assert_int_equal(mon_open(&w2, mh_pin, 0, err, sizeof(err)), -EBUSY);
    assert_non_null(strstr(err, "is in use by another writer"));
    assert_int_equal(mon_open(&r, mh_pin, MON_OPEN_RDONLY, err, sizeof(err)), 0);
    struct mon_rule rule = {.dirs = MON_BOTH};
    assert_int_equal(mon_rule_add(r, &rule, "admin", NULL), -EROFS);
    assert_int_equal(mon_rule_del(r, 1, "admin"), -EROFS);
    assert_int_equal(mon_detach_port(r, 1), -EROFS);
    mon_close(r);
    assert_int_equal(mon_destroy(w), 0);
    /* Nothing pinned any more: a reader finds no monitor. */
    assert_int_equal(mon_open(&r, mh_pin, MON_OPEN_RDONLY, err, sizeof(err)), -ENOENT);
}

static void test_open_bad_dir(void **state)
{
    (void)state;
    MH_NEED_ROOT();
    char err[MON_ERR_LEN];
    struct mon *m;
    assert_int_equal(mon_open(&m, "relative/dir", 0, err, sizeof(err)), -EINVAL);
    assert_int_equal(mon_open(&m, "/tmp/not-bpffs-vf", 0, err, sizeof(err)), -ENOTSUP);
    assert_string_equal(err, "/tmp is not on a bpf filesystem");
    assert_null(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_forms),    cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_check_struct),   cmocka_unit_test(test_owners),
        cmocka_unit_test(test_table_refusals), cmocka_unit_test(test_read_only_refuses_writes),
        cmocka_unit_test(test_open_bad_dir),
    };
    return cmocka_run_group_tests(tests, NULL, mh_cleanup);
}
