/*
 * test_lof_guest.c - the Lua `guest` module against the fake host: every bad
 * argument returns nil and a message naming it (and nothing reaches the
 * host); good notes reach the host field for field (kinds, defaults, the
 * longest text); no monitor, an unconfigured port, a failing host, a load in
 * progress and the rate limit are refused with their reason; a monitor_drop
 * handler can tell the attacked guest, as a port-scan app does.
 */
#include "test_lof_fake.h"

#define MAX_NOTES 512

static struct lof_guest_note seen[MAX_NOTES];
static size_t n_seen;
static int host_rc; /* what the fake host returns */

static int fake_notify(void *ctx, const struct lof_guest_note *n)
{
    (void)ctx;
    if (host_rc) return host_rc;
    if (n_seen == MAX_NOTES) fail_msg("too many notes");
    seen[n_seen++] = *n;
    return 0;
}

static const struct lof_mon_port ports[] = {{1, "vfg1h", "vfm1s"}, {7, "tap7", ""}};

static int setup(void **state)
{
    lt_setup(state);
    n_seen = 0;
    host_rc = 0;
    lt_notify_fn = fake_notify;
    assert_int_equal(lof_set_monitor(T->l, 1, ports, 2), 0);
    return 0;
}

static int teardown(void **state)
{
    lt_notify_fn = NULL;
    return lt_teardown(state);
}

/* Runs lua from a timer, its show() lines recorded. */
static void run(const char *lua)
{
    lt_run_later(T, lua);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    static const struct {
        const char *call, *want;
    } cases[] = {
        {"guest.notify()", "nil|port: expected a guest port id 1..4095, got no value"},
        {"guest.notify(0, 'x')", "nil|port: expected a guest port id 1..4095, got number"},
        {"guest.notify(4096, 'x')", "nil|port: expected a guest port id 1..4095, got number"},
        {"guest.notify(1.5, 'x')", "nil|port: expected a guest port id 1..4095, got number"},
        {"guest.notify('1', 'x')", "nil|port: expected a guest port id 1..4095, got 1"},
        {"guest.notify(1)", "nil|text: expected a string, got no value"},
        {"guest.notify(1, 42)", "nil|text: expected a string, got number"},
        {"guest.notify(1, string.rep('x', 65))", "nil|text: 65 bytes, at most 64"},
        {"guest.notify(1, 'a\\nb')", "nil|text: byte 2 (0x0a) is not printable ASCII"},
        {"guest.notify(1, '\\xe2\\x80\\x94 scan')",
         "nil|text: byte 1 (0xe2) is not printable ASCII"},
        {"guest.notify(1, 'x\\0')", "nil|text: byte 2 (0x00) is not printable ASCII"},
        {"guest.notify(1, 'x', 5)", "nil|opts: expected a table, got number"},
        {"guest.notify(1, 'x', {knd = 'info'})",
         "nil|opts: unknown field 'knd' (known: kind, attacker, mac, proto, port, rule)"},
        {"guest.notify(1, 'x', {[1] = 'info'})",
         "nil|opts: unknown field (a number key) (known: kind, attacker, mac, proto, port, rule)"},
        {"guest.notify(1, 'x', {kind = 'alert'})",
         "nil|opts.kind: expected \"scan-blocked\", \"blocked\", \"notice\" or \"info\", got "
         "alert"},
        {"guest.notify(1, 'x', {kind = 1})", "nil|opts.kind: expected \"scan-blocked\", "
                                             "\"blocked\", \"notice\" or \"info\", got number"},
        {"guest.notify(1, 'x', {attacker = '10.0.0.256'})",
         "nil|opts.attacker: expected an IPv4 address \"a.b.c.d\", got 10.0.0.256"},
        {"guest.notify(1, 'x', {attacker = '10.0.0.0/24'})",
         "nil|opts.attacker: expected an IPv4 address \"a.b.c.d\", got 10.0.0.0/24"},
        {"guest.notify(1, 'x', {attacker = 167772161})",
         "nil|opts.attacker: expected an IPv4 address \"a.b.c.d\", got number"},
        {"guest.notify(1, 'x', {mac = '02:00:00:00:00'})",
         "nil|opts.mac: expected \"aa:bb:cc:dd:ee:ff\", got 02:00:00:00:00"},
        {"guest.notify(1, 'x', {mac = '02-00-00-00-00-01'})",
         "nil|opts.mac: expected \"aa:bb:cc:dd:ee:ff\", got 02-00-00-00-00-01"},
        {"guest.notify(1, 'x', {mac = '02:00:00:00:00:0g'})",
         "nil|opts.mac: expected \"aa:bb:cc:dd:ee:ff\", got 02:00:00:00:00:0g"},
        {"guest.notify(1, 'x', {proto = 'sctp'})",
         "nil|opts.proto: expected \"tcp\", \"udp\", \"icmp\" or 0..255, got sctp"},
        {"guest.notify(1, 'x', {proto = 256})",
         "nil|opts.proto: expected \"tcp\", \"udp\", \"icmp\" or 0..255, got number"},
        {"guest.notify(1, 'x', {port = 65536})", "nil|opts.port: expected 0..65535, got number"},
        {"guest.notify(1, 'x', {port = -1})", "nil|opts.port: expected 0..65535, got number"},
        {"guest.notify(1, 'x', {port = '22'})", "nil|opts.port: expected 0..65535, got 22"},
        {"guest.notify(1, 'x', {rule = 131072})", "nil|opts.rule: expected 0..131071, got number"},
        {"guest.notify(9, 'x')", "nil|port: 9 is not a monitored guest port"},
    };
    char lua[512], want[600];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(lua, sizeof(lua), "show(%s)", cases[i].call);
        run(lua);
        snprintf(want, sizeof(want), "a/r: %s\n", cases[i].want);
        if (strcmp(T->records, want) != 0)
            fail_msg("case %zu %s:\n got  %s want %s", i, cases[i].call, T->records, want);
        lt_clear_records();
    }
    assert_int_equal(n_seen, 0); /* nothing reached the host */
}

static void test_notes_reach_the_host(void **state)
{
    (void)state;
    run("show(guest.notify(1, 'hello'))\n"
        "show(guest.notify(7, 'port scan from 10.0.0.66', {kind = 'scan-blocked',\n"
        "  attacker = '10.0.0.66', mac = '02:AB:cd:00:00:42', proto = 'tcp', port = 22,\n"
        "  rule = 131071}))\n"
        "show(guest.notify(1, '', {kind = 'blocked', proto = 47}))\n"
        "show(guest.notify(1, string.rep('~', 63) .. ' ', {kind = 'info'}))\n"
        "show(guest.notify(1, 'n', {kind = 'notice', proto = 'udp', port = 0, rule = 0}))");
    lt_want_records("a/r: true\na/r: true\na/r: true\na/r: true\na/r: true\n");
    assert_int_equal(n_seen, 5);
    assert_int_equal(seen[0].port, 1);
    assert_int_equal(seen[0].kind, LOF_NOTE_NOTICE); /* the default */
    assert_int_equal(seen[0].addr, 0);
    assert_int_equal(seen[0].proto, 0);
    assert_memory_equal(seen[0].mac, "\0\0\0\0\0\0", 6);
    assert_string_equal(seen[0].text, "hello");
    assert_int_equal(seen[1].port, 7);
    assert_int_equal(seen[1].kind, LOF_NOTE_SCAN_BLOCKED);
    assert_int_equal(seen[1].addr, 0x0a000042);
    assert_memory_equal(seen[1].mac, "\x02\xab\xcd\x00\x00\x42", 6);
    assert_int_equal(seen[1].proto, 6);
    assert_int_equal(seen[1].l4port, 22);
    assert_int_equal(seen[1].rule, 131071);
    assert_string_equal(seen[1].text, "port scan from 10.0.0.66");
    assert_int_equal(seen[2].kind, LOF_NOTE_BLOCKED);
    assert_int_equal(seen[2].proto, 47);
    assert_string_equal(seen[2].text, "");
    assert_int_equal(seen[3].kind, LOF_NOTE_NOTICE); /* "info" is "notice" */
    assert_int_equal(strlen(seen[3].text), 64);
    assert_int_equal(seen[4].proto, 17);
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.guest_notes, 5);
}

static void test_refusals(void **state)
{
    (void)state;
    host_rc = -EIO;
    run("show(guest.notify(1, 'x'))");
    lt_want_records("a/r: nil|guest.notify: Input/output error\n");
    lt_clear_records();
    host_rc = -ENODEV;
    run("show(guest.notify(1, 'x'))");
    lt_want_records("a/r: nil|guest.notify: no monitor configured\n");
    lt_clear_records();
    host_rc = 0;
    /* While the chunk loads: refused (a load that fails must not have told a
     * guest anything); from a timer of the same app: sent. */
    lt_load1(T, "a",
             LT_SHOW_APP "show('load', guest.notify(1, 'x'))\n"
                 "vf.after(0, function() show('timer', guest.notify(1, 'y')) end)\nreturn {}\n");
    lt_advance(T, 20);
    lt_want_records("a/r: load|nil|guest.notify: not while the apps load (use switch_up, "
                    "reloaded or a timer)\n"
                    "a/r: timer|true\n");
    assert_int_equal(n_seen, 1);
    assert_string_equal(seen[0].text, "y");
    lt_clear_records();
    assert_int_equal(lof_set_monitor(T->l, 0, NULL, 0), 0);
    run("show(guest.notify(1, 'x'))");
    lt_want_records("a/r: nil|guest.notify: no monitor configured\n");
    assert_int_equal(n_seen, 1);
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.guest_notes, 1);
}

static void test_rate_limit(void **state)
{
    (void)state;
    char want[128];
    run("local n, last = 0\n"
        "for i = 1, 250 do local ok, err = guest.notify(1, 'n' .. i)\n"
        "  if ok then n = n + 1 else last = err end end\n"
        "show(n, last)");
    snprintf(want, sizeof(want), "a/r: %d|guest.notify: more than %d notes a second\n",
             LOF_NOTIFY_RATE, LOF_NOTIFY_RATE);
    lt_want_records(want);
    assert_int_equal(n_seen, LOF_NOTIFY_RATE);
    lt_clear_records();
    lt_advance(T, 100); /* a tenth of a second: a tenth of the bucket */
    run("local n = 0 for i = 1, 250 do if guest.notify(7, 'm') then n = n + 1 end end show(n)");
    /* 100 ms of refill, plus the 20 ms run() itself advances */
    snprintf(want, sizeof(want), "a/r: %d\n", LOF_NOTIFY_RATE * 120 / 1000);
    lt_want_records(want);
}

/* The way a port-scan app tells its victim (lua/apps/portscan.lua's
 * notify_victim calls guest.notify(port_id, text)). */
static void test_from_monitor_drop(void **state)
{
    (void)state;
    lt_load1(
        T, "a",
        "return { monitor_drop = function(ev)\n"
        "  if ev.dir ~= 'to-guest' then return end\n"
        "  local ok, err = guest.notify(ev.port, 'blocked ' .. ev.src .. ' port ' .. ev.dport,\n"
        "    { kind = 'blocked', attacker = ev.src, proto = ev.proto, port = ev.dport,\n"
        "      rule = ev.rule })\n"
        "  vf.record('n', tostring(ok) .. '|' .. tostring(err)) end }\n");
    struct lof_drop e = {.rule_id = 3,
                         .port = 7,
                         .dir = LOF_DIR_TO_GUEST,
                         .proto = 6,
                         .saddr = 0x0a4d0002,
                         .daddr = 0x0a4d0001,
                         .sport = 40000,
                         .dport = 23,
                         .ethertype = 0x0800};
    lof_monitor_drop(T->l, &e);
    lt_want_records("a/n: true|nil\n");
    assert_int_equal(n_seen, 1);
    assert_int_equal(seen[0].port, 7);
    assert_int_equal(seen[0].kind, LOF_NOTE_BLOCKED);
    assert_int_equal(seen[0].addr, 0x0a4d0002);
    assert_int_equal(seen[0].l4port, 23);
    assert_int_equal(seen[0].rule, 3);
    assert_string_equal(seen[0].text, "blocked 10.77.0.2 port 23");
}

int main(void)
{
#define R(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        R(test_bad_arguments), R(test_notes_reach_the_host), R(test_refusals),
        R(test_rate_limit),    R(test_from_monitor_drop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
