/*
 * test_lof_host.c - the app host itself, over the fake engine: the handler
 * chain (order, stopping, connection events), separate environments, the
 * sandbox (a runaway or memory-hungry handler is cut off, logged, counted,
 * and the next event is handled), timers, configuration, records, logging.
 */
#include "test_lof_fake.h"

static const uint8_t *tcp_frame(size_t *len, uint16_t dport)
{
    static uint8_t f[128];
    *len = lf_frame(f, "00:00:00:00:00:01", "00:00:00:00:00:02", 0x0a000001, 0x0a000002, 6, 1234,
                    dport);
    return f;
}

static void test_chain_order_and_stop(void **state)
{
    (void)state;
    const char *a = "return { switch_up = function(sw) vf.record('t', 'a up') return true end,\n"
                    "  packet_in = function(sw, p) vf.record('t', 'a ' .. p.tp_dst)\n"
                    "    if p.tp_dst == 22 then return true end end }\n";
    const char *b =
        "return { switch_up = function(sw) vf.record('t', 'b up') end,\n"
        "  packet_in = function(sw, p) vf.record('t', 'b ' .. p.tp_dst) return 1 end }\n";
    const char *c = "return { packet_in = function(sw, p) vf.record('t', 'c ' .. p.tp_dst) end }\n";
    struct lof_app_src apps[] = {{"a", "a.lua", a, strlen(a), NULL, 0},
                                 {"b", "b.lua", b, strlen(b), NULL, 0},
                                 {"c", "c.lua", c, strlen(c), NULL, 0}};
    char err[256];
    assert_int_equal(lt_load_list(T, apps, 3, err, sizeof err), 0);
    struct ofc_switch *sw = lf_switch_up(T, 1, 2);
    size_t len;
    const uint8_t *f = tcp_frame(&len, 80);
    lf_packet_in(T, sw, 1, f, len, OFP10_NO_BUFFER);
    f = tcp_frame(&len, 22);
    lf_packet_in(T, sw, 1, f, len, OFP10_NO_BUFFER);
    /* switch_up reaches everyone whatever a returns; only `true` stops */
    lt_want_records("a/t: a up\nb/t: b up\na/t: a 80\nb/t: b 80\nc/t: c 80\na/t: a 22\n");
}

/* switch_up's second argument: {takeover = bool}, to every app. */
static void test_switch_up_info(void **state)
{
    (void)state;
    const char *a = "return { switch_up = function(sw, info) vf.record('t', type(info) .. ' ' ..\n"
                    "  tostring(info.takeover)) return true end }\n";
    const char *b = "return { switch_up = function(sw, info) vf.record('t', sw.dpid .. ' ' ..\n"
                    "  tostring(info.takeover)) end }\n";
    struct lof_app_src apps[] = {{"a", "a.lua", a, strlen(a), NULL, 0},
                                 {"b", "b.lua", b, strlen(b), NULL, 0}};
    char err[256];
    assert_int_equal(lt_load_list(T, apps, 2, err, sizeof err), 0);
    lf_switch_up(T, 1, 1);
    lf_next_takeover = true;
    lf_switch_up(T, 2, 1);
    lf_next_takeover = false;
    /* every app gets it, whatever an earlier one returns */
    lt_want_records("a/t: table false\nb/t: 00:00:00:00:00:00:00:01 false\n"
                    "a/t: table true\nb/t: 00:00:00:00:00:00:00:02 true\n");
}

static void test_environments_are_separate(void **state)
{
    (void)state;
    const char *a = "counter = 1; string.shout = string.upper; _G.leak = true\n"
                    "return { switch_up = function() vf.record('t', tostring(counter) .. ' ' ..\n"
                    "  tostring(string.shout ~= nil) .. ' ' .. tostring(leak)) end }\n";
    const char *b =
        "return { switch_up = function() vf.record('t', tostring(counter) .. ' ' ..\n"
        "  tostring(string.shout ~= nil) .. ' ' .. tostring(leak) .. ' ' .. vf.app) end }\n";
    struct lof_app_src apps[] = {{"a", "a.lua", a, strlen(a), NULL, 0},
                                 {"b", "b.lua", b, strlen(b), NULL, 0}};
    char err[256];
    assert_int_equal(lt_load_list(T, apps, 2, err, sizeof err), 0);
    lf_switch_up(T, 1, 1);
    lt_want_records("a/t: 1 true true\nb/t: nil false nil b\n");
}

static void test_runaway_handler_is_cut_off(void **state)
{
    (void)state;
    const char *a =
        "local n = 0\n"
        "return { packet_in = function(sw, p)\n"
        "  n = n + 1\n"
        "  if n == 1 then while true do end end\n"
        "  if n == 2 then local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(100000) .. i end end\n"
        "  vf.record('t', 'handled ' .. n) end }\n";
    const char *b = "return { packet_in = function() vf.record('t', 'next app') end }\n";
    struct lof_app_src apps[] = {{"spin", "spin.lua", a, strlen(a), NULL, 0},
                                 {"b", "b.lua", b, strlen(b), NULL, 0}};
    char err[256];
    assert_int_equal(lt_load_list(T, apps, 2, err, sizeof err), 0);
    struct ofc_switch *sw = lf_switch_up(T, 1, 2);
    size_t len;
    const uint8_t *f = tcp_frame(&len, 80);
    for (int i = 0; i < 3; i++)
        lf_packet_in(T, sw, 1, f, len, OFP10_NO_BUFFER);
    /* the chain went on after each failure, and the third event was handled */
    lt_want_records("b/t: next app\nb/t: next app\nspin/t: handled 3\nb/t: next app\n");
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.handler_errors, 2);
    assert_int_equal(st.budget_trips, 1);
    assert_int_equal(st.mem_trips >= 1, 1);
    assert_true(
        lf_log_has(T, "ERROR app:spin: packet_in failed: spin.lua:4: instruction budget exceeded"));
    assert_true(
        lf_log_has(T, "ERROR app:spin: packet_in failed: spin.lua:0: memory limit exceeded"));
    assert_non_null(strstr(st.last_error, "spin: spin.lua:0: memory limit exceeded"));
}

static void test_handler_error_names_position(void **state)
{
    (void)state;
    lt_load1(T, "oops",
             "return {\n switch_up = function(sw)\n  local x = nil\n  return x.y\n end }\n");
    lf_switch_up(T, 1, 1);
    assert_true(lf_log_has(T, "ERROR app:oops: switch_up failed: oops:4: attempt to index"));
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.handler_errors, 1);
}

static void test_timers(void **state)
{
    (void)state;
    lt_load1(T, "tm",
             "local n = 0\n"
             "vf.after(0.5, function() vf.record('t', 'after ' .. vf.now()) end)\n"
             "local gone = vf.after(0.7, function() vf.record('t', 'never') end)\n"
             "assert(vf.cancel(gone) == true and vf.cancel(gone) == false)\n"
             "vf.every(0.3, function(id) n = n + 1 vf.record('t', 'every ' .. n)\n"
             "  if n == 3 then vf.cancel(id) end end)\n"
             "vf.after(0.1, function() error('boom') end)\n"
             "return {}\n");
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.timers, 3);
    lt_advance(T, 2000);
    lt_want_records("tm/t: every 1\ntm/t: after 1.5\ntm/t: every 2\ntm/t: every 3\n");
    lof_status(T->l, &st);
    assert_int_equal(st.timers, 0);
    assert_int_equal(st.handler_errors, 1);
    assert_true(lf_log_has(T, "ERROR app:tm: timer callback failed: tm:7: boom"));
}

static void test_timer_handler_tick(void **state)
{
    (void)state;
    lt_load1(T, "tick",
             "local n = 0\nreturn { tick = 0.25, timer = function() n = n + 1\n"
             "  vf.record('t', 'tick ' .. n) end }\n");
    lt_advance(T, 1000);
    lt_want_records("tick/t: tick 1\ntick/t: tick 2\ntick/t: tick 3\ntick/t: tick 4\n");
    /* the handler's own timer cannot be cancelled by guessing ids */
    char err[256];
    const char *src = "return { tick = 0, timer = function() end }";
    struct lof_app_src a = {"bad", "bad.lua", src, strlen(src), NULL, 0};
    assert_int_equal(lt_load_list(T, &a, 1, err, sizeof err), -1);
    assert_string_equal(err, "bad.lua:1: tick must be a number of seconds 0.001..86400");
}

static void test_config_and_configure(void **state)
{
    (void)state;
    const struct lof_kv kv[] = {{"n", "10"},         {"f", "1.5"},    {"b", "true"},
                                {"s", "10.0.0.0/8"}, {"r", "deny a"}, {"r", "allow b"},
                                {"one", "x y"},      {"t", "007"}};
    const char *src =
        "local c = vf.config\n"
        "vf.record('t', {math.type(c.n), c.n, c.f, c.b, c.s, #c.r, c.r[1], c.r[2], c.t})\n"
        "local k = vf.configure { n = 1, f = 0.5, b = false, s = '', r = {}, one = {}, t = 'x', d "
        "= 'def' }\n"
        "vf.record('t', {k.n, k.f, k.b, k.s, #k.r, k.r[2], #k.one, k.one[1], k.t, k.d})\n"
        "return {}\n";
    struct lof_app_src a = {"cfg", "cfg.lua", src, strlen(src), kv, 8};
    char err[256];
    assert_int_equal(lt_load_list(T, &a, 1, err, sizeof err), 0);
    lt_want_records("cfg/t: integer,10,1.5,true,10.0.0.0/8,2,deny a,allow b,7\n"
                    "cfg/t: 10,1.5,true,10.0.0.0/8,2,allow b,1,x y,007,def\n");
    /* a typo in the configuration fails the load, at the configure() call */
    const struct lof_kv typo[] = {{"idel_timeout", "5"}};
    const char *s2 = "local x = 1\nlocal c = vf.configure { idle_timeout = 10 }\nreturn {}\n";
    struct lof_app_src b = {"l2", "l2.lua", s2, strlen(s2), typo, 1};
    assert_int_equal(lt_load_list(T, &b, 1, err, sizeof err), -1);
    assert_string_equal(err, "l2.lua:2: config: unknown key 'idel_timeout'");
    const struct lof_kv wrong[] = {{"idle_timeout", "soon"}};
    b.cfg = wrong;
    assert_int_equal(lt_load_list(T, &b, 1, err, sizeof err), -1);
    assert_string_equal(err, "l2.lua:2: config: idle_timeout: expected a number, got 'soon'");
}

static void test_record_csv(void **state)
{
    (void)state;
    lt_load1(T, "rec",
             "vf.record('s-1', {1, 2.5, 'plain', 'a,b', 'say \"hi\"', true, ' pad'})\n"
             "vf.record('s-1', 'raw line, as is')\n"
             "local ok, e = pcall(vf.record, 'bad/name', 'x') vf.record('e', e)\n"
             "ok, e = pcall(vf.record, 's', {'two\\nlines'}) vf.record('e', e)\n"
             "ok, e = pcall(vf.record, 's', {{}}) vf.record('e', e)\n"
             "return {}\n");
    lt_want_records("rec/s-1: 1,2.5,plain,\"a,b\",\"say \"\"hi\"\"\",true,\" pad\"\n"
                    "rec/s-1: raw line, as is\n"
                    "rec/e: record: stream name must be 1..32 of [a-z0-9_-]\n"
                    "rec/e: record: column 1: values cannot contain line breaks or NULs\n"
                    "rec/e: record: column 1: expected a string, number or boolean, got table\n");
}

static void test_log_and_print(void **state)
{
    (void)state;
    lt_load1(T, "lg",
             "log.info('n=%d %s', 5, 'x') vf.log.warn('plain') log.debug({}) print('p', 1)\n"
             "local ok, e = pcall(log.info, '%d', 'x') vf.record('e', tostring(ok))\n"
             "return {}\n");
    assert_true(lf_log_has(T, "INFO app:lg: n=5 x\n"));
    assert_true(lf_log_has(T, "WARN app:lg: plain\n"));
    assert_true(lf_log_has(T, "DEBUG app:lg: table: 0x"));
    assert_true(lf_log_has(T, "INFO app:lg: p\\t1\n"));
    lt_want_records("lg/e: false\n");
}

static void test_switch_io_refused_while_loading(void **state)
{
    (void)state;
    lf_switch_up(NULL, 7, 1);
    const char *src = "local sw = vf.switch(7)\nvf.flow_mod(sw, {})\nreturn {}\n";
    struct lof_app_src a = {"early", "early.lua", src, strlen(src), NULL, 0};
    char err[256];
    assert_int_equal(lt_load_list(T, &a, 1, err, sizeof err), -1);
    assert_string_equal(err, "early.lua:2: flow_mod: switches cannot be used while apps load (act "
                             "in switch_up or reloaded)");
    assert_int_equal(lf_engine.nsent, 0);
}

static void test_first_load_replays_switch_up(void **state)
{
    (void)state;
    lf_switch_up(NULL, 2, 1);
    lf_switch_up(NULL, 1, 1);
    lt_load1(T, "up", "return { switch_up = function(sw) vf.record('t', sw.dpid) end }\n");
    lt_want_records("up/t: 00:00:00:00:00:00:00:01\nup/t: 00:00:00:00:00:00:00:02\n");
    lt_clear_records();
    lt_load1(T, "up",
             "return { switch_up = function(sw) vf.record('t', sw.dpid) end,\n"
             "  reloaded = function(fresh) vf.record('t', 'reloaded ' .. tostring(fresh)) end }\n");
    lt_want_records("up/t: reloaded false\n"); /* a reload does not replay switch_up */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_chain_order_and_stop, lt_setup_small_budget,
                                        lt_teardown),
        cmocka_unit_test_setup_teardown(test_switch_up_info, lt_setup_small_budget, lt_teardown),
        cmocka_unit_test_setup_teardown(test_environments_are_separate, lt_setup_small_budget,
                                        lt_teardown),
        cmocka_unit_test_setup_teardown(test_runaway_handler_is_cut_off, lt_setup_small_budget,
                                        lt_teardown),
        cmocka_unit_test_setup_teardown(test_handler_error_names_position, lt_setup_small_budget,
                                        lt_teardown),
        cmocka_unit_test_setup_teardown(test_timers, lt_setup_small_budget, lt_teardown),
        cmocka_unit_test_setup_teardown(test_timer_handler_tick, lt_setup_small_budget,
                                        lt_teardown),
        cmocka_unit_test_setup_teardown(test_config_and_configure, lt_setup_small_budget,
                                        lt_teardown),
        cmocka_unit_test_setup_teardown(test_record_csv, lt_setup_small_budget, lt_teardown),
        cmocka_unit_test_setup_teardown(test_log_and_print, lt_setup_small_budget, lt_teardown),
        cmocka_unit_test_setup_teardown(test_switch_io_refused_while_loading, lt_setup_small_budget,
                                        lt_teardown),
        cmocka_unit_test_setup_teardown(test_first_load_replays_switch_up, lt_setup_small_budget,
                                        lt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
