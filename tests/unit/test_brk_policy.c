/*
 * test_brk_policy.c - the broker's policy rules: parsing (good rules format
 * back to themselves, bad ones are refused with a reason), matching of
 * addresses, prefixes, port ranges and wildcards, and malformed entries in a
 * configuration file naming file:line.
 */
#include "unit.h"

#include "brk/brk.h"

static void test_parse_format(void **state)
{
    static const struct {
        const char *in, *out;
    } ok[] = {
        {"127.0.0.1:6653", "127.0.0.1:6653"},
        {"10.0.0.0/8:7000-7010", "10.0.0.0/8:7000-7010"},
        {"0.0.0.0/0:*", "0.0.0.0/0:*"},
        {"[::1]:*", "[::1]:*"},
        {"[fd00::/8]:443", "[fd00::/8]:443"},
        {"*:6653", "*:6653"},
        {"*:*", "*:*"},
        {"192.168.1.128/25:1-65535", "192.168.1.128/25:1-65535"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct brk_rule r;
        char err[160] = "", out[BRK_TEXT_MAX];
        if (brk_rule_parse(ok[i].in, &r, err, sizeof(err)) != 0) fail_msg("%s: %s", ok[i].in, err);
        brk_rule_format(&r, out, sizeof(out));
        assert_string_equal(out, ok[i].out);
    }
}

static void test_parse_bad(void **state)
{
    static const struct {
        const char *in, *why;
    } bad[] = {
        {"127.0.0.1", "'127.0.0.1' is not HOST:PORT"},
        {":80", "':80' is not HOST:PORT"},
        {"127.0.0.1:70000", "bad port '70000' (1..65535, LOW-HIGH or *)"},
        {"127.0.0.1:0", "bad port '0' (1..65535, LOW-HIGH or *)"},
        {"127.0.0.1:", "bad port '' (1..65535, LOW-HIGH or *)"},
        {"127.0.0.1:+80", "bad port '+80' (1..65535, LOW-HIGH or *)"},
        {"127.0.0.1:10-5", "empty port range '10-5'"},
        {"127.0.0.1:10-", "bad port '10-' (1..65535, LOW-HIGH or *)"},
        {"10.0.0.1/8:1", "address '10.0.0.1' has bits set past its prefix"},
        {"10.0.0.0/33:1", "prefix length '/33' too long"},
        {"10.0.0.0/:1", "bad prefix length '/'"},
        {"10.0.0.0/a:1", "bad prefix length '/a'"},
        {"[::1/129]:1", "prefix length '/129' too long"},
        {"::1:80", "'::1:80': an IPv6 host needs [brackets]"},
        {"[::1:80", "'[::1:80': missing ']'"},
        {"localhost:80", "bad IPv4 address 'localhost'"},
        {"[nope]:80", "bad IPv6 address 'nope'"},
        {"1.2.3:80", "bad IPv4 address '1.2.3'"},
        {"**:80", "bad IPv4 address '**'"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct brk_rule r;
        char err[160] = "";
        assert_int_equal(brk_rule_parse(bad[i].in, &r, err, sizeof(err)), -1);
        if (strcmp(err, bad[i].why)) fail_msg("%s: '%s', want '%s'", bad[i].in, err, bad[i].why);
    }
}

static void test_match(void **state)
{
    static const struct {
        const char *rule, *addr;
        bool want;
    } cases[] = {
        {"127.0.0.1:6653", "127.0.0.1:6653", true},
        {"127.0.0.1:6653", "127.0.0.1:6654", false},
        {"127.0.0.1:6653", "127.0.0.2:6653", false},
        {"127.0.0.1:6653", "0.0.0.0:6653", false}, /* every address is not 127.0.0.1 */
        {"127.0.0.1:6653", "[::1]:6653", false},
        {"127.0.0.1:*", "127.0.0.1:0", true}, /* a port the kernel picks */
        {"127.0.0.1:1-65535", "127.0.0.1:0", false},
        {"10.0.0.0/8:7000-7010", "10.255.1.2:7000", true},
        {"10.0.0.0/8:7000-7010", "10.255.1.2:7010", true},
        {"10.0.0.0/8:7000-7010", "10.255.1.2:7011", false},
        {"10.0.0.0/8:7000-7010", "11.0.0.1:7005", false},
        {"192.168.1.128/25:*", "192.168.1.200:1", true},
        {"192.168.1.128/25:*", "192.168.1.127:1", false},
        {"0.0.0.0/0:80", "8.8.8.8:80", true},
        {"0.0.0.0/0:80", "[::1]:80", false},
        {"0.0.0.0:6653", "0.0.0.0:6653", true},
        {"*:6653", "[fe80::1]:6653", true},
        {"*:6653", "1.2.3.4:6653", true},
        {"*:6653", "1.2.3.4:6652", false},
        {"[fd00::/8]:443", "[fdff::1]:443", true},
        {"[fd00::/8]:443", "[fe00::1]:443", false},
        {"[::1]:*", "[::ffff:127.0.0.1]:80", false}, /* v4-mapped is another address */
        {"[::/0]:*", "[::ffff:127.0.0.1]:80", true},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct brk_rule r;
        struct msg_addr a;
        char err[160];
        assert_int_equal(brk_rule_parse(cases[i].rule, &r, err, sizeof(err)), 0);
        if (brk_addr_parse(cases[i].addr, &a, err, sizeof(err)) != 0)
            fail_msg("%s: %s", cases[i].addr, err);
        if (brk_rule_match(&r, &a) != cases[i].want)
            fail_msg("%s vs %s: want %d", cases[i].rule, cases[i].addr, cases[i].want);
    }
    /* An empty list allows nothing; a list allows what any rule allows. */
    struct brk_list list = {.n = 0};
    struct msg_addr a;
    char err[160];
    assert_int_equal(brk_addr_parse("127.0.0.1:7000", &a, err, sizeof(err)), 0);
    assert_false(brk_list_allows(&list, &a));
    assert_int_equal(brk_rule_parse("10.0.0.0/8:*", &list.v[list.n++], err, sizeof(err)), 0);
    assert_false(brk_list_allows(&list, &a));
    assert_int_equal(brk_rule_parse("127.0.0.1:7000", &list.v[list.n++], err, sizeof(err)), 0);
    assert_true(brk_list_allows(&list, &a));
}

/* Rules as they arrive from a configuration file. */
static int list_from(const char *text, struct brk_list *list, char *err, size_t errcap)
{
    struct conf c;
    memset(list, 0, sizeof(*list));
    if (conf_parse(&c, "vf.conf", text, strlen(text), err, errcap) != 0) return -2;
    int rc = 0;
    for (size_t i = 0; i < c.n && rc == 0; i++)
        rc = brk_list_add(list, &c.v[i], c.origin, err, errcap);
    conf_free(&c);
    return rc;
}

static void test_config_entries(void **state)
{
    struct brk_list list;
    char err[256] = "", text[4096];
    (void)state;
    assert_int_equal(list_from("[domain.of]\nconnect_allow = 127.0.0.1:7000, [::1]:7000-7001\n"
                               "connect_allow = 10.1.0.0/16:*\n",
                               &list, err, sizeof(err)),
                     0);
    assert_int_equal(list.n, 3);
    assert_int_equal(list_from("[domain.of]\nlisten_allow = 127.0.0.1:6653\n"
                               "listen_allow = 127.0.0.1:6653, 10.0.0.0/33:1\n",
                               &list, err, sizeof(err)),
                     -1);
    assert_string_equal(err, "vf.conf:3: listen_allow: rule '10.0.0.0/33:1': prefix length '/33' "
                             "too long");
    assert_int_equal(
        list_from("[domain.of]\n\nconnect_allow = 127.0.0.1\n", &list, err, sizeof(err)), -1);
    assert_string_equal(err,
                        "vf.conf:3: connect_allow: rule '127.0.0.1': '127.0.0.1' is not HOST:PORT");
    assert_int_equal(list_from("[domain.of]\nconnect_allow = 127.0.0.1:1,,127.0.0.1:2\n", &list,
                               err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "vf.conf:2:"));
    /* 33 rules: one too many for a list. */
    size_t o = (size_t)snprintf(text, sizeof(text), "[domain.of]\nconnect_allow = ");
    for (int i = 0; i < BRK_RULES_MAX + 1; i++)
        o +=
            (size_t)snprintf(text + o, sizeof(text) - o, "%s127.0.0.1:%d", i ? ", " : "", 1000 + i);
    snprintf(text + o, sizeof(text) - o, "\n");
    assert_int_equal(list_from(text, &list, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "vf.conf:2: "));
}

static void test_addr_text(void **state)
{
    struct msg_addr a;
    char err[160], out[BRK_TEXT_MAX];
    (void)state;
    assert_int_equal(brk_addr_parse("[::1]:6653", &a, err, sizeof(err)), 0);
    assert_int_equal(a.family, MSG_AF_INET6);
    brk_addr_format(&a, out, sizeof(out));
    assert_string_equal(out, "[::1]:6653");
    assert_int_equal(brk_addr_parse("127.0.0.1:6653", &a, err, sizeof(err)), 0);
    brk_addr_format(&a, out, sizeof(out));
    assert_string_equal(out, "127.0.0.1:6653");
    assert_int_equal(brk_addr_parse("example.org:80", &a, err, sizeof(err)), -1);
    memset(&a, 0, sizeof(a));
    brk_addr_format(&a, out, sizeof(out));
    assert_string_equal(out, "-");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_format), cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_match),        cmocka_unit_test(test_config_entries),
        cmocka_unit_test(test_addr_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
