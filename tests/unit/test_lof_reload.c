/*
 * test_lof_reload.c - hot reload: a good reload swaps the state, carries
 * save()/restore() data across and calls reloaded(); a bad one (syntax error,
 * runtime error, bad handler table, failing save/restore, state that cannot
 * cross) leaves the old apps running untouched and reports
 * "origin:line: message"; and the old state's timers and pending requests
 * die with it.
 */
#include "test_lof_fake.h"

/* Here, checking the records also consumes them. */
static void want_records(const char *want)
{
    lt_want_records(want);
    lt_clear_records();
}

static void packet(struct ofc_switch *sw)
{
    uint8_t f[128];
    size_t len = lf_frame(f, "00:00:00:00:00:01", "00:00:00:00:00:02", 1, 2, 17, 1, 2);
    lf_packet_in(T, sw, 1, f, len, OFP10_NO_BUFFER);
}

/* A counter app, version v: counts packets, keeps the count across reloads. */
static void counter_src(char *buf, size_t cap, int v)
{
    snprintf(buf, cap,
             "local n = 0\n"
             "return {\n"
             "  packet_in = function() n = n + 1 vf.record('t', 'v%d n=' .. n) end,\n"
             "  save = function() return { n = n, note = 'from v%d' } end,\n"
             "  restore = function(s) n = s.n vf.record('t', 'restored ' .. s.note) end,\n"
             "  reloaded = function(fresh) vf.record('t', 'reloaded ' .. tostring(fresh)) end,\n"
             "}\n",
             v, v);
}

static int load(const char *name, const char *src, char *err, size_t cap)
{
    struct lof_app_src a = {name, "apps/c.lua", src, strlen(src), NULL, 0};
    return lof_load(T->l, &a, 1, err, cap);
}

static void test_reload_carries_state(void **state)
{
    (void)state;
    char src[1024], err[512];
    counter_src(src, sizeof src, 1);
    assert_int_equal(load("c", src, err, sizeof err), 0);
    struct ofc_switch *sw = lf_switch_up(T, 1, 2);
    packet(sw);
    packet(sw);
    want_records("c/t: v1 n=1\nc/t: v1 n=2\n");
    counter_src(src, sizeof src, 2);
    assert_int_equal(load("c", src, err, sizeof err), 0);
    /* restore ran in the new state before the swap; reloaded after; and
     * switch_up was not replayed (the app finds switches with vf.switches) */
    want_records("c/t: restored from v1\nc/t: reloaded false\n");
    packet(sw);
    want_records("c/t: v2 n=3\n");
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.generation, 2);
    assert_int_equal(st.failed_reloads, 0);
    assert_int_equal(st.n_apps, 1);
    assert_string_equal(st.app_names[0], "c");

    /* a new app next to it is fresh; an app without restore starts empty */
    const char *other =
        "return { reloaded = function(f) vf.record('t', 'other ' .. tostring(f)) end }";
    counter_src(src, sizeof src, 3);
    struct lof_app_src two[] = {{"c", "apps/c.lua", src, strlen(src), NULL, 0},
                                {"other", "apps/o.lua", other, strlen(other), NULL, 0}};
    assert_int_equal(lt_load_list(T, two, 2, err, sizeof err), 0);
    want_records("c/t: restored from v2\nc/t: reloaded false\nother/t: other true\n");
}

/* Each bad version must leave v1 running, with this exact error. */
static void test_reload_failures_keep_old_code(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"local n = 0\nreturn { packet_in = function() n = n + end }\n",
         "apps/c.lua:2: unexpected symbol near 'end'"},
        {"local t = nil\n\nlocal x = t.field\nreturn {}\n",
         "apps/c.lua:3: attempt to index a nil value (local 't')"},
        {"error('refusing to start')\n", "apps/c.lua:1: refusing to start"},
        {"local x\nwhile true do end\n",
         "apps/c.lua:2: instruction budget exceeded (200000 instructions)"},
        {"local t = {}\nfor i = 1, 1e9 do t[i] = ('x'):rep(100000) .. i end\n",
         "apps/c.lua:0: memory limit exceeded (16777216 bytes)"},
        {"local x = 1\nreturn 42\n",
         "apps/c.lua:2: the app must return a table of handlers, got number"},
        {"return {\n  packet_in = function() end,\n  pakcet_out = function()\n  end,\n}\n",
         "apps/c.lua:3: unknown handler 'pakcet_out' (known: switch_up, switch_down, packet_in, "
         "flow_removed, port_status, error, timer, tick, save, restore, reloaded, monitor_drop)"},
        {"return {\n  packet_in = 'hub',\n}\n",
         "apps/c.lua:3: handler 'packet_in' must be a function"},
        {"return { [1] = function() end }\n", "apps/c.lua:1: handler names must be strings"},
        {"return { restore = function(s)\n  error('cannot use ' .. s.note)\nend }\n",
         "apps/c.lua:2: cannot use from v1"},
        {"return { restore = function(s)\n  while true do end\nend }\n",
         "apps/c.lua:2: instruction budget exceeded"},
    };
    char src[1024], err[512];
    counter_src(src, sizeof src, 1);
    assert_int_equal(load("c", src, err, sizeof err), 0);
    struct ofc_switch *sw = lf_switch_up(T, 1, 2);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err[0] = '\0';
        assert_int_equal(load("c", cases[i][0], err, sizeof err), -1);
        if (strncmp(err, cases[i][1], strlen(cases[i][1])) != 0)
            fail_msg("case %zu: error '%s', want '%s'", i, err, cases[i][1]);
        assert_null(strchr(err, '\n')); /* one line: no traceback */
        packet(sw);
        char want[64];
        snprintf(want, sizeof want, "c/t: v1 n=%zu\n", i + 1);
        want_records(want);
    }
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.generation, 1);
    assert_int_equal(st.failed_reloads, sizeof cases / sizeof cases[0]);
    assert_int_equal(st.handler_errors, 0); /* load errors are not handler errors */
    assert_non_null(strstr(st.last_error, "instruction budget exceeded"));
    assert_true(lf_log_has(T, "ERROR lof: reload failed: apps/c.lua:2: unexpected symbol"));
}

static void test_reload_failure_in_save(void **state)
{
    (void)state;
    char err[512];
    const char *v1 =
        "local n = 0\nreturn { packet_in = function() n = n + 1 vf.record('t', n) end,\n"
        "  save = function()\n    if n == 1 then error('not now') end\n"
        "    return { f = function() end }\n  end }\n";
    const char *v2 = "return { restore = function() end }\n";
    assert_int_equal(load("c", v1, err, sizeof err), 0);
    struct ofc_switch *sw = lf_switch_up(T, 1, 2);
    packet(sw);
    assert_int_equal(load("c", v2, err, sizeof err), -1);
    assert_string_equal(err, "apps/c.lua:4: not now");
    packet(sw);
    assert_int_equal(load("c", v2, err, sizeof err), -1);
    assert_string_equal(err, "apps/c.lua:3: save() returned a state that cannot be transferred: "
                             "cannot transfer a value of type function");
    packet(sw);
    want_records("c/t: 1\nc/t: 2\nc/t: 3\n");
    /* the set itself: names are checked before anything runs */
    struct lof_app_src bad[] = {{"Bad Name", "x.lua", v2, strlen(v2), NULL, 0}};
    assert_int_equal(lt_load_list(T, bad, 1, err, sizeof err), -1);
    assert_string_equal(err, "x.lua:0: app name 'Bad Name' is not 1..47 of [a-z0-9_-]");
    struct lof_app_src dup[] = {{"a", "a.lua", v2, strlen(v2), NULL, 0},
                                {"a", "b.lua", v2, strlen(v2), NULL, 0}};
    assert_int_equal(lt_load_list(T, dup, 2, err, sizeof err), -1);
    assert_string_equal(err, "b.lua:0: app 'a' appears twice in the chain");
}

static void test_reload_cancels_timers_and_requests(void **state)
{
    (void)state;
    char err[512];
    const char *v1 = "vf.every(0.1, function() vf.record('t', 'old tick') end)\n"
                     "return { tick = 0.1, timer = function() vf.record('t', 'old timer') end,\n"
                     "  switch_up = function(sw)\n"
                     "    vf.stats(sw, 'desc', function(r, e) vf.record('t', 'old reply') end)\n"
                     "    vf.barrier(sw, function() vf.record('t', 'old barrier') end)\n"
                     "  end }\n";
    const char *v2 =
        "return { reloaded = function()\n"
        "  for _, sw in ipairs(vf.switches()) do\n"
        "    vf.barrier(sw, function(ok) vf.record('t', 'new barrier ' .. tostring(ok)) end)\n"
        "  end end }\n";
    assert_int_equal(load("c", v1, err, sizeof err), 0);
    lf_switch_up(T, 1, 2);
    lt_advance(T, 100);
    want_records("c/t: old tick\nc/t: old timer\n");
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.timers, 2);
    assert_int_equal(st.requests, 2);
    assert_int_equal(lf_live_requests(), 2);
    /* a failed reload keeps them */
    assert_int_equal(load("c", "syntax error here", err, sizeof err), -1);
    assert_int_equal(lf_live_requests(), 2);
    lt_advance(T, 100);
    want_records("c/t: old tick\nc/t: old timer\n");
    /* a good one cancels them at the loop and at the engine */
    unsigned timers_before = ev_timer_count(T->loop);
    assert_int_equal(load("c", v2, err, sizeof err), 0);
    assert_int_equal(ev_timer_count(T->loop), timers_before - 2);
    assert_int_equal(lf_live_requests(), 1); /* only the new app's barrier */
    assert_true(lf_engine.req[2].live);
    assert_false(lf_engine.req[0].live);
    assert_false(lf_engine.req[1].live);
    lt_advance(T, 500);
    lf_answer(2, OFC_REPLY_OK, NULL, 0);
    want_records("c/t: new barrier true\n");
    lof_status(T->l, &st);
    assert_int_equal(st.timers, 0);
    assert_int_equal(st.requests, 0);
}

static void test_unload_and_detach(void **state)
{
    (void)state;
    char err[512];
    const char *v1 = "return { switch_up = function(sw)\n"
                     "  vf.barrier(sw, function() vf.record('t', 'never') end) end }\n";
    assert_int_equal(load("c", v1, err, sizeof err), 0);
    lf_switch_up(T, 1, 2);
    assert_int_equal(lf_live_requests(), 1);
    lof_attach(T->l, NULL); /* the engine goes away: the apps' requests are forgotten there */
    assert_int_equal(lf_live_requests(), 0);
    struct lof_status st;
    lof_status(T->l, &st);
    assert_int_equal(st.requests, 0);
    /* an empty chain is a valid load: everything stops */
    assert_int_equal(lt_load_list(T, NULL, 0, err, sizeof err), 0);
    lof_status(T->l, &st);
    assert_int_equal(st.n_apps, 0);
    assert_int_equal(st.generation, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reload_carries_state, lt_setup_small_budget,
                                        lt_teardown),
        cmocka_unit_test_setup_teardown(test_reload_failures_keep_old_code, lt_setup_small_budget,
                                        lt_teardown),
        cmocka_unit_test_setup_teardown(test_reload_failure_in_save, lt_setup_small_budget,
                                        lt_teardown),
        cmocka_unit_test_setup_teardown(test_reload_cancels_timers_and_requests,
                                        lt_setup_small_budget, lt_teardown),
        cmocka_unit_test_setup_teardown(test_unload_and_detach, lt_setup_small_budget, lt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
