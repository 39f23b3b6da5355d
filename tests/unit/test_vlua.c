/*
 * test_vlua.c - the Lua sandbox: what a script can reach, and that every way of
 * running away (CPU, memory, recursion, C-level loops) ends in a reported error
 * with the state still usable afterwards.
 */
#include "unit.h"

#include <lauxlib.h>
#include <time.h>

#include "lua/vlua.h"

static char last_log[512];
static int log_count;

static void capture_log(void *ctx, int level, const char *msg)
{
    (void)ctx;
    (void)level;
    snprintf(last_log, sizeof(last_log), "%s", msg);
    log_count++;
}

static struct vlua *mk(size_t mem, uint64_t budget)
{
    struct vlua_limits lim = {.mem_bytes = mem, .instr_budget = budget};
    struct vlua *v = vlua_new(&lim, capture_log, NULL);
    assert_non_null(v);
    return v;
}

/* Runs src as a chunk; returns 0/-1 like vlua_pcall, err filled on error. */
static int run(struct vlua *v, const char *src, char *err, size_t cap)
{
    if (vlua_load(v, "t.lua", src, strlen(src), err, cap) != 0) return -1;
    return vlua_pcall(v, 0, 1, err, cap);
}

static void want_value(struct vlua *v, const char *src, const char *want)
{
    char err[1024] = "";
    int rc = run(v, src, err, sizeof(err));
    if (rc != 0) fail_msg("%s -> error %s", src, err);
    const char *got = lua_tostring(vlua_state(v), -1);
    if (!got || strcmp(got, want) != 0) fail_msg("%s -> %s, want %s", src, got, want);
    lua_pop(vlua_state(v), 1);
}

static void want_error(struct vlua *v, const char *src, const char *needle)
{
    char err[2048] = "";
    int top = lua_gettop(vlua_state(v));
    if (run(v, src, err, sizeof(err)) == 0) fail_msg("%s: no error", src);
    if (!strstr(err, needle)) fail_msg("%s: error '%s' lacks '%s'", src, err, needle);
    assert_int_equal(lua_gettop(vlua_state(v)), top);
}

static void test_libraries_are_restricted(void **state)
{
    (void)state;
    struct vlua *v = mk(0, 0);
    want_value(v, "return type(io)..type(os)..type(require)..type(debug)..type(package)",
                 "nilnilnilnilnil");
    want_value(v, "return type(dofile)..type(loadfile)..type(string.dump)..type(coroutine)",
                 "nilnilnilnil");
    want_value(v, "return type(string.format)..type(table.sort)..type(math.floor)..type(utf8.char)",
                 "functionfunctionfunctionfunction");
    want_value(v, "return getmetatable('')", "locked");
    want_error(v, "collectgarbage('stop')", "not allowed");
    want_value(v, "return tostring(collectgarbage('count') > 0)", "true");
    vlua_free(v);
}

static void test_text_only_and_error_positions(void **state)
{
    (void)state;
    struct vlua *v = mk(0, 0);
    char err[512];
    const char bytecode[] = "\x1bLua\x54\x00";
    assert_int_equal(vlua_load(v, "apps/x.lua", bytecode, sizeof(bytecode) - 1, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "binary chunk"));
    assert_int_equal(vlua_load(v, "apps/x.lua", "local a =\n\n = 3", 15, err, sizeof(err)), -1);
    assert_string_equal(strncmp(err, "apps/x.lua:3:", 13) == 0 ? "ok" : err, "ok");
    want_error(v, "\n\nerror('boom')", "t.lua:3: boom");
    want_value(v, "local f = load('return 6*7'); return tostring(f())", "42");
    want_value(v, "local f, e = load('\\27Lua'); return tostring(f)..' '..tostring(e ~= nil)",
                 "nil true");
    want_value(v, "local f = load('return x', 'c', 't', {x='env'}); return f()", "env");
    vlua_free(v);
}

static void test_print_goes_to_log(void **state)
{
    (void)state;
    struct vlua *v = mk(0, 0);
    log_count = 0;
    want_value(v, "print('hello', 1, true) return 'x'", "x");
    assert_int_equal(log_count, 1);
    assert_string_equal(last_log, "hello\t1\ttrue");
    vlua_free(v);
}

static void test_infinite_loop_hits_budget(void **state)
{
    (void)state;
    struct vlua *v = mk(0, 2000000);
    want_error(v, "while true do end", "instruction budget exceeded");
    assert_int_equal(vlua_budget_trips(v), 1);
    /* pcall cannot swallow the budget error */
    want_error(v, "while true do pcall(function() while true do end end) end",
                 "instruction budget exceeded");
    want_error(v, "while true do xpcall(function() while true do end end, print) end",
                 "instruction budget exceeded");
    /* the budget is per call: the state works afterwards */
    want_value(v, "local s = 0 for i = 1, 1000 do s = s + i end return tostring(s)", "500500");
    /* ordinary errors are still caught by pcall */
    want_value(v, "local ok, e = pcall(error, 'x') return tostring(ok)..e", "falsex");
    vlua_free(v);
}

static void test_memory_bomb_is_capped(void **state)
{
    (void)state;
    struct vlua *v = mk(8u << 20, 0);
    want_error(v, "local t = {} for i = 1, 1e9 do t[i] = {i} end", "memory");
    want_error(v, "local s = 'x' while true do s = s .. s end", "memory");
    want_error(v, "return string.rep('x', 1e9)", "memory");
    want_error(v, "return ('y'):rep(1e6):rep(1e3)", "memory");
    assert_true(vlua_mem_trips(v) >= 3);
    assert_true(vlua_mem_used(v) <= vlua_mem_cap(v));
    lua_gc(vlua_state(v), LUA_GCCOLLECT);
    want_value(v, "return ('ok'):upper()", "OK");
    vlua_free(v);
}

static void test_deep_recursion(void **state)
{
    (void)state;
    struct vlua *v = mk(256u << 20, 0);
    want_error(v, "local function f(n) return 1 + f(n + 1) end return f(1)", "stack overflow");
    want_error(v, "local function f() return f() end return f()", "instruction budget");
    /* C-level recursion is bounded by Lua itself */
    want_error(v, "local t = setmetatable({}, {}) getmetatable(t).__index = function(s, k) return s[k] end return t.x",
                 "t.lua:1:");
    want_value(v, "return 'alive'", "alive");
    vlua_free(v);
}

static double seconds_of(struct vlua *v, const char *src, int want_ok)
{
    struct timespec a, b;
    char err[1024];
    clock_gettime(CLOCK_MONOTONIC, &a);
    int rc = run(v, src, err, sizeof(err));
    clock_gettime(CLOCK_MONOTONIC, &b);
    if ((rc == 0) != want_ok) fail_msg("%s: rc %d (%s)", src, rc, rc ? err : "ok");
    if (rc == 0) lua_pop(vlua_state(v), 1);
    return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

static void test_pathological_patterns(void **state)
{
    (void)state;
    struct vlua *v = mk(0, 0);
    /* O(n^4) backtracking on 20 KB would take hours unguarded */
    want_error(v, "return string.find(('a'):rep(20000), '.-.-.-b')", "pattern too complex");
    want_error(v, "return (('a'):rep(20000)):match('a*a*a*b')", "pattern too complex");
    want_error(v, "for x in (('a'):rep(20000)):gmatch('.-.-c') do end", "pattern too complex");
    want_error(v, "return (('a'):rep(20000)):gsub('a-a-a-c', '')", "pattern too complex");
    /* ordinary patterns on long subjects still work, and quickly */
    assert_true(seconds_of(v, "local s = ('word=value '):rep(5000) local n = 0 "
                              "for k, val in s:gmatch('(%w+)=(%w+)') do n = n + 1 end "
                              "return tostring(n)", 1) < 2.0);
    want_value(v, "return tostring(select(2, ('GET /x HTTP/1.1'):find('GET (.-) HTTP')))", "11");
    want_value(v, "return tostring(string.find(('a'):rep(20000), '.-.-.-b', 1, true))", "nil");
    want_value(v, "return ('[x]'):match('%[(.)%]')", "x");
    vlua_free(v);
}

static void test_c_loops_are_bounded(void **state)
{
    (void)state;
    struct vlua *v = mk(0, 0);
    assert_true(seconds_of(v, "return string.rep('', 1 << 62)", 1) < 0.5);
    want_error(v, "table.move({}, 1, 1 << 60, 2)", "table.move");
    want_error(v, "local t = setmetatable({}, {__len = function() return 1 << 60 end}) "
                    "table.insert(t, 1, 'x')",
                 "out of range");
    want_error(v, "local t = setmetatable({}, {__len = function() return 1 << 60 end}) "
                    "table.remove(t, 1)",
                 "out of range");
    want_value(v, "local t = {1, 2, 3} table.insert(t, 1, 0) table.remove(t) "
                    "return table.concat(table.move(t, 1, 3, 1, {}), ',')",
                 "0,1,2");
    vlua_free(v);
}

static void test_gc_loop_at_close_ends(void **state)
{
    (void)state;
    struct vlua *v = mk(0, 0);
    /* finalizers run with hooks off in Lua 5.4: __gc must not get in at all */
    want_error(v, "setmetatable({}, {__gc = function() while true do end end})", "__gc");
    want_value(v, "local mt = {} setmetatable({}, mt) mt.__gc = function() while true do end end "
                  "return tostring(getmetatable(setmetatable({}, {__index = {}})) ~= nil)",
               "true");
    lua_gc(vlua_state(v), LUA_GCCOLLECT); /* a __gc added later is never called */
    vlua_free(v);
}

static void test_copy_between_states(void **state)
{
    (void)state;
    struct vlua *a = mk(0, 0), *b = mk(0, 0);
    char err[256];
    want_value(a, "T = {n = 1, f = 2.5, s = 'str', ok = true, list = {1, 2, {deep = 'y'}}} return 'x'", "x");
    lua_State *la = vlua_state(a), *lb = vlua_state(b);
    lua_getglobal(la, "T");
    assert_int_equal(vlua_copy(la, -1, lb, 1 << 20, err, sizeof(err)), 0);
    lua_setglobal(lb, "T");
    lua_pop(la, 1);
    want_value(b, "return T.n .. math.type(T.n) .. T.f .. T.s .. tostring(T.ok) .. T.list[3].deep",
                 "1integer2.5strtruey");
    /* functions, cycles and oversize data do not cross, and leave b unchanged */
    int top = lua_gettop(lb);
    want_value(a, "F = {fn = print} C = {} C.self = C B = {('z'):rep(4096)} return 'x'", "x");
    lua_getglobal(la, "F");
    assert_int_equal(vlua_copy(la, -1, lb, 1 << 20, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "function"));
    lua_getglobal(la, "C");
    assert_int_equal(vlua_copy(la, -1, lb, 1 << 20, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "deeper"));
    lua_getglobal(la, "B");
    assert_int_equal(vlua_copy(la, -1, lb, 1000, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "too large"));
    lua_pop(la, 3);
    assert_int_equal(lua_gettop(lb), top);
    vlua_free(a);
    vlua_free(b);
}

static void test_pattern_cost_model(void **state)
{
    (void)state;
    const char *s = "aaaa";
    assert_int_equal(vlua_pattern_cost(s, 4, "^abc", 4), 1);
    assert_int_equal(vlua_pattern_cost(s, 4, "abc", 3), 5);
    assert_int_equal(vlua_pattern_cost(s, 4, "^a*", 3), 5);
    assert_int_equal(vlua_pattern_cost(s, 4, "^a*b*", 5), 5); /* no b in s: run 0 */
    assert_int_equal(vlua_pattern_cost(s, 4, "^[%a]-x?", 8), 10);
    assert_int_equal(vlua_pattern_cost(s, 4, "^[", 2), 0); /* malformed: left to Lua */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_libraries_are_restricted),
        cmocka_unit_test(test_text_only_and_error_positions),
        cmocka_unit_test(test_print_goes_to_log),
        cmocka_unit_test(test_infinite_loop_hits_budget),
        cmocka_unit_test(test_memory_bomb_is_capped),
        cmocka_unit_test(test_deep_recursion),
        cmocka_unit_test(test_pathological_patterns),
        cmocka_unit_test(test_c_loops_are_bounded),
        cmocka_unit_test(test_gc_loop_at_close_ends),
        cmocka_unit_test(test_copy_between_states),
        cmocka_unit_test(test_pattern_cost_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
