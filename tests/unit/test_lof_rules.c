/*
 * test_lof_rules.c - the Lua `rules` module and the monitor_drop handler
 * against the fake host: every bad spec returns nil and a message naming the
 * field (and sends nothing); good specs reach the host as exact rules;
 * answers reach the callbacks (ids, errno-named errors, listings, ports);
 * drop events run the chain; a reload or a failing host drops callbacks
 * cleanly; callbacks run under the instruction budget.
 */
#include "test_lof_fake.h"

#define MAX_RQ 512

static struct lof_rule_req rq_seen[MAX_RQ];
static size_t n_rq;
static int host_rc;        /* what the fake host returns */
static int answer_at_once; /* answer inside rule_request (a host may) */

static int fake_rule_request(void *ctx, const struct lof_rule_req *rq)
{
    (void)ctx;
    if (host_rc) return host_rc;
    if (n_rq == MAX_RQ) fail_msg("too many rule requests");
    rq_seen[n_rq++] = *rq;
    if (answer_at_once) {
        struct lof_rule_info ri = {.id = 77, .rule = rq->rule, .owner = "domain:of"};
        lof_rule_answer(T->l, rq->token, 0, "", &ri, 1, 0);
    }
    return 0;
}

static const struct lof_mon_port ports[] = {{1, "vfg1h", "vfm1s"}, {7, "tap7", ""}};

static int setup(void **state)
{
    lt_setup(state);
    n_rq = 0;
    host_rc = 0;
    answer_at_once = 0;
    lt_rule_fn = fake_rule_request;
    assert_int_equal(lof_set_monitor(T->l, 1, ports, 2), 0);
    return 0;
}

static int setup_small(void **state)
{
    lt_setup_small_budget(state);
    n_rq = 0;
    host_rc = 0;
    answer_at_once = 0;
    lt_rule_fn = fake_rule_request;
    assert_int_equal(lof_set_monitor(T->l, 1, ports, 2), 0);
    return 0;
}

static int teardown(void **state)
{
    lt_rule_fn = NULL;
    return lt_teardown(state);
}

/* Runs lua from a timer, its show() lines recorded. */
static void run(const char *lua)
{
    lt_run_later(T, lua);
}

/* ---- validation ------------------------------------------------------------------------- */

static void test_bad_specs(void **state)
{
    (void)state;
    static const struct {
        const char *call, *want;
    } cases[] = {
        {"rules.add(nil, cb)", "nil|spec: expected a table, got nil"},
        {"rules.add('drop 10.0.0.1', cb)", "nil|spec: expected a table, got string"},
        {"rules.add({addr = '10.0.0.1', adr = 1}, cb)",
         "nil|spec: unknown field 'adr' (known: addr, proto, port, dir, action, on)"},
        {"rules.add({addr = '10.0.0.1', [1] = 2}, cb)",
         "nil|spec: unknown field (a number key) (known: addr, proto, port, dir, action, on)"},
        {"rules.add({}, cb)",
         "nil|addr: expected \"a.b.c.d\", \"a.b.c.d/n\" or \"any\", got nothing"},
        {"rules.add({addr = 167772161}, cb)",
         "nil|addr: expected \"a.b.c.d\", \"a.b.c.d/n\" or \"any\", got number"},
        {"rules.add({addr = '10.0.0.256'}, cb)",
         "nil|addr: expected \"a.b.c.d\", \"a.b.c.d/n\" or \"any\", got 10.0.0.256"},
        {"rules.add({addr = '10.0.0.0/33'}, cb)",
         "nil|addr: expected \"a.b.c.d\", \"a.b.c.d/n\" or \"any\", got 10.0.0.0/33"},
        {"rules.add({addr = ' 10.0.0.1'}, cb)",
         "nil|addr: expected \"a.b.c.d\", \"a.b.c.d/n\" or \"any\", got  10.0.0.1"},
        {"rules.add({addr = '10.0.0.1/24'}, cb)",
         "nil|addr: 10.0.0.1/24 has bits set beyond the prefix length (10.0.0.0/24 would be "
         "valid)"},
        {"rules.add({addr = 'any', proto = 'sctp'}, cb)",
         "nil|proto: expected \"tcp\", \"udp\", \"icmp\", \"any\" or 0..255, got sctp"},
        {"rules.add({addr = 'any', proto = 256}, cb)",
         "nil|proto: expected \"tcp\", \"udp\", \"icmp\", \"any\" or 0..255, got number"},
        {"rules.add({addr = 'any', proto = 6.5}, cb)",
         "nil|proto: expected \"tcp\", \"udp\", \"icmp\", \"any\" or 0..255, got number"},
        {"rules.add({addr = 'any', port = 0}, cb)",
         "nil|port: expected 1..65535 or \"any\", got number"},
        {"rules.add({addr = 'any', port = 65536}, cb)",
         "nil|port: expected 1..65535 or \"any\", got number"},
        {"rules.add({addr = 'any', port = '22'}, cb)",
         "nil|port: expected 1..65535 or \"any\", got 22"},
        {"rules.add({addr = 'any', proto = 'icmp', port = 22}, cb)",
         "nil|port: needs proto \"tcp\" or \"udp\", not 1"},
        {"rules.add({addr = 'any', proto = 'any', port = 22}, cb)",
         "nil|port: needs proto \"tcp\" or \"udp\", not 0"},
        {"rules.add({addr = 'any', dir = 'in'}, cb)",
         "nil|dir: expected \"from-guest\", \"to-guest\" or \"both\", got in"},
        {"rules.add({addr = 'any', action = 'deny'}, cb)",
         "nil|action: expected \"drop\" or \"pass\", got deny"},
        {"rules.add({addr = 'any', on = 4096}, cb)",
         "nil|on: expected a guest port id 1..4095 or 0 (every port), got number"},
        {"rules.add({addr = 'any', on = -1}, cb)",
         "nil|on: expected a guest port id 1..4095 or 0 (every port), got number"},
        {"rules.add({addr = 'any', on = 'all'}, cb)",
         "nil|on: expected a guest port id 1..4095 or 0 (every port), got all"},
        {"rules.add({addr = 'any'})", "nil|callback: expected a function, got no value"},
        {"rules.add({addr = 'any'}, 5)", "nil|callback: expected a function, got number"},
        {"rules.del(0, cb)", "nil|id: expected a rule id 1..131071, got number"},
        {"rules.del(131072, cb)", "nil|id: expected a rule id 1..131071, got number"},
        {"rules.del('3', cb)", "nil|id: expected a rule id 1..131071, got 3"},
        {"rules.del(3)", "nil|callback: expected a function, got no value"},
        {"rules.list()", "nil|callback: expected a function, got no value"},
        {"rules.list(cb, 0)", "nil|first: expected a rule id 1..131071, got number"},
    };
    char lua[512], want[600];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(lua, sizeof(lua), "local function cb() end show(%s)", cases[i].call);
        run(lua);
        snprintf(want, sizeof(want), "a/r: %s\n", cases[i].want);
        if (strcmp(T->records, want) != 0)
            fail_msg("case %zu %s:\n got  %s want %s", i, cases[i].call, T->records, want);
        lt_clear_records();
    }
    assert_int_equal(n_rq, 0); /* nothing reached the host */
}

static void test_no_monitor(void **state)
{
    (void)state;
    assert_int_equal(lof_set_monitor(T->l, 0, NULL, 0), 0);
    run("show(rules.add({addr = '10.0.0.1'}, print)) show(rules.del(1, print))\n"
        "show(rules.list(print)) show(#rules.ports())");
    lt_want_records("a/r: nil|rules.add: no monitor configured\n"
                    "a/r: nil|rules.del: no monitor configured\n"
                    "a/r: nil|rules.list: no monitor configured\n"
                    "a/r: 0\n");
    assert_int_equal(n_rq, 0);
}

/* ---- requests and answers ------------------------------------------------------------------ */

static void test_add_request_fields(void **state)
{
    (void)state;
    run("show(rules.add({addr = '10.0.0.5', port = 22, dir = 'from-guest', on = 1}, print))\n"
        "show(rules.add({addr = '10.1.0.0/16', proto = 'udp', port = 53, action = 'pass'}, "
        "print))\n"
        "show(rules.add({addr = 'any', proto = 47, dir = 'to-guest', on = 7}, print))\n"
        "show(rules.add({addr = '192.168.1.1/32', proto = 'icmp', port = 'any'}, print))");
    lt_want_records("a/r: true\na/r: true\na/r: true\na/r: true\n");
    assert_int_equal(n_rq, 4);
    const struct lof_rule want[] = {
        {0x0a000005, 32, 6, 22, LOF_DIR_FROM_GUEST, 1, 1},
        {0x0a010000, 16, 17, 53, LOF_DIR_BOTH, 0, 0},
        {0, 0, 47, 0, LOF_DIR_TO_GUEST, 1, 7},
        {0xc0a80101, 32, 1, 0, LOF_DIR_BOTH, 1, 0},
    };
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(rq_seen[i].op, LOF_RULE_ADD);
        assert_memory_equal(&rq_seen[i].rule, &want[i], sizeof(want[i]));
        assert_true(rq_seen[i].token != 0);
        if (i) assert_true(rq_seen[i].token != rq_seen[i - 1].token);
    }
}

static void test_answers(void **state)
{
    (void)state;
    run("rules.add({addr = '10.0.0.5', port = 22}, function(id, err) show('add', id, err) end)\n"
        "rules.add({addr = '10.0.0.6'}, function(id, err) show('add', id, err) end)\n"
        "rules.del(1, function(ok, err) show('del', ok, err) end)\n"
        "rules.del(2, function(ok, err) show('del', ok, err) end)\n"
        "rules.list(function(t, err, nxt) show('list', #t, err, nxt)\n"
        "  for _, r in ipairs(t) do show(r.id, r.owner, r.addr, r.plen, r.proto, r.port, r.dir,\n"
        "    r.action, r.on, r.packets, r.bytes) end end)\n"
        "rules.list(function(t, err, nxt) show('list2', t, err, nxt) end, 100)");
    assert_int_equal(n_rq, 6);
    assert_int_equal(rq_seen[2].op, LOF_RULE_DEL);
    assert_int_equal(rq_seen[2].id, 1);
    assert_int_equal(rq_seen[4].op, LOF_RULE_LIST);
    assert_int_equal(rq_seen[4].id, 1);
    assert_int_equal(rq_seen[5].id, 100);
    lt_clear_records();
    struct lof_rule_info added = {.id = 9, .rule = rq_seen[0].rule, .owner = "domain:of"};
    lof_rule_answer(T->l, rq_seen[0].token, 0, "", &added, 1, 0);
    lof_rule_answer(T->l, rq_seen[1].token, EEXIST, "rule 3 (owner admin) already has this match",
                    NULL, 0, 0);
    lof_rule_answer(T->l, rq_seen[2].token, 0, "", NULL, 0, 0);
    lof_rule_answer(T->l, rq_seen[3].token, EPERM,
                    "rule 2 belongs to admin; domain:of may delete only its own rules", NULL, 0, 0);
    struct lof_rule_info list[2] = {
        {3, {0x0a000000, 8, 6, 22, LOF_DIR_FROM_GUEST, 1, 1}, "admin", 12, 840},
        {9, {0, 0, 200, 0, LOF_DIR_BOTH, 0, 0}, "domain:of", 0, UINT32_MAX + 5ull}};
    lof_rule_answer(T->l, rq_seen[4].token, 0, "", list, 2, 64);
    lof_rule_answer(T->l, rq_seen[5].token, ENODEV, "no monitor configured", NULL, 0, 0);
    lof_rule_answer(T->l, rq_seen[5].token, 0, "", NULL, 0, 0); /* twice: nobody waits */
    lof_rule_answer(T->l, 99999, 0, "", NULL, 0, 0);            /* never asked */
    lt_want_records("a/r: add|9|nil\n"
                    "a/r: add|nil|EEXIST: rule 3 (owner admin) already has this match\n"
                    "a/r: del|true|nil\n"
                    "a/r: del|false|EPERM: rule 2 belongs to admin; domain:of may delete only its "
                    "own rules\n"
                    "a/r: list|2|nil|64\n"
                    "a/r: 3|admin|10.0.0.0|8|tcp|22|from-guest|drop|1|12|840\n"
                    "a/r: 9|domain:of|0.0.0.0|0|200|0|both|pass|0|0|4294967300\n"
                    "a/r: list2|nil|ENODEV: no monitor configured|nil\n");
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.rule_requests, 0);
}

static void test_ports(void **state)
{
    (void)state;
    run("for _, p in ipairs(rules.ports()) do show(p.id, p.guest, p.switch_port) end");
    lt_want_records("a/r: 1|vfg1h|vfm1s\na/r: 7|tap7|nil\n");
}

static void test_host_failures(void **state)
{
    (void)state;
    host_rc = -ENOMEM;
    run("show(rules.add({addr = 'any'}, print))");
    lt_want_records("a/r: nil|rules.add: Cannot allocate memory\n");
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.rule_requests, 0);
    lt_clear_records();
    host_rc = 0;
    answer_at_once = 1; /* the callback runs before rules.add returns */
    run("show('r', rules.add({addr = 'any'}, function(id) show('cb', id) end))");
    lt_want_records("a/r: cb|77\na/r: r|true\n");
}

static void test_pending_cap(void **state)
{
    (void)state;
    run("local n, last = 0\n"
        "for i = 1, 300 do local ok, err = rules.del(i, print) if ok then n = n + 1 else last = "
        "err "
        "end end\n"
        "show(n, last)");
    lt_want_records("a/r: 256|rules.del: too many pending rule requests (256)\n");
    assert_int_equal(n_rq, 256);
}

/* A reload drops the callbacks of the old apps; the answers that come later
 * reach nobody and break nothing. While a chunk loads, add and del refuse. */
static void test_reload_and_loading(void **state)
{
    (void)state;
    run("rules.add({addr = 'any'}, function(id) show('old', id) end)");
    assert_int_equal(n_rq, 1);
    lt_clear_records();
    lt_load1(T, "a",
             LT_SHOW_APP "show('load', rules.add({addr = 'any'}, print))\n"
                 "show('load', rules.list(function(t) show('listed', #t) end))\nreturn {}\n");
    lt_want_records("a/r: load|nil|rules.add: not while the apps load (use switch_up, reloaded or "
                    "a timer)\n"
                    "a/r: load|true\n");
    assert_int_equal(n_rq, 2);
    lt_clear_records();
    struct lof_rule_info ri = {.id = 5, .owner = "domain:of"};
    lof_rule_answer(T->l, rq_seen[0].token, 0, "", &ri, 1, 0);
    lof_rule_answer(T->l, rq_seen[1].token, 0, "", NULL, 0, 0);
    lt_want_records("a/r: listed|0\n");
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.rule_requests, 0);
}

/* Callbacks run with their own budget, and an error in one is counted. */
static void test_callback_budget(void **state)
{
    (void)state;
    run("rules.del(1, function() while true do end end)\n"
        "rules.del(2, function() error('boom') end)\n"
        "rules.del(3, function(ok) show('third', ok) end)");
    lt_clear_records();
    for (size_t i = 0; i < 3; i++)
        lof_rule_answer(T->l, rq_seen[i].token, 0, "", NULL, 0, 0);
    lt_want_records("a/r: third|true\n");
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.budget_trips, 1);
    assert_int_equal(st.handler_errors, 2);
    assert_true(lf_log_has(T, "rules.del failed"));
}

/* ---- monitor_drop ----------------------------------------------------------------------- */

static void test_monitor_drop(void **state)
{
    (void)state;
    static const char first[] =
        LT_SHOW_APP "local function dump(e) local k = {} for n in pairs(e) do k[#k + 1] = n end\n"
            "  table.sort(k) local o = {} for _, n in ipairs(k) do\n"
            "    o[#o + 1] = n .. '=' .. tostring(e[n]) end return table.concat(o, ' ') end\n"
            "return { monitor_drop = function(ev) vf.record('d', dump(ev))\n"
            "  return ev.reason == 'malformed' end }\n";
    static const char second[] =
        "return { monitor_drop = function(ev) vf.record('d', 'second ' .. ev.rule) end }\n";
    struct lof_app_src apps[] = {{"a", "a", first, sizeof(first) - 1, NULL, 0},
                                 {"b", "b", second, sizeof(second) - 1, NULL, 0}};
    char err[256];
    assert_int_equal(lt_load_list(T, apps, 2, err, sizeof(err)), 0);
    struct lof_drop e = {.ts_ns = 2500000000u,
                         .rule_id = 3,
                         .port = 1,
                         .dir = LOF_DIR_FROM_GUEST,
                         .proto = 6,
                         .saddr = 0x0a4d0001,
                         .daddr = 0x0a4d0002,
                         .sport = 40000,
                         .dport = 5001,
                         .len = 74,
                         .ethertype = 0x0800,
                         .limited = 2,
                         .lost = 1};
    lof_monitor_drop(T->l, &e);
    e = (struct lof_drop){
        .port = 7, .dir = LOF_DIR_TO_GUEST, .flags = LOF_DROP_MALFORMED, .ethertype = 0x0800};
    lof_monitor_drop(T->l, &e); /* the first app returns true: the chain stops */
    e = (struct lof_drop){.rule_id = 4,
                          .port = 7,
                          .dir = LOF_DIR_TO_GUEST,
                          .proto = 17,
                          .flags = LOF_DROP_FRAGMENT,
                          .ethertype = 0x0800};
    lof_monitor_drop(T->l, &e);
    lt_want_records(
        "a/d: dir=from-guest dport=5001 dst=10.77.0.2 ethertype=2048 fragment=false len=74 "
        "limited=2 lost=1 port=1 proto=6 reason=rule rule=3 sport=40000 src=10.77.0.1 ts=2.5\n"
        "b/d: second 3\n"
        "a/d: dir=to-guest dport=0 dst=0.0.0.0 ethertype=2048 fragment=false len=0 limited=0 "
        "lost=0 port=7 proto=0 reason=malformed rule=0 sport=0 src=0.0.0.0 ts=0.0\n"
        "a/d: dir=to-guest dport=0 dst=0.0.0.0 ethertype=2048 fragment=true len=0 limited=0 "
        "lost=0 port=7 proto=17 reason=rule rule=4 sport=0 src=0.0.0.0 ts=0.0\n"
        "b/d: second 4\n");
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.drops, 3);
}

static void test_monitor_drop_unknown_handler_name(void **state)
{
    (void)state;
    char err[256];
    static const char src[] = "return { monitor_drops = function() end }\n";
    struct lof_app_src a = {"a", "a.lua", src, sizeof(src) - 1, NULL, 0};
    assert_int_equal(lt_load_list(T, &a, 1, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "a.lua:1: unknown handler 'monitor_drops'"));
}

int main(void)
{
#define R(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        R(test_bad_specs),
        R(test_no_monitor),
        R(test_add_request_fields),
        R(test_answers),
        R(test_ports),
        R(test_host_failures),
        R(test_pending_cap),
        R(test_reload_and_loading),
        cmocka_unit_test_setup_teardown(test_callback_budget, setup_small, teardown),
        R(test_monitor_drop),
        R(test_monitor_drop_unknown_handler_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
