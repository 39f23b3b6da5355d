/*
 * test_vlua_watch.c - the Lua watchdog (vlua_watch.c): with it running, calls
 * run unhooked, a call that runs long gets the count hook armed and is
 * stopped by its budget, short calls never see the hook, the hook is gone
 * again for the next call, and all of it holds with several (nested) states
 * and in a forked child, which has no timer. test_vlua.c covers the
 * unwatched path (hooked from the first instruction); test_sbx.c the
 * watchdog inside the sandbox.
 */
#include "unit.h"

#include <lauxlib.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lua/vlua.h"

static double thread_cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* hooked(): is a count hook set on this state right now? */
static int l_hooked(lua_State *L)
{
    lua_pushboolean(L, lua_gethookmask(L) != 0);
    return 1;
}

/* cpu_ms(): the thread's CPU time, so a script can run for a given time. */
static int l_cpu_ms(lua_State *L)
{
    lua_pushnumber(L, thread_cpu_ms());
    return 1;
}

static struct vlua *other; /* the state call_other() calls into */

/* call_other(name): vlua_pcall other's global function name; returns the
 * error text, or nil when it succeeded. A nested call in another state. */
static int l_call_other(lua_State *L)
{
    char err[1024];
    lua_State *O = vlua_state(other);
    lua_getglobal(O, luaL_checkstring(L, 1));
    if (vlua_pcall(other, 0, 0, err, sizeof err) == 0) return 0;
    lua_pushstring(L, err);
    return 1;
}

/* call_self(name): the same, re-entering this very state. */
static int l_call_self(lua_State *L)
{
    char err[1024];
    struct vlua *v = vlua_from_state(L);
    lua_getglobal(L, luaL_checkstring(L, 1));
    if (vlua_pcall(v, 0, 0, err, sizeof err) == 0) return 0;
    lua_pushstring(L, err);
    return 1;
}

static struct vlua *mk(uint64_t budget)
{
    struct vlua_limits lim = {.instr_budget = budget};
    struct vlua *v = vlua_new(&lim, NULL, NULL);
    assert_non_null(v);
    lua_State *L = vlua_state(v);
    lua_register(L, "hooked", l_hooked);
    lua_register(L, "cpu_ms", l_cpu_ms);
    lua_register(L, "call_other", l_call_other);
    lua_register(L, "call_self", l_call_self);
    return v;
}

/* Runs src as a chunk, one result; 0/-1 like vlua_pcall. */
static int run(struct vlua *v, const char *src, char *err, size_t cap)
{
    if (vlua_load(v, "w.lua", src, strlen(src), err, cap) != 0) return -1;
    return vlua_pcall(v, 0, 1, err, cap);
}

static void want_budget_error(struct vlua *v, const char *src)
{
    char err[2048] = "";
    if (run(v, src, err, sizeof err) == 0) fail_msg("%s: no error", src);
    if (!strstr(err, "instruction budget exceeded")) fail_msg("%s: error '%s'", src, err);
}

/* The result of src, which must succeed and return a boolean. */
static int run_bool(struct vlua *v, const char *src)
{
    char err[2048] = "";
    if (run(v, src, err, sizeof err) != 0) fail_msg("%s: %s", src, err);
    int b = lua_toboolean(vlua_state(v), -1);
    lua_pop(vlua_state(v), 1);
    return b;
}

static uint64_t arms_now(void)
{
    uint64_t t, a;
    vlua_watch_counts(&t, &a);
    return a;
}

static uint64_t ticks_now(void)
{
    uint64_t t, a;
    vlua_watch_counts(&t, &a);
    return t;
}

static int group_setup(void **state)
{
    (void)state;
    char err[256];
    if (vlua_watch_start(err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    /* again from the same thread: nothing to do */
    return vlua_watch_start(err, sizeof err);
}

static void test_runaway_is_stopped(void **state)
{
    (void)state;
    struct vlua *v = mk(2000000);
    uint64_t a0 = arms_now();
    double t0 = thread_cpu_ms();
    want_budget_error(v, "while true do end");
    double ms = thread_cpu_ms() - t0;
    print_message("while true do end: stopped after %.1f ms of CPU\n", ms);
    /* unhooked for one tick period at least, then the budget: well under 1 s */
    assert_true(ms >= VLUA_WATCH_MS * 0.9 && ms < 1000);
    assert_int_equal(vlua_budget_trips(v), 1);
    assert_true(arms_now() >= a0 + 1);
    /* a string-heavy loop, and every way of catching the error, end too */
    want_budget_error(v, "local t = {} while true do "
                         "local s = ('x'):rep(64) .. tostring(#t) t[#t % 100 + 1] = s:upper() end");
    want_budget_error(v, "while true do pcall(function() while true do end end) end");
    want_budget_error(v, "while true do xpcall(function() while true do end end, print) end");
    want_budget_error(v, "local function f() return f() end return f()");
    assert_int_equal(vlua_budget_trips(v), 5);
    assert_int_equal(lua_gettop(vlua_state(v)), 0);
    vlua_free(v);
}

/* Calls far shorter than a tick period run unhooked, however many ticks
 * land while they run. */
static void test_short_calls_never_hooked(void **state)
{
    (void)state;
    struct vlua *v = mk(0);
    lua_State *L = vlua_state(v);
    char err[512];
    assert_int_equal(run(v,
                         "F = function() local s = 0 for i = 1, 2000 do s = s + i end "
                         "return hooked() end return true",
                         err, sizeof err),
                     0);
    lua_pop(L, 1);
    uint64_t a0 = arms_now(), t0 = ticks_now();
    long calls = 0;
    double start = thread_cpu_ms();
    /* until 30 ticks have come (about 120 ms of CPU), at most 20 s of CPU */
    while (ticks_now() < t0 + 30 && thread_cpu_ms() - start < 20000) {
        lua_getglobal(L, "F");
        if (vlua_pcall(v, 0, 1, err, sizeof err) != 0) fail_msg("call %ld: %s", calls, err);
        if (lua_toboolean(L, -1)) fail_msg("call %ld ran hooked", calls);
        lua_pop(L, 1);
        calls++;
    }
    print_message("%ld short calls, %llu ticks, %llu arms\n", calls,
                  (unsigned long long)(ticks_now() - t0), (unsigned long long)(arms_now() - a0));
    assert_true(ticks_now() >= t0 + 30); /* the timer did tick meanwhile */
    assert_int_equal(arms_now(), a0);
    assert_int_equal(vlua_budget_trips(v), 0);
    vlua_free(v);
}

/* A long call is armed (and sees it), completes within its budget, and the
 * next call starts without the hook; so does the call after a runaway. */
static void test_hook_is_disarmed_after(void **state)
{
    (void)state;
    struct vlua *v = mk(1000000000);
    lua_State *L = vlua_state(v);
    const char *long_call = "local t0 = cpu_ms() while cpu_ms() - t0 < 60 do "
                            "for i = 1, 1000 do end end return hooked()";
    const char *short_call = "return hooked()";
    assert_false(run_bool(v, short_call));
    assert_true(run_bool(v, long_call));
    assert_int_equal(lua_gethookmask(L), 0);
    assert_false(run_bool(v, short_call));
    vlua_free(v);
    v = mk(1000000);
    L = vlua_state(v);
    want_budget_error(v, "while true do end");
    assert_int_equal(lua_gethookmask(L), 0);
    assert_false(run_bool(v, short_call));
    vlua_free(v);
}

/* Several states, calls nested across them and within one: each runaway is
 * stopped where it runs, the caller carries on, no state keeps a hook. */
static void test_several_states(void **state)
{
    (void)state;
    struct vlua *a = mk(3000000), *b = mk(1000000), *c = mk(0);
    other = b;
    char err[2048];
    assert_int_equal(run(b,
                         "SPIN = function() while true do end end "
                         "SHORT = function() return 1 end return 0",
                         err, sizeof err),
                     0);
    lua_pop(vlua_state(b), 1);
    /* a calls b's runaway: b is stopped, a goes on and returns */
    assert_int_equal(run(a,
                         "local e = call_other('SPIN') "
                         "return tostring(e):match('instruction budget exceeded') ~= nil",
                         err, sizeof err),
                     0);
    assert_true(lua_toboolean(vlua_state(a), -1));
    lua_pop(vlua_state(a), 1);
    assert_int_equal(vlua_budget_trips(b), 1);
    assert_int_equal(vlua_budget_trips(a), 0);
    assert_int_equal(lua_gethookmask(vlua_state(b)), 0);
    /* a runs away itself after a short nested call into b: a is stopped */
    want_budget_error(a, "call_other('SHORT') while true do end");
    assert_int_equal(vlua_budget_trips(a), 1);
    /* a re-enters itself with a short call, then runs away */
    assert_int_equal(run(a, "G = function() return 2 end return 0", err, sizeof err), 0);
    lua_pop(vlua_state(a), 1);
    want_budget_error(a, "call_self('G') while true do end");
    assert_int_equal(vlua_budget_trips(a), 2);
    /* a third state, untouched by all this, runs unhooked */
    assert_false(run_bool(c, "return hooked()"));
    assert_int_equal(lua_gethookmask(vlua_state(a)), 0);
    assert_int_equal(lua_gethookmask(vlua_state(b)), 0);
    assert_int_equal(vlua_budget_trips(c), 0);
    vlua_free(a);
    vlua_free(b);
    vlua_free(c);
}

/* vlua_copy reads lazy tables through their metatable's __vf_settle, which
 * a script can set to its own function: that runs as a budgeted call of the
 * source state, not unwatched host code. */
static void test_copy_runs_budgeted(void **state)
{
    (void)state;
    alarm(30); /* unbudgeted, the copy would never return: SIGALRM ends the test */
    struct vlua *a = mk(1000000), *b = mk(0);
    char err[512];
    static const char *const srcs[] = {
        "T = setmetatable({}, {__vf_settle = function() while true do end end}) return 0",
        "T = setmetatable({}, {__vf_settle = pcall, __call = function() while true do end end}) "
        "return 0",
    };
    for (size_t i = 0; i < sizeof srcs / sizeof srcs[0]; i++) {
        assert_int_equal(run(a, srcs[i], err, sizeof err), 0);
        lua_settop(vlua_state(a), 0);
        lua_getglobal(vlua_state(a), "T");
        assert_int_equal(vlua_copy(vlua_state(a), -1, vlua_state(b), 1 << 20, err, sizeof err), -1);
        print_message("copy of a table with a looping __vf_settle: %s\n", err);
        assert_non_null(strstr(err, "instruction budget exceeded"));
        lua_settop(vlua_state(a), 0);
        assert_int_equal(lua_gettop(vlua_state(b)), 0);
        assert_int_equal(lua_gethookmask(vlua_state(a)), 0);
    }
    assert_int_equal(vlua_budget_trips(a), 2);
    alarm(0);
    vlua_free(a);
    vlua_free(b);
}

/* A forked child has no timer: its calls are hooked from the start, so a
 * runaway is stopped there too (an alarm catches a child that hangs). */
static void test_forked_child_is_hooked(void **state)
{
    (void)state;
    pid_t p = fork();
    assert_true(p >= 0);
    if (p == 0) {
        alarm(10);
        struct vlua *v = mk(1000000);
        char err[2048];
        int ok =
            run(v, "return hooked()", err, sizeof err) == 0 && lua_toboolean(vlua_state(v), -1);
        lua_settop(vlua_state(v), 0);
        ok = ok && run(v, "while true do end", err, sizeof err) != 0 &&
             strstr(err, "instruction budget exceeded") != NULL;
        vlua_free(v);
        _exit(ok ? 0 : 1);
    }
    int st;
    assert_int_equal(waitpid(p, &st, 0), p);
    if (WIFSIGNALED(st)) fail_msg("child killed by signal %d", WTERMSIG(st));
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runaway_is_stopped),
        cmocka_unit_test(test_short_calls_never_hooked),
        cmocka_unit_test(test_hook_is_disarmed_after),
        cmocka_unit_test(test_several_states),
        cmocka_unit_test(test_copy_runs_budgeted),
        cmocka_unit_test(test_forked_child_is_hooked),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
